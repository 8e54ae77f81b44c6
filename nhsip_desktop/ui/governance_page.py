"""IP governance (guidance steps 1, 3 and 9, and the actions for organisations).

The guidance ends with five actions every organisation providing or commissioning NHS services
should take: a senior responsible officer (SRO) for IP with clear decision-making, an IP policy
reviewed every year, technology transfer (TTC) arrangements that have been evaluated, the
policy and the TTC arrangements made public, and rolling IP training for staff. An annual
return to DHSC and NHS England is to follow.

The page's first tab shows each action's status in words (worked out by
:func:`~nhsip_desktop.governance.model.action_statuses`) and the governance deadlines; the other
tabs are the forms and the training log the statuses are worked out from, and the variations
from the guidance with the annual return (PDF).

Every form saves through ``register.governance.save`` and shows each problem beside its field.
The page reads the register only when the session says it changed (``changed``, ``opened``,
``locked``); a form with unsaved edits is not overwritten by a change saved elsewhere.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
    QTimer,
)
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from nhsip_desktop.assets.renewals import Deadline, add_months
from nhsip_desktop.cases.model import format_date
from nhsip_desktop.core.periods import financial_year, financial_year_of, period_text, year_label
from nhsip_desktop.governance.model import (
    ACTIONS,
    ANNEX_A_HEADINGS,
    ATTENDEES_MAX,
    ActionStatus,
    DecisionMaking,
    GovernanceRecord,
    IpPolicy,
    Sro,
    TrainingSession,
    TtcArrangement,
    TtcEvaluation,
    TtcInPlace,
    TtcModel,
    Variation,
    action_statuses,
    governance_deadlines,
    training_in_last_year,
    ttc_in_place,
)
from nhsip_desktop.store.errors import RegisterError, ValidationError

from .file_dialogs import remember, suggested
from .guidance_help import with_guidance
from .list_editor import FieldSpec, ListEditor, parse_date
from .session import RegisterSession
from .table_model import RowsModel
from .widgets import heading, paragraph

__all__ = [
    "ACTION_COLUMNS",
    "ACTION_KEY_ROLE",
    "ACTION_SHORT",
    "DEADLINE_COLUMNS",
    "ID_ROLE",
    "TRAINING_COLUMNS",
    "ActionTableModel",
    "GovernanceDeadlineModel",
    "GovernancePage",
    "TrainingDialog",
    "TrainingTableModel",
    "financial_year_of",
    "guidance_words",
    "review_due_words",
    "training_words",
]

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
def _field_key(key: str) -> str:
    """ "decision_making.stage_gates[2]" -> "decision_making.stage_gates"."""
    return re.sub(r"\[\d+\]$", "", key)


def _message_label() -> QLabel:
    message = QLabel()
    message.setObjectName("errorText")
    message.setWordWrap(True)
    message.setAccessibleName("Problem")
    message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    message.setContentsMargins(0, 3, 0, 0)  # on the field's text line, not its frame
    policy = message.sizePolicy()
    policy.setRetainSizeWhenHidden(True)
    message.setSizePolicy(policy)
    message.hide()
    return message


class _Form(QFormLayout):
    """A form whose every input has a buddy label, an accessible name and help, and beside it
    a place for the message that says what is wrong with it."""

    def __init__(self) -> None:
        super().__init__()
        self.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setVerticalSpacing(8)
        self.fields: dict[str, QWidget] = {}
        self.messages: dict[str, QLabel] = {}
        self._help: dict[str, str] = {}

    def _row(self, key: str, field: QWidget, help_text: str) -> QWidget:
        if help_text:
            field.setAccessibleDescription(help_text)
            field.setToolTip(help_text)
        message = _message_label()
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        line.setSpacing(12)
        line.addWidget(field, 3, Qt.AlignmentFlag.AlignTop)
        line.addWidget(message, 2, Qt.AlignmentFlag.AlignTop)
        self.fields[key] = field
        self.messages[key] = message
        self._help[key] = help_text
        return row

    def add(self, key: str, label: str, field: W, help_text: str = "") -> W:
        caption = QLabel(label)
        caption.setBuddy(field)
        field.setAccessibleName(label.replace("&", "").rstrip(":"))
        self.addRow(caption, self._row(key, field, help_text))
        return field

    def add_unlabelled(self, key: str, field: W, name: str, help_text: str = "") -> W:
        """A checkbox or group that carries its own words."""
        field.setAccessibleName(name)
        self.addRow("", self._row(key, field, help_text))
        return field

    def section(self, title: str) -> None:
        """A heading across the form, so both halves of a tab share one label column."""
        if self.rowCount():
            spacer = QWidget()
            spacer.setFixedHeight(4)
            self.addRow(spacer)
        self.addRow(heading(title, 2))

    def attach(self, key: str, field: QWidget, message: QLabel) -> None:
        """A field laid out elsewhere (a group of checkboxes) with its message below it."""
        self.fields[key] = field
        self.messages[key] = message
        self._help[key] = ""

    def show_problems(self, problems: Sequence[tuple[str, str]]) -> list[str]:
        """Show each message beside its field; return the messages no field here owns."""
        left = [m for f, m in problems if _field_key(f) not in self.messages]
        for key, label in self.messages.items():
            text = " ".join(m for f, m in problems if _field_key(f) == key)
            if label.text() != text:
                label.setText(text)
            label.setVisible(bool(text))
            described = " ".join(t for t in (self._help[key], text and f"Problem: {text}") if t)
            self.fields[key].setAccessibleDescription(described)
        return left

    def first_problem(self, problems: Sequence[tuple[str, str]]) -> QWidget | None:
        for key, _message in problems:
            field = self.fields.get(_field_key(key))
            if field is not None:
                return field
        return None


def _line(placeholder: str = "") -> QLineEdit:
    field = QLineEdit()
    if placeholder:
        field.setPlaceholderText(placeholder)
    return field


def _date_line(value: dt.date | None = None) -> QLineEdit:
    field = QLineEdit(format_date(value))
    field.setPlaceholderText("dd/mm/yyyy")
    field.setMaximumWidth(160)
    return field


def _text_box(height: int, placeholder: str = "") -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setTabChangesFocus(True)
    box.setFixedHeight(height)
    if placeholder:
        box.setPlaceholderText(placeholder)
    return box


def _hint(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setObjectName("hintText")
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _error_line() -> QLabel:
    label = QLabel()
    label.setObjectName("errorText")
    label.setWordWrap(True)
    label.setAccessibleName("Problem")
    label.hide()
    return label


def _read_date(
    text: str, key: str, what: str, problems: Problems, *, required: bool = True
) -> dt.date | None:
    try:
        value = parse_date(text)
    except ValueError as exc:
        problems.append((key, str(exc)))
        return None
    if value is None and required:
        problems.append((key, f"Enter the date {what}, dd/mm/yyyy."))
    return value


def _checked(
    problems: Problems, prefix: str, validate: Callable[[dt.date], Problems], today: dt.date
) -> None:
    """Add the part's own problems (named ``prefix.field``) for fields not already at fault."""
    found = {_field_key(f) for f, _m in problems}
    for name, message in validate(today):
        key = f"{prefix}.{name}"
        if _field_key(key) not in found:
            problems.append((key, message))


