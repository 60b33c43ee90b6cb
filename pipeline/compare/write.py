"""Writing a comparison (the output edge): the tables as Parquet and the two reports, each file atomically.

``<out>/<first doc_id>__<last doc_id>/`` for two notices, ``<out>/<first>__<last>__<N>/`` for a series of N.
Output is a pure function of the :class:`~pipeline.compare.records.Series`: reruns are byte-identical.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import WriteError
from ..files import atomic_write_bytes
from ..schema import arrow_schema
from . import report
from .records import IndicatorChange, ItemPair, Series, TargetPoint, TaskStep, UnitLoad, UnitRename, UnitYear

#: The tables written, by file name: (row class, the rows of a series).
TABLES: dict[str, tuple[type, Any]] = {
    "alignment.parquet": (ItemPair, lambda s: [p for c in s.comparisons for p in c.pairs]),
    "indicators.parquet": (IndicatorChange, lambda s: [r for c in s.comparisons for r in c.indicators]),
    "unit_load.parquet": (UnitLoad, lambda s: [u for c in s.comparisons for u in c.units]),
    "unit_renames.parquet": (UnitRename, lambda s: list(s.renames)),
    "target_series.parquet": (TargetPoint, lambda s: list(s.targets)),
    "task_chains.parquet": (TaskStep, lambda s: list(s.tasks)),
    "unit_series.parquet": (UnitYear, lambda s: list(s.units)),
}


def rows_parquet(cls: type, rows: Sequence[Any]) -> bytes:
    """Rows of one dataclass as Parquet bytes, with the schema (and column descriptions) derived from it."""
    names = [f.name for f in dataclasses.fields(cls)]
    cols = {n: [getattr(r, n) for r in rows] for n in names}
    table = pa.Table.from_pydict(cols, schema=arrow_schema(cls))
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd", use_dictionary=True, write_statistics=True)
    return sink.getvalue().to_pybytes()


def output_dir(series: Series, out_dir: Path | str) -> Path:
    """Where a series is written (see the module docstring)."""
    ids = [d.doc_id for d in series.documents]
    name = f"{ids[0]}__{ids[-1]}" + (f"__{len(ids)}" if len(ids) > 2 else "")
    return Path(out_dir) / name


def write_series(series: Series, out_dir: Path | str) -> list[Path]:
    """Write the tables and both reports; return the paths written, sorted."""
    d = output_dir(series, out_dir)
    files = {name: rows_parquet(cls, rows(series)) for name, (cls, rows) in TABLES.items()}
    files["report.md"] = report.markdown(series).encode("utf-8")
    files["report.html"] = report.html(series).encode("utf-8")
    try:
        for name, data in files.items():
            atomic_write_bytes(d / name, data)
    except OSError as exc:
        raise WriteError(exc.strerror or str(exc), source=str(getattr(exc, "filename", d))) from None
    return sorted(d / name for name in files)
