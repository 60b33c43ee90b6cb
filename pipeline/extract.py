"""The pipeline's table of contents: one document through every stage, and a batch.

    1 read         bytes, digest                      pipeline.read
    2 decode       bytes -> characters                pipeline.decode
    3 blocks       main content, block boundaries     pipeline.blocks (html, texttables, unwrap)
    4 script       traditional -> a simplified copy   pipeline.script
    5 repair       certain repairs, findings          pipeline.repair
    6 metadata     issuer, 文号, title, year, dates    pipeline.metadata
    7 outline      sections, groups, task items       pipeline.outline (tables)
    8 assignments  units and roles per item           pipeline.assignments (clauses, units)
    9 targets      quantitative commitments           pipeline.targets
   10 write        Parquet + JSON, atomically         pipeline.write (the batch: pipeline.batch)

Each document is processed in isolation; the batch (many inputs, one dataset) is :mod:`pipeline.batch`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from . import __version__
from .assignments import AssignmentReader, acting_rule, heading_leaders, raw_names, read_segments
from .blocks import to_page
from .clauses import ClauseReader
from .deadlines import parse_deadline
from .decode import decode
from .errors import NoTasksError
from .ids import doc_id_for
from .metadata import read_metadata
from .outline import calls_itself_a_breakdown, outline
from .read import read
from .records import (
    Assignment,
    Document,
    Extraction,
    Finding,
    Heading,
    Item,
    ItemDraft,
    ItemSegments,
    Metadata,
    Page,
    RawInput,
    Repair,
    Target,
)
from .repair import repair
from .rules import Rules
from .script import printed_pairs, printed_value, simplified
from .selfcheck import truncation, unit_findings
from .targets import extract_targets, page_shadow
from .units import UnitBook


def extract_raw(raw: RawInput, rules: Rules) -> Extraction:
    """Stages 2-9 on one input's bytes."""
    doc_id = doc_id_for(raw.source, raw.sha256)
    decoded = decode(raw)                                                  # 2
    page = simplified(to_page(decoded, rules))                             # 3, 4
    repaired = repair(page, doc_id, rules.repairs, rules.metadata)         # 5
    page = repaired.page
    meta = read_metadata(page, rules.metadata)                             # 6
    reader = ClauseReader(rules.clauses)
    generic = UnitBook(rules.units, None, ())
    found = outline(page, rules, reader, lambda n: generic.shaped(n) or bool(rules.roles.posts.fullmatch(n)),
                    meta.title)                                            # 7
    findings: list[Finding] = list(repaired.findings)
    findings.extend(Finding(doc_id, "info", "chrome_dropped", f"left out as page chrome: {line[:80]!r}", None, None)
                    for line in page.dropped)
    if decoded.n_replaced:
        findings.append(Finding(doc_id, "warning", "replaced_characters",
                                f"{decoded.n_replaced} byte sequences could not be decoded as {decoded.encoding} "
                                "and were replaced with U+FFFD", None, None))
    if not found.items:
        if not calls_itself_a_breakdown(page, meta.title, rules):
            raise NoTasksError("no tasks found: not a breakdown notice (no numbered tasks, no role labels, and "
                               "the title does not call it a breakdown)", source=raw.source)
        findings.append(Finding(doc_id, "error", "no_items",
                                "no complete task item found (the capture may stop before the first task)", None, None))
    segments = [read_segments(page, d, reader) for d in found.items]
    rows = _rows(page, segments, rules, reader, doc_id, meta)              # 8, 9
    findings.extend(rows.findings)
    if (cut := truncation(page, segments, rules.outline, doc_id, rules.metadata, generic.shaped)) is not None:
        findings.append(cut)
    assigned = {a.item_seq for a in rows.assignments}  # the items that name a unit
    findings.extend(unit_findings(segments, assigned, doc_id))
    if page.printed is not None:  # matched through a simplified copy: values back in the printed script
        rows, meta = _printed(rows, meta, page), _printed_meta(meta, page)
        findings.append(Finding(doc_id, "info", "traditional_script",
                                "printed in traditional script: rules matched through a simplified copy; "
                                "text and name_raw are as printed, name is simplified", None, None))
    findings.sort(key=lambda f: (f.span_start if f.span_start is not None else -1, f.code, f.message))
    repairs = sorted(list(repaired.repairs) + list(rows.repairs), key=lambda r: (r.span_start, r.rule))
    document = Document(
        doc_id=doc_id, source=raw.source, source_sha256=raw.sha256, encoding=decoded.encoding,
        issuer=meta.issuer, doc_number=meta.doc_number, title=meta.title, year=meta.year,
        issued_date=meta.issued_date, published_date=meta.published_date, addressees=meta.addressees,
        n_items=len(rows.items), n_assignments=len(rows.assignments), n_targets=len(rows.targets),
        n_repairs=len(repairs), n_findings=len(findings), n_candidates=found.n_candidates,
        n_items_without_units=len({i.item_seq for i in rows.items} - assigned),
        truncated=any(f.code == "truncated" for f in findings), parser_version=__version__,
    )
    return Extraction(document, page.printed_text, rows.items, rows.assignments, rows.targets,
                      tuple(repairs), tuple(findings))


