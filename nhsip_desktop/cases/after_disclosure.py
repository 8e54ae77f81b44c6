"""What is left to protect after an idea has been made public, per kind of IP and territory.

Qt-free, standard library only. The words are the app's own, after step 4 (no external
disclosure before the internal IP review), step 6 (protection strategies) and step 7 (route 1,
adopting and sharing without commercialising, is a success) of the 2025 NHS IP guidance, and
these published facts (each point names its source):

- UK patents: an invention must be new on the filing date; anything made public before it,
  by anyone, including the inventor, counts (Patents Act 1977 s.2). The UK has no general
  grace period; the only exceptions are a disclosure in breach of confidence and display at
  a few recognised international exhibitions (s.2(4)). UK IPO: "keep your invention secret".
- European patents: the same rule (European Patent Convention arts. 54 and 55).
- UK registered designs: the designer's own disclosure does not count against an application
  filed within the 12 months after it (Registered Designs Act 1949 s.1B(6)); UK unregistered
  design right arises without registration (Copyright, Designs and Patents Act 1988 s.213).
- Copyright arises when the work is made and is not lost by publishing it (CDPA 1988).
- Trade marks: making a name public does not stop it being registered; the first to file wins.
- Know-how and confidential information are protected only while kept confidential.

One remark on grace periods, made once and consistently: some countries outside Europe (the
USA among them) allow the inventor's own disclosure a grace period, but that does not help in
the UK or at the European Patent Office.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from nhsip_desktop.cases.model import IpKind

REF_CONFIDENTIAL = "Step 4: confidentiality"
REF_PROTECTION = "Step 6: protection strategies"
REF_ROUTE1 = "Step 7: route 1"

SOURCE_UK_PATENT = "Patents Act 1977 s.2; UK IPO"
SOURCE_EP_PATENT = "European Patent Convention arts. 54-55"
SOURCE_DESIGN = "Registered Designs Act 1949 s.1B(6); CDPA 1988 s.213"
SOURCE_COPYRIGHT = "Copyright, Designs and Patents Act 1988"

DESIGN_GRACE_MONTHS = 12


@dataclass(frozen=True)
class Point:
    """One plain-words point: what it means, the guidance reference, and its official source."""

    text: str
    reference: str
    source: str = ""

    @property
    def cited(self) -> str:
        """The point with its reference (and source) in brackets, for reports."""
        where = f"{self.reference}; {self.source}" if self.source else self.reference
        return f"{self.text} ({where})"


def _uk(d: dt.date) -> str:
    return d.strftime("%d/%m/%Y")


def _plus_months(d: dt.date, months: int) -> dt.date:
    import calendar

    index = d.month - 1 + months
    year, month = d.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def patent_lost_words(kind_label: str, on: dt.date) -> str:
    """The short form used in alerts: plain that a UK or European patent is probably gone."""
    return (
        f"{kind_label} on {_uk(on)} made it public: a UK or European patent is probably no "
        "longer possible for what was shown. Ask a patent attorney what may still be "
        "protected, and see the case dossier (step 6)"
    )


def after_public_disclosure(kinds: Iterable[IpKind], on: dt.date) -> tuple[Point, ...]:
    """What a public disclosure on ``on`` means for each kind of IP, then what may still be
    protected, and that route 1 remains a success. No kinds: the patent point is given, as the
    kind is not yet known."""
    chosen = set(kinds) or {IpKind.INVENTION}
    points: list[Point] = []
    if IpKind.INVENTION in chosen:
        points.append(
            Point(
                f"A UK or European patent is probably no longer possible for what was made "
                f"public on {_uk(on)}: both need the invention to be new on the filing date, and "
                "anything made public before it counts, even by the inventor. Neither has a "
                "general grace period. Some countries outside Europe (the USA among them) do, "
                "but that does not help in the UK or at the European Patent Office.",
                REF_PROTECTION,
                f"{SOURCE_UK_PATENT}; {SOURCE_EP_PATENT}",
            )
        )
        points.append(
            Point(
                "Improvements worked out later, and details that were not shown, may still be "
                "patentable if they are kept confidential until an application is filed.",
                REF_PROTECTION,
                SOURCE_UK_PATENT,
            )
        )
    if IpKind.DESIGN in chosen:
        until = _plus_months(on, DESIGN_GRACE_MONTHS)
        points.append(
            Point(
                "A UK registered design may still be possible: the designer's own disclosure "
                f"does not count against an application filed within {DESIGN_GRACE_MONTHS} "
                f"months of it, so by {_uk(until)}. The shape may also have UK unregistered "
                "design right, which needs no registration.",
                REF_PROTECTION,
                SOURCE_DESIGN,
            )
        )
    if IpKind.COPYRIGHT in chosen:
        points.append(
            Point(
                "Copyright in software, text or images is not lost by publishing: it arose "
                "when the work was made and stays with its owner.",
                REF_PROTECTION,
                SOURCE_COPYRIGHT,
            )
        )
    if IpKind.BRAND in chosen:
        points.append(
            Point(
                "A trade mark can still be applied for: making the name public does not stop "
                "it being registered, but apply before someone else does.",
                REF_PROTECTION,
                "UK IPO",
            )
        )
    if IpKind.KNOW_HOW in chosen or IpKind.DATA in chosen:
        points.append(
            Point(
                "Know-how or data that was shown is no longer confidential and cannot be "
                "protected as such; what was kept back can still be, if it stays confidential.",
                REF_CONFIDENTIAL,
            )
        )
    if IpKind.DATA in chosen:
        points.append(
            Point(
                "Database right in a database the trust made is not lost by publishing it.",
                REF_PROTECTION,
                SOURCE_COPYRIGHT,
            )
        )
    points.append(
        Point(
            "Adopting and sharing it across the NHS without a commercial deal (route 1) is "
            "still a success, and needs no patent.",
            REF_ROUTE1,
        )
    )
    return tuple(points)
