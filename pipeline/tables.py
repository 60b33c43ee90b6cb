"""HTML task tables as grids: rows of column kind -> cell blocks.

Some notices are published as one ``<table>`` (序号 / 工作任务 / 牵头单位 /
责任单位 / 完成时限 …). :mod:`pipeline.html` emits every cell once, as a
:class:`~pipeline.records.Block` of kind "cell"; here the spans are expanded
back into a grid, the header row is found and each column gets a kind:

``seq`` ``task`` ``lead`` ``responsible`` ``cooperating`` ``leader``
``deadline`` ``note`` ``category`` ``progress`` ``other``

Header words live in ``rules/tables.toml`` (task, seq, deadline, note,
category, progress) and ``rules/roles.toml`` (the role labels), compiled once
into :class:`~pipeline.rules.sets.HeaderVocabulary`. A column whose header
names nothing known takes its kind from its cells: under a header that names
units or leaders, the one with the longest text is the task column (民生实事);
of two task columns (项目名称 | 主要内容) the longer is the task, the other names
the row. A table without a task column is not a task table: :func:`grid`
returns no rows for it. A header printed again inside the table (a page break)
is no data row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from .records import Block, Page
from .rules.sets import HeaderVocabulary
from .text import compact

#: The header row is among the first rows (a title row or two may come first).
MAX_HEADER_ROW = 4

#: A header row names the task column and at least this many kinds in all.
MIN_HEADER_KINDS = 2

#: A column's cells hold task text when they average at least this many characters.
TASK_MIN_MEAN_CHARS = 6

#: Data rows read to tell what a column holds (a bounded look: tables can be long).
CONTENT_ROWS = 50

#: Column kinds that name units or people: a header naming one of them is a task table's header.
ROLE_KINDS = frozenset({"lead", "responsible", "cooperating", "leader"})


@dataclass(frozen=True)
class GridRow:
    """One data row of a task table, spans expanded."""

    table: int  # index of the table (Cell.table)
    row: int  # 0-based row index in the table
    cells: Mapping[str, tuple[Block, ...]]  # column kind -> blocks in this row's columns of that kind, left to right (a block spanning rows repeats in each row); {"heading": (block,)} for a heading row
    heading: str | None = None  # text of a section-heading row (one cell across the width), else None
    headers: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))  # column kind -> its header as printed (the first column of that kind)


def column_kind(header: str, vocabulary: HeaderVocabulary) -> str:
    """The kind of a column from its header text: the longest known word it contains.

    >>> from pipeline.rules import load_rules
    >>> v = load_rules().headers
    >>> [column_kind(h, v) for h in ("序  号", "重点工作任务", "牵头单位", "责任\\n单位", "牵头领导", "完成时限")]
    ['seq', 'task', 'lead', 'responsible', 'leader', 'deadline']
    >>> column_kind("牵头责任单位", v), column_kind("配合单位", v), column_kind("备注", v), column_kind("金额", v)
    ('lead', 'cooperating', 'note', 'other')
    """
    return vocabulary.kind_of(header)


def _cells(page: Page) -> dict[int, list[Block]]:
    """The cell blocks of every table, by table index, in page order (one pass over the page's blocks)."""
    by_table: dict[int, list[Block]] = {}
    for b in page.blocks:
        if b.kind == "cell" and b.cell is not None:
            by_table.setdefault(b.cell.table, []).append(b)
    return by_table


def _matrix(blocks: list[Block]) -> list[list[Block | None]]:
    """A table's grid: every position a cell covers holds that cell's block.

    A row is as long as the cells covering it reach, not the table's width: a last row of thousands of
    cells under a long table must not make every row that wide (rows x width places, gigabytes).

    >>> from pipeline.records import Cell
    >>> cell = lambda r, c, rs=1, cs=1: Block("x", 0, 1, "cell", Cell(0, r, c, rs, cs, False))
    >>> [len(row) for row in _matrix([cell(0, 0, rs=2), cell(0, 1), cell(1, 1), cell(2, 0), cell(2, 1), cell(2, 2)])]
    [2, 2, 3]
    """
    if not blocks:
        return []
    reach = [0] * max(b.cell.row + b.cell.rowspan for b in blocks)  # type: ignore[union-attr]
    for b in blocks:
        c = b.cell
        assert c is not None
        end = c.col + c.colspan
        for r in range(c.row, c.row + c.rowspan):
            if reach[r] < end:
                reach[r] = end
    grid: list[list[Block | None]] = [[None] * n for n in reach]
    for b in blocks:
        c = b.cell
        assert c is not None
        for r in range(c.row, c.row + c.rowspan):
            grid[r][c.col:c.col + c.colspan] = [b] * c.colspan
    return grid


def _distinct(row: list[Block | None]) -> list[Block]:
    out: list[Block] = []
    seen: set[int] = set()  # identities: a spanning cell is the same block in every place it covers
    for b in row:
        if b is not None and id(b) not in seen:
            seen.add(id(b))
            out.append(b)
    return out


def _mean_chars(grid: list[list[Block | None]], first: int, col: int) -> float:
    """Mean length (spaces removed) of the distinct cells of a column in the data rows from ``first``."""
    seen: dict[int, Block] = {}  # by identity, in order
    for row in grid[first:first + CONTENT_ROWS]:
        b = row[col] if col < len(row) else None
        if b is not None and b.cell is not None and b.cell.colspan == 1:
            seen.setdefault(id(b), b)
    return sum(len(compact(b.text)) for b in seen.values()) / len(seen) if seen else 0.0


def _task_column(grid: list[list[Block | None]], first: int, kinds: list[str]) -> list[str] | None:
    """The column kinds with one task column, read from what the cells hold where the header does not say.

    Several task columns (项目名称 | 主要内容): the one whose cells are longest is the task, the others
    name the row (category). No task column but a header naming units or leaders: the unnamed
    ("other") column whose cells are longest is the task column when they read as text (民生实事).
    """
    tasks = [c for c, k in enumerate(kinds) if k == "task"]
    if len(tasks) == 1:
        return kinds
    if len(tasks) > 1:
        best = max(tasks, key=lambda c: (_mean_chars(grid, first, c), -c))
        return [("category" if k == "task" and c != best else k) for c, k in enumerate(kinds)]
    if not ROLE_KINDS & set(kinds):
        return None
    others = [c for c, k in enumerate(kinds) if k == "other"]
    if not others:
        return None
    best = max(others, key=lambda c: (_mean_chars(grid, first, c), -c))
    if _mean_chars(grid, first, best) < TASK_MIN_MEAN_CHARS:
        return None
    return [("task" if c == best else k) for c, k in enumerate(kinds)]


def _header(grid: list[list[Block | None]], rules: HeaderVocabulary,
            transposed: bool = False) -> tuple[int, list[str], list[str]] | None:
    """(first data row, kind of each column, header text of each column), or None when no row names a task column.

    A header cell spanning several columns over a second header row (责任单位
    over 牵头单位 | 配合单位) gives way to the sub-headers below it. A column whose
    header names nothing known takes its kind from its cells (:func:`_task_column`).
    """
    read: dict[int, tuple[str, str]] = {}  # a cell (by identity) -> (kind, text without spaces), read once

    def cell(b: Block) -> tuple[str, str]:
        got = read.get(id(b))
        if got is None:  # a spanning cell stands in every place it covers: it is read once, not per place
            got = read[id(b)] = (column_kind(b.text, rules), compact(b.text))
        return got

    width = max(map(len, grid), default=0)
    for r, row in enumerate(grid[:MAX_HEADER_ROW]):
        pad = width - len(row)  # the places no cell of this row reaches
        kinds = [cell(b)[0] if b is not None else "other" for b in row] + ["other"] * pad
        texts = [cell(b)[1] if b is not None else "" for b in row] + [""] * pad
        named = {k for k in kinds if k != "other"}
        if len(named | {"task"}) < MIN_HEADER_KINDS or ("task" not in named and not ROLE_KINDS & named):
            continue
        # the header row's own cells (a row of cells spanning down from above starts none: one row)
        start = r + max((b.cell.rowspan for b in _distinct(row) if b.cell and b.cell.row == r), default=1) \
            if not transposed else r + 1
        if r + 1 < len(grid) and not transposed:
            below = grid[r + 1]
            for c, b in enumerate(row):
                sub = below[c] if c < len(below) else None
                if (b is not None and b.cell and b.cell.colspan > 1 and sub is not None and sub is not b):
                    kind, text = cell(sub)
                    if kind != "other":
                        kinds[c] = kind
                        texts[c] = text
                        start = max(start, r + 2)
        found = _task_column(grid, start, kinds)
        if found is None or len(set(found) - {"other"}) < MIN_HEADER_KINDS:
            continue
        return start, found, texts
    return None


def _transposed(matrix: list[list[Block | None]], rules: HeaderVocabulary) -> list[list[Block | None]] | None:
    """The grid read column by column when its first column is the header (工作任务 | … over 牵头单位 | … over
    责任单位 | …: a table per task, or a task per column): its cells name the task and at least two more
    kinds. None otherwise (a first column of 序号 and numbers, or of task texts, names one kind at most)."""
    firsts: list[Block | None] = [row[0] for row in matrix[:MAX_HEADER_ROW * 4] if row]
    kinds = {column_kind(b.text, rules) for b in _distinct(firsts)} - {"other"}
    if "task" not in kinds or len(kinds) < 3:
        return None
    width = max(map(len, matrix))
    return [[row[c] if c < len(row) else None for row in matrix] for c in range(width)]


def _rows(table: int, matrix: list[list[Block | None]], rules: HeaderVocabulary) -> tuple[GridRow, ...] | None:
    """The data rows of a table's grid (see :func:`grid`); None when it is not a task table. A grid whose
    first column is the header is read column by column (:func:`_transposed`)."""
    transposed = _transposed(matrix, rules) if matrix else None
    if transposed is not None:
        matrix = transposed
    found = _header(matrix, rules, transposed is not None) if matrix else None
    if found is None:
        return None
    start, kinds, texts = found
    width = len(kinds)
    headers: dict[str, str] = {}
    for kind, text in zip(kinds, texts):
        headers.setdefault(kind, text)
    header_map = MappingProxyType(headers)
    rows: list[GridRow] = []
    for r in range(start, len(matrix)):
        blocks = _distinct(matrix[r])
        if not blocks or transposed is None and all(b.cell is not None and b.cell.header and b.cell.row == r
                                                    for b in blocks):
            continue  # empty, or the header printed again (a page break inside the table)
        only = blocks[0]
        if (transposed is None and len(blocks) == 1 and only.cell is not None and only.cell.row == r
                and only.cell.colspan >= max(2, width - 1)):
            rows.append(GridRow(table, r, MappingProxyType({"heading": (only,)}), heading=only.text, headers=header_map))
            continue
        cells: dict[str, dict[int, Block]] = {}  # by kind, then by identity, in order
        for c, b in enumerate(matrix[r]):
            if b is not None:
                cells.setdefault(kinds[c], {}).setdefault(id(b), b)
        rows.append(GridRow(table, r, MappingProxyType({k: tuple(v.values()) for k, v in cells.items()}),
                            headers=header_map))
    return tuple(rows)


def grid(page: Page, table: int, rules: HeaderVocabulary) -> tuple[GridRow, ...]:
    """The data rows of one table, spans expanded; () when it is not a task table.

    A row holding one cell across (nearly) the whole width is a heading row
    (``GridRow.heading``); empty rows are skipped.
    """
    return _rows(table, _matrix(_cells(page).get(table, [])), rules) or ()


def task_tables(page: Page, rules: HeaderVocabulary) -> dict[int, tuple[GridRow, ...]]:
    """The data rows of each task table of the page (:func:`grid`), by table index in page order.

    One pass over the page's blocks for all its tables: a page of thousands of small tables is not
    read once per table.
    """
    out: dict[int, tuple[GridRow, ...]] = {}
    for table, blocks in sorted(_cells(page).items()):
        rows = _rows(table, _matrix(blocks), rules)
        if rows is not None:
            out[table] = rows
    return out


def tables_in(page: Page, rules: HeaderVocabulary) -> tuple[int, ...]:
    """Indexes of the page's task tables (tables whose header names a task column)."""
    return tuple(task_tables(page, rules))
