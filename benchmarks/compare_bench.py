"""Benchmark (not a test): ``compare`` of two synthetic notices of N tasks each, time and peak memory.

The notices are generated, deterministic (seeded), in the shape the compare stage sees: task texts of
6-24 words drawn from jieba's dictionary with a Zipf-like skew (so a few words such as 建设/推进/企业 are
in many tasks and most are rare, as in real notices), one to four units per task from a pool of 60 unit
names, and a target on one task in ten (a few with canonical indicators). The newer notice keeps 80% of
the older tasks, each reworded (a quarter of its words replaced, some inserted or deleted, its number
moved), drops the other 20%, adds 20% new tasks and swaps a few neighbours.

Each size runs in a fresh child process, so its peak RSS (``ru_maxrss``) is that of one comparison:
interpreter, imports, jieba's dictionary, generation and ``compare`` together. Time is the wall time
of the ``compare`` call alone (generation excluded).

Usage (from the repository root):

    python benchmarks/compare_bench.py                  # N = 100, 1000, 5000
    python benchmarks/compare_bench.py --sizes 100 1000 --root /tmp/before   # another checkout's code
    python benchmarks/compare_bench.py --full          # the whole comparison, tables and reports written

``--root`` runs the ``pipeline`` package of another checkout (e.g. ``git worktree add /tmp/before
<commit>``) on the same generated notices: that is how the "before" figures were taken.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Canonical indicator wordings used for some targets (all in rules/indicators.toml).
INDICATOR_METRICS = ["地区生产总值", "规模以上工业增加值", "固定资产投资", "社会消费品零售总额", "城镇登记失业率",
                     "一般公共预算收入", "外贸出口", "技改投资"]


def vocabulary(size: int = 20000) -> list[str]:
    """The ``size`` most frequent 2-4 character CJK words of jieba's dictionary (most frequent first)."""
    import jieba

    path = Path(jieba.__file__).parent / "dict.txt"
    words = []
    for line in path.read_text(encoding="utf-8").splitlines():
        word, freq, *_ = line.split(" ")
        if 2 <= len(word) <= 4 and all("\u4e00" <= ch <= "\u9fff" for ch in word):
            words.append((-int(freq), word))
    words.sort()
    return [w for _, w in words[:size]]


def notices(n: int, seed: int = 13):
    """Two synthetic extractions (older, newer) of about ``n`` tasks each."""
    from pipeline.records import Assignment, Document, Extraction, Item, Target

    rng = random.Random(seed)
    vocab = vocabulary()
    weights = [1.0 / (rank + 10) for rank in range(len(vocab))]  # Zipf-like: a few words everywhere
    units = [f"区{rng.choice(vocab)}局" for _ in range(60)]

    def words(k: int) -> list[str]:
        return rng.choices(vocab, weights=weights, k=k)

    def task() -> list[str]:
        return words(rng.randint(6, 24))

    def reword(ws: list[str]) -> list[str]:
        out = [rng.choice(vocab) if rng.random() < 0.25 else w for w in ws]
        if rng.random() < 0.5:
            out.insert(rng.randrange(len(out) + 1), words(1)[0])
        if len(out) > 6 and rng.random() < 0.5:
            del out[rng.randrange(len(out))]
        return out

    old_tasks = [(task(), rng.sample(units, rng.randint(1, 4)), rng.random() < 0.1) for _ in range(n)]
    new_tasks = []
    for ws, us, has_target in old_tasks:
        if rng.random() < 0.8:
            new_tasks.append((reword(ws), us if rng.random() < 0.7 else rng.sample(units, 2), has_target))
        if rng.random() < 0.2:
            new_tasks.append((task(), rng.sample(units, rng.randint(1, 3)), rng.random() < 0.1))
    for i in range(1, len(new_tasks)):
        if rng.random() < 0.03:
            new_tasks[i - 1], new_tasks[i] = new_tasks[i], new_tasks[i - 1]

    def build(doc_id: str, tasks) -> Extraction:
        items, assignments, targets = [], [], []
        pos = 0
        for seq, (ws, us, has_target) in enumerate(tasks, 1):
            text = "".join(ws)
            if has_target:
                metric = rng.choice(INDICATOR_METRICS) if rng.random() < 0.3 else "新增" + ws[0]
                num = rng.randint(2, 40)
                span = f"{metric}{num}个"
                text = f"{text},{span}"
                targets.append(Target(doc_id=doc_id, item_seq=seq, metric=metric, kind="count", value=float(num),
                                      value_high=None, unit="个", value_std=float(num), unit_std="个",
                                      qualifier="exact", aspirational=False, span_text=span,
                                      span_start=pos + len(text) - len(span), span_end=pos + len(text)))
            items.append(Item(doc_id=doc_id, item_seq=seq, item_label=f"{seq}.", section_label=None,
                              section_title=None, subsection_label=None, subsection_title=None, group_title=None,
                              text=text, span_start=pos, span_end=pos + len(text)))
            for k, u in enumerate(us, 1):
                assignments.append(Assignment(doc_id=doc_id, item_seq=seq, role="lead" if k == 1 else "responsible",
                                              role_label="牵头单位" if k == 1 else "责任单位", position=k, name=u,
                                              name_raw=u, acting_lead=False))
            pos += len(text) + 1
        doc = Document(doc_id=doc_id, source=doc_id, source_sha256="0" * 64, encoding="utf-8", issuer=None,
                       doc_number=None, title=None, year=None, issued_date=None, published_date=None,
                       n_items=len(items), n_assignments=len(assignments), n_targets=len(targets))
        return Extraction(document=doc, text="\n".join(i.text for i in items), items=tuple(items),
                          assignments=tuple(assignments), targets=tuple(targets))

    return build(f"bench-old-{n}", old_tasks), build(f"bench-new-{n}", new_tasks)


