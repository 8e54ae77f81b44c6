"""``nhsip-desktop cases`` opens the register read-only (issue 24): it writes nothing, leaves
no companion file, still refuses a register whose log is damaged in the middle, and a damaged
page it reads fails with a message, never wrong rows."""

from __future__ import annotations

import hashlib
import shutil
import struct
from pathlib import Path

import pytest

from nhsip_desktop.app import cli
from nhsip_desktop.core.errors import RegisterError
from nhsip_desktop.store.audit import Actor
from nhsip_desktop.store.recovery import encode_recovery_key
from nhsip_desktop.store.register import Register
from nhsip_desktop.store.wal_check import FRAME_HEADER_SIZE, WAL_HEADER_SIZE

FRAME = FRAME_HEADER_SIZE + 4096


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _register(tmp_path: Path, actor: Actor, cases: int = 12) -> tuple[Path, Path, bytes]:
    path = tmp_path / "trust.nhsip"
    with Register.create(path, actor=actor, organisation="Test Trust") as register:
        for number in range(cases):
            register.cases.add(f"Case {number}", summary="s")
        key = register.data_key
    key_file = tmp_path / "key.txt"
    key_file.write_text(encode_recovery_key(key) + "\n", encoding="utf-8")
    return path, key_file, key


def test_cases_writes_nothing_and_leaves_no_companion_files(
    tmp_path: Path, actor: Actor, capsys: pytest.CaptureFixture[str]
) -> None:
    path, key_file, _ = _register(tmp_path, actor)
    before = {p.name: _digest(p) for p in tmp_path.iterdir()}

    assert cli.main(["cases", str(path), "--recovery-key-file", str(key_file)]) == cli.EXIT_OK

    assert len(capsys.readouterr().out.splitlines()) == 12
    assert {p.name: _digest(p) for p in tmp_path.iterdir()} == before


def test_a_register_opened_to_read_refuses_changes(tmp_path: Path, actor: Actor) -> None:
    path, _, key = _register(tmp_path, actor)
    with Register.open(path, key, actor=actor, read_only=True) as register:
        assert register.read_only and register.cases.count() == 12
        with pytest.raises(RegisterError, match="opened for reading only"):
            register.cases.add("Not saved")
    with Register.open(path, key, actor=actor) as register:
        assert register.cases.count() == 12


def test_cases_reads_an_intact_crash_log_and_refuses_one_damaged_in_the_middle(
    tmp_path: Path, actor: Actor, capsys: pytest.CaptureFixture[str]
) -> None:
    path, key_file, key = _register(tmp_path, actor, cases=0)
    register = Register.open(path, key, actor=actor)
    for number in range(20):
        register.cases.add(f"Acknowledged {number}")
    wal = path.with_name(path.name + "-wal")
    saved = {p: p.read_bytes() for p in (path, wal)}
    register.close()
    for target, data in saved.items():  # the files as a killed program leaves them
        target.write_bytes(data)

    assert cli.main(["cases", str(path), "--recovery-key-file", str(key_file)]) == cli.EXIT_OK
    assert len(capsys.readouterr().out.splitlines()) == 20, "every change in the log is read"
    assert _digest(wal) == hashlib.sha256(saved[wal]).hexdigest(), "the log is not folded in"

    data = bytearray(saved[wal])
    count = (len(data) - WAL_HEADER_SIZE) // FRAME
    commits = [
        i for i in range(count) if struct.unpack_from(">II", data, WAL_HEADER_SIZE + i * FRAME)[1]
    ]
    data[WAL_HEADER_SIZE + (commits[len(commits) // 2] - 1) * FRAME + 2000] ^= 1
    wal.write_bytes(bytes(data))
    code = cli.main(["cases", str(path), "--recovery-key-file", str(key_file)])
    captured = capsys.readouterr()
    assert code == cli.EXIT_ERROR
    assert "committed changes cannot be read" in captured.err
    assert captured.out == ""
    assert wal.exists()


def test_a_damaged_page_read_by_cases_fails_with_a_message(
    tmp_path: Path, actor: Actor, capsys: pytest.CaptureFixture[str]
) -> None:
    path, key_file, _ = _register(tmp_path, actor, cases=300)
    pristine = tmp_path / "pristine.nhsip"
    shutil.copyfile(path, pristine)
    pages = path.stat().st_size // 4096
    failed = 0
    for page in range(2, pages + 1):  # every page after the schema, one at a time
        data = bytearray(pristine.read_bytes())
        data[(page - 1) * 4096 + 100] ^= 0x40
        path.write_bytes(bytes(data))
        code = cli.main(["cases", str(path), "--recovery-key-file", str(key_file)])
        captured = capsys.readouterr()
        if code != cli.EXIT_OK:
            failed += 1
            assert code == cli.EXIT_ERROR and "Traceback" not in captured.err
            assert captured.err.strip(), "a message, not silence"
        else:  # a page the listing does not read: the rows printed are all there
            assert len(captured.out.splitlines()) == 300
    assert failed > 0
