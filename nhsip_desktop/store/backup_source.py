"""A register's automatic backup, made away from the thread that uses the register.

The window must not freeze while a large register is copied and verified (about 3 s at
100,000 cases). :func:`backup_source` is called on the register's own thread and gathers what
a backup needs; :meth:`BackupSource.backup_if_due` then runs on a worker thread with a
connection of its own (one connection is never used by two threads at once): it takes the
register's write lock through that connection while the pages are copied (a save made
meanwhile waits, as for any writer), then verifies the copy and prunes old backups without
holding anything. The register's one raw descriptor is borrowed, never opened or closed here
(closing a descriptor on the file would drop SQLite's locks on Linux and macOS); the register
must stay open until the worker has finished.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

from nhsip_desktop.store import sqlcipher

from .backups import BackupInfo, backup_if_due

if TYPE_CHECKING:
    from .header import RegisterHeader
    from .register import Register


@dataclass
class BackupSource:
    """What :func:`~.backups.backup_if_due` reads of a register, with its own connection."""

    path: Path
    data_key: bytes
    header: RegisterHeader
    _raw_fd: int
    conn: sqlcipher.Connection | None = None

    def raw_descriptor(self) -> int:
        return self._raw_fd

    def backup_if_due(
        self,
        *,
        every_hours: float,
        keep: int,
        reason: str,
        folder: Path | None = None,
        now: dt.datetime | None = None,
    ) -> BackupInfo | None:
        """:func:`~.backups.backup_if_due` through a connection opened (and closed) on the
        calling thread. Raises :class:`~.backups.BackupError` like it."""
        self.conn = sqlcipher.connect(self.path, self.data_key, self.header.salt)
        try:
            self.conn.execute("PRAGMA busy_timeout = 5000")
            self.conn.execute("PRAGMA cipher_log_level = NONE")
            # Duck-typed: backups reads path, data_key, header.salt, conn, raw_descriptor().
            return backup_if_due(
                cast("Register", self),
                every_hours=every_hours,
                keep=keep,
                reason=reason,
                folder=folder,
                now=now,
            )
        finally:
            conn, self.conn = self.conn, None
            with contextlib.suppress(sqlcipher.DatabaseError):
                conn.close()


def backup_source(register: Register) -> BackupSource:
    """Gather, on the register's own thread, what a backup on another thread needs."""
    return BackupSource(
        register.path, register.data_key, register.header, register.raw_descriptor()
    )
