"""The board paper's key messages: a rating in words and a symbol, and the change since the
last paper (Qt-free, stdlib only).

Each message is one figure the board watches, rated by one rule:

- feedback to innovators (step 5): red under 50% within the target, amber under 80% or with
  any feedback overdue, else green (``feedback.feedback_within_target``);
- deadlines: red when anything is overdue by more than 30 days, amber when anything is
  overdue, else green;
- decisions for the board (steps 6 and 7): cases the triage recommends developing and
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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from nhsip_desktop.cases.feedback import FeedbackFigures
from nhsip_desktop.governance.model import ActionStatus

__all__ = [
    "DEADLINE_LATE_DAYS",
    "DECISION_WAIT_DAYS",
    "KeyMessage",
    "Rating",
    "change_since",
    "deadlines_message",
    "decisions_message",
    "feedback_message",
    "figures_of",
    "governance_message",
]

DEADLINE_LATE_DAYS = 30  # overdue by more than this: red
DECISION_WAIT_DAYS = 90  # a board decision waiting longer than this since triage: red


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


def feedback_message(figures: FeedbackFigures) -> KeyMessage:
    percent = figures.percent
    if percent is not None and percent < 50:
        rating = Rating.RED
    elif (percent is not None and percent < 80) or figures.overdue:
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


def deadlines_message(overdue_by: Sequence[int], coming: int, days: int = 90) -> KeyMessage:
    """``overdue_by``: how many days each overdue deadline is late; ``coming``: those due in
    the next ``days`` days and not yet overdue."""
    late = [n for n in overdue_by if n > DEADLINE_LATE_DAYS]
    if late:
        rating = Rating.RED
    elif overdue_by:
        rating = Rating.AMBER
    else:
        rating = Rating.GREEN
    if overdue_by:
        text = f"{_plural(len(overdue_by), 'deadline')} overdue"
        if late:
            text += f", {len(late):,} by more than {DEADLINE_LATE_DAYS} days (longest {max(late)})"
        text += f"; {coming:,} more due in the next {days} days"
    else:
        text = f"Nothing is overdue; {coming:,} due in the next {days} days"
    return KeyMessage("deadlines", "Deadlines", rating, text, len(overdue_by), " overdue", False)


def decisions_message(waiting_since: Sequence[dt.date | None], today: dt.date) -> KeyMessage:
    """``waiting_since``: the triage decision date of each case waiting for a route."""
    ages = [(today - day).days for day in waiting_since if day is not None]
    long = [n for n in ages if n > DECISION_WAIT_DAYS]
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
                f"; {len(long)} for over {DECISION_WAIT_DAYS} days since triage"
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
