"""Small text helpers shared by the stages: brackets, numerals, years, titles, display width.

Nothing here knows a rule file; every function is pure and linear in its input.
Stages import these instead of each other's internals.
"""

from __future__ import annotations

import codecs
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping
from functools import lru_cache
from importlib import resources
from typing import Generic, TypeVar

import regex

#: Opening and closing brackets of every kind (they nest with each other).
OPEN = "([（【［〔"
CLOSE = ")]）】］〕"
PAIR = {"(": ")", "（": "）", "[": "]", "【": "】", "［": "］", "〔": "〕"}

#: Box drawing: vertical rules of a text line (│), horizontal strokes, corners/junctions (┌ ┬ ┼ +).
VERTICAL = "│┃║|╎┆┊"
HORIZONTAL = "─━═-╌┄┈"
JUNCTIONS = "┌┐└┘├┤┬┴┼╔╗╚╝╠╣╦╩╬╒╕╘╛╞╡╤╧╪╓╖╙╜╟╢╥╨╫┏┓┗┛┣┫┳┻╋┍┑┕┙┝┥┯┷┿┎┒┖┚┠┨┰┸╂+"

#: A four-digit year of the notices' era.
YEAR = r"(?:19|20)\d\d"
#: A year printed with 年 (2025年), its digits in group 1.
YEAR_WITH_NIAN = regex.compile(rf"({YEAR})\s*年")

#: Pinyin a mirror site prints after a character (會(hui)議): a ruby, never text of its own.
_PINYIN_LETTERS = "a-zA-Zāáǎàōóǒòēéěèīíǐìūúǔùǖǘǚǜü"
PINYIN = regex.compile(rf"[{_PINYIN_LETTERS}\s]+")
PINYIN_RUBY = regex.compile(rf"[(（][{_PINYIN_LETTERS}]{{1,8}}[)）]")

#: Metadata is looked for in this many blocks from the start (covering letters are short).
HEADER_BLOCKS = 80
#: How a complete title ends (GB/T 9704 文种).
TITLE_END = regex.compile(r"(?:通知|意见|方案|决定|函|批复|通报|报告|办法|规定|纲要|计划|安排|分解表|清单)\s*$")
_SPACE_IN_CJK = regex.compile(r"(?<=[\p{Han}《》“”（）()、])\s+(?=[\p{Han}《》“”（）()、])")
_SPACES = regex.compile(r"\s+")

CHINESE_DIGITS = {"零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
                  "六": 6, "七": 7, "八": 8, "九": 9}
_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
_BIG_UNITS = {"万": 10**4, "亿": 10**8}


# --------------------------------------------------------------------------
# Brackets
# --------------------------------------------------------------------------


def bracket_pairs(text: str) -> dict[int, int]:
    """Offset of every opening bracket -> offset of the bracket that closes it, in one pass.

    Any bracket kind closes any other (captures mix half- and full-width); an opening
    bracket never closed is absent.

    >>> bracket_pairs("甲(乙[丙]丁)戊(")
    {3: 5, 1: 7}
    """
    out: dict[int, int] = {}
    stack: list[int] = []
    for m in _BRACKET.finditer(text):  # only the brackets are visited
        i = m.start()
        if text[i] in OPEN:
            stack.append(i)
        elif stack:
            out[stack.pop()] = i
    return out


def closing_bracket(text: str, i: int) -> int | None:
    """Offset of the bracket that closes the one opening at ``i``, as :func:`bracket_pairs` pairs it (None:
    never closed), read only up to there.

    >>> closing_bracket("甲(乙[丙]丁)戊(", 1), closing_bracket("甲(乙[丙]丁)戊(", 3), closing_bracket("甲(乙[丙]丁)戊(", 8)
    (7, 5, None)
    """
    if (flat := FLAT_GROUP.match(text, i + 1)) is not None:
        return flat.end() - 1  # (most groups) the next bracket closes it: found by one match, no loop
    depth = 0
    for m in _BRACKET.finditer(text, i):  # only the brackets are visited
        if text[m.start()] in OPEN:
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return m.start()
    return None


