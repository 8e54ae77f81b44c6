"""Named schema migrations, applied on open (after a verified backup) in one transaction.

Rules: a migration, once released, is never edited or renamed; changes come as new
migrations appended to the end. A register that records a migration this version does not
know was written by a newer app, and is refused untouched (see ``register.py``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nhsip_desktop.store import audit

if TYPE_CHECKING:
    from sqlite_utils import Database

MIGRATION_SET = "nhsip"
MIGRATIONS_TABLE = "_sqlite_migrations"  # sqlite-utils' Migrations.migrations_table


@dataclass
class _Migration:
    name: str
    fn: Callable[[Database], None]
    transactional: bool = True


class _MigrationSet:
    """The named migrations, registered as this module is imported. They are applied by
    sqlite-utils' ``Migrations`` (same table, same records), which is imported only then:
    opening a register that is up to date never imports sqlite-utils."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._migrations: list[_Migration] = []

    def __call__(
        self, *, name: str
    ) -> Callable[[Callable[[Database], None]], Callable[[Database], None]]:
        def inner(func: Callable[[Database], None]) -> Callable[[Database], None]:
            if any(m.name == name for m in self._migrations):
                raise ValueError(f"Migration {name!r} is already registered")
            self._migrations.append(_Migration(name, func))
            return func

        return inner

    def apply(self, db: Database) -> None:
        # ``db`` came from sqlcipher.sqlite_utils_database: sqlite-utils is already imported
        # with sqlcipher3 standing in for pysqlite3.
        from sqlite_utils.migrations import Migrations

        if Migrations.migrations_table != MIGRATIONS_TABLE:
            raise RuntimeError("sqlite-utils changed its migrations table")
        real = Migrations(self.name)
        for m in self._migrations:
            real(name=m.name, transactional=m.transactional)(m.fn)
        real.apply(db)


migrations = _MigrationSet(MIGRATION_SET)


@migrations(name="0001_initial")
def m0001_initial(db: Database) -> None:
    conn = db.conn
    conn.execute("CREATE TABLE register_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT")
    conn.execute("CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT")
    conn.execute(audit.SCHEMA)
    conn.execute(
        """
        CREATE TABLE reference_counters (
            year INTEGER PRIMARY KEY,
            last_number INTEGER NOT NULL
        ) STRICT
        """
    )
    conn.execute(
        """
        CREATE TABLE cases (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            reference TEXT NOT NULL UNIQUE,
            ref_year INTEGER NOT NULL,
            ref_number INTEGER NOT NULL,
            title TEXT NOT NULL,
            summary TEXT NOT NULL DEFAULT '',
            stage TEXT NOT NULL,
            ip_kinds TEXT NOT NULL DEFAULT '[]',
            lead_innovator TEXT NOT NULL DEFAULT '',
            received_on TEXT,
            next_action TEXT NOT NULL DEFAULT '',
            next_action_due TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            UNIQUE (ref_year, ref_number)
        ) STRICT
        """
    )
    # One index per sortable column, ending with the reference so that ORDER BY needs no
    # temporary sort even at 100,000 cases.
    conn.execute("CREATE INDEX idx_cases_ref ON cases(ref_year, ref_number)")
    for column in ("stage", "ip_kinds", "received_on", "next_action_due", "updated_at"):
        conn.execute(f"CREATE INDEX idx_cases_{column} ON cases({column}, ref_year, ref_number)")
    for column in ("title", "lead_innovator", "next_action"):
        conn.execute(
            f"CREATE INDEX idx_cases_{column} "
            f"ON cases({column} COLLATE NOCASE, ref_year, ref_number)"
        )
    db.table("cases").enable_fts(
        ["title", "summary", "lead_innovator"],
        fts_version="FTS5",
        create_triggers=True,
        tokenize="unicode61 remove_diacritics 2",
    )


def known_names() -> list[str]:
    return [m.name for m in migrations._migrations]


