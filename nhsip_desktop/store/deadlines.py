"""Every deadline in the register, gathered in one place for the upcoming-deadlines view.

Rights (renewals, priority, portfolio reviews), feedback due to innovators (step 5), recorded
next actions, confidentiality alerts (step 4: a notice from the moment a disclosure is
planned, urgent within the alert window), and agreements' obligations, end and
notice dates and TTC reviews (step 9), and governance (no SRO, policy review due,
training). Cheap on a large register: the case deadlines come from indexed date columns,
filtered to the window.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from nhsip_desktop.assets.renewals import Deadline, right_deadlines, upcoming
from nhsip_desktop.assets.rights import Right
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
) -> list[Deadline]:
    """``renewals.register_deadlines`` without its all-pairs scan: the same deadlines.

    A right's priority deadline is dropped only when a filing outside GB of the same kind
    claims the same priority date or belongs to the same case, so each right is checked
    against just those filings (indexed here) instead of every right in the register: with
    30,000 rights the all-pairs scan alone took seconds.
    """
    by_case: dict[int, list[Right]] = {}
    by_priority: dict[dt.date, list[Right]] = {}
    for right in rights:
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
        found += right_deadlines(right, today, schedule, reference=reference, related=related)
    return found


def all_deadlines(register: Register, today: dt.date, days: int = 90) -> list[Deadline]:
    """Deadlines overdue or due within ``days``, overdue first (see ``renewals.upcoming``)."""
    horizon = (today + dt.timedelta(days=days)).isoformat()
    conn = register.conn
    rights = register.rights.all()
    # The references of the cases with rights, straight from SQL (building every such case
    # as a Case object cost over a second with 30,000 rights).
    references: dict[int, str] = {
        int(case_id): str(reference)
        for case_id, reference in conn.execute(
            "SELECT id, reference FROM cases WHERE id IN "
            "(SELECT case_id FROM rights WHERE case_id IS NOT NULL)"
        )
    }
    found = rights_deadlines(rights, today, register.reference.fee_schedule(), references)
    # Only the columns needed, straight from SQL: a large register can have tens of thousands
    # of dated actions, and building full Case objects for them would cost a second.
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
                    "feedback",
                    "Give the innovator feedback (step 5)",
                    ref,
                    f"case:{case_id}:feedback",
                    False,
                )
            )
        if action and action_due and action_due <= horizon:
            found.append(
                Deadline(day(action_due), "action", action, ref, f"case:{case_id}:action", False)
            )
    found.extend(register.agreements.deadlines(today))
    found.extend(register.governance.deadlines(today))
    return upcoming(found, today, days)
