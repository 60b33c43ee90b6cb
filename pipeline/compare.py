"""Compare two breakdowns: which tasks continued, changed, appeared or were dropped; how each target
moved; which units carry more or less.

The entry point is :func:`compare` (two :class:`~pipeline.records.Extraction` -> a :class:`Comparison`);
:func:`run_compare` is what ``fenjie compare`` calls (load, compare, write tables and the report).

Steps, in order:

1. **Features** of every item (:func:`item_features`): the task text with numbers and punctuation removed and
   indicator wordings replaced by their canonical name (``rules/indicators.toml``), cut into jieba tokens
   (:func:`pipeline.segment.tokens`) and character bigrams. Tokens and bigrams are weighted by their inverse
   document frequency over the items of both notices, so 推进/加快/增长 weigh little and 冷链物流 a lot.
2. **Similarity** of every old/new pair (:func:`similarity`): the mean of three parts, each in [0, 1]:
   weighted Dice over tokens, weighted Dice over bigrams, and rapidfuzz's normalized Indel similarity over
   the token *sequences* (word order). Items of the 经济社会发展指标 kind that share a canonical indicator get
   :data:`SHARED_INDICATOR_BONUS`; items whose canonical indicators are disjoint get nothing of it.
3. **One-to-one assignment**, greedy best-first (:func:`greedy_assign`): pairs sorted by score, highest first
   (ties by old then new position), taken while both items are free and the score is at least
   :data:`MATCH_THRESHOLD`. Greedy is not optimal in total score, but with a threshold this high a pair it
   takes is almost always the Hungarian choice too, and it is explainable row by row. Then left-over items
   in the same slot (neighbours paired with each other) pair at the lower :data:`NEIGHBOUR_THRESHOLD`
   (:func:`rescue_neighbours`): notices keep their order from year to year.
4. **Splits and mergers** (:func:`split_fit`): a still-unpaired new item joins the pair of an old item when
   it covers much of what its partner left of the old item (:data:`SPLIT_RESIDUAL`) and is largely made of
   the old item's words (:data:`SPLIT_CONTAINMENT`); mirrored for an unpaired old item (a merger). Such a
   group is one row with several items on one side.
5. **Targets** (:func:`indicator_changes`): every target is mapped to a canonical indicator; old and new
   targets of the same (indicator, kind) line up wherever they stand. Targets without an indicator line up
   inside an aligned item pair when they share kind and standard unit and their metrics are similar
   (:func:`metric_similarity` >= :data:`METRIC_THRESHOLD`); the rest are new or dropped.
6. **Status** of each pair: ``modified`` when a target of the pair moved (value, range, qualifier, or a target
   added/removed) or its units changed (a unit added, removed, or in another role, after renames),
   else ``continued``. Unpaired items are ``new`` or ``dropped``.
7. **Unit load** (:func:`unit_load`): per unit (older names renamed by ``rules/unit_renames.toml``), the number
   of items it leads, is responsible for, or cooperates on, in each notice.

Everything is sorted, so the same inputs give byte-identical tables and report.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import typing
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import regex
from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

from .errors import CompareError
from .records import Assignment, Document, Extraction, Item, Target, col
from .segment import tokens

# --------------------------------------------------------------------------
# Thresholds, tuned on tests/fixtures/compare/qingwan-*: two hand-written consecutive-year notices of one
# district in the sample's shape, 35 old / 34 new items with rewordings, moved targets, renamed indicators
# and units, one split, one merger and two same-topic decoys. There, true one-to-one pairs score >= 0.47 and
# the best wrong candidate of any item <= 0.24. Then checked on lanxi-* (written after, in another style):
# true pairs >= 0.27, wrong <= 0.17; one miss (0.27), which NEIGHBOUR_THRESHOLD now covers (see there).
# --------------------------------------------------------------------------

#: A pair is accepted when its similarity is at least this. Lower finds more rewordings but pairs unrelated
#: tasks of the same topic; higher turns heavy rewordings into dropped + new.
MATCH_THRESHOLD = 0.3

#: A left-over old and new item in the same slot (their neighbours are paired with each other) pair when
#: their similarity is at least this. Added after the held-out lanxi pair missed a task whose next phase
#: was reworded (智能制造产业园: 基础设施 -> 二期标准厂房, 0.27); unrelated tasks in the same slot score
#: <= 0.09 on both fixtures (qingwan old 25 / new 25: 0.06).
NEIGHBOUR_THRESHOLD = 0.2

#: Added to the similarity of two items that name the same canonical indicator (the 指标 items are short
#: and differ mostly in numbers, which are removed, so their texts alone say little).
SHARED_INDICATOR_BONUS = 0.25

#: An item whose normalized text is at least this share indicator names is an indicator line (经济社会发展
#: 指标 items: 地区生产总值增长6.5%左右 -> 1.0 after numbers go; a task that mentions 技改投资 -> about 0.2).
INDICATOR_ITEM_SHARE = 0.3

#: A left-over item joins a pair as a piece of a split/merger when it covers at least this weighted share of
#: the residual -- the features of the item on the other side that its partner(s) do not have (qingwan
#: 冷链集散中心: 0.54; the best wrong candidate on both fixtures: 0.34)...
SPLIT_RESIDUAL = 0.4
#: ...at least this share of its own features is in the item on the other side (a split-off piece brings
#: new words of its own: 建成…一期并投入使用 -> 0.42)...
SPLIT_CONTAINMENT = 0.3
#: ...and its own similarity to that item is at least this.
SPLIT_MIN_SCORE = 0.15

#: Two metrics without a canonical indicator line up inside an aligned pair (same kind, same standard unit)
#: when their :func:`metric_similarity` (0-100) is at least this. On the fixtures, true series score >= 74
#: and other same-kind, same-unit metrics of the same pair <= 46 (省级专精特新企业 / 新增高新技术企业).
METRIC_THRESHOLD = 60.0

#: Tokens that carry no task meaning (function words and the commonest verbs of the genre).
STOP_TOKENS = frozenset(
    "的 和 与 及 等 在 对 为 了 是 把 将 以 并 其 中 上 下 个 各 一批 进一步 持续 积极 加快 推进 推动 深入 全面 大力 "
    "不断 切实 着力 强化 加强 全力 扎实 有序 稳步 力争 确保 实现 完成 开展 实施 做好 抓好".split()
)

#: What is removed before features are taken: numbers (targets are compared separately), punctuation, space.
_NOISE = regex.compile(
    r"""
    [0-9０-９.．%％‰]+     # numbers, decimals, percent
  | [\p{P}\p{S}\s]+       # punctuation, symbols (quotes, brackets, ·), white space
    """,
    regex.VERBOSE,
)

_ROLES = ("lead", "responsible", "cooperating")


# --------------------------------------------------------------------------
# Output rows
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemPair:
    """One row of the alignment: every item of both notices appears in exactly one row."""

    old_doc_id: str = col("Document id of the older notice.")
    new_doc_id: str = col("Document id of the newer notice.")
    row: int = col("1-based row number, in the newer notice's order (dropped items after their old predecessor).")
    status: str = col("continued (same task, same targets and units) | modified (same task; a target or a unit changed) | new | dropped.")
    relation: str = col("one_to_one | split (one old item -> several new) | merged (several old -> one new) | unpaired (new or dropped).")
    old_items: tuple[int, ...] = col("item_seq of the old item(s) in the row; empty for a new item.")
    new_items: tuple[int, ...] = col("item_seq of the new item(s) in the row; empty for a dropped item.")
    old_labels: str = col("Labels of the old item(s) as printed, joined with a space.")
    new_labels: str = col("Labels of the new item(s) as printed, joined with a space.")
    old_text: str = col("Text of the old item(s), joined with a newline.")
    new_text: str = col("Text of the new item(s), joined with a newline.")
    score: float | None = col("Similarity of the old and new text(s), 0-1 (see pipeline/compare.py); null when unpaired.")
    targets_changed: bool = col("A target of the row moved: value, range or qualifier changed, or a target was added or removed.")
    units_changed: bool = col("The units differ: a unit added or removed, or one in another role (after renames).")
    units_added: tuple[str, ...] = col("Units in the new item(s) but not in the old, sorted.")
    units_removed: tuple[str, ...] = col("Units in the old item(s) but not in the new, sorted.")


@dataclass(frozen=True)
class IndicatorChange:
    """One target series: an old target and the new target it lines up with (either may be missing)."""

    old_doc_id: str = col("Document id of the older notice.")
    new_doc_id: str = col("Document id of the newer notice.")
    indicator: str | None = col("Canonical indicator (rules/indicators.toml), null when the metric has none.")
    basis: str = col("How the two lined up: indicator (same canonical indicator and kind) | aligned_items (same kind and unit, similar metric, in an aligned item pair) | none (one side only).")
    change: str = col("up | down | same | qualifier (same value, other qualifier or range) | incomparable (different units) | new | dropped.")
    kind: str = col("Kind of the target(s): growth | rate | count | amount | quantity.")
    old_item_seq: int | None = col("Item of the old target.")
    old_metric: str | None = col("Old metric as printed.")
    old_value: float | None = col("Old value as printed.")
    old_value_high: float | None = col("Upper end of an old range.")
    old_unit: str | None = col("Old unit as printed.")
    old_value_std: float | None = col("Old value in the standard unit (targets.value_std).")
    old_qualifier: str | None = col("Old qualifier (around | at_least | at_most | over | exact).")
    old_text: str | None = col("Span the old target was read from.")
    new_item_seq: int | None = col("Item of the new target.")
    new_metric: str | None = col("New metric as printed.")
    new_value: float | None = col("New value as printed.")
    new_value_high: float | None = col("Upper end of a new range.")
    new_unit: str | None = col("New unit as printed.")
    new_value_std: float | None = col("New value in the standard unit (targets.value_std).")
    new_qualifier: str | None = col("New qualifier.")
    new_text: str | None = col("Span the new target was read from.")
    delta: float | None = col("new - old in the standard unit (value_std); percentage points for %; null unless both sides share unit_std.")
    delta_unit: str | None = col("Unit of delta: the standard unit, 'pp' (percentage points) for %.")


@dataclass(frozen=True)
class UnitLoad:
    """One unit's load in each notice: items it leads, is responsible for, cooperates on."""

    old_doc_id: str = col("Document id of the older notice.")
    new_doc_id: str = col("Document id of the newer notice.")
    unit: str = col("Unit name after renames (rules/unit_renames.toml maps older names to newer ones, in both notices).")
    renamed_from: tuple[str, ...] = col("Older names printed in either notice that were mapped to this unit, sorted; else empty.")
    lead_old: int = col("Items the unit leads in the older notice.")
    responsible_old: int = col("Items the unit is responsible for in the older notice.")
    cooperating_old: int = col("Items the unit cooperates on in the older notice.")
    total_old: int = col("Distinct items the unit appears in (any role) in the older notice.")
    lead_new: int = col("Items the unit leads in the newer notice.")
    responsible_new: int = col("Items the unit is responsible for in the newer notice.")
    cooperating_new: int = col("Items the unit cooperates on in the newer notice.")
    total_new: int = col("Distinct items the unit appears in in the newer notice.")
    delta_lead: int = col("lead_new - lead_old.")
    delta_responsible: int = col("responsible_new - responsible_old.")
    delta_cooperating: int = col("cooperating_new - cooperating_old.")
    delta_total: int = col("total_new - total_old.")


