"""Benchmark (not a test): ``make bench``. fenjie before and after, and its peers, in one run.

Sections (each prints a Markdown table; ``--json PATH`` keeps every number):

1. **machine** — CPU, cores, memory, Python and library versions, load average before and after.
2. **pages** — every page of ``benchmarks/pages.py`` (the real CMS pages when present, the HTML
   fixtures, the sample's HTML rendering and its text capture): fenjie's whole pipeline and its HTML
   stage, ``trafilatura`` (text only), BeautifulSoup ``get_text`` and lxml ``text_content`` (the floor),
   called in turn inside each round (interleaved: the machine's slow moments fall on every tool);
   min / median / max of the rounds, and ratios to the peers measured in the same process.
3. **throughput** — ``benchmarks/throughput.py``: a corpus of distinct sample-sized notices extracted
   back to back in one warm process (what one worker of a batch does, without the write): notices per
   second per core, a process per version and round.
4. **fidelity** — how much of the true article text fenjie's HTML stage and trafilatura keep.
5. **cold start** — whole processes, hyperfine-like: ``python -c pass``, ``python -c 'import pyarrow'``
   and ``fenjie extract`` of the sample into a fresh directory, each run in turn, several rounds:
   wall time and the peak resident memory of the process tree. Bytecode is compiled first, as an
   installed package has it.
6. **batch** — ``fenjie extract`` over N distinct notices (``benchmarks/batch.py``): docs/s and peak
   RSS, ``--jobs 1`` and ``--jobs 2``, and the same command again with nothing changed.
7. **compare** — ``benchmarks/compare_bench.py`` at N x N tasks: seconds, peak RSS, alignment digest.

``--before REF`` measures the same on another commit (a ``git archive`` of it in a temporary
directory), run by run next to the current checkout, and prints before / after side by side.

Usage (from the repository root)::

    python benchmarks/run.py                        # the current checkout and its peers
    python benchmarks/run.py --before d3536f0       # and the commit before the speed-up
    python benchmarks/run.py --big                  # adds the batch of 10,000 notices
    python benchmarks/run.py --report run.json      # the tables of an earlier --json run
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import batch  # noqa: E402
import compare_bench  # noqa: E402

SAMPLE = ROOT / "raw" / "huangshigang-2025-notice.txt"
SAMPLE_HTML = "huangshigang-2025-notice.html"
SAMPLE_TEXT = "huangshigang-2025-notice.txt"
PEERS = ("trafilatura", "bs4", "lxml")

# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def spread(values: list[float]) -> dict[str, float]:
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


def fmt(s: dict[str, float], digits: int = 2) -> str:
    return f"{s['min']:.{digits}f} / {s['median']:.{digits}f} / {s['max']:.{digits}f}"


def table(head: list[str], rows: list[list[str]], right: int = 1) -> str:
    """A Markdown table; columns from ``right`` on are right-aligned."""
    line = "| " + " | ".join(head) + " |"
    rule = "| " + " | ".join("---" if i < right else "---:" for i in range(len(head))) + " |"
    return "\n".join([line, rule] + ["| " + " | ".join(r) + " |" for r in rows])


def checkout(ref: str, into: Path) -> Path:
    """The tree of commit ``ref`` unpacked in ``into`` (no change to this repository's state)."""
    into.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "archive", "--format=tar", ref], cwd=ROOT, capture_output=True, check=True)
    tar = into / "tree.tar"
    tar.write_bytes(archive.stdout)
    with tarfile.open(tar) as t:
        t.extractall(into, filter="data")
    tar.unlink()
    return into


def compile_bytecode(root: Path) -> None:
    """Byte-compile a checkout's package (an installed package has its bytecode; a cold start then
    measures the program, not the compiler)."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(root / "pipeline")], check=True,
                   stdout=subprocess.DEVNULL)


def machine() -> dict[str, object]:
    cpu = ""
    try:
        cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name")), "")
    except OSError:
        pass
    mem = ""
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())[1])
        mem = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, TypeError):
        pass
    versions = {}
    for name in ("lxml", "regex", "pyarrow", "trafilatura", "beautifulsoup4", "jieba"):
        try:
            from importlib.metadata import version

            versions[name] = version(name)
        except Exception:  # noqa: BLE001 - a missing peer is reported, not fatal
            versions[name] = "-"
    return {"cpu": cpu, "cores": len(os.sched_getaffinity(0)), "memory": mem, "python": platform.python_version(),
            "system": f"{platform.system()} {platform.release()}", "versions": versions,
            "load": [round(x, 2) for x in os.getloadavg()]}


# --------------------------------------------------------------------------
# Sections
# --------------------------------------------------------------------------


def pages_section(roots: dict[str, Path], rounds: int) -> dict[str, dict]:
    """version -> pages.py's JSON for that checkout (each in its own process, the same pages)."""
    out = {}
    for version, root in roots.items():
        proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "pages.py"), "--root", str(root),
                               "--rounds", str(rounds)], cwd=ROOT, capture_output=True, text=True)
        if proc.returncode:
            sys.exit(f"pages ({version}) failed: {proc.stderr.strip()}")
        out[version] = json.loads(proc.stdout)
    return out


