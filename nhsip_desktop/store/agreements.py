"""``register.agreements``: agreements with gap-free references, their signed documents (kept
encrypted inside the register) and TTC performance reviews (steps 8 and 9, Annex B).

Every change is one audited transaction. A new agreement's reference (``AG-YYYY-NNNN``) is
allocated from ``agreement_counters`` in the same transaction that writes it, so references
have no gaps and are never reused, even after a delete. A document leaves the register only
when someone asks (``save_file_to``), and that export is recorded in the audit trail.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nhsip_desktop.agreements.model import (
    Agreement,
    AgreementKind,
    TtcReview,
    agreement_deadlines,
    normalise_agreement,
    review_with_defaults,
    validate_agreement,
    validate_ttc_review,
)
from nhsip_desktop.assets.renewals import Deadline

from .attachments import export_checked
from .audit import canonical_json, diff, utc_now
from .errors import NotFoundError, ValidationError

if TYPE_CHECKING:
    from .register import Register, Transaction

__all__ = ["MAX_AGREEMENT_FILE_BYTES", "AgreementFileInfo", "AgreementManager"]

MAX_AGREEMENT_FILE_BYTES = 25 * 1024 * 1024
RECORD_KIND = "agreement"


@dataclass(frozen=True)
class AgreementFileInfo:
    """A document kept with an agreement (the signed copy, a variation, ...), without its
    content."""

    id: int
    agreement_id: int
    name: str
    size: int
    sha256: str
    added_at: str

    @property
    def size_text(self) -> str:
        if self.size < 1024:
            return f"{self.size} bytes"
        if self.size < 1024 * 1024:
            return f"{self.size / 1024:.0f} KB"
        return f"{self.size / 1024 / 1024:.1f} MB"


def _refuse(problems: list[tuple[str, str]]) -> None:
    if problems:
        raise ValidationError(
            "Not saved: " + " ".join(m for _f, m in problems), problems[0][0], problems
        )


def _check_size(name: str, size: int) -> None:
    if size > MAX_AGREEMENT_FILE_BYTES:
        raise ValidationError(
            f"{name} is {size / 1024 / 1024:.1f} MB; files up to "
            f"{MAX_AGREEMENT_FILE_BYTES // 1024 // 1024} MB can be kept in the register. Keep "
            "larger files on a secure shared drive and note where they are in the agreement's "
            "note.",
            "content",
        )


_FILE_COLUMNS = "id, agreement_id, name, size, sha256, added_at"


class AgreementManager:
    """Agreements, their documents and TTC reviews (attached as ``register.agreements``)."""

    def __init__(self, register: Register) -> None:
        self._reg = register

    # -- reading ------------------------------------------------------------------------
    def get(self, agreement_id: int) -> Agreement:
        row = self._reg.conn.execute(
            "SELECT id, reference, data FROM agreements WHERE id = ?", (agreement_id,)
        ).fetchone()
        if row is None:
            raise NotFoundError(f"There is no agreement with id {agreement_id}.")
        return _row_to_agreement(row)

    def get_by_reference(self, reference: str) -> Agreement:
        row = self._reg.conn.execute(
            "SELECT id, reference, data FROM agreements WHERE reference = ?",
            (reference.strip().upper(),),
        ).fetchone()
        if row is None:
            raise NotFoundError(f"There is no agreement {reference.strip()} in this register.")
        return _row_to_agreement(row)

    def all(self) -> list[Agreement]:
        """Every agreement, oldest reference first."""
        rows = self._reg.conn.execute("SELECT id, reference, data FROM agreements ORDER BY id")
        return [_row_to_agreement(r) for r in rows]

    def for_case(self, case_id: int) -> list[Agreement]:
        """The agreements linked to a case, oldest first."""
        rows = self._reg.conn.execute(
            "SELECT a.id, a.reference, a.data FROM agreements a "
            "JOIN agreement_cases l ON l.agreement_id = a.id WHERE l.case_id = ? ORDER BY a.id",
            (case_id,),
        )
        return [_row_to_agreement(r) for r in rows]

    # -- writing ------------------------------------------------------------------------
    def _next_reference(self, year: int) -> str:
        conn = self._reg.conn
        row = conn.execute(
            "SELECT last_number FROM agreement_counters WHERE year = ?", (year,)
        ).fetchone()
        number = (row[0] if row else 0) + 1
        conn.execute(
            "INSERT INTO agreement_counters(year, last_number) VALUES (?, ?) "
            "ON CONFLICT(year) DO UPDATE SET last_number = excluded.last_number",
            (year, number),
        )
        return f"AG-{year}-{number:04d}"

    def _missing_links(self, a: Agreement) -> list[tuple[str, str]]:
        conn = self._reg.conn
        problems: list[tuple[str, str]] = []
        for column, table, ids, words in (
            ("case_ids", "cases", a.case_ids, "case"),
            ("right_ids", "rights", a.right_ids, "right"),
        ):
            if not ids:
                continue
            marks = ",".join("?" * len(ids))
            found = {
                r[0] for r in conn.execute(f"SELECT id FROM {table} WHERE id IN ({marks})", ids)
            }
            missing = [i for i in ids if i not in found]
            if missing:
                problems.append(
                    (
                        column,
                        f"The linked {words}{'s' if len(missing) != 1 else ''} "
                        f"{', '.join(str(i) for i in missing)} "
                        f"{'are' if len(missing) != 1 else 'is'} no longer in the register: "
                        "remove the link.",
                    )
                )
        return problems

    def save(self, agreement: Agreement, *, year: int | None = None) -> Agreement:
        """Add (``agreement.id`` None) or update an agreement; validated and audited.

        A new agreement gets the next ``AG-YYYY-NNNN`` reference for ``year`` (default: this
        year) in the same transaction; an existing one keeps its reference. The linked cases
        are written to ``agreement_cases``. Raises ``ValidationError`` (with every problem)
        when the agreement cannot be saved; warnings (``agreement_warnings``) do not stop it.
        """
        today = dt.date.today()
        a = normalise_agreement(agreement)
        _refuse(validate_agreement(a, today))
        with self._reg.transaction() as tx:
            _refuse(self._missing_links(a))
            conn = self._reg.conn
            now = utc_now()
            if a.id is None:
                a.reference = self._next_reference(year or today.year)
                cur = conn.execute(
                    "INSERT INTO agreements(reference, kind, title, signed_on, end_on, data, "
                    "created_at, updated_at) VALUES (?, ?, ?, ?, ?, '{}', ?, ?)",
                    (
                        a.reference,
                        a.kind.value,
                        a.title,
                        _iso(a.signed_on),
                        _iso(a.end_on),
                        now,
                        now,
                    ),
                )
                a.id = int(cur.lastrowid)
                conn.execute(
                    "UPDATE agreements SET data = ? WHERE id = ?",
                    (canonical_json(a.to_json()), a.id),
                )
                old_cases: list[int] = []
                tx.audit("insert", RECORD_KIND, a.reference, diff(None, a.to_json()))
            else:
                old = self.get(a.id)
                a.reference = old.reference
                old_cases = self._linked_cases(a.id)
                changes = diff(old.to_json(), a.to_json())
                if not changes:
                    return old
                conn.execute(
                    "UPDATE agreements SET kind = ?, title = ?, signed_on = ?, end_on = ?, "
                    "data = ?, updated_at = ? WHERE id = ?",
                    (
                        a.kind.value,
                        a.title,
                        _iso(a.signed_on),
                        _iso(a.end_on),
                        canonical_json(a.to_json()),
                        now,
                        a.id,
                    ),
                )
                tx.audit("update", RECORD_KIND, a.reference, changes)
            self._write_links(a.id, old_cases, a.case_ids)
            tx.case_ids.update(old_cases, a.case_ids)
        return self.get(a.id)

    def _linked_cases(self, agreement_id: int) -> list[int]:
        rows = self._reg.conn.execute(
            "SELECT case_id FROM agreement_cases WHERE agreement_id = ? ORDER BY case_id",
            (agreement_id,),
        )
        return [int(r[0]) for r in rows]

    def _write_links(self, agreement_id: int, old: Sequence[int], new: Sequence[int]) -> None:
        conn = self._reg.conn
        for case_id in set(old) - set(new):
            conn.execute(
                "DELETE FROM agreement_cases WHERE agreement_id = ? AND case_id = ?",
                (agreement_id, case_id),
            )
        for case_id in set(new) - set(old):
            conn.execute(
                "INSERT INTO agreement_cases(agreement_id, case_id) VALUES (?, ?)",
                (agreement_id, case_id),
            )

    def delete(self, agreement_id: int) -> None:
        """Delete an agreement with its documents and reviews (its reference is never reused);
        the audit row keeps what it held and the names and hashes of its documents."""
        with self._reg.transaction() as tx:
            old = self.get(agreement_id)
            cases = self._linked_cases(agreement_id)
            record: dict[str, Any] = diff(old.to_json(), None)
            files = [{"name": f.name, "sha256": f.sha256} for f in self.files(agreement_id)]
            if files:
                record["files"] = [files, None]
            reviews = [r.to_json() for r in self.reviews(agreement_id)]
            if reviews:
                record["ttc_reviews"] = [reviews, None]
            assessments = self._reg.conn.execute(
                "SELECT count(*) FROM assessments WHERE agreement_id = ?", (agreement_id,)
            ).fetchone()[0]
            if assessments:
                record["assessments"] = [assessments, None]
            self._reg.conn.execute("DELETE FROM agreements WHERE id = ?", (agreement_id,))
            tx.audit("delete", RECORD_KIND, old.reference, record)
            tx.case_ids.update(cases)

    # -- documents ----------------------------------------------------------------------
    def add_file(self, agreement_id: int, name: str, content: bytes) -> AgreementFileInfo:
        """Keep a document (the signed agreement, a variation) inside the encrypted register,
        with its size and SHA-256; up to 25 MB."""
        name = Path(name).name.strip()
        if not name:
            raise ValidationError("The file needs a name.", "name")
        _check_size(name, len(content))
        digest = hashlib.sha256(content).hexdigest()
        with self._reg.transaction() as tx:
            reference = self.get(agreement_id).reference
            cur = self._reg.conn.execute(
                "INSERT INTO agreement_files(agreement_id, name, size, sha256, content, added_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (agreement_id, name, len(content), digest, content, utc_now()),
            )
            file_id = int(cur.lastrowid)
            tx.audit(
                "insert",
                "agreement_file",
                f"{reference}/{file_id}",
                {"name": [None, name], "size": [None, len(content)], "sha256": [None, digest]},
            )
            self._touch(tx, agreement_id)
        return self.file(file_id)

    def add_file_from(self, agreement_id: int, path: Path) -> AgreementFileInfo:
        """Keep the file at ``path`` (its size is checked before it is read)."""
        _check_size(path.name, path.stat().st_size)
        return self.add_file(agreement_id, path.name, path.read_bytes())

    def file(self, file_id: int) -> AgreementFileInfo:
        row = self._reg.conn.execute(
            f"SELECT {_FILE_COLUMNS} FROM agreement_files WHERE id = ?", (file_id,)
        ).fetchone()
        if row is None:
            raise NotFoundError(f"There is no agreement document {file_id}.")
        return AgreementFileInfo(*row)

    def files(self, agreement_id: int) -> list[AgreementFileInfo]:
        rows = self._reg.conn.execute(
            f"SELECT {_FILE_COLUMNS} FROM agreement_files WHERE agreement_id = ? ORDER BY id",
            (agreement_id,),
        ).fetchall()
        return [AgreementFileInfo(*r) for r in rows]

    def file_content(self, file_id: int) -> bytes:
        row = self._reg.conn.execute(
            "SELECT content FROM agreement_files WHERE id = ?", (file_id,)
        ).fetchone()
        if row is None:
            raise NotFoundError(f"There is no agreement document {file_id}.")
        return bytes(row[0])

    def save_file_to(self, file_id: int, target: Path) -> Path:
        """Write the document out where the person chose, checked against its SHA-256 first.
        An export: recorded in the audit trail."""
        info = self.file(file_id)
        return export_checked(
            self._reg,
            name=info.name,
            sha256=info.sha256,
            data=self.file_content(file_id),
            target=target,
            kind="agreement_file",
            key=f"{self.get(info.agreement_id).reference}/{file_id}",
        )

    def remove_file(self, file_id: int) -> None:
        info = self.file(file_id)
        with self._reg.transaction() as tx:
            reference = self.get(info.agreement_id).reference
            self._reg.conn.execute("DELETE FROM agreement_files WHERE id = ?", (file_id,))
            tx.audit(
                "delete",
                "agreement_file",
                f"{reference}/{file_id}",
                {"name": [info.name, None], "sha256": [info.sha256, None]},
            )
            self._touch(tx, info.agreement_id)

    def _touch(self, tx: Transaction, agreement_id: int) -> None:
        """Mark the agreement (and its cases) changed for subscribers."""
        tx.kinds.add(RECORD_KIND)
        tx.case_ids.update(self._linked_cases(agreement_id))

    # -- TTC performance reviews (Annex B) ----------------------------------------------
    def record_review(self, review: TtcReview) -> TtcReview:
        """Record a quarterly (or formal annual) review of a TTC services agreement.

        An empty period becomes the quarter reviewed and an empty next review date three
        months after the review (``review_with_defaults``); validated and audited.
        """
        review = review_with_defaults(review)
        _refuse(validate_ttc_review(review, dt.date.today()))
        with self._reg.transaction() as tx:
            agreement = self.get(review.agreement_id)
            if agreement.kind is not AgreementKind.TTC_SERVICES:
                raise ValidationError(
                    f"{agreement.reference} is a {agreement.kind.label.lower()}: performance "
                    "reviews are recorded for TTC services agreements.",
                    "agreement_id",
                )
            data = {k: v for k, v in review.to_json().items() if k != "id"}
            cur = self._reg.conn.execute(
                "INSERT INTO ttc_reviews(agreement_id, reviewed_on, data, next_review) "
                "VALUES (?, ?, ?, ?)",
                (
                    review.agreement_id,
                    review.reviewed_on.isoformat(),
                    canonical_json(data),
                    _iso(review.next_review),
                ),
            )
            review_id = int(cur.lastrowid)
            tx.audit("insert", "ttc_review", f"{agreement.reference}/{review_id}", diff(None, data))
            self._touch(tx, review.agreement_id)
        return self._review(review_id)

    def _review(self, review_id: int) -> TtcReview:
        row = self._reg.conn.execute(
            "SELECT id, data FROM ttc_reviews WHERE id = ?", (review_id,)
        ).fetchone()
        if row is None:
            raise NotFoundError(f"There is no TTC review {review_id}.")
        return row_to_review(row)

    def reviews(self, agreement_id: int) -> list[TtcReview]:
        """The agreement's reviews, oldest first."""
        rows = self._reg.conn.execute(
            "SELECT id, data FROM ttc_reviews WHERE agreement_id = ? ORDER BY reviewed_on, id",
            (agreement_id,),
        )
        return [row_to_review(r) for r in rows]

    # -- deadlines ----------------------------------------------------------------------
    def deadlines(self, today: dt.date) -> list[Deadline]:
        """Every agreement's deadlines (obligations, end and notice dates, renewals, TTC
        reviews), by date; pass them to ``renewals.upcoming`` to choose a window."""
        by_agreement: dict[int, list[TtcReview]] = defaultdict(list)
        for row in self._reg.conn.execute("SELECT id, data FROM ttc_reviews ORDER BY id"):
            review = row_to_review(row)
            by_agreement[review.agreement_id].append(review)
        found: list[Deadline] = []
        for a in self.all():
            assert a.id is not None
            found.extend(agreement_deadlines(a, today, by_agreement.get(a.id, [])))
        return sorted(found, key=lambda d: (d.due, not d.urgent, d.reference, d.kind, d.text))


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _row_to_agreement(row: Sequence[Any]) -> Agreement:
    a = Agreement.from_json(json.loads(row[2]))
    a.id, a.reference = int(row[0]), str(row[1])
    return a


def row_to_review(row: Sequence[Any]) -> TtcReview:
    raw = dict(json.loads(row[1]))
    raw["id"] = int(row[0])
    return TtcReview.from_json(raw)
