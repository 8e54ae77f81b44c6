"""The hub's named queries: one function per fact, for the consolidated report and the
desktop app's Hub window alike. Each reads through row-level security: a role granted one
trust sees that trust only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import psycopg

__all__ = [
    "ActionCell",
    "DeadlineCounts",
    "DeadlineRow",
    "MoneyRow",
    "TrustRow",
    "actions_matrix",
    "deadline_counts",
    "deadlines",
    "money_by_year",
    "most_overdue",
    "pipeline",
    "trust_pipeline",
    "trusts",
]

Conn = psycopg.Connection[tuple[Any, ...]]


@dataclass(frozen=True)
class TrustRow:
    ods: str
    name: str
    fingerprint: str
    as_of: dt.date | None  # the date of the pack loaded, None if none yet
    loaded_at: dt.datetime | None
    includes_titles: bool
    cases: int


def trusts(conn: Conn) -> list[TrustRow]:
    """Every trust the caller may see, by ODS code, with its latest pack."""
    rows = conn.execute(
        "SELECT t.trust_ods, t.name, t.fingerprint, p.as_of, p.loaded_at, "
        "coalesce(p.includes_titles, false), "
        "(SELECT count(*) FROM hub.cases c WHERE c.trust_ods = t.trust_ods) "
        "FROM hub.trusts t LEFT JOIN hub.packs p ON p.trust_ods = t.trust_ods "
        "ORDER BY t.trust_ods"
    ).fetchall()
    return [TrustRow(r[0], r[1], r[2], r[3], r[4], bool(r[5]), int(r[6])) for r in rows]


def trust_pipeline(
    conn: Conn, ods: str, start: dt.date | None = None, end: dt.date | None = None
) -> dict[str, int]:
    """One trust's cases by stage (received in ``start``..``end`` when given)."""
    rows = conn.execute(
        "SELECT stage, count(*) FROM hub.cases WHERE trust_ods = %s "
        "AND (%s::date IS NULL OR received_on >= %s::date) "
        "AND (%s::date IS NULL OR received_on <= %s::date) GROUP BY stage",
        (ods, start, start, end, end),
    ).fetchall()
    return {str(stage): int(n) for stage, n in rows}


def pipeline(
    conn: Conn, start: dt.date | None = None, end: dt.date | None = None
) -> dict[str, dict[str, int]]:
    """Every visible trust's cases by stage: ``{ods: {stage: count}}``."""
    found: dict[str, dict[str, int]] = {}
    for ods, stage, n in conn.execute(
        "SELECT trust_ods, stage, count(*) FROM hub.cases "
        "WHERE (%s::date IS NULL OR received_on >= %s::date) "
        "AND (%s::date IS NULL OR received_on <= %s::date) GROUP BY trust_ods, stage",
        (start, start, end, end),
    ):
        found.setdefault(str(ods), {})[str(stage)] = int(n)
    return found


@dataclass(frozen=True)
class DeadlineRow:
    ods: str
    due: dt.date
    kind: str
    reference: str
    text: str


def deadlines(
    conn: Conn, today: dt.date, until: dt.date, ods: str | None = None
) -> list[DeadlineRow]:
    """Deadlines overdue at ``today`` or due up to ``until``, by trust then date."""
    rows = conn.execute(
        "SELECT trust_ods, due, kind, coalesce(reference, ''), coalesce(text, '') "
        "FROM hub.deadlines WHERE due <= %s AND (%s::text IS NULL OR trust_ods = %s) "
        "ORDER BY trust_ods, due, kind, reference",
        (until, ods, ods),
    ).fetchall()
    return [DeadlineRow(r[0], r[1], r[2], r[3], r[4]) for r in rows]


@dataclass(frozen=True)
class DeadlineCounts:
    overdue: int
    within_30_days: int
    by_until: int  # due from today up to ``until``


def deadline_counts(conn: Conn, today: dt.date, until: dt.date) -> dict[str, DeadlineCounts]:
    """Per trust: deadlines overdue at ``today``, due within 30 days, and due by ``until``."""
    soon = today + dt.timedelta(days=30)
    rows = conn.execute(
        "SELECT trust_ods, count(*) FILTER (WHERE due < %s), "
        "count(*) FILTER (WHERE due >= %s AND due <= %s), "
        "count(*) FILTER (WHERE due >= %s AND due <= %s) "
        "FROM hub.deadlines WHERE due <= %s GROUP BY trust_ods",
        (today, today, soon, today, until, max(until, soon)),
    ).fetchall()
    return {str(r[0]): DeadlineCounts(int(r[1]), int(r[2]), int(r[3])) for r in rows}


def most_overdue(conn: Conn, today: dt.date, per_trust: int) -> list[DeadlineRow]:
    """The ``per_trust`` longest-overdue deadlines of each trust."""
    # One index range per trust (trust_ods, due), not a sort of every overdue row.
    rows = conn.execute(
        "SELECT t.trust_ods, d.due, d.kind, d.reference, d.text FROM hub.trusts t "
        "CROSS JOIN LATERAL (SELECT due, kind, coalesce(reference, '') AS reference, "
        " coalesce(text, '') AS text FROM hub.deadlines WHERE trust_ods = t.trust_ods "
        " AND due < %s ORDER BY due, kind, reference LIMIT %s) AS d "
        "ORDER BY t.trust_ods, d.due, d.kind, d.reference",
        (today, per_trust),
    ).fetchall()
    return [DeadlineRow(r[0], r[1], r[2], r[3], r[4]) for r in rows]


@dataclass(frozen=True)
class ActionCell:
    ods: str
    action: str
    title: str
    status: str


def actions_matrix(conn: Conn) -> list[ActionCell]:
    """The five actions' status per trust, as the trust's register worked it out."""
    rows = conn.execute(
        "SELECT trust_ods, action, coalesce(title, action), status FROM hub.actions "
        "ORDER BY trust_ods"
    ).fetchall()
    return [ActionCell(r[0], r[1], r[2], r[3]) for r in rows]


@dataclass(frozen=True)
class MoneyRow:
    financial_year: int
    trusts: int
    spend_gbp: Decimal
    returns_gbp: Decimal


def money_by_year(conn: Conn, years: Sequence[int] | None = None) -> list[MoneyRow]:
    """Protection spend and returns by financial year across the visible trusts."""
    rows = conn.execute(
        "SELECT financial_year, count(DISTINCT trust_ods), sum(spend_gbp), sum(returns_gbp) "
        "FROM hub.money WHERE (%s::int[] IS NULL OR financial_year = ANY(%s::int[])) "
        "GROUP BY financial_year ORDER BY financial_year",
        (list(years) if years is not None else None,) * 2,
    ).fetchall()
    return [MoneyRow(int(r[0]), int(r[1]), Decimal(r[2]), Decimal(r[3])) for r in rows]
