"""The register's invariants (store/invariants.py), reported by `nhsip-desktop check`.

A fresh demo register and an imported spreadsheet check clean; breaking each invariant with
raw SQL (as a fault or an outside tool would) makes `check` fail and name the record.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from nhsip_desktop.agreements.model import AgreementKind
from nhsip_desktop.app import cli
from nhsip_desktop.app.cli import build_demo
from nhsip_desktop.cases.model import CaseFilter, Stage
from nhsip_desktop.store.invariants import INVARIANTS, check_invariants
from nhsip_desktop.store.recovery import encode_recovery_key
from nhsip_desktop.store.register import Register


def _check(capsys: pytest.CaptureFixture[str], reg: Path, key: Path) -> tuple[int, str]:
    code = cli.main(["check", str(reg), "--recovery-key-file", str(key)])
    return code, capsys.readouterr().out


def test_a_fresh_demo_register_checks_clean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_keyring: None
) -> None:
    reg, key = tmp_path / "demo.nhsip", tmp_path / "key.txt"
    assert cli.main(["demo", str(reg), "--recovery-key-out", str(key)]) == 0
    code, out = _check(capsys, reg, key)
    assert "PASS  Register invariants: every invariant holds" in out, out
    assert code == 0


def test_demo_decided_cases_have_decisions_the_board_counts(register: Register) -> None:
    build_demo(register, 40)
    cases = register.cases.search(CaseFilter(descending=False))
    decided = [c for c in cases if c.stage in (Stage.DECISION_MADE, Stage.ACTIVE)]
    assert decided
    for case in decided:
        assert case.id is not None
        assert register.assessments.latest_decision(case.id, "triage") is not None
        assert register.cases.history(case.id)[0].from_stage is None  # from its creation
    today = dt.date.today()
    in_year = register.facts.decisions_in(today - dt.timedelta(days=365), today, "triage")
    assert in_year  # "Decision made N" beside decisions made in the period, no longer 0


IMPORT_ROWS = [
    ["Title", "Stage", "Received", "Inventors"],
    ["Cannula splint", "Submitted", "03/02/2023", "Aoife Kelly 70; Sam Lee 30"],
    ["Sepsis alert app", "In triage", "10/05/2024", "Sam Lee"],
    ["Bed board", "Decision made", "01/03/2024", "Tom Lee"],
    ["Ward rota tool", "Active", "01/06/2023", "Ann Bo"],
    ["Discharge letter template", "Closed", "12/12/2022", "Tom Lee; Ann Bo"],
]


def test_an_imported_spreadsheet_checks_clean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_keyring: None
) -> None:
    reg, key = tmp_path / "trust.nhsip", tmp_path / "key.txt"
    assert cli.main(["init", str(reg), "--recovery-key-out", str(key)]) == 0
    sheet = tmp_path / "register.csv"
    sheet.write_text("\n".join(",".join(row) for row in IMPORT_ROWS) + "\n", encoding="utf-8")
    mapping = tmp_path / "mapping.json"
    mapping.write_text(
        json.dumps(
            {
                "format": "nhsip-import-mapping",
                "version": 1,
                "header_row": 1,
                "columns": {
                    "Title": "title",
                    "Stage": "stage",
                    "Received": "received_on",
                    "Inventors": "contributors",
                },
            }
        ),
        encoding="utf-8",
    )
    assert (
        cli.main(
            [
                "import",
                str(reg),
                str(sheet),
                "--mapping",
                str(mapping),
                "--recovery-key-file",
                str(key),
            ]
        )
        == 0
    ), capsys.readouterr()
    capsys.readouterr()
    code, out = _check(capsys, reg, key)
    assert "PASS  Register invariants: every invariant holds" in out, out
    assert code == 0


# -- breaking each invariant ------------------------------------------------------------------
def _case(register: Register, stage: Stage, index: int = 0) -> tuple[int, str]:
    cases = [c for c in register.cases.search(CaseFilter(descending=False)) if c.stage is stage]
    case = cases[index]
    assert case.id is not None
    return case.id, case.reference


def _set_details(register: Register, case_id: int, change: Callable[[dict], None]) -> None:
    (details,) = register.conn.execute(
        "SELECT details FROM case_details WHERE case_id = ?", (case_id,)
    ).fetchone()
    data = json.loads(details)
    change(data)
    register.conn.execute(
        "UPDATE case_details SET details = ? WHERE case_id = ?", (json.dumps(data), case_id)
    )


def _returns_case(register: Register) -> tuple[int, str]:
    (case_id,) = register.conn.execute("SELECT case_id FROM returns LIMIT 1").fetchone()
    return int(case_id), register.cases.get(int(case_id)).reference


def _break_decision(register: Register) -> str:
    case_id, reference = _case(register, Stage.DECISION_MADE)
    register.conn.execute("DELETE FROM decisions WHERE case_id = ?", (case_id,))
    return reference


def _break_outcome(register: Register) -> str:
    case_id, reference = _case(register, Stage.ACTIVE, 1)
    register.conn.execute(
        "UPDATE decisions SET outcome = 'no_further_action', outcome_label = 'No further "
        "action' WHERE case_id = ? AND kind = 'triage'",
        (case_id,),
    )
    return reference


def _break_history(register: Register) -> str:
    case_id, reference = _case(register, Stage.SUBMITTED)
    register.conn.execute("DELETE FROM stage_history WHERE case_id = ?", (case_id,))
    return reference


def _break_history_gap(register: Register) -> str:
    case_id, reference = _case(register, Stage.IN_TRIAGE)
    register.conn.execute("UPDATE cases SET stage = 'active' WHERE id = ?", (case_id,))
    return reference


def _break_received(register: Register) -> str:
    case_id, reference = _case(register, Stage.IN_TRIAGE, 1)
    register.conn.execute("UPDATE cases SET received_on = NULL WHERE id = ?", (case_id,))
    return reference


def _break_shares(register: Register) -> str:
    case_id, reference = _case(register, Stage.SUBMITTED, 1)

    def change(data: dict) -> None:
        data["contributors"][0]["share"] = "10"

    _set_details(register, case_id, change)
    return reference


def _break_returns(register: Register) -> str:
    case_id, reference = _returns_case(register)

    def change(data: dict) -> None:
        data["contributors"] = []

    _set_details(register, case_id, change)
    return reference


def _break_policy(register: Register) -> str:
    case_id, reference = _returns_case(register)
    register.conn.execute("UPDATE returns SET policy_version = 99 WHERE case_id = ?", (case_id,))
    return reference


def _break_obligations(register: Register) -> str:
    ttc = next(a for a in register.agreements.all() if a.kind is AgreementKind.TTC_SERVICES)
    (data,) = register.conn.execute(
        "SELECT data FROM agreements WHERE id = ?", (ttc.id,)
    ).fetchone()
    raw = json.loads(data)
    for obligation in raw["obligations"]:
        obligation["key"] = "o1"
    register.conn.execute("UPDATE agreements SET data = ? WHERE id = ?", (json.dumps(raw), ttc.id))
    return ttc.reference


def _break_links(register: Register) -> str:
    nda = next(a for a in register.agreements.all() if a.kind is AgreementKind.NDA)
    register.conn.execute("DELETE FROM agreement_cases WHERE agreement_id = ?", (nda.id,))
    return nda.reference


def _break_ttc(register: Register) -> str:
    ttc = next(a for a in register.agreements.all() if a.kind is AgreementKind.TTC_SERVICES)
    register.conn.execute("UPDATE agreements SET kind = 'collaboration' WHERE id = ?", (ttc.id,))
    return ttc.reference


def _break_renewal_due(register: Register) -> str:
    (right_id,) = register.conn.execute(
        "SELECT id FROM rights WHERE renewal_due IS NOT NULL ORDER BY id LIMIT 1"
    ).fetchone()
    register.conn.execute("UPDATE rights SET renewal_due = '2999-01-31' WHERE id = ?", (right_id,))
    return f"right {right_id}"


BREAKS: list[tuple[str, Callable[[Register], str]]] = [
    ("decision", _break_decision),
    ("outcome", _break_outcome),
    ("history", _break_history),
    ("history", _break_history_gap),
    ("received", _break_received),
    ("shares", _break_shares),
    ("returns", _break_returns),
    ("policy", _break_policy),
    ("obligations", _break_obligations),
    ("obligations", _break_links),
    ("ttc", _break_ttc),
    ("renewal_due", _break_renewal_due),
]


def test_every_invariant_is_broken_by_a_test() -> None:
    assert {rule for rule, _ in BREAKS} == set(INVARIANTS)


@pytest.mark.parametrize(("rule", "breaker"), BREAKS, ids=[b.__name__[7:] for _, b in BREAKS])
def test_check_names_the_record_that_breaks_an_invariant(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    no_keyring: None,
    rule: str,
    breaker: Callable[[Register], str],
) -> None:
    from nhsip_desktop.store.audit import Actor

    path = tmp_path / "trust.nhsip"
    register = Register.create(path, actor=Actor("tester", "Test Lead"), organisation="T")
    key = tmp_path / "key.txt"
    key.write_text(encode_recovery_key(register.data_key) + "\n", encoding="utf-8")
    try:
        build_demo(register, 40)
        assert check_invariants(register) == []
        with register.transaction():  # raw SQL, as an outside tool or a fault would write
            reference = breaker(register)
        found = [v for v in check_invariants(register) if v.rule == rule]
        assert any(v.record.startswith(reference) for v in found), found
    finally:
        register.close()
    code, out = _check(capsys, path, key)
    assert code == cli.EXIT_CHECK_FAILED
    assert "FAIL  Register invariants" in out
    assert any(f"[{rule}] {reference}" in line for line in out.splitlines()), out
