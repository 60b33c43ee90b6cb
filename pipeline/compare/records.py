"""The rows compare publishes (one frozen dataclass per table, a description on every field) and the
results it returns (:class:`Comparison` of two notices, :class:`Series` of two or more).

The Parquet schemas are derived from these classes (:func:`pipeline.schema.arrow_schema`), so the tables
cannot drift from the code.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cached_property

from ..records import Document, Item, col

#: Row statuses, in report order.
STATUSES = ("continued", "modified", "new", "dropped", "unknown")

#: Values of IndicatorChange.assessment.
ASSESSMENTS = ("better", "worse", "unchanged", "not comparable")


@dataclass(frozen=True)
class ItemPair:
    """One row of the alignment of two notices: every item of both appears in exactly one row."""

    old_doc_id: str = col("Document id of the older notice.")
    new_doc_id: str = col("Document id of the newer notice.")
    row: int = col("1-based row number, in the newer notice's order (dropped items after their old predecessor).")
    status: str = col("continued (same task, same targets and units) | modified (same task; a target or a unit changed) | new | dropped | unknown (the row touches a capture cut: an item at or after the point where a truncated capture ends, or an unpaired item that may stand in the cut-off part of the other notice; never read as new or dropped).")
    relation: str = col("one_to_one | split (one old item -> several new) | merged (several old -> one new) | unpaired (new, dropped, or unknown without a partner).")
    old_items: tuple[int, ...] = col("item_seq of the old item(s) in the row; empty for a new item.")
    new_items: tuple[int, ...] = col("item_seq of the new item(s) in the row; empty for a dropped item.")
    old_labels: str = col("Labels of the old item(s) as printed, joined with a space.")
    new_labels: str = col("Labels of the new item(s) as printed, joined with a space.")
    old_text: str = col("Text of the old item(s), joined with a newline.")
    new_text: str = col("Text of the new item(s), joined with a newline.")
    text_similarity: float | None = col("How alike the two task texts are, 0-1, and nothing else: the mean of IDF-weighted Dice over jieba words, IDF-weighted Dice over character bigrams and the Indel similarity of the word sequences, after numbers and punctuation are removed and indicator wordings unified (rules/indicators.toml). No indicator bonus. Null when unpaired.")
    indicator_match: str = col("same (both texts name a common canonical indicator, listed in shared_indicators) | different (both are indicator lines naming only different indicators: never paired) | none.")
    shared_indicators: tuple[str, ...] = col("Canonical indicators both texts name, sorted.")
    pair_score: float | None = col("The score the pairing decision used: text_similarity + 0.25 when indicator_match is same, capped at 1 (0 when different). Null when unpaired.")
    paired_by: str = col("Which rule paired the row: best_first (pair_score >= 0.3, best first) | same_slot (>= 0.2, left over between paired neighbours); a split or merger adds pieces to such a pair. Empty when unpaired.")
    targets_changed: bool = col("A target of the row moved: value, range or qualifier changed, or a target was added or removed (false in an unknown row: what was cut off is not compared).")
    units_changed: bool = col("The units differ: a unit added or removed, or one in another role (after renames and catch-all grouping); false in an unknown row.")
    units_added: tuple[str, ...] = col("Units in the new item(s) but not in the old, sorted.")
    units_removed: tuple[str, ...] = col("Units in the old item(s) but not in the new, sorted.")


@dataclass(frozen=True)
class IndicatorChange:
    """One target line-up between two notices: an old target and the new one it lines up with (either may be
    missing)."""

    old_doc_id: str = col("Document id of the older notice.")
    new_doc_id: str = col("Document id of the newer notice.")
    indicator: str | None = col("Canonical indicator (rules/indicators.toml), null when the metric has none.")
    basis: str = col("How the two lined up: indicator (same canonical indicator and kind) | aligned_items (same kind and unit, similar metric, in an aligned item pair) | none (one side only).")
    change: str = col("How the value moved, without judging it: up | down | same | qualifier (same value, other qualifier or range) | incomparable (different units) | new | dropped | unknown (one side missing where a capture is cut).")
    polarity: str = col("Which way is better for this metric: higher | lower | neutral (rules/indicators.toml; a metric that names a reduction, 能耗下降, reverses it).")
    polarity_source: str = col("Where polarity came from: indicator (the canonical indicator's entry) | word (a polarity word in the metric) | default (neither: higher is assumed).")
    reduction: bool = col("The metric names a reduction (单位地区生产总值能耗下降 3%): the value is the size of the decrease, so an indicator's polarity is reversed.")
    assessment: str = col("better | worse | unchanged | not comparable: the new target against the old, by polarity, on the end the notice commits to (the floor when higher is better, the cap when lower is better), then on how firm the qualifier is (4.2%以内 -> 4.5%以内 on unemployment is worse).")
    assessment_basis: str = col("Why: value (the committed end moved) | qualifier (same value, firmer or looser qualifier) | same | units (different units) | one_side (new, dropped or unknown) | neutral (a neutral metric changed).")
    kind: str = col("Kind of the target(s): growth | rate | count | amount | quantity.")
    old_item_seq: int | None = col("Item of the old target.")
    old_metric: str | None = col("Old metric as printed.")
    old_value: float | None = col("Old value as printed.")
    old_value_high: float | None = col("Upper end of an old range.")
    old_unit: str | None = col("Old unit as printed.")
    old_value_std: float | None = col("Old value in the standard unit (targets.value_std).")
    old_qualifier: str | None = col("Old qualifier (around | at_least | at_most | over | exact).")
    old_text: str | None = col("Span the old target was read from.")
    new_item_seq: int | None = col("Item of the new target.")
    new_metric: str | None = col("New metric as printed.")
    new_value: float | None = col("New value as printed.")
    new_value_high: float | None = col("Upper end of a new range.")
    new_unit: str | None = col("New unit as printed.")
    new_value_std: float | None = col("New value in the standard unit (targets.value_std).")
    new_qualifier: str | None = col("New qualifier.")
    new_text: str | None = col("Span the new target was read from.")
    delta: float | None = col("new - old in the standard unit (value_std); percentage points for %; null unless both sides share unit_std.")
    delta_unit: str | None = col("Unit of delta: the standard unit, 'pp' (percentage points) for %.")


@dataclass(frozen=True)
class UnitLoad:
    """One unit's load in each of two notices: items it leads, is responsible for, cooperates on."""

    old_doc_id: str = col("Document id of the older notice.")
    new_doc_id: str = col("Document id of the newer notice.")
    unit: str = col("Unit name after renames (rules/unit_renames.toml, both notices) and catch-all grouping (区政府相关工作部门, 区政府各相关部门 … under one label).")
    renamed_from: tuple[str, ...] = col("Names printed in either notice that were counted under this unit (older names, catch-all members), sorted; else empty.")
    lead_old: int = col("Items the unit leads in the older notice.")
    responsible_old: int = col("Items the unit is responsible for in the older notice.")
    cooperating_old: int = col("Items the unit cooperates on in the older notice.")
    total_old: int = col("Distinct items the unit appears in (any role) in the older notice.")
    lead_new: int = col("Items the unit leads in the newer notice.")
    responsible_new: int = col("Items the unit is responsible for in the newer notice.")
    cooperating_new: int = col("Items the unit cooperates on in the newer notice.")
    total_new: int = col("Distinct items the unit appears in in the newer notice.")
    delta_lead: int = col("lead_new - lead_old.")
    delta_responsible: int = col("responsible_new - responsible_old.")
    delta_cooperating: int = col("cooperating_new - cooperating_old.")
    delta_total: int = col("total_new - total_old.")


