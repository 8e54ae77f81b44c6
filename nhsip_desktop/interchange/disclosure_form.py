"""The staff disclosure form (step 4): its fields, versions, and how a completed form becomes a
case. Qt-free and PDF-free: the PDF is drawn by ``reports.disclosure_form`` and read by
``form_reader``; this module only knows field names and values.

Staff who have ideas do not have the app. The innovation lead saves a blank, fillable PDF
(:data:`FORM_VERSION`) that any member of staff can complete in a free PDF reader and send
back; the app reads the fields (``form_reader.read_form``), turns them into a case
(:func:`interpret`), and ``register.form_imports`` stores it.

- A form is recognised as ours by two hidden fields: :data:`ID_FIELD` holding :data:`FORM_ID`
  and :data:`VERSION_FIELD` holding its version.
- Field names never change within a version. A later version may rename or add fields: each
  older version has a :class:`VersionMap` saying which of its fields became which, and which
  questions it did not ask (so the import can say what is missing rather than guess).
- The same completed form imported twice is recognised by :func:`fields_sha256`, a hash of
  the normalised values of its fields (whatever reader last saved the file).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from nhsip_desktop.cases.disclosure import (
    RELATIONSHIP_LABELS,
    AgreementKind,
    AgreementRef,
    Answer,
    Beneficiary,
    Contributor,
    DevelopmentStage,
    Disclosure,
    DisclosureKind,
    ExternalDisclosure,
    Funder,
    IpTerms,
    Partner,
    PartnerKind,
    Relationship,
    Resource,
    parse_share,
    validate,
)
from nhsip_desktop.cases.model import IP_KIND_LABELS, IpKind, format_date
from nhsip_desktop.core.countries import countries
from nhsip_desktop.core.errors import RegisterError
from nhsip_desktop.core.labelled import labels

__all__ = [
    "CHOOSE",
    "FIELDS",
    "FORM_ID",
    "FORM_VERSION",
    "ID_FIELD",
    "MAX_AGREEMENTS",
    "MAX_CONTRIBUTORS",
    "MAX_FUNDERS",
    "MAX_PARTNERS",
    "MAX_SHARING",
    "OLDER_VERSIONS",
    "VERSION_FIELD",
    "FieldKind",
    "FieldSpec",
    "FormError",
    "FormProblem",
    "FormReading",
    "VersionMap",
    "field_names",
    "fields_sha256",
    "interpret",
    "to_current",
]

FORM_ID = "nhsip-staff-disclosure-form"
FORM_VERSION = "3"
ID_FIELD = "nhsip_form_id"
VERSION_FIELD = "nhsip_form_version"
HIDDEN_FIELDS = (ID_FIELD, VERSION_FIELD)

MAX_CONTRIBUTORS = 6
MAX_FUNDERS = 3
MAX_PARTNERS = 3
MAX_AGREEMENTS = 3
MAX_SHARING = 4
TITLE_MAX = 300  # as store.cases.TITLE_MAX (a test keeps the two the same)

#: The first entry of every choice list: nothing chosen yet.
CHOOSE = "Please select"

PARTNER_KIND_LABELS: dict[PartnerKind, str] = labels(PartnerKind)
BENEFICIARY_LABELS: dict[Beneficiary, str] = {
    Beneficiary.PATIENTS: "Patients",
    Beneficiary.STAFF: "Staff",
    Beneficiary.SERVICE: "The service or trust",
}
RESOURCE_LABELS: dict[Resource, str] = {
    Resource.TIME: "Work time",
    Resource.DATA: "Data",
    Resource.FACILITIES: "Facilities or equipment",
    Resource.MONEY: "Money",
}
FLAG_LABELS: dict[str, str] = {
    "ai_involved": "Artificial intelligence (AI) was used to make it, or is part of it",
    "patient_data": "It uses NHS patient data",
    "medical_device": "It is, or may be, a medical device (including software)",
    "international_partner": "Someone outside the UK is involved",
}
MADE, PLANNED = "Already happened", "Planned"


class FormError(RegisterError):
    """A file cannot be imported as a disclosure form: the message says why and what to do."""


class FieldKind(StrEnum):
    TEXT = "text"
    MULTILINE = "multiline"
    CHECK = "check"
    CHOICE = "choice"
    DATE = "date"
    SHARE = "share"
    HIDDEN = "hidden"


@dataclass(frozen=True)
class FieldSpec:
    """One field of the form: its name in the PDF, the label printed beside it, its tooltip."""

    name: str
    label: str
    kind: FieldKind
    tooltip: str
    options: tuple[str, ...] = ()
    max_length: int = 0


def _answers() -> tuple[str, ...]:
    return (CHOOSE, *(a.label for a in Answer))


def _fields() -> tuple[FieldSpec, ...]:
    T, M, C, CH, D, S = (
        FieldKind.TEXT,
        FieldKind.MULTILINE,
        FieldKind.CHECK,
        FieldKind.CHOICE,
        FieldKind.DATE,
        FieldKind.SHARE,
    )
    out: list[FieldSpec] = [
        FieldSpec(ID_FIELD, "Form", FieldKind.HIDDEN, "Identifies this form to the IP register."),
        FieldSpec(
            VERSION_FIELD, "Version", FieldKind.HIDDEN, "The version of this form (do not change)."
        ),
        # 1. The idea
        FieldSpec(
            "title",
            "Short title",
            T,
            "A short name for your idea, such as 'Cannula splint for children'.",
            max_length=TITLE_MAX,
        ),
        FieldSpec(
            "summary",
            "What it is",
            M,
            "Describe the idea in a few plain sentences, as you would to a colleague.",
        ),
        FieldSpec(
            "problem",
            "The problem it solves",
            M,
            "What goes wrong or is hard today, and for whom (patients, staff, the service).",
        ),
        FieldSpec(
            "novelty",
            "What is new about it",
            M,
            "How it differs from anything you know of already, here or elsewhere.",
        ),
    ]
    for value, label in BENEFICIARY_LABELS.items():
        out.append(FieldSpec(f"benefits_{value.value}", label, C, f"Tick if it helps: {label}."))
    out += [
        FieldSpec(
            "development_stage",
            "How far it has got",
            CH,
            "Choose the stage it has reached: an idea, a prototype, tested, or already in use.",
            (CHOOSE, *(s.label for s in DevelopmentStage)),
        ),
        FieldSpec(
            "normal_duties",
            "Was making it part of your normal job?",
            CH,
            "Choose Yes if working on this is part of what you are employed to do. Choose "
            "Not sure if you do not know.",
            _answers(),
        ),
    ]
    for resource, label in RESOURCE_LABELS.items():
        out.append(
            FieldSpec(
                f"resource_{resource.value}",
                label,
                C,
                f"Tick if trust {label.lower()} went into making it.",
            )
        )
    # 2. Kinds of IP
    for kind in IpKind:
        out.append(
            FieldSpec(
                f"kind_{kind.value}",
                IP_KIND_LABELS[kind],
                C,
                f"Tick if it may include: {IP_KIND_LABELS[kind].lower()}. A best guess is fine.",
            )
        )
    # 3. Points to flag early
    for name, label in FLAG_LABELS.items():
        out.append(FieldSpec(f"flag_{name}", label, C, f"Tick if this applies: {label}."))
    # 4. People
    for n in range(1, MAX_CONTRIBUTORS + 1):
        who = f"person {n}" if n > 1 else "person 1 (usually you)"
        out += [
            FieldSpec(f"c{n}_name", "Full name", T, f"The full name of {who}."),
            FieldSpec(f"c{n}_job_title", "Job title", T, f"The job title of {who}."),
            FieldSpec(f"c{n}_department", "Department", T, f"The department or team of {who}."),
            FieldSpec(
                f"c{n}_relationship",
                "Relationship to the trust",
                CH,
                f"How {who} is connected to the trust. This helps work out who owns the IP "
                "(guidance step 2).",
                (CHOOSE, *RELATIONSHIP_LABELS.values()),
            ),
            FieldSpec(
                f"c{n}_employer",
                "Employer, if not this trust",
                T,
                f"Who employs {who}, if it is not this trust (a university or company, say).",
            ),
            FieldSpec(
                f"c{n}_employer_country",
                "Employer's country, if not the UK",
                T,
                f"The country of {who}'s employer, if it is not in the UK (such as Ireland or "
                "USA). Leave blank for the UK.",
            ),
            FieldSpec(
                f"c{n}_share",
                "Share %",
                S,
                f"The share of the work done by {who}, as a percentage. All shares should "
                "add up to 100.",
            ),
            FieldSpec(
                f"c{n}_duties",
                "Part of their normal job?",
                CH,
                f"Was the work part of what {who} is employed to do?",
                _answers(),
            ),
            FieldSpec(
                f"c{n}_assigns",
                "Contract gives IP to the trust?",
                CH,
                f"For contractors and consultants: does the contract of {who} say that what "
                "they make belongs to the trust? Choose Not sure if you do not know.",
                _answers(),
            ),
            FieldSpec(f"c{n}_contact", "Email or phone", T, f"How to contact {who}."),
        ]
    # 5. Funders, partners and agreements
    terms = (CHOOSE, *(t.label for t in IpTerms))
    for n in range(1, MAX_FUNDERS + 1):
        out += [
            FieldSpec(
                f"f{n}_name", "Funder", T, f"Who paid for the work (funder {n}), such as NIHR."
            ),
            FieldSpec(
                f"f{n}_terms",
                "Their terms say the IP",
                CH,
                f"What funder {n}'s terms say about who owns IP that arises. Choose Not known "
                "yet if you do not know.",
                terms,
            ),
            FieldSpec(
                f"f{n}_note", "What the terms say", T, f"Anything you know of funder {n}'s terms."
            ),
        ]
    for n in range(1, MAX_PARTNERS + 1):
        out += [
            FieldSpec(
                f"p{n}_name",
                "Partner",
                T,
                f"An organisation you worked with (partner {n}), such as a university.",
            ),
            FieldSpec(
                f"p{n}_country",
                "Country",
                T,
                f"The country partner {n} is based in (such as United Kingdom or USA).",
            ),
            FieldSpec(
                f"p{n}_kind",
                "Kind of organisation",
                CH,
                f"What kind of organisation partner {n} is.",
                (CHOOSE, *PARTNER_KIND_LABELS.values()),
            ),
            FieldSpec(
                f"p{n}_terms",
                "Any agreement says the IP",
                CH,
                f"What an agreement with partner {n} says about who owns IP that arises.",
                terms,
            ),
            FieldSpec(
                f"p{n}_background",
                "What they brought",
                T,
                f"Anything partner {n} brought that they already owned (their background IP).",
            ),
        ]
    for n in range(1, MAX_AGREEMENTS + 1):
        out += [
            FieldSpec(
                f"a{n}_kind",
                "Kind of agreement",
                CH,
                f"The kind of agreement {n} already signed, such as a non-disclosure agreement.",
                (CHOOSE, *(k.label for k in AgreementKind)),
            ),
            FieldSpec(f"a{n}_party", "With", T, f"Who agreement {n} is with."),
            FieldSpec(
                f"a{n}_signed", "Signed on", D, f"When agreement {n} was signed, as dd/mm/yyyy."
            ),
        ]
    # 6. Sharing outside the trust
    for n in range(1, MAX_SHARING + 1):
        out += [
            FieldSpec(
                f"s{n}_status",
                "Happened or planned?",
                CH,
                f"Has sharing {n} already happened, or is it planned?",
                (CHOOSE, MADE, PLANNED),
            ),
            FieldSpec(
                f"s{n}_kind",
                "How",
                CH,
                f"How the idea was or will be shared (sharing {n}).",
                (CHOOSE, *(k.label for k in DisclosureKind)),
            ),
            FieldSpec(
                f"s{n}_date",
                "Date",
                D,
                f"The date sharing {n} happened or will happen, as dd/mm/yyyy.",
            ),
            FieldSpec(
                f"s{n}_details",
                "Where and to whom",
                T,
                f"Where, to whom, and what was or will be shown (sharing {n}).",
            ),
        ]
    # 7. Declaration
    out += [
        FieldSpec("completed_by", "Your name", T, "Your name, as the person sending in this form."),
        FieldSpec("completed_on", "Date", D, "Today's date, as dd/mm/yyyy."),
    ]
    return tuple(out)


FIELDS: tuple[FieldSpec, ...] = _fields()
_BY_NAME: dict[str, FieldSpec] = {f.name: f for f in FIELDS}


def spec(name: str) -> FieldSpec:
    """The current version's field called ``name``."""
    return _BY_NAME[name]


