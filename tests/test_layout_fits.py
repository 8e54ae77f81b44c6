"""Every page and dialog fits a trust laptop's 1366x768 screen (issue 20 item 4).

The walk of ``scripts/layout_shots.py`` (the one that makes docs/screenshots/layout-*.png) is
run without taking pictures: the demo register is opened through File > Open a register…,
every area clicked, every tab shown, every "…" button and dialog-opening menu action pressed,
and each window and modal dialog measured as it opens. A window fails when it opens larger
than the work area (1366x768 less a 40 px task bar, with its own 30 px title bar) or when its
layout cannot shrink to fit it (its minimum size).
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QFont, QFontMetrics, QScreen
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDialog,
    QLabel,
    QPushButton,
    QWidget,
)

from nhsip_desktop.ui.import_dialog import ImportDialog
from nhsip_desktop.ui.main_window import MainWindow
from nhsip_desktop.ui.screen_fit import LAPTOP_WORK_AREA, TITLE_BAR

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "layout_shots.py"

# Too big today, in other helpers' areas this round (issue 20 item 4 lists them). Each entry
# must still be too big: remove it when its dialog is fixed.
KNOWN_TOO_BIG: dict[str, str] = {}


def _layout_shots() -> ModuleType:
    spec = importlib.util.spec_from_file_location("layout_shots", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("layout_shots", module)
    spec.loader.exec_module(module)
    return module


def test_every_page_and_dialog_fits_1366x768(qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # The test's offscreen screen is 800x800: windows that size themselves to the screen see
    # the laptop's work area instead (they ask Qt through Python, where this answers).
    monkeypatch.setattr(
        QScreen, "availableGeometry", lambda _screen: QRect(0, 0, *LAPTOP_WORK_AREA)
    )
    module = _layout_shots()
    shooter = module.Shooter(
        QApplication.instance(), "test", out=None, free=LAPTOP_WORK_AREA, patch=monkeypatch.setattr
    )
    shooter.run()
    names = {shot["name"] for shot in shooter.shots}
    # The walk reached what it should: every area, the case window's tabs, the dialogs.
    for expected in (
        "layout-cases",
        "layout-finance-returns-and-sharing-add-return",
        "layout-case-triage",
        "layout-case-close-case",
        "layout-new-disclosure",
        "layout-menu-settings",
        "layout-menu-change-the-data-key",
        "layout-menu-new-register-page-4",
        "layout-governance-ip-policy-draft-the-ip-policy",
        "layout-unlock",
        "layout-locked",
    ):
        assert expected in names, f"{expected} not reached; reached: {sorted(names)}"
    assert len(shooter.shots) > 50
    too_big = {shot["name"]: shot["too_big"] for shot in shooter.shots if shot["too_big"]}
    # A dialog's tabs are shot on the same dialog: judged by the dialog's own entry.
    mine = {
        name: problem
        for name, problem in too_big.items()
        if not any(name.startswith(known) for known in KNOWN_TOO_BIG)
    }
    assert not mine, "\n".join(f"{name}: {problem}" for name, problem in mine.items())
    fixed = [name for name in KNOWN_TOO_BIG if name in names and name not in too_big]
    assert not fixed, f"now fit, remove from KNOWN_TOO_BIG: {fixed}"


def test_main_window_fits_and_the_case_list_shows_whole_titles(
    qtbot: Any, demo_main_window: MainWindow
) -> None:
    window = demo_main_window
    free_width, free_height = LAPTOP_WORK_AREA
    minimum = window.minimumSize().expandedTo(window.minimumSizeHint())
    assert minimum.width() <= free_width and minimum.height() <= free_height - TITLE_BAR
    window.resize(free_width, free_height - TITLE_BAR)  # maximised on the laptop
    qtbot.waitUntil(lambda: window.cases_page.table.model().rowCount() > 0)
    table = window.cases_page.table
    header = table.horizontalHeader()
    metrics = QFontMetrics(table.font())
    # A 40-character title of the demo register shows whole (cell padding: 8 px).
    title = "Steady Steps falls prevention programme"
    assert header.sectionSize(1) >= metrics.horizontalAdvance(title) + 8
    # Next action keeps at least its minimum, and no column runs past the table.
    assert header.sectionSize(6) >= metrics.averageCharWidth() * 22
    assert header.length() <= table.viewport().width()


@pytest.fixture
def demo_main_window(qtbot: Any) -> Iterator[MainWindow]:
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    demo = next(b for b in window.findChildren(QPushButton) if "demo" in b.text().lower())
    qtbot.mouseClick(demo, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.session.is_open)
    yield window
    window.session.lock()


def test_hub_share_shows_no_empty_preview_when_nothing_can_leave(
    qtbot: Any, monkeypatch: pytest.MonkeyPatch, demo_main_window: MainWindow
) -> None:
    """Without an ODS code the pack cannot be made: the reason shows, not an empty box."""
    window = demo_main_window
    assert not window.session.register.settings.all()["ods_code"]
    seen: list[tuple[bool, str, str]] = []

    def run(dialog: QDialog) -> int:
        dialog.show()
        QApplication.processEvents()
        preview = next(
            label
            for label in dialog.findChildren(QLabel)
            if label.accessibleName() == "What leaves the register"
        )
        texts = " ".join(label.text() for label in dialog.findChildren(QLabel) if label.isVisible())
        seen.append((preview.isVisible(), preview.text(), texts))
        dialog.reject()
        return 0

    monkeypatch.setattr(QDialog, "exec", run)
    window.go_to(5)  # Reports
    page = window.area_stack.currentWidget()
    button = next(b for b in page.findChildren(QPushButton) if "hub" in b.text().lower())
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert len(seen) == 1
    visible, text, texts = seen[0]
    assert visible == bool(text), "an empty 'What leaves the register' box is shown"
    assert "ODS code" in texts


# -- what the screenshots showed cut or too tall, each opened through its door ---------------


def _opened_by(
    monkeypatch: pytest.MonkeyPatch, press: Callable[[], None]
) -> list[tuple[QDialog, dict[str, Any]]]:
    """The dialog ``press`` opens, measured as it shows (then closed)."""
    monkeypatch.setattr(
        QScreen, "availableGeometry", lambda _screen: QRect(0, 0, *LAPTOP_WORK_AREA)
    )
    seen: list[tuple[QDialog, dict[str, Any]]] = []

    def run(dialog: QDialog) -> int:
        dialog.show()
        QApplication.processEvents()
        measured = {"size": dialog.size(), "minimum": dialog.minimumSizeHint()}
        if isinstance(dialog, ImportDialog):
            for table in (dialog.columns_table, dialog.words_table):
                header = table.horizontalHeader()
                measured[table.accessibleName()] = [
                    (header.model().headerData(c, Qt.Orientation.Horizontal), header.sectionSize(c))
                    for c in range(header.count())
                ]
        seen.append((dialog, measured))
        dialog.reject()
        return 0

    monkeypatch.setattr(QDialog, "exec", run)
    press()
    return seen


def _bold_width(widget: QWidget, text: str) -> int:
    bold = QFont(widget.font())
    bold.setBold(True)
    return QFontMetrics(bold).horizontalAdvance(text)


def test_the_spreadsheet_import_fits_the_laptop_and_shows_its_headings_whole(
    qtbot: Any, monkeypatch: pytest.MonkeyPatch, demo_main_window: MainWindow
) -> None:
    window = demo_main_window
    seen = _opened_by(monkeypatch, window.import_action.trigger)
    assert len(seen) == 1
    dialog, measured = seen[0]
    free_height = LAPTOP_WORK_AREA[1]
    assert measured["size"].height() + TITLE_BAR <= free_height
    assert measured["minimum"].height() + TITLE_BAR <= free_height
    # Before a file is chosen (the tables empty) every heading shows whole.
    for name in ("Match columns to case fields", "Stage and IP words"):
        for title, width in measured[name]:
            assert width >= _bold_width(dialog, title) + 16, f"{name}: {title!r} cut"


def test_the_form_import_fits_the_laptop(
    qtbot: Any, monkeypatch: pytest.MonkeyPatch, demo_main_window: MainWindow
) -> None:
    seen = _opened_by(monkeypatch, demo_main_window.import_form_action.trigger)
    assert len(seen) == 1
    _dialog, measured = seen[0]
    assert measured["size"].height() + TITLE_BAR <= LAPTOP_WORK_AREA[1]
    assert measured["minimum"].height() + TITLE_BAR <= LAPTOP_WORK_AREA[1]


def test_the_export_dialog_shows_every_section_whole(
    qtbot: Any, monkeypatch: pytest.MonkeyPatch, demo_main_window: MainWindow
) -> None:
    window = demo_main_window
    window.go_to(5)  # Reports
    page = window.area_stack.currentWidget()
    cut: list[str] = []
    texts: list[str] = []

    def run(dialog: QDialog) -> int:
        dialog.show()
        QApplication.processEvents()
        for check in dialog.findChildren(QCheckBox):
            if not check.isVisible():
                continue
            texts.append(check.text())
            right = check.mapTo(dialog, check.rect().topRight()).x()
            if check.width() < check.sizeHint().width() or right > dialog.width():
                cut.append(check.accessibleName())
        dialog.reject()
        return 0

    monkeypatch.setattr(QDialog, "exec", run)
    button = next(b for b in page.findChildren(QPushButton) if b.text() == "&Export…")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert len(texts) > 10
    assert not cut, f"cut at the right: {cut}"
    reconciliation = next(t for t in texts if t.startswith("Reconciliation"))
    assert "\n" in reconciliation  # wrapped onto a second line


def test_the_fee_schedule_gives_the_spare_width_to_the_source(
    qtbot: Any, demo_main_window: MainWindow
) -> None:
    window = demo_main_window
    window.resize(LAPTOP_WORK_AREA[0], LAPTOP_WORK_AREA[1] - TITLE_BAR)
    window.go_to(3)  # Finance
    page = window.area_stack.currentWidget()
    page.tabs.setCurrentIndex(page.tabs.count() - 1)  # Fee schedule
    table = page.fee_table
    qtbot.waitUntil(lambda: table.model().rowCount() > 0)
    QApplication.processEvents()
    header = table.horizontalHeader()
    titles = [table.model().headerData(c, Qt.Orientation.Horizontal) for c in range(header.count())]
    fee, amount, source = titles.index("Fee"), titles.index("Amount"), titles.index("Source")
    metrics = QFontMetrics(table.font())
    # The usual fee shows on one line; the long source is given the spare width.
    assert header.sectionSize(fee) >= metrics.horizontalAdvance("GB patent renewal fee for year 10")
    assert header.sectionSize(source) > header.sectionSize(fee)
    # Money fits its content and no more.
    assert header.sectionSize(amount) < header.sectionSize(fee)
    assert header.length() <= table.viewport().width()