# -- the training dialog ----------------------------------------------------------------------
class TrainingDialog(QDialog):
    """Record a training session that has been held (``register.governance.add_training``)."""

    def __init__(self, session: RegisterSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.saved: TrainingSession | None = None
        self.setWindowTitle("Record a training session")
        self.setAccessibleName("Record a training session")

        form = self.form = _Form()
        self.held_on = form.add(
            "held_on", "&Date held:", _date_line(dt.date.today()), "dd/mm/yyyy, today or earlier."
        )
        self.audience = form.add(
            "audience",
            "&Audience:",
            _line("e.g. Research nurses, surgical division"),
            "Who the session was for.",
        )
        self.topic = form.add(
            "topic", "&Topic:", _line("e.g. What IP is and how to disclose an idea")
        )
        self.attendees = QSpinBox()
        self.attendees.setRange(0, ATTENDEES_MAX)
        self.attendees.setMaximumWidth(120)
        self.attendees.setGroupSeparatorShown(True)
        form.add("attendees", "Atte&ndees:", self.attendees, "How many staff attended.")
        self.delivered_by = form.add(
            "delivered_by", "Delivered &by:", _line("e.g. IP lead, or the TTC partner")
        )
        self.note = form.add("note", "N&ote:", _line(), "Anything else worth keeping.")

        self.error = _error_line()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setDefault(True)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(12)
        layout.addWidget(
            paragraph(
                "Record a session once it has been held: step 3 asks for rolling IP training "
                "for staff, and the training action counts sessions in the last 12 months."
            )
        )
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        # The fields and buttons are created in the order they are shown, which is the Tab
        # order. (Re-linking them by hand made Tab run between Save and Cancel for ever.)
        self.held_on.setFocus()
        self.resize(720, 400)

    def show_problems(self, problems: Sequence[tuple[str, str]]) -> None:
        left = self.form.show_problems(problems)
        self.error.setText(" ".join(left))
        self.error.setVisible(bool(left))
        field = self.form.first_problem(problems)
        if field is not None:
            field.setFocus()

    def save(self) -> bool:
        problems: Problems = []
        held_on = _read_date(self.held_on.text(), "held_on", "the session was held", problems)
        self.attendees.interpretText()
        training = TrainingSession(
            held_on=held_on or dt.date.today(),
            audience=self.audience.text(),
            topic=self.topic.text(),
            attendees=self.attendees.value(),
            delivered_by=self.delivered_by.text(),
            note=self.note.text(),
        )
        found = {f for f, _m in problems}
        problems += [(f, m) for f, m in training.validate(dt.date.today()) if f not in found]
        if problems:
            self.show_problems(problems)
            return False
        try:
            self.saved = self.session.register.governance.add_training(training)
        except ValidationError as exc:
            self.show_problems(exc.problems or [("", str(exc))])
            return False
        except RegisterError as exc:
            self.show_problems([("", str(exc))])
            return False
        self.accept()
        return True


# -- the page ---------------------------------------------------------------------------------
class _PaddedDelegate(QStyledItemDelegate):
    """Room around each cell's text, counted in the row height too (a stylesheet's item
    padding is not, so wrapped text would be clipped)."""

    PAD_X, PAD_Y = 6, 4

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        inner = QStyleOptionViewItem(option)
        inner.rect = option.rect.adjusted(0, 0, -2 * self.PAD_X, 0)
        size = super().sizeHint(inner, index)
        return QSize(size.width() + 2 * self.PAD_X, size.height() + 2 * self.PAD_Y)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        full = QStyleOptionViewItem(option)
        self.initStyleOption(full, index)
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, full, painter, widget)
        inner = QStyleOptionViewItem(option)
        inner.rect = option.rect.adjusted(self.PAD_X, self.PAD_Y, -self.PAD_X, -self.PAD_Y)
        super().paint(painter, inner, index)


class _Table(QTableView):
    """A read-only table: whole rows, wrapped text, rows as tall as their text."""

    def __init__(self, name: str, model: QAbstractTableModel) -> None:
        super().__init__()
        self._fit_pending = False
        self.setModel(model)
        self.setItemDelegate(_PaddedDelegate(self))
        self.setAccessibleName(name)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setWordWrap(True)
        self.setTabKeyNavigation(False)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setMinimumSectionSize(28)
        # Rows as tall as their wrapped text, worked out again whenever a column's width
        # changes (ResizeToContents alone keeps heights from earlier widths, clipping text).
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.horizontalHeader().sectionResized.connect(self._fit_rows)
        model.modelReset.connect(self._fit_rows)
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)

    def _fit_rows(self, *_args: object) -> None:
        # Once the widths have settled (one pass however many columns moved).
        if self.wordWrap() and not self._fit_pending:
            self._fit_pending = True
            QTimer.singleShot(0, self._fit_now)

    def _fit_now(self) -> None:
        self._fit_pending = False
        self.resizeRowsToContents()

    def size_columns(self, samples: dict[int, str], stretch: int) -> None:
        """Each column in ``samples`` as wide as its sample in bold, or its title; the
        ``stretch`` column takes the spare width."""
        header = self.horizontalHeader()
        bold = QFont(self.font())
        bold.setBold(True)
        metrics = QFontMetrics(bold)
        model = self.model()
        for column, sample in samples.items():
            title = str(model.headerData(column, Qt.Orientation.Horizontal) or "")
            width = max(metrics.horizontalAdvance(sample), metrics.horizontalAdvance(title))
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, width + 26)
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)


