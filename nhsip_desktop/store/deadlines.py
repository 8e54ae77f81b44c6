"""Every deadline in the register, gathered in one place for the upcoming-deadlines view.

Rights (renewals, priority, portfolio reviews), feedback due to innovators (step 5), recorded
next actions, confidentiality alerts (step 4: a notice from the moment a disclosure is
planned, urgent within the alert window), and agreements' obligations, end and
notice dates and TTC reviews (step 9), and governance (no SRO, policy review due,
training). Cheap on a large register: the case deadlines come from indexed date columns,
filtered to the window, and only the rights that can have a deadline in the window are read
(by their next renewal due date, next review, filing date and status columns); the rules in
``renewals.right_deadlines`` still decide each right's deadlines.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from nhsip_desktop.assets.deadline_rules import shipped_rules
from nhsip_desktop.assets.renewals import (
    PRIORITY_SHOWN_AFTER_MONTHS,
    Deadline,
    UpcomingSummary,
    add_months,
    priority_deadline,
    priority_months,
    right_deadlines,
    summarise_upcoming,
    upcoming,
)
from nhsip_desktop.assets.rights import Right, RightStatus
from nhsip_desktop.cases.model import Stage
from nhsip_desktop.cases.stages import AlertLevel, alert_text

if TYPE_CHECKING:
    from nhsip_desktop.assets.fees import FeeSchedule

    from .register import Register


def rights_deadlines(
    rights: Sequence[Right],
    today: dt.date,
    schedule: FeeSchedule | None,
    references: dict[int, str],
    until: dt.date | None = None,
    filings: Sequence[Right] | None = None,
) -> list[Deadline]:
    """``renewals.register_deadlines`` without its all-pairs scan: the same deadlines (only
    those due by ``until`` when given, see ``renewals.right_deadlines``). ``filings``: the
    rights that may be foreign filings of ``rights`` (by default ``rights`` themselves): at
    least every filing outside GB sharing a case or a priority date with one of them.

    A right's priority deadline is dropped only when a filing outside GB of the same kind
    claims the same priority date or belongs to the same case, so each right is checked
    against just those filings (indexed here) instead of every right in the register: with
    30,000 rights the all-pairs scan alone took seconds.
    """
    by_case: dict[int, list[Right]] = {}
    by_priority: dict[dt.date, list[Right]] = {}
    for right in rights if filings is None else filings:
        if right.is_gb:
            continue  # only filings outside GB count as foreign filings
        if right.case_id is not None:
            by_case.setdefault(right.case_id, []).append(right)
        if right.priority_date is not None:
            by_priority.setdefault(right.priority_date, []).append(right)
    found: list[Deadline] = []
    for right in rights:
        related: list[Right] = []
        if right.case_id is not None:
            related += by_case.get(right.case_id, ())
        base = right.filing_date
        if base is not None:
            base = min(base, right.priority_date or base)
            related += by_priority.get(base, ())  # duplicates are harmless
        reference = references.get(right.case_id) if right.case_id is not None else None
        found += right_deadlines(
            right, today, schedule, reference=reference, related=related, until=until
        )
    return found


def all_deadlines(register: Register, today: dt.date, days: int = 90) -> list[Deadline]:
    """Deadlines overdue or due within ``days``, overdue first (see ``renewals.upcoming``)."""
    return upcoming(_window_deadlines(register, today, days), today, days)


def deadline_summary(
    register: Register, today: dt.date, days: int = 90, shown: int = 5
) -> UpcomingSummary:
    """:func:`all_deadlines` counted, with its first ``shown`` picked out, for a paper that
    states the counts and lists a few (``renewals.summarise_upcoming``). Cases' feedback and
    next actions (tens of thousands on a large register) are counted by date in SQL, and
    only the first ``shown`` of each are read, in the list's order (by date, then
    reference: no two cases share one)."""
    until = today + dt.timedelta(days=days)
    found = _window_deadlines(register, today, days, case_dates=False)
    groups = [_case_group(register, kind, until, shown) for kind in (KIND_FEEDBACK, KIND_ACTION)]
    return summarise_upcoming(found, today, days, shown, groups)


KIND_FEEDBACK = "feedback"
KIND_ACTION = "action"
FEEDBACK_TEXT = "Give the innovator feedback (step 5)"
# Which cases have a feedback or next-action deadline by :horizon, as the list's loop decides.
_CASE_DATES = {
    KIND_FEEDBACK: (
        "feedback_due",
        f"'{FEEDBACK_TEXT}'",
        "stage IN ('submitted', 'in_triage', 'decision_made') AND feedback_given_on IS NULL "
        "AND feedback_due != '' AND feedback_due <= :horizon",
    ),
    KIND_ACTION: (
        "next_action_due",
        "next_action",
        "stage != 'closed' AND next_action != '' AND next_action_due != '' "
        "AND next_action_due <= :horizon",
    ),
}


def _case_group(
    register: Register, kind: str, until: dt.date, shown: int
) -> tuple[list[Deadline], list[tuple[dt.date, int]]]:
    """The first ``shown`` feedback or next-action deadlines in the list's order (due date,
    then reference, then text: ISO dates and text sort in SQL as in Python), and how many
    fall on each date."""
    column, text, where = _CASE_DATES[kind]
    args = {"horizon": until.isoformat(), "shown": shown}
    day = dt.date.fromisoformat
    first = [
        Deadline(day(due), kind, words, ref, f"case:{case_id}:{kind}", False)
        for case_id, ref, words, due in register.conn.execute(
            f"SELECT id, reference, {text}, {column} FROM cases WHERE {where} "
            f"ORDER BY {column}, reference, {text} LIMIT :shown",
            args,
        )
    ]
    dates = [
        (day(due), int(n))
        for due, n in register.conn.execute(
            f"SELECT {column}, count(*) FROM cases WHERE {where} GROUP BY {column}", args
        )
    ]
    return first, dates


# A GB filing's priority deadline (12 months from its priority or filing date) is shown until
# 2 months after it: never 430 days after the filing date (14 months are at most 428 days).
PRIORITY_SHOWN_DAYS_AFTER_FILING = 430


def _rights_in_window(register: Register, today: dt.date, until: dt.date) -> list[Right]:
    """The rights that can have a deadline due by ``until`` as of ``today`` (a few more may be
    read; the rules in ``renewals.right_deadlines`` decide): read by indexed columns instead of
    working out the deadlines of every right (30,000 at 100,000 cases, most with none due).

    - a renewal: its next renewal due date (``rights.renewal_due``, kept with each save) by
      ``until``; no renewal deadline is dated earlier;
    - a portfolio review (``rights.next_review``) by ``until``;
    - a priority deadline: filed within the last 430 days (see above);
    - PCT phase: filed or published, and filed within the longest phase period plus the 2
      months it stays listed (a few days' margin); EPO renewal fees before grant: every
      filed or published European application;
    - the validation of a granted European patent: granted within its validation period plus
      the 2 months it stays listed (a few days' margin).
    """
    rules = shipped_rules()
    validation_days = (rules.number("epo_validation", "months_after_grant") + 2) * 31 + 1
    pct_months = max(int(m) for m in rules.rule("pct_national_phase")["months"])
    pct_days = (pct_months + 2) * 31 + 1
    rows = register.conn.execute(
        "SELECT data FROM rights WHERE renewal_due <= :until "
        "OR next_review <= :until "
        "OR filing_date >= :recent "
        "OR (status IN (:filed, :published) "
        "    AND (jurisdiction LIKE '%ep%' OR filing_date >= :pct_since)) "
        "OR (status = :granted AND jurisdiction LIKE '%ep%' "
        "    AND json_extract(data, '$.grant_date') >= :granted_since) "
        "ORDER BY filing_date, id",
        {
            "until": until.isoformat(),
            "recent": (today - dt.timedelta(days=PRIORITY_SHOWN_DAYS_AFTER_FILING)).isoformat(),
            "filed": RightStatus.FILED.value,
            "published": RightStatus.PUBLISHED.value,
            "granted": RightStatus.GRANTED.value,
            "pct_since": (today - dt.timedelta(days=pct_days)).isoformat(),
            "granted_since": (today - dt.timedelta(days=validation_days)).isoformat(),
        },
    )
    return [Right.from_json(json.loads(r[0])) for r in rows]


def _foreign_filings(register: Register, rights: Sequence[Right], today: dt.date) -> list[Right]:
    """Every right outside GB that shares a case or a priority date with a GB right of
    ``rights`` whose priority deadline is still listed (a few more may be read;
    ``rights_deadlines`` checks): what decides whether those priority deadlines are still
    open, wherever the filings are in the register."""
    gb = [
        r
        for r in rights
        if r.is_gb
        and r.right_type.registered
        and r.filing_date is not None
        and r.status not in (RightStatus.DRAFTING, RightStatus.SOLD)
        and today
        <= add_months(
            priority_deadline(
                min(r.filing_date, r.priority_date or r.filing_date),
                priority_months(r.right_type),
            ),
            PRIORITY_SHOWN_AFTER_MONTHS,
        )
    ]
    case_ids = sorted({r.case_id for r in gb if r.case_id is not None})
    bases = sorted(
        {
            min(r.filing_date, r.priority_date or r.filing_date).isoformat()
            for r in gb
            if r.filing_date is not None
        }
    )
    if not case_ids and not bases:
        return []
    rows = register.conn.execute(
        "SELECT data FROM rights WHERE upper(jurisdiction) NOT IN ('GB', 'UK') AND ("
        "case_id IN (SELECT value FROM json_each(:cases)) "
        "OR json_extract(data, '$.priority_date') IN (SELECT value FROM json_each(:bases)))",
        {"cases": json.dumps(case_ids), "bases": json.dumps(bases)},
    )
    return [r for r in (Right.from_json(json.loads(row[0])) for row in rows) if not r.is_gb]


def _window_deadlines(
    register: Register, today: dt.date, days: int, *, case_dates: bool = True
) -> list[Deadline]:
    """Every deadline :func:`all_deadlines` lists, in no particular order (and perhaps a few
    after the window, which ``upcoming`` leaves out); without cases' feedback and next
    actions when ``case_dates`` is False (:func:`deadline_summary` counts them in SQL)."""
    until = today + dt.timedelta(days=days)
    horizon = until.isoformat()
    conn = register.conn
    rights = _rights_in_window(register, today, until)
    filings = _foreign_filings(register, rights, today)
    # The references of the cases with rights, straight from SQL (building every such case
    # as a Case object cost over a second with 30,000 rights).
    case_ids = sorted({r.case_id for r in rights if r.case_id is not None})
    references: dict[int, str] = {
        int(case_id): str(reference)
        for case_id, reference in conn.execute(
            "SELECT id, reference FROM cases WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(case_ids),),
        )
    }
    found = rights_deadlines(
        rights, today, register.reference.fee_schedule(), references, until, filings
    )
    # Only the columns needed, straight from SQL: a large register can have tens of thousands
    # of dated actions, and building full Case objects for them would cost a second.
    if case_dates:
        rows = conn.execute(
            "SELECT id, reference, stage, feedback_due, feedback_given_on, next_action, "
            "next_action_due, alert_on, alert_planned, alert_reason FROM cases "
            "WHERE stage != 'closed' AND ("
            " (feedback_due <= ? AND feedback_given_on IS NULL"
            "  AND stage IN ('submitted', 'in_triage', 'decision_made'))"
            " OR (next_action_due <= ? AND next_action != '')"
            " OR (alert_on IS NOT NULL))",
            (horizon, horizon),
        )
    else:  # alerts only
        rows = conn.execute(
            "SELECT id, reference, stage, NULL, NULL, '', NULL, alert_on, alert_planned, "
            "alert_reason FROM cases WHERE stage != 'closed' AND alert_on IS NOT NULL"
        )
    window = int(register.settings.get("disclosure_alert_days"))
    waiting = {"submitted", "in_triage", "decision_made"}
    day = dt.date.fromisoformat
    for (
        case_id,
        ref,
        stage,
        fb_due,
        fb_given,
        action,
        action_due,
        alert_on,
        planned,
        reason,
    ) in rows:
        if alert_on:
            alert = alert_text(
                Stage(stage),
                day(alert_on),
                bool(planned),
                reason,
                today=today,
                window_days=window,
            )
            if alert:
                due = day(alert_on) if planned else today
                urgent = not alert.startswith(AlertLevel.NOTICE.prefix)
                found.append(Deadline(due, "alert", alert, ref, f"case:{case_id}:alert", urgent))
        if fb_due and fb_given is None and stage in waiting and fb_due <= horizon:
            found.append(
                Deadline(
                    day(fb_due),
                    KIND_FEEDBACK,
                    FEEDBACK_TEXT,
                    ref,
                    f"case:{case_id}:feedback",
                    False,
                )
            )
        if action and action_due and action_due <= horizon:
            found.append(
                Deadline(day(action_due), KIND_ACTION, action, ref, f"case:{case_id}:action", False)
            )
    found.extend(register.agreements.deadlines(today))
    found.extend(register.governance.deadlines(today))
    return found
