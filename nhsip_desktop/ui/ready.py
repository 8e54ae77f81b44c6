"""``--open PATH --recovery-key-file FILE --exit-when-ready``: a door to time a cold start.

The app opens the register with the recovery key in the file (or the passphrase given with
``--passphrase-stdin``; no keyring, no dialog), and
once the register browser has painted its first rows it prints one line and quits with exit
code 0 (the register is closed as on any quit). Nothing is drawn or read for the timing that
a person's start would not do. ``benchmarks/floor.py`` times process start to that line
against a bare PySide6 window with a 50-row table.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

from nhsip_desktop import APP_NAME
from nhsip_desktop.store.errors import RegisterError

from .main_window import MainWindow

READY_TIMEOUT_MS = 120_000


class ExitWhenReady(QObject):
    """Watches the case table's viewport; after the first paint with rows, quits with 0.

    Only that one widget is watched (an application-wide filter would cost every event)."""

    def __init__(self, window: MainWindow, app: QApplication) -> None:
        super().__init__(window)
        self.window_ = window
        self.app = app
        self.done = False
        self.viewport = window.cases_page.table.viewport()
        self.viewport.installEventFilter(self)
        self.timeout = QTimer(self)
        self.timeout.setSingleShot(True)
        self.timeout.timeout.connect(self._give_up)
        self.timeout.start(READY_TIMEOUT_MS)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            not self.done
            and watched is self.viewport
            and event.type() == QEvent.Type.Paint
            and self.window_.session.is_open
            and self.window_.cases_page.model.rowCount() > 0
        ):
            self.done = True
            # Runs once this paint has finished.
            QTimer.singleShot(0, self._ready)
        return False

    def _ready(self) -> None:
        rows = self.window_.cases_page.model.rowCount()
        print(f"{APP_NAME}: ready: the main window shows {rows} rows", flush=True)
        self.viewport.removeEventFilter(self)
        self.timeout.stop()
        self.window_.close()
        self.app.exit(0)

    def _give_up(self) -> None:
        print(f"{APP_NAME}: no rows were shown within the time allowed", file=sys.stderr)
        self.window_.close()
        self.app.exit(1)


def open_with_key_file(
    window: MainWindow, path: Path, key_file: Path | None, passphrase: str | None = None
) -> str | None:
    """Open ``path`` in ``window`` with the recovery key in ``key_file`` (or ``passphrase``,
    read from standard input); None when it opened, otherwise why not (for the command line:
    no dialog is shown)."""
    from nhsip_desktop.store.unlock import open_register, read_recovery_key_file

    from .unlock import current_actor

    try:
        recovery = read_recovery_key_file(key_file) if key_file is not None else None
        unlocked = open_register(
            path, actor=current_actor(), recovery_key=recovery, passphrase=passphrase
        )
    except RegisterError as exc:
        return str(exc)
    window.session.demo = False
    window.session.attach(unlocked.register)
    return None
