"""The command line, run as a real process (headless: no keyring, as on CI and IT servers)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from nhsip_desktop.store import sqlcipher


def run(
    *args: str | Path, env_extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        "QT_QPA_PLATFORM": "",
        **(env_extra or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "nhsip_desktop", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@pytest.fixture
def initialised(tmp_path: Path) -> tuple[Path, Path]:
    reg, key = tmp_path / "trust.nhsip", tmp_path / "recovery.txt"
    result = run("init", reg, "--recovery-key-out", key, "--organisation", "Test Trust")
    assert result.returncode == 0, result.stderr
    assert "not stored in this computer's keyring" in result.stdout
    return reg, key


def test_init_writes_an_owner_only_recovery_key_file(initialised: tuple[Path, Path]) -> None:
    reg, key = initialised
    assert reg.exists()
    text = key.read_text()
    assert "Recovery key:" in text and "Test Trust" in text
    if os.name == "posix":
        assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_init_never_overwrites(initialised: tuple[Path, Path], tmp_path: Path) -> None:
    reg, key = initialised
    before = reg.read_bytes()
    result = run("init", reg, "--recovery-key-out", tmp_path / "other.txt")
    assert result.returncode == 2 and "already exists" in result.stderr
    assert reg.read_bytes() == before
    result = run("init", tmp_path / "second.nhsip", "--recovery-key-out", key)
    assert result.returncode == 2 and "already exists" in result.stderr
    assert not (tmp_path / "second.nhsip").exists()


def test_check_passes_then_fails_after_one_byte_changes(initialised: tuple[Path, Path]) -> None:
    reg, key = initialised
    result = run("check", reg, "--recovery-key-file", key)
    assert result.returncode == 0, result.stdout + result.stderr
    for name in ("cipher_integrity_check", "integrity_check", "Audit trail"):
        assert name in result.stdout
    assert "All checks passed." in result.stdout

    data = bytearray(reg.read_bytes())
    middle = len(data) // 2 + 123
    data[middle] ^= 0xFF
    reg.write_bytes(bytes(data))
    result = run("check", reg, "--recovery-key-file", key)
    assert result.returncode == 1
    assert "FAIL" in result.stdout and "damaged" in result.stdout
    page = middle // sqlcipher.PAGE_SIZE + 1
    assert f"page {page}" in result.stdout


def test_check_without_any_key_says_how_to_unlock(initialised: tuple[Path, Path]) -> None:
    reg, _ = initialised
    result = run("check", reg)
    assert result.returncode == 2
    assert "recovery key" in result.stderr


def test_check_with_a_wrong_recovery_key(initialised: tuple[Path, Path], tmp_path: Path) -> None:
    reg, _ = initialised
    other_reg, other_key = tmp_path / "other.nhsip", tmp_path / "other.txt"
    assert run("init", other_reg, "--recovery-key-out", other_key).returncode == 0
    result = run("check", reg, "--recovery-key-file", other_key)
    assert result.returncode == 2 and "does not unlock" in result.stderr


def test_demo_and_cases_commands(tmp_path: Path) -> None:
    reg, key = tmp_path / "demo.nhsip", tmp_path / "demo-key.txt"
    result = run("demo", reg, "--recovery-key-out", key, "--cases", "120")
    assert result.returncode == 0, result.stderr
    listing = run("cases", reg, "--recovery-key-file", key)
    lines = listing.stdout.splitlines()
    assert len(lines) == 120
    reference, stage, title = lines[0].split("\t")
    assert reference.startswith("IP-") and stage and title
    found = run("cases", reg, "--recovery-key-file", key, "--search", "splint")
    assert found.stdout and all(
        "splint" in line.lower() or "Splint" in line for line in found.stdout.splitlines()
    )
    closed = run("cases", reg, "--recovery-key-file", key, "--stage", "closed")
    assert closed.stdout and all(
        line.split("\t")[1] == "closed" for line in closed.stdout.splitlines()
    )


def test_help_on_every_command() -> None:
    for command in ([], ["init"], ["check"], ["set-passphrase"], ["demo"], ["cases"]):
        result = run(*command, "--help")
        assert result.returncode == 0 and "usage:" in result.stdout


def test_no_display_is_one_plain_line(tmp_path: Path) -> None:
    result = run(env_extra={"DISPLAY": "", "WAYLAND_DISPLAY": "", "QT_QPA_PLATFORM": ""})
    if sys.platform.startswith("linux"):
        assert result.returncode == 2
        assert "no display" in result.stderr and "xvfb-run" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


def test_set_passphrase_then_unlock_with_it(
    initialised: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, no_keyring: None
) -> None:
    from nhsip_desktop.app import cli
    from nhsip_desktop.store.audit import Actor
    from nhsip_desktop.store.unlock import KeySource, open_register

    reg, key = initialised
    answers = iter(["a long trust passphrase", "a long trust passphrase"])
    monkeypatch.setattr(cli.getpass, "getpass", lambda prompt="": next(answers))
    assert cli.main(["set-passphrase", str(reg), "--recovery-key-file", str(key)]) == 0
    unlocked = open_register(reg, actor=Actor("t"), passphrase="a long trust passphrase")
    with unlocked.register as register:
        assert unlocked.source is KeySource.PASSPHRASE
        assert next(register.audit.entries()).action == "set-passphrase"

    mismatched = iter(["first passphrase here", "second passphrase here"])
    monkeypatch.setattr(cli.getpass, "getpass", lambda prompt="": next(mismatched))
    assert cli.main(["set-passphrase", str(reg), "--recovery-key-file", str(key)]) == 2


def test_report_dossier_command(tmp_path: Path) -> None:
    reg, key = tmp_path / "demo.nhsip", tmp_path / "demo-key.txt"
    assert run("demo", reg, "--recovery-key-out", key, "--cases", "5").returncode == 0
    reference = run("cases", reg, "--recovery-key-file", key).stdout.split("\t")[0]
    out = tmp_path / "dossier.pdf"
    result = run(
        "report", "dossier", reg, "--case", reference, "--out", out, "--recovery-key-file", key
    )
    assert result.returncode == 0, result.stderr
    assert out.read_bytes().startswith(b"%PDF") and "not encrypted" in result.stdout
    missing = run(
        "report",
        "dossier",
        reg,
        "--case",
        "IP-1999-0042",
        "--out",
        tmp_path / "x.pdf",
        "--recovery-key-file",
        key,
    )
    assert missing.returncode == 2 and "no case IP-1999-0042" in missing.stderr
    assert not (tmp_path / "x.pdf").exists()


def test_import_command_refuses_then_imports_the_good_rows(
    initialised: tuple[Path, Path], tmp_path: Path
) -> None:
    import json

    reg, key = initialised
    sheet = tmp_path / "register.csv"
    sheet.write_text(
        "Project title,Status,Date received\n"
        "Wound camera,Submitted,03/02/2025\n"
        "Falls app,Nonsense,04/02/2025\n"
        ",Submitted,05/02/2025\n",
        encoding="utf-8",
    )
    mapping = tmp_path / "mapping.json"
    mapping.write_text(
        json.dumps(
            {
                "format": "nhsip-import-mapping",
                "version": 1,
                "columns": {
                    "Project title": "title",
                    "Status": "stage",
                    "Date received": "received_on",
                },
            }
        )
    )
    refused = tmp_path / "refused.csv"
    args = ["import", reg, sheet, "--mapping", mapping, "--recovery-key-file", key]
    first = run(*args, "--report", refused)
    assert first.returncode == 1 and "Nothing was imported" in first.stdout
    assert "row 3" in first.stdout and "row 4" in first.stdout
    assert refused.read_text(encoding="utf-8-sig").count("\n") >= 3
    assert run("cases", reg, "--recovery-key-file", key).stdout == ""
    second = run(*args, "--only-valid")
    assert second.returncode == 0 and "Imported 1 case" in second.stdout
    listing = run("cases", reg, "--recovery-key-file", key).stdout.splitlines()
    assert [line.split("\t")[1:] for line in listing] == [["submitted", "Wound camera"]]


def test_demo_details_belong_to_their_own_case(tmp_path: Path) -> None:
    from nhsip_desktop.interchange.demo import build_demo
    from nhsip_desktop.store.audit import Actor
    from nhsip_desktop.store.register import Register

    with Register.create(tmp_path / "d.nhsip", actor=Actor("t")) as reg:
        build_demo(reg, 40)
        cases = reg.cases.get_many(reg.cases.ids())
        assert len(cases) == 40
        for case in cases:
            problem = reg.cases.details(case.id).problem
            assert case.summary.startswith(problem.rstrip(".")), case.reference


def test_report_letter_needs_a_decision_then_records_feedback(tmp_path: Path) -> None:
    import datetime as dt

    from nhsip_desktop.store.audit import Actor
    from nhsip_desktop.store.recovery import decode_recovery_key
    from nhsip_desktop.store.register import Register
    from nhsip_desktop.store.unlock import read_recovery_key_file

    reg, key = tmp_path / "demo.nhsip", tmp_path / "demo-key.txt"
    assert run("demo", reg, "--recovery-key-out", key, "--cases", "3").returncode == 0
    reference = run("cases", reg, "--recovery-key-file", key).stdout.split("\t")[0]
    out = tmp_path / "letter.pdf"
    args = ("report", "letter", reg, "--case", reference, "--out", out, "--recovery-key-file", key)
    refused = run(*args)
    assert refused.returncode == 2 and "triage decision" in refused.stderr
    assert not out.exists()
    data_key = decode_recovery_key(read_recovery_key_file(key))
    with Register.open(reg, data_key, actor=Actor("t")) as register:
        case = register.cases.get_by_reference(reference)
        register.assessments.record_decision(
            case.id,
            "triage",
            outcome="no_further_action",
            outcome_label="No further action",
            rationale="Already available commercially.",
            decided_on=dt.date.today(),
            decision_maker="Alex Morgan",
        )
    done = run(*args)
    assert done.returncode == 0, done.stderr
    with Register.open(reg, data_key, actor=Actor("t")) as register:
        assert register.cases.get_by_reference(reference).feedback_given_on == dt.date.today()


def test_export_audit_and_verify_export_commands(tmp_path: Path) -> None:
    reg, key = tmp_path / "demo.nhsip", tmp_path / "demo-key.txt"
    assert run("demo", reg, "--recovery-key-out", key, "--cases", "5").returncode == 0
    pack = tmp_path / "pack"
    result = run("export", "audit", reg, "--out", pack, "--recovery-key-file", key)
    assert result.returncode == 0, result.stderr
    assert "NOT encrypted" in result.stdout and (pack / "manifest.json").exists()
    ok = run("verify-export", pack)
    assert ok.returncode == 0 and "match the manifest" in ok.stdout
    data = bytearray((pack / "cases.csv").read_bytes())
    data[len(data) // 2] ^= 0x02
    (pack / "cases.csv").write_bytes(bytes(data))
    bad = run("verify-export", pack)
    assert bad.returncode == 1 and "cases.csv" in bad.stdout
    refused = run(
        "export",
        "audit",
        reg,
        "--out",
        tmp_path / "p2",
        "--sections",
        "nonsense",
        "--recovery-key-file",
        key,
    )
    assert refused.returncode == 2 and "nonsense" in refused.stderr


def test_board_annual_return_and_ttc_report_commands(tmp_path: Path) -> None:
    import datetime as dt

    from pypdf import PdfReader

    from nhsip_desktop.agreements.model import Agreement, AgreementKind
    from nhsip_desktop.store.audit import Actor
    from nhsip_desktop.store.recovery import decode_recovery_key
    from nhsip_desktop.store.register import Register
    from nhsip_desktop.store.unlock import read_recovery_key_file

    reg, key = tmp_path / "demo.nhsip", tmp_path / "demo-key.txt"
    assert run("demo", reg, "--recovery-key-out", key, "--cases", "10").returncode == 0
    with Register.open(
        reg, decode_recovery_key(read_recovery_key_file(key)), actor=Actor("t")
    ) as r:
        saved = r.agreements.save(
            Agreement(
                kind=AgreementKind.TTC_SERVICES,
                title="TTC services",
                parties=["Hub"],
                signed_on=dt.date.today(),
            )
        )
    common = ("--recovery-key-file", key)
    board = run(
        "report",
        "board",
        reg,
        "--from",
        "01/04/2026",
        "--to",
        "31/03/2027",
        "--out",
        tmp_path / "b.pdf",
        *common,
    )
    assert board.returncode == 0, board.stderr
    assert "Board summary" in "".join(p.extract_text() for p in PdfReader(tmp_path / "b.pdf").pages)
    annual = run(
        "report", "annual-return", reg, "--year", "2026", "--out", tmp_path / "a.pdf", *common
    )
    assert annual.returncode == 0, annual.stderr
    ttc = run(
        "report", "ttc", reg, "--agreement", saved.reference, "--out", tmp_path / "t.pdf", *common
    )
    assert ttc.returncode == 0, ttc.stderr
    bad = run(
        "report",
        "board",
        reg,
        "--from",
        "31/03/2027",
        "--to",
        "01/04/2026",
        "--out",
        tmp_path / "x.pdf",
        *common,
    )
    assert bad.returncode == 2 and not (tmp_path / "x.pdf").exists()


def test_backup_and_restore_commands(initialised: tuple[Path, Path], tmp_path: Path) -> None:
    reg, key = initialised
    made = run("backup", reg, "--to", tmp_path / "usb", "--recovery-key-file", key)
    assert made.returncode == 0 and "verified" in made.stdout, made.stderr
    (backup,) = (tmp_path / "usb").glob("*.nhsip")
    restored = tmp_path / "restored.nhsip"
    done = run("restore", backup, "--to", restored, "--recovery-key-file", key)
    assert done.returncode == 0, done.stderr
    assert run("check", restored, "--recovery-key-file", key).returncode == 0
    other_reg, other_key = tmp_path / "other.nhsip", tmp_path / "other.txt"
    assert run("init", other_reg, "--recovery-key-out", other_key).returncode == 0
    refused = run("restore", backup, "--to", other_reg, "--recovery-key-file", key)
    assert refused.returncode == 2
    assert run("check", other_reg, "--recovery-key-file", other_key).returncode == 0
