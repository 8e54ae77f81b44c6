"""Renewal dates, priority deadlines and the deadline list (Qt-free).

Every date here is worked out exactly, from these rules (``docs`` and the report quote them):

GB patents (gov.uk "Renew a patent"; Patents Rules 2007 rules 37 and 38; Patents Act s.25(4))
    The renewal for year 5 falls on the 4th anniversary of the filing date, then one a year up
    to year 20 (16 renewals). The due date is the last day of the month in which the
    anniversary falls. The fee may be paid in the three months ending with the due date: the
    window opens on the 1st of the month two months before the due month (due 31 May: opens
    1 March). No surcharge within one month after the due date (to the end of the next
    month); then up to six months late (to the end of the 6th month after the due month),
    with a surcharge for each month after the first: paid in the 2nd month after the due
    month £24, in the 3rd £48, ..., in the 6th £120 (surcharge per month from the fee
    schedule, ``gb_patent_late_surcharge_month``, else £24). After that the patent has lapsed
    unless it is restored.

    Late grant: a patent granted more than 3 years 9 months after filing (in the three months
    ending with the 4th anniversary, or later). Its first renewal date is the last day of the
    period of three months beginning with the grant date (grant 15/05/2024: 14/08/2024), and
    the first renewal is due on the last day of that date's month (31/08/2024), payable from
    the grant date. Every renewal year whose anniversary falls on or before that first renewal
    date is paid then, each with its own fee (granted 4 years 2 months after filing: year 5
    only; granted 5 years 2 months after: years 5 and 6). Later years follow the usual rule.
    Note: for a grant on the 1st of a month, the rule's three months end on the last day of
    the second month after it (grant 01/05/2024: renewal date 31/07/2024, due 31/07/2024),
    a month earlier than gov.uk's shorthand "3 months after grant, by the end of that month"
    would suggest; the earlier (the rule's) date is used.

UK registered designs (gov.uk "Renew your registered design")
    Renewed every 5 years up to 25 years: renewals at the 5th, 10th, 15th and 20th
    anniversaries of the filing date (which is the registration date). The official page gives
    the renewal date as the anniversary itself, not the end of its month, so the due date is
    the anniversary: the end-of-month convention of patents is NOT applied (that would be up
    to 30 days too late). Payable up to 6 months before; no surcharge within 1 month after;
    late renewal up to 6 months after, £24 for each complete month that has passed (paid
    1 month and 1 day after: £24; the most is £120). Months are counted from the anniversary
    day (due 15/03/2029: no surcharge to 15/04/2029, £24 from 16/04/2029, last day
    15/09/2029).

UK trade marks (gov.uk "Renew your trade mark")
    Registration lasts 10 years from the filing date (the registration date) and is renewed
    every 10 years with no limit. The renewal is due on the 10th, 20th, ... anniversary of
    the filing date (the expiry date), payable in the 6 months before it and up to 6 months
    after it with a single late-renewal fee (£50 on gov.uk before April 2026: check before
    relying), not a monthly surcharge.

Priority (Paris Convention art. 4C)
    12 months from the earliest priority (or filing) date for patents; 6 months for designs
    and trade marks. ``add_months`` clamps to the month end: 12 months after 29/02/2024 is
    28/02/2025; 12 months after 31/01/2025 is 31/01/2026. The date itself is shown; when it
    falls on a day the UK IPO is closed, the text says the filing is in time at the IPO on its
    next working day (see below), and the deadline is dated that day.

UK IPO closed days (Patents Rules 2007 r.110; resources/deadline_rules)
    A UK time limit ending on a Saturday, Sunday or England and Wales bank holiday moves to the
    next working day: a GB renewal due 31/05/2026 (a Sunday) is shown due 01/06/2026.

Beyond the UK (resources/deadline_rules: pct, epo; each rule cites its source)
    PCT national and regional phase at 30 and 31 months from the earliest priority date; EPO
    renewal fees before grant from the 3rd year; EP validation 3 months after grant; the
    restoration window of a lapsed right (UK patents 19 months from the due date).

Leap years: an anniversary of 29 February in a year that is not a leap year is 28 February.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from nhsip_desktop.assets.deadline_rules import (
    DeadlineRules,
    closed_day_note,
    ep_validation_deadline,
    epo_renewals_before_grant,
    ipo_working_day,
    pct_phase_deadlines,
    restoration_deadline,
    shipped_rules,
)
from nhsip_desktop.assets.fees import Fee, FeeSchedule
from nhsip_desktop.assets.rights import Right, RightStatus, RightType

__all__ = [
    "DESIGN_LATE_SURCHARGE_CODE",
    "FILING_STEP_KINDS",
    "KIND_EPO_RENEWAL",
    "KIND_PCT_PHASE",
    "KIND_PRIORITY",
    "KIND_RENEWAL",
    "KIND_REVIEW",
    "KIND_VALIDATION",
    "PATENT_LATE_SURCHARGE_CODE",
    "PRIORITY_SHOWN_AFTER_MONTHS",
    "TRADE_MARK_LATE_FEE_CODE",
    "TRADE_MARK_RENEWAL_CODE",
    "URGENT_DAYS",
    "Deadline",
    "RenewalDue",
    "UpcomingSummary",
    "add_months",
    "expected_renewal_words",
    "gb_design_renewals",
    "gb_patent_renewals",
    "gb_trade_mark_renewals",
    "last_day_of_month",
    "next_filing_step",
    "next_renewal_due",
    "payable_renewals",
    "pending_renewals",
    "priority_deadline",
    "priority_months",
    "register_deadlines",
    "review_due",
    "right_deadlines",
    "summarise_upcoming",
    "upcoming",
]

PATENT_LATE_SURCHARGE_CODE = "gb_patent_late_surcharge_month"
DESIGN_LATE_SURCHARGE_CODE = "uk_design_late_surcharge_month"  # not in the 2026-11 schedule
TRADE_MARK_RENEWAL_CODE = "uk_trade_mark_renewal"
TRADE_MARK_LATE_FEE_CODE = "uk_trade_mark_late_renewal"  # not in the 2026-11 schedule

# Fall-backs when a schedule has no figure: gov.uk "Renew a patent" and "Renew your
# registered design" (£24 a month); "Renew your trade mark" (£50 once, before April 2026).
DEFAULT_PATENT_SURCHARGE = Decimal("24")
DEFAULT_DESIGN_SURCHARGE = Decimal("24")
DEFAULT_TRADE_MARK_LATE_FEE = Decimal("50")

KIND_RENEWAL = "renewal"
KIND_PRIORITY = "priority"
KIND_REVIEW = "review"
KIND_PCT_PHASE = "pct_phase"  # national or regional phase of a PCT application
KIND_EPO_RENEWAL = "epo_renewal"  # EPO renewal fee before grant
KIND_VALIDATION = "validation"  # validation of a granted European patent
# The deadlines that are a filing step (not a fee or a review): the rights table's column.
FILING_STEP_KINDS = frozenset({KIND_PRIORITY, KIND_PCT_PHASE, KIND_VALIDATION})

URGENT_DAYS = 30  # a renewal or priority deadline this close (or nearer, or passed) is urgent
PRIORITY_SHOWN_AFTER_MONTHS = 2  # a passed priority deadline stays on the list this long

ZERO = Decimal(0)


# -- calendar arithmetic ---------------------------------------------------------------------
_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _days_in_month(year: int, month: int) -> int:
    """``calendar.monthrange(year, month)[1]`` without working out the weekday (the deadline
    list calls this a million times on a large register)."""
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        return 29
    return _MONTH_DAYS[month - 1]


def last_day_of_month(d: dt.date) -> dt.date:
    return dt.date(d.year, d.month, _days_in_month(d.year, d.month))


def add_months(d: dt.date, n: int) -> dt.date:
    """``d`` moved by ``n`` months (negative goes back), the day clamped to the month's end:
    31/01/2025 + 1 month = 28/02/2025; 29/02/2024 + 12 months = 28/02/2025."""
    index = d.month - 1 + n
    year, month = d.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(d.day, _days_in_month(year, month)))


def _uk(d: dt.date) -> str:
    return d.strftime("%d/%m/%Y")


def _pounds(value: Decimal) -> str:
    """£24, £1,234, £24.50: whole pounds without pence."""
    if value == value.to_integral_value():
        return f"£{int(value):,}"
    return f"£{value.quantize(Decimal('0.01')):,}"


def _amount(schedule: FeeSchedule | None, code: str, default: Decimal) -> Decimal:
    fee = schedule.fees.get(code) if schedule is not None else None
    return fee.amount if fee is not None and fee.amount is not None else default


# -- renewals --------------------------------------------------------------------------------
@dataclass(frozen=True)
class RenewalDue:
    """One renewal of one right.

    ``anniversary`` is the anniversary of filing the renewal is for; ``due`` the date it must
    be paid by without surcharge in the ordinary way; ``window_opens`` the first day it can be
    paid; ``no_penalty_until`` the last day without surcharge; ``late_until`` the last day it
    can be paid at all (with surcharge). ``late_fee`` is a single extra fee for any late
    payment (trade marks), added to the monthly surcharge. ``late_grant`` marks a patent
    renewal moved by the late-grant rule.
    """

    renewal_year: int
    anniversary: dt.date
    due: dt.date
    window_opens: dt.date
    no_penalty_until: dt.date
    late_until: dt.date
    fee: Fee | None
    surcharge_per_month: Decimal
    right_type: RightType = RightType.PATENT
    late_fee: Decimal = ZERO
    late_grant: bool = False

    def _month_boundary(self, k: int) -> dt.date:
        """The end of the k-th month after the due date: calendar months for a patent (its
        due date is a month end), else the same day k months later."""
        moved = add_months(self.due, k)
        return last_day_of_month(moved) if self.right_type is RightType.PATENT else moved

    def surcharge_if_paid_on(self, d: dt.date) -> Decimal:
        """The late-payment surcharge (not the renewal fee) if paid on ``d``.

        £0 up to and including ``no_penalty_until`` (also before the window opens, when the
        office would not yet accept the fee). After it, ``late_fee`` plus
        ``surcharge_per_month`` for each complete month after the due date that ended before
        ``d``: a patent due 31/05/2030 paid 01/07/2030 to 31/07/2030: £24; 01/08/2030 to
        31/08/2030: £48; ... 01/11/2030 to 30/11/2030 (``late_until``): £120.

        Raises ``ValueError`` after ``late_until``: the fee can no longer be paid late (the
        right has lapsed; restoration is a different procedure with its own fees).
        """
        if d <= self.no_penalty_until:
            return ZERO
        if d > self.late_until:
            raise ValueError(
                f"{_uk(d)} is after the last day for late payment ({_uk(self.late_until)}): "
                "the renewal can no longer be paid late; the right has lapsed unless restored."
            )
        months = 0
        while self._month_boundary(months + 1) < d:
            months += 1
        return self.late_fee + self.surcharge_per_month * months

    @property
    def lapsed_words(self) -> str:
        """What a missed renewal means for this kind of right."""
        if self.right_type is RightType.PATENT:
            return "the patent has lapsed unless restored"
        if self.right_type is RightType.REGISTERED_DESIGN:
            return "the design registration has lapsed unless restored"
        return "the trade mark has been removed from the register unless restored"

    def status(self, today: dt.date, paid_on: dt.date | None = None) -> str:
        """Where this renewal stands, in words."""
        if paid_on is not None:
            return f"Paid on {_uk(paid_on)}"
        if today < self.window_opens:
            return f"Not yet payable: window opens {_uk(self.window_opens)}"
        if today <= self.due:
            return f"Payable now: due {_uk(self.due)}"
        if today <= self.no_penalty_until:
            return (
                f"Payable now: due {_uk(self.due)}, no surcharge until {_uk(self.no_penalty_until)}"
            )
        if today <= self.late_until:
            now = _pounds(self.surcharge_if_paid_on(today))
            if self.surcharge_per_month:
                return (
                    f"Late: surcharge {_pounds(self.surcharge_per_month)} a month, last day "
                    f"{_uk(self.late_until)} ({now} if paid today)"
                )
            return (
                f"Late: late-renewal fee {now} (check before relying), last day "
                f"{_uk(self.late_until)}"
            )
        return f"Missed: {self.lapsed_words}"


def gb_patent_renewals(
    filing_date: dt.date,
    grant_date: dt.date | None = None,
    schedule: FeeSchedule | None = None,
) -> list[RenewalDue]:
    """The 16 renewals (years 5 to 20) of a GB patent; see the module docstring for the rules.

    ``grant_date`` None: the ordinary schedule (renewals are payable only once granted).
    ``schedule`` None: no fees (``fee`` None) and the £24 monthly surcharge.
    """
    return list(_gb_patent_renewals_from(filing_date, grant_date, schedule, 5))


def _gb_patent_renewals_from(
    filing_date: dt.date,
    grant_date: dt.date | None,
    schedule: FeeSchedule | None,
    first_year: int,
) -> Iterator[RenewalDue]:
    """:func:`gb_patent_renewals` from ``first_year`` on, one at a time, worked out only as
    they are asked for (the deadline list needs just the first unpaid one or two)."""
    surcharge = _amount(schedule, PATENT_LATE_SURCHARGE_CODE, DEFAULT_PATENT_SURCHARGE)
    rules = shipped_rules()  # resources/deadline_rules/uk-ipo-v*.json: patent_late_grant
    after = rules.number("patent_late_grant", "grant_after_months")
    months = rules.number("patent_late_grant", "first_renewal_months_after_grant")
    late_grant = grant_date is not None and grant_date > add_months(filing_date, after)
    first_renewal_date: dt.date | None = None
    if late_grant and grant_date is not None:
        # The last day of the period of three months beginning with the grant date: the day
        # before the corresponding date, or the month end when there is none (grant 30/11/2023:
        # 29/02/2024, not 28/02/2024).
        corresponding = add_months(grant_date, months)
        first_renewal_date = (
            corresponding
            if corresponding.day != grant_date.day
            else corresponding - dt.timedelta(days=1)
        )
    for year in range(max(first_year, 5), 21):
        anniversary = add_months(filing_date, 12 * (year - 1))
        moved = first_renewal_date is not None and anniversary <= first_renewal_date
        if moved and first_renewal_date is not None and grant_date is not None:
            due = last_day_of_month(first_renewal_date)
            opens = grant_date
        else:
            due = last_day_of_month(anniversary)
            opens = add_months(due.replace(day=1), -2)
            if grant_date is not None and grant_date > opens:
                opens = grant_date
        yield RenewalDue(
            renewal_year=year,
            anniversary=anniversary,
            due=due,
            window_opens=opens,
            no_penalty_until=last_day_of_month(add_months(due, 1)),
            late_until=last_day_of_month(add_months(due, 6)),
            fee=schedule.patent_renewal(year) if schedule is not None else None,
            surcharge_per_month=surcharge,
            right_type=RightType.PATENT,
            late_grant=moved,
        )


def gb_design_renewals(
    filing_date: dt.date, schedule: FeeSchedule | None = None
) -> list[RenewalDue]:
    """The 4 renewals (at 5, 10, 15, 20 years) of a UK registered design, due on the
    anniversary of the filing date itself (see the module docstring)."""
    return list(_gb_design_renewals_from(filing_date, schedule, 5))


def _gb_design_renewals_from(
    filing_date: dt.date, schedule: FeeSchedule | None, first_year: int
) -> Iterator[RenewalDue]:
    """:func:`gb_design_renewals` from ``first_year`` on, one at a time."""
    surcharge = _amount(schedule, DESIGN_LATE_SURCHARGE_CODE, DEFAULT_DESIGN_SURCHARGE)
    for year in (5, 10, 15, 20):
        if year < first_year:
            continue
        due = add_months(filing_date, 12 * year)
        yield RenewalDue(
            renewal_year=year,
            anniversary=due,
            due=due,
            window_opens=add_months(due, -6),
            no_penalty_until=add_months(due, 1),
            late_until=add_months(due, 6),
            fee=schedule.design_renewal(year) if schedule is not None else None,
            surcharge_per_month=surcharge,
            right_type=RightType.REGISTERED_DESIGN,
        )


def gb_trade_mark_renewals(
    filing_date: dt.date, schedule: FeeSchedule | None = None, *, periods: int = 10
) -> list[RenewalDue]:
    """The first ``periods`` renewals (at 10, 20, ... years) of a UK trade mark.

    Assumed: due on the anniversary of the filing date (which is the registration date);
    payable from 6 months before; up to 6 months after with a single late-renewal fee.
    """
    return list(_gb_trade_mark_renewals_from(filing_date, schedule, 10, periods))


def _gb_trade_mark_renewals_from(
    filing_date: dt.date, schedule: FeeSchedule | None, first_year: int, periods: int = 10
) -> Iterator[RenewalDue]:
    """:func:`gb_trade_mark_renewals` from ``first_year`` on, one at a time."""
    fee = schedule.fees.get(TRADE_MARK_RENEWAL_CODE) if schedule is not None else None
    late_fee = _amount(schedule, TRADE_MARK_LATE_FEE_CODE, DEFAULT_TRADE_MARK_LATE_FEE)
    for k in range(1, periods + 1):
        if 10 * k < first_year:
            continue
        due = add_months(filing_date, 120 * k)
        yield RenewalDue(
            renewal_year=10 * k,
            anniversary=due,
            due=due,
            window_opens=add_months(due, -6),
            no_penalty_until=due,
            late_until=add_months(due, 6),
            fee=fee,
            surcharge_per_month=ZERO,
            right_type=RightType.TRADE_MARK,
            late_fee=late_fee,
        )


# -- priority --------------------------------------------------------------------------------
def priority_months(right_type: RightType) -> int:
    """The Paris Convention priority period: 12 months for patents, 6 for designs and marks."""
    return 12 if right_type is RightType.PATENT else 6


def priority_deadline(priority_or_filing_date: dt.date, months: int = 12) -> dt.date:
    """The last day to file abroad (or a PCT application) claiming priority:
    12 months later by default (31/01/2025 -> 31/01/2026; 29/02/2024 -> 28/02/2025)."""
    return add_months(priority_or_filing_date, months)


# -- deadlines -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Deadline:
    due: dt.date
    kind: str  # KIND_RENEWAL, KIND_PRIORITY or KIND_REVIEW
    text: str
    reference: str  # the case reference, or the right's title
    source_id: str  # "right:<id>:renewal:<year>", "right:<id>:priority", "right:<id>:review"
    urgent: bool

    def days_left(self, today: dt.date) -> int:
        """Days from ``today`` to ``due``: negative when overdue."""
        return (self.due - today).days

    def describe(self, today: dt.date) -> str:
        """In words, never colour alone: "Overdue by 5 days", "Due today", "Due in 12 days"."""
        days = self.days_left(today)
        if days < 0:
            return f"Overdue by {-days} day{'s' if days != -1 else ''}"
        if days == 0:
            return "Due today"
        return f"Due in {days} day{'s' if days != 1 else ''}"


def _fee_words(fee: Fee | None) -> str:
    if fee is None or fee.amount is None:
        return "fee not known: enter it in the fee schedule"
    words = f"fee {_pounds(fee.amount)} {fee.as_of_text}"
    return f"{words}, {fee.caveat}" if fee.caveat else words


def renewals_for(right: Right, schedule: FeeSchedule | None) -> list[RenewalDue]:
    """GB/UK renewals of a granted (registered) right; none for other rights."""
    return list(_renewals_from(right, schedule, 0))


def _renewals_from(
    right: Right, schedule: FeeSchedule | None, first_year: int
) -> Iterator[RenewalDue]:
    """:func:`renewals_for` from the renewal year ``first_year`` on, worked out one at a time
    as they are asked for."""
    if (
        not right.right_type.registered
        or right.status is not RightStatus.GRANTED
        or right.filing_date is None
        or not right.is_gb
    ):
        return iter(())
    if right.right_type is RightType.PATENT:
        return _gb_patent_renewals_from(right.filing_date, right.grant_date, schedule, first_year)
    if right.right_type is RightType.REGISTERED_DESIGN:
        return _gb_design_renewals_from(right.filing_date, schedule, first_year)
    return _gb_trade_mark_renewals_from(right.filing_date, schedule, first_year)


def _renewal_deadline(
    right: Right, renewal: RenewalDue, today: dt.date, reference: str, source: str
) -> Deadline:
    what = f"{right.right_type.label} renewal for year {renewal.renewal_year}"
    source_id = f"{source}:{KIND_RENEWAL}:{renewal.renewal_year}"
    rules = shipped_rules()
    if today > renewal.late_until:
        kind = {RightType.PATENT: "patent", RightType.REGISTERED_DESIGN: "design"}.get(
            right.right_type, "trade_mark"
        )
        restore = restoration_deadline(kind, renewal.due, rules)
        text = (
            f"{what}: no payment recorded and the last day was {_uk(renewal.late_until)}; "
            f"{renewal.lapsed_words}. Record the payment if it was made. Restoration may be "
            f"applied for until {_uk(restore)} ({rules.source(kind + '_restoration')})."
        )
        return Deadline(renewal.late_until, KIND_RENEWAL, text, reference, source_id, True)
    fee = _fee_words(renewal.fee)
    if today <= renewal.due:
        moved = ipo_working_day(renewal.due, rules)
        text = f"{what} due {_uk(moved)} ({fee})"
        if moved != renewal.due:
            text += f"; {closed_day_note(renewal.due, rules)}"
        if renewal.late_grant:
            text += "; moved by the late-grant rule"
        if today < renewal.window_opens:
            text += f"; payable from {_uk(renewal.window_opens)}"
        due, late = moved, False
    elif today <= renewal.no_penalty_until:
        text = (
            f"{what} was due {_uk(renewal.due)}: pay by {_uk(renewal.no_penalty_until)} "
            f"to avoid a late surcharge ({fee})"
        )
        due, late = renewal.no_penalty_until, False
    else:
        # Dated by the original due date, so a late renewal shows as overdue (and stays in
        # the upcoming list) while the monthly surcharge grows; the text gives the last day.
        text = f"{what} is late (was due {_uk(renewal.due)}). {renewal.status(today)} ({fee})"
        due, late = renewal.due, True
    urgent = late or (due - today).days <= URGENT_DAYS
    return Deadline(due, KIND_RENEWAL, text, reference, source_id, urgent)


def _has_foreign_filing(
    right: Right, base: dt.date, deadline: dt.date, related: Iterable[Right]
) -> bool:
    """A filing outside GB of the same kind that claims this priority date, or that belongs
    to the same case and was filed within the priority period."""
    for other in related:
        if other is right or other.right_type is not right.right_type or other.is_gb:
            continue
        if other.id is not None and other.id == right.id:
            continue
        if other.priority_date is not None and other.priority_date == base:
            return True
        if (
            right.case_id is not None
            and other.case_id == right.case_id
            and other.filing_date is not None
            and base <= other.filing_date <= deadline
        ):
            return True
    return False


# Rights whose life has ended for good: no portfolio review is due. A lapsed right is still
# reviewed when a review date is recorded (it may yet be restored, or its lapse confirmed).
REVIEW_ENDED_STATUSES = frozenset(
    {RightStatus.WITHDRAWN, RightStatus.REFUSED, RightStatus.EXPIRED, RightStatus.SOLD}
)


def review_due(right: Right) -> dt.date | None:
    """The date the right's next portfolio review is due (steps 6 and 8), or None when none
    is recorded or the right has ended (:data:`REVIEW_ENDED_STATUSES`). The one rule the
    deadlines view, the assets page and the board summary use."""
    if right.next_review is None or right.status in REVIEW_ENDED_STATUSES:
        return None
    return right.next_review


def pending_renewals(right: Right, schedule: FeeSchedule | None) -> list[RenewalDue]:
    """The renewals after the latest one recorded as paid (earlier gaps count as paid)."""
    # Every year after the latest paid one is unpaid, so they follow on from it.
    return list(_renewals_from(right, schedule, max(right.renewals_paid, default=0) + 1))


def next_renewal_due(right: Right) -> dt.date | None:
    """The due date of the right's first renewal not recorded as paid (None when it has
    none): no renewal deadline of the right is dated earlier, whatever the day (it is dated
    that due date, the IPO's next working day, or a later last day). The store keeps it on
    the right's row (``rights.renewal_due``) so the deadline list reads only the rights with
    a renewal in its window."""
    first = next(_renewals_from(right, None, max(right.renewals_paid, default=0) + 1), None)
    return first.due if first is not None else None


def payable_renewals(
    right: Right, schedule: FeeSchedule | None, today: dt.date
) -> list[RenewalDue]:
    """The renewals that can be paid as of ``today``: the first pending one (even when late:
    paying it, or restoring the right, is the question), plus any later ones whose payment
    window has opened while the first can still be paid (a late grant can open several at
    once). After the first one's late period has ended nothing later is payable: the right
    has lapsed unless restored. The one rule the deadlines view and the assets page use."""
    # Worked out one at a time and no further than needed: the first pending renewal, then
    # while the window has opened (each year's window opens no earlier than the year
    # before's, so the first not yet open ends the list), never all 16 of a patent.
    pending = _renewals_from(right, schedule, max(right.renewals_paid, default=0) + 1)
    first = next(pending, None)
    if first is None:
        return []
    if today > first.late_until:
        return [first]
    return [first, *itertools.takewhile(lambda r: r.window_opens <= today, pending)]


def right_deadlines(
    right: Right,
    today: dt.date,
    schedule: FeeSchedule | None = None,
    *,
    reference: str | None = None,
    related: Iterable[Right] = (),
    until: dt.date | None = None,
) -> list[Deadline]:
    """The deadlines of one right, as of ``today`` (only those due by ``until`` when given:
    the same as filtering the full list, without writing the words of the rest):

    - renewal: for a granted GB/UK patent, registered design or trade mark, the first renewal
      not recorded as paid after the latest year recorded as paid (earlier gaps are taken as
      paid), plus any later ones already payable (a late grant can make several payable at
      once). The deadline's date is the date that matters today: the due date; in the month
      after it, the last day without surcharge; when late, the last day of late payment. A
      renewal whose late period has ended is shown once, overdue, as "lapsed unless restored",
      and nothing after it. Rights of other jurisdictions (EP, PCT, ...) get no renewal dates.
    - priority: for a GB patent, design or trade mark filing (any status but drafting or
      sold: a withdrawn application still gives priority), the last day to file abroad or a
      PCT application claiming its priority (12 months for patents, 6 for designs and marks,
      from its own priority date if it claims one), unless ``related`` holds such a filing.
      Shown from filing until 2 months after the deadline.
    - review: the next review date, unless the right is withdrawn, refused, expired or sold.

    ``reference`` names the deadlines (the case reference); by default the right's title.
    """
    reference = reference or right.display_title
    source = f"right:{right.id if right.id is not None else 'new'}"
    deadlines: list[Deadline] = []

    for renewal in payable_renewals(right, schedule, today):
        # Not yet due: dated its due date or the IPO's next working day, never earlier.
        if until is not None and today <= renewal.due and renewal.due > until:
            continue
        deadlines.append(_renewal_deadline(right, renewal, today, reference, source))

    if (
        right.right_type.registered
        and right.is_gb
        and right.filing_date is not None
        and right.status not in (RightStatus.DRAFTING, RightStatus.SOLD)
    ):
        base = min(right.filing_date, right.priority_date or right.filing_date)
        months = priority_months(right.right_type)
        deadline = priority_deadline(base, months)
        shown_until = add_months(deadline, PRIORITY_SHOWN_AFTER_MONTHS)
        if (
            today <= shown_until
            # dated the deadline or the IPO's next working day after it, never earlier
            and (until is None or deadline <= until)
            and not _has_foreign_filing(right, base, deadline, related)
        ):
            rules = shipped_rules()
            moved = ipo_working_day(deadline, rules)
            if today <= deadline:
                text = (
                    f"Priority: file abroad or a PCT application by {_uk(deadline)} to claim "
                    f"priority from {_uk(base)} ({months} months; {rules.source('priority')})"
                )
                if moved != deadline:
                    text += (
                        f". {_uk(deadline)} is a day the IPO is closed, so a filing at the IPO "
                        f"(or a PCT application there) is in time on {_uk(moved)}; other "
                        "offices follow their own closed days"
                    )
                    deadline = moved
            else:
                text = (
                    f"Priority deadline passed on {_uk(deadline)} ({months} months from "
                    f"{_uk(base)}) with no foreign or PCT filing recorded: ask the attorney "
                    "now whether priority can still be claimed or restored"
                )
            urgent = (deadline - today).days <= URGENT_DAYS
            deadlines.append(
                Deadline(
                    deadline, KIND_PRIORITY, text, reference, f"{source}:{KIND_PRIORITY}", urgent
                )
            )

    deadlines += _beyond_uk_deadlines(right, today, reference, source, shipped_rules(), until)

    next_review = review_due(right)
    if next_review is not None and (until is None or next_review <= until):
        deadlines.append(
            Deadline(
                next_review,
                KIND_REVIEW,
                f"Review of the {right.right_type.label.lower()} due {_uk(next_review)}",
                reference,
                f"{source}:{KIND_REVIEW}",
                next_review < today,
            )
        )
    if until is not None:  # a priority deadline can move past ``until`` to a working day
        deadlines = [d for d in deadlines if d.due <= until]
    return deadlines


def _jurisdiction(right: Right) -> str:
    return right.jurisdiction.strip().upper()


def _beyond_uk_deadlines(
    right: Right,
    today: dt.date,
    reference: str,
    source: str,
    rules: DeadlineRules,
    until: dt.date | None = None,
) -> list[Deadline]:
    """PCT national and regional phase; EPO renewals before grant; EP validation after grant
    (from ``resources/deadline_rules``; each text names its source)."""
    if right.right_type is not RightType.PATENT or right.filing_date is None:
        return []
    out: list[Deadline] = []
    where = _jurisdiction(right)
    base = min(right.filing_date, right.priority_date or right.filing_date)
    if where in ("PCT", "WO") and right.status in (RightStatus.FILED, RightStatus.PUBLISHED):
        for months, last, offices in pct_phase_deadlines(base, rules):
            if today > add_months(last, PRIORITY_SHOWN_AFTER_MONTHS) or (
                until is not None and last > until
            ):
                continue
            names = ", ".join(o.name for o in offices)
            text = (
                f"PCT national and regional phase: {months} months from the earliest priority "
                f"date {_uk(base)} ends {_uk(last)}"
                + (f" ({names})" if names else "")
                + f"; enter each office wanted by then ({rules.source('pct_national_phase')})"
            )
            urgent = (last - today).days <= URGENT_DAYS
            out.append(
                Deadline(last, KIND_PCT_PHASE, text, reference, f"{source}:pct:{months}", urgent)
            )
    if where == "EP" and right.status in (RightStatus.FILED, RightStatus.PUBLISHED):
        paid = right.renewals_paid
        latest = max(paid, default=0)
        for fee in epo_renewals_before_grant(right.filing_date, rules):
            if fee.year <= latest or fee.year in paid or today > fee.late_until:
                continue
            if until is not None and fee.due > until:
                break  # the next unpaid year is dated after ``until``
            late = today > fee.due
            text = (
                f"EPO renewal fee for year {fee.year} "
                + (
                    f"was due {_uk(fee.due)}: pay by {_uk(fee.late_until)} with a "
                    f"{fee.surcharge_percent}% surcharge"
                    if late
                    else f"due {_uk(fee.due)}, payable from {_uk(fee.window_opens)}"
                )
                + f" ({rules.source('epo_renewal_before_grant')})"
            )
            urgent = late or (fee.due - today).days <= URGENT_DAYS
            out.append(
                Deadline(
                    fee.due, KIND_EPO_RENEWAL, text, reference, f"{source}:epo:{fee.year}", urgent
                )
            )
            break  # the next unpaid year only
    if where == "EP" and right.status is RightStatus.GRANTED and right.grant_date is not None:
        last = ep_validation_deadline(right.grant_date, rules)
        if today <= add_months(last, PRIORITY_SHOWN_AFTER_MONTHS) and (
            until is None or last <= until
        ):
            text = (
                f"Validate the European patent in each country wanted by {_uk(last)} (3 months "
                f"from the mention of grant on {_uk(right.grant_date)}); the UK needs no "
                "translation or filing, and UK renewal fees are then paid to the IPO "
                f"({rules.source('epo_validation')})"
            )
            urgent = (last - today).days <= URGENT_DAYS
            out.append(
                Deadline(last, KIND_VALIDATION, text, reference, f"{source}:validation", urgent)
            )
    return out


def next_filing_step(
    right: Right, today: dt.date, related: Iterable[Right] = ()
) -> Deadline | None:
    """The right's next filing step (priority, PCT phase or EP validation), however far away:
    the rights table shows it at once, where the deadlines view shows only the next 90 days."""
    steps = [
        d
        for d in right_deadlines(right, today, None, related=related)
        if d.kind in FILING_STEP_KINDS
    ]
    return min(steps, key=lambda d: d.due) if steps else None


def expected_renewal_words(right: Right, today: dt.date) -> str:
    """For a right not yet granted, when its first renewal is expected, in words ("" when
    none): a GB patent's year 5 at the end of the 4th anniversary month if granted by then; a
    European application's next EPO renewal fee before grant."""
    if (
        right.filing_date is None
        or not right.status.live
        or right.right_type is not RightType.PATENT
    ):
        return ""
    if right.is_gb and right.status is not RightStatus.GRANTED:
        first = gb_patent_renewals(right.filing_date)[0]
        return (
            f"Year 5 expected {_uk(first.due)}\nonce granted (if granted later than 3 years 9 "
            "months after filing: 3 months after grant)"
        )
    if _jurisdiction(right) == "EP" and right.status is not RightStatus.GRANTED:
        found = [
            d
            for d in _beyond_uk_deadlines(right, today, "", "right", shipped_rules())
            if d.kind == KIND_EPO_RENEWAL
        ]
        if found:
            fee = found[0]
            year = fee.source_id.rsplit(":", 1)[1]
            return f"EPO year {year} due {_uk(fee.due)}\nrenewal fee before grant (EPC r.51)"
    return ""


def register_deadlines(
    rights: Sequence[Right],
    today: dt.date,
    schedule: FeeSchedule | None = None,
    references: Mapping[int, str] | None = None,
) -> list[Deadline]:
    """The deadlines of every right, each checked against the others for foreign filings;
    ``references`` maps a case id to its reference (else the right's title names it)."""
    references = references or {}
    deadlines: list[Deadline] = []
    for right in rights:
        reference = references.get(right.case_id) if right.case_id is not None else None
        deadlines.extend(
            right_deadlines(right, today, schedule, reference=reference, related=rights)
        )
    return deadlines


def _upcoming_order(d: Deadline) -> tuple[dt.date, bool, str, str, str]:
    return (d.due, not d.urgent, d.reference, d.kind, d.text)


def upcoming(deadlines: Iterable[Deadline], today: dt.date, days: int = 90) -> list[Deadline]:
    """Deadlines overdue or due within ``days`` days of ``today`` (inclusive): overdue first,
    most overdue first, then by date; on the same date, urgent first, then by reference."""
    horizon = today + dt.timedelta(days=days)
    chosen = [d for d in deadlines if d.due <= horizon]
    return sorted(chosen, key=_upcoming_order)


@dataclass(frozen=True)
class UpcomingSummary:
    """What a paper states of :func:`upcoming` without listing it all: ``count`` deadlines,
    how many days late each overdue one is (``overdue_by``, most overdue first), the
    ``first`` few in :func:`upcoming`'s order and how many of the rest are overdue."""

    count: int
    overdue_by: list[int]
    first: list[Deadline]
    rest_overdue: int

    @property
    def overdue(self) -> int:
        return len(self.overdue_by)


def summarise_upcoming(
    deadlines: Iterable[Deadline],
    today: dt.date,
    days: int = 90,
    shown: int = 5,
    groups: Iterable[tuple[Sequence[Deadline], Iterable[tuple[dt.date, int]]]] = (),
) -> UpcomingSummary:
    """:func:`upcoming` of ``deadlines`` and ``groups`` counted, with only its first ``shown``
    deadlines picked out (``heapq.nsmallest``, which gives what ``sorted(...)[:shown]``
    gives): every figure is that of the whole list, without sorting tens of thousands of
    deadlines in one call that holds the interpreter lock (a stalled window while a paper is
    written in the background).

    ``groups``: deadlines counted elsewhere (by the store, in SQL), each group as its first
    ``shown`` deadlines in :func:`upcoming`'s order and how many of the group fall due on each
    date; no deadline of a group sorts level with one outside it."""
    horizon = today + dt.timedelta(days=days)
    chosen = [d for d in deadlines if d.due <= horizon]
    count = len(chosen)
    overdue_by = [(today - d.due).days for d in chosen if d.due < today]
    for group_first, dates in groups:
        chosen.extend(d for d in group_first if d.due <= horizon)
        for due, n in dates:
            if due <= horizon:
                count += n
                if due < today:
                    overdue_by.extend([(today - due).days] * n)
    first = heapq.nsmallest(shown, chosen, key=_upcoming_order)
    overdue_by.sort(reverse=True)
    rest_overdue = len(overdue_by) - sum(1 for d in first if d.due < today)
    return UpcomingSummary(count, overdue_by, first, rest_overdue)
