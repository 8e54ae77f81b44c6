"""The one way a tab of a page starts (a padded column, its lead lines: a string becomes a
hint) and the one way a button is made (its slot never gets ``clicked``'s flag)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from .labels import hint


def tab_page(*lead: QWidget | str, spacing: int = 8) -> tuple[QWidget, QVBoxLayout]:
    """A tab's widget and its column, with ``lead`` already in it, top first."""
    page = QWidget()
    layout = QVBoxLayout(page)
    layout.setContentsMargins(12, 12, 12, 12)
    layout.setSpacing(spacing)
    for item in lead:
        layout.addWidget(hint(item) if isinstance(item, str) else item)
    return page, layout


def button(text: str, slot: Callable[[], object], name: str = "", tip: str = "") -> QPushButton:
    """A push button that runs ``slot`` with no arguments (never the ``checked`` flag that
    ``clicked`` carries), named for assistive technology when its text is not enough."""
    pushed = QPushButton(text)
    if name:
        pushed.setAccessibleName(name)
    if tip:
        pushed.setToolTip(tip)
    pushed.clicked.connect(lambda: slot())
    return pushed


def button_bar(status: QWidget | None, *buttons: QPushButton) -> QHBoxLayout:
    """The row under a tab: ``status`` (or empty room) taking the spare width on the left,
    the buttons on the right in the order given (the main action last)."""
    bar = QHBoxLayout()
    if status is None:
        bar.addStretch(1)
    else:
        bar.addWidget(status, 1)
    for pushed in buttons:
        bar.addWidget(pushed)
    return bar
