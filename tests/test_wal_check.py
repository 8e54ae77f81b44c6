"""The write-ahead log is read and checked before anything folds it in (issue 22 item 3).

A register left by a crash keeps committed changes in ``<register>-wal``. SQLite stops at the
first bad frame and ignores every later commit; these tests damage a real log in the middle
(refused, log kept, backup offered) and tear its end (an ordinary crash: opens as before).
"""

from __future__ import annotations

import hashlib
import struct
from pathlib import Path
from typing import Any

import pytest

from nhsip_desktop.app import cli
from nhsip_desktop.store.audit import Actor
from nhsip_desktop.store.backups import BackupError, create_backup
from nhsip_desktop.store.errors import DamagedLogError
from nhsip_desktop.store.keystore import save_to_keyring
from nhsip_desktop.store.recovery import encode_recovery_key
from nhsip_desktop.store.register import Register
from nhsip_desktop.store.wal_check import FRAME_HEADER_SIZE, WAL_HEADER_SIZE, check_log

FRAME = FRAME_HEADER_SIZE + 4096
CHANGES = 30


def _frames(wal: Path) -> list[tuple[int, int]]:
    """(page number, commit size) of every whole frame."""
    data = wal.read_bytes()
    count = (len(data) - WAL_HEADER_SIZE) // FRAME
    return [struct.unpack_from(">II", data, WAL_HEADER_SIZE + i * FRAME) for i in range(count)]


def _crashed_register(folder: Path, actor: Actor) -> tuple[Path, bytes]:
    """A register with a verified backup, then CHANGES committed cases still in its log, as a
    killed program leaves it (the files copied while it was open)."""
    path = folder / "trust.nhsip"
    register = Register.create(path, actor=actor, organisation="Test Trust")
    create_backup(register, reason="manual")
    for number in range(CHANGES):
        register.cases.add(f"Acknowledged change {number}", summary="saved")
    key = register.data_key
    saved = {p: p.read_bytes() for p in (path, path.with_name(path.name + "-wal"))}
    register.close()  # folds the log in and empties it: put the crashed state back
    for target, data in saved.items():
        target.write_bytes(data)
    assert _frames(path.with_name(path.name + "-wal")), "the changes are in the log"
    return path, key


def _flip(wal: Path, offset: int) -> None:
    data = bytearray(wal.read_bytes())
    data[offset] ^= 0x01
    wal.write_bytes(bytes(data))


