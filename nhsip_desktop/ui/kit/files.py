"""The one "Save as" question for a file that leaves the register: the dialog opens in the
folder last used (never the working directory), and the folder chosen is remembered."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from ..file_dialogs import remember, suggested


def ask_save_path(
    parent: QWidget | None, title: str, name: str, kinds: str = "PDF files (*.pdf)"
) -> Path | None:
    """Ask where to save ``name`` (a file name, no folder); None when the person cancels."""
    chosen, _ = QFileDialog.getSaveFileName(parent, title, suggested(name), kinds)
    if not chosen:
        return None
    target = Path(chosen)
    remember(target)
    return target


def confirm_leaving(parent: QWidget | None, title: str, text: str) -> bool:
    """The warning before a file leaves the encrypted register: OK goes on, Cancel (the
    default, so Enter never writes a file by accident) stops."""
    answer = QMessageBox.warning(
        parent,
        title,
        text,
        QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    return answer == QMessageBox.StandardButton.Ok
