"""A key change killed at every step boundary still leaves a register its user can open.

Each run is a real ``nhsip-desktop change-key`` in a child process, on a tiny register with a
passphrase file and a keyring entry (a keyring kept in a JSON file, so it outlives the killed
process; trusted explicitly, as the app trusts only the OS keyrings). The protocol's step
hook ends the process with ``os._exit`` at one named boundary. The next open (here, in this
process) must finish or undo the change, and then exactly one of the recovery keys the person
holds opens the register, and the passphrase and keyring entry open it with that same key.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backend
import pytest

from nhsip_desktop.core.keyfile import recovery_key_text, write_private_file
from nhsip_desktop.store import keystore, rekey
from nhsip_desktop.store.audit import Actor
from nhsip_desktop.store.errors import WrongKeyError
from nhsip_desktop.store.header import read_header
from nhsip_desktop.store.keystore import SERVICE, read_passphrase_protector
from nhsip_desktop.store.recovery import decode_recovery_key, encode_recovery_key
from nhsip_desktop.store.register import Register
from nhsip_desktop.store.unlock import KeySource, open_register, read_recovery_key_file

ROOT = Path(__file__).resolve().parent.parent
PASSPHRASE = "a long and memorable passphrase"
KILLED = 97


class FileKeyring(keyring.backend.KeyringBackend):
    """A keyring kept in the JSON file named by ``NHSIP_TEST_KEYRING_FILE`` (tests only)."""

    priority = -10  # type: ignore[assignment]

    def _path(self) -> Path:
        return Path(os.environ["NHSIP_TEST_KEYRING_FILE"])

    def _load(self) -> dict[str, str]:
        try:
            data: dict[str, str] = json.loads(self._path().read_text())
        except FileNotFoundError:
            return {}
        return data

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}/{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._load()
        data[f"{service}/{username}"] = password
        temporary = self._path().with_suffix(".tmp")
        temporary.write_text(json.dumps(data))
        os.replace(temporary, self._path())

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        if data.pop(f"{service}/{username}", None) is None:
            raise keyring.errors.PasswordDeleteError("not found")
        temporary = self._path().with_suffix(".tmp")
        temporary.write_text(json.dumps(data))
        os.replace(temporary, self._path())


CHILD = """
import os, sys
import keyring
from nhsip_desktop.store import keystore, rekey
from tests.test_key_change_crash import FileKeyring

keystore.SCRYPT_N = 2**14  # the cheapest cost the reader accepts: the test is about crashes
kill_at = os.environ.get("KILL_AT", "")

def hook(step):
    if step == kill_at:
        os._exit(KILLED_CODE)

rekey.step_hook = hook
keyring.set_keyring(FileKeyring())
with keystore.trusted_backend_for_tests(FileKeyring):
    from nhsip_desktop.app.cli import main
    sys.exit(main(sys.argv[1:]))
