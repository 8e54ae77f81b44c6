"""Where registers are kept: cloud-sync warnings, the default folder, suggested file names."""

from __future__ import annotations

from pathlib import Path, PurePath, PurePosixPath, PureWindowsPath

import pytest

from nhsip_desktop.app import locations
from nhsip_desktop.app.appconfig import data_dir
from nhsip_desktop.app.locations import (
    cloud_sync_warning,
    default_register_folder,
    suggest_register_path,
)


@pytest.fixture
def not_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(locations, "_on_windows", lambda: False)


@pytest.mark.usefixtures("not_windows")
@pytest.mark.parametrize(
    "folder",
    [
        PureWindowsPath(r"C:\Users\jsmith\OneDrive\IP"),
        PureWindowsPath(r"C:\Users\jsmith\OneDrive - Example NHS Foundation Trust\Innovation"),
        PureWindowsPath(r"C:\Users\jsmith\onedrive - example nhs trust"),
        PureWindowsPath(r"C:\Users\jsmith\Example Trust\SharePoint - Innovation"),
        PureWindowsPath(r"D:\Dropbox\registers"),
        PureWindowsPath(r"C:\Users\jsmith\Dropbox (Example Trust)\IP"),
        PureWindowsPath(r"G:\My Drive\IP"),
        PureWindowsPath(r"C:\Users\jsmith\Google Drive\IP"),
        PureWindowsPath(r"C:\Users\jsmith\GoogleDrive\IP"),
        PureWindowsPath(r"C:\Users\jsmith\iCloudDrive\IP"),
        PureWindowsPath(r"C:\Users\jsmith\iCloud Drive\IP"),
        PureWindowsPath(r"C:\Users\jsmith\Box\IP"),
        PureWindowsPath(r"C:\Users\jsmith\Box Sync\IP"),
        PureWindowsPath(r"P:\pCloud Drive\IP"),
        PureWindowsPath(r"C:\Users\jsmith\MEGA\IP"),
        PureWindowsPath(r"C:\Users\jsmith\Nextcloud\IP"),
        PureWindowsPath(r"C:\Users\jsmith\ownCloud\IP"),
        PureWindowsPath(r"C:\Users\jsmith\Sync\IP"),
        PurePosixPath("/Users/jsmith/Library/Mobile Documents/com~apple~CloudDocs/IP"),
        PurePosixPath("/Users/jsmith/Library/CloudStorage/OneDrive-Personal/IP"),
        PurePosixPath("/home/jsmith/DROPBOX/ip"),
        Path("/home/jsmith/Nextcloud/registers"),
        # A Windows path held in a plain string path on another system still counts.
        Path(r"C:\Users\jsmith\OneDrive - NHS\IP"),
    ],
)
def test_cloud_synced_folders_are_warned_about(folder: PurePath) -> None:
    warning = cloud_sync_warning(folder)
    assert warning is not None
    assert "corrupt" in warning and "conflicting copies" in warning
    assert "trust's control" in warning
    assert str(default_register_folder()) in warning
    assert not warning.startswith("Warning")


@pytest.mark.usefixtures("not_windows")
@pytest.mark.parametrize(
    "folder",
    [
        PureWindowsPath(r"C:\Users\jsmith\AppData\Local\nhsip-desktop\registers"),
        PureWindowsPath(r"C:\Users\jsmith\Documents\IP register"),
        PureWindowsPath(r"D:\Innovation\Boxes of papers"),
        PureWindowsPath(r"C:\Users\jsmith\Documents\Megan"),
        PurePosixPath("/home/jsmith/.local/share/nhsip-desktop/registers"),
        PurePosixPath("/home/jsmith/synchronised-notes"),
    ],
)
def test_local_folders_are_not_warned_about(folder: PurePath) -> None:
    assert cloud_sync_warning(folder) is None


def test_the_default_folder_is_local() -> None:
    assert cloud_sync_warning(default_register_folder()) is None


