"""The comparison report: Markdown and one self-contained HTML page (pure functions of a Series).

The HTML page needs no network: CSS inline (fonts declared with a CJK fallback stack), charts inline SVG
(:mod:`.charts`), no script. Headings and labels are Chinese with English after them. Sections: the
notices (and any capture cut), a summary per pair, the targets year by year (a small multiple per
indicator, and a table with the assessment in words and colour), the tasks continued across years, the
unit load year by year with renames applied, catch-alls grouped and renames proposed, then each pair
task by task, and how to read it all. Both reports are built from the same table models, so they say
the same thing.
"""

from __future__ import annotations

import html as _html
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from .charts import CHART_UNITS, FONTS, busiest_units, small_multiple, unit_chart
from .fmt import (
    ASSESSMENT,
    BASIS,
    CHANGE,
    KIND,
    MATCH,
    PAIRED_BY,
    POLARITY,
    SOURCE,
    STATUS,
    doc_title,
    fmt_delta,
    fmt_num,
    fmt_value,
    runs_side,
    shorten,
    word_diff,
    year_label,
    zh_en,
)
from .records import Comparison, Cut, IndicatorChange, ItemPair, Series, TargetPoint, UnitRename, UnitYear

#: The decision rule, stated once for both reports (and the README).
DECISION_RULE = (
    "文本相似度 text similarity: 两段任务文字(去掉数字和标点、指标名称统一后)的相似程度,0–1,不含任何加分 — the mean of "
    "IDF-weighted word Dice, bigram Dice and word-order similarity. 指标匹配 indicator match: 两项是否提到同一规范指标。"
    "判定分 pair score = 文本相似度 + 0.25(同一指标时),两条不同指标的指标行记 0;判定分 ≥ 0.3 者按高分优先一一配对,"
    "相邻已配对任务之间剩下的同位任务 ≥ 0.2 也配对 (pair score = text similarity + 0.25 when both name the same "
    "indicator; pairs ≥ 0.3 are taken best first, left-over tasks between paired neighbours at ≥ 0.2)."
)


@dataclass(frozen=True)
class Cell:
    """One table cell: its text and, for the HTML page, a CSS class."""

    text: str
    cls: str = ""


@dataclass(frozen=True)
class Table:
    """A table both reports render."""

    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    numeric: frozenset[int] = frozenset()  # columns aligned right


def _c(text: object, cls: str = "") -> Cell:
    return Cell(str(text), cls)


# --------------------------------------------------------------------------
# Table models
# --------------------------------------------------------------------------


def _years(series: Series) -> list[str]:
    labels = [year_label(d) for d in series.documents]
    dup = Counter(labels)
    seen: Counter[str] = Counter()
    out = []
    for label in labels:
        seen[label] += 1
        out.append(f"{label}#{seen[label]}" if dup[label] > 1 else label)
    return out


def _pair_name(series: Series, i: int) -> str:
    ys = _years(series)
    return f"{ys[i]} → {ys[i + 1]}"


def notices_table(series: Series) -> Table:
    rows = []
    for y, d, cut in zip(_years(series), series.documents, series.cuts):
        rows.append((_c(y), _c(doc_title(d)), _c(d.doc_id), _c(d.n_items),
                     _c(_cut_cell(cut), "unknown") if cut else _c("完整 complete")))
    return Table(("年份 year", "文号与标题 notice", "doc_id", "事项 items", "抓取 capture"), tuple(rows), frozenset({3}))


def _cut_cell(cut: Cut) -> str:
    if cut.first_item is None:
        return "截断(最后一项之后) cut after the last item"
    return f"自第 {cut.first_item} 项起截断 cut from item {cut.first_item} ({cut.n_items} 项可能不完整 partial)"


