"""The hub's PostgreSQL database: schema, key pinning, ingest and per-trust roles.

Every table of the ``hub`` schema carries ``trust_ods`` (the trust's ODS code) and has
row-level security enabled and forced (the tables' owner is bound by the policies too):

- members of the role ``hub_admin`` (made by :func:`init_hub` and granted to whoever runs it)
  may read and write every row;
- any other role reads only the rows of the trusts listed for it in ``hub.grants``
  (:func:`grant_trust`), and writes nothing.

(PostgreSQL superusers bypass row-level security: use them for administration only.)

A pack is loaded in one transaction: the trust's rows are deleted and the pack's sections
are loaded with ``COPY`` into temporary tables (PostgreSQL refuses ``COPY`` into a table whose
row-level security applies to the caller), then inserted, the policies checking every row;
the column ``trust_ods`` takes the transaction's setting ``hub.ingest_ods`` as its default.
Each attempt, loaded or refused, is logged in ``hub.ingest_log``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pyrage
from psycopg import sql

from nhsip_desktop.core.errors import RegisterError
from nhsip_desktop.core.safe_write import atomic_write_text

from ..store.signing import fingerprint_of, public_key_from_pem
from .pack import SECTIONS, OpenedPack, PackError, open_pack

__all__ = [
    "DATA_TABLES",
    "DatabaseError",
    "HubError",
    "IngestResult",
    "add_trust",
    "connect",
    "grant_trust",
    "ingest_file",
    "ingest_pack",
    "init_hub",
]

ADMIN_ROLE = "hub_admin"
DatabaseError = psycopg.Error  # what the database itself may raise (the CLI reports it)
DATA_TABLES = tuple(SECTIONS)  # hub.cases, hub.deadlines, ... : one per pack section


class HubError(RegisterError):
    """A hub command that cannot be done (the message says why)."""


def connect(dsn: str) -> psycopg.Connection[tuple[object, ...]]:
    try:
        return psycopg.connect(dsn)
    except psycopg.Error as exc:
        raise HubError(f"Cannot connect to the hub database: {exc}".strip()) from None


_COLUMN_TYPES: dict[str, dict[str, str]] = {
    "cases": {
        "received_on": "date",
        "feedback_due": "date",
        "feedback_given_on": "date",
        "route_decided_on": "date",
    },
    "deadlines": {"due": "date NOT NULL", "kind": "text NOT NULL"},
    "rights": {
        "right_id": "integer NOT NULL",
        "filing_date": "date",
        "priority_date": "date",
        "grant_date": "date",
        "next_review": "date",
    },
    "renewals": {
        "right_id": "integer NOT NULL",
        "renewal_year": "integer NOT NULL",
        "due": "date NOT NULL",
        "fee_gbp": "numeric(14,2)",
        "paid_on": "date",
    },
    "agreements": {"signed_on": "date", "start_on": "date", "end_on": "date"},
    "money": {
        "financial_year": "integer NOT NULL",
        "spend_gbp": "numeric(14,2) NOT NULL",
        "returns_gbp": "numeric(14,2) NOT NULL",
    },
    "actions": {"action": "text NOT NULL", "status": "text NOT NULL"},
}
_KEYS: dict[str, str] = {
    "cases": "PRIMARY KEY (trust_ods, reference)",
    "rights": "PRIMARY KEY (trust_ods, right_id)",
    "renewals": "PRIMARY KEY (trust_ods, right_id, renewal_year)",
    "agreements": "PRIMARY KEY (trust_ods, reference)",
    "money": "PRIMARY KEY (trust_ods, financial_year)",
    "actions": "PRIMARY KEY (trust_ods, action)",
}
_INDEXES = (
    "CREATE INDEX deadlines_trust_due ON hub.deadlines (trust_ods, due)",
    "CREATE INDEX cases_trust_stage ON hub.cases (trust_ods, stage)",
)


def _data_table_sql(name: str) -> str:
    types = _COLUMN_TYPES.get(name, {})
    columns = [
        "trust_ods text NOT NULL DEFAULT current_setting('hub.ingest_ods')",
        *(f"{c} {types.get(c, 'text')}" for c in SECTIONS[name]),
    ]
    if name in _KEYS:
        columns.append(_KEYS[name])
    return f"CREATE TABLE hub.{name} (\n  " + ",\n  ".join(columns) + "\n)"


SCHEMA: tuple[str, ...] = (
    "CREATE SCHEMA hub",
    """CREATE TABLE hub.trusts (
  trust_ods text PRIMARY KEY,
  name text NOT NULL,
  signing_key bytea NOT NULL CHECK (length(signing_key) = 32),
  fingerprint text NOT NULL,
  pinned_at timestamptz NOT NULL DEFAULT now(),
  pinned_by text NOT NULL DEFAULT current_user
)""",
    """CREATE TABLE hub.packs (
  trust_ods text PRIMARY KEY,
  pack_id text NOT NULL,
  created_at timestamptz NOT NULL,
  as_of date NOT NULL,
  organisation text NOT NULL,
  register_id text NOT NULL,
  includes_titles boolean NOT NULL,
  loaded_at timestamptz NOT NULL DEFAULT now()
)""",
    """CREATE TABLE hub.ingest_log (
  id bigserial PRIMARY KEY,
  trust_ods text NOT NULL,
  at timestamptz NOT NULL DEFAULT now(),
  by_user text NOT NULL DEFAULT current_user,
  file text NOT NULL,
  pack_id text,
  outcome text NOT NULL CHECK (outcome IN ('loaded', 'unchanged', 'refused')),
  detail text NOT NULL DEFAULT '',
  rows_loaded integer NOT NULL DEFAULT 0
)""",
    """CREATE TABLE hub.grants (
  role_name text NOT NULL,
  trust_ods text NOT NULL,
  granted_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (role_name, trust_ods)
)""",
    *(_data_table_sql(name) for name in DATA_TABLES),
    *_INDEXES,
)
ALL_TABLES = ("trusts", "packs", "ingest_log", "grants", *DATA_TABLES)


def _policies(table: str) -> list[sql.Composed]:
    t = sql.Identifier("hub", table)
    reader = (
        sql.SQL("role_name = current_user")
        if table == "grants"
        else sql.SQL(
            "trust_ods IN (SELECT g.trust_ods FROM hub.grants g WHERE g.role_name = current_user)"
        )
    )
    return [
        sql.SQL("ALTER TABLE {} ENABLE ROW LEVEL SECURITY").format(t),
        sql.SQL("ALTER TABLE {} FORCE ROW LEVEL SECURITY").format(t),
        sql.SQL("CREATE POLICY hub_admin_all ON {} TO {} USING (true) WITH CHECK (true)").format(
            t, sql.Identifier(ADMIN_ROLE)
        ),
        sql.SQL("CREATE POLICY trust_reader ON {} FOR SELECT TO PUBLIC USING ({})").format(
            t, reader
        ),
    ]


def _role_exists(conn: psycopg.Connection[tuple[object, ...]], role: str) -> bool:
    return conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone() is not None


def init_hub(dsn: str, identity_out: Path, recipient_out: Path) -> str:
    """Create the ``hub`` schema and the hub's age key pair; returns the recipient (public
    key). Refuses if either key file exists or the schema is already there."""
    for path in (identity_out, recipient_out):
        if Path(path).exists():
            raise HubError(f"{path} already exists; it was not overwritten.")
    with connect(dsn) as conn:
        if conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = 'hub'").fetchone():
            raise HubError("This database already has a hub schema; nothing was changed.")
        with conn.transaction():
            if not _role_exists(conn, ADMIN_ROLE):
                conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(ADMIN_ROLE)))
            conn.execute(sql.SQL("GRANT {} TO CURRENT_USER").format(sql.Identifier(ADMIN_ROLE)))
            for statement in SCHEMA:
                conn.execute(statement.encode("utf-8"))
            for table in ALL_TABLES:
                for policy in _policies(table):
                    conn.execute(policy)
            conn.execute(
                sql.SQL("GRANT USAGE ON SCHEMA hub TO {}").format(sql.Identifier(ADMIN_ROLE))
            )
            conn.execute(
                sql.SQL("GRANT ALL ON ALL TABLES IN SCHEMA hub TO {}").format(
                    sql.Identifier(ADMIN_ROLE)
                )
            )
            conn.execute(
                sql.SQL("GRANT ALL ON ALL SEQUENCES IN SCHEMA hub TO {}").format(
                    sql.Identifier(ADMIN_ROLE)
                )
            )
            # Keys last, inside the transaction: a failed write leaves no schema behind.
            identity = pyrage.x25519.Identity.generate()
            recipient = str(identity.to_public())
            now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            _write_private(
                Path(identity_out),
                f"# nhsip-desktop hub identity (private key), created {now}\n"
                f"# public key: {recipient}\n"
                "# Keep this file secret and backed up: without it no pack can be read.\n"
                f"{identity}\n",
            )
            atomic_write_text(
                recipient_out,
                "# nhsip-desktop hub recipient (public key): give this file to each trust\n"
                f"{recipient}\n",
            )
    return recipient


def _write_private(path: Path, text: str) -> None:
    from nhsip_desktop.core.keyfile import write_private_file

    write_private_file(path, text)


def add_trust(dsn: str, ods: str, name: str, signing_key_pem: bytes) -> str:
    """Pin a trust's signing key (PEM from ``export hub-key``); returns its fingerprint.
    Pinning again for the same ODS code replaces the key (key rotation): the old key's packs
    are then refused."""
    ods = ods.strip().upper()
    if not ods.isalnum() or len(ods) > 10:
        raise HubError(f"{ods!r} is not an ODS code (letters and digits, e.g. RX1).")
    try:
        key = public_key_from_pem(signing_key_pem)
    except ValueError:
        raise HubError("The signing key file is not an Ed25519 public key (PEM).") from None
    fingerprint = fingerprint_of(key)
    with connect(dsn) as conn, conn.transaction():
        conn.execute(
            "INSERT INTO hub.trusts (trust_ods, name, signing_key, fingerprint) "
            "VALUES (%s, %s, %s, %s) ON CONFLICT (trust_ods) DO UPDATE SET name = "
            "EXCLUDED.name, signing_key = EXCLUDED.signing_key, fingerprint = "
            "EXCLUDED.fingerprint, pinned_at = now(), pinned_by = current_user",
            (ods, name.strip(), key, fingerprint),
        )
    return fingerprint


def grant_trust(dsn: str, ods: str, role: str) -> bool:
    """Let ``role`` read that trust's rows (and no other trust's). The role is created
    (NOLOGIN: IT sets its login and password) when missing; returns whether it was created."""
    ods = ods.strip().upper()
    if not role or not role.replace("_", "").isalnum() or not role[0].isalpha():
        raise HubError(f"{role!r} is not a role name (letters, digits and _).")
    if role == ADMIN_ROLE:
        raise HubError(f"{ADMIN_ROLE} already sees every trust.")
    with connect(dsn) as conn, conn.transaction():
        if conn.execute("SELECT 1 FROM hub.trusts WHERE trust_ods = %s", (ods,)).fetchone() is None:
            raise HubError(f"No trust {ods} in the hub: add it first (hub add-trust).")
        created = not _role_exists(conn, role)
        if created:
            conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(role)))
        conn.execute(sql.SQL("GRANT USAGE ON SCHEMA hub TO {}").format(sql.Identifier(role)))
        conn.execute(
            sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA hub TO {}").format(sql.Identifier(role))
        )
        conn.execute(
            "INSERT INTO hub.grants (role_name, trust_ods) VALUES (%s, %s) ON CONFLICT DO NOTHING",
            (role, ods),
        )
    return created


@dataclass(frozen=True)
class IngestResult:
    file: str
    ods_code: str
    outcome: str  # "loaded", "unchanged" or "refused"
    detail: str
    rows: int = 0


def _log(
    conn: psycopg.Connection[tuple[object, ...]],
    ods: str,
    file: str,
    pack_id: str | None,
    outcome: str,
    detail: str,
    rows: int = 0,
) -> None:
    conn.execute(
        "INSERT INTO hub.ingest_log (trust_ods, file, pack_id, outcome, detail, rows_loaded) "
        "VALUES (%s, %s, %s, %s, %s, %s)",
        (ods, file, pack_id, outcome, detail, rows),
    )


def ingest_pack(
    conn: psycopg.Connection[tuple[object, ...]], pack: OpenedPack, file: str
) -> IngestResult:
    """Load one opened pack in one transaction (see the module docstring)."""
    ods = pack.ods_code
    try:
        with conn.transaction():
            row = conn.execute(
                "SELECT signing_key FROM hub.trusts WHERE trust_ods = %s", (ods,)
            ).fetchone()
            if row is None:
                raise PackError(
                    f"no signing key is pinned for {ods}: pin it with hub add-trust; nothing "
                    "was loaded"
                )
            pinned = row[0]
            assert isinstance(pinned, bytes)
            pack.verify_with(pinned)
            current = conn.execute(
                "SELECT pack_id, created_at FROM hub.packs WHERE trust_ods = %s FOR UPDATE",
                (ods,),
            ).fetchone()
            if current is not None and current[0] == pack.pack_id:
                _log(conn, ods, file, pack.pack_id, "unchanged", "this pack is already loaded")
                return IngestResult(file, ods, "unchanged", "this pack is already loaded")
            loaded_at = current[1] if current is not None else None
            if isinstance(loaded_at, dt.datetime) and pack.created_at <= loaded_at:
                raise PackError(
                    f"the pack for {ods} is older than the one already loaded "
                    f"({loaded_at:%d/%m/%Y %H:%M} UTC); nothing was loaded"
                )
            conn.execute("SELECT set_config('hub.ingest_ods', %s, true)", (ods,))
            rows = 0
            for table in DATA_TABLES:
                conn.execute(
                    sql.SQL("DELETE FROM {} WHERE trust_ods = %s").format(
                        sql.Identifier("hub", table)
                    ),
                    (ods,),
                )
                # PostgreSQL refuses COPY into a table whose row-level security applies to
                # the caller: COPY into a temporary table, then INSERT (policies checked).
                staging = sql.Identifier(f"staging_{table}")
                conn.execute(
                    sql.SQL(
                        "CREATE TEMP TABLE {} (LIKE {} INCLUDING DEFAULTS) ON COMMIT DROP"
                    ).format(staging, sql.Identifier("hub", table))
                )
                columns = sql.SQL(", ").join(sql.Identifier(c) for c in SECTIONS[table])
                statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv, HEADER true)").format(
                    staging, columns
                )
                with conn.cursor() as cur:
                    with cur.copy(statement) as copy:
                        copy.write(pack.files[table])
                    cur.execute(
                        sql.SQL("INSERT INTO {} SELECT * FROM {}").format(
                            sql.Identifier("hub", table), staging
                        )
                    )
                    rows += max(cur.rowcount, 0)
            m = pack.manifest
            conn.execute(
                "INSERT INTO hub.packs (trust_ods, pack_id, created_at, as_of, organisation, "
                "register_id, includes_titles) VALUES (%s, %s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (trust_ods) DO UPDATE SET pack_id = EXCLUDED.pack_id, "
                "created_at = EXCLUDED.created_at, as_of = EXCLUDED.as_of, organisation = "
                "EXCLUDED.organisation, register_id = EXCLUDED.register_id, includes_titles = "
                "EXCLUDED.includes_titles, loaded_at = now()",
                (
                    ods,
                    pack.pack_id,
                    pack.created_at,
                    dt.date.fromisoformat(str(m["as_of"])),
                    str(m.get("organisation", "")),
                    str(m.get("register_id", "")),
                    bool(m.get("includes_titles")),
                ),
            )
            detail = f"{rows:,} rows from a pack made {pack.created_at:%d/%m/%Y %H:%M} UTC"
            _log(conn, ods, file, pack.pack_id, "loaded", detail, rows)
            return IngestResult(file, ods, "loaded", detail, rows)
    except PackError as exc:
        with conn.transaction():
            _log(conn, ods, file, pack.pack_id, "refused", str(exc))
        return IngestResult(file, ods, "refused", str(exc))
    except psycopg.Error as exc:
        # The primary message names the problem, never a row's values (those are in detail).
        reason = exc.diag.message_primary or type(exc).__name__
        detail = f"the database refused the pack ({reason}); nothing was loaded"
        with conn.transaction():
            _log(conn, ods, file, pack.pack_id, "refused", detail)
        return IngestResult(file, ods, "refused", detail)


def ingest_file(
    conn: psycopg.Connection[tuple[object, ...]], path: Path, identity: pyrage.x25519.Identity
) -> IngestResult:
    """Decrypt, check and load one pack file; a file that cannot be opened is refused and
    logged (under the trust "?", as its ODS code cannot be read)."""
    name = Path(path).name
    try:
        pack = open_pack(Path(path).read_bytes(), identity)
    except PackError as exc:
        with conn.transaction():
            _log(conn, "?", name, None, "refused", str(exc))
        return IngestResult(name, "?", "refused", str(exc))
    return ingest_pack(conn, pack, name)


def ingest_files(
    dsn: str, paths: Sequence[Path], identity: pyrage.x25519.Identity
) -> list[IngestResult]:
    with connect(dsn) as conn:
        conn.autocommit = True  # each pack is its own transaction (conn.transaction())
        return [ingest_file(conn, path, identity) for path in paths]
