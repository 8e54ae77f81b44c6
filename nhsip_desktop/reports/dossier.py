"""The case dossier: the evidence file of one case, as a PDF to file, brief or hand to an auditor.

It covers the key facts (feedback due and given, consistent with the case's stage), the IP
lead's decisions with their reasons, who made them and when, the idea as disclosed, the
contributors and their shares, funders, partners, the register's agreements linked to the
case (and those the innovator mentioned), its registered rights with their renewals, the
money (costs, returns and how each return is shared), external disclosures, attachments
(name, size and SHA-256 only: never their content), the app's first view of who owns the IP
with its reasons and guidance references, the IP lead's confirmed position, the stage
history and the case's audit-trail rows. A section with nothing in it says "None recorded"
rather than disappearing, so a reader can tell "nothing" from "left out". Everything is read
through the store's managers and named queries. Writing a dossier is recorded in the audit
trail.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportlab.platypus import KeepTogether, Paragraph, Spacer

from nhsip_desktop.agreements.model import Agreement
from nhsip_desktop.assets.renewals import renewals_for
from nhsip_desktop.assets.rights import Right
from nhsip_desktop.cases.after_disclosure import after_public_disclosure
from nhsip_desktop.cases.disclosure import (
    Beneficiary,
    Disclosure,
    ExternalDisclosure,
    Resource,
)
from nhsip_desktop.cases.model import Case, IpKind, Stage
from nhsip_desktop.cases.ownership import (
    ContributorFinding,
    OwnershipAssessment,
    Reason,
    assess_ownership,
)
from nhsip_desktop.cases.stages import CloseReason, StageChange, case_alert_text
from nhsip_desktop.core.countries import countries
from nhsip_desktop.core.money import money
from nhsip_desktop.finance.ledgers import CostEntry
from nhsip_desktop.finance.revenue import PARTIES, PARTY_LABELS, Distribution, ReturnLine
from nhsip_desktop.reports.template import (
    NOT_RECORDED,
    ReportContext,
    boxed,
    data_table,
    escape_text,
    format_date,
    keep_together,
    key_value_table,
    mm,
    none_recorded,
    para,
    styles,
    write_report,
)
from nhsip_desktop.store.assessments import Decision
from nhsip_desktop.store.attachments import AttachmentInfo
from nhsip_desktop.store.audit import AuditEntry
from nhsip_desktop.store.case_evidence import case_audit_entries

if TYPE_CHECKING:
    from nhsip_desktop.store.register import Register

__all__ = ["DOSSIER_SECTIONS", "dossier_title", "write_dossier"]

DOSSIER_SECTIONS: tuple[str, ...] = (
    "Key facts",
    "Decisions and reasons",
    "The idea",
    "Kinds of IP and flags",
    "Contributors",
    "Funders",
    "Partners",
    "Agreements",
    "Rights and renewals",
    "Money: costs, returns and shares",
    "External disclosures",
    "Attachments",
    "Who owns the IP",
    "Stage history",
    "Audit trail",
)
_DECISION_KINDS = {"triage": "Triage", "route": "Route"}
_RENEWALS_AHEAD = 2  # unpaid renewals listed after the paid ones

_BENEFICIARY_LABELS = {
    Beneficiary.PATIENTS: "Patients",
    Beneficiary.STAFF: "Staff",
    Beneficiary.SERVICE: "The service",
}
_RESOURCE_LABELS = {
    Resource.TIME: "Staff time",
    Resource.DATA: "Data",
    Resource.FACILITIES: "Facilities or equipment",
    Resource.MONEY: "Money",
}


def dossier_title(case: Case) -> str:
    """The report title shown in every page's header (the reference, not the case's title)."""
    return f"Case dossier {case.reference}"


def _yes_no(value: bool) -> str:
    return "Yes" if value else "No"


def _or_not_recorded(text: str) -> str:
    return text.strip() or NOT_RECORDED


def _share(value: Decimal) -> str:
    return f"{value.normalize():f}%"


def _part(title: str, body: list[Any]) -> Any:
    """A sub-heading kept on the same page as (the start of) what it introduces."""
    return keep_together([para(title, "H2"), *body], min_space=25 * mm)


def _close_reason(case: Case) -> str:
    try:
        return CloseReason(case.closed_reason).label
    except ValueError:
        return _or_not_recorded(case.closed_reason)


def _feedback_rows(case: Case) -> list[tuple[str, Any]]:
    """Feedback due and given (step 5), in words that agree with each other and the stage."""
    given = case.feedback_given_on
    due = case.feedback_due
    if given is not None:
        if due is None:
            due_text = "No target date was set"
        elif given <= due:
            due_text = f"{format_date(due)} (met: feedback given {format_date(given)})"
        else:
            late = (given - due).days
            due_text = f"{format_date(due)} (feedback given {late} day(s) after it)"
        return [("Feedback due", due_text), ("Feedback given", format_date(given))]
    if case.stage is Stage.DRAFT:
        return [("Feedback due", "Not yet: the disclosure has not been submitted")]
    due_text = "No target date recorded" if due is None else format_date(due)
    return [("Feedback due", due_text), ("Feedback given", "Not yet recorded")]


def _key_facts(case: Case) -> list[Any]:
    rows: list[tuple[str, Any]] = [
        ("Reference", case.reference),
        ("Stage", case.stage.label),
        ("Kinds of IP", "; ".join(k.label for k in case.ip_kinds) or "None recorded"),
        ("Lead innovator", _or_not_recorded(case.lead_innovator)),
        ("Received", format_date(case.received_on, "Not yet submitted")),
        *_feedback_rows(case),
        ("Next action", _or_not_recorded(case.next_action)),
        ("Next action due", format_date(case.next_action_due)),
        ("Entered in the register", _utc_text(case.created_at)),
    ]
    if case.stage is Stage.CLOSED:
        rows.append(("Closed because", _close_reason(case)))
    return [key_value_table(rows)]


def _utc_text(stamp: str) -> str:
    """A stored UTC time stamp as local dd/mm/yyyy hh:mm (the text itself if unreadable)."""
    try:
        moment = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return stamp or NOT_RECORDED
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return f"{moment.astimezone():%d/%m/%Y %H:%M}"


def _decisions(decisions: list[Decision]) -> list[Any]:
    if not decisions:
        return [none_recorded("the IP lead has not recorded a triage or route decision.")]
    out: list[Any] = []
    for d in decisions:
        kind = _DECISION_KINDS.get(d.kind, d.kind.title())
        facts = key_value_table(
            [
                ("Decision", f"{kind}: {d.outcome_label.strip() or d.outcome}"),
                ("Decided on", format_date(d.decided_on)),
                ("Decided by", _or_not_recorded(d.decision_maker)),
                ("Recorded", _utc_text(d.recorded_at)),
                ("Reasons", _or_not_recorded(d.rationale)),
            ]
        )
        out.append(keep_together([facts, Spacer(1, 3 * mm)], min_space=30 * mm))
    return out


def _idea(case: Case, d: Disclosure) -> list[Any]:
    out: list[Any] = []
    texts = (
        ("Summary", case.summary),
        ("The problem it solves, and for whom", d.problem),
        ("What is new about it", d.novelty),
    )
    for title, text in texts:
        out.append(_part(title, [para(text) if text.strip() else none_recorded()]))
    beneficiaries = ", ".join(_BENEFICIARY_LABELS[b] for b in d.beneficiaries)
    resources = ", ".join(_RESOURCE_LABELS[r] for r in d.resources_used)
    facts = [
        ("Who benefits", beneficiaries or "None recorded"),
        ("Development stage", d.development_stage.label),
        ("Made as part of normal duties", d.normal_duties.label),
        ("Trust resources used", resources or "None recorded"),
    ]
    out.append(_part("How it was made", [key_value_table(facts)]))
    return out


def _international(d: Disclosure) -> str:
    """Yes or No, derived from the recorded countries (and the tick box), naming them."""
    abroad = d.abroad()
    if abroad:
        names = "; ".join(f"{who}, {countries().name(code)}" for who, code in abroad)
        return f"Yes ({names})"
    return _yes_no(d.international)


def _kinds_and_flags(case: Case, d: Disclosure) -> list[Any]:
    return [
        key_value_table(
            [
                ("Kinds of IP", "; ".join(k.label for k in case.ip_kinds) or "None recorded"),
                ("AI involved", _yes_no(d.ai_involved)),
                ("Uses patient data", _yes_no(d.patient_data)),
                ("Could be a medical device", _yes_no(d.medical_device)),
                ("Someone outside the UK involved", _international(d)),
            ]
        )
    ]


def _contributors(d: Disclosure) -> list[Any]:
    if not d.contributors:
        return [none_recorded()]
    rows = []
    for c in d.contributors:
        role = ", ".join(part for part in (c.job_title.strip(), c.department.strip()) if part)
        rows.append(
            [
                _or_not_recorded(c.name),
                role or NOT_RECORDED,
                c.relationship.label,
                c.employer.strip() or "-",
                _share(c.share),
                c.in_course_of_duties.label,
            ]
        )
    total = d.total_share()
    note = "" if total == 100 else " (the shares should add up to 100%)"
    return [
        data_table(
            [
                "Name",
                "Job title and department",
                "Relationship",
                "Employer",
                "Share",
                "In course of duties",
            ],
            rows,
            [3.2, 3.6, 3.4, 2.6, 1.5, 2.0],
        ),
        Spacer(1, 2 * mm),
        para(f"Total share: {_share(total)}{note}", "Body"),
    ]


def _funders(d: Disclosure) -> list[Any]:
    if not d.funders:
        return [none_recorded()]
    rows = [
        [_or_not_recorded(f.name), f.ip_terms.label, f.terms_note.strip() or "-"] for f in d.funders
    ]
    return [data_table(["Funder", "What their terms say about IP", "Note"], rows, [3, 3, 4])]


def _partners(d: Disclosure) -> list[Any]:
    if not d.partners:
        return [none_recorded()]
    rows = [
        [
            _or_not_recorded(p.name),
            p.kind.label,
            p.agreement_terms.label,
            p.background_ip.strip() or "None recorded",
        ]
        for p in d.partners
    ]
    return [
        data_table(
            ["Partner", "Kind", "What the agreement says about IP", "Background IP they bring"],
            rows,
            [3, 2, 3, 4],
        )
    ]


def _agreements(linked: list[Agreement], d: Disclosure) -> list[Any]:
    out: list[Any] = []
    if linked:
        rows = []
        for a in linked:
            terms = [", ".join(p for p in a.parties if p.strip()) or NOT_RECORDED]
            if a.licence_type is not None:
                terms.append(a.licence_type.label)
            terms += [t for t in (a.field_of_use.strip(), a.territory.strip()) if t]
            period = format_date(a.effective_start, "start not recorded")
            if a.end_on is not None:
                period += f" to {format_date(a.end_on)}"
            rows.append(
                [
                    f"{a.reference}\n{a.kind.label}",
                    a.display_title,
                    "\n".join(terms),
                    format_date(a.signed_on, "Not signed yet"),
                    period,
                ]
            )
        table = data_table(
            ["Reference and kind", "Title", "Parties and terms", "Signed", "In force"],
            rows,
            [3, 3.2, 3.6, 1.7, 2.6],
        )
        out.append(_part("In the register, linked to this case", [table]))
    else:
        out.append(
            _part(
                "In the register, linked to this case", [none_recorded("no agreement is linked.")]
            )
        )
    if d.agreements:
        rows = [
            [a.kind.label, _or_not_recorded(a.party), format_date(a.signed_on, "Not signed yet")]
            for a in d.agreements
        ]
        body: Any = data_table(["Agreement", "With", "Signed"], rows, [3, 5, 2])
    else:
        body = none_recorded()
    out.append(_part("Mentioned by the innovator on the disclosure", [body]))
    return out


def _rights(rights: list[Right], register: Register, today: dt.date) -> list[Any]:
    if not rights:
        return [none_recorded("no registered or unregistered right is linked to this case.")]
    schedule = register.reference.fee_schedule()
    out: list[Any] = []
    for r in rights:
        numbers = " / ".join(
            n for n in (r.application_number.strip(), r.registration_number.strip()) if n
        )
        facts = key_value_table(
            [
                ("Right", f"{r.right_type.label}, {r.jurisdiction or NOT_RECORDED}"),
                ("Application / registration", numbers or NOT_RECORDED),
                ("Status", r.status.label_for(r.right_type)),
                ("Filed", format_date(r.filing_date)),
                ("Granted or registered", format_date(r.grant_date, "Not yet")),
                ("Owners", _or_not_recorded(r.owners)),
                ("Attorney", _or_not_recorded(r.attorney)),
                ("Next review", format_date(r.next_review)),
            ]
        )
        renewals = renewals_for(r, schedule)
        if renewals:
            paid = [n for n in renewals if n.renewal_year in r.renewals_paid]
            unpaid = [n for n in renewals if n.renewal_year not in r.renewals_paid]
            shown = paid + unpaid[:_RENEWALS_AHEAD]
            rows = [
                [
                    str(n.renewal_year),
                    format_date(n.due),
                    n.status(today, r.renewals_paid.get(n.renewal_year)),
                ]
                for n in shown
            ]
            body: list[Any] = [
                data_table(["Renewal year", "Due", "Where it stands"], rows, [1.6, 1.6, 7])
            ]
            later = unpaid[_RENEWALS_AHEAD:]
            if later:
                body.append(
                    para(
                        f"{len(later)} later renewal(s) follow, the last due "
                        f"{format_date(later[-1].due)}.",
                        "Small",
                    )
                )
        else:
            body = [
                para(
                    "No renewal fees: none apply to this right, or it is not granted yet.", "Small"
                )
            ]
        out.append(
            _part(
                r.display_title,
                [facts, Spacer(1, 2 * mm), *body, Spacer(1, 3 * mm)],
            )
        )
    return out


def _ledger(
    title: str,
    header: list[str],
    rows: list[list[str]],
    total: list[str],
    widths: list[float],
) -> Any:
    """One part of the money section: its rows and their total, or "None recorded"."""
    return _part(title, [data_table(header, [*rows, total], widths) if rows else none_recorded()])


def _money(
    costs: list[CostEntry], returns: list[ReturnLine], shares: list[Distribution]
) -> list[Any]:
    cost_rows = [
        [
            format_date(c.spent_on),
            c.category.label,
            " ".join(t for t in (c.supplier.strip(), c.reference.strip()) if t) or "-",
            money(c.amount),
            money(c.vat),
            money(c.total),
        ]
        for c in costs
    ]
    return_rows = [
        [
            format_date(r.received_on),
            r.kind.label,
            r.description.strip() or "-",
            money(r.gross),
            money(r.deductible),
            money(r.net),
        ]
        for r in returns
    ]
    out: list[Any] = [
        _ledger(
            "Costs",
            ["Date", "Kind", "Supplier and reference", "Amount", "VAT", "Total"],
            cost_rows,
            ["", "", "Total", "", "", money(sum((c.total for c in costs), Decimal(0)))],
            [1.7, 2.2, 4, 1.7, 1.5, 1.8],
        ),
        _ledger(
            "Returns",
            ["Received", "Kind", "Description", "Gross", "Costs set against it", "Net"],
            return_rows,
            [
                "",
                "",
                "Total",
                money(sum((r.gross for r in returns), Decimal(0))),
                "",
                money(sum((r.net for r in returns), Decimal(0))),
            ],
            [1.7, 1.8, 3.6, 1.8, 1.9, 1.8],
        ),
    ]
    if shares:
        rows = []
        for share in shares:
            people = "; ".join(f"{name}: {money(amount)}" for _k, name, amount in share.innovators)
            rows.append(
                [
                    format_date(share.line.received_on),
                    money(share.net),
                    *[money(share.parties[p]) for p in PARTIES],
                    people or "-",
                ]
            )
        header = ["Return", "Net", *[PARTY_LABELS[p] for p in PARTIES], "Each innovator"]
        body = data_table(header, rows, [1.7, 1.6, 1.7, 1.8, 2.0, 1.8, 3.1])
        note = para(
            "Each return is shared under the revenue-sharing policy version in force when it "
            "was recorded (Annex A section 9).",
            "Small",
        )
        out.append(_part("How each return is shared", [body, note]))
    elif returns:
        out.append(_part("How each return is shared", [none_recorded()]))
    return out


def _disclosure_rows(items: list[ExternalDisclosure]) -> list[list[str]]:
    ordered = sorted(items, key=lambda e: e.on or dt.date.max)
    return [[e.kind.label, format_date(e.on), e.description.strip() or "-"] for e in ordered]


def _external_disclosures(d: Disclosure, kinds: tuple[IpKind, ...]) -> list[Any]:
    out: list[Any] = []
    for title, planned in (("Already made", False), ("Planned", True)):
        items = [e for e in d.external_disclosures if e.planned is planned]
        if items:
            header = ["Kind", "Planned for" if planned else "Date", "Details"]
            out.append(_part(title, [data_table(header, _disclosure_rows(items), [3, 2, 7])]))
        else:
            out.append(_part(title, [none_recorded()]))
    made = [e.on for e in d.external_disclosures if not e.planned and e.on is not None]
    if made:
        points = [
            keep_together(
                [
                    para(p.text, bullet=True),
                    para(
                        f"Guidance: {p.reference}"
                        + (f" \u00b7 Source: {p.source}" if p.source else ""),
                        "Reference",
                    ),
                ]
            )
            for p in after_public_disclosure(kinds, min(made))
        ]
        out.append(_part("What the disclosure already made means", points[:1]))
        out += points[1:]
    return out


def _attachments(files: list[AttachmentInfo]) -> list[Any]:
    if not files:
        return [none_recorded()]
    rows: list[list[Any]] = [
        [
            # The fingerprint sits under the name, on one line, so it can be read and copied.
            [para(f.name, "TableCell"), para(f.sha256, "Mono")],
            f.size_text,
            format_date(dt.date.fromisoformat(f.added_at[:10])),
        ]
        for f in files
    ]
    return [
        para(
            "Files kept inside the encrypted register. Only their names, sizes and SHA-256 "
            "fingerprints are shown here, so a copy can be checked against the original.",
            "Small",
        ),
        Spacer(1, 1.5 * mm),
        data_table(["File and its SHA-256 fingerprint", "Size", "Added"], rows, [7, 1.3, 1.5]),
    ]


def _ownership(assessment: OwnershipAssessment, d: Disclosure) -> list[Any]:
    first_view = [
        ("Likely owner", assessment.overall),
        ("Confidence", assessment.confidence.label),
    ]
    out: list[Any] = [_part("The app's first view", [key_value_table(first_view)])]
    findings = [_finding(finding) for finding in assessment.contributors]
    if findings:
        out.append(_part("Each contributor's part", findings[:1]))
        out += findings[1:]
    reasons = _reasons(assessment.reasons) or [none_recorded()]
    out.append(_part("Other points", reasons[:1]))
    out += reasons[1:]
    agree = [para(point, bullet=True) for point in assessment.to_agree] or [
        none_recorded("nothing needs agreeing in writing yet.")
    ]
    out.append(_part("What to agree in writing, and with whom", agree[:1]))
    out += agree[1:]
    advice = [para(point, bullet=True) for point in assessment.legal_advice] or [
        none_recorded("no point calls for legal advice yet.")
    ]
    out.append(_part("When to get legal advice", advice[:1]))
    out += advice[1:]
    out.append(Spacer(1, 3 * mm))
    out.append(boxed([para(assessment.disclaimer, "Note")], weight=0.6, padding=6))
    confirmed = d.confirmed_ownership
    if confirmed is None:
        body = none_recorded("the IP lead has not yet confirmed who owns the IP.")
    else:
        body = key_value_table(
            [
                ("Position", confirmed.position),
                ("Note", confirmed.note.strip() or "-"),
                ("Confirmed on", format_date(confirmed.confirmed_on)),
                ("Confirmed by", _or_not_recorded(confirmed.confirmed_by)),
            ]
        )
    out.append(_part("Position confirmed by the IP lead", [body]))
    return out


def _finding(finding: ContributorFinding) -> Any:
    """One contributor's likely owner, with each reason and its guidance reference."""
    name = escape_text(finding.name.strip() or "Unnamed contributor")
    summary = escape_text(f"likely owner: {finding.owner} \u00b7 {finding.confidence.label}")
    lead = Paragraph(f"<b>{name}</b> \u00b7 {summary}", styles()["Finding"])
    return keep_together([lead, *_reasons(finding.reasons)], min_space=25 * mm)


