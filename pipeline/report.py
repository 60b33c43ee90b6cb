"""The comparison report: Markdown and a self-contained HTML page.

The HTML page needs no network: CSS is inline, charts are inline SVG, there is no script. Both reports
hold the summary counts, the indicator table, the unit load and the aligned task list with the
differing words marked (difflib over jieba tokens). Output is a pure function of the
:class:`~pipeline.compare.Comparison`, so reruns are byte-identical.
"""

from __future__ import annotations

import difflib
import html as _html
from typing import Iterable, Sequence

import regex

from .compare import Comparison, IndicatorChange, ItemPair, UnitLoad
from .segment import tokenizer

#: Units shown in the unit-load chart (the busiest first); the table lists all.
CHART_UNITS = 30

_QUALIFIER = {"around": ("", "左右"), "at_least": ("", "以上"), "at_most": ("", "以内"), "over": ("超", ""),
              "exact": ("", "")}
_STATUS_ZH = {"continued": "延续", "modified": "调整", "new": "新增", "dropped": "删除"}
_CHANGE_MARK = {"up": "↑", "down": "↓", "same": "=", "qualifier": "≈", "incomparable": "?", "new": "+",
                "dropped": "−"}


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------


def fmt_num(v: float | None) -> str:
    """A number as an analyst writes it.

    >>> fmt_num(7.0), fmt_num(6.5), fmt_num(152.08), fmt_num(None), fmt_num(0.1 + 0.2)
    ('7', '6.5', '152.08', '', '0.3')
    """
    if v is None:
        return ""
    if float(v).is_integer():
        return str(int(v))
    return f"{v:.4f}".rstrip("0").rstrip(".")


def fmt_value(value: float | None, high: float | None, unit: str | None, qualifier: str | None) -> str:
    """A target value as printed in notices.

    >>> fmt_value(7, None, "%", "around"), fmt_value(90, None, "%", "over"), fmt_value(5, 8, "%", "exact")
    ('7%左右', '超90%', '5-8%')
    """
    if value is None:
        return ""
    pre, post = _QUALIFIER.get(qualifier or "exact", ("", ""))
    num = fmt_num(value) + (f"-{fmt_num(high)}" if high is not None else "")
    return f"{pre}{num}{unit or ''}{post}"


def fmt_delta(delta: float | None, unit: str | None) -> str:
    """A delta with sign; money in 万元/亿元, percent in percentage points.

    >>> fmt_delta(-0.5, "pp"), fmt_delta(20000000.0, "元"), fmt_delta(400000000.0, "元"), fmt_delta(0.0, "个")
    ('-0.5 pp', '+2000万元', '+4亿元', '0个')
    """
    if delta is None:
        return ""
    sign = "+" if delta > 0 else ""
    if unit == "元" and abs(delta) >= 1e8:
        return f"{sign}{fmt_num(round(delta / 1e8, 4))}亿元"
    if unit == "元" and abs(delta) >= 1e4:
        return f"{sign}{fmt_num(round(delta / 1e4, 4))}万元"
    return f"{sign}{fmt_num(delta)}{' pp' if unit == 'pp' else unit or ''}"


#: Numbers are one token each in a diff (so 7.5 -> 7 is marked whole, not as ".5").
_NUMBER = regex.compile(r"""( [0-9]+ (?: \.[0-9]+ )? )""", regex.VERBOSE)


def diff_tokens(text: str) -> list[str]:
    """Tokens for diffing: numbers whole, the rest jieba words (punctuation kept).

    >>> diff_tokens("增长7.5%左右")
    ['增长', '7.5', '%', '左右']
    """
    tk = tokenizer()
    out: list[str] = []
    for i, part in enumerate(_NUMBER.split(text)):
        if i % 2:
            out.append(part)
        elif part:
            out.extend(tk.lcut(part, HMM=False))
    return out


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """(op, text) runs turning ``old`` into ``new``, over jieba tokens; op is equal | delete | insert.

    >>> word_diff("推进冷链物流园建设", "建成冷链物流园")
    [('delete', '推进'), ('insert', '建成'), ('equal', '冷链物流园'), ('delete', '建设')]
    """
    a, b = diff_tokens(old), diff_tokens(new)
    out: list[tuple[str, str]] = []

    def add(op: str, text: str) -> None:
        if not text:
            return
        if out and out[-1][0] == op:
            out[-1] = (op, out[-1][1] + text)
        else:
            out.append((op, text))

    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            add("equal", "".join(a[i1:i2]))
        else:
            add("delete", "".join(a[i1:i2]))
            add("insert", "".join(b[j1:j2]))
    return out


