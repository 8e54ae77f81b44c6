"""IP governance: the page's form (a problem beside each field) and small building blocks."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable, Sequence

from PySide6.QtCore import (
    Qt,
)
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from ..kit import problem_label
from ..kit.inputs import date_edit, line_edit, text_box
from ..kit.parts import panel
from ..list_editor import parse_date
from ..widgets import heading
from .models import (
    Problems,
    W,
)


def _field_key(key: str) -> str:
    """ "decision_making.stage_gates[2]" -> "decision_making.stage_gates"."""
    return re.sub(r"\[\d+\]$", "", key)


def _message_label(name: str = "Problem") -> QLabel:
    """The kit's problem line: under its field, one line's room kept while there is none."""
    return problem_label(name)


class _Form(QFormLayout):
    """A form whose every input has a buddy label, an accessible name and help, and under it
    (as in the kit's ``FormWidget``) a place for the message that says what is wrong with it."""

    def __init__(self) -> None:
        super().__init__()
        self.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setVerticalSpacing(2)
        self.fields: dict[str, QWidget] = {}
        self.messages: dict[str, QLabel] = {}
        self._help: dict[str, str] = {}

    def _row(self, key: str, field: QWidget, help_text: str) -> QWidget:
        if help_text:
            field.setAccessibleDescription(help_text)
            field.setToolTip(help_text)
        name = field.accessibleName() or key
        message = _message_label(f"Problem with {name}")
        row = QWidget()
        column = QVBoxLayout(row)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(field)
        column.addWidget(message)
        self.fields[key] = field
        self.messages[key] = message
        self._help[key] = help_text
        return row

    def add(self, key: str, label: str, field: W, help_text: str = "") -> W:
        caption = QLabel(label)
        caption.setBuddy(field)
        field.setAccessibleName(label.replace("&", "").rstrip(":"))
        self.addRow(caption, self._row(key, field, help_text))
        return field

    def add_unlabelled(self, key: str, field: W, name: str, help_text: str = "") -> W:
        """A checkbox or group that carries its own words."""
        field.setAccessibleName(name)
        self.addRow("", self._row(key, field, help_text))
        return field

    def section(self, title: str) -> None:
        """A heading across the form, so both halves of a tab share one label column."""
        if self.rowCount():
            spacer = QWidget()
            spacer.setFixedHeight(4)
            self.addRow(spacer)
        self.addRow(heading(title, 2))

    def attach(self, key: str, field: QWidget, message: QLabel) -> None:
        """A field laid out elsewhere (a group of checkboxes) with its message below it."""
        self.fields[key] = field
        self.messages[key] = message
        self._help[key] = ""

    def show_problems(self, problems: Sequence[tuple[str, str]]) -> list[str]:
        """Show each message beside its field; return the messages no field here owns."""
        left = [m for f, m in problems if _field_key(f) not in self.messages]
        for key, label in self.messages.items():
            text = " ".join(m for f, m in problems if _field_key(f) == key)
            if label.text() != text:
                label.setText(text)
            label.setVisible(bool(text))
            described = " ".join(t for t in (self._help[key], text and f"Problem: {text}") if t)
            self.fields[key].setAccessibleDescription(described)
        return left

    def first_problem(self, problems: Sequence[tuple[str, str]]) -> QWidget | None:
        for key, _message in problems:
            field = self.fields.get(_field_key(key))
            if field is not None:
                return field
        return None


def _line(placeholder: str = "") -> QLineEdit:
    return line_edit("", placeholder)


def _date_line(value: dt.date | None = None) -> QLineEdit:
    field = date_edit(value)
    field.setMaximumWidth(160)
    return field


def _text_box(height: int, placeholder: str = "") -> QPlainTextEdit:
    return text_box("", placeholder, height)


def _error_line() -> QLabel:
    return problem_label(reserve=False)


def _read_date(
    text: str, key: str, what: str, problems: Problems, *, required: bool = True
) -> dt.date | None:
    try:
        value = parse_date(text)
    except ValueError as exc:
        problems.append((key, str(exc)))
        return None
    if value is None and required:
        problems.append((key, f"Enter the date {what}, dd/mm/yyyy."))
    return value


def _checked(
    problems: Problems, prefix: str, validate: Callable[[dt.date], Problems], today: dt.date
) -> None:
    """Add the part's own problems (named ``prefix.field``) for fields not already at fault."""
    found = {_field_key(f) for f, _m in problems}
    for name, message in validate(today):
        key = f"{prefix}.{name}"
        if _field_key(key) not in found:
            problems.append((key, message))


def _scrolled(content: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidget(content)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    return area


def _tab_page() -> tuple[QWidget, QVBoxLayout]:
    page, layout = panel(margins=(14, 12, 14, 12))
    layout.setSpacing(8)
    return page, layout


def _button_bar(status: QLabel, *buttons: QPushButton) -> QHBoxLayout:
    bar = QHBoxLayout()
    bar.addWidget(status, 1)
    for button in buttons:
        bar.addWidget(button)
    return bar


class PolicyNotice(QFrame):
    """Whether the last drafted IP policy still matches the register: an icon and words (never
    colour alone), with each difference on its own line."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.setObjectName("emptyCard")
        self.setAccessibleName(name)
        self.icon = QLabel()
        self.icon.setFixedWidth(28)
        self.icon.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text.setAccessibleName(name)
        line = QHBoxLayout(self)
        line.setContentsMargins(10, 8, 10, 8)
        line.setSpacing(8)
        line.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        line.addWidget(self.text, 1)
        self.out_of_date = False
        self.words = ""  # the notice in plain words
        self.hide()

    def show_state(self, out_of_date: bool, text: str) -> None:
        icon = (
            QStyle.StandardPixmap.SP_MessageBoxWarning
            if out_of_date
            else QStyle.StandardPixmap.SP_DialogApplyButton
        )
        self.icon.setPixmap(self.style().standardIcon(icon).pixmap(20, 20))
        self.icon.setAccessibleName("Out of date" if out_of_date else "Up to date")
        first, _, rest = text.partition(":")
        lines = html.escape(rest).replace("\n", "<br>")
        self.text.setText(f"<b>{html.escape(first)}:</b>{lines}")
        self.text.setAccessibleDescription(text)
        self.words = text
        self.out_of_date = out_of_date
        self.show()

    def clear(self) -> None:
        self.out_of_date = False
        self.words = ""
        self.text.clear()
        self.hide()
