"""Changing the data key from the app, through the crash-safe protocol of ``store/rekey.py``.

1. :class:`KeyChangeDialog` explains what happens and, when the register has a passphrase,
   asks for it (it is moved to the new key, so it keeps working).
2. The register is locked and re-encrypted into a hidden copy on a worker thread
   (``worker.py``: the window keeps responding); before anything is swapped,
   :class:`NewRecoveryKeyDialog` shows the NEW recovery key and asks for one group of it back
   (and offers the printable sheet). Cancelling there undoes everything.
3. Only then is the copy swapped in, the passphrase file and keyring entry replaced, and the
   register reopened under the new key, with a fresh backup.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QWidget,
)

from nhsip_desktop.store.errors import PassphraseError, RegisterError
from nhsip_desktop.store.keystore import has_passphrase_protector, read_passphrase_protector
from nhsip_desktop.store.recovery import (
    GROUP_COUNT,
    encode_recovery_key,
    normalise_group,
    recovery_key_groups,
)
from nhsip_desktop.store.rekey import ChangedKey, KeyChangeError, change_data_key

from .kit.parts import headed_column
from .unlock import current_actor, show_toggle
from .widgets import add_row
from .worker import Progress, run_in_background

if TYPE_CHECKING:
    from .main_window import MainWindow


def _error_label() -> QLabel:
    label = QLabel()
    label.setObjectName("errorText")
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setAccessibleName("Problem")
    label.hide()
    return label


class KeyChangeDialog(QDialog):
    """What a key change does; the passphrase, when the register has one."""

    def __init__(self, path: Path, key: bytes, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path, self._key = path, key
        self.setWindowTitle("Change the data key")
        self.setAccessibleName("Change the data key")
        layout = headed_column(
            self,
            "Change the data key",
            (
                "The register will be re-encrypted under a new key. You will be shown the new "
                "recovery key and asked to confirm it BEFORE the register is switched to it. "
                "Backups made before now still need the OLD recovery key: keep it until those "
                "backups are no longer needed."
            ),
        )
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName("Passphrase")
        self.needs_passphrase = has_passphrase_protector(path)
        if self.needs_passphrase:
            form = QFormLayout()
            add_row(
                form,
                "&Passphrase:",
                self.passphrase,
                "This register has a passphrase. Type it so it can be moved to the new key: "
                "it keeps working afterwards.",
            )
            form.addRow("", show_toggle(self.passphrase))
            layout.addLayout(form)
        self.error = _error_label()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox()
        self.continue_button = buttons.addButton(
            "&Continue", QDialogButtonBox.ButtonRole.AcceptRole
        )
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._continue)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(560, 260)

    def given_passphrase(self) -> str | None:
        return self.passphrase.text() if self.needs_passphrase else None

    def _continue(self) -> None:
        if self.needs_passphrase:
            try:
                unwrapped = read_passphrase_protector(self.path, self.passphrase.text())
            except PassphraseError as exc:
                self._problem(str(exc))
                return
            if not hmac.compare_digest(unwrapped, self._key):
                self._problem(
                    "The passphrase file does not hold this register's current key. Remove "
                    "the passphrase in Settings and set it again, then change the key."
                )
                return
        self.accept()

    def _problem(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()
        self.passphrase.setFocus()
        self.passphrase.selectAll()


class NewRecoveryKeyDialog(QDialog):
    """Shows the new recovery key and asks for one group back before the switch."""

    def __init__(
        self,
        recovery_key: str,
        *,
        register_name: str,
        register_id: str,
        organisation: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._recovery_key = recovery_key
        self._details = (register_name, register_id, organisation)
        self.groups = recovery_key_groups(recovery_key)
        self.group_number = secrets.randbelow(GROUP_COUNT) + 1
        self.setWindowTitle("Your new recovery key")
        self.setAccessibleName("Your new recovery key")

        self.key_label = QLabel("   ".join(self.groups[:6]) + "\n" + "   ".join(self.groups[6:]))
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPointSizeF(max(mono.pointSizeF(), 13))
        self.key_label.setFont(mono)
        self.key_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.key_label.setAccessibleName("New recovery key")
        self.key_label.setAccessibleDescription(
            ", ".join(f"group {i}: {' '.join(g)}" for i, g in enumerate(self.groups, start=1))
        )
        self.save_sheet_button = QPushButton("Save the recovery &sheet (PDF)…")
        self.save_sheet_button.clicked.connect(lambda: self._save_sheet())
        self.group_edit = QLineEdit()
        self.group_edit.setFont(mono)
        self.group_edit.setMaxLength(12)
        self.group_edit.setAccessibleName(f"Group {self.group_number} of the new recovery key")
        self.group_edit.textChanged.connect(lambda _text: self._check_group())
        self.error = _error_label()

        buttons = QDialogButtonBox()
        self.confirm_button = buttons.addButton(
            "S&witch to the new key", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.confirm_button.setEnabled(False)
        self.cancel_button = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        form = QFormLayout()
        add_row(
            form,
            f"Type &group {self.group_number}:",
            self.group_edit,
            "To make sure your copy is readable. Nothing is switched until you confirm; "
            "Cancel keeps the old key.",
        )
        layout = headed_column(
            self,
            "Print or write down the new recovery key now",
            (
                "The register has been re-encrypted into a copy but NOT switched yet: the old "
                "key still opens it. Once you confirm, only this new key (and your passphrase, "
                "if you set one) will open it. The old key opens only the kept old file and "
                "older backups."
            ),
        )
        layout.addWidget(self.key_label)
        sheet_row = QHBoxLayout()
        sheet_row.addWidget(self.save_sheet_button)
        sheet_row.addStretch(1)
        layout.addLayout(sheet_row)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.resize(640, 360)

    def _check_group(self) -> None:
        typed = normalise_group(self.group_edit.text())
        expected = self.groups[self.group_number - 1]
        self.confirm_button.setEnabled(hmac.compare_digest(typed, expected))
        if len(typed) >= len(expected) and typed != expected:
            self.error.setText(f"That is not group {self.group_number}: compare it with your copy.")
            self.error.show()
        else:
            self.error.hide()

    def _save_sheet(self) -> None:
        from nhsip_desktop.reports.recovery_sheet import write_recovery_sheet

        name, register_id, organisation = self._details
        chosen, _ = QFileDialog.getSaveFileName(
            self,
            "Save the recovery key sheet",
            str(Path.home() / f"{Path(name).stem}-new-recovery-key.pdf"),
            "PDF (*.pdf)",
        )
        if not chosen:
            return
        try:
            write_recovery_sheet(
                Path(chosen),
                recovery_key=self._recovery_key,
                organisation=organisation,
                register_name=name,
                register_id=register_id,
                created=dt.date.today(),
            )
        except (RegisterError, OSError) as exc:
            self.error.setText(f"The sheet was not saved: {exc}")
            self.error.show()
            return
        self.error.hide()
        self.save_sheet_button.setText(f"Saved: {Path(chosen).name}")


def change_key_in_app(window: MainWindow) -> None:
    """File > Change the data key: the whole journey (see the module docstring)."""
    session = window.session
    if not session.is_open or session.path is None or session.demo:
        return
    path, register = session.path, session.register
    old_key, register_id = register.data_key, register.register_id
    organisation = register.settings.all()["organisation"]
    start = KeyChangeDialog(path, old_key, window)
    if start.exec() != QDialog.DialogCode.Accepted:
        return
    passphrase = start.given_passphrase()
    actor = current_actor()
    session.lock()

    def confirm_new_key(new_key: bytes) -> bool:  # on the UI thread
        dialog = NewRecoveryKeyDialog(
            encode_recovery_key(new_key),
            register_name=path.name,
            register_id=register_id,
            organisation=organisation,
            parent=window,
        )
        return dialog.exec() == QDialog.DialogCode.Accepted

    def work(progress: Progress) -> ChangedKey:  # on a worker thread: plain data only
        def before_swap(new_key: bytes) -> None:
            # The copy is made; nothing is swapped until the person has confirmed the key.
            if not progress.ask(lambda: confirm_new_key(new_key)):
                raise KeyChangeError(
                    "The key was not changed: the new recovery key was not confirmed. The "
                    "register keeps its old key; the key just shown does not open it."
                )
            progress.report(0, 0, "Switching the register to the new key…")

        return change_data_key(
            path, old_key, actor=actor, before_swap=before_swap, passphrase=passphrase
        )

    outcome = run_in_background(
        window,
        "Re-encrypting the register under a new key. This can take a while for a large "
        "register; the window keeps responding meanwhile.",
        work,
        title="Changing the data key",
    )
    if not outcome.ok or outcome.value is None:
        QMessageBox.warning(window, "Key not changed", outcome.error)
        window.open_path(path)
        return
    changed = outcome.value
    from nhsip_desktop.store.unlock import open_register

    try:
        unlocked = open_register(path, actor=actor, key=changed.new_key)
    except RegisterError as exc:
        QMessageBox.warning(window, "Key changed, register not reopened", str(exc))
        return
    session.demo = False
    session.attach(unlocked.register)
    window.back_up_now()  # older backups need the old key: start a new generation now
    window.statusBar().showMessage(
        f"The key was changed. The old file is kept as {changed.replaced_path.name}; it and "
        "older backups open only with the old recovery key.",
        20_000,
    )
