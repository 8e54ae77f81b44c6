"""The auditor's export pack, read back without the app's help (csv, openpyxl, LibreOffice,
OpenSSL), and checked with nothing but the pack."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import json
import os
import shutil
import subprocess
import sys
import textwrap
import threading
import zipfile
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from nhsip_desktop.app import cli
from nhsip_desktop.cases.disclosure import Contributor, Disclosure
from nhsip_desktop.core.cells import FORMULA_STARTS
from nhsip_desktop.finance.ledgers import CostCategory, CostEntry
from nhsip_desktop.finance.revenue import ReturnKind
from nhsip_desktop.interchange.importer import ImportMapping, import_rows, preview, read_table
from nhsip_desktop.reports import export as export_module
from nhsip_desktop.reports.export import (
    MANIFEST,
    PUBLIC_KEY,
    README,
    SECTIONS,
    SIGNATURE,
    WORK_MARKER,
    ExportCancelled,
    ExportError,
    export_pack,
    remove_leftover_work,
    verify_export,
    verify_pack,
)
from nhsip_desktop.store import signing
from nhsip_desktop.store.register import Register

MARKER = "AUDIT-MARKER-5521"
# Text a spreadsheet would run as a formula, typed or imported into the register.
FORMULAS = [
    '=HYPERLINK("http://example.invalid/x","Click")',
    "+1+1",
    "-2+3",
    "@SUM(1,2)",
    "\t=1+1",
    "\r=1+1",
    "=1+1",
]


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def csv_cells(folder: Path) -> list[tuple[str, str]]:
    out = []
    for path in sorted(folder.glob("*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.reader(handle):
                out += [(path.name, cell) for cell in row]
    return out


def is_number(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return True


@pytest.fixture
def filled(demo_register: Callable[[int], Register]) -> Register:
    register = demo_register(45)  # a copy of a demo register built once per run
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
    # Money always with two decimals (pence), never 12000 or 1000.5.
    costs = read_csv(folder / "costs.csv")
    assert sorted(r["amount_gbp"] for r in costs) == sorted(
        f"{c.amount:.2f}" for c in filled.costs.list()
    )
    assert "1200.50" in {r["amount_gbp"] for r in costs}
    returns = read_csv(folder / "returns.csv")
    for r in returns:
        for name in ("gross_gbp", "deductible_gbp"):
            whole, pence = r[name].split(".")
            assert len(pence) == 2 and whole.isdigit(), r[name]
    audit = read_csv(folder / "audit_trail.csv")
    assert [int(r["seq"]) for r in audit] == list(range(1, len(audit) + 1))
    # Totals (distributions) and per-person rows (innovator_shares) are separate files.
    shared = read_csv(folder / "distributions.csv")
    assert {r["party"] for r in shared} <= {
        "innovators",
        "department",
        "organisation",
        "ttc",
        "unallocated",
    }
    nets = sum(Decimal(r["gross_gbp"]) - Decimal(r["deductible_gbp"]) for r in returns)
    assert sum(Decimal(r["amount_gbp"]) for r in shared) == nets  # every penny accounted for
    people = read_csv(folder / "innovator_shares.csv")
    innovators = [Decimal(r["amount_gbp"]) for r in shared if r["party"] == "innovators"]
    assert sum(Decimal(r["amount_gbp"]) for r in people) == sum(innovators)
    manifest = json.loads((folder / MANIFEST).read_text())
    for section in SECTIONS:
        rows = len(read_csv(folder / section.file))
        assert manifest["files"][section.file]["rows"] == rows
    assert manifest["audit_chain_head"]["seq"] == len(audit)
    readme = (folder / README).read_text()
    assert "Get-FileHash" in readme and "cases.csv" in readme and "hmac" in readme


def test_a_return_on_a_case_without_contributors_is_listed_as_unallocated(
    register: Register, tmp_path: Path
) -> None:
    case = register.cases.add("Nobody's idea yet")
    register.returns.add(
        case.id, received_on=dt.date(2025, 6, 1), gross=Decimal("750.25"), kind=ReturnKind.ROYALTY
    )
    folder = export_pack(register, tmp_path / "pack").folder
    shared = read_csv(folder / "distributions.csv")
    assert [(r["case_reference"], r["party"], r["amount_gbp"]) for r in shared] == [
        (case.reference, "unallocated", "750.25")
    ]
    assert shared[0]["note"].startswith("Not shared yet")
    (row,) = read_csv(folder / "reconciliation.csv")
    assert (row["net_gbp"], row["distributed_gbp"], row["unallocated_gbp"]) == (
        "750.25",
        "0.00",
        "750.25",
    )
    assert (row["difference_gbp"], row["balances"]) == ("0.00", "yes")


def test_formulas_typed_or_imported_reach_no_cell_as_a_formula(
    register: Register, tmp_path: Path
) -> None:
    # Entered: a case title, a contributor's name and job title, a cost's supplier.
    for text in FORMULAS:
        case = register.cases.save_disclosure(
            None,
            title=text,
            summary=text,
            ip_kinds=(),
            disclosure=Disclosure(
                problem=text,
                contributors=[Contributor(name=text, job_title=text, share=Decimal("100"))],
            ),
        )
    register.costs.add(
        CostEntry(
            dt.date(2025, 1, 2),
            CostCategory.OTHER,
            Decimal("5.00"),
            supplier="=1+1",
            case_id=case.id,
        )
    )
    # Imported: a spreadsheet of titles and summaries.
    source = tmp_path / "import.csv"
    with source.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Project title", "Description", "Status"])
        for n, text in enumerate(FORMULAS):
            writer.writerow([f"{text} imported {n}", text, "Submitted"])
    mapping = ImportMapping.from_dict(
        {
            "format": "nhsip-import-mapping",
            "version": 1,
            "header_row": 1,
            "columns": {"Project title": "title", "Description": "summary", "Status": "stage"},
        }
    )
    result = preview(read_table(source, mapping), mapping, today=dt.date(2026, 1, 1))
    assert import_rows(register, result, only_valid=True).imported == len(FORMULAS)

    folder = export_pack(register, tmp_path / "pack").folder
    cells = csv_cells(folder)
    assert any(cell == "'=1+1" for _f, cell in cells)  # the quote in front, text kept
    dangerous = [
        (name, cell) for name, cell in cells if cell[:1] in FORMULA_STARTS and not is_number(cell)
    ]
    assert dangerous == []
    titles = {r["title"] for r in read_csv(folder / "cases.csv")}
    assert "'" + FORMULAS[0] in titles
    # The workbook: no formula cell, no text that starts like one.
    book = openpyxl.load_workbook(folder / "register.xlsx")
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate)
                if isinstance(cell.value, str):
                    assert cell.value[:1] not in FORMULA_STARTS, (sheet.title, cell.value)
    readme = (folder / README).read_text()
    assert "single quote" in readme and "=, +, -, @" in readme


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_runs_no_formula_from_the_csv_files(register: Register, tmp_path: Path) -> None:
    for text in FORMULAS:
        register.cases.add(text)
    folder = export_pack(register, tmp_path / "pack", sections=["cases"]).folder
    raw = tmp_path / "raw.csv"  # the control: the same text written raw is run as a formula
    raw.write_text("title\n=1+1\n", encoding="utf-8")
    out = tmp_path / "lo"
    _soffice("xlsx", out, folder / "cases.csv", raw)
    control = openpyxl.load_workbook(out / "raw.xlsx").active
    assert control["A2"].data_type == "f"
    sheet = openpyxl.load_workbook(out / "cases.xlsx").active
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def _soffice(to: str, out: Path, *files: Path) -> None:
    profile = out.parent / "lo-profile"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            to,
            "--outdir",
            str(out),
            *map(str, files),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )


def test_workbook_has_typed_cells_and_the_same_rows(filled: Register, tmp_path: Path) -> None:
    folder = export_pack(filled, tmp_path / "pack").folder
    book = openpyxl.load_workbook(folder / "register.xlsx")
    assert book.sheetnames[0] == "README"
    assert book.sheetnames[1:] == [s.key[:31] for s in SECTIONS]
    readme = [r for r in book["README"].iter_rows(values_only=True)]
    assert any(r[0] == "Signing key fingerprint" for r in readme)
    for section in SECTIONS:
        sheet = book[section.key[:31]]
        assert sheet.freeze_panes == "A2", section.key
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:"), section.key
        widths = [sheet.column_dimensions[c].width for c in "ABC"[: len(section.columns)]]
        assert all(w and w >= 8 for w in widths), section.key
        rows = list(sheet.iter_rows(values_only=True))
        with (folder / section.file).open(encoding="utf-8-sig", newline="") as handle:
            expected = list(csv.reader(handle))
        assert len(rows) == len(expected), section.key
        assert list(rows[0]) == expected[0]
        kinds = [c.kind for c in section.columns]
        for got, text in zip(rows[1:], expected[1:], strict=True):
            for kind, value, written in zip(kinds, got, text, strict=True):
                if written == "":
                    assert value is None
                elif kind == "date":
                    assert value == dt.datetime.fromisoformat(written), section.key
                elif kind == "money":
                    assert isinstance(value, (int, float)) and Decimal(str(value)) == Decimal(
                        written
                    )
                elif kind == "int":
                    assert isinstance(value, int) and value == int(written)
                elif kind == "time":
                    assert isinstance(value, dt.datetime)
                    assert value == dt.datetime.fromisoformat(written[:19])
                elif kind == "number":
                    assert Decimal(str(value)) == Decimal(written)
                else:
                    assert value == written
    # Formats: £ money, UK dates, whole numbers.
    costs = book["costs"]
    assert "£" in costs["F2"].number_format and costs["F2"].number_format.endswith("0.00")
    assert costs["D2"].number_format == "dd/mm/yyyy" and costs["D2"].is_date
    # References in full (never cut to "IP-2024-00").
    cases = book["cases"]
    assert str(cases["A2"].value).count("-") == 2 and len(str(cases["A2"].value)) == 12
    assert cases.column_dimensions["A"].width >= 12
    # The reconciliation sheet balances every return.
    recon = list(book["reconciliation"].iter_rows(values_only=True))
    header = list(recon[0])
    for row in recon[1:]:
        values = dict(zip(header, row, strict=True))
        assert values["balances"] == "yes"
        assert (
            round(values["net_gbp"] - values["distributed_gbp"] - values["unallocated_gbp"], 2) == 0
        )


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_opens_the_workbook_and_reads_the_same_values(
    filled: Register, tmp_path: Path
) -> None:
    folder = export_pack(filled, tmp_path / "pack").folder
    out = tmp_path / "lo"
    # Every sheet to its own CSV, values not as shown (UTF-8, comma, quoted text).
    _soffice(
        "csv:Text - txt - csv (StarCalc):44,34,76,1,,1033,false,true,false,false,false,-1",
        out,
        folder / "register.xlsx",
    )
    for section in SECTIONS:
        got = list(csv.reader((out / f"register-{section.key}.csv").open(encoding="utf-8")))
        with (folder / section.file).open(encoding="utf-8-sig", newline="") as handle:
            expected = list(csv.reader(handle))
        assert len(got) == len(expected), section.key
        kinds = [c.kind for c in section.columns]
        for lo_row, row in zip(got[1:], expected[1:], strict=True):
            for kind, lo, text in zip(kinds, lo_row, row, strict=True):
                if kind == "date" and text:
                    assert dt.datetime.strptime(lo, "%m/%d/%Y").date().isoformat() == text
                elif kind == "money" and text:
                    assert Decimal(lo) == Decimal(text), section.key
                elif kind == "time" and text:
                    assert dt.datetime.strptime(lo, "%m/%d/%Y %H:%M:%S") == (
                        dt.datetime.fromisoformat(text[:19])
                    )
                elif kind in ("int", "number") and text:
                    assert Decimal(lo) == Decimal(text)
                else:
                    assert lo == text, (section.key, lo, text)


def test_the_pack_verifies_with_nothing_but_the_pack(
    filled: Register, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = export_pack(filled, tmp_path / "pack")
    fingerprint = filled.signing.fingerprint()
    assert result.fingerprint == fingerprint
    assert fingerprint in (result.folder / README).read_text()
    manifest = json.loads((result.folder / MANIFEST).read_text())
    assert README in manifest["files"] and PUBLIC_KEY in manifest["files"]
    assert all("/" not in name and "\\" not in name for name in manifest["files"])
    filled.close()
    # Moved elsewhere, register closed and gone: the command needs no register and no key.
    moved = tmp_path / "elsewhere" / "pack"
    moved.parent.mkdir()
    shutil.move(result.folder, moved)
    shutil.rmtree(tmp_path / "pack", ignore_errors=True)
    for leftover in tmp_path.glob("*.nhsip*"):
        leftover.unlink()
    assert cli.main(["verify-export", str(moved), "--fingerprint", fingerprint]) == 0
    out = capsys.readouterr().out
    assert "match the manifest, and its signature is good" in out and fingerprint in out
    assert cli.main(["verify-export", str(moved), "--fingerprint", "00" * 32]) != 0


@pytest.mark.skipif(shutil.which("openssl") is None, reason="OpenSSL is not installed")
def test_openssl_checks_the_signature_as_the_readme_says(filled: Register, tmp_path: Path) -> None:
    folder = export_pack(filled, tmp_path / "pack").folder
    command = ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", PUBLIC_KEY, "-rawin"]
    command += ["-in", MANIFEST, "-sigfile", SIGNATURE]
    assert " ".join(command[:7]) in (folder / README).read_text().replace("\n   ", " ")
    done = subprocess.run(command, cwd=folder, capture_output=True, text=True, check=False)
    assert done.returncode == 0 and "Signature Verified Successfully" in done.stdout


def _rehash(folder: Path, name: str) -> None:
    manifest = json.loads((folder / MANIFEST).read_text())
    import hashlib

    data = (folder / name).read_bytes()
    manifest["files"][name]["sha256"] = hashlib.sha256(data).hexdigest()
    manifest["files"][name]["bytes"] = len(data)
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")


def test_a_changed_file_is_named_even_with_its_hash_recomputed(
    filled: Register, tmp_path: Path
) -> None:
    folder = export_pack(filled, tmp_path / "pack").folder
    assert verify_export(folder) == []
    path = folder / "cases.csv"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    problems = verify_export(folder)
    assert [p.file for p in problems] == ["cases.csv"]
    assert "SHA-256" in problems[0].problem
    _rehash(folder, "cases.csv")  # the attacker recomputes the hash in the manifest
    problems = verify_export(folder)
    assert {p.file for p in problems} == {MANIFEST, "cases.csv"}
    assert any("signature" in p.problem for p in problems if p.file == MANIFEST)


def test_an_edited_readme_or_an_added_file_fails(filled: Register, tmp_path: Path) -> None:
    folder = export_pack(filled, tmp_path / "pack").folder
    (folder / README).write_text((folder / README).read_text().replace("securely", "loosely"))
    assert [p.file for p in verify_export(folder)] == [README]
    _rehash(folder, README)
    assert {p.file for p in verify_export(folder)} == {MANIFEST, README}

    folder = export_pack(filled, tmp_path / "pack2").folder
    (folder / "extra.csv").write_text("a,b\n")
    problems = verify_export(folder)
    assert [(p.file, p.problem) for p in problems] == [("extra.csv", "not part of the export")]


def test_a_new_key_and_signature_in_the_pack_do_not_hide_a_change(
    filled: Register, tmp_path: Path
) -> None:
    """Whoever re-signs a changed pack with their own key changes the fingerprint."""
    folder = export_pack(filled, tmp_path / "pack").folder
    fingerprint = filled.signing.fingerprint()
    seed = signing.new_private_key()
    public = signing.public_key_of(seed)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.from_private_bytes(seed)
    manifest = json.loads((folder / MANIFEST).read_text())
    manifest["signing"]["public_key"] = base64.b64encode(public).decode()
    (folder / PUBLIC_KEY).write_bytes(signing.public_key_pem(public))
    data = (json.dumps(manifest, indent=2) + "\n").encode()
    (folder / MANIFEST).write_bytes(data)
    (folder / SIGNATURE).write_bytes(key.sign(data))
    report = verify_pack(folder, expected_fingerprint=fingerprint)
    assert not report.ok and report.fingerprint != fingerprint
    assert PUBLIC_KEY in {p.file for p in report.problems}


@pytest.mark.parametrize("name", ["/etc/passwd", "../outside.csv", "C:\\Windows\\x.csv", "a/../b"])
def test_a_path_outside_the_pack_is_refused_unread(
    filled: Register, tmp_path: Path, name: str
) -> None:
    folder = export_pack(filled, tmp_path / "pack", sections=["cases"]).folder
    (tmp_path / "outside.csv").write_text("secret")
    manifest = json.loads((folder / MANIFEST).read_text())
    manifest["files"][name] = {"sha256": "0" * 64, "bytes": 6, "rows": 0, "signature": ""}
    (folder / MANIFEST).write_text(json.dumps(manifest))
    problems = verify_export(folder)
    refused = [p for p in problems if p.file == name]
    assert refused and refused[0].problem.startswith("refused")
    assert {p.file for p in problems} == {MANIFEST, name}


def test_marker_is_in_the_pack_and_the_export_is_audited(filled: Register, tmp_path: Path) -> None:
    folder = export_pack(filled, tmp_path / "pack", sections=["cases", "audit_trail"]).folder
    assert MARKER in (folder / "cases.csv").read_text(encoding="utf-8-sig")
    assert not (folder / "costs.csv").exists()
    last = next(filled.audit.entries())
    assert (last.action, last.record_kind) == ("export", "export")
    assert last.changes["sections"][1] == ["cases", "audit_trail"]


def test_a_cancelled_export_leaves_nothing(filled: Register, tmp_path: Path) -> None:
    filled.signing.public_key_bytes()  # made on first need (with its own audit row)
    head = filled.chain_head()
    with pytest.raises(ExportCancelled):
        export_pack(filled, tmp_path / "pack", cancelled=lambda: True)
    register_files = {filled.path.name + s for s in ("", "-wal", "-shm", ".lock")}
    assert {p.name for p in tmp_path.iterdir()} <= register_files  # no pack, no temp folder
    assert filled.chain_head() == head
    assert remove_leftover_work() == []


def test_a_failure_part_way_leaves_nothing(
    filled: Register, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import nhsip_desktop.reports.export as export

    def no_space(*_args: object) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export, "_write_listing", no_space)
    with pytest.raises(ExportError, match="No space"):
        export_pack(filled, tmp_path / "pack")
    register_files = {filled.path.name + s for s in ("", "-wal", "-shm", ".lock")}
    assert {p.name for p in tmp_path.iterdir()} <= register_files


def test_a_work_folder_left_by_a_crash_is_removed_at_the_next_start(
    filled: Register, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = filled.data_key
    path = filled.path
    filled.close()
    # A real crash: another process dies part-way through writing the pack.
    script = textwrap.dedent(
        f"""
        import os, sys
        from pathlib import Path
        from nhsip_desktop.store.audit import Actor
        from nhsip_desktop.store.register import Register
        from nhsip_desktop.reports.export import export_pack

        register = Register.open(Path({str(path)!r}), bytes.fromhex({key.hex()!r}),
                                 actor=Actor("t", "T"))
        def crash(done, total, label):
            if done == 3:
                os._exit(9)
        export_pack(register, Path({str(tmp_path / "pack")!r}), progress=crash)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], env=os.environ, check=False)
    assert done.returncode == 9
    left = [p for p in tmp_path.iterdir() if p.name.startswith(".pack.")]
    assert len(left) == 1 and (left[0] / WORK_MARKER).exists()
    assert (left[0] / "cases.csv").exists()  # plaintext on disk until the next start
    other = tmp_path / ".not-ours"
    other.mkdir()
    # The next start (any command) removes it, and nothing that is not its own.
    assert cli.main(["verify-export", str(tmp_path / "nothing")]) != 0
    assert not left[0].exists() and other.exists()
    assert "unfinished export" in capsys.readouterr().err
    assert remove_leftover_work() == []


