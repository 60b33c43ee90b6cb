"""Outline and assignments on the notice shapes that exist (rules/outline.toml, rules/roles.toml)."""

from __future__ import annotations

import pytest
from helpers import extract_text, units_of

from pipeline.rules import load_rules

RULES = load_rules()

HEADER = "某区人民政府\n关于印发2025年重点工作责任分解方案的通知\n各街道办事处,区直各部门:\n现印发给你们。\n某区人民政府\n2025年1月6日\n2025年重点工作责任分解方案\n"


def test_sections_subsections_groups_items():
    ex = extract_text(HEADER + """一、发展目标
1.地区生产总值增长6%左右。(责任单位:区发改局)
二、重点工作
(一)做强产业
打造先进制造业集群
2.推进技改项目20个。(牵头单位:区经信局;责任单位:各街道)
3.新增规上企业10家(牵头单位:区经信局)
壮大现代服务业
4.培育服务业企业。(牵头单位:区商务局;配合单位:区财政局、区税务局)
三、工作要求
(一)加强领导。各单位要高度重视。
""")
    got = [(i.item_label, i.section_label, i.subsection_label, i.group_title) for i in ex.items]
    assert got == [("1.", "一、", None, None), ("2.", "二、", "(一)", "打造先进制造业集群"),
                   ("3.", "二、", "(一)", "打造先进制造业集群"), ("4.", "二、", "(一)", "壮大现代服务业")]
    assert ex.items[1].subsection_title == "做强产业"
    assert units_of(ex, 4) == ["lead:区商务局", "cooperating:区财政局", "cooperating:区税务局"]


def test_subsection_items_with_role_lines_and_blank_lines():
    ex = extract_text(HEADER + """一、主要预期目标

(一)地区生产总值增长7%以上

责任单位:区发展和改革局

(二)规上工业增加值增长12%以上

牵头单位:区经信局

责任单位:各街道,区统计局

(三)其他主要经济指标不低于全市平均水平。
""")
    assert [i.item_label for i in ex.items] == ["(一)", "(二)", "(三)"]
    assert units_of(ex, 2) == ["lead:区经信局", "responsible:各街道", "responsible:区统计局"]
    assert units_of(ex, 3) == []
    assert ex.items[0].text == "地区生产总值增长7%以上"


@pytest.mark.parametrize("label", ["1.", "1、", "1．", "（1）", "(1)"])
def test_item_numbering_styles(label):
    second = label.replace("1", "2")
    ex = extract_text(HEADER + f"一、重点任务\n{label}推进项目建设。(牵头单位:区发改局)\n{second}抓好招商引资。(牵头单位:区商务局)\n")
    assert [i.item_label for i in ex.items] == [label, second]
    assert [i.text for i in ex.items] == ["推进项目建设。", "抓好招商引资。"]


def test_person_leader_line_and_wrapped_role_line():
    ex = extract_text(HEADER + """一、重点任务
1.推进城市更新行动。
牵头领导:刘 哲
牵头单位:区住建局
协办单位:区发改局、区财政局、
区自然资源局。
2.抓好安全生产。
牵头单位:区应急局
""")
    assert units_of(ex, 1) == ["leader:刘哲", "lead:区住建局", "cooperating:区发改局", "cooperating:区财政局",
                               "cooperating:区自然资源局"]
    leader = ex.assignments[0]
    assert leader.name_raw == "刘 哲" and leader.role_label == "牵头领导"


def test_verbs_and_unnumbered_sentences():
    ex = extract_text("""某市人民政府办公厅关于落实规划纲要主要目标和任务工作分工的通知
(某府办发〔2012〕19号)
各县(市)、区人民政府,市政府各委办局:
一、分工原则
推动纲要顺利实施,主要依靠发挥市场配置资源的基础性作用。
二、主要目标和任务分工安排
(一)约束性指标
耕地保有量保持在1800万亩。(市国土局牵头)
单位工业增加值用水量达到省定标准。(市水利局、市工信局等部门按职责分工负责)
(二)重点任务
全面完成年度任务。(市政府各部门分别负责,年内持续推进)
""")
    assert [(i.item_label, i.subsection_label) for i in ex.items] == [("", "(一)"), ("", "(一)"), ("", "(二)")]
    assert units_of(ex, 1) == ["lead:市国土局"]
    assert units_of(ex, 2) == ["responsible:市水利局", "responsible:市工信局"]
    assert ex.items[2].deadline_text == "年内持续推进" and str(ex.items[2].deadline) == "2012-12-31"