def _reasons(reasons: tuple[Reason, ...]) -> list[Any]:
    """Each reason as a bullet with its guidance reference beneath (kept together)."""
    return [
        keep_together(
            [para(reason.text, bullet=True), para(f"Guidance: {reason.reference}", "Reference")]
        )
        for reason in reasons
    ]


def _history(case: Case, changes: list[StageChange]) -> list[Any]:
    if not changes:
        if case.stage is Stage.DRAFT:
            return [none_recorded("the case has not moved from Draft.")]
        return [
            para(
                f"No stage change is recorded: the case was entered in the register at "
                f"{case.stage.label} on {_utc_text(case.created_at)} (for example by an "
                "import).",
                "Note",
            )
        ]
    rows = [
        [
            format_date(c.changed_on),
            c.from_stage.label if c.from_stage else "-",
            c.to_stage.label,
            _or_not_recorded(c.actor),
            c.reason.label if c.reason else "-",
            c.note.strip() or "-",
        ]
        for c in changes
    ]
    return [
        data_table(["Date", "From", "To", "By", "Reason", "Note"], rows, [2.1, 2.2, 2.2, 3, 3, 4])
    ]


_AUDIT_VALUE_LIMIT = 60


# Book-keeping fields every row carries: left out of the "Changed" column.
_AUDIT_QUIET = frozenset({"id", "created_at", "updated_at", "ref_number", "ref_year", "case_id"})


