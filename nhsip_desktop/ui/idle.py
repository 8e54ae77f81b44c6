"""Automatic lock after a spell of inactivity, measured by the wall clock.

Wall-clock time (not a monotonic or event-loop timer) makes a laptop that slept through the
limit lock as soon as it wakes. The clock is injectable so tests can simulate idle time.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QWindow

_ACTIVITY = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
}


class IdleWatcher(QObject):
    idle = Signal()

    def __init__(
        self,
        minutes: Callable[[], int],
        *,
        clock: Callable[[], float] = time.time,
        interval_ms: int = 10_000,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._minutes = minutes
        self._clock = clock
        self._last = clock()
        self._armed = False
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check)
        self._app: QGuiApplication | None = None

    def start(self) -> None:
        self._sweep()
        self._last = self._clock()
        self._armed = True
        self._timer.start()

    def stop(self) -> None:
        self._armed = False
        self._timer.stop()

    def touch(self) -> None:
        self._last = self._clock()

    def watch(self, app: QGuiApplication) -> None:
        """Count user input in every window of ``app`` as activity.

        The filter sits on each top-level window (where input arrives before Qt hands it to
        a widget), added as each window takes focus, rather than on the application: there
        it ran Python for every event of every widget, which cost about 40 ms each time a
        case window opened.
        """
        self._app = app
        self._sweep()
        app.focusWindowChanged.connect(self._on_focus_window)

    def _sweep(self) -> None:
        """Filter every window that exists now (a window made since still gets it on focus)."""
        if self._app is not None:
            for window in self._app.topLevelWindows():
                window.installEventFilter(self)

    def _on_focus_window(self, window: QWindow | None) -> None:
        if window is not None:
            window.installEventFilter(self)  # Qt keeps one copy if it is there already

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _ACTIVITY:
            self._last = self._clock()
        return False

    def check(self) -> None:
        if not self._armed:
            return
        self._sweep()
        if self._clock() - self._last >= max(1, self._minutes()) * 60:
            self.stop()
            self.idle.emit()
