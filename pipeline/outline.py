"""Stage 6 — outline: sections, subsections, theme groups and task items.

The task list is found, not assumed: it starts at the first task (a block
carrying an assignment clause, or followed by a role line) together with the
headings right above it, and ends at a closing heading (工作要求, 保障措施 …) or
at the end of the document. A numbered block is a task when it carries a
clause or is at the deepest numbering level; otherwise it is a heading. An
unnumbered short line between tasks is a theme group (打造临空经济桥头堡).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import NamedTuple

import regex

from .clauses import ClauseReader
from .deadlines import parse_deadline
from .records import Block, ClauseLoc, Heading, ItemDraft, Page
from .rules import Rules
from .rules.sets import OutlineRules
from .tables import GridRow, task_tables
from .text import HEADER_BLOCKS

#: An unnumbered line up to this long, followed by a task, is a theme heading.
GROUP_MAX_CHARS = 40
#: When at least this share of the items carry assignments, a closing section whose items carry none
#: is the notice's requirements (工作要求 under another name), not tasks.
CLOSING_SECTION_SHARE = 0.6
#: A line that prints a year and month (2025年1月) is no theme heading.
_DATED = regex.compile(r"\d{4}\s*年\s*\d{1,2}\s*月")
#: A numbered heading is at most this long (a longer numbered paragraph is prose: a covering letter's 一、…).
HEADING_MAX_CHARS = 60


class Numbered(NamedTuple):
    """A block that opens with a number (or bullet) of a known level."""

    level: str  # "section" | "subsection" | "item" | "bullet"
    label: str  # as printed
    body_start: int  # offset of the body in the block text
    depth: int = 0  # for items: which item pattern matched (1. is 0, (1) is 1 …): a deeper style nests


def numbered(text: str, rules: OutlineRules) -> Numbered | None:
    """The numbering of a block, if any.

    Deeper levels are tried first, so ``1.`` is an item and ``一、`` a section.
    """
    patterns, levels = rules.numbering
    if (hit := patterns.first(text)) is None:
        return None
    k, m = hit
    level, depth = levels[k]
    number = patterns.numbers  # the groups asked by number (a name is looked up by the regex module each time)
    # (made by tuple.__new__, in C: a NamedTuple's own __new__ is Python code that does only that)
    return tuple.__new__(Numbered, (level, m.group(number["label"][k]).strip(), m.start(number["body"][k]), depth))


def _title(text: str) -> str:
    return text.strip().rstrip("。.:：")


def _heading(b: Block, label: str, body_start: int) -> Heading:
    body = b.text[body_start:]
    title = _title(body)
    lead = len(body) - len(body.lstrip())
    return Heading(label, b.start + body_start + lead, b.start + body_start + lead + len(title))


@dataclass(slots=True)
class _Open:
    """The task being read by the walker (mutable while its blocks are collected)."""

    block: int  # its first block
    num: Numbered | None  # its numbering
    section: Heading | None = None
    subsection: Heading | None = None
    group: Heading | None = None
    blocks: list[int] = field(default_factory=list)  # every block of the task
    wrapped: list[int] = field(default_factory=list)  # role lines continued on the next line
    cont: list[int] = field(default_factory=list)  # paragraphs its text goes on in


class _Walker:
    def __init__(self, page: Page, rules: OutlineRules, reader: ClauseReader,
                 unit_like: Callable[[str], bool], skip: frozenset[int] = frozenset(),
                 tasks_from: int | None = None, task_label: regex.Pattern[str] | None = None) -> None:
        self.page, self.rules, self.reader, self.unit_like = page, rules, reader, unit_like
        self.task_label = task_label
        # blocks of task tables are read by table_items(); the walker sees the text around them
        self.blocks = page.blocks if not skip else tuple(
            b if i not in skip else Block(" ", b.start, b.end, "skip") for i, b in enumerate(page.blocks))
        self.nums = [numbered(b.text, rules) for b in self.blocks]
        # a bracket of bare unit names counts after a numbered task, or alone on the line after a numbered
        # task (its units); in prose, or after a paragraph of prose, it is a source note (a numbered block
        # keeps every clause found: not filtered). In a notice that calls itself a breakdown, after its
        # covering letter (``tasks_from``), one that closes an unnumbered paragraph after a whole sentence
        # counts too: 地区生产总值增长6.5%左右。(县发改局、县统计局) under 一、主要预期目标 is a task and its units.
        found = [reader.find(b.text, unit_like) for b in self.blocks]
        after = len(self.blocks) if tasks_from is None else tasks_from
        self.clauses = [f if num is not None or not f else
                        [c for c in f if c.form != "units"
                         or (i > 0 and self.nums[i - 1] is not None and reader.only_clauses(b.text, f))
                         or (i >= after and _after_a_sentence(b.text, c.start) and not b.text[c.end:].strip(_CLAUSE_GAP))]
                        for i, (b, num, f) in enumerate(zip(self.blocks, self.nums, found))]
        # a role line: opens with a label, or holds nothing but a bracketed clause ((责任单位:区发改局) alone)
        self.role_line = [bool(c) and (c[0].form == "line" or reader.only_clauses(b.text, c))
                          for b, c in zip(self.blocks, self.clauses)]
        #: per block: it carries a clause, or role lines follow it (asked many times per block by the walk)
        self.has_clause = [bool(c) and not role or nxt for c, role, nxt
                           in zip(self.clauses, self.role_line, self.role_line[1:] + [False])]
        self.stop = self._stops(set(rules.stop_headings))

    def _stops(self, stops: set[str]) -> list[bool]:
        """Per block: a heading (at most HEADING_MAX_CHARS long) titled like a stop heading."""
        # a title can only start like a stop heading with one of their first characters: most blocks are
        # decided by their body's first character (the title's first unless it is a blank, or all is
        # stripped: then no title starts so either); with an empty stop heading every title is compared
        initials = None if "" in stops else frozenset(s[0] for s in stops)
        out = []
        for b, num in zip(self.blocks, self.nums):
            text = b.text
            if len(text) > HEADING_MAX_CHARS:
                out.append(False)
                continue
            first = text[num.body_start:num.body_start + 1] if num else text[:1]
            if initials is not None and first not in initials and not first.isspace():
                out.append(False)
                continue
            title = (text[num.body_start:] if num else text).strip().rstrip("。.:：")  # (_title, without a call)
            out.append((initials is None or title[:1] in initials) and (
                title in stops or any(title.startswith(s) and len(title) <= len(s) + 8 for s in stops)))
        return out

    def is_heading(self, i: int) -> bool:
        b, num = self.blocks[i], self.nums[i]
        body = b.text[num.body_start:] if num else b.text
        return len(b.text) <= HEADING_MAX_CHARS and "。" not in body.rstrip("。") and not self.has_clause[i]

    def is_task(self, i: int) -> bool:
        """A numbered or unnumbered block that is a task."""
        num = self.nums[i]
        if self.role_line[i]:
            return False
        if num is None:
            return self.has_clause[i]
        if self.has_clause[i]:
            return True
        if num.level == "item":
            # 1、 over (1)(2)… that carry the units: 1、 heads a group, the (n) are the tasks
            nxt = self._next_structural(i)
            below = self.nums[nxt] if nxt is not None else None
            deeper = nxt is not None and self.has_clause[nxt] and (
                below is not None and below.level == "item" and below.depth > num.depth
                or below is None and self.is_heading(i) and len(self.blocks[i].text) <= GROUP_MAX_CHARS
                and not self.blocks[i].text.rstrip().endswith(("。", "；", ";")))
            return not deeper
        if num.level == "bullet":
            return True
        if num.level == "subsection":
            # a leaf (nothing deeper follows before the next heading) is a task: 目标 (一)(二)…
            nxt = self._next_structural(i)
            below = self.nums[nxt] if nxt is not None else None
            deeper = nxt is not None and (below is None or below.level in ("item", "bullet"))
            return not deeper
        return False

    def _next_structural(self, i: int) -> int | None:
        """The next block that is numbered or a task, skipping theme lines."""
        for j in range(i + 1, min(len(self.blocks), i + 4)):
            if self.nums[j] is not None or self.has_clause[j]:
                return j
        return None

    def start(self, fallback_from: int | None = None) -> int | None:
        """Index of the first block of the task list.

        It is found from the first task that carries a clause. A notice none of whose tasks carries a
        recognised clause starts at its first numbered task after ``fallback_from`` (when given: the
        document calls itself a breakdown notice), so its tasks are still read, each with a finding.
        """
        anchor = next((i for i in range(len(self.blocks)) if self.has_clause[i] and not self.role_line[i]), None)
        if anchor is None and fallback_from is not None:
            anchor = next((i for i in range(fallback_from, len(self.blocks))
                           if self._level(i) in ("item", "bullet", "subsection") and self.is_task(i)
                           and not self.stop[i]), None)
        if anchor is None:
            return None
        i, seen_numbered = anchor, False
        if anchor > 0 and self.nums[anchor] is None and self.nums[anchor - 1] is not None \
                and self._continues(_Open(anchor - 1, self.nums[anchor - 1], blocks=[anchor - 1]), anchor):
            i = anchor - 1  # the first task's clause stands in its second paragraph
        first = self.nums[i]
        while i > 0:
            j = i - 1
            num = self.nums[j]
            sibling = (num is not None and first is not None and (num.level, num.depth) == (first.level, first.depth)
                       and self.is_task(j) and not self.stop[j])  # a task before the first one with a clause
            if num is not None and (num.level in ("section", "subsection") and self.is_heading(j)
                                    or num.level == "item" and not self.is_task(j)) or sibling:
                seen_numbered = True
                i = j
            elif num is None and not seen_numbered and len(self.blocks[j].text) <= GROUP_MAX_CHARS \
                    and not self.has_clause[j] and not self.stop[j] and self._is_group_text(j):
                i = j
            else:
                break
        return i

    def _level(self, i: int) -> str | None:
        num = self.nums[i]
        return num.level if num is not None else None

    def _is_group_text(self, j: int) -> bool:
        t = self.blocks[j].text
        return not t.endswith((":", "：")) and not _DATED.search(t)

    def candidates(self, first: int) -> int:
        """Task candidates from ``first`` on: numbered or bulleted paragraphs below section level, and
        paragraphs that carry a clause (a document's self-check: how many of them became items)."""
        n = 0
        for i in range(first, len(self.blocks)):
            if self.stop[i]:
                break
            num = self.nums[i]
            n += (num is not None and num.level != "section") or (num is None and self.has_clause[i]
                                                                   and not self.role_line[i])
        return n

    def walk(self, first: int | None) -> list[ItemDraft]:
        """The items of the task list that starts at block ``first`` (:meth:`start`; None: there is none)."""
        if first is None:
            return []
        items: list[ItemDraft] = []
        section = subsection = None
        group: Heading | None = None
        cur: _Open | None = None
        i = first
        blocks, nums, stop, role_line, has_clause = self.blocks, self.nums, self.stop, self.role_line, self.has_clause
        n = len(blocks)
        while i < n:
            b, num = blocks[i], nums[i]
            if stop[i]:
                break
            if role_line[i]:
                if cur is not None:
                    cur.blocks.append(i)
                    # a role line wrapped onto the next line: 协办单位:A、B、\n C。
                    while i + 1 < n and b.text.rstrip().endswith(("、", ",", "，")) and nums[i + 1] is None \
                            and not self.clauses[i + 1]:
                        i += 1
                        b = blocks[i]
                        cur.blocks.append(i)
                        cur.wrapped.append(i)
                i += 1
                continue
            if cur is not None and num is None and self._continues(cur, i):  # (a numbered block never does)
                # the task's text goes on in this paragraph, and its clause comes at the end of it or a later one
                cur.blocks.append(i)
                cur.cont.append(i)
                i += 1
                continue
            # every other block ends the task being read (closed here, without a call when there is none)
            if cur is not None:
                items.append(self._draft(len(items) + 1, cur))
                cur = None
            # (not a role line: a block with a clause is a task, is_task() is asked of the others)
            if has_clause[i] or num is not None and self.is_task(i):
                cur = _Open(i, num, section, subsection, group, [i])  # (blocks by position: a keyword is dearer)
            elif num is not None and num.level in ("section", "subsection"):
                head = _heading(b, num.label, num.body_start)
                if num.level == "section":
                    section, subsection = head, None
                else:
                    subsection = head
                group = None
            elif num is not None and num.level == "item":  # an item heading deeper items (see is_task)
                group = _heading(b, "", num.body_start)
            elif num is None and len(b.text) <= GROUP_MAX_CHARS and self._is_group_text(i) \
                    and (nxt := self._next_structural(i)) is not None and self.is_task(nxt):
                group = _heading(b, "", 0)
            # (else: prose between tasks belongs to none of them)
            i += 1
        if cur is not None:
            items.append(self._draft(len(items) + 1, cur))
        return drop_closing_sections(items)

    def _continues(self, cur: _Open | None, i: int) -> bool:
        """An unnumbered paragraph that carries on a numbered task which has no clause yet.

        1.推进…。 / 同时…。(牵头单位:…) is one task printed as two paragraphs. Only when the task's own
        paragraph reads as a sentence (not a heading) and a clause follows before the next numbered block.
        """
        if cur is None or cur.num is None or self.nums[i] is not None or self.role_line[i]:
            return False
        if any(self.clauses[j] for j in cur.blocks) or self.stop[i]:
            return False
        first = self.blocks[cur.block].text
        if len(first) <= GROUP_MAX_CHARS and not first.rstrip().endswith(("。", "；", ";")):
            return False
        for j in range(i, min(len(self.blocks), i + 4)):
            if self.nums[j] is not None:
                return False
            if self.clauses[j]:
                return True
        return False

    def _draft(self, seq: int, cur: _Open) -> ItemDraft:
        i, num, blocks, clauses = cur.block, cur.num, self.blocks, self.clauses
        if num is None:
            label = level = ""
            start = blocks[i].start
        else:
            label, level = num.label, num.level
            start = blocks[i].start + num.body_start
        locs: list[tuple[int, ClauseLoc]] = []
        for j in cur.blocks:  # (a loop, not a comprehension per block: most tasks are one block with one clause)
            if j not in cur.wrapped:
                for c in clauses[j]:
                    locs.append((j, c))
            else:  # continuation of the previous role line: one clause over two blocks
                locs.append((j, ClauseLoc(0, len(blocks[j].text), 0, len(blocks[j].text), "wrap")))
        last = cur.cont[-1] if cur.cont else i  # the paragraph where the task's text ends
        b = blocks[last]
        bt = b.text
        own = clauses[last]
        text_end_local = len(bt)
        if own and not bt[own[-1].end:].strip(" \t\u3000。.;；,，"):
            # the trailing run of clauses (and punctuation after them) is not part of the task text
            k = len(own) - 1
            while k > 0 and not bt[own[k - 1].end:own[k].start].strip(" \t\u3000。.;；,，"):
                k -= 1
            text_end_local = own[k].start
        end = b.start + len(bt[:text_end_local].rstrip(" \t\u3000,，、;；—-"))
        text = self.page.text
        while start < end and text[start] in " \t\u3000":  # (a numbered body starts after its blanks)
            start += 1
        if (first := clauses[i]) and i not in cur.wrapped and first[0].start == start - blocks[i].start:
            start = _after_leading_clauses(blocks[i], first, start, end)
        if self.task_label is not None and (lab := self.task_label.match(text, start, end)) is not None:
            start = lab.end()  # 工作任务:地区生产总值… (a task column's header printed as a label)
            while start < end and text[start] in " \t\u3000":
                start += 1
        return ItemDraft(seq, label, level, cur.section, cur.subsection, cur.group, i, tuple(cur.blocks), start,
                         max(start, end), tuple(locs))


def _after_leading_clauses(b: Block, own: Sequence[ClauseLoc], start: int, end: int) -> int:
    """Where the task text starts when a run of clauses opens it (1.(牵头单位:区发改局)推进…): after the run
    and the marks after it, as a trailing run is left out at its end; ``start`` when nothing of the task
    would be left."""
    bt, k, at = b.text, 0, start - b.start
    while k < len(own) and own[k].start == at:
        at = own[k].end
        while at < len(bt) and bt[at] in _CLAUSE_GAP:
            at += 1
        k += 1
    return b.start + at if b.start + at < end else start


def _after_a_sentence(text: str, start: int) -> bool:
    """Does a clause starting at ``start`` follow a whole sentence (…增长6.5%左右。(县发改局)), not a name it
    qualifies (…区城管执法局（镕城片区指挥部）)?"""
    return text[:start].rstrip(" \t\u3000")[-1:] in "。；;！!"


#: What may stand between two clauses of a run, or after the run and before the task text.
_CLAUSE_GAP = " \t\u3000。.;；,，:："


def table_items(page: Page, rows: tuple[GridRow, ...], index: dict[int, int], rules: OutlineRules, reader: ClauseReader,
                unit_like: Callable[[str], bool], deadline_like: Callable[[str], bool]) -> list[ItemDraft]:
    """One item per data row of a task table; heading rows set the section / subsection / group.

    An unnumbered heading row right above a subsection row (强化科技创新支撑能力。 over (一)…) is
    the section they belong to. A progress column (进展情况) is never read: the item's text is its
    task cell, so achieved figures are neither text nor targets. ``index``: the position of each of the
    page's blocks (by identity), made once per page, not per table.
    """
    section = subsection = group = None
    out: list[ItemDraft] = []
    levels = [(numbered(r.heading, rules) if r.heading is not None else None) for r in rows]
    for k, row in enumerate(rows):
        if row.heading is not None:
            (b,) = row.cells["heading"]
            num = levels[k]
            below = levels[k + 1] if k + 1 < len(rows) and rows[k + 1].heading is not None else None
            if num and num.level == "section":
                section, subsection, group = _heading(b, num.label, num.body_start), None, None
            elif num and num.level == "subsection":
                subsection, group = _heading(b, num.label, num.body_start), None
            elif num is None and below is not None and below.level == "subsection":
                section, subsection, group = _heading(b, "", 0), None, None
            else:
                group = _heading(b, "", 0)
            continue
        tasks = row.cells.get("task", ())
        if not tasks:
            continue
        tb = tasks[0]
        ti = index[id(tb)]
        label = " ".join(b.text for b in row.cells.get("seq", ())).strip()
        cat = [b for b in row.cells.get("category", ()) if not any(b is t for t in tasks)]  # not a glued name+task
        row_group = _heading(cat[0], "", 0) if cat else group
        own = reader.find(tb.text, unit_like)
        locs = [(ti, c) for c in own] + _column_clauses(row, index, unit_like, deadline_like)
        end_local = own[0].start if own and not tb.text[own[-1].end:].strip(" 。;；") else len(tb.text)
        body = tb.text[:end_local].rstrip()
        num = numbered(body, rules)
        if num and num.level in ("item", "bullet") and not label:  # the task cell carries its own number: △推进…
            label = num.label
            body = " " * num.body_start + body[num.body_start:]
        lead = len(body) - len(body.lstrip())
        out.append(ItemDraft(seq=0, label=label, level="", section=section, subsection=subsection, group=row_group,
                             block=ti, blocks=tuple(sorted({i for i, _ in locs} | {ti})),
                             text_start=tb.start + lead, text_end=tb.start + len(body), clauses=tuple(locs)))
    return out


def _column_clauses(row: GridRow, index: dict[int, int], unit_like: Callable[[str], bool],
                    deadline_like: Callable[[str], bool]) -> list[tuple[int, ClauseLoc]]:
    """The clauses of a task row's role columns (leader, lead, responsible, cooperating, deadline, a 备注
    holding a deadline), in printed (column) order, as (block index, clause)."""
    locs: list[tuple[int, ClauseLoc]] = []
    columns = [(b.cell.col if b.cell else 0, kind, b) for kind in ("leader", "lead", "responsible", "cooperating",
                                                                    "deadline", "note")
               for b in row.cells.get(kind, ())]
    for _, kind, b in sorted(columns, key=lambda c: c[0]):
        role = kind
        if kind == "note":  # a 备注 column holding a deadline (2020年12月) is read as one
            if not deadline_like(b.text):
                continue
            role = "deadline"
        header = row.headers.get(kind, kind)
        if role == "deadline":
            locs.append((index[id(b)], ClauseLoc(0, len(b.text), 0, len(b.text), "cell", True, role, header)))
            continue
        for s, e in _cell_lists(b.text, role, unit_like):
            locs.append((index[id(b)], ClauseLoc(s, e, s, e, "cell", True, role, header)))
    return locs


_LIST_SEPARATORS = re.compile(r"[、,，;；]")


def _cell_lists(text: str, role: str, unit_like: Callable[[str], bool]) -> list[tuple[int, int]]:
    r"""(start, end) of each list in a unit or leader cell: one per line when the cell prints one name per line.

    A line that does not end in a unit name (or a bracket: 高新园(邹区镇)) is a name wrapped inside
    the cell (市发展和改革 / 委员会): the cell is then one list.

    >>> _cell_lists("县水务局\n县住建局", "responsible", lambda t: t.endswith("局"))
    [(0, 4), (5, 9)]
    >>> _cell_lists("市发展和改革\n委员会", "lead", lambda t: t.endswith("委员会"))
    [(0, 10)]
    """
    spans, at = [], 0
    for line in text.split("\n"):
        if line.strip():
            spans.append((at, at + len(line)))
        at += len(line) + 1
    if len(spans) < 2:
        return [(0, len(text))]
    if role == "leader":
        return spans
    for s, e in spans[:-1]:
        last = [p for p in _LIST_SEPARATORS.split(text[s:e].strip()) if p.strip()]
        if not last or not (unit_like(last[-1].strip()) or last[-1].rstrip().endswith((")", "）"))):
            return [(0, len(text))]
    return spans


def drop_closing_sections(items: list[ItemDraft]) -> list[ItemDraft]:
    """Drop trailing sections of (一)(二)… paragraphs none of which names a unit, after sections that do.

    The closing 工作要求 is found by name (``stop_headings``); this catches the names not listed
    (三、抓好落实 with (一)(二)(三) paragraphs of requirements). Only subsection-numbered items go,
    and only when most of the items before them name units.
    """
    assigned = [bool(d.clauses) for d in items]
    if not items or assigned[-1]:
        return items  # the last item names units: no closing section follows (its headings are not hashed)
    sections_with_units = {d.section for d, a in zip(items, assigned) if a}
    end = len(items)
    while end > 0 and not assigned[end - 1] and items[end - 1].section is not None \
            and items[end - 1].section not in sections_with_units and items[end - 1].level == "subsection":
        end -= 1
    if end == len(items) or sum(assigned[:end]) < CLOSING_SECTION_SHARE * end:
        return items
    return items[:end]


@dataclass(frozen=True)
class Outline:
    """The task items of a page, and how many task candidates its body held."""

    items: tuple[ItemDraft, ...]  # in document order, seq 1..n
    n_candidates: int  # numbered paragraphs (below section level), clause-bearing paragraphs, table rows


def calls_itself_a_breakdown(page: Page, title: str | None, rules: Rules) -> bool:
    """The document says it is a breakdown notice: :func:`names_itself_a_breakdown`, or a role label it prints."""
    return names_itself_a_breakdown(page, title, rules) or rules.clauses.has_label(page.text)


def names_itself_a_breakdown(page: Page, title: str | None, rules: Rules) -> bool:
    """The document calls itself a breakdown notice in words: its title, a heading line, or the title of the
    document its covering letter hands out (现将《2020年重点工作责任分解》印发给你们: a capture that stops
    before the title of the attachment still names it there)."""
    words = rules.outline.notice_words
    heads = [title or "", page.meta.title or ""]
    for b in page.blocks[:HEADER_BLOCKS]:
        if len(b.text) <= 60:
            heads.append(b.text)
        elif "《" in b.text:
            heads.extend(_BOOK_TITLE.findall(b.text))
    return any(w in h for h in heads for w in words)


#: A document named in a sentence: 《2020年政府工作报告重点工作责任分解》 (one level of 〈〉 inside).
_BOOK_TITLE = re.compile(r"《([^《》\n]{2,80})》")


def letter_end(page: Page, rules: Rules) -> int:
    """Index of the first block after the covering letter's signature date (0 when none is printed)."""
    last = -1
    for i, b in enumerate(page.blocks[:HEADER_BLOCKS]):
        if len(b.text) <= 20 and rules.metadata.date.fullmatch(b.text.strip()):
            last = i
    return last + 1


def outline(page: Page, rules: Rules, reader: ClauseReader, unit_like: Callable[[str], bool],
            title: str | None = None) -> Outline:
    """The task items of a page, in document order: from its text and from its task tables.

    When no task carries a recognised clause and the document calls itself a breakdown notice,
    its numbered tasks after the covering letter are still items (their units unknown).
    """
    tables = task_tables(page, rules.headers)
    skip = frozenset(i for i, b in enumerate(page.blocks) if b.cell is not None and b.cell.table in tables) \
        if tables else frozenset()  # (no task table: no block to look at)
    tasks_from = letter_end(page, rules) if names_itself_a_breakdown(page, title, rules) else None
    walker = _Walker(page, rules.outline, reader, unit_like, skip, tasks_from, rules.headers.task_label)
    first = walker.start()
    fallback = None
    if first is None:  # (with a task that carries a clause the list starts there: no fallback is looked for)
        # (its words were asked above: tasks_from is set exactly when they say it; else a role label may)
        fallback = tasks_from if tasks_from is not None else \
            letter_end(page, rules) if rules.clauses.has_label(page.text) else None
        first = walker.start(fallback)
    drafts = walker.walk(first)
    n_candidates = walker.candidates(first if first is not None else (fallback or 0))
    deadline_like = lambda t: parse_deadline(t, 2000, rules.deadlines) is not None  # noqa: E731
    index = {id(b): i for i, b in enumerate(page.blocks)} if tables else {}
    for grid_rows in tables.values():
        rows = table_items(page, grid_rows, index, rules.outline, reader, unit_like, deadline_like)
        drafts.extend(rows)
        n_candidates += len(rows)
    if tables:  # (the walker's items are in document order already: only table rows are placed among them)
        drafts.sort(key=lambda d: page.blocks[d.block].start)
    drafts = [d for d in drafts if d.text_end > d.text_start or d.clauses]  # a bare number (13.) is no task
    return Outline(tuple(d if d.seq == i else replace(d, seq=i) for i, d in enumerate(drafts, 1)), n_candidates)
