"""Benchmark (not a test): `fenjie extract` on N distinct notices, as a whole process.

Makes N copies of the sample capture that are distinct documents (each copy prints another 文号,
港政发〔2025〕<i>号, in full and in its garbled form, so neither its bytes nor its notice match another
copy), then runs
``python -m pipeline extract <dir> --out <out> --jobs J`` as a separate process and reports wall
time, documents per second and the peak resident memory of the largest process of the run (the
parent or a worker: ``ru_maxrss`` of the waited-for children), then the same command again with
nothing changed (every document from the cache).

Usage (from the repository root)::

    python benchmarks/batch.py                       # N = 1, 100, 1000; --jobs 1 and 2
    python benchmarks/batch.py --sizes 10000 --jobs 2
    python benchmarks/batch.py --root /tmp/before     # another checkout's code (see benchmarks/run.py)
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "raw" / "huangshigang-2025-notice.txt"
NUMBER, GARBLED = "港政发〔2025〕1号", "港政发〔20251\n"


def make_corpus(directory: Path, n: int) -> None:
    text = SAMPLE.read_text("utf-8")
    assert NUMBER in text and GARBLED in text
    directory.mkdir(parents=True, exist_ok=True)
    for i in range(1, n + 1):
        copy = text.replace(NUMBER, f"港政发〔2025〕{i}号").replace(GARBLED, f"港政发〔2025{i}\n")
        (directory / f"notice-{i:05d}.txt").write_text(copy, "utf-8")


def run(corpus: Path, out: Path, jobs: int, root: Path = ROOT) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB of the run's largest process) of one extract run in a fresh process.

    ``root``: the checkout whose ``pipeline`` runs (``python -m pipeline`` started in it).
    """
    cmd = [sys.executable, "-m", "pipeline", "extract", str(corpus), "--out", str(out), "--jobs", str(jobs)]
    return timed(cmd, cwd=root)


def timed(cmd: list[str], cwd: Path = ROOT) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB of the largest process of its tree) of one command run to its end.

    A small wrapper process starts the command and times it (its own start is not counted); the peak
    is the wrapper's ``RUSAGE_CHILDREN`` ``ru_maxrss``: the command and every process it waited for,
    never the memory of the process that runs the benchmark. A command that fails stops the benchmark.
    """
    code = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
            "p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE); "
            "w = time.perf_counter() - t; "
            "print(w, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, p.returncode); "
            "sys.stderr.write(p.stderr.decode('utf-8', 'replace'))")
    got = subprocess.run([sys.executable, "-c", code, *cmd], cwd=cwd, capture_output=True, text=True, check=True)
    wall, rss, rc = got.stdout.split()
    if rc != "0":
        raise SystemExit(f"{' '.join(cmd)} failed ({rc}): {got.stderr.strip()}")
    return float(wall), float(rss)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1, 100, 1000])
    ap.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--keep", action="store_true", help="keep the temporary corpus and outputs")
    ap.add_argument("--root", type=Path, default=ROOT, help="checkout whose pipeline/ is measured")
    args = ap.parse_args()
    base = Path(tempfile.mkdtemp(prefix="fenjie-bench-"))
    print(f"{'N':>6} {'jobs':>4} {'wall s':>8} {'docs/s':>8} {'peak MiB':>9}   {'again s':>8} {'peak MiB':>9}")
    try:
        for n in args.sizes:
            corpus = base / f"raw-{n}"
            make_corpus(corpus, n)
            for jobs in args.jobs:
                out = base / f"out-{n}-{jobs}"
                wall, rss = run(corpus, out, jobs, args.root)
                again, rss2 = run(corpus, out, jobs, args.root)
                print(f"{n:>6} {jobs:>4} {wall:>8.2f} {n / wall:>8.1f} {rss:>9.0f}   {again:>8.2f} {rss2:>9.0f}",
                      flush=True)
                if not args.keep:
                    shutil.rmtree(out)
            if not args.keep:
                shutil.rmtree(corpus)
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
        else:
            print(f"kept {base}")


if __name__ == "__main__":
    main()
