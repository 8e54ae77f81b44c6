"""What an innovator discloses (guidance step 4), in plain data: Qt-free, JSON-serialisable.

A case's disclosure is kept as one versioned JSON document inside the encrypted register
(``case_details``); the fields the browser lists (title, summary, stage, kinds of IP, lead
innovator, dates) live in the ``cases`` row. ``validate`` returns every problem with the field
it belongs to, so forms can show each message beside its field.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field, fields, is_dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from nhsip_desktop.cases.model import IpKind
from nhsip_desktop.core.labelled import LabelledEnum, labels
from nhsip_desktop.core.money import parse_number

DETAILS_VERSION = 1


class DevelopmentStage(LabelledEnum):
    IDEA = "idea", "Idea"
    PROTOTYPE = "prototype", "Prototype"
    TESTED = "tested", "Tested"
    IN_USE = "in_use", "In use"


class Answer(LabelledEnum):
    """Yes, no or not sure: people disclosing often do not know, and that matters."""

    YES = "yes", "Yes"
    NO = "no", "No"
    UNSURE = "unsure", "Not sure"


class Relationship(LabelledEnum):
    """A contributor's relationship to the trust (step 2; Annex A section 4)."""

    EMPLOYEE_CLINICAL = "employee_clinical", "Employee: clinical role"
    EMPLOYEE_NON_CLINICAL = "employee_non_clinical", "Employee: non-clinical role"
    EMPLOYEE_RESEARCH = "employee_research", "Employee: research role"
    CLINICAL_ACADEMIC = "clinical_academic", "Clinical academic (joint appointment)"
    HONORARY = "honorary", "Honorary contract holder"
    SECONDEE = "secondee", "Secondee from another employer"
    POSTGRAD_EMPLOYED = "postgrad_employed", "Postgraduate student, employed by the trust"
    POSTGRAD_SELF_FUNDED = "postgrad_self_funded", "Postgraduate student, self-funded"
    UNDERGRADUATE = "undergraduate", "Undergraduate student"
    APPRENTICE = "apprentice", "Apprentice"
    CONTRACTOR = "contractor", "Contractor or consultant"
    COLLABORATOR = "collaborator", "Collaborator from another organisation"


RELATIONSHIP_LABELS: dict[Relationship, str] = labels(Relationship)


class Beneficiary(StrEnum):
    PATIENTS = "patients"
    STAFF = "staff"
    SERVICE = "service"


class Resource(StrEnum):
    """Trust resources used in making it."""

    TIME = "time"
    DATA = "data"
    FACILITIES = "facilities"
    MONEY = "money"


class PartnerKind(LabelledEnum):
    """Who a partner is: one set of words for the form, the case window and the dossier."""

    UNIVERSITY = "university", "University"
    COMPANY = "company", "Company"
    HOSTED_BODY = "hosted_body", "Hosted body (e.g. an NIHR BRC)"
    NHS_BODY = "nhs_body", "Another NHS body"
    OTHER = "other", "Other"


class IpTerms(LabelledEnum):
    """What a funder's terms or a collaboration agreement say about IP that arises."""

    TRUST_OWNS = "trust_owns", "The trust owns it"
    OTHER_PARTY_OWNS = "other_party_owns", "They own it (or it must be assigned to them)"
    JOINT = "joint", "Owned jointly"
    NOT_COVERED = "not_covered", "Not covered"
    UNKNOWN = "unknown", "Not known yet"


class AgreementKind(LabelledEnum):
    NDA = "nda", "Non-disclosure (NDA)"
    COLLABORATION = "collaboration", "Collaboration"
    MATERIAL_TRANSFER = "material_transfer", "Material transfer"
    DATA_SHARING = "data_sharing", "Data sharing"
    FUNDING = "funding", "Funding"
    OTHER = "other", "Other"


class DisclosureKind(LabelledEnum):
    """Ways an idea can become public (any of them can cost patentability)."""

    PUBLICATION = "publication", "Publication"
    POSTER = "poster", "Poster"
    TALK = "talk", "Talk or presentation"
    THESIS = "thesis", "Thesis"
    SOCIAL_MEDIA = "social_media", "Social media"
    MEETING_WITHOUT_NDA = "meeting_without_nda", "Meeting without an NDA"
    OTHER = "other", "Other"


def _new_key() -> str:
    """Twelve random hex digits: the first twelve of a random UUID's, without making the UUID
    (an import makes one for every contributor of every row)."""
    return os.urandom(6).hex()


@dataclass
class Contributor:
    name: str = ""
    job_title: str = ""
    department: str = ""
    relationship: Relationship = Relationship.EMPLOYEE_CLINICAL
    employer: str = ""
    share: Decimal = Decimal(0)
    in_course_of_duties: Answer = Answer.UNSURE
    contact: str = ""
    # A contractor's contract may assign what they make to the trust (Annex A section 4).
    assigns_to_trust: Answer = Answer.UNSURE
    key: str = field(default_factory=_new_key)
    # Where their employer is: an ISO 3166 alpha-2 code ("" not recorded; see countries.py).
    employer_country: str = ""


