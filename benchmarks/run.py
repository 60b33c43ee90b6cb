"""Benchmark (not a test): fenjie's html_page against trafilatura.extract.

For every page — the real CMS pages of shared/corpus/html (when present), the
HTML fixtures, and the sample notice's HTML rendering — it measures

* speed: median wall time of N calls of each extractor on the decoded page
  (parsing included, the same str given to both);
* fidelity, where the true article text is known (fixtures: their
  expected.json blocks; the sample: its capture without page chrome):
  - CJK recall: share of the true text's CJK characters (as a multiset) the
    tool's output keeps, and which it loses;
  - CJK extra: CJK characters in the output beyond the true text (chrome,
    duplicates);
  - lines verbatim: share of the true blocks found verbatim in the output
    (fails when a unit name split over spans or NBSPs comes out with spaces).
  On the real pages, whose true text is not recorded, only speed and the two
  tools' CJK agreement are reported.

Usage (from the repository root): python benchmarks/run.py [--runs N] [--json]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.decode import decode  # noqa: E402
from pipeline.html import html_page  # noqa: E402
from pipeline.read import read  # noqa: E402

CORPUS = Path("/work/shared/corpus/html")
SAMPLE_CAPTURE = Path("/work/shared/sample/huangshigang-2025-notice.txt")
FIXTURES = ROOT / "tests" / "fixtures" / "html"
SAMPLE = ROOT / "tests" / "fixtures" / "sample" / "huangshigang-2025-notice.html"

#: CJK ideographs (basic block, extension A, compatibility, extension B+).
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]")


def truth_of(path: Path) -> str | None:
    """The true article text of a page, when the repository knows it."""
    expected = path.with_name(path.stem + ".expected.json")
    if expected.is_file():
        return "\n".join(text for _, text in json.loads(expected.read_text("utf-8"))["blocks"])
    if path == SAMPLE and SAMPLE_CAPTURE.is_file():
        lines = [line.strip() for line in SAMPLE_CAPTURE.read_text("utf-8").splitlines() if line.strip()]
        return "\n".join([lines[1]] + lines[4:-3])
    return None


def median_ms(fn: Callable[[], object], runs: int) -> float:
    fn()  # warm-up (imports, caches)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def fidelity(truth: str, output: str) -> dict[str, object]:
    want, got = Counter(CJK.findall(truth)), Counter(CJK.findall(output))
    total = sum(want.values())
    kept = sum(min(n, got[c]) for c, n in want.items())
    lost = "".join(sorted((want - got).elements()))
    lines = [line for line in truth.split("\n") if line.strip()]
    verbatim = sum(1 for line in lines if line in output)
    return {
        "cjk_recall": kept / total if total else 1.0,
        "cjk_lost": lost,
        "cjk_extra": sum((got - want).values()),
        "lines_verbatim": verbatim / len(lines) if lines else 1.0,
        "lines_missing": [line for line in lines if line not in output],
    }


def pages() -> list[Path]:
    found = sorted(CORPUS.glob("*.html")) if CORPUS.is_dir() else []
    return found + sorted(FIXTURES.glob("*.html")) + [SAMPLE]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=15, help="timed calls per page and tool (median reported)")
    ap.add_argument("--json", action="store_true", help="print the raw results as JSON")
    args = ap.parse_args()

    import trafilatura

    from pipeline.errors import PipelineError
    from pipeline.extract import extract_raw
    from pipeline.rules import load_rules

    rules = load_rules()

    def whole(raw) -> None:
        """Every stage, bytes to rows (a page that is not a notice ends in its clean error)."""
        try:
            extract_raw(raw, rules)
        except PipelineError:
            pass

    rows = []
    for path in pages():
        raw = read(path)
        decoded = decode(raw)
        ours = html_page(decoded, rules.html).text
        theirs = trafilatura.extract(decoded.text, include_tables=True, deduplicate=False) or ""
        row: dict[str, object] = {
            "page": path.name,
            "kb": round(len(decoded.text.encode("utf-8")) / 1024, 1),
            "fenjie_ms": median_ms(lambda: html_page(decoded, rules.html), args.runs),  # noqa: B023
            "pipeline_ms": median_ms(lambda: whole(raw), args.runs),  # noqa: B023
            "trafilatura_ms": median_ms(
                lambda: trafilatura.extract(decoded.text, include_tables=True, deduplicate=False), args.runs),  # noqa: B023
        }
        truth = truth_of(path)
        if truth is not None:
            row["fenjie"] = fidelity(truth, ours)
            row["trafilatura"] = fidelity(truth, theirs)
        else:
            a, b = Counter(CJK.findall(ours)), Counter(CJK.findall(theirs))
            row["agreement"] = {"fenjie_cjk": sum(a.values()), "trafilatura_cjk": sum(b.values()),
                                "only_fenjie": sum((a - b).values()), "only_trafilatura": sum((b - a).values())}
        rows.append(row)

    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    print("fenjie ms: html_page (text blocks); pipeline ms: every stage, bytes to rows; trafil. ms: text only")
    print(f"{'page':40} {'KB':>6} {'fenjie ms':>10} {'pipeline ms':>11} {'trafil. ms':>10} {'speed-up':>8}")
    for r in rows:
        print(f"{r['page']:40} {r['kb']:>6} {r['fenjie_ms']:>10.2f} {r['pipeline_ms']:>11.2f} "
              f"{r['trafilatura_ms']:>10.2f} {r['trafilatura_ms'] / r['fenjie_ms']:>7.1f}x")
    total_f = sum(r["fenjie_ms"] for r in rows)
    total_p = sum(r["pipeline_ms"] for r in rows)
    total_t = sum(r["trafilatura_ms"] for r in rows)
    print(f"{'total':40} {'':>6} {total_f:>10.2f} {total_p:>11.2f} {total_t:>10.2f} {total_t / total_f:>7.1f}x\n")
    print(f"{'page (true text known)':40} {'tool':12} {'CJK recall':>10} {'extra':>6} {'lines':>6}  lost CJK")
    for r in rows:
        for tool in ("fenjie", "trafilatura"):
            f = r.get(tool)
            if isinstance(f, dict):
                lost = f["cjk_lost"]
                print(f"{r['page']:40} {tool:12} {f['cjk_recall']:>10.1%} {f['cjk_extra']:>6} "
                      f"{f['lines_verbatim']:>6.0%}  {lost[:40]}{'…' if len(lost) > 40 else ''}")
    print(f"\n{'page (no recorded truth)':40} {'fenjie CJK':>10} {'trafil. CJK':>11} {'only fenjie':>11} {'only trafil.':>12}")
    for r in rows:
        a = r.get("agreement")
        if isinstance(a, dict):
            print(f"{r['page']:40} {a['fenjie_cjk']:>10} {a['trafilatura_cjk']:>11} {a['only_fenjie']:>11} "
                  f"{a['only_trafilatura']:>12}")


if __name__ == "__main__":
    main()
