"""Per-unit task lists (单位任务清单) as Markdown and as a self-contained HTML page.

Same rows as the workbook's 单位任务清单 sheet (:func:`pipeline.export.views.unit_tasks`): one section
per unit, in order of first mention, with a count of its tasks by role. The HTML page has inline CSS,
no script, and starts every unit on a new printed page.
"""

from __future__ import annotations

import html as _html
from collections.abc import Sequence
from itertools import groupby

from ..records import column_label
from .dataset import Notice
from .views import ACTING_NOTE, ROLE_LABELS, UnitTask, lead_names, role_counts, unit_tasks

HEADERS = ("序号", "角色", column_label("items", "text"), ROLE_LABELS["lead"],
           column_label("items", "deadline_text"), "量化目标")


def _cells(r: UnitTask) -> list[str]:
    t = r.task
    return [str(t.item.item_seq), r.role, t.item.text, lead_names(t), t.item.deadline_text or "", t.targets]


def _units(notice: Notice) -> list[tuple[str, list[UnitTask]]]:
    return [(unit, list(rows)) for unit, rows in groupby(unit_tasks(notice), key=lambda r: r.unit)]


def _intro(notice: Notice, units: Sequence[tuple[str, list[UnitTask]]]) -> list[str]:
    """The lines under the title: issuer, counts, and the acting-lead note when it applies."""
    d = notice.document
    out = [f"{d.issuer or ''} · {len(units)} 个单位 · 文档 {d.doc_id}"]
    if any(r.task.acting for _, rows in units for r in rows):
        out.append(ACTING_NOTE)
    return out


def counts_text(rows: Sequence[UnitTask]) -> str:
    """``牵头单位 2 项 · 配合单位 1 项``: a unit's tasks by role."""
    return " · ".join(f"{role} {n} 项" for role, n in role_counts(rows).items())


def _heading(notice: Notice) -> str:
    d = notice.document
    return "　".join(p for p in ("单位任务清单", d.doc_number or "", d.title or "") if p)


def md_cell(text: str) -> str:
    """Text safe inside a Markdown table cell.

    >>> md_cell("a|b\\nc")
    'a\\\\|b<br>c'
    """
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", "<br>")


def markdown(notice: Notice) -> str:
    """The per-unit lists of one notice as Markdown."""
    units = _units(notice)
    out = [f"# {_heading(notice)}", ""]
    for line in _intro(notice, units):
        out += [line, ""]
    for unit, rows in units:
        out += [f"## {unit}", "", counts_text(rows), "",
                "| " + " | ".join(HEADERS) + " |", "|" + " --- |" * len(HEADERS)]
        out += ["| " + " | ".join(md_cell(c) for c in _cells(r)) + " |" for r in rows]
        out.append("")
    return "\n".join(out)


_CSS = """
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", SimSun, sans-serif; margin: 2em;
       color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 2em; border-bottom: 2px solid #4472c4; }
nav a { margin-right: 1em; white-space: nowrap; }
table { border-collapse: collapse; width: 100%; font-size: 0.92em; }
th, td { border: 1px solid #999; padding: 0.3em 0.5em; vertical-align: top; text-align: left; }
th { background: #d9e1f2; white-space: nowrap; } td:first-child { text-align: center; white-space: nowrap; }
td:nth-child(3) { min-width: 20em; }
td:nth-child(2) { white-space: nowrap; } .counts { color: #555; }
@media print { section { break-before: page; } nav { display: none; } thead { display: table-header-group; } }
"""


def html(notice: Notice) -> str:
    """The per-unit lists of one notice as a self-contained HTML page."""
    e = _html.escape
    units = _units(notice)
    parts = ["<!DOCTYPE html>", '<html lang="zh-CN"><head><meta charset="utf-8">',
             f"<title>{e(_heading(notice))}</title><style>{_CSS}</style></head><body>",
             f"<h1>{e(_heading(notice))}</h1>",
             *(f"<p>{e(line)}</p>" for line in _intro(notice, units)),
             "<nav>" + "".join(f'<a href="#u{i}">{e(u)}</a>' for i, (u, _) in enumerate(units, 1)) + "</nav>"]
    head = "".join(f"<th>{e(h)}</th>" for h in HEADERS)
    for i, (unit, rows) in enumerate(units, 1):
        body = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in _cells(r)) + "</tr>" for r in rows)
        parts.append(f'<section id="u{i}"><h2>{e(unit)}</h2><p class="counts">{e(counts_text(rows))}</p>'
                     f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></section>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
