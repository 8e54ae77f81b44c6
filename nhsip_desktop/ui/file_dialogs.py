"""Where save and open dialogs start: the folder last used, else the user's Documents.

Never the working directory (on a trust laptop that is wherever the app was started from,
often a read-only program folder). The last folder is kept for this run of the app only:
no paths are written to disk.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QFileDialog, QWidget

_last_folder: Path | None = None


def start_folder() -> Path:
    """The folder a dialog opens in: the last one used, else Documents, else home."""
    if _last_folder is not None and _last_folder.is_dir():
        return _last_folder
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    if documents and Path(documents).is_dir():
        return Path(documents)
    return Path.home()


def remember(chosen: Path) -> None:
    """Remember the folder of a file (or a folder) the person chose."""
    global _last_folder
    folder = chosen if chosen.is_dir() else chosen.parent
    if folder.is_dir():
        _last_folder = folder


def suggested(name: str) -> str:
    """A full path for a save dialog: ``name`` in :func:`start_folder`."""
    return str(start_folder() / name)


def save_file_name(
    parent: QWidget | None,
    caption: str,
    name: str,
    filters: str,
    options: QFileDialog.Option | None = None,
) -> Path | None:
    """Ask where to save ``name``; None when the person cancels."""
    if options is None:
        chosen, _ = QFileDialog.getSaveFileName(parent, caption, suggested(name), filters)
    else:
        chosen, _ = QFileDialog.getSaveFileName(
            parent, caption, suggested(name), filters, options=options
        )
    if not chosen:
        return None
    remember(Path(chosen))
    return Path(chosen)


def open_file_name(parent: QWidget | None, caption: str, filters: str = "") -> Path | None:
    """Ask for a file to open; None when the person cancels."""
    chosen, _ = QFileDialog.getOpenFileName(parent, caption, str(start_folder()), filters)
    if not chosen:
        return None
    remember(Path(chosen))
    return Path(chosen)


def existing_folder(parent: QWidget | None, caption: str) -> Path | None:
    chosen = QFileDialog.getExistingDirectory(parent, caption, str(start_folder()))
    if not chosen:
        return None
    remember(Path(chosen))
    return Path(chosen)