# -- versions ---------------------------------------------------------------------------
@dataclass(frozen=True)
class VersionMap:
    """How an older version's fields map onto the current ones.

    ``renamed`` maps the older name to the current one (fields not listed kept their name);
    ``missing`` lists, in words, the questions the older version did not ask, each with the
    current fields that hold the answer.
    """

    version: str
    renamed: Mapping[str, str]
    missing: tuple[tuple[str, tuple[str, ...]], ...]

    def field_name(self, current: str) -> str | None:
        """The older version's name for ``current`` (None when it did not have the field)."""
        if any(current in names for _label, names in self.missing):
            return None
        for old, new in self.renamed.items():
            if new == current:
                return old
        return current


def _people_fields(numbers: range) -> tuple[str, ...]:
    return tuple(f.name for f in FIELDS if re.match(rf"c({'|'.join(map(str, numbers))})_", f.name))


_COUNTRIES = (
    "the countries of partners and of employers other than the trust",
    tuple(f.name for f in FIELDS if re.match(r"(c\d_employer_country|p\d_country)$", f.name)),
)

#: Version 1 was the first layout (before the form was released to staff): up to four
#: people, no list of agreements already signed, and no question on contractors' contracts.
#: Version 2 asked no countries (version 3 added them: issue 23, countries as data).
OLDER_VERSIONS: dict[str, VersionMap] = {
    "2": VersionMap("2", renamed={}, missing=(_COUNTRIES,)),
    "1": VersionMap(
        "1",
        renamed={"idea_title": "title", "idea_summary": "summary"},
        missing=(
            ("people 5 and 6", _people_fields(range(5, 7))),
            (
                "agreements already signed (section 5)",
                tuple(f.name for f in FIELDS if re.match(r"a\d_", f.name)),
            ),
            (
                "whether a contractor's contract gives their IP to the trust",
                tuple(f"c{n}_assigns" for n in range(1, 5)),
            ),
            _COUNTRIES,
        ),
    ),
}


