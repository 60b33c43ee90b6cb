"""The soak's phases, its tally and its summary (see the package docstring)."""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .datasets import (
    COMMIT_POINTS,
    ROOT,
    Run,
    check_dataset,
    extract_cmd,
    fenjie,
    fenjie_killed_after,
    fingerprint,
    leftovers,
    wait_orphans,
)
from .fuzz import (
    CRASHED,
    EXTRACTED,
    FAILED,
    HUNG,
    KINDS,
    Outcome,
    WorkerPlan,
    budget_for,
    classify,
    read_current,
    read_results,
    save_failure,
    start_worker,
)

#: Shares of the time after the crafted inputs (the rest of the crafted phase is not timed).
SHARES = {"fuzz": 0.45, "cli": 0.08, "kills": 0.27, "concurrent": 0.10, "disk-full": 0.10}
PHASES = ("crafted", "fuzz", "cli", "kills", "concurrent", "disk-full")
#: Inputs per `fenjie extract` run of the CLI share.
CLI_BATCH = 25
#: Size of the tmpfs of the disk-full phase.
TMPFS_SIZE = "3m"


@dataclass
class Tally:
    inputs: Counter = field(default_factory=Counter)  # kind -> n (in-process and CLI)
    by_source: Counter = field(default_factory=Counter)  # hypothesis / mutation / crafted / cli -> n
    slowest: list[tuple[float, str]] = field(default_factory=list)
    kills: Counter = field(default_factory=Counter)  # moment -> kills survived
    kill_failures: list[str] = field(default_factory=list)
    finished_before_kill: int = 0
    recoveries: int = 0
    concurrent_trials: int = 0
    concurrent_runs: int = 0
    diskfull: Counter = field(default_factory=Counter)  # "full" / "fit" / "skipped"
    consistent: int = 0
    inconsistent: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # anything else that must fail the soak
    crafted: list[str] = field(default_factory=list)  # one line per crafted input

    def outcome(self, o: Outcome, source: str) -> None:
        self.inputs[o.kind] += 1
        self.by_source[source] += 1
        self.slowest = sorted([*self.slowest, (o.seconds, o.source or source)], reverse=True)[:3]

    def dataset(self, out: Path, context: str, keep_dir: Path | None = None) -> bool:
        """Check the dataset in ``out``; count it; keep a copy of an inconsistent one."""
        problems = check_dataset(out)
        if not problems:
            self.consistent += 1
            return True
        self.inconsistent.append(f"{context}: {'; '.join(problems[:3])}")
        if keep_dir is not None:
            dest = keep_dir / f"inconsistent-{len(self.inconsistent)}"
            shutil.copytree(out, dest, symlinks=True, ignore=shutil.ignore_patterns(".cache"), dirs_exist_ok=True)
            (dest / "WHY.txt").write_text(context + "\n" + "\n".join(problems) + "\n", "utf-8")
        return False

    @property
    def failed(self) -> bool:
        return bool(self.inputs[CRASHED] or self.inputs[HUNG] or self.inconsistent or self.kill_failures
                    or self.problems)


def say(msg: str) -> None:
    print(f"soak: {msg}", file=sys.stderr, flush=True)


def _warm():
    from pipeline.rules import load_rules
    from pipeline.segment import tokens

    tokens("预热分词")  # jieba's dictionary, loaded once before forking
    return load_rules()


# --------------------------------------------------------------------------
# Crafted inputs
# --------------------------------------------------------------------------


