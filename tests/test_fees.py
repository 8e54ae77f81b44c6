"""Fee schedules: the shipped UK IPO schedule as dated data, and the loader that refuses bad ones.

Every figure must say when it was true and where it came from; figures that could not be
confirmed must carry "check before relying"; amounts are Decimal, never float.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from nhsip_desktop.assets.fees import (
    FeeSchedule,
    FeeScheduleError,
    default_fee_schedule,
    load_fee_schedule,
)
from nhsip_desktop.core.resources import resource_path
from nhsip_desktop.store.errors import RegisterError

SHIPPED = resource_path("fees", "uk-ipo-2026-11.json")
# gov.uk renewal fees before the April 2026 rise (uk-ip-fees.md): year of patent life -> £
PATENT_RENEWALS = {
    5: 70, 6: 90, 7: 110, 8: 130, 9: 150, 10: 170, 11: 190, 12: 220,
    13: 260, 14: 300, 15: 360, 16: 420, 17: 470, 18: 520, 19: 570, 20: 610,
}  # fmt: skip
DESIGN_RENEWALS = {5: 70, 10: 90, 15: 110, 20: 140}


@pytest.fixture(scope="module")
def schedule() -> FeeSchedule:
    return load_fee_schedule(SHIPPED)


@pytest.fixture
def raw() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SHIPPED.read_text(encoding="utf-8"))
    return data


def test_the_shipped_schedule_loads_and_is_the_default(schedule: FeeSchedule) -> None:
    assert (schedule.id, schedule.version, schedule.as_of) == ("uk-ipo", 1, dt.date(2026, 11, 1))
    assert "gov.uk/renew-patent" in schedule.source and "WebTMS" in schedule.source
    assert default_fee_schedule() == schedule


def test_every_fee_has_an_as_of_date_a_source_and_a_decimal_or_no_amount(
    schedule: FeeSchedule,
) -> None:
    for code, fee in schedule.fees.items():
        assert fee.code == code
        assert isinstance(fee.as_of, dt.date), code
        assert fee.as_of_text == f"as of {fee.as_of:%d/%m/%Y}"
        assert fee.source.strip(), code
        assert fee.description.strip(), code
        assert fee.amount is None or isinstance(fee.amount, Decimal), code


def test_the_figures_are_those_of_the_facts(schedule: FeeSchedule) -> None:
    for year, pounds in PATENT_RENEWALS.items():
        fee = schedule.patent_renewal(year)
        assert fee is not None and fee.amount == Decimal(pounds), year
        assert not fee.confirmed  # the April 2026 change was not confirmed
    assert schedule.patent_renewal(4) is None and schedule.patent_renewal(21) is None
    for year, pounds in DESIGN_RENEWALS.items():
        fee = schedule.design_renewal(year)
        assert fee is not None and fee.amount == Decimal(pounds) and not fee.confirmed
    assert schedule.design_renewal(7) is None
    amounts = {code: fee.amount for code, fee in schedule.fees.items()}
    assert amounts["gb_patent_late_surcharge_month"] == Decimal(24)
    assert amounts["gb_patent_application"] == Decimal(75)
    assert amounts["gb_patent_search"] == Decimal(150)
    assert amounts["gb_patent_examination"] == Decimal(100)
    assert amounts["uk_trade_mark_application"] == Decimal(205)
    assert amounts["uk_trade_mark_extra_class"] == Decimal(50)
    assert amounts["uk_design_application"] == Decimal(60)
    pct = schedule.fee("pct_filing")
    assert pct.amount is None and "attorney's quote" in pct.note
    assert "not confirmed" in schedule.fee("gb_patent_search").note
    assert "not confirmed" in schedule.fee("gb_patent_examination").note


def test_unconfirmed_fees_carry_the_caveat(schedule: FeeSchedule) -> None:
    unconfirmed = [f for f in schedule.fees.values() if not f.confirmed]
    assert len(unconfirmed) > 20
    for fee in unconfirmed:
        assert fee.caveat == "check before relying"
    surcharge = schedule.fee("gb_patent_late_surcharge_month")
    assert surcharge.confirmed and surcharge.caveat == ""
    for code in ("gb_patent_application", "uk_trade_mark_application", "pct_filing"):
        assert schedule.fee(code).caveat == "check before relying"


def test_round_trip_is_exact(schedule: FeeSchedule, raw: dict[str, Any]) -> None:
    assert schedule.to_json() == raw
    again = FeeSchedule.from_json(json.loads(json.dumps(schedule.to_json())), "the register")
    assert again == schedule
    assert list(again.fees) == list(schedule.fees)  # order kept too
    edited = schedule.with_amount("gb_patent_renewal_5", Decimal("87.5"))
    assert FeeSchedule.from_json(edited.to_json(), "the register") == edited


def test_with_amount_makes_a_new_version_dated_today(schedule: FeeSchedule) -> None:
    edited = schedule.with_amount("gb_patent_renewal_5", Decimal("87.5"))
    fee = edited.fee("gb_patent_renewal_5")
    assert edited.version == schedule.version + 1
    assert fee.amount == Decimal("87.50") and isinstance(fee.amount, Decimal)
    assert fee.as_of == dt.date.today() and fee.source == "edited by the user"
    assert fee.confirmed and fee.caveat == ""
    assert "£70.00" in fee.note  # records what it replaced
    assert schedule.fee("gb_patent_renewal_5").amount == Decimal(70)  # the original is unchanged
    others = {c: f for c, f in edited.fees.items() if c != "gb_patent_renewal_5"}
    assert others == {c: f for c, f in schedule.fees.items() if c != "gb_patent_renewal_5"}
    twice = edited.with_amount("pct_filing", Decimal(3500), on=dt.date(2027, 1, 4))
    assert twice.version == schedule.version + 2
    assert twice.fee("pct_filing").as_of_text == "as of 04/01/2027"


def test_with_amount_refuses_nonsense(schedule: FeeSchedule) -> None:
    with pytest.raises(FeeScheduleError) as error:
        schedule.with_amount("gb_patent_renewal_99", Decimal(1))
    assert error.value.where == "fees.gb_patent_renewal_99"
    with pytest.raises(FeeScheduleError, match="amount"):
        schedule.with_amount("gb_patent_renewal_5", Decimal(-1))
    with pytest.raises(FeeScheduleError, match="amount"):
        schedule.with_amount("gb_patent_renewal_5", 70.0)  # type: ignore[arg-type]


def test_an_unknown_fee_is_refused_by_name(schedule: FeeSchedule) -> None:
    with pytest.raises(FeeScheduleError) as error:
        schedule.fee("us_patent")
    assert isinstance(error.value, RegisterError)
    assert error.value.where == "fees.us_patent" and "uk-ipo v1" in str(error.value)


def _break(raw: dict[str, Any], path: list[Any], value: Any) -> dict[str, Any]:
    broken = copy.deepcopy(raw)
    target = broken
    for key in path[:-1]:
        target = target[key]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return broken


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "where"),
    [
        (["format"], "nhsip-checklist", "format"),
        (["version"], 0, "version"),
        (["version"], "1", "version"),
        (["as_of"], "1 November 2026", "schedule.as_of"),
        (["title"], _DELETE, "schedule"),
        (["fees"], [], "fees"),
        (["colour"], "blue", "schedule.colour"),
        (["fees", 3, "amount"], 70, "fees[3].amount"),
        (["fees", 3, "amount"], 70.0, "fees[3].amount"),
        (["fees", 3, "amount"], "£70", "fees[3].amount"),
        (["fees", 3, "amount"], "-70", "fees[3].amount"),
        (["fees", 3, "amount"], "70.005", "fees[3].amount"),
        (["fees", 3, "amount"], _DELETE, "fees[3]"),
        (["fees", 3, "source"], "", "fees[3].source"),
        (["fees", 3, "source"], _DELETE, "fees[3]"),
        (["fees", 3, "as_of"], "2026-13-01", "fees[3].as_of"),
        (["fees", 3, "confirmed"], "yes", "fees[3].confirmed"),
        (["fees", 3, "code"], "GB Renewal", "fees[3].code"),
        (["fees", 3, "code"], "gb_patent_application", "fees[3].code"),  # used twice
        (["fees", 3, "ammount"], "70", "fees[3].ammount"),
        (["fees", 3], "gb_patent_renewal_5", "fees[3]"),
    ],
)
def test_a_malformed_schedule_is_refused_naming_file_and_field(
    raw: dict[str, Any], tmp_path: Path, path: list[Any], value: Any, where: str
) -> None:
    file = tmp_path / "broken-fees.json"
    file.write_text(json.dumps(_break(raw, path, value)), encoding="utf-8")
    with pytest.raises(FeeScheduleError) as error:
        load_fee_schedule(file)
    assert error.value.source == "broken-fees.json"
    assert error.value.where == where
    assert "broken-fees.json" in str(error.value) and where in str(error.value)


def test_a_file_that_is_not_json_is_refused(tmp_path: Path) -> None:
    file = tmp_path / "fees.json"
    file.write_text("{not json", encoding="utf-8")
    with pytest.raises(FeeScheduleError, match=r"fees\.json.*not valid JSON"):
        load_fee_schedule(file)
    with pytest.raises(FeeScheduleError, match="could not be read"):
        load_fee_schedule(tmp_path / "missing.json")


def test_the_default_is_the_newest_schedule(raw: dict[str, Any], tmp_path: Path) -> None:
    newer = dict(raw, as_of="2027-05-01")
    (tmp_path / "a-old.json").write_text(json.dumps(raw), encoding="utf-8")
    (tmp_path / "b-new.json").write_text(json.dumps(newer), encoding="utf-8")
    assert default_fee_schedule(tmp_path).as_of == dt.date(2027, 5, 1)
    with pytest.raises(FeeScheduleError, match="no fee schedule"):
        default_fee_schedule(tmp_path / "empty")
