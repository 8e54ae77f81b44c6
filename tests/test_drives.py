"""Network drives and path lengths (issue 22, item 7): the platform calls are substituted so
that the Windows, macOS and network branches run here; real registers are opened through them.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import secrets
from pathlib import Path
from typing import Any

import pytest

from nhsip_desktop.app import cli
from nhsip_desktop.core import drives
from nhsip_desktop.store.audit import Actor
from nhsip_desktop.store.backups import backup_folder, create_backup, utc_stamp
from nhsip_desktop.store.errors import NetworkDriveError, PathTooLongError
from nhsip_desktop.store.lock import lock_path
from nhsip_desktop.store.register import Register
from nhsip_desktop.store.sqlcipher import sidecars

ACTOR = Actor("tester", "Test User")


class FakeKernel32:
    """``GetDriveTypeW`` answering for a few drive roots, recording what it was asked."""

    def __init__(self, types: dict[str, int]) -> None:
        self.types = types
        self.asked: list[str] = []

    def GetDriveTypeW(self, root: str) -> int:
        self.asked.append(root)
        return self.types.get(root.upper(), 3)  # 3: DRIVE_FIXED


def _on_windows(monkeypatch: pytest.MonkeyPatch, kernel: FakeKernel32) -> None:
    monkeypatch.setattr(drives, "_platform", lambda: "win32")
    monkeypatch.setattr(drives, "_kernel32", lambda: kernel)


# --- detection -------------------------------------------------------------------------


def test_a_mapped_network_drive_is_found_with_get_drive_type(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kernel = FakeKernel32({"H:\\": drives.DRIVE_REMOTE})
    _on_windows(monkeypatch, kernel)
    found = drives.network_drive("H:\\Innovation\\trust.nhsip")
    assert found == drives.NetworkDrive("H:", "mapped network drive")
    assert kernel.asked == ["H:\\"]
    assert "network drive (H:)" in drives.network_drive_notice(found)
    assert drives.network_drive("C:\\Users\\lead\\trust.nhsip") is None
    assert kernel.asked[-1] == "C:\\"


@pytest.mark.parametrize(
    ("path", "share"),
    [
        ("\\\\fileserver\\home$\\lead\\trust.nhsip", "\\\\fileserver\\home$"),
        ("\\\\?\\UNC\\fileserver\\ip\\trust.nhsip", "\\\\fileserver\\ip"),
        ("//fileserver/ip/trust.nhsip", "//fileserver/ip"),
    ],
)
def test_a_unc_path_is_a_network_share_without_asking_windows(
    monkeypatch: pytest.MonkeyPatch, path: str, share: str
) -> None:
    kernel = FakeKernel32({})
    _on_windows(monkeypatch, kernel)
    found = drives.network_drive(path)
    assert found is not None and found.kind == "network share"
    assert found.where.replace("/", "\\") == share.replace("/", "\\")
    assert kernel.asked == []
    assert f"network share ({found.where})" in drives.network_drive_notice(found)


def test_a_long_local_path_prefix_is_still_local(monkeypatch: pytest.MonkeyPatch) -> None:
    kernel = FakeKernel32({})
    _on_windows(monkeypatch, kernel)
    assert drives.network_drive("\\\\?\\C:\\Registers\\trust.nhsip") is None
    assert kernel.asked == ["C:\\"]


def test_linux_nfs_is_found_by_its_statfs_type(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    asked: list[bytes] = []

    def statfs(path: bytes, buffer: Any) -> int:
        asked.append(path)
        ctypes.c_long.from_buffer(buffer).value = 0x6969  # NFS_SUPER_MAGIC
        return 0

    class Libc:
        pass

    libc = Libc()
    libc.statfs = statfs  # type: ignore[attr-defined]
    monkeypatch.setattr(drives, "_platform", lambda: "linux")
    monkeypatch.setattr(drives, "_libc", lambda: libc)
    mounts = f"server:/export/home {tmp_path} nfs4 rw,relatime 0 0\n/dev/sda1 / ext4 rw 0 0\n"
    monkeypatch.setattr(drives, "_mounts_text", lambda: mounts)
    found = drives.network_drive(tmp_path / "new-register.nhsip")  # not created yet
    assert found == drives.NetworkDrive(str(tmp_path), "NFS")
    assert asked == [str(tmp_path).encode()]  # the nearest existing folder was asked


@pytest.mark.parametrize(
    ("magic", "kind"),
    [(0xFF534D42, "SMB (CIFS)"), (0xFE534D42, "SMB2"), (0x517B, "SMB"), (0x01021997, "9P")],
)
def test_linux_smb_and_9p_types_are_network(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, magic: int, kind: str
) -> None:
    monkeypatch.setattr(drives, "_platform", lambda: "linux")
    monkeypatch.setattr(drives, "_linux_fs_magic", lambda path: magic)
    found = drives.network_drive(tmp_path)
    assert found is not None and found.kind == kind


def test_sshfs_is_named_from_the_mount_table(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(drives, "_platform", lambda: "linux")
    monkeypatch.setattr(drives, "_linux_fs_magic", lambda path: 0x65735546)  # FUSE
    mounts = f"lead@server:/ {tmp_path} fuse.sshfs rw 0 0\n"
    monkeypatch.setattr(drives, "_mounts_text", lambda: mounts)
    assert drives.network_drive(tmp_path) == drives.NetworkDrive(str(tmp_path), "FUSE (sshfs)")


def test_without_statfs_the_mount_table_decides(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(drives, "_platform", lambda: "linux")
    monkeypatch.setattr(drives, "_linux_fs_magic", lambda path: None)
    folder = tmp_path / "with space"
    folder.mkdir()
    escaped = str(folder).replace(" ", "\\040")
    mounts = f"/dev/sda1 / ext4 rw 0 0\n//nas/ip {escaped} cifs rw 0 0\n"
    monkeypatch.setattr(drives, "_mounts_text", lambda: mounts)
    assert drives.network_drive(folder / "r.nhsip") == drives.NetworkDrive(
        str(folder), "SMB (CIFS)"
    )
    assert drives.network_drive(tmp_path) is None  # the longest mount above it is ext4


def test_macos_network_types_come_from_f_fstypename(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = {"/Volumes/IP": ("smbfs", "/Volumes/IP"), "/Users/lead": ("apfs", "/")}
    monkeypatch.setattr(drives, "_platform", lambda: "darwin")
    monkeypatch.setattr(drives, "_existing", lambda path, module: path)
    monkeypatch.setattr(drives.os.path, "realpath", lambda path: path)
    monkeypatch.setattr(drives, "_mac_fstypename", lambda path: answers[path])
    assert drives.network_drive("/Volumes/IP") == drives.NetworkDrive("/Volumes/IP", "SMB")
    assert drives.network_drive("/Users/lead") is None


def test_a_local_temporary_folder_is_not_a_network_drive(tmp_path: Path) -> None:
    """The real platform calls, on this machine's own disk."""
    assert drives.network_drive(tmp_path) is None
    assert drives.network_drive(tmp_path / "not-yet" / "trust.nhsip") is None
    if drives._platform().startswith("linux"):
        assert drives._linux_fs_magic(str(tmp_path)) is not None  # statfs really answered
        assert drives._linux_mount(str(tmp_path)) is not None


