"""The board paper's key messages: a rating in words and a symbol, and the change since the
last paper (Qt-free, stdlib only).

Each message is one figure the board watches, rated by one rule. The thresholds are our own
choice (the guidance sets no figures): they are versioned data in
``resources/board_ratings/board-ratings-v<N>.json``, each citing the guidance step it serves
and why it is set where it is, read by :func:`load_rating_rules` and stated in words on the
paper by :meth:`RatingRules.notes` ("Green when ..."). With version 1:

- feedback to innovators (step 5): red under 50% within the target, amber under 80% or with
  any feedback overdue, else green (``feedback.feedback_within_target``);
- deadlines (step 6): red when anything is overdue by more than 30 days, amber when anything
  is overdue, else green;
- decisions for the board (steps 1 and 7): cases the triage recommends developing and
  protecting with no route chosen; red when one has waited more than 90 days since its
  triage decision, amber when any waits, else green;
- governance, the five actions for organisations: red when any is not met, amber when any
  is partly met, else green.

A rating is always shown as a symbol and a word ("● Red", "▲ Amber", "✓ Green"), never by
colour alone. The figures of each paper are kept in the register (``store/board_papers.py``)
so the next paper can say what changed; :func:`change_since` words it.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nhsip_desktop.cases.feedback import FeedbackFigures
from nhsip_desktop.core.json_fields import read_json_file
from nhsip_desktop.core.resources import resource_path
from nhsip_desktop.governance.model import ActionStatus
from nhsip_desktop.guidance.refs import is_known_reference

__all__ = [
    "FORMAT",
    "KeyMessage",
    "Rating",
    "RatingRules",
    "RatingRulesError",
    "change_since",
    "deadlines_message",
    "decisions_message",
    "feedback_message",
    "figures_of",
    "governance_message",
    "load_rating_rules",
]

FORMAT = "nhsip-board-ratings"


class RatingRulesError(ValueError):
    """A board ratings file is malformed: names the file and the field."""

    def __init__(self, source: str, where: str, problem: str) -> None:
        super().__init__(f"The board ratings file {source} is not usable: {where}: {problem}")


@dataclass(frozen=True)
class RatingRules:
    """The thresholds the key messages are rated by (one version of the ratings file).

    ``guidance``: for each message's key, the guidance it serves ("step 5", "steps 1 and
    7"); ``serves``: what of it, in words.
    """

    version: int
    source: str
    feedback_red_below: int  # percent within the target: below this, red
    feedback_green_from: int  # percent within the target: from this (and none overdue), green
    deadline_red_late_days: int  # anything overdue by more than this many days: red
    coming_days: int  # deadlines listed as coming: due within this many days
    decision_red_wait_days: int  # a case waiting longer than this since triage: red
    guidance: Mapping[str, str]
    serves: Mapping[str, str]

    def notes(self) -> list[tuple[str, str]]:
        """Each message's rule in words, with the guidance it serves: (title, words)."""
        g = self.guidance
        return [
            (
                f"Feedback to innovators ({g['feedback']})",
                f"Green when at least {self.feedback_green_from}% is given within the target "
                f"and none is overdue; amber below {self.feedback_green_from}% or with any "
                f"overdue; red below {self.feedback_red_below}%.",
            ),
            (
                f"Deadlines ({g['deadlines']})",
                "Green when nothing is overdue; amber when anything is; red when anything is "
                f"more than {self.deadline_red_late_days} days overdue.",
            ),
            (
                f"Decisions for the board ({g['decisions']})",
                "Green when no case waits for its route; amber when any waits; red when one "
                f"has waited more than {self.decision_red_wait_days} days since triage.",
            ),
            (
                f"Governance ({g['governance']})",
                "Green when every action is met; amber when any is partly met; red when any "
                "is not met.",
            ),
        ]


def _whole(raw: Mapping[str, Any], key: str, where: str, source: str) -> int:
    value = raw.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise RatingRulesError(source, f"{where}.{key}", "must be a whole number, 0 or more")
    return value


def _part(raw: Mapping[str, Any], key: str, source: str) -> Mapping[str, Any]:
    value = raw.get(key)
    if not isinstance(value, Mapping):
        raise RatingRulesError(source, f"ratings.{key}", "missing")
    refs = value.get("guidance")
    if (
        not isinstance(refs, list)
        or not refs
        or not all(isinstance(r, str) and is_known_reference(r) for r in refs)
    ):
        raise RatingRulesError(
            source, f"ratings.{key}.guidance", "must list references to the guidance"
        )
    if not isinstance(value.get("serves"), str) or not value["serves"].strip():
        raise RatingRulesError(source, f"ratings.{key}.serves", "must say what it serves")
    return value


