"""The deadline list's short cuts give what the full rules give (issue 24: the board summary at
100,000 cases).

- A right's renewals are worked out from its first unpaid year, and only as far as needed:
  compared with the old way (all 16 renewals of a patent built, then filtered; the code as it
  was, kept below) over thousands of random rights: paid, with gaps, lapsed, late grants,
  designs, trade marks, rights outside GB, no grant or filing date.
- ``right_deadlines(until=...)`` is the full list filtered to ``until``.
- Each right's row keeps its next renewal due date (``rights.renewal_due``), and the deadline
  list reads only the rights in its window by it: on a real register of random rights the
  list is the one every right's rules give, as days pass and renewals are paid.
- The board's counts (``summarise_upcoming``) are those of the whole sorted list.
"""

from __future__ import annotations

import calendar
import datetime as dt
import random
from collections.abc import Callable

import pytest

from nhsip_desktop.assets.deadline_rules import add_months as rules_add_months
from nhsip_desktop.assets.deadline_rules import shipped_rules
from nhsip_desktop.assets.fees import FeeSchedule, default_fee_schedule
from nhsip_desktop.assets.renewals import (
    DEFAULT_DESIGN_SURCHARGE,
    DEFAULT_PATENT_SURCHARGE,
    DEFAULT_TRADE_MARK_LATE_FEE,
    DESIGN_LATE_SURCHARGE_CODE,
    PATENT_LATE_SURCHARGE_CODE,
    TRADE_MARK_LATE_FEE_CODE,
    TRADE_MARK_RENEWAL_CODE,
    Deadline,
    RenewalDue,
    add_months,
    last_day_of_month,
    next_renewal_due,
    payable_renewals,
    pending_renewals,
    renewals_for,
    right_deadlines,
    summarise_upcoming,
    upcoming,
)
from nhsip_desktop.assets.rights import Right, RightStatus, RightType
from nhsip_desktop.core.errors import ValidationError
from nhsip_desktop.store.deadlines import all_deadlines, rights_deadlines
from nhsip_desktop.store.invariants import check_invariants
from nhsip_desktop.store.register import Register

ZERO = DEFAULT_PATENT_SURCHARGE * 0


# -- the old way, as the code was before this change (every renewal built, then filtered) ----
def _old_add_months(d: dt.date, n: int) -> dt.date:
    index = d.month - 1 + n
    year, month = d.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def _old_month_end(d: dt.date) -> dt.date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def _amount(schedule: FeeSchedule | None, code: str, default: object) -> object:
    fee = schedule.fees.get(code) if schedule is not None else None
    return fee.amount if fee is not None and fee.amount is not None else default


def _old_patent(
    filing: dt.date, grant: dt.date | None, schedule: FeeSchedule | None
) -> list[RenewalDue]:
    surcharge = _amount(schedule, PATENT_LATE_SURCHARGE_CODE, DEFAULT_PATENT_SURCHARGE)
    rules = shipped_rules()
    after = rules.number("patent_late_grant", "grant_after_months")
    months = rules.number("patent_late_grant", "first_renewal_months_after_grant")
    late_grant = grant is not None and grant > _old_add_months(filing, after)
    first: dt.date | None = None
    if late_grant and grant is not None:
        corresponding = _old_add_months(grant, months)
        first = (
            corresponding
            if corresponding.day != grant.day
            else corresponding - dt.timedelta(days=1)
        )
    out = []
    for year in range(5, 21):
        anniversary = _old_add_months(filing, 12 * (year - 1))
        moved = first is not None and anniversary <= first
        if moved and first is not None and grant is not None:
            due, opens = _old_month_end(first), grant
        else:
            due = _old_month_end(anniversary)
            opens = _old_add_months(due.replace(day=1), -2)
            if grant is not None and grant > opens:
                opens = grant
        out.append(
            RenewalDue(
                year,
                anniversary,
                due,
                opens,
                _old_month_end(_old_add_months(due, 1)),
                _old_month_end(_old_add_months(due, 6)),
                schedule.patent_renewal(year) if schedule is not None else None,
                surcharge,  # type: ignore[arg-type]
                RightType.PATENT,
                late_grant=moved,
            )
        )
    return out


