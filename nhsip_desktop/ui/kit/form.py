"""Forms declared as data: one ``Field`` per input, one ``FormWidget`` to show them, one
``FormDialog`` with the app's Save/Cancel convention.

Every field gets a visible label that is its buddy (mnemonic with ``&``), an accessible name
(from the label unless given), its help as tooltip and accessible description, an optional
"Guidance in brief" button for its guidance reference (next after its field in the Tab order,
named for the field), and under it a problem line that keeps its room while empty, so a
message appearing moves nothing under the pointer. Tab follows the order of declaration.
Cancel, Escape or closing with unsaved changes asks "Discard changes?", No by default.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from nhsip_desktop.cases.model import format_date
from nhsip_desktop.core.money import parse_money

from ..list_editor import parse_date
from ..widgets import paragraph
from .inputs import on_edit
from .labels import Note, problem_label

FieldKind = Literal["text", "multiline", "date", "money", "count", "choice", "check"]
Problems = list[tuple[str | None, str]]


@dataclass(frozen=True)
class Field:
    """One input of a form. ``validator`` gets the parsed value and returns a problem
    message or None; ``choices`` are (shown text, value) pairs for a ``choice``."""

    key: str
    label: str
    kind: FieldKind = "text"
    accessible_name: str = ""
    required: bool = False
    help: str = ""
    guidance_ref: str = ""
    choices: Sequence[tuple[str, Any]] = ()
    validator: Callable[[Any], str | None] | None = None
    placeholder: str = ""
    default: Any = None
    maximum: int = 1_000_000

    @property
    def name(self) -> str:
        """The accessible name: given, else the label without its mnemonic and colon."""
        return self.accessible_name or self.label.replace("&", "").rstrip(": ")


def _make_input(field: Field) -> QWidget:
    widget: QWidget
    if field.kind in ("text", "date", "money"):
        edit = QLineEdit()
        placeholder = field.placeholder or {"date": "dd/mm/yyyy", "money": "£0.00"}.get(
            field.kind, ""
        )
        edit.setPlaceholderText(placeholder)
        if field.kind != "text":
            edit.setMaximumWidth(160)
        widget = edit
    elif field.kind == "multiline":
        box = QPlainTextEdit()
        box.setTabChangesFocus(True)
        box.setPlaceholderText(field.placeholder)
        box.setFixedHeight(box.fontMetrics().lineSpacing() * 3 + 16)
        widget = box
    elif field.kind == "count":
        spin = QSpinBox()
        spin.setRange(0, field.maximum)
        spin.setGroupSeparatorShown(True)
        spin.setMaximumWidth(140)
        widget = spin
    elif field.kind == "choice":
        combo = QComboBox()
        for text, value in field.choices:
            combo.addItem(text, value)
        widget = combo
    elif field.kind == "check":
        widget = QCheckBox(field.label)
    else:  # pragma: no cover - Literal keeps this out
        raise ValueError(f"unknown field kind {field.kind!r}")
    widget.setAccessibleName(field.name)
    if field.help:
        widget.setToolTip(field.help)
        widget.setAccessibleDescription(field.help)
    return widget


def not_an_amount(name: str, typed: str) -> str:
    """What is wrong with money typed that is not an amount, naming what was typed."""
    return (
        f"{name}: “{typed}” is not an amount; type an amount in pounds and pence, at most two "
        "decimal places, such as 1,250.50."
    )


def ask_discard(parent: QWidget) -> bool:
    """The one "Discard changes?" question; No is the default (Enter keeps the changes)."""
    answer = QMessageBox.question(
        parent,
        "Discard changes?",
        "Discard the changes you have made? They have not been saved.",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


class FormWidget(QWidget):
    """The fields of a form, laid out in declaration order with their problem lines."""

    edited = Signal()

    def __init__(self, fields: Sequence[Field], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fields: dict[str, Field] = {}
        self.inputs: dict[str, QWidget] = {}
        self.problems: dict[str, Note] = {}
        self.guidance_buttons: dict[str, QPushButton] = {}
        self.messages = self.problems  # the name the first forms used
        self.dirty = False
        self.layout_ = QFormLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.layout_.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.layout_.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.layout_.setVerticalSpacing(2)
        previous: QWidget | None = None
        for field in fields:
            widget = self._add(field)
            if previous is not None:
                QWidget.setTabOrder(previous, widget)
            previous = widget
            button = self.guidance_buttons.get(field.key)
            if button is not None:  # the field, then its guidance, then the next field
                QWidget.setTabOrder(widget, button)
                previous = button
        self.set_values({f.key: f.default for f in fields if f.default is not None})

    def _add(self, field: Field) -> QWidget:
        if field.key in self.fields:
            raise ValueError(f"two fields named {field.key!r}")
        widget = _make_input(field)
        cell = QWidget()
        column = QVBoxLayout(cell)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        if field.guidance_ref:
            from ..guidance_help import guidance_button  # the help window only when asked

            line = QHBoxLayout()
            line.setSpacing(8)
            line.addWidget(widget, 1)
            button = guidance_button(field.guidance_ref)
            button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # Tab reaches it after its field
            button.setAccessibleName(f"Guidance in brief for {field.name}: {field.guidance_ref}")
            line.addWidget(button, 0, Qt.AlignmentFlag.AlignLeft)  # never stretched
            self.guidance_buttons[field.key] = button
            column.addLayout(line)
        else:
            column.addWidget(widget)
        problem = problem_label(f"Problem with {field.name}")
        column.addWidget(problem)
        if field.kind == "check":
            self.layout_.addRow("", cell)
        else:
            caption = QLabel(field.label)
            caption.setBuddy(widget)
            self.layout_.addRow(caption, cell)
        self.fields[field.key] = field
        self.inputs[field.key] = widget
        self.problems[field.key] = problem
        self._connect(field.key, widget)
        return widget

    def _connect(self, key: str, widget: QWidget) -> None:
        def touched() -> None:
            self.dirty = True
            self.clear_problem(key)
            self.edited.emit()

        on_edit(widget, touched)

    # -- values --------------------------------------------------------------------------
    def widget(self, key: str) -> QWidget:
        return self.inputs[key]

    def last_in_tab_order(self) -> QWidget | None:
        """The last input, or its guidance button when it has one (Save comes after it)."""
        key = next(reversed(self.inputs), None)
        if key is None:
            return None
        return self.guidance_buttons.get(key, self.inputs[key])

    def set_values(self, values: Mapping[str, Any]) -> None:
        """Show ``values`` (a date as dd/mm/yyyy, money as 1,234.50); the form is then clean."""
        for key, value in values.items():
            widget, kind = self.inputs[key], self.fields[key].kind
            if isinstance(widget, QLineEdit):
                if kind == "date" and isinstance(value, dt.date):
                    value = format_date(value)
                elif kind == "money" and isinstance(value, Decimal):
                    value = f"{value:,.2f}"
                widget.setText("" if value is None else str(value))
            elif isinstance(widget, QPlainTextEdit):
                widget.setPlainText("" if value is None else str(value))
            elif isinstance(widget, QSpinBox):
                widget.setValue(int(value or 0))
            elif isinstance(widget, QComboBox):
                found = widget.findData(value)
                widget.setCurrentIndex(max(found, 0))
            elif isinstance(widget, QCheckBox):
                widget.setChecked(bool(value))
        self.dirty = False

    def _raw(self, key: str) -> Any:
        widget = self.inputs[key]
        if isinstance(widget, QLineEdit):
            return widget.text().strip()
        if isinstance(widget, QPlainTextEdit):
            return widget.toPlainText().strip()
        if isinstance(widget, QSpinBox):
            widget.interpretText()
            return widget.value()
        if isinstance(widget, QComboBox):
            return widget.currentData()
        if isinstance(widget, QCheckBox):
            return widget.isChecked()
        return None  # pragma: no cover

    def read(self) -> tuple[dict[str, Any], Problems]:
        """Every value parsed by its kind, and the problems: required fields left empty,
        dates and amounts that are not, and each field's own validator."""
        values: dict[str, Any] = {}
        problems: Problems = []
        for key, field in self.fields.items():
            raw = self._raw(key)
            value: Any = raw
            if field.required and raw in ("", None):
                problems.append((key, f"{field.name}: this is needed."))
                values[key] = None
                continue
            if field.kind == "date":
                try:
                    value = parse_date(raw)
                except ValueError as exc:
                    problems.append((key, str(exc)))
                    value = None
            elif field.kind == "money":
                value = parse_money(raw) if raw else None
                if raw and value is None:
                    problems.append((key, not_an_amount(field.name, raw)))
            values[key] = value
            if field.validator is not None and not any(k == key for k, _m in problems):
                message = field.validator(value)
                if message:
                    problems.append((key, message))
        return values, problems

    # -- problems ------------------------------------------------------------------------
    def clear_problem(self, key: str) -> None:
        label = self.problems[key]
        if label.text():
            label.clear()
            label.hide()
            self.inputs[key].setAccessibleDescription(self.fields[key].help)

    def clear_problems(self) -> None:
        for key in self.problems:
            self.clear_problem(key)

    def problem_text(self, key: str) -> str:
        return self.problems[key].text()

    def show_problems(self, problems: Sequence[tuple[str | None, str]]) -> list[str]:
        """Each message under its field (several join up); returns the messages no field
        here owns. The first field at fault takes the focus."""
        shown: dict[str, list[str]] = {}
        left: list[str] = []
        for key, message in problems:
            if key is not None and key in self.problems:
                if message not in shown.setdefault(key, []):
                    shown[key].append(message)
            elif message not in left:
                left.append(message)
        for key, label in self.problems.items():
            text = " ".join(shown.get(key, []))
            label.setText(text)
            label.setVisible(bool(text))
            help_text = self.fields[key].help
            described = " ".join(t for t in (text and f"Problem: {text}", help_text) if t)
            self.inputs[key].setAccessibleDescription(described)
        first = next((k for k in self.inputs if k in shown), None)
        if first is not None:
            self.inputs[first].setFocus(Qt.FocusReason.OtherFocusReason)
        return left


