"""Triage by keyboard to a decision, then the feedback letter, over a real register."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit, QRadioButton

from nhsip_desktop.cases.disclosure import Contributor, Disclosure
from nhsip_desktop.cases.model import IpKind, Stage
from nhsip_desktop.cases.stages import effective_next_action
from nhsip_desktop.guidance.checklists import AnswerType
from nhsip_desktop.store.register import Register
from nhsip_desktop.ui.main_window import MainWindow
from nhsip_desktop.ui.session import RegisterSession


def submitted_case(register: Register) -> int:
    disclosure = Disclosure(
        problem="Hand-written drug charts are misread on night shifts.",
        contributors=[Contributor(name="Aoife Kelly", share=Decimal(100))],
    )
    case = register.cases.save_disclosure(
        None,
        title="Night-shift chart checker",
        summary="A checking card",
        ip_kinds=[IpKind.COPYRIGHT],
        disclosure=disclosure,
    )
    return register.cases.change_stage(case.id, Stage.SUBMITTED).id


def answer_by_keyboard(qtbot: Any, widget: Any, answer_type: AnswerType) -> None:
    focused = widget.focusWidget()
    if isinstance(focused, QComboBox):
        for _ in range(4):  # "Not answered" -> 0 -> 1 -> 2 -> 3
            qtbot.keyClick(focused, Qt.Key.Key_Down)
    elif isinstance(focused, QRadioButton):
        qtbot.keyClick(focused, Qt.Key.Key_Space)
    elif isinstance(focused, QLineEdit):
        qtbot.keyClicks(focused, "01/11/2026" if answer_type is AnswerType.DATE else "Noted")
        qtbot.keyClick(focused, Qt.Key.Key_Return)


def test_triage_by_keyboard_to_a_decision_and_the_letter(
    qtbot: Any, register: Register, tmp_path: Path
) -> None:
    case_id = submitted_case(register)
    session = RegisterSession()
    session.attach(register)
    window = MainWindow(session)
    qtbot.addWidget(window)
    window.show()
    editor = window.open_case(case_id)
    assert editor is not None
    editor.tabs.setCurrentIndex(7)
    tab = editor.triage
    checklist = tab.widget

    for _ in range(60):  # bounded
        item_id = checklist.first_unanswered()
        if item_id is None:
            break
        checklist.focus_item(item_id)
        answer_by_keyboard(qtbot, checklist, tab.checklist.item(item_id).answer)
    evaluation = checklist.evaluation()
    assert evaluation.complete and evaluation.score is not None
    assert evaluation.suggestion is not None
    assert evaluation.suggestion.label in tab.panel.suggestion.text()

    panel = tab.panel
    panel.outcome.setFocus()
    target = [value for value, _label in panel.options].index("adopt_share")
    while panel.outcome.currentIndex() != target:
        qtbot.keyClick(panel.outcome, Qt.Key.Key_Down)
    panel.rationale.setFocus()
    qtbot.keyClicks(panel.rationale, "Best shared across the region; no market beyond it.")
    panel.decision_maker.setFocus()
    assert panel.decision_maker.text() == "Test Lead"  # prefilled with your display name
    qtbot.keyClick(panel.decision_maker, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(panel.decision_maker, "Alex Morgan")
    panel.button.setFocus()
    qtbot.keyClick(panel.button, Qt.Key.Key_Space)

    decision = register.assessments.latest_decision(case_id, "triage")
    assert decision is not None
    assert (decision.outcome, decision.decision_maker) == ("adopt_share", "Alex Morgan")
    assert decision.rationale.startswith("Best shared across the region")
    saved = register.assessments.latest(case_id, "triage")
    assert saved is not None and saved.checklist_version == tab.checklist.version
    assert saved.score == evaluation.score and decision.assessment_id == saved.id
    case = register.cases.get(case_id)
    assert case.stage is Stage.DECISION_MADE
    assert [c.to_stage for c in register.cases.history(case_id)] == [
        Stage.DRAFT,  # created
        Stage.SUBMITTED,
        Stage.IN_TRIAGE,
        Stage.DECISION_MADE,
    ]
    assert (
        "feedback"
        in effective_next_action(case, today=dt.date.today(), window_days=30).text.lower()
    )

    letter = editor.export_letter(tmp_path / "letter.pdf")
    assert letter is not None and letter.read_bytes().startswith(b"%PDF")
    case = register.cases.get(case_id)
    assert case.feedback_given_on == dt.date.today()
    assert (
        "feedback"
        not in effective_next_action(case, today=dt.date.today(), window_days=30).text.lower()
    )
    editor.close()
    session.lock()


def test_an_assessment_reopens_with_its_own_version(qtbot: Any, register: Register) -> None:
    from nhsip_desktop.guidance.checklists import ItemAnswer
    from nhsip_desktop.ui import assessment_tab

    case_id = submitted_case(register)
    v1 = assessment_tab.library().get("triage", 1)
    register.assessments.save(case_id, v1, {"need": ItemAnswer(3)})
    session = RegisterSession()
    session.attach(register)
    window = MainWindow(session)
    qtbot.addWidget(window)
    editor = window.open_case(case_id)
    assert editor is not None
    assert editor.triage.checklist.version == 1
    assert editor.triage.widget.answers()["need"].value == 3
    editor.close()
    session.lock()
