"""Stage 3 (HTML) — a CMS article page to text blocks, as a reader sees them.

The steps of :func:`html_page`, in order:

1. **Word fallbacks** — unwrap Word's conditional comments: the text of a VML
   text box (``<!--[if gte vml 1]>…<v:textbox>…<![endif]-->``) or, failing
   that, the ``alt`` of the ``<![if !vml]><img>`` fallback is kept, once.
2. **Parse** with lxml (the decoded characters, re-encoded as UTF-8, so a
   stale ``<meta charset>`` cannot re-decode them).
3. **Metadata** — ``<meta name=ArticleTitle|PubDate|ContentSource|SiteName>``
   and the info table's label/value pairs (索引号, 发文机关, 文号, 成文日期 …).
4. **Article body** — the first known CMS container (TRS_Editor, #zoom,
   .article-content, article, #content …), else the element with the most
   paragraph text (a text-density score).
5. **Title** — the headline printed above the body (h1 / .title) when it
   repeats the page's title: the first block, kind "title".
6. **Walk** — what a reader does not see is dropped (scripts, styles,
   ``display:none``, ``mso-hide:all``, ``<del>``, share widgets); block tags
   and ``<br>`` end a block, inline runs are joined with nothing between them;
   every table cell is one block carrying its :class:`~pipeline.records.Cell`
   (paragraphs or ``<br>`` inside a cell are kept as "\\n" within its text).
7. **Whitespace** — spaces between CJK characters that are not plain ASCII
   spaces vanish (NBSP, U+2002, U+3000, source line breaks), other runs become
   one space; blocks are joined with "\\n" (:func:`~pipeline.records.join_blocks`).
"""

from __future__ import annotations

import html as _html
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from lxml import etree

from .errors import ContentError
from .records import Cell, Decoded, Page, PageMeta, join_blocks
from .rules.sets import HtmlRules

# --------------------------------------------------------------------------
# HTML semantics and thresholds (tuned on the four real CMS pages of
# shared/corpus/html, the sample notice's page and tests/fixtures/html);
# the CMS vocabulary (containers, chrome, info labels) is rules/html.toml
# --------------------------------------------------------------------------

#: A container with fewer characters than this is empty (its text is elsewhere, e.g. loaded by script).
MIN_BODY_CHARS = 2

#: Elements a reader never sees as text.
SKIP_TAGS = frozenset({
    "script", "style", "noscript", "template", "head", "title", "iframe", "object", "embed",
    "svg", "canvas", "video", "audio", "map", "button", "select", "input", "textarea", "form",
    "nav", "del",
})

#: Tags that start and end a block.
BLOCK_TAGS = frozenset({
    "p", "div", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6",
    "tr", "td", "th", "table", "thead", "tbody", "tfoot", "caption", "blockquote", "pre",
    "section", "article", "header", "footer", "main", "address", "center", "hr", "fieldset",
    "figure", "figcaption", "fenjie-vml", "body", "html",
})

#: An info pair's text is short; longer elements are containers, not pairs.
MAX_INFO_TEXT = 120

#: libxml2 drops whatever is nested deeper than this (silently): a page that deep is refused, never cut.
#: Real CMS pages nest 20-60 levels.
MAX_DEPTH = 255

#: Cap on rowspan/colspan (a malformed colspan="10000" must not allocate a huge grid).
MAX_SPAN = 200

# --------------------------------------------------------------------------
# Word conditional comments (step 1)
# --------------------------------------------------------------------------

#: A downlevel-hidden VML block (only IE renders it): this opening, the block, the first VML_CLOSE after it,
#: then maybe its downlevel-revealed fallback (what every other browser renders): FALLBACK_OPEN, the
#: fallback, the first FALLBACK_CLOSE after it. The pairs are found by :func:`_enclosed` (never by one
#: pattern with ``.*?``, which read to the end of the page from every opening that is never closed).
VML_OPEN = re.compile(r"<!--\[if\ [^\]]{0,80}?(?<!!)\bvml\b[^\]]{0,80}\]>", re.X | re.I)  # <!--[if gte vml 1]>
VML_CLOSE = re.compile(r"<!\[endif\]\s*-->", re.I)
FALLBACK_OPEN = re.compile(r"<!\[if\ !vml\]>", re.X | re.I)
FALLBACK_CLOSE = re.compile(r"<!\[endif\]>", re.I)
#: Blanks between a VML block and its fallback.
_BLANKS = re.compile(r"\s*")

#: One VML text box: its opening tag, its content, the first closing tag after it.
TEXTBOX_OPEN = re.compile(r"<v:textbox\b[^>]*>", re.I)
TEXTBOX_CLOSE = re.compile(r"</v:textbox>", re.I)


