"""The export pack dialog: what goes in, where it is written, and the work in a worker thread."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import threading
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QObject, QThread, QUrl, Signal
from PySide6.QtGui import QCloseEvent, QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from nhsip_desktop.reports.export import (
    MANIFEST,
    README,
    SECTIONS,
    WORKBOOK,
    ExportCancelled,
    ExportError,
    ExportResult,
    VerifyProblem,
    export_pack,
    verify_export,
)
from nhsip_desktop.store.errors import RegisterError
from nhsip_desktop.store.register import Register
from nhsip_desktop.store.thread_register import ticket_for

from .kit import hint
from .reports_parts import (
    LeavingNotice,
    SectionList,
    fit_height,
    problem_label,
    say_in,
    status_label,
)
from .session import RegisterSession
from .widgets import heading
from .worker import run_in_background


# -- the export pack, in a worker thread ----------------------------------------------------
class _ExportThread(QThread):
    """Runs :func:`export_pack` with a register of its own over the same file (on a network
    drive, where only one connection may hold the file, the owner's, which the modal dialog
    keeps the UI from using meanwhile); its signals reach the dialog queued, in the UI thread.
    """

    progressed = Signal(int, int, str)

    def __init__(
        self,
        register: Register,
        target: Path,
        sections: Sequence[str],
        cancel: threading.Event,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        ticket = ticket_for(register)
        self.ticket = ticket
        self.register: Register | None = None if ticket.shared else register
        self.target = target
        self.sections = list(sections)
        self.cancel = cancel
        self.export_result: ExportResult | None = None
        self.outcome = ""  # "written", "cancelled" or "failed", once run() has returned
        self.message = ""

    def run(self) -> None:
        try:
            if self.register is not None:
                self.export_result = self._export(self.register)
            else:
                with self.ticket.open() as own:
                    self.export_result = self._export(own)
            self.outcome = "written"
        except ExportCancelled:
            self.outcome = "cancelled"
            self.message = "Cancelled: nothing was written."
        except (ExportError, RegisterError) as exc:
            self.outcome = "failed"
            self.message = str(exc)
        except Exception as exc:  # never let the worker die silently
            self.outcome = "failed"
            self.message = f"The export could not be written ({exc})."

    def _export(self, register: Register) -> ExportResult:
        return export_pack(
            register,
            self.target,
            sections=self.sections,
            progress=self._progress,
            cancelled=self.cancel.is_set,
        )

    def _progress(self, done: int, total: int, label: str) -> None:
        self.progressed.emit(done, total, label)


def default_export_folder() -> Path:
    documents = Path.home() / "Documents"
    return documents if documents.is_dir() else Path.home()


def _free_name(folder: Path, today: dt.date) -> str:
    base = f"IP register export {today:%Y-%m-%d}"
    for number in itertools.count(1):
        name = base if number == 1 else f"{base} ({number})"
        if not (folder / name).exists():
            return name
    raise AssertionError("unreachable")  # pragma: no cover


def _manifest_count(folder: Path) -> int:
    try:
        return len(json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["files"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0


class ExportDialog(QDialog):
    """The auditor's export pack: which sections, a new folder to write them to, a progress
    bar with Cancel while it is written, and a check of the pack against its manifest."""

    export_ended = Signal(str)  # "written", "cancelled" or "failed"

    def __init__(self, session: RegisterSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setWindowTitle("Export for the auditor")
        self.setAccessibleName("Export for the auditor")
        self.setModal(True)
        self.export_result: ExportResult | None = None
        self.outcome: str | None = None  # set when an export ends
        self.check_problems: list[VerifyProblem] | None = None
        self._cancel = threading.Event()
        self._thread: _ExportThread | None = None

        self.notice = LeavingNotice(
            "A new folder for the auditor: a CSV file for each section ticked below, the "
            f"same rows in an Excel workbook ({WORKBOOK}), a PDF listing of the cases, and "
            f"{MANIFEST} with every file's SHA-256 hash, with a {README} on checking them."
        )

        # -- sections ------------------------------------------------------------------
        self.sections = SectionList(
            [(s.key, f"{s.title} – {s.file}") for s in SECTIONS], choosable=True
        )
        self.sections.changed.connect(self._sections_changed)
        self.sections_problem = problem_label()
        sections_box = QGroupBox("Sections")
        sections_box.setAccessibleName("Sections to export")
        inner = QVBoxLayout(sections_box)
        inner.setContentsMargins(12, 10, 12, 10)
        inner.addWidget(self.sections)
        inner.addWidget(self.sections_problem)
        sections_box.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.sections_box = sections_box

        # -- where ---------------------------------------------------------------------
        folder = default_export_folder()
        self.parent_edit = QLineEdit(str(folder))
        self.parent_edit.setAccessibleName("Save in folder")
        self.parent_edit.setAccessibleDescription("The folder the new export folder is made in.")
        self.parent_edit.textChanged.connect(self._target_changed)
        self.choose_button = QPushButton("C&hoose…")
        self.choose_button.setAccessibleName("Choose the folder to save in")
        self.choose_button.clicked.connect(self.choose_folder)
        self.name_edit = QLineEdit(_free_name(folder, dt.date.today()))
        self.name_edit.setAccessibleName("New folder name")
        self.name_edit.setAccessibleDescription(
            "A new folder is made with this name; the export never writes into an existing one."
        )
        self.name_edit.textChanged.connect(self._target_changed)
        self.parent_problem = problem_label()
        self.name_problem = problem_label()
        self.target_preview = hint()
        self.target_preview.setObjectName("pathText")
        self.target_preview.setAccessibleName("The folder that will be made")

        where_box = QGroupBox("Where to save it")
        where_box.setAccessibleName("Where to save it")
        grid = QGridLayout(where_box)
        grid.setContentsMargins(12, 10, 12, 10)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(6)
        parent_label = QLabel("Save &in folder:")
        parent_label.setBuddy(self.parent_edit)
        name_label = QLabel("New folder &name:")
        name_label.setBuddy(self.name_edit)
        grid.addWidget(parent_label, 0, 0)
        grid.addWidget(self.parent_edit, 0, 1)
        grid.addWidget(self.choose_button, 0, 2)
        grid.addWidget(self.parent_problem, 1, 1, 1, 2)
        grid.addWidget(name_label, 2, 0)
        grid.addWidget(self.name_edit, 2, 1)
        grid.addWidget(self.name_problem, 3, 1, 1, 2)
        grid.addWidget(self.target_preview, 4, 1, 1, 2)
        grid.setColumnStretch(1, 1)
        where_box.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.where_box = where_box

        # -- progress and outcome ------------------------------------------------------
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Export progress")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setTextVisible(True)
        self.progress.setFormat("%p%")
        self.progress_label = QLabel()
        self.progress_label.setObjectName("hintText")
        self.progress_label.setAccessibleName("Export status")
        self.progress_label.setWordWrap(True)
        self.cancel_button = QPushButton("&Cancel export")
        self.cancel_button.setAccessibleName("Cancel the export")
        self.cancel_button.setAccessibleDescription("Stops the export; nothing is kept.")
        self.cancel_button.clicked.connect(self.cancel_export)
        self.progress_row = QWidget()
        row = QHBoxLayout(self.progress_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.progress, 1)
        row.addWidget(self.cancel_button)
        self.progress_row.hide()
        self.progress_label.hide()

        self.outcome_label = status_label("Export result")
        self.check_button = QPushButton("Check the &pack")
        self.check_button.setAccessibleName("Check the pack against its manifest")
        self.check_button.setAccessibleDescription(
            "Works out every file's SHA-256 hash again and compares it with manifest.json."
        )
        self.check_button.clicked.connect(self.check_pack)
        self.open_button = QPushButton("&Open the folder")
        self.open_button.setAccessibleName("Open the export folder")
        self.open_button.clicked.connect(self.open_folder)
        self.check_label = status_label("Check result")
        self.done_row = QWidget()
        done = QHBoxLayout(self.done_row)
        done.setContentsMargins(0, 0, 0, 0)
        done.addWidget(self.check_button)
        done.addWidget(self.open_button)
        done.addStretch(1)
        self.done_row.hide()

        self.export_button = QPushButton("&Export")
        self.export_button.setDefault(True)
        self.export_button.setAccessibleName("Export: write the pack")
        self.export_button.clicked.connect(self.start_export)
        self.close_button = QPushButton("Close")
        self.close_button.setAccessibleName("Close this window")
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 18, 22, 16)
        layout.setSpacing(12)
        layout.addWidget(heading("Auditor's export pack", 2))
        layout.addWidget(self.notice)
        layout.addWidget(sections_box)
        layout.addWidget(where_box)
        layout.addWidget(self.progress_row)
        layout.addWidget(self.progress_label)
        layout.addWidget(self.outcome_label)
        layout.addWidget(self.done_row)
        layout.addWidget(self.check_label)
        layout.addStretch(1)
        layout.addLayout(buttons)

        chain = [
            *self.sections.focus_widgets(),
            self.parent_edit,
            self.choose_button,
            self.name_edit,
            self.cancel_button,
            self.check_button,
            self.open_button,
            self.export_button,
            self.close_button,
        ]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)
        self._target_changed()
        session.about_to_lock.connect(self._before_lock)
        session.locked.connect(self._on_locked)
        self.setMinimumWidth(640)
        fit_height(self, 820)
        self.export_button.setFocus()

    # -- state -------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._thread is not None

    def target(self) -> Path:
        return Path(self.parent_edit.text().strip()).expanduser() / self.name_edit.text().strip()

    def chosen_sections(self) -> list[str]:
        return self.sections.chosen()

    def _set_form_enabled(self, enabled: bool) -> None:
        self.sections_box.setEnabled(enabled)
        self.where_box.setEnabled(enabled)
        self.export_button.setEnabled(enabled)

    def _sections_changed(self) -> None:
        if not self.sections_problem.isHidden():
            self.sections_problem.hide()
            fit_height(self)

    def _target_problems(self, *, typing: bool) -> list[tuple[str, str]]:
        """What is wrong with the folder: ``typing`` leaves out the "not filled in yet" ones."""
        problems: list[tuple[str, str]] = []
        parent_text = self.parent_edit.text().strip()
        name = self.name_edit.text().strip()
        folder = Path(parent_text).expanduser() if parent_text else None
        if folder is None:
            if not typing:
                problems.append(("parent", "Choose the folder to save the pack in."))
        elif not folder.is_dir():
            problems.append(("parent", f"There is no folder {folder}: choose one that exists."))
        if not name:
            if not typing:
                problems.append(("name", "Enter a name for the new folder."))
        elif re.search(r"[\\/:*?\"<>|]", name) or name in {".", ".."} or name.startswith("."):
            problems.append(
                ("name", 'Use a plain folder name, without / \\ : * ? " < > | or a leading dot.')
            )
        elif folder is not None and (folder / name).exists():
            problems.append(
                (
                    "name",
                    f"“{name}” already exists in that folder. The export never writes into an "
                    "existing folder: choose a new name.",
                )
            )
        return problems

    def _show_target_problems(self, problems: Sequence[tuple[str, str]]) -> None:
        for key, label, field in (
            ("parent", self.parent_problem, self.parent_edit),
            ("name", self.name_problem, self.name_edit),
        ):
            text = " ".join(m for f, m in problems if f == key)
            label.setText(text)
            label.setVisible(bool(text))
            field.setAccessibleDescription(f"Problem: {text}" if text else "")
        if self.layout() is not None:
            fit_height(self)

    def _target_changed(self) -> None:
        problems = self._target_problems(typing=True)
        ready = bool(self.parent_edit.text().strip() and self.name_edit.text().strip())
        preview = f"Will make the folder {self.target()}" if ready and not problems else ""
        self._show_preview(preview)
        self._show_target_problems(problems)

    def _show_preview(self, text: str) -> None:
        self.target_preview.setText(text)
        self.target_preview.setVisible(bool(text))

    # -- actions -----------------------------------------------------------------------
    def set_folder(self, folder: Path, name: str | None = None) -> None:
        """Save in ``folder``, as ``name`` (by default a dated name not used there yet)."""
        self.parent_edit.setText(str(folder))
        self.name_edit.setText(name if name is not None else _free_name(folder, dt.date.today()))
        self._target_changed()

    def choose_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(
            self, "Choose where to save the export pack", self.parent_edit.text().strip()
        )
        if chosen:
            self.set_folder(Path(chosen))

    def start_export(self) -> bool:
        """Check the choices, then write the pack in a worker thread; False if refused."""
        if self.running or not self.session.is_open:
            return False
        problems = self._target_problems(typing=False)
        self._show_target_problems(problems)
        sections = self.chosen_sections()
        if not sections:
            self.sections_problem.setText("Tick at least one section to export.")
            self.sections_problem.show()
        if problems or not sections:
            fit_height(self)
            (
                self.name_edit if any(f == "name" for f, _ in problems) else self.parent_edit
            ).setFocus()
            return False
        self.outcome = None
        self.export_result = None
        say_in(self.outcome_label, "")
        self._cancel.clear()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress_label.setText("Starting the export…")
        self.progress_label.show()
        self.progress_row.show()
        self.cancel_button.setEnabled(True)
        self._set_form_enabled(False)
        self.close_button.setEnabled(False)
        thread = _ExportThread(self.session.register, self.target(), sections, self._cancel, self)
        thread.progressed.connect(self._on_progress)
        thread.finished.connect(self._on_thread_finished)
        self._thread = thread
        thread.start()
        fit_height(self)
        self.cancel_button.setFocus()
        return True

    def request_cancel(self) -> None:
        """Ask the running export to stop (safe from any thread: it only sets a flag)."""
        self._cancel.set()

    def cancel_export(self) -> None:
        if not self.running:
            return
        self.request_cancel()
        self.cancel_button.setEnabled(False)
        self.progress_label.setText("Cancelling: nothing will be kept…")

    def _on_progress(self, done: int, total: int, label: str) -> None:
        if self.progress.maximum() != total:
            self.progress.setRange(0, total)
        self.progress.setValue(done)
        if not self._cancel.is_set():
            self.progress_label.setText(f"{label} ({min(done + 1, total)} of {total})")

    def _on_thread_finished(self) -> None:
        thread = self._thread
        if thread is None:
            return
        thread.wait()
        self._thread = None
        thread.ticket.deliver()  # the export's audit row, to every view
        thread.deleteLater()
        self.progress_row.hide()
        self.close_button.setEnabled(True)
        outcome = thread.outcome or "failed"
        if outcome == "written" and thread.export_result is not None:
            self.export_result = thread.export_result
            count = len(thread.export_result.files)
            self.progress_label.hide()
            say_in(
                self.outcome_label,
                f"Written: {thread.export_result.folder}\n{count} file{'' if count == 1 else 's'}, "
                f"each listed with its SHA-256 hash in {MANIFEST}, with {README} for the "
                "auditor. The export is recorded in the audit trail.",
            )
            self._show_preview("")
            self.done_row.show()
            self.close_button.setDefault(True)
            self.check_button.setFocus()
        else:
            self._set_form_enabled(True)
            self.progress_label.hide()
            say_in(
                self.outcome_label,
                thread.message or "The export could not be written.",
                problem=outcome == "failed",
            )
            self._target_changed()
            self.export_button.setFocus()
        fit_height(self)
        self.outcome = outcome
        self.export_ended.emit(outcome)

    def check_pack(self) -> list[VerifyProblem]:
        """Check the written pack against its manifest and say what was found."""
        if self.export_result is None:
            return []
        folder = self.export_result.folder
        self.check_button.setEnabled(False)
        try:
            outcome = run_in_background(
                self, "Checking every file against the manifest…", lambda _: verify_export(folder)
            )
        finally:
            self.check_button.setEnabled(True)
        if not outcome.ok or outcome.value is None:
            say_in(self.check_label, f"Not checked: {outcome.error}", problem=True)
            fit_height(self)
            return []
        problems = outcome.value
        self.check_problems = problems
        if not problems:
            count = _manifest_count(folder)
            say_in(self.check_label, f"All {count} files match the manifest.")
        else:
            lines = "\n".join(f"• {p.file}: {p.problem}" for p in problems)
            say_in(
                self.check_label,
                f"These files do not match the manifest:\n{lines}",
                problem=True,
            )
        fit_height(self)
        return problems

    def open_folder(self) -> None:
        if self.export_result is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.export_result.folder)))

    # -- closing -----------------------------------------------------------------------
    def _before_lock(self) -> None:
        """The register is about to close: stop the export and wait for the worker first."""
        thread = self._thread
        if thread is None:
            return
        self.request_cancel()
        thread.wait()
        self._on_thread_finished()

    def _on_locked(self) -> None:
        if not self.running:
            super().reject()

    def reject(self) -> None:
        if self.running:  # Escape while writing cancels rather than closing mid-way
            self.cancel_export()
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.running:
            event.ignore()
            self.cancel_export()
            return
        super().closeEvent(event)
