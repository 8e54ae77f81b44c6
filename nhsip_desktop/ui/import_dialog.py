"""Import cases from a spreadsheet: choose the file, match its columns, check, import.

The work is done by ``nhsip_desktop.interchange.importer`` (Qt-free); this dialog only gathers the
mapping and shows the preview. Nothing is written to the register until Import is pressed,
and then every good row goes in one transaction. The last mapping used for a file name is
remembered in the app's config folder (headings and field names only, never register
content).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableView,
    QTableWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from nhsip_desktop.app.appconfig import config_dir
from nhsip_desktop.cases.model import Stage
from nhsip_desktop.interchange.importer import (
    ImportMapping,
    ImportPreview,
    Table,
    guess_layout,
    import_rows,
    list_sheets,
    load_mapping,
    preview,
    read_table,
    suggest_mapping,
    write_refusal_report,
)
from nhsip_desktop.store.errors import RegisterError
from nhsip_desktop.store.register import Register
from nhsip_desktop.ui.file_dialogs import remember, start_folder

from .import_preview import PreviewModel, off_thread, problems_text
from .import_tables import COLUMNS_WIDTHS, WORDS_WIDTHS, MappingTables, size_columns
from .screen_fit import fit_to_screen
from .widgets import paragraph
from .worker import run_with_register

PREVIEW_ROWS = 200
DATE_CHOICES: list[tuple[str, str | None]] = [
    ("Day first: 31/01/2024", None),
    ("Month first (US): 01/31/2024", "%m/%d/%Y"),
    ("Year first: 2024/01/31", "%Y/%m/%d"),
]


def remembered_mapping_path(file_name: str) -> Path:
    """Where the last mapping used for a file of this name is kept."""
    safe = re.sub(r"[^\w.-]+", "_", file_name.casefold()).strip("._")[:120] or "file"
    return config_dir() / "import-mappings" / f"{safe}.json"


def _layout(path: Path) -> tuple[list[str], tuple[str | None, int] | None]:
    """The file's sheets and its guessed layout (None when it cannot be guessed)."""
    sheets = list_sheets(path)
    try:
        return sheets, guess_layout(path)
    except RegisterError:
        return sheets, None


def _tab_page(intro: str, table: QTableWidget) -> tuple[QWidget, QVBoxLayout]:
    """One step's tab: what to do, in words, above its table."""
    page = QWidget()
    box = QVBoxLayout(page)
    box.setContentsMargins(8, 8, 8, 8)
    box.addWidget(paragraph(intro))
    box.addWidget(table, 1)
    return page, box


def _grid_label(
    grid: QGridLayout, row: int, column: int, text: str, field: QWidget, help_text: str
) -> None:
    """A buddy label with the field's accessible name and help, as ``widgets.add_row`` does."""
    caption = QLabel(text)
    caption.setBuddy(field)
    field.setAccessibleName(text.replace("&", "").rstrip(":"))
    field.setAccessibleDescription(help_text)
    field.setToolTip(help_text)
    grid.addWidget(caption, row, column)