@dataclass(frozen=True)
class Comparison:
    """The result of comparing two extractions."""

    old: Document  # the older notice's document row
    new: Document  # the newer notice's document row
    pairs: tuple[ItemPair, ...]  # alignment rows, every item exactly once
    indicators: tuple[IndicatorChange, ...]  # target series, every target exactly once
    units: tuple[UnitLoad, ...]  # per unit, sorted by name
    old_items: tuple[Item, ...] = ()  # the old notice's items (for the report)
    new_items: tuple[Item, ...] = ()  # the new notice's items

    @cached_property
    def counts(self) -> dict[str, int]:
        """Rows per status plus split/merged groups and item totals."""
        c = Counter(p.status for p in self.pairs)
        out = {s: c.get(s, 0) for s in ("continued", "modified", "new", "dropped")}
        out["split"] = sum(p.relation == "split" for p in self.pairs)
        out["merged"] = sum(p.relation == "merged" for p in self.pairs)
        out["old_items"] = len(self.old_items)
        out["new_items"] = len(self.new_items)
        return out

    def links(self) -> set[tuple[int, int]]:
        """Every (old item_seq, new item_seq) the alignment pairs, split/merger members included."""
        return {(o, n) for p in self.pairs for o in p.old_items for n in p.new_items}


# --------------------------------------------------------------------------
# Features and similarity
# --------------------------------------------------------------------------


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


