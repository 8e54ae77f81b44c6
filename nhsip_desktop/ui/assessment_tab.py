"""A checklist assessment on a case (triage, step 5; route, step 7) with the person's decision.

Answers autosave into the register with the checklist version they were made with; an old
assessment always reopens with its own version. The checklist's suggestion is shown apart from
the decision, which a person records with reasons.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from nhsip_desktop.guidance.checklists import Checklist, ChecklistLibrary
from nhsip_desktop.store.errors import RegisterError, ValidationError

from .checklist_widget import ChecklistWidget
from .decision_panel import DecisionPanel
from .session import RegisterSession

SAVE_DELAY_MS = 1500


@cache
def library() -> ChecklistLibrary:
    return ChecklistLibrary.load()


class AssessmentTab(QWidget):
    decided = Signal(str)  # the outcome value

    def __init__(
        self,
        session: RegisterSession,
        checklist_id: str,
        kind: str,
        *,
        ensure_case: Callable[[], int | None],
        decision_title: str,
        options: Callable[[Checklist], list[tuple[str, str]]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.checklist_id = checklist_id
        self.kind = kind
        self._ensure_case = ensure_case
        self._options = options
        self.case_id: int | None = None
        self.assessment_id: int | None = None
        self.checklist = library().get(checklist_id)
        self.version_note = QLabel()
        self.version_note.setObjectName("hintText")
        self.widget = ChecklistWidget(self.checklist)
        self.widget.changed.connect(self._changed)
        display_name = session.register.actor.display_name if session.is_open else ""
        self.panel = DecisionPanel(
            decision_title, options(self.checklist), decision_maker=display_name
        )
        self.panel.record.connect(self.record_decision)
        # The Outcome box follows the checklist (its suggestion, or the route the person chose
        # in it) until the person picks an outcome there themselves.
        self._outcome_picked = False
        self.panel.outcome.activated.connect(self._outcome_activated)
        # A layout, not a splitter: a layout gives the panel the height its wrapped texts
        # need (a splitter ignores height-for-width, and the Reasons box then covered the
        # "Record decision" button); the checklist takes the rest and scrolls.
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.version_note)
        layout.addWidget(self.widget, 1)
        layout.addWidget(self.panel, 0)
        self._layout = layout
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SAVE_DELAY_MS)
        self._timer.timeout.connect(self.save)
        self._dirty = False
        session.about_to_lock.connect(self.save)

    def load(self, case_id: int | None) -> None:
        """Show the case's latest assessment with the checklist version it was made with."""
        self.case_id = case_id
        record = (
            self.session.register.assessments.latest(case_id, self.checklist_id)
            if case_id is not None
            else None
        )
        checklist = (
            library().get(self.checklist_id, record.checklist_version)
            if record
            else library().get(self.checklist_id)
        )
        if checklist is not self.checklist:
            self._swap(checklist)
        self.assessment_id = record.id if record else None
        self.widget.set_answers(record.answers if record else {})
        self._dirty = False
        self._outcome_picked = False
        newest = library().get(self.checklist_id)
        self.version_note.setText(
            f"This assessment was made with version {checklist.version} of the checklist. A "
            f"newer version ({newest.version}) exists; the assessment keeps its own version."
        )
        self.version_note.setVisible(checklist.version != newest.version)
        self._refresh_panel()

    def _swap(self, checklist: Checklist) -> None:
        old = self.widget
        self.checklist = checklist
        self.widget = ChecklistWidget(checklist)
        self.widget.changed.connect(self._changed)
        self._layout.replaceWidget(old, self.widget)
        old.deleteLater()

    def _outcome_activated(self, _index: int) -> None:
        self._outcome_picked = True

    def default_outcome(self) -> str | None:
        """The outcome the checklist points to: the person's own answer to the question that
        offers exactly the panel's outcomes (the route chosen), else the suggestion."""
        values = {value for value, _label in self.panel.options}
        answers = self.widget.answers()
        for item in self.checklist.items():
            if item.choices and {v for v, _label in item.choices} == values:
                answer = answers.get(item.id)
                if answer is not None and answer.value in values:
                    return str(answer.value)
        suggestion = self.widget.evaluation().suggestion
        if suggestion is not None and suggestion.id in values:
            return suggestion.id
        return None

    def _changed(self) -> None:
        self._dirty = True
        self._timer.start()
        self._refresh_panel()

    def save(self) -> bool:
        self._timer.stop()
        if not self._dirty or not self.session.is_open:
            return True
        case_id = self.case_id if self.case_id is not None else self._ensure_case()
        if case_id is None:
            return False
        self.case_id = case_id
        try:
            record = self.session.register.assessments.save(
                case_id, self.checklist, self.widget.answers(), assessment_id=self.assessment_id
            )
        except RegisterError as exc:
            self.panel.show_error(f"Answers not saved: {exc}")
            return False
        self.assessment_id = record.id
        self._dirty = False
        return True

    def _refresh_panel(self) -> None:
        evaluation = self.widget.evaluation()
        parts = []
        if evaluation.suggestion is not None and evaluation.score is not None:
            parts.append(
                f"The checklist suggests: {evaluation.suggestion.label} (score "
                f"{evaluation.score:.0f} out of 100)."
            )
        if evaluation.findings:
            parts.append(
                f"{len(evaluation.findings)} finding{'s' if len(evaluation.findings) != 1 else ''}"
                f", first: {evaluation.findings[0].severity.label}: {evaluation.findings[0].text}"
            )
        if not evaluation.complete:
            parts.append(f"{len(evaluation.unanswered)} question(s) not answered yet.")
        parts.append("The decision below is yours; record it with your reasons.")
        self.panel.suggestion.setText(" ".join(parts))
        default = self.default_outcome()
        if default is not None and not self._outcome_picked:
            self.panel.select(default)
        if self.case_id is not None and self.session.is_open:
            self.panel.show_decisions(
                self.session.register.assessments.decisions(self.case_id, self.kind)
            )
        else:
            self.panel.show_decisions([])

    def record_decision(self) -> bool:
        self._dirty = True
        if not self.save() or self.case_id is None:
            return False
        try:
            decided_on = self.panel.date()
        except ValueError as exc:
            self.panel.show_error(str(exc))
            return False
        outcome, label = self.panel.chosen()
        try:
            self.session.register.assessments.record_decision(
                self.case_id,
                self.kind,
                outcome=outcome,
                outcome_label=label,
                rationale=self.panel.rationale.toPlainText(),
                decided_on=decided_on,
                decision_maker=self.panel.decision_maker.text(),
                assessment_id=self.assessment_id,
            )
        except ValidationError as exc:
            self.panel.show_error(str(exc))
            return False
        self.panel.show_error("")
        self.panel.rationale.clear()
        self._outcome_picked = False
        self._refresh_panel()
        self.decided.emit(outcome)
        return True