# --- a register on a network drive ------------------------------------------------------


@pytest.fixture
def on_network(monkeypatch: pytest.MonkeyPatch) -> drives.NetworkDrive:
    drive = drives.NetworkDrive("H:", "mapped network drive")
    monkeypatch.setattr(drives, "network_drive", lambda path: drive)
    return drive


def _journal_mode(register: Register) -> str:
    return str(register.conn.execute("PRAGMA journal_mode").fetchone()[0])


def test_a_register_on_a_network_drive_uses_a_rollback_journal_and_exclusive_locking(
    tmp_path: Path, on_network: drives.NetworkDrive
) -> None:
    path = tmp_path / "trust.nhsip"
    register = Register.create(path, actor=ACTOR, organisation="Example NHS Trust")
    try:
        assert _journal_mode(register) == "delete"
        assert str(register.conn.execute("PRAGMA locking_mode").fetchone()[0]) == "exclusive"
        assert register.storage_notice.startswith(
            "This register is on a network drive (H:). It is opened in a safer mode that "
            "allows one computer at a time"
        )
        case = register.cases.add("Cutting guide", summary="A guide")
        assert not sidecars(path)[0].exists()  # no write-ahead log on the network drive
        backup = create_backup(register)  # the export path: no raw copy of a WAL file
        assert backup.verified and backup.cases == 1
        assert register.check().ok
        key = register.data_key
    finally:
        register.close()
    reopened = Register.open(path, key, actor=ACTOR)
    try:
        assert reopened.cases.get(case.id).title == "Cutting guide"
        assert _journal_mode(reopened) == "delete"
    finally:
        reopened.close()


