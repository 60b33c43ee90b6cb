"""Line up the targets of two notices and judge each change by the metric's polarity (pure).

Lining up (:func:`indicator_changes`): every target is mapped to a canonical indicator
(rules/indicators.toml); old and new targets of the same (indicator, kind) line up wherever they stand.
Targets without an indicator line up inside an aligned item pair when they share kind and standard unit
and their metrics are similar (:func:`metric_similarity` >= :data:`METRIC_THRESHOLD`); the rest are new
or dropped -- or unknown, when the missing side may stand in the cut-off part of a truncated capture.

Judging (:func:`assess`): ``change`` says how the value moved (up/down …) without judging it;
``assessment`` says whether the new target is better or worse, by polarity (:func:`polarity_of`): for a
higher-is-better metric the end the notice commits to is the floor (8%以上 -> 8, 5-8% -> 5), for a
lower-is-better one the cap (4.5%以内 -> 4.5); when that end is the same, the firmer qualifier is better
(:data:`FIRMNESS`). So 城镇登记失业率 4.2%以内 -> 4.5%以内 is *worse* though the number went up.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from collections.abc import Set as AbstractSet

from rapidfuzz import fuzz

from ..records import Extraction, Target
from ..segment import tokens
from .align import Group
from .config import CompareRules
from .records import IndicatorChange
from .wording import NOISE, canonical_indicator

#: Two metrics without a canonical indicator line up inside an aligned pair (same kind, same standard unit)
#: when their :func:`metric_similarity` (0-100) is at least this. On the fixtures, true series score >= 74
#: and other same-kind, same-unit metrics of the same pair <= 46 (省级专精特新企业 / 新增高新技术企业).
METRIC_THRESHOLD = 60.0

#: How firm a qualifier commits, by polarity (higher ranks firmer). Higher is better: a floor (以上) commits
#: more than a plain value, which commits more than 左右, and a cap (以内) commits to no floor at all. Lower
#: is better: mirrored, a cap (以内) commits most.
FIRMNESS = {
    "higher": {"at_most": 0, "around": 1, "exact": 2, "at_least": 3, "over": 4},
    "lower": {"at_least": 0, "over": 0, "around": 1, "exact": 2, "at_most": 3},
}


def names_reduction(metric: str, cfg: CompareRules) -> bool:
    """The metric names a reduction (能耗下降): its value is the size of a decrease."""
    return any(w in metric for w in cfg.reduction_words)


def polarity_of(metric: str, indicator: str | None, cfg: CompareRules) -> tuple[str, str]:
    """(polarity, source) of a metric: its canonical indicator's polarity, else that of the longest polarity
    word it contains, else ``higher`` by default. A metric that names a reduction (能耗下降, 减少排放) of a
    metric whose polarity is known measures the decrease, so higher/lower swap; a reduction of a metric
    of default polarity (降低物流成本) is what the notice commits to, and higher stays better.

    >>> from types import SimpleNamespace as S
    >>> cfg = S(polarity={"城镇登记失业率": "lower", "单位地区生产总值能耗": "lower"}, reduction_words=("下降", "减少"),
    ...         polarity_words=(("排放", "lower"),))
    >>> polarity_of("城镇登记失业率", "城镇登记失业率", cfg), polarity_of("单位GDP能耗下降", "单位地区生产总值能耗", cfg)
    (('lower', 'indicator'), ('higher', 'indicator'))
    >>> polarity_of("减少二氧化碳排放", None, cfg), polarity_of("降低物流成本", None, cfg)
    (('higher', 'word'), ('higher', 'default'))
    """
    if indicator is not None and indicator in cfg.polarity:
        pol, source = cfg.polarity[indicator], "indicator"
    else:
        pol, source = next(((p, "word") for w, p in cfg.polarity_words if w in metric), ("higher", "default"))
    if source != "default" and pol != "neutral" and names_reduction(metric, cfg):
        pol = "higher" if pol == "lower" else "lower"
    return pol, source


def _std(t: Target) -> tuple[float, float | None, str]:
    """(value, upper end, unit) in the standard unit."""
    v = t.value_std if t.value_std is not None else t.value
    factor = (v / t.value) if t.value else 1.0
    high = t.value_high * factor if t.value_high is not None else None
    return v, high, (t.unit_std or t.unit)


def assess(o: Target | None, n: Target | None, polarity: str) -> tuple[str, str]:
    """(assessment, basis) of the new target against the old one (see the module docstring).

    >>> def t(v, q, high=None, unit="%"):
    ...     return Target("d", 1, "m", "rate", v, high, unit, v, unit, q, False, "", 0, 0)
    >>> assess(t(4.2, "at_most"), t(4.5, "at_most"), "lower"), assess(t(7.5, "around"), t(7, "around"), "higher")
    (('worse', 'value'), ('worse', 'value'))
    >>> assess(t(8, "around"), t(8, "at_least"), "higher"), assess(t(5, "exact", 8), t(5, "exact", 9), "higher")
    (('better', 'qualifier'), ('better', 'value'))
    >>> assess(t(3, "exact"), t(3, "exact"), "lower"), assess(t(3, "exact"), t(3, "exact", unit="个"), "higher")
    (('unchanged', 'same'), ('not comparable', 'units'))
    >>> assess(t(3, "exact"), None, "higher"), assess(t(3, "exact"), t(4, "exact"), "neutral")
    (('not comparable', 'one_side'), ('not comparable', 'neutral'))
    """
    if o is None or n is None:
        return "not comparable", "one_side"
    (ov, oh, ou), (nv, nh, nu) = _std(o), _std(n)
    if ou != nu:
        return "not comparable", "units"
    if (ov, oh, o.qualifier) == (nv, nh, n.qualifier):
        return "unchanged", "same"
    if polarity == "neutral":
        return "not comparable", "neutral"
    sign = 1 if polarity == "higher" else -1

    def ends(v: float, h: float | None) -> tuple[float, float]:  # (committed end, other end)
        lo, hi = (v, v) if h is None else (min(v, h), max(v, h))
        return (lo, hi) if polarity == "higher" else (hi, lo)

    (oc, oo), (nc, no) = ends(ov, oh), ends(nv, nh)
    if round(nc - oc, 9):
        return ("better" if (nc - oc) * sign > 0 else "worse"), "value"
    ro, rn = FIRMNESS[polarity][o.qualifier], FIRMNESS[polarity][n.qualifier]
    if ro != rn:
        return ("better" if rn > ro else "worse"), "qualifier"
    if round(no - oo, 9):
        return ("better" if (no - oo) * sign > 0 else "worse"), "value"
    return "unchanged", "same"


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
    ka, kb = NOISE.sub("", a), NOISE.sub("", b)
    words = fuzz.token_set_ratio(" ".join(tokens(ka)), " ".join(tokens(kb)))
    return round(max(fuzz.ratio(ka, kb), words), 4)


def change_of(o: Target | None, n: Target | None) -> tuple[str, float | None, str | None]:
    """(change, delta, delta_unit) of a lined-up pair of targets: how the value moved, not judged."""
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


def _key(t: Target) -> tuple[int, int]:
    return (t.item_seq, t.span_start)


def _line_up(old: Extraction, new: Extraction, groups: Sequence[Group], cfg: CompareRules
             ) -> list[tuple[Target | None, Target | None, str]]:
    olds = sorted(old.targets, key=_key)
    news = sorted(new.targets, key=_key)
    canon_o = {_key(t): canonical_indicator(t.metric, cfg.wordings) for t in olds}
    canon_n = {_key(t): canonical_indicator(t.metric, cfg.wordings) for t in news}
    matched: list[tuple[Target | None, Target | None, str]] = []
    used_o: set[tuple[int, int]] = set()
    used_n: set[tuple[int, int]] = set()

    # 1. Same canonical indicator and kind, in document order on each side.
    buckets_n: dict[tuple[str, str], list[Target]] = defaultdict(list)
    for t in news:
        c = canon_n[_key(t)]
        if c:
            buckets_n[(c, t.kind)].append(t)
    for t in olds:
        c = canon_o[_key(t)]
        if c and buckets_n.get((c, t.kind)):
            n = buckets_n[(c, t.kind)].pop(0)
            matched.append((t, n, "indicator"))
            used_o.add(_key(t))
            used_n.add(_key(n))

    # 2. Inside aligned pairs: same kind and standard unit, similar metric, best ratio first.
    by_item_o: dict[int, list[Target]] = defaultdict(list)
    by_item_n: dict[int, list[Target]] = defaultdict(list)
    for t in olds:
        by_item_o[t.item_seq].append(t)
    for t in news:
        by_item_n[t.item_seq].append(t)
    for g in groups:
        if not g.old or not g.new:
            continue
        lo = [t for s in sorted(g.old) for t in by_item_o.get(s, ()) if _key(t) not in used_o]
        ln = [t for s in sorted(g.new) for t in by_item_n.get(s, ()) if _key(t) not in used_n]
        cands = []
        for a in lo:
            for b in ln:
                if a.kind == b.kind and (a.unit_std or a.unit) == (b.unit_std or b.unit):
                    r = metric_similarity(a.metric, b.metric)
                    if r >= METRIC_THRESHOLD:
                        cands.append((-r, _key(a), _key(b), a, b))
        for _, ka, kb, a, b in sorted(cands, key=lambda c: c[:3]):
            if ka not in used_o and kb not in used_n:
                matched.append((a, b, "aligned_items"))
                used_o.add(ka)
                used_n.add(kb)

    matched += [(t, None, "none") for t in olds if _key(t) not in used_o]
    matched += [(None, t, "none") for t in news if _key(t) not in used_n]
    return matched


def indicator_changes(old: Extraction, new: Extraction, groups: Sequence[Group], cfg: CompareRules,
                      unknown_old: AbstractSet[int] = frozenset(),
                      unknown_new: AbstractSet[int] = frozenset()) -> list[IndicatorChange]:
    """Every target of both notices in exactly one row, lined up and judged (module docstring).
    ``unknown_old``/``unknown_new``: items whose alignment row is unknown (a capture cut); a target of
    theirs without a counterpart is ``unknown``, not new or dropped."""
    rows = []
    for o, n, basis in _line_up(old, new, groups, cfg):
        change, delta, delta_unit = change_of(o, n)
        if (o is None and n is not None and n.item_seq in unknown_new) or \
                (n is None and o is not None and o.item_seq in unknown_old):
            change = "unknown"
        ref = o or n
        assert ref is not None
        indicator = canonical_indicator(o.metric, cfg.wordings) if o else None
        if indicator is None and n is not None:
            indicator = canonical_indicator(n.metric, cfg.wordings)
        polarity, source = polarity_of((n or ref).metric, indicator, cfg)
        assessment, why = assess(o, n, polarity)
        rows.append(IndicatorChange(
            old_doc_id=old.document.doc_id, new_doc_id=new.document.doc_id,
            indicator=indicator, basis=basis, change=change, polarity=polarity, polarity_source=source,
            reduction=names_reduction((n or ref).metric, cfg),
            assessment=assessment, assessment_basis=why, kind=ref.kind,
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
