"""Settings: your display name (this computer) and the register's organisation settings."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from nhsip_desktop.appconfig import AppConfig
from nhsip_desktop.store.errors import RegisterError, ValidationError

from .session import RegisterSession
from .widgets import add_row


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
        self.error = QLabel()
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self.error.hide()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(14)
        layout.addWidget(you)
        layout.addWidget(org)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.resize(600, 400)

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
