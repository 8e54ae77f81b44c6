"""Reports (guidance steps 1 and 8): the board summary, the annual return, the auditor's pack.

Every file made here leaves the encrypted register. Before anything is written the app says
so, in :class:`LeavingRegisterDialog` (the reports) or the same notice at the top of
:class:`ExportDialog` (the export pack): what will be written, that it is not encrypted and
must be kept as securely as the register, that writing it is recorded in the audit trail, and
which sections it holds. The reports record their sections themselves
(``record_report``); :func:`~nhsip_desktop.reports.export.export_pack` records the sections
ticked.

The reports are written on a worker thread with a register of their own
(:func:`~nhsip_desktop.ui.worker.run_with_register`) behind a progress dialog, the button
disabled meanwhile. The export pack is written by a worker thread (:class:`QThread`) with its
own connection too (``store/thread_register.py``); while it runs the dialog is modal and every
control but Cancel is disabled; progress reaches the dialog through queued signals, and Cancel
sets a ``threading.Event`` that the export reads between steps (a cancelled export leaves
nothing behind). Locking the register while an export runs cancels it and waits for the
worker before the connection is closed; a report under way is waited for.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from nhsip_desktop.cases.model import format_date
from nhsip_desktop.core.periods import financial_year_of, year_label
from nhsip_desktop.reports.export import (
    ExportResult,
)
from nhsip_desktop.store.register import Changes, Register
from nhsip_desktop.ui.file_dialogs import remember
from nhsip_desktop.ui.hub_share import open_hub_share

from .guidance_help import with_guidance
from .kit import hint
from .reports_export import ExportDialog, default_export_folder
from .reports_parts import (
    LeavingNotice,
    LeavingRegisterDialog,
    SectionList,
    escape_html,
    pdf_path,
    problem_label,
    py_date,
    q_date,
    say_in,
    sentence_case,
    status_label,
)
from .session import RegisterSession
from .widgets import heading, paragraph
from .worker import run_with_register

__all__ = [
    "ExportDialog",
    "LeavingNotice",
    "LeavingRegisterDialog",
    "ReportsPage",
    "SectionList",
    "financial_year_of",
]

INTRO = (
    "Steps 1 and 8: printable summaries for the trust board, the annual return, and an export "
    "pack for auditors. Each is an ordinary, unencrypted file: the app says so before it writes "
    "one, and records it in the audit trail."
)
CARD_STYLE = (
    "QFrame#reportCard { border: 1px solid #c5ccd3; border-radius: 6px; background: #f7f9fa; }"
)


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
        who = QLabel(f"<b>Who reads it:</b> {escape_html(readers)}")
        who.setTextFormat(Qt.TextFormat.RichText)
        who.setWordWrap(True)
        who.setAccessibleName(f"Who reads it: {readers}")
        layout.addWidget(who)
    return card, layout


def _card_row(layout: QVBoxLayout, items: list[QWidget | int], *below: QWidget) -> None:
    """A card's row of fields and button (an int is a gap), left-aligned, its messages below."""
    row = QHBoxLayout()
    row.setSpacing(8)
    for item in items:
        if isinstance(item, int):
            row.addSpacing(item)
        else:
            row.addWidget(item)
    row.addStretch(1)
    layout.addSpacing(4)
    layout.addLayout(row)
    for widget in below:
        layout.addWidget(widget)


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
        for part in (
            heading("Reports"),
            with_guidance(hint(INTRO), "Actions for organisations"),
            self._board_card(),
            self._annual_card(),
            self._export_card(),
            self._elsewhere_card(),
        ):
            column.addWidget(part)
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
        self.board_problem = problem_label()
        self.board_status = status_label("Board summary status")
        _card_row(
            layout,
            [from_label, self.board_from, 8, to_label, self.board_to, 12, self.board_button],
            self.board_problem,
            self.board_status,
        )
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
        self.annual_status = status_label("Annual return status")
        _card_row(
            layout, [year_label_widget, self.year_combo, 12, self.annual_button], self.annual_status
        )
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
        self.export_status = status_label("Export status")
        self.hub_button = QPushButton("Share with &hub…")  # ui/hub_share.py (issue 25)
        self.hub_button.clicked.connect(lambda: open_hub_share(self.session, self))
        _card_row(layout, [self.export_button, self.hub_button], self.export_status)
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
            + "".join(f"<li>{escape_html(i)}</li>" for i in items)
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
        self.board_from.setDate(q_date(dt.date(fy, 4, 1)))
        self.board_to.setDate(q_date(today))
        self._years = None
        self._fill_years(today)
        for label in (self.board_status, self.annual_status, self.export_status):
            say_in(label, "")
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
        return py_date(self.board_from.date()), py_date(self.board_to.date())

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
            say_in(label, "")
        self._update_enabled()

    def _on_changed(self, changes: Changes) -> None:
        if "case" in changes.kinds:
            self._fill_years()

    # -- making the files --------------------------------------------------------------
    def _save_path(self, caption: str, name: str) -> Path | None:
        folder = self._folder or default_export_folder()
        chosen, _ = QFileDialog.getSaveFileName(
            self, caption, str(folder / name), "PDF files (*.pdf)"
        )
        if not chosen:
            return None
        remember(Path(chosen))
        return pdf_path(chosen)

    def create_board_summary(self, target: Path | None = None) -> Path | None:
        """Say what leaves the register, ask where to save it, write it; the path or None."""
        say_in(self.board_status, "")
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
        chosen = self._leave_to(
            "Board summary",
            f"A PDF of the board summary for {period}, saved where you choose next.",
            [(s, sentence_case(s)) for s in BOARD_SECTIONS],
            target
            or ("Save the board summary", f"Board summary {start:%d-%m-%Y} to {end:%d-%m-%Y}.pdf"),
        )
        if chosen is None:
            return None
        return self._write(
            self.board_button,
            self.board_status,
            "Writing the board summary…",
            lambda register: write_board_summary(register, start, end, chosen),
        )

    def create_annual_return(self, target: Path | None = None) -> Path | None:
        """Say what leaves the register, ask where to save it, write it; the path or None."""
        say_in(self.annual_status, "")
        year = self.chosen_year()
        if not self.session.is_open or year is None:
            return None
        from nhsip_desktop.reports.annual_return import (
            ANNUAL_RETURN_SECTIONS,
            write_annual_return,
        )

        label = year_label(year)
        chosen = self._leave_to(
            "Annual return",
            f"A PDF of the IP annual return for the financial year {label}, saved where you "
            "choose next.",
            [(s, s) for s in ANNUAL_RETURN_SECTIONS],
            target or ("Save the annual return", f"IP annual return {label}.pdf"),
        )
        if chosen is None:
            return None
        return self._write(
            self.annual_button,
            self.annual_status,
            "Writing the annual return…",
            lambda register: write_annual_return(register, year, chosen),
        )

    def _leave_to(
        self,
        title: str,
        notice: str,
        sections: list[tuple[str, str]],
        target: Path | tuple[str, str],
    ) -> Path | None:
        """Say what leaves the register; then ``target``, or ask where (caption, file name)."""
        dialog = LeavingRegisterDialog(title, notice, sections, parent=self)
        accepted = bool(dialog.exec())
        dialog.deleteLater()
        if not accepted:
            return None
        return self._save_path(*target) if isinstance(target, tuple) else Path(target)

    def _write(
        self,
        button: QPushButton,
        status: QLabel,
        label: str,
        write: Callable[[Register], Path],
    ) -> Path | None:
        """Write a report on a worker thread (its own connection) behind a progress dialog,
        the button disabled meanwhile; say where it went or why not. The path or None."""
        button.setEnabled(False)
        say_in(status, label)
        try:
            outcome = run_with_register(
                self, self.session.register, label, lambda register, _: write(register)
            )
        finally:
            self._update_enabled()
        if not outcome.ok or outcome.value is None:
            said = outcome.error
            text = said if said.startswith("Not saved") else f"Not saved: {said}"
            say_in(status, text, problem=True)
            return None
        written = outcome.value
        self._folder = written.parent
        say_in(
            status,
            f"Saved: {written}\nRecorded in the audit trail. Keep it as securely as the register.",
        )
        return written

    def open_export(self) -> ExportResult | None:
        """The export dialog (modal while it writes); the pack written, if any."""
        say_in(self.export_status, "")
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
            say_in(self.export_status, f"Last export: {result.folder}")
        return result
