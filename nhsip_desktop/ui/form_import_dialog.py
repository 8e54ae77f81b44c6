"""Import a completed staff disclosure form (PDF), and save the blank form for staff.

The work is done by ``form_reader`` and ``register.form_imports`` (Qt-free); this dialog only
chooses the file and shows what the form says, with every problem marked in words and with
an icon (never by colour alone). Nothing is written until Import is pressed; the case then
appears in every view through the register's "changed" signal.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStyle,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from nhsip_desktop.interchange.disclosure_form import (
    FIELDS,
    FieldKind,
    FormProblem,
    field_label,
    normalised,
    to_current,
)
from nhsip_desktop.interchange.form_reader import CompletedForm, read_form
from nhsip_desktop.store.errors import RegisterError
from nhsip_desktop.store.register import Register

from .file_dialogs import remember, start_folder, suggested
from .import_preview import ImportBase, off_thread
from .kit.parts import headed_column
from .screen_fit import fit_to_screen
from .widgets import add_row
from .worker import run_with_register

MUST_FIX = "Must be put right"
TO_COMPLETE = "To complete"


class FormImportDialog(ImportBase):
    """Read a completed disclosure form, preview it, and import it as a case."""

    TITLE, PLACEHOLDER = "Import a completed disclosure form", "No form chosen yet"
    BUTTON, SUMMARY = "&Choose form…", "Choose a completed form to see what it says."

    def __init__(
        self, register: Register, parent: QWidget | None = None, *, path: Path | None = None
    ) -> None:
        super().__init__(register, parent)
        self.form: CompletedForm | None = None
        self.duplicate_of: str | None = None
        self.imported_reference: str | None = None
        self.choose_button.setAccessibleName("Choose the completed form")
        file_label = QLabel("&Form:")
        file_label.setBuddy(self.file_edit)
        self.file_edit.setAccessibleName("Completed form")
        self.file_edit.setAccessibleDescription("The PDF a member of staff filled in and sent.")

        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        problems_label = QLabel("&Problems found:")
        self.problems = QListWidget()
        self.problems.setAccessibleName("Problems found in the form")
        self.problems.setAccessibleDescription(
            "Each problem says whether it must be put right before importing, or can be "
            "completed in the app after importing the form as a draft."
        )
        self.problems.setWordWrap(True)
        self.problems.setMaximumHeight(150)
        problems_label.setBuddy(self.problems)

        answers_label = QLabel("What the form &says:")
        self.answers = QTableWidget(0, 3)
        self.answers.setHorizontalHeaderLabels(["Check", "Question", "Answer"])
        self.answers.setAccessibleName("What the form says")
        self.answers.setAccessibleDescription(
            "One row for each question answered on the form; the Check column marks answers "
            "with a problem."
        )
        self.answers.verticalHeader().setVisible(False)
        self.answers.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.answers.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.answers.setWordWrap(True)
        head = self.answers.horizontalHeader()
        head.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        head.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        head.setStretchLastSection(True)
        self.answers.setColumnWidth(0, 140)
        self.answers.setColumnWidth(1, 320)
        answers_label.setBuddy(self.answers)

        self.missing_note = QLabel()
        self.missing_note.setObjectName("warningText")
        self.missing_note.setWordWrap(True)
        self.missing_note.setAccessibleName("Questions this older form did not ask")
        self.missing_note.hide()

        self.as_draft = QCheckBox("Import it as a &draft, and complete it in the app")
        self.as_draft.setAccessibleDescription(
            "The form is not complete enough to submit. Tick to import it as a draft case; "
            "what is missing is listed above."
        )
        self.as_draft.toggled.connect(self._update_buttons)
        self.as_draft.hide()

        top = QHBoxLayout()
        top.addWidget(file_label)
        top.addWidget(self.file_row, 1)
        layout = self._begin_layout(
            "Choose the form a member of staff filled in and sent back. Check what it says; "
            "nothing is added until you press Import. The case is created with the form kept, "
            "encrypted, among its files."
        )
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.missing_note)
        layout.addWidget(problems_label)
        layout.addWidget(self.problems)
        layout.addWidget(answers_label)
        layout.addWidget(self.answers, 1)
        layout.addWidget(self.as_draft)
        layout.addWidget(self.message)
        layout.addLayout(self._buttons())
        fit_to_screen(self, 900, 720)
        self._update_buttons()
        if path is not None:
            self.load_file(Path(path))

    # -- reading --------------------------------------------------------------------------
    def choose_file(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self,
            "Choose a completed disclosure form",
            str(start_folder()),
            "PDF forms (*.pdf);;All files (*)",
        )
        if name:
            self.load_file(Path(name))

    def load_file(self, path: Path) -> None:
        """Read ``path`` and show what it says (or why it cannot be read)."""
        self.form = None
        self.duplicate_of = None
        self.imported_reference = None
        self.file_edit.setText(str(path))
        self.file_edit.setToolTip(str(path))
        self.problems.clear()
        self.answers.setRowCount(0)
        self.missing_note.hide()
        self.as_draft.setChecked(False)
        self._show_message("")
        self.close_button.setText("Close")
        try:
            form = off_thread(self, "Reading the form…", lambda: read_form(path))
        except RegisterError as exc:
            self.summary.setText("This file cannot be imported.")
            self._add_problem(FormProblem("", str(exc), blocking=True))
            self._update_buttons()
            return
        self.form = form
        reading = form.reading
        try:
            earlier = self.register.form_imports.find(reading.fields_sha256)
        except RegisterError:
            earlier = None
        if earlier is not None:
            self.duplicate_of = earlier.reference
            self.summary.setText(
                f"This form has already been imported, as case {earlier.reference}. It will "
                "not be imported again."
            )
        else:
            self.summary.setText(reading.summary_text())
        if reading.missing:
            self.missing_note.setText(
                f"This is version {form.version} of the form, which did not ask about: "
                f"{'; '.join(reading.missing)}. Ask the innovator about these."
            )
            self.missing_note.show()
        for problem in reading.problems:
            self._add_problem(problem)
        if not reading.problems:
            item = QListWidgetItem(
                self.style().standardIcon(QStyle.StandardPixmap.SP_DialogApplyButton),
                "No problems: every check a submission needs has passed.",
            )
            self.problems.addItem(item)
        self._fill_answers(form)
        self._update_buttons()

    def _add_problem(self, problem: FormProblem) -> None:
        icon = (
            QStyle.StandardPixmap.SP_MessageBoxCritical
            if problem.blocking
            else QStyle.StandardPixmap.SP_MessageBoxWarning
        )
        where = f"{field_label(problem.field)}: " if problem.field else ""
        kind = MUST_FIX if problem.blocking else TO_COMPLETE
        item = QListWidgetItem(self.style().standardIcon(icon), f"{kind}: {where}{problem.message}")
        item.setToolTip(problem.message)
        self.problems.addItem(item)

    def _fill_answers(self, form: CompletedForm) -> None:
        current, _missing = to_current(form.values, form.version)
        values = normalised(current)
        by_field: dict[str, FormProblem] = {}
        for issue in form.reading.problems:
            by_field.setdefault(issue.field, issue)
        kinds = {f.name: f.kind for f in FIELDS}
        self.answers.setRowCount(0)
        for name, value in values.items():
            row = self.answers.rowCount()
            self.answers.insertRow(row)
            problem = by_field.get(name)
            if problem is not None:
                icon = (
                    QStyle.StandardPixmap.SP_MessageBoxCritical
                    if problem.blocking
                    else QStyle.StandardPixmap.SP_MessageBoxWarning
                )
                check = QTableWidgetItem(
                    self.style().standardIcon(icon), MUST_FIX if problem.blocking else TO_COMPLETE
                )
                check.setToolTip(problem.message)
            else:
                check = QTableWidgetItem("OK")
            shown = "Ticked" if kinds.get(name) is FieldKind.CHECK else value
            answer = QTableWidgetItem(shown)
            answer.setToolTip(shown)
            self.answers.setItem(row, 0, check)
            self.answers.setItem(row, 1, QTableWidgetItem(field_label(name)))
            self.answers.setItem(row, 2, answer)
        self.answers.resizeRowsToContents()

    # -- importing ------------------------------------------------------------------------
    def _update_buttons(self) -> None:
        form = self.form
        reading = form.reading if form else None
        needs_draft = bool(
            reading and reading.can_import and not reading.complete and not self.duplicate_of
        )
        self.as_draft.setVisible(needs_draft and not self.imported_reference)
        allowed = bool(
            reading
            and reading.can_import
            and not self.duplicate_of
            and not self.imported_reference
            and (reading.complete or self.as_draft.isChecked())
        )
        self.import_button.setEnabled(allowed)
        if self.imported_reference:
            self.import_button.setText("Imported")
        elif needs_draft:
            self.import_button.setText("&Import as a draft")
        else:
            self.import_button.setText("&Import")
        self.import_button.setToolTip(
            "Tick the box above to import it as a draft."
            if needs_draft and not self.as_draft.isChecked()
            else ""
        )

    def do_import(self) -> bool:
        """Import the form; True when a case was created."""
        if self.form is None or not self.import_button.isEnabled():
            return False
        form, as_draft = self.form, self.as_draft.isChecked()
        self.import_button.setEnabled(False)
        outcome = run_with_register(
            self,
            self.register,
            "Importing the form…",
            lambda register, _: register.form_imports.import_form(form, as_draft=as_draft),
        )
        if not outcome.ok or outcome.value is None:
            self._show_message(f"{outcome.error} Nothing was imported.", error=True)
            self._update_buttons()
            return False
        case = outcome.value
        self.imported_reference = case.reference
        self.summary.setText("Import finished.")
        self._show_message(
            f"Imported as case {case.reference} ({case.stage.label}), with the form kept among "
            "its files. If the form came by email, delete it there once it is safely here."
        )
        self.close_button.setText("Done")
        self.close_button.setDefault(True)
        self._update_buttons()
        return True


class BlankFormDialog(QDialog):
    """Save the blank disclosure form: asks who staff send completed forms to."""

    def __init__(self, register: Register, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.register = register
        self.saved_to: Path | None = None
        self.setWindowTitle("Save a blank disclosure form")
        self.setAccessibleName("Save a blank disclosure form")
        settings = register.settings.all()
        self.contact = QLineEdit(str(settings.get("ip_lead_contact") or ""))
        self.contact.setPlaceholderText("e.g. Priya Shah, innovation@trust.nhs.uk, 01632 960123")
        self.contact.textChanged.connect(self._update)
        form = QFormLayout()
        add_row(
            form,
            "&Send completed forms to:",
            self.contact,
            "Who staff send the completed form to: a name, an email address, a phone number. "
            "It is printed on every page of the form.",
        )
        organisation = str(settings["organisation"]).strip() or "(not set: see Settings)"
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Message")
        self.message.hide()
        self.save_button = QPushButton("&Save form…")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(lambda: self.save())
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(close)
        layout = headed_column(
            self,
            "Save a blank disclosure form",
            (
                "A fillable PDF that any member of staff can complete in a free PDF reader and "
                "send back to you, for importing with File > Import a completed disclosure "
                f"form. It shows your organisation ({organisation}), your marking and the "
                "contact below, and nothing else from the register, so it can go on the "
                "intranet or in an email. The contact is kept as the IP lead contact in "
                "Settings."
            ),
            top=16,
        )
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.resize(640, 260)
        self._update()

    def _update(self) -> None:
        self.save_button.setEnabled(bool(self.contact.text().strip()))

    def save(self, target: Path | None = None) -> Path | None:
        from nhsip_desktop.reports.disclosure_form import write_blank_form

        contact = " ".join(self.contact.text().split())
        if not contact:
            return None
        if target is None:
            name, _ = QFileDialog.getSaveFileName(
                self,
                "Save the blank disclosure form",
                suggested("Staff disclosure form.pdf"),
                "PDF (*.pdf)",
            )
            if not name:
                return None
            remember(Path(name))
            target = Path(name)
        try:
            # The contact is the register's IP lead contact (Settings): kept there, audited,
            # and offered again next time, on any computer.
            if contact != self.register.settings.all().get("ip_lead_contact"):
                self.register.settings.update(ip_lead_contact=contact)
            written = write_blank_form(self.register, target, contact)
        except RegisterError as exc:
            self.message.setObjectName("errorText")
            self.message.setText(str(exc))
            self.message.show()
            return None
        self.saved_to = written
        self.message.setObjectName("paragraph")
        self.message.setText(f"Saved the blank form to {written}.")
        self.message.show()
        return written
