"""Rights, reviews, ledgers, worksheets and versioned reference data in a real register."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from nhsip_desktop.assets.renewals import add_months
from nhsip_desktop.assets.rights import Right, RightStatus, RightType
from nhsip_desktop.cases.disclosure import Contributor, Disclosure
from nhsip_desktop.cases.model import IpKind, Stage
from nhsip_desktop.cases.stages import effective_next_action
from nhsip_desktop.cases.worksheet import OptionPlan, ProtectionOption, Worksheet, YearLine
from nhsip_desktop.finance.ledgers import CostCategory, CostEntry, ReviewOutcome
from nhsip_desktop.finance.revenue import Band, ReturnKind, distribute
from nhsip_desktop.store.deadlines import all_deadlines
from nhsip_desktop.store.errors import ValidationError
from nhsip_desktop.store.register import Register

TODAY = dt.date.today()


@pytest.fixture
def case_id(register: Register) -> int:
    disclosure = Disclosure(
        problem="p",
        contributors=[
            Contributor(name="Aoife", share=Decimal(70)),
            Contributor(name="Sam", share=Decimal(30)),
        ],
    )
    case = register.cases.save_disclosure(
        None, title="Splint", summary="", ip_kinds=[IpKind.INVENTION], disclosure=disclosure
    )
    return register.cases.change_stage(case.id, Stage.SUBMITTED).id


def granted_patent(case_id: int, filed: dt.date) -> Right:
    return Right(
        None,
        RightType.PATENT,
        "GB",
        "Cannula splint",
        application_number="GB2400001.1",
        filing_date=filed,
        grant_date=filed + dt.timedelta(days=700),
        status=RightStatus.GRANTED,
        registration_number="GB2600001",
        case_id=case_id,
    )


def test_a_right_is_saved_audited_and_its_renewal_reaches_the_case(
    register: Register, case_id: int
) -> None:
    # Filed 4 years less 1 month ago: the year-5 renewal falls due within the next 90 days.
    filed = add_months(TODAY, -47)
    right = register.rights.save(granted_patent(case_id, filed))
    assert right.id is not None and right.next_review == TODAY + dt.timedelta(days=365)
    assert next(register.audit.entries()).record_kind == "right"
    case = register.cases.get(case_id)
    assert "renewal" in case.deadline_text.lower() and case.deadline_due is not None
    action = effective_next_action(case, today=TODAY, window_days=30)
    assert action.due is not None and action.due <= case.feedback_due  # type: ignore[operator]
    upcoming = all_deadlines(register, TODAY)
    assert any(d.kind == "renewal" and d.reference == case.reference for d in upcoming)
    assert any(d.kind == "feedback" for d in upcoming)
    # Paying year 5 moves the next renewal a year on, out of the 90-day window.
    register.rights.mark_renewal_paid(right.id, 5, TODAY)
    assert not any(d.kind == "renewal" for d in all_deadlines(register, TODAY))
    assert register.rights.get(right.id).renewals_paid == {5: TODAY}


def test_an_invalid_right_is_refused_with_its_field(register: Register, case_id: int) -> None:
    bad = granted_patent(case_id, TODAY - dt.timedelta(days=100))
    bad.grant_date = bad.filing_date - dt.timedelta(days=1)  # type: ignore[operator]
    with pytest.raises(ValidationError) as info:
        register.rights.save(bad)
    assert any(field == "grant_date" for field, _m in info.value.problems)
    assert register.rights.all() == []


def test_a_review_sets_the_next_review(register: Register, case_id: int) -> None:
    right = register.rights.save(granted_patent(case_id, add_months(TODAY, -30)))
    with pytest.raises(ValidationError):
        register.rights.record_review(
            right.id,
            outcome=ReviewOutcome.KEEP,
            rationale="",
            reviewer="A",  # type: ignore[arg-type]
        )
    review = register.rights.record_review(
        right.id,
        outcome=ReviewOutcome.KEEP,
        rationale="Licensee interested.",  # type: ignore[arg-type]
        reviewer="Alex Morgan",
    )
    assert review.next_review == TODAY + dt.timedelta(days=365)
    assert register.rights.get(right.id).next_review == review.next_review  # type: ignore[arg-type]


def test_costs_ledger(register: Register, case_id: int) -> None:
    with pytest.raises(ValidationError):
        register.costs.add(CostEntry(TODAY, CostCategory.ATTORNEY, Decimal(0), case_id=case_id))
    entry = register.costs.add(
        CostEntry(
            TODAY,
            CostCategory.ATTORNEY,
            Decimal("1200.00"),
            Decimal("240.00"),
            supplier="Patent attorneys (fictional)",
            case_id=case_id,
        )
    )
    assert entry.total == Decimal("1440.00")
    assert register.costs.list(case_id=case_id) == [entry]
    register.costs.remove(entry.id)  # type: ignore[arg-type]
    assert register.costs.list(case_id=case_id) == []


def test_returns_keep_the_policy_version_they_were_recorded_under(
    register: Register, case_id: int
) -> None:
    first = register.returns.add(
        case_id,
        received_on=TODAY,
        gross=Decimal("60000"),
        kind=ReturnKind.LICENCE_FEE,
        deductible=Decimal("5000"),
    )
    policy = register.reference.revenue_policy()
    changed = type(policy)(
        policy.id,
        policy.version + 1,
        policy.effective,
        policy.title,
        policy.basis,
        policy.deductible,
        (Band(None, Decimal(40), Decimal(20), Decimal(40), Decimal(0)),),
    )
    register.reference.save_revenue_policy(changed)
    second = register.returns.add(
        case_id, received_on=TODAY, gross=Decimal("100"), kind=ReturnKind.ROYALTY
    )
    assert register.returns.policy_for(first.id).version == policy.version
    assert register.returns.policy_for(second.id).version == policy.version + 1
    contributors = register.cases.details(case_id).contributors
    (dist,) = distribute(policy, [first], contributors)
    assert sum(dist.parties.values()) == first.net == Decimal("55000")
    assert sum(amount for _k, _n, amount in dist.innovators) == dist.parties["innovators"]


def test_worksheet_saved_with_its_fee_schedule_version(register: Register, case_id: int) -> None:
    schedule = register.reference.fee_schedule()
    sheet = Worksheet(
        options=[OptionPlan(ProtectionOption.UK_PATENT, [YearLine(official_fees=Decimal(75))])],
        fee_schedule_id=schedule.id,
        fee_schedule_version=schedule.version,
    )
    register.worksheets.save(case_id, sheet)
    assert register.worksheets.latest(case_id) == sheet
    corrected = schedule.with_amount(next(iter(schedule.fees)), Decimal("99.00"))
    register.reference.save_fee_schedule(corrected)
    assert register.reference.fee_schedule().version == schedule.version + 1
    old = register.reference.fee_schedule(schedule.id, schedule.version)
    assert old.version == schedule.version


def test_a_policy_change_never_re_shares_recorded_returns(register: Register, case_id: int) -> None:
    first = register.returns.add(
        case_id, received_on=TODAY, gross=Decimal("1000"), kind=ReturnKind.ROYALTY
    )
    before = register.returns.distributions(case_id)
    policy = register.reference.revenue_policy()
    register.reference.save_revenue_policy(
        type(policy)(
            policy.id,
            policy.version + 1,
            policy.effective,
            policy.title,
            policy.basis,
            policy.deductible,
            (Band(None, Decimal(10), Decimal(10), Decimal(80), Decimal(0)),),
        )
    )
    second = register.returns.add(
        case_id, received_on=TODAY, gross=Decimal("1000"), kind=ReturnKind.ROYALTY
    )
    after = register.returns.distributions(case_id)
    assert after[0].return_id == first.id and after[0].parties == before[0].parties
    assert after[1].return_id == second.id
    assert after[1].parties["innovators"] == Decimal("100.00")  # the new version's 10%
