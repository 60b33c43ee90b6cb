"""One input through the real extraction, classified; fuzz workers that generate and classify for a while.

An input is **extracted** (and then its spans and its strict JSON are checked), **failed cleanly** (a
``PipelineError`` whose message is one line naming the input), **crashed** (any other exception, a
message of several lines, a span that does not read its value, JSON that is not strict, or two runs
that differ) or **hung** (over the time budget). The budget is kept twice: an interval timer inside
the worker interrupts Python code, and the parent kills a worker that has not moved on within twice
the budget (a loop in C code never returns to Python to see the timer).

A worker records each input before it runs it (``current-<k>.bin``, its start time in the file's
mtime) and removes the record when the input is done (drawing the next inputs is no input's time),
and appends one JSON line per outcome to ``results-<k>.jsonl``; crashed and hung inputs are saved
whole by :func:`save_failure`.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import time
import traceback
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

EXTRACTED, FAILED, CRASHED, HUNG = "extracted", "failed cleanly", "crashed", "hung"
#: Seconds an input may take per MB and per 10,000 lines, on top of the base budget: the stages are
#: linear, at about 1 s per MB of notice text; a page of short lines costs more per byte (a header
#: printed one cell per line is looked for from every short line, up to 24 lines on).
BUDGET_PER_MB = 5.0
BUDGET_PER_10K_LINES = 1.0


def budget_for(base: float, data: bytes) -> float:
    """The time budget of an input.

    >>> budget_for(5.0, b"x" * 2_000_000), budget_for(5.0, b"1.\\n" * 100_000)
    (15.0, 16.5)
    """
    return base + BUDGET_PER_MB * len(data) / 1e6 + BUDGET_PER_10K_LINES * data.count(b"\n") / 1e4
KINDS = (EXTRACTED, FAILED, CRASHED, HUNG)


class Hung(BaseException):
    """Raised by the interval timer: the input ran past its budget (a BaseException, so no ``except Exception`` eats it)."""


@dataclass(frozen=True)
class Outcome:
    kind: str  # one of KINDS
    detail: str  # the failure line, the exception, or what was wrong with the output
    seconds: float
    source: str = ""  # which generator made the input: hypothesis, mutation:<seed>, crafted:<shape>, cli


def span_problems(doc: dict[str, Any]) -> list[str]:
    """What is wrong with a document's JSON against the provenance contract (as tests/test_provenance.py checks).

    >>> span_problems({"text": "1.推进工作", "items": [{"item_seq": 1, "text": "推进工作", "span_start": 2, "span_end": 6}],
    ...                "assignments": [], "targets": [], "repairs": [], "findings": []})
    []
    >>> span_problems({"text": "abc", "items": [{"item_seq": 1, "text": "ab", "span_start": 1, "span_end": 3}],
    ...                "assignments": [], "targets": [], "repairs": [], "findings": []})
    ["items[0]: text[1:3] is 'bc', not 'ab'"]
    """
    t = doc["text"]
    problems = []

    def check(table: str, i: int, row: dict, value: str | None) -> None:
        s, e = row.get("span_start"), row.get("span_end")
        if s is None or e is None or not 0 <= s <= e <= len(t):
            problems.append(f"{table}[{i}]: span {s}:{e} outside the text (length {len(t)})")
        elif t[s:e] != value:
            problems.append(f"{table}[{i}]: text[{s}:{e}] is {t[s:e]!r}, not {value!r}")

    for i, r in enumerate(doc["items"]):
        check("items", i, r, r["text"])
    for i, r in enumerate(doc["assignments"]):
        check("assignments", i, r, r["name_raw"])
    for i, r in enumerate(doc["targets"]):
        check("targets", i, r, r["span_text"])
    for i, r in enumerate(doc["repairs"]):
        check("repairs", i, r, r["after"] if r["applies_to"] == "text" else r["before"])
    for i, r in enumerate(doc["findings"]):
        s, e = r.get("span_start"), r.get("span_end")
        if s is not None and not 0 <= s <= (e if e is not None else s) <= len(t):
            problems.append(f"findings[{i}]: span {s}:{e} outside the text (length {len(t)})")
    for table in ("items", "assignments", "targets", "repairs", "findings"):
        if f"n_{table}" in doc and doc[f"n_{table}"] != len(doc[table]):
            problems.append(f"n_{table} is {doc.get(f'n_{table}')}, the JSON lists {len(doc[table])}")
    return problems


def strict_json(data: bytes) -> Any:
    """Parse a document's JSON, refusing NaN and Infinity (``ValueError``)."""
    def refuse(name: str) -> Any:
        raise ValueError(f"{name} in the JSON")

    return json.loads(data, parse_constant=refuse)


