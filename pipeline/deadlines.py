"""Deadlines: the date a printed deadline means (``6月底前`` -> June 30 of the plan year)."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any, Mapping

from .metadata import cn_small_int

_QUARTER_END = {1: (3, 31), 2: (6, 30), 3: (9, 30), 4: (12, 31)}
_CN_Q = {"一": 1, "二": 2, "三": 3, "四": 4}


def parse_deadline(text: str | None, year: int | None, rules: Mapping[str, Any]) -> dt.date | None:
    """The date a deadline names, or None (ongoing work, or no year to anchor it).

    ``rules`` is ``rules/deadlines.toml``. A 文号 (〔2025〕1号) is never read as a date.
    """
    if not text:
        return None
    t = text.strip()
    if any(p.fullmatch(t) for p in rules["ongoing"]):
        return None
    for p in rules["patterns"]:
        m = p.search(t)
        if not m:
            continue
        before = t[max(0, m.start() - 1):m.start()]
        if before in "〔[［(（" and before:
            continue  # 〔2025〕 is a 文号, not a year
        g = m.groupdict()
        y = int(g["year"]) if g.get("year") else year
        if y is None:
            return None
        try:
            if g.get("yearend"):
                return dt.date(y, 12, 31)
            if g.get("half"):
                return dt.date(y, 6, 30) if g["half"] == "上半年" else dt.date(y, 12, 31)
            if g.get("quarter"):
                q = _CN_Q.get(g["quarter"]) or int(g["quarter"])
                return dt.date(y, *_QUARTER_END[q])
            if g.get("month"):
                month = cn_small_int(g["month"])
                if g.get("day"):
                    return dt.date(y, month, int(g["day"]))
                span = m[0]
                last = calendar.monthrange(y, month)[1]
                day = 10 if "上旬" in span else 20 if "中旬" in span else last
                return dt.date(y, month, day)
            if g.get("year"):
                return dt.date(y, 12, 31)
        except ValueError:
            return None
    return None