def mentioned_indicators(text: str, wordings: Sequence[tuple[str, str]]) -> frozenset[str]:
    """Canonical indicators named anywhere in ``text`` (longest wording wins at each place).

    >>> w = indicator_wordings({"地区生产总值": ["地方生产总值"], "外贸出口": ["外贸出口总额"]})
    >>> sorted(mentioned_indicators("地方生产总值增长7%,外贸出口总额增长8%", w))
    ['地区生产总值', '外贸出口']
    """
    return frozenset(canon for _, canon in _indicator_spans(text.upper(), wordings))


def _indicator_spans(text: str, wordings: Sequence[tuple[str, str]]) -> list[tuple[tuple[int, int], str]]:
    taken: list[tuple[tuple[int, int], str]] = []
    for wording, canon in wordings:
        start = text.find(wording)
        while start >= 0:
            span = (start, start + len(wording))
            if not any(s < span[1] and span[0] < e for (s, e), _ in taken):
                taken.append((span, canon))
            start = text.find(wording, start + 1)
    return sorted(taken)


def normalize_text(text: str, wordings: Sequence[tuple[str, str]] = ()) -> str:
    """Text for similarity: indicator wordings -> canonical name, numbers and punctuation removed.

    >>> normalize_text("“地方生产总值”增长7.5%左右。", indicator_wordings({"地区生产总值": ["地方生产总值"]}))
    '地区生产总值增长左右'
    """
    up = text.upper()
    out, pos = [], 0
    for (s, e), canon in _indicator_spans(up, wordings):
        out.append(up[pos:s])
        out.append(canon)
        pos = e
    out.append(up[pos:])
    return _NOISE.sub("", "".join(out))


@dataclass(frozen=True)
class Features:
    """What similarity looks at in one item (or a group of items)."""

    tokens: tuple[str, ...]  # content tokens in order (jieba, stop tokens removed)
    grams: frozenset[str]  # character bigrams of the normalized text
    indicators: frozenset[str]  # canonical indicators the text names
    indicator_share: float = 0.0  # share of the normalized text that is canonical indicator names


def item_features(text: str, wordings: Sequence[tuple[str, str]] = ()) -> Features:
    """Features of one task text.

    >>> f = item_features("加快推进冷链物流园建设")
    >>> f.tokens, sorted(f.grams)[:3]
    (('冷', '链', '物流园', '建设'), ['冷链', '加快', '园建'])
    """
    norm = normalize_text(text, wordings)
    toks = tuple(t for t in tokens(norm) if t not in STOP_TOKENS)
    grams = frozenset(norm[i:i + 2] for i in range(len(norm) - 1)) or frozenset([norm] if norm else [])
    names = mentioned_indicators(text, wordings)
    covered = sum(len(c) * norm.count(c) for c in names)
    return Features(toks, grams, names, round(covered / len(norm), 6) if norm else 0.0)


def idf_weights(docs: Iterable[Iterable[str]]) -> dict[str, float]:
    """Smoothed inverse document frequency of each feature: ``log((N + 1) / (df + 1)) + 1``.

    >>> w = idf_weights([{"a", "b"}, {"a"}])
    >>> round(w["a"], 3), round(w["b"], 3)
    (1.0, 1.405)
    """
    docs = [set(d) for d in docs]
    df = Counter(f for d in docs for f in d)
    n = len(docs)
    return {f: math.log((n + 1) / (c + 1)) + 1.0 for f, c in df.items()}