""".replace("KILLED_CODE", str(KILLED))


@pytest.fixture
def file_keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FileKeyring]:
    monkeypatch.setenv("NHSIP_TEST_KEYRING_FILE", str(tmp_path / "keyring.json"))
    monkeypatch.setattr(keystore, "SCRYPT_N", 2**14)
    previous = keyring.get_keyring()
    backend = FileKeyring()
    keyring.set_keyring(backend)
    try:
        with keystore.trusted_backend_for_tests(FileKeyring):
            yield backend
    finally:
        keyring.set_keyring(previous)


def _setup(folder: Path, actor: Actor) -> tuple[Path, bytes, Path]:
    """A register with one case, a passphrase file, a keyring entry and its recovery key file."""
    path = folder / "trust.nhsip"
    with Register.create(path, actor=actor) as reg:
        reg.cases.add("Pressure ulcer sensor")
        key, register_id = reg.data_key, reg.register_id
    keystore.write_passphrase_protector(path, register_id, key, PASSPHRASE)
    keystore.save_to_keyring(register_id, key)
    old_key_file = folder / "old-recovery-key.txt"
    write_private_file(
        old_key_file,
        recovery_key_text(
            encode_recovery_key(key), register_path=path, register_id=register_id, organisation=""
        ),
    )
    return path, key, old_key_file


def _change_key(path: Path, old_key_file: Path, new_key_file: Path, kill_at: str) -> int:
    env = {**os.environ, "KILL_AT": kill_at, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, "change-key", str(path), "--recovery-key-file",
         str(old_key_file), "--passphrase-stdin", "--new-recovery-key-out", str(new_key_file),
         "--no-backup"],
        input=PASSPHRASE + "\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )  # fmt: skip
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode


def _opens(path: Path, recovery_key: str, actor: Actor) -> bool:
    try:
        open_register(path, actor=actor, recovery_key=recovery_key).register.close()
    except WrongKeyError:
        return False
    return True


BEFORE_COMMIT = ("locked", "copied", "prepared", "delivered", "staged")
AFTER_COMMIT = ("committed", "swapped", "protectors", "finished")


def test_the_steps_are_the_protocols() -> None:
    assert rekey.STEPS == BEFORE_COMMIT + AFTER_COMMIT


@pytest.mark.parametrize("step", rekey.STEPS)
def test_a_kill_at_any_step_leaves_one_key_set_the_user_holds(
    tmp_path: Path, actor: Actor, file_keyring: FileKeyring, step: str
) -> None:
    path, old_key, old_key_file = _setup(tmp_path, actor)
    new_key_file = tmp_path / "new-recovery-key.txt"

    assert _change_key(path, old_key_file, new_key_file, kill_at=step) == KILLED

    # The new recovery key is written before anything is swapped.
    assert new_key_file.exists() == (step not in ("locked", "copied", "prepared"))

    # The next open, as the app does it (keyring first), finishes or undoes the change.
    unlocked = open_register(path, actor=actor)
    with unlocked.register as reg:
        assert unlocked.source is KeySource.KEYRING
        key = reg.data_key
        assert reg.cases.count() == 1
        assert reg.verify_audit().ok
        last = next(reg.audit.entries())
        assert (last.action == "rekey") == (step in AFTER_COMMIT)
    message = unlocked.key_change_message
    if step in AFTER_COMMIT[:-1]:
        assert "has now been finished" in message and str(new_key_file) in message
    elif step in ("prepared", "delivered", "staged"):
        assert "was undone" in message and "does NOT open it" in message
    else:
        assert message == ""

    # Exactly one key set: the register, the passphrase and the keyring agree on one key ...
    expected = (
        old_key
        if step in BEFORE_COMMIT
        else decode_recovery_key(read_recovery_key_file(new_key_file))
    )
    assert key == expected
    assert read_header(path).matches(key)
    assert read_passphrase_protector(path, PASSPHRASE) == key
    stored = file_keyring._load()
    assert stored == {f"{SERVICE}/{read_header(path).register_id}": key.hex()}
    # ... and it is the recovery key the person holds; any other they were given does not open.
    held = [read_recovery_key_file(old_key_file)]
    if new_key_file.exists():
        held.append(read_recovery_key_file(new_key_file))
    opening = [text for text in held if _opens(path, text, actor)]
    assert [decode_recovery_key(text) for text in opening] == [key]

    # Nothing is left half-done.
    names = sorted(p.name for p in tmp_path.iterdir())
    assert not [n for n in names if n.startswith(".") or n.endswith(".key-change")], names
    kept = [n for n in names if ".before-key-change-" in n]
    assert len(kept) == (1 if step in AFTER_COMMIT else 0)
    if kept:  # the old file is kept and opens with the old key only
        assert read_header(tmp_path / kept[0]).matches(old_key)


def test_an_uninterrupted_change_needs_no_repair(
    tmp_path: Path, actor: Actor, file_keyring: FileKeyring
) -> None:
    path, old_key, old_key_file = _setup(tmp_path, actor)
    new_key_file = tmp_path / "new-recovery-key.txt"
    assert _change_key(path, old_key_file, new_key_file, kill_at="") == 0
    assert rekey.finish_interrupted_change(path) is None
    new_key = decode_recovery_key(read_recovery_key_file(new_key_file))
    assert not _opens(path, read_recovery_key_file(old_key_file), actor)
    unlocked = open_register(path, actor=actor, passphrase=PASSPHRASE)
    with unlocked.register as reg:
        assert reg.data_key == new_key != old_key
