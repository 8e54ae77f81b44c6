"""The open register, used from a worker thread through a connection of its own.

A report, an export or an import can take seconds at 100,000 cases; the window must keep
answering meanwhile, so the work runs on a worker thread. One SQLite connection is never used
by two threads at once, so the worker gets a :class:`RegisterTicket` (plain data, gathered on
the register's own thread by :func:`ticket_for`) and opens, on its own thread, a second
:class:`~.register.Register` over the same file with :meth:`RegisterTicket.open`:

- its own keyed connection (writes take the write lock like any writer and wait behind a save
  made meanwhile; the audit chain's head is read from the file in each transaction, so rows
  written by either connection chain correctly);
- the owner's lock file and raw descriptor are borrowed, never taken, opened or closed
  (closing a descriptor on the file would drop SQLite's locks on Linux and macOS): the owner
  must stay open until the worker has closed its register;
- the changes it commits are collected and handed to the owner's subscribers by
  :meth:`RegisterTicket.deliver`, called back on the owner's thread, so every view refreshes
  as after a change made there.

A register on a network drive is held by its one connection (exclusive locking): there
:attr:`RegisterTicket.shared` is False and the work must run on the owner's thread.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from nhsip_desktop.store import sqlcipher

from .audit import Actor

if TYPE_CHECKING:
    from .header import RegisterHeader
    from .register import Changes, Register


@dataclass
class RegisterTicket:
    """What a worker thread needs to open its own register over an open one."""

    path: Path
    data_key: bytes
    header: RegisterHeader
    actor: Actor
    shared: bool  # False on a network drive: only the owner's connection may be used
    _raw_fd: int
    _notify: Callable[[Changes], None]
    changes: list[Changes] = field(default_factory=list)

    @contextlib.contextmanager
    def open(self) -> Iterator[Register]:
        """A register with its own connection, for the calling thread only; closed after."""
        from .register import Register

        if not self.shared:
            raise RuntimeError("this register is held by its own connection (network drive)")
        conn = sqlcipher.connect(self.path, self.data_key, self.header.salt)
        try:
            sqlcipher.configure(conn, readonly=False)
            register = Register(self.path, self.header, self.data_key, conn, self.actor)
        except BaseException:
            conn.close()
            raise
        register._raw_fd = self._raw_fd  # borrowed: see the module's notes
        register.subscribe(self.changes.append)
        try:
            yield register
        finally:
            register._raw_fd = None  # never closed here
            register._conn = None
            register._key = None
            with contextlib.suppress(sqlcipher.DatabaseError):
                conn.close()

    def deliver(self) -> None:
        """Hand the changes committed on the worker to the owner's subscribers (call this on
        the owner's thread, once the work has finished)."""
        changes, self.changes = self.changes, []
        for change in changes:
            self._notify(change)


def ticket_for(register: Register) -> RegisterTicket:
    """Gather, on the register's own thread, what a worker needs to open its own register."""
    return RegisterTicket(
        register.path,
        register.data_key,
        register.header,
        register.actor,
        not register.storage_notice,
        register.raw_descriptor(),
        register._notify,
    )
