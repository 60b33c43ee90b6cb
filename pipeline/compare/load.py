"""Reading the notices to compare (the input edge: files and JSON; the rest of the package is pure).

A notice is named by a document JSON file (``out/json/<doc_id>.json``), a notice file (extracted now), or
a doc_id in the extracted dataset (a unique prefix will do); :func:`issuer_refs` lists every notice of one
issuer in the dataset, by plan year.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import CompareError
from ..records import Assignment, Document, Extraction, Finding, Item, Repair, Target
from ..schema import SCHEMA_VERSION


def _from_dict(cls: type, data: Mapping[str, Any], source: str) -> Any:
    hints = typing.get_type_hints(cls)
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name not in data:
            if f.default is not dataclasses.MISSING:
                continue
            raise CompareError(f"{cls.__name__.lower()} row lacks {f.name!r}", source=source)
        v = data[f.name]
        tp = hints[f.name]
        if isinstance(v, str) and (tp is dt.date or dt.date in typing.get_args(tp)):
            v = dt.date.fromisoformat(v)
        elif isinstance(v, list):
            v = tuple(v)
        kwargs[f.name] = v
    return cls(**kwargs)


def extraction_from_json(data: Mapping[str, Any], source: str) -> Extraction:
    """An :class:`Extraction` from the dict of ``out/json/<doc_id>.json`` (see :func:`pipeline.write.document_json`)."""
    if not isinstance(data, dict) or data.get("schema_version") != SCHEMA_VERSION:
        raise CompareError(f"not a fenjie document JSON of schema version {SCHEMA_VERSION}", source=source)
    try:
        doc = _from_dict(Document, data, source)
        rows = {name: tuple(_from_dict(cls, r, source) for r in data.get(name, ()))
                for name, cls in (("items", Item), ("assignments", Assignment), ("targets", Target),
                                  ("repairs", Repair), ("findings", Finding))}
    except (TypeError, ValueError) as exc:
        raise CompareError(f"malformed document JSON: {exc}", source=source) from None
    return Extraction(document=doc, text=data.get("text", ""), **rows)


def read_json(path: Path) -> Extraction:
    """The extraction in one document JSON file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CompareError(f"cannot read document JSON: {exc}", source=str(path)) from None
    return extraction_from_json(data, str(path))


def load_extraction(path_or_docid: str | Path, data_dir: Path | str = Path("out"), rules: Any = None) -> Extraction:
    """An extraction from a document JSON path, a notice file (extracted now, with ``rules``), or a doc_id in
    ``<data_dir>/json/`` (a unique prefix of a doc_id will do)."""
    ref = str(path_or_docid)
    p = Path(ref)
    if p.is_file():
        if p.suffix.lower() == ".json":
            return read_json(p)
        from ..extract import extract_file

        return extract_file(p, rules)
    json_dir = Path(data_dir) / "json"
    exact = json_dir / f"{ref}.json"
    if exact.is_file():
        return read_json(exact)
    if "/" not in ref and "\\" not in ref and json_dir.is_dir():
        hits = sorted(q for q in json_dir.glob("*.json") if q.stem.startswith(ref))
        if len(hits) == 1:
            return read_json(hits[0])
        if len(hits) > 1:
            raise CompareError(f"ambiguous doc_id prefix ({len(hits)} documents in {json_dir})", source=ref)
    raise CompareError(f"no such file, and no document {ref}.json in {json_dir}", source=ref)


def issuer_refs(issuer: str, data_dir: Path | str = Path("out")) -> list[str]:
    """The document JSON paths of every notice whose issuer is ``issuer`` (exactly, or containing it) in
    ``<data_dir>/json/``, ordered by plan year, date signed, doc_id."""
    json_dir = Path(data_dir) / "json"
    if not json_dir.is_dir():
        raise CompareError(f"no extracted dataset here (no {json_dir})", source=issuer)
    found = []
    for path in sorted(json_dir.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CompareError(f"cannot read document JSON: {exc}", source=str(path)) from None
        name = data.get("issuer") if isinstance(data, dict) else None
        if name and (name == issuer or issuer in name):
            found.append((data.get("year") or 0, data.get("issued_date") or "", data.get("doc_id") or "", str(path)))
    if not found:
        raise CompareError(f"no notice of this issuer in {json_dir}", source=issuer)
    return [p for *_, p in sorted(found)]
