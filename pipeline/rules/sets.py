"""The typed, frozen rule sets: one per rule file, plus the few compiled from several files.

Each rule file's keys and shapes are declared in :data:`SPECS`; ``build_<file>`` turns the
validated content into its rule set, checking what the shapes cannot (a column kind, a
qualifier category) and compiling what the stages match with. Everything is built once,
when the rules load; a stage receives the rule set it needs and never reads a file.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, TypeVar

import regex

from ..errors import RulesError
from ..text import compact, spaced
from .validate import AnyOf

K = TypeVar("K")
V = TypeVar("V")


class FrozenMap(Mapping[K, V]):
    """An immutable, hashable, picklable mapping (rule tables are never changed after loading).

    >>> m = FrozenMap({"牵头单位": "lead"}); m["牵头单位"], len(m), dict(m)
    ('lead', 1, {'牵头单位': 'lead'})
    """

    __slots__ = ("_d", "_h")

    def __init__(self, data: Mapping[K, V] | None = None) -> None:
        self._d: dict[K, V] = dict(data or {})
        self._h: int | None = None

    def __getitem__(self, key: K) -> V:
        return self._d[key]

    def get(self, key: K, default: Any = None) -> Any:
        """``self[key]``, else ``default`` (one dictionary lookup: rule tables are read in the hot loops)."""
        return self._d.get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self._d

    def __iter__(self) -> Iterator[K]:
        return iter(self._d)

    def __len__(self) -> int:
        return len(self._d)

    def __hash__(self) -> int:
        if self._h is None:
            self._h = hash(tuple(self._d.items()))
        return self._h

    def __repr__(self) -> str:
        return f"FrozenMap({self._d!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenMap, (self._d,))


def longest_first(words: Any) -> tuple[str, ...]:
    """Words sorted longest first (ties alphabetical), duplicates dropped.

    >>> longest_first(["牵头", "牵头单位", "责任单位"])
    ('牵头单位', '责任单位', '牵头')
    """
    return tuple(sorted(set(words), key=lambda w: (-len(w), w)))


def alternation(words: Any) -> str:
    """A regex alternation of literal words, longest first."""
    return "|".join(regex.escape(w) for w in longest_first(words))


# --------------------------------------------------------------------------
# Declared keys of every rule file: name -> {key: shape}; "?" marks an optional key
# --------------------------------------------------------------------------

SPECS: dict[str, dict[str, str]] = {
    "roles": {
        "labels": "map[str]", "label_words": "map[list[str]]", "verbs": "map[str]", "acting_lead_rule": "regex",
        "first_lead_rule": "regex", "separators": "str", "posts": "regex", "leader_heading": "regex",
        "rule_notes": "regex",
    },
    "outline": {"section": "regex", "subsection": "regex", "item": "list[regex]", "bullet": "regex",
                "stop_headings": "list[str]", "notice_words": "list[str]"},
    "metadata": {"doc_number": "regex", "date": "regex", "title": "regex", "issuer": "regex",
                 "addressee_line": "regex", "chrome_lines": "list[regex]", "closing_lines": "list[regex]"},
    "repairs": {"garbled_doc_number": "regex", "doc_number_without_hao": "regex", "garbled_date": "regex",
                "missing_ordinal": "regex", "quote_pairs": "map[str]"},
    "units": {"suffixes": "list[str]", "strong_suffixes": "list[str]", "department_suffixes": "list[str]",
              "prefixes": "list[str]", "places": "list[str]",
              "collective": "list[regex]", "bare_prefix": "str", "list_tail": "regex"},
    "targets": {
        "kinds": "map[str]", "units": "map[table]", "magnitudes": "map[float]", "qualifiers_before": "map[str]",
        "qualifiers_after": "map[str]", "aspirational": "list[str]", "firm": "list[str]",
        "not_aspirational": "list[regex]", "growth_words": "list[str]", "decline_words": "list[str]",
        "links": "list[str]", "leading": "list[str]", "not_targets": "list[regex]", "articles": "list[str]",
    },
    "deadlines": {"labels": "list[str]", "patterns": "list[regex]", "ongoing": "list[regex]",
                  "month_parts": "map[int]", "halves": "map[str]"},
    "indicators": {"indicators": "map[list[str]]", "polarity": "map[list[str]]", "polarity_words": "map[list[str]]"},
    "unit_renames": {"renames": "map[str]", "catch_alls": "map[list[str]]"},
    "compare": {"stop_tokens": "list[str]"},
    "tables": {"headers": "map[list[str]]"},
    "texttables": {"unit_suffixes": "list[str]", "cell_unit_endings": "list[str]", "page_numbers": "list[regex]",
                   "clause_ends": "str", "closing_brackets": "str", "surnames": "str", "compound_surnames": "list[str]"},
    "html": {"body_containers": "list[str]", "chrome_tags": "list[str]", "chrome_names": "regex",
             "title_classes": "list[str]", "info_labels": "list[str]", "meta_fields": "map[str]"},
}

#: Issuer unit dictionaries in rules/units/*.toml (one file per issuer).
ISSUER_SPEC: dict[str, str] = {"issuers": "list[str]", "doc_number_prefixes?": "list[str]", "units": "map[list[str]]"}

#: Roles a label or verb may name.
ROLES = ("lead", "responsible", "cooperating", "leader")
#: Column kinds of a task table that are not roles.
COLUMN_KINDS = ("seq", "task", "deadline", "note", "category", "progress")


def _check_roles(path: str, key: str, table: Mapping[str, str], allowed: tuple[str, ...] = ROLES) -> None:
    for word, role in table.items():
        if role not in allowed:
            raise RulesError(path, f"{key}.{word}", f"unknown role {role!r} (allowed: {', '.join(allowed)})")


# --------------------------------------------------------------------------
# One rule set per file
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class RoleRules:
    """rules/roles.toml: role labels and verbs, the notice's own acting-lead rules."""

    labels: FrozenMap[str, str]  # printed label (牵头单位) -> role
    label_words: FrozenMap[str, tuple[str, ...]]  # role -> words that make a label name it; unit/leader nouns
    verbs: FrozenMap[str, str]  # verb closing a unit list ((市国土局牵头)) -> role
    acting_lead_rule: regex.Pattern[str]  # 无牵头单位的,责任单位即为牵头单位
    first_lead_rule: regex.Pattern[str]  # 排在第一位的为牵头单位
    separators: str  # characters separating unit names in a list
    posts: regex.Pattern[str]  # 分管副省长: a post named as a leader
    leader_heading: regex.Pattern[str]  # 王纲市长主抓重点工作: named groups person, post
    rule_notes: regex.Pattern[str]  # (列第一位者为牵头单位,下同): a rule, not a unit

    def role_of_words(self, word: str) -> str | None:
        """The role a label not listed names, read from its words (``[label_words]``): one ending in a leader
        noun names people when it holds a leader word; one ending in a unit noun names the first role (lead,
        cooperating, responsible) one of whose words it holds. ``word`` has no spaces.

        >>> from pipeline.rules import load_rules
        >>> r = load_rules().roles
        >>> [r.role_of_words(x) for x in ("落实单位", "主要责任单位", "协作部门", "牵头市领导", "组织领导", "各部门")]
        ['responsible', 'responsible', 'cooperating', 'leader', None, None]
        """
        words = self.label_words
        if word.endswith(tuple(words["leader_nouns"])):
            return "leader" if any(w in word for w in words["leader"]) else None
        if word.endswith(tuple(words["unit_nouns"])):
            for role in ROLES_TRIED:
                if any(w in word for w in words[role]):
                    return role
        return None

    @cached_property
    def all_labels(self) -> FrozenMap[str, str]:
        """Every label the role vocabulary names in full: the listed ``[labels]``, then each made of one word
        and one noun of ``[label_words]`` (落实 + 单位, 协作 + 部门, 包保 + 领导) and each leader noun that holds
        a leader word (责任人), with the role :meth:`role_of_words` reads in it. A table header or a wrapped
        line is told by these, so they know every label an inline clause is read with, not only the listed ones.

        >>> from pipeline.rules import load_rules
        >>> labels = load_rules().roles.all_labels
        >>> [labels.get(x) for x in ("牵头单位", "落实单位", "责任主体", "协作部门", "包保领导", "责任人", "单位")]
        ['lead', 'responsible', 'responsible', 'cooperating', 'leader', 'leader', None]
        """
        words = self.label_words
        made = [w + n for r in ROLES_TRIED for w in words[r] for n in words["unit_nouns"]]
        made += [w + n for w in words["leader"] for n in words["leader_nouns"]]
        made += list(words["leader_nouns"])
        out = dict(self.labels)
        for label in made:
            role = self.role_of_words(label)
            if role is not None:
                out.setdefault(label, role)
        return FrozenMap(out)

    @cached_property
    def leader_heading_reversed(self) -> regex.Pattern[str] | None:
        """``leader_heading`` read from the right (``regex.REVERSE``): it matches the same stretches of text,
        so it finds one exactly where ``leader_heading`` does; it only picks another among them. It tells a
        heading that names no leader faster: read from the right, the pattern's last word (主抓, 牵头 …)
        turns most places away at their first character, where read from the left the person's name is
        tried at every Han character.

        >>> from pipeline.rules import load_rules
        >>> r = load_rules().roles
        >>> [r.leader_heading_reversed.search(t) is not None for t in ("王纲市长主抓重点工作", "打造临空经济桥头堡")]
        [True, False]

        None when the pattern holds an atomic group or a possessive quantifier, whose matches depend on the
        direction they are read in (then every heading is searched from the left):

        >>> from dataclasses import replace
        >>> replace(r, leader_heading=regex.compile(r"\\p{Han}++主抓")).leader_heading_reversed is None
        True
        """
        if _DIRECTIONAL.search(self.leader_heading.pattern):
            return None
        return regex.compile(self.leader_heading.pattern, self.leader_heading.flags | regex.REVERSE)


