"""Named queries for the hub pack (``nhsip_desktop/hub/pack.py``): what a trust shares.

Only the columns the trust agrees to share are read: stage, dates, kinds of IP, the latest
triage outcome and route of each submitted case (drafts never leave), and money totals by
financial year (1 April to 31 March). Rights, renewals and agreements come from the export's
named queries (``store/export_rows.py``); deadlines from ``store/deadlines.py``; the five
actions from ``register.governance``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, NamedTuple

from .export_rows import _date

if TYPE_CHECKING:
    from .register import Register

__all__ = ["HubCaseRow", "MoneyYearRow", "financial_year_of", "hub_cases", "money_by_year"]


class HubCaseRow(NamedTuple):
    reference: str
    stage: str
    kinds_of_ip: str  # "invention; software"
    received_on: dt.date | None
    feedback_due: dt.date | None
    feedback_given_on: dt.date | None
    triage_outcome: str  # the latest triage decision's label, "" if none
    route: str  # the latest route decision's label, "" if none
    route_decided_on: dt.date | None
    title: str
    summary: str


def hub_cases(reg: Register) -> Iterator[HubCaseRow]:
    """Every submitted case (not drafts), in reference order, with its latest triage outcome
    and route. Titles and summaries are read here; the pack leaves them out unless asked."""
    cur = reg.conn.execute(
        "SELECT c.reference, c.stage, c.ip_kinds, c.received_on, c.feedback_due, "
        "c.feedback_given_on, "
        "(SELECT d.outcome_label FROM decisions d WHERE d.case_id = c.id AND d.kind = 'triage' "
        " ORDER BY d.decided_on DESC, d.id DESC LIMIT 1), "
        "(SELECT d.outcome_label FROM decisions d WHERE d.case_id = c.id AND d.kind = 'route' "
        " ORDER BY d.decided_on DESC, d.id DESC LIMIT 1), "
        "(SELECT d.decided_on FROM decisions d WHERE d.case_id = c.id AND d.kind = 'route' "
        " ORDER BY d.decided_on DESC, d.id DESC LIMIT 1), "
        "c.title, c.summary "
        "FROM cases c WHERE c.stage != 'draft' ORDER BY c.ref_year, c.ref_number"
    )
    for r in cur:
        yield HubCaseRow(
            r[0],
            r[1],
            "; ".join(json.loads(r[2] or "[]")),
            _date(r[3]),
            _date(r[4]),
            _date(r[5]),
            r[6] or "",
            r[7] or "",
            _date(r[8]),
            r[9] or "",
            r[10] or "",
        )


class MoneyYearRow(NamedTuple):
    financial_year: int  # the year it starts: 2025 is 1 April 2025 to 31 March 2026
    spend_gbp: Decimal  # protection spend, VAT included
    returns_gbp: Decimal  # gross returns received


def financial_year_of(day: dt.date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def money_by_year(reg: Register) -> list[MoneyYearRow]:
    """Protection spend (amount + VAT) and gross returns by financial year, oldest first."""
    spend: dict[int, Decimal] = {}
    returns: dict[int, Decimal] = {}
    for spent_on, amount, vat in reg.conn.execute("SELECT spent_on, amount, vat FROM costs"):
        day = _date(spent_on)
        if day is not None:
            year = financial_year_of(day)
            spend[year] = spend.get(year, Decimal(0)) + Decimal(amount) + Decimal(vat or 0)
    for received_on, gross in reg.conn.execute("SELECT received_on, gross FROM returns"):
        day = _date(received_on)
        if day is not None:
            year = financial_year_of(day)
            returns[year] = returns.get(year, Decimal(0)) + Decimal(gross)
    return [
        MoneyYearRow(year, spend.get(year, Decimal(0)), returns.get(year, Decimal(0)))
        for year in sorted(set(spend) | set(returns))
    ]