def _change_text(changes: dict[str, Any]) -> str:
    """Each changed field, with short before and after values (long text by name only);
    a new record's fields with their first values."""
    parts = []
    for field, value in changes.items():
        if field in _AUDIT_QUIET:
            continue
        label = field.replace("_", " ")
        if isinstance(value, list) and len(value) == 2:
            before, after = (_short(v) for v in value)
            if value[0] is None and after is not None:
                parts.append(f"{label}: {after}" if after else label)
            elif before is None or after is None:
                parts.append(label)
            else:
                parts.append(f"{label}: {before} \u2192 {after}")
        else:
            parts.append(label)
    return "; ".join(parts) or "-"


def _short(value: Any) -> str | None:
    if value is None:
        return "(none)"
    if isinstance(value, (dict, list)):
        return None
    text = str(value)
    return text if len(text) <= _AUDIT_VALUE_LIMIT and "\n" not in text else None


def _audit(entries: list[AuditEntry]) -> list[Any]:
    if not entries:
        return [none_recorded()]
    rows = [
        [
            str(e.seq),
            _utc_text(e.at),
            e.actor_name.strip() or e.os_user,
            f"{e.action} {e.record_kind.replace('_', ' ')}",
            _change_text(e.changes),
        ]
        for e in entries
    ]
    return [
        para(
            "Every row of the register's audit trail about this case, its rights, costs, "
            "agreements and files, oldest first. Each row is chained to the one before by an "
            "HMAC, checked by the register's check command.",
            "Small",
        ),
        Spacer(1, 1.5 * mm),
        data_table(["#", "When", "Who", "What", "Changed"], rows, [0.8, 2.2, 2.4, 2.4, 7]),
    ]


