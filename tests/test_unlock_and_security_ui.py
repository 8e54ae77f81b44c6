"""Unlocking, Settings -> Security and the key change, driven through the widgets.

Buttons are pressed with ``qtbot.mouseClick`` and fields typed into with ``qtbot.keyClicks``;
modal dialogs are answered by a timer that finds them on screen, as a person would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import keyring
import keyring.errors
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox, QWidget

from nhsip_desktop.store import keystore
from nhsip_desktop.store.audit import Actor
from nhsip_desktop.store.errors import WrongKeyError
from nhsip_desktop.store.header import read_header
from nhsip_desktop.store.keystore import SERVICE
from nhsip_desktop.store.recovery import encode_recovery_key
from nhsip_desktop.store.register import Register
from nhsip_desktop.store.unlock import open_register, set_passphrase
from nhsip_desktop.ui.key_change import KeyChangeDialog, NewRecoveryKeyDialog
from nhsip_desktop.ui.main_window import MainWindow
from nhsip_desktop.ui.settings_dialog import SettingsDialog
from nhsip_desktop.ui.unlock import UnlockDialog
from tests.conftest import MemoryKeyring

PASSPHRASE = "the kettle is on at four"
LEFT = Qt.MouseButton.LeftButton


@pytest.fixture(autouse=True)
def _cheap_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keystore, "SCRYPT_N", 2**14)


@pytest.fixture
def closed(tmp_path: Path, actor: Actor) -> tuple[Path, bytes]:
    path = tmp_path / "trust.nhsip"
    with Register.create(path, actor=actor, organisation="Test Trust") as reg:
        reg.cases.add("Wound dressing clip")
        return path, reg.data_key


def answer_modal(kind: type[QWidget], act: Callable[[Any], None]) -> list[str]:
    """When a modal ``kind`` appears, ``act`` on it (once). Returns a list that receives the
    text of any failure (a dialog left open is rejected so the test cannot hang)."""
    failures: list[str] = []

    def poll() -> None:
        widget = QApplication.activeModalWidget()
        if not isinstance(widget, kind):
            QTimer.singleShot(20, poll)
            return
        try:
            act(widget)
        except BaseException as exc:  # report it in the test, never hang in exec()
            failures.append(f"{type(exc).__name__}: {exc}")
            widget.reject()  # type: ignore[attr-defined]

    QTimer.singleShot(0, poll)
    return failures


def click(qtbot: Any, button: QWidget) -> None:
    assert button.isVisible() and button.isEnabled(), button
    qtbot.mouseClick(button, LEFT)


def test_a_passphrase_set_in_settings_unlocks_after_a_restart_without_keyring(
    qtbot: Any, closed: tuple[Path, bytes], actor: Actor, no_keyring: None
) -> None:
    path, key = closed
    window = MainWindow()
    qtbot.addWidget(window)
    window.session.attach(Register.open(path, key, actor=actor))

    def in_settings(dialog: SettingsDialog) -> None:
        security = dialog.security
        assert "No passphrase is set" in security.status.text()
        assert "keyring cannot be used" in security.keyring_status.text()
        qtbot.keyClicks(security.new_passphrase, PASSPHRASE)
        qtbot.keyClicks(security.repeat_passphrase, PASSPHRASE + "!")
        click(qtbot, security.set_button)
        assert "different" in security.message.text()
        security.repeat_passphrase.clear()
        qtbot.keyClicks(security.repeat_passphrase, PASSPHRASE)
        assert security.new_passphrase.echoMode() == QLineEdit.EchoMode.Password
        click(qtbot, security.set_button)
        assert "Passphrase set" in security.message.text()
        assert "A passphrase is set" in security.status.text()
        assert security.set_button.text() == "&Change passphrase"
        dialog.reject()  # Cancel: the passphrase is already saved (and audited)

    failures = answer_modal(SettingsDialog, in_settings)
    window.settings_action.trigger()
    assert failures == []
    assert "set-passphrase" in [e.action for e in window.session.register.audit.entries()]
    window.close_register()
    window.close()

    # A restart: a new window, still no keyring. The unlock dialog offers the passphrase.
    restarted = MainWindow()
    qtbot.addWidget(restarted)
    reasons: list[str] = []

    def in_unlock(dialog: UnlockDialog) -> None:
        reasons.append(dialog.reason.text())
        assert dialog.use_passphrase.isVisible() and dialog.use_passphrase.isChecked()
        assert dialog.secret.echoMode() == QLineEdit.EchoMode.Password
        qtbot.keyClicks(dialog.secret, PASSPHRASE)
        click(qtbot, dialog.unlock_button)

    failures = answer_modal(UnlockDialog, in_unlock)
    restarted.open_path(path)
    assert failures == []
    assert "no usable keyring" in reasons[0]
    assert restarted.session.is_open and restarted.session.register.cases.count() == 1
    restarted.session.lock()


def test_recovery_key_is_masked_with_a_show_toggle_and_loads_from_a_file(
    qtbot: Any,
    closed: tuple[Path, bytes],
    tmp_path: Path,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path, key = closed
    key_file = tmp_path / "typed key.txt"
    key_file.write_text("My key:\n" + encode_recovery_key(key).replace("-", " ") + "\n")
    from PySide6.QtWidgets import QFileDialog

    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(key_file), ""))
    dialog = UnlockDialog(path, reason="The register was locked.")
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.use_key.isVisible()  # no passphrase: the recovery key is the way in
    assert dialog.secret.echoMode() == QLineEdit.EchoMode.Password
    click(qtbot, dialog.show_secret)
    assert dialog.secret.echoMode() == QLineEdit.EchoMode.Normal
    click(qtbot, dialog.show_secret)
    assert dialog.secret.echoMode() == QLineEdit.EchoMode.Password
    click(qtbot, dialog.load_button)
    assert dialog.secret.text().replace(" ", "-") == encode_recovery_key(key)
    click(qtbot, dialog.unlock_button)
    assert dialog.unlocked is not None
    with dialog.unlocked.register as reg:
        assert reg.cases.count() == 1
    assert memory_keyring.store[(SERVICE, read_header(path).register_id)] == key.hex()


def test_a_stale_keyring_entry_leads_to_the_unlock_dialog_with_the_reason(
    qtbot: Any, closed: tuple[Path, bytes], memory_keyring: MemoryKeyring
) -> None:
    path, key = closed
    register_id = read_header(path).register_id
    memory_keyring.store[(SERVICE, register_id)] = bytes(32).hex()  # from before a restore
    window = MainWindow()
    qtbot.addWidget(window)
    seen: list[str] = []

    def in_unlock(dialog: UnlockDialog) -> None:
        seen.append(dialog.reason.text())
        qtbot.keyClicks(dialog.secret, encode_recovery_key(key))
        assert dialog.remember.isChecked()
        click(qtbot, dialog.unlock_button)

    failures = answer_modal(UnlockDialog, in_unlock)
    window.open_path(path)
    assert failures == []
    assert "does not open it" in seen[0] and "typed" not in seen[0]
    assert window.session.is_open
    window.session.lock()
    # The keyring entry was replaced: the next open is silent again.
    assert memory_keyring.store[(SERVICE, register_id)] == key.hex()


class BrokenKeyring(MemoryKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("the keychain is locked")


def test_a_failing_keyring_leads_to_the_unlock_dialog(
    qtbot: Any, closed: tuple[Path, bytes]
) -> None:
    path, key = closed
    previous = keyring.get_keyring()
    keyring.set_keyring(BrokenKeyring())
    try:
        with keystore.trusted_backend_for_tests(BrokenKeyring):
            window = MainWindow()
            qtbot.addWidget(window)
            seen: list[str] = []

            def in_unlock(dialog: UnlockDialog) -> None:
                seen.append(dialog.reason.text())
                qtbot.keyClicks(dialog.secret, encode_recovery_key(key))
                click(qtbot, dialog.unlock_button)

            failures = answer_modal(UnlockDialog, in_unlock)
            window.open_path(path)
            assert failures == []
            assert "could not read the register's key (KeyringLocked)" in seen[0]
            assert window.session.is_open
            window.session.lock()
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def opened_with_passphrase(
    qtbot: Any, closed: tuple[Path, bytes], actor: Actor, memory_keyring: MemoryKeyring
) -> Iterator[tuple[MainWindow, Path, bytes]]:
    path, key = closed
    register = Register.open(path, key, actor=actor)
    set_passphrase(register, PASSPHRASE)
    keystore.save_to_keyring(register.register_id, key)
    window = MainWindow()
    qtbot.addWidget(window)
    window.session.attach(register)
    yield window, path, key
    window.session.lock()


def test_the_apps_key_change_confirms_the_new_key_before_the_swap(
    qtbot: Any,
    opened_with_passphrase: tuple[MainWindow, Path, bytes],
    actor: Actor,
    memory_keyring: MemoryKeyring,
) -> None:
    window, path, old_key = opened_with_passphrase
    shown: dict[str, Any] = {}

    def in_start(dialog: KeyChangeDialog) -> None:
        qtbot.keyClicks(dialog.passphrase, "not my passphrase")
        click(qtbot, dialog.continue_button)
        assert "does not unlock" in dialog.error.text()
        dialog.passphrase.clear()
        qtbot.keyClicks(dialog.passphrase, PASSPHRASE)
        click(qtbot, dialog.continue_button)
        answer_new_key.extend(answer_modal(NewRecoveryKeyDialog, in_new_key))

    def in_new_key(dialog: NewRecoveryKeyDialog) -> None:
        # Shown BEFORE the swap: the register still opens with its old key only.
        assert read_header(path).matches(old_key)
        shown["groups"] = dialog.groups
        assert not dialog.confirm_button.isEnabled()
        wrong = "ZZZZZ" if dialog.groups[dialog.group_number - 1] != "ZZZZZ" else "YYYYY"
        qtbot.keyClicks(dialog.group_edit, wrong)
        assert not dialog.confirm_button.isEnabled() and "not group" in dialog.error.text()
        dialog.group_edit.clear()
        qtbot.keyClicks(dialog.group_edit, dialog.groups[dialog.group_number - 1].lower())
        click(qtbot, dialog.confirm_button)

    answer_new_key: list[str] = []
    failures = answer_modal(KeyChangeDialog, in_start)
    window.rekey_action.trigger()
    assert failures == [] and answer_new_key == []
    new_recovery_key = "-".join(shown["groups"])
    assert window.session.is_open
    new_key = window.session.register.data_key
    assert new_key != old_key and encode_recovery_key(new_key) == new_recovery_key
    assert memory_keyring.store[(SERVICE, window.session.register_id)] == new_key.hex()
    assert "The key was changed" in window.statusBar().currentMessage()
    window.session.lock()
    # Done when: the passphrase still opens it, the old key does not, the new one does.
    with open_register(path, actor=actor, passphrase=PASSPHRASE).register as reg:
        assert reg.data_key == new_key
    with pytest.raises(WrongKeyError):
        open_register(path, actor=actor, recovery_key=encode_recovery_key(old_key))
    with open_register(path, actor=actor, recovery_key=new_recovery_key).register as reg:
        assert reg.verify_audit().ok and "rekey" in [e.action for e in reg.audit.entries()]


def test_cancelling_at_the_new_key_keeps_the_old_key(
    qtbot: Any,
    opened_with_passphrase: tuple[MainWindow, Path, bytes],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window, path, old_key = opened_with_passphrase
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a: warnings.append(text))

    def in_start(dialog: KeyChangeDialog) -> None:
        qtbot.keyClicks(dialog.passphrase, PASSPHRASE)
        click(qtbot, dialog.continue_button)
        inner.extend(answer_modal(NewRecoveryKeyDialog, lambda d: click(qtbot, d.cancel_button)))

    inner: list[str] = []
    failures = answer_modal(KeyChangeDialog, in_start)
    window.rekey_action.trigger()
    assert failures == [] and inner == []
    assert "not changed" in warnings[0] and "does not open it" in warnings[0]
    assert window.session.is_open and window.session.register.data_key == old_key
    names = sorted(p.name for p in path.parent.iterdir())
    assert not [n for n in names if n.startswith(".") or "key-change" in n], names


def test_removing_the_passphrase_in_settings(
    qtbot: Any,
    opened_with_passphrase: tuple[MainWindow, Path, bytes],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window, path, _ = opened_with_passphrase
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    dialog = SettingsDialog(window.session)
    qtbot.addWidget(dialog)
    dialog.show()
    assert "A passphrase is set" in dialog.security.status.text()
    click(qtbot, dialog.security.remove_button)
    assert dialog.security.message.text() == "Passphrase removed."
    assert not keystore.has_passphrase_protector(path)
    assert not dialog.security.remove_button.isEnabled()
    assert next(window.session.register.audit.entries()).action == "remove-passphrase"
