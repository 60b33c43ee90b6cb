"""What compare takes from the rules, as one typed, frozen value built in one place.

:func:`compare_rules` is the only function of the package that reads a :class:`pipeline.rules.Rules`; the
pure modules take a :class:`CompareRules`. It also checks what the shape validation of the rule loader
cannot: polarity names are canonical indicators, no name is in two lists, a catch-all name is not also a
rename (a :class:`~pipeline.errors.RulesError` naming the file and the key).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from ..errors import RulesError
from .wording import indicator_wordings

#: Polarity values (rules/indicators.toml [polarity] and [polarity_words] keys).
POLARITIES = ("higher", "lower", "neutral")


@dataclass(frozen=True)
class CompareRules:
    """Compare's rules, compiled."""

    indicators: Mapping[str, tuple[str, ...]]  # canonical indicator -> wordings (rules/indicators.toml)
    polarity: Mapping[str, str]  # canonical indicator -> higher | lower | neutral (unlisted: higher)
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
    ind = rules["indicators"]
    ren = rules["unit_renames"]
    path_i = str(rules.root / "indicators.toml")
    path_r = str(rules.root / "unit_renames.toml")
    indicators = {k: tuple(v) for k, v in ind["indicators"].items()}

    polarity: dict[str, str] = {}
    for pol, names in ind.get("polarity", {}).items():
        if pol not in POLARITIES:
            raise RulesError(path_i, f"polarity.{pol}", f"unknown polarity (allowed: {', '.join(POLARITIES)})")
        for i, name in enumerate(names):
            if name not in indicators:
                raise RulesError(path_i, f"polarity.{pol}[{i}]", f"{name!r} is not a canonical indicator")
            if name in polarity:
                raise RulesError(path_i, f"polarity.{pol}[{i}]", f"{name!r} is also under polarity.{polarity[name]}")
            polarity[name] = pol
    words: dict[str, str] = {}
    for pol, ws in ind.get("polarity_words", {}).items():
        if pol not in POLARITIES:
            raise RulesError(path_i, f"polarity_words.{pol}", f"unknown polarity (allowed: {', '.join(POLARITIES)})")
        for i, w in enumerate(ws):
            if w in words:
                raise RulesError(path_i, f"polarity_words.{pol}[{i}]", f"{w!r} is also under polarity_words.{words[w]}")
            words[w] = pol

    catch: dict[str, str] = {}
    for label, names in ren.get("catch_alls", {}).items():
        for i, name in enumerate(names):
            if name in catch:
                raise RulesError(path_r, f"catch_alls.{label}[{i}]", f"{name!r} is also in group {catch[name]!r}")
            if name in ren["renames"]:
                raise RulesError(path_r, f"catch_alls.{label}[{i}]", f"{name!r} is also a rename key")
            catch[name] = label

    wordings = indicator_wordings(indicators)
    return CompareRules(
        indicators=MappingProxyType(indicators),
        polarity=MappingProxyType(polarity),
        polarity_words=tuple(sorted(words.items(), key=lambda p: (-len(p[0]), p[0]))),
        reduction_words=tuple(sorted(rules["targets"]["decline_words"], key=lambda w: (-len(w), w))),
        renames=MappingProxyType(dict(ren["renames"])),
        catch_alls=MappingProxyType(catch),
        prefixes=tuple(sorted(rules["units"]["prefixes"], key=lambda p: (-len(p), p))),
        stop_tokens=frozenset(rules["compare"]["stop_tokens"]),
        wordings=wordings,
        any_wording=re.compile("|".join(re.escape(w) for w, _ in wordings)) if wordings else None,
    )
