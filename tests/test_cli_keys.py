"""Key commands as IT runs them: change-key, --passphrase-stdin, key files, set-passphrase."""

from __future__ import annotations

import argparse
import getpass
import io
from pathlib import Path

import pytest

from nhsip_desktop.app import cli
from nhsip_desktop.store import keystore, unlock
from nhsip_desktop.store.audit import Actor
from nhsip_desktop.store.errors import (
    KeyUnavailableError,
    MalformedKeyringEntryError,
    RecoveryKeyFormatError,
    SaveFailedError,
    StaleKeyringEntryError,
    WrongKeyError,
)
from nhsip_desktop.store.header import read_header
from nhsip_desktop.store.keystore import SERVICE, has_passphrase_protector
from nhsip_desktop.store.recovery import decode_recovery_key, encode_recovery_key
from nhsip_desktop.store.register import Register
from nhsip_desktop.store.unlock import open_register, read_recovery_key_file
from tests.conftest import MemoryKeyring, file_state

PASSPHRASE = "tea and biscuits at eleven"


@pytest.fixture(autouse=True)
def _cheap_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keystore, "SCRYPT_N", 2**14)


@pytest.fixture
def made(tmp_path: Path, actor: Actor) -> tuple[Path, bytes, Path]:
    """A closed register with one case and its recovery key file: (path, key, key file)."""
    path = tmp_path / "trust.nhsip"
    key_file = tmp_path / "trust-recovery-key.txt"
    assert cli.main(["init", str(path), "--recovery-key-out", str(key_file)]) == 0
    key = decode_recovery_key(read_recovery_key_file(key_file))
    with Register.open(path, key, actor=actor) as reg:
        reg.cases.add("Catheter clip")
    return path, key, key_file


def _stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))


def _set_passphrase(monkeypatch: pytest.MonkeyPatch, path: Path, key_file: Path) -> None:
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": PASSPHRASE)
    assert cli.main(["set-passphrase", str(path), "--recovery-key-file", str(key_file)]) == 0


