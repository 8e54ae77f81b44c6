"""Safe saving, as KeePassXC does it: write a temporary file beside the target, then rename.

The temporary file is created in the target's own folder (so the final ``os.replace`` is a
rename within one file system, which is atomic), written, flushed and synced to disk, and only
then moved over the target. If anything fails, the temporary file is removed and the target is
left exactly as it was: a complete old file, or none. Files are created readable and writable
by their owner only (0o600 on POSIX), because reports can hold confidential register content.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from nhsip_desktop.store.errors import RegisterError

__all__ = ["ReportWriteError", "atomic_write", "atomic_write_bytes"]

_DISK_FULL_ERRNOS = frozenset(
    code for code in (errno.ENOSPC, getattr(errno, "EDQUOT", None)) if code is not None
)


class ReportWriteError(RegisterError):
    """A report or export could not be saved; the target file was left as it was."""


def _disk_full(target: Path) -> ReportWriteError:
    return ReportWriteError(
        f"Not saved: the disk is full, so {target.name} could not be written to {target.parent}. "
        "Free some space or choose another folder, then try again."
    )


def _check_folder(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise ReportWriteError(
            f"Not saved: {folder} is a file, not a folder. Choose a folder, then try again."
        )
    if not folder.is_dir():
        raise ReportWriteError(
            f"Not saved: the folder {folder} does not exist. Choose another folder, or create "
            "it first, then try again."
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ReportWriteError(
            f"Not saved: you do not have permission to save files in the folder {folder}. "
            "Choose another folder, then try again."
        )


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX only; Windows has no directory handles for this)."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write(target: Path, write: Callable[[BinaryIO], None]) -> Path:
    """Save a file safely: ``write`` fills a temporary file, which then replaces ``target``.

    ``write`` receives a binary file open for writing and must not close it. Returns the
    target path. Raises ``ReportWriteError`` when the folder is missing or not writable, the
    disk is full, or the target cannot be replaced (for example, it is open in another program
    on Windows). Any other exception from ``write`` is re-raised unchanged. In every failure
    the temporary file is removed and an existing target is left untouched.
    """
    target = Path(target)
    folder = target.parent
    _check_folder(folder)
    try:
        fd, temp_name = tempfile.mkstemp(dir=folder, prefix="." + target.name + ".", suffix=".tmp")
    except OSError as error:
        if error.errno in _DISK_FULL_ERRNOS:
            raise _disk_full(target) from error
        raise ReportWriteError(
            f"Not saved: a file could not be created in the folder {folder} ({error.strerror}). "
            "Choose another folder, then try again."
        ) from error

    temp_path = Path(temp_name)
    try:
        try:
            handle = os.fdopen(fd, "wb")
        except BaseException:
            os.close(fd)
            raise
        with handle:
            if hasattr(os, "fchmod"):
                os.fchmod(handle.fileno(), 0o600)  # mkstemp does this already; make it explicit.
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.replace(temp_path, target)
        except OSError as error:
            if error.errno in _DISK_FULL_ERRNOS:
                raise
            raise ReportWriteError(
                f"Not saved: {target.name} in {folder} could not be replaced "
                f"({error.strerror}). If it is open in another program, close it and try again."
            ) from error
    except BaseException as error:
        with contextlib.suppress(OSError):
            temp_path.unlink()
        if isinstance(error, OSError) and error.errno in _DISK_FULL_ERRNOS:
            raise _disk_full(target) from error
        raise
    _sync_folder(folder)
    return target


def atomic_write_bytes(target: Path, data: bytes) -> Path:
    """Save ``data`` as the whole content of ``target``, safely (see ``atomic_write``)."""

    def write(handle: BinaryIO) -> None:
        handle.write(data)

    return atomic_write(target, write)
