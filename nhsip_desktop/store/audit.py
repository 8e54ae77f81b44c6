"""The tamper-evident audit trail.

Every change to register records writes one row here in the same transaction as the change.
Each row carries an HMAC-SHA256 over its own content and the previous row's HMAC, keyed by a
key derived (HKDF) from the data key, so editing, deleting, inserting or reordering rows with
raw SQL breaks the chain at a row we can name. The chain head (last sequence number and
HMAC) is also kept in ``register_meta`` in the same transaction, so removing rows from the
end is detected too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .sqlcipher import Connection

GENESIS = "0" * 64
_HKDF_INFO = b"nhsip-desktop audit chain v1"

META_HEAD_SEQ = "audit_head_seq"
META_HEAD_HMAC = "audit_head_hmac"
META_VERIFIED_SEQ = "audit_verified_seq"
META_VERIFIED_HMAC = "audit_verified_hmac"


@dataclass(frozen=True)
class Actor:
    """Who made a change: the operating-system user and the display name from settings."""

    os_user: str
    display_name: str = ""

    def describe(self) -> str:
        return f"{self.display_name} ({self.os_user})" if self.display_name else self.os_user


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: str
    os_user: str
    actor_name: str
    action: str
    record_kind: str
    record_id: str
    changes: dict[str, Any]
    hmac: str


@dataclass(frozen=True)
class ChainHead:
    seq: int
    hmac: str

    def short(self) -> str:
        return f"#{self.seq} {self.hmac[:12]}"


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked_from: int
    checked_rows: int
    head: ChainHead
    first_broken_seq: int | None = None
    problem: str = ""


def derive_audit_key(data_key: bytes, register_id: str) -> bytes:
    """HKDF-SHA256 (RFC 5869) of the data key: salt the register id, 32 bytes out. Written
    with the standard library (one block: extract, then expand once), so that opening a
    register does not import ``cryptography``; tests check it against cryptography's HKDF."""
    prk = hmac.new(bytes.fromhex(register_id), data_key, hashlib.sha256).digest()
    return hmac.new(prk, _HKDF_INFO + b"\x01", hashlib.sha256).digest()


# One encoder for every call (``json.dumps`` with options builds a new one each time).
_CANONICAL = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
)


def canonical_json(value: object) -> str:
    return _CANONICAL.encode(value)


def _message(
    seq: int,
    at: str,
    os_user: str,
    actor_name: str,
    action: str,
    record_kind: str,
    record_id: str,
    changes: str,
    prev: str,
) -> bytes:
    parts = (str(seq), at, os_user, actor_name, action, record_kind, record_id, changes, prev)
    out = bytearray()
    for part in parts:
        raw = part.encode("utf-8")
        out += str(len(raw)).encode("ascii") + b":" + raw
    return bytes(out)


def row_hmac(key: bytes, row: tuple[Any, ...], prev: str) -> str:
    """HMAC of one stored audit row: its first eight columns, seq to changes, and ``prev``."""
    seq, at, os_user, actor_name, action, kind, record_id, changes = row
    msg = _message(int(seq), at, os_user, actor_name, action, kind, record_id, changes, prev)
    return hmac.digest(key, msg, "sha256").hex()


class RowSigner:
    """:func:`row_hmac` for many rows with one key, several times faster (for verifying a
    long chain): the key's inner and outer SHA-256 states are computed once (the standard
    HMAC construction, RFC 2104), and the few distinct user, name, action and kind values
    are encoded once. The result is the same as ``hmac.digest(key, _message(...))``."""

    _BLOCK = 64  # SHA-256 block size

    def __init__(self, key: bytes) -> None:
        if len(key) > self._BLOCK:
            key = hashlib.sha256(key).digest()
        key = key.ljust(self._BLOCK, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))
        self._parts: dict[str, bytes] = {}

    def _part(self, text: str) -> bytes:
        """``len:bytes`` of a value that repeats from row to row (kept for the next rows)."""
        found = self._parts.get(text)
        if found is None:
            raw = text.encode("utf-8")
            found = b"%d:%b" % (len(raw), raw)
            if len(self._parts) > 4096:
                self._parts.clear()
            self._parts[text] = found
        return found

    def sign(self, row: tuple[Any, ...], prev: str) -> str:
        seq, at, os_user, actor_name, action, kind, record_id, changes = row
        seq_raw = str(int(seq)).encode("ascii")
        at_raw, id_raw = at.encode("utf-8"), record_id.encode("utf-8")
        changes_raw = changes.encode("utf-8")
        msg = b"%d:%b%d:%b%b%b%b%b%d:%b%d:%b" % (
            len(seq_raw), seq_raw, len(at_raw), at_raw,
            self._part(os_user), self._part(actor_name), self._part(action), self._part(kind),
            len(id_raw), id_raw, len(changes_raw), changes_raw,
        )  # fmt: skip
        return self.sign_message(msg, prev)

    def sign_message(self, msg: bytes, prev: str) -> str:
        """The HMAC of a row given its message up to (not including) the previous HMAC."""
        prev_raw = prev.encode("utf-8")
        inner = self._inner.copy()
        inner.update(msg)
        inner.update(b"%d:%b" % (len(prev_raw), prev_raw))
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()


