"""Plain-English explanations of what went wrong when opening a register, and what to do next.

Used by the GUI (dialogs) so that every failure kind has its own heading and next step.
"""

from __future__ import annotations

from dataclasses import dataclass

from nhsip_desktop.core.errors import (
    DamagedLogError,
    DamagedRegisterError,
    KeyUnavailableError,
    NetworkDriveError,
    NewerRegisterError,
    NotARegisterError,
    PassphraseError,
    PathTooLongError,
    RecoveryKeyFormatError,
    RegisterError,
    WrongKeyError,
    WrongPassphraseError,
)


@dataclass(frozen=True)
class Explanation:
    heading: str
    detail: str
    next_step: str

    def as_text(self) -> str:
        return f"{self.heading}\n\n{self.detail}\n\nWhat to do next: {self.next_step}"


def explain_open_error(exc: BaseException) -> Explanation:
    detail = str(exc)
    if isinstance(exc, NotARegisterError):
        return Explanation(
            "This file is not an IP register",
            detail,
            "Choose the register's .nhsip file. Nothing in the file you chose was changed.",
        )
    if isinstance(exc, WrongKeyError):
        return Explanation(
            "That key does not open this register",
            detail,
            "Check that the recovery key sheet is the one for this register (its file name is "
            "printed on it), then type the key again. The register was not changed.",
        )
    if isinstance(exc, RecoveryKeyFormatError):
        return Explanation(
            "The recovery key looks mistyped",
            detail,
            "Compare each group of five characters with your printed sheet. Letters O and I are "
            "read as 0 and 1, and capitals do not matter.",
        )
    if isinstance(exc, WrongPassphraseError):
        return Explanation(
            "That passphrase is not right",
            detail,
            "Type it again, watching for Caps Lock; or use the recovery key instead.",
        )
    if isinstance(exc, PassphraseError):
        return Explanation("The passphrase cannot be used", detail, "Use the recovery key.")
    if isinstance(exc, DamagedLogError):
        return Explanation(
            "The register's change log is damaged",
            detail,
            "Do not delete the register or its '-wal' file. Restore the newest verified "
            "backup, and ask IT to keep both files for investigation.",
        )
    if isinstance(exc, DamagedRegisterError):
        return Explanation(
            "The register is damaged",
            detail,
            "Do not delete or overwrite the file. Restore the register from a backup, and ask "
            "IT to keep the damaged file for investigation.",
        )
    if isinstance(exc, NewerRegisterError):
        return Explanation(
            "This register needs a newer version of the app",
            detail,
            "Ask IT to install the latest version of nhsip-desktop. The register was not changed.",
        )
    if isinstance(exc, KeyUnavailableError):
        return Explanation(
            "This register needs its recovery key",
            detail,
            "Type the recovery key from the printed sheet (or the passphrase, if one was set).",
        )
    if isinstance(exc, PathTooLongError):
        return Explanation(
            "The register's location is too long",
            detail,
            "Move the register to a folder with a shorter path, or give it a shorter name. "
            "Nothing was written.",
        )
    if isinstance(exc, NetworkDriveError):
        return Explanation(
            "The register is in use on the network drive",
            detail,
            "Close it on the other computer, or copy the register to this computer's own disk "
            "and open that copy. Nothing was changed.",
        )
    from nhsip_desktop.store.lock import RegisterInUseError

    if isinstance(exc, RegisterInUseError):
        return Explanation(
            "This register is already open",
            detail,
            "Switch to the window that has it open, or close it there, then try again. Only "
            "one window at a time may change a register.",
        )
    if isinstance(exc, RegisterError):
        return Explanation("The register could not be opened", detail, "Try again, or ask IT.")
    return Explanation(
        "The register could not be opened",
        f"An unexpected problem occurred ({type(exc).__name__}).",
        "Try again; if it happens again, ask IT. The register was not changed.",
    )
