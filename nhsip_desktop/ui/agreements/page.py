"""The Agreements page: the agreements, their obligations and review dates."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import (
    QModelIndex,
    Qt,
)
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from nhsip_desktop.agreements.model import (
    Agreement,
)
from nhsip_desktop.store.errors import RegisterError

from ..guidance_help import with_guidance
from ..kit import RecordTable
from ..kit.parts import confirm as ask
from ..session import RegisterSession
from ..widgets import heading, paragraph
from .dialog import (
    AgreementDialog,
)
from .models import (
    AGREEMENT_ID_ROLE,
    DEADLINE_DAYS,
    TTC_CHECKLIST,
    AgreementDeadlineModel,
    AgreementTableModel,
)

# -- the page ----------------------------------------------------------------------------------


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
        self.agreements = RecordTable("Agreements")
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
        self.deadlines = RecordTable("Obligations and review dates")
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
            if not ask(
                self,
                "Delete agreement?",
                f"Delete {agreement.reference} ({agreement.display_title}){going}? Its "
                "reference is not used again, and the audit trail keeps a record of what it "
                "held.",
            ):
                return False
        try:
            register.agreements.delete(agreement.id)
        except RegisterError as exc:
            QMessageBox.warning(self, "Agreement not deleted", str(exc))
            return False
        self._selected_id = None
        return True
