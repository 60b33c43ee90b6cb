"""Plain-text tables as cell blocks (pipeline/texttables.py) and PDF line breaks (pipeline/unwrap.py).

Golden fixtures are found by glob: ``tests/fixtures/texttables/<case>.txt`` is a plain-text capture;
``<case>.expected.json`` holds the cells ``[table, row, col, rowspan, colspan, header, text]`` and the
remaining paragraph blocks after ``blocks.text_page``. A case without an expected file must come out
exactly as the plain lines (not a table, not PDF text). Known failures are listed in KNOWN_FAILURES.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import shared

from pipeline import blocks as blocks_module
from pipeline.records import Cell, Decoded, Page, join_blocks
from pipeline.texttables import _split_row, cells_of, display_width, find_text_tables, flat_cells, join_lines, unit_list
from pipeline.unwrap import full_width, typeset_width, unwrap

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "texttables"
SAMPLE = ROOT / "raw" / "huangshigang-2025-notice.txt"

CASES = sorted(FIXTURES.glob("*.txt"))

#: Shapes we do not read yet; each fixture holds the right answer.
KNOWN_FAILURES = {
    "flat-empty-note-cell": "an empty 备注 cell leaves no line: the column count no longer decides the cells",
    "pdf-running-header": "a running header (the title repeated at each page top) is not dropped",
}


def decoded(path: Path) -> Decoded:
    return Decoded(path.name, path.read_text(encoding="utf-8"), "utf-8", 0, False)


@pytest.fixture()
def plain_page(rules, monkeypatch):
    """text_page without the two new steps: one block per line, as before."""
    def build(path: Path) -> Page:
        with monkeypatch.context() as m:
            m.setattr(blocks_module, "find_text_tables", lambda page, rules, gaps=None: page)
            m.setattr(blocks_module, "unwrap", lambda page, rules: page)
            return blocks_module.text_page(decoded(path), rules)
    return build


def page_of(lines: list[str]) -> Page:
    text, blocks = join_blocks([(line, "p", None) for line in lines])
    return Page("t.txt", text, blocks)


def expected_of(case: Path) -> dict | None:
    path = case.with_suffix(".expected.json")
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def case_param(case: Path):
    marks = [pytest.mark.xfail(strict=True, reason=KNOWN_FAILURES[case.stem])] if case.stem in KNOWN_FAILURES else []
    return pytest.param(case, id=case.stem, marks=marks)


# --------------------------------------------------------------------------- golden fixtures


@pytest.mark.parametrize("case", [case_param(c) for c in CASES if expected_of(c) is not None])
def test_fixture_cells_and_paragraphs(rules, case):
    page = blocks_module.text_page(decoded(case), rules)
    expected = expected_of(case)
    assert [list(c) for c in cells_of(page)] == expected["cells"]
    assert [b.text for b in page.blocks if b.kind == "p"] == expected["paragraphs"]


@pytest.mark.parametrize("case", [case_param(c) for c in CASES if expected_of(c) is None])
def test_fixture_left_as_lines(rules, plain_page, case):
    plain = plain_page(case)
    assert find_text_tables(plain, rules.flat_tables) is plain
    assert unwrap(plain, rules.unwrap) is plain
    page = blocks_module.text_page(decoded(case), rules)
    assert [(b.text, b.kind) for b in page.blocks] == [(b.text, b.kind) for b in plain.blocks]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.stem) for c in CASES])
def test_offsets_and_cells_tile(rules, case):
    """Every block's offsets point at its text; no two cells of a table cover the same position."""
    page = blocks_module.text_page(decoded(case), rules)
    assert all(page.text[b.start:b.end] == b.text for b in page.blocks)
    covered: set[tuple[int, int, int]] = set()
    for b in page.blocks:
        if b.cell is None:
            continue
        c = b.cell
        spots = {(c.table, r, k) for r in range(c.row, c.row + c.rowspan) for k in range(c.col, c.col + c.colspan)}
        assert not spots & covered, b.text
        covered |= spots


# --------------------------------------------------------------------------- the sample and the corpus


