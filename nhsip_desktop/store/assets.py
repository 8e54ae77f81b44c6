"""Registered rights, portfolio reviews, the costs and returns ledgers, worksheets, and the
register's own editable copies of the fee schedule and revenue-sharing policy (steps 6, 8).

Every change is one audited transaction. Money is kept as exact decimal text. Reference data
(fee schedules, revenue policies) is kept by version: a worksheet or a return records the
version it used, and that version stays readable after the user edits the data.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from nhsip_desktop.assets.fees import FeeSchedule, default_fee_schedule
from nhsip_desktop.assets.renewals import next_renewal_due, register_deadlines
from nhsip_desktop.assets.rights import Right, validate_right
from nhsip_desktop.cases.disclosure import Contributor
from nhsip_desktop.cases.worksheet import Worksheet
from nhsip_desktop.finance.ledgers import (
    CostCategory,
    CostEntry,
    Review,
    ReviewOutcome,
    validate_cost,
)
from nhsip_desktop.finance.revenue import (
    Distribution,
    ReturnKind,
    ReturnLine,
    RevenuePolicy,
    distribute_each,
    example_policy,
)

from .audit import canonical_json, diff, utc_now
from .errors import NotFoundError, ValidationError

if TYPE_CHECKING:
    from .register import Register


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _iso_or_none(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _refuse(problems: list[tuple[str, str]]) -> None:
    if problems:
        raise ValidationError(" ".join(m for _f, m in problems), problems[0][0], problems)


class ReferenceData:
    """``register.reference``: the fee schedule and revenue policy in force for this register."""

    def __init__(self, register: Register) -> None:
        self._reg = register

    def _latest(self, kind: str, item_id: str | None = None) -> dict[str, Any] | None:
        sql = "SELECT data FROM reference_data WHERE kind = ?"
        args: list[Any] = [kind]
        if item_id is not None:
            sql += " AND id = ?"
            args.append(item_id)
        row = self._reg.conn.execute(sql + " ORDER BY saved_at DESC, version DESC", args).fetchone()
        return dict(json.loads(row[0])) if row else None

    def _version(self, kind: str, item_id: str, version: int) -> dict[str, Any] | None:
        row = self._reg.conn.execute(
            "SELECT data FROM reference_data WHERE kind = ? AND id = ? AND version = ?",
            (kind, item_id, version),
        ).fetchone()
        return dict(json.loads(row[0])) if row else None

    def _save(self, kind: str, item_id: str, version: int, data: dict[str, Any]) -> None:
        with self._reg.transaction() as tx:
            old = self._latest(kind, item_id)
            self._reg.conn.execute(
                "INSERT INTO reference_data(kind, id, version, data, saved_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT(kind, id, version) DO UPDATE SET "
                "data = excluded.data, saved_at = excluded.saved_at",
                (kind, item_id, version, canonical_json(data), utc_now()),
            )
            tx.audit("update", kind, f"{item_id} v{version}", diff(old, data))

    def fee_schedule(
        self, schedule_id: str | None = None, version: int | None = None
    ) -> FeeSchedule:
        """The register's fee schedule (its edited copy, or the shipped default)."""
        if schedule_id is not None and version is not None:
            raw = self._version("fee_schedule", schedule_id, version)
            if raw is not None:
                return FeeSchedule.from_json(raw, f"register copy {schedule_id} v{version}")
            default = default_fee_schedule()
            if (default.id, default.version) == (schedule_id, version):
                return default
            raise NotFoundError(f"Fee schedule {schedule_id} version {version} is not kept here.")
        raw = self._latest("fee_schedule")
        return FeeSchedule.from_json(raw, "register copy") if raw else default_fee_schedule()

    def save_fee_schedule(self, schedule: FeeSchedule) -> None:
        self._save("fee_schedule", schedule.id, schedule.version, schedule.to_json())

    def revenue_policy(
        self, policy_id: str | None = None, version: int | None = None
    ) -> RevenuePolicy:
        if policy_id is not None and version is not None:
            raw = self._version("revenue_policy", policy_id, version)
            if raw is not None:
                return RevenuePolicy.from_json(raw, f"register copy {policy_id} v{version}")
            example = example_policy()
            if (example.id, example.version) == (policy_id, version):
                return example
            raise NotFoundError(f"Revenue policy {policy_id} version {version} is not kept here.")
        raw = self._latest("revenue_policy")
        return RevenuePolicy.from_json(raw, "register copy") if raw else example_policy()

    def save_revenue_policy(self, policy: RevenuePolicy) -> None:
        self._save("revenue_policy", policy.id, policy.version, policy.to_json())


