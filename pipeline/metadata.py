"""Stage 5 — metadata: issuer, 文号, title, plan year, dates and addressees.

Read from the header blocks (red header, title, addressees, signature and date)
of the *repaired* page, with the page's own metadata (``<meta>``, info table)
as a second source. Nothing is guessed: a field that is not printed stays None.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import regex

from .records import Block, Metadata, Page
from .rules.patterns import line_ends
from .rules.sets import MetadataRules
from .text import HEADER_BLOCKS, TITLE_END, YEAR_WITH_NIAN, chinese_numeral, clean_title, split_top

#: A block longer than this is prose, not a header element (文号, signature, date line).
SHORT_BLOCK = 80
#: Title lines wrapped over several blocks are joined up to this many blocks.
TITLE_MAX_BLOCKS = 5

#: A title inside a longer line (a metadata block flattened into one line): up to the first 文种
#: that is followed by the end of the line or by the next label.
TITLE_IN_LINE = regex.compile(
    r"关于.{2,150}?(?:的通知|的意见|方案|的决定|的函|的批复|的通报)(?=\s|$|发文|文号|发布|成文|索引|主题|[|｜])")
#: A date printed with its label in an info line: 发文日期 2023-01-03, 成文日期:2023年1月3日.
LABELED_DATE = regex.compile(
    r"(?P<label>成文日期|发文日期|发布日期|印发日期)\s*[:：]?\s*(?P<date>(?:19|20)\d\d\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2})")
#: The breakdown itself named as a heading (附件 title) when the notice has no 关于… title.
ANNEX_TITLE = regex.compile(
    r"^(?!附件)(?!\d{1,2}\s*[.．、]).{2,60}(?:分解|分工|任务|清单|责任|重点工作|进展)\p{Han}{0,12}(?:方案|意见|表|清单|分解)$")
#: What a page title or a saved file's name adds to a title: a site's name, a file extension.
#: (Not from inside a run of spaces: from each of its positions the run was read to its end, quadratic.)
TITLE_DECORATION = regex.compile(r"(?:(?<!\s)\s*[-—_|｜]\s*[^-—_|｜]{2,30}(?:网站|门户网|政府网|网|政府)|\.(?:docx?|pdf|wps|html?))\s*$")
#: The text before 关于 in a title line: at most an issuer's name (no sentence, no punctuation).
_BEFORE_GUANYU = regex.compile(r"^[\p{Han}\s]{0,30}$")
_ISO_DATE = regex.compile(r"((?:19|20)\d\d)\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")

_BLANKS = regex.compile(r"\s+")
_YEAR_DIGITS = regex.compile(r"(?:19|20)\d\d")


def parse_date(m: regex.Match[str]) -> dt.date | None:
    """A date from a match of ``metadata.date`` (None when it is not a real calendar date)."""
    try:
        return dt.date(chinese_numeral(m["year"]), chinese_numeral(m["month"]), chinese_numeral(m["day"]))
    except (ValueError, KeyError):
        return None


def parse_iso_date(s: str | None) -> dt.date | None:
    """``2025-01-13``, ``2025/1/13``, ``2025年1月13日`` -> date.

    >>> parse_iso_date("2025-01-13"), parse_iso_date("发布日期:2023年1月5日"), parse_iso_date(None)
    (datetime.date(2025, 1, 13), datetime.date(2023, 1, 5), None)
    """
    if not s or not (m := _ISO_DATE.search(s)):
        return None
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def find_title(blocks: tuple[Block, ...], rules: MetadataRules) -> tuple[str, int, int] | None:
    """The first title in the header: ``(title, first block, last block)``; complete titles win."""
    first_incomplete = None
    for i, b in enumerate(blocks[:HEADER_BLOCKS]):
        line = TITLE_DECORATION.sub("", b.text)
        if "关于" not in line or len(line) > 160 or not _BEFORE_GUANYU.match(line[:line.index("关于")]) \
                or "。" in line.rstrip("。"):
            continue
        parts = [line]
        j = i
        while not TITLE_END.search(parts[-1]) and j + 1 < len(blocks) and j - i + 1 < TITLE_MAX_BLOCKS \
                and len(blocks[j + 1].text) <= 40 and not blocks[j + 1].text.endswith((":", "：")):
            j += 1
            parts.append(blocks[j].text)
        joined = "".join(parts)
        title = clean_title(joined[joined.index("关于"):])
        if TITLE_END.search(title):
            return title, i, j
        if m := TITLE_IN_LINE.search(b.text):
            return clean_title(m[0]), i, i
        if first_incomplete is None:
            first_incomplete = (clean_title(b.text[b.text.index("关于"):]), i, i)
    if first_incomplete:
        return first_incomplete
    for i, b in enumerate(blocks[:HEADER_BLOCKS]):
        line = TITLE_DECORATION.sub("", b.text)
        if ANNEX_TITLE.match(line):
            return clean_title(line), i, i
    return None


def _info(page: Page, *labels: str) -> str | None:
    for key, value in page.meta.info:
        if key.replace(" ", "").replace("\u3000", "") in labels:
            return value
    return None


def find_issuer(blocks: tuple[Block, ...], rules: MetadataRules, title_prefix: str | None) -> str | None:
    """Signature (an issuer line followed by a date) > a header issuer line > the title's prefix."""
    issuer_re, date_re = rules.issuer, rules.date
    header = None
    for i, b in enumerate(blocks[:HEADER_BLOCKS]):
        if len(b.text) > 40 or not (m := issuer_re.fullmatch(b.text)):
            continue
        nxt = blocks[i + 1].text if i + 1 < len(blocks) else ""
        if date_re.fullmatch(nxt.strip()):
            return m["issuer"]
        if header is None and i < 12:
            header = m["issuer"]
    if header:
        return header
    if title_prefix and (m := issuer_re.fullmatch(title_prefix)):
        return m["issuer"]
    return None