def one_line(message: str, source: str) -> bool:
    """A clean failure's message: one line that names the input."""
    return bool(message.strip()) and "\n" not in message and "\r" not in message and message.startswith(source)


def _alarm(signum, frame):
    raise Hung()


def classify(name: str, data: bytes, rules: Any, budget: float, *, twice: bool = False, source: str = "") -> Outcome:
    """Run one input through the real extraction (stages 2-9 and the JSON writer) and say how it went."""
    from pipeline.errors import PipelineError
    from pipeline.extract import extract_raw
    from pipeline.records import RawInput
    from pipeline.write import document_bytes

    raw = RawInput(name, data, hashlib.sha256(data).hexdigest())
    old = signal.signal(signal.SIGALRM, _alarm)
    t0 = time.perf_counter()
    try:
        signal.setitimer(signal.ITIMER_REAL, budget)
        try:
            out = document_bytes(extract_raw(raw, rules))
            again = document_bytes(extract_raw(raw, rules)) if twice else out
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except Hung:
        return Outcome(HUNG, f"not done within {budget:g} s", time.perf_counter() - t0, source)
    except PipelineError as exc:
        line = str(exc)
        kind = FAILED if one_line(line, name) else CRASHED
        detail = line if kind == FAILED else f"not a one-line message naming the input: {line!r}"
        return Outcome(kind, detail, time.perf_counter() - t0, source)
    except BaseException as exc:  # noqa: BLE001 - any other exception is what the soak looks for
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            raise
        tb = traceback.format_exc(limit=-6)
        return Outcome(CRASHED, f"{type(exc).__name__}: {exc}\n{tb}", time.perf_counter() - t0, source)
    finally:
        signal.signal(signal.SIGALRM, old)
    seconds = time.perf_counter() - t0
    try:
        doc = strict_json(out)
    except ValueError as exc:
        return Outcome(CRASHED, f"JSON not strict: {exc}", seconds, source)
    problems = span_problems(doc)
    if again != out:
        problems.append("a second extraction of the same bytes gave other JSON")
    if problems:
        return Outcome(CRASHED, "invalid output: " + "; ".join(problems[:5]), seconds, source)
    return Outcome(EXTRACTED, "", seconds, source)


def save_failure(where: Path, name: str, data: bytes, outcome: Outcome) -> Path:
    """Keep a crashing or hanging input for reproduction: the bytes under their digest, and what happened."""
    where.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(data).hexdigest()[:12]
    suffix = Path(name).suffix or ".txt"
    path = where / f"{outcome.kind.replace(' ', '-')}-{digest}{suffix}"
    path.write_bytes(data)
    path.with_suffix(path.suffix + ".why").write_text(
        f"{outcome.kind} after {outcome.seconds:.2f} s ({outcome.source})\n{outcome.detail}\n"
        f"reproduce: .venv/bin/python -m tools.soak --replay {path}\n", "utf-8")
    return path


# --------------------------------------------------------------------------
# Fuzz workers
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkerPlan:
    index: int
    seed: int
    until: float  # time.time() at which to stop
    budget: float
    scratch: str  # current-<k>.bin and results-<k>.jsonl go here
    failures: str  # crashing inputs are saved here
    cli_every: int  # every n-th input is also copied to scratch/cli/ for the CLI share
    twice_every: int = 50  # every n-th input is extracted twice (determinism)


