"""Numbers, labels and word diffs as the reports show them (pure).

Labels are bilingual: Chinese first, English after, so a reader of either language can follow.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

import regex

from ..records import Document
from ..segment import tokenizer

_QUALIFIER = {"around": ("", "左右"), "at_least": ("", "以上"), "at_most": ("", "以内"), "over": ("超", ""),
              "exact": ("", "")}

STATUS = {
    "continued": ("延续", "continued"),
    "modified": ("调整", "modified"),
    "new": ("新增", "new"),
    "dropped": ("删除", "dropped"),
    "unknown": ("未知(截断)", "unknown: capture cut"),
}
CHANGE = {
    "up": ("上调", "raised"), "down": ("下调", "lowered"), "same": ("相同", "same"),
    "qualifier": ("限定变化", "qualifier changed"), "incomparable": ("单位不同", "other unit"),
    "new": ("新增", "new"), "dropped": ("删除", "dropped"), "unknown": ("未知(截断)", "unknown: capture cut"),
}
ASSESSMENT = {
    "better": ("更好", "better"), "worse": ("更差", "worse"), "unchanged": ("不变", "unchanged"),
    "not comparable": ("不可比", "not comparable"),
}
BASIS = {
    "value": ("承诺值变化", "committed value moved"), "qualifier": ("限定词更严或更松", "firmer or looser qualifier"),
    "same": ("", ""), "units": ("单位不同", "units differ"), "one_side": ("只有一方", "one side only"),
    "neutral": ("中性指标", "neutral metric"),
}
POLARITY = {"higher": ("越高越好", "higher is better"), "lower": ("越低越好", "lower is better"),
            "neutral": ("中性", "neutral")}
KIND = {"growth": ("增速", "growth"), "rate": ("比率", "rate"), "count": ("数量", "count"), "amount": ("金额", "amount"),
        "quantity": ("实物量", "quantity")}
MATCH = {"same": ("同一指标", "same indicator"), "different": ("不同指标", "different indicators"), "none": ("", "")}
PAIRED_BY = {"best_first": ("相似度优先", "best first"), "same_slot": ("同位相邻", "same slot"), "": ("", "")}
SOURCE = {"rule": ("规则更名", "renamed by rule"), "catch_all": ("统称归并", "catch-all grouped"),
          "proposed": ("建议更名(未合并)", "proposed, not merged")}


def zh_en(table: dict[str, tuple[str, str]], key: str) -> str:
    """A bilingual label: ``中文 English`` (empty when both are).

    >>> zh_en(ASSESSMENT, "worse"), zh_en(STATUS, "unknown")
    ('更差 worse', '未知(截断) unknown: capture cut')
    """
    zh, en = table.get(key, (key, ""))
    return f"{zh} {en}".strip()


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


def year_label(d: Document) -> str:
    """The year a notice is shown under (its doc_id when it has no plan year)."""
    return str(d.year) if d.year else d.doc_id


def doc_title(d: Document) -> str:
    """文号 and title, else the doc_id."""
    parts = [p for p in (d.doc_number, d.title) if p]
    return " ".join(parts) if parts else d.doc_id


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


def shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis.

    >>> shorten("推进冷链物流园建设", 5), shorten("建设", 5)
    ('推进冷链…', '建设')
    """
    return text if len(text) <= limit else text[:limit - 1] + "…"


def runs_side(runs: Iterable[tuple[str, str]], side: str) -> list[tuple[str, str]]:
    """The runs one side of a diff shows: equal, and delete (old) or insert (new)."""
    keep = "delete" if side == "old" else "insert"
    return [(op, t) for op, t in runs if op in ("equal", keep)]
