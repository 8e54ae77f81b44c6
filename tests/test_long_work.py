"""Long work off the UI thread (issue 20 item 6), pressed as a person would: the board summary,
the annual return, the export pack and its check, and both imports each run on a worker
thread with a register of its own, while the event loop keeps turning and the button that
started it stays disabled; the files are read back; a folder that cannot be written gives a
message, never a traceback; locking waits for work under way."""

from __future__ import annotations

import csv
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFileDialog, QPushButton

from nhsip_desktop.reports import annual_return, board
from nhsip_desktop.reports import export as export_module
from nhsip_desktop.reports.export import verify_export
from nhsip_desktop.store.register import Changes, Register
from nhsip_desktop.ui import reports_export
from nhsip_desktop.ui.import_dialog import ImportDialog
from nhsip_desktop.ui.reports_page import ExportDialog, LeavingRegisterDialog, ReportsPage
from nhsip_desktop.ui.session import RegisterSession

WAIT_MS = 60_000


class Watch:
    """A 10 ms timer on the UI thread: counts its ticks while the work runs, and whether the
    button that started it was enabled at any tick meanwhile."""

    def __init__(self, button: QPushButton) -> None:
        self.button = button
        self.running = threading.Event()
        self.ticks = 0
        self.enabled_while_running = False
        # Owned by the button: deleted with it on the UI thread, never by a garbage collection
        # that happens to run on a worker thread (a timer deleted there crashes Qt).
        self.timer = QTimer(button)
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)
        self.timer.start()

    def _tick(self) -> None:
        if self.running.is_set():
            self.ticks += 1
            self.enabled_while_running |= self.button.isEnabled()

    def slowed(self, real: Callable[..., Any], threads: list[int]) -> Callable[..., Any]:
        """``real``, run as slowly as at 100,000 cases, noting the thread it ran on."""

        def slow(*args: Any, **kwargs: Any) -> Any:
            threads.append(threading.get_ident())
            self.running.set()
            try:
                time.sleep(0.4)
                return real(*args, **kwargs)
            finally:
                self.running.clear()

        return slow


@pytest.fixture
def register(demo_register: Callable[[int], Register]) -> Register:
    return demo_register(12)


@pytest.fixture
def page(qtbot: Any, session: RegisterSession, monkeypatch: pytest.MonkeyPatch) -> ReportsPage:
    monkeypatch.setattr(LeavingRegisterDialog, "exec", lambda self: 1)
    widget = ReportsPage(session)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def save_to(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), "PDF files (*.pdf)")
    )


def unwritable_folder(tmp_path: Path) -> Path:
    """A folder nothing can be saved in (as root, where permissions do not bind: a file)."""
    folder = tmp_path / "read-only"
    if os.geteuid() == 0:
        folder.write_text("not a folder\n", encoding="utf-8")
    else:
        folder.mkdir()
        folder.chmod(0o555)
    return folder


