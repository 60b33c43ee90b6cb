"""Stage 9 — write: one JSON file per document and six Parquet tables, streamed into a generation.

A document's JSON is compact (one line, UTF-8, strict: a NaN or an infinity is a write error naming
the document, never ``NaN`` in the file). The tables are built from those same JSON lines by
Arrow's JSON reader (no Python object per row, no second ``as_dict``; the full text is skipped) a
few documents at a time, and appended to one ``pq.ParquetWriter`` per table, a row group per 128
documents, so memory does not grow with the number of documents. Documents are added in ``doc_id`` order; the same documents give byte-identical
files. The directory written is a generation that :mod:`pipeline.store` commits as a whole.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import operator
import os
from collections.abc import Iterable, Sequence
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import WriteError
from .records import TABLES, Extraction, as_dict
from .schema import SCHEMA_VERSION, arrow_schema

if TYPE_CHECKING:  # pyarrow is imported by the functions that build tables: a worker only writes JSON
    import pyarrow as pa

#: Parquet settings of every published table.
PARQUET_OPTIONS = {"compression": "zstd", "use_dictionary": True, "write_statistics": True}
#: Documents per row group of every table (the last row group holds the rest).
ROW_GROUP_DOCS = 128
#: JSON lines are parsed into Arrow this many bytes at a time (memory, not layout: row groups are by documents).
PARSE_BYTES = 2 * 1024 * 1024
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
def _float_fields(cls: type) -> tuple[str, ...]:
    """The fields of a record class that may hold a float (by their annotation)."""
    return tuple(f.name for f in dataclasses.fields(cls) if "float" in str(f.type))


def _plain_floats(ex: Extraction) -> bool:
    """Every float of the document is finite and 0 or at least :data:`_PLAIN_FLOAT` in magnitude."""
    for table in TABLES:
        rows = ex.rows(table)
        for name in _float_fields(type(rows[0])) if rows else ():  # type: ignore[arg-type]
            for row in rows:
                v = getattr(row, name)
                if isinstance(v, float) and not (math.isfinite(v) and (v == 0 or abs(v) >= _PLAIN_FLOAT)):
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
    doc.update((name, getattr(d, name)) for name in _fields_of(type(d))[0])  # type: ignore[arg-type]
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


def _as_read(t: pa.DataType) -> pa.DataType:
    """The type Arrow's JSON reader is asked for: dates arrive as ISO strings (cast afterwards)."""
    import pyarrow as pa

    return pa.string() if t == pa.date32() else t


# The tables are built from a second line per document, its *columns*: the documents columns at the
# top level and, for each nested table, an object of columns (lists) without doc_id (every row of a
# document has the document's). Written by the worker beside the published JSON, it holds the same
# values with every key once instead of once per row: half the bytes, and half the parent's work.


def columns_line(ex: Extraction) -> bytes:
    """The columns of one document (see above), as one JSON line.

    >>> from pipeline.records import Document, Finding
    >>> d = Document(*(["d1"] + [None] * 10))
    >>> line = columns_line(Extraction(d, "", findings=(Finding("d1", "info", "x", "m", 3, 5),)))
    >>> import json; json.loads(line)["findings"]
    {'severity': ['info'], 'code': ['x'], 'message': ['m'], 'span_start': [3], 'span_end': [5]}
    """
    import orjson

    d = ex.document
    out: dict[str, Any] = {name: getattr(d, name) for name in _fields_of(type(d))[0]}  # type: ignore[arg-type]
    for table in NESTED:
        names = _fields_of(TABLES[table])[0][1:]  # without doc_id
        rows = ex.rows(table)
        values = zip(*map(operator.attrgetter(*names), rows)) if rows else ((),) * len(names)
        out[table] = dict(zip(names, values))
    try:
        return orjson.dumps(out, option=orjson.OPT_APPEND_NEWLINE)
    except (orjson.JSONEncodeError, TypeError):  # an integer beyond 64 bits: as the published JSON prints it
        return columns_of_document(document_bytes(ex))


