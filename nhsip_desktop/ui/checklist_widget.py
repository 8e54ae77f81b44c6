"""One generic widget that renders any checklist, answers it and shows what the answers mean.

Left, the checklist's sections and one row per item (prompt, answer, note); right, a panel
that follows the focused item with its guidance reference, help and, for ratings, what each
level means; above, progress; below, the findings the rules raise and, for scored
checklists, the score and suggested next step. Every state is given in words (colour only
reinforces it), every input is a real, named widget reachable by Tab, and arrow keys move
within a Yes / No / Not sure group.

Values kept in :class:`ItemAnswer`: yes/no ``"yes" | "no" | "unsure"``; rating ``0..5``;
choice the choice id; text the text; date an ISO date string (``YYYY-MM-DD``, so answers
stay JSON). Only items with a value or a note appear in :meth:`ChecklistWidget.answers`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QWheelEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QButtonGroup,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QRadioButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from nhsip_desktop.cases.model import format_date
from nhsip_desktop.guidance.checklists import (
    AnswerType,
    Checklist,
    Evaluation,
    Item,
    ItemAnswer,
    Severity,
    evaluate,
)

from .list_editor import parse_date
from .style import sheet

NOT_ANSWERED = "Not answered"
PANEL_WIDTH = 320
FINDINGS_MIN_LINES = 4  # "Findings so far" always keeps room for this many lines, then scrolls

# Local styling for the parts app.qss does not cover. Text colours keep WCAG AA on white.
_STYLE = """
QFrame#checklistPanel { background: #f7f9fa; border: 1px solid #c5ccd3; border-radius: 6px; }
QFrame#checklistPanel QLabel { background: transparent; }
QFrame#checklistFindings { border-top: 1px solid #c5ccd3; }
QLabel#panelPrompt { font-weight: 600; color: #1d2731; }
QLabel#sectionTitle { font-size: 1.35rem; font-weight: 600; color: #1d2731; }
QLabel#sectionIntro { color: #3c4b5a; }
QLabel#unansweredMarker { color: #6b4100; font-weight: 600; background: #fff4e0;
                          border: 1px solid #c98a2c; border-radius: 3px; padding: 0 5px; }
QLabel#findingRed, QLabel#findingAmber, QLabel#findingGreen {
    color: #1d2731; padding: 3px 8px; border-left: 5px solid #5b6770; }
QLabel#findingRed { border-left-color: #a4000f; background: #fff5f5; }
QLabel#findingAmber { border-left-color: #b36b00; background: #fff8ec; }
QLabel#findingGreen { border-left-color: #1e6b34; background: #f1f8f3; }
QLabel#scoreText { font-weight: 600; color: #1d2731; }
QFrame#itemSeparator { color: #dde2e6; }
QFrame#checklistItem { border: 1px solid transparent; border-radius: 4px; }
QFrame#checklistItem[current="true"] { background: #eef4fa; border-color: #b9cde0; }
"""


class _Combo(QComboBox):
    """A combo box the mouse wheel only changes once it has focus, so scrolling is safe."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def wheelEvent(self, event: QWheelEvent) -> None:
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()  # let the scroll area scroll instead


@dataclass
class _Row:
    """The widgets of one item's row."""

    item: Item
    frame: QFrame
    prompt: QLabel
    marker: QLabel
    note: QLineEdit
    inputs: list[QWidget] = field(default_factory=list)  # focusable answer widgets, in order
    values: list[Any] = field(default_factory=list)  # combo: value per index (0 = None)
    group: QButtonGroup | None = None
    error: QLabel | None = None
    value: Any = None
    description: str = ""  # the inputs' accessible description, before "Not answered"


_ARROWS = {Qt.Key.Key_Down: 1, Qt.Key.Key_Right: 1, Qt.Key.Key_Up: -1, Qt.Key.Key_Left: -1}


def _has_value(value: Any) -> bool:
    return value not in (None, "")


def _number(value: float) -> str:
    return f"{value:g}" if value != int(value) else str(int(value))