def test_square_brackets_and_nested_parentheses():
    ex = extract_text(HEADER.replace("某区", "某县").replace("区直", "县直") + """一、主要目标
(一)地区生产总值增长9%。[牵头单位:县发改局(粮食局);责任单位:各镇人民政府,县经济开发区]
(二)财政收入增长8%。(牵头单位:县财政局;责任单位:县税务局,各乡(镇、场)人民政府)
""")
    assert units_of(ex, 1) == ["lead:县发改局(粮食局)", "responsible:各镇人民政府", "responsible:县经济开发区"]
    assert units_of(ex, 2) == ["lead:县财政局", "responsible:县税务局", "responsible:各乡(镇、场)人民政府"]


def test_inline_labels_after_sentence():
    ex = extract_text(HEADER + "一、重点任务\n1.加快老旧小区改造。主办单位:区住建局、区发改局。协办单位:区财政局。\n")
    assert ex.items[0].text == "加快老旧小区改造。"
    assert units_of(ex, 1) == ["lead:区住建局", "lead:区发改局", "cooperating:区财政局"]


def test_deadline_in_clause():
    ex = extract_text(HEADER + "一、重点任务\n1.建成数据平台。(牵头单位:区政数局;完成时限:2025年6月底前)\n"
                                "2.推进河湖治理。(牵头单位:区水利局;完成时限:长期坚持)\n")
    assert (ex.items[0].deadline_text, str(ex.items[0].deadline)) == ("2025年6月底前", "2025-06-30")
    assert (ex.items[1].deadline_text, ex.items[1].deadline) == ("长期坚持", None)


def test_capture_cut_before_first_task_is_zero_items_with_metadata():
    ex = extract_text(HEADER + "一、经济社会发展计划目标\n(一)地区生产总值增")
    assert ex.items == () and ex.document.issuer == "某区人民政府"
    assert [f.code for f in ex.findings if f.severity == "error"] == ["no_items"]


def test_traditional_script_is_matched_simplified_and_kept_as_printed():
    from pipeline.script import to_simplified

    trad = ("某市人民政府辦公室關於印發2023年重點工作責任分解方案的通知\n各縣、市、區人民政府:\n"
            "一、經濟發展目標\n(一)地區生產總值增長6%。(牽頭單位:市發改委;責任單位:各縣市區人民政府)\n"
            "(二)召開會(hui)議部署。(牽頭單位:市政府辦公室)\n")
    ex = extract_text(trad)
    assert [i.text for i in ex.items] == ["地區生產總值增長6%。", "召開會(hui)議部署。"]
    assert units_of(ex, 1) == ["lead:市发改委", "responsible:各县市区人民政府"]
    assert [a.name_raw for a in ex.assignments if a.item_seq == 1] == ["市發改委", "各縣市區人民政府"]
    assert ex.text == trad.strip() and to_simplified("牽頭") == "牵头"
    assert "traditional_script" in [f.code for f in ex.findings]


def test_html_task_table_one_item_per_row_with_spans_and_headings():
    from conftest import FIXTURES

    from pipeline.extract import extract_file

    ex = extract_file(FIXTURES / "html" / "task_table.html", RULES)
    got = [(i.item_label, i.section_label, i.section_title, i.text, i.deadline_text, str(i.deadline)) for i in ex.items]
    assert got[:4] == [
        ("1", "一、", "经济发展", "规上工业增加值增长8%左右", "2025年12月底前", "2025-12-31"),
        ("2", "一、", "经济发展", "新增市场主体300户", "2025年6月底前", "2025-06-30"),
        ("3", "一、", "经济发展", "完成固定资产投资5亿元", "全年", "2025-12-31"),
        ("4", "二、", "民生保障", "改造老旧小区2个", None, "None"),
    ]
    # the lead cell spans rows 1-3: it applies to all three; columns keep their printed order
    assert units_of(ex, 2) == ["lead:街道经发办", "responsible:街道市场监管所", "responsible:各社区", "leader:分管副主任"]
    assert units_of(ex, 3) == ["lead:街道经发办", "leader:分管副主任"]
    assert [a.role_label for a in ex.assignments if a.item_seq == 1] == ["牵头单位", "责任单位", "分管领导"]
    # the second table's two-row header: 责任单位 over 牵头单位 | 配合单位
    assert units_of(ex, 5) == ["lead:街道社保中心", "cooperating:各社区"]
    assert len(ex.items) == 6


@pytest.mark.parametrize("name", ["jiangxi-2022-tjgb-on-yichun.html", "wanzai-2015-tjgb.html", "wanzai-2022-tjgb.html",
                                  "yichun-2022-tjgb.html"])
def test_statistical_bulletins_are_not_breakdown_notices(name):
    from conftest import shared

    from pipeline.errors import NoTasksError
    from pipeline.extract import extract_file

    with pytest.raises(NoTasksError, match="no tasks found"):
        extract_file(shared("corpus", "html", name), RULES)