def cut_notes(series: Series) -> list[str]:
    """One sentence per cut capture: where, and what it means for the comparison."""
    out = []
    for y, cut in zip(_years(series), series.cuts):
        if cut is None:
            continue
        if cut.first_item:
            where = f"从第 {cut.first_item} 项起的 {cut.n_items} 项可能不完整"
            en = f"the {cut.n_items} item(s) from item {cut.first_item} on may be partial"
        else:
            where = "最后一项之后可能还有没抓到的任务"
            en = "tasks after the last item read may be missing"
        out.append(
            f"{y} 的抓取在任务中途截断(偏移 {cut.offset}),{where};截断之后的内容未知:相关任务、目标与单位记为"
            f"“未知(截断)”,不计为删除或新增,单位工作量只是下限。 The {y} capture ends inside a task (offset "
            f"{cut.offset}): {en}; what stands at or after the cut is unknown, never counted as dropped or new, and "
            f"its unit counts are a lower bound.")
    return out


def summary_table(series: Series) -> Table:
    rows = []
    for i, c in enumerate(series.comparisons):
        n = c.counts
        rows.append((_c(_pair_name(series, i), "pair"), *(_c(n[s], s if n[s] else "") for s in STATUS),
                     _c(n["split"]), _c(n["merged"])))
    header = ("对比 pair", *(zh_en(STATUS, s) for s in STATUS), "其中拆分 split", "其中合并 merged")
    return Table(header, tuple(rows), frozenset(range(1, 8)))


def _series_groups(series: Series) -> list[list[TargetPoint]]:
    groups: dict[int, list[TargetPoint]] = defaultdict(list)
    for p in series.targets:
        groups[p.series].append(p)
    return [groups[k] for k in sorted(groups)]


def _polarity_text(p: TargetPoint | IndicatorChange) -> str:
    text = POLARITY[p.polarity][0]
    return text + "(默认 assumed)" if p.polarity_source == "default" else text


def targets_table(series: Series) -> Table:
    """Every target series, a column per notice: the value, and from the second point on the assessment."""
    ys = _years(series)
    unknown = _unknown_items(series)
    rows = []
    for points in _series_groups(series):
        first = points[0]
        at = {p.position: p for p in points}
        cells = [_c(first.label), _c(KIND.get(first.kind, (first.kind,))[0]),
                 _c(_polarity_text(points[-1]))]
        for pos in range(len(ys)):
            p = at.get(pos)
            if p is None:
                near = [at[q] for q in (pos - 1, pos + 1) if q in at]
                if any((q.position, q.item_seq, pos) in unknown for q in near):
                    cells.append(_c("? 截断 unknown", "unknown"))
                else:
                    cells.append(_c("—"))
                continue
            value = fmt_value(p.value, p.value_high, p.unit, p.qualifier)
            if p.assessment:
                cells.append(_c(f"{value} {zh_en(ASSESSMENT, p.assessment)}", _assessment_cls(p.assessment)))
            else:
                cells.append(_c(value))
        rows.append(tuple(cells))
    return Table(("目标 target", "类型 kind", "方向 polarity", *ys), tuple(rows))


def _unknown_items(series: Series) -> set[tuple[int, int, int]]:
    """(position, item_seq, neighbour position) of items whose row toward the neighbouring notice is unknown:
    a target of theirs missing in that neighbour may stand in its cut-off part."""
    out: set[tuple[int, int, int]] = set()
    for i, c in enumerate(series.comparisons):
        for p in c.pairs:
            if p.status == "unknown":
                out.update((i, s, i + 1) for s in p.old_items)
                out.update((i + 1, s, i) for s in p.new_items)
    return out


def _assessment_cls(assessment: str) -> str:
    return {"better": "better", "worse": "worse"}.get(assessment, "neutral")


def _change_label(r: IndicatorChange) -> str:
    if r.indicator:
        return r.indicator + ("降幅" if r.reduction else "")
    return r.new_metric or r.old_metric or ""


