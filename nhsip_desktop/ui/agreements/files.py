"""The agreement dialog's documents: files kept with an agreement."""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QFileDialog,
    QMessageBox,
)

from nhsip_desktop.store.errors import RegisterError
from nhsip_desktop.ui.file_dialogs import remember, start_folder, suggested

from ..kit import Column, RecordModel
from ..kit.parts import DialogPart, or_warn
from ..kit.parts import confirm as ask


def _added_on(info: Any) -> dt.date | str:
    added = str(info.added_at)[:10]
    with contextlib.suppress(ValueError):
        return dt.date.fromisoformat(added)
    return added


class DocumentModel(RecordModel):
    """The documents kept with an agreement, one a row: the name takes the spare width."""

    record_columns = (
        Column("name", "Name"),
        Column("size_text", "Size", sample="25.0 MB"),
        Column("sha256", "SHA-256", sample="0123456789abcdef" * 4),
        Column("added_at", "Added", "date", value=_added_on),
    )

    def file_at(self, row: int) -> Any:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def tooltip(self, row: Any, column: int) -> str | None:
        return self.text(row, column)


class FilesPart(DialogPart):
    """The documents tab of :class:`AgreementDialog`."""

    # -- documents ---------------------------------------------------------------------------
    def _refresh_files(self) -> None:
        if not hasattr(self, "file_table"):
            return
        files = (
            self.session.register.agreements.files(self.agreement.id)
            if self.agreement.id is not None and self.session.is_open
            else []
        )
        self._files = files
        self.file_model.set_rows(files)
        if self.agreement.id is None:
            self.file_status.setText("Adding a file saves the agreement first.")
        elif not files:
            self.file_status.setText("No document kept yet.")
        else:
            self.file_status.setText(f"{len(files)} document{'s' if len(files) != 1 else ''}.")
        self._update_file_buttons()

    def _update_file_buttons(self) -> None:
        chosen = self.selected_file() is not None
        self.save_copy_button.setEnabled(chosen)
        self.remove_file_button.setEnabled(chosen)

    def selected_file(self) -> int | None:
        index = self.file_table.currentIndex()
        if not index.isValid() or not self.file_table.selectionModel().isRowSelected(index.row()):
            return None
        info = self.file_model.file_at(index.row())
        return int(info.id) if info is not None else None

    def add_file(self, path: Path | None = None) -> bool:
        """Keep a document with the agreement (saving the agreement first when it is new)."""
        if not self.session.is_open or not self._ensure_saved() or self.agreement.id is None:
            return False
        if path is None:
            chosen, _ = QFileDialog.getOpenFileName(
                self, "Add the signed agreement or another document", str(start_folder())
            )
            if not chosen:
                return False
            remember(Path(chosen))
            path = Path(chosen)
        try:
            self.session.register.agreements.add_file_from(self.agreement.id, path)
        except (RegisterError, OSError) as exc:
            QMessageBox.warning(self, "File not added", str(exc))
            return False
        self._refresh_files()
        self.file_table.selectRow(self.file_model.rowCount() - 1)
        return True

    def save_file_copy(self, target: Path | None = None) -> Path | None:
        """Save a copy of the selected document outside the register (warning first: the copy
        is not encrypted, and saving it is recorded)."""
        file_id = self.selected_file()
        if file_id is None or not self.session.is_open:
            return None
        agreements = self.session.register.agreements
        info = agreements.file(file_id)
        if not ask(
            self,
            "Save a copy outside the register?",
            f"The copy of {info.name} will not be encrypted. Save it only where the trust's "
            "policy allows. Saving it is recorded in the audit trail.",
            warn=True,
        ):
            return None
        if target is None:
            chosen, _ = QFileDialog.getSaveFileName(self, "Save a copy", suggested(info.name))
            if not chosen:
                return None
            remember(Path(chosen))
            target = Path(chosen)
        chosen_target = target
        written: Path | None = or_warn(
            self,
            "Copy not saved",
            lambda: agreements.save_file_to(file_id, chosen_target),
            (OSError,),
        )
        if written is None:
            return None
        self.file_status.setText(f"A copy of {info.name} was saved to {written}.")
        return written

    def remove_file(self, *, confirm: bool = True) -> bool:
        file_id = self.selected_file()
        if file_id is None or not self.session.is_open:
            return False
        agreements = self.session.register.agreements
        info = agreements.file(file_id)
        if confirm and not ask(
            self,
            "Remove document?",
            f"Remove {info.name} from this agreement? The audit trail keeps its name and SHA-256.",
        ):
            return False
        removed = or_warn(
            self, "Document not removed", lambda: agreements.remove_file(file_id) or True
        )
        if removed is None:
            return False
        self._refresh_files()
        return True
