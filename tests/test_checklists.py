"""Checklists: the engine, and the shipped triage and route checklists as data.

The data tests are there to fail: a reference that names no part of the guidance, a rating
without six levels, a sentence lifted from the guidance, a red flag that stops firing, or a
rule that fires for the wrong answers.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nhsip_desktop.core.resources import resource_path
from nhsip_desktop.guidance.checklists import (
    AnswerType,
    Checklist,
    ChecklistError,
    ChecklistLibrary,
    ItemAnswer,
    Severity,
    evaluate,
    load_checklist,
)
from nhsip_desktop.guidance.refs import is_known_reference

GUIDANCE = Path(__file__).resolve().parents[2] / "shared" / "guidance" / "nhs-ip-guidance-2025.txt"
CHECKLISTS = resource_path("checklists")
RUN = 12  # words in a row that may not be copied from the guidance
SHORTEST_SENTENCE = 6  # guidance "sentences" shorter than this are headings, not prose


@pytest.fixture(scope="module")
def library() -> ChecklistLibrary:
    return ChecklistLibrary.load()


@pytest.fixture(scope="module")
def triage(library: ChecklistLibrary) -> Checklist:
    return library.get("triage", 1)


@pytest.fixture(scope="module")
def route(library: ChecklistLibrary) -> Checklist:
    return library.get("route", 1)


def answers(values: dict[str, Any]) -> dict[str, ItemAnswer]:
    return {k: ItemAnswer(v) for k, v in values.items() if v is not None}


def fired(checklist: Checklist, values: dict[str, Any]) -> set[str]:
    return {f.rule_id for f in evaluate(checklist, answers(values)).findings}


def red(checklist: Checklist, values: dict[str, Any]) -> set[str]:
    evaluation = evaluate(checklist, answers(values))
    return {f.rule_id for f in evaluation.by_severity(Severity.RED)}


# -- every shipped checklist ---------------------------------------------------------------
def shipped_files() -> list[Path]:
    return sorted(CHECKLISTS.glob("*.json"))


def test_triage_and_route_are_shipped(library: ChecklistLibrary) -> None:
    assert {p.name for p in shipped_files()} >= {"triage-v1.json", "route-v1.json"}
    assert library.versions("triage") == [1, 2]
    assert library.versions("route") == [1]


@pytest.mark.parametrize("path", shipped_files(), ids=lambda p: p.name)
def test_every_shipped_checklist_loads(path: Path) -> None:
    checklist = load_checklist(path)
    assert path.name == f"{checklist.id}-v{checklist.version}.json"
    assert checklist.title.strip() and checklist.intro.strip()
    assert list(checklist.items()), "a checklist needs items"


def test_every_reference_names_a_part_of_the_guidance(library: ChecklistLibrary) -> None:
    for checklist in library.checklists.values():
        for item in checklist.items():
            assert is_known_reference(item.reference), (checklist.source, item.id)
        for rule in checklist.rules:
            assert is_known_reference(rule.reference), (checklist.source, rule.id)


def test_every_item_is_explained(library: ChecklistLibrary) -> None:
    for checklist in library.checklists.values():
        for item in checklist.items():
            assert item.prompt.strip() and item.help.strip(), (checklist.source, item.id)
            if item.answer is AnswerType.RATING:
                assert len(item.levels) == 6, (checklist.source, item.id)
                assert all(level.strip() for level in item.levels)
                assert len(set(item.levels)) == 6, (checklist.source, item.id)
            if item.answer is AnswerType.TEXT:
                assert not item.required, (checklist.source, item.id)


def test_rule_and_item_ids_are_unique(library: ChecklistLibrary) -> None:
    for checklist in library.checklists.values():
        rule_ids = [r.id for r in checklist.rules]
        assert len(rule_ids) == len(set(rule_ids)), checklist.source
        outcome_ids = [o.id for o in checklist.outcomes]
        assert len(outcome_ids) == len(set(outcome_ids)), checklist.source


# -- own words, not the guidance's -----------------------------------------------------------
def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower().replace("’", "'"))


def shown_texts(checklist: Checklist) -> Iterator[tuple[str, str]]:
    yield "title", checklist.title
    yield "intro", checklist.intro
    for section in checklist.sections:
        yield f"{section.id}.title", section.title
        yield f"{section.id}.intro", section.intro
        for item in section.items:
            yield f"{item.id}.prompt", item.prompt
            yield f"{item.id}.help", item.help
            for index, level in enumerate(item.levels):
                yield f"{item.id}.levels[{index}]", level
            for value, label in item.choices:
                yield f"{item.id}.choices[{value}]", label
    for rule in checklist.rules:
        yield f"rules.{rule.id}", rule.text
    for outcome in checklist.outcomes:
        yield f"outcomes.{outcome.id}.label", outcome.label
        yield f"outcomes.{outcome.id}.text", outcome.text


@pytest.fixture(scope="module")
def guidance() -> tuple[set[tuple[str, ...]], list[str]]:
    if not GUIDANCE.is_file():
        pytest.skip(f"the guidance text is not at {GUIDANCE}")
    text = GUIDANCE.read_text(encoding="utf-8")
    stream = words(text)
    runs = {tuple(stream[i : i + RUN]) for i in range(len(stream) - RUN + 1)}
    sentences = []
    for line in text.splitlines():
        for sentence in re.split(r"(?<=[.!?])\s+", line.strip().lstrip("-").strip()):
            sentence_words = words(sentence)
            if len(sentence_words) >= SHORTEST_SENTENCE:
                sentences.append(" ".join(sentence_words))
    return runs, sentences


def copied(text: str, runs: set[tuple[str, ...]], sentences: list[str]) -> list[str]:
    """The guidance sentences, and the runs of RUN words, that ``text`` repeats verbatim."""
    text_words = words(text)
    padded = f" {' '.join(text_words)} "
    found = [
        " ".join(text_words[i : i + RUN])
        for i in range(len(text_words) - RUN + 1)
        if tuple(text_words[i : i + RUN]) in runs
    ]
    return found + [s for s in sentences if f" {s} " in padded]


@pytest.mark.parametrize("path", shipped_files(), ids=lambda p: p.name)
def test_no_text_is_copied_from_the_guidance(
    path: Path, guidance: tuple[set[tuple[str, ...]], list[str]]
) -> None:
    runs, sentences = guidance
    found = [
        (where, passage)
        for where, text in shown_texts(load_checklist(path))
        for passage in copied(text, runs, sentences)
    ]
    assert not found, found


def test_the_copy_check_would_catch_copying(
    guidance: tuple[set[tuple[str, ...]], list[str]],
) -> None:
    runs, sentences = guidance
    sentence = "Note: not all innovations should, or need to, lead to commercial returns!"
    assert copied(sentence, runs, sentences)  # a whole sentence (11 words)
    run = (
        "In short, consider whether IP that is no longer being used in an organisation could "
        "be handed on."
    )
    assert copied(run, runs, sentences)  # 12 words in a row, not a whole sentence
    assert not copied("Not all ideas need to make money to be worth backing.", runs, sentences)


# -- versions --------------------------------------------------------------------------------
def test_an_old_version_stays_available_after_a_new_one_arrives(tmp_path: Path) -> None:
    shutil.copy(CHECKLISTS / "triage-v1.json", tmp_path / "triage-v1.json")
    v1_raw = json.loads((tmp_path / "triage-v1.json").read_text(encoding="utf-8"))
    v1_items = [i["id"] for s in v1_raw["sections"] for i in s["items"]]

    today = dt.date.today()
    v2_raw = json.loads(json.dumps(v1_raw))
    v2_raw["version"], v2_raw["effective"] = 2, today.isoformat()
    v2_raw["sections"][0]["items"].append(
        {
            "id": "new_in_v2",
            "prompt": "A question added next year?",
            "help": "Only in version 2.",
            "reference": "Step 5",
            "answer": "yes_no",
        }
    )
    (tmp_path / "triage-v2.json").write_text(json.dumps(v2_raw), encoding="utf-8")
    v3_raw = json.loads(json.dumps(v2_raw))
    v3_raw["version"], v3_raw["effective"] = 3, (today + dt.timedelta(days=365)).isoformat()
    (tmp_path / "triage-v3.json").write_text(json.dumps(v3_raw), encoding="utf-8")

    library = ChecklistLibrary.load(tmp_path)
    assert library.versions("triage") == [1, 2, 3]
    old = library.get("triage", 1)
    assert [i.id for i in old.items()] == v1_items
    assert old.effective == dt.date(2025, 11, 18)
    newest = library.get("triage")
    assert newest.version == 2  # v3 is not in force yet
    assert [i.id for i in newest.items()] == [*v1_items[:2], "new_in_v2", *v1_items[2:]]
    with pytest.raises(ChecklistError, match="triage v9"):
        library.get("triage", 9)
    with pytest.raises(ChecklistError, match="no such checklist"):
        library.get("nonexistent")


# -- malformed files are refused, naming file and field -------------------------------------
def minimal() -> dict[str, Any]:
    return {
        "format": "nhsip-checklist",
        "id": "tiny",
        "version": 1,
        "effective": "2025-11-18",
        "title": "Tiny",
        "sections": [
            {
                "id": "s",
                "title": "Section",
                "items": [
                    {
                        "id": "q",
                        "prompt": "A question?",
                        "help": "Help.",
                        "reference": "Step 5",
                        "answer": "yes_no",
                    },
                    {
                        "id": "r",
                        "prompt": "A rating?",
                        "help": "Help.",
                        "reference": "Step 5",
                        "answer": "rating",
                        "levels": ["a", "b", "c", "d", "e", "f"],
                        "weight": 1,
                    },
                ],
            }
        ],
        "rules": [
            {
                "id": "x",
                "severity": "amber",
                "text": "Text.",
                "reference": "Step 2",
                "all": [{"item": "q", "op": "equals", "value": "no"}],
            }
        ],
    }


def refused(tmp_path: Path, name: str, content: str) -> ChecklistError:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ChecklistError) as caught:
        load_checklist(path)
    with pytest.raises(ChecklistError):
        ChecklistLibrary.load(tmp_path)
    message = str(caught.value)
    assert name in message and caught.value.source == name
    return caught.value


def test_the_minimal_checklist_is_valid(tmp_path: Path) -> None:
    (tmp_path / "tiny-v1.json").write_text(json.dumps(minimal()), encoding="utf-8")
    assert ChecklistLibrary.load(tmp_path).get("tiny").version == 1


def test_missing_reference_is_refused(tmp_path: Path) -> None:
    raw = minimal()
    del raw["sections"][0]["items"][1]["reference"]
    error = refused(tmp_path, "no-ref.json", json.dumps(raw))
    assert error.where == "sections[0].items[1]"
    assert "'reference'" in str(error) and "sections[0].items[1]" in str(error)


def test_unknown_reference_is_refused(tmp_path: Path) -> None:
    raw = minimal()
    raw["sections"][0]["items"][0]["reference"] = "Step 12"
    error = refused(tmp_path, "bad-ref.json", json.dumps(raw))
    assert error.where == "sections[0].items[0].reference"
    assert "Step 12" in str(error)


def test_unknown_rule_reference_is_refused(tmp_path: Path) -> None:
    raw = minimal()
    raw["rules"][0]["reference"] = "Annex C: something"
    error = refused(tmp_path, "bad-rule-ref.json", json.dumps(raw))
    assert error.where == "rules[0].reference"


def test_rating_with_five_levels_is_refused(tmp_path: Path) -> None:
    raw = minimal()
    raw["sections"][0]["items"][1]["levels"] = ["a", "b", "c", "d", "e"]
    error = refused(tmp_path, "five.json", json.dumps(raw))
    assert error.where == "sections[0].items[1].levels"
    assert "sections[0].items[1].levels" in str(error)


def test_rule_naming_an_unknown_item_is_refused(tmp_path: Path) -> None:
    raw = minimal()
    raw["rules"][0]["all"][0]["item"] = "nowhere"
    error = refused(tmp_path, "bad-rule.json", json.dumps(raw))
    assert error.where == "rules[0].all[0].item"
    assert "rules[0].all[0].item" in str(error)


def test_bad_json_is_refused(tmp_path: Path) -> None:
    error = refused(tmp_path, "broken.json", json.dumps(minimal())[:-5])
    assert error.where == "file" and "not valid JSON" in str(error)


def test_wrong_format_is_refused(tmp_path: Path) -> None:
    raw = minimal()
    raw["format"] = "something-else"
    error = refused(tmp_path, "other.json", json.dumps(raw))
    assert error.where == "format" and "nhsip-checklist" in str(error)


# -- triage: scoring and outcomes ------------------------------------------------------------
def test_triage_is_scored_with_heavier_need_benefit_and_adoption(triage: Checklist) -> None:
    assert triage.scored
    weight = {i.id: i.weight for i in triage.items()}
    for heavy in ("need", "benefit", "nhs_adoption"):
        assert weight[heavy] > weight["market"]
    ratings = [i for i in triage.items() if i.answer is AnswerType.RATING]
    assert len(ratings) > len(list(triage.items())) / 2  # mostly ratings


def test_triage_outcomes_are_all_decision_options(triage: Checklist) -> None:
    labels = {o.id: o.label for o in triage.outcomes}
    assert set(labels) == {
        "develop_protect",
        "adopt_share",
        "more_information",
        "no_further_action",
    }
    assert labels["adopt_share"] == "Adopt or share without commercialisation"
    assert "success" in triage.outcome("adopt_share").text.lower()
    assert all(o.min_score is not None for o in triage.outcomes)
    bands = sorted(triage.outcomes, key=lambda o: o.min_score or 0.0, reverse=True)
    assert [o.id for o in bands] == [
        "develop_protect",
        "adopt_share",
        "more_information",
        "no_further_action",
    ]
    assert bands[-1].min_score == 0  # every score gets a suggestion


def rated(triage: Checklist, level: int) -> dict[str, Any]:
    return {i.id: level for i in triage.items() if i.answer is AnswerType.RATING}


def test_all_top_ratings_score_100_and_suggest_the_top_band(triage: Checklist) -> None:
    evaluation = evaluate(triage, answers(rated(triage, 5)))
    assert evaluation.score == 100
    assert evaluation.suggestion is not None
    assert evaluation.suggestion.id == "develop_protect"


def test_all_bottom_ratings_score_0_and_suggest_closing(triage: Checklist) -> None:
    evaluation = evaluate(triage, answers(rated(triage, 0)))
    assert evaluation.score == 0
    assert evaluation.suggestion is not None
    assert evaluation.suggestion.id == "no_further_action"


def test_every_band_can_be_reached(triage: Checklist) -> None:
    suggested = {
        evaluate(triage, answers(rated(triage, level))).suggestion.id  # type: ignore[union-attr]
        for level in range(6)
    }
    assert suggested == {o.id for o in triage.outcomes}


def test_unanswered_required_items_are_listed(triage: Checklist) -> None:
    evaluation = evaluate(triage, {})
    assert not evaluation.complete
    assert "need" in evaluation.unanswered and "summary_note" not in evaluation.unanswered
    assert evaluation.score is None and evaluation.suggestion is None


# -- triage: findings ------------------------------------------------------------------------
TRIAGE_QUIET: dict[str, Any] = {
    "need": 3,
    "benefit": 3,
    "novelty": 2,
    "prior_search": "yes",
    "evidence": 3,
    "nhs_adoption": 3,
    "market": 2,
    "regulatory": 3,
    "ip_position": 2,
    "third_party_rights": 4,
    "may_be_invention": "no",
    "disclosed_externally": "no",
    "ownership_clear": "yes",
    "uses_ai": "no",
    "resources_needed": 3,
    "internal_capacity": 3,
    "partner_capability": 3,
    "nhs_contributions": 2,
    "has_funder_or_partner": "no",
}

# rule id -> (answers that should fire it, answers that should not), each over TRIAGE_QUIET
TRIAGE_CASES: dict[str, tuple[list[dict[str, Any]], list[dict[str, Any]]]] = {
    "disclosed_possible_invention": (
        [
            {"may_be_invention": "yes", "disclosed_externally": "yes"},
            {"may_be_invention": "unsure", "disclosed_externally": "yes"},
        ],
        [
            {"may_be_invention": "no", "disclosed_externally": "yes"},
            {"may_be_invention": "yes", "disclosed_externally": "no"},
            {"may_be_invention": "yes", "disclosed_externally": "unsure"},
        ],
    ),
    "disclosure_unknown": (
        [{"disclosed_externally": "unsure"}],
        [{"disclosed_externally": "yes"}, {"disclosed_externally": "no"}],
    ),
    "keep_confidential": (
        [{"may_be_invention": "yes"}, {"may_be_invention": "unsure"}],
        [{"may_be_invention": "yes", "disclosed_externally": "yes"}, {"may_be_invention": "no"}],
    ),
    "ownership_unclear": (
        [{"ownership_clear": "no"}, {"ownership_clear": "unsure"}],
        [{"ownership_clear": "yes"}],
    ),
    "obligations_not_checked": (
        [
            {"has_funder_or_partner": "yes"},
            {"has_funder_or_partner": "yes", "funder_obligations": "no"},
            {"has_funder_or_partner": "unsure", "funder_obligations": "unsure"},
        ],
        [
            {"has_funder_or_partner": "yes", "funder_obligations": "yes"},
            {"has_funder_or_partner": "no", "funder_obligations": "no"},
        ],
    ),
    "ai_involved": (
        [{"uses_ai": "yes"}, {"uses_ai": "unsure"}],
        [{"uses_ai": "no"}],
    ),
    "others_rights_risk": (
        [{"third_party_rights": 2}, {"third_party_rights": 0}],
        [{"third_party_rights": 3}, {"third_party_rights": 5}],
    ),
    "no_search_done": (
        [{"novelty": 4, "prior_search": "no"}, {"novelty": 3, "prior_search": "unsure"}],
        [{"novelty": 4, "prior_search": "yes"}, {"novelty": 2, "prior_search": "no"}],
    ),
    "thin_evidence": (
        [{"evidence": 1, "benefit": 4}, {"evidence": 0, "benefit": 3}],
        [{"evidence": 2, "benefit": 5}, {"evidence": 0, "benefit": 2}],
    ),
    "strong_nhs_adoption": (
        [{"nhs_adoption": 4}, {"nhs_adoption": 5}],
        [{"nhs_adoption": 3}, {"nhs_adoption": 0}],
    ),
    "adopt_share_fits": (
        [{"benefit": 4, "market": 1}, {"benefit": 3, "nhs_adoption": 5, "market": 0}],
        [
            {"benefit": 4, "market": 2},
            {"benefit": 2, "market": 0},
            {"benefit": 5, "nhs_adoption": 2, "market": 0},
        ],
    ),
}


def test_quiet_triage_answers_raise_no_findings(triage: Checklist) -> None:
    assert fired(triage, TRIAGE_QUIET) == set()
    assert evaluate(triage, answers(TRIAGE_QUIET)).complete


def test_every_triage_rule_is_tested(triage: Checklist) -> None:
    assert {r.id for r in triage.rules} == set(TRIAGE_CASES)


def test_triage_has_the_expected_severities(triage: Checklist) -> None:
    severity = {r.id: r.severity for r in triage.rules}
    assert severity["disclosed_possible_invention"] is Severity.RED
    assert severity["ownership_unclear"] is Severity.AMBER
    assert severity["obligations_not_checked"] is Severity.AMBER
    assert severity["strong_nhs_adoption"] is Severity.GREEN


@pytest.mark.parametrize("rule_id", sorted(TRIAGE_CASES))
def test_triage_rule_fires_only_for_its_answers(triage: Checklist, rule_id: str) -> None:
    firing, quiet = TRIAGE_CASES[rule_id]
    for change in firing:
        assert rule_id in fired(triage, TRIAGE_QUIET | change), change
    for change in quiet:
        assert rule_id not in fired(triage, TRIAGE_QUIET | change), change


def test_a_single_targeted_answer_fires_a_single_finding(triage: Checklist) -> None:
    assert fired(triage, TRIAGE_QUIET | {"ownership_clear": "unsure"}) == {"ownership_unclear"}
    assert fired(triage, TRIAGE_QUIET | {"uses_ai": "yes"}) == {"ai_involved"}
    both = {"may_be_invention": "yes", "disclosed_externally": "yes"}
    assert fired(triage, TRIAGE_QUIET | both) == {"disclosed_possible_invention"}


# -- route -----------------------------------------------------------------------------------
FACTORS = (
    "factor_use_benefit",
    "factor_nhs_contributions",
    "factor_internal_capacity",
    "factor_partner_capability",
    "factor_contractual_context",
    "factor_fair_return",
    "factor_feasibility_market",
)
FLAGS = (
    "flag_assignment_without_licence_back",
    "flag_exclusive_without_justification",
    "flag_selected_parties_without_advice",
    "flag_joint_ownership",
    "flag_international_without_legal_support",
    "flag_spinout_without_maturity_check",
)
CLEAN_ROUTE2: dict[str, Any] = {
    **dict.fromkeys(FACTORS, "route2"),
    "chosen_route": "route2",
    "r2_fair_terms": "yes",
    "r2_reward_structure": "yes",
    "r2_resource_access": "yes",
    "r2_licence_back_scope": "yes",
    "r2_obligations_upheld": "yes",
    "assignment": "yes",
    "licence_back": "yes",
    "exclusive_licence": "no",
    "selected_parties": "no",
    "joint_ownership": "no",
    "international_partner": "no",
    "spinout_assignment": "no",
}


def test_route_is_unscored_and_shaped_by_the_seven_factors(route: Checklist) -> None:
    assert not route.scored
    assert evaluate(route, answers(CLEAN_ROUTE2)).score is None
    assert route.sections[0].id == "factors"
    for factor in FACTORS:
        item = route.item(factor)
        assert item.answer is AnswerType.CHOICE and item.reference.startswith("Step 7")
        assert [value for value, _ in item.choices] == ["route1", "route2", "route3", "unclear"]
        with pytest.raises(KeyError):  # notes go in each item's own note field
            route.item(f"{factor}_note")
    chosen = route.item("chosen_route")
    assert chosen.answer is AnswerType.CHOICE
    assert [value for value, _ in chosen.choices] == ["route1", "route2", "route3"]


def test_route_flags_are_red_with_their_references(route: Checklist) -> None:
    rules = {r.id: r for r in route.rules}
    for flag in FLAGS:
        assert rules[flag].severity is Severity.RED
    assert rules["flag_exclusive_without_justification"].any
    assert rules["flag_international_without_legal_support"].reference == (
        "Introduction: IP considerations internationally"
    )
    assert {r.id for r in route.rules if r.severity is Severity.RED} == set(FLAGS)


def test_clean_route2_answers_have_no_red_findings(route: Checklist) -> None:
    evaluation = evaluate(route, answers(CLEAN_ROUTE2))
    assert evaluation.by_severity(Severity.RED) == []
    assert evaluation.by_severity(Severity.AMBER) == []
    assert [f.rule_id for f in evaluation.by_severity(Severity.GREEN)] == ["route2_ready"]
    assert evaluation.complete


def test_flag_assignment_without_licence_back(route: Checklist) -> None:
    flag = "flag_assignment_without_licence_back"
    for change in ({"licence_back": "no"}, {"licence_back": "unsure"}, {"licence_back": None}):
        assert red(route, CLEAN_ROUTE2 | change) == {flag}, change
    assert red(route, CLEAN_ROUTE2 | {"licence_back": "yes"}) == set()
    assert red(route, CLEAN_ROUTE2 | {"assignment": "no", "licence_back": "no"}) == set()


def test_flag_exclusive_without_justification(route: Checklist) -> None:
    flag = "flag_exclusive_without_justification"
    exclusive = CLEAN_ROUTE2 | {"exclusive_licence": "yes"}
    for justification, advice in (("yes", "no"), ("no", "yes"), ("unsure", "yes"), (None, None)):
        change = {"exclusive_justification": justification, "exclusive_legal_advice": advice}
        assert red(route, exclusive | change) == {flag}, change
    safe = {"exclusive_justification": "yes", "exclusive_legal_advice": "yes"}
    assert red(route, exclusive | safe) == set()
    assert red(route, CLEAN_ROUTE2 | {"exclusive_justification": "no"}) == set()


def test_flag_selected_parties_without_advice(route: Checklist) -> None:
    flag = "flag_selected_parties_without_advice"
    selected = CLEAN_ROUTE2 | {"selected_parties": "yes"}
    for advice in ("no", "unsure", None):
        assert red(route, selected | {"competition_advice": advice}) == {flag}, advice
    assert red(route, selected | {"competition_advice": "yes"}) == set()
    assert red(route, CLEAN_ROUTE2 | {"competition_advice": "no"}) == set()


def test_flag_joint_ownership(route: Checklist) -> None:
    assert red(route, CLEAN_ROUTE2 | {"joint_ownership": "yes"}) == {"flag_joint_ownership"}
    assert red(route, CLEAN_ROUTE2 | {"joint_ownership": "no"}) == set()
    assert red(route, CLEAN_ROUTE2 | {"joint_ownership": None}) == set()


def test_flag_international_without_legal_support(route: Checklist) -> None:
    flag = "flag_international_without_legal_support"
    abroad = CLEAN_ROUTE2 | {"international_partner": "yes"}
    for support in ("no", "unsure", None):
        assert red(route, abroad | {"international_legal_support": support}) == {flag}, support
    assert red(route, abroad | {"international_legal_support": "yes"}) == set()
    assert red(route, CLEAN_ROUTE2 | {"international_legal_support": "no"}) == set()


def test_flag_spinout_without_maturity_check(route: Checklist) -> None:
    flag = "flag_spinout_without_maturity_check"
    spinout = CLEAN_ROUTE2 | {"spinout_assignment": "yes"}
    for check in ("no", "unsure", None):
        assert red(route, spinout | {"spinout_maturity_check": check}) == {flag}, check
    assert red(route, spinout | {"spinout_maturity_check": "yes"}) == set()
    assert red(route, CLEAN_ROUTE2 | {"spinout_maturity_check": "no"}) == set()


def test_every_flag_is_tested_above(route: Checklist) -> None:
    tested = {name.removeprefix("test_") for name in globals() if name.startswith("test_flag_")}
    assert tested == set(FLAGS)


def prerequisites(route: Checklist, chosen: str) -> list[str]:
    ready = next(r for r in route.rules if r.id == f"{chosen}_ready")
    return [c.item for c in ready.all if c.item != "chosen_route"]


def clean(route: Checklist, chosen: str) -> dict[str, Any]:
    values = dict.fromkeys(FACTORS, chosen) | {"chosen_route": chosen}
    return values | dict.fromkeys(prerequisites(route, chosen), "yes")


@pytest.mark.parametrize("chosen", ["route1", "route2", "route3"])
def test_each_route_is_ready_when_its_needs_are_met(route: Checklist, chosen: str) -> None:
    assert fired(route, clean(route, chosen)) == {f"{chosen}_ready"}
    for item_id in prerequisites(route, chosen):
        assert item_id.startswith(f"r{chosen[-1]}_") or item_id == "licence_back"


@pytest.mark.parametrize("chosen", ["route1", "route2", "route3"])
def test_a_missing_need_of_the_chosen_route_is_amber(route: Checklist, chosen: str) -> None:
    ambers = [r for r in route.rules if r.severity is Severity.AMBER and r.id.startswith(chosen)]
    assert {c.item for r in ambers for c in r.any} == set(prerequisites(route, chosen))
    for rule in ambers:
        item_id = rule.any[0].item
        for missing in ("no", "unsure", None):
            result = fired(route, clean(route, chosen) | {item_id: missing})
            assert rule.id in result and f"{chosen}_ready" not in result, (item_id, missing)


def test_needs_of_other_routes_are_not_asked_of_the_chosen_one(route: Checklist) -> None:
    assert fired(route, clean(route, "route1")) == {"route1_ready"}  # route 2/3 items blank
    result = fired(route, CLEAN_ROUTE2 | {"licence_back": "no", "assignment": "no"})
    assert result == {"route2_missing_licence_back"}


def test_unclear_factors_are_amber(route: Checklist) -> None:
    for factor in FACTORS:
        result = fired(route, CLEAN_ROUTE2 | {factor: "unclear"})
        assert result == {"factors_unclear", "route2_ready"}, factor
