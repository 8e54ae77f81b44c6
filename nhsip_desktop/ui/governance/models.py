"""IP governance: constants, words and the table models."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtWidgets import (
    QWidget,
)

from nhsip_desktop.assets.renewals import Deadline, add_months
from nhsip_desktop.cases.model import format_date
from nhsip_desktop.governance.model import (
    ACTIONS,
    ActionStatus,
    TrainingSession,
    TtcModel,
    training_in_last_year,
)

from ..table_model import RowsModel

Index = QModelIndex | QPersistentModelIndex
W = TypeVar("W", bound=QWidget)
Problems = list[tuple[str, str]]

ACTION_KEY_ROLE = Qt.ItemDataRole.UserRole + 1  # an action row's key ("sro", "policy", ...)
ID_ROLE = Qt.ItemDataRole.UserRole + 2  # a training row's session id; a deadline's source id
TEXT_ROLES = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole)
LEFT_TOP = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
RIGHT_TOP = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop

ACTION_COLUMNS: tuple[str, ...] = ("Action", "Status", "Evidence", "Dates", "Guidance")
DEADLINE_COLUMNS: tuple[str, ...] = ("Due", "When", "What")
TRAINING_COLUMNS: tuple[str, ...] = ("Date", "Audience", "Topic", "Attendees", "Delivered by")

# Short names of the five actions, for choosing one (the full titles are in ``ACTIONS``).
ACTION_SHORT: dict[str, str] = {
    "sro": "SRO and decision-making",
    "policy": "IP policy reviewed every year",
    "ttc": "TTC arrangements evaluated",
    "publish": "IP policy and TTC arrangements public",
    "training": "Rolling IP training for staff",
}
# Only changes to these record kinds can move a status, a deadline or a form.
# Agreements too: a TTC services agreement recorded there is the TTC arrangement (step 9).
GOVERNANCE_KINDS = frozenset({"governance", "training", "agreement"})
# Changes to these can move the feedback-within-target line.
FEEDBACK_KINDS = frozenset({"case", "setting"})
# Changes to these can make the last drafted IP policy differ from the register.
POLICY_FACT_KINDS = frozenset({"governance", "setting", "revenue_policy", "policy_draft"})
MODEL_CHOICES: tuple[TtcModel | None, ...] = (None, *TtcModel)
NOT_RECORDED = "Not recorded yet"
YEARS_SHOWN = 6  # the current financial year and the five before it


# -- words ------------------------------------------------------------------------------------
def _days(n: int) -> str:
    return f"{n} day{'' if n == 1 else 's'}"


def review_due_words(due: dt.date, today: dt.date) -> str:
    """ "due 14/03/2027, in 113 days", "due today, 14/03/2027" or
    "overdue by 12 days (it was due 02/11/2026)"."""
    days = (due - today).days
    if days < 0:
        return f"overdue by {_days(-days)} (it was due {format_date(due)})"
    if days == 0:
        return f"due today, {format_date(due)}"
    return f"due {format_date(due)}, in {_days(days)}"


def training_words(training: Sequence[TrainingSession], today: dt.date) -> str:
    """When IP training was last delivered, and whether that is within the last 12 months."""
    held = [s.held_on for s in training if s.held_on <= today]
    if not held:
        return (
            "No IP training sessions are recorded yet. Step 3 asks for rolling training for "
            "staff: record each session once it has been held."
        )
    last = max(held)
    ago = (today - last).days
    when = "today" if ago == 0 else f"{_days(ago)} ago"
    if training_in_last_year(training, today):
        return (
            f"IP training was last delivered on {format_date(last)} ({when}): within the last "
            f"12 months. The next session is due by {format_date(add_months(last, 12))}."
        )
    return (
        f"IP training was last delivered on {format_date(last)} ({when}): more than 12 months "
        "ago, so the training action is not met until another session is held."
    )


def _lines(text: str) -> str:
    """ "Approved 01/02/2025; next review due ..." as one part per line, each a capital."""
    return "\n".join(part[:1].upper() + part[1:] for part in text.split("; ") if part)


def guidance_words(references: Sequence[str]) -> str:
    """("Actions for organisations", "Step 1", "Step 9") as "Actions for organisations" and
    "Steps 1 and 9" on the next line."""
    steps = [r.removeprefix("Step ") for r in references if r.startswith("Step ")]
    others = [r for r in references if not r.startswith("Step ")]
    if len(steps) > 1:
        others.append("Steps " + ", ".join(steps[:-1]) + " and " + steps[-1])
    elif steps:
        others.append(f"Step {steps[0]}")
    return "\n".join(others)


# -- table models -----------------------------------------------------------------------------
@dataclass(frozen=True)
class _Row:
    cells: tuple[str, ...]
    key: int | str | None = None
    bold: frozenset[int] = frozenset()  # the columns shown in bold
    tooltip: str = ""


class _RowsModel(RowsModel):
    """A read-only table of rows of text; some cells bold (a state also said in words)."""

    KEY_ROLE = ID_ROLE
    RIGHT_ALIGNED: frozenset[int] = frozenset()

    def key_at(self, row: int) -> int | str | None:
        return self._rows[row].key if 0 <= row < len(self._rows) else None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.columns)
        if horizontal and role == Qt.ItemDataRole.TextAlignmentRole:
            side = (
                Qt.AlignmentFlag.AlignRight
                if section in self.RIGHT_ALIGNED
                else (Qt.AlignmentFlag.AlignLeft)
            )
            return side | Qt.AlignmentFlag.AlignVCenter
        return super().headerData(section, orientation, role)

    def text(self, row: _Row, column: int) -> str:
        return row.cells[column] if column < len(row.cells) else ""

    def accessible(self, row: _Row, column: int) -> str:
        return self.text(row, column).replace("\n", "; ")

    def tooltip(self, row: _Row, column: int) -> str | None:
        return row.tooltip or self.accessible(row, column) or None

    def is_bold(self, row: _Row, column: int) -> bool:
        return column in row.bold

    def alignment(self, row: _Row, column: int) -> Any:
        return RIGHT_TOP if column in self.RIGHT_ALIGNED else LEFT_TOP

    def extra(self, row: _Row, role: int) -> Any:
        return row.key if role == self.KEY_ROLE else None


class ActionTableModel(_RowsModel):
    """The five actions for organisations: status in words (bold when not met), evidence,
    dates and the parts of the guidance each comes from."""

    columns = ACTION_COLUMNS
    KEY_ROLE = ACTION_KEY_ROLE

    def __init__(self) -> None:
        super().__init__()
        self.statuses: list[ActionStatus] = []

    def load(self, statuses: Sequence[ActionStatus]) -> None:
        self.statuses = list(statuses)
        rows = []
        for number, status in enumerate(self.statuses, 1):
            action = ACTIONS[status.key]
            rows.append(
                _Row(
                    (
                        f"{number}. {status.title}",
                        status.status_words,
                        status.evidence,
                        _lines(status.dates) or "—",
                        guidance_words(action.references),
                    ),
                    key=status.key,
                    bold=frozenset({1}) if status.status == "not met" else frozenset(),
                    tooltip=f"{status.status_words}: {status.evidence}",
                )
            )
        self.set_rows(rows)

    def clear(self) -> None:
        self.statuses = []
        super().clear()

    def status_of(self, key: str) -> ActionStatus | None:
        return next((s for s in self.statuses if s.key == key), None)


class GovernanceDeadlineModel(_RowsModel):
    """The governance deadlines (SRO, the policy's yearly review, rolling training), soonest
    first; overdue ones said in words and shown in bold."""

    columns = DEADLINE_COLUMNS

    def load(self, deadlines: Sequence[Deadline], today: dt.date) -> None:
        rows = []
        for d in sorted(deadlines, key=lambda d: (d.due, d.text)):
            late = d.days_left(today) < 0
            rows.append(
                _Row(
                    (format_date(d.due), d.describe(today), d.text),
                    key=d.source_id,
                    bold=frozenset({0, 1}) if late else frozenset(),
                    tooltip=f"{d.describe(today)}: {d.text}",
                )
            )
        self.set_rows(rows)


class TrainingTableModel(_RowsModel):
    """The training log, newest first."""

    columns = TRAINING_COLUMNS
    RIGHT_ALIGNED = frozenset({3})

    def __init__(self) -> None:
        super().__init__()
        self.sessions: list[TrainingSession] = []

    def load(self, sessions: Sequence[TrainingSession]) -> None:
        self.sessions = sorted(sessions, key=lambda s: (s.held_on, s.id or 0), reverse=True)
        self.set_rows(
            [
                _Row(
                    (
                        format_date(s.held_on),
                        s.audience,
                        s.topic,
                        f"{s.attendees:,}",
                        s.delivered_by or "—",
                    ),
                    key=s.id,
                    tooltip=s.note,
                )
                for s in self.sessions
            ]
        )

    def clear(self) -> None:
        self.sessions = []
        super().clear()

    def session_at(self, row: int) -> TrainingSession | None:
        return self.sessions[row] if 0 <= row < len(self.sessions) else None


# -- forms ------------------------------------------------------------------------------------