def _enclosed(text: str, opening: re.Pattern[str], closing: re.Pattern[str],
              pos: int = 0) -> tuple[re.Match[str], re.Match[str]] | None:
    """The first ``opening`` at or after ``pos`` and the first ``closing`` after it (what
    ``opening.*?closing`` with re.S finds first), or None. Each call reads ``text`` once from ``pos``:
    an opening that is never closed ends the search (no later opening can be closed either).

    >>> o, c = _enclosed("a<b>x</b><b>y", re.compile("<b>"), re.compile("</b>"))
    >>> o.start(), c.end(), _enclosed("a<b>x", re.compile("<b>"), re.compile("</b>"))
    (1, 9, None)
    """
    o = opening.search(text, pos)
    if o is None:
        return None
    c = closing.search(text, o.end())
    return (o, c) if c is not None else None


#: Any other conditional marker left inside a text box (<![if !mso]> … <![endif]>).
COND_MARKER = re.compile(r"<!\[(?:if\ [^\]]*|endif)\]>", re.X | re.I)

#: An <img> start tag (to mark fallback images whose alt is recoverable).
IMG_TAG = re.compile(r"<img\b", re.I)

RECOVERED_ATTR = "data-fenjie-recovered"

#: The tag a one-line text box becomes: inline, so it joins the text of its paragraph.
INLINE_BOX = "fenjie-box"

# --------------------------------------------------------------------------
# Whitespace (step 7)
# --------------------------------------------------------------------------

#: Characters rendered full-width in Chinese text: between two of them, a
#: space that is not a plain ASCII space is layout, not text.
_WIDE = (r"\u1100-\u115f\u2e80-\u2fff\u3001-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff"
         r"\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6"
         r"\U00020000-\U0003fffd\u2014\u2018\u2019\u201c\u201d\u2026\u00b7")
WIDE_CHAR = re.compile(f"[{_WIDE}]")

#: Invisible characters that are never text (zero-width space, BOM, soft hyphen).
INVISIBLE = re.compile("[\u200b\ufeff\u00ad]")

#: A run of whitespace (Python's \s covers NBSP, U+2000–U+200A, U+3000 …).
SPACE_RUN = re.compile(r"\s+")


def normalize_space(text: str) -> str:
    r"""Whitespace as a reader sees it, stripped.

    Between two CJK characters a run of whitespace vanishes when it holds a
    line break (source formatting) or only non-ASCII spaces (NBSP, U+2002,
    U+3000: layout); a run with a typed ASCII space, and every run elsewhere,
    becomes one space.

    >>> normalize_space("区\u00a0科经\u3000局")
    '区科经局'
    >>> normalize_space(" 1号 黄石港区\n\t人民政府 ")
    '1号 黄石港区人民政府'
    >>> normalize_space("区人社局;\u00a0\u00a0责任单位  A")
    '区人社局; 责任单位 A'
    >>> normalize_space("万载县统计局\u2002\u2002 国家统计局")
    '万载县统计局 国家统计局'
    """
    stripped = text.strip()  # str.strip and SPACE_RUN know the same whitespace
    if stripped.isprintable() and " " not in stripped:
        return stripped  # no invisible character and no blank inside (they are unprintable, but " ")
    text = INVISIBLE.sub("", text)
    stripped = text.strip()
    if not SPACE_RUN.search(stripped):
        return stripped  # nothing to collapse inside: the runs at either end only go

    def one(m: re.Match[str]) -> str:
        s, e = m.start(), m.end()
        run = m.group()
        if (0 < s and e < len(text) and WIDE_CHAR.match(text[s - 1]) and WIDE_CHAR.match(text[e])
                and ("\n" in run or "\r" in run or " " not in run)):
            return ""
        return " "

    return SPACE_RUN.sub(one, text).strip()


# --------------------------------------------------------------------------
# Step 1: Word fallbacks
# --------------------------------------------------------------------------


def _fragment_lines(markup: str, source: str | None = None) -> list[str]:
    """The block texts of an HTML fragment (used for VML text boxes and fallbacks)."""
    markup = COND_MARKER.sub("", markup)
    if not markup.strip():
        return []
    root = parse(f"<html><body><div>{markup}</div></body></html>", source).find("body/div")
    if root is None:
        return []
    walker = _Walker(recover_alt=False)
    walker.walk(root)
    walker.flush()
    return [t for t, _, _ in walker.out]


