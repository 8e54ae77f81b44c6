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

import contextlib
import dataclasses
import datetime as dt
import itertools
import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
    QTimer,
)
from PySide6.QtGui import QFont, QFontMetrics, QKeyEvent, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from nhsip_desktop.agreements.model import (
    KIND_TTC_REVIEW,
    REVIEW_EVERY_MONTHS,
    TRUST,
    Agreement,
    AgreementKind,
    LicenceType,
    Obligation,
    TtcReview,
    agreement_deadlines,
    agreement_warnings,
    financial_quarter,
    review_with_defaults,
    validate_agreement,
    validate_ttc_review,
)
from nhsip_desktop.assets.renewals import Deadline, add_months, upcoming
from nhsip_desktop.cases.model import format_date
from nhsip_desktop.core.money import money, parse_money
from nhsip_desktop.guidance.checklists import Checklist, Severity
from nhsip_desktop.store.errors import NotFoundError, RegisterError, ValidationError

from .assessment_tab import library
from .assets_page import DeadlineTableModel
from .checklist_widget import ChecklistWidget
from .file_dialogs import remember, start_folder, suggested
from .guidance_help import with_guidance
from .list_editor import FieldSpec, ListEditor, parse_date
from .session import RegisterSession
from .style import sheet
from .table_model import RowsModel
from .widgets import add_row, heading, paragraph

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


# -- the page ----------------------------------------------------------------------------------
class _Roomy(QStyledItemDelegate):
    """Rows a little taller than their (wrapped) text, the text centred in them. (Padding set
    in a stylesheet is left out of Qt's row heights, which then cut off wrapped lines.)"""

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(size.width(), size.height() + 8)