def test_a_register_left_in_wal_mode_is_switched_when_found_on_a_network_drive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "trust.nhsip"
    register = Register.create(path, actor=ACTOR)
    key = register.data_key
    assert _journal_mode(register) == "wal" and register.storage_notice == ""
    register.close()
    monkeypatch.setattr(drives, "network_drive", lambda p: drives.NetworkDrive("H:", "mapped"))
    with Register.open(path, key, actor=ACTOR) as reopened:
        assert _journal_mode(reopened) == "delete"
        assert "network drive (H:)" in reopened.storage_notice
    monkeypatch.undo()
    with Register.open(path, key, actor=ACTOR) as local:  # back on a local disk: WAL again
        assert _journal_mode(local) == "wal" and local.storage_notice == ""


def test_a_register_that_cannot_be_switched_is_refused_with_nothing_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "trust.nhsip"
    register = Register.create(path, actor=ACTOR)
    key = register.data_key
    register.cases.add("Kept")
    register.close()
    # Another program holds the file open in write-ahead mode (simulated: a reader mid-read).
    from nhsip_desktop.store import sqlcipher
    from nhsip_desktop.store.header import read_header

    other = sqlcipher.connect(path, key, read_header(path).salt)
    other.execute("BEGIN")
    other.execute("SELECT count(*) FROM cases").fetchone()
    try:
        monkeypatch.setattr(drives, "network_drive", lambda p: drives.NetworkDrive("H:", "m"))
        with pytest.raises(NetworkDriveError, match=r"network drive \(H:\).*one program at a time"):
            Register.open(path, key, actor=ACTOR)
        assert not lock_path(path).exists()
    finally:
        other.execute("ROLLBACK")
        other.close()
    monkeypatch.undo()
    with Register.open(path, key, actor=ACTOR) as reopened:
        assert reopened.cases.titles() == ["Kept"]


def test_the_command_line_tells_the_person_about_the_network_drive(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    memory_keyring: Any,
) -> None:
    path = tmp_path / "trust.nhsip"
    monkeypatch.setattr(drives, "network_drive", lambda p: drives.NetworkDrive("H:", "mapped"))
    assert cli.main(["init", str(path), "--recovery-key-out", str(tmp_path / "key.txt")]) == 0
    assert "This register is on a network drive (H:)" in capsys.readouterr().err
    assert cli.main(["check", str(path)]) == 0
    out, err = capsys.readouterr()
    assert "All checks passed." in out
    assert "This register is on a network drive (H:)" in err
    assert "Keep registers on this computer's own disk" in err


# --- path lengths -------------------------------------------------------------------------