@dataclass
class Funder:
    name: str = ""
    ip_terms: IpTerms = IpTerms.UNKNOWN
    terms_note: str = ""
    key: str = field(default_factory=_new_key)


@dataclass
class Partner:
    name: str = ""
    kind: PartnerKind = PartnerKind.UNIVERSITY
    agreement_terms: IpTerms = IpTerms.UNKNOWN
    background_ip: str = ""
    key: str = field(default_factory=_new_key)
    country: str = ""  # ISO 3166 alpha-2 ("" not recorded; see countries.py)


@dataclass
class AgreementRef:
    kind: AgreementKind = AgreementKind.NDA
    party: str = ""
    signed_on: dt.date | None = None
    key: str = field(default_factory=_new_key)


@dataclass
class ExternalDisclosure:
    kind: DisclosureKind = DisclosureKind.TALK
    on: dt.date | None = None
    planned: bool = False
    description: str = ""
    key: str = field(default_factory=_new_key)


@dataclass
class ConfirmedOwnership:
    position: str
    note: str
    confirmed_on: dt.date
    confirmed_by: str


@dataclass
class Disclosure:
    """Everything beyond the browser's columns. Lists keep their items' stable ``key``."""

    problem: str = ""
    beneficiaries: list[Beneficiary] = field(default_factory=list)
    novelty: str = ""
    development_stage: DevelopmentStage = DevelopmentStage.IDEA
    normal_duties: Answer = Answer.UNSURE
    resources_used: list[Resource] = field(default_factory=list)
    ai_involved: bool = False
    patient_data: bool = False
    medical_device: bool = False
    international_partner: bool = False
    contributors: list[Contributor] = field(default_factory=list)
    funders: list[Funder] = field(default_factory=list)
    partners: list[Partner] = field(default_factory=list)
    agreements: list[AgreementRef] = field(default_factory=list)
    external_disclosures: list[ExternalDisclosure] = field(default_factory=list)
    confirmed_ownership: ConfirmedOwnership | None = None

    # -- JSON ----------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {"version": DETAILS_VERSION, **_plain(self)}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Disclosure:
        data = {k: v for k, v in raw.items() if k != "version"}
        known = {f.name for f in fields(cls)}
        d = cls(**{k: v for k, v in data.items() if k in known and not isinstance(v, list)})
        d.development_stage = DevelopmentStage(data.get("development_stage", "idea"))
        d.normal_duties = Answer(data.get("normal_duties", "unsure"))
        d.beneficiaries = [Beneficiary(b) for b in data.get("beneficiaries", [])]
        d.resources_used = [Resource(r) for r in data.get("resources_used", [])]
        d.contributors = [_contributor(c) for c in data.get("contributors", [])]
        d.funders = [
            Funder(f["name"], IpTerms(f["ip_terms"]), f.get("terms_note", ""), f["key"])
            for f in data.get("funders", [])
        ]
        d.partners = [
            Partner(
                p["name"],
                PartnerKind(p["kind"]),
                IpTerms(p["agreement_terms"]),
                p.get("background_ip", ""),
                p["key"],
                p.get("country", ""),
            )
            for p in data.get("partners", [])
        ]
        d.agreements = [
            AgreementRef(AgreementKind(a["kind"]), a["party"], _date(a.get("signed_on")), a["key"])
            for a in data.get("agreements", [])
        ]
        d.external_disclosures = [
            ExternalDisclosure(
                DisclosureKind(e["kind"]),
                _date(e.get("on")),
                bool(e["planned"]),
                e.get("description", ""),
                e["key"],
            )
            for e in data.get("external_disclosures", [])
        ]
        confirmed = data.get("confirmed_ownership")
        if confirmed:
            on = _date(confirmed["confirmed_on"])
            d.confirmed_ownership = ConfirmedOwnership(
                confirmed["position"],
                confirmed.get("note", ""),
                on or dt.date.today(),
                confirmed.get("confirmed_by", ""),
            )
        return d

    # -- derived -------------------------------------------------------------------------
    def total_share(self) -> Decimal:
        return sum((c.share for c in self.contributors), Decimal(0))

    def abroad(self) -> list[tuple[str, str]]:
        """Partners and contributors' employers outside the UK, as (who, ISO code): from
        their recorded country, else a country named in the partner's or employer's name
        ("Mass General (Boston, USA)")."""
        from nhsip_desktop.core.countries import countries, is_abroad

        known = countries()
        found: list[tuple[str, str]] = []
        for p in self.partners:
            code = p.country or known.guess_from_name(p.name)
            if is_abroad(code):
                found.append((p.name.strip() or "a partner", code))
        for c in self.contributors:
            code = c.employer_country or known.guess_from_name(c.employer)
            if is_abroad(code):
                found.append((c.employer.strip() or f"{c.name.strip()}'s employer", code))
        return found

    @property
    def international(self) -> bool:
        """Someone outside the UK is involved: ticked, or derived from the countries."""
        return self.international_partner or bool(self.abroad())

    def lead(self) -> str:
        """The contributor with the largest share (first listed on a tie)."""
        if not self.contributors:
            return ""
        return max(self.contributors, key=lambda c: c.share).name


