"""Backups: verified encrypted copies, listed, pruned and restored, with real SQLCipher files."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
from pathlib import Path

import pytest

from nhsip_desktop.store import backups, sqlcipher
from nhsip_desktop.store.audit import Actor
from nhsip_desktop.store.backups import (
    BackupError,
    backup_folder,
    backup_if_due,
    create_backup,
    latest_backup_time,
    list_backups,
    prune_backups,
    restore_backup,
)
from nhsip_desktop.store.header import read_header
from nhsip_desktop.store.lock import RegisterInUseError, RegisterLock
from nhsip_desktop.store.register import Register, verify_file
from tests.conftest import file_state

MARKER = "ZQXJ-secret-catheter-clamp"


def _flip_bit(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x10
    path.write_bytes(bytes(data))


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_a_backup_is_verified_named_and_listed(register: Register) -> None:
    register.cases.add(f"Cutting guide {MARKER}")
    register.cases.add("Second case")
    info = create_backup(register)

    folder = register.path.parent / "trust-backups"
    assert info.path.parent == backup_folder(register.path) == folder
    assert re.fullmatch(r"trust\.\d{8}T\d{6}(-\d{6})?Z\.manual\.nhsip", info.path.name)
    assert (info.reason, info.cases, info.verified) == ("manual", 2, True)
    assert info.audit_seq == register.chain_head().seq
    assert info.size == info.path.stat().st_size > 0
    assert info.created_at.tzinfo is not None
    # Nothing but the backup itself is left in the folder (no temporary or sidecar files).
    assert _names(info.path.parent) == [info.path.name]
    # It is a complete register under the same key, with the same register id.
    assert read_header(info.path).register_id == register.register_id
    verify_file(info.path, register.data_key, thorough=True)
    if os.name == "posix":
        assert info.path.stat().st_mode & 0o077 == 0

    listed = list_backups(register.path)
    assert [b.path for b in listed] == [info.path]
    assert (listed[0].cases, listed[0].verified) == (None, False)  # names and sizes only
    checked = list_backups(register.path, key=register.data_key)
    assert (checked[0].cases, checked[0].audit_seq, checked[0].verified) == (
        2,
        info.audit_seq,
        True,
    )
    assert latest_backup_time(register.path) is not None

    with Register.open(info.path, register.data_key, actor=Actor("check")) as copy:
        assert copy.cases.count() == 2
        assert copy.verify_audit().ok


def test_no_backup_file_contains_plaintext(register: Register) -> None:
    register.cases.add(f"Guide {MARKER}", summary=f"Summary mentioning {MARKER}")
    create_backup(register)
    register.cases.add("Another")
    create_backup(register, reason="scheduled")
    folder = backup_folder(register.path)
    files = list(folder.iterdir())
    assert len(files) == 2
    for path in files:
        raw = path.read_bytes()
        assert MARKER.encode() not in raw
        assert MARKER.encode("utf-16-le") not in raw
        assert b"SQLite format 3" not in raw
        assert b"CREATE TABLE" not in raw
        assert raw[:4] == b"NHIP"


def test_a_failed_backup_leaves_no_file_and_says_why(
    register: Register, monkeypatch: pytest.MonkeyPatch
) -> None:
    register.cases.add("A case")
    real_copy = backups._copy_bytes

    def disk_full(source: Register, target: Path, length: int) -> None:
        real_copy(source, target, length // 2)  # half the pages reach the disk, then it fills
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(backups, "_copy_bytes", disk_full)
    with pytest.raises(BackupError, match=r"could not be written.*No space left.*unchanged"):
        create_backup(register)
    assert _names(backup_folder(register.path)) == []
    # The write lock taken for the copy was let go: the register saves as before.
    assert not register.conn.in_transaction
    register.cases.add("After the failure")
    assert register.cases.count() == 2


def test_a_failed_export_leaves_no_file_and_says_why(
    register: Register, monkeypatch: pytest.MonkeyPatch
) -> None:
    register.cases.add("A case")
    monkeypatch.setattr(backups, "_copy_snapshot", lambda register, target: None)

    def disk_full(conn: object, target: Path, key: bytes, salt: bytes) -> None:
        target.write_bytes(b"partial")
        raise sqlcipher.OperationalError("database or disk is full")

    monkeypatch.setattr(backups.sqlcipher, "export_to", disk_full)
    with pytest.raises(BackupError, match=r"could not be written.*disk is full.*unchanged"):
        create_backup(register)
    assert _names(backup_folder(register.path)) == []
    assert register.cases.count() == 1


def _live_bytes(register: Register, start: int, length: int) -> bytes:
    """Bytes of the open register's file, read through its one raw descriptor (opening and
    closing the file beside the connection would drop SQLite's locks)."""
    fd = register.raw_descriptor()
    os.lseek(fd, start, os.SEEK_SET)
    return os.read(fd, length)


