"""A Word table exported as text with its cells glued together: rows read back where the evidence is certain.

Some captures (document-sharing sites, docx-to-text) print a table's cells with
nothing between them: ``序号项目名称主要内容区政府分管领导牵头单位配合单位1增加…服务。何海平教育局
经开区各街道2促进…``. The site may also cut the text into chunks, each opening with its own
marker (``2、``, ``3、``) in the middle of a cell. What is read, and on what evidence:

1. **Header** — header words glued in a line (``序号`` first), a short scope before a word
   joined to it (``区政府`` + ``分管领导``).
2. **Chunks** — the lines after it that open with the next chunk marker continue the text
   (the marker is dropped: it belongs to no cell).
3. **Rows** — the next row number, standing where a unit list ends and a row begins; the
   header printed again (a page break) also ends a row.
4. **Cells** — a row is text, then a *unit run*: after a sentence end, a person (a surname
   from ``rules/texttables.toml``, two or three characters) when the table has a leader
   column, then unit names each closed by a unit ending. The first unit is the lead
   column's, the others the next column's. Text after a unit run that is followed by
   another run is a sub-row (a second task of the row); text after the last run goes on
   the row's task (its later paragraphs). A task and its name glued together (项目名称 +
   主要内容) stay one cell across both columns: nothing tells where one ends.

Where a row does not split this way its text is left as one cell; nothing is invented.
Every scan is bounded by :data:`MAX_ROW_CHARS` and :data:`MAX_UNIT_CHARS`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import regex

from .anchored import ROLE_KINDS, CellTuple
from .rules.sets import FlatTableVocabulary as TableRules

#: A row's glued text is at most this long (else the table is not read further).
MAX_ROW_CHARS = 3000
#: A unit name glued in a run is at most this long.
MAX_UNIT_CHARS = 12
#: A name closed by a one-character ending (区, 镇, 社 …) is at most this long (核心区 in a task is longer).
MAX_WEAK_UNIT_CHARS = 5
#: …and at least this long (政局 is not a unit: 张菁|民政局).
MIN_UNIT_CHARS = 3
#: A glued table (its chunks or row lines joined) is read up to this many characters.
MAX_TABLE_CHARS = 2_000_000
#: A glued header has at least this many columns.
MIN_COLUMNS = 4
#: A unit run in the middle of a row (a sub-row follows) has at least this many names when no person leads it.
MIN_MID_RUN_UNITS = 2

_CHUNK = regex.compile(r"\s*(?P<n>\d{1,3})、")
#: A line opening with a row number glued to the row's text (1增加教育资源供给…).
_ROW_START = regex.compile(r"\s*[1-9]\d{0,2}\p{Han}")
_HAN = regex.compile(r"\p{Han}")
_SENTENCE_END = "。；;"
_SCOPES = "省市区县镇乡"
_OPEN, _CLOSE = "(（", ")）"
#: One-character endings that need a short name (区 in 经开区, not in 推进大庙弄核心区).
_WEAK_ENDINGS = frozenset("区县市镇乡社会所站行处室团馆台庭园队部院联")


@dataclass(frozen=True)
class GluedHeader:
    """A header glued in one line."""

    start: int  # offset in the line
    end: int
    kinds: tuple[str, ...]
    words: tuple[tuple[int, int], ...]  # (start, end) of each column's header in the line


#: A glued header is read up to this many columns.
MAX_COLUMNS = 40

#: Where a glued header starts; a row number (1 to 999).
_SEQ_WORD = regex.compile("序号|编号")
_ROW_NUMBER = regex.compile(r"[1-9]\d{0,2}")


def glued_header(text: str, tr: TableRules) -> GluedHeader | None:
    """Header words glued together in ``text`` (序号 first, at least :data:`MIN_COLUMNS` columns).

    >>> from pipeline.rules import load_rules
    >>> tr = load_rules().flat_tables
    >>> h = glued_header("分解表序号项目名称主要内容区政府分管领导牵头单位配合单位1增加", tr)
    >>> h.kinds, text_of(h, "分解表序号项目名称主要内容区政府分管领导牵头单位配合单位1增加")
    (('seq', 'task', 'task', 'leader', 'lead', 'cooperating'), ['序号', '项目名称', '主要内容', '区政府分管领导', '牵头单位', '配合单位'])
    """
    for m in _SEQ_WORD.finditer(text):
        k = m.start()
        kinds: list[str] = []
        words: list[tuple[int, int]] = []
        while k < len(text) and len(kinds) < MAX_COLUMNS:
            word = next((w for w in tr.header_words if text.startswith(w, k)), None)
            if word is not None and kinds and tr.headers[word] == "seq":
                break  # a second 序号 starts another header (from every 序号 of a run, the run was read to its end)
            if word is not None:
                kinds.append(tr.headers[word])
                words.append((k, k + len(word)))
                k += len(word)
                continue
            # a scope glued before a header word: 区政府 + 分管领导
            scope = next((s for s in range(2, 5) if k + s < len(text)
                          and (w := next((w for w in tr.header_words if text.startswith(w, k + s)), None))
                          and tr.kind_of(text[k:k + s] + w) == tr.headers[w] and text[k:k + s].endswith("政府")), None)
            if scope is None:
                break
            w = next(w for w in tr.header_words if text.startswith(w, k + scope))
            kinds.append(tr.headers[w])
            words.append((k, k + scope + len(w)))
            k += scope + len(w)
        if len(kinds) >= MIN_COLUMNS and kinds[0] == "seq" and "task" in kinds \
                and any(kd in ROLE_KINDS or kd == "leader" for kd in kinds):
            return GluedHeader(m.start(), k, tuple(kinds), tuple(words))
    return None


def text_of(h: GluedHeader, line: str) -> list[str]:
    """The header words as printed (for doctests and tests)."""
    return [line[a:b] for a, b in h.words]


# ---------------------------------------------------------------- unit runs


def unit_token(text: str, k: int, tr: TableRules) -> int | None:
    """End of a unit name starting at ``k`` (its bracket included: 高新园(邹区镇)), or None.

    The shortest name closed by a unit ending, unless a stronger ending follows within two
    characters (人社|局 is 人社局, not 人社).

    >>> from pipeline.rules import load_rules
    >>> tr = load_rules().flat_tables
    >>> s = "人社局高新园(邹区镇)各街道推进大庙弄核心区"
    >>> unit_token(s, 0, tr), unit_token(s, 3, tr), unit_token(s, 11, tr), unit_token(s, 14, tr)
    (3, 11, 14, None)
    """
    limit = min(len(text), k + MAX_UNIT_CHARS)
    if k >= len(text) or not _HAN.match(text[k]):
        return None
    e = k + 1
    found = None
    while e < limit:
        e += 1
        if not _HAN.match(text[e - 1]):
            break
        piece = text[k:e]
        ending = next((x for x in tr.unit_endings if piece.endswith(x)), None)
        collective = tr.any_collective.fullmatch(piece) and piece.endswith(("街道", "街办", "部门", "单位",
                                                                                        "乡镇", "政府"))
        if ending is None and not collective:
            continue
        weak = ending is not None and len(ending) == 1 and ending in _WEAK_ENDINGS
        if weak:
            stronger = next((f for f in range(e + 1, min(limit, e + 2) + 1)
                             if _HAN.match(text[f - 1]) and any(text[k:f].endswith(x) for x in tr.unit_endings
                                                              if x[-1] not in _WEAK_ENDINGS)), None)
            if stronger is not None:
                found = stronger
                break
            if len(piece) > MAX_WEAK_UNIT_CHARS:
                return None
        if len(piece) < MIN_UNIT_CHARS:
            if piece == ending:  # an ending that is also the start of a name (公安|分局)
                continue
            return None  # a name too short to be one (政局): the split is elsewhere
        found = e
        break
    if found is None:
        return None
    if found < len(text) and text[found] in _OPEN:
        close = next((j for j in range(found + 1, min(len(text), found + MAX_UNIT_CHARS)) if text[j] in _CLOSE), None)
        if close is not None:
            found = close + 1
    return found


@dataclass(frozen=True)
class Run:
    """Who a row names: a person (optional) and unit names, glued."""

    start: int
    end: int
    person: tuple[int, int] | None
    units: tuple[tuple[int, int], ...]


def read_run(text: str, k: int, person_len: int | None, tr: TableRules) -> Run | None:
    """A unit run at ``k``: a person of ``person_len`` characters (None: no leader column), then unit names."""
    at = k
    person = None
    if person_len is not None:
        name = text[k:k + person_len]
        if len(name) != person_len or not all(_HAN.match(c) for c in name) or not _surname(name, tr):
            return None
        person = (k, k + person_len)
        at = k + person_len
    units: list[tuple[int, int]] = []
    while at < len(text) and len(units) < 12:
        e = unit_token(text, at, tr)
        if e is None:
            break
        units.append((at, e))
        at = e
    if not units:
        return None
    return Run(k, at, person, tuple(units))


def _surname(name: str, tr: TableRules) -> bool:
    return name[:2] in tr.compound_surnames or (name[0] in tr.surnames and len(name) <= 3)


def person_lengths(starts: Sequence[str], tr: TableRules) -> dict[str, int]:
    """How long the person opening each run is (text after a sentence end -> 2 or 3).

    Evidence, in order: runs that open alike (何海平教育局, 何海平人社局) share the longest
    common opening up to three characters; a scope after two characters (王东市科技局)
    starts the unit; else three characters when a unit name follows them, else two.

    >>> from pipeline.rules import load_rules
    >>> tr = load_rules().flat_tables
    >>> out = person_lengths(["何海平教育局经开区", "何海平人社局高新园", "张菁民政局各街道", "芮春祥住建局", "王东市科技局"], tr)
    >>> [out[k] for k in ("何海平教育局经开区", "张菁民政局各街道", "芮春祥住建局", "王东市科技局")]
    [3, 2, 3, 2]
    """
    out: dict[str, int] = {}
    groups: dict[str, set[str]] = {}
    for s in starts:
        groups.setdefault(s[:2], set()).add(s)
    for s in starts:
        same = groups[s[:2]]
        if len(same) >= 2 and len({x[2:3] for x in same}) == 1 and read_run(s, 0, 3, tr) is not None:
            out[s] = 3
        elif len(same) >= 2 and len({x[2:3] for x in same}) > 1:
            out[s] = 2
        elif s[2:3] and s[2] in _SCOPES and read_run(s, 0, 2, tr) is not None:
            out[s] = 2
        elif read_run(s, 0, 3, tr) is not None:
            out[s] = 3
        else:
            out[s] = 2
    return out


# ---------------------------------------------------------------- the table


@dataclass(frozen=True)
class GluedTable:
    """A glued table found at a line."""

    end: int  # the line after the table's last line
    before: str  # printed on the first line before the header (a title), kept as a paragraph
    cells: tuple[CellTuple, ...]
    after: str = ""  # printed after the last row read (past the bound of a row), kept as a paragraph


def _stream(lines: Sequence[str], i: int, start: int) -> tuple[str, int]:
    """The table's text from ``start`` in line ``i`` on, over the chunks that follow (markers dropped)."""
    text = lines[i][start:]
    m = _CHUNK.match(lines[i])
    j = i + 1
    if m is None:  # one glued row per line after the header: lines that open with a row number
        while j < len(lines) and _ROW_START.match(lines[j]) and len(text) < MAX_TABLE_CHARS:
            text += lines[j].strip()
            j += 1
        return text, j
    n = int(m["n"])
    while j < len(lines) and (c := _CHUNK.match(lines[j])) and int(c["n"]) == n + 1:
        text += lines[j][c.end():]
        n += 1
        j += 1
    return text, j


