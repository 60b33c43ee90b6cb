"""Features of task texts, their similarity, and the candidate pairs worth scoring (pure).

Similarity of two items is reported as two separate things (:class:`Score`):

* ``text``: how alike the two task texts are, 0-1, nothing else: the mean of IDF-weighted Dice over jieba
  words, IDF-weighted Dice over character bigrams, and rapidfuzz's Indel similarity of the word sequences
  (word order), on the normalised texts (:func:`pipeline.compare.wording.normalize_text`);
* ``match``: whether both name a common canonical indicator (``same``), are indicator lines naming only
  different indicators (``different``), or neither (``none``).

The pairing decision combines them (``decision``): ``text`` plus :data:`SHARED_INDICATOR_BONUS` when the
match is ``same`` (capped at 1), 0 when it is ``different``. The bonus exists because indicator lines are
short and differ mostly in their numbers, which are removed; it is never added to ``text``.

Near-linear candidates (:meth:`Scorer.pairs_above`): instead of scoring every old x new pair, each item is
indexed by a *prefix* of its features (rarest first) chosen so that a pair sharing none of the indexed
features provably scores below the lowest threshold the alignment uses (:func:`prefix_length`). The
common features (建设, 推进, 企业 …) that would make an inverted index quadratic stay out of it, and no
pair that could reach a threshold is missed: the alignment is the same as scoring every pair.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from math import fsum
from sys import intern
from typing import Any

from rapidfuzz.distance import Indel

from ..segment import tokens as jieba_tokens
from .wording import indicator_spans, normalize_text

#: Added to the decision score of two items that name the same canonical indicator (the 指标 items are
#: short and differ mostly in numbers, which are removed, so their texts alone say little).
SHARED_INDICATOR_BONUS = 0.25

#: An item whose normalized text is at least this share indicator names is an indicator line (经济社会发展
#: 指标 items: 地区生产总值增长6.5%左右 -> 1.0 after numbers go; a task that mentions 技改投资 -> about 0.2).
INDICATOR_ITEM_SHARE = 0.3

#: Scores are rounded to this many decimals. (Weights are summed with math.fsum, exactly: the order a set
#: is iterated in, which varies between runs, cannot change a score.)
DIGITS = 6


@dataclass(frozen=True)
class Features:
    """What similarity looks at in one item (or a group of items)."""

    tokens: tuple[str, ...]  # content tokens in order (jieba, stop tokens removed)
    grams: frozenset[str]  # character bigrams of the normalized text
    indicators: frozenset[str]  # canonical indicators the text names
    indicator_share: float = 0.0  # share of the normalized text that is canonical indicator names

    @property
    def token_set(self) -> frozenset[str]:
        return frozenset(self.tokens)


@dataclass(frozen=True)
class Score:
    """The similarity of two items, its parts kept apart (see the module docstring)."""

    text: float  # similarity of the texts, 0-1, no bonus
    match: str  # same | different | none
    shared: frozenset[str]  # canonical indicators both name
    decision: float  # what the pairing decision uses


def item_features(text: str, wordings: Sequence[tuple[str, str]] = (), stop: frozenset[str] = frozenset(),
                  any_wording: Any = None) -> Features:
    """Features of one task text. ``any_wording`` (a compiled pattern) skips the wording search on texts
    that name no indicator.

    >>> f = item_features("加快推进冷链物流园建设", stop=frozenset({"加快", "推进"}))
    >>> f.tokens, sorted(f.grams)[:3]
    (('冷', '链', '物流园', '建设'), ['冷链', '加快', '园建'])
    """
    up = text.upper()
    spans = indicator_spans(up, wordings) if any_wording is None or any_wording.search(up) else []
    norm = normalize_text(text, wordings, spans)
    toks = tuple(intern(t) for t in jieba_tokens(norm) if t not in stop)  # (interned: one string per word, not
    grams = frozenset(intern(norm[i:i + 2]) for i in range(len(norm) - 1)) or frozenset([norm] if norm else [])  # per use)
    names = frozenset(canon for _, canon in spans)
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
    total = fsum(w.get(f, 1.0) for f in a) + fsum(w.get(f, 1.0) for f in b)
    if not total:
        return 0.0
    return 2 * fsum(w.get(f, 1.0) for f in a & b) / total


def containment(part: Iterable[str], whole: Iterable[str], w: Mapping[str, float]) -> float:
    """Weighted share of ``part``'s features that are in ``whole``.

    >>> containment({"x", "y"}, {"x", "z"}, {"x": 3.0})
    0.75
    """
    part = set(part)
    total = fsum(w.get(f, 1.0) for f in part)
    return fsum(w.get(f, 1.0) for f in part & set(whole)) / total if total else 0.0


def _match(a: Features, b: Features) -> tuple[str, frozenset[str]]:
    shared = a.indicators & b.indicators
    if shared:
        return "same", shared
    if (a.indicator_share >= INDICATOR_ITEM_SHARE and b.indicator_share >= INDICATOR_ITEM_SHARE
            and a.indicators and b.indicators):
        return "different", shared
    return "none", shared


def _combine(tok: float, gram: float, seq: float, match: str, shared: frozenset[str]) -> Score:
    raw = (tok + gram + seq) / 3
    text = round(raw, DIGITS)
    if match == "different":
        return Score(text, match, shared, 0.0)  # two 指标 lines about different indicators: different targets
    decision = raw + SHARED_INDICATOR_BONUS if match == "same" else raw
    return Score(text, match, shared, round(min(decision, 1.0), DIGITS))


def similarity(a: Features, b: Features, w: Mapping[str, float]) -> Score:
    """The similarity of two items (see the module docstring for its parts).

    >>> f = item_features("建设冷链物流产业园")
    >>> similarity(f, f, {}).text, similarity(f, item_features("改造老旧小区"), {}).text
    (1.0, 0.0)
    >>> from pipeline.compare.wording import indicator_wordings
    >>> w = indicator_wordings({"地区生产总值": ["地方生产总值"]})
    >>> s = similarity(item_features("地区生产总值增长11%左右", w), item_features("地方生产总值增长10%", w), {})
    >>> s.text < 1.0, s.match, sorted(s.shared), s.decision == round(min(s.text + SHARED_INDICATOR_BONUS, 1), 6)
    (True, 'same', ['地区生产总值'], True)
    """
    match, shared = _match(a, b)
    tok = weighted_dice(a.tokens, b.tokens, w)
    gram = weighted_dice(a.grams, b.grams, w)
    seq = Indel.normalized_similarity(list(a.tokens), list(b.tokens)) if a.tokens and b.tokens else 0.0
    return _combine(tok, gram, seq, match, shared)


# --------------------------------------------------------------------------
# Candidate pairs: prefix filtering over an inverted index
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Prepared:
    """One item's features with the weight totals similarity needs, computed once."""

    f: Features
    token_set: frozenset[str]
    token_list: list[str]
    token_counts: Mapping[str, int]  # occurrences of each word in the sequence
    token_total: float
    gram_total: float


