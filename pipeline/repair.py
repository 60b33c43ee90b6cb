"""Stage 4 — repair: fix what page markup dropped, only where the fix is certain.

A repair needs a rule *and* evidence from the document itself (the 文号 printed
in full elsewhere, the plan year in the title, the complete title in the page
title). Every repair is logged with its rule, the text before and after, its
position in the repaired text and the evidence. What cannot be known (a
dropped ordinal, a dropped opening quote) is reported as a finding and the
text is left alone.

Unit names are normalized later, in the assignments stage, against the
document's own unit vocabulary (see :mod:`pipeline.units`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache

import regex

from .records import Block, Finding, Page, Repair, join_blocks
from .rules.patterns import needed_chars
from .rules.sets import MetadataRules, RepairRules
from .script import printed_edit, printed_pairs
from .text import HEADER_BLOCKS, TITLE_END, YEAR_WITH_NIAN, clean_title, traditional_in


@dataclass(frozen=True)
class Edit:
    """One certain change inside one block."""

    block: int  # index of the block in Page.blocks
    start: int  # offset in the block's text
    end: int  # end offset in the block's text
    after: str  # replacement text
    rule: str  # rule id
    evidence: str  # why it is certain


@dataclass(frozen=True)
class Repaired:
    """The repaired page with what was changed and what was only reported."""

    page: Page  # blocks with edits applied; offsets recomputed
    repairs: tuple[Repair, ...]
    findings: tuple[Finding, ...]



#: A date line that lost both 年 and 月 (2025113).
_DATE_DIGITS = regex.compile(r"(?:19|20)\d{4,6}日?")
#: How every _DATE_DIGITS match opens.
_DATE_DIGITS_START = ("19", "20")


def _known_doc_numbers(page: Page, doc_re: regex.Pattern[str], dated: set[int]) -> list[tuple[str, str, str]]:
    """(prefix, year, number) of every 文号 printed in full in the header or page title.

    Only the header blocks in ``dated`` (those holding DOC_NUMBER_YEAR) are read: a 文号 crosses a
    bracketed year (tests/test_repair.py checks that metadata.toml's ``doc_number`` still does).
    """
    texts = [page.blocks[i].text for i in sorted(dated)]
    if page.meta.title:
        texts.append(page.meta.title)
    texts.extend(v for _, v in page.meta.info)
    return [(m["prefix"], m["year"], m["num"]) for t in texts for m in doc_re.finditer(t)]


def _plan_year(page: Page) -> tuple[int, str] | None:
    """The year the document names in its title lines, with where it was read."""
    for i, b in enumerate(page.blocks[:HEADER_BLOCKS]):
        if "关于" in b.text or b.kind == "title":
            if m := YEAR_WITH_NIAN.search(b.text):
                return int(m[1]), f"block {i}: {b.text[:40]}"
    return None


#: A bracket, then the year of a 文号 (〔2025). Both 文号 repair patterns (repairs.toml ``garbled_doc_number``,
#: ``doc_number_without_hao``) match only across such a place, so a block without one is not scanned with
#: them (they open with a run of Han characters, which the regex engine tries at every character).
#: tests/test_repair.py checks that the patterns still require it.
DOC_NUMBER_YEAR = regex.compile(r"[〔\[［(（【]\s*(?:19|20)\d\d")
#: The brackets DOC_NUMBER_YEAR opens with.
_YEAR_BRACKETS = "〔[［(（【"
#: What may follow such a bracket in DOC_NUMBER_YEAR: the first digit of 19xx / 20xx (else a blank).
_YEAR_FIRST_DIGITS = "12"


def _with_bracket_year(page: Page, n: int) -> set[int]:
    """The indices of the first ``n`` blocks that hold DOC_NUMBER_YEAR.

    Each bracket is found with ``str.find`` (a scan in C) and the pattern is asked only there, at the
    bracket (searched in each block it looked at every character).
    """
    blocks = page.blocks[:n]
    end = blocks[-1].end if blocks else 0
    found: set[int] = set()
    k = 0
    text = page.text
    for at in _marks(text, _YEAR_BRACKETS, end):
        after = text[at + 1:at + 2]
        if after not in _YEAR_FIRST_DIGITS and not after.isspace():
            continue  # most brackets open a task's (责任单位:…): no year can follow, turned away without the regex
        while blocks[k].end <= at:
            k += 1
        b = blocks[k]
        if at >= b.start and DOC_NUMBER_YEAR.match(b.text, at - b.start):
            found.add(k)
    return found


def doc_number_edits(page: Page, rules: RepairRules, meta_rules: MetadataRules) -> tuple[list[Edit], list[Finding]]:
    """``港政发〔20251`` -> ``港政发〔2025〕1号`` when the year is known from the document."""
    edits: list[Edit] = []
    findings: list[Finding] = []
    dated = _with_bracket_year(page, HEADER_BLOCKS)
    known = _known_doc_numbers(page, meta_rules.doc_number, dated)
    year = _plan_year(page)
    for i in sorted(dated):
        b = page.blocks[i]
        for m in rules.garbled_doc_number.finditer(b.text):
            prefix, digits = m["prefix"], m["digits"]
            printed = [k for k in known if prefix.endswith(k[0]) and k[1] + k[2] == digits]
            if printed:
                p, y, n = printed[0]
                evidence = f"the document prints {p}〔{y}〕{n}号 in full elsewhere"
                after = f"{prefix}〔{y}〕{n}号"
            elif year and digits.startswith(str(year[0])) and len(digits) > 4:
                y, n = str(year[0]), digits[4:].lstrip("0") or "0"
                evidence = f"plan year {y} read from the title ({year[1]}); the rest is the number"
                after = f"{prefix}〔{y}〕{n}号"
            else:
                findings.append(Finding("", "warning", "garbled_doc_number",
                                        f"文号 {m[0]!r} has lost its brackets and the year is not known from the document",
                                        b.start + m.start(), b.start + m.end()))
                continue
            edits.append(Edit(i, m.start(), m.end(), after, "garbled_doc_number", evidence))
        if m := rules.doc_number_without_hao.search(b.text):
            edits.append(Edit(i, m.start("number"), m.end("number"), m["number"] + "号", "doc_number_without_hao",
                              "GB/T 9704: a 文号 is 〔year〕number号; only the final 号 was lost"))
    return edits, findings


@lru_cache(maxsize=8)
def _needed(p: regex.Pattern[str]) -> frozenset[str]:
    """The characters every match of ``p`` holds (:func:`~pipeline.rules.targetrules.needed_chars`, read once
    per pattern).

    >>> from pipeline.rules import load_rules
    >>> sorted(_needed(load_rules().repairs.garbled_date))
    ['月']
    """
    return needed_chars(p)


def date_edits(page: Page, rules: RepairRules) -> tuple[list[Edit], list[Finding]]:
    """``20251月13`` -> ``2025年1月13日`` for a block that is only a date."""
    edits: list[Edit] = []
    findings: list[Finding] = []
    needs = _needed(rules.garbled_date)
    for i, b in enumerate(page.blocks[:HEADER_BLOCKS]):
        t = b.text.strip()
        if len(t) > 16:
            continue
        # each pattern is asked only of a line holding what every match of it holds (garbled_date: its
        # needed characters, 月; _DATE_DIGITS: its opening): the short headings are turned away without them
        if all(c in t for c in needs) and (m := rules.garbled_date.fullmatch(t)):
            after = f"{m['year']}年{int(m['month'])}月{int(m['day'])}日"
            edits.append(Edit(i, 0, len(b.text), after, "garbled_date",
                              "a date line: four-digit year, month marked by 月, then the day; 年 and 日 restored"))
        elif t.startswith(_DATE_DIGITS_START) and _DATE_DIGITS.fullmatch(t):
            findings.append(Finding("", "warning", "ambiguous_date",
                                    f"date line {t!r} has lost 年/月: the month/day split is not certain",
                                    b.start, b.end))
    return edits, findings


def title_edits(page: Page) -> tuple[list[Edit], list[Finding]]:
    """A title line cut short is completed from a complete copy of the same title (page title, header line)."""
    edits: list[Edit] = []
    complete: list[tuple[str, str]] = []  # the document's own lines first, then the page's <title>
    # the header blocks holding 关于, picked out once: both passes below read only those
    titled = [(i, b) for i, b in enumerate(page.blocks[:HEADER_BLOCKS]) if "关于" in b.text]
    for i, b in titled:
        t = clean_title(b.text[b.text.index("关于"):])
        if TITLE_END.search(t):
            complete.append((t, f"block {i} ({b.text[:30]}…)"))
    if page.meta.title and "关于" in page.meta.title:
        complete.append((clean_title(page.meta.title[page.meta.title.index("关于"):]), "the page title"))
    if not complete:
        return edits, []  # no complete title to complete a short one from
    for i, b in titled:
        if TITLE_END.search(b.text):
            continue
        nxt = page.blocks[i + 1].text if i + 1 < len(page.blocks) else ""
        short = clean_title(b.text[b.text.index("关于"):])
        for full, where in complete:
            if full != short and full.startswith(short) and not full.startswith(short + clean_title(nxt)[:2]):
                missing = full[len(short):]
                edits.append(Edit(i, len(b.text), len(b.text), missing, "truncated_title",
                                  f"the complete title {full!r} stands in {where}"))
                break
    return edits, []


def quote_findings(page: Page, pairs: dict[str, str]) -> list[Finding]:
    """Closing quotes with no opening one (and the reverse), per block.

    The marks are found in the page text, each with ``str.find`` (a scan in C; a pattern looked at every
    character, and most blocks print no mark); a mark is never a newline, so each falls inside one block.
    """
    out: list[Finding] = []
    closing = {c: o for o, c in pairs.items()}
    opening = {o for o, c in pairs.items() if o != c}  # (a mark that closes itself only ever closes)
    blocks, text = page.blocks, page.text
    if not blocks:
        return out
    k = -1  # the block the last mark fell in
    start = end = -1  # its offsets (read once per block, not once per mark)
    stack: list[tuple[str, int]] = []
    for at in _marks(text, {*pairs, *closing}, blocks[-1].end):
        if at >= end:
            if stack:  # (a block's quotes are most often balanced: no call)
                _never_closed(blocks[k], stack, out)
            k += 1
            while blocks[k].end <= at:
                k += 1
            start, end = blocks[k].start, blocks[k].end
        if at < start:
            continue  # between blocks (a page whose text holds more than its blocks)
        ch = text[at]
        if ch in opening:
            stack.append((ch, at - start))
        elif stack and stack[-1][0] == closing[ch]:
            stack.pop()
        else:
            j = at - start
            ctx = blocks[k].text[max(0, j - 6): j + 4]
            out.append(Finding("", "warning", "unbalanced_quote",
                               f"closing {ch} without an opening {closing[ch]} in {ctx!r}: the opening quote was lost",
                               at, at + 1))
    if stack:
        _never_closed(blocks[k], stack, out)
    return out


def _marks(text: str, chars: Iterable[str], end: int) -> list[int]:
    """Every place of any of ``chars`` in ``text`` before ``end``, in order (each character found with
    ``str.find``, a scan in C; gathered in one list, without a generator per character).

    >>> _marks("“甲”《乙》", {"“", "”", "《", "》"}, 5)
    [0, 2, 3]
    """
    found: list[int] = []
    for ch in chars:
        at = text.find(ch, 0, end)
        while at >= 0:
            found.append(at)
            at = text.find(ch, at + 1, end)
    found.sort()
    return found


def _never_closed(b: Block, stack: list[tuple[str, int]], out: list[Finding]) -> None:
    """A finding for each opening quote left open at the end of block ``b`` (the stack is emptied)."""
    for ch, j in stack:
        ctx = b.text[j: j + 10]
        out.append(Finding("", "warning", "unbalanced_quote",
                           f"opening {ch} never closed in {ctx!r}", b.start + j, b.start + j + 1))
    stack.clear()


def gap_findings(page: Page, rules: RepairRules) -> list[Finding]:
    """Text that lost a word no rule can restore (the ordinal of a session)."""
    return [Finding("", "warning", "missing_ordinal",
                    f"{m[0]!r}: the session ordinal (…{m['before']}X次会议) is missing and cannot be known",
                    m.start(), m.end())
            for m in rules.missing_ordinal.finditer(page.text)]


def apply_edits(page: Page, edits: list[Edit], doc_id: str) -> tuple[Page, tuple[Repair, ...]]:
    """Apply edits block by block and rebuild the page; repairs point into the new text.

    A page read through a simplified copy gets every edit in its printed text too (the
    inserted characters in the printed script, :func:`~pipeline.script.printed_form`), and
    each repair records what was printed.
    """
    # the printed text is edited only when it is not the text itself (a page in simplified script has
    # nothing to edit twice: no printed parts, no printed form of an edit)
    printed = page.printed
    pairs = printed_pairs(page)
    by_block: dict[int, list[Edit]] = {}
    for e in sorted(edits, key=lambda e: (e.block, e.start)):
        by_block.setdefault(e.block, []).append(e)
    # only the blocks from the first edited one to the last are rebuilt (the edits sit in the header): the
    # blocks before keep their place, the blocks after move by the change in length, and the page text
    # around them is sliced as it is (a page's text is its blocks, stripped, joined by newlines)
    blocks = page.blocks
    lo, hi = min(by_block), max(by_block) + 1
    parts, printed_parts = [], []
    placed: list[tuple[int, int, Edit]] = []  # (block, offset of `after` in new block text, edit)
    for i, b in enumerate(blocks[lo:hi], lo):
        text, shown = b.text, printed[b.start:b.end] if printed is not None else ""
        shift = 0
        for e in by_block.get(i, ()):
            s, t = e.start + shift, e.end + shift
            after = e.after
            if printed is not None:
                shown = shown[:s] + printed_edit(b.text[e.start:e.end], shown[s:t], after, pairs) + shown[t:]
            text = text[:s] + after + text[t:]
            placed.append((i, s, e))
            shift += len(after) - (e.end - e.start)
        parts.append((text, b.kind, b.cell))
        if printed is not None:
            printed_parts.append((shown, b.kind, b.cell))
    start, end = blocks[lo].start, blocks[hi - 1].end
    mid_text, mid_blocks = join_blocks(parts, start)
    moved_by = start + len(mid_text) - end
    moved = blocks[hi:] if not moved_by else tuple(
        [Block(b.text, b.start + moved_by, b.end + moved_by, b.kind, b.cell) for b in blocks[hi:]])
    new_text = page.text[:start] + mid_text + page.text[end:]
    new_blocks = blocks[:lo] + mid_blocks + moved
    new_printed = printed[:start] + join_blocks(printed_parts)[0] + printed[end:] if printed is not None else None
    shown_text = new_printed if new_printed is not None else new_text
    repairs = []
    for i, s, e in placed:
        nb = new_blocks[i]
        ob = page.blocks[i]
        if e.rule == "truncated_title":
            before, s, n = page.printed_text[ob.start:ob.end], 0, len(nb.text)
        else:
            before, n = page.printed_text[ob.start + e.start:ob.start + e.end], len(e.after)
        after = shown_text[nb.start + s:nb.start + s + n]
        repairs.append(Repair(doc_id, e.rule, before, after, nb.start + s, nb.start + s + n, e.evidence))
    # a page known to hold no traditional form keeps knowing it when no edit brings one in (the later
    # stages then make no simplified copy of its text)
    no_traditional = page.no_traditional and not traditional_in("".join(e.after for e in edits))
    new_page = replace(page, text=new_text, blocks=new_blocks, printed=new_printed, no_traditional=no_traditional)
    return new_page, tuple(repairs)


def repair(page: Page, doc_id: str, rules: RepairRules, meta_rules: MetadataRules) -> Repaired:
    """All certain repairs of one page, and findings for what cannot be repaired."""
    edits: list[Edit] = []
    pending: list[Finding] = []
    for es, fs in (doc_number_edits(page, rules, meta_rules), date_edits(page, rules), title_edits(page)):
        edits.extend(es)
        pending.extend(fs)
    new_page, repairs = apply_edits(page, edits, doc_id) if edits else (page, ())
    if edits:  # findings found before the edits: move them to the new offsets
        pending = [_shift(f, page, new_page) for f in pending]
    findings = pending + gap_findings(new_page, rules) + quote_findings(new_page, dict(rules.quote_pairs))
    findings = [Finding(doc_id, f.severity, f.code, f.message, f.span_start, f.span_end) for f in findings]
    findings.sort(key=lambda f: (f.span_start if f.span_start is not None else -1, f.code))
    return Repaired(new_page, repairs, tuple(findings))


def _shift(f: Finding, old: Page, new: Page) -> Finding:
    """Move a finding's offsets from the old page to the new (same block, same local offset)."""
    if f.span_start is None:
        return f
    for ob, nb in zip(old.blocks, new.blocks):
        if ob.start <= f.span_start <= ob.end:
            d = nb.start - ob.start
            return Finding(f.doc_id, f.severity, f.code, f.message, f.span_start + d, (f.span_end or f.span_start) + d)
    return f
