"""Backups, restore and key change from the main window, over a real register."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from nhsip_desktop.cases.model import CaseFilter
from nhsip_desktop.store.audit import Actor
from nhsip_desktop.store.backups import list_backups
from nhsip_desktop.store.errors import WrongKeyError
from nhsip_desktop.store.register import Register
from nhsip_desktop.ui.main_window import MainWindow
from nhsip_desktop.ui.session import RegisterSession
from tests.conftest import MemoryKeyring


@pytest.fixture
def opened(qtbot: Any, tmp_path: Path, actor: Actor, memory_keyring: MemoryKeyring):
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


def test_a_verified_backup_is_made_on_open_and_shown(qtbot: Any, opened: Any) -> None:
    window, path = opened
    # Made on a worker thread: the file appears a moment before the window hears of it.
    qtbot.waitUntil(
        lambda: len(list_backups(path)) == 1 and not window.session.backing_up, timeout=5000
    )
    backups = list_backups(path)
    assert len(backups) == 1 and backups[0].reason == "on-open"
    assert window.backup_label.text().startswith("Last backup:")
    window.back_up_now()
    assert len(list_backups(path)) == 2


def test_no_backup_for_a_week_is_a_warning_in_words(opened: Any) -> None:
    import os

    window, path = opened
    window.back_up_now()
    for info in list_backups(path):
        old = (dt.datetime.now() - dt.timedelta(days=9)).timestamp()
        os.utime(info.path, (old, old))
    window._update_backup_label()
    assert window.backup_label.text().startswith("Warning: no backup for 9 days")


def test_change_the_data_key_from_the_menu(
    qtbot: Any, opened: Any, memory_keyring: MemoryKeyring
) -> None:
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from nhsip_desktop.ui.key_change import KeyChangeDialog, NewRecoveryKeyDialog

    window, path = opened
    old_key = window.session.register.data_key

    def answer() -> None:  # press the buttons of each dialog as it appears
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, KeyChangeDialog):
            qtbot.mouseClick(dialog.continue_button, Qt.MouseButton.LeftButton)
        elif isinstance(dialog, NewRecoveryKeyDialog):
            qtbot.keyClicks(dialog.group_edit, dialog.groups[dialog.group_number - 1])
            qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
            return
        QTimer.singleShot(20, answer)

    QTimer.singleShot(0, answer)
    window.rekey_action.trigger()
    assert window.session.is_open
    new_key = window.session.register.data_key
    assert new_key != old_key
    assert window.session.register.verify_audit().ok
    assert memory_keyring.store[("nhsip-desktop", window.session.register_id)] == new_key.hex()
    window.session.lock()
    with pytest.raises(WrongKeyError):
        Register.open(path, old_key, actor=Actor("t"))


def test_restore_from_a_backup_keeps_the_replaced_file(
    opened: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    window, path = opened
    window.back_up_now()
    backup = list_backups(path)[0].path
    window.session.register.cases.add("Added after the backup")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(backup), ""))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    window.restore_action.trigger()
    assert window.session.is_open
    titles = [c.title for c in window.session.register.cases.search(CaseFilter())]
    assert titles == ["Cannula splint"]
    assert any(p.name.startswith("trust.nhsip.replaced-") for p in path.parent.iterdir())


def test_a_damaged_register_offers_the_newest_verified_backup(
    qtbot: Any,
    tmp_path: Path,
    actor: Actor,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from nhsip_desktop.store.backups import create_backup
    from nhsip_desktop.store.unlock import store_in_keyring
    from nhsip_desktop.ui.unlock import unlock

    path = tmp_path / "trust.nhsip"
    with Register.create(path, actor=actor) as register:
        register.cases.add_many({"title": f"Case {i}", "summary": "x" * 300} for i in range(80))
        store_in_keyring(register)
        create_backup(register, reason="manual")
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x20
    path.write_bytes(bytes(data))
    damaged = bytes(data)

    offered: list[str] = []

    def click_restore(self: QMessageBox) -> Any:
        offered.append(self.informativeText())
        return next(
            b for b in self.buttons() if self.buttonRole(b) == QMessageBox.ButtonRole.AcceptRole
        )

    monkeypatch.setattr(QMessageBox, "exec", lambda self: 0)
    monkeypatch.setattr(QMessageBox, "clickedButton", click_restore)
    unlocked = unlock(path)
    assert offered and "newest verified backup" in offered[0]
    assert unlocked is not None
    with unlocked.register as reopened:
        assert reopened.cases.count() == 80
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("trust.nhsip.replaced-")]
    assert kept and kept[0].read_bytes() == damaged  # the damaged file, untouched


def test_back_up_to_a_chosen_folder(
    opened: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window, _path = opened
    usb = tmp_path / "usb"
    usb.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(usb))
    window.backup_to_action.trigger()
    (made,) = usb.glob("*.nhsip")
    assert b"Cannula" not in made.read_bytes()  # encrypted like the register
    assert "verified" in window.statusBar().currentMessage().lower()


def test_the_on_open_backup_runs_off_the_ui_thread_and_the_window_answers(
    qtbot: Any, opened: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading
    import time

    from nhsip_desktop.store import backups

    window, path = opened
    threads: list[str] = []
    real_check = backups._check_copy

    def slow_check(*args: Any, **kwargs: Any) -> Any:
        threads.append(threading.current_thread().name)
        time.sleep(0.6)  # a large register's verification
        return real_check(*args, **kwargs)

    monkeypatch.setattr(backups, "_check_copy", slow_check)
    ticks: list[float] = []
    from PySide6.QtCore import QTimer

    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start(10)
    qtbot.waitUntil(lambda: window.session.backing_up, timeout=5000)
    assert window.backup_progress.isVisibleTo(window)
    qtbot.waitUntil(lambda: not window.session.backing_up, timeout=10000)
    timer.stop()
    assert threads and threads[0] != threading.main_thread().name
    assert len(list_backups(path)) == 1
    longest = max(b - a for a, b in itertools.pairwise(ticks))
    assert longest < 0.3, f"the event loop stalled {longest:.2f} s during the backup"
    assert not window.backup_progress.isVisibleTo(window)


def test_quitting_waits_for_the_closing_backup_with_progress(
    qtbot: Any, opened: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QApplication, QProgressDialog

    window, path = opened
    window.show()
    qtbot.waitUntil(lambda: len(list_backups(path)) == 1 and not window.session.backing_up)
    for info in list_backups(path):  # none left: the closing backup is due
        info.path.unlink()
    seen: list[str] = []

    def look() -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QProgressDialog) and widget.isVisible():
                seen.append(widget.labelText())

    from PySide6.QtCore import QTimer

    timer = QTimer()
    timer.timeout.connect(look)
    timer.start(5)
    from nhsip_desktop.store import backups

    real_check = backups._check_copy

    def slow_check(*args: Any, **kwargs: Any) -> Any:
        import time

        time.sleep(0.8)  # a large register's verification
        return real_check(*args, **kwargs)

    monkeypatch.setattr(backups, "_check_copy", slow_check)
    window.close()  # File > Quit
    timer.stop()
    assert not window.session.is_open
    assert [b.reason for b in list_backups(path)].count("on-close") == 1
    assert seen and "backup" in seen[0]
