"""At 1366x768 the Rights table shows whole titles and the governance Actions tab shows every
action and deadline (issue 20 item 4: nothing cramped or cut)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QFontMetrics, QScreen
from PySide6.QtWidgets import QApplication, QDialog, QPushButton, QTableView

from nhsip_desktop.ui.main_window import MainWindow
from nhsip_desktop.ui.screen_fit import LAPTOP_WORK_AREA, TITLE_BAR


@pytest.fixture
def laptop_window(qtbot: Any) -> Iterator[MainWindow]:
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    demo = next(b for b in window.findChildren(QPushButton) if "demo" in b.text().lower())
    qtbot.mouseClick(demo, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.session.is_open)
    window.resize(LAPTOP_WORK_AREA[0], LAPTOP_WORK_AREA[1] - TITLE_BAR)  # maximised
    yield window
    window.session.lock()


def _settle(qtbot: Any) -> None:
    for _ in range(3):
        QApplication.processEvents()
        qtbot.wait(20)


def _shows_every_row(table: QTableView) -> bool:
    rows = table.verticalHeader().length()
    return table.model().rowCount() > 0 and table.viewport().height() >= rows


def test_the_rights_table_shows_a_long_title_whole_and_fits_its_width(
    qtbot: Any, laptop_window: MainWindow
) -> None:
    window = laptop_window
    window.go_to(1)  # Assets and renewals, as the navigation list does
    page = window.area_stack.currentWidget()
    table = page.rights
    qtbot.waitUntil(lambda: table.model().rowCount() > 0)
    _settle(qtbot)
    header = table.horizontalHeader()
    metrics = QFontMetrics(table.font())
    title = "Steady Steps falls prevention programme"  # 40 characters
    assert len(title) >= 39
    assert header.sectionSize(0) >= metrics.horizontalAdvance(title) + 8
    # No sideways scrolling: every column, "Next filing step" too, is in view.
    assert header.length() <= table.viewport().width()
    assert not table.horizontalScrollBar().isVisible()


def test_the_governance_actions_tab_shows_every_action_and_deadline(
    qtbot: Any, laptop_window: MainWindow
) -> None:
    window = laptop_window
    window.go_to(4)  # Governance
    page = window.area_stack.currentWidget()
    page.tabs.setCurrentIndex(0)  # Actions
    qtbot.waitUntil(lambda: page.action_model.rowCount() == 5)
    _settle(qtbot)
    for table in (page.actions_table, page.deadline_table):
        assert _shows_every_row(table), (
            f"{table.accessibleName()}: {table.viewport().height()} px for "
            f"{table.verticalHeader().length()} px of rows"
        )
    # Each action row is readable: none is cut to less than its wrapped text.
    actions = page.actions_table
    for row in range(actions.model().rowCount()):
        assert actions.rowHeight(row) >= actions.sizeHintForRow(row) - 1


def test_a_governance_problem_shows_under_its_field_in_room_kept_for_it(
    qtbot: Any, laptop_window: MainWindow
) -> None:
    window = laptop_window
    window.go_to(4)  # Governance
    page = window.area_stack.currentWidget()
    page.tabs.setCurrentIndex(1)  # SRO and decisions
    _settle(qtbot)
    field = page.pathway_where
    message = page.sro_form.messages["decision_making.pathway_where"]
    before = field.mapTo(page, field.rect().topLeft())
    assert not message.isVisible()
    page.sro_name.setText("Dr Jane Example")
    page.decision_maker.setText("Chief Executive")
    page.pathway_published.setChecked(True)  # published, but where is not said
    page.pathway_where.clear()
    qtbot.mouseClick(page.save_sro_button, Qt.MouseButton.LeftButton)
    _settle(qtbot)
    assert message.isVisible() and "pathway" in message.text()
    field_box = field.geometry()
    message_box = message.geometry()
    assert message.parentWidget() is field.parentWidget()
    assert message_box.top() >= field_box.bottom()  # under the field, not beside it
    assert message_box.left() == field_box.left()
    assert message_box.width() >= field_box.width() - 1
    # Its room was kept: the field did not move when the problem appeared.
    assert field.mapTo(page, field.rect().topLeft()) == before
    assert message.accessibleName().startswith("Problem with")


def test_add_right_opens_as_tall_as_its_form_and_grows_for_the_schedule(
    qtbot: Any, laptop_window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        QScreen, "availableGeometry", lambda _screen: QRect(0, 0, *LAPTOP_WORK_AREA)
    )
    window = laptop_window
    window.go_to(1)  # Assets and renewals
    page = window.area_stack.currentWidget()
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    dialog = next(d for d in page.findChildren(QDialog) if d.isVisible())
    _settle(qtbot)
    opened = dialog.height()
    form_bottom = dialog.form.mapTo(dialog, dialog.form.rect().bottomLeft()).y()
    dialog.filing_date.setText("01/02/2024")  # a GB patent: its renewals appear
    dialog.update_preview()
    _settle(qtbot)
    grown, renewals = dialog.height(), dialog.preview_model.rowCount()
    dialog.reject()
    # No tall empty space under the form: the note, the preview's line and the buttons only.
    assert opened - form_bottom < 160, (opened, form_bottom)
    assert renewals > 10
    assert opened < grown <= LAPTOP_WORK_AREA[1] - TITLE_BAR
