"""``register.attachments``: files kept inside the encrypted register, with size and SHA-256.

A file's content leaves the register only when someone asks (``save_to``), and that export is
recorded in the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .blobs import MAX_FILE_BYTES, BlobTable, StoredFile, export_checked

if TYPE_CHECKING:
    from .register import Register

__all__ = ["MAX_ATTACHMENT_BYTES", "AttachmentInfo", "AttachmentManager", "export_checked"]

MAX_ATTACHMENT_BYTES = MAX_FILE_BYTES
_FILES = BlobTable("attachments", "case_id", "attachment", "the summary")


@dataclass(frozen=True)
class AttachmentInfo(StoredFile):
    id: int
    case_id: int
    name: str
    size: int
    sha256: str
    added_at: str


class AttachmentManager:
    def __init__(self, register: Register) -> None:
        self._reg = register

    def add(self, case_id: int, name: str, content: bytes) -> AttachmentInfo:
        _FILES.check_size(_FILES.clean_name(name), len(content))  # before the case is read
        reference = self._reg.cases.get(case_id).reference
        with self._reg.transaction() as tx:
            attachment_id, record = _FILES.insert(self._reg.conn, case_id, name, content)
            tx.audit("insert", "attachment", f"{reference}/{attachment_id}", record)
            tx.case_ids.add(case_id)
        return self.get(attachment_id)

    def add_file(self, case_id: int, path: Path) -> AttachmentInfo:
        return self.add(case_id, *_FILES.read_path(path))

    def get(self, attachment_id: int) -> AttachmentInfo:
        return AttachmentInfo(*_FILES.row(self._reg.conn, attachment_id))

    def for_case(self, case_id: int) -> list[AttachmentInfo]:
        return [AttachmentInfo(*r) for r in _FILES.rows(self._reg.conn, case_id)]

    def content(self, attachment_id: int) -> bytes:
        return _FILES.content(self._reg.conn, attachment_id)

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
            _FILES.delete(self._reg.conn, attachment_id)
            tx.audit("delete", "attachment", f"{reference}/{attachment_id}", info.removed())
            tx.case_ids.add(info.case_id)
