"""Agreements and TTC performance reviews: the domain of the agreements register (Qt-free).

Step 8 asks that "IP agreements are properly entered into and managed for the life of the
agreement"; step 9 and Annex B ask the trust to hold its technology transfer (TTC) agreements,
to define the type of licence a TTC may negotiate, and to "review TTC performance quarterly
with a more formal review annually". An :class:`Agreement` is one signed (or draft) agreement
of any kind, with its parties, dates, linked cases and rights, and the obligations it places
on the trust or the other party. A :class:`TtcReview` is one quarterly (or formal annual)
review of a TTC services agreement, with the Annex B measures (licences executed, revenue,
active licences, time to agree a licence, pipeline, health impact).

Licences (step 2): exclusive (only the licensee can use it in the field; the licensor cannot),
sole (one licensee, and the licensor can still use it), non-exclusive (many licensees, and the
licensor can use it). Exclusive licences are to be granted only in exceptional circumstances,
after legal advice; an assignment (or hand-back) should contain a licence back to the trust
for patient care, teaching and research (step 7, route 2).

``validate_agreement`` and ``validate_ttc_review`` return ``(field, message)`` pairs: hard
errors that stop a save. ``agreement_warnings`` returns sentences the person should read but
that do not stop a save (a register must be able to hold an agreement as it was signed).
``agreement_deadlines`` turns an agreement into :class:`~nhsip_desktop.assets.renewals.Deadline`
items for the upcoming-deadlines view.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from nhsip_desktop.assets.renewals import Deadline, add_months
from nhsip_desktop.core import json_fields as jf
from nhsip_desktop.core.labelled import LabelledEnum
from nhsip_desktop.core.money import PENNY
from nhsip_desktop.core.periods import financial_year_of

__all__ = [
    "DEADLINE_URGENT_DAYS",
    "ENDED_SHOWN_DAYS",
    "KIND_AGREEMENT",
    "KIND_OBLIGATION",
    "KIND_TTC_REVIEW",
    "NOTICE_PASSED_SHOWN_DAYS",
    "REVIEW_EVERY_MONTHS",
    "TITLE_MAX",
    "TRUST",
    "Agreement",
    "AgreementKind",
    "LicenceType",
    "Obligation",
    "TtcReview",
    "agreement_deadlines",
    "agreement_warnings",
    "financial_quarter",
    "normalise_agreement",
    "review_with_defaults",
    "validate_agreement",
    "validate_ttc_review",
]

TITLE_MAX = 300
NOTICE_DAYS_MAX = 3650
TRUST = "trust"  # an obligation's owner when the trust itself must act

KIND_OBLIGATION = "obligation"
KIND_AGREEMENT = "agreement"
KIND_TTC_REVIEW = "ttc_review"

DEADLINE_URGENT_DAYS = 14  # an agreement deadline this close (or passed) is urgent
ENDED_SHOWN_DAYS = 30  # an end or renewal date stays on the list this long after it passes
NOTICE_PASSED_SHOWN_DAYS = 14  # a passed notice deadline stays on the list this long
REVIEW_EVERY_MONTHS = 3  # Annex B: review TTC performance quarterly
ANNUAL_MONTHS = 12  # ... with a more formal review annually


class AgreementKind(LabelledEnum):
    NDA = "nda", "Confidentiality agreement (NDA)"
    COLLABORATION = "collaboration", "Collaboration agreement"
    LICENCE_OUT = "licence_out", "Licence out (the trust grants a licence)"
    LICENCE_IN = "licence_in", "Licence in (the trust is granted a licence)"
    ASSIGNMENT = "assignment", "Assignment (ownership of the IP transferred)"
    HAND_BACK = "hand_back", "Hand-back to the innovator"
    TTC_SERVICES = "ttc_services", "Technology transfer (TTC) services agreement"
    DATA_SHARING = "data_sharing", "Data-sharing agreement"
    MATERIAL_TRANSFER = "material_transfer", "Material transfer agreement"
    FUNDING = "funding", "Funding agreement"
    OTHER = "other", "Other agreement"

    @property
    def is_licence(self) -> bool:
        """A licence of IP, out from the trust or in to it: the licence fields apply."""
        return self in (AgreementKind.LICENCE_OUT, AgreementKind.LICENCE_IN)

    @property
    def transfers_ownership(self) -> bool:
        """An assignment or hand-back: the agreement should license the IP back (step 7)."""
        return self in (AgreementKind.ASSIGNMENT, AgreementKind.HAND_BACK)


class LicenceType(LabelledEnum):
    """The kinds of licence in step 2 of the guidance."""

    EXCLUSIVE = (
        "exclusive",
        "Exclusive: only the licensee can use it in the field; the licensor cannot "
        "(only in exceptional circumstances, after legal advice)",
    )
    SOLE = "sole", "Sole: one licensee only, and the licensor can still use it"
    NON_EXCLUSIVE = (
        "non_exclusive",
        "Non-exclusive: many licensees, and the licensor can use it (the normal approach)",
    )


# -- obligations and agreements ------------------------------------------------------------
@dataclass
class Obligation:
    """Something the agreement requires someone to do, by a date or on an event.

    ``owner`` is ``"trust"`` when the trust must act, else the other party's (or a person's)
    name. ``key`` identifies the obligation within its agreement (given on save: "o1", "o2",
    ...) so its deadline keeps its identity when the list is edited.
    """

    text: str
    due: dt.date | None = None
    owner: str = TRUST
    done_on: dt.date | None = None
    key: str = ""

    @property
    def is_open(self) -> bool:
        return self.done_on is None

    @property
    def owner_label(self) -> str:
        """ "the trust", or the party's name."""
        owner = self.owner.strip()
        return "the trust" if owner.lower() == TRUST else owner

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "due": jf.iso(self.due),
            "owner": self.owner,
            "done_on": jf.iso(self.done_on),
            "key": self.key,
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any], where: str = "obligation") -> Obligation:
        if not isinstance(raw, Mapping):
            raise ValueError(f"{where}: must be an object")
        return cls(
            text=jf.text(raw, "text", where),
            due=jf.optional_date(raw, "due", where),
            owner=jf.text(raw, "owner", where, TRUST),
            done_on=jf.optional_date(raw, "done_on", where),
            key=jf.text(raw, "key", where),
        )


