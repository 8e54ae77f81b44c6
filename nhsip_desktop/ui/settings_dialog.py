"""Settings: your display name (this computer), the register's organisation settings, and
Security: the register's passphrase (set, change, remove) and where its key is kept."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from nhsip_desktop.app.appconfig import AppConfig
from nhsip_desktop.store.errors import RegisterError, ValidationError
from nhsip_desktop.store.keystore import (
    MIN_PASSPHRASE_LENGTH,
    has_passphrase_protector,
    keyring_problem,
)
from nhsip_desktop.store.unlock import remove_passphrase, set_passphrase

from .session import RegisterSession
from .unlock import show_toggle
from .widgets import add_row


class SecurityBox(QGroupBox):
    """Settings -> Security: set, change or remove the register's passphrase.

    The passphrase unlocks the register on any computer where the keyring cannot be used;
    each change is recorded in the audit trail (before the passphrase file is written).
    """

    def __init__(self, session: RegisterSession, parent: QWidget | None = None) -> None:
        super().__init__("Security: how this register is unlocked", parent)
        self.session = session
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Passphrase status")
        problem = keyring_problem()
        self.keyring_status = QLabel(
            "This computer's keyring keeps the register's key, so it opens without a key here."
            if problem is None
            else f"The keyring cannot be used here: {problem}"
        )
        self.keyring_status.setWordWrap(True)
        self.keyring_status.setAccessibleName("Keyring status")
        self.new_passphrase = QLineEdit()
        self.new_passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat_passphrase = QLineEdit()
        self.repeat_passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.show_passphrase = show_toggle(self.new_passphrase)
        self.show_passphrase.toggled.connect(
            lambda shown: self.repeat_passphrase.setEchoMode(
                QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
            )
        )
        self.set_button = QPushButton()
        self.set_button.clicked.connect(lambda: self.set_passphrase())
        self.remove_button = QPushButton("&Remove passphrase…")
        self.remove_button.clicked.connect(lambda: self.remove_passphrase())
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Security message")
        self.message.hide()

        form = QFormLayout(self)
        form.addRow(self.status)
        form.addRow(self.keyring_status)
        add_row(
            form,
            "&New passphrase:",
            self.new_passphrase,
            f"At least {MIN_PASSPHRASE_LENGTH} characters; a short sentence works well. It "
            "unlocks the register on any computer, like the recovery key: keep it as safe.",
        )
        add_row(form, "Type it a&gain:", self.repeat_passphrase)
        row = QHBoxLayout()
        row.addWidget(self.show_passphrase)
        row.addStretch(1)
        row.addWidget(self.set_button)
        row.addWidget(self.remove_button)
        form.addRow("", row)
        form.addRow(self.message)
        enabled = session.is_open and not session.demo
        for widget in (self.new_passphrase, self.repeat_passphrase, self.set_button):
            widget.setEnabled(enabled)
        self._refresh()

    def _has_passphrase(self) -> bool:
        path = self.session.path
        return path is not None and has_passphrase_protector(path)

    def _refresh(self) -> None:
        has = self._has_passphrase()
        self.status.setText(
            "A passphrase is set: it unlocks this register when the keyring cannot be used."
            if has
            else "No passphrase is set: without the keyring, unlocking needs the recovery key."
        )
        self.set_button.setText("&Change passphrase" if has else "&Set passphrase")
        self.remove_button.setEnabled(has and not self.session.demo)

    def _say(self, text: str, *, problem: bool) -> None:
        self.message.setObjectName("errorText" if problem else "")
        self.message.setText(text)
        self.message.show()
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)

    def set_passphrase(self) -> bool:
        first, second = self.new_passphrase.text(), self.repeat_passphrase.text()
        if first != second:
            self._say("The two passphrases are different: type them again.", problem=True)
            return False
        changing = self._has_passphrase()
        try:
            set_passphrase(self.session.register, first)
        except RegisterError as exc:
            self._say(f"Not set: {exc}", problem=True)
            return False
        self.new_passphrase.clear()
        self.repeat_passphrase.clear()
        self._refresh()
        self._say(
            "Passphrase changed."
            if changing
            else "Passphrase set: it now unlocks this "
            "register. Keep the recovery key as well: it is the way back in if the "
            "passphrase is forgotten.",
            problem=False,
        )
        return True

    def remove_passphrase(self) -> bool:
        answer = QMessageBox.question(
            self,
            "Remove the passphrase?",
            "The passphrase will no longer unlock this register. Without the keyring, "
            "only the recovery key will.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return False
        try:
            remove_passphrase(self.session.register)
        except RegisterError as exc:
            self._say(f"Not removed: {exc}", problem=True)
            return False
        self._refresh()
        self._say("Passphrase removed.", problem=False)
        return True


class SettingsDialog(QDialog):
    def __init__(self, session: RegisterSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setWindowTitle("Settings")
        self.setAccessibleName("Settings")
        values = session.register.settings.all()
        self.config = AppConfig.load()

        self.display_name = QLineEdit(self.config.display_name)
        self.organisation = QLineEdit(values["organisation"])
        self.ods_code = QLineEdit(values["ods_code"])
        self.marking = QLineEdit(values["report_marking"])
        self.ip_lead_contact = QLineEdit(values["ip_lead_contact"])
        self.ip_lead_contact.setPlaceholderText("e.g. Alex Morgan, innovation lead, 01234 567890")
        self.ip_lead_name = QLineEdit(values["ip_lead_name"])
        self.ip_lead_name.setPlaceholderText("e.g. Dr Alex Morgan")
        self.ip_lead_role = QLineEdit(values["ip_lead_role"])
        self.ip_lead_role.setPlaceholderText("Innovation and IP lead")
        self.ip_lead_email = QLineEdit(values["ip_lead_email"])
        self.ip_lead_phone = QLineEdit(values["ip_lead_phone"])
        self.auto_lock = QSpinBox()
        self.auto_lock.setRange(1, 240)
        self.auto_lock.setSuffix(" minutes")
        self.auto_lock.setValue(int(values["auto_lock_minutes"]))
        self.feedback_days = QSpinBox()
        self.feedback_days.setRange(1, 365)
        self.feedback_days.setSuffix(" days")
        self.feedback_days.setValue(int(values["feedback_target_days"]))
        self.alert_days = QSpinBox()
        self.alert_days.setRange(1, 365)
        self.alert_days.setSuffix(" days")
        self.alert_days.setValue(int(values["disclosure_alert_days"]))
        self.backup_hours = QSpinBox()
        self.backup_hours.setRange(1, 168)
        self.backup_hours.setSuffix(" hours")
        self.backup_hours.setValue(int(values["backup_every_hours"]))
        self.backup_keep = QSpinBox()
        self.backup_keep.setRange(2, 100)
        self.backup_keep.setSuffix(" backups")
        self.backup_keep.setValue(int(values["backup_keep"]))

        you = QGroupBox("You, on this computer")
        you_form = QFormLayout(you)
        add_row(
            you_form,
            "&Display name:",
            self.display_name,
            "Shown in the audit trail beside your computer user name.",
        )

        org = QGroupBox("This register (saved in the register and recorded in its audit trail)")
        form = QFormLayout(org)
        add_row(form, "&Organisation:", self.organisation)
        add_row(form, "O&DS code:", self.ods_code, "Optional, e.g. RXX.")
        add_row(
            form,
            "IP lead &contact:",
            self.ip_lead_contact,
            "How staff reach you in confidence (name, email, phone): printed on the blank "
            "disclosure form (step 4).",
        )
        add_row(
            form,
            "IP lead's &name:",
            self.ip_lead_name,
            "Signs feedback letters and is named on innovators' statements.",
        )
        add_row(form, "IP lead's &role:", self.ip_lead_role, "Printed once, under the name.")
        add_row(form, "IP lead's &email:", self.ip_lead_email, "Where innovators reply.")
        add_row(form, "IP lead's tele&phone:", self.ip_lead_phone)
        add_row(
            form,
            "Report &marking:",
            self.marking,
            "Printed in the header and footer of every report.",
        )
        add_row(
            form,
            "&Lock after idle for:",
            self.auto_lock,
            "The register closes and needs unlocking after this much inactivity.",
        )
        add_row(
            form,
            "&Feedback target:",
            self.feedback_days,
            "How soon innovators should hear back after a disclosure (step 5).",
        )
        add_row(
            form,
            "&Alert before a planned disclosure:",
            self.alert_days,
            "How far ahead a planned talk, poster or paper raises an urgent alert for an "
            "invention or design (step 4).",
        )
        add_row(
            form,
            "&Back up at most every:",
            self.backup_hours,
            "A verified, encrypted backup is made when the register opens and closes, "
            "at most this often.",
        )
        add_row(form, "&Keep:", self.backup_keep, "Older backups are removed beyond this number.")
        self.security = SecurityBox(session)
        self.error = QLabel()
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self.error.hide()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        # Two columns, so that the dialog fits a 1366x768 laptop's screen (issue 20 item 4).
        left = QVBoxLayout()
        left.setSpacing(14)
        left.addWidget(org)
        left.addStretch(1)
        right = QVBoxLayout()
        right.setSpacing(14)
        right.addWidget(you)
        right.addWidget(self.security)
        right.addWidget(self.error)
        right.addStretch(1)
        columns = QHBoxLayout()
        columns.setSpacing(16)
        columns.addLayout(left, 1)
        columns.addLayout(right, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(14)
        layout.addLayout(columns, 1)
        layout.addWidget(buttons)
        self.resize(1060, 480)

    def save(self) -> bool:
        try:
            self.session.register.settings.update(
                organisation=self.organisation.text(),
                ods_code=self.ods_code.text().upper(),
                ip_lead_contact=self.ip_lead_contact.text(),
                ip_lead_name=self.ip_lead_name.text(),
                ip_lead_role=self.ip_lead_role.text(),
                ip_lead_email=self.ip_lead_email.text(),
                ip_lead_phone=self.ip_lead_phone.text(),
                report_marking=self.marking.text(),
                auto_lock_minutes=self.auto_lock.value(),
                feedback_target_days=self.feedback_days.value(),
                disclosure_alert_days=self.alert_days.value(),
                backup_every_hours=self.backup_hours.value(),
                backup_keep=self.backup_keep.value(),
            )
        except ValidationError as exc:
            self.error.setText(f"Not saved: {exc}")
            self.error.show()
            return False
        except RegisterError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return False
        self.config.display_name = self.display_name.text().strip()
        self.config.save()
        self.accept()
        return True
