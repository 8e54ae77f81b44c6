"""Every deadline in the register, gathered in one place for the upcoming-deadlines view.

Rights (renewals, priority, portfolio reviews), feedback due to innovators (step 5), recorded
next actions, urgent confidentiality alerts (step 4), and agreements' obligations, end and
notice dates and TTC reviews (step 9), and governance (no SRO, policy review due,
training). Cheap on a large register: the case deadlines come from indexed date columns,
filtered to the window.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from ..cases import Stage
from ..renewals import Deadline, register_deadlines, upcoming
from ..stages import alert_text

if TYPE_CHECKING:
    from .register import Register


def all_deadlines(register: Register, today: dt.date, days: int = 90) -> list[Deadline]:
    """Deadlines overdue or due within ``days``, overdue first (see ``renewals.upcoming``)."""
    horizon = (today + dt.timedelta(days=days)).isoformat()
    conn = register.conn
    rights = register.rights.all()
    case_ids = {r.case_id for r in rights if r.case_id is not None}
    references = {c.id: c.reference for c in register.cases.get_many(sorted(case_ids))}
    found = register_deadlines(rights, today, register.reference.fee_schedule(), references)
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
                found.append(Deadline(due, "alert", alert, ref, f"case:{case_id}:alert", True))
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
