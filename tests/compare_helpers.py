"""Hand-built extractions for the compare tests (independent of the extraction stages).

``fixture_extraction`` reads a plain-text fixture notice in the sample's shape with a deliberately simple
reader (numbered ``N.`` lines with a trailing ``(牵头单位:…;责任单位:…)`` clause under ``一、``/``(一)``
headings) and takes the targets from a compact hand-written list, so the compare tests check comparing,
not extracting.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipeline.records import Assignment, Document, Extraction, Finding, Item, Target

FIXTURES = Path(__file__).parent / "fixtures" / "compare"

_SECTION = re.compile(r"^([一二三四五六七八九十]+、)(.*)$")
_SUBSECTION = re.compile(r"^(\([一二三四五六七八九十]+\))(.*)$")
_ITEM = re.compile(r"^(\d+\.)(.*?)[。]?\((.*)\)$")
_ROLE = {"牵头单位": "lead", "责任单位": "responsible", "配合单位": "cooperating"}
_STD = {"万元": (1e4, "元"), "亿元": (1e8, "元"), "元": (1.0, "元")}


def load_expected(name: str = "qingwan") -> dict[str, Any]:
    with (FIXTURES / f"{name}.expected.toml").open("rb") as fh:
        return tomllib.load(fh)


def target(doc_id: str, item: Item, metric: str, kind: str, value: float, unit: str, qualifier: str,
           span: str) -> Target:
    """A Target inside ``item`` from compact values (the span must occur in the item text)."""
    pos = item.text.find(span)
    assert pos >= 0, (span, item.text)
    factor, unit_std = _STD.get(unit, (1.0, unit))
    return Target(doc_id=doc_id, item_seq=item.item_seq, metric=metric, kind=kind, value=float(value),
                  value_high=None, unit=unit, value_std=float(value) * factor, unit_std=unit_std,
                  qualifier=qualifier, aspirational=False, span_text=span, span_start=item.span_start + pos,
                  span_end=item.span_start + pos + len(span))


def extraction_from_text(text: str, doc_id: str, targets: Sequence[Sequence[Any]] = (), year: int | None = None,
                         source: str = "") -> Extraction:
    """Items and assignments read from ``text`` with the simple reader; targets from compact tuples."""
    items: list[Item] = []
    assignments: list[Assignment] = []
    section = subsection = group = None
    offset = 0
    for line in text.split("\n"):
        start = offset
        offset += len(line) + 1
        line = line.strip()
        if m := _SECTION.match(line):
            section, subsection, group = m.groups(), None, None
            continue
        if m := _SUBSECTION.match(line):
            subsection, group = m.groups(), None
            continue
        m = _ITEM.match(line)
        if not m:
            if line and section and len(line) <= 16 and not line.startswith("主办"):
                group = line
            continue
        label, body, clause = m.groups()
        seq = len(items) + 1
        s = text.index(body, start)
        items.append(Item(doc_id=doc_id, item_seq=seq, item_label=label,
                          section_label=section[0] if section else None, section_title=section[1] if section else None,
                          subsection_label=subsection[0] if subsection else None,
                          subsection_title=subsection[1] if subsection else None, group_title=group,
                          text=body, span_start=s, span_end=s + len(body)))
        pos = 0
        for part in clause.split(";"):
            role_label, _, names = part.partition(":")
            for name in re.split("[、,]", names):
                if name:
                    pos += 1
                    assignments.append(Assignment(doc_id=doc_id, item_seq=seq, role=_ROLE[role_label],
                                                  role_label=role_label, position=pos, name=name, name_raw=name,
                                                  acting_lead=False))
    by_seq = {i.item_seq: i for i in items}
    tgts = tuple(target(doc_id, by_seq[t[0]], *t[1:]) for t in targets)
    doc = Document(doc_id=doc_id, source=source or doc_id, source_sha256="0" * 64, encoding="utf-8", issuer=None,
                   doc_number=None, title=None, year=year, issued_date=None, published_date=None,
                   n_items=len(items), n_assignments=len(assignments), n_targets=len(tgts))
    return Extraction(document=doc, text=text, items=tuple(items), assignments=tuple(assignments), targets=tgts)


def fixture_pair(name: str = "qingwan") -> tuple[Extraction, Extraction, dict[str, Any]]:
    """(old, new, expected) of one fixture pair."""
    exp = load_expected(name)
    old_file, new_file = FIXTURES / exp["old"], FIXTURES / exp["new"]
    old = extraction_from_text(old_file.read_text(encoding="utf-8"), old_file.stem, exp["old_targets"],
                               source=str(old_file))
    new = extraction_from_text(new_file.read_text(encoding="utf-8"), new_file.stem, exp["new_targets"],
                               source=str(new_file))
    return old, new, exp


def gold_links(exp: dict[str, Any]) -> set[tuple[int, int]]:
    return {(o, n) for olds, news, _ in exp["rows"] for o in olds for n in news}


ROOT = Path(__file__).resolve().parent.parent


def series_fixture(name: str = "hewan") -> tuple[list[Extraction], dict[str, Any]]:
    """(extractions, expected) of a series fixture: the notices read with the simple reader, the targets
    from the hand-written list."""
    exp = load_expected(name)
    exs = []
    for path, year, targets in zip(exp["files"], exp["years"], exp["targets"]):
        p = ROOT / path
        exs.append(extraction_from_text(p.read_text(encoding="utf-8"), p.stem, targets, year=year, source=str(p)))
    return exs, exp


def cut_capture(ex: Extraction, label: str, keep: int, partial_item: bool = False,
                at_end: bool = False) -> Extraction:
    """``ex`` as if its capture ended ``keep`` characters into the task labelled ``label``: the text cut
    there, the tasks from there on gone, a finding ``truncated`` at the start of the cut task (or, with
    ``at_end``, at the end of the text) and ``documents.truncated``. With ``partial_item`` the cut task is
    still an item (its partial text, no units), as an extraction may read it; else it is none (a bare
    label)."""
    start = ex.text.index("\n" + label) + 1
    text = ex.text[:start + len(label) + keep]
    items = [i for i in ex.items if i.span_end <= start]
    seqs = {i.item_seq for i in items}
    if partial_item:
        body = text[start + len(label):]
        items.append(dataclasses.replace(ex.items[len(items)], text=body, span_start=start + len(label),
                                         span_end=len(text)))
    offset = len(text) if at_end else start
    finding = Finding(doc_id=ex.document.doc_id, severity="warning", code="truncated",
                      message="the capture ends inside a task", span_start=offset, span_end=len(text))
    doc = dataclasses.replace(ex.document, truncated=True, n_items=len(items))
    return Extraction(document=doc, text=text, items=tuple(items),
                      assignments=tuple(a for a in ex.assignments if a.item_seq in seqs),
                      targets=tuple(t for t in ex.targets if t.item_seq in seqs and t.span_end <= len(text)),
                      findings=(finding,))