def test_sample_capture_unchanged(rules, plain_page):
    if not SAMPLE.exists():
        pytest.skip("raw/ sample missing")
    plain = plain_page(SAMPLE)
    assert find_text_tables(plain, rules.flat_tables) is plain
    assert unwrap(plain, rules.unwrap) is plain


@pytest.mark.parametrize("name", ["anshan-lishan-2023", "caidian-2023-fenjie-fangan", "changchun-2012-gangyao",
                                  "guowuyuan-2020-fengong", "jiayu-2021", "xianning-2023-traditional-mirror",
                                  "xianning-2024", "changsha-2012-table"])
def test_corpus_capture(rules, plain_page, name):
    """Corpus captures print one paragraph per line: unwrap leaves them; only the flattened table becomes cells."""
    path = shared("corpus", "text", f"{name}.txt")
    plain = plain_page(path)
    assert unwrap(plain, rules.unwrap) is plain
    tabled = find_text_tables(plain, rules.flat_tables)
    if name != "changsha-2012-table":
        assert tabled is plain
        return
    cells = cells_of(tabled)
    assert [(r, c, h) for _, r, c, _, _, h, _ in cells] == [(0, 0, True), (0, 1, True), (0, 2, True),
                                                            (1, 0, False), (1, 1, False), (1, 2, False)]
    assert cells[3][-1] == "市政府办公厅"  # wrapped 市政 / 府办 / 公厅
    assert cells[5][-1] == "市直各单位"
    assert len(cells[4][-1]) > 40


# --------------------------------------------------------------------------- helpers, table-driven


@pytest.mark.parametrize("pieces,joined", [
    (["市政", "府办", "公厅"], "市政府办公厅"),
    (["推进smart", "city建设"], "推进smart city建设"),
    (["增长7", "%左右"], "增长7%左右"),
    (["△推进道路", "  建设。 "], "△推进道路建设。"),
    (["完成", "2025年"], "完成2025年"),
], ids=["cjk-nothing", "ascii-words-space", "digit-then-percent", "stripped", "cjk-then-digit"])
def test_join_lines(pieces, joined):
    assert join_lines(pieces) == joined


@pytest.mark.parametrize("text,width", [("市政", 4), ("GDP增长7%", 9), ("┌──┐", 8), ("△任务", 6)],
                         ids=["cjk", "mixed", "box-ambiguous-wide", "triangle-ambiguous"])
def test_display_width(text, width):
    assert display_width(text) == width


@pytest.mark.parametrize("text,is_unit", [
    ("市政府办公厅", True), ("各区县(市)人民政府、市商务局等", True), ("行政审批局、市场监管局", True),
    ("市住房城乡建设委", True), ("市直各单位", True), ("县发改局(粮食局)", True),
    ("市政", False), ("推进项目建设", False), ("新增就业5000人。", False), ("一、着力扩大内需", False),
], ids=["office", "collective-and-etc", "two-units", "long-commission", "collective", "paren-alias",
        "cut-name", "task", "sentence", "heading"])
def test_unit_list(rules, text, is_unit):
    assert unit_list(text, rules.flat_tables) is is_unit


@pytest.mark.parametrize("rest,n_units,tail,cells", [
    ("推进城区道路改造  住建局  2020年12月", 1, ["note"], [(1, "推进城区道路改造"), (2, "住建局"), (3, "2020年12月")]),
    ("推进城区道路改造。 住建局", 1, ["deadline"], [(1, "推进城区道路改造。"), (2, "住建局")]),
    ("推进城区道路改造\t住建局\t城管局", 2, [], [(1, "推进城区道路改造"), (2, "住建局"), (3, "城管局")]),
    ("推进城区道路改造 住建局", 2, [], None),
    ("推进城区道路改造 城管局 住建局", 1, [], None),
    ("推进城区道路改造住建局", 1, [], None),
    ("推进 smart city 建设 数据局", 1, [], [(1, "推进 smart city 建设"), (2, "数据局")]),
    ("建设智慧城市smart city 数据局", 1, [], None),
    ("改造 住建局", 1, [], None),
], ids=["two-spaces-and-note", "one-space-after-sentence", "tabs-two-unit-columns", "unit-column-missing",
        "task-ends-in-a-unit", "no-gap", "task-keeps-its-spaces", "ascii-word-before-one-space", "task-too-short"])
