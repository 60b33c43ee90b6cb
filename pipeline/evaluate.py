"""Evaluation: score extraction against hand-written golden fixtures (a quality gate).

A fixture is a notice ``<case>.txt`` (or ``.html``) beside ``<case>.expected.json``,
found by glob in one directory; the expected file is written by hand from a
reading of the notice (its format: ``tests/fixtures/formats/README.md``).

For each fixture the notice is extracted and compared:

* **items** — expected and extracted items are aligned in order (longest common
  subsequence) where the label is equal and the extracted text starts with the
  expected ``text_head`` (whitespace ignored, so PDF line breaks do not count);
  precision / recall / F1 over the aligned pairs;
* **assignments** — ``(aligned item, role, name)`` triples, as multisets;
  precision / recall / F1 overall and per role. Units of unaligned items count
  as missed (expected) or spurious (extracted);
* **metadata** — accuracy over the document fields the expected file asserts;
* **deadlines** — accuracy of ``(deadline_text, deadline)`` over aligned items;
* **findings** — the codes the expected file lists must be present.

Scores are summed over fixtures (micro average). ``floors.toml`` in the fixture
directory holds the minimum overall scores; :meth:`EvalReport.below_floors`
names the ones that fall short (``fenjie eval`` then exits 1).
"""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import regex

from .errors import PipelineError
from .records import Assignment, Extraction, Item
from .rules import Rules

#: Notice files a fixture directory is searched for (each needs a ``.expected.json`` beside it).
FIXTURE_SUFFIXES = (".txt", ".html")
EXPECTED_SUFFIX = ".expected.json"
FLOORS_FILE = "floors.toml"
#: Roles reported one by one (in this order).
ROLES = ("lead", "responsible", "cooperating", "leader")
#: Scores a floor may be set on (floors.toml keys).
FLOOR_KEYS = ("item_f1", "assignment_f1", "metadata_accuracy", "deadline_accuracy")
#: Item fields compared exactly by :func:`differences` (expected key -> Item attribute).
ITEM_FIELDS = {"label": "item_label", "section": "section_label", "subsection": "subsection_label",
               "group": "group_title", "deadline_text": "deadline_text", "deadline": "deadline"}
_WS = regex.compile(r"\s+")


class FixtureError(PipelineError):
    """A fixture or floors file cannot be read (bad JSON, missing keys, unknown floor)."""

    stage = "eval"


# --------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Fixture:
    """One golden case: a notice and its hand-written expected reading."""

    name: str  # case name: the file name without suffix, e.g. "numbering-dunhao"
    path: Path  # the notice file
    expected: Mapping[str, Any]  # the parsed .expected.json


