"""Export: what offices and analysts open, made from the extracted dataset in ``out/``.

``run_export(data_dir, out_dir)`` reads the tables once (:func:`~pipeline.export.dataset.load_tables`)
and writes into ``out_dir`` (default ``out/export/``):

- ``<doc_id>.xlsx``: one workbook per notice (任务分解表, 指标, 单位任务清单, 调度台账, 说明);
- ``<doc_id>-units.md`` and ``<doc_id>-units.html``: the per-unit task lists;
- ``<table>.csv`` for every published table, over all notices (UTF-8 with BOM);
- ``dictionary.json``: the data dictionary of those tables (column, type, meaning, values, example).

Every file is written atomically and is a pure function of the tables: reruns are byte-identical.
A full export (no doc_ids given) also removes workbooks and lists of notices no longer in the dataset.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import WriteError
from ..files import atomic_write_bytes
from ..records import TABLES
from .dataset import Notice, csv_bytes, load_tables, notices, select

__all__ = ["ExportReport", "run_export", "notice_files", "load_tables", "notices"]

#: Suffixes of the per-notice files (after the doc_id).
NOTICE_SUFFIXES = (".xlsx", "-units.md", "-units.html")
#: A doc_id: a slug, a hyphen, 8 hex digits of the input's sha256. Only files named so are ever removed.
_DOC_ID = re.compile(r"[\w.-]+-[0-9a-f]{8}")


@dataclass
class ExportReport:
    written: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # doc_ids exported


def notice_files(notice: Notice, *, from_month: int | None = None) -> dict[str, bytes]:
    """The files of one notice: ``{file name: bytes}``."""
    from . import lists
    from .workbook import workbook_bytes

    doc_id = notice.document.doc_id
    return {
        f"{doc_id}.xlsx": workbook_bytes(notice, from_month=from_month),
        f"{doc_id}-units.md": lists.markdown(notice).encode("utf-8"),
        f"{doc_id}-units.html": lists.html(notice).encode("utf-8"),
    }


def run_export(data_dir: Path | str = Path("out"), out_dir: Path | str | None = None, doc_ids: Sequence[str] = (),
               *, from_month: int | None = None, echo: Callable[[str], None] = lambda line: None) -> ExportReport:
    """Export the dataset in ``data_dir`` (or the notices ``doc_ids`` of it) into ``out_dir``."""
    from ..dictionary import dictionary_json

    out = Path(out_dir) if out_dir is not None else Path(data_dir) / "export"
    tables = load_tables(data_dir)
    chosen = select(notices(tables), doc_ids)
    files: dict[str, bytes] = {}
    for n in chosen:
        files.update(notice_files(n, from_month=from_month))
    for name in TABLES:
        files[f"{name}.csv"] = csv_bytes(name, tables[name])
    files["dictionary.json"] = dictionary_json(tables)
    report = ExportReport(notices=[n.document.doc_id for n in chosen])
    try:
        for name, data in files.items():
            atomic_write_bytes(out / name, data)
            report.written.append(out / name)
        if not doc_ids:
            report.removed = _remove_stale(out, {n.document.doc_id for n in chosen})
    except OSError as exc:
        raise WriteError(exc.strerror or str(exc), source=str(getattr(exc, "filename", out))) from None
    for n in chosen:
        d = n.document
        echo(f"{d.doc_id}: {len(n.items)} tasks -> {out / (d.doc_id + '.xlsx')}, -units.md, -units.html")
    echo(f"wrote {len(report.written)} file(s) to {out}/ ({len(chosen)} notice(s), "
         f"{len(TABLES)} CSV tables, dictionary.json)" + (f"; removed {len(report.removed)} stale" if report.removed else ""))
    return report


def _remove_stale(out: Path, current: set[str]) -> list[Path]:
    """Per-notice files in ``out`` whose doc_id is no longer in the dataset."""
    removed = []
    for path in sorted(out.iterdir()):
        for suffix in NOTICE_SUFFIXES:
            stem = path.name[: -len(suffix)]
            if path.name.endswith(suffix) and _DOC_ID.fullmatch(stem) and stem not in current and path.is_file():
                path.unlink()
                removed.append(path)
                break
    return removed