def split_top(text: str, seps: str, base: int = 0) -> list[tuple[str, int, int]]:
    """Split on separators outside brackets, keeping offsets (``base`` added).

    >>> split_top("各县(市、区)政府、县发改局(粮食局)", "、")
    [('各县(市、区)政府', 0, 9), ('县发改局(粮食局)', 10, 19)]
    >>> split_top("区发改局、区财政局,", "、,", 5), split_top("", "、"), split_top("甲、乙", "")
    ([('区发改局', 5, 9), ('区财政局', 10, 14), ('', 15, 15)], [('', 0, 0)], [('甲、乙', 0, 3)])
    """
    out: list[tuple[str, int, int]] = []
    if _BRACKET.search(text) is None:  # no bracket (most lists): every separator cuts, found in C
        at = base
        for piece in separator_pattern(seps).split(text):
            end = at + len(piece)
            out.append((piece, at, end))
            at = end + 1
        return out
    depth, last = 0, 0
    for m in _marks(seps).finditer(text):  # only brackets and separators are visited
        i = m.start()
        ch = text[i]
        if ch in OPEN:
            depth += 1
        elif ch in CLOSE:
            depth = max(0, depth - 1)
        elif depth == 0:
            out.append((text[last:i], base + last, base + i))
            last = i + 1
    out.append((text[last:], base + last, base + len(text)))
    return out


_BRACKET = re.compile("[" + re.escape(OPEN + CLOSE) + "]")
#: The rest of a bracket group that holds no other bracket, up to its closing bracket.
FLAT_GROUP = re.compile("[^" + re.escape(OPEN + CLOSE) + "]*[" + re.escape(CLOSE) + "]")


@lru_cache(maxsize=64)
def _marks(seps: str) -> re.Pattern[str]:
    """A bracket or one of ``seps``."""
    return re.compile("[" + re.escape(OPEN + CLOSE + seps) + "]") if seps else _BRACKET


@lru_cache(maxsize=64)
def separator_pattern(seps: str) -> re.Pattern[str]:
    """One of ``seps`` (none: a pattern that never matches)."""
    return re.compile("[" + re.escape(seps) + "]") if seps else re.compile("(?!)")


# --------------------------------------------------------------------------
# Memos (one per document: a notice prints the same names many times)
# --------------------------------------------------------------------------

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Memo(dict[K, V], Generic[K, V]):
    """``fn(key)`` of every key asked so far: ``memo[key]`` computes a key once, then is one lookup (in C,
    no Python call). Kept on a per-document object (a reader, a unit book), so it lives as long as one
    document.

    >>> lengths = Memo(len); lengths["区发改局"], lengths["区发改局"], dict(lengths)
    (4, 4, {'区发改局': 4})
    """

    def __init__(self, fn: Callable[[K], V]) -> None:
        super().__init__()
        self.fn = fn

    def __missing__(self, key: K) -> V:
        value = self[key] = self.fn(key)
        return value


# --------------------------------------------------------------------------
# Numerals
# --------------------------------------------------------------------------


def chinese_numeral(s: str) -> int:
    """The value of a number written in Chinese (or Arabic digits).

    Digit by digit when no 十/百/千/万/亿 appears (二〇二五 = 2025).

    >>> [chinese_numeral(s) for s in ["两", "十", "十二", "二十三", "一百零五", "三千万", "一万二千", "一亿二千万"]]
    [2, 10, 12, 23, 105, 30000000, 12000, 120000000]
    >>> chinese_numeral("二〇一二"), chinese_numeral("13")
    (2012, 13)
    """
    if s.isdigit() and s.isascii():
        return int(s)
    if len(s) > 1 and all(ch in CHINESE_DIGITS for ch in s):
        return int("".join(str(CHINESE_DIGITS[ch]) for ch in s))
    total = section = number = 0
    for ch in s:
        if ch in CHINESE_DIGITS:
            number = CHINESE_DIGITS[ch]
        elif ch in _SMALL_UNITS:
            section += (number or 1) * _SMALL_UNITS[ch]
            number = 0
        elif ch == "万":
            total += (section + number) * _BIG_UNITS[ch]
            section = number = 0
        elif ch == "亿":
            total = (total + section + number) * _BIG_UNITS[ch]
            section = number = 0
        else:
            raise ValueError(f"not a Chinese numeral: {s!r}")
    return total + section + number


# --------------------------------------------------------------------------
# Titles and spaces
# --------------------------------------------------------------------------


def clean_title(s: str) -> str:
    """Drop line-wrap spaces between CJK characters of a title.

    >>> clean_title("关于印发 《立山区政府2023年重点工作任务分解 和责任分工方案》的通知")
    '关于印发《立山区政府2023年重点工作任务分解和责任分工方案》的通知'
    """
    return _SPACE_IN_CJK.sub("", s.strip())


def compact(text: str) -> str:
    """Text without any whitespace (header words are printed spaced out: 目   标   任   务).

    >>> compact("责  任\\u3000单 位"), compact("责任单位")
    ('责任单位', '责任单位')
    """
    if text.isprintable() and " " not in text:
        return text  # every other blank is a separator or a control character: none here (most lines)
    return _SPACES.sub("", text)


