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


# Each failure kind with its heading and next step, most specific first: the first kind the
# error is an instance of explains it.
_OPEN_ERRORS: tuple[tuple[type[BaseException], str, str], ...] = (
    (
        NotARegisterError,
        "This file is not an IP register",
        "Choose the register's .nhsip file. Nothing in the file you chose was changed.",
    ),
    (
        WrongKeyError,
        "That key does not open this register",
        "Check that the recovery key sheet is the one for this register (its file name is "
        "printed on it), then type the key again. The register was not changed.",
    ),
    (
        RecoveryKeyFormatError,
        "The recovery key looks mistyped",
        "Compare each group of five characters with your printed sheet. Letters O and I are "
        "read as 0 and 1, and capitals do not matter.",
    ),
    (
        WrongPassphraseError,
        "That passphrase is not right",
        "Type it again, watching for Caps Lock; or use the recovery key instead.",
    ),
    (PassphraseError, "The passphrase cannot be used", "Use the recovery key."),
    (
        DamagedLogError,
        "The register's change log is damaged",
        "Do not delete the register or its '-wal' file. Restore the newest verified "
        "backup, and ask IT to keep both files for investigation.",
    ),
    (
        DamagedRegisterError,
        "The register is damaged",
        "Do not delete or overwrite the file. Restore the register from a backup, and ask "
        "IT to keep the damaged file for investigation.",
    ),
    (
        NewerRegisterError,
        "This register needs a newer version of the app",
        "Ask IT to install the latest version of nhsip-desktop. The register was not changed.",
    ),
    (
        KeyUnavailableError,
        "This register needs its recovery key",
        "Type the recovery key from the printed sheet (or the passphrase, if one was set).",
    ),
    (
        PathTooLongError,
        "The register's location is too long",
        "Move the register to a folder with a shorter path, or give it a shorter name. "
        "Nothing was written.",
    ),
    (
        NetworkDriveError,
        "The register is in use on the network drive",
        "Close it on the other computer, or copy the register to this computer's own disk "
        "and open that copy. Nothing was changed.",
    ),
)
_IN_USE = (
    "This register is already open",
    "Switch to the window that has it open, or close it there, then try again. Only "
    "one window at a time may change a register.",
)


def explain_open_error(exc: BaseException) -> Explanation:
    detail = str(exc)
    for kind, heading, next_step in _OPEN_ERRORS:
        if isinstance(exc, kind):
            return Explanation(heading, detail, next_step)
    from nhsip_desktop.store.lock import RegisterInUseError

    if isinstance(exc, RegisterInUseError):
        return Explanation(_IN_USE[0], detail, _IN_USE[1])
    if isinstance(exc, RegisterError):
        return Explanation("The register could not be opened", detail, "Try again, or ask IT.")
    return Explanation(
        "The register could not be opened",
        f"An unexpected problem occurred ({type(exc).__name__}).",
        "Try again; if it happens again, ask IT. The register was not changed.",
    )
