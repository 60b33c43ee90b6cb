"""Task tables: header kinds, span expansion, heading rows (tests/fixtures/html/*.expected.json "grid")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.decode import decode
from pipeline.html import html_page
from pipeline.read import read
from pipeline.records import Decoded, Page
from pipeline.rules import load_rules

RULES = load_rules()
from pipeline.tables import GridRow, column_kind, grid, tables_in

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "html"
GRID_CASES = sorted(p.name[: -len(".expected.json")] for p in FIXTURES.glob("*.expected.json")
                    if "grid" in json.loads(p.read_text("utf-8")))


def page_from(body: str) -> Page:
    markup = f'<html><body><div class="TRS_Editor">{body}</div></body></html>'
    return html_page(Decoded(source="<test>", text=markup, encoding="utf-8", n_replaced=0, is_html=True), RULES.html)


def as_json(row: GridRow) -> dict:
    return {"row": row.row, "heading": row.heading, "cells": {k: [b.text for b in v] for k, v in row.cells.items()}}


@pytest.mark.parametrize("case", GRID_CASES, ids=GRID_CASES)
def test_fixture_grid(case: str) -> None:
    expected = json.loads((FIXTURES / f"{case}.expected.json").read_text("utf-8"))
    page = html_page(decode(read(FIXTURES / f"{case}.html")), RULES.html)
    assert list(tables_in(page, RULES.headers)) == expected["tables_in"]
    for table, rows in expected["grid"].items():
        assert [as_json(r) for r in grid(page, int(table), RULES.headers)] == rows


def test_fixture_with_task_tables_exists() -> None:
    assert "task_table" in GRID_CASES


HEADERS = [
    ("seq", "序号", "seq"),
    ("seq-spaced", "序  号", "seq"),
    ("task-work", "工作任务", "task"),
    ("task-target", "目标任务", "task"),
    ("task-key-work", "重点工作", "task"),
    ("task-long", "2025年重点工作任务", "task"),
    ("lead", "牵头单位", "lead"),
    ("lead-longest-wins", "牵头责任单位", "lead"),
    ("lead-wrapped", "牵头\n单位", "lead"),
    ("responsible", "责任单位", "responsible"),
    ("responsible-with-qualifier", "责任单位（部门）", "responsible"),
    ("cooperating", "配合单位", "cooperating"),
    ("cooperating-assist", "协办单位", "cooperating"),
    ("leader-responsible", "责任领导", "leader"),
    ("leader-in-charge", "分管领导", "leader"),
    ("leader-district", "分管区领导", "leader"),
    ("deadline", "完成时限", "deadline"),
    ("deadline-node", "时间节点", "deadline"),
    ("note", "备注", "note"),
    ("category", "类别", "category"),
    ("other", "资金来源（万元）", "other"),
    # labels no list names, made of a role word and a noun of roles.toml [label_words], as the clause reader reads them
    ("made-responsible-carry-out", "落实单位", "responsible"),
    ("made-responsible-subject", "责任主体", "responsible"),
    ("made-responsible-qualified", "主要落实单位", "responsible"),
    ("made-cooperating-department", "协作部门", "cooperating"),
    ("made-leader-guarantor", "包保领导", "leader"),
    ("made-leader-person", "责任人", "leader"),
    ("task-main-work", "主要工作", "task"),
    ("task-measures", "工作举措", "task"),
    ("task-livelihood", "民生实事", "task"),
    ("progress-not-role", "落实情况", "progress"),
]


@pytest.mark.parametrize("header, kind", [h[1:] for h in HEADERS], ids=[h[0] for h in HEADERS])
def test_column_kind(header: str, kind: str) -> None:
    assert column_kind(header, RULES.headers) == kind


def test_header_words_and_role_labels_come_from_the_rules() -> None:
    rules = load_rules()
    assert set(rules.tables.headers) == {"seq", "task", "deadline", "note", "category", "progress"}
    for label, role in rules.roles.labels.items():
        assert column_kind(label, rules.headers) == role, label


def test_a_header_names_every_role_an_inline_label_can() -> None:
    """One role vocabulary: every label the clause reader reads from its words (落实 + 单位) types a column the
    same way, in HTML tables, in text tables, and starts a line a PDF's wrapping never joins to the one before."""
    rules = load_rules()
    made = {label: role for label, role in rules.roles.all_labels.items() if label not in rules.roles.labels}
    assert {"落实单位", "责任主体", "协作部门", "参与部门", "包保领导", "责任人"} <= set(made)
    for label, role in made.items():
        assert rules.clauses.role_of(label) == role, label
        assert column_kind(label, rules.headers) == role, label
        assert rules.flat_tables.kind_of(label) == role, label
        assert rules.unwrap.role_label.match(f"{label}：区发改局"), label