def print_pages(data: dict[str, dict]) -> None:
    versions = list(data)
    last = data[versions[-1]]
    print("\n### Pages: milliseconds per call, min / median / max of the rounds\n")
    head = ["page", "KB"] + [f"pipeline ({v})" for v in versions] + ["HTML stage", "trafilatura", "bs4", "lxml",
                                                                      "pipeline / trafilatura"]
    rows = []
    for page, tools in last["times"].items():
        row = [page, f"{last['sizes'][page] / 1024:.1f}"]
        row += [fmt(spread(data[v]["times"][page]["pipeline"])) for v in versions]
        for tool in ("html_stage", *PEERS):
            row.append(fmt(spread(tools[tool])) if tool in tools else "")
        ratio = (statistics.median(tools["pipeline"]) / statistics.median(tools["trafilatura"])
                 if "trafilatura" in tools else None)
        row.append(f"{ratio:.2f}" if ratio is not None else "")
        rows.append(row)
    print(table(head, rows, right=1))
    print("\n### The sample notice: ratios of medians (below 1: fenjie is faster)\n")
    rows = []
    for v in versions:
        t = data[v]["times"]
        html, text = t[SAMPLE_HTML], t[SAMPLE_TEXT]
        med = {k: statistics.median(x) for k, x in html.items()}
        rows.append([v, f"{statistics.median(text['pipeline']):.2f}", f"{1000 / min(text['pipeline']):.0f}",
                     f"{med['pipeline']:.2f}", f"{med['pipeline'] / med['trafilatura']:.2f}",
                     f"{med['pipeline'] / med['bs4']:.2f}", f"{med['pipeline'] / med['lxml']:.1f}",
                     f"{med['html_stage'] / med['trafilatura']:.2f}"])
    print(table(["version", "text: pipeline ms", "text: notices/s (best)", "HTML: pipeline ms",
                 "pipeline / trafilatura", "pipeline / bs4", "pipeline / lxml", "HTML stage / trafilatura"],
                rows))


def throughput_section(roots: dict[str, Path], rounds: int, n: int) -> dict[str, list[float]]:
    """version -> notices per second of every timed pass of ``throughput.py`` (a process per version and
    round, the order turned each round)."""
    out: dict[str, list[float]] = {v: [] for v in roots}
    versions = list(roots)
    for r in range(rounds):
        k = r % len(versions)
        for version in versions[k:] + versions[:k]:
            proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "throughput.py"), "--root",
                                   str(roots[version]), "--n", str(n)], cwd=ROOT, capture_output=True, text=True)
            if proc.returncode:
                sys.exit(f"throughput ({version}) failed: {proc.stderr.strip()}")
            got = json.loads(proc.stdout)
            out[version].extend(got["n"] / s for s in got["seconds"])
    return out


def print_throughput(data: dict[str, list[float]], n: int | None) -> None:
    print(f"\n### Warm throughput: {n or ''} distinct sample-sized notices back to back in one process "
          "(the whole pipeline, no write), notices/s per core, min / median / max of the passes\n")
    rows = [[v, fmt(spread(x), 0), f"{1000 / statistics.median(x):.2f}"] for v, x in data.items()]
    print(table(["version", "notices/s", "ms per notice (median)"], rows))


