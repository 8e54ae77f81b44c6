"""The case window's tabs, built here: the idea, kinds of IP, contributors, funding,
confidentiality, attachments, ownership and history.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTableWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from nhsip_desktop.cases import disclosure
from nhsip_desktop.cases.model import IP_KIND_LABELS, IpKind, format_date
from nhsip_desktop.core.countries import countries

from .list_editor import FieldSpec, ListEditor
from .widgets import add_row, paragraph

IP_KIND_HELP: dict[IpKind, str] = {
    IpKind.INVENTION: "Something new that works in a new way: a device, method or technical "
    "solution that might be patented.",
    IpKind.COPYRIGHT: "Written or recorded work: software code, leaflets, training materials, "
    "videos, images. Protected automatically when made.",
    IpKind.DESIGN: "How a product looks: its shape, pattern or appearance.",
    IpKind.BRAND: "A name, logo or slogan for a product or service (a possible trade mark).",
    IpKind.KNOW_HOW: "A method, set-up or way of working that is valuable because it is not "
    "widely known; protected only by keeping it confidential.",
    IpKind.DATA: "Collections of data, such as annotated images or outcome measures, and the "
    "databases that hold them.",
}

FLAG_HELP = {
    "ai_involved": (
        "Made with or by artificial intelligence",
        "AI-generated or AI-assisted work raises questions of authorship and ownership (step 6).",
    ),
    "patient_data": (
        "Uses NHS patient data",
        "Personal data brings data protection duties and may need a data-sharing agreement.",
    ),
    "medical_device": (
        "A medical device or software as a medical device",
        "It will need a regulatory route before use with patients.",
    ),
    "international_partner": (
        "Involves a partner outside the UK",
        "IP rights are territorial; get legal support early (Introduction of the guidance).",
    ),
}

CHOICES_ANSWER = [(a, a.label) for a in disclosure.Answer]


class CaseTabs(QDialog):
    """The tabs of ``CaseEditor``, built here; the editor loads, collects and saves them.

    Each field reports edits to ``_changed`` and each problem label is kept in
    ``field_errors`` by the field's key.
    """

    field_errors: dict[str, QLabel]
    # What the tabs' fields and buttons call, supplied by CaseEditor.
    _changed: Callable[[], None]
    add_attachment: Callable[[], None]
    save_attachment: Callable[[], None]
    remove_attachment: Callable[[], None]
    record_ownership: Callable[[], None]
    _update_attachment_buttons: Callable[[], None]

    # -- building the tabs --------------------------------------------------------------
    def _error_label(self, key: str) -> QLabel:
        label = QLabel()
        label.setObjectName("errorText")
        label.setWordWrap(True)
        # As wide as the field above it: a wrapped label left to its own preferred width was
        # squeezed into a narrow column several hundred pixels tall.
        label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)
        label.setAccessibleName("Problem")
        label.hide()
        self.field_errors[key] = label
        return label

    def _scroll(self, inner: QWidget) -> QScrollArea:
        area = QScrollArea()
        area.setWidgetResizable(True)
        area.setWidget(inner)
        area.setFrameShape(QScrollArea.Shape.NoFrame)
        return area

    def _idea_tab(self) -> QWidget:
        self.title = QLineEdit()
        self.summary = QPlainTextEdit()
        self.problem = QPlainTextEdit()
        self.novelty = QPlainTextEdit()
        for text_box in (self.summary, self.problem, self.novelty):
            text_box.setTabChangesFocus(True)
            text_box.setFixedHeight(76)
        self.beneficiaries = {
            disclosure.Beneficiary.PATIENTS: QCheckBox("Patients"),
            disclosure.Beneficiary.STAFF: QCheckBox("Staff"),
            disclosure.Beneficiary.SERVICE: QCheckBox("The service or trust"),
        }
        self.development = QComboBox()
        for stage in disclosure.DevelopmentStage:
            self.development.addItem(stage.label, stage)
        self.normal_duties = QComboBox()
        for value, label in CHOICES_ANSWER:
            self.normal_duties.addItem(label, value)
        self.resources = {
            disclosure.Resource.TIME: QCheckBox("Work time"),
            disclosure.Resource.DATA: QCheckBox("Data"),
            disclosure.Resource.FACILITIES: QCheckBox("Facilities or equipment"),
            disclosure.Resource.MONEY: QCheckBox("Money"),
        }
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        add_row(form, "&Title:", self.title, "A short name for the idea.")
        form.addRow("", self._error_label("title"))
        add_row(form, "Plain-English &summary:", self.summary, "What it is, in a few sentences.")
        add_row(
            form, "The &problem it solves:", self.problem, "What goes wrong today, and for whom."
        )
        form.addRow("", self._error_label("problem"))
        who = QHBoxLayout()
        for box in self.beneficiaries.values():
            box.setAccessibleName(f"Benefits {box.text().lower()}")
            who.addWidget(box)
        who.addStretch(1)
        form.addRow(QLabel("Who benefits:"), who)
        add_row(form, "What is &new:", self.novelty, "How it differs from what exists already.")
        add_row(form, "Stage of &development:", self.development)
        add_row(
            form,
            "Made in the course of &normal duties?",
            self.normal_duties,
            "Was making it part of the innovators' jobs? This affects ownership (step 2).",
        )
        used = QHBoxLayout()
        for box in self.resources.values():
            box.setAccessibleName(f"Trust resource used: {box.text().lower()}")
            used.addWidget(box)
        used.addStretch(1)
        form.addRow(QLabel("Trust resources used:"), used)
        self.title.textEdited.connect(self._changed)
        for text_box in (self.summary, self.problem, self.novelty):
            text_box.textChanged.connect(self._changed)
        for check in (*self.beneficiaries.values(), *self.resources.values()):
            check.toggled.connect(self._changed)
        self.development.currentIndexChanged.connect(self._changed)
        self.normal_duties.currentIndexChanged.connect(self._changed)
        inner = QWidget()
        inner.setLayout(form)
        return self._scroll(inner)

    def _kinds_tab(self) -> QWidget:
        inner = QWidget()
        layout = QVBoxLayout(inner)
        layout.addWidget(
            paragraph(
                "Tick every kind that may apply; a best guess is fine. The kinds follow the "
                "examples in Annex A (Table 1) of the guidance."
            )
        )
        self.kind_boxes: dict[IpKind, QCheckBox] = {}
        for kind in IpKind:
            box = QCheckBox(IP_KIND_LABELS[kind])
            box.setAccessibleDescription(IP_KIND_HELP[kind])
            box.toggled.connect(self._changed)
            self.kind_boxes[kind] = box
            layout.addWidget(box)
            hint = paragraph(IP_KIND_HELP[kind])
            hint.setObjectName("hintText")
            hint.setContentsMargins(24, 0, 0, 6)
            layout.addWidget(hint)
        layout.addWidget(self._error_label("ip_kinds"))
        layout.addSpacing(8)
        flags = QLabel("<b>Points to flag early</b>")
        layout.addWidget(flags)
        self.flag_boxes: dict[str, QCheckBox] = {}
        for attr, (label, help_text) in FLAG_HELP.items():
            box = QCheckBox(label)
            box.setAccessibleDescription(help_text)
            box.toggled.connect(self._changed)
            self.flag_boxes[attr] = box
            layout.addWidget(box)
            hint = paragraph(help_text)
            hint.setObjectName("hintText")
            hint.setContentsMargins(24, 0, 0, 6)
            layout.addWidget(hint)
        layout.addStretch(1)
        return self._scroll(inner)

    def _contributors_tab(self) -> QWidget:
        self.contributors = ListEditor(
            "contributor",
            [
                FieldSpec("name", "Name"),
                FieldSpec("job_title", "Job title"),
                FieldSpec("department", "Department"),
                FieldSpec(
                    "relationship",
                    "Relationship to the trust",
                    "choice",
                    [(r, r.label) for r in disclosure.Relationship],
                    "Decides who is likely to own what they made (step 2; Annex A section 4).",
                ),
                FieldSpec("employer", "Employer", help="Their employer, if not this trust."),
                FieldSpec(
                    "employer_country",
                    "Employer's country",
                    "choice",
                    countries().choices(),
                    "Where their employer is. Outside the UK, the case is flagged as "
                    "international (introduction: IP considerations internationally).",
                ),
                FieldSpec("share", "Contribution share (%)", "share", help="Shares total 100."),
                FieldSpec(
                    "in_course_of_duties",
                    "Done in the course of their duties?",
                    "choice",
                    CHOICES_ANSWER,
                ),
                FieldSpec(
                    "assigns_to_trust",
                    "Contract assigns their IP to the trust?",
                    "choice",
                    CHOICES_ANSWER,
                    "Matters for contractors and consultants: without it, they own their work.",
                ),
                FieldSpec("contact", "Contact details", help="Email or phone."),
            ],
            disclosure.Contributor,
            lambda c: f"{c.name or '(no name yet)'}  ·  {c.share.normalize():f}%",
        )
        self.contributors.changed.connect(self._changed)
        self.share_total = QLabel()
        self.share_total.setAccessibleName("Total of the shares")
        inner = QWidget()
        layout = QVBoxLayout(inner)
        layout.addWidget(
            paragraph("Everyone who contributed, with their share of the contribution.")
        )
        layout.addWidget(self.contributors, 1)
        layout.addWidget(self.share_total)
        layout.addWidget(self._error_label("contributors"))
        return inner

    def _funding_tab(self) -> QWidget:
        terms = [(t, t.label) for t in disclosure.IpTerms]
        self.funders = ListEditor(
            "funder",
            [
                FieldSpec("name", "Funder"),
                FieldSpec("ip_terms", "Their terms on IP that arises", "choice", terms),
                FieldSpec("terms_note", "What the terms say"),
            ],
            disclosure.Funder,
            lambda f: f"{f.name or '(no name yet)'}: {f.ip_terms.label}",
        )
        self.partners = ListEditor(
            "partner",
            [
                FieldSpec("name", "Partner"),
                FieldSpec(
                    "kind",
                    "Kind",
                    "choice",
                    [(kind, kind.label) for kind in disclosure.PartnerKind],
                ),
                FieldSpec(
                    "country",
                    "Country",
                    "choice",
                    countries().choices(),
                    "Where they are based. Outside the UK, the case is flagged as international.",
                ),
                FieldSpec("agreement_terms", "The agreement says IP is", "choice", terms),
                FieldSpec("background_ip", "Background IP they bring"),
            ],
            disclosure.Partner,
            lambda p: f"{p.name or '(no name yet)'}: {p.agreement_terms.label}",
        )
        self.agreements = ListEditor(
            "agreement",
            [
                FieldSpec(
                    "kind", "Kind", "choice", [(k, k.label) for k in disclosure.AgreementKind]
                ),
                FieldSpec("party", "With"),
                FieldSpec("signed_on", "Signed on", "date"),
            ],
            disclosure.AgreementRef,
            lambda a: (
                f"{a.kind.label} with {a.party or '…'}"
                + (f", signed {format_date(a.signed_on)}" if a.signed_on else "")
            ),
        )
        inner = QWidget()
        layout = QVBoxLayout(inner)
        for title, editor in (
            ("Funders", self.funders),
            ("Partners and collaborators", self.partners),
            ("Agreements already in place", self.agreements),
        ):
            editor.changed.connect(self._changed)
            layout.addWidget(QLabel(f"<b>{title}</b>"))
            layout.addWidget(editor)
        return self._scroll(inner)

    def _confidentiality_tab(self) -> QWidget:
        self.disclosures = ListEditor(
            "disclosure",
            [
                FieldSpec(
                    "planned",
                    "Planned (not happened yet)",
                    "bool",
                ),
                FieldSpec(
                    "kind", "Kind", "choice", [(k, k.label) for k in disclosure.DisclosureKind]
                ),
                FieldSpec("on", "Date", "date", help="The date it happened or will happen."),
                FieldSpec("description", "Details", help="Where, to whom, what was shown."),
            ],
            disclosure.ExternalDisclosure,
            lambda e: (
                f"{'Planned' if e.planned else 'Made'}: {e.kind.label}"
                + (f" on {format_date(e.on)}" if e.on else "")
            ),
        )
        self.disclosures.changed.connect(self._changed)
        inner = QWidget()
        layout = QVBoxLayout(inner)
        layout.addWidget(
            paragraph(
                "List every time the idea has been, or will be, shown outside the trust without "
                "a confidentiality agreement: papers, posters, talks, theses, social media, "
                "meetings. Step 4 asks that nothing is shared outside before the internal IP "
                "review, whatever the kind of IP: a planned disclosure raises a notice at once "
                "and an urgent alert as its date nears. In the UK and at the European Patent "
                "Office, an invention made public before a patent application is filed can "
                "probably no longer be patented (step 6)."
            )
        )
        layout.addWidget(self.disclosures, 1)
        layout.addWidget(self._error_label("external_disclosures"))
        return inner

    def _attachments_tab(self) -> QWidget:
        self.attachment_table = QTableWidget(0, 4)
        self.attachment_table.setHorizontalHeaderLabels(["Name", "Size", "SHA-256", "Added"])
        self.attachment_table.setAccessibleName("Attachments")
        self.attachment_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.attachment_table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.attachment_table.horizontalHeader().setStretchLastSection(True)
        self.attachment_table.setColumnWidth(0, 260)
        self.attachment_table.setColumnWidth(2, 300)
        add = QPushButton("Add &file…")
        add.clicked.connect(self.add_attachment)
        save = QPushButton("Save a &copy…")
        save.clicked.connect(self.save_attachment)
        remove = QPushButton("&Remove")
        remove.clicked.connect(self.remove_attachment)
        # Both act on the selected file: enabled only while one is selected.
        self.attachment_buttons = (save, remove)
        self.attachment_table.itemSelectionChanged.connect(self._update_attachment_buttons)
        buttons = QHBoxLayout()
        for button in (add, save, remove):
            buttons.addWidget(button)
        buttons.addStretch(1)
        inner = QWidget()
        layout = QVBoxLayout(inner)
        layout.addWidget(
            paragraph(
                "Files are kept inside the encrypted register (up to 25 MB each). A copy "
                "leaves the register only when you save one, and that is recorded."
            )
        )
        layout.addWidget(self.attachment_table, 1)
        layout.addLayout(buttons)
        return inner

    def _ownership_tab(self) -> QWidget:
        self.ownership_view = QTextBrowser()
        self.ownership_view.setAccessibleName("Suggested ownership")
        self.confirmed_position = QLineEdit()
        self.confirmed_note = QPlainTextEdit()
        self.confirmed_note.setFixedHeight(70)
        self.confirmed_note.setTabChangesFocus(True)
        self.confirmed_text = QLabel()
        self.confirmed_text.setWordWrap(True)
        record = QPushButton("&Record confirmed position")
        record.clicked.connect(self.record_ownership)
        form = QFormLayout()
        add_row(
            form,
            "Confirmed &position:",
            self.confirmed_position,
            "Who owns the IP, as you have confirmed it (e.g. 'The trust, by assignment from "
            "the student').",
        )
        add_row(form, "No&te:", self.confirmed_note, "How it was confirmed, and any advice taken.")
        inner = QWidget()
        layout = QVBoxLayout(inner)
        layout.addWidget(self.ownership_view, 1)
        layout.addWidget(self.confirmed_text)
        layout.addLayout(form)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(record)
        layout.addLayout(row)
        return inner

    def _history_tab(self) -> QWidget:
        self.history_table = QTableWidget(0, 6)
        self.history_table.setHorizontalHeaderLabels(["Date", "From", "To", "By", "Reason", "Note"])
        self.history_table.setAccessibleName("Stage history")
        self.history_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.history_table.horizontalHeader().setStretchLastSection(True)
        return self.history_table