def _label(r: IndicatorChange) -> str:
    return r.indicator or r.new_metric or r.old_metric or ""


def _title(c: Comparison) -> tuple[str, str]:
    def one(d) -> str:  # type: ignore[no-untyped-def]
        parts = [p for p in (d.doc_number, d.title) if p]
        return " ".join(parts) if parts else d.doc_id
    return one(c.old), one(c.new)


def _years(c: Comparison) -> tuple[str, str]:
    return (str(c.old.year) if c.old.year else "old", str(c.new.year) if c.new.year else "new")


# --------------------------------------------------------------------------
# Markdown
# --------------------------------------------------------------------------


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def _md_diff(runs: Iterable[tuple[str, str]], side: str) -> str:
    """One side of a word diff in Markdown; the items of a group are separated by " / ".

    >>> _md_diff([("equal", "甲"), ("delete", "乙\\n丙"), ("insert", "丁")], "old")
    '甲~~乙~~ / ~~丙~~'
    """
    mark = {"delete": "~~", "insert": "**"}
    parts = []
    for op, text in runs:
        if op == "equal":
            parts.append(text.replace("\n", " / "))
        elif (op, side) in (("delete", "old"), ("insert", "new")):
            parts.append(" / ".join(f"{mark[op]}{t}{mark[op]}" if t else "" for t in text.split("\n")))
    return "".join(parts)