def _doc_number(page: Page, rules: MetadataRules) -> str | None:
    """The 文号: from the page's info table, a short header line, or the page's <title>."""
    doc_number = _info(page, "文号", "发文字号")
    if doc_number is None:
        for b in page.blocks[:HEADER_BLOCKS]:
            if len(b.text) <= SHORT_BLOCK * 2 and (m := rules.doc_number.search(b.text)):
                doc_number = _BLANKS.sub("", b.text[m.start("prefix"):m.end()])
                break
    if doc_number is None and page.meta.title and (m := rules.doc_number.search(page.meta.title)):
        doc_number = m[0]
    return doc_number


def _dates(page: Page, rules: MetadataRules) -> tuple[dt.date | None, dt.date | None]:
    """(issued, published): a date line of the header, else a labelled date (成文日期 …) of the page."""
    blocks = page.blocks
    issued = None
    for b in blocks[:HEADER_BLOCKS]:
        if len(b.text) <= 20 and (m := rules.date.fullmatch(b.text.strip())):
            issued = parse_date(m)
            if issued:
                break
    # every label of LABELED_DATE ends in 日期: a block without it is not searched
    labeled = {m["label"]: m["date"] for b in blocks[:HEADER_BLOCKS] if len(b.text) <= SHORT_BLOCK * 3
               and "日期" in b.text for m in LABELED_DATE.finditer(b.text)}
    if issued is None:
        issued = parse_iso_date(_info(page, "成文日期", "发文日期") or labeled.get("成文日期") or labeled.get("发文日期")
                                or labeled.get("印发日期"))
    published = parse_iso_date(page.meta.published) or parse_iso_date(_info(page, "发布日期", "发布时间")) \
        or parse_iso_date(labeled.get("发布日期"))
    return issued, published


def _plan_year(blocks: Sequence[Block], titles: tuple, issued: dt.date | None, doc_number: str | None) -> int | None:
    """The plan year: named in the title (or its line), an annex title, the first headings, else the
    year of issue or of the 文号."""
    for src in titles:
        if src and (m := YEAR_WITH_NIAN.search(src)):
            return int(m[1])
    annex = next((b.text for b in blocks[:HEADER_BLOCKS] if ANNEX_TITLE.match(TITLE_DECORATION.sub("", b.text))),
                 None)
    if annex and (m := YEAR_WITH_NIAN.search(annex)):
        return int(m[1])
    # a capture without header: the year its first headings name
    heads = next((m for b in blocks[:5] if (m := YEAR_WITH_NIAN.search(b.text))), None)
    if heads:
        return int(heads[1])
    if issued:
        return issued.year
    if doc_number and (m := _YEAR_DIGITS.search(doc_number)):
        return int(m[0])
    return None


def read_metadata(page: Page, rules: MetadataRules) -> Metadata:
    """Metadata of one page. ``rules`` is ``rules/metadata.toml``."""
    blocks = page.blocks
    doc_number = _doc_number(page, rules)

    found = find_title(blocks, rules)
    title, title_prefix = None, None
    if found:
        title = found[0]
        first = blocks[found[1]].text
        if "关于" in first:
            before = first[: first.index("关于")]
            before = rules.doc_number.sub("", before).strip()
            title_prefix = before or (blocks[found[1] - 1].text if found[1] > 0 else None)
    elif page.meta.title and "关于" in page.meta.title:
        title = clean_title(page.meta.title[page.meta.title.index("关于"):])

    issuer = find_issuer(blocks, rules, title_prefix) or _info(page, "发文机关", "发布机构")

    issued, published = _dates(page, rules)
    year = _plan_year(blocks, (title, found and blocks[found[2]].text), issued, doc_number)

    addressees: tuple[str, ...] = ()
    ends = line_ends(rules.addressee_line)
    for b in blocks[:HEADER_BLOCKS]:
        # a block that does not end as every addressee line must (a colon, with the shipped rule) is turned
        # away without the pattern, whose lazy run of up to 200 characters is tried at every length
        if len(b.text) <= 200 and (ends is None or b.text.rstrip().endswith(ends)) \
                and (m := rules.addressee_line.fullmatch(b.text)):
            addressees = tuple(a.strip() for a, _, _ in split_top(m["addressees"], "、,，;；") if a.strip())
            break

    return Metadata(issuer=issuer, doc_number=doc_number, title=title, year=year, issued_date=issued,
                    published_date=published, addressees=addressees)