@dataclass(frozen=True)
class Score:
    """Counts behind precision / recall / F1 (adding two Scores sums the counts)."""

    tp: int = 0  # found and expected
    expected: int = 0  # expected (true positives + missed)
    found: int = 0  # extracted (true positives + spurious)

    @property
    def precision(self) -> float:
        """tp / found; 1.0 when nothing was found and nothing was expected.

        >>> Score(3, 4, 6).precision, Score(0, 0, 0).precision, Score(0, 2, 0).precision
        (0.5, 1.0, 0.0)
        """
        return self.tp / self.found if self.found else float(self.expected == 0)

    @property
    def recall(self) -> float:
        """tp / expected; 1.0 when nothing was expected and nothing was found.

        >>> Score(3, 4, 6).recall, Score(0, 0, 1).recall
        (0.75, 0.0)
        """
        return self.tp / self.expected if self.expected else float(self.found == 0)

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall.

        >>> round(Score(3, 4, 6).f1, 4), Score(0, 0, 0).f1
        (0.6, 1.0)
        """
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def __add__(self, other: Score) -> Score:
        return Score(self.tp + other.tp, self.expected + other.expected, self.found + other.found)


@dataclass(frozen=True)
class Ratio:
    """correct out of total (adding sums the counts)."""

    correct: int = 0  # checks that held
    total: int = 0  # checks made

    @property
    def value(self) -> float:
        """correct / total; 1.0 when nothing was checked.

        >>> Ratio(3, 4).value, Ratio().value
        (0.75, 1.0)
        """
        return self.correct / self.total if self.total else 1.0

    def __add__(self, other: Ratio) -> Ratio:
        return Ratio(self.correct + other.correct, self.total + other.total)


@dataclass(frozen=True)
class FixtureResult:
    """The scores of one fixture."""

    name: str  # case name
    items: Score  # aligned items
    assignments: Score  # (item, role, name) triples
    roles: Mapping[str, Score]  # the same triples, per role (every role of ROLES)
    metadata: Ratio  # asserted document fields that are right
    deadlines: Ratio  # aligned items whose deadline_text and deadline are right
    findings: Ratio  # expected finding codes present
    differences: tuple[str, ...] = ()  # what differs from the expected reading, first difference first
    error: str | None = None  # the pipeline's one-line error when extraction failed

    @property
    def exact(self) -> bool:
        """The extraction equals the expected reading in every asserted field."""
        return not self.differences


@dataclass(frozen=True)
class EvalReport:
    """Scores of every fixture, their sum, and the floors they are held to."""

    results: tuple[FixtureResult, ...]  # one per fixture, sorted by name
    floors: Mapping[str, float] = field(default_factory=dict)  # FLOOR_KEYS -> minimum

    def _sum(self, attr: str) -> Any:
        zero = Score() if attr in ("items", "assignments") else Ratio()
        return sum((getattr(r, attr) for r in self.results), zero)

    @property
    def items(self) -> Score:
        return self._sum("items")

    @property
    def assignments(self) -> Score:
        return self._sum("assignments")

    @property
    def metadata(self) -> Ratio:
        return self._sum("metadata")

    @property
    def deadlines(self) -> Ratio:
        return self._sum("deadlines")

    @property
    def findings(self) -> Ratio:
        return self._sum("findings")

    def role(self, role: str) -> Score:
        return sum((r.roles[role] for r in self.results), Score())

    def overall(self) -> dict[str, float]:
        """The overall scores floors apply to."""
        return {"item_f1": self.items.f1, "assignment_f1": self.assignments.f1,
                "metadata_accuracy": self.metadata.value, "deadline_accuracy": self.deadlines.value}

    def below_floors(self) -> list[str]:
        """One line per overall score that is below its floor (empty when every floor holds)."""
        got = self.overall()
        return [f"{k} {got[k]:.3f} is below its floor {v:.3f}" for k, v in self.floors.items() if got[k] < v]


# --------------------------------------------------------------------------
# Reading fixtures
# --------------------------------------------------------------------------


def parse_unit(spec: str) -> tuple[str, str, str | None]:
    """``role:name`` or ``role:name<name_raw`` -> (role, name, name_raw or None).

    >>> parse_unit("lead:区发改局"), parse_unit("leader:刘哲<刘 哲")
    (('lead', '区发改局', None), ('leader', '刘哲', '刘 哲'))
    """
    role, sep, rest = spec.partition(":")
    if not sep or not rest:
        raise ValueError(f"unit {spec!r} is not role:name")
    name, lt, raw = rest.partition("<")
    return role, name, (raw if lt else None)


def find_fixtures(fixture_dir: Path | str) -> list[Fixture]:
    """Every ``<case>.txt|.html`` with a ``<case>.expected.json`` beside it, sorted by name.

    A notice without an expected file, or an expected file without a notice, is an error:
    a fixture half added is not silently skipped.
    """
    d = Path(fixture_dir)
    if not d.is_dir():
        raise FixtureError("not a directory", source=str(d))
    notices = {p.name[: -len(p.suffix)]: p for p in sorted(d.iterdir())
               if p.suffix in FIXTURE_SUFFIXES and p.is_file()}
    expected = {p.name[: -len(EXPECTED_SUFFIX)]: p for p in sorted(d.glob("*" + EXPECTED_SUFFIX))}
    for name in sorted(set(notices) ^ set(expected)):
        missing = "expected file" if name in notices else "notice (.txt or .html)"
        raise FixtureError(f"fixture {name!r} has no {missing}", source=str(d))
    return [Fixture(name, notices[name], _load_expected(expected[name])) for name in sorted(notices)]


def _load_expected(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FixtureError(f"cannot read expected file: {exc}", source=str(path)) from None
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise FixtureError("expected file has no 'items' list", source=str(path))
    for k, it in enumerate(data["items"], 1):
        missing = [key for key in ("label", "text_head", "units") if key not in it]
        if missing:
            raise FixtureError(f"expected item {k} lacks {', '.join(missing)}", source=str(path))
        try:
            for u in it["units"]:
                parse_unit(u)
        except ValueError as exc:
            raise FixtureError(f"expected item {k}: {exc}", source=str(path)) from None
    return data


def load_floors(path: Path | str, keys: Sequence[str] = FLOOR_KEYS, top: float | None = 1.0) -> dict[str, float]:
    """Floors from a TOML file (missing file: no floors). A key not in ``keys``, or a value that is not a
    number in [0, ``top``] (``top`` None: any number >= 0), is an error."""
    p = Path(path)
    if not p.is_file():
        return {}
    try:
        data = tomllib.loads(p.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise FixtureError(f"cannot read floors: {exc}", source=str(p)) from None
    floors = {}
    for k, v in data.items():
        if k not in keys or not isinstance(v, (int, float)) or isinstance(v, bool) or v < 0 \
                or (top is not None and v > top):
            bound = f"[0, {top:g}]" if top is not None else ">= 0"
            raise FixtureError(f"floor {k!r} must be one of {', '.join(keys)} with a value {bound}", source=str(p))
        floors[k] = float(v)
    return floors


# --------------------------------------------------------------------------
# Scoring
# --------------------------------------------------------------------------


def squash(s: str) -> str:
    """A text without whitespace (line breaks of a PDF capture do not count).

    >>> squash("区市场监\\n管局 ")
    '区市场监管局'
    """
    return _WS.sub("", s)


def item_matches(expected: Mapping[str, Any], item: Item) -> bool:
    """Same label, and the extracted text starts with the expected head."""
    return item.item_label == expected["label"] and squash(item.text).startswith(squash(expected["text_head"]))


def align(expected: Sequence[Mapping[str, Any]], items: Sequence[Item]) -> list[tuple[int, int]]:
    """Pairs ``(expected index, item index)`` of a longest in-order alignment."""
    n, m = len(expected), len(items)
    table = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            if item_matches(expected[i], items[j]):
                table[i][j] = table[i + 1][j + 1] + 1
            else:
                table[i][j] = max(table[i + 1][j], table[i][j + 1])
    pairs, i, j = [], 0, 0
    while i < n and j < m:
        if item_matches(expected[i], items[j]) and table[i][j] == table[i + 1][j + 1] + 1:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif table[i + 1][j] >= table[i][j + 1]:
            i += 1
        else:
            j += 1
    return pairs


def _triples(expected_items: Sequence[Mapping[str, Any]], got: Extraction | None,
             pairs: list[tuple[int, int]]) -> tuple[Counter, Counter]:
    """Expected and extracted ``(key, role, name)`` multisets; key is the aligned pair or an unmatched id."""
    e_key = {i: ("pair", i) for i, _ in pairs}
    g_key = {j: ("pair", i) for i, j in pairs}
    want: Counter = Counter()
    for i, it in enumerate(expected_items):
        for u in it["units"]:
            role, name, _ = parse_unit(u)
            want[(e_key.get(i, ("expected", i)), role, name)] += 1
    have: Counter = Counter()
    if got is not None:
        index = {item.item_seq: j for j, item in enumerate(got.items)}
        for a in got.assignments:
            j = index.get(a.item_seq, -1)
            have[(g_key.get(j, ("found", j)), a.role, a.name)] += 1
    return want, have


def _score(want: Counter, have: Counter) -> Score:
    return Score(sum((want & have).values()), sum(want.values()), sum(have.values()))


def _plain(value: Any) -> Any:
    """A document value as the expected JSON writes it (dates as ISO strings, tuples as lists)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def score(expected: Mapping[str, Any], got: Extraction | None, name: str = "",
          error: str | None = None) -> FixtureResult:
    """Score one extraction (None when the pipeline failed) against one expected reading."""
    exp_items = expected["items"]
    items = got.items if got is not None else ()
    pairs = align(exp_items, items)
    want, have = _triples(exp_items, got, pairs)
    roles = {r: _score(Counter({k: v for k, v in want.items() if k[1] == r}),
                       Counter({k: v for k, v in have.items() if k[1] == r})) for r in ROLES}
    doc = expected.get("document", {})
    meta_ok = sum(got is not None and _plain(getattr(got.document, k, None)) == v for k, v in doc.items())
    dl_ok = sum(items[j].deadline_text == exp_items[i].get("deadline_text")
                and _plain(items[j].deadline) == exp_items[i].get("deadline") for i, j in pairs)
    codes = {f.code for f in got.findings} if got is not None else set()
    want_codes = expected.get("findings", [])
    return FixtureResult(
        name=name, items=Score(len(pairs), len(exp_items), len(items)), assignments=_score(want, have),
        roles=roles, metadata=Ratio(meta_ok, len(doc)), deadlines=Ratio(dl_ok, len(pairs)),
        findings=Ratio(sum(c in codes for c in want_codes), len(want_codes)),
        differences=tuple(differences(expected, got, error)), error=error)


