"""Cases (disclosures): the domain vocabulary shared by the store, the UI and reports.

Stages follow the life of a disclosure through the guidance: step 4 (confidential
disclosure), step 5 (triage), steps 6 and 7 (protection and route decisions), step 8
(active management) and closure.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from nhsip_desktop.core.labelled import LabelledEnum, labels


class Stage(LabelledEnum):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    IN_TRIAGE = "in_triage", "In triage"
    DECISION_MADE = "decision_made", "Decision made"
    ACTIVE = "active", "Active"
    CLOSED = "closed", "Closed"


STAGE_LABELS: dict[Stage, str] = labels(Stage)


class IpKind(LabelledEnum):
    """Kinds of IP, after Annex A's Table 1 of the guidance."""

    INVENTION = "invention", "Invention"
    COPYRIGHT = "copyright", "Software or other copyright work"
    DESIGN = "design", "Design"
    BRAND = "brand", "Brand or name"
    KNOW_HOW = "know_how", "Know-how"
    DATA = "data", "Data or database"


IP_KIND_LABELS: dict[IpKind, str] = labels(IpKind)

IP_KIND_SHORT: dict[IpKind, str] = {
    IpKind.INVENTION: "Invention",
    IpKind.COPYRIGHT: "Copyright",
    IpKind.DESIGN: "Design",
    IpKind.BRAND: "Brand",
    IpKind.KNOW_HOW: "Know-how",
    IpKind.DATA: "Data",
}


@dataclass(frozen=True)
class CaseFields:
    """The fields of a case a person edits (what a new case is made from)."""

    title: str
    summary: str
    stage: Stage
    ip_kinds: tuple[IpKind, ...]
    lead_innovator: str
    received_on: dt.date | None
    next_action: str
    next_action_due: dt.date | None


@dataclass(frozen=True)
class Case(CaseFields):
    """A case as stored: its fields plus identity and timestamps."""

    id: int
    reference: str
    created_at: str
    updated_at: str
    feedback_due: dt.date | None = None
    closed_reason: str = ""
    alert_on: dt.date | None = None
    alert_planned: bool = False
    alert_reason: str = ""
    feedback_given_on: dt.date | None = None
    deadline_text: str = ""  # the earliest deadline from the case's rights
    deadline_due: dt.date | None = None

    @property
    def display_title(self) -> str:
        return self.title or "(untitled draft)"


@dataclass(frozen=True)
class Column:
    """One column of a list view: defined here so the UI and reports agree."""

    key: str
    title: str
    sortable: bool = True
    width_chars: int = 12


CASE_COLUMNS: tuple[Column, ...] = (
    Column("reference", "Reference", width_chars=12),
    Column("title", "Title", width_chars=34),
    Column("stage", "Stage", width_chars=13),
    Column("ip_kinds", "Kinds of IP", width_chars=17),
    Column("lead_innovator", "Lead innovator", width_chars=17),
    Column("received_on", "Received", width_chars=11),
    Column("next_action", "Next action", width_chars=22),
    Column("next_action_due", "Due", width_chars=11),
)
TITLE_COLUMN = 1


@dataclass(frozen=True)
class CaseFilter:
    """What the register browser asks for: free text (FTS5), a stage, and an order."""

    text: str = ""
    stage: Stage | None = None
    sort_key: str = "reference"
    descending: bool = True  # newest first
    extra: dict[str, str] = field(default_factory=dict)


def format_date(value: dt.date | None) -> str:
    """UK date format, dd/mm/yyyy; empty for no date."""
    return value.strftime("%d/%m/%Y") if value else ""
