"""Finance on the UI kit, through the door the user uses: the page's buttons pressed with the
mouse open the kit's form dialogs, typed values are checked under their own field without
moving Save, Save records and the kit's table shows it, Cancel with changes asks "Discard
changes?" with No as the default, and the tables' columns fit (text stretches, money and
dates as wide as their content)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QApplication, QHeaderView, QMessageBox, QWidget

from nhsip_desktop.cases.disclosure import Contributor, Disclosure
from nhsip_desktop.cases.model import Case, IpKind
from nhsip_desktop.finance.ledgers import CostCategory, CostEntry
from nhsip_desktop.store.register import Register
from nhsip_desktop.ui.finance_dialogs import CostDialog, FeeAmountDialog, ReturnDialog
from nhsip_desktop.ui.finance_page import FinancePage
from nhsip_desktop.ui.kit import FormDialog, RecordTable
from nhsip_desktop.ui.session import RegisterSession

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def case(register: Register) -> Case:
    return register.cases.save_disclosure(
        None,
        title="Paediatric cannula splint",
        summary="",
        ip_kinds=[IpKind.INVENTION],
        disclosure=Disclosure(
            problem="p",
            contributors=[
                Contributor(name="Megan Hughes", share=Decimal(70)),
                Contributor(name="Sam Lee", share=Decimal(30)),
            ],
        ),
    )


@pytest.fixture
def page(qtbot: Any, session: RegisterSession) -> FinancePage:
    widget = FinancePage(session)
    qtbot.addWidget(widget)
    widget.resize(1366, 698)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def press_then(
    qtbot: Any, button: QWidget, kind: type[FormDialog], steps: Callable[[Any], None]
) -> None:
    """Click ``button`` (which runs a modal ``kind`` dialog) and do ``steps`` in the dialog
    while it is open; a failed step closes the dialog and fails the test."""
    failed: list[BaseException] = []

    def run() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, kind):
            QTimer.singleShot(10, run)
            return
        qtbot.waitExposed(dialog)
        try:
            steps(dialog)
        except BaseException as exc:  # handed back to the test below
            failed.append(exc)
        if dialog.isVisible():
            dialog.discard()

    QTimer.singleShot(0, run)
    qtbot.mouseClick(button, LEFT)
    if failed:
        raise failed[0]


def answer_next_box(button: QMessageBox.StandardButton, seen: dict[str, str]) -> None:
    """Answer the next message box with ``button``, noting its title and default button."""

    def reply() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, reply)
            return
        default = box.defaultButton()
        seen["title"] = box.windowTitle()
        seen["default"] = default.text().replace("&", "") if default else ""
        box.button(button).click()

    QTimer.singleShot(0, reply)


def top_of(widget: QWidget, dialog: QWidget) -> int:
    return widget.mapTo(dialog, QPoint(0, 0)).y()


def retype(qtbot: Any, field: QWidget, text: str) -> None:
    qtbot.mouseClick(field, LEFT)
    field.selectAll()
    qtbot.keyClicks(field, text)


def test_a_bad_amount_is_said_under_its_field_then_save_records_the_cost(
    qtbot: Any, page: FinancePage, register: Register, case: Case
) -> None:
    seen: dict[str, Any] = {}

    def steps(dialog: CostDialog) -> None:
        save = dialog.save_button
        where = save.mapTo(dialog, QPoint(0, 0)), save.size()
        retype(qtbot, dialog.case, case.reference)
        retype(qtbot, dialog.spent_on, "14/03/2026")
        retype(qtbot, dialog.amount, "12.345")
        retype(qtbot, dialog.supplier, "Harbour Patent Attorneys LLP")
        qtbot.mouseClick(save, LEFT)
        message = dialog.form.problems["amount"]
        seen["message"] = message.text()
        seen["shown"] = message.isVisible()
        seen["under"] = top_of(message, dialog) > top_of(dialog.amount, dialog)
        seen["above next"] = top_of(message, dialog) < top_of(dialog.vat, dialog)
        seen["open"] = dialog.isVisible()
        seen["save stayed"] = (save.mapTo(dialog, QPoint(0, 0)), save.size()) == where
        seen["saved before"] = len(register.costs.list())
        retype(qtbot, dialog.amount, "1,250.50")
        seen["cleared"] = not dialog.form.problems["amount"].isVisible()
        qtbot.mouseClick(save, LEFT)
        seen["closed"] = not dialog.isVisible()

    press_then(qtbot, page.add_cost_button, CostDialog, steps)

    assert seen["shown"] and "12.345" in seen["message"]
    assert "two decimal places" in seen["message"]
    assert seen["under"] and seen["above next"]
    assert seen["open"] and seen["save stayed"] and seen["saved before"] == 0
    assert seen["cleared"] and seen["closed"]
    (cost,) = register.costs.list()
    assert (cost.amount, cost.spent_on) == (Decimal("1250.50"), dt.date(2026, 3, 14))
    assert cost.supplier == "Harbour Patent Attorneys LLP"
    model = page.cost_table.model()
    shown = [model.index(0, c).data() for c in range(model.columnCount())]
    assert shown[:4] == ["14/03/2026", case.reference, "Official fee", "£1,250.50"]
    assert "£1,250.50" in page.cost_summary.text()


def test_cancel_with_changes_asks_discard_no_by_default(
    qtbot: Any, page: FinancePage, register: Register, case: Case
) -> None:
    seen: dict[str, Any] = {}

    def steps(dialog: CostDialog) -> None:
        retype(qtbot, dialog.amount, "99.00")
        first: dict[str, str] = {}
        answer_next_box(QMessageBox.StandardButton.No, first)
        qtbot.mouseClick(dialog.cancel_button, LEFT)
        seen["first"] = first
        seen["kept"] = dialog.isVisible() and dialog.amount.text() == "99.00"
        second: dict[str, str] = {}
        answer_next_box(QMessageBox.StandardButton.Yes, second)
        qtbot.mouseClick(dialog.cancel_button, LEFT)
        seen["closed"] = not dialog.isVisible()

    press_then(qtbot, page.add_cost_button, CostDialog, steps)
    assert seen["first"] == {"title": "Discard changes?", "default": "No"}
    assert seen["kept"] and seen["closed"]
    assert register.costs.list() == []


def test_cancel_without_changes_closes_at_once(qtbot: Any, page: FinancePage) -> None:
    seen: dict[str, bool] = {}

    def steps(dialog: CostDialog) -> None:
        qtbot.mouseClick(dialog.cancel_button, LEFT)  # no question: a box would hang here
        seen["closed"] = not dialog.isVisible()

    press_then(qtbot, page.add_cost_button, CostDialog, steps)
    assert seen["closed"]


def test_a_return_by_mouse_with_a_missing_amount_then_saved(
    qtbot: Any, page: FinancePage, register: Register, case: Case
) -> None:
    page.tabs.setCurrentIndex(page.TAB_RETURNS)
    retype(qtbot, page.case_reference, case.reference)
    qtbot.mouseClick(page.show_button, LEFT)
    assert page.add_return_button.isEnabled()
    seen: dict[str, Any] = {}

    def steps(dialog: ReturnDialog) -> None:
        retype(qtbot, dialog.received_on, "10/02/2026")
        qtbot.mouseClick(dialog.save_button, LEFT)
        seen["message"] = dialog.form.problems["gross"].text()
        retype(qtbot, dialog.gross, "30,000.00")
        retype(qtbot, dialog.deductible, "1000")
        qtbot.mouseClick(dialog.save_button, LEFT)
        seen["closed"] = not dialog.isVisible()

    press_then(qtbot, page.add_return_button, ReturnDialog, steps)
    assert "Enter the amount received" in seen["message"]
    assert seen["closed"]
    (line,) = register.returns.for_case(case.id)
    assert (line.gross, line.deductible) == (Decimal("30000.00"), Decimal("1000.00"))
    model = page.returns_table.model()
    assert [model.index(0, c).data() for c in (0, 2, 3, 4)] == [
        "10/02/2026",
        "£30,000.00",
        "£1,000.00",
        "£29,000.00",
    ]


def test_a_fee_corrected_by_mouse(qtbot: Any, page: FinancePage, register: Register) -> None:
    page.tabs.setCurrentIndex(page.TAB_FEES)
    table = page.fee_table
    codes = list(register.reference.fee_schedule().fees)
    row = codes.index("gb_patent_application")
    table.scrollTo(table.model().index(row, 0))
    rect = table.visualRect(table.model().index(row, 0))
    qtbot.mouseClick(table.viewport(), LEFT, pos=rect.center())
    assert page.correct_fee_button.isEnabled()
    seen: dict[str, Any] = {}

    def steps(dialog: FeeAmountDialog) -> None:
        qtbot.mouseClick(dialog.save_button, LEFT)
        seen["empty"] = dialog.form.problems["amount"].text()
        retype(qtbot, dialog.amount, "80")
        qtbot.mouseClick(dialog.save_button, LEFT)
        seen["closed"] = not dialog.isVisible()

    press_then(qtbot, page.correct_fee_button, FeeAmountDialog, steps)
    assert "Enter the new amount" in seen["empty"] and seen["closed"]
    assert table.model().index(row, 1).data() == "£80.00"


def test_finance_tables_are_the_kits_text_stretches_money_and_dates_fit(
    page: FinancePage, register: Register, case: Case
) -> None:
    register.costs.add(
        CostEntry(
            dt.date(2026, 2, 10),
            CostCategory.ATTORNEY,
            Decimal("1234567.89"),
            supplier="Harbour Patent Attorneys LLP",
            case_id=case.id,
        )
    )
    tables = (page.cost_table, page.returns_table, page.innovator_table, page.fee_table)
    assert all(isinstance(t, RecordTable) for t in (*tables, page.bands_table))
    table = page.cost_table
    header = table.horizontalHeader()
    model = table.model()
    titles = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(8)]
    supplier, amount, date = titles.index("Supplier"), titles.index("Amount"), 0
    assert header.sectionResizeMode(supplier) == QHeaderView.ResizeMode.Stretch
    assert header.sectionResizeMode(amount) == QHeaderView.ResizeMode.Interactive
    bold = QFont(table.font())
    bold.setBold(True)
    metrics = QFontMetrics(bold)
    assert header.sectionSize(amount) > metrics.horizontalAdvance("£1,234,567.89")
    assert header.sectionSize(date) > metrics.horizontalAdvance("30/09/2026")
    assert header.sectionSize(amount) < header.sectionSize(supplier)
    # The total line is read, not chosen.
    total = model.index(1, 0)
    assert total.data() == "Total"
    assert not (model.flags(total) & Qt.ItemFlag.ItemIsSelectable)


def test_locking_closes_an_open_dialog_without_asking(
    qtbot: Any, page: FinancePage, register: Register
) -> None:
    seen: dict[str, bool] = {}

    def steps(dialog: CostDialog) -> None:
        retype(qtbot, dialog.amount, "12.00")
        page.session.lock()  # the idle lock: nothing can be saved, no question to hang on
        seen["closed"] = not dialog.isVisible()

    press_then(qtbot, page.add_cost_button, CostDialog, steps)
    assert seen["closed"]
    assert page.cost_model.rowCount() == 0