def _old_design(filing: dt.date, schedule: FeeSchedule | None) -> list[RenewalDue]:
    surcharge = _amount(schedule, DESIGN_LATE_SURCHARGE_CODE, DEFAULT_DESIGN_SURCHARGE)
    out = []
    for year in (5, 10, 15, 20):
        due = _old_add_months(filing, 12 * year)
        out.append(
            RenewalDue(
                year,
                due,
                due,
                _old_add_months(due, -6),
                _old_add_months(due, 1),
                _old_add_months(due, 6),
                schedule.design_renewal(year) if schedule is not None else None,
                surcharge,  # type: ignore[arg-type]
                RightType.REGISTERED_DESIGN,
            )
        )
    return out


def _old_trade_mark(filing: dt.date, schedule: FeeSchedule | None) -> list[RenewalDue]:
    fee = schedule.fees.get(TRADE_MARK_RENEWAL_CODE) if schedule is not None else None
    late_fee = _amount(schedule, TRADE_MARK_LATE_FEE_CODE, DEFAULT_TRADE_MARK_LATE_FEE)
    out = []
    for k in range(1, 11):
        due = _old_add_months(filing, 120 * k)
        out.append(
            RenewalDue(
                10 * k,
                due,
                due,
                _old_add_months(due, -6),
                due,
                _old_add_months(due, 6),
                fee,
                ZERO,
                RightType.TRADE_MARK,
                late_fee=late_fee,  # type: ignore[arg-type]
            )
        )
    return out


def _old_renewals_for(right: Right, schedule: FeeSchedule | None) -> list[RenewalDue]:
    if (
        not right.right_type.registered
        or right.status is not RightStatus.GRANTED
        or right.filing_date is None
        or not right.is_gb
    ):
        return []
    if right.right_type is RightType.PATENT:
        return _old_patent(right.filing_date, right.grant_date, schedule)
    if right.right_type is RightType.REGISTERED_DESIGN:
        return _old_design(right.filing_date, schedule)
    return _old_trade_mark(right.filing_date, schedule)


def _old_pending(right: Right, schedule: FeeSchedule | None) -> list[RenewalDue]:
    latest = max(right.renewals_paid, default=0)
    return [
        r
        for r in _old_renewals_for(right, schedule)
        if r.renewal_year > latest and r.renewal_year not in right.renewals_paid
    ]


def _old_payable(right: Right, schedule: FeeSchedule | None, today: dt.date) -> list[RenewalDue]:
    pending = _old_pending(right, schedule)
    if not pending:
        return []
    first = pending[0]
    if today > first.late_until:
        return [first]
    return [first, *(r for r in pending[1:] if r.window_opens <= today)]


# -- random rights ---------------------------------------------------------------------------
START = dt.date(1998, 1, 1)


def _day(rng: random.Random, start: dt.date, days: int) -> dt.date:
    return start + dt.timedelta(days=rng.randrange(days))


def random_right(rng: random.Random, right_id: int, today: dt.date) -> Right:
    """A right of any kind, status and history, mostly GB: paid years with gaps, late and
    early grants, month ends and 29 February, no grant or no filing date."""
    kind = rng.choice(
        [RightType.PATENT] * 6
        + [RightType.REGISTERED_DESIGN, RightType.TRADE_MARK, RightType.KNOW_HOW]
    )
    where = rng.choice(["GB"] * 6 + ["UK", "EP", "PCT", "US", " gb"])
    status = rng.choice([RightStatus.GRANTED] * 5 + list(RightStatus))
    filing: dt.date | None = _day(rng, START, (today - START).days)
    if rng.random() < 0.1:
        filing = rng.choice([dt.date(2016, 2, 29), dt.date(2019, 1, 31), dt.date(2020, 8, 31)])
    if rng.random() < 0.05:
        filing = None
    grant = None
    if filing is not None and rng.random() < 0.85:
        # up to 7 years after filing: early grants, late grants (after 3 years 9 months)
        grant = min(today, filing + dt.timedelta(days=rng.randrange(1, 7 * 366)))
    priority = None
    if filing is not None and rng.random() < 0.3:
        priority = filing - dt.timedelta(days=rng.randrange(0, 365))
    paid: dict[int, dt.date] = {}
    years = list(range(5, 21)) if kind is RightType.PATENT else [5, 10, 15, 20, 30]
    roll = rng.random()
    if roll < 0.4:  # paid up to some year, in order
        for year in years[: rng.randrange(len(years) + 1)]:
            paid[year] = today
    elif roll < 0.6:  # paid with gaps (earlier gaps count as paid)
        for year in rng.sample(years, rng.randrange(1, 4)):
            paid[year] = today
    return Right(
        id=right_id,
        right_type=kind,
        jurisdiction=where,
        title=f"Right {right_id}",
        filing_date=filing,
        priority_date=priority,
        grant_date=grant,
        status=status,
        case_id=rng.choice([None, 1, 2, 3, right_id % 7 + 1]),
        next_review=rng.choice([None, _day(rng, today - dt.timedelta(days=400), 800)]),
        renewals_paid=paid,
    )