def spaced(word: str) -> str:
    """A regex for ``word`` that allows spaces between its characters (责  任  单  位).

    >>> bool(regex.fullmatch(spaced("责任"), "责 \\u3000任"))
    True
    """
    return r"[ \t\u3000]*".join(regex.escape(c) for c in word)


# --------------------------------------------------------------------------
# Display width (text tables, PDF line wrapping)
# --------------------------------------------------------------------------


def char_width(ch: str, ambiguous: int = 2) -> int:
    """Display columns of one character: CJK (and full-width forms) take two.

    ``ambiguous`` is the width of East Asian "ambiguous" characters (box
    drawing, △, “”), which a CJK font draws two columns wide.

    >>> char_width("中"), char_width("a"), char_width("─"), char_width("─", ambiguous=1)
    (2, 1, 2, 1)
    """
    eaw = unicodedata.east_asian_width(ch)
    if eaw in ("W", "F"):
        return 2
    if eaw == "A":
        return ambiguous
    return 0 if unicodedata.combining(ch) else 1


class _Widths(dict):
    """:func:`char_width` of each character met so far (filled on first sight; one per ``ambiguous``)."""

    def __init__(self, ambiguous: int) -> None:
        super().__init__()
        self.ambiguous = ambiguous

    def __missing__(self, ch: str) -> int:
        w = self[ch] = char_width(ch, self.ambiguous)
        return w


_WIDTHS = {1: _Widths(1), 2: _Widths(2)}


def width_table(ambiguous: int = 2) -> Mapping[str, int]:
    """:func:`char_width` of every character (``table[ch]``), each decided on first sight.

    >>> t = width_table(1); t["中"], t["a"], t["─"]
    (2, 1, 1)
    """
    return _WIDTHS.get(ambiguous) or _WIDTHS.setdefault(ambiguous, _Widths(ambiguous))


#: Runs of characters that are always two columns wide (East Asian Wide or Fullwidth, whatever
#: ``ambiguous`` is): CJK punctuation, the CJK ideographs, compatibility ideographs, vertical and
#: fullwidth forms. tests/test_text.py checks every one against :func:`char_width`.
WIDE_RUNS = re.compile("[\u3000-\u303e\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff01-\uff60]+")


def display_width(text: str, ambiguous: int = 2) -> int:
    """Display columns of a string.

    ASCII is one column a character and the common CJK characters two (:data:`WIDE_RUNS`, removed in
    one C-level pass): only what is left is looked up character by character (a lookup costs
    a new one-character string and its hash; a Chinese line is almost all CJK).

    >>> display_width("市政"), display_width("GDP增长7%"), display_width("─", 1), display_width("“甲”─", 1)
    (4, 9, 1, 5)
    """
    if text.isascii():
        return len(text)
    if ambiguous == 2:
        return len(columns_encoded(text))
    rest = WIDE_RUNS.sub("", text)
    wide = 2 * (len(text) - len(rest))
    if rest.isascii():
        return wide + len(rest)
    return wide + sum(map(width_table(ambiguous).__getitem__, rest))


def columns_encoded(text: str) -> bytes:
    """``text`` encoded to GB 2312 with as many bytes for each character as it takes columns
    (:func:`display_width`, ambiguous characters two wide), all in one pass in C.

    Past ASCII (one byte, one column), every character GB 2312 holds is two columns wide and two bytes,
    none of them below 0x80; the few characters outside it (a no-break space, an em dash) are stood in
    for by as many bytes as they take columns (never a byte of an ASCII mark).

    >>> columns_encoded("GDP增长"), columns_encoded("甲\xa0—乙")
    (b'GDP\xd4\xf6\xb3\xa4', b'\xbc\xd7_\xa1\xa1\xd2\xd2')
    """
    try:
        return text.encode("gb2312", _COLUMNS)
    except LookupError:  # the error handler is registered on first use (no work at import time)
        codecs.register_error(_COLUMNS, _column_stand_in)
        return text.encode("gb2312", _COLUMNS)


#: The GB 2312 error handler of :func:`columns_encoded`.
_COLUMNS = "fenjie-columns"
#: Stand-ins for a character 0, 1 or 2 columns wide (none an ASCII mark: an underscore, an ideographic space).
_STAND_IN = ("", "_", "\u3000")


def _column_stand_in(err: UnicodeError) -> tuple[str, int]:
    """Codec error handler: each character GB 2312 cannot encode, as a stand-in of its width."""
    assert isinstance(err, UnicodeEncodeError)
    widths = width_table(2)
    return "".join([_STAND_IN[widths[ch]] for ch in err.object[err.start:err.end]]), err.end


