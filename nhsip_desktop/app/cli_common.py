"""What every ``nhsip-desktop`` sub-command shares: exit codes, output and opening a register.

``cli.py`` and the sub-command modules (``cli_form.py``, ``cli_policy.py``, ...) import these
public names; nothing imports the command line's private helpers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from nhsip_desktop import APP_NAME
from nhsip_desktop.core.errors import PassphraseError

if TYPE_CHECKING:  # imported where used: each command loads only what it needs
    from nhsip_desktop.store.audit import Actor
    from nhsip_desktop.store.register import Register
    from nhsip_desktop.store.unlock import Unlocked

__all__ = [
    "EXIT_CHECK_FAILED",
    "EXIT_ERROR",
    "EXIT_OK",
    "actor",
    "add_key_file_option",
    "date_arg",
    "fail",
    "note",
    "open_for_command",
    "say",
]

EXIT_OK, EXIT_CHECK_FAILED, EXIT_ERROR = 0, 1, 2


def actor() -> Actor:
    """Who is running the command: the OS user, with the display name from the settings."""
    from nhsip_desktop.app.appconfig import AppConfig, os_user
    from nhsip_desktop.store.audit import Actor

    return Actor(os_user(), AppConfig.load().display_name)


def add_key_file_option(parser: argparse.ArgumentParser) -> None:
    """Give a command the ``--recovery-key-file`` option every command that opens a register has."""
    parser.add_argument("--recovery-key-file", type=Path, metavar="FILE")


def date_arg(text: str) -> dt.date:
    """A date given on the command line, dd/mm/yyyy (or yyyy-mm-dd): an argparse ``type``.
    "31/02/2026" is "not a real date", not a format problem (``dates.parse_date``)."""
    from nhsip_desktop.core.dates import parse_date

    try:
        parsed = parse_date(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
    if parsed is None:
        raise argparse.ArgumentTypeError("a date is needed: use dd/mm/yyyy")
    return parsed


def say(text: str) -> None:
    """Print one line of a command's output (flushed: IT staff pipe it into logs)."""
    print(text, flush=True)


def note(text: str) -> None:
    """Print a notice about the register itself on stderr (kept out of a command's output)."""
    print(f"{APP_NAME}: {text}", file=sys.stderr, flush=True)


def fail(text: str) -> int:
    """Print ``text`` as the command's error on stderr; returns ``EXIT_ERROR``."""
    print(f"{APP_NAME}: {text}", file=sys.stderr, flush=True)
    return EXIT_ERROR


_given: dict[str, str] = {}  # the passphrase read from standard input for this command


def begin(args: argparse.Namespace) -> None:
    """Read ``--passphrase-stdin`` once, before the command runs."""
    _given.clear()
    if getattr(args, "passphrase_stdin", False):
        line = sys.stdin.readline()
        passphrase = line.removesuffix("\n").removesuffix("\r")
        if not passphrase:
            raise PassphraseError("--passphrase-stdin was given but standard input was empty.")
        _given["passphrase"] = passphrase


def given_passphrase() -> str | None:
    return _given.get("passphrase")


def unlock(path: Path, recovery_key_file: Path | None) -> Unlocked:
    """Open a register from the keyring, a recovery key file or the stdin passphrase."""
    from nhsip_desktop.store.unlock import open_register, read_recovery_key_file

    recovery = read_recovery_key_file(recovery_key_file) if recovery_key_file else None
    passphrase = None if recovery is not None else given_passphrase()
    unlocked = open_register(path, actor=actor(), recovery_key=recovery, passphrase=passphrase)
    if unlocked.key_change_message:
        say(unlocked.key_change_message)
    if unlocked.register.storage_notice:
        note(unlocked.register.storage_notice)
    return unlocked


def open_for_command(path: Path, recovery_key_file: Path | None) -> Register:
    return unlock(path, recovery_key_file).register
