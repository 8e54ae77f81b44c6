"""Agreements: the field helpers and the dialog base with a problem line under each field."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from PySide6.QtCore import (
    Qt,
)
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from nhsip_desktop.agreements.model import (
    Obligation,
)
from nhsip_desktop.cases.model import format_date

from ..kit import problem_label
from ..session import RegisterSession
from ..widgets import add_row

# -- dialogs: shared pieces --------------------------------------------------------------------


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
        problem = problem_label(f"Problem with {label.replace('&', '').rstrip(':')}")
        # In a holder that is always shown: a form row would collapse around a hidden label,
        # while the holder keeps the label's room, so a problem appearing moves nothing.
        holder = QWidget()
        holder_layout = QVBoxLayout(holder)
        holder_layout.setContentsMargins(0, 0, 0, 0)
        holder_layout.addWidget(problem)
        form.addRow("", holder)
        self.add_problem_label(key, widget, problem, problem.setVisible, help_text, tab)
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