def _prepare(f: Features, w: Mapping[str, float]) -> _Prepared:
    ts = f.token_set
    return _Prepared(f, ts, list(f.tokens), Counter(f.tokens), fsum(w.get(t, 1.0) for t in ts),
                     fsum(w.get(g, 1.0) for g in f.grams))


def _fast_similarity(a: _Prepared, b: _Prepared, w: Mapping[str, float], floor: float = 0.0) -> Score | None:
    """:func:`similarity` with the per-item totals precomputed (the same value). With ``floor``: None when
    the score is sure to be below it (the word-order term bounded by the shared words, 2·Σmin/(L+L'),
    before it is computed)."""
    match, shared = _match(a.f, b.f)
    common = a.token_set & b.token_set
    total = a.token_total + b.token_total
    tok = 2 * fsum(w.get(t, 1.0) for t in common) / total if total else 0.0
    total = a.gram_total + b.gram_total
    gram = 2 * fsum(w.get(g, 1.0) for g in a.f.grams & b.f.grams) / total if total else 0.0
    if floor:
        lengths = len(a.token_list) + len(b.token_list)
        seq_max = 2 * sum(min(a.token_counts[t], b.token_counts[t]) for t in common) / lengths if lengths else 0.0
        bonus = SHARED_INDICATOR_BONUS if match == "same" else 0.0
        if match == "different" or (tok + gram + seq_max) / 3 + bonus < floor - 1e-6:
            return None
    seq = Indel.normalized_similarity(a.token_list, b.token_list) if a.token_list and b.token_list else 0.0
    return _combine(tok, gram, seq, match, shared)


