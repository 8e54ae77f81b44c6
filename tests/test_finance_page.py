"""The Finance page (step 8), offscreen over a real encrypted register: costs, returns shared
exact to the penny, the sharing policy's versions, statements and the fee schedule."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox, QTableView, QWidget

from nhsip_desktop.cases.disclosure import Contributor, Disclosure
from nhsip_desktop.cases.model import Case, IpKind
from nhsip_desktop.finance.ledgers import CostCategory, CostEntry
from nhsip_desktop.finance.revenue import PARTIES, ReturnKind, distribute, totals_by_innovator
from nhsip_desktop.store.register import Register
from nhsip_desktop.ui.finance_page import (
    AMOUNT_ROLE,
    ID_ROLE,
    TOTAL_ROW_ROLE,
    CostDialog,
    FeeAmountDialog,
    FinancePage,
    ReturnDialog,
    ReturnsTableModel,
)
from nhsip_desktop.ui.session import RegisterSession

FIRST = dt.date(2026, 2, 10)
SECOND = dt.date(2026, 6, 30)


def make_case(register: Register, shares: tuple[int, int] = (70, 30)) -> Case:
    return register.cases.save_disclosure(
        None,
        title="Paediatric cannula splint",
        summary="",
        ip_kinds=[IpKind.INVENTION],
        disclosure=Disclosure(
            problem="p",
            contributors=[
                Contributor(name="Megan Hughes", share=Decimal(shares[0])),
                Contributor(name="Sam Lee", share=Decimal(shares[1])),
            ],
        ),
    )


@pytest.fixture
def case(register: Register) -> Case:
    return make_case(register)


@pytest.fixture
def page(qtbot: Any, session: RegisterSession) -> FinancePage:
    widget = FinancePage(session)
    qtbot.addWidget(widget)
    widget.resize(1100, 720)
    widget.show()
    return widget


def add_two_returns(register: Register, case: Case) -> tuple[int, int]:
    """£29,000 net, then £33,333.33 net: the second crosses the £50,000 band edge."""
    first = register.returns.add(
        case.id,
        received_on=FIRST,
        gross=Decimal("30000.00"),
        deductible=Decimal("1000.00"),
        kind=ReturnKind.LICENCE_FEE,
    )
    second = register.returns.add(
        case.id, received_on=SECOND, gross=Decimal("33333.33"), kind=ReturnKind.ROYALTY
    )
    return first.id, second.id


def pounds(text: str) -> Decimal:
    return Decimal(text.replace("£", "").replace(",", ""))


def cell(table: QTableView, row: int, column: int, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
    return table.model().index(row, column).data(role)


def select_row(table: QTableView, row: int) -> None:
    table.selectionModel().select(
        table.model().index(row, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )


def type_and_tab(qtbot: Any, dialog: QWidget, text: str) -> None:
    """Type into whichever field has the keyboard focus, then Tab on to the next one."""
    field = dialog.focusWidget()
    assert field is not None
    if text:
        qtbot.keyClicks(field, text)
    qtbot.keyClick(field, Qt.Key.Key_Tab)


def test_page_is_the_finance_area(page: FinancePage) -> None:
    assert page.objectName() == "area-finance"
    assert page.accessibleName() == "Finance"
    titles = [page.tabs.tabText(i).replace("&", "") for i in range(page.tabs.count())]
    assert titles == ["Costs", "Returns and sharing", "Sharing policy", "Fee schedule"]


def test_every_model_passes_the_model_tester(
    qtmodeltester: Any, page: FinancePage, register: Register, case: Case
) -> None:
    register.costs.add(
        CostEntry(FIRST, CostCategory.OFFICIAL_FEE, Decimal("75.00"), case_id=case.id)
    )
    add_two_returns(register, case)
    assert page.show_case(case.reference)
    models = [
        page.cost_model,
        page.returns_model,
        page.innovator_model,
        page.bands_model,
        page.fee_model,
    ]
    for model in models:
        assert model.rowCount() > 0
        qtmodeltester.check(model)
    empty = ReturnsTableModel()
    qtmodeltester.check(empty)


def test_add_a_cost_by_keyboard_shows_in_table_and_total(
    qtbot: Any, page: FinancePage, register: Register, case: Case
) -> None:
    register.costs.add(
        CostEntry(FIRST, CostCategory.OFFICIAL_FEE, Decimal("75.00"), case_id=case.id)
    )
    dialog = CostDialog(page.session, page)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.focusWidget() is dialog.case
    type_and_tab(qtbot, dialog, case.reference)
    assert dialog.focusWidget() is dialog.spent_on
    dialog.spent_on.selectAll()
    type_and_tab(qtbot, dialog, "14/03/2026")
    assert dialog.focusWidget() is dialog.category
    type_and_tab(qtbot, dialog, "A")  # Attorney
    type_and_tab(qtbot, dialog, "1,250.50")
    type_and_tab(qtbot, dialog, "250.10")
    type_and_tab(qtbot, dialog, "Harbour Patent Attorneys LLP")
    type_and_tab(qtbot, dialog, "INV-2207")
    assert dialog.focusWidget() is dialog.note
    qtbot.keyClicks(dialog.note, "Drafting the GB application")
    qtbot.keyClick(dialog.note, Qt.Key.Key_Return)

    assert dialog.result() == QDialog.DialogCode.Accepted
    saved = [c for c in register.costs.list() if c.supplier.startswith("Harbour")]
    assert len(saved) == 1
    cost = saved[0]
    assert (cost.spent_on, cost.category) == (dt.date(2026, 3, 14), CostCategory.ATTORNEY)
    assert (cost.amount, cost.vat, cost.reference) == (
        Decimal("1250.50"),
        Decimal("250.10"),
        "INV-2207",
    )

    table = page.cost_table
    assert table.model().rowCount() == 3  # two costs and the total line
    row = [cell(table, 1, c) for c in range(8)]
    assert row == [
        "14/03/2026",
        case.reference,
        "Attorney",
        "£1,250.50",
        "£250.10",
        "£1,500.60",
        "Harbour Patent Attorneys LLP",
        "INV-2207",
    ]
    assert cell(table, 2, 0) == "Total"
    assert cell(table, 2, 0, TOTAL_ROW_ROLE) is True
    assert cell(table, 2, 5) == "£1,575.60"
    assert cell(table, 2, 5, AMOUNT_ROLE) == "1575.60"
    assert "£1,575.60" in page.cost_summary.text()


@pytest.mark.parametrize("typed", ["12.345", "abc"])
def test_a_wrong_amount_is_explained_beside_the_field_and_nothing_saved(
    qtbot: Any, page: FinancePage, register: Register, case: Case, typed: str
) -> None:
    dialog = CostDialog(page.session, page, case.reference)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.amount.setFocus()
    qtbot.keyClicks(dialog.amount, typed)
    qtbot.keyClick(dialog.amount, Qt.Key.Key_Return)

    message = dialog.form.messages["amount"]
    assert message.isVisible()
    assert typed in message.text()
    assert "two decimal places" in message.text()
    assert "Problem" in dialog.amount.accessibleDescription()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert register.costs.list() == []
    assert page.cost_model.rowCount() == 0
    dialog.discard()  # typed but not saved: close without the "Discard changes?" question

    returns = ReturnDialog(page.session, case.id, page)
    qtbot.addWidget(returns)
    returns.gross.setText(typed)
    assert not returns.save()
    assert returns.form.messages["gross"].text()
    assert register.returns.for_case(case.id) == []


def test_a_cost_needs_a_known_case_and_an_amount(
    qtbot: Any, page: FinancePage, register: Register
) -> None:
    dialog = CostDialog(page.session, page)
    qtbot.addWidget(dialog)
    dialog.case.setText("IP-2026-9999")
    assert not dialog.save()
    assert "IP-2026-9999" in dialog.form.messages["case_id"].text()
    assert "more than £0" in dialog.form.messages["amount"].text()
    assert register.costs.list() == []


def test_remove_a_cost_after_confirming(
    page: FinancePage, register: Register, case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    register.costs.add(CostEntry(FIRST, CostCategory.OTHER, Decimal("10.00"), case_id=case.id))
    select_row(page.cost_table, 0)
    asked: list[str] = []

    def answer(reply: QMessageBox.StandardButton) -> Any:
        def ask(*args: Any, **_kw: Any) -> QMessageBox.StandardButton:
            asked.append(args[2])
            return reply

        return ask

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Cancel))
    assert not page.remove_cost()
    assert len(register.costs.list()) == 1
    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Yes))
    assert page.remove_cost()
    assert register.costs.list() == []
    assert "£10.00" in asked[0]
    assert page.cost_model.rowCount() == 0


def test_returns_are_shared_exactly_to_the_penny(
    qtbot: Any, page: FinancePage, register: Register, case: Case
) -> None:
    page.tabs.setCurrentIndex(page.TAB_RETURNS)
    page.case_reference.setFocus()
    qtbot.keyClicks(page.case_reference, case.reference.lower())
    qtbot.keyClick(page.case_reference, Qt.Key.Key_Return)
    assert page.case_id == case.id
    assert page.add_return_button.isEnabled()

    # The first return by keyboard, through the dialog.
    dialog = ReturnDialog(page.session, case.id, page)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.received_on.selectAll()
    type_and_tab(qtbot, dialog, "10/02/2026")
    type_and_tab(qtbot, dialog, "L")  # Licence fee
    type_and_tab(qtbot, dialog, "30,000.00")
    type_and_tab(qtbot, dialog, "1000")
    type_and_tab(qtbot, dialog, "Licence with Splintco Ltd")
    qtbot.keyClicks(dialog.description, "Upfront fee")
    qtbot.keyClick(dialog.description, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted
    first = register.returns.for_case(case.id)[0]
    assert (first.gross, first.deductible, first.kind) == (
        Decimal("30000.00"),
        Decimal("1000.00"),
        ReturnKind.LICENCE_FEE,
    )
    # The second, crossing the first band's edge (£50,000 of cumulative net revenue).
    dialog = ReturnDialog(page.session, case.id, page)
    qtbot.addWidget(dialog)
    dialog.received_on.setText("30/06/2026")
    dialog.kind.setCurrentIndex(list(ReturnKind).index(ReturnKind.ROYALTY))
    dialog.gross.setText("33,333.33")
    assert dialog.save()

    table = page.returns_table
    model = table.model()
    assert model.rowCount() == 3  # two returns and the total line
    party_columns = range(5, 5 + len(PARTIES))
    for row in range(model.rowCount()):
        net_text = cell(table, row, 4)
        shown = [pounds(cell(table, row, c)) for c in party_columns]
        assert sum(shown) == pounds(net_text)  # on screen
        exact = [Decimal(cell(table, row, c, AMOUNT_ROLE)) for c in party_columns]
        assert sum(exact) == Decimal(cell(table, row, 4, AMOUNT_ROLE))  # in the model
        assert exact == shown
    assert [cell(table, 1, c) for c in range(5)] == [
        "30/06/2026",
        "Royalty",
        "£33,333.33",
        "£0.00",
        "£33,333.33",
    ]
    # £21,000 at 50/20/30 and £12,333.33 at 35/25/40; the spare penny goes to the innovators.
    assert [cell(table, 1, c) for c in party_columns] == [
        "£14,816.67",
        "£7,283.33",
        "£11,233.33",
        "£0.00",
    ]
    assert cell(table, 2, 4) == "£62,333.33"

    policy = register.reference.revenue_policy()
    assert f"version {policy.version}" in page.policy_line.text()
    assert policy.title in page.policy_line.text()
    assert "largest-remainder" in page.rounding_line.text()
    assert "largest-remainder" in page.rounding_line.toolTip()

    contributors = register.cases.details(case.id).contributors
    expected = totals_by_innovator(
        distribute(policy, register.returns.for_case(case.id), contributors)
    )
    innovators = page.innovator_table
    assert innovators.model().rowCount() == 3
    for row, contributor in enumerate(contributors):
        assert cell(innovators, row, 0) == contributor.name
        assert cell(innovators, row, 1) == f"{contributor.share}%"
        assert cell(innovators, row, 0, ID_ROLE) == contributor.key
        assert Decimal(cell(innovators, row, 2, AMOUNT_ROLE)) == expected[contributor.key]
        assert pounds(cell(innovators, row, 2)) == expected[contributor.key]
    assert pounds(cell(innovators, 2, 2)) == pounds(cell(table, 2, 5))
    assert not page.shares_warning.isVisible()


def test_shares_not_totalling_100_are_said_in_words(page: FinancePage, register: Register) -> None:
    case = make_case(register, (60, 30))
    register.returns.add(
        case.id, received_on=FIRST, gross=Decimal("1000.00"), kind=ReturnKind.ROYALTY
    )
    page.tabs.setCurrentIndex(page.TAB_RETURNS)
    assert page.show_case(case.reference)
    assert page.shares_warning.isVisible()
    assert "add up to 90%" in page.shares_warning.text()
    assert "not shown" in page.shares_warning.text()
    assert page.innovator_model.rowCount() == 0
    assert not page.statement_button.isEnabled()
    # The split between the parties does not depend on the contributors' shares.
    assert [cell(page.returns_table, 0, c) for c in range(4, 9)] == [
        "£1,000.00",
        "£500.00",
        "£200.00",
        "£300.00",
        "£0.00",
    ]


def test_unknown_case_reference_is_explained(page: FinancePage) -> None:
    page.tabs.setCurrentIndex(page.TAB_RETURNS)
    assert not page.show_case("IP-2020-0404")
    assert page.case_message.isVisible()
    assert "IP-2020-0404" in page.case_message.text()
    assert page.returns_model.rowCount() == 0
    assert not page.add_return_button.isEnabled()


def test_saving_the_policy_makes_a_new_version_and_recorded_returns_keep_theirs(
    page: FinancePage, register: Register, case: Case
) -> None:
    first_id, _ = add_two_returns(register, case)
    assert page.show_case(case.reference)
    page.tabs.setCurrentIndex(page.TAB_POLICY)
    assert "version 1" in page.policy_title.text()
    bands = page.bands_model
    assert bands.index(2, 0).data() == "No upper limit"

    # Percentages that do not total 100 are refused, in words, and nothing is saved.
    assert bands.setData(bands.index(0, 1), "40")
    assert not page.save_policy()
    assert page.policy_error.isVisible()
    assert "Band 1" in page.policy_error.text()
    assert "total 100" in page.policy_error.text()
    assert "bands[" not in page.policy_error.text()
    assert register.reference.revenue_policy().version == 1
    assert not page.save_policy() and "Band 1" in page.policy_error.text()

    assert bands.setData(bands.index(0, 1), "abc")
    assert not page.save_policy()
    assert "not a percentage" in page.policy_error.text()

    assert bands.setData(bands.index(0, 1), "50")
    assert bands.setData(bands.index(0, 0), "40,000")
    assert page.save_policy()
    saved = register.reference.revenue_policy()
    assert saved.version == 2
    assert saved.bands[0].up_to == Decimal("40000.00")
    assert saved.effective == dt.date.today()
    assert register.returns.policy_for(first_id).version == 1
    assert "version 2" in page.policy_title.text()
    assert "Saved as version 2" in page.policy_status.text()
    assert not page.policy_error.isVisible()
    # The Returns tab says which version it now uses, and that the returns were recorded
    # under an earlier one.
    assert "version 2" in page.policy_line.text()
    assert "earlier version" in page.returns_notes.text()


def test_statement_for_the_selected_innovator(
    page: FinancePage,
    register: Register,
    case: Case,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    add_two_returns(register, case)
    assert page.show_case(case.reference)
    warnings: list[str] = []
    replies = [QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Ok]

    def warn(*args: Any, **_kw: Any) -> QMessageBox.StandardButton:
        warnings.append(args[2])
        return replies.pop(0)

    target = tmp_path / "statement.pdf"
    monkeypatch.setattr(QMessageBox, "warning", warn)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))

    assert page.write_statement() is None  # nobody selected yet
    assert "Select an innovator" in page.returns_status.text()
    select_row(page.innovator_table, 1)
    assert page.statement_button.isEnabled()
    assert page.write_statement() is None  # cancelled at the warning
    assert not target.exists()
    assert page.write_statement() == target
    assert len(warnings) == 2
    assert "outside the encrypted register" in warnings[0]
    assert "Sam Lee" in warnings[0]

    text = "".join(p.extract_text() for p in PdfReader(str(target)).pages)
    assert "Sam Lee" in text
    assert case.reference in text
    newest = next(register.audit.entries())
    assert newest.action == "report"
    assert "statement" in newest.record_id


def test_fee_schedule_and_correcting_an_amount(
    qtbot: Any, page: FinancePage, register: Register
) -> None:
    schedule = register.reference.fee_schedule()
    model = page.fee_model
    assert model.rowCount() == len(schedule.fees)
    codes = list(schedule.fees)
    row = codes.index("gb_patent_application")
    fee = schedule.fees["gb_patent_application"]
    assert cell(page.fee_table, row, 2) == fee.as_of.strftime("%d/%m/%Y")
    assert cell(page.fee_table, row, 4) == "check before relying"
    assert not page.correct_fee_button.isEnabled()
    select_row(page.fee_table, row)
    assert page.correct_fee_button.isEnabled()

    dialog = FeeAmountDialog(page.session, schedule, "gb_patent_application", page)
    qtbot.addWidget(dialog)
    dialog.amount.setText("75.001")
    assert not dialog.save()
    assert dialog.form.messages["amount"].text()
    assert register.reference.fee_schedule().version == schedule.version
    dialog.amount.setText("80")
    assert dialog.save()

    updated = register.reference.fee_schedule()
    assert updated.version == schedule.version + 1
    assert updated.fees["gb_patent_application"].amount == Decimal("80.00")
    assert cell(page.fee_table, row, 1) == "£80.00"
    assert cell(page.fee_table, row, 4) == ""
    assert f"version {updated.version}" in page.fee_title.text()


def test_locking_clears_the_page(page: FinancePage, register: Register, case: Case) -> None:
    add_two_returns(register, case)
    assert page.show_case(case.reference)
    page.session.lock()
    for model in (page.cost_model, page.returns_model, page.innovator_model, page.fee_model):
        assert model.rowCount() == 0
    assert page.bands_model.rowCount() == 0
    assert not page.add_return_button.isEnabled()


def test_page_fills_when_a_register_is_opened(qtbot: Any, register: Register) -> None:
    session = RegisterSession()
    widget = FinancePage(session)
    qtbot.addWidget(widget)
    assert widget.fee_model.rowCount() == 0
    assert not widget.add_cost_button.isEnabled()
    session.attach(register)
    try:
        assert widget.fee_model.rowCount() > 0
        assert widget.bands_model.rowCount() == len(register.reference.revenue_policy().bands)
        assert widget.add_cost_button.isEnabled()
        assert "No costs recorded" in widget.cost_summary.text()
    finally:
        session.lock()