class RightManager:
    """``register.rights``."""

    def __init__(self, register: Register) -> None:
        self._reg = register

    def _row(self, right: Right) -> dict[str, Any]:
        return {
            "case_id": right.case_id,
            "right_type": right.right_type.value,
            "jurisdiction": right.jurisdiction,
            "title": right.title,
            "status": right.status.value,
            "filing_date": right.filing_date.isoformat() if right.filing_date else None,
            "next_review": right.next_review.isoformat() if right.next_review else None,
            "country": right.country_code,
            # the deadline list reads only rights with a renewal in its window by this column
            "renewal_due": _iso_or_none(next_renewal_due(right)),
            "data": canonical_json(right.to_json()),
        }

    def save(self, right: Right) -> Right:
        """Add (``right.id`` None) or update a right; validated, audited."""
        _refuse(validate_right(right, dt.date.today()))
        if right.next_review is None and right.right_type.registered:
            right.next_review = dt.date.today() + dt.timedelta(days=365)
        with self._reg.transaction() as tx:
            now = utc_now()
            old_case_id: int | None = None
            if right.id is None:
                row = self._row(right)
                cur = self._reg.conn.execute(
                    f"INSERT INTO rights({', '.join(row)}, created_at, updated_at) "
                    f"VALUES ({', '.join('?' * len(row))}, ?, ?)",
                    [*row.values(), now, now],
                )
                right.id = int(cur.lastrowid)
                self._reg.conn.execute(
                    "UPDATE rights SET data = ? WHERE id = ?",
                    (canonical_json(right.to_json()), right.id),
                )
                tx.audit("insert", "right", right.id, diff(None, right.to_json()))
            else:
                old = self.get(right.id)
                old_case_id = old.case_id
                row = self._row(right)
                sets = ", ".join(f"{k} = ?" for k in row)
                self._reg.conn.execute(
                    f"UPDATE rights SET {sets}, updated_at = ? WHERE id = ?",
                    [*row.values(), now, right.id],
                )
                tx.audit("update", "right", right.id, diff(old.to_json(), right.to_json()))
            for case_id in {c for c in (right.case_id, old_case_id) if c is not None}:
                self._refresh_case_deadline(case_id)
                self._reg.cases.refresh_alert(case_id)  # protection filed clears the alert
                tx.case_ids.add(case_id)
                tx.kinds.add("case")  # the case row's deadline and alert may have moved
        return self.get(right.id)

    def _refresh_case_deadline(self, case_id: int) -> None:
        """Keep the case's earliest rights deadline on the case row, for the browser."""
        rights = self.for_case(case_id)
        reference = self._reg.cases.get(case_id).reference
        found = register_deadlines(
            rights, dt.date.today(), self._reg.reference.fee_schedule(), {case_id: reference}
        )
        first = min(found, key=lambda d: d.due) if found else None
        self._reg.conn.execute(
            "UPDATE cases SET deadline_text = ?, deadline_due = ? WHERE id = ?",
            (first.text if first else "", first.due.isoformat() if first else None, case_id),
        )

    def get(self, right_id: int) -> Right:
        row = self._reg.conn.execute("SELECT data FROM rights WHERE id = ?", (right_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"There is no right {right_id}.")
        return Right.from_json(json.loads(row[0]))

    def all(self) -> list[Right]:
        rows = self._reg.conn.execute("SELECT data FROM rights ORDER BY filing_date, id")
        return [Right.from_json(json.loads(r[0])) for r in rows]

    def for_case(self, case_id: int) -> list[Right]:
        rows = self._reg.conn.execute(
            "SELECT data FROM rights WHERE case_id = ? ORDER BY filing_date, id", (case_id,)
        )
        return [Right.from_json(json.loads(r[0])) for r in rows]

    def mark_renewal_paid(self, right_id: int, renewal_year: int, paid_on: dt.date) -> Right:
        if paid_on > dt.date.today():
            raise ValidationError("A payment cannot be dated in the future.", "paid_on")
        right = self.get(right_id)
        right.renewals_paid = {**right.renewals_paid, renewal_year: paid_on}
        return self.save(right)

    # -- portfolio reviews (steps 6 and 8) ------------------------------------------------
    def record_review(
        self,
        right_id: int,
        *,
        outcome: ReviewOutcome,
        rationale: str,
        reviewer: str,
        reviewed_on: dt.date | None = None,
        next_review: dt.date | None = None,
    ) -> Review:
        reviewed_on = reviewed_on or dt.date.today()
        problems = []
        if not rationale.strip():
            problems.append(("rationale", "Give the reasons for the review's outcome."))
        if not reviewer.strip():
            problems.append(("reviewer", "Say who carried out the review."))
        if reviewed_on > dt.date.today():
            problems.append(("reviewed_on", "A review cannot be dated in the future."))
        _refuse(problems)
        if next_review is None and outcome in (ReviewOutcome.KEEP, ReviewOutcome.LICENCE):
            next_review = reviewed_on + dt.timedelta(days=365)
        right = self.get(right_id)
        with self._reg.transaction() as tx:
            cur = self._reg.conn.execute(
                "INSERT INTO reviews(right_id, reviewed_on, outcome, rationale, reviewer, "
                "next_review) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    right_id,
                    reviewed_on.isoformat(),
                    outcome.value,
                    rationale.strip(),
                    reviewer.strip(),
                    next_review.isoformat() if next_review else None,
                ),
            )
            review_id = int(cur.lastrowid)
            tx.audit(
                "insert",
                "review",
                f"right {right_id}/{review_id}",
                {
                    "outcome": [None, outcome.value],
                    "rationale": [None, rationale.strip()],
                    "next_review": [None, next_review.isoformat() if next_review else None],
                },
            )
            right.next_review = next_review
            self.save(right)
        return self.reviews(right_id)[-1]

    def reviews(self, right_id: int) -> list[Review]:
        rows = self._reg.conn.execute(
            "SELECT right_id, reviewed_on, outcome, rationale, reviewer, next_review, id "
            "FROM reviews WHERE right_id = ? ORDER BY id",
            (right_id,),
        )
        return [
            Review(
                r[0],
                dt.date.fromisoformat(r[1]),
                ReviewOutcome(r[2]),
                r[3],
                r[4],
                _date(r[5]),
                r[6],
            )
            for r in rows
        ]


