"""What every ``nhsip-desktop`` sub-command shares: exit codes, output and opening a register.

``cli.py`` and the sub-command modules (``cli_form.py``, ``cli_policy.py``, ...) import these
public names; nothing imports the command line's private helpers.
"""

from __future__ import annotations

import sys
from pathlib import Path

from . import APP_NAME
from .appconfig import AppConfig, os_user
from .store.audit import Actor
from .store.register import Register
from .store.unlock import open_register, read_recovery_key_file

__all__ = [
    "EXIT_CHECK_FAILED",
    "EXIT_ERROR",
    "EXIT_OK",
    "actor",
    "fail",
    "open_for_command",
    "say",
]

EXIT_OK, EXIT_CHECK_FAILED, EXIT_ERROR = 0, 1, 2


def actor() -> Actor:
    """Who is running the command: the OS user, with the display name from the settings."""
    return Actor(os_user(), AppConfig.load().display_name)


def say(text: str) -> None:
    """Print one line of a command's output (flushed: IT staff pipe it into logs)."""
    print(text, flush=True)


def fail(text: str) -> int:
    """Print ``text`` as the command's error on stderr; returns ``EXIT_ERROR``."""
    print(f"{APP_NAME}: {text}", file=sys.stderr, flush=True)
    return EXIT_ERROR


def open_for_command(path: Path, recovery_key_file: Path | None) -> Register:
    """Open the register at ``path`` with the keyring key, or the recovery key file if given."""
    recovery = read_recovery_key_file(recovery_key_file) if recovery_key_file else None
    return open_register(path, actor=actor(), recovery_key=recovery).register
