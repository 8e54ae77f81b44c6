"""Agreements: words, constants and the table models."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)

from nhsip_desktop.agreements.model import (
    Agreement,
    AgreementKind,
    LicenceType,
    agreement_warnings,
)
from nhsip_desktop.assets.renewals import upcoming
from nhsip_desktop.cases.model import format_date

from ..assets_page import DeadlineTableModel
from ..session import RegisterSession
from ..table_model import RowsModel

Index = QModelIndex | QPersistentModelIndex

DEADLINE_DAYS = 90
AGREEMENT_COLUMNS: tuple[str, ...] = (
    "Reference",
    "Kind",
    "Title",
    "Parties",
    "Signed",
    "Ends",
    "Open obligations",
    "Warnings",
)
DEADLINE_COLUMNS: tuple[str, ...] = ("Due", "When", "What", "Agreement")
REVIEW_COLUMNS: tuple[str, ...] = (
    "Period",
    "Reviewed on",
    "Licences signed",
    "Active licences",
    "Revenue",
    "Time to licence",
    "Next review",
    "Summary",
)
AGREEMENT_ID_ROLE = Qt.ItemDataRole.UserRole + 3  # the agreement's id (both tables)
KINDS: tuple[AgreementKind, ...] = tuple(AgreementKind)
LICENCE_TYPES: tuple[LicenceType, ...] = tuple(LicenceType)
LICENCE_BACK_CHOICES: tuple[tuple[bool | None, str], ...] = (
    (None, "Not recorded"),
    (True, "Yes: the trust keeps a licence back"),
    (False, "No licence back"),
)
TTC_CHECKLIST = "ttc"
SAVE_DELAY_MS = 1500
DASH = "—"
NONE_WORDS = "None"
# Changes of other record kinds cannot move an agreement, an obligation or a review.
WATCHED_KINDS = frozenset({"agreement", "ttc_review"})

_SHORT_KINDS: dict[AgreementKind, str] = {
    AgreementKind.NDA: "NDA",
    AgreementKind.COLLABORATION: "Collaboration",
    AgreementKind.LICENCE_OUT: "Licence out",
    AgreementKind.LICENCE_IN: "Licence in",
    AgreementKind.ASSIGNMENT: "Assignment",
    AgreementKind.HAND_BACK: "Hand-back",
    AgreementKind.TTC_SERVICES: "TTC services",
    AgreementKind.DATA_SHARING: "Data sharing",
    AgreementKind.MATERIAL_TRANSFER: "Material transfer",
    AgreementKind.FUNDING: "Funding",
    AgreementKind.OTHER: "Other",
}
_SHORT_WARNINGS: tuple[tuple[str, str], ...] = (
    ("Exclusive licence with no justification", "Exclusive licence: no justification recorded"),
    ("does not contain a licence back", "No licence back to the trust"),
    ("is not recorded as having a licence back", "Licence back to the trust: not recorded"),
    ("No obligations are recorded", "TTC agreement: no obligations recorded"),
    ("No date for the next TTC performance review", "TTC agreement: no next review date"),
)
_LICENCE_BACK_WHY = (
    "Step 7: even where the IP is assigned or handed back, the agreement should license it "
    "back to the trust, so that it can still be used for patient care, teaching and research."
)
_STYLE = """
QLabel#checkBox { border: 2px solid #b36b00; border-radius: 4px; background: #fff8ec;
                  color: #4a2f00; padding: 6px 10px; }
"""


# -- words -------------------------------------------------------------------------------------
def kind_words(kind: AgreementKind) -> str:
    """The kind in a word or two, for the table ("TTC services"); ``kind.label`` in full."""
    return _SHORT_KINDS.get(kind, kind.label)


def warning_words(warning: str) -> str:
    """One of ``agreement_warnings``' sentences in a few words, for the table: "Exclusive
    licence: no justification recorded". Unknown warnings keep their first sentence."""
    for marker, words in _SHORT_WARNINGS:
        if marker in warning:
            return words
    return warning.split(". ")[0].rstrip(".")


def obligations_words(agreement: Agreement, today: dt.date) -> str:
    """The open obligations in words: "2 open\\nnext due 12/03/2027", "1 open, 1 overdue\\nwas
    due 01/02/2027", "None open"."""
    still_open = [o for o in agreement.obligations if o.is_open]
    if not still_open:
        return "None open"
    count = f"{len(still_open)} open"
    dated = sorted(o.due for o in still_open if o.due is not None)
    if not dated:
        return f"{count}\nno due date"
    first = dated[0]
    if first < today:
        overdue = sum(1 for due in dated if due < today)
        return f"{count}, {overdue} overdue\nwas due {format_date(first)}"
    return f"{count}\nnext due {format_date(first)}"


def _obligations_overdue(agreement: Agreement, today: dt.date) -> bool:
    return any(o.is_open and o.due is not None and o.due < today for o in agreement.obligations)


