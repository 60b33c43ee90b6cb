"""Metadata from header blocks (rules/metadata.toml)."""

import datetime as dt

import pytest

from pipeline.metadata import read_metadata
from pipeline.records import Page, PageMeta, join_blocks


def meta_of(rules, lines, **page_meta):
    text, blocks = join_blocks([(line, "p", None) for line in lines])
    return read_metadata(Page("t", text, blocks, PageMeta(**page_meta)), rules.metadata)


def test_district_notice(rules):
    m = meta_of(rules, ["港政发〔2025〕1号", "黄石港区人民政府", "关于印发2025年区政府重点工作分解意见的通知",
                        "江北管理区、各街道办事处,区直各部门:", "现对2025年区政府重点工作进行责任分解。",
                        "黄石港区人民政府", "2025年1月13日", "2025年区政府重点工作分解意见"],
                published="2025-01-13")
    assert (m.issuer, m.doc_number, m.title, m.year) == ("黄石港区人民政府", "港政发〔2025〕1号",
                                                        "关于印发2025年区政府重点工作分解意见的通知", 2025)
    assert m.issued_date == dt.date(2025, 1, 13) and m.published_date == dt.date(2025, 1, 13)
    assert m.addressees == ("江北管理区", "各街道办事处", "区直各部门")


def test_title_wrapped_over_lines_and_office_issuer(rules):
    m = meta_of(rules, ["某政办发〔2021〕5号", "县人民政府办公室关于", "对县《政府工作报告》确定的2021年",
                        "重点工作进行责任分解的通知", "各镇人民政府,县政府各部门:", "2021年5月12日"])
    assert m.title == "关于对县《政府工作报告》确定的2021年重点工作进行责任分解的通知"
    assert m.issuer == "县人民政府办公室"
    assert m.doc_number == "某政办发〔2021〕5号" and m.year == 2021


def test_chinese_numeral_signature_date(rules):
    m = meta_of(rules, ["某市人民政府关于对2012年《政府工作报告》目标任务实施责任分解管理的通知", "(某政发〔2012〕6号)",
                        "各区、县(市)人民政府,市直机关各单位:", "某市人民政府", "二〇一二年三月六日"])
    assert m.issued_date == dt.date(2012, 3, 6) and m.issuer == "某市人民政府"
    assert m.doc_number == "某政发〔2012〕6号" and m.year == 2012


def test_spaces_from_wrapping_are_dropped_from_title(rules):
    m = meta_of(rules, ["某区人民政府关于印发 《某区政府2023年重点工作任务分解 和责任分工方案》的通知"])
    assert m.title == "关于印发《某区政府2023年重点工作任务分解和责任分工方案》的通知"


def test_info_table_fields(rules):
    m = meta_of(rules, ["某区重点工作责任分解方案"], info=(("文号", "某政办〔2023〕1号"), ("成文日期", "2023-01-03"),
                                                   ("发布日期", "2023-01-05")))
    assert m.doc_number == "某政办〔2023〕1号"
    assert m.issued_date == dt.date(2023, 1, 3) and m.published_date == dt.date(2023, 1, 5)


def test_nothing_printed_means_none(rules):
    m = meta_of(rules, ["一、经济发展目标", "(一)地区生产总值增长6%。(牵头单位:市发改委)"])
    assert (m.issuer, m.doc_number, m.issued_date) == (None, None, None)


@pytest.mark.parametrize("text,expected", [
    ("港政发〔2025〕1号", "港政发〔2025〕1号"), ("国发〔2020〕6号", "国发〔2020〕6号"),
    ("长政发[2012]6号", "长政发[2012]6号"), ("鞍立政发(2023)2号", "鞍立政发(2023)2号"),
])
def test_doc_number_shapes(rules, text, expected):
    assert rules.metadata.doc_number.search(text)[0] == expected


@pytest.mark.parametrize("lines,title", [
    (["某省人民政府关于落实《政府工作报告》重点工作部门分工的意见-某省人民政府门户网站", "某省人民政府关于",
      "落实《政府工作报告》重点工作部门分工的意见"], "关于落实《政府工作报告》重点工作部门分工的意见"),
    (["2021年重大民生实事项目目标任务责任分解表.docx", "《2021年重大民生实事项目目标任务责任分解表.docx》由会员分享"],
     "2021年重大民生实事项目目标任务责任分解表"),
    (["各区县人民政府:", "认真落实关于营造更好发展环境的各项政策措施。全面落实各类政策意见。",
      "附件:1.2024年政府工作报告重点工作责任分解", "2.十方面民生实事责任分解", "某市人民政府办公室", "2024年5月22日",
      "2024年政府工作报告重点工作责任分解"], "2024年政府工作报告重点工作责任分解"),
], ids=["site-name-after-the-title", "file-name-of-a-shared-document", "annex-heading-not-a-sentence-or-list"])
def test_title_shapes(rules, lines, title):
    assert meta_of(rules, lines).title == title


def test_signature_date_with_a_white_circle_for_zero(rules):
    m = meta_of(rules, ["某市人民政府", "二○○七年四月四日"])
    assert m.issued_date == dt.date(2007, 4, 4)


def test_the_addressee_line_is_asked_only_of_lines_ending_as_the_rule_requires(rules):
    from pipeline.rules.patterns import line_ends

    assert line_ends(rules.metadata.addressee_line) == (":", "：")  # the shipped rule: a block without one is not asked
    m = meta_of(rules, ["关于印发某方案的通知", "各乡镇人民政府、区直各部门：", "正文。"])
    assert m.addressees == ("各乡镇人民政府", "区直各部门")


def test_an_addressee_rule_without_a_required_end_is_asked_of_every_line(rules):
    from dataclasses import replace
    from types import SimpleNamespace

    import regex

    from pipeline.rules.patterns import line_ends

    loose = regex.compile(r"(?P<addressees>[^:：。]{2,200}?(?:部门|单位))\s*[:：]?\s*$")  # an analyst's rule
    assert line_ends(loose) is None
    m = meta_of(SimpleNamespace(metadata=replace(rules.metadata, addressee_line=loose)),
                ["关于印发某方案的通知", "区直各部门", "正文。"])
    assert m.addressees == ("区直各部门",)