def _contributor(c: dict[str, Any]) -> Contributor:
    return Contributor(
        name=c.get("name", ""),
        job_title=c.get("job_title", ""),
        department=c.get("department", ""),
        relationship=Relationship(c.get("relationship", "employee_clinical")),
        employer=c.get("employer", ""),
        share=parse_share(str(c.get("share", "0"))) or Decimal(0),
        in_course_of_duties=Answer(c.get("in_course_of_duties", "unsure")),
        contact=c.get("contact", ""),
        assigns_to_trust=Answer(c.get("assigns_to_trust", "unsure")),
        key=c.get("key") or _new_key(),
        employer_country=c.get("employer_country", ""),
    )


def _date(value: Any) -> dt.date | None:
    if not value:
        return None
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


_JSON_LEAVES = frozenset({str, int, bool, float, type(None)})


_FIELD_NAMES: dict[type, tuple[str, ...] | None] = {}


def _field_names(cls: type) -> tuple[str, ...] | None:
    """A dataclass's field names in order; None for any other type (kept for the next call)."""
    if cls not in _FIELD_NAMES:
        _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls)) if is_dataclass(cls) else None
    return _FIELD_NAMES[cls]


def _plain(value: Any) -> Any:
    """Dates to ISO text, Decimals to text, enums to their values, dataclasses to dicts of
    their fields (as ``asdict`` would, without its deep copies): JSON-ready."""
    kind = type(value)
    if kind in _JSON_LEAVES:
        return value
    if isinstance(value, StrEnum):
        return value.value
    if kind is list:
        return [
            v if type(v) in _JSON_LEAVES else v.value if isinstance(v, StrEnum) else _plain(v)
            for v in value
        ]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    names = _field_names(kind)
    if names is not None:
        out: dict[str, Any] = {}
        for name in names:  # leaves inline: an import turns 100,000 disclosures into JSON
            item = getattr(value, name)
            out[name] = item if type(item) in _JSON_LEAVES else _plain(item)
        return out
    return value


def parse_share(text: str) -> Decimal | None:
    """A percentage typed by a person ("50", "33.3", "50%"); None if it is not a number."""
    return parse_number(text.strip().rstrip("%"))


@dataclass(frozen=True)
class Problem:
    """One validation problem: ``field`` is a path such as ``contributors[1].share``."""

    field: str
    message: str


def validate(
    title: str,
    disclosure: Disclosure,
    ip_kinds: tuple[IpKind, ...] | list[IpKind],
    *,
    for_submission: bool,
    today: dt.date | None = None,
) -> list[Problem]:
    """Check a disclosure. Drafts need only a title; submission needs the essentials."""
    today = today or dt.date.today()
    problems: list[Problem] = []
    if not title.strip():
        problems.append(Problem("title", "Give the idea a short title."))
    for i, c in enumerate(disclosure.contributors):
        where = f"contributors[{i}]"
        if not c.name.strip():
            problems.append(Problem(f"{where}.name", f"Contributor {i + 1} needs a name."))
        if c.share < 0 or c.share > 100:
            problems.append(Problem(f"{where}.share", "A share is a percentage from 0 to 100."))
    for i, e in enumerate(disclosure.external_disclosures):
        where = f"external_disclosures[{i}].on"
        if e.on is None:
            problems.append(Problem(where, "Give the date (or the expected date)."))
        elif not e.planned and e.on > today:
            problems.append(Problem(where, "A disclosure already made cannot be in the future."))
        elif e.planned and e.on < today:
            problems.append(
                Problem(where, "A planned disclosure dated in the past: record it as made.")
            )
    for i, a in enumerate(disclosure.agreements):
        if a.signed_on is not None and a.signed_on > today:
            problems.append(
                Problem(f"agreements[{i}].signed_on", "A signing date cannot be in the future.")
            )
    if for_submission:
        if not disclosure.problem.strip():
            problems.append(Problem("problem", "Say what problem it solves and for whom."))
        if not ip_kinds:
            problems.append(Problem("ip_kinds", "Choose at least one kind of IP (a best guess)."))
        if not disclosure.contributors:
            problems.append(Problem("contributors", "Add at least one contributor."))
        elif disclosure.total_share() != 100:
            problems.append(
                Problem(
                    "contributors",
                    f"Contribution shares must add up to 100%; they add up to "
                    f"{disclosure.total_share().normalize():f}%.",
                )
            )
    return problems
