"""Long work off the UI thread, with a progress dialog (issue 20 item 6).

:func:`run_in_background` runs ``work(progress)`` on a :class:`QThread` while a window-modal
progress dialog (busy, or determinate once ``progress.report`` gives a total) keeps the
window painting and responding; it returns a :class:`Outcome` on the UI thread: the value, or a
message for the person. Like a dialog's ``exec()``, the caller's code stays in order.

Rules for ``work``:
- It never receives an open :class:`Register` (a SQLCipher connection belongs to the thread
  that opened it): it takes plain data (paths, keys, rows already read) or opens its own
  connection, as ``store/backup_source.py`` does for backups. A register found among the
  callable's bound object, defaults or closure is refused with ``TypeError``.
- It never touches a widget. To ask the person something mid-way (a confirmation), it calls
  ``progress.ask(fn)``: ``fn`` runs on the UI thread and its result (or exception) comes back.
- A :class:`RegisterError` becomes its own message (these are written for the person and hold
  no register content); anything else a generic sentence naming only the error's type.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QEventLoop, QObject, Qt, QThread, Signal, Slot
from PySide6.QtWidgets import QApplication, QProgressDialog, QWidget

from nhsip_desktop.store.errors import RegisterError
from nhsip_desktop.store.register import Register

T = TypeVar("T")


@dataclass(frozen=True)
class Outcome(Generic[T]):
    value: T | None = None
    error: str = ""  # empty when the work finished

    @property
    def ok(self) -> bool:
        return not self.error


class Progress(QObject):
    """Handed to the work: report progress, or ask the UI thread something and wait."""

    _reported = Signal(int, int, str)
    _asked = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.before_ask: Callable[[], None] | None = None  # the runner hides its dialog
        self._asked.connect(self._answer, Qt.ConnectionType.QueuedConnection)

    def report(self, done: int, total: int = 0, text: str = "") -> None:
        """``total`` 0 means busy (no end known); ``text`` replaces the dialog's label."""
        self._reported.emit(done, total, text)

    def ask(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn`` on the UI thread (a dialog, say) and return its result or raise its error."""
        if QThread.currentThread() is self.thread():
            return fn()
        request: dict[str, Any] = {"fn": fn, "done": threading.Event()}
        self._asked.emit(request)
        request["done"].wait()
        if "error" in request:
            raise request["error"]
        return request.get("value")

    @Slot(object)
    def _answer(self, request: dict[str, Any]) -> None:
        try:
            if self.before_ask is not None:
                self.before_ask()
            request["value"] = request["fn"]()
        except BaseException as exc:  # handed back to the worker, raised there
            request["error"] = exc
        finally:
            request["done"].set()


def _message(exc: Exception) -> str:
    """What the person is told: a register error's own words, else the error's type only."""
    if isinstance(exc, RegisterError):
        return str(exc) or "The work could not be finished."
    if isinstance(exc, PermissionError):
        return "The file could not be written: you may not save in that folder."
    if isinstance(exc, OSError) and exc.strerror:
        return f"The file could not be written ({exc.strerror})."
    return f"The work could not be finished ({type(exc).__name__})."


_ACTIVE: set[_Job] = set()  # jobs still running (see wait_for_work)
_GC_LOCK = threading.Lock()
_gc_pauses = [0, False]  # work under way; whether automatic collection was on before


@contextlib.contextmanager
def _collection_paused() -> Iterator[None]:
    """No automatic garbage collection while work runs. A full collection holds the GIL while
    it walks every object (100-250 ms once a report has read 100,000 cases), and when the
    worker's allocations set it off, the window stalls for that long; most of the work's
    objects are freed by reference counting when it ends, so the next collection is short."""
    with _GC_LOCK:
        if _gc_pauses[0] == 0:
            _gc_pauses[1] = gc.isenabled()
            gc.disable()
        _gc_pauses[0] += 1
    try:
        yield
    finally:
        with _GC_LOCK:
            _gc_pauses[0] -= 1
            if _gc_pauses[0] == 0 and _gc_pauses[1]:
                gc.enable()


class _Job(QThread):
    def __init__(self, work: Callable[[Progress], Any], progress: Progress) -> None:
        super().__init__()
        self.work, self.progress = work, progress
        self.value: Any = None
        self.error = ""

    def run(self) -> None:
        try:
            with _collection_paused():
                self.value = self.work(self.progress)
        except Exception as exc:  # never lost on a worker thread; no content in the message
            self.error = _message(exc)


def _holds_register(work: Callable[..., Any]) -> bool:
    seen: list[Any] = [getattr(work, "__self__", None)]
    seen.extend(getattr(work, "__defaults__", None) or ())
    seen.extend((getattr(work, "__kwdefaults__", None) or {}).values())
    for cell in getattr(work, "__closure__", None) or ():
        try:
            seen.append(cell.cell_contents)
        except ValueError:  # an empty cell
            continue
    seen.extend(getattr(work, "args", ()))  # functools.partial
    seen.extend((getattr(work, "keywords", None) or {}).values())
    return any(isinstance(obj, Register) for obj in seen)


def run_in_background(
    parent: QWidget | None,
    label: str,
    work: Callable[[Progress], T],
    *,
    title: str = "Please wait",
    show_after_ms: int = 300,
) -> Outcome[T]:
    """Run ``work`` on a worker thread behind a progress dialog; its outcome on the UI thread.

    The dialog has no Cancel (work that must not be cut short, like a key change, stays
    whole); it appears after ``show_after_ms`` so quick work does not flash a window.
    """
    if _holds_register(work):
        raise TypeError("pass plain data or open a connection in the work, not a Register")
    progress = Progress()
    dialog = QProgressDialog(label, "", 0, 0, parent)
    dialog.setWindowTitle(title)
    dialog.setAccessibleName(title)
    dialog.setCancelButton(None)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(show_after_ms)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    dialog.setValue(0)

    def reported(done: int, total: int, text: str) -> None:
        dialog.setMaximum(max(total, 0))
        if total:
            dialog.setValue(min(done, total))
        if text:
            dialog.setLabelText(text)

    progress._reported.connect(reported, Qt.ConnectionType.QueuedConnection)
    progress.before_ask = dialog.hide  # the question's own dialog comes to the front
    job = _Job(work, progress)
    loop = QEventLoop()
    job.finished.connect(loop.quit, Qt.ConnectionType.QueuedConnection)
    _ACTIVE.add(job)
    try:
        job.start()
        loop.exec()
        job.wait()
    finally:
        _ACTIVE.discard(job)
    dialog.close()
    dialog.deleteLater()
    progress.deleteLater()
    if job.error:
        return Outcome(error=job.error)
    return Outcome(value=job.value)


def run_with_register(
    parent: QWidget | None,
    register: Register,
    label: str,
    work: Callable[[Register, Progress], T],
    *,
    title: str = "Please wait",
    show_after_ms: int = 300,
) -> Outcome[T]:
    """:func:`run_in_background` for work that reads or writes the open register.

    The work gets a register of its own over the same file, opened and closed on the worker
    thread (``store/thread_register.py``); the changes it commits reach ``register``'s
    subscribers on this thread afterwards. On a network drive, where the register is held by
    its one connection, the work runs here behind a busy cursor instead.
    """
    from nhsip_desktop.store.thread_register import ticket_for

    ticket = ticket_for(register)
    if not ticket.shared:
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            return Outcome(value=work(register, Progress()))
        except Exception as exc:
            return Outcome(error=_message(exc))
        finally:
            QApplication.restoreOverrideCursor()

    def on_worker(progress: Progress) -> T:
        with ticket.open() as own:
            return work(own, progress)

    try:
        return run_in_background(parent, label, on_worker, title=title, show_after_ms=show_after_ms)
    finally:
        ticket.deliver()


def work_running() -> bool:
    return any(job.isRunning() for job in _ACTIVE)


def wait_for_work() -> None:
    """Return once no work started here is running, the event loop turning meanwhile (the
    register must not be closed under a worker's own connection)."""
    for job in list(_ACTIVE):
        loop = QEventLoop()
        job.finished.connect(loop.quit, Qt.ConnectionType.QueuedConnection)
        if job.isRunning():
            loop.exec()
        job.wait()
