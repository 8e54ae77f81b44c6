"""The board paper's red/amber/green thresholds: versioned data citing the guidance, each
boundary rated as the paper's notes say, and the notes read back from the paper."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from pypdf import PdfReader

from nhsip_desktop.cases.feedback import FeedbackFigures
from nhsip_desktop.governance.board_messages import (
    Rating,
    RatingRulesError,
    deadlines_message,
    decisions_message,
    feedback_message,
    governance_message,
    load_rating_rules,
)
from nhsip_desktop.governance.model import ActionStatus
from nhsip_desktop.guidance.refs import is_known_reference
from nhsip_desktop.interchange.demo import build_demo
from nhsip_desktop.reports.board import write_board_summary
from nhsip_desktop.store.register import Register

TODAY = dt.date(2026, 12, 8)
SHIPPED = Path(__file__).resolve().parents[1] / "resources" / "board_ratings"


def _feedback(within: int, given: int, overdue: int = 0) -> FeedbackFigures:
    """Figures whose share within the target is ``within`` out of ``given + overdue``."""
    return FeedbackFigures(30, given + overdue, (10,) * given, within, overdue, overdue)


def test_the_shipped_thresholds_are_named_cited_and_explained() -> None:
    rules = load_rating_rules()
    assert (rules.feedback_red_below, rules.feedback_green_from) == (50, 80)
    assert rules.deadline_red_late_days == 30 and rules.coming_days == 90
    assert rules.decision_red_wait_days == 90
    assert rules.guidance == {
        "feedback": "step 5",
        "deadlines": "step 6",
        "decisions": "steps 1 and 7",
        "governance": "Actions for organisations",
    }
    raw = json.loads((SHIPPED / f"board-ratings-v{rules.version}.json").read_text("utf-8"))
    assert "own choice" in raw["source"]
    for key, part in raw["ratings"].items():
        assert part["guidance"] and all(is_known_reference(r) for r in part["guidance"]), key
        assert part["serves"].strip() and part["why"].strip(), key


@pytest.mark.parametrize(
    ("within", "given", "overdue", "rating"),
    [
        (49, 100, 0, Rating.RED),  # below 50%: red
        (50, 100, 0, Rating.AMBER),  # 50% is no longer red
        (79, 100, 0, Rating.AMBER),  # below 80%: amber
        (80, 100, 0, Rating.GREEN),  # 80% and none overdue: green
        (80, 99, 1, Rating.AMBER),  # 80%, but one overdue: amber
        (0, 0, 0, Rating.GREEN),  # nothing to give feedback on yet, none overdue
    ],
)
def test_feedback_boundaries(within: int, given: int, overdue: int, rating: Rating) -> None:
    assert feedback_message(_feedback(within, given, overdue)).rating is rating


@pytest.mark.parametrize(
    ("overdue_by", "rating"),
    [([], Rating.GREEN), ([1], Rating.AMBER), ([30], Rating.AMBER), ([2, 31], Rating.RED)],
)
def test_deadline_boundaries(overdue_by: list[int], rating: Rating) -> None:
    message = deadlines_message(overdue_by, 4)
    assert message.rating is rating
    assert "next 90 days" in message.text


@pytest.mark.parametrize(
    ("waited", "rating"),
    [([], Rating.GREEN), ([0], Rating.AMBER), ([90], Rating.AMBER), ([5, 91], Rating.RED)],
)
def test_decision_boundaries(waited: list[int], rating: Rating) -> None:
    since = [TODAY - dt.timedelta(days=n) for n in waited]
    assert decisions_message(since, TODAY).rating is rating


@pytest.mark.parametrize(
    ("statuses", "rating"),
    [
        (["met"] * 5, Rating.GREEN),
        (["met"] * 4 + ["partly"], Rating.AMBER),
        (["met", "partly", "not met", "met", "met"], Rating.RED),
    ],
)
def test_governance_boundaries(statuses: list[str], rating: Rating) -> None:
    actions = [ActionStatus(f"a{i}", f"Action {i}", s, "", "") for i, s in enumerate(statuses)]  # type: ignore[arg-type]
    assert governance_message(actions).rating is rating


def _write(folder: Path, raw: dict[str, object]) -> Path:
    path = folder / "board-ratings-v2.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    return path


def test_a_ratings_file_of_its_own_moves_the_boundaries(tmp_path: Path) -> None:
    raw = json.loads((SHIPPED / "board-ratings-v1.json").read_text("utf-8"))
    raw["version"] = 2
    raw["ratings"]["feedback"]["green_from_percent"] = 90
    raw["ratings"]["deadlines"]["red_late_days"] = 10
    rules = load_rating_rules(_write(tmp_path, raw))
    assert rules.version == 2
    assert feedback_message(_feedback(85, 100), rules).rating is Rating.AMBER
    assert feedback_message(_feedback(85, 100)).rating is Rating.GREEN  # shipped: 80%
    assert deadlines_message([11], 0, rules).rating is Rating.RED
    assert rules.notes()[0][1].startswith("Green when at least 90% is given within the target")


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda r: r["ratings"]["feedback"].update(red_below_percent=90), "ratings.feedback"),
        (lambda r: r["ratings"]["deadlines"].update(red_late_days="30"), "red_late_days"),
        (lambda r: r["ratings"]["decisions"].update(guidance=["Step 12"]), "guidance"),
        (lambda r: r["ratings"]["governance"].update(serves=""), "serves"),
        (lambda r: r.update(format="other"), "format"),
    ],
)
def test_a_malformed_ratings_file_is_refused_by_name(
    tmp_path: Path, change: object, where: str
) -> None:
    raw = json.loads((SHIPPED / "board-ratings-v1.json").read_text("utf-8"))
    change(raw)  # type: ignore[operator]
    with pytest.raises(RatingRulesError, match=where) as caught:
        load_rating_rules(_write(tmp_path, raw))
    assert "board-ratings-v2.json" in str(caught.value)


def test_the_board_paper_states_each_rule_in_words(tmp_path: Path, register: Register) -> None:
    build_demo(register, 40)
    today = dt.date.today()
    out = write_board_summary(register, today - dt.timedelta(days=365), today, tmp_path / "b.pdf")
    pages = [page.extract_text() or "" for page in PdfReader(str(out)).pages]
    assert len(pages) <= 2  # the notes fit the two pages
    text = " ".join(" ".join(pages).split())
    assert "thresholds of our own: the guidance sets no figures; board ratings version 1" in text
    for title, words in load_rating_rules().notes():
        assert f"{title}. {words}" in text
    assert (
        "Feedback to innovators (step 5). Green when at least 80% is given within the target"
        in text
    )
    assert "red when anything is more than 30 days overdue" in text
    assert "red when one has waited more than 90 days since triage" in text