def unwrap_word_fallbacks(markup: str, source: str | None = None) -> str:
    """Replace Word's VML blocks by the one rendering whose text a reader should get.

    * fallback with visible text -> the fallback (the VML box is its duplicate);
    * else VML text box text -> that text, marked recovered (fallback image dropped);
    * else -> the fallback, its images marked so their ``alt`` is recovered.

    A box (or a visible fallback) of one line is inline text of the paragraph it stands in
    (a 文号 or a date printed partly in text boxes); a box of several lines stays a block.

    >>> s = ('<p>港政发〔2025<!--[if gte vml 1]><v:shape><v:textbox><p>〕1号</p></v:textbox>'
    ...      '</v:shape><![endif]--><![if !vml]><img alt="〕1号"><![endif]></p>')
    >>> unwrap_word_fallbacks(s)
    '<p>港政发〔2025<fenjie-box data-fenjie-recovered="1">〕1号</fenjie-box></p>'
    >>> unwrap_word_fallbacks('<![if !vml]><img src="a.gif" alt="甲"><![endif]>')
    '<img data-fenjie-recovered="1" src="a.gif" alt="甲">'
    """

    def mark_images(fallback: str) -> str:
        return IMG_TAG.sub(f'<img {RECOVERED_ATTR}="1"', fallback)

    def vml(block: str, fallback: str) -> str:
        if fallback and (shown := _fragment_lines(fallback, source)):
            # one line of visible fallback text stands in its paragraph, as the box did
            return f"<{INLINE_BOX}>{_html.escape(shown[0], quote=False)}</{INLINE_BOX}>" if len(shown) == 1 else fallback
        lines = [line for box in _boxes(block) for line in _fragment_lines(box, source)]
        if len(lines) == 1:  # a one-line text box is inline text: 塞政发〔2024 + 〕3号, 2024 + 年 + 2月5 + 日
            return f'<{INLINE_BOX} {RECOVERED_ATTR}="1">{_html.escape(lines[0], quote=False)}</{INLINE_BOX}>'
        if lines:
            body = "<br>".join(_html.escape(line, quote=False) for line in lines)
            return f'<fenjie-vml {RECOVERED_ATTR}="1">{body}</fenjie-vml>'
        return mark_images(fallback)

    if not _conditional_in(markup):  # a page without Word's conditional comments is searched in C, not by the patterns
        return markup
    out: list[str] = []
    pos = 0
    unclosed_from = len(markup) + 1  # no FALLBACK_CLOSE stands at or after this (found once, not per block)
    while (found := _enclosed(markup, VML_OPEN, VML_CLOSE, pos)) is not None:
        o, c = found
        end, fallback = c.end(), ""
        blanks = _BLANKS.match(markup, end)
        f = FALLBACK_OPEN.match(markup, blanks.end() if blanks else end)
        if f and f.end() < unclosed_from:
            if fc := FALLBACK_CLOSE.search(markup, f.end()):
                end, fallback = fc.end(), markup[f.end():fc.start()]
            else:
                unclosed_from = f.end()
        out += [markup[pos:o.start()], vml(markup[o.end():c.start()], fallback)]
        pos = end
    markup = "".join(out) + markup[pos:]
    out, pos = [], 0
    while (found := _enclosed(markup, FALLBACK_OPEN, FALLBACK_CLOSE, pos)) is not None:
        o, c = found
        out += [markup[pos:o.start()], mark_images(markup[o.end():c.start()])]
        pos = c.end()
    return "".join(out) + markup[pos:]


#: What "<!--[" and "<![" (where VML_OPEN and FALLBACK_OPEN begin: no letter, no case to ignore) hold after
#: their "<". A search from "!", a rare character in markup, runs in C past most of a page; a search for
#: "<!--[" or "<![" stops at every tag (twice as dear on the sample page, a scan for each).
_BANG_BRACKET = re.compile(r"!(?:--)?\[")


def _conditional_in(markup: str) -> bool:
    """Does ``markup`` hold "<!--[" or "<![" (a conditional comment may open there)?

    >>> _conditional_in("<p>a</p><!--[if gte vml 1]>"), _conditional_in("<![if !vml]>"), _conditional_in("<!DOCTYPE html><p>![x]</p>")
    (True, True, False)
    """
    found = _BANG_BRACKET.search(markup)
    while found is not None:
        if found.start() and markup[found.start() - 1] == "<":
            return True
        found = _BANG_BRACKET.search(markup, found.start() + 1)
    return False


def _boxes(block: str) -> list[str]:
    """The contents of the VML text boxes of one block, in order."""
    boxes, pos = [], 0
    while (found := _enclosed(block, TEXTBOX_OPEN, TEXTBOX_CLOSE, pos)) is not None:
        boxes.append(block[found[0].end():found[1].start()])
        pos = found[1].end()
    return boxes


# --------------------------------------------------------------------------
# Step 6: the walker
# --------------------------------------------------------------------------


def _tag(el: etree._Element) -> str:
    tag = el.tag
    return tag.lower() if isinstance(tag, str) else ""


def _hidden(el: etree._Element) -> bool:
    """True when the element's own style or attributes hide it."""
    if not el.attrib:
        return False
    if el.get("hidden") is not None:
        return True
    style = el.get("style")
    if not style:
        return False
    style = style.replace(" ", "").lower()
    return "display:none" in style or "mso-hide:all" in style or "visibility:hidden" in style


def _names(el: etree._Element) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''}"