def cold_section(roots: dict[str, Path], runs: int, work: Path) -> dict[str, dict]:
    """Whole processes, each command in turn within a round: wall seconds and peak MiB per run."""
    commands = {"python -c pass": ([sys.executable, "-c", "pass"], ROOT),
                "python -c 'import pyarrow'": ([sys.executable, "-c", "import pyarrow"], ROOT)}
    for version, root in roots.items():
        out = work / f"cold-{version}"
        commands[f"fenjie extract ({version})"] = (
            [sys.executable, "-m", "pipeline", "extract", str(SAMPLE), "--out", str(out)], root)
    names = list(commands)
    results: dict[str, dict[str, list[float]]] = {n: {"wall": [], "rss": []} for n in names}

    def once(name: str) -> tuple[float, float]:
        cmd, cwd = commands[name]
        if "--out" in cmd:
            shutil.rmtree(cmd[cmd.index("--out") + 1], ignore_errors=True)  # a first run: nothing cached
        return batch.timed(cmd, cwd)

    for name in names:  # warm-up: the OS file cache, a dictionary cache built once per checkout
        once(name)
    for r in range(runs):
        k = r % len(names)
        for name in names[k:] + names[:k]:
            wall, rss = once(name)
            results[name]["wall"].append(wall)
            results[name]["rss"].append(rss)
    return results


def print_cold(results: dict[str, dict]) -> None:
    print("\n### Cold start: one whole process, seconds min / median / max, peak RSS MiB (median)\n")
    base = statistics.median(results["python -c 'import pyarrow'"]["wall"])
    rows = [[name, fmt(spread(r["wall"]), 3), f"{statistics.median(r['rss']):.0f}",
             f"{statistics.median(r['wall']) / base:.1f}"] for name, r in results.items()]
    print(table(["command", "wall s", "peak MiB", "× import pyarrow"], rows))


def batch_section(roots: dict[str, Path], sizes: list[int], jobs: list[int], repeats: int, work: Path) -> list[dict]:
    """Every size: ``repeats`` rounds; in a round each version runs its ``--jobs`` settings back to back (the
    order of the versions and of the settings turned each round, so a busy moment of the machine does not land
    on one configuration, and a round's ``--jobs 2`` / ``--jobs 1`` ratio compares runs made seconds apart);
    then each configuration again, nothing changed."""
    out = []
    for n in sizes:
        corpus = work / f"raw-{n}"
        batch.make_corpus(corpus, n)
        versions = list(roots)
        configs = [(j, version) for j in jobs for version in versions]
        walls: dict[tuple[int, str], list[float]] = {c: [] for c in configs}
        peaks: dict[tuple[int, str], list[float]] = {c: [] for c in configs}
        for r in range(repeats):
            for version in versions[r % len(versions):] + versions[:r % len(versions)]:
                for j in (jobs if r % 2 == 0 else jobs[::-1]):
                    dest = work / f"out-{n}-{j}-{version}"
                    shutil.rmtree(dest, ignore_errors=True)
                    wall, rss = batch.run(corpus, dest, j, roots[version])
                    walls[(j, version)].append(wall)
                    peaks[(j, version)].append(rss)
        for j, version in configs:
            dest = work / f"out-{n}-{j}-{version}"
            again, rss2 = batch.run(corpus, dest, j, roots[version])
            out.append({"n": n, "jobs": j, "version": version, "wall": spread(walls[(j, version)]),
                        "rounds": walls[(j, version)], "rss": max(peaks[(j, version)]), "again": again,
                        "again_rss": rss2})
            shutil.rmtree(dest)
        shutil.rmtree(corpus)
    return out


def print_batch(rows: list[dict]) -> None:
    print("\n### Batch: `fenjie extract` over N notices, whole process (start, extraction, write, commit)\n")
    rows = [dict(r, wall=spread([r["wall"]])) if isinstance(r["wall"], float) else r for r in rows]  # one round
    body = [[str(r["n"]), str(r["jobs"]), r["version"], fmt(r["wall"]), f"{r['n'] / r['wall']['median']:.1f}",
             f"{r['rss']:.0f}", f"{r['again']:.2f}", f"{r['again_rss']:.0f}"] for r in rows]
    print(table(["N", "jobs", "version", "wall s min / median / max", "docs/s (median)", "peak MiB", "again s",
                 "again MiB"], body, right=3))
    by = {(r["n"], r["jobs"], r["version"]): r for r in rows}
    lines = []
    for (n, j, v), r in by.items():
        two = by.get((n, 2, v))
        if j != 1 or two is None:
            continue
        line = f"N={n} {v} {r['wall']['min'] / two['wall']['min']:.2f}× ({r['wall']['median'] / two['wall']['median']:.2f}×"
        if len(r.get("rounds", ())) > 1:  # each round's two runs were made back to back
            line += "; rounds " + fmt(spread([a / b for a, b in zip(r["rounds"], two["rounds"])])) + "×"
        lines.append(line + ")")
    if lines:
        print("\n`--jobs 2` speed-up over `--jobs 1` (best runs; medians; min / median / max of the rounds' ratios): "
              + ", ".join(lines))


