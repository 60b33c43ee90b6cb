"""The report's charts as inline SVG strings (pure): a small multiple per target series, and the unit load.

Honest by construction: every chart has axes with ticks and its unit; one scale within a chart (all years
of an indicator on one axis starting at zero; all units on one axis); colour is the assessment (green
better, red worse, grey otherwise), never the direction of the number; and the unit chart says when it
shows only the busiest units.
"""

from __future__ import annotations

import html as _html
import math
from collections import defaultdict
from collections.abc import Sequence

from .fmt import ASSESSMENT, KIND, POLARITY, fmt_num, fmt_value, shorten
from .records import TargetPoint, UnitYear

#: Fonts for Chinese text, in order of preference, with a generic fallback (declared in the page CSS too).
FONTS = ('"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", "Hiragino Sans GB", '
         '"WenQuanYi Micro Hei", sans-serif')

#: Assessment colours: green better, red worse, grey anything else.
COLOURS = {"better": "#1a7f37", "worse": "#c62828"}
GREY = "#80868b"

#: Units shown in the unit-load chart (the busiest first); the table lists all.
CHART_UNITS = 20


def _e(text: object) -> str:
    return _html.escape(str(text), quote=True)


def nice_ticks(lo: float, hi: float, n: int = 4) -> list[float]:
    """About ``n`` round tick values from at most ``lo`` to at least ``hi``.

    >>> nice_ticks(0, 7.5), nice_ticks(0, 4.5), nice_ticks(-3, 6), nice_ticks(0, 0)
    ([0.0, 2.0, 4.0, 6.0, 8.0], [0.0, 2.0, 4.0, 6.0], [-5.0, -2.5, 0.0, 2.5, 5.0, 7.5], [0.0, 0.25, 0.5, 0.75, 1.0])
    """
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 3, 5, 10) if m * mag >= raw - 1e-12)
    start = math.floor(lo / step + 1e-9) * step
    ticks = [round(float(start), 10)]
    while ticks[-1] < hi - 1e-9:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def display_scale(unit: str | None, top: float) -> tuple[float, str]:
    """(divisor, unit shown) for values in the standard ``unit`` whose largest magnitude is ``top``.

    >>> display_scale("元", 1.2e8), display_scale("元", 8e7), display_scale("%", 7.5)
    ((100000000.0, '亿元'), (10000.0, '万元'), (1.0, '%'))
    """
    if unit == "元" and top >= 1e8:
        return 1e8, "亿元"
    if unit == "元" and top >= 1e4:
        return 1e4, "万元"
    return 1.0, unit or ""


def _std(p: TargetPoint) -> tuple[float, float | None]:
    v = p.value_std if p.value_std is not None else p.value
    factor = v / p.value if p.value else 1.0
    return v, (p.value_high * factor if p.value_high is not None else None)


def small_multiple(points: Sequence[TargetPoint], years: Sequence[str], cut: Sequence[bool]) -> str:
    """One target series over the notices of a series: points by year on one scale from zero, the segment
    to each point coloured by its assessment against the previous one (dashed across a gap)."""
    width, height, left, right, top, bottom = 300, 190, 52, 14, 46, 36
    pw, ph = width - left - right, height - top - bottom
    first = points[0]
    vals = [_std(p) for p in points]
    div, unit = display_scale(first.unit_std or first.unit, max(abs(x) for v, h in vals for x in (v, h or v)))
    ys = [(v / div, h / div if h is not None else None) for v, h in vals]
    high = max(max(v, h or v) for v, h in ys)
    ticks = nice_ticks(min(0.0, *(v for v, _ in ys)), high * 1.18 if high > 0 else high)  # room for the labels
    y0, y1 = ticks[0], ticks[-1]

    def x(pos: int) -> float:
        return left + (pos + 0.5) * pw / len(years)

    def y(v: float) -> float:
        return top + ph - (v - y0) / (y1 - y0) * ph

    kind = KIND.get(first.kind, (first.kind, ""))[0]
    pol = POLARITY.get(first.polarity, (first.polarity, ""))[0]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
           f'font-family=\'{FONTS}\' font-size="11">',
           f"<title>{_e(first.label)}: {_e(' → '.join(fmt_value(p.value, p.value_high, p.unit, p.qualifier) for p in points))}</title>",
           f'<text x="4" y="15" font-size="13" font-weight="bold">{_e(shorten(first.label, 18))}</text>',
           f'<text x="4" y="31" fill="#5f6368">{_e(kind)} · {_e(pol)} · 单位 {_e(unit or "-")}</text>']
    for t in ticks:
        out.append(f'<line x1="{left}" y1="{y(t):.1f}" x2="{width - right}" y2="{y(t):.1f}" stroke="#e8eaed"/>')
        out.append(f'<text x="{left - 5}" y="{y(t) + 4:.1f}" text-anchor="end" fill="#5f6368">{_e(fmt_num(t))}</text>')
    zero = y(0.0) if y0 <= 0 <= y1 else y(y0)
    out.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + ph}" stroke="#5f6368"/>')
    out.append(f'<line x1="{left}" y1="{zero:.1f}" x2="{width - right}" y2="{zero:.1f}" stroke="#5f6368"/>')
    for pos, label in enumerate(years):
        colour = "#c62828" if cut[pos] else "#3c4043"
        text = f"{label} 截断" if cut[pos] else label
        out.append(f'<line x1="{x(pos):.1f}" y1="{top + ph}" x2="{x(pos):.1f}" y2="{top + ph + 4}" stroke="#5f6368"/>')
        out.append(f'<text x="{x(pos):.1f}" y="{top + ph + 17}" text-anchor="middle" fill="{colour}">{_e(text)}</text>')
    for prev, p, (v0, _), (v1, _) in zip(points, points[1:], ys, ys[1:]):
        colour = COLOURS.get(p.assessment, GREY)
        dash = ' stroke-dasharray="4 3"' if p.position - prev.position > 1 else ""
        out.append(f'<line x1="{x(prev.position):.1f}" y1="{y(v0):.1f}" x2="{x(p.position):.1f}" y2="{y(v1):.1f}" '
                   f'stroke="{colour}" stroke-width="2.5"{dash}/>')
    for i, (p, (v, h)) in enumerate(zip(points, ys)):
        colour = COLOURS.get(p.assessment, GREY) if i else "#3c4043"
        if h is not None:
            out.append(f'<line x1="{x(p.position):.1f}" y1="{y(v):.1f}" x2="{x(p.position):.1f}" y2="{y(h):.1f}" '
                       f'stroke="{colour}" stroke-width="6" stroke-opacity="0.35"/>')
        verdict = f" ({ASSESSMENT[p.assessment][0]})" if p.assessment else ""
        out.append(f'<circle cx="{x(p.position):.1f}" cy="{y(v):.1f}" r="4.5" fill="{colour}">'
                   f"<title>{_e(p.text)}{_e(verdict)}</title></circle>")
        out.append(f'<text x="{x(p.position):.1f}" y="{y(max(v, h or v)) - 8:.1f}" text-anchor="middle" '
                   f'font-size="10.5">{_e(fmt_value(p.value, p.value_high, p.unit, p.qualifier))}</text>')
    out.append("</svg>")
    return "\n".join(out)