def _scrolled(content: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidget(content)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    return area


def _tab_page() -> tuple[QWidget, QVBoxLayout]:
    page = QWidget()
    layout = QVBoxLayout(page)
    layout.setContentsMargins(14, 12, 14, 12)
    layout.setSpacing(8)
    return page, layout


def _button_bar(status: QLabel, *buttons: QPushButton) -> QHBoxLayout:
    bar = QHBoxLayout()
    bar.addWidget(status, 1)
    for button in buttons:
        bar.addWidget(button)
    return bar


class PolicyNotice(QFrame):
    """Whether the last drafted IP policy still matches the register: an icon and words (never
    colour alone), with each difference on its own line."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.setObjectName("emptyCard")
        self.setAccessibleName(name)
        self.icon = QLabel()
        self.icon.setFixedWidth(28)
        self.icon.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text.setAccessibleName(name)
        line = QHBoxLayout(self)
        line.setContentsMargins(10, 8, 10, 8)
        line.setSpacing(8)
        line.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        line.addWidget(self.text, 1)
        self.out_of_date = False
        self.words = ""  # the notice in plain words
        self.hide()

    def show_state(self, out_of_date: bool, text: str) -> None:
        icon = (
            QStyle.StandardPixmap.SP_MessageBoxWarning
            if out_of_date
            else QStyle.StandardPixmap.SP_DialogApplyButton
        )
        self.icon.setPixmap(self.style().standardIcon(icon).pixmap(20, 20))
        self.icon.setAccessibleName("Out of date" if out_of_date else "Up to date")
        first, _, rest = text.partition(":")
        lines = html.escape(rest).replace("\n", "<br>")
        self.text.setText(f"<b>{html.escape(first)}:</b>{lines}")
        self.text.setAccessibleDescription(text)
        self.words = text
        self.out_of_date = out_of_date
        self.show()

    def clear(self) -> None:
        self.out_of_date = False
        self.words = ""
        self.text.clear()
        self.hide()


class GovernancePage(QWidget):
    """The "IP governance" area: the five actions, the forms and the training log behind
    them, the variations from the guidance and the annual return."""

    TAB_ACTIONS, TAB_SRO, TAB_POLICY, TAB_TTC, TAB_TRAINING, TAB_RETURN = range(6)
    SECTIONS = ("sro", "policy", "ttc", "variations")  # the forms that can hold unsaved edits

    def __init__(self, session: RegisterSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("area-governance")
        self.setAccessibleName("Governance")
        self.session = session
        self.today = dt.date.today()
        self.record = GovernanceRecord()
        self.training: list[TrainingSession] = []
        # The TTC arrangement in place (store.facts: the agreements register is the truth).
        self.ttc: TtcInPlace = ttc_in_place(self.record, (), self.today)
        self._dirty: set[str] = set()
        self._loading = False
        self._readable = False  # the stored record could be read (forms can be saved)
        self._dialog: QDialog | None = None
        self._years: list[int] = []

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Governance sections")
        self.tabs.addTab(self._build_actions(), "&Actions")
        self.tabs.addTab(_scrolled(self._build_sro()), "&SRO and decisions")
        self.tabs.addTab(_scrolled(self._build_policy()), "IP &policy")
        self.tabs.addTab(_scrolled(self._build_ttc()), "&TTC arrangement")
        self.tabs.addTab(self._build_training(), "T&raining log")
        self.tabs.addTab(self._build_return(), "&Variations and annual return")

        self.load_error = QLabel()
        self.load_error.setObjectName("alertBox")
        self.load_error.setWordWrap(True)
        self.load_error.setAccessibleName("Problem")
        self.load_error.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.setSpacing(8)
        layout.addWidget(heading("IP governance"))
        intro = paragraph(
            "Step 1 and the five actions for organisations: who answers for IP (the SRO) and "
            "decides, the IP policy and its yearly review, the TTC arrangement, and training."
        )
        layout.addWidget(with_guidance(intro, "Step 1"))
        layout.addWidget(self.load_error)
        layout.addWidget(self.tabs, 1)

        for field in self._watched("sro"):
            self._watch(field, "sro")
        for field in self._watched("policy"):
            self._watch(field, "policy")
        for field in self._watched("ttc"):
            self._watch(field, "ttc")
        self.variations.changed.connect(lambda: self._mark_dirty("variations"))

        session.changed.connect(self._on_changed)
        session.opened.connect(self._on_opened)
        session.about_to_lock.connect(self.save_pending)
        session.locked.connect(self._on_locked)
        if session.is_open:
            self.refresh()
        else:
            self._clear()

    # -- building the tabs --------------------------------------------------------------
    def _build_actions(self) -> QWidget:
        self.action_model = ActionTableModel()
        self.actions_table = _Table("The five actions for organisations", self.action_model)
        self.actions_table.size_columns(
            {1: "Partly met", 3: "Next review due 30/09/2026", 4: "organisations"},
            stretch=2,
        )
        header = self.actions_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(0, 205)
        self.action_summary = QLabel()
        self.action_summary.setObjectName("stageText")
        self.action_summary.setAccessibleName("Summary of the actions")
        self.action_summary.setWordWrap(True)
        self.feedback_line = QLabel()
        self.feedback_line.setAccessibleName("Feedback to innovators within the target")
        self.feedback_line.setWordWrap(True)

        self.deadline_model = GovernanceDeadlineModel()
        self.deadline_table = _Table("Governance deadlines", self.deadline_model)
        self.deadline_table.size_columns({0: "30/09/2026", 1: "Overdue by 365 days"}, stretch=2)
        self.deadline_table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.deadline_model.modelReset.connect(self._fit_deadlines)
        # One line a deadline (the full text in its tooltip), so the table's height is known.
        self.deadline_table.setWordWrap(False)
        self.deadline_table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.deadline_table.verticalHeader().setDefaultSectionSize(30)

        page, layout = _tab_page()
        layout.addWidget(
            paragraph(
                "The guidance's “Actions for organisations” (steps 1, 3 and 9): an SRO for IP "
                "with clear decision-making, an IP policy reviewed every year, evaluated "
                "technology transfer (TTC) arrangements, the policy and the TTC arrangements "
                "made public, and rolling IP training for staff. Each status is worked out "
                "from the other tabs."
            )
        )
        layout.addWidget(self.action_summary)
        layout.addWidget(self.feedback_line)
        self.actions_policy_notice = PolicyNotice("IP policy draft compared with the register")
        layout.addWidget(self.actions_policy_notice)
        layout.addWidget(self.actions_table, 3)
        layout.addWidget(heading("Governance deadlines", 2))
        layout.addWidget(self.deadline_table)
        return page

    def _fit_deadlines(self) -> None:
        """The deadlines table as tall as its few rows, so the actions get the rest."""
        table = self.deadline_table
        rows = table.verticalHeader().length()
        height = table.horizontalHeader().sizeHint().height() + rows + 2 * table.frameWidth()
        height = max(height, 60)
        if table.height() != height or table.minimumHeight() != height:
            table.setFixedHeight(height)

    def _build_sro(self) -> QWidget:
        form = self.sro_form = _Form()
        form.section("Senior responsible officer")
        self.sro_name = form.add("sro.name", "&Name:", _line("e.g. Dr Priya Shah"))
        self.sro_role = form.add(
            "sro.role", "R&ole:", _line("e.g. Medical Director"), "Their post in the trust."
        )
        self.sro_appointed = form.add(
            "sro.appointed_on", "&Date appointed:", _date_line(), "dd/mm/yyyy, today or earlier."
        )
        form.section("Decision-making")
        self.decision_maker = form.add(
            "decision_making.ultimate_decision_maker",
            "&Ultimate decision maker:",
            _line("e.g. Chief Executive, on the SRO's advice"),
            "Who makes the final decisions on IP.",
        )
        self.stage_gates = form.add(
            "decision_making.stage_gates",
            "Stage gat&es (one per line):",
            _text_box(
                110, "e.g.\nDisclosure received\nTriage decision\nRoute chosen\nAgreement signed"
            ),
            "The points where an innovation is checked before it moves on, one per line.",
        )
        self.pathway_published = form.add_unlabelled(
            "decision_making.pathway_published",
            QCheckBox("The innovation pathway is pu&blished"),
            "The innovation pathway is published",
        )
        self.pathway_where = form.add(
            "decision_making.pathway_where",
            "Pathway published &where:",
            _line("A web address, or where staff and the public can find it"),
        )
        self.save_sro_button = QPushButton("Save SRO and decision-&making")
        self.save_sro_button.setAccessibleName("Save the SRO and decision-making")
        self.save_sro_button.clicked.connect(self.save_sro)
        self.sro_status = _hint()
        self.sro_status.setAccessibleName("Status")
        self.sro_error = _error_line()

        page, layout = _tab_page()
        layout.addWidget(
            paragraph(
                "Step 1: a senior responsible officer (SRO) is accountable for IP in the trust, "
                "and decisions follow a clear path with stage gates and one ultimate decision "
                "maker. Leave every box empty to record that there is none."
            )
        )
        layout.addSpacing(4)
        layout.addLayout(form)
        layout.addWidget(self.sro_error)
        layout.addLayout(_button_bar(self.sro_status, self.save_sro_button))
        layout.addStretch(1)
        return page

    def _build_policy(self) -> QWidget:
        form = self.policy_form = _Form()
        self.policy_version = form.add("policy.version", "Versi&on:", _line("e.g. 2.1"))
        self.policy_version.setMaximumWidth(200)
        self.policy_approved_by = form.add(
            "policy.approved_by", "Approved &by:", _line("e.g. Trust Board")
        )
        self.policy_approved_on = form.add(
            "policy.approved_on", "Approval &date:", _date_line(), "dd/mm/yyyy, today or earlier."
        )
        self.policy_last_review = form.add(
            "policy.last_review",
            "&Last review:",
            _date_line(),
            "dd/mm/yyyy; empty if not reviewed since it was approved.",
        )
        self.policy_where = form.add(
            "policy.published_at",
            "Published &where:",
            _line("e.g. https://www.example-trust.nhs.uk/ip-policy"),
            "A web address, or where the public can find it; empty if not published.",
        )
        self.heading_boxes: dict[int, QCheckBox] = {}
        group = QGroupBox("Annex A headings the policy covers")
        grid = QGridLayout(group)
        grid.setHorizontalSpacing(18)
        grid.setVerticalSpacing(4)
        half = (len(ANNEX_A_HEADINGS) + 1) // 2
        for position, (number, title) in enumerate(ANNEX_A_HEADINGS.items()):
            box = QCheckBox(f"{number}. {title}")
            box.setAccessibleName(f"Annex A heading {number}: {title}")
            self.heading_boxes[number] = box
            grid.addWidget(box, position % half, position // half)
        self.headings_message = _message_label()
        form.attach("policy.headings_covered", group, self.headings_message)
        self.policy_due = QLabel()
        self.policy_due.setObjectName("stageText")
        self.policy_due.setWordWrap(True)
        self.policy_due.setAccessibleName("Next review of the IP policy")
        self.save_policy_button = QPushButton("Save the IP poli&cy")
        self.save_policy_button.setAccessibleName("Save the IP policy")
        self.save_policy_button.clicked.connect(self.save_policy)
        self.policy_status = _hint()
        self.policy_status.setAccessibleName("Status")
        self.policy_error = _error_line()
        self.draft_policy_button = QPushButton("Dra&ft the IP policy…")
        self.draft_policy_button.setAccessibleName("Draft the IP policy")
        self.draft_policy_button.setToolTip(
            "Draft the policy over the twelve Annex A headings from this register, as Word and "
            "PDF, and record the version."
        )
        self.draft_policy_button.clicked.connect(self.open_policy_builder)
        self.policy_notice = PolicyNotice("IP policy draft compared with the register")

        page, layout = _tab_page()
        layout.addWidget(
            paragraph(
                "Step 1: the IP policy is reviewed every year, kept in line with the guidance's "
                "good practice and made public. Annex A suggests twelve headings a policy "
                "should cover; tick those yours does."
            )
        )
        layout.addSpacing(4)
        layout.addWidget(self.policy_due)
        layout.addWidget(self.policy_notice)
        draft_bar = QHBoxLayout()
        draft_bar.addWidget(
            _hint(
                "The builder drafts the policy from this register, so that it says what the "
                "register says."
            ),
            1,
        )
        draft_bar.addWidget(self.draft_policy_button)
        layout.addLayout(draft_bar)
        layout.addSpacing(4)
        layout.addLayout(form)
        layout.addWidget(group)
        layout.addWidget(self.headings_message)
        layout.addWidget(self.policy_error)
        layout.addLayout(_button_bar(self.policy_status, self.save_policy_button))
        layout.addStretch(1)
        return page

    def _build_ttc(self) -> QWidget:
        form = self.ttc_form = _Form()
        arrangement = evaluation = form
        form.section("The arrangement now")
        self.ttc_model = QComboBox()
        for model in MODEL_CHOICES:
            self.ttc_model.addItem(NOT_RECORDED if model is None else model.label)
        arrangement.add(
            "ttc_arrangement.model",
            "&Model:",
            self.ttc_model,
            "How the trust reaches technology transfer capability now.",
        )
        self.ttc_provider = arrangement.add(
            "ttc_arrangement.provider",
            "Provi&der:",
            _line("e.g. Northern Health Innovation Hub"),
            "Who provides it (not needed for no TTC).",
        )
        self.ttc_published = arrangement.add_unlabelled(
            "ttc_arrangement.published",
            QCheckBox("The TTC arrangements are pu&blished"),
            "The TTC arrangements are published",
        )
        self.ttc_where = arrangement.add(
            "ttc_arrangement.where",
            "Published &where:",
            _line("A web address, or where the public can find it"),
        )

        form.section("The evaluation")
        self.considered_boxes: dict[TtcModel, QCheckBox] = {}
        considered = QWidget()
        column = QVBoxLayout(considered)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        for model in TtcModel:
            box = QCheckBox(model.label)
            box.setAccessibleName(f"Considered: {model.label}")
            self.considered_boxes[model] = box
            column.addWidget(box)
        considered_label = QLabel("Models considered:")
        evaluation.addRow(
            considered_label,
            evaluation._row("ttc_evaluation.models_considered", considered, ""),
        )
        considered.setAccessibleName("Models considered")
        self.ttc_decision = QComboBox()
        for model in MODEL_CHOICES:
            self.ttc_decision.addItem(NOT_RECORDED if model is None else model.label)
        evaluation.add(
            "ttc_evaluation.decision", "De&cision:", self.ttc_decision, "The model decided on."
        )
        self.ttc_reason = evaluation.add(
            "ttc_evaluation.reason",
            "Reaso&ns:",
            _text_box(76, "Why this model: cost, expertise, capacity, fit with the trust"),
        )
        self.ttc_decided_on = evaluation.add(
            "ttc_evaluation.decided_on", "Decided &on:", _date_line(), "dd/mm/yyyy."
        )
        self.save_ttc_button = QPushButton("Sav&e TTC arrangement and evaluation")
        self.save_ttc_button.setAccessibleName("Save the TTC arrangement and evaluation")
        self.save_ttc_button.clicked.connect(self.save_ttc)
        self.ttc_status = _hint()
        self.ttc_status.setAccessibleName("Status")
        self.ttc_error = _error_line()

        self.ttc_agreement_line = QLabel()
        self.ttc_agreement_line.setWordWrap(True)
        self.ttc_agreement_line.setAccessibleName("TTC services agreement in Agreements")
        self.ttc_agreement_line.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )

        page, layout = _tab_page()
        layout.addWidget(
            paragraph(
                "Step 9: explore the ways of reaching technology transfer capability (a "
                "university, a regional TTC, your own, or a private provider), record which "
                "were considered, what was decided and why, and publish the arrangements."
            )
        )
        layout.addWidget(self.ttc_agreement_line)
        layout.addSpacing(4)
        layout.addLayout(form)
        layout.addWidget(self.ttc_error)
        layout.addLayout(_button_bar(self.ttc_status, self.save_ttc_button))
        layout.addStretch(1)
        return page

    def _build_training(self) -> QWidget:
        self.training_model = TrainingTableModel()
        self.training_table = _Table("Training log", self.training_model)
        self.training_table.size_columns(
            {0: "30/09/2026", 3: "Attendees", 4: "IP lead and TTC partner"}, stretch=2
        )
        header = self.training_table.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(1, 260)
        self.training_table.selectionModel().selectionChanged.connect(self._update_training_buttons)
        self.training_summary = QLabel()
        self.training_summary.setObjectName("stageText")
        self.training_summary.setWordWrap(True)
        self.training_summary.setAccessibleName("When training was last delivered")
        self.add_training_button = QPushButton("A&dd session…")
        self.add_training_button.setAccessibleName("Add a training session")
        self.add_training_button.clicked.connect(self.add_training)
        self.remove_training_button = QPushButton("Re&move…")
        self.remove_training_button.setAccessibleName("Remove the selected training session")
        self.remove_training_button.clicked.connect(self.remove_training)
        self.training_status = _hint()
        self.training_status.setAccessibleName("Status")

        page, layout = _tab_page()
        layout.addWidget(
            paragraph(
                "Steps 3 and 9: staff are trained in IP on a rolling basis. Record each session "
                "held; the training action is met while a session was held in the last 12 "
                "months. Hover over a session to see its note."
            )
        )
        layout.addWidget(self.training_summary)
        layout.addWidget(self.training_table, 1)
        layout.addLayout(
            _button_bar(self.training_status, self.remove_training_button, self.add_training_button)
        )
        return page

    def _build_return(self) -> QWidget:
        self.variations = ListEditor(
            "variation",
            [
                FieldSpec(
                    "action_key",
                    "Action",
                    "choice",
                    tuple(
                        (key, f"{number}. {ACTION_SHORT[key]}")
                        for number, key in enumerate(ACTIONS, 1)
                    ),
                    "The action the trust's practice varies from.",
                ),
                FieldSpec("variation", "Variation", help="How practice varies from the guidance."),
                FieldSpec("mitigation", "Mitigation", help="How its risk is mitigated."),
            ],
            lambda: Variation("sro", "", ""),
            self._describe_variation,
        )
        self.variations.setMinimumHeight(150)
        self.save_variations_button = QPushButton("Save varia&tions")
        self.save_variations_button.setAccessibleName("Save the variations")
        self.save_variations_button.clicked.connect(self.save_variations)
        self.variations_status = _hint()
        self.variations_status.setAccessibleName("Status")
        self.variations_error = _error_line()

        self.year = QComboBox()
        self.year.setAccessibleName("Financial year")
        self.year.setMinimumWidth(220)
        year_caption = QLabel("Financial &year:")
        year_caption.setBuddy(self.year)
        self.annual_return_button = QPushButton("Annual return (P&DF)…")
        self.annual_return_button.setAccessibleName("Write the annual return as a PDF")
        self.annual_return_button.setToolTip(
            "A PDF of the five actions, the variations and the year's figures. It leaves the "
            "encrypted register."
        )
        self.annual_return_button.clicked.connect(lambda: self.write_annual_return())
        self.return_status = _hint()
        self.return_status.setAccessibleName("Status")

        page, layout = _tab_page()
        layout.addWidget(heading("Variations from the guidance", 2))
        layout.addWidget(
            paragraph(
                "Where the trust's practice differs from the guidance, say how and how the risk "
                "is mitigated: the annual return explains each variation."
            )
        )
        layout.addWidget(self.variations, 1)
        layout.addWidget(self.variations_error)
        layout.addLayout(_button_bar(self.variations_status, self.save_variations_button))
        layout.addSpacing(8)
        layout.addWidget(heading("Annual return", 2))
        layout.addWidget(
            paragraph(
                "DHSC and NHS England will in due course ask for a yearly return on these "
                "actions. Until their template is published, the PDF sets out each action's "
                "status and evidence, the variations, and the register's figures for the year."
            )
        )
        line = QHBoxLayout()
        line.addWidget(year_caption)
        line.addWidget(self.year)
        line.addSpacing(12)
        line.addWidget(self.annual_return_button)
        line.addStretch(1)
        layout.addLayout(line)
        layout.addWidget(self.return_status)
        return page

    @staticmethod
    def _describe_variation(item: Variation) -> str:
        short = ACTION_SHORT.get(item.action_key, item.action_key)
        text = item.variation.strip() or "(not described yet)"
        if len(text) > 60:
            text = text[:59] + "…"
        return f"{short}: {text}"

    # -- unsaved edits ------------------------------------------------------------------
    def _watched(self, section: str) -> list[QWidget]:
        if section == "sro":
            return [
                self.sro_name,
                self.sro_role,
                self.sro_appointed,
                self.decision_maker,
                self.stage_gates,
                self.pathway_published,
                self.pathway_where,
            ]
        if section == "policy":
            return [
                self.policy_version,
                self.policy_approved_by,
                self.policy_approved_on,
                self.policy_last_review,
                self.policy_where,
                *self.heading_boxes.values(),
            ]
        return [
            self.ttc_model,
            self.ttc_provider,
            self.ttc_published,
            self.ttc_where,
            *self.considered_boxes.values(),
            self.ttc_decision,
            self.ttc_reason,
            self.ttc_decided_on,
        ]

    def _watch(self, field: QWidget, section: str) -> None:
        def mark(*_args: object) -> None:
            self._mark_dirty(section)

        if isinstance(field, QLineEdit):
            field.textEdited.connect(mark)
        elif isinstance(field, QPlainTextEdit):
            field.textChanged.connect(mark)
        elif isinstance(field, QCheckBox):
            field.toggled.connect(mark)
        elif isinstance(field, QComboBox):
            field.currentIndexChanged.connect(mark)

    def _status_label(self, section: str) -> QLabel:
        return {
            "sro": self.sro_status,
            "policy": self.policy_status,
            "ttc": self.ttc_status,
            "variations": self.variations_status,
        }[section]

    def _mark_dirty(self, section: str) -> None:
        if self._loading or section in self._dirty:
            return
        self._dirty.add(section)
        self._status_label(section).setText("Changes not saved yet.")

    @property
    def unsaved(self) -> frozenset[str]:
        """The forms with edits not saved yet (of :attr:`SECTIONS`)."""
        return frozenset(self._dirty)

    # -- refreshing (only from the session's signals) ------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        # "Due in 3 days" is relative to today: refresh when shown on a later day.
        if self.session.is_open and self.today != dt.date.today():
            self.refresh()

    def _on_opened(self) -> None:
        self._dirty.clear()
        self.refresh()

    def _on_locked(self) -> None:
        self._dirty.clear()
        self._clear()

    def _on_changed(self, changes: object) -> None:
        kinds: frozenset[str] = getattr(changes, "kinds", frozenset())
        if not kinds or kinds & GOVERNANCE_KINDS:
            self.refresh()
            return
        if kinds & FEEDBACK_KINDS and self.session.is_open:
            self._show_feedback(dt.date.today())
        if kinds & POLICY_FACT_KINDS:
            self.refresh_policy_notice()

    def refresh(self) -> None:
        if not self.session.is_open:
            self._clear()
            return
        governance = self.session.register.governance
        self.today = today = dt.date.today()
        try:
            record = governance.record()
            self._readable = True
            self.load_error.hide()
        except ValueError as exc:
            record = GovernanceRecord()
            self._readable = False
            self.load_error.setText(
                f"The governance record in this register could not be read ({exc}), so it "
                "cannot be changed here. Run “nhsip-desktop check” and restore a backup."
            )
            self.load_error.show()
        self.record = record
        self.training = governance.training()
        facts = self.session.register.facts
        self.ttc = facts.ttc_arrangement(today, record)
        statuses = action_statuses(record, self.training, today, self.ttc)
        self._show_feedback(today)
        self.action_model.load(statuses)
        self.deadline_model.load(governance_deadlines(record, self.training, today), today)
        met = sum(1 for s in statuses if s.status == "met")
        partly = sum(1 for s in statuses if s.status == "partly")
        not_met = sum(1 for s in statuses if s.status == "not met")
        self.action_summary.setText(
            f"As at {format_date(today)}: {met} of {len(statuses)} actions met, {partly} partly "
            f"met, {not_met} not met."
        )
        self.training_model.load(self.training)
        self.training_summary.setText(training_words(self.training, today))
        self._show_policy_due(record.policy, today)
        self._refresh_years(today)
        self._loading = True
        try:
            if "sro" not in self._dirty:
                self._load_sro(record)
            if "policy" not in self._dirty:
                self._load_policy(record.policy)
            if "ttc" not in self._dirty:
                self._load_ttc(record)
            if "variations" not in self._dirty:
                self.variations.set_items([replace(v) for v in record.variations])
                self._show_variation_problems([])
                self.variations_status.setText(
                    ""
                    if record.variations
                    else "None recorded: add one only where practice differs from the guidance."
                )
        finally:
            self._loading = False
        for button in (
            self.save_sro_button,
            self.save_policy_button,
            self.save_ttc_button,
            self.save_variations_button,
        ):
            button.setEnabled(self._readable)
        self.add_training_button.setEnabled(True)
        self.annual_return_button.setEnabled(self._readable)
        self.draft_policy_button.setEnabled(self._readable)
        self._update_training_buttons()
        self.refresh_policy_notice()

    def _show_feedback(self, today: dt.date) -> None:
        """Feedback within the target for the financial year so far: the one definition
        the board summary and the annual return use (``feedback`` module, step 5)."""
        year = financial_year_of(today)
        start, _end = financial_year(year)
        figures = self.session.register.facts.feedback(start, today, today)
        self.feedback_line.setText(
            f"Feedback to innovators (step 5), {year_label(year)} so far: {figures.words}"
        )

    def _clear(self) -> None:
        self.record = GovernanceRecord()
        self.training = []
        self.ttc = ttc_in_place(self.record, (), dt.date.today())
        self.feedback_line.clear()
        self._readable = False
        for model in (self.action_model, self.deadline_model, self.training_model):
            model.clear()
        self.action_summary.clear()
        self.training_summary.clear()
        self.policy_due.clear()
        self.policy_notice.clear()
        self.actions_policy_notice.clear()
        self.load_error.hide()
        self._loading = True
        try:
            self._load_sro(GovernanceRecord())
            self._load_policy(None)
            self._load_ttc(GovernanceRecord())
            self.variations.set_items([])
        finally:
            self._loading = False
        for label in (
            self.sro_status,
            self.policy_status,
            self.ttc_status,
            self.variations_status,
            self.training_status,
            self.return_status,
        ):
            label.clear()
        for button in (
            self.save_sro_button,
            self.save_policy_button,
            self.save_ttc_button,
            self.save_variations_button,
            self.add_training_button,
            self.remove_training_button,
            self.annual_return_button,
            self.draft_policy_button,
        ):
            button.setEnabled(False)

    def _refresh_years(self, today: dt.date) -> None:
        current = financial_year_of(today)
        years = [current - n for n in range(YEARS_SHOWN)]
        if years == self._years:
            return
        chosen = self.selected_year() if self._years else current
        self._years = years
        self.year.clear()
        for year in years:
            label = year_label(year)
            self.year.addItem(f"{label} (this year, so far)" if year == current else label)
        self.year.setCurrentIndex(years.index(chosen) if chosen in years else 0)

    def selected_year(self) -> int:
        """The financial year chosen for the annual return (the year it starts)."""
        index = self.year.currentIndex()
        if 0 <= index < len(self._years):
            return self._years[index]
        return financial_year_of(dt.date.today())

    def _show_policy_due(self, policy: IpPolicy | None, today: dt.date) -> None:
        if policy is None:
            self.policy_due.setText(
                "No IP policy is recorded yet: fill in the form below and save it."
            )
            return
        self.policy_due.setText(
            f"Version {policy.version} (as saved). Next yearly review "
            f"{review_due_words(policy.next_review_due, today)}."
        )

    # -- loading the forms --------------------------------------------------------------
    def refresh_policy_notice(self) -> None:
        """Say whether the last drafted IP policy still matches the register, and what differs
        (only when a draft has been recorded with the builder)."""
        if not self.session.is_open:
            self.policy_notice.clear()
            self.actions_policy_notice.clear()
            return
        drafts = self.session.register.policy_drafts
        try:
            draft = drafts.latest()
            differences = drafts.differences() if draft is not None else []
        except ValueError:
            draft, differences = None, []
        if draft is None:
            self.policy_notice.clear()
            self.actions_policy_notice.clear()
            return
        drafted_on = draft.generated_at.astimezone().date()
        drafted = f"version {draft.version}, drafted {format_date(drafted_on)}"
        if differences:
            lines = "\n".join(f"• {d}" for d in differences)
            self.policy_notice.show_state(
                True,
                f"Out of date: the register has changed since the IP policy ({drafted}) was "
                f"drafted. Draft it again so that it says what the register says.\n{lines}",
            )
            count = len(differences)
            self.actions_policy_notice.show_state(
                True,
                f"IP policy out of date: version {draft.version} says {count} "
                f"{'thing' if count == 1 else 'things'} the register no longer says. See the IP "
                "policy tab.",
            )
        else:
            self.policy_notice.show_state(
                False, f"Up to date: the IP policy ({drafted}) matches the register."
            )
            self.actions_policy_notice.clear()

    def open_policy_builder(self) -> QDialog | None:
        """Open the window-modal IP policy builder; returns it."""
        from .policy_builder import PolicyBuilderDialog

        if not self.session.is_open or not self._readable:
            return None
        if self._dialog is not None:
            self._dialog.deleteLater()
        try:
            dialog = PolicyBuilderDialog(self.session, self)
        except (RegisterError, ValueError) as exc:
            QMessageBox.warning(self, "The policy builder could not open", str(exc))
            return None
        self._dialog = dialog
        dialog.open()
        return dialog

    def _load_sro(self, record: GovernanceRecord) -> None:
        sro, dm = record.sro, record.decision_making
        self.sro_name.setText(sro.name if sro else "")
        self.sro_role.setText(sro.role if sro else "")
        self.sro_appointed.setText(format_date(sro.appointed_on) if sro else "")
        self.decision_maker.setText(dm.ultimate_decision_maker if dm else "")
        self.stage_gates.setPlainText("\n".join(dm.stage_gates) if dm else "")
        self.pathway_published.setChecked(bool(dm and dm.pathway_published))
        self.pathway_where.setText(dm.pathway_where if dm else "")
        self.sro_form.show_problems([])
        self.sro_error.hide()
        self.sro_status.clear()

    def _load_policy(self, policy: IpPolicy | None) -> None:
        self.policy_version.setText(policy.version if policy else "")
        self.policy_approved_by.setText(policy.approved_by if policy else "")
        self.policy_approved_on.setText(format_date(policy.approved_on) if policy else "")
        self.policy_last_review.setText(format_date(policy.last_review) if policy else "")
        self.policy_where.setText(policy.published_at if policy else "")
        covered = set(policy.headings_covered) if policy else set()
        for number, box in self.heading_boxes.items():
            box.setChecked(number in covered)
        self.policy_form.show_problems([])
        self.policy_error.hide()
        self.policy_status.clear()

    def _load_ttc(self, record: GovernanceRecord) -> None:
        arrangement, evaluation = record.ttc_arrangement, record.ttc_evaluation
        agreement = self.ttc.agreement
        if agreement is not None:
            self.ttc_agreement_line.setText(
                f"From Agreements: {self.ttc.words} The provider and dates are read from "
                "that agreement; record the model and where the arrangements are published "
                "here."
            )
        else:
            self.ttc_agreement_line.setText(
                "No TTC services agreement in force is recorded in Agreements. When the trust "
                "has one, record it there (kind: TTC services agreement): it is the "
                "arrangement every report shows."
            )
        self.ttc_model.setCurrentIndex(MODEL_CHOICES.index(arrangement.model) if arrangement else 0)
        self.ttc_provider.setReadOnly(agreement is not None)
        if agreement is not None:
            self.ttc_provider.setText(self.ttc.provider)
        else:
            self.ttc_provider.setText(arrangement.provider if arrangement else "")
        self.ttc_published.setChecked(bool(arrangement and arrangement.published))
        self.ttc_where.setText(arrangement.where if arrangement else "")
        considered = set(evaluation.models_considered) if evaluation else set()
        for model, box in self.considered_boxes.items():
            box.setChecked(model in considered)
        self.ttc_decision.setCurrentIndex(
            MODEL_CHOICES.index(evaluation.decision) if evaluation else 0
        )
        self.ttc_reason.setPlainText(evaluation.reason if evaluation else "")
        self.ttc_decided_on.setText(format_date(evaluation.decided_on) if evaluation else "")
        self.ttc_form.show_problems([])
        self.ttc_error.hide()
        self.ttc_status.clear()

    # -- reading the forms --------------------------------------------------------------
    def _read_sro(
        self, problems: Problems, today: dt.date
    ) -> tuple[Sro | None, DecisionMaking | None]:
        name, role = self.sro_name.text(), self.sro_role.text()
        date_text = self.sro_appointed.text()
        sro: Sro | None = None
        if name.strip() or role.strip() or date_text.strip():
            appointed = _read_date(date_text, "sro.appointed_on", "the SRO was appointed", problems)
            sro = Sro(name, role, appointed or today)
            _checked(problems, "sro", sro.validate, today)
        maker = self.decision_maker.text()
        gates = [g.strip() for g in self.stage_gates.toPlainText().splitlines() if g.strip()]
        published = self.pathway_published.isChecked()
        where = self.pathway_where.text()
        dm: DecisionMaking | None = None
        if maker.strip() or gates or published or where.strip():
            dm = DecisionMaking(maker, gates, published, where)
            _checked(problems, "decision_making", dm.validate, today)
        return sro, dm

    def _read_policy(self, problems: Problems, today: dt.date) -> IpPolicy | None:
        texts = (
            self.policy_version.text(),
            self.policy_approved_by.text(),
            self.policy_approved_on.text(),
            self.policy_last_review.text(),
            self.policy_where.text(),
        )
        covered = [n for n, box in self.heading_boxes.items() if box.isChecked()]
        if not any(t.strip() for t in texts) and not covered:
            return None
        approved_on = _read_date(
            texts[2], "policy.approved_on", "the policy was approved", problems
        )
        last_review = _read_date(
            texts[3], "policy.last_review", "of the last review", problems, required=False
        )
        policy = IpPolicy(texts[0], texts[1], approved_on or today, last_review, texts[4], covered)
        found = {f for f, _m in problems}
        if "policy.approved_on" in found:
            # The review-before-approval check means nothing without an approval date.
            policy.last_review = None
        _checked(problems, "policy", policy.validate, today)
        policy.last_review = last_review
        return policy

    def _read_ttc(
        self, problems: Problems, today: dt.date
    ) -> tuple[TtcArrangement | None, TtcEvaluation | None]:
        model = MODEL_CHOICES[max(self.ttc_model.currentIndex(), 0)]
        provider, where = self.ttc_provider.text(), self.ttc_where.text()
        published = self.ttc_published.isChecked()
        arrangement: TtcArrangement | None = None
        linked = self.ttc.agreement.reference if self.ttc.agreement is not None else ""
        if linked and model is None:
            model = self.ttc.model  # the agreement is the arrangement; the model may follow
        if model is not None:
            # Linked to the agreement in force: its party is the provider (not repeated).
            arrangement = TtcArrangement(
                model, "" if linked else provider, published, where, linked
            )
            _checked(problems, "ttc_arrangement", arrangement.validate, today)
        elif provider.strip() or where.strip() or published:
            problems.append(
                ("ttc_arrangement.model", "Choose how the trust reaches TTC support now.")
            )
        considered = [m for m, box in self.considered_boxes.items() if box.isChecked()]
        decision = MODEL_CHOICES[max(self.ttc_decision.currentIndex(), 0)]
        reason = self.ttc_reason.toPlainText()
        date_text = self.ttc_decided_on.text()
        evaluation: TtcEvaluation | None = None
        if considered or decision is not None or reason.strip() or date_text.strip():
            decided_on = _read_date(
                date_text, "ttc_evaluation.decided_on", "of the decision", problems
            )
            if decision is None:
                problems.append(("ttc_evaluation.decision", "Choose the model decided on."))
            evaluation = TtcEvaluation(
                considered, decision or TtcModel.NONE, reason, decided_on or today
            )
            # Without a decision, whether it was among those considered means nothing.
            skip = {"decision"} if decision is None else set()
            candidate = evaluation
            _checked(
                problems,
                "ttc_evaluation",
                lambda day: [p for p in candidate.validate(day) if p[0] not in skip],
                today,
            )
        return arrangement, evaluation

    # -- saving -------------------------------------------------------------------------
    def _save(
        self,
        section: str,
        change: Callable[[GovernanceRecord], None],
        problems: Problems,
        show: Callable[[Problems], None],
    ) -> bool:
        """Save the stored record with ``change`` made to it (its other parts as stored)."""
        status = self._status_label(section)
        if not self.session.is_open or not self._readable:
            return False
        if problems:
            show(problems)
            status.setText("Not saved: correct what is marked.")
            return False
        governance = self.session.register.governance
        try:
            record = governance.record()
            before = record.to_json()
            change(record)
            if record.to_json() == before and section not in self._dirty:
                show([])
                status.setText("Nothing to save: no changes.")
                return True
            was_dirty = section in self._dirty
            self._dirty.discard(section)  # the refresh that follows the save reloads the form
            try:
                governance.save(record)
            except BaseException:
                if was_dirty:
                    self._dirty.add(section)
                raise
        except ValidationError as exc:
            show(exc.problems or [("", str(exc))])
            status.setText("Not saved: correct what is marked.")
            return False
        except (RegisterError, ValueError) as exc:
            show([("", str(exc))])
            status.setText("Not saved.")
            return False
        show([])
        status.setText(f"Saved at {dt.datetime.now():%H:%M}.")
        return True

    def _shower(self, forms: Sequence[_Form], error: QLabel) -> Callable[[Problems], None]:
        def show(problems: Problems) -> None:
            owned: set[str] = set()
            for form in forms:
                form.show_problems([(f, m) for f, m in problems if _field_key(f) in form.messages])
                owned |= set(form.messages)
            left = [m for f, m in problems if _field_key(f) not in owned]
            error.setText(" ".join(left))
            error.setVisible(bool(left))
            for form in forms:
                field = form.first_problem(problems)
                if field is not None:
                    field.setFocus()
                    break

        return show

    def save_sro(self) -> bool:
        """Save the SRO and decision-making as typed (both empty: none recorded)."""
        today = dt.date.today()
        problems: Problems = []
        sro, dm = self._read_sro(problems, today)

        def change(record: GovernanceRecord) -> None:
            record.sro, record.decision_making = sro, dm

        show = self._shower([self.sro_form], self.sro_error)
        return self._save("sro", change, problems, show)

    def save_policy(self) -> bool:
        """Save the IP policy as typed (every box empty: none recorded)."""
        today = dt.date.today()
        problems: Problems = []
        policy = self._read_policy(problems, today)

        def change(record: GovernanceRecord) -> None:
            record.policy = policy

        return self._save(
            "policy", change, problems, self._shower([self.policy_form], self.policy_error)
        )

    def save_ttc(self) -> bool:
        """Save the TTC arrangement and evaluation as typed."""
        today = dt.date.today()
        problems: Problems = []
        arrangement, evaluation = self._read_ttc(problems, today)

        def change(record: GovernanceRecord) -> None:
            record.ttc_arrangement, record.ttc_evaluation = arrangement, evaluation

        show = self._shower([self.ttc_form], self.ttc_error)
        return self._save("ttc", change, problems, show)

    def save_variations(self) -> bool:
        """Save the variations from the guidance as listed."""
        today = dt.date.today()
        items = [replace(v) for v in self.variations.items()]
        problems: Problems = []
        for index, item in enumerate(items):
            problems += [(f"variations[{index}].{f}", m) for f, m in item.validate(today)]

        def change(record: GovernanceRecord) -> None:
            record.variations = items

        return self._save("variations", change, problems, self._show_variation_problems)

    def _show_variation_problems(self, problems: Problems) -> None:
        lines = []
        first: int | None = None
        for key, message in problems:
            found = re.match(r"variations\[(\d+)\]", key)
            if found:
                number = int(found[1])
                first = number if first is None else first
                lines.append(f"Variation {number + 1}: {message}")
            else:
                lines.append(message)
        self.variations_error.setText("\n".join(lines))
        self.variations_error.setVisible(bool(lines))
        if first is not None:
            self.variations.list.setCurrentRow(first)

    def save_pending(self) -> None:
        """Save the forms with unsaved edits that can be saved (before the register locks)."""
        if not self.session.is_open:
            return
        savers = {
            "sro": self.save_sro,
            "policy": self.save_policy,
            "ttc": self.save_ttc,
            "variations": self.save_variations,
        }
        for section in self.SECTIONS:
            if section in self._dirty:
                savers[section]()

    # -- training -----------------------------------------------------------------------
    def selected_training(self) -> TrainingSession | None:
        rows = self.training_table.selectionModel().selectedRows()
        return self.training_model.session_at(rows[0].row()) if rows else None

    def _update_training_buttons(self) -> None:
        self.remove_training_button.setEnabled(
            self.session.is_open and self.selected_training() is not None
        )

    def add_training(self) -> TrainingDialog | None:
        """Open the window-modal dialog to record a session held; returns it."""
        if not self.session.is_open:
            return None
        if self._dialog is not None:
            self._dialog.deleteLater()
        dialog = TrainingDialog(self.session, self)
        self._dialog = dialog
        dialog.open()
        return dialog

    def remove_training(self) -> bool:
        training = self.selected_training()
        if training is None or training.id is None or not self.session.is_open:
            return False
        answer = QMessageBox.question(
            self,
            "Remove this training session?",
            f"Remove the session on {format_date(training.held_on)} for {training.audience} "
            f"({training.topic}) from the training log? Only do this for a session recorded "
            "by mistake; the removal is recorded in the audit trail.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return False
        try:
            self.session.register.governance.remove_training(training.id)
        except RegisterError as exc:
            QMessageBox.warning(self, "Session not removed", str(exc))
            return False
        self.training_status.setText(f"The session on {format_date(training.held_on)} was removed.")
        return True

    # -- the annual return --------------------------------------------------------------
    def write_annual_return(self, target: Path | None = None) -> Path | None:
        """Write the annual return for the chosen financial year (warning first: the PDF
        leaves the encrypted register); ``target`` skips asking where to save it."""
        from nhsip_desktop.reports.annual_return import write_annual_return

        if not self.session.is_open:
            return None
        year = self.selected_year()
        answer = QMessageBox.warning(
            self,
            "The annual return leaves the encrypted register",
            f"The IP annual return for {year_label(year)} will be saved as an ordinary PDF "
            "file, outside the encrypted register. It names the senior responsible officer "
            "and summarises the register for the year: anyone who can open the file can read "
            "it, so save it where only the right people can reach it and send it securely. "
            "Saving it is recorded in the audit trail.",
            QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer != QMessageBox.StandardButton.Ok:
            return None
        if target is None:
            chosen, _ = QFileDialog.getSaveFileName(
                self,
                "Save the IP annual return",
                suggested(f"IP annual return {year_label(year)}.pdf"),
                "PDF files (*.pdf)",
            )
            if not chosen:
                return None
            remember(Path(chosen))
            target = Path(chosen)
        try:
            written = write_annual_return(self.session.register, year, target)
        except (RegisterError, OSError) as exc:
            QMessageBox.warning(self, "Annual return not saved", str(exc))
            return None
        self.return_status.setText(
            f"The annual return for {period_text(year)} was saved to {written}. Saving it is "
            "recorded in the audit trail."
        )
        return written