def indicator_table(c: Comparison, y_old: str, y_new: str) -> Table:
    """The target line-ups of one pair, with change, assessment and how they were matched."""
    rows = []
    for r in c.indicators:
        rows.append((
            _c(_change_label(r)), _c(KIND.get(r.kind, (r.kind,))[0]),
            _c(fmt_value(r.old_value, r.old_value_high, r.old_unit, r.old_qualifier)),
            _c(fmt_value(r.new_value, r.new_value_high, r.new_unit, r.new_qualifier)),
            _c(zh_en(CHANGE, r.change), "unknown" if r.change == "unknown" else ""),
            _c(fmt_delta(r.delta, r.delta_unit)),
            _c(zh_en(ASSESSMENT, r.assessment), _assessment_cls(r.assessment)),
            _c(zh_en(BASIS, r.assessment_basis)),
            _c(_polarity_text(r)),
            _c(f"{fmt_num(r.old_item_seq) or '—'} → {fmt_num(r.new_item_seq) or '—'}"), _c(r.basis),
        ))
    header = ("目标 target", "类型 kind", y_old, y_new, "变化 change", "差值 Δ", "评估 assessment", "依据 why",
              "方向 polarity", "事项 items", "对齐方式 matched by")
    return Table(header, tuple(rows), frozenset({2, 3, 5}))


def chains_summary(series: Series) -> Table:
    """How many task chains stand in which notices (2023+2024+2025: 20 …)."""
    ys = _years(series)
    spans: dict[int, set[int]] = defaultdict(set)
    for t in series.tasks:
        spans[t.chain].add(t.position)
    count = Counter(tuple(sorted(s)) for s in spans.values())
    rows = []
    for key in sorted(count, key=lambda k: (-len(k), k)):
        rows.append((_c(" + ".join(ys[p] for p in key)), _c(len(key)), _c(count[key])))
    return Table(("出现于 notices", "年数 years", "任务链 chains"), tuple(rows), frozenset({1, 2}))


def chains_table(series: Series) -> Table:
    """The task chains that stand in two or more notices: each notice's items and status."""
    ys = _years(series)
    steps: dict[int, dict[int, tuple[str, str, str]]] = defaultdict(dict)
    for t in series.tasks:
        if t.positions >= 2:
            steps[t.chain][t.position] = (t.labels, t.status, t.text)
    rows = []
    for chain in sorted(steps):
        at = steps[chain]
        cells = [_c(chain)]
        for pos in range(len(ys)):
            if pos not in at:
                cells.append(_c("—"))
                continue
            labels, status, _ = at[pos]
            cells.append(_c(f"{labels} {STATUS[status][0]}" if status else labels, status))
        cells.append(_c(shorten(at[max(at)][2].replace("\n", " / "), 60)))
        rows.append(tuple(cells))
    return Table(("链 chain", *ys, "任务(最新表述) task, latest wording"), tuple(rows), frozenset({0}))


def units_table(series: Series) -> Table:
    """Every unit's load in every notice: total items (lead / responsible / cooperating)."""
    ys = _years(series)
    cut = [c is not None for c in series.cuts]
    by_unit: dict[str, dict[int, UnitYear]] = defaultdict(dict)
    names: dict[str, set[str]] = defaultdict(set)
    for u in series.units:
        by_unit[u.unit][u.position] = u
        names[u.unit].update(u.renamed_from)
    shown, _ = busiest_units(series.units, len(by_unit))
    proposed = [r for r in series.renames if r.source == "proposed"]
    rows = []
    for unit in shown:
        at = by_unit[unit]
        cells = [_c(unit)]
        totals = []
        for pos in range(len(ys)):
            uy = at.get(pos)
            total = uy.total if uy else 0
            totals.append(total)
            text = f"{total} ({uy.lead}/{uy.responsible}/{uy.cooperating})" if uy else "0"
            cells.append(_c(text + ("+?" if cut[pos] else "")))
        delta = totals[-1] - totals[0]
        cells.append(_c(f"{delta:+d}" if delta else "0"))
        notes = ["、".join(sorted(names[unit]))] if names[unit] else []
        notes += [f"建议并入 proposed → {r.unit}" for r in proposed if r.name == unit]
        notes += [f"建议并入自 proposed ← {r.name}" for r in proposed if r.unit == unit]
        cells.append(_c(";".join(notes), "proposed" if any(r.name == unit or r.unit == unit for r in proposed) else ""))
        rows.append(tuple(cells))
    header = ("单位 unit", *(f"{y} 事项(牵头/责任/配合)" for y in ys), f"变化 {ys[0]}→{ys[-1]}", "计入的印发名称 names counted here")
    return Table(header, tuple(rows), frozenset(range(1, len(ys) + 2)))


