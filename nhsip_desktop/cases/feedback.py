"""Feedback to innovators within the register's target: the one definition (Qt-free).

Step 5 of the guidance ("IP initial evaluation and feedback") asks organisations to give
timely feedback to innovators, collaborators and third parties; the register's organisation
settings hold the target, in days from receipt (``feedback_target_days``). Every screen and
paper that reports feedback against the target (the board summary, the annual return and
the governance page) uses :func:`feedback_within_target`, so they always agree:

- the disclosures counted are those received in the period;
- feedback is *within the target* when it was given no more than the target's number of days
  after receipt;
- the share within the target is out of the disclosures whose feedback was given *or* is
  already overdue (not given, and more than the target's number of days have passed since
  receipt, as at ``today``); disclosures still inside their target are not counted yet, so
  leaving feedback overdue lowers the share rather than hiding from it;
- the median time to feedback is over the disclosures given feedback.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

__all__ = ["FEEDBACK_REFERENCE", "FEEDBACK_RULE", "FeedbackFigures", "feedback_within_target"]

FEEDBACK_REFERENCE = "Step 5"
FEEDBACK_RULE = (
    "Feedback within the target: for disclosures received in the period, feedback given no "
    "more than the target's number of days after receipt, out of those whose feedback was "
    "given or is already overdue (guidance step 5: timely feedback to innovators)."
)


@dataclass(frozen=True)
class FeedbackFigures:
    """Feedback for the disclosures received in one period (see the module docstring)."""

    target_days: int
    received: int  # disclosures received in the period
    days: tuple[int, ...]  # days from receipt to feedback, one per disclosure given feedback
    within: int  # given feedback within the target
    awaiting: int  # not given feedback yet
    overdue: int  # not given feedback and past the target

    @property
    def given(self) -> int:
        return len(self.days)

    @property
    def late(self) -> int:
        """Given feedback, but after the target."""
        return self.given - self.within

    @property
    def measured(self) -> int:
        """The disclosures the share is out of: feedback given or already overdue."""
        return self.given + self.overdue

    @property
    def percent(self) -> Decimal | None:
        if not self.measured:
            return None
        return (Decimal(100 * self.within) / Decimal(self.measured)).quantize(
            Decimal(1), rounding=ROUND_HALF_UP
        )

    @property
    def median(self) -> Decimal | None:
        return Decimal(str(statistics.median(self.days))) if self.days else None

    @property
    def share_text(self) -> str:
        """ "75% (3 of 4)", or "" when nothing is given or overdue yet."""
        percent = self.percent
        return f"{percent}% ({self.within} of {self.measured})" if percent is not None else ""

    @property
    def words(self) -> str:
        """The figure in one sentence, as the board summary and the governance page show it."""
        if not self.received:
            return "No disclosure was received in the period."
        if not self.measured:
            return (
                f"No disclosure received in the period has had feedback or is past the "
                f"{self.target_days}-day target yet."
            )
        text = f"{self.share_text} within the {self.target_days}-day target"
        if self.median is not None:
            shown = self.median.to_integral_value(rounding=ROUND_HALF_UP)
            text += f"; median {shown} day{'' if shown == 1 else 's'} to feedback"
        extra: list[str] = []
        if self.late:
            extra.append(f"{self.late} given late")
        if self.overdue:
            extra.append(f"{self.overdue} overdue")
        return text + (f" ({', '.join(extra)})" if extra else "") + "."


def feedback_within_target(
    received: Iterable[tuple[dt.date, dt.date | None]], target_days: int, today: dt.date
) -> FeedbackFigures:
    """Feedback against ``target_days`` for the disclosures ``received`` in a period, each
    ``(received_on, feedback_given_on or None)``, as at ``today``."""
    days: list[int] = []
    within = awaiting = overdue = count = 0
    for received_on, given_on in received:
        count += 1
        if given_on is not None:
            waited = (given_on - received_on).days
            days.append(waited)
            within += waited <= target_days
        else:
            awaiting += 1
            overdue += (today - received_on).days > target_days
    return FeedbackFigures(target_days, count, tuple(days), within, awaiting, overdue)