def _story(register: Register, case: Case, context: ReportContext) -> list[Any]:
    d = register.cases.details(case.id)
    today = context.generated_at.date()
    story: list[Any] = [
        para(case.display_title, "Title"),
        para(f"{case.reference} \u00b7 {case.stage.label}", "Subtitle"),
    ]
    window_days = int(register.settings.get("disclosure_alert_days"))
    alert = case_alert_text(case, today=today, window_days=window_days)
    if alert:
        story += [
            boxed(
                [
                    para(alert, "Alert"),
                    para(
                        "Step 4: nothing is shared outside the trust before the internal IP "
                        "review, whatever the kind of IP. Section 8 says what a disclosure "
                        "already made means for each kind of IP.",
                        "Small",
                    ),
                ]
            ),
            Spacer(1, 2 * mm),
        ]
    sections: list[list[Any]] = [
        _key_facts(case),
        _decisions(register.assessments.decisions(case.id)),
        _idea(case, d),
        _kinds_and_flags(case, d),
        _contributors(d),
        _funders(d),
        _partners(d),
        _agreements(register.agreements.for_case(case.id), d),
        _rights(register.rights.for_case(case.id), register, today),
        _money(
            register.costs.list(case_id=case.id),
            register.returns.for_case(case.id),
            register.returns.distributions(case.id),
        ),
        _external_disclosures(d, case.ip_kinds),
        _attachments(register.attachments.for_case(case.id)),
        _ownership(assess_ownership(d), d),
        _history(case, register.cases.history(case.id)),
        _audit(case_audit_entries(register, case.id)),
    ]
    for number, (title, body) in enumerate(zip(DOSSIER_SECTIONS, sections, strict=True), 1):
        heading = para(f"{number}. {title}", "H1")
        if body and isinstance(body[0], KeepTogether):
            # Keep the heading with the first part's own flowables: a nested KeepTogether
            # measures as "too tall" and would let the heading stand alone at a page foot.
            story.append(keep_together([heading, *body[0]._content]))
            story += body[1:]
        else:
            story.append(keep_together([heading, *body]))
    story += [Spacer(1, 8 * mm), para(f"End of case dossier {case.reference}", "SmallCentre")]
    return story


def write_dossier(register: Register, case_id: int, target: Path) -> Path:
    """Write the whole case ``case_id`` as a PDF at ``target``, and record it in the audit trail.

    Saved with ``atomic_write``: raises ``ReportWriteError`` if it cannot be saved (nothing
    is then recorded), and ``NotFoundError`` if there is no such case.
    """
    case = register.cases.get(case_id)
    return write_report(
        register,
        target,
        title=dossier_title(case),
        kind="dossier",
        sections=DOSSIER_SECTIONS,
        story=lambda context: _story(register, case, context),
    )
