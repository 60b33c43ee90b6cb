"""Unit names: shape, the document's own vocabulary, aliases, glued lists.

Normalization is certain or it does not happen:

1. an issuer dictionary (``rules/units/<issuer>.toml``) maps a printed alias to its
   canonical name;
2. a short or cut name is completed when exactly one name the document itself
   prints extends it by a scope prefix and/or a unit suffix
   (``科经`` -> ``区科经局``, ``生态环境分`` -> ``区生态环境分局``, ``司法局`` -> ``区司法局``);
3. a glued list (``区财政局区税务局``) is split when it is covered exactly by
   known names, or at a boundary where a unit suffix meets a scope prefix;
4. anything else is kept as printed; a name without the shape of a unit
   (prefix + body + 局/委/办/中心/公司/…) is reported as ``unknown_unit``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache, partial
from typing import NamedTuple

import regex

from .rules.sets import IssuerUnits, UnitRules
from .rules.validate import AnyOf
from .text import PINYIN_RUBY, Memo

_INNER_SPACE = re.compile(r"[ \t\u3000\xa0]+")
_TRAILING_PAREN = re.compile(r"[(（][^()（）]*[)）]$")
#: A name printed without a scope takes the list's scope only up to this length (统计局, 发改委, 国土房管局 is
#: left as printed): a longer name is more often another body (无锡国税局, 苏州海关).
SHARED_SCOPE_MAX_CHARS = 4
#: A glued list (区财政局区税务局) longer than this is not split: the longest name of the fixtures and the
#: real corpus is 26 characters, and splitting cuts one piece per level (a 16,000-character run recursed
#: past Python's limit).
GLUED_MAX_CHARS = 120
#: Characters that name a place level: a name holding one is a place or a body of its own (南沙区政府).
_PLACE = re.compile(r"[省市区县镇乡州旗村]")
#: Sentence marks or long numbers never stand in a unit name.
_NOT_A_NAME = regex.compile(r"[。!?！？]|\d{3,}")


class Name(NamedTuple):
    """A unit name after normalization.

    (A named tuple, not a frozen dataclass: a notice makes one per name it prints, and a frozen dataclass's
    ``__init__`` sets each field through ``object.__setattr__``, several times dearer than making a tuple.)
    """

    name: str  # normalized
    raw: str  # as printed (this piece of it, for a split glued list)
    start: int  # offset of raw in the full text
    end: int  # end offset of raw
    known: bool  # dictionary, document vocabulary or unit shape
    rule: str | None = None  # repair rule id when name != raw (unit_alias, unit_vocabulary, unit_glue_split)
    evidence: str = ""  # why the normalization is certain

    def shifted(self, by: int) -> Name:
        """The same name printed ``by`` characters further on."""
        return Name(self.name, self.raw, self.start + by, self.end + by, self.known, self.rule, self.evidence)


@lru_cache(maxsize=8192)
def clean(raw: str, tail: regex.Pattern[str]) -> str:
    """A printed name without spaces, pinyin and the list tail (``tail``: units.toml ``list_tail``).

    >>> tail = regex.compile(r"等(?:相关|有关)?(?:部门|单位|地区)?$")
    >>> clean("市国土资源局 等部门", tail), clean("区人社局等", tail), clean("市財(cai)政局", tail)
    ('市国土资源局', '区人社局', '市財政局')
    """
    s = PINYIN_RUBY.sub("", _INNER_SPACE.sub("", raw)).strip("。.;；,，:：")
    s2 = tail.sub("", s)
    return s2 or s


def _unit_shape(name: str, suffixes: tuple[str, ...], collective: AnyOf) -> bool:
    """:meth:`UnitBook.shaped` (a pure function of the name and the rules: kept across documents, which print
    the same names, by :func:`_shape_test`).

    >>> _unit_shape("区发改局", ("局",), AnyOf([])), _unit_shape("2024年底前", ("局",), AnyOf([]))
    (True, False)
    """
    # the cheap tests first: a name without a closing bracket has no trailing parenthesis to drop, most
    # names end in a unit suffix (no collective pattern asked), and a name that is no unit is not searched
    core = _TRAILING_PAREN.sub("", name) if ")" in name or "）" in name else name
    if len(core) < 2 or not (core.endswith(suffixes) or collective.fullmatch(core)):
        return False
    return not _NOT_A_NAME.search(core)


@lru_cache(maxsize=16)
def _shape_test(suffixes: tuple[str, ...], collective: AnyOf) -> Callable[[str], bool]:
    """:func:`_unit_shape` under one rule set, each name's answer kept (a few rule sets: one test each).

    A name's answer is kept under the name alone: a cache of ``_unit_shape`` itself hashed the name with
    the rules' 56 suffixes at every call, dearer than most answers it kept.

    >>> test = _shape_test(("局",), AnyOf([])); test("区发改局"), test("2024年底前")
    (True, False)
    """
    return lru_cache(maxsize=8192)(partial(_unit_shape, suffixes=suffixes, collective=collective))


def _scope_of(prefixes: tuple[str, ...], name: str) -> str | None:
    """The scope prefix ``name`` prints (:meth:`UnitBook.scope_of`)."""
    return next((p for p in prefixes if name.startswith(p) and p != "各" and len(name) > len(p) + 1), None)


def _glue_tokens(names: frozenset[str], prefixes: tuple[str, ...]) -> frozenset[str]:
    """``names`` and those of them longer than 3 that print a scope prefix, without its first character.

    >>> sorted(_glue_tokens(frozenset({"区发改局", "区财政局", "区委"}), ("区", "各")))
    ['区发改局', '区委', '区财政局', '发改局', '财政局']
    """
    return names.union([t[1:] for t in names if len(t) > 3 and t.startswith(prefixes)])


@lru_cache(maxsize=16)
def _dictionary_glue_tokens(dictionary: IssuerUnits, prefixes: tuple[str, ...]) -> frozenset[str]:
    """:func:`_glue_tokens` of a dictionary's printed forms (a few rule files: made once each)."""
    return _glue_tokens(frozenset(dictionary.aliases()), prefixes)