#: An atomic group or a possessive quantifier (a false alarm, such as an escaped +, only costs speed).
_DIRECTIONAL = regex.compile(r"\(\?>|[*+?}]\+")

#: How a name a role is marked on ends (ClauseRules.marked_role: its closing bracket, at the end or before a
#: final newline): a name ending otherwise is not searched.
MARKED_ROLE_ENDS = (")", "）", ")\n", "）\n")

#: Keys of [label_words] besides the roles.
LABEL_NOUNS = ("leader", "unit_nouns", "leader_nouns")
#: The roles a label ending in a unit noun is read as, in the order its words are tried (牵头责任单位: lead).
ROLES_TRIED = ("lead", "cooperating", "responsible")


def build_roles(path: str, d: Mapping[str, Any]) -> RoleRules:
    _check_roles(path, "labels", d["labels"])
    _check_roles(path, "verbs", d["verbs"])
    for key in d["label_words"]:
        if key not in ROLES_TRIED + LABEL_NOUNS:
            raise RulesError(path, f"label_words.{key}",
                             f"unknown key (allowed: lead, cooperating, responsible, {', '.join(LABEL_NOUNS)})")
    for key in ROLES_TRIED + LABEL_NOUNS:
        if not d["label_words"].get(key):
            raise RulesError(path, f"label_words.{key}", "missing or empty")
    _needs_groups(path, "leader_heading", d["leader_heading"], ("person", "post"))
    return RoleRules(FrozenMap(d["labels"]), FrozenMap(d["label_words"]), FrozenMap(d["verbs"]),
                     d["acting_lead_rule"], d["first_lead_rule"], d["separators"], d["posts"],
                     d["leader_heading"], d["rule_notes"])


