"""What ``fenjie compare`` calls: read the notices, compare them, write the tables and the report."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..errors import CompareError
from ..rules import load_rules
from .config import compare_rules
from .load import issuer_refs, load_extraction
from .series import compare_series
from .write import write_series


def run_compare(refs: Sequence[str | Path], out_dir: Path | str = Path("out/compare"),
                data_dir: Path | str = Path("out"), rules_dir: Path | str | None = None,
                issuer: str | None = None) -> list[Path]:
    """Compare two or more notices (doc_ids, document JSON files or notice files, in the order given; or,
    with ``issuer``, every notice of that issuer in ``data_dir`` by plan year); write the tables and the
    report; return the paths written.

    Raises :class:`~pipeline.errors.CompareError` (or another :class:`PipelineError`) with a one-line message.
    """
    rules = load_rules(rules_dir)
    cfg = compare_rules(rules)  # checks the compare rules before any notice is read
    names: list[str] = [str(r) for r in refs] + (issuer_refs(issuer, data_dir) if issuer else [])
    if len(names) < 2:
        raise CompareError(f"need two or more notices to compare, got {len(names)}",
                           source=names[0] if names else (issuer or "<none>"))
    exs = [load_extraction(r, data_dir, rules) for r in names]
    for ref, ex in zip(names, exs):
        if not ex.items:
            raise CompareError("the document has no task items to compare", source=str(ref))
    return write_series(compare_series(exs, cfg), out_dir)