@migrations(name="0002_disclosures")
def m0002_disclosures(db: Database) -> None:
    """Disclosure details, stage history, attachments, and the columns the browser shows."""
    conn = db.conn
    for column in (
        "feedback_due TEXT",
        "closed_reason TEXT NOT NULL DEFAULT ''",
        "alert_on TEXT",
        "alert_planned INTEGER NOT NULL DEFAULT 0",
        "alert_reason TEXT NOT NULL DEFAULT ''",
    ):
        conn.execute(f"ALTER TABLE cases ADD COLUMN {column}")
    conn.execute("CREATE INDEX idx_cases_alert_on ON cases(alert_on) WHERE alert_on IS NOT NULL")
    conn.execute(
        """
        CREATE TABLE case_details (
            case_id INTEGER PRIMARY KEY REFERENCES cases(id) ON DELETE CASCADE,
            details TEXT NOT NULL
        ) STRICT
        """
    )
    conn.execute(
        """
        CREATE TABLE stage_history (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
            from_stage TEXT,
            to_stage TEXT NOT NULL,
            changed_on TEXT NOT NULL,
            changed_at TEXT NOT NULL,
            actor TEXT NOT NULL,
            reason TEXT NOT NULL DEFAULT '',
            note TEXT NOT NULL DEFAULT ''
        ) STRICT
        """
    )
    conn.execute("CREATE INDEX idx_stage_history_case ON stage_history(case_id, id)")
    conn.execute(
        """
        CREATE TABLE attachments (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            size INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            content BLOB NOT NULL,
            added_at TEXT NOT NULL
        ) STRICT
        """
    )
    conn.execute("CREATE INDEX idx_attachments_case ON attachments(case_id)")


@migrations(name="0003_assessments")
def m0003_assessments(db: Database) -> None:
    """Checklist assessments (with the checklist version used), decisions, feedback date."""
    conn = db.conn
    conn.execute("ALTER TABLE cases ADD COLUMN feedback_given_on TEXT")
    conn.execute(
        """
        CREATE TABLE assessments (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
            checklist_id TEXT NOT NULL,
            checklist_version INTEGER NOT NULL,
            answers TEXT NOT NULL,
            score REAL,
            findings TEXT NOT NULL DEFAULT '[]',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        ) STRICT
        """
    )
    conn.execute("CREATE INDEX idx_assessments_case ON assessments(case_id, checklist_id, id)")
    conn.execute(
        """
        CREATE TABLE decisions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            outcome TEXT NOT NULL,
            outcome_label TEXT NOT NULL,
            rationale TEXT NOT NULL,
            decided_on TEXT NOT NULL,
            decision_maker TEXT NOT NULL,
            assessment_id INTEGER REFERENCES assessments(id) ON DELETE SET NULL,
            recorded_at TEXT NOT NULL
        ) STRICT
        """
    )
    conn.execute("CREATE INDEX idx_decisions_case ON decisions(case_id, kind, id)")


