"""Application start-up: the QApplication, the style, and the first screen."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

from nhsip_desktop import APP_NAME, APP_TITLE

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


def run(
    *,
    demo: bool = False,
    register: Path | None = None,
    recovery_key_file: Path | None = None,
    passphrase: str | None = None,
    exit_when_ready: bool = False,
) -> int:
    app = make_app()
    window = MainWindow()
    if exit_when_ready:
        from .ready import ExitWhenReady

        watch = ExitWhenReady(window, app)  # noqa: F841 (kept alive with the window)
    window.show()
    if demo:
        window.open_demo()
    elif register is not None and (recovery_key_file is not None or passphrase is not None):
        from .ready import open_with_key_file

        problem = open_with_key_file(window, register, recovery_key_file, passphrase)
        if problem is not None:
            print(f"{APP_NAME}: {problem}", file=sys.stderr)
            window.close()
            return 2
    elif register is not None:
        window.open_path(register)
    return int(app.exec())
