"""The IP governance page: the five actions, the forms behind them, the training log,
variations and the annual return."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import (
    Qt,
)
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from nhsip_desktop.governance.model import (
    ACTIONS,
    ANNEX_A_HEADINGS,
    GovernanceRecord,
    TrainingSession,
    TtcInPlace,
    TtcModel,
    Variation,
    ttc_in_place,
)

from ..guidance_help import with_guidance
from ..kit import RecordTable, hint
from ..list_editor import FieldSpec, ListEditor
from ..session import RegisterSession
from ..widgets import heading, paragraph
from .forms import (
    PolicyNotice,
    _button_bar,
    _date_line,
    _error_line,
    _Form,
    _line,
    _message_label,
    _scrolled,
    _tab_page,
    _text_box,
)
from .models import (
    ACTION_SHORT,
    MODEL_CHOICES,
    NOT_RECORDED,
    ActionTableModel,
    GovernanceDeadlineModel,
    TrainingTableModel,
)
from .state import PageState


class GovernancePage(PageState, QWidget):
    """The "IP governance" area: the five actions, the forms and the training log behind
    them, the variations from the guidance and the annual return."""

    TAB_ACTIONS, TAB_SRO, TAB_POLICY, TAB_TTC, TAB_TRAINING, TAB_RETURN = range(6)
    SECTIONS = ("sro", "policy", "ttc", "variations")  # the forms that can hold unsaved edits

    def __init__(self, session: RegisterSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("area-governance")
        self.setAccessibleName("Governance")
        self.session = session
        self.today = dt.date.today()
        self.record = GovernanceRecord()
        self.training: list[TrainingSession] = []
        # The TTC arrangement in place (store.facts: the agreements register is the truth).
        self.ttc: TtcInPlace = ttc_in_place(self.record, (), self.today)
        self._dirty: set[str] = set()
        self._loading = False
        self._readable = False  # the stored record could be read (forms can be saved)
        self._dialog: QDialog | None = None
        self._years: list[int] = []

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Governance sections")
        self.tabs.addTab(self._build_actions(), "&Actions")
        self.tabs.addTab(_scrolled(self._build_sro()), "&SRO and decisions")
        self.tabs.addTab(_scrolled(self._build_policy()), "IP &policy")
        self.tabs.addTab(_scrolled(self._build_ttc()), "&TTC arrangement")
        self.tabs.addTab(self._build_training(), "T&raining log")
        self.tabs.addTab(self._build_return(), "&Variations and annual return")

        self.load_error = QLabel()
        self.load_error.setObjectName("alertBox")
        self.load_error.setWordWrap(True)
        self.load_error.setAccessibleName("Problem")
        self.load_error.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.setSpacing(8)
        layout.addWidget(heading("IP governance"))
        intro = paragraph(
            "Step 1 and the five actions for organisations: who answers for IP (the SRO) and "
            "decides, the IP policy and its yearly review, the TTC arrangement, and training."
        )
        layout.addWidget(with_guidance(intro, "Step 1"))
        layout.addWidget(self.load_error)
        layout.addWidget(self.tabs, 1)

        for field in self._watched("sro"):
            self._watch(field, "sro")
        for field in self._watched("policy"):
            self._watch(field, "policy")
        for field in self._watched("ttc"):
            self._watch(field, "ttc")
        self.variations.changed.connect(lambda: self._mark_dirty("variations"))

        session.changed.connect(self._on_changed)
        session.opened.connect(self._on_opened)
        session.about_to_lock.connect(self.save_pending)
        session.locked.connect(self._on_locked)
        if session.is_open:
            self.refresh()
        else:
            self._clear()

    # -- building the tabs --------------------------------------------------------------
    def _build_actions(self) -> QWidget:
        self.action_model = ActionTableModel()
        self.actions_table = RecordTable("The five actions for organisations", self.action_model)
        self.actions_table.size_columns(
            {1: "Partly met", 3: "Next review due 30/09/2026", 4: "organisations"},
            stretch=2,
        )
        header = self.actions_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(0, 205)
        self.action_summary = QLabel()
        self.action_summary.setObjectName("stageText")
        self.action_summary.setAccessibleName("Summary of the actions")
        self.action_summary.setWordWrap(True)
        self.feedback_line = QLabel()
        self.feedback_line.setAccessibleName("Feedback to innovators within the target")
        self.feedback_line.setWordWrap(True)

        self.deadline_model = GovernanceDeadlineModel()
        self.deadline_table = RecordTable("Governance deadlines", self.deadline_model)
        self.deadline_table.size_columns({0: "30/09/2026", 1: "Overdue by 365 days"}, stretch=2)
        # One line a deadline (the full text in its tooltip).
        self.deadline_table.setWordWrap(False)
        self.deadline_table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.deadline_table.verticalHeader().setDefaultSectionSize(30)
        # Both tables as tall as all their rows: the tab scrolls as a whole (at 1366x768 a
        # table of its own height showed three actions and two deadlines).
        self.actions_table.show_all_rows()
        self.deadline_table.show_all_rows()

        page, layout = _tab_page()
        layout.addWidget(
            paragraph(
                "The guidance's “Actions for organisations” (steps 1, 3 and 9): an SRO for IP "
                "with clear decision-making, an IP policy reviewed every year, evaluated "
                "technology transfer (TTC) arrangements, the policy and the TTC arrangements "
                "made public, and rolling IP training for staff. Each status is worked out "
                "from the other tabs."
            )
        )
        layout.addWidget(self.action_summary)
        layout.addWidget(self.feedback_line)
        self.actions_policy_notice = PolicyNotice("IP policy draft compared with the register")
        layout.addWidget(self.actions_policy_notice)
        layout.addWidget(self.actions_table)
        layout.addWidget(heading("Governance deadlines", 2))
        layout.addWidget(self.deadline_table)
        layout.addStretch(1)
        self.actions_scroll = QScrollArea()
        self.actions_scroll.setWidgetResizable(True)
        self.actions_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.actions_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.actions_scroll.setWidget(page)
        return self.actions_scroll

    def _build_sro(self) -> QWidget:
        form = self.sro_form = _Form()
        form.section("Senior responsible officer")
        self.sro_name = form.add("sro.name", "&Name:", _line("e.g. Dr Priya Shah"))
        self.sro_role = form.add(
            "sro.role", "R&ole:", _line("e.g. Medical Director"), "Their post in the trust."
        )
        self.sro_appointed = form.add(
            "sro.appointed_on", "&Date appointed:", _date_line(), "dd/mm/yyyy, today or earlier."
        )
        form.section("Decision-making")
        self.decision_maker = form.add(
            "decision_making.ultimate_decision_maker",
            "&Ultimate decision maker:",
            _line("e.g. Chief Executive, on the SRO's advice"),
            "Who makes the final decisions on IP.",
        )
        self.stage_gates = form.add(
            "decision_making.stage_gates",
            "Stage gat&es (one per line):",
            _text_box(
                110, "e.g.\nDisclosure received\nTriage decision\nRoute chosen\nAgreement signed"
            ),
            "The points where an innovation is checked before it moves on, one per line.",
        )
        self.pathway_published = form.add_unlabelled(
            "decision_making.pathway_published",
            QCheckBox("The innovation pathway is pu&blished"),
            "The innovation pathway is published",
        )
        self.pathway_where = form.add(
            "decision_making.pathway_where",
            "Pathway published &where:",
            _line("A web address, or where staff and the public can find it"),
        )
        self.save_sro_button = QPushButton("Save SRO and decision-&making")
        self.save_sro_button.setAccessibleName("Save the SRO and decision-making")
        self.save_sro_button.clicked.connect(self.save_sro)
        self.sro_status = hint()
        self.sro_status.setAccessibleName("Status")
        self.sro_error = _error_line()

        page, layout = _tab_page()
        layout.addWidget(
            paragraph(
                "Step 1: a senior responsible officer (SRO) is accountable for IP in the trust, "
                "and decisions follow a clear path with stage gates and one ultimate decision "
                "maker. Leave every box empty to record that there is none."
            )
        )
        layout.addSpacing(4)
        layout.addLayout(form)
        layout.addWidget(self.sro_error)
        layout.addLayout(_button_bar(self.sro_status, self.save_sro_button))
        layout.addStretch(1)
        return page

    def _build_policy(self) -> QWidget:
        form = self.policy_form = _Form()
        self.policy_version = form.add("policy.version", "Versi&on:", _line("e.g. 2.1"))
        self.policy_version.setMaximumWidth(200)
        self.policy_approved_by = form.add(
            "policy.approved_by", "Approved &by:", _line("e.g. Trust Board")
        )
        self.policy_approved_on = form.add(
            "policy.approved_on", "Approval &date:", _date_line(), "dd/mm/yyyy, today or earlier."
        )
        self.policy_last_review = form.add(
            "policy.last_review",
            "&Last review:",
            _date_line(),
            "dd/mm/yyyy; empty if not reviewed since it was approved.",
        )
        self.policy_where = form.add(
            "policy.published_at",
            "Published &where:",
            _line("e.g. https://www.example-trust.nhs.uk/ip-policy"),
            "A web address, or where the public can find it; empty if not published.",
        )
        self.heading_boxes: dict[int, QCheckBox] = {}
        group = QGroupBox("Annex A headings the policy covers")
        grid = QGridLayout(group)
        grid.setHorizontalSpacing(18)
        grid.setVerticalSpacing(4)
        half = (len(ANNEX_A_HEADINGS) + 1) // 2
        for position, (number, title) in enumerate(ANNEX_A_HEADINGS.items()):
            box = QCheckBox(f"{number}. {title}")
            box.setAccessibleName(f"Annex A heading {number}: {title}")
            self.heading_boxes[number] = box
            grid.addWidget(box, position % half, position // half)
        self.headings_message = _message_label()
        form.attach("policy.headings_covered", group, self.headings_message)
        self.policy_due = QLabel()
        self.policy_due.setObjectName("stageText")
        self.policy_due.setWordWrap(True)
        self.policy_due.setAccessibleName("Next review of the IP policy")
        self.save_policy_button = QPushButton("Save the IP poli&cy")
        self.save_policy_button.setAccessibleName("Save the IP policy")
        self.save_policy_button.clicked.connect(self.save_policy)
        self.policy_status = hint()
        self.policy_status.setAccessibleName("Status")
        self.policy_error = _error_line()
        self.draft_policy_button = QPushButton("Dra&ft the IP policy…")
        self.draft_policy_button.setAccessibleName("Draft the IP policy")
        self.draft_policy_button.setToolTip(
            "Draft the policy over the twelve Annex A headings from this register, as Word and "
            "PDF, and record the version."
        )
        self.draft_policy_button.clicked.connect(self.open_policy_builder)
        self.policy_notice = PolicyNotice("IP policy draft compared with the register")

        page, layout = _tab_page()
        layout.addWidget(
            paragraph(
                "Step 1: the IP policy is reviewed every year, kept in line with the guidance's "
                "good practice and made public. Annex A suggests twelve headings a policy "
                "should cover; tick those yours does."
            )
        )
        layout.addSpacing(4)
        layout.addWidget(self.policy_due)
        layout.addWidget(self.policy_notice)
        draft_bar = QHBoxLayout()
        draft_bar.addWidget(
            hint(
                "The builder drafts the policy from this register, so that it says what the "
                "register says."
            ),
            1,
        )
        draft_bar.addWidget(self.draft_policy_button)
        layout.addLayout(draft_bar)
        layout.addSpacing(4)
        layout.addLayout(form)
        layout.addWidget(group)
        layout.addWidget(self.headings_message)
        layout.addWidget(self.policy_error)
        layout.addLayout(_button_bar(self.policy_status, self.save_policy_button))
        layout.addStretch(1)
        return page

    def _build_ttc(self) -> QWidget:
        form = self.ttc_form = _Form()
        arrangement = evaluation = form
        form.section("The arrangement now")
        self.ttc_model = QComboBox()
        for model in MODEL_CHOICES:
            self.ttc_model.addItem(NOT_RECORDED if model is None else model.label)
        arrangement.add(
            "ttc_arrangement.model",
            "&Model:",
            self.ttc_model,
            "How the trust reaches technology transfer capability now.",
        )
        self.ttc_provider = arrangement.add(
            "ttc_arrangement.provider",
            "Provi&der:",
            _line("e.g. Northern Health Innovation Hub"),
            "Who provides it (not needed for no TTC).",
        )
        self.ttc_published = arrangement.add_unlabelled(
            "ttc_arrangement.published",
            QCheckBox("The TTC arrangements are pu&blished"),
            "The TTC arrangements are published",
        )
        self.ttc_where = arrangement.add(
            "ttc_arrangement.where",
            "Published &where:",
            _line("A web address, or where the public can find it"),
        )

        form.section("The evaluation")
        self.considered_boxes: dict[TtcModel, QCheckBox] = {}
        considered = QWidget()
        column = QVBoxLayout(considered)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        for model in TtcModel:
            box = QCheckBox(model.label)
            box.setAccessibleName(f"Considered: {model.label}")
            self.considered_boxes[model] = box
            column.addWidget(box)
        considered_label = QLabel("Models considered:")
        evaluation.addRow(
            considered_label,
            evaluation._row("ttc_evaluation.models_considered", considered, ""),
        )
        considered.setAccessibleName("Models considered")
        self.ttc_decision = QComboBox()
        for model in MODEL_CHOICES:
            self.ttc_decision.addItem(NOT_RECORDED if model is None else model.label)
        evaluation.add(
            "ttc_evaluation.decision", "De&cision:", self.ttc_decision, "The model decided on."
        )
        self.ttc_reason = evaluation.add(
            "ttc_evaluation.reason",
            "Reaso&ns:",
            _text_box(76, "Why this model: cost, expertise, capacity, fit with the trust"),
        )
        self.ttc_decided_on = evaluation.add(
            "ttc_evaluation.decided_on", "Decided &on:", _date_line(), "dd/mm/yyyy."
        )
        self.save_ttc_button = QPushButton("Sav&e TTC arrangement and evaluation")
        self.save_ttc_button.setAccessibleName("Save the TTC arrangement and evaluation")
        self.save_ttc_button.clicked.connect(self.save_ttc)
        self.ttc_status = hint()
        self.ttc_status.setAccessibleName("Status")
        self.ttc_error = _error_line()

        self.ttc_agreement_line = QLabel()
        self.ttc_agreement_line.setWordWrap(True)
        self.ttc_agreement_line.setAccessibleName("TTC services agreement in Agreements")
        self.ttc_agreement_line.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )

        page, layout = _tab_page()
        layout.addWidget(
            paragraph(
                "Step 9: explore the ways of reaching technology transfer capability (a "
                "university, a regional TTC, your own, or a private provider), record which "
                "were considered, what was decided and why, and publish the arrangements."
            )
        )
        layout.addWidget(self.ttc_agreement_line)
        layout.addSpacing(4)
        layout.addLayout(form)
        layout.addWidget(self.ttc_error)
        layout.addLayout(_button_bar(self.ttc_status, self.save_ttc_button))
        layout.addStretch(1)
        return page

    def _build_training(self) -> QWidget:
        self.training_model = TrainingTableModel()
        self.training_table = RecordTable("Training log", self.training_model)
        self.training_table.selectionModel().selectionChanged.connect(self._update_training_buttons)
        self.training_summary = QLabel()
        self.training_summary.setObjectName("stageText")
        self.training_summary.setWordWrap(True)
        self.training_summary.setAccessibleName("When training was last delivered")
        self.add_training_button = QPushButton("A&dd session…")
        self.add_training_button.setAccessibleName("Add a training session")
        self.add_training_button.clicked.connect(self.add_training)
        self.remove_training_button = QPushButton("Re&move…")
        self.remove_training_button.setAccessibleName("Remove the selected training session")
        self.remove_training_button.clicked.connect(self.remove_training)
        self.training_status = hint()
        self.training_status.setAccessibleName("Status")

        page, layout = _tab_page()
        layout.addWidget(
            paragraph(
                "Steps 3 and 9: staff are trained in IP on a rolling basis. Record each session "
                "held; the training action is met while a session was held in the last 12 "
                "months. Hover over a session to see its note."
            )
        )
        layout.addWidget(self.training_summary)
        layout.addWidget(self.training_table, 1)
        layout.addLayout(
            _button_bar(self.training_status, self.remove_training_button, self.add_training_button)
        )
        return page

    def _build_return(self) -> QWidget:
        self.variations = ListEditor(
            "variation",
            [
                FieldSpec(
                    "action_key",
                    "Action",
                    "choice",
                    tuple(
                        (key, f"{number}. {ACTION_SHORT[key]}")
                        for number, key in enumerate(ACTIONS, 1)
                    ),
                    "The action the trust's practice varies from.",
                ),
                FieldSpec("variation", "Variation", help="How practice varies from the guidance."),
                FieldSpec("mitigation", "Mitigation", help="How its risk is mitigated."),
            ],
            lambda: Variation("sro", "", ""),
            self._describe_variation,
        )
        self.variations.setMinimumHeight(150)
        self.save_variations_button = QPushButton("Save varia&tions")
        self.save_variations_button.setAccessibleName("Save the variations")
        self.save_variations_button.clicked.connect(self.save_variations)
        self.variations_status = hint()
        self.variations_status.setAccessibleName("Status")
        self.variations_error = _error_line()

        self.year = QComboBox()
        self.year.setAccessibleName("Financial year")
        self.year.setMinimumWidth(220)
        year_caption = QLabel("Financial &year:")
        year_caption.setBuddy(self.year)
        self.annual_return_button = QPushButton("Annual return (P&DF)…")
        self.annual_return_button.setAccessibleName("Write the annual return as a PDF")
        self.annual_return_button.setToolTip(
            "A PDF of the five actions, the variations and the year's figures. It leaves the "
            "encrypted register."
        )
        self.annual_return_button.clicked.connect(lambda: self.write_annual_return())
        self.return_status = hint()
        self.return_status.setAccessibleName("Status")

        page, layout = _tab_page()
        layout.addWidget(heading("Variations from the guidance", 2))
        layout.addWidget(
            paragraph(
                "Where the trust's practice differs from the guidance, say how and how the risk "
                "is mitigated: the annual return explains each variation."
            )
        )
        layout.addWidget(self.variations, 1)
        layout.addWidget(self.variations_error)
        layout.addLayout(_button_bar(self.variations_status, self.save_variations_button))
        layout.addSpacing(8)
        layout.addWidget(heading("Annual return", 2))
        layout.addWidget(
            paragraph(
                "DHSC and NHS England will in due course ask for a yearly return on these "
                "actions. Until their template is published, the PDF sets out each action's "
                "status and evidence, the variations, and the register's figures for the year."
            )
        )
        line = QHBoxLayout()
        line.addWidget(year_caption)
        line.addWidget(self.year)
        line.addSpacing(12)
        line.addWidget(self.annual_return_button)
        line.addStretch(1)
        layout.addLayout(line)
        layout.addWidget(self.return_status)
        return page

    @staticmethod
    def _describe_variation(item: Variation) -> str:
        short = ACTION_SHORT.get(item.action_key, item.action_key)
        text = item.variation.strip() or "(not described yet)"
        if len(text) > 60:
            text = text[:59] + "…"
        return f"{short}: {text}"

    # -- refreshing (only from the session's signals) ------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        # "Due in 3 days" is relative to today: refresh when shown on a later day.
        if self.session.is_open and self.today != dt.date.today():
            self.refresh()
