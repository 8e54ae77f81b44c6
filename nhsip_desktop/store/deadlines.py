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
    rows = conn.execute(
        "SELECT id FROM cases WHERE stage != 'closed' AND ("
        " (feedback_due <= ? AND feedback_given_on IS NULL"
        "  AND stage IN ('submitted', 'in_triage', 'decision_made'))"
        " OR (next_action_due <= ? AND next_action != '')"
        " OR (alert_on IS NOT NULL))",
        (horizon, horizon),
    ).fetchall()
    window = int(register.settings.get("disclosure_alert_days"))
    for case in register.cases.get_many([r[0] for r in rows]):
        if case.stage is Stage.CLOSED:
            continue
        alert = alert_text(
            case.stage,
            case.alert_on,
            case.alert_planned,
            case.alert_reason,
            today=today,
            window_days=window,
        )
        if alert:
            due = case.alert_on if case.alert_planned and case.alert_on else today
            found.append(
                Deadline(due, "alert", alert, case.reference, f"case:{case.id}:alert", True)
            )
        if (
            case.feedback_due
            and case.feedback_given_on is None
            and case.stage in (Stage.SUBMITTED, Stage.IN_TRIAGE, Stage.DECISION_MADE)
        ):
            found.append(
                Deadline(
                    case.feedback_due,
                    "feedback",
                    "Give the innovator feedback (step 5)",
                    case.reference,
                    f"case:{case.id}:feedback",
                    False,
                )
            )
        if case.next_action and case.next_action_due:
            found.append(
                Deadline(
                    case.next_action_due,
                    "action",
                    case.next_action,
                    case.reference,
                    f"case:{case.id}:action",
                    False,
                )
            )
    found.extend(register.agreements.deadlines(today))
    found.extend(register.governance.deadlines(today))
    return upcoming(found, today, days)
