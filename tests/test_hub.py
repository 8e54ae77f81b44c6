"""The regional hub (issue 25): the trust's signed, encrypted pack, and the hub's PostgreSQL.

A real PostgreSQL server (the Debian ``postgresql`` package) is started once in a temporary
folder on a unix socket (``benchmarks/pg_throwaway.py``); every test gets its own database,
owned by a role that is NOT a superuser, so row-level security applies to the hub's own
commands as it would in production. No mock database.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import itertools
import json
import subprocess
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pyrage
import pytest

from benchmarks.pg_throwaway import find_bin_dir, throwaway_server
from nhsip_desktop.app import cli
from nhsip_desktop.hub import db, queries
from nhsip_desktop.hub.pack import (
    SECTIONS,
    PackError,
    collect,
    make_pack_bytes,
    open_pack,
    read_identity,
)
from nhsip_desktop.store.audit import Actor
from nhsip_desktop.store.recovery import decode_recovery_key
from nhsip_desktop.store.register import Register
from nhsip_desktop.store.signing import new_private_key, public_key_of, public_key_pem
from nhsip_desktop.store.unlock import read_recovery_key_file

OWNER = "hubowner"
_numbers = itertools.count()


# -- the server ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_server() -> Iterator[object]:
    if find_bin_dir() is None:
        pytest.skip("PostgreSQL is not installed (Debian package postgresql; .ci/run installs it)")
    with throwaway_server(port=5433) as server:
        with psycopg.connect(server.dsn(), autocommit=True) as conn:
            conn.execute(f"CREATE ROLE {OWNER} LOGIN CREATEROLE")
        yield server


@pytest.fixture
def hub_dsn(pg_server: object) -> str:
    """A fresh database owned by the (non-superuser) hub owner; its DSN connects as it."""
    name = f"hub{next(_numbers)}"
    with psycopg.connect(pg_server.dsn(), autocommit=True) as conn:  # type: ignore[attr-defined]
        conn.execute(f"CREATE DATABASE {name} OWNER {OWNER}")
    return str(pg_server.dsn(name, OWNER))  # type: ignore[attr-defined]


# -- trusts' registers --------------------------------------------------------------------------


def make_trust(tmp_path: Path, name: str, cases: int, ods: str) -> tuple[Path, Path]:
    reg, key = tmp_path / f"{name}.nhsip", tmp_path / f"{name}-key.txt"
    assert cli.main(["demo", str(reg), "--recovery-key-out", str(key), "--cases", str(cases)]) == 0
    with open_reg(reg, key) as register:
        register.settings.update(ods_code=ods, organisation=f"{name.title()} NHS Trust")
    return reg, key


def open_reg(reg: Path, key: Path) -> Register:
    recovery = decode_recovery_key(read_recovery_key_file(key))
    return Register.open(reg, recovery, actor=Actor("tester"))


def export_pack(reg: Path, key: Path, recipient: Path, out: Path, *extra: str) -> None:
    args = ["export", "hub", str(reg), "--recipient", str(recipient), "--out", str(out)]
    assert cli.main([*args, *extra, "--recovery-key-file", str(key)]) == 0


def export_key(reg: Path, key: Path, out: Path) -> None:
    args = ["export", "hub-key", str(reg), "--out", str(out), "--recovery-key-file", str(key)]
    assert cli.main(args) == 0


def hub_keys(tmp_path: Path) -> tuple[Path, Path]:
    identity = pyrage.x25519.Identity.generate()
    ident, recip = tmp_path / "hub.identity", tmp_path / "hub.recipient"
    ident.write_text(f"# test\n{identity}\n", encoding="utf-8")
    recip.write_text(f"# test\n{identity.to_public()}\n", encoding="utf-8")
    return ident, recip


def read_section(pack_path: Path, identity: Path, section: str) -> list[dict[str, str]]:
    opened = open_pack(pack_path.read_bytes(), read_identity(identity))
    return list(csv.DictReader(io.StringIO(opened.files[section].decode("utf-8"))))


# -- the pack (no database) ---------------------------------------------------------------------


def test_pack_is_unreadable_without_the_hub_identity_and_signed(
    tmp_path: Path, memory_keyring: object, capsys: pytest.CaptureFixture[str]
) -> None:
    reg, key = make_trust(tmp_path, "north", 12, "RX1")
    ident, recip = hub_keys(tmp_path)
    pack = tmp_path / "north.hubpack"
    export_pack(reg, key, recip, pack)
    out = capsys.readouterr().out
    assert "not included" in out and "Cases (stage" in out
    data = pack.read_bytes()
    assert data.startswith(b"age-encryption.org/v1")
    with open_reg(reg, key) as register:
        refs = [c.reference for c in register.cases.get_many(register.cases.ids())]
        titles = [c.title for c in register.cases.get_many(register.cases.ids())]
        public = register.signing.public_key_bytes()
        audit = [e for e in register.audit.entries() if e.action == "export-hub-pack"]
    assert refs and not any(r.encode() in data for r in refs)
    assert b"manifest" not in data and b"PK\x03\x04" not in data

    other = tmp_path / "other.identity"
    other.write_text(str(pyrage.x25519.Identity.generate()) + "\n", encoding="utf-8")
    with pytest.raises(PackError, match="cannot be decrypted"):
        open_pack(data, read_identity(other))

    opened = open_pack(data, read_identity(ident))
    m = opened.manifest
    assert (m["format"], m["format_version"], m["ods_code"]) == ("nhsip-hub-pack", 1, "RX1")
    assert m["includes_titles"] is False and opened.signing_key == public
    opened.verify_with(public)  # signed by the register's key
    with pytest.raises(PackError, match="not the one pinned"):
        opened.verify_with(public_key_of(new_private_key()))
    cases = read_section(pack, ident, "cases")
    assert len(cases) == m["sections"]["cases"]["rows"] > 0
    assert {c["reference"] for c in cases} <= set(refs)
    assert all(c["title"] == "" and c["summary"] == "" for c in cases)
    assert not any(t.encode() in opened.files["cases"] for t in titles if len(t) > 8)
    assert all(d["text"] == "" for d in read_section(pack, ident, "deadlines"))
    actions = read_section(pack, ident, "actions")
    assert [a["action"] for a in actions] == ["sro", "policy", "ttc", "publish", "training"]
    # Recorded in the register's audit trail.
    assert len(audit) == 1 and audit[0].changes["includes_titles"] == [None, False]
    assert audit[0].changes["file"] == [None, pack.name]

    # With titles: they travel.
    titled = tmp_path / "north-titled.hubpack"
    export_pack(reg, key, recip, titled, "--include-titles")
    cases = read_section(titled, ident, "cases")
    assert {c["title"] for c in cases} <= set(titles) and any(c["title"] for c in cases)


def test_tampered_pack_is_refused(tmp_path: Path, memory_keyring: object) -> None:
    reg, key = make_trust(tmp_path, "north", 4, "RX1")
    ident, recip = hub_keys(tmp_path)
    pack = tmp_path / "north.hubpack"
    export_pack(reg, key, recip, pack)
    identity = read_identity(ident)
    plain = pyrage.decrypt(pack.read_bytes(), [identity])
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(plain)) as src, zipfile.ZipFile(buffer, "w") as dst:
        for item in src.namelist():
            content = src.read(item)
            if item == "money.csv":
                content += b"2030,999999.00,0.00\n"
            dst.writestr(item, content)
    forged = pyrage.encrypt(buffer.getvalue(), [identity.to_public()])
    with pytest.raises(PackError, match=r"money\.csv does not match"):
        open_pack(forged, identity)


def test_hub_doc_describes_every_section_and_column() -> None:
    doc = (Path(__file__).parents[1] / "docs" / "HUB.md").read_text(encoding="utf-8")
    for section, columns in SECTIONS.items():
        assert f"`{section}.csv`" in doc, section
        for column in columns:
            assert f"`{column}`" in doc, (section, column)
    for word in ("pg_dump", "rotation", "never leaves", "hub grant", "hub add-trust"):
        assert word in doc


# -- the hub ------------------------------------------------------------------------------------


def snapshot(dsn: str) -> dict[str, list[tuple[object, ...]]]:
    with psycopg.connect(dsn) as conn:
        return {
            t: conn.execute(f"SELECT * FROM hub.{t} ORDER BY 1, 2, 3").fetchall()
            for t in (*db.DATA_TABLES, "packs")
        }


def run_hub(*args: str) -> int:
    return cli.main(["hub", *args])


def test_two_trusts_ingest_idempotently_refuse_unpinned_keys_and_roles_see_their_own(
    tmp_path: Path, hub_dsn: str, memory_keyring: object, capsys: pytest.CaptureFixture[str]
) -> None:
    ident, recip = tmp_path / "hub.identity", tmp_path / "hub.recipient"
    assert (
        run_hub(
            "init", "--dsn", hub_dsn, "--identity-out", str(ident), "--recipient-out", str(recip)
        )
        == 0
    )
    assert ident.stat().st_mode & 0o077 == 0
    with psycopg.connect(hub_dsn) as conn:  # RLS enabled and forced on every table
        flags = conn.execute(
            "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'hub' AND c.relkind = 'r'"
        ).fetchall()
    assert len(flags) == 4 + len(SECTIONS) and all(f[1] and f[2] for f in flags)
    assert (
        run_hub(
            "init",
            "--dsn",
            hub_dsn,
            "--identity-out",
            str(tmp_path / "i2"),
            "--recipient-out",
            str(tmp_path / "r2"),
        )
        == 2
    )

    north, north_key = make_trust(tmp_path, "north", 15, "RX1")
    south, south_key = make_trust(tmp_path, "south", 9, "RY2")
    for name, reg, key, ods in (
        ("north", north, north_key, "RX1"),
        ("south", south, south_key, "RY2"),
    ):
        pem = tmp_path / f"{name}.pem"
        export_key(reg, key, pem)
        assert (
            run_hub(
                "add-trust",
                "--dsn",
                hub_dsn,
                "--ods",
                ods,
                "--name",
                f"{name.title()} NHS Trust",
                "--signing-key",
                str(pem),
            )
            == 0
        )
    north_pack, south_pack = tmp_path / "north.hubpack", tmp_path / "south.hubpack"
    export_pack(north, north_key, recip, north_pack)
    export_pack(south, south_key, recip, south_pack, "--include-titles")
    capsys.readouterr()

    assert (
        run_hub(
            "ingest", "--dsn", hub_dsn, "--identity", str(ident), str(north_pack), str(south_pack)
        )
        == 0
    )
    out = capsys.readouterr().out
    assert out.count("LOADED") == 2
    first = snapshot(hub_dsn)
    north_cases = read_section(north_pack, ident, "cases")
    assert sum(1 for r in first["cases"] if r[0] == "RX1") == len(north_cases)
    assert sum(1 for r in first["cases"] if r[0] == "RY2") == len(
        read_section(south_pack, ident, "cases")
    )
    assert sum(1 for r in first["actions"] if r[0] == "RY2") == 5

    # The same pack again changes no row.
    assert run_hub("ingest", "--dsn", hub_dsn, "--identity", str(ident), str(north_pack)) == 0
    assert "UNCHANGED" in capsys.readouterr().out
    assert snapshot(hub_dsn) == first

    # A pack signed by a key nobody pinned (a register claiming RX1) is refused: nothing written.
    rogue, rogue_key = make_trust(tmp_path, "rogue", 3, "RX1")
    rogue_pack = tmp_path / "rogue.hubpack"
    export_pack(rogue, rogue_key, recip, rogue_pack)
    # ... and one for an ODS code with no pinned key at all.
    stray, stray_key = make_trust(tmp_path, "stray", 3, "RZ9")
    stray_pack = tmp_path / "stray.hubpack"
    export_pack(stray, stray_key, recip, stray_pack)
    capsys.readouterr()
    assert (
        run_hub(
            "ingest", "--dsn", hub_dsn, "--identity", str(ident), str(rogue_pack), str(stray_pack)
        )
        == 1
    )
    out = capsys.readouterr().out
    assert "not the one pinned" in out and "no signing key is pinned for RZ9" in out
    assert snapshot(hub_dsn) == first
    with psycopg.connect(hub_dsn) as conn:
        log = conn.execute("SELECT trust_ods, outcome FROM hub.ingest_log ORDER BY id").fetchall()
    assert log == [
        ("RX1", "loaded"),
        ("RY2", "loaded"),
        ("RX1", "unchanged"),
        ("RX1", "refused"),
        ("RZ9", "refused"),
    ]

    # A newer pack from the same trust replaces its rows (and leaves the other trust's alone).
    with open_reg(north, north_key) as register:
        doomed = register.cases.get_many(register.cases.ids())[0].reference
        register.cases.delete(register.cases.get_by_reference(doomed).id)
    newer = tmp_path / "north-2.hubpack"
    export_pack(north, north_key, recip, newer)
    assert run_hub("ingest", "--dsn", hub_dsn, "--identity", str(ident), str(newer)) == 0
    after = snapshot(hub_dsn)
    assert [r for r in after["cases"] if r[0] == "RY2"] == [
        r for r in first["cases"] if r[0] == "RY2"
    ]
    north_refs = {r[1] for r in after["cases"] if r[0] == "RX1"}
    assert doomed not in north_refs and len(north_refs) == len(north_cases) - 1
    # The older pack, offered again, is refused.
    assert run_hub("ingest", "--dsn", hub_dsn, "--identity", str(ident), str(north_pack)) == 1
    assert "older than the one already loaded" in capsys.readouterr().out
    assert snapshot(hub_dsn) == after

    # A role granted one trust sees only that trust's rows, in every table.
    assert run_hub("grant", "--dsn", hub_dsn, "--ods", "RY2", "--role", "south_reader") == 0
    with psycopg.connect(hub_dsn, autocommit=True) as conn:
        conn.execute("ALTER ROLE south_reader LOGIN")
    reader_dsn = hub_dsn.replace(f"user={OWNER}", "user=south_reader")
    with psycopg.connect(reader_dsn) as conn:
        for table in ("trusts", "packs", "ingest_log", *db.DATA_TABLES):
            seen = {r[0] for r in conn.execute(f"SELECT DISTINCT trust_ods FROM hub.{table}")}
            assert seen <= {"RY2"}, table
        assert conn.execute("SELECT count(*) FROM hub.cases").fetchone() == (
            sum(1 for r in after["cases"] if r[0] == "RY2"),
        )
        assert [t.ods for t in queries.trusts(conn)] == ["RY2"]
        assert queries.trust_pipeline(conn, "RX1") == {}
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM hub.cases")


def test_hub_report_names_every_trust_with_pipeline_deadlines_and_actions(
    tmp_path: Path, hub_dsn: str, memory_keyring: object
) -> None:
    ident, recip = tmp_path / "hub.identity", tmp_path / "hub.recipient"
    db.init_hub(hub_dsn, ident, recip)
    packs = []
    for name, ods, n in (("north", "RX1", 20), ("south", "RY2", 8)):
        reg, key = make_trust(tmp_path, name, n, ods)
        pem = tmp_path / f"{name}.pem"
        export_key(reg, key, pem)
        db.add_trust(hub_dsn, ods, f"{name.title()} NHS Trust", pem.read_bytes())
        pack = tmp_path / f"{name}.hubpack"
        export_pack(reg, key, recip, pack)
        packs.append(pack)
    results = db.ingest_files(hub_dsn, packs, read_identity(ident))
    assert [r.outcome for r in results] == ["loaded", "loaded"], results
    pdf = tmp_path / "hub.pdf"
    assert run_hub("report", "--dsn", hub_dsn, "--out", str(pdf)) == 0
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for heading in ("Pipeline by trust", "Deadlines by trust", "five actions", "financial year"):
        assert heading in text
    with psycopg.connect(hub_dsn) as conn:
        pipe = queries.pipeline(conn)
        matrix = queries.actions_matrix(conn)
    for ods, trust in (("RX1", "North NHS Trust"), ("RY2", "South NHS Trust")):
        row = next(line for line in text.splitlines() if f"{ods} {trust}" in line)
        assert str(sum(pipe[ods].values())) in row.split()  # the pipeline's total
        statuses = [c.status for c in matrix if c.ods == ods]
        assert len(statuses) == 5
    matrix_block = text[text.index("five actions") :]
    for ods in ("RX1", "RY2"):
        line = next(ln for ln in matrix_block.splitlines() if ln.strip().startswith(ods))
        assert "met" in line.lower()


def test_pack_with_a_forged_manifest_key_is_refused(
    tmp_path: Path, hub_dsn: str, memory_keyring: object
) -> None:
    # A pack that carries the pinned public key but is signed by another key.
    ident, recip = tmp_path / "hub.identity", tmp_path / "hub.recipient"
    db.init_hub(hub_dsn, ident, recip)
    reg, key = make_trust(tmp_path, "north", 3, "RX1")
    with open_reg(reg, key) as register:
        pinned = register.signing.public_key_bytes()
        contents = collect(register)
    db.add_trust(hub_dsn, "RX1", "North", public_key_pem(pinned))
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    forger = Ed25519PrivateKey.generate()
    data = make_pack_bytes(contents, pinned, forger.sign, read_identity(ident).to_public())
    forged = tmp_path / "forged.hubpack"
    forged.write_bytes(data)
    [result] = db.ingest_files(hub_dsn, [forged], read_identity(ident))
    assert result.outcome == "refused" and "bad signature" in result.detail
    assert snapshot(hub_dsn)["cases"] == []
    manifest = open_pack(data, read_identity(ident)).manifest
    assert base64.b64decode(manifest["signing_key"]) == pinned
    assert json.dumps(manifest)  # the manifest is plain JSON


# -- the app: Reports -> Share with hub…, and File -> Open hub… --------------------------------


def _when_modal(qtbot: Any, act: Callable[[Any], None]) -> list[BaseException]:
    """Run ``act`` on the next modal dialog (the dialog's exec() blocks the test)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    problems: list[BaseException] = []

    def poll() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(20, poll)
            return
        try:
            act(dialog)
        except BaseException as exc:  # reported by the test, not lost in Qt's event loop
            problems.append(exc)
            dialog.reject()

    QTimer.singleShot(0, poll)
    return problems


def test_share_with_hub_from_the_reports_page_previews_then_writes(
    qtbot: Any, tmp_path: Path, memory_keyring: object
) -> None:
    from PySide6.QtCore import Qt

    from nhsip_desktop.interchange.demo import build_demo
    from nhsip_desktop.ui.hub_share import HubShareDialog
    from nhsip_desktop.ui.reports_page import ReportsPage
    from nhsip_desktop.ui.session import RegisterSession

    ident, recip = hub_keys(tmp_path)
    register = Register.create(tmp_path / "t.nhsip", actor=Actor("tester"), organisation="T")
    build_demo(register, 10)
    session = RegisterSession()
    session.attach(register)
    page = ReportsPage(session)
    qtbot.addWidget(page)
    page.show()
    out = tmp_path / "shared.hubpack"
    seen: dict[str, str] = {}

    def without_ods(dialog: Any) -> None:
        assert isinstance(dialog, HubShareDialog)
        seen["problem"] = dialog.problem.text()
        assert not dialog.share_button.isEnabled()
        dialog.reject()

    problems = _when_modal(qtbot, without_ods)
    qtbot.mouseClick(page.hub_button, Qt.MouseButton.LeftButton)
    assert not problems, problems
    assert "ODS code" in seen["problem"] and not out.exists()

    register.settings.update(ods_code="RX1")

    def share(dialog: Any) -> None:
        seen["before"] = dialog.preview.text()
        qtbot.mouseClick(dialog.titles_box, Qt.MouseButton.LeftButton)
        seen["titled"] = dialog.preview.text()
        qtbot.mouseClick(dialog.titles_box, Qt.MouseButton.LeftButton)
        qtbot.keyClicks(dialog.recipient_edit, str(recip))
        dialog.out_edit.clear()
        qtbot.keyClicks(dialog.out_edit, str(out))
        dialog.grab().save(str(tmp_path / "share.png"))
        qtbot.mouseClick(dialog.share_button, Qt.MouseButton.LeftButton)

    problems = _when_modal(qtbot, share)
    qtbot.mouseClick(page.hub_button, Qt.MouseButton.LeftButton)
    assert not problems, problems
    cases = sum(1 for c in register.cases.get_many(register.cases.ids()) if c.stage != "draft")
    assert f"Cases (stage, dates, kinds of IP, triage outcome, route): {cases}" in seen["before"]
    assert "RX1" in seen["before"] and "not included" in seen["before"]
    assert "INCLUDED" in seen["titled"]
    opened = open_pack(out.read_bytes(), read_identity(ident))
    assert opened.manifest["includes_titles"] is False
    assert opened.manifest["sections"]["cases"]["rows"] == cases
    assert next(e.action for e in register.audit.entries()) == "export-hub-pack"
    session.lock()


def test_open_hub_window_lists_trusts_pipelines_and_deadlines(
    qtbot: Any, tmp_path: Path, hub_dsn: str, memory_keyring: object, monkeypatch: Any
) -> None:
    from PySide6.QtWidgets import QInputDialog

    from nhsip_desktop.ui.hub_window import HubWindow
    from nhsip_desktop.ui.main_window import MainWindow
    from nhsip_desktop.ui.session import RegisterSession

    ident, recip = tmp_path / "hub.identity", tmp_path / "hub.recipient"
    db.init_hub(hub_dsn, ident, recip)
    packs = []
    for name, ods, n in (("north", "RX1", 14), ("south", "RY2", 6)):
        reg, key = make_trust(tmp_path, name, n, ods)
        pem = tmp_path / f"{name}.pem"
        export_key(reg, key, pem)
        db.add_trust(hub_dsn, ods, f"{name.title()} NHS Trust", pem.read_bytes())
        pack = tmp_path / f"{name}.hubpack"
        export_pack(reg, key, recip, pack)
        packs.append(pack)
    db.ingest_files(hub_dsn, packs, read_identity(ident))
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: (hub_dsn, True))

    window = MainWindow(RegisterSession())
    qtbot.addWidget(window)
    action = next(a for a in window.menuBar().actions()[0].menu().actions() if "hub" in a.text())
    action.trigger()
    hub = window.findChild(HubWindow)
    assert hub is not None and hub.isVisible()
    qtbot.addWidget(hub)
    model = hub.trusts_model
    assert [model.row(i)[:2] for i in range(model.rowCount())] == [
        ["RX1", "North NHS Trust"],
        ["RY2", "South NHS Trust"],
    ]
    with psycopg.connect(hub_dsn) as conn:
        north = queries.trust_pipeline(conn, "RX1")
        south = queries.trust_pipeline(conn, "RY2")
        south_deadlines = queries.deadlines(
            conn, dt.date.today(), dt.date.today() + dt.timedelta(days=90), "RY2"
        )
    assert sum(north.values()) == int(model.row(0)[3])
    pipeline = {hub.pipeline_model.row(i)[0]: hub.pipeline_model.row(i)[1] for i in range(5)}
    assert pipeline["Submitted"] == str(north.get("submitted", 0))
    hub.trusts_view.selectRow(1)  # choosing a trust shows its own pipeline and deadlines
    pipeline = {hub.pipeline_model.row(i)[0]: hub.pipeline_model.row(i)[1] for i in range(5)}
    assert sum(int(v) for v in pipeline.values()) == sum(south.values())
    assert hub.deadlines_model.rowCount() == len(south_deadlines) > 0
    assert "RY2 South NHS Trust" in hub.chosen_label.text()
    hub.grab().save(str(tmp_path / "hub-window.png"))
    hub.close()