def _rename_evidence_zh(r: UnitRename, y_old: str, y_new: str) -> str:
    if r.source != "proposed":
        return (f"{SOURCE[r.source][0]}(rules/unit_renames.toml);{y_old} 印有此名的任务中有 {r.name_aligned_tasks} 项对应到 "
                f"{y_new},其中 {r.shared_tasks} 项由 {r.unit} 承担")
    new = "(新单位)" if not r.unit_items_old else f"({r.unit} 在 {y_old} 已有 {r.unit_items_old} 项)"
    return (f"{r.name} 在 {y_old} 有 {r.name_items_old} 项、在 {y_new} 没有;其 {r.name_aligned_tasks} 项对应任务中 "
            f"{r.shared_tasks} 项在 {y_new} 改由 {r.unit} 承担{new}")


def renames_table(series: Series) -> Table:
    ys = _years(series)
    rows = []
    for i, c in enumerate(series.comparisons):
        for r in c.renames:
            rows.append((_c(_pair_name(series, i), "pair"), _c(r.name), _c(r.unit),
                         _c(zh_en(SOURCE, r.source), "proposed" if r.source == "proposed" else ""),
                         _c(r.shared_tasks), _c(_rename_evidence_zh(r, ys[i], ys[i + 1]) + ("。 " + r.evidence if r.source == "proposed" else ""))))
    header = ("对比 pair", "印发名称 name", "计为 / 建议 counted as / proposed", "来源 source", "接手任务 shared tasks",
              "证据 evidence")
    return Table(header, tuple(rows), frozenset({4}))


# --------------------------------------------------------------------------
# Markdown
# --------------------------------------------------------------------------


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def md_table(t: Table) -> list[str]:
    """A table as Markdown lines (the CSS classes are dropped: the words carry the meaning)."""
    if not t.rows:
        return ["(无 none)"]
    align = ["---:" if i in t.numeric else "---" for i in range(len(t.header))]
    out = ["| " + " | ".join(_md_escape(h) for h in t.header) + " |", "| " + " | ".join(align) + " |"]
    out += ["| " + " | ".join(_md_escape(c.text) for c in row) + " |" for row in t.rows]
    return out


def _md_diff(runs: Sequence[tuple[str, str]], side: str) -> str:
    """One side of a word diff in Markdown; the items of a group are separated by " / ".

    >>> _md_diff([("equal", "甲"), ("delete", "乙\\n丙"), ("insert", "丁")], "old")
    '甲~~乙~~ / ~~丙~~'
    """
    mark = {"delete": "~~", "insert": "**"}
    parts = []
    for op, text in runs_side(runs, side):
        if op == "equal":
            parts.append(text.replace("\n", " / "))
        else:
            parts.append(" / ".join(f"{mark[op]}{t}{mark[op]}" if t else "" for t in text.split("\n")))
    return "".join(parts)


def change_notes(p: ItemPair) -> list[str]:
    """What changed in a task pair besides its words (both reports).

    A change of roles is named only when no unit came or went (those are named themselves).
    """
    notes = []
    if p.targets_changed:
        notes.append("目标变化 targets changed")
    if p.units_added:
        notes.append("新增单位 units added: " + "、".join(p.units_added))
    if p.units_removed:
        notes.append("减少单位 units removed: " + "、".join(p.units_removed))
    if p.units_changed and not (p.units_added or p.units_removed):
        notes.append("单位角色变化 unit roles changed")
    return notes