def weighted_dice(a: Iterable[str], b: Iterable[str], w: Mapping[str, float]) -> float:
    """Dice coefficient of two feature sets, each feature weighted by ``w`` (default weight 1).

    >>> weighted_dice({"x", "y"}, {"x", "z"}, {"x": 3.0})
    0.75
    """
    a, b = set(a), set(b)
    total = sum(w.get(f, 1.0) for f in a) + sum(w.get(f, 1.0) for f in b)
    if not total:
        return 0.0
    return 2 * sum(w.get(f, 1.0) for f in a & b) / total


def containment(part: Iterable[str], whole: Iterable[str], w: Mapping[str, float]) -> float:
    """Weighted share of ``part``'s features that are in ``whole``.

    >>> containment({"x", "y"}, {"x", "z"}, {"x": 3.0})
    0.75
    """
    part = set(part)
    total = sum(w.get(f, 1.0) for f in part)
    return sum(w.get(f, 1.0) for f in part & set(whole)) / total if total else 0.0


def similarity(a: Features, b: Features, w: Mapping[str, float]) -> float:
    """Similarity of two items in [0, 1]: mean of token Dice, bigram Dice and token-sequence Indel
    similarity (rapidfuzz), plus :data:`SHARED_INDICATOR_BONUS` when both name a common indicator (capped
    at 1). Two indicator lines (indicator names at least :data:`INDICATOR_ITEM_SHARE` of each text) that
    name only different indicators score 0: 服务业增加值增长7.5%左右 is not 规上工业增加值增长9%左右.

    >>> w = {}
    >>> f = item_features("建设冷链物流产业园")
    >>> similarity(f, f, w)
    1.0
    >>> round(similarity(f, item_features("改造老旧小区"), w), 2)
    0.0
    """
    if (a.indicator_share >= INDICATOR_ITEM_SHARE and b.indicator_share >= INDICATOR_ITEM_SHARE
            and a.indicators and b.indicators and not a.indicators & b.indicators):
        return 0.0  # two 指标 lines about different indicators are different targets, however alike
    tok = weighted_dice(a.tokens, b.tokens, w)
    gram = weighted_dice(a.grams, b.grams, w)
    seq = Indel.normalized_similarity(list(a.tokens), list(b.tokens)) if a.tokens and b.tokens else 0.0
    score = (tok + gram + seq) / 3
    if a.indicators & b.indicators:
        score += SHARED_INDICATOR_BONUS
    return round(min(score, 1.0), 6)


def greedy_assign(scores: Mapping[tuple[int, int], float], threshold: float) -> dict[int, int]:
    """One-to-one pairs (old -> new), best score first, ties by old then new key; only >= threshold.

    >>> greedy_assign({(1, 1): 0.9, (1, 2): 0.95, (2, 2): 0.5, (2, 1): 0.4}, 0.3)
    {1: 2, 2: 1}
    """
    ranked = sorted(((s, o, n) for (o, n), s in scores.items() if s >= threshold), key=lambda t: (-t[0], t[1], t[2]))
    out: dict[int, int] = {}
    used: set[int] = set()
    for _, o, n in ranked:
        if o not in out and n not in used:
            out[o] = n
            used.add(n)
    return dict(sorted(out.items()))


def rescue_neighbours(pairs: Mapping[int, int], scores: Mapping[tuple[int, int], float],
                      threshold: float) -> dict[int, int]:
    """Add pairs of unpaired items that sit in the same slot: old o and new n are both unpaired, o-1 is
    paired with n-1 or o+1 with n+1, and their score is at least ``threshold`` (best first; repeated
    until nothing changes, so a run of rewordings between two anchors is taken in order).

    >>> rescue_neighbours({1: 1, 3: 3}, {(2, 2): 0.25, (2, 4): 0.28, (4, 4): 0.1}, 0.2)
    {1: 1, 2: 2, 3: 3}
    """
    out = dict(pairs)
    while True:
        used = set(out.values())
        cands = sorted(((s, o, n) for (o, n), s in scores.items()
                        if s >= threshold and o not in out and n not in used
                        and (out.get(o - 1) == n - 1 or out.get(o + 1) == n + 1)),
                       key=lambda t: (-t[0], t[1], t[2]))
        if not cands:
            return dict(sorted(out.items()))
        _, o, n = cands[0]
        out[o] = n


def split_fit(part: set[str], whole: set[str], partners: Sequence[set[str]],
              w: Mapping[str, float]) -> tuple[float, float] | None:
    """Does ``part`` join ``partners`` as a piece of ``whole`` (a split, or mirrored a merger)?

    Returns (share of the residual -- what the partners leave of ``whole`` -- that ``part`` covers, share of
    ``part`` contained in ``whole``) when they reach :data:`SPLIT_RESIDUAL` and :data:`SPLIT_CONTAINMENT`,
    else None. The residual test is what tells a split-off piece from a task that merely shares words:
    the piece covers what the partner did not.

    >>> split_fit({"冷链", "中心", "建成"}, {"冷链", "中心", "盘活", "商业"}, [{"盘活", "商业"}], {})
    (1.0, 0.6666666666666666)
    >>> split_fit({"盘活", "建成"}, {"冷链", "中心", "盘活", "商业"}, [{"盘活", "商业"}], {}) is None
    True
    """
    covered = set().union(*partners) if partners else set()
    residual = whole - covered
    fit = (containment(residual, part, w), containment(part, whole, w))
    return fit if fit[0] >= SPLIT_RESIDUAL and fit[1] >= SPLIT_CONTAINMENT else None