def test_hub_benchmark_runs_at_a_tiny_size(pg_server: object, capsys: Any) -> None:
    # The full run (40 trusts x 2,500 cases) is benchmarks/hub.py; this proves it works.
    from benchmarks import hub as bench

    assert bench.main(["--trusts", "2", "--cases", "30", "--repeats", "1", "--queries", "5"]) == 0
    out = capsys.readouterr().out
    assert "| ingest / bare COPY |" in out and "consolidated PDF report" in out
    assert "60 cases" in out


def test_hub_report_period_limits_pipeline_and_money(
    tmp_path: Path, hub_dsn: str, memory_keyring: object
) -> None:
    ident, recip = tmp_path / "hub.identity", tmp_path / "hub.recipient"
    db.init_hub(hub_dsn, ident, recip)
    reg, key = make_trust(tmp_path, "north", 20, "RX1")
    pem = tmp_path / "north.pem"
    export_key(reg, key, pem)
    db.add_trust(hub_dsn, "RX1", "North NHS Trust", pem.read_bytes())
    pack = tmp_path / "north.hubpack"
    export_pack(reg, key, recip, pack)
    db.ingest_files(hub_dsn, [pack], read_identity(ident))
    received = sorted(c["received_on"] for c in read_section(pack, ident, "cases"))
    start = dt.date.fromisoformat(received[len(received) // 2])
    with psycopg.connect(hub_dsn) as conn:
        whole = sum(queries.pipeline(conn)["RX1"].values())
        part = sum(queries.trust_pipeline(conn, "RX1", start, dt.date.today()).values())
    assert whole == len(received) and part == sum(1 for r in received if r >= start.isoformat())
    assert 0 < part < whole
    pdf = tmp_path / "period.pdf"
    args = ["report", "--dsn", hub_dsn, "--out", str(pdf), "--from", f"{start:%d/%m/%Y}"]
    assert run_hub(*args) == 0
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert f"Cases received {start:%d/%m/%Y} to today" in text
    row = next(line for line in text.splitlines() if line.strip().startswith("All trusts"))
    assert row.split()[-1] == str(part)
    assert (
        run_hub(
            "report",
            "--dsn",
            hub_dsn,
            "--out",
            str(pdf),
            "--from",
            "02/01/2026",
            "--to",
            "01/01/2026",
        )
        == 2
    )


def test_the_app_starts_without_importing_psycopg() -> None:
    # psycopg takes most of a second to import: the Hub window imports it when it opens.
    import sys as _sys

    code = (
        "import sys\nimport nhsip_desktop.ui.main_window, nhsip_desktop.app.cli\n"
        "print('psycopg' in sys.modules)\n"
    )
    done = subprocess.run([_sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
