"""Stage 9 — write: one JSON file per document and six Parquet tables, streamed into a generation.

A document's JSON is compact (one line, UTF-8, strict: a NaN or an infinity is a write error naming
the document, never ``NaN`` in the file). The tables are built from each document's *columns* (its
rows as Arrow record batches, made by the worker that extracted it: :func:`columns_bytes`) and
appended to one ``pq.ParquetWriter`` per table, a row group per 128 documents, so memory does not
grow with the number of documents. Documents are added in ``doc_id`` order; the same documents give byte-identical
files. The directory written is a generation that :mod:`pipeline.store` commits as a whole.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import operator
import os
import struct
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import WriteError
from .records import TABLES, Extraction, as_dict
from .schema import SCHEMA_VERSION, arrow_schema

if TYPE_CHECKING:  # pyarrow is imported by the functions that build tables or columns (not by extraction)
    import pyarrow as pa

#: Parquet settings of every published table.
PARQUET_OPTIONS = {"compression": "zstd", "use_dictionary": True, "write_statistics": True}
#: Documents per row group of every table (the last row group holds the rest).
ROW_GROUP_DOCS = 128
#: The tables nested in a document's JSON (all but ``documents``, whose columns are its top level).
NESTED = tuple(t for t in TABLES if t != "documents")


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    return value


@cache
def _fields_of(cls: Any) -> tuple[tuple[str, ...], Any]:
    names = tuple(f.name for f in dataclasses.fields(cls))
    return names, operator.attrgetter(*names)


def row_dict(record: Any) -> dict[str, Any]:
    """A record as a JSON-ready dict, in field order (dates as ISO strings, tuples as lists)."""
    names, get = _fields_of(type(record))  # type: ignore[arg-type]  # dataclass types are hashable
    return {k: _jsonable(v) if isinstance(v, (dt.date, tuple)) else v for k, v in zip(names, get(record))}


def document_json(ex: Extraction) -> dict[str, Any]:
    """The nested JSON of one document (see :func:`pipeline.schema.json_schema`)."""
    out: dict[str, Any] = {"schema_version": SCHEMA_VERSION}
    out.update(row_dict(ex.document))
    out["text"] = ex.text
    for table in NESTED:
        out[table] = [row_dict(r) for r in ex.rows(table)]
    return out


def dumps(obj: Any) -> bytes:
    """Compact, strict JSON on one line (``ValueError`` on NaN/Infinity), UTF-8, newline-terminated."""
    return (json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "\n").encode("utf-8")


def non_finite(obj: Any, path: str = "") -> str | None:
    """Where the first NaN or infinity in a JSON-ready value is, as a path.

    >>> non_finite({"targets": [{"value": 1.0}, {"value": float("inf")}]})
    'targets[1].value'
    """
    if isinstance(obj, float) and not math.isfinite(obj):
        return path or "."
    if isinstance(obj, dict):
        items = ((f"{path}.{k}" if path else str(k), v) for k, v in obj.items())
    elif isinstance(obj, list):
        items = ((f"{path}[{i}]", v) for i, v in enumerate(obj))
    else:
        return None
    for sub, value in items:
        found = non_finite(value, sub)
        if found:
            return found
    return None


#: The smallest magnitude (besides 0) orjson and ``json`` print alike: below it ``json`` writes 1e-05, orjson 0.00001.
_PLAIN_FLOAT = 1e-4


@cache
def _float_columns(cls: type) -> tuple[Any, ...]:
    """A getter of each field of a record class that may hold a float (by its annotation)."""
    return tuple(operator.attrgetter(f.name) for f in dataclasses.fields(cls) if "float" in str(f.type))


def _plain_floats(ex: Extraction) -> bool:
    """Every float of the document is finite and 0 or at least :data:`_PLAIN_FLOAT` in magnitude (False
    may also mean it could not tell: the caller then takes the slower way, which writes the same bytes).

    >>> from pipeline.records import Document, Target
    >>> d = Document(*(["d1"] + [None] * 10))
    >>> def plain(*values):
    ...     targets = tuple(Target("d1", 1, "m", "count", v, None, "个", v, "个", "exact", False, "", 0, 1) for v in values)
    ...     return _plain_floats(Extraction(d, "", targets=targets))
    >>> plain(0.0, 2.5, 1e-4), plain(2.5, 1e-05), plain(float("nan")), plain(1.0, float("-inf"))
    (True, False, False, False)
    """
    for table in TABLES:
        rows = ex.rows(table)
        for get in _float_columns(type(rows[0])) if rows else ():  # type: ignore[arg-type]
            # In C rather than a Python test per value: the magnitudes of a column (zeros and nulls left
            # out) add up to a finite sum only when none is a NaN or an infinity; then the smallest is the
            # one to check. (A sum of finite values that overflows says False: the slower way, same bytes.)
            sizes = list(map(abs, filter(None, map(get, rows))))
            try:
                if sizes and not (sum(sizes) < math.inf and min(sizes) >= _PLAIN_FLOAT):
                    return False
            except (TypeError, OverflowError):  # not a number, an integer too large for a float
                return False
    return True


def _orjson_bytes(ex: Extraction) -> bytes | None:
    """What :func:`dumps` of :func:`document_json` gives, written by orjson (30× faster: it reads the records
    themselves), or None for a document where the two could differ (see :func:`document_bytes`).

    orjson prints records in field order, dates as ISO strings, tuples as lists, and compact UTF-8 like
    ``dumps``; it refuses unpaired surrogates and integers beyond 64 bits (then None).
    """
    import orjson

    if not _plain_floats(ex):
        return None
    d = ex.document
    doc: dict[str, Any] = {"schema_version": SCHEMA_VERSION}
    doc.update(vars(d))  # its fields in order (see columns_bytes)
    doc["text"] = ex.text
    for table in NESTED:
        doc[table] = ex.rows(table)
    try:
        return orjson.dumps(doc, option=orjson.OPT_APPEND_NEWLINE)
    except (orjson.JSONEncodeError, TypeError):
        return None


def document_bytes(ex: Extraction) -> bytes:
    """The published JSON of one document; a value JSON cannot hold is a :class:`WriteError` naming it.

    Written by orjson (:func:`_orjson_bytes`); where its bytes could differ from the standard library's
    (a NaN or an infinity, which orjson would write as null; a float under 1e-4, printed 0.00001 for
    1e-05; an unpaired surrogate; an integer beyond 64 bits), by ``json``, which says what is wrong.
    """
    fast = _orjson_bytes(ex)
    if fast is not None:
        return fast
    doc = document_json(ex)
    try:
        return dumps(doc)
    except UnicodeEncodeError as exc:  # before ValueError, which it is a kind of
        raise WriteError(f"the JSON would hold an unpaired surrogate ({exc.object[exc.start:exc.end]!r}), "
                         "which is not UTF-8", source=ex.document.source) from None
    except ValueError:
        where = non_finite(doc) or "a value"
        raise WriteError(f"{where} is not a finite number, which JSON cannot hold", source=ex.document.source) from None


# --------------------------------------------------------------------------
# Tables from documents (streaming)
# --------------------------------------------------------------------------
# The tables are built from a second file per document, its *columns*: the document's rows as one
# Arrow record batch per table, with the tables' declared types, made by the worker beside the
# published JSON. Turning Python values into Arrow is the one cost per value of the tables; made in
# the workers, it runs on every core. The parent only maps the batches (no parsing, no copy) and
# writes them into the Parquet row groups: the part of a batch that cannot run in parallel stays
# small, and more workers keep paying off.

#: First bytes of a columns file, then the byte length of each table's message (six little-endian u64).
COLUMNS_MAGIC = b"fenjie-columns/1\n"
_LENGTHS = struct.Struct("<" + "Q" * len(TABLES))


@cache
def _row_type(table: str) -> pa.DataType:
    """One row of ``table`` as an Arrow struct (its declared fields, in order)."""
    import pyarrow as pa

    return pa.struct(list(arrow_schema(table)))


def prepare_columns() -> None:
    """Import pyarrow and make every table's row type (the first document's columns need them)."""
    for name in TABLES:
        _row_type(name)


def _columns_of_rows(rows: dict[str, list[Any]]) -> bytes:
    """The columns file of one document, from each table's rows (tuples in field order, or dicts)."""
    import pyarrow as pa

    try:
        parts = [pa.RecordBatch.from_struct_array(pa.array(rows[name], type=_row_type(name))).serialize()
                 for name in TABLES]
    except (OverflowError, pa.ArrowInvalid, pa.ArrowTypeError, TypeError) as exc:
        raise WriteError(f"a value does not fit its column's type ({exc})".replace("\n", " ")) from None
    return b"".join((COLUMNS_MAGIC, _LENGTHS.pack(*map(len, parts)), *parts))


