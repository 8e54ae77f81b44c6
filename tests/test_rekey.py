"""Changing the data key: a new file under a new key, the audit trail re-signed, the old kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from nhsip_desktop.store import rekey, sqlcipher
from nhsip_desktop.store.audit import Actor
from nhsip_desktop.store.backups import create_backup, list_backups
from nhsip_desktop.store.cases import CaseFilter
from nhsip_desktop.store.errors import WrongKeyError
from nhsip_desktop.store.header import read_header
from nhsip_desktop.store.lock import RegisterInUseError, RegisterLock
from nhsip_desktop.store.recovery import decode_recovery_key
from nhsip_desktop.store.register import Register, verify_file
from nhsip_desktop.store.rekey import ChangedKey, KeyChangeError, change_data_key
from tests.conftest import file_state


@pytest.fixture
def closed(register: Register) -> tuple[Path, bytes, str]:
    """A closed register with two cases and a few audit entries: (path, key, register id)."""
    register.cases.add("Cutting guide for knee surgery", summary="3D printed")
    case = register.cases.add("Sepsis early-warning score")
    register.cases.update(case.id, title="Sepsis early-warning score v2")
    path, key, register_id = register.path, register.data_key, register.register_id
    register.close()
    return path, key, register_id


def test_the_key_is_changed_and_the_old_file_kept(
    closed: tuple[Path, bytes, str], actor: Actor
) -> None:
    path, old_key, register_id = closed
    with Register.open(path, old_key, actor=actor) as reg:
        old_rows = reg.audit.count()

    result = change_data_key(path, old_key, actor=actor)

    assert isinstance(result, ChangedKey)
    assert len(result.new_key) == 32 and result.new_key != old_key
    assert decode_recovery_key(result.recovery_key) == result.new_key
    assert result.new_key.hex() not in repr(result)
    assert result.recovery_key not in repr(result)
    # The old key is refused; the new one opens the register, whose id is unchanged.
    with pytest.raises(WrongKeyError):
        Register.open(path, old_key, actor=actor)
    assert read_header(path).register_id == register_id
    with Register.open(path, result.new_key, actor=actor) as reg:
        assert reg.register_id == register_id
        assert reg.cases.count() == 2
        assert reg.cases.count(CaseFilter(text="sepsis")) == 1  # full-text index survived
        assert reg.audit_status is not None and reg.audit_status.ok
        full = reg.verify_audit()
        assert full.ok and full.checked_rows == old_rows + 1 == reg.chain_head().seq
        last = next(reg.audit.entries())
        assert (last.action, last.record_kind, last.record_id) == ("rekey", "register", register_id)
        assert last.changes == {"key": ["old", "new"]}
        assert (last.os_user, last.actor_name) == (actor.os_user, actor.display_name)
        # Still writable, and the chain goes on with the new key.
        reg.cases.add("After the key change")
        assert reg.verify_audit().ok
    # The old file is kept beside it and still opens with the old key, chain intact.
    assert result.replaced_path.parent == path.parent
    assert result.replaced_path.name.startswith("trust.nhsip.before-key-change-")
    with Register.open(result.replaced_path, old_key, actor=actor) as old:
        assert old.cases.count() == 2
        assert old.verify_audit().ok
    # No temporary files or lock left behind.
    leftovers = [p.name for p in path.parent.iterdir() if p.name.startswith(".")]
    assert leftovers == []
    assert not path.with_name(path.name + ".lock").exists()


def test_a_chosen_new_key_is_used_and_handed_over_before_the_swap(
    closed: tuple[Path, bytes, str], actor: Actor
) -> None:
    path, old_key, _ = closed
    chosen = bytes(range(32))
    seen: list[bytes] = []

    def before_swap(key: bytes) -> None:
        # The register still has its old key at this point.
        verify_file(path, old_key)
        seen.append(key)

    result = change_data_key(path, old_key, actor=actor, new_key=chosen, before_swap=before_swap)
    assert result.new_key == chosen and seen == [chosen]
    verify_file(path, chosen, thorough=True)


def test_a_failing_before_swap_leaves_the_register_unchanged(
    closed: tuple[Path, bytes, str], actor: Actor
) -> None:
    path, old_key, _ = closed
    before = file_state(path.parent)

    def keyring_down(key: bytes) -> None:
        raise RuntimeError("keyring unavailable")

    with pytest.raises(RuntimeError):
        change_data_key(path, old_key, actor=actor, before_swap=keyring_down)
    assert file_state(path.parent) == before
    verify_file(path, old_key, thorough=True)


def test_a_failed_swap_leaves_the_register_with_its_old_key(
    closed: tuple[Path, bytes, str], actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, old_key, _ = closed
    before = file_state(path.parent)

    def crash(new: Path, target: Path, kept: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(rekey, "replace_keeping", crash)
    with pytest.raises(KeyChangeError, match=r"not changed.*No space left"):
        change_data_key(path, old_key, actor=actor)
    assert file_state(path.parent) == before
    with Register.open(path, old_key, actor=actor) as reg:
        assert reg.verify_audit().ok


def test_a_wrong_old_key_changes_nothing(closed: tuple[Path, bytes, str], actor: Actor) -> None:
    path, _, _ = closed
    before = file_state(path.parent)
    with pytest.raises(WrongKeyError):
        change_data_key(path, bytes(32), actor=actor)
    assert file_state(path.parent) == before


def test_a_tampered_audit_trail_is_not_re_signed(
    closed: tuple[Path, bytes, str], actor: Actor
) -> None:
    path, old_key, _ = closed
    conn = sqlcipher.connect(path, old_key, read_header(path).salt)
    conn.execute("UPDATE audit_log SET actor_name = 'Someone else' WHERE seq = 2")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    before = file_state(path.parent)
    with pytest.raises(KeyChangeError, match=r"audit trail does not verify.*entry 2"):
        change_data_key(path, old_key, actor=actor)
    assert file_state(path.parent) == before


def test_the_key_cannot_change_while_the_register_is_open(
    closed: tuple[Path, bytes, str], actor: Actor
) -> None:
    path, old_key, _ = closed
    before = file_state(path.parent)
    with RegisterLock(path), pytest.raises(RegisterInUseError):
        change_data_key(path, old_key, actor=actor)
    assert file_state(path.parent) == before


def test_uncheckpointed_changes_are_carried_over(tmp_path: Path, actor: Actor) -> None:
    live = tmp_path / "live.nhsip"
    with Register.create(live, actor=actor) as reg:
        key = reg.data_key
        reg.conn.execute("PRAGMA wal_autocheckpoint = 0")
        reg.cases.add("Only in the write-ahead log")
        reg.cases.add("Also only in the log")
        # What a crash leaves on disk: the file and a write-ahead log holding committed work.
        crashed = tmp_path / "crashed.nhsip"
        crashed.write_bytes(live.read_bytes())
        wal = live.with_name(live.name + "-wal")
        assert wal.stat().st_size > 0
        crashed.with_name(crashed.name + "-wal").write_bytes(wal.read_bytes())
    result = change_data_key(crashed, key, actor=actor)
    with Register.open(crashed, result.new_key, actor=actor) as reopened:
        assert reopened.cases.count() == 2
        assert reopened.verify_audit().ok


def test_backups_made_before_the_change_need_the_old_key(register: Register, actor: Actor) -> None:
    register.cases.add("A case")
    info = create_backup(register)
    path, old_key = register.path, register.data_key
    register.close()
    result = change_data_key(path, old_key, actor=actor)
    [listed] = list_backups(path, key=result.new_key)
    assert not listed.verified and "recovery key the register had then" in listed.problem
    [listed] = list_backups(path, key=old_key)
    assert listed.verified and listed.path == info.path