@pytest.mark.parametrize("variable", ["OneDrive", "OneDriveCommercial", "OneDriveConsumer"])
@pytest.mark.parametrize(
    "folder",
    [
        r"C:\Users\jsmith\Example Trust Files\IP",
        r"c:\users\JSMITH\example trust files",  # Windows compares without case
    ],
)
def test_onedrive_environment_variables_on_windows(
    monkeypatch: pytest.MonkeyPatch, variable: str, folder: str
) -> None:
    # Redirected OneDrive folders need not have "OneDrive" in their name.
    for name in locations.ONEDRIVE_ENVIRONMENT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(variable, r"C:\Users\jsmith\Example Trust Files")
    monkeypatch.setattr(locations, "_on_windows", lambda: True)
    assert cloud_sync_warning(PureWindowsPath(folder)) is not None
    assert cloud_sync_warning(PureWindowsPath(r"C:\Users\jsmith\Documents")) is None
    # A sibling whose name merely starts the same way is not inside it.
    sibling = PureWindowsPath(r"C:\Users\jsmith\Example Trust Files (old)")
    assert cloud_sync_warning(sibling) is None


def test_onedrive_environment_variables_are_ignored_elsewhere(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OneDrive", "/home/jsmith/work")
    monkeypatch.setattr(locations, "_on_windows", lambda: False)
    assert cloud_sync_warning(Path("/home/jsmith/work/IP")) is None


def test_a_symlink_into_a_synced_folder_is_warned_about(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(locations, "_on_windows", lambda: False)
    target = tmp_path / "Dropbox" / "IP"
    target.mkdir(parents=True)
    link = tmp_path / "registers"
    link.symlink_to(target, target_is_directory=True)
    assert cloud_sync_warning(link) is not None


def test_default_register_folder_is_in_the_data_folder() -> None:
    assert default_register_folder() == data_dir() / "registers"


@pytest.mark.parametrize(
    ("organisation", "expected"),
    [
        ("Example NHS Foundation Trust", "Example-NHS-Foundation-Trust.nhsip"),
        ("St George's University Hospitals", "St-Georges-University-Hospitals.nhsip"),
        ("Hywel Dda  /  Ysbyty Gŵyr", "Hywel-Dda-Ysbyty-Gwyr.nhsip"),
        ("Health & Care Partnership", "Health-and-Care-Partnership.nhsip"),
        ("  --Trust: (test)*? ", "Trust-test.nhsip"),
        ("", "ip-register.nhsip"),
        ("???", "ip-register.nhsip"),
        ("Con", "Con-ip-register.nhsip"),
    ],
)
def test_suggested_file_names_are_safe(tmp_path: Path, organisation: str, expected: str) -> None:
    path = suggest_register_path(tmp_path, organisation)
    assert path == tmp_path / expected
    assert all(c.isascii() and (c.isalnum() or c in "-.") for c in path.name)


def test_long_names_are_shortened_at_a_hyphen(tmp_path: Path) -> None:
    name = suggest_register_path(tmp_path, "Very " * 30 + "Long Trust").name
    stem = name.removesuffix(".nhsip")
    assert len(stem) <= 60
    assert not stem.endswith("-")
    assert set(stem.split("-")) == {"Very"}


def test_existing_files_get_a_number(tmp_path: Path) -> None:
    (tmp_path / "Example-Trust.nhsip").write_bytes(b"x")
    assert suggest_register_path(tmp_path, "Example Trust").name == "Example-Trust-2.nhsip"
    (tmp_path / "Example-Trust-2.nhsip").write_bytes(b"x")
    (tmp_path / "Example-Trust-3.nhsip.passphrase").write_bytes(b"x")
    assert suggest_register_path(tmp_path, "Example Trust").name == "Example-Trust-4.nhsip"


def test_a_missing_folder_is_fine(tmp_path: Path) -> None:
    folder = tmp_path / "not yet made"
    assert suggest_register_path(folder, "Trust") == folder / "Trust.nhsip"
    assert not folder.exists()
