"""Application start-up: the QApplication, the style, and the first screen."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

from nhsip_desktop import APP_NAME, APP_TITLE
from nhsip_desktop.core.hardening import harden_process

from .main_window import MainWindow
from .style import apply_style


def make_app() -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_TITLE)
    app.setOrganizationName(APP_NAME)
    apply_style(app)
    return app


def run(*, demo: bool = False, register: Path | None = None) -> int:
    harden_process()  # also done by cli.main; here for any other way into the window
    app = make_app()
    window = MainWindow()
    window.show()
    if demo:
        window.open_demo()
    elif register is not None:
        window.open_path(register)
    return int(app.exec())
