"""The small input widgets every hand-built dialog uses: a date box (dd/mm/yyyy), a line, a
text box that Tab leaves, and the form layout they sit in. One copy, used by every page."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QLineEdit, QPlainTextEdit

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
