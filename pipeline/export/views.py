"""What the office sees, as plain rows: pure functions from a :class:`Notice` to the rows of each sheet.

The workbook, the Markdown and the HTML lists are all written from these rows, so they cannot
disagree. Decisions an office would ask about are made here, once:

- **Acting leads.** The printed role is never rewritten. When an item prints no lead and the notice
  says its responsible units lead (``acting_lead``), the 任务分解表 lists them under 牵头单位 with the
  mark :data:`ACTING_MARK` before them (explained in a note on the sheet) and still under 责任单位, as printed;
  the per-unit lists and the tracker call their role "责任单位（视同牵头）".
- **Tracker rows** are one per task × unit that leads or is responsible (printed or acting lead);
  cooperating units report through the lead and persons (责任领导) are not asked to fill in a
  tracker, so neither gets rows. A task without any lead or responsible unit still gets one row
  (unit :data:`NO_UNIT`), so no task drops out of the tracker.
- **Months** of the tracker run from the month the notice was signed (its 成文日期, else its
  publication date) to December of the plan year; a notice dated before its plan year gets all
  twelve, one dated after it December only.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..records import VALUE_LABELS, Assignment, Item, Target
from .dataset import LIST_SEPARATOR, Notice

ROLE_LABELS = VALUE_LABELS["assignments"]["role"]
#: Put before the acting leads in the 牵头单位 cell of the 任务分解表 (once per cell: a cell holds either
#: printed leads or acting leads, never both).
ACTING_MARK = "＊"
ACTING_NOTE = (f"“{ACTING_MARK}”：原文未列牵头单位，按通知“无牵头单位的，责任单位即为牵头单位”一类规定，"
               "由所列责任单位视同牵头；责任单位一栏照录原文。")
ACTING_ROLE = "责任单位（视同牵头）"
#: The unit of a tracker row for a task that names no lead or responsible unit.
NO_UNIT = "（原文未列责任单位）"
#: Roles that get a row in the tracker (see the module docstring).
TRACKED_ROLES = ("lead", "responsible")
#: Joins several targets of one task in a cell.
TARGET_SEPARATOR = "；"


def display_width(text: str) -> int:
    """Columns the text takes in a fixed-width view: CJK and full-width characters count two.

    >>> display_width("区发改局"), display_width("GDP 7%"), display_width("（一）")
    (8, 6, 6)
    """
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def joined(names: Iterable[str]) -> str:
    """Names joined as a notice prints them.

    >>> joined(["区发改局", "区商务办"])
    '区发改局、区商务办'
    """
    return LIST_SEPARATOR.join(names)


def unique(values: Iterable[str]) -> tuple[str, ...]:
    """Values in first-seen order, each once.

    >>> unique(["a", "b", "a"])
    ('a', 'b')
    """
    return tuple(dict.fromkeys(values))


def chapter_key(item: Item) -> str:
    """The compact numbered path of an item's section and subsection, as printed (e.g. ``二、(一)``).

    >>> from pipeline.records import Item
    >>> chapter_key(Item("d", 12, "12.", "二、", "区政府重点工作", "(一)", "高标准…", None, "", 0, 0))
    '二、(一)'
    """
    return (item.section_label or "") + (item.subsection_label or "")


def targets_text(targets: Sequence[Target]) -> str:
    """The targets of one task as printed, each span once.

    >>> from pipeline.records import Target
    >>> t = lambda m, s: Target("d", 1, m, "rate", 1.0, None, "%", 1.0, "%", "exact", False, s, 0, 0)
    >>> targets_text([t("a", "竣工率分别达到80%、85%以上"), t("b", "竣工率分别达到80%、85%以上"), t("c", "新增5家")])
    '竣工率分别达到80%、85%以上；新增5家'
    """
    return TARGET_SEPARATOR.join(unique(t.span_text for t in targets))


# --------------------------------------------------------------------------
# 任务分解表
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Heading:
    """A section or subsection heading row."""

    level: int  # 1 section, 2 subsection
    key: str  # chapter key of the tasks under it (二、 or 二、(一))
    text: str  # label and title as printed


@dataclass(frozen=True)
class TaskRow:
    """One task of the 任务分解表."""

    item: Item
    chapter: str  # 章节: chapter_key(item)
    leads: tuple[str, ...]  # printed leads, else the acting leads (then ``acting`` is true)
    responsible: tuple[str, ...]  # as printed
    cooperating: tuple[str, ...]
    leaders: tuple[str, ...]  # persons (责任领导)
    targets: str  # 量化目标: the targets' printed spans
    acting: bool = False  # the leads are acting leads (the notice printed none)


def _by_item(rows: Iterable[Any]) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = {}
    for r in rows:
        out.setdefault(r.item_seq, []).append(r)
    return out


def task_row(item: Item, assignments: Sequence[Assignment], targets: Sequence[Target]) -> TaskRow:
    """One task with its units by role (printed order) and its targets."""
    def names(role: str) -> tuple[str, ...]:
        return unique(a.name for a in assignments if a.role == role)

    leads = names("lead")
    acting = not leads and any(a.acting_lead for a in assignments)
    if acting:
        leads = unique(a.name for a in assignments if a.acting_lead)
    return TaskRow(item=item, chapter=chapter_key(item), leads=leads, responsible=names("responsible"),
                   cooperating=names("cooperating"), leaders=names("leader"), targets=targets_text(targets),
                   acting=acting)


def breakdown_rows(notice: Notice) -> list[Heading | TaskRow]:
    """The 任务分解表: a heading row where a section or subsection begins, then one row per task."""
    units, targets = _by_item(notice.assignments), _by_item(notice.targets)
    out: list[Heading | TaskRow] = []
    section = subsection = None
    for it in notice.items:
        sec = (it.section_label, it.section_title)
        sub = (it.section_label, it.subsection_label, it.subsection_title)
        if sec != section and any(sec):
            out.append(Heading(1, it.section_label or "", (it.section_label or "") + (it.section_title or "")))
        if (sub != subsection or sec != section) and any(sub[1:]):
            out.append(Heading(2, chapter_key(it), (it.subsection_label or "") + (it.subsection_title or "")))
        section, subsection = sec, sub
        out.append(task_row(it, units.get(it.item_seq, []), targets.get(it.item_seq, [])))
    return out


def lead_names(row: TaskRow) -> str:
    """The 牵头单位 cell: the printed leads, or the acting leads after :data:`ACTING_MARK`.

    >>> from pipeline.records import Item
    >>> it = Item("d", 1, "1.", None, None, None, None, None, "", 0, 0)
    >>> lead_names(TaskRow(it, "", ("区财政局", "区税务局"), ("区财政局", "区税务局"), (), (), "", acting=True))
    '＊区财政局、区税务局'
    """
    return (ACTING_MARK if row.acting else "") + joined(row.leads)


# --------------------------------------------------------------------------
# 指标
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetRow:
    target: Target
    leads: str  # 牵头单位 of its task, as in the 任务分解表


def target_rows(notice: Notice) -> list[TargetRow]:
    """One row per target, in document order, with the lead of its task."""
    leads = {r.item.item_seq: lead_names(r) for r in breakdown_rows(notice) if isinstance(r, TaskRow)}
    return [TargetRow(t, leads.get(t.item_seq, "")) for t in notice.targets]


# --------------------------------------------------------------------------
# 单位任务清单
# --------------------------------------------------------------------------


def role_text(assignments: Sequence[Assignment]) -> str:
    """A unit's role(s) in one task, in words (acting leads said so).

    >>> from pipeline.records import Assignment
    >>> a = lambda role, acting=False: Assignment("d", 1, role, "", 1, "区发改局", "区发改局", acting)
    >>> role_text([a("responsible", True)]), role_text([a("lead"), a("cooperating")])
    ('责任单位（视同牵头）', '牵头单位、配合单位')
    """
    return joined(unique(ACTING_ROLE if a.acting_lead else ROLE_LABELS[a.role] for a in assignments))


@dataclass(frozen=True)
class UnitTask:
    """One task of one unit's list."""

    unit: str
    role: str  # role_text of the unit's assignments in the task
    task: TaskRow