@dataclass(frozen=True)
class UnitRename:
    """A unit-continuity decision between two notices: a rename applied by rule, a catch-all grouped, or a
    rename proposed from evidence (never applied)."""

    old_doc_id: str = col("Document id of the older notice.")
    new_doc_id: str = col("Document id of the newer notice.")
    name: str = col("The name as printed (for a proposal: the unit that disappears from the newer notice).")
    unit: str = col("The name it is counted under (rule, catch_all) or proposed to be (proposed).")
    source: str = col("rule (rules/unit_renames.toml renames) | catch_all (rules/unit_renames.toml catch_alls) | proposed (evidence below; not applied: add it to rules/unit_renames.toml to merge).")
    applied: bool = col("True when the unit load counts name under unit (rule, catch_all); False for a proposal.")
    shared_tasks: int = col("Evidence: aligned task pairs whose old side names `name` and whose new side names `unit` (and the old side does not).")
    name_aligned_tasks: int = col("Aligned task pairs (status known) whose old side names `name`.")
    name_items_old: int = col("Items naming `name` in the older notice.")
    unit_items_old: int = col("Items naming `unit` in the older notice (0: a new unit).")
    unit_items_new: int = col("Items naming `unit` in the newer notice.")
    evidence: str = col("The evidence in one line.")