def test_an_old_register_gets_its_signing_key_on_first_need(register: Register) -> None:
    register.conn.execute("DELETE FROM signing_key")  # as before migration 0007's first use
    assert not register.signing.has_key()
    public = register.signing.public_key_bytes()
    assert register.signing.has_key() and len(public) == 32
    last = next(register.audit.entries())
    assert (last.action, last.record_kind) == ("create", "signing_key")
    assert last.changes["fingerprint"][1] == signing.fingerprint_of(public)
    assert register.signing.public_key_bytes() == public  # made once, then kept
    data = b"hub pack"
    signature = register.signing.sign(data)
    assert signing.verify(public, data, signature)
    assert not signing.verify(public, data + b"!", signature)
    assert not signing.verify(public[:-1] + bytes([public[-1] ^ 1]), data, signature)
    assert not signing.verify(public, data, b"short")


def test_the_signing_key_survives_reopening(register: Register) -> None:
    public = register.signing.public_key_bytes()
    path, key, actor = register.path, register.data_key, register.actor
    register.close()
    with Register.open(path, key, actor=actor) as again:
        assert again.signing.public_key_bytes() == public
        fingerprint = again.signing.fingerprint()
    groups = fingerprint.split(" ")
    assert len(groups) == 16 and all(len(g) == 4 for g in groups)


