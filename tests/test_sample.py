"""End to end on the sample notice (港政发〔2025〕1号), against a hand-checked reading."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from conftest import FIXTURES, RAW, SAMPLE_HTML

from pipeline.extract import extract_file
from pipeline.rules import load_rules

RULES = load_rules()

EXPECTED = json.loads((FIXTURES / "sample" / "huangshigang-2025.expected.json").read_text("utf-8"))
#: The capture as shipped in raw/, and its rendering as a CMS page (a fixture).
INPUTS = {"html": SAMPLE_HTML, "txt": RAW / "huangshigang-2025-notice.txt"}


@pytest.fixture(scope="module", params=sorted(INPUTS))
def ex(request):
    return extract_file(INPUTS[request.param], RULES)


def test_raw_holds_only_the_real_capture_and_the_rendering_is_a_fixture():
    assert sorted(p.name for p in RAW.iterdir()) == ["huangshigang-2025-notice.txt"]
    assert all(p.is_file() for p in INPUTS.values())


def test_html_page_and_text_capture_give_the_same_rows():
    from pipeline.records import TABLES
    from pipeline.write import row_dict

    html, txt = extract_file(INPUTS["html"], RULES), extract_file(INPUTS["txt"], RULES)
    assert html.text == txt.text
    # the capture's page chrome is left out by a rule, each line reported; the page's lies outside its article
    chrome = [f for f in txt.findings if f.code == "chrome_dropped"]
    assert len(chrome) == 6 and not any(f.code == "chrome_dropped" for f in html.findings)
    for table in TABLES:
        strip = lambda rows: [{k: v for k, v in row_dict(r).items()
                               if k not in ("doc_id", "source", "source_sha256", "n_findings")}
                              for r in rows if getattr(r, "code", None) != "chrome_dropped"]
        assert strip(html.rows(table)) == strip(txt.rows(table)), table


def test_metadata_exact(ex):
    d = ex.document
    got = {"issuer": d.issuer, "doc_number": d.doc_number, "title": d.title, "year": d.year,
           "issued_date": str(d.issued_date), "published_date": str(d.published_date),
           "addressees": list(d.addressees)}
    assert got == EXPECTED["document"]


def test_76_items_in_outline_order(ex):
    assert [i.item_seq for i in ex.items] == list(range(1, 77))
    assert [i.item_label for i in ex.items] == [f"{n}." for n in range(1, 77)]


def test_every_item_has_its_section_subsection_and_group(ex):
    got = [(i.item_seq, i.section_label, i.subsection_label, i.group_title) for i in ex.items]
    want = [(e["seq"], e["section"], e["subsection"], e["group"]) for e in EXPECTED["items"]]
    assert got == want
    assert sorted({(i.section_label, i.section_title) for i in ex.items}) == [tuple(s) for s in EXPECTED["sections"]]
    subs = {(i.subsection_label, i.subsection_title) for i in ex.items if i.subsection_label}
    assert subs == {tuple(s) for s in EXPECTED["subsections"]}


def test_item_text_is_the_task_without_label_or_clause(ex):
    for item, e in zip(ex.items, EXPECTED["items"]):
        assert item.text.startswith(e["text_head"]) and item.text.endswith(e["text_tail"]), item.item_seq
        assert ex.text[item.span_start:item.span_end] == item.text
        assert "单位:" not in item.text
    assert ex.items[0].text == "地方生产总值增长7%左右。"
    assert ex.items[67].text.endswith("托管服务")  # item 68: the clause follows without 。


def test_every_printed_unit_with_its_role(ex):
    for item, e in zip(ex.items, EXPECTED["items"]):
        rows = [a for a in ex.assignments if a.item_seq == item.item_seq]
        got = [f"{a.role}:{a.name}" + ("" if a.name == a.name_raw else f"<{a.name_raw}") for a in rows]
        assert got == e["units"], item.item_seq
        assert [a.position for a in rows] == list(range(1, len(rows) + 1))
        for a in rows:
            assert ex.text[a.span_start:a.span_end] == a.name_raw


def test_role_counts(ex):
    assert Counter(a.role for a in ex.assignments) == {"responsible": 196, "lead": 40, "cooperating": 11}


def test_acting_lead_follows_the_notices_own_rule(ex):
    # item 1 has only 责任单位: by the notice's rule it acts as lead, but its printed role stays
    (a,) = [a for a in ex.assignments if a.item_seq == 1]
    assert (a.role, a.role_label, a.acting_lead) == ("responsible", "责任单位", True)
    assert not any(a.acting_lead for a in ex.assignments if a.item_seq == 10)
    # cooperating units never act as lead (item 36: 责任单位 + 配合单位, no lead)
    assert [(a.role, a.acting_lead) for a in ex.assignments if a.item_seq == 36] == [
        ("responsible", True), ("responsible", True), ("cooperating", False)]


def test_repairs_logged(ex):
    got = [(r.rule, r.before, r.after) for r in ex.repairs]
    assert got == [
        ("garbled_doc_number", "港政发〔20251", "港政发〔2025〕1号"),
        ("truncated_title", "关于印发2025年区政府重点工作分解意见的", "关于印发2025年区政府重点工作分解意见的通知"),
        ("garbled_date", "20251月13", "2025年1月13日"),
        ("unit_glue_split", "区财政局区税务局", "区财政局、区税务局"),
        ("unit_vocabulary", "生态环境分", "区生态环境分局"),
        ("unit_vocabulary", "科经", "区科经局"),
        ("unit_vocabulary", "科经", "区科经局"),
        ("unit_glue_split", "区发改局科经局", "区发改局、科经局"),
        ("unit_alias", "科经局", "区科经局"),
        ("unit_glue_split", "江北管理区各街办", "江北管理区、各街办"),
        ("unit_glue_split", "江北管理区各街办", "江北管理区、各街办"),
        ("unit_alias", "司法局", "区司法局"),
    ]
    for r in ex.repairs:
        span = ex.text[r.span_start:r.span_end]
        assert span == (r.after if r.applies_to == "text" else r.before)
        assert r.evidence


def test_findings_for_what_cannot_be_repaired(ex):
    got = [(f.code, ex.text[f.span_start:f.span_end]) for f in ex.findings if f.span_start is not None]
    assert got == [("missing_ordinal", "届人大次会议"), ("unbalanced_quote", "”"), ("unbalanced_quote", "”"),
                   ("unbalanced_quote", "”")]
    # the page chrome a text capture still carries is left out, each line with a finding
    dropped = [f.message for f in ex.findings if f.code == "chrome_dropped"]
    assert ex.document.source.endswith(".html") or len(dropped) == 6 and any("版权所有" in m for m in dropped)
    assert "323”攻坚" in ex.text  # nothing was invented


def test_closing_requirements_are_not_tasks(ex):
    assert not any("高度重视,精心组织" in i.text for i in ex.items)
    assert ex.items[-1].item_label == "76."


def test_targets_with_value_unit_and_qualifier(ex):
    got = [[t.item_seq, t.metric, t.kind, t.value, t.unit, t.value_std, t.qualifier, t.aspirational] for t in ex.targets]
    assert got == EXPECTED["targets"]
    for t in ex.targets:
        assert ex.text[t.span_start:t.span_end] == t.span_text


def test_numbers_that_are_names_are_not_targets(ex):
    spans = " ".join(t.span_text for t in ex.targets)
    for name in ("1907", "12345", "323", "十年", "三年"):
        assert name not in spans
