"""The triage tab at a trust laptop's size (issue 20 item 4): the questions get the room, the
findings stay readable, and the Reasons box never covers "Record decision"."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QApplication, QWidget

from nhsip_desktop.store.register import Register
from nhsip_desktop.ui.main_window import MainWindow
from nhsip_desktop.ui.session import RegisterSession
from tests.test_triage_flow import submitted_case

# The case window maximised on a 1366x768 screen (less task bar and title bar), and on a
# 1920x1080 screen at 125% (1536x864 logical), and a tall one.
SIZES = [(1366, 698), (1536, 794), (1920, 1050)]


def rect_in(widget: QWidget, ancestor: QWidget) -> QRect:
    return QRect(widget.mapTo(ancestor, QPoint(0, 0)), widget.size())


def triage_window(qtbot: Any, register: Register, size: tuple[int, int]) -> Any:
    case_id = submitted_case(register)
    session = RegisterSession()
    session.attach(register)
    window = MainWindow(session)
    qtbot.addWidget(window)
    editor = window.open_case(case_id)
    assert editor is not None
    editor.resize(*size)
    editor.show()
    for index in range(editor.tabs.count()):
        if "Triage" in editor.tabs.tabText(index):
            editor.tabs.setCurrentIndex(index)
    for _ in range(3):
        QApplication.processEvents()
    assert editor.triage.isVisible()
    return editor


def answer_with_findings(tab: Any) -> None:
    """Answers that raise several findings, so the suggestion and findings texts are long."""
    checklist = tab.widget
    for row in checklist._rows.values():
        if row.group is not None:
            row.inputs[1].setChecked(True)  # "No"
        elif row.values and len(row.values) > 1:
            combo = row.inputs[0]
            combo.setCurrentIndex(1)  # the lowest rating / first choice
    QApplication.processEvents()


@pytest.mark.parametrize("size", SIZES)
def test_reasons_never_cover_record_decision(qtbot: Any, register: Register, size: Any) -> None:
    editor = triage_window(qtbot, register, size)
    tab = editor.triage
    answer_with_findings(tab)
    panel = tab.panel
    assert panel.suggestion.text()  # long: score, first finding, unanswered count
    for _ in range(3):
        QApplication.processEvents()
    reasons = rect_in(panel.rationale, editor)
    button = rect_in(panel.button, editor)
    history = rect_in(panel.history, editor)
    suggestion = rect_in(panel.suggestion, editor)
    assert not reasons.intersects(button)
    assert not reasons.intersects(history)
    assert not reasons.intersects(suggestion)
    assert reasons.height() >= 40
    # The whole panel is on screen, inside the tab.
    assert rect_in(panel, editor).bottom() <= rect_in(tab, editor).bottom()
    # The suggestion is shown in full: its label is as tall as its wrapped text needs.
    assert panel.suggestion.height() >= panel.suggestion.heightForWidth(panel.suggestion.width())


@pytest.mark.parametrize("size", SIZES[:2])
def test_the_questions_take_the_room(qtbot: Any, register: Register, size: Any) -> None:
    editor = triage_window(qtbot, register, size)
    tab = editor.triage
    checklist = tab.widget
    viewport = checklist.questions_scroll.viewport()
    # At least three whole questions (prompt, answer and note) are visible at once.
    whole = [
        row
        for row in checklist._rows.values()
        if viewport.rect().contains(rect_in(row.frame, viewport))
    ]
    assert len(whole) >= 3, f"{len(whole)} questions visible in {viewport.height()} px"
    # "Findings so far" keeps room for about four lines, and scrolls beyond.
    line = checklist.fontMetrics().lineSpacing()
    assert checklist.findings_scroll.height() >= 4 * line
    answer_with_findings(tab)
    for _ in range(3):
        QApplication.processEvents()
    assert checklist.findings_scroll.height() >= 4 * line
    whole = [
        row
        for row in checklist._rows.values()
        if viewport.rect().contains(rect_in(row.frame, viewport))
    ]
    assert len(whole) >= 3