def test_change_key_keeps_the_passphrase_and_swaps_the_recovery_key(
    made: tuple[Path, bytes, Path],
    tmp_path: Path,
    actor: Actor,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path, old_key, key_file = made
    _set_passphrase(monkeypatch, path, key_file)
    new_file = tmp_path / "new-key.txt"
    prompts: list[str] = []

    def ask(prompt: str = "") -> str:
        prompts.append(prompt)
        return PASSPHRASE

    monkeypatch.setattr(getpass, "getpass", ask)  # no --passphrase-stdin: asked once
    code = cli.main(
        ["change-key", str(path), "--recovery-key-file", str(key_file),
         "--new-recovery-key-out", str(new_file)]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0, out
    assert len(prompts) == 1 and "moved to the new key" in prompts[0]
    assert "passphrase was moved" in out and "fresh backup under the new key" in out
    new_key = decode_recovery_key(read_recovery_key_file(new_file))
    assert new_file.stat().st_mode & 0o077 == 0
    # Done when: the passphrase still opens it, the old key does not, the new one does.
    with open_register(path, actor=actor, passphrase=PASSPHRASE).register as reg:
        assert reg.data_key == new_key
        assert reg.verify_audit().ok
        assert "rekey" in [e.action for e in reg.audit.entries()]
    with pytest.raises(WrongKeyError):
        open_register(path, actor=actor, recovery_key=encode_recovery_key(old_key))
    assert cli.main(["check", str(path), "--recovery-key-file", str(new_file)]) == 0
    _stdin(monkeypatch, PASSPHRASE + "\n")
    assert cli.main(["check", str(path), "--passphrase-stdin"]) == 0


def test_change_key_with_a_wrong_passphrase_changes_nothing(
    made: tuple[Path, bytes, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path, _, key_file = made
    _set_passphrase(monkeypatch, path, key_file)
    before = file_state(tmp_path)
    _stdin(monkeypatch, "not the passphrase at all\n")
    new_file = tmp_path / "new-key.txt"
    code = cli.main(
        ["change-key", str(path), "--recovery-key-file", str(key_file), "--passphrase-stdin",
         "--new-recovery-key-out", str(new_file)]
    )  # fmt: skip
    assert code == cli.EXIT_ERROR
    assert "not changed" in capsys.readouterr().err
    assert not new_file.exists()  # refused before the new key was handed out
    after = file_state(tmp_path)
    assert sorted(after) == sorted(before)  # no file added or left behind
    for name in after:  # opening writes its bookkeeping; the key and protectors are as they were
        if name != "trust.nhsip":
            assert after[name] == before[name]
    assert after["trust.nhsip"][:16] == before["trust.nhsip"][:16]  # the header: the same key


def test_change_key_never_overwrites_a_key_file(
    made: tuple[Path, bytes, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, _, key_file = made
    before = file_state(tmp_path)
    code = cli.main(
        ["change-key", str(path), "--recovery-key-file", str(key_file),
         "--new-recovery-key-out", str(key_file)]
    )  # fmt: skip
    assert code == cli.EXIT_ERROR
    assert "already exists" in capsys.readouterr().err
    assert file_state(tmp_path) == before


def test_passphrase_stdin_wherever_a_recovery_key_file_is_accepted() -> None:
    def walk(parser: argparse.ArgumentParser, name: str) -> list[tuple[str, set[str]]]:
        found = [(name, {o for a in parser._actions for o in a.option_strings})]
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for child_name, child in action.choices.items():
                    found += walk(child, f"{name} {child_name}")
        return found

    commands = [
        (name, options)
        for name, options in walk(cli.build_parser(), "nhsip-desktop")
        if "--recovery-key-file" in options
    ]
    assert len(commands) >= 12
    assert [name for name, options in commands if "--passphrase-stdin" not in options] == []


def test_cases_with_passphrase_stdin(
    made: tuple[Path, bytes, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path, _, key_file = made
    _set_passphrase(monkeypatch, path, key_file)
    capsys.readouterr()
    _stdin(monkeypatch, PASSPHRASE + "\r\n")
    assert cli.main(["cases", str(path), "--passphrase-stdin"]) == 0
    assert "Catheter clip" in capsys.readouterr().out
    _stdin(monkeypatch, "")
    assert cli.main(["cases", str(path), "--passphrase-stdin"]) == cli.EXIT_ERROR
    assert "standard input was empty" in capsys.readouterr().err


@pytest.mark.parametrize(
    "layout",
    ["spaces", "dashes", "lower case", "one group a line", "numbered grid", "bare"],
)
def test_key_files_as_printed_on_the_sheet(
    made: tuple[Path, bytes, Path], tmp_path: Path, layout: str
) -> None:
    path, key, _ = made
    groups = encode_recovery_key(key).split("-")
    text = {
        "spaces": "Recovery key:\n" + " ".join(groups) + "\n",
        "dashes": "\n" + " - ".join(groups) + "\n",
        "lower case": "  " + "-".join(groups).lower() + "  \n",
        "one group a line": "My key\n" + "\n".join(groups) + "\n",
        "numbered grid": "".join(f"{g}\n" for g in groups[:6])
        + "".join(f"{g}\n" for g in groups[6:]),
        "bare": "".join(groups),
    }[layout]
    key_file = tmp_path / "typed.txt"
    key_file.write_text(text, encoding="utf-8")
    assert cli.main(["check", str(path), "--recovery-key-file", str(key_file)]) == 0


def test_a_mistyped_key_file_says_so(made: tuple[Path, bytes, Path], tmp_path: Path) -> None:
    _, key, _ = made
    groups = encode_recovery_key(key).split("-")
    groups[3] = "ZZZZZ" if groups[3] != "ZZZZZ" else "YYYYY"
    key_file = tmp_path / "typed.txt"
    key_file.write_text(" ".join(groups) + "\n", encoding="utf-8")
    with pytest.raises(RecoveryKeyFormatError, match="mistyped"):
        read_recovery_key_file(key_file)
    key_file.write_text("nothing here\n", encoding="utf-8")
    with pytest.raises(KeyUnavailableError, match="No recovery key"):
        read_recovery_key_file(key_file)


def test_set_passphrase_is_audited_before_the_file_exists(
    register: Register, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = unlock.write_passphrase_protector
    seen: list[tuple[str, bool]] = []

    def write(*args: object, **kwargs: object) -> Path:
        # When the protector is written, its audit row is already committed.
        last = next(register.audit.entries())
        seen.append((last.action, register.conn.in_transaction))
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(unlock, "write_passphrase_protector", write)
    unlock.set_passphrase(register, PASSPHRASE)
    assert seen == [("set-passphrase", False)]
    assert has_passphrase_protector(register.path)


def test_a_failed_passphrase_write_is_audited_too(
    register: Register, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(*args: object, **kwargs: object) -> Path:
        raise SaveFailedError("The passphrase file could not be saved (No space left).")

    monkeypatch.setattr(unlock, "write_passphrase_protector", full_disk)
    with pytest.raises(SaveFailedError):
        unlock.set_passphrase(register, PASSPHRASE)
    actions = [e.action for e in register.audit.entries()][:2]
    assert actions == ["set-passphrase-failed", "set-passphrase"]
    assert not has_passphrase_protector(register.path)


def test_removing_the_passphrase_is_audited(register: Register) -> None:
    unlock.set_passphrase(register, PASSPHRASE)
    assert unlock.remove_passphrase(register)
    assert not has_passphrase_protector(register.path)
    assert next(register.audit.entries()).action == "remove-passphrase"
    assert not unlock.remove_passphrase(register)


def test_a_stale_keyring_entry_asks_for_the_key_in_words(
    made: tuple[Path, bytes, Path], actor: Actor, memory_keyring: MemoryKeyring
) -> None:
    path, _, _ = made
    register_id = read_header(path).register_id
    memory_keyring.store[(SERVICE, register_id)] = bytes(32).hex()  # a key from before a change
    with pytest.raises(StaleKeyringEntryError) as caught:
        open_register(path, actor=actor)
    text = str(caught.value)
    assert "does not open it" in text and "restored from a backup" in text
    assert "typed" not in text and "recovery key" in text
    memory_keyring.store[(SERVICE, register_id)] = "not a key"
    with pytest.raises(MalformedKeyringEntryError, match="not a key"):
        open_register(path, actor=actor)
