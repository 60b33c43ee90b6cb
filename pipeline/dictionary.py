"""The data dictionary, generated from the row records: Markdown (``docs/data-dictionary.md``) and JSON.

One entry per column of every published table: name, Chinese label, type, nullability, meaning,
allowed values with their labels (enum and boolean columns), and an example (the first non-null
value in the data). The Markdown is committed and checked against the code by the tests
(``make docs`` regenerates it from the sample notice); ``fenjie export`` writes the JSON for the
dataset it exports.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .records import BOOL_LABELS, COLUMN_LABELS, TABLE_LABELS, TABLES, VALUE_LABELS

#: Where the Markdown dictionary is committed, relative to the project root.
MARKDOWN_PATH = Path("docs") / "data-dictionary.md"
#: Examples longer than this are shortened in the Markdown (never in the JSON).
MD_EXAMPLE_CHARS = 40
#: What one row of each table is.
ROWS = {
    "documents": "one row per document (notice)",
    "items": "one row per task item",
    "assignments": "one row per unit (or person) and role of a task, in printed order",
    "targets": "one row per quantitative target",
    "repairs": "one row per certain repair applied",
    "findings": "one row per problem reported without changing anything",
}


@dataclass(frozen=True)
class ColumnEntry:
    table: str
    column: str
    label: str  # Chinese label (records.COLUMN_LABELS)
    type: str  # Arrow type of the Parquet column, e.g. int64, date32[day], list<item: string>
    nullable: bool
    meaning: str  # the column's description in records.py
    values: tuple[tuple[Any, str], ...]  # allowed values and their labels; empty for open columns
    example: Any  # first non-null value in the data (None when the data has none)


def allowed_values(table: str, column: str, type_: str) -> tuple[tuple[Any, str], ...]:
    """The allowed values of a column with their labels (enums and booleans), else ``()``.

    >>> allowed_values("targets", "qualifier", "string")[:2], allowed_values("targets", "aspirational", "bool")
    ((('around', '左右'), ('at_least', '以上')), ((True, '是'), (False, '否')))
    """
    if type_ == "bool":
        return tuple(BOOL_LABELS.items())
    return tuple(VALUE_LABELS.get(table, {}).get(column, {}).items())


def entries(tables: Mapping[str, Sequence[Any]]) -> list[ColumnEntry]:
    """Every column of every table, in table and column order, with examples from ``tables``."""
    from .schema import arrow_schema

    out = []
    for table in TABLES:
        rows = tables.get(table, ())
        for f in arrow_schema(table):
            example = next((getattr(r, f.name) for r in rows if getattr(r, f.name) not in (None, ())), None)
            out.append(ColumnEntry(table, f.name, COLUMN_LABELS[table][f.name], str(f.type), f.nullable,
                                   f.metadata[b"description"].decode(), allowed_values(table, f.name, str(f.type)),
                                   example))
    return out


def _jsonable(v: Any) -> Any:
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, tuple):
        return [_jsonable(x) for x in v]
    return v


def dictionary_json(tables: Mapping[str, Sequence[Any]]) -> bytes:
    """The machine-readable dictionary: ``{"schema_version", "csv", "tables": {name: {label, rows, file, columns}}}``."""
    from .export.dataset import LIST_SEPARATOR
    from .schema import SCHEMA_VERSION

    doc: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "csv": {"encoding": "utf-8-sig", "list_separator": LIST_SEPARATOR, "null": "", "booleans": ["true", "false"]},
        "tables": {},
    }
    for e in entries(tables):
        t = doc["tables"].setdefault(e.table, {"label": TABLE_LABELS[e.table],
                                               "rows": ROWS[e.table],
                                               "file": f"{e.table}.parquet", "columns": []})
        t["columns"].append({
            "column": e.column, "label": e.label, "type": e.type, "nullable": e.nullable, "meaning": e.meaning,
            "values": [{"value": v, "label": lab} for v, lab in e.values], "example": _jsonable(e.example)})
    return (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _example_md(value: Any) -> str:
    from .export.dataset import csv_value

    if value is None:
        return ""
    text = csv_value(value)
    if len(text) > MD_EXAMPLE_CHARS:
        text = text[:MD_EXAMPLE_CHARS] + "…"
    return f"`{_md(text)}`" if text else ""


def _values_md(values: Sequence[tuple[Any, str]]) -> str:
    from .export.dataset import csv_value

    return "<br>".join(f"`{csv_value(v)}` {lab}" for v, lab in values)


def dictionary_markdown(tables: Mapping[str, Sequence[Any]]) -> str:
    """The data dictionary as Markdown (what ``docs/data-dictionary.md`` holds)."""
    from .export.dataset import LIST_SEPARATOR
    from .schema import SCHEMA_VERSION

    out = [
        "# Data dictionary (数据字典)", "",
        "<!-- Generated from pipeline/records.py by `make docs`; the tests fail if it drifts. -->", "",
        f"Schema version {SCHEMA_VERSION}. Every column of the published tables (`out/<table>.parquet`; the same "
        "columns in `out/json/<doc_id>.json` and in the CSV copies `fenjie export` writes), with its Chinese label "
        "(used in the workbook), its type, what it means, the values it may take with their labels, and an "
        "example from the sample notice. `fenjie export` writes the same dictionary as JSON, with examples "
        "from the exported data, to `out/export/dictionary.json`.", "",
        f"In the CSV files (UTF-8 with BOM): a list is written joined with `{LIST_SEPARATOR}`, a boolean as "
        "`true`/`false`, a date as `YYYY-MM-DD`, a null as an empty field, a whole number stored as a double "
        "without `.0`.", "",
    ]
    current = None
    for e in entries(tables):
        if e.table != current:
            current = e.table
            out += ["", f"## {e.table} — {TABLE_LABELS[e.table]}", "", f"`{e.table}.parquet`: {ROWS[e.table]}.", ""]
            out += ["| column | 中文 | type | meaning | values | example |", "| --- | --- | --- | --- | --- | --- |"]
        typ = e.type + ("" if e.nullable else ", not null")
        out.append(f"| `{e.column}` | {e.label} | {typ} | {_md(e.meaning)} | {_values_md(e.values)} | "
                   f"{_example_md(e.example)} |")
    return "\n".join(out) + "\n"
