"""Files kept inside the encrypted register: one helper for every table of stored file bytes.

A case's attachments (``attachments``) and an agreement's documents (``agreement_files``) are
kept the same way: a row with its owner, name, size, SHA-256, content and time added, up to
:data:`MAX_FILE_BYTES`. :class:`BlobTable` is that way, once; the managers add what is theirs
(the owner's reference, the audit record kind, who to tell of the change). A file's content
leaves the register only through :func:`export_checked`, checked against its SHA-256 and
recorded in the audit trail.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nhsip_desktop.core.safe_write import atomic_write_bytes

from .audit import utc_now
from .errors import NotFoundError, ValidationError

if TYPE_CHECKING:
    from .register import Register
    from .sqlcipher import Connection

__all__ = ["MAX_FILE_BYTES", "BlobTable", "StoredFile", "export_checked", "size_text"]

MAX_FILE_BYTES = 25 * 1024 * 1024


def size_text(size: int) -> str:
    """A file's size as a person reads it: bytes, KB or MB."""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


class StoredFile:
    """What every stored file's description shares (mixed into the managers' frozen
    dataclasses, whose fields are ``id, <owner>_id, name, size, sha256, added_at``)."""

    name: str
    size: int
    sha256: str

    @property
    def size_text(self) -> str:
        return size_text(self.size)

    def removed(self) -> dict[str, Any]:
        """The audit record of removing this file: its name and hash, before and after."""
        return {"name": [self.name, None], "sha256": [self.sha256, None]}


@dataclass(frozen=True)
class BlobTable:
    """One table of stored files: ``table(id, <owner>, name, size, sha256, content, added_at)``.

    ``what`` names one of its files in messages ("attachment"); ``larger_files`` says where
    to note a file too large to keep ("the summary")."""

    table: str
    owner: str
    what: str
    larger_files: str

    @property
    def _columns(self) -> str:
        return f"id, {self.owner}, name, size, sha256, added_at"

    def clean_name(self, name: str) -> str:
        """The file's own name (no folders), refused when empty."""
        name = Path(name).name.strip()
        if not name:
            raise ValidationError("The file needs a name.", "name")
        return name

    def check_size(self, name: str, size: int) -> None:
        if size > MAX_FILE_BYTES:
            raise ValidationError(
                f"{name} is {size / 1024 / 1024:.1f} MB; files up to "
                f"{MAX_FILE_BYTES // 1024 // 1024} MB can be kept in the register. Keep larger "
                f"files on a secure shared drive and note where they are in {self.larger_files}.",
                "content",
            )

    def insert(
        self, conn: Connection, owner_id: int, name: str, content: bytes
    ) -> tuple[int, dict[str, Any]]:
        """Store the bytes (inside the caller's transaction); the new row's id and the audit
        record of the insert (name, size and SHA-256). ``name`` is cleaned and the size checked
        first."""
        name = self.clean_name(name)
        self.check_size(name, len(content))
        digest = hashlib.sha256(content).hexdigest()
        cur = conn.execute(
            f"INSERT INTO {self.table}({self.owner}, name, size, sha256, content, added_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (owner_id, name, len(content), digest, content, utc_now()),
        )
        record = {"name": [None, name], "size": [None, len(content)], "sha256": [None, digest]}
        return int(cur.lastrowid), record

    def read_path(self, path: Path) -> tuple[str, bytes]:
        """The name and bytes of the file at ``path``; its size is checked before it is read."""
        self.check_size(path.name, path.stat().st_size)
        return path.name, path.read_bytes()

    def row(self, conn: Connection, blob_id: int) -> tuple[Any, ...]:
        """``(id, owner id, name, size, sha256, added_at)`` of one file, without its content."""
        row = conn.execute(
            f"SELECT {self._columns} FROM {self.table} WHERE id = ?", (blob_id,)
        ).fetchone()
        if row is None:
            raise NotFoundError(f"There is no {self.what} {blob_id}.")
        return tuple(row)

    def rows(self, conn: Connection, owner_id: int) -> list[tuple[Any, ...]]:
        """The owner's files, as :meth:`row`, oldest first."""
        rows = conn.execute(
            f"SELECT {self._columns} FROM {self.table} WHERE {self.owner} = ? ORDER BY id",
            (owner_id,),
        ).fetchall()
        return [tuple(r) for r in rows]

    def content(self, conn: Connection, blob_id: int) -> bytes:
        row = conn.execute(f"SELECT content FROM {self.table} WHERE id = ?", (blob_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"There is no {self.what} {blob_id}.")
        return bytes(row[0])

    def delete(self, conn: Connection, blob_id: int) -> None:
        conn.execute(f"DELETE FROM {self.table} WHERE id = ?", (blob_id,))


def export_checked(
    register: Register, *, name: str, sha256: str, data: bytes, target: Path, kind: str, key: str
) -> Path:
    """Write a stored file out where the person chose, safely (temporary file and rename), after
    checking it against its recorded SHA-256; the export is recorded in the audit trail."""
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ValidationError(f"{name} does not match its recorded SHA-256.", "content")
    written = atomic_write_bytes(Path(target), data)
    with register.transaction() as tx:
        tx.audit(
            "export",
            kind,
            key,
            {"saved_to": [None, str(written)], "on": [None, dt.date.today().isoformat()]},
        )
    return written
