"""Is an output directory one whole dataset? And running ``fenjie extract`` as a process to kill.

:func:`check_dataset` reads ``out/`` as a user would (through ``out/current`` and the fixed links)
and lists what is wrong: ``current`` must point at one generation whose six tables and ``json/``
agree (the same doc_ids; each table's rows per document equal the document's ``n_*`` column and
its JSON's lists; strict JSON; every span reads its value). :func:`fingerprint` is a digest of every
published file, to tell which run's dataset a directory holds (output is byte-identical for the same
inputs, whatever the jobs, the cache or an earlier killed run).
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .fuzz import span_problems, strict_json

TABLES = ("documents", "items", "assignments", "targets", "repairs", "findings")
ROOT = Path(__file__).resolve().parents[2]


def check_dataset(out: Path, *, spans: bool = True) -> list[str]:
    """What is wrong with the dataset in ``out`` (empty: one whole, consistent dataset)."""
    import pyarrow.parquet as pq

    problems: list[str] = []
    current = out / "current"
    if not current.is_symlink():
        return [f"{current} is not a link"]
    gen = os.readlink(current)
    if "/" in gen or not gen.startswith(".gen-") or not (out / gen).is_dir():
        return [f"{current} points at {gen!r}, not a generation directory"]
    from pipeline.store import LINKED

    for name in LINKED:
        link = out / name
        if not link.is_symlink() or os.readlink(link) != f"current/{name}":
            problems.append(f"{link} is not the link current/{name}")
    base = out / gen  # read one generation (the links resolve to it too)
    try:
        tables = {t: pq.read_table(base / f"{t}.parquet") for t in TABLES}
    except Exception as exc:  # noqa: BLE001 - an unreadable table is the finding
        return problems + [f"{gen}: a table is unreadable: {type(exc).__name__}: {exc}"]
    docs = tables["documents"].column("doc_id").to_pylist()
    if docs != sorted(set(docs)):
        problems.append(f"{gen}: documents.doc_id not unique and sorted")
    counts: dict[str, dict[str, int]] = {}
    for t in TABLES[1:]:
        ids = tables[t].column("doc_id").to_pylist()
        counts[t] = {}
        for d in ids:
            counts[t][d] = counts[t].get(d, 0) + 1
        stray = set(ids) - set(docs)
        if stray:
            problems.append(f"{gen}: {t}.parquet has rows of documents not in documents.parquet: {sorted(stray)[:3]}")
        declared = tables["documents"].column(f"n_{t}").to_pylist()
        for d, n in zip(docs, declared):
            if counts[t].get(d, 0) != n:
                problems.append(f"{gen}: {d}: {t}.parquet has {counts[t].get(d, 0)} rows, n_{t} is {n}")
    if (base / "dictionary.json").exists():
        try:
            strict_json((base / "dictionary.json").read_bytes())
        except ValueError as exc:
            problems.append(f"{gen}: dictionary.json: not strict JSON: {exc}")
    json_dir = base / "json"
    names = sorted(p.name for p in json_dir.iterdir()) if json_dir.is_dir() else []
    if names != sorted(f"{d}.json" for d in docs):
        problems.append(f"{gen}: json/ holds {len(names)} files, documents.parquet {len(docs)} "
                        f"(e.g. {sorted(set(names) ^ {f'{d}.json' for d in docs})[:3]})")
    for d in docs:
        path = json_dir / f"{d}.json"
        if not path.is_file():
            continue
        try:
            doc = strict_json(path.read_bytes())
        except ValueError as exc:
            problems.append(f"{path}: not strict JSON: {exc}")
            continue
        if doc.get("doc_id") != d:
            problems.append(f"{path}: doc_id is {doc.get('doc_id')!r}")
        for t in TABLES[1:]:
            if len(doc.get(t, [])) != counts[t].get(d, 0):
                problems.append(f"{path}: {len(doc.get(t, []))} {t}, {t}.parquet has {counts[t].get(d, 0)}")
        if spans:
            problems.extend(f"{path}: {p}" for p in span_problems(doc)[:3])
        if len(problems) > 20:
            break
    return problems


def fingerprint(out: Path) -> str | None:
    """A digest of every published file of the dataset (None: no dataset)."""
    current = out / "current"
    if not current.is_symlink():
        return None
    base = out / os.readlink(current)
    from pipeline.store import LINKED

    h = hashlib.sha256()
    try:
        for name in LINKED:  # the tables, then whatever else the generation publishes beside them
            if name != "json":
                h.update(name.encode() + b"\0" + (base / name).read_bytes())
        for p in sorted((base / "json").iterdir()):
            h.update(p.name.encode() + b"\0" + p.read_bytes())
    except OSError as exc:
        return f"unreadable: {exc}"
    return h.hexdigest()


def leftovers(out: Path) -> list[str]:
    """What an unkilled run must not leave behind: other generations, temporary links, temporary files."""
    current = os.readlink(out / "current") if (out / "current").is_symlink() else None
    bad = [p.name for p in out.iterdir()
           if (p.name.startswith(".gen-") and p.name != current) or p.name.startswith((".current.", ".legacy-"))]
    cache = out / ".cache"
    if cache.is_dir():
        bad += [f".cache/{p.parent.name}/{p.name}" for p in cache.glob("*/.*.tmp")]
    return bad


# --------------------------------------------------------------------------
# fenjie extract as a process
# --------------------------------------------------------------------------

#: Runs ``fenjie extract`` and SIGKILLs itself at a named moment (as tests/test_dataset.py does):
#: a commit point of pipeline.store (``written``, ``synced``, ``switched``, ``cleaned``), after the
#: n-th document is added to the generation (``document-<n>``), or after the n-th link is replaced
#: (``link-<n>``: the fixed links and ``current`` are switched one rename at a time).
KILLER = """
import os, signal, sys
import pipeline.store as store
import pipeline.write as write
point, args = sys.argv[1], sys.argv[2:]
def die():
    os.kill(os.getpid(), signal.SIGKILL)