@migrations(name="0004_assets_and_money")
def m0004_assets_and_money(db: Database) -> None:
    """Rights, portfolio reviews, costs and returns ledgers, worksheets, and the register's own
    editable copies of the fee schedule and the revenue-sharing policy. Money is stored as
    exact decimal text, never as floating point."""
    conn = db.conn
    # The earliest deadline from the case's rights (renewals, priority, reviews), kept up to
    # date whenever a right changes, so the browser can show it as the next action.
    conn.execute("ALTER TABLE cases ADD COLUMN deadline_text TEXT NOT NULL DEFAULT ''")
    conn.execute("ALTER TABLE cases ADD COLUMN deadline_due TEXT")
    conn.execute(
        """
        CREATE TABLE rights (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            case_id INTEGER REFERENCES cases(id) ON DELETE SET NULL,
            right_type TEXT NOT NULL,
            jurisdiction TEXT NOT NULL,
            title TEXT NOT NULL,
            status TEXT NOT NULL,
            filing_date TEXT,
            next_review TEXT,
            data TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        ) STRICT
        """
    )
    conn.execute("CREATE INDEX idx_rights_case ON rights(case_id)")
    conn.execute(
        """
        CREATE TABLE reviews (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            right_id INTEGER NOT NULL REFERENCES rights(id) ON DELETE CASCADE,
            reviewed_on TEXT NOT NULL,
            outcome TEXT NOT NULL,
            rationale TEXT NOT NULL,
            reviewer TEXT NOT NULL,
            next_review TEXT
        ) STRICT
        """
    )
    conn.execute(
        """
        CREATE TABLE costs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            case_id INTEGER REFERENCES cases(id) ON DELETE SET NULL,
            right_id INTEGER REFERENCES rights(id) ON DELETE SET NULL,
            spent_on TEXT NOT NULL,
            category TEXT NOT NULL,
            amount TEXT NOT NULL,
            vat TEXT NOT NULL,
            supplier TEXT NOT NULL DEFAULT '',
            reference TEXT NOT NULL DEFAULT '',
            note TEXT NOT NULL DEFAULT ''
        ) STRICT
        """
    )
    conn.execute("CREATE INDEX idx_costs_case ON costs(case_id, spent_on)")
    conn.execute(
        """
        CREATE TABLE returns (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE RESTRICT,
            agreement TEXT NOT NULL DEFAULT '',
            received_on TEXT NOT NULL,
            kind TEXT NOT NULL,
            gross TEXT NOT NULL,
            deductible TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT '',
            policy_id TEXT NOT NULL,
            policy_version INTEGER NOT NULL
        ) STRICT
        """
    )
    conn.execute("CREATE INDEX idx_returns_case ON returns(case_id, received_on)")
    conn.execute(
        """
        CREATE TABLE worksheets (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
            data TEXT NOT NULL,
            fee_schedule_id TEXT NOT NULL,
            fee_schedule_version INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        ) STRICT
        """
    )
    conn.execute(
        """
        CREATE TABLE reference_data (
            kind TEXT NOT NULL,
            id TEXT NOT NULL,
            version INTEGER NOT NULL,
            data TEXT NOT NULL,
            saved_at TEXT NOT NULL,
            PRIMARY KEY (kind, id, version)
        ) STRICT
        """
    )


@migrations(name="0005_agreements_and_governance")
def m0005_agreements_and_governance(db: Database) -> None:
    """Agreements (step 9, Annex B) with linked cases, files and TTC reviews; assessments that
    belong to an agreement (the TTC contract checklist); the governance record and training
    log (steps 1 and 3, "Actions for organisations"); returns linked to an agreement."""
    conn = db.conn
    conn.execute(
        """
        CREATE TABLE agreement_counters (
            year INTEGER PRIMARY KEY,
            last_number INTEGER NOT NULL
        ) STRICT
        """
    )
    conn.execute(
        """
        CREATE TABLE agreements (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            reference TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL,
            title TEXT NOT NULL,
            signed_on TEXT,
            end_on TEXT,
            data TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        ) STRICT
        """
    )
    conn.execute(
        """
        CREATE TABLE agreement_cases (
            agreement_id INTEGER NOT NULL REFERENCES agreements(id) ON DELETE CASCADE,
            case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
            PRIMARY KEY (agreement_id, case_id)
        ) STRICT
        """
    )
    conn.execute("CREATE INDEX idx_agreement_cases_case ON agreement_cases(case_id)")
    conn.execute(
        """
        CREATE TABLE agreement_files (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            agreement_id INTEGER NOT NULL REFERENCES agreements(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            size INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            content BLOB NOT NULL,
            added_at TEXT NOT NULL
        ) STRICT
        """
    )
    conn.execute(
        """
        CREATE TABLE ttc_reviews (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            agreement_id INTEGER NOT NULL REFERENCES agreements(id) ON DELETE CASCADE,
            reviewed_on TEXT NOT NULL,
            data TEXT NOT NULL,
            next_review TEXT
        ) STRICT
        """
    )
    # An assessment belongs to a case or to an agreement: rebuild the table (SQLite cannot
    # relax NOT NULL in place), keeping every row and id. Dropping the old table fires
    # decisions' ON DELETE SET NULL, so their links are kept aside (in memory) and restored.
    conn.execute(
        "CREATE TEMP TABLE kept_decision_links AS "
        "SELECT id, assessment_id FROM decisions WHERE assessment_id IS NOT NULL"
    )
    conn.execute(
        """
        CREATE TABLE assessments_new (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            case_id INTEGER REFERENCES cases(id) ON DELETE CASCADE,
            agreement_id INTEGER REFERENCES agreements(id) ON DELETE CASCADE,
            checklist_id TEXT NOT NULL,
            checklist_version INTEGER NOT NULL,
            answers TEXT NOT NULL,
            score REAL,
            findings TEXT NOT NULL DEFAULT '[]',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            CHECK ((case_id IS NULL) != (agreement_id IS NULL))
        ) STRICT
        """
    )
    conn.execute(
        "INSERT INTO assessments_new(id, case_id, checklist_id, checklist_version, answers, "
        "score, findings, created_at, updated_at) SELECT id, case_id, checklist_id, "
        "checklist_version, answers, score, findings, created_at, updated_at FROM assessments"
    )
    conn.execute("DROP TABLE assessments")
    conn.execute("ALTER TABLE assessments_new RENAME TO assessments")
    conn.execute(
        "UPDATE decisions SET assessment_id = (SELECT k.assessment_id FROM kept_decision_links k "
        "WHERE k.id = decisions.id) WHERE id IN (SELECT id FROM kept_decision_links)"
    )
    conn.execute("DROP TABLE kept_decision_links")
    conn.execute("CREATE INDEX idx_assessments_case ON assessments(case_id, checklist_id, id)")
    conn.execute(
        "CREATE INDEX idx_assessments_agreement ON assessments(agreement_id, checklist_id, id)"
    )
    conn.execute(
        "ALTER TABLE returns ADD COLUMN agreement_id INTEGER "
        "REFERENCES agreements(id) ON DELETE SET NULL"
    )
    conn.execute(
        """
        CREATE TABLE governance (
            key TEXT PRIMARY KEY,
            data TEXT NOT NULL,
            updated_at TEXT NOT NULL
        ) STRICT
        """
    )
    conn.execute(
        """
        CREATE TABLE training (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            held_on TEXT NOT NULL,
            audience TEXT NOT NULL,
            topic TEXT NOT NULL,
            attendees INTEGER NOT NULL,
            delivered_by TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT ''
        ) STRICT
        """
    )


