"""Reports (guidance steps 1 and 8): the board summary, the annual return, the auditor's pack.

Every file made here leaves the encrypted register. Before anything is written the app says
so, in :class:`LeavingRegisterDialog` (the reports) or the same notice at the top of
:class:`ExportDialog` (the export pack): what will be written, that it is not encrypted and
must be kept as securely as the register, that writing it is recorded in the audit trail, and
which sections it holds. The reports record their sections themselves
(``record_report``); :func:`~nhsip_desktop.reports.export.export_pack` records the sections
ticked.

The export pack is written by a worker thread (:class:`QThread`). While it runs the dialog
is modal and every control but Cancel is disabled, so nothing in the UI uses the register's
connection; progress reaches the dialog through queued signals, and Cancel sets a
``threading.Event`` that the export reads between steps (a cancelled export leaves nothing
behind). Locking the register while an export runs cancels it and waits for the worker
before the connection is closed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import re
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

from PySide6.QtCore import QDate, QObject, Qt, QThread, QUrl, Signal
from PySide6.QtGui import QCloseEvent, QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from nhsip_desktop.cases.model import format_date
from nhsip_desktop.core.periods import financial_year_of, year_label
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
from nhsip_desktop.store.register import Changes, Register

from .file_dialogs import remember
from .guidance_help import with_guidance
from .hub_share import open_hub_share
from .session import RegisterSession
from .widgets import heading, paragraph

__all__ = [
    "ExportDialog",
    "LeavingNotice",
    "LeavingRegisterDialog",
    "ReportsPage",
    "SectionList",
    "financial_year_of",
]

CARD_STYLE = (
    "QFrame#reportCard { border: 1px solid #c5ccd3; border-radius: 6px; background: #f7f9fa; }"
)
NOTICE_STYLE = (
    "QFrame#leavingNotice { border: 1px solid #b58a00; border-left: 5px solid #b58a00; "
    "border-radius: 4px; background: #fffaf0; }"
)
NOT_ENCRYPTED = (
    "It is not encrypted: anyone who can open it can read it. Keep it as securely as the "
    "register itself, share it only as the trust's IP policy allows, and delete it when it "
    "is no longer needed."
)
AUDITED = "Writing it is recorded in the audit trail, with the sections it holds."


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(value: QDate) -> dt.date:
    return dt.date(value.year(), value.month(), value.day())


def _hint(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setObjectName("hintText")
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _message(name: str = "Problem") -> QLabel:
    """A label for a problem, shown beside the field it is about (kept in place when hidden)."""
    label = QLabel()
    label.setObjectName("errorText")
    label.setWordWrap(True)
    label.setAccessibleName(name)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.hide()
    return label


def _status(name: str) -> QLabel:
    label = QLabel()
    label.setObjectName("hintText")
    label.setWordWrap(True)
    label.setAccessibleName(name)
    label.setTextInteractionFlags(
        Qt.TextInteractionFlag.TextSelectableByMouse
        | Qt.TextInteractionFlag.TextSelectableByKeyboard
    )
    label.hide()
    return label


def _say(label: QLabel, text: str, *, problem: bool = False) -> None:
    """Show ``text`` in a status label, as a problem (dark red, bold) or as plain news."""
    name = "errorText" if problem else "stageText"
    if label.objectName() != name:
        label.setObjectName(name)
        label.style().unpolish(label)
        label.style().polish(label)
    label.setText(text)
    label.setVisible(bool(text))


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def _pdf_name(chosen: str) -> Path:
    path = Path(chosen)
    return path if path.suffix.lower() == ".pdf" else path.with_name(path.name + ".pdf")


def _fit_height(dialog: QDialog, width: int | None = None) -> None:
    """Make ``dialog`` exactly as tall as its content at its width (content that appears or
    goes, like a message beside a field, neither squeezes nor spreads out the rest)."""
    layout = dialog.layout()
    if layout is None:
        return
    layout.activate()
    width = width or dialog.width()
    needed = max(layout.totalHeightForWidth(width), layout.totalMinimumSize().height())
    if (dialog.width(), dialog.height()) != (width, needed):
        dialog.resize(width, needed)


@contextlib.contextmanager
def _busy() -> Iterator[None]:
    QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        yield
    finally:
        QGuiApplication.restoreOverrideCursor()


# -- what leaves the register ----------------------------------------------------------------
class LeavingNotice(QFrame):
    """The notice shown before any file leaves the encrypted register: what will be written,
    that it is not encrypted, and that writing it is recorded in the audit trail."""

    def __init__(self, what: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("leavingNotice")
        self.setStyleSheet(NOTICE_STYLE)
        title = QLabel("This leaves the encrypted register")
        title.setObjectName("stageText")
        title.setWordWrap(True)
        self.what = paragraph(what)
        self.what.setAccessibleName("What will be written")
        self.warning = paragraph(NOT_ENCRYPTED)
        self.warning.setAccessibleName("Not encrypted")
        self.audited = paragraph(AUDITED)
        self.audited.setAccessibleName("Audit trail")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 14, 12)
        layout.setSpacing(6)
        for label in (title, self.what, self.warning, self.audited):
            layout.addWidget(label)
        self.setAccessibleName("This leaves the encrypted register")
        self.setAccessibleDescription(f"{what} {NOT_ENCRYPTED} {AUDITED}")

    def text(self) -> str:
        return f"{self.what.text()}\n{NOT_ENCRYPTED}\n{AUDITED}"


class SectionList(QWidget):
    """The sections a file will hold: a checkbox each to choose from (all ticked at first),
    or, when the sections are fixed, a plain list."""

    changed = Signal()

    def __init__(
        self,
        sections: Sequence[tuple[str, str]],
        *,
        choosable: bool,
        columns: int = 2,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.sections = list(sections)
        self.choosable = choosable
        self.boxes: dict[str, QCheckBox] = {}
        self.tick_all_button: QPushButton | None = None
        self.untick_all_button: QPushButton | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        grid = QGridLayout()
        grid.setHorizontalSpacing(24)
        grid.setVerticalSpacing(0 if choosable else 2)
        rows = (len(self.sections) + columns - 1) // max(1, columns)
        if not choosable:
            # Numbered as the report numbers them, down the first column, then the next.
            self.labels: list[QLabel] = []
            for index, (_key, title) in enumerate(self.sections):
                label = QLabel(f"{index + 1}. {title}")
                grid.addWidget(label, index % rows, index // rows)
                self.labels.append(label)
            grid.setColumnStretch(columns, 1)
            layout.addLayout(grid)
            self.setAccessibleName("Sections in the file")
            self.setAccessibleDescription("; ".join(t for _k, t in self.sections))
            return
        for index, (key, title) in enumerate(self.sections):
            box = QCheckBox(title)
            box.setChecked(True)
            box.setAccessibleName(title)
            box.toggled.connect(self.changed)
            grid.addWidget(box, index % rows, index // rows)
            self.boxes[key] = box
        layout.addLayout(grid)
        self.tick_all_button = QPushButton("Tick &all")
        self.tick_all_button.setAccessibleName("Tick all the sections")
        self.tick_all_button.clicked.connect(lambda: self.set_chosen(self.keys()))
        self.untick_all_button = QPushButton("&Untick all")
        self.untick_all_button.setAccessibleName("Untick all the sections")
        self.untick_all_button.clicked.connect(lambda: self.set_chosen(()))
        bar = QHBoxLayout()
        bar.addWidget(self.tick_all_button)
        bar.addWidget(self.untick_all_button)
        bar.addStretch(1)
        layout.addLayout(bar)

    def keys(self) -> list[str]:
        return [key for key, _title in self.sections]

    def text(self) -> str:
        """The sections as shown, one per line."""
        if self.choosable:
            return "\n".join(box.text() for box in self.boxes.values())
        return "\n".join(label.text() for label in self.labels)

    def chosen(self) -> list[str]:
        """The keys of the sections chosen, in the sections' order (all of them when fixed)."""
        if not self.choosable:
            return self.keys()
        return [key for key, box in self.boxes.items() if box.isChecked()]

    def set_chosen(self, keys: Sequence[str]) -> None:
        wanted = set(keys)
        for key, box in self.boxes.items():
            box.setChecked(key in wanted)

    def focus_widgets(self) -> list[QWidget]:
        out: list[QWidget] = list(self.boxes.values())
        if self.tick_all_button is not None and self.untick_all_button is not None:
            out += [self.tick_all_button, self.untick_all_button]
        return out


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class LeavingRegisterDialog(QDialog):
    """Says that a file is about to leave the encrypted register, and shows (or lets the
    person choose) the sections it will hold. Continue accepts; nothing is written here."""

    def __init__(
        self,
        title: str,
        what: str,
        sections: Sequence[tuple[str, str]],
        *,
        choosable: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"{title}: this leaves the encrypted register")
        self.setAccessibleName(f"{title} leaves the encrypted register")
        self.setModal(True)
        self.notice = LeavingNotice(what)
        self.sections = SectionList(sections, choosable=choosable)
        self.sections.changed.connect(self._clear_problem)
        self.problem = _message()
        caption = QLabel(
            "Sections to include (untick any it should leave out):"
            if choosable
            else "The file holds these sections:"
        )
        caption.setObjectName("stageText")
        caption.setWordWrap(True)
        self.continue_button = QPushButton("&Continue")
        self.continue_button.setDefault(True)
        self.continue_button.setAccessibleName(f"Continue: write the {title.lower()}")
        self.continue_button.clicked.connect(self.accept)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAccessibleName("Cancel: write nothing")
        self.cancel_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.continue_button)
        buttons.addWidget(self.cancel_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 18, 22, 16)
        layout.setSpacing(12)
        layout.addWidget(heading(title, 2))
        layout.addWidget(self.notice)
        layout.addWidget(caption)
        layout.addWidget(self.sections)
        layout.addWidget(self.problem)
        layout.addStretch(1)
        layout.addLayout(buttons)
        chain = [*self.sections.focus_widgets(), self.continue_button, self.cancel_button]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)
        self.continue_button.setFocus()
        self.setMinimumWidth(640)
        _fit_height(self, 640)

    def chosen_sections(self) -> list[str]:
        return self.sections.chosen()

    def _clear_problem(self) -> None:
        if not self.problem.isHidden():
            self.problem.hide()
            _fit_height(self)

    def accept(self) -> None:
        if not self.sections.chosen():
            self.problem.setText("Tick at least one section, or cancel.")
            self.problem.show()
            _fit_height(self)
            return
        super().accept()


