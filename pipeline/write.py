"""Stage 9 — write: Parquet tables and one JSON file per document, atomically.

Every file is written to a temporary name in its target directory, flushed,
then renamed over the target, so an interrupted run leaves either the old
file or the new one, never half of one. Output is deterministic: the same
extractions give byte-identical files.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any, Iterable, Sequence

import pyarrow as pa
import pyarrow.parquet as pq

from .errors import WriteError
from .files import atomic_write_bytes
from .records import TABLES, Extraction, as_dict
from .schema import SCHEMA_VERSION, arrow_schema


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    return value


def row_dict(record: Any) -> dict[str, Any]:
    """A record as a JSON-ready dict, in field order."""
    return {k: _jsonable(v) for k, v in as_dict(record).items()}


def document_json(ex: Extraction) -> dict[str, Any]:
    """The nested JSON of one document (see :func:`pipeline.schema.json_schema`)."""
    out: dict[str, Any] = {"schema_version": SCHEMA_VERSION}
    out.update(row_dict(ex.document))
    out["text"] = ex.text
    for table in ("items", "assignments", "targets", "repairs", "findings"):
        out[table] = [row_dict(r) for r in ex.rows(table)]
    return out


def dumps(obj: Any) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def table(name: str, extractions: Sequence[Extraction]) -> pa.Table:
    """One published table over several documents, in document then row order."""
    return rows_table(TABLES[name], [r for ex in extractions for r in ex.rows(name)])


def rows_table(cls: type, records: Sequence[Any]) -> pa.Table:
    """Rows of one dataclass type as an Arrow table with its declared schema."""
    rows = [as_dict(r) for r in records]
    cols = {f.name: [row[f.name] for row in rows] for f in dataclasses.fields(cls)}
    return pa.Table.from_pydict(cols, schema=arrow_schema(cls))


def parquet_bytes(tbl: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    pq.write_table(tbl, sink, compression="zstd", use_dictionary=True, write_statistics=True)
    return sink.getvalue().to_pybytes()


def write_outputs(extractions: Iterable[Extraction], out_dir: Path | str) -> list[Path]:
    """Write ``out/<table>.parquet`` for every table and ``out/json/<doc_id>.json`` per document.

    Extractions are written in ``doc_id`` order, whatever order they came in.
    """
    out = Path(out_dir)
    exs = sorted(extractions, key=lambda e: (e.document.doc_id, e.document.source))
    written: list[Path] = []
    try:
        for ex in exs:
            path = out / "json" / f"{ex.document.doc_id}.json"
            atomic_write_bytes(path, dumps(document_json(ex)))
            written.append(path)
        for name in TABLES:
            path = out / f"{name}.parquet"
            atomic_write_bytes(path, parquet_bytes(table(name, exs)))
            written.append(path)
    except OSError as exc:
        raise WriteError(exc.strerror or str(exc), source=str(getattr(exc, "filename", out))) from None
    return written