def score_notes(p: ItemPair) -> list[str]:
    """The pair's scores, each with its own meaning (never folded into one)."""
    if p.text_similarity is None:
        return []
    out = [f"文本相似度 text {p.text_similarity:.2f}"]
    if p.indicator_match != "none":
        out.append(zh_en(MATCH, p.indicator_match) + (": " + "、".join(p.shared_indicators) if p.shared_indicators else ""))
    out.append(f"判定分 pair score {p.pair_score:.2f} ({zh_en(PAIRED_BY, p.paired_by)})")
    return out


def _md_pair(p: ItemPair) -> list[str]:
    head = f"{p.row}. **{zh_en(STATUS, p.status)}**"
    if p.relation in ("split", "merged"):
        head += " (拆分 split)" if p.relation == "split" else " (合并 merged)"
    notes = score_notes(p) + change_notes(p)
    if notes:
        head += " · " + " · ".join(notes)
    out = [head]
    runs = word_diff(p.old_text, p.new_text) if p.old_items and p.new_items else []
    if p.old_items:
        text = _md_diff(runs, "old") if runs else p.old_text
        out.append(f"   - 旧 old {p.old_labels}: {text}".replace("\n", " / "))
    if p.new_items:
        text = _md_diff(runs, "new") if runs else p.new_text
        out.append(f"   - 新 new {p.new_labels}: {text}".replace("\n", " / "))
    return out


def title(series: Series) -> str:
    ys = _years(series)
    issuer = next((d.issuer for d in series.documents if d.issuer), "")
    span = f"{ys[0]} → {ys[1]}" if len(ys) == 2 else f"{ys[0]}–{ys[-1]}"
    return f"{issuer} 重点工作分解 {span} 对比 · year-over-year comparison".strip()


def markdown(series: Series) -> str:
    """The report as Markdown."""
    ys = _years(series)
    lines = [f"# {title(series)}", "", "## 文件 Notices", "", *md_table(notices_table(series)), ""]
    lines += [f"> **截断 capture cut**: {note}" for note in cut_notes(series)]
    lines += ["", "## 概览 Summary", "", *md_table(summary_table(series)), ""]
    lines += ["## 指标与目标 Targets, year by year", "",
              "评估对照前一年:按指标方向判断承诺值(越高越好看下限,越低越好看上限),再看限定词松紧。 Assessment is "
              "against the previous year, by the metric's polarity.", "", *md_table(targets_table(series)), ""]
    if len(ys) > 2:
        lines += ["## 任务延续 Tasks across years", "", *md_table(chains_summary(series)), "",
                  *md_table(chains_table(series)), ""]
    lines += ["## 单位工作量 Unit load, year by year", "",
              "单位按规则更名、统称归并后计数(rules/unit_renames.toml);“+?”表示该年抓取截断,数字只是下限。 Units after "
              "renames and catch-all grouping; '+?': the capture is cut, the count is a lower bound.", "",
              *md_table(units_table(series)), "", "### 单位更名与统称 Renames and catch-alls", "",
              "建议更名只列证据,不合并;确认后写入 rules/unit_renames.toml。 Proposed renames are listed with their "
              "evidence and never merged.", "", *md_table(renames_table(series)), ""]
    for i, c in enumerate(series.comparisons):
        lines += [f"## {_pair_name(series, i)} 逐项对照 Task by task", "", "### 目标 Targets", "",
                  *md_table(indicator_table(c, ys[i], ys[i + 1])), "", "### 任务 Tasks", "",
                  "~~删除线~~:只在旧文中的词 words only in the old text;**粗体**:只在新文中的词 words only in the new text.", ""]
        for p in c.pairs:
            lines += _md_pair(p)
        lines.append("")
    lines += ["## 说明 How to read", "", DECISION_RULE]
    return "\n".join(lines).rstrip() + "\n"


# --------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------

