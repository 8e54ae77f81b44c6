"""The open register as the UI sees it: one object, one "register changed" signal.

Views never call each other; they listen to :attr:`RegisterSession.changed` (emitted after
every committed transaction, carrying the store's ``Changes``) and to ``locked``/``unlocked``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from nhsip_desktop.store.register import Changes, Register

BACKUP_DELAY_MS = 1500


class RegisterSession(QObject):
    changed = Signal(object)  # nhsip_desktop.store.register.Changes
    opened = Signal()
    about_to_lock = Signal()  # editors save what was typed before the connection closes
    locked = Signal()
    backed_up = Signal(str)  # a sentence for the status bar (done, or what went wrong)

    def __init__(self, parent: QObject | None = None, *, demo: bool = False) -> None:
        super().__init__(parent)
        self.demo = demo
        self._register: Register | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self.path: Path | None = None
        self.register_id: str = ""

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
        self._close_current()
        self._register = register
        self.path = register.path
        self.register_id = register.register_id
        self._unsubscribe = register.subscribe(self._on_change)
        self.opened.emit()
        # After the window has painted its first rows: a large register takes seconds to copy.
        QTimer.singleShot(BACKUP_DELAY_MS, lambda: self.backup_if_due("on-open"))

    def lock(self) -> None:
        """Close the connection and drop the key; the path is kept to unlock again."""
        if self._register is None:
            return
        self.about_to_lock.emit()
        self.backup_if_due("on-close")
        self._close_current()
        self.locked.emit()

    def backup_if_due(self, reason: str) -> None:
        """The automatic, verified backup (at most one every N hours, K generations kept).
        A failure never blocks work: it is reported for the status bar."""
        from nhsip_desktop.store.backups import BackupError, backup_if_due

        if not self.is_open or self.demo:
            return
        register = self.register
        settings = register.settings.all()
        try:
            made = backup_if_due(
                register,
                every_hours=float(settings["backup_every_hours"]),
                keep=int(settings["backup_keep"]),
                reason=reason,
            )
        except BackupError as exc:
            self.backed_up.emit(f"Backup failed: {exc}")
            return
        if made is not None:
            self.backed_up.emit(f"Backed up at {made.created_at.astimezone():%H:%M} (verified)")

    def _close_current(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._register is not None:
            self._register.close()
            self._register = None

    def _on_change(self, changes: Changes) -> None:
        self.changed.emit(changes)
