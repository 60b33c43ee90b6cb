"""Unit-name normalization (rules/units.toml, rules/units/*.toml)."""

import pytest

from pipeline.rules import load_rules
from pipeline.units import UnitBook, clean

#: What a district notice prints elsewhere (its own vocabulary).
PRINTED = ["区发改局", "区科经局", "区科经局", "区生态环境分局", "区司法局", "区财政局", "区税务局",
           "江北管理区", "各街办", "兴港公司", "区委政法委", "区政府相关工作部门"]

CASES = [
    # (id, printed, [normalized], rule of the first piece, glued?)
    ("complete-cut-name", "科经", ["区科经局"], "unit_vocabulary", False),
    ("complete-cut-suffix", "生态环境分", ["区生态环境分局"], "unit_vocabulary", False),
    ("complete-missing-prefix", "司法局", ["区司法局"], "unit_vocabulary", False),
    ("glued-two-known", "区财政局区税务局", ["区财政局", "区税务局"], None, True),
    ("glued-collective", "江北管理区各街办", ["江北管理区", "各街办"], None, True),
    ("glued-with-cut-name", "区发改局科经局", ["区发改局", "区科经局"], None, True),
    ("glued-by-shape-unknown-units", "区卫健局区医保局", ["区卫健局", "区医保局"], None, True),
    ("known-as-printed", "兴港公司", ["兴港公司"], None, False),
    ("possessive-collective-not-split", "区政府各相关部门", ["区政府各相关部门"], None, False),
    ("glued-collective-of-places-by-shape", "区大数据中心各街道办事处", ["区大数据中心", "各街道办事处"], None, True),
    ("glued-collective-of-towns-by-shape", "县住建局各乡镇", ["县住建局", "各乡镇"], None, True),
    ("departments-of-a-unit-not-split", "区委各部门", ["区委各部门"], None, False),
    ("party-unit-not-split", "区委政法委", ["区委政法委"], None, False),
    ("unknown-kept", "网格员队伍建设", ["网格员队伍建设"], None, False),
]


@pytest.fixture(scope="module")
def book(rules):
    return UnitBook(rules.units, None, PRINTED)


@pytest.mark.parametrize("raw,names,rule,glued", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_normalize(book, raw, names, rule, glued):
    got, why = book.normalize(raw, 100)
    assert [n.name for n in got] == names
    assert got[0].rule == rule
    assert (why is not None) == glued
    assert "".join(n.raw for n in got) == raw  # pieces cover the printed text
    assert got[0].start == 100 and got[-1].end == 100 + len(raw)


def test_unknown_name_is_reported_not_dropped(book):
    (n,), _ = book.normalize("网格员队伍建设", 0)
    assert n.known is False and n.name == "网格员队伍建设"


def test_ambiguous_completion_is_not_made(rules):
    book = UnitBook(rules.units, None, ["区教育局", "市教育局"])
    (n,), _ = book.normalize("教育局", 0)
    assert n.name == "教育局" and n.rule is None


def test_issuer_dictionary_alias(rules):
    d = rules.issuers["huangshigang"]
    book = UnitBook(rules.units, d, [])
    (n,), _ = book.normalize("区发展和改革局", 0)
    assert (n.name, n.rule) == ("区发改局", "unit_alias")


def test_issuer_dictionary_is_selected_by_issuer_or_doc_number(rules):
    assert rules.issuer_dictionary("黄石港区人民政府", None) is rules.issuers["huangshigang"]
    assert rules.issuer_dictionary(None, "港政发〔2025〕1号") is rules.issuers["huangshigang"]
    assert rules.issuer_dictionary("咸宁市人民政府", "咸政办发〔2024〕3号") is None


@pytest.mark.parametrize("name,shaped", [
    ("区发改局", True), ("县发改局(粮食局)", True), ("各县(市、区)政府", True), ("区国土·规划分局", True),
    ("各街办", True), ("区直各部门", True), ("全区经济运行各专班", True), ("咸宁高新区管委会", True),
    ("相关部门", True), ("科经", False), ("生态环境分", False), ("2025年", False),
    ("县科协", True), ("县政协", True), ("县委党校", True), ("县实验中学", True), ("县国有林场", True),
    ("市协", False), ("协同推进", False),
], ids=lambda v: str(v))
def test_unit_shape(rules, name, shaped):
    assert UnitBook(rules.units, None, ()).shaped(name) is shaped


@pytest.mark.parametrize("raw,cleaned", [("市国土资源局 等部门", "市国土资源局"), ("区人社局等", "区人社局"),
                                         ("区 科经局", "区科经局"), ("各街办。", "各街办")])
def test_clean(raw, cleaned):
    assert clean(raw, load_rules().units.list_tail) == cleaned
