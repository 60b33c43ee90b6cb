"""The document's self-check: truncated captures and items without units (pipeline/selfcheck.py)."""

from __future__ import annotations

import pytest
from helpers import extract_text

HEAD = "某区人民政府关于印发2024年区政府重点工作分解意见的通知\n一、经济发展\n"
DONE = "1.推进产业园区建设。(牵头单位:区发改局;责任单位:区财政局)\n2.抓好招商引资。(牵头单位:区商务局)\n"

CUT = [
    # (id, the end of the capture, the task the cut is in (label), why)
    ("open-bracket", "3.建设智慧城市。(牵头单位:区政数局;责任单位:区财", "3.", "bracket is never closed"),
    ("bare-number", "13.", None, "bare number"),
    ("no-clause-after-tasks-with-clauses", "3.加快老旧小区改造,力争完成", "3.", "no clause"),
    ("mid-sentence-role-line", "3.建设智慧城市。\n牵头单位:区政", "3.", "mid-sentence"),
    ("heading-with-nothing-under-it", "二、社会民生", None, "heading"),
]


@pytest.mark.parametrize("end,label,why", [c[1:] for c in CUT], ids=[c[0] for c in CUT])
def test_a_capture_cut_inside_a_task_is_flagged_where_the_cut_task_starts(end, label, why):
    ex = extract_text(HEAD + DONE + end)
    (f,) = [f for f in ex.findings if f.code == "truncated"]
    assert ex.document.truncated is True and why in f.message
    assert f.span_end == len(ex.text)
    if label is not None:
        cut = next(i for i in ex.items if i.item_label == label)
        assert f.span_start == cut.span_start
    else:
        assert ex.text[f.span_start:].strip() == end
    # what was read before the cut is kept as read
    assert [a.name for a in ex.assignments if a.item_seq == 1] == ["区发改局", "区财政局"]


def test_a_complete_notice_is_not_truncated():
    ex = extract_text(HEAD + DONE + "二、工作要求\n各单位要高度重视,按时报送进展情况。")
    assert ex.document.truncated is False and "truncated" not in {f.code for f in ex.findings}


@pytest.mark.parametrize("end", ["3.建设智慧社区12个。\n牵头单位:区民政局\n责任单位:各街道办事处",
                                 "3.建设智慧社区12个。\n牵头单位:区民政局\n"])
def test_a_notice_ending_on_a_whole_role_line_is_not_truncated(end):
    """A role line prints no full stop: ending on one whose last name is a whole unit is no cut (区政 above is)."""
    ex = extract_text(HEAD + DONE + end)
    assert ex.document.truncated is False and "truncated" not in {f.code for f in ex.findings}


def test_a_bare_number_is_not_an_item():
    ex = extract_text(HEAD + DONE + "3.")
    assert [i.item_label for i in ex.items] == ["1.", "2."]


def test_items_without_units_are_items_with_a_finding_and_counted():
    ex = extract_text(HEAD + "1.推进产业园区建设。(牵头单位:区发改局)\n2.抓好招商引资,全年引进项目20个。\n"
                      "3.优化营商环境。(责任单位:区政数局)\n")
    assert [i.item_label for i in ex.items] == ["1.", "2.", "3."]
    (f,) = [f for f in ex.findings if f.code == "no_units"]
    assert ex.text[f.span_start:f.span_end] == "抓好招商引资,全年引进项目20个。"
    d = ex.document
    assert (d.n_candidates, d.n_items, d.n_items_without_units) == (3, 3, 1)
    assert [(t.item_seq, t.value, t.unit) for t in ex.targets] == [(2, 20.0, "个")]


def test_a_breakdown_whose_clauses_are_unknown_still_gives_its_tasks():
    ex = extract_text("某县人民政府办公室关于印发2024年重点工作任务分解方案的通知\n各乡镇:\n现将方案印发给你们。\n"
                      "某县人民政府办公室\n2024年2月1日\n一、稳增长\n1.地区生产总值增长6%。\n"
                      "2.固定资产投资增长8%。\n")
    assert [i.text for i in ex.items] == ["地区生产总值增长6%。", "固定资产投资增长8%。"]
    assert [f.code for f in ex.findings if f.code == "no_units"] == ["no_units", "no_units"]
    assert ex.document.n_items_without_units == 2


def test_units_after_a_dash_or_a_wide_gap_close_the_task():
    from helpers import units_of

    ex = extract_text("某县人民政府关于印发2024年重点工作任务分解方案的通知\n一、稳增长\n"
                      "1.地区生产总值增长6%。——县发改局、县统计局\n2.固定资产投资增长8%    县发改局\n")
    assert [i.text for i in ex.items] == ["地区生产总值增长6%。", "固定资产投资增长8%"]
    assert units_of(ex, 1) == ["responsible:县发改局", "responsible:县统计局"]
    assert units_of(ex, 2) == ["responsible:县发改局"]


def test_tasks_before_the_first_task_with_a_clause_are_items_too():
    ex = extract_text("某区人民政府关于印发2024年重点工作分解的通知\n一、主要目标\n1.地区生产总值增长6%左右。\n"
                      "2.固定资产投资增长8%。\n3.社会消费品零售总额增长7%。(牵头单位:区商务局)\n")
    assert [i.item_label for i in ex.items] == ["1.", "2.", "3."]
    assert [f.code for f in ex.findings if f.code == "no_units"] == ["no_units", "no_units"]


def test_a_task_that_mentions_a_chrome_word_is_not_chrome_and_chrome_left_out_is_reported():
    text = (HEAD + DONE + "3.保护知识产权,打击侵犯著作权和版权所有人权益的行为。(牵头单位:区市场监管局)\n"
            "首页 | 网站声明 | 联系我们\n主办单位:某区人民政府 版权所有\n")
    ex = extract_text(text)
    assert [i.item_label for i in ex.items] == ["1.", "2.", "3."]
    assert [a.name for a in ex.assignments if a.item_seq == 3] == ["区市场监管局"]
    dropped = [f.message for f in ex.findings if f.code == "chrome_dropped"]
    assert len(dropped) == 2 and any("版权所有" in m for m in dropped)


def test_a_one_line_capture_is_read():
    ex = extract_text("2025年重点工作任务分解 版权所有")
    assert ex.text == "2025年重点工作任务分解 版权所有" and {f.code for f in ex.findings} >= {"no_items"}


@pytest.mark.parametrize("closing", ["某区人民政府办公室\n2024年2月10日印发", "主办:某区人民政府办公室", "(此件公开发布)",
                                     "某区人民政府\n2024年2月10日"])
def test_a_notice_that_ends_on_its_closing_lines_is_complete(closing):
    ex = extract_text(HEAD + DONE + closing)
    assert ex.document.truncated is False


def test_a_closing_line_with_an_open_bracket_is_still_a_cut():
    ex = extract_text(HEAD + DONE + "3.推进工作(主办:区发改局")
    assert ex.document.truncated is True
