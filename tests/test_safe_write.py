"""Safe saving (``nhsip_desktop.core.safe_write``): a complete new file, or the old file
untouched and no litter; a rename Windows refuses for a moment (a sharing
violation) is tried again."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path
from typing import BinaryIO

import pytest

from nhsip_desktop.core import safe_write
from nhsip_desktop.core.errors import (
    FileWriteError,
    RegisterError,
    ReportWriteError,
    SaveFailedError,
)
from nhsip_desktop.core.safe_write import atomic_write, atomic_write_bytes
from nhsip_desktop.store.register import Register

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_target_appears_complete_and_nothing_else(tmp_path: Path) -> None:
    target = tmp_path / "report.pdf"
    data = os.urandom(200_000)

    result = atomic_write_bytes(target, data)

    assert result == target
    assert target.read_bytes() == data
    assert _names(tmp_path) == ["report.pdf"]


def test_writes_to_a_hidden_temp_file_in_the_same_folder(tmp_path: Path) -> None:
    target = tmp_path / "report.pdf"
    seen: list[list[str]] = []

    def write(handle: BinaryIO) -> None:
        handle.write(b"first part ")
        seen.append(_names(tmp_path))
        handle.write(b"second part")

    atomic_write(target, write)

    [during] = seen
    assert "report.pdf" not in during  # The target does not exist until the rename.
    [temp_name] = during
    assert temp_name.startswith(".report.pdf.")
    assert temp_name.endswith(".tmp")
    assert target.read_bytes() == b"first part second part"
    assert _names(tmp_path) == ["report.pdf"]


def test_exception_in_write_leaves_no_target_and_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "report.pdf"

    def write(handle: BinaryIO) -> None:
        handle.write(b"half a report")
        raise RuntimeError("rendering failed")

    with pytest.raises(RuntimeError, match="rendering failed"):
        atomic_write(target, write)

    assert _names(tmp_path) == []


def test_keyboard_interrupt_also_cleans_up(tmp_path: Path) -> None:
    def write(handle: BinaryIO) -> None:
        handle.write(b"partial")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(tmp_path / "report.pdf", write)

    assert _names(tmp_path) == []


def test_existing_target_is_unchanged_when_the_write_fails(tmp_path: Path) -> None:
    target = tmp_path / "report.pdf"
    target.write_bytes(b"the previous, complete report")

    def write(handle: BinaryIO) -> None:
        handle.write(b"new but broken")
        raise ValueError("bad data")

    with pytest.raises(ValueError, match="bad data"):
        atomic_write(target, write)

    assert target.read_bytes() == b"the previous, complete report"
    assert _names(tmp_path) == ["report.pdf"]


def test_existing_target_is_replaced_on_success(tmp_path: Path) -> None:
    target = tmp_path / "report.pdf"
    target.write_bytes(b"old content that is longer than the new content")

    atomic_write_bytes(target, b"new")

    assert target.read_bytes() == b"new"
    assert _names(tmp_path) == ["report.pdf"]


def test_missing_folder_is_a_report_write_error_naming_it(tmp_path: Path) -> None:
    folder = tmp_path / "no such folder"
    called: list[bool] = []

    with pytest.raises(ReportWriteError) as caught:
        atomic_write(folder / "report.pdf", lambda handle: called.append(True))

    assert isinstance(caught.value, RegisterError)
    assert str(folder) in str(caught.value)
    assert "does not exist" in str(caught.value)
    assert str(caught.value).startswith("Not saved")
    assert not called
    assert not folder.exists()


def test_folder_that_is_a_file_is_a_report_write_error(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "notes.txt"
    not_a_folder.write_text("x")

    with pytest.raises(ReportWriteError, match=r"notes\.txt is a file, not a folder"):
        atomic_write_bytes(not_a_folder / "report.pdf", b"data")


def test_temp_file_refused_by_the_system_is_a_report_write_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # For example a Windows folder whose access rights os.access cannot see.
    def refuse(**_: object) -> tuple[int, str]:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)

    with pytest.raises(ReportWriteError) as caught:
        atomic_write_bytes(tmp_path / "report.pdf", b"data")

    assert str(tmp_path) in str(caught.value)
    assert _names(tmp_path) == []


@posix_only
@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root ignores modes")
def test_read_only_folder_is_a_report_write_error_naming_it(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(ReportWriteError) as caught:
            atomic_write_bytes(folder / "report.pdf", b"data")
        assert str(folder) in str(caught.value)
        assert "permission" in str(caught.value)
    finally:
        folder.chmod(0o700)
    assert _names(folder) == []


def test_disk_full_inside_write_gives_the_disk_full_message(tmp_path: Path) -> None:
    target = tmp_path / "report.pdf"

    def write(handle: BinaryIO) -> None:
        handle.write(b"some of it")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with pytest.raises(ReportWriteError) as caught:
        atomic_write(target, write)

    assert str(caught.value).startswith("Not saved: the disk is full")
    assert isinstance(caught.value.__cause__, OSError)
    assert _names(tmp_path) == []


def test_disk_full_at_fsync_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Many file systems only report a full disk when the data is flushed to it.
    target = tmp_path / "report.pdf"
    target.write_bytes(b"previous report")

    def full_fsync(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_fsync)

    with pytest.raises(ReportWriteError, match=r"^Not saved: the disk is full"):
        atomic_write_bytes(target, b"new report")

    assert target.read_bytes() == b"previous report"
    assert _names(tmp_path) == ["report.pdf"]


def test_target_that_cannot_be_replaced_is_a_report_write_error(tmp_path: Path) -> None:
    target = tmp_path / "report.pdf"
    target.mkdir()  # os.replace cannot put a file over a folder.

    with pytest.raises(ReportWriteError, match="could not be replaced"):
        atomic_write_bytes(target, b"data")

    assert target.is_dir()
    assert _names(tmp_path) == ["report.pdf"]


def test_other_os_errors_from_write_are_re_raised_unchanged(tmp_path: Path) -> None:
    def write(handle: BinaryIO) -> None:
        raise PermissionError(errno.EACCES, "source file unreadable")

    with pytest.raises(PermissionError, match="source file unreadable"):
        atomic_write(tmp_path / "report.pdf", write)

    assert _names(tmp_path) == []


@posix_only
def test_new_file_is_owner_only_even_with_a_permissive_umask(tmp_path: Path) -> None:
    target = tmp_path / "report.pdf"
    old_umask = os.umask(0)
    try:
        atomic_write_bytes(target, b"confidential")
    finally:
        os.umask(old_umask)

    assert stat.S_IMODE(target.stat().st_mode) == 0o600


@posix_only
def test_replaced_file_is_owner_only(tmp_path: Path) -> None:
    target = tmp_path / "report.pdf"
    target.write_bytes(b"old")
    target.chmod(0o644)

    atomic_write_bytes(target, b"confidential")

    assert stat.S_IMODE(target.stat().st_mode) == 0o600


# --- Windows sharing violations on the rename (antivirus, search indexer, OneDrive) ---------


def _sharing_violation(winerror: int = 32) -> PermissionError:
    error = PermissionError(errno.EACCES, "The process cannot access the file")
    error.winerror = winerror  # type: ignore[attr-defined]  # set by Windows; absent on POSIX
    return error


class FlakyReplace:
    """``os.replace`` that is refused with a sharing violation ``failures`` times, then works."""

    def __init__(self, failures: int, winerror: int = 32) -> None:
        self.failures = failures
        self.winerror = winerror
        self.calls = 0
        self.real = os.replace

    def __call__(self, source: object, target: object) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise _sharing_violation(self.winerror)
        self.real(source, target)  # type: ignore[arg-type]


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    slept: list[float] = []
    monkeypatch.setattr(safe_write, "_sleep", slept.append)
    return slept


@pytest.mark.parametrize("winerror", [5, 32])
def test_a_briefly_held_target_is_replaced_after_retries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, waits: list[float], winerror: int
) -> None:
    target = tmp_path / "report.pdf"
    target.write_bytes(b"old report")
    flaky = FlakyReplace(failures=3, winerror=winerror)
    monkeypatch.setattr(os, "replace", flaky)

    atomic_write_bytes(target, b"new report")

    assert flaky.calls == 4
    assert waits == list(safe_write.RETRY_DELAYS[:3])  # a short, growing back-off
    assert target.read_bytes() == b"new report"
    assert _names(tmp_path) == ["report.pdf"]


def test_a_target_held_for_good_gives_a_clear_error_and_keeps_the_original(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, waits: list[float]
) -> None:
    target = tmp_path / "report.pdf"
    target.write_bytes(b"the previous, complete report")
    flaky = FlakyReplace(failures=10**6)
    monkeypatch.setattr(os, "replace", flaky)

    with pytest.raises(FileWriteError) as caught:
        atomic_write_bytes(target, b"new report")

    message = str(caught.value)
    assert message.startswith("Not saved: report.pdf in ")
    assert "could not be replaced" in message
    assert "antivirus" in message and "OneDrive" in message
    assert "close it and try again" in message
    assert isinstance(caught.value, ReportWriteError | SaveFailedError)
    assert safe_write.is_sharing_violation(caught.value.__cause__)  # type: ignore[arg-type]
    assert flaky.calls == len(safe_write.RETRY_DELAYS) + 1
    assert sum(waits) < 2  # gives up within a couple of seconds
    assert target.read_bytes() == b"the previous, complete report"
    assert _names(tmp_path) == ["report.pdf"]


def test_a_plain_permission_error_is_not_retried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, waits: list[float]
) -> None:
    # Without winerror 5 or 32 (every POSIX refusal) it is a real refusal: no waiting.
    source, target = tmp_path / "new", tmp_path / "old"
    source.write_bytes(b"new")
    target.write_bytes(b"old")
    calls: list[object] = []

    def refuse(*args: object) -> None:
        calls.append(args)
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)

    with pytest.raises(PermissionError):
        safe_write.replace(source, target)

    assert len(calls) == 1 and waits == []
    assert target.read_bytes() == b"old"


def test_replace_raises_the_last_sharing_violation_when_it_never_clears(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, waits: list[float]
) -> None:
    source, target = tmp_path / "new", tmp_path / "old"
    source.write_bytes(b"new")
    target.write_bytes(b"old")
    monkeypatch.setattr(os, "replace", FlakyReplace(failures=10**6, winerror=5))

    with pytest.raises(PermissionError) as caught:
        safe_write.replace(source, target)

    assert getattr(caught.value, "winerror", None) == 5
    assert len(waits) == len(safe_write.RETRY_DELAYS)
    assert source.read_bytes() == b"new" and target.read_bytes() == b"old"


def test_install_moves_a_prepared_folder_into_place_after_retries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, waits: list[float]
) -> None:
    prepared = tmp_path / ".pack.partial"
    prepared.mkdir()
    (prepared / "cases.csv").write_text("a,b\n")
    (prepared / "manifest.json").write_text("{}")
    synced: list[str] = []
    real_fsync_file = safe_write.fsync_file
    monkeypatch.setattr(
        safe_write, "fsync_file", lambda p: (synced.append(Path(p).name), real_fsync_file(p))
    )
    monkeypatch.setattr(os, "replace", FlakyReplace(failures=2))

    safe_write.install(prepared, tmp_path / "pack")

    assert sorted(synced) == ["cases.csv", "manifest.json"]
    assert _names(tmp_path) == ["pack"]
    assert sorted(p.name for p in (tmp_path / "pack").iterdir()) == ["cases.csv", "manifest.json"]
    assert len(waits) == 2


def test_text_is_written_as_given(tmp_path: Path) -> None:
    target = tmp_path / "settings.json"
    safe_write.atomic_write_text(target, '{"name": "Zoë"}\n')
    assert target.read_bytes() == '{"name": "Zoë"}\n'.encode()


# --- Every writer goes through it: each survives a briefly held file ---------------------------


def test_settings_survive_a_briefly_held_file(
    monkeypatch: pytest.MonkeyPatch, waits: list[float]
) -> None:
    from nhsip_desktop.app.appconfig import AppConfig

    config = AppConfig(display_name="Priya Shah")
    flaky = FlakyReplace(failures=2)
    monkeypatch.setattr(os, "replace", flaky)

    config.save()

    assert flaky.calls == 3 and len(waits) == 2
    assert AppConfig.load().display_name == "Priya Shah"


def test_passphrase_file_survives_a_briefly_held_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, waits: list[float]
) -> None:
    from nhsip_desktop.store.keystore import has_passphrase_protector, write_passphrase_protector

    register_path = tmp_path / "trust.nhsip"
    flaky = FlakyReplace(failures=2)
    monkeypatch.setattr(os, "replace", flaky)

    written = write_passphrase_protector(
        register_path, "0b6f3c1e-register-under-test", os.urandom(32), "a long trust passphrase"
    )

    assert flaky.calls == 3 and len(waits) == 2
    assert has_passphrase_protector(register_path)
    assert _names(tmp_path) == [written.name]


def test_backup_and_restore_survive_a_briefly_held_file(
    register: Register, monkeypatch: pytest.MonkeyPatch, waits: list[float]
) -> None:
    from nhsip_desktop.store.backups import create_backup, restore_backup

    register.cases.add("Splint")
    flaky = FlakyReplace(failures=1)
    monkeypatch.setattr(os, "replace", flaky)

    info = create_backup(register, reason="manual")

    assert flaky.calls == 2 and len(waits) == 1
    assert info.path.is_file() and info.cases == 1
    target = info.path.parent.parent / "restored.nhsip"
    monkeypatch.setattr(os, "replace", FlakyReplace(failures=1))
    restore_backup(info.path, target, register.data_key)
    assert target.is_file() and len(waits) == 2