def test_rowspan_block_repeats_in_every_row_it_covers() -> None:
    page = page_from(
        "<table><tr><td>序号</td><td>工作任务</td><td>责任单位</td></tr>"
        "<tr><td>1</td><td>甲任务</td><td rowspan='3'>区发改局</td></tr>"
        "<tr><td>2</td><td>乙任务</td></tr><tr><td>3</td><td>丙任务</td></tr></table>")
    rows = grid(page, 0, RULES.headers)
    assert [r.cells["task"][0].text for r in rows] == ["甲任务", "乙任务", "丙任务"]
    unit = rows[0].cells["responsible"][0]
    assert all(r.cells["responsible"] == (unit,) for r in rows)
    assert all(r.cells["responsible"][0] is unit for r in rows)  # the same block, one offset
    assert page.text[unit.start:unit.end] == "区发改局"
    assert page.text.count("区发改局") == 1


def test_colspan_block_appears_once_per_row() -> None:
    page = page_from(
        "<table><tr><th>序号</th><th>工作任务</th><th colspan='2'>责任单位</th></tr>"
        "<tr><td>1</td><td>甲任务</td><td>区财政局</td><td>区税务局</td></tr>"
        "<tr><td>2</td><td>乙任务</td><td colspan='2'>各街道办事处</td></tr></table>")
    rows = grid(page, 0, RULES.headers)
    assert [b.text for b in rows[0].cells["responsible"]] == ["区财政局", "区税务局"]
    assert [b.text for b in rows[1].cells["responsible"]] == ["各街道办事处"]


def test_heading_row_spanning_all_but_the_number_column() -> None:
    page = page_from(
        "<table><tr><td>序号</td><td>目标任务</td><td>牵头单位</td><td>完成时限</td></tr>"
        "<tr><td colspan='4'>一、经济发展</td></tr>"
        "<tr><td></td><td colspan='3'>（一）扩大有效投资</td></tr>"
        "<tr><td>1</td><td>新开工项目20个</td><td>区发改局</td><td>年底前</td></tr></table>")
    rows = grid(page, 0, RULES.headers)
    assert [r.heading for r in rows] == ["一、经济发展", "（一）扩大有效投资", None]
    assert rows[2].cells["deadline"][0].text == "年底前"


NOT_TASK_TABLES = [
    ("statistics", "<table><tr><td>指标</td><td>2025年</td></tr><tr><td>生产总值</td><td>5%</td></tr></table>"),
    ("units-without-task-column",
     "<table><tr><td>序号</td><td>牵头单位</td></tr><tr><td>1</td><td>区发改局</td></tr></table>"),
    ("header-too-deep",
     "<table>" + "<tr><td>说明</td><td>……</td></tr>" * 5 +
     "<tr><td>序号</td><td>工作任务</td></tr><tr><td>1</td><td>甲</td></tr></table>"),
]


@pytest.mark.parametrize("body", [c[1] for c in NOT_TASK_TABLES], ids=[c[0] for c in NOT_TASK_TABLES])
def test_not_a_task_table(body: str) -> None:
    page = page_from(body)
    assert grid(page, 0, RULES.headers) == ()
    assert tables_in(page, RULES.headers) == ()


