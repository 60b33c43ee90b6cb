"""Align the items of two notices: which task became which (pure).

1. **Features** of every item (:func:`pipeline.compare.features.item_features`) and IDF weights over the
   items of both notices, so 推进/加快/增长 weigh little and 冷链物流 a lot.
2. **Scores** of the pairs that can matter, never of all old x new pairs: those that can reach
   :data:`MATCH_THRESHOLD` (:meth:`pipeline.compare.features.Scorer.pairs_above`, an inverted index with
   prefix filtering), the neighbours of paired items (step 3) and the possible pieces of a split or merger
   (:func:`pipeline.compare.features.containing`, step 4), each scored once. The result is the same as
   scoring every pair.
3. **One-to-one assignment**, greedy best-first on the decision score (:func:`greedy_assign`): pairs sorted
   by score, highest first (ties by old then new position), taken while both items are free and the score
   is at least :data:`MATCH_THRESHOLD`. Greedy is not optimal in total score, but with a threshold this high
   a pair it takes is almost always the Hungarian choice too, and it is explainable row by row. Then
   left-over items in the same slot (neighbours paired with each other) pair at the lower
   :data:`NEIGHBOUR_THRESHOLD` (:func:`rescue_neighbours`): notices keep their order from year to year.
4. **Splits and mergers** (:func:`split_fit`): a still-unpaired new item joins the pair of an old item when
   it covers much of what its partner left of the old item (:data:`SPLIT_RESIDUAL`) and is largely made of
   the old item's words (:data:`SPLIT_CONTAINMENT`); mirrored for an unpaired old item (a merger). Such a
   group is one row with several items on one side.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from ..records import Item
from .config import CompareRules
from .features import Features, Score, Scorer, containing, containment, idf_weights, item_features, similarity

# --------------------------------------------------------------------------
# Thresholds, tuned on tests/fixtures/compare/qingwan-*: two hand-written consecutive-year notices of one
# district in the sample's shape, 35 old / 34 new items with rewordings, moved targets, renamed indicators
# and units, one split, one merger and two same-topic decoys. There, true one-to-one pairs score >= 0.47 and
# the best wrong candidate of any item <= 0.24. Then checked on lanxi-* (written after, in another style):
# true pairs >= 0.27, wrong <= 0.17; one miss (0.27), which NEIGHBOUR_THRESHOLD now covers (see there).
# (Scores here are decision scores: text similarity plus the shared-indicator bonus, see features.py.)
# --------------------------------------------------------------------------

#: A pair is accepted when its decision score is at least this. Lower finds more rewordings but pairs
#: unrelated tasks of the same topic; higher turns heavy rewordings into dropped + new.
MATCH_THRESHOLD = 0.3

#: A left-over old and new item in the same slot (their neighbours are paired with each other) pair when
#: their score is at least this. Added after the held-out lanxi pair missed a task whose next phase
#: was reworded (智能制造产业园: 基础设施 -> 二期标准厂房, 0.27); unrelated tasks in the same slot score
#: <= 0.09 on both fixtures (qingwan old 25 / new 25: 0.06).
NEIGHBOUR_THRESHOLD = 0.2

#: A left-over item joins a pair as a piece of a split/merger when it covers at least this weighted share of
#: the residual -- the features of the item on the other side that its partner(s) do not have (qingwan
#: 冷链集散中心: 0.54; the best wrong candidate on both fixtures: 0.34)...
SPLIT_RESIDUAL = 0.4
#: ...at least this share of its own features is in the item on the other side (a split-off piece brings
#: new words of its own: 建成…一期并投入使用 -> 0.42)...
SPLIT_CONTAINMENT = 0.3
#: ...and its own score with that item is at least this.
SPLIT_MIN_SCORE = 0.15


@dataclass(frozen=True)
class Group:
    """Aligned items (before status): every item of both notices is in exactly one group."""

    old: tuple[int, ...]  # old item_seq(s)
    new: tuple[int, ...]  # new item_seq(s)
    score: Score | None  # similarity of the two sides (of the joined texts for a split/merger); None if unpaired
    relation: str  # one_to_one | split | merged | unpaired
    paired_by: str  # best_first | same_slot | "" (unpaired)


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


def rescue_neighbours(pairs: Mapping[int, int], score: Callable[[int, int], float | None],
                      threshold: float) -> dict[int, int]:
    """Add pairs of unpaired items that sit in the same slot: old o and new n are both unpaired, o-1 is
    paired with n-1 or o+1 with n+1, and their score (``score(o, n)``, None when there is no such pair of
    items) is at least ``threshold``; best first (ties by old then new), repeated until nothing changes, so
    a run of rewordings between two anchors is taken in order. (A heap: a pair becomes eligible when a
    neighbour is paired and stays so until one of its items is taken; only such pairs are scored.)

    >>> s = {(2, 2): 0.25, (2, 4): 0.28, (4, 4): 0.1}
    >>> rescue_neighbours({1: 1, 3: 3}, lambda o, n: s.get((o, n)), 0.2)
    {1: 1, 2: 2, 3: 3}
    """
    out = dict(pairs)
    used = set(out.values())
    heap: list[tuple[float, int, int]] = []

    def ok(o: int, n: int) -> bool:
        return o not in out and n not in used and (out.get(o - 1) == n - 1 or out.get(o + 1) == n + 1)

    def push(o: int, n: int) -> None:
        if ok(o, n):
            s = score(o, n)
            if s is not None and s >= threshold:
                heapq.heappush(heap, (-s, o, n))

    for o, n in sorted(out.items()):
        push(o + 1, n + 1)
        push(o - 1, n - 1)
    while heap:
        _, o, n = heapq.heappop(heap)
        if not ok(o, n):
            continue
        out[o] = n
        used.add(n)
        push(o + 1, n + 1)
        push(o - 1, n - 1)
    return dict(sorted(out.items()))


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


class _Scores:
    """Scores of one pair of notices: those that can reach MATCH_THRESHOLD found in bulk, others on demand,
    each computed once."""

    def __init__(self, scorer: Scorer) -> None:
        self.scorer = scorer
        self.known: dict[tuple[int, int], Score | None] = dict(scorer.pairs_above(MATCH_THRESHOLD))

    def score(self, o: int, n: int) -> Score | None:
        if (o, n) not in self.known:
            self.known[(o, n)] = self.scorer.score(o, n)
        return self.known[(o, n)]

    def decision(self, o: int, n: int) -> float:
        s = self.score(o, n)
        return -1.0 if s is None else s.decision  # (no such pair of items: below every threshold)


FeatureSets = dict[int, set[str]]  # item -> its words and bigrams (what split_fit compares)


def _join_splits(groups: dict[int, list[list[int]]], left_new: list[int], feat_o: FeatureSets, feat_n: FeatureSets,
                 w: Mapping[str, float], scores: _Scores) -> None:
    """A left-over new item that explains what an old item's partner(s) left unexplained joins its group.
    (split_fit asks that a piece be largely made of the whole's words: only such wholes are looked at.)"""
    wholes = containing({n: feat_n[n] for n in left_new}, {o: feat_o[o] for o in groups}, w, SPLIT_CONTAINMENT)
    for n in left_new:
        found = None
        for o in wholes[n]:
            olds, news = groups[o]
            if len(olds) > 1 or containment(feat_n[n], feat_o[o], w) < SPLIT_CONTAINMENT \
                    or scores.decision(o, n) < SPLIT_MIN_SCORE:  # a merger already, not made of its words, unlike
                continue
            fit = split_fit(feat_n[n], feat_o[o], [feat_n[m] for m in news], w)
            if fit is not None and (found is None or fit > found[0]):
                found = (fit, o)
        if found is not None:
            groups[found[1]][1].append(n)
            groups[found[1]][1].sort()


def _join_mergers(groups: dict[int, list[list[int]]], left_old: list[int], feat_o: FeatureSets, feat_n: FeatureSets,
                  w: Mapping[str, float], scores: _Scores) -> None:
    """The mirror image of :func:`_join_splits`: a left-over old item that explains the rest of a new item."""
    key_of_new = {news[0]: key for key, (_, news) in groups.items() if len(news) == 1}
    wholes = containing({o: feat_o[o] for o in left_old}, {n: feat_n[n] for n in key_of_new}, w, SPLIT_CONTAINMENT)
    for o in left_old:
        found = None
        for key in sorted(key_of_new[n] for n in wholes[o]):
            olds, news = groups[key]
            if containment(feat_o[o], feat_n[news[0]], w) < SPLIT_CONTAINMENT \
                    or scores.decision(o, news[0]) < SPLIT_MIN_SCORE:
                continue
            fit = split_fit(feat_o[o], feat_n[news[0]], [feat_o[m] for m in olds], w)
            if fit is not None and (found is None or fit > found[0]):
                found = (fit, key)
        if found is not None:
            groups[found[1]][0].append(o)
            groups[found[1]][0].sort()


def align(old_items: Sequence[Item], new_items: Sequence[Item], cfg: CompareRules) -> list[Group]:
    """Groups of aligned items: pairs (item order), then unpaired old, then unpaired new items."""
    def features(text: str) -> Features:
        return item_features(text, cfg.wordings, cfg.stop_tokens, cfg.any_wording)

    fo = {it.item_seq: features(it.text) for it in old_items}
    fn = {it.item_seq: features(it.text) for it in new_items}
    w = idf_weights([set(f.tokens) | f.grams for f in (*fo.values(), *fn.values())])
    scores = _Scores(Scorer(fo, fn, w))
    best = greedy_assign({k: s.decision for k, s in scores.known.items() if s is not None}, MATCH_THRESHOLD)
    pairs = rescue_neighbours(best, scores.decision, NEIGHBOUR_THRESHOLD)
    groups: dict[int, list[list[int]]] = {o: [[o], [n]] for o, n in pairs.items()}  # keyed by first old
    feat_o = {k: set(f.tokens) | f.grams for k, f in fo.items()}
    feat_n = {k: set(f.tokens) | f.grams for k, f in fn.items()}
    _join_splits(groups, sorted(set(fn) - set(pairs.values())), feat_o, feat_n, w, scores)
    _join_mergers(groups, sorted(set(fo) - {x for g in groups.values() for x in g[0]}), feat_o, feat_n, w, scores)

    text_o = {it.item_seq: it.text for it in old_items}
    text_n = {it.item_seq: it.text for it in new_items}
    out: list[Group] = []
    for key, (olds, news) in groups.items():
        by = "best_first" if key in best else "same_slot"
        if len(olds) == 1 and len(news) == 1:
            out.append(Group(tuple(olds), tuple(news), scores.score(olds[0], news[0]), "one_to_one", by))
        else:
            s = similarity(features("\n".join(text_o[m] for m in olds)), features("\n".join(text_n[m] for m in news)), w)
            out.append(Group(tuple(olds), tuple(news), s, "split" if len(news) > 1 else "merged", by))
    grouped_old = {x for g in out for x in g.old}
    grouped_new = {x for g in out for x in g.new}
    out += [Group((o,), (), None, "unpaired", "") for o in sorted(set(fo) - grouped_old)]
    out += [Group((), (n,), None, "unpaired", "") for n in sorted(set(fn) - grouped_new)]
    return out
