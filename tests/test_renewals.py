"""Renewal dates, surcharges, priority deadlines and the deadline list.

Every expected date is worked out by hand in the comment next to it, from the rules in
``nhsip_desktop.assets.renewals`` (gov.uk "Renew a patent", Patents Rules 2007 rr. 37-38, gov.uk
"Renew your registered design", "Renew your trade mark").
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from nhsip_desktop.assets.fees import default_fee_schedule
from nhsip_desktop.assets.renewals import (
    KIND_PCT_PHASE,
    KIND_PRIORITY,
    KIND_RENEWAL,
    KIND_REVIEW,
    Deadline,
    RenewalDue,
    add_months,
    gb_design_renewals,
    gb_patent_renewals,
    gb_trade_mark_renewals,
    last_day_of_month,
    priority_deadline,
    register_deadlines,
    right_deadlines,
    upcoming,
)
from nhsip_desktop.assets.rights import Right, RightStatus, RightType

D = dt.date


def by_year(renewals: list[RenewalDue]) -> dict[int, RenewalDue]:
    return {r.renewal_year: r for r in renewals}


# -- calendar arithmetic ---------------------------------------------------------------------
def test_last_day_of_month() -> None:
    assert last_day_of_month(D(2025, 1, 10)) == D(2025, 1, 31)
    assert last_day_of_month(D(2025, 4, 1)) == D(2025, 4, 30)
    assert last_day_of_month(D(2025, 2, 3)) == D(2025, 2, 28)  # 2025 is not a leap year
    assert last_day_of_month(D(2024, 2, 3)) == D(2024, 2, 29)  # 2024 is
    assert last_day_of_month(D(2100, 2, 1)) == D(2100, 2, 28)  # 2100 is not (century)
    assert last_day_of_month(D(2025, 12, 31)) == D(2025, 12, 31)


def test_add_months_clamps_to_the_month_end() -> None:
    assert add_months(D(2025, 1, 31), 1) == D(2025, 2, 28)
    assert add_months(D(2024, 1, 31), 1) == D(2024, 2, 29)
    assert add_months(D(2025, 3, 31), 1) == D(2025, 4, 30)
    assert add_months(D(2025, 11, 15), 3) == D(2026, 2, 15)  # across the year end
    assert add_months(D(2025, 3, 31), -1) == D(2025, 2, 28)  # backwards
    assert add_months(D(2025, 1, 15), -13) == D(2023, 12, 15)
    assert add_months(D(2024, 2, 29), 12) == D(2025, 2, 28)
    assert add_months(D(2024, 2, 29), 48) == D(2028, 2, 29)
    assert add_months(D(2025, 6, 15), 0) == D(2025, 6, 15)


# -- GB patents: the ordinary schedule -------------------------------------------------------
def test_patent_years_5_to_20_are_16_renewals() -> None:
    renewals = gb_patent_renewals(D(2020, 5, 10))
    assert [r.renewal_year for r in renewals] == list(range(5, 21))
    assert len(renewals) == 16
    assert all(r.right_type is RightType.PATENT and not r.late_grant for r in renewals)
    assert all(r.fee is None for r in renewals)  # no schedule given
    assert all(r.surcharge_per_month == Decimal(24) for r in renewals)


def test_patent_due_dates_window_and_grace() -> None:
    # Filed 10/05/2020 (gov.uk's example: "applied on 10 May, due date 31 May each year").
    year5 = by_year(gb_patent_renewals(D(2020, 5, 10)))[5]
    assert year5.anniversary == D(2024, 5, 10)  # 4th anniversary of filing
    assert year5.due == D(2024, 5, 31)  # last day of May 2024
    # Payable in the three months ending with 31/05/2024: March, April, May.
    assert year5.window_opens == D(2024, 3, 1)
    # No penalty within 1 month after: to the end of June.
    assert year5.no_penalty_until == D(2024, 6, 30)
    # Late up to the end of the 6th month after May: November.
    assert year5.late_until == D(2024, 11, 30)

    year20 = by_year(gb_patent_renewals(D(2020, 5, 10)))[20]
    assert year20.anniversary == D(2039, 5, 10)  # 19th anniversary
    assert year20.due == D(2039, 5, 31)


def test_patent_filed_on_31_january() -> None:
    renewals = by_year(gb_patent_renewals(D(2021, 1, 31)))
    year5 = renewals[5]
    assert year5.anniversary == D(2025, 1, 31)
    assert year5.due == D(2025, 1, 31)
    assert year5.window_opens == D(2024, 11, 1)  # Nov, Dec, Jan
    assert year5.no_penalty_until == D(2025, 2, 28)  # end of February 2025 (not leap)
    assert year5.late_until == D(2025, 7, 31)  # Feb..Jul: end of July
    year8 = renewals[8]
    assert year8.due == D(2028, 1, 31)
    assert year8.no_penalty_until == D(2028, 2, 29)  # 2028 is a leap year


def test_patent_filed_on_29_february() -> None:
    renewals = by_year(gb_patent_renewals(D(2024, 2, 29)))
    # Year 5: 4th anniversary 29/02/2028 (2028 is a leap year).
    assert renewals[5].anniversary == D(2028, 2, 29)
    assert renewals[5].due == D(2028, 2, 29)
    assert renewals[5].window_opens == D(2027, 12, 1)  # Dec, Jan, Feb
    assert renewals[5].no_penalty_until == D(2028, 3, 31)
    assert renewals[5].late_until == D(2028, 8, 31)
    # Year 6: 5th anniversary in 2029, not a leap year: 28/02/2029.
    assert renewals[6].anniversary == D(2029, 2, 28)
    assert renewals[6].due == D(2029, 2, 28)
    # Grace runs in calendar months from the month end: to 31 March, not 28 March.
    assert renewals[6].no_penalty_until == D(2029, 3, 31)
    assert renewals[6].late_until == D(2029, 8, 31)
    # Year 9: 8th anniversary in 2032, a leap year again.
    assert renewals[9].anniversary == D(2032, 2, 29)


def test_patent_surcharge_at_month_boundaries() -> None:
    year5 = by_year(gb_patent_renewals(D(2020, 5, 10)))[5]  # due 31/05/2024
    cases = [
        (D(2024, 3, 1), 0),  # in the window
        (D(2024, 5, 31), 0),  # on the due date
        (D(2024, 6, 1), 0),  # 1st month after: no penalty
        (D(2024, 6, 30), 0),  # last day without penalty
        (D(2024, 7, 1), 24),  # 2nd month after the due month: one extra month
        (D(2024, 7, 31), 24),
        (D(2024, 8, 1), 48),  # 3rd month
        (D(2024, 8, 31), 48),
        (D(2024, 9, 1), 72),  # 4th month
        (D(2024, 10, 1), 96),  # 5th month
        (D(2024, 10, 31), 96),
        (D(2024, 11, 1), 120),  # 6th month
        (D(2024, 11, 30), 120),  # last day of late payment: the most, £120
    ]
    for paid_on, pounds in cases:
        assert year5.surcharge_if_paid_on(paid_on) == Decimal(pounds), paid_on
    with pytest.raises(ValueError, match="30/11/2024"):
        year5.surcharge_if_paid_on(D(2024, 12, 1))


def test_patent_surcharge_for_a_february_due_date() -> None:
    # Due 28/02/2029 (filing 29/02/2024, year 6): months are calendar months after February.
    year6 = by_year(gb_patent_renewals(D(2024, 2, 29)))[6]
    assert year6.surcharge_if_paid_on(D(2029, 3, 28)) == 0
    assert year6.surcharge_if_paid_on(D(2029, 3, 31)) == 0  # whole of March is free
    assert year6.surcharge_if_paid_on(D(2029, 4, 1)) == 24
    assert year6.surcharge_if_paid_on(D(2029, 4, 30)) == 24
    assert year6.surcharge_if_paid_on(D(2029, 5, 1)) == 48
    assert year6.surcharge_if_paid_on(D(2029, 8, 31)) == 120


def test_patent_surcharge_comes_from_the_schedule() -> None:
    schedule = default_fee_schedule()
    year5 = by_year(gb_patent_renewals(D(2020, 5, 10), None, schedule))[5]
    assert year5.surcharge_per_month == schedule.fee("gb_patent_late_surcharge_month").amount
    assert year5.surcharge_if_paid_on(D(2024, 8, 15)) == Decimal("48.00")
    assert year5.fee is not None and year5.fee.code == "gb_patent_renewal_5"
    assert year5.fee.amount == Decimal("70.00")
    assert by_year(gb_patent_renewals(D(2020, 5, 10), None, schedule))[20].fee is not None
    edited = schedule.with_amount("gb_patent_late_surcharge_month", Decimal(30))
    year5 = by_year(gb_patent_renewals(D(2020, 5, 10), None, edited))[5]
    assert year5.surcharge_if_paid_on(D(2024, 8, 15)) == Decimal("60.00")


def test_patent_status_in_words() -> None:
    year5 = by_year(gb_patent_renewals(D(2020, 5, 10)))[5]  # due 31/05/2024
    assert year5.status(D(2024, 2, 29)) == "Not yet payable: window opens 01/03/2024"
    assert year5.status(D(2024, 3, 1)) == "Payable now: due 31/05/2024"
    assert year5.status(D(2024, 5, 31)) == "Payable now: due 31/05/2024"
    assert (
        year5.status(D(2024, 6, 1)) == "Payable now: due 31/05/2024, no surcharge until 30/06/2024"
    )
    assert year5.status(D(2024, 7, 1)) == (
        "Late: surcharge £24 a month, last day 30/11/2024 (£24 if paid today)"
    )
    assert year5.status(D(2024, 11, 30)) == (
        "Late: surcharge £24 a month, last day 30/11/2024 (£120 if paid today)"
    )
    assert year5.status(D(2024, 12, 1)) == "Missed: the patent has lapsed unless restored"
    assert year5.status(D(2024, 12, 1), paid_on=D(2024, 5, 20)) == "Paid on 20/05/2024"


# -- GB patents: late grant ------------------------------------------------------------------
def test_late_grant_4_years_2_months_after_filing() -> None:
    # Filed 15/03/2020; 3 years 9 months later is 15/12/2023. Granted 15/05/2024, later.
    # First renewal date: last day of the 3 months beginning 15/05/2024 = 14/08/2024; due at
    # the end of that month, 31/08/2024, payable from the grant date.
    renewals = by_year(gb_patent_renewals(D(2020, 3, 15), D(2024, 5, 15)))
    year5 = renewals[5]
    assert year5.late_grant
    assert year5.anniversary == D(2024, 3, 15)  # before the grant: moved
    assert year5.due == D(2024, 8, 31)
    assert year5.window_opens == D(2024, 5, 15)
    assert year5.no_penalty_until == D(2024, 9, 30)
    assert year5.late_until == D(2025, 2, 28)  # 6th month after August: February 2025
    # Year 6: anniversary 15/03/2025 is after 14/08/2024, so the ordinary rule.
    year6 = renewals[6]
    assert not year6.late_grant
    assert year6.due == D(2025, 3, 31)
    assert year6.window_opens == D(2025, 1, 1)


def test_late_grant_in_year_6_moves_two_renewals() -> None:
    # Filed 15/03/2020, granted 15/05/2025: first renewal date 14/08/2025. Years 5
    # (15/03/2024) and 6 (15/03/2025) both fall before it: both due 31/08/2025.
    renewals = by_year(gb_patent_renewals(D(2020, 3, 15), D(2025, 5, 15)))
    assert renewals[5].due == renewals[6].due == D(2025, 8, 31)
    assert renewals[5].late_grant and renewals[6].late_grant
    assert renewals[5].window_opens == renewals[6].window_opens == D(2025, 5, 15)
    assert renewals[7].due == D(2026, 3, 31) and not renewals[7].late_grant


def test_late_grant_threshold_and_first_of_month() -> None:
    # Granted exactly 3 years 9 months after filing (15/12/2023): not late; ordinary dates.
    on_time = by_year(gb_patent_renewals(D(2020, 3, 15), D(2023, 12, 15)))[5]
    assert not on_time.late_grant
    assert (on_time.due, on_time.window_opens) == (D(2024, 3, 31), D(2024, 1, 1))
    # One day later: late grant. Renewal date 15/03/2024 (3 months from 16/12/2023 less a
    # day), due 31/03/2024 as before, but payable from the grant date.
    late = by_year(gb_patent_renewals(D(2020, 3, 15), D(2023, 12, 16)))[5]
    assert late.late_grant
    assert (late.due, late.window_opens) == (D(2024, 3, 31), D(2023, 12, 16))
    # Granted on the 1st: the 3 months beginning 01/05/2024 end 31/07/2024 (rule 37(3)),
    # so the renewal is due 31/07/2024, not 31/08/2024.
    first = by_year(gb_patent_renewals(D(2020, 3, 15), D(2024, 5, 1)))[5]
    assert first.due == D(2024, 7, 31)


# -- UK registered designs and trade marks ---------------------------------------------------
def test_design_renewals_on_the_anniversary() -> None:
    renewals = gb_design_renewals(D(2024, 3, 15))
    assert [r.renewal_year for r in renewals] == [5, 10, 15, 20]
    assert [r.due for r in renewals] == [
        D(2029, 3, 15),
        D(2034, 3, 15),
        D(2039, 3, 15),
        D(2044, 3, 15),
    ]
    first = renewals[0]
    assert first.right_type is RightType.REGISTERED_DESIGN
    assert first.window_opens == D(2028, 9, 15)  # 6 months before
    assert first.no_penalty_until == D(2029, 4, 15)  # 1 month after
    assert first.late_until == D(2029, 9, 15)  # 6 months after
    # £24 for each complete month since the renewal date.
    assert first.surcharge_if_paid_on(D(2029, 4, 15)) == 0
    assert first.surcharge_if_paid_on(D(2029, 4, 16)) == 24
    assert first.surcharge_if_paid_on(D(2029, 5, 15)) == 24
    assert first.surcharge_if_paid_on(D(2029, 5, 16)) == 48
    assert first.surcharge_if_paid_on(D(2029, 9, 15)) == 120
    with pytest.raises(ValueError):
        first.surcharge_if_paid_on(D(2029, 9, 16))
    assert first.status(D(2029, 10, 1)) == (
        "Missed: the design registration has lapsed unless restored"
    )


def test_design_renewals_filed_29_february_and_fees() -> None:
    schedule = default_fee_schedule()
    renewals = gb_design_renewals(D(2024, 2, 29), schedule)
    # 2029, 2034, 2039 are not leap years (28/02); 2044 is (29/02).
    assert [r.due for r in renewals] == [
        D(2029, 2, 28),
        D(2034, 2, 28),
        D(2039, 2, 28),
        D(2044, 2, 29),
    ]
    assert renewals[0].no_penalty_until == D(2029, 3, 28)
    assert [r.fee.amount if r.fee else None for r in renewals] == [
        Decimal("70.00"),
        Decimal("90.00"),
        Decimal("110.00"),
        Decimal("140.00"),
    ]


def test_trade_mark_renewals_every_10_years() -> None:
    renewals = gb_trade_mark_renewals(D(2016, 3, 15))
    assert [r.renewal_year for r in renewals[:3]] == [10, 20, 30]
    assert [r.due for r in renewals[:3]] == [D(2026, 3, 15), D(2036, 3, 15), D(2046, 3, 15)]
    first = renewals[0]
    assert first.window_opens == D(2025, 9, 15)
    assert first.no_penalty_until == D(2026, 3, 15)
    assert first.late_until == D(2026, 9, 15)
    assert first.surcharge_if_paid_on(D(2026, 3, 15)) == 0
    assert first.surcharge_if_paid_on(D(2026, 3, 16)) == 50  # one late-renewal fee
    assert first.surcharge_if_paid_on(D(2026, 9, 15)) == 50
    assert first.status(D(2026, 4, 1)).startswith("Late: late-renewal fee £50")
    assert len(gb_trade_mark_renewals(D(2016, 3, 15), periods=2)) == 2


# -- priority --------------------------------------------------------------------------------
def test_priority_deadline_is_12_months_later() -> None:
    assert priority_deadline(D(2025, 6, 15)) == D(2026, 6, 15)
    # Month end: 12 months after 31/01/2025 is 31/01/2026 (not 28 or 29 February).
    assert priority_deadline(D(2025, 1, 31)) == D(2026, 1, 31)
    assert priority_deadline(D(2024, 2, 29)) == D(2025, 2, 28)  # no 29/02/2025
    assert priority_deadline(D(2025, 8, 31), 6) == D(2026, 2, 28)  # designs, trade marks


# -- deadlines -------------------------------------------------------------------------------
def deadline(due: dt.date, reference: str = "IP-1", urgent: bool = False) -> Deadline:
    return Deadline(due, KIND_REVIEW, "text", reference, f"x:{due}:{reference}", urgent)


def test_describe_in_words() -> None:
    today = D(2026, 3, 10)
    assert deadline(D(2026, 3, 5)).describe(today) == "Overdue by 5 days"
    assert deadline(D(2026, 3, 9)).describe(today) == "Overdue by 1 day"
    assert deadline(D(2026, 3, 10)).describe(today) == "Due today"
    assert deadline(D(2026, 3, 11)).describe(today) == "Due in 1 day"
    assert deadline(D(2026, 3, 22)).describe(today) == "Due in 12 days"
    assert deadline(D(2026, 3, 5)).days_left(today) == -5


def test_upcoming_puts_overdue_first_and_cuts_at_90_days() -> None:
    today = D(2026, 3, 10)
    items = [
        deadline(D(2026, 3, 22), "in 12 days"),
        deadline(D(2026, 6, 9), "in 91 days"),  # 10/03 + 91 days = 09/06: left out
        deadline(D(2026, 3, 5), "overdue 5"),
        deadline(D(2026, 6, 8), "in 90 days"),  # 21 + 30 + 31 + 8 = 90 days: kept
        deadline(D(2026, 2, 18), "overdue 20"),
        deadline(D(2026, 3, 10), "today"),
    ]
    result = upcoming(items, today)
    assert [d.reference for d in result] == [
        "overdue 20",
        "overdue 5",
        "today",
        "in 12 days",
        "in 90 days",
    ]
    assert [d.reference for d in upcoming(items, today, days=12)][-1] == "in 12 days"
    # Same date: urgent first.
    same = [deadline(D(2026, 4, 1), "b"), deadline(D(2026, 4, 1), "a", urgent=True)]
    assert [d.reference for d in upcoming(same, today)] == ["a", "b"]


def granted_patent(**changes: object) -> Right:
    right = Right(
        id=7,
        right_type=RightType.PATENT,
        jurisdiction="GB",
        title="Cannula fixing clip",
        application_number="GB2007123.4",
        registration_number="GB2580001",
        filing_date=D(2020, 5, 10),
        grant_date=D(2023, 6, 1),
        status=RightStatus.GRANTED,
    )
    for key, value in changes.items():
        setattr(right, key, value)
    return right


def renewal_deadlines(right: Right, today: dt.date) -> list[Deadline]:
    return [d for d in right_deadlines(right, today) if d.kind == KIND_RENEWAL]


def test_right_deadlines_next_unpaid_renewal() -> None:
    right = granted_patent()
    # 15/04/2024: year 5 due 31/05/2024, 46 days away.
    (first,) = right_deadlines(right, D(2024, 4, 15), reference="NHS-2019-004")
    assert (first.due, first.kind, first.urgent) == (D(2024, 5, 31), KIND_RENEWAL, False)
    assert first.reference == "NHS-2019-004"
    assert first.source_id == "right:7:renewal:5"
    assert "year 5 due 31/05/2024" in first.text
    assert first.describe(D(2024, 4, 15)) == "Due in 46 days"

    # Year 5 paid: next is year 6, due 31/05/2025. On 15/06/2025 it is in the free month.
    right.renewals_paid = {5: D(2024, 5, 20)}
    (grace,) = renewal_deadlines(right, D(2025, 6, 15))
    assert grace.due == D(2025, 6, 30)
    assert "pay by 30/06/2025" in grace.text and grace.urgent

    # 15/08/2025: late (3rd month after May): £48 today, last day 30/11/2025.
    (late,) = renewal_deadlines(right, D(2025, 8, 15))
    # Late: dated by the original due date (so it shows as overdue), the last day in words.
    assert late.due == D(2025, 5, 31) and late.urgent
    assert "30/11/2025" in late.text
    assert "£24 a month" in late.text and "£48 if paid today" in late.text

    # 01/12/2025: missed. Shown once, overdue, and nothing after it.
    (missed,) = renewal_deadlines(right, D(2025, 12, 1))
    assert missed.due == D(2025, 11, 30)
    assert "lapsed unless restored" in missed.text and missed.urgent
    assert missed.describe(D(2025, 12, 1)) == "Overdue by 1 day"

    # All 16 paid: no renewal deadline.
    right.renewals_paid = {year: D(2024, 5, 20) for year in range(5, 21)}
    assert renewal_deadlines(right, D(2030, 1, 1)) == []


def test_right_deadlines_late_grant_shows_both_payable_renewals() -> None:
    right = granted_patent(filing_date=D(2020, 3, 15), grant_date=D(2025, 5, 15))
    result = renewal_deadlines(right, D(2025, 6, 1))
    assert [(d.source_id, d.due) for d in result] == [
        # due 31/08/2025, a Sunday: the IPO takes it on Monday 01/09/2025 (r.110)
        ("right:7:renewal:5", D(2025, 9, 1)),
        ("right:7:renewal:6", D(2025, 9, 1)),
    ]
    assert "late-grant" in result[0].text


def test_right_deadlines_fee_from_schedule() -> None:
    (first,) = right_deadlines(granted_patent(), D(2024, 4, 15), default_fee_schedule())
    assert "fee £70 as of 31/03/2026, check before relying" in first.text


def test_no_renewals_unless_granted_gb_registered() -> None:
    today = D(2024, 4, 15)
    assert renewal_deadlines(granted_patent(status=RightStatus.PUBLISHED), today) == []
    assert renewal_deadlines(granted_patent(jurisdiction="EP"), today) == []
    assert renewal_deadlines(granted_patent(status=RightStatus.LAPSED), today) == []


def test_design_and_trade_mark_renewal_deadlines() -> None:
    design = Right(
        id=3,
        right_type=RightType.REGISTERED_DESIGN,
        jurisdiction="GB",
        title="Splint shape",
        filing_date=D(2021, 3, 15),
        grant_date=D(2021, 6, 1),
        status=RightStatus.GRANTED,
    )
    (d,) = right_deadlines(design, D(2026, 2, 1))
    # due 15/03/2026, a Sunday: moved to Monday 16/03/2026 (the IPO is closed)
    assert d.due == D(2026, 3, 16) and d.source_id == "right:3:renewal:5"
    assert "15/03/2026 is a day the IPO is closed" in d.text
    mark = Right(
        id=4,
        right_type=RightType.TRADE_MARK,
        jurisdiction="UK",
        title="CALMWARD",
        filing_date=D(2016, 3, 15),
        grant_date=D(2016, 8, 1),
        status=RightStatus.GRANTED,
    )
    (m,) = right_deadlines(mark, D(2026, 2, 1))
    assert m.due == D(2026, 3, 16) and m.source_id == "right:4:renewal:10"  # a Sunday
    assert "fee not known" in m.text


def gb_filing(**changes: object) -> Right:
    right = Right(
        id=11,
        right_type=RightType.PATENT,
        jurisdiction="GB",
        title="Wound dressing sensor",
        application_number="GB2509999.9",
        filing_date=D(2025, 6, 15),
        status=RightStatus.FILED,
        case_id=2,
    )
    for key, value in changes.items():
        setattr(right, key, value)
    return right


def test_priority_deadline_for_a_gb_filing() -> None:
    right = gb_filing()
    (p,) = right_deadlines(right, D(2025, 9, 1))
    # 12 months after 15/06/2025.
    assert (p.kind, p.due, p.urgent) == (KIND_PRIORITY, D(2026, 6, 15), False)
    assert p.source_id == "right:11:priority"
    assert "15/06/2026" in p.text
    # Within 30 days: urgent.
    (p,) = right_deadlines(right, D(2026, 5, 20))
    assert p.urgent
    # Passed: still shown, overdue, for 2 months (to 15/08/2026).
    (p,) = right_deadlines(right, D(2026, 7, 1))
    assert p.describe(D(2026, 7, 1)) == "Overdue by 16 days" and "passed" in p.text
    assert right_deadlines(right, D(2026, 8, 16)) == []
    # A GB filing that itself claims priority counts 12 months from that earlier date.
    (p,) = right_deadlines(gb_filing(priority_date=D(2025, 1, 31)), D(2025, 9, 1))
    # 31/01/2026 is a Saturday: in time at the IPO on Monday 02/02/2026
    assert p.due == D(2026, 2, 2) and "by 31/01/2026" in p.text and "02/02/2026" in p.text
    # A withdrawn application still gives priority; a draft does not.
    assert len(right_deadlines(gb_filing(status=RightStatus.WITHDRAWN), D(2025, 9, 1))) == 1
    assert right_deadlines(gb_filing(status=RightStatus.DRAFTING), D(2025, 9, 1)) == []


def test_priority_deadline_gone_once_a_pct_filing_is_recorded() -> None:
    gb = gb_filing()
    pct = Right(
        id=12,
        right_type=RightType.PATENT,
        jurisdiction="PCT",
        title="Wound dressing sensor (PCT)",
        filing_date=D(2026, 6, 1),
        priority_date=D(2025, 6, 15),
        status=RightStatus.FILED,
        case_id=2,
    )
    today = D(2026, 6, 10)
    assert right_deadlines(gb, today, related=[gb, pct]) == []
    # The PCT application gets no priority deadline of its own (only its phase dates).
    assert {d.kind for d in right_deadlines(pct, today)} == {KIND_PCT_PHASE}
    # Same case, filed abroad within the period, priority not entered: also counts.
    pct.priority_date = None
    assert right_deadlines(gb, today, related=[gb, pct]) == []
    # register_deadlines checks every right against the others.
    found = register_deadlines([gb, pct], today, references={2: "NHS-2025-002"})
    assert [d for d in found if d.kind != KIND_PCT_PHASE] == []
    assert [d.reference for d in register_deadlines([gb], today, references={2: "R"})] == ["R"]


def test_design_priority_is_6_months() -> None:
    design = gb_filing(right_type=RightType.REGISTERED_DESIGN, filing_date=D(2025, 8, 31))
    (p,) = right_deadlines(design, D(2025, 9, 1))
    # 6 months after 31/08/2025, clamped: 28/02/2026, a Saturday, so Monday 02/03/2026
    assert p.due == D(2026, 3, 2) and "by 28/02/2026" in p.text


def test_review_deadline() -> None:
    right = gb_filing(filing_date=D(2023, 1, 10), next_review=D(2026, 3, 1))
    (review,) = right_deadlines(right, D(2026, 3, 10))
    assert (review.kind, review.due, review.urgent) == (KIND_REVIEW, D(2026, 3, 1), True)
    assert review.source_id == "right:11:review"
    assert (
        right_deadlines(gb_filing(next_review=None, filing_date=D(2023, 1, 10)), D(2026, 3, 10))
        == []
    )
    withdrawn = gb_filing(
        filing_date=D(2023, 1, 10), next_review=D(2026, 3, 1), status=RightStatus.WITHDRAWN
    )
    assert right_deadlines(withdrawn, D(2026, 3, 10)) == []
    copyright_ = Right(None, RightType.COPYRIGHT, "GB", "Triage app", next_review=D(2026, 4, 1))
    (review,) = right_deadlines(copyright_, D(2026, 3, 10))
    assert review.source_id == "right:new:review" and not review.urgent
    assert review.reference == "Triage app"


def test_a_late_renewal_stays_in_the_upcoming_list_as_overdue() -> None:
    from nhsip_desktop.assets.renewals import right_deadlines, upcoming
    from nhsip_desktop.assets.rights import Right, RightStatus, RightType

    # Filed 15/03/2020, granted 2022: year 5 was due 31/03/2024; on 15/05/2024 it is in its
    # late period (surcharge months), so it must show as overdue, not months ahead.
    right = Right(
        1,
        RightType.PATENT,
        "GB",
        "Splint",
        filing_date=dt.date(2020, 3, 15),
        grant_date=dt.date(2022, 1, 10),
        status=RightStatus.GRANTED,
        registration_number="GB1",
    )
    today = dt.date(2024, 5, 15)
    (deadline,) = [d for d in right_deadlines(right, today) if d.kind == "renewal"]
    assert deadline.due == dt.date(2024, 3, 31) and deadline.urgent
    assert deadline.describe(today).startswith("Overdue by")
    assert deadline in upcoming([deadline], today, 90)
