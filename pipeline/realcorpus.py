"""Score extraction on real notices with hand-checked gold (``../shared/corpus/real``).

The rules are those of the corpus README, which the kept-back half is scored by too:

* **items** — a gold item is found when an extracted item of the same document,
  at or after the previous match, has a text whose first 40 characters (NFKC,
  whitespace removed) contain the first 6 characters of the gold ``text_start``;
  item recall = found / gold items (extra items are not penalised: captures are cut);
* **assignments** — for each found item, gold ``(role, unit)`` pairs against the
  extracted ``(role, name)`` rows. Lists are split on top-level ``、`` and a trailing
  ``等`` / ``等部门`` / ``等相关单位`` is dropped. A unit matches when ``name`` or
  ``name_raw`` equals the gold name, or one ends with the other and they differ by
  at most 2 characters. A row with ``acting_lead`` matches under its printed role
  or under lead. Precision / recall / F1 over all pairs;
* **targets** — a gold target of a found item matches an extracted target of that
  item with the same value and the same unit (NFKC). F1 over all targets.

Items not found count all their pairs and targets as missed. Scores are summed
over documents (micro average). Floors (``FLOORS_FILE`` beside the tests) are
only ever raised.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import regex

from .errors import PipelineError
from .evaluate import FixtureError, Score
from .evaluate import load_floors as load_fixture_floors
from .records import Extraction

GOLD_SUFFIX = ".gold.json"
#: The floors of the real development set (raised as quality improves, never lowered).
REAL_FLOORS = Path(__file__).resolve().parent.parent / "tests" / "real_floors.toml"
#: Scores a floor may be set on.
FLOOR_KEYS = ("item_recall", "assignment_f1", "target_f1", "documents_without_items")
ROLE_OF_GOLD = {"lead_units": "lead", "responsible_units": "responsible",
                "cooperating_units": "cooperating", "leaders": "leader"}
HEAD_CHARS = 6  # characters of the gold text_start that must appear …
WINDOW = 40  # … within this many characters of the extracted text's start
_WS = regex.compile(r"\s+")
_ETC_TAIL = regex.compile(r"等(?:相关单位|部门)?$")


def norm(s: str) -> str:
    """NFKC without whitespace.

    >>> norm("（区 发改局）")
    '(区发改局)'
    """
    return _WS.sub("", unicodedata.normalize("NFKC", s))


def split_units(names: Sequence[str]) -> list[str]:
    """Split each name on top-level 、 and drop a trailing 等/等部门/等相关单位.

    >>> split_units(["市发改委、市财政局等部门", "各街办(新区、园区)"])
    ['市发改委', '市财政局', '各街办(新区、园区)']
    """
    out: list[str] = []
    for name in names:
        depth = 0
        part: list[str] = []
        pieces: list[str] = []
        for ch in name:
            if ch in "(（[【":
                depth += 1
            elif ch in ")）]】":
                depth = max(0, depth - 1)
            if ch == "、" and depth == 0:
                pieces.append("".join(part))
                part = []
            else:
                part.append(ch)
        pieces.append("".join(part))
        if pieces:
            pieces[-1] = _ETC_TAIL.sub("", pieces[-1])
        out.extend(p.strip() for p in pieces if p.strip())
    return out


def unit_matches(gold: str, name: str, name_raw: str) -> bool:
    """Equal, or one ends with the other and they differ by at most 2 characters.

    >>> unit_matches("市发改委", "发改委", "发改委"), unit_matches("区财政局", "市财政局", "市财政局")
    (True, False)
    """
    g = norm(gold)
    for n in (norm(name), norm(name_raw)):
        if n == g:
            return True
        if n and g and (n.endswith(g) or g.endswith(n)) and abs(len(n) - len(g)) <= 2:
            return True
    return False


@dataclass(frozen=True)
class DocResult:
    """The scores of one real document."""

    name: str  # file stem
    items: Score  # tp = gold items found; expected = gold items; found = extracted items
    assignments: Score
    targets: Score
    error: str | None = None  # the pipeline's one-line error when extraction failed
    missed: tuple[str, ...] = ()  # what was not matched, for --details

    @property
    def item_recall(self) -> float:
        return self.items.recall


@dataclass(frozen=True)
class RealReport:
    results: tuple[DocResult, ...]
    floors: Mapping[str, float] = field(default_factory=dict)

    def total(self, attr: str) -> Score:
        return sum((getattr(r, attr) for r in self.results), Score())

    @property
    def empty_documents(self) -> int:
        """Documents whose gold has items but whose extraction found none of them."""
        return sum(r.items.expected > 0 and r.items.tp == 0 for r in self.results)

    def overall(self) -> dict[str, float]:
        return {"item_recall": self.total("items").recall, "assignment_f1": self.total("assignments").f1,
                "target_f1": self.total("targets").f1, "documents_without_items": float(self.empty_documents)}

    def below_floors(self) -> list[str]:
        got, out = self.overall(), []
        for k, v in self.floors.items():
            if k == "documents_without_items":
                if got[k] > v:
                    out.append(f"{k} {got[k]:.0f} is above its ceiling {v:.0f}")
            elif got[k] < v:
                out.append(f"{k} {got[k]:.3f} is below its floor {v:.3f}")
        return out


def match_items(gold_items: Sequence[Mapping[str, Any]], ex: Extraction | None) -> dict[int, int]:
    """Gold index -> extracted item index, each at or after the previous match."""
    if ex is None:
        return {}
    heads = [norm(it.text)[:WINDOW] for it in ex.items]
    out: dict[int, int] = {}
    at = 0
    for i, g in enumerate(gold_items):
        want = norm(g["text_start"])[:HEAD_CHARS]
        for j in range(at, len(heads)):
            if want in heads[j]:
                out[i] = j
                at = j
                break
    return out


def _pairs_score(gold: Mapping[str, Any], rows: Sequence[Any]) -> tuple[Score, list[str]]:
    want = [(role, u) for key, role in ROLE_OF_GOLD.items() for u in split_units(gold.get(key) or [])]
    free = list(rows)
    tp, missed = 0, []
    for role, unit in want:
        hit = next((r for r in free if (r.role == role or (role == "lead" and r.acting_lead))
                    and unit_matches(unit, r.name, r.name_raw)), None)
        if hit is None:
            missed.append(f"{role}:{unit}")
        else:
            free.remove(hit)
            tp += 1
    extra = [f"+{r.role}:{r.name}" for r in free]
    return Score(tp, len(want), len(rows)), missed + extra


def _value_key(value: Any, unit: Any) -> tuple[float, str]:
    return (round(float(value), 6), norm(str(unit or "")))


def score_document(gold: Mapping[str, Any], ex: Extraction | None, name: str = "",
                   error: str | None = None) -> DocResult:
    gold_items = gold.get("items") or []
    matched = match_items(gold_items, ex)
    n_found = len(ex.items) if ex is not None else 0
    asg, tgt = Score(), Score()
    missed: list[str] = []
    for i, g in enumerate(gold_items):
        head = g["text_start"][:10]
        want_t = [_value_key(t["value"], t["unit"]) for t in g.get("targets") or []]
        if i not in matched:
            n_pairs = len(_pairs_score(g, [])[1])
            asg += Score(0, n_pairs, 0)
            tgt += Score(0, len(want_t), 0)
            missed.append(f"item {g.get('label')} {head}: not found")
            continue
        item = ex.items[matched[i]]  # type: ignore[union-attr]
        rows = [a for a in ex.assignments if a.item_seq == item.item_seq]  # type: ignore[union-attr]
        s, m = _pairs_score(g, rows)
        asg += s
        missed.extend(f"item {g.get('label')} {head}: {x}" for x in m)
        have_t = [_value_key(t.value, t.unit) for t in ex.targets if t.item_seq == item.item_seq]  # type: ignore[union-attr]
        pool = list(have_t)
        tp = 0
        for k in want_t:
            if k in pool:
                pool.remove(k)
                tp += 1
            else:
                missed.append(f"item {g.get('label')} {head}: target {k[0]:g}{k[1]} missed")
        missed.extend(f"item {g.get('label')} {head}: target +{k[0]:g}{k[1]}" for k in pool)
        tgt += Score(tp, len(want_t), len(have_t))
    return DocResult(name, Score(len(matched), len(gold_items), n_found), asg, tgt, error, tuple(missed))


def find_gold(corpus_dir: Path | str) -> list[tuple[str, Path, dict[str, Any]]]:
    """(name, capture, gold) for every ``<name>.gold.json`` with its ``<name>.txt``, sorted by name."""
    d = Path(corpus_dir)
    if not d.is_dir():
        raise FixtureError("real corpus not found (it sits beside the clone in ../shared/corpus/real)",
                           source=str(d))
    out = []
    for g in sorted(d.glob("*" + GOLD_SUFFIX)):
        name = g.name[: -len(GOLD_SUFFIX)]
        txt = d / f"{name}.txt"
        if not txt.is_file():
            raise FixtureError(f"gold {g.name} has no capture {txt.name}", source=str(d))
        try:
            gold = json.loads(g.read_text("utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise FixtureError(f"cannot read gold: {exc}", source=str(g)) from None
        out.append((name, txt, gold))
    if not out:
        raise FixtureError("no <name>.gold.json files", source=str(d))
    return out


def load_floors(path: Path | str) -> dict[str, float]:
    """The real corpus's floors (``documents_without_items`` is a count, the others are in [0, 1])."""
    floors = load_fixture_floors(path, FLOOR_KEYS, top=None)
    for k, v in floors.items():
        if k != "documents_without_items" and v > 1:
            raise FixtureError(f"floor {k!r} must be in [0, 1]", source=str(path))
    return floors


