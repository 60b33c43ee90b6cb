"""Compare two or more notices in order: :func:`compare_series` (pure).

Each consecutive pair is compared (:func:`pipeline.compare.pair.compare`); the series views are built from
those pairs:

* **target series** (:func:`target_series`): targets linked by the pairs' line-ups (a chain per target),
  then chains of the same canonical indicator and kind joined across a gap (a notice that omits it);
  each point judged against the previous point of its series;
* **task chains** (:func:`task_chains`): items linked by the pairs' alignments (connected components),
  so every item of every notice is in exactly one chain;
* **unit load by notice** (:func:`unit_years`), after renames and catch-all grouping, flagged when the
  capture is cut (a lower bound).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from itertools import pairwise
from typing import Any

from ..records import Extraction, Target
from .config import CompareRules
from .cut import cut_of
from .pair import as_compare_rules, compare
from .records import Comparison, Series, TargetPoint, TaskStep, UnitYear
from .targets import assess, change_of, names_reduction, polarity_of
from .units import canonical_unit, role_counts
from .wording import canonical_indicator


class _Union:
    """Union-find over hashable nodes (smallest node is the root, so results are deterministic)."""

    def __init__(self) -> None:
        self.parent: dict[Any, Any] = {}

    def find(self, x: Any) -> Any:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: Any, b: Any) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            lo, hi = min(ra, rb), max(ra, rb)
            self.parent[hi] = lo


TargetKey = tuple[int, int, str]  # (position of the notice, item_seq, span text)


def _target_chains(exs: Sequence[Extraction], comps: Sequence[Comparison]
                   ) -> tuple[dict[TargetKey, Target], list[list[TargetKey]]]:
    """Every target of every notice, and the chains the pairs' line-ups link them into (sorted)."""
    targets: dict[TargetKey, Target] = {}
    uf = _Union()
    for pos, ex in enumerate(exs):
        for t in sorted(ex.targets, key=lambda t: (t.item_seq, t.span_start)):
            targets.setdefault((pos, t.item_seq, t.span_text), t)
            uf.find((pos, t.item_seq, t.span_text))
    for pos, c in enumerate(comps):
        for r in c.indicators:
            if r.old_item_seq is not None and r.new_item_seq is not None:
                uf.union((pos, r.old_item_seq, r.old_text or ""), (pos + 1, r.new_item_seq, r.new_text or ""))
    chains: dict[Any, list[TargetKey]] = defaultdict(list)
    for key in sorted(targets):
        chains[uf.find(key)].append(key)
    return targets, sorted(chains.values())


def _join_gaps(chains: list[list[TargetKey]], indicator: Callable[[list[TargetKey]], str | None],
               kind: Callable[[list[TargetKey]], str]) -> list[list[TargetKey]]:
    """Chains of one indicator and kind that never stand in the same notice joined (a year that omits it)."""
    series: list[list[TargetKey]] = []
    by_name: dict[tuple[str, str], list[list[TargetKey]]] = defaultdict(list)
    for chain in chains:
        name = indicator(chain)
        if name is None:
            series.append(chain)
            continue
        for joined in by_name[(name, kind(chain))]:
            if not {k[0] for k in joined} & {k[0] for k in chain}:
                joined.extend(chain)
                joined.sort()
                break
        else:
            by_name[(name, kind(chain))].append(list(chain))
    return series + [s for group in by_name.values() for s in group]