def test_clause_alone_on_its_own_line_belongs_to_the_item_above():
    ex = extract_text(HEADER + "一、重点任务\n1.推进城市更新。\n（牵头单位：区住建局；责任单位：各街道）\n2.抓好安全生产。\n（区应急局牵头）\n")
    assert [i.text for i in ex.items] == ["推进城市更新。", "抓好安全生产。"]
    assert units_of(ex, 1) == ["lead:区住建局", "responsible:各街道"]
    assert units_of(ex, 2) == ["lead:区应急局"]


def test_role_marked_on_one_unit_and_by_prefix():
    ex = extract_text(HEADER + "一、重点任务\n1.推进河湖治理。(责任单位:区水利局(牵头)、区财政局)\n"
                                "2.抓好招商。(由区商务局牵头,区发改局配合)\n")
    rows = [(a.role, a.role_label, a.name, a.name_raw) for a in ex.assignments if a.item_seq == 1]
    assert rows == [("lead", "牵头", "区水利局", "区水利局"), ("responsible", "责任单位", "区财政局", "区财政局")]
    assert units_of(ex, 2) == ["lead:区商务局", "cooperating:区发改局"]


def test_labels_in_lenticular_brackets():
    ex = extract_text(HEADER + "一、重点任务\n1.建设智慧城市。【牵头单位】区政数局【责任单位】区发改局、区财政局\n")
    assert ex.items[0].text == "建设智慧城市。"
    assert units_of(ex, 1) == ["lead:区政数局", "responsible:区发改局", "responsible:区财政局"]


def test_part_headings_and_an_unnamed_closing_section():
    ex = extract_text(HEADER + """第一部分 主要预期目标
1.地区生产总值增长6%。(责任单位:区发改局)
2.一般公共预算收入增长5%。(责任单位:区财政局)
第二部分 重点工作
3.推进项目建设。(牵头单位:区发改局)
4.其他工作按职责推进。
三、抓好落实
(一)加强组织领导。各单位主要负责人要亲自抓。
(二)强化督查考核。区政府办将定期通报。
""")
    assert [(i.item_label, i.section_label, i.section_title) for i in ex.items] == [
        ("1.", "第一部分", "主要预期目标"), ("2.", "第一部分", "主要预期目标"),
        ("3.", "第二部分", "重点工作"), ("4.", "第二部分", "重点工作")]


def test_numbered_item_over_deeper_numbered_tasks_is_a_group():
    ex = extract_text(HEADER + """一、重点任务
1.扩大有效投资
(1)实施重点项目60个。(牵头单位:区发改局)
(2)完成工业投资80亿元。(牵头单位:区经信局)
2.提升城市品质
(1)改造老旧小区5个。(牵头单位:区住建局)
""")
    assert [(i.item_label, i.group_title, i.text) for i in ex.items] == [
        ("(1)", "扩大有效投资", "实施重点项目60个。"), ("(2)", "扩大有效投资", "完成工业投资80亿元。"),
        ("(1)", "提升城市品质", "改造老旧小区5个。")]


def test_units_printed_without_a_role_and_the_first_listed_leads():
    ex = extract_text(HEADER.replace("现印发给你们。", "现印发给你们,排在第一位的为牵头单位。") + """一、重点任务
1.推进医共体建设。(区卫健局、区医保局)
2.完成河道清淤20公里(区水利局)。
3.打造商圈(含高新区)
""")
    rows = [(a.item_seq, a.role, a.role_label, a.name, a.acting_lead) for a in ex.assignments]
    assert rows == [(1, "responsible", "", "区卫健局", True), (1, "responsible", "", "区医保局", False),
                    (2, "responsible", "", "区水利局", True)]
    assert ex.items[2].text == "打造商圈(含高新区)"


def test_a_source_note_in_prose_is_not_a_task():
    from pipeline.errors import NoTasksError

    with pytest.raises(NoTasksError):
        extract_text("2022年某县统计公报\n全县在岗职工年平均工资41001元,比上年增长10.5%。(某县统计局)\n")


def test_a_task_printed_over_two_paragraphs_is_one_item():
    ex = extract_text(HEADER + """一、重点任务
1.深入推进城市更新行动,完成老旧小区改造12个,同步实施管网改造。
统筹推进完整社区建设,打造一刻钟便民生活圈。(牵头单位:区住建局;责任单位:各街道)
2.抓好安全生产。(牵头单位:区应急局)
""")
    assert [i.item_label for i in ex.items] == ["1.", "2."]
    it = ex.items[0]
    assert it.text.startswith("深入推进城市更新行动") and it.text.endswith("打造一刻钟便民生活圈。")
    assert ex.text[it.span_start:it.span_end] == it.text
    assert units_of(ex, 1) == ["lead:区住建局", "responsible:各街道"]
    assert [t.value for t in ex.targets if t.item_seq == 1] == [12.0]