class _Table(QTableView):
    """A read-only table: whole rows, wrapped text, Enter activates the current row."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.setAccessibleName(name)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setWordWrap(True)
        self.setTabKeyNavigation(False)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.verticalHeader().setMinimumSectionSize(28)
        self.setItemDelegate(_Roomy(self))
        self.horizontalHeader().setHighlightSections(False)
        self.horizontalHeader().setDefaultAlignment(
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        )

    def size_columns(
        self, samples: dict[int, str], stretch: int, bold: frozenset[int] = frozenset()
    ) -> None:
        """Each column in ``samples`` as wide as its sample text or its title (in bold),
        whichever is wider; samples of the ``bold`` columns are measured in bold (overdue
        text is bold); ``stretch`` takes the spare width."""
        header = self.horizontalHeader()
        heavy = QFont(self.font())
        heavy.setBold(True)
        strong, plain = QFontMetrics(heavy), QFontMetrics(self.font())
        model = self.model()
        for column, sample in samples.items():
            title = str(model.headerData(column, Qt.Orientation.Horizontal) or "")
            metrics = strong if column in bold else plain
            width = max(metrics.horizontalAdvance(sample), strong.horizontalAdvance(title))
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, width + 22)
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.activated.emit(self.currentIndex())
            return
        super().keyPressEvent(event)


class AgreementsPage(QWidget):
    """The "Agreements and TTC" area: the agreements, then their obligations and review dates."""

    def __init__(self, session: RegisterSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("area-agreements")
        self.setAccessibleName("Agreements and TTC")
        self.session = session
        self.agreement_model = AgreementTableModel(session)
        self.deadline_model = AgreementDeadlineModel(session, DEADLINE_DAYS)
        self._selected_id: int | None = None
        self._dialog: QDialog | None = None

        intro = paragraph(
            "Step 9 and Annex B of the guidance: hold every agreement, track what each "
            "obliges, and check a TTC contract point by point before the trust signs."
        )

        # (a) agreements
        self.agreement_count = QLabel()
        self.agreement_count.setObjectName("resultCount")
        self.agreement_count.setAccessibleName("Number of agreements")
        self.agreements = _Table("Agreements")
        self.agreements.setModel(self.agreement_model)
        self.agreements.size_columns(
            {
                0: "AG-2026-0001",
                1: "TTC services",
                3: "Northern Innovation",
                4: "30/09/2026",
                5: "30/09/2026",
                6: "2 open, 1 overdue",
                7: "Exclusive licence: no",
            },
            stretch=2,
            bold=frozenset({6}),
        )
        self.agreements.activated.connect(lambda _index: self.open_agreement())
        self.agreements.doubleClicked.connect(lambda _index: self.open_agreement())
        self.agreements.selectionModel().currentRowChanged.connect(self._selection_changed)
        self.no_agreements = QLabel(
            "No agreements recorded yet. Add an NDA, collaboration, licence, assignment or "
            "the contract with a TTC with New agreement…"
        )
        self.no_agreements.setObjectName("hintText")
        self.no_agreements.setWordWrap(True)

        self.new_button = QPushButton("&New agreement…")
        self.new_button.setAccessibleName("New agreement")
        self.new_button.clicked.connect(self.new_agreement)
        self.open_button = QPushButton("&Open…")
        self.open_button.setAccessibleName("Open the selected agreement")
        self.open_button.clicked.connect(self.open_agreement)
        self.delete_button = QPushButton("&Delete…")
        self.delete_button.setAccessibleName("Delete the selected agreement")
        self.delete_button.clicked.connect(self.delete_agreement)

        # (b) obligations and review dates
        self.deadline_count = QLabel()
        self.deadline_count.setObjectName("resultCount")
        self.deadline_count.setAccessibleName("Number of obligations and review dates")
        self.deadlines = _Table("Obligations and review dates")
        self.deadlines.setModel(self.deadline_model)
        self.deadlines.size_columns(
            {0: "30/09/2026", 1: "Overdue by 365 days", 3: "AG-2026-0001"},
            stretch=2,
            bold=frozenset({0, 1, 3}),
        )
        self.deadlines.activated.connect(self._deadline_activated)
        self.deadlines.doubleClicked.connect(self._deadline_activated)
        self.no_deadlines = QLabel(
            f"No obligation or review is due in the next {DEADLINE_DAYS} days, and nothing is "
            "overdue."
        )
        self.no_deadlines.setObjectName("hintText")

        agreement_title = QHBoxLayout()
        agreement_title.addWidget(heading("Agreements", 2))
        agreement_title.addSpacing(12)
        agreement_title.addWidget(self.agreement_count)
        agreement_title.addStretch(1)
        for button in (self.new_button, self.open_button, self.delete_button):
            agreement_title.addWidget(button)

        deadline_title = QHBoxLayout()
        deadline_heading = heading(f"Obligations and review dates (next {DEADLINE_DAYS} days)", 2)
        deadline_heading.setWordWrap(False)
        deadline_title.addWidget(deadline_heading)
        deadline_title.addSpacing(12)
        deadline_title.addWidget(self.deadline_count)
        deadline_title.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.setSpacing(8)
        layout.addWidget(heading("Agreements and TTC"))
        layout.addWidget(with_guidance(intro, "Step 9"))
        layout.addSpacing(6)
        layout.addLayout(agreement_title)
        layout.addWidget(self.agreements, 1)
        layout.addWidget(self.no_agreements)
        layout.addSpacing(10)
        layout.addLayout(deadline_title)
        layout.addWidget(self.deadlines, 1)
        layout.addWidget(self.no_deadlines)
        layout.addStretch(0)

        QWidget.setTabOrder(self.new_button, self.open_button)
        QWidget.setTabOrder(self.open_button, self.delete_button)
        QWidget.setTabOrder(self.delete_button, self.agreements)
        QWidget.setTabOrder(self.agreements, self.deadlines)

        self.agreement_model.modelAboutToBeReset.connect(self._remember_selection)
        self.agreement_model.modelReset.connect(self._agreements_reset)
        self.deadline_model.modelReset.connect(self._deadlines_reset)
        session.locked.connect(self._forget_selection)
        self.agreement_model.refresh()
        self.deadline_model.refresh()

    # -- refresh -----------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        # "Due in 3 days" is relative to today: refresh when shown on a later day.
        if self.session.is_open and self.deadline_model.today != dt.date.today():
            self.agreement_model.refresh()
            self.deadline_model.refresh()

    def _agreements_reset(self) -> None:
        rows = self.agreement_model.rowCount()
        is_open = self.session.is_open
        self.agreements.setVisible(rows > 0)
        self.no_agreements.setVisible(rows == 0 and is_open)
        self.new_button.setEnabled(is_open)
        self.agreement_count.setText(
            f"{rows} agreement{'s' if rows != 1 else ''}" if is_open else ""
        )
        if self._selected_id is not None:
            self.select_agreement(self._selected_id)
        self._update_buttons()

    def _deadlines_reset(self) -> None:
        rows = self.deadline_model.rowCount()
        self.deadlines.setVisible(rows > 0)
        self.no_deadlines.setVisible(rows == 0 and self.session.is_open)
        if not self.session.is_open:
            self.deadline_count.setText("")
            return
        text = f"{rows} date{'s' if rows != 1 else ''}"
        overdue = self.deadline_model.overdue_count
        if overdue:
            text += f", {overdue} overdue"
        self.deadline_count.setText(text)

    def _remember_selection(self) -> None:
        agreement = self.current_agreement()
        if agreement is not None:
            self._selected_id = agreement.id

    def _forget_selection(self) -> None:
        self._selected_id = None

    def _selection_changed(self) -> None:
        agreement = self.current_agreement()
        if agreement is not None:
            self._selected_id = agreement.id
        self._update_buttons()

    def _update_buttons(self) -> None:
        chosen = self.current_agreement() is not None
        self.open_button.setEnabled(chosen)
        self.delete_button.setEnabled(chosen)

    # -- selection ---------------------------------------------------------------------------
    def current_agreement(self) -> Agreement | None:
        index = self.agreements.currentIndex()
        return self.agreement_model.agreement_at(index.row()) if index.isValid() else None

    def select_agreement(self, agreement_id: int) -> bool:
        row = self.agreement_model.row_of(agreement_id)
        if row < 0:
            return False
        self.agreements.setCurrentIndex(self.agreement_model.index(row, 0))
        self.agreements.selectRow(row)
        return True

    def _deadline_activated(self, index: QModelIndex) -> None:
        agreement_id = index.data(AGREEMENT_ID_ROLE)
        if agreement_id is not None and self.select_agreement(int(agreement_id)):
            self.agreements.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- actions -----------------------------------------------------------------------------
    def _show(self, dialog: QDialog) -> QDialog:
        if self._dialog is not None and not self._dialog.isVisible():
            self._dialog.deleteLater()
        self._dialog = dialog
        dialog.open()
        return dialog

    def new_agreement(self) -> AgreementDialog | None:
        if not self.session.is_open:
            return None
        dialog = AgreementDialog(self.session, parent=self)
        self._show(dialog)
        return dialog

    def open_agreement(self) -> AgreementDialog | None:
        agreement = self.current_agreement()
        if agreement is None or not self.session.is_open:
            return None
        dialog = AgreementDialog(self.session, agreement, parent=self)
        self._show(dialog)
        return dialog

    def delete_agreement(self, *, confirm: bool = True) -> bool:
        """Delete the selected agreement, after asking (its documents, reviews and checklist
        answers go with it; the audit trail keeps what it held)."""
        agreement = self.current_agreement()
        if agreement is None or agreement.id is None or not self.session.is_open:
            return False
        register = self.session.register
        if confirm:
            parts = []
            files = len(register.agreements.files(agreement.id))
            if files:
                parts.append(f"{files} stored document{'s' if files != 1 else ''}")
            reviews = len(register.agreements.reviews(agreement.id))
            if reviews:
                parts.append(f"{reviews} TTC review{'s' if reviews != 1 else ''}")
            if register.assessments.latest_for_agreement(agreement.id, TTC_CHECKLIST):
                parts.append("its TTC checklist answers")
            going = f" with {', '.join(parts)}" if parts else ""
            answer = QMessageBox.question(
                self,
                "Delete agreement?",
                f"Delete {agreement.reference} ({agreement.display_title}){going}? Its "
                "reference is not used again, and the audit trail keeps a record of what it "
                "held.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return False
        try:
            register.agreements.delete(agreement.id)
        except RegisterError as exc:
            QMessageBox.warning(self, "Agreement not deleted", str(exc))
            return False
        self._selected_id = None
        return True


# -- dialogs: shared pieces --------------------------------------------------------------------
class _Note(QLabel):
    """A wrapped label as tall as its text at its actual width: a form row otherwise keeps
    the height Qt guesses for it (several lines), leaving gaps around a short note."""

    def __init__(self, text: str = "") -> None:
        super().__init__(text)
        self._fitted = -1

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        if self.wordWrap() and self.width() > 0:
            height = self.heightForWidth(self.width())
            if height > 0:
                return QSize(hint.width(), height)
        return hint

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        return QSize(hint.width(), self.sizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        height = self.heightForWidth(self.width()) if self.wordWrap() else -1
        if height != self._fitted:
            self._fitted = height
            self.updateGeometry()

    def setText(self, text: str) -> None:
        super().setText(text)
        self._fitted = -1
        self.updateGeometry()


def _hint(text: str = "", name: str = "hintText") -> QLabel:
    label = _Note(text)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    return label


def _date_edit(value: dt.date | None = None) -> QLineEdit:
    edit = QLineEdit(format_date(value))
    edit.setPlaceholderText("dd/mm/yyyy")
    edit.setMaximumWidth(150)
    return edit


def _line(value: str = "", placeholder: str = "") -> QLineEdit:
    edit = QLineEdit(value)
    if placeholder:
        edit.setPlaceholderText(placeholder)
    return edit


def _text_box(value: str = "", placeholder: str = "", height: int = 56) -> QPlainTextEdit:
    box = QPlainTextEdit(value)
    box.setTabChangesFocus(True)
    box.setFixedHeight(height)
    if placeholder:
        box.setPlaceholderText(placeholder)
    return box


def _form() -> QFormLayout:
    form = QFormLayout()
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
    form.setHorizontalSpacing(10)
    form.setVerticalSpacing(4)
    return form


def _whole_number(text: str, key: str, words: str) -> tuple[int | None, list[tuple[str, str]]]:
    text = text.strip().replace(",", "")
    if not text:
        return None, []
    try:
        return int(text), []
    except ValueError:
        return None, [(key, f"{words}: type a whole number, such as 3.")]


class _FieldsDialog(QDialog):
    """A dialog whose fields each have a problem label beside them (and know their tab)."""

    def __init__(self, session: RegisterSession, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.session = session
        self.inputs: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}
        self._help: dict[str, str] = {}
        self._row_shown: dict[str, Callable[[bool], None]] = {}
        self._tab_of: dict[str, int] = {}
        self.tabs: QTabWidget | None = None
        self.error = QLabel()
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self.error.setAccessibleName("Problem")
        self.error.hide()
        session.locked.connect(self.reject)  # nothing can be saved once the register locks

    def field(
        self,
        form: QFormLayout,
        key: str,
        label: str,
        widget: QWidget,
        help_text: str = "",
        tab: int = 0,
        beside: QWidget | None = None,
    ) -> QWidget:
        if beside is None:
            add_row(form, label, widget, help_text)
        else:  # a note to the right of the input, in the same row
            holder = QWidget()
            row_layout = QHBoxLayout(holder)
            row_layout.setContentsMargins(0, 0, 0, 0)
            row_layout.setSpacing(10)
            row_layout.addWidget(widget)
            row_layout.addWidget(beside, 1)
            caption = QLabel(label)
            caption.setBuddy(widget)
            widget.setAccessibleName(label.replace("&", "").rstrip(":"))
            if help_text:
                widget.setAccessibleDescription(help_text)
                widget.setToolTip(help_text)
            form.addRow(caption, holder)
        problem = _hint(name="errorText")
        problem.setAccessibleName(f"Problem with {label.replace('&', '').rstrip(':')}")
        form.addRow("", problem)
        row = form.rowCount() - 1
        form.setRowVisible(row, False)  # no gap while there is no problem
        self.add_problem_label(
            key, widget, problem, lambda shown: form.setRowVisible(row, shown), help_text, tab
        )
        return widget

    def add_problem_label(
        self,
        key: str,
        widget: QWidget,
        label: QLabel,
        show_row: Callable[[bool], None],
        help_text: str = "",
        tab: int = 0,
    ) -> None:
        self.inputs[key] = widget
        self.errors[key] = label
        self._help[key] = help_text
        self._row_shown[key] = show_row
        self._tab_of[key] = tab
        if isinstance(widget, QLineEdit):
            widget.textEdited.connect(lambda _text, k=key: self.clear_problem(k))
        elif isinstance(widget, QPlainTextEdit):
            widget.textChanged.connect(lambda k=key: self.clear_problem(k))
        elif isinstance(widget, QComboBox):
            widget.currentIndexChanged.connect(lambda _i, k=key: self.clear_problem(k))

    def clear_problem(self, key: str) -> None:
        label = self.errors.get(key)
        if label is not None and label.text():
            self._row_shown[key](False)
            label.clear()
            self.inputs[key].setAccessibleDescription(self._help.get(key, ""))

    def clear_problems(self) -> None:
        for key in self.errors:
            self.clear_problem(key)
        self.error.hide()
        self.error.clear()

    def set_problem(self, key: str, messages: Sequence[str]) -> None:
        """Show messages beside a field, without moving the focus."""
        label = self.errors[key]
        text = " ".join(messages)
        label.setText(text)
        self._row_shown[key](True)
        help_text = self._help.get(key, "")
        self.inputs[key].setAccessibleDescription(f"{text} {help_text}".strip())

    def show_problems(self, problems: Sequence[tuple[str | None, str]]) -> None:
        """Each message beside its field (several join up), others in the general label; the
        tab of the first field at fault is shown and the field takes the focus."""
        general: list[str] = []
        shown: dict[str, list[str]] = {}
        for key, message in problems:
            if key is not None and key in self.errors:
                if message not in shown.setdefault(key, []):
                    shown[key].append(message)
            elif message not in general:
                general.append(message)
        for key, messages in shown.items():
            self.set_problem(key, messages)
        if general:
            self.error.setText("Not saved: " + " ".join(general))
            self.error.show()
        first = next((k for k in self.inputs if k in shown), None)
        if first is not None:
            if self.tabs is not None:
                self.tabs.setCurrentIndex(self._tab_of[first])
            self.inputs[first].setFocus(Qt.FocusReason.OtherFocusReason)

    def problem_text(self, key: str) -> str:
        """The message shown beside a field ("" when none)."""
        return self.errors[key].text()


# -- the agreement dialog ----------------------------------------------------------------------
DETAILS_TAB, OBLIGATIONS_TAB, DOCUMENT_TAB = 0, 1, 2
DATE_FIELDS = ("signed_on", "start_on", "end_on", "renewal_on")


def _describe_obligation(o: Obligation) -> str:
    text = o.text.strip() or "(new obligation)"
    if o.done_on is not None:
        return f"{text}: done {format_date(o.done_on)}"
    if o.due is not None and o.due < dt.date.today():
        return f"{text}: overdue, was due {format_date(o.due)} ({o.owner_label})"
    if o.due is not None:
        return f"{text}: due {format_date(o.due)} ({o.owner_label})"
    return f"{text} ({o.owner_label})"


class AgreementDialog(_FieldsDialog):
    """Add (``agreement`` None) or edit an agreement. Save validates and saves through
    ``register.agreements.save``; on a problem the dialog stays open with everything typed.

    Tabs: Details, Obligations, Signed document and, for a TTC services agreement only,
    TTC checklist (Annex B) and Performance reviews.
    """

    tabs: QTabWidget

    def __init__(
        self,
        session: RegisterSession,
        agreement: Agreement | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(session, parent)
        self.setStyleSheet(sheet(_STYLE))
        register = session.register
        self.agreement: Agreement = dataclasses.replace(agreement) if agreement else Agreement()
        self.saved: Agreement | None = None
        self._reviews: list[TtcReview] = (
            register.agreements.reviews(self.agreement.id) if self.agreement.id else []
        )
        self._warnings: list[str] = []
        # The TTC tabs are built the first time the agreement is a TTC services agreement.
        self.checklist: ChecklistWidget | None = None
        self.assessment_id: int | None = None
        self._answers_dirty = False
        self.ttc_tab: QWidget | None = None
        self.reviews_tab: QWidget | None = None
        self._answer_timer = QTimer(self)
        self._answer_timer.setSingleShot(True)
        self._answer_timer.setInterval(SAVE_DELAY_MS)
        self._answer_timer.timeout.connect(self.save_answers)
        session.about_to_lock.connect(self.save_answers)

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Agreement")
        self.tabs.addTab(self._details_tab(), "&Details")
        self.tabs.addTab(self._obligations_tab(), "O&bligations")
        self.tabs.addTab(self._document_tab(), "&Signed document")

        self.check_box = QLabel()
        self.check_box.setObjectName("checkBox")
        self.check_box.setWordWrap(True)
        self.check_box.setAccessibleName("Check")
        self.check_box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.check_box.hide()

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setDefault(True)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 12)
        layout.setSpacing(8)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.check_box)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.licence_type.currentIndexChanged.connect(self._licence_type_changed)
        for edit in (
            self.title,
            self.signed_on,
            self.start_on,
            self.end_on,
            self.notice_days,
            self.field_of_use,
            self.territory,
        ):
            edit.textChanged.connect(self.update_checks)
        for box in (self.parties, self.exclusive_justification):
            box.textChanged.connect(self.update_checks)
        self.licence_back.currentIndexChanged.connect(self.update_checks)
        self.cases.textEdited.connect(self._lookup_cases)
        self.obligations.changed.connect(self.update_checks)

        self._set_title()
        self._licence_type_changed()
        self._lookup_cases()
        self._kind_changed()
        self.resize(1060, 720)
        self.tabs.setCurrentIndex(DETAILS_TAB)
        self.title.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- building ----------------------------------------------------------------------------
    def _details_tab(self) -> QWidget:
        a = self.agreement
        register = self.session.register
        self.kind = QComboBox()
        for kind in KINDS:
            self.kind.addItem(kind.label)
        self.kind.setCurrentIndex(KINDS.index(a.kind))
        self.title = _line(a.title, "A name the trust will recognise")
        self.parties = _text_box(
            "\n".join(a.parties), "One per line: the other organisations (or people)", 64
        )
        self.signed_on = _date_edit(a.signed_on)
        self.start_on = _date_edit(a.start_on)
        self.end_on = _date_edit(a.end_on)
        self.renewal_on = _date_edit(a.renewal_on)
        self.notice_days = _line("" if a.notice_days is None else str(a.notice_days), "e.g. 90")
        self.notice_days.setMaximumWidth(90)
        self.notice_hint = _hint()
        references: list[str] = []
        lost: list[int] = []
        for case_id in a.case_ids:
            try:
                references.append(register.cases.get(case_id).reference)
            except NotFoundError:
                lost.append(case_id)
        self._lost_cases = lost
        self.cases = _line(", ".join(references), "e.g. IP-2026-0001, IP-2026-0004")
        self.cases_found = _hint()
        self.revenue_terms = _text_box(
            a.revenue_terms, "Royalties, milestone payments, fees, revenue shares"
        )
        self.note = _text_box(a.note, "Anything the next person to read this should know")

        left, right = _form(), _form()
        self.field(left, "kind", "&Kind:", self.kind)
        self.field(left, "title", "&Title:", self.title)
        self.field(
            left,
            "parties",
            "&Parties:",
            self.parties,
            "The other parties to the agreement, one per line (the trust itself need not be "
            "listed).",
        )
        self.field(
            left,
            "case_ids",
            "Linked &cases:",
            self.cases,
            "The references of the cases the agreement covers, separated by commas.",
        )
        left.addRow("", self.cases_found)
        self.field(left, "revenue_terms", "&Revenue terms:", self.revenue_terms)
        self.field(left, "note", "N&ote:", self.note)
        self.field(
            right,
            "signed_on",
            "Si&gned:",
            self.signed_on,
            "dd/mm/yyyy. Leave empty until the agreement is signed.",
        )
        self.field(
            right, "start_on", "St&art:", self.start_on, "dd/mm/yyyy. Empty: the signing date."
        )
        self.field(right, "end_on", "&End:", self.end_on, "dd/mm/yyyy, if it has an end date.")
        self.field(
            right,
            "renewal_on",
            "Re&newal:",
            self.renewal_on,
            "dd/mm/yyyy: the date by which to renew, re-tender or let it end.",
        )
        self.field(
            right,
            "notice_days",
            "Notice (da&ys):",
            self.notice_days,
            "The notice needed to end the agreement, in days.",
            beside=self.notice_hint,
        )

        # licence fields (licences in or out only)
        self.licence_type = QComboBox()
        self.licence_type.addItem("Not recorded")
        for licence in LICENCE_TYPES:
            self.licence_type.addItem(licence.label.split(":")[0])
        self.licence_type.setCurrentIndex(
            LICENCE_TYPES.index(a.licence_type) + 1 if a.licence_type else 0
        )
        self.licence_explained = _hint()
        self.field_of_use = _line(a.field_of_use, "e.g. paediatric intravenous care")
        self.territory = _line(a.territory, "e.g. United Kingdom; worldwide")
        self.exclusive_justification = _text_box(
            a.exclusive_justification,
            "Why exclusivity is justified here, and the legal advice taken",
        )
        licence_form = _form()
        self.field(
            licence_form,
            "licence_type",
            "T&ype of licence:",
            self.licence_type,
            "Step 2: exclusive, sole or non-exclusive. Non-exclusive is the normal approach.",
            beside=self.licence_explained,
        )
        self.field(licence_form, "field_of_use", "&Field of use:", self.field_of_use)
        self.field(licence_form, "territory", "Territor&y:", self.territory)
        self.field(
            licence_form,
            "exclusive_justification",
            "&Why exclusive:",
            self.exclusive_justification,
            "Exclusive licences only in exceptional circumstances, after legal advice: record "
            "why, and the advice taken.",
        )
        self.licence_box = QGroupBox("Licence terms")
        self.licence_box.setLayout(licence_form)

        # licence back (assignments and hand-backs only)
        self.licence_back = QComboBox()
        for _value, words in LICENCE_BACK_CHOICES:
            self.licence_back.addItem(words)
        values = [value for value, _words in LICENCE_BACK_CHOICES]
        self.licence_back.setCurrentIndex(values.index(a.licence_back))
        back_form = _form()
        self.field(
            back_form,
            "licence_back",
            "&Licence back:",
            self.licence_back,
            "Does the agreement license the IP back to the trust?",
        )
        back_form.addRow("", _hint(_LICENCE_BACK_WHY))
        self.licence_back_box = QGroupBox("Licence back to the trust")
        self.licence_back_box.setLayout(back_form)

        columns = QHBoxLayout()
        columns.setSpacing(24)
        columns.addLayout(left, 3)
        columns.addLayout(right, 2)
        inner = QWidget()
        inner_layout = QVBoxLayout(inner)
        inner_layout.setContentsMargins(4, 8, 8, 4)
        inner_layout.setSpacing(8)
        inner_layout.addLayout(columns)
        inner_layout.addWidget(self.licence_box)
        inner_layout.addWidget(self.licence_back_box)
        inner_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(inner)

        order: list[QWidget] = [
            self.kind,
            self.title,
            self.parties,
            self.cases,
            self.revenue_terms,
            self.note,
            self.signed_on,
            self.start_on,
            self.end_on,
            self.renewal_on,
            self.notice_days,
            self.licence_type,
            self.field_of_use,
            self.territory,
            self.exclusive_justification,
            self.licence_back,
        ]
        for first, second in itertools.pairwise(order):
            QWidget.setTabOrder(first, second)
        return scroll

    def _obligations_tab(self) -> QWidget:
        specs = [
            FieldSpec("text", "What must be done", help="A report, payment, milestone, notice…"),
            FieldSpec("due", "Due", "date", help="dd/mm/yyyy, if it is due by a date."),
            FieldSpec(
                "owner",
                "Whose obligation",
                help='"trust" when the trust must act, or the other party\'s name.',
            ),
            FieldSpec("done_on", "Done on", "date", help="dd/mm/yyyy, once it has been done."),
        ]
        self.obligations = ListEditor(
            "obligation", specs, lambda: Obligation("", owner=TRUST), _describe_obligation
        )
        listing = self.obligations.list
        listing.setWordWrap(True)  # long obligations wrap instead of scrolling sideways
        listing.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        listing.setResizeMode(QListView.ResizeMode.Adjust)
        listing.setSpacing(2)
        self.obligations.set_items([dataclasses.replace(o) for o in self.agreement.obligations])
        obligations_problem = _hint(name="errorText")
        obligations_problem.setAccessibleName("Problem with the obligations")
        obligations_problem.hide()
        self.add_problem_label(
            "obligations",
            self.obligations.list,
            obligations_problem,
            obligations_problem.setVisible,
            tab=OBLIGATIONS_TAB,
        )
        inner = QWidget()
        layout = QVBoxLayout(inner)
        layout.setContentsMargins(8, 10, 8, 8)
        layout.addWidget(
            paragraph(
                "What the agreement requires, and of whom: reports, payments, milestones, "
                "notices. Whose obligation: \u201ctrust\u201d when the trust must act, or the "
                "other party's name. Open obligations with a due date are listed under "
                "Obligations and review dates until they are marked done."
            )
        )
        layout.addWidget(self.obligations, 1)
        layout.addWidget(obligations_problem)
        return inner

    def _document_tab(self) -> QWidget:
        self.file_table = QTableWidget(0, 4)
        self.file_table.setHorizontalHeaderLabels(["Name", "Size", "SHA-256", "Added"])
        self.file_table.setAccessibleName("Documents kept with the agreement")
        self.file_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.file_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.file_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.file_table.setTabKeyNavigation(False)
        self.file_table.verticalHeader().setVisible(False)
        header = self.file_table.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.file_table.setColumnWidth(1, 90)
        self.file_table.setColumnWidth(2, 470)
        self.file_table.setColumnWidth(3, 100)
        self.add_file_button = QPushButton("&Add file…")
        self.add_file_button.clicked.connect(lambda: self.add_file())
        self.save_copy_button = QPushButton("Save a &copy…")
        self.save_copy_button.clicked.connect(lambda: self.save_file_copy())
        self.remove_file_button = QPushButton("&Remove…")
        self.remove_file_button.clicked.connect(lambda: self.remove_file())
        self.file_table.itemSelectionChanged.connect(self._update_file_buttons)
        self.file_status = _hint()
        buttons = QHBoxLayout()
        for button in (self.add_file_button, self.save_copy_button, self.remove_file_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        inner = QWidget()
        layout = QVBoxLayout(inner)
        layout.setContentsMargins(8, 10, 8, 8)
        layout.addWidget(
            paragraph(
                "The signed agreement, and any variations, are kept inside the encrypted "
                "register (up to 25 MB each), with their SHA-256 so a copy can be checked. A "
                "copy leaves the register only when you save one: it is not encrypted, and "
                "saving it is recorded in the audit trail."
            )
        )
        layout.addWidget(self.file_table, 1)
        layout.addWidget(self.file_status)
        layout.addLayout(buttons)
        self._refresh_files()
        return inner

    def _build_ttc_tabs(self) -> None:
        register = self.session.register
        record = (
            register.assessments.latest_for_agreement(self.agreement.id, TTC_CHECKLIST)
            if self.agreement.id is not None
            else None
        )
        newest = library().get(TTC_CHECKLIST)
        checklist: Checklist = (
            library().get(TTC_CHECKLIST, record.checklist_version) if record else newest
        )
        self.assessment_id = record.id if record else None
        self.checklist = ChecklistWidget(checklist, dict(record.answers) if record else {})
        self.checklist.changed.connect(self._answers_changed)
        self.checklist_status = _hint()
        self.checklist_status.setAccessibleName("Checklist state")
        self.report_button = QPushButton("Checklist &report (PDF)…")
        self.report_button.setAccessibleName("Checklist report (PDF)")
        self.report_button.setToolTip(
            "A PDF of the findings to take into the negotiation or to a solicitor. It leaves "
            "the encrypted register."
        )
        self.report_button.clicked.connect(lambda: self.write_report())
        self.version_note = _hint(
            f"These answers were made with version {checklist.version} of the checklist. A "
            f"newer version ({newest.version}) exists; the answers keep their own version."
        )
        self.version_note.setVisible(checklist.version != newest.version)
        top = QHBoxLayout()
        top.addWidget(self.checklist_status, 1)
        top.addWidget(self.report_button, 0, Qt.AlignmentFlag.AlignTop)
        self.ttc_tab = QWidget()
        layout = QVBoxLayout(self.ttc_tab)
        layout.setContentsMargins(4, 6, 4, 0)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(self.version_note)
        layout.addWidget(self.checklist, 1)
        self.tabs.addTab(self.ttc_tab, "&TTC checklist (Annex B)")

        self.review_table = QTableWidget(0, len(REVIEW_COLUMNS))
        self.review_table.setHorizontalHeaderLabels(list(REVIEW_COLUMNS))
        self.review_table.setAccessibleName("TTC performance reviews")
        self.review_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.review_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.review_table.setTabKeyNavigation(False)
        self.review_table.setWordWrap(True)
        self.review_table.verticalHeader().setVisible(False)
        self.review_table.verticalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        header = self.review_table.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        metrics = QFontMetrics(self.review_table.font())
        for column, sample in enumerate(
            ("Q3 2026-27 (formal annual)", "30/09/2026", "", "", "£120,000.00", "365 days", "")
        ):
            title = REVIEW_COLUMNS[column]
            width = max(metrics.horizontalAdvance(sample), metrics.horizontalAdvance(title))
            self.review_table.setColumnWidth(column, width + 24)
        header.setSectionResizeMode(len(REVIEW_COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.next_review_label = QLabel()
        self.next_review_label.setObjectName("stageText")
        self.next_review_label.setWordWrap(True)
        self.review_button = QPushButton("Record re&view…")
        self.review_button.setAccessibleName("Record a TTC performance review")
        self.review_button.clicked.connect(lambda: self.record_review())
        buttons = QHBoxLayout()
        buttons.addWidget(self.review_button)
        buttons.addStretch(1)
        self.reviews_tab = QWidget()
        layout = QVBoxLayout(self.reviews_tab)
        layout.setContentsMargins(8, 10, 8, 8)
        layout.addWidget(
            paragraph(
                "Annex B: review the TTC's performance every quarter, with a more formal "
                "review once a year: licences signed, revenue, active licences, the time taken "
                "to agree a licence, the deal pipeline and the impact on health."
            )
        )
        layout.addWidget(self.next_review_label)
        layout.addWidget(self.review_table, 1)
        layout.addLayout(buttons)
        self.tabs.addTab(self.reviews_tab, "Performance re&views")
        self._refresh_reviews()
        self._update_checklist_status()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter in a field saves, whichever tab is shown (a focused button still takes Enter
        itself; a text box takes it as a new line). Qt's own default button is not relied on:
        switching tabs can leave the dialog without one."""
        plain = event.modifiers() in (
            Qt.KeyboardModifier.NoModifier,
            Qt.KeyboardModifier.KeypadModifier,
        )
        if plain and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if self.save_button.isEnabled():
                self.save_button.click()
            return
        super().keyPressEvent(event)

    # -- state -------------------------------------------------------------------------------
    def current_kind(self) -> AgreementKind:
        return KINDS[max(self.kind.currentIndex(), 0)]

    def current_licence_type(self) -> LicenceType | None:
        index = self.licence_type.currentIndex()
        return LICENCE_TYPES[index - 1] if index > 0 else None

    def current_licence_back(self) -> bool | None:
        return LICENCE_BACK_CHOICES[max(self.licence_back.currentIndex(), 0)][0]

    def is_ttc(self) -> bool:
        return self.current_kind() is AgreementKind.TTC_SERVICES

    def _set_title(self) -> None:
        a = self.agreement
        title = f"Agreement {a.reference}" if a.reference else "New agreement"
        self.setWindowTitle(title)
        self.setAccessibleName(title)

    def _kind_changed(self) -> None:
        kind = self.current_kind()
        self.licence_box.setVisible(kind.is_licence)
        self.licence_back_box.setVisible(kind.transfers_ownership)
        ttc = kind is AgreementKind.TTC_SERVICES
        if ttc and self.ttc_tab is None:
            self._build_ttc_tabs()
        for tab in (self.ttc_tab, self.reviews_tab):
            if tab is not None:
                self.tabs.setTabVisible(self.tabs.indexOf(tab), ttc)
        self.update_checks()

    def _licence_type_changed(self) -> None:
        licence = self.current_licence_type()
        self.licence_explained.setText(
            licence.label if licence else "Exclusive, sole or non-exclusive (step 2)."
        )
        self.update_checks()

    def _lookup_cases(self, *_args: object) -> None:
        """Find the linked cases as their references are typed; name each, or say what is
        wrong beside the field."""
        found, problems = self._case_ids()
        register = self.session.register
        names = []
        for case_id in found:
            try:
                case = register.cases.get(case_id)
            except NotFoundError:
                continue
            names.append(f"{case.reference}: {case.display_title}")
        if self._lost_cases:
            lost = ", ".join(str(i) for i in self._lost_cases)
            names.append(
                f"Case id {lost} is no longer in the register; its link is removed when you save."
            )
        self.cases_found.setText("\n".join(names))
        self.cases_found.setVisible(bool(names))
        if problems:
            self.set_problem("case_ids", [m for _k, m in problems])
        else:
            self.clear_problem("case_ids")

    def _case_ids(self) -> tuple[list[int], list[tuple[str, str]]]:
        ids: list[int] = []
        problems: list[tuple[str, str]] = []
        register = self.session.register
        for reference in re.split(r"[,;\s]+", self.cases.text()):
            if not reference:
                continue
            try:
                ids.append(register.cases.get_by_reference(reference).id)
            except NotFoundError as exc:
                problems.append(("case_ids", f"{exc} Check the reference."))
        return list(dict.fromkeys(ids)), problems

    def candidate(self) -> tuple[Agreement, list[tuple[str, str]]]:
        """The agreement as typed, and the problems in reading it (dates, numbers, cases).
        Fields hidden for this kind of agreement are left out (and kept in the form)."""
        problems: list[tuple[str, str]] = []
        dates: dict[str, dt.date | None] = {}
        edits = {
            "signed_on": self.signed_on,
            "start_on": self.start_on,
            "end_on": self.end_on,
            "renewal_on": self.renewal_on,
        }
        for key, edit in edits.items():
            try:
                dates[key] = parse_date(edit.text())
            except ValueError as exc:
                dates[key] = None
                problems.append((key, str(exc)))
        notice, notice_problems = _whole_number(
            self.notice_days.text(), "notice_days", "Notice period"
        )
        problems += notice_problems
        case_ids, case_problems = self._case_ids()
        problems += case_problems
        if any(not error.isHidden() for error in self.obligations.errors.values()):
            problems.append(
                (
                    "obligations",
                    "The selected obligation has a date that cannot be read: use dd/mm/yyyy.",
                )
            )
        kind = self.current_kind()
        licence = kind.is_licence
        base = self.agreement
        agreement = Agreement(
            id=base.id,
            reference=base.reference,
            kind=kind,
            title=self.title.text().strip(),
            parties=[p.strip() for p in self.parties.toPlainText().splitlines() if p.strip()],
            signed_on=dates["signed_on"],
            start_on=dates["start_on"],
            end_on=dates["end_on"],
            renewal_on=dates["renewal_on"],
            notice_days=notice,
            case_ids=case_ids,
            right_ids=list(base.right_ids),
            obligations=[dataclasses.replace(o) for o in self.obligations.items()],
            revenue_terms=self.revenue_terms.toPlainText().strip(),
            licence_type=self.current_licence_type() if licence else None,
            field_of_use=self.field_of_use.text().strip() if licence else "",
            territory=self.territory.text().strip() if licence else "",
            licence_back=self.current_licence_back() if kind.transfers_ownership else None,
            exclusive_justification=(
                self.exclusive_justification.toPlainText().strip() if licence else ""
            ),
            note=self.note.toPlainText().strip(),
        )
        return agreement, problems

    def warnings(self) -> list[str]:
        """The "Check:" warnings shown for the agreement as typed."""
        return list(self._warnings)

    def update_checks(self, *_args: object) -> None:
        """Refresh the live warnings and the notice hint from what is typed."""
        if not hasattr(self, "check_box"):
            return  # still building
        agreement, _problems = self.candidate()
        warnings = agreement_warnings(agreement, self._reviews)
        if warnings != self._warnings:
            self._warnings = warnings
            if not warnings:
                text = ""
            elif len(warnings) == 1:
                text = f"Check: {warnings[0]}"
            else:
                text = "Check:\n" + "\n".join(f"\u2022 {w}" for w in warnings)
            self.check_box.setText(text)
            self.check_box.setVisible(bool(warnings))
            self.check_box.setAccessibleDescription(text)
        notice_by = agreement.notice_by
        hint = ""
        if notice_by is not None and agreement.notice_days:
            hint = f"Last day to give notice: {format_date(notice_by)}."
        if hint != self.notice_hint.text():
            self.notice_hint.setText(hint)
            self.notice_hint.setVisible(bool(hint))

    # -- saving ------------------------------------------------------------------------------
    def save_agreement(self) -> bool:
        """Validate and save, keeping the dialog open; True when saved."""
        self.clear_problems()
        agreement, problems = self.candidate()
        unreadable = {key for key, _message in problems}
        problems.extend(
            (key, message)
            for key, message in validate_agreement(agreement, dt.date.today())
            if key not in unreadable
        )
        if problems:
            self.show_problems(list(problems))
            return False
        try:
            saved = self.session.register.agreements.save(agreement)
        except ValidationError as exc:
            self.show_problems(exc.problems or [(None, str(exc))])
            return False
        except RegisterError as exc:
            self.show_problems([(None, str(exc))])
            return False
        self.agreement = dataclasses.replace(saved)
        self.saved = saved
        self._lost_cases = []
        # Keys given on save: edit the stored obligations from now on.
        row = self.obligations.list.currentRow()
        self.obligations.set_items([dataclasses.replace(o) for o in saved.obligations])
        if 0 <= row < len(saved.obligations):
            self.obligations.list.setCurrentRow(row)
        self._set_title()
        self._refresh_files()
        if self.checklist is not None:
            self._update_checklist_status()
            self._refresh_reviews()
            if self._answers_dirty and self.is_ttc():
                self.save_answers()
        return True

    def save(self) -> bool:
        """The Save button: save and close, or stay open and show what is wrong."""
        if not self.save_agreement():
            return False
        self.accept()
        return True

    def _ensure_saved(self) -> bool:
        if self.agreement.id is not None:
            return True
        return self.save_agreement() and self.agreement.id is not None

    def done(self, result: int) -> None:
        self.save_answers()
        super().done(result)

    # -- the TTC checklist -------------------------------------------------------------------
    def _answers_changed(self) -> None:
        self._answers_dirty = True
        if self.agreement.id is not None:
            self._answer_timer.start()
        self._update_checklist_status()

    def save_answers(self) -> bool:
        """Save the checklist answers now (they also save themselves shortly after each
        change); kept with the checklist version they were made with."""
        self._answer_timer.stop()
        if self.checklist is None or not self._answers_dirty:
            return True
        if self.agreement.id is None or not self.session.is_open:
            return False
        try:
            record = self.session.register.assessments.save(
                None,
                self.checklist.checklist,
                self.checklist.answers(),
                agreement_id=self.agreement.id,
                assessment_id=self.assessment_id,
            )
        except RegisterError as exc:
            self.checklist_status.setText(f"Answers not saved: {exc}")
            return False
        self.assessment_id = record.id
        self._answers_dirty = False
        self._update_checklist_status(saved=True)
        return True

    def _update_checklist_status(self, saved: bool = False) -> None:
        if self.checklist is None:
            return
        evaluation = self.checklist.evaluation()
        counts = ", ".join(
            f"{len(evaluation.by_severity(s))} {s.label.lower()}"
            for s in (Severity.RED, Severity.AMBER, Severity.GREEN)
        )
        reds = len(evaluation.by_severity(Severity.RED))
        lead = (
            f"{reds} protection{'s' if reds != 1 else ''} missing (red): resolve before the "
            "trust signs."
            if reds
            else "No protection missing so far."
        )
        if self.agreement.id is None:
            state = "Answers are kept when you save the agreement."
        elif saved:
            state = f"Answers saved at {dt.datetime.now():%H:%M}."
        elif self._answers_dirty:
            state = "Saving answers…"
        else:
            state = "Answers are saved as you go."
        self.checklist_status.setText(f"{lead} Findings: {counts}. {state}")

    def write_report(self, target: Path | None = None) -> Path | None:
        """Write the checklist report PDF (warning first: it leaves the encrypted register);
        ``target`` skips asking where to save it. The report is recorded in the audit trail."""
        from nhsip_desktop.reports.ttc_report import write_ttc_report

        if self.checklist is None or not self.session.is_open:
            return None
        answer = QMessageBox.warning(
            self,
            "The report leaves the encrypted register",
            "The checklist report will be saved as an ordinary PDF file, outside the "
            "encrypted register. Anyone who can open that file can read it: save it where "
            "only the right people can reach it. Saving it is recorded in the audit trail.",
            QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer != QMessageBox.StandardButton.Ok:
            return None
        self.save_answers()
        reference = self.agreement.reference
        if target is None:
            name = f"{reference or 'TTC agreement'} TTC checklist.pdf"
            chosen, _ = QFileDialog.getSaveFileName(
                self, "Save the checklist report", suggested(name), "PDF files (*.pdf)"
            )
            if not chosen:
                return None
            remember(Path(chosen))
            target = Path(chosen)
        try:
            written = write_ttc_report(
                self.session.register,
                reference,
                self.title.text().strip(),
                self.checklist.checklist,
                self.checklist.answers(),
                target,
            )
        except (RegisterError, OSError) as exc:
            QMessageBox.warning(self, "Report not saved", str(exc))
            return None
        self.checklist_status.setText(f"The checklist report was saved to {written}.")
        return written

    # -- performance reviews -----------------------------------------------------------------
    def _refresh_reviews(self) -> None:
        if self.reviews_tab is None:
            return
        if self.agreement.id is not None and self.session.is_open:
            self._reviews = self.session.register.agreements.reviews(self.agreement.id)
        table = self.review_table
        table.setRowCount(len(self._reviews))
        for row, review in enumerate(reversed(self._reviews)):  # newest first
            period = review.period + (" (formal annual)" if review.formal_annual else "")
            days = review.days_to_licence
            cells = (
                period,
                format_date(review.reviewed_on),
                str(review.licences_executed),
                str(review.active_licences),
                money(review.revenue),
                DASH if days is None else f"{days} day{'s' if days != 1 else ''}",
                format_date(review.next_review) or DASH,
                review.summary,
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == len(cells) - 1:
                    item.setToolTip(
                        "\n".join(
                            part
                            for part in (
                                review.summary,
                                f"Pipeline: {review.pipeline}" if review.pipeline else "",
                                f"Health impact: {review.health_impact}"
                                if review.health_impact
                                else "",
                                f"Reviewer: {review.reviewer}",
                            )
                            if part
                        )
                    )
                table.setItem(row, column, item)
        due = [
            d
            for d in agreement_deadlines(self.candidate()[0], dt.date.today(), self._reviews)
            if d.kind == KIND_TTC_REVIEW
        ]
        if due:
            deadline: Deadline = due[0]
            what = deadline.text.split(" of ")[0]
            self.next_review_label.setText(
                f"Next: {what}, {deadline.describe(dt.date.today()).lower()} "
                f"({format_date(deadline.due)})."
            )
        elif not self._reviews:
            self.next_review_label.setText(
                "No review recorded yet. Record the signing or start date to count the first "
                "quarter from."
            )
        else:
            self.next_review_label.setText("No further review is due.")
        self.update_checks()

    def record_review(self) -> TtcReviewDialog | None:
        """Open the dialog to record a quarterly (or formal annual) review; the agreement is
        saved first when it is new."""
        if not self.session.is_open or not self._ensure_saved():
            return None
        dialog = TtcReviewDialog(self.session, self.agreement, parent=self)
        dialog.accepted.connect(self._refresh_reviews)
        dialog.open()
        return dialog

    # -- documents ---------------------------------------------------------------------------
    def _refresh_files(self) -> None:
        if not hasattr(self, "file_table"):
            return
        files = (
            self.session.register.agreements.files(self.agreement.id)
            if self.agreement.id is not None and self.session.is_open
            else []
        )
        self._files = files
        self.file_table.setRowCount(len(files))
        for row, info in enumerate(files):
            added = info.added_at[:10]
            with contextlib.suppress(ValueError):
                added = format_date(dt.date.fromisoformat(added))
            for column, text in enumerate((info.name, info.size_text, info.sha256, added)):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, info.id)
                self.file_table.setItem(row, column, item)
        if self.agreement.id is None:
            self.file_status.setText("Adding a file saves the agreement first.")
        elif not files:
            self.file_status.setText("No document kept yet.")
        else:
            self.file_status.setText(f"{len(files)} document{'s' if len(files) != 1 else ''}.")
        self._update_file_buttons()

    def _update_file_buttons(self) -> None:
        chosen = self.selected_file() is not None
        self.save_copy_button.setEnabled(chosen)
        self.remove_file_button.setEnabled(chosen)

    def selected_file(self) -> int | None:
        row = self.file_table.currentRow()
        cell = self.file_table.item(row, 0) if row >= 0 else None
        return int(cell.data(Qt.ItemDataRole.UserRole)) if cell is not None else None

    def add_file(self, path: Path | None = None) -> bool:
        """Keep a document with the agreement (saving the agreement first when it is new)."""
        if not self.session.is_open or not self._ensure_saved() or self.agreement.id is None:
            return False
        if path is None:
            chosen, _ = QFileDialog.getOpenFileName(
                self, "Add the signed agreement or another document", str(start_folder())
            )
            if not chosen:
                return False
            remember(Path(chosen))
            path = Path(chosen)
        try:
            self.session.register.agreements.add_file_from(self.agreement.id, path)
        except (RegisterError, OSError) as exc:
            QMessageBox.warning(self, "File not added", str(exc))
            return False
        self._refresh_files()
        self.file_table.selectRow(self.file_table.rowCount() - 1)
        return True

    def save_file_copy(self, target: Path | None = None) -> Path | None:
        """Save a copy of the selected document outside the register (warning first: the copy
        is not encrypted, and saving it is recorded)."""
        file_id = self.selected_file()
        if file_id is None or not self.session.is_open:
            return None
        agreements = self.session.register.agreements
        info = agreements.file(file_id)
        answer = QMessageBox.warning(
            self,
            "Save a copy outside the register?",
            f"The copy of {info.name} will not be encrypted. Save it only where the trust's "
            "policy allows. Saving it is recorded in the audit trail.",
            QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer != QMessageBox.StandardButton.Ok:
            return None
        if target is None:
            chosen, _ = QFileDialog.getSaveFileName(self, "Save a copy", suggested(info.name))
            if not chosen:
                return None
            remember(Path(chosen))
            target = Path(chosen)
        try:
            written = agreements.save_file_to(file_id, target)
        except (RegisterError, OSError) as exc:
            QMessageBox.warning(self, "Copy not saved", str(exc))
            return None
        self.file_status.setText(f"A copy of {info.name} was saved to {written}.")
        return written

    def remove_file(self, *, confirm: bool = True) -> bool:
        file_id = self.selected_file()
        if file_id is None or not self.session.is_open:
            return False
        agreements = self.session.register.agreements
        info = agreements.file(file_id)
        if confirm:
            answer = QMessageBox.question(
                self,
                "Remove document?",
                f"Remove {info.name} from this agreement? The audit trail keeps its name and "
                "SHA-256.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return False
        try:
            agreements.remove_file(file_id)
        except RegisterError as exc:
            QMessageBox.warning(self, "Document not removed", str(exc))
            return False
        self._refresh_files()
        return True


# -- recording a TTC review --------------------------------------------------------------------
class TtcReviewDialog(_FieldsDialog):
    """Record a quarterly (or formal annual) review of a TTC services agreement through
    ``register.agreements.record_review``; the next review defaults to 3 months on."""

    def __init__(
        self, session: RegisterSession, agreement: Agreement, parent: QWidget | None = None
    ) -> None:
        super().__init__(session, parent)
        self.agreement = agreement
        self.saved: TtcReview | None = None
        self.setWindowTitle("Record a TTC performance review")
        self.setAccessibleName("Record a TTC performance review")
        today = dt.date.today()
        self._next_typed = False

        self.period = _line(financial_quarter(add_months(today, -REVIEW_EVERY_MONTHS)))
        self.period.setMaximumWidth(150)
        self.reviewed_on = _date_edit(today)
        self.licences_executed = _line("", "0")
        self.active_licences = _line("", "0")
        self.revenue = _line("", "e.g. 12,500.00")
        self.days_to_licence = _line("", "e.g. 120")
        for edit in (
            self.licences_executed,
            self.active_licences,
            self.revenue,
            self.days_to_licence,
        ):
            edit.setMaximumWidth(150)
        self.pipeline = _text_box("", "Deals in negotiation, and how far each has got", 48)
        self.health_impact = _text_box("", "Patients reached, services changed, evidence", 48)
        self.summary = _text_box("", "How the TTC performed in the period, and what to change")
        self.formal_annual = QCheckBox("This is the formal annual review")
        self.reviewer = _line(session.register.actor.display_name or "", "Who reviewed")
        self.next_review = _date_edit(add_months(today, REVIEW_EVERY_MONTHS))

        left, right = _form(), _form()
        self.field(
            left, "period", "&Period:", self.period, 'The quarter reviewed, e.g. "Q3 2026-27".'
        )
        self.field(left, "reviewed_on", "Reviewed &on:", self.reviewed_on, "dd/mm/yyyy.")
        self.field(
            left,
            "licences_executed",
            "&Licences signed:",
            self.licences_executed,
            "Licences executed in the period.",
        )
        self.field(left, "active_licences", "&Active licences:", self.active_licences)
        self.field(
            left, "revenue", "Re&venue (£):", self.revenue, "Revenue generated in the period."
        )
        self.field(
            left,
            "days_to_licence",
            "&Time to licence (days):",
            self.days_to_licence,
            "The days taken to agree a licence (typical, or the latest).",
        )
        self.field(right, "pipeline", "Pipe&line:", self.pipeline)
        self.field(right, "health_impact", "&Health impact:", self.health_impact)
        self.field(right, "summary", "&Summary:", self.summary)
        right.addRow("", self.formal_annual)
        self.formal_annual.setAccessibleName("Formal annual review")
        self.field(right, "reviewer", "Revie&wer:", self.reviewer)
        self.field(
            right,
            "next_review",
            "&Next review:",
            self.next_review,
            "dd/mm/yyyy. Three months after the review unless you change it (quarterly).",
        )

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Record")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        columns = QHBoxLayout()
        columns.setSpacing(20)
        columns.addLayout(left, 1)
        columns.addLayout(right, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 14)
        layout.setSpacing(10)
        layout.addWidget(
            paragraph(
                f"{agreement.reference}: {agreement.display_title}. Annex B asks for the "
                "TTC's performance to be reviewed every quarter, with a more formal review "
                "once a year."
            )
        )
        layout.addLayout(columns)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

        self.reviewed_on.textEdited.connect(self._reviewed_on_edited)
        self.next_review.textEdited.connect(self._next_edited)
        order: list[QWidget] = [
            self.period,
            self.reviewed_on,
            self.licences_executed,
            self.active_licences,
            self.revenue,
            self.days_to_licence,
            self.pipeline,
            self.health_impact,
            self.summary,
            self.formal_annual,
            self.reviewer,
            self.next_review,
            self.buttons,
        ]
        for first, second in itertools.pairwise(order):
            QWidget.setTabOrder(first, second)
        self.resize(860, 440)
        self.licences_executed.setFocus(Qt.FocusReason.OtherFocusReason)

    def _next_edited(self) -> None:
        self._next_typed = True

    def _reviewed_on_edited(self) -> None:
        """Keep the next review three months on, until the person types one."""
        if self._next_typed:
            return
        try:
            reviewed_on = parse_date(self.reviewed_on.text())
        except ValueError:
            return
        if reviewed_on is not None:
            self.next_review.setText(format_date(add_months(reviewed_on, REVIEW_EVERY_MONTHS)))

    def candidate(self) -> tuple[TtcReview | None, list[tuple[str | None, str]]]:
        problems: list[tuple[str | None, str]] = []
        dates: dict[str, dt.date | None] = {}
        for key, edit in (("reviewed_on", self.reviewed_on), ("next_review", self.next_review)):
            try:
                dates[key] = parse_date(edit.text())
            except ValueError as exc:
                dates[key] = None
                problems.append((key, str(exc)))
        if dates["reviewed_on"] is None and not any(k == "reviewed_on" for k, _m in problems):
            problems.append(("reviewed_on", "Enter the date of the review."))
        counts: dict[str, int | None] = {}
        for key, edit, words in (
            ("licences_executed", self.licences_executed, "Licences signed"),
            ("active_licences", self.active_licences, "Active licences"),
            ("days_to_licence", self.days_to_licence, "Time to licence"),
        ):
            value, found = _whole_number(edit.text(), key, words)
            counts[key] = value
            problems += found
        revenue = parse_money(self.revenue.text())
        if revenue is None:
            problems.append(("revenue", "Enter the revenue in pounds and pence, e.g. 12,500.00."))
        reviewed_on = dates["reviewed_on"]
        if reviewed_on is None or self.agreement.id is None:
            return None, problems
        review = TtcReview(
            agreement_id=self.agreement.id,
            reviewed_on=reviewed_on,
            period=self.period.text().strip(),
            licences_executed=counts["licences_executed"] or 0,
            revenue=revenue if revenue is not None else Decimal(0),
            active_licences=counts["active_licences"] or 0,
            days_to_licence=counts["days_to_licence"],
            pipeline=self.pipeline.toPlainText().strip(),
            health_impact=self.health_impact.toPlainText().strip(),
            summary=self.summary.toPlainText().strip(),
            formal_annual=self.formal_annual.isChecked(),
            next_review=dates["next_review"],
            reviewer=self.reviewer.text().strip(),
        )
        return review, problems

    def save(self) -> bool:
        self.clear_problems()
        review, problems = self.candidate()
        if review is not None:
            unreadable = {key for key, _message in problems}
            problems.extend(
                (key, message)
                for key, message in validate_ttc_review(
                    review_with_defaults(review), dt.date.today()
                )
                if key not in unreadable
            )
        if problems or review is None:
            self.show_problems(problems or [(None, "Save the agreement before reviewing it.")])
            return False
        try:
            self.saved = self.session.register.agreements.record_review(review)
        except ValidationError as exc:
            self.show_problems(exc.problems or [(None, str(exc))])
            return False
        except RegisterError as exc:
            self.show_problems([(None, str(exc))])
            return False
        self.accept()
        return True