def find_glued(lines: Sequence[str], i: int, tr: TableRules) -> GluedTable | None:
    """A table glued into line ``i`` (and the chunks after it), or None."""
    line = lines[i]
    if "序号" not in line and "编号" not in line:
        return None
    head = glued_header(line, tr)
    if head is None:
        return None
    text, end_line = _stream(lines, i, head.end)
    header_text = line[head.start:head.end]
    kinds = head.kinds
    leader = kinds.index("leader") if "leader" in kinds else None
    roles = [c for c, k in enumerate(kinds) if k in ROLE_KINDS]
    tasks = [c for c, k in enumerate(kinds) if k == "task"]
    rows = _rows(text, header_text, tr)
    if not rows:
        return None
    # the person opening every run: evidence from the whole table
    starts = [text[e:e + MAX_UNIT_CHARS] for a, b, _, _ in rows for e in _ends(text, a, b)]
    lengths = person_lengths(starts, tr) if leader is not None else {}

    cells: list[CellTuple] = [(0, c, 1, 1, True, line[a:b]) for c, (a, b) in enumerate(head.words)]
    r = 1
    for a, b, seq, again in rows:
        subrows = _split_row(text, a + len(str(seq)), b, lengths, leader is not None, tr)
        cells.append((r, 0, len(subrows), 1, False, str(seq)))
        for s, (task, run) in enumerate(subrows):
            if s == 0 and len(tasks) > 1:
                cells.append((r + s, tasks[0], 1, tasks[-1] - tasks[0] + 1, False, task))
            else:
                cells.append((r + s, tasks[-1], 1, 1, False, task))
            if run is None:
                continue
            if run.person is not None and leader is not None:
                cells.append((r + s, leader, 1, 1, False, text[run.person[0]:run.person[1]]))
            if roles:
                names = [text[x:y] for x, y in run.units]
                cells.append((r + s, roles[0], 1, 1, False, names[0]))
                if len(names) > 1:
                    col = roles[1] if len(roles) > 1 else roles[0]
                    if col == roles[0]:
                        cells[-1] = (r + s, roles[0], 1, 1, False, "\n".join(names))
                    else:
                        cells.append((r + s, col, 1, 1, False, "\n".join(names[1:])))
        r += len(subrows)
        if again:
            cells += [(r, c, 1, 1, True, header_text[x - head.start:y - head.start])
                      for c, (x, y) in enumerate(head.words)]
            r += 1
    cells.sort(key=lambda c: (c[0], c[1]))
    return GluedTable(end_line, line[:head.start], tuple(cells), text[rows[-1][1]:])


