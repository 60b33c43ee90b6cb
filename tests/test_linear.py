"""No input stalls a batch: every stage is linear in its input (issue: crafted inputs).

Each crafted shape is run at two sizes; the larger must cost about its share more (a quadratic
stage would cost 16x for 4x the input) and stay well under a second.
"""

from __future__ import annotations

import gc
import hashlib
import time
from pathlib import Path

import pytest

from pipeline.errors import PipelineError
from pipeline.extract import extract_raw
from pipeline.records import RawInput
from pipeline.rules import load_rules
from pipeline.segment import tokens

HEAD = "某区人民政府关于印发2025年重点工作分解意见的通知\n一、发展\n"
WIDE_HEADER = (Path(__file__).parent / "fixtures" / "linear" / "wide-header-row.tmpl").read_text("utf-8")

def _small_table(i: int) -> str:
    return (f'<p>附表{i}</p><table border="1"><tr><td>序号</td><td>重点工作</td><td>牵头单位</td></tr>'
            f"<tr><td>{i}</td><td>推进第{i}项工作</td><td>区发改局</td></tr></table>")


def _table_page(rows: str) -> str:
    """An HTML page holding one task table (序号 | 重点工作 | 牵头单位) with ``rows`` after its header."""
    return ("<html><head><meta charset=\"utf-8\"><title>2025年重点工作任务分解表</title></head><body>"
            "<table><tr><th>序号</th><th>重点工作</th><th>牵头单位</th></tr>" + rows + "</table></body></html>")