@dataclass(frozen=True)
class _ItemRows:
    """What stages 8 and 9 read from the items."""

    items: tuple[Item, ...]
    assignments: tuple[Assignment, ...]
    targets: tuple[Target, ...]
    repairs: tuple[Repair, ...]
    findings: tuple[Finding, ...]


def _rows(page: Page, segments: list[ItemSegments], rules: Rules, reader: ClauseReader, doc_id: str,
          meta: Metadata) -> _ItemRows:
    """Stage 8 (assignments) and stage 9 (targets) over every item."""
    book = UnitBook(rules.units, rules.issuer_dictionary(meta.issuer, meta.doc_number),
                    raw_names(segments, rules.clauses))
    units = AssignmentReader(page, book, reader, doc_id, acting_rule(page.text, rules.roles), rules.clauses.marked_role)
    items: list[Item] = []
    assignments: list[Assignment] = []
    targets: list[Target] = []
    repairs: list[Repair] = []
    findings: list[Finding] = []
    leaders: dict[tuple[int, int], tuple[str, str, int, int] | None] = {}  # heading span -> its leader
    printed = page.printed_text
    shadow = page_shadow(page)  # character for character: each item's copy is a slice
    heads: tuple[Heading | None, ...] = ()  # the headings above the item before, and the leaders they name
    named: list[tuple[str, str, int, int]] = []
    titles: _Titles = (None, None, None, None, None)
    for segs in segments:
        d = segs.draft
        if (d.section, d.subsection, d.group) != heads:  # (the items under one heading follow each other)
            heads = (d.section, d.subsection, d.group)
            named = heading_leaders(page, d, rules.roles, leaders)
            titles = _titles(printed, d)
        clauses = units.read(segs, named)
        assignments.extend(clauses.assignments)
        repairs.extend(clauses.repairs)
        findings.extend(clauses.findings)
        text = printed[d.text_start:d.text_end]
        items.append(_item(doc_id, text, d, titles, clauses.deadline_text, meta.year, rules))
        targets.extend(extract_targets(doc_id, d.seq, text, d.text_start, rules.targets,
                                       shadow[d.text_start:d.text_end]))
    return _ItemRows(tuple(items), tuple(assignments), tuple(targets), tuple(repairs), tuple(findings))


def _printed(rows: _ItemRows, meta: Metadata, page: Page) -> _ItemRows:
    """Spans read on the simplified copy, back to the printed characters (names stay normalized)."""
    printed = page.printed_text
    return replace(rows, assignments=tuple(replace(a, name_raw=printed[a.span_start:a.span_end])
                                           for a in rows.assignments),
                   repairs=tuple(replace(r, before=printed[r.span_start:r.span_end]) if r.applies_to == "unit"
                                 else r for r in rows.repairs))


def _printed_meta(meta: Metadata, page: Page) -> Metadata:
    pairs = printed_pairs(page)
    return replace(meta, issuer=printed_value(meta.issuer, page, pairs),
                   doc_number=printed_value(meta.doc_number, page, pairs), title=printed_value(meta.title, page, pairs),
                   addressees=tuple(printed_value(a, page, pairs) or a for a in meta.addressees))


#: The heading columns of an item row: section label and title, subsection label and title, group title.
_Titles = tuple[str | None, str | None, str | None, str | None, str | None]


def _titles(printed: str, d: ItemDraft) -> _Titles:
    """The heading columns of ``d``'s row, titles taken from ``printed`` (the printed text): read once for the
    items under the same headings."""
    section, subsection, group = d.section, d.subsection, d.group
    return (section.label if section else None, printed[section.start:section.end] if section else None,
            subsection.label if subsection else None,
            printed[subsection.start:subsection.end] if subsection else None,
            printed[group.start:group.end] if group else None)


def _item(doc_id: str, text: str, d: ItemDraft, titles: _Titles, deadline_text: str | None, year: int | None,
          rules: Rules) -> Item:
    """An item row: its task ``text`` (``printed[d.text_start:d.text_end]``) under its heading columns
    (:func:`_titles`)."""
    return Item(doc_id, d.seq, d.label, *titles, text, d.text_start, d.text_end,
                deadline_text, parse_deadline(deadline_text, year, rules.deadlines) if deadline_text else None)


def extract_file(path: Path | str, rules: Rules) -> Extraction:
    """Extract one notice file (stages 1-9)."""
    return extract_raw(read(path), rules)
