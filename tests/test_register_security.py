"""The register at rest: encrypted, never written when it fails to open, three clear errors."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from nhsip_desktop.store import sqlcipher
from nhsip_desktop.store.audit import Actor
from nhsip_desktop.store.errors import (
    DamagedRegisterError,
    NotARegisterError,
    RecoveryKeyFormatError,
    WrongKeyError,
)
from nhsip_desktop.store.keystore import write_passphrase_protector
from nhsip_desktop.store.recovery import encode_recovery_key
from nhsip_desktop.store.register import Register
from tests.conftest import file_state

MARKER = "ZQXJ-unique-marker-7741"


def _make(tmp_path: Path, actor: Actor, cases: int = 60) -> tuple[Path, bytes]:
    path = tmp_path / "reg.nhsip"
    with Register.create(path, actor=actor, organisation="Trust") as reg:
        key = reg.data_key
        reg.cases.add_many(
            {"title": f"Case {i} about splints", "summary": "x" * 400} for i in range(cases)
        )
    return path, key


def test_stdlib_sqlite_cannot_read_a_register(register: Register) -> None:
    register.cases.add("Anything")
    plain = sqlite3.connect(register.path)
    with pytest.raises(sqlite3.DatabaseError, match="file is not a database"):
        plain.execute("SELECT * FROM sqlite_master").fetchall()
    plain.close()


def test_marker_in_title_reaches_no_file_in_the_folder(
    register: Register, memory_keyring: object
) -> None:
    write_passphrase_protector(
        register.path, register.register_id, register.data_key, "a long passphrase"
    )
    case = register.cases.add(f"Splint {MARKER}", summary=f"Summary {MARKER}")
    register.cases.update(case.id, title=f"Better splint {MARKER}")
    folder = register.path.parent

    def leaks() -> list[str]:
        needle = MARKER.encode()
        found = []
        for path in folder.rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                if needle in data or MARKER.encode("utf-16-le") in data:
                    found.append(path.name)
        return found

    names = {p.name for p in folder.iterdir()}
    assert f"{register.path.name}-wal" in names  # the WAL is there while open, and encrypted
    assert leaks() == []
    register.close()
    assert leaks() == []


def test_wrong_key_is_its_own_error_and_writes_nothing(tmp_path: Path, actor: Actor) -> None:
    path, key = _make(tmp_path, actor)
    before = file_state(tmp_path)
    wrong = bytes(b ^ 0x01 for b in key)
    with pytest.raises(WrongKeyError, match="does not unlock"):
        Register.open(path, wrong, actor=actor)
    assert file_state(tmp_path) == before


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "empty"),
        (b"hello, this is a text file and not a register at all" * 10, "not an IP register"),
        (b"%PDF-1.7\n" + bytes(5000), "not an IP register"),
    ],
)
def test_not_a_register(tmp_path: Path, actor: Actor, content: bytes, words: str) -> None:
    path = tmp_path / "thing.nhsip"
    path.write_bytes(content)
    with pytest.raises(NotARegisterError, match=words):
        Register.open(path, bytes(32), actor=actor)
    assert file_state(tmp_path) == {"thing.nhsip": content}


def test_plain_sqlite_database_is_not_a_register(tmp_path: Path, actor: Actor) -> None:
    path = tmp_path / "plain.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t(x)")
    conn.commit()
    conn.close()
    before = file_state(tmp_path)
    with pytest.raises(NotARegisterError, match="unencrypted SQLite"):
        Register.open(path, bytes(32), actor=actor)
    assert file_state(tmp_path) == before


def test_missing_file_and_folder_are_not_registers(tmp_path: Path, actor: Actor) -> None:
    with pytest.raises(NotARegisterError, match="no file"):
        Register.open(tmp_path / "nope.nhsip", bytes(32), actor=actor)
    with pytest.raises(NotARegisterError, match="folder"):
        Register.open(tmp_path, bytes(32), actor=actor)


def _flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x40
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    "pages",
    [(0,), (3,), (2, 7, 11), (1, 5, 9, 13)],
    ids=["first-page", "one-page", "three-pages", "four-pages"],
)
def test_bit_flips_are_damage_and_write_nothing(
    tmp_path: Path, actor: Actor, pages: tuple[int, ...]
) -> None:
    path, key = _make(tmp_path, actor)
    page_count = path.stat().st_size // sqlcipher.PAGE_SIZE
    assert page_count > 14
    for page in pages:
        # Offset 100 into the page: past the 16-byte header that holds the key check.
        _flip(path, page * sqlcipher.PAGE_SIZE + 100)
    before = file_state(tmp_path)
    with pytest.raises(DamagedRegisterError, match="damaged") as info:
        Register.open(path, key, actor=actor)
    assert info.value.problems
    assert file_state(tmp_path) == before


@pytest.mark.parametrize("cut", [1000, sqlcipher.PAGE_SIZE * 3], ids=["mid-page", "whole-pages"])
def test_truncation_is_damage_and_writes_nothing(tmp_path: Path, actor: Actor, cut: int) -> None:
    path, key = _make(tmp_path, actor)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - cut])
    before = file_state(tmp_path)
    with pytest.raises(DamagedRegisterError):
        Register.open(path, key, actor=actor)
    assert file_state(tmp_path) == before


def test_the_three_errors_are_distinct_classes() -> None:
    classes = {NotARegisterError, WrongKeyError, DamagedRegisterError}
    assert len(classes) == 3
    for cls in classes:
        others = classes - {cls}
        assert not any(issubclass(cls, other) for other in others)


def test_mistyped_recovery_key_is_refused_before_any_database_access(
    tmp_path: Path, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nhsip_desktop.store.unlock import open_register

    path, key = _make(tmp_path, actor, cases=1)
    text = encode_recovery_key(key)
    position = 7
    replacement = "Z" if text[position] != "Z" else "Y"
    typo = text[:position] + replacement + text[position + 1 :]

    def no_database(*args: object, **kwargs: object) -> None:
        raise AssertionError("the database was touched")

    monkeypatch.setattr(sqlcipher, "connect", no_database)
    with pytest.raises(RecoveryKeyFormatError, match="mistyped"):
        open_register(path, actor=actor, recovery_key=typo)


def test_large_register_open_is_structural_but_still_catches_truncation(
    tmp_path: Path, actor: Actor
) -> None:
    path, key = _make(tmp_path, actor)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - sqlcipher.PAGE_SIZE * 2])
    before = file_state(tmp_path)
    with pytest.raises(DamagedRegisterError, match="damaged"):
        Register.open(path, key, actor=actor, thorough=False)
    assert file_state(tmp_path) == before


def test_damaged_page_is_never_used_silently_after_a_structural_open(
    tmp_path: Path, actor: Actor
) -> None:
    path, key = _make(tmp_path, actor, cases=400)
    pages = path.stat().st_size // sqlcipher.PAGE_SIZE
    for page in range(pages // 2, pages - 1):
        _flip(path, page * sqlcipher.PAGE_SIZE + 200)
    # Refused at open when the damage is met there, else on the first read: never used.
    with pytest.raises((DamagedRegisterError, sqlcipher.DatabaseError)):
        reg = Register.open(path, key, actor=actor, thorough=False)
        try:
            reg.cases.get_many(reg.cases.ids())
        finally:
            reg.close()


def test_one_writer_a_second_open_is_refused_until_the_first_closes(
    tmp_path: Path, actor: Actor
) -> None:
    from nhsip_desktop.store.lock import RegisterInUseError

    path, key = _make(tmp_path, actor, cases=1)
    first = Register.open(path, key, actor=actor)
    with pytest.raises(RegisterInUseError, match="open in another window"):
        Register.open(path, key, actor=actor)
    assert first.cases.count() == 1  # the first is unaffected
    first.close()
    with Register.open(path, key, actor=actor) as again:
        assert again.cases.count() == 1
