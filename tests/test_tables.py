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
]


@pytest.mark.parametrize("header, kind", [h[1:] for h in HEADERS], ids=[h[0] for h in HEADERS])
def test_column_kind(header: str, kind: str) -> None:
    assert column_kind(header, RULES.headers) == kind


def test_header_words_and_role_labels_come_from_the_rules() -> None:
    rules = load_rules()
    assert set(rules.tables.headers) == {"seq", "task", "deadline", "note", "category", "progress"}
    for label, role in rules.roles.labels.items():
        assert column_kind(label, rules.headers) == role, label


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