def _cited(part: Mapping[str, Any]) -> str:
    """ "steps 1 and 7: decisions made without delay" (the guidance, then what is served)."""
    refs = [str(r) for r in part["guidance"]]
    steps = [r.removeprefix("Step ") for r in refs if r.startswith("Step ")]
    if len(steps) == len(refs):
        cited = (
            f"step {steps[0]}"
            if len(steps) == 1
            else f"steps {', '.join(steps[:-1])} and {steps[-1]}"
        )
    else:
        cited = "; ".join(refs)
    return cited


def _parse(raw: Any, source: str) -> RatingRules:
    if not isinstance(raw, Mapping) or raw.get("format") != FORMAT:
        raise RatingRulesError(source, "format", f"must be {FORMAT!r}")
    ratings = raw.get("ratings")
    if not isinstance(ratings, Mapping):
        raise RatingRulesError(source, "ratings", "missing")
    feedback = _part(ratings, "feedback", source)
    deadlines = _part(ratings, "deadlines", source)
    decisions = _part(ratings, "decisions", source)
    governance = _part(ratings, "governance", source)
    red = _whole(feedback, "red_below_percent", "ratings.feedback", source)
    green = _whole(feedback, "green_from_percent", "ratings.feedback", source)
    if not red <= green <= 100:
        raise RatingRulesError(
            source, "ratings.feedback", "red_below_percent <= green_from_percent <= 100"
        )
    return RatingRules(
        version=_whole(raw, "version", "file", source),
        source=str(raw.get("source", "")),
        feedback_red_below=red,
        feedback_green_from=green,
        deadline_red_late_days=_whole(deadlines, "red_late_days", "ratings.deadlines", source),
        coming_days=_whole(deadlines, "coming_days", "ratings.deadlines", source),
        decision_red_wait_days=_whole(decisions, "red_wait_days", "ratings.decisions", source),
        guidance={
            "feedback": _cited(feedback),
            "deadlines": _cited(deadlines),
            "decisions": _cited(decisions),
            "governance": _cited(governance),
        },
        serves={
            key: str(part["serves"]).strip()
            for key, part in (
                ("feedback", feedback),
                ("deadlines", deadlines),
                ("decisions", decisions),
                ("governance", governance),
            )
        },
    )


def load_rating_rules(path: Path | None = None) -> RatingRules:
    """The ratings in ``path``, or the newest shipped version of the ratings file."""
    if path is not None:
        return _parse(read_json_file(path, RatingRulesError), path.name)
    return _shipped()


@functools.cache
def _shipped() -> RatingRules:
    folder = resource_path("board_ratings")
    versions = [load_rating_rules(p) for p in sorted(folder.glob("board-ratings-v*.json"))]
    if not versions:
        raise RatingRulesError(str(folder), "file", "no board ratings file is shipped")
    return max(versions, key=lambda r: r.version)


class Rating(enum.Enum):
    RED = "red"
    AMBER = "amber"
    GREEN = "green"

    @property
    def word(self) -> str:
        return self.value.capitalize()

    @property
    def symbol(self) -> str:
        return {"red": "\u25cf", "amber": "\u25b2", "green": "\u2713"}[self.value]

    @property
    def text(self) -> str:
        """The symbol and the word, e.g. "● Red" (never colour alone)."""
        return f"{self.symbol} {self.word}"


@dataclass(frozen=True)
class KeyMessage:
    key: str  # stable name, for comparing papers
    title: str
    rating: Rating
    text: str  # the message in a sentence or two, without a closing full stop
    value: int | None  # the figure compared with the last paper
    unit: str  # how the figure is written after the number: "%", " overdue", ...
    higher_is_better: bool

    def figure(self, value: int | None = None) -> str:
        shown = self.value if value is None else value
        return "no figure" if shown is None else f"{shown:,}{self.unit}"


def _plural(n: int, word: str, plural: str = "") -> str:
    return f"{n:,} {word if n == 1 else (plural or word + 's')}"