_CSS = f"""
body{{font-family:{FONTS};margin:2em auto;max-width:80em;padding:0 1em;color:#202124;line-height:1.5}}
h1{{font-size:1.5em}}h2{{font-size:1.25em;margin-top:2em;border-bottom:1px solid #dadce0}}h3{{font-size:1.05em}}
table{{border-collapse:collapse;margin:.5em 0;font-size:.9em}}
th,td{{border:1px solid #dadce0;padding:.25em .5em;vertical-align:top}}th{{background:#f1f3f4;text-align:left}}
td.n{{text-align:right;white-space:nowrap}}
del{{background:#fce8e6;color:#a50e0e}}ins{{background:#e6f4ea;color:#0d652d;text-decoration:none;font-weight:600}}
.better{{background:#e6f4ea;color:#0d652d}}.worse{{background:#fce8e6;color:#a50e0e}}
.neutral{{color:#5f6368}}.unknown{{background:#fef7e0;color:#7a4f01}}.proposed{{background:#fef7e0}}
.continued{{color:#3c4043}}.modified{{color:#8a4b00}}.new{{color:#0d652d}}.dropped{{color:#a50e0e}}
.note{{background:#fef7e0;border-left:4px solid #f9ab00;padding:.5em 1em}}
.multiples{{display:flex;flex-wrap:wrap;gap:8px}}.multiples svg{{border:1px solid #e8eaed}}
.legend span{{display:inline-block;padding:0 .5em;margin-right:.5em}}
.tasks td:first-child,td.pair{{white-space:nowrap}}
"""


def _e(text: object) -> str:
    return _html.escape(str(text), quote=True)


