"""The guidance in brief (F1): every step and annex summarised in the app's own words.

Opens at the part for the area in use; a button beside each area's introduction opens it at
that area's step. Read-only text, reachable by keyboard: the list of parts on the left (arrow
keys), the summary on the right.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from nhsip_desktop.guidance.help import GuidanceBrief, GuidancePart, load_brief


def _html(part: GuidancePart) -> str:
    points = "".join(f"<li style='margin-bottom:6px'>{escape(p)}</li>" for p in part.points)
    return (
        f"<h2>{escape(part.reference)}: {escape(part.title)}</h2>"
        f"<ul>{points}</ul>"
        f"<p><b>In this app:</b> {escape(part.in_this_app)}</p>"
    )


class GuidanceDialog(QDialog):
    def __init__(
        self,
        reference: str = "Step 4",
        parent: QWidget | None = None,
        brief: GuidanceBrief | None = None,
    ) -> None:
        super().__init__(parent)
        self.brief = brief or load_brief()
        self.setWindowTitle("The guidance in brief")
        self.setAccessibleName("The guidance in brief")
        self.parts = QListWidget()
        self.parts.setAccessibleName("Parts of the guidance")
        for part in self.brief.parts:
            self.parts.addItem(f"{part.reference}: {part.title}")
        self.parts.setMinimumWidth(340)
        self.parts.setSpacing(3)
        self.parts.setWordWrap(True)
        self.parts.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.text = QTextBrowser()
        self.text.setAccessibleName("Summary")
        self.text.setOpenLinks(False)
        self.parts.currentRowChanged.connect(self._show)
        intro = QLabel(
            f"{escape(self.brief.note)} <br><b>The guidance:</b> {escape(self.brief.guidance)}. "
            f"{escape(self.brief.where_to_find_it)}"
        )
        intro.setWordWrap(True)
        intro.setObjectName("hintText")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        body = QHBoxLayout()
        body.addWidget(self.parts)
        body.addWidget(self.text, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 14)
        layout.setSpacing(10)
        layout.addWidget(intro)
        layout.addLayout(body, 1)
        layout.addWidget(buttons)
        self.resize(980, 580)
        self.show_reference(reference)
        self.parts.setFocus()

    def show_reference(self, reference: str) -> None:
        try:
            part = self.brief.part(reference)
        except KeyError:
            part = self.brief.parts[0]
        self.parts.setCurrentRow(self.brief.parts.index(part))

    def _show(self, row: int) -> None:
        if 0 <= row < len(self.brief.parts):
            self.text.setHtml(_html(self.brief.parts[row]))

    def current_reference(self) -> str:
        return self.brief.parts[self.parts.currentRow()].reference


def guidance_button(reference: str, parent: QWidget | None = None) -> QPushButton:
    """A small button, "Guidance in brief: step 4…", that opens the summary at ``reference``."""
    words = reference[0].lower() + reference[1:] if reference.startswith("Step") else reference
    button = QPushButton(f"Guidance in brief: {words}…", parent)
    button.setAccessibleName(f"Open the guidance in brief at {reference}")
    button.setToolTip("A short summary of what this part of the guidance asks (F1)")
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    button.clicked.connect(lambda: GuidanceDialog(reference, button.window()).exec())
    return button


def with_guidance(intro: QWidget, reference: str) -> QWidget:
    """An area's introduction with its "Guidance in brief" button at the right."""
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(12)
    layout.addWidget(intro, 1)
    layout.addWidget(guidance_button(reference), 0, Qt.AlignmentFlag.AlignTop)
    return row
