"""Reading the extracted dataset back from ``out/``, and writing its tables as CSV.

:func:`load_tables` is the one place the export reads ``out/``: the documented Parquet tables
``out/<table>.parquet``, back into the row records of :mod:`pipeline.records`. Everything the export
writes is derived from what it returns.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ExportError
from ..records import TABLES, Assignment, Document, Finding, Item, Repair, Target

#: ``{table name: rows}`` in the tables' own order (document, then row order).
Tables = Mapping[str, Sequence[Any]]


@dataclass(frozen=True)
class Notice:
    """The rows of one document, as read back from the tables."""

    document: Document
    items: tuple[Item, ...] = ()
    assignments: tuple[Assignment, ...] = ()
    targets: tuple[Target, ...] = ()
    repairs: tuple[Repair, ...] = ()
    findings: tuple[Finding, ...] = ()


def load_tables(out_dir: Path | str) -> dict[str, list[Any]]:
    """Every published table of the dataset in ``out_dir`` as lists of row records.

    Raises :class:`~pipeline.errors.ExportError` when a table is missing, was written by another
    schema version, or does not have the columns of its record.
    """
    import pyarrow.parquet as pq

    from ..schema import SCHEMA_VERSION

    out: dict[str, list[Any]] = {}
    for name, cls in TABLES.items():
        path = Path(out_dir) / f"{name}.parquet"
        if not path.is_file():
            raise ExportError("no extracted table here (run `make extract` or `fenjie extract` first)",
                              source=str(path))
        try:
            table = pq.read_table(path)
        except (OSError, ValueError) as exc:
            raise ExportError(f"cannot read the table: {exc}", source=str(path)) from None
        version = (table.schema.metadata or {}).get(b"schema_version", b"?").decode()
        if version != SCHEMA_VERSION:
            raise ExportError(f"written with schema version {version}, this fenjie reads {SCHEMA_VERSION} "
                              "(extract again)", source=str(path))
        fields = [f.name for f in dataclasses.fields(cls)]
        if table.column_names != fields:
            raise ExportError(f"columns {table.column_names} are not those of {cls.__name__} {fields}",
                              source=str(path))
        out[name] = [cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in row.items()})
                     for row in table.to_pylist()]
    return out


def notices(tables: Tables) -> list[Notice]:
    """The tables split into one :class:`Notice` per document, in ``documents`` order."""
    by_doc: dict[str, dict[str, list[Any]]] = {d.doc_id: {} for d in tables["documents"]}
    for name in ("items", "assignments", "targets", "repairs", "findings"):
        for row in tables[name]:
            by_doc.setdefault(row.doc_id, {}).setdefault(name, []).append(row)
    return [Notice(document=d, **{k: tuple(v) for k, v in by_doc[d.doc_id].items()})
            for d in tables["documents"]]


def select(found: Sequence[Notice], refs: Iterable[str]) -> list[Notice]:
    """The notices named by ``refs`` (doc_ids or unique prefixes), all when ``refs`` is empty.

    >>> ns = [Notice(Document("a-2024-1", "", "", "", None, None, None, None, None, None)),
    ...       Notice(Document("a-2025-2", "", "", "", None, None, None, None, None, None))]
    >>> [n.document.doc_id for n in select(ns, ["a-2025"])], len(select(ns, []))
    (['a-2025-2'], 2)
    """
    refs = list(refs)
    if not refs:
        return list(found)
    chosen: list[Notice] = []
    for ref in refs:
        hits = [n for n in found if n.document.doc_id == ref] or \
               [n for n in found if n.document.doc_id.startswith(ref)]
        if not hits:
            raise ExportError("no such document in the dataset", source=ref)
        if len(hits) > 1:
            raise ExportError(f"ambiguous doc_id prefix ({len(hits)} documents)", source=ref)
        if hits[0] not in chosen:
            chosen.append(hits[0])
    return chosen


# --------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------

#: Joins the elements of a list column in a CSV cell (and a workbook cell).
LIST_SEPARATOR = "、"


def csv_value(value: Any) -> str:
    """One value as CSV text: lists joined with 、, booleans true/false, dates ISO, null empty.

    >>> [csv_value(v) for v in [("江北管理区", "各街道办事处"), True, None, 7.0, 85.5, 120000000.0, 3]]
    ['江北管理区、各街道办事处', 'true', '', '7', '85.5', '120000000', '3']
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return LIST_SEPARATOR.join(csv_value(v) for v in value)
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def csv_bytes(name: str, rows: Sequence[Any]) -> bytes:
    """A table as CSV: UTF-8 with a BOM (so Excel reads it as UTF-8), the column names as header, CRLF."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    fields = [f.name for f in dataclasses.fields(TABLES[name])]
    writer.writerow(fields)
    for row in rows:
        writer.writerow([csv_value(getattr(row, f)) for f in fields])
    return b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8")