def _is_chrome(el: etree._Element, rules: HtmlRules) -> bool:
    return _tag(el) in rules.chrome_tags or (bool(el.attrib) and _chrome_name(_names(el), rules))


def _chrome_name(names: str, rules: HtmlRules) -> bool:
    """``rules.is_chrome_name(names)``: does a class/id string name page chrome?"""
    return rules.is_chrome_name(names)


def _span(value: str | None) -> int:
    try:
        n = int((value or "1").strip().rstrip(";"))
    except ValueError:
        return 1
    return min(max(n, 1), MAX_SPAN)


#: The tags the walk reads apart: a line break, an image (its alt), a table (its cells).
_SPECIAL_TAGS = frozenset({"br", "img", "table"})
#: The tags the walk does more with than collect their text: the others are inline (span, a, font, o:p …).
_ACTIVE_TAGS = _SPECIAL_TAGS | BLOCK_TAGS
#: The walk's kind for any other tag (no tag holds a blank).
_INLINE = " inline"


@dataclass
class _Walker:
    """Collects (text, kind, cell) blocks from an element tree, and the recovered characters of each block
    that holds any (most hold none: no count is kept for them)."""

    recover_alt: bool = True  # read alt of marked fallback images
    chrome: HtmlRules | None = None  # drop page chrome (share widgets …) named by these rules (inside the article)
    flatten_tables: bool = False  # cells as plain blocks (inside a table cell)
    n_tables: int = 0  # data tables seen so far
    out: list[tuple[str, str, Cell | None]] = field(default_factory=list)
    recovered: dict[int, int] = field(default_factory=dict)  # index in out -> recovered characters (when any)
    _buf: list[str] = field(default_factory=list)
    _rec: int = 0  # recovered characters in the current buffer
    _attrs: dict[tuple[tuple[str, str], ...], tuple[bool, bool]] = field(default_factory=dict)  # see _read_attrs
    _skip: frozenset[str] = SKIP_TAGS  # tags never read: SKIP_TAGS and the chrome tags
    _kinds: dict[object, str] = field(default_factory=dict)  # each tag met and its kind (see _kind_of)

    def __post_init__(self) -> None:
        if self.chrome is not None:
            self._skip = SKIP_TAGS | self.chrome.chrome_tags

    def flush(self, kind: str = "p") -> None:
        if not self._buf:  # nothing collected since the last block
            self._rec = 0
            return
        text = normalize_space("".join(self._buf))
        if text:
            if self._rec:
                self.recovered[len(self.out)] = min(self._rec, len(text))
            self.out.append((text, kind, None))
        self._buf.clear()
        self._rec = 0

    def add(self, text: str | None, recovered: bool = False) -> None:
        if text:
            self._buf.append(text)
            if recovered:
                self._rec += len(SPACE_RUN.sub("", text))

    def _read_attrs(self, el: etree._Element, items: list[tuple[str, str]]) -> tuple[bool, bool]:
        """(hidden or named as chrome, marked as recovered): what the walk reads from an element's attributes.

        Decided once per set of attributes (a page repeats a few: a Word export styles every span alike):
        the chrome names are a long pattern, searched once per class and id.
        """
        chrome = self.chrome
        skip = _hidden(el) or (chrome is not None and _chrome_name(_names(el), chrome))
        found = self._attrs[tuple(items)] = (skip, el.get(RECOVERED_ATTR) is not None)
        return found

    def _kind_of(self, raw: object) -> str:
        """What the walk does with an element of tag ``raw``: "" skips it (a comment, a processing instruction,
        a tag never read), _INLINE collects its text, else the tag (in lower case) is one of _ACTIVE_TAGS."""
        if not isinstance(raw, str):
            return ""
        tag = raw.lower()
        return "" if tag in self._skip else tag if tag in _ACTIVE_TAGS else _INLINE

    def walk(self, el: etree._Element, recovered: bool = False) -> None:
        """Text of ``el`` and its descendants (not its tail)."""
        raw = el.tag
        # one lookup per element (a page uses a few tags): what to do with it is decided once per tag
        if (tag := self._kinds.get(raw)) is None:
            tag = self._kinds[raw] = self._kind_of(raw)
        if not tag:
            return
        inline = tag is _INLINE  # most elements are spans, neither read apart nor a block
        if inline:
            text = el.text  # each read of .text or .tail decodes the string anew: read once
            if text is None and not len(el):
                return  # an inline leaf without text (an empty span, Word's <o:p>) adds nothing, whatever its attributes
        if items := el.items():
            # the memo is looked up here, not in _read_attrs: most elements repeat a set of attributes
            found = self._attrs.get(tuple(items)) or self._read_attrs(el, items)
            if found[0]:
                return
            recovered = recovered or found[1]
        if not inline:  # a block, or one of the tags read apart
            if tag in _SPECIAL_TAGS:
                if tag == "br":
                    self.flush()
                    return
                if tag == "img":
                    if self.recover_alt and (el.get(RECOVERED_ATTR) is not None or el.get("v:shapes")):
                        self.add(el.get("alt"), recovered=True)
                    return
                if not self.flatten_tables and _is_data_table(el):
                    self.flush()
                    self._table(el, recovered)
                    return
            if self._buf:  # (every other tag of _ACTIVE_TAGS is a block tag; most follow a flushed one)
                self.flush()
            text = el.text
        if recovered:
            self.add(text, True)
            for child in el[:]:
                self.walk(child, True)
                self.add(child.tail, True)
        else:  # add() inlined: most of a page is not recovered text
            # blank space opening a block is never its text (flush strips it): it is not collected, so the blank
            # lines between block tags leave the buffer empty, and flush has no text to normalize
            buf = self._buf
            if text and (buf or not text.isspace()):
                buf.append(text)
            if len(el):  # a leaf (most spans of a Word export) builds no child list
                for child in el[:]:  # a slice is made in C: lxml's child iterator costs more than the list
                    self.walk(child, False)
                    if (tail := child.tail) and (buf or not tail.isspace()):
                        buf.append(tail)
        if not inline:
            self.flush()

    def _table(self, table: etree._Element, recovered: bool) -> None:
        index = self.n_tables
        self.n_tables += 1
        for r, c, rowspan, colspan, header, td in _table_cells(table):
            inner = _Walker(recover_alt=self.recover_alt, chrome=self.chrome, flatten_tables=True)
            inner.walk(td, recovered)
            inner.flush()
            text = "\n".join(t for t, _, _ in inner.out)
            if text:
                if inner.recovered:
                    self.recovered[len(self.out)] = sum(inner.recovered.values())
                # Cell(table, row, col, rowspan, colspan, header): built by position (by keyword costs more per cell)
                self.out.append((text, "cell", Cell(index, r, c, rowspan, colspan, header)))