def differences(expected: Mapping[str, Any], got: Extraction | None, error: str | None = None) -> list[str]:
    """What differs between an extraction and the expected reading, in document order (empty: exact).

    Items are compared position by position: label, section, subsection, group,
    text head, deadline, and the units as ``role:name`` (``<name_raw`` when the
    expected unit gives it).
    """
    if got is None:
        return [f"extraction failed: {error or 'no result'}"]
    out: list[str] = []
    for k, v in expected.get("document", {}).items():
        have = _plain(getattr(got.document, k, None))
        if have != v:
            out.append(f"document.{k}: expected {v!r}, got {have!r}")
    exp_items = expected["items"]
    for n, (e, item) in enumerate(zip(exp_items, got.items), 1):
        where = f"item {n} ({e['label'] or '-'} {e['text_head'][:10]})"
        diffs = [f"{key}: expected {e[key]!r}, got {_plain(getattr(item, attr))!r}"
                 for key, attr in ITEM_FIELDS.items() if key in e and _plain(getattr(item, attr)) != e[key]]
        if not squash(item.text).startswith(squash(e["text_head"])):
            diffs.append(f"text: expected to start {e['text_head']!r}, got {item.text[:30]!r}")
        units = [a for a in got.assignments if a.item_seq == item.item_seq]
        want_units = [parse_unit(u) for u in e["units"]]
        have_units = [_unit_spec(a, k < len(want_units) and want_units[k][2] is not None)
                      for k, a in enumerate(units)]
        if have_units != e["units"]:
            diffs.append(f"units: expected {e['units']}, got {have_units}")
        out.extend(f"{where}: {d}" for d in diffs)
    if len(got.items) != len(exp_items):
        out.append(f"items: expected {len(exp_items)}, got {len(got.items)}"
                   + (f"; first extra: {got.items[len(exp_items)].item_label!r} "
                      f"{got.items[len(exp_items)].text[:20]!r}" if len(got.items) > len(exp_items) else ""))
    codes = {f.code for f in got.findings}
    out.extend(f"finding {c!r} expected, not reported" for c in expected.get("findings", []) if c not in codes)
    return out


