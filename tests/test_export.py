"""The auditor's export pack, read back without the app's help."""

from __future__ import annotations

import csv
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from nhsip_desktop.app.cli import build_demo
from nhsip_desktop.finance.ledgers import CostCategory, CostEntry
from nhsip_desktop.finance.revenue import ReturnKind
from nhsip_desktop.reports.export import (
    SECTIONS,
    ExportCancelled,
    export_pack,
    verify_export,
)
from nhsip_desktop.store.register import Register

MARKER = "AUDIT-MARKER-5521"


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def filled(register: Register) -> Register:
    build_demo(register, 45)
    case = register.cases.add(f"Wound camera {MARKER}")
    register.costs.add(
        CostEntry(dt.date.today(), CostCategory.ATTORNEY, Decimal("1200.50"), case_id=case.id)
    )
    active = register.cases.get_by_reference(
        register.cases.get_many(register.cases.ids())[5].reference
    )
    register.returns.add(
        active.id, received_on=dt.date.today(), gross=Decimal("1000"), kind=ReturnKind.ROYALTY
    )
    return register


def test_csv_round_trip_matches_the_register(filled: Register, tmp_path: Path) -> None:
    result = export_pack(filled, tmp_path / "pack")
    folder = result.folder
    cases = read_csv(folder / "cases.csv")
    stored = filled.cases.get_many(filled.cases.ids())
    assert sorted(r["reference"] for r in cases) == sorted(c.reference for c in stored)
    by_ref = {c.reference: c for c in stored}
    for row in cases:
        case = by_ref[row["reference"]]
        assert row["title"] == case.title and row["stage"] == case.stage.value
        assert row["received_on"] == (case.received_on.isoformat() if case.received_on else "")
    contributors = read_csv(folder / "contributors.csv")
    expected = sum(len(filled.cases.details(c.id).contributors) for c in stored)
    assert len(contributors) == expected
    costs = read_csv(folder / "costs.csv")
    assert sorted(r["amount_gbp"] for r in costs) == sorted(
        str(c.amount) for c in filled.costs.list()
    )
    assert "1200.50" in {r["amount_gbp"] for r in costs}
    audit = read_csv(folder / "audit_trail.csv")
    assert [int(r["seq"]) for r in audit] == list(range(1, len(audit) + 1))
    shared = read_csv(folder / "distributions.csv")
    parties = [Decimal(r["amount_gbp"]) for r in shared if r["party"] != "innovator"]
    returns = read_csv(folder / "returns.csv")
    nets = sum(Decimal(r["gross_gbp"]) - Decimal(r["deductible_gbp"]) for r in returns)
    assert sum(parties) == nets  # every return shared out exactly, to the penny
    manifest = json.loads((folder / "manifest.json").read_text())
    for section in SECTIONS:
        rows = len(read_csv(folder / section.file))
        assert manifest["files"][section.file]["rows"] == rows
    assert manifest["audit_chain_head"]["seq"] == len(audit)
    readme = (folder / "README.txt").read_text()
    assert "Get-FileHash" in readme and "cases.csv" in readme and "hmac" in readme


def test_workbook_has_the_same_rows(filled: Register, tmp_path: Path) -> None:
    import openpyxl

    folder = export_pack(filled, tmp_path / "pack").folder
    book = openpyxl.load_workbook(folder / "register.xlsx", read_only=True)
    for section in SECTIONS:
        sheet = book[section.key[:31]]
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
        with (folder / section.file).open(encoding="utf-8-sig", newline="") as handle:
            expected = [[cell if cell != "" else None for cell in r] for r in csv.reader(handle)]
        assert rows == expected, section.key


def test_verify_export_names_a_changed_file(filled: Register, tmp_path: Path) -> None:
    folder = export_pack(filled, tmp_path / "pack").folder
    assert verify_export(folder) == []
    path = folder / "cases.csv"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    problems = verify_export(folder)
    assert [p.file for p in problems] == ["cases.csv"]
    assert "SHA-256" in problems[0].problem


def test_marker_is_in_the_pack_and_the_export_is_audited(filled: Register, tmp_path: Path) -> None:
    folder = export_pack(filled, tmp_path / "pack", sections=["cases", "audit_trail"]).folder
    assert MARKER in (folder / "cases.csv").read_text(encoding="utf-8-sig")
    assert not (folder / "costs.csv").exists()
    last = next(filled.audit.entries())
    assert (last.action, last.record_kind) == ("export", "export")
    assert last.changes["sections"][1] == ["cases", "audit_trail"]


def test_a_cancelled_export_leaves_nothing(filled: Register, tmp_path: Path) -> None:
    head = filled.chain_head()
    with pytest.raises(ExportCancelled):
        export_pack(filled, tmp_path / "pack", cancelled=lambda: True)
    register_files = {filled.path.name + s for s in ("", "-wal", "-shm", ".lock")}
    assert {p.name for p in tmp_path.iterdir()} <= register_files  # no pack, no temp folder
    assert filled.chain_head() == head