def _rows(table: etree._Element) -> Iterator[tuple[etree._Element, bool]]:
    """The table's own rows (not a nested table's), with "in <thead>"."""
    for child in table:
        tag = _tag(child)
        if tag == "tr":
            yield child, False
        elif tag in ("thead", "tbody", "tfoot"):
            for tr in child:
                if _tag(tr) == "tr":
                    yield tr, tag == "thead"


def _table_cells(table: etree._Element) -> Iterator[tuple[int, int, int, int, bool, etree._Element]]:
    """(row, col, rowspan, colspan, header, td) of every cell, in reading order.

    Columns are counted after the spans of earlier rows, as a browser lays them out.
    """
    taken: set[tuple[int, int]] = set()
    for r, (tr, in_head) in enumerate(_rows(table)):
        if _hidden(tr):
            continue
        c = 0
        for td in tr:
            if _tag(td) not in ("td", "th") or _hidden(td):
                continue
            while (r, c) in taken:
                c += 1
            rowspan, colspan = _span(td.get("rowspan")), _span(td.get("colspan"))
            for dr in range(rowspan):
                for dc in range(colspan):
                    taken.add((r + dr, c + dc))
            yield r, c, rowspan, colspan, in_head or _tag(td) == "th", td
            c += colspan


def _is_data_table(table: etree._Element) -> bool:
    """A grid of at least two rows and two columns without nested tables (else layout)."""
    rows = list(_rows(table))
    if len(rows) < 2:
        return False
    if any(_tag(t) == "table" for t in table.iterdescendants()):
        return False
    return max(sum(_span(td.get("colspan")) for td in tr if _tag(td) in ("td", "th"))
               for tr, _ in rows) >= 2


# --------------------------------------------------------------------------
# Steps 3-5: metadata, body, title
# --------------------------------------------------------------------------

#: Any short "label:" (the next element is another label, not a value).
ANY_LABEL = re.compile(r"[^\s:：]{1,8}\s*[:：]")


def _text(el: etree._Element) -> str:
    """Visible text of an element, whitespace-normalized (scripts and hidden parts skipped)."""
    walker = _Walker(recover_alt=False, flatten_tables=True)
    walker.walk(el)
    walker.flush()
    return " ".join(t for t, _, _ in walker.out)


def info_pairs(text: str, rules: HtmlRules) -> list[tuple[str, str]]:
    """Split ``label:value label:value`` text into pairs (labels without spaces).

    >>> from pipeline.rules import load_rules
    >>> r = load_rules().html
    >>> info_pairs("索 引 号：0147/2023-003 发布日期：2023-04-18", r)
    [('索引号', '0147/2023-003'), ('发布日期', '2023-04-18')]
    >>> info_pairs("发布时间:", r)
    [('发布时间', '')]
    """
    marks = [m for m in rules.info_label.finditer(text)]
    if not marks or marks[0].start() != 0:
        return []
    pairs = []
    for m, nxt in zip(marks, marks[1:] + [None]):
        value = text[m.end(): nxt.start() if nxt else len(text)].strip()
        pairs.append((SPACE_RUN.sub("", m.group("label")), value))
    return pairs