def markdown(c: Comparison) -> str:
    """The report as Markdown."""
    t_old, t_new = _title(c)
    y_old, y_new = _years(c)
    n = c.counts
    lines = [
        f"# {y_old} → {y_new}: what changed",
        "",
        f"- old: {t_old} (`{c.old.doc_id}`, {n['old_items']} items)",
        f"- new: {t_new} (`{c.new.doc_id}`, {n['new_items']} items)",
        "",
        "## Summary",
        "",
        "| tasks | rows |",
        "| --- | ---: |",
        *(f"| {k} ({_STATUS_ZH[k]}) | {n[k]} |" for k in ("continued", "modified", "new", "dropped")),
        f"| of which split (one old → several new) | {n['split']} |",
        f"| of which merged (several old → one new) | {n['merged']} |",
        "",
        "## Targets",
        "",
        f"| indicator | kind | {y_old} | {y_new} | change | Δ | items (old → new) | matched by |",
        "| --- | --- | ---: | ---: | :---: | ---: | --- | --- |",
    ]
    for r in c.indicators:
        lines.append("| " + " | ".join(_md_cell(x) for x in (
            _label(r), r.kind, fmt_value(r.old_value, r.old_value_high, r.old_unit, r.old_qualifier),
            fmt_value(r.new_value, r.new_value_high, r.new_unit, r.new_qualifier),
            f"{_CHANGE_MARK[r.change]} {r.change}", fmt_delta(r.delta, r.delta_unit),
            f"{fmt_num(r.old_item_seq)} → {fmt_num(r.new_item_seq)}", r.basis)) + " |")
    lines += [
        "",
        "## Unit load",
        "",
        f"Items per unit and role (lead / responsible / cooperating; total = distinct items). Old names renamed "
        f"by rules/unit_renames.toml.",
        "",
        f"| unit | {y_old} lead | resp. | coop. | total | {y_new} lead | resp. | coop. | total | Δ total | renamed from |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for u in c.units:
        lines.append("| " + " | ".join(_md_cell(str(x)) for x in (
            u.unit, u.lead_old, u.responsible_old, u.cooperating_old, u.total_old, u.lead_new, u.responsible_new,
            u.cooperating_new, u.total_new, f"{u.delta_total:+d}" if u.delta_total else "0",
            "、".join(u.renamed_from))) + " |")
    lines += ["", "## Tasks", "", "~~struck~~: words only in the old text; **bold**: words only in the new text.", ""]
    for p in c.pairs:
        lines += _md_pair(p)
    return "\n".join(lines).rstrip() + "\n"


def change_notes(p: ItemPair) -> list[str]:
    """What changed in a task pair besides its words, for both reports.

    A change of roles is named only when no unit came or went (those are named themselves).
    """
    notes = []
    if p.targets_changed:
        notes.append("targets changed")
    if p.units_added:
        notes.append("units added: " + "、".join(p.units_added))
    if p.units_removed:
        notes.append("units removed: " + "、".join(p.units_removed))
    if p.units_changed and not (p.units_added or p.units_removed):
        notes.append("unit roles changed")
    return notes


def _md_pair(p: ItemPair) -> list[str]:
    head = f"{p.row}. **{p.status}**"
    if p.relation in ("split", "merged"):
        head += f" ({p.relation})"
    if p.score is not None:
        head += f" · score {p.score:.2f}"
    notes = change_notes(p)
    if notes:
        head += " · " + "; ".join(notes)
    out = [head]
    runs = word_diff(p.old_text, p.new_text) if p.old_items and p.new_items else []
    if p.old_items:
        text = _md_diff(runs, "old") if runs else p.old_text
        out.append(f"   - old {p.old_labels}: {text}".replace("\n", " / "))
    if p.new_items:
        text = _md_diff(runs, "new") if runs else p.new_text
        out.append(f"   - new {p.new_labels}: {text}".replace("\n", " / "))
    return out


# --------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------

_CSS = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif;
 margin:2em auto;max-width:72em;padding:0 1em;color:#222;line-height:1.5}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5em 0;font-size:.92em}
th,td{border:1px solid #ddd;padding:.25em .5em;vertical-align:top}th{background:#f4f4f4}
td.n{text-align:right;white-space:nowrap}
del{background:#fdd;color:#900;text-decoration:line-through}ins{background:#dfd;color:#060;text-decoration:none}
.continued{color:#555}.modified{color:#a60}.new{color:#070}.dropped{color:#a00}
.up{color:#070}.down{color:#a00}
svg text{font-size:12px;font-family:inherit}
.tasks td:first-child{white-space:nowrap}
"""


def _e(text: object) -> str:
    return _html.escape(str(text), quote=True)


def _html_diff(runs: Iterable[tuple[str, str]], side: str) -> str:
    parts = []
    for op, text in runs:
        if op == "equal":
            parts.append(_e(text))
        elif op == "delete" and side == "old":
            parts.append(f"<del>{_e(text)}</del>")
        elif op == "insert" and side == "new":
            parts.append(f"<ins>{_e(text)}</ins>")
    return "".join(parts).replace("\n", "<br>")


def target_chart(rows: Sequence[IndicatorChange], y_old: str = "old", y_new: str = "new") -> str:
    """Inline SVG: one line per lined-up target, old (grey) and new (coloured) value on the row's own scale.

    Each row has its own scale (0 to the larger value, in the standard unit so that 8000万元 and 1.2亿元
    compare) because the targets have different units; the chart shows direction and relative size, the
    table the numbers.
    """
    data = [r for r in rows if r.old_value is not None and r.new_value is not None and r.change != "incomparable"]
    if not data:
        return "<p>No target lines up in both notices.</p>"
    label_w, bar_w, row_h = 210, 360, 22
    h = row_h * len(data) + 30
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_w + bar_w + 220}" height="{h}" '
           f'role="img" aria-label="target changes">']
    out.append(f'<text x="{label_w}" y="14">● {_e(y_old)} (grey) → {_e(y_new)} (green up, red down)</text>')
    for i, r in enumerate(data):
        y = 30 + i * row_h
        old_v = r.old_value_std if r.old_value_std is not None else r.old_value
        new_v = r.new_value_std if r.new_value_std is not None else r.new_value
        hi = max(abs(old_v or 0), abs(new_v or 0)) or 1.0
        x0 = label_w + bar_w * abs(old_v or 0) / hi
        x1 = label_w + bar_w * abs(new_v or 0) / hi
        colour = {"up": "#2a2", "down": "#c33"}.get(r.change, "#888")
        out.append(f'<text x="{label_w - 6}" y="{y + 4}" text-anchor="end">{_e(_label(r)[:14])}</text>')
        out.append(f'<line x1="{label_w}" y1="{y}" x2="{label_w + bar_w}" y2="{y}" stroke="#eee"/>')
        out.append(f'<line x1="{x0:.1f}" y1="{y}" x2="{x1:.1f}" y2="{y}" stroke="{colour}" stroke-width="3"/>')
        out.append(f'<circle cx="{x0:.1f}" cy="{y}" r="4" fill="#999"/>')
        out.append(f'<circle cx="{x1:.1f}" cy="{y}" r="5" fill="{colour}"/>')
        text = (f"{fmt_value(r.old_value, r.old_value_high, r.old_unit, r.old_qualifier)} → "
                f"{fmt_value(r.new_value, r.new_value_high, r.new_unit, r.new_qualifier)}")
        out.append(f'<text x="{label_w + bar_w + 10}" y="{y + 4}">{_e(text)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def unit_chart(units: Sequence[UnitLoad], y_old: str = "old", y_new: str = "new", limit: int = CHART_UNITS) -> str:
    """Inline SVG: items per unit in each notice (grey old, blue new), busiest units first."""
    data = sorted(units, key=lambda u: (-max(u.total_old, u.total_new), u.unit))[:limit]
    if not data:
        return "<p>No units.</p>"
    label_w, bar_w, row_h = 160, 420, 24
    top = max(max(u.total_old, u.total_new) for u in data) or 1
    h = row_h * len(data) + 30
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_w + bar_w + 80}" height="{h}" '
           f'role="img" aria-label="unit load">']
    out.append(f'<rect x="{label_w}" y="4" width="10" height="8" fill="#bbb"/>'
               f'<text x="{label_w + 14}" y="12">{_e(y_old)}</text>'
               f'<rect x="{label_w + 70}" y="4" width="10" height="8" fill="#36c"/>'
               f'<text x="{label_w + 84}" y="12">{_e(y_new)} (items, any role)</text>')
    for i, u in enumerate(data):
        y = 24 + i * row_h
        w0 = bar_w * u.total_old / top
        w1 = bar_w * u.total_new / top
        out.append(f'<text x="{label_w - 6}" y="{y + 12}" text-anchor="end">{_e(u.unit[:12])}</text>')
        out.append(f'<rect x="{label_w}" y="{y + 1}" width="{w0:.1f}" height="8" fill="#bbb"/>')
        out.append(f'<rect x="{label_w}" y="{y + 10}" width="{w1:.1f}" height="8" fill="#36c"/>')
        d = f"{u.delta_total:+d}" if u.delta_total else "0"
        out.append(f'<text x="{label_w + max(w0, w1) + 6:.1f}" y="{y + 14}">{u.total_old}→{u.total_new} ({d})</text>')
    out.append("</svg>")
    return "\n".join(out)


def html(c: Comparison) -> str:
    """The report as one self-contained HTML page (inline CSS and SVG, no script, no network)."""
    t_old, t_new = _title(c)
    y_old, y_new = _years(c)
    n = c.counts
    h: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{_e(y_old)} → {_e(y_new)}: {_e(t_new)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{_e(y_old)} → {_e(y_new)}: what changed</h1>",
        f"<p>old: {_e(t_old)} (<code>{_e(c.old.doc_id)}</code>, {n['old_items']} items)<br>"
        f"new: {_e(t_new)} (<code>{_e(c.new.doc_id)}</code>, {n['new_items']} items)</p>",
        "<h2>Summary</h2><table><tr><th>tasks</th><th>rows</th></tr>",
    ]
    for k in ("continued", "modified", "new", "dropped"):
        h.append(f'<tr><td class="{k}">{k} ({_STATUS_ZH[k]})</td><td class="n">{n[k]}</td></tr>')
    h.append(f'<tr><td>of which split (one old → several new)</td><td class="n">{n["split"]}</td></tr>')
    h.append(f'<tr><td>of which merged (several old → one new)</td><td class="n">{n["merged"]}</td></tr></table>')

    h.append("<h2>Targets</h2>")
    h.append(target_chart(c.indicators, y_old, y_new))
    h.append(f"<table><tr><th>indicator</th><th>kind</th><th>{_e(y_old)}</th><th>{_e(y_new)}</th><th>change</th>"
             "<th>Δ</th><th>items (old → new)</th><th>matched by</th></tr>")
    for r in c.indicators:
        h.append(
            f"<tr><td>{_e(_label(r))}</td><td>{_e(r.kind)}</td>"
            f'<td class="n">{_e(fmt_value(r.old_value, r.old_value_high, r.old_unit, r.old_qualifier))}</td>'
            f'<td class="n">{_e(fmt_value(r.new_value, r.new_value_high, r.new_unit, r.new_qualifier))}</td>'
            f'<td class="{_e(r.change)}">{_CHANGE_MARK[r.change]} {_e(r.change)}</td>'
            f'<td class="n">{_e(fmt_delta(r.delta, r.delta_unit))}</td>'
            f"<td>{_e(fmt_num(r.old_item_seq))} → {_e(fmt_num(r.new_item_seq))}</td><td>{_e(r.basis)}</td></tr>")
    h.append("</table>")

    h.append("<h2>Unit load</h2>")
    h.append(unit_chart(c.units, y_old, y_new))
    h.append(f"<table><tr><th>unit</th><th>{_e(y_old)} lead</th><th>resp.</th><th>coop.</th><th>total</th>"
             f"<th>{_e(y_new)} lead</th><th>resp.</th><th>coop.</th><th>total</th><th>Δ total</th>"
             "<th>renamed from</th></tr>")
    for u in c.units:
        cells = [u.lead_old, u.responsible_old, u.cooperating_old, u.total_old, u.lead_new, u.responsible_new,
                 u.cooperating_new, u.total_new]
        d = f"{u.delta_total:+d}" if u.delta_total else "0"
        cls = "up" if u.delta_total > 0 else "down" if u.delta_total < 0 else ""
        h.append(f"<tr><td>{_e(u.unit)}</td>" + "".join(f'<td class="n">{x}</td>' for x in cells)
                 + f'<td class="n {cls}">{d}</td><td>{_e("、".join(u.renamed_from))}</td></tr>')
    h.append("</table>")

    h.append("<h2>Tasks</h2><p><del>struck</del>: words only in the old text; <ins>marked</ins>: words only in "
             "the new text.</p>")
    h.append('<table class="tasks"><tr><th>#</th><th>status</th><th>old</th><th>new</th><th>score</th>'
             "<th>changes</th></tr>")
    for p in c.pairs:
        runs = word_diff(p.old_text, p.new_text) if p.old_items and p.new_items else []
        old = _html_diff(runs, "old") if runs else _e(p.old_text).replace("\n", "<br>")
        new = _html_diff(runs, "new") if runs else _e(p.new_text).replace("\n", "<br>")
        notes = change_notes(p)
        rel = f"<br>({_e(p.relation)})" if p.relation in ("split", "merged") else ""
        h.append(
            f"<tr><td>{p.row}</td><td class=\"{p.status}\">{p.status}{rel}</td>"
            f"<td>{_e(p.old_labels)} {old}</td><td>{_e(p.new_labels)} {new}</td>"
            f'<td class="n">{"" if p.score is None else f"{p.score:.2f}"}</td>'
            f"<td>{'<br>'.join(_e(x) for x in notes)}</td></tr>")
    h.append("</table></body></html>")
    return "\n".join(h) + "\n"
