"""Financial years (Qt-free): the one rule every screen, paper and command uses.

The NHS financial year runs from 1 April to 31 March. A year is named by the calendar year it
starts in: the financial year 2026 is 1 April 2026 to 31 March 2027, written "2026 to 2027"
as GOV.UK writes financial years.
"""

from __future__ import annotations

import datetime as dt

__all__ = ["financial_year", "financial_year_of", "long_date", "period_text", "year_label"]

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def financial_year_of(day: dt.date) -> int:
    """The financial year ``day`` falls in, by the year it starts: 21/11/2026 -> 2026,
    31/03/2027 -> 2026, 01/04/2027 -> 2027."""
    return day.year if day.month >= 4 else day.year - 1


def financial_year(year: int) -> tuple[dt.date, dt.date]:
    """The financial year starting in ``year``: 1 April ``year`` to 31 March ``year + 1``."""
    return dt.date(year, 4, 1), dt.date(year + 1, 3, 31)


def long_date(value: dt.date) -> str:
    """1 April 2026 (month names in English whatever the locale)."""
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def year_label(year: int) -> str:
    """ "2026 to 2027", as GOV.UK writes financial years."""
    return f"{year} to {year + 1}"


def period_text(year: int) -> str:
    """ "1 April 2026 to 31 March 2027"."""
    start, end = financial_year(year)
    return f"{long_date(start)} to {long_date(end)}"