def join_lines(pieces: Iterable[str]) -> str:
    """Wrapped lines of one cell as one text: nothing between CJK, a space between ASCII words.

    >>> join_lines(["市政", "府办", "公厅"])
    '市政府办公厅'
    >>> join_lines(["推进5G", "base station建设"]), join_lines(["增长7", "%左右"])
    ('推进5G base station建设', '增长7%左右')
    """
    out = ""
    for piece in pieces:
        piece = piece.strip()
        if not piece:
            continue
        if out and _ascii_word(out[-1]) and _ascii_word(piece[0]):
            out += " "
        out += piece
    return out


def _ascii_word(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


# --------------------------------------------------------------------------
# Script: traditional -> simplified, character for character
# --------------------------------------------------------------------------

#: A page is read as traditional when at least this share of its Han characters convert.
TRADITIONAL_SHARE = 0.03
#: …and at least this many characters do (a simplified page with a stray 於 stays as it is).
TRADITIONAL_MIN_CHARS = 8

_LOCK = threading.Lock()
_TABLE: dict[int, str] | None = None
_CHARS: frozenset[str] | None = None


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


def _traditional_chars() -> frozenset[str]:
    """The characters :func:`to_simplified` changes."""
    global _CHARS
    if _CHARS is None:
        _CHARS = frozenset(map(chr, _table()))
    return _CHARS


#: Past this many characters outside GB 2312, a text is scanned character by character instead.
_OUTSIDE_GB2312_MAX = 256
_OUTSIDE: list[str] = []  # what the "fenjie-outside-gb2312" error handler collects (under _LOCK)
_IN_GB2312: tuple[str, ...] | None = None  # the few traditional forms GB 2312 has (乾, 於 …)


def _collect_outside(err: UnicodeError) -> tuple[str, int]:
    """Codec error handler: note the characters the codec cannot encode, encode nothing for them."""
    assert isinstance(err, UnicodeEncodeError)
    _OUTSIDE.append(err.object[err.start:err.end])
    if len(_OUTSIDE) > _OUTSIDE_GB2312_MAX:
        raise err  # too many: the caller scans the text itself
    return "", err.end


def traditional_in(text: str) -> set[str]:
    """The characters of ``text`` that :func:`to_simplified` changes.

    Simplified Chinese text is almost all in GB 2312 and traditional forms are almost all outside it:
    the text is encoded to GB 2312 (in C) and only the characters the codec cannot encode are looked
    at, plus the few traditional forms GB 2312 holds. A text with many characters outside GB 2312 (a
    traditional-script page) is scanned character by character. The same set either way.

    >>> sorted(traditional_in("關於印發\xa0通知")), traditional_in("关于印发通知")
    (['於', '發', '關'], set())
    """
    global _IN_GB2312
    chars = _traditional_chars()
    with _LOCK:
        if _IN_GB2312 is None:
            codecs.register_error("fenjie-outside-gb2312", _collect_outside)
            _IN_GB2312 = tuple(sorted(ch for ch in chars if _encodes(ch, "gb2312")))
        _OUTSIDE.clear()
        try:
            text.encode("gb2312", "fenjie-outside-gb2312")
            outside = "".join(_OUTSIDE)
        except UnicodeEncodeError:
            outside = text
        finally:
            _OUTSIDE.clear()
    found = set(chars.intersection(outside))
    found.update(ch for ch in _IN_GB2312 if ch in text)
    return found


def _encodes(ch: str, codec: str) -> bool:
    try:
        ch.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


def to_simplified(text: str) -> str:
    """Character-for-character simplified copy (same length).

    >>> to_simplified("市政府辦公室關於印發《工作報告》")
    '市政府办公室关于印发《工作报告》'
    """
    table = _table()
    present = traditional_in(text)  # usually none or a few: replaced one by one
    if not present:
        return text
    if len(present) > 32 or any(ord(table[ord(ch)]) in table for ch in present):
        return text.translate(table)  # many, or one that maps to another traditional form: one pass
    for ch in present:
        text = text.replace(ch, table[ord(ch)])
    return text


def is_traditional(text: str, present: set[str] | None = None) -> bool:
    """True when enough of the page's Han characters are traditional forms (``present`` is
    :func:`traditional_in` of ``text`` when the caller has it).

    >>> is_traditional("市政府辦公室關於印發重點工作責任分解方案的通知，請認真貫徹執行"), is_traditional("市政府办公室关于印发的通知")
    (True, False)
    """
    if present is None:
        present = traditional_in(text)  # most pages print none or a few
    changed = sum(text.count(ch) for ch in present)
    if changed < TRADITIONAL_MIN_CHARS:
        return False
    counts = Counter(text)
    han = sum(n for ch, n in counts.items() if "\u4e00" <= ch <= "\u9fff")
    return han > 0 and changed / han >= TRADITIONAL_SHARE