def child(n: int, full: bool) -> None:
    """Generate, compare once, print one JSON line (run in a fresh process). ``full``: also build the
    series views and write the tables and both reports (what ``fenjie compare`` does after reading)."""
    import resource
    import tempfile
    import time

    from pipeline.compare import compare
    from pipeline.rules import load_rules
    from pipeline.segment import tokenizer

    tokenizer()  # jieba's dictionary loaded before the clock starts (both versions need it)
    rules = load_rules()
    old, new = notices(n)
    t0 = time.perf_counter()
    if full:
        from pipeline.compare import compare_series
        from pipeline.compare.write import write_series

        series = compare_series([old, new], rules)
        with tempfile.TemporaryDirectory() as d:
            write_series(series, d)
        c = series.comparisons[0]
    else:
        c = compare(old, new, rules)
    seconds = time.perf_counter() - t0
    links = sorted((o, m) for p in c.pairs for o in p.old_items for m in p.new_items)
    print(json.dumps({"n": n, "old_items": len(old.items), "new_items": len(new.items), "seconds": round(seconds, 3),
                      "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                      "links": len(links), "links_sha1": hashlib.sha1(repr(links).encode()).hexdigest()[:10]}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000])
    ap.add_argument("--root", type=Path, default=ROOT, help="checkout whose pipeline/ is measured")
    ap.add_argument("--full", action="store_true",
                    help="time the whole comparison: series views, tables and reports written (this checkout only)")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child is not None:
        child(args.child, args.full)
        return
    print(f"{'N':>6} {'old items':>9} {'new items':>9} {'compare s':>10} {'peak RSS MiB':>13} {'links':>6}  links sha1")
    for n in args.sizes:
        r = measure(n, args.root, args.full)
        print(f"{r['n']:>6} {r['old_items']:>9} {r['new_items']:>9} {r['seconds']:>10.2f} {r['peak_rss_mib']:>13.1f} "
              f"{r['links']:>6}  {r['links_sha1']}", flush=True)


def measure(n: int, root: Path = ROOT, full: bool = False) -> dict:
    """One comparison of N x N tasks in a fresh process running ``root``'s pipeline (see :func:`child`)."""
    argv = ["x", "--child", str(n)] + (["--full"] if full else [])
    code = (f"import sys; sys.path.insert(0, {str(root.resolve())!r}); "
            f"sys.path.insert(1, {str(ROOT / 'benchmarks')!r}); sys.argv = {argv!r}; "
            "import compare_bench; compare_bench.main()")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False,
                          env={"PYTHONHASHSEED": "0", "PATH": "/usr/bin:/bin"})
    if proc.returncode:
        sys.exit(f"N={n}: {proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else proc.returncode}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