def _journal_mode(path: Path, key: bytes) -> str:
    conn = sqlcipher.connect(path, key, read_header(path).salt, readonly=True)
    try:
        return str(conn.execute("PRAGMA journal_mode").fetchone()[0])
    finally:
        conn.close()
        for side in sqlcipher.sidecars(path):
            side.unlink(missing_ok=True)


def test_a_backup_is_a_page_for_page_image_including_unsaved_log_pages(
    register: Register,
) -> None:
    """The fast path copies the encrypted pages as they are (no re-encryption), after the
    write-ahead log has been folded in: a case still in the log is in the backup. Only page 1
    differs, switched to a rollback journal so the backup opens on read-only media."""
    for n in range(40):
        register.cases.add(f"Case {n} {MARKER}")
    wal = register.path.with_name(register.path.name + "-wal")
    assert wal.stat().st_size > 0  # the newest changes are still in the log
    info = create_backup(register)
    assert wal.stat().st_size == 0  # folded into the file for the copy
    copy = info.path.read_bytes()
    page = sqlcipher.PAGE_SIZE
    assert len(copy) % page == 0 and len(copy) // page > 10
    assert copy[page:] == _live_bytes(register, page, len(copy) - page)
    assert copy[:page] != _live_bytes(register, 0, page)
    assert _journal_mode(info.path, register.data_key) == "delete"
    assert info.cases == 40
    reopened = Register.open(info.path, register.data_key, actor=register.actor)
    try:
        assert reopened.cases.count() == 40
        assert reopened.chain_head() == register.chain_head()
    finally:
        reopened.close()


@pytest.mark.skipif(not Path("/proc/locks").exists(), reason="reads Linux's /proc/locks")
def test_a_backup_leaves_sqlites_locks_on_the_register_in_place(register: Register) -> None:
    """On Linux closing any descriptor on a file drops all the process's locks on it, so the
    copy must never open and close the live file beside SQLite."""
    register.cases.add("A case")

    def our_locks() -> list[str]:
        mark = f":{os.stat(register.path).st_ino} "
        # Without the leading ordinal ("13:"): it counts every lock on the machine, so it
        # moves when another process (another test worker) takes or drops one.
        return [
            line.split(":", 1)[1]
            for line in Path("/proc/locks").read_text().splitlines()
            if f" {os.getpid()} " in line and mark in line
        ]

    before = our_locks()
    assert before  # SQLite holds a lock on the file of an open WAL register
    create_backup(register)
    create_backup(register)
    assert our_locks() == before
    register.close()
    assert our_locks() == []  # and the raw descriptor was closed with the register


def test_a_backup_falls_back_to_an_export_when_the_log_cannot_be_emptied(
    register: Register,
) -> None:
    register.cases.add("Held back by a reader")
    register.conn.execute("PRAGMA busy_timeout = 50")
    reader = sqlcipher.connect(register.path, register.data_key, register.header.salt)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM cases").fetchone()  # pins the log
        register.cases.add("Written after the reader began")
        info = create_backup(register)
    finally:
        reader.close()
    assert info.verified and info.cases == 2
    # An export, not an image: even page 2 differs from the live file's (fresh IVs).
    page = sqlcipher.PAGE_SIZE
    assert info.path.read_bytes()[page : 2 * page] != _live_bytes(register, page, page)
    assert not register.conn.in_transaction


