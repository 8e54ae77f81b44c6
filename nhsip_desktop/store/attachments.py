"""``register.attachments``: files kept inside the encrypted register, with size and SHA-256.

A file's content leaves the register only when someone asks (``save_to``), and that export is
recorded in the audit trail.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from nhsip_desktop.core.safe_write import atomic_write_bytes

from .audit import utc_now
from .errors import NotFoundError, ValidationError

if TYPE_CHECKING:
    from .register import Register

MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024


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


@dataclass(frozen=True)
class AttachmentInfo:
    id: int
    case_id: int
    name: str
    size: int
    sha256: str
    added_at: str

    @property
    def size_text(self) -> str:
        if self.size < 1024:
            return f"{self.size} bytes"
        if self.size < 1024 * 1024:
            return f"{self.size / 1024:.0f} KB"
        return f"{self.size / 1024 / 1024:.1f} MB"


def _check_size(name: str, size: int) -> None:
    if size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            f"{name} is {size / 1024 / 1024:.1f} MB; files up to "
            f"{MAX_ATTACHMENT_BYTES // 1024 // 1024} MB can be kept in the register. Keep larger "
            "files on a secure shared drive and note where they are in the summary.",
            "content",
        )


class AttachmentManager:
    def __init__(self, register: Register) -> None:
        self._reg = register

    def add(self, case_id: int, name: str, content: bytes) -> AttachmentInfo:
        name = Path(name).name.strip()
        if not name:
            raise ValidationError("The file needs a name.", "name")
        _check_size(name, len(content))
        digest = hashlib.sha256(content).hexdigest()
        reference = self._reg.cases.get(case_id).reference
        with self._reg.transaction() as tx:
            cur = self._reg.conn.execute(
                "INSERT INTO attachments(case_id, name, size, sha256, content, added_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (case_id, name, len(content), digest, content, utc_now()),
            )
            attachment_id = int(cur.lastrowid)
            tx.audit(
                "insert",
                "attachment",
                f"{reference}/{attachment_id}",
                {"name": [None, name], "size": [None, len(content)], "sha256": [None, digest]},
            )
            tx.case_ids.add(case_id)
        return self.get(attachment_id)

    def add_file(self, case_id: int, path: Path) -> AttachmentInfo:
        _check_size(path.name, path.stat().st_size)  # before reading a huge file into memory
        return self.add(case_id, path.name, path.read_bytes())

    def get(self, attachment_id: int) -> AttachmentInfo:
        row = self._reg.conn.execute(
            "SELECT id, case_id, name, size, sha256, added_at FROM attachments WHERE id = ?",
            (attachment_id,),
        ).fetchone()
        if row is None:
            raise NotFoundError(f"There is no attachment {attachment_id}.")
        return AttachmentInfo(*row)

    def for_case(self, case_id: int) -> list[AttachmentInfo]:
        rows = self._reg.conn.execute(
            "SELECT id, case_id, name, size, sha256, added_at FROM attachments "
            "WHERE case_id = ? ORDER BY id",
            (case_id,),
        ).fetchall()
        return [AttachmentInfo(*r) for r in rows]

    def content(self, attachment_id: int) -> bytes:
        row = self._reg.conn.execute(
            "SELECT content FROM attachments WHERE id = ?", (attachment_id,)
        ).fetchone()
        if row is None:
            raise NotFoundError(f"There is no attachment {attachment_id}.")
        return bytes(row[0])

    def save_to(self, attachment_id: int, target: Path) -> Path:
        """Write the file out where the person chose (an export: recorded in the audit trail)."""
        info = self.get(attachment_id)
        reference = self._reg.cases.get(info.case_id).reference
        return export_checked(
            self._reg,
            name=info.name,
            sha256=info.sha256,
            data=self.content(attachment_id),
            target=target,
            kind="attachment",
            key=f"{reference}/{attachment_id}",
        )

    def remove(self, attachment_id: int) -> None:
        info = self.get(attachment_id)
        reference = self._reg.cases.get(info.case_id).reference
        with self._reg.transaction() as tx:
            self._reg.conn.execute("DELETE FROM attachments WHERE id = ?", (attachment_id,))
            tx.audit(
                "delete",
                "attachment",
                f"{reference}/{attachment_id}",
                {"name": [info.name, None], "sha256": [info.sha256, None]},
            )
            tx.case_ids.add(info.case_id)