def _info(root: etree._Element, body: etree._Element | None, rules: HtmlRules) -> tuple[tuple[str, str], ...]:
    """Label/value pairs of the page's info table, outside the article body.

    A pair starts at an element whose own text opens with a label; its value
    follows in the same element, in its tail, or in the next element.
    """
    found: list[tuple[str, str]] = []
    for el in _outside(root, body):
        head = el.text
        if not head or ("：" not in head and ":" not in head) or not isinstance(el.tag, str):
            continue
        head = head.lstrip()
        if not rules.info_label.match(head) or _tag(el) in SKIP_TAGS:
            continue
        text = _text(el)
        if len(text) > MAX_INFO_TEXT:
            continue
        pairs = info_pairs(text, rules)
        if len(pairs) == 1 and not pairs[0][1]:
            pairs = [(pairs[0][0], _value_after(el, text))]
        for pair in pairs:
            if pair[1] and pair not in found:
                found.append(pair)
    return tuple(found)


def _outside(root: etree._Element, body: etree._Element | None) -> Iterator[etree._Element]:
    """The nodes of ``root`` that do not stand in ``body``, in document order (the body, most of a page,
    is stepped over, not read node by node).

    >>> root = etree.fromstring("<a><b/><c><d/></c><e/></a>")
    >>> [el.tag for el in _outside(root, root.find("c"))], len(list(_outside(root, None)))
    (['a', 'b', 'e'], 5)
    """
    if body is None:
        yield from root.iter()
        return
    for el in root.iter():  # what precedes the body: its ancestors and what stands before it
        if el is body:
            break
        yield el
    node: etree._Element | None = body
    while node is not None:  # what follows it: its siblings' subtrees, then its ancestors' siblings'
        for sib in node.itersiblings():
            yield from sib.iter()
        node = node.getparent()


def _value_after(el: etree._Element, label_text: str) -> str:
    """The value printed after a label-only element: its tail, or the next element."""
    node = el
    while node is not None:
        tail = normalize_space(node.tail or "")
        if tail:
            return tail
        sib = node.getnext()
        while sib is not None and not _tag(sib):
            sib = sib.getnext()
        if sib is not None:
            value = _text(sib)
            return "" if ANY_LABEL.match(value) else value
        parent = node.getparent()
        if parent is None or _text(parent) != label_text:
            return ""
        node = parent
    return ""


def _meta(root: etree._Element, rules: HtmlRules) -> dict[str, str]:
    meta: dict[str, str] = {}
    for el in root.iter("meta"):
        name = (el.get("name") or "").strip().lower()
        key = rules.meta_fields.get(name)
        if not key or key in meta:
            continue  # a meta the page metadata does not read (keywords, description …): its content is not
        value = normalize_space(el.get("content") or "")  # read (descriptions are long)
        if value:
            meta[key] = value
    return meta


#: Characters of an element's text, whitespace collapsed (evaluated in C; sizes candidates).
TEXT_SIZE = etree.XPath("string-length(normalize-space(string(.)))")


def _holds_text(el: etree._Element) -> bool:
    """``TEXT_SIZE(el) >= MIN_BODY_CHARS``, read from the first texts of the element, not all of it (an
    article's text is long: collapsing all of it to count it is most of :func:`_find_body`'s work).

    >>> _holds_text(etree.fromstring("<div> <p> </p><p> a  b</p>c</div>")), _holds_text(etree.fromstring("<div> a </div>"))
    (True, False)
    """
    seen = 0
    for text in el.itertext():
        seen += len("".join(text.split()))  # characters besides blank space (Python's holds XPath's four)
        if seen >= MIN_BODY_CHARS:
            return True  # collapsing the blank space keeps these characters
    return int(TEXT_SIZE(el)) >= MIN_BODY_CHARS


def _container_level(tag: str, id_: str | None, class_: str | None, rules: HtmlRules) -> int | None:
    """The body_containers level of an element with this tag, id and class attribute (the best of the three).

    >>> from pipeline.rules import load_rules
    >>> r = load_rules().html
    >>> _container_level("DIV", None, "x TRS_Editor", r), _container_level("div", "zoom", None, r), _container_level("p", None, None, r)
    (0, 1, None)
    """
    tags, ids, classes = rules.container_tables
    best = tags.get(tag.lower(), 99)
    if id_ and (level := ids.get(id_.lower(), 99)) < best:
        best = level
    if class_:
        for name in class_.lower().split():
            if (level := classes.get(name, 99)) < best:
                best = level
    return None if best == 99 else best


