"""`fenjie export`: the workbook read back (openpyxl) against the tables, CSV, lists, labels, data dictionary.

The sample notice goes through the real pipeline (`fenjie extract`) into a temporary out/, then
`fenjie export`; expectations are computed from the Parquet tables with pandas, not with the
export's own row builders.
"""

from __future__ import annotations

import csv
import doctest
import io
import json
import math
import shutil
import tomllib

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import FIXTURES, RAW, ROOT
from helpers import extract_text

import pipeline.dictionary
import pipeline.export.dataset
import pipeline.export.lists
import pipeline.export.views
import pipeline.export.workbook
from pipeline.cli import cli
from pipeline.dictionary import MARKDOWN_PATH, dictionary_markdown
from pipeline.docs import sample_tables
from pipeline.export import run_export
from pipeline.export.dataset import load_tables, notices
from pipeline.export.views import display_width, tracker_rows
from pipeline.export.workbook import SHEETS, STATUSES
from pipeline.records import COLUMN_LABELS, TABLES, VALUE_LABELS
from pipeline.write import write_outputs

HEADER_ROW, FIRST_DATA_ROW = 3, 4  # 1-based, as openpyxl counts
BREAKDOWN_HEADERS = ["序号", "章节", "分组", "工作任务", "牵头单位", "责任单位", "配合单位", "责任领导", "完成时限",
                     "量化目标"]
TARGET_HEADERS = ["序号", "指标", "类型", "数值", "上限值", "单位", "标准值", "标准单位", "限定", "力争", "量化目标",
                  "牵头单位"]
UNIT_HEADERS = ["单位", "角色", "序号", "章节", "工作任务", "牵头单位", "完成时限", "量化目标"]


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """The sample notice extracted into out/ and exported into out/export/, by the CLI."""
    root = tmp_path_factory.mktemp("export")
    raw, out = root / "raw", root / "out"
    raw.mkdir()
    shutil.copy(RAW / "huangshigang-2025-notice.txt", raw)
    assert run("extract", str(raw), "--out", str(out)).exit_code == 0
    r = run("export", "--data", str(out))
    assert r.exit_code == 0, r.output
    frames = {t: pd.read_parquet(out / f"{t}.parquet") for t in TABLES}
    (doc_id,) = frames["documents"].doc_id
    return {"out": out, "export": out / "export", "doc_id": doc_id, "t": frames, "output": r.output,
            "wb": openpyxl.load_workbook(out / "export" / f"{doc_id}.xlsx")}


def data_rows(ws, ncols):
    """The data rows of a sheet (below the header), as lists of values."""
    return [list(r) for r in ws.iter_rows(min_row=FIRST_DATA_ROW, max_col=ncols, values_only=True)]


def names_by_role(t, seq, role):
    a = t["assignments"]
    a = a[(a.item_seq == seq) & (a.role == role)].sort_values("position")
    return list(dict.fromkeys(a.name))


# --------------------------------------------------------------------------
# The workbook, read back
# --------------------------------------------------------------------------


def test_sample_counts_and_files(exported):
    d = exported["t"]["documents"].iloc[0]
    assert (d.n_items, d.n_assignments, d.n_targets) == (76, 247, 47)
    names = sorted(p.name for p in exported["export"].iterdir())
    doc_id = exported["doc_id"]
    assert names == sorted([f"{doc_id}.xlsx", f"{doc_id}-units.md", f"{doc_id}-units.html", "dictionary.json",
                            *(f"{t}.csv" for t in TABLES)])
    assert f"{doc_id}: 76 tasks" in exported["output"]


def test_sheets_in_order(exported):
    assert exported["wb"].sheetnames == list(SHEETS) == ["任务分解表", "指标", "单位任务清单", "调度台账", "说明"]
    assert all(len(s) <= 31 for s in SHEETS)


