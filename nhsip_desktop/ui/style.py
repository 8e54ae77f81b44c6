"""The app's look: Fusion, the system palette, and one stylesheet from resources/styles."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QStyleFactory

from nhsip_desktop.resources import resource_path


def apply_style(app: QApplication) -> None:
    app.setStyle(QStyleFactory.create("Fusion"))
    sheet = resource_path("styles", "app.qss")
    if sheet.exists():
        app.setStyleSheet(sheet.read_text(encoding="utf-8"))
