"""Financial years (Qt-free): the one rule every screen, paper and command uses.

The NHS financial year runs from 1 April to 31 March. A year is named by the calendar year it
starts in: the financial year 2026 is 1 April 2026 to 31 March 2027, written "2026 to 2027"
as GOV.UK writes financial years.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

__all__ = [
    "PeriodPart",
    "financial_year",
    "financial_year_of",
    "long_date",
    "period_parts",
    "period_text",
    "year_label",
]

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


@dataclass(frozen=True)
class PeriodPart:
    """One part of a reporting period: a quarter or a financial year, cut to the period."""

    label: str  # "Oct to Dec 2026", or "2026 to 2027"
    short: str  # for a chart axis: "Oct-Dec 26", or "2026-27"
    start: dt.date
    end: dt.date


def period_parts(start: dt.date, end: dt.date, max_quarters: int = 8) -> list[PeriodPart]:
    """``start``..``end`` cut into quarters of the financial year (April to June is the
    first), or into financial years when that would be more than ``max_quarters`` parts;
    the first and last parts are cut to the period, so the parts cover it exactly."""
    if end < start:
        raise ValueError("the period ends before it starts")
    quarters = (end.year - start.year) * 4 + (end.month - 1) // 3 - (start.month - 1) // 3 + 1
    parts: list[PeriodPart] = []
    if quarters <= max_quarters:
        first = dt.date(start.year, (start.month - 1) // 3 * 3 + 1, 1)
        while first <= end:
            month = first.month + 3
            following = dt.date(first.year + (month > 12), (month - 1) % 12 + 1, 1)
            names = f"{_MONTHS[first.month - 1][:3]}-{_MONTHS[first.month + 1][:3]}"
            parts.append(
                PeriodPart(
                    f"{names.replace('-', ' to ')} {first.year}",
                    f"{names} {first.year % 100:02d}",
                    max(first, start),
                    min(following - dt.timedelta(days=1), end),
                )
            )
            first = following
        return parts
    for year in range(financial_year_of(start), financial_year_of(end) + 1):
        first, last = financial_year(year)
        parts.append(
            PeriodPart(
                year_label(year),
                f"{year}-{(year + 1) % 100:02d}",
                max(first, start),
                min(last, end),
            )
        )
    return parts
