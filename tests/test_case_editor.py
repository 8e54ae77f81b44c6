"""The case window, driven by keyboard offscreen over a real encrypted register."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from nhsip_desktop.cases.disclosure import Relationship
from nhsip_desktop.cases.model import CaseFilter, IpKind, Stage
from nhsip_desktop.store.audit import Actor
from nhsip_desktop.store.register import Register
from nhsip_desktop.ui.case_editor import CaseEditor
from nhsip_desktop.ui.main_window import MainWindow
from nhsip_desktop.ui.session import RegisterSession


@pytest.fixture
def window(qtbot: Any, register: Register) -> Iterator[MainWindow]:
    session = RegisterSession()
    session.attach(register)
    win = MainWindow(session)
    qtbot.addWidget(win)
    win.show()
    yield win
    session.lock()


def type_into(qtbot: Any, widget: QWidget, text: str) -> None:
    widget.setFocus()
    qtbot.keyClicks(widget, text)


def press(qtbot: Any, widget: QWidget, key: Qt.Key = Qt.Key.Key_Space) -> None:
    widget.setFocus()
    qtbot.keyClick(widget, key)


def test_new_disclosure_shortcut_is_ctrl_n(window: MainWindow) -> None:
    assert window.new_disclosure_action.shortcut().toString() == "Ctrl+N"


def test_full_disclosure_by_keyboard_submitted_and_found(
    qtbot: Any, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: pytest.fail(str(a)))
    window.new_disclosure_action.trigger()
    editor = window.findChild(CaseEditor)
    assert editor is not None

    type_into(qtbot, editor.title, "Paediatric cannula splint")
    type_into(qtbot, editor.summary, "A soft splint that keeps cannulas in small hands.")
    type_into(qtbot, editor.problem, "Cannulas slip and must be re-sited, which hurts.")
    press(qtbot, editor.beneficiaries[next(iter(editor.beneficiaries))])
    type_into(qtbot, editor.novelty, "Clips to the hub; printed soft material.")
    press(qtbot, editor.normal_duties, Qt.Key.Key_Up)  # Yes is above Not sure
    editor.tabs.setCurrentIndex(1)
    press(qtbot, editor.kind_boxes[IpKind.INVENTION])
    press(qtbot, editor.kind_boxes[IpKind.DESIGN])

    editor.tabs.setCurrentIndex(2)
    contributors = editor.contributors
    press(qtbot, contributors.add_button)
    type_into(qtbot, contributors.inputs["name"], "Megan Hughes")
    type_into(qtbot, contributors.inputs["job_title"], "Staff nurse")
    type_into(qtbot, contributors.inputs["share"], "70")
    press(qtbot, contributors.add_button)
    type_into(qtbot, contributors.inputs["name"], "Sam Lee")
    relationship = contributors.inputs["relationship"]
    relationship.setFocus()
    for _ in range(len(Relationship)):  # bounded: never loop for ever
        if contributors.current_item().relationship is Relationship.UNDERGRADUATE:
            break
        qtbot.keyClick(relationship, Qt.Key.Key_Down)
    type_into(qtbot, contributors.inputs["share"], "30")
    assert "100%  (complete)" in editor.share_total.text()

    editor.tabs.setCurrentIndex(4)
    press(qtbot, editor.disclosures.add_button)
    press(qtbot, editor.disclosures.inputs["planned"])
    talk_day = dt.date.today() + dt.timedelta(days=10)
    type_into(qtbot, editor.disclosures.inputs["on"], talk_day.strftime("%d/%m/%Y"))
    assert editor.alert.isVisible() and editor.alert.text().startswith("URGENT:")

    press(qtbot, editor.stage_buttons[Stage.SUBMITTED])
    case = window.session.register.cases.get(editor.case_id)  # type: ignore[arg-type]
    assert case.stage is Stage.SUBMITTED and case.received_on == dt.date.today()
    details = window.session.register.cases.details(case.id)
    assert [(c.name, c.share) for c in details.contributors] == [
        ("Megan Hughes", Decimal(70)),
        ("Sam Lee", Decimal(30)),
    ]
    assert details.contributors[1].relationship is Relationship.UNDERGRADUATE
    assert details.external_disclosures[0].on == talk_day
    editor.close()

    page = window.cases_page
    type_into(qtbot, page.search, "cannula")
    page.apply_search()
    assert page.model.total == 1
    found = page.model.case_at(0)
    assert found is not None and found.reference == case.reference
    assert page.model.data(page.model.index(0, 2)) == "Submitted"
    assert page.model.data(page.model.index(0, 6)).startswith("URGENT:")


def test_submitting_an_incomplete_disclosure_says_what_is_missing(
    qtbot: Any, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: warnings.append(text))
    editor = window.new_disclosure()
    assert editor is not None
    type_into(qtbot, editor.title, "Half an idea")
    assert editor.submit_problems.isVisible()
    assert "problem" in editor.field_errors["problem"].text().lower()
    # The message sits under its field, as wide as the field, a line or two tall (it was
    # squeezed into a narrow column hundreds of pixels tall).
    editor.resize(1100, 780)
    editor.tabs.setCurrentIndex(0)
    qtbot.waitUntil(lambda: editor.field_errors["problem"].isVisible())
    QApplication.processEvents()
    message = editor.field_errors["problem"]
    assert message.height() <= 3 * message.fontMetrics().lineSpacing() + 8
    assert message.width() >= editor.problem.width() * 0.9
    press(qtbot, editor.stage_buttons[Stage.SUBMITTED])
    assert warnings and "Not submitted yet" in warnings[0]
    assert window.session.register.cases.get(editor.case_id).stage is Stage.DRAFT  # type: ignore[arg-type]
    editor.close()


def test_typing_is_saved_when_the_register_locks(qtbot: Any, tmp_path: Path, actor: Actor) -> None:
    path = tmp_path / "r.nhsip"
    register = Register.create(path, actor=actor)
    key = register.data_key
    session = RegisterSession()
    session.attach(register)
    editor = CaseEditor(session, None)
    qtbot.addWidget(editor)
    editor.show()
    type_into(qtbot, editor.title, "Typed just before the lock")
    assert editor._timer.isActive()  # not yet autosaved
    session.lock()
    with Register.open(path, key, actor=actor) as reopened:
        (case,) = reopened.cases.search(CaseFilter())
        assert case.title == "Typed just before the lock" and case.stage is Stage.DRAFT


def test_autosave_after_a_pause(qtbot: Any, window: MainWindow) -> None:
    editor = window.new_disclosure()
    assert editor is not None
    editor._timer.setInterval(50)
    type_into(qtbot, editor.title, "Autosaved idea")
    qtbot.waitUntil(lambda: editor.case_id is not None, timeout=2000)
    assert window.session.register.cases.get(editor.case_id).title == "Autosaved idea"
    assert editor.save_state.text().startswith("Saved at")
    editor.close()


def test_dossier_from_the_case_window(qtbot: Any, window: MainWindow, tmp_path: Path) -> None:
    from pypdf import PdfReader

    editor = window.new_disclosure()
    assert editor is not None
    type_into(qtbot, editor.title, "Dossier from the window")
    written = editor.export_dossier(tmp_path / "d.pdf")
    assert written is not None
    text = "".join(page.extract_text() for page in PdfReader(str(written)).pages)
    assert "Dossier from the window" in text
    assert next(window.session.register.audit.entries()).action == "report"
    editor.close()


def test_a_failed_save_keeps_what_was_typed(
    qtbot: Any, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nhsip_desktop.store.errors import SaveFailedError

    editor = window.new_disclosure()
    assert editor is not None
    cases = window.session.register.cases
    real_save = cases.save_disclosure

    def disk_full(*args: object, **kwargs: object) -> None:
        raise SaveFailedError("Not saved: the disk is full or cannot be written to.")

    monkeypatch.setattr(cases, "save_disclosure", disk_full)
    type_into(qtbot, editor.title, "Typed while the disk was full")
    assert not editor.save()
    assert "Not saved" in editor.save_state.text() and "still here" in editor.save_state.text()
    assert editor.title.text() == "Typed while the disk was full"
    assert cases.count() == 0
    monkeypatch.setattr(cases, "save_disclosure", real_save)
    assert editor.save()
    assert cases.get(editor.case_id).title == "Typed while the disk was full"  # type: ignore[arg-type]
    editor.close()
