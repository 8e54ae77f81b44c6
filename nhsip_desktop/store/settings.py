"""``register.settings``: organisation-wide settings kept (encrypted, audited) in the register."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .errors import ValidationError

if TYPE_CHECKING:
    from .register import Register

DEFAULTS: dict[str, Any] = {
    "organisation": "",
    "ods_code": "",
    # How staff reach the IP lead (name, email, phone): printed on the blank disclosure form.
    "ip_lead_contact": "",
    # Who signs letters to innovators, and how they reply: separate fields, so a letter
    # prints the name and role once each and "reply by email" gives the address.
    "ip_lead_name": "",
    "ip_lead_role": "",
    "ip_lead_email": "",
    "ip_lead_phone": "",
    "report_marking": "OFFICIAL-SENSITIVE: COMMERCIAL",
    "feedback_target_days": 30,
    "auto_lock_minutes": 10,
    "disclosure_alert_days": 30,
    "backup_every_hours": 12,
    "backup_keep": 10,
}

_LIMITS: dict[str, tuple[int, int]] = {
    "feedback_target_days": (1, 365),
    "auto_lock_minutes": (1, 240),
    "disclosure_alert_days": (1, 365),
    "backup_every_hours": (1, 168),
    "backup_keep": (2, 100),
}


def _validate(name: str, value: Any) -> Any:
    if name not in DEFAULTS:
        raise ValidationError(f"There is no setting called {name!r}.", name)
    if name in _LIMITS:
        low, high = _LIMITS[name]
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ValidationError("Enter a whole number.", name) from None
        if not low <= number <= high:
            raise ValidationError(f"Enter a whole number from {low} to {high}.", name)
        return number
    text = str(value).strip()
    if name == "report_marking" and not text:
        raise ValidationError("Reports need a marking, e.g. OFFICIAL-SENSITIVE.", name)
    if name == "ip_lead_email" and text and ("@" not in text or " " in text):
        raise ValidationError("Enter an email address, e.g. alex.morgan@nhs.net.", name)
    if len(text) > 200:
        raise ValidationError("Keep this under 200 characters.", name)
    return text


class SettingsManager:
    def __init__(self, register: Register) -> None:
        self._reg = register

    def all(self) -> dict[str, Any]:
        values = dict(DEFAULTS)
        for key, value in self._reg.conn.execute("SELECT key, value FROM settings"):
            if key in values:
                values[key] = json.loads(value)
        return values

    def get(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise ValidationError(f"There is no setting called {name!r}.", name)
        return self.all()[name]

    def update(self, **values: Any) -> dict[str, Any]:
        """Change settings in one audited transaction; returns the new settings."""
        clean = {name: _validate(name, value) for name, value in values.items()}
        with self._reg.transaction() as tx:
            current = self.all()
            for name, value in clean.items():
                if current[name] == value:
                    continue
                self._reg.conn.execute(
                    "INSERT INTO settings(key, value) VALUES (?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    (name, json.dumps(value)),
                )
                tx.audit("update", "setting", name, {name: [current[name], value]})
        return self.all()
