"""Issue 23 item 5: a gate (no market, no right to use, no benefit) caps the triage suggestion
instead of being outweighed; the suggestion, the findings and the decision default agree."""

from __future__ import annotations

import json
from typing import Any

import pytest

from nhsip_desktop.core.resources import resource_path
from nhsip_desktop.guidance.checklists import (
    AnswerType,
    ChecklistError,
    ChecklistLibrary,
    ItemAnswer,
    default_outcome,
    evaluate,
    parse_checklist,
)

LIBRARY = ChecklistLibrary.load()
TRIAGE = LIBRARY.get("triage")
RANK = {o.id: o.min_score or 0.0 for o in TRIAGE.outcomes}


def _answers(**values: Any) -> dict[str, ItemAnswer]:
    top = {i.id: 5 for i in TRIAGE.items() if i.answer is AnswerType.RATING}
    top.update(ownership_clear="yes", may_be_invention="yes", disclosed_externally="no")
    top.update(values)
    return {k: ItemAnswer(v) for k, v in top.items()}


def test_the_newest_triage_has_gates() -> None:
    assert TRIAGE.version >= 2 and {g.rule.id for g in TRIAGE.gates} == {
        "gate_no_market",
        "gate_no_right_to_use",
        "gate_no_benefit",
    }


def test_no_market_with_outstanding_need_benefit_adoption_is_not_develop_and_protect() -> None:
    answers = _answers(market=0)
    evaluation = evaluate(TRIAGE, answers)
    assert evaluation.score is not None and evaluation.score >= 75  # high, but...
    assert evaluation.suggestion is not None and evaluation.suggestion.id == "adopt_share"
    assert evaluation.capped_by == ("gate_no_market",)
    ids = [f.rule_id for f in evaluation.findings]
    assert "gate_no_market" in ids and "adopt_share_fits" in ids  # findings agree
    assert default_outcome(TRIAGE, answers) == "adopt_share"


@pytest.mark.parametrize(
    ("change", "gate"),
    [
        ({"third_party_rights": 0}, "gate_no_right_to_use"),
        ({"ownership_clear": "no"}, "gate_no_right_to_use"),
        ({"benefit": 0}, "gate_no_benefit"),
    ],
)
def test_other_gates_cap_at_more_information(change: dict[str, Any], gate: str) -> None:
    evaluation = evaluate(TRIAGE, _answers(**change))
    assert evaluation.suggestion is not None and evaluation.suggestion.id == "more_information"
    assert gate in evaluation.capped_by
    assert default_outcome(TRIAGE, _answers(**change)) == "more_information"


def test_a_gate_never_raises_a_low_suggestion() -> None:
    low = {i.id: 0 for i in TRIAGE.items() if i.answer is AnswerType.RATING}
    answers = {k: ItemAnswer(v) for k, v in low.items()}
    evaluation = evaluate(TRIAGE, answers)
    assert evaluation.suggestion is not None and evaluation.suggestion.id == "no_further_action"


def test_without_gates_firing_the_top_band_stands() -> None:
    assert default_outcome(TRIAGE, _answers()) == "develop_protect"


@pytest.mark.parametrize("market", range(6))
@pytest.mark.parametrize("benefit", range(6))
def test_the_suggestion_never_contradicts_a_route_1_finding(market: int, benefit: int) -> None:
    evaluation = evaluate(TRIAGE, _answers(market=market, benefit=benefit))
    ids = {f.rule_id for f in evaluation.findings}
    assert evaluation.suggestion is not None
    if "adopt_share_fits" in ids:
        assert RANK[evaluation.suggestion.id] <= RANK["adopt_share"]


def test_the_suggestion_text_does_not_say_share_openly_while_keeping_confidential() -> None:
    evaluation = evaluate(TRIAGE, _answers(market=0))
    ids = {f.rule_id for f in evaluation.findings}
    assert "keep_confidential" in ids
    assert evaluation.suggestion is not None
    assert "share it openly" not in evaluation.suggestion.text


def test_the_disclosed_invention_finding_is_plain() -> None:
    evaluation = evaluate(TRIAGE, _answers(disclosed_externally="yes"))
    (red,) = [f for f in evaluation.findings if f.rule_id == "disclosed_possible_invention"]
    assert "probably no longer possible" in red.text and "route 1" in red.text
    assert "may still help" not in red.text


def test_a_route_choice_is_the_default_outcome() -> None:
    route = LIBRARY.get("route")
    chooser = next(i for i in route.items() if {"route1", "route3"} <= {v for v, _ in i.choices})
    assert default_outcome(route, {chooser.id: ItemAnswer("route3")}) == "route3"


def test_a_gate_capping_at_an_unknown_outcome_is_refused() -> None:
    raw = json.loads(resource_path("checklists", TRIAGE.source).read_text(encoding="utf-8"))
    raw["gates"][0]["cap"] = "nowhere"
    with pytest.raises(ChecklistError, match="not an outcome"):
        parse_checklist(raw, "triage-v2.json")
