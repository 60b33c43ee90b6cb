"""The document's self-check: where a capture is cut, and which items name no unit.

A capture of a published page often stops in the middle of a task (the page was
saved or excerpted before its end). What follows the cut is *unknown*, not
absent: :func:`truncation` reports it as a finding ``truncated`` at the start of
the cut task (or of the last block, when no task holds it), so a comparison with
another year never reads the rest as dropped. The signs, in order:

1. the text ends inside a bracket that never closes (``…(牵头单位:区发改局;责任单位:区财``);
2. the last block is a bare number (``13.``) or a heading with nothing under it;
3. the last task has no clause while the tasks before it have theirs;
4. the text stops mid-sentence: its last character closes neither a sentence, a clause nor a cell
   of the table's last column.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .outline import numbered
from .records import Finding, ItemDraft, ItemSegments, Page
from .rules.sets import MetadataRules, OutlineRules
from .text import CLOSE, bracket_pairs

#: Characters a complete block may end with (a sentence, a clause bracket, a quote).
FINAL = "。；;！!？?：:…" + CLOSE + "”’\"」』》"
#: A heading is at most this long (a longer numbered paragraph is prose).
HEADING_MAX_CHARS = 40
#: Share of the tasks before the last that must carry a clause for a clause-less last task to read as cut.
WITH_CLAUSE_SHARE = 0.5


def truncation(page: Page, items: Sequence[ItemSegments], rules: OutlineRules, doc_id: str,
               closing: MetadataRules, unit_like: Callable[[str], bool] = lambda name: False) -> Finding | None:
    """A finding ``truncated`` when the capture ends inside a task, else None.

    A capture that ends on a line that closes a notice (a signature, a date, an imprint:
    ``closing`` says which) is complete; so is one whose last line is its last task's role line ending in a
    whole unit name (牵头单位:县教育局, ``unit_like``): a role line prints no full stop.
    """
    if not page.blocks:
        return None
    last = page.blocks[-1]
    if closing.closes_a_notice(last.text) and not _unclosed(last.text):
        return None
    last_i = len(page.blocks) - 1
    cut = next((it.draft for it in reversed(items) if last_i in it.draft.blocks), None)
    why = _why(page, last, items, cut, rules)
    if why is not None and why.startswith(_MID_SENTENCE) and _ends_a_role_line(last_i, items, unit_like):
        return None
    if why is not None and cut is None and items and max(items[-1].draft.blocks) == last_i - 1 \
            and numbered(last.text, rules) is None:
        cut = items[-1].draft  # the cut line may be the task's own role line: the task is not known whole
    if why is None:
        return None
    start = cut.text_start if cut is not None else last.start
    where = f"task {cut.label or cut.seq}" if cut is not None else "the last block"
    return Finding(doc_id, "warning", "truncated",
                   f"the capture ends inside {where} ({why}): what follows is unknown, not absent",
                   start, len(page.text))


def _why(page: Page, last, items: Sequence[ItemSegments], cut: ItemDraft | None, rules: OutlineRules) -> str | None:
    text = last.text.rstrip()
    if _unclosed(text):
        return "a bracket is never closed"
    num = numbered(text, rules)
    if num is not None and len(text) - num.body_start <= 1:
        return f"a bare number {num.label!r}"
    if num is not None and num.level in ("section", "subsection") and cut is None \
            and len(text) <= HEADING_MAX_CHARS and "。" not in text:
        return "a heading with nothing under it"
    if cut is not None and items and not _has_clause(items[-1]):
        before = [it for it in items[:-1]]
        if before and sum(_has_clause(it) for it in before) >= WITH_CLAUSE_SHARE * len(before):
            return "the last task has no clause, the tasks before it have"
    if last.kind == "cell" and last.cell is not None:
        last_col = max((b.cell.col + b.cell.colspan for b in page.blocks
                        if b.cell is not None and b.cell.table == last.cell.table), default=0)
        if last.cell.col + last.cell.colspan < last_col:
            return "the table's last row stops before its last column"
        return None
    if text and text[-1] not in FINAL:
        return f"{_MID_SENTENCE} ({text[-8:]!r})"
    return None


_MID_SENTENCE = "the text stops mid-sentence"


def _ends_a_role_line(last_i: int, items: Sequence[ItemSegments], unit_like: Callable[[str], bool]) -> bool:
    """Is block ``last_i`` a role line of the last task whose last name is a whole unit (it ends the page)?"""
    if not items or not items[-1].segments:
        return False
    bi, seg = items[-1].segments[-1]
    return bi == last_i and seg.role in ("lead", "responsible", "cooperating") and bool(seg.names) \
        and seg.text.rstrip(" \t\u3000").endswith(seg.names[-1][0]) and unit_like(seg.names[-1][0])


def _unclosed(text: str) -> bool:
    opened = sum(ch in "([（【［〔" for ch in text)
    return opened > 0 and len(bracket_pairs(text)) < opened


def _has_clause(item: ItemSegments) -> bool:
    return any(seg.role != "deadline" for _, seg in item.segments)


def unit_findings(items: Sequence[ItemSegments], named: set[int], doc_id: str) -> list[Finding]:
    """One finding per item that names no unit or leader (its clause missing or not recognised)."""
    out = []
    for it in items:
        d = it.draft
        if d.seq not in named:
            out.append(Finding(doc_id, "warning", "no_units",
                               f"task {d.label or d.seq} names no unit or leader in a shape the rules know",
                               d.text_start, d.text_end))
    return out