# --------------------------------------------------------------------------
# Alignment
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Group:
    old: tuple[int, ...]
    new: tuple[int, ...]
    score: float | None
    relation: str


def align(old_items: Sequence[Item], new_items: Sequence[Item],
          wordings: Sequence[tuple[str, str]] = ()) -> list[_Group]:
    """Groups of aligned items (before status): every item in exactly one group."""
    fo = {it.item_seq: item_features(it.text, wordings) for it in old_items}
    fn = {it.item_seq: item_features(it.text, wordings) for it in new_items}
    w = idf_weights([set(f.tokens) | f.grams for f in (*fo.values(), *fn.values())])
    scores = {(o, n): similarity(fo[o], fn[n], w) for o in fo for n in fn}
    pairs = rescue_neighbours(greedy_assign(scores, MATCH_THRESHOLD), scores, NEIGHBOUR_THRESHOLD)
    groups: dict[int, list[list[int]]] = {o: [[o], [n]] for o, n in pairs.items()}  # keyed by first old
    by_new = {n: o for o, n in pairs.items()}
    text_o = {it.item_seq: it.text for it in old_items}
    text_n = {it.item_seq: it.text for it in new_items}

    def union(texts: Iterable[str]) -> Features:
        return item_features("\n".join(texts), wordings)

    def feats(f: Features) -> set[str]:
        return set(f.tokens) | f.grams

    # Splits: a left-over new item that explains what an old item's partner(s) left unexplained.
    for n in sorted(set(fn) - set(by_new)):
        best = None
        for o in sorted(pairs):
            olds, news = groups[o]
            if len(olds) > 1:  # already a merger
                continue
            fit = split_fit(feats(fn[n]), feats(fo[o]), [feats(fn[m]) for m in news], w)
            if fit is not None and scores[(o, n)] >= SPLIT_MIN_SCORE and (best is None or fit > best[0]):
                best = (fit, o)
        if best is not None:
            groups[best[1]][1].append(n)
            groups[best[1]][1].sort()
            by_new[n] = best[1]

    # Mergers: the mirror image, a left-over old item that explains the rest of a new item.
    paired_old = {x for g in groups.values() for x in g[0]}
    for o in sorted(set(fo) - paired_old):
        best = None
        for key in sorted(groups):
            olds, news = groups[key]
            if len(news) != 1:  # already a split
                continue
            fit = split_fit(feats(fo[o]), feats(fn[news[0]]), [feats(fo[m]) for m in olds], w)
            if fit is not None and scores[(o, news[0])] >= SPLIT_MIN_SCORE and (best is None or fit > best[0]):
                best = (fit, key)
        if best is not None:
            groups[best[1]][0].append(o)
            groups[best[1]][0].sort()

    out: list[_Group] = []
    for olds, news in groups.values():
        if len(olds) == 1 and len(news) == 1:
            out.append(_Group(tuple(olds), tuple(news), scores[(olds[0], news[0])], "one_to_one"))
        else:
            s = similarity(union(text_o[m] for m in olds), union(text_n[m] for m in news), w)
            out.append(_Group(tuple(olds), tuple(news), s, "split" if len(news) > 1 else "merged"))
    grouped_old = {x for g in out for x in g.old}
    grouped_new = {x for g in out for x in g.new}
    out += [_Group((o,), (), None, "unpaired") for o in sorted(set(fo) - grouped_old)]
    out += [_Group((), (n,), None, "unpaired") for n in sorted(set(fn) - grouped_new)]
    return out


# --------------------------------------------------------------------------
# Targets
# --------------------------------------------------------------------------


def _metric_key(metric: str) -> str:
    return _NOISE.sub("", metric)


def metric_similarity(a: str, b: str) -> float:
    """How alike two metrics are, 0-100: the better of rapidfuzz's character ratio and its token-set ratio
    over jieba words (numbers and punctuation removed). The token-set ratio lets a metric that gained or
    lost a qualifying phrase still match (举办湖滨消费季等促消费活动 / 联合商圈和电商平台举办促消费活动 share
    举办、促、消费、活动); metrics about different things share no word and stay apart.

    >>> metric_similarity("新增限上商贸企业", "新增限上商贸企业")
    100.0
    >>> metric_similarity("举办湖滨消费季等促消费活动", "联合商圈和电商平台举办促消费活动") >= METRIC_THRESHOLD
    True
    >>> metric_similarity("新建口袋公园", "建设完整社区") < METRIC_THRESHOLD
    True
    """
    ka, kb = _metric_key(a), _metric_key(b)
    words = fuzz.token_set_ratio(" ".join(tokens(ka)), " ".join(tokens(kb)))
    return round(max(fuzz.ratio(ka, kb), words), 4)


def _same_target(a: Target, b: Target) -> bool:
    return (a.value_std, a.value_high, a.unit_std, a.qualifier) == (b.value_std, b.value_high, b.unit_std, b.qualifier) \
        if a.value_std is not None else (a.value, a.value_high, a.unit, a.qualifier) == (b.value, b.value_high, b.unit, b.qualifier)


