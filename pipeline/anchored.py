"""One cell per line, rows anchored on their printed numbers: a flattened table read by what its cells hold.

A task table copied from a web page as text prints every cell on a line of its own,
usually with a blank line after each (``序号`` / ``民生实事`` / ``责任单位`` / ``完成时限`` /
``1`` / ``启动…工程。`` / ``县水务局`` / ``县住建局`` / ``12月底前`` / ``2`` …). The number of
lines per row varies (a cell of several units prints one unit per line; an empty
cell prints nothing, or one more blank line), so the rows are found from their
numbers, and the lines of a row are given to the columns in order by what they hold:

1. **Header** — a run of short lines naming the columns. A line is a header word when
   it *contains* one (主要责任单位 holds 责任单位, 内容与要求 holds 内容); a short unknown line
   is merged with its neighbour when that makes a known header (市政府 / 分管领导); a
   column whose header names nothing known (民生实事, 名称) takes its kind from its cells:
   without a task column, the first such column is the task column.
2. **Rows** — a bare number line continuing the sequence (1, 2, 3 …) starts a row.
3. **Cells** — a small dynamic programme gives the row's lines to the columns in
   order: task text, unit lists (possibly one unit per line), person names, deadlines,
   long progress prose; a visible empty cell (an extra blank line) fills a column;
   a column that prints nothing costs one. A second task after the row's later cells
   starts a *sub-row* that shares the cells it does not print (a rowspan). Lines after
   a complete row that read as headings (``(一)`` + its title, an unnumbered title
   followed by empty cells) are heading rows across the table.

Every search is bounded (:data:`MAX_ROW_SLOTS` lines per row, a few lines per cell):
the work is linear in the length of the capture.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import regex

from .rules.sets import FlatTableVocabulary as TableRules
from .text import compact, join_lines

# ---------------------------------------------------------------- thresholds (tuned on the shapes of
# shared/corpus/real: dazhu, suzhou, shaoxing, guangzhou; and on tests/fixtures/texttables)

#: A header cell is at most this long (characters, spaces removed): 市政府分管领导 is 7.
HEADER_MAX_CHARS = 10
#: A row holds at most this many lines and visible empty cells; a longer run is not a row.
MAX_ROW_SLOTS = 60
#: A header printed one cell per line is at most this many lines (a dozen columns, each on one or two lines);
#: the bound keeps a page of thousands of header-like lines (序号 / 工作任务 / 责任 over and over) linear.
HEADER_MAX_LINES = 24
#: Lines the first row number may stand below the header (heading rows come between).
MAX_LINES_BEFORE_FIRST_ROW = 12
#: A task cell has at least this many characters.
TASK_MIN_CHARS = 6
#: A unit name (one part of a unit list) is at most this long.
UNIT_MAX_CHARS = 24
#: A deadline, a note or a short label cell is at most this long.
SHORT_CELL_MAX_CHARS = 30
#: A deadline cell with words before its date (分两批,6月底前) is at most this long.
SHORT_DEADLINE_CHARS = 12
#: A heading row's title is at most this long.
HEADING_MAX_CHARS = 60
#: Lines a cell of each kind may hold (a unit cell prints one unit per line).
MAX_CELL_LINES = {"task": 6, "progress": 12, "lead": 12, "responsible": 12, "cooperating": 12, "leader": 4,
                  "deadline": 2, "note": 2, "category": 2, "other": 3, "seq": 1}
#: Cost of a column the row does not print at all (no line, no visible empty cell).
SKIP_COST = 2
#: Cost of a sub-row (a second task in the same numbered row).
SUBROW_COST = 2
#: Cost of one heading row after a complete row (cells are preferred when a line fits one).
HEADING_COST = 1
#: Cost of a visible empty cell left over at the end of a row (blank lines that are only spacing).
STRAY_EMPTY_COST = 3
#: Cost of a row without a task.
NO_TASK_COST = 4
#: Cost of a unit list or a person in a column that takes any short text (备注, a column named by nothing).
WEAK_FIT_COST = 0.5
#: Columns that take any short text.
LOOSE_KINDS = frozenset({"note", "category", "other"})

ROLE_KINDS = ("lead", "responsible", "cooperating")
#: Columns of short cells (a date, a remark, a name).
SHORT_KINDS = frozenset({"deadline", "note", "category"})
#: A short cell wrapped over two lines is at most this long.
WRAPPED_SHORT_MAX_CHARS = 20
_CLAUSE_MARK = regex.compile(r"[。；;：:！？!?]")

_BARE_NUMBER = regex.compile(r"[1-9]\d{0,2}")
#: A date printed in figures: 2021.12, 2022-06, 2021/6/30.
_NUMERIC_DATE = regex.compile(r"(?:19|20)\d\d[.\-/](?:1[0-2]|0?[1-9])(?:[.\-/](?:3[01]|[12]\d|0?[1-9]))?")
#: A number in a column the header does not name (资金 500, 3.5).
_NUMBER = regex.compile(r"\d+(?:\.\d+)?")
#: Separators of a unit or person list inside one cell.
_LIST_SEP = regex.compile(r"[、,，;；]")
#: Marks that never stand in a unit name.
_NOT_IN_UNIT = regex.compile(r"[。！？!?：:]|\d{3,}")
_ETC = regex.compile(r"等(?:相关|有关)?(?:部门|单位)?$")
_TRAILING_PAREN = regex.compile(r"[(（][^()（）]*[)）]$")
#: A person in a leader column: two to four characters (a padded 王 东 counts), or a post and a name.
_PERSON = regex.compile(r"\p{Han}{2,4}|\p{Han}{0,6}(?:书记|主任|市长|区长|县长|镇长|部长|局长|主席|秘书长)\p{Han}{0,4}")


# ---------------------------------------------------------------- what a cell holds


def unit_line(text: str, tr: TableRules) -> bool:
    """One unit name or a list of them, each ending like a unit (the loose endings of a unit column).

    >>> from pipeline.rules import load_rules
    >>> tr = load_rules().flat_tables
    >>> [unit_line(t, tr) for t in ("县护城河指挥部", "市商务局、苏州海关", "黄埔区、南沙区政府", "县残联")]
    [True, True, True, True]
    >>> [unit_line(t, tr) for t in ("12月底前", "新建2座人行天桥。", "实际利用外资与上年持平", "王 东")]
    [False, False, False, False]
    """
    text = compact(text)
    if not text or _NOT_IN_UNIT.search(text):
        return False
    parts = [p for p in _LIST_SEP.split(text) if p]
    if not parts:
        return False
    for part in parts:
        part = _ETC.sub("", part) or part
        part = _TRAILING_PAREN.sub("", part) or part
        if not 2 <= len(part) <= UNIT_MAX_CHARS:
            return False
        if not (part.endswith(tr.unit_endings) or tr.any_collective.fullmatch(part)):
            return False
    return True


def person_line(text: str, tr: TableRules) -> bool:
    """Person names (a leader column): 王 东, 张三、李四, 副市长王东.

    >>> from pipeline.rules import load_rules
    >>> tr = load_rules().flat_tables
    >>> person_line("王 东", tr), person_line("张三、李四", tr), person_line("市科技局", tr), person_line("12月底前", tr)
    (True, True, False, False)
    >>> person_line("王东(副市长)", tr), person_line("常务副市长", tr)
    (True, True)
    """
    parts = [_TRAILING_PAREN.sub("", p) for p in _LIST_SEP.split(compact(text)) if p]
    return bool(parts) and all(_PERSON.fullmatch(p) for p in parts) and not unit_line(text, tr) \
        and not deadline_line(text, tr)


def deadline_line(text: str, tr: TableRules) -> bool:
    """A deadline as printed in a 完成时限 column: it opens with a date or an ongoing phrase.

    >>> from pipeline.rules import load_rules
    >>> tr = load_rules().flat_tables
    >>> [deadline_line(t, tr) for t in ("12月底前", "9月投入使用", "2021年6月", "长期坚持", "县住建局", "新建2座天桥。")]
    [True, True, True, True, False, False]
    >>> [deadline_line(t, tr) for t in ("2021.12", "2022-06", "按序时推进,年底完成", "分两批,6月底前", "县代建中心12月底前")]
    [True, True, True, True, False]
    """
    t = compact(text)
    if not t or len(t) > SHORT_CELL_MAX_CHARS:
        return False
    if _NUMERIC_DATE.fullmatch(t):
        return True
    if any((m := p.match(t)) is not None and m.end() > 0 for p in tr.deadlines):
        return True
    # a short cell holding a date after a few words and a comma (分两批,6月底前)
    return len(t) <= SHORT_DEADLINE_CHARS and any(
        (m := p.search(t)) is not None and m.end() - m.start() >= 2 and m.end() >= len(t) - 2
        and t[:m.start()].endswith((",", "，", "、", ";", "；")) for p in tr.deadlines)


def _heading(text: str, tr: TableRules) -> bool:
    """Numbered like a section or subsection (一、 (一))."""
    return tr.any_heading.match(text.strip())


def _label_only(text: str, tr: TableRules) -> bool:
    """A heading number alone on its line: ``(一)`` / ``一、`` (its title is the next line)."""
    t = text.strip()
    for h in tr.headings:
        m = h.match(t)
        if m and not m.group("body").strip():
            return True
    return False


def fits(kind: str, texts: Sequence[str], tr: TableRules) -> bool:
    """Can these lines be one cell of a column of this kind?

    >>> from pipeline.rules import load_rules
    >>> tr = load_rules().flat_tables
    >>> fits("responsible", ["县水务局", "县住建局"], tr), fits("responsible", ["市政", "府办", "公厅"], tr)
    (True, True)
    >>> fits("task", ["新建2座人行天桥。"], tr), fits("task", ["县住建局"], tr), fits("deadline", ["12月底前"], tr)
    (True, False, True)
    """
    if not texts or len(texts) > MAX_CELL_LINES.get(kind, 2):
        return False
    joined = join_lines(texts)
    t = compact(joined)
    if not t:
        return False
    if _BARE_NUMBER.fullmatch(t) or _NUMBER.fullmatch(t):
        return kind == "other" and len(texts) == 1  # 资金(万元) 500: a number only where the header names nothing
    if len(texts) > 1 and kind in SHORT_KINDS and (_CLAUSE_MARK.search(joined) or len(t) > WRAPPED_SHORT_MAX_CHARS):
        return False  # a short cell wraps at most once, and a line with a sentence in it is no part of it
    if kind in ("task", "progress", "deadline") and any(
            unit_line(x, tr) or person_line(x, tr) for x in (texts if kind == "deadline" else texts[1:])):
        return False  # a unit (or a person) on a line of its own is a cell of its own
    if kind == "task":
        return (len(t) >= TASK_MIN_CHARS and not _heading(texts[0], tr) and not unit_line(joined, tr)
                and not (deadline_line(joined, tr) and len(t) <= 12) and not person_line(joined, tr))
    if kind == "progress":
        return len(t) >= 2 and not _heading(texts[0], tr) and not unit_line(joined, tr)
    if kind in ROLE_KINDS:
        return all(unit_line(x, tr) for x in texts) or unit_line(joined, tr)
    if kind == "leader":
        return all(person_line(x, tr) for x in texts)
    if kind == "deadline":
        return deadline_line(joined, tr) and not unit_line(joined, tr)
    if kind in ("note", "category"):
        return len(t) <= SHORT_CELL_MAX_CHARS and not _heading(texts[0], tr)
    return not _heading(texts[0], tr)  # other: a column the header does not name


# ---------------------------------------------------------------- records


@dataclass(frozen=True)
class Slot:
    """A line of a row, or a visible empty cell (an extra blank line)."""

    line: int  # index in the lines, -1 for an empty cell
    text: str


@dataclass(frozen=True)
class RowFit:
    """How a row's slots fill the columns."""

    subrows: tuple[tuple[tuple[int, int, int], ...], ...]  # per sub-row: (column, first slot, end slot); first == end: empty
    headings: tuple[tuple[int, ...], ...]  # heading rows after the row: the slots of each title
    used: int  # slots consumed (the last row of a table may leave lines behind)


