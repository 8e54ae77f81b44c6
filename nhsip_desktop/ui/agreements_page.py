"""Agreements and TTC (guidance step 9 and Annex B): every agreement, what each obliges, and
the contract with a technology-transfer capability (TTC) checked point by point.

The page lists the register's agreements (with their open obligations and, in words, what
the guidance would have the person check) above the obligations and review dates due in the
next 90 days, overdue first. An agreement is added and edited in :class:`AgreementDialog`, a
tabbed dialog: its details (with the licence or licence-back fields its kind needs, and live
"Check:" warnings), its obligations, the signed document kept encrypted in the register and,
for a TTC services agreement, the Annex B contract checklist (autosaved, with its PDF report)
and the TTC's quarterly performance reviews (:class:`TtcReviewDialog`).

The page refreshes only from the session's signals (``changed``, ``opened``, ``locked``); the
dialogs save through the store and never touch the page. Overdue items are said in words and
shown in bold, never by colour alone.
"""

from __future__ import annotations

from .agreements.dialog import AgreementDialog
from .agreements.models import (
    AGREEMENT_COLUMNS,
    AGREEMENT_ID_ROLE,
    DEADLINE_COLUMNS,
    DEADLINE_DAYS,
    KINDS,
    LICENCE_TYPES,
    REVIEW_COLUMNS,
    TTC_CHECKLIST,
    AgreementDeadlineModel,
    AgreementTableModel,
    kind_words,
    obligations_words,
    warning_words,
)
from .agreements.page import AgreementsPage
from .agreements.review import TtcReviewDialog

__all__ = [
    "AGREEMENT_COLUMNS",
    "AGREEMENT_ID_ROLE",
    "DEADLINE_COLUMNS",
    "DEADLINE_DAYS",
    "KINDS",
    "LICENCE_TYPES",
    "REVIEW_COLUMNS",
    "TTC_CHECKLIST",
    "AgreementDeadlineModel",
    "AgreementDialog",
    "AgreementTableModel",
    "AgreementsPage",
    "TtcReviewDialog",
    "kind_words",
    "obligations_words",
    "warning_words",
]