def columns_bytes(ex: Extraction) -> bytes:
    """The columns file of one document (see above); a value that cannot be a column (an integer beyond
    64 bits) is a :class:`WriteError` naming the document.

    >>> from pipeline.records import Document, Finding
    >>> d = Document(*(["d1"] + [None] * 10))
    >>> data = columns_bytes(Extraction(d, "", findings=(Finding("d1", "info", "x", "m", 3, 5),)))
    >>> data.startswith(COLUMNS_MAGIC), batches_of(data)["findings"].to_pylist()
    (True, [{'doc_id': 'd1', 'severity': 'info', 'code': 'x', 'message': 'm', 'span_start': 3, 'span_end': 5}])
    """
    # A row's values in field order are its instance dict's values, which a dataclass's ``__init__`` (and
    # quick_init's) stores in field order (tests/test_schema.py checks it for every table): read in C, with
    # no attribute lookup per field, they take a quarter fewer instructions than an attrgetter of the fields.
    try:
        return _columns_of_rows({name: list(map(tuple, map(dict.values, map(vars, ex.rows(name)))))  # type: ignore[arg-type]  # an instance's vars are its dict
                                 for name in TABLES})
    except WriteError as exc:
        raise WriteError(exc.reason, source=ex.document.source) from None


def columns_of_document(document: bytes) -> bytes:
    """:func:`columns_bytes` made from a document's published JSON (a cache entry without its columns, a
    document given more findings by the batch).

    >>> doc = b'{"doc_id":"a","text":"t","items":[{"doc_id":"a","item_seq":1,"deadline":"2025-06-30"}]}'
    >>> batches_of(columns_of_document(doc))["items"].to_pylist()[0]["deadline"]
    datetime.date(2025, 6, 30)
    """
    import pyarrow as pa

    doc = json.loads(document)
    rows: dict[str, list[Any]] = {"documents": [doc]}
    for name in NESTED:
        found = doc.get(name)
        rows[name] = found if isinstance(found, list) else []
    for name, found in rows.items():  # dates are ISO strings in the JSON
        dates = [f.name for f in arrow_schema(name) if f.type == pa.date32()]
        for row, field in ((r, f) for r in found for f in dates):
            if isinstance(row.get(field), str):
                row[field] = dt.date.fromisoformat(row[field])
    return _columns_of_rows(rows)