def _agreement_id(source_id: str) -> int | None:
    """The agreement id in a deadline's source ("agreement:3:obligation:o1")."""
    parts = source_id.split(":")
    if len(parts) >= 2 and parts[0] == "agreement" and parts[1].isdigit():
        return int(parts[1])
    return None


def _wants_refresh(changes: object) -> bool:
    kinds: frozenset[str] = getattr(changes, "kinds", frozenset())
    return not kinds or bool(kinds & WATCHED_KINDS)


# -- table models ------------------------------------------------------------------------------
class AgreementTableModel(RowsModel):
    """Every agreement in the register, oldest reference first, with its open obligations and
    the warnings the guidance would raise (worked out as rows are shown, then kept)."""

    columns = AGREEMENT_COLUMNS

    def __init__(self, session: RegisterSession) -> None:
        super().__init__()
        self._session = session
        self.today = dt.date.today()
        self._rows: list[Agreement] = []
        self._warnings: dict[int, list[str]] = {}
        session.changed.connect(self._on_changed)
        session.opened.connect(self.refresh)
        session.locked.connect(self.clear)

    def refresh(self) -> None:
        self.beginResetModel()
        self.today = dt.date.today()
        self._warnings.clear()
        self._rows = self._session.register.agreements.all() if self._session.is_open else []
        self.endResetModel()

    def clear(self) -> None:
        self.beginResetModel()
        self._rows = []
        self._warnings.clear()
        self.endResetModel()

    def _on_changed(self, changes: object) -> None:
        if _wants_refresh(changes):
            self.refresh()

    def agreement_at(self, row: int) -> Agreement | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, agreement_id: int) -> int:
        for row, agreement in enumerate(self._rows):
            if agreement.id == agreement_id:
                return row
        return -1

    def warnings(self, agreement: Agreement) -> list[str]:
        """``agreement_warnings`` for the agreement (with its TTC reviews), in full."""
        key = agreement.id if agreement.id is not None else -1
        if key not in self._warnings:
            reviews = []
            if (
                agreement.kind is AgreementKind.TTC_SERVICES
                and agreement.id is not None
                and self._session.is_open
            ):
                reviews = self._session.register.agreements.reviews(agreement.id)
            self._warnings[key] = agreement_warnings(agreement, reviews)
        return self._warnings[key]

    def text(self, agreement: Agreement, column: int) -> str:
        if column == 0:
            return agreement.reference
        if column == 1:
            return kind_words(agreement.kind)
        if column == 2:
            return agreement.display_title
        if column == 3:
            return "\n".join(agreement.parties) or DASH
        if column == 4:
            return format_date(agreement.signed_on) or "Not signed"
        if column == 5:
            return format_date(agreement.end_on) or DASH
        if column == 6:
            return obligations_words(agreement, self.today)
        words = [warning_words(w) for w in self.warnings(agreement)]
        return "\n".join(words) or NONE_WORDS

    def tooltip(self, agreement: Agreement, column: int) -> str:
        if column == 1:
            return agreement.kind.label
        if column == 7:
            return "\n\n".join(self.warnings(agreement)) or "Nothing to check."
        if column == 6:
            still_open = [o for o in agreement.obligations if o.is_open]
            lines = [
                f"{o.text or '(obligation)'} ({o.owner_label}"
                + (f"; due {format_date(o.due)})" if o.due else ")")
                for o in still_open
            ]
            return "\n".join(lines) or "No open obligations."
        return self.text(agreement, column).replace("\n", "; ")

    def accessible(self, agreement: Agreement, column: int) -> str:
        return self.text(agreement, column).replace("\n", ", ")

    def is_bold(self, agreement: Agreement, column: int) -> bool:
        return column == 6 and _obligations_overdue(agreement, self.today)

    def extra(self, agreement: Agreement, role: int) -> Any:
        return agreement.id if role == AGREEMENT_ID_ROLE else None


class AgreementDeadlineModel(DeadlineTableModel):
    columns = DEADLINE_COLUMNS  # "Agreement" rather than "Case or right"

    """The agreements' obligations, end, notice and renewal dates and TTC reviews, overdue or
    due in the next 90 days, overdue first (``register.agreements.deadlines`` through
    ``renewals.upcoming``); "When" in words."""

    def refresh(self) -> None:
        self.beginResetModel()
        self.today = dt.date.today()
        if self._session.is_open:
            found = self._session.register.agreements.deadlines(self.today)
            self._rows = upcoming(found, self.today, days=self.days)
        else:
            self._rows = []
        self.endResetModel()

    def _on_changed(self, changes: object) -> None:
        if _wants_refresh(changes):
            self.refresh()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == AGREEMENT_ID_ROLE:
            deadline = self.deadline_at(index.row()) if index.isValid() else None
            return _agreement_id(deadline.source_id) if deadline is not None else None
        return super().data(index, role)
