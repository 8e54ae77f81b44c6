"""The Assets and renewals page and its dialogs, driven by keyboard offscreen over a real
encrypted register."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtWidgets import QDialog, QWidget

from nhsip_desktop.assets.deadline_rules import ipo_working_day, shipped_rules
from nhsip_desktop.assets.renewals import add_months, gb_patent_renewals
from nhsip_desktop.assets.rights import Right, RightStatus, RightType
from nhsip_desktop.cases.model import format_date
from nhsip_desktop.finance.ledgers import CostCategory, ReviewOutcome
from nhsip_desktop.store.register import Register
from nhsip_desktop.ui.assets_page import (
    DEADLINE_COLUMNS,
    RIGHT_COLUMNS,
    SOURCE_ID_ROLE,
    AssetsPage,
    DeadlineTableModel,
    RenewalPaidDialog,
    ReviewDialog,
    RightDialog,
    RightTableModel,
)
from nhsip_desktop.ui.session import RegisterSession

TODAY = dt.date.today()
NEXT_RENEWAL = RIGHT_COLUMNS.index("Next renewal")
NEXT_REVIEW = RIGHT_COLUMNS.index("Next review")


def filed_4_years_ago_less_2_months() -> dt.date:
    """46 months ago, and 5 days more: the year-5 renewal (due at the end of the month of the
    4th anniversary) then always falls 55 to 86 days ahead, inside the 90-day list, and its
    payment window is already open."""
    return add_months(TODAY - dt.timedelta(days=5), -46)


@pytest.fixture
def page(qtbot: Any, session: RegisterSession) -> AssetsPage:
    widget = AssetsPage(session)
    qtbot.addWidget(widget)
    widget.resize(1100, 720)
    widget.show()
    return widget


def type_into(qtbot: Any, widget: QWidget, text: str) -> None:
    widget.setFocus()
    qtbot.keyClicks(widget, text)


def press(qtbot: Any, widget: QWidget, key: Qt.Key = Qt.Key.Key_Space) -> None:
    widget.setFocus()
    qtbot.keyClick(widget, key)


def column(
    model: QAbstractItemModel, col: int, role: int = Qt.ItemDataRole.DisplayRole
) -> list[Any]:
    return [model.index(row, col).data(role) for row in range(model.rowCount())]


def granted_patent(title: str, filed: dt.date, **changes: Any) -> Right:
    values: dict[str, Any] = {
        "application_number": "GB2201234.5",
        "filing_date": filed,
        "grant_date": add_months(filed, 30),
        "status": RightStatus.GRANTED,
    }
    values.update(changes)
    return Right(None, RightType.PATENT, "GB", title, **values)


def deadline_rows(page: AssetsPage, right_id: int) -> list[int]:
    model = page.deadline_model
    return [
        row
        for row in range(model.rowCount())
        if str(model.index(row, 0).data(SOURCE_ID_ROLE)).startswith(f"right:{right_id}:")
    ]


# -- models ----------------------------------------------------------------------------------
def test_both_models_pass_qtmodeltester(
    qtmodeltester: Any, register: Register, session: RegisterSession
) -> None:
    case = register.cases.add("Paediatric cannula splint")
    register.rights.save(granted_patent("Splint", filed_4_years_ago_less_2_months()))
    register.rights.save(granted_patent("Sensor mat", add_months(TODAY, -56), case_id=case.id))
    register.rights.save(
        Right(None, RightType.COPYRIGHT, "", "Falls video", next_review=TODAY - dt.timedelta(3))
    )
    deadlines, rights = DeadlineTableModel(session), RightTableModel(session)
    deadlines.refresh()
    rights.refresh()
    assert deadlines.rowCount() >= 3 and rights.rowCount() == 3
    assert [deadlines.headerData(c, Qt.Orientation.Horizontal) for c in range(4)] == list(
        DEADLINE_COLUMNS
    )
    assert [rights.headerData(c, Qt.Orientation.Horizontal) for c in range(9)] == list(
        RIGHT_COLUMNS
    )
    qtmodeltester.check(deadlines, force_py=True)
    qtmodeltester.check(rights, force_py=True)
    # The testers stay connected: the resets below are checked signal by signal.
    register.rights.save(Right(None, RightType.KNOW_HOW, "", "Dressing technique"))
    assert rights.rowCount() == 4
    session.lock()
    assert deadlines.rowCount() == 0 and rights.rowCount() == 0


# -- adding a right by keyboard, then paying its renewal ---------------------------------
def test_add_gb_patent_by_keyboard_then_record_renewal_paid(
    qtbot: Any, register: Register, page: AssetsPage
) -> None:
    filed = filed_4_years_ago_less_2_months()
    granted = add_months(filed, 30)
    schedule = register.reference.fee_schedule()
    year5, year6 = gb_patent_renewals(filed, granted, schedule)[:2]
    assert year5.fee is not None and year5.fee.amount is not None
    pounds = f"£{year5.fee.amount:,.0f}"
    assert page.no_rights.isVisible() and not page.rights.isVisible()

    press(qtbot, page.add_button)
    dialog = page.findChild(RightDialog)
    assert dialog is not None and dialog.isVisible()
    assert dialog.jurisdiction.text() == "GB"
    type_into(qtbot, dialog.title, "Paediatric cannula splint")
    type_into(qtbot, dialog.application_number, "GB2201234.5")
    type_into(qtbot, dialog.filing_date, format_date(filed))
    type_into(qtbot, dialog.grant_date, format_date(granted))
    press(qtbot, dialog.status, Qt.Key.Key_G)  # keyboard search: "Granted"
    assert dialog.current_status() is RightStatus.GRANTED
    type_into(qtbot, dialog.owners, "Test Trust")
    type_into(qtbot, dialog.attorney, "Example Attorneys LLP")

    # The renewal schedule is previewed under the form as the dates are typed.
    qtbot.waitUntil(lambda: dialog.preview.model().rowCount() == 16)
    assert dialog.preview_box.isVisible()
    first = [dialog.preview.model().index(0, c).data() for c in range(6)]
    assert first[:5] == [
        "5",
        format_date(year5.due),
        format_date(year5.window_opens),
        format_date(year5.no_penalty_until),
        format_date(year5.late_until),
    ]
    assert pounds in first[5] and "as of" in first[5]

    press(qtbot, dialog.attorney, Qt.Key.Key_Return)  # Enter presses OK
    assert dialog.result() == QDialog.DialogCode.Accepted
    saved = register.rights.all()
    assert [(r.title, r.status, r.filing_date, r.grant_date) for r in saved] == [
        ("Paediatric cannula splint", RightStatus.GRANTED, filed, granted)
    ]
    right_id = saved[0].id
    assert right_id is not None

    # In the rights table, with its next renewal and fee.
    assert page.rights.isVisible() and not page.no_rights.isVisible()
    assert column(page.right_model, 0) == ["Paediatric cannula splint"]
    assert column(page.right_model, 4) == ["Granted"]
    renewal_text = page.right_model.index(0, NEXT_RENEWAL).data()
    assert f"Year 5 due {format_date(year5.due)}" in renewal_text and pounds in renewal_text
    if year5.fee.caveat:
        assert "check before relying" in renewal_text

    # Its year-5 renewal is in the upcoming deadlines, in words, with the fee.
    rows = deadline_rows(page, right_id)
    assert len(rows) == 1
    when = page.deadline_model.index(rows[0], 1).data()
    what = page.deadline_model.index(rows[0], 2).data()
    assert when.startswith("Due in ") and when.endswith(" days")
    assert "year 5" in what and pounds in what
    shown = ipo_working_day(year5.due, shipped_rules())  # the IPO's next open day
    assert page.deadline_model.index(rows[0], 0).data() == format_date(shown)

    # Record the renewal paid, with its cost.
    page.select_right(right_id)
    assert page.renewal_button.isEnabled()
    press(qtbot, page.renewal_button)
    paid = page.findChild(RenewalPaidDialog)
    assert paid is not None and paid.isVisible()
    assert paid.year.currentText().startswith("Year 5:")
    assert paid.paid_on.text() == format_date(TODAY)
    assert paid.add_cost.isChecked()
    assert Decimal(paid.amount.text()) == year5.fee.amount
    press(qtbot, paid.paid_on, Qt.Key.Key_Return)
    assert paid.result() == QDialog.DialogCode.Accepted

    assert register.rights.get(right_id).renewals_paid == {5: TODAY}
    # The next renewal (year 6) is a year away: gone from the 90-day list.
    assert deadline_rows(page, right_id) == []
    assert (
        page.right_model.index(0, NEXT_RENEWAL)
        .data()
        .startswith(f"Year 6 due {format_date(year6.due)}")
    )
    costs = register.costs.list(right_id=right_id)
    assert [(c.amount, c.category, c.spent_on) for c in costs] == [
        (year5.fee.amount, CostCategory.OFFICIAL_FEE, TODAY)
    ]
    assert "year 5" in costs[0].note


def test_grant_date_before_filing_is_shown_beside_the_field_and_nothing_saved(
    qtbot: Any, register: Register, session: RegisterSession
) -> None:
    dialog = RightDialog(session)
    qtbot.addWidget(dialog)
    dialog.show()
    type_into(qtbot, dialog.title, "Falls sensor mat")
    type_into(qtbot, dialog.filing_date, "01/03/2024")
    type_into(qtbot, dialog.grant_date, "01/02/2024")
    type_into(qtbot, dialog.priority_date, "31/02/2024")
    press(qtbot, dialog.status, Qt.Key.Key_G)
    press(qtbot, dialog.grant_date, Qt.Key.Key_Return)

    assert dialog.result() != QDialog.DialogCode.Accepted and dialog.isVisible()
    assert register.rights.all() == []
    assert "cannot be before the filing date (01/03/2024)" in dialog.problem_text("grant_date")
    assert dialog.errors["grant_date"].isVisible()
    assert "is not a real date" in dialog.problem_text("priority_date")  # 31/02: says why
    assert dialog.problem_text("title") == ""
    assert dialog.focusWidget() is dialog.priority_date  # the first field at fault
    assert "cannot be before" in dialog.grant_date.accessibleDescription()

    # Typing in the field clears its message; a corrected form saves.
    dialog.grant_date.selectAll()
    qtbot.keyClicks(dialog.grant_date, "01/02/2025")
    assert not dialog.errors["grant_date"].isVisible()
    dialog.priority_date.selectAll()
    qtbot.keyClick(dialog.priority_date, Qt.Key.Key_Delete)
    press(qtbot, dialog.grant_date, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert [r.grant_date for r in register.rights.all()] == [dt.date(2025, 2, 1)]


def test_linked_case_is_chosen_by_reference(
    qtbot: Any, register: Register, session: RegisterSession
) -> None:
    case = register.cases.add("Paediatric cannula splint")
    dialog = RightDialog(session)
    qtbot.addWidget(dialog)
    dialog.show()
    type_into(qtbot, dialog.title, "Splint design")
    press(qtbot, dialog.right_type, Qt.Key.Key_R)  # "Registered design"
    assert dialog.current_type() is RightType.REGISTERED_DESIGN
    assert not dialog.preview_box.isVisible()  # the preview is for GB patents
    type_into(qtbot, dialog.case_reference, "IP-1999-0001")
    assert "check the reference" in dialog.case_title.text()
    press(qtbot, dialog.title, Qt.Key.Key_Return)
    assert "There is no case IP-1999-0001" in dialog.problem_text("case_id")
    assert register.rights.all() == []

    dialog.case_reference.selectAll()
    qtbot.keyClicks(dialog.case_reference, case.reference.lower())
    assert dialog.case_title.text() == f"{case.reference}: Paediatric cannula splint"
    press(qtbot, dialog.title, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert [r.case_id for r in register.rights.all()] == [case.id]

    again = RightDialog(session, register.rights.all()[0])
    qtbot.addWidget(again)
    assert again.case_reference.text() == case.reference
    assert again.current_type() is RightType.REGISTERED_DESIGN
    assert again.status.itemText(again.status.currentIndex()) == "Drafting"


# -- overdue in words and bold -----------------------------------------------------------
def test_overdue_is_said_in_words_and_bold(register: Register, page: AssetsPage) -> None:
    register.rights.save(
        Right(None, RightType.COPYRIGHT, "", "Falls video", next_review=TODAY - dt.timedelta(3))
    )
    lapsed = register.rights.save(granted_patent("Sensor mat", add_months(TODAY, -60)))
    model = page.deadline_model
    assert column(model, 1)[:2] == [
        f"Overdue by {(TODAY - model.deadline_at(0).due).days} days",  # type: ignore[union-attr]
        "Overdue by 3 days",
    ]
    assert all(model.index(0, c).data(Qt.ItemDataRole.FontRole).bold() for c in range(4))
    assert "lapsed unless restored" in model.index(0, 2).data()
    assert "2 overdue" in page.deadline_count.text()

    rights = page.right_model
    row = rights.row_of(lapsed.id or -1)
    assert rights.index(row, NEXT_RENEWAL).data().startswith("Year 5 missed")
    assert rights.index(row, NEXT_RENEWAL).data(Qt.ItemDataRole.FontRole).bold()
    video = rights.row_of(register.rights.all()[0].id or -1)
    assert rights.index(video, NEXT_REVIEW).data().startswith("Overdue: ")
    assert rights.index(video, NEXT_RENEWAL).data() == "—"


# -- reviews -----------------------------------------------------------------------------
def test_review_recorded_sets_next_review_a_year_on(
    qtbot: Any, register: Register, page: AssetsPage
) -> None:
    right = register.rights.save(granted_patent("Sensor mat", add_months(TODAY, -30)))
    assert right.id is not None
    assert not page.review_button.isEnabled()
    assert page.select_right(right.id)
    assert page.review_button.isEnabled()
    press(qtbot, page.review_button)
    dialog = page.findChild(ReviewDialog)
    assert dialog is not None and dialog.isVisible()
    assert dialog.current_outcome() is ReviewOutcome.KEEP
    assert dialog.reviewer.text() == "Test Lead"
    assert dialog.reviewed_on.text() == format_date(TODAY)

    press(qtbot, dialog.reviewer, Qt.Key.Key_Return)  # no reasons yet
    assert "reasons" in dialog.problem_text("rationale")
    assert register.rights.reviews(right.id) == []

    type_into(qtbot, dialog.rationale, "Licensing talks with two suppliers; worth its fees.")
    press(qtbot, dialog.reviewer, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted

    a_year_on = TODAY + dt.timedelta(days=365)
    reviews = register.rights.reviews(right.id)
    assert [(r.outcome, r.reviewer, r.reviewed_on, r.next_review) for r in reviews] == [
        (ReviewOutcome.KEEP, "Test Lead", TODAY, a_year_on)
    ]
    assert register.rights.get(right.id).next_review == a_year_on
    row = page.right_model.row_of(right.id)
    assert page.right_model.index(row, NEXT_REVIEW).data() == format_date(a_year_on)
    assert page.current_right() is not None and page.current_right().id == right.id  # type: ignore[union-attr]


def test_locking_closes_an_open_dialog_and_empties_the_page(
    qtbot: Any, register: Register, session: RegisterSession, page: AssetsPage
) -> None:
    register.rights.save(granted_patent("Sensor mat", add_months(TODAY, -30)))
    assert page.right_count.text() == "1 right"
    dialog = page.add_right()
    assert dialog is not None and dialog.isVisible()
    type_into(qtbot, dialog.title, "Half typed")
    session.lock()
    assert not dialog.isVisible() and dialog.result() == QDialog.DialogCode.Rejected
    assert page.right_model.rowCount() == 0 and page.deadline_model.rowCount() == 0
    assert page.right_count.text() == "" and not page.add_button.isEnabled()


def test_a_hidden_page_does_not_reread_the_rights_until_it_is_shown(
    register: Register, page: AssetsPage
) -> None:
    """A save elsewhere must not re-read every right while the page is out of sight."""
    filed = filed_4_years_ago_less_2_months()
    register.rights.save(granted_patent("Before hiding", filed))
    assert page.right_model.rowCount() == 1
    page.hide()
    register.rights.save(granted_patent("While hidden", filed))
    assert page.right_model.rowCount() == 1  # not re-read yet
    assert page.right_model.stale
    page.show()
    assert page.right_model.rowCount() == 2
    assert not page.right_model.stale
    assert sorted(column(page.right_model, 0)) == ["Before hiding", "While hidden"]
