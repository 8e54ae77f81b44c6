"""The register's facts, read once: named queries returning typed rows (a read-model).

Every page, paper and command that needs a fact about the register asks here, so that the
board summary, the annual return, the governance page and the IP policy draft cannot tell
different stories. The rules themselves live in the domain (``feedback``, ``governance``,
``renewals``, ``periods``); this module only reads what they need, with SQL that lives in the
store and nowhere else.

- :func:`feedback`: feedback within the target (``feedback.feedback_within_target``);
- :func:`ttc_arrangement`: whether a TTC arrangement is in place (``governance.ttc_in_place``:
  the agreements register is the truth);
- :func:`deadlines`: the deadline list (``store.deadlines.all_deadlines``); counts derive
  from it; :func:`deadline_counts` gives the same counts and only the first few deadlines;
- :func:`reviews_due`: portfolio reviews due (``renewals.review_due``, lapsed rights
  included, as every screen shows them);
- pending and payable renewals are ``renewals.pending_renewals`` / ``payable_renewals`` on a
  right; the revenue policy a return was shared under is ``register.returns.policy_for``
  (and each ``Distribution.policy``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from nhsip_desktop.agreements.model import TtcReview
from nhsip_desktop.assets.renewals import Deadline, UpcomingSummary, review_due
from nhsip_desktop.assets.rights import Right, RightStatus, RightType
from nhsip_desktop.cases.feedback import FeedbackFigures, feedback_within_target
from nhsip_desktop.cases.model import Stage
from nhsip_desktop.core.periods import financial_year_of
from nhsip_desktop.governance.model import GovernanceRecord, TtcInPlace, ttc_in_place

from .agreements import row_to_review
from .deadlines import all_deadlines, deadline_summary

if TYPE_CHECKING:
    from .register import Register

__all__ = [
    "AgreementsSigned",
    "BoardDecisionNeeded",
    "BoardPaper",
    "CostRow",
    "DecisionRow",
    "Facts",
    "RecordedCounts",
    "ReturnRow",
    "ReviewDue",
    "TtcReviewRow",
]


def _iso(day: dt.date) -> str:
    return day.isoformat()


def _day(text: str) -> dt.date:
    return dt.date.fromisoformat(str(text)[:10])


# -- what has been recorded at all ---------------------------------------------------------
@dataclass(frozen=True)
class RecordedCounts:
    """How many of each kind of record the register holds (a figure whose source holds
    nothing reads "No data recorded yet", never a 0)."""

    cases_received: int
    feedback_given: int
    decisions: dict[str, int]  # by kind ("triage", "route", ...)
    rights: int
    agreements: int
    costs: int
    returns: int
    training: int


# -- cases, disclosures, feedback, decisions -----------------------------------------------
@dataclass(frozen=True)
class DecisionRow:
    reference: str
    title: str
    kind: str
    outcome: str
    outcome_label: str
    decided_on: dt.date


@dataclass(frozen=True)
class BoardDecisionNeeded:
    reference: str
    title: str
    triage_decision: str
    decided_on: dt.date | None = None  # the triage decision's date


# -- rights --------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReviewDue:
    right_id: int
    title: str
    right_type: RightType
    status: RightStatus
    due: dt.date


# -- agreements and TTC --------------------------------------------------------------------
@dataclass(frozen=True)
class AgreementsSigned:
    total: int
    by_kind: list[tuple[str, int]]  # (kind value, count), by kind


@dataclass(frozen=True)
class TtcReviewRow:
    reference: str
    title: str
    review: TtcReview


# -- money and training --------------------------------------------------------------------
@dataclass(frozen=True)
class CostRow:
    spent_on: dt.date
    amount: Decimal
    vat: Decimal

    @property
    def total(self) -> Decimal:
        return self.amount + self.vat


@dataclass(frozen=True)
class ReturnRow:
    case_id: int
    received_on: dt.date
    gross: Decimal
    deductible: Decimal


# -- board papers --------------------------------------------------------------------------
@dataclass(frozen=True)
class BoardPaper:
    """A board summary produced earlier, with the figures of its key messages."""

    produced_at: dt.datetime
    start: dt.date
    end: dt.date
    figures: dict[str, Any]


# -- deadlines -----------------------------------------------------------------------------


class Facts:
    """``register.facts``: the register's facts, each one named query (module docstring)."""

    def __init__(self, register: Register) -> None:
        self._reg = register

    def recorded_counts(self) -> RecordedCounts:
        conn = self._reg.conn

        def count(sql: str) -> int:
            return int(conn.execute(sql).fetchone()[0])

        decisions = {
            str(kind): int(n)
            for kind, n in conn.execute("SELECT kind, count(*) FROM decisions GROUP BY kind")
        }
        return RecordedCounts(
            cases_received=count("SELECT count(*) FROM cases WHERE received_on IS NOT NULL"),
            feedback_given=count("SELECT count(*) FROM cases WHERE feedback_given_on IS NOT NULL"),
            decisions=decisions,
            rights=count("SELECT count(*) FROM rights"),
            agreements=count("SELECT count(*) FROM agreements"),
            costs=count("SELECT count(*) FROM costs"),
            returns=count("SELECT count(*) FROM returns"),
            training=count("SELECT count(*) FROM training"),
        )

    def first_received_on(self) -> dt.date | None:
        """The earliest date a disclosure was received, or None."""
        row = self._reg.conn.execute(
            "SELECT min(received_on) FROM cases WHERE received_on IS NOT NULL"
        ).fetchone()
        if not row or not row[0]:
            return None
        try:
            return _day(row[0])
        except ValueError:
            return None

    def stage_counts(self, *, include_drafts: bool = False) -> Counter[Stage]:
        """Cases by stage: those submitted so far (drafts left out), or every case."""
        sql = "SELECT stage, count(*) FROM cases"
        if not include_drafts:
            sql += " WHERE stage != 'draft'"
        return Counter(
            {Stage(s): int(n) for s, n in self._reg.conn.execute(sql + " GROUP BY stage")}
        )

    def disclosures_received(self, start: dt.date, end: dt.date) -> int:
        """Cases whose received date falls in ``start``..``end`` (inclusive)."""
        return int(
            self._reg.conn.execute(
                "SELECT count(*) FROM cases WHERE received_on BETWEEN ? AND ?",
                (_iso(start), _iso(end)),
            ).fetchone()[0]
        )

    def feedback(self, start: dt.date, end: dt.date, today: dt.date) -> FeedbackFigures:
        """Feedback within the register's target for the disclosures received in
        ``start``..``end``, as at ``today``: the one definition (``feedback`` module, step 5)."""
        rows = self._reg.conn.execute(
            "SELECT received_on, feedback_given_on FROM cases WHERE received_on BETWEEN ? AND ? "
            "ORDER BY received_on, id",
            (_iso(start), _iso(end)),
        ).fetchall()
        target = int(self._reg.settings.get("feedback_target_days"))
        return feedback_within_target(
            ((_day(r), _day(g) if g else None) for r, g in rows), target, today
        )

    def decisions_in(
        self, start: dt.date, end: dt.date, kind: str | None = None
    ) -> list[DecisionRow]:
        """Decisions dated in ``start``..``end`` (of one ``kind``, or all), oldest first."""
        sql = (
            "SELECT c.reference, c.title, d.kind, d.outcome, d.outcome_label, d.decided_on "
            "FROM decisions d JOIN cases c ON c.id = d.case_id WHERE d.decided_on BETWEEN ? AND ?"
        )
        args: list[object] = [_iso(start), _iso(end)]
        if kind is not None:
            sql += " AND d.kind = ?"
            args.append(kind)
        rows = self._reg.conn.execute(sql + " ORDER BY d.decided_on, d.id", args)
        return [DecisionRow(r[0], r[1], r[2], r[3], r[4], _day(r[5])) for r in rows]

    def board_decisions_needed(self) -> list[BoardDecisionNeeded]:
        """Cases whose latest triage decision is to develop and protect, with no route chosen
        yet (steps 6 and 7)."""
        rows = self._reg.conn.execute(
            "SELECT c.reference, c.title, d.outcome_label, d.decided_on FROM cases c "
            "JOIN decisions d ON "
            "d.id = (SELECT max(id) FROM decisions WHERE case_id = c.id AND kind = 'triage') "
            "WHERE c.stage IN ('decision_made', 'active') AND d.outcome = 'develop_protect' "
            "AND NOT EXISTS (SELECT 1 FROM decisions r WHERE r.case_id = c.id "
            "AND r.kind = 'route') "
            "ORDER BY c.ref_year, c.ref_number"
        )
        return [BoardDecisionNeeded(r[0], r[1], r[2], _day(r[3]) if r[3] else None) for r in rows]

    def reviews_due(self, today: dt.date, days: int = 90) -> list[ReviewDue]:
        """Portfolio reviews overdue or due within ``days`` of ``today``, by
        ``renewals.review_due`` (the rule the deadlines view uses: lapsed rights included)."""
        horizon = today + dt.timedelta(days=days)
        out: list[ReviewDue] = []
        # Only rights whose next review (a column kept with each save) falls by the horizon
        # are read: the rule itself is still ``review_due`` on the whole right.
        rows = self._reg.conn.execute(
            "SELECT data FROM rights WHERE next_review IS NOT NULL AND next_review <= ?",
            (_iso(horizon),),
        )
        for right in (Right.from_json(json.loads(r[0])) for r in rows):
            due = review_due(right)
            if due is not None and due <= horizon and right.id is not None:
                out.append(
                    ReviewDue(right.id, right.display_title, right.right_type, right.status, due)
                )
        return sorted(out, key=lambda r: (r.due, r.title))

    def lapse_dates(self) -> dict[int, dt.date]:
        """The date each lapsed right lapsed: its latest portfolio review deciding to let it
        lapse or, when none is recorded, the date its record was last updated."""
        rows = self._reg.conn.execute(
            "SELECT r.id, r.updated_at, (SELECT max(v.reviewed_on) FROM reviews v "
            "WHERE v.right_id = r.id AND v.outcome = 'lapse') FROM rights r WHERE r.status = ?",
            (RightStatus.LAPSED.value,),
        )
        return {int(i): _day(reviewed or updated) for i, updated, reviewed in rows}

    def ttc_arrangement(self, today: dt.date, record: GovernanceRecord | None = None) -> TtcInPlace:
        """Whether a TTC arrangement is in place as at ``today``, and what it is: the agreements
        register is the truth (``governance.ttc_in_place``). ``record``: the governance record
        already read (else it is read here)."""
        if record is None:
            record = self._reg.governance.record()
        return ttc_in_place(record, self._reg.agreements.all(), today)

    def agreements_signed(self, start: dt.date, end: dt.date) -> AgreementsSigned:
        rows = self._reg.conn.execute(
            "SELECT kind, count(*) FROM agreements WHERE signed_on BETWEEN ? AND ? "
            "GROUP BY kind ORDER BY kind",
            (_iso(start), _iso(end)),
        ).fetchall()
        by_kind = [(str(kind), int(n)) for kind, n in rows]
        return AgreementsSigned(sum(n for _, n in by_kind), by_kind)

    def latest_ttc_reviews(self) -> list[TtcReviewRow]:
        """The latest performance review of each agreement that has one, by reference."""
        rows = self._reg.conn.execute(
            "SELECT a.reference, a.title, r.id, r.data FROM ttc_reviews r "
            "JOIN agreements a ON a.id = r.agreement_id WHERE r.id IN "
            "(SELECT max(id) FROM ttc_reviews GROUP BY agreement_id) ORDER BY a.reference"
        ).fetchall()
        return [TtcReviewRow(r[0], r[1], row_to_review((r[2], r[3]))) for r in rows]

    def costs_in(self, start: dt.date, end: dt.date) -> list[CostRow]:
        rows = self._reg.conn.execute(
            "SELECT spent_on, amount, vat FROM costs WHERE spent_on BETWEEN ? AND ? "
            "ORDER BY spent_on",
            (_iso(start), _iso(end)),
        )
        return [CostRow(_day(d), Decimal(a), Decimal(v)) for d, a, v in rows]

    def returns_in(self, start: dt.date, end: dt.date) -> list[ReturnRow]:
        rows = self._reg.conn.execute(
            "SELECT case_id, received_on, gross, deductible FROM returns "
            "WHERE received_on BETWEEN ? AND ? ORDER BY received_on, id",
            (_iso(start), _iso(end)),
        )
        return [ReturnRow(int(c), _day(d), Decimal(g), Decimal(x)) for c, d, g, x in rows]

    def spend_and_returns_by_year(self) -> dict[int, tuple[Decimal, Decimal]]:
        """Protection spend (VAT included) and gross returns, by financial year, oldest first."""
        totals: dict[int, list[Decimal]] = {}
        for day, amount, vat in self._reg.conn.execute("SELECT spent_on, amount, vat FROM costs"):
            year = financial_year_of(_day(day))
            totals.setdefault(year, [Decimal(0), Decimal(0)])[0] += Decimal(amount) + Decimal(vat)
        for day, gross in self._reg.conn.execute("SELECT received_on, gross FROM returns"):
            year = financial_year_of(_day(day))
            totals.setdefault(year, [Decimal(0), Decimal(0)])[1] += Decimal(gross)
        return {year: (v[0], v[1]) for year, v in sorted(totals.items())}

    def training_in(self, start: dt.date, end: dt.date) -> tuple[int, int]:
        """Training sessions held in ``start``..``end`` and their attendees."""
        sessions, attendees = self._reg.conn.execute(
            "SELECT count(*), coalesce(sum(attendees), 0) FROM training "
            "WHERE held_on BETWEEN ? AND ?",
            (_iso(start), _iso(end)),
        ).fetchone()
        return int(sessions), int(attendees)

    def deadlines(self, today: dt.date, days: int = 90) -> list[Deadline]:
        """Every deadline overdue or due within ``days`` of ``today`` (the upcoming-deadlines
        list); every count of deadlines is the length of this list."""
        return all_deadlines(self._reg, today, days)

    def deadline_counts(self, today: dt.date, days: int = 90, shown: int = 5) -> UpcomingSummary:
        """:meth:`deadlines` counted (every deadline, every overdue one and how late), with
        only its first ``shown`` in order: the same figures without sorting the whole list."""
        return deadline_summary(self._reg, today, days, shown)

    def last_board_paper(self, start: dt.date, end: dt.date) -> BoardPaper | None:
        """The board paper to compare a paper for ``start``..``end`` with: the latest one
        produced for another period that ended no later than ``end`` (so a paper produced
        again for the same period still compares with the one before), or None."""
        row = self._reg.conn.execute(
            "SELECT produced_at, period_start, period_end, figures FROM board_papers "
            "WHERE period_end <= ? AND NOT (period_start = ? AND period_end = ?) "
            "ORDER BY period_end DESC, id DESC LIMIT 1",
            (_iso(end), _iso(start), _iso(end)),
        ).fetchone()
        if row is None:
            return None
        try:
            figures = json.loads(row[3])
        except ValueError:
            figures = {}
        return BoardPaper(
            dt.datetime.fromisoformat(row[0]),
            _day(row[1]),
            _day(row[2]),
            figures if isinstance(figures, dict) else {},
        )