def test_breakdown_headers_and_one_row_per_task(exported):
    ws, t = exported["wb"]["任务分解表"], exported["t"]
    assert [c.value for c in ws[HEADER_ROW]] == BREAKDOWN_HEADERS
    rows = data_rows(ws, 10)
    tasks = [r for r in rows if isinstance(r[0], int)]
    assert [r[0] for r in tasks] == list(t["items"].item_seq) == list(range(1, 77))
    assert [r[3] for r in tasks] == list(t["items"].text)
    # heading rows: 2 sections and 7 subsections, each with its text in the 工作任务 column
    headings = [r for r in rows if r[0] is None]
    items = t["items"]
    assert len(headings) == items.section_label.nunique() + items.subsection_label.dropna().nunique() == 9
    assert headings[0][1:4] == ["一、", None, "一、经济社会发展指标(工作目标)"]
    assert headings[2][1] == "二、(一)" and headings[2][3].startswith("(一)高标准优化临空发展布局")


def test_breakdown_units_and_targets_match_the_tables(exported):
    ws, t = exported["wb"]["任务分解表"], exported["t"]
    tasks = {r[0]: r for r in data_rows(ws, 10) if isinstance(r[0], int)}
    acting = set(t["assignments"][t["assignments"].acting_lead].item_seq)
    for seq, row in tasks.items():
        leads = names_by_role(t, seq, "lead")
        if not leads and seq in acting:  # acting leads: the responsible units, marked
            a = t["assignments"]
            leads = list(dict.fromkeys(a[(a.item_seq == seq) & a.acting_lead].sort_values("position").name))
            assert row[4] == "＊" + "、".join(leads), seq
        else:
            assert (row[4] or "") == "、".join(leads), seq
        assert (row[5] or "") == "、".join(names_by_role(t, seq, "responsible")), seq
        assert (row[6] or "") == "、".join(names_by_role(t, seq, "cooperating")), seq
        spans = list(dict.fromkeys(t["targets"][t["targets"].item_seq == seq].span_text))
        assert (row[9] or "") == "；".join(spans), seq
    assert tasks[1][4:6] == ["＊区发改局", "区发改局"]
    assert tasks[10][1:6] == ["二、(一)", "打造临空经济桥头堡", tasks[10][3], "区发改局", "花湖街办"]
    assert tasks[21][9] == "新增创新型中小企业4家；省级以上专精特新企业2家；高新技术企业5家；高技术制造业增加值增长2%以上"
    assert tasks[7][4] == "＊区财政局、区税务局"  # a glued name split by a repair: two acting leads


def test_breakdown_is_set_up_for_screen_and_print(exported):
    ws = exported["wb"]["任务分解表"]
    last = ws.max_row
    assert ws.freeze_panes == "A4"
    assert ws.auto_filter.ref == f"A3:J{last}"
    assert ws.print_title_rows == "$3:$3"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 8  # A3
    # fit to one page wide (1 is the attribute's default, so it is omitted), as many pages tall as needed
    assert ws.sheet_properties.pageSetUpPr.fitToPage and (ws.page_setup.fitToWidth or 1) == 1
    assert ws.page_setup.fitToHeight == 0
    assert ws["D4"].alignment.wrap_text and ws["D4"].font.name == "宋体"
    widths = {c: ws.column_dimensions[c].width for c in "ABCDEFGHIJ"}
    assert widths["D"] >= 50 and widths["A"] < 10  # the task column is the wide one
    # every task row is at least as tall as its task text needs when wrapped (CJK two columns wide)
    for r in range(FIRST_DATA_ROW, last + 1):
        text = ws.cell(r, 4).value or ""
        lines = math.ceil(display_width(text) / widths["D"])
        assert ws.row_dimensions[r].height >= lines * 14.5, (r, text)
    longest = max(range(FIRST_DATA_ROW, last + 1), key=lambda r: len(ws.cell(r, 4).value or ""))
    assert ws.row_dimensions[longest].height >= 7 * 14.5 and len(ws.cell(longest, 4).value) == 194


