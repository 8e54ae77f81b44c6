"""Registers written by earlier releases open in this one: after a verified backup, the named
migrations run, the file checks clean and every record is kept. One small register per
release lives in tests/data/ (made by that release's own code, with a fixed test key)."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from nhsip_desktop.cases.model import CaseFilter
from nhsip_desktop.store.audit import Actor
from nhsip_desktop.store.invariants import check_invariants
from nhsip_desktop.store.migrations import known_names
from nhsip_desktop.store.reconcile import reconcile_checks
from nhsip_desktop.store.register import Register

DATA = Path(__file__).parent / "data"
# release -> (the key its test register was made with, the case titles it holds). Releases
# from 7090b3d on are made by scripts/make_release_register.py, which writes the titles and
# every table's row count beside the register (release-REV.json); they are read from there.
RELEASES: dict[str, tuple[bytes, set[str]]] = {
    "6019f84": (
        hashlib.sha256(b"nhsip-desktop test register from release 6019f84").digest(),
        {
            "Pressure-ulcer heel protector",
            "Ward handover template",
            "Łukasz Dvořák's sepsis prompt",
        },
    ),
}
MANIFESTS = {p.stem.removeprefix("release-"): p for p in DATA.glob("release-*.json")}
for _rev, _manifest in MANIFESTS.items():
    RELEASES[_rev] = (
        hashlib.sha256(f"nhsip-desktop test register from release {_rev}".encode()).digest(),
        set(json.loads(_manifest.read_text(encoding="utf-8"))["case_titles"]),
    )


@pytest.mark.parametrize("release", sorted(RELEASES))
def test_a_register_from_an_earlier_release_opens_checks_clean_and_keeps_every_record(
    release: str, tmp_path: Path
) -> None:
    key, titles = RELEASES[release]
    original = DATA / f"release-{release}.nhsip"
    path = tmp_path / original.name
    shutil.copy2(original, path)
    before = original.read_bytes()

    register = Register.open(path, key, actor=Actor("tester", "Test User"))
    try:
        applied = register.conn.execute("SELECT name FROM _sqlite_migrations").fetchall()
        assert {name for (name,) in applied} == set(known_names())  # every migration ran
        assert {c.title for c in register.cases.search(CaseFilter())} == titles
        report = register.check()
        assert report.ok, report.checks
        assert check_invariants(register) == []
        assert all(passed for _name, passed, _detail in reconcile_checks(register))
        # the upgrade is in the audit trail, and the chain still verifies end to end
        assert register.audit.count() > 5
        if release in MANIFESTS:  # no table lost a row (migrations may add, never drop)
            rows = json.loads(MANIFESTS[release].read_text(encoding="utf-8"))["rows"]
            for table, count in rows.items():
                (now,) = register.conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()
                assert now >= count, f"{table}: {count} rows before the upgrade, {now} after"
    finally:
        register.close()
    # a verified backup of the old file was made before the migrations ran
    backups = list((tmp_path / f"{path.stem}-backups").glob("*.nhsip"))
    had = (
        set(json.loads(MANIFESTS[release].read_text(encoding="utf-8"))["migrations"])
        if release in MANIFESTS
        else set()
    )
    if set(known_names()) - had:  # this release's register needed migrating
        assert backups, "no backup was made before migrating"
    assert original.read_bytes() == before  # the file in tests/data is never touched