def _find_body(root: etree._Element, rules: HtmlRules) -> etree._Element:
    """The article container: a known CMS container, else the densest element."""
    levels: list[list[etree._Element]] = [[] for _ in rules.body_containers]
    tags = {name for kind, name in rules.container_level if kind == "tag"}
    # decided once per tag, id and class (a page repeats a few: a Word export gives every paragraph one class)
    known: dict[tuple[str, str | None, str | None], int | None] = {}

    def level_of(el: etree._Element) -> int | None:
        if not el.attrib and el.tag.lower() not in tags:
            return None  # no id, no class, and a tag that names no container
        key = (el.tag, el.get("id"), el.get("class"))
        if key in known:
            return known[key]
        level = known[key] = _container_level(*key, rules)  # (the attributes are not read again)
        return level

    for el, level in _levels(root, level_of):
        if level is not None:
            levels[level].append(el)
    for i, candidates in enumerate(levels):
        if len(candidates) == 1:  # nothing to compare it with: only its text is asked for, not measured
            sized = [(MIN_BODY_CHARS, candidates[0])] if _holds_text(candidates[0]) else []
        else:
            sized = [(int(TEXT_SIZE(el)), el) for el in candidates]
            sized = [(n, el) for n, el in sized if n >= MIN_BODY_CHARS]
        if not sized:
            continue
        if i == len(rules.body_containers) - 1:  # a Word export (WordSection1, 2 …): all of <body>
            body = root.find("body")
            return body if body is not None else root
        best = max(sized, key=lambda p: p[0])[1]
        members = set(candidates)
        for anc in best.iterancestors():  # nested containers of the same level: the outermost
            if anc in members:
                best = anc
        return best
    return _densest(root, rules)


def _levels(root: etree._Element, level_of: Callable[[etree._Element], int | None]
            ) -> Iterator[tuple[etree._Element, int | None]]:
    """The elements of ``root`` with their container level, in document order, but none inside a container
    of the first level.

    >>> root = etree.fromstring("<a><b><c/></b><d><b/><e/></d><f/></a>")
    >>> [(el.tag, level) for el, level in _levels(root, lambda el: 0 if el.tag == "b" else None)]
    [('a', None), ('b', 0), ('d', None), ('b', 0), ('e', None), ('f', None)]

    What such a container holds cannot change :func:`_find_body`'s choice (a container of the first level
    with text wins, and of nested ones the outermost), and it holds most of a page: it is stepped over.
    """
    for el in root.iter(tag=etree.Element):
        level = level_of(el)
        yield el, level
        if level == 0:
            node = el
            while node is not root:  # what follows it in root: its siblings, then its ancestors' siblings
                for sib in node.itersiblings(tag=etree.Element):
                    yield from _levels(sib, level_of)
                node = node.getparent()
            return


def _densest(root: etree._Element, rules: HtmlRules) -> etree._Element:
    """The element whose paragraphs hold the most non-link text (readability-style).

    Each text run scores its length (links count zero) for its block parent,
    the full score for that block's parent and half for the grandparent.
    """
    body = root.find("body")
    body = body if body is not None else root
    score: dict[etree._Element, float] = {}

    def visit(el: etree._Element, block: etree._Element, in_link: bool) -> None:
        tag = _tag(el)
        if not tag or tag in SKIP_TAGS or _hidden(el) or _is_chrome(el, rules):
            return
        if tag in BLOCK_TAGS:
            block = el
        in_link = in_link or tag == "a"
        n = 0 if in_link else len(SPACE_RUN.sub("", el.text or ""))
        for child in el:
            visit(child, block, in_link)
            if child.tail and not in_link:
                n += len(SPACE_RUN.sub("", child.tail))
        if n:
            parent = block.getparent()
            grand = parent.getparent() if parent is not None else None
            for node, weight in ((block, 1.0), (parent, 1.0), (grand, 0.5)):
                if node is not None:
                    score[node] = score.get(node, 0.0) + weight * n

    visit(body, body, False)
    if not score:
        return body
    top = max(score.values())
    # Ties go to the outermost element (a paragraph and its cell scoring alike: the cell).
    return next(el for el in body.iter(tag=etree.Element) if score.get(el) == top)


def _same_title(text: str, title: str) -> bool:
    """True when a headline repeats the page title (or most of it: <title> often adds the site name).

    >>> _same_title("关于做好督办工作的通知", "关于做好督办工作的通知-兴隆县人民政府")
    True
    >>> _same_title("兴隆县人民政府", "关于做好督办工作的通知-兴隆县人民政府")
    False
    """
    a, b = SPACE_RUN.sub("", text), SPACE_RUN.sub("", title)
    if not a or not b:
        return False
    short, long_ = sorted((a, b), key=len)
    return short in long_ and len(short) * 2 >= len(long_)