def batches_of(columns: bytes) -> dict[str, pa.RecordBatch]:
    """The record batch of each table in a columns file (mapped, not copied); a file that is not one,
    a ``ValueError``."""
    import pyarrow as pa

    start = len(COLUMNS_MAGIC) + _LENGTHS.size
    if not columns.startswith(COLUMNS_MAGIC) or len(columns) < start:
        raise ValueError("not a columns file")
    lengths = _LENGTHS.unpack_from(columns, len(COLUMNS_MAGIC))
    if start + sum(lengths) != len(columns):
        raise ValueError("a columns file of the wrong length")
    buffer, out = pa.py_buffer(columns), {}
    for name, n in zip(TABLES, lengths):
        out[name] = pa.ipc.read_record_batch(buffer.slice(start, n), arrow_schema(name))
        start += n
    return out


def _read_cached(path: Path | None) -> bytes:
    """A cached document's bytes; unreadable, a :class:`WriteError` naming it (not the file being written)."""
    if path is None:
        raise ValueError("DatasetWriter.add needs the document or the path to read it from")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise WriteError(f"cached document unreadable: {exc.strerror or exc}", source=str(path)) from None


#: Rows of each table kept for the data dictionary's examples.
EXAMPLE_ROWS = 20


def _close(writer: Any) -> None:
    """Close a ParquetWriter; one whose close fails (a full disk) is marked closed all the same, or its
    ``__del__`` would try again when it is collected and print a second traceback on stderr."""
    try:
        writer.close()
    except BaseException:
        writer.is_open = False
        raise