# The same message as :func:`_message` (up to the previous HMAC), built by SQLite from the
# stored UTF-8 text: verifying a million rows needs no decoding and no formatting in Python.
_MESSAGE_SQL = " || ".join(
    f"length(CAST({column} AS BLOB)) || ':' || {column}"
    for column in (
        "CAST(seq AS TEXT)", "at", "os_user", "actor_name", "action", "record_kind",
        "record_id", "changes",
    )
)  # fmt: skip


def diff(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> dict[str, Any]:
    """The changed fields as ``{field: [before, after]}`` (all fields for inserts and deletes)."""
    before = before or {}
    after = after or {}
    out: dict[str, Any] = {}
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old != new:
            out[name] = [old, new]
    return out


def utc_now() -> str:
    """The time now in UTC, as ``2026-01-31T09:05:07.123456Z`` (``isoformat`` is several times
    faster than ``strftime``; a bulk import calls this for every row)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


SCHEMA = """
CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    os_user TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    action TEXT NOT NULL,
    record_kind TEXT NOT NULL,
    record_id TEXT NOT NULL,
    changes TEXT NOT NULL,
    hmac TEXT NOT NULL
) STRICT
"""

_COLUMNS = "seq, at, os_user, actor_name, action, record_kind, record_id, changes"


def _entry(row: Any) -> AuditEntry:
    return AuditEntry(
        seq=row[0],
        at=row[1],
        os_user=row[2],
        actor_name=row[3],
        action=row[4],
        record_kind=row[5],
        record_id=row[6],
        changes=json.loads(row[7]),
        hmac=row[8],
    )


class AuditTrail:
    """Writes and verifies the chain. Reached as ``register.audit``."""

    def __init__(self, conn: Connection, key: bytes) -> None:
        self._conn = conn
        self._key = key
        self._signer = RowSigner(key)
        # Head written by this transaction but not yet stored in register_meta.
        self._pending: ChainHead | None = None

    # -- meta helpers -------------------------------------------------------------------
    def _meta(self, name: str) -> str | None:
        row = self._conn.execute(
            "SELECT value FROM register_meta WHERE key = ?", (name,)
        ).fetchone()
        return None if row is None else str(row[0])

    def _set_meta(self, name: str, value: str) -> None:
        self._conn.execute(
            "INSERT INTO register_meta(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (name, value),
        )

    def head(self) -> ChainHead:
        if self._pending is not None:
            return self._pending
        return self._stored_head()

    def _stored_head(self) -> ChainHead:
        seq = self._meta(META_HEAD_SEQ)
        mac = self._meta(META_HEAD_HMAC)
        return ChainHead(int(seq) if seq else 0, mac or GENESIS)

    # -- writing ------------------------------------------------------------------------
    def append(
        self,
        actor: Actor,
        action: str,
        record_kind: str,
        record_id: str | int,
        changes: Mapping[str, Any],
    ) -> ChainHead:
        """Append one row. The caller holds the write transaction."""
        if not self._conn.in_transaction:
            raise RuntimeError("audit rows are written only inside a register transaction")
        prev = self.head()
        seq = prev.seq + 1
        row = (
            seq,
            utc_now(),
            actor.os_user,
            actor.display_name,
            action,
            record_kind,
            str(record_id),
            canonical_json(changes),
        )
        mac = self._signer.sign(row, prev.hmac)
        self._conn.execute(
            f"INSERT INTO audit_log ({_COLUMNS}, hmac) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (*row, mac),
        )
        self._pending = ChainHead(seq, mac)
        return self._pending

    def append_many(
        self,
        actor: Actor,
        entries: Iterable[tuple[str, str, str, str | int, Mapping[str, Any]]],
    ) -> ChainHead:
        """Append many rows at once (a bulk import): each entry is ``(at, action, record_kind,
        record_id, changes)``. The rows, their chain and their HMACs are exactly those
        :meth:`append` writes one by one; ``at`` is the time the change was made."""
        if not self._conn.in_transaction:
            raise RuntimeError("audit rows are written only inside a register transaction")
        head = self.head()
        rows: list[tuple[Any, ...]] = []
        for at, action, record_kind, record_id, changes in entries:
            seq = head.seq + 1
            row = (
                seq,
                at,
                actor.os_user,
                actor.display_name,
                action,
                record_kind,
                str(record_id),
                canonical_json(changes),
            )
            mac = self._signer.sign(row, head.hmac)
            rows.append((*row, mac))
            head = ChainHead(seq, mac)
        if rows:
            self._conn.executemany(
                f"INSERT INTO audit_log ({_COLUMNS}, hmac) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            self._pending = head
        return head

    def flush_head(self) -> None:
        """Store the head written by this transaction; called just before COMMIT."""
        if self._pending is not None:
            self._set_meta(META_HEAD_SEQ, str(self._pending.seq))
            self._set_meta(META_HEAD_HMAC, self._pending.hmac)
            self._pending = None

    def discard_pending(self) -> None:
        """Forget the unsaved head after a rollback."""
        self._pending = None

    # -- reading ------------------------------------------------------------------------
    def count(self) -> int:
        return int(self._conn.execute("SELECT count(*) FROM audit_log").fetchone()[0])

    def entries(
        self,
        *,
        record_kind: str | None = None,
        record_id: str | None = None,
        newest_first: bool = True,
    ) -> Iterator[AuditEntry]:
        where, args = [], []
        if record_kind is not None:
            where.append("record_kind = ?")
            args.append(record_kind)
        if record_id is not None:
            where.append("record_id = ?")
            args.append(record_id)
        sql = f"SELECT {_COLUMNS}, hmac FROM audit_log"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY seq " + ("DESC" if newest_first else "ASC")
        for row in self._conn.execute(sql, args):
            yield _entry(row)

    def for_records(
        self,
        records: Sequence[tuple[str, str]],
        prefixes: Sequence[tuple[str, str]] = (),
    ) -> list[AuditEntry]:
        """The rows about any of ``records`` (exact ``(record_kind, record_id)`` pairs) or
        whose id starts with a prefix in ``prefixes`` (``(record_kind, "IP-2026-0001/")``),
        oldest first. One pass over the trail (it has no index on records)."""
        where: list[str] = []
        args: list[str] = []
        for kind, record_id in records:
            where.append("(record_kind = ? AND record_id = ?)")
            args += [kind, record_id]
        for kind, prefix in prefixes:
            where.append("(record_kind = ? AND substr(record_id, 1, ?) = ?)")
            args += [kind, str(len(prefix)), prefix]
        if not where:
            return []
        sql = f"SELECT {_COLUMNS}, hmac FROM audit_log WHERE {' OR '.join(where)} ORDER BY seq"
        return [_entry(row) for row in self._conn.execute(sql, args)]

    # -- verifying ----------------------------------------------------------------------
    def verify(self, *, full: bool = True) -> VerifyResult:
        """Walk the chain and name the first broken sequence number.

        ``full=False`` starts from the last verified checkpoint (used on every open); the
        checkpoint moves forward only over rows that verified.
        """
        start_seq, prev = 0, GENESIS
        if not full:
            cp_seq, cp_mac = self._meta(META_VERIFIED_SEQ), self._meta(META_VERIFIED_HMAC)
            if cp_seq and cp_mac:
                start_seq, prev = int(cp_seq), cp_mac
                row = self._conn.execute(
                    "SELECT hmac FROM audit_log WHERE seq = ?", (start_seq,)
                ).fetchone()
                if row is None or not hmac.compare_digest(str(row[0]), prev):
                    return self._broken(
                        start_seq, start_seq, 0, "the last verified row has changed"
                    )
        head = self._stored_head()
        expected = start_seq + 1
        checked = 0
        # A register made by this app is UTF-8, so SQLite can hand over each row's message
        # as bytes; the Python path (same result) is kept for any other text encoding.
        utf8 = str(self._conn.execute("PRAGMA encoding").fetchone()[0]).upper() == "UTF-8"
        payload = f"CAST({_MESSAGE_SQL} AS BLOB)" if utf8 else _COLUMNS
        cur = self._conn.execute(
            f"SELECT seq, {payload}, hmac FROM audit_log WHERE seq > ? ORDER BY seq", (start_seq,)
        )
        sign, sign_message = self._signer.sign, self._signer.sign_message
        compare = hmac.compare_digest
        while True:
            batch = cur.fetchmany(4096)
            if not batch:
                break
            for row in batch:
                seq = row[0]
                if seq != expected:
                    return self._broken(
                        start_seq, expected, checked, f"row {expected} is missing from the trail"
                    )
                payload = row[1] if utf8 else row[1:-1]
                mac = sign_message(payload, prev) if utf8 else sign(payload, prev)
                if not compare(mac, row[-1]):
                    return self._broken(
                        start_seq, seq, checked, f"row {seq} was altered, inserted or reordered"
                    )
                prev = mac
                expected += 1
                checked += 1
        last = expected - 1
        if last != head.seq or prev != head.hmac:
            if last < head.seq:
                problem = f"rows after {last} were removed (the register recorded {head.seq})"
                return self._broken(start_seq, last + 1, checked, problem)
            return self._broken(
                start_seq,
                head.seq + 1 if last > head.seq else last,
                checked,
                "the trail does not end where the register says it does",
            )
        return VerifyResult(True, start_seq + 1, checked, head)

    def _broken(self, start: int, seq: int, checked: int, problem: str) -> VerifyResult:
        return VerifyResult(False, start + 1, checked, self._stored_head(), seq, problem)

    def save_checkpoint(self, head: ChainHead) -> None:
        """Remember that the chain verified up to ``head`` (bookkeeping, not audited)."""
        self._set_meta(META_VERIFIED_SEQ, str(head.seq))
        self._set_meta(META_VERIFIED_HMAC, head.hmac)
