"""Where the key comes from: keyring, recovery key, passphrase."""

from __future__ import annotations

from pathlib import Path

import pytest

from nhsip_desktop.store.audit import Actor
from nhsip_desktop.store.errors import KeyUnavailableError, WrongKeyError, WrongPassphraseError
from nhsip_desktop.store.keystore import SERVICE, write_passphrase_protector
from nhsip_desktop.store.recovery import encode_recovery_key
from nhsip_desktop.store.register import Register
from nhsip_desktop.store.unlock import KeySource, open_register, store_in_keyring
from tests.conftest import MemoryKeyring, file_state


def _new(tmp_path: Path, actor: Actor) -> tuple[Path, bytes, str]:
    path = tmp_path / "reg.nhsip"
    with Register.create(path, actor=actor) as reg:
        reg.cases.add("Heel protector")
        return path, reg.data_key, reg.register_id


def test_opens_silently_from_the_keyring(
    tmp_path: Path, actor: Actor, memory_keyring: MemoryKeyring
) -> None:
    path, key, rid = _new(tmp_path, actor)
    with Register.open(path, key, actor=actor) as reg:
        assert store_in_keyring(reg).startswith("The key is stored in this computer's keyring")
    assert (SERVICE, rid) in memory_keyring.store
    unlocked = open_register(path, actor=actor)
    with unlocked.register as reg:
        assert unlocked.source is KeySource.KEYRING
        assert reg.cases.count() == 1


def test_recovery_key_after_the_keyring_entry_is_deleted(
    tmp_path: Path, actor: Actor, memory_keyring: MemoryKeyring
) -> None:
    path, key, rid = _new(tmp_path, actor)
    memory_keyring.store[(SERVICE, rid)] = key.hex()
    del memory_keyring.store[(SERVICE, rid)]
    with pytest.raises(KeyUnavailableError, match="recovery key"):
        open_register(path, actor=actor)
    unlocked = open_register(
        path, actor=actor, recovery_key=encode_recovery_key(key).lower(), restore_to_keyring=True
    )
    with unlocked.register as reg:
        assert unlocked.source is KeySource.RECOVERY_KEY
        assert reg.cases.count() == 1
    assert "stored in this computer's keyring" in unlocked.keyring_message
    assert memory_keyring.store[(SERVICE, rid)] == key.hex()


def test_headless_machine_without_keyring_uses_the_recovery_key(
    tmp_path: Path, actor: Actor, no_keyring: None
) -> None:
    path, key, _ = _new(tmp_path, actor)
    with pytest.raises(KeyUnavailableError, match="recovery key"):
        open_register(path, actor=actor)
    unlocked = open_register(
        path, actor=actor, recovery_key=encode_recovery_key(key), restore_to_keyring=True
    )
    unlocked.register.close()
    assert "was not stored" in unlocked.keyring_message


def test_another_registers_recovery_key_is_the_wrong_key(tmp_path: Path, actor: Actor) -> None:
    path, _, _ = _new(tmp_path, actor)
    other = tmp_path / "other"
    other.mkdir()
    _, other_key, _ = _new(other, actor)
    before = file_state(tmp_path)
    with pytest.raises(WrongKeyError):
        open_register(path, actor=actor, recovery_key=encode_recovery_key(other_key))
    assert file_state(tmp_path) == before


def test_passphrase_protector_opens_and_a_wrong_passphrase_is_clear(
    tmp_path: Path, actor: Actor
) -> None:
    path, key, rid = _new(tmp_path, actor)
    write_passphrase_protector(path, rid, key, "correct horse battery staple")
    unlocked = open_register(path, actor=actor, passphrase="correct horse battery staple")
    with unlocked.register as reg:
        assert unlocked.source is KeySource.PASSPHRASE
        assert reg.cases.count() == 1
    with pytest.raises(WrongPassphraseError, match="does not unlock"):
        open_register(path, actor=actor, passphrase="correct horse battery stapler")
