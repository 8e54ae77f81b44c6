"""The case dossier: everything the register holds about one case, as a PDF to file or brief.

It covers the key facts, any urgent confidentiality alert, the idea as disclosed, the
contributors and their shares, funders, partners, agreements, external disclosures,
attachments (name, size and SHA-256 only: never their content), the app's first view of who
owns the IP with its reasons and guidance references, the IP lead's confirmed position, and
the stage history. A section with nothing in it says "None recorded" rather than
disappearing, so a reader can tell "nothing" from "left out". Writing a dossier is recorded
in the audit trail.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportlab.platypus import Paragraph, Spacer

from nhsip_desktop.after_disclosure import after_public_disclosure
from nhsip_desktop.cases import Case, IpKind, Stage
from nhsip_desktop.countries import countries
from nhsip_desktop.disclosure import (
    Beneficiary,
    Disclosure,
    ExternalDisclosure,
    PartnerKind,
    Resource,
)
from nhsip_desktop.ownership import (
    ContributorFinding,
    OwnershipAssessment,
    Reason,
    assess_ownership,
)
from nhsip_desktop.reports.template import (
    NOT_RECORDED,
    ReportContext,
    boxed,
    build_pdf,
    data_table,
    escape_text,
    format_date,
    keep_together,
    key_value_table,
    mm,
    none_recorded,
    para,
    record_report,
    styles,
)
from nhsip_desktop.stages import CloseReason, StageChange, alert_text
from nhsip_desktop.store.attachments import AttachmentInfo

if TYPE_CHECKING:
    from nhsip_desktop.store.register import Register

__all__ = ["DOSSIER_SECTIONS", "dossier_title", "write_dossier"]

DOSSIER_SECTIONS: tuple[str, ...] = (
    "Key facts",
    "The idea",
    "Kinds of IP and flags",
    "Contributors",
    "Funders",
    "Partners",
    "Agreements",
    "External disclosures",
    "Attachments",
    "Who owns the IP",
    "Stage history",
)

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
_PARTNER_KIND_LABELS = {
    PartnerKind.UNIVERSITY: "University",
    PartnerKind.COMPANY: "Company",
    PartnerKind.HOSTED_BODY: "Hosted body",
    PartnerKind.NHS_BODY: "NHS body",
    PartnerKind.OTHER: "Other",
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


def _key_facts(case: Case) -> list[Any]:
    rows: list[tuple[str, Any]] = [
        ("Reference", case.reference),
        ("Stage", case.stage.label),
        ("Kinds of IP", "; ".join(k.label for k in case.ip_kinds) or "None recorded"),
        ("Lead innovator", _or_not_recorded(case.lead_innovator)),
        ("Received", format_date(case.received_on, "Not yet submitted")),
        ("Feedback due", format_date(case.feedback_due)),
        ("Next action", _or_not_recorded(case.next_action)),
        ("Next action due", format_date(case.next_action_due)),
    ]
    if case.stage is Stage.CLOSED:
        rows.append(("Closed because", _close_reason(case)))
    return [key_value_table(rows)]


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
            _PARTNER_KIND_LABELS[p.kind],
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


def _agreements(d: Disclosure) -> list[Any]:
    if not d.agreements:
        return [none_recorded()]
    rows = [
        [a.kind.label, _or_not_recorded(a.party), format_date(a.signed_on, "Not signed yet")]
        for a in d.agreements
    ]
    return [data_table(["Agreement", "With", "Signed"], rows, [3, 5, 2])]


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


def _history(changes: list[StageChange]) -> list[Any]:
    if not changes:
        return [none_recorded("the case has not moved from Draft.")]
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


def _story(register: Register, case: Case, context: ReportContext) -> list[Any]:
    d = register.cases.details(case.id)
    today = context.generated_at.date()
    story: list[Any] = [
        para(case.display_title, "Title"),
        para(f"{case.reference} \u00b7 {case.stage.label}", "Subtitle"),
    ]
    alert = alert_text(
        case.stage,
        case.alert_on,
        case.alert_planned,
        case.alert_reason,
        today=today,
        window_days=int(register.settings.get("disclosure_alert_days")),
    )
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
        _idea(case, d),
        _kinds_and_flags(case, d),
        _contributors(d),
        _funders(d),
        _partners(d),
        _agreements(d),
        _external_disclosures(d, case.ip_kinds),
        _attachments(register.attachments.for_case(case.id)),
        _ownership(assess_ownership(d), d),
        _history(register.cases.history(case.id)),
    ]
    for number, (title, body) in enumerate(zip(DOSSIER_SECTIONS, sections, strict=True), 1):
        story.append(keep_together([para(f"{number}. {title}", "H1"), *body]))
    story += [Spacer(1, 8 * mm), para(f"End of case dossier {case.reference}", "SmallCentre")]
    return story


def write_dossier(register: Register, case_id: int, target: Path) -> Path:
    """Write the whole case ``case_id`` as a PDF at ``target``, and record it in the audit trail.

    Saved with ``atomic_write``: raises ``ReportWriteError`` if it cannot be saved (nothing
    is then recorded), and ``NotFoundError`` if there is no such case.
    """
    case = register.cases.get(case_id)
    context = ReportContext.from_register(register, dossier_title(case))
    written = build_pdf(Path(target), context, _story(register, case, context))
    record_report(register, "dossier", written, list(DOSSIER_SECTIONS))
    return written