def _dice_bound(shared: float, total: float) -> float:
    return 2 * shared / total if shared and total else 0.0


def prefix_length(ranked: Sequence[tuple[str, str]], p: _Prepared, w: Mapping[str, float], floor: float) -> int:
    """How many of an item's features (``ranked``: (kind, feature), rarest first; kind ``t`` word, ``g``
    bigram) must be indexed so that any item sharing none of them scores below ``floor``.

    The features left out are the commonest. If two items share only such features, every shared word and
    bigram is in the left-out *suffix* of each. Then their word Dice is at most 2Ts/(Wt+Ts) (Ts: the
    suffix's word weight, Wt: the item's; the other item weighs at least what it shares), their bigram
    Dice likewise, and their Indel similarity 2·LCS/(L+L') at most 2k/(L+k) (k: positions of suffix words
    in the item's L words). The suffix grows, commonest first, while the mean of the three stays below
    ``floor``. With one global order, two items whose first shared feature (in that order) is outside
    either prefix cannot reach ``floor``; so indexing the old items' prefixes and probing with the new
    items' prefixes finds every pair that can.

    >>> p = _prepare(Features(("冷链", "建设"), frozenset({"冷链", "链建", "建设"}), frozenset()), {})
    >>> prefix_length([("t", "冷链"), ("g", "冷链"), ("g", "链建"), ("t", "建设"), ("g", "建设")], p, {}, 0.3)
    4
    """
    ts = gs = 0.0
    k = 0
    cut = len(ranked)
    while cut > 0:
        kind, feat = ranked[cut - 1]
        if kind == "t":
            nts, ngs, nk = ts + w.get(feat, 1.0), gs, k + p.token_counts[feat]
        else:
            nts, ngs, nk = ts, gs + w.get(feat, 1.0), k
        bound = (_dice_bound(nts, p.token_total + nts) + _dice_bound(ngs, p.gram_total + ngs)
                 + _dice_bound(nk, len(p.token_list) + nk)) / 3
        if bound >= floor - 2e-6:  # scores are rounded to 6 decimals: stay clear of the edge
            break
        ts, gs, k = nts, ngs, nk
        cut -= 1
    return cut


@dataclass(frozen=True)
class _Indexed:
    """An item's place in the candidate index."""

    prefix: list[tuple[str, str]]  # its indexed features, rarest first
    cutoff: int  # global rank of its first left-out feature (len(ranks) when none is left out)
    suffix_tokens: float  # weight of its left-out words
    suffix_grams: float  # weight of its left-out bigrams
    suffix_positions: int  # positions of left-out words in its word sequence