@migrations(name="0006_form_imports_and_policy_drafts")
def m0006_form_imports_and_policy_drafts(db: Database) -> None:
    conn = db.conn
    # One row per completed staff disclosure form imported: the hash of its field values
    # recognises the same form imported twice, whatever reader last saved the file.
    conn.execute(
        """
        CREATE TABLE form_imports (
            fields_sha256 TEXT PRIMARY KEY,
            case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
            form_version TEXT NOT NULL,
            attachment_id INTEGER REFERENCES attachments(id) ON DELETE SET NULL,
            imported_at TEXT NOT NULL
        ) STRICT
        """
    )
    conn.execute("CREATE INDEX idx_form_imports_case ON form_imports(case_id)")
    # Each generated draft of the trust's IP policy (Annex A builder), with the register
    # facts it was drafted from, so the governance screen can say what has changed since.
    conn.execute(
        """
        CREATE TABLE policy_drafts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            version TEXT NOT NULL,
            generated_at TEXT NOT NULL,
            approved_on TEXT,
            review_on TEXT,
            choices TEXT NOT NULL,
            facts TEXT NOT NULL,
            actor TEXT NOT NULL
        ) STRICT
        """
    )


@migrations(name="0007_disclosure_alerts_every_kind")
def m0007_disclosure_alerts_every_kind(db: Database) -> None:
    """Recompute each open case's confidentiality alert under the step 4 rule of issue 23:
    every kind of unprotected IP, cleared by a filing or the internal review (the alert
    columns are derived data; no column changes)."""
    import datetime as dt
    import json

    from nhsip_desktop.assets.rights import Right
    from nhsip_desktop.cases.disclosure import Disclosure
    from nhsip_desktop.cases.model import IpKind, Stage
    from nhsip_desktop.cases.stages import REVIEWED_STAGES, alert_basis

    conn = db.conn
    rows = conn.execute(
        "SELECT c.id, c.stage, c.ip_kinds, d.details FROM cases c "
        "JOIN case_details d ON d.case_id = c.id WHERE c.stage != 'closed'"
    ).fetchall()
    for case_id, stage, kinds_json, details in rows:
        disclosure = Disclosure.from_json(json.loads(details))
        if not disclosure.external_disclosures:
            continue
        rights = [
            Right.from_json(json.loads(r[0]))
            for r in conn.execute("SELECT data FROM rights WHERE case_id = ?", (case_id,))
        ]
        kinds = tuple(IpKind(k) for k in json.loads(kinds_json))
        basis = alert_basis(
            kinds, disclosure, rights=rights, reviewed=Stage(stage) in REVIEWED_STAGES
        )
        on: dt.date | None = basis.on if basis else None
        conn.execute(
            "UPDATE cases SET alert_on = ?, alert_planned = ?, alert_reason = ? WHERE id = ?",
            (
                on.isoformat() if on else None,
                int(basis.planned) if basis else 0,
                basis.reason if basis else "",
                case_id,
            ),
        )