def test_missing_table_index_is_empty() -> None:
    assert grid(page_from("<p>没有表格</p>"), 3, RULES.headers) == ()


# --------------------------------------------------------------------------- what the columns hold


def test_task_column_found_by_what_its_cells_hold() -> None:
    page = page_from(
        "<table><tr><td>序号</td><td>民生实事</td><td>责任单位</td><td>完成时限</td></tr>"
        "<tr><td>1</td><td>新建社区卫生服务站6个。</td><td>区卫健局</td><td>10月底前</td></tr>"
        "<tr><td>2</td><td>改造背街小巷25条。</td><td>区城管局</td><td>12月底前</td></tr></table>")
    rows = grid(page, 0, RULES.headers)
    assert [r.cells["task"][0].text for r in rows] == ["新建社区卫生服务站6个。", "改造背街小巷25条。"]
    assert rows[0].headers["task"] == "民生实事"


def test_of_two_task_columns_the_longer_is_the_task() -> None:
    page = page_from(
        "<table><tr><td>序号</td><td>项目名称</td><td>主要内容</td><td>牵头单位</td></tr>"
        "<tr><td>1</td><td>城市更新</td><td>改造老旧街巷12条,新增停车泊位800个。</td><td>区住建局</td></tr>"
        "<tr><td>2</td><td>教育提质</td><td>新建学校2所,新增学位1800个。</td><td>区教育局</td></tr></table>")
    rows = grid(page, 0, RULES.headers)
    assert [r.cells["task"][0].text for r in rows] == ["改造老旧街巷12条,新增停车泊位800个。", "新建学校2所,新增学位1800个。"]
    assert [r.cells["category"][0].text for r in rows] == ["城市更新", "教育提质"]


def test_short_unnamed_column_is_no_task() -> None:
    page = page_from(
        "<table><tr><td>序号</td><td>类目</td><td>责任单位</td></tr>"
        "<tr><td>1</td><td>道路</td><td>区住建局</td></tr></table>")
    assert grid(page, 0, RULES.headers) == ()


def test_progress_column_kind() -> None:
    page = page_from(
        "<table><tr><td>序号</td><td>内容与要求</td><td>进展情况</td><td>责任单位</td></tr>"
        "<tr><td>1</td><td>新增就业5000人。</td><td>一季度新增1320人。</td><td>市人社局</td></tr></table>")
    (row,) = grid(page, 0, RULES.headers)
    assert row.cells["task"][0].text == "新增就业5000人。"
    assert row.cells["progress"][0].text == "一季度新增1320人。"


def test_header_printed_again_is_no_row() -> None:
    page = page_from(
        "<table><tr><th>序号</th><th>工作任务</th><th>责任单位</th></tr>"
        "<tr><td>1</td><td>建成智慧停车平台。</td><td>区城管局</td></tr>"
        "<tr><th>序号</th><th>工作任务</th><th>责任单位</th></tr>"
        "<tr><td>2</td><td>新增公共充电桩300个。</td><td>区发改局</td></tr></table>")
    assert [r.cells["task"][0].text for r in grid(page, 0, RULES.headers)] == ["建成智慧停车平台。", "新增公共充电桩300个。"]


def test_progress_figures_are_neither_item_text_nor_targets(rules) -> None:
    from pipeline.extract import extract_file

    ex = extract_file(Path(__file__).resolve().parent / "fixtures" / "formats" / "tables-progress.txt", rules)
    achieved = ["8.2%", "5.1%", "1.4个百分点", "31个", "46.7亿元", "12.3%", "63家", "18个", "2100户"]
    assert len(ex.items) == 4
    for item in ex.items:
        assert not any(a in item.text for a in achieved)
    spans = [t.span_text for t in ex.targets]
    assert not any(a in s for a in achieved for s in spans)
    items = {i.item_seq: i for i in ex.items}
    for t in ex.targets:  # every target is read from its task cell
        assert items[t.item_seq].span_start <= t.span_start and t.span_end <= items[t.item_seq].span_end
    assert (6.5, "%") in [(t.value, t.unit) for t in ex.targets]