store.checkpoint = lambda p: die() if p == point else None
if point.startswith("document-"):
    n, add = int(point.split("-")[1]), write.DatasetWriter.add
    def counting(self, *a, **k):
        add(self, *a, **k)
        if self.n_documents == n:
            die()
    write.DatasetWriter.add = counting
if point.startswith("link-"):
    n, replace, seen = int(point.split("-")[1]), store._replace_link, [0]
    def counting_link(*a, **k):
        replace(*a, **k)
        seen[0] += 1
        if seen[0] == n:
            die()
    store._replace_link = counting_link
from pipeline.cli import main
sys.argv = ["fenjie", "extract", *args]
main()
"""
COMMIT_POINTS = ("written", "synced", "switched", "cleaned")


@dataclass
class Run:
    """A finished ``fenjie extract`` process (its own process group: ``pid`` is the group's id)."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    pid: int = 0


def extract_cmd(inputs: list[str], out: Path, *, jobs: int = 1, no_cache: bool = False,
                doc_timeout: float | None = None) -> list[str]:
    args = [*inputs, "--out", str(out), "--jobs", str(jobs)]
    if no_cache:
        args.append("--no-cache")
    if doc_timeout is not None:
        args += ["--doc-timeout", f"{doc_timeout:g}"]
    return args


def fenjie(args: list[str], *, point: str | None = None, timeout: float = 300, env: dict | None = None) -> Run:
    """Run ``fenjie extract ARGS`` to its end (or, with ``point``, to its self-inflicted SIGKILL there)."""
    cmd = [sys.executable, "-c", KILLER, point, *args] if point else [sys.executable, "-m", "pipeline", "extract", *args]
    t = time.monotonic()
    p = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                         start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        raise
    return Run(args, p.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"),
               time.monotonic() - t, p.pid)


def fenjie_killed_after(args: list[str], delay: float, *, group: bool = False, timeout: float = 300) -> Run:
    """Start ``fenjie extract ARGS``, SIGKILL it after ``delay`` seconds (its process group with ``group``)."""
    t = time.monotonic()
    p = subprocess.Popen([sys.executable, "-m", "pipeline", "extract", *args], cwd=ROOT, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = p.communicate(timeout=delay)
    except subprocess.TimeoutExpired:
        if group:
            os.killpg(p.pid, signal.SIGKILL)
        else:
            p.send_signal(signal.SIGKILL)
        out, err = p.communicate(timeout=timeout)
    return Run(args, p.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"),
               time.monotonic() - t, p.pid)


def live_in_group(pgid: int) -> list[int]:
    """Processes of group ``pgid`` still running (zombies left for init to reap are not)."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            pids.append(int(stat.parent.name))
    return pids


def wait_orphans(pgid: int, timeout: float = 10) -> bool:
    """Wait until no process of group ``pgid`` is left (a killed run's workers exit by themselves); True if none."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if not live_in_group(pgid):
            return True
        time.sleep(0.05)
    return False
