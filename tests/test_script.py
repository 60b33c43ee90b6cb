"""Stage 4 — script: a notice in traditional script reads exactly like the same notice in simplified script."""

from __future__ import annotations

import hashlib

import pytest
from conftest import RAW
from opencc import OpenCC

from pipeline.extract import extract_raw
from pipeline.records import Page, RawInput
from pipeline.rules import load_rules
from pipeline.script import printed_edit, printed_value, simplified, to_simplified


def _extract(text: str, name: str):
    data = text.encode("utf-8")
    return extract_raw(RawInput(name, data, hashlib.sha256(data).hexdigest()), load_rules())


@pytest.fixture(scope="module")
def pair():
    sample = (RAW / "huangshigang-2025-notice.txt").read_text("utf-8")
    traditional = OpenCC("s2t").convert(sample)
    assert traditional != sample and len(traditional) == len(sample)
    return _extract(sample, "s.txt"), _extract(traditional, "t.txt")


def test_traditional_sample_gives_the_same_repairs_at_the_same_places(pair):
    simple, trad = pair
    assert [(r.rule, r.span_start, r.span_end, r.applies_to) for r in trad.repairs] == \
        [(r.rule, r.span_start, r.span_end, r.applies_to) for r in simple.repairs]
    assert {r.rule for r in trad.repairs} >= {"garbled_doc_number", "truncated_title", "garbled_date"}


def test_traditional_repairs_record_what_was_printed(pair):
    simple, trad = pair
    for s, t in zip(simple.repairs, trad.repairs):
        assert to_simplified(t.before) == s.before  # the printed characters, not the simplified copy
        if t.applies_to == "text":
            assert trad.text[t.span_start:t.span_end] == t.after
            assert to_simplified(t.after) == s.after
        else:
            assert trad.text[t.span_start:t.span_end] == t.before
            assert t.after == s.after  # a unit's normalized name is simplified in both
    doc = next(r for r in trad.repairs if r.rule == "garbled_doc_number")
    assert (doc.before, doc.after) == ("港政發〔20251", "港政發〔2025〕1號")


def test_traditional_sample_gives_the_same_findings_and_rows(pair):
    simple, trad = pair
    findings = [(f.code, f.span_start, f.span_end) for f in trad.findings if f.code != "traditional_script"]
    assert findings == [(f.code, f.span_start, f.span_end) for f in simple.findings]
    assert "missing_ordinal" in {f.code for f in trad.findings}
    assert [(a.item_seq, a.role, a.name, a.acting_lead) for a in trad.assignments] == \
        [(a.item_seq, a.role, a.name, a.acting_lead) for a in simple.assignments]
    assert [(t.item_seq, t.value, t.unit_std, t.qualifier) for t in trad.targets] == \
        [(t.item_seq, t.value, t.unit_std, t.qualifier) for t in simple.targets]
    assert len(trad.items) == len(simple.items) == 76


def test_traditional_metadata_is_in_the_printed_script(pair):
    _, trad = pair
    d = trad.document
    assert (d.doc_number, d.issuer, d.title) == ("港政發〔2025〕1號", "黃石港區人民政府", "關於印發2025年區政府重點工作分解意見的通知")


def test_printed_helpers():
    printed = "市政府辦公室關於印發重點工作責任分解方案的通知,請認真貫徹執行"
    page = simplified(Page("t", printed, ()))
    assert page.printed == printed and page.text == "市政府办公室关于印发重点工作责任分解方案的通知,请认真贯彻执行"
    assert printed_value("重点工作", page, {}) == "重點工作"
    assert printed_edit("年1月", "年1月", "年1月13日", {}) == "年1月13日"


@pytest.mark.parametrize("case", ["tables-units-per-line", "tables-leader-column", "tables-glued-word", "tables-cell-per-line",
                                  "tables-box-drawing", "tables-row-per-line", "tables-progress"])
def test_a_table_printed_in_traditional_script_reads_like_the_same_table_in_simplified(case):
    from conftest import FIXTURES

    text = (FIXTURES / "formats" / f"{case}.txt").read_text("utf-8")
    simple, trad = _extract(text, "s.txt"), _extract(OpenCC("s2t").convert(text), "t.txt")
    assert len(simple.items) >= 3
    assert [(i.item_label, to_simplified(i.text)) for i in trad.items] == [(i.item_label, i.text) for i in simple.items]
    assert [(a.item_seq, a.role, a.name) for a in trad.assignments] == \
        [(a.item_seq, a.role, a.name) for a in simple.assignments]
    for a in trad.assignments:  # spans point at the printed characters
        assert trad.text[a.span_start:a.span_end] == a.name_raw
