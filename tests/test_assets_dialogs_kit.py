"""The Assets dialogs on the UI kit, used with the mouse and keyboard as a person would: a bad
date is said under its field and nothing moves under the pointer; Save records it and the
table shows it; Cancel with changes asks "Discard changes?" with No the default."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget

from nhsip_desktop.assets.renewals import add_months, gb_patent_renewals
from nhsip_desktop.cases.model import format_date
from nhsip_desktop.store.register import Register
from nhsip_desktop.ui.assets_page import AssetsPage, RenewalPaidDialog, ReviewDialog, RightDialog
from nhsip_desktop.ui.session import RegisterSession
from tests.test_assets_page import (
    NEXT_RENEWAL,
    TODAY,
    filed_4_years_ago_less_2_months,
    granted_patent,
)

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def page(qtbot: Any, session: RegisterSession) -> AssetsPage:
    widget = AssetsPage(session)
    qtbot.addWidget(widget)
    widget.resize(1366, 768)
    widget.show()
    return widget


def _retype(qtbot: Any, edit: QWidget, text: str) -> None:
    qtbot.mouseClick(edit, LEFT)
    edit.selectAll()  # type: ignore[attr-defined]
    qtbot.keyClicks(edit, text)


def _where(widget: QWidget, dialog: QWidget) -> QPoint:
    return widget.mapTo(dialog, QPoint(0, 0))


def _answer_next_box(button: QMessageBox.StandardButton, seen: dict[str, str]) -> None:
    def reply() -> None:
        shown = [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, QMessageBox) and w.isVisible()
        ]
        if not shown:
            QTimer.singleShot(10, reply)
            return
        box = shown[0]
        default = box.defaultButton()
        seen["title"] = box.windowTitle()
        seen["default"] = default.text().replace("&", "") if default else ""
        box.button(button).click()

    QTimer.singleShot(0, reply)


def test_renewal_with_a_bad_date_says_so_under_the_field_then_saves_and_the_table_shows_it(
    qtbot: Any, register: Register, page: AssetsPage
) -> None:
    filed = filed_4_years_ago_less_2_months()
    right = register.rights.save(granted_patent("Sensor mat", filed))
    assert right.id is not None and page.select_right(right.id)
    qtbot.mouseClick(page.renewal_button, LEFT)
    dialog = page.findChild(RenewalPaidDialog)
    assert isinstance(dialog, RenewalPaidDialog) and dialog.isVisible()
    qtbot.waitExposed(dialog)
    save_at, field_at = _where(dialog.save_button, dialog), _where(dialog.amount, dialog)

    _retype(qtbot, dialog.paid_on, "31/02/2026")
    qtbot.mouseClick(dialog.save_button, LEFT)
    assert dialog.isVisible() and register.rights.get(right.id).renewals_paid == {}
    assert "not a real date" in dialog.problem_text("paid_on")
    problem = dialog.errors["paid_on"]
    assert problem.isVisible()
    # Under its own field: below the date box, above the next field.
    assert _where(dialog.paid_on, dialog).y() < _where(problem, dialog).y()
    assert _where(problem, dialog).y() < _where(dialog.amount, dialog).y()
    assert _where(dialog.save_button, dialog) == save_at  # nothing moved under the pointer
    assert _where(dialog.amount, dialog) == field_at
    assert register.costs.list(right_id=right.id) == []

    _retype(qtbot, dialog.paid_on, format_date(TODAY))
    assert not problem.isVisible()  # typing clears the message
    qtbot.mouseClick(dialog.save_button, LEFT)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert register.rights.get(right.id).renewals_paid == {5: TODAY}
    year6 = gb_patent_renewals(filed, add_months(filed, 30), register.reference.fee_schedule())[1]
    row = page.right_model.row_of(right.id)
    shown = page.right_model.index(row, NEXT_RENEWAL).data()
    assert shown.startswith(f"Year 6 due {format_date(year6.due)}")


def test_right_form_cancel_with_changes_asks_discard_with_no_the_default(
    qtbot: Any, register: Register, page: AssetsPage
) -> None:
    qtbot.mouseClick(page.add_button, LEFT)
    dialog = page.findChild(RightDialog)
    assert isinstance(dialog, RightDialog) and dialog.isVisible()
    qtbot.waitExposed(dialog)
    qtbot.mouseClick(dialog.title, LEFT)
    qtbot.keyClicks(dialog.title, "Falls sensor mat")

    seen: dict[str, str] = {}
    _answer_next_box(QMessageBox.StandardButton.No, seen)
    qtbot.mouseClick(dialog.cancel_button, LEFT)
    assert seen == {"title": "Discard changes?", "default": "No"}
    assert dialog.isVisible() and dialog.title.text() == "Falls sensor mat"

    seen.clear()
    _answer_next_box(QMessageBox.StandardButton.Yes, seen)
    qtbot.mouseClick(dialog.cancel_button, LEFT)
    assert seen["title"] == "Discard changes?"
    assert not dialog.isVisible() and register.rights.all() == []


def test_right_form_unchanged_closes_without_asking(qtbot: Any, page: AssetsPage) -> None:
    qtbot.mouseClick(page.add_button, LEFT)
    dialog = page.findChild(RightDialog)
    assert isinstance(dialog, RightDialog)
    qtbot.waitExposed(dialog)
    qtbot.mouseClick(dialog.cancel_button, LEFT)  # no question: nothing to lose
    assert not dialog.isVisible()


def test_right_form_tab_runs_down_each_column_then_to_save(
    qtbot: Any, session: RegisterSession
) -> None:
    dialog = RightDialog(session)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.attorney.setFocus()
    qtbot.keyClick(dialog.attorney, Qt.Key.Key_Tab)
    assert dialog.focusWidget() is dialog.filing_date  # the second column's first field
    dialog.note.setFocus()
    qtbot.keyClick(dialog.note, Qt.Key.Key_Tab)  # the text box lets Tab go; no schedule yet
    assert dialog.focusWidget() is dialog.save_button
    qtbot.keyClicks(dialog.filing_date, "01/03/2024")
    qtbot.waitUntil(lambda: dialog.preview.model().rowCount() > 0)
    dialog.note.setFocus()
    qtbot.keyClick(dialog.note, Qt.Key.Key_Tab)
    assert dialog.focusWidget() is dialog.preview  # the renewal schedule, then Save
    qtbot.keyClick(dialog.preview, Qt.Key.Key_Tab)
    assert dialog.focusWidget() is dialog.save_button
    dialog.discard()
    assert dialog.form.fields["filing_date"].name == "Filing date"
    assert dialog.filing_date.accessibleName() == "Filing date"


def test_review_with_next_review_before_it_is_said_under_next_review(
    qtbot: Any, register: Register, page: AssetsPage
) -> None:
    right = register.rights.save(granted_patent("Sensor mat", add_months(TODAY, -30)))
    assert right.id is not None and page.select_right(right.id)
    qtbot.mouseClick(page.review_button, LEFT)
    dialog = page.findChild(ReviewDialog)
    assert isinstance(dialog, ReviewDialog)
    qtbot.waitExposed(dialog)
    save_at = _where(dialog.save_button, dialog)
    qtbot.mouseClick(dialog.rationale, LEFT)
    qtbot.keyClicks(dialog.rationale, "Two licensing talks under way.")
    _retype(qtbot, dialog.next_review, format_date(TODAY - dt.timedelta(days=1)))
    qtbot.mouseClick(dialog.save_button, LEFT)
    assert "must be after this review" in dialog.problem_text("next_review")
    assert dialog.isVisible() and register.rights.reviews(right.id) == []
    assert _where(dialog.save_button, dialog) == save_at

    _retype(qtbot, dialog.next_review, "")
    qtbot.keyClick(dialog.next_review, Qt.Key.Key_Delete)
    qtbot.mouseClick(dialog.save_button, LEFT)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert [r.rationale for r in register.rights.reviews(right.id)] == [
        "Two licensing talks under way."
    ]