def test_board_summary_is_written_on_a_worker_while_the_window_turns(
    qtbot: Any,
    page: ReportsPage,
    register: Register,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    watch, threads = Watch(page.board_button), []
    monkeypatch.setattr(
        board, "write_board_summary", watch.slowed(board.write_board_summary, threads)
    )
    changes: list[Changes] = []
    register.subscribe(changes.append)
    save_to(monkeypatch, tmp_path / "board.pdf")

    qtbot.mouseClick(page.board_button, Qt.MouseButton.LeftButton)
    target = tmp_path / "board.pdf"
    qtbot.waitUntil(target.is_file, timeout=WAIT_MS)

    assert threads and threads[0] != threading.get_ident()  # off the UI thread
    assert watch.ticks > 0  # the event loop kept turning meanwhile
    assert not watch.enabled_while_running and page.board_button.isEnabled()
    assert "Board summary" in PdfReader(str(target)).pages[0].extract_text()
    assert str(target) in page.board_status.text()
    # The report's audit row, written through the worker's own connection, is in the chain,
    # and every view heard of it on the UI thread.
    last = next(register.audit.entries())
    assert (last.action, last.record_id) == ("report", "board-summary")
    assert register.verify_audit().ok
    assert changes


def test_annual_return_is_written_on_a_worker(
    qtbot: Any, page: ReportsPage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    watch, threads = Watch(page.annual_button), []
    monkeypatch.setattr(
        annual_return,
        "write_annual_return",
        watch.slowed(annual_return.write_annual_return, threads),
    )
    save_to(monkeypatch, tmp_path / "return.pdf")

    qtbot.mouseClick(page.annual_button, Qt.MouseButton.LeftButton)
    target = tmp_path / "return.pdf"
    qtbot.waitUntil(target.is_file, timeout=WAIT_MS)

    assert threads[0] != threading.get_ident() and watch.ticks > 0
    assert not watch.enabled_while_running
    assert "IP annual return" in PdfReader(str(target)).pages[0].extract_text()


def test_a_folder_that_cannot_be_written_gives_a_message(
    qtbot: Any,
    page: ReportsPage,
    register: Register,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    register.signing.public_key_bytes()  # made on first need, with its own audit row
    before = register.audit.count()
    folder = unwritable_folder(tmp_path)
    save_to(monkeypatch, folder / "board.pdf")

    qtbot.mouseClick(page.board_button, Qt.MouseButton.LeftButton)  # a traceback fails the test

    assert page.board_status.text().startswith("Not saved:")
    assert page.board_status.text().count("Not saved") == 1
    assert "Traceback" not in page.board_status.text()
    assert not (folder / "board.pdf").exists() and register.audit.count() == before
    assert page.board_button.isEnabled()


def test_locking_waits_for_a_report_under_way(
    qtbot: Any,
    page: ReportsPage,
    session: RegisterSession,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    watch, threads = Watch(page.board_button), []
    monkeypatch.setattr(
        board, "write_board_summary", watch.slowed(board.write_board_summary, threads)
    )
    save_to(monkeypatch, tmp_path / "board.pdf")
    locked: list[bool] = []

    def lock_meanwhile() -> None:  # as the idle lock or closing the window would
        if watch.running.is_set():
            session.lock()
            locked.append((tmp_path / "board.pdf").is_file())
        else:
            QTimer.singleShot(10, lock_meanwhile)

    QTimer.singleShot(10, lock_meanwhile)
    qtbot.mouseClick(page.board_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(locked), timeout=WAIT_MS)
    assert locked == [True]  # the report was finished before the register closed
    assert not session.is_open


def test_export_pack_and_its_check_run_on_workers(
    qtbot: Any, session: RegisterSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog = ExportDialog(session)
    qtbot.addWidget(dialog)
    dialog.show()
    (tmp_path / "out").mkdir()
    dialog.set_folder(tmp_path / "out", "pack")
    watch, threads = Watch(dialog.export_button), []
    monkeypatch.setattr(
        reports_export, "export_pack", watch.slowed(reports_export.export_pack, threads)
    )

    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.outcome is not None, timeout=WAIT_MS)

    assert dialog.outcome == "written" and threads[0] != threading.get_ident()
    assert watch.ticks > 0 and not watch.enabled_while_running
    folder = tmp_path / "out" / "pack"
    assert verify_export(folder) == []

    check_watch, check_threads = Watch(dialog.check_button), []
    monkeypatch.setattr(
        reports_export,
        "verify_export",
        check_watch.slowed(export_module.verify_export, check_threads),
    )
    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    assert check_threads[0] != threading.get_ident() and check_watch.ticks > 0
    assert not check_watch.enabled_while_running
    assert dialog.check_problems == [] and "match the manifest" in dialog.check_label.text()


def test_spreadsheet_import_runs_on_a_worker(
    qtbot: Any,
    register: Register,
    session: RegisterSession,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from nhsip_desktop.ui import import_dialog

    sheet = tmp_path / "cases.csv"
    with sheet.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Project title", "Status", "Date received"])
        for n in range(300):
            writer.writerow([f"Imported idea {n}", "Submitted", "03/02/2024"])
    heard: list[Changes] = []
    session.changed.connect(heard.append)
    read_threads: list[int] = []
    dialog = ImportDialog(register)
    qtbot.addWidget(dialog)
    watch, threads = Watch(dialog.import_button), []
    monkeypatch.setattr(
        import_dialog,
        "read_table",
        Watch(dialog.choose_button).slowed(import_dialog.read_table, read_threads),
    )
    monkeypatch.setattr(
        import_dialog, "import_rows", watch.slowed(import_dialog.import_rows, threads)
    )
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(sheet), ""))

    qtbot.mouseClick(dialog.choose_button, Qt.MouseButton.LeftButton)
    assert read_threads and read_threads[0] != threading.get_ident()
    assert dialog.summary.text().startswith("300 rows ready")
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.imported, timeout=WAIT_MS)

    assert threads[0] != threading.get_ident() and watch.ticks > 0
    assert not watch.enabled_while_running
    titles = set(register.cases.titles())
    assert {f"Imported idea {n}" for n in range(300)} <= titles
    assert dialog.message.text().startswith("Imported 300 cases")
    assert any("case" in c.kinds for c in heard)  # the views heard of the new cases
    assert register.verify_audit().ok


def test_form_import_reads_and_imports_on_workers(
    qtbot: Any,
    register: Register,
    session: RegisterSession,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from nhsip_desktop.ui import form_import_dialog
    from tests.test_disclosure_form import COMPLETE, blank, fill

    form = tmp_path / "form.pdf"
    form.write_bytes(fill(blank(), COMPLETE))
    dialog = form_import_dialog.FormImportDialog(register)
    qtbot.addWidget(dialog)
    read_watch, read_threads = Watch(dialog.choose_button), []
    monkeypatch.setattr(
        form_import_dialog,
        "read_form",
        read_watch.slowed(form_import_dialog.read_form, read_threads),
    )
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(form), ""))
    qtbot.mouseClick(dialog.choose_button, Qt.MouseButton.LeftButton)
    assert read_threads[0] != threading.get_ident() and read_watch.ticks > 0
    assert dialog.summary.text() == "This form is complete: it will become a Submitted case."

    import_threads: list[int] = []
    from nhsip_desktop.store.form_imports import FormImportManager

    real = FormImportManager.import_form

    def noting(self: FormImportManager, *args: Any, **kwargs: Any) -> Any:
        import_threads.append(threading.get_ident())
        return real(self, *args, **kwargs)

    monkeypatch.setattr(FormImportManager, "import_form", noting)
    with qtbot.waitSignal(session.changed, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert import_threads[0] != threading.get_ident()
    assert dialog.imported_reference is not None
    assert register.cases.get_by_reference(dialog.imported_reference).title == COMPLETE["title"]
    assert register.verify_audit().ok


def test_no_garbage_collection_stalls_the_window_while_work_runs(qtbot: Any) -> None:
    """A full collection walks every object with the GIL held (100-250 ms after a report has
    read 100,000 cases): automatic collection is off while work runs, and on again after."""
    import gc

    from nhsip_desktop.ui.worker import run_in_background

    assert gc.isenabled()
    seen = run_in_background(None, "Working", lambda _progress: gc.isenabled())
    assert seen.ok and seen.value is False
    assert gc.isenabled()
    failed = run_in_background(None, "Working", lambda _progress: 1 / 0)
    assert not failed.ok and gc.isenabled()  # on again after a failure too