def _unit_spec(a: Assignment, with_raw: bool) -> str:
    spec = f"{a.role}:{a.name}"
    return f"{spec}<{a.name_raw}" if with_raw else spec


# --------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------


def run_fixture(fixture: Fixture, rules: Rules) -> FixtureResult:
    """Extract one fixture and score it; a pipeline error scores as an empty extraction."""
    from .extract import extract_file

    try:
        got, error = extract_file(fixture.path, rules), None
    except PipelineError as exc:
        got, error = None, str(exc)
    return score(fixture.expected, got, fixture.name, error)


def evaluate(fixture_dir: Path | str, rules: Rules, floors: Mapping[str, float] | None = None) -> EvalReport:
    """Score every fixture of a directory; floors from ``floors`` or ``<dir>/floors.toml``."""
    fixtures = find_fixtures(fixture_dir)
    if not fixtures:
        raise FixtureError("no fixtures found (looked for <case>.txt|.html + <case>.expected.json)",
                           source=str(fixture_dir))
    results = tuple(run_fixture(f, rules) for f in fixtures)
    if floors is None:
        floors = load_floors(Path(fixture_dir) / FLOORS_FILE)
    return EvalReport(results, dict(floors))


# --------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------


def _pct(x: float) -> str:
    return f"{x:6.3f}"