def test_split_row(rules, rest, n_units, tail, cells):
    assert _split_row(rest, n_units, tail, rules.flat_tables) == cells


@pytest.mark.parametrize("lines,kinds,cells", [
    (["市政", "府办", "公厅", "强化行政监督,自觉接受监督", "市直各单位"], ["lead", "task", "responsible"],
     [(0, 3, False), (3, 4, False), (4, 5, False)]),
    (["1", "推进城区道路改造", "住建局", "2", "新建学校3所,新增学位2000个", "教育局"], ["seq", "task", "responsible"],
     [(0, 1, False), (1, 2, False), (2, 3, False), (3, 4, False), (4, 5, False), (5, 6, False)]),
    (["住建局", "推进城区道路改造", "一、民生工程", "教育局", "新建学校3所,新增学位2000个"], ["lead", "task"],
     [(0, 1, False), (1, 2, False), (2, 3, True), (3, 4, False), (4, 5, False)]),
    (["市发改委", "市财政局", "市商务局", "开展消费促进活动,增长14%"], ["lead", "responsible", "task"], None),
    (["各单位要认真落实。"], ["task", "responsible"], None),
], ids=["wrapped-lead", "seq-column", "heading-row", "glued-units-ambiguous", "no-whole-row"])
def test_flat_cells(rules, lines, kinds, cells):
    found = flat_cells(lines, kinds, rules.flat_tables)
    assert (found[1] if found else None) == cells


def test_text_tables_numbered_after_html_tables(rules):
    """A page that already holds table 0 (HTML cells) gets its text table as table 1; the cells are untouched."""
    html_cell = ("序号", "cell", Cell(0, 0, 0, 1, 1, True))
    lines = ["序号  工作任务  责任单位", "1  推进城区道路改造  住建局"]
    text, blocks = join_blocks([html_cell] + [(line, "p", None) for line in lines])
    page = find_text_tables(Page("t.txt", text, blocks), rules.flat_tables)
    assert page.blocks[0] == blocks[0]
    assert {c[0] for c in cells_of(page)[1:]} == {1}
    assert cells_of(page)[-1] == (1, 1, 2, 1, 1, False, "住建局")


# --------------------------------------------------------------------------- unwrap


@pytest.mark.parametrize("widths,width", [
    ([56, 56, 54, 56, 52, 56, 20, 56, 8], 56),
    ([120, 64, 88, 230, 56, 140, 40], None),
    ([56, 56, 56, 20, 8], None),
], ids=["pdf-widths", "paragraph-per-line", "too-few-full-lines"])
def test_full_width(widths, width):
    assert full_width(widths) == width


def test_typeset_width_counts_narrowed_punctuation_full():
    assert typeset_width("牵头单位:区发改局(粮食局)") == typeset_width("牵头单位：区发改局（粮食局）")


def _pdf_lines(n: int) -> list[str]:
    """n full lines (28 characters) of one paragraph, cut mid-sentence, the last closing it."""
    body = "推进城区道路改造提升工程完成主干道路面修复和人行道铺装" * n
    lines = [body[i:i + 28] for i in range(0, len(body), 28)][:n]
    return lines[:-1] + [lines[-1][:20] + "。"]


