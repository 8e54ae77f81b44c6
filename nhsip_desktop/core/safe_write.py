"""Safe file writing, in one place: a complete new file, or the old one untouched and no litter.

Every file the app writes outside the register itself (reports, exports, key files, settings,
refusal reports, attachments saved out) and every prepared file or folder it swaps into place
(backups, restores, key changes, a new register) goes through this module:

- ``atomic_write`` / ``atomic_write_bytes`` / ``atomic_write_text``: write a temporary file in
  the target's own folder (so the rename stays within one file system, which is atomic), flush
  and sync it to disk, rename it over the target, then sync the folder so the rename itself
  survives a power cut. Created readable and writable by the owner only (0o600 on POSIX).
  Failures raise ``FileWriteError`` (``errors.py``) with a sentence the user can act on;
  the temporary file is removed and an existing target is left exactly as it was.
- ``install``: sync a prepared temporary file or folder, rename it over the target, sync the
  folder. ``replace``: the rename alone. ``fsync_file``, ``fsync_folder``: the syncs alone.

On Windows a rename onto a file that another program has open briefly (antivirus, the search
indexer, OneDrive) fails with a sharing violation (``PermissionError`` with ``winerror`` 5 or
32). ``replace`` (and so everything here) tries again a few times with a short back-off,
about one and a half seconds in all, before giving up with the last error.

Standard library only: this is the ground floor, importable from every layer.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from nhsip_desktop.core.errors import FileWriteError

__all__ = [
    "RETRY_DELAYS",
    "SHARING_VIOLATION_WINERRORS",
    "FileWriteError",
    "atomic_write",
    "atomic_write_bytes",
    "atomic_write_text",
    "fsync_file",
    "fsync_folder",
    "install",
    "is_sharing_violation",
    "replace",
]

# ERROR_ACCESS_DENIED (5) and ERROR_SHARING_VIOLATION (32): what Windows reports when another
# program holds the file for a moment.
SHARING_VIOLATION_WINERRORS = frozenset({5, 32})
# Seconds to wait before each retry of a refused rename (about 1.5 s in all).
RETRY_DELAYS: tuple[float, ...] = (0.05, 0.1, 0.2, 0.4, 0.8)

_DISK_FULL_ERRNOS = frozenset(
    code for code in (errno.ENOSPC, getattr(errno, "EDQUOT", None)) if code is not None
)

_sleep = time.sleep  # tests replace this to avoid waiting


def is_sharing_violation(error: BaseException) -> bool:
    """True for Windows' "file in use by another program" refusals (winerror 5 or 32)."""
    return (
        isinstance(error, PermissionError)
        and getattr(error, "winerror", None) in SHARING_VIOLATION_WINERRORS
    )


def replace(source: Path | str, target: Path | str) -> None:
    """``os.replace(source, target)``, retried while Windows reports a sharing violation.

    Any other error, or a sharing violation that outlasts ``RETRY_DELAYS``, is raised as it
    is (an ``OSError``); ``source`` and ``target`` are then as they were.
    """
    for delay in RETRY_DELAYS:
        try:
            os.replace(source, target)
        except PermissionError as error:
            if not is_sharing_violation(error):
                raise
            _sleep(delay)
        else:
            return
    os.replace(source, target)


def fsync_file(path: Path | str) -> None:
    """Flush ``path``'s content to the disk (opened for writing: Windows needs that to flush)."""
    descriptor = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def fsync_folder(folder: Path | str) -> None:
    """Flush a folder's entries, so a rename or deletion in it survives a power cut.

    POSIX only (Windows has no folder handles for this and makes renames durable itself);
    a file system that cannot sync a folder is not an error.
    """
    if os.name != "posix":
        return
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(descriptor)
    finally:
        os.close(descriptor)


def install(prepared: Path, target: Path) -> None:
    """Move a prepared temporary file or folder into place as ``target``, durably.

    The prepared file (or each file directly in the prepared folder, and the folder) is
    synced to disk, renamed over ``target`` with ``replace`` and the target's folder synced.
    ``prepared`` must be in the target's folder. Raises ``OSError`` as ``replace`` does;
    the caller removes ``prepared`` on failure.
    """
    prepared, target = Path(prepared), Path(target)
    if prepared.is_dir():
        for child in prepared.iterdir():
            if child.is_file():
                fsync_file(child)
        fsync_folder(prepared)
    else:
        fsync_file(prepared)
    replace(prepared, target)
    fsync_folder(target.parent)


def _disk_full(target: Path) -> FileWriteError:
    return FileWriteError(
        f"Not saved: the disk is full, so {target.name} could not be written to {target.parent}. "
        "Free some space or choose another folder, then try again."
    )


def _check_folder(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise FileWriteError(
            f"Not saved: {folder} is a file, not a folder. Choose a folder, then try again."
        )
    if not folder.is_dir():
        raise FileWriteError(
            f"Not saved: the folder {folder} does not exist. Choose another folder, or create "
            "it first, then try again."
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise FileWriteError(
            f"Not saved: you do not have permission to save files in the folder {folder}. "
            "Choose another folder, then try again."
        )


def atomic_write(target: Path | str, write: Callable[[BinaryIO], None]) -> Path:
    """Save a file safely: ``write`` fills a temporary file, which then replaces ``target``.

    ``write`` receives a binary file open for writing and must not close it. Returns the
    target path. Raises ``FileWriteError`` when the folder is missing or not writable, the
    disk is full, or the target cannot be replaced (for example, it is open in another program
    on Windows, even after the retries). Any other exception from ``write`` is re-raised
    unchanged. In every failure the temporary file is removed and an existing target is left
    untouched.
    """
    target = Path(target)
    folder = target.parent
    _check_folder(folder)
    try:
        fd, temp_name = tempfile.mkstemp(dir=folder, prefix="." + target.name + ".", suffix=".tmp")
    except OSError as error:
        if error.errno in _DISK_FULL_ERRNOS:
            raise _disk_full(target) from error
        raise FileWriteError(
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
            replace(temp_path, target)
        except OSError as error:
            if error.errno in _DISK_FULL_ERRNOS:
                raise
            held = (
                " Another program (for example antivirus, the search indexer or OneDrive) was "
                "holding it."
                if is_sharing_violation(error)
                else ""
            )
            raise FileWriteError(
                f"Not saved: {target.name} in {folder} could not be replaced "
                f"({error.strerror}).{held} If it is open in another program, close it and try "
                "again."
            ) from error
    except BaseException as error:
        with contextlib.suppress(OSError):
            temp_path.unlink()
        if isinstance(error, OSError) and error.errno in _DISK_FULL_ERRNOS:
            raise _disk_full(target) from error
        raise
    fsync_folder(folder)
    return target


def atomic_write_bytes(target: Path | str, data: bytes) -> Path:
    """Save ``data`` as the whole content of ``target``, safely (see ``atomic_write``)."""

    def write(handle: BinaryIO) -> None:
        handle.write(data)

    return atomic_write(target, write)


def atomic_write_text(target: Path | str, text: str, *, encoding: str = "utf-8") -> Path:
    """Save ``text`` as the whole content of ``target``, safely (see ``atomic_write``).

    Line endings are written as given (no translation), so the file is the same everywhere.
    """
    return atomic_write_bytes(target, text.encode(encoding))