def _year_colours(n: int) -> list[str]:
    """``n`` blues from light (oldest) to dark (newest).

    >>> _year_colours(2)
    ['#9ecae1', '#08519c']
    """
    lo, hi = (0x9E, 0xCA, 0xE1), (0x08, 0x51, 0x9C)
    out = []
    for i in range(n):
        t = i / (n - 1) if n > 1 else 1.0
        out.append("#" + "".join(f"{round(a + (b - a) * t):02x}" for a, b in zip(lo, hi)))
    return out


def busiest_units(units: Sequence[UnitYear], limit: int = CHART_UNITS) -> tuple[list[str], int]:
    """(the ``limit`` units with the largest load in any notice, busiest first; how many units there are)."""
    top: dict[str, int] = defaultdict(int)
    for u in units:
        top[u.unit] = max(top[u.unit], u.total)
    ranked = sorted(top, key=lambda name: (-top[name], name))
    return ranked[:limit], len(ranked)


def unit_chart(units: Sequence[UnitYear], years: Sequence[str], cut: Sequence[bool], limit: int = CHART_UNITS) -> str:
    """Items per unit in each notice (one bar per notice, oldest lightest), the busiest ``limit`` units, on
    one scale from zero with a tick axis."""
    shown, _ = busiest_units(units, limit)
    if not shown:
        return "<p>没有单位 No units.</p>"
    load = {(u.unit, u.position): u.total for u in units}
    label_w, plot_w, bar_h, gap, top = 190, 520, 9, 10, 40
    row_h = bar_h * len(years) + gap
    ticks = nice_ticks(0, max(load.values()), 5)
    height = top + row_h * len(shown) + 36
    width = label_w + plot_w + 60
    colours = _year_colours(len(years))

    def x(v: float) -> float:
        return label_w + v / ticks[-1] * plot_w

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
           f'font-family=\'{FONTS}\' font-size="11"><title>单位工作量 unit load</title>']
    lx = label_w
    for label, colour, is_cut in zip(years, colours, cut):
        text = f"{label} 截断" if is_cut else label
        out.append(f'<rect x="{lx}" y="8" width="12" height="10" fill="{colour}"/>'
                   f'<text x="{lx + 16}" y="17">{_e(text)}</text>')
        lx += 16 + 8 * len(text) + 24
    bottom = top + row_h * len(shown)
    for t in ticks:
        out.append(f'<line x1="{x(t):.1f}" y1="{top - 4}" x2="{x(t):.1f}" y2="{bottom}" stroke="#e8eaed"/>')
        out.append(f'<text x="{x(t):.1f}" y="{bottom + 14}" text-anchor="middle" fill="#5f6368">{_e(fmt_num(t))}</text>')
    out.append(f'<line x1="{label_w}" y1="{bottom}" x2="{label_w + plot_w}" y2="{bottom}" stroke="#5f6368"/>')
    out.append(f'<line x1="{label_w}" y1="{top - 4}" x2="{label_w}" y2="{bottom}" stroke="#5f6368"/>')
    out.append(f'<text x="{label_w + plot_w / 2:.0f}" y="{bottom + 30}" text-anchor="middle" fill="#5f6368">'
               f"事项数(任一角色) items, any role</text>")
    for i, name in enumerate(shown):
        y = top + i * row_h
        out.append(f'<text x="{label_w - 6}" y="{y + row_h / 2 + 2:.1f}" text-anchor="end">{_e(shorten(name, 14))}</text>')
        for pos, colour in enumerate(colours):
            v = load.get((name, pos), 0)
            by = y + pos * bar_h
            out.append(f'<rect x="{label_w}" y="{by}" width="{x(v) - label_w:.1f}" height="{bar_h - 1}" fill="{colour}">'
                       f"<title>{_e(name)} {_e(years[pos])}: {v}</title></rect>")
            out.append(f'<text x="{x(v) + 3:.1f}" y="{by + bar_h - 1.5}" font-size="9" fill="#5f6368">{v}</text>')
    out.append("</svg>")
    return "\n".join(out)
