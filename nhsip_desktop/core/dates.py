"""Dates as people type them (dd/mm/yyyy), with a message that says what is wrong."""

from __future__ import annotations

import calendar
import datetime as dt
import re

# Day-month-year with slashes, dashes or dots, and ISO year-month-day.
_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_YMD = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def parse_date(text: str) -> dt.date | None:
    """dd/mm/yyyy (also d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy and yyyy-mm-dd); None when empty.

    Raises ValueError with a sentence for the person: a date written the right way that does
    not exist (31/02/2026) is "not a real date" and says why; anything else is "not a date".
    """
    text = text.strip()
    if not text:
        return None
    if match := _DMY.fullmatch(text):
        day, month, year = (int(g) for g in match.groups())
    elif match := _YMD.fullmatch(text):
        year, month, day = (int(g) for g in match.groups())
    else:
        raise ValueError(f"{text!r} is not a date: use dd/mm/yyyy, e.g. 03/12/2026.")
    if year < 1:
        raise ValueError(f"{text!r} is not a real date: there is no year {year}.")
    if not 1 <= month <= 12:
        raise ValueError(f"{text!r} is not a real date: there is no month {month}.")
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        raise ValueError(
            f"{text!r} is not a real date: {calendar.month_name[month]} {year} has {last} days."
        )
    return dt.date(year, month, day)