def field_names(version: str = FORM_VERSION) -> list[str]:
    """Every field of ``version`` in form order, under that version's own names."""
    if version == FORM_VERSION:
        return [f.name for f in FIELDS]
    older = OLDER_VERSIONS[version]
    return [n for f in FIELDS if (n := older.field_name(f.name) or "")]


def to_current(values: Mapping[str, str], version: str) -> tuple[dict[str, str], list[str]]:
    """An older version's field values under the current names, and what it did not ask.

    Raises :class:`FormError` for a version this app does not know (a newer app made it).
    """
    if version == FORM_VERSION:
        return dict(values), []
    older = OLDER_VERSIONS.get(version)
    if older is None:
        raise FormError(
            f"This disclosure form is version {version}, which this version of the app does "
            f"not know (it reads versions {', '.join(sorted([*OLDER_VERSIONS, FORM_VERSION]))}). "
            "It was probably made by a newer version of nhsip-desktop: install the newest "
            "version, then import it again. Nothing was imported."
        )
    out = {older.renamed.get(name, name): value for name, value in values.items()}
    return out, [label for label, _names in older.missing]


# -- normalising and hashing ----------------------------------------------------------------
def _clean_text(value: str) -> str:
    lines = str(value).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()


def _normal(name: str, value: str) -> str:
    """One field's value as the app understands it: text trimmed, a ticked box ``yes``, an
    unticked box or unchosen list empty."""
    field_spec = _BY_NAME.get(name)
    if field_spec is None:
        return ""
    text = _clean_text(value)
    if field_spec.kind is FieldKind.CHECK:
        return "yes" if text.lstrip("/").casefold() not in ("", "off", "no", "false") else ""
    if field_spec.kind is FieldKind.CHOICE and text == CHOOSE:
        return ""
    return text