class CostManager:
    """``register.costs``: the costs ledger (per case or right)."""

    def __init__(self, register: Register) -> None:
        self._reg = register

    def add(self, entry: CostEntry) -> CostEntry:
        _refuse(validate_cost(entry, dt.date.today()))
        with self._reg.transaction() as tx:
            cur = self._reg.conn.execute(
                "INSERT INTO costs(case_id, right_id, spent_on, category, amount, vat, supplier, "
                "reference, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    entry.case_id,
                    entry.right_id,
                    entry.spent_on.isoformat(),
                    entry.category.value,
                    str(entry.amount),
                    str(entry.vat),
                    entry.supplier.strip(),
                    entry.reference.strip(),
                    entry.note.strip(),
                ),
            )
            entry.id = int(cur.lastrowid)
            tx.audit(
                "insert",
                "cost",
                entry.id,
                {
                    "amount": [None, str(entry.amount)],
                    "vat": [None, str(entry.vat)],
                    "category": [None, entry.category.value],
                    "spent_on": [None, str(entry.spent_on)],
                    "supplier": [None, entry.supplier],
                    "case_id": [None, entry.case_id],
                    "right_id": [None, entry.right_id],
                },
            )
            if entry.case_id is not None:
                tx.case_ids.add(entry.case_id)
        return entry

    def remove(self, cost_id: int) -> None:
        with self._reg.transaction() as tx:
            row = self._reg.conn.execute(
                "SELECT amount, supplier FROM costs WHERE id = ?", (cost_id,)
            ).fetchone()
            if row is None:
                raise NotFoundError(f"There is no cost {cost_id}.")
            self._reg.conn.execute("DELETE FROM costs WHERE id = ?", (cost_id,))
            tx.audit(
                "delete", "cost", cost_id, {"amount": [row[0], None], "supplier": [row[1], None]}
            )

    def list(self, *, case_id: int | None = None, right_id: int | None = None) -> list[CostEntry]:
        sql = (
            "SELECT spent_on, category, amount, vat, supplier, reference, note, case_id, right_id, "
            "id FROM costs"
        )
        where, args = [], []
        if case_id is not None:
            where.append("case_id = ?")
            args.append(case_id)
        if right_id is not None:
            where.append("right_id = ?")
            args.append(right_id)
        if where:
            sql += " WHERE " + " AND ".join(where)
        return [
            CostEntry(
                dt.date.fromisoformat(r[0]),
                CostCategory(r[1]),
                Decimal(r[2]),
                Decimal(r[3]),
                r[4],
                r[5],
                r[6],
                r[7],
                r[8],
                r[9],
            )
            for r in self._reg.conn.execute(sql + " ORDER BY spent_on, id", args)
        ]


