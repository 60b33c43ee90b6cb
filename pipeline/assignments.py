"""Stage 7 — assignments: one row per unit and role, in printed order.

Reads every clause the outline attached to an item (inline brackets, verb
clauses, inline labels, role lines and their wrapped continuations), splits
the unit lists, normalizes names through :class:`pipeline.units.UnitBook`
(each change logged as a repair that applies to the unit, the text is left
as printed), and flags ``acting_lead`` where the notice states that
responsible units act as lead when an item has none.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from itertools import chain
from operator import itemgetter
from typing import NamedTuple

import regex

from .clauses import ClauseReader
from .records import Assignment, ClauseLoc, Finding, ItemDraft, ItemSegments, Page, Repair, Segment
from .rules.sets import MARKED_ROLE_ENDS, ClauseRules, RoleRules
from .units import Name, UnitBook

_PERSON_SPACE = re.compile(r"[ \t\u3000\xa0]+")
#: A note in brackets closing a person's slot: the post (张三(副区长), 刘八(区应急局局长)); a name holds no bracket.
_PERSON_NOTE = re.compile(r"[(（][^()（）]{1,20}[)）]$")
_HAN_NAME = regex.compile(r"\p{Han}{2,3}")
#: The positions of Name.known and Name.rule in a Name (a named tuple, read by position in the loop over names).
_KNOWN, _RULE = Name._fields.index("known"), Name._fields.index("rule")


class ItemClauses(NamedTuple):
    """What the clauses of one item say."""

    assignments: tuple[Assignment, ...]
    repairs: tuple[Repair, ...]
    findings: tuple[Finding, ...]
    deadline_text: str | None  # first deadline printed in the clauses


def read_segments(page: Page, draft: ItemDraft, reader: ClauseReader) -> ItemSegments:
    """Parse every clause of an item; a wrapped role line continues the segment before it."""
    segments: list[tuple[int, Segment]] = []
    unclosed: list[tuple[int, ClauseLoc]] = []
    for bi, loc in draft.clauses:
        text = page.blocks[bi].text
        if loc.form == "wrap":
            if segments:
                last = segments[-1][1]
                segments.append((bi, Segment(last.role, last.role_label, tuple(reader.names(text, 0)), text, 0)))
            continue
        for seg in reader.parse(text, loc):  # (most clauses: one or two segments, no generator made for them)
            segments.append((bi, seg))
        if not loc.closed:
            unclosed.append((bi, loc))
    return ItemSegments(draft, tuple(segments), tuple(unclosed))


_first = itemgetter(0)  # (a name's text, of its (text, start, end))


def raw_names(items: list[ItemSegments], rules: ClauseRules) -> dict[str, int]:
    """Every unit name printed in the items' clauses (the document's own vocabulary), with the times it is
    printed, in the order first printed."""
    # the names counted as printed, in C (a notice prints ~50 names ~250 times), then each one read once: most
    # end on no bracket and hold no marked role
    printed = Counter(map(_first, chain.from_iterable(seg.names for it in items for _, seg in it.segments
                                                      if seg.role not in ("deadline", "leader"))))
    out: dict[str, int] = {}
    for n, times in printed.items():
        if n.endswith(MARKED_ROLE_ENDS):
            n = rules.marked_role.sub("", n)
        out[n] = out.get(n, 0) + times
    return out


#: The notice says: with no lead, the responsible units act as lead (无牵头单位的,责任单位即为牵头单位).
RESPONSIBLE_ACT_AS_LEAD = "responsible_act_as_lead"
#: The notice says: the first unit listed leads (排在第一位的为牵头单位).
FIRST_IS_LEAD = "first_is_lead"


def acting_rule(text: str, roles: RoleRules) -> str | None:
    """Which acting-lead rule the notice states, if any."""
    if roles.acting_lead_rule.search(text):
        return RESPONSIBLE_ACT_AS_LEAD
    if roles.first_lead_rule.search(text):
        return FIRST_IS_LEAD
    return None


def heading_leaders(page: Page, draft: ItemDraft, rules: RoleRules,
                    seen: dict[tuple[int, int], tuple[str, str, int, int] | None] | None = None,
                    ) -> list[tuple[str, str, int, int]]:
    """Leaders a heading above the item names (一、王纲市长主抓重点工作).

    (person, verb as printed, start, end of the person in the full text). ``seen`` keeps what the
    heading at each span was found to name (the items under one heading share it: each is read once).
    """
    out = []
    for head in (draft.section, draft.subsection, draft.group):
        if head is None:
            continue
        span = (head.start, head.end)
        if seen is not None and span in seen:
            found = seen[span]
        else:
            # (most headings name no leader: the reversed pattern, many times cheaper, says so first)
            rev = rules.leader_heading_reversed
            m = rules.leader_heading.search(page.text, head.start, head.end) \
                if rev is None or rev.search(page.text, head.start, head.end) else None
            found = (m["person"], page.text[m.end("post"):m.end()], m.start("person"), m.end("person")) if m else None
            if seen is not None:
                seen[span] = found
        if found is not None:
            out.append(found)
    return out


#: A row of an item as read: role, role label, name, name as printed, known, start, end.
_Row = tuple[str, str, str, str, bool, int, int]


@lru_cache(maxsize=4096)
def person_name(raw: str, posts: regex.Pattern[str]) -> str:
    """The person a leader's slot prints: without blanks (王 东), a post in brackets after the name (张三(副区长)),
    a post before it (副区长 孙九) or after it (王纲副市长). A post named alone (分管副市长) is kept: it is what
    the notice names.

    >>> from pipeline.rules import load_rules
    >>> posts = load_rules().roles.posts
    >>> [person_name(x, posts) for x in ("王 东", "张三(副区长)", "副区长 孙九", "常务副区长王强", "分管副市长",
    ...                                  "刘八（区应急局局长）", "王纲副市长", "李明市长", "区长")]
    ['王东', '张三', '孙九', '王强', '分管副市长', '刘八', '王纲', '李明', '区长']
    """
    name = _PERSON_SPACE.sub("", raw)
    if (note := _PERSON_NOTE.search(name)) is not None and note.start() >= 2:
        name = name[:note.start()]
    if posts.fullmatch(name) is not None:
        return name
    if (post := posts.match(name)) is not None and _HAN_NAME.fullmatch(name, post.end()):
        return name[post.end():]
    for at in (2, 3):  # a post after the name: 王纲副市长
        if (post := posts.fullmatch(name, at)) is not None and _HAN_NAME.fullmatch(name, 0, at):
            return name[:at]
    return name


class AssignmentReader:
    """Assignment rows, unit repairs and findings of each item of one document (:meth:`read`).

    ``acting`` is the notice's acting-lead rule (:func:`acting_rule`); it sets ``acting_lead``
    on items that print no lead, and never rewrites the printed role. What every item reads the same
    (the page, the book, the memos of the reader) is taken once here, not at each of a notice's ~80 items.
    """

    __slots__ = ("doc_id", "acting", "blocks", "book", "reader", "marks", "posts", "post_pattern")  # (read per item: slot reads)

    def __init__(self, page: Page, book: UnitBook, reader: ClauseReader, doc_id: str, acting: str | None,
                 marked_role: regex.Pattern[str]) -> None:
        self.doc_id, self.acting, self.blocks, self.book, self.reader = doc_id, acting, page.blocks, book, reader
        self.marks = reader.marks(marked_role)  # read once per name (a notice repeats them)
        self.posts = reader.posts_named
        self.post_pattern = reader.rules.posts

    def read(self, item: ItemSegments, leaders: Sequence[tuple[str, str, int, int]] = ()) -> ItemClauses:
        """Assignment rows, unit repairs and findings of one item. ``leaders`` are people a heading above the
        item names (:func:`heading_leaders`); they come first, as printed."""
        draft, doc_id, blocks = item.draft, self.doc_id, self.blocks
        # the item's rows (what an Assignment takes but its number and acting_lead, in printed order), repairs
        # and findings, kept in local lists (not on an object made per item)
        rows: list[_Row] = [("leader", verb, person_name(person, self.post_pattern), person, True, start, end)
                            for person, verb, start, end in leaders]
        repairs: list[Repair] = []
        findings: list[Finding] = []
        has_lead = False  # one of the rows is a lead (kept as they are added: the acting rule asks it of every item)
        deadline: str | None = None
        for bi, loc in item.unclosed:
            b = blocks[bi]
            findings.append(Finding(doc_id, "warning", "unclosed_clause",
                                    f"item {draft.label or draft.seq}: the assignment clause has no closing bracket",
                                    b.start + loc.start, b.start + loc.end))
        marks, posts, book = self.marks, self.posts, self.book
        listed, scopes = book.listed, book.scopes  # (and these: lookups in C, no Python call)
        for bi, seg in item.segments:
            base = blocks[bi].start
            seg_role, seg_label = seg.role, seg.role_label
            if seg_role == "deadline":
                deadline = deadline or (seg.text.strip() or None)
                continue
            if not seg.names:
                findings.append(Finding(doc_id, "warning", "empty_role",
                                        f"item {draft.label or draft.seq}: {seg.role_label} names no unit",
                                        base + seg.start, base + seg.start + len(seg.text)))
            scope: str | None = None  # the scope prefix the first name of the list prints (市发改委、统计局)
            first = True
            for raw, s, e in seg.names:
                role, role_label = seg_role, seg_label
                if role != "leader" and (mark := marks[raw]):
                    raw, e = raw[:mark.start()].rstrip(), s + len(raw[:mark.start()].rstrip())
                    role, role_label = self.reader.verbs.get(mark["verb"], role), mark["verb"]
                if role == "leader" or posts[raw]:  # a person, or a post (分管副省长)
                    rows.append(("leader", role_label, person_name(raw, self.post_pattern), raw, True, base + s, base + e))
                    first = False
                    continue
                names, glued = listed.get((raw, scope)) or book.in_list(raw, scope)
                if glued is None and len(names) == 1 and (n := names[0])[_RULE] is None and n[_KNOWN]:
                    # (most names: one known unit, kept as printed: no repair, no finding, its row added here. A
                    # Name is a tuple: its fields read by position, several times cheaper than by attribute)
                    name, printed, ns, ne = n[:4]  # (its name, raw, start, end)
                    rows.append((role, role_label, name, printed, True, base + s + ns, base + s + ne))
                    if role == "lead":
                        has_lead = True
                else:
                    self._units(names, glued, base + s, role, role_label, rows, repairs, findings)
                    if role == "lead" and names:
                        has_lead = True
                if first:
                    first = False
                    if names:
                        scope = scopes[names[0].raw]
        # (made by tuple.__new__, in C: a NamedTuple's own __new__ is Python code that does only that)
        return tuple.__new__(ItemClauses, (self._build(draft.seq, rows, has_lead), tuple(repairs), tuple(findings),
                                           deadline))

    def _build(self, seq: int, rows: list[_Row], has_lead: bool) -> tuple[Assignment, ...]:
        """The rows of item ``seq``, numbered; ``acting_lead`` set by the notice's acting-lead rule when no row is
        a lead."""
        doc_id, acting = self.doc_id, self.acting
        if acting and rows and not has_lead:
            # every responsible row acts as lead, or only the first (its number: 0 when there is none)
            every = acting == RESPONSIBLE_ACT_AS_LEAD
            first = 0 if every else next((k for k, r in enumerate(rows, 1) if r[0] == "responsible"), 0)
            return tuple([Assignment(doc_id, seq, role, label, k, name, raw,
                                     role == "responsible" and (every or k == first), known, start, end)
                          for k, (role, label, name, raw, known, start, end) in enumerate(rows, 1)])
        return tuple([Assignment(doc_id, seq, role, label, k, name, raw, False, known, start, end)
                      for k, (role, label, name, raw, known, start, end) in enumerate(rows, 1)])

    def _units(self, names: list[Name], glued: str | None, start: int, role: str, role_label: str,
               rows: list[_Row], repairs: list[Repair], findings: list[Finding]) -> None:
        """Rows for one printed name, normalized (:meth:`UnitBook.in_list`: a glued list gives several, offsets
        from ``start``), repairs logged."""
        doc_id = self.doc_id
        if glued:
            repairs.append(Repair(doc_id, "unit_glue_split", "".join(n.raw for n in names),
                                  "、".join(n.raw for n in names), start + names[0].start, start + names[-1].end,
                                  glued, "unit"))
        for n in names:
            a, b = start + n.start, start + n.end
            rows.append((role, role_label, n.name, n.raw, n.known, a, b))
            if n.rule is not None:
                repairs.append(Repair(doc_id, n.rule, n.raw, n.name, a, b, n.evidence, "unit"))
            if not n.known:
                findings.append(Finding(doc_id, "warning", "unknown_unit",
                                        f"{n.raw!r} is not a known unit and has no unit-name shape (kept as printed)",
                                        a, b))
