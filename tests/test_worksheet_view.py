"""The "Protection" tab (step 6 worksheet), driven by keyboard offscreen over a real register."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QMessageBox, QWidget

from nhsip_desktop.cases.worksheet import (
    OptionPlan,
    ProtectionOption,
    Worksheet,
    YearLine,
    evaluate_worksheet,
    prefill_official_fees,
)
from nhsip_desktop.core.money import money
from nhsip_desktop.store.register import Register
from nhsip_desktop.ui.session import RegisterSession
from nhsip_desktop.ui.worksheet_view import (
    RESULT_ROWS,
    YEAR_COLUMNS,
    CumulativeChart,
    WorksheetView,
    year_label,
)

P = ProtectionOption
D = Decimal
COLUMN = {name: index for index, (name, _title, _spoken) in enumerate(YEAR_COLUMNS)}


@pytest.fixture
def session(register: Register) -> Iterator[RegisterSession]:
    session = RegisterSession()
    session.attach(register)
    yield session
    if session.is_open:
        session.lock()


@pytest.fixture
def case_id(register: Register) -> int:
    return register.cases.add("Splint").id


@pytest.fixture
def view(qtbot: Any, session: RegisterSession, case_id: int) -> WorksheetView:
    widget = WorksheetView(session, ensure_case=lambda: case_id)
    qtbot.addWidget(widget)
    widget.load(case_id)
    widget.resize(1100, 760)
    widget.show()
    return widget


# -- keyboard helpers ------------------------------------------------------------------------
def press(qtbot: Any, widget: QWidget, key: Qt.Key = Qt.Key.Key_Space) -> None:
    widget.setFocus()
    qtbot.keyClick(widget, key)


def add_option(qtbot: Any, view: WorksheetView, option: ProtectionOption) -> None:
    """Choose ``option`` in the "add" list with the arrow keys, then press Add."""
    combo = view.add_choice
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Home)
    for _ in range(len(ProtectionOption)):  # bounded: never loop for ever
        if view._addable[combo.currentIndex()] is option:
            break
        qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert view._addable[combo.currentIndex()] is option
    press(qtbot, view.add_button)
    assert view.selected_plan() is not None
    assert view.selected_plan().option is option  # type: ignore[union-attr]


def select_option(qtbot: Any, view: WorksheetView, option: ProtectionOption) -> None:
    view.option_list.setFocus()
    qtbot.keyClick(view.option_list, Qt.Key.Key_Home)
    for _ in range(len(view.plans)):
        if view.selected_plan().option is option:  # type: ignore[union-attr]
            return
        qtbot.keyClick(view.option_list, Qt.Key.Key_Down)
    pytest.fail(f"{option} is not in the list")


def type_cell(qtbot: Any, view: WorksheetView, year: int, field: str, text: str) -> None:
    """Open the cell's editor as F2 would, type ``text`` and press Enter."""
    table = view.years_table
    index = view.years_model.index(year, COLUMN[field])
    table.setFocus()
    table.setCurrentIndex(index)
    table.edit(index)
    editor = table.viewport().findChild(QLineEdit)
    assert editor is not None, "no editor opened"
    editor.selectAll()
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: table.viewport().findChild(QLineEdit) is None, timeout=2000)