CRAFTED = {
    # (shape at size n, size the issue reported stalling at)
    "unclosed-brackets": (lambda n: HEAD + "1.推进工作" + "(" * n, 100_000),
    "labels-in-one-clause": (lambda n: HEAD + "1.推进工作(" + "牵头单位:" * n + ")", 50_000),
    "percent-list": (lambda n: HEAD + "1.增长" + "80%、" * n, 8_000),
    "count-list": (lambda n: HEAD + "1.力争" + "新增企业4家、" * n, 8_000),
    "garbled-doc-numbers": (lambda n: "港政发〔20251\n" * n, 50_000),
    "digits-before-yuan": (lambda n: HEAD + "1.投资" + "1" * n + "元", 20_000),
    "closed-brackets": (lambda n: HEAD + "1.推进工作" + "()" * n, 50_000),
    "nested-brackets": (lambda n: HEAD + "1.推进工作" + "(" * n + ")" * n, 20_000),
    "one-long-clause": (lambda n: HEAD + "1.推进" + "工作" * n + "增长7%", 50_000),
    # found by the soak: a line of at most 3 characters may be half a table header (完成 / 时限), and every
    # line of a run of them began a header scan to the run's end (27 KB of such lines: 55 s)
    "short-lines": (lambda n: HEAD + "推进\n" * n, 8_000),
    # found by the soak: a header read from every 序号 line ran to the end of a page of header-like lines
    "header-blocks": (lambda n: HEAD + "序号\n工作任务\n责任单位\n" * n, 8_000),
    # found by the soak: lines of one width under a flat header tried 40 cells in each of 50,000 states (12 s
    # for 2.7 KB); the search now counts cells
    "flat-table-one-width": (lambda n: HEAD + "牵头单位\n目标任务\n责任单位\n" + "区发改局\n" * n, 2_000),
    # found by the soak: a PDF-like paragraph whose bracket never closes was counted again at every line
    "unclosed-pdf-paragraph": (lambda n: HEAD + "1.推进工作(加快\n" + "推进工作建设推进工作建设推进工作建设推进工作建设推进\n" * n,
                               16_000),
    # found by the soak: a run of box-drawing lines that is no table was read to its end from every rule line
    "box-rule-lines": (lambda n: HEAD + "+------+------+\n" * n, 4_000),
    # found by the soak: the title's site-name pattern read a run of spaces to its end from each of its positions
    "spaces-in-a-header-line": (lambda n: "某县人民政府文件\n港政发\ufffd" + "\u3000" * n + "[2024]12号\n" + HEAD
                                + "1.推进工作(牵头单位:区发改局)", 32_000),
    # found by the soak: a units-at-the-end-of-the-line cut was tried from every space of a long run, each time
    # reading to the sentence mark after it (2,000 spaces: 24 s)
    "spaces-before-a-sentence-mark": (lambda n: HEAD + "1.推进工作" + "\u3000" * n + "建设；完成", 2_000),
    # found by the soak: a glued list of 16,000 characters was split one unit per recursion level
    "glued-units": (lambda n: HEAD + "1.推进工作(牵头单位:" + "区发改局区财政局" * n + ")", 2_000),
    # found by the soak: 50,000 one-character lines under a flat header; every line began a header scan of 24
    # lines that tried every merge of them (25 s); the scan now stops at the first unknown column
    "one-character-lines": (lambda n: HEAD + "牵头单位\n工作任务\n责任单位\n备注\n" + "攑\n" * n, 50_000),
    # found by the soak: a box-drawn table thousands of columns wide; each cell was cut from its line by
    # reading the whole line, and each │ looked for in the whole line (4,000 columns: 4.7 s)
    "wide-box-table": (lambda n: HEAD + "┌" + "──┬" * n + "──┐\n│序号│任务│" + "甲│" * (n - 1) + "\n├" + "──┼" * n
                       + "──┤\n│1 │修路│" + "乙│" * (n - 1) + "\n└" + "──┴" * n + "──┘\n", 16_000),
    # found by the soak: Word's VML blocks opened and never closed; each opening was read to the end of the
    # page looking for its close (660 KB: over a minute); and blocks whose fallback is never closed
    "unclosed-word-blocks": (lambda n: "<html><body><p>1.推进工作(牵头单位:区发改局)</p>"
                             + "<p>甲<!--[if gte vml 1]><v:textbox>乙</p>" * n + "</body></html>", 16_000),
    "unclosed-word-fallbacks": (lambda n: "<html><body><p>1.推进工作(牵头单位:区发改局)</p>"
                                + "<p>甲<!--[if gte vml 1]>乙<![endif]--><![if !vml]>丙</p>" * n + "</body></html>",
                                16_000),
    # found by the soak: a run of 35,000 ideographic spaces; read backwards for a label, every place in the
    # run read the whole run (blanks after 【label】 could end a match anywhere): 108 KB took 10 s
    "blank-run": (lambda n: "某县人民政府办公室 重点工作分解" + "\u3000" * n + "2024年\n", 36_000),
    # found by the soak: a heading, 5,000 ideographic spaces, then a sentence; the cut before closing unit
    # names was tried from every space, splitting the run every way (5 KB: over 30 s)
    "blank-run-before-a-sentence": (lambda n: HEAD + "一、扎实推进城市更新" + "\u3000" * n + "。完成老区改造2个。\n",
                                    20_000),
    # found by the soak: 30,000 序号 in one line; a glued header read from each of them ran to the line's end
    "repeated-seq-word": (lambda n: HEAD + "序号" * n + "\n", 32_000),
    # found by the soak (a mutation of tests/fixtures/html/task_table.html): a header row of 20,000 cells;
    # its distinct cells were found by comparing each with every one before it (80 s)
    "wide-header-row": (lambda n: WIDE_HEADER.replace("{cells}", '<td colspan="2">责任单位</td><td rowspan="2">备注<务</td>' * n),
                        10_000),
    # each table's cells were looked for among all the blocks of the page
    "many-small-tables": (lambda n: _table_page("</table>" + "".join(map(_small_table, range(n))) + "<table>"), 4_000),
}

RULES = load_rules()


@pytest.fixture(scope="module", autouse=True)
def warm():
    tokens("预热分词")  # jieba's dictionary loads once per process: not part of the timings


def _seconds(text: str, runs: int = 3) -> float:
    """The best of a few runs (the machine may be busy: the best is the cost of the work)."""
    data = text.encode("utf-8")
    raw = RawInput("crafted.txt", data, hashlib.sha256(data).hexdigest())
    best = float("inf")
    for _ in range(runs):
        gc.collect()  # a full collection of what earlier tests left must not land inside one timing
        gc.disable()
        t = time.perf_counter()
        try:
            extract_raw(raw, RULES)
        except PipelineError:
            pass  # a clean one-line failure is fine; a stall is not
        finally:
            gc.enable()
        best = min(best, time.perf_counter() - t)
    return best


