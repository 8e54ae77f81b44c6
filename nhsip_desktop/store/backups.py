"""Where a register's backups live (the backup machinery itself grows in the reliability work)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from .register import REGISTER_SUFFIX


def backup_folder(register_path: Path) -> Path:
    return register_path.with_name(register_path.stem + "-backups")


def latest_backup_time(register_path: Path) -> dt.datetime | None:
    """When the newest backup file was written (local time), or None when there is none."""
    folder = backup_folder(register_path)
    if not folder.is_dir():
        return None
    times = [p.stat().st_mtime for p in folder.glob(f"*{REGISTER_SUFFIX}") if p.is_file()]
    return dt.datetime.fromtimestamp(max(times)) if times else None