def _in_child(name: str, data: bytes, budget: float) -> tuple[Outcome, int]:
    """Classify one input in a forked child (its own memory, killed past 2x the budget); also its peak RSS in KB."""
    import json

    from .fuzz import classify

    rd, wr = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(rd)
        try:
            o = classify(name, data, RULES, budget)
            os.write(wr, json.dumps(o.__dict__).encode())
        finally:
            os._exit(0)
    os.close(wr)
    t = time.monotonic()
    chunks = []
    os.set_blocking(rd, False)
    while True:
        try:
            chunk = os.read(rd, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
        except BlockingIOError:
            if time.monotonic() - t > 2 * budget + 5:
                os.kill(pid, signal.SIGKILL)
                break
            time.sleep(0.01)
    os.close(rd)
    _, status, usage = os.wait4(pid, 0)
    if not chunks:
        return Outcome(HUNG if time.monotonic() - t > 2 * budget else CRASHED,
                       f"child ended with status {status} and no result", time.monotonic() - t), usage.ru_maxrss
    return Outcome(**json.loads(b"".join(chunks))), usage.ru_maxrss


def crafted_phase(tally: Tally, failures: Path, budget: float) -> None:
    from .inputs import crafted_inputs

    say("crafted inputs (issue 12's shapes at 1x, 2x, 4x their reported sizes)")
    times: dict[str, list[tuple[int, float]]] = {}
    for shape, name, n, data in crafted_inputs():
        o, rss = _in_child(name, data, budget_for(budget, data))
        o = Outcome(o.kind, o.detail, o.seconds, f"crafted:{shape}")
        tally.outcome(o, "crafted")
        times.setdefault(shape, []).append((n, o.seconds))
        line = f"{name}: {len(data):,} bytes, {o.kind} in {o.seconds:.2f} s, peak {rss / 1024:.0f} MB"
        if o.kind == FAILED:
            line += f" ({o.detail.split(': ', 1)[-1][:80]})"
        tally.crafted.append(line)
        if o.kind in (CRASHED, HUNG):
            save_failure(failures, name, data, o)
            tally.crafted[-1] += f"  <-- {o.detail.splitlines()[0][:200]}"
    for shape, runs in times.items():  # 4x the input must not cost 16x
        if len(runs) >= 2 and runs[0][1] > 0.05 and runs[-1][1] / runs[0][1] > 3 * runs[-1][0] / runs[0][0]:
            tally.problems.append(f"crafted {shape}: {runs[-1][0] // runs[0][0]}x the input cost "
                                  f"{runs[-1][1] / runs[0][1]:.1f}x the time (superlinear)")


# --------------------------------------------------------------------------
# Fuzzing
# --------------------------------------------------------------------------


#: Seconds a fuzz worker may go on drawing inputs after the phase's end (hypothesis draws 100 at a time).
IDLE_GRACE = 120


def fuzz_phase(tally: Tally, until: float, *, workers: int, budget: float, seed: int, scratch: Path,
               failures: Path, cli_every: int) -> None:
    say(f"fuzzing with {workers} workers until {time.strftime('%H:%M:%S', time.localtime(until))}")
    rng = random.Random(seed)
    running: dict[int, int] = {}  # pid -> worker index
    index = 0

    def start() -> None:
        nonlocal index
        plan = WorkerPlan(index, rng.getrandbits(32), until, budget, str(scratch), str(failures), cli_every)
        running[start_worker(plan)] = index
        index += 1

    for _ in range(workers):
        start()
    hung_log = (scratch / "results-parent.jsonl").open("a", encoding="utf-8")
    try:
        while running:
            time.sleep(0.25)
            for pid, k in list(running.items()):
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    del running[pid]
                    err = scratch / f"worker-{k}.error"
                    if err.exists():  # the soak's own code failed: not an input's fault
                        tally.problems.append(f"fuzz worker {k} failed: {err.read_text('utf-8')[-1500:]}")
                    elif status != 0:  # killed by the OS, a crash in C code: the input it was running
                        _lost_worker(tally, scratch, k, failures, hung_log, f"worker died (status {status})")
                    if time.time() < until - 1:
                        start()
                    continue
                cur = read_current(scratch, k)
                if cur and time.time() - cur[3] > 2 * budget_for(budget, cur[1]) + 1:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                    del running[pid]
                    _lost_worker(tally, scratch, k, failures, hung_log, "not done within twice its budget "
                                 "(killed: the interval timer did not stop it)", kind=HUNG)
                    if time.time() < until - 1:
                        start()
                elif cur is None and time.time() > until + IDLE_GRACE:  # between inputs and not stopping
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                    del running[pid]
                    tally.problems.append(f"fuzz worker {k} still drawing inputs {IDLE_GRACE} s after the "
                                          "phase's end: killed")
    finally:
        hung_log.close()
        for pid in running:
            os.kill(pid, signal.SIGKILL)
    for row in read_results(scratch):
        src = row.get("source", "")
        tally.outcome(Outcome(row["kind"], row["detail"], row["seconds"], src),
                      "hypothesis" if src == "hypothesis" else "mutation")


def _lost_worker(tally: Tally, scratch: Path, k: int, failures: Path, log, why: str, kind: str = CRASHED) -> None:
    import json

    cur = read_current(scratch, k)
    if cur is None:
        tally.problems.append(f"fuzz worker {k}: {why}")
        return
    name, data, source, started = cur
    o = Outcome(kind, why, time.time() - started, source)
    save_failure(failures, name, data, o)
    log.write(json.dumps({**o.__dict__, "bytes": len(data)}, ensure_ascii=False) + "\n")
    log.flush()


# --------------------------------------------------------------------------
# The CLI share
# --------------------------------------------------------------------------


def cli_phase(tally: Tally, until: float, *, scratch: Path, work: Path, failures: Path, budget: float) -> None:
    files = sorted((scratch / "cli").glob("*"))
    say(f"{len(files)} fuzzed inputs through `fenjie extract`, {CLI_BATCH} a run")
    out = work / "cli-out"
    for start in range(0, len(files), CLI_BATCH):
        if time.time() >= until:
            break
        batch = files[start:start + CLI_BATCH]
        try:
            most = max(budget_for(budget, f.read_bytes()) for f in batch)
            run = fenjie(extract_cmd([str(f) for f in batch], out, jobs=2, doc_timeout=most),
                         timeout=60 + len(batch) * most)
        except subprocess.TimeoutExpired:
            for f in batch:
                tally.outcome(Outcome(HUNG, "the batch did not finish", 0, f"cli:{f.name}"), "cli")
                save_failure(failures, f.name, f.read_bytes(), Outcome(HUNG, "the batch did not finish", 0, "cli"))
            continue
        _cli_outcomes(tally, run, batch, failures)
        if (out / "current").is_symlink():
            tally.dataset(out, f"CLI batch {start // CLI_BATCH}", failures)


def _cli_outcomes(tally: Tally, run: Run, batch: list[Path], failures: Path) -> None:
    """Each input of a CLI run: extracted (in the dataset or merged into a document of it), failed, crashed, hung."""
    errors: dict[str, str] = {}
    strange = []
    for line in run.stderr.splitlines():
        if line.startswith("error: "):
            src = next((str(f) for f in batch if line.startswith(f"error: {f}: ")), None)
            if src is None:
                strange.append(line)
            else:
                errors[src] = line
        elif line.startswith("fenjie: ") and ("nothing written" in line or "waiting" in line):
            continue
        elif line.strip():
            strange.append(line)
    if run.returncode not in (0, 1) or strange or (run.returncode == 1) != bool(errors):
        why = f"exit {run.returncode}; stderr: {' | '.join(strange[:5]) or run.stderr[-500:]}"
        for f in batch:
            o = Outcome(CRASHED, why, run.seconds / len(batch), f"cli:{f.name}")
            tally.outcome(o, "cli")
        save_failure(failures, "cli-batch.txt", "\n".join(map(str, batch)).encode(), Outcome(CRASHED, why, 0, "cli"))
        return
    for f in batch:
        line = errors.get(str(f))
        if line is None:
            o = Outcome(EXTRACTED, "", run.seconds / len(batch), f"cli:{f.name}")
        elif "internal error" in line:
            o = Outcome(CRASHED, line, 0, f"cli:{f.name}")
        elif "time budget" in line:
            o = Outcome(HUNG, line, 0, f"cli:{f.name}")
        else:
            o = Outcome(FAILED, line, 0, f"cli:{f.name}")
        tally.outcome(o, "cli")
        if o.kind in (CRASHED, HUNG):
            save_failure(failures, f.name, f.read_bytes(), o)


# --------------------------------------------------------------------------
# Kills, concurrent runs, a full disk
# --------------------------------------------------------------------------


def input_sets() -> dict[str, list[str]]:
    """Inputs of distinct sizes for the dataset phases (paths as given to `fenjie extract`)."""
    formats = sorted(str(p) for p in (ROOT / "tests/fixtures/formats").iterdir() if p.suffix in (".txt", ".html"))
    real = sorted(str(p) for p in (ROOT / "../shared/corpus/real").resolve().glob("*.txt"))
    small = [str(ROOT / "tests/fixtures/formats" / f"{n}.txt")
             for n in ("deadlines-in-paren", "inline-fullwidth", "numbering-dunhao")]
    sets = {
        "sample+3": [str(ROOT / "raw/huangshigang-2025-notice.txt"), *small],
        "formats": formats,
        "examples+html": [*sorted(str(p) for p in (ROOT / "examples").glob("*.txt")),
                          *sorted(str(p) for p in (ROOT / "tests/fixtures/html").glob("*.html"))],
    }
    if real:
        sets["real"] = real
    return sets


#: Bytes each set's run writes into an empty out/ (its dataset and its cache), measured by :func:`references`.
SIZES: dict[str, int] = {}


def references(sets: dict[str, list[str]], work: Path) -> dict[str, str]:
    """The fingerprint of each set's dataset, from a run into a fresh directory without the cache."""
    refs = {}
    for name, inputs in sets.items():
        out = work / f"ref-{name}"
        run = fenjie(extract_cmd(inputs, out, jobs=1, no_cache=True))
        if run.returncode != 0:
            raise SystemExit(f"soak: reference run of {name} failed: {run.stderr[-800:]}")
        refs[name] = fingerprint(out) or ""
        SIZES[name] = sum(p.stat().st_size for p in out.rglob("*") if p.is_file() and not p.is_symlink())
    return refs


def kill_schedule(sets: dict[str, list[str]]) -> list[str]:
    """Every named moment once: the commit points, the first documents, each link switched."""
    return [*COMMIT_POINTS, "document-1", "document-2", *(f"link-{i}" for i in range(1, 9))]


def kills_phase(tally: Tally, until: float, *, sets: dict[str, list[str]], refs: dict[str, str], work: Path,
                failures: Path, rng: random.Random, least: int) -> None:
    out = work / "kill-out"
    shutil.rmtree(out, ignore_errors=True)
    by_fp = {fp: name for name, fp in refs.items()}
    durations: dict[tuple[str, bool], float] = {}
    schedule = kill_schedule(sets)
    say(f"kills until {time.strftime('%H:%M:%S', time.localtime(until))} (at least {least}, every named moment)")
    trial = 0
    while schedule or time.time() < until or sum(tally.kills.values()) < least:
        trial += 1
        if trial % 5 == 0 or (out.exists() and rng.random() < 0.1):  # an unkilled run finishes and cleans up
            _recovery(tally, out, sets, refs, rng, failures)
            continue
        before = fingerprint(out) if out.exists() else None
        name = rng.choice([n for n in sets if refs[n] != before])
        no_cache = rng.random() < 0.3
        args = extract_cmd(sets[name], out, jobs=rng.choice([1, 2]), no_cache=no_cache)
        if schedule:
            moment = schedule.pop(0)
            if moment.startswith("link-"):  # the fixed links are made by the first commit into an out/
                shutil.rmtree(out, ignore_errors=True)
                before = None
            run = fenjie(args, point=moment)
        elif rng.random() < 0.35:
            moment = rng.choice([*COMMIT_POINTS, "document-1", "document-3", "document-20", "link-1", "link-3"])
            run = fenjie(args, point=moment)
        else:
            typical = durations.get((name, no_cache))
            if typical is None:
                probe = fenjie(args)  # how long this kind of run takes, to kill it somewhere inside
                durations[(name, no_cache)] = typical = probe.seconds
                tally.dataset(out, f"probe run of {name}", failures)
                continue
            group = rng.random() < 0.3
            delay = rng.uniform(0.25 * typical, 1.1 * typical)
            moment = "random (process group)" if group else "random (parent only)"
            run = fenjie_killed_after(args, delay, group=group)
        if not wait_orphans(run.pid):
            tally.kill_failures.append(f"{name} at {moment}: worker processes still running 10 s after the kill")
        if run.returncode == 0:
            tally.finished_before_kill += 1
            moment = None
        elif run.returncode != -9:
            tally.kill_failures.append(f"{name} at {moment}: exit {run.returncode}: {run.stderr[-300:]}")
            continue
        after = fingerprint(out) if (out / "current").is_symlink() else None
        ok = after in (before, refs[name])
        if after is not None:
            ok = tally.dataset(out, f"kill at {moment} while writing {name}", failures) and ok
        if not ok:
            tally.kill_failures.append(f"{name} at {moment}: the dataset is {by_fp.get(after or '', after)}, "
                                       f"neither the previous ({by_fp.get(before or '', before)}) nor {name}")
        elif moment is not None:
            tally.kills[moment] += 1


def _recovery(tally: Tally, out: Path, sets, refs, rng: random.Random, failures: Path) -> None:
    name = rng.choice(list(sets))
    run = fenjie(extract_cmd(sets[name], out, jobs=rng.choice([1, 2])))
    tally.recoveries += 1
    if run.returncode != 0:
        tally.kill_failures.append(f"run after kills ({name}): exit {run.returncode}: {run.stderr[-300:]}")
        return
    if fingerprint(out) != refs[name]:
        tally.kill_failures.append(f"run after kills ({name}): not the dataset a fresh run writes")
    left = leftovers(out)
    if left:
        tally.kill_failures.append(f"run after kills ({name}) left {left[:5]}")
    tally.dataset(out, f"run after kills ({name})", failures)


def concurrent_phase(tally: Tally, until: float, *, sets, refs, work: Path, failures: Path,
                     rng: random.Random) -> None:
    say("concurrent runs into one out/")
    out = work / "concurrent-out"
    shutil.rmtree(out, ignore_errors=True)
    trials = 0
    while time.time() < until or trials < 3:
        trials += 1
        names = rng.sample(list(sets), rng.choice([2, 3]))
        procs = []
        for n in names:
            args = extract_cmd(sets[n], out, jobs=rng.choice([1, 2]), no_cache=rng.random() < 0.3)
            procs.append((n, subprocess.Popen([sys.executable, "-m", "pipeline", "extract", *args], cwd=ROOT,
                                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)))
            time.sleep(rng.uniform(0, 0.4))
        codes = []
        for n, p in procs:
            _, err = p.communicate(timeout=600)
            codes.append(p.returncode)
            if p.returncode != 0:
                tally.problems.append(f"concurrent run of {n} ({', '.join(names)}): exit {p.returncode}: "
                                      f"{err.decode('utf-8', 'replace')[-300:]}")
        tally.concurrent_trials += 1
        tally.concurrent_runs += len(procs)
        fp = fingerprint(out)
        if fp not in {refs[n] for n in names}:
            tally.inconsistent.append(f"concurrent {names}: the dataset is none of the runs' datasets")
        tally.dataset(out, f"concurrent {names}", failures)
        left = leftovers(out)
        if left:
            tally.problems.append(f"concurrent {names} left {left[:5]}")


def diskfull_phase(tally: Tally, until: float, *, sets, refs, work: Path, failures: Path,
                   rng: random.Random) -> None:
    if os.geteuid() != 0:
        say("disk-full phase skipped: mounting a tmpfs needs root")
        tally.diskfull["skipped (not root)"] += 1
        return
    mnt = Path(tempfile.mkdtemp(prefix="fenjie-soak-tmpfs-"))
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={TMPFS_SIZE}", "tmpfs", str(mnt)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        say(f"disk-full phase skipped: mount failed: {mounted.stderr.strip()}")
        tally.diskfull["skipped (mount failed)"] += 1
        return
    say(f"disk full: a {TMPFS_SIZE} tmpfs at {mnt}")
    try:
        trials = 0
        while time.time() < until or trials < 3:
            trials += 1
            _diskfull_trial(tally, mnt, sets, refs, failures, rng)
    finally:
        subprocess.run(["umount", str(mnt)], check=False)
        shutil.rmtree(mnt, ignore_errors=True)


def _diskfull_trial(tally: Tally, mnt: Path, sets, refs, failures: Path, rng: random.Random) -> None:
    for p in mnt.iterdir():
        shutil.rmtree(p) if p.is_dir() and not p.is_symlink() else p.unlink()
    out = mnt / "out"
    first = fenjie(extract_cmd(sets["sample+3"], out))
    if first.returncode != 0:
        tally.problems.append(f"disk full: the first dataset does not fit an empty {TMPFS_SIZE} tmpfs: "
                              f"{first.stderr[-300:]}")
        return
    before = fingerprint(out)
    name = rng.choice([n for n in sets if n != "sample+3"])
    st = os.statvfs(mnt)
    free = st.f_bavail * st.f_frsize
    ballast = max(0, int(free - rng.uniform(0, 1.3) * SIZES.get(name, free)))  # mostly: the run does not fit
    with open(mnt / "ballast", "wb") as fh:
        try:
            fh.write(b"\0" * ballast)
        except OSError:
            pass
    run = fenjie(extract_cmd(sets[name], out, jobs=rng.choice([1, 2]), no_cache=rng.random() < 0.5))
    context = f"disk full ({ballast // 1024} KB ballast, {name})"
    if run.returncode == 0:
        tally.diskfull["fit"] += 1
        if fingerprint(out) != refs[name]:
            tally.inconsistent.append(f"{context}: exit 0 but not the dataset a fresh run writes")
        tally.dataset(out, context, failures)
        return
    lines = [ln for ln in run.stderr.splitlines() if ln.strip()]
    full = [ln for ln in lines if "No space left on device" in ln]
    ok_message = (run.returncode == 1 and len(full) == 1 and full[0].startswith(f"fenjie: {mnt}/")
                  and f"{out} still holds the previous dataset" in full[0]
                  and all(ln.startswith(("error: ", "fenjie: ")) and "internal error" not in ln for ln in lines))
    if not ok_message:
        tally.problems.append(f"{context}: exit {run.returncode}, stderr: {' | '.join(lines[-4:])[:600]}")
    tally.diskfull["full"] += 1
    if fingerprint(out) != before:
        tally.inconsistent.append(f"{context}: the previous dataset is not whole")
    tally.dataset(out, context, failures)
    (mnt / "ballast").unlink()
    again = fenjie(extract_cmd(sets[name], out))
    if again.returncode != 0 or fingerprint(out) != refs[name] or leftovers(out):
        tally.problems.append(f"{context}: the run after the disk was freed: exit {again.returncode}, "
                              f"left {leftovers(out)[:3]}, {again.stderr[-300:]}")
    tally.dataset(out, context + ", then freed", failures)


# --------------------------------------------------------------------------
# Summary
# --------------------------------------------------------------------------


def summary(tally: Tally, minutes: float, failures: Path, seed: int) -> str:
    n = sum(tally.inputs.values())
    src = ", ".join(f"{k} {v:,}" for k, v in sorted(tally.by_source.items()))
    kills = sum(tally.kills.values())
    lines = [
        f"soak: {minutes:.1f} minutes (seed {seed})",
        f"  inputs tried        {n:>7,}  ({src})",
        *(f"    {k:<17} {tally.inputs[k]:>7,}" for k in KINDS),
        "  slowest inputs      " + "; ".join(f"{s:.2f} s {w[:60]}" for s, w in tally.slowest),
        f"  kills survived      {kills:>7,}  ({', '.join(f'{k} {v}' for k, v in sorted(tally.kills.items()))})",
        f"    runs done before their kill {tally.finished_before_kill}, unkilled runs after kills "
        f"{tally.recoveries}, kill failures {len(tally.kill_failures)}",
        f"  concurrent runs     {tally.concurrent_runs:>7,}  ({tally.concurrent_trials} trials of 2 or 3 runs)",
        f"  disk-full runs      {sum(tally.diskfull.values()):>7,}  "
        f"({', '.join(f'{k} {v}' for k, v in sorted(tally.diskfull.items())) or 'none'})",
        f"  datasets checked    {tally.consistent:>7,} consistent / {len(tally.inconsistent)} inconsistent",
    ]
    if tally.crafted:
        lines += ["  crafted inputs:"] + [f"    {c}" for c in tally.crafted]
    for title, items in (("kill failures", tally.kill_failures), ("inconsistent datasets", tally.inconsistent),
                         ("problems", tally.problems)):
        if items:
            lines += [f"  {title}:"] + [f"    {x}" for x in items[:20]]
    slow = sorted((failures / "slow").glob("*.why")) if (failures / "slow").is_dir() else []
    if slow:
        lines.append(f"  {len(slow)} slow inputs (over half their budget, not failures) kept in {failures}/slow/")
    saved = sorted(failures.glob("*.why")) if failures.is_dir() else []
    if saved:
        lines.append(f"  {len(saved)} failing inputs saved in {failures}/ (replay: python -m tools.soak --replay FILE)")
    lines.append("soak: FAILED" if tally.failed else "soak: passed")
    return "\n".join(lines)


def replay(paths: list[str], budget: float) -> int:
    rules = _warm()
    bad = 0
    for p in paths:
        if p.endswith(".why"):
            continue
        data = Path(p).read_bytes()
        o = classify(Path(p).name, data, rules, budget_for(budget, data))
        print(f"{p}: {o.kind} in {o.seconds:.2f} s\n{o.detail}")
        bad += o.kind in (CRASHED, HUNG)
    return 1 if bad else 0


RULES = None


def main(argv: list[str] | None = None) -> int:
    global RULES
    ap = argparse.ArgumentParser(prog="python -m tools.soak", description=__doc__)
    ap.add_argument("--minutes", type=float, default=10.0, help="how long to run (default 10)")
    ap.add_argument("--report", type=Path, default=ROOT / "out" / "soak", help="failing inputs go to REPORT/failures")
    ap.add_argument("--budget", type=float, default=5.0, help="seconds one input may take (default 5)")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="fuzz worker processes")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--phases", default=",".join(PHASES), help=f"comma-separated subset of {','.join(PHASES)}")
    ap.add_argument("--kills", type=int, default=100, help="at least this many kills (default 100)")
    ap.add_argument("--replay", nargs="+", metavar="FILE", help="classify these inputs and exit")
    args = ap.parse_args(argv)
    if args.replay:
        return replay(args.replay, args.budget)
    seed = args.seed if args.seed is not None else random.SystemRandom().getrandbits(32)
    rng = random.Random(seed)
    phases = set(args.phases.split(","))
    failures = args.report / "failures"
    failures.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="fenjie-soak-"))
    tally = Tally()
    t0 = time.time()
    end = t0 + args.minutes * 60
    try:
        RULES = _warm()
        if "crafted" in phases:
            crafted_phase(tally, failures, args.budget * 2)
        left = max(0.0, end - time.time())
        shares = {k: v for k, v in SHARES.items() if k in phases}
        total = sum(shares.values()) or 1.0
        deadline = time.time()

        def until(phase: str) -> float:
            nonlocal deadline
            deadline = deadline + left * shares.get(phase, 0) / total
            return deadline

        scratch = work / "fuzz"
        scratch.mkdir()
        if "fuzz" in phases:
            fuzz_phase(tally, until("fuzz"), workers=args.workers, budget=args.budget, seed=rng.getrandbits(32),
                       scratch=scratch, failures=failures, cli_every=40)
        if "cli" in phases:
            cli_phase(tally, until("cli"), scratch=scratch, work=work, failures=failures, budget=args.budget)
        sets = input_sets()
        refs = references(sets, work) if phases & {"kills", "concurrent", "disk-full"} else {}
        if "kills" in phases:
            kills_phase(tally, until("kills"), sets=sets, refs=refs, work=work, failures=failures, rng=rng,
                        least=args.kills)
        if "concurrent" in phases:
            concurrent_phase(tally, until("concurrent"), sets=sets, refs=refs, work=work, failures=failures, rng=rng)
        if "disk-full" in phases:
            diskfull_phase(tally, until("disk-full"), sets=sets, refs=refs, work=work, failures=failures, rng=rng)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(summary(tally, (time.time() - t0) / 60, failures, seed))
    return 1 if tally.failed else 0


if __name__ == "__main__":
    sys.exit(main())
