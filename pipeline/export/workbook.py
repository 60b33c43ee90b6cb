"""The workbook of one notice (XlsxWriter): 任务分解表, 指标, 单位任务清单, 调度台账, 说明.

Every sheet has the same frame: a title row, a note row, the header row (frozen, filtered, repeated
on every printed page), then the data. Widths are fitted to the text (CJK counts two columns),
row heights are computed from the wrapped text (so Excel and LibreOffice print the same rows), and
every sheet prints landscape, one page wide. The file is deterministic: XlsxWriter writes its zip
entries with a fixed timestamp when building in memory, and the creation date is the notice's own.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..records import VALUE_LABELS, column_label, value_label
from .dataset import LIST_SEPARATOR, Notice
from .views import (
    ACTING_NOTE,
    NO_UNIT,
    ROLE_LABELS,
    Heading,
    TaskRow,
    breakdown_rows,
    display_width,
    joined,
    lead_names,
    target_rows,
    tracker_months,
    tracker_rows,
    unit_tasks,
)

#: Sheet names, in workbook order (all well under Excel's 31 characters).
SHEETS = ("任务分解表", "指标", "单位任务清单", "调度台账", "说明")
#: The 完成状态 choices of the tracker (a data-validation list).
STATUSES = ("未启动", "推进中", "已完成", "持续推进", "滞后")
#: Tracker rows are at least this many lines high: room to write progress in.
TRACKER_MIN_LINES = 3

FONT = "宋体"  # the font Chinese offices' Excel uses; LibreOffice substitutes a CJK font where it is missing
FONT_SIZE = 11
#: Points per wrapped line at FONT_SIZE, and padding per row. Tuned by rendering the sample in
#: LibreOffice (Noto Sans CJK, the tallest common substitute) so that no line is cut.
LINE_PT = 15.0
ROW_PAD_PT = 4.0
#: Paper sizes (XlsxWriter / Excel codes).
A3, A4 = 8, 9
TITLE_ROW, NOTE_ROW, HEADER_ROW = 0, 1, 2
FIRST_DATA_ROW = 3


@dataclass(frozen=True)
class Column:
    header: str
    max_width: float  # fitted width never exceeds this (text wraps instead)
    min_width: float = 6
    center: bool = False


# --------------------------------------------------------------------------
# Sizing (pure)
# --------------------------------------------------------------------------


def text_lines(text: str, width: float) -> int:
    """Lines ``text`` wraps to in a column ``width`` characters wide (CJK two), at least one.

    >>> text_lines("区发改局", 10), text_lines("区发改局、区科经局、区商务办", 10), text_lines("a\\nb", 10)
    (1, 4, 2)
    """
    usable = max(2.0, width - 1)  # keep a character's width spare: glyph widths vary by font
    lines = 0
    for line in str(text).split("\n"):
        lines += 1
        used = 0
        for ch in line:  # greedy, as Excel and LibreOffice wrap CJK: any character may start a line
            w = display_width(ch)
            if used + w > usable:
                lines, used = lines + 1, 0
            used += w
    return lines


def shown(value: Any) -> str:
    """A cell value as the sheet shows it (numbers in their number format).

    >>> shown(15208000000.0), shown(7.5), shown(85.0), shown(76), shown(None)
    ('15,208,000,000', '7.5', '85', '76', '')
    """
    if value is None:
        return ""
    if isinstance(value, float):
        if value.is_integer():
            return f"{value:,.0f}" if abs(value) >= 10000 else f"{value:.0f}"
        return repr(value)
    return str(value)


def fit_width(col: Column, cells: Sequence[Any]) -> float:
    """A column's width: its longest line (or header) plus padding, within the column's bounds;
    a number is never narrower than it is shown (Excel would print ####).

    >>> fit_width(Column("序号", 8, 4), [1, 76]), fit_width(Column("工作任务", 40), ["字" * 50])
    (6, 40)
    >>> fit_width(Column("标准值", 8), [1.5e12])
    19
    """
    texts = [shown(c) for c in cells if c not in (None, "")]
    longest = max([display_width(col.header)] + [display_width(line) for t in texts for line in t.split("\n")])
    numbers = [display_width(shown(c)) + 2 for c in cells if isinstance(c, (int, float)) and not isinstance(c, bool)]
    return max(min(col.max_width, max(col.min_width, longest + 2)), *numbers, 0)


def row_height(cells: Sequence[Any], widths: Sequence[float], min_lines: int = 1) -> float:
    """Points a row needs to show all its wrapped text (and at least ``min_lines`` lines).

    >>> row_height(["区发改局"], [10]), row_height(["区发改局、区科经局、区商务办"], [10]), row_height([""], [9], 3)
    (19.0, 64.0, 49.0)
    """
    lines = max([min_lines] + [text_lines(c, w) for c, w in zip(cells, widths) if isinstance(c, str) and c])
    return lines * LINE_PT + ROW_PAD_PT


def header_footer_text(text: str) -> str:
    """Text safe inside an Excel page header (``&`` starts a code there), cut to fit its limit."""
    return text.replace("&", "&&")[:200]


# --------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------


class _Formats:
    """The workbook's cell formats, made once."""

    def __init__(self, wb: Any) -> None:
        base = {"font_name": FONT, "font_size": FONT_SIZE, "valign": "top", "text_wrap": True}
        cell = dict(base, border=1, border_color="#808080")
        self.title = wb.add_format(dict(base, bold=True, font_size=16, valign="vcenter", text_wrap=False))
        self.note = wb.add_format(dict(base, font_size=10, font_color="#404040"))
        self.header = wb.add_format(dict(cell, bold=True, bg_color="#D9E1F2", align="center", valign="vcenter"))
        self.text = wb.add_format(cell)
        self.center = wb.add_format(dict(cell, align="center"))
        self.int = wb.add_format(dict(cell, align="center", num_format="0"))
        self.left_int = wb.add_format(dict(cell, align="left", num_format="0"))
        self.number = wb.add_format(dict(cell, num_format="General"))
        self.big = wb.add_format(dict(cell, num_format="#,##0"))
        self.h1 = wb.add_format(dict(cell, bold=True, bg_color="#BDD7EE"))
        self.h2 = wb.add_format(dict(cell, bold=True, bg_color="#EDEDED"))
        self.fill = wb.add_format(dict(cell, bg_color="#FFFFFF"))
        self.good = wb.add_format({"bg_color": "#C6EFCE", "font_color": "#006100"})
        self.bad = wb.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006"})
        self.busy = wb.add_format({"bg_color": "#FFEB9C", "font_color": "#9C5700"})
        self.label = wb.add_format(dict(cell, bold=True, bg_color="#F2F2F2"))


def _number_format(fmt: _Formats, value: float) -> Any:
    return fmt.big if float(value).is_integer() and abs(value) >= 10000 else fmt.number


def _write(ws: Any, row: int, col: int, value: Any, fmt: _Formats, column: Column, style: Any = None) -> None:
    if value is None or value == "":
        ws.write_blank(row, col, None, style or fmt.text)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if style is None:
            style = fmt.int if isinstance(value, int) else _number_format(fmt, value)
        ws.write_number(row, col, value, style)
    else:
        ws.write_string(row, col, str(value), style or (fmt.center if column.center else fmt.text))


def _table_sheet(wb: Any, fmt: _Formats, name: str, title: str, note: str, columns: Sequence[Column],
                 rows: Sequence[tuple[Sequence[Any], Any]], *, paper: int, freeze_cols: int = 0,
                 min_lines: int = 1) -> Any:
    """A sheet in the common frame; ``rows`` are ``(cells, style)`` with style None for data rows."""
    ws = wb.add_worksheet(name)
    widths = [fit_width(c, [cells[i] for cells, _ in rows]) for i, c in enumerate(columns)]
    for i, w in enumerate(widths):
        ws.set_column(i, i, w)
    last = len(columns) - 1
    ws.merge_range(TITLE_ROW, 0, TITLE_ROW, last, title, fmt.title)
    ws.set_row(TITLE_ROW, 26)
    ws.merge_range(NOTE_ROW, 0, NOTE_ROW, last, note, fmt.note)
    ws.set_row(NOTE_ROW, text_lines(note, sum(widths)) * LINE_PT * 0.9 + ROW_PAD_PT)
    for i, c in enumerate(columns):
        ws.write_string(HEADER_ROW, i, c.header, fmt.header)
    ws.set_row(HEADER_ROW, row_height([c.header for c in columns], widths))
    r = FIRST_DATA_ROW
    for cells, style in rows:
        for i, (value, c) in enumerate(zip(cells, columns)):
            _write(ws, r, i, value, fmt, c, style)
        ws.set_row(r, row_height(cells, widths, min_lines))
        r += 1
    ws.freeze_panes(FIRST_DATA_ROW, freeze_cols)
    ws.autofilter(HEADER_ROW, 0, max(HEADER_ROW, r - 1), last)
    ws.set_landscape()
    ws.set_paper(paper)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(HEADER_ROW)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.set_header(f"&L&9{header_footer_text(title)}")
    ws.set_footer("&C&9第 &P 页，共 &N 页")
    ws.center_horizontally()
    return ws


def _title(notice: Notice, sheet: str) -> str:
    d = notice.document
    return "　".join(p for p in (sheet, d.doc_number or "", d.title or "") if p)


BREAKDOWN_COLUMNS = (
    Column(column_label("items", "item_seq"), 6, 5, center=True),
    Column("章节", 10, 6, center=True),
    Column(column_label("items", "group_title"), 18),
    Column(column_label("items", "text"), 56, 20),
    Column(ROLE_LABELS["lead"], 16, 10),
    Column(ROLE_LABELS["responsible"], 28, 10),
    Column(ROLE_LABELS["cooperating"], 20, 10),
    Column(ROLE_LABELS["leader"], 10, 10),
    Column(column_label("items", "deadline_text"), 14, 10),
    Column("量化目标", 30, 10),
)


def breakdown_cells(row: Heading | TaskRow) -> list[Any]:
    """The cells of one 任务分解表 row (a heading shows its text in the 工作任务 column)."""
    if isinstance(row, Heading):
        return ["", row.key, "", row.text, "", "", "", "", "", ""]
    it = row.item
    return [it.item_seq, row.chapter, it.group_title or "", it.text, lead_names(row), joined(row.responsible),
            joined(row.cooperating), joined(row.leaders), it.deadline_text or "", row.targets]


def _breakdown(wb: Any, fmt: _Formats, notice: Notice) -> None:
    rows = breakdown_rows(notice)
    acting = any(isinstance(r, TaskRow) and r.acting for r in rows)
    note = ("每行一项任务，单位照录原文顺序；序号即数据表 items.item_seq，章节为原文章节编号，量化目标照录原文。"
            + (ACTING_NOTE if acting else ""))
    styled = [(breakdown_cells(r), fmt.h1 if isinstance(r, Heading) and r.level == 1 else
               fmt.h2 if isinstance(r, Heading) else None) for r in rows]
    _table_sheet(wb, fmt, SHEETS[0], _title(notice, SHEETS[0]), note, BREAKDOWN_COLUMNS, styled, paper=A3)


TARGET_COLUMNS = (
    Column(column_label("targets", "item_seq"), 6, 5, center=True),
    *(Column(column_label("targets", c), w, m, center=c in VALUE_LABELS["targets"])
      for c, w, m in (("metric", 24, 10), ("kind", 8, 6), ("value", 10, 6), ("value_high", 8, 6),
                      ("unit", 8, 6), ("value_std", 18, 8), ("unit_std", 8, 6), ("qualifier", 8, 6),
                      ("aspirational", 6, 6), ("span_text", 36, 12))),
    Column(ROLE_LABELS["lead"], 16, 10),
)


def target_cells(row: Any) -> list[Any]:
    t = row.target
    return [t.item_seq, t.metric, value_label("targets", "kind", t.kind), t.value, t.value_high, t.unit,
            t.value_std, t.unit_std, value_label("targets", "qualifier", t.qualifier),
            value_label("targets", "aspirational", t.aspirational), t.span_text, row.leads]


def _targets(wb: Any, fmt: _Formats, notice: Notice) -> None:
    note = ("每行一个量化指标。标准值：亿元、万元折算为元，百分数仍为百分数；限定：左右、以上、以内、超过、确数；"
            "力争：原文有“力争”“争取”“努力”。")
    rows = [(target_cells(r), None) for r in target_rows(notice)]
    _table_sheet(wb, fmt, SHEETS[1], _title(notice, SHEETS[1]), note, TARGET_COLUMNS, rows, paper=A4)


UNIT_COLUMNS = (
    Column(column_label("assignments", "name"), 18, 10),
    Column(column_label("assignments", "role"), 20, 8),
    Column(column_label("items", "item_seq"), 6, 5, center=True),
    Column("章节", 10, 6, center=True),
    Column(column_label("items", "text"), 50, 20),
    Column(ROLE_LABELS["lead"], 16, 10),
    Column(column_label("items", "deadline_text"), 14, 10),
    Column("量化目标", 28, 10),
)


def unit_cells(row: Any) -> list[Any]:
    t = row.task
    return [row.unit, row.role, t.item.item_seq, t.chapter, t.item.text, lead_names(t),
            t.item.deadline_text or "", t.targets]


def _units(wb: Any, fmt: _Formats, notice: Notice) -> None:
    rows = unit_tasks(notice)
    note = ("每个单位的全部任务（牵头、责任、配合；责任领导为个人）。在“单位”一栏筛选本单位；打印时每个单位另起一页。"
            + ("“责任单位（视同牵头）”：原文未列牵头单位，按通知规定由责任单位牵头。"
               if any("视同" in r.role for r in rows) else ""))
    ws = _table_sheet(wb, fmt, SHEETS[2], _title(notice, SHEETS[2]), note, UNIT_COLUMNS,
                      [(unit_cells(r), None) for r in rows], paper=A4, freeze_cols=1)
    breaks = [FIRST_DATA_ROW + i for i in range(1, len(rows)) if rows[i].unit != rows[i - 1].unit]
    ws.set_h_pagebreaks(breaks[:1023])  # Excel's limit of manual page breaks


def tracker_columns(months: Sequence[int]) -> tuple[Column, ...]:
    """The tracker's columns: the task and unit, a 进展 column per month, 完成状态 and 备注 (to fill in)."""
    return (
        Column(column_label("items", "item_seq"), 6, 5, center=True),
        Column(column_label("items", "text"), 30, 20),
        Column(column_label("assignments", "name"), 14, 10),
        Column(column_label("assignments", "role"), 12, 8),
        Column(column_label("items", "deadline_text"), 10, 10),
        Column("量化目标", 16, 10),
        *(Column(f"{m}月进展", 10, 10) for m in months),
        Column("完成状态", 10, 10, center=True),
        Column("备注", 12, 12),
    )


def tracker_cells(row: Any, months: Sequence[int]) -> list[Any]:
    t = row.task
    return [t.item.item_seq, t.item.text, row.unit, row.role, t.item.deadline_text or "", t.targets,
            *([""] * len(months)), "", ""]


def _tracker(wb: Any, fmt: _Formats, notice: Notice, from_month: int | None) -> None:
    months = tracker_months(notice, from_month)
    rows = tracker_rows(notice)
    columns = tracker_columns(months)
    note = (f"每行一项任务 × 一个牵头或责任单位（配合单位不单列）；按月填写进展情况，完成状态从下拉列表选择"
            f"（{'、'.join(STATUSES)}）。" + (f"“{NO_UNIT}”：原文未列牵头或责任单位的任务。"
                                           if any(r.unit == NO_UNIT for r in rows) else ""))
    ws = _table_sheet(wb, fmt, SHEETS[3], _title(notice, SHEETS[3]), note, columns,
                      [(tracker_cells(r, months), None) for r in rows], paper=A3, freeze_cols=3,
                      min_lines=TRACKER_MIN_LINES)
    status = len(columns) - 2
    last = FIRST_DATA_ROW + max(len(rows), 1) - 1
    ws.data_validation(FIRST_DATA_ROW, status, last, status, {
        "validate": "list", "source": list(STATUSES), "input_title": "完成状态",
        "input_message": "从列表选择", "error_title": "完成状态", "error_message": "请从列表选择：" + "、".join(STATUSES)})
    for value, style in (("已完成", fmt.good), ("滞后", fmt.bad), ("推进中", fmt.busy)):
        ws.conditional_format(FIRST_DATA_ROW, status, last, status,
                              {"type": "cell", "criteria": "==", "value": f'"{value}"', "format": style})


def about_rows(notice: Notice) -> list[tuple[str, Any]]:
    """The 说明 sheet's key/value part: the document's metadata under their Chinese labels."""
    d = notice.document
    keys = ("issuer", "doc_number", "title", "year", "issued_date", "published_date", "addressees", "n_items",
            "n_assignments", "n_targets", "n_repairs", "n_findings", "truncated", "doc_id", "source",
            "source_sha256", "parser_version")
    out = []
    for k in keys:
        v = getattr(d, k)
        if isinstance(v, tuple):
            v = LIST_SEPARATOR.join(v)
        elif isinstance(v, dt.date):
            v = v.isoformat()
        out.append((column_label("documents", k), value_label("documents", k, v)))
    return out


def _about(wb: Any, fmt: _Formats, notice: Notice) -> None:
    ws = wb.add_worksheet(SHEETS[4])
    widths = (18, 30, 30, 50)
    for i, w in enumerate(widths):
        ws.set_column(i, i, w)
    total = sum(widths[1:])
    ws.merge_range(0, 0, 0, 3, _title(notice, SHEETS[4]), fmt.title)
    ws.set_row(0, 26)
    r = 2
    for key, value in about_rows(notice):
        ws.write_string(r, 0, key, fmt.label)
        if isinstance(value, int) and not isinstance(value, bool):
            ws.merge_range(r, 1, r, 3, None, fmt.left_int)
            ws.write_number(r, 1, value, fmt.left_int)
        else:
            ws.merge_range(r, 1, r, 3, str(value or ""), fmt.text)
        ws.set_row(r, row_height([str(value or "")], [total]))
        r += 1
    r += 1
    sections = (
        ("修复（有原文依据的确定修复）", ("repairs", ("rule", "before", "after", "evidence")), notice.repairs),
        ("提示与存疑（只报告，未改动）", ("findings", ("severity", "code", "message")), notice.findings),
    )
    for heading, (table, cols), records in sections:
        ws.merge_range(r, 0, r, 3, f"{heading}：{len(records)} 处", fmt.h1)
        r += 1
        spans = [(i, i) for i in range(len(cols) - 1)] + [(len(cols) - 1, 3)]
        for (a, b), c in zip(spans, cols):
            _cell(ws, r, a, b, column_label(table, c), fmt.header)
        r += 1
        for rec in records:
            cells = [str(value_label(table, c, getattr(rec, c))) for c in cols]
            for (a, b), v in zip(spans, cells):
                _cell(ws, r, a, b, v, fmt.text)
            ws.set_row(r, row_height(cells, [sum(widths[a:b + 1]) for a, b in spans]))
            r += 1
        r += 1
    ws.set_landscape()
    ws.set_paper(A4)
    ws.fit_to_pages(1, 0)
    ws.set_footer("&C&9第 &P 页，共 &N 页")


def _cell(ws: Any, row: int, first: int, last: int, value: str, style: Any) -> None:
    if first == last:
        ws.write_string(row, first, value, style)
    else:
        ws.merge_range(row, first, row, last, value, style)


def workbook_bytes(notice: Notice, *, from_month: int | None = None) -> bytes:
    """The workbook of one notice, as the bytes of an .xlsx file (deterministic)."""
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True,
                                   "default_format_properties": {"font_name": FONT, "font_size": FONT_SIZE}})
    d = notice.document
    date = d.issued_date or d.published_date or dt.date(1980, 1, 1)
    wb.set_properties({"title": d.title or d.doc_id, "subject": d.doc_number or "", "author": d.issuer or "",
                       "comments": f"fenjie {d.parser_version}: {d.doc_id}",
                       "created": dt.datetime(date.year, date.month, date.day, tzinfo=dt.UTC)})
    fmt = _Formats(wb)
    _breakdown(wb, fmt, notice)
    _targets(wb, fmt, notice)
    _units(wb, fmt, notice)
    _tracker(wb, fmt, notice, from_month)
    _about(wb, fmt, notice)
    wb.close()
    return buf.getvalue()
