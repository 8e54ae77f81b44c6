"""Deadlines beyond the UK renewal calendar, from versioned data (Qt-free, standard library).

The rules live in ``resources/deadline_rules/*.json`` (``<id>-v<version>.json``), each citing
its source: the UK IPO's closed-day rule with the England and Wales bank holidays as dated
data, priority periods, late-payment months and surcharges, restoration windows, the PCT
national and regional phase (30 and 31 months from the earliest priority date, by office), and
European patents (EPO renewal fees before grant from the 3rd year; validation after grant).

Every function takes a :class:`DeadlineRules` (``load_rules()`` reads the newest shipped
version of each file) so a test or a later version can supply its own.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from nhsip_desktop.core.resources import resource_path

FORMAT = "nhsip-deadline-rules"

__all__ = [
    "DeadlineRules",
    "EpoRenewal",
    "Office",
    "RuleError",
    "add_months",
    "ep_validation_deadline",
    "epo_renewals_before_grant",
    "ipo_working_day",
    "load_rules",
    "pct_phase_deadlines",
    "restoration_deadline",
]


class RuleError(ValueError):
    """A deadline rules file is malformed: names the file and the field."""

    def __init__(self, source: str, where: str, problem: str) -> None:
        super().__init__(f"The deadline rules file {source} is not usable: {where}: {problem}")


_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _days_in_month(year: int, month: int) -> int:
    """``calendar.monthrange(year, month)[1]`` without working out the weekday (called tens
    of thousands of times for the deadline list of a large register)."""
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        return 29
    return _MONTH_DAYS[month - 1]


def add_months(d: dt.date, n: int) -> dt.date:
    """``d`` moved by ``n`` months, the day clamped to the month's end (31/01 + 1 = 28/02 or
    29/02 in a leap year)."""
    index = d.month - 1 + n
    year, month = d.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(d.day, _days_in_month(year, month)))


def _month_end(d: dt.date) -> dt.date:
    return dt.date(d.year, d.month, _days_in_month(d.year, d.month))


@dataclass(frozen=True)
class Office:
    code: str
    name: str
    months: int


@dataclass(frozen=True)
class DeadlineRules:
    """The rules in force, with where each came from (``sources``: rule name -> citation)."""

    versions: dict[str, int]
    holidays: dict[dt.date, str]
    holidays_from: int
    holidays_until: int
    holidays_published_until: dt.date
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)

    def rule(self, name: str) -> dict[str, Any]:
        return self.rules[name]

    def source(self, name: str) -> str:
        return str(self.rules[name]["source"])

    def number(self, name: str, key: str) -> int:
        return int(self.rules[name][key])

    def money(self, name: str, key: str) -> Decimal:
        return Decimal(str(self.rules[name][key]))

    def pct_offices(self) -> tuple[Office, ...]:
        return tuple(
            Office(o["code"], o["name"], int(o["months"]))
            for o in self.rules["pct_national_phase"]["offices"]
        )


def _read(path: Path) -> dict[str, Any]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RuleError(path.name, "file", f"cannot be read as JSON ({exc})") from exc
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise RuleError(path.name, "format", f"must be {FORMAT!r}")
    for key in ("id", "version", "title"):
        if key not in raw:
            raise RuleError(path.name, key, "is missing")
    for name, rule in raw.get("rules", {}).items():
        if not isinstance(rule, dict) or not str(rule.get("source", "")).strip():
            raise RuleError(path.name, f"rules.{name}.source", "every rule cites its source")
        if not str(rule.get("text", "")).strip():
            raise RuleError(path.name, f"rules.{name}.text", "every rule says what it means")
    return raw


def load_rules(folder: Path | None = None) -> DeadlineRules:
    """The newest version of each rules file in ``folder`` (default: the shipped ones)."""
    folder = folder or resource_path("deadline_rules")
    newest: dict[str, dict[str, Any]] = {}
    for path in sorted(folder.glob("*.json")):
        raw = _read(path)
        if raw["id"] not in newest or raw["version"] > newest[raw["id"]]["version"]:
            newest[raw["id"]] = raw
    holidays_raw = newest.get("uk-bank-holidays-england-wales")
    if holidays_raw is None:
        raise RuleError(str(folder), "uk-bank-holidays-england-wales", "no bank holiday file")
    holidays = {dt.date.fromisoformat(h["date"]): h["name"] for h in holidays_raw["days"]}
    rules: dict[str, dict[str, Any]] = {}
    prefixes = {"uk-ipo": "", "pct": "pct_", "epo": "epo_"}
    for file_id, prefix in prefixes.items():
        if file_id not in newest:
            raise RuleError(str(folder), file_id, "this rules file is missing")
        for name, rule in newest[file_id]["rules"].items():
            rules[prefix + name] = rule
    return DeadlineRules(
        versions={k: int(v["version"]) for k, v in newest.items()},
        holidays=holidays,
        holidays_from=int(holidays_raw["first_year"]),
        holidays_until=int(holidays_raw["last_year"]),
        holidays_published_until=dt.date.fromisoformat(holidays_raw["published_until"]),
        rules=rules,
    )


@cache
def shipped_rules() -> DeadlineRules:
    """The shipped rules, read once."""
    return load_rules()


# -- the UK IPO's closed days ----------------------------------------------------------------
def ipo_working_day(d: dt.date, rules: DeadlineRules) -> dt.date:
    """``d``, or the next day the UK IPO is open when ``d`` is a Saturday, a Sunday or a bank
    holiday in England and Wales (Patents Rules 2007 r.110: 26/12/2026, a Saturday, and
    28/12/2026, a substitute bank holiday, move to 29/12/2026)."""
    while d.weekday() >= 5 or d in rules.holidays:
        d += dt.timedelta(days=1)
    return d


def closed_day_note(d: dt.date, rules: DeadlineRules) -> str:
    """Why ``d`` moves, in words ("Saturday", "Good Friday"), or "" when the IPO is open."""
    moved = ipo_working_day(d, rules)
    if moved == d:
        return ""
    why = rules.holidays.get(d) or d.strftime("%A")
    return (
        f"{d:%d/%m/%Y} is a day the IPO is closed ({why}), so the last day is "
        f"{moved:%d/%m/%Y} ({rules.source('closed_days')})"
    )


# -- priority --------------------------------------------------------------------------------
def earliest_priority(filing_date: dt.date, priority_date: dt.date | None) -> dt.date:
    return min(filing_date, priority_date or filing_date)


# -- PCT -------------------------------------------------------------------------------------
def pct_phase_deadlines(
    priority: dt.date, rules: DeadlineRules
) -> list[tuple[int, dt.date, tuple[Office, ...]]]:
    """For each period (30 and 31 months) from the earliest priority date: its last day and
    the main offices that use it. Month ends are clamped: 30 months after 31/08/2025 is
    29/02/2028 (a leap year); 31 months after 31/07/2026 is 28/02/2029."""
    offices = rules.pct_offices()
    out = []
    for months in sorted({int(m) for m in rules.rule("pct_national_phase")["months"]}):
        out.append(
            (months, add_months(priority, months), tuple(o for o in offices if o.months == months))
        )
    return out


# -- European patents ------------------------------------------------------------------------
@dataclass(frozen=True)
class EpoRenewal:
    """One EPO renewal fee before grant: for ``year``, due on the last day of the month of
    the anniversary; payable from ``window_opens``; up to ``late_until`` with a surcharge."""

    year: int
    anniversary: dt.date
    due: dt.date
    window_opens: dt.date
    late_until: dt.date
    surcharge_percent: int


def epo_renewals_before_grant(
    filing_date: dt.date, rules: DeadlineRules, *, grant_date: dt.date | None = None
) -> list[EpoRenewal]:
    """EPO renewal fees from the 3rd year (EPC r.51): the fee for year N falls due at the end
    of the month of the (N-1)th anniversary of the filing date (year 3: 2nd anniversary). No
    fee falls due after the mention of grant (``grant_date``): they go to each country. Up to
    year 20."""
    first = rules.number("epo_renewal_before_grant", "first_year")
    before = rules.number("epo_renewal_before_grant", "payable_months_before")
    late = rules.number("epo_renewal_before_grant", "late_months")
    pct = rules.number("epo_renewal_before_grant", "surcharge_percent")
    out = []
    for year in range(first, 21):
        anniversary = add_months(filing_date, 12 * (year - 1))
        due = _month_end(anniversary)
        if grant_date is not None and due > grant_date:
            break
        out.append(
            EpoRenewal(
                year,
                anniversary,
                due,
                add_months(due, -before),
                _month_end(add_months(due, late)),
                pct,
            )
        )
    return out


def ep_validation_deadline(grant_date: dt.date, rules: DeadlineRules) -> dt.date:
    """The usual last day to validate a granted European patent: 3 months from the mention of
    grant (grant 30/11/2026: 28/02/2027; grant 29/11/2027: 29/02/2028)."""
    return add_months(grant_date, rules.number("epo_validation", "months_after_grant"))


# -- restoration -----------------------------------------------------------------------------
def restoration_deadline(kind: str, due: dt.date, rules: DeadlineRules) -> dt.date:
    """The last day to apply to restore a right whose renewal due on ``due`` was not paid.

    ``kind`` "patent": 19 months from the due date (31/05/2030: 31/12/2031); "design": 12
    months from expiry, the renewal date; "trade_mark": 6 months from removal, which follows
    the 6 months for late renewal (so 12 months from expiry)."""
    if kind == "patent":
        return _month_end(add_months(due, rules.number("patent_restoration", "months_from_due")))
    if kind == "design":
        return add_months(due, rules.number("design_restoration", "months_from_expiry"))
    removal = add_months(due, rules.number("trade_mark_late_payment", "months"))
    return add_months(removal, rules.number("trade_mark_restoration", "months_from_removal"))
