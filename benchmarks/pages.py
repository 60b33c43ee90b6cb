"""Benchmark (not a test), one process: fenjie and its peers on the same pages, side by side.

Run by ``benchmarks/run.py`` once per checkout (``--root``): the checkout's ``pipeline`` package is
imported from there, the peers are the same in every run. For every page, in every round, each
tool gets one call on the same input, in an order that turns round by round (so a slow moment of
the machine does not land on one tool); the JSON printed holds every time, in milliseconds.

Tools:

* ``pipeline`` — fenjie, every stage from the page's bytes to rows (``extract_raw``); a page that is
  not a notice ends in its clean error (that is its pipeline);
* ``html_stage`` — fenjie's HTML stage alone (``html_page`` on the decoded page);
* ``trafilatura`` — ``trafilatura.extract(page, include_tables=True, deduplicate=False)``: text only;
* ``bs4`` — ``BeautifulSoup(page, "lxml").get_text()``;
* ``lxml`` — ``lxml.html.fromstring(page).text_content()``: parsing and every text node, the floor.

The peers get the decoded page (a ``str``); the pipeline gets the bytes (its decode included). A
plain-text capture (the sample's ``.txt``) is measured with the pipeline alone.

Usage: python benchmarks/pages.py --root CHECKOUT --rounds 15 [PAGE ...]
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def pages() -> list[Path]:
    """The pages of the benchmark: the real CMS pages (when present), the HTML fixtures, the sample."""
    corpus = Path("/work/shared/corpus/html")
    found = sorted(corpus.glob("*.html")) if corpus.is_dir() else []
    return (found + sorted((ROOT / "tests" / "fixtures" / "html").glob("*.html"))
            + [ROOT / "tests" / "fixtures" / "sample" / "huangshigang-2025-notice.html",
               ROOT / "raw" / "huangshigang-2025-notice.txt"])


def tools_for(path: Path):
    """(name, call) of every tool measured on ``path``, with the pipeline imported (see :func:`main`)."""
    from pipeline.decode import decode
    from pipeline.errors import PipelineError
    from pipeline.extract import extract_raw
    from pipeline.read import read
    from pipeline.rules import load_rules

    rules = load_rules()
    raw = read(path)
    decoded = decode(raw)

    def pipeline() -> None:
        try:
            extract_raw(raw, rules)
        except PipelineError:
            pass

    tools = [("pipeline", pipeline)]
    if decoded.is_html:
        import lxml.html
        import trafilatura
        from bs4 import BeautifulSoup

        from pipeline.html import html_page

        text = decoded.text
        tools += [
            ("html_stage", lambda: html_page(decoded, rules.html)),
            ("trafilatura", lambda: trafilatura.extract(text, include_tables=True, deduplicate=False)),
            ("bs4", lambda: BeautifulSoup(text, "lxml").get_text()),
            ("lxml", lambda: lxml.html.fromstring(text).text_content()),
        ]
    return tools


def measure(paths: list[Path], rounds: int) -> dict[str, dict[str, list[float]]]:
    """page name -> tool -> the time of each round (ms), tools interleaved within each round."""
    runs = [(p, tools_for(p)) for p in paths]
    out: dict[str, dict[str, list[float]]] = {p.name: {name: [] for name, _ in tools} for p, tools in runs}
    for _, tools in runs:  # warm-up: imports, caches, the first call's one-time work
        for _, call in tools:
            call()
    for r in range(rounds):
        gc.collect()
        for p, tools in runs:
            k = r % len(tools)
            for name, call in tools[k:] + tools[:k]:
                t = time.perf_counter()
                call()
                out[p.name][name].append((time.perf_counter() - t) * 1000)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", type=Path, default=ROOT, help="checkout whose pipeline/ is measured")
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("pages", nargs="*", type=Path)
    args = ap.parse_args()
    root = args.root.resolve()
    sys.path.insert(0, str(root))  # this checkout's pipeline, not the one installed
    import pipeline

    assert Path(pipeline.__file__).resolve().is_relative_to(root), pipeline.__file__
    paths = args.pages or pages()
    times = measure(paths, args.rounds)
    print(json.dumps({"root": str(root), "rounds": args.rounds, "sizes": {p.name: p.stat().st_size for p in paths},
                      "times": times}))


if __name__ == "__main__":
    main()
