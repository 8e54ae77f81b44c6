"""The open register as the UI sees it: one object, one "register changed" signal.

Views never call each other; they listen to :attr:`RegisterSession.changed` (emitted after
every committed transaction, carrying the store's ``Changes``) and to ``locked``/``unlocked``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from nhsip_desktop.store.register import Changes, Register


class RegisterSession(QObject):
    changed = Signal(object)  # nhsip_desktop.store.register.Changes
    opened = Signal()
    about_to_lock = Signal()  # editors save what was typed before the connection closes
    locked = Signal()

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

    def lock(self) -> None:
        """Close the connection and drop the key; the path is kept to unlock again."""
        if self._register is None:
            return
        self.about_to_lock.emit()
        self._close_current()
        self.locked.emit()

    def _close_current(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._register is not None:
            self._register.close()
            self._register = None

    def _on_change(self, changes: Changes) -> None:
        self.changed.emit(changes)