class ImportDialog(MappingTables):
    """Import cases from an .xlsx or CSV file into ``register``."""

    TITLE = "Import cases from a spreadsheet"  # the base's file field and button

    def __init__(
        self, register: Register, parent: QWidget | None = None, *, path: Path | None = None
    ) -> None:
        super().__init__(register, parent)
        self.path: Path | None = None
        self.table: Table | None = None
        self.mapping = ImportMapping()
        self.preview_result: ImportPreview | None = None
        self.imported = False
        self._building = False
        self._existing_titles = self._register_titles()

        self.sheet_combo = QComboBox()
        self.sheet_combo.currentIndexChanged.connect(self._sheet_changed)
        self.header_spin = QSpinBox()
        self.header_spin.setRange(1, 100)
        self.header_spin.valueChanged.connect(self._header_row_changed)
        self.date_combo = QComboBox()
        for label, fmt in DATE_CHOICES:
            self.date_combo.addItem(label, fmt)
        self.date_combo.currentIndexChanged.connect(self._options_changed)
        self.default_stage_combo = QComboBox()
        for stage in Stage:
            self.default_stage_combo.addItem(stage.label, stage.value)
        self.default_stage_combo.setCurrentIndex(list(Stage).index(Stage.SUBMITTED))
        self.default_stage_combo.currentIndexChanged.connect(self._options_changed)

        self.sheet_combo.setMinimumWidth(200)
        self.header_spin.setMaximumWidth(80)
        options = QGridLayout()
        options.setHorizontalSpacing(10)
        options.setVerticalSpacing(8)
        _grid_label(options, 0, 0, "&File:", self.file_edit, "The spreadsheet to import.")
        options.addWidget(self.file_row, 0, 1, 1, 4)
        _grid_label(options, 1, 0, "S&heet:", self.sheet_combo, "The sheet of the workbook.")
        options.addWidget(self.sheet_combo, 1, 1)
        _grid_label(
            options,
            2,
            0,
            "Headings in ro&w:",
            self.header_spin,
            "The row of the file that holds the column headings.",
        )
        options.addWidget(self.header_spin, 2, 1, Qt.AlignmentFlag.AlignLeft)
        _grid_label(
            options,
            1,
            2,
            "&Dates written as:",
            self.date_combo,
            "How dates typed as text are written. Dates like 2024-01-31 and real Excel date "
            "cells are always read.",
        )
        options.addWidget(self.date_combo, 1, 3)
        _grid_label(
            options,
            2,
            2,
            "Stage when &blank:",
            self.default_stage_combo,
            "The stage given to rows whose stage cell is empty (or when no column is the stage).",
        )
        options.addWidget(self.default_stage_combo, 2, 3)
        options.setColumnMinimumWidth(2, 0)
        options.setColumnStretch(4, 1)
        options.setColumnMinimumWidth(1, 200)
        options.setColumnMinimumWidth(3, 220)

        # -- matching columns (left) ----------------------------------------------------
        self.columns_table = QTableWidget(0, 3)
        self.columns_table.setHorizontalHeaderLabels(
            ["Column in your file", "Import as", "Example from the file"]
        )
        self.columns_table.setAccessibleName("Match columns to case fields")
        self.columns_table.setAccessibleDescription(
            "One row per column heading in the file, with the case field it is imported as."
        )
        self._table_look(self.columns_table)
        size_columns(self.columns_table, COLUMNS_WIDTHS)
        self.load_mapping_button = QPushButton("&Load mapping…")
        self.load_mapping_button.clicked.connect(self.load_mapping_file)
        self.save_mapping_button = QPushButton("Sa&ve mapping…")
        self.save_mapping_button.clicked.connect(self.save_mapping_file)
        columns_page, columns_box = _tab_page(
            "Choose what each column is. Columns set to “do not import” are skipped.",
            self.columns_table,
        )
        self.mapping_note = QLabel()
        self.mapping_note.setObjectName("warningText")
        self.mapping_note.setWordWrap(True)
        self.mapping_note.hide()
        columns_box.addWidget(self.mapping_note)
        mapping_buttons = QHBoxLayout()
        mapping_buttons.addWidget(self.load_mapping_button)
        mapping_buttons.addWidget(self.save_mapping_button)
        mapping_buttons.addStretch(1)
        columns_box.addLayout(mapping_buttons)

        self.words_table = QTableWidget(0, 3)
        self.words_table.setHorizontalHeaderLabels(["Word in your file", "Column", "Means"])
        self.words_table.setAccessibleName("Stage and IP words")
        self.words_table.setAccessibleDescription(
            "The stages and kinds of IP written in the file, and what each one means here."
        )
        self._table_look(self.words_table)
        self.words_table.horizontalHeader().setStretchLastSection(False)
        size_columns(self.words_table, WORDS_WIDTHS)
        words_page, _ = _tab_page(
            "The words your file uses for stages and kinds of IP. Say what any word marked "
            "“not recognised” means; the choice is saved with the mapping.",
            self.words_table,
        )

        # -- preview -------------------------------------------------------------------
        self.only_problems = QCheckBox("Show only rows with &problems")
        self.only_problems.toggled.connect(self._fill_preview)
        self.model = PreviewModel(self)
        self.preview_view = QTableView()
        self.preview_view.setModel(self.model)
        self.preview_view.setAccessibleName("Preview of the rows to import")
        self.preview_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.preview_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.preview_view.setWordWrap(True)
        self.preview_view.verticalHeader().setVisible(False)
        self.preview_view.verticalHeader().setDefaultSectionSize(26)
        header = self.preview_view.horizontalHeader()
        header.setStretchLastSection(True)
        for column, width in enumerate((44, 84, 190, 300, 90, 100, 84)):
            self.preview_view.setColumnWidth(column, width)
        self.preview_view.selectionModel().currentRowChanged.connect(self._show_row_detail)
        self.row_detail = QLabel()
        self.row_detail.setAccessibleName("Problems in the chosen row")
        self.row_detail.setWordWrap(True)
        self.row_detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.row_detail.setMinimumHeight(40)
        self.row_detail.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.shown_note = QLabel()
        self.shown_note.setObjectName("resultCount")
        preview_page = QWidget()
        preview_layout = QVBoxLayout(preview_page)
        preview_layout.setContentsMargins(8, 8, 8, 8)
        top = QHBoxLayout()
        top.addWidget(self.shown_note, 1)
        top.addWidget(self.only_problems)
        preview_layout.addLayout(top)
        preview_layout.addWidget(self.preview_view, 1)
        preview_layout.addWidget(self.row_detail)

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Import steps")
        self.tabs.addTab(columns_page, "1. Columns")
        self.tabs.addTab(words_page, "2. Stage and IP words")
        self.tabs.addTab(preview_page, "3. Preview")

        # -- importing -------------------------------------------------------------------
        self.leave_out = QCheckBox()
        self.leave_out.toggled.connect(self._update_buttons)
        self.leave_out.hide()
        self.report_button = QPushButton("Save &report of refused rows…")
        self.report_button.clicked.connect(self.save_refusal_report)

        layout = self._begin_layout(
            "Choose an Excel workbook (.xlsx) or CSV file, match its columns to case fields "
            "and check the preview. Nothing is added until you press Import; rows with "
            "problems are never imported."
        )
        layout.addLayout(options)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.leave_out)
        layout.addWidget(self.message)
        layout.addLayout(self._buttons(self.report_button))
        fit_to_screen(self, 1000, 700)
        self._update_buttons()
        if path is not None:
            self.load_file(Path(path))

    # -- helpers ------------------------------------------------------------------------
    @staticmethod
    def _table_look(table: QTableWidget) -> None:
        table.verticalHeader().setVisible(False)
        table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setWordWrap(False)
        head = table.horizontalHeader()
        head.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        head.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        head.setStretchLastSection(True)

    def _register_titles(self) -> list[str]:
        try:
            return self.register.cases.titles()
        except RegisterError:
            return []

    def _start_folder(self) -> str:
        return str(self.path.parent) if self.path else str(start_folder())

    # -- choosing and reading the file -----------------------------------------------------
    def choose_file(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self,
            "Choose a spreadsheet to import",
            self._start_folder(),
            "Spreadsheets (*.xlsx *.xlsm *.csv);;All files (*)",
        )
        if name:
            remember(Path(name))
            self.load_file(Path(name))

    def load_file(self, path: Path) -> None:
        """Open ``path``: its sheets, its remembered (or guessed) mapping, and the preview."""
        self.path = path
        self.imported = False
        self.file_edit.setText(str(path))
        self.file_edit.setToolTip(str(path))
        self._show_message("")
        self.mapping_note.hide()
        remembered: ImportMapping | None = None
        with contextlib.suppress(RegisterError):
            if remembered_mapping_path(path.name).exists():
                remembered = load_mapping(remembered_mapping_path(path.name))
        try:
            sheets, layout = off_thread(self, "Opening the file…", lambda: _layout(path))
        except RegisterError as exc:
            self._file_failed(str(exc))
            return
        mapping = remembered or ImportMapping()
        if remembered is None and layout is not None:
            mapping.sheet, mapping.header_row = layout
        if mapping.sheet not in sheets:
            mapping.sheet = sheets[0] if sheets else None
        self.sheet_combo.blockSignals(True)
        self.sheet_combo.clear()
        self.sheet_combo.addItems(sheets)
        self.sheet_combo.blockSignals(False)
        self.sheet_combo.setEnabled(bool(sheets))
        self.sheet_combo.setPlaceholderText("" if sheets else "Not used for CSV files")
        self._show_layout(mapping)
        self._read(keep_columns=remembered is not None)
        # Straight to the preview when the columns are known; else to matching them.
        self.tabs.setCurrentIndex(2 if self.preview_result is not None else 0)
        if remembered is not None and self.table is not None:
            self.mapping_note.setText(
                "Using the mapping you last used for a file of this name."
                + self._missing_note(remembered)
            )
            self.mapping_note.show()

    def _show_layout(self, mapping: ImportMapping) -> None:
        """Take ``mapping`` as the dialog's and show its sheet, heading row and options."""
        self.mapping = mapping
        self._building = True
        try:
            if mapping.sheet:
                self.sheet_combo.setCurrentText(mapping.sheet)
            self.header_spin.setValue(mapping.header_row)
            self._set_options(mapping)
        finally:
            self._building = False

    def _set_options(self, mapping: ImportMapping) -> None:
        index = next(
            (
                i
                for i in range(self.date_combo.count())
                if self.date_combo.itemData(i) == mapping.date_format
            ),
            -1,
        )
        if index < 0:
            self.date_combo.addItem(
                f"As in the mapping: {mapping.date_format}", mapping.date_format
            )
            index = self.date_combo.count() - 1
        self.date_combo.setCurrentIndex(index)
        self.default_stage_combo.setCurrentIndex(list(Stage).index(mapping.default_stage))

    def _missing_note(self, mapping: ImportMapping) -> str:
        if self.table is None:
            return ""
        present = {" ".join(h.casefold().split()) for h in self.table.headers}
        missing = [h for h in mapping.columns if " ".join(h.casefold().split()) not in present]
        if not missing:
            return ""
        return " It names columns that are not in this file, which are left out: " + ", ".join(
            repr(h) for h in missing
        )

    def _file_failed(self, text: str) -> None:
        self.table = None
        self.preview_result = None
        self.columns_table.setRowCount(0)
        self.words_table.setRowCount(0)
        self.model.set_rows([])
        self.summary.setText("Nothing can be imported from this file.")
        self.shown_note.clear()
        self.row_detail.clear()
        self._show_message(text, error=True)
        self._update_buttons()

    def _read(self, *, keep_columns: bool) -> None:
        """Read the table with the chosen sheet and heading row, then rebuild everything."""
        if self.path is None:
            return
        layout_only = ImportMapping(sheet=self.mapping.sheet, header_row=self.mapping.header_row)
        path = self.path
        try:
            self.table = off_thread(
                self, "Reading the rows…", lambda: read_table(path, layout_only)
            )
        except RegisterError as exc:
            self._file_failed(str(exc))
            return
        self._show_message("")
        headers = [h for h in self.table.headers if h]
        columns = {}
        if keep_columns:
            columns = {h: f for h in headers if (f := self.mapping.field_for(h)) is not None}
        if not columns:
            columns = suggest_mapping(headers).columns
        self.mapping.columns = columns
        self._fill_columns_table()
        self.refresh()

    def _sheet_changed(self) -> None:
        if self._building or self.path is None:
            return
        self.mapping.sheet = self.sheet_combo.currentText() or None
        self._read(keep_columns=True)

    def _header_row_changed(self) -> None:
        if self._building or self.path is None:
            return
        self.mapping.header_row = self.header_spin.value()
        self._read(keep_columns=True)

    def _options_changed(self) -> None:
        if self._building:
            return
        self.mapping.date_format = self.date_combo.currentData()
        self.mapping.default_stage = Stage(self.default_stage_combo.currentData())
        self.refresh()

    # -- the preview ------------------------------------------------------------------------
    def refresh(self, *, words: bool = True) -> None:
        """Check every row against the current mapping and show the result."""
        if words:
            self._fill_words_table()
        self.preview_result = None
        if self.table is None:
            self._update_buttons()
            return
        if "title" not in self.mapping.columns.values():
            self.model.set_rows([])
            self.summary.setText("Choose which column holds the title (every case needs one).")
            self.shown_note.clear()
            self.row_detail.clear()
            self._update_buttons()
            return
        table, mapping, titles = self.table, self.mapping, self._existing_titles
        try:
            self.preview_result = off_thread(
                self,
                "Checking every row…",
                lambda: preview(table, mapping, existing_titles=titles),
            )
        except RegisterError as exc:
            self.model.set_rows([])
            self.summary.setText("The mapping cannot be used yet.")
            self._show_message(str(exc), error=True)
            self._update_buttons()
            return
        self.summary.setText(self.preview_result.summary())
        self._fill_preview()
        self._update_buttons()

    def _fill_preview(self) -> None:
        if self.preview_result is None:
            return
        rows = (
            self.preview_result.bad_rows
            if self.only_problems.isChecked()
            else self.preview_result.rows
        )
        self.model.set_rows(rows[:PREVIEW_ROWS])
        self.preview_view.resizeRowsToContents()
        if len(rows) > PREVIEW_ROWS:
            self.shown_note.setText(
                f"Showing the first {PREVIEW_ROWS} of {len(rows):,} rows; the counts above "
                "cover every row."
            )
        else:
            notes = self.preview_result.warning_count
            self.shown_note.setText(
                f"{notes:,} ready {'row has' if notes == 1 else 'rows have'} a note to check "
                "(shaded yellow)."
                if notes
                else ""
            )
        first_bad = next((i for i, r in enumerate(self.model.rows) if r.errors), None)
        if first_bad is not None:
            self.preview_view.selectRow(first_bad)
        else:
            self.row_detail.setText("Choose a row to read its notes in full." if rows else "")

    def _show_row_detail(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid() or current.row() >= len(self.model.rows):
            self.row_detail.clear()
            return
        row = self.model.rows[current.row()]
        text = problems_text(row) or "No problems: this row will be imported."
        self.row_detail.setText(f"Row {row.row_number}: {text}")

    def _update_tab_titles(self) -> None:
        unknown = self._unrecognised_words()
        self.tabs.setTabText(
            1,
            f"2. Stage and IP words ({unknown} not recognised)"
            if unknown
            else "2. Stage and IP words",
        )
        result = self.preview_result
        bad = result.problem_count if result else 0
        self.tabs.setTabText(2, f"3. Preview ({bad:,} with problems)" if bad else "3. Preview")

    def _update_buttons(self) -> None:
        self._update_tab_titles()
        result = self.preview_result
        good = result.ready_count if result else 0
        bad = result.problem_count if result else 0
        if bad and good:
            self.leave_out.setText(
                f"Import the {good:,} good {'row' if good == 1 else 'rows'} and leave out the "
                f"{bad:,} with problems"
            )
        self.leave_out.setVisible(bool(bad and good) and not self.imported)
        allowed = good > 0 and (bad == 0 or self.leave_out.isChecked()) and not self.imported
        self.import_button.setEnabled(allowed)
        if self.imported:
            self.import_button.setText("Imported")
        else:
            self.import_button.setText(
                f"&Import {good:,} {'case' if good == 1 else 'cases'}" if good else "&Import"
            )
        self.import_button.setToolTip(
            "Tick the box above to import the good rows and leave out the others."
            if bad and good and not self.leave_out.isChecked()
            else ""
        )
        self.report_button.setEnabled(bad > 0)
        self.save_mapping_button.setEnabled(self.table is not None)

    # -- actions ----------------------------------------------------------------------------
    def do_import(self) -> bool:
        """Import the good rows; True if anything was imported."""
        if self.preview_result is None or self.imported:
            return False
        result, only_valid = self.preview_result, self.leave_out.isChecked()
        self.import_button.setEnabled(False)
        outcome = run_with_register(
            self,
            self.register,
            f"Importing {result.ready_count} cases…",
            lambda register, _: import_rows(register, result, only_valid=only_valid),
        )
        if not outcome.ok or outcome.value is None:
            self._show_message(outcome.error, error=True)
            self._update_buttons()
            return False
        report = outcome.value
        self.imported = True
        self._remember()
        self._existing_titles = self._register_titles()
        self.summary.setText("Import finished.")
        self._show_message(report.message())
        self.close_button.setText("Done")
        self.close_button.setDefault(True)
        self._update_buttons()
        return True

    def save_refusal_report(self) -> None:
        if self.preview_result is None or self.path is None:
            return
        result = self.preview_result
        target = self._save_as(
            "Save report of refused rows",
            self.path.parent / f"{self.path.stem}-refused-rows.csv",
            "CSV (*.csv)",
            lambda chosen: write_refusal_report(result, chosen),
        )
        if target is None:
            return
        self._remember()
        bad = self.preview_result.problem_count
        self._show_message(
            f"Saved the {bad:,} refused {'row' if bad == 1 else 'rows'} and why to {target}."
        )

    def save_mapping_file(self) -> None:
        if self.path is None:
            return
        try:
            self.mapping.check()
        except RegisterError as exc:
            self._show_message(f"Not saved: {exc}", error=True)
            return
        target = self._save_as(
            "Save mapping",
            self.path.parent / f"{self.path.stem}-mapping.json",
            "Import mapping (*.json)",
            self.mapping.to_file,
        )
        if target is not None:
            self._show_message(f"Saved the mapping to {target}.")

    def _save_as(
        self, title: str, suggested: Path, kinds: str, write: Callable[[Path], Path]
    ) -> Path | None:
        """Ask where to save, then ``write`` there; a refusal is shown, and None returned."""
        name, _ = QFileDialog.getSaveFileName(self, title, str(suggested), kinds)
        if not name:
            return None
        remember(Path(name))
        try:
            return write(Path(name))
        except RegisterError as exc:
            self._show_message(str(exc), error=True)
            return None

    def load_mapping_file(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "Load mapping", self._start_folder(), "Import mapping (*.json);;All files (*)"
        )
        if not name:
            return
        remember(Path(name))
        try:
            mapping = load_mapping(Path(name))
        except RegisterError as exc:
            self._show_message(str(exc), error=True)
            return
        self.apply_mapping(mapping)

    def apply_mapping(self, mapping: ImportMapping) -> None:
        """Use ``mapping`` for the chosen file (headings it names that are missing are noted)."""
        sheets = [self.sheet_combo.itemText(i) for i in range(self.sheet_combo.count())]
        if mapping.sheet not in sheets:
            mapping.sheet = self.mapping.sheet
        self._show_layout(mapping)
        wanted = dict(mapping.columns)
        self._read(keep_columns=True)
        note = self._missing_note(ImportMapping(columns=wanted))
        self.mapping_note.setText(("Mapping loaded." + note) if note else "Mapping loaded.")
        self.mapping_note.show()

    def _remember(self) -> None:
        """Keep this mapping for the next file of the same name (no register content)."""
        if self.path is None or "title" not in self.mapping.columns.values():
            return
        target = remembered_mapping_path(self.path.name)
        with contextlib.suppress(OSError, RegisterError):
            target.parent.mkdir(parents=True, exist_ok=True)
            self.mapping.to_file(target)

    def done(self, result: int) -> None:
        self._remember()
        super().done(result)
