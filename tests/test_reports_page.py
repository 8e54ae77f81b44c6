"""The Reports page and the export dialog, offscreen over a real encrypted register: the board
summary and the annual return from the page, the export pack written by a worker thread with
the sections chosen, cancelled mid-way, checked against its manifest, and never written into
an existing folder. Every file says first that it leaves the register, and is audited."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QDialog,
    QFileDialog,
    QLineEdit,
    QProgressBar,
)

from nhsip_desktop.reports.annual_return import ANNUAL_RETURN_SECTIONS
from nhsip_desktop.reports.board import SECTIONS as BOARD_SECTIONS
from nhsip_desktop.reports.export import MANIFEST, SECTION_KEYS
from nhsip_desktop.store.register import Register
from nhsip_desktop.ui import reports_export
from nhsip_desktop.ui.reports_page import (
    ExportDialog,
    LeavingRegisterDialog,
    ReportsPage,
    financial_year_of,
)
from nhsip_desktop.ui.session import RegisterSession

WAIT_MS = 30_000


@pytest.fixture
def register(demo_register: Callable[[int], Register]) -> Register:
    """A copy of the 12-case demo register (built once per run; see conftest)."""
    return demo_register(12)


@pytest.fixture
def page(qtbot: Any, session: RegisterSession) -> ReportsPage:
    widget = ReportsPage(session)
    qtbot.addWidget(widget)
    widget.resize(1000, 760)
    widget.show()
    return widget


@pytest.fixture
def leaving(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """LeavingRegisterDialog accepts at once; what each one said is kept to check."""
    seen: list[dict[str, Any]] = []

    def accept(self: LeavingRegisterDialog) -> int:
        seen.append(
            {
                "title": self.windowTitle(),
                "notice": self.notice.text(),
                "sections": self.chosen_sections(),
            }
        )
        return 1

    monkeypatch.setattr(LeavingRegisterDialog, "exec", accept)
    return seen


def save_to(monkeypatch: pytest.MonkeyPatch, path: Path) -> list[str]:
    """QFileDialog.getSaveFileName answers ``path``; returns the suggested names."""
    asked: list[str] = []

    def answer(*args: Any, **_kwargs: Any) -> tuple[str, str]:
        asked.append(str(args[2]))
        return str(path), "PDF files (*.pdf)"

    monkeypatch.setattr(QFileDialog, "getSaveFileName", answer)
    return asked


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(str(path)).pages)


def newest(register: Register) -> Any:
    return next(register.audit.entries())


@pytest.fixture
def dialog(qtbot: Any, session: RegisterSession, tmp_path: Path) -> ExportDialog:
    widget = ExportDialog(session)
    qtbot.addWidget(widget)
    widget.show()
    (tmp_path / "out").mkdir()
    widget.set_folder(tmp_path / "out", "pack")
    return widget


def wait_for_end(qtbot: Any, dialog: ExportDialog) -> str:
    qtbot.waitUntil(lambda: dialog.outcome is not None, timeout=WAIT_MS)
    assert dialog.outcome is not None
    return dialog.outcome


# -- the page ----------------------------------------------------------------------------------
def test_page_defaults_to_the_financial_year_to_date(page: ReportsPage) -> None:
    today = dt.date.today()
    start, end = page.period()
    assert (start, end) == (dt.date(financial_year_of(today), 4, 1), today)
    assert page.board_from.displayFormat() == "dd/MM/yyyy"
    current = financial_year_of(today)
    assert page.year_combo.itemText(0) == f"{current} to {current + 1} (so far)"
    assert page.chosen_year() == current - 1  # the last complete year
    assert page.objectName() == "area-reports" and page.accessibleName() == "Reports"
    assert financial_year_of(dt.date(2027, 3, 31)) == 2026
    assert financial_year_of(dt.date(2027, 4, 1)) == 2027


def test_board_summary_from_the_page(
    qtbot: Any,
    page: ReportsPage,
    register: Register,
    tmp_path: Path,
    leaving: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked = save_to(monkeypatch, tmp_path / "board")  # ".pdf" is added
    qtbot.mouseClick(page.board_button, Qt.MouseButton.LeftButton)

    written = tmp_path / "board.pdf"
    assert written.is_file()
    assert "Board summary" in pdf_text(written)
    assert asked and asked[0].endswith(".pdf") and "Board summary" in asked[0]
    # It said so before writing: what, not encrypted, audited, and the sections, in a list.
    (said,) = leaving
    assert "leaves the encrypted register" in said["title"]
    assert "board summary" in said["notice"] and "not encrypted" in said["notice"]
    assert "audit trail" in said["notice"]
    assert said["sections"] == list(BOARD_SECTIONS)
    last = newest(register)
    assert (last.action, last.record_id) == ("report", "board-summary")
    assert last.changes["sections"][1] == list(BOARD_SECTIONS)
    assert page.board_status.isVisible() and str(written) in page.board_status.text()


def test_board_summary_refuses_a_period_that_ends_before_it_starts(
    page: ReportsPage, register: Register, leaving: list[dict[str, Any]]
) -> None:
    before = register.audit.count()
    page.board_from.setDate(page.board_to.date().addDays(1))
    assert page.create_board_summary() is None
    assert page.board_problem.isVisible() and "ends before it starts" in page.board_problem.text()
    assert leaving == [] and register.audit.count() == before


def test_cancelling_the_notice_writes_nothing(
    page: ReportsPage, register: Register, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = register.audit.count()
    monkeypatch.setattr(LeavingRegisterDialog, "exec", lambda self: 0)

    def never(*_args: Any, **_kwargs: Any) -> tuple[str, str]:
        raise AssertionError("asked where to save after the notice was cancelled")

    monkeypatch.setattr(QFileDialog, "getSaveFileName", never)
    assert page.create_board_summary() is None
    assert page.create_annual_return() is None
    assert register.audit.count() == before


def test_annual_return_from_the_page(
    qtbot: Any,
    page: ReportsPage,
    register: Register,
    tmp_path: Path,
    leaving: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    year = financial_year_of(dt.date.today())
    page.year_combo.setCurrentIndex(page.year_combo.findData(year))
    asked = save_to(monkeypatch, tmp_path / "return.pdf")
    qtbot.mouseClick(page.annual_button, Qt.MouseButton.LeftButton)

    written = tmp_path / "return.pdf"
    text = pdf_text(written)
    assert "IP annual return" in text and f"{year} to {year + 1}" in text
    assert asked[0].endswith(f"IP annual return {year} to {year + 1}.pdf")
    (said,) = leaving
    assert f"{year} to {year + 1}" in said["notice"] and "not encrypted" in said["notice"]
    assert said["sections"] == list(ANNUAL_RETURN_SECTIONS)
    last = newest(register)
    assert (last.action, last.record_id) == ("report", "annual-return")
    assert last.changes["sections"][1] == list(ANNUAL_RETURN_SECTIONS)


def test_leaving_dialog_lists_fixed_sections_or_lets_them_be_chosen(qtbot: Any) -> None:
    fixed = LeavingRegisterDialog("Board summary", "A PDF.", [("a", "Alpha"), ("b", "Beta")])
    qtbot.addWidget(fixed)
    assert fixed.sections.boxes == {} and "Alpha" in fixed.sections.text()
    assert fixed.chosen_sections() == ["a", "b"]

    choose = LeavingRegisterDialog(
        "Export", "Files.", [("a", "Alpha"), ("b", "Beta")], choosable=True
    )
    qtbot.addWidget(choose)
    assert all(box.isChecked() for box in choose.sections.boxes.values())
    choose.sections.boxes["a"].setChecked(False)
    assert choose.chosen_sections() == ["b"]
    choose.sections.set_chosen(())
    choose.accept()  # nothing ticked: refused, with a message
    assert choose.result() != QDialog.DialogCode.Accepted.value
    assert "Tick at least one" in choose.problem.text()


def test_the_page_opens_the_export_dialog(
    qtbot: Any, page: ReportsPage, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[ExportDialog] = []

    def show(self: ExportDialog) -> int:
        opened.append(self)
        assert self.isModal() and self.chosen_sections() == list(SECTION_KEYS)
        return 0

    monkeypatch.setattr(ExportDialog, "exec", show)
    qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
    assert len(opened) == 1


# -- the export dialog -------------------------------------------------------------------------
def test_export_writes_only_the_chosen_sections_and_audits_them(
    qtbot: Any, dialog: ExportDialog, register: Register, tmp_path: Path
) -> None:
    assert dialog.chosen_sections() == list(SECTION_KEYS)  # all ticked at first
    assert "not encrypted" in dialog.notice.text() and "audit trail" in dialog.notice.text()
    qtbot.keyClick(dialog.sections.boxes["costs"], Qt.Key.Key_Space)
    assert "costs" not in dialog.chosen_sections()

    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    # While the worker writes, nothing else in the dialog can be used, and it stays modal.
    assert dialog.running and dialog.isModal()
    assert not dialog.sections_box.isEnabled() and not dialog.where_box.isEnabled()
    assert not dialog.export_button.isEnabled() and not dialog.close_button.isEnabled()
    assert dialog.cancel_button.isEnabled()
    assert wait_for_end(qtbot, dialog) == "written"

    folder = tmp_path / "out" / "pack"
    assert (folder / "cases.csv").is_file() and (folder / "audit_trail.csv").is_file()
    assert not (folder / "costs.csv").exists()
    last = newest(register)
    assert (last.action, last.record_id) == ("export", "pack")
    assert last.changes["sections"][1] == [k for k in SECTION_KEYS if k != "costs"]
    assert str(folder) in dialog.outcome_label.text()
    assert dialog.export_result is not None and f"{len(dialog.export_result.files)} files" in (
        dialog.outcome_label.text()
    )
    assert dialog.check_button.isVisible() and dialog.close_button.isEnabled()


def test_check_the_pack_reports_all_files_match_then_names_a_changed_one(
    qtbot: Any, dialog: ExportDialog, tmp_path: Path
) -> None:
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert wait_for_end(qtbot, dialog) == "written"
    assert dialog.export_result is not None
    count = len(dialog.export_result.files)

    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    assert dialog.check_problems == []
    assert dialog.check_label.text() == f"All {count} files match the manifest."

    with (tmp_path / "out" / "pack" / "costs.csv").open("a", encoding="utf-8") as handle:
        handle.write("tampered\n")
    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    assert "costs.csv" in dialog.check_label.text()
    assert "do not match the manifest" in dialog.check_label.text()
    assert MANIFEST not in dialog.check_label.text()


def test_cancelling_mid_way_leaves_no_folder(
    qtbot: Any,
    dialog: ExportDialog,
    register: Register,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = reports_export.export_pack
    steps: list[str] = []

    def cancelling(*args: Any, progress: Any, **kwargs: Any) -> Any:
        def step(done: int, total: int, label: str) -> None:
            steps.append(label)
            progress(done, total, label)
            dialog.request_cancel()  # as if Cancel were pressed after the first step

        return real(*args, progress=step, **kwargs)

    monkeypatch.setattr(reports_export, "export_pack", cancelling)
    register.signing.public_key_bytes()  # made on first need, with its own audit row
    before = register.audit.count()
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert wait_for_end(qtbot, dialog) == "cancelled"

    assert len(steps) == 1
    assert list((tmp_path / "out").iterdir()) == []  # no pack, no half-written temp folder
    assert "Cancelled: nothing was written" in dialog.outcome_label.text()
    assert register.audit.count() == before
    assert dialog.export_button.isEnabled() and dialog.where_box.isEnabled()


def test_locking_during_an_export_cancels_it_first(
    qtbot: Any,
    dialog: ExportDialog,
    session: RegisterSession,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = reports_export.export_pack
    started = threading.Event()

    def slow(*args: Any, progress: Any, cancelled: Any, **kwargs: Any) -> Any:
        def step(done: int, total: int, label: str) -> None:
            progress(done, total, label)
            started.set()
            for _ in range(500):  # hold the first step until the lock asks it to stop
                if cancelled():
                    break
                threading.Event().wait(0.01)

        return real(*args, progress=step, cancelled=cancelled, **kwargs)

    monkeypatch.setattr(reports_export, "export_pack", slow)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(started.is_set, timeout=WAIT_MS)
    session.lock()  # waits for the worker before the connection closes
    assert dialog.outcome == "cancelled" and not dialog.running
    assert list((tmp_path / "out").iterdir()) == []
    assert not dialog.isVisible()


def test_an_existing_folder_is_refused(
    qtbot: Any, dialog: ExportDialog, register: Register, tmp_path: Path
) -> None:
    existing = tmp_path / "out" / "pack"
    existing.mkdir()
    (existing / "notes.txt").write_text("the auditor's own notes\n", encoding="utf-8")
    dialog.set_folder(tmp_path / "out", "pack")
    assert dialog.name_problem.isVisible()  # said beside the field as soon as it is typed
    before = register.audit.count()

    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert not dialog.running and dialog.outcome is None
    assert "already exists" in dialog.name_problem.text()
    assert [p.name for p in existing.iterdir()] == ["notes.txt"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["pack"]
    assert register.audit.count() == before

    dialog.name_edit.setText("pack 2")
    assert not dialog.name_problem.isVisible()
    assert "pack 2" in dialog.target_preview.text()


def test_export_dialog_controls_are_named_and_keyboard_reachable(dialog: ExportDialog) -> None:
    controls = [
        *dialog.findChildren(QAbstractButton),
        *dialog.findChildren(QLineEdit),
        *dialog.findChildren(QProgressBar),
    ]
    assert controls
    for control in controls:
        assert control.accessibleName(), control
    for control in [*dialog.findChildren(QAbstractButton), *dialog.findChildren(QLineEdit)]:
        assert control.focusPolicy() & Qt.FocusPolicy.TabFocus, control.accessibleName()
    assert dialog.progress.accessibleName() == "Export progress"
    assert dialog.progress_label.accessibleName() == "Export status"
