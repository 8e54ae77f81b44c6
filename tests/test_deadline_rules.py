"""Issue 23 item 6: deadlines beyond the UK as versioned data in resources/deadline_rules,
each rule citing its source, with worked dates (month ends, leap years, bank holidays); and
issue 20: a filed UK patent shows its priority deadline and expected first renewal at once."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nhsip_desktop.assets.deadline_rules import (
    RuleError,
    add_months,
    closed_day_note,
    ep_validation_deadline,
    epo_renewals_before_grant,
    ipo_working_day,
    load_rules,
    pct_phase_deadlines,
    restoration_deadline,
    shipped_rules,
)
from nhsip_desktop.assets.renewals import (
    KIND_EPO_RENEWAL,
    KIND_PCT_PHASE,
    KIND_PRIORITY,
    KIND_VALIDATION,
    gb_patent_renewals,
    right_deadlines,
)
from nhsip_desktop.assets.rights import Right, RightStatus, RightType, validate_right
from nhsip_desktop.core.resources import resource_path
from nhsip_desktop.store.register import Register

D = dt.date
RULES = shipped_rules()


def test_every_rule_cites_its_source_and_every_file_is_versioned() -> None:
    files = sorted(resource_path("deadline_rules").glob("*.json"))
    assert {p.name for p in files} >= {
        "uk-ipo-v1.json",
        "pct-v1.json",
        "epo-v1.json",
        "uk-bank-holidays-england-wales-v1.json",
    }
    for path in files:
        raw = json.loads(path.read_text(encoding="utf-8"))
        assert path.name == f"{raw['id']}-v{raw['version']}.json"
    for name, rule in RULES.rules.items():
        assert rule["source"].strip() and rule["text"].strip(), name


def test_a_rule_without_a_source_is_refused(tmp_path: Path) -> None:
    for path in resource_path("deadline_rules").glob("*.json"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    broken = json.loads((tmp_path / "pct-v1.json").read_text(encoding="utf-8"))
    broken["rules"]["national_phase"]["source"] = ""
    (tmp_path / "pct-v1.json").write_text(json.dumps(broken), encoding="utf-8")
    with pytest.raises(RuleError, match=r"pct-v1\.json.*cites its source"):
        load_rules(tmp_path)


def test_a_newer_version_of_a_file_wins(tmp_path: Path) -> None:
    for path in resource_path("deadline_rules").glob("*.json"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    newer = json.loads((tmp_path / "pct-v1.json").read_text(encoding="utf-8"))
    newer["version"] = 2
    newer["rules"]["national_phase"]["months"] = [30, 31, 32]
    (tmp_path / "pct-v2.json").write_text(json.dumps(newer), encoding="utf-8")
    rules = load_rules(tmp_path)
    assert rules.versions["pct"] == 2
    assert [m for m, _, _ in pct_phase_deadlines(D(2026, 1, 15), rules)] == [30, 31, 32]


# -- bank holidays and the IPO's closed days ----------------------------------------------------
@pytest.mark.parametrize(
    ("day", "moved"),
    [
        (D(2026, 12, 25), D(2026, 12, 29)),  # Fri Christmas, Sat, Sun, Mon 28 substitute
        (D(2027, 12, 25), D(2027, 12, 29)),  # Sat; substitutes Mon 27 and Tue 28
        (D(2028, 1, 1), D(2028, 1, 4)),  # Sat; Mon 03/01/2028 is the substitute day
        (D(2026, 8, 31), D(2026, 9, 1)),  # summer bank holiday, a month end
        (D(2026, 4, 3), D(2026, 4, 7)),  # Good Friday, then Easter Monday
        (D(2028, 4, 14), D(2028, 4, 18)),  # Good Friday 2028, leap year
        (D(2026, 5, 31), D(2026, 6, 1)),  # a Sunday month end
        (D(2026, 2, 27), D(2026, 2, 27)),  # an ordinary Friday: unchanged
        (D(2024, 2, 29), D(2024, 2, 29)),  # leap day, a Thursday: unchanged
    ],
)
def test_a_deadline_on_a_closed_day_moves_to_the_next_working_day(
    day: dt.date, moved: dt.date
) -> None:
    assert ipo_working_day(day, RULES) == moved
    note = closed_day_note(day, RULES)
    assert (note == "") is (day == moved)
    if day != moved:
        assert f"{moved:%d/%m/%Y}" in note and "r.110" in note


def test_the_holiday_data_covers_2024_to_2030() -> None:
    assert (RULES.holidays_from, RULES.holidays_until) == (2024, 2030)
    for year in range(2024, 2031):
        days = [d for d in RULES.holidays if d.year == year]
        assert len(days) == 8, year
        assert all(d.weekday() < 5 for d in days), year


def test_a_uk_renewal_due_on_a_bank_holiday_is_shown_the_next_working_day() -> None:
    # Filed 31/08/2022: year 5 due 31/08/2026, the summer bank holiday.
    patent = Right(
        1,
        RightType.PATENT,
        "GB",
        "Sensor",
        filing_date=D(2022, 8, 31),
        grant_date=D(2025, 1, 10),
        status=RightStatus.GRANTED,
    )
    (d,) = [x for x in right_deadlines(patent, D(2026, 7, 1)) if x.source_id.endswith(":5")]
    assert d.due == D(2026, 9, 1)
    assert "due 01/09/2026" in d.text and "Summer bank holiday" in d.text


# -- priority --------------------------------------------------------------------------------
def test_a_uk_filing_shows_its_priority_deadline() -> None:
    filed = Right(2, RightType.PATENT, "GB", "Sensor", filing_date=D(2026, 3, 2))
    filed.status = RightStatus.FILED
    (p,) = [d for d in right_deadlines(filed, D(2026, 3, 3)) if d.kind == KIND_PRIORITY]
    assert p.due == D(2027, 3, 2) and "by 02/03/2027" in p.text and "Paris Convention" in p.text


# -- PCT -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("priority", "at30", "at31"),
    [
        (D(2026, 1, 15), D(2028, 7, 15), D(2028, 8, 15)),
        (D(2025, 8, 31), D(2028, 2, 29), D(2028, 3, 31)),  # leap year month end
        (D(2026, 7, 31), D(2029, 1, 31), D(2029, 2, 28)),  # not a leap year
        (D(2024, 2, 29), D(2026, 8, 29), D(2026, 9, 29)),
    ],
)
def test_pct_phase_at_30_and_31_months(priority: dt.date, at30: dt.date, at31: dt.date) -> None:
    phases = pct_phase_deadlines(priority, RULES)
    assert [(m, d) for m, d, _ in phases] == [(30, at30), (31, at31)]
    offices = {m: {o.code for o in found} for m, _, found in phases}
    assert {"US", "JP", "CN"} <= offices[30] and {"EP", "GB"} <= offices[31]


def test_a_pct_filing_shows_its_30_and_31_month_dates() -> None:
    pct = Right(
        3,
        RightType.PATENT,
        "PCT",
        "Sensor (PCT)",
        filing_date=D(2026, 3, 2),
        priority_date=D(2025, 8, 31),
        status=RightStatus.FILED,
    )
    found = [d for d in right_deadlines(pct, D(2026, 4, 1)) if d.kind == KIND_PCT_PHASE]
    assert [(d.due, d.source_id) for d in found] == [
        (D(2028, 2, 29), "right:3:pct:30"),
        (D(2028, 3, 31), "right:3:pct:31"),
    ]
    assert (
        "European Patent Office" in found[1].text and "Patent Cooperation Treaty" in found[0].text
    )


# -- European patents ----------------------------------------------------------------------------
def test_epo_renewals_before_grant_from_the_third_year() -> None:
    fees = epo_renewals_before_grant(D(2024, 2, 29), RULES)
    assert [(f.year, f.due) for f in fees[:3]] == [
        (3, D(2026, 2, 28)),  # 2nd anniversary 28/02/2026, end of that month
        (4, D(2027, 2, 28)),
        (5, D(2028, 2, 29)),  # a leap year: the month ends on the 29th
    ]
    assert fees[0].window_opens == D(2025, 11, 28) and fees[0].late_until == D(2026, 8, 31)
    assert fees[0].surcharge_percent == 50
    # Nothing falls due to the EPO after the mention of grant.
    granted = epo_renewals_before_grant(D(2024, 2, 29), RULES, grant_date=D(2027, 6, 1))
    assert [f.year for f in granted] == [3, 4]


def test_an_ep_application_shows_its_next_epo_renewal() -> None:
    ep = Right(
        4,
        RightType.PATENT,
        "EP",
        "Sensor (EP)",
        filing_date=D(2024, 1, 10),
        status=RightStatus.PUBLISHED,
    )
    (fee,) = [d for d in right_deadlines(ep, D(2025, 12, 1)) if d.kind == KIND_EPO_RENEWAL]
    assert fee.due == D(2026, 1, 31) and "year 3" in fee.text and "r.51" in fee.text
    ep.renewals_paid = {3: D(2025, 12, 20)}
    assert validate_right(ep, D(2025, 12, 21)) == []  # EPO years are paid before grant
    (fee,) = [d for d in right_deadlines(ep, D(2025, 12, 21)) if d.kind == KIND_EPO_RENEWAL]
    assert fee.due == D(2027, 1, 31) and "year 4" in fee.text
    # Late: within 6 months, with the surcharge.
    (fee,) = [d for d in right_deadlines(ep, D(2027, 3, 1)) if d.kind == KIND_EPO_RENEWAL]
    assert "pay by 31/07/2027 with a 50% surcharge" in fee.text and fee.urgent


def test_a_granted_ep_patent_shows_its_validation_date() -> None:
    assert ep_validation_deadline(D(2026, 11, 30), RULES) == D(2027, 2, 28)
    assert ep_validation_deadline(D(2027, 11, 29), RULES) == D(2028, 2, 29)
    ep = Right(
        5,
        RightType.PATENT,
        "EP",
        "Sensor (EP)",
        filing_date=D(2022, 1, 10),
        grant_date=D(2026, 11, 30),
        status=RightStatus.GRANTED,
    )
    (v,) = [d for d in right_deadlines(ep, D(2026, 12, 7)) if d.kind == KIND_VALIDATION]
    assert v.due == D(2027, 2, 28) and "UK needs no translation" in v.text


# -- UK late grant and restoration -------------------------------------------------------------
def test_late_grant_rule_comes_from_the_data() -> None:
    assert RULES.number("patent_late_grant", "grant_after_months") == 45
    # Granted 3 years 9 months and a day after filing: first renewal 3 months after grant.
    (year5, *_) = gb_patent_renewals(D(2020, 2, 29), D(2023, 11, 30))
    assert year5.late_grant and year5.due == D(2024, 2, 29)
    # Granted exactly 3 years 9 months after filing: the ordinary rule.
    (year5, *_) = gb_patent_renewals(D(2020, 2, 29), D(2023, 11, 29))
    assert not year5.late_grant and year5.due == D(2024, 2, 29)


@pytest.mark.parametrize(
    ("kind", "due", "last"),
    [
        ("patent", D(2030, 5, 31), D(2031, 12, 31)),  # 19 months from the due date
        ("patent", D(2026, 7, 31), D(2028, 2, 29)),  # leap year month end
        ("design", D(2028, 2, 29), D(2029, 2, 28)),  # 12 months from expiry
        ("trade_mark", D(2026, 3, 15), D(2027, 3, 15)),  # 6 months late, then 6 to restore
    ],
)
def test_restoration_windows(kind: str, due: dt.date, last: dt.date) -> None:
    assert restoration_deadline(kind, due, RULES) == last


def test_a_missed_uk_renewal_names_its_restoration_window() -> None:
    patent = Right(
        6,
        RightType.PATENT,
        "GB",
        "Sensor",
        filing_date=D(2021, 5, 10),
        grant_date=D(2024, 1, 10),
        status=RightStatus.GRANTED,
    )
    (d,) = [x for x in right_deadlines(patent, D(2025, 12, 1)) if x.kind == "renewal"]
    assert "Restoration may be applied for until 31/12/2026" in d.text and "s.28" in d.text


def test_add_months_clamps_month_ends() -> None:
    assert add_months(D(2025, 1, 31), 1) == D(2025, 2, 28)
    assert add_months(D(2024, 1, 31), 1) == D(2024, 2, 29)
    assert add_months(D(2024, 2, 29), 12) == D(2025, 2, 28)


# -- issue 20: the rights table ------------------------------------------------------------------
@pytest.fixture
def assets(qtbot: Any, register: Register) -> Iterator[Any]:
    from nhsip_desktop.ui.assets_page import AssetsPage
    from nhsip_desktop.ui.session import RegisterSession

    session = RegisterSession()
    session.attach(register)
    page = AssetsPage(session)
    qtbot.addWidget(page)
    page.show()
    yield page
    session.lock()


def test_a_filed_uk_patent_shows_renewal_and_priority_at_once(
    assets: Any, register: Register
) -> None:
    from nhsip_desktop.ui.assets_page import RIGHT_COLUMNS

    today = dt.date.today()
    right = register.rights.save(
        Right(
            None,
            RightType.PATENT,
            "GB",
            "Cannula splint",
            application_number="GB2612345.6",
            filing_date=today,
            status=RightStatus.FILED,
        )
    )
    model = assets.right_model
    model.refresh()
    row = model.row_of(right.id)
    renewal = model.index(row, RIGHT_COLUMNS.index("Next renewal")).data()
    step = model.index(row, RIGHT_COLUMNS.index("Next filing step")).data()
    year5 = gb_patent_renewals(today)[0]
    assert renewal.startswith(f"Year 5 expected {year5.due:%d/%m/%Y}") and "once granted" in renewal
    priority = ipo_working_day(add_months(today, 12), RULES)
    assert step.startswith(f"{priority:%d/%m/%Y}") and "Priority" in step
