"""The import dialog, driven as a user would, on a real register and a real CSV file."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QFileDialog, QWidget

from nhsip_desktop.cases.model import CaseFilter, Stage
from nhsip_desktop.interchange.importer import load_mapping
from nhsip_desktop.store.register import Register
from nhsip_desktop.ui.import_dialog import ImportDialog, remembered_mapping_path

ROWS = [
    ["Project title", "Status", "Type of IP", "Inventor", "Date received", "Comments"],
    ["Cannula splint", "Submitted", "Invention", "Aoife Kelly", "03/02/2023", "Good"],
    ["Sepsis alert app", "In triage", "Software", "Sam Lee", "10/05/2024", ""],
    ["Bed board", "Active", "Design", "Tom Lee", "31/02/2023", ""],  # not a date
    ["Ward rota tool", "Parked", "Copyright", "Ann Bo", "01/01/2024", ""],  # unknown stage
]


@pytest.fixture
def spreadsheet(tmp_path: Path) -> Path:
    path = tmp_path / "IP register.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(ROWS)
    return path


def titles(register: Register) -> list[str]:
    return [c.title for c in register.cases.search(CaseFilter(sort_key="title", descending=False))]


def test_preview_tick_and_import(qtbot: Any, register: Register, spreadsheet: Path) -> None:
    dialog = ImportDialog(register, path=spreadsheet)
    qtbot.addWidget(dialog)

    assert dialog.summary.text() == "2 rows ready, 2 with problems"
    assert dialog.model.rowCount() == 4
    problems = dialog.model.index(2, 3).data()
    assert "Date received: '31/02/2023' is not a date" in problems
    assert dialog.model.index(2, 1).data() == "No"  # in words, not only colour
    assert dialog.mapping.columns["Project title"] == "title"
    assert "Comments" not in dialog.mapping.columns

    # With problems present, importing needs the box ticked.
    assert not dialog.import_button.isEnabled()
    assert not dialog.leave_out.isHidden()
    assert dialog.leave_out.text() == "Import the 2 good rows and leave out the 2 with problems"
    dialog.leave_out.setChecked(True)
    assert dialog.import_button.isEnabled()
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)

    assert titles(register) == ["Cannula splint", "Sepsis alert app"]
    splint = register.cases.get_by_reference("IP-2023-0001")
    assert splint.stage is Stage.SUBMITTED and splint.lead_innovator == "Aoife Kelly"
    assert dialog.message.text().startswith("Imported 2 cases from IP register.csv")
    assert "2 rows with problems were left out" in dialog.message.text()
    assert not dialog.import_button.isEnabled()  # no second import by accident

    # The mapping is remembered for the next file of this name.
    dialog.accept()
    remembered = load_mapping(remembered_mapping_path(spreadsheet.name))
    assert remembered.columns["Status"] == "stage"


def test_stage_words_and_refusal_report(
    qtbot: Any,
    register: Register,
    spreadsheet: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dialog = ImportDialog(register, path=spreadsheet)
    qtbot.addWidget(dialog)
    assert dialog.tabs.tabText(1) == "2. Stage and IP words (1 not recognised)"

    target = tmp_path / "refused.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    dialog.report_button.click()
    assert "Bed board" in target.read_text(encoding="utf-8-sig")

    # Saying what "Parked" means makes that row importable.
    combos = [dialog.words_table.cellWidget(r, 2) for r in range(dialog.words_table.rowCount())]
    parked = next(c for c in combos if isinstance(c, QComboBox) and c.property("word") == "Parked")
    assert parked.accessibleName() == "Stage meant by Parked"
    parked.setCurrentIndex(parked.findData(Stage.CLOSED.value))
    assert dialog.summary.text() == "3 rows ready, 1 with problems"
    assert dialog.mapping.stage_values == {"Parked": "closed"}


def test_every_input_has_an_accessible_name(
    qtbot: Any, register: Register, spreadsheet: Path
) -> None:
    dialog = ImportDialog(register, path=spreadsheet)
    qtbot.addWidget(dialog)
    from PySide6.QtWidgets import QAbstractButton, QCheckBox, QLineEdit, QSpinBox

    inputs = [
        w
        for w in dialog.findChildren(QWidget)
        if isinstance(w, QComboBox | QLineEdit | QSpinBox)
        and not isinstance(w, QAbstractButton)
        and not isinstance(w.parent(), QComboBox | QSpinBox)
    ]
    assert inputs
    assert all(w.accessibleName() for w in inputs), [w for w in inputs if not w.accessibleName()]
    assert all(c.text() for c in dialog.findChildren(QCheckBox))


def test_a_bad_file_is_explained(qtbot: Any, register: Register, tmp_path: Path) -> None:
    path = tmp_path / "register.xlsx"
    path.write_bytes(b"not a workbook")
    dialog = ImportDialog(register, path=path)
    qtbot.addWidget(dialog)
    assert "could not be read as an Excel workbook" in dialog.message.text()
    assert not dialog.import_button.isEnabled()
    assert register.cases.count() == 0


def test_a_workbook_opens_on_the_sheet_and_row_that_hold_the_register(
    qtbot: Any, register: Register, tmp_path: Path
) -> None:
    import datetime as dt

    import openpyxl

    book = openpyxl.Workbook()
    notes = book.active
    assert notes is not None
    notes.title = "Read me"
    notes.append(["How to use this workbook"])
    sheet = book.create_sheet("IP register")
    sheet.append(["Trust IP register"])
    sheet.append(["Idea", "Status", "IP type", "Received"])
    sheet.append(["Pressure sensor", "Active", "Patent", dt.datetime(2024, 1, 15)])
    path = tmp_path / "register.xlsx"
    book.save(path)

    dialog = ImportDialog(register, path=path)
    qtbot.addWidget(dialog)
    assert dialog.sheet_combo.currentText() == "IP register"
    assert dialog.header_spin.value() == 2
    assert dialog.summary.text() == "1 row ready, 0 with problems"
    assert not dialog.leave_out.isVisibleTo(dialog)
    assert dialog.import_button.isEnabled()  # no problems: no box to tick
    dialog.import_button.click()
    case = register.cases.get_by_reference("IP-2024-0001")
    assert case.title == "Pressure sensor" and case.received_on == dt.date(2024, 1, 15)