class Scorer:
    """Scores of old/new item pairs over one pair of notices: features weighted once, pairs scored on
    demand (:meth:`score`) or found in bulk (:meth:`pairs_above`)."""

    def __init__(self, old: Mapping[int, Features], new: Mapping[int, Features], w: Mapping[str, float]) -> None:
        self.w = w
        self.old = {k: _prepare(f, w) for k, f in old.items()}
        self.new = {k: _prepare(f, w) for k, f in new.items()}

    def score(self, o: int, n: int) -> Score | None:
        """The score of old item ``o`` and new item ``n``; None when either does not exist."""
        if o not in self.old or n not in self.new:
            return None
        return _fast_similarity(self.old[o], self.new[n], self.w)

    def _ranker(self, floor: float) -> Callable[[_Prepared], _Indexed]:
        """A function giving an item its prefix and what it leaves out, under one global order (rarest
        first, by document frequency over both notices)."""
        df: Counter[tuple[str, str]] = Counter()
        for p in (*self.old.values(), *self.new.values()):
            df.update(("t", t) for t in p.token_set)
            df.update(("g", g) for g in p.f.grams)
        rank = {f: i for i, f in enumerate(sorted(df, key=lambda f: (df[f], f)))}
        w = self.w

        def indexed(p: _Prepared) -> _Indexed:
            ranked = sorted([("t", t) for t in p.token_set] + [("g", g) for g in p.f.grams], key=rank.__getitem__)
            cut = prefix_length(ranked, p, w, floor)
            rest = ranked[cut:]
            return _Indexed(ranked[:cut], rank[rest[0]] if rest else len(rank),
                            fsum(w.get(f, 1.0) for k, f in rest if k == "t"),
                            fsum(w.get(f, 1.0) for k, f in rest if k == "g"),
                            sum(p.token_counts[f] for k, f in rest if k == "t"))

        return indexed

    def pairs_above(self, floor: float) -> dict[tuple[int, int], Score]:
        """Every (old key, new key) whose decision score is at least ``floor``, with its :class:`Score`.

        Candidates share a feature of both prefixes (:func:`prefix_length`) or a canonical indicator (the
        bonus can lift such a pair over ``floor``); only those whose upper bound reaches ``floor``
        (:meth:`_OldIndex.candidates`) are scored exactly. Prefixes are made one item at a time and not kept.
        """
        indexed = self._ranker(floor)
        index = _OldIndex(self.old, indexed, self.w)
        out: dict[tuple[int, int], Score] = {}
        for kn, pn in self.new.items():
            for ko in index.candidates(pn, indexed(pn), floor):
                s = _fast_similarity(self.old[ko], pn, self.w, floor)
                if s is not None and s.decision >= floor:
                    out[(ko, kn)] = s
        return out


