"""Issue walk-through: a worksheet filled in on a case, a right added for it in the Assets
area, and its renewal appearing in the upcoming deadlines and as the case's next action."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from nhsip_desktop.assets.renewals import add_months
from nhsip_desktop.assets.rights import RightStatus
from nhsip_desktop.cases.model import format_date
from nhsip_desktop.cases.worksheet import ProtectionOption
from nhsip_desktop.store.register import Register
from nhsip_desktop.ui.assets_page import AssetsPage, RightDialog
from nhsip_desktop.ui.main_window import MainWindow
from nhsip_desktop.ui.session import RegisterSession
from tests.test_worksheet_view import add_option, set_spin, type_cell


def test_worksheet_then_right_then_renewal_in_upcoming_deadlines(
    qtbot: Any, register: Register
) -> None:
    case = register.cases.add("Paediatric cannula splint")
    session = RegisterSession()
    session.attach(register)
    window = MainWindow(session)
    qtbot.addWidget(window)
    window.show()

    # 1. The worksheet, in the case window's Protection tab.
    editor = window.open_case(case.id)
    assert editor is not None
    editor.tabs.setCurrentIndex(8)
    view = editor.protection
    add_option(qtbot, view, ProtectionOption.UK_PATENT)
    view.fill_button.setFocus()
    qtbot.keyClick(view.fill_button, Qt.Key.Key_Space)
    type_cell(qtbot, view, 0, "attorney", "4500")
    for year in range(2, 10):
        type_cell(qtbot, view, year, "licence_income", "6000")
    set_spin(qtbot, view.probability, "60")
    view.development_plan.setFocus()
    qtbot.keyClick(view.development_plan, Qt.Key.Key_Space)
    assert view.save()
    saved = register.worksheets.latest(case.id)
    assert saved is not None and saved.has_development_plan
    assert view.result().recommended is ProtectionOption.UK_PATENT
    editor.close()

    # 2. A right for the case, in the Assets area (Ctrl+2).
    window.go_actions[1].trigger()
    page = window.area_stack.currentWidget()
    assert isinstance(page, AssetsPage)
    page.add_button.setFocus()
    qtbot.keyClick(page.add_button, Qt.Key.Key_Space)
    dialog = page.findChild(RightDialog)
    assert dialog is not None
    today = dt.date.today()
    filed = add_months(today, -47)  # year-5 renewal due within the next 90 days
    for widget, text in (
        (dialog.title, "Paediatric cannula splint"),
        (dialog.application_number, "GB2401234.5"),
        (dialog.filing_date, format_date(filed)),
        (dialog.grant_date, format_date(add_months(filed, 30))),
        (dialog.case_reference, case.reference),
    ):
        widget.setFocus()
        qtbot.keyClicks(widget, text)
    dialog.status.setFocus()
    qtbot.keyClick(dialog.status, Qt.Key.Key_G)
    assert dialog.current_status() is RightStatus.GRANTED
    dialog.title.setFocus()
    qtbot.keyClick(dialog.title, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted

    # 3. Its renewal in the upcoming deadlines, in words, and as the case's next action.
    model = page.deadline_model
    rows = [
        [model.index(r, c).data() for c in range(model.columnCount())]
        for r in range(model.rowCount())
    ]
    renewal = [row for row in rows if "renewal for year 5" in str(row[2]).lower()]
    assert renewal and str(renewal[0][1]).startswith("Due in")
    assert renewal[0][3] == case.reference
    window.go_to(0)
    cases = window.cases_page.model
    cases.refresh()
    row = cases.row_of(case.id)
    assert "renewal for year 5" in str(cases.index(row, 6).data()).lower()
    session.lock()


def test_a_hidden_assets_page_waits_until_it_is_shown(qtbot: Any, register: Register) -> None:
    session = RegisterSession()
    page = AssetsPage(session)
    qtbot.addWidget(page)
    session.attach(register)  # page hidden: nothing gathered yet
    assert page.deadline_model.stale and page.deadline_model.rowCount() == 0
    register.cases.add("Needs feedback")
    page.show()
    qtbot.waitExposed(page)
    assert not page.deadline_model.stale
    assert page.deadline_model.rowCount() >= 1  # governance deadlines at least
    session.lock()
