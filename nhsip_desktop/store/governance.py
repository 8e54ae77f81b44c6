"""``register.governance``: the organisation's IP governance record and the training log.

The record's parts (SRO, IP policy, decision-making, TTC arrangement and evaluation,
variations from the guidance) are each kept under their own key in the ``governance`` table
as JSON; training sessions are rows of ``training``. Every change is one audited transaction
whose audit rows name the fields changed (``{field: [before, after]}``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from nhsip_desktop.assets.renewals import Deadline
from nhsip_desktop.governance.model import (
    PARTS,
    GovernanceRecord,
    TrainingSession,
    governance_deadlines,
)

from .audit import canonical_json, diff, utc_now
from .errors import NotFoundError, ValidationError

if TYPE_CHECKING:
    from .register import Register

__all__ = ["GovernanceManager"]

_TRAINING_COLUMNS = "held_on, audience, topic, attendees, delivered_by, note, id"


def _refuse(problems: list[tuple[str, str]]) -> None:
    if problems:
        raise ValidationError(" ".join(m for _f, m in problems), problems[0][0], problems)


def _fields(key: str, value: Any) -> Mapping[str, Any]:
    """A part's JSON as fields for :func:`diff` (a list is one field named after its key)."""
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return value
    return {key: value}


def _session(row: Any) -> TrainingSession:
    return TrainingSession(
        dt.date.fromisoformat(row[0]), row[1], row[2], int(row[3]), row[4], row[5], int(row[6])
    )


class GovernanceManager:
    """``register.governance``."""

    def __init__(self, register: Register) -> None:
        self._reg = register

    # -- the record ---------------------------------------------------------------------------
    def _stored(self) -> dict[str, Any]:
        rows = self._reg.conn.execute("SELECT key, data FROM governance")
        return {str(key): json.loads(data) for key, data in rows}

    def record(self) -> GovernanceRecord:
        """The governance record (parts not recorded yet are ``None``)."""
        return GovernanceRecord.from_json(self._stored())

    def save(self, record: GovernanceRecord) -> GovernanceRecord:
        """Save the whole record: each part that changed is written under its key (or removed
        when it is now ``None``), with one audit row per part naming the fields changed.

        Raises ``ValidationError`` (every problem, fields named ``part.field``)."""
        _refuse(record.validate(dt.date.today()))
        # Through JSON text and back, so what is compared is exactly what would be stored.
        new = {key: json.loads(canonical_json(value)) for key, value in record.to_json().items()}
        with self._reg.transaction() as tx:
            old = self._stored()
            now = utc_now()
            for key in PARTS:
                before, after = old.get(key), new.get(key)
                if before == after:
                    continue
                if after is None:
                    self._reg.conn.execute("DELETE FROM governance WHERE key = ?", (key,))
                    action = "delete"
                else:
                    self._reg.conn.execute(
                        "INSERT INTO governance(key, data, updated_at) VALUES (?, ?, ?) "
                        "ON CONFLICT(key) DO UPDATE SET data = excluded.data, "
                        "updated_at = excluded.updated_at",
                        (key, canonical_json(after), now),
                    )
                    action = "insert" if before is None else "update"
                tx.audit(action, "governance", key, diff(_fields(key, before), _fields(key, after)))
        return self.record()

    # -- the training log ---------------------------------------------------------------------
    def add_training(self, session: TrainingSession) -> TrainingSession:
        """Record a training session held (not one planned); audited. Returns it with its id."""
        _refuse(session.validate(dt.date.today()))
        values = session.to_json()
        with self._reg.transaction() as tx:
            cur = self._reg.conn.execute(
                "INSERT INTO training(held_on, audience, topic, attendees, delivered_by, note) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    values["held_on"],
                    values["audience"],
                    values["topic"],
                    values["attendees"],
                    values["delivered_by"],
                    values["note"],
                ),
            )
            session_id = int(cur.lastrowid)
            values.pop("id")
            tx.audit("insert", "training", session_id, diff(None, values))
        return self.get_training(session_id)

    def get_training(self, session_id: int) -> TrainingSession:
        row = self._reg.conn.execute(
            f"SELECT {_TRAINING_COLUMNS} FROM training WHERE id = ?", (session_id,)
        ).fetchone()
        if row is None:
            raise NotFoundError(f"There is no training session {session_id}.")
        return _session(row)

    def training(
        self, since: dt.date | None = None, *, until: dt.date | None = None
    ) -> list[TrainingSession]:
        """Training sessions held on or after ``since`` (and on or before ``until``), oldest
        first; every session when both are ``None``."""
        sql = f"SELECT {_TRAINING_COLUMNS} FROM training"
        where: list[str] = []
        args: list[str] = []
        if since is not None:
            where.append("held_on >= ?")
            args.append(since.isoformat())
        if until is not None:
            where.append("held_on <= ?")
            args.append(until.isoformat())
        if where:
            sql += " WHERE " + " AND ".join(where)
        return [_session(r) for r in self._reg.conn.execute(sql + " ORDER BY held_on, id", args)]

    def remove_training(self, session_id: int) -> None:
        """Remove a session recorded by mistake; the audit row keeps what it held."""
        with self._reg.transaction() as tx:
            old = self.get_training(session_id).to_json()
            old.pop("id")
            self._reg.conn.execute("DELETE FROM training WHERE id = ?", (session_id,))
            tx.audit("delete", "training", session_id, diff(old, None))

    # -- deadlines ----------------------------------------------------------------------------
    def deadlines(self, today: dt.date) -> list[Deadline]:
        """SRO missing, the policy's yearly review, and rolling training (see
        :func:`nhsip_desktop.governance.model.governance_deadlines`)."""
        return governance_deadlines(self.record(), self.training(), today)
