"""Indicator wordings and the text normalisation the similarity works on (pure).

A task text is compared after indicator wordings are replaced by their canonical name (地方生产总值 ->
地区生产总值, rules/indicators.toml) and numbers and punctuation are removed (targets are compared
separately, so 增长7% and 增长6.5% read alike here).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import regex

#: What is removed before features are taken: numbers (targets are compared separately), punctuation, space.
NOISE = regex.compile(
    r"""
    [0-9０-９.．%％‰]+     # numbers, decimals, percent
  | [\p{P}\p{S}\s]+       # punctuation, symbols (quotes, brackets, ·), white space
    """,
    regex.VERBOSE,
)


def indicator_wordings(indicators: Mapping[str, Sequence[str]]) -> tuple[tuple[str, str], ...]:
    """(wording, canonical) pairs, longest wording first (ties by wording), canonical names included.

    >>> indicator_wordings({"地区生产总值": ["GDP", "地方生产总值"]})
    (('地区生产总值', '地区生产总值'), ('地方生产总值', '地区生产总值'), ('GDP', '地区生产总值'))
    """
    pairs = {(w.upper(), canon) for canon, ws in indicators.items() for w in (canon, *ws)}
    return tuple(sorted(pairs, key=lambda p: (-len(p[0]), p[0], p[1])))


def canonical_indicator(metric: str, wordings: Sequence[tuple[str, str]]) -> str | None:
    """The canonical indicator whose longest wording occurs in ``metric``, else None.

    >>> w = indicator_wordings({"地区生产总值": ["生产总值"], "单位地区生产总值能耗": ["单位生产总值能耗"]})
    >>> canonical_indicator("地方生产总值", w), canonical_indicator("单位生产总值能耗", w), canonical_indicator("税收", w)
    ('地区生产总值', '单位地区生产总值能耗', None)
    """
    m = regex.sub(r"\s+", "", metric).upper()
    for wording, canon in wordings:
        if wording in m:
            return canon
    return None


def indicator_spans(text: str, wordings: Sequence[tuple[str, str]]) -> list[tuple[tuple[int, int], str]]:
    """((start, end), canonical) of every indicator wording in ``text`` (upper-cased by the caller), longest
    wording first at each place, no overlaps, in text order.

    >>> indicator_spans("地方生产总值和GDP", indicator_wordings({"地区生产总值": ["地方生产总值", "GDP"]}))
    [((0, 6), '地区生产总值'), ((7, 10), '地区生产总值')]
    """
    taken: list[tuple[tuple[int, int], str]] = []
    for wording, canon in wordings:
        start = text.find(wording)
        while start >= 0:
            span = (start, start + len(wording))
            if not any(s < span[1] and span[0] < e for (s, e), _ in taken):
                taken.append((span, canon))
            start = text.find(wording, start + 1)
    return sorted(taken)


def mentioned_indicators(text: str, wordings: Sequence[tuple[str, str]]) -> frozenset[str]:
    """Canonical indicators named anywhere in ``text`` (longest wording wins at each place).

    >>> w = indicator_wordings({"地区生产总值": ["地方生产总值"], "外贸出口": ["外贸出口总额"]})
    >>> sorted(mentioned_indicators("地方生产总值增长7%,外贸出口总额增长8%", w))
    ['地区生产总值', '外贸出口']
    """
    return frozenset(canon for _, canon in indicator_spans(text.upper(), wordings))


def normalize_text(text: str, wordings: Sequence[tuple[str, str]] = (),
                   spans: Sequence[tuple[tuple[int, int], str]] | None = None) -> str:
    """Text for similarity: indicator wordings -> canonical name, numbers and punctuation removed.
    ``spans`` are the indicator spans of ``text.upper()`` when the caller has them already.

    >>> normalize_text("“地方生产总值”增长7.5%左右。", indicator_wordings({"地区生产总值": ["地方生产总值"]}))
    '地区生产总值增长左右'
    """
    up = text.upper()
    out, pos = [], 0
    for (s, e), canon in (indicator_spans(up, wordings) if spans is None else spans):
        out.append(up[pos:s])
        out.append(canon)
        pos = e
    out.append(up[pos:])
    return NOISE.sub("", "".join(out))
