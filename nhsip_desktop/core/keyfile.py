"""The recovery key as a text file: what ``init`` writes and what ``--recovery-key-file`` reads."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from pathlib import Path

from nhsip_desktop.core.safe_write import fsync_folder


def recovery_key_text(
    recovery_key: str, *, register_path: Path, register_id: str, organisation: str
) -> str:
    today = dt.date.today().strftime("%d/%m/%Y")
    return "\n".join(
        [
            "nhsip-desktop: register recovery key",
            "",
            f"Register file:  {register_path.name}",
            f"Register id:    {register_id}",
            f"Organisation:   {organisation or '(not set)'}",
            f"Created:        {today}",
            "",
            "Recovery key:",
            recovery_key,
            "",
            "This key opens the register on any computer, even if the computer's keyring",
            "is lost. Anyone holding it and a copy of the register can read every case.",
            "Print it or keep it somewhere safe, apart from the register and its backups",
            "(for example in the trust's safe or password manager), then delete this file.",
            "",
        ]
    )


def write_private_file(path: Path, text: str) -> None:
    """Create ``path`` readable by its owner only. Refuses to overwrite an existing file."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError:
        raise FileExistsError(
            f"{path} already exists; it was not overwritten. Choose another file name."
        ) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise
    fsync_folder(path.parent)  # the new name survives a power cut too
