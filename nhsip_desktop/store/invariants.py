"""The register's invariants: the states a valid register is in, checked (``nhsip-desktop check``).

Every manager, the demo builder and the importers write only states that hold these; a
register that breaks one was changed outside the app, or by an older version with a fault.
Each violation names the record (case, agreement or return reference) so it can be found
and put right. The rules (:data:`INVARIANTS`):

decision
    A case at Decision made or Active has its triage decision recorded (step 5): the
    feedback letter and the board's "decisions made" are written from it.
outcome
    An active case's latest triage decision is one that takes the idea forward (develop and
    protect, or adopt and share; step 5): a case decided "no further action" or "ask for
    more information" is not active.
history
    Every case has a stage history from its creation: the first change starts from nothing
    (or from Draft, for cases kept before creation was recorded), each change starts where
    the one before ended, and the last ends at the case's stage. A case with no history at
    all is a Draft (created before creation was recorded).
received
    A case past Draft has the date its disclosure was received; feedback is not given before
    it was received.
shares
    The contributors' shares of an open case past Draft total 100% (Annex A section 9).
returns
    Each return can be shared, and is shared exactly: the parties' parts add up to its net
    revenue and the innovators' part is split to the penny between them (step 8). A return
    whose case's shares do not allow it to be shared is reported (its money is unallocated).
policy
    Each return's revenue-sharing policy version is kept in the register.
obligations
    Every agreement's obligations belong to it: each has its own key, unique within the
    agreement; the agreement's linked cases are the ones recorded for it.
ttc
    TTC performance reviews belong to TTC services agreements; the governance record's TTC
    arrangement names an agreement that exists and is a TTC services agreement.
renewal_due
    Each right's row keeps the due date of its first renewal not recorded as paid
    (``renewals.next_renewal_due``): the deadline list reads rights with a renewal in its
    window by it, so a wrong date would hide a renewal from the deadlines and the board.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from nhsip_desktop.agreements.model import AgreementKind
from nhsip_desktop.assets.renewals import next_renewal_due
from nhsip_desktop.assets.rights import Right
from nhsip_desktop.cases.model import Stage

from .errors import RegisterError

if TYPE_CHECKING:
    from .register import Register

__all__ = ["INVARIANTS", "Violation", "check_invariants"]

INVARIANTS: dict[str, str] = {
    "decision": "A case at Decision made or Active has its triage decision",
    "outcome": "An active case's triage decision takes the idea forward",
    "history": "Every case has a stage history from its creation to its stage",
    "received": "A case past Draft has its received date; feedback is not before it",
    "shares": "An open case's contribution shares total 100%",
    "returns": "Each return is shared exactly between the parties and innovators",
    "policy": "Each return's revenue-sharing policy version is kept",
    "obligations": "Every agreement's obligations and linked cases belong to it",
    "ttc": "TTC reviews and the governance TTC arrangement point at TTC agreements",
    "renewal_due": "Each right's row keeps its next renewal's due date",
}

# Triage outcomes that take an idea forward (resources/checklists/triage.json), and the
# importer's "decided before the register was kept" (the outcome is in earlier records).
FORWARD_OUTCOMES = frozenset({"develop_protect", "adopt_share", "imported"})


@dataclass(frozen=True)
class Violation:
    rule: str  # a key of INVARIANTS
    record: str  # the case, agreement or return it concerns ("IP-2026-0001", ...)
    detail: str

    def __str__(self) -> str:
        return f"{self.record}: {self.detail}"


def _decision(register: Register) -> Iterator[Violation]:
    rows = register.conn.execute(
        "SELECT reference, stage FROM cases c WHERE stage IN ('decision_made', 'active') "
        "AND NOT EXISTS (SELECT 1 FROM decisions d WHERE d.case_id = c.id AND d.kind = 'triage') "
        "ORDER BY ref_year, ref_number"
    )
    for reference, stage in rows:
        yield Violation(
            "decision",
            reference,
            f"is at {Stage(stage).label} but has no triage decision recorded",
        )


def _outcome(register: Register) -> Iterator[Violation]:
    rows = register.conn.execute(
        "SELECT c.reference, d.outcome, d.outcome_label FROM cases c JOIN decisions d ON d.id = "
        "(SELECT max(id) FROM decisions WHERE case_id = c.id AND kind = 'triage') "
        "WHERE c.stage = 'active' ORDER BY c.ref_year, c.ref_number"
    )
    for reference, outcome, label in rows:
        if outcome not in FORWARD_OUTCOMES:
            yield Violation("outcome", reference, f"is Active but its triage decision is “{label}”")


def _history(register: Register) -> Iterator[Violation]:
    stages: dict[int, tuple[str, str]] = {
        int(i): (str(ref), str(stage))
        for i, ref, stage in register.conn.execute("SELECT id, reference, stage FROM cases")
    }
    changes: dict[int, list[tuple[str | None, str]]] = {}
    for case_id, before, after in register.conn.execute(
        "SELECT case_id, from_stage, to_stage FROM stage_history ORDER BY case_id, id"
    ):
        changes.setdefault(int(case_id), []).append((before, after))
    for case_id, (reference, stage) in sorted(stages.items(), key=lambda kv: kv[1][0]):
        rows = changes.get(case_id, [])
        if not rows:
            if stage != Stage.DRAFT.value:
                yield Violation(
                    "history",
                    reference,
                    f"is at {Stage(stage).label} but has no stage history",
                )
            continue
        first = rows[0][0]
        if first not in (None, Stage.DRAFT.value):
            yield Violation(
                "history",
                reference,
                f"stage history starts at {Stage(first).label}, not at the case's creation",
            )
        for (_, ended), (began, _) in itertools.pairwise(rows):
            if began != ended:
                yield Violation(
                    "history",
                    reference,
                    f"stage history has a gap: a change from {Stage(str(began)).label} "
                    f"follows one to {Stage(ended).label}",
                )
                break
        if rows[-1][1] != stage:
            yield Violation(
                "history",
                reference,
                f"is at {Stage(stage).label} but its stage history ends at "
                f"{Stage(rows[-1][1]).label}",
            )


def _received(register: Register) -> Iterator[Violation]:
    rows = register.conn.execute(
        "SELECT reference, stage, received_on, feedback_given_on FROM cases "
        "WHERE stage != 'draft' ORDER BY ref_year, ref_number"
    )
    for reference, stage, received, given in rows:
        if not received and stage != Stage.CLOSED.value:
            yield Violation(
                "received",
                reference,
                f"is at {Stage(stage).label} with no received date",
            )
        if received and given and str(given) < str(received):
            yield Violation(
                "received", reference, "feedback is dated before the disclosure was received"
            )


def _shares(register: Register) -> Iterator[Violation]:
    rows = register.conn.execute(
        "SELECT c.reference, d.details FROM cases c JOIN case_details d ON d.case_id = c.id "
        "WHERE c.stage NOT IN ('draft', 'closed') ORDER BY c.ref_year, c.ref_number"
    )
    for reference, details in rows:
        try:
            contributors = json.loads(details).get("contributors") or []
            shares = [Decimal(str(c.get("share", "0") or "0")) for c in contributors]
        except (ValueError, TypeError, AttributeError, InvalidOperation):
            yield Violation("shares", reference, "its contributors cannot be read")
            continue
        if contributors and sum(shares, Decimal(0)) != 100:
            total = sum(shares, Decimal(0)).normalize()
            yield Violation(
                "shares", reference, f"contribution shares add up to {total:f}%, not 100%"
            )


def _returns(register: Register) -> Iterator[Violation]:
    cases = [
        (int(i), str(ref))
        for i, ref in register.conn.execute(
            "SELECT DISTINCT c.id, c.reference FROM returns r JOIN cases c ON c.id = r.case_id "
            "ORDER BY c.ref_year, c.ref_number"
        )
    ]
    for case_id, reference in cases:
        try:
            distributions = register.returns.distributions(case_id)
        except (RegisterError, ValueError) as exc:
            yield Violation(
                "returns",
                reference,
                f"its returns cannot be shared, so their money is unallocated: {exc}",
            )
            continue
        for d in distributions:
            where = f"{reference}, return of {d.line.received_on:%d/%m/%Y}"
            parts = sum(d.parties.values(), Decimal(0))
            innovators = sum((amount for _k, _n, amount in d.innovators), Decimal(0))
            if parts != d.net:
                yield Violation(
                    "returns", where, f"the parties' parts add up to {parts}, not {d.net}"
                )
            if innovators != d.parties["innovators"]:
                yield Violation(
                    "returns",
                    where,
                    f"the innovators' amounts add up to {innovators}, not "
                    f"{d.parties['innovators']}",
                )


def _policy(register: Register) -> Iterator[Violation]:
    rows = register.conn.execute(
        "SELECT r.id, c.reference, r.received_on FROM returns r JOIN cases c ON c.id = r.case_id "
        "ORDER BY r.id"
    ).fetchall()
    for return_id, reference, received in rows:
        try:
            register.returns.policy_for(int(return_id))
        except (RegisterError, ValueError) as exc:
            yield Violation("policy", f"{reference}, return of {received}", str(exc))


def _obligations(register: Register) -> Iterator[Violation]:
    links: dict[int, set[int]] = {}
    for agreement_id, case_id in register.conn.execute(
        "SELECT agreement_id, case_id FROM agreement_cases"
    ):
        links.setdefault(int(agreement_id), set()).add(int(case_id))
    for agreement in register.agreements.all():
        keys = [o.key.strip() for o in agreement.obligations]
        if any(not k for k in keys):
            yield Violation("obligations", agreement.reference, "an obligation has no key")
        repeated = sorted({k for k in keys if k and keys.count(k) > 1})
        if repeated:
            yield Violation(
                "obligations",
                agreement.reference,
                "obligation keys used twice: " + ", ".join(repeated),
            )
        if set(agreement.case_ids) != links.get(agreement.id or -1, set()):
            yield Violation(
                "obligations",
                agreement.reference,
                "its linked cases differ from the links recorded for it",
            )


def _ttc(register: Register) -> Iterator[Violation]:
    rows = register.conn.execute(
        "SELECT DISTINCT a.reference, a.kind FROM ttc_reviews r "
        "JOIN agreements a ON a.id = r.agreement_id ORDER BY a.reference"
    )
    for reference, kind in rows:
        if kind != AgreementKind.TTC_SERVICES.value:
            yield Violation(
                "ttc", reference, "has TTC performance reviews but is not a TTC services agreement"
            )
    try:
        arrangement = register.governance.record().ttc_arrangement
    except ValueError as exc:
        yield Violation("ttc", "IP governance", f"the governance record cannot be read: {exc}")
        return
    linked = arrangement.agreement_reference.strip() if arrangement else ""
    if linked:
        row = register.conn.execute(
            "SELECT kind FROM agreements WHERE reference = ?", (linked,)
        ).fetchone()
        if row is None:
            yield Violation(
                "ttc", "IP governance", f"the TTC arrangement names {linked}, which is not recorded"
            )
        elif row[0] != AgreementKind.TTC_SERVICES.value:
            yield Violation(
                "ttc",
                "IP governance",
                f"the TTC arrangement names {linked}, which is not a TTC services agreement",
            )


def _renewal_due(register: Register) -> Iterator[Violation]:
    rows = register.conn.execute("SELECT id, title, renewal_due, data FROM rights ORDER BY id")
    for right_id, title, kept, data in rows:
        try:
            due = next_renewal_due(Right.from_json(json.loads(data)))
        except (ValueError, KeyError, TypeError) as exc:
            yield Violation("renewal_due", f"right {right_id}", f"cannot be read: {exc}")
            continue
        expected = due.isoformat() if due is not None else None
        if kept != expected:
            yield Violation(
                "renewal_due",
                f"right {right_id} ({title})",
                f"its row keeps the next renewal due as {kept or 'none'}, its renewals give "
                f"{expected or 'none'}",
            )


_CHECKS: tuple[Callable[[Register], Iterator[Violation]], ...] = (
    _decision,
    _outcome,
    _history,
    _received,
    _shares,
    _returns,
    _policy,
    _obligations,
    _ttc,
    _renewal_due,
)


def check_invariants(register: Register) -> list[Violation]:
    """Every violation of :data:`INVARIANTS` in the open register, rule by rule."""
    found: list[Violation] = []
    for check in _CHECKS:
        found.extend(check(register))
    return found