def test_targets_sheet_one_row_per_target(exported):
    ws, t = exported["wb"]["指标"], exported["t"]["targets"]
    assert [c.value for c in ws[HEADER_ROW]] == TARGET_HEADERS
    rows = data_rows(ws, 12)
    assert len(rows) == len(t) == 47
    kinds, quals = VALUE_LABELS["targets"]["kind"], VALUE_LABELS["targets"]["qualifier"]
    for row, (_, tg) in zip(rows, t.iterrows()):
        assert row[:4] == [tg.item_seq, tg.metric, kinds[tg.kind], tg.value]
        assert row[5:10] == [tg.unit, tg.value_std, tg.unit_std, quals[tg.qualifier], "是" if tg.aspirational else "否"]
        assert row[10] == tg.span_text
    money = next(r for r in rows if r[5] == "亿元")
    assert money[1:8] == ["总投资", "金额", 152.08, None, "亿元", 15208000000, "元"]
    assert ws.cell(FIRST_DATA_ROW + rows.index(money), 7).number_format == "#,##0"
    assert {r[8] for r in rows} == {"左右", "以内", "以上", "超过", "确数"}


def test_no_number_is_wider_than_its_column(exported):
    """A number wider than its column prints as ####."""
    for ws in exported["wb"].worksheets:
        for row in ws.iter_rows(min_row=FIRST_DATA_ROW):
            for c in row:
                if isinstance(c.value, (int, float)) and not isinstance(c.value, bool) and ws.title != "说明":
                    shown = f"{c.value:,.0f}" if c.number_format == "#,##0" else str(c.value)
                    assert ws.column_dimensions[c.column_letter].width >= len(shown) + 1, (ws.title, c.coordinate)


def test_unit_lists_cover_every_unit_and_role(exported):
    ws, a = exported["wb"]["单位任务清单"], exported["t"]["assignments"]
    assert [c.value for c in ws[HEADER_ROW]] == UNIT_HEADERS
    rows = data_rows(ws, 8)
    pairs = a[["name", "item_seq"]].drop_duplicates()
    assert len(rows) == len(pairs) == 247
    assert {(r[0], r[2]) for r in rows} == set(map(tuple, pairs.to_numpy()))
    assert [r[0] for r in rows][:1] == ["区发改局"]  # units in order of first mention
    fgj = [r for r in rows if r[0] == "区发改局"]
    assert sum("视同牵头" in r[1] for r in fgj) == int(((a.name == "区发改局") & a.acting_lead).sum()) == 10
    assert sum(r[1] == "牵头单位" for r in fgj) == int(((a.name == "区发改局") & (a.role == "lead")).sum()) == 10
    # one printed page group per unit: a manual page break where the unit changes
    assert len(ws.row_breaks.brk) == a.name.nunique() - 1 == 44
    assert ws.auto_filter.ref == f"A3:H{ws.max_row}" and ws.freeze_panes == "B4"


def test_tracker_has_one_row_per_task_and_unit(exported):
    ws, t = exported["wb"]["调度台账"], exported["t"]
    headers = [c.value for c in ws[HEADER_ROW]]
    months = [f"{m}月进展" for m in range(1, 13)]  # signed 2025-01-13 for 2025: every month
    assert headers == ["序号", "工作任务", "单位", "角色", "完成时限", "量化目标", *months, "完成状态", "备注"]
    rows = data_rows(ws, len(headers))
    a = t["assignments"]
    tracked = a[a.role.isin(["lead", "responsible"])][["item_seq", "name"]].drop_duplicates()
    assert len(rows) == len(tracked) == 236
    assert [(r[0], r[2]) for r in rows] == list(map(tuple, tracked.to_numpy()))
    assert all(r[6:] == [None] * 14 for r in rows)  # ready to fill in
    (dv,) = ws.data_validations.dataValidation
    assert dv.type == "list" and dv.formula1 == '"' + ",".join(STATUSES) + '"'
    assert str(dv.sqref) == f"S4:S{3 + len(rows)}"
    assert ws.page_setup.paperSize == 8 and ws.print_title_rows == "$3:$3" and ws.freeze_panes == "D4"


def test_tracker_months_from_the_signing_date_or_the_option(tmp_path, exported):
    r = run("export", "--data", str(exported["out"]), "--out", str(tmp_path), "--from-month", "9")
    assert r.exit_code == 0, r.output
    ws = openpyxl.load_workbook(tmp_path / f"{exported['doc_id']}.xlsx")["调度台账"]
    assert [c.value for c in ws[HEADER_ROW]][6:] == ["9月进展", "10月进展", "11月进展", "12月进展", "完成状态", "备注"]