def test_an_unnumbered_task_after_a_heading_line_stays_its_own_item():
    ex = extract_text(HEADER + """一、重点任务
1.扩大有效投资
全年实施重点项目60个。(区发改局牵头)
""")
    assert [(i.item_label, i.group_title, i.text) for i in ex.items] == [("", "扩大有效投资", "全年实施重点项目60个。")] \
        or [(i.item_label, i.text) for i in ex.items] == [("1.", "扩大有效投资"), ("", "全年实施重点项目60个。")]


@pytest.mark.parametrize("label", ["⑴", "1.1", "(1)", "1)", "①", "1、"])
def test_more_item_numbering_styles(label):
    from helpers import extract_text

    second = {"⑴": "⑵", "1.1": "1.2", "(1)": "(2)", "1)": "2)", "①": "②", "1、": "2、"}[label]
    ex = extract_text("某县人民政府关于印发2023年重点工作责任分解方案的通知\n一、主要目标\n"
                      f"{label}地区生产总值增长6.5%左右。(责任单位:县发改局)\n"
                      f"{second} 固定资产投资增长8%。(责任单位:县发改局)\n")
    assert [i.item_label for i in ex.items] == [label, second]
    assert [i.text for i in ex.items] == ["地区生产总值增长6.5%左右。", "固定资产投资增长8%。"]


def test_a_capture_that_stops_in_its_covering_letter_is_a_notice_without_items():
    """The letter names what it hands out (现将《…责任分解》印发给你们): that is a breakdown notice whose
    capture stops before its first task, so its metadata and the finding no_items, not an error."""
    from pipeline.errors import NoTasksError

    letter = ("各区县人民政府,市府各部门:\n《2020年政府工作报告重点工作责任分解》已经市政府同意,现印发给你们,"
              "请认真贯彻执行。市政府将于年中、年末进行专项督查。\n")
    ex = extract_text(letter)
    assert ex.items == () and [f.code for f in ex.findings if f.severity == "error"] == ["no_items"]
    with pytest.raises(NoTasksError):  # a letter that hands out something else is no breakdown notice
        extract_text(letter.replace("重点工作责任分解", "解读").replace("专项督查", "宣传"))


def test_a_clause_that_opens_a_task_is_no_part_of_its_text():
    """As a trailing clause is left out at the end: 1.(牵头单位:…;责任单位:…)推进… is the task 推进…."""
    ex = extract_text(HEADER + "一、发展经济\n"
                      "1.(牵头单位:区发展和改革局;责任单位:区财政局、区统计局、区商务局、各街道办事处)推进产业升级。\n"
                      "2.【牵头单位:区商务局】加强招商引资,全年引进项目30个。\n"
                      "3.(区住建局牵头)(区财政局配合):改造老旧小区12个。\n")
    assert [i.text for i in ex.items] == ["推进产业升级。", "加强招商引资,全年引进项目30个。", "改造老旧小区12个。"]
    assert [(a.item_seq, a.role, a.name) for a in ex.assignments if a.item_seq > 1] == [
        (2, "lead", "区商务局"), (3, "lead", "区住建局"), (3, "cooperating", "区财政局")]
    assert [ex.text[i.span_start:i.span_end] for i in ex.items] == [i.text for i in ex.items]


def test_unnumbered_targets_each_with_its_units_in_a_bare_bracket_are_tasks_in_a_breakdown_notice():
    """After the covering letter of a notice that calls itself a breakdown, a bare bracket of units after a whole
    sentence is that sentence's clause (in a statistics bulletin it would be a source note: see above)."""
    ex = extract_text(HEADER + "一、主要预期目标\n地区生产总值增长6.5%左右。(区发改局、区统计局)\n"
                      "规模以上工业增加值增长8%。(区经信局)\n二、重点工作\n"
                      "1.实施重点项目150个以上。(责任单位:区发改局)\n"
                      "王喆同志负责区政府常务工作,分管区住建局、区城管执法局(镕城片区指挥部)。\n")
    assert [(i.item_label, i.text) for i in ex.items] == [
        ("", "地区生产总值增长6.5%左右。"), ("", "规模以上工业增加值增长8%。"), ("1.", "实施重点项目150个以上。")]
    assert [(a.item_seq, a.name) for a in ex.assignments] == [
        (1, "区发改局"), (1, "区统计局"), (2, "区经信局"), (3, "区发改局")]


def test_a_task_columns_header_printed_as_a_label_is_no_part_of_the_task():
    ex = extract_text(HEADER + "一、稳增长\n(一)工作任务:地区生产总值增长6%左右。\n牵头单位:区发改局\n"
                      "(二)目标任务 ：新增城镇就业3000人。\n牵头单位:区人社局\n")
    assert [i.text for i in ex.items] == ["地区生产总值增长6%左右。", "新增城镇就业3000人。"]
    assert [t.metric for t in ex.targets] == ["地区生产总值", "新增城镇就业"]