@dataclass(frozen=True)
class Header:
    """The header of a flattened table."""

    end: int  # index of the line after the header
    kinds: tuple[str, ...]  # column kinds, the first is "seq"
    lines: tuple[tuple[int, ...], ...]  # the header line(s) of each column
    task: int  # the task column


# ---------------------------------------------------------------- the header


def merge_header_lines(words: Sequence[str], tr: TableRules) -> list[tuple[str, list[int]]]:
    """Header lines as columns: (kind, indexes of its lines); a header wrapped over two lines is one.

    Two lines are one header when together they are a header word (完成 / 时限), when neither is
    one but together they name a kind (内容与 / 要求), or when the first is a scope and the
    second a header (市政府 / 分管领导).

    >>> from pipeline.rules import load_rules
    >>> tr = load_rules().flat_tables
    >>> merge_header_lines(["序号", "名称", "工作任务", "市政府", "分管领导", "牵头", "单位", "完成", "时限"], tr)
    [('seq', [0]), ('other', [1]), ('task', [2]), ('leader', [3, 4]), ('lead', [5, 6]), ('deadline', [7, 8])]
    """
    return list(header_columns(words, tr))


def header_columns(words: Sequence[str], tr: TableRules,
                   kind_of: Callable[[str], str] | None = None) -> Iterator[tuple[str, list[int]]]:
    """:func:`merge_header_lines` column by column: a column is given once the next line cannot join it,
    so a reader that stops at the first column it does not know reads no further. ``kind_of`` is
    ``tr.kind_of`` (or a memo of it kept by the caller)."""
    kind_of = kind_of or tr.kind_of
    pending: tuple[str, list[int]] | None = None
    for k, word in enumerate(words):
        kind = kind_of(word)
        if pending is not None:
            pkind, pidx = pending
            before = "".join(words[x] for x in pidx)
            both = before + word
            joined = kind_of(both)
            if len(pidx) == 1 and (both in tr.headers
                                   or joined != "other" and pkind == "other" and kind == "other"
                                   or joined != "other" and pkind == "other" and unit_line(before, tr)):
                pending = (joined, pidx + [k])
                continue
            yield pending
        pending = (kind, [k])
    if pending is not None:
        yield pending



