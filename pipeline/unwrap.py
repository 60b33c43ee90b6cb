"""Text extracted from PDF: hard line breaks joined, page numbers dropped.

A notice saved from a PDF arrives as lines of (nearly) one width, cut
mid-sentence wherever the page edge fell, with ``— 2 —`` between pages.
:func:`unwrap` joins such a line to the next when

* the page as a whole looks PDF-extracted (:func:`full_width`: many lines of
  one width, most of them ending mid-sentence) — a capture that prints one
  paragraph per line is returned unchanged;
* the line is (nearly) full width and does not end a sentence or clause
  (``。；：！？``) or with a closing bracket;
* the next line does not start a new element: ``一、`` ``(一)`` ``1.`` ``1、``
  ``（1）`` ``△`` or a role label (``牵头单位:``), nor a paragraph (an open line one
  indent short of full: the capture stripped its indent).

Only ``"p"`` blocks are touched; table cells stay as they are.
"""

from __future__ import annotations

import math
import operator
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache

import regex

from .records import Cell, Page, join_blocks
from .rules.sets import UnwrapVocabulary as UnwrapRules
from .text import JUNCTIONS, VERTICAL, columns_encoded, join_lines

# ---------------------------------------------------------------- thresholds

#: Lines narrower than this (display columns) are never taken as full lines (titles, headings, signatures).
MIN_FULL_WIDTH = 30
#: A full line may fall this many display columns short of (or over) the page's line width: a first line
#: indented two characters, half-width digits, punctuation printed half-width by the capture.
WIDTH_TOLERANCE = 4
#: The first line of a paragraph is indented two characters (stripped with the line's blank space).
FIRST_LINE_INDENT = 4
#: A PDF page has at least this many full lines ...
MIN_FULL_LINES = 6
#: ... making up at least this share of its lines at least MIN_FULL_WIDTH wide ...
MIN_FULL_SHARE = 0.5
#: ... and at least this share of the full lines end mid-sentence. Tuned on the sample and the corpus
#: captures (one paragraph per line: the share is near 0) and the PDF fixtures (above 0.6).
MIN_OPEN_SHARE = 0.5


#: Punctuation a capture prints half-width where the PDF printed it full-width (，→ ,).
_NARROWED = b",;:!?()"


def typeset_width(line: str) -> int:
    """Display width of a line as typeset: ASCII , ; : ! ? ( ) count as the full-width marks they stand for.

    >>> typeset_width("增长7%,完成"), typeset_width("增长7%，完成")
    (12, 12)
    """
    encoded = columns_encoded(line)  # a byte a column; the marks are ASCII bytes: counted in C
    return 2 * len(encoded) - len(encoded.translate(None, _NARROWED))


def full_width(widths: Sequence[int]) -> int | None:
    """The width of a full line when the lines look PDF-extracted by their widths alone, else None.

    The most common width (within WIDTH_TOLERANCE) among the lines at least
    MIN_FULL_WIDTH wide, when at least MIN_FULL_LINES lines and MIN_FULL_SHARE of
    those lines have it.

    >>> full_width([56, 56, 54, 56, 52, 56, 20, 56, 8])
    56
    >>> full_width([120, 64, 88, 230, 56, 140, 40]) is None
    True
    """
    wide = sorted(w for w in widths if w >= MIN_FULL_WIDTH)
    # the best width needs `least` lines within WIDTH_TOLERANCE of it: `least` consecutive sorted widths
    # that close together. Most pages (one paragraph per line) have none, proved by one pass in C over
    # the sorted widths, without the counts below
    least = max(MIN_FULL_LINES, math.ceil(MIN_FULL_SHARE * len(wide)))
    if len(wide) < least or min(map(operator.sub, wide[least - 1:], wide)) > WIDTH_TOLERANCE:
        return None
    counts = Counter(wide)
    near = {w: sum(counts.get(v, 0) for v in range(w - WIDTH_TOLERANCE, w + 1)) for w in counts}
    width = max(counts, key=lambda w: (near[w], counts[w], w))
    if near[width] < MIN_FULL_LINES or near[width] < MIN_FULL_SHARE * len(wide):
        return None
    return width


