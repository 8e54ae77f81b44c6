"""The store's errors: they live on the ground floor, ``nhsip_desktop.core.errors``.

This module re-exports them so ``from nhsip_desktop.store.errors import ...`` keeps working.
"""

from __future__ import annotations

from nhsip_desktop.core.errors import (
    DamagedLogError,
    DamagedRegisterError,
    FileWriteError,
    InsecureKeyringError,
    KeyringUnavailableError,
    KeyUnavailableError,
    MalformedKeyringEntryError,
    NetworkDriveError,
    NewerRegisterError,
    NotARegisterError,
    NotFoundError,
    PassphraseError,
    PathTooLongError,
    RecoveryKeyFormatError,
    RegisterError,
    RegisterLockedError,
    ReportWriteError,
    SaveFailedError,
    StaleKeyringEntryError,
    ValidationError,
    WrongKeyError,
    WrongPassphraseError,
)

__all__ = [
    "DamagedLogError",
    "DamagedRegisterError",
    "FileWriteError",
    "InsecureKeyringError",
    "KeyUnavailableError",
    "KeyringUnavailableError",
    "MalformedKeyringEntryError",
    "NetworkDriveError",
    "NewerRegisterError",
    "NotARegisterError",
    "NotFoundError",
    "PassphraseError",
    "PathTooLongError",
    "RecoveryKeyFormatError",
    "RegisterError",
    "RegisterLockedError",
    "ReportWriteError",
    "SaveFailedError",
    "StaleKeyringEntryError",
    "ValidationError",
    "WrongKeyError",
    "WrongPassphraseError",
]