def read_header(lines: Sequence[str], i: int, tr: TableRules,
                kind_of: Callable[[str], str] | None = None) -> Header | None:
    """A header printed one cell per line from ``i``: 序号 first, then the columns.

    >>> from pipeline.rules import load_rules
    >>> tr = load_rules().flat_tables
    >>> h = read_header(["序号", "重点工作", "市政府", "分管领导", "牵头单位", "1"], 0, tr)
    >>> h.kinds, h.lines, h.end
    (('seq', 'task', 'leader', 'lead'), ((0,), (1,), (2, 3), (4,)), 5)
    >>> read_header(["序号", "民生实事", "责任单位", "完成时限", "1"], 0, tr).kinds
    ('seq', 'task', 'responsible', 'deadline')
    """
    kind_of = kind_of or tr.kind_of
    if len(compact(lines[i])) > HEADER_MAX_CHARS or kind_of(compact(lines[i])) != "seq":
        return None
    words: list[str] = []
    j = i
    while j < len(lines) and j - i < HEADER_MAX_LINES:
        t = compact(lines[j])
        if not t or len(t) > HEADER_MAX_CHARS or _BARE_NUMBER.fullmatch(t) or _heading(lines[j], tr):
            break
        words.append(t)
        j += 1
    # a short unknown line and its neighbour that together make a known header: 市政府 / 分管领导
    merged = [(kind, [i + k for k in idx]) for kind, idx in header_columns(words, tr, kind_of)]
    while merged and merged[-1][0] == "other":  # a title or heading row after the header, not a column
        merged.pop()
    kinds = [k for k, _ in merged]
    if len(kinds) < 3 or kinds[0] != "seq" or "seq" in kinds[1:]:
        return None
    if not any(k in ROLE_KINDS or k == "leader" for k in kinds):
        return None
    if "task" in kinds:
        task = kinds.index("task")
    elif "other" in kinds:
        task = kinds.index("other")  # the column after 序号 that names nothing known: what it holds decides
        kinds[task] = "task"
    else:
        return None
    end = merged[-1][1][-1] + 1
    return Header(end, tuple(kinds), tuple(tuple(idx) for _, idx in merged), task)