def _ends(text: str, a: int, b: int) -> list[int]:
    """Offsets right after each sentence end in text[a:b] (where a unit run may start)."""
    return [k + 1 for k in range(a, b) if text[k] in _SENTENCE_END and k + 1 < b]


def _rows(text: str, header_text: str, tr: TableRules) -> list[tuple[int, int, int, bool]]:
    """(start, end, number, header printed again after it) of each row; the first opens the text."""
    first = _ROW_NUMBER.match(text)
    if first is None or not _HAN.match(text[first.end():first.end() + 1] or "x"):
        return []
    rows: list[tuple[int, int, int, bool]] = []
    a, seq = 0, int(first.group())
    while True:
        want = str(seq + 1)
        limit = min(len(text), a + MAX_ROW_CHARS)
        again = text.find(header_text, a + 1, limit + len(header_text))
        b = None
        k = text.find(want, a + len(str(seq)), limit)
        while k != -1 and (again == -1 or k < again):
            if _row_boundary(text, a, k, want, tr):
                b = k
                break
            k = text.find(want, k + 1, limit)
        if b is None and again != -1 and text.startswith(want, again + len(header_text)):
            rows.append((a, again, seq, True))
            a, seq = again + len(header_text), seq + 1
            continue
        if b is None:
            rows.append((a, limit, seq, False))
            return rows
        rows.append((a, b, seq, False))
        a, seq = b, seq + 1


