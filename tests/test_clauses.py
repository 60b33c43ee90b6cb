"""Where assignment clauses are written and what they say (rules/roles.toml)."""

import pytest

from pipeline.clauses import ClauseReader
from pipeline.units import UnitBook

CASES = [
    # (id, block text, expected [(form, [(role, label, [names])])])
    ("inline-paren-lead-resp", "10.坚持规划引领。(牵头单位:区发改局;责任单位:花湖街办)",
     [("bracket", [("lead", "牵头单位", ["区发改局"]), ("responsible", "责任单位", ["花湖街办"])])]),
    ("full-width", "推进项目建设（牵头单位：市发改委；责任单位：市财政局，各县市区人民政府）。",
     [("bracket", [("lead", "牵头单位", ["市发改委"]), ("responsible", "责任单位", ["市财政局", "各县市区人民政府"])])]),
    ("cooperating", "打造创新生态。(牵头单位:区科技局;配合单位:区教育局、各街办)",
     [("bracket", [("lead", "牵头单位", ["区科技局"]), ("cooperating", "配合单位", ["区教育局", "各街办"])])]),
    ("square-brackets-nested-parens", "(一)地区生产总值增长9%。[牵头单位:县发改局(粮食局);责任单位:各镇人民政府,县经济开发区]",
     [("bracket", [("lead", "牵头单位", ["县发改局(粮食局)"]), ("responsible", "责任单位", ["各镇人民政府", "县经济开发区"])])]),
    ("nested-county-list", "抓好春耕生产(责任单位:各县(市、区)政府、市农业农村局)",
     [("bracket", [("responsible", "责任单位", ["各县(市、区)政府", "市农业农村局"])])]),
    ("dot-in-name", "推进规划编制(责任单位:区国土·规划分局)",
     [("bracket", [("responsible", "责任单位", ["区国土·规划分局"])])]),
    ("verb-lead", "耕地保有量保持在1800万亩。(市国土局牵头)", [("verb", [("lead", "牵头", ["市国土局"])])]),
    ("verb-responsible-etc", "用水量达到省定标准。(市水利局、市工信局等部门按职责分工负责)",
     [("verb", [("responsible", "按职责分工负责", ["市水利局", "市工信局"])])]),
    ("verb-with-deadline", "1.全面完成任务。(国务院各部门分别负责,年内持续推进)",
     [("verb", [("responsible", "分别负责", ["国务院各部门"]), ("deadline", "", [])])]),
    ("role-line", "牵头单位:区发改局", [("line", [("lead", "牵头单位", ["区发改局"])])]),
    ("role-line-indented-spaced-label", "    协同责任单位：市财政局、市人社局。",
     [("line", [("cooperating", "协同责任单位", ["市财政局", "市人社局"])])]),
    ("person-line", "牵头领导:刘 哲", [("line", [("leader", "牵头领导", ["刘 哲"])])]),
    ("inline-labels", "加快老旧小区改造。主办单位:市住建局、市发改委。协办单位:市财政局。",
     [("inline", [("lead", "主办单位", ["市住建局", "市发改委"]), ("cooperating", "协办单位", ["市财政局"])])]),
    ("deadline-label", "建成数据平台(牵头单位:区政数局;完成时限:2025年6月底前)",
     [("bracket", [("lead", "牵头单位", ["区政数局"]), ("deadline", "完成时限", [])])]),
    ("label-read-from-its-words", "推进数字政府建设。(主要责任单位:市政数局、市财政局)",
     [("bracket", [("responsible", "主要责任单位", ["市政数局", "市财政局"])])]),
    ("leader-label-read-from-its-words", "加快科技创新。(牵头市领导:李 明;责任单位:市科技局)",
     [("bracket", [("leader", "牵头市领导", ["李 明"]), ("responsible", "责任单位", ["市科技局"])])]),
    ("post-as-label", "加快科技创新。(分管副市长:李明;责任单位:市科技局)",
     [("bracket", [("leader", "分管副市长", ["李明"]), ("responsible", "责任单位", ["市科技局"])])]),
    ("verb-tail-without-brackets", "2、建设保障性住房2000套,市住建局牵头,各区政府配合。",
     [("verb", [("lead", "牵头", ["市住建局"]), ("cooperating", "配合", ["各区政府"])])]),
    ("by-tail-without-brackets", "1、新增城镇就业5万人。由市人社局负责落实。",
     [("verb", [("responsible", "负责落实", ["市人社局"])])]),
    ("verb-lead-落实", "推进重点项目建设。(市经信委牵头落实)", [("verb", [("lead", "牵头落实", ["市经信委"])])]),
    ("posts-as-leaders", "(一)总体要求。(分管副省长、协管副秘书长负责,省发展改革委牵头,省统计局配合)",
     [("verb", [("responsible", "负责", ["分管副省长", "协管副秘书长"]), ("lead", "牵头", ["省发展改革委"]),
                ("cooperating", "配合", ["省统计局"])])]),
    ("rule-note-is-not-a-unit", "责任单位:市经信局、市财政局(列第一位者为工作牵头单位,下同)",
     [("line", [("responsible", "责任单位", ["市经信局", "市财政局"])])]),
    ("subject-label", "地区生产总值增长6.5%左右。责任主体:县发改局",
     [("inline", [("responsible", "责任主体", ["县发改局"])])]),
    ("square-bracket-labels", "加快交通建设。[牵头单位]县交通运输局[配合单位]县自然资源局",
     [("inline", [("lead", "牵头单位", ["县交通运输局"]), ("cooperating", "配合单位", ["县自然资源局"])])]),
    ("person-in-charge", "提升教育质量。责任人:王小明;责任单位:县教育局",
     [("inline", [("leader", "责任人", ["王小明"]), ("responsible", "责任单位", ["县教育局"])])]),
    ("conjoined-units", "推进建设(责任单位:市财政局及市税务局、区人力资源和社会保障局和各街道)",
     [("bracket", [("responsible", "责任单位", ["市财政局", "市税务局", "区人力资源和社会保障局", "各街道"])])]),
    ("units-set-apart-by-blanks", "加强招商引资。责任单位:区商务局 区投促中心\u3000区经信局",
     [("inline", [("responsible", "责任单位", ["区商务局", "区投促中心", "区经信局"])])]),
    ("units-set-apart-by-a-slash", "做好统计工作。(责任单位:区统计局/区发改局)",
     [("bracket", [("responsible", "责任单位", ["区统计局", "区发改局"])])]),
    ("blank-inside-one-name-or-a-person", "推进科技创新。(责任领导:王 东;牵头单位:区人力资源 和社会保障局)",
     [("bracket", [("leader", "责任领导", ["王 东"]), ("lead", "牵头单位", ["区人力资源 和社会保障局"])])]),
    ("deadline-in-the-list", "推进建设(责任单位:县住建局,2024年底前完成)",
     [("bracket", [("responsible", "责任单位", ["县住建局"]), ("deadline", "", [])])]),
    ("units-after-a-dash", "1.推进项目建设。——市发改委、市财政局",
     [("units", [("responsible", "", ["市发改委", "市财政局"])])]),
    ("units-after-a-wide-gap", "1.推进项目建设    市发改委", [("units", [("responsible", "", ["市发改委"])])]),
    ("unclosed", "推进就业服务(牵头单位:区人社局;责任单位:各街办",
     [("bracket", [("lead", "牵头单位", ["区人社局"]), ("responsible", "责任单位", ["各街办"])])]),
]