def _middle_commit_frame(wal: Path) -> int:
    """Index of a commit frame about half-way through the log."""
    commits = [i for i, (_page, commit) in enumerate(_frames(wal)) if commit]
    return commits[len(commits) // 2]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_an_intact_crash_log_is_read_whole(tmp_path: Path, actor: Actor) -> None:
    path, key = _crashed_register(tmp_path, actor)
    report = check_log(path, key, path.read_bytes()[:16])
    assert not report.damaged and report.first_bad_frame is None
    assert report.commits >= CHANGES and report.replayable == report.frames
    with Register.open(path, key, actor=actor) as register:
        assert register.cases.count() == CHANGES


@pytest.mark.parametrize("where", ["page", "salt"])
def test_damage_in_the_middle_is_refused_and_the_log_kept(
    tmp_path: Path, actor: Actor, where: str
) -> None:
    path, key = _crashed_register(tmp_path, actor)
    wal = path.with_name(path.name + "-wal")
    index = _middle_commit_frame(wal) - 1  # a frame inside the middle change
    offset = WAL_HEADER_SIZE + index * FRAME + (FRAME_HEADER_SIZE + 1000 if where == "page" else 9)
    _flip(wal, offset)
    before = (_digest(path), _digest(wal))

    with pytest.raises(DamagedLogError) as caught:
        Register.open(path, key, actor=actor)

    error = caught.value
    assert 10 <= error.lost_commits <= CHANGES
    assert f"the change log is damaged: {error.lost_commits} committed changes cannot be read" in (
        str(error)
    )
    assert error.backup is not None and "newest verified backup" in str(error)
    assert (_digest(path), _digest(wal)) == before, "nothing written, the log kept as evidence"
    assert not path.with_name(path.name + ".lock").exists()


def test_check_fails_on_a_damaged_log_and_never_deletes_it(
    tmp_path: Path, actor: Actor, capsys: pytest.CaptureFixture[str]
) -> None:
    path, key = _crashed_register(tmp_path, actor)
    wal = path.with_name(path.name + "-wal")
    _flip(wal, WAL_HEADER_SIZE + (_middle_commit_frame(wal) - 2) * FRAME + 2000)
    before = _digest(wal)
    key_file = tmp_path / "key.txt"
    key_file.write_text(encode_recovery_key(key) + "\n", encoding="utf-8")

    code = cli.main(["check", str(path), "--recovery-key-file", str(key_file)])

    out = capsys.readouterr().out
    assert code == cli.EXIT_CHECK_FAILED
    assert "committed changes cannot be read" in out
    assert "All checks passed" not in out
    assert "newest verified backup" in out
    assert wal.exists() and _digest(wal) == before


def test_a_torn_final_frame_is_an_ordinary_crash(tmp_path: Path, actor: Actor) -> None:
    path, key = _crashed_register(tmp_path, actor)
    wal = path.with_name(path.name + "-wal")
    frames = _frames(wal)
    # Cut the log part-way through its final frame (the last commit was being written).
    with wal.open("r+b") as handle:
        handle.truncate(WAL_HEADER_SIZE + (len(frames) - 1) * FRAME + 1500)
    report = check_log(path, key, path.read_bytes()[:16])
    assert not report.damaged and report.torn_tail

    with Register.open(path, key, actor=actor) as register:
        assert register.cases.count() == CHANGES - 1  # only the unfinished change is gone
        assert register.check().ok


def test_a_damaged_final_frame_with_nothing_after_it_is_normal(
    tmp_path: Path, actor: Actor
) -> None:
    path, key = _crashed_register(tmp_path, actor)
    wal = path.with_name(path.name + "-wal")
    last = len(_frames(wal)) - 1
    _flip(wal, WAL_HEADER_SIZE + last * FRAME + FRAME_HEADER_SIZE + 100)
    with Register.open(path, key, actor=actor) as register:
        assert register.cases.count() == CHANGES - 1


def test_backup_refuses_to_fold_in_a_damaged_live_log(tmp_path: Path, actor: Actor) -> None:
    register = Register.create(tmp_path / "trust.nhsip", actor=actor)
    try:
        for number in range(12):
            register.cases.add(f"Change {number}")
        wal = register.path.with_name(register.path.name + "-wal")
        _flip(wal, WAL_HEADER_SIZE + (_middle_commit_frame(wal) - 1) * FRAME + 3000)
        before = _digest(wal)
        with pytest.raises(BackupError, match="committed change"):
            create_backup(register, reason="manual")
        assert _digest(wal) == before
    finally:
        register._conn.close()  # as a crash would: the damaged log is not folded in
        register._conn = None
        register.close()


def test_the_app_offers_the_newest_backup(
    tmp_path: Path, actor: Actor, memory_keyring: Any, qtbot: Any, monkeypatch: Any
) -> None:
    from PySide6.QtWidgets import QMessageBox

    from nhsip_desktop.ui import unlock as unlock_ui

    path, key = _crashed_register(tmp_path, actor)
    wal = path.with_name(path.name + "-wal")
    _flip(wal, WAL_HEADER_SIZE + (_middle_commit_frame(wal) - 1) * FRAME + 500)
    save_to_keyring(path.read_bytes()[5:12].hex(), key)
    shown: list[tuple[str, str, list[str]]] = []

    def fake_exec(box: QMessageBox) -> int:
        shown.append((box.text(), box.informativeText(), [b.text() for b in box.buttons()]))
        return 0  # closed without choosing

    monkeypatch.setattr(QMessageBox, "exec", fake_exec)
    assert unlock_ui.unlock(path) is None
    heading, detail, buttons = shown[0]
    assert "change log" in heading.lower()
    assert "committed changes cannot be read" in detail
    assert "newest verified backup" in detail
    assert "Restore the backup" in buttons
    assert wal.exists()


def test_a_damaged_log_header_with_commits_is_refused(tmp_path: Path, actor: Actor) -> None:
    path, key = _crashed_register(tmp_path, actor)
    wal = path.with_name(path.name + "-wal")
    _flip(wal, 30)  # the header's checksum: SQLite would ignore the whole log
    with pytest.raises(DamagedLogError, match="header is damaged"):
        Register.open(path, key, actor=actor)
    assert wal.exists()


def test_closing_keeps_a_log_damaged_in_the_middle(tmp_path: Path, actor: Actor) -> None:
    """Closing folds the log in (the last connection's checkpoint) only after reading its
    frames: damaged in the middle of an open register's log, it is kept, and the error says so;
    the next open reports it as before."""
    register = Register.create(tmp_path / "trust.nhsip", actor=actor)
    create_backup(register, reason="manual")
    path = register.path
    for number in range(12):
        register.cases.add(f"Change {number}")
    key = register.data_key
    wal = path.with_name(path.name + "-wal")
    _flip(wal, WAL_HEADER_SIZE + (_middle_commit_frame(wal) - 1) * FRAME + 3000)
    before = (_digest(path), _digest(wal))

    with pytest.raises(DamagedLogError) as caught:
        register.close()

    assert "without folding in its change log" in str(caught.value)
    assert "committed changes cannot be read" in str(caught.value)
    assert caught.value.lost_commits >= 1
    assert wal.exists(), "the damaged log is kept as evidence"
    assert (_digest(path), _digest(wal)) == before, "nothing folded in, nothing written"
    assert not register.is_open
    assert not path.with_name(path.name + ".lock").exists()
    register.close()  # a second close is quiet
    with pytest.raises(DamagedLogError, match="committed change"):
        Register.open(path, key, actor=actor)
    assert wal.exists()


def test_an_explicit_checkpoint_refuses_a_damaged_log(tmp_path: Path, actor: Actor) -> None:
    register = Register.create(tmp_path / "trust.nhsip", actor=actor)
    wal = register.path.with_name(register.path.name + "-wal")
    try:
        for number in range(12):
            register.cases.add(f"Change {number}")
        register.checkpoint()  # an intact log is folded in and emptied
        assert wal.stat().st_size == 0
        for number in range(12):
            register.cases.add(f"Later change {number}")
        _flip(wal, WAL_HEADER_SIZE + (_middle_commit_frame(wal) - 1) * FRAME + 3000)
        before = (_digest(register.path), _digest(wal))
        with pytest.raises(DamagedLogError, match="has not been saved into its file"):
            register.checkpoint()
        assert (_digest(register.path), _digest(wal)) == before
    finally:
        with pytest.raises(DamagedLogError):
            register.close()
    assert wal.exists()


def test_an_ordinary_close_folds_the_log_in(tmp_path: Path, actor: Actor) -> None:
    register = Register.create(tmp_path / "trust.nhsip", actor=actor)
    path, key = register.path, register.data_key
    for number in range(12):
        register.cases.add(f"Change {number}")
    wal = path.with_name(path.name + "-wal")
    assert wal.stat().st_size > 0
    register.close()
    assert not wal.exists() or wal.stat().st_size == 0
    with Register.open(path, key, actor=actor) as reopened:
        assert reopened.cases.count() == 12


def test_a_log_already_folded_in_is_not_read_again_at_close(
    tmp_path: Path, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large transaction (an import) leaves a log SQLite has already copied back whole:
    reading it again at close would cost its size in memory and 0.3 ms a frame for nothing."""
    from nhsip_desktop.store import wal_check

    register = Register.create(tmp_path / "trust.nhsip", actor=actor)
    path, key = register.path, register.data_key
    for number in range(3):
        register.cases.add(f"Small change {number}")
    assert not wal_check.folded_in(path)  # small commits stay in the log until a checkpoint
    with register.transaction():
        for number in range(3000):
            register.cases.add(f"Imported {number}", summary="x" * 500)
    wal = path.with_name(path.name + "-wal")
    assert wal.stat().st_size > 1000 * FRAME
    assert wal_check.folded_in(path)

    def not_again(*_args: object) -> None:
        raise AssertionError("the folded-in log was read again")

    monkeypatch.setattr(wal_check, "check_log", not_again)
    register.close()
    assert not wal.exists() or wal.stat().st_size == 0
    monkeypatch.undo()
    with Register.open(path, key, actor=actor) as reopened:
        assert reopened.cases.count() == 3003
