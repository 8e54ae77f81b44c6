"""The decision a person takes, kept apart from what a checklist suggests (steps 5 and 7)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from nhsip_desktop.cases import format_date
from nhsip_desktop.store.assessments import Decision

from .list_editor import parse_date
from .widgets import add_row


class DecisionPanel(QGroupBox):
    """Outcome, reasons, date and decision maker; emits ``record`` when the person records it."""

    record = Signal()

    def __init__(
        self,
        title: str,
        options: Sequence[tuple[str, str]],
        *,
        decision_maker: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(title, parent)
        self.options = list(options)
        self.suggestion = QLabel()
        self.suggestion.setObjectName("hintText")
        self.suggestion.setWordWrap(True)
        self.outcome = QComboBox()
        for _value, label in self.options:
            self.outcome.addItem(label)
        self.rationale = QPlainTextEdit()
        self.rationale.setTabChangesFocus(True)
        self.rationale.setFixedHeight(64)
        self.decided_on = QLineEdit(format_date(dt.date.today()))
        self.decided_on.setPlaceholderText("dd/mm/yyyy")
        self.decision_maker = QLineEdit(decision_maker)
        self.error = QLabel()
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self.error.hide()
        self.button = QPushButton("Record &decision")
        self.button.clicked.connect(self.record.emit)
        self.history = QLabel()
        self.history.setWordWrap(True)
        self.history.setAccessibleName("Decisions recorded")

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        add_row(form, "Outcome:", self.outcome, "Your decision: the checklist only suggests.")
        add_row(form, "Reasons:", self.rationale, "Why: this goes into the feedback letter.")
        row = QHBoxLayout()
        row.addWidget(self.decided_on)
        caption = QLabel("Decided by:")
        caption.setBuddy(self.decision_maker)
        self.decision_maker.setAccessibleName("Decided by")
        row.addWidget(caption)
        row.addWidget(self.decision_maker, 2)
        date_caption = QLabel("Decided on:")
        date_caption.setBuddy(self.decided_on)
        self.decided_on.setAccessibleName("Decided on")
        form.addRow(date_caption, row)
        layout = QVBoxLayout(self)
        layout.addWidget(self.suggestion)
        layout.addLayout(form)
        layout.addWidget(self.error)
        buttons = QHBoxLayout()
        buttons.addWidget(self.history, 1)
        buttons.addWidget(self.button)
        layout.addLayout(buttons)

    def chosen(self) -> tuple[str, str]:
        return self.options[self.outcome.currentIndex()]

    def select(self, value: str) -> None:
        values = [v for v, _label in self.options]
        if value in values:
            self.outcome.setCurrentIndex(values.index(value))

    def date(self) -> dt.date:
        """The decision date; raises ValueError with a message for a mistyped date."""
        parsed = parse_date(self.decided_on.text())
        if parsed is None:
            raise ValueError("Give the date of the decision.")
        return parsed

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def show_decisions(self, decisions: Sequence[Decision]) -> None:
        if not decisions:
            self.history.setText("No decision recorded yet.")
            return
        latest = decisions[-1]
        self.history.setText(
            f"Recorded: {latest.outcome_label} on {format_date(latest.decided_on)} by "
            f"{latest.decision_maker}"
            + (f" (and {len(decisions) - 1} earlier)" if len(decisions) > 1 else "")
        )