def test_about_sheet_writes_the_list_column_and_labels(exported):
    ws = exported["wb"]["说明"]
    kv = {r[0]: r[1] for r in ws.iter_rows(min_row=3, max_col=2, values_only=True) if r[0]}
    assert kv["主送机关"] == "江北管理区、各街道办事处、区直各部门"
    assert kv["文号"] == "港政发〔2025〕1号" and kv["任务数"] == 76 and kv["原文不完整"] == "否"
    assert "提示与存疑（只报告，未改动）：10 处" in kv
    assert any(r[0] == "警告" and r[1] == "missing_ordinal" for r in ws.iter_rows(values_only=True))


def test_leaders_and_deadlines_fill_their_columns(tmp_path):
    """Fixtures with 牵头领导 and 完成时限: the 责任领导 and 完成时限 columns are filled."""
    from pipeline.extract import extract_file
    from pipeline.rules import load_rules

    exs = [extract_file(FIXTURES / "formats" / f, load_rules()) for f in ("lines-leader-person.txt", "deadlines-role-line.txt")]
    write_outputs(exs, tmp_path / "out")
    run_export(tmp_path / "out")
    by_doc = {e.document.doc_id: e for e in exs}
    for doc_id, ex in by_doc.items():
        ws = openpyxl.load_workbook(tmp_path / "out" / "export" / f"{doc_id}.xlsx")["任务分解表"]
        tasks = {r[0]: r for r in data_rows(ws, 10) if isinstance(r[0], int)}
        for it in ex.items:
            assert tasks[it.item_seq][8] == it.deadline_text
            leaders = [a.name for a in ex.assignments if a.item_seq == it.item_seq and a.role == "leader"]
            assert tasks[it.item_seq][7] == ("、".join(leaders) or None)
    leader_doc = next(d for d, e in by_doc.items() if any(a.role == "leader" for a in e.assignments))
    ws = openpyxl.load_workbook(tmp_path / "out" / "export" / f"{leader_doc}.xlsx")["任务分解表"]
    assert data_rows(ws, 10)[1][7:9] == ["王立新", None]


def test_a_task_without_lead_or_responsible_unit_keeps_a_tracker_row(tmp_path):
    ex = extract_text("某区人民政府关于印发2025年重点工作分解的通知\n一、重点工作\n"
                      "1.推进甲项目建设。(配合单位:区财政局)\n"
                      "2.推进乙项目建设。(牵头单位:区发改局;责任单位:区财政局、区发改局;配合单位:区税务局)\n")
    write_outputs([ex], tmp_path)
    (notice,) = notices(load_tables(tmp_path))
    rows = [(r.task.item.item_seq, r.unit, r.role) for r in tracker_rows(notice)]
    assert rows == [(1, "（原文未列责任单位）", ""), (2, "区发改局", "牵头单位、责任单位"), (2, "区财政局", "责任单位")]


# --------------------------------------------------------------------------
# CSV, lists, determinism, errors
# --------------------------------------------------------------------------


def read_csv(path):
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf"), path
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8"))))


@pytest.mark.parametrize("table", TABLES)
def test_csv_for_every_table(exported, table):
    rows = read_csv(exported["export"] / f"{table}.csv")
    frame = exported["t"][table]
    assert rows[0] == list(frame.columns) and len(rows) - 1 == len(frame)
    back = pd.read_csv(exported["export"] / f"{table}.csv", encoding="utf-8-sig", keep_default_na=False, dtype=str)
    assert list(back.columns) == list(frame.columns)


def test_csv_values(exported):
    docs = read_csv(exported["export"] / "documents.csv")
    row = dict(zip(docs[0], docs[1]))
    assert row["addressees"] == "江北管理区、各街道办事处、区直各部门"
    assert (row["issued_date"], row["truncated"], row["n_items"]) == ("2025-01-13", "false", "76")
    targets = read_csv(exported["export"] / "targets.csv")
    money = dict(zip(targets[0], next(r for r in targets[1:] if r[targets[0].index("metric")] == "总投资")))
    assert (money["value"], money["value_std"], money["value_high"]) == ("152.08", "15208000000", "")
    items = pd.read_csv(exported["export"] / "items.csv", encoding="utf-8-sig")
    assert list(items.text) == list(exported["t"]["items"].text)


