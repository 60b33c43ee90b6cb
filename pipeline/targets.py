"""Stage 8 — targets: every quantitative commitment in an item's text.

A target is a number with a unit that ``rules/targets.toml`` knows (``7%``, ``5000人``,
``152.08亿元``, ``20公里``), read together with what it measures (the *metric*), how it is
hedged (*qualifier*: 左右, 以上, 以内, 超 …) and whether it is only aspired to (力争 …).

The steps, composed in :func:`extract_targets`:

0. The text is read on a simplified-script shadow of itself (:func:`simplified_shadow`, the
   character table of :mod:`pipeline.script`); metrics, units and spans are sliced from the original.
1. :func:`scan_quantities` finds number + unit spans (Chinese numerals converted, ranges
   ``5-8%`` / ``5至8个`` read as value and value_high, magnitudes 万/亿 multiplied out);
   numbers overlapping a ``not_targets`` pattern (slogans, ordinals, durations, thresholds inside a
   metric name) and Chinese numerals inside a word (统一个人 — checked with jieba) are dropped.
2. For each quantity the metric is delimited: a measure word followed by a noun
   (``50户困难老年人家庭…``) takes the phrase *after* it; otherwise the metric is the phrase
   *before* the number, back to the clause start or the previous target. Link, qualifier and
   growth words next to the number are trimmed off (:func:`strip_tail`), hedges and filler verbs
   off the start (:func:`strip_leading`, on jieba words).
3. ``A、B分别达到80%、85%以上`` pairs metrics and values in order; a qualifier printed only after
   the last value applies to the whole list.
4. Qualifier: the word after the unit wins over the word before the number; none is ``exact``.
5. Aspirational: a hedge word (力争/争取/努力 …) earlier in the same sentence, not cancelled by a
   firm word (确保) between it and the target. 确保 itself is a firm commitment, not aspirational.

Decisions (documented here and in the tests): ``两个社区`` is a count of 2 (a commitment on two
named communities); a metric keeps decline words (能耗下降) so the direction stays visible, but
drops growth words (地方生产总值增长7% -> 地方生产总值); a target whose metric cannot be
delimited is still emitted, with an empty metric.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

import regex

from .records import Page, Target
from .rules.targetrules import NUMBER_START, TargetRules, UnitSpec, words_by_char
from .segment import starts_word, tokens
from .text import PINYIN_RUBY, chinese_numeral, to_simplified

#: Longest metric kept, in characters; longer phrases are cut at a jieba word boundary,
#: keeping the end nearest the number. Tuned on the sample notice (longest real metrics:
#: 社区卫生服务中心达到优质服务基层行推荐标准, 21 characters; 承办和保障国家、省、市级各类体育赛事, 18).
MAX_METRIC_CHARS = 24

#: Characters that end a clause: a metric never runs across them.
CLAUSE_END = "，,。；;：:！!？?\n（()）"
#: Characters that end a sentence: the reach of a hedge word (力争) stops there.
SENTENCE_END = "。；;！!？?\n"
#: A list of values joined by 、/和 (80%、85%以上) is read with at most this many values.
MAX_CHAIN = 40
#: A hedge word (力争) reaches at most this many characters back within its sentence.
HEDGE_REACH = 200
#: Characters segmented to find the first word of a metric (filler words are at most 4 characters).
LEADING_WINDOW = 16
#: Characters and words that join the items of a list (A 4家、B 2家和 C 5家).
JOINERS = ("、", "，", ",", "和", "及", "与", "以及")
#: Kinds whose number may stand before the noun it counts (5个口袋公园); money and percents never do.
PRENOMINAL_KINDS = ("count", "quantity")
#: Characters after a measure word that do not start the noun it counts (5家和…, 5家等…).
NOT_A_NOUN_START = "和及与并或等以其"

#: Stands for masked characters (pinyin rubies) in the shadow text: neither Han, space nor punctuation.
_MASK = "\ue000"

#: One Han character (the start of the noun a measure word counts).
HAN = regex.compile(r"\p{Han}")

#: How the names of a list of metrics are separated, tried in order: 、 alone first, 和/及 too only
#: when 、 alone does not give as many names as values (和/及 also occur inside words: 普及).
NAME_SEPARATORS = (
    regex.compile(r" 、 ", regex.VERBOSE),
    regex.compile(r" 、 | 和 | 及 ", regex.VERBOSE),
)

@lru_cache(maxsize=4096)  # a notice counts few nouns' first characters: a dictionary lookup, not a regex call
def _is_han(ch: str) -> bool:
    """True when ``ch`` is a Han character.

    >>> _is_han("户"), _is_han("a")
    (True, False)
    """
    return HAN.match(ch) is not None


# --------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------


@lru_cache(maxsize=1024)  # notices repeat their numbers (1, 2, 10, 100): a Decimal is immutable, kept once
def parse_number(s: str) -> Decimal:
    """The value of a number as printed (Arabic, full-width, with commas, or Chinese).

    >>> [str(parse_number(s)) for s in ["152.08", "１５", "15,000", "十二", "3.7"]]
    ['152.08', '15', '15000', '12', '3.7']
    """
    t = unicodedata.normalize("NFKC", s).replace(",", "")
    if t and t[0].isdigit():
        return Decimal(t)
    return Decimal(chinese_numeral(s))


#: Builds a NamedTuple from a tuple of its fields in C (``_new(Quantity, (...))``): the class's own ``__new__``
#: is Python code that only calls it, a frame per record.
_new = tuple.__new__


@lru_cache(maxsize=1024)  # notices repeat their numbers and units: two conversions and a product, kept once
def _floats(value: Decimal, factor: Decimal) -> tuple[float, float]:
    """``value`` and ``value`` in the standard unit (times the unit's ``factor``), as floats.

    >>> _floats(Decimal("152.08"), Decimal("100000000"))
    (152.08, 15208000000.0)
    """
    return float(value), float(value * factor)


class Quantity(NamedTuple):
    """A number with its unit, as found in the text (offsets local to the item text)."""

    start: int  # offset of the first digit (of the low end for a range)
    end: int  # offset after the unit
    number: str  # the number as printed (low end)
    value: Decimal  # the number's value (in the printed unit)
    value_high: Decimal | None  # high end of a range, else None
    unit: str  # the unit as printed (万人, 亿元, %)
    spec: UnitSpec  # what the unit means
    more: bool  # printed "more than" between number and unit (3000余人次, 10多个): qualifier "over"


def _bare(q: Quantity) -> str:
    """The qualifier of a number no word qualifies: "over" when printed as more than it (3000余人次), else exact."""
    return "over" if q.more else "exact"


# --------------------------------------------------------------------------
# Small text helpers
# --------------------------------------------------------------------------


def token_starts(text: str) -> frozenset[int]:
    """Offsets where a jieba word starts.

    >>> sorted(token_starts("统一个人信息"))
    [0, 2]
    """
    out, pos = set(), 0
    for tok in tokens(text):
        i = text.find(tok, pos)
        if i < 0:  # pragma: no cover - jieba returns substrings in order
            continue
        out.add(i)
        pos = i + len(tok)
    return frozenset(out)


def clause_start(text: str, pos: int, ends: str = CLAUSE_END, reach: int | None = None) -> int:
    """Start of the clause holding ``pos`` (after the last clause-ending character before it), looking
    back at most ``reach`` characters when given.

    A comma between digits (15,000) does not end a clause.

    >>> clause_start("居民收入同步，失业率4.5%", 10), clause_start("居民收入同步，失业率4.5%", 10, reach=2)
    (7, 8)
    """
    i = pos - 1
    stop = -1 if reach is None else max(-1, pos - 1 - reach)
    while i > stop:
        ch = text[i]
        if ch in ends and not (ch == "," and 0 < i < len(text) - 1
                               and text[i - 1].isdigit() and text[i + 1].isdigit()):
            return i + 1
        i -= 1
    return stop + 1


def clause_end(text: str, pos: int, ends: str = CLAUSE_END) -> int:
    """End of the clause holding ``pos`` (the offset of the next clause-ending character).

    >>> clause_end("改造老旧小区2个，提质口袋公园", 0)
    8
    """
    i = pos
    while i < len(text):
        if text[i] in ends:
            return i
        i += 1
    return len(text)


def qualifier_after(text: str, pos: int, table: Sequence[tuple[str, str]],
                    by_initial: Mapping[str, Sequence[tuple[str, str]]] | None = None) -> tuple[str, str] | None:
    """The qualifier word starting at ``pos`` and its category, if any.

    ``by_initial`` is :func:`~pipeline.rules.targetrules.words_by_char` of ``table`` when the caller keeps it
    (the rules do: :attr:`TargetRules.qualifiers_after_by_initial`).

    >>> qualifier_after("7%左右。", 2, (("左右", "around"), ("以上", "at_least")))
    ('左右', 'around')
    """
    if by_initial is None:
        by_initial = words_by_char(table, last=False)
    if by_initial is not None:  # only the words that start with the character at pos can match there
        table = by_initial.get(text[pos], ()) if pos < len(text) else ()
    for word, cat in table:
        if text.startswith(word, pos):
            return word, cat
    return None


def strip_tail(text: str, start: int, end: int, words: Sequence[tuple[str, str]],
               by_final: Mapping[str, Sequence[tuple[str, str]]] | None = None) -> tuple[int, list[tuple[str, str]]]:
    """Trim link, qualifier and growth words off the end of ``text[start:end]``.

    Returns the new end and the (word, role) pairs trimmed, nearest the number first. A decline word
    is noted but kept (and trimming stops there), so the metric shows the direction. ``by_final`` is
    :func:`~pipeline.rules.targetrules.words_by_char` of ``words`` (last characters) when the caller keeps it.

    >>> w = (("控制在", "qualifier"), ("涨幅", "growth"), ("下降", "decline"), ("达", "link"))
    >>> s = "居民消费价格指数涨幅控制在"
    >>> end, seen = strip_tail(s, 0, len(s), w); s[:end], seen
    ('居民消费价格指数', [('控制在', 'qualifier'), ('涨幅', 'growth')])
    >>> s = "能耗下降"; end, seen = strip_tail(s, 0, len(s), w); s[:end], seen
    ('能耗下降', [('下降', 'decline')])
    """
    seen: list[tuple[str, str]] = []
    if by_final is None:
        by_final = words_by_char(words, last=True)
    while end > start:
        while end > start and text[end - 1].isspace():
            end -= 1
        if end <= start:
            break
        if by_final is None:  # a table with an empty word: as the words' last characters say
            if text[end - 1] not in {w[-1] for w, _ in words if w}:
                break
            candidates: Sequence[tuple[str, str]] = words
        elif not (candidates := by_final.get(text[end - 1], ())):
            break  # no tail word ends here
        for word, role in candidates:
            if end - len(word) >= start and text.startswith(word, end - len(word)):
                seen.append((word, role))
                if role != "decline":
                    end -= len(word)
                break
        else:
            break
        if seen[-1][1] == "decline":
            break
    return end, seen


def strip_leading(text: str, start: int, end: int, leading: frozenset[str]) -> int:
    """New start of ``text[start:end]`` after dropping joiners and leading filler words (whole jieba words).

    >>> s = "力争全年新签约亿元以上项目"
    >>> s[strip_leading(s, 0, len(s), frozenset({"力争", "全年"})):]
    '新签约亿元以上项目'
    >>> s = "完成率"; s[strip_leading(s, 0, len(s), frozenset({"完成"})):]
    '完成率'
    """
    while start < end:
        if text[start].isspace() or text[start] in "、，,":
            start += 1
            continue
        if text[start] not in _initials(leading):
            break  # no filler word starts here: no need to segment
        first = _first_word(text[start:min(end, start + LEADING_WINDOW)])  # the first word is all that is read
        if first is None:
            break
        droppable = first in JOINERS or (_made_of(first, leading) and end - start - len(first) >= 2)
        if not droppable:
            break
        start = text.index(first, start) + len(first)
    return start


@lru_cache(maxsize=4096)
def _first_word(text: str) -> str | None:
    """The first word of ``text`` (None when it has none); notices repeat their openings (力争全年, 新增)."""
    toks = tokens(text)
    return toks[0] if toks else None


@lru_cache(maxsize=16)
def _lead_chars(leading: frozenset[str]) -> frozenset[str]:
    """Characters :func:`strip_leading` can drop or start dropping at, besides spaces (a metric starting
    with none of them keeps its start: the call is skipped)."""
    return _initials(leading) | frozenset("、，,")


@lru_cache(maxsize=16)
def _initials(leading: frozenset[str]) -> frozenset[str]:
    """First characters of the filler words and joiners (a word can only be dropped where one stands)."""
    return frozenset(w[0] for w in (*leading, *JOINERS) if w)


def trim_joiners(text: str, start: int, end: int) -> int:
    """New end of ``text[start:end]`` without trailing joiners and spaces (5个公园和 -> 5个公园).

    >>> s = "公园和 "; s[:trim_joiners(s, 0, len(s))]
    '公园'
    """
    changed = True
    while changed and end > start:
        changed = False
        while end > start and text[end - 1].isspace():
            end -= 1
            changed = True
        for j in JOINERS:
            if end - len(j) >= start and text.startswith(j, end - len(j)):
                end -= len(j)
                changed = True
                break
    return end


def _made_of(word: str, parts: frozenset[str]) -> bool:
    """True when ``word`` is one of ``parts`` or a run of them (jieba keeps 努力实现 as one word).

    >>> _made_of("努力实现", frozenset({"努力", "实现"})), _made_of("完成率", frozenset({"完成"}))
    (True, False)
    """
    if word in parts:
        return True
    return any(word.startswith(p) and _made_of(word[len(p):], parts) for p in parts if p and len(p) < len(word))


def cap_metric(text: str, start: int, end: int, keep_end: bool) -> tuple[int, int]:
    """Cut ``text[start:end]`` to at most :data:`MAX_METRIC_CHARS` at a jieba word boundary.

    ``keep_end`` keeps the end (a metric before the number), else the start.

    >>> s = "甲" * 30
    >>> cap_metric(s, 0, 30, keep_end=True)[1] - cap_metric(s, 0, 30, keep_end=True)[0] <= MAX_METRIC_CHARS
    True
    """
    if end - start <= MAX_METRIC_CHARS:
        return start, end
    # only the words near the kept end can be a boundary: segment that window, not the whole clause
    lo, hi = (max(start, end - 2 * MAX_METRIC_CHARS), end) if keep_end else (start, min(end, start + 2 * MAX_METRIC_CHARS))
    bounds = sorted(lo + i for i in token_starts(text[lo:hi])) + [end]
    if keep_end:
        for b in bounds:
            if end - b <= MAX_METRIC_CHARS:
                return b, end
        return end - MAX_METRIC_CHARS, end
    best = start + MAX_METRIC_CHARS
    for b in bounds:
        if b - start <= MAX_METRIC_CHARS:
            best = b
    return start, best


def hedged(text: str, pos: int, r: TargetRules, sentence_start: int | None = None) -> bool:
    """True when a hedge word stands before ``pos`` in its sentence, with no firm word after it.

    >>> from dataclasses import replace
    >>> from pipeline.rules import load_rules
    >>> r = replace(load_rules().targets, aspirational=("力争", "争取"), firm=("确保",),
    ...             not_aspirational=(regex.compile("对上争取"),))
    >>> hedged("力争新增企业4家", 6, r), hedged("对上争取资金增长5%", 8, r), hedged("力争A，确保B 5个", 9, r)
    (True, False, False)
    """
    s = clause_start(text, pos, SENTENCE_END, HEDGE_REACH) if sentence_start is None \
        else max(sentence_start, pos - HEDGE_REACH)
    # hedge words are plain words: asked for between s and pos of the text itself, with no copy
    if not r.any_aspirational.search(text, s, pos):
        return False  # no hedge word: nothing to block
    sentence = text[s:pos]
    # most sentences lack the character all the blocking patterns need: no pattern is asked about
    key = r.not_aspirational_key
    blocked = [m.span() for needs, p in r.not_aspirational_needing
               if all(map(sentence.__contains__, needs))  # 力争 holds no 取: 对上争取 cannot stand there
               for m in p.finditer(sentence)] if not key or key in sentence else []
    if not blocked and r.any_firm.search(sentence) is None:
        return True  # a hedge word stands, none is blocked, and no firm word follows it (none at all)
    last = -1
    for word in r.aspirational:
        i = sentence.find(word)
        while i >= 0:
            if not any(a <= i < b for a, b in blocked):
                last = max(last, i + len(word))
            i = sentence.find(word, i + 1)
    if last < 0:
        return False
    return r.any_firm.search(sentence, last) is None


# --------------------------------------------------------------------------
# Scanning
# --------------------------------------------------------------------------


#: A character that can start a number (the quantity pattern opens with the same lookahead).
_NUMBER_START = re.compile(NUMBER_START)


def scan_quantities(text: str, r: TargetRules, start: int = 0) -> list[Quantity]:
    """Number + unit spans in ``text`` that can be targets (names, ordinals … dropped), none starting before
    ``start`` (the first character a number can start with, when the caller has looked for it)."""
    blocked: list[tuple[int, int]] | None = None
    k = nb = 0
    out: list[Quantity] = []
    specs, articles = r.unit_specs, r.articles  # looked up once per text, not once per number
    for m in r.quantity.finditer(text, start):  # its lookbehinds still see before start
        number, high, more, unit = m.group("num", "num2", "more", "unit")
        spec = specs[unit]
        if number in articles and spec.kind == "count" and not high:
            continue  # 一批项目, 建好一栋: an article, not a count (dropped whether a pattern blocks it or not)
        if blocked is None:  # a text with no number but articles is not scanned for the patterns that block one
            blocked = _blocked(text, r)
            nb = len(blocked)
        at, end = m.span()
        while k < nb and blocked[k][1] <= at:
            k += 1  # matches come in order: spans that end before this one never block a later one
        if k < nb and blocked[k][0] < end:  # the unit ends the match
            continue
        if number[0] not in "0123456789０１２３４５６７８９" and not starts_word(text, at):
            continue  # a numeral inside a word: 统一个人 (asked last: jieba segments the run)
        # by position (start, end, number, value, value_high, unit, spec, more): one per number
        out.append(_new(Quantity, (at, end, number, parse_number(number), parse_number(high) if high else None,
                                   unit, spec, more is not None)))
    return out


def _blocked(text: str, r: TargetRules) -> list[tuple[int, int]]:
    """The spans of every not_targets match in ``text``, sorted and merged.

    A pattern is run only over a text that holds every character it needs (most need a word:
    实事, 指标, 方面), and a word of each group of words it needs (个月/季度, 年产/产能). The
    patterns are filed under a key, a character or a word (:attr:`TargetRules.not_targets_by_key`): a search per key finds
    the keys the text holds, and only the patterns filed under them are asked about (not all of them).
    """
    spans: list[tuple[int, int]] = []
    for p in r.not_targets_unkeyed:
        spans.extend(m.span() for m in p.finditer(text))
    asked: set[regex.Pattern[str]] = set()  # the patterns filed under several keys already asked about
    # each key is asked for by ``in`` (a C search, no match objects): the keys (的, 年, 个 …) are common
    # characters, and a regex finding all of them would make a string per occurrence
    for key, filed in r.not_targets_keyed:
        if key not in text:
            continue
        for words, p, shared in filed:
            if shared:  # whether it can match does not hang on the key: asked once
                if p in asked:
                    continue
                asked.add(p)
            if not words or holds_words(text, words):
                for m in p.finditer(text):
                    spans.append(m.span())
    return _merged(spans) if len(spans) > 1 else spans  # none or one: already sorted and merged


def holds_words(text: str, words: Sequence[Sequence[str]]) -> bool:
    """True when ``text`` holds a word of each group of ``words`` (see :func:`~pipeline.rules.targetrules.needed_words`).

    >>> holds_words("年产25万吨", [("年产", "产能")]), holds_words("新增3个", [("个月", "季度")]), holds_words("x", [])
    (True, False, True)
    """
    for group in words:
        for word in group:
            if word in text:
                break
        else:
            return False
    return True


def _merged(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans sorted and merged where they overlap (so one pass can test a match against them).

    >>> _merged([(5, 8), (0, 2), (1, 3), (7, 9)])
    [(0, 3), (5, 9)]
    """
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


# --------------------------------------------------------------------------
# The entry point
# --------------------------------------------------------------------------


class _Found(NamedTuple):
    """A target before it becomes a record (local offsets)."""

    q: Quantity
    metric: tuple[int, int]  # metric span
    span: tuple[int, int]  # the whole span the target was read from
    kind: str
    qualifier: str


def _resolve_kind(q: Quantity, growth: bool) -> str:
    if q.spec.kind == "percent":
        return "growth" if growth else "rate"
    return q.spec.kind


def split_names(text: str, start: int, end: int, n: int) -> list[tuple[int, int]] | None:
    """Spans of the ``n`` names in ``A、B`` (or ``A和B``) — the metrics of a list of values.

    Splits on 、 first, on 和/及 too only when that gives the count. None when no split gives ``n``.

    >>> s = "资产规模、营业收入"; [s[a:b] for a, b in split_names(s, 0, len(s), 2)]
    ['资产规模', '营业收入']
    >>> split_names("甲、乙、丙", 0, 5, 2) is None
    True
    """
    for sep in NAME_SEPARATORS:
        parts: list[tuple[int, int]] = []
        i = start
        for m in sep.finditer(text[start:end]):
            parts.append((i, start + m.start()))
            i = start + m.end()
        parts.append((i, end))
        parts = [(a, b) for a, b in parts if b > a]
        if len(parts) == n:
            return parts
    return None


def _after_qualifier(text: str, q: Quantity, r: TargetRules) -> tuple[str | None, int]:
    """The qualifier category printed after ``q``'s unit (if any) and where the target ends."""
    qa = qualifier_after(text, q.end, r.qualifiers_after, r.qualifiers_after_by_initial)
    return (qa[1], q.end + len(qa[0])) if qa else (None, q.end)


def _tail_meaning(seen: Sequence[tuple[str, str]], r: TargetRules) -> tuple[str | None, bool]:
    """The qualifier category named by the words trimmed before a number (if any), and whether one is a
    growth or decline word."""
    qualifiers: list[str] = []
    moved = False  # one or two words are trimmed: a loop, not two generators
    for w, role in seen:
        if role == "qualifier":
            qualifiers.append(w)
        elif role == "growth" or role == "decline":
            moved = True
    before_q = next((cat for w, cat in r.qualifiers_before if w in qualifiers), None) if qualifiers else None
    return before_q, moved


def _metric_after(text: str, after: int, nxt: Quantity | None, ends: _Bounds) -> tuple[int, int]:
    """The metric printed after a count (50户困难老年人家庭适老化改造).

    It ends at the clause end, or at the 、 (else the joiner) before the next quantity in the clause.
    """
    # a mark at or past the next quantity is not asked for: the cut before it comes first
    c_end = ends.clause_end(after, None if nxt is None else max(after, nxt.start + 1))
    if nxt is not None and nxt.start < c_end:
        cut = text.rfind("、", after, nxt.start)
        c_end = trim_joiners(text, after, cut if cut >= 0 else nxt.start)
    return cap_metric(text, after, c_end, keep_end=False)


def _chain(text: str, qs: Sequence[Quantity], i: int, after: int,
           r: TargetRules, cat: str | None) -> list[tuple[Quantity, str | None, int]]:
    """``qs[i]`` and the values joined to it by 、/和 (80%、85%以上): (quantity, qualifier after, end).

    At most :data:`MAX_CHAIN` values: a longer run is a table of numbers, never one list of metrics.
    """
    out: list[tuple[Quantity, str | None, int]] = [(qs[i], cat, after)]  # cat, after: _after_qualifier of qs[i]
    pos = after
    for x in qs[i + 1:i + MAX_CHAIN]:
        if text[pos:x.start].strip() not in JOINERS:
            break
        cat, pos = _after_qualifier(text, x, r)
        out.append((x, cat, pos))
    return out


#: Any character of CLAUSE_END / SENTENCE_END (found by the regex engine, not a Python loop per character).
_CLAUSE_MARK = re.compile("[" + re.escape(CLAUSE_END) + "]")
_SENTENCE_MARK = re.compile("[" + re.escape(SENTENCE_END) + "]")


class _Bounds:
    """Clause and sentence boundaries of one text, each found by one search from the offset asked about.

    The searches stop at ``lo`` (the previous target's end, the hedge reach) or ``hi`` (the next
    quantity): no mark is looked for twice, so reading a text stays linear however many numbers it holds.
    The last mark before an offset is the first one after it in the reversed text: a forward search the
    engine runs as a tight loop over the characters (matching ``.*[marks]`` forward instead steps back
    from the offset one character at a time, a full match attempt per step).

    >>> b = _Bounds("增长7%，完成15,000人。新增")
    >>> b.clause_start(6), b.clause_start(12), b.clause_end(6), b.sentence_start(16), b.sentence_start(14)
    (5, 5, 9, 15, 0)
    >>> b.clause_start(12, lo=7), b.clause_end(6, hi=8), b.sentence_start(16, lo=16)
    (7, 8, 16)
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.n = len(text)
        self.reversed = text[::-1]  # offset i of the text is offset n - 1 - i here

    def clause_start(self, pos: int, lo: int = 0) -> int:
        """Offset after the last clause end before ``pos`` that is not a comma between digits (15,000);
        ``lo`` when there is none at or after ``lo``."""
        text, n = self.text, self.n
        while (m := _CLAUSE_MARK.search(self.reversed, n - pos, n - lo)) is not None:
            i = n - 1 - m.start()
            if not (text[i] == "," and 0 < i < n - 1 and text[i - 1].isdigit() and text[i + 1].isdigit()):
                return i + 1
            pos = i  # a comma inside a number: look before it
        return lo

    def clause_end(self, pos: int, hi: int | None = None) -> int:
        """Offset of the first clause end at or after ``pos`` (before ``hi``); ``hi`` (the text's length
        when None) when there is none."""
        m = _CLAUSE_MARK.search(self.text, pos, self.n if hi is None else hi)
        return m.start() if m is not None else (self.n if hi is None else hi)

    def sentence_start(self, pos: int, lo: int = 0) -> int:
        """Offset after the last sentence end before ``pos``; ``lo`` when there is none at or after ``lo``."""
        m = _SENTENCE_MARK.search(self.reversed, self.n - pos, self.n - lo)
        return self.n - m.start() if m is not None else lo


def _find(text: str, qs: Sequence[Quantity], r: TargetRules, ends: _Bounds) -> list[_Found]:
    """Every target in ``text`` (local offsets), in order, read from its quantities ``qs`` (:func:`scan_quantities`).

    Most numbers stand bare (no qualifier after the unit, no tail word or filler word next to them, no
    value joined after them): each helper below is called only when the character it starts from can
    begin its work, which spares a Python call per number and helper (tested in the same order the
    helpers test it, so the result is the same).
    """
    after_by_initial = r.qualifiers_after_by_initial  # None when a table has an empty word: always asked
    tail_by_final = r.tail_words_by_final
    before_by_final = r.qualifiers_before_by_final
    lead_chars = _lead_chars(r.leading)
    found: list[_Found] = []
    boundary = 0  # nothing before this offset belongs to the next metric
    i, n = 0, len(qs)
    while i < n:
        q = qs[i]
        kind = q.spec.kind
        if after_by_initial is None or text[q.end:q.end + 1] in after_by_initial:
            after_q, after = _after_qualifier(text, q, r)
        else:
            after_q, after = None, q.end
        c_start = ends.clause_start(q.start, boundary)  # max(clause start, boundary)
        # words right before the number: links (达到), qualifiers (控制在, 超), growth (增长, 涨幅)
        prev = text[q.start - 1] if q.start > c_start else ""
        if tail_by_final is None or prev in tail_by_final or prev.isspace():
            m_end, seen = strip_tail(text, c_start, q.start, r.tail_words, tail_by_final)
            before_q, growth = _tail_meaning(seen, r) if seen else (None, False)
        else:
            m_end, before_q, growth = q.start, None, False  # most numbers stand bare

        # a measure word followed by the noun it counts (50户困难家庭…): the metric follows (at the
        # text's end the slice is "", which is in every string: no noun; the Han test asked last)
        if kind in PRENOMINAL_KINDS and text[after:after + 1] not in NOT_A_NOUN_START \
                and _is_han(text[after]):
            ms, me = _metric_after(text, after, qs[i + 1] if i + 1 < n else None, ends)
            # 不少于50户…: only a word ending with the character before the number can stand there
            before = r.qualifiers_before if before_by_final is None else before_by_final.get(prev, ())
            span_start = next((q.start - len(w) for w, _ in before
                               if text.startswith(w, q.start - len(w)) and q.start - len(w) >= c_start),
                              q.start)
            found.append(_new(_Found, (q, (ms, me), (span_start, me), kind, after_q or before_q or _bare(q))))
            boundary, i = me, i + 1
            continue

        ms = strip_leading(text, c_start, m_end, r.leading) \
            if c_start < m_end and (text[c_start] in lead_chars or text[c_start].isspace()) else c_start
        # a value joined to the next one (80%、85%) starts a list: only then is the chain read
        if i + 1 < n and text[after:qs[i + 1].start].strip() in JOINERS:
            chain = _chain(text, qs, i, after, r, after_q)
            names = split_names(text, ms, m_end, len(chain))
        else:
            names = None
        if names:
            # A、B分别达到80%、85%以上: names and values paired in order; a qualifier printed only
            # after the last value applies to all.
            shared = chain[-1][1] if all(cat is None for _, cat, _ in chain[:-1]) else None
            for (x, cat, x_end), (a, b) in zip(chain, names):
                a = strip_leading(text, a, b, r.leading)
                qualifier = cat or shared or before_q or _bare(x)
                found.append(_new(_Found, (x, (a, b), (a, x_end), _resolve_kind(x, growth), qualifier)))
            boundary, i = chain[-1][2], i + len(chain)
            continue

        ms, me = cap_metric(text, ms, m_end, keep_end=True) if m_end - ms > MAX_METRIC_CHARS else (ms, m_end)
        # with no metric, the span still covers the words read (年均增长6.5%)
        span_start = ms if me > ms else strip_leading(text, c_start, q.start, frozenset())
        if kind == "percent":
            kind = "growth" if growth else "rate"
        found.append(_new(_Found, (q, (ms, me), (span_start, after), kind, after_q or before_q or _bare(q))))
        boundary, i = after, i + 1
    return found


def simplified_shadow(text: str) -> str:
    """``text`` in simplified script, character for character (same length, so offsets carry over).

    Targets are found on the shadow (so 增長/萬人/力爭 read like 增长/万人/力争) and sliced from
    the original, so metrics and spans stay as printed.

    >>> simplified_shadow("城鎮新增就業3.7萬人")
    '城镇新增就业3.7万人'
    """
    return to_simplified(text)


def page_shadow(page: Page) -> str:
    """:func:`simplified_shadow` of the page's printed text: the text itself when the page is known to
    hold no traditional form (a capture checked as it was read, :attr:`Page.no_traditional`), which
    spares a look at every character of it.

    >>> from pipeline.records import Block
    >>> page_shadow(Page("t", "城鎮", (Block("城鎮", 0, 2),))), page_shadow(Page("t", "城镇", (), no_traditional=True))
    ('城镇', '城镇')
    """
    return page.printed_text if page.no_traditional else simplified_shadow(page.printed_text)


def extract_targets(doc_id: str, item_seq: int, text: str, start: int, r: TargetRules,
                    simplified: str | None = None) -> tuple[Target, ...]:
    """Targets in one item's printed ``text``, which stands at offset ``start`` of the full text.

    Offsets in the result are absolute (``start`` + index in ``text``); metric, unit and
    ``Target.span_text`` are as printed. ``simplified`` is :func:`simplified_shadow` of ``text`` when
    the caller has it (the shadow of the whole text, sliced: the copy is character for character).
    """
    out: list[Target] = []
    # read on the simplified copy, mirror-site pinyin (會(hui)) masked so it does not end a clause
    shadow = simplified_shadow(text) if simplified is None else simplified
    if (first := _NUMBER_START.search(shadow)) is None:
        return ()  # no character a number starts with (many items): no target, nothing to prepare
    if "(" in shadow or "（" in shadow:  # every ruby is bracketed
        shadow = PINYIN_RUBY.sub(lambda m: _MASK * len(m[0]), shadow)  # same length, no new number
    qs = scan_quantities(shadow, r, first.start())  # the text before the first number is not read twice
    if not qs:
        return ()  # numbers without a unit (a date, an item number): no boundaries or hedges looked for
    bounds = _Bounds(shadow)
    # a target before the first hedge word of the item (most items have none) is not hedged: not asked; a
    # hedge word ends before its target, so none is looked for past the last quantity's start
    first_hedge = m.start() if (m := r.any_aspirational.search(shadow, 0, qs[-1].start)) is not None else len(shadow)
    for q, (ms, me), (a, b), kind, qualifier in _find(shadow, qs, r, bounds):  # unpacked: no attribute lookups
        # by position, in the order of the fields (doc_id, item_seq, metric, kind, value, value_high, unit,
        # value_std, unit_std, qualifier, aspirational, span_text, span_start, span_end): a record per
        # number, and keywords cost about twice as much to pass
        value, value_std = _floats(q.value, q.spec.factor)
        out.append(Target(
            doc_id, item_seq, text[ms:me], kind, value,
            float(q.value_high) if q.value_high is not None else None,
            text[q.end - len(q.unit):q.end],  # the unit as printed (萬人 in a traditional-script notice)
            value_std, q.spec.std, qualifier,
            # a hedge word reaches HEDGE_REACH back at most: the sentence start is looked for that far
            q.start > first_hedge
            and hedged(shadow, q.start, r, bounds.sentence_start(q.start, max(0, q.start - HEDGE_REACH))),
            text[a:b], start + a, start + b,
        ))
    return tuple(out)