def evaluate_real(corpus_dir: Path | str, rules: Any, floors: Mapping[str, float] | None = None) -> RealReport:
    from .extract import extract_file

    results = []
    for name, txt, gold in find_gold(corpus_dir):
        try:
            ex, error = extract_file(txt, rules), None
        except PipelineError as exc:
            ex, error = None, str(exc)
        results.append(score_document(gold, ex, name, error))
    return RealReport(tuple(results), dict(floors or {}))


def format_real(report: RealReport, details: bool = False) -> str:
    width = max([len(r.name) for r in report.results] + [8])
    head = (f"{'document':<{width}}  {'items g/x/ok':>12}  {'recall':>6}  {'pairs g/x/ok':>12}  {'F1':>6}"
            f"  {'targets g/x/ok':>14}  {'F1':>6}")
    lines = [head, "-" * len(head)]

    def row(name: str, i: Score, a: Score, t: Score, note: str = "") -> str:
        return (f"{name:<{width}}  {i.expected:>4}/{i.found:>3}/{i.tp:<3}  {i.recall:6.3f}"
                f"  {a.expected:>4}/{a.found:>3}/{a.tp:<3}  {a.f1:6.3f}"
                f"  {t.expected:>6}/{t.found:>3}/{t.tp:<3}  {t.f1:6.3f}{note}")

    for r in report.results:
        lines.append(row(r.name, r.items, r.assignments, r.targets, f"  ERROR {r.error}" if r.error else ""))
    lines.append("-" * len(head))
    lines.append(row("overall", report.total("items"), report.total("assignments"), report.total("targets")))
    lines.append(f"documents whose gold has items but none was found: {report.empty_documents}")
    got = report.overall()
    for k, v in report.floors.items():
        ok = got[k] <= v if k == "documents_without_items" else got[k] >= v
        lines.append(f"floor {k}: {got[k]:.3f} {'<=' if k == 'documents_without_items' else '>='} {v:.3f}"
                     f"  {'ok' if ok else 'BELOW FLOOR'}")
    if details:
        for r in report.results:
            if r.missed:
                lines.append("")
                lines.append(f"{r.name}:")
                lines.extend(f"  {m}" for m in r.missed)
    return "\n".join(lines)
