"""Registered and unregistered rights: the domain of the IP register (Qt-free).

A :class:`Right` is one patent, registered design or trade mark (filed at an office and
renewed), or one unregistered right (copyright, UK unregistered design right, database right,
know-how) that the trust records so that it is not forgotten. Dates are ``datetime.date``;
``renewals_paid`` maps a renewal year (for a GB patent, 5 to 20; for a UK registered design,
5, 10, 15 or 20; for a UK trade mark, 10, 20, ...) to the date it was paid.

``validate_right`` returns ``(field, message)`` pairs, the field being the attribute name, and
every message a sentence a person can act on. The rules are listed in its docstring.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from nhsip_desktop.core import json_fields as jf
from nhsip_desktop.core.labelled import LabelledEnum

__all__ = [
    "DESIGN_RENEWAL_YEARS",
    "GRANT_STATUSES",
    "PATENT_RENEWAL_YEARS",
    "Right",
    "RightStatus",
    "RightType",
    "validate_right",
]

PATENT_RENEWAL_YEARS = range(5, 21)  # GB patent: renewal for years 5 to 20
DESIGN_RENEWAL_YEARS = (5, 10, 15, 20)  # UK registered design: every 5 years up to 25


class RightType(LabelledEnum):
    PATENT = "patent", "Patent"
    REGISTERED_DESIGN = "registered_design", "Registered design"
    TRADE_MARK = "trade_mark", "Trade mark"
    COPYRIGHT = "copyright", "Copyright"
    UNREGISTERED_DESIGN = "unregistered_design", "Unregistered design right"
    DATABASE_RIGHT = "database_right", "Database right"
    KNOW_HOW = "know_how", "Know-how"

    @property
    def registered(self) -> bool:
        """True for rights filed at an office and renewed (patents, designs, trade marks)."""
        return self in (RightType.PATENT, RightType.REGISTERED_DESIGN, RightType.TRADE_MARK)


class RightStatus(LabelledEnum):
    DRAFTING = "drafting", "Drafting"
    FILED = "filed", "Filed"
    PUBLISHED = "published", "Published"
    # granted (a patent) or registered (a design or trade mark)
    GRANTED = "granted", "Granted or registered"
    LAPSED = "lapsed", "Lapsed"
    WITHDRAWN = "withdrawn", "Withdrawn"
    REFUSED = "refused", "Refused"
    EXPIRED = "expired", "Expired"
    SOLD = "sold", "Sold"

    @property
    def live(self) -> bool:
        """Filed, published or granted: a right the trust still has to look after."""
        return self in (RightStatus.FILED, RightStatus.PUBLISHED, RightStatus.GRANTED)

    def label_for(self, right_type: RightType) -> str:
        """The label in the words of the right: "Registered" for a design or trade mark."""
        if self is RightStatus.GRANTED:
            return "Granted" if right_type is RightType.PATENT else "Registered"
        return self.label


# Statuses a right can have once it has been granted or registered: it keeps its
# registration number and grant date after it lapses, expires or is sold.
GRANT_STATUSES = frozenset(
    {RightStatus.GRANTED, RightStatus.LAPSED, RightStatus.EXPIRED, RightStatus.SOLD}
)


@dataclass
class Right:
    id: int | None
    right_type: RightType
    jurisdiction: str  # "GB", "PCT", "EP", or free text
    title: str
    application_number: str = ""
    registration_number: str = ""
    filing_date: dt.date | None = None
    priority_date: dt.date | None = None
    publication_date: dt.date | None = None
    grant_date: dt.date | None = None  # grant (patent) or registration (design, trade mark)
    status: RightStatus = RightStatus.DRAFTING
    owners: str = ""
    attorney: str = ""
    case_id: int | None = None
    next_review: dt.date | None = None
    renewals_paid: dict[int, dt.date] = field(default_factory=dict)
    note: str = ""
    # The country the right has effect in: ISO 3166 alpha-2 ("" for a regional or
    # international filing such as EP or PCT, or not recorded); see ``country_code``.
    country: str = ""

    @property
    def country_code(self) -> str:
        """The recorded country, else the one the jurisdiction names ("GB", "UK", "US")."""
        if self.country:
            return self.country
        from nhsip_desktop.core.countries import countries

        return countries().code(self.jurisdiction) or ""

    @property
    def display_title(self) -> str:
        return self.title.strip() or "(untitled right)"

    @property
    def is_gb(self) -> bool:
        return self.jurisdiction.strip().upper() in ("GB", "UK")

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict: dates as ISO text, renewal years as text keys."""
        return {
            "id": self.id,
            "right_type": self.right_type.value,
            "jurisdiction": self.jurisdiction,
            "title": self.title,
            "application_number": self.application_number,
            "registration_number": self.registration_number,
            "filing_date": jf.iso(self.filing_date),
            "priority_date": jf.iso(self.priority_date),
            "publication_date": jf.iso(self.publication_date),
            "grant_date": jf.iso(self.grant_date),
            "status": self.status.value,
            "owners": self.owners,
            "attorney": self.attorney,
            "case_id": self.case_id,
            "next_review": jf.iso(self.next_review),
            "renewals_paid": {
                str(year): paid.isoformat() for year, paid in sorted(self.renewals_paid.items())
            },
            "note": self.note,
            "country": self.country,
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Right:
        """The inverse of :meth:`to_json`. Missing optional fields take their defaults;
        malformed values raise ``ValueError`` naming the field."""
        paid_raw = raw.get("renewals_paid") or {}
        if not isinstance(paid_raw, Mapping):
            raise ValueError("renewals_paid: must be an object of year: date")
        renewals_paid: dict[int, dt.date] = {}
        for year, paid in paid_raw.items():
            try:
                renewals_paid[int(year)] = dt.date.fromisoformat(paid)
            except (TypeError, ValueError):
                raise ValueError(f"renewals_paid.{year}: must be a date, YYYY-MM-DD") from None
        return cls(
            id=jf.whole_or_none(raw, "id"),
            right_type=RightType(raw["right_type"]),
            jurisdiction=str(raw.get("jurisdiction", "")),
            title=str(raw.get("title", "")),
            application_number=str(raw.get("application_number", "")),
            registration_number=str(raw.get("registration_number", "")),
            filing_date=jf.optional_date(raw, "filing_date"),
            priority_date=jf.optional_date(raw, "priority_date"),
            publication_date=jf.optional_date(raw, "publication_date"),
            grant_date=jf.optional_date(raw, "grant_date"),
            status=RightStatus(raw.get("status", RightStatus.DRAFTING.value)),
            owners=str(raw.get("owners", "")),
            attorney=str(raw.get("attorney", "")),
            case_id=jf.whole_or_none(raw, "case_id"),
            next_review=jf.optional_date(raw, "next_review"),
            renewals_paid=renewals_paid,
            note=str(raw.get("note", "")),
            country=str(raw.get("country", "")),
        )


def _uk(value: dt.date) -> str:
    return value.strftime("%d/%m/%Y")


def validate_right(r: Right, today: dt.date) -> list[tuple[str, str]]:
    """Problems with a right, as ``(field, message)`` pairs; empty when it can be saved.

    Rules:

    - a title is required; a registered right needs a jurisdiction;
    - filing, priority, publication and grant dates and renewal payment dates cannot be in the
      future (the next review date may be);
    - the priority date cannot be after the filing date; the publication date and the grant
      date cannot be before the filing date;
    - a registered right that is filed, published or granted needs its filing date (renewals
      are worked out from it), and one that is granted needs its grant date;
    - a registration number or grant date needs a status a granted right can have (granted,
      or lapsed, expired or sold after grant);
    - an unregistered right (copyright, unregistered design, database right, know-how) has no
      application or registration number and no renewals;
    - renewal years must be years that right is renewed for (patent 5 to 20; design 5, 10,
      15, 20; trade mark a multiple of 10), and only a granted right has renewals paid,
      except a European patent application, which pays EPO renewal fees from year 3.
    """
    problems: list[tuple[str, str]] = []
    kind = r.right_type.label.lower()

    if not r.title.strip():
        problems.append(("title", "Enter a title for the right."))
    if r.right_type.registered and not r.jurisdiction.strip():
        problems.append(("jurisdiction", 'Enter the jurisdiction, such as "GB", "EP" or "PCT".'))

    past_only = (
        ("filing_date", r.filing_date, "The filing date"),
        ("priority_date", r.priority_date, "The priority date"),
        ("publication_date", r.publication_date, "The publication date"),
        ("grant_date", r.grant_date, "The grant date"),
    )
    for name, value, words in past_only:
        if value is not None and value > today:
            problems.append((name, f"{words} ({_uk(value)}) cannot be in the future."))

    if r.filing_date is not None:
        if r.priority_date is not None and r.priority_date > r.filing_date:
            problems.append(
                (
                    "priority_date",
                    f"The priority date ({_uk(r.priority_date)}) cannot be after the filing "
                    f"date ({_uk(r.filing_date)}).",
                )
            )
        if r.publication_date is not None and r.publication_date < r.filing_date:
            problems.append(
                (
                    "publication_date",
                    f"The publication date ({_uk(r.publication_date)}) cannot be before the "
                    f"filing date ({_uk(r.filing_date)}).",
                )
            )
        if r.grant_date is not None and r.grant_date < r.filing_date:
            problems.append(
                (
                    "grant_date",
                    f"The grant date ({_uk(r.grant_date)}) cannot be before the filing date "
                    f"({_uk(r.filing_date)}).",
                )
            )

    if r.right_type.registered:
        if r.status.live and r.filing_date is None:
            problems.append(
                (
                    "filing_date",
                    f"Enter the filing date of this {kind}: deadlines are worked out from it.",
                )
            )
        if r.status is RightStatus.GRANTED and r.grant_date is None:
            word = "grant" if r.right_type is RightType.PATENT else "registration"
            problems.append(("grant_date", f"Enter the {word} date of this {kind}."))
        if r.registration_number.strip() and r.status not in GRANT_STATUSES:
            problems.append(
                (
                    "registration_number",
                    "A registration number needs the status Granted or registered (or Lapsed, "
                    f"Expired or Sold after grant); this {kind} is {r.status.label.lower()}.",
                )
            )
        if r.grant_date is not None and r.status not in GRANT_STATUSES:
            problems.append(
                (
                    "grant_date",
                    "A grant date needs the status Granted or registered (or Lapsed, Expired or "
                    f"Sold after grant); this {kind} is {r.status.label.lower()}.",
                )
            )
    else:
        if r.application_number.strip():
            problems.append(
                (
                    "application_number",
                    f"{r.right_type.label} is not registered in the UK: leave the application "
                    "number empty.",
                )
            )
        if r.registration_number.strip():
            problems.append(
                (
                    "registration_number",
                    f"{r.right_type.label} is not registered in the UK: leave the registration "
                    "number empty.",
                )
            )

    if r.country:
        from nhsip_desktop.core.countries import countries

        if r.country not in countries().names:
            problems.append(
                (
                    "country",
                    f"{r.country!r} is not a country code this app knows: choose the country "
                    "from the list (ISO 3166), or leave it empty for EP or PCT.",
                )
            )
    problems.extend(_renewal_problems(r, today, kind))
    return problems


def _renewal_problems(r: Right, today: dt.date, kind: str) -> list[tuple[str, str]]:
    if not r.renewals_paid:
        return []
    if not r.right_type.registered:
        return [("renewals_paid", f"{r.right_type.label} is not renewed: remove the renewals.")]
    problems: list[tuple[str, str]] = []
    # A European patent application pays renewal fees to the EPO before grant, from the 3rd
    # year (EPC art. 86, r.51; resources/deadline_rules/epo-v1.json).
    epo = r.right_type is RightType.PATENT and r.jurisdiction.strip().upper() == "EP"
    if r.status not in GRANT_STATUSES and not epo:
        problems.append(
            (
                "renewals_paid",
                f"Renewals are paid only once a {kind} is granted or registered; this {kind} is "
                f"{r.status.label.lower()}.",
            )
        )
    for year, paid in sorted(r.renewals_paid.items()):
        if epo:
            valid, which = 3 <= year <= 20, "3 to 20 (EPO renewal fees)"
        elif r.right_type is RightType.PATENT:
            valid, which = year in PATENT_RENEWAL_YEARS, "5 to 20"
        elif r.right_type is RightType.REGISTERED_DESIGN:
            valid, which = year in DESIGN_RENEWAL_YEARS, "5, 10, 15 or 20"
        else:
            valid, which = year >= 10 and year % 10 == 0, "10, 20, 30 and so on"
        if not valid:
            problems.append(
                (
                    "renewals_paid",
                    f"Year {year} is not a renewal year of a {kind}: the years are {which}.",
                )
            )
        if paid > today:
            problems.append(
                (
                    "renewals_paid",
                    f"The renewal for year {year} cannot be paid on a future date ({_uk(paid)}).",
                )
            )
    return problems