def _ratio(r: Ratio) -> str:
    return f"{r.correct:>3}/{r.total:<3}" if r.total else "   -   "


def format_report(report: EvalReport, details: bool = False) -> str:
    """The report as a text table: per fixture, overall, per role, floors."""
    width = max([len(r.name) for r in report.results] + [7])
    head = (f"{'fixture':<{width}}  {'items e/f/ok':>12}  {'item F1':>7}  {'units e/f/ok':>12}  {'unit F1':>7}"
            f"  {'meta':>7}  {'deadline':>7}  {'find':>7}  exact")
    lines = [head, "-" * len(head)]

    def row(name: str, items: Score, asg: Score, meta: Ratio, dl: Ratio, fnd: Ratio, exact: str) -> str:
        return (f"{name:<{width}}  {items.expected:>4}/{items.found:>3}/{items.tp:<3}  {_pct(items.f1):>7}"
                f"  {asg.expected:>4}/{asg.found:>3}/{asg.tp:<3}  {_pct(asg.f1):>7}"
                f"  {_ratio(meta):>7}  {_ratio(dl):>7}  {_ratio(fnd):>7}  {exact}")

    for r in report.results:
        lines.append(row(r.name, r.items, r.assignments, r.metadata, r.deadlines, r.findings,
                         "yes" if r.exact else ("ERROR" if r.error else "no")))
    lines.append("-" * len(head))
    n_exact = sum(r.exact for r in report.results)
    lines.append(row("overall", report.items, report.assignments, report.metadata, report.deadlines,
                     report.findings, f"{n_exact}/{len(report.results)}"))
    lines.append("")
    lines.append(f"{'role':<12} {'expected':>8} {'found':>6} {'ok':>5} {'P':>6} {'R':>6} {'F1':>6}")
    for role in ROLES:
        s = report.role(role)
        lines.append(f"{role:<12} {s.expected:>8} {s.found:>6} {s.tp:>5} {_pct(s.precision)} "
                     f"{_pct(s.recall)} {_pct(s.f1)}")
    s = report.assignments
    lines.append(f"{'all':<12} {s.expected:>8} {s.found:>6} {s.tp:>5} {_pct(s.precision)} "
                 f"{_pct(s.recall)} {_pct(s.f1)}")
    lines.append("")
    got = report.overall()
    for k, v in report.floors.items():
        lines.append(f"floor {k}: {got[k]:.3f} >= {v:.3f}  {'ok' if got[k] >= v else 'BELOW FLOOR'}")
    if details:
        for r in report.results:
            if r.differences:
                lines.append("")
                lines.append(f"{r.name}:")
                lines.extend(f"  {d}" for d in r.differences[:8])
                if len(r.differences) > 8:
                    lines.append(f"  … {len(r.differences) - 8} more")
    return "\n".join(lines)