def normalised(values: Mapping[str, str]) -> dict[str, str]:
    """The filled-in current fields (hidden ones left out), normalised, in form order."""
    out: dict[str, str] = {}
    for f in FIELDS:
        if f.kind is FieldKind.HIDDEN or f.name not in values:
            continue
        text = _normal(f.name, values[f.name])
        if text:
            out[f.name] = text
    return out


def fields_sha256(values: Mapping[str, str]) -> str:
    """SHA-256 of the normalised, filled-in field values (current names): the same answers
    give the same hash whichever reader saved the file, and whatever else it changed."""
    text = json.dumps(normalised(values), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# -- interpreting ---------------------------------------------------------------------------
@dataclass(frozen=True)
class FormProblem:
    """One problem with a completed form. ``blocking``: the form cannot be imported until it
    is put right; otherwise it can be imported as a draft and completed in the app."""

    field: str
    message: str
    blocking: bool = False


@dataclass
class FormReading:
    """What a completed form says, as a case would hold it, and what is wrong with it."""

    version: str
    fields_sha256: str
    title: str = ""
    summary: str = ""
    ip_kinds: tuple[IpKind, ...] = ()
    disclosure: Disclosure = field(default_factory=Disclosure)
    completed_by: str = ""
    completed_on: dt.date | None = None
    problems: list[FormProblem] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # questions an older version did not ask
    filled: int = 0

    @property
    def blocking(self) -> list[FormProblem]:
        return [p for p in self.problems if p.blocking]

    @property
    def can_import(self) -> bool:
        return not self.blocking

    @property
    def complete(self) -> bool:
        """Nothing to put right: it becomes a Submitted case."""
        return not self.problems

    def summary_text(self) -> str:
        """One sentence for the preview and the command line."""
        if self.blocking:
            count = len(self.blocking)
            return (
                f"This form cannot be imported yet: {count} "
                f"{'problem needs' if count == 1 else 'problems need'} putting right."
            )
        if self.problems:
            count = len(self.problems)
            return (
                f"This form can be imported as a draft case: {count} "
                f"{'thing needs' if count == 1 else 'things need'} completing before it can be "
                "submitted."
            )
        return "This form is complete: it will become a Submitted case."


_DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d %b %Y", "%d %B %Y", "%Y-%m-%d")


def parse_form_date(text: str) -> dt.date | None:
    """A date as staff type it (31/01/2026, 31-01-2026, 31 Jan 2026, 2026-01-31)."""
    text = " ".join(text.split())
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _by_label(labels: Mapping[str, str], text: str) -> str | None:
    """The key whose label (or key) is ``text``, whatever the case; None when none is."""
    key = text.casefold()
    for value, label in labels.items():
        if key in (label.casefold(), value.casefold()):
            return value
    return None


class _Reader:
    """Turns normalised values into case content, collecting problems as it goes."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self.values = values
        self.problems: list[FormProblem] = []

    def text(self, name: str) -> str:
        return self.values.get(name, "")

    def ticked(self, name: str) -> bool:
        return self.values.get(name) == "yes"

    def choice(self, name: str, labels: Mapping[str, str]) -> str | None:
        text = self.text(name)
        if not text:
            return None
        found = _by_label(labels, text)
        if found is None:
            self.problems.append(
                FormProblem(
                    name,
                    f"{text!r} is not one of the choices on the form.",
                    blocking=True,
                )
            )
        return found

    def date(self, name: str) -> dt.date | None:
        text = self.text(name)
        if not text:
            return None
        found = parse_form_date(text)
        if found is None:
            self.problems.append(
                FormProblem(
                    name,
                    f"{text!r} is not a date. Write dates as dd/mm/yyyy, such as "
                    f"{format_date(dt.date(2026, 1, 31))}.",
                    blocking=True,
                )
            )
        return found

    def country(self, name: str) -> str:
        """An ISO code for a typed country; "" (with a note to set it in the app) when it is
        not one this app knows."""
        text = self.text(name)
        found = countries().code(text)
        if found is None:
            self.problems.append(
                FormProblem(
                    name,
                    f"{text!r} is not a country this app recognises: choose the country in the "
                    "app after importing.",
                )
            )
            return ""
        return found

    def answer(self, name: str) -> Answer:
        found = self.choice(name, {a.value: a.label for a in Answer})
        return Answer(found) if found else Answer.UNSURE

    def row_used(self, prefix: str, names: tuple[str, ...]) -> bool:
        return any(self.text(f"{prefix}_{n}") for n in names)


def interpret(
    raw: Mapping[str, str], version: str = FORM_VERSION, *, today: dt.date | None = None
) -> FormReading:
    """A completed form's field values (under ``version``'s names) as case content, with every
    problem found, checked as the in-app disclosure form checks a submission."""
    today = today or dt.date.today()
    current, missing = to_current(raw, version)
    values = normalised(current)
    reading = FormReading(
        version=version, fields_sha256=fields_sha256(current), missing=missing, filled=len(values)
    )
    r = _Reader(values)
    d = reading.disclosure
    reading.title = " ".join(r.text("title").split())
    reading.summary = r.text("summary")
    d.problem = r.text("problem")
    d.novelty = r.text("novelty")
    d.beneficiaries = [b for b in Beneficiary if r.ticked(f"benefits_{b.value}")]
    stage = r.choice("development_stage", {s.value: s.label for s in DevelopmentStage})
    d.development_stage = DevelopmentStage(stage) if stage else DevelopmentStage.IDEA
    d.normal_duties = r.answer("normal_duties")
    d.resources_used = [x for x in Resource if r.ticked(f"resource_{x.value}")]
    reading.ip_kinds = tuple(k for k in IpKind if r.ticked(f"kind_{k.value}"))
    for name in FLAG_LABELS:
        setattr(d, name, r.ticked(f"flag_{name}"))

    people_fields = (
        "name",
        "job_title",
        "department",
        "relationship",
        "employer",
        "employer_country",
        "share",
        "duties",
        "assigns",
        "contact",
    )
    for n in range(1, MAX_CONTRIBUTORS + 1):
        p = f"c{n}"
        if not r.row_used(p, people_fields):
            continue
        share_text = r.text(f"{p}_share")
        share = parse_share(share_text)
        if share is None:
            r.problems.append(
                FormProblem(
                    f"{p}_share",
                    f"{share_text!r} is not a number: write the share as a percentage such as 50.",
                    blocking=True,
                )
            )
            share = Decimal(0)
        relationship = r.choice(
            f"{p}_relationship", {k.value: v for k, v in RELATIONSHIP_LABELS.items()}
        )
        if relationship is None and not r.text(f"{p}_relationship"):
            r.problems.append(
                FormProblem(
                    f"{p}_relationship",
                    "Not chosen (it helps decide who owns the IP): recorded as 'Employee: "
                    "clinical role' until you change it.",
                )
            )
        d.contributors.append(
            Contributor(
                name=r.text(f"{p}_name"),
                job_title=r.text(f"{p}_job_title"),
                department=r.text(f"{p}_department"),
                relationship=Relationship(relationship)
                if relationship
                else Relationship.EMPLOYEE_CLINICAL,
                employer=r.text(f"{p}_employer"),
                share=share,
                in_course_of_duties=r.answer(f"{p}_duties"),
                contact=r.text(f"{p}_contact"),
                assigns_to_trust=r.answer(f"{p}_assigns"),
                employer_country=r.country(f"{p}_employer_country"),
            )
        )
    terms = {t.value: t.label for t in IpTerms}
    for n in range(1, MAX_FUNDERS + 1):
        p = f"f{n}"
        if not r.row_used(p, ("name", "terms", "note")):
            continue
        if not r.text(f"{p}_name"):
            r.problems.append(FormProblem(f"{p}_name", f"Funder {n} needs a name."))
        found = r.choice(f"{p}_terms", terms)
        d.funders.append(
            Funder(r.text(f"{p}_name"), IpTerms(found or "unknown"), r.text(f"{p}_note"))
        )
    kinds = {k.value: v for k, v in PARTNER_KIND_LABELS.items()}
    for n in range(1, MAX_PARTNERS + 1):
        p = f"p{n}"
        if not r.row_used(p, ("name", "country", "kind", "terms", "background")):
            continue
        if not r.text(f"{p}_name"):
            r.problems.append(FormProblem(f"{p}_name", f"Partner {n} needs a name."))
        kind = r.choice(f"{p}_kind", kinds)
        found = r.choice(f"{p}_terms", terms)
        d.partners.append(
            Partner(
                r.text(f"{p}_name"),
                PartnerKind(kind or "other"),
                IpTerms(found or "unknown"),
                r.text(f"{p}_background"),
                country=r.country(f"{p}_country"),
            )
        )
    for n in range(1, MAX_AGREEMENTS + 1):
        p = f"a{n}"
        if not r.row_used(p, ("kind", "party", "signed")):
            continue
        kind = r.choice(f"{p}_kind", {k.value: k.label for k in AgreementKind})
        d.agreements.append(
            AgreementRef(
                AgreementKind(kind or "other"),
                r.text(f"{p}_party"),
                r.date(f"{p}_signed"),
            )
        )
    for n in range(1, MAX_SHARING + 1):
        p = f"s{n}"
        if not r.row_used(p, ("status", "kind", "date", "details")):
            continue
        status = r.choice(f"{p}_status", {"made": MADE, "planned": PLANNED})
        kind = r.choice(f"{p}_kind", {k.value: k.label for k in DisclosureKind})
        on = r.date(f"{p}_date")
        planned = status == "planned" if status else bool(on and on > today)
        d.external_disclosures.append(
            ExternalDisclosure(DisclosureKind(kind or "other"), on, planned, r.text(f"{p}_details"))
        )
    reading.completed_by = r.text("completed_by")
    reading.completed_on = r.date("completed_on")

    problems = r.problems
    if not values:
        problems.insert(
            0,
            FormProblem(
                "",
                "The form is blank: nothing has been filled in. Ask the person who sent it to "
                "fill it in, save it, and send it again.",
                blocking=True,
            ),
        )
    else:
        if len(reading.title) > TITLE_MAX:
            problems.append(
                FormProblem(
                    "title", f"The title is longer than {TITLE_MAX} characters.", blocking=True
                )
            )
        flagged = {p.field for p in problems}
        for issue in validate(reading.title, d, reading.ip_kinds, for_submission=True, today=today):
            where = _form_field(issue.field)
            if where not in flagged:  # a date that is not a date is not also "missing"
                problems.append(FormProblem(where, issue.message, issue.field == "title"))
    reading.problems = problems
    return reading


def _form_field(path: str) -> str:
    """The form field a :func:`~nhsip_desktop.cases.disclosure.validate` path belongs to."""
    match = re.match(r"(contributors|external_disclosures|agreements)\[(\d+)\]\.(\w+)", path)
    if not match:
        return path
    group, index, attr = match[1], int(match[2]) + 1, match[3]
    prefix = {"contributors": "c", "external_disclosures": "s", "agreements": "a"}[group]
    attr = {"on": "date", "signed_on": "signed"}.get(attr, attr)
    return f"{prefix}{index}_{attr}"


def field_label(name: str) -> str:
    """Words for a field in messages: 'Person 2: Share %', 'Kind of IP: Design'."""
    found = _BY_NAME.get(name)
    if found is None:
        return {"ip_kinds": "Kinds of IP", "contributors": "People", "": "The form"}.get(name, name)
    for prefix, words in (
        ("benefits_", "Who it helps"),
        ("resource_", "Trust resources used"),
        ("kind_", "Kind of IP"),
        ("flag_", "Point to flag"),
    ):
        if name.startswith(prefix):
            return f"{words}: {found.label}"
    match = re.match(r"([cfpas])(\d)_", name)
    if not match:
        return found.label
    group = {"c": "Person", "f": "Funder", "p": "Partner", "a": "Agreement", "s": "Sharing"}
    return f"{group[match[1]]} {match[2]}: {found.label}"