def test_characters_xml_cannot_hold_are_dropped_from_the_workbook_only(
    register: Register, tmp_path: Path
) -> None:
    case = register.cases.add("Bell\x07 and unit\x1fseparator & <tags>")
    folder = export_pack(register, tmp_path / "pack", sections=["cases"]).folder
    (row,) = read_csv(folder / "cases.csv")
    assert row["title"] == case.title  # the CSV keeps the text as it is
    sheet = openpyxl.load_workbook(folder / "register.xlsx")["cases"]
    assert sheet["B2"].value == "Bell and unitseparator & <tags>"


def _write_every_section(
    register: Register, folder: Path, sections: list[export_module.Section]
) -> dict[str, bytes]:
    """Each section's CSV file and worksheet, written as the export writes them."""
    folder.mkdir()
    source = export_module._Source(register)
    book = export_module._WorkbookWriter(folder / "book.xlsx")
    for section in sections:
        export_module._write_section(source, section, folder / section.file, book, lambda: None)
    book.finish([["README"]])
    book.close()
    out = {path.name: path.read_bytes() for path in folder.glob("*.csv")}
    with zipfile.ZipFile(folder / "book.xlsx") as parts:
        out |= {name: parts.read(name) for name in parts.namelist()}
    return out


def test_rows_written_a_batch_at_a_time_are_the_rows_written_one_by_one(
    filled: Register, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Text a CSV file must quote, XML must escape, a spreadsheet would run; empty cells; a
    # value of an unexpected type in a typed column (that batch goes row by row).
    tricky = [
        *FORMULAS,
        'say "hi", twice',
        "line\nbreak",
        "a & b <c>",
        "",
        "£ Łukasz",
        None,
        "\x07",
        "  padded  ",
        "tab\there",
        "\u2003em space",
    ]
    kinds = ("text", "int", "number", "date", "money", "time")
    columns = tuple(export_module.Column(f"c{n}", "test", kind) for n, kind in enumerate(kinds))
    odd_at = 23

    def rows(_source: object) -> list[tuple[object, ...]]:
        out: list[tuple[object, ...]] = []
        for n in range(40):
            out.append(
                (
                    tricky[n % len(tricky)],
                    None if n % 5 == 0 else n - 20,
                    None if n % 4 == 0 else (Decimal("12.5") if n % 2 else 3),
                    None if n % 3 == 0 else dt.date(2024, 1, 1) + dt.timedelta(days=n * 40),
                    None if n % 6 == 0 else Decimal(n * 1234) / 7,
                    "" if n % 7 == 0 else f"2025-03-{n % 28 + 1:02d}T10:{n:02d}:05.5Z",
                )
            )
        out[odd_at] = (*out[odd_at][:3], "31/12/2024", *out[odd_at][4:])
        return out

    mixed = export_module.Section("mixed", "mixed.csv", "Mixed", columns, rows)
    sections = [*SECTIONS, mixed]
    monkeypatch.setattr(export_module, "_BATCH", 5)  # several batches, one of them odd
    batched = _write_every_section(filled, tmp_path / "batched", sections)
    monkeypatch.setattr(export_module._BatchFormat, "columns", lambda _self, _batch: None)
    one_by_one = _write_every_section(filled, tmp_path / "rows", sections)
    assert batched.keys() == one_by_one.keys()
    for name, data in one_by_one.items():
        assert batched[name] == data, name
    # The rows really went through both paths, and the odd row was written as text.
    mixed_rows = list(csv.reader(io.StringIO(batched["mixed.csv"].decode("utf-8-sig"))))
    assert mixed_rows[1 + odd_at][3] == "31/12/2024" and len(mixed_rows) == 41
    firsts = {r[0] for r in mixed_rows}
    assert all(c[:1] not in FORMULA_STARTS or is_number(c) for r in mixed_rows for c in r)
    assert {"'=1+1", 'say "hi", twice', "line\nbreak", "a & b <c>"} <= firsts


def test_the_listing_prints_any_name_in_embedded_fonts_dates_the_uk_way(
    register: Register, tmp_path: Path
) -> None:
    long = "Łukasz Dvořák and Nguyễn Thị Hà: " + "a very long title about a ward device " * 4
    case = register.cases.add(long, received_on=dt.date(2026, 3, 1))
    register.cases.add("Bedside card")
    folder = export_pack(register, tmp_path / "pack", sections=["cases"]).folder
    listing = folder / "register-listing.pdf"
    text = subprocess.run(
        ["pdftotext", "-layout", str(listing), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Łukasz Dvořák and Nguyễn Thị Hà" in text
    assert "01/03/2026" in text and "2026-03-01" not in text
    assert "Page 1 of 1" in text
    assert "Draft" in text  # the stage's label, not its key
    # a title too long for its column is cut at a word, with an ellipsis
    line = next(row for row in text.splitlines() if case.reference in row).rstrip()
    assert line.endswith("…")
    shown = line[line.index("Łukasz") : -1]
    assert long.startswith(shown) and long[len(shown)] == " "
    fonts = subprocess.run(
        ["pdffonts", str(listing)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert fonts and all(" yes " in row for row in fonts), fonts
    assert "Helvetica" not in "\n".join(fonts)
    info = subprocess.run(
        ["pdfinfo", str(listing)], capture_output=True, text=True, check=True
    ).stdout
    assert "anonymous" not in info


def test_white_space_is_kept_only_where_a_cell_has_it_at_an_end_or_a_line_break(
    register: Register, tmp_path: Path
) -> None:
    # (Titles are trimmed when saved: other text, such as imported notes, keeps its spaces.)
    texts = ["  leading", "trailing  ", "two\nlines", "plain text", "\u2003em space", "a  b"]
    columns = (export_module.Column("text", "test"),)
    section = export_module.Section(
        "notes", "notes.csv", "Notes", columns, lambda _s: [(t,) for t in texts]
    )
    written = _write_every_section(register, tmp_path / "book", [section])
    xml = written["xl/worksheets/sheet2.xml"].decode("utf-8")
    kept = [t for t in texts if f'<t xml:space="preserve">{t}</t>' in xml]
    assert kept == ["  leading", "trailing  ", "two\nlines", "\u2003em space"]
    assert "<t>plain text</t>" in xml and "<t>a  b</t>" in xml
    assert xml.count('xml:space="preserve"') == 4  # no other cell carries it
    book = openpyxl.load_workbook(tmp_path / "book" / "book.xlsx")
    assert [book["notes"].cell(row, 1).value for row in range(2, 8)] == texts


def test_a_failure_while_the_workbook_is_compressed_leaves_nothing(
    filled: Register, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The zip is written in a thread of its own: its error still stops the export.
    def no_space(_self: object, _data: bytes) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export_module._PumpedPart, "_write", no_space)
    with pytest.raises(ExportError, match="No space"):
        export_pack(filled, tmp_path / "pack")
    register_files = {filled.path.name + s for s in ("", "-wal", "-shm", ".lock")}
    assert {p.name for p in tmp_path.iterdir()} <= register_files
    assert all(t.name != "export-workbook" for t in threading.enumerate())


def test_the_audit_trail_read_ahead_gives_the_same_rows_and_its_errors(
    filled: Register, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = list(range(7))
    monkeypatch.setattr(export_module, "_BATCH", 3)
    assert list(export_module._batches(rows, True)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(export_module._batches(rows, False)) == [[0, 1, 2], [3, 4, 5], [6]]

    def broken() -> Iterator[int]:
        yield from range(4)
        raise OSError(5, "Input/output error")

    batches = export_module._batches(broken(), True)
    assert next(batches) == [0, 1, 2]
    with pytest.raises(OSError, match="Input/output"):
        list(batches)
    # Stopped part-way (a cancelled export): the reading thread ends and closes its rows.
    closed: list[bool] = []

    def endless() -> Iterator[int]:
        try:
            n = 0
            while True:
                yield n
                n += 1
        finally:
            closed.append(True)

    batches = export_module._batches(endless(), True)
    assert next(batches) == [0, 1, 2]
    batches.close()
    assert closed == [True]
    assert all(t.name != "export-read-ahead" for t in threading.enumerate())
    # The whole pack, read ahead, verifies and holds the whole trail.
    folder = export_pack(filled, tmp_path / "pack", sections=["audit_trail"]).folder
    assert verify_pack(folder).ok
    assert len(read_csv(folder / "audit_trail.csv")) == filled.chain_head().seq - 1