@pytest.mark.parametrize("lines,expected", [
    (_pdf_lines(8), ["".join(_pdf_lines(8))]),
    (_pdf_lines(4) + ["- 2 -"] + _pdf_lines(4), ["".join(_pdf_lines(4)), "".join(_pdf_lines(4))]),
    (_pdf_lines(3)[:2] + ["第 2 页"] + _pdf_lines(5), ["".join(_pdf_lines(3)[:2] + _pdf_lines(5))]),
    (_pdf_lines(4)[:3] + ["1.新建学校3所。"] + _pdf_lines(4), ["".join(_pdf_lines(4)[:3]), "1.新建学校3所。", "".join(_pdf_lines(4))]),
    (_pdf_lines(4)[:3] + ["牵头单位:区住建局"] + _pdf_lines(4),
     ["".join(_pdf_lines(4)[:3]), "牵头单位:区住建局", "".join(_pdf_lines(4))]),
    ([_pdf_lines(2)[0][:27] + ")"] + _pdf_lines(7), [_pdf_lines(2)[0][:27] + ")", "".join(_pdf_lines(7))]),
    (_pdf_lines(4)[:3] + ["2/10", "△新建学校3所。"] + _pdf_lines(4),
     ["".join(_pdf_lines(4)[:3]), "△新建学校3所。", "".join(_pdf_lines(4))]),
], ids=["one-paragraph", "dash-page-number", "page-number-mid-sentence", "item-starts", "role-label-starts",
        "closing-bracket-ends", "slash-page-number-and-bullet"])
def test_unwrap(rules, lines, expected):
    assert [b.text for b in unwrap(page_of(lines), rules.unwrap).blocks] == expected


def test_unwrap_leaves_cells(rules):
    lines = _pdf_lines(8)
    text, blocks = join_blocks([(line, "p", None) for line in lines[:4]] + [("住建局", "cell", Cell(0, 0, 0, 1, 1, False))]
                               + [(line, "p", None) for line in lines[4:]])
    out = unwrap(Page("t.txt", text, blocks), rules.unwrap)
    assert [b.kind for b in out.blocks] == ["p", "cell", "p"]
    assert out.blocks[1].cell == Cell(0, 0, 0, 1, 1, False)


def test_rule_file_kinds(rules):
    """Every header word names a kind the table path knows."""
    kinds = set(rules.flat_tables.headers.values())
    assert kinds <= {"seq", "task", "lead", "responsible", "cooperating", "leader", "deadline", "note", "category",
                     "progress"}
    assert {"seq", "task", "deadline", "note", "lead", "responsible", "leader"} <= kinds


@pytest.mark.parametrize("module", ["pipeline.anchored", "pipeline.glued", "pipeline.texttables", "pipeline.tables",
                                    "pipeline.blocks", "pipeline.html"])
def test_doctests(module):
    import doctest
    import importlib

    assert doctest.testmod(importlib.import_module(module)).failed == 0


# --------------------------------------------------------------------------- one cell per line, anchored rows

from pipeline.anchored import Slot, base_gap, fit_row, person_line, read_header
from pipeline.anchored import unit_line as cell_unit_line
from pipeline.blocks import blank_gaps


@pytest.mark.parametrize("lines,kinds,columns", [
    (["序号", "民生实事", "责任单位", "完成时限", "1"], ("seq", "task", "responsible", "deadline"), 4),
    (["序号", "名称", "工作任务", "主要责任单位", "一、经济指标"], ("seq", "other", "task", "responsible"), 4),
    (["序号", "内容与要求", "进展情况", "责任单位", "1"], ("seq", "task", "progress", "responsible"), 4),
    (["序  号", "重点工作", "市政府", "分管领导", "牵头单位", "配合单位", "备注", "1"],
     ("seq", "task", "leader", "lead", "cooperating", "note"), 6),
    (["序号", "工作", "任务", "牵头", "单位", "1"], ("seq", "task", "lead"), 3),
    (["序号", "工作任务", "责任单位", "总体要求", "1"], ("seq", "task", "responsible"), 3),
], ids=["task-column-named-by-nothing", "name-column-and-task", "progress", "leader-over-two-lines",
        "words-wrapped-over-two-lines", "trailing-title-is-no-column"])
def test_read_header(rules, lines, kinds, columns):
    head = read_header(lines, 0, rules.flat_tables)
    assert head.kinds == kinds and len(head.lines) == columns


@pytest.mark.parametrize("lines", [
    ["工作任务", "责任单位", "1"], ["序号", "工作任务", "1"], ["序号", "指标", "2024年", "1"],
    ["序号", "推进城区道路改造提升工程", "责任单位"],
], ids=["no-seq-column", "no-unit-column", "statistics", "long-line-ends-the-header"])
def test_read_header_refuses(rules, lines):
    assert read_header(lines, 0, rules.flat_tables) is None


