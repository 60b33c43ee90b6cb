"""Stage 3 — text blocks: the reader's view of the document, block boundaries kept.

Plain-text captures become one block per non-empty line; HTML goes through
:mod:`pipeline.html` (main content, markup rules, tables).
"""

from __future__ import annotations

from .errors import ContentError
from .records import Decoded, Page, join_blocks


def text_page(decoded: Decoded) -> Page:
    """One block per non-empty line of a plain-text capture."""
    lines = decoded.text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    text, blocks = join_blocks([(line, "p", None) for line in lines])
    return Page(source=decoded.source, text=text, blocks=blocks)


def to_page(decoded: Decoded) -> Page:
    if decoded.is_html:
        from .html import html_page

        page = html_page(decoded)
    else:
        page = text_page(decoded)
    if not page.blocks:
        raise ContentError("no text in the document", source=decoded.source)
    return page
