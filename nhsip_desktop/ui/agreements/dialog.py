"""The agreement dialog: details, obligations, documents and (for a TTC agreement) the TTC tabs."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import re

from PySide6.QtCore import (
    Qt,
    QTimer,
)
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialogButtonBox,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from nhsip_desktop.agreements.model import (
    TRUST,
    Agreement,
    AgreementKind,
    LicenceType,
    Obligation,
    TtcReview,
    agreement_warnings,
    validate_agreement,
)
from nhsip_desktop.cases.model import format_date
from nhsip_desktop.store.errors import NotFoundError, RegisterError, ValidationError

from ..checklist_widget import ChecklistWidget
from ..kit import RecordTable, hint, problem_label
from ..kit.inputs import date_edit, form_layout, line_edit, text_box
from ..kit.parts import panel, save_cancel
from ..list_editor import FieldSpec, ListEditor, parse_date
from ..screen_fit import fit_to_screen
from ..session import RegisterSession
from ..style import sheet
from .fields import (
    DETAILS_TAB,
    OBLIGATIONS_TAB,
    _describe_obligation,
    _FieldsDialog,
    _whole_number,
)
from .files import (
    DocumentModel,
    FilesPart,
)
from .models import (
    _LICENCE_BACK_WHY,
    _STYLE,
    KINDS,
    LICENCE_BACK_CHOICES,
    LICENCE_TYPES,
    SAVE_DELAY_MS,
)
from .ttc import (
    TtcPart,
)


class AgreementDialog(TtcPart, FilesPart, _FieldsDialog):
    """Add (``agreement`` None) or edit an agreement. Save validates and saves through
    ``register.agreements.save``; on a problem the dialog stays open with everything typed.

    Tabs: Details, Obligations, Signed document and, for a TTC services agreement only,
    TTC checklist (Annex B) and Performance reviews.
    """

    tabs: QTabWidget

    def __init__(
        self,
        session: RegisterSession,
        agreement: Agreement | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(session, parent)
        self.setStyleSheet(sheet(_STYLE))
        register = session.register
        self.agreement: Agreement = dataclasses.replace(agreement) if agreement else Agreement()
        self.saved: Agreement | None = None
        self._reviews: list[TtcReview] = (
            register.agreements.reviews(self.agreement.id) if self.agreement.id else []
        )
        self._warnings: list[str] = []
        # The TTC tabs are built the first time the agreement is a TTC services agreement.
        self.checklist: ChecklistWidget | None = None
        self.assessment_id: int | None = None
        self._answers_dirty = False
        self.ttc_tab: QWidget | None = None
        self.reviews_tab: QWidget | None = None
        self._answer_timer = QTimer(self)
        self._answer_timer.setSingleShot(True)
        self._answer_timer.setInterval(SAVE_DELAY_MS)
        self._answer_timer.timeout.connect(self.save_answers)
        session.about_to_lock.connect(self.save_answers)

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Agreement")
        self.tabs.addTab(self._details_tab(), "&Details")
        self.tabs.addTab(self._obligations_tab(), "O&bligations")
        self.tabs.addTab(self._document_tab(), "&Signed document")

        self.check_box = QLabel()
        self.check_box.setObjectName("checkBox")
        self.check_box.setWordWrap(True)
        self.check_box.setAccessibleName("Check")
        self.check_box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.check_box.hide()

        self.buttons = save_cancel(self, self.save)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 12)
        layout.setSpacing(8)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.check_box)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.licence_type.currentIndexChanged.connect(self._licence_type_changed)
        for edit in (
            self.title,
            self.signed_on,
            self.start_on,
            self.end_on,
            self.notice_days,
            self.field_of_use,
            self.territory,
        ):
            edit.textChanged.connect(self.update_checks)
        for box in (self.parties, self.exclusive_justification):
            box.textChanged.connect(self.update_checks)
        self.licence_back.currentIndexChanged.connect(self.update_checks)
        self.cases.textEdited.connect(self._lookup_cases)
        self.obligations.changed.connect(self.update_checks)

        self._set_title()
        self._licence_type_changed()
        self._lookup_cases()
        self._kind_changed()
        fit_to_screen(self, 1060, 720)
        self.tabs.setCurrentIndex(DETAILS_TAB)
        self.title.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- building ----------------------------------------------------------------------------
    def _details_tab(self) -> QWidget:
        a = self.agreement
        register = self.session.register
        self.kind = QComboBox()
        for kind in KINDS:
            self.kind.addItem(kind.label)
        self.kind.setCurrentIndex(KINDS.index(a.kind))
        self.title = line_edit(a.title, "A name the trust will recognise")
        self.parties = text_box(
            "\n".join(a.parties), "One per line: the other organisations (or people)", 64
        )
        self.signed_on = date_edit(a.signed_on)
        self.start_on = date_edit(a.start_on)
        self.end_on = date_edit(a.end_on)
        self.renewal_on = date_edit(a.renewal_on)
        self.notice_days = line_edit("" if a.notice_days is None else str(a.notice_days), "e.g. 90")
        self.notice_days.setMaximumWidth(90)
        self.notice_hint = hint()
        references: list[str] = []
        lost: list[int] = []
        for case_id in a.case_ids:
            try:
                references.append(register.cases.get(case_id).reference)
            except NotFoundError:
                lost.append(case_id)
        self._lost_cases = lost
        self.cases = line_edit(", ".join(references), "e.g. IP-2026-0001, IP-2026-0004")
        self.cases_found = hint()
        self.revenue_terms = text_box(
            a.revenue_terms, "Royalties, milestone payments, fees, revenue shares"
        )
        self.note = text_box(a.note, "Anything the next person to read this should know")

        left, right = form_layout(), form_layout()
        self.field(left, "kind", "&Kind:", self.kind)
        self.field(left, "title", "&Title:", self.title)
        self.field(
            left,
            "parties",
            "&Parties:",
            self.parties,
            "The other parties to the agreement, one per line (the trust itself need not be "
            "listed).",
        )
        self.field(
            left,
            "case_ids",
            "Linked &cases:",
            self.cases,
            "The references of the cases the agreement covers, separated by commas.",
        )
        left.addRow("", self.cases_found)
        self.field(left, "revenue_terms", "&Revenue terms:", self.revenue_terms)
        self.field(left, "note", "N&ote:", self.note)
        self.field(
            right,
            "signed_on",
            "Si&gned:",
            self.signed_on,
            "dd/mm/yyyy. Leave empty until the agreement is signed.",
        )
        self.field(
            right, "start_on", "St&art:", self.start_on, "dd/mm/yyyy. Empty: the signing date."
        )
        self.field(right, "end_on", "&End:", self.end_on, "dd/mm/yyyy, if it has an end date.")
        self.field(
            right,
            "renewal_on",
            "Re&newal:",
            self.renewal_on,
            "dd/mm/yyyy: the date by which to renew, re-tender or let it end.",
        )
        self.field(
            right,
            "notice_days",
            "Notice (da&ys):",
            self.notice_days,
            "The notice needed to end the agreement, in days.",
            beside=self.notice_hint,
        )

        # licence fields (licences in or out only)
        self.licence_type = QComboBox()
        self.licence_type.addItem("Not recorded")
        for licence in LICENCE_TYPES:
            self.licence_type.addItem(licence.label.split(":")[0])
        self.licence_type.setCurrentIndex(
            LICENCE_TYPES.index(a.licence_type) + 1 if a.licence_type else 0
        )
        self.licence_explained = hint()
        self.field_of_use = line_edit(a.field_of_use, "e.g. paediatric intravenous care")
        self.territory = line_edit(a.territory, "e.g. United Kingdom; worldwide")
        self.exclusive_justification = text_box(
            a.exclusive_justification,
            "Why exclusivity is justified here, and the legal advice taken",
        )
        licence_form = form_layout()
        self.field(
            licence_form,
            "licence_type",
            "T&ype of licence:",
            self.licence_type,
            "Step 2: exclusive, sole or non-exclusive. Non-exclusive is the normal approach.",
            beside=self.licence_explained,
        )
        self.field(licence_form, "field_of_use", "&Field of use:", self.field_of_use)
        self.field(licence_form, "territory", "Territor&y:", self.territory)
        self.field(
            licence_form,
            "exclusive_justification",
            "&Why exclusive:",
            self.exclusive_justification,
            "Exclusive licences only in exceptional circumstances, after legal advice: record "
            "why, and the advice taken.",
        )
        self.licence_box = QGroupBox("Licence terms")
        self.licence_box.setLayout(licence_form)

        # licence back (assignments and hand-backs only)
        self.licence_back = QComboBox()
        for _value, words in LICENCE_BACK_CHOICES:
            self.licence_back.addItem(words)
        values = [value for value, _words in LICENCE_BACK_CHOICES]
        self.licence_back.setCurrentIndex(values.index(a.licence_back))
        back_form = form_layout()
        self.field(
            back_form,
            "licence_back",
            "&Licence back:",
            self.licence_back,
            "Does the agreement license the IP back to the trust?",
        )
        back_form.addRow("", hint(_LICENCE_BACK_WHY))
        self.licence_back_box = QGroupBox("Licence back to the trust")
        self.licence_back_box.setLayout(back_form)

        columns = QHBoxLayout()
        columns.setSpacing(24)
        columns.addLayout(left, 3)
        columns.addLayout(right, 2)
        inner = QWidget()
        inner_layout = QVBoxLayout(inner)
        inner_layout.setContentsMargins(4, 8, 8, 4)
        inner_layout.setSpacing(8)
        inner_layout.addLayout(columns)
        inner_layout.addWidget(self.licence_box)
        inner_layout.addWidget(self.licence_back_box)
        inner_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(inner)

        order: list[QWidget] = [
            self.kind,
            self.title,
            self.parties,
            self.cases,
            self.revenue_terms,
            self.note,
            self.signed_on,
            self.start_on,
            self.end_on,
            self.renewal_on,
            self.notice_days,
            self.licence_type,
            self.field_of_use,
            self.territory,
            self.exclusive_justification,
            self.licence_back,
        ]
        for first, second in itertools.pairwise(order):
            QWidget.setTabOrder(first, second)
        return scroll

    def _obligations_tab(self) -> QWidget:
        specs = [
            FieldSpec("text", "What must be done", help="A report, payment, milestone, notice…"),
            FieldSpec("due", "Due", "date", help="dd/mm/yyyy, if it is due by a date."),
            FieldSpec(
                "owner",
                "Whose obligation",
                help='"trust" when the trust must act, or the other party\'s name.',
            ),
            FieldSpec("done_on", "Done on", "date", help="dd/mm/yyyy, once it has been done."),
        ]
        self.obligations = ListEditor(
            "obligation", specs, lambda: Obligation("", owner=TRUST), _describe_obligation
        )
        listing = self.obligations.list
        listing.setWordWrap(True)  # long obligations wrap instead of scrolling sideways
        listing.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        listing.setResizeMode(QListView.ResizeMode.Adjust)
        listing.setSpacing(2)
        self.obligations.set_items([dataclasses.replace(o) for o in self.agreement.obligations])
        obligations_problem = problem_label("Problem with the obligations")
        self.add_problem_label(
            "obligations",
            self.obligations.list,
            obligations_problem,
            obligations_problem.setVisible,
            tab=OBLIGATIONS_TAB,
        )
        inner, layout = panel(
            "What the agreement requires, and of whom: reports, payments, milestones, "
            "notices. Whose obligation: \u201ctrust\u201d when the trust must act, or the "
            "other party's name. Open obligations with a due date are listed under "
            "Obligations and review dates until they are marked done."
        )
        layout.addWidget(self.obligations, 1)
        layout.addWidget(obligations_problem)
        return inner

    def _document_tab(self) -> QWidget:
        self.file_model = DocumentModel()
        self.file_table = RecordTable("Documents kept with the agreement", self.file_model)
        self.file_table.setWordWrap(False)  # a name or hash on one line, whole in its tooltip
        self.add_file_button = QPushButton("&Add file…")
        self.add_file_button.clicked.connect(lambda: self.add_file())
        self.save_copy_button = QPushButton("Save a &copy…")
        self.save_copy_button.clicked.connect(lambda: self.save_file_copy())
        self.remove_file_button = QPushButton("&Remove…")
        self.remove_file_button.clicked.connect(lambda: self.remove_file())
        self.file_table.selectionModel().selectionChanged.connect(
            lambda *_args: self._update_file_buttons()
        )
        self.file_status = hint()
        buttons = QHBoxLayout()
        for button in (self.add_file_button, self.save_copy_button, self.remove_file_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        inner, layout = panel(
            "The signed agreement, and any variations, are kept inside the encrypted "
            "register (up to 25 MB each), with their SHA-256 so a copy can be checked. A "
            "copy leaves the register only when you save one: it is not encrypted, and "
            "saving it is recorded in the audit trail."
        )
        layout.addWidget(self.file_table, 1)
        layout.addWidget(self.file_status)
        layout.addLayout(buttons)
        self._refresh_files()
        return inner

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter in a field saves, whichever tab is shown (a focused button still takes Enter
        itself; a text box takes it as a new line). Qt's own default button is not relied on:
        switching tabs can leave the dialog without one."""
        plain = event.modifiers() in (
            Qt.KeyboardModifier.NoModifier,
            Qt.KeyboardModifier.KeypadModifier,
        )
        if plain and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if self.save_button.isEnabled():
                self.save_button.click()
            return
        super().keyPressEvent(event)

    # -- state -------------------------------------------------------------------------------
    def current_kind(self) -> AgreementKind:
        return KINDS[max(self.kind.currentIndex(), 0)]

    def current_licence_type(self) -> LicenceType | None:
        index = self.licence_type.currentIndex()
        return LICENCE_TYPES[index - 1] if index > 0 else None

    def current_licence_back(self) -> bool | None:
        return LICENCE_BACK_CHOICES[max(self.licence_back.currentIndex(), 0)][0]

    def is_ttc(self) -> bool:
        return self.current_kind() is AgreementKind.TTC_SERVICES

    def _set_title(self) -> None:
        a = self.agreement
        title = f"Agreement {a.reference}" if a.reference else "New agreement"
        self.setWindowTitle(title)
        self.setAccessibleName(title)

    def _kind_changed(self) -> None:
        kind = self.current_kind()
        self.licence_box.setVisible(kind.is_licence)
        self.licence_back_box.setVisible(kind.transfers_ownership)
        ttc = kind is AgreementKind.TTC_SERVICES
        if ttc and self.ttc_tab is None:
            self._build_ttc_tabs()
        for tab in (self.ttc_tab, self.reviews_tab):
            if tab is not None:
                self.tabs.setTabVisible(self.tabs.indexOf(tab), ttc)
        self.update_checks()

    def _licence_type_changed(self) -> None:
        licence = self.current_licence_type()
        self.licence_explained.setText(
            licence.label if licence else "Exclusive, sole or non-exclusive (step 2)."
        )
        self.update_checks()

    def _lookup_cases(self, *_args: object) -> None:
        """Find the linked cases as their references are typed; name each, or say what is
        wrong beside the field."""
        found, problems = self._case_ids()
        register = self.session.register
        names = []
        for case_id in found:
            try:
                case = register.cases.get(case_id)
            except NotFoundError:
                continue
            names.append(f"{case.reference}: {case.display_title}")
        if self._lost_cases:
            lost = ", ".join(str(i) for i in self._lost_cases)
            names.append(
                f"Case id {lost} is no longer in the register; its link is removed when you save."
            )
        self.cases_found.setText("\n".join(names))
        self.cases_found.setVisible(bool(names))
        if problems:
            self.set_problem("case_ids", [m for _k, m in problems])
        else:
            self.clear_problem("case_ids")

    def _case_ids(self) -> tuple[list[int], list[tuple[str, str]]]:
        ids: list[int] = []
        problems: list[tuple[str, str]] = []
        register = self.session.register
        for reference in re.split(r"[,;\s]+", self.cases.text()):
            if not reference:
                continue
            try:
                ids.append(register.cases.get_by_reference(reference).id)
            except NotFoundError as exc:
                problems.append(("case_ids", f"{exc} Check the reference."))
        return list(dict.fromkeys(ids)), problems

    def candidate(self) -> tuple[Agreement, list[tuple[str, str]]]:
        """The agreement as typed, and the problems in reading it (dates, numbers, cases).
        Fields hidden for this kind of agreement are left out (and kept in the form)."""
        problems: list[tuple[str, str]] = []
        dates: dict[str, dt.date | None] = {}
        edits = {
            "signed_on": self.signed_on,
            "start_on": self.start_on,
            "end_on": self.end_on,
            "renewal_on": self.renewal_on,
        }
        for key, edit in edits.items():
            try:
                dates[key] = parse_date(edit.text())
            except ValueError as exc:
                dates[key] = None
                problems.append((key, str(exc)))
        notice, notice_problems = _whole_number(
            self.notice_days.text(), "notice_days", "Notice period"
        )
        problems += notice_problems
        case_ids, case_problems = self._case_ids()
        problems += case_problems
        if any(not error.isHidden() for error in self.obligations.errors.values()):
            problems.append(
                (
                    "obligations",
                    "The selected obligation has a date that cannot be read: use dd/mm/yyyy.",
                )
            )
        kind = self.current_kind()
        licence = kind.is_licence
        base = self.agreement
        agreement = Agreement(
            id=base.id,
            reference=base.reference,
            kind=kind,
            title=self.title.text().strip(),
            parties=[p.strip() for p in self.parties.toPlainText().splitlines() if p.strip()],
            signed_on=dates["signed_on"],
            start_on=dates["start_on"],
            end_on=dates["end_on"],
            renewal_on=dates["renewal_on"],
            notice_days=notice,
            case_ids=case_ids,
            right_ids=list(base.right_ids),
            obligations=[dataclasses.replace(o) for o in self.obligations.items()],
            revenue_terms=self.revenue_terms.toPlainText().strip(),
            licence_type=self.current_licence_type() if licence else None,
            field_of_use=self.field_of_use.text().strip() if licence else "",
            territory=self.territory.text().strip() if licence else "",
            licence_back=self.current_licence_back() if kind.transfers_ownership else None,
            exclusive_justification=(
                self.exclusive_justification.toPlainText().strip() if licence else ""
            ),
            note=self.note.toPlainText().strip(),
        )
        return agreement, problems

    def warnings(self) -> list[str]:
        """The "Check:" warnings shown for the agreement as typed."""
        return list(self._warnings)

    def update_checks(self, *_args: object) -> None:
        """Refresh the live warnings and the notice hint from what is typed."""
        if not hasattr(self, "check_box"):
            return  # still building
        agreement, _problems = self.candidate()
        warnings = agreement_warnings(agreement, self._reviews)
        if warnings != self._warnings:
            self._warnings = warnings
            if not warnings:
                text = ""
            elif len(warnings) == 1:
                text = f"Check: {warnings[0]}"
            else:
                text = "Check:\n" + "\n".join(f"\u2022 {w}" for w in warnings)
            self.check_box.setText(text)
            self.check_box.setVisible(bool(warnings))
            self.check_box.setAccessibleDescription(text)
        notice_by = agreement.notice_by
        hint = ""
        if notice_by is not None and agreement.notice_days:
            hint = f"Last day to give notice: {format_date(notice_by)}."
        if hint != self.notice_hint.text():
            self.notice_hint.setText(hint)
            self.notice_hint.setVisible(bool(hint))

    # -- saving ------------------------------------------------------------------------------
    def save_agreement(self) -> bool:
        """Validate and save, keeping the dialog open; True when saved."""
        self.clear_problems()
        agreement, problems = self.candidate()
        unreadable = {key for key, _message in problems}
        problems.extend(
            (key, message)
            for key, message in validate_agreement(agreement, dt.date.today())
            if key not in unreadable
        )
        if problems:
            self.show_problems(list(problems))
            return False
        try:
            saved = self.session.register.agreements.save(agreement)
        except ValidationError as exc:
            self.show_problems(exc.problems or [(None, str(exc))])
            return False
        except RegisterError as exc:
            self.show_problems([(None, str(exc))])
            return False
        self.agreement = dataclasses.replace(saved)
        self.saved = saved
        self._lost_cases = []
        # Keys given on save: edit the stored obligations from now on.
        row = self.obligations.list.currentRow()
        self.obligations.set_items([dataclasses.replace(o) for o in saved.obligations])
        if 0 <= row < len(saved.obligations):
            self.obligations.list.setCurrentRow(row)
        self._set_title()
        self._refresh_files()
        if self.checklist is not None:
            self._update_checklist_status()
            self._refresh_reviews()
            if self._answers_dirty and self.is_ttc():
                self.save_answers()
        return True

    def save(self) -> bool:
        """The Save button: save and close, or stay open and show what is wrong."""
        if not self.save_agreement():
            return False
        self.accept()
        return True

    def _ensure_saved(self) -> bool:
        if self.agreement.id is not None:
            return True
        return self.save_agreement() and self.agreement.id is not None

    def done(self, result: int) -> None:
        self.save_answers()
        super().done(result)
