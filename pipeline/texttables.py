"""Plain-text tables as table cells, so text captures take the same table path as HTML.

A notice published as a table reaches us flattened when it was captured as text.
:func:`find_text_tables` finds these shapes and replaces their lines with blocks
of kind ``"cell"`` (a :class:`~pipeline.records.Cell` each), leaving every
other block as it was:

1. **box-drawing tables** (``┌─┬─┐ │ ├─┼─┤ └─┴─┘``, also ``+---+ |``): columns
   from the positions of the rules, measured in display columns (CJK is two
   wide); a cell wrapped over several lines is joined; a cell whose bottom
   rule is missing spans the rows below it;
   **pipe tables** (``| 序号 | 工作任务 |`` over ``| --- | --- |``, as Markdown and wiki exports
   print them): a row per line, its cells between pipes, the first row the header;
2. **one row per line**: ``1 <task> <unit> [deadline]`` with bare row numbers,
   perhaps under a header line ``序号 工作任务 责任单位 备注``;
3. **one cell per line, rows anchored on their numbers** (:mod:`pipeline.anchored`):
   a header from ``序号``, a bare number line for each row, the row's lines given
   to the columns by what they hold (units one per line, sub-rows, empty cells
   seen as extra blank lines, heading rows);
4. **one cell per line** without row numbers, after a run of header words
   (``牵头单位`` / ``目   标   任   务`` / ``责  任  单  位``), narrow cells wrapped mid-word
   (``市政`` / ``府办`` / ``公厅``): cell boundaries are searched for, and the
   table is taken only when exactly one segmentation fits the evidence
   (column count, each column's wrap width, unit-name endings, task length);
5. **Word tables with glued cells** (:mod:`pipeline.glued`): ``序号项目名称…配合单位1…``.

Header words: ``rules/tables.toml`` (序号, 工作任务, 完成时限 …) and the role labels of
``rules/roles.toml``, found by containment (主要责任单位 holds 责任单位). Anything
uncertain is left as it was.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import accumulate, compress

import regex

from .anchored import HEADER_MAX_CHARS as ANCHORED_HEADER_MAX_CHARS
from .anchored import AnchoredReader, header_columns
from .glued import find_glued
from .records import Cell, Page, join_blocks
from .rules.sets import FlatTableVocabulary as TableRules
from .rules.sets import FrozenMap
from .text import HORIZONTAL, JUNCTIONS, VERTICAL, compact, display_width, join_lines, width_table

# ---------------------------------------------------------------- thresholds

#: A task cell has at least this many characters (a unit name or a bare number has fewer).
TASK_MIN_CHARS = 6
#: A unit list part longer than this is prose, not a unit name.
UNIT_MAX_CHARS = 24
#: A deadline / note / category cell of a flattened table is at most this long.
SHORT_CELL_MAX_CHARS = 30
#: Display columns a wrapped line may fall short of its column's wrap width (禁则: a
#: punctuation mark cannot start a line, so a line may end one character early).
WRAP_TOLERANCE = 2
#: A flattened cell spans at most this many lines.
MAX_CELL_LINES = 40
#: The segmentation search of a flattened table gives up (table left as lines) after this many states or
#: cells tried (the tables of the fixtures and the real corpus need fewer than 100 cells).
SEARCH_LIMIT = 50_000
#: A one-row-per-line table without a header line needs this many consecutive numbered rows.
MIN_BARE_ROWS = 3
#: A row of a one-row-per-line table may wrap onto at most this many more lines (its task was too long).
MAX_ROW_CONTINUATIONS = 2
#: A run of box-drawing lines that gives no table is tried from each of its first this many lines, not from
#: every rule line of it (each try reads the run to its end: a long run of +----- lines was quadratic).
BOX_RETRIES = 8
#: Share of the `│` of a box table's text lines that must fall on a column rule.
MIN_BOX_ALIGNMENT = 0.9
#: A header cell is at most this long (characters, spaces removed).
HEADER_MAX_CHARS = 10
#: A short line naming no header word may still be half of one (完成 / 时限).
HEADER_FRAGMENT_MAX_CHARS = 3
#: A header printed one cell per line is at most this many lines (a dozen columns, each on one or two lines);
#: the bound keeps a page of thousands of short lines linear.
HEADER_MAX_LINES = 24

# ---------------------------------------------------------------- characters


#: A rule line: a junction touching a horizontal stroke (┼─, ─┤, +-).
_RULE_LINE = regex.compile(
    rf"""
    [{regex.escape(JUNCTIONS)}] [{regex.escape(HORIZONTAL)}]   # ┌─  ├─  +-
    | [{regex.escape(HORIZONTAL)}] [{regex.escape(JUNCTIONS)}]  # ─┐  ─┤  -+
    """,
    regex.VERBOSE,
)

#: A row of a one-row-per-line table: a bare row number, blank space, the row.
_NUMBERED_ROW = regex.compile(
    r"""
    (?P<seq> [1-9]\d{0,2} )      # 1 … 999, printed bare (1. and 1、 are outline items)
    [\ \t\u3000]+
    (?P<rest> \S .* )
    """,
    regex.VERBOSE,
)

#: Whitespace that separates columns of a row line (one space is weak evidence, see _split_row).
_GAP = regex.compile(r"[\ \t\u3000\xa0]+")

#: Separators of a unit list inside one cell.
_UNIT_LIST_SEP = regex.compile(r"[、,，;；]")
#: A person list (分管领导): names of two to four characters, perhaps with a title (副区长).
_PERSON = regex.compile(r"\p{Han}{2,10}")
#: A unit name ends its list with 等 / 等部门 sometimes.
_ETC = regex.compile(r"等(?:相关|有关)?(?:部门|单位)?$")
#: Marks that never appear in a unit name.
_NOT_IN_UNIT = regex.compile(r"[。！？!?：:]|\d{3,}")
#: A sentence or clause ends before a weak (one-space) column gap.
_SENTENCE_END = "。；;，,、！？!?)）"


# ---------------------------------------------------------------- records


@dataclass(frozen=True)
class CellText:
    """One cell found in a text table, before it becomes a block."""

    row: int  # 0-based row (the header row is 0 when the table prints one)
    col: int  # 0-based column of the top-left corner
    rowspan: int  # rows covered, >= 1
    colspan: int  # columns covered, >= 1
    header: bool  # in the table's header row
    text: str  # the printed characters, wrapped lines joined


@dataclass(frozen=True)
class TextTable:
    """A text table found among a page's blocks."""

    first: int  # index of the table's first block in Page.blocks
    end: int  # index after its last block
    shape: str  # "box" | "rows" | "anchored" | "flat" | "glued"
    cells: tuple[CellText, ...]  # in reading order (row, then column)
    before: str = ""  # printed on the table's first line before the table (a glued table's title)
    after: str = ""  # printed on the table's last line after the table (a glued table read only so far)