@dataclass(frozen=True)
class OutlineRules:
    """rules/outline.toml: numbering of sections, subsections, items and bullets; closing headings."""

    section: regex.Pattern[str]
    subsection: regex.Pattern[str]
    item: tuple[regex.Pattern[str], ...]  # 1. before (1) before 1) before ①: the order is the nesting depth
    bullet: regex.Pattern[str]
    stop_headings: tuple[str, ...]  # a heading titled so ends the task list
    notice_words: tuple[str, ...]  # words by which a notice calls itself a breakdown (分解, 分工 …)

    @cached_property
    def numbering(self) -> tuple[AnyOf, tuple[tuple[str, int], ...]]:
        """Every numbering pattern in the order they are tried (deeper levels first: 1. is an item, 一、 a
        section), asked together, with the level and item depth each stands for."""
        tried = [("subsection", 0, self.subsection), *(("item", k, p) for k, p in enumerate(self.item)),
                 ("bullet", 0, self.bullet), ("section", 0, self.section)]
        return AnyOf([p for _, _, p in tried]), tuple((level, depth) for level, depth, _ in tried)


def build_outline(path: str, d: Mapping[str, Any]) -> OutlineRules:
    for key in ("section", "subsection", "bullet"):
        _needs_groups(path, key, d[key])
    for i, p in enumerate(d["item"]):
        _needs_groups(path, f"item[{i}]", p)
    return OutlineRules(d["section"], d["subsection"], d["item"], d["bullet"], d["stop_headings"],
                        d["notice_words"])


def _needs_groups(path: str, key: str, p: regex.Pattern[str], groups: tuple[str, ...] = ("label", "body")) -> None:
    missing = [g for g in groups if g not in p.groupindex]
    if missing:
        raise RulesError(path, key, f"the pattern needs the named group(s) {', '.join(missing)}")


@dataclass(frozen=True)
class MetadataRules:
    """rules/metadata.toml: 文号, date, title, issuer and addressee shapes; chrome lines of captures."""

    doc_number: regex.Pattern[str]
    date: regex.Pattern[str]
    title: regex.Pattern[str]
    issuer: regex.Pattern[str]
    addressee_line: regex.Pattern[str]
    chrome_lines: tuple[regex.Pattern[str], ...]
    closing_lines: tuple[regex.Pattern[str], ...]  # an imprint or signature line after the last task

    def closes_a_notice(self, line: str) -> bool:
        """A signature, a date line or an imprint: the end of a notice, not a cut task."""
        s = line.strip()
        return (len(s) <= 40 and (bool(self.date.search(s)) or bool(self.issuer.fullmatch(s)))
                or any(p.match(s) for p in self.closing_lines))


def build_metadata(path: str, d: Mapping[str, Any]) -> MetadataRules:
    _needs_groups(path, "doc_number", d["doc_number"], ("prefix", "year", "num"))
    _needs_groups(path, "date", d["date"], ("year", "month", "day"))
    return MetadataRules(d["doc_number"], d["date"], d["title"], d["issuer"], d["addressee_line"], d["chrome_lines"],
                         d["closing_lines"])


@dataclass(frozen=True)
class RepairRules:
    """rules/repairs.toml: garbled shapes that can be repaired, and shapes only reported."""

    garbled_doc_number: regex.Pattern[str]
    doc_number_without_hao: regex.Pattern[str]
    garbled_date: regex.Pattern[str]
    missing_ordinal: regex.Pattern[str]
    quote_pairs: FrozenMap[str, str]  # opening -> closing


def build_repairs(path: str, d: Mapping[str, Any]) -> RepairRules:
    return RepairRules(d["garbled_doc_number"], d["doc_number_without_hao"], d["garbled_date"],
                       d["missing_ordinal"], FrozenMap(d["quote_pairs"]))


@dataclass(frozen=True)
class UnitRules:
    """rules/units.toml: the generic shape of a unit name."""

    suffixes: tuple[str, ...]  # longest first
    strong_suffixes: tuple[str, ...]  # end a name strongly enough to split a glued list after them
    department_suffixes: tuple[str, ...]  # a government's own departments (they share its scope prefix)
    prefixes: tuple[str, ...]  # scope prefixes (省/市/区/县 …)
    places: tuple[str, ...]  # what a collective 各 + place counts (街道, 乡镇): a glued list is split before it
    collective: tuple[regex.Pattern[str], ...]  # 各街办, 区直各部门 …
    bare_prefix: str  # the scope most names of a district notice carry
    list_tail: regex.Pattern[str]  # 等 / 等部门 / 等相关单位 closing a list

    @cached_property
    def any_collective(self) -> AnyOf:
        """The collective patterns asked together."""
        return AnyOf(self.collective)


def build_units(path: str, d: Mapping[str, Any]) -> UnitRules:
    return UnitRules(longest_first(d["suffixes"]), longest_first(d["strong_suffixes"]),
                     longest_first(d["department_suffixes"]), tuple(d["prefixes"]), tuple(d["places"]),
                     d["collective"], d["bare_prefix"], d["list_tail"])


