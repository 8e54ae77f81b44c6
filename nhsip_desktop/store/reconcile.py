"""Does the audit trail account for the records? (``nhsip-desktop check``, issue 22 item 4)

The audit chain proves that nobody edited the *trail*; it says nothing about a record changed
with raw SQL and no audit row at all. So ``check`` replays the trail: each case's and each
setting's latest state is rebuilt from its audit rows (an insert gives every field, an update
or stage change the fields it changed, a delete removes the record), then compared with the
tables. Every difference is named: table, reference and field.

Only fields the trail records are compared: columns the app keeps as a derived cache (the
next deadline shown in lists) are refreshed without an audit row by design and left out.

Second, the trail against its *verified checkpoint*: every open verifies the chain from the
last verified row and moves the checkpoint forward. Cutting rows from the end and winding the
stored head back leaves a chain that verifies from the start, but the checkpoint still names
a row that is no longer there (or a later one than the head): that is reported here.
"""

from __future__ import annotations

import contextlib
import hmac
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .audit import META_HEAD_SEQ, META_VERIFIED_HMAC, META_VERIFIED_SEQ, canonical_json

if TYPE_CHECKING:
    from .register import Register
    from .sqlcipher import Connection

# Case columns refreshed as a cache of other records (store/assets.py), never audited.
_DERIVED_CASE_COLUMNS = frozenset({"deadline_text", "deadline_due"})
MAX_NAMED = 50  # differences named one by one; the rest are counted


@dataclass(frozen=True)
class Difference:
    table: str
    reference: str
    field: str
    problem: str

    def describe(self) -> str:
        where = f"{self.table} {self.reference}"
        return (
            f"{where}, {self.field}: {self.problem}" if self.field else f"{where}: {self.problem}"
        )


def _norm(value: Any) -> str:
    """One spelling for a value whether it came from a column or from audit JSON."""
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, str) and value.startswith(("[", "{")):
        with contextlib.suppress(ValueError):
            value = json.loads(value)
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (int, float)):
        return str(value)
    return canonical_json(value)


def _replay(conn: Connection, kind: str) -> dict[str, dict[str, Any]]:
    """The latest audited state of every record of ``kind`` (reference -> field -> value)."""
    state: dict[str, dict[str, Any]] = {}
    cursor = conn.execute(
        "SELECT action, record_id, changes FROM audit_log WHERE record_kind = ? ORDER BY seq",
        (kind,),
    )
    for action, record_id, raw in cursor:
        changes: dict[str, Any] = json.loads(raw)
        if action == "delete":
            state.pop(record_id, None)
            continue
        fields = state.setdefault(record_id, {})
        for name, pair in changes.items():
            if isinstance(pair, list) and len(pair) == 2:
                fields[name] = pair[1]
    return state


def _columns(conn: Connection, table: str) -> list[str]:
    return [str(row[1]) for row in conn.execute(f"PRAGMA table_info({table})")]


def case_differences(conn: Connection) -> list[Difference]:
    """Cases whose row differs from what their audit rows say (or has none at all)."""
    audited, found = _replay(conn, "case"), []
    columns = _columns(conn, "cases")
    seen: set[str] = set()
    cursor = conn.execute(f"SELECT {', '.join(columns)} FROM cases ORDER BY id")
    for values in cursor:
        row = dict(zip(columns, values, strict=True))
        reference = str(row["reference"])
        seen.add(reference)
        record = audited.get(reference)
        if record is None:
            found.append(Difference("cases", reference, "", "the case has no audited insert"))
            continue
        for name in columns:
            if name in _DERIVED_CASE_COLUMNS or name not in record:
                continue
            if _norm(row[name]) != _norm(record[name]):
                found.append(Difference("cases", reference, name, "differs from its audit trail"))
    for reference in sorted(set(audited) - seen):
        found.append(Difference("cases", reference, "", "deleted without an audit row"))
    return found


def setting_differences(conn: Connection) -> list[Difference]:
    """Stored settings that differ from their audit rows (or were never audited)."""
    audited, found = _replay(conn, "setting"), []
    for key, raw in conn.execute("SELECT key, value FROM settings ORDER BY key"):
        record = audited.get(str(key))
        try:
            value = json.loads(raw)
        except (TypeError, ValueError):
            value = raw
        if record is None or key not in record:
            found.append(Difference("settings", str(key), str(key), "changed without an audit row"))
        elif _norm(value) != _norm(record[key]):
            found.append(Difference("settings", str(key), str(key), "differs from its audit trail"))
    return found


def checkpoint_problem(conn: Connection) -> str:
    """Why the trail does not reach its last verified checkpoint ("" when it does)."""

    def meta(name: str) -> str | None:
        row = conn.execute("SELECT value FROM register_meta WHERE key = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

    seq, mac, head = meta(META_VERIFIED_SEQ), meta(META_VERIFIED_HMAC), meta(META_HEAD_SEQ)
    if not seq or not mac:
        return ""
    verified = int(seq)
    if head is not None and int(head) < verified:
        return (
            f"the trail now ends at row {head}, but row {verified} was verified when the "
            "register was last opened: rows were cut from the end"
        )
    row = conn.execute("SELECT hmac FROM audit_log WHERE seq = ?", (verified,)).fetchone()
    if row is None:
        return f"row {verified}, verified when the register was last opened, is missing"
    if not hmac.compare_digest(str(row[0]), mac):
        return f"row {verified} has changed since it was verified"
    return ""


def reconcile_checks(register: Register) -> list[tuple[str, bool, str]]:
    """The checks ``nhsip-desktop check`` adds: (name, passed, detail)."""
    conn = register.conn
    checks: list[tuple[str, bool, str]] = []
    problem = checkpoint_problem(conn)
    checks.append(
        (
            "Audit trail against its last verified checkpoint",
            not problem,
            problem or "the trail reaches the last row verified at open",
        )
    )
    differences = case_differences(conn) + setting_differences(conn)
    if differences:
        named = "; ".join(d.describe() for d in differences[:MAX_NAMED])
        more = len(differences) - MAX_NAMED
        detail = named + (f"; and {more} more" if more > 0 else "")
        detail = f"{len(differences)} changed without an audit row: {detail}"
    else:
        detail = "every case and setting matches its audit trail"
    checks.append(("Records against the audit trail", not differences, detail))
    return checks