@migrations(name="0008_countries")
def m0008_countries(db: Database) -> None:
    """Rights carry a country (ISO 3166 alpha-2, issue 23 item 4), filled from the
    jurisdiction where it names one ("GB", "UK", "US"); EP and PCT filings get none. Partners'
    and employers' countries live in the disclosure details (JSON), which need no column."""
    from nhsip_desktop.core.countries import countries

    conn = db.conn
    conn.execute("ALTER TABLE rights ADD COLUMN country TEXT NOT NULL DEFAULT ''")
    known = countries()
    for right_id, jurisdiction in conn.execute("SELECT id, jurisdiction FROM rights").fetchall():
        code = known.code(jurisdiction or "") or ""
        if code:
            conn.execute("UPDATE rights SET country = ? WHERE id = ?", (code, right_id))
    conn.execute("CREATE INDEX idx_rights_country ON rights(country) WHERE country != ''")


@migrations(name="0009_signing_key")
def m0009_signing_key(db: Database) -> None:
    # The register's Ed25519 signing key pair (export packs, hub packs). One row; the private
    # half is kept here, inside the encrypted register. Made on first need (store/signing.py).
    db.conn.execute(
        """
        CREATE TABLE signing_key (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            algorithm TEXT NOT NULL,
            private_key BLOB NOT NULL,
            public_key BLOB NOT NULL,
            created_at TEXT NOT NULL
        ) STRICT
        """
    )


@migrations(name="0010_board_papers")
def m0010_board_papers(db: Database) -> None:
    """Each board summary produced, with the figures of its key messages, so the next paper
    can say what changed since the last one (issue 21 item 7)."""
    db.conn.execute(
        """
        CREATE TABLE board_papers (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            produced_at TEXT NOT NULL,
            period_start TEXT NOT NULL,
            period_end TEXT NOT NULL,
            figures TEXT NOT NULL
        ) STRICT
        """
    )
    db.conn.execute("CREATE INDEX idx_board_papers_end ON board_papers(period_end)")


@migrations(name="0011_rights_renewal_due")
def m0011_rights_renewal_due(db: Database) -> None:
    """Each right's next renewal due date (its first renewal not recorded as paid,
    ``renewals.next_renewal_due``) kept on its row, indexed: the deadline list reads only the
    rights with a renewal in its window instead of working out every right's renewals (issue
    24: the board summary at 100,000 cases). Kept by the rights manager with each save."""
    from nhsip_desktop.assets.renewals import next_renewal_due
    from nhsip_desktop.assets.rights import Right

    conn = db.conn
    conn.execute("ALTER TABLE rights ADD COLUMN renewal_due TEXT")
    for right_id, data in conn.execute("SELECT id, data FROM rights").fetchall():
        due = next_renewal_due(Right.from_json(json.loads(data)))
        if due is not None:
            conn.execute(
                "UPDATE rights SET renewal_due = ? WHERE id = ?", (due.isoformat(), right_id)
            )
    conn.execute(
        "CREATE INDEX idx_rights_renewal_due ON rights(renewal_due) WHERE renewal_due IS NOT NULL"
    )