# ---------------------------------------------------------------- one row


def _headings(slots: Sequence[Slot], tr: TableRules) -> list[tuple[int, ...]] | None:
    """Slots read as heading rows (a number alone + its title, or a short title), or None."""
    rows: list[tuple[int, ...]] = []
    k = 0
    while k < len(slots):
        s = slots[k]
        if s.line < 0:
            k += 1
            continue
        nxt = next((q for q in range(k + 1, len(slots)) if slots[q].line >= 0), None)
        if _label_only(s.text, tr) and nxt is not None and _heading_title(slots[nxt].text, tr):
            rows.append((k, nxt))
            k = nxt + 1
            continue
        if not (_heading_title(s.text, tr) or (_heading(s.text, tr) and len(compact(s.text)) <= HEADING_MAX_CHARS)):
            return None
        rows.append((k,))
        k += 1
    return rows


def _heading_title(text: str, tr: TableRules) -> bool:
    t = compact(text)
    return (0 < len(t) <= HEADING_MAX_CHARS and not _BARE_NUMBER.fullmatch(t) and not unit_line(text, tr)
            and not t.endswith((":", "："))
            and not deadline_line(text, tr) and not person_line(text, tr)
            and t.count("。") <= 1 and not _label_only(text, tr))


def fit_row(slots: Sequence[Slot], kinds: Sequence[str], task: int, tr: TableRules,
            last: bool = False, spans_above: bool = False) -> RowFit | None:
    """The cheapest way the slots of one row (after its number) fill the columns ``kinds[1:]``.

    A middle row must use every slot (heading rows may close it); the last row of a
    table uses as many slots as it can and leaves the rest. Ties go to the reading
    that puts fewer lines in the earlier columns (a task cell is one paragraph; a
    lead cell one unit), and that leaves out a later column (an empty 备注) — or,
    when ``spans_above`` (the capture shows every empty cell, so a column printing
    nothing is a cell spanning down from the row above), an earlier one: rows are
    grouped by their left columns. None when nothing fits.

    >>> from pipeline.rules import load_rules
    >>> tr = load_rules().flat_tables
    >>> slots = [Slot(k, t) for k, t in enumerate(["开工建设老年养护楼。", "县民政局", "5月底前动工", "开工建设老年大学。", "12月底前"])]
    >>> fit_row(slots, ["seq", "task", "responsible", "deadline"], 1, tr).subrows
    (((1, 0, 1), (2, 1, 2), (3, 2, 3)), ((1, 3, 4), (3, 4, 5)))
    """
    m, n = len(slots), len(kinds)
    if m > MAX_ROW_SLOTS:
        return None
    best = _fit_states(slots, kinds, task, tr, spans_above)
    ends = _row_ends(best, slots, n, tr, last)
    if not ends:
        return None
    if last:  # as many slots as fit, then the cheapest way
        top = max(e[2] for e in ends)
        if top == 0:
            return None
        ends = [e for e in ends if e[2] == top]
    _, _, used, state, heads = min(ends, key=lambda e: (e[0], e[1]))
    out = _subrows(best, state, n)
    if not any(out):
        return None
    return RowFit(out, heads, used)


