"""The IP policy builder dialog: the trust's IP policy drafted over Annex A's twelve headings.

On the left, the twelve headings (each says whether it is in the draft); on the right, one
page per heading: its guidance reference and a line of help, whether to include it, the facts
it repeats from the register (read only: they are changed where they are kept, so the policy
always says what the register says), the choices the policy makes, and a preview of the
section as drafted. Above, the version, approver, approval and review dates (the review a
year on unless chosen otherwise). Below, saving as Word (DOCX) or PDF, and recording the
version in the governance record.

Every input has a visible label (or carries its own words) and an accessible name; everything
is reachable by keyboard (the heading list, then the page, then the buttons). The dialog
re-reads the register's facts when the session says the register changed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from nhsip_desktop.assets.renewals import add_months
from nhsip_desktop.cases.model import format_date
from nhsip_desktop.governance.policy_builder import (
    Choice,
    Choices,
    Framework,
    Heading,
    PolicyDocument,
    PolicyFacts,
    PolicyMeta,
    build_document,
    fact_lines,
    load_framework,
    section_lines,
    validate_choices,
)
from nhsip_desktop.store.errors import RegisterError, ValidationError

from .file_dialogs import suggested
from .list_editor import parse_date
from .screen_fit import fit_to_screen
from .session import RegisterSession
from .widgets import heading, paragraph

__all__ = ["PolicyBuilderDialog"]

Problems = list[tuple[str, str]]


def _line(text: str = "", placeholder: str = "") -> QLineEdit:
    field = QLineEdit(text)
    if placeholder:
        field.setPlaceholderText(placeholder)
    return field


def _labelled(form: QFormLayout, label: str, field: QWidget, help_text: str = "") -> None:
    caption = QLabel(label)
    caption.setBuddy(field)
    caption.setWordWrap(True)
    field.setAccessibleName(label.replace("&", "").rstrip(":"))
    if help_text:
        field.setAccessibleDescription(help_text)
        field.setToolTip(help_text)
    form.addRow(caption, field)


class _HeadingPage(QWidget):
    """One heading's page: reference, help, include, facts, choices and the preview."""

    def __init__(self, heading_: Heading, on_change: Any) -> None:
        super().__init__()
        self.heading = heading_
        self.fields: dict[str, Any] = {}
        self.option_boxes: dict[str, dict[str, QCheckBox]] = {}

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 8, 8)
        layout.setSpacing(8)
        title = heading(f"{heading_.number}. {heading_.title}", 2)
        layout.addWidget(title)
        reference = QLabel(f"Guidance: {heading_.reference}")
        reference.setObjectName("guidanceRef")
        reference.setAccessibleName(f"Guidance reference: {heading_.reference}")
        layout.addWidget(reference)
        layout.addWidget(paragraph(heading_.help))

        self.include = QCheckBox("&Include this heading in the policy")
        self.include.setAccessibleName(f"Include heading {heading_.number} in the policy")
        self.include.toggled.connect(on_change)
        layout.addWidget(self.include)

        self.facts_box = QGroupBox("From the register (change these where they are kept)")
        self.facts_box.setAccessibleName("Facts from the register")
        self.facts_form = QFormLayout(self.facts_box)
        self.facts_form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.facts_box.setVisible(bool(heading_.facts))
        layout.addWidget(self.facts_box)

        self.choices_box = QGroupBox("Choices for this section")
        self.choices_box.setAccessibleName("Choices for this section")
        form = QFormLayout(self.choices_box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        form.setVerticalSpacing(8)
        for choice in heading_.choices:
            self._add_choice(form, choice, on_change)
        layout.addWidget(self.choices_box)

        caption = QLabel("How this section reads in the draft:")
        self.preview = QPlainTextEdit()
        self.preview.setReadOnly(True)
        self.preview.setTabChangesFocus(True)
        self.preview.setMinimumHeight(170)
        self.preview.setAccessibleName(f"Preview of section {heading_.number} as drafted")
        caption.setBuddy(self.preview)
        layout.addWidget(caption)
        layout.addWidget(self.preview, 1)

    def _add_choice(self, form: QFormLayout, choice: Choice, on_change: Any) -> None:
        if choice.kind == "bool":
            box = QCheckBox(choice.label)
            box.setAccessibleName(choice.label)
            box.setAccessibleDescription(choice.help)
            box.setToolTip(choice.help)
            box.toggled.connect(on_change)
            form.addRow(box)
            self.fields[choice.id] = box
        elif choice.kind == "text":
            line = QLineEdit()
            line.textChanged.connect(on_change)
            _labelled(form, f"{choice.label}:", line, choice.help)
            self.fields[choice.id] = line
        elif choice.kind == "number":
            spin = QSpinBox()
            spin.setRange(choice.minimum, choice.maximum)
            spin.setMaximumWidth(110)
            spin.valueChanged.connect(on_change)
            _labelled(form, f"{choice.label}:", spin, choice.help)
            self.fields[choice.id] = spin
        elif choice.kind == "choice":
            combo = QComboBox()
            for option in choice.options:
                combo.addItem(option.label, option.value)
            combo.currentIndexChanged.connect(on_change)
            _labelled(form, f"{choice.label}:", combo, choice.help)
            self.fields[choice.id] = combo
        else:
            group = QGroupBox(choice.label)
            group.setAccessibleName(choice.label)
            group.setToolTip(choice.help)
            column = QVBoxLayout(group)
            column.setSpacing(3)
            boxes: dict[str, QCheckBox] = {}
            for option in choice.options:
                box = QCheckBox(option.label)
                box.setAccessibleName(f"{choice.label}: {option.label}")
                box.toggled.connect(on_change)
                column.addWidget(box)
                boxes[option.value] = box
            form.addRow(group)
            self.fields[choice.id] = group
            self.option_boxes[choice.id] = boxes

    def set_values(self, values: dict[str, Any]) -> None:
        self.include.setChecked(bool(values.get("include", True)))
        for choice in self.heading.choices:
            value = values.get(choice.id, choice.default)
            field = self.fields[choice.id]
            if choice.kind == "bool":
                field.setChecked(bool(value))
            elif choice.kind == "text":
                field.setText(str(value))
            elif choice.kind == "number":
                field.setValue(int(value))
            elif choice.kind == "choice":
                field.setCurrentIndex(max(0, field.findData(value)))
            else:
                for option, box in self.option_boxes[choice.id].items():
                    box.setChecked(option in value)
        self._enable()

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {"include": self.include.isChecked()}
        for choice in self.heading.choices:
            field = self.fields[choice.id]
            if choice.kind == "bool":
                out[choice.id] = field.isChecked()
            elif choice.kind == "text":
                out[choice.id] = field.text()
            elif choice.kind == "number":
                out[choice.id] = field.value()
            elif choice.kind == "choice":
                out[choice.id] = field.currentData()
            else:
                out[choice.id] = [
                    v for v, box in self.option_boxes[choice.id].items() if box.isChecked()
                ]
        return out

    def _enable(self) -> None:
        self.choices_box.setEnabled(self.include.isChecked())

    def show_facts(self, facts: PolicyFacts) -> None:
        while self.facts_form.rowCount():
            self.facts_form.removeRow(0)
        for label, value in fact_lines(facts, self.heading.facts):
            text = QLabel(value)
            text.setWordWrap(True)
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            text.setAccessibleName(f"{label}: {value}")
            self.facts_form.addRow(QLabel(f"{label}:"), text)


class PolicyBuilderDialog(QDialog):
    """Draft the IP policy over the Annex A headings; save DOCX or PDF; record the version."""

    def __init__(
        self,
        session: RegisterSession,
        parent: QWidget | None = None,
        framework: Framework | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.framework = framework or load_framework()
        self.setWindowTitle("Draft the IP policy")
        self.setAccessibleName("Draft the IP policy")
        self._loading = True
        drafts = session.register.policy_drafts
        self.facts: PolicyFacts = drafts.current_facts()
        start = drafts.starting_choices(self.framework, self.facts)
        meta = drafts.starting_meta(dt.date.today())
        self.last_written: list[Path] = []

        # Version and dates, two to a row.
        self.version = _line(meta.version, "e.g. 2.0")
        self.approved_by = _line(meta.approved_by, "e.g. Trust Board")
        self.approved_on = _line("", "dd/mm/yyyy")
        self.review_on = _line(format_date(meta.review_due), "dd/mm/yyyy")
        dates = QWidget()
        grid = QGridLayout(dates)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(6)
        cells = (
            ("&Version:", self.version, "The version of the policy this draft becomes.", 140),
            ("Approved b&y:", self.approved_by, "The board or committee that approves it.", 320),
            (
                "Appro&val date:",
                self.approved_on,
                "Leave empty until the policy is approved; today or earlier.",
                140,
            ),
            (
                "Next re&view due:",
                self.review_on,
                "A year after approval (or after today, while it is a draft), or sooner.",
                140,
            ),
        )
        for index, (label, field, help_text, width) in enumerate(cells):
            caption = QLabel(label)
            caption.setBuddy(field)
            field.setAccessibleName(label.replace("&", "").rstrip(":"))
            field.setAccessibleDescription(help_text)
            field.setToolTip(help_text)
            field.setFixedWidth(width)
            row, column = divmod(index, 2)
            grid.addWidget(caption, row, column * 2)
            grid.addWidget(field, row, column * 2 + 1)
        grid.setColumnStretch(1, 0)
        grid.setColumnMinimumWidth(1, 170)
        grid.setColumnStretch(4, 1)
        self._auto_review = self.review_on.text()
        self.approved_on.editingFinished.connect(self._approval_changed)

        # Headings and pages.
        self.headings = QListWidget()
        self.headings.setAccessibleName("Annex A headings")
        self.headings.setMinimumWidth(300)
        self.headings.setMaximumWidth(340)
        self.headings.setWordWrap(True)
        self.headings.setSpacing(3)
        self.pages = QStackedWidget()
        self.page_for: dict[str, _HeadingPage] = {}
        for item in self.framework.headings:
            page = _HeadingPage(item, self._changed)
            page.show_facts(self.facts)
            page.set_values(start[item.key])
            self.page_for[item.key] = page
            self.pages.addWidget(page)
            entry = QListWidgetItem()
            self.headings.addItem(entry)
        self.headings.currentRowChanged.connect(self._show_page)
        scroll = QScrollArea()
        scroll.setWidget(self.pages)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.page_scroll = scroll

        middle = QHBoxLayout()
        middle.setSpacing(14)
        middle.addWidget(self.headings)
        middle.addWidget(scroll, 1)

        # Actions.
        self.error = QLabel()
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self.error.setAccessibleName("Problem")
        self.error.hide()
        self.status = QLabel()
        self.status.setObjectName("hintText")
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Status")
        self.docx_button = QPushButton("Save as &Word (DOCX)…")
        self.docx_button.setAccessibleName("Save the draft as a Word document")
        self.docx_button.clicked.connect(lambda: self.save_docx())
        self.pdf_button = QPushButton("Save as &PDF…")
        self.pdf_button.setAccessibleName("Save the draft as a PDF")
        self.pdf_button.clicked.connect(lambda: self.save_pdf())
        self.record_button = QPushButton("&Record this version")
        self.record_button.setAccessibleName("Record this version in the governance record")
        self.record_button.setToolTip(
            "Records the version, its dates and the headings covered in the governance record, "
            "with the register facts it was drafted from."
        )
        self.record_button.clicked.connect(self.record_version)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        for button in (self.docx_button, self.pdf_button, self.record_button, self.close_button):
            buttons.addWidget(button)
        for button in (self.docx_button, self.pdf_button, self.record_button, self.close_button):
            button.setAutoDefault(False)  # Enter in a box never saves or records by surprise

        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 14)
        layout.setSpacing(10)
        layout.addWidget(
            paragraph(
                "Step 1 asks for an IP policy that is reviewed every year and published; "
                "Annex A suggests twelve headings for it. Make the choices under each heading: "
                "roles, stage gates, revenue-sharing bands and the feedback target come from "
                "the register, so the draft says what the register says."
            )
        )
        layout.addWidget(dates)
        layout.addLayout(middle, 1)
        layout.addWidget(self.error)
        layout.addLayout(buttons)

        QWidget.setTabOrder(self.review_on, self.headings)
        self._loading = False
        self._changed()
        self.headings.setCurrentRow(0)
        session.changed.connect(self._register_changed)
        fit_to_screen(self, 1180, 820)

    # -- state ----------------------------------------------------------------------------
    def choices(self) -> Choices:
        return {key: page.values() for key, page in self.page_for.items()}

    def meta(self, problems: Problems) -> PolicyMeta:
        """The version and dates as typed (problems with the dates are added to ``problems``)."""
        approved_on = review_on = None
        try:
            approved_on = parse_date(self.approved_on.text())
        except ValueError as exc:
            problems.append(("approved_on", str(exc)))
        try:
            review_on = parse_date(self.review_on.text())
        except ValueError as exc:
            problems.append(("review_on", str(exc)))
        return PolicyMeta(
            version=self.version.text(),
            approved_by=self.approved_by.text(),
            drafted_on=dt.date.today(),
            approved_on=approved_on,
            review_on=review_on,
        )

    def document(self) -> PolicyDocument | None:
        """The draft as it stands, or ``None`` after showing what must be corrected."""
        problems: Problems = []
        meta = self.meta(problems)
        found = {f for f, _m in problems}
        problems += [p for p in meta.validate(dt.date.today()) if p[0] not in found]
        choices = self.choices()
        problems += validate_choices(self.framework, choices)
        if problems:
            self.show_problems(problems)
            return None
        self.show_problems([])
        return build_document(self.framework, choices, self.facts, meta)

    def show_problems(self, problems: Problems) -> None:
        self.error.setText(" ".join(message for _f, message in problems))
        self.error.setVisible(bool(problems))
        if not problems:
            return
        key = problems[0][0]
        fields = {
            "version": self.version,
            "approved_by": self.approved_by,
            "approved_on": self.approved_on,
            "review_on": self.review_on,
        }
        if key in fields:
            fields[key].setFocus()
            return
        heading_key, _, choice_id = key.partition(".")
        for row, item in enumerate(self.framework.headings):
            if item.key == heading_key:
                self.headings.setCurrentRow(row)
                field = self.page_for[heading_key].fields.get(choice_id)
                if isinstance(field, QWidget):
                    field.setFocus()

    # -- reacting -------------------------------------------------------------------------
    def _approval_changed(self) -> None:
        """The review follows the approval date (a year on) until it is typed over."""
        if self.review_on.text() != self._auto_review:
            return
        try:
            approved = parse_date(self.approved_on.text())
        except ValueError:
            return
        due = add_months(approved or dt.date.today(), 12)
        self._auto_review = format_date(due)
        self.review_on.setText(self._auto_review)

    def _show_page(self, row: int) -> None:
        if row >= 0:
            self.pages.setCurrentIndex(row)
            self.page_scroll.verticalScrollBar().setValue(0)

    def _changed(self, *_args: object) -> None:
        if self._loading:
            return
        choices = self.choices()
        for row, item in enumerate(self.framework.headings):
            page = self.page_for[item.key]
            page._enable()
            included = choices[item.key]["include"]
            words = "in the draft" if included else "left out of the draft"
            entry = self.headings.item(row)
            entry.setText(f"{item.number}. {item.title}" + ("" if included else "\n    (left out)"))
            entry.setData(
                Qt.ItemDataRole.AccessibleTextRole, f"{item.number}. {item.title}, {words}"
            )
        self._preview(choices)

    def _preview(self, choices: Choices) -> None:
        problems = validate_choices(self.framework, choices)
        meta = self.meta([])
        if meta.review_on is not None and meta.review_on <= (meta.approved_on or meta.drafted_on):
            meta = dataclasses.replace(meta, review_on=None)
        document = None if problems else build_document(self.framework, choices, self.facts, meta)
        sections = {s.annex_number: s for s in document.sections} if document else {}
        for item in self.framework.headings:
            page = self.page_for[item.key]
            if not choices[item.key]["include"]:
                text = "Left out of this draft: the coverage table will say so."
            elif document is None:
                text = "Correct the choices marked, and the preview will return."
            else:
                section = sections[item.number]
                text = "\n".join([f"{section.number}. {section.title}", *section_lines(section)])
            if page.preview.toPlainText() != text:
                page.preview.setPlainText(text)

    def _register_changed(self, changes: object) -> None:
        if not self.session.is_open:
            return
        try:
            facts = self.session.register.policy_drafts.current_facts()
        except ValueError:
            return
        if facts != self.facts:
            self.facts = facts
            for page in self.page_for.values():
                page.show_facts(facts)
            self._changed()

    # -- saving ---------------------------------------------------------------------------
    def _target(self, title: str, suffix: str, kind: str) -> Path | None:
        name = f"IP policy version {self.version.text().strip() or 'draft'}{suffix}"
        chosen, _ = QFileDialog.getSaveFileName(self, title, suggested(name), kind)
        return Path(chosen) if chosen else None

    def _write(self, target: Path | None, pdf: bool) -> Path | None:
        from nhsip_desktop.reports.policy import write_policy_docx, write_policy_pdf

        document = self.document()
        if document is None or not self.session.is_open:
            return None
        if target is None:
            if pdf:
                target = self._target("Save the draft IP policy as PDF", ".pdf", "PDF (*.pdf)")
            else:
                target = self._target(
                    "Save the draft IP policy as a Word document", ".docx", "Word (*.docx)"
                )
            if target is None:
                return None
        writer = write_policy_pdf if pdf else write_policy_docx
        try:
            written = writer(self.session.register, document, target)
        except (RegisterError, OSError) as exc:
            self.show_problems([("", f"Not saved: {exc}")])
            return None
        self.last_written.append(written)
        self.status.setText(
            f"Saved {written.name} at {dt.datetime.now():%H:%M} (recorded in the audit trail). "
            "Record this version once it is final, so the governance record keeps it."
        )
        return written

    def save_docx(self, target: Path | None = None) -> Path | None:
        """Save the draft as a Word document (``target`` skips asking where)."""
        return self._write(target, pdf=False)

    def save_pdf(self, target: Path | None = None) -> Path | None:
        """Save the draft as a PDF (``target`` skips asking where)."""
        return self._write(target, pdf=True)

    def record_version(self) -> bool:
        """Record this version in the governance record (version, dates, headings covered)
        with the register facts it was drafted from."""
        document = self.document()
        if document is None or not self.session.is_open:
            return False
        try:
            draft = self.session.register.policy_drafts.record(
                document.meta, self.choices(), self.facts, self.framework
            )
        except ValidationError as exc:
            self.show_problems(exc.problems or [("", str(exc))])
            return False
        except (RegisterError, ValueError) as exc:
            self.show_problems([("", f"Not recorded: {exc}")])
            return False
        self.status.setText(
            f"Version {draft.version} recorded in the governance record at "
            f"{dt.datetime.now():%H:%M}, covering {len(document.sections)} of the 12 Annex A "
            "headings."
        )
        return True
