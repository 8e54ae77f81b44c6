"""The decision a person takes, kept apart from what a checklist suggests (steps 5 and 7)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from nhsip_desktop.cases.model import format_date
from nhsip_desktop.store.assessments import Decision

from .list_editor import parse_date


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
        self.rationale.setFixedHeight(48)
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

        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(6)

        def caption(text: str, field: QWidget, help_text: str = "") -> QLabel:
            label = QLabel(text)
            label.setBuddy(field)
            field.setAccessibleName(text.replace("&", "").rstrip(":"))
            if help_text:
                field.setToolTip(help_text)
                field.setAccessibleDescription(help_text)
            return label

        grid.addWidget(
            caption("&Outcome:", self.outcome, "Your decision: the checklist only suggests."), 0, 0
        )
        grid.addWidget(self.outcome, 0, 1)
        grid.addWidget(caption("Decided o&n:", self.decided_on), 0, 2)
        grid.addWidget(self.decided_on, 0, 3)
        grid.addWidget(caption("Decided b&y:", self.decision_maker), 0, 4)
        grid.addWidget(self.decision_maker, 0, 5)
        grid.addWidget(
            caption("&Reasons:", self.rationale, "Why: this goes into the feedback letter."), 1, 0
        )
        grid.addWidget(self.rationale, 1, 1, 1, 5)
        # The button has its own column beside the reasons: never under or over the box.
        grid.addWidget(self.button, 1, 6, Qt.AlignmentFlag.AlignBottom)
        grid.setColumnStretch(1, 3)
        grid.setColumnStretch(5, 2)
        self.decided_on.setMaximumWidth(110)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(4)
        layout.addWidget(self.suggestion)
        layout.addLayout(grid)
        below = QHBoxLayout()
        below.addWidget(self.history, 1)
        below.addWidget(self.error, 1)
        layout.addLayout(below)

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
