"""Named queries for the auditor's export pack: typed rows, streamed in a stable order.

Each function reads one kind of record and yields typed rows (``NamedTuple``): dates as
``datetime.date`` (``None`` when not recorded), money as ``Decimal`` pounds, counts and ids as
``int``, times as ISO 8601 UTC text. The export (``reports/export.py``) decides how each type is
written to CSV and to the workbook; it holds no SQL of its own.

Rows are streamed (a cursor, never a whole table in memory): the audit trail of a large
register has a million rows.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from .errors import RegisterError

if TYPE_CHECKING:
    from .register import Register

ZERO = Decimal("0")


def _date(value: Any) -> dt.date | None:
    """A date column or JSON field (ISO text, possibly a timestamp) as a date."""
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _money(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


def _number(value: Any) -> Decimal | None:
    return _money(value)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


class CaseRow(NamedTuple):
    reference: str
    title: str
    stage: str
    kinds_of_ip: str
    lead_innovator: str
    received_on: dt.date | None
    feedback_due: dt.date | None
    feedback_given_on: dt.date | None
    closed_reason: str
    next_action: str
    next_action_due: dt.date | None
    created_at: str
    updated_at: str


def cases(reg: Register) -> Iterator[CaseRow]:
    cur = reg.conn.execute(
        "SELECT reference, title, stage, ip_kinds, lead_innovator, received_on, feedback_due, "
        "feedback_given_on, closed_reason, next_action, next_action_due, created_at, updated_at "
        "FROM cases ORDER BY ref_year, ref_number"
    )
    for r in cur:
        yield CaseRow(
            r[0],
            r[1],
            r[2],
            "; ".join(json.loads(r[3])),
            r[4],
            _date(r[5]),
            _date(r[6]),
            _date(r[7]),
            _text(r[8]),
            _text(r[9]),
            _date(r[10]),
            r[11],
            r[12],
        )


class ContributorRow(NamedTuple):
    case_reference: str
    name: str
    job_title: str
    department: str
    relationship: str
    employer: str
    share_percent: Decimal | None
    in_course_of_duties: str


def contributors(reg: Register) -> Iterator[ContributorRow]:
    cur = reg.conn.execute(
        "SELECT c.reference, d.details FROM case_details d JOIN cases c ON c.id = d.case_id "
        "ORDER BY c.ref_year, c.ref_number"
    )
    for reference, details in cur:
        for c in json.loads(details).get("contributors", []):
            get = c.get  # JSON text fields: text or missing (no call a field: 30,000 rows a
            yield ContributorRow(  # 10,000 cases)
                reference,
                get("name") or "",
                get("job_title") or "",
                get("department") or "",
                get("relationship") or "",
                get("employer") or "",
                _number(get("share")),
                get("in_course_of_duties") or "",
            )


class RightRow(NamedTuple):
    right_id: int
    case_reference: str
    type: str
    jurisdiction: str
    title: str
    application_number: str
    registration_number: str
    filing_date: dt.date | None
    priority_date: dt.date | None
    grant_date: dt.date | None
    status: str
    owners: str
    attorney: str
    next_review: dt.date | None


def rights(reg: Register) -> Iterator[RightRow]:
    cur = reg.conn.execute(
        "SELECT r.id, c.reference, r.data FROM rights r LEFT JOIN cases c ON c.id = r.case_id "
        "ORDER BY r.id"
    )
    for right_id, reference, data in cur:
        d = json.loads(data)
        yield RightRow(
            right_id,
            reference or "",
            _text(d.get("right_type")),
            _text(d.get("jurisdiction")),
            _text(d.get("title")),
            _text(d.get("application_number")),
            _text(d.get("registration_number")),
            _date(d.get("filing_date")),
            _date(d.get("priority_date")),
            _date(d.get("grant_date")),
            _text(d.get("status")),
            _text(d.get("owners")),
            _text(d.get("attorney")),
            _date(d.get("next_review")),
        )


class RenewalRow(NamedTuple):
    right_id: int | None
    title: str
    renewal_year: int
    due: dt.date
    window_opens: dt.date
    no_penalty_until: dt.date
    late_until: dt.date
    fee_gbp: Decimal | None
    paid_on: dt.date | None


def renewals(reg: Register) -> Iterator[RenewalRow]:
    from nhsip_desktop.assets.renewals import renewals_for
    from nhsip_desktop.assets.rights import Right

    schedule = reg.reference.fee_schedule()
    for (data,) in reg.conn.execute("SELECT data FROM rights ORDER BY id"):
        right = Right.from_json(json.loads(data))
        for due in renewals_for(right, schedule):
            paid = right.renewals_paid.get(due.renewal_year)
            yield RenewalRow(
                right.id,
                right.title,
                due.renewal_year,
                due.due,
                due.window_opens,
                due.no_penalty_until,
                due.late_until,
                due.fee.amount if due.fee is not None else None,
                _date(paid),
            )


class AgreementRow(NamedTuple):
    reference: str
    kind: str
    title: str
    parties: str
    signed_on: dt.date | None
    start_on: dt.date | None
    end_on: dt.date | None
    licence_type: str
    revenue_terms: str


def agreements(reg: Register) -> Iterator[AgreementRow]:
    cur = reg.conn.execute("SELECT reference, kind, title, data FROM agreements ORDER BY id")
    for reference, kind, title, data in cur:
        d = json.loads(data)
        yield AgreementRow(
            reference,
            kind,
            title,
            "; ".join(d.get("parties", [])),
            _date(d.get("signed_on")),
            _date(d.get("start_on")),
            _date(d.get("end_on")),
            _text(d.get("licence_type")),
            _text(d.get("revenue_terms")),
        )


class ObligationRow(NamedTuple):
    agreement_reference: str
    obligation: str
    due: dt.date | None
    owner: str
    done_on: dt.date | None


def obligations(reg: Register) -> Iterator[ObligationRow]:
    for reference, data in reg.conn.execute("SELECT reference, data FROM agreements ORDER BY id"):
        for o in json.loads(data).get("obligations", []):
            yield ObligationRow(
                reference,
                _text(o.get("text")),
                _date(o.get("due")),
                _text(o.get("owner")),
                _date(o.get("done_on")),
            )


class AssessmentRow(NamedTuple):
    assessment_id: int
    reference: str
    checklist: str
    checklist_version: int | str
    score: Decimal | None
    created_at: str
    updated_at: str


def assessments(reg: Register) -> Iterator[AssessmentRow]:
    cur = reg.conn.execute(
        "SELECT a.id, c.reference, g.reference, a.checklist_id, a.checklist_version, a.score, "
        "a.created_at, a.updated_at FROM assessments a LEFT JOIN cases c ON c.id = a.case_id "
        "LEFT JOIN agreements g ON g.id = a.agreement_id ORDER BY a.id"
    )
    for r in cur:
        yield AssessmentRow(r[0], r[1] or r[2] or "", r[3], r[4], _number(r[5]), r[6], r[7])


class FindingRow(NamedTuple):
    assessment_id: int
    severity: str
    finding: str
    guidance_reference: str


def findings(reg: Register) -> Iterator[FindingRow]:
    for assessment_id, found in reg.conn.execute(
        "SELECT id, findings FROM assessments ORDER BY id"
    ):
        for f in json.loads(found):
            yield FindingRow(
                assessment_id,
                _text(f.get("severity")),
                _text(f.get("text")),
                _text(f.get("reference")),
            )


class DecisionRow(NamedTuple):
    case_reference: str
    kind: str
    outcome: str
    outcome_label: str
    rationale: str
    decided_on: dt.date | None
    decision_maker: str
    assessment_id: int | None


def decisions(reg: Register) -> Iterator[DecisionRow]:
    cur = reg.conn.execute(
        "SELECT c.reference, d.kind, d.outcome, d.outcome_label, d.rationale, d.decided_on, "
        "d.decision_maker, d.assessment_id FROM decisions d JOIN cases c ON c.id = d.case_id "
        "ORDER BY d.id"
    )
    for r in cur:
        yield DecisionRow(
            r[0], r[1], r[2], _text(r[3]), _text(r[4]), _date(r[5]), _text(r[6]), r[7]
        )


class CostRow(NamedTuple):
    cost_id: int
    case_reference: str
    right_id: int | None
    spent_on: dt.date | None
    category: str
    amount_gbp: Decimal | None
    vat_gbp: Decimal | None
    supplier: str
    reference: str


def costs(reg: Register) -> Iterator[CostRow]:
    cur = reg.conn.execute(
        "SELECT k.id, c.reference, k.right_id, k.spent_on, k.category, k.amount, k.vat, "
        "k.supplier, k.reference FROM costs k LEFT JOIN cases c ON c.id = k.case_id "
        "ORDER BY k.spent_on, k.id"
    )
    for r in cur:
        yield CostRow(
            r[0], r[1] or "", r[2], _date(r[3]), r[4], _money(r[5]), _money(r[6]), r[7], r[8]
        )


class ReturnRow(NamedTuple):
    return_id: int
    case_reference: str
    received_on: dt.date | None
    kind: str
    gross_gbp: Decimal | None
    deductible_gbp: Decimal | None
    agreement: str
    policy_id: str
    policy_version: int


def returns(reg: Register) -> Iterator[ReturnRow]:
    cur = reg.conn.execute(
        "SELECT r.id, c.reference, r.received_on, r.kind, r.gross, r.deductible, r.agreement, "
        "r.policy_id, r.policy_version FROM returns r JOIN cases c ON c.id = r.case_id "
        "ORDER BY r.received_on, r.id"
    )
    for r in cur:
        yield ReturnRow(r[0], r[1], _date(r[2]), r[3], _money(r[4]), _money(r[5]), r[6], r[7], r[8])


class ReturnShared(NamedTuple):
    """How one return was shared: the amount for each party, each innovator's share, and
    what could not be shared yet (``unallocated``, with the reason in ``note``)."""

    return_id: int
    case_reference: str
    received_on: dt.date
    net_gbp: Decimal
    parties: tuple[tuple[str, Decimal], ...]
    innovators: tuple[tuple[str, Decimal], ...]
    unallocated_gbp: Decimal
    note: str


def returns_shared(reg: Register) -> Iterator[ReturnShared]:
    """Every return, case by case, with its distribution under the policy it was recorded
    under. A return that cannot be shared yet (no contributors, or shares not adding up to
    100%) is listed with its whole net amount unallocated and the reason, never left out."""
    case_ids = [r[0] for r in reg.conn.execute("SELECT DISTINCT case_id FROM returns ORDER BY 1")]
    for case_id in case_ids:
        reference = reg.cases.get(case_id).reference
        try:
            shared = reg.returns.distributions(case_id)
        except RegisterError as exc:  # shares not yet complete: nothing can be shared
            for line in reg.returns.for_case(case_id):
                yield ReturnShared(
                    line.id,
                    reference,
                    line.received_on,
                    line.gross - line.deductible,
                    (),
                    (),
                    line.gross - line.deductible,
                    f"Not shared yet: {exc}",
                )
            continue
        for d in shared:
            parties = tuple(d.parties.items())
            distributed = sum((amount for _party, amount in parties), ZERO)
            yield ReturnShared(
                d.return_id,
                reference,
                d.line.received_on,
                d.net,
                parties,
                tuple((name, amount) for _key, name, amount in d.innovators),
                d.net - distributed,
                d.note,
            )


class AuditRow(NamedTuple):
    seq: int
    at: str
    os_user: str
    actor_name: str
    action: str
    record_kind: str
    record_id: str
    changes: str
    hmac: str


def audit_trail(reg: Register) -> Iterator[AuditRow]:
    cur = reg.conn.execute(
        "SELECT seq, at, os_user, actor_name, action, record_kind, record_id, changes, hmac "
        "FROM audit_log ORDER BY seq"
    )
    # The rows are the columns in AuditRow's order: yielded as they come (a million rows).
    while batch := cur.fetchmany(2000):
        yield from cast(list[AuditRow], batch)


class ListingRow(NamedTuple):
    reference: str
    stage: str
    received_on: dt.date | None
    title: str


def listing(reg: Register) -> Iterator[ListingRow]:
    """Every case for the printed listing, in reference order."""
    cur = reg.conn.execute(
        "SELECT reference, stage, received_on, title FROM cases ORDER BY ref_year, ref_number"
    )
    while batch := cur.fetchmany(2000):
        for reference, stage, received, title in batch:
            yield ListingRow(reference, stage, _date(received), title or "")
