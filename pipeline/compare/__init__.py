"""Compare breakdown notices year over year: which tasks continued, changed, appeared or were dropped; how
each target moved and whether that is better or worse; which units carry more or less; over two notices or
a series of them.

The package, in the order the work happens (every module is pure except the two edges):

==============  ==================================================================================
``load``        edge: notices from document JSON, notice files or doc_ids; all notices of an issuer
``config``      the rules compare uses, typed and checked (the one place that reads ``Rules``)
``wording``     indicator wordings and the text normalisation similarity works on
``features``    task features, their similarity (text and indicator match apart), candidate pairs
``align``       which item became which: best-first pairing, same-slot rescue, splits and mergers
``cut``         what a truncated capture makes unknown (never dropped, never new)
``targets``     targets lined up and judged by polarity (better / worse / unchanged / not comparable)
``units``       renames, catch-all groups, unit load, renames proposed from evidence
``pair``        two notices -> :class:`~.records.Comparison`
``series``      two or more notices -> :class:`~.records.Series` (target series, task chains, unit years)
``fmt``         numbers, bilingual labels, word diffs
``charts``      inline SVG: a small multiple per indicator, the unit load
``report``      the Markdown and self-contained HTML report
``write``       edge: the Parquet tables and the reports, atomically
``run``         what ``fenjie compare`` calls: load, compare, write
==============  ==================================================================================

**The decision rule.** Two scores are kept apart: *text similarity* (how alike the two task texts are, 0-1:
the mean of IDF-weighted Dice over jieba words, IDF-weighted Dice over character bigrams and the Indel
similarity of the word sequences, after numbers and punctuation are removed and indicator wordings
unified; no bonus) and *indicator match* (both texts name a common canonical indicator: ``same``; both are
indicator lines naming only different indicators: ``different``). The pairing decision uses
``pair score = text similarity + 0.25`` when the match is ``same`` (capped at 1), ``0`` when it is
``different``, else the text similarity; pairs with pair score >= 0.3 are taken best first, one to one;
left-over items between two paired neighbours pair at >= 0.2; then splits and mergers join (see
:mod:`.align`). The alignment table keeps all three columns.
"""

from typing import Any

from .pair import compare
from .records import (
    Comparison,
    IndicatorChange,
    ItemPair,
    Series,
    TargetPoint,
    TaskStep,
    UnitLoad,
    UnitRename,
    UnitYear,
)
from .series import compare_series

__all__ = ["Comparison", "IndicatorChange", "ItemPair", "Series", "TargetPoint", "TaskStep", "UnitLoad", "UnitRename",
           "UnitYear", "compare", "compare_series", "run_compare"]


def __getattr__(name: str) -> Any:
    """``run_compare`` (the edges: files, pyarrow) is imported on first use, not with the pure package."""
    if name == "run_compare":
        from .run import run_compare

        return run_compare
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