def _is_full(w: int, width: int, indent: int = 0) -> bool:
    return width - WIDTH_TOLERANCE - indent <= w <= width + WIDTH_TOLERANCE


def _open(line: str, ur: UnwrapRules) -> bool:
    """The line does not end a sentence, a clause or a bracket."""
    return not line.endswith(tuple(ur.line_ends))


def _indented_start(line: str, width: int, ur: UnwrapRules) -> bool:
    """An open line one indent short of full: the first line of a paragraph (its indent stripped).

    A line that continues a paragraph is full; one that ends it closes a sentence.
    """
    return _open(line, ur) and abs(typeset_width(line) - (width - FIRST_LINE_INDENT)) <= 1


def _boxed(line: str) -> bool:
    """A line of a text table drawn with rules (never measured, never joined)."""
    return line[0] in _BOX_STARTS


_BOX_STARTS = VERTICAL + JUNCTIONS


def _typeset_widths(lines: list[str]) -> list[int]:
    """:func:`typeset_width` of every line, 0 for a line too short to be full on any page.

    A character is at most two columns: a line too short to be full, even of the narrowest page
    (MIN_FULL_WIDTH - WIDTH_TOLERANCE), is not measured.

    >>> _typeset_widths(["增长7%,完成" * 3, "短", "增长7%，完成" * 3]), _typeset_widths(["€" * 20])
    ([36, 0, 36], [40])
    """
    shortest = (MIN_FULL_WIDTH - WIDTH_TOLERANCE + 1) // 2
    # all the lines in one encode, a byte a column (as typeset_width measures a line), then split
    encoded = columns_encoded("\n".join(lines))
    sizes = map(len, encoded.split(b"\n"))
    unmarked = map(len, encoded.translate(None, _NARROWED).split(b"\n"))
    return [2 * n - u if len(line) >= shortest else 0 for line, n, u in zip(lines, sizes, unmarked)]


def _depth(text: str, depth: int = 0) -> int:
    """Brackets left open after ``text``, from ``depth`` open before it: (牵头单位:区发改局;责任单位:…

    Counted line by line as a paragraph is joined (counting the whole paragraph again at every line
    made a paragraph that never closes its bracket quadratic).

    >>> _depth("(牵头单位:区发改局;责任单位:"), _depth("区财政局)", 1), _depth(")(", 0)
    (1, 0, 1)
    """
    for ch in text:
        if ch in "([（【［〔":
            depth += 1
        elif ch in ")]）】］〕" and depth:
            depth -= 1
    return depth


def _starts_element(line: str, ur: UnwrapRules) -> bool:
    return _boxed(line) or ur.any_start.match(line) or ur.role_label.match(line) is not None


def looks_pdf(lines: Sequence[str], ur: UnwrapRules) -> int | None:
    """The full line width when these lines look PDF-extracted, else None."""
    lines = [line for line in lines if line[0] not in _BOX_STARTS]  # not _boxed(line), without a call a line
    widths = _typeset_widths(lines)
    width = full_width(widths)
    if width is None:
        return None
    full = [line for line, w in zip(lines, widths) if _is_full(w, width)]
    if sum(_open(line, ur) for line in full) < MIN_OPEN_SHARE * len(full):
        return None
    return width


