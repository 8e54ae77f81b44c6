"""Where save and open dialogs start: the folder last used, else the user's Documents.

Never the working directory (on a trust laptop that is wherever the app was started from,
often a read-only program folder). The last folder is kept for this run of the app only:
no paths are written to disk.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths

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