def _find_title(root: etree._Element, body: etree._Element, titles: list[str],
                rules: HtmlRules) -> etree._Element | None:
    """The headline printed above the body: an h1/h2/.title repeating the page title.

    Without a page title, the nearest h1 above the body in the same region.
    """
    before: list[etree._Element] = []
    title_classes = rules.title_classes
    for el in root.iter(tag=etree.Element):  # in document order: nothing met before the body stands in it
        if el is body:
            break
        # a class among the title classes (no set is built for an element: most have no class)
        if el.tag.lower() in ("h1", "h2") or ((names := el.get("class"))
                                              and not title_classes.isdisjoint(names.lower().split())):
            before.append(el)
    region = body.getparent()
    region = region.getparent() if region is not None and region.getparent() is not None else region
    for el in reversed(before):
        text = _text(el)
        if text and any(_same_title(text, t) for t in titles):
            if not any(_is_chrome(a, rules) for a in el.iterancestors()):
                return el
    if not titles and region is not None:
        near = set(region.iter())
        for el in reversed(before):
            if _tag(el) == "h1" and el in near and _text(el):
                return el
    return None


# --------------------------------------------------------------------------
# The stage
# --------------------------------------------------------------------------


def parse(markup: str, source: str | None = None, utf8: bytes | None = None) -> etree._Element:
    """Parse decoded markup with lxml; a page without an element is a ContentError.

    ``utf8``, when given, is ``markup`` encoded in UTF-8 already (the input's own bytes): not encoded again.
    """
    # (no table of id attributes: nothing looks an element up by its id)
    parser = etree.HTMLParser(encoding="utf-8", remove_comments=False, no_network=True, collect_ids=False)
    try:
        data = markup.encode("utf-8", "surrogatepass") if utf8 is None else utf8
        root = etree.fromstring(data, parser=parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise ContentError(f"not parseable as HTML ({exc})", source=source) from None
    if root is None:
        raise ContentError("no HTML element in the document", source=source)
    if _TOO_DEEP(root) and (depth := _depth(root)) >= MAX_DEPTH:
        raise ContentError(f"elements nested {depth} levels deep: the HTML parser stops reading at {MAX_DEPTH}, "
                           "so the page cannot be read whole", source=source)
    return root


#: The elements MAX_DEPTH levels down (the root is level 1), found level by level in C: the page is
#: measured (:func:`_depth`, a walk in Python) only when there is any.
_TOO_DEEP = etree.XPath("/".join(["*"] * (MAX_DEPTH - 1)))


def _depth(root: etree._Element) -> int:
    """The deepest nesting of elements (one pass, no recursion)."""
    deepest = depth = 0
    for event, _ in etree.iterwalk(root, events=("start", "end")):
        depth += 1 if event == "start" else -1
        deepest = max(deepest, depth)
    return deepest


def html_page(decoded: Decoded, rules: HtmlRules) -> Page:
    """The article of an HTML page as text blocks, with the page's metadata."""
    markup = unwrap_word_fallbacks(decoded.text, decoded.source)
    # markup left as decoded from UTF-8 is parsed from the input's bytes (encoding it again makes the same bytes)
    root = parse(markup, decoded.source, decoded.utf8 if decoded.utf8 is not None and markup == decoded.text else None)
    meta = _meta(root, rules)
    html_title = root.find(".//title")
    page_title = normalize_space("".join(html_title.itertext())) if html_title is not None else ""
    title = meta.get("title") or page_title or None
    body = _find_body(root, rules)
    info = _info(root, body, rules)
    published = meta.get("published") or next(
        (v for k, v in info if k in ("发布日期", "发布时间")), None)

    walker = _Walker(recover_alt=True, chrome=rules)
    headline = _find_title(root, body, [t for t in (meta.get("title"), page_title) if t], rules)
    if headline is not None:
        head = _Walker(recover_alt=True)
        head.walk(headline)
        head.flush()
        if head.out:
            if head.recovered:
                walker.recovered[len(walker.out)] = sum(head.recovered.values())
            walker.out.append((" ".join(t for t, _, _ in head.out), "title", None))
    walker.walk(body)
    walker.flush()

    # Recovered text that is also printed visibly is not kept twice (a page without recovered text, most
    # pages, keeps every block: no set of the visible texts is made for it).
    kept, recovered = walker.out, walker.recovered
    if n_recovered := sum(recovered.values()):
        visible = {t for i, (t, _, _) in enumerate(kept) if i not in recovered}
        dropped = {i for i, n in recovered.items()
                   if n >= len(SPACE_RUN.sub("", kept[i][0])) and kept[i][0] in visible}
        kept = [b for i, b in enumerate(kept) if i not in dropped]
        n_recovered = sum(n for i, n in recovered.items() if i not in dropped)
    text, blocks = join_blocks(kept)
    page_meta = PageMeta(title=title, published=published, source=meta.get("source"),
                         site=meta.get("site"), info=info)
    return Page(source=decoded.source, text=text, blocks=blocks, meta=page_meta, n_recovered=n_recovered)
