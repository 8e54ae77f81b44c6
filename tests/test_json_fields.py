"""The record types read their JSON fields one way (``json_fields``): the same malformed value
is refused with the same words whichever record holds it."""

from __future__ import annotations

import pytest

from nhsip_desktop.agreements.model import Agreement, TtcReview
from nhsip_desktop.assets.rights import Right
from nhsip_desktop.governance.model import GovernanceRecord, Sro, TrainingSession
from nhsip_desktop.governance.policy_builder import PolicyFacts


def test_a_bad_date_is_named_the_same_way_in_every_record() -> None:
    cases = [
        (lambda: Agreement.from_json({"signed_on": "31/12/2025"}), "signed_on"),
        (
            lambda: Agreement.from_json({"obligations": [{"text": "x", "due": "soon"}]}),
            "obligations[0].due",
        ),
        (lambda: TtcReview.from_json({"agreement_id": 1, "reviewed_on": ""}), "reviewed_on"),
        (
            lambda: Right.from_json({"right_type": "patent", "filing_date": "2025-13-01"}),
            "filing_date",
        ),
        (lambda: Sro.from_json({"name": "A", "role": "B", "appointed_on": None}), "appointed_on"),
        (lambda: GovernanceRecord.from_json({"sro": {"appointed_on": "x"}}), "sro.appointed_on"),
    ]
    for read, field in cases:
        with pytest.raises(ValueError) as caught:
            read()
        assert str(caught.value) == f"{field}: must be a date, YYYY-MM-DD"


def test_wrong_kinds_of_value_are_named_the_same_way() -> None:
    with pytest.raises(ValueError, match=r"^title: must be text$"):
        Agreement.from_json({"title": 3})
    with pytest.raises(ValueError, match=r"^organisation: must be text$"):
        PolicyFacts.from_json({"organisation": ["x"]})
    with pytest.raises(ValueError, match=r"^id: must be a whole number$"):
        TrainingSession.from_json({"held_on": "2025-01-01", "id": True})
    with pytest.raises(ValueError, match=r"^case_id: must be a whole number$"):
        Right.from_json({"right_type": "patent", "case_id": "7"})
    with pytest.raises(ValueError, match=r"^formal_annual: must be true or false$"):
        TtcReview.from_json({"agreement_id": 1, "reviewed_on": "2025-01-01", "formal_annual": 1})
    with pytest.raises(ValueError, match=r"^stage_gates: must be a list of text$"):
        PolicyFacts.from_json({"stage_gates": [1]})