class ChecklistWidget(QWidget):
    """Renders and answers any :class:`Checklist`; ``changed`` fires on every edit."""

    changed = Signal()

    def __init__(
        self,
        checklist: Checklist,
        answers: dict[str, ItemAnswer] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.checklist = checklist
        self.setStyleSheet(sheet(_STYLE))
        self._rows: dict[str, _Row] = {}
        self._radios: dict[QWidget, _Row] = {}  # radio button -> its row, for arrow keys
        self._extra: dict[str, ItemAnswer] = {}  # answers to ids this checklist lacks, kept
        self._loading = False
        self._current: str | None = None
        self._evaluation = evaluate(checklist, {})

        # -- top: title and progress ---------------------------------------------------
        self.title_label = QLabel(checklist.title)
        self.title_label.setObjectName("subheading")
        self.title_label.setWordWrap(True)
        self.version_label = QLabel(
            f"Version {checklist.version}, in force from {format_date(checklist.effective)}"
        )
        self.version_label.setObjectName("hintText")
        self.progress_label = QLabel()
        self.progress_label.setObjectName("stageText")
        self.progress_bar = QProgressBar()
        self.progress_bar.setAccessibleName("Questions answered")
        self.progress_bar.setTextVisible(False)
        self.progress_bar.setMaximumHeight(10)
        self.progress_bar.setFocusPolicy(Qt.FocusPolicy.NoFocus)

        top = QVBoxLayout()
        top.setSpacing(4)
        title_row = QHBoxLayout()
        title_row.addWidget(self.title_label, 1)
        title_row.addWidget(self.version_label, 0, Qt.AlignmentFlag.AlignBottom)
        top.addLayout(title_row)
        if checklist.intro:
            intro = QLabel(checklist.intro)
            intro.setObjectName("hintText")
            intro.setWordWrap(True)
            top.addWidget(intro)
        progress_row = QHBoxLayout()  # one line: the questions get the height
        progress_row.setSpacing(10)
        progress_row.addWidget(self.progress_label)
        progress_row.addWidget(self.progress_bar, 1, Qt.AlignmentFlag.AlignVCenter)
        top.addLayout(progress_row)

        # -- left: the items ------------------------------------------------------------
        body = QWidget()
        body.setObjectName("checklistBody")
        items_layout = QVBoxLayout(body)
        items_layout.setContentsMargins(4, 2, 16, 12)
        items_layout.setSpacing(4)
        for s_index, section in enumerate(checklist.sections):
            if s_index:
                items_layout.addSpacing(12)
            title = QLabel(section.title)
            title.setObjectName("sectionTitle")
            title.setWordWrap(True)
            items_layout.addWidget(title)
            if section.intro:
                intro = QLabel(section.intro)
                intro.setObjectName("sectionIntro")
                intro.setWordWrap(True)
                items_layout.addWidget(intro)
            for i_index, item in enumerate(section.items):
                if i_index:
                    line = QFrame()
                    line.setObjectName("itemSeparator")
                    line.setFrameShape(QFrame.Shape.HLine)
                    line.setFrameShadow(QFrame.Shadow.Plain)
                    items_layout.addWidget(line)
                row = self._build_row(item)
                self._rows[item.id] = row
                items_layout.addWidget(row.frame)
        items_layout.addStretch(1)

        self.questions_scroll = QScrollArea()
        self.questions_scroll.setWidget(body)
        self.questions_scroll.setWidgetResizable(True)
        self.questions_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.questions_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.questions_scroll.setFocusPolicy(
            Qt.FocusPolicy.NoFocus
        )  # the inputs take focus, not it
        self.questions_scroll.setAccessibleName(f"Questions: {checklist.title}")

        # -- right: the help panel ------------------------------------------------------
        self.panel = QFrame()
        self.panel.setObjectName("checklistPanel")
        self.panel.setAccessibleName("Guidance for the current question")
        self.panel_prompt = QLabel()
        self.panel_prompt.setObjectName("panelPrompt")
        self.panel_reference = QLabel()
        self.panel_reference.setObjectName("guidanceRef")
        self.panel_help = QLabel()
        self.panel_levels_title = QLabel("What each level means:")
        self.panel_levels_title.setObjectName("panelPrompt")
        self.panel_levels = QLabel()
        panel_layout = QVBoxLayout(self.panel)
        panel_layout.setContentsMargins(14, 12, 14, 12)
        panel_layout.setSpacing(8)
        heading = QLabel("About this question")
        heading.setObjectName("hintText")
        panel_layout.addWidget(heading)
        for label in (
            self.panel_prompt,
            self.panel_reference,
            self.panel_help,
            self.panel_levels_title,
            self.panel_levels,
        ):
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            panel_layout.addWidget(label)
        panel_layout.addStretch(1)
        panel_scroll = QScrollArea()
        panel_scroll.setWidget(self.panel)
        panel_scroll.setWidgetResizable(True)
        panel_scroll.setFrameShape(QFrame.Shape.NoFrame)
        panel_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        panel_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        panel_scroll.setMinimumHeight(4 * self.fontMetrics().lineSpacing())

        # -- bottom: findings and score -------------------------------------------------
        self.findings_frame = QFrame()
        self.findings_frame.setObjectName("checklistFindings")
        findings_layout = QVBoxLayout(self.findings_frame)
        findings_layout.setContentsMargins(0, 6, 0, 0)
        findings_layout.setSpacing(6)
        findings_heading = QLabel("Findings so far")
        findings_heading.setObjectName("panelPrompt")
        findings_layout.addWidget(findings_heading)
        self._findings_box = QWidget()
        self._findings_layout = QVBoxLayout(self._findings_box)
        self._findings_layout.setContentsMargins(0, 0, 8, 0)
        self._findings_layout.setSpacing(4)
        self._findings_layout.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.findings_scroll = QScrollArea()
        self.findings_scroll.setWidget(self._findings_box)
        self.findings_scroll.setWidgetResizable(True)
        self.findings_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.findings_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.findings_scroll.setSizePolicy(
            QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding
        )
        self.findings_scroll.setMinimumHeight(
            FINDINGS_MIN_LINES * self.fontMetrics().lineSpacing() + 8
        )
        # Reachable by Tab (after the last question) so the list can be scrolled by keyboard.
        self.findings_scroll.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.findings_scroll.setAccessibleName("Findings so far")
        findings_layout.addWidget(self.findings_scroll)
        self.score_label = QLabel()
        self.score_label.setObjectName("scoreText")
        self.score_label.setWordWrap(True)
        self.score_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.score_note = QLabel()
        self.score_note.setObjectName("hintText")
        self.score_note.setWordWrap(True)
        findings_layout.addWidget(self.score_label)
        findings_layout.addWidget(self.score_note)
        self.score_label.setVisible(checklist.scored)
        self.finding_labels: list[QLabel] = []

        # Right: help on the current question above the findings so far, so the questions on
        # the left get the whole height (issue 20 item 4); the person may move the divider.
        self.side = QSplitter(Qt.Orientation.Vertical)
        self.side.addWidget(panel_scroll)
        self.side.addWidget(self.findings_frame)
        self.side.setStretchFactor(0, 1)
        self.side.setStretchFactor(1, 1)
        self.side.setChildrenCollapsible(False)
        self.side.setFixedWidth(PANEL_WIDTH)

        middle = QHBoxLayout()
        middle.setSpacing(16)
        middle.addWidget(self.questions_scroll, 1)
        middle.addWidget(self.side, 0)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(8)
        layout.addLayout(top)
        layout.addLayout(middle, 1)

        self._set_tab_order()
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)
        self.set_answers(answers or {})
        first = next(iter(self._rows), None)
        if first is not None:
            self._show_help(first)

    # -- building ---------------------------------------------------------------------------
    def _build_row(self, item: Item) -> _Row:
        frame = QFrame()
        frame.setObjectName("checklistItem")
        prompt = QLabel(item.prompt)
        prompt.setWordWrap(True)
        prompt.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        marker = QLabel(NOT_ANSWERED)
        marker.setObjectName("unansweredMarker")
        marker.setAccessibleName(f"{item.prompt}: not answered yet")
        note = QLineEdit()
        note.setPlaceholderText("Add a note (optional)")
        note.setAccessibleName(f"Note on: {item.prompt}")
        row = _Row(item, frame, prompt, marker, note)

        description = " ".join(
            part
            for part in (
                f"Guidance: {item.reference}.",
                item.help,
                "" if item.required else "Optional.",
            )
            if part
        )
        row.description = description
        answer_row = QHBoxLayout()
        answer_row.setSpacing(14)
        if item.answer is AnswerType.YES_NO:
            group = QButtonGroup(frame)
            group.setExclusive(True)
            for index, (value, label) in enumerate(item.options()):
                button = QRadioButton(label)
                button.setAccessibleName(f"{item.prompt}: {label}")
                button.setAccessibleDescription(description)
                button.installEventFilter(self)
                self._radios[button] = row
                group.addButton(button, index)
                row.inputs.append(button)
                row.values.append(value)
                answer_row.addWidget(button)
            group.buttonToggled.connect(
                lambda _b, checked, r=row: self._radio_toggled(r) if checked else None
            )
            row.group = group
            answer_row.addStretch(1)
        elif item.answer in (AnswerType.RATING, AnswerType.CHOICE):
            combo = _Combo()
            combo.addItem(NOT_ANSWERED)
            row.values.append(None)
            for value, label in item.options():
                combo.addItem(label)
                row.values.append(value)
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(24)
            combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            combo.view().setTextElideMode(Qt.TextElideMode.ElideNone)
            combo.view().setMinimumWidth(combo.view().sizeHintForColumn(0) + 24)
            combo.setAccessibleName(item.prompt)
            combo.setAccessibleDescription(description)
            combo.currentIndexChanged.connect(lambda index, r=row: self._combo_changed(r, index))
            row.inputs.append(combo)
            answer_row.addWidget(combo, 1)
            answer_row.addStretch(0)
        else:
            edit = QLineEdit()
            edit.setAccessibleName(item.prompt)
            edit.setAccessibleDescription(description)
            row.inputs.append(edit)
            if item.answer is AnswerType.DATE:
                edit.setPlaceholderText("dd/mm/yyyy")
                edit.setMaximumWidth(150)
                error = QLabel()
                error.setObjectName("errorText")
                error.setWordWrap(True)
                error.hide()
                row.error = error
                edit.textEdited.connect(lambda text, r=row: self._date_edited(r, text))
                edit.editingFinished.connect(lambda r=row: self._date_finished(r))
                answer_row.addWidget(edit)
                answer_row.addWidget(error, 1)
            else:
                edit.textEdited.connect(lambda text, r=row: self._text_edited(r, text))
                answer_row.addWidget(edit, 1)
        prompt.setBuddy(row.inputs[0])
        note.textEdited.connect(lambda _t: self._edited())

        head = QHBoxLayout()
        head.setSpacing(10)
        head.addWidget(prompt, 1)
        if not item.required:
            optional = QLabel("Optional")
            optional.setObjectName("hintText")
            head.addWidget(optional, 0, Qt.AlignmentFlag.AlignTop)
        head.addWidget(marker, 0, Qt.AlignmentFlag.AlignTop)
        marker.setVisible(False)

        note_row = QHBoxLayout()
        note_row.setSpacing(8)
        note_caption = QLabel("Note:")
        note_caption.setObjectName("hintText")
        note_caption.setBuddy(note)
        note_row.addWidget(note_caption)
        note_row.addWidget(note, 1)

        box = QVBoxLayout(frame)
        box.setContentsMargins(8, 4, 8, 4)
        box.setSpacing(4)
        box.addLayout(head)
        answer_row.addLayout(note_row, 1)  # the note beside the answer: one line less a row
        box.addLayout(answer_row)
        return row

    def _set_tab_order(self) -> None:
        chain: list[QWidget] = []
        for row in self._rows.values():
            chain.extend(row.inputs)
            chain.append(row.note)
        chain.append(self.findings_scroll)
        for before, after in pairwise(chain):
            QWidget.setTabOrder(before, after)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """All four arrow keys move through Yes / No / Not sure, wrapping, and answer."""
        row = self._radios.get(watched) if isinstance(watched, QRadioButton) else None
        if (
            row is not None
            and isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
        ):
            step = _ARROWS.get(Qt.Key(event.key()))
            plain = event.modifiers() in (
                Qt.KeyboardModifier.NoModifier,
                Qt.KeyboardModifier.KeypadModifier,
            )
            if step is not None and plain and isinstance(watched, QRadioButton):
                index = row.inputs.index(watched)
                target = row.inputs[(index + step) % len(row.inputs)]
                target.setFocus(Qt.FocusReason.TabFocusReason)
                if isinstance(target, QAbstractButton):
                    target.setChecked(True)
                return True
        return super().eventFilter(watched, event)

    # -- editing ----------------------------------------------------------------------------
    def _radio_toggled(self, row: _Row) -> None:
        if row.group is None or self._loading:
            return
        row.value = row.values[row.group.checkedId()] if row.group.checkedId() >= 0 else None
        self._edited()

    def _combo_changed(self, row: _Row, index: int) -> None:
        if self._loading:
            return
        # Take the value from our own list: Qt's currentData() hands back a converted copy.
        row.value = row.values[index] if 0 <= index < len(row.values) else None
        self._edited()
        if self._current == row.item.id:
            self._show_help(row.item.id)

    def _text_edited(self, row: _Row, text: str) -> None:
        row.value = text.strip() or None
        self._edited()

    def _date_edited(self, row: _Row, text: str) -> None:
        try:
            date = parse_date(text)
        except ValueError:
            date = None
        else:
            if row.error is not None:
                row.error.hide()
        row.value = date.isoformat() if date else None
        self._edited()

    def _date_finished(self, row: _Row) -> None:
        edit = row.inputs[0]
        if isinstance(edit, QLineEdit):
            self._check_date(row, edit.text())

    def _check_date(self, row: _Row, text: str) -> None:
        if row.error is None:
            return
        try:
            parse_date(text)
        except ValueError as exc:
            row.error.setText(str(exc))
            row.error.show()
        else:
            row.error.hide()

    def _edited(self) -> None:
        if self._loading:
            return
        self._refresh()
        self.changed.emit()

    # -- answers ----------------------------------------------------------------------------
    def answers(self) -> dict[str, ItemAnswer]:
        """Answers to the items that have a value or a note (and any kept from elsewhere)."""
        out = {key: ItemAnswer(a.value, a.note) for key, a in self._extra.items()}
        for item_id, row in self._rows.items():
            note = row.note.text().strip()
            if _has_value(row.value) or note:
                out[item_id] = ItemAnswer(row.value if _has_value(row.value) else None, note)
        return out

    def set_answers(self, answers: dict[str, ItemAnswer]) -> None:
        """Show ``answers`` (items not in it are cleared); does not emit ``changed``."""
        self._loading = True
        try:
            self._extra = {
                k: ItemAnswer(a.value, a.note) for k, a in answers.items() if k not in self._rows
            }
            for item_id, row in self._rows.items():
                answer = answers.get(item_id) or ItemAnswer()
                self._load_row(row, answer)
        finally:
            self._loading = False
        self._refresh()
        if self._current is not None:
            self._show_help(self._current)

    def _load_row(self, row: _Row, answer: ItemAnswer) -> None:
        value = answer.value
        row.note.setText(answer.note or "")
        widget = row.inputs[0]
        if row.group is not None:
            index = row.values.index(value) if value in row.values else -1
            row.group.setExclusive(False)  # an exclusive group cannot be cleared
            for i, button in enumerate(row.inputs):
                if isinstance(button, QAbstractButton):
                    button.setChecked(i == index)
            row.group.setExclusive(True)
            row.value = row.values[index] if index >= 0 else None
        elif isinstance(widget, QComboBox):
            index = self._combo_index(row, value)
            widget.setCurrentIndex(index)
            row.value = row.values[index]
        elif isinstance(widget, QLineEdit) and row.item.answer is AnswerType.DATE:
            date: dt.date | None = None
            text = ""
            if isinstance(value, dt.date):
                date = value
            elif _has_value(value):
                text = str(value)
                try:
                    date = parse_date(text)
                except ValueError:
                    date = None
            widget.setText(format_date(date) if date else text)
            row.value = date.isoformat() if date else None
            if row.error is not None:
                row.error.hide()
                if text and date is None:
                    self._check_date(row, text)
        elif isinstance(widget, QLineEdit):
            text = "" if value is None else str(value)
            widget.setText(text)
            row.value = text.strip() or None

    @staticmethod
    def _combo_index(row: _Row, value: Any) -> int:
        if not _has_value(value):
            return 0
        for index, candidate in enumerate(row.values):
            if index and (candidate == value or str(candidate) == str(value)):
                return index
        return 0

    # -- evaluation and display -------------------------------------------------------------
    def evaluation(self) -> Evaluation:
        return evaluate(self.checklist, self.answers())

    def first_unanswered(self) -> str | None:
        """The first required item (in checklist order) still without an answer."""
        unanswered = self.evaluation().unanswered
        return unanswered[0] if unanswered else None

    def focus_item(self, item_id: str) -> None:
        """Move keyboard focus to an item's answer, scrolling it into view."""
        row = self._rows[item_id]
        target: QWidget = row.inputs[0]
        checked = row.group.checkedButton() if row.group is not None else None
        if checked is not None:
            target = checked
        self.questions_scroll.ensureWidgetVisible(row.frame, 0, 24)
        target.setFocus(Qt.FocusReason.OtherFocusReason)
        self._show_help(item_id)

    def _refresh(self) -> None:
        evaluation = self.evaluation()
        self._evaluation = evaluation
        text = f"{evaluation.answered} of {evaluation.required} questions answered"
        self.progress_label.setText(text)
        self.progress_bar.setRange(0, max(evaluation.required, 1))
        self.progress_bar.setValue(evaluation.answered if evaluation.required else 1)
        self.progress_bar.setAccessibleDescription(text)
        unanswered = set(evaluation.unanswered)
        for item_id, row in self._rows.items():
            missing = item_id in unanswered
            row.marker.setVisible(missing)
            # Screen readers hear the marker with the input, not only sighted users.
            described = f"{NOT_ANSWERED}. {row.description}" if missing else row.description
            for control in row.inputs:
                control.setAccessibleDescription(described)
        self._show_findings(evaluation)

    def _show_findings(self, evaluation: Evaluation) -> None:
        for label in self.finding_labels:
            self._findings_layout.removeWidget(label)
            label.deleteLater()
        self.finding_labels = []
        names = {
            Severity.RED: "findingRed",
            Severity.AMBER: "findingAmber",
            Severity.GREEN: "findingGreen",
        }
        for severity in (Severity.RED, Severity.AMBER, Severity.GREEN):
            for finding in evaluation.by_severity(severity):
                label = QLabel(f"{severity.label}: {finding.text} (Guidance: {finding.reference})")
                label.setObjectName(names[severity])
                label.setWordWrap(True)
                label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                self.finding_labels.append(label)
        if not self.finding_labels:
            empty = QLabel("No findings yet: they appear here as you answer.")
            empty.setObjectName("hintText")
            empty.setWordWrap(True)
            self.finding_labels.append(empty)
        for label in self.finding_labels:
            self._findings_layout.addWidget(label)
        self.findings_scroll.setAccessibleDescription(
            " ".join(label.text() for label in self.finding_labels)
        )

        if not self.checklist.scored:
            self.score_label.clear()
            self.score_note.hide()
            return
        if evaluation.score is None:
            self.score_label.setText("Score: not yet available (answer the rated questions)")
        else:
            text = f"Score: {_number(evaluation.score)} out of 100"
            if evaluation.suggestion is not None:
                text += f" · Suggested next step: {evaluation.suggestion.label}"
            self.score_label.setText(text)
        notes = []
        if evaluation.suggestion is not None and evaluation.score is not None:
            notes.append(evaluation.suggestion.text)
        missing = len(evaluation.unanswered)
        if missing and evaluation.score is not None:
            notes.append(
                f"Provisional: {missing} required question{'s are' if missing > 1 else ' is'}"
                " still unanswered."
            )
        self.score_note.setText("\n".join(notes))
        self.score_note.setVisible(bool(notes))

    def current_item(self) -> str | None:
        """The item the help panel is showing."""
        return self._current

    def _show_help(self, item_id: str) -> None:
        row = self._rows[item_id]
        item = row.item
        previous = self._rows.get(self._current or "")
        if previous is not None and previous is not row:
            self._mark_current(previous.frame, False)
        self._mark_current(row.frame, True)
        self._current = item_id
        self.panel_prompt.setText(item.prompt)
        self.panel_reference.setText(f"Guidance: {item.reference}")
        self.panel_help.setText(item.help)
        self.panel_help.setVisible(bool(item.help))
        rating = item.answer is AnswerType.RATING
        self.panel_levels_title.setVisible(rating)
        self.panel_levels.setVisible(rating)
        if rating:
            lines = []
            for value, label in item.options():
                chosen = " (your answer)" if row.value == value and _has_value(row.value) else ""
                lines.append(f"{label}{chosen}")
            self.panel_levels.setText("\n".join(lines))
        else:
            self.panel_levels.clear()

    @staticmethod
    def _mark_current(frame: QFrame, current: bool) -> None:
        """Reinforce (never replace) focus: the row the panel describes is tinted."""
        frame.setProperty("current", current)
        frame.style().unpolish(frame)
        frame.style().polish(frame)

    def _row_of(self, widget: QWidget | None) -> str | None:
        while widget is not None and widget is not self:
            for item_id, row in self._rows.items():
                if row.frame is widget:
                    return item_id
            widget = widget.parentWidget()
        return None

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        if new is None or not self.isAncestorOf(new):
            return
        item_id = self._row_of(new)
        if item_id is None:
            return
        row = self._rows[item_id]
        self.questions_scroll.ensureWidgetVisible(row.frame, 0, 24)
        if item_id != self._current:
            self._show_help(item_id)
