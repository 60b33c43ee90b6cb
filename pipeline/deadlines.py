"""Deadlines: the date a printed deadline means (``6月底前`` -> June 30 of the plan year)."""

from __future__ import annotations

import calendar
import datetime as dt

from .rules.sets import DeadlineRules
from .text import chinese_numeral

_QUARTER_END = {1: (3, 31), 2: (6, 30), 3: (9, 30), 4: (12, 31)}


def parse_deadline(text: str | None, year: int | None, rules: DeadlineRules) -> dt.date | None:
    """The date a deadline names, or None (ongoing work, or no year to anchor it).

    A 文号 (〔2025〕1号) is never read as a date.
    """
    if not text:
        return None
    t = text.strip()
    if any(p.fullmatch(t) for p in rules.ongoing):
        return None
    for p in rules.patterns:
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
                if g["half"] not in rules.halves:
                    return None
                mm, dd = rules.halves[g["half"]].split("-")
                return dt.date(y, int(mm), int(dd))
            if g.get("quarter"):
                return dt.date(y, *_QUARTER_END[chinese_numeral(g["quarter"])])
            if g.get("month"):
                month = chinese_numeral(g["month"])
                if g.get("day"):
                    return dt.date(y, month, int(g["day"]))
                span = m[0]
                last = calendar.monthrange(y, month)[1]
                day = next((d for part, d in rules.month_parts.items() if part in span), last)
                return dt.date(y, month, day)
            if g.get("year"):
                return dt.date(y, 12, 31)
        except ValueError:
            return None
    return None
