"""Application start-up: the QApplication, the style, and the first screen."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from PySide6.QtCore import QTimer
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
    if not app.property("nhsip_styled"):
        # Once per application: setting the style sheet again re-polishes every widget
        # alive, which costs time and crashed Qt when a closed window was being torn down.
        apply_style(app)
        app.setProperty("nhsip_styled", True)
    return app


def run(
    *,
    demo: bool = False,
    register: Path | None = None,
    screenshot: Path | None = None,
    quit_after_ready: bool = False,
    ready_timeout: float = 60.0,
    recovery_key_file: Path | None = None,
    passphrase: str | None = None,
    exit_when_ready: bool = False,
) -> int:
    harden_process()  # also done by cli.main; here for any other way into the window
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
    if screenshot is not None or quit_after_ready:
        return _run_until_ready(app, window, screenshot, quit_after_ready, ready_timeout)
    return int(app.exec())


def _run_until_ready(
    app: QApplication,
    window: MainWindow,
    screenshot: Path | None,
    quit_after_ready: bool,
    timeout: float,
) -> int:
    """Wait for the main window to show rows; then save the picture and (if asked) quit.
    Exit 0 only when rows were shown (1 after ``timeout`` seconds without)."""
    outcome = {"code": 1}
    started = time.monotonic()

    def poll() -> None:
        model = window.cases_page.model
        ready = window.isVisible() and window.session.is_open and model.rowCount() > 0
        if ready:
            timer.stop()
            app.processEvents()
            if screenshot is not None:
                screen = window.screen()
                picture = screen.grabWindow(window.winId()) if screen is not None else None
                if picture is None or picture.isNull():
                    picture = window.grab()
                if not picture.save(str(screenshot)):
                    print(f"{APP_NAME}: could not save {screenshot}", file=sys.stderr)
                    outcome["code"] = 2
                    app.quit()
                    return
                print(
                    f"{APP_NAME}: the main window shows {model.rowCount()} rows; "
                    f"picture saved to {screenshot}"
                )
            outcome["code"] = 0
            if quit_after_ready:
                window.close()
                app.quit()
        elif time.monotonic() - started > timeout:
            timer.stop()
            print(f"{APP_NAME}: no rows shown within {timeout:.0f} s", file=sys.stderr)
            window.close()
            app.quit()

    timer = QTimer()
    timer.setInterval(200)
    timer.timeout.connect(poll)
    timer.start()
    code = int(app.exec())
    return outcome["code"] if code == 0 else code