def test_unit_lists_in_markdown_and_html(exported):
    from bs4 import BeautifulSoup

    doc_id, a = exported["doc_id"], exported["t"]["assignments"]
    md = (exported["export"] / f"{doc_id}-units.md").read_text("utf-8")
    units = list(dict.fromkeys(a.name))
    assert [line[3:] for line in md.splitlines() if line.startswith("## ")] == units
    assert "牵头单位 10 项 · 责任单位（视同牵头） 10 项 · 责任单位 5 项" in md
    soup = BeautifulSoup((exported["export"] / f"{doc_id}-units.html").read_text("utf-8"), "html.parser")
    sections = soup.find_all("section")
    assert [s.h2.text for s in sections] == units
    assert sum(len(s.tbody.find_all("tr")) for s in sections) == 247
    assert not soup.find_all("script") and not soup.find_all("link")


def test_export_is_byte_identical(tmp_path, exported):
    a, b = tmp_path / "a", tmp_path / "b"
    run_export(exported["out"], a)
    run_export(exported["out"], b)
    files = sorted(p.name for p in a.iterdir())
    assert len(files) == 10
    for name in files:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_full_export_removes_workbooks_of_notices_no_longer_in_the_dataset(tmp_path, exported):
    out = tmp_path / "x"
    out.mkdir()
    for name in ("old-notice-0badc0de.xlsx", "old-notice-0badc0de-units.md", "my-notes.xlsx", "README.md"):
        (out / name).write_text("x")
    report = run_export(exported["out"], out)
    assert sorted(p.name for p in report.removed) == ["old-notice-0badc0de-units.md", "old-notice-0badc0de.xlsx"]
    assert (out / "my-notes.xlsx").exists() and (out / "README.md").exists()
    (out / "old-notice-0badc0de.xlsx").write_text("x")
    run_export(exported["out"], out, [exported["doc_id"][:20]])  # a selective export removes nothing
    assert (out / "old-notice-0badc0de.xlsx").exists() and (out / f"{exported['doc_id']}.xlsx").exists()


@pytest.mark.parametrize("args,message", [
    ([], "documents.parquet: export: no extracted table here"),
    (["nosuch"], "documents.parquet: export: no extracted table here"),
])
def test_export_without_a_dataset_is_one_line(tmp_path, args, message):
    r = CliRunner().invoke(cli, ["export", "--data", str(tmp_path / "empty"), *args])
    assert r.exit_code == 1
    assert message in r.output and len(r.output.strip().splitlines()) == 1


def test_unknown_doc_id_is_one_line(exported, tmp_path):
    r = CliRunner().invoke(cli, ["export", "--data", str(exported["out"]), "--out", str(tmp_path), "nosuch"])
    assert r.exit_code == 1 and r.output.strip() == "fenjie: nosuch: export: no such document in the dataset"


def test_tables_of_another_schema_version_are_refused(tmp_path, exported):
    import pyarrow.parquet as pq

    out = tmp_path / "old"
    shutil.copytree(exported["out"], out, ignore=shutil.ignore_patterns("export"))
    tbl = pq.read_table(out / "items.parquet")
    pq.write_table(tbl.replace_schema_metadata({**tbl.schema.metadata, b"schema_version": b"1"}), out / "items.parquet")
    r = CliRunner().invoke(cli, ["export", "--data", str(out)])
    assert r.exit_code == 1 and "items.parquet: export: written with schema version 1" in r.output


# --------------------------------------------------------------------------
# Labels and the data dictionary
# --------------------------------------------------------------------------


@pytest.mark.parametrize("table", TABLES)
def test_every_column_has_a_chinese_label(table):
    import dataclasses

    fields = [f.name for f in dataclasses.fields(TABLES[table])]
    assert list(COLUMN_LABELS[table]) == fields
    assert all(COLUMN_LABELS[table][f].strip() for f in fields)


