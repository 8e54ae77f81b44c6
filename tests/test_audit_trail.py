"""The audit trail: a row for every change, and raw-SQL tampering named by sequence number."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from nhsip_desktop.cases.model import IpKind, Stage
from nhsip_desktop.store import sqlcipher
from nhsip_desktop.store.audit import Actor
from nhsip_desktop.store.register import Register


def _raw(reg: Register) -> sqlcipher.Connection:
    """A second keyed connection, as someone with the key and a SQL shell would have."""
    return sqlcipher.connect(reg.path, reg.data_key, reg.header.salt)


def _seed(reg: Register) -> None:
    a = reg.cases.add("Falls app", ip_kinds=[IpKind.COPYRIGHT])
    b = reg.cases.add("Heel protector", ip_kinds=[IpKind.DESIGN])
    reg.cases.update(a.id, stage=Stage.SUBMITTED, received_on=dt.date(2026, 3, 1))
    reg.cases.delete(b.id)
    reg.settings.update(report_marking="OFFICIAL")


def test_every_change_leaves_a_row_with_before_and_after(register: Register) -> None:
    start = register.audit.count()
    _seed(register)
    entries = list(register.audit.entries(newest_first=False))[start:]
    assert [(e.action, e.record_kind) for e in entries] == [
        ("insert", "case"),
        ("insert", "case"),
        ("update", "case"),
        ("delete", "case"),
        ("update", "setting"),
    ]
    update = entries[2]
    assert update.changes["stage"] == ["draft", "submitted"]
    assert update.changes["received_on"] == [None, "2026-03-01"]
    assert "title" not in update.changes  # only changed fields
    assert entries[3].changes["title"] == ["Heel protector", None]
    assert all(e.os_user == "tester" and e.actor_name == "Test Lead" for e in entries)
    assert [e.seq for e in entries] == list(range(start + 1, start + 6))
    assert register.verify_audit().ok


def test_failed_change_leaves_no_row_and_no_case(register: Register) -> None:
    rows, cases = register.audit.count(), register.cases.count()
    with pytest.raises(RuntimeError), register.transaction():
        register.cases.add("Half-made case")
        raise RuntimeError("crash in the middle")
    assert (register.audit.count(), register.cases.count()) == (rows, cases)
    assert register.verify_audit().ok
    # The reference number was not used up by the failed transaction: no gaps.
    first = register.cases.add("Next")
    second = register.cases.add("After")
    assert first.reference.endswith("-0001") and second.reference.endswith("-0002")


@pytest.mark.parametrize("target", [2, 4, 6])
def test_editing_a_row_is_named(register: Register, target: int) -> None:
    _seed(register)
    conn = _raw(register)
    conn.execute("UPDATE audit_log SET actor_name = 'Someone else' WHERE seq = ?", (target,))
    conn.close()
    result = register.verify_audit()
    assert not result.ok
    assert result.first_broken_seq == target


def test_editing_changes_json_is_named(register: Register) -> None:
    _seed(register)
    conn = _raw(register)
    conn.execute("UPDATE audit_log SET changes = '{}' WHERE seq = 5")
    conn.close()
    assert register.verify_audit().first_broken_seq == 5


def test_deleting_a_row_in_the_middle_is_named(register: Register) -> None:
    _seed(register)
    conn = _raw(register)
    conn.execute("DELETE FROM audit_log WHERE seq = 4")
    conn.close()
    result = register.verify_audit()
    assert (result.ok, result.first_broken_seq) == (False, 4)
    assert "missing" in result.problem


def test_deleting_rows_at_the_end_is_detected(register: Register) -> None:
    _seed(register)
    last = register.audit.head().seq
    conn = _raw(register)
    conn.execute("DELETE FROM audit_log WHERE seq >= ?", (last - 1,))
    conn.close()
    result = register.verify_audit()
    assert (result.ok, result.first_broken_seq) == (False, last - 1)
    assert "removed" in result.problem


def test_reordering_rows_is_named(register: Register) -> None:
    _seed(register)
    conn = _raw(register)
    cols = "at, os_user, actor_name, action, record_kind, record_id, changes, hmac"
    row3 = conn.execute(f"SELECT {cols} FROM audit_log WHERE seq = 3").fetchone()
    row4 = conn.execute(f"SELECT {cols} FROM audit_log WHERE seq = 4").fetchone()
    sets = ", ".join(f"{c.strip()} = ?" for c in cols.split(","))
    conn.execute("BEGIN")
    conn.execute(f"UPDATE audit_log SET {sets} WHERE seq = 3", row4)
    conn.execute(f"UPDATE audit_log SET {sets} WHERE seq = 4", row3)
    conn.execute("COMMIT")
    conn.close()
    assert register.verify_audit().first_broken_seq == 3


def test_incremental_check_on_open_and_full_check_on_demand(tmp_path: Path, actor: Actor) -> None:
    path = tmp_path / "r.nhsip"
    with Register.create(path, actor=actor) as reg:
        key = reg.data_key
        _seed(reg)
    with Register.open(path, key, actor=actor) as reg:
        assert reg.audit_status is not None and reg.audit_status.ok
        checkpoint = reg.audit_status.head.seq
        reg.cases.add("One more")
        # Tamper with a row that the open-time check already verified...
        conn = _raw(reg)
        conn.execute("UPDATE audit_log SET record_id = 'X' WHERE seq = 2")
        conn.close()
    with Register.open(path, key, actor=actor) as reg:
        # ...the incremental check starts at the checkpoint and verifies only the new row,
        assert reg.audit_status is not None
        assert reg.audit_status.checked_from == checkpoint + 1
        assert reg.audit_status.checked_rows == 1
        # while the full check on demand finds the old tampering.
        assert reg.verify_audit().first_broken_seq == 2


def test_tampering_after_the_checkpoint_is_found_on_open(tmp_path: Path, actor: Actor) -> None:
    path = tmp_path / "r.nhsip"
    with Register.create(path, actor=actor) as reg:
        key = reg.data_key
    with Register.open(path, key, actor=actor) as reg:
        _seed(reg)
        conn = _raw(reg)
        conn.execute("UPDATE audit_log SET action = 'insert' WHERE seq = 5")
        conn.close()
    with Register.open(path, key, actor=actor) as reg:
        assert reg.audit_status is not None
        assert (reg.audit_status.ok, reg.audit_status.first_broken_seq) == (False, 5)


def test_subscribers_hear_each_committed_change_once(register: Register) -> None:
    heard = []
    unsubscribe = register.subscribe(heard.append)
    case = register.cases.add("Leaflet")
    register.settings.update(feedback_target_days=21)
    with pytest.raises(RuntimeError), register.transaction():
        register.cases.add("Never saved")
        raise RuntimeError
    unsubscribe()
    register.cases.add("Not heard")
    assert [sorted(c.kinds) for c in heard] == [["case"], ["setting"]]
    assert heard[0].case_ids == frozenset({case.id})