def html_table(t: Table, cls: str = "") -> str:
    """A table as HTML (cells escaped, classes kept)."""
    if not t.rows:
        return "<p>(无 none)</p>"
    out = [f'<table class="{cls}">' if cls else "<table>",
           "<tr>" + "".join(f"<th>{_e(h)}</th>" for h in t.header) + "</tr>"]
    for row in t.rows:
        cells = []
        for i, c in enumerate(row):
            classes = " ".join(x for x in ("n" if i in t.numeric else "", c.cls) if x)
            cells.append(f'<td class="{classes}">{_e(c.text)}</td>' if classes else f"<td>{_e(c.text)}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    return "\n".join(out + ["</table>"])


def _html_diff(runs: Sequence[tuple[str, str]], side: str) -> str:
    tag = "del" if side == "old" else "ins"
    parts = [_e(t) if op == "equal" else f"<{tag}>{_e(t)}</{tag}>" for op, t in runs_side(runs, side)]
    return "".join(parts).replace("\n", "<br>")


def _html_tasks(c: Comparison) -> str:
    out = ['<table class="tasks"><tr><th>#</th><th>状态 status</th><th>旧 old</th><th>新 new</th>'
           "<th>文本相似度 text similarity</th><th>指标匹配 indicator match</th><th>判定分 pair score</th>"
           "<th>变化 changes</th></tr>"]
    for p in c.pairs:
        runs = word_diff(p.old_text, p.new_text) if p.old_items and p.new_items else []
        old = _html_diff(runs, "old") if runs else _e(p.old_text).replace("\n", "<br>")
        new = _html_diff(runs, "new") if runs else _e(p.new_text).replace("\n", "<br>")
        rel = {"split": "<br>拆分 split", "merged": "<br>合并 merged"}.get(p.relation, "")
        match = zh_en(MATCH, p.indicator_match) + ("<br>" + _e("、".join(p.shared_indicators)) if p.shared_indicators else "")
        sim = "" if p.text_similarity is None else f"{p.text_similarity:.2f}"
        score = "" if p.pair_score is None else f"{p.pair_score:.2f}<br>{_e(zh_en(PAIRED_BY, p.paired_by))}"
        out.append(
            f'<tr><td>{p.row}</td><td class="{p.status}">{_e(zh_en(STATUS, p.status))}{rel}</td>'
            f"<td>{_e(p.old_labels)} {old}</td><td>{_e(p.new_labels)} {new}</td>"
            f'<td class="n">{sim}</td><td>{match}</td><td class="n">{score}</td>'
            f"<td>{'<br>'.join(_e(x) for x in change_notes(p))}</td></tr>")
    out.append("</table>")
    return "\n".join(out)


def _multiples(series: Series) -> str:
    ys = _years(series)
    cut = [c is not None for c in series.cuts]
    groups = [g for g in _series_groups(series) if g[0].indicator is not None]
    if not groups:
        return "<p>没有规范指标的目标 No target names a canonical indicator.</p>"
    svgs = "\n".join(small_multiple(g, ys, cut) for g in groups)
    return f'<div class="multiples">\n{svgs}\n</div>'


def _chart_scope(shown: int, total: int) -> str:
    """What the unit chart shows, said plainly.

    >>> _chart_scope(20, 46)
    '图中为工作量最大的 20 个单位(共 46 个),表格列出全部。 The chart shows the 20 busiest of 46 units; the table lists all.'
    >>> _chart_scope(12, 12)
    '图中为全部 12 个单位。 The chart shows all 12 units.'
    """
    if shown < total:
        return (f"图中为工作量最大的 {shown} 个单位(共 {total} 个),表格列出全部。 The chart shows the {shown} busiest "
                f"of {total} units; the table lists all.")
    return f"图中为全部 {total} 个单位。 The chart shows all {total} units."


def html(series: Series) -> str:
    """The report as one self-contained HTML page (inline CSS and SVG, no script, no network)."""
    ys = _years(series)
    cut = [c is not None for c in series.cuts]
    _, n_units = busiest_units(series.units, CHART_UNITS)
    shown = min(n_units, CHART_UNITS)
    h = ["<!DOCTYPE html>", '<html lang="zh-CN"><head><meta charset="utf-8">',
         f"<title>{_e(title(series))}</title>", f"<style>{_CSS}</style></head><body>",
         f"<h1>{_e(title(series))}</h1>", "<h2>文件 Notices</h2>", html_table(notices_table(series))]
    h += [f'<p class="note"><b>截断 capture cut</b>: {_e(note)}</p>' for note in cut_notes(series)]
    h += ["<h2>概览 Summary</h2>", html_table(summary_table(series)),
          "<h2>指标与目标 Targets, year by year</h2>",
          '<p class="legend">颜色是评估,不是升降 colour is the assessment, not the direction: '
          '<span class="better">更好 better</span><span class="worse">更差 worse</span>'
          '<span class="neutral">灰色 不变/不可比 unchanged / not comparable</span>。每个小图一个指标,纵轴从零起,单位见图 '
          "— one chart per indicator, one scale from zero, unit on the chart.</p>",
          _multiples(series), html_table(targets_table(series))]
    if len(ys) > 2:
        h += ["<h2>任务延续 Tasks across years</h2>", html_table(chains_summary(series)),
              html_table(chains_table(series), "tasks")]
    h += ["<h2>单位工作量 Unit load, year by year</h2>",
          f"<p>{_e(_chart_scope(shown, n_units))} 单位按规则更名、统称归并后计数;“+?”表示该年抓取截断,数字只是下限。 "
          "Units after renames and catch-all grouping; '+?': the capture is cut, the count is a lower bound.</p>",
          unit_chart(series.units, ys, cut), html_table(units_table(series)),
          "<h3>单位更名与统称 Renames and catch-alls</h3>",
          "<p>建议更名只列证据,不合并;确认后写入 rules/unit_renames.toml。 Proposed renames are listed with their evidence "
          "and never merged.</p>", html_table(renames_table(series))]
    for i, c in enumerate(series.comparisons):
        h += [f"<h2>{_e(_pair_name(series, i))} 逐项对照 Task by task</h2>", "<h3>目标 Targets</h3>",
              html_table(indicator_table(c, ys[i], ys[i + 1])), "<h3>任务 Tasks</h3>",
              "<p><del>删除线</del>:只在旧文中的词 words only in the old text;<ins>标记</ins>:只在新文中的词 words only in "
              "the new text.</p>", _html_tasks(c)]
    h += ["<h2>说明 How to read</h2>", f"<p>{_e(DECISION_RULE)}</p>", "</body></html>"]
    return "\n".join(h) + "\n"