def test_every_enum_value_has_a_label():
    from pipeline.extract import extract_file
    from pipeline.rules import load_rules

    seen: dict[tuple[str, str], set[str]] = {(t, c): set() for t, cols in VALUE_LABELS.items() for c in cols}
    paths = [RAW / "huangshigang-2025-notice.txt", *sorted((FIXTURES / "formats").glob("*.txt")),
             *sorted((FIXTURES / "formats").glob("*.html"))]
    for p in paths:
        ex = extract_file(p, load_rules())
        for (table, column), values in seen.items():
            values.update(getattr(r, column) for r in ex.rows(table))
    for (table, column), values in seen.items():
        assert values <= set(VALUE_LABELS[table][column]), (table, column, values - set(VALUE_LABELS[table][column]))
    assert seen[("assignments", "role")] == {"lead", "responsible", "cooperating", "leader"}
    # the vocabularies the rules declare, and the ones the column descriptions name, are all labelled
    rules = ROOT / "rules"
    assert set(tomllib.loads((rules / "targets.toml").read_text("utf-8"))["kinds"]) == set(VALUE_LABELS["targets"]["kind"])
    roles = tomllib.loads((rules / "roles.toml").read_text("utf-8"))
    printed = set(roles["labels"].values()) | set(roles["verbs"].values())
    assert printed == set(VALUE_LABELS["assignments"]["role"])
    from pipeline.schema import arrow_schema

    for table, cols in VALUE_LABELS.items():
        for column, labels in cols.items():
            doc = arrow_schema(table).field(column).metadata[b"description"].decode()
            assert all(v in doc for v in labels), (table, column)


def test_committed_data_dictionary_matches_the_code():
    assert (ROOT / MARKDOWN_PATH).read_text("utf-8") == dictionary_markdown(sample_tables()), \
        "docs/data-dictionary.md is stale: run `make docs`"


def test_dictionary_json_next_to_the_csv_tables(exported):
    data = json.loads((exported["export"] / "dictionary.json").read_text("utf-8"))
    assert list(data["tables"]) == list(TABLES)
    for table, spec in data["tables"].items():
        assert [c["column"] for c in spec["columns"]] == list(COLUMN_LABELS[table])
        assert [c["label"] for c in spec["columns"]] == list(COLUMN_LABELS[table].values())
        assert all(c["meaning"] and c["type"] for c in spec["columns"])
    role = next(c for c in data["tables"]["assignments"]["columns"] if c["column"] == "role")
    assert role["values"][0] == {"value": "lead", "label": "牵头单位"} and role["example"] == "responsible"
    addressees = next(c for c in data["tables"]["documents"]["columns"] if c["column"] == "addressees")
    assert addressees["type"] == "list<item: string>" and addressees["example"] == ["江北管理区", "各街道办事处", "区直各部门"]
    assert data["csv"]["list_separator"] == "、"


@pytest.mark.parametrize("module", [pipeline.export.dataset, pipeline.export.views, pipeline.export.workbook,
                                    pipeline.export.lists, pipeline.dictionary, pipeline.records])
def test_doctests(module):
    assert doctest.testmod(module).failed == 0


def test_the_data_dictionary_is_written_next_to_the_tables(tmp_path):
    """`fenjie extract` writes dictionary.json beside the Parquet tables, committed with them."""
    import json

    import pyarrow.parquet as pq
    from click.testing import CliRunner

    from pipeline.cli import cli

    out = tmp_path / "out"
    r = CliRunner().invoke(cli, ["extract", str(RAW / "huangshigang-2025-notice.txt"), "--out", str(out)])
    assert r.exit_code == 0, r.output
    d = json.loads((out / "dictionary.json").read_text("utf-8"))
    assert set(d["tables"]) == set(TABLES)
    for name, t in d["tables"].items():
        assert [c["column"] for c in t["columns"]] == pq.read_schema(out / f"{name}.parquet").names
        assert all(c["label"] for c in t["columns"])
    roles = next(c for c in d["tables"]["assignments"]["columns"] if c["column"] == "role")
    assert {"value": "lead", "label": "牵头单位"} in roles["values"] and roles["example"] == "responsible"