#: A state of the row fit (slot, column, phase) and its value (cost, tie, back-pointer).
_State = tuple[int, int, int]
_Best = dict[_State, tuple[float, int, tuple | None]]


def _fit_states(slots: Sequence[Slot], kinds: Sequence[str], task: int, tr: TableRules, spans_above: bool) -> _Best:
    """The cheapest way to reach every state (slot, column, phase) of :func:`fit_row`.

    Phase 0 = first sub-row, 1 = later sub-row with only its task, 2 = later sub-row with more. Moves only
    go to a later slot, or the same slot and a later column, so one pass in order relaxes every state.
    """
    m, n = len(slots), len(kinds)
    texts = [s.text for s in slots]
    memo: dict[tuple[str, int, int], bool] = {}

    def ok(kind: str, a: int, b: int) -> bool:
        key = (kind, a, b)
        if key not in memo:
            memo[key] = fits(kind, texts[a:b], tr)
        return memo[key]

    best: _Best = {(0, 1, 0): (0.0, 0, None)}

    def relax(state: _State, cost: float, tie: int, back: tuple) -> None:
        old = best.get(state)
        if old is None or (cost, tie) < (old[0], old[1]):
            best[state] = (cost, tie, back)

    for i in range(m + 1):
        for c in range(1, n + 1):
            for phase in (0, 1, 2):
                cur = best.get((i, c, phase))
                if cur is None:
                    continue
                cost, tie, _ = cur
                here = (i, c, phase)
                if c == n:  # the row is complete: a sub-row may follow
                    if phase == 1 or i >= m:
                        continue
                    for j in range(i + 1, min(m, i + MAX_CELL_LINES["task"]) + 1):
                        if slots[j - 1].line < 0 or not ok("task", i, j):
                            break
                        relax((j, task + 1, 1), cost + SUBROW_COST, tie, (here, task, i, j))
                    continue
                kind = kinds[c]
                later = phase > 0
                # the column prints nothing: a cost in the first sub-row; a later sub-row shares it
                skip = 0 if later else (NO_TASK_COST if c == task else SKIP_COST)
                # ties: a later column is the one left out (备注 is empty more often than 牵头单位)
                relax((i, c + 1, phase), cost + skip, tie + 2 * (c if spans_above else n - c), (here, c, i, i))
                if i < m and slots[i].line < 0:  # a visible empty cell
                    relax((i + 1, c + 1, phase), cost + (NO_TASK_COST if c == task and not later else 0), tie,
                          (here, c, i, i + 1))
                for j in range(i + 1, min(m, i + MAX_CELL_LINES.get(kind, 2)) + 1):
                    if slots[j - 1].line < 0:
                        break
                    if ok(kind, i, j):
                        weak = WEAK_FIT_COST if kind in LOOSE_KINDS and (unit_line(texts[i], tr)
                                                                          or person_line(texts[i], tr)) else 0
                        relax((j, c + 1, 2 if later else 0), cost + weak, tie + (n - c) * (j - i), (here, c, i, j))
    return best


