"""The smaller rough edges a newcomer met (issue 20 item 8), each pressed as a person would."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QMessageBox,
    QPushButton,
    QRadioButton,
)

from nhsip_desktop.cases.model import CaseFilter, Stage
from nhsip_desktop.core.dates import parse_date
from nhsip_desktop.store.register import Register
from nhsip_desktop.ui.case_editor import CaseEditor
from nhsip_desktop.ui.main_window import MainWindow
from nhsip_desktop.ui.session import RegisterSession


@pytest.fixture
def window(qtbot: Any, register: Register) -> Iterator[MainWindow]:
    register.cases.add("A fictional splint", summary="Fictional", stage=Stage.IN_TRIAGE)
    session = RegisterSession()
    session.attach(register)
    main = MainWindow(session)
    qtbot.addWidget(main)
    main.show()
    yield main
    session.lock()


def _press_enter_on_the_next_message_box(seen: list[str]) -> None:
    def press() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            seen.append(box.text())
            QTest.keyClick(box, Qt.Key.Key_Return)
        else:
            QTimer.singleShot(20, press)

    QTimer.singleShot(20, press)


def test_lose_changes_defaults_to_no(qtbot: Any, window: MainWindow) -> None:
    case = window.session.register.cases.search(CaseFilter())[0]
    editor = window.open_case(case.id)
    assert editor is not None
    qtbot.addWidget(editor)
    editor.tabs.setCurrentIndex(2)  # Contributors
    add = next(b for b in editor.findChildren(QPushButton) if b.text() == "Add contributor")
    qtbot.mouseClick(add, Qt.MouseButton.LeftButton)  # a contributor with no name: not saved
    seen: list[str] = []
    _press_enter_on_the_next_message_box(seen)
    QTest.keyClick(editor, Qt.Key.Key_Escape)
    assert seen and "lose them" in seen[0]
    assert editor.isVisible(), "Enter on 'Lose changes?' closed the window and lost the typing"


def test_submit_on_an_empty_new_form_leaves_no_untitled_draft(
    qtbot: Any, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    said: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "warning", staticmethod(lambda _p, _t, text, *a: said.append(text))
    )
    before = window.session.register.cases.count(CaseFilter())
    window.new_disclosure_action.trigger()
    editor = next(w for w in QApplication.topLevelWidgets() if isinstance(w, CaseEditor))
    qtbot.addWidget(editor)
    qtbot.mouseClick(editor.stage_buttons[Stage.SUBMITTED], Qt.MouseButton.LeftButton)
    assert said and said[0].startswith("Not submitted yet")
    assert window.session.register.cases.count(CaseFilter()) == before
    editor.close()
    assert window.session.register.cases.count(CaseFilter()) == before


def test_an_impossible_date_is_not_a_real_date(qtbot: Any, window: MainWindow) -> None:
    with pytest.raises(ValueError, match=r"not a real date: February 2026 has 28 days"):
        parse_date("31/02/2026")
    with pytest.raises(ValueError, match=r"not a real date: there is no month 13"):
        parse_date("01/13/2026")
    with pytest.raises(ValueError, match=r"is not a date: use dd/mm/yyyy"):
        parse_date("next Tuesday")
    assert parse_date("29/02/2028") == dt.date(2028, 2, 29)
    # Typed into the triage decision, as a person would.
    case = window.session.register.cases.search(CaseFilter())[0]
    editor = window.open_case(case.id)
    assert editor is not None
    qtbot.addWidget(editor)
    bar = editor.tabs.tabBar()
    triage = next(i for i in range(editor.tabs.count()) if "Triage" in editor.tabs.tabText(i))
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(triage).center())
    panel = next(w for w in editor.findChildren(QPushButton) if w.text() == "Record &decision")
    decision = panel.parentWidget()
    date_field = decision.decided_on  # type: ignore[attr-defined]
    date_field.clear()
    QTest.keyClicks(date_field, "31/02/2026")
    QTest.keyClicks(decision.rationale, "Fictional reasons.")  # type: ignore[attr-defined]
    qtbot.mouseClick(panel, Qt.MouseButton.LeftButton)
    assert "not a real date" in decision.error.text()  # type: ignore[attr-defined]


def test_cli_says_an_impossible_date_is_not_a_real_date() -> None:
    import argparse

    from nhsip_desktop.app.cli import _date_arg

    with pytest.raises(argparse.ArgumentTypeError, match="not a real date"):
        _date_arg("31/02/2026")


def test_save_dialogs_open_in_documents_then_the_last_folder(
    qtbot: Any,
    window: MainWindow,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    home = tmp_path / "home"
    (home / "Documents").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.chdir(tmp_path)
    import nhsip_desktop.ui.file_dialogs as file_dialogs

    monkeypatch.setattr(file_dialogs, "_last_folder", None)
    chosen = tmp_path / "elsewhere"
    chosen.mkdir()
    offered: list[str] = []

    def save_name(_parent: Any, _caption: str, start: str, *_a: Any, **_k: Any) -> Any:
        offered.append(start)
        return str(chosen / f"file-{len(offered)}.pdf"), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(save_name))
    monkeypatch.setattr(
        QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes)
    )
    case = window.session.register.cases.search(CaseFilter())[0]
    editor = window.open_case(case.id)
    assert editor is not None
    qtbot.addWidget(editor)
    qtbot.mouseClick(editor.dossier_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(editor.dossier_button, Qt.MouseButton.LeftButton)
    assert len(offered) == 2
    assert Path(offered[0]).parent == home / "Documents"
    assert Path(offered[1]).parent == chosen
    assert (chosen / "file-1.pdf").exists()


def _open_tab(qtbot: Any, editor: CaseEditor, title: str) -> None:
    bar = editor.tabs.tabBar()
    index = next(i for i in range(editor.tabs.count()) if title in editor.tabs.tabText(i))
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())


def test_the_outcome_box_follows_the_route_chosen_in_the_checklist(
    qtbot: Any, window: MainWindow
) -> None:
    from PySide6.QtWidgets import QComboBox

    case = window.session.register.cases.search(CaseFilter())[0]
    editor = window.open_case(case.id)
    assert editor is not None
    qtbot.addWidget(editor)
    _open_tab(qtbot, editor, "Route")
    route = editor._route  # the tab just opened
    assert route is not None
    chosen = route.widget._rows["chosen_route"].inputs[0]
    assert isinstance(chosen, QComboBox)
    chosen.setFocus()
    for _ in range(3):  # Not answered -> route 1 -> route 2 -> route 3, by keyboard
        QTest.keyClick(chosen, Qt.Key.Key_Down)
    assert chosen.currentText().startswith("Route 3")
    assert route.panel.chosen()[0] == "route3"
    # The person's own pick in the Outcome box is then kept.
    outcome = route.panel.outcome
    outcome.setFocus()
    QTest.keyClick(outcome, Qt.Key.Key_Up)
    picked = route.panel.chosen()[0]
    assert picked == "route2"
    QTest.keyClick(chosen, Qt.Key.Key_Up)
    assert route.panel.chosen()[0] == "route2"


def test_the_triage_outcome_defaults_to_the_checklists_suggestion(
    qtbot: Any, window: MainWindow
) -> None:
    case = window.session.register.cases.search(CaseFilter())[0]
    editor = window.open_case(case.id)
    assert editor is not None
    qtbot.addWidget(editor)
    _open_tab(qtbot, editor, "Triage")
    triage = editor._triage
    assert triage is not None
    # Answer every yes/no question "Yes" by clicking, as a person would.
    for button in triage.widget.findChildren(QRadioButton):
        if button.text() == "Yes":
            triage.widget.questions_scroll.ensureWidgetVisible(button)
            at = button.rect().center()
            at.setX(8)  # on the radio button's circle
            qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=at)
    from PySide6.QtWidgets import QComboBox

    for combo in triage.widget.findChildren(QComboBox):  # every rating: the fourth choice
        combo.setFocus()
        for _ in range(4):
            QTest.keyClick(combo, Qt.Key.Key_Down)
    assert triage.widget.answers(), "no answer was given"
    suggestion = triage.widget.evaluation().suggestion
    assert suggestion is not None
    assert triage.panel.chosen()[0] == suggestion.id
    assert suggestion.label in triage.panel.suggestion.text()
