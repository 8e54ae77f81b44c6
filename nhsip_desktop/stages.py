"""The life of a case: allowed stage changes, closure reasons, and the confidentiality alert.

Transitions are enforced here (the store refuses anything else), so every screen and import
follows the same rules.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from .cases import Case, IpKind, Stage
from .disclosure import Disclosure


class CloseReason(StrEnum):
    NO_FURTHER_ACTION = "no_further_action"
    SHARED_OPENLY = "shared_openly"
    ASSIGNED_OR_HANDED_BACK = "assigned_or_handed_back"
    LAPSED = "lapsed"
    ABANDONED = "abandoned"

    @property
    def label(self) -> str:
        return {
            "no_further_action": "No further action",
            "shared_openly": "Shared openly (adopted or published without commercialisation)",
            "assigned_or_handed_back": "Assigned or handed back to the innovator or a third party",
            "lapsed": "Rights allowed to lapse",
            "abandoned": "Abandoned",
        }[self.value]


ALLOWED: dict[Stage, frozenset[Stage]] = {
    Stage.DRAFT: frozenset({Stage.SUBMITTED, Stage.CLOSED}),
    Stage.SUBMITTED: frozenset({Stage.IN_TRIAGE, Stage.CLOSED}),
    Stage.IN_TRIAGE: frozenset({Stage.DECISION_MADE, Stage.CLOSED}),
    Stage.DECISION_MADE: frozenset({Stage.ACTIVE, Stage.IN_TRIAGE, Stage.CLOSED}),
    Stage.ACTIVE: frozenset({Stage.DECISION_MADE, Stage.CLOSED}),
    Stage.CLOSED: frozenset({Stage.IN_TRIAGE}),  # reopened for a fresh look
}

ACTION_LABELS: dict[Stage, str] = {
    Stage.SUBMITTED: "Submit disclosure",
    Stage.IN_TRIAGE: "Start triage",
    Stage.DECISION_MADE: "Mark as decided",  # not "Record decision": that is the panel's button
    Stage.ACTIVE: "Mark as active",
    Stage.CLOSED: "Close case",
}


def transition_problem(current: Stage, target: Stage, reason: CloseReason | None) -> str | None:
    """Why ``current`` -> ``target`` is not allowed, or None when it is."""
    if target == current:
        return f"The case is already at the stage {current.label}."
    if target not in ALLOWED[current]:
        allowed = ", ".join(s.label for s in Stage if s in ALLOWED[current])
        return f"A case at {current.label} can move only to: {allowed}."
    if target is Stage.CLOSED and reason is None:
        return "Say why the case is being closed."
    if target is not Stage.CLOSED and reason is not None:
        return "A closing reason is given only when closing a case."
    return None


@dataclass(frozen=True)
class StageChange:
    from_stage: Stage | None
    to_stage: Stage
    changed_on: dt.date
    changed_at: str
    actor: str
    reason: CloseReason | None
    note: str


# -- confidentiality alert (step 4; UK patent law has no general grace period) -------------
_ALERT_KINDS = frozenset({IpKind.INVENTION, IpKind.DESIGN})


@dataclass(frozen=True)
class AlertBasis:
    """What is stored with the case: the earliest relevant disclosure and its description."""

    on: dt.date
    planned: bool
    reason: str


def alert_basis(ip_kinds: tuple[IpKind, ...] | list[IpKind], d: Disclosure) -> AlertBasis | None:
    """The disclosure that could cost an invention or design its protection, if any.

    A disclosure already made always counts; a planned one counts by its date (whether it is
    near enough to alert is decided when shown, see :func:`alert_text`).
    """
    if not _ALERT_KINDS.intersection(ip_kinds):
        return None
    made = [e for e in d.external_disclosures if not e.planned and e.on is not None]
    planned = [e for e in d.external_disclosures if e.planned and e.on is not None]
    if made:
        first = min(made, key=lambda e: e.on or dt.date.max)
        assert first.on is not None
        return AlertBasis(
            first.on,
            False,
            f"{first.kind.label} on {first.on:%d/%m/%Y} already made public: take patent or "
            "design advice now, it may already limit protection",
        )
    if planned:
        first = min(planned, key=lambda e: e.on or dt.date.max)
        assert first.on is not None
        return AlertBasis(
            first.on,
            True,
            f"{first.kind.label} planned for {first.on:%d/%m/%Y}: review protection before "
            "it happens, or postpone it",
        )
    return None


def alert_text(
    stage: Stage,
    alert_on: dt.date | None,
    planned: bool,
    reason: str,
    *,
    today: dt.date,
    window_days: int,
) -> str | None:
    """The urgent alert to show for a case today, in words (never colour alone), or None."""
    if alert_on is None or not reason or stage is Stage.CLOSED:
        return None
    if planned and alert_on > today + dt.timedelta(days=window_days):
        return None
    return f"URGENT: {reason}"


@dataclass(frozen=True)
class NextAction:
    text: str
    due: dt.date | None
    urgent: bool


def effective_next_action(case: Case, *, today: dt.date, window_days: int) -> NextAction:
    """What the browser shows as a case's next action: an urgent confidentiality alert first,
    then the action recorded on the case, then what the stage itself calls for (step 5 asks for
    timely feedback to the innovator)."""
    urgent = alert_text(
        case.stage,
        case.alert_on,
        case.alert_planned,
        case.alert_reason,
        today=today,
        window_days=window_days,
    )
    if urgent:
        return NextAction(urgent, case.alert_on if case.alert_planned else today, True)
    candidates: list[NextAction] = []
    if case.next_action:
        candidates.append(NextAction(case.next_action, case.next_action_due, False))
    if case.deadline_text and case.stage is not Stage.CLOSED:
        candidates.append(NextAction(case.deadline_text, case.deadline_due, False))
    if (
        case.stage in (Stage.SUBMITTED, Stage.IN_TRIAGE, Stage.DECISION_MADE)
        and case.feedback_due
        and case.feedback_given_on is None
    ):
        candidates.append(NextAction("Give the innovator feedback", case.feedback_due, False))
    if candidates:
        # The soonest dated action first; an undated one only when nothing is dated.
        return min(candidates, key=lambda a: (a.due is None, a.due or dt.date.max))
    if case.stage is Stage.DRAFT:
        return NextAction("Finish and submit the disclosure", None, False)
    return NextAction("", None, False)