@dataclass
class Agreement:
    """One agreement in the register. ``reference`` (``AG-YYYY-NNNN``) is given on first save.

    ``start_on`` is when the agreement takes effect (the signing date when left empty);
    ``renewal_on`` a date by which it must be renewed, re-tendered or let go; ``notice_days``
    the notice needed to end it (the last day to give notice is ``end_on`` less that many
    days). ``case_ids`` and ``right_ids`` link the cases and registered rights it covers.

    Licences only: ``licence_type``, ``field_of_use``, ``territory`` and
    ``exclusive_justification`` (why an exclusive licence is justified, and the legal advice
    taken). Assignments and hand-backs only: ``licence_back``, whether there is a licence back
    to the trust for patient care, teaching and research (None: not yet known).
    """

    id: int | None = None
    reference: str = ""
    kind: AgreementKind = AgreementKind.OTHER
    title: str = ""
    parties: list[str] = field(default_factory=list)
    signed_on: dt.date | None = None
    start_on: dt.date | None = None
    end_on: dt.date | None = None
    renewal_on: dt.date | None = None
    notice_days: int | None = None
    case_ids: list[int] = field(default_factory=list)
    right_ids: list[int] = field(default_factory=list)
    obligations: list[Obligation] = field(default_factory=list)
    revenue_terms: str = ""
    licence_type: LicenceType | None = None
    field_of_use: str = ""
    territory: str = ""
    licence_back: bool | None = None
    exclusive_justification: str = ""
    note: str = ""

    @property
    def display_title(self) -> str:
        return self.title.strip() or "(untitled agreement)"

    @property
    def effective_start(self) -> dt.date | None:
        """The start date, or the signing date when no start date is recorded."""
        return self.start_on or self.signed_on

    @property
    def notice_by(self) -> dt.date | None:
        """The last day to give notice before the end date (None without both)."""
        if self.end_on is None or self.notice_days is None:
            return None
        return self.end_on - dt.timedelta(days=self.notice_days)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict: dates as ISO text, enums as their values."""
        return {
            "id": self.id,
            "reference": self.reference,
            "kind": self.kind.value,
            "title": self.title,
            "parties": list(self.parties),
            "signed_on": jf.iso(self.signed_on),
            "start_on": jf.iso(self.start_on),
            "end_on": jf.iso(self.end_on),
            "renewal_on": jf.iso(self.renewal_on),
            "notice_days": self.notice_days,
            "case_ids": list(self.case_ids),
            "right_ids": list(self.right_ids),
            "obligations": [o.to_json() for o in self.obligations],
            "revenue_terms": self.revenue_terms,
            "licence_type": self.licence_type.value if self.licence_type else None,
            "field_of_use": self.field_of_use,
            "territory": self.territory,
            "licence_back": self.licence_back,
            "exclusive_justification": self.exclusive_justification,
            "note": self.note,
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Agreement:
        """The inverse of :meth:`to_json`. Missing optional fields take their defaults;
        malformed values raise ``ValueError`` naming the field."""
        if not isinstance(raw, Mapping):
            raise ValueError("agreement: must be an object")
        try:
            kind = AgreementKind(raw.get("kind", AgreementKind.OTHER.value))
        except ValueError:
            raise ValueError(f"kind: {raw.get('kind')!r} is not a kind of agreement") from None
        licence_raw = raw.get("licence_type")
        try:
            licence_type = LicenceType(licence_raw) if licence_raw else None
        except ValueError:
            raise ValueError(f"licence_type: {licence_raw!r} is not a type of licence") from None
        licence_back = raw.get("licence_back")
        if licence_back is not None and not isinstance(licence_back, bool):
            raise ValueError("licence_back: must be true, false or null")
        obligations_raw = jf.items(raw, "obligations")
        return cls(
            id=jf.whole_or_none(raw, "id"),
            reference=jf.text(raw, "reference"),
            kind=kind,
            title=jf.text(raw, "title"),
            parties=jf.text_list(raw, "parties"),
            signed_on=jf.optional_date(raw, "signed_on"),
            start_on=jf.optional_date(raw, "start_on"),
            end_on=jf.optional_date(raw, "end_on"),
            renewal_on=jf.optional_date(raw, "renewal_on"),
            notice_days=jf.whole_or_none(raw, "notice_days"),
            case_ids=jf.whole_list(raw, "case_ids"),
            right_ids=jf.whole_list(raw, "right_ids"),
            obligations=[
                Obligation.from_json(o, f"obligations[{i}]") for i, o in enumerate(obligations_raw)
            ],
            revenue_terms=jf.text(raw, "revenue_terms"),
            licence_type=licence_type,
            field_of_use=jf.text(raw, "field_of_use"),
            territory=jf.text(raw, "territory"),
            licence_back=licence_back,
            exclusive_justification=jf.text(raw, "exclusive_justification"),
            note=jf.text(raw, "note"),
        )


def normalise_agreement(a: Agreement) -> Agreement:
    """A tidied copy, as it is stored: text stripped, empty parties dropped, case and right
    ids without repeats (in order), and every obligation given a key ("o1", "o2", ...)."""
    used = {o.key.strip() for o in a.obligations if o.key.strip()}
    numbers = [int(k[1:]) for k in used if k.startswith("o") and k[1:].isdigit()]
    next_number = max(numbers, default=0) + 1
    obligations: list[Obligation] = []
    for o in a.obligations:
        key = o.key.strip()
        if not key:
            key = f"o{next_number}"
            next_number += 1
        obligations.append(
            Obligation(o.text.strip(), o.due, o.owner.strip(), o.done_on, key),
        )
    return dataclasses.replace(
        a,
        reference=a.reference.strip(),
        title=a.title.strip(),
        parties=[p.strip() for p in a.parties if p.strip()],
        case_ids=list(dict.fromkeys(a.case_ids)),
        right_ids=list(dict.fromkeys(a.right_ids)),
        obligations=obligations,
        revenue_terms=a.revenue_terms.strip(),
        field_of_use=a.field_of_use.strip(),
        territory=a.territory.strip(),
        exclusive_justification=a.exclusive_justification.strip(),
        note=a.note.strip(),
    )


def validate_agreement(a: Agreement, today: dt.date) -> list[tuple[str, str]]:
    """Problems that stop an agreement being saved, as ``(field, message)`` pairs.

    Rules:

    - a title (up to 300 characters) and at least one party are required;
    - the signing date cannot be in the future (an unsigned agreement has none);
    - the end date must be after the start date (the signing date when no start date is
      given); a renewal date cannot be before the start or after the end;
    - the notice period is a whole number of days from 0 to 3650;
    - licence type, field of use, territory and the exclusivity justification are for
      licences (in or out) only; a licence back is recorded only for an assignment or a
      hand-back;
    - every obligation says what must be done and whose obligation it is; it cannot be
      marked done on a future date; obligation keys are unique.

    Things the guidance advises against (an exclusive licence with no recorded justification,
    an assignment with no licence back) are warnings: see :func:`agreement_warnings`.
    """
    problems: list[tuple[str, str]] = []
    title = a.title.strip()
    if not title:
        problems.append(("title", "Give the agreement a title."))
    elif len(title) > TITLE_MAX:
        problems.append(("title", f"Keep the title under {TITLE_MAX} characters."))
    if not any(p.strip() for p in a.parties):
        problems.append(("parties", "Name at least one other party to the agreement."))

    if a.signed_on is not None and a.signed_on > today:
        problems.append(
            (
                "signed_on",
                f"The signing date ({_uk(a.signed_on)}) cannot be in the future: leave it "
                "empty until the agreement is signed.",
            )
        )
    start = a.effective_start
    start_words = "start date" if a.start_on is not None else "signing date"
    if a.end_on is not None and start is not None and a.end_on <= start:
        problems.append(
            (
                "end_on",
                f"The end date ({_uk(a.end_on)}) must be after the {start_words} ({_uk(start)}).",
            )
        )
    if a.renewal_on is not None:
        if start is not None and a.renewal_on < start:
            problems.append(
                (
                    "renewal_on",
                    f"The renewal date ({_uk(a.renewal_on)}) cannot be before the "
                    f"{start_words} ({_uk(start)}).",
                )
            )
        if a.end_on is not None and a.renewal_on > a.end_on:
            problems.append(
                (
                    "renewal_on",
                    f"The renewal date ({_uk(a.renewal_on)}) cannot be after the end date "
                    f"({_uk(a.end_on)}).",
                )
            )
    if a.notice_days is not None and not 0 <= a.notice_days <= NOTICE_DAYS_MAX:
        problems.append(
            ("notice_days", f"Enter the notice period in days, from 0 to {NOTICE_DAYS_MAX}.")
        )

    if not a.kind.is_licence:
        licence_only = (
            ("licence_type", a.licence_type is not None, "The type of licence"),
            ("field_of_use", bool(a.field_of_use.strip()), "The field of use"),
            ("territory", bool(a.territory.strip()), "The territory"),
            (
                "exclusive_justification",
                bool(a.exclusive_justification.strip()),
                "The justification for exclusivity",
            ),
        )
        for name, present, words in licence_only:
            if present:
                problems.append(
                    (
                        name,
                        f"{words} is recorded for licences only; this is a "
                        f"{a.kind.label.lower()}: clear it, or change the kind of agreement.",
                    )
                )
    if a.licence_back is not None and not a.kind.transfers_ownership:
        problems.append(
            (
                "licence_back",
                "A licence back to the trust is recorded for assignments and hand-backs only; "
                f"this is a {a.kind.label.lower()}.",
            )
        )

    seen: set[str] = set()
    for number, o in enumerate(a.obligations, start=1):
        if not o.text.strip():
            problems.append(("obligations", f"Obligation {number}: say what must be done."))
        if not o.owner.strip():
            problems.append(
                (
                    "obligations",
                    f"Obligation {number}: say whose obligation it is (the trust, or the other "
                    "party's name).",
                )
            )
        if o.done_on is not None and o.done_on > today:
            problems.append(
                (
                    "obligations",
                    f"Obligation {number}: it cannot be marked done on a future date "
                    f"({_uk(o.done_on)}).",
                )
            )
        key = o.key.strip()
        if key:
            if key in seen:
                problems.append(
                    ("obligations", f"Obligation {number}: its key {key!r} is used twice.")
                )
            seen.add(key)
    return problems


def agreement_warnings(a: Agreement, reviews: Sequence[TtcReview] = ()) -> list[str]:
    """What the guidance advises about this agreement that it does not (yet) show; saving is
    still allowed, because the register must hold an agreement as it was signed.

    - an exclusive licence out with no recorded justification (step 2, Annex B);
    - an assignment or hand-back without a licence back to the trust (step 7, route 2);
    - a TTC services agreement with no obligations recorded, or with no date for its next
      quarterly review (no review recorded with a next date, and no start or signing date to
      count three months from) (Annex B).
    """
    warnings: list[str] = []
    if (
        a.kind is AgreementKind.LICENCE_OUT
        and a.licence_type is LicenceType.EXCLUSIVE
        and not a.exclusive_justification.strip()
    ):
        warnings.append(
            "Exclusive licence with no justification recorded. Step 2: exclusive licences only "
            "in exceptional circumstances, after legal advice; non-exclusive licences are the "
            "normal approach (Annex B). Record why exclusivity is justified and the advice "
            "taken."
        )
    if a.kind.transfers_ownership and a.licence_back is not True:
        state = "does not contain" if a.licence_back is False else "is not recorded as having"
        warnings.append(
            f"This {a.kind.label.split(' (')[0].lower()} {state} a licence back to the trust. "
            "Step 7: even where IP is assigned, the agreement should contain a licence back to "
            "the trust for patient care, teaching and research."
        )
    if a.kind is AgreementKind.TTC_SERVICES:
        if not a.obligations:
            warnings.append(
                "No obligations are recorded for this TTC agreement. Annex B: record what the "
                "TTC must do and when (for example regular reports on licensing activity, "
                "the deal pipeline and financials), and what the trust must do."
            )
        if _next_ttc_review(a, reviews) is None:
            warnings.append(
                "No date for the next TTC performance review. Annex B: review TTC performance "
                "quarterly, with a more formal review annually; record the start date, or "
                "record a review with its next review date."
            )
    return warnings


# -- TTC performance reviews ---------------------------------------------------------------
@dataclass(frozen=True)
class TtcReview:
    """One review of a TTC's performance (Annex B: governance and reporting).

    ``period`` names the quarter reviewed ("Q3 2026-27", NHS financial year); the measures
    are the KPIs Annex B names: licences executed in the period, revenue generated in the
    period, active licences, the days taken to agree a licence, the deal pipeline and the
    health impact. ``formal_annual`` marks the more formal annual review. ``next_review``
    defaults to three months after ``reviewed_on`` (see :func:`review_with_defaults`).
    """

    agreement_id: int
    reviewed_on: dt.date
    period: str = ""
    licences_executed: int = 0
    revenue: Decimal = Decimal(0)
    active_licences: int = 0
    days_to_licence: int | None = None
    pipeline: str = ""
    health_impact: str = ""
    summary: str = ""
    formal_annual: bool = False
    next_review: dt.date | None = None
    reviewer: str = ""
    id: int | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict: dates as ISO text, revenue as exact decimal text ("1234.50")."""
        return {
            "id": self.id,
            "agreement_id": self.agreement_id,
            "reviewed_on": self.reviewed_on.isoformat(),
            "period": self.period,
            "licences_executed": self.licences_executed,
            "revenue": str(self.revenue),
            "active_licences": self.active_licences,
            "days_to_licence": self.days_to_licence,
            "pipeline": self.pipeline,
            "health_impact": self.health_impact,
            "summary": self.summary,
            "formal_annual": self.formal_annual,
            "next_review": jf.iso(self.next_review),
            "reviewer": self.reviewer,
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> TtcReview:
        if not isinstance(raw, Mapping):
            raise ValueError("review: must be an object")
        agreement_id = jf.whole_or_none(raw, "agreement_id")
        if agreement_id is None:
            raise ValueError("agreement_id: must be a whole number")
        reviewed_on = jf.required_date(raw, "reviewed_on")
        revenue_raw = raw.get("revenue", "0")
        if isinstance(revenue_raw, bool) or not isinstance(revenue_raw, str | int):
            raise ValueError('revenue: must be an amount written as text, such as "1234.50"')
        try:
            revenue = Decimal(str(revenue_raw).strip())
        except InvalidOperation:
            raise ValueError('revenue: must be an amount, such as "1234.50"') from None
        return cls(
            agreement_id=agreement_id,
            reviewed_on=reviewed_on,
            period=jf.text(raw, "period"),
            licences_executed=jf.whole_or_none(raw, "licences_executed") or 0,
            revenue=revenue,
            active_licences=jf.whole_or_none(raw, "active_licences") or 0,
            days_to_licence=jf.whole_or_none(raw, "days_to_licence"),
            pipeline=jf.text(raw, "pipeline"),
            health_impact=jf.text(raw, "health_impact"),
            summary=jf.text(raw, "summary"),
            formal_annual=jf.flag(raw, "formal_annual"),
            next_review=jf.optional_date(raw, "next_review"),
            reviewer=jf.text(raw, "reviewer"),
            id=jf.whole_or_none(raw, "id"),
        )


def financial_quarter(d: dt.date) -> str:
    """The NHS financial-year quarter ``d`` falls in: 15/11/2026 -> "Q3 2026-27"."""
    start_year = financial_year_of(d)
    quarter = (d.month - 4) % 12 // 3 + 1
    return f"Q{quarter} {start_year}-{(start_year + 1) % 100:02d}"


def review_with_defaults(review: TtcReview) -> TtcReview:
    """The review as it is stored: text stripped; an empty period becomes the quarter before
    the one it was held in (a review looks back: held 10/01/2027 -> "Q3 2026-27"); no next
    review date becomes three months after the review."""
    period = review.period.strip() or financial_quarter(add_months(review.reviewed_on, -3))
    next_review = review.next_review or add_months(review.reviewed_on, REVIEW_EVERY_MONTHS)
    return dataclasses.replace(
        review,
        period=period,
        pipeline=review.pipeline.strip(),
        health_impact=review.health_impact.strip(),
        summary=review.summary.strip(),
        reviewer=review.reviewer.strip(),
        next_review=next_review,
    )


def validate_ttc_review(review: TtcReview, today: dt.date) -> list[tuple[str, str]]:
    """Problems that stop a TTC review being saved, as ``(field, message)`` pairs.

    The review cannot be dated in the future; it names the period reviewed, a summary and the
    reviewer; counts and days are whole numbers, 0 or more; revenue is £0 or more, in whole
    pence; the next review is after the review.
    """
    problems: list[tuple[str, str]] = []
    if review.reviewed_on > today:
        problems.append(("reviewed_on", "A review cannot be dated in the future."))
    if not review.period.strip():
        problems.append(("period", 'Say which period was reviewed, such as "Q3 2026-27".'))
    if not review.summary.strip():
        problems.append(("summary", "Summarise the TTC's performance in the period."))
    if not review.reviewer.strip():
        problems.append(("reviewer", "Say who carried out the review."))
    counts = (
        ("licences_executed", review.licences_executed, "Licences executed"),
        ("active_licences", review.active_licences, "Active licences"),
        ("days_to_licence", review.days_to_licence, "Days to agree a licence"),
    )
    for name, value, words in counts:
        if value is not None and value < 0:
            problems.append((name, f"{words} cannot be less than 0."))
    revenue = review.revenue
    if not revenue.is_finite() or revenue < 0 or revenue != revenue.quantize(PENNY):
        problems.append(("revenue", "Enter the revenue in pounds and pence, £0 or more."))
    if review.next_review is not None and review.next_review <= review.reviewed_on:
        problems.append(
            (
                "next_review",
                f"The next review ({_uk(review.next_review)}) must be after this one "
                f"({_uk(review.reviewed_on)}).",
            )
        )
    return problems


def _latest(reviews: Sequence[TtcReview]) -> TtcReview | None:
    if not reviews:
        return None
    return max(reviews, key=lambda r: (r.reviewed_on, r.id if r.id is not None else 0))


def _next_ttc_review(a: Agreement, reviews: Sequence[TtcReview]) -> dt.date | None:
    latest = _latest(reviews)
    if latest is not None:
        return latest.next_review
    start = a.effective_start
    return add_months(start, REVIEW_EVERY_MONTHS) if start is not None else None


# -- deadlines -----------------------------------------------------------------------------
def _urgent(due: dt.date, today: dt.date) -> bool:
    return (due - today).days <= DEADLINE_URGENT_DAYS


def agreement_deadlines(
    a: Agreement, today: dt.date, reviews: Sequence[TtcReview] = ()
) -> list[Deadline]:
    """The deadlines of one agreement, as of ``today``; each named by the agreement's
    reference. Urgent when passed or within 14 days.

    - obligation: every obligation not done that has a due date;
    - agreement: the end date (shown until 30 days after it), the last day to give notice
      (the end date less the notice period; shown until 14 days after it, and not after the
      end), and the renewal date (shown until 30 days after it);
    - ttc_review: for a TTC services agreement not yet ended, the next performance review:
      the latest review's next review date, or three months after the start (or signing)
      date when none is recorded; called the formal annual review when none has been held
      in the 12 months before it (Annex B).
    """
    reference = a.reference or a.display_title
    source = f"agreement:{a.id if a.id is not None else 'new'}"
    title = a.display_title
    found: list[Deadline] = []

    for number, o in enumerate(a.obligations, start=1):
        if o.due is None or o.done_on is not None:
            continue
        key = o.key or str(number)
        when = f"was due {_uk(o.due)}" if o.due < today else f"due {_uk(o.due)}"
        text = f"{o.text.strip() or '(obligation)'} ({o.owner_label}; {when}), under {title}"
        found.append(
            Deadline(
                o.due,
                KIND_OBLIGATION,
                text,
                reference,
                f"{source}:{KIND_OBLIGATION}:{key}",
                _urgent(o.due, today),
            )
        )

    if a.end_on is not None and today <= a.end_on + dt.timedelta(days=ENDED_SHOWN_DAYS):
        if today <= a.end_on:
            text = (
                f"{title} ends {_uk(a.end_on)}: plan renewal, re-tendering or exit, and what "
                "continues after it ends"
            )
        else:
            text = (
                f"{title} ended {_uk(a.end_on)}: record whether it was renewed, replaced or "
                "ended, and any obligations that continue"
            )
        found.append(
            Deadline(
                a.end_on, KIND_AGREEMENT, text, reference, f"{source}:end", _urgent(a.end_on, today)
            )
        )

    notice_by = a.notice_by
    if (
        notice_by is not None
        and a.end_on is not None
        and a.notice_days
        and today <= a.end_on
        and today <= notice_by + dt.timedelta(days=NOTICE_PASSED_SHOWN_DAYS)
    ):
        days = f"{a.notice_days} day{'s' if a.notice_days != 1 else ''}"
        if today <= notice_by:
            text = (
                f"Last day to give notice on {title}: {_uk(notice_by)} ({days} before it ends "
                f"on {_uk(a.end_on)})"
            )
        else:
            text = (
                f"The last day to give notice on {title} was {_uk(notice_by)} ({days} before "
                f"it ends on {_uk(a.end_on)})"
            )
        found.append(
            Deadline(
                notice_by,
                KIND_AGREEMENT,
                text,
                reference,
                f"{source}:notice",
                _urgent(notice_by, today),
            )
        )

    if a.renewal_on is not None and today <= a.renewal_on + dt.timedelta(days=ENDED_SHOWN_DAYS):
        verb = "is due for renewal" if today <= a.renewal_on else "was due for renewal"
        text = (
            f"{title} {verb} on {_uk(a.renewal_on)}: decide whether to renew, re-tender or "
            "end it, on its performance"
        )
        found.append(
            Deadline(
                a.renewal_on,
                KIND_AGREEMENT,
                text,
                reference,
                f"{source}:renewal",
                _urgent(a.renewal_on, today),
            )
        )

    ended = a.end_on is not None and a.end_on < today
    if a.kind is AgreementKind.TTC_SERVICES and not ended:
        due = _next_ttc_review(a, reviews)
        if due is not None:
            formal = [r.reviewed_on for r in reviews if r.formal_annual]
            since = max(formal) if formal else a.effective_start
            annual = since is not None and due >= add_months(since, ANNUAL_MONTHS)
            what = "Formal annual TTC performance review" if annual else "Quarterly TTC review"
            text = (
                f"{what} of {title} due {_uk(due)}: licences executed, revenue, active "
                "licences, time to agree a licence, pipeline and health impact"
            )
            found.append(
                Deadline(
                    due,
                    KIND_TTC_REVIEW,
                    text,
                    reference,
                    f"{source}:{KIND_TTC_REVIEW}",
                    _urgent(due, today),
                )
            )
    return found


def _uk(value: dt.date) -> str:
    return value.strftime("%d/%m/%Y")