# ---------------------------------------------------------------- small helpers


_TRAILING_NOTE = regex.compile(r"[(（][^()（）]*[)）]$")
_ROW_NUMBER = regex.compile(r"[1-9]\d{0,2}")
_TOKEN = regex.compile(r"[^\ \t\u3000\xa0]+")
_TASK_END = regex.compile(r"[\p{Han}\d%％)）]")
_HAN_CHAR = regex.compile(r"\p{Han}")


def unit_list(text: str, tr: TableRules) -> bool:
    """True when ``text`` is one unit name or a list of them (each ending like a unit).

    >>> from pipeline.rules import load_rules
    >>> tr = load_rules().flat_tables
    >>> [unit_list(t, tr) for t in ("市政府办公厅", "市直各单位", "发改委、财政局", "市政府办", "市政")]
    [True, True, True, True, False]
    >>> [unit_list(t, tr) for t in ("强化行政监督,自觉接受监督", "建成3个中心。", "推进项目建设")]
    [False, False, False]
    """
    text = compact(text)
    if not text or _NOT_IN_UNIT.search(text):
        return False
    parts = [p for p in _UNIT_LIST_SEP.split(text) if p]
    if not parts:
        return False
    for part in parts:
        part = _ETC.sub("", part) or part
        part = _TRAILING_NOTE.sub("", part)  # 县发改局(粮食局)
        if len(part) < 2 or len(part) > UNIT_MAX_CHARS:
            return False
        if not (part.endswith(tr.unit_suffixes) or tr.any_collective.fullmatch(part)):
            return False
    return True


def _deadline(text: str, tr: TableRules) -> bool:
    """A deadline as printed (2020年12月, 6月底前, 长期坚持)."""
    t = compact(text)
    return 0 < len(t) <= SHORT_CELL_MAX_CHARS and tr.any_deadline.fullmatch(t)


def _header_words(text: str, tr: TableRules) -> list[tuple[str, int, int]] | None:
    """Split a header line into known header words: (kind, start, end) in ``text``; None if it is not one.

    The line is read without its spaces and covered exactly by header words, the
    longest first (序号 工作任务 责任单位 备注, or 序  号  目标任务 …).
    """
    first = text.lstrip()[:1]
    if not first or first not in tr.header_initials:
        return None
    chars = [(i, c) for i, c in enumerate(text) if not c.isspace()]
    squeezed = "".join(c for _, c in chars)
    # only the words with the character at k as their first can start there: those, in their rank order
    # (longest first), instead of every header word
    by_initial = tr._by_initial
    out: list[tuple[str, int, int]] = []
    k = 0
    while k < len(squeezed):
        word = next((w for _, w in by_initial.get(squeezed[k], ()) if squeezed.startswith(w, k)), None)
        if word is None:
            return None
        out.append((tr.headers[word], chars[k][0], chars[k + len(word) - 1][0] + 1))
        k += len(word)
    return out or None


# ---------------------------------------------------------------- shape 1: box drawing


def _is_rule_line(line: str) -> bool:
    return bool(line) and line[0] in JUNCTIONS and _RULE_LINE.search(line) is not None


def _is_box_line(line: str) -> bool:
    return bool(line) and (line[0] in VERTICAL or _is_rule_line(line) or (line[0] in JUNCTIONS and line[0] != "+"))


def _columns(line: str, ambiguous: int) -> list[tuple[int, str]]:
    """(display column, character) for each character of a line (columns never decrease).

    >>> _columns("│甲a│", 1)
    [(0, '│'), (1, '甲'), (3, 'a'), (4, '│')]
    """
    return list(zip(accumulate(map(width_table(ambiguous).__getitem__, line), initial=0), line))


def _x(col: tuple[int, str]) -> int:
    return col[0]


def _slice(cols: list[tuple[int, str]], left: int, right: int) -> str:
    """The characters strictly between two rule positions (found by bisection: the columns are in order).

    >>> _slice(_columns("│甲a│乙│", 1), 0, 4)
    '甲a'
    """
    return "".join(ch for _, ch in cols[bisect_right(cols, left, key=_x):bisect_left(cols, right, key=_x)])


def _box_grid(lines: Sequence[str], ambiguous: int) -> tuple[list[int], float]:
    """Column rule positions (from rule lines) and the share of text-line │ that fall on them."""
    bounds: set[int] = set()
    for line in lines:
        if _RULE_LINE.search(line):
            bounds.update(x for x, ch in _columns(line, ambiguous) if ch in JUNCTIONS or ch in VERTICAL)
    seen = hits = 0
    for line in lines:
        if not _RULE_LINE.search(line):
            for x, ch in _columns(line, ambiguous):
                if ch in VERTICAL:
                    seen += 1
                    hits += x in bounds
    return sorted(bounds), (hits / seen if seen else 0.0)


#: One rule character (│ or a junction), kept by split.
_RULE_CHARS = regex.compile(f"([{regex.escape(VERTICAL + JUNCTIONS)}])")


