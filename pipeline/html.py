"""HTML pages to text blocks (placeholder: block tags of <body> only; issue 3 completes it)."""

from __future__ import annotations

from bs4 import BeautifulSoup

from .records import Decoded, Page, PageMeta, join_blocks

_BLOCK = {"p", "div", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "br", "table"}


def html_page(decoded: Decoded) -> Page:
    soup = BeautifulSoup(decoded.text, "lxml")
    for tag in soup(["script", "style", "noscript"]):
        tag.decompose()
    title = soup.title.get_text(strip=True) if soup.title else None
    texts: list[str] = []
    buf: list[str] = []
    body = soup.body or soup
    for el in body.descendants:
        if getattr(el, "name", None) in _BLOCK:
            texts.append("".join(buf))
            buf = []
        elif isinstance(el, str) and not getattr(el, "name", None):
            buf.append(str(el))
    texts.append("".join(buf))
    text, blocks = join_blocks([(t, "p", None) for t in texts])
    return Page(source=decoded.source, text=text, blocks=blocks, meta=PageMeta(title=title))