class UnitBook:
    """Unit knowledge for one document: generic shape, issuer dictionary, own vocabulary."""

    def __init__(self, rules: UnitRules, dictionary: IssuerUnits | None,
                 printed: Iterable[str] | Mapping[str, int]) -> None:
        """``printed``: the names the document prints, or each with the times it prints it."""
        self.rules = rules
        self.suffixes = rules.suffixes
        self.prefixes = rules.prefixes
        self.collective = rules.collective
        self.alias: dict[str, str] = dictionary.aliases() if dictionary else {}
        self.dictionary_name = dictionary.path if dictionary else ""
        self._shaped: dict[str, bool] = {}
        self._completed: dict[str, tuple[str, str] | None] = {}
        self._splits: dict[str, list[tuple[int, int]] | None] = {}
        self._normalized: dict[str, tuple[list[Name], str | None]] = {}  # raw -> normalize(raw, 0)
        #: scope_of() of each name asked (``scopes[name]``: one lookup in C once known, no Python call)
        self.scopes: Memo[str, str | None] = Memo(partial(_scope_of, self.prefixes))  # (not a bound method: no cycle)
        self._scoped: dict[tuple[str, str], str | None] = {}  # (name, scope) -> with_shared_scope(name, scope)
        #: in_list() of each (raw, scope) asked so far (``listed.get((raw, scope))``: one lookup in C, no Python call;
        #: do not change it). A plain dict: a Memo of a bound method would tie the book in a reference cycle,
        #: freed only by the garbage collector.
        self.listed: dict[tuple[str, str | None], tuple[list[Name], str | None]] = {}
        self._dictionary = dictionary
        self._pool: set[str] | None = None  # the printed and canonical names a short name may complete to
        # each printed form read once (a notice repeats its names); counted in a plain dict, made a Counter once
        # (a Counter's first count of a name calls its __missing__, Python code), shapes asked as shaped() does
        vocab: dict[str, int] = {}
        self._shape = _shape_test(self.suffixes, rules.any_collective)  # (a name's shape under these rules)
        known, tail, shape = self._shaped, rules.list_tail, self._shape
        for p, times in Counter(printed).items():  # (a Counter of counts is a copy made in C)
            name = clean(p, tail)
            if (shaped := known.get(name)) is None:
                shaped = known[name] = shape(name)
            if shaped:
                vocab[name] = vocab.get(name, 0) + times
        self.vocab: Counter[str] = Counter(vocab)
        self._tokens = self._glue_tokens()
        self._scopes_not_each = tuple(p for p in self.prefixes if p != "各")  # where a glued name may be cut
        self._each_place = tuple("各" + p for p in rules.places)  # …and before a collective of places

    # ------------------------------------------------------------- shape

    def shaped(self, name: str) -> bool:
        """True when ``name`` looks like a unit (or a collective of units).

        A trailing parenthesis is ignored (县发改局(粮食局)).
        """
        if (hit := self._shaped.get(name)) is not None:
            return hit
        self._shaped[name] = found = self._shape(name)
        return found

    def known(self, name: str) -> bool:
        return name in self.alias or name in self.vocab or self.shaped(name)

    def has_prefix(self, name: str) -> bool:
        return name.startswith(self.prefixes)

    def suffix_of(self, name: str) -> str | None:
        """The longest unit suffix ``name`` ends with (花湖街办 -> 街办, 统计局 -> 局)."""
        return next((x for x in self.suffixes if name.endswith(x)), None)

    def scope_of(self, name: str) -> str | None:
        """The scope prefix a name prints (市发改委 -> 市), not 各 (a collective)."""
        return self.scopes[name]

    def with_shared_scope(self, name: str, scope: str) -> str | None:
        """``scope + name`` for a short department name printed without a scope after a first name
        that prints one (市发改委、统计局 -> 市统计局); None when the name has a scope, names a place
        or a collective, or is not a department name."""
        key = (name, scope)
        if key in self._scoped:
            return self._scoped[key]
        found = self._scoped[key] = self._with_shared_scope(name, scope)
        return found

    def _with_shared_scope(self, name: str, scope: str) -> str | None:
        if (len(name) > SHARED_SCOPE_MAX_CHARS or self.has_prefix(name) or _PLACE.search(name)
                or self.suffix_of(name) not in self.rules.department_suffixes or not self.shaped(name)):
            return None
        return scope + name

    # ------------------------------------------------------------- completion

    def complete(self, name: str) -> tuple[str, str] | None:
        """The one printed/dictionary name that extends ``name`` by a prefix and/or a suffix."""
        if name not in self._completed:
            self._completed[name] = self._complete(name)
        return self._completed[name]

    def _complete(self, name: str) -> tuple[str, str] | None:
        if self.has_prefix(name) and name in self.vocab:
            return None
        if self._pool is None:  # (the names asked about are completed from one pool: made once)
            self._pool = set(self.vocab) | set(self.alias.values())
        pool = self._pool
        hits = set()
        for cand in pool:
            if cand == name or name not in cand:
                continue
            i = cand.index(name)
            pre, post = cand[:i], cand[i + len(name):]
            if pre not in ("", *self.prefixes) or (post and post not in self.suffixes):
                continue
            if not pre and not post:
                continue
            if not pre and self.shaped(name):
                continue  # 发改局 -> 发改局党组? a shaped name is only completed by a prefix
            hits.add(cand)
        if len(hits) != 1:
            return None
        (full,) = hits
        if full in self.vocab:
            return full, f"the document prints {full} {self.vocab[full]}× and no other name extends {name!r}"
        return full, f"{self.dictionary_name}: {full} is the only unit that extends {name!r}"

    # ------------------------------------------------------------- glue

    def _glue_tokens(self) -> frozenset[str]:
        """Names a glued list may be cut into: printed, dictionary, and printed without their scope prefix
        (the dictionary's made once per dictionary, not per document)."""
        printed = _glue_tokens(frozenset(self.vocab), self.prefixes)
        return printed | _dictionary_glue_tokens(self._dictionary, self.prefixes) if self._dictionary else printed

    def split_glued(self, name: str) -> list[tuple[int, int]] | None:
        """Boundaries ``[(start, end), …]`` of a glued list, or None when it is one name."""
        if len(name) > GLUED_MAX_CHARS:
            return None
        if name not in self._splits:
            self._splits[name] = self._split_glued(name)
        return self._splits[name]

    def _split_glued(self, name: str) -> list[tuple[int, int]] | None:
        if name in self.alias:
            return None
        toks = self._tokens  # (the whole name is no piece of itself: left out below, not copied out of the set)
        n = len(name)
        best: list[tuple[int, int] | None] = [None] * (n + 1)  # (count, ways) covering name[:i]
        best[0] = (0, 1)
        back: list[int] = [-1] * (n + 1)
        # only the places a run of pieces reaches can start the next piece: those are tried, in order (most
        # names reach none but 0: a few lookups per end instead of every earlier place)
        reached = [0]
        for i in range(1, n + 1):
            for j in reached:
                prev = best[j]  # (never None: j was reached)
                if prev is None or j < i - 20 or name[j:i] not in toks or (j == 0 and i == n):
                    continue
                cand = (prev[0] + 1, prev[1])
                here = best[i]
                if here is None or cand[0] < here[0]:
                    best[i], back[i] = cand, j
                elif cand[0] == here[0]:
                    best[i] = (here[0], here[1] + cand[1])
            if best[i] is not None:
                reached.append(i)
        whole = best[n]
        if whole is not None and whole[0] >= 2 and whole[1] == 1:
            cuts, i = [], n
            while i > 0:
                cuts.append((back[i], i))
                i = back[i]
            return cuts[::-1]
        # a unit suffix meets a scope prefix: 区财政局|区税务局. Not before 各 but for a collective of places
        # (区大数据中心|各街道办事处): 区政府各相关部门 is one collective (the district government's departments).
        scopes, strong, places = self._scopes_not_each, self.rules.strong_suffixes, self._each_place
        for i in range(2, n - 1):
            # tested in place before slicing: two slices at every cut made a long name quadratic
            if not (name.endswith(strong, 0, i) and (name.startswith(scopes, i) or name.startswith(places, i))):
                continue
            left, right = name[:i], name[i:]
            if self.shaped(left) and self.shaped(right) and len(right) >= 3:
                rest = self.split_glued(right) or [(0, len(right))]
                return [(0, i)] + [(i + a, i + b) for a, b in rest]
        return None

    # ------------------------------------------------------------- normalize

    def normalize(self, raw: str, start: int) -> tuple[list[Name], str | None]:
        """One printed name (offset ``start`` in the full text) -> normalized names.

        ``Name.raw`` and its span are the printed characters (a list's 等部门 tail left out); the
        second value is the evidence when the printed name was a glued list split in pieces.
        A name is read once per document (a notice prints its units many times): later copies are
        the first one moved to their own place.
        """
        names, why = self.normalized(raw)
        return [n.shifted(start) for n in names], why

    def normalized(self, raw: str) -> tuple[list[Name], str | None]:
        """:meth:`normalize` of ``raw`` printed at offset 0, read once per document (do not change the list)."""
        if (hit := self._normalized.get(raw)) is None:
            hit = self._normalized[raw] = self._normalize(raw)
        return hit

    def in_list(self, raw: str, scope: str | None) -> tuple[list[Name], str | None]:
        """:meth:`normalized` of ``raw`` printed in a unit list whose first name prints ``scope`` (None: it prints
        none, or ``raw`` is that first name): a short department name printed without a scope takes the
        list's (市发改委、统计局 -> 市统计局, see :meth:`with_shared_scope`). Read once per document (do not
        change the list).
        """
        key = (raw, scope)
        if (hit := self.listed.get(key)) is None:
            names, why = self.normalized(raw)
            hit = self.listed[key] = ([self._scoped_name(n, scope) for n in names] if scope else names), why
        return hit

    def _scoped_name(self, n: Name, scope: str) -> Name:
        # (most names are longer than a short department name or print a scope: told without the memo)
        name = n.name
        if n.rule is None and len(name) <= SHARED_SCOPE_MAX_CHARS and not name.startswith(self.prefixes) \
                and (scoped := self.with_shared_scope(name, scope)) is not None:
            return Name(scoped, n.raw, n.start, n.end, True, "unit_shared_prefix",
                        f"the list's first name prints the scope {scope}; {n.raw} prints none")
        return n

    def _normalize(self, raw: str, start: int = 0) -> tuple[list[Name], str | None]:
        name = clean(raw, self.rules.list_tail)
        if name == raw and "\n" not in raw:
            # (most names: printed clean, no blank, edge mark or list tail; clean() found them so: the printed
            # characters are all of the name, told without the tail pattern again)
            core, at = raw, start
        else:
            core = raw.strip(" \t\u3000\n。.;；,，:：")
            core = self.rules.list_tail.sub("", core).rstrip(" \t\u3000") or core
            at = start + raw.find(core)
        if core == name and (cuts := self.split_glued(name)) is not None:
            pieces = [self._one(name[a:b], at + a, name[a:b]) for a, b in cuts]
            why = (f"{name!r} is {len(cuts)} unit names printed without a separator "
                   "(covered exactly by names the document prints, or split where a unit suffix meets a scope prefix)")
            return pieces, why
        return [self._one(name, at, core)], None

    def _one(self, name: str, start: int, raw: str) -> Name:
        """``name`` (cleaned) printed as ``raw`` at ``start``."""
        end = start + len(raw)
        if name in self.alias:
            canon = self.alias[name]
            if canon != name:
                return Name(canon, raw, start, end, True, "unit_alias", f"{self.dictionary_name}: {name} = {canon}")
            return Name(name, raw, start, end, True)
        if name in self.vocab and name.startswith(self.prefixes):
            return Name(name, raw, start, end, True)  # (most names) printed with a scope: nothing completes it
        if (done := self.complete(name)) is not None:
            full, why = done
            return Name(full, raw, start, end, True, "unit_vocabulary", why)
        return Name(name, raw, start, end, self.known(name))