def test_a_damaged_page_in_the_register_fails_the_backup_instead_of_spreading(
    tmp_path: Path, actor: Actor
) -> None:
    """Bit rot in a page the register has not read since it opened is copied by the fast path;
    the copy's page check must catch it so that no damaged backup is called verified."""
    path = tmp_path / "rot.nhsip"
    reg = Register.create(path, actor=actor, organisation="Test Trust")
    for n in range(60):
        reg.cases.add(f"Case {n} " + "words " * 40)
    key = reg.data_key
    reg.close()
    pages = path.stat().st_size // sqlcipher.PAGE_SIZE
    _flip_bit(path, (pages - 2) * sqlcipher.PAGE_SIZE + 200)
    reg = Register.open(path, key, actor=actor, thorough=False)
    try:
        with pytest.raises(BackupError, match=rf"HMAC verification failed for page {pages - 1}"):
            create_backup(reg)
        assert _names(backup_folder(path)) == []
    finally:
        reg.close()


def test_a_backup_that_does_not_match_the_register_is_refused(
    register: Register, monkeypatch: pytest.MonkeyPatch
) -> None:
    register.cases.add("A case")
    real = backups.register_facts
    calls: list[object] = []

    def live_says_more(conn: object) -> backups.RegisterFacts:
        # The first call reads the live register; later ones read the copy.
        calls.append(conn)
        facts = real(conn)
        return dataclasses.replace(facts, cases=facts.cases + 1) if len(calls) == 1 else facts

    monkeypatch.setattr(backups, "register_facts", live_says_more)
    with pytest.raises(BackupError, match=r"did not match.*holds 1 cases, not 2"):
        create_backup(register)
    assert _names(backup_folder(register.path)) == []


def test_a_bad_reason_is_refused(register: Register) -> None:
    with pytest.raises(ValueError, match="reason"):
        create_backup(register, reason="../escape")


def test_pruning_keeps_the_newest(register: Register) -> None:
    made = []
    for n in range(5):
        register.cases.add(f"Case {n}")
        made.append(create_backup(register).path)
    listed = list_backups(register.path)
    assert [b.path for b in listed] == list(reversed(made))

    deleted = prune_backups(register.path, 2, key=register.data_key)
    assert sorted(deleted) == sorted(made[:3])
    assert [b.path for b in list_backups(register.path)] == [made[4], made[3]]
    # Already at the limit: nothing more goes.
    assert prune_backups(register.path, 2, key=register.data_key) == []
    with pytest.raises(ValueError):
        prune_backups(register.path, 0, key=register.data_key)


def test_pruning_deletes_nothing_without_a_verified_newer_backup(register: Register) -> None:
    made = [create_backup(register).path for _ in range(3)]
    # A key that verifies nothing: no backup is verified, so none is deleted.
    assert prune_backups(register.path, 1, key=bytes(32)) == []
    assert len(list_backups(register.path)) == 3
    # The newest is damaged: only backups older than the newest good one may go.
    _flip_bit(made[2], 3 * 4096 // 2)
    deleted = prune_backups(register.path, 1, key=register.data_key)
    assert deleted == [made[0]]
    assert [b.path for b in list_backups(register.path)] == [made[2], made[1]]
    checked = list_backups(register.path, key=register.data_key)
    assert [b.verified for b in checked] == [False, True]
    assert "damaged" in checked[0].problem


def test_backup_if_due_respects_the_interval(register: Register) -> None:
    first = backup_if_due(register, every_hours=12)
    assert first is not None and first.reason == "scheduled"
    assert backup_if_due(register, every_hours=12) is None
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=11)
    assert backup_if_due(register, every_hours=12, now=later) is None
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=13)
    second = backup_if_due(register, every_hours=12, keep=10, now=later)
    assert second is not None
    assert len(list_backups(register.path)) == 2
    # Pruning happens after a due backup.
    much_later = later + dt.timedelta(hours=13)
    assert backup_if_due(register, every_hours=12, keep=1, now=much_later) is not None
    assert len(list_backups(register.path)) == 1
    # The clock went backwards (the newest backup looks a day in the future): back up anyway.
    earlier = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    assert backup_if_due(register, every_hours=12, keep=10, now=earlier) is not None