def target_series(exs: Sequence[Extraction], comps: Sequence[Comparison], cfg: CompareRules) -> list[TargetPoint]:
    """Target series over the notices (see the module docstring), point by point."""
    targets, chains = _target_chains(exs, comps)

    def indicator(chain: list[TargetKey]) -> str | None:
        names = {canonical_indicator(targets[k].metric, cfg.wordings) for k in chain} - {None}
        return names.pop() if len(names) == 1 else None

    series = _join_gaps(chains, indicator, lambda chain: targets[chain[0]].kind)
    rows = []
    for sid, chain in enumerate(sorted(series, key=lambda s: (indicator(s) is None, s[0])), 1):
        name, last = indicator(chain), targets[chain[-1]]
        polarity, source = polarity_of(last.metric, name, cfg)
        reduction = names_reduction(last.metric, cfg)
        label = (name + ("降幅" if reduction else "")) if name else targets[chain[0]].metric
        prev: Target | None = None
        for key in chain:
            t, doc = targets[key], exs[key[0]].document
            rows.append(TargetPoint(
                series=sid, indicator=name, label=label, kind=t.kind, position=key[0], doc_id=doc.doc_id,
                year=doc.year, item_seq=t.item_seq, metric=t.metric, value=t.value, value_high=t.value_high,
                unit=t.unit, value_std=t.value_std, unit_std=t.unit_std, qualifier=t.qualifier, text=t.span_text,
                polarity=polarity, polarity_source=source, reduction=reduction,
                change=change_of(prev, t)[0] if prev else "", assessment=assess(prev, t, polarity)[0] if prev else "",
            ))
            prev = t
    return rows


#: Which status a chain step shows when its items stand in rows of different statuses (first wins).
_STEP_RANK = ("unknown", "modified", "continued", "new", "dropped")


def task_chains(exs: Sequence[Extraction], comps: Sequence[Comparison]) -> list[TaskStep]:
    """Every item of every notice in exactly one chain; chains in order of first appearance."""
    uf = _Union()
    items = {(pos, i.item_seq): i for pos, ex in enumerate(exs) for i in ex.items}
    for key in sorted(items):
        uf.find(key)
    status_of: dict[tuple[int, int], str] = {}
    for pos, c in enumerate(comps):
        for p in c.pairs:
            for n in p.new_items:
                status_of[(pos + 1, n)] = p.status
            for o in p.old_items:
                for n in p.new_items:
                    uf.union((pos, o), (pos + 1, n))
    chains: dict[Any, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for pos, seq in sorted(items):
        chains[uf.find((pos, seq))][pos].append(seq)
    rows = []
    ordered = sorted(chains.values(), key=lambda ch: (min(ch), ch[min(ch)][0]))
    for cid, chain in enumerate(ordered, 1):
        for pos in sorted(chain):
            seqs = chain[pos]
            doc = exs[pos].document
            rows.append(TaskStep(
                chain=cid, position=pos, doc_id=doc.doc_id, year=doc.year, item_seqs=tuple(seqs),
                labels=" ".join(items[(pos, s)].item_label for s in seqs),
                text="\n".join(items[(pos, s)].text for s in seqs),
                status="" if pos == 0 else min((status_of.get((pos, s), "new") for s in seqs), key=_STEP_RANK.index),
                positions=len(chain),
            ))
    return rows


def unit_years(exs: Sequence[Extraction], cfg: CompareRules) -> list[UnitYear]:
    """Each canonical unit's load in each notice where it appears, sorted by unit then position."""
    memo: dict[str, str] = {}

    def canon(name: str) -> str:
        if name not in memo:
            memo[name] = canonical_unit(name, cfg)
        return memo[name]

    rows = []
    for pos, ex in enumerate(exs):
        counts, names = role_counts(ex.assignments, canon)
        cut = cut_of(ex) is not None
        for unit, c in counts.items():
            rows.append(UnitYear(
                unit=unit, position=pos, doc_id=ex.document.doc_id, year=ex.document.year, lead=c["lead"],
                responsible=c["responsible"], cooperating=c["cooperating"], total=c["total"],
                renamed_from=tuple(sorted(names.get(unit, ()))), truncated=cut,
            ))
    return sorted(rows, key=lambda r: (r.unit, r.position))


def compare_series(exs: Sequence[Extraction], rules: Any) -> Series:
    """Compare notices in the order given (each with the next) and build the series views.
    ``rules``: a :class:`pipeline.rules.Rules` or :class:`~pipeline.compare.config.CompareRules`."""
    cfg = as_compare_rules(rules)
    comps = tuple(compare(a, b, cfg) for a, b in pairwise(exs))
    return Series(
        documents=tuple(ex.document for ex in exs), cuts=tuple(cut_of(ex) for ex in exs), comparisons=comps,
        targets=tuple(target_series(exs, comps, cfg)), tasks=tuple(task_chains(exs, comps)),
        units=tuple(unit_years(exs, cfg)),
    )
