"""Small building blocks of the new-register wizard: an inline message box, labelled fields
with their help."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from PySide6.QtCore import QStandardPaths, Qt
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from .kit import hint
from .style import sheet


# -- small building blocks -------------------------------------------------------------------
class MessageBox(QFrame):
    """An inline message: an icon and word-wrapped text in a softly coloured box.

    The text always says what kind of message it is in words (the caller's text begins with
    "Warning:" or explains the problem), so nothing depends on colour alone.
    """

    _COLOURS: ClassVar[dict[str, tuple[str, str]]] = {
        "warning": ("#fff4ce", "#c8a600"),
        "error": ("#fde7e9", "#c50f1f"),
        "info": ("#eef4fb", "#6b8fbf"),
    }
    _ICONS: ClassVar[dict[str, QStyle.StandardPixmap]] = {
        "warning": QStyle.StandardPixmap.SP_MessageBoxWarning,
        "error": QStyle.StandardPixmap.SP_MessageBoxCritical,
        "info": QStyle.StandardPixmap.SP_MessageBoxInformation,
    }

    def __init__(self, kind: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        background, border = self._COLOURS[kind]
        self.setObjectName("messageBox")
        self.setStyleSheet(
            sheet(
                f"QFrame#messageBox {{ background: {background}; border: 1px solid {border};"
                " border-radius: 4px; }"
                " QFrame#messageBox QLabel { background: transparent; color: #1b1b1b; }"
            )
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.setSpacing(10)
        self.icon = QLabel(self)
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize) + 8
        self.icon.setPixmap(self.style().standardIcon(self._ICONS[kind]).pixmap(size, size))
        self.icon.setAccessibleName(kind.capitalize())
        layout.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignVCenter)
        self.text = QLabel(self)
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.text.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        layout.addWidget(self.text, 1)
        self.hide()

    def show_text(self, text: str) -> None:
        self.text.setText(text)
        self.setAccessibleName(text)
        self.show()

    def clear(self) -> None:
        self.text.clear()
        self.hide()


def field_label(text: str, buddy: QWidget) -> QLabel:
    label = QLabel(text)
    label.setBuddy(buddy)
    return label


GROUP_GAP = 16  # between one labelled field (with its help) and the next


def add_field(
    layout: QVBoxLayout, label: str, field: QWidget, help_text: str = "", *, gap: bool = True
) -> QLabel:
    """Add a label (buddy of ``field``), the field and optional help text, top to bottom."""
    title = field_label(label, field)
    layout.addWidget(title)
    layout.addSpacing(4)
    layout.addWidget(field)
    if help_text:
        layout.addSpacing(3)
        layout.addWidget(hint(help_text))
    if gap:
        layout.addSpacing(GROUP_GAP)
    return title


def upper_case_as_typed(edit: QLineEdit) -> None:
    """Show what is typed in capitals, keeping the cursor where it was."""

    def on_edited(text: str) -> None:
        upper = text.upper()
        if upper != text:
            position = edit.cursorPosition()
            edit.setText(upper)
            edit.setCursorPosition(position)

    edit.textEdited.connect(on_edited)


def documents_folder() -> Path:
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(location) if location else Path.home()