def test_restore_into_a_new_file(register: Register, tmp_path: Path) -> None:
    register.cases.add(f"Guide {MARKER}")
    info = create_backup(register)
    key = register.data_key
    target = tmp_path / "restored.nhsip"
    assert restore_backup(info.path, target, key) == target
    assert read_header(target).register_id == register.register_id
    with Register.open(target, key, actor=Actor("restorer")) as restored:
        assert restored.cases.count() == 1
        assert restored.verify_audit().ok
    assert not list(tmp_path.glob(".restored.nhsip*"))
    assert not (tmp_path / "restored.nhsip.lock").exists()


def test_restore_over_the_register_keeps_the_replaced_file(
    register: Register, tmp_path: Path, actor: Actor
) -> None:
    register.cases.add("Before the backup")
    info = create_backup(register)
    register.cases.add("After the backup")
    key, path = register.data_key, register.path
    register.close()

    restore_backup(info.path, path, key)
    with Register.open(path, key, actor=actor) as restored:
        assert restored.cases.count() == 1
        assert restored.verify_audit().ok
    kept = list(tmp_path.glob("trust.nhsip.replaced-*"))
    assert len(kept) == 1
    with Register.open(kept[0], key, actor=actor) as old:
        assert old.cases.count() == 2
    assert not list(tmp_path.glob(".trust.nhsip.restoring-*"))
    assert not (tmp_path / "trust.nhsip.lock").exists()


def test_another_registers_backup_is_refused(
    register: Register, tmp_path: Path, actor: Actor
) -> None:
    other_path = tmp_path / "other" / "other.nhsip"
    other_path.parent.mkdir()
    with Register.create(other_path, actor=actor) as other:
        other_key = other.data_key
        info = create_backup(other)
    register.close()
    before = file_state(tmp_path)
    with pytest.raises(BackupError, match="belongs to a different register"):
        restore_backup(info.path, register.path, other_key)
    assert file_state(tmp_path) == before


def test_a_damaged_backup_is_refused_and_nothing_is_replaced(
    register: Register, tmp_path: Path
) -> None:
    register.cases.add("A case")
    info = create_backup(register)
    key, path = register.data_key, register.path
    register.close()
    _flip_bit(info.path, 4096 + 200)
    before = file_state(tmp_path)
    with pytest.raises(BackupError, match=r"is damaged .*nothing has\s+been replaced"):
        restore_backup(info.path, path, key)
    assert file_state(tmp_path) == before
    assert not list(tmp_path.glob("*.replaced-*"))


def test_a_backup_opened_with_the_wrong_key_is_refused(register: Register) -> None:
    info = create_backup(register)
    register.close()
    with pytest.raises(BackupError, match="does not open the backup"):
        restore_backup(info.path, register.path, bytes(32))


def test_restore_is_refused_while_the_register_is_open_elsewhere(register: Register) -> None:
    info = create_backup(register)
    key, path = register.data_key, register.path
    register.close()
    before = path.read_bytes()
    with RegisterLock(path), pytest.raises(RegisterInUseError):
        restore_backup(info.path, path, key)
    assert path.read_bytes() == before


def test_an_unidentified_target_is_replaced_only_when_asked(
    register: Register, tmp_path: Path
) -> None:
    info = create_backup(register)
    key, path = register.data_key, register.path
    register.close()
    path.write_bytes(b"\x00" * 8192)  # the header is gone
    with pytest.raises(BackupError, match="cannot be identified"):
        restore_backup(info.path, path, key)
    restore_backup(info.path, path, key, replace_unidentified=True)
    verify_file(path, key)
    kept = list(tmp_path.glob("trust.nhsip.replaced-*"))
    assert [k.read_bytes() for k in kept] == [b"\x00" * 8192]


