"""Costs and portfolio reviews (steps 6 and 8): plain data, money as Decimal."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from nhsip_desktop.core.labelled import LabelledEnum
from nhsip_desktop.core.money import PENNY, money, parse_money

__all__ = ["PENNY", "money", "parse_money"]


class CostCategory(LabelledEnum):
    OFFICIAL_FEE = "official_fee", "Official fee"
    ATTORNEY = "attorney", "Attorney"
    OTHER = "other", "Other"


@dataclass
class CostEntry:
    spent_on: dt.date
    category: CostCategory
    amount: Decimal
    vat: Decimal = Decimal(0)
    supplier: str = ""
    reference: str = ""
    note: str = ""
    case_id: int | None = None
    right_id: int | None = None
    id: int | None = None

    @property
    def total(self) -> Decimal:
        return self.amount + self.vat


def validate_cost(entry: CostEntry, today: dt.date) -> list[tuple[str, str]]:
    problems = []
    if entry.case_id is None and entry.right_id is None:
        problems.append(("case_id", "Say which case or right this cost belongs to."))
    if entry.amount <= 0:
        problems.append(("amount", "Enter the amount, more than £0."))
    if entry.vat < 0:
        problems.append(("vat", "VAT cannot be negative."))
    if entry.spent_on > today:
        problems.append(("spent_on", "A cost cannot be dated in the future."))
    return problems


class ReviewOutcome(LabelledEnum):
    """What a portfolio review decides for a registered right (steps 6 and 8)."""

    KEEP = "keep", "Keep and maintain"
    LICENCE = "licence", "Licence it out"
    SELL = "sell", "Sell at fair market value"
    LAPSE = "lapse", "Let it lapse"


@dataclass(frozen=True)
class Review:
    right_id: int
    reviewed_on: dt.date
    outcome: ReviewOutcome
    rationale: str
    reviewer: str
    next_review: dt.date | None
    id: int | None = None