@dataclass(frozen=True)
class DeadlineRules:
    """rules/deadlines.toml: deadline labels, date phrases, ongoing work."""

    labels: tuple[str, ...]
    patterns: tuple[regex.Pattern[str], ...]
    ongoing: tuple[regex.Pattern[str], ...]
    month_parts: FrozenMap[str, int]  # 上旬 -> 10: the day a part of a month ends on
    halves: FrozenMap[str, str]  # 上半年 -> "06-30": the month-day a half year ends on


def build_deadlines(path: str, d: Mapping[str, Any]) -> DeadlineRules:
    for word, day in d["month_parts"].items():
        if not 1 <= day <= 31:
            raise RulesError(path, f"month_parts.{word}", "expected a day of the month (1-31)")
    for word, md in d["halves"].items():
        if not regex.fullmatch(r"(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])", md):
            raise RulesError(path, f"halves.{word}", "expected MM-DD")
    return DeadlineRules(d["labels"], d["patterns"], d["ongoing"], FrozenMap(d["month_parts"]),
                         FrozenMap(d["halves"]))


#: Which way a metric is better (rules/indicators.toml [polarity] and [polarity_words] keys).
POLARITIES = ("higher", "lower", "neutral")


@dataclass(frozen=True)
class IndicatorRules:
    """rules/indicators.toml: canonical indicators, the wordings that name them, and which way is better."""

    indicators: FrozenMap[str, tuple[str, ...]]
    polarity: FrozenMap[str, str]  # canonical indicator -> higher | lower | neutral
    polarity_words: tuple[tuple[str, str], ...]  # (word, polarity) longest first, for other metrics


