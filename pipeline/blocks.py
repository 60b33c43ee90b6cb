"""Stage 3 — text blocks: the reader's view of the document, block boundaries kept.

Plain-text captures become one block per non-empty line; HTML goes through
:mod:`pipeline.html` (main content, markup rules, tables). Page chrome that a
text capture still carries (breadcrumb, release-date line, footer) is moved to
:class:`PageMeta`, so a capture and the HTML page it came from give the same text.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

import regex

from .errors import ContentError
from .records import Decoded, Page, PageMeta, join_blocks
from .rules import Rules
from .rules.patterns import key_chars, needed_chars, needed_words
from .rules.validate import AnyOf
from .text import is_traditional, to_simplified, traditional_in
from .texttables import find_text_tables
from .unwrap import unwrap

#: A block of a traditional capture is looked for this far ahead of the previous one in its simplified copy.
FIND_WINDOW = 4096
#: Chrome is looked for only this many lines from either end of a capture.
CHROME_WINDOW = 12

#: ``url: …`` then ``---``: the header of a saved capture (as in shared/corpus/text).
_CAPTURE_HEADER = regex.compile(r"\A\s*url:\s*(?P<url>\S+)\s*\n-{3,}\s*\n")


def _strip_chrome(lines: list[str], rules: Rules) -> tuple[list[str], dict[str, str], list[str]]:
    """Drop chrome lines near either end; return the kept lines, what they said, and the dropped lines.

    A line that is numbered like a task is never chrome (a task may well mention 版权所有), and a
    capture is never emptied: its only lines are read.
    """
    found: dict[str, str] = {}
    n = len(lines)
    gone: set[int] = set()
    dropped: list[str] = []
    chrome, unkeyed, keys = _any_chrome(rules.metadata.chrome_lines)
    # only the lines near either end are looked at (the lines between are kept as they are)
    for i in sorted(set(range(min(n, CHROME_WINDOW))) | set(range(max(0, n - CHROME_WINDOW), n))):
        s = lines[i].strip()
        # a task-like line is asked first: one short match, where the chrome patterns (.* …) read a
        # long numbered paragraph to its end; then the first chrome pattern that matches, asked of
        # them all in one call (its groups are in the match); a line holding no key word of the patterns
        # that need one is asked only the others (the .* patterns, which read the whole line, need one)
        if not s or _task_like(s, rules):
            continue
        if (found_at := (chrome if keys.search(s) else unkeyed).first(s)) is None:
            continue
        m = found_at[1]
        gone.add(i)
        dropped.append(s)
        published = m.groupdict().get("published")
        if published and "published" not in found:
            found["published"] = published
    keep = lines
    if gone:  # the few dropped lines taken out of a copy (not every line of the capture asked about)
        keep = lines.copy()
        for i in sorted(gone, reverse=True):
            del keep[i]
    if not any(line.strip() for line in keep):
        return lines, {}, []
    return keep, found, dropped


@lru_cache(maxsize=8)
def _any_chrome(patterns: tuple[regex.Pattern[str], ...]) -> tuple[AnyOf, AnyOf, re.Pattern[str]]:
    """The chrome-line patterns asked together; those of them that need no key asked together; and any
    of the keys (:func:`~pipeline.rules.targetrules.key_chars`, one search in C): a line holding none of
    them is matched by no pattern that needs one, so the first of the others to match is the first of
    all (of a rule table: made once).

    >>> from pipeline.rules import load_rules
    >>> every, unkeyed, keys = _any_chrome(load_rules().metadata.chrome_lines)
    >>> keys.search("版权所有") is not None, keys.search("当前位置：首页") is not None, unkeyed.first("版权所有") is None
    (True, True, True)
    """
    keys = [key_chars(needed_chars(p), needed_words(p)) for p in patterns]
    unkeyed = AnyOf([p for p, k in zip(patterns, keys) if not k])
    return AnyOf(patterns), unkeyed, re.compile("|".join(re.escape(k) for k in sorted(set().union(*keys))) or "(?!)")


def _task_like(line: str, rules: Rules) -> bool:
    """A line numbered like a task (1. / (一) / △): never page chrome (a footer's 主办单位: is)."""
    o = rules.outline
    return o.numbering[0].match(line)


def text_page(decoded: Decoded, rules: Rules) -> Page:
    """One block per non-empty line of a plain-text capture, chrome moved to PageMeta.

    Text tables become cell blocks (:mod:`pipeline.texttables`, told how many blank
    lines stood before each line), then PDF line breaks are joined (:mod:`pipeline.unwrap`).
    """
    raw = decoded.text
    if "\r" in raw:  # (most captures hold none: one scan, not two replace passes that copy nothing)
        raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    info: list[tuple[str, str]] = []
    if m := _CAPTURE_HEADER.match(raw):
        info.append(("url", m["url"]))
        raw = raw[m.end():]
    # a capture in traditional script is laid out on its simplified copy (table headers, chrome and
    # role words are written in simplified script); the printed characters are kept beside it
    # the capture is checked for traditional forms once, here: a capture with none tells the script
    # stage so (its page holds only pieces of the capture), which then skips the same check
    present = traditional_in(raw)
    no_traditional = not present
    printed = None if no_traditional or not is_traditional(raw, present) else raw
    if printed is not None:
        raw = to_simplified(raw)
    lines, found, dropped = _strip_chrome(raw.split("\n"), rules)
    text, blocks = join_blocks([(line, "p", None) for line in lines])
    meta = PageMeta(published=found.get("published"), info=tuple(info))
    page = Page(source=decoded.source, text=text, blocks=blocks, meta=meta, dropped=tuple(dropped),
                no_traditional=no_traditional)
    page = unwrap(find_text_tables(page, rules.flat_tables, blank_gaps(lines)), rules.unwrap)
    return page if printed is None else with_printed(page, raw, printed)


def with_printed(page: Page, simple: str, printed: str) -> Page:
    """``page`` (laid out on the simplified copy ``simple`` of ``printed``) with its printed characters.

    Each block is found in the simplified copy, in order, and takes the printed characters at that
    place; a block that is not a piece of it (lines joined by unwrap) takes the document's own
    character pairs. Offsets are those of ``page``: the two texts have the same length.
    """
    pairs: dict[str, set[str]] = {}
    for s_ch, p_ch in set(zip(simple, printed)):
        if s_ch != p_ch:
            pairs.setdefault(s_ch, set()).add(p_ch)
    unique = {a: next(iter(bs)) for a, bs in pairs.items() if len(bs) == 1}
    out, pos = [], 0
    for b in page.blocks:
        at = simple.find(b.text, pos, pos + len(b.text) + FIND_WINDOW)
        if at >= 0:
            out.append(printed[at:at + len(b.text)])
            pos = at + len(b.text)
        else:
            out.append("".join(unique.get(ch, ch) for ch in b.text))
    shown, _ = join_blocks([(t, b.kind, b.cell) for t, b in zip(out, page.blocks)])
    assert len(shown) == len(page.text)
    return replace(page, printed=shown)


def blank_gaps(lines: list[str]) -> list[int]:
    """For every non-blank line (every block of the page), the blank lines printed right before it.

    Tables copied as text print a blank line after each cell and one more for an empty cell:
    the count is what tells them apart once the blank lines are gone.

    >>> blank_gaps(["序号", "", "1", "", "", "甲", " ", "乙"])
    [0, 1, 2, 1]
    """
    out: list[int] = []
    blank = 0
    for line in lines:
        if line.strip():
            out.append(blank)
            blank = 0
        else:
            blank += 1
    return out


def to_page(decoded: Decoded, rules: Rules) -> Page:
    """The document's text blocks (HTML or plain text)."""
    if decoded.is_html:
        from .html import html_page

        page = html_page(decoded, rules.html)
    else:
        page = text_page(decoded, rules)
    if not page.blocks:
        raise ContentError("no text in the document", source=decoded.source)
    return page
