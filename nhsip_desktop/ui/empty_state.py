"""Deliberate empty states for areas that later work fills: what will live there, and why."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from .widgets import heading, paragraph


@dataclass(frozen=True)
class Area:
    key: str
    title: str
    guidance: str
    purpose: str
    coming: tuple[str, ...] = ()


AREAS: tuple[Area, ...] = (
    Area(
        "cases",
        "Cases",
        "Steps 4 and 5",
        "Every idea disclosed in confidence, from first contact to a decision.",
    ),
    Area(
        "assets",
        "Assets and renewals",
        "Steps 6 and 8",
        "The trust's registered and unregistered rights, with every renewal and priority "
        "deadline, and a yearly review of whether each right is still worth its cost.",
        (
            "Patents, designs and trade marks with their filing, grant and renewal dates",
            "A cost-benefit worksheet for each protection option",
            "Upcoming deadlines, overdue first",
        ),
    ),
    Area(
        "agreements",
        "Agreements and TTC",
        "Step 9 and Annex B",
        "Every NDA, collaboration, licence and hand-back agreement, and the contract with a "
        "technology-transfer provider checked point by point before signing.",
        (
            "An agreements register with obligations and milestones",
            "A TTC contract checklist with the question to raise for each gap",
            "Quarterly TTC performance reviews",
        ),
    ),
    Area(
        "finance",
        "Finance",
        "Step 8",
        "What protection costs, what comes back, and how returns are shared with innovators "
        "under the trust's policy, exact to the penny.",
        (
            "Costs and returns ledgers",
            "Revenue-sharing bands and statements for each innovator",
        ),
    ),
    Area(
        "governance",
        "Governance",
        'Steps 1 and 3, "Actions for organisations"',
        "The senior responsible officer, the IP policy and its yearly review, decision "
        "making, staff training, and the annual return.",
        (
            "The governance record and training log",
            "Progress against the five actions for organisations",
            "The annual return, produced from the register",
        ),
    ),
    Area(
        "reports",
        "Reports",
        "Steps 1 and 8",
        "Printable summaries for the trust board, case dossiers, feedback letters, and an "
        "export pack for auditors.",
        (
            "Board summary (two pages)",
            "Auditor's export pack with a manifest of hashes",
        ),
    ),
)


class EmptyStatePage(QWidget):
    def __init__(self, area: Area, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"area-{area.key}")
        self.setAccessibleName(area.title)
        card = QFrame()
        card.setObjectName("emptyCard")
        inner = QVBoxLayout(card)
        inner.setContentsMargins(32, 28, 32, 28)
        inner.setSpacing(12)
        inner.addWidget(heading(area.title))
        guidance = QLabel(f"Guidance: {area.guidance}")
        guidance.setObjectName("guidanceRef")
        inner.addWidget(guidance)
        inner.addWidget(paragraph(area.purpose))
        if area.coming:
            inner.addWidget(paragraph("Not built yet. This area will hold:"))
            items = "".join(f"<li>{item}</li>" for item in area.coming)
            listing = QLabel(f"<ul style='margin-left:-16px'>{items}</ul>")
            listing.setWordWrap(True)
            listing.setTextFormat(Qt.TextFormat.RichText)
            inner.addWidget(listing)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(40, 40, 40, 40)
        outer.addWidget(card)
        outer.addStretch(1)
        card.setMaximumWidth(720)