def feedback_message(figures: FeedbackFigures, rules: RatingRules | None = None) -> KeyMessage:
    rules = rules or load_rating_rules()
    percent = figures.percent
    if percent is not None and percent < rules.feedback_red_below:
        rating = Rating.RED
    elif (percent is not None and percent < rules.feedback_green_from) or figures.overdue:
        rating = Rating.AMBER
    else:
        rating = Rating.GREEN
    return KeyMessage(
        "feedback",
        "Feedback to innovators (step 5)",
        rating,
        figures.words.rstrip("."),
        int(percent) if percent is not None else None,
        "%",
        True,
    )


def deadlines_message(
    overdue_by: Sequence[int], coming: int, rules: RatingRules | None = None
) -> KeyMessage:
    """``overdue_by``: how many days each overdue deadline is late; ``coming``: those due in
    the next ``rules.coming_days`` days and not yet overdue."""
    rules = rules or load_rating_rules()
    days = rules.coming_days
    late = [n for n in overdue_by if n > rules.deadline_red_late_days]
    if late:
        rating = Rating.RED
    elif overdue_by:
        rating = Rating.AMBER
    else:
        rating = Rating.GREEN
    if overdue_by:
        text = f"{_plural(len(overdue_by), 'deadline')} overdue"
        if late:
            text += (
                f", {len(late):,} by more than {rules.deadline_red_late_days} days"
                f" (longest {max(late)})"
            )
        text += f"; {coming:,} more due in the next {days} days"
    else:
        text = f"Nothing is overdue; {coming:,} due in the next {days} days"
    return KeyMessage("deadlines", "Deadlines", rating, text, len(overdue_by), " overdue", False)


def decisions_message(
    waiting_since: Sequence[dt.date | None], today: dt.date, rules: RatingRules | None = None
) -> KeyMessage:
    """``waiting_since``: the triage decision date of each case waiting for a route."""
    rules = rules or load_rating_rules()
    ages = [(today - day).days for day in waiting_since if day is not None]
    long = [n for n in ages if n > rules.decision_red_wait_days]
    count = len(waiting_since)
    if long:
        rating = Rating.RED
    elif count:
        rating = Rating.AMBER
    else:
        rating = Rating.GREEN
    if count:
        text = (
            f"{_plural(count, 'case')} recommended for protection "
            f"{'waits' if count == 1 else 'wait'} for a route"
        )
        if long:
            text += (
                f"; {len(long)} for over {rules.decision_red_wait_days} days since triage"
                f" (longest {max(long)})"
            )
    else:
        text = "No case is waiting for a board decision"
    return KeyMessage(
        "decisions", "Decisions for the board", rating, text, count, " waiting", False
    )


def governance_message(statuses: Sequence[ActionStatus]) -> KeyMessage:
    met = [s for s in statuses if s.status == "met"]
    not_met = [s for s in statuses if s.status == "not met"]
    partly = [s for s in statuses if s.status == "partly"]
    if not_met:
        rating = Rating.RED
    elif partly:
        rating = Rating.AMBER
    else:
        rating = Rating.GREEN
    text = f"{len(met)} of the {len(statuses)} actions for organisations met"
    if not_met:
        text += f"; {len(not_met)} not met"
    if partly:
        text += f"; {len(partly)} partly met"
    return KeyMessage(
        "governance", "Governance", rating, text, len(met), f" of {len(statuses)} met", True
    )


def figures_of(messages: Sequence[KeyMessage]) -> dict[str, Any]:
    """What is kept of a paper's messages for the next one to compare with."""
    return {m.key: {"value": m.value, "rating": m.rating.value} for m in messages}


def change_since(message: KeyMessage, previous: Mapping[str, Any] | None) -> str:
    """The change since the last paper in words: "Better: up from 20% (was ● Red)"."""
    if previous is None:
        return "First paper."
    before = previous.get(message.key)
    if not isinstance(before, Mapping):
        return "Not in the last paper."
    try:
        old_rating: Rating | None = Rating(before.get("rating"))
    except ValueError:
        old_rating = None
    old = before.get("value")
    old_value = old if isinstance(old, int) and not isinstance(old, bool) else None
    was = f" (was {old_rating.text})" if old_rating and old_rating != message.rating else ""
    if old_value is None or message.value is None:
        if old_value is None and message.value is None:
            return "No figure then or now" + was + "."
        return f"Last paper: {message.figure(old_value)}{was}."
    if old_value == message.value:
        return f"No change ({message.figure()})" + was + "."
    up = message.value > old_value
    better = up == message.higher_is_better
    return (
        f"{'Better' if better else 'Worse'}: {'up' if up else 'down'} from "
        f"{message.figure(old_value)}{was}."
    )
