"""The one way a tab of a page starts: a padded column, its lead lines (a string becomes a
hint), then whatever the tab adds."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

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
