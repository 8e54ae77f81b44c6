"""Rights: labels, validation messages and the JSON round trip."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from nhsip_desktop.assets.rights import Right, RightStatus, RightType, validate_right

D = dt.date
TODAY = D(2026, 3, 10)


def patent(**changes: object) -> Right:
    right = Right(
        id=None,
        right_type=RightType.PATENT,
        jurisdiction="GB",
        title="Cannula fixing clip",
        application_number="GB2007123.4",
        registration_number="GB2580001",
        filing_date=D(2020, 5, 10),
        priority_date=D(2019, 11, 1),
        publication_date=D(2021, 11, 10),
        grant_date=D(2023, 6, 1),
        status=RightStatus.GRANTED,
        owners="The Trust",
        attorney="A. Attorney LLP",
        case_id=4,
        next_review=D(2026, 6, 1),
        renewals_paid={5: D(2024, 5, 20), 6: D(2025, 5, 2)},
        note="First patent.",
    )
    for key, value in changes.items():
        setattr(right, key, value)
    return right


def fields(problems: list[tuple[str, str]]) -> list[str]:
    return [f for f, _m in problems]


def test_labels_registered_and_live() -> None:
    assert RightType.PATENT.label == "Patent"
    assert RightType.UNREGISTERED_DESIGN.label == "Unregistered design right"
    assert {t for t in RightType if t.registered} == {
        RightType.PATENT,
        RightType.REGISTERED_DESIGN,
        RightType.TRADE_MARK,
    }
    assert {s for s in RightStatus if s.live} == {
        RightStatus.FILED,
        RightStatus.PUBLISHED,
        RightStatus.GRANTED,
    }
    assert RightStatus.GRANTED.label == "Granted or registered"
    assert RightStatus.GRANTED.label_for(RightType.PATENT) == "Granted"
    assert RightStatus.GRANTED.label_for(RightType.TRADE_MARK) == "Registered"
    assert RightStatus.LAPSED.label_for(RightType.PATENT) == "Lapsed"
    assert all(t.label for t in RightType) and all(s.label for s in RightStatus)


def test_a_complete_granted_patent_is_valid() -> None:
    assert validate_right(patent(), TODAY) == []


def test_title_required() -> None:
    assert validate_right(patent(title="  "), TODAY) == [("title", "Enter a title for the right.")]


def test_jurisdiction_required_for_registered_rights() -> None:
    assert fields(validate_right(patent(jurisdiction=""), TODAY)) == ["jurisdiction"]
    know_how = Right(None, RightType.KNOW_HOW, "", "Sterilisation method")
    assert validate_right(know_how, TODAY) == []


def test_dates_that_must_be_past() -> None:
    future = D(2026, 3, 11)
    problems = validate_right(
        patent(filing_date=D(2026, 3, 10), publication_date=future, grant_date=future),
        TODAY,
    )
    assert ("publication_date", "The publication date (11/03/2026) cannot be in the future.") in (
        problems
    )
    assert ("grant_date", "The grant date (11/03/2026) cannot be in the future.") in problems
    # Filing today is fine.
    assert "filing_date" not in fields(problems)
    problems = validate_right(patent(filing_date=future, grant_date=None), TODAY)
    assert ("filing_date", "The filing date (11/03/2026) cannot be in the future.") in problems
    # The next review may be in the future.
    assert validate_right(patent(next_review=D(2030, 1, 1)), TODAY) == []


def test_date_order() -> None:
    problems = validate_right(patent(grant_date=D(2020, 5, 9)), TODAY)
    assert problems == [
        (
            "grant_date",
            "The grant date (09/05/2020) cannot be before the filing date (10/05/2020).",
        )
    ]
    problems = validate_right(patent(priority_date=D(2020, 5, 11)), TODAY)
    assert problems == [
        (
            "priority_date",
            "The priority date (11/05/2020) cannot be after the filing date (10/05/2020).",
        )
    ]
    assert validate_right(patent(priority_date=D(2020, 5, 10)), TODAY) == []  # same day
    problems = validate_right(patent(publication_date=D(2020, 1, 1)), TODAY)
    assert fields(problems) == ["publication_date"]


def test_registration_number_and_grant_date_need_a_granted_status() -> None:
    problems = validate_right(
        patent(status=RightStatus.FILED, grant_date=None, renewals_paid={}), TODAY
    )
    assert problems == [
        (
            "registration_number",
            "A registration number needs the status Granted or registered (or Lapsed, Expired "
            "or Sold after grant); this patent is filed.",
        )
    ]
    problems = validate_right(
        patent(status=RightStatus.PUBLISHED, registration_number="", renewals_paid={}), TODAY
    )
    assert fields(problems) == ["grant_date"]
    # A lapsed or sold patent keeps its number and grant date.
    assert validate_right(patent(status=RightStatus.LAPSED), TODAY) == []
    assert validate_right(patent(status=RightStatus.SOLD), TODAY) == []


def test_granted_needs_grant_date_and_live_needs_filing_date() -> None:
    problems = validate_right(patent(grant_date=None), TODAY)
    assert problems == [("grant_date", "Enter the grant date of this patent.")]
    mark = Right(
        None,
        RightType.TRADE_MARK,
        "GB",
        "CALMWARD",
        filing_date=D(2020, 1, 1),
        status=RightStatus.GRANTED,
    )
    assert validate_right(mark, TODAY) == [
        ("grant_date", "Enter the registration date of this trade mark.")
    ]
    filed = Right(None, RightType.PATENT, "GB", "Clip", status=RightStatus.FILED)
    assert validate_right(filed, TODAY) == [
        ("filing_date", "Enter the filing date of this patent: deadlines are worked out from it.")
    ]
    drafting = Right(None, RightType.PATENT, "GB", "Clip")
    assert validate_right(drafting, TODAY) == []


def test_unregistered_rights_have_no_numbers_or_renewals() -> None:
    work = Right(
        None,
        RightType.COPYRIGHT,
        "GB",
        "Triage app source code",
        application_number="X1",
        registration_number="X2",
        renewals_paid={5: D(2025, 1, 1)},
    )
    assert validate_right(work, TODAY) == [
        (
            "application_number",
            "Copyright is not registered in the UK: leave the application number empty.",
        ),
        (
            "registration_number",
            "Copyright is not registered in the UK: leave the registration number empty.",
        ),
        ("renewals_paid", "Copyright is not renewed: remove the renewals."),
    ]


def test_renewal_years_and_dates() -> None:
    problems = validate_right(patent(renewals_paid={4: D(2024, 1, 1), 21: D(2024, 1, 1)}), TODAY)
    assert problems == [
        ("renewals_paid", "Year 4 is not a renewal year of a patent: the years are 5 to 20."),
        ("renewals_paid", "Year 21 is not a renewal year of a patent: the years are 5 to 20."),
    ]
    problems = validate_right(patent(renewals_paid={7: D(2026, 3, 11)}), TODAY)
    assert problems == [
        ("renewals_paid", "The renewal for year 7 cannot be paid on a future date (11/03/2026).")
    ]
    design = Right(
        None,
        RightType.REGISTERED_DESIGN,
        "GB",
        "Splint",
        filing_date=D(2015, 1, 1),
        grant_date=D(2015, 3, 1),
        status=RightStatus.GRANTED,
        renewals_paid={6: D(2020, 1, 1)},
    )
    assert fields(validate_right(design, TODAY)) == ["renewals_paid"]
    design.renewals_paid = {5: D(2020, 1, 1), 10: D(2025, 1, 1)}
    assert validate_right(design, TODAY) == []
    problems = validate_right(
        patent(status=RightStatus.FILED, registration_number="", grant_date=None), TODAY
    )
    assert problems == [
        (
            "renewals_paid",
            "Renewals are paid only once a patent is granted or registered; this patent is filed.",
        )
    ]


def test_json_round_trip() -> None:
    right = patent(id=12)
    data = right.to_json()
    assert data["renewals_paid"] == {"5": "2024-05-20", "6": "2025-05-02"}
    assert data["filing_date"] == "2020-05-10" and data["status"] == "granted"
    assert data["right_type"] == "patent"
    back = Right.from_json(json.loads(json.dumps(data)))
    assert back == right
    assert back.renewals_paid == {5: D(2024, 5, 20), 6: D(2025, 5, 2)}

    sparse = Right(None, RightType.KNOW_HOW, "", "Method")
    assert Right.from_json(json.loads(json.dumps(sparse.to_json()))) == sparse
    # Missing optional fields take their defaults.
    minimal = Right.from_json({"right_type": "trade_mark", "title": "CALMWARD"})
    assert minimal.status is RightStatus.DRAFTING and minimal.renewals_paid == {}


def test_from_json_names_the_bad_field() -> None:
    data = patent().to_json()
    with pytest.raises(ValueError, match="grant_date"):
        Right.from_json({**data, "grant_date": "01/06/2023"})
    with pytest.raises(ValueError, match=r"renewals_paid\.5"):
        Right.from_json({**data, "renewals_paid": {"5": "soon"}})
    with pytest.raises(ValueError, match="case_id"):
        Right.from_json({**data, "case_id": "4"})
    with pytest.raises(ValueError):
        Right.from_json({**data, "status": "pending"})