def columns_of_document(document: bytes) -> bytes:
    """:func:`columns_line` made from a document's published JSON (a cache entry without its columns, a
    document given more findings by the batch).

    >>> columns_of_document(b'{"doc_id":"a","text":"t","items":[{"doc_id":"a","item_seq":1}],"findings":[]}\\n')[:60]
    b'{"doc_id":"a","items":{"item_seq":[1]},"findings":{"severity'
    """
    doc = json.loads(document)
    doc.pop("text", None)
    for table in NESTED:
        rows = doc.get(table)
        if isinstance(rows, list):
            names = [k for k in rows[0] if k != "doc_id"] if rows else [f.name for f in _fields(table)[1:]]
            doc[table] = {k: [r[k] for r in rows] for k in names} if rows else {k: [] for k in names}
    return dumps(doc)


def _fields(table: str) -> tuple[dataclasses.Field, ...]:
    return dataclasses.fields(TABLES[table])


@lru_cache(maxsize=1)
def reader_schema() -> pa.Schema:
    """One columns line as one row: the documents columns, and a struct of lists per nested table."""
    import pyarrow as pa

    def fields(name: str, lists: bool) -> list[pa.Field]:
        return [pa.field(f.name, pa.list_(_as_read(f.type)) if lists else _as_read(f.type))
                for f in arrow_schema(name) if not lists or f.name != "doc_id"]

    return pa.schema(fields("documents", False) + [pa.field(t, pa.struct(fields(t, True))) for t in NESTED])


def tables_of(lines: bytes | bytearray, max_line: int) -> dict[str, pa.Table]:
    """The six tables, with their declared schemas, of documents given as columns lines (:func:`columns_line`)."""
    import pyarrow as pa
    import pyarrow.json as pj

    parsed = pj.read_json(
        pa.BufferReader(pa.py_buffer(lines)),
        read_options=pj.ReadOptions(use_threads=False, block_size=max(1 << 20, max_line + 1)),
        parse_options=pj.ParseOptions(explicit_schema=reader_schema(), unexpected_field_behavior="ignore"))
    out = {"documents": _conform(parsed, arrow_schema("documents"))}
    doc_ids = parsed.column("doc_id")
    for name in NESTED:
        schema = arrow_schema(name)
        columns: list[list[pa.Array]] = [[] for _ in schema]
        for ids, chunk in zip(doc_ids.chunks, parsed.column(name).chunks):
            first = chunk.field(0)  # every column of a document has as many values as it has rows
            counts = [b - a for a, b in zip(first.offsets.to_pylist(), first.offsets.to_pylist()[1:])]
            columns[0].append(_repeated(ids.to_pylist(), counts))
            for k in range(1, len(schema)):
                columns[k].append(_values(chunk.field(k - 1)))
        table = pa.Table.from_arrays([pa.chunked_array(c, type=f.type if f.type != pa.date32() else pa.string())
                                      for c, f in zip(columns, schema)], names=schema.names)
        out[name] = _conform(table, schema)
    return out


def _read_cached(path: Path | None) -> bytes:
    """A cached document's bytes; unreadable, a :class:`WriteError` naming it (not the file being written)."""
    if path is None:
        raise ValueError("DatasetWriter.add needs the document or the path to read it from")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise WriteError(f"cached document unreadable: {exc.strerror or exc}", source=str(path)) from None


def _repeated(values: list[str], counts: list[int]) -> pa.Array:
    """A string array of ``values[i]`` repeated ``counts[i]`` times, made from its buffers (``pa.array`` of a
    list would load pandas and ``pyarrow.compute``).

    >>> _repeated(["a", "bc"], [2, 1]).to_pylist()
    ['a', 'a', 'bc']
    """
    import array

    import pyarrow as pa

    data, offsets, pos = bytearray(), array.array("i", [0]), 0
    for value, n in zip(values, counts):
        b = value.encode("utf-8")
        data += b * n
        offsets.extend(range(pos + len(b), pos + len(b) * n + 1, len(b)) if b else [pos] * n)
        pos += len(b) * n
    assert offsets.itemsize == 4
    return pa.Array.from_buffers(pa.string(), len(offsets) - 1, [None, pa.py_buffer(offsets), pa.py_buffer(data)])