def compare_section(roots: dict[str, Path], sizes: list[int]) -> list[dict]:
    out = []
    for n in sizes:
        for version, root in roots.items():
            r = compare_bench.measure(n, root)
            out.append(dict(r, version=version))
    return out


def print_compare(rows: list[dict]) -> None:
    print("\n### compare: N × N generated tasks, a fresh process each\n")
    body = [[str(r["n"]), r["version"], f"{r['seconds']:.2f}", f"{r['peak_rss_mib']:.0f}", str(r["links"]),
             r["links_sha1"]] for r in rows]
    print(table(["N", "version", "compare s", "peak MiB", "links", "links sha1"], body, right=2))


# --------------------------------------------------------------------------
# Fidelity (the current checkout only)
# --------------------------------------------------------------------------

#: CJK ideographs (basic block, extension A, compatibility, extension B+).
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]")
SAMPLE_CAPTURE = Path("/work/shared/sample/huangshigang-2025-notice.txt")


def truth_of(path: Path) -> str | None:
    """The true article text of a page, when the repository knows it."""
    expected = path.with_name(path.stem + ".expected.json")
    if expected.is_file():
        return "\n".join(text for _, text in json.loads(expected.read_text("utf-8"))["blocks"])
    if path.name == SAMPLE_HTML and SAMPLE_CAPTURE.is_file():
        lines = [line.strip() for line in SAMPLE_CAPTURE.read_text("utf-8").splitlines() if line.strip()]
        return "\n".join([lines[1]] + lines[4:-3])
    return None


def fidelity(truth: str, output: str) -> dict[str, object]:
    want, got = Counter(CJK.findall(truth)), Counter(CJK.findall(output))
    total = sum(want.values())
    kept = sum(min(n, got[c]) for c, n in want.items())
    lines = [line for line in truth.split("\n") if line.strip()]
    return {"cjk_recall": kept / total if total else 1.0, "cjk_lost": "".join(sorted((want - got).elements())),
            "cjk_extra": sum((got - want).values()),
            "lines_verbatim": sum(1 for line in lines if line in output) / len(lines) if lines else 1.0}


def fidelity_section() -> list[dict]:
    sys.path.insert(0, str(ROOT))
    import trafilatura
    from pages import pages

    from pipeline.decode import decode
    from pipeline.html import html_page
    from pipeline.read import read
    from pipeline.rules import load_rules

    rules = load_rules()
    out = []
    for path in pages():
        decoded = decode(read(path))
        if not decoded.is_html:
            continue
        ours = html_page(decoded, rules.html).text
        theirs = trafilatura.extract(decoded.text, include_tables=True, deduplicate=False) or ""
        truth = truth_of(path)
        if truth is not None:
            out.append({"page": path.name, "fenjie": fidelity(truth, ours), "trafilatura": fidelity(truth, theirs)})
        else:
            a, b = Counter(CJK.findall(ours)), Counter(CJK.findall(theirs))
            out.append({"page": path.name, "agreement": {
                "fenjie_cjk": sum(a.values()), "trafilatura_cjk": sum(b.values()),
                "only_fenjie": sum((a - b).values()), "only_trafilatura": sum((b - a).values())}})
    return out


def print_fidelity(rows: list[dict]) -> None:
    print("\n### Fidelity: the true article text kept (HTML stage and trafilatura)\n")
    body = []
    for r in rows:
        for tool in ("fenjie", "trafilatura"):
            f = r.get(tool)
            if isinstance(f, dict):
                lost = str(f["cjk_lost"])
                body.append([r["page"], tool, f"{f['cjk_recall']:.1%}", str(f["cjk_extra"]),
                             f"{f['lines_verbatim']:.0%}", lost[:30] + ("…" if len(lost) > 30 else "")])
    print(table(["page", "tool", "CJK recall", "extra", "lines", "lost CJK"], body, right=2))
    body = [[r["page"], *(str(r["agreement"][k]) for k in ("fenjie_cjk", "trafilatura_cjk", "only_fenjie",
                                                          "only_trafilatura"))]
            for r in rows if "agreement" in r]
    if body:
        print()
        print(table(["page (no recorded truth)", "fenjie CJK", "trafilatura CJK", "only fenjie", "only trafilatura"],
                    body))


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------


