"""The areas of the main window: titles, the guidance steps they serve, and what they are for."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Area:
    key: str
    title: str
    guidance: str
    purpose: str
    help_reference: str = "Step 4"  # where F1 opens "the guidance in brief"


AREAS: tuple[Area, ...] = (
    Area(
        "cases",
        "Cases",
        "Steps 4, 5, 6 and 7",
        "Every idea disclosed in confidence, from first contact to a decision.",
        "Step 4",
    ),
    Area(
        "assets",
        "Assets and renewals",
        "Steps 6 and 8",
        "Registered and unregistered rights, renewals, priority and review deadlines.",
        "Step 8",
    ),
    Area(
        "agreements",
        "Agreements and TTC",
        "Step 9 and Annex B",
        "Every agreement and its obligations, and the TTC contract checked point by point.",
        "Step 9",
    ),
    Area(
        "finance",
        "Finance",
        "Step 8",
        "Costs, returns and revenue sharing with innovators, exact to the penny.",
        "Step 8",
    ),
    Area(
        "governance",
        "Governance",
        'Steps 1 and 3, "Actions for organisations"',
        "The SRO, the IP policy and its review, training, and the annual return.",
        "Step 1",
    ),
    Area(
        "reports",
        "Reports",
        "Steps 1 and 8",
        "The board summary, the annual return and the auditor's export pack.",
        "Actions for organisations",
    ),
)
