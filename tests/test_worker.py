"""Long work off the UI thread (issue 20 item 6): ``ui/worker.py`` and the key change on it."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QElapsedTimer, Qt, QThread, QTimer
from PySide6.QtWidgets import QApplication

from nhsip_desktop.store.audit import Actor
from nhsip_desktop.store.errors import RegisterError, WrongKeyError
from nhsip_desktop.store.register import Register
from nhsip_desktop.ui import key_change
from nhsip_desktop.ui.main_window import MainWindow
from nhsip_desktop.ui.session import RegisterSession
from nhsip_desktop.ui.worker import Progress, run_in_background
from tests.conftest import MemoryKeyring


class Ticks:
    """A 10 ms timer on the UI thread; the longest gap between its ticks is the worst stall."""

    def __init__(self) -> None:
        self.clock = QElapsedTimer()
        self.clock.start()
        self.stamps: list[int] = []
        # Owned by the application: never deleted by a garbage collection that happens to run
        # on a worker thread (a timer deleted there crashes Qt).
        self.timer = QTimer(QApplication.instance())
        self.timer.setInterval(10)
        self.timer.timeout.connect(lambda: self.stamps.append(self.clock.elapsed()))
        self.timer.start()

    def longest_gap(self) -> int:
        self.timer.stop()
        return max((b - a for a, b in zip(self.stamps, self.stamps[1:], strict=False)), default=0)


def test_work_runs_on_another_thread_and_the_loop_keeps_ticking(qtbot: Any) -> None:
    ui_thread = threading.get_ident()
    seen: dict[str, Any] = {}

    def work(progress: Progress) -> int:
        seen["thread"] = threading.get_ident()
        for step in range(5):
            time.sleep(0.1)
            progress.report(step + 1, 5, f"Step {step + 1} of 5")
        seen["asked_on"] = progress.ask(threading.get_ident)
        return 42

    ticks = Ticks()
    outcome = run_in_background(None, "Working", work)
    assert outcome.ok and outcome.value == 42
    assert seen["thread"] != ui_thread
    assert seen["asked_on"] == ui_thread  # a question runs on the UI thread
    assert len(ticks.stamps) >= 20  # ~50 expected in 0.5 s
    assert ticks.longest_gap() < 200


def test_errors_come_back_as_messages(qtbot: Any) -> None:
    def fails(_progress: Progress) -> None:
        raise RegisterError("The register is busy: try again.")

    assert run_in_background(None, "Working", fails).error == "The register is busy: try again."

    def crashes(_progress: Progress) -> None:
        raise ValueError("secret case title")

    outcome = run_in_background(None, "Working", crashes)
    assert not outcome.ok and outcome.value is None
    assert "secret" not in outcome.error and "ValueError" in outcome.error

    def refuses(progress: Progress) -> None:
        def no() -> None:
            raise RegisterError("Not confirmed.")

        progress.ask(no)

    assert run_in_background(None, "Working", refuses).error == "Not confirmed."


def test_a_register_never_crosses_threads(qtbot: Any, register: Register) -> None:
    with pytest.raises(TypeError):
        run_in_background(None, "Working", lambda _p: register.cases.add("x"))
    assert QThread.currentThread() is QApplication.instance().thread()  # type: ignore[union-attr]


@pytest.fixture
def opened(qtbot: Any, tmp_path: Path, actor: Actor, memory_keyring: MemoryKeyring) -> Any:
    path = tmp_path / "trust.nhsip"
    register = Register.create(path, actor=actor, organisation="Test Trust")
    register.cases.add("Cannula splint")
    from nhsip_desktop.store.unlock import store_in_keyring

    store_in_keyring(register)
    session = RegisterSession()
    window = MainWindow(session)
    qtbot.addWidget(window)
    session.attach(register)
    yield window, path
    session.lock()


def test_the_key_change_keeps_the_window_responding(
    qtbot: Any, opened: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    window, path = opened
    old_key = window.session.register.data_key
    real = key_change.change_data_key
    threads: list[bool] = []
    before: list[bytes] = []

    def slow_change(*args: Any, **kwargs: Any) -> Any:
        # The real re-encryption, made as slow as a large register's would be.
        threads.append(QThread.currentThread() is QApplication.instance().thread())  # type: ignore[union-attr]
        time.sleep(0.6)
        before.append(path.read_bytes())  # the closed register, as the change starts
        return real(*args, **kwargs)

    monkeypatch.setattr(key_change, "change_data_key", slow_change)
    order: list[str] = []

    def answer() -> None:  # press the buttons of each dialog as it appears
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, key_change.KeyChangeDialog):
            qtbot.mouseClick(dialog.continue_button, Qt.MouseButton.LeftButton)
        elif isinstance(dialog, key_change.NewRecoveryKeyDialog):
            # Shown before the swap: the register on disk still opens with the old key.
            order.append("shown" if path.read_bytes() == before[0] else "swapped")
            qtbot.keyClicks(dialog.group_edit, dialog.groups[dialog.group_number - 1])
            qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
            return
        QTimer.singleShot(20, answer)

    QTimer.singleShot(0, answer)
    ticks = Ticks()
    window.rekey_action.trigger()
    gap = ticks.longest_gap()
    assert threads == [False]  # the re-encryption ran off the UI thread
    assert gap < 300, f"the window froze for {gap} ms"
    assert order == ["shown"]
    assert window.session.is_open
    assert window.session.register.data_key != old_key
    window.session.lock()
    with pytest.raises(WrongKeyError):
        Register.open(path, old_key, actor=Actor("t"))