def set_spin(qtbot: Any, spin: QWidget, text: str) -> None:
    spin.setFocus()
    qtbot.keyClick(spin, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(spin, text)
    qtbot.keyClick(spin, Qt.Key.Key_Return)


def cell_text(view: WorksheetView, year: int, field: str) -> str:
    return str(view.years_model.index(year, COLUMN[field]).data())


def results_cell(view: WorksheetView, row_title: str, option: ProtectionOption) -> str:
    row = RESULT_ROWS.index(row_title)
    column = [item.option for item in view.result().results].index(option)
    item = view.results_table.item(row, column)
    assert item is not None
    return item.text()


def fill_two_options(qtbot: Any, view: WorksheetView) -> None:
    """A UK patent (best NPV, registered) and know-how (less NPV, not registered)."""
    add_option(qtbot, view, P.UK_PATENT)
    press(qtbot, view.fill_button)
    type_cell(qtbot, view, 0, "attorney", "4,500")
    type_cell(qtbot, view, 1, "attorney", "2500")
    for year in range(10):
        type_cell(qtbot, view, year, "internal", "600")
    for year in range(2, 10):
        type_cell(qtbot, view, year, "licence_income", "£6,000")
    set_spin(qtbot, view.probability, "60")
    set_spin(qtbot, view.patient_benefit, "3")

    add_option(qtbot, view, P.KNOW_HOW)
    for year in range(10):
        type_cell(qtbot, view, year, "internal", "300")
    for year in range(1, 10):
        type_cell(qtbot, view, year, "savings", "2000")
    set_spin(qtbot, view.probability, "70")


def expected_worksheet(view: WorksheetView, *, plan: bool) -> Worksheet:
    """The same figures, built without the view."""
    schedule = view.session.register.reference.fee_schedule()
    fees = prefill_official_fees(P.UK_PATENT, schedule, 10, start_year=view.start)
    patent = [
        YearLine(
            official_fees=fees[year],
            attorney={0: D(4500), 1: D(2500)}.get(year, D(0)),
            internal=D(600),
            licence_income=D(6000) if year >= 2 else D(0),
        )
        for year in range(10)
    ]
    know_how = [
        YearLine(internal=D(300), savings=D(2000) if year >= 1 else D(0)) for year in range(10)
    ]
    return Worksheet(
        [
            OptionPlan(P.UK_PATENT, patent, probability=D("0.6"), patient_benefit=3),
            OptionPlan(P.KNOW_HOW, know_how, probability=D("0.7")),
        ],
        has_development_plan=plan,
        fee_schedule_id=schedule.id,
        fee_schedule_version=schedule.version,
        start=view.start,
    )


# -- the tests -------------------------------------------------------------------------------
def test_filled_by_keyboard_results_match_the_engine(qtbot: Any, view: WorksheetView) -> None:
    assert view.discount.value() == pytest.approx(3.5)
    assert view.horizon_box.value() == 10
    assert "Official fees from: " in view.schedule_label.text()
    assert " as of " in view.schedule_label.text()
    fill_two_options(qtbot, view)

    expected = expected_worksheet(view, plan=False)
    assert view.worksheet() == expected
    engine = evaluate_worksheet(expected)
    for option in (P.UK_PATENT, P.KNOW_HOW):
        assert view.result().result(option).npv == engine.result(option).npv
        assert results_cell(view, "Net present value", option) == money(engine.result(option).npv)
        assert results_cell(view, "Total cost", option) == money(engine.result(option).total_cost)
    assert results_cell(view, "Patient benefit", P.UK_PATENT) == "3 of 5"
    # official fees came from the schedule, listed with their dates and caveat
    select_option(qtbot, view, P.UK_PATENT)
    assert cell_text(view, 0, "official_fees") == money(expected.options[0].years[0].official_fees)
    fees_text = view.fees_used.toPlainText()
    assert "as of " in fees_text and "check before relying" in fees_text


def test_no_development_plan_gate_then_plan_recommends_patent(
    qtbot: Any, view: WorksheetView
) -> None:
    fill_two_options(qtbot, view)
    result = view.result()
    assert result.result(P.UK_PATENT).npv > result.result(P.KNOW_HOW).npv  # the patent is best
    assert not view.development_plan.isChecked()
    assert view.gate_box.isVisible()
    assert view.gate_box.text().startswith("No development plan:")
    assert result.recommended is P.KNOW_HOW
    assert results_cell(view, "Recommendation", P.UK_PATENT) == "Held back (no plan)"
    assert "Keep confidential as know-how is recommended" in view.recommendation.text()

    press(qtbot, view.development_plan)
    assert view.development_plan.isChecked()
    assert view.result().recommended is P.UK_PATENT
    assert not view.gate_box.isVisible()
    assert results_cell(view, "Recommendation", P.UK_PATENT) == "Recommended"
    assert view.recommendation.text().startswith("UK patent is recommended")
    assert view.worksheet() == expected_worksheet(view, plan=True)


def test_autosave_stores_the_worksheet(
    qtbot: Any, view: WorksheetView, register: Register, case_id: int
) -> None:
    fill_two_options(qtbot, view)
    press(qtbot, view.development_plan)
    qtbot.waitUntil(lambda: register.worksheets.latest(case_id) == view.worksheet(), timeout=5000)
    assert view.save_state.text() == "All changes saved."

    again = WorksheetView(view.session, ensure_case=lambda: case_id)
    qtbot.addWidget(again)
    again.load(case_id)
    assert again.worksheet() == view.worksheet()
    assert again.development_plan.isChecked()
    assert [again.option_list.item(i).text() for i in range(again.option_list.count())] == [
        "UK patent",
        "Keep confidential as know-how",
    ]


def test_edits_are_saved_when_the_register_locks(
    qtbot: Any, view: WorksheetView, session: RegisterSession, register: Register, case_id: int
) -> None:
    add_option(qtbot, view, P.REGISTERED_DESIGN)
    type_cell(qtbot, view, 0, "attorney", "900")
    seen: list[Worksheet | None] = []
    session.about_to_lock.connect(lambda: seen.append(register.worksheets.latest(case_id)))
    session.lock()  # well before the autosave timer
    assert seen and seen[0] is not None
    assert seen[0].options[0].option is P.REGISTERED_DESIGN
    assert seen[0].options[0].years[0].attorney == D(900)


def test_new_case_is_created_when_the_first_figure_is_saved(
    qtbot: Any, session: RegisterSession, register: Register
) -> None:
    created: list[int] = []

    def ensure_case() -> int:
        created.append(register.cases.add("New idea").id)
        return created[-1]

    view = WorksheetView(session, ensure_case=ensure_case)
    qtbot.addWidget(view)
    view.load(None)
    add_option(qtbot, view, P.TRADE_MARK)
    assert view.save()
    assert len(created) == 1 and view.case_id == created[0]
    assert register.worksheets.latest(created[0]) == view.worksheet()


def test_invalid_amount_is_refused_and_the_cell_keeps_its_value(
    qtbot: Any, view: WorksheetView
) -> None:
    add_option(qtbot, view, P.UK_PATENT)
    type_cell(qtbot, view, 2, "attorney", "250")
    assert cell_text(view, 2, "attorney") == "£250.00"
    assert not view.status.isVisible()

    type_cell(qtbot, view, 2, "attorney", "12.345")
    assert cell_text(view, 2, "attorney") == "£250.00"
    assert view.worksheet().options[0].years[2].attorney == D(250)
    assert view.status.isVisible()
    message = view.status.text()
    assert "12.345" in message and "not accepted" in message and "£250.00" in message
    assert year_label(2, view.start) in message and "Attorney (quotes)" in message

    type_cell(qtbot, view, 2, "attorney", "-5")
    assert "negative" in view.status.text()
    type_cell(qtbot, view, 2, "attorney", "lots")
    assert "not an amount" in view.status.text()
    assert view.worksheet().options[0].years[2].attorney == D(250)

    type_cell(qtbot, view, 2, "attorney", "12.34")  # a good entry clears the message
    assert cell_text(view, 2, "attorney") == "£12.34"
    assert not view.status.isVisible()


def test_chart_describes_the_break_even_year(qtbot: Any, view: WorksheetView) -> None:
    fill_two_options(qtbot, view)
    select_option(qtbot, view, P.UK_PATENT)
    chart = view.chart
    assert isinstance(chart, CumulativeChart)
    assert chart.accessibleName()
    break_even = view.result().result(P.UK_PATENT).break_even_year
    assert break_even is not None
    description = chart.accessibleDescription()
    assert f"Break-even in {year_label(break_even, view.start)}" in description
    assert "solid line" in description and "dashed line" in description
    assert not chart.grab().isNull()  # paints without error

    select_option(qtbot, view, P.KNOW_HOW)
    kh = view.result().result(P.KNOW_HOW).break_even_year
    assert kh is not None
    assert f"Break-even in {year_label(kh, view.start)}" in chart.accessibleDescription()

    set_spin(qtbot, view.probability, "0")  # no expected benefit: never breaks even
    assert "No break-even" in chart.accessibleDescription()
    assert not chart.grab().isNull()


def test_options_are_added_and_removed(
    qtbot: Any, view: WorksheetView, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_option(qtbot, view, P.TRADE_MARK)
    add_option(qtbot, view, P.OPEN)
    assert P.TRADE_MARK not in view._addable
    press(qtbot, view.remove_button)  # no figures for "open": removed without asking
    assert [plan.option for plan in view.plans] == [P.TRADE_MARK]
    assert P.OPEN in view._addable

    select_option(qtbot, view, P.TRADE_MARK)
    press(qtbot, view.fill_button)
    assert "as of " in view.fees_used.toPlainText()  # the filing fee, with its date
    asked: list[str] = []

    def answer(*args: Any, **kwargs: Any) -> QMessageBox.StandardButton:
        asked.append(str(args[2]))
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", answer)
    press(qtbot, view.remove_button)
    assert asked and "UK trade mark" in asked[0]
    assert view.plans == [] and not view.remove_button.isEnabled()
    assert "nothing to chart" in view.chart.accessibleDescription()