def _row_ends(best: _Best, slots: Sequence[Slot], n: int, tr: TableRules, last: bool
              ) -> list[tuple[float, int, int, _State, tuple[tuple[int, ...], ...]]]:
    """Every way the row can end: (cost, tie, slots used, final state, heading rows after it).

    A complete row that leaves slots over ends there only when they are heading rows or visible empty
    cells, or when it is the table's last row.
    """
    m = len(slots)
    ends: list[tuple[float, int, int, _State, tuple[tuple[int, ...], ...]]] = []
    for phase in (0, 2):
        for i in range(m + 1):
            cur = best.get((i, n, phase))
            if cur is None:
                continue
            if i == m or last:
                ends.append((cur[0], cur[1], i, (i, n, phase), ()))
            else:
                rest = slots[i:]
                found = _headings(rest, tr)
                if found:
                    extra = HEADING_COST * len(found)
                    ends.append((cur[0] + extra, cur[1], m, (i, n, phase), tuple(tuple(i + k for k in h) for h in found)))
                elif all(s.line < 0 for s in rest):
                    ends.append((cur[0] + STRAY_EMPTY_COST * len(rest), cur[1], m, (i, n, phase), ()))
    return ends


def _subrows(best: _Best, state: _State, n: int) -> tuple[tuple[tuple[int, int, int], ...], ...]:
    """Walk back from ``state``: (column, first slot, end slot) of every cell, grouped by sub-row."""
    moves: list[tuple[int, int, int, bool]] = []
    while (back := best[state][2]) is not None:
        prev, col, a, b = back
        moves.append((col, a, b, prev[1] == n))  # a sub-row move comes from a complete row
        state = prev
    subrows: list[list[tuple[int, int, int]]] = [[]]
    for col, a, b, starts in reversed(moves):
        if starts:
            subrows.append([])
        if b > a:  # printed (lines, or a visible empty cell); a column printing nothing has no cell
            subrows[-1].append((col, a, b))
    return tuple(tuple(sub) for sub in subrows)


# ---------------------------------------------------------------- the table

#: (row, column, rowspan, colspan, header, text) of one cell found.
CellTuple = tuple[int, int, int, int, bool, str]


def base_gap(gaps: Sequence[int]) -> int:
    """The blank lines a capture prints between two cells (the most common gap; ties: the smaller).

    >>> base_gap([1, 1, 2, 1, 5, 1]), base_gap([0, 0, 1]), base_gap([])
    (1, 0, 0)
    """
    if not gaps:
        return 0
    counts = Counter(gaps)
    return min(counts, key=lambda g: (-counts[g], g))


