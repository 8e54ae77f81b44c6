"""The open register as the UI sees it: one object, one "register changed" signal.

Views never call each other; they listen to :attr:`RegisterSession.changed` (emitted after
every committed transaction, carrying the store's ``Changes``) and to ``locked``/``unlocked``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, QThread, QTimer, Signal

from nhsip_desktop.store.backup_source import BackupSource, backup_source
from nhsip_desktop.store.backups import BackupError, BackupInfo
from nhsip_desktop.store.register import Changes, Register

BACKUP_DELAY_MS = 1500
_RUNNING: set[BackupThread] = set()  # backup threads still running (see start_backup)


class BackupThread(QThread):
    """One backup on a worker thread, with its own connection to the register."""

    def __init__(
        self,
        source: BackupSource,
        *,
        reason: str,
        every_hours: float | None,
        keep: int,
        folder: Path | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.source, self.reason, self.every_hours = source, reason, every_hours
        self.keep, self.folder = keep, folder
        self.info: BackupInfo | None = None
        self.error = ""

    def run(self) -> None:
        try:
            if self.every_hours is None:  # made now, whatever the age of the last one
                self.info = self.source.backup_if_due(
                    every_hours=0, keep=10**6, reason=self.reason, folder=self.folder
                )
            else:
                self.info = self.source.backup_if_due(
                    every_hours=self.every_hours, keep=self.keep, reason=self.reason
                )
        except BackupError as exc:
            self.error = str(exc)
        except Exception as exc:  # never lost on a worker thread: reported like a failure
            self.error = f"The backup could not be made ({type(exc).__name__})."


class RegisterSession(QObject):
    changed = Signal(object)  # nhsip_desktop.store.register.Changes
    opened = Signal()
    about_to_lock = Signal()  # editors save what was typed before the connection closes
    locked = Signal()
    backed_up = Signal(str)  # a sentence for the status bar (done, or what went wrong)
    backup_started = Signal(str)  # the reason: "on-open", "on-close", "manual"...
    backup_finished = Signal()
    waiting = Signal(bool)  # True while the app waits for a backup (locking, quitting)

    def __init__(self, parent: QObject | None = None, *, demo: bool = False) -> None:
        super().__init__(parent)
        self.demo = demo
        self._register: Register | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self.path: Path | None = None
        self.register_id: str = ""
        self._backup_thread: BackupThread | None = None
        self._locking = False
        self.last_backup: BackupInfo | None = None
        self.last_backup_error = ""

    @property
    def register(self) -> Register:
        if self._register is None or not self._register.is_open:
            raise RuntimeError("no register is open")
        return self._register

    @property
    def is_open(self) -> bool:
        return self._register is not None and self._register.is_open

    def attach(self, register: Register) -> None:
        """Take over an unlocked register (closing any other first)."""
        self.wait_for_backup()
        self._close_current()
        self._register = register
        self.path = register.path
        self.register_id = register.register_id
        self._unsubscribe = register.subscribe(self._on_change)
        self.opened.emit()
        # After the window has painted its first rows: a large register takes seconds to copy.
        QTimer.singleShot(BACKUP_DELAY_MS, lambda: self.backup_if_due("on-open"))

    def lock(self) -> None:
        """Close the connection and drop the key; the path is kept to unlock again.

        A backup under way is finished first (it reads the register file), and the closing
        backup, when due, is made on the worker thread while the window shows progress."""
        if self._register is None or self._locking:
            return
        self._locking = True
        try:
            self.about_to_lock.emit()
            from .worker import wait_for_work  # a report or import under way finishes first

            wait_for_work()
            self.wait_for_backup()
            if self.start_backup("on-close"):
                self.wait_for_backup()
            self._close_current()
        finally:
            self._locking = False
        self.locked.emit()

    @property
    def backing_up(self) -> bool:
        return self._backup_thread is not None

    def backup_if_due(self, reason: str) -> None:
        """The automatic, verified backup (at most one every N hours, K generations kept),
        made on a worker thread. A failure never blocks work: it is reported for the status
        bar."""
        self.start_backup(reason)

    def start_backup(self, reason: str, *, folder: Path | None = None, now: bool = False) -> bool:
        """Start a backup on a worker thread (``now``: whether or not one is due); False
        when none was started (no register, the demo, or one already under way)."""
        if not self.is_open or self._backup_thread is not None:
            return False
        if self.demo and not now:
            return False
        register = self.register
        settings = register.settings.all()
        try:
            source = backup_source(register)
        except OSError as exc:
            self.backed_up.emit(f"Backup failed: the register file could not be read ({exc}).")
            return False
        thread = BackupThread(
            source,
            reason=reason,
            every_hours=None if now else float(settings["backup_every_hours"]),
            keep=int(settings["backup_keep"]),
            folder=folder,
        )
        # No parent, and a strong reference until it has finished: a thread object must
        # never be deleted while it runs (a session can be dropped before its backup ends).
        _RUNNING.add(thread)
        thread.finished.connect(lambda: self._backup_finished(thread))
        self._backup_thread = thread
        self.last_backup = None
        self.last_backup_error = ""
        self.backup_started.emit(reason)
        thread.start()
        return True

    def wait_for_backup(self) -> None:
        """Return when no backup is under way; meanwhile the window keeps repainting (the
        event loop runs) and shows its progress."""
        if self._backup_thread is None:
            return
        if QCoreApplication.instance() is None:  # no event loop to wait in (a script, a test)
            thread = self._backup_thread
            thread.wait()
            self._backup_finished(thread)
            return
        loop = QEventLoop()
        self.backup_finished.connect(loop.quit)
        self.waiting.emit(True)
        try:
            if self._backup_thread is not None:
                loop.exec()
        finally:
            self.backup_finished.disconnect(loop.quit)
            self.waiting.emit(False)

    def _backup_finished(self, thread: BackupThread) -> None:
        thread.wait()
        _RUNNING.discard(thread)
        thread.deleteLater()
        if thread is not self._backup_thread:
            return
        self._backup_thread = None
        self.last_backup, self.last_backup_error = thread.info, thread.error
        if thread.error:
            self.backed_up.emit(f"Backup failed: {thread.error}")
        elif thread.info is not None:
            self.backed_up.emit(
                f"Backed up at {thread.info.created_at.astimezone():%H:%M} (verified)"
            )
        self.backup_finished.emit()

    def _close_current(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._register is not None:
            register, self._register = self._register, None
            register.close()  # may raise DamagedLogError (the log is kept as evidence)

    def _on_change(self, changes: Changes) -> None:
        self.changed.emit(changes)