def _change(o: Target | None, n: Target | None) -> tuple[str, float | None, str | None]:
    """(change, delta, delta_unit) of a lined-up pair of targets."""
    if o is None:
        return "new", None, None
    if n is None:
        return "dropped", None, None
    ou, nu = o.unit_std or o.unit, n.unit_std or n.unit
    if ou != nu:
        return "incomparable", None, None
    ov = o.value_std if o.value_std is not None else o.value
    nv = n.value_std if n.value_std is not None else n.value
    delta = round(nv - ov, 6)
    unit = "pp" if nu == "%" else nu
    if delta > 0:
        return "up", delta, unit
    if delta < 0:
        return "down", delta, unit
    if (o.value_high, o.qualifier) != (n.value_high, n.qualifier):
        return "qualifier", delta, unit
    return "same", delta, unit


def indicator_changes(old: Extraction, new: Extraction, groups: Sequence[_Group],
                      wordings: Sequence[tuple[str, str]]) -> list[IndicatorChange]:
    """Line up old and new targets (see the module docstring, step 5). Every target appears once."""
    def key(t: Target) -> tuple[int, int]:
        return (t.item_seq, t.span_start)

    olds = sorted(old.targets, key=key)
    news = sorted(new.targets, key=key)
    canon_o = {key(t): canonical_indicator(t.metric, wordings) for t in olds}
    canon_n = {key(t): canonical_indicator(t.metric, wordings) for t in news}
    matched: list[tuple[Target | None, Target | None, str]] = []
    used_o: set[tuple[int, int]] = set()
    used_n: set[tuple[int, int]] = set()

    # 1. Same canonical indicator and kind, in document order on each side.
    buckets_n: dict[tuple[str, str], list[Target]] = defaultdict(list)
    for t in news:
        if canon_n[key(t)]:
            buckets_n[(canon_n[key(t)], t.kind)].append(t)
    for t in olds:
        c = canon_o[key(t)]
        if c and buckets_n.get((c, t.kind)):
            n = buckets_n[(c, t.kind)].pop(0)
            matched.append((t, n, "indicator"))
            used_o.add(key(t))
            used_n.add(key(n))

    # 2. Inside aligned pairs: same kind and standard unit, similar metric, best ratio first.
    for g in groups:
        if not g.old or not g.new:
            continue
        lo = [t for t in olds if t.item_seq in g.old and key(t) not in used_o]
        ln = [t for t in news if t.item_seq in g.new and key(t) not in used_n]
        cands = []
        for a in lo:
            for b in ln:
                if a.kind == b.kind and (a.unit_std or a.unit) == (b.unit_std or b.unit):
                    r = metric_similarity(a.metric, b.metric)
                    if r >= METRIC_THRESHOLD:
                        cands.append((-r, key(a), key(b), a, b))
        for _, ka, kb, a, b in sorted(cands, key=lambda c: c[:3]):
            if ka not in used_o and kb not in used_n:
                matched.append((a, b, "aligned_items"))
                used_o.add(ka)
                used_n.add(kb)

    matched += [(t, None, "none") for t in olds if key(t) not in used_o]
    matched += [(None, t, "none") for t in news if key(t) not in used_n]

    rows = []
    for o, n, basis in matched:
        change, delta, delta_unit = _change(o, n)
        ref = o or n
        assert ref is not None
        indicator = canon_o.get(key(o)) if o else canon_n.get(key(n))  # type: ignore[arg-type]
        if indicator is None and n is not None:
            indicator = canon_n.get(key(n))
        rows.append(IndicatorChange(
            old_doc_id=old.document.doc_id, new_doc_id=new.document.doc_id,
            indicator=indicator, basis=basis, change=change, kind=ref.kind,
            old_item_seq=o.item_seq if o else None, old_metric=o.metric if o else None,
            old_value=o.value if o else None, old_value_high=o.value_high if o else None,
            old_unit=o.unit if o else None, old_value_std=o.value_std if o else None,
            old_qualifier=o.qualifier if o else None, old_text=o.span_text if o else None,
            new_item_seq=n.item_seq if n else None, new_metric=n.metric if n else None,
            new_value=n.value if n else None, new_value_high=n.value_high if n else None,
            new_unit=n.unit if n else None, new_value_std=n.value_std if n else None,
            new_qualifier=n.qualifier if n else None, new_text=n.span_text if n else None,
            delta=delta, delta_unit=delta_unit,
        ))
    big = 1 << 30
    rows.sort(key=lambda r: (r.indicator is None, r.new_item_seq if r.new_item_seq is not None else big,
                             r.old_item_seq if r.old_item_seq is not None else big,
                             r.indicator or "", r.old_metric or "", r.new_metric or "", r.kind,
                             r.old_text or "", r.new_text or ""))
    return rows


# --------------------------------------------------------------------------
# Units
# --------------------------------------------------------------------------


def renamed(name: str, renames: Mapping[str, str], prefixes: Sequence[str] = ()) -> str:
    """The newer name of an older unit name: an exact key, or a key after a scope prefix (kept).

    >>> r = {"环保局": "生态环境分局", "区国土资源局": "区资规分局"}
    >>> renamed("区环保局", r, ["区", "市"]), renamed("区国土资源局", r, ["区"]), renamed("区财政局", r, ["区"])
    ('区生态环境分局', '区资规分局', '区财政局')
    """
    if name in renames:
        return renames[name]
    for p in sorted(prefixes, key=lambda p: (-len(p), p)):
        if name.startswith(p) and name[len(p):] in renames:
            return p + renames[name[len(p):]]
    return name


def _unit_roles(assignments: Iterable[Assignment], rename: Any = None) -> dict[int, set[tuple[str, str]]]:
    """item_seq -> {(unit, role)} for unit roles (persons excluded)."""
    out: dict[int, set[tuple[str, str]]] = defaultdict(set)
    for a in assignments:
        if a.role in _ROLES:
            out[a.item_seq].add((rename(a.name) if rename else a.name, a.role))
    return out