def _slots(items):
    return [Slot(-1, "") if t is None else Slot(k, t) for k, t in enumerate(items)]


@pytest.mark.parametrize("kinds,lines,subrows,headings", [
    (["seq", "task", "responsible", "deadline"], ["新建学校2所。", "县教育局", "县住建局", "12月底前"],
     [[(1, 0, 1), (2, 1, 3), (3, 3, 4)]], []),
    (["seq", "task", "progress", "responsible"], ["新增就业5000人。", "一季度新增就业1320人,完成26.4%。", "市人社局"],
     [[(1, 0, 1), (2, 1, 2), (3, 2, 3)]], []),
    (["seq", "task", "progress", "responsible"], ["新增就业5000人。", "一季度新增1320人。", "二月新增410人。", "市人社局"],
     [[(1, 0, 1), (2, 1, 3), (3, 3, 4)]], []),
    (["seq", "task", "leader", "lead", "cooperating", "note"], ["新建支路8条。", "赵 刚", "区住建局", None, None],
     [[(1, 0, 1), (2, 1, 2), (3, 2, 3), (4, 3, 4), (5, 4, 5)]], []),
    (["seq", "task", "leader", "lead", "cooperating", "note"],
     ["新建支路8条。", "赵 刚", "区住建局", "区水务局", None, "(二)", "优化公共服务。", None, None, None, None],
     [[(1, 0, 1), (2, 1, 2), (3, 2, 3), (4, 3, 4), (5, 4, 5)]], [(5, 6)]),
    (["seq", "task", "responsible", "deadline"], ["开工建设养护楼。", "县民政局", "5月底前", "开工建设老年大学。", "12月底前"],
     [[(1, 0, 1), (2, 1, 2), (3, 2, 3)], [(1, 3, 4), (3, 4, 5)]], []),
], ids=["units-one-per-line", "progress-between-task-and-unit", "progress-of-two-paragraphs",
        "empty-cells-visible", "heading-row-after-the-row", "sub-row-shares-its-unit"])
def test_fit_row(rules, kinds, lines, subrows, headings):
    fit = fit_row(_slots(lines), kinds, 1, rules.flat_tables)
    assert [list(s) for s in fit.subrows] == subrows
    assert [tuple(h) for h in fit.headings] == headings


def test_fit_row_last_row_leaves_what_does_not_fit(rules):
    fit = fit_row(_slots(["新建学校2所。", "县教育局", "12月底前", "分享到:"]), ["seq", "task", "responsible", "deadline"], 1,
                  rules.flat_tables, last=True)
    assert fit.used == 3
    assert fit_row(_slots(["新建学校2所。", "县教育局", "12月底前", "分享到:"]), ["seq", "task", "responsible", "deadline"],
                   1, rules.flat_tables) is None


@pytest.mark.parametrize("text,unit,person", [
    ("县护城河指挥部", True, False), ("市商务局、苏州海关", True, False), ("黄埔区、南沙区政府", True, False),
    ("市政府办公厅、市发展改革委,荔湾区、黄埔区政府", True, False), ("县残联", True, False),
    ("王 东", False, True), ("张三、李四", False, True), ("12月底前", False, False),
    ("新建2座人行天桥。", False, False), ("地区生产总值增长12%", False, False),
], ids=["command-post", "customs", "shared-suffix", "two-separators", "federation", "padded-name", "two-names",
        "deadline", "task", "target"])
def test_what_a_cell_holds(rules, text, unit, person):
    assert cell_unit_line(text, rules.flat_tables) is unit
    assert person_line(text, rules.flat_tables) is person


def test_blank_gaps_and_base_gap():
    assert blank_gaps(["a", "", "b", "", "", "c", " ", "\u3000", "d"]) == [0, 1, 2, 2]
    assert base_gap([1, 1, 1, 2, 5, 1]) == 1 and base_gap([0, 0, 2]) == 0


# --------------------------------------------------------------------------- glued Word tables

