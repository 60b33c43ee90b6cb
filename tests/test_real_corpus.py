"""The quality gate on real notices: ``fenjie eval ../shared/corpus/real`` holds its floors.

The development half of the real corpus (captures + hand-checked gold) is read from ``../shared``,
never copied. Floors live in tests/real_floors.toml and are only ever raised.
"""

from __future__ import annotations

import json

import pytest
from conftest import shared

from pipeline.realcorpus import (
    REAL_FLOORS,
    evaluate_real,
    load_floors,
    match_items,
    score_document,
    split_units,
    unit_matches,
)
from pipeline.rules import load_rules


@pytest.fixture(scope="module")
def report():
    return evaluate_real(shared("corpus", "real"), load_rules(), load_floors(REAL_FLOORS))


def test_real_corpus_holds_its_floors(report):
    assert set(load_floors(REAL_FLOORS)) == {"item_recall", "assignment_f1", "target_f1", "documents_without_items"}
    assert report.below_floors() == []


def test_no_document_with_complete_tasks_gives_nothing(report):
    empty = [r.name for r in report.results if r.items.expected and not r.items.tp]
    assert len(empty) <= load_floors(REAL_FLOORS)["documents_without_items"], empty


def test_every_document_is_read(report):
    assert len(report.results) == 25
    assert [r.name for r in report.results if r.error] == []  # no capture fails as a whole


# ---------------------------------------------------------------- the scoring rules themselves


def test_split_units_on_top_level_dunhao_and_open_tail():
    assert split_units(["市发改委、统计局等部门", "各市(县)、区政府"]) == ["市发改委", "统计局", "各市(县)", "区政府"]
    assert split_units(["各街办(新区、园区)"]) == ["各街办(新区、园区)"]


@pytest.mark.parametrize("gold,name,raw,ok", [
    ("市发改委", "市发改委", "市发改委", True),
    ("发改委", "市发改委", "发改委", True),      # name_raw equals
    ("统计局", "市统计局", "统计局", True),
    ("区财政局", "市财政局", "市财政局", False),  # neither ends with the other
    ("高新园(邹区镇)", "高新园（邹区镇）", "", True),  # NFKC
])
def test_unit_match_rule(gold, name, raw, ok):
    assert unit_matches(gold, name, raw) is ok


def test_item_match_needs_the_head_in_the_first_40_characters(tmp_path):
    from helpers import extract_text

    ex = extract_text("某区人民政府关于印发重点工作分解的通知\n一、发展\n1.推进甲项目建设。(牵头单位:区发改局)\n"
                      "2.推进乙项目建设,力争新增企业5家。(牵头单位:区科技局;配合单位:区财政局)\n")
    gold = {"items": [
        {"text_start": "推进乙项目建设", "lead_units": ["区科技局"], "cooperating_units": ["区财政局"],
         "targets": [{"value": 5, "unit": "家"}]},
        {"text_start": "推进甲项目建设", "lead_units": ["区发改局"], "targets": []},  # before the match: not found
    ]}
    assert match_items(gold["items"], ex) == {0: 1}
    r = score_document(gold, ex)
    assert (r.items.tp, r.items.expected) == (1, 2)
    assert (r.assignments.tp, r.assignments.expected, r.assignments.found) == (2, 3, 2)
    assert (r.targets.tp, r.targets.expected) == (1, 1)
    json.dumps([r.missed])


def test_one_notice_one_answer_across_its_captures():
    """The traditional mirror and the simplified law-database copy of one notice give the same rows
    (over what both captures hold: they stop at different places)."""
    from pipeline.extract import extract_file
    from pipeline.script import to_simplified

    rules = load_rules()
    trad = extract_file(shared("corpus", "real", "guangzhou-2007-traditional.txt"), rules)
    simp = extract_file(shared("corpus", "real", "guangzhou-2007-simplified-lawdb.txt"), rules)
    whole = [i.item_seq for i in simp.items if not any(f.code == "truncated" and f.span_start <= i.span_start
                                                        for f in simp.findings)]
    assert len(whole) >= 6
    assert [(i.item_label, to_simplified(i.text)) for i in trad.items if i.item_seq in whole] == \
        [(i.item_label, i.text) for i in simp.items if i.item_seq in whole]
    assert [(a.item_seq, a.role, a.name) for a in trad.assignments if a.item_seq in whole] == \
        [(a.item_seq, a.role, a.name) for a in simp.assignments if a.item_seq in whole]
    assert [(t.item_seq, t.value, t.unit_std) for t in trad.targets if t.item_seq in whole] == \
        [(t.item_seq, t.value, t.unit_std) for t in simp.targets if t.item_seq in whole]
    d1, d2 = trad.document, simp.document
    assert (d1.year, d1.issued_date, to_simplified(d1.doc_number)) == (d2.year, d2.issued_date, d2.doc_number)