# -- the export pack, in a worker thread ----------------------------------------------------
class _ExportThread(QThread):
    """Runs :func:`export_pack`; its signals reach the dialog queued, in the UI thread."""

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
        self.register = register
        self.target = target
        self.sections = list(sections)
        self.cancel = cancel
        self.export_result: ExportResult | None = None
        self.outcome = ""  # "written", "cancelled" or "failed", once run() has returned
        self.message = ""

    def run(self) -> None:
        try:
            self.export_result = export_pack(
                self.register,
                self.target,
                sections=self.sections,
                progress=self._progress,
                cancelled=self.cancel.is_set,
            )
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

    def _progress(self, done: int, total: int, label: str) -> None:
        self.progressed.emit(done, total, label)


def _default_folder() -> Path:
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
        self.sections_problem = _message()
        sections_box = QGroupBox("Sections")
        sections_box.setAccessibleName("Sections to export")
        inner = QVBoxLayout(sections_box)
        inner.setContentsMargins(12, 10, 12, 10)
        inner.addWidget(self.sections)
        inner.addWidget(self.sections_problem)
        sections_box.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.sections_box = sections_box

        # -- where ---------------------------------------------------------------------
        folder = _default_folder()
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
        self.parent_problem = _message()
        self.name_problem = _message()
        self.target_preview = _hint()
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

        self.outcome_label = _status("Export result")
        self.check_button = QPushButton("Check the &pack")
        self.check_button.setAccessibleName("Check the pack against its manifest")
        self.check_button.setAccessibleDescription(
            "Works out every file's SHA-256 hash again and compares it with manifest.json."
        )
        self.check_button.clicked.connect(self.check_pack)
        self.open_button = QPushButton("&Open the folder")
        self.open_button.setAccessibleName("Open the export folder")
        self.open_button.clicked.connect(self.open_folder)
        self.check_label = _status("Check result")
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
        _fit_height(self, 820)
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
            _fit_height(self)

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
            _fit_height(self)

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
            _fit_height(self)
            (
                self.name_edit if any(f == "name" for f, _ in problems) else self.parent_edit
            ).setFocus()
            return False
        self.outcome = None
        self.export_result = None
        _say(self.outcome_label, "")
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
        _fit_height(self)
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
        thread.deleteLater()
        self.progress_row.hide()
        self.close_button.setEnabled(True)
        outcome = thread.outcome or "failed"
        if outcome == "written" and thread.export_result is not None:
            self.export_result = thread.export_result
            count = len(thread.export_result.files)
            self.progress_label.hide()
            _say(
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
            _say(
                self.outcome_label,
                thread.message or "The export could not be written.",
                problem=outcome == "failed",
            )
            self._target_changed()
            self.export_button.setFocus()
        _fit_height(self)
        self.outcome = outcome
        self.export_ended.emit(outcome)

    def check_pack(self) -> list[VerifyProblem]:
        """Check the written pack against its manifest and say what was found."""
        if self.export_result is None:
            return []
        folder = self.export_result.folder
        with _busy():
            problems = verify_export(folder)
        self.check_problems = problems
        if not problems:
            count = _manifest_count(folder)
            _say(self.check_label, f"All {count} files match the manifest.")
        else:
            lines = "\n".join(f"• {p.file}: {p.problem}" for p in problems)
            _say(
                self.check_label,
                f"These files do not match the manifest:\n{lines}",
                problem=True,
            )
        _fit_height(self)
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


# -- the page ----------------------------------------------------------------------------------
def _card(title: str, guidance: str, purpose: str, readers: str) -> tuple[QFrame, QVBoxLayout]:
    card = QFrame()
    card.setObjectName("reportCard")
    card.setStyleSheet(CARD_STYLE)
    card.setAccessibleName(title)
    layout = QVBoxLayout(card)
    layout.setContentsMargins(22, 16, 22, 16)
    layout.setSpacing(8)
    layout.addWidget(heading(title, 2))
    reference = QLabel(f"Guidance: {guidance}")
    reference.setObjectName("guidanceRef")
    reference.setWordWrap(True)
    layout.addWidget(reference)
    layout.addWidget(paragraph(purpose))
    if readers:
        who = QLabel(f"<b>Who reads it:</b> {_escape(readers)}")
        who.setTextFormat(Qt.TextFormat.RichText)
        who.setWordWrap(True)
        who.setAccessibleName(f"Who reads it: {readers}")
        layout.addWidget(who)
    return card, layout


class ReportsPage(QWidget):
    """The Reports area: the board summary, the annual return and the auditor's export pack,
    each on a card saying what it is for and who reads it."""

    def __init__(self, session: RegisterSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("area-reports")
        self.setAccessibleName("Reports")
        self.session = session
        self._folder: Path | None = None  # where the last report was saved, this session
        self._years: tuple[int, int] | None = None

        content = QWidget()
        content.setMaximumWidth(860)
        column = QVBoxLayout(content)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(16)
        column.addWidget(heading("Reports"))
        intro = _hint(
            "Steps 1 and 8: printable summaries for the trust board, the annual return, "
            "and an export pack for auditors. Each is an ordinary, unencrypted file: the "
            "app says so before it writes one, and records it in the audit trail."
        )
        column.addWidget(with_guidance(intro, "Actions for organisations"))
        column.addWidget(self._board_card())
        column.addWidget(self._annual_card())
        column.addWidget(self._export_card())
        column.addWidget(self._elsewhere_card())
        column.addStretch(1)

        holder = QWidget()
        centre = QHBoxLayout(holder)
        centre.setContentsMargins(24, 20, 24, 20)
        centre.addWidget(content, 1)
        centre.addStretch(0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(holder)
        scroll.setAccessibleName("Reports")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

        chain = [
            self.board_from,
            self.board_to,
            self.board_button,
            self.year_combo,
            self.annual_button,
            self.export_button,
        ]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

        session.opened.connect(self._on_opened)
        session.locked.connect(self._on_locked)
        session.changed.connect(self._on_changed)
        self.reset_defaults()
        self._update_enabled()

    # -- building ----------------------------------------------------------------------
    def _board_card(self) -> QFrame:
        card, layout = _card(
            "Board summary",
            "steps 1 and 8",
            "Two pages the board can read in five minutes: the pipeline by stage, disclosures "
            "and decisions in the period, feedback against the target, deadlines and anything "
            "overdue, spend against returns, portfolio reviews, TTC performance, governance, "
            "and the cases that need a board decision.",
            "the trust board, usually each quarter.",
        )
        self.board_from = self._date_edit("Board summary period from")
        self.board_to = self._date_edit("Board summary period to")
        self.board_from.dateChanged.connect(self._period_changed)
        self.board_to.dateChanged.connect(self._period_changed)
        from_label = QLabel("Fro&m:")
        from_label.setBuddy(self.board_from)
        to_label = QLabel("&To:")
        to_label.setBuddy(self.board_to)
        self.board_button = QPushButton("Create &PDF…")
        self.board_button.setAccessibleName("Create the board summary PDF")
        self.board_button.clicked.connect(lambda: self.create_board_summary())
        self.board_problem = _message()
        self.board_status = _status("Board summary status")
        row = QHBoxLayout()
        row.setSpacing(8)
        row.addWidget(from_label)
        row.addWidget(self.board_from)
        row.addSpacing(8)
        row.addWidget(to_label)
        row.addWidget(self.board_to)
        row.addSpacing(12)
        row.addWidget(self.board_button)
        row.addStretch(1)
        layout.addSpacing(4)
        layout.addLayout(row)
        layout.addWidget(self.board_problem)
        layout.addWidget(self.board_status)
        return card

    def _annual_card(self) -> QFrame:
        card, layout = _card(
            "Annual return",
            'steps 1 and 3, "Actions for organisations"',
            "The five actions for organisations with their status and evidence, any variations "
            "from the guidance with their mitigations, and the register's figures for a "
            "financial year. DHSC and NHS England will ask for an annual return; until they "
            "publish its template, this sets out what the guidance asks for.",
            "the senior responsible officer and the board, then DHSC and NHS England.",
        )
        self.year_combo = QComboBox()
        self.year_combo.setAccessibleName("Financial year of the annual return")
        self.year_combo.setMinimumWidth(200)
        year_label_widget = QLabel("Financial &year:")
        year_label_widget.setBuddy(self.year_combo)
        self.annual_button = QPushButton("Create P&DF…")
        self.annual_button.setAccessibleName("Create the annual return PDF")
        self.annual_button.clicked.connect(lambda: self.create_annual_return())
        self.annual_status = _status("Annual return status")
        row = QHBoxLayout()
        row.setSpacing(8)
        row.addWidget(year_label_widget)
        row.addWidget(self.year_combo)
        row.addSpacing(12)
        row.addWidget(self.annual_button)
        row.addStretch(1)
        layout.addSpacing(4)
        layout.addLayout(row)
        layout.addWidget(self.annual_status)
        return card

    def _export_card(self) -> QFrame:
        card, layout = _card(
            "Auditor's export pack",
            "steps 1 and 8",
            "The sections of the register you choose as CSV files and an Excel workbook, a PDF "
            "listing of every case, and a manifest of SHA-256 hashes, so the auditor can check "
            "the pack without the app. The full audit trail can go with it.",
            "internal and external auditors.",
        )
        self.export_button = QPushButton("&Export…")
        self.export_button.setAccessibleName("Export the register for the auditor")
        self.export_button.clicked.connect(lambda: self.open_export())
        self.export_status = _status("Export status")
        self.hub_button = QPushButton("Share with &hub…")  # ui/hub_share.py (issue 25)
        self.hub_button.clicked.connect(lambda: open_hub_share(self.session, self))
        row = QHBoxLayout()
        row.addWidget(self.export_button)
        row.addWidget(self.hub_button)
        row.addStretch(1)
        layout.addSpacing(4)
        layout.addLayout(row)
        layout.addWidget(self.export_status)
        return card

    def _elsewhere_card(self) -> QFrame:
        card, layout = _card(
            "Made from their own screens",
            "steps 5, 8 and 9",
            "Reports about one case, one agreement or one person are made where that record "
            "is open:",
            "",
        )
        items = (
            "The case dossier and the feedback letter: open the case in Cases "
            "(Dossier PDF…, Feedback letter…).",
            "The TTC checklist report: Agreements and TTC, on the agreement's "
            "TTC checklist (Annex B) tab.",
            "Innovator revenue statements: Finance, on the Returns and sharing tab.",
        )
        listing = QLabel(
            "<ul style='margin-left:-18px; margin-top:0'>"
            + "".join(f"<li>{_escape(i)}</li>" for i in items)
            + "</ul>"
        )
        listing.setTextFormat(Qt.TextFormat.RichText)
        listing.setWordWrap(True)
        listing.setAccessibleName("Reports made elsewhere")
        listing.setAccessibleDescription(" ".join(items))
        layout.addWidget(listing)
        return card

    def _date_edit(self, name: str) -> QDateEdit:
        edit = QDateEdit()
        edit.setDisplayFormat("dd/MM/yyyy")
        edit.setCalendarPopup(True)
        edit.setAccessibleName(name)
        edit.setAccessibleDescription("dd/mm/yyyy; Alt+Down opens a calendar.")
        edit.setMinimumDate(QDate(2000, 1, 1))
        edit.setMinimumWidth(130)
        edit.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        return edit

    # -- state -------------------------------------------------------------------------
    def reset_defaults(self, today: dt.date | None = None) -> None:
        """The current financial year to date, and the last complete financial year."""
        today = today or dt.date.today()
        fy = financial_year_of(today)
        self.board_from.setDate(_qdate(dt.date(fy, 4, 1)))
        self.board_to.setDate(_qdate(today))
        self._years = None
        self._fill_years(today)
        for label in (self.board_status, self.annual_status, self.export_status):
            _say(label, "")
        self.board_problem.hide()

    def _fill_years(self, today: dt.date | None = None) -> None:
        """The financial years with anything recorded (at least the last three), newest first;
        the last complete year is chosen first. Filled again only when the range changes."""
        today = today or dt.date.today()
        current = financial_year_of(today)
        first = current - 2
        if self.session.is_open:
            earliest = self.session.register.facts.first_received_on()
            if earliest is not None:
                first = min(first, financial_year_of(earliest))
        first = max(first, current - 15)
        if self._years == (first, current):
            return
        chosen = self.year_combo.currentData() if self._years is not None else current - 1
        self._years = (first, current)
        self.year_combo.blockSignals(True)
        self.year_combo.clear()
        for year in range(current, first - 1, -1):
            text = year_label(year) + (" (so far)" if year == current else "")
            self.year_combo.addItem(text, year)
        index = self.year_combo.findData(chosen)
        self.year_combo.setCurrentIndex(max(index, 0))
        self.year_combo.blockSignals(False)

    def period(self) -> tuple[dt.date, dt.date]:
        return _pydate(self.board_from.date()), _pydate(self.board_to.date())

    def chosen_year(self) -> int | None:
        value = self.year_combo.currentData()
        return int(value) if value is not None else None

    def _period_changed(self) -> None:
        self.board_problem.hide()

    def _update_enabled(self) -> None:
        is_open = self.session.is_open
        for widget in (self.board_button, self.annual_button, self.export_button):
            widget.setEnabled(is_open)

    def _on_opened(self) -> None:
        self._folder = None
        self.reset_defaults()
        self._update_enabled()

    def _on_locked(self) -> None:
        for label in (self.board_status, self.annual_status, self.export_status):
            _say(label, "")
        self._update_enabled()

    def _on_changed(self, changes: Changes) -> None:
        if "case" in changes.kinds:
            self._fill_years()

    # -- making the files --------------------------------------------------------------
    def _save_path(self, caption: str, name: str) -> Path | None:
        folder = self._folder or _default_folder()
        chosen, _ = QFileDialog.getSaveFileName(
            self, caption, str(folder / name), "PDF files (*.pdf)"
        )
        if not chosen:
            return None
        remember(Path(chosen))
        return _pdf_name(chosen)

    def create_board_summary(self, target: Path | None = None) -> Path | None:
        """Say what leaves the register, ask where to save it, write it; the path or None."""
        _say(self.board_status, "")
        if not self.session.is_open:
            return None
        start, end = self.period()
        if end < start:
            self.board_problem.setText(
                "The period ends before it starts: choose a “to” date on or after the “from” date."
            )
            self.board_problem.show()
            self.board_to.setFocus()
            return None
        from nhsip_desktop.reports.board import SECTIONS as BOARD_SECTIONS
        from nhsip_desktop.reports.board import write_board_summary

        period = f"{format_date(start)} to {format_date(end)}"
        dialog = LeavingRegisterDialog(
            "Board summary",
            f"A PDF of the board summary for {period}, saved where you choose next.",
            [(s, _sentence_case(s)) for s in BOARD_SECTIONS],
            parent=self,
        )
        accepted = bool(dialog.exec())
        dialog.deleteLater()
        if not accepted:
            return None
        if target is None:
            target = self._save_path(
                "Save the board summary",
                f"Board summary {start:%d-%m-%Y} to {end:%d-%m-%Y}.pdf",
            )
            if target is None:
                return None
        try:
            with _busy():
                written = write_board_summary(self.session.register, start, end, target)
        except (RegisterError, OSError, ValueError) as exc:
            _say(self.board_status, f"Not saved: {exc}", problem=True)
            return None
        self._folder = written.parent
        _say(
            self.board_status,
            f"Saved: {written}\nRecorded in the audit trail. Keep it as securely as the register.",
        )
        return written

    def create_annual_return(self, target: Path | None = None) -> Path | None:
        """Say what leaves the register, ask where to save it, write it; the path or None."""
        _say(self.annual_status, "")
        year = self.chosen_year()
        if not self.session.is_open or year is None:
            return None
        from nhsip_desktop.reports.annual_return import (
            ANNUAL_RETURN_SECTIONS,
            write_annual_return,
        )

        label = year_label(year)
        dialog = LeavingRegisterDialog(
            "Annual return",
            f"A PDF of the IP annual return for the financial year {label}, saved where you "
            "choose next.",
            [(s, s) for s in ANNUAL_RETURN_SECTIONS],
            parent=self,
        )
        accepted = bool(dialog.exec())
        dialog.deleteLater()
        if not accepted:
            return None
        if target is None:
            target = self._save_path("Save the annual return", f"IP annual return {label}.pdf")
            if target is None:
                return None
        try:
            with _busy():
                written = write_annual_return(self.session.register, year, target)
        except (RegisterError, OSError, ValueError) as exc:
            _say(self.annual_status, f"Not saved: {exc}", problem=True)
            return None
        self._folder = written.parent
        _say(
            self.annual_status,
            f"Saved: {written}\nRecorded in the audit trail. Keep it as securely as the register.",
        )
        return written

    def open_export(self) -> ExportResult | None:
        """The export dialog (modal while it writes); the pack written, if any."""
        _say(self.export_status, "")
        if not self.session.is_open:
            return None
        dialog = ExportDialog(self.session, self)
        if self._folder is not None:
            dialog.set_folder(self._folder)
        dialog.exec()
        result = dialog.export_result
        dialog.deleteLater()
        if result is not None:
            self._folder = result.folder.parent
            _say(self.export_status, f"Last export: {result.folder}")
        return result