NOT_CLAUSES = [
    ("pinyin-mirror", "召開會(hui)議研究部署"),
    ("abbreviation", "《纲要》(以下简称纲要)明确了目标"),
    ("project-phase", "游轮港外贸码头(二期)项目"),
    ("road-section", "黄石大道(沈家营—上窑段)综合提升改造"),
    ("no-colon", "各责任单位要(牵头单位要统筹)推进"),
    ("heading-is-no-leader-label", "二、加强组织领导:各地各部门要高度重视"),
    ("verb-inside-the-task", "支持市发改委牵头的重点项目加快建设"),
    ("contact-person", "加强社会治理。联系人:李四,电话12345678"),
    ("a-sentence-that-starts-with-各", "(一)加强组织领导。各单位主要负责人要亲自抓。"),
    ("a-word-ending-in-区", "1.推进建设。社区"),
]


@pytest.fixture(scope="module")
def reader(rules):
    return ClauseReader(rules.clauses)


@pytest.fixture(scope="module")
def shaped(rules):
    return UnitBook(rules.units, None, ()).shaped


@pytest.mark.parametrize("text,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_clause_shapes(reader, shaped, text, expected):
    locs = reader.find(text, shaped)
    got = []
    for loc in locs:
        segs = reader.parse(text, loc)
        got.append((loc.form, [(s.role, s.role_label, [n for n, _, _ in s.names]) for s in segs]))
        for s in segs:
            for name, a, b in s.names:
                assert text[a:b] == name  # offsets point at the printed name
    assert got == expected


def test_unclosed_clause_is_flagged(reader, shaped):
    (loc,) = reader.find("推进就业服务(牵头单位:区人社局", shaped)
    assert loc.closed is False


@pytest.mark.parametrize("text", [c[1] for c in NOT_CLAUSES], ids=[c[0] for c in NOT_CLAUSES])
def test_not_clauses(reader, shaped, text):
    assert reader.find(text, shaped) == []


def test_role_vocabulary_covers_issue_labels(rules):
    labels = rules.roles.labels
    assert {k: labels[k] for k in ("牵头单位", "主办单位", "牵头责任单位", "责任单位", "负责单位", "配合单位",
                                    "协办单位", "协同责任单位", "参与单位", "牵头领导", "牵头负责领导", "分管领导")} == {
        "牵头单位": "lead", "主办单位": "lead", "牵头责任单位": "lead", "责任单位": "responsible",
        "负责单位": "responsible", "配合单位": "cooperating", "协办单位": "cooperating",
        "协同责任单位": "cooperating", "参与单位": "cooperating", "牵头领导": "leader",
        "牵头负责领导": "leader", "分管领导": "leader"}


def test_acting_lead_rule_matches_notice_wording(rules):
    rx = rules.roles.acting_lead_rule
    assert rx.search("特别是牵头单位(无牵头单位的,责任单位即为牵头单位)要统筹")
    assert not rx.search("牵头单位要统筹相关责任单位")