def _row_boundary(text: str, a: int, k: int, want: str, tr: TableRules) -> bool:
    """Does the next row number stand at ``k``: after a unit run that closes the row, before a row's text?"""
    if k == 0 or text[k - 1].isdigit() or not _HAN.match(text[k + len(want):k + len(want) + 1] or "x"):
        return False
    # a unit run holds no sentence end: it starts after the last one
    e = next((q + 1 for q in range(k - 1, max(a, k - MAX_ROW_CHARS) - 1, -1) if text[q] in _SENTENCE_END), None)
    if e is None or e >= k:
        return False
    for person in (None, 2, 3):
        run = read_run(text[:k], e, person, tr)
        if run is not None and run.end == k:
            return True
    return False


def _split_row(text: str, a: int, b: int, lengths: dict[str, int], has_leader: bool,
               tr: TableRules) -> list[tuple[str, Run | None]]:
    """The sub-rows of one row: (task text, unit run or None), text after the last run added to its task."""
    out: list[tuple[str, Run | None]] = []
    pos = a
    for e in _ends(text, a, b):
        if e < pos:
            continue
        person = lengths.get(text[e:e + MAX_UNIT_CHARS]) if has_leader else None
        if has_leader and person is None:
            continue
        run = read_run(text[:b], e, person, tr)
        if run is None:
            continue
        if run.end < b and run.person is None and len(run.units) < MIN_MID_RUN_UNITS:
            continue
        out.append((text[pos:e], run))
        pos = run.end
    rest = text[pos:b]
    if rest.strip():
        if out:  # the task's later paragraphs, printed after its units
            task, run = out[-1]
            out[-1] = (task + "\n" + rest, run)
        else:
            out.append((rest, None))
    return out or [(text[a:b], None)]