class DatasetWriter:
    """Writes one dataset directory: ``json/<doc_id>.json`` per document and ``<table>.parquet`` per table.

    ``add`` documents in ``doc_id`` order, then ``close``. An ``OSError`` (a full disk, a permission)
    becomes a :class:`WriteError` naming the file being written.
    """

    def __init__(self, directory: Path) -> None:
        import pyarrow.parquet as pq

        self.directory = Path(directory)
        self.json_dir = self.directory / "json"
        self._writers: dict[str, Any] = {}
        self._batches: dict[str, list[Any]] = {name: [] for name in TABLES}  # record batches of the row group
        self._group_docs = 0
        self.n_documents = 0
        self._examples: dict[str, list[Any]] = {name: [] for name in TABLES}  # a few rows per table
        with self._writing(self.json_dir):
            self.json_dir.mkdir(parents=True, exist_ok=True)
        try:
            for name in TABLES:
                path = self.path(name)
                with self._writing(path):
                    self._writers[name] = pq.ParquetWriter(str(path), arrow_schema(name), **PARQUET_OPTIONS)
        except BaseException:
            self.abort()  # the tables opened before the one that failed (nobody else holds them)
            raise

    def path(self, table: str) -> Path:
        return self.directory / f"{table}.parquet"

    def add(self, doc_id: str, document: bytes | None, *, columns: bytes | None = None,
            link_from: Path | None = None) -> None:
        """Add one document's JSON line: hard-linked from ``link_from`` (same bytes) when given, else written.

        ``columns`` is its :func:`columns_bytes` when the caller has it (else it is made from ``document``);
        ``document`` may be None when both ``columns`` and ``link_from`` are given (it is read from there
        only if the link cannot be made).
        """
        target = self.json_dir / f"{doc_id}.json"
        with self._writing(target):
            linked = False
            if link_from is not None:
                try:
                    os.link(link_from, target)
                    linked = True
                except OSError:  # another file system, no hard links: write a copy
                    pass
            if not linked:
                if document is None:
                    document = _read_cached(link_from)
                fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
                with os.fdopen(fd, "wb") as fh:
                    fh.write(document)
        if columns is None:
            if document is None:
                raise ValueError("DatasetWriter.add needs the document or its columns")
            try:
                columns = columns_of_document(document)
            except WriteError as exc:
                raise WriteError(exc.reason, source=str(target)) from None
        try:
            batches = batches_of(columns)
        except ValueError as exc:  # Arrow's errors reading a message are ValueErrors too
            raise WriteError(f"cannot read the columns of {doc_id}: {exc}".replace("\n", " "),
                             source=str(self.directory)) from None
        for name, batch in batches.items():
            self._batches[name].append(batch)
            examples = self._examples[name]
            if len(examples) < EXAMPLE_ROWS and batch.num_rows:
                examples.extend(batch.slice(0, EXAMPLE_ROWS - len(examples)).to_pylist())
        self.n_documents += 1
        self._group_docs += 1
        if self._group_docs >= ROW_GROUP_DOCS:
            self._write_row_group()

    def _write_row_group(self) -> None:
        import pyarrow as pa

        for name, batches in self._batches.items():
            rows = sum(b.num_rows for b in batches)
            if rows:
                # one chunk per column: Parquet writes a table of many small chunks half as fast
                tbl = pa.Table.from_batches(batches, schema=arrow_schema(name)).combine_chunks()
                with self._writing(self.path(name)):
                    self._writers[name].write_table(tbl)
            batches.clear()
        self._group_docs = 0

    def close(self) -> list[Path]:
        """Write the last row group, close every table, write the data dictionary; return the table paths."""
        from types import SimpleNamespace

        from .dictionary import dictionary_json

        self._write_row_group()
        for name in TABLES:
            with self._writing(self.path(name)):
                _close(self._writers.pop(name))
        examples = {name: [SimpleNamespace(**row) for row in rows] for name, rows in self._examples.items()}
        path = self.directory / "dictionary.json"
        with self._writing(path):
            path.write_bytes(dictionary_json(examples))
        return [self.path(name) for name in TABLES]

    def abort(self) -> None:
        """Close what is open, quietly (the directory is about to be discarded)."""
        for w in self._writers.values():
            try:
                _close(w)
            except Exception:
                pass
        self._writers.clear()

    class _writing:
        """Turn an OSError while writing ``path`` into a WriteError that names it."""

        def __init__(self, path: Path) -> None:
            self.path = path

        def __enter__(self) -> None:
            return None

        def __exit__(self, typ: Any, exc: Any, tb: Any) -> None:
            if exc is not None and isinstance(exc, OSError) and not isinstance(exc, WriteError):
                reason = exc.strerror or str(exc)
                raise WriteError(reason.replace("\n", " "), source=str(self.path)) from None


def write_outputs(extractions: Iterable[Extraction], directory: Path | str) -> list[Path]:
    """Write extractions held in memory as one plain dataset directory (library use and tests).

    Documents go in ``doc_id`` order, whatever order they come in. A batch run writes through
    :mod:`pipeline.batch` instead (generations, a lock, the cache).
    """
    writer = DatasetWriter(Path(directory))
    try:
        for ex in sorted(extractions, key=lambda e: (e.document.doc_id, e.document.source)):
            writer.add(ex.document.doc_id, document_bytes(ex), columns=columns_bytes(ex))
        return writer.close()
    except BaseException:
        writer.abort()
        raise


# --------------------------------------------------------------------------
# Whole tables in memory (compare's tables, tests)
# --------------------------------------------------------------------------


def table(name: str, extractions: Sequence[Extraction]) -> pa.Table:
    """One published table over several documents, in document then row order."""
    return rows_table(TABLES[name], [r for ex in extractions for r in ex.rows(name)])


def rows_table(cls: type, records: Sequence[Any]) -> pa.Table:
    """Rows of one dataclass type as an Arrow table with its declared schema."""
    import pyarrow as pa

    rows = [as_dict(r) for r in records]
    cols = {f.name: [row[f.name] for row in rows] for f in dataclasses.fields(cls)}
    return pa.Table.from_pydict(cols, schema=arrow_schema(cls))


def parquet_bytes(tbl: pa.Table) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    sink = pa.BufferOutputStream()
    pq.write_table(tbl, sink, **PARQUET_OPTIONS)
    return sink.getvalue().to_pybytes()
