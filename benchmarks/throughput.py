"""Benchmark (not a test), one process: warm throughput, notices extracted back to back.

The corpus is the batch benchmark's (``batch.make_corpus``): N distinct copies of the sample notice,
each with its own 文号. They are read into memory first; then every pass runs the whole pipeline
(``extract_raw``: decode, page, repair, outline, assignments, targets, rows) on each notice in turn,
as one worker of a batch does (with its garbage collector's threshold), without the write. The first pass warms up (imports, the rules' lazily
compiled patterns); the passes after it are timed. The JSON printed holds the seconds of every timed pass.

This is the figure of "notices per second per core" for a warm process. ``pages.py`` measures one
call at a time instead, interleaved with other tools, which flush the processor's caches between
calls: a latency, not a throughput.

Caveat: the copies differ only in their 文号, so the small bounded caches of pure functions of a name
(is it a post, does it have a unit's shape) answer from memory more often than on a corpus of
different notices.

Usage: python benchmarks/throughput.py --root CHECKOUT --n 200 --passes 2
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", type=Path, default=ROOT, help="checkout whose pipeline/ is measured")
    ap.add_argument("--n", type=int, default=200, help="distinct notices in the corpus")
    ap.add_argument("--passes", type=int, default=2, help="timed passes over the corpus")
    args = ap.parse_args()
    root = args.root.resolve()
    sys.path.insert(0, str(root))  # this checkout's pipeline, not the one installed
    sys.path.insert(1, str(ROOT / "benchmarks"))
    import batch

    import pipeline
    from pipeline.extract import extract_raw
    from pipeline.read import read
    from pipeline.rules import load_rules

    assert Path(pipeline.__file__).resolve().is_relative_to(root), pipeline.__file__
    with tempfile.TemporaryDirectory() as tmp:
        batch.make_corpus(Path(tmp), args.n)
        raws = [read(p) for p in sorted(Path(tmp).iterdir())]
    rules = load_rules()
    import pipeline.batch  # a batch's worker sets its collector's threshold (the versions that do)

    gc.set_threshold(getattr(pipeline.batch, "WORKER_GC_THRESHOLD", 700), *gc.get_threshold()[1:])
    seconds = []
    for timed in [False] + [True] * args.passes:
        gc.collect()
        t = time.perf_counter()
        for raw in raws:
            extract_raw(raw, rules)
        if timed:
            seconds.append(time.perf_counter() - t)
    print(json.dumps({"root": str(root), "n": args.n, "seconds": seconds}))


if __name__ == "__main__":
    main()