def unit_tasks(notice: Notice) -> list[UnitTask]:
    """Every unit's tasks (lead, responsible, cooperating or leader): units in order of first mention,
    tasks in document order."""
    tasks = {r.item.item_seq: r for r in breakdown_rows(notice) if isinstance(r, TaskRow)}
    by_unit: dict[str, dict[int, list[Assignment]]] = {}
    for a in notice.assignments:
        by_unit.setdefault(a.name, {}).setdefault(a.item_seq, []).append(a)
    return [UnitTask(unit, role_text(rows), tasks[seq])
            for unit, items in by_unit.items() for seq, rows in sorted(items.items()) if seq in tasks]


def role_counts(rows: Sequence[UnitTask]) -> dict[str, int]:
    """How many tasks a unit has in each role, leads first.

    >>> role_counts([UnitTask("u", "配合单位", None), UnitTask("u", "牵头单位、配合单位", None),
    ...              UnitTask("u", ACTING_ROLE, None)])
    {'牵头单位': 1, '责任单位（视同牵头）': 1, '配合单位': 2}
    """
    out: dict[str, int] = {}
    for r in rows:
        for role in r.role.split(LIST_SEPARATOR):
            out[role] = out.get(role, 0) + 1
    order = [ROLE_LABELS["lead"], ACTING_ROLE, *list(ROLE_LABELS.values())[1:]]
    return {role: out[role] for role in sorted(out, key=lambda r: order.index(r) if r in order else len(order))}


# --------------------------------------------------------------------------
# 调度台账
# --------------------------------------------------------------------------


def tracker_months(notice: Notice, from_month: int | None = None) -> tuple[int, ...]:
    """The months the tracker asks progress for (see the module docstring); ``from_month`` overrides the start.

    >>> from pipeline.records import Document
    >>> import datetime as dt
    >>> doc = lambda year, signed: Notice(Document("d", "", "", "", None, None, None, year, signed, None))
    >>> tracker_months(doc(2025, dt.date(2025, 9, 13)))
    (9, 10, 11, 12)
    >>> len(tracker_months(doc(2025, dt.date(2024, 12, 30)))), tracker_months(doc(2025, None), from_month=11)
    (12, (11, 12))
    """
    d = notice.document
    if from_month is None:
        signed = d.issued_date or d.published_date
        from_month = signed.month if signed and d.year and signed.year == d.year else 1
        if signed and d.year and signed.year > d.year:
            from_month = 12
    return tuple(range(max(1, min(from_month, 12)), 13))


@dataclass(frozen=True)
class TrackerRow:
    unit: str
    role: str
    task: TaskRow


def tracker_rows(notice: Notice) -> list[TrackerRow]:
    """One row per task × unit that leads or is responsible, tasks in document order, units as printed."""
    out: list[TrackerRow] = []
    by_item = _by_item(a for a in notice.assignments if a.role in TRACKED_ROLES)
    for row in breakdown_rows(notice):
        if not isinstance(row, TaskRow):
            continue
        units: dict[str, list[Assignment]] = {}
        for a in by_item.get(row.item.item_seq, []):
            units.setdefault(a.name, []).append(a)
        if not units:
            out.append(TrackerRow(NO_UNIT, "", row))
        out.extend(TrackerRow(unit, role_text(rs), row) for unit, rs in units.items())
    return out
