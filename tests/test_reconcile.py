"""`check` reconciles the records with the audit trail and its verified checkpoint (issue 22
item 4): raw SQL edits without an audit row are named, a trail cut from the end is caught, and
a fresh demo register reconciles clean."""

from __future__ import annotations

from pathlib import Path

import pytest

from nhsip_desktop.app import cli
from nhsip_desktop.store.audit import META_HEAD_HMAC, META_HEAD_SEQ, Actor
from nhsip_desktop.store.reconcile import reconcile_checks
from nhsip_desktop.store.recovery import encode_recovery_key
from nhsip_desktop.store.register import Register


def _check(path: Path, key: bytes, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    key_file = path.with_name("key.txt")
    key_file.write_text(encode_recovery_key(key) + "\n", encoding="utf-8")
    code = cli.main(["check", str(path), "--recovery-key-file", str(key_file)])
    return code, capsys.readouterr().out


def _register_with_cases(tmp_path: Path, actor: Actor) -> tuple[Path, bytes, list[str]]:
    path = tmp_path / "trust.nhsip"
    with Register.create(path, actor=actor) as register:
        references = [register.cases.add(f"Case {n}", summary="s").reference for n in range(4)]
        register.cases.update(register.cases.get_by_reference(references[0]).id, summary="new")
        register.settings.update(feedback_target_days=30)
        key = register.data_key
    return path, key, references


def test_a_fresh_demo_register_reconciles_clean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, key_out = tmp_path / "demo.nhsip", tmp_path / "demo-key.txt"
    assert cli.main(["demo", str(path), "--recovery-key-out", str(key_out), "--cases", "45"]) == 0
    capsys.readouterr()
    code = cli.main(["check", str(path), "--recovery-key-file", str(key_out)])
    out = capsys.readouterr().out
    assert code == cli.EXIT_OK, out
    assert "PASS  Records against the audit trail: every case and setting matches" in out
    assert "PASS  Audit trail against its last verified checkpoint" in out


def test_a_case_edited_with_raw_sql_is_named(
    tmp_path: Path, actor: Actor, capsys: pytest.CaptureFixture[str]
) -> None:
    path, key, references = _register_with_cases(tmp_path, actor)
    with Register.open(path, key, actor=actor) as register:
        register.conn.execute(
            "UPDATE cases SET title = 'Quietly renamed' WHERE reference = ?", (references[1],)
        )
        register.conn.execute(
            "UPDATE cases SET summary = 'tampered' WHERE reference = ?", (references[0],)
        )
        register.conn.execute("DELETE FROM cases WHERE reference = ?", (references[2],))
        register.conn.execute(
            "INSERT INTO settings(key, value) VALUES ('alert_window_days', '5') "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value"
        )
    code, out = _check(path, key, capsys)
    assert code == cli.EXIT_CHECK_FAILED
    line = next(x for x in out.splitlines() if "Records against the audit trail" in x)
    assert line.startswith("FAIL")
    assert f"cases {references[1]}, title: differs from its audit trail" in line
    assert f"cases {references[0]}, summary: differs from its audit trail" in line
    assert f"cases {references[2]}: deleted without an audit row" in line
    assert "settings alert_window_days, alert_window_days: changed without an audit row" in line
    assert references[3] not in line
    assert "PASS  Audit trail chain" in out  # the chain itself is intact: only this catches it


def test_a_case_inserted_with_raw_sql_is_named(tmp_path: Path, actor: Actor) -> None:
    path, key, _ = _register_with_cases(tmp_path, actor)
    with Register.open(path, key, actor=actor) as register:
        columns = [r[1] for r in register.conn.execute("PRAGMA table_info(cases)")]
        copy = [c for c in columns if c not in ("id", "reference", "ref_year", "ref_number")]
        register.conn.execute(
            f"INSERT INTO cases (reference, ref_year, ref_number, {', '.join(copy)}) "
            f"SELECT 'IP-2099-0001', 2099, 1, {', '.join(copy)} FROM cases LIMIT 1"
        )
        checks = {name: (ok, detail) for name, ok, detail in reconcile_checks(register)}
    ok, detail = checks["Records against the audit trail"]
    assert not ok and "cases IP-2099-0001: the case has no audited insert" in detail


def test_a_trail_cut_from_the_end_is_caught(
    tmp_path: Path, actor: Actor, capsys: pytest.CaptureFixture[str]
) -> None:
    path, key, _ = _register_with_cases(tmp_path, actor)
    Register.open(path, key, actor=actor).close()  # this open verified the whole trail
    with Register.open(path, key, actor=actor) as register:
        conn = register.conn
        head = int(conn.execute("SELECT max(seq) FROM audit_log").fetchone()[0])
        keep = head - 2
        mac = conn.execute("SELECT hmac FROM audit_log WHERE seq = ?", (keep,)).fetchone()[0]
        conn.execute("DELETE FROM audit_log WHERE seq > ?", (keep,))
        conn.execute("UPDATE register_meta SET value = ? WHERE key = ?", (str(keep), META_HEAD_SEQ))
        conn.execute("UPDATE register_meta SET value = ? WHERE key = ?", (mac, META_HEAD_HMAC))
    code, out = _check(path, key, capsys)
    assert code == cli.EXIT_CHECK_FAILED
    assert "PASS  Audit trail chain" in out  # a consistent, shorter chain...
    assert (
        f"FAIL  Audit trail against its last verified checkpoint: the trail now ends at row "
        f"{keep}, but row {head} was verified" in out
    )