def _polarities(path: str, table: str, d: Mapping[str, Any], known: Mapping[str, Any] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for pol, names in d.items():
        if pol not in POLARITIES:
            raise RulesError(path, f"{table}.{pol}", f"unknown polarity (allowed: {', '.join(POLARITIES)})")
        for i, name in enumerate(names):
            if known is not None and name not in known:
                raise RulesError(path, f"{table}.{pol}[{i}]", f"{name!r} is not a canonical indicator")
            if name in out:
                raise RulesError(path, f"{table}.{pol}[{i}]", f"{name!r} is also under {table}.{out[name]}")
            out[name] = pol
    return out


def build_indicators(path: str, d: Mapping[str, Any]) -> IndicatorRules:
    polarity = _polarities(path, "polarity", d["polarity"], d["indicators"])
    words = _polarities(path, "polarity_words", d["polarity_words"], None)
    return IndicatorRules(FrozenMap(d["indicators"]), FrozenMap(polarity),
                          tuple(sorted(words.items(), key=lambda p: (-len(p[0]), p[0]))))


@dataclass(frozen=True)
class RenameRules:
    """rules/unit_renames.toml: unit names renamed between years (old -> new), catch-all names grouped."""

    renames: FrozenMap[str, str]
    catch_alls: FrozenMap[str, str]  # catch-all name (without scope prefix) -> group label


def build_unit_renames(path: str, d: Mapping[str, Any]) -> RenameRules:
    catch: dict[str, str] = {}
    for label, names in d["catch_alls"].items():
        for i, name in enumerate(names):
            if name in catch:
                raise RulesError(path, f"catch_alls.{label}[{i}]", f"{name!r} is also in group {catch[name]!r}")
            if name in d["renames"]:
                raise RulesError(path, f"catch_alls.{label}[{i}]", f"{name!r} is also a rename key")
            catch[name] = label
    return RenameRules(FrozenMap(d["renames"]), FrozenMap(catch))


@dataclass(frozen=True)
class CompareWordRules:
    """rules/compare.toml: words the comparison's text similarity ignores."""

    stop_tokens: frozenset[str]


def build_compare(path: str, d: Mapping[str, Any]) -> CompareWordRules:
    return CompareWordRules(frozenset(d["stop_tokens"]))


@dataclass(frozen=True)
class TableHeaderRules:
    """rules/tables.toml: header words of task tables (non-role columns)."""

    headers: FrozenMap[str, tuple[str, ...]]  # column kind -> header words


def build_tables(path: str, d: Mapping[str, Any]) -> TableHeaderRules:
    for kind in d["headers"]:
        if kind not in COLUMN_KINDS:
            raise RulesError(path, f"headers.{kind}",
                             f"unknown column kind (allowed: {', '.join(COLUMN_KINDS)}; roles come from roles.toml)")
    return TableHeaderRules(FrozenMap(d["headers"]))


@dataclass(frozen=True)
class TextTableRules:
    """rules/texttables.toml: what closes a cell of a flattened table, page furniture of PDF text."""

    unit_suffixes: tuple[str, ...]  # longest first
    cell_unit_endings: tuple[str, ...]  # more endings of a name in a column known to hold units, longest first
    page_numbers: tuple[regex.Pattern[str], ...]
    clause_ends: str
    closing_brackets: str
    surnames: frozenset[str]  # one-character surnames (a person glued before a unit name)
    compound_surnames: frozenset[str]  # 欧阳, 司马 …


def build_texttables(path: str, d: Mapping[str, Any]) -> TextTableRules:
    names = "".join(d["surnames"].split())
    if len(set(names)) != len(names):
        raise RulesError(path, "surnames", "a surname is listed twice")
    for word in d["compound_surnames"]:
        if len(word) != 2:
            raise RulesError(path, f"compound_surnames.{word}", "expected two characters")
    return TextTableRules(longest_first(d["unit_suffixes"]), longest_first(d["cell_unit_endings"]),
                          d["page_numbers"], d["clause_ends"], d["closing_brackets"], frozenset(names),
                          frozenset(d["compound_surnames"]))


@dataclass(frozen=True)
class HtmlRules:
    """rules/html.toml: CMS article containers, page chrome, headline classes, info-table labels."""

    body_containers: tuple[tuple[tuple[str, str], ...], ...]  # levels of (attribute, token), best first
    chrome_tags: frozenset[str]
    chrome_names: regex.Pattern[str]  # class or id of page chrome
    title_classes: frozenset[str]
    info_labels: tuple[str, ...]  # longest first
    meta_fields: FrozenMap[str, str]  # <meta name> (lower case) -> PageMeta field
    info_label: regex.Pattern[str]  # an info label at the start of a text, with its colon
    container_level: FrozenMap[tuple[str, str], int]  # (attribute, token) -> level in body_containers

    @cached_property
    def container_tables(self) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
        """``container_level`` split by attribute: tag -> level, id -> level, class -> level."""
        tables: dict[str, dict[str, int]] = {"tag": {}, "id": {}, "class": {}}
        for (how, name), level in self.container_level.items():
            tables[how][name] = level
        return tables["tag"], tables["id"], tables["class"]

    def is_chrome_name(self, names: str) -> bool:
        """True when a class/id string names page chrome."""
        return bool(self.chrome_names.search(names))


def build_html(path: str, d: Mapping[str, Any]) -> HtmlRules:
    levels = []
    for i, line in enumerate(d["body_containers"]):
        level = []
        for token in line.split():
            how, sep, name = token.partition(":")
            if not sep or how not in ("tag", "id", "class") or not name:
                raise RulesError(path, f"body_containers[{i}]", f"{token!r} is not tag:NAME, id:NAME or class:NAME")
            level.append((how, name.lower()))
        levels.append(tuple(level))
    fields = ("title", "published", "source", "site")
    for name, target in d["meta_fields"].items():
        if target not in fields:
            raise RulesError(path, f"meta_fields.{name}", f"unknown field {target!r} (allowed: {', '.join(fields)})")
    labels = longest_first(d["info_labels"])
    alt = "|".join(r"\s*".join(regex.escape(ch) for ch in label) for label in labels)
    return HtmlRules(tuple(levels), frozenset(t.lower() for t in d["chrome_tags"]), d["chrome_names"],
                     frozenset(d["title_classes"]), labels,
                     FrozenMap({k.lower(): v for k, v in d["meta_fields"].items()}),
                     regex.compile(rf"(?P<label>{alt})\s*[:：]\s*"),
                     FrozenMap({key: i for i, level in enumerate(levels) for key in level}))


@dataclass(frozen=True)
class IssuerUnits:
    """rules/units/<name>.toml: one issuer's units, canonical names and printed aliases."""

    name: str  # the file's stem, e.g. "huangshigang"
    path: str  # the file, for evidence strings
    issuers: tuple[str, ...]  # issuer names that select this dictionary
    doc_number_prefixes: tuple[str, ...]  # …or 文号 prefixes (港政)
    units: FrozenMap[str, tuple[str, ...]]  # canonical -> aliases

    def aliases(self) -> dict[str, str]:
        """Printed form -> canonical name (a canonical name maps to itself): made once per dictionary, not
        per document (do not change it)."""
        return self._aliases

    @cached_property
    def _aliases(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for canon, aliases in self.units.items():
            out[canon] = canon
            for a in aliases:
                out[a] = canon
        return out


def build_issuer(name: str, path: str, d: Mapping[str, Any]) -> IssuerUnits:
    return IssuerUnits(name, path, d["issuers"], d.get("doc_number_prefixes", ()), FrozenMap(d["units"]))


# --------------------------------------------------------------------------
# Rule sets compiled from several files
# --------------------------------------------------------------------------


class _ListPatterns:
    """The deadline and collective patterns of a rule set asked together (one call of the regex engine)."""

    deadlines: tuple[regex.Pattern[str], ...]
    collective: tuple[regex.Pattern[str], ...]

    @cached_property
    def any_deadline(self) -> AnyOf:
        """The deadline patterns asked together."""
        return AnyOf(self.deadlines)

    @cached_property
    def any_collective(self) -> AnyOf:
        """The collective patterns asked together."""
        return AnyOf(self.collective)


@dataclass(frozen=True)
class ClauseRules(_ListPatterns):
    """Where assignment clauses stand and what their words mean (roles.toml + deadlines.toml labels)."""

    labels: FrozenMap[str, str]  # label (spaces removed) -> role, or "deadline"
    roles: RoleRules  # reads a label not listed from its words (RoleRules.role_of_words)
    verbs: FrozenMap[str, str]
    separators: str
    label_re: regex.Pattern[str]  # a label and its colon, or a label in 【】
    verb_re: regex.Pattern[str]  # a role verb at the end of a unit list
    marked_role: regex.Pattern[str]  # a role marked on one unit: 区发改局(牵头)
    posts: regex.Pattern[str]  # a post named as a leader (分管副省长)
    rule_notes: regex.Pattern[str]  # a bracketed rule after a list, not a unit
    deadlines: tuple[regex.Pattern[str], ...]  # deadlines.toml patterns and ongoing phrases
    unit_endings: tuple[str, ...]  # endings that make a list member a unit whatever it starts with
    collective: tuple[regex.Pattern[str], ...]  # collective names (各街道, 区直各部门)
    list_tail: regex.Pattern[str]  # 等 / 等部门 / 等相关单位 closing a unit list (units.toml)
    label_backwards: regex.Pattern[str] | None  # label_re matched from right to left (has_label), or None
    han_labels: bool  # between its bracket and its colon (or closing bracket) a label holds only Han and blanks
    #: where label_re / line_re can match at all, asked first (a failing label_re.match costs thousands of
    #: instructions, these a few hundred): the run of Han characters and blanks a label makes, up to its colon
    #: or closing bracket (when han_labels; else they match wherever the full patterns may)
    label_start: regex.Pattern[str]
    line_start: regex.Pattern[str]

    # The label pattern is long (about 0.1 s to compile on the shipped rules): the two patterns made of it
    # are compiled only when asked. A role line is read by ``label_re`` after its lead, line_re only where
    # that could differ; ``trigger`` is the specification of ClauseReader.next_trigger, asked by its test.

    @cached_property
    def line_re(self) -> regex.Pattern[str]:
        """A block opening with a label (a role line): a lead of blanks or a bullet, then a label."""
        return regex.compile(rf"{_LINE_LEAD}{self.label_re.pattern}")

    @cached_property
    def trigger(self) -> regex.Pattern[str]:
        """Where a clause may start: an opening bracket, or a label at the start or after BEFORE_INLINE."""
        return regex.compile(
            rf"[{regex.escape(OPENERS)}]|(?:(?<=[{regex.escape(BEFORE_INLINE)}])|\A)(?={self.label_re.pattern})")

    @cached_property
    def _lead_then_label(self) -> bool:
        """May :meth:`role_line` read the lead whole, then ``label_re``? When every label opens with a Han
        character or a bracket (``han_labels``) and none is empty, no label starts inside a lead of blanks
        or a bullet: line_re's lead, taken whole, gives the same match."""
        return self.han_labels and not any(self.label_re.fullmatch(t) for t in (":", "：", "【】", "[]", "［］"))

    def role_line(self, text: str) -> regex.Match[str] | None:
        """``line_re.match(text)``, without compiling line_re where the lead and ``label_re`` tell the same.

        >>> from pipeline.rules import load_rules
        >>> c = load_rules().clauses
        >>> [(m.start("label"), m.end()) if (m := c.role_line(t)) else None for t in ("  — 牵头单位:区发改局", "推进工作")]
        [(4, 9), None]
        """
        if self._lead_then_label:
            lead = _LINE_LEAD_WHOLE.match(text)
            assert lead is not None  # (it matches the empty string)
            return self.label_re.match(text, lead.end())
        return self.line_re.match(text)

    def has_label(self, text: str) -> bool:
        """Does a label stand anywhere in ``text``? (``label_re.search``, read from the right.)

        Every label ends on its colon or closing bracket: searched backwards, a place is turned away
        at its first character unless one stands there, where a forward search tries the whole
        label grammar at every character of a page. Whether a match exists does not depend on the
        direction of the search.

        >>> from pipeline.rules import load_rules
        >>> c = load_rules().clauses
        >>> c.has_label("一、目标。责任单位:区发改局"), c.has_label("一、目标。(区发改局)")
        (True, False)
        """
        backwards = self.label_backwards
        return (backwards if backwards is not None else self.label_re).search(text) is not None

    def role_of(self, label: str) -> str | None:
        """The role a printed label names: a listed label, else read from its words (None: not a label).

        >>> from pipeline.rules import load_rules
        >>> c = load_rules().clauses
        >>> [c.role_of(x) for x in ("牵头单位", "主要责任单位", "牵头市领导", "市政府分管领导", "分管副市长", "配合部门",
        ...                         "各部门", "组织领导")]
        ['lead', 'responsible', 'leader', 'leader', 'leader', 'cooperating', None, None]
        """
        word = compact(label)
        if word in self.labels:
            return self.labels[word]
        if self.posts.fullmatch(word):  # 分管副市长: 李明
            return "leader"
        return self.roles.role_of_words(word)


#: An inline label (主办单位:…) stands at the start of a block or after one of these.
BEFORE_INLINE = "。；;.!！ \t\u3000"
#: What may stand before a role line's label: blanks, or a bullet (line_re's lead; whole, possessive)
_LINE_LEAD = r"[ \t\u3000]*(?:[-—·•]\s*)?"
_LINE_LEAD_WHOLE = regex.compile(r"[ \t\u3000]*+(?:[-—·•]\s*+)?")
OPENERS = "([（【［〔"


def _han_guard(made: str, words: Mapping[str, tuple[str, ...]], whole: list[str], possessive: bool = True) -> str:
    """The label grammar ``made`` behind a lookahead that every label it makes passes: a run of at most N
    Han characters, then the label's colon (after blanks) or its closing 】. Labels are looked for after
    every sentence end of every block; the guard turns the many places where none stands away in one
    step, instead of trying each word list at each of the grammar's lazy lengths. The grammar matches
    exactly what it matched before (the guard only holds true where it could match); without the guard
    when a word is not all Han characters (N would not bound it).

    The run is taken whole (``possessive``): what follows it is no Han character, so giving one back
    never lets the guard hold; read greedily, a run of N Han characters that fails (most places of a
    task's text) was tried again at each of its N lengths.
    """
    lists = [words["leader"], words["leader_nouns"], whole, *(words[r] for r in ROLES_TRIED),
             words["unit_nouns"]]
    if not all(_ALL_HAN.fullmatch(w) for ws in lists for w in ws):
        return f"(?:{made})"

    def longest(ws: Any) -> int:
        return max((len(w) for w in ws), default=0)

    roles_longest = max(longest(words[r]) for r in ROLES_TRIED)
    n = max(6 + longest(words["leader"]) + 3 + longest(words["leader_nouns"]), 4 + longest(whole),
            4 + roles_longest + 4 + longest(words["unit_nouns"]))
    return rf"(?=\p{{Han}}{{1,{n}}}{'+' if possessive else ''}(?:[ \t\u3000]*[:：]|[】\]］]))(?:{made})"


_ALL_HAN = regex.compile(r"\p{Han}+")


def build_clauses(roles: RoleRules, deadlines: DeadlineRules, units: UnitRules) -> ClauseRules:
    labels = dict(roles.labels)
    for lab in deadlines.labels:
        labels.setdefault(lab, "deadline")
    words = roles.label_words
    role_words = alternation(w for r in ROLES_TRIED for w in words[r])
    unit_nouns, leader_nouns = alternation(words["unit_nouns"]), alternation(words["leader_nouns"])
    leader_words = alternation(words["leader"])
    # a leader noun that holds a leader word (责任人, 负责人) is a label by itself
    whole_words = [n for n in words["leader_nouns"] if any(w in n for w in words["leader"])]
    whole = alternation(whole_words) or "(?!)"
    made = (rf"\p{{Han}}{{0,6}}?(?:{leader_words})\p{{Han}}{{0,3}}?(?:{leader_nouns})|\p{{Han}}{{0,4}}?(?:{whole})"
            rf"|\p{{Han}}{{0,4}}?(?:{role_words})\p{{Han}}{{0,4}}?(?:{unit_nouns})")

    def label_pattern(possessive: bool) -> str:
        grammar = rf"{_han_guard(made, words, whole_words, possessive)}|(?x:{roles.posts.pattern})"
        label = "|".join(spaced(w) for w in longest_first(labels)) + "|" + grammar
        # blanks after 【label】 belong to the label only before its colon: read backwards (has_label), blanks
        # that may end the match anywhere made every place in a long run of blanks read the whole run
        return rf"(?:(?P<label>{label})[ \t\u3000]*[:：]|[【\[［](?P<label>{label})[】\]］](?:[ \t\u3000]*[:：])?)"

    label_re = regex.compile(label_pattern(possessive=True))
    han_labels = _han_labels(labels, words, roles.posts)
    # a label starts with a Han character or its bracket: the blanks before it are all line_re's lead's (possessive)
    label_start = regex.compile(r"[【\[［]?[\p{Han} \t\u3000]*+[:：】\]］]" if han_labels else "")
    line_start = regex.compile(r"[ \t\u3000]*+(?:[-—·•]\s*+)?" + label_start.pattern)
    verbs = alternation(roles.verbs)
    marked = regex.compile(rf"[(（]\s*(?P<verb>{verbs})\s*(?:{unit_nouns})?\s*[)）]$")  # see MARKED_ROLE_ENDS
    return ClauseRules(FrozenMap(labels), roles, roles.verbs, roles.separators, label_re,
                       regex.compile(rf"(?P<verb>{verbs})$"), marked, roles.posts, roles.rule_notes,
                       deadlines.patterns + deadlines.ongoing,
                       longest_first(units.strong_suffixes + units.department_suffixes), units.collective,
                       units.list_tail, _backwards(label_pattern(possessive=False)), han_labels, label_start, line_start)


#: Pattern syntax that matches no character itself (groups, alternation, quantifiers): a verbose pattern made of
#: these, Han characters and (ignored) blanks matches nothing but Han characters.
_HAN_ONLY_PATTERN = regex.compile(r"(?:\(\?:|[()|?*+]|\{\d*,?\d*\}|[\p{Han}\s])*")


def _han_labels(labels: Mapping[str, str], words: Mapping[str, tuple[str, ...]], posts: regex.Pattern[str]) -> bool:
    r"""Does every label ``label_re`` can match consist of Han characters and blanks only? True when the listed
    labels (matched with blanks between their characters), the words of the label grammar (joined by
    Han characters) and the post pattern (taken verbose) are all made of Han characters. Then a label ends
    a run of Han characters and blanks that stops at its colon or closing bracket (what
    :meth:`~pipeline.clauses.ClauseReader.label_marks` relies on).

    >>> import regex
    >>> _han_labels({"牵头单位": "lead"}, {"unit_nouns": ("单位",)}, regex.compile(r"(?: 分管 ){0,2} 副? 市长"))
    True
    >>> _han_labels({"牵头单位": "lead"}, {"unit_nouns": ("单位",)}, regex.compile(r"\w+长"))
    False
    """
    return (all(_ALL_HAN.fullmatch(w) for w in labels) and all(_ALL_HAN.fullmatch(w) for ws in words.values() for w in ws)
            and _HAN_ONLY_PATTERN.fullmatch(posts.pattern) is not None)


def _backwards(pattern: str) -> regex.Pattern[str] | None:
    """``pattern`` matched from right to left (None when it holds a construct that does not backtrack
    fully: atomic groups or possessive quantifiers; the label pattern is given with its Han guard greedy,
    the same matches)."""
    if regex.search(r"\(\?>|[*+?}]\+", pattern):
        return None
    return regex.compile(pattern, regex.REVERSE)


@dataclass(frozen=True)
class HeaderVocabulary:
    """Header words of task tables (tables.toml) and role labels (roles.toml) -> column kind."""

    words: tuple[tuple[str, str], ...]  # (word without spaces, kind), longest word first
    by_word: FrozenMap[str, str]

    def kind_of(self, header: str) -> str:
        """The kind of a column from its header text: the longest known word it contains, else "other"."""
        text = compact(header)
        for word, kind in self.words:
            if word in text:
                return kind
        return "other"

    @cached_property
    def task_label(self) -> regex.Pattern[str]:
        """A task column's header printed as a label before a task (工作任务:地区生产总值增长6%): no part of it.

        >>> from pipeline.rules import load_rules
        >>> t = load_rules().headers.task_label
        >>> [m[0] if (m := t.match(x)) else None for x in ("工作任务:地区生产总值增长6%", "目标任务 ：新增", "任务分解")]
        ['工作任务:', '目标任务 ：', None]
        """
        words = [w for w, kind in self.words if kind == "task"]  # longest first
        return regex.compile("(?:" + "|".join(map(regex.escape, words)) + r")[ \t\u3000]*[:：]")


def build_headers(tables: TableHeaderRules, roles: RoleRules) -> HeaderVocabulary:
    words: dict[str, str] = {}
    for kind, entries in tables.headers.items():
        for word in entries:
            words[compact(word)] = kind
    for label, role in roles.all_labels.items():
        words.setdefault(compact(label), role)
    ordered = tuple(sorted(words.items(), key=lambda wk: (-len(wk[0]), wk[0])))
    return HeaderVocabulary(ordered, FrozenMap(words))


@dataclass(frozen=True)
class FlatTableVocabulary(_ListPatterns):
    """What the text-table detectors need (texttables.toml + tables.toml + roles + units + deadlines + outline)."""

    headers: FrozenMap[str, str]  # header word without spaces -> column kind
    header_words: tuple[str, ...]  # longest first
    header_initials: frozenset[str]
    unit_suffixes: tuple[str, ...]  # longest first
    collective: tuple[regex.Pattern[str], ...]  # collective unit names (各街办, 市直各单位)
    deadlines: tuple[regex.Pattern[str], ...]  # deadline patterns and ongoing phrases
    headings: tuple[regex.Pattern[str], ...]  # section and subsection numbering
    unit_endings: tuple[str, ...] = ()  # every ending of a unit name (units.toml + texttables.toml), longest first
    surnames: frozenset[str] = frozenset()  # one-character surnames (texttables.toml)
    compound_surnames: frozenset[str] = frozenset()

    @cached_property
    def any_heading(self) -> AnyOf:
        """The section and subsection numberings asked together."""
        return AnyOf(self.headings)

    def kind_of(self, header: str) -> str:
        """The kind of a header cell: the longest known header word it contains, else "other".

        >>> from pipeline.rules import load_rules
        >>> tr = load_rules().flat_tables
        >>> tr.kind_of("主要责任单位"), tr.kind_of("内容与要求"), tr.kind_of("市政府分管领导"), tr.kind_of("名称")
        ('responsible', 'task', 'leader', 'other')
        """
        text = compact(header)
        by_initial = self._by_initial
        best = len(self.header_words)
        for i, ch in enumerate(text):
            for rank, word in by_initial.get(ch, ()):
                if rank < best and text.startswith(word, i):
                    best = rank
                    break  # the words of one initial are in rank order: a later one ranks lower
        return self.headers[self.header_words[best]] if best < len(self.header_words) else "other"

    @cached_property
    def _by_initial(self) -> dict[str, tuple[tuple[int, str], ...]]:
        """Header words by their first character, each with its rank in ``header_words`` (the first word of
        that order found in a text names its kind: the longest)."""
        out: dict[str, list[tuple[int, str]]] = {}
        for rank, word in enumerate(self.header_words):
            if word:
                out.setdefault(word[0], []).append((rank, word))
        return {ch: tuple(words) for ch, words in out.items()}


def build_flat_tables(headers: HeaderVocabulary, texttables: TextTableRules, units: UnitRules,
                      deadlines: DeadlineRules, outline: OutlineRules) -> FlatTableVocabulary:
    words = tuple(w for w, _ in headers.words)
    return FlatTableVocabulary(headers.by_word, words, frozenset(w[0] for w in words if w),
                               texttables.unit_suffixes, units.collective, deadlines.patterns + deadlines.ongoing,
                               (outline.section, outline.subsection),
                               longest_first(units.suffixes + texttables.unit_suffixes + texttables.cell_unit_endings),
                               texttables.surnames, texttables.compound_surnames)


@dataclass(frozen=True)
class UnwrapVocabulary:
    """What joining PDF-wrapped lines needs (texttables.toml + outline + role labels)."""

    page_numbers: tuple[regex.Pattern[str], ...]  # a whole line that is a page number
    line_ends: str  # a line ending in one of these is never joined to the next
    starts: tuple[regex.Pattern[str], ...]  # a line matching one of these starts a new element
    role_label: regex.Pattern[str]  # 牵头单位: / 责 任 单 位： at the start of a line

    @cached_property
    def any_page_number(self) -> AnyOf:
        """The page-number patterns asked together."""
        return AnyOf(self.page_numbers)

    @cached_property
    def any_start(self) -> AnyOf:
        """The element starts asked together."""
        return AnyOf(self.starts)


def build_unwrap(texttables: TextTableRules, outline: OutlineRules, roles: RoleRules) -> UnwrapVocabulary:
    spaced_labels = "|".join(r"\s*".join(regex.escape(ch) for ch in label) for label in longest_first(roles.all_labels))
    return UnwrapVocabulary(texttables.page_numbers, texttables.clause_ends + texttables.closing_brackets,
                            (outline.section, outline.subsection, *outline.item, outline.bullet),
                            regex.compile(rf"(?:{spaced_labels})\s*[:：]"))
