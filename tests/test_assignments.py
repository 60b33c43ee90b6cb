"""Stage 8 — assignments: roles from every source, names normalized with evidence (pipeline/assignments.py)."""

from __future__ import annotations

import pytest
from helpers import extract_text, units_of

HEAD = "某市人民政府关于印发2024年重点工作责任分解的通知\n"


def test_posts_named_in_a_verb_clause_are_leaders():
    ex = extract_text(HEAD + "一、发展\n1.稳定经济增长。(分管副市长、协管副秘书长负责,市发展改革委牵头,市统计局配合)\n")
    assert units_of(ex, 1) == ["leader:分管副市长", "leader:协管副秘书长", "lead:市发展改革委", "cooperating:市统计局"]


def test_a_leader_named_in_the_section_heading_leads_every_task_under_it():
    ex = extract_text(HEAD + "一、张立新市长主抓重点工作\n1.推进项目建设。\n责任单位:市发改委、市财政局\n"
                      "2.优化营商环境。\n责任单位:市政数局\n二、李华副市长牵头重点工作\n3.抓好春耕生产。\n责任单位:市农业农村局\n")
    assert units_of(ex, 1) == ["leader:张立新", "responsible:市发改委", "responsible:市财政局"]
    assert units_of(ex, 2) == ["leader:张立新", "responsible:市政数局"]
    assert units_of(ex, 3) == ["leader:李华", "responsible:市农业农村局"]
    (row,) = [a for a in ex.assignments if a.item_seq == 3 and a.role == "leader"]
    assert (row.role_label, ex.text[row.span_start:row.span_end], row.position) == ("牵头", "李华", 1)


@pytest.mark.parametrize("rule", ["列第一位者为工作牵头单位或汇总单位,下同", "排名第一的为主办单位,下同",
                                  "第一责任单位为主责单位"], ids=["lead", "host", "principal"])
def test_the_first_listed_unit_leads_when_the_notice_says_so_and_the_note_is_no_unit(rule):
    ex = extract_text(HEAD + f"一、发展\n1.支持企业发展。\n责任单位:市经信局、市财政局、市税务局({rule})\n"
                      "2.扩大有效投资。\n责任单位:市发改委、市财政局\n")
    rows = [(a.name, a.acting_lead) for a in ex.assignments if a.item_seq == 1]
    assert rows == [("市经信局", True), ("市财政局", False), ("市税务局", False)]
    assert [(a.name, a.acting_lead) for a in ex.assignments if a.item_seq == 2] == [("市发改委", True), ("市财政局", False)]


@pytest.mark.parametrize("mark", ["(牵头)", "(牵头单位)", "(牵头部门)", "(主办单位)", "（主责单位）"])
def test_a_lead_label_in_brackets_after_one_unit_marks_that_unit(mark):
    """Not a rule of the notice (列第一位者为牵头单位, 下同) but the role of the unit it follows."""
    ex = extract_text(HEAD + f"一、发展\n1.支持企业发展。\n责任单位:区发改局{mark}、区财政局\n")
    assert [(a.role, a.name, a.name_raw, a.acting_lead) for a in ex.assignments] == [
        ("lead", "区发改局", "区发改局", False), ("responsible", "区财政局", "区财政局", False)]


def test_a_short_department_name_takes_the_scope_the_list_opens_with():
    ex = extract_text(HEAD + "一、发展\n1.地区生产总值增长6%。\n(市发改委、统计局,苏州海关、花湖街办)\n")
    rows = [(a.name, a.name_raw) for a in ex.assignments if a.item_seq == 1]
    assert rows == [("市发改委", "市发改委"), ("市统计局", "统计局"), ("苏州海关", "苏州海关"), ("花湖街办", "花湖街办")]
    (rep,) = [r for r in ex.repairs if r.rule == "unit_shared_prefix"]
    assert (rep.before, rep.after, rep.applies_to) == ("统计局", "市统计局", "unit")
    assert ex.text[rep.span_start:rep.span_end] == "统计局"


def test_person_names_printed_with_inner_spaces_are_normalized():
    ex = extract_text(HEAD + "一、发展\n1.推进科技创新。(责任领导:王 东;牵头单位:市科技局)\n")
    (row,) = [a for a in ex.assignments if a.role == "leader"]
    assert (row.name, row.name_raw) == ("王东", "王 东")


def test_a_leader_is_the_person_without_the_post_printed_with_the_name():
    ex = extract_text(HEAD + "一、发展\n1.地区生产总值增长6%。(责任领导:张三(副区长);牵头单位:区发改局)\n"
                      "2.推进城市更新。(责任领导:副区长 孙九;责任单位:区住建局)\n"
                      "3.抓好安全生产。(分管领导:王纲副市长、分管副市长;责任单位:区应急局)\n")
    rows = [(a.item_seq, a.name, a.name_raw) for a in ex.assignments if a.role == "leader"]
    assert rows == [(1, "张三", "张三(副区长)"), (2, "孙九", "副区长 孙九"), (3, "王纲", "王纲副市长"),
                    (3, "分管副市长", "分管副市长")]