def unit_load(old: Extraction, new: Extraction, rename: Any) -> list[UnitLoad]:
    """Items per unit and role in each notice; names renamed with ``rename`` (in both notices, so a notice
    that still prints an older name is counted under the newer one)."""
    counts: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    old_names: dict[str, set[str]] = defaultdict(set)
    for side, ex in (("old", old), ("new", new)):
        for a in ex.assignments:
            if a.role not in _ROLES:
                continue
            unit = rename(a.name)
            if unit != a.name:
                old_names[unit].add(a.name)
            counts[unit][f"{a.role}_{side}"].add(a.item_seq)
            counts[unit][f"total_{side}"].add(a.item_seq)
    rows = []
    for unit in sorted(counts):
        c = {k: len(v) for k, v in counts[unit].items()}
        g = lambda k: c.get(k, 0)  # noqa: E731
        rows.append(UnitLoad(
            old_doc_id=old.document.doc_id, new_doc_id=new.document.doc_id, unit=unit,
            renamed_from=tuple(sorted(old_names.get(unit, ()))),
            lead_old=g("lead_old"), responsible_old=g("responsible_old"), cooperating_old=g("cooperating_old"),
            total_old=g("total_old"),
            lead_new=g("lead_new"), responsible_new=g("responsible_new"), cooperating_new=g("cooperating_new"),
            total_new=g("total_new"),
            delta_lead=g("lead_new") - g("lead_old"), delta_responsible=g("responsible_new") - g("responsible_old"),
            delta_cooperating=g("cooperating_new") - g("cooperating_old"), delta_total=g("total_new") - g("total_old"),
        ))
    return rows


# --------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------


def compare(old: Extraction, new: Extraction, rules: Any) -> Comparison:
    """Compare an older and a newer extraction. ``rules`` is a :class:`pipeline.rules.Rules`."""
    wordings = indicator_wordings(rules.indicators.indicators)
    renames = rules.unit_renames.renames
    prefixes = rules.units.prefixes

    def rename(name: str) -> str:
        return renamed(name, renames, prefixes)

    old_items = sorted(old.items, key=lambda i: i.item_seq)
    new_items = sorted(new.items, key=lambda i: i.item_seq)
    groups = align(old_items, new_items, wordings)
    indicators = indicator_changes(old, new, groups, wordings)
    units_o = _unit_roles(old.assignments, rename)
    units_n = _unit_roles(new.assignments, rename)

    moved_o = {(r.old_item_seq, r.old_text) for r in indicators if r.old_item_seq is not None and r.change != "same"}
    moved_n = {(r.new_item_seq, r.new_text) for r in indicators if r.new_item_seq is not None and r.change != "same"}
    same_links = {(r.old_item_seq, r.new_item_seq) for r in indicators if r.change == "same"}
    by_o = {i.item_seq: i for i in old_items}
    by_n = {i.item_seq: i for i in new_items}

    def targets_changed(g: _Group) -> bool:
        if any(seq in g.old for seq, _ in moved_o) or any(seq in g.new for seq, _ in moved_n):
            return True
        # A target that stayed the same but now stands outside the row (moved to another task) counts too.
        for o, n in same_links:
            if (o in g.old) != (n in g.new):
                return True
        return False

    pairs = []
    for g in groups:
        uo = set().union(*(units_o.get(s, set()) for s in g.old)) if g.old else set()
        un = set().union(*(units_n.get(s, set()) for s in g.new)) if g.new else set()
        names_o, names_n = {u for u, _ in uo}, {u for u, _ in un}
        if g.old and g.new:
            tc, ucg = targets_changed(g), uo != un
            status = "modified" if tc or ucg else "continued"
        else:
            tc, ucg = False, False
            status = "new" if g.new else "dropped"
        pairs.append(dict(
            status=status, relation=g.relation, old_items=g.old, new_items=g.new,
            old_labels=" ".join(by_o[s].item_label for s in g.old), new_labels=" ".join(by_n[s].item_label for s in g.new),
            old_text="\n".join(by_o[s].text for s in g.old), new_text="\n".join(by_n[s].text for s in g.new),
            score=round(g.score, 4) if g.score is not None else None, targets_changed=tc, units_changed=ucg,
            units_added=tuple(sorted(names_n - names_o)) if g.old and g.new else (),
            units_removed=tuple(sorted(names_o - names_n)) if g.old and g.new else (),
        ))
    pairs = _order(pairs)
    rows = tuple(ItemPair(old_doc_id=old.document.doc_id, new_doc_id=new.document.doc_id, row=i, **p)
                 for i, p in enumerate(pairs, 1))
    return Comparison(old=old.document, new=new.document, pairs=rows, indicators=tuple(indicators),
                      units=tuple(unit_load(old, new, rename)), old_items=tuple(old_items),
                      new_items=tuple(new_items))


