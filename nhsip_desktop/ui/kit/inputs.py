"""The small input widgets every hand-built dialog uses: a date box (dd/mm/yyyy), a line, a
text box that Tab leaves, and the form layout they sit in. One copy, used by every page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from nhsip_desktop.cases.model import format_date


def date_edit(value: dt.date | None = None) -> QLineEdit:
    """A date typed as dd/mm/yyyy (read back with ``list_editor.parse_date``)."""
    edit = QLineEdit(format_date(value))
    edit.setPlaceholderText("dd/mm/yyyy")
    edit.setMaximumWidth(150)
    return edit


def line_edit(value: str = "", placeholder: str = "") -> QLineEdit:
    edit = QLineEdit(value)
    if placeholder:
        edit.setPlaceholderText(placeholder)
    return edit


def text_box(value: str = "", placeholder: str = "", height: int = 56) -> QPlainTextEdit:
    """A few lines of text; Tab moves on to the next field instead of typing a tab."""
    box = QPlainTextEdit(value)
    box.setTabChangesFocus(True)
    box.setFixedHeight(height)
    if placeholder:
        box.setPlaceholderText(placeholder)
    return box


def form_layout() -> QFormLayout:
    """Labels right-aligned beside fields that take the spare width."""
    form = QFormLayout()
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
    form.setHorizontalSpacing(10)
    form.setVerticalSpacing(4)
    return form


def on_edit(widget: QWidget, callback: Callable[[], None]) -> None:
    """Call ``callback`` whenever the person changes ``widget`` (typing, choosing, ticking);
    a line edit set by the program does not count."""

    def edited(*_args: object) -> None:
        callback()

    if isinstance(widget, QLineEdit):
        widget.textEdited.connect(edited)
    elif isinstance(widget, QPlainTextEdit):
        widget.textChanged.connect(edited)
    elif isinstance(widget, QAbstractSpinBox) and hasattr(widget, "valueChanged"):
        widget.valueChanged.connect(edited)
    elif isinstance(widget, QComboBox):
        widget.currentIndexChanged.connect(edited)
    elif isinstance(widget, QAbstractButton):
        widget.toggled.connect(edited)
