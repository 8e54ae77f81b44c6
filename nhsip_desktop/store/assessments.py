"""``register.assessments``: checklist answers saved with the checklist version they used, and
the decisions people take (kept apart from what the checklist suggests)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nhsip_desktop.guidance.checklists import (
    Checklist,
    ItemAnswer,
    answers_from_json,
    answers_to_json,
    evaluate,
)

from .audit import canonical_json, diff, utc_now
from .errors import NotFoundError, ValidationError

if TYPE_CHECKING:
    from .register import Register


@dataclass(frozen=True)
class AssessmentRecord:
    id: int
    case_id: int
    checklist_id: str
    checklist_version: int
    answers: dict[str, ItemAnswer]
    score: float | None
    findings: list[dict[str, str]]
    created_at: str
    updated_at: str
    agreement_id: int | None = None


@dataclass(frozen=True)
class Decision:
    id: int
    case_id: int
    kind: str
    outcome: str
    outcome_label: str
    rationale: str
    decided_on: dt.date
    decision_maker: str
    assessment_id: int | None
    recorded_at: str


_A_COLUMNS = (
    "id, case_id, checklist_id, checklist_version, answers, score, findings, created_at, "
    "updated_at, agreement_id"
)
_D_COLUMNS = (
    "id, case_id, kind, outcome, outcome_label, rationale, decided_on, decision_maker, "
    "assessment_id, recorded_at"
)


def _assessment(row: Any) -> AssessmentRecord:
    return AssessmentRecord(
        row[0],
        row[1],
        row[2],
        row[3],
        answers_from_json(json.loads(row[4])),
        row[5],
        json.loads(row[6]),
        row[7],
        row[8],
        row[9],
    )


def _decision(row: Any) -> Decision:
    return Decision(
        row[0],
        row[1],
        row[2],
        row[3],
        row[4],
        row[5],
        dt.date.fromisoformat(row[6]),
        row[7],
        row[8],
        row[9],
    )


class AssessmentManager:
    def __init__(self, register: Register) -> None:
        self._reg = register

    def save(
        self,
        case_id: int | None,
        checklist: Checklist,
        answers: Mapping[str, ItemAnswer],
        *,
        assessment_id: int | None = None,
        agreement_id: int | None = None,
    ) -> AssessmentRecord:
        """Create or update an assessment of a case, or of an agreement (``case_id=None``);
        it keeps the checklist version it was started with."""
        if (case_id is None) == (agreement_id is None):
            raise ValueError("an assessment belongs to a case or to an agreement")
        reference = self._owner_reference(case_id, agreement_id)
        evaluation = evaluate(checklist, answers)
        stored = answers_to_json(answers)
        findings = [
            {"severity": f.severity.value, "text": f.text, "reference": f.reference}
            for f in evaluation.findings
        ]
        now = utc_now()
        with self._reg.transaction() as tx:
            if assessment_id is None:
                cur = self._reg.conn.execute(
                    "INSERT INTO assessments(case_id, agreement_id, checklist_id, "
                    "checklist_version, answers, score, findings, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        case_id,
                        agreement_id,
                        checklist.id,
                        checklist.version,
                        canonical_json(stored),
                        evaluation.score,
                        canonical_json(findings),
                        now,
                        now,
                    ),
                )
                assessment_id = int(cur.lastrowid)
                tx.audit(
                    "insert",
                    "assessment",
                    f"{reference}/{assessment_id}",
                    {
                        "checklist": [None, f"{checklist.id} v{checklist.version}"],
                        "answers": [None, stored],
                        "score": [None, evaluation.score],
                    },
                )
            else:
                old = self.get(assessment_id)
                if (old.checklist_id, old.checklist_version) != (checklist.id, checklist.version):
                    raise ValidationError(
                        f"This assessment was made with {old.checklist_id} version "
                        f"{old.checklist_version}; it is always edited with that version.",
                        "checklist_version",
                    )
                self._reg.conn.execute(
                    "UPDATE assessments SET answers = ?, score = ?, findings = ?, updated_at = ? "
                    "WHERE id = ?",
                    (
                        canonical_json(stored),
                        evaluation.score,
                        canonical_json(findings),
                        now,
                        assessment_id,
                    ),
                )
                changes = diff(answers_to_json(old.answers), stored)
                if old.score != evaluation.score:
                    changes["score"] = [old.score, evaluation.score]
                tx.audit("update", "assessment", f"{reference}/{assessment_id}", changes)
            if case_id is not None:
                tx.case_ids.add(case_id)
            else:
                tx.kinds.add("agreement")
        return self.get(assessment_id)

    def _owner_reference(self, case_id: int | None, agreement_id: int | None) -> str:
        if case_id is not None:
            return self._reg.cases.get(case_id).reference
        row = self._reg.conn.execute(
            "SELECT reference FROM agreements WHERE id = ?", (agreement_id,)
        ).fetchone()
        if row is None:
            raise NotFoundError(f"There is no agreement {agreement_id}.")
        return str(row[0])

    def for_agreement(self, agreement_id: int, checklist_id: str) -> list[AssessmentRecord]:
        rows = self._reg.conn.execute(
            f"SELECT {_A_COLUMNS} FROM assessments WHERE agreement_id = ? AND checklist_id = ? "
            "ORDER BY id",
            (agreement_id, checklist_id),
        )
        return [_assessment(r) for r in rows]

    def latest_for_agreement(self, agreement_id: int, checklist_id: str) -> AssessmentRecord | None:
        found = self.for_agreement(agreement_id, checklist_id)
        return found[-1] if found else None

    def get(self, assessment_id: int) -> AssessmentRecord:
        row = self._reg.conn.execute(
            f"SELECT {_A_COLUMNS} FROM assessments WHERE id = ?", (assessment_id,)
        ).fetchone()
        if row is None:
            raise NotFoundError(f"There is no assessment {assessment_id}.")
        return _assessment(row)

    def for_case(self, case_id: int, checklist_id: str | None = None) -> list[AssessmentRecord]:
        sql = f"SELECT {_A_COLUMNS} FROM assessments WHERE case_id = ?"
        args: list[Any] = [case_id]
        if checklist_id is not None:
            sql += " AND checklist_id = ?"
            args.append(checklist_id)
        return [_assessment(r) for r in self._reg.conn.execute(sql + " ORDER BY id", args)]

    def latest(self, case_id: int, checklist_id: str) -> AssessmentRecord | None:
        found = self.for_case(case_id, checklist_id)
        return found[-1] if found else None

    # -- decisions --------------------------------------------------------------------------
    def record_decision(
        self,
        case_id: int,
        kind: str,
        *,
        outcome: str,
        outcome_label: str,
        rationale: str,
        decided_on: dt.date,
        decision_maker: str,
        assessment_id: int | None = None,
    ) -> Decision:
        """The IP lead's decision: separate from the checklist's suggestion, always reasoned."""
        problems = []
        if not rationale.strip():
            problems.append(("rationale", "Give the reasons for the decision."))
        if not decision_maker.strip():
            problems.append(("decision_maker", "Say who made the decision."))
        if decided_on > dt.date.today():
            problems.append(("decided_on", "A decision cannot be dated in the future."))
        if problems:
            raise ValidationError(" ".join(m for _f, m in problems), problems[0][0], problems)
        reference = self._reg.cases.get(case_id).reference
        with self._reg.transaction() as tx:
            cur = self._reg.conn.execute(
                "INSERT INTO decisions(case_id, kind, outcome, outcome_label, rationale, "
                "decided_on, decision_maker, assessment_id, recorded_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    case_id,
                    kind,
                    outcome,
                    outcome_label,
                    rationale.strip(),
                    decided_on.isoformat(),
                    decision_maker.strip(),
                    assessment_id,
                    utc_now(),
                ),
            )
            decision_id = int(cur.lastrowid)
            tx.audit(
                "insert",
                "decision",
                f"{reference}/{decision_id}",
                {
                    "kind": [None, kind],
                    "outcome": [None, outcome],
                    "rationale": [None, rationale],
                    "decided_on": [None, decided_on.isoformat()],
                    "decision_maker": [None, decision_maker],
                },
            )
            tx.case_ids.add(case_id)
        return self.decision(decision_id)

    def record_decisions(
        self, items: Iterable[tuple[int, str, str, str, str, str, dt.date, str]]
    ) -> int:
        """Many decisions at once (a bulk import), each ``(case_id, case reference, kind,
        outcome, outcome_label, rationale, decided_on, decision_maker)``: the rows and audit
        rows :meth:`record_decision` writes one by one, checked the same way, without reading
        each back. Inside the caller's transaction, or one of its own; returns the count."""
        today = dt.date.today()
        count = 0
        with self._reg.transaction() as tx:
            conn = self._reg.conn
            entries: list[tuple[str, str, str, str | int, dict[str, Any]]] = []
            for case_id, reference, kind, outcome, label, rationale, on, maker in items:
                problems = []
                if not rationale.strip():
                    problems.append(("rationale", "Give the reasons for the decision."))
                if not maker.strip():
                    problems.append(("decision_maker", "Say who made the decision."))
                if on > today:
                    problems.append(("decided_on", "A decision cannot be dated in the future."))
                if problems:
                    raise ValidationError(
                        " ".join(m for _f, m in problems), problems[0][0], problems
                    )
                now = utc_now()
                cur = conn.execute(
                    "INSERT INTO decisions(case_id, kind, outcome, outcome_label, rationale, "
                    "decided_on, decision_maker, assessment_id, recorded_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (case_id, kind, outcome, label, rationale.strip(), on.isoformat(),
                     maker.strip(), None, now),
                )  # fmt: skip
                entries.append(
                    (
                        now,
                        "insert",
                        "decision",
                        f"{reference}/{int(cur.lastrowid)}",
                        {
                            "kind": [None, kind],
                            "outcome": [None, outcome],
                            "rationale": [None, rationale],
                            "decided_on": [None, on.isoformat()],
                            "decision_maker": [None, maker],
                        },
                    )
                )
                tx.case_ids.add(case_id)
                count += 1
                if len(entries) >= 2000:
                    tx.audit_many(entries)
                    entries.clear()
            if entries:
                tx.audit_many(entries)
        return count

    def decision(self, decision_id: int) -> Decision:
        row = self._reg.conn.execute(
            f"SELECT {_D_COLUMNS} FROM decisions WHERE id = ?", (decision_id,)
        ).fetchone()
        if row is None:
            raise NotFoundError(f"There is no decision {decision_id}.")
        return _decision(row)

    def decisions(self, case_id: int, kind: str | None = None) -> list[Decision]:
        sql = f"SELECT {_D_COLUMNS} FROM decisions WHERE case_id = ?"
        args: list[Any] = [case_id]
        if kind is not None:
            sql += " AND kind = ?"
            args.append(kind)
        return [_decision(r) for r in self._reg.conn.execute(sql + " ORDER BY id", args)]

    def latest_decision(self, case_id: int, kind: str) -> Decision | None:
        found = self.decisions(case_id, kind)
        return found[-1] if found else None
