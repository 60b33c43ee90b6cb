"""Where assignment clauses are written, and what they say, before names are normalized.

A clause is any of:

* a bracket group whose content opens with a role label and a colon:
  ``(牵头单位:A;责任单位:B、C)``, ``[责任单位:区发改(商务)局]`` (nested brackets kept);
* a bracket group of units closed by a role verb: ``(市国土局牵头)``,
  ``(A、B等部门按职责分工负责)``, ``(国务院各部门分别负责,年内持续推进)``;
* role labels written inline after the sentence, not in brackets: ``…建设。主办单位:A、B。``;
* a whole line opening with a role label: ``牵头单位:区发改局`` (role lines).

:func:`ClauseReader.find` locates clauses in one block; :func:`ClauseReader.parse`
splits a clause into role segments of raw unit names with their offsets.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import lru_cache

import regex

from .records import ClauseLoc, Segment
from .rules.sets import BEFORE_INLINE, MARKED_ROLE_ENDS, OPENERS, ClauseRules
from .text import (
    CLOSE,
    FLAT_GROUP,
    OPEN,
    PAIR,
    PINYIN,
    Memo,
    bracket_pairs,
    closing_bracket,
    separator_pattern,
    split_top,
)

#: 由 before the units of a verb clause: (由区发改局牵头).
_BY = regex.compile(r"由\s*")
_LABEL_SPACE = re.compile(r"[ \t\u3000]")
#: What may follow a clause at the end of a task.
_TRAILING = " \t\u3000。.;；,，"
#: A bracket opening with these qualifies the text (含高新区), it does not name units.
_NOT_UNIT_START = re.compile(r"含|包括|不含|即|如|其中|以下|暂定|试行")
#: Every clause has a bracket or a colon: a block without one is skipped at once.
_MAY_HOLD_CLAUSE = re.compile(r"[(\[（【［〔:：]")
_PART_SEP = ",，;；"
_PART_SEP_RE = re.compile("[" + _PART_SEP + "]")
#: What may stand between and around the clauses of a role line.
_BETWEEN_CLAUSES = " \t\u3000。.;；,，"
#: An opening bracket (a clause may start there); one of BEFORE_INLINE (an inline label may start after it).
_OPENER = re.compile("[" + re.escape(OPENERS) + "]")
_INLINE_BEFORE = re.compile("[" + re.escape(BEFORE_INLINE) + "]")
#: Where a bare unit list may start at the end of a task line: after a dash, a wide gap or the last sentence.
_TAIL_CUT = regex.compile(r"(?:——|—|--|[ \t\u3000]{2,}+|\t|[。；;])[ \t\u3000]*+(?=[^。；;—\t]*$)")
#: The last mark a cut may start at (looked for from the end); without one, where else it may start.
_LAST_CUT_MARK = regex.compile(r"[。；;—\t]", regex.REVERSE)
_CUT_WITHOUT_MARK = re.compile(r"--|[ \t\u3000]{2}")
#: Every character a match of _TAIL_CUT can start with.
_CUT_OPENER = re.compile(r"[。；;—\t \u3000-]")
#: A sentence mark, a digit or a quote never stands in a unit name.
_NOT_A_NAME = regex.compile(r"[。！？!?“”\d%％]")
#: What a name in a list never starts or ends with (spaces, a stray sentence mark).
_NAME_EDGE = " \t\u3000\n。."
#: What joins two unit names in a list besides its separators: a word (市财政局及市税务局), blanks (a page that
#: sets its names apart with spaces: 区商务局 区投促中心) or a slash (区统计局/区发改局). Each splits only where
#: both sides end like a unit (_conjoined): 人力资源和社会保障局, 王 东 stay whole.
_CONJUNCTION = re.compile(r"以及|及|和|与|[ \t\u3000\xa0]+|[/／]")
#: The ASCII characters rules.line_start can match first (when rules.han_labels): blanks, a dash, an
#: opening bracket, a label's end.
_ROLE_LINE_ASCII_OPENERS = " \t-[:]"
#: Any bracket (a clause without one has every label at its top level).
_BRACKET = re.compile("[" + re.escape(OPEN + CLOSE) + "]")

UnitLike = Callable[[str], bool]


class ClauseReader:
    """Finds and parses clauses with the compiled role vocabulary (:class:`~pipeline.rules.sets.ClauseRules`)."""

    def __init__(self, rules: ClauseRules) -> None:
        self.rules = rules
        self.labels = rules.labels
        self._labels = frozenset(rules.labels)  # (``in`` a frozenset is one call in C)
        self._label_reach = max(map(len, self._labels), default=0) + 2  # a label, a blank and its colon
        self.verbs = rules.verbs
        self.separators = rules.separators
        self._separator = separator_pattern(rules.separators)
        self._cut = self._separator.split  # a list without brackets: cut at every separator
        self.label_re = rules.label_re
        self.verb_re = rules.verb_re
        # what verb_re matches at the end of a text: a literal word (no verbs: the empty pattern, at every end)
        self._verb_words = tuple(rules.verbs) or ("",)
        # the last characters of the verbs: a text ending in none of them ends in no verb, told without comparing
        # every verb with its end (None: not told so, with the empty pattern, which ends every text, or a verb
        # ending in a newline)
        lasts = frozenset(w[-1:] for w in self._verb_words)
        self._verb_lasts = None if "" in lasts or "\n" in lasts else lasts
        self.posts = rules.posts
        self.label_start = rules.label_start
        # read once per name or label (a notice repeats its unit names); no Python call once known
        # (a name ending like a unit, most of them, is told without the deadline patterns)
        self._deadline: Memo[str, bool] = Memo(
            lambda name: not name.endswith(rules.unit_endings) and bool(rules.any_deadline.match(name)))
        self._roles: Memo[str, str | None] = Memo(rules.role_of)  # label -> role
        self._marks: Memo[str, regex.Match[str] | None] = Memo(  # see marked_role()
            lambda name: rules.marked_role.search(name) if name.endswith(MARKED_ROLE_ENDS) else None)
        posts: Memo[str, bool] = Memo(lambda name: _fullmatches(rules.posts, name))
        self._posts = posts
        #: is_post() of a printed name (its blanks at either end left out; asked of the patterns' own cache, not
        #: through the memo of is_post(): one Python call less for each name a document prints)
        self.posts_named: Mapping[str, bool] = Memo(lambda raw: _fullmatches(rules.posts, raw.strip()))

    # ---------------------------------------------------------------- locate

    def is_role_line(self, text: str) -> bool:
        return self._may_open_role_line(text) and self.rules.role_line(text) is not None

    def _may_open_role_line(self, text: str) -> bool:
        """``rules.line_start.match(text)``: may a role line open ``text``? When every label is Han characters
        and blanks, a role line opens with a blank, a dash, a bracket, a Han character or a label's end:
        a block opening with any other ASCII character (a task's number: 10.) is told without the pattern."""
        head = text[:1]
        if self.rules.han_labels and head.isascii() and head not in _ROLE_LINE_ASCII_OPENERS:
            return False
        return self.rules.line_start.match(text) is not None

    def label_at(self, text: str, pos: int, endpos: int | None = None) -> bool:
        """Does a label start at ``pos``? (``label_re.match(text, pos, endpos)``; most places are turned away
        by ``rules.label_start`` first, a few hundred instructions where the label pattern costs thousands.)"""
        end = len(text) if endpos is None else endpos
        if (run := self.label_start.match(text, pos, end)) is None:
            return False
        stop = run.end() - 1
        if self.rules.han_labels and text[stop] in ":：" and text[pos:stop].rstrip(" \t\u3000") in self._labels:
            return True  # one listed label and its colon (see label_marks)
        return self.label_re.match(text, pos, end) is not None

    def _listed_label_at(self, text: str, pos: int, end: int) -> bool:
        """Does one listed label and its colon stand at ``pos`` (before ``end``)? Then a label starts there
        (:meth:`label_at`: all of it is a run ``rules.label_start`` matches), told by a plain search as far
        as the longest label and a blank reach. (Most brackets that hold a clause open so: 牵头单位:.)

        >>> from pipeline.rules import load_rules
        >>> reader = ClauseReader(load_rules().clauses)
        >>> [reader._listed_label_at(t, 1, len(t)) for t in ("(牵头单位:区发改局)", "(牵头单位 :A)", "(区发改局牵头)")]
        [True, True, False]
        """
        if not self.rules.han_labels:
            return False
        colon = text.find(":", pos, pos + self._label_reach)
        return pos < colon < end and text[pos:colon].rstrip(" \t\u3000") in self._labels

    @staticmethod
    def only_clauses(text: str, locs: list[ClauseLoc]) -> bool:
        """The block holds nothing but its clauses (and punctuation): a role line in brackets."""
        if not locs:
            return False
        last = 0
        for loc in locs:  # (a task's text before its clause answers at the first piece)
            if text[last:loc.start].strip(_BETWEEN_CLAUSES):
                return False
            last = loc.end
        return not text[last:].strip(_BETWEEN_CLAUSES)

    def find(self, text: str, unit_like: UnitLike) -> list[ClauseLoc]:
        """Clauses in one block, in order. ``unit_like(name) -> bool`` vets verb clauses."""
        # the first opening bracket or label end, looked for once: it tells whether the block may hold a clause
        # (a bracket or a colon: the label ends 】]］ alone do not), and the walk below starts from it
        first = _OPENER_OR_LABEL_END.search(text)
        if first is None or text[first.start()] in _CLOSING_LABEL_ENDS \
                and not _MAY_HOLD_CLAUSE.search(text, first.end()):  # (a role line holds a colon or a bracket too)
            tail = self._verb_tail(text, unit_like) or self._units_tail(text)
            return [tail] if tail is not None else []
        # every label ends on a colon or a closing 】: none starts after the last one (none at all: -1; None: not
        # looked for yet: a numbered task's text opens no role line, and the bracket of its clause most often
        # opens with a listed label and its colon, told without it)
        last: int | None = None
        if self._may_open_role_line(text):
            last = _last_label_end(text)
            if last >= 0 and (m := self.rules.role_line(text)):
                return [ClauseLoc(m.start("label"), len(text), m.start("label"), len(text), "line")]
        out: list[ClauseLoc] = []
        n = len(text)
        # the closing bracket of each bracket visited, read up to there (the next is looked for after it);
        # every pair made at once only after a bracket left open (its closing was looked for to the end)
        pairs: dict[int, int] | None = None
        content_end = len(text.rstrip(_TRAILING))  # nothing but punctuation after this: no clause starts there
        i = 0
        han = self.rules.han_labels
        while i < content_end:
            # next_trigger's most common answer found without its call: with every label Han characters and
            # blanks up to a colon or 】, the next opening bracket with no label end before it (or none at all)
            if i:  # (from the start: found above)
                first = _OPENER_OR_LABEL_END.search(text, i)
            if han and (first is None or text[first.start()] in OPENERS):
                if first is None:
                    break
                i = first.start()
            else:
                last = _last_label_end(text) if last is None else last
                if (t := self.next_trigger(text, i, last + 1, line_checked=True)) is None:
                    break
                i = t
            ch = text[i]
            if ch not in PAIR or (ch in "【[［" and (i == 0 or text[i - 1] in BEFORE_INLINE)
                                  and i <= (last := _last_label_end(text) if last is None else last)
                                  and self.label_at(text, i)):
                out.append(ClauseLoc(i, n, i, n, "inline"))  # 主办单位:A。 / 【牵头单位】A【责任单位】B
                break
            # (most groups hold no other bracket: the next bracket closes it, found by one match as
            # closing_bracket would, and the clause is known flat: parse does not look for a nested bracket)
            flat: re.Match[str] | None = None
            if pairs is not None:
                j = pairs.get(i)
            elif (flat := FLAT_GROUP.match(text, i + 1)) is not None:
                j = flat.end() - 1
            elif (j := closing_bracket(text, i)) is None:
                pairs = bracket_pairs(text)
            inner_end = j if j is not None else n
            k = i + 1
            while k < inner_end and text[k] in " \t\u3000":
                k += 1
            # (a listed label and its colon: a label end after k, ``k <= last`` needs no asking)
            if self._listed_label_at(text, k, inner_end) or k <= (
                    last := _last_label_end(text) if last is None else last) and self.label_at(text, k, inner_end):
                out.append(ClauseLoc(i, inner_end + (1 if j is not None else 0), i + 1, inner_end,  # (all by position:
                                     "bracket", j is not None, None, "", flat is not None))  # a keyword is dearer)
                i = inner_end + 1
            elif j is None:
                i += 1  # an unclosed bracket that opens no label: look on (never slice to the end)
            elif self._is_verb_clause(text[i + 1:j], unit_like):
                out.append(ClauseLoc(i, j + 1, i + 1, j, "verb"))
                i = j + 1
            elif j + 1 >= content_end and self._is_unit_list(text[i + 1:j], unit_like):
                out.append(ClauseLoc(i, j + 1, i + 1, j, "units"))  # …建设。(区发改局、区财政局) at the end
                i = j + 1
            else:
                i = j + 1
        if not out and (tail := self._verb_tail(text, unit_like) or self._units_tail(text)) is not None:
            out.append(tail)
        return out

    def next_trigger(self, text: str, pos: int, label_end: int | None = None, line_checked: bool = False,
                     ) -> int | None:
        """Where ``trigger`` (``rules.clauses.trigger``) next matches at or after ``pos``, or None.

        The same answer as ``trigger.search(text, pos).start()``, found faster: the next opening bracket
        by a plain search, and before it only the few places a label may start (the text's start, or
        right after one of BEFORE_INLINE) tried with the label pattern. A caller that knows more says
        so: no label starts at or after ``label_end``; ``line_checked``: ``line_re`` found none at the start.
        """
        # the next opening bracket or label end, in one scan: most often the bracket, with no label end before it
        first = _OPENER_OR_LABEL_END.search(text, pos)
        if first is not None and text[first.start()] in OPENERS:
            o: re.Match[str] | None = first
            ended = False  # no label end before the bracket
        else:
            o = _OPENER.search(text, first.end()) if first is not None else None
            ended = first is not None
        stop = o.start() if o is not None else len(text)
        last = stop if label_end is None else min(stop, label_end)  # the places a label may start are before it
        if self.rules.han_labels and not ended:
            # a label is a run of Han characters and blanks up to its colon or 】: with none before the
            # bracket (a task's text before its clause), no label starts before it
            return stop if o is not None else None
        if pos == 0 and last > 0 and not line_checked and self.label_at(text, 0):
            return 0
        for m in _INLINE_BEFORE.finditer(text, max(0, pos - 1), max(0, last - 1)):
            if self.label_at(text, m.end()):
                return m.end()
        return stop if o is not None else None

    def _units_tail(self, text: str) -> ClauseLoc | None:
        """Unit names closing a task line after a dash, a wide gap or its last sentence, no label, no
        bracket: …建设。——市发改委、市财政局 / …建设    市发改委 / …建设。市发改委、市财政局.

        Every name must end like an organisation (局, 委, 办, 中心, 政府 …) or be a collective (各街道):
        a word that merely ends in 区 or 县 is no unit here.
        """
        end = len(text.rstrip(_TRAILING))
        if end == 0:
            return None
        # a cut is followed by no sentence mark: search from the last one (from every earlier position the
        # lookahead read to the end of the line and failed, quadratic on a long line); a run of spaces
        # holding that mark (a tab) may begin before it; the blanks are taken whole (possessive): split
        # every way, a long run before a mark was tried in quadratically many ways at each of its places
        if _CUT_OPENER.search(text, 0, end) is None:
            return None  # (most blocks: a short heading) no character a cut starts with, told by one plain scan
        last = m.start() if (m := _LAST_CUT_MARK.search(text, 0, end)) is not None else -1
        if last < 0 and not _CUT_WITHOUT_MARK.search(text, 0, end):
            return None  # no cut at all, found by a plain scan without _TAIL_CUT
        since = last - 1  # (a dash may be doubled: ——)
        while last >= 0 and text[last] == "\t" and since > 0 and text[since - 1] in " \t\u3000":
            since -= 1  # only a tab is itself a blank: blanks before any other mark cannot start the cut
        m = _TAIL_CUT.search(text, max(0, since), end)
        if m is None:
            return None
        start = m.end()
        tail = text[start:end]
        # the pieces split_top cuts (a tail without brackets, most: every separator cuts, no offsets made); the
        # first that is no name answers (the length asked before the collective patterns: a long last
        # sentence is no name, told without them)
        if _BRACKET.search(tail) is None:
            pieces = self._cut(tail)
        else:
            # the first piece reaches the first separator at least: a first name too long is told before
            # split_top visits the brackets (a long last sentence holding a note in brackets)
            sep = self._separator.search(tail)
            if len(tail[:sep.start() if sep is not None else len(tail)].strip()) > 20:
                return None
            pieces = [t for t, _, _ in split_top(tail, self.separators)]
        for piece in pieces:
            n = piece.strip()
            if not (n and len(n) <= 20 and (n.endswith(self.rules.unit_endings) or self.rules.any_collective.fullmatch(n))
                    and not _NOT_A_NAME.search(n)):
                return None
        return ClauseLoc(start, end, start, end, "units")

    def _verb_tail(self, text: str, unit_like: UnitLike) -> ClauseLoc | None:
        """Units and role verbs closing a block without brackets: …建设。市发改委牵头,市财政局配合。 /
        …住房2000套,市住建局牵头,各区政府配合。 / …,由市发改委负责落实。

        The clause is the longest run of parts (split on , ; outside brackets) at the end of the last
        sentence that are each unit names closed by a role verb.
        """
        end = len(text.rstrip(_TRAILING))
        if end == 0 or not self._ends_with_verb(text, max(0, end - 8), end):
            return None
        sentence = max(text.rfind(ch, 0, end) for ch in "。；;！!？?") + 1
        parts = split_top(text[sentence:end], _PART_SEP, sentence)
        start = None
        for part, s, _ in reversed(parts):
            if not part.strip() or not self._is_verb_clause(part.strip(), unit_like):
                break
            start = s
        if start is None:
            return None
        lead = len(text[start:end]) - len(text[start:end].lstrip(" \t\u3000"))
        return ClauseLoc(start + lead, end, start + lead, end, "verb")

    def _ends_with_verb(self, text: str, start: int, end: int) -> bool:
        """``verb_re.search(text[start:end])``: does a role verb end ``text[start:end]`` (or end it before a
        final newline, where ``$`` matches too)? The verbs are literal words: told by ``str.endswith``
        without a call of the regex engine.

        >>> from pipeline.rules import load_rules
        >>> reader = ClauseReader(load_rules().clauses)
        >>> [reader._ends_with_verb(t, 0, len(t)) for t in ("区发改局牵头", "区发改局牵头\\n", "牵头单位", "", "\\n")]
        [True, True, False, False, False]
        >>> reader._ends_with_verb("牵头x", 0, 2), reader._ends_with_verb("牵头\\nx", 1, 3)
        (True, False)
        """
        lasts = self._verb_lasts
        if lasts is not None and end > start:
            last = text[end - 1]
            if last == "\n":
                if end - 1 == start or text[end - 2] not in lasts:
                    return False
            elif last not in lasts:
                return False  # (most texts: one character looked up, not the end compared with every verb)
        words = self._verb_words
        return text.endswith(words, start, end) or (text.endswith("\n", start, end)
                                                     and text.endswith(words, start, end - 1))

    def _is_verb_clause(self, inner: str, unit_like: UnitLike) -> bool:
        if not inner or "。" in inner:
            return False
        # (most brackets hold no part separator: the first part is all of it, without split_top)
        first = split_top(inner, _PART_SEP)[0][0].strip() if _PART_SEP_RE.search(inner) else inner.strip()
        # (most brackets: no verb closes the first part, told before any pattern is asked)
        if not self._ends_with_verb(first, 0, len(first)) or PINYIN.fullmatch(inner):
            return False
        m = self.verb_re.search(first)
        if not m:
            return False
        units = first[: m.start()]
        units = self.rules.list_tail.sub("", units)
        units = _BY.sub("", units, count=1) if _BY.match(units) else units
        names = [t for t, _, _ in split_top(units, self.separators) if t.strip()]
        return bool(names) and all(self._unit_or_post(t.strip(), unit_like) for t in names)

    def _unit_or_post(self, name: str, unit_like: UnitLike) -> bool:
        return unit_like(name) or bool(self.posts.fullmatch(name))

    def _is_unit_list(self, inner: str, unit_like: UnitLike) -> bool:
        """A bracket holding nothing but unit names (no label, no verb)."""
        if not inner.strip() or "。" in inner or PINYIN.fullmatch(inner):
            return False
        inner = self._without_notes(inner)
        names = [t.strip() for t, _, _ in split_top(self.rules.list_tail.sub("", inner.strip()), self.separators + _PART_SEP)]
        return all(n and unit_like(n) and not _NOT_UNIT_START.match(n) for n in names)

    def _without_notes(self, text: str) -> str:
        """``text`` with its rule notes ((列第一位者为牵头单位,下同)) blanked out, offsets kept."""
        return self.rules.rule_notes.sub(lambda m: " " * len(m[0]), text) if "(" in text or "（" in text else text

    # ---------------------------------------------------------------- parse

    def parse(self, text: str, loc: ClauseLoc) -> list[Segment]:
        """Role segments of one clause (offsets local to the block)."""
        content = text[loc.content_start:loc.content_end]
        base = loc.content_start
        if loc.form == "cell":
            body = content.strip()
            lead = len(content) - len(content.lstrip())
            names = () if loc.role == "deadline" else tuple(self.names(body, base + lead))
            return [Segment(loc.role or "responsible", loc.label, names, body, base + lead)] if body else []
        if loc.form == "verb":
            return self._parse_verbs(content, base)
        if loc.form == "units":  # units printed without a role: the task's responsible units
            body = self.rules.list_tail.sub("", content.rstrip())
            return [Segment("responsible", "", tuple(self.names(body, base)), body, base)]
        segs: list[Segment] = []
        deadline = self._deadline
        marks = self.label_marks(content)
        # (asked once of the clause: a unit list in a clause without a bracket holds none either)
        bracketed = bool(marks) and not loc.flat and _BRACKET.search(content) is not None
        if bracketed:  # labels inside a nested bracket are not this clause's
            top = _top_level(content)
            marks = [m for m in marks if top[m[1]]]
        for k, (label, _, body_start) in enumerate(marks):
            if " " in label or "\t" in label or "\u3000" in label:  # what _LABEL_SPACE removes
                label = _LABEL_SPACE.sub("", label)
            role = self._roles[label]
            if role is None:  # pragma: no cover - the label pattern only matches role labels
                continue
            body_end = marks[k + 1][1] if k + 1 < len(marks) else len(content)
            body = content[body_start:body_end]
            # trim separators and the sentence end the next label stands behind
            trimmed = body.rstrip(" \t\u3000;；,，。.")
            stripped = trimmed.lstrip(" \t\u3000")
            s0 = base + body_start + len(trimmed) - len(stripped)
            if role == "deadline":
                segs.append(Segment(role, label, (), stripped, s0))
                continue
            listed = self.names(stripped, s0, bracketed)
            # a deadline printed in the unit list (责任单位:县住建局,2024年底前完成) is no unit; most lists
            # hold none: told by a plain loop (no list comprehension, a call, made for each list)
            for n in listed:
                if deadline[n[0]]:
                    break
            else:
                segs.append(Segment(role, label, tuple(listed), stripped, s0))
                continue
            dates = [n for n in listed if deadline[n[0]]]
            segs.append(Segment(role, label, tuple(n for n in listed if n not in dates), stripped, s0))
            segs.extend(Segment("deadline", "", (), n, a) for n, a, _ in dates)
        return segs

    def label_marks(self, content: str) -> list[tuple[str, int, int]]:
        """The labels of a clause's content, (label as printed, start, end): what
        ``label_re.finditer(content, 0, label_limit(content))`` matches.

        Found faster when every label is Han characters and blanks (``rules.han_labels``): a label then
        starts inside the run of Han characters and blanks that reaches its colon or closing bracket, or
        at the opening bracket right before that run. Only those few places are tried, in order, instead
        of the whole label pattern at every character up to the last colon. A run that is one listed label
        and its colon (责任单位:) needs no pattern at all: the pattern tries the listed labels first, and
        no other listed label can end at that colon.

        >>> from pipeline.rules import load_rules
        >>> reader = ClauseReader(load_rules().clauses)
        >>> reader.label_marks("牵头单位:区发改局;【责任单位】区财政局、区住建局;配合部门 :各街道")
        [('牵头单位', 0, 5), ('责任单位', 10, 16), ('配合部门', 26, 32)]
        >>> reader.label_marks("牵头单位:区发改局;责任单位:区财政局;配合 部门:各街道")
        [('牵头单位', 0, 5), ('责任单位', 10, 15), ('配合 部门', 20, 26)]
        """
        if not self.rules.han_labels:
            return [(m["label"], m.start(), m.end())
                    for m in self.label_re.finditer(content, 0, label_limit(content))]
        out: list[tuple[str, int, int]] = []
        match, labels, run_back = self.label_re.match, self._labels, _LABEL_RUN.match
        done = 0  # where the last label ended: finditer looks on from there
        # (most clauses open with a listed label and its colon: taken by a plain search, the scan starts after
        # it; a label end before that colon is in no listed label)
        colon = content.find(":", 0, self._label_reach)
        if colon > 0 and (label := content[:colon].rstrip(" \t\u3000")) in labels:
            out.append((label, 0, colon + 1))
            done = colon + 1
        # (every match ends at the latest on a colon after its closing bracket: label_limit would not cut it)
        for end in _LABEL_END.finditer(content, done):
            stop = end.start()
            if stop < done:
                continue
            # back to the start of the run (a label's end ends a run: the one before ended at ``done`` at the
            # latest), matched backwards in one call
            # (it matches, if only the empty run; a clause's first label most often starts right where the
            # search does: a listed label there is all run, told without the backward match)
            # (the run from ``done`` is cut and stripped once: when it is a listed label it is the label too)
            if (label := content[done:stop].rstrip(" \t\u3000")) in labels:
                start = done
            elif (sep := content.rfind(";", done, stop)) >= 0 and (
                    label := content[sep + 1:stop].rstrip(" \t\u3000")) in labels:
                # (the next label of a clause most often follows a ;: a listed label there is all run, the ;
                # no part of it, told by a plain search without the backward match)
                start = sep + 1
            else:
                start = run_back(content, done, stop).start()
                label = content[start:stop].rstrip(" \t\u3000")
            if content[stop] in ":：" and label in labels:
                out.append((label, start, stop + 1))
                done = stop + 1
                continue
            if start > 0 and content[start - 1] in "【[［":
                start -= 1
            for p in range(max(start, done), stop):
                if (m := match(content, p)) is not None:
                    out.append((m["label"], p, m.end()))
                    done = m.end()  # past this run's colon or bracket
                    break
        return out

    def marked_role(self, name: str, marked: regex.Pattern[str]) -> regex.Match[str] | None:
        """``marked.search(name)`` (a role marked on one unit: 区发改局(牵头)), read once per name with the
        rules' own pattern."""
        return self._marks[name] if marked is self.rules.marked_role else marked.search(name)

    def marks(self, marked: regex.Pattern[str]) -> Mapping[str, regex.Match[str] | None]:
        """:meth:`marked_role` with ``marked`` of each name (``marks(marked)[name]``), read once per name with the
        rules' own pattern."""
        return self._marks if marked is self.rules.marked_role else Memo(marked.search)

    def is_post(self, name: str) -> bool:
        """A post named as a leader (分管副省长), read once per name."""
        return self._posts[name]

    def _role_of(self, label: str) -> str | None:
        """``rules.role_of(label)``, read once per label."""
        return self._roles[label]

    def _is_deadline(self, name: str) -> bool:
        """A list member that names a time, not a unit (2024年底前完成, 6月底前, 长期坚持)."""
        return self._deadline[name]

    def _parse_verbs(self, content: str, base: int) -> list[Segment]:
        segs: list[Segment] = []
        for part, s, _ in split_top(content, _PART_SEP):
            p = part.strip()
            lead = len(part) - len(part.lstrip())
            m = self.verb_re.search(p)
            if not m:
                if p:
                    segs.append(Segment("deadline", "", (), p, base + s + lead))
                continue
            units = p[: m.start()]
            units = self.rules.list_tail.sub("", units)
            by = _BY.match(units)  # (由区发改局牵头)
            if by:
                units, lead = units[by.end():], lead + by.end()
            segs.append(Segment(self.verbs[m["verb"]], m["verb"], tuple(self.names(units, base + s + lead)),
                                p, base + s + lead))
        return segs

    def names(self, text: str, base: int, bracketed: bool = True) -> list[tuple[str, int, int]]:
        """Raw names of a unit list (split on separators outside brackets), offsets kept. ``bracketed``:
        False when the caller knows the list holds no bracket (it is not looked for again).

        A rule note in the list ((列第一位者为牵头单位,下同)) is not a name; 及/和/与 join two names
        when both end like a unit (市财政局及市税务局), not inside one (人力资源和社会保障局).
        """
        if bracketed and ("(" in text or "（" in text):  # (a rule note is bracketed: a list without a bracket holds none)
            blanked = self._without_notes(text)
            if blanked is not text:
                return self._names_around_notes(text, blanked, base)
        out: list[tuple[str, int, int]] = []
        # the pieces split_top cuts, each followed by one separator (their offsets follow from their lengths);
        # most lists hold no bracket: every separator cuts, found in C without split_top's offsets
        pieces = [p for p, _, _ in split_top(text, self.separators)] if bracketed and _BRACKET.search(text) \
            else self._cut(text)
        at = base
        # (most lists: no 及/和/与 to look at in any name; asked once of the list, by substring tests in C:
        # a set asked of a name's characters makes a string object of each)
        joined = _conjoins(text)
        for piece in pieces:
            name = piece.strip(_NAME_EDGE)
            if name:
                lead = len(piece) - len(piece.lstrip(_NAME_EDGE)) if len(name) < len(piece) else 0
                if not joined or not _conjoins(name):
                    out.append((name, at + lead, at + lead + len(name)))
                else:
                    out.extend(self._conjoined(name, at + lead))
            at += len(piece) + 1
        return out

    def _names_around_notes(self, text: str, blanked: str, base: int) -> list[tuple[str, int, int]]:
        """:meth:`names` of a list that holds a rule note (``blanked``: the list with its notes blanked out)."""
        out = []
        notes = [(a + base, b + base) for a, b in (m.span() for m in self.rules.rule_notes.finditer(text))]
        for t, s, _ in split_top(blanked, self.separators, base):
            for piece, at in _outside(t, s, notes):
                lead = len(piece) - len(piece.lstrip(_NAME_EDGE))
                name = piece.strip(_NAME_EDGE)
                if name:
                    out.extend(self._conjoined(name, at + lead))
        return out

    def _conjoined(self, name: str, start: int) -> list[tuple[str, int, int]]:
        if not _conjoins(name):
            return [(name, start, start + len(name))]
        for m in _CONJUNCTION.finditer(name):
            left, right = name[:m.start()], name[m.end():]
            if len(left) >= 2 and len(right) >= 2 and left.endswith(self.rules.unit_endings) \
                    and (right.endswith(self.rules.unit_endings) or right.startswith("各")):
                return [(left, start, start + len(left))] + self._conjoined(right, start + m.end())
        return [(name, start, start + len(name))]


@lru_cache(maxsize=4096)
def _fullmatches(pattern: regex.Pattern[str], name: str) -> bool:
    """``pattern.fullmatch(name)``, kept across documents (the notices of one issuer print the same unit names;
    a name is matched once, not once per document)."""
    return pattern.fullmatch(name) is not None


def _conjoins(text: str) -> bool:
    """Does ``text`` hold a character every match of _CONJUNCTION holds (及, 和, 与, a blank, a slash)? (A name
    without one is not looked at.)

    >>> _conjoins("市财政局及市税务局"), _conjoins("区商务局 区投促中心"), _conjoins("区发改局、区财政局")
    (True, True, False)
    """
    return ("及" in text or "和" in text or "与" in text or " " in text or "\u3000" in text or "/" in text
            or "\t" in text or "\xa0" in text or "／" in text)


def _outside(t: str, at: int, notes: list[tuple[int, int]]) -> list[tuple[str, int]]:
    """The pieces of ``t`` (at offset ``at``) outside every note span: a name never spans a blanked note.

    >>> _outside("区发改局      区财政局", 10, [(14, 20)])
    [('区发改局', 10), ('区财政局', 20)]
    """
    pieces, pos, end = [], at, at + len(t)
    for a, b in notes:
        if b <= pos or a >= end:
            continue
        if a > pos:
            pieces.append((t[pos - at:a - at], pos))
        pos = max(pos, b)
    if pos < end:
        pieces.append((t[pos - at:], pos))
    return pieces


#: Every label match ends with one of these (its colon, or the bracket around it), then maybe blanks.
_LABEL_ENDS = ":：】]］"
#: The last of _LABEL_ENDS in a text, looked for from its end.
_LAST_LABEL_END = regex.compile("[" + regex.escape(_LABEL_ENDS) + "]", regex.REVERSE)
_LABEL_END = re.compile("[" + re.escape(_LABEL_ENDS) + "]")
_OPENER_OR_LABEL_END = re.compile("[" + re.escape(OPENERS + _LABEL_ENDS) + "]")
#: The label ends that are no colon (a block holding nothing else of _OPENER_OR_LABEL_END holds no clause).
_CLOSING_LABEL_ENDS = "】]］"
#: The run of characters a label may hold (when rules.han_labels: Han characters and blanks) that ends where
#: the match starts, matched backwards.
_LABEL_RUN = regex.compile(r"[\p{Han} \t\u3000]*", regex.REVERSE)


def _last_label_end(text: str) -> int:
    """Where the last of _LABEL_ENDS stands in ``text`` (-1: none).

    >>> _last_label_end("牵头单位:区发改局;【责任单位】区财政局"), _last_label_end("区发改局")
    (15, -1)
    """
    return m.start() if (m := _LAST_LABEL_END.search(text)) is not None else -1


def label_limit(text: str) -> int:
    """Where the last label of ``text`` can end at the latest: after its last colon or closing 】 and the
    blanks that follow it (0 when it has neither). Matching up to there finds the same labels, without
    trying every later character as the start of one (the label grammar starts with any Han character).

    >>> label_limit("牵头单位:区发改局"), label_limit("【责任单位】 区财政局"), label_limit("区发改局")
    (5, 7, 0)
    """
    last = max(map(text.rfind, _LABEL_ENDS))
    if last < 0:
        return 0
    end = last + 1
    while end < len(text) and text[end] in " \t\u3000":
        end += 1
    return end


def _top_level(text: str) -> list[bool]:
    """For each offset: is it outside every bracket? (one pass)"""
    out, d = [], 0
    for ch in text:
        if ch in CLOSE:
            d = max(0, d - 1)
        out.append(d == 0)
        if ch in OPEN:
            d += 1
    return out
