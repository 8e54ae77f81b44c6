"""The life of a case: allowed stage changes, closure reasons, and the confidentiality alert.

Transitions are enforced here (the store refuses anything else), so every screen and import
follows the same rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from nhsip_desktop.assets.rights import Right, RightType
from nhsip_desktop.cases.after_disclosure import patent_lost_words
from nhsip_desktop.cases.disclosure import Disclosure
from nhsip_desktop.cases.model import Case, IpKind, Stage
from nhsip_desktop.core.labelled import LabelledEnum


class CloseReason(LabelledEnum):
    NO_FURTHER_ACTION = "no_further_action", "No further action"
    SHARED_OPENLY = (
        "shared_openly",
        "Shared openly (adopted or published without commercialisation)",
    )
    ASSIGNED_OR_HANDED_BACK = (
        "assigned_or_handed_back",
        "Assigned or handed back to the innovator or a third party",
    )
    LAPSED = "lapsed", "Rights allowed to lapse"
    ABANDONED = "abandoned", "Abandoned"


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
# Step 4: no external disclosure until the internal IP review has taken place, whatever the
# kind of IP. A planned talk, poster or paper raises a notice at once and an urgent alert within
# the alert window; a disclosure already made is urgent. A kind stops counting once protection
# is filed before the disclosure (a patent for an invention, a registered design for a design,
# a trade mark for a brand) or, for kinds no office registers (copyright, know-how, data), once
# the internal review has decided (the case is at Decision made or Active).
PROTECTED_BY: dict[IpKind, frozenset[RightType]] = {
    IpKind.INVENTION: frozenset({RightType.PATENT}),
    IpKind.DESIGN: frozenset({RightType.REGISTERED_DESIGN}),
    IpKind.BRAND: frozenset({RightType.TRADE_MARK}),
}
REVIEWED_STAGES = frozenset({Stage.DECISION_MADE, Stage.ACTIVE})
# Kinds whose protection a disclosure already made can cost, whatever the review decided.
_LOST_WHEN_MADE = frozenset({IpKind.INVENTION, IpKind.DESIGN})
_WORDS: dict[IpKind, str] = {
    IpKind.INVENTION: "the invention",
    IpKind.COPYRIGHT: "the software or other copyright work",
    IpKind.DESIGN: "the design",
    IpKind.BRAND: "the brand",
    IpKind.KNOW_HOW: "the know-how",
    IpKind.DATA: "the data",
}


class AlertLevel(StrEnum):
    NOTICE = "notice"
    URGENT = "urgent"

    @property
    def prefix(self) -> str:
        return "URGENT: " if self is AlertLevel.URGENT else "Notice: "


@dataclass(frozen=True)
class AlertBasis:
    """What is stored with the case: the earliest relevant disclosure and its description."""

    on: dt.date
    planned: bool
    reason: str


def _filed_by(right: Right, kind: IpKind, on: dt.date) -> bool:
    """A live filing of the right type that protects ``kind``, made on or before ``on``."""
    if right.right_type not in PROTECTED_BY.get(kind, frozenset()) or not right.status.live:
        return False
    first = right.priority_date or right.filing_date
    return first is not None and first <= on


def unprotected_kinds(
    kinds: Iterable[IpKind], rights: Iterable[Right], on: dt.date, *, reviewed: bool
) -> tuple[IpKind, ...]:
    """The kinds of IP a disclosure on ``on`` would reach unprotected and unreviewed.

    No kinds ticked: the kind is not yet known, so the disclosure counts until reviewed."""
    chosen = tuple(kinds)
    rights = tuple(rights)
    if not chosen:
        return () if reviewed else (IpKind.INVENTION,)
    out = []
    for kind in chosen:
        if kind in PROTECTED_BY:
            if not any(_filed_by(r, kind, on) for r in rights):
                out.append(kind)
        elif not reviewed:
            out.append(kind)
    return tuple(out)


def _words(kinds: tuple[IpKind, ...]) -> str:
    names = [_WORDS[k] for k in kinds]
    return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]


def _filed_note(kinds: Iterable[IpKind], rights: Iterable[Right], on: dt.date) -> str:
    covered = [
        f"{r.right_type.label.lower()} filed {r.filing_date:%d/%m/%Y}"
        for r in rights
        for k in kinds
        if _filed_by(r, k, on) and r.filing_date is not None
    ]
    return f" (already filed: {', '.join(dict.fromkeys(covered))})" if covered else ""


def alert_basis(
    ip_kinds: tuple[IpKind, ...] | list[IpKind],
    d: Disclosure,
    *,
    rights: Iterable[Right] = (),
    reviewed: bool = False,
) -> AlertBasis | None:
    """The disclosure that could cost the case's IP its protection, if any (step 4).

    A disclosure already made counts while an invention or design in it is unprotected (no
    filing before it), or, for other kinds, until the internal review has decided. A planned
    one counts for every kind not yet protected or reviewed, from the moment it is planned
    (how urgent it is depends on the date, see :func:`alert_level`). Cancelling a planned
    disclosure (removing it) clears its alert.
    """
    kinds, rights = tuple(ip_kinds), tuple(rights)
    made = sorted(
        (e for e in d.external_disclosures if not e.planned and e.on is not None),
        key=lambda e: e.on or dt.date.max,
    )
    for e in made:
        assert e.on is not None
        left = unprotected_kinds(kinds, rights, e.on, reviewed=reviewed)
        exposed = unprotected_kinds(kinds, rights, e.on, reviewed=False)
        lost = tuple(k for k in exposed if k in _LOST_WHEN_MADE)
        if IpKind.INVENTION in lost:
            return AlertBasis(e.on, False, patent_lost_words(e.kind.label, e.on))
        if lost:
            text = (
                f"{e.kind.label} on {e.on:%d/%m/%Y} made {_words(lost)} public before any "
                "filing: see what may still be protected, and take advice now (step 6)"
            )
            return AlertBasis(e.on, False, text)
        if left:
            text = (
                f"{e.kind.label} on {e.on:%d/%m/%Y} made {_words(left)} public before the "
                "internal IP review: hold the review now and record what was shown (step 4)"
            )
            return AlertBasis(e.on, False, text)
    planned = sorted(
        (e for e in d.external_disclosures if e.planned and e.on is not None),
        key=lambda e: e.on or dt.date.max,
    )
    for e in planned:
        assert e.on is not None
        left = unprotected_kinds(kinds, rights, e.on, reviewed=reviewed)
        if not left:
            continue
        registrable = [k for k in left if k in PROTECTED_BY]
        if registrable:
            act = "hold the internal IP review and file any protection before it, or postpone it"
        else:
            act = "hold the internal IP review before it, or postpone it"
        if IpKind.INVENTION in left:
            act += ": once it has happened a UK or European patent is probably no longer possible"
        what = _words(left) if kinds else "the idea (kind of IP not yet chosen)"
        verb = "are" if len(left) > 1 else "is"
        text = (
            f"{e.kind.label} planned for {e.on:%d/%m/%Y}: {what} {verb} not yet protected or "
            f"reviewed"
            f"{_filed_note(kinds, rights, e.on)}. {act[:1].upper()}{act[1:]} (step 4)"
        )
        return AlertBasis(e.on, True, text)
    return None


def alert_level(
    stage: Stage,
    alert_on: dt.date | None,
    planned: bool,
    *,
    today: dt.date,
    window_days: int,
) -> AlertLevel | None:
    """How pressing a case's alert is today: none for a closed case or no alert; a notice for
    a planned disclosure beyond the alert window; urgent within it, on or after its date, or
    for a disclosure already made."""
    if alert_on is None or stage is Stage.CLOSED:
        return None
    if planned and alert_on > today + dt.timedelta(days=window_days):
        return AlertLevel.NOTICE
    return AlertLevel.URGENT


def alert_text(
    stage: Stage,
    alert_on: dt.date | None,
    planned: bool,
    reason: str,
    *,
    today: dt.date,
    window_days: int,
) -> str | None:
    """The alert to show for a case today, in words (never colour alone), or None:
    "URGENT: ..." or "Notice: ..." (see :func:`alert_level`)."""
    if not reason:
        return None
    level = alert_level(stage, alert_on, planned, today=today, window_days=window_days)
    return None if level is None else level.prefix + reason


def case_alert_text(case: Case, *, today: dt.date, window_days: int) -> str | None:
    """The confidentiality alert to show for ``case`` today (:func:`alert_text` of its alert
    fields), or None."""
    return alert_text(
        case.stage,
        case.alert_on,
        case.alert_planned,
        case.alert_reason,
        today=today,
        window_days=window_days,
    )


@dataclass(frozen=True)
class NextAction:
    text: str
    due: dt.date | None
    urgent: bool


def effective_next_action(case: Case, *, today: dt.date, window_days: int) -> NextAction:
    """What the browser shows as a case's next action: an urgent confidentiality alert first,
    then the action recorded on the case, then what the stage itself calls for (step 5 asks for
    timely feedback to the innovator)."""
    alert = case_alert_text(case, today=today, window_days=window_days)
    if alert:
        # A planned disclosure is a hard date (step 4): its notice leads even before it is
        # urgent, so the case list shows it from the moment it is planned.
        urgent = not alert.startswith(AlertLevel.NOTICE.prefix)
        return NextAction(alert, case.alert_on if case.alert_planned else today, urgent)
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
