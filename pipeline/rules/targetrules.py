"""rules/targets.toml compiled: the unit table (with magnitudes) and the number + unit pattern."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from types import MappingProxyType
from typing import Any

import regex

from ..errors import RulesError
from .patterns import key_chars, needed_chars, needed_words
from .sets import FrozenMap
from .validate import AnyOf

#: The characters a number starts with (the character class :data:`NUMBER` opens with).
NUMBER_START = "[0-9０-９一二两三四五六七八九十]"

#: A number after its first character (see :data:`NUMBER`).
NUMBER_REST = r"""
    (?:
        (?<= [0-9０-９] ) (?<! [0-9０-９.．] . )    # Arabic, not inside a longer number
        (?: [0-9０-９]{0,2} (?: ,[0-9０-９]{3} ){1,4} (?! [0-9０-９] )   # 15,000
          | [0-9０-９]{0,14} (?! [0-9０-９] ) )
        (?: [.．] [0-9０-９]{1,6} )?                # decimals: 152.08
      |
        (?<= [一二两三四五六七八九十] ) (?<! [零〇一二两三四五六七八九十百千万亿] . )  # Chinese, not inside a longer one
        [零〇一二两三四五六七八九十百千万亿]{0,12}?
    )
"""

#: A number as printed: Arabic (with optional thousands commas and decimals, half- or full-width),
#: or Chinese numerals. Chinese numerals start with a digit or 十 (not 万/千/百, which start words:
#: 万达, 千家万户) and are lazy, so that a magnitude belongs to the unit (三千万元 = 三千 + 万元).
#: Arabic runs are capped (a 400-digit "number" is noise, never a target). It opens with one character
#: class (its lookbehinds come after the first character): the engine skips ahead to those characters.
NUMBER = NUMBER_START + NUMBER_REST

#: Characters that can follow the first character of a number + unit, besides the first characters of the
#: units: digits, numerals, a thousands comma or decimal point, blanks and range separators (see
#: :func:`quantity_pattern`).
NUMBER_FOLLOW = r"0-9０-９,.．零〇一二两三四五六七八九十百千万亿\s\-—–~～－至到余多"

#: Separators of a range: 5-8%, 5%—8%, 5至8个.
RANGE_SEP = r"[-—–~～－至到]"

#: Kinds whose units may carry a magnitude prefix (万人, 亿元, 万吨; never 万%).
MAGNITUDE_KINDS = ("count", "amount", "quantity")
#: Qualifier categories a qualifier word may name.
QUALIFIERS = ("around", "at_least", "at_most", "over")


@dataclass(frozen=True)
class UnitSpec:
    """What a unit as printed means."""

    kind: str  # "percent" (growth or rate, by context) | growth | count | amount | quantity
    std: str  # standard unit (元, 人, %, 公里 …)
    factor: Decimal  # value * factor = value in the standard unit


@dataclass(frozen=True)
class TargetRules:
    """rules/targets.toml in the shape the targets stage uses."""

    kinds: FrozenMap[str, str]  # the Target.kind vocabulary -> what it means
    units: FrozenMap[str, UnitSpec]  # unit as printed (with magnitude) -> meaning
    quantity: re.Pattern[str]  # number (range) + unit
    qualifiers_before: tuple[tuple[str, str], ...]  # longest first
    qualifiers_after: tuple[tuple[str, str], ...]  # longest first
    tail_words: tuple[tuple[str, str], ...]  # (word, role) longest first; role link|qualifier|growth|decline
    leading: frozenset[str]  # words dropped from the start of a metric
    aspirational: tuple[str, ...]
    firm: tuple[str, ...]
    not_aspirational: tuple[regex.Pattern[str], ...]
    not_targets: tuple[regex.Pattern[str], ...]
    articles: frozenset[str]  # a bare numeral that is an article before a count unit (一批, 一栋)

    @cached_property
    def unit_specs(self) -> Mapping[str, UnitSpec]:
        """:attr:`units` as a read-only view of a plain dictionary (looked up in C, once per number read)."""
        return MappingProxyType(dict(self.units))

    @cached_property
    def qualifiers_after_by_initial(self) -> Mapping[str, tuple[tuple[str, str], ...]] | None:
        """:attr:`qualifiers_after` by the first character of their word (see :func:`words_by_char`)."""
        return words_by_char(self.qualifiers_after, last=False)

    @cached_property
    def qualifiers_before_by_final(self) -> Mapping[str, tuple[tuple[str, str], ...]] | None:
        """:attr:`qualifiers_before` by the last character of their word (see :func:`words_by_char`)."""
        return words_by_char(self.qualifiers_before, last=True)

    @cached_property
    def tail_words_by_final(self) -> Mapping[str, tuple[tuple[str, str], ...]] | None:
        """:attr:`tail_words` by the last character of their word (see :func:`words_by_char`)."""
        return words_by_char(self.tail_words, last=True)

    @cached_property
    def any_aspirational(self) -> re.Pattern[str]:
        """Any hedge word (one scan tells whether a sentence holds one)."""
        return re.compile("|".join(re.escape(w) for w in self.aspirational) or "(?!)")

    @cached_property
    def not_targets_needing(self) -> tuple[tuple[frozenset[str], tuple[tuple[str, ...], ...], regex.Pattern[str]], ...]:
        """Each not_targets pattern with the characters every match of it holds and the words a text holds
        where it matches (see :func:`needed_chars`, :func:`needed_words`)."""
        return tuple((needed_chars(p), needed_words(p), p) for p in self.not_targets)

    @cached_property
    def not_aspirational_needing(self) -> tuple[tuple[frozenset[str], regex.Pattern[str]], ...]:
        """Each not_aspirational pattern with the characters every match of it holds (see :func:`needed_chars`)."""
        return tuple((needed_chars(p), p) for p in self.not_aspirational)

    @cached_property
    def not_aspirational_key(self) -> str:
        """A character every not_aspirational pattern needs (取 of 对上争取), "" when they share none: a
        sentence without it holds no match of any of them. The sentences asked about hold a hedge word, so
        the character in the fewest hedge words is taken (争 stands in every 力争)."""
        common = frozenset.intersection(*(needs for needs, _ in self.not_aspirational_needing)) \
            if self.not_aspirational_needing else frozenset()
        return min(common, key=lambda c: (sum(c in w for w in self.aspirational), c), default="")

    @cached_property
    def not_targets_by_key(self) -> Mapping[str, tuple[tuple[tuple[tuple[str, ...], ...], regex.Pattern[str], bool], ...]]:
        """The not_targets patterns filed under their keys, characters or words (see :func:`key_chars`): a text is
        asked only for the patterns filed under a key it holds. Each comes with what else a text holds where it matches,
        as groups of words of which one stands (its other characters, each a group of its own, then its needed
        words; a character every word of a group holds is left to the group), and whether it is filed under
        more than one key (then a text holding two of them asks about it once)."""
        by_key: dict[str, list[tuple[tuple[tuple[str, ...], ...], regex.Pattern[str], bool]]] = {}
        for needs, words, p in self.not_targets_needing:
            keys = key_chars(needs, words)
            rest = tuple((c,) for c in sorted(needs - keys) if not any(all(c in w for w in group) for group in words))
            # (a text holding a key word holds a word of its group: the group is not asked again)
            others = tuple(group for group in words if not keys <= frozenset(group))
            for k in keys:
                by_key.setdefault(k, []).append((rest + others, p, len(keys) > 1))
        return MappingProxyType({k: tuple(v) for k, v in by_key.items()})

    @cached_property
    def not_targets_keyed(self) -> tuple[tuple[str, tuple[tuple[tuple[tuple[str, ...], ...], regex.Pattern[str], bool], ...]], ...]:
        """:attr:`not_targets_by_key` as (key, filed) pairs made once (walked for every text holding a number,
        with no view or pair made per key)."""
        return tuple(self.not_targets_by_key.items())

    @cached_property
    def not_targets_unkeyed(self) -> tuple[regex.Pattern[str], ...]:
        """The not_targets patterns that need no character or word (run over every text holding a number)."""
        return tuple(p for needs, words, p in self.not_targets_needing if not key_chars(needs, words))

    @cached_property
    def not_target_keys(self) -> re.Pattern[str]:
        """Any key of a not_targets pattern, a character or a word (one scan finds those a text holds)."""
        return re.compile("|".join(re.escape(k) for k in sorted(self.not_targets_by_key, key=lambda k: (-len(k), k)))
                          or "(?!)")

    @cached_property
    def any_firm(self) -> re.Pattern[str]:
        """Any firm word (one scan tells whether one follows a hedge word)."""
        return re.compile("|".join(re.escape(w) for w in self.firm) or "(?!)")

    @cached_property
    def any_not_target(self) -> AnyOf:
        """The not_targets patterns asked together (does any of them match in a text?)."""
        return AnyOf(self.not_targets)


def words_by_char(table: Iterable[tuple[str, str]], last: bool) -> Mapping[str, tuple[tuple[str, str], ...]] | None:
    """The (word, category) pairs of ``table`` by the first (or ``last``) character of their word, each list in
    the table's order; None when the table has an empty word (it matches anywhere).

    >>> dict(words_by_char((("左右", "around"), ("以上", "at_least"), ("上下", "around")), last=False))
    {'左': (('左右', 'around'),), '以': (('以上', 'at_least'),), '上': (('上下', 'around'),)}
    >>> words_by_char((("", "link"),), last=True) is None
    True
    """
    groups: dict[str, list[tuple[str, str]]] = {}
    for word, cat in table:
        if not word:
            return None
        groups.setdefault(word[-1] if last else word[0], []).append((word, cat))
    return MappingProxyType({ch: tuple(pairs) for ch, pairs in groups.items()})


def unit_table(path: str, units: Mapping[str, Any], magnitudes: Mapping[str, float],
               kinds: Iterable[str]) -> dict[str, UnitSpec]:
    """Every unit as printed -> its meaning: base units, and base units with a magnitude prefix.

    Only units of :data:`MAGNITUDE_KINDS` take a magnitude (no 万%).

    >>> t = unit_table("t", {"元": {"kind": "amount", "std": "元"}, "%": {"kind": "percent", "std": "%"}},
    ...                {"亿": 1e8}, ["amount"])
    >>> sorted(t), t["亿元"].std, t["亿元"].factor
    (['%', '亿元', '元'], '元', Decimal('100000000'))
    """
    known = set(kinds) | {"percent"}
    mags: dict[str, Decimal] = {}
    for m, f in magnitudes.items():
        if f <= 0:
            raise RulesError(path, f"magnitudes.{m}", "expected a positive number")
        mags[m] = Decimal(int(f)) if float(f).is_integer() else Decimal(repr(float(f)))
    out: dict[str, UnitSpec] = {}
    for u, spec in units.items():
        extra = set(spec) - {"kind", "std"}
        if extra:
            raise RulesError(path, f"units.{u}", f"unknown keys {sorted(extra)} (a unit is {{kind, std}})")
        if not isinstance(spec.get("std"), str):
            raise RulesError(path, f"units.{u}.std", "expected a string")
        if spec.get("kind") not in known:
            raise RulesError(path, f"units.{u}.kind",
                             f"unknown kind {spec.get('kind')!r} (known: {', '.join(sorted(known))})")
        out[u] = UnitSpec(spec["kind"], spec["std"], Decimal(1))
        if spec["kind"] in MAGNITUDE_KINDS:
            for m, factor in mags.items():
                out.setdefault(m + u, UnitSpec(spec["kind"], spec["std"], factor))
    return out


#: Up to three blanks around a range separator: ``\s`` as the regex module reads it (the standard
#: library's ``\s`` also takes the separators \x1c-\x1f, left out so that the pattern reads as it did).
BLANKS = r"[^\S\x1c-\x1f]{0,3}"


#: Words by their characters: "" marks a word that ends at this node.
_Trie = dict[str, "_Trie"]


def trie_alternation(words: Iterable[str]) -> str:
    """A regex alternation of literal words written as a trie, the longest word that matches first.

    At one place the words that match are prefixes of one another, so trying the longer continuation
    before stopping gives the same matches in the same order as the flat longest-first alternation;
    but the engine reads a character once instead of trying every unit (with magnitudes, about 200).

    >>> trie_alternation(["万元", "元", "万人次", "万人", "%"])
    '(?:%|万(?:人(?:次)?|元)|元)'
    >>> trie_alternation([])
    '(?!)'
    """
    root: _Trie = {}
    for w in words:
        node = root
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}  # a word ends here

    def branch(node: _Trie) -> str:
        alts = [re.escape(ch) + branch(sub) for ch, sub in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 and "" not in node else "(?:" + "|".join(alts) + ")"
        return body + "?" if "" in node else body  # greedy: the longer word first, then the word that ends here

    return branch(root) or "(?!)"


def quantity_pattern(units: Iterable[str]) -> re.Pattern[str]:
    """The compiled number (range) + unit regex for a set of units.

    Compiled with the standard library (the pattern uses nothing of the regex module). :data:`NUMBER` opens
    with one character class (its lookbehinds come after the first character): the engine then skips to those
    characters in its search loop instead of trying the pattern at every place.

    >>> p = quantity_pattern(["%", "个", "万元", "元"])
    >>> [m.group(0) for m in p.finditer("增长7%、5至8个、三千万元、2025年、10余个")]
    ['7%', '5至8个', '三千万元', '10余个']
    """
    units = tuple(units)
    unit = trie_alternation(units)
    # most characters a number starts with stand in words (进一步, 统一): one that no digit, numeral, separator
    # or unit follows is given up at once, before the lookbehinds and the units are tried (the rest of the
    # pattern asks for one of these characters there, so no match is lost)
    follow = "[" + NUMBER_FOLLOW + "".join(sorted({re.escape(u[0]) for u in units if u})) + "]"
    return re.compile(
        rf"""
        (?P<num> {NUMBER_START} (?= {follow} ) {NUMBER_REST} )
        (?:                                   # a range: 5-8%, 5%—8%, 5至8个
            (?P<unit1> {unit} )? {BLANKS} {RANGE_SEP} {BLANKS}
            (?P<num2> {NUMBER} )
        )?
        (?P<more> [余多] )?                  # 3000余人次, 10多个: more than the number
        (?P<unit> {unit} )
        """,
        re.VERBOSE,
    )


def build_targets(path: str, d: Mapping[str, Any]) -> TargetRules:
    units = unit_table(path, d["units"], d["magnitudes"], d["kinds"])
    for key in ("qualifiers_before", "qualifiers_after"):
        for w, cat in d[key].items():
            if cat not in QUALIFIERS:
                raise RulesError(path, f"{key}.{w}", f"unknown qualifier {cat!r} (allowed: {', '.join(QUALIFIERS)})")
    tail: dict[str, str] = {}
    for role, words in (("decline", d["decline_words"]), ("growth", d["growth_words"]),
                        ("qualifier", d["qualifiers_before"]), ("link", d["links"])):
        for w in words:
            tail.setdefault(w, role)

    def by_len(m: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
        return tuple(sorted(m.items(), key=lambda kv: (-len(kv[0]), kv[0])))

    return TargetRules(
        kinds=FrozenMap(d["kinds"]), units=FrozenMap(units), quantity=quantity_pattern(units),
        qualifiers_before=by_len(d["qualifiers_before"]), qualifiers_after=by_len(d["qualifiers_after"]),
        tail_words=by_len(tail), leading=frozenset(d["leading"]), aspirational=tuple(d["aspirational"]),
        firm=tuple(d["firm"]), not_aspirational=tuple(d["not_aspirational"]), not_targets=tuple(d["not_targets"]),
        articles=frozenset(d["articles"]),
    )