class _OldIndex:
    """The old items' prefixes as an inverted index (numpy arrays), with what bounds a candidate's score."""

    def __init__(self, old: Mapping[int, _Prepared], indexed: Callable[[_Prepared], _Indexed],
                 w: Mapping[str, float]) -> None:
        import numpy as np  # only here: the bulk arithmetic of large comparisons

        self.np, self.w = np, w
        self.keys = list(old)
        lists: dict[tuple[str, str], list[int]] = defaultdict(list)
        counts: dict[str, list[int]] = defaultdict(list)
        by_indicator: dict[str, list[int]] = defaultdict(list)
        cols: dict[str, list[float]] = {name: [] for name in ("tt", "gt", "ln", "cut", "st", "sg", "sk")}
        for i, k in enumerate(self.keys):
            p = old[k]
            ix = indexed(p)
            for kind, feat in ix.prefix:
                lists[(kind, feat)].append(i)
                if kind == "t":
                    counts[feat].append(p.token_counts[feat])
            for name in p.f.indicators:
                by_indicator[name].append(i)
            # Word and bigram weight, word count, cutoff rank and what the prefix leaves out.
            for name, v in (("tt", p.token_total), ("gt", p.gram_total), ("ln", len(p.token_list)),
                            ("cut", ix.cutoff), ("st", ix.suffix_tokens), ("sg", ix.suffix_grams),
                            ("sk", ix.suffix_positions)):
                cols[name].append(v)
        self.postings = {f: np.array(v, dtype=np.int64) for f, v in lists.items()}
        self.token_counts = {f: np.array(v, dtype=np.int64) for f, v in counts.items()}
        self.indicators = {f: np.array(v, dtype=np.int64) for f, v in by_indicator.items()}
        self.cols = {name: np.array(v, dtype=np.float64) for name, v in cols.items()}

    def _summed(self, ids: list[Any], values: list[Any]) -> tuple[Any, Any]:
        np = self.np
        if not ids:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        uniq, inv = np.unique(np.concatenate(ids), return_inverse=True)
        return uniq, np.bincount(inv, weights=np.concatenate(values))

    def candidates(self, pn: _Prepared, ixn: _Indexed, floor: float) -> list[int]:
        """The old items that share a prefix feature (or an indicator) with ``pn`` and whose score with it
        can reach ``floor``: the shared prefix weight, plus all that the item whose prefix ends first
        leaves out (every other shared feature is there), bounds each Dice term and the word-order term."""
        np, c = self.np, self.cols
        ids_t, val_t, val_k, ids_g, val_g = [], [], [], [], []
        for kind, feat in ixn.prefix:
            arr = self.postings.get((kind, feat))
            if arr is None:
                continue
            if kind == "t":
                ids_t.append(arr)
                val_t.append(np.full(len(arr), self.w.get(feat, 1.0)))
                val_k.append(np.minimum(self.token_counts[feat], pn.token_counts[feat]).astype(np.float64))
            else:
                ids_g.append(arr)
                val_g.append(np.full(len(arr), self.w.get(feat, 1.0)))
        ind = [self.indicators[name] for name in pn.f.indicators if name in self.indicators]
        if not ids_t and not ids_g and not ind:
            return []
        (u_t, a_t), (_, a_k), (u_g, a_g) = self._summed(ids_t, val_t), self._summed(ids_t, val_k), self._summed(ids_g, val_g)
        cand = np.union1d(np.union1d(u_t, u_g), np.concatenate(ind) if ind else u_t[:0])
        shared = {name: np.zeros(len(cand)) for name in ("t", "k", "g")}
        shared["t"][np.searchsorted(cand, u_t)] = a_t
        shared["k"][np.searchsorted(cand, u_t)] = a_k
        shared["g"][np.searchsorted(cand, u_g)] = a_g
        old_first = c["cut"][cand] <= ixn.cutoff

        def dice(part: Any, own: Any, theirs: float, total: Any) -> Any:
            x = part + np.where(old_first, own[cand], theirs)
            return np.divide(2 * x, total, out=np.zeros_like(x), where=(x > 0) & (total > 0))

        bound = (dice(shared["t"], c["st"], ixn.suffix_tokens, c["tt"][cand] + pn.token_total)
                 + dice(shared["g"], c["sg"], ixn.suffix_grams, c["gt"][cand] + pn.gram_total)
                 + dice(shared["k"], c["sk"], ixn.suffix_positions, c["ln"][cand] + len(pn.token_list))) / 3
        if ind:  # the bonus, for the pairs that name a common indicator
            bound[np.isin(cand, np.concatenate(ind))] += SHARED_INDICATOR_BONUS
        return [self.keys[int(cand[i])] for i in np.flatnonzero(bound >= floor - 1e-6).tolist()]


def containing(parts: Mapping[int, set[str]], wholes: Mapping[int, set[str]], w: Mapping[str, float],
               share: float) -> dict[int, list[int]]:
    """For each part, the wholes that may hold at least ``share`` of its weighted features
    (:func:`containment` >= share), sorted; a superset, found with a one-sided prefix filter: a whole that
    has none of the part's rarest features making up more than 1 - share of its weight cannot.

    >>> containing({1: {"冷链", "建设"}}, {7: {"冷链"}, 8: {"建设"}, 9: {"园区"}}, {"冷链": 5.0, "建设": 1.0}, 0.3)
    {1: [7]}
    """
    df = Counter(f for feats in wholes.values() for f in feats)
    postings: dict[str, list[int]] = defaultdict(list)
    for k, feats in wholes.items():
        for f in feats:
            postings[f].append(k)
    out = {}
    for k, feats in parts.items():
        total = fsum(w.get(f, 1.0) for f in feats)
        ranked = sorted(feats, key=lambda f: (df[f], f), reverse=True)  # commonest first
        suffix, cut = 0.0, 0
        while cut < len(ranked) and suffix + w.get(ranked[cut], 1.0) < share * total * (1 - 1e-9):
            suffix += w.get(ranked[cut], 1.0)
            cut += 1
        cands: set[int] = set()
        for f in ranked[cut:]:
            cands.update(postings.get(f, ()))
        out[k] = sorted(cands)
    return out
