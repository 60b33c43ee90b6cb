"""Traditional script: read through a simplified copy, keep the printed characters.

Rules are written in simplified characters. A notice printed in traditional
script (or machine-converted on a mirror site) is matched through a
character-by-character traditional -> simplified copy made with OpenCC's
character table (``TSCharacters``, shipped with opencc-python-reimplemented).
The copy has exactly the printed text's length, so every offset found in it
points at the same printed characters; the writer then takes every span back
from the printed text.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import replace
from importlib import resources

from .records import Page

#: A page is read as traditional when at least this share of its Han characters convert.
TRADITIONAL_SHARE = 0.03
#: …and at least this many characters do (a simplified page with a stray 於 stays as it is).
TRADITIONAL_MIN_CHARS = 8

_LOCK = threading.Lock()
_TABLE: dict[int, str] | None = None


def _table() -> dict[int, str]:
    """ord(traditional) -> simplified, one character to one character (loaded once)."""
    global _TABLE
    with _LOCK:
        if _TABLE is None:
            text = resources.files("opencc").joinpath("dictionary/TSCharacters.txt").read_text("utf-8")
            table: dict[int, str] = {}
            for line in text.splitlines():
                trad, _, simp = line.partition("\t")
                first = simp.split(" ")[0] if simp else ""
                if len(trad) == 1 and len(first) == 1 and first != trad:
                    table[ord(trad)] = first
            _TABLE = table
        return _TABLE


def to_simplified(text: str) -> str:
    """Character-for-character simplified copy (same length).

    >>> to_simplified("市政府辦公室關於印發《工作報告》")
    '市政府办公室关于印发《工作报告》'
    """
    return text.translate(_table())


def is_traditional(text: str) -> bool:
    """True when enough of the page's Han characters are traditional forms.

    >>> is_traditional("市政府辦公室關於印發重點工作責任分解方案的通知，請認真貫徹執行"), is_traditional("市政府办公室关于印发的通知")
    (True, False)
    """
    table = _table()
    counts = Counter(text)  # one pass in C; the loops below run over distinct characters only
    changed = sum(n for ch, n in counts.items() if ord(ch) in table)
    if changed < TRADITIONAL_MIN_CHARS:
        return False
    han = sum(n for ch, n in counts.items() if "\u4e00" <= ch <= "\u9fff")
    return han > 0 and changed / han >= TRADITIONAL_SHARE


def simplified_page(page: Page) -> tuple[Page, str | None]:
    """The page to match rules on, and the printed text when it differs (None for simplified pages)."""
    if not is_traditional(page.text):
        return page, None
    blocks = tuple(replace(b, text=to_simplified(b.text)) for b in page.blocks)
    simple = to_simplified(page.text)
    assert len(simple) == len(page.text)
    return Page(page.source, simple, blocks, page.meta, page.n_recovered), page.text


def printed_span(printed: str | None, simple: str, start: int, end: int) -> str:
    """The printed characters of a span found in the simplified copy."""
    return (printed if printed is not None else simple)[start:end]