@dataclass(frozen=True)
class TargetPoint:
    """One point of a target series over the notices of a series: one target of one notice."""

    series: int = col("1-based id of the series (a canonical indicator and kind, or targets lined up through aligned tasks), in report order.")
    indicator: str | None = col("Canonical indicator, null for a series lined up through aligned tasks only.")
    label: str = col("Name shown for the series: the indicator (with 降幅 when the metric names a reduction), else the first metric as printed.")
    kind: str = col("growth | rate | count | amount | quantity.")
    position: int = col("0-based position of the notice in the series.")
    doc_id: str = col("Document id.")
    year: int | None = col("Plan year of the notice.")
    item_seq: int = col("Item of the target.")
    metric: str = col("Metric as printed.")
    value: float = col("Value as printed.")
    value_high: float | None = col("Upper end of a range.")
    unit: str = col("Unit as printed.")
    value_std: float | None = col("Value in the standard unit.")
    unit_std: str | None = col("Standard unit.")
    qualifier: str = col("around | at_least | at_most | over | exact.")
    text: str = col("Span the target was read from.")
    polarity: str = col("higher | lower | neutral (see indicators.polarity).")
    polarity_source: str = col("indicator | word | default (see indicators.polarity_source).")
    reduction: bool = col("The metric names a reduction (see indicators.reduction); the label then ends in 降幅.")
    change: str = col("Against the previous point of the series: up | down | same | qualifier | incomparable; empty for the first point.")
    assessment: str = col("Against the previous point: better | worse | unchanged | not comparable; empty for the first point.")


@dataclass(frozen=True)
class TaskStep:
    """One notice's part in a task chain: the items of one task as it continues from notice to notice."""

    chain: int = col("1-based id of the chain (items linked by the alignments of consecutive notices), in order of first appearance.")
    position: int = col("0-based position of the notice in the series.")
    doc_id: str = col("Document id.")
    year: int | None = col("Plan year of the notice.")
    item_seqs: tuple[int, ...] = col("Items of the task in this notice (several after a split).")
    labels: str = col("Their labels as printed.")
    text: str = col("Their text, joined with a newline.")
    status: str = col("Against the previous notice: continued | modified | new | unknown; empty in the first notice of the series.")
    positions: int = col("Number of notices the chain appears in.")


@dataclass(frozen=True)
class UnitYear:
    """One unit's load in one notice of a series."""

    unit: str = col("Unit name after renames and catch-all grouping.")
    position: int = col("0-based position of the notice in the series.")
    doc_id: str = col("Document id.")
    year: int | None = col("Plan year of the notice.")
    lead: int = col("Items the unit leads.")
    responsible: int = col("Items the unit is responsible for.")
    cooperating: int = col("Items the unit cooperates on.")
    total: int = col("Distinct items the unit appears in (any role).")
    renamed_from: tuple[str, ...] = col("Names printed in this notice counted under unit, sorted.")
    truncated: bool = col("The notice's capture is cut: the counts cover only the part before the cut (a lower bound).")


@dataclass(frozen=True)
class Cut:
    """Where a truncated capture ends, as compare uses it."""

    offset: int  # finding 'truncated' span_start (start of the cut task, or the end of the text)
    first_item: int | None  # item_seq of the first item at or after the cut (None: the cut task is not an item)
    n_items: int  # items at or after the cut (their text may be partial)


@dataclass(frozen=True)
class Comparison:
    """The result of comparing two extractions."""

    old: Document  # the older notice's document row
    new: Document  # the newer notice's document row
    pairs: tuple[ItemPair, ...]  # alignment rows, every item exactly once
    indicators: tuple[IndicatorChange, ...]  # target line-ups, every target exactly once
    units: tuple[UnitLoad, ...]  # per unit, sorted by name
    renames: tuple[UnitRename, ...] = ()  # renames applied, catch-alls grouped, renames proposed
    old_items: tuple[Item, ...] = ()  # the old notice's items (for the report)
    new_items: tuple[Item, ...] = ()  # the new notice's items
    old_cut: Cut | None = None  # where the old capture is cut, if it is
    new_cut: Cut | None = None  # where the new capture is cut, if it is

    @cached_property
    def counts(self) -> dict[str, int]:
        """Rows per status plus split/merged groups and item totals."""
        c = Counter(p.status for p in self.pairs)
        out = {s: c.get(s, 0) for s in STATUSES}
        out["split"] = sum(p.relation == "split" for p in self.pairs)
        out["merged"] = sum(p.relation == "merged" for p in self.pairs)
        out["old_items"] = len(self.old_items)
        out["new_items"] = len(self.new_items)
        return out

    def links(self) -> set[tuple[int, int]]:
        """Every (old item_seq, new item_seq) the alignment pairs, split/merger members included."""
        return {(o, n) for p in self.pairs for o in p.old_items for n in p.new_items}


@dataclass(frozen=True)
class Series:
    """The result of comparing two or more notices in order: each consecutive pair, and the series views."""

    documents: tuple[Document, ...]  # the notices, in series order
    cuts: tuple[Cut | None, ...]  # per notice: where its capture is cut, if it is
    comparisons: tuple[Comparison, ...]  # notice i against notice i+1
    targets: tuple[TargetPoint, ...]  # target series, point by point
    tasks: tuple[TaskStep, ...]  # task chains, notice by notice
    units: tuple[UnitYear, ...]  # unit load, notice by notice

    @property
    def renames(self) -> tuple[UnitRename, ...]:
        """Every pair's rename rows, in pair order."""
        return tuple(r for c in self.comparisons for r in c.renames)
