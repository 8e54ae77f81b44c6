"""Where a register file should (and should not) be kept.

A register is a live SQLite database. Cloud sync tools (OneDrive, Dropbox, ...) copy files
while they are being written, which can corrupt the database or leave conflicting copies,
and a synced copy is no longer only on the trust's computer. These helpers spot folders that
look synced, suggest the default local folder and a safe file name for a new register.

Qt-free: used by the new-register wizard and the command line alike.
"""

from __future__ import annotations

import os
import re
import sys
import unicodedata
from collections.abc import Iterable
from pathlib import Path, PurePath, PureWindowsPath

from nhsip_desktop.app.appconfig import data_dir

REGISTER_SUFFIX = ".nhsip"
"""The file suffix of a register (the same as ``store.register.REGISTER_SUFFIX``)."""

FALLBACK_STEM = "ip-register"
_MAX_STEM_LENGTH = 60

# Folder names (compared in lower case) used by sync tools for their synced folders.
_EXACT_NAMES: dict[str, str] = {
    "onedrive": "OneDrive",
    "sharepoint": "SharePoint",
    "dropbox": "Dropbox",
    "google drive": "Google Drive",
    "googledrive": "Google Drive",
    "my drive": "Google Drive",
    "shared drives": "Google Drive",
    "icloud drive": "iCloud Drive",
    "iclouddrive": "iCloud Drive",
    "mobile documents": "iCloud Drive",
    "com~apple~clouddocs": "iCloud Drive",
    "box": "Box",
    "box sync": "Box",
    "pcloud": "pCloud",
    "pcloud drive": "pCloud",
    "pclouddrive": "pCloud",
    "mega": "MEGA",
    "megasync": "MEGA",
    "nextcloud": "Nextcloud",
    "owncloud": "ownCloud",
    "sync": "Sync.com or a similar sync tool",
    "sync.com": "Sync.com",
    "cloudstorage": "a cloud storage service",
}

# Prefixes for names such as "OneDrive - Example NHS Trust", "Dropbox (Company)",
# "OneDrive-Personal" and "GoogleDrive-someone@example.org" (macOS CloudStorage).
_PREFIXES: tuple[tuple[str, str], ...] = (
    ("onedrive - ", "OneDrive"),
    ("onedrive-", "OneDrive"),
    ("sharepoint - ", "SharePoint"),
    ("dropbox (", "Dropbox"),
    ("dropbox-", "Dropbox"),
    ("googledrive-", "Google Drive"),
    ("box-", "Box"),
    ("nextcloud-", "Nextcloud"),
    ("owncloud-", "ownCloud"),
)

# Environment variables Windows sets to the user's OneDrive folders.
ONEDRIVE_ENVIRONMENT_VARIABLES = ("OneDrive", "OneDriveCommercial", "OneDriveConsumer")

# Device names Windows reserves whatever the suffix ("CON.nhsip" cannot be created).
_WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL"}
    | {f"COM{n}" for n in range(1, 10)}
    | {f"LPT{n}" for n in range(1, 10)}
)


def _on_windows() -> bool:
    return sys.platform == "win32"


def _components(folder: PurePath) -> list[str]:
    """Path components, splitting on both separators so Windows-style names work anywhere."""
    return [part for part in re.split(r"[\\/]+", str(folder)) if part]


def _service_for_name(name: str) -> str | None:
    lowered = name.strip().casefold()
    if lowered in _EXACT_NAMES:
        return _EXACT_NAMES[lowered]
    for prefix, service in _PREFIXES:
        if lowered.startswith(prefix):
            return service
    if "sharepoint" in lowered:
        return "SharePoint"
    return None


def _candidates(folder: PurePath) -> Iterable[PurePath]:
    yield folder
    if isinstance(folder, Path):
        try:
            resolved = folder.expanduser().resolve()
        except (OSError, RuntimeError):
            return
        if resolved != folder:
            yield resolved


def _under_onedrive_variable(folder: PurePath) -> bool:
    target = PureWindowsPath(str(folder))
    for variable in ONEDRIVE_ENVIRONMENT_VARIABLES:
        value = os.environ.get(variable, "").strip()
        if not value:
            continue
        root = PureWindowsPath(value)
        # PureWindowsPath compares case-insensitively, as Windows does.
        if target == root or root in target.parents:
            return True
    return False


def cloud_service(folder: PurePath) -> str | None:
    """The sync service ``folder`` seems to belong to (e.g. ``"OneDrive"``), or None."""
    for candidate in _candidates(folder):
        for name in _components(candidate):
            service = _service_for_name(name)
            if service:
                return service
        if _on_windows() and _under_onedrive_variable(candidate):
            return "OneDrive"
    return None


def default_register_folder() -> Path:
    """The suggested local folder for registers: ``registers`` in the app's data folder."""
    return data_dir() / "registers"


def cloud_sync_warning(folder: PurePath) -> str | None:
    """A plain-English warning when ``folder`` looks synced to the cloud, else None.

    The text does not start with "Warning:"; callers that show it add their own label.
    """
    service = cloud_service(folder)
    if service is None:
        return None
    return (
        f"This folder seems to be synced by {service}. Sync tools copy the "
        "register while it is being written, which can corrupt it or create conflicting "
        "copies, and a copy in the cloud is outside the trust's control. Choose a folder "
        f"on this computer instead, such as {default_register_folder()}."
    )


def _safe_stem(organisation: str) -> str:
    text = organisation.replace("&", " and ")
    text = re.sub(r"['\u2018\u2019`]", "", text)  # "St George's" -> "St Georges"
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")
    if len(text) > _MAX_STEM_LENGTH:
        text = text[:_MAX_STEM_LENGTH]
        if "-" in text[_MAX_STEM_LENGTH // 2 :]:
            text = text[: text.rfind("-")]
        text = text.strip("-")
    if not text:
        return FALLBACK_STEM
    if text.upper() in _WINDOWS_RESERVED:
        return f"{text}-{FALLBACK_STEM}"
    return text


def _taken(path: Path) -> bool:
    # A leftover passphrase file beside a missing register would be mistaken for the new
    # register's own protector, so treat that name as taken too.
    return path.exists() or path.with_name(path.name + ".passphrase").exists()


def suggest_register_path(folder: Path, organisation: str) -> Path:
    """A file name for a new register in ``folder`` that does not exist yet.

    Made from the organisation (letters, digits and hyphens only; ``ip-register`` when
    nothing is left), with ``-2``, ``-3`` ... added when the name is already taken.
    """
    stem = _safe_stem(organisation)
    candidate = folder / f"{stem}{REGISTER_SUFFIX}"
    number = 2
    while _taken(candidate):
        candidate = folder / f"{stem}-{number}{REGISTER_SUFFIX}"
        number += 1
    return candidate