@pytest.mark.parametrize("seed", range(4))
def test_renewals_from_the_first_unpaid_year_match_the_old_way(seed: int) -> None:
    rng = random.Random(seed)
    schedule = default_fee_schedule()
    real_today = dt.date.today()
    kinds: set[str] = set()
    for right_id in range(1, 1001):
        right = random_right(rng, right_id, real_today)
        today = _day(rng, real_today - dt.timedelta(days=3000), 6000)
        for sched in (schedule, None):
            old_pending = _old_pending(right, sched)
            assert renewals_for(right, sched) == _old_renewals_for(right, sched)
            assert pending_renewals(right, sched) == old_pending
            assert payable_renewals(right, sched, today) == _old_payable(right, sched, today)
        due = next_renewal_due(right)
        assert due == (min(r.due for r in old_pending) if old_pending else None)
        if due is not None:
            kinds.add("pending")
            if right.renewals_paid:
                kinds.add("paid")
            if today > old_pending[0].late_until:
                kinds.add("lapsed")
        elif right.status is RightStatus.GRANTED:
            kinds.add("granted, none due" if right.is_gb else "granted outside GB")
        if right.grant_date is None:
            kinds.add("no grant date")
    # the random rights reached every kind of case this test is for
    assert {
        "pending",
        "paid",
        "lapsed",
        "granted outside GB",
        "granted, none due",
        "no grant date",
    } <= kinds


def test_calendar_arithmetic_matches_the_calendar_module() -> None:
    day = dt.date(1999, 12, 1)
    while day < dt.date(2104, 1, 1):
        assert last_day_of_month(day) == _old_month_end(day)
        for n in (-25, -6, -2, 1, 2, 6, 12, 48, 120):
            assert add_months(day, n) == _old_add_months(day, n)
            end = _old_month_end(day)
            assert add_months(end, n) == _old_add_months(end, n)
            assert rules_add_months(day, n) == _old_add_months(day, n)
            assert rules_add_months(end, n) == _old_add_months(end, n)
        day = _old_add_months(day, 1) + dt.timedelta(days=day.day % 3)


@pytest.mark.parametrize("seed", range(3))
def test_deadlines_until_a_day_are_the_full_list_filtered(seed: int) -> None:
    rng = random.Random(100 + seed)
    schedule = default_fee_schedule()
    real_today = dt.date.today()
    rights = [random_right(rng, i, real_today) for i in range(1, 801)]
    for right in rights:
        today = _day(rng, real_today - dt.timedelta(days=2000), 4000)
        until = today + dt.timedelta(days=rng.choice([0, 30, 90, 365]))
        full = right_deadlines(right, today, schedule, related=rights)
        cut = right_deadlines(right, today, schedule, related=rights, until=until)
        assert cut == [d for d in full if d.due <= until]


def _deadline(due: dt.date, ref: str, kind: str = "action", urgent: bool = False) -> Deadline:
    return Deadline(due, kind, f"{kind} {ref}", ref, f"case:{ref}:{kind}", urgent)


def test_summary_counts_are_those_of_the_whole_sorted_list() -> None:
    rng = random.Random(7)
    today = dt.date(2026, 6, 1)
    found = [
        _deadline(
            today + dt.timedelta(days=rng.randrange(-200, 200)),
            f"IP-{rng.randrange(40):03d}",
            rng.choice(["action", "renewal", "review"]),
            rng.random() < 0.3,
        )
        for _ in range(3000)
    ]
    for days, shown in ((90, 5), (30, 0), (0, 12), (365, 3000)):
        listed = upcoming(found, today, days)
        summary = summarise_upcoming(found, today, days, shown)
        assert summary.count == len(listed)
        assert summary.first == listed[:shown]
        overdue = [d for d in listed if d.due < today]
        assert summary.overdue == len(overdue)
        assert summary.overdue_by == [(today - d.due).days for d in overdue]
        assert summary.rest_overdue == sum(1 for d in listed[shown:] if d.due < today)


