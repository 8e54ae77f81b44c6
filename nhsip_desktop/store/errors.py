"""The store's errors: they live on the ground floor, ``nhsip_desktop.errors``.

This module re-exports them so ``from nhsip_desktop.store.errors import ...`` keeps working.
"""

from __future__ import annotations

from ..errors import (
    DamagedRegisterError,
    FileWriteError,
    InsecureKeyringError,
    KeyringUnavailableError,
    KeyUnavailableError,
    NewerRegisterError,
    NotARegisterError,
    NotFoundError,
    PassphraseError,
    RecoveryKeyFormatError,
    RegisterError,
    RegisterLockedError,
    ReportWriteError,
    SaveFailedError,
    ValidationError,
    WrongKeyError,
    WrongPassphraseError,
)

__all__ = [
    "DamagedRegisterError",
    "FileWriteError",
    "InsecureKeyringError",
    "KeyUnavailableError",
    "KeyringUnavailableError",
    "NewerRegisterError",
    "NotARegisterError",
    "NotFoundError",
    "PassphraseError",
    "RecoveryKeyFormatError",
    "RegisterError",
    "RegisterLockedError",
    "ReportWriteError",
    "SaveFailedError",
    "ValidationError",
    "WrongKeyError",
    "WrongPassphraseError",
]
