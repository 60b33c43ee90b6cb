"""Stage 4 — script: a notice printed in traditional script is read through a simplified copy.

Rules are written in simplified characters. A notice printed in traditional
script (or machine-converted on a mirror site) gets a character-by-character
traditional -> simplified copy made with OpenCC's character table
(``TSCharacters``, shipped with opencc-python-reimplemented). The copy has
exactly the printed text's length, so every offset found in it points at the
same printed characters: the page keeps both (``Page.text`` is the copy,
``Page.printed`` the original), every later stage matches on the copy, and the
values written out are sliced from the printed text. This stage runs before
repair, so repairs and findings do not depend on the script a notice is in.

A value built from the document's words (a repaired 文号, a title completed from
the page title) is turned back into the printed script with the document's own
character pairs (:func:`printed_form`): only a character the document itself
prints in traditional form is converted back.
"""

from __future__ import annotations

from dataclasses import replace

from .records import Block, Page
from .text import is_traditional, to_simplified, traditional_in


def simplified(page: Page) -> Page:
    """The stage: a traditional-script page as its simplified copy (``printed`` keeps the original).

    A page in simplified script is returned as it is (without a second look when the page was
    found to hold no traditional form as it was read); a page found here to hold none is marked so
    (:attr:`Page.no_traditional`: the targets stage then makes no simplified copy of its text).
    """
    if page.printed is not None or page.no_traditional:
        return page
    if not (present := traditional_in(page.text)):
        return replace(page, no_traditional=True)
    if not is_traditional(page.text, present):
        return page
    blocks = tuple(replace(b, text=to_simplified(b.text)) for b in page.blocks)
    simple = to_simplified(page.text)
    meta = page.meta
    meta = replace(meta, title=to_simplified(meta.title) if meta.title else meta.title,
                   info=tuple((to_simplified(k), to_simplified(v)) for k, v in meta.info))
    return replace(page, text=simple, blocks=blocks, meta=meta, printed=page.text)


def printed_pairs(page: Page) -> dict[str, str]:
    """simplified character -> the traditional form the document prints for it (only unambiguous pairs)."""
    if page.printed is None:
        return {}
    seen: dict[str, set[str]] = {}
    for s, p in set(zip(page.text, page.printed)):
        if s != p:
            seen.setdefault(s, set()).add(p)
    return {s: next(iter(ps)) for s, ps in seen.items() if len(ps) == 1}


def printed_form(value: str | None, pairs: dict[str, str]) -> str | None:
    """``value`` (read on the simplified copy) in the script the document is printed in.

    >>> printed_form("关于印发", {"关": "關", "发": "發"}), printed_form("关于", {}), printed_form(None, {})
    ('關于印發', '关于', None)
    """
    if value is None or not pairs:
        return value
    return "".join(pairs.get(ch, ch) for ch in value)


def printed_value(value: str | None, page: Page, pairs: dict[str, str]) -> str | None:
    """A value read on the simplified copy, as printed: the printed characters where the value
    stands in the text, else converted with the document's own character pairs."""
    if value is None or page.printed is None:
        return value
    at = page.text.find(value)
    if at >= 0:
        return page.printed[at:at + len(value)]
    return printed_form(value, pairs)


def printed_edit(before: str, shown: str, after: str, pairs: dict[str, str]) -> str:
    """The printed form of a repair's ``after``: characters kept from ``before`` keep their printed
    form (``shown``, same length as ``before``); inserted characters take the document's pairs.

    >>> printed_edit("港政发〔20251", "港政發〔20251", "港政发〔2025〕1号", {"号": "號"})
    '港政發〔2025〕1號'
    """
    from difflib import SequenceMatcher

    out = list(printed_form(after, pairs) or "")
    for a, b, n in SequenceMatcher(None, before, after, autojunk=False).get_matching_blocks():
        out[b:b + n] = shown[a:a + n]
    return "".join(out)


def printed_block(page: Page, block: Block) -> str:
    """A block's characters as printed."""
    return page.printed_text[block.start:block.end]