@pytest.mark.parametrize("name", sorted(CRAFTED))
def test_crafted_input_is_read_in_linear_time(name):
    shape, reported = CRAFTED[name]
    small, large = reported // 16, reported // 4
    t_small = max(_seconds(shape(small)), 1e-3)
    t_large = _seconds(shape(large), runs=2)
    assert t_large < 1.0, f"{name}: {large} units took {t_large:.2f} s"
    assert t_large / t_small < 8, f"{name}: 4x the input cost {t_large / t_small:.1f}x (quadratic?)"


@pytest.mark.parametrize("name", ["unclosed-brackets", "percent-list", "count-list", "digits-before-yuan",
                                  "closed-brackets", "glued-units"])
def test_crafted_input_at_the_size_that_stalled_runs_in_under_a_second(name):
    shape, reported = CRAFTED[name]
    assert _seconds(shape(reported), runs=2) < 1.0


def _peak_mib(text: str) -> float:
    """Peak memory (MiB, tracemalloc) of one extraction of ``text``."""
    import tracemalloc

    data = text.encode("utf-8")
    tracemalloc.start()
    try:
        extract_raw(RawInput("crafted.html", data, hashlib.sha256(data).hexdigest()), RULES)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def test_a_wide_last_row_does_not_make_every_row_of_a_long_table_as_wide():
    # found by the soak: a last row of 24,623 cells under 26,445 rows made a grid of 650 million places
    # (5 GB, minutes); at test sizes the time is still the items', the memory shows it (old: 5.6 -> 38 MiB)
    def page(n: int) -> str:
        return _table_page("<tr><td>1</td><td>2</td></tr>" * n + "<tr>" + "<td>全年</td>" * n + "</tr>")

    small, large = _peak_mib(page(500)), _peak_mib(page(2000))
    assert large / small < 4, f"4x the rows and the width took {large / small:.1f}x the memory ({small:.1f} -> {large:.1f} MiB)"


def _html(depth: int) -> bytes:
    return ("<html><body>" + "<div>" * depth + "<p>1.推进工作。(牵头单位:区发改局)</p>" + "</div>" * depth
            + "</body></html>").encode("utf-8")


def test_deeply_nested_html_is_read_to_its_end_or_refused_never_cut():
    data = _html(200)
    ex = extract_raw(RawInput("deep.html", data, hashlib.sha256(data).hexdigest()), RULES)
    assert [a.name for a in ex.assignments] == ["区发改局"]
    data = _html(5000)
    with pytest.raises(PipelineError, match="nested .* levels deep"):
        extract_raw(RawInput("deeper.html", data, hashlib.sha256(data).hexdigest()), RULES)


def test_many_paragraphs_of_html_scale_linearly():
    def page(n: int) -> bytes:
        return ("<html><body>" + "".join(f"<p>{i % 900 + 1}.推进工作{i}。(牵头单位:区发改局)</p>" for i in range(n))
                + "</body></html>").encode("utf-8")

    def best(data: bytes) -> tuple[float, int]:
        times, n = [], 0
        for _ in range(3):
            t = time.perf_counter()
            n = len(extract_raw(RawInput("p.html", data, "0" * 64), RULES).items)
            times.append(time.perf_counter() - t)
        return min(times), n

    (t1, n1), (t2, n2) = best(page(500)), best(page(2000))
    assert (n1, n2) == (500, 2000)
    assert t2 / t1 < 8


def test_a_number_too_long_to_be_a_quantity_is_no_target_and_nothing_is_infinite():
    import json
    import math

    from pipeline.write import document_json

    data = (HEAD + "1.投资" + "9" * 400 + "元,新增企业5家。(牵头单位:区发改局)").encode("utf-8")
    ex = extract_raw(RawInput("long.txt", data, hashlib.sha256(data).hexdigest()), RULES)
    assert [(t.value, t.unit) for t in ex.targets] == [(5.0, "家")]
    assert all(math.isfinite(v) for t in ex.targets for v in (t.value, t.value_std or 0))
    json.dumps(document_json(ex), allow_nan=False)