def _too_few_open(lines: list[str], ur: UnwrapRules) -> bool:
    """The page lines hold too few open lines for :func:`looks_pdf`, proved without measuring most lines (and
    without looking for page numbers everywhere).

    :func:`looks_pdf` wants MIN_OPEN_SHARE of the full lines open, and at least MIN_FULL_LINES and
    MIN_FULL_SHARE of the wide lines (MIN_FULL_WIDTH or more, neither boxed nor a page number) full: open
    lines at least MIN_OPEN_SHARE * MIN_FULL_LINES in number and MIN_OPEN_SHARE * MIN_FULL_SHARE of the
    wide lines, each at least MIN_FULL_WIDTH - WIDTH_TOLERANCE wide (half as many characters: a character
    is at most two columns). A page printing one paragraph a line closes nearly all of them: its open lines
    are counted, and just enough of its shortest wide-looking lines measured to outnumber them (measuring
    every line encodes the whole page; a zero-width character keeps a width from being read off a length).
    False when that proves nothing (the lines are then measured and asked for page numbers as before).

    >>> from pipeline.rules import load_rules
    >>> ur, closed = load_rules().unwrap, ["一二三四五六七八九十一二三四五六七八九十。"] * 12
    >>> _too_few_open(closed + ["一二三四五六七八九十一二三四五六七八九十"] * 3, ur), _too_few_open(closed[:8], ur)
    (True, True)
    >>> _too_few_open(closed[:8] + ["一二三四五六七八九十一二三四五六七八九十"] * 3, ur)
    False
    """
    ends = ur.line_ends  # (characters: the last one of a line asked, not every end of the line compared)
    shortest = (MIN_FULL_WIDTH - WIDTH_TOLERANCE + 1) // 2
    opens = sum(1 for line in lines if len(line) >= shortest and line[-1] not in ends)
    if opens < MIN_OPEN_SHARE * MIN_FULL_LINES:
        return True
    share = MIN_OPEN_SHARE * MIN_FULL_SHARE
    needed = math.floor(opens / share) + 1  # wide lines that outnumber the open lines (opens < share * needed)
    narrowest = (MIN_FULL_WIDTH + 1) // 2
    candidates = [line for line in lines if len(line) >= narrowest]
    if len(candidates) < needed:
        return False  # (a page of a few lines, or of short ones: too few could be wide to prove it)
    candidates.sort(key=len)
    wide = at = 0
    while wide < needed:  # the shortest first, as many at a time as are still wanted (most are wide)
        batch = candidates[at:at + needed - wide]
        if not batch:
            return False
        at += len(batch)
        batch = [line for line in batch if line[0] not in _BOX_STARTS]  # not _boxed(line)
        wide += sum(w >= MIN_FULL_WIDTH for w in _typeset_widths(_without_page_numbers(batch, ur)))
    return opens < share * wide


def _without_page_numbers(lines: list[str], ur: UnwrapRules) -> list[str]:
    """The lines that are not a page number (``— 2 —``)."""
    joined = ur.any_page_number.joined
    # most pages print none: proved by one search of all the lines, not a match call a line
    if joined is not None and _page_number_line(joined).search("\n" + "\n".join(lines) + "\n") is None:
        return lines
    return [line for line in lines if not ur.any_page_number.fullmatch(line)]


@lru_cache(maxsize=8)
def _page_number_line(page_number: regex.Pattern[str]) -> regex.Pattern[str]:
    """A page number between two newlines: found at every line that is one (and maybe across lines: the
    lines are then asked one by one)."""
    return regex.compile(r"\n(?:" + page_number.pattern + r")(?=\n)", page_number.flags)


def unwrap(page: Page, ur: UnwrapRules) -> Page:
    """The page with hard line breaks joined and page numbers dropped, if it looks PDF-extracted.

    Any other page is returned as it is (the same object).
    """
    lines = [b.text for b in page.blocks if b.kind == "p"]
    if _too_few_open(lines, ur):
        return page
    width = looks_pdf(_without_page_numbers(lines, ur), ur)
    if width is None:
        return page
    out: list[tuple[str, str, Cell | None]] = []
    last = ""  # the last physical line of the paragraph being joined ("" after a cell or a boxed line)
    first = True  # last is the first line of its paragraph (printed indented)
    depth = 0  # brackets left open by the paragraph being joined
    for b in page.blocks:
        if b.kind != "p":
            out.append((b.text, b.kind, b.cell))
            last = ""
            continue
        if ur.any_page_number.fullmatch(b.text):
            continue
        indent = FIRST_LINE_INDENT if first else 0
        # inside an open bracket a line break never ends anything but a numbered element can start
        in_bracket = bool(last) and depth > 0 and not _boxed(b.text) \
            and not ur.any_start.match(b.text)
        if in_bracket or (last and _is_full(typeset_width(last), width, indent) and _open(last, ur)
                          and not _starts_element(b.text, ur) and not _indented_start(b.text, width, ur)):
            out[-1] = (join_lines([out[-1][0], b.text]), "p", None)
            first = False
            depth = _depth(b.text, depth)
        else:
            out.append((b.text, "p", None))
            first = True
            depth = _depth(b.text)
        last = "" if _boxed(b.text) else b.text
    text, blocks = join_blocks(out)
    return replace(page, text=text, blocks=blocks)
