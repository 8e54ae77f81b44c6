"""The small shared helpers in ``core/`` that several domain modules now use: the labelled
enum, reading a number a person typed, and reading a file a person chose."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from nhsip_desktop.agreements.model import AgreementKind, LicenceType
from nhsip_desktop.assets.rights import RightStatus, RightType
from nhsip_desktop.cases.disclosure import RELATIONSHIP_LABELS, Relationship, parse_share
from nhsip_desktop.cases.model import IP_KIND_LABELS, STAGE_LABELS, IpKind, Stage
from nhsip_desktop.core.errors import RegisterError
from nhsip_desktop.core.labelled import LabelledEnum, labels
from nhsip_desktop.core.money import parse_money, parse_number
from nhsip_desktop.core.user_files import read_user_file
from nhsip_desktop.governance.model import TtcModel
from nhsip_desktop.interchange.form_reader import FormError, read_form


def test_a_labelled_enum_is_a_string_enum_with_its_label() -> None:
    assert Stage.IN_TRIAGE == "in_triage"
    assert str(Stage.IN_TRIAGE) == "in_triage"
    assert f"{Stage.IN_TRIAGE}" == "in_triage"
    assert Stage("in_triage") is Stage.IN_TRIAGE
    assert Stage["IN_TRIAGE"] is Stage.IN_TRIAGE
    assert Stage.IN_TRIAGE.label == "In triage"
    assert RightStatus.GRANTED.label == "Granted or registered"
    assert RightStatus.GRANTED.label_for(RightType.TRADE_MARK) == "Registered"
    assert TtcModel.REGIONAL.short == "a regional TTC"
    assert AgreementKind.HAND_BACK.transfers_ownership
    assert LicenceType.EXCLUSIVE.label.startswith("Exclusive: only the licensee")
    with pytest.raises(ValueError):
        Stage("In triage")  # a label is not a value


def test_the_published_label_maps_follow_the_members() -> None:
    assert list(STAGE_LABELS) == list(Stage)
    assert STAGE_LABELS[Stage.DECISION_MADE] == "Decision made"
    assert IP_KIND_LABELS[IpKind.COPYRIGHT] == "Software or other copyright work"
    assert {r: r.label for r in Relationship} == RELATIONSHIP_LABELS
    assert labels(RightType)[RightType.KNOW_HOW] == "Know-how"


def test_a_member_without_a_label_is_refused() -> None:
    with pytest.raises(TypeError, match="needs a label"):

        class Broken(LabelledEnum):
            ONE = "one"


@pytest.mark.parametrize(
    ("typed", "number", "money", "share"),
    [
        ("", "0", "0", "0"),
        ("  ", "0", "0", "0"),
        ("12", "12", "12.00", "12"),
        ("1.50", "1.50", "1.50", "1.50"),
        ("1.505", "1.505", None, "1.505"),
        ("£1,234.50", None, "1234.50", None),
        ("50%", None, None, "50"),
        ("inf", None, None, None),
        ("NaN", None, None, None),
        ("abc", None, None, None),
    ],
)
def test_a_typed_number_is_read_one_way(
    typed: str, number: str | None, money: str | None, share: str | None
) -> None:
    def text(value: Decimal | None) -> str | None:
        return None if value is None else str(value)

    assert text(parse_number(typed)) == number
    assert text(parse_money(typed)) == money
    assert text(parse_share(typed)) == share


def test_a_chosen_file_that_cannot_be_read_gets_plain_words(tmp_path: Path) -> None:
    def read(path: Path) -> bytes:
        return read_user_file(
            path, "a spreadsheet", RegisterError, 10_000, lambda size: RegisterError(f"{size} big")
        )

    with pytest.raises(RegisterError, match="does not exist"):
        read(tmp_path / "missing.csv")
    with pytest.raises(RegisterError, match="is a folder, not a spreadsheet"):
        read(tmp_path)
    big = tmp_path / "big.csv"
    big.write_bytes(b"x" * 10_001)
    with pytest.raises(RegisterError, match=r"^10001 big$"):
        read(big)
    small = tmp_path / "small.csv"
    small.write_bytes(b"a,b")
    assert read(small) == b"a,b"
    with pytest.raises(FormError, match="is a folder, not a completed form"):
        read_form(tmp_path)
