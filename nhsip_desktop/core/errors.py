"""Every error the app raises on purpose, each with a message a non-specialist can act on.

The ground floor: standard library only, imported by every layer (domain, store, reports,
command line, UI). ``nhsip_desktop.store.errors`` re-exports these names.

The UI and the command line show ``str(error)`` as it is, so messages are complete sentences
in plain British English and say what to do next. They never contain key material or
register content.
"""

from __future__ import annotations


class RegisterError(Exception):
    """Base class for every problem with a register."""


class NotARegisterError(RegisterError):
    """The file is not an IP register at all (another kind of file, or empty)."""


class WrongKeyError(RegisterError):
    """The key offered does not belong to this register."""


class DamagedRegisterError(RegisterError):
    """The file is a register, the key is right, but its content fails a check."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class DamagedLogError(DamagedRegisterError):
    """The register's write-ahead log is damaged in the middle: committed changes in it
    cannot be read. The log is kept untouched; ``backup`` names the newest verified backup,
    when one was found."""

    def __init__(self, message: str, problems: list[str], lost_commits: int) -> None:
        super().__init__(message, problems)
        self.lost_commits = lost_commits
        self.backup: object | None = None  # a store.backups.BackupInfo, set by Register.open


class NewerRegisterError(RegisterError):
    """The register was written by a newer version of the app."""

    def __init__(self, message: str, unknown_migrations: list[str]) -> None:
        super().__init__(message)
        self.unknown_migrations = unknown_migrations


class RegisterLockedError(RegisterError):
    """The register is closed or locked; unlock it before use."""


class RecoveryKeyFormatError(RegisterError):
    """A recovery key was mistyped: wrong length, characters or checksum."""


class KeyUnavailableError(RegisterError):
    """No key could be found for the register (no keyring entry, no recovery key given)."""


class KeyringUnavailableError(KeyUnavailableError):
    """The operating system's keyring cannot be used on this machine."""


class InsecureKeyringError(KeyUnavailableError):
    """The active keyring backend stores secrets in plain text, so it is refused."""


class MalformedKeyringEntryError(KeyUnavailableError):
    """The keyring's entry for the register is not a key (damaged or changed elsewhere)."""


class StaleKeyringEntryError(KeyUnavailableError):
    """The keyring holds a key that does not open the register (changed key, restored backup)."""


class PathTooLongError(RegisterError):
    """The register's path, or a name the app makes beside it (backups, the copy kept after a
    key change, temporary files), is too long for the computer; nothing was written."""


class NetworkDriveError(RegisterError):
    """The register is on a network drive and cannot be opened there safely."""


class PassphraseError(RegisterError):
    """A passphrase protector problem: wrong passphrase or an unreadable protector file."""


class WrongPassphraseError(PassphraseError):
    """The passphrase does not unlock this register's passphrase protector."""


class ValidationError(RegisterError):
    """A record failed validation; ``field`` names the field at fault when there is one.

    ``problems`` holds ``(field, message)`` pairs when several fields are at fault, so a form
    can show each message beside its own field.
    """

    def __init__(
        self, message: str, field: str | None = None, problems: list[tuple[str, str]] | None = None
    ) -> None:
        super().__init__(message)
        self.field = field
        self.problems = problems or ([(field, message)] if field else [])


class NotFoundError(RegisterError):
    """A record asked for does not exist in the register."""


class SaveFailedError(RegisterError):
    """A change could not be saved (for example the disk is full); nothing was changed."""


class FileWriteError(SaveFailedError):
    """A file (report, export, settings, key file) could not be saved; the target was left as
    it was. Raised by ``nhsip_desktop.core.safe_write``."""


# The name reports, exports and the UI have always caught; the same class.
ReportWriteError = FileWriteError
