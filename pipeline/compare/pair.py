"""Compare two notices: :func:`compare` (two extractions -> a :class:`Comparison`), pure.

Steps: align the items (:mod:`.align`), mark what a capture cut makes unknown (:mod:`.cut`), line up and
judge the targets (:mod:`.targets`), then give every row its status:

* ``unknown`` when the row touches a capture cut (see :mod:`.cut`);
* ``modified`` when a target of the pair moved (value, range, qualifier, or a target added/removed) or its
  units changed (a unit added, removed, or in another role, after renames and catch-all grouping);
* ``continued`` otherwise; unpaired items are ``new`` or ``dropped``.

Then the unit load and the rename table (:mod:`.units`). Everything is sorted, so the same inputs give
the same result.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..records import Extraction, Item
from .align import Group, align
from .config import CompareRules, compare_rules
from .cut import cut_items, cut_of, frontier
from .records import Comparison, IndicatorChange, ItemPair
from .targets import indicator_changes
from .units import canonical_unit, rename_rows, renamed, unit_load, unit_roles


def as_compare_rules(rules: Any) -> CompareRules:
    """``rules`` as :class:`CompareRules` (a loaded :class:`pipeline.rules.Rules` is converted)."""
    return rules if isinstance(rules, CompareRules) else compare_rules(rules)


def _statuses(groups: list[Group], old: Extraction, new: Extraction) -> tuple[list[str | None], Any, Any]:
    """Per group: 'unknown' or None (decided later); and the old and new cuts."""
    cut_o, cut_n = cut_of(old), cut_of(new)
    after_o, after_n = cut_items(cut_o), cut_items(cut_n)
    links = [(g.old, g.new) for g in groups if g.old and g.new]
    front_n = frontier(links, cut_o, 0) if cut_o else None  # new items after it may stand in old's cut part
    front_o = frontier(links, cut_n, 1) if cut_n else None
    out: list[str | None] = []
    for g in groups:
        if any(s in after_o for s in g.old) or any(s in after_n for s in g.new) or not g.old and front_n is not None and g.new[0] > front_n or not g.new and front_o is not None and g.old[0] > front_o:
            out.append("unknown")
        else:
            out.append(None)
    return out, cut_o, cut_n


def _target_moves(indicators: Sequence[IndicatorChange]) -> Callable[[Group], bool]:
    """Whether a target of a group moved: changed, added or removed, or the same target now in another task."""
    moved_o = {r.old_item_seq for r in indicators if r.old_item_seq is not None and r.change != "same"}
    moved_n = {r.new_item_seq for r in indicators if r.new_item_seq is not None and r.change != "same"}
    same_by_o: dict[int, set[int]] = defaultdict(set)
    same_by_n: dict[int, set[int]] = defaultdict(set)
    for r in indicators:
        if r.change == "same" and r.old_item_seq is not None and r.new_item_seq is not None:
            same_by_o[r.old_item_seq].add(r.new_item_seq)
            same_by_n[r.new_item_seq].add(r.old_item_seq)

    def changed(g: Group) -> bool:
        if any(s in moved_o for s in g.old) or any(s in moved_n for s in g.new):
            return True
        # A target that stayed the same but now stands outside the row (moved to another task) counts too.
        return any(n not in g.new for o in g.old for n in same_by_o.get(o, ())) or \
            any(o not in g.old for n in g.new for o in same_by_n.get(n, ()))

    return changed


def _row(g: Group, unknown: str | None, targets_changed: Callable[[Group], bool],
         units_o: Mapping[int, set[tuple[str, str]]], units_n: Mapping[int, set[tuple[str, str]]],
         by_o: Mapping[int, Item], by_n: Mapping[int, Item]) -> dict[str, Any]:
    """One alignment row (an ItemPair's fields but its doc ids and row number)."""
    uo = set().union(*(units_o.get(s, set()) for s in g.old))
    un = set().union(*(units_n.get(s, set()) for s in g.new))
    names_o, names_n = {u for u, _ in uo}, {u for u, _ in un}
    paired = bool(g.old and g.new) and not unknown  # a cut row's units and targets may be cut off: not compared
    tc, ucg = (targets_changed(g), uo != un) if paired else (False, False)
    if unknown:
        status = unknown
    elif paired:
        status = "modified" if tc or ucg else "continued"
    else:
        status = "new" if g.new else "dropped"
    s = g.score
    return {
        "status": status, "relation": g.relation, "old_items": g.old, "new_items": g.new,
        "old_labels": " ".join(by_o[x].item_label for x in g.old),
        "new_labels": " ".join(by_n[x].item_label for x in g.new),
        "old_text": "\n".join(by_o[x].text for x in g.old), "new_text": "\n".join(by_n[x].text for x in g.new),
        "text_similarity": s.text if s else None, "indicator_match": s.match if s else "none",
        "shared_indicators": tuple(sorted(s.shared)) if s else (), "pair_score": s.decision if s else None,
        "paired_by": g.paired_by, "targets_changed": tc, "units_changed": ucg,
        "units_added": tuple(sorted(names_n - names_o)) if paired else (),
        "units_removed": tuple(sorted(names_o - names_n)) if paired else (),
    }


def compare(old: Extraction, new: Extraction, rules: Any) -> Comparison:
    """Compare an older and a newer extraction. ``rules``: a :class:`pipeline.rules.Rules` or
    :class:`CompareRules`."""
    cfg = as_compare_rules(rules)
    memo: dict[str, str] = {}

    def canon(name: str) -> str:
        if name not in memo:
            memo[name] = canonical_unit(name, cfg)
        return memo[name]

    old_items = sorted(old.items, key=lambda i: i.item_seq)
    new_items = sorted(new.items, key=lambda i: i.item_seq)
    groups = align(old_items, new_items, cfg)
    unknown, cut_o, cut_n = _statuses(groups, old, new)
    unknown_o = {s for g, u in zip(groups, unknown) if u for s in g.old}
    unknown_n = {s for g, u in zip(groups, unknown) if u for s in g.new}
    indicators = indicator_changes(old, new, groups, cfg, unknown_o, unknown_n)
    moved = _target_moves(indicators)
    units_o, units_n = unit_roles(old.assignments, canon), unit_roles(new.assignments, canon)
    by_o, by_n = {i.item_seq: i for i in old_items}, {i.item_seq: i for i in new_items}
    rows = [_row(g, u, moved, units_o, units_n, by_o, by_n) for g, u in zip(groups, unknown)]
    pairs = tuple(ItemPair(old_doc_id=old.document.doc_id, new_doc_id=new.document.doc_id, row=i, **p)
                  for i, p in enumerate(order_rows(rows), 1))
    load = unit_load(old.document.doc_id, new.document.doc_id, old.assignments, new.assignments, canon)
    return Comparison(old=old.document, new=new.document, pairs=pairs, indicators=tuple(indicators),
                      units=tuple(load), renames=tuple(_renames(old, new, pairs, load, cfg, canon, cut_n is not None)),
                      old_items=tuple(old_items), new_items=tuple(new_items), old_cut=cut_o, new_cut=cut_n)


def _renames(old: Extraction, new: Extraction, pairs: tuple[ItemPair, ...], load: list, cfg: CompareRules,
             canon: Callable[[str], str], new_cut: bool) -> list:
    raw_o: dict[int, set[str]] = {}
    raw_items: dict[str, set[int]] = {}
    for a in old.assignments:
        raw_o.setdefault(a.item_seq, set()).add(a.name)
        raw_items.setdefault(a.name, set()).add(a.item_seq)
    canon_o = {s: {canon(x) for x in names} for s, names in raw_o.items()}
    canon_n: dict[int, set[str]] = {}
    for a in new.assignments:
        canon_n.setdefault(a.item_seq, set()).add(canon(a.name))
    aligned = [(frozenset().union(*(raw_o.get(s, set()) for s in p.old_items)),
                frozenset().union(*(canon_o.get(s, set()) for s in p.old_items)),
                frozenset().union(*(canon_n.get(s, set()) for s in p.new_items)))
               for p in pairs if p.old_items and p.new_items and p.status != "unknown"]
    printed = {}
    for a in (*old.assignments, *new.assignments):
        c = canon(a.name)
        if c != a.name:
            printed[a.name] = (c, "rule" if renamed(a.name, cfg.renames, cfg.prefixes) != a.name else "catch_all")
    labels = frozenset(canon(n) for n in cfg.catch_alls) | frozenset(
        p + canon(n) for n in cfg.catch_alls for p in cfg.prefixes)
    return rename_rows(old.document.doc_id, new.document.doc_id, aligned, load, printed, labels,
                       {k: len(v) for k, v in raw_items.items()}, new_cut)


def order_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """New-notice order; a row without new items right after the row of its nearest paired old predecessor.

    >>> [r["id"] for r in order_rows([{"id": "a", "old_items": (1,), "new_items": (1,)},
    ...     {"id": "b", "old_items": (2,), "new_items": ()}, {"id": "c", "old_items": (3,), "new_items": (2,)},
    ...     {"id": "d", "old_items": (), "new_items": (3,)}])]
    ['a', 'b', 'c', 'd']
    """
    anchor: dict[int, float] = {}
    for p in rows:
        if p["old_items"] and p["new_items"]:
            for o in p["old_items"]:
                anchor[o] = min(p["new_items"])
    paired = sorted(anchor)

    def pos(p: dict[str, Any]) -> tuple[float, int, int]:
        if p["new_items"]:
            return (min(p["new_items"]), 0, min(p["old_items"]) if p["old_items"] else 0)
        o = p["old_items"][0]
        i = bisect.bisect_left(paired, o)  # paired[i - 1]: the nearest paired old item before o
        return ((anchor[paired[i - 1]] if i else 0) + 0.5, 1, o)

    return sorted(rows, key=pos)