class FormDialog(QDialog):
    """A form in a dialog: intro, fields, a general problem line, Save and Cancel.

    Subclasses override :meth:`submit` (values in, problems out; no problems means saved).
    """

    def __init__(
        self,
        title: str,
        fields: Sequence[Field],
        *,
        intro: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self._discarding = False
        self.values: dict[str, Any] = {}
        self.form = FormWidget(fields)
        self.error = problem_label()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        assert isinstance(save, QPushButton) and isinstance(cancel, QPushButton)
        self.save_button, self.cancel_button = save, cancel
        save.setDefault(True)
        self.buttons.accepted.connect(lambda: self.save())
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(12)
        if intro:
            layout.addWidget(paragraph(intro))
        layout.addWidget(self.form)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        first = next(iter(self.form.inputs.values()), None)
        last = self.form.last_in_tab_order()
        if first is not None and last is not None:
            QWidget.setTabOrder(last, save)
            first.setFocus()

    def submit(self, values: dict[str, Any]) -> Problems:
        """Save ``values``; return what stopped it (nothing: saved). Default: keep them."""
        self.values = values
        return []

    def show_problems(self, problems: Sequence[tuple[str | None, str]]) -> None:
        left = self.form.show_problems(problems)
        self.error.setText(("Not saved: " + " ".join(left)) if left else "")
        self.error.setVisible(bool(left))

    def save(self) -> bool:
        self.form.clear_problems()
        self.error.clear()
        self.error.hide()
        values, problems = self.form.read()
        if not problems:
            problems = self.submit(values)
        if problems:
            self.show_problems(problems)
            return False
        self.form.dirty = False
        self.accept()
        return True

    def discard(self) -> None:
        """Close without asking (the register locked: nothing can be saved)."""
        self._discarding = True
        self.reject()

    def reject(self) -> None:
        if self.form.dirty and not self._discarding and not ask_discard(self):
            return
        self._discarding = True
        super().reject()
