"""Assessments keep their checklist version; decisions are reasoned and separate; feedback."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from nhsip_desktop.cases.disclosure import Contributor, Disclosure
from nhsip_desktop.cases.model import IpKind, Stage
from nhsip_desktop.cases.stages import effective_next_action
from nhsip_desktop.guidance.checklists import ItemAnswer, parse_checklist
from nhsip_desktop.store.errors import ValidationError
from nhsip_desktop.store.register import Register


def checklist(version: int, extra_item: bool = False):
    items = [
        {
            "id": "need",
            "prompt": "How strong is the need?",
            "reference": "Step 5",
            "answer": "rating",
            "levels": ["None", "Weak", "Some", "Clear", "Strong", "Urgent"],
            "weight": 2,
        },
        {
            "id": "told",
            "prompt": "Shown outside without an NDA?",
            "reference": "Step 4",
            "answer": "yes_no",
        },
    ]
    if extra_item:
        items.append(
            {
                "id": "new",
                "prompt": "A question added next year",
                "reference": "Step 5",
                "answer": "text",
                "required": False,
            }
        )
    return parse_checklist(
        {
            "format": "nhsip-checklist",
            "id": "t",
            "version": version,
            "effective": "2025-11-18",
            "title": "Test",
            "sections": [{"id": "s", "title": "S", "items": items}],
            "rules": [
                {
                    "id": "r",
                    "severity": "red",
                    "text": "Disclosed: get advice.",
                    "reference": "Step 4",
                    "all": [{"item": "told", "op": "equals", "value": "yes"}],
                }
            ],
            "outcomes": [
                {"id": "go", "label": "Go", "text": "Go on", "min_score": 50},
                {"id": "stop", "label": "Stop", "text": "Stop", "min_score": 0},
            ],
        },
        f"t-v{version}.json",
    )


@pytest.fixture
def case_id(register: Register) -> int:
    d = Disclosure(problem="p", contributors=[Contributor(name="A", share=Decimal(100))])
    case = register.cases.save_disclosure(
        None, title="Idea", summary="", ip_kinds=[IpKind.INVENTION], disclosure=d
    )
    register.cases.change_stage(case.id, Stage.SUBMITTED)
    return case.id


def test_an_assessment_keeps_its_checklist_version(register: Register, case_id: int) -> None:
    v1, v2 = checklist(1), checklist(2, extra_item=True)
    answers = {"need": ItemAnswer(4, "clear demand"), "told": ItemAnswer("yes")}
    saved = register.assessments.save(case_id, v1, answers)
    assert (saved.checklist_id, saved.checklist_version) == ("t", 1)
    assert saved.score == 80.0
    assert saved.findings == [
        {"severity": "red", "text": "Disclosed: get advice.", "reference": "Step 4"}
    ]
    with pytest.raises(ValidationError, match="version 1"):
        register.assessments.save(case_id, v2, answers, assessment_id=saved.id)
    updated = register.assessments.save(
        case_id, v1, {**answers, "told": ItemAnswer("no")}, assessment_id=saved.id
    )
    assert updated.checklist_version == 1 and updated.findings == []
    assert register.assessments.latest(case_id, "t") == updated
    last = next(register.audit.entries())
    assert last.record_kind == "assessment" and last.changes["told"][1]["value"] == "no"


def test_decisions_need_reasons_and_are_kept_apart(register: Register, case_id: int) -> None:
    with pytest.raises(ValidationError) as info:
        register.assessments.record_decision(
            case_id,
            "triage",
            outcome="go",
            outcome_label="Go",
            rationale=" ",
            decided_on=dt.date.today() + dt.timedelta(days=1),
            decision_maker="",
        )
    assert {f for f, _m in info.value.problems} == {"rationale", "decision_maker", "decided_on"}
    decision = register.assessments.record_decision(
        case_id,
        "triage",
        outcome="stop",
        outcome_label="Stop",
        rationale="Better shared openly.",
        decided_on=dt.date.today(),
        decision_maker="Alex Morgan",
    )
    assert register.assessments.latest_decision(case_id, "triage") == decision
    assert register.assessments.latest_decision(case_id, "route") is None


def test_feedback_clears_feedback_due(register: Register, case_id: int) -> None:
    case = register.cases.get(case_id)
    today = dt.date.today()
    assert effective_next_action(case, today=today, window_days=30).text == (
        "Give the innovator feedback"
    )
    case = register.cases.record_feedback(case_id)
    assert case.feedback_given_on == today
    assert "feedback" not in effective_next_action(case, today=today, window_days=30).text
    with pytest.raises(ValidationError):
        register.cases.record_feedback(case_id, today + dt.timedelta(days=2))