class ReturnManager:
    """``register.returns``: money coming back (royalties, fees, milestones, equity sales)."""

    def __init__(self, register: Register) -> None:
        self._reg = register

    def add(
        self,
        case_id: int,
        *,
        received_on: dt.date,
        gross: Decimal,
        kind: ReturnKind,
        deductible: Decimal = Decimal(0),
        agreement: str = "",
        description: str = "",
    ) -> ReturnLine:
        problems = []
        if gross <= 0:
            problems.append(("gross", "Enter the amount received, more than £0."))
        if deductible < 0:
            problems.append(("deductible", "Deductible costs cannot be negative."))
        if received_on > dt.date.today():
            problems.append(("received_on", "A return cannot be dated in the future."))
        _refuse(problems)
        policy = self._reg.reference.revenue_policy()
        reference = self._reg.cases.get(case_id).reference
        with self._reg.transaction() as tx:
            cur = self._reg.conn.execute(
                "INSERT INTO returns(case_id, agreement, received_on, kind, gross, deductible, "
                "description, policy_id, policy_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    case_id,
                    agreement.strip(),
                    received_on.isoformat(),
                    kind.value,
                    str(gross),
                    str(deductible),
                    description.strip(),
                    policy.id,
                    policy.version,
                ),
            )
            return_id = int(cur.lastrowid)
            tx.audit(
                "insert",
                "return",
                f"{reference}/{return_id}",
                {
                    "gross": [None, str(gross)],
                    "deductible": [None, str(deductible)],
                    "kind": [None, kind.value],
                    "received_on": [None, received_on.isoformat()],
                    "policy": [None, f"{policy.id} v{policy.version}"],
                },
            )
            tx.case_ids.add(case_id)
        return self._get(return_id)

    def _get(self, return_id: int) -> ReturnLine:
        row = self._reg.conn.execute(
            "SELECT id, received_on, gross, deductible, kind, description FROM returns "
            "WHERE id = ?",
            (return_id,),
        ).fetchone()
        if row is None:
            raise NotFoundError(f"There is no return {return_id}.")
        return _return_line(row)

    def for_case(self, case_id: int) -> list[ReturnLine]:
        rows = self._reg.conn.execute(
            "SELECT id, received_on, gross, deductible, kind, description FROM returns "
            "WHERE case_id = ? ORDER BY received_on, id",
            (case_id,),
        )
        return [_return_line(r) for r in rows]

    def distributions(
        self, case_id: int, contributors: Sequence[Contributor] | None = None
    ) -> list[Distribution]:
        """The case's returns, each shared under the policy version it was recorded under."""
        if contributors is None:
            contributors = self._reg.cases.details(case_id).contributors
        items = [(line, self.policy_for(line.id)) for line in self.for_case(case_id)]
        return distribute_each(items, contributors)

    def policy_for(self, return_id: int) -> RevenuePolicy:
        """The revenue policy version in force when the return was recorded."""
        row = self._reg.conn.execute(
            "SELECT policy_id, policy_version FROM returns WHERE id = ?", (return_id,)
        ).fetchone()
        if row is None:
            raise NotFoundError(f"There is no return {return_id}.")
        return self._reg.reference.revenue_policy(row[0], row[1])


def _return_line(row: Any) -> ReturnLine:
    return ReturnLine(
        row[0],
        dt.date.fromisoformat(row[1]),
        Decimal(row[2]),
        Decimal(row[3]),
        ReturnKind(row[4]),
        row[5],
    )


class WorksheetManager:
    """``register.worksheets``: protection cost-benefit worksheets (step 6), per case."""

    def __init__(self, register: Register) -> None:
        self._reg = register

    def save(self, case_id: int, worksheet: Worksheet) -> int:
        reference = self._reg.cases.get(case_id).reference
        data = worksheet.to_json()
        now = utc_now()
        with self._reg.transaction() as tx:
            row = self._reg.conn.execute(
                "SELECT id, data FROM worksheets WHERE case_id = ? ORDER BY id DESC LIMIT 1",
                (case_id,),
            ).fetchone()
            if row is None:
                cur = self._reg.conn.execute(
                    "INSERT INTO worksheets(case_id, data, fee_schedule_id, fee_schedule_version, "
                    "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        case_id,
                        canonical_json(data),
                        worksheet.fee_schedule_id,
                        worksheet.fee_schedule_version,
                        now,
                        now,
                    ),
                )
                worksheet_id = int(cur.lastrowid)
                tx.audit("insert", "worksheet", f"{reference}/{worksheet_id}", diff(None, data))
            else:
                worksheet_id = int(row[0])
                self._reg.conn.execute(
                    "UPDATE worksheets SET data = ?, fee_schedule_id = ?, "
                    "fee_schedule_version = ?, updated_at = ? WHERE id = ?",
                    (
                        canonical_json(data),
                        worksheet.fee_schedule_id,
                        worksheet.fee_schedule_version,
                        now,
                        worksheet_id,
                    ),
                )
                tx.audit(
                    "update",
                    "worksheet",
                    f"{reference}/{worksheet_id}",
                    diff(json.loads(row[1]), data),
                )
            tx.case_ids.add(case_id)
        return worksheet_id

    def latest(self, case_id: int) -> Worksheet | None:
        row = self._reg.conn.execute(
            "SELECT data FROM worksheets WHERE case_id = ? ORDER BY id DESC LIMIT 1", (case_id,)
        ).fetchone()
        return Worksheet.from_json(json.loads(row[0])) if row else None
