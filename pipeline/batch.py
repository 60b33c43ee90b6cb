"""A batch: many inputs (files, folders, URLs) through the pipeline into one dataset.

Each document is processed in isolation: one failing input is reported on one
line and never stops the batch; the documents that succeeded are written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from .errors import PipelineError, ReadError
from .extract import extract_file
from .records import Extraction
from .rules import load_rules

#: File types a folder is searched for.
INPUT_SUFFIXES = (".html", ".htm", ".shtml", ".txt", ".xhtml")


def expand_inputs(inputs: Iterable[str]) -> list[str]:
    """Files as given, folders expanded to their notice files (sorted), URLs kept."""
    out: list[str] = []
    for item in inputs:
        p = Path(item)
        if "://" in item:
            out.append(item)
        elif p.is_dir():
            out.extend(str(f) for f in sorted(p.rglob("*"))
                       if f.is_file() and f.suffix.lower() in INPUT_SUFFIXES and not f.name.startswith("."))
        else:
            out.append(item)
    return out


@dataclass
class BatchReport:
    """What a batch did: documents written, failures (one line each)."""

    extractions: list[Extraction] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def summary_line(ex: Extraction) -> str:
    d = ex.document
    return (f"{d.doc_id}: {d.n_items} items, {d.n_assignments} assignments, {d.n_targets} targets, "
            f"{d.n_repairs} repairs, {d.n_findings} findings  [{d.doc_number or '-'} {d.title or ''}]")


def run_extract(inputs: list[str], out_dir: Path, *, rules_dir: str | None = None, raw_dir: Path = Path("raw"),
                echo: Callable[[str], None] = print, warn: Callable[[str], None] = print) -> BatchReport:
    """Extract every input (files, folders, URLs) and write the outputs of those that succeeded."""
    rules = load_rules(rules_dir)
    report = BatchReport()
    paths = expand_inputs(inputs)
    if not paths:
        raise ReadError("no input files found (looked for " + ", ".join(INPUT_SUFFIXES) + ")",
                        source=" ".join(inputs))
    for item in paths:
        try:
            if "://" in item:
                from .fetch import fetch  # only this path touches the network

                item = str(fetch(item, raw_dir, progress=echo).path)
            ex = extract_file(item, rules)
        except PipelineError as exc:
            report.failures.append(str(exc))
            warn(f"error: {exc}")
            continue
        except Exception as exc:  # a bug must not stop the batch: report it on one line, go on
            line = f"{item}: internal error: {type(exc).__name__}: {exc}".replace("\n", " ")
            report.failures.append(line)
            warn(f"error: {line}")
            continue
        report.extractions.append(ex)
        echo(summary_line(ex))
    report.written = write_all(report.extractions, out_dir)
    if report.extractions:
        echo(f"wrote {len(report.extractions)} document(s): {out_dir}/{{documents,items,assignments,targets,"
             f"repairs,findings}}.parquet and {out_dir}/json/")
    return report


def write_all(extractions: list[Extraction], out_dir: Path) -> list[Path]:
    from .write import write_outputs

    if not extractions:
        return []
    return write_outputs(extractions, out_dir)
