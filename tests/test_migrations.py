"""Named migrations on open: older registers migrated after a verified backup; newer refused."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlite_utils import Database

from nhsip_desktop.store import migrations as mig
from nhsip_desktop.store import sqlcipher
from nhsip_desktop.store.audit import Actor
from nhsip_desktop.store.errors import NewerRegisterError
from nhsip_desktop.store.register import Register, verify_file
from tests.conftest import file_state


@pytest.fixture
def ship_extra_migration() -> Iterator[Callable[[], str]]:
    """Pretend a later version of the app ships one more migration (installed on demand)."""
    name = "9001_test_add_case_priority"

    def add_priority(db: Database) -> None:
        db.conn.execute("ALTER TABLE cases ADD COLUMN priority TEXT NOT NULL DEFAULT 'normal'")

    def install() -> str:
        mig.migrations(name=name)(add_priority)
        return name

    try:
        yield install
    finally:
        mig.migrations._migrations = [m for m in mig.migrations._migrations if m.name != name]


def test_an_older_register_is_migrated_after_a_verified_backup(
    tmp_path: Path, actor: Actor, ship_extra_migration: Callable[[], str]
) -> None:
    path = tmp_path / "old.nhsip"
    with Register.create(path, actor=actor) as reg:
        key = reg.data_key
        reg.cases.add("Existing case")
    extra = ship_extra_migration()
    with Register.open(path, key, actor=actor) as reg:
        assert reg.backup_before_migration is not None
        backup = reg.backup_before_migration
        columns = [r[1] for r in reg.conn.execute("PRAGMA table_info(cases)")]
        assert "priority" in columns
        last = next(reg.audit.entries())
        assert (last.action, last.changes["migrations"][1]) == ("migrate", [extra])
        assert reg.verify_audit().ok
        assert reg.cases.count() == 1
    # The backup is a complete, encrypted, verifiable copy of the register before migrating.
    assert backup.parent == tmp_path / "old-backups"
    assert extra not in verify_file(backup, key)
    with Register.open(backup, key, actor=actor) as copy:
        assert copy.cases.count() == 1
    # Opening again applies nothing twice.
    with Register.open(path, key, actor=actor) as reg:
        assert reg.backup_before_migration is None


def test_a_newer_register_is_refused_and_left_untouched(tmp_path: Path, actor: Actor) -> None:
    path = tmp_path / "new.nhsip"
    with Register.create(path, actor=actor) as reg:
        key, salt = reg.data_key, reg.header.salt
    conn = sqlcipher.connect(path, key, salt)
    conn.execute(
        f"INSERT INTO {mig.MIGRATIONS_TABLE} (migration_set, name, applied_at) "
        "VALUES (?, '0002_from_the_future', '2030-01-01')",
        (mig.MIGRATION_SET,),
    )
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    before = file_state(tmp_path)
    with pytest.raises(NewerRegisterError, match="newer version") as info:
        Register.open(path, key, actor=actor)
    assert info.value.unknown_migrations == ["0002_from_the_future"]
    assert file_state(tmp_path) == before


def test_migration_names_are_unique_and_ordered() -> None:
    names = mig.known_names()
    assert len(names) == len(set(names))
    assert names == sorted(names)


def test_0005_keeps_decisions_linked_to_their_assessments(tmp_path: Path, actor: Actor) -> None:
    later = [m for m in mig.migrations._migrations if m.name >= "0005"]
    mig.migrations._migrations = [m for m in mig.migrations._migrations if m.name < "0005"]
    try:
        path = tmp_path / "r.nhsip"
        with Register.create(path, actor=actor) as reg:
            key = reg.data_key
            case = reg.cases.add("Idea")
            # Rows as the previous version of the app wrote them (its schema, its columns).
            with reg.transaction():
                cur = reg.conn.execute(
                    "INSERT INTO assessments(case_id, checklist_id, checklist_version, answers, "
                    "score, findings, created_at, updated_at) VALUES (?, 't', 1, "
                    '\'{"a": {"value": "yes", "note": ""}}\', NULL, \'[]\', \'x\', \'x\')',
                    (case.id,),
                )
                assessment_id = cur.lastrowid
                cur = reg.conn.execute(
                    "INSERT INTO decisions(case_id, kind, outcome, outcome_label, rationale, "
                    "decided_on, decision_maker, assessment_id, recorded_at) "
                    "VALUES (?, 'triage', 'go', 'Go', 'Because.', '2026-01-01', 'A', ?, 'x')",
                    (case.id, assessment_id),
                )
                decision_id = cur.lastrowid
    finally:
        mig.migrations._migrations += later
    with Register.open(path, key, actor=actor) as reg:
        assert reg.assessments.decision(decision_id).assessment_id == assessment_id
        assert reg.assessments.get(assessment_id).answers["a"].value == "yes"
        assert reg.verify_audit().ok
