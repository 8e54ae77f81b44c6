"""Small shared building blocks, so every form labels its inputs the same accessible way."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QLabel, QWidget


def add_row(form: QFormLayout, label: str, field: QWidget, help_text: str = "") -> QLabel:
    """Add ``field`` with a visible label that is its buddy, and an accessible name and help."""
    caption = QLabel(label)
    caption.setBuddy(field)
    name = label.replace("&", "").rstrip(":")
    field.setAccessibleName(name)
    if help_text:
        field.setAccessibleDescription(help_text)
        field.setToolTip(help_text)
    form.addRow(caption, field)
    return caption


def heading(text: str, level: int = 1) -> QLabel:
    label = QLabel(text)
    label.setObjectName("heading" if level == 1 else "subheading")
    label.setAccessibleName(text)
    label.setWordWrap(True)
    return label


def paragraph(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setObjectName("paragraph")
    return label