def report(results: dict) -> None:
    """Every table of a run, from its --json."""
    m = results["machine"]
    before = results.get("before")
    print("## fenjie benchmark" + (f": before = {before}, after = the working tree" if before else ""))
    print(f"\n{m['cpu']}, {m['cores']} cores, {m['memory']}; {m['system']}; Python {m['python']}; " +
          ", ".join(f"{k} {v}" for k, v in m["versions"].items()) + f"; load average at start {m['load']}" + (f"; files written under {m['work']}" if m.get("work") else ""))
    if "pages" in results:
        print_pages(results["pages"])
    if "throughput" in results:
        print_throughput(results["throughput"], results.get("throughput_n"))
    if "fidelity" in results:
        print_fidelity(results["fidelity"])
    if "cold" in results:
        print_cold(results["cold"])
    if "batch" in results:
        print_batch(results["batch"])
    if "compare" in results:
        print_compare(results["compare"])
    if "load_end" in results:
        print(f"\nload average at the end: {results['load_end']}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--before", metavar="REF", help="also measure this commit (e.g. the one before the speed-up)")
    ap.add_argument("--rounds", type=int, default=15, help="interleaved rounds of the page benchmark")
    ap.add_argument("--throughput-rounds", type=int, default=3, help="rounds of the warm throughput processes")
    ap.add_argument("--throughput-n", type=int, default=200, help="notices in the warm throughput corpus")
    ap.add_argument("--cold-runs", type=int, default=10, help="rounds of the cold-start commands")
    ap.add_argument("--sizes", type=int, nargs="+", default=[1, 100, 1000], help="batch sizes")
    ap.add_argument("--big", action="store_true", help="add the batch of 10,000 notices")
    ap.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--repeats", type=int, default=2, help="rounds of each batch configuration")
    ap.add_argument("--compare-sizes", type=int, nargs="+", default=[100, 1000, 5000])
    ap.add_argument("--skip", nargs="+", default=[], choices=["pages", "throughput", "fidelity", "cold", "batch",
                                                                         "compare"])
    ap.add_argument("--work", type=Path, help="make the temporary corpora and outputs under this directory "
                    "(e.g. /dev/shm: the batch then measures the processors, not a virtual disk)")
    ap.add_argument("--json", type=Path, help="write every number here")
    ap.add_argument("--report", type=Path, metavar="JSON", help="print the tables of an earlier --json, measure nothing")
    args = ap.parse_args()
    if args.report:
        report(json.loads(args.report.read_text("utf-8")))
        return

    work = Path(tempfile.mkdtemp(prefix="fenjie-bench-", dir=args.work))
    results: dict[str, object] = {}
    try:
        roots = {"after": ROOT}
        if args.before:
            roots = {"before": checkout(args.before, work / "before"), "after": ROOT}
        for root in roots.values():
            compile_bytecode(root)
        m = machine()
        results["machine"] = m
        m["work"] = str(work.parent)  # where the batch corpora and datasets were written
        results["before"] = args.before
        print("## fenjie benchmark" + (f": before = {args.before}, after = the working tree" if args.before else ""))
        print(f"\n{m['cpu']}, {m['cores']} cores, {m['memory']}; {m['system']}; Python {m['python']}; " +
              ", ".join(f"{k} {v}" for k, v in m["versions"].items()) + f"; load average at start {m['load']}")
        if "pages" not in args.skip:
            results["pages"] = data = pages_section(roots, args.rounds)
            print_pages(data)
        if "throughput" not in args.skip:
            results["throughput"] = speed = throughput_section(roots, args.throughput_rounds, args.throughput_n)
            results["throughput_n"] = args.throughput_n
            print_throughput(speed, args.throughput_n)
        if "fidelity" not in args.skip:
            results["fidelity"] = rows = fidelity_section()
            print_fidelity(rows)
        if "cold" not in args.skip:
            results["cold"] = cold = cold_section(roots, args.cold_runs, work)
            print_cold(cold)
        if "batch" not in args.skip:
            sizes = args.sizes + ([10000] if args.big and 10000 not in args.sizes else [])
            results["batch"] = rows = batch_section(roots, sizes, args.jobs, args.repeats, work)
            print_batch(rows)
        if "compare" not in args.skip:
            results["compare"] = rows = compare_section(roots, args.compare_sizes)
            print_compare(rows)
        results["load_end"] = [round(x, 2) for x in os.getloadavg()]
        print(f"\nload average at the end: {results['load_end']}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if args.json:
            args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", "utf-8")


if __name__ == "__main__":
    main()