def _values(lists: pa.ListArray) -> pa.Array:
    """The items of every list, in order (``ListArray.flatten`` without loading ``pyarrow.compute``)."""
    if not len(lists):
        return lists.values.slice(0, 0)
    start, end = lists.offsets[0].as_py(), lists.offsets[-1].as_py()
    return lists.values.slice(start, end - start)


#: date32 counts days from 1970-01-01.
_EPOCH = dt.date(1970, 1, 1).toordinal()


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table``'s columns under ``schema`` (its nullability, descriptions and pandas metadata), ISO date
    strings turned into date32. Done by hand: ``Table.cast`` would load ``pyarrow.compute`` (9 MB)."""
    import pyarrow as pa

    columns = []
    for f in schema:
        col = table.column(f.name)
        columns.append(_iso_dates(col) if f.type == pa.date32() else col)
    return pa.Table.from_arrays(columns, schema=schema)


def _iso_dates(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """``YYYY-MM-DD`` strings (or nulls) as a date32 column.

    Each distinct date is parsed once (a notice repeats its deadlines), and the strings' own validity
    bitmap is the dates' (with the same offset: the strings may be a slice).

    >>> import pyarrow as pa
    >>> strings = pa.array(["x", "2025-06-30", None, "2025-06-30"]).slice(1)
    >>> _iso_dates(pa.chunked_array([strings])).to_pylist()
    [datetime.date(2025, 6, 30), None, datetime.date(2025, 6, 30)]
    """
    import array

    import pyarrow as pa

    chunks = []
    for chunk in col.chunks:
        values = chunk.to_pylist()
        days_of: dict[str | None, int] = {v: dt.date.fromisoformat(v).toordinal() - _EPOCH
                                          for v in set(values) if v is not None}
        days_of[None] = 0
        days = array.array("i", bytes(4 * chunk.offset))  # the data buffer starts where the bitmap does
        days.extend(map(days_of.__getitem__, values))
        assert days.itemsize == 4
        chunks.append(pa.Array.from_buffers(pa.date32(), len(values), [chunk.buffers()[0], pa.py_buffer(days)],
                                            null_count=chunk.null_count, offset=chunk.offset))
    return pa.chunked_array(chunks, type=pa.date32())


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
        self._buffer = bytearray()  # JSON lines not parsed yet
        self._max_line = 0
        self._parsed: dict[str, list[Any]] = {name: [] for name in TABLES}  # Arrow tables of the row group
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

        ``columns`` is its :func:`columns_line` when the caller has it (else it is made from ``document``);
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
            columns = columns_of_document(document)
        line = columns
        self._buffer += line
        self._max_line = max(self._max_line, len(line))
        self.n_documents += 1
        self._group_docs += 1
        if len(self._buffer) >= PARSE_BYTES or self._group_docs >= ROW_GROUP_DOCS:
            self._parse()
        if self._group_docs >= ROW_GROUP_DOCS:
            self._write_row_group()

    def _parse(self) -> None:
        import pyarrow as pa

        if not self._buffer:
            return
        try:
            tables = tables_of(self._buffer, self._max_line)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise WriteError(f"cannot convert documents to Parquet: {exc}".replace("\n", " "),
                             source=str(self.directory)) from None
        self._buffer = bytearray()
        for name, tbl in tables.items():
            self._parsed[name].append(tbl)
            if len(self._examples[name]) < EXAMPLE_ROWS and tbl.num_rows:
                self._examples[name].extend(tbl.slice(0, EXAMPLE_ROWS).to_pylist())

    def _write_row_group(self) -> None:
        import pyarrow as pa

        self._parse()
        for name, parts in self._parsed.items():
            tbl = pa.concat_tables(parts) if parts else None
            if tbl is not None and tbl.num_rows:
                with self._writing(self.path(name)):
                    self._writers[name].write_table(tbl)
            parts.clear()
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
            writer.add(ex.document.doc_id, document_bytes(ex), columns=columns_line(ex))
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
