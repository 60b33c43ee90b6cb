"""Unit continuity and unit load (pure).

A printed unit name is counted under its *canonical* name (:func:`canonical_unit`): an older name renamed
by rules/unit_renames.toml ``renames`` (区经信局 -> 区科经局), and a catch-all name grouped under one label by
``catch_alls`` (区政府相关工作部门, 区政府各相关部门 -> 区政府各部门(统称)). Both are rules, applied to every
notice, and listed in the rename table with their evidence.

Renames the rules do not know are *proposed*, never applied (:func:`rename_rows`): a unit that disappears
from the newer notice while another unit takes over the same aligned tasks (it is named on the new side of
at least :data:`RENAME_MIN_SHARED` of the old unit's aligned tasks, and of at least :data:`RENAME_MIN_SHARE`
of them, where the old side did not name it) is proposed as renamed to it, with those counts as evidence.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence

from ..records import Assignment
from .config import CompareRules
from .records import UnitLoad, UnitRename

#: Roles that count as unit load (a ``leader`` is a person).
ROLES = ("lead", "responsible", "cooperating")

#: A rename is proposed when the new unit takes over at least this many aligned tasks of the old one...
RENAME_MIN_SHARED = 2
#: ...and at least this share of them.
RENAME_MIN_SHARE = 0.5


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


def canonical_unit(name: str, cfg: CompareRules) -> str:
    """The name a unit is counted under: renamed, then a catch-all grouped under its label.

    >>> from types import SimpleNamespace as S
    >>> cfg = S(renames={"经信局": "科经局"}, catch_alls={"政府相关工作部门": "政府各部门(统称)",
    ...         "政府各相关部门": "政府各部门(统称)"}, prefixes=("区", "市"))
    >>> canonical_unit("区经信局", cfg), canonical_unit("区政府相关工作部门", cfg), canonical_unit("区政府各相关部门", cfg)
    ('区科经局', '区政府各部门(统称)', '区政府各部门(统称)')
    """
    return renamed(renamed(name, cfg.renames, cfg.prefixes), cfg.catch_alls, cfg.prefixes)


def unit_roles(assignments: Iterable[Assignment], canon: Callable[[str], str]) -> dict[int, set[tuple[str, str]]]:
    """item_seq -> {(canonical unit, role)} (persons excluded)."""
    out: dict[int, set[tuple[str, str]]] = defaultdict(set)
    for a in assignments:
        if a.role in ROLES:
            out[a.item_seq].add((canon(a.name), a.role))
    return out


def role_counts(assignments: Iterable[Assignment], canon: Callable[[str], str]
                ) -> tuple[dict[str, dict[str, int]], dict[str, set[str]]]:
    """(canonical unit -> {lead, responsible, cooperating, total: items}, canonical unit -> printed names
    mapped to it) of one notice."""
    items: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    names: dict[str, set[str]] = defaultdict(set)
    for a in assignments:
        if a.role not in ROLES:
            continue
        unit = canon(a.name)
        if unit != a.name:
            names[unit].add(a.name)
        items[unit][a.role].add(a.item_seq)
        items[unit]["total"].add(a.item_seq)
    counts = {u: {k: len(items[u].get(k, ())) for k in (*ROLES, "total")} for u in items}
    return counts, names


def unit_load(old_id: str, new_id: str, old: Sequence[Assignment], new: Sequence[Assignment],
              canon: Callable[[str], str]) -> list[UnitLoad]:
    """Items per canonical unit and role in each notice, sorted by unit."""
    co, no = role_counts(old, canon)
    cn, nn = role_counts(new, canon)
    zero = {k: 0 for k in (*ROLES, "total")}
    rows = []
    for unit in sorted(set(co) | set(cn)):
        o, n = co.get(unit, zero), cn.get(unit, zero)
        rows.append(UnitLoad(
            old_doc_id=old_id, new_doc_id=new_id, unit=unit,
            renamed_from=tuple(sorted(no.get(unit, set()) | nn.get(unit, set()))),
            lead_old=o["lead"], responsible_old=o["responsible"], cooperating_old=o["cooperating"],
            total_old=o["total"], lead_new=n["lead"], responsible_new=n["responsible"],
            cooperating_new=n["cooperating"], total_new=n["total"],
            delta_lead=n["lead"] - o["lead"], delta_responsible=n["responsible"] - o["responsible"],
            delta_cooperating=n["cooperating"] - o["cooperating"], delta_total=n["total"] - o["total"],
        ))
    return rows


def rename_rows(old_id: str, new_id: str, aligned: Sequence[tuple[frozenset[str], frozenset[str], frozenset[str]]],
                load: Sequence[UnitLoad], printed: Mapping[str, tuple[str, str]], labels: frozenset[str],
                raw_items_old: Mapping[str, int], new_cut: bool = False) -> list[UnitRename]:
    """The rename table of one pair.

    ``aligned``: one (old printed names, old canonical units, new canonical units) per aligned row whose
    status is known; ``load``: the pair's unit load; ``printed``: printed name -> (canonical unit, source)
    for every name the rules mapped (source ``rule`` or ``catch_all``); ``labels``: catch-all labels (never
    proposed as a rename target); ``raw_items_old``: printed name -> items naming it in the older notice;
    ``new_cut``: the newer capture is cut (a unit may appear after the cut).
    """
    total_old = {u.unit: u.total_old for u in load}
    total_new = {u.unit: u.total_new for u in load}
    rows = []
    for name, (unit, source) in sorted(printed.items()):
        shared = sum(name in raw and unit in new for raw, _, new in aligned)
        in_old = sum(name in raw for raw, _, _ in aligned)
        rows.append(UnitRename(
            old_doc_id=old_id, new_doc_id=new_id, name=name, unit=unit, source=source, applied=True,
            shared_tasks=shared, name_aligned_tasks=in_old, name_items_old=raw_items_old.get(name, 0),
            unit_items_old=total_old.get(unit, 0), unit_items_new=total_new.get(unit, 0),
            evidence=f"rules/unit_renames.toml {'renames' if source == 'rule' else 'catch_alls'}: {name} -> {unit}",
        ))
    for u in load:
        if not u.total_old or u.total_new:
            continue  # only a unit that disappears from the newer notice
        rows_a = [(old, new) for _, old, new in aligned if u.unit in old]
        taken: dict[str, int] = defaultdict(int)
        for old, new in rows_a:
            for b in new - old:
                if b not in labels:
                    taken[b] += 1
        if not taken:
            continue
        b, shared = min(taken.items(), key=lambda kv: (-kv[1], total_old.get(kv[0], 0) > 0, kv[0]))
        if shared < RENAME_MIN_SHARED or shared < RENAME_MIN_SHARE * len(rows_a):
            continue
        note = f"{u.unit} is in {u.total_old} items of {old_id} and none of {new_id}; {shared} of its " \
               f"{len(rows_a)} aligned tasks name {b} there instead"
        note += f" ({b} is new)" if not total_old.get(b) else f" ({b} was already in {total_old[b]} items)"
        if new_cut:
            note += "; the newer capture is cut, so the unit may stand after the cut"
        rows.append(UnitRename(
            old_doc_id=old_id, new_doc_id=new_id, name=u.unit, unit=b, source="proposed", applied=False,
            shared_tasks=shared, name_aligned_tasks=len(rows_a), name_items_old=u.total_old,
            unit_items_old=total_old.get(b, 0), unit_items_new=total_new.get(b, 0), evidence=note,
        ))
    return rows
