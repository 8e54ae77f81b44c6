"""Unlocking a register: silently with the keyring, else with the recovery key or passphrase.

The recovery key can be typed (masked, with a Show toggle) or loaded from a text file; a
register with a passphrase offers it first.

Each failure kind from the store gets its own heading and next step (``messages.py``); a
failed attempt never changes the file, and the app never creates a register in its place.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from nhsip_desktop.app.appconfig import AppConfig, os_user
from nhsip_desktop.app.messages import explain_open_error
from nhsip_desktop.store.audit import Actor
from nhsip_desktop.store.backups import BackupInfo, list_backups, restore_backup
from nhsip_desktop.store.errors import DamagedRegisterError, KeyUnavailableError, RegisterError
from nhsip_desktop.store.header import read_header
from nhsip_desktop.store.keystore import (
    has_passphrase_protector,
    keyring_problem,
    load_from_keyring,
    read_passphrase_protector,
)
from nhsip_desktop.store.recovery import decode_recovery_key
from nhsip_desktop.store.register import Register
from nhsip_desktop.store.unlock import Unlocked, open_register, read_recovery_key_file

from .widgets import add_row, heading, paragraph


def current_actor() -> Actor:
    return Actor(os_user(), AppConfig.load().display_name)


def show_open_error(parent: QWidget | None, exc: BaseException) -> None:
    explanation = explain_open_error(exc)
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(explanation.heading)
    box.setText(f"<b>{explanation.heading}</b>")
    box.setInformativeText(f"{explanation.detail}\n\nWhat to do next: {explanation.next_step}")
    box.exec()


def show_toggle(edit: QLineEdit, text: str = "S&how") -> QCheckBox:
    """A checkbox that shows or hides what is typed in a masked field."""
    toggle = QCheckBox(text)
    toggle.setAccessibleName("Show what is typed")
    toggle.toggled.connect(
        lambda shown: edit.setEchoMode(
            QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        )
    )
    return toggle


_KEY_PLACEHOLDER = "10XXX-XXXXX-XXXXX-… (12 groups of 5; spaces or dashes)"


class UnlockDialog(QDialog):
    """Asks for the recovery key (typed, or loaded from a file) or the passphrase.

    Both are masked while typed, with a Show toggle. ``reason`` says in words why the
    register needs unlocking (no keyring, a keyring entry that does not open it, ...).
    """

    def __init__(self, path: Path, parent: QWidget | None = None, *, reason: str = "") -> None:
        super().__init__(parent)
        self.path = path
        self.unlocked: Unlocked | None = None
        self.setWindowTitle("Unlock register")
        self.setAccessibleName("Unlock register")

        self.use_key = QRadioButton("&Recovery key")
        self.use_passphrase = QRadioButton("&Passphrase")
        group = QButtonGroup(self)
        group.addButton(self.use_key)
        group.addButton(self.use_passphrase)
        has_passphrase = has_passphrase_protector(path)
        self.use_passphrase.setVisible(has_passphrase)
        self.use_key.setVisible(has_passphrase)

        self.secret = QLineEdit()
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPointSizeF(max(mono.pointSizeF(), 11))
        self.secret.setFont(mono)
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret.setAccessibleName("Recovery key")
        self.secret.setPlaceholderText(_KEY_PLACEHOLDER)
        self.show_secret = show_toggle(self.secret)
        self.load_button = QPushButton("&Load from file…")
        self.load_button.setToolTip(
            "Read the recovery key from a text file (the file saved when the register was "
            "created, or one holding the key with spaces or dashes)."
        )
        self.load_button.clicked.connect(lambda: self.load_from_file())
        self.use_key.toggled.connect(lambda _checked: self._mode_changed())

        self.remember = QCheckBox("Remember on this computer (keep the key in its keyring)")
        problem = keyring_problem()
        self.remember.setChecked(problem is None)
        self.remember.setEnabled(problem is None)
        if problem:
            self.remember.setToolTip(problem)

        self.error = QLabel()
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setAccessibleName("Problem")
        self.error.hide()

        buttons = QDialogButtonBox()
        self.unlock_button = buttons.addButton("&Unlock", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(lambda: self.try_unlock())
        buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.secret_label = add_row(
            form, "Recovery &key:", self.secret, "The key printed on the recovery key sheet."
        )
        tools = QHBoxLayout()
        tools.addWidget(self.show_secret)
        tools.addStretch(1)
        tools.addWidget(self.load_button)
        form.addRow("", tools)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(10)
        layout.addWidget(heading(f"Unlock {path.name}", level=2))
        self.reason = paragraph(
            reason
            or "This computer's keyring holds no key for this register. Type the recovery "
            "key from the printed sheet to open it."
        )
        self.reason.setAccessibleName("Why the register needs unlocking")
        layout.addWidget(self.reason)
        location = QLabel(str(path))
        location.setObjectName("pathText")
        location.setWordWrap(True)
        location.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(location)
        layout.addWidget(self.use_key)
        layout.addWidget(self.use_passphrase)
        layout.addLayout(form)
        layout.addWidget(self.remember)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.resize(660, 340)
        # With a passphrase, that is the everyday way in; the recovery key is the fallback.
        (self.use_passphrase if has_passphrase else self.use_key).setChecked(True)
        self._mode_changed()

    def _mode_changed(self) -> None:
        key_mode = self.use_key.isChecked()
        self.secret.clear()
        self.secret.setPlaceholderText(_KEY_PLACEHOLDER if key_mode else "Passphrase")
        self.secret_label.setText("Recovery &key:" if key_mode else "&Passphrase:")
        self.secret.setAccessibleName("Recovery key" if key_mode else "Passphrase")
        self.load_button.setVisible(key_mode)
        self.error.hide()

    def load_from_file(self) -> None:
        """Load from file…: the recovery key read from a text file (spaces or dashes)."""
        chosen, _ = QFileDialog.getOpenFileName(
            self,
            "Load the recovery key from a file",
            str(self.path.parent),
            "Text files (*.txt);;All files (*)",
        )
        if not chosen:
            return
        try:
            text = read_recovery_key_file(Path(chosen))
        except RegisterError as exc:
            self._show_error(str(exc))
            return
        self.use_key.setChecked(True)
        self.secret.setText(text)
        self.error.hide()
        self.unlock_button.setFocus()

    def try_unlock(self) -> bool:
        text = self.secret.text()
        if not text.strip():
            self._show_error(
                "Type the recovery key first (or load it from a file)."
                if self.use_key.isChecked()
                else "Type the passphrase first."
            )
            return False
        try:
            self.unlocked = open_register(
                self.path,
                actor=current_actor(),
                recovery_key=text if self.use_key.isChecked() else None,
                passphrase=None if self.use_key.isChecked() else text,
                restore_to_keyring=self.remember.isChecked(),
            )
        except DamagedRegisterError as exc:
            key = self._typed_key()
            if key is not None and offer_restore(self, self.path, key, exc):
                return self.try_unlock()
            explanation = explain_open_error(exc)
            self._show_error(f"{explanation.heading}. {explanation.detail}")
            return False
        except RegisterError as exc:
            explanation = explain_open_error(exc)
            self._show_error(
                f"{explanation.heading}. {explanation.detail}\n"
                f"What to do next: {explanation.next_step}"
            )
            return False
        self.accept()
        return True

    def _typed_key(self) -> bytes | None:
        """The data key from what was typed (recovery key or passphrase), if it decodes."""
        text = self.secret.text()
        try:
            if self.use_key.isChecked():
                return decode_recovery_key(text)
            return read_passphrase_protector(self.path, text)
        except RegisterError:
            return None

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()
        self.secret.setFocus()
        self.secret.selectAll()


def newest_good_backup(path: Path, key: bytes) -> BackupInfo | None:
    """The newest backup of ``path`` that verifies with ``key`` (read-only checks)."""
    for info in list_backups(path, key=key):
        if info.verified:
            return info
    return None


def offer_restore(parent: QWidget | None, path: Path, key: bytes, exc: BaseException) -> bool:
    """A damaged register: say what is wrong and offer the newest verified backup. The damaged
    file is never written to; a restore keeps it beside the register for investigation."""
    explanation = explain_open_error(exc)
    backup = newest_good_backup(path, key)
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(explanation.heading)
    box.setText(f"<b>{explanation.heading}</b>")
    if backup is None:
        box.setInformativeText(
            f"{explanation.detail}\n\nNo verified backup of this register was found beside it. "
            "Ask IT for a backup copy; keep the damaged file."
        )
        box.exec()
        return False
    when = backup.created_at.astimezone()
    box.setInformativeText(
        f"{explanation.detail}\n\nThe newest verified backup is from {when:%d/%m/%Y %H:%M} "
        f"({backup.cases} cases). Restoring it keeps the damaged file beside the register "
        "(named '.replaced-…'); changes made after the backup are not in it."
    )
    restore = box.addButton("Restore the backup", QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    if box.clickedButton() is not restore:
        return False
    try:
        restore_backup(backup.path, path, key)
    except RegisterError as error:
        show_open_error(parent, error)
        return False
    return True


def tell_storage_notice(parent: QWidget | None, register: Register) -> None:
    """Say so when the register is on a network drive (opened in the one-computer mode)."""
    if register.storage_notice:
        QMessageBox.information(parent, "Register on a network drive", register.storage_notice)


def unlock(path: Path, parent: QWidget | None = None) -> Unlocked | None:
    """Open ``path``: from the keyring if possible, else by asking. None if it was not opened.

    Any keyring problem (none on this computer, one not trusted, a failure, an entry that is
    malformed or does not open the register) leads to the unlock dialog with the reason.
    """
    try:
        unlocked = open_register(path, actor=current_actor())
    except KeyUnavailableError as exc:
        reason = f"{exc}"
    except DamagedRegisterError as exc:
        key = _keyring_key_for(path)
        if key is not None and offer_restore(parent, path, key, exc):
            return unlock(path, parent)
        if key is None:
            show_open_error(parent, exc)
        return None
    except RegisterError as exc:
        show_open_error(parent, exc)
        return None
    else:
        if unlocked.key_change_message:
            QMessageBox.information(parent, "Interrupted key change", unlocked.key_change_message)
        tell_storage_notice(parent, unlocked.register)
        return unlocked
    dialog = UnlockDialog(path, parent, reason=reason)
    if dialog.exec() == QDialog.DialogCode.Accepted:
        if dialog.unlocked is not None:
            tell_storage_notice(parent, dialog.unlocked.register)
        return dialog.unlocked
    return None


def _keyring_key_for(path: Path) -> bytes | None:
    try:
        return load_from_keyring(read_header(path).register_id)
    except RegisterError:
        return None
