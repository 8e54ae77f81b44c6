"""`check` reconciles the records with the audit trail and its verified checkpoint (issue 22
item 4): raw SQL edits without an audit row are named, a trail cut from the end is caught, and
a fresh demo register reconciles clean."""

from __future__ import annotations

import datetime as dt
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
    assert (
        "PASS  Records against the audit trail: every case, setting, right (with its "
        "renewals), cost, return and agreement matches" in out
    )
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


def _demo_with_renewal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, bytes]:
    """A 45-case demo register (rights, costs, returns, agreements) with a renewal paid."""
    path, key_out = tmp_path / "demo.nhsip", tmp_path / "demo-key.txt"
    assert cli.main(["demo", str(path), "--recovery-key-out", str(key_out), "--cases", "45"]) == 0
    capsys.readouterr()
    from nhsip_desktop.store.recovery import decode_recovery_key
    from nhsip_desktop.store.unlock import read_recovery_key_file

    key = decode_recovery_key(read_recovery_key_file(key_out))
    with Register.open(path, key, actor=Actor("tester", "Test Lead")) as register:
        right = register.rights.all()[0]
        register.rights.mark_renewal_paid(right.id, 5, dt.date.today())
    return path, key


def _tamper_and_check(
    path: Path, key: bytes, capsys: pytest.CaptureFixture[str], *statements: str
) -> str:
    with Register.open(path, key, actor=Actor("tester", "Test Lead")) as register:
        for statement in statements:
            register.conn.execute(statement)
    code, out = _check(path, key, capsys)
    assert code == cli.EXIT_CHECK_FAILED, out
    line = next(x for x in out.splitlines() if "Records against the audit trail" in x)
    assert line.startswith("FAIL")
    assert "PASS  Audit trail chain" in out  # the chain is intact: only reconciliation sees it
    return line


def _first(path: Path, key: bytes, sql: str) -> tuple[object, ...]:
    with Register.open(path, key, actor=Actor("tester", "Test Lead")) as register:
        return tuple(register.conn.execute(sql).fetchone())


def test_a_right_and_its_renewals_edited_with_raw_sql_are_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, key = _demo_with_renewal(tmp_path, capsys)
    (paid,) = _first(path, key, "SELECT id FROM rights WHERE data LIKE '%\"5\":%'")
    (other,) = _first(path, key, f"SELECT id FROM rights WHERE id != {paid} ORDER BY id")
    line = _tamper_and_check(
        path,
        key,
        capsys,
        f"UPDATE rights SET data = json_set(data, '$.renewals_paid.\"5\"', '2020-04-01') "
        f"WHERE id = {paid}",
        f"UPDATE rights SET data = json_set(data, '$.renewals_paid.\"6\"', '2021-03-01'), "
        f"title = 'Renamed in the column' WHERE id = {paid}",
        f"UPDATE rights SET data = json_set(data, '$.attorney', 'Someone else') WHERE id = {other}",
        f"UPDATE rights SET data = json_remove(data, '$.jurisdiction') WHERE id = {other}",
    )
    assert f"rights {paid}, renewals_paid 5: differs from its audit trail" in line
    assert f"rights {paid}, renewals_paid 6: set without an audit row" in line
    assert f"rights {paid}, title: column differs from the record's audit trail" in line
    assert f"rights {other}, attorney: " in line
    assert f"rights {other}, jurisdiction: differs from its audit trail" in line


def test_a_cost_edited_or_deleted_with_raw_sql_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, key = _demo_with_renewal(tmp_path, capsys)
    (cost,) = _first(path, key, "SELECT id FROM costs ORDER BY id")
    line = _tamper_and_check(
        path, key, capsys, f"UPDATE costs SET amount = '1.00' WHERE id = {cost}"
    )
    assert f"costs {cost}, amount: differs from its audit trail" in line
    line = _tamper_and_check(path, key, capsys, f"DELETE FROM costs WHERE id = {cost}")
    assert f"costs {cost}: deleted without an audit row" in line


def test_a_return_edited_with_raw_sql_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, key = _demo_with_renewal(tmp_path, capsys)
    reference, return_id = _first(
        path,
        key,
        "SELECT c.reference, r.id FROM returns r JOIN cases c ON c.id = r.case_id ORDER BY r.id",
    )
    line = _tamper_and_check(
        path,
        key,
        capsys,
        f"UPDATE returns SET gross = '999999.00', policy_version = 7 WHERE id = {return_id}",
    )
    assert f"returns {reference}/{return_id}, gross: differs from its audit trail" in line
    assert f"returns {reference}/{return_id}, policy: differs from its audit trail" in line


def test_an_agreement_edited_with_raw_sql_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, key = _demo_with_renewal(tmp_path, capsys)
    agreement_id, reference = _first(
        path,
        key,
        "SELECT a.id, a.reference FROM agreements a JOIN agreement_cases l "
        "ON l.agreement_id = a.id ORDER BY a.id",
    )
    line = _tamper_and_check(
        path,
        key,
        capsys,
        f"UPDATE agreements SET data = json_set(data, '$.territory', 'Worldwide, quietly') "
        f"WHERE id = {agreement_id}",
        f"DELETE FROM agreement_cases WHERE agreement_id = {agreement_id}",
    )
    assert f"agreements {reference}, territory: " in line
    assert f"agreements {reference}, case_ids: column differs from the record's audit trail" in (
        line
    )
