"""Per-user, per-machine settings (not register content): display name, recent registers.

Kept as JSON in the platform's user config folder (``platformdirs``). Nothing confidential
is stored here: paths and register ids only, never keys or case content. Written atomically.
"""

from __future__ import annotations

import getpass
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from nhsip_desktop import APP_NAME
from nhsip_desktop.core.safe_write import atomic_write_text

MAX_RECENT = 8


def config_dir() -> Path:
    override = os.environ.get("NHSIP_CONFIG_DIR")
    return Path(override) if override else Path(platformdirs.user_config_dir(APP_NAME, False))


def data_dir() -> Path:
    override = os.environ.get("NHSIP_DATA_DIR")
    return Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, False))


def os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@dataclass
class RecentRegister:
    path: str
    register_id: str
    organisation: str = ""


@dataclass
class AppConfig:
    display_name: str = ""
    recent: list[RecentRegister] = field(default_factory=list)
    allow_cloud_folders: bool = False

    @classmethod
    def load(cls) -> AppConfig:
        path = config_dir() / "settings.json"
        try:
            raw: Any = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls()
        if not isinstance(raw, dict):
            return cls()
        recent = [
            RecentRegister(**item)
            for item in raw.get("recent", [])
            if isinstance(item, dict) and {"path", "register_id"} <= set(item)
        ]
        return cls(
            display_name=str(raw.get("display_name", "")),
            recent=recent[:MAX_RECENT],
            allow_cloud_folders=bool(raw.get("allow_cloud_folders", False)),
        )

    def save(self) -> None:
        """Write the settings file atomically (``safe_write``); raises ``FileWriteError`` (or
        ``OSError`` when the folder cannot be created) and leaves the old file as it was."""
        folder = config_dir()
        folder.mkdir(parents=True, exist_ok=True)
        text = json.dumps(asdict(self), indent=2)
        atomic_write_text(folder / "settings.json", text)

    def remember(self, path: Path, register_id: str, organisation: str = "") -> None:
        resolved = str(Path(path).resolve())
        self.recent = [r for r in self.recent if r.path != resolved]
        self.recent.insert(0, RecentRegister(resolved, register_id, organisation))
        del self.recent[MAX_RECENT:]

    def forget(self, path: Path) -> None:
        resolved = str(Path(path).resolve())
        self.recent = [r for r in self.recent if r.path != resolved]