class AnchoredReader:
    """Reads anchored tables among lines: ``lines`` are the non-blank lines, ``gaps[k]`` the blank lines before line k.

    Made once per run of lines (the gaps are not copied per table): :meth:`read` at each line.
    """

    def __init__(self, lines: Sequence[str], gaps: Sequence[int] | None, tr: TableRules) -> None:
        self.lines, self.tr = lines, tr
        self.gaps: Sequence[int] = gaps if gaps is not None else [0] * len(lines)
        self._kinds: dict[str, str] = {}  # tr.kind_of of the short texts met in these lines
        self._headers: dict[int, Header | None] = {}  # read_header at a line, read once

    def kind_of(self, text: str) -> str:
        """``tr.kind_of(text)``, decided once per run of lines."""
        kind = self._kinds.get(text)
        if kind is None:
            kind = self._kinds[text] = self.tr.kind_of(text)
        return kind

    def header(self, i: int) -> Header | None:
        """:func:`read_header` at line ``i`` (each line is asked from itself and from the rows above it)."""
        if i not in self._headers:
            self._headers[i] = read_header(self.lines, i, self.tr, self.kind_of)
        return self._headers[i]

    def empties(self, k: int, base: int) -> list[Slot]:
        """Visible empty cells before line k (blank lines beyond the usual gap)."""
        if k >= len(self.lines) or k == 0:
            return []
        return [Slot(-1, "")] * max(0, self.gaps[k] - base)

    def slots(self, a: int, b: int, base: int, close: bool) -> list[Slot]:
        """Slots of lines a..b-1 (empty cells between them; before line b too when ``close``)."""
        out: list[Slot] = []
        for k in range(a, b):
            if k > a:
                out += self.empties(k, base)
            out.append(Slot(k, self.lines[k]))
        if close:
            out += self.empties(b, base)
        return out

    def cell_text(self, kind: str, idx: Sequence[int], base: int) -> str:
        """The printed text of a cell: one unit (or person) per line kept on its line, wrapped lines joined."""
        texts = [self.lines[k].strip() for k in idx]
        if len(texts) > 1 and kind in ROLE_KINDS and all(unit_line(t, self.tr) for t in texts):
            return "\n".join(texts)
        if len(texts) > 1 and kind == "leader" and all(person_line(t, self.tr) for t in texts):
            return "\n".join(texts)
        if base == 0 or kind in ROLE_KINDS:
            return join_lines(texts)
        paragraphs: list[list[str]] = []
        for k, t in zip(idx, texts):
            if paragraphs and self.gaps[k] < base:
                paragraphs[-1].append(t)  # wrapped inside the cell: no blank line before it
            else:
                paragraphs.append([t])
        return "\n".join(join_lines(p) for p in paragraphs)

    def next_anchor(self, a: int, seq: int, kinds: Sequence[str]) -> tuple[int | None, Header | None, int]:
        """After the row at line ``a``: (next row number's line, header printed again before it, where the
        row may end at most). A header that is not followed by the next number starts another table:
        the row (and the table) ends before it."""
        want = str(seq + 1)
        limit = min(len(self.lines), a + 1 + MAX_ROW_SLOTS)
        for k in range(a + 1, limit):
            t = compact(self.lines[k])
            if t == want:
                return k, None, k
            if len(t) <= HEADER_MAX_CHARS and self.kind_of(t) == "seq":
                again = self.header(k)
                if again is None:
                    continue
                nxt = next((q for q in range(again.end, min(len(self.lines), again.end + MAX_LINES_BEFORE_FIRST_ROW))
                            if _BARE_NUMBER.fullmatch(compact(self.lines[q]))), None)
                if again.kinds == tuple(kinds) and nxt is not None and compact(self.lines[nxt]) == want:
                    return nxt, again, k
                return None, None, k
        return None, None, limit

    def read(self, i: int) -> tuple[int, list[CellTuple]] | None:
        """The table whose header starts at line ``i``: (end line, cells), or None."""
        lines, tr = self.lines, self.tr
        head = self.header(i)
        if head is None:
            return None
        kinds, n = head.kinds, len(head.kinds)
        base = base_gap(self.gaps[head.end:head.end + 4 * MAX_ROW_SLOTS])
        first = next((k for k in range(head.end, min(len(lines), head.end + MAX_LINES_BEFORE_FIRST_ROW))
                      if _BARE_NUMBER.fullmatch(compact(lines[k]))), None)
        if first is None:
            return None
        cells: list[CellTuple] = [(0, c, 1, 1, True, join_lines(lines[k] for k in idx))
                                  for c, idx in enumerate(head.lines)]
        row = 1
        before = self.slots(head.end, first, base, False) if first > head.end else []
        heads = _headings(before, tr) if before else []
        if heads is None:
            return None
        for h in heads:
            cells.append((row, 0, 1, n, False, join_lines(before[k].text for k in h)))
            row += 1
        a, seq, end, n_rows = first, int(compact(lines[first])), first, 0
        above: dict[int, int] = {}
        while a is not None:
            b, again, stop = self.next_anchor(a, seq, kinds)
            slots = self.slots(a + 1, stop, base, b is not None and again is None)
            fit = fit_row(slots, kinds, head.task, tr, last=b is None, spans_above=base > 0)
            if fit is None or not self._has_task(fit, head.task):
                break
            used = [s.line for s in slots[:fit.used] if s.line >= 0]
            end = (used[-1] if used else a) + 1
            # a column a row does not print at all is spanned from above, when the capture shows every empty
            # cell (blank lines) and the row is known to be whole (not the end of a cut capture)
            whole = b is not None or end < len(lines)
            row, above = self._emit(cells, row, seq, fit, slots, kinds, base, above if base > 0 and whole else {})
            n_rows += 1
            if b is None:
                break
            if again is not None:  # the header printed again (a page break): a header row, then the rows go on
                between = self.slots(again.end, b, base, False) if b > again.end else []
                heads = _headings(between, tr) if between else []
                if heads is None:  # not heading rows: the table ends before the header
                    break
                cells += [(row, c, 1, 1, True, join_lines(lines[k] for k in idx)) for c, idx in enumerate(again.lines)]
                row += 1
                above = {}
                for h in heads:  # heading rows between the header and the next row
                    cells.append((row, 0, 1, n, False, join_lines(between[k].text for k in h)))
                    row += 1
            a, seq = b, seq + 1
        if n_rows == 0:
            return None
        return end, cells

    @staticmethod
    def _has_task(fit: RowFit, task: int) -> bool:
        return any(col == task for sub in fit.subrows for col, _, _ in sub)

    def _emit(self, cells: list[CellTuple], row: int, seq: int, fit: RowFit, slots: Sequence[Slot],
              kinds: Sequence[str], base: int, above: dict[int, int]) -> tuple[int, dict[int, int]]:
        """Append the cells of one numbered row (its sub-rows, then its heading rows).

        ``above``: column -> index in ``cells`` of the cell the row above ends with, which spans
        down into every sub-row that does not print that column (a rowspan printed once). Returns
        the next row and the cells this row ends with.
        """
        n_sub = len(fit.subrows)
        cells.append((row, 0, n_sub, 1, False, str(seq)))
        open_cells = dict(above)
        for sub in fit.subrows:
            printed = set()
            for col, a, b in sub:
                printed.add(col)
                idx = [slots[k].line for k in range(a, b) if slots[k].line >= 0]
                if not idx:
                    open_cells.pop(col, None)  # a visible empty cell: nothing spans it
                    continue
                cells.append((row, col, 1, 1, False, self.cell_text(kinds[col], idx, base)))
                open_cells[col] = len(cells) - 1
            for col, at in list(open_cells.items()):
                if col not in printed:  # printed once above: it spans this row too
                    r0, c0, rs, cs, h, t = cells[at]
                    cells[at] = (r0, c0, rs + 1, cs, h, t)
            row += 1
        for heading in fit.headings:
            cells.append((row, 0, 1, len(kinds), False, join_lines(slots[k].text for k in heading)))
            row += 1
        return row, ({} if fit.headings else open_cells)


def find_anchored(lines: Sequence[str], gaps: Sequence[int] | None, i: int,
                  tr: TableRules) -> tuple[int, list[CellTuple]] | None:
    """A table flattened one cell per line whose header starts at line ``i``: (end line, cells), or None.

    ``gaps[k]`` is the number of blank lines printed before line ``k`` (None: not known).
    """
    return AnchoredReader(lines, gaps, tr).read(i)
