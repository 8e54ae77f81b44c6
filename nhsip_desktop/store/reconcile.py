"""Does the audit trail account for the records? (``nhsip-desktop check``, issue 22 item 4)

The audit chain proves that nobody edited the *trail*; it says nothing about a record changed
with raw SQL and no audit row at all. So ``check`` replays the trail: the latest state of each
case, setting, right (with the renewals paid on it), cost, return and agreement (with the
cases it is linked to) is rebuilt from its audit rows (an insert gives every field, an update
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


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _compare(
    found: list[Difference],
    table: str,
    reference: str,
    actual: dict[str, Any],
    record: dict[str, Any],
) -> None:
    """Name every field of ``actual`` (the table's values) that its audited ``record`` does
    not account for. An insert's audit row leaves out fields that were empty, so a field the
    trail never mentions must still be empty."""
    for name, value in actual.items():
        if name in record:
            if _norm(value) != _norm(record[name]):
                found.append(Difference(table, reference, name, "differs from its audit trail"))
        elif not _is_empty(value):
            found.append(Difference(table, reference, name, "set without an audit row"))


def _ids(conn: Connection, table: str) -> set[int]:
    return {int(r[0]) for r in conn.execute(f"SELECT id FROM {table}")}


def _json_record(raw: Any) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except (TypeError, ValueError):
        return {"data": raw}
    return value if isinstance(value, dict) else {"data": value}


def _flatten(fields: dict[str, Any], name: str) -> dict[str, Any]:
    """``fields`` with the mapping ``name`` split into one field per key (``name year``), so
    that a renewal paid behind the audit's back is named by its year."""
    out = {k: v for k, v in fields.items() if k != name}
    inner = fields.get(name)
    if isinstance(inner, dict):
        out.update({f"{name} {key}": value for key, value in inner.items()})
    elif name in fields:
        out[name] = inner
    return out


Row = tuple[str, dict[str, Any], list[str]]  # reference, the table's fields, columns astray


def _kind_differences(
    conn: Connection, kind: str, table: str, rows: list[Row], *, flatten: str = ""
) -> list[Difference]:
    """Compare ``rows`` with the trail of ``kind``. The third item of a row names the columns
    that disagree with the record's own JSON copy (never audited on their own)."""
    audited, found = _replay(conn, kind), []
    seen: set[str] = set()
    for reference, actual, astray in rows:
        seen.add(reference)
        record = audited.get(reference)
        if record is None:
            found.append(Difference(table, reference, "", f"the {kind} has no audited insert"))
            continue
        if flatten:
            actual, record = _flatten(actual, flatten), _flatten(record, flatten)
        for name in record:  # a field (or a renewal year) removed from the row, still audited
            actual.setdefault(name, None)
        _compare(found, table, reference, actual, record)
        found += [
            Difference(table, reference, name, "column differs from the record's audit trail")
            for name in astray
        ]
    for reference in sorted(set(audited) - seen):
        found.append(Difference(table, reference, "", "deleted without an audit row"))
    return found


# Columns of a right or an agreement beside its JSON ``data`` (the lists read them), each a
# copy of the JSON field of the same name. ``rights.country`` is left out: it holds the country
# the jurisdiction names when none was chosen (migration 0008 filled it), not an audited value.
_RIGHT_COLUMNS = ("case_id", "right_type", "jurisdiction", "title", "status", "filing_date",
                  "next_review")  # fmt: skip
_AGREEMENT_COLUMNS = ("kind", "title", "signed_on", "end_on")


def _astray(data: dict[str, Any], columns: tuple[str, ...], values: tuple[Any, ...]) -> list[str]:
    """The columns whose value is not their JSON copy's."""
    return [
        name
        for name, value in zip(columns, values, strict=True)
        if _norm(value) != _norm(data.get(name))
    ]


def right_differences(conn: Connection) -> list[Difference]:
    """Rights (with the renewals paid on them) that differ from their audit rows."""
    cases = _ids(conn, "cases")
    rows: list[Row] = []
    for row in conn.execute(
        f"SELECT id, data, {', '.join(_RIGHT_COLUMNS)} FROM rights ORDER BY id"
    ):
        data = _json_record(row[1])
        if row[2] is None and data.get("case_id") not in cases:
            data["case_id"] = None  # its case was deleted (audited): the link went with it
        rows.append((str(row[0]), data, _astray(data, _RIGHT_COLUMNS, tuple(row[2:]))))
    return _kind_differences(conn, "right", "rights", rows, flatten="renewals_paid")


def agreement_differences(conn: Connection) -> list[Difference]:
    """Agreements (and the cases they are linked to) that differ from their audit rows."""
    cases = _ids(conn, "cases")
    links: dict[int, list[int]] = {}
    for agreement_id, case_id in conn.execute(
        "SELECT agreement_id, case_id FROM agreement_cases ORDER BY agreement_id, case_id"
    ):
        links.setdefault(int(agreement_id), []).append(int(case_id))
    rows: list[Row] = []
    for row in conn.execute(
        f"SELECT id, reference, data, {', '.join(_AGREEMENT_COLUMNS)} FROM agreements ORDER BY id"
    ):
        data = _json_record(row[2])
        astray = _astray(data, _AGREEMENT_COLUMNS, tuple(row[3:]))
        # A deleted case's links go with it (the case's delete is audited).
        named = sorted(c for c in data.get("case_ids") or [] if c in cases)
        if _norm(named) != _norm(links.get(int(row[0]), [])):
            astray.append("case_ids")  # the links table, read by every case's agreements
        rows.append((str(row[1]), data, astray))
    return _kind_differences(conn, "agreement", "agreements", rows)


_COST_FIELDS = ("amount", "vat", "category", "spent_on", "supplier", "case_id", "right_id")


def cost_differences(conn: Connection) -> list[Difference]:
    """Costs whose audited fields differ from their audit rows (added, edited or deleted)."""
    audited = _replay(conn, "cost")
    existing = {"case_id": _ids(conn, "cases"), "right_id": _ids(conn, "rights")}
    rows: list[Row] = []
    for row in conn.execute(f"SELECT id, {', '.join(_COST_FIELDS)} FROM costs ORDER BY id"):
        fields = dict(zip(_COST_FIELDS, row[1:], strict=True))
        record = audited.get(str(row[0]), {})
        for name, ids in existing.items():  # cleared when its case or right was deleted
            if fields[name] is None and record.get(name) not in ids:
                fields[name] = record.get(name)
        rows.append((str(row[0]), fields, []))
    return _kind_differences(conn, "cost", "costs", rows)


def return_differences(conn: Connection) -> list[Difference]:
    """Returns (the money shared out in distributions) that differ from their audit rows;
    each is named ``<case reference>/<id>`` as the trail names it."""
    rows: list[Row] = [
        (
            f"{row[0]}/{row[1]}",
            {
                "gross": row[2],
                "deductible": row[3],
                "kind": row[4],
                "received_on": row[5],
                "policy": f"{row[6]} v{row[7]}",
            },
            [],
        )
        for row in conn.execute(
            "SELECT c.reference, r.id, r.gross, r.deductible, r.kind, r.received_on, "
            "r.policy_id, r.policy_version FROM returns r JOIN cases c ON c.id = r.case_id "
            "ORDER BY r.id"
        )
    ]
    return _kind_differences(conn, "return", "returns", rows)


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
    differences = [
        *case_differences(conn),
        *setting_differences(conn),
        *right_differences(conn),
        *cost_differences(conn),
        *return_differences(conn),
        *agreement_differences(conn),
    ]
    if differences:
        named = "; ".join(d.describe() for d in differences[:MAX_NAMED])
        more = len(differences) - MAX_NAMED
        detail = named + (f"; and {more} more" if more > 0 else "")
        detail = f"{len(differences)} changed without an audit row: {detail}"
    else:
        detail = (
            "every case, setting, right (with its renewals), cost, return and agreement "
            "matches its audit trail"
        )
    checks.append(("Records against the audit trail", not differences, detail))
    return checks