def _order(pairs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """New-notice order; a dropped item right after the row of its nearest paired old predecessor."""
    anchor: dict[int, float] = {}
    for p in pairs:
        if p["old_items"] and p["new_items"]:
            for o in p["old_items"]:
                anchor[o] = min(p["new_items"])
    paired = sorted(anchor)

    def pos(p: dict[str, Any]) -> tuple[float, int, int]:
        if p["new_items"]:
            return (min(p["new_items"]), 0, min(p["old_items"]) if p["old_items"] else 0)
        o = p["old_items"][0]
        prev = [x for x in paired if x < o]
        return ((anchor[prev[-1]] if prev else 0) + 0.5, 1, o)

    return sorted(pairs, key=pos)


# --------------------------------------------------------------------------
# Loading and running
# --------------------------------------------------------------------------


def _from_dict(cls: type, data: Mapping[str, Any], source: str) -> Any:
    hints = typing.get_type_hints(cls)
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name not in data:
            if f.default is not dataclasses.MISSING:
                continue
            raise CompareError(f"{cls.__name__.lower()} row lacks {f.name!r}", source=source)
        v = data[f.name]
        tp = hints[f.name]
        if isinstance(v, str) and (tp is dt.date or dt.date in typing.get_args(tp)):
            v = dt.date.fromisoformat(v)
        elif isinstance(v, list):
            v = tuple(v)
        kwargs[f.name] = v
    return cls(**kwargs)


def extraction_from_json(data: Mapping[str, Any], source: str) -> Extraction:
    """An :class:`Extraction` from the dict of ``out/json/<doc_id>.json`` (see :func:`pipeline.write.document_json`)."""
    from .records import Finding, Repair
    from .schema import SCHEMA_VERSION

    if not isinstance(data, dict) or data.get("schema_version") != SCHEMA_VERSION:
        raise CompareError(f"not a fenjie document JSON of schema version {SCHEMA_VERSION}", source=source)
    try:
        doc = _from_dict(Document, data, source)
        rows = {name: tuple(_from_dict(cls, r, source) for r in data.get(name, ()))
                for name, cls in (("items", Item), ("assignments", Assignment), ("targets", Target),
                                  ("repairs", Repair), ("findings", Finding))}
    except (TypeError, ValueError) as exc:
        raise CompareError(f"malformed document JSON: {exc}", source=source) from None
    return Extraction(document=doc, text=data.get("text", ""), **rows)


def load_extraction(path_or_docid: str | Path, data_dir: Path | str = Path("out"), rules: Any = None) -> Extraction:
    """An extraction from a document JSON path, a notice file (extracted now, with ``rules``), or a doc_id in
    ``<data_dir>/json/`` (a unique prefix of a doc_id will do)."""
    ref = str(path_or_docid)
    p = Path(ref)
    if p.is_file():
        if p.suffix.lower() == ".json":
            return _read_json(p)
        try:
            from .extract import extract_file  # type: ignore[attr-defined]
        except ImportError:
            raise CompareError("cannot extract a notice file here (pipeline.extract.extract_file is missing)",
                               source=ref) from None
        return extract_file(p, rules)
    json_dir = Path(data_dir) / "json"
    exact = json_dir / f"{ref}.json"
    if exact.is_file():
        return _read_json(exact)
    if "/" not in ref and "\\" not in ref and json_dir.is_dir():
        hits = sorted(q for q in json_dir.glob("*.json") if q.stem.startswith(ref))
        if len(hits) == 1:
            return _read_json(hits[0])
        if len(hits) > 1:
            raise CompareError(f"ambiguous doc_id prefix ({len(hits)} documents in {json_dir})", source=ref)
    raise CompareError(f"no such file, and no document {ref}.json in {json_dir}", source=ref)


def _read_json(path: Path) -> Extraction:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CompareError(f"cannot read document JSON: {exc}", source=str(path)) from None
    return extraction_from_json(data, str(path))


def output_dir(comparison: Comparison, out_dir: Path | str) -> Path:
    """``<out_dir>/<old doc_id>__<new doc_id>``."""
    return Path(out_dir) / f"{comparison.old.doc_id}__{comparison.new.doc_id}"


def write_comparison(comparison: Comparison, out_dir: Path | str) -> list[Path]:
    """Write the three tables and the two reports; return the paths written (sorted)."""
    from . import report
    from .errors import WriteError
    from .files import atomic_write_bytes
    from .write import parquet_bytes, rows_table

    d = output_dir(comparison, out_dir)
    files = {
        "alignment.parquet": parquet_bytes(rows_table(ItemPair, comparison.pairs)),
        "indicators.parquet": parquet_bytes(rows_table(IndicatorChange, comparison.indicators)),
        "unit_load.parquet": parquet_bytes(rows_table(UnitLoad, comparison.units)),
        "report.md": report.markdown(comparison).encode("utf-8"),
        "report.html": report.html(comparison).encode("utf-8"),
    }
    try:
        for name, data in files.items():
            atomic_write_bytes(d / name, data)
    except OSError as exc:
        raise WriteError(exc.strerror or str(exc), source=str(getattr(exc, "filename", d))) from None
    return sorted(d / name for name in files)


def run_compare(old: str | Path, new: str | Path, out_dir: Path | str = Path("out/compare"),
                data_dir: Path | str = Path("out"), rules_dir: Path | str | None = None) -> list[Path]:
    """Load two breakdowns (doc_ids or files), compare them, write tables and report; return the paths.

    Raises :class:`~pipeline.errors.CompareError` (or another :class:`PipelineError`) with a one-line message.
    """
    from .rules import load_rules

    rules = load_rules(rules_dir)
    a = load_extraction(old, data_dir, rules)
    b = load_extraction(new, data_dir, rules)
    if not a.items or not b.items:
        empty = old if not a.items else new
        raise CompareError("the document has no task items to compare", source=str(empty))
    return write_comparison(compare(a, b, rules), out_dir)