def test_list_backups_ignores_other_files(register: Register) -> None:
    info = create_backup(register)
    folder = info.path.parent
    (folder / "notes.txt").write_text("hello")
    (folder / "othername.20260101T000000Z.manual.nhsip").write_bytes(b"x")
    (folder / ".trust.backup-1234.partial").write_bytes(b"x")
    assert [b.path for b in list_backups(register.path)] == [info.path]


def test_restore_moves_a_left_over_write_ahead_log_with_the_replaced_file(
    tmp_path: Path, actor: Actor
) -> None:
    live = tmp_path / "live.nhsip"
    with Register.create(live, actor=actor) as reg:
        key = reg.data_key
        info = create_backup(reg, tmp_path / "copies")
        reg.conn.execute("PRAGMA wal_autocheckpoint = 0")
        reg.cases.add("Only in the write-ahead log")
        # What a crash leaves on disk: the file plus a write-ahead log of committed work.
        crashed = tmp_path / "trust.nhsip"
        crashed.write_bytes(live.read_bytes())
        crashed_wal = crashed.with_name(crashed.name + "-wal")
        crashed_wal.write_bytes(live.with_name(live.name + "-wal").read_bytes())
    restore_backup(info.path, crashed, key)
    # The old log went with the replaced file: it is never applied to the restored one.
    assert not crashed_wal.exists()
    with Register.open(crashed, key, actor=actor) as restored:
        assert restored.cases.count() == 0
    [kept] = tmp_path.glob("trust.nhsip.replaced-*[0-9]Z")
    assert kept.with_name(kept.name + "-wal").exists()
    with Register.open(kept, key, actor=actor) as old:
        assert old.cases.count() == 1


def test_restore_works_where_hard_links_do_not(
    register: Register, tmp_path: Path, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    register.cases.add("Kept")
    info = create_backup(register)
    register.cases.add("Replaced")
    key, path = register.data_key, register.path
    register.close()

    def no_links(src: object, dst: object) -> None:
        raise OSError(1, "Operation not permitted")

    monkeypatch.setattr(backups.os, "link", no_links)
    restore_backup(info.path, path, key)
    with Register.open(path, key, actor=actor) as restored:
        assert restored.cases.count() == 1
    [kept] = tmp_path.glob("trust.nhsip.replaced-*")
    with Register.open(kept, key, actor=actor) as old:
        assert old.cases.count() == 2


def test_leftovers_of_a_crash_are_removed_on_the_next_open(tmp_path: Path, actor: Actor) -> None:
    import os

    from nhsip_desktop.store.backups import backup_folder
    from nhsip_desktop.store.register import Register as _Register

    path = tmp_path / "trust.nhsip"
    with _Register.create(path, actor=actor) as reg:
        key = reg.data_key
    alias = tmp_path / f".{path.name}.before-key-change-20260101T000000Z.linking"
    os.link(path, alias)  # what a crash between the link and the swap leaves
    folder = backup_folder(path)
    folder.mkdir()
    partial = folder / f".{path.stem}.backup-deadbeef.partial"
    partial.write_bytes(b"\x00" * 100)  # what a killed backup leaves
    with _Register.open(path, key, actor=actor):
        pass
    assert not alias.exists() and not partial.exists()
    assert path.exists()


def test_a_register_file_that_cannot_be_read_directly_is_exported_instead(
    register: Register, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the file cannot be read beside SQLite (a byte-range lock on Windows, say), the
    backup is made through SQLite's export instead of failing."""
    register.cases.add("A case")

    def locked() -> int:
        raise PermissionError(33, "The process cannot access the file")

    monkeypatch.setattr(register, "raw_descriptor", locked)
    info = create_backup(register)
    monkeypatch.undo()
    assert info.verified and info.cases == 1
    assert _names(backup_folder(register.path)) == [info.path.name]
    page = sqlcipher.PAGE_SIZE
    assert info.path.read_bytes()[page : 2 * page] != _live_bytes(register, page, page)
