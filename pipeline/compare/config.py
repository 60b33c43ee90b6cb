"""What compare takes from the rules, as one typed, frozen value built in one place.

:func:`compare_rules` is the only function of the package that reads a :class:`pipeline.rules.Rules`; the
pure modules take a :class:`CompareRules`. The rule files are validated when they load (polarity names are
canonical indicators, no name in two lists, a catch-all is not also a rename: ``pipeline.rules.sets``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .wording import indicator_wordings


@dataclass(frozen=True)
class CompareRules:
    """Compare's rules, compiled."""

    indicators: Mapping[str, tuple[str, ...]]  # canonical indicator -> wordings (rules/indicators.toml)
    polarity: Mapping[str, str]  # canonical indicator -> higher | lower | neutral
    polarity_words: tuple[tuple[str, str], ...]  # (word, polarity), longest word first, for other metrics
    reduction_words: tuple[str, ...]  # a metric naming a reduction (能耗下降) measures a decrease
    renames: Mapping[str, str]  # older unit name -> newer (rules/unit_renames.toml)
    catch_alls: Mapping[str, str]  # catch-all name (without scope prefix) -> group label
    prefixes: tuple[str, ...]  # unit scope prefixes (区, 市 …), longest first
    stop_tokens: frozenset[str] = frozenset()  # words that carry no task meaning (rules/compare.toml)
    wordings: tuple[tuple[str, str], ...] = ()  # (wording, canonical), longest first (see wording.py)
    any_wording: re.Pattern[str] | None = None  # matches where any wording occurs (a fast pre-check)


def compare_rules(rules: Any) -> CompareRules:
    """Compare's part of the loaded rules (a :class:`pipeline.rules.Rules`)."""
    wordings = indicator_wordings(rules.indicators.indicators)
    decline = [w for w, role in rules.targets.tail_words if role == "decline"]
    return CompareRules(
        indicators=rules.indicators.indicators,
        polarity=rules.indicators.polarity,
        polarity_words=rules.indicators.polarity_words,
        reduction_words=tuple(sorted(decline, key=lambda w: (-len(w), w))),
        renames=rules.unit_renames.renames,
        catch_alls=rules.unit_renames.catch_alls,
        prefixes=tuple(sorted(rules.units.prefixes, key=lambda p: (-len(p), p))),
        stop_tokens=rules.compare.stop_tokens,
        wordings=wordings,
        any_wording=re.compile("|".join(re.escape(w) for w, _ in wordings)) if wordings else None,
    )