def _hypothesis_inputs(rng: random.Random, count: int) -> Iterator[tuple[str, bytes]]:
    """``count`` examples of :func:`inputs.notices`, drawn by hypothesis's own engine (generate phase only)."""
    from hypothesis import HealthCheck, Phase, given, seed, settings

    from .inputs import notices

    got: list[tuple[str, bytes]] = []

    @seed(rng.getrandbits(64))
    @settings(max_examples=count, deadline=None, database=None, phases=[Phase.generate], derandomize=False,
              suppress_health_check=list(HealthCheck), report_multiple_bugs=False)
    @given(notices())
    def draw(example):
        got.append(example)

    draw()
    yield from got


def _mutated_inputs(rng: random.Random, seeds: list[tuple[str, bytes]], count: int) -> Iterator[tuple[str, bytes, str]]:
    from .inputs import mutate

    for _ in range(count):
        name, data = rng.choice(seeds)
        other = rng.choice(seeds)[1]
        out, ops = mutate(rng, data, other)
        yield name, out, f"mutation:{name}:{'+'.join(ops)}"


def worker(plan: WorkerPlan) -> None:
    """Generate and classify inputs until ``plan.until``; hypothesis and mutation in turns of 100."""
    from pipeline.rules import load_rules

    from .inputs import seed_files

    rules = load_rules()
    seeds = seed_files()
    rng = random.Random(plan.seed)
    scratch = Path(plan.scratch)
    current = scratch / f"current-{plan.index}.bin"
    cli = scratch / "cli"
    cli.mkdir(exist_ok=True)
    n = 0
    with (scratch / f"results-{plan.index}.jsonl").open("a", encoding="utf-8") as log:
        turn = 0
        while time.time() < plan.until:
            turn += 1
            if turn % 2:
                batch: Iterator = ((name, data, "hypothesis") for name, data in _hypothesis_inputs(rng, 100))
            else:
                batch = _mutated_inputs(rng, seeds, 100)
            for name, data, source in batch:
                if time.time() >= plan.until:
                    break
                n += 1
                current.write_bytes(json.dumps({"name": name, "source": source}).encode() + b"\n" + data)
                budget = budget_for(plan.budget, data)
                outcome = classify(name, data, rules, budget, twice=n % plan.twice_every == 0, source=source)
                if outcome.kind in (CRASHED, HUNG):
                    save_failure(Path(plan.failures), name, data, outcome)
                elif outcome.seconds > budget / 2:  # not a failure, but worth a look: kept apart
                    save_failure(Path(plan.failures) / "slow", name, data, outcome)
                if n % plan.cli_every == 0:
                    suffix = Path(name).suffix or ".txt"
                    (cli / f"w{plan.index}-{n:06d}{suffix}").write_bytes(data)
                log.write(json.dumps({**asdict(outcome), "detail": outcome.detail[:300], "bytes": len(data)},
                                     ensure_ascii=False) + "\n")
                log.flush()
                # done with it: the time spent drawing the next inputs (hypothesis draws 100 at once) is
                # no input's (it was counted against this one, and an idle worker reported as hung)
                current.unlink(missing_ok=True)


def read_current(scratch: Path, index: int) -> tuple[str, bytes, str, float] | None:
    """The input a worker was running: ``(name, bytes, source, started)`` (from ``current-<k>.bin``)."""
    path = scratch / f"current-{index}.bin"
    try:
        started = path.stat().st_mtime  # the worker rewrites the file when it starts an input
        head, _, data = path.read_bytes().partition(b"\n")
        meta = json.loads(head)
    except (OSError, ValueError):
        return None
    return meta["name"], data, meta["source"], started


def read_results(scratch: Path) -> list[dict]:
    """Every outcome the workers logged (a line cut by a kill is skipped)."""
    rows = []
    for path in sorted(scratch.glob("results-*.jsonl")):
        for line in path.read_text("utf-8", "replace").splitlines():
            try:
                rows.append(json.loads(line))
            except ValueError:
                continue
    return rows


def start_worker(plan: WorkerPlan) -> int:
    """Fork a worker running :func:`worker`; its pid. A worker that fails writes ``worker-<k>.error``."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 0
        try:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            worker(plan)
        except BaseException:  # noqa: BLE001 - reported to the parent
            Path(plan.scratch, f"worker-{plan.index}.error").write_text(traceback.format_exc(), "utf-8")
            code = 1
        finally:
            os._exit(code)  # a forked worker never returns into the parent's code
    return pid
