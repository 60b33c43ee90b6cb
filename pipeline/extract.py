"""The pipeline's table of contents: one document through every stage, and a batch.

    1 read         bytes, digest                      pipeline.read
    2 decode       bytes -> characters                pipeline.decode
    3 blocks       main content, block boundaries     pipeline.blocks / pipeline.html
    4 repair       certain repairs, findings          pipeline.repair
    5 metadata     issuer, 文号, title, year, dates    pipeline.metadata
    6 outline      sections, groups, task items       pipeline.outline
    7 assignments  units and roles per item           pipeline.assignments (+ clauses, units)
    8 targets      quantitative commitments           pipeline.targets
    9 write        Parquet + JSON, atomically         pipeline.write

Each document is processed in isolation; the batch (many inputs, one dataset) is :mod:`pipeline.batch`.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import regex

from . import __version__
from .assignments import acting_rule, item_assignments, raw_names, read_segments
from .blocks import to_page
from .clauses import clause_reader
from .deadlines import parse_deadline
from .decode import decode
from .errors import NoTasksError
from .ids import doc_id_for
from .metadata import read_metadata
from .outline import Heading, ItemDraft, outline
from .read import read
from .records import Document, Extraction, Finding, Item, Page, RawInput
from .repair import repair
from .script import simplified_page
from .rules import Rules, load_rules
from .targets import extract_targets
from .units import UnitBook

#: A title that says the document is a breakdown notice (zero items is then a finding, not a failure).
_NOTICE_TITLE = regex.compile(r"分解|分工|责任清单|任务清单|目标任务|重点工作|任务分配|责任落实")
#: …or a role label printed with its colon anywhere.
_ROLE_LABEL = regex.compile(r"(?:牵头|责任|配合|协办|主办)(?:单位|部门)\s*[:：]")


def is_breakdown_notice(page: Page, title: str | None) -> bool:
    """The document calls itself a breakdown notice (title, heading lines) or prints role labels."""
    heads = [title or "", page.meta.title or ""] + [b.text for b in page.blocks[:40] if len(b.text) <= 60]
    return any(_NOTICE_TITLE.search(h) for h in heads) or bool(_ROLE_LABEL.search(page.text))


def extract_raw(raw: RawInput, rules: Rules) -> Extraction:
    """Stages 2-8 on one input's bytes."""
    doc_id = doc_id_for(raw.source, raw.sha256)
    decoded = decode(raw)
    page = to_page(decoded, rules)
    repaired = repair(page, doc_id, rules["repairs"], rules["metadata"])
    page, printed = simplified_page(repaired.page)
    meta = read_metadata(page, rules["metadata"])

    reader = clause_reader(rules)
    dictionary = rules.issuer_dictionary(meta.issuer, meta.doc_number)
    generic = UnitBook(rules["units"], None, ())
    drafts = outline(page, rules, reader, generic.shaped)
    findings: list[Finding] = list(repaired.findings)
    if decoded.n_replaced:
        findings.append(Finding(doc_id, "warning", "replaced_characters",
                                f"{decoded.n_replaced} byte sequences could not be decoded as {decoded.encoding} "
                                "and were replaced with U+FFFD", None, None))
    if not drafts:
        if not is_breakdown_notice(page, meta.title):
            raise NoTasksError("no tasks found: not a breakdown notice (no numbered tasks with 牵头/责任单位)",
                               source=raw.source)
        findings.append(Finding(doc_id, "error", "no_items",
                                "no complete task item found (the capture may stop before the first task)", None, None))

    segments = [read_segments(page, d, reader) for d in drafts]
    book = UnitBook(rules["units"], dictionary, raw_names(segments),
                    dictionary_name=f"rules/units/{_dict_name(rules, dictionary)}.toml" if dictionary else "")
    acting = acting_rule(page.text, rules["roles"])
    items, assignments, targets, repairs = [], [], [], list(repaired.repairs)
    for d, segs in zip(drafts, segments):
        clauses = item_assignments(page, segs, book, reader, doc_id, acting)
        assignments.extend(clauses.assignments)
        repairs.extend(clauses.repairs)
        findings.extend(clauses.findings)
        items.append(_item(doc_id, printed or page.text, d, clauses.deadline_text, meta.year, rules))
        text = page.text[d.text_start:d.text_end]
        targets.extend(extract_targets(doc_id, d.seq, text, d.text_start, rules["targets"]))
    if printed is not None:  # matched through a simplified copy: spans back to the printed characters
        assignments = [replace(a, name_raw=printed[a.span_start:a.span_end]) for a in assignments]
        targets = [replace(t, span_text=printed[t.span_start:t.span_end]) for t in targets]
        findings.append(Finding(doc_id, "info", "traditional_script",
                                "printed in traditional script: rules matched through a simplified copy; "
                                "text and name_raw are as printed, name is simplified", None, None))

    findings.sort(key=lambda f: (f.span_start if f.span_start is not None else -1, f.code, f.message))
    repairs.sort(key=lambda r: (r.span_start, r.rule))
    document = Document(
        doc_id=doc_id, source=raw.source, source_sha256=raw.sha256, encoding=decoded.encoding,
        issuer=meta.issuer, doc_number=meta.doc_number, title=meta.title, year=meta.year,
        issued_date=meta.issued_date, published_date=meta.published_date, addressees=meta.addressees,
        n_items=len(items), n_assignments=len(assignments), n_targets=len(targets), n_repairs=len(repairs),
        n_findings=len(findings), n_candidates=len(drafts),
        n_items_without_units=len({i.item_seq for i in items} - {a.item_seq for a in assignments}),
        truncated=any(f.code == "truncated" for f in findings), parser_version=__version__,
    )
    return Extraction(document, printed or page.text, tuple(items), tuple(assignments), tuple(targets),
                      tuple(repairs), tuple(findings))


def _dict_name(rules: Rules, dictionary) -> str:
    return next((k for k, v in rules.issuers.items() if v is dictionary), "?")


def _item(doc_id: str, text: str, d: ItemDraft, deadline_text: str | None, year: int | None,
          rules: Rules) -> Item:
    """An item row; every title and the task text are taken from ``text`` (the printed text)."""
    def title(h: Heading | None) -> str | None:
        return text[h.start:h.end] if h else None

    return Item(doc_id=doc_id, item_seq=d.seq, item_label=d.label,
                section_label=d.section.label if d.section else None, section_title=title(d.section),
                subsection_label=d.subsection.label if d.subsection else None, subsection_title=title(d.subsection),
                group_title=title(d.group), text=text[d.text_start:d.text_end], span_start=d.text_start, span_end=d.text_end,
                deadline_text=deadline_text, deadline=parse_deadline(deadline_text, year, rules["deadlines"]))


def extract_file(path: Path | str, rules: Rules | None = None) -> Extraction:
    """Extract one notice file (stages 1-8)."""
    return extract_raw(read(path), rules or load_rules())
