"""The protection cost-benefit worksheet (step 6): figures checked against arithmetic done by
hand, the no-development-plan gate, official fees prefilled in the right years, and Decimal
everywhere.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest

from nhsip_desktop.assets.fees import FeeSchedule, default_fee_schedule
from nhsip_desktop.cases.worksheet import (
    OptionPlan,
    OptionResult,
    ProtectionOption,
    Worksheet,
    YearLine,
    evaluate_worksheet,
    official_fee_items,
    prefill_official_fees,
)
from nhsip_desktop.store.errors import ValidationError

D = Decimal
P = ProtectionOption


@pytest.fixture(scope="module")
def schedule() -> FeeSchedule:
    return default_fee_schedule()


def one_option(
    years: list[YearLine],
    probability: str = "1",
    rate: str = "0.035",
    option: ProtectionOption = P.UK_PATENT,
    plan: bool = True,
) -> OptionResult:
    ws = Worksheet(
        [OptionPlan(option, years, probability=D(probability))],
        discount_rate=D(rate),
        horizon=len(years),
        has_development_plan=plan,
    )
    return evaluate_worksheet(ws).results[0]


def assert_all_decimal(result: OptionResult) -> None:
    for name in ("total_cost", "expected_benefit", "npv"):
        assert isinstance(getattr(result, name), Decimal), name
    assert result.bcr is None or isinstance(result.bcr, Decimal)
    assert all(isinstance(v, Decimal) for v in result.cumulative_cost + result.cumulative_benefit)


def test_npv_bcr_and_break_even_worked_by_hand() -> None:
    # Cost £1,000 in year 0; benefit £600 in years 1 and 2; r = 3.5%; probability 1.
    # Year 0 is not discounted. 1.035^2 = 1.071225.
    #   PV(cost)    = 1000
    #   PV(benefit) = 600/1.035 + 600/1.071225 = 579.710145 + 560.106420 = 1139.816565 -> 1139.82
    #   NPV         = 1139.82 - 1000.00 = 139.82
    #   BCR         = 1139.816565 / 1000 = 1.1398 -> 1.14
    #   cumulative benefit: 0.00, 579.71, 1139.82 against cost 1000.00 each year:
    #   benefit first covers cost in year 2 -> break-even year 2.
    result = one_option(
        [YearLine(attorney=D(1000)), YearLine(savings=D(600)), YearLine(licence_income=D(600))]
    )
    assert result.total_cost == D("1000.00")
    assert result.expected_benefit == D("1139.82")
    assert result.npv == D("139.82")
    assert result.bcr == D("1.14")
    assert result.break_even_year == 2
    assert result.cumulative_cost == [D("1000.00")] * 3
    assert result.cumulative_benefit == [D("0.00"), D("579.71"), D("1139.82")]
    assert_all_decimal(result)


def test_probability_scales_the_benefits_only() -> None:
    # The same option with probability 0.5:
    #   PV(benefit) = 0.5 x 1139.816565 = 569.908283 -> 569.91
    #   NPV = 569.91 - 1000.00 = -430.09;  BCR = 0.5699 -> 0.57;  never breaks even.
    result = one_option(
        [YearLine(attorney=D(1000)), YearLine(savings=D(600)), YearLine(savings=D(600))],
        probability="0.5",
    )
    assert result.total_cost == D("1000.00")  # costs are not scaled
    assert result.expected_benefit == D("569.91")
    assert result.npv == D("-430.09")
    assert result.bcr == D("0.57")
    assert result.break_even_year is None
    assert_all_decimal(result)


def test_a_second_worked_example_at_ten_per_cent() -> None:
    # r = 10%. Costs: £500 (year 0, official fees), £100 (year 1, internal).
    # Licence income £400 in years 1 and 2, probability 0.75 -> £300 a year expected.
    #   PV(cost)    = 500 + 100/1.1 = 500 + 90.909091 = 590.909091 -> 590.91
    #   PV(benefit) = 300/1.1 + 300/1.21 = 272.727273 + 247.933884 = 520.661157 -> 520.66
    #   NPV = 520.66 - 590.91 = -70.25;  BCR = 520.661157 / 590.909091 = 0.8811 -> 0.88
    result = one_option(
        [
            YearLine(official_fees=D(500)),
            YearLine(internal=D(100), licence_income=D(400)),
            YearLine(licence_income=D(400)),
        ],
        probability="0.75",
        rate="0.10",
    )
    assert (result.total_cost, result.expected_benefit) == (D("590.91"), D("520.66"))
    assert result.npv == D("-70.25") and result.bcr == D("0.88")
    assert result.cumulative_cost == [D("500.00"), D("590.91"), D("590.91")]
    assert result.cumulative_benefit == [D("0.00"), D("272.73"), D("520.66")]
    assert result.break_even_year is None


def test_rounding_to_the_penny_is_half_up_at_the_end() -> None:
    # A benefit of £0.125 in year 0 (undiscounted): half up gives £0.13 (half even: £0.12).
    alone = one_option([YearLine(savings=D("0.125"))], rate="0")
    assert alone.expected_benefit == D("0.13") and alone.npv == D("0.13")
    assert alone.bcr is None  # no cost at all
    assert alone.break_even_year == 0
    # £0.004 in each of years 0, 1 and 2 at r = 0: summed unrounded, 0.012 -> £0.01
    # (rounding each year first would give £0.00).
    spread = one_option([YearLine(savings=D("0.004")) for _ in range(3)], rate="0")
    assert spread.expected_benefit == D("0.01")
    assert spread.cumulative_benefit == [D("0.00"), D("0.01"), D("0.01")]


def test_years_not_filled_in_count_as_zero_and_nothing_spent_never_breaks_even() -> None:
    ws = Worksheet([OptionPlan(P.KNOW_HOW)], horizon=4, has_development_plan=True)
    result = evaluate_worksheet(ws).results[0]
    assert result.cumulative_cost == [D("0.00")] * 4
    assert result.npv == D("0.00") and result.bcr is None and result.break_even_year is None


def strong_patent_and_know_how(plan: bool) -> Worksheet:
    patent = OptionPlan(
        P.UK_PATENT,
        [YearLine(official_fees=D(225), attorney=D(4000))]
        + [YearLine(licence_income=D(20000)) for _ in range(9)],
        probability=D("0.9"),
        patient_benefit=2,
    )
    know_how = OptionPlan(
        P.KNOW_HOW,
        [YearLine(internal=D(300), savings=D(1000)) for _ in range(10)],
        probability=D("0.9"),
        patient_benefit=2,
    )
    return Worksheet([patent, know_how], has_development_plan=plan)


def test_without_a_development_plan_a_strong_patent_is_not_recommended() -> None:
    outcome = evaluate_worksheet(strong_patent_and_know_how(plan=False))
    patent = outcome.result(P.UK_PATENT)
    assert patent.npv > outcome.result(P.KNOW_HOW).npv and patent.bcr is not None
    assert patent.bcr > D(10)  # strongly positive, and still held back
    assert outcome.recommended is P.KNOW_HOW
    assert outcome.gate is not None
    assert "development plan" in outcome.gate and "Step 6" in outcome.gate
    assert "Keep confidential as know-how is recommended" in outcome.explanation


def test_with_a_development_plan_the_strong_patent_is_recommended() -> None:
    outcome = evaluate_worksheet(strong_patent_and_know_how(plan=True))
    assert outcome.recommended is P.UK_PATENT
    assert outcome.gate is None
    assert outcome.explanation.startswith("UK patent is recommended")


def test_without_a_plan_and_only_registered_options_nothing_is_recommended() -> None:
    ws = strong_patent_and_know_how(plan=False)
    ws.options = ws.options[:1]
    outcome = evaluate_worksheet(ws)
    assert outcome.recommended is None and outcome.gate is not None
    assert "No option can be recommended" in outcome.explanation


def test_with_a_plan_but_no_option_paying_back_the_best_unregistered_is_recommended() -> None:
    losing_patent = OptionPlan(P.UK_PATENT, [YearLine(attorney=D(5000)), YearLine(savings=D(10))])
    open_route = OptionPlan(P.OPEN, [YearLine(internal=D(200)), YearLine(savings=D(100))])
    copyright_only = OptionPlan(P.COPYRIGHT_ONLY, [YearLine(internal=D(500))])
    options = [losing_patent, open_route, copyright_only]
    ws = Worksheet(options, horizon=2, has_development_plan=True)
    outcome = evaluate_worksheet(ws)
    assert outcome.recommended is P.OPEN  # -£151.69 beats -£500.00 and the patent
    assert outcome.gate is None
    assert "not worth its cost" in outcome.explanation


def test_an_option_with_benefits_and_no_costs_can_be_recommended() -> None:
    ws = strong_patent_and_know_how(plan=True)
    ws.options.append(
        OptionPlan(P.OPEN, [YearLine(savings=D(50000)) for _ in range(10)], probability=D(1))
    )
    outcome = evaluate_worksheet(ws)
    assert outcome.result(P.OPEN).bcr is None
    assert outcome.recommended is P.OPEN  # its NPV is the highest


def test_patient_benefit_is_shown_but_never_added_to_money() -> None:
    low, high = strong_patent_and_know_how(plan=True), strong_patent_and_know_how(plan=True)
    high.options[1].patient_benefit = 5
    a, b = evaluate_worksheet(low), evaluate_worksheet(high)
    for x, y in zip(a.results, b.results, strict=True):
        assert dataclasses.replace(x, patient_benefit=0) == dataclasses.replace(
            y, patient_benefit=0
        )
    assert b.result(P.KNOW_HOW).patient_benefit == 5
    assert b.recommended is P.UK_PATENT
    assert "scores higher for patient benefit (5 of 5" in b.explanation


def test_prefill_puts_gb_patent_fees_in_the_right_years(schedule: FeeSchedule) -> None:
    filed = dt.date(2026, 11, 15)
    fees = prefill_official_fees(P.UK_PATENT, schedule, 20, start_year=filed)
    assert len(fees) == 20 and all(isinstance(f, Decimal) for f in fees)
    assert fees[0] == D(75) + D(150)  # application + search
    assert fees[1] == D(100)  # examination
    assert fees[2] == fees[3] == D(0)
    for life_year in range(5, 21):  # renewal for year N of the patent's life in index N - 1
        renewal = schedule.patent_renewal(life_year)
        assert renewal is not None and fees[life_year - 1] == renewal.amount
    assert fees[4] == D(70) and fees[19] == D(610)


def test_prefill_for_a_patent_already_held(schedule: FeeSchedule) -> None:
    # Filed 10 March 2022; reviewed from 1 November 2026. The year-5 renewal was due on
    # 31 March 2026 (already paid: left out); year 6 is due 31 March 2027 (index 0), ...
    fees = prefill_official_fees(
        P.UK_PATENT, schedule, 5, start_year=dt.date(2026, 11, 1), filed=dt.date(2022, 3, 10)
    )
    assert fees == [D(90), D(110), D(130), D(150), D(170)]


def test_prefill_for_designs_trade_marks_and_unregistered_options(schedule: FeeSchedule) -> None:
    start = dt.date(2026, 11, 15)
    design = prefill_official_fees(P.REGISTERED_DESIGN, schedule, 20, start_year=start)
    assert {i: f for i, f in enumerate(design) if f} == {
        0: D(60),
        5: D(70),
        10: D(90),
        15: D(110),
    }
    mark = prefill_official_fees(P.TRADE_MARK, schedule, 11, start_year=start)
    assert mark[0] == D(205) and sum(mark[1:], D(0)) == D(0)
    mark_items = official_fee_items(P.TRADE_MARK, schedule, 11, start_year=start)
    assert [(year, fee.code) for year, fee in mark_items] == [
        (0, "uk_trade_mark_application"),
        (10, "uk_trade_mark_renewal"),  # the 10th anniversary
    ]
    assert mark_items[1][1].amount is None  # no figure known: listed so the UI can ask for it
    items = official_fee_items(P.UK_THEN_PCT, schedule, 2, start_year=start)
    assert (0, schedule.fee("pct_filing")) in items
    for option in (P.KNOW_HOW, P.OPEN, P.COPYRIGHT_ONLY):
        assert prefill_official_fees(option, schedule, 10, start_year=start) == [D(0)] * 10


def test_the_worksheet_round_trips_through_json_with_decimals_as_strings() -> None:
    ws = strong_patent_and_know_how(plan=True)
    ws.fee_schedule_id, ws.fee_schedule_version = "uk-ipo", 2
    ws.options[0].note = "Attorney quote of 3 March"
    raw = json.loads(json.dumps(ws.to_json()))
    assert raw["discount_rate"] == "0.035"
    assert raw["options"][0]["years"][0]["attorney"] == "4000"
    assert raw["options"][0]["probability"] == "0.9"
    again = Worksheet.from_json(raw)
    assert again == ws
    assert isinstance(again.options[0].years[1].licence_income, Decimal)


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (["options", 0, "years", 1, "savings"], 12.5, "options[0].years[1].savings"),
        (["options", 0, "years", 1, "savings"], "-3", "options[0].years[1].savings"),
        (["options", 0, "probability"], "1.5", "options[0].probability"),
        (["options", 0, "patient_benefit"], 6, "options[0].patient_benefit"),
        (["options", 0, "option"], "us_patent", "options[0].option"),
        (["options", 1, "option"], "uk_patent", "options[1].option"),
        (["discount_rate"], 0.035, "discount_rate"),
        (["horizon"], 0, "horizon"),
    ],
)
def test_a_malformed_worksheet_is_refused_naming_the_field(
    path: list[Any], value: Any, field: str
) -> None:
    raw = strong_patent_and_know_how(plan=True).to_json()
    target = raw
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(ValidationError) as error:
        Worksheet.from_json(raw)
    assert error.value.field == field


def test_floats_are_refused_in_code_too() -> None:
    with pytest.raises(ValidationError) as error:
        YearLine(attorney=1000.0)  # type: ignore[arg-type]
    assert error.value.field == "attorney"
    with pytest.raises(ValidationError):
        OptionPlan(P.OPEN, probability=0.5)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        Worksheet(discount_rate=0.035)  # type: ignore[arg-type]
    ws = strong_patent_and_know_how(plan=True)
    ws.options[0].years[0].attorney = 4000.0  # type: ignore[assignment]
    with pytest.raises(ValidationError) as error:
        evaluate_worksheet(ws)
    assert error.value.field == "options[0].years[0].attorney"


def test_every_figure_in_an_evaluation_is_a_decimal() -> None:
    outcome = evaluate_worksheet(strong_patent_and_know_how(plan=True))
    for result in outcome.results:
        assert_all_decimal(result)
        assert isinstance(result.patient_benefit, int)


def test_labels_and_which_options_are_registered() -> None:
    assert {o for o in P if o.registered} == {
        P.UK_PATENT,
        P.UK_THEN_PCT,
        P.REGISTERED_DESIGN,
        P.TRADE_MARK,
    }
    assert P.KNOW_HOW.label == "Keep confidential as know-how"
    assert P.OPEN.label == "Publish or licence openly"
    assert all(o.label for o in P)
