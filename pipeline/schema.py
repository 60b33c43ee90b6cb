"""The published schemas, derived from the row dataclasses in :mod:`pipeline.records`.

One declaration (the dataclass, with a ``doc=`` description on each field)
gives the Parquet schema (field descriptions in the field metadata), the
JSON Schema of ``out/json/<doc_id>.json`` and the column table in the README.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import types
import typing
from functools import cache
from typing import TYPE_CHECKING, Any

from . import __version__
from .records import TABLES

SCHEMA_VERSION = "2"

if TYPE_CHECKING:  # pyarrow is imported where a schema is built, not with this module (extraction never needs it)
    import pyarrow as pa

#: Arrow type of each Python type of a record field.
_ARROW = {str: "string", int: "int64", float: "float64", bool: "bool_", dt.date: "date32"}
_JSON = {str: {"type": "string"}, int: {"type": "integer"}, float: {"type": "number"},
         bool: {"type": "boolean"}, dt.date: {"type": "string", "format": "date"}}


def _unwrap(tp: Any) -> tuple[Any, bool]:
    """(inner type, nullable) for ``X | None``."""
    if isinstance(tp, types.UnionType) or typing.get_origin(tp) is typing.Union:
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        assert len(args) == 1, tp
        return args[0], True
    return tp, False


@cache
def _fields(cls: type) -> list[tuple[str, Any, bool, str]]:
    hints = typing.get_type_hints(cls)
    out = []
    for f in dataclasses.fields(cls):
        tp, nullable = _unwrap(hints[f.name])
        out.append((f.name, tp, nullable, f.metadata.get("doc", "")))
    return out


def _arrow_type(tp: Any) -> pa.DataType:
    import pyarrow as pa

    if typing.get_origin(tp) is tuple:
        return pa.list_(_arrow_type(typing.get_args(tp)[0]))
    return getattr(pa, _ARROW[tp])()


@cache
def arrow_schema(table: str | type) -> pa.Schema:
    """The Parquet schema of a published table (by name in TABLES, or a row dataclass).

    Besides the column descriptions it carries the ``pandas`` metadata pandas reads back, so a plain
    ``pd.read_parquet`` gives nullable integer columns as ``Int64`` and dates as dates (see
    :func:`pandas_metadata`); DuckDB and polars read the Arrow types themselves.
    """
    import pyarrow as pa

    cls = TABLES[table] if isinstance(table, str) else table
    if not isinstance(table, str):
        table = next((k for k, v in TABLES.items() if v is cls), cls.__name__.lower())
    fields = [
        pa.field(name, _arrow_type(tp), nullable=nullable, metadata={"description": doc})
        for name, tp, nullable, doc in _fields(cls)
    ]
    return pa.schema(fields, metadata={"table": table, "schema_version": SCHEMA_VERSION,
                                       "description": (cls.__doc__ or "").strip(),
                                       "pandas": json.dumps(pandas_metadata(cls), separators=(",", ":"))})


#: (pandas_type, numpy_type) pandas is told for each Python type: (not null, nullable).
#: pyarrow rebuilds a column with the numpy_type when it names a pandas extension dtype:
#: ``Int64``/``boolean`` keep nulls without turning integers into floats; ``date32[day][pyarrow]``
#: keeps a date a date (with the ``.dt`` accessor), where plain numpy would give Python objects.
_PANDAS = {
    int: (("int64", "int64"), ("int64", "Int64")),
    float: (("float64", "float64"), ("float64", "float64")),
    bool: (("bool", "bool"), ("bool", "boolean")),
    str: (("unicode", "object"), ("unicode", "object")),
    dt.date: (("date", "date32[day][pyarrow]"), ("date", "date32[day][pyarrow]")),
}


def pandas_metadata(cls: type) -> dict[str, Any]:
    """The ``pandas`` schema metadata of a table, written without importing pandas.

    >>> from pipeline.records import Finding
    >>> [(c["name"], c["numpy_type"]) for c in pandas_metadata(Finding)["columns"]][-2:]
    [('span_start', 'Int64'), ('span_end', 'Int64')]
    """
    columns = []
    for name, tp, nullable, _ in _fields(cls):
        if typing.get_origin(tp) is tuple:
            pandas_type, numpy_type = "list[unicode]", "object"
        else:
            pandas_type, numpy_type = _PANDAS[tp][nullable]
        columns.append({"name": name, "field_name": name, "pandas_type": pandas_type, "numpy_type": numpy_type,
                        "metadata": None})
    return {"index_columns": [], "column_indexes": [], "columns": columns, "attributes": {},
            "creator": {"library": "fenjie", "version": __version__}}


def _json_type(tp: Any, nullable: bool, doc: str) -> dict[str, Any]:
    if typing.get_origin(tp) is tuple:
        inner = typing.get_args(tp)[0]
        t: dict[str, Any] = {"type": "array", "items": dict(_JSON[inner])}
    else:
        t = dict(_JSON[tp])
    if nullable:
        t["type"] = [t["type"], "null"]
    t["description"] = doc
    return t


def json_row_schema(table: str) -> dict[str, Any]:
    props = {name: _json_type(tp, nullable, doc) for name, tp, nullable, doc in _fields(TABLES[table])}
    return {"type": "object", "properties": props, "required": list(props), "additionalProperties": False}


def json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of ``out/json/<doc_id>.json``."""
    doc = json_row_schema("documents")
    props = dict(doc["properties"])
    props["text"] = {"type": "string", "description": "The repaired full text; every start/end offset refers to it."}
    for table in ("items", "assignments", "targets", "repairs", "findings"):
        props[table] = {"type": "array", "items": json_row_schema(table)}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://github.com/fenjie/fenjie/schema/document.json",
        "title": "fenjie document",
        "description": "One breakdown notice, nested: document metadata, its repaired text and every row extracted from it.",
        "type": "object",
        "properties": {"schema_version": {"type": "string", "const": SCHEMA_VERSION}, **props},
        "required": ["schema_version", *props],
        "additionalProperties": False,
    }


def schema_json_text() -> str:
    """The JSON Schema as committed in ``schema/document.schema.json`` (checked for drift by the tests)."""
    return json.dumps(json_schema(), ensure_ascii=False, indent=2) + "\n"


def markdown_columns(table: str) -> str:
    """A Markdown table of one published table's columns (the README's schema section)."""
    lines = ["| column | type | description |", "| --- | --- | --- |"]
    for f in arrow_schema(table):
        null = "" if f.nullable else ", not null"
        lines.append(f"| `{f.name}` | {f.type}{null} | {f.metadata[b'description'].decode()} |")
    return "\n".join(lines)