from pipeline.glued import glued_header, person_lengths, unit_token


@pytest.mark.parametrize("text,tokens", [
    ("教育局经开区高新园(邹区镇)各街道市国有公司", ["教育局", "经开区", "高新园(邹区镇)", "各街道", "市国有公司"]),
    ("人社局城投公司推进项目建设", ["人社局", "城投公司"]),
    ("公安分局住建局", ["公安分局", "住建局"]),
    ("政局各街道", []),
    ("推进大庙弄核心区改造", []),
    ("3家社区医院", []),
], ids=["five-names", "stops-at-the-task", "ending-that-opens-a-name", "too-short", "long-weak-ending", "digit"])
def test_unit_tokens(rules, text, tokens):
    out, k = [], 0
    while (e := unit_token(text, k, rules.flat_tables)) is not None:
        out.append(text[k:e])
        k = e
    assert out == tokens


def test_person_lengths_use_the_whole_table(rules):
    starts = ["何海平教育局经开区", "何海平人社局各街道", "张菁民政局各街道", "芮春祥住建局", "王东市科技局", "欧阳明华财政局"]
    got = person_lengths(starts, rules.flat_tables)
    assert [got[s] for s in starts] == [3, 3, 2, 3, 2, 3]


@pytest.mark.parametrize("text,kinds", [
    ("表序号项目名称主要内容区政府分管领导牵头单位配合单位1", ("seq", "task", "task", "leader", "lead", "cooperating")),
    ("序号工作任务牵头单位责任单位完成时限1推进", ("seq", "task", "lead", "responsible", "deadline")),
    ("序号工作任务完成时限1推进", None),
    ("按序号排列的工作任务如下", None),
], ids=["leader-with-scope", "plain", "no-unit-column", "prose"])
def test_glued_header(rules, text, kinds):
    head = glued_header(text, rules.flat_tables)
    assert (head.kinds if head else None) == kinds


# --------------------------------------------------------------------------- bounded work


def test_large_capture_stays_fast(rules):
    """A quarter-megabyte capture full of header words, row numbers and unit names is read in seconds."""
    import time

    row = "\n\n".join(["{n}", "推进城区道路改造提升工程,完成主干道修复。", "县住建局", "县交通局", "12月底前"])
    table = "序号\n\n工作任务\n\n责任单位\n\n完成时限\n\n" + "\n\n".join(row.format(n=i) for i in range(1, 40))
    noise = "\n".join(["序号", "工作任务", "责任单位", "推进城区道路改造提升工程", "1", "县住建局"] * 6000)
    glued = "1、表序号项目名称主要内容分管领导牵头单位配合单位1" + "推进项目建设2个。林志远交通局2" * 4000
    text = "\n\n".join([table, noise, glued, table])
    assert len(text) > 250_000
    start = time.perf_counter()
    page = blocks_module.text_page(Decoded("big.txt", text, "utf-8", 0, False), rules)
    assert time.perf_counter() - start < 20
    assert sum(b.kind == "cell" for b in page.blocks) >= 2 * (4 + 39 * 4)  # both tables whole


@pytest.mark.parametrize("case", [pytest.param(c, id=c.stem) for c in CASES
                                  if not c.stem.startswith(("box-", "pdf-", "pipes-"))]
                         + [pytest.param(c, id="formats/" + c.stem)
                            for c in sorted((ROOT / "tests" / "fixtures" / "formats").glob("tables-*.txt"))
                            if "box" not in c.stem])
def test_no_printed_character_is_lost(rules, plain_page, case):
    """Tables rebuild the page text from their cells: every printed character is still there
    (a viewer's chunk marker 2、 in a glued table is the only thing dropped; box rules, the pipes and rule
    of a pipe table and PDF page numbers are furniture, not text, and are left out of this check)."""
    from collections import Counter

    def chars(text: str) -> Counter:
        return Counter(ch for ch in text if not ch.isspace())

    got, want = chars(blocks_module.text_page(decoded(case), rules).text), chars(plain_page(case).text)
    assert got <= want
    assert set((want - got).elements()) <= set("0123456789、")