def realign(lines: Sequence[str]) -> list[str] | None:
    """The lines with every column padded to one width, when each has the same number of rules.

    Captures often print cells narrower than their rule (``│2021年│`` under ``─────``): the
    columns are then read by the order of the │, not by where they fall.

    >>> realign(["┌───┬──┐", "│2021年│甲│", "└───┴──┘"])
    ['┌───┬──┐', '│2021年│甲  │', '└───┴──┘']
    """
    split = [_RULE_CHARS.split(line) for line in lines]  # text, rule character, text, …, text
    if len({len(p) for p in split}) != 1:
        return None
    width = [max(display_width(p[k]) for p in split) for k in range(len(split[0]))]
    out = []
    for parts in split:
        line = ""
        for k, seg in enumerate(parts):
            if k % 2:  # a rule character
                line += seg
                continue
            missing = width[k] - display_width(seg)
            fill = seg[-1] if seg and all(ch in HORIZONTAL for ch in seg) else " "
            line += seg + fill * -(-missing // display_width(fill)) if missing > 0 else seg
        out.append(line)
    return out


def box_table(lines: Sequence[str], _realigned: bool = False) -> list[CellText] | None:
    """The cells of a box-drawing table given as its lines (top rule first), or None.

    >>> cells = box_table(["┌──┬──┐", "│序号│任务│", "├──┼──┤", "│1   │修路│", "└──┴──┘"])
    >>> [(c.row, c.col, c.header, c.text) for c in cells]
    [(0, 0, True, '序号'), (0, 1, True, '任务'), (1, 0, False, '1'), (1, 1, False, '修路')]
    """
    if len(lines) < 3 or not _is_rule_line(lines[0]):
        return None
    (bounds, score), ambiguous = max(((_box_grid(lines, a), a) for a in (2, 1)), key=lambda t: (t[0][1], t[1]))
    if score < MIN_BOX_ALIGNMENT or len(bounds) < 3:
        aligned = None if _realigned else realign(lines)
        return box_table(aligned, True) if aligned and aligned != list(lines) else None
    grid = [_columns(line, ambiguous) for line in lines]
    rule = [_RULE_LINE.search(line) is not None for line in lines]

    split = _bands(rule)
    if split is None:
        return None  # two rule lines in a row: not a shape we read with certainty
    bands, seps = split
    cells = _box_cells(grid, bounds, bands, seps)
    if cells is None:
        return None
    cells.sort(key=lambda c: (c.row, c.col))
    if len({c.row for c in cells}) < 2 or len({c.col for c in cells}) < 2:
        return None
    return cells


def _find_box(lines: Sequence[str], i: int) -> tuple[int, list[CellText]] | None:
    if not _is_rule_line(lines[i]):
        return None
    if i >= BOX_RETRIES and all(_is_box_line(line) for line in lines[i - BOX_RETRIES:i]):
        return None  # deep in a run of box lines that gave no table from any of its first tops
    j = i + 1
    while j < len(lines) and _is_box_line(lines[j]):
        j += 1
    cells = box_table(lines[i:j])
    return (j, cells) if cells else None


# ---------------------------------------------------------------- shape 1b: rows between pipes


#: A row of a pipe table (| 1 | 修路 | 区住建局 |, as Markdown and wiki exports print one): its cells between pipes.
_PIPE_ROW = regex.compile(r"[ \t\u3000]*\|(?P<cells>.*\|)[ \t\u3000]*")
#: The rule under a pipe table's header (| --- | :---: |): no row.
_PIPE_RULE_CELL = regex.compile(r"[ \t\u3000]*:?-{3,}:?[ \t\u3000]*")


def _pipe_cells(line: str) -> list[str] | None:
    """The cells of a pipe-table row, or None when the line is none."""
    m = _PIPE_ROW.fullmatch(line)
    return [c.strip(" \t\u3000") for c in m["cells"].split("|")[:-1]] if m else None


def _find_pipes(lines: Sequence[str], i: int) -> tuple[int, list[CellText]] | None:
    """A table printed one row per line between pipes, its first row the header, from line ``i``; every row
    holds as many cells as the header (a row that does not is not this shape: nothing is guessed).

    >>> end, cells = _find_pipes(["| 序号 | 工作任务 |", "| --- | --- |", "| 1 | 修路 |", "正文"], 0)
    >>> end, [(c.row, c.col, c.header, c.text) for c in cells]
    (3, [(0, 0, True, '序号'), (0, 1, True, '工作任务'), (1, 0, False, '1'), (1, 1, False, '修路')])
    """
    header = _pipe_cells(lines[i])
    if header is None or len(header) < 2:
        return None
    rows, j = [header], i + 1
    while j < len(lines) and (cells := _pipe_cells(lines[j])) is not None:
        if not all(_PIPE_RULE_CELL.fullmatch(c) for c in cells):
            if len(cells) != len(header):
                return None
            rows.append(cells)
        j += 1
    if len(rows) < 2:
        return None
    return j, [CellText(r, c, 1, 1, r == 0, text) for r, row in enumerate(rows) for c, text in enumerate(row)]


# ---------------------------------------------------------------- shape 2: one cell per line


@dataclass(frozen=True)
class _Column:
    """What a flattened table has shown of one column so far."""

    wrap: int | None = None  # display width its wrapped lines are cut at, once a cell wraps
    widest: int = 0  # widest single-line cell seen


def _cell_ok(kind: str, text: str, tr: TableRules) -> bool:
    """Does ``text`` fit a cell of this column kind?"""
    if kind == "seq":
        return _ROW_NUMBER.fullmatch(text) is not None
    if kind == "task":
        return len(compact(text)) >= TASK_MIN_CHARS and not unit_list(text, tr) and compact(text) not in tr.headers
    if kind in ("lead", "responsible", "cooperating"):
        return unit_list(text, tr)
    if kind == "leader":
        return all(_PERSON.fullmatch(p) for p in _UNIT_LIST_SEP.split(compact(text)) if p) and not unit_list(text, tr)
    if kind == "deadline":
        return _deadline(text, tr)
    return 0 < len(text) <= SHORT_CELL_MAX_CHARS and compact(text) not in tr.headers


def _wrap_state(col: _Column, widths: Sequence[int]) -> _Column | None:
    """The column after one more cell of lines this wide, or None when the lines do not wrap like it."""
    if len(widths) == 1:
        if col.wrap is not None and widths[0] > col.wrap + WRAP_TOLERANCE:
            return None
        return _Column(col.wrap, max(col.widest, widths[0]))
    wrap = col.wrap if col.wrap is not None else widths[0]
    if any(abs(w - wrap) > WRAP_TOLERANCE for w in widths[:-1]) or widths[-1] > wrap + WRAP_TOLERANCE:
        return None
    if col.widest > wrap + WRAP_TOLERANCE:
        return None
    return _Column(wrap, col.widest)


def _bands(rule: Sequence[bool]) -> tuple[list[list[int]], list[int]] | None:
    """The text lines of each band between rule lines, and the rule line after each band (line 0 is the
    top rule); None when two rule lines stand in a row.

    >>> _bands([True, False, True, False, False, True])
    ([[1], [3, 4]], [2, 5])
    """
    bands: list[list[int]] = [[]]
    seps: list[int] = []
    for j in range(1, len(rule)):
        if rule[j]:
            seps.append(j)
            bands.append([])
        else:
            bands[-1].append(j)
    if not bands[-1]:
        bands.pop()
    if not bands or any(not b for b in bands):
        return None
    return bands, seps


def _box_cells(grid: list, bounds: Sequence[int], bands: list[list[int]], seps: list[int]) -> list[CellText] | None:
    """The cells of a box table: grid places merged where no bar or rule parts them; None when a merged
    cell is not a rectangle."""
    n_cols = len(bounds) - 1

    def ruled(j: int, c: int) -> bool:
        s = _slice(grid[j], bounds[c], bounds[c + 1]).strip()
        return bool(s) and all(ch in HORIZONTAL or ch in JUNCTIONS for ch in s) and any(ch in HORIZONTAL for ch in s)

    bars: dict[int, set[int]] = {}  # line -> the columns of its │ and junctions, read once

    def has_bar(j: int, x: int) -> bool:
        if j not in bars:
            bars[j] = {px for px, ch in grid[j] if ch in VERTICAL or ch in JUNCTIONS}
        return x in bars[j]

    parent = {(r, c): (r, c) for r in range(len(bands)) for c in range(n_cols)}

    def find(u: tuple[int, int]) -> tuple[int, int]:
        while parent[u] != u:
            parent[u] = parent[parent[u]]
            u = parent[u]
        return u

    def union(u: tuple[int, int], v: tuple[int, int]) -> None:
        parent[find(v)] = find(u)

    for r, band in enumerate(bands):
        for c in range(1, n_cols):
            if not any(has_bar(j, bounds[c]) for j in band):
                union((r, c - 1), (r, c))  # no │ in the whole band: a cell spanning columns
        if r + 1 < len(bands):
            for c in range(n_cols):
                if not ruled(seps[r], c):
                    union((r, c), (r + 1, c))  # no rule under the cell: it spans the next row

    groups: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for u in parent:
        groups.setdefault(find(u), []).append(u)
    cells: list[CellText] = []
    for members in groups.values():
        rows = sorted({r for r, _ in members})
        cols = sorted({c for _, c in members})
        if len(members) != len(rows) * len(cols) or rows != list(range(rows[0], rows[-1] + 1)):
            return None  # not a rectangle
        left, right = bounds[cols[0]], bounds[cols[-1] + 1]
        pieces: list[str] = []
        for r in rows:
            pieces += [_slice(grid[j], left, right) for j in bands[r]]
            if r != rows[-1]:
                pieces.append(_slice(grid[seps[r]], left, right))
        text = join_lines(pieces)
        if text:
            cells.append(CellText(rows[0], cols[0], len(rows), len(cols), rows[0] == 0, text))
    return cells


def flat_cells(lines: Sequence[str], kinds: Sequence[str], tr: TableRules) -> tuple[int, list[tuple[int, int, bool]]] | None:
    """Cut lines into cells of a table with these column kinds, filled row by row.

    Returns (lines used, [(first line, end line, is heading row)…]) for the one
    segmentation that uses the most lines in whole rows; None when no row fits
    or when two segmentations fit the same lines (the evidence does not decide).
    A line printed like a section heading (一、 / (一)) at a row boundary is a
    heading row across the table.

    >>> from pipeline.rules import load_rules
    >>> tr = load_rules().flat_tables
    >>> flat_cells(["市政", "府办", "公厅", "强化行政监督,自觉接受监督", "市直各单位"], ["lead", "task", "responsible"], tr)
    (5, [(0, 3, False), (3, 4, False), (4, 5, False)])
    """
    k = len(kinds)
    n = len(lines)
    widths = [display_width(line) for line in lines]
    fits: dict[tuple[str, int, int], bool] = {}  # many states try the same cell: decide it once

    def cell_ok(kind: str, a: int, b: int) -> bool:
        key = (kind, a, b)
        if key not in fits:
            fits[key] = _cell_ok(kind, join_lines(lines[a:b]), tr)
        return fits[key]

    State = tuple[int, int, tuple[_Column, ...]]
    Path = tuple[tuple[int, int, bool], ...]
    frontier: dict[State, list[Path]] = {(0, 0, tuple(_Column() for _ in kinds)): [()]}
    at_rows: dict[int, set[Path]] = {0: {()}}
    visited = 0
    while frontier:
        nxt: dict[State, list[Path]] = {}
        for (p, c, cols), paths in frontier.items():
            visited += 1
            if visited > SEARCH_LIMIT:
                return None
            if p >= n:
                continue
            if c == 0 and tr.any_heading.match(lines[p]) and not _cell_ok(kinds[0], lines[p], tr):
                moves: list[tuple[int, int, tuple[_Column, ...], bool]] = [(p + 1, 0, cols, True)]
            else:
                # a state tries up to MAX_CELL_LINES cells: count them, not only states
                moves, tried = _cell_moves(p, c, cols, widths, k, kinds[c], cell_ok)
                visited += tried
                if visited > SEARCH_LIMIT:
                    return None
            _advance(nxt, at_rows, p, moves, paths)
        frontier = nxt
    best = max(at_rows)
    if best == 0 or len(at_rows[best]) != 1:
        return None
    (path,) = at_rows[best]
    return best, list(path)


def _advance(nxt: dict, at_rows: dict[int, set], p: int, moves: list[tuple[int, int, tuple[_Column, ...], bool]],
             paths: list[tuple[tuple[int, int, bool], ...]]) -> None:
    """Extend the paths of one state by its moves: at most two paths kept per new state (two are enough
    to know a segmentation is not the only one); every path that ends a row is kept in ``at_rows``."""
    for q, c2, cols2, heading in moves:
        bucket = nxt.setdefault((q, c2, cols2), [])
        for path in paths:
            if len(bucket) < 2:
                bucket.append(path + ((p, q, heading),))
        if c2 == 0:
            at_rows.setdefault(q, set()).update(path + ((p, q, heading),) for path in paths)


def _cell_moves(p: int, c: int, cols: tuple[_Column, ...], widths: Sequence[int], k: int, kind: str,
                cell_ok: Callable[[str, int, int], bool]) -> tuple[list[tuple[int, int, tuple[_Column, ...], bool]], int]:
    """The cells of column ``c`` that can start at line ``p`` (as moves of :func:`flat_cells`), and how many
    were tried (up to MAX_CELL_LINES)."""
    moves: list[tuple[int, int, tuple[_Column, ...], bool]] = []
    tried = 0
    for m in range(1, min(MAX_CELL_LINES, len(widths) - p) + 1):
        tried += 1
        # a line before the cell's last must be as wide as the column wraps (or, before the
        # column has wrapped, as the cell's first line): a longer cell holds that line too
        wraps_at = cols[c].wrap
        wrap = wraps_at if wraps_at is not None else widths[p]
        if m >= 2 and abs(widths[p + m - 2] - wrap) > WRAP_TOLERANCE:
            break
        # the lines between were checked by the break above: the first, the second last and
        # the last line decide (the whole slice made this loop quadratic in MAX_CELL_LINES)
        col = _wrap_state(cols[c], (widths[p], widths[p + m - 2], widths[p + m - 1]) if m > 2
                          else widths[p:p + m])
        if col is None or not cell_ok(kind, p, p + m):
            continue
        moves.append((p + m, (c + 1) % k, cols[:c] + (col,) + cols[c + 1:], False))
    return moves, tried


def _header_line(line: str, tr: TableRules) -> bool:
    """A short line that is (or is part of) a header cell: 主要责任单位, 目   标   任   务, 完成 / 时限.

    >>> from pipeline.rules import load_rules
    >>> tr = load_rules().flat_tables
    >>> [_header_line(t, tr) for t in ("目   标   任   务", "完成", "推动产业创新升级", "二、重点工作", "12")]
    [True, True, False, False, False]
    """
    t = compact(line)
    if not t or len(t) > HEADER_MAX_CHARS or t.isdigit():
        return False
    # tr.kind_of(t) is not "other" exactly when t holds a header word: one search of them all says so
    # (asked before the heading patterns: a line without one is turned away by a search in C)
    if len(t) > HEADER_FRAGMENT_MAX_CHARS and _any_header_word(tr.headers).search(t) is None:
        return False
    return not tr.any_heading.match(line.strip())


@lru_cache(maxsize=8)
def _any_header_word(headers: FrozenMap[str, str]) -> re.Pattern[str]:
    """Any header word (of a rule table: its hash is kept, the pattern is made once)."""
    return re.compile("|".join(re.escape(w) for w in headers if w) or "(?!)")


class _FlatFinder:
    """Flat tables (one cell per line) among one page's lines: each line's header test and each header
    scan made once (a scan reads at most HEADER_MAX_LINES lines and stops at the first unknown column)."""

    def __init__(self, lines: Sequence[str], tr: TableRules, kind_of: Callable[[str], str] | None = None) -> None:
        self.lines, self.tr = lines, tr
        self._is_header: list[bool | None] = [None] * len(lines)
        self._compact: list[str | None] = [None] * len(lines)
        self._kinds: dict[str, str] = {}  # tr.kind_of of header texts met on this page
        self._kind_of = kind_of  # an answer of tr.kind_of kept elsewhere (the anchored reader's), else kept here
        self._runs: dict[int, tuple[int, list[str], list[str]] | None] = {}

    def is_header(self, k: int) -> bool:
        """``_header_line`` of line ``k``, decided once."""
        hit = self._is_header[k]
        if hit is None:
            hit = self._is_header[k] = _header_line(self.lines[k], self.tr)
        return hit

    def header_run(self, i: int) -> tuple[int, list[str], list[str]] | None:
        """A table header printed one cell per line (or on one line) at ``i``.

        A line is a header cell when it contains a header word (主要责任单位); two short lines
        that together make one (完成 / 时限) are one cell. Returns (end line, column kinds,
        header text of each column).
        """
        if i not in self._runs:
            self._runs[i] = self._header_run(i)
        return self._runs[i]

    def kind_of(self, text: str) -> str:
        """``tr.kind_of(text)``, decided once per page (a scan from each line reads the lines after it)."""
        if self._kind_of is not None:
            return self._kind_of(text)
        kind = self._kinds.get(text)
        if kind is None:
            kind = self._kinds[text] = self.tr.kind_of(text)
        return kind

    def compact(self, k: int) -> str:
        """``compact`` of line ``k``, made once."""
        t = self._compact[k]
        if t is None:
            t = self._compact[k] = compact(self.lines[k])
        return t

    def _header_run(self, i: int) -> tuple[int, list[str], list[str]] | None:
        lines, tr = self.lines, self.tr
        if not self.is_header(i):
            return None
        j = i + 1
        while j < len(lines) and j - i < HEADER_MAX_LINES and self.is_header(j):
            j += 1
        kinds: list[str] = []
        texts: list[str] = []
        end = i
        for kind, idx in header_columns([self.compact(k) for k in range(i, j)], tr, self.kind_of):  # to the first unknown
            if kind == "other":
                break
            kinds.append(kind)
            texts.append(join_lines(lines[i + k].strip() for k in idx) if len(idx) > 1 else lines[i + idx[0]].strip())
            end = i + idx[-1] + 1
        if len(kinds) < 2 and (words := _header_words(lines[i], tr)):
            kinds = [w[0] for w in words]
            texts = [lines[i][a:b].strip() for _, a, b in words]
            end = i + 1
        if len(kinds) < 2 or "task" not in kinds:
            return None
        return end, kinds, texts

    def find(self, i: int) -> tuple[int, list[CellText]] | None:
        """The flat table whose header starts at line ``i``, or None."""
        lines, tr = self.lines, self.tr
        if i > 0 and self.is_header(i - 1) and self.kind_of(lines[i - 1]) != "other":
            return None  # inside a header run that did not give a table: its tail is no header of its own
        head = self.header_run(i)
        if head is None:
            return None
        start, kinds, spots = head
        end = start
        while end < len(lines) and self.header_run(end) is None:
            end += 1
        return _flat_table(lines, start, end, kinds, spots, tr)


def _flat_table(lines: Sequence[str], start: int, end: int, kinds: list[str], spots: list[str], tr: TableRules
                ) -> tuple[int, list[CellText]] | None:
    """The cells of a flat table: the header's, then the lines from ``start`` to ``end`` cut into cells."""
    found = flat_cells(lines[start:end], kinds, tr)
    if found is None:
        return None
    used, path = found
    cells = [CellText(0, c, 1, 1, True, text) for c, text in enumerate(spots)]
    row, col = 1, 0
    for a, b, heading in path:
        text = join_lines(lines[start + a:start + b])
        if heading:
            cells.append(CellText(row, 0, 1, len(kinds), False, text))
            row += 1
            continue
        cells.append(CellText(row, col, 1, 1, False, text))
        col += 1
        if col == len(kinds):
            row, col = row + 1, 0
    return start + used, cells


# ---------------------------------------------------------------- shape 3: one row per line


def _split_row(rest: str, n_units: int, tail: Sequence[str], tr: TableRules) -> list[tuple[int, str]] | None:
    """A row line after its number as [(column, text)…]: task (column 1), ``n_units`` unit cells, then the
    optional tail cells (完成时限 / 备注 holding a deadline); None when the row does not split with certainty.

    Columns are separated by blank space; one space separates a unit from the
    task only after a CJK character, a clause mark or a number (推进项目建设。 发改局, 增长6.5% 发改局).

    >>> from pipeline.rules import load_rules
    >>> tr = load_rules().flat_tables
    >>> _split_row("推进老旧小区改造 住建局  2020年12月", 1, ["deadline"], tr)
    [(1, '推进老旧小区改造'), (2, '住建局'), (3, '2020年12月')]
    >>> _split_row("推进老旧小区改造 住建局", 1, ["deadline"], tr)
    [(1, '推进老旧小区改造'), (2, '住建局')]
    >>> _split_row("推进老旧小区改造住建局", 1, [], tr) is None
    True
    """
    tokens = [(m.start(), m.end()) for m in _TOKEN.finditer(rest)]
    end = len(tokens)
    trailing: list[tuple[int, str]] = []
    for c in range(len(tail) - 1, -1, -1):
        if end > 1 and _deadline(rest[tokens[end - 1][0]:tokens[end - 1][1]], tr):
            end -= 1
            trailing.insert(0, (2 + n_units + c, rest[tokens[end][0]:tokens[end][1]]))
    if 0 < len(trailing) < len(tail):
        return None  # which of the tail columns is empty is not printed
    units: list[tuple[int, str]] = []
    for c in range(n_units - 1, -1, -1):
        if end < 2:
            return None
        a, b = tokens[end - 1]
        if not unit_list(rest[a:b], tr):
            return None
        units.insert(0, (2 + c, rest[a:b]))
        end -= 1
    a, b = tokens[end - 1][1], tokens[end][0]
    gap = rest[a:b]
    if len(gap) < 2 and "\t" not in gap and "\u3000" not in gap:
        before, after = rest[a - 1], rest[b]
        # one space ends the task after a CJK character, a clause mark, or a number with its unit (增长6.5% 发改局)
        if not ((_TASK_END.match(before) or before in _SENTENCE_END)
                and _HAN_CHAR.match(after)):
            return None
    task = rest[:tokens[end - 1][1]].strip()
    if not _cell_ok("task", task, tr):
        return None
    if unit_list(rest[tokens[end - 1][0]:tokens[end - 1][1]], tr):
        return None  # the task's last word is a unit too: which column it belongs to is not certain
    return [(1, task)] + units + trailing


def _row_layout(kinds: Sequence[str]) -> tuple[int, list[str]] | None:
    """(number of unit columns, trailing kinds) of a header seq, task, units…, deadline/note…"""
    if len(kinds) < 3 or kinds[0] != "seq" or kinds[1] != "task":
        return None
    n = 2
    while n < len(kinds) and kinds[n] in ("lead", "responsible", "cooperating"):
        n += 1
    tail = list(kinds[n:])
    if n == 2 or any(k not in ("deadline", "note") for k in tail):
        return None
    return n - 2, tail


def _find_rows(lines: Sequence[str], i: int, tr: TableRules) -> tuple[int, list[CellText]] | None:
    header = _header_words(lines[i], tr)
    layout = _row_layout([w[0] for w in header]) if header else None
    first = i + 1 if layout else i
    n_units, tail = layout if layout else (1, ["deadline"])
    min_rows = 1 if layout else MIN_BARE_ROWS
    rows: list[tuple[str, list[tuple[int, str]]]] = []
    j = first
    while j < len(lines) and (m := _NUMBERED_ROW.fullmatch(lines[j])):
        if rows and int(m["seq"]) != int(rows[-1][0]) + 1:
            break
        split, used = None, 0
        while split is None and used <= MAX_ROW_CONTINUATIONS:
            if used and (j + used >= len(lines) or _NUMBERED_ROW.fullmatch(lines[j + used])
                         or tr.any_heading.match(lines[j + used])):
                break
            # a row that does not split alone may end on the next line: its task wrapped
            split = _split_row(join_lines([m["rest"], *lines[j + 1:j + 1 + used]]), n_units, tail, tr)
            used += 1
        if split is None:
            break
        rows.append((m["seq"], split))
        j += used
    if len(rows) < min_rows:
        return None
    cells: list[CellText] = []
    if header and layout:
        cells = [CellText(0, c, 1, 1, True, lines[i][a:b]) for c, (_, a, b) in enumerate(header)]
    row0 = 1 if layout else 0
    for r, (seq, split) in enumerate(rows):
        cells.append(CellText(row0 + r, 0, 1, 1, False, seq))
        cells += [CellText(row0 + r, col, 1, 1, False, text.strip()) for col, text in split]
    return j, cells


# ---------------------------------------------------------------- the stage


def _short(line: str, limit: int) -> bool:
    """At most ``limit`` characters besides blank space (a long line is told by its first ``limit + 1``).

    >>> _short("序  号", 2), _short("一、总体要求", 2), _short("1", 0)
    (True, False, False)
    """
    return len(compact(line[:limit + 1])) <= limit and len(compact(line)) <= limit


def _may_open(line: str, seq_initials: frozenset[str]) -> bool:
    """Can a box, pipe or one-row-per-line table open at this line (an anchored or flat table opens only at a
    short line)? The finders' first questions, asked without calling them: a box opens at a rule line (a
    junction first), a pipe table at a pipe, a row table at its first row (a bare row number, then blank
    space) or at a header line that starts with the 序号 column (the first letter of a header word of kind
    "seq").

    >>> seq = frozenset("序编")
    >>> [_may_open(t, seq) for t in ("┌──┬──┐", "序号 工作任务 责任单位", "1 修路 住建局", "1.修路", "一、总体要求", "",
    ...                              "| 序号 | 工作任务 |")]
    [True, True, True, False, False, False, True]
    """
    first = line[:1]
    return first != "" and (first in JUNCTIONS or line.lstrip()[:1] in seq_initials or line.lstrip()[:1] == "|"
                            or ("1" <= first <= "9" and _blank_after_number(line[1:4])
                                and _NUMBERED_ROW.fullmatch(line) is not None))


def _blank_after_number(head: str) -> bool:
    """A bare row number has at most three digits, then blank space: one of these is in ``head`` (its
    characters 2 to 4). Asked before the pattern (1.修路, the common line, has none)."""
    return " " in head or "\t" in head or "\u3000" in head


@lru_cache(maxsize=8)
def _seq_words(headers: FrozenMap[str, str]) -> tuple[str, ...]:
    """The header words of kind "seq" (序号, 编号), read once per rule table (its hash is kept)."""
    return tuple(w for w, kind in headers.items() if kind == "seq" and w)


@lru_cache(maxsize=64)
def _spaced_word(word: str) -> regex.Pattern[str]:
    """``word`` with blank space (what :func:`compact` drops) between its characters (a literal first:
    the engine skips to it, where a union of words is tried at every place)."""
    return regex.compile(r"\s*".join(regex.escape(c) for c in word))


#: A line (after its newline) that may open a box (a junction) or be a bare numbered row (a digit, then
#: blank space among the next three characters: what _may_open asks before the row pattern). The newline
#: first lets the engine skip from line to line.
#: (The standard library's engine: it skips to each newline by a scan in C, twice as quick here as ``regex``.)
_BOX_OR_ROW_START = re.compile(rf"\n(?:[{re.escape(JUNCTIONS)}]|[1-9].{{0,2}}[\ \t\u3000]|[\ \t\u3000]*\|)")

#: The words find_glued looks for in a line before anything else (a glued table's header holds one).
_GLUED_WORDS = ("序号", "编号")


def _may_hold_other_than_flat(lines: Sequence[str], seq_words: tuple[str, ...]) -> bool:
    """Can a glued, box, row or anchored table stand in these lines?

    Each needs something a scan of the whole text finds: a glued table 序号 or 编号 in its line
    (find_glued's first test), a box a line opening with a junction, a row table a numbered row line
    (under its header too), an anchored table a line holding a seq header word (spaces removed). When
    none is there, only a flat table can: most notices hold no table, and the other finders are not
    asked line by line.

    >>> seq = ("序号", "编号")
    >>> [_may_hold_other_than_flat(t.split("/"), seq) for t in ("一、总体要求/有序推进/2025年", "序  号/工作任务",
    ...                                                         "1 修路 住建局", "┌─┐")]
    [False, True, True, True]
    """
    text = "\n" + "\n".join(lines)  # every line after a newline (a word spaced over two lines is found too)
    if _BOX_OR_ROW_START.search(text) is not None:
        return True
    # 序号 spaced by nothing is 序号: the glued words are found with the seq words
    return any(_spaced_word(w).search(text) is not None for w in dict.fromkeys((*_GLUED_WORDS, *seq_words)))


def _shorts(lines: Sequence[str], limit: int) -> list[bool]:
    """:func:`_short` of every line; a line without blank space is as long as it is printed (compact keeps it
    whole), so only a line of more than ``limit`` characters with a blank among its first ``limit + 1`` is
    compacted (without one, those alone are too many: the rest of a long paragraph is not looked at).

    >>> _shorts(["序  号", "一、总体要求", "责  任  单  位", "一二三四五 六"], 4)
    [True, False, True, False]
    """
    head = limit + 1
    return [len(line) <= limit or (not ((h := line[:head]).isprintable() and " " not in h) and _short(line, limit))
            for line in lines]


def _flat_tables(short: Sequence[bool], flat: _FlatFinder) -> list[TextTable]:
    """The tables of :func:`find_tables` where only a flat table can stand: each opens at a short header
    line (the short lines picked out at C speed, the header test asked before the finder).

    A flat table's header has two columns or more: it is printed on two header lines or more (each a
    short line), or on one line that :func:`_header_words` splits, which opens with the first letter of
    a header word. A short line with neither (most headings of a notice) is not asked the header test.
    """
    tables: list[TextTable] = []
    end = 0
    lines, initials = flat.lines, flat.tr.header_initials
    last = len(short) - 1
    for i in compress(range(len(short)), short):
        if i >= end and ((i < last and short[i + 1]) or lines[i].lstrip()[:1] in initials) \
                and flat.is_header(i) and (found := flat.find(i)):
            end, cells = found
            tables.append(TextTable(i, end, "flat", tuple(cells)))
    return tables


def find_tables(lines: Sequence[str], tr: TableRules, gaps: Sequence[int] | None = None) -> list[TextTable]:
    """Text tables among lines (block texts), in document order, not overlapping.

    ``gaps[k]``, when known, is the number of blank lines the capture printed before line ``k``
    (an extra blank line is an empty cell of a table flattened one cell per line).
    """
    reader = AnchoredReader(lines, gaps, tr)
    flat = _FlatFinder(lines, tr, reader.kind_of)  # both ask tr.kind_of of the same short lines: asked once

    def anchored(ls: Sequence[str], i: int) -> tuple[int, list[CellText]] | None:
        found = reader.read(i)
        return (found[0], [CellText(*c) for c in found[1]]) if found else None

    finders: tuple[tuple[str, Callable[[Sequence[str], int], tuple[int, list[CellText]] | None]], ...] = (
        ("box", _find_box),
        ("pipes", _find_pipes),
        ("rows", lambda ls, i: _find_rows(ls, i, tr)),
        ("anchored", anchored),
        ("flat", lambda ls, i: flat.find(i)),
    )
    # an anchored or flat table opens with a short header line (at most HEADER_MAX_CHARS without spaces):
    # at a longer line neither is looked for
    short = _shorts(lines, max(HEADER_MAX_CHARS, ANCHORED_HEADER_MAX_CHARS))
    seq_words = _seq_words(tr.headers)
    if not _may_hold_other_than_flat(lines, seq_words):
        return _flat_tables(short, flat)
    seq_initials = frozenset(w[0] for w in seq_words)
    tables: list[TextTable] = []
    i = 0
    while i < len(lines):
        if glued := find_glued(lines, i, tr):
            tables.append(TextTable(i, glued.end, "glued", tuple(CellText(*c) for c in glued.cells), glued.before,
                                    glued.after))
            i = glued.end
            continue
        if not short[i] and not _may_open(lines[i], seq_initials):
            i += 1  # most lines of a notice: a sentence, no finder asked
            continue
        for shape, finder in finders:
            if not short[i] and shape in ("anchored", "flat"):
                continue
            found = finder(lines, i)
            if found:
                end, cells = found
                tables.append(TextTable(i, end, shape, tuple(cells)))
                i = end
                break
        else:
            i += 1
    return tables


def find_text_tables(page: Page, tr: TableRules, gaps: Sequence[int] | None = None) -> Page:
    """The page with its plain-text tables as ``kind="cell"`` blocks; every other block unchanged.

    Only runs of ``"p"`` blocks are read (cells of an HTML table are left alone);
    text tables are numbered after the page's existing tables. ``gaps``, when given,
    holds for every block the number of blank lines printed before it.
    """
    blocks = page.blocks
    found: list[tuple[int, int, list[TextTable]]] = []  # (first block, end block, tables) of a run with tables
    i = 0
    while i < len(blocks):
        if blocks[i].kind != "p":
            i += 1
            continue
        j = i
        while j < len(blocks) and blocks[j].kind == "p":
            j += 1
        if tables := find_tables([b.text for b in blocks[i:j]], tr, gaps[i:j] if gaps is not None else None):
            found.append((i, j, tables))
        i = j
    if not found:
        return page  # most pages hold no text table: nothing is rebuilt
    out: list[tuple[str, str, Cell | None]] = []
    next_table = 1 + max((b.cell.table for b in blocks if b.cell is not None), default=-1)
    done = 0  # blocks before this one are in out
    for i, j, tables in found:
        out += [(b.text, b.kind, None if b.kind == "p" else b.cell) for b in blocks[done:i]]
        run = [b.text for b in blocks[i:j]]
        pos = 0
        for table in tables:
            out += [(t, "p", None) for t in run[pos:table.first]]
            out.append((table.before, "p", None))
            out += [(c.text, "cell", Cell(next_table, c.row, c.col, c.rowspan, c.colspan, c.header)) for c in table.cells]
            out.append((table.after, "p", None))
            next_table += 1
            pos = table.end
        out += [(t, "p", None) for t in run[pos:]]
        done = j
    out += [(b.text, b.kind, None if b.kind == "p" else b.cell) for b in blocks[done:]]
    text, new_blocks = join_blocks(out)
    return replace(page, text=text, blocks=new_blocks)


def cells_of(page: Page) -> list[tuple[int, int, int, int, int, bool, str]]:
    """(table, row, col, rowspan, colspan, header, text) of every cell block: a view for tests and reports."""
    return [(b.cell.table, b.cell.row, b.cell.col, b.cell.rowspan, b.cell.colspan, b.cell.header, b.text)
            for b in page.blocks if b.kind == "cell" and b.cell is not None]


__all__ = ["CellText", "TextTable", "box_table", "cells_of", "display_width", "find_tables", "find_text_tables",
           "flat_cells", "join_lines", "unit_list"]