@pytest.mark.parametrize("text,role,spans", [
    ("县水务局\n县住建局", "responsible", [(0, 4), (5, 9)]),
    ("市发展和改革\n委员会", "lead", [(0, 10)]),
    ("经开区\n高新园(邹区镇)\n各街道", "cooperating", [(0, 3), (4, 12), (13, 16)]),
    ("王 东\n李 明", "leader", [(0, 3), (4, 7)]),
    ("市财政局、市税务局", "responsible", [(0, 9)]),
], ids=["one-unit-per-line", "wrapped-name", "bracket-closes-a-name", "one-person-per-line", "one-line"])
def test_cell_lists(text, role, spans) -> None:
    from pipeline.outline import _cell_lists

    assert _cell_lists(text, role, lambda t: t.endswith(("局", "委员会", "区", "街道"))) == spans


def test_header_row_made_only_of_cells_spanning_down_from_above() -> None:
    # found by make soak (a mutated box-drawn table): the header words stand in the last band, inside
    # cells that start in an earlier row; the header row then starts no cell of its own (was: ValueError)
    import hashlib

    from pipeline.errors import PipelineError
    from pipeline.extract import extract_raw
    from pipeline.records import RawInput

    text = "\n".join([
        "├────────────┼───┼────┼─────┤",
        "│级，完成规划修编。　　　│王　强│县发改局│2021年│",
        "├────────────┤　　　│　　　　│12月底　│",
        "│△实施城乡供水一体化工程│　　　│　　　　│　　　　　│",
        "├────────────┤　　　│　　　　│　　　　　│",
        "│　　　　　　　　　　　　│领导　│实施单位│时限　　　│"])
    data = text.encode("utf-8")
    with pytest.raises(PipelineError, match="not a breakdown notice"):
        extract_raw(RawInput("box.txt", data, hashlib.sha256(data).hexdigest()), RULES)


def test_a_cell_spanning_thousands_of_columns_is_read_once_per_header_row() -> None:
    # found by make soak: a box-drawn rule line of 600,000 characters made one cell span thousands of
    # columns; its kind was worked out again for every column it covers in every header row (minutes)
    import time

    from pipeline.records import Block, Cell
    from pipeline.tables import _header

    def wide(n: int) -> list[list[Block | None]]:
        text = "推进工作" * n
        big = Block(text, 0, len(text), "cell", Cell(0, 0, 0, 3, n, False))
        return [[big] * n for _ in range(3)] + [[None] * n]

    def seconds(n: int) -> float:
        grid_ = wide(n)
        t = time.perf_counter()
        assert _header(grid_, RULES.headers) is None
        return time.perf_counter() - t

    assert seconds(4000) < 0.5


def test_a_table_whose_first_column_is_the_header_is_read_by_columns() -> None:
    """A card per task (工作任务 | … over 牵头单位 | … over 责任单位 | …), or a task per column: read as if
    printed the other way round. A first column of 序号 or of task texts is no header."""
    page = page_from(
        "<table><tr><td>工作任务</td><td>地区生产总值增长6%左右</td><td>新增城镇就业3000人</td></tr>"
        "<tr><td>牵头单位</td><td>县发改局</td><td>县人社局</td></tr>"
        "<tr><td>责任单位</td><td>县统计局、县财政局</td><td>各乡镇人民政府</td></tr>"
        "<tr><td>完成时限</td><td>2024年12月底</td><td>2024年11月底</td></tr></table>")
    rows = grid(page, 0, RULES.headers)
    assert [(r.cells["task"][0].text, r.cells["lead"][0].text, r.cells["responsible"][0].text,
             r.cells["deadline"][0].text) for r in rows] == [
        ("地区生产总值增长6%左右", "县发改局", "县统计局、县财政局", "2024年12月底"),
        ("新增城镇就业3000人", "县人社局", "各乡镇人民政府", "2024年11月底")]
    assert rows[0].headers["lead"] == "牵头单位"