# -- the register: the row's renewal date, and the rights read by it --------------------------
def _save_random_rights(register: Register, rng: random.Random, n: int) -> list[Right]:
    today = dt.date.today()
    cases = [register.cases.add(f"Case {i}") for i in range(6)]
    saved = []
    for _ in range(n):
        right = random_right(rng, 0, today)
        right.id = None
        right.case_id = rng.choice([None, *(c.id for c in cases)])
        try:
            saved.append(register.rights.save(right))
        except ValidationError:
            continue
    return saved


def _every_rights_deadline(register: Register, today: dt.date, days: int) -> list[Deadline]:
    """The rights' deadlines as the old code found them: every right's rules."""
    references = {c.id: c.reference for c in register.cases.get_many(register.cases.ids())}
    found = rights_deadlines(
        register.rights.all(), today, register.reference.fee_schedule(), references
    )
    return upcoming(found, today, days)


def test_the_register_reads_only_rights_due_and_lists_every_deadline(register: Register) -> None:
    rng = random.Random(11)
    saved = _save_random_rights(register, rng, 300)
    assert len(saved) > 150
    assert check_invariants(register) == []  # each row keeps its next renewal's due date
    real_today = dt.date.today()
    checked = 0
    for offset in (-900, -120, 0, 45, 400, 1500, 4000):
        today = real_today + dt.timedelta(days=offset)
        for days in (0, 30, 90, 365):
            expected = _every_rights_deadline(register, today, days)
            listed = [
                d for d in all_deadlines(register, today, days) if d.source_id[:6] == "right:"
            ]
            assert listed == expected, (offset, days)
            checked += len(expected)
    assert checked > 500
    # paying renewals moves the row's date with the payment, in the same save
    granted = [r for r in saved if next_renewal_due(r) is not None]
    assert granted
    for right in granted[:25]:
        assert right.id is not None
        year = pending_renewals(right, None)[0].renewal_year
        register.rights.mark_renewal_paid(right.id, year, real_today)
    assert check_invariants(register) == []
    for offset in (-120, 0, 400):
        today = real_today + dt.timedelta(days=offset)
        expected = _every_rights_deadline(register, today, 90)
        listed = [d for d in all_deadlines(register, today, 90) if d.source_id[:6] == "right:"]
        assert listed == expected


def test_board_counts_match_the_deadline_list(demo_register: Callable[[int], Register]) -> None:
    register = demo_register(40)  # cases waiting for feedback, agreements, governance
    rng = random.Random(12)
    _save_random_rights(register, rng, 150)
    today = dt.date.today()
    for i in range(30):  # next actions, overdue and coming, several on one day
        case = register.cases.add(
            f"Action case {i}",
            next_action=f"Chase {i}",
            next_action_due=today + dt.timedelta(days=rng.randrange(-60, 120) // 7 * 7),
        )
        if i % 2:  # waiting for feedback, as a submission leaves it (the row's columns only)
            due = today + dt.timedelta(days=rng.randrange(-40, 60) // 5 * 5)
            with register.transaction():
                register.conn.execute(
                    "UPDATE cases SET stage = 'submitted', received_on = ?, feedback_due = ? "
                    "WHERE id = ?",
                    ((due - dt.timedelta(days=30)).isoformat(), due.isoformat(), case.id),
                )
    kinds = set()
    for days in (0, 30, 90, 365):
        listed = register.facts.deadlines(today, days)
        kinds |= {d.kind for d in listed}
        for shown in (0, 1, 5, 40, 1000):
            counts = register.facts.deadline_counts(today, days, shown)
            assert counts.count == len(listed)
            assert counts.first == listed[:shown]
            assert counts.overdue_by == [(today - d.due).days for d in listed if d.due < today]
            assert counts.rest_overdue == sum(1 for d in listed[shown:] if d.due < today)
    assert {"feedback", "action", "renewal"} <= kinds, sorted(kinds)
