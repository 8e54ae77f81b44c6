"""Finance's sharing policy tab: the bands of cumulative net revenue, what may be deducted, saved
as a new version.
"""

from __future__ import annotations

import datetime as dt
import re

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from nhsip_desktop.cases.model import format_date
from nhsip_desktop.finance.revenue import (
    PARTY_LABELS,
    RevenuePolicy,
    RevenuePolicyError,
)
from nhsip_desktop.store.errors import RegisterError

from .finance_models import (
    BandsTableModel,
)
from .kit import RecordTable, hint, problem_label
from .kit.pages import button, button_bar, tab_page
from .session import RegisterSession


def policy_problem_text(exc: RevenuePolicyError) -> str:
    """A policy's problem in words: "Band 2, up to: ..." rather than "bands[1].up_to"."""
    found = re.fullmatch(r"bands\[(\d+)\](?:\.(\w+))?", exc.where)
    if found:
        where = f"Band {int(found[1]) + 1}"
        part = found[2]
        if part == "up_to":
            where += ", up to"
        elif part in PARTY_LABELS:
            where += f", {PARTY_LABELS[part].lower()}"
        return f"Not saved. {where}: {exc.problem}."
    if exc.where == "bands":
        return f"Not saved: {exc.problem}."
    return f"Not saved: {exc.where}: {exc.problem}."


class SharingPolicyPart(QWidget):
    """The Sharing policy tab of ``FinancePage``: built, refreshed, edited and saved here.

    The page owns the session and calls ``_build_policy`` and ``_refresh_policy``.
    """

    session: RegisterSession
    _editing_policy: RevenuePolicy | None
    _policy_dirty: bool

    def _build_policy(self) -> QWidget:
        self.policy_title = QLabel()
        self.policy_title.setObjectName("stageText")
        self.policy_title.setWordWrap(True)
        self.bands_model = BandsTableModel()
        # The kit's table, made editable cell by cell (double-click, F2 or typing).
        self.bands_table = RecordTable("Bands of cumulative net revenue", self.bands_model)
        self.bands_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.bands_table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.bands_table.setAlternatingRowColors(False)
        self.bands_table.verticalHeader().setVisible(True)
        self.bands_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.bands_table.setMinimumHeight(140)
        self.add_band_button = button(
            "Add &band",
            self._add_band,
            "Add a band below the selected one",
        )
        self.remove_band_button = button(
            "Remove band",
            self._remove_band,
            "Remove the selected band",
        )
        self.deductible = QPlainTextEdit()
        self.deductible.setAccessibleName("What may be deducted")
        self.deductible.setTabChangesFocus(True)
        self.deductible.setMinimumHeight(70)
        deductible_label = QLabel("What may be &deducted from gross revenue to give net revenue:")
        deductible_label.setBuddy(self.deductible)
        self.policy_error = problem_label("Problem with the sharing policy")
        self.policy_status = hint()
        self.save_policy_button = button("&Save as new version", self.save_policy)
        self.undo_policy_button = button(
            "&Undo my changes",
            lambda: self._refresh_policy(force=True),
        )
        self.bands_model.dataChanged.connect(self._policy_edited)
        self.bands_model.rowsInserted.connect(self._policy_edited)
        self.bands_model.rowsRemoved.connect(self._policy_edited)
        self.deductible.textChanged.connect(self._policy_edited)

        page, layout = tab_page(
            self.policy_title,
            "Net revenue is counted cumulatively for each case, and each slice of it is "
            "shared at the percentages of the band it falls in, like tax bands. Each "
            "band's percentages must total 100, the limits must go up, and the last band "
            "has no upper limit (leave it empty). Double-click a cell or press F2 to edit.",
        )
        band_row = QHBoxLayout()
        band_row.addWidget(self.bands_table, 1)
        band_buttons = QVBoxLayout()
        band_buttons.addWidget(self.add_band_button)
        band_buttons.addWidget(self.remove_band_button)
        band_buttons.addStretch(1)
        band_row.addLayout(band_buttons)
        layout.addLayout(band_row, 2)
        layout.addWidget(deductible_label)
        layout.addWidget(self.deductible, 1)
        layout.addWidget(
            hint(
                "Saving makes a new version of the policy, in force from today. Returns already "
                "recorded keep the version they were recorded under; returns recorded from now "
                "on are recorded under the new version."
            )
        )
        layout.addWidget(self.policy_error)
        bar = button_bar(self.policy_status, self.undo_policy_button, self.save_policy_button)
        layout.addLayout(bar)
        return page

    def _refresh_policy(self, *, force: bool = False) -> None:
        if not self.session.is_open or (self._policy_dirty and not force):
            return
        policy = self.session.register.reference.revenue_policy()
        self._editing_policy = policy
        self.policy_title.setText(
            f"{policy.title}: version {policy.version}, in force from "
            f"{format_date(policy.effective)}."
        )
        self.bands_model.load(policy.bands)
        self.deductible.setPlainText(policy.deductible)
        self.policy_error.hide()
        self._policy_dirty = False
        self.undo_policy_button.setEnabled(False)

    def _policy_edited(self, *_args: object) -> None:
        self._policy_dirty = True
        self.undo_policy_button.setEnabled(True)
        self.policy_status.clear()

    def _add_band(self) -> None:
        index = self.bands_table.currentIndex()
        row = index.row() + 1 if index.isValid() else self.bands_model.rowCount()
        self.bands_model.insert_band(row)
        self.bands_table.setCurrentIndex(self.bands_model.index(row, 0))

    def _remove_band(self) -> None:
        index = self.bands_table.currentIndex()
        if index.isValid():
            self.bands_model.remove_band(index.row())

    def save_policy(self) -> bool:
        """Check the edited bands and save them as the policy's next version."""
        if not self.session.is_open:
            return False
        current = self.session.register.reference.revenue_policy()
        self.policy_error.hide()
        deductible = self.deductible.toPlainText().strip()
        try:
            bands = self.bands_model.bands()
            if not deductible:
                raise ValueError(
                    "Not saved: say what may be deducted from gross revenue to give net revenue."
                )
            policy = RevenuePolicy(
                id=current.id,
                version=current.version + 1,
                effective=dt.date.today(),
                title=current.title,
                basis=current.basis,
                deductible=deductible,
                bands=bands,
                rounding=current.rounding,
            )
        except RevenuePolicyError as exc:
            return self._policy_problem(policy_problem_text(exc))
        except ValueError as exc:
            text = str(exc)
            return self._policy_problem(
                text if text.startswith("Not saved") else f"Not saved. {text}"
            )
        try:
            self.session.register.reference.save_revenue_policy(policy)
        except RegisterError as exc:
            return self._policy_problem(str(exc))
        self.policy_status.setText(
            f"Saved as version {policy.version}. Returns already recorded keep the version "
            "they were recorded under."
        )
        return True

    def _policy_problem(self, text: str) -> bool:
        self.policy_error.setText(text)
        self.policy_error.show()
        return False