def test_a_windows_path_too_long_for_the_backup_names_is_refused_with_figures() -> None:
    folder = "C:\\Users\\innovation.lead\\Documents\\" + "\\".join(["Research projects"] * 9)
    path = folder + "\\Example NHS Foundation Trust IP register.nhsip"
    measured = drives.measure_path(path, windows=True)
    assert measured.register_chars == len(path) < drives.WINDOWS_MAX_PATH_CHARS
    assert measured.longest_chars > drives.WINDOWS_MAX_PATH_CHARS
    problem = drives.path_length_problem(path, windows=True)
    assert problem is not None
    assert f"Its full path is {len(path)} characters" in problem
    assert f"would need {measured.longest_chars}; Windows allows 259" in problem
    assert "shorter path" in problem and "Nothing has been written" in problem
    assert drives.path_length_problem("C:\\IP Register\\trust.nhsip", windows=True) is None


def test_the_derived_names_match_the_ones_the_store_makes(tmp_path: Path) -> None:
    """The lengths measured are those of the names the store really makes."""
    path = tmp_path / "trust.nhsip"
    stamp = utc_stamp(dt.datetime.now(dt.UTC), fine=True)
    real_backup = backup_folder(path) / f"trust.{stamp}.after-key-change.nhsip-journal"
    kept_link = path.with_name(f".{path.name}.before-key-change-{stamp}.linking")
    measured = drives.measure_path(path, windows=False)
    assert measured.longest_chars == max(len(str(real_backup)), len(str(kept_link)))
    assert len(secrets.token_hex(4)) == len(drives._TOKEN)


def test_a_too_long_register_path_is_refused_before_anything_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "trust.nhsip"
    register = Register.create(path, actor=ACTOR)
    key = register.data_key
    register.close()
    before = sorted(p.name for p in tmp_path.iterdir())
    monkeypatch.setattr(
        drives, "path_length_problem", lambda p: "This register's location is too long"
    )
    with pytest.raises(PathTooLongError, match="too long"):
        Register.open(path, key, actor=ACTOR)
    with pytest.raises(PathTooLongError, match="too long"):
        Register.create(tmp_path / "other.nhsip", actor=ACTOR)
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no lock, no temp file


def test_a_file_name_too_long_for_the_file_system_is_refused_by_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], memory_keyring: Any
) -> None:
    """Real, on this machine: a 230-character name fits, its backups' names (287) would not."""
    path = tmp_path / ("x" * 230 + ".nhsip")
    assert cli.main(["init", str(path), "--recovery-key-out", str(tmp_path / "key.txt")]) == 2
    err = capsys.readouterr().err
    assert "file name is too long" in err and "287 bytes" in err and "allow 255" in err
    assert list(tmp_path.iterdir()) == []


# --- the app ------------------------------------------------------------------------------


def test_the_app_tells_the_person_after_opening_from_a_network_drive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, qtbot: Any, memory_keyring: Any
) -> None:
    from PySide6.QtWidgets import QMessageBox

    from nhsip_desktop.store.keystore import save_to_keyring
    from nhsip_desktop.ui.main_window import MainWindow

    path = tmp_path / "trust.nhsip"
    with Register.create(path, actor=ACTOR) as register:
        save_to_keyring(register.register_id, register.data_key)
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(
        QMessageBox, "information", lambda _parent, title, text, *a: shown.append((title, text))
    )
    monkeypatch.setattr(drives, "network_drive", lambda p: drives.NetworkDrive("H:", "mapped"))
    window = MainWindow()
    qtbot.addWidget(window)
    window.open_path(path)
    try:
        assert window.session.is_open
        assert shown == [("Register on a network drive", window.session.register.storage_notice)]
        assert "network drive (H:)" in shown[0][1]
    finally:
        window.session.lock()


def test_the_app_explains_a_path_too_long_and_a_busy_network_register() -> None:
    from nhsip_desktop.app.messages import explain_open_error

    explanation = explain_open_error(PathTooLongError("Its full path is 270 characters"))
    assert explanation.heading == "The register's location is too long"
    assert "shorter path" in explanation.next_step
    explanation = explain_open_error(NetworkDriveError("another program is using it"))
    assert "other computer" in explanation.next_step
