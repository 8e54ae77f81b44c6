"""The case window's "Protection" tab: the step 6 cost-benefit worksheet.

Step 6 of the guidance asks the trust to weigh the value of registered protection against its
cost, and not to spend on registration without a development plan. This view edits a
:class:`~nhsip_desktop.cases.worksheet.Worksheet` for one case: the protection options being
compared, a year-by-year table of costs and benefits for each, the discount rate and horizon.
It shows the results side by side, the recommendation in words, the step 6 gate when there is
no development plan, and a chart of cumulative cost against cumulative expected benefit drawn
with QPainter (solid and dashed lines, so it reads in black and white).

Edits autosave 1.5 seconds after the last change, and when the register is about to lock.
Every figure is ``decimal.Decimal``; an amount that is not whole pounds and pence is refused
with a message and the cell keeps its old value.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from PySide6.QtCore import (
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from nhsip_desktop.assets.fees import Fee, FeeSchedule, FeeScheduleError
from nhsip_desktop.cases.worksheet import (
    GREEN_BOOK_RATE,
    OptionPlan,
    ProtectionOption,
    Worksheet,
    WorksheetResult,
    YearLine,
    evaluate_worksheet,
    official_fee_items,
    prefill_official_fees,
)
from nhsip_desktop.core.money import money
from nhsip_desktop.store.errors import RegisterError

from .session import RegisterSession
from .worksheet_chart import CumulativeChart
from .worksheet_parts import (
    RESULT_ROWS,
    YEAR_COLUMNS,
    ShortText,
    YearTableModel,
    buddy_label,
    inline_note,
    section_label,
    set_text,
    short_schedule_title,
    wrapped_label,
    year_label,
)
from .worksheet_results import ResultsPart

__all__ = [  # the chart, table and labels live beside the view; tests read them from here
    "RESULT_ROWS",
    "YEAR_COLUMNS",
    "CumulativeChart",
    "WorksheetView",
    "year_label",
]

SAVE_DELAY_MS = 1500
MAX_VIEW_HORIZON = 20
STEP6_SENTENCE = (
    "Step 6 of the guidance: no spending on registered protection without a development plan."
)
PATIENT_SENTENCE = "Patient benefit (0 to 5) is scored separately and never added to the money."


# -- the view --------------------------------------------------------------------------------
class WorksheetView(ResultsPart):
    """The step 6 protection cost-benefit worksheet for one case (the "Protection" tab)."""

    saved = Signal(int)  # the case id

    def __init__(
        self,
        session: RegisterSession,
        *,
        ensure_case: Callable[[], int | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self._ensure_case = ensure_case
        self.case_id: int | None = None
        self.start = dt.date.today()  # worksheet year 1 is the twelve months from this day
        self.plans: list[OptionPlan] = []
        self.discount_rate = GREEN_BOOK_RATE
        self.horizon = 10
        self.has_development_plan = False
        self.fee_schedule_id = ""
        self.fee_schedule_version = 0
        self.schedule: FeeSchedule | None = None
        self._fees_used: dict[ProtectionOption, list[tuple[int, Fee]]] = {}
        self._addable: list[ProtectionOption] = []
        self._loading = False
        self._dirty = False
        self._result = evaluate_worksheet(Worksheet())
        self._results_shape: tuple[Any, ...] | None = None
        self.setAccessibleName("Protection cost-benefit worksheet")

        # -- top: the development plan, rate, horizon and the fee schedule --------------------
        self.development_plan = QCheckBox("Is there a development &plan for this idea?")
        self.development_plan.setAccessibleName("Is there a development plan for this idea?")
        self.development_plan.setAccessibleDescription(STEP6_SENTENCE)
        self.development_plan.setToolTip(STEP6_SENTENCE)
        self.development_plan.toggled.connect(self._plan_toggled)
        self.discount = QDoubleSpinBox()
        self.discount.setRange(0.0, 100.0)
        self.discount.setDecimals(2)
        self.discount.setSingleStep(0.5)
        self.discount.setSuffix(" %")
        self.discount.setValue(float(GREEN_BOOK_RATE * 100))
        self.discount.valueChanged.connect(self._rate_changed)
        self.horizon_box = QSpinBox()
        self.horizon_box.setRange(1, MAX_VIEW_HORIZON)
        self.horizon_box.setSuffix(" years")
        self.horizon_box.setValue(self.horizon)
        self.horizon_box.valueChanged.connect(self._horizon_changed)
        self.schedule_label = wrapped_label("")
        self.schedule_label.setAccessibleName("Fee schedule in use")
        settings = QHBoxLayout()
        settings.addWidget(self.development_plan)
        settings.addStretch(1)
        settings.addWidget(
            buddy_label(
                "&Discount rate:",
                self.discount,
                "Discount rate",
                "Percent a year. 3.5% is the HM Treasury Green Book rate.",
            )
        )
        settings.addWidget(self.discount)
        settings.addWidget(inline_note("a year (HM Treasury Green Book: 3.5%)"))
        settings.addSpacing(16)
        settings.addWidget(
            buddy_label(
                "&Horizon:",
                self.horizon_box,
                "Horizon in years",
                "How many years the worksheet covers, from 1 to 20.",
            )
        )
        settings.addWidget(self.horizon_box)
        settings.addWidget(inline_note("(1 to 20)"))

        # -- left: the options and the selected option's figures ------------------------------
        self.option_list = QListWidget()
        self.option_list.setAccessibleName("Protection options compared")
        self.option_list.setFixedHeight(self.fontMetrics().height() * 3 + 14)
        self.option_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.option_list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.option_list.currentRowChanged.connect(self._select)
        self.add_choice = QComboBox()
        self.add_choice.setAccessibleName("Protection option to add")
        self.add_choice.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.add_choice.setMinimumContentsLength(16)
        self.add_button = QPushButton("&Add option")
        self.add_button.clicked.connect(self.add_selected_option)
        self.remove_button = QPushButton("&Remove selected")
        self.remove_button.setAccessibleName("Remove the selected option")
        self.remove_button.clicked.connect(self.remove_selected_option)
        chooser = QVBoxLayout()
        chooser.setSpacing(4)
        chooser.addWidget(self.add_choice)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        chooser.addLayout(buttons)
        chooser.addStretch(1)
        options_row = QHBoxLayout()
        options_row.addWidget(self.option_list, 1)
        options_row.addLayout(chooser, 1)

        self.detail = QWidget()
        self.probability = QSpinBox()
        self.probability.setRange(0, 100)
        self.probability.setSuffix(" %")
        self.probability.valueChanged.connect(self._probability_changed)
        self.patient_benefit = QSpinBox()
        self.patient_benefit.setRange(0, 5)
        self.patient_benefit.setSuffix(" of 5")
        self.patient_benefit.valueChanged.connect(self._patient_changed)
        self.note = QLineEdit()
        self.note.setPlaceholderText("Where the figures came from, e.g. an attorney's quote")
        self.note.textEdited.connect(self._note_changed)
        grid = QGridLayout(self.detail)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setVerticalSpacing(4)
        grid.addWidget(
            buddy_label(
                "Probability of &success:",
                self.probability,
                "Probability of success",
                "The chance, in percent, that the licence income and savings happen.",
            ),
            0,
            0,
        )
        grid.addWidget(self.probability, 0, 1)
        grid.addWidget(
            buddy_label(
                "Patient &benefit:", self.patient_benefit, "Patient benefit", PATIENT_SENTENCE
            ),
            0,
            2,
        )
        grid.addWidget(self.patient_benefit, 0, 3)
        grid.setColumnStretch(4, 1)
        patient_note = wrapped_label(PATIENT_SENTENCE)
        grid.addWidget(patient_note, 1, 0, 1, 5)
        grid.addWidget(
            buddy_label("&Note:", self.note, "Note", "A note about this option and its figures."),
            2,
            0,
        )
        grid.addWidget(self.note, 2, 1, 1, 4)

        self.years_model = YearTableModel(self)
        self.years_model.refused.connect(self._refused)
        self.years_model.edited.connect(self._years_edited)
        self.years_table = QTableView()
        self.years_table.setModel(self.years_model)
        self.years_table.setAccessibleName("Costs and benefits, year by year")
        self.years_table.setAccessibleDescription(
            "Rows are years; columns are official fees, attorney fees from quotes, internal "
            "staff time, licence income and savings to the trust, in pounds. Benefits are "
            "before the probability of success. Press F2 or start typing to edit a cell."
        )
        self.years_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.years_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.years_table.setTabKeyNavigation(False)
        self.years_table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        header = self.years_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(64)
        rows = self.years_table.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.years_table.setMinimumHeight(170)
        self.fill_button = QPushButton("&Fill official fees from the schedule")
        self.fill_button.clicked.connect(self.fill_official_fees)
        self.fees_used = ShortText()
        self.fees_used.setReadOnly(True)
        self.fees_used.setAccessibleName("Official fees used")
        self.fees_used.setMinimumHeight(self.fees_used.sizeHint().height())
        self.fees_used.setTabChangesFocus(True)
        self.status = wrapped_label("", "errorText")
        self.status.setAccessibleName("Worksheet message")
        self.status.hide()

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 6, 0)
        left_layout.setSpacing(5)
        left_layout.addWidget(section_label("Protection options compared"))
        left_layout.addLayout(options_row)
        self.selected_title = section_label("")
        left_layout.addSpacing(4)
        left_layout.addWidget(self.selected_title)
        left_layout.addWidget(self.detail)
        left_layout.addWidget(
            wrapped_label(
                "Costs: official fees, attorney (quotes), internal time. Benefits before the "
                "probability of success: licence income, savings. £ a year; type to change."
            )
        )
        left_layout.addWidget(self.years_table, 4)
        left_layout.addWidget(self.status)
        fill_row = QHBoxLayout()
        fill_row.addWidget(self.fill_button)
        fill_row.addStretch(1)
        left_layout.addLayout(fill_row)
        left_layout.addWidget(self.fees_used, 1)

        # -- right: results, recommendation, gate and chart -----------------------------------
        right = self._build_results()

        split = QSplitter(Qt.Orientation.Horizontal)
        split.setChildrenCollapsible(False)
        split.addWidget(self._scrolling(left))
        split.addWidget(self._scrolling(right))
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setSizes([570, 510])

        self.save_state = QLabel()
        self.save_state.setObjectName("resultCount")
        self.save_state.setAccessibleName("Save status")

        layout = QVBoxLayout(self)
        layout.setSpacing(5)
        under = QHBoxLayout()
        under.addWidget(wrapped_label(STEP6_SENTENCE, "guidanceRef"), 11)
        under.addSpacing(16)
        under.addWidget(self.schedule_label, 9)
        layout.addLayout(settings)
        layout.addLayout(under)
        layout.addWidget(self.gate_box)
        layout.addWidget(split, 1)
        layout.addWidget(self.save_state)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SAVE_DELAY_MS)
        self._timer.timeout.connect(self.save)
        session.about_to_lock.connect(self.save)
        session.changed.connect(self._register_changed)
        self._show_state()

    @staticmethod
    def _scrolling(content: QWidget) -> QScrollArea:
        area = QScrollArea()
        area.setWidget(content)
        area.setWidgetResizable(True)
        area.setFrameShape(QScrollArea.Shape.NoFrame)
        area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        return area

    # -- loading and saving ---------------------------------------------------------------
    def load(self, case_id: int | None) -> None:
        """Show the case's latest worksheet (or a new, empty one); pending edits save first."""
        if self._dirty:
            self.save()
        self._timer.stop()
        self.case_id = case_id
        worksheet: Worksheet | None = None
        if case_id is not None and self.session.is_open:
            worksheet = self.session.register.worksheets.latest(case_id)
        self.set_worksheet(worksheet or Worksheet())
        self._dirty = False
        self._show_state()

    def set_worksheet(self, worksheet: Worksheet) -> None:
        """Show ``worksheet`` (copied: the view edits its own copy)."""
        self._message("")
        self._loading = True
        try:
            copy = Worksheet.from_json(worksheet.to_json())
            self.plans = copy.options
            self.discount_rate = copy.discount_rate
            self.horizon = copy.horizon
            self.has_development_plan = copy.has_development_plan
            self.fee_schedule_id = copy.fee_schedule_id
            self.fee_schedule_version = copy.fee_schedule_version
            self.start = copy.start or dt.date.today()
            self._fees_used = {}
            self.schedule = None
            if self.session.is_open:
                try:
                    self.schedule = self.session.register.reference.fee_schedule()
                except RegisterError as exc:
                    self._message(f"The fee schedule could not be read: {exc}")
            self.development_plan.setChecked(self.has_development_plan)
            self.discount.setValue(float(self.discount_rate * 100))
            self.horizon_box.setMaximum(max(MAX_VIEW_HORIZON, self.horizon))
            self.horizon_box.setValue(self.horizon)
            self.option_list.clear()
            for plan in self.plans:
                self.option_list.addItem(QListWidgetItem(plan.option.label))
        finally:
            self._loading = False
        self._refresh_choices()
        self._show_schedule()
        self.option_list.setCurrentRow(0 if self.plans else -1)
        self._select(self.option_list.currentRow())
        self._refresh_results()

    def worksheet(self) -> Worksheet:
        """The worksheet as shown (a new object; years beyond the horizon left out)."""
        return Worksheet(
            options=[
                OptionPlan(
                    plan.option,
                    [dataclasses.replace(line) for line in plan.years[: self.horizon]],
                    probability=plan.probability,
                    patient_benefit=plan.patient_benefit,
                    note=plan.note,
                )
                for plan in self.plans
            ],
            discount_rate=self.discount_rate,
            horizon=self.horizon,
            has_development_plan=self.has_development_plan,
            fee_schedule_id=self.fee_schedule_id,
            fee_schedule_version=self.fee_schedule_version,
            start=self.start,
        )

    def result(self) -> WorksheetResult:
        return self._result

    def save(self) -> bool:
        """Save now if anything changed; False (with a message) if it could not be saved."""
        self._timer.stop()
        if not self._dirty or not self.session.is_open:
            return True
        case_id = self.case_id if self.case_id is not None else self._ensure_case()
        if case_id is None:
            set_text(self.save_state, "Not saved yet: the case has not been created.")
            return False
        self.case_id = case_id
        try:
            self.session.register.worksheets.save(case_id, self.worksheet())
        except RegisterError as exc:
            set_text(self.save_state, f"Worksheet not saved: {exc}")
            return False
        self._dirty = False
        self._show_state()
        self.saved.emit(case_id)
        return True

    def _show_state(self) -> None:
        if self._dirty:
            set_text(self.save_state, "Changes not saved yet (they save automatically).")
        elif self.case_id is None:
            set_text(
                self.save_state, "The worksheet is saved with the case once you enter figures."
            )
        else:
            set_text(self.save_state, "All changes saved.")

    def _changed(self) -> None:
        if self._loading:
            return
        self._dirty = True
        self._timer.start()
        self._show_state()
        self._refresh_results()

    # -- the settings ---------------------------------------------------------------------
    def _plan_toggled(self, checked: bool) -> None:
        if self._loading:
            return
        self.has_development_plan = checked
        self._changed()

    def _rate_changed(self, value: float) -> None:
        if self._loading:
            return
        self.discount_rate = (Decimal(f"{value:.2f}") / 100).normalize()
        self._changed()

    def _horizon_changed(self, value: int) -> None:
        if self._loading:
            return
        self.horizon = value
        self._show_plan()
        self._changed()

    def _register_changed(self, changes: Any) -> None:
        """Show an edited fee schedule as soon as it is saved."""
        if "fee_schedule" not in getattr(changes, "kinds", ()) or not self.session.is_open:
            return
        try:
            self.schedule = self.session.register.reference.fee_schedule()
        except RegisterError as exc:
            self.schedule = None
            self._message(f"The fee schedule could not be read: {exc}")
        self._show_schedule()
        self._show_plan()

    def _show_schedule(self) -> None:
        if self.schedule is None:
            self.schedule_label.setText("Official fees from: no fee schedule could be read.")
            self.fill_button.setEnabled(False)
            return
        schedule = self.schedule
        text = (
            f"Official fees from: {short_schedule_title(schedule)} as of "
            f"{schedule.as_of:%d/%m/%Y} ({schedule.name})."
        )
        recorded = (self.fee_schedule_id, self.fee_schedule_version)
        if self.fee_schedule_id and recorded != (schedule.id, schedule.version):
            text += (
                f" This worksheet's fees were filled from {self.fee_schedule_id} "
                f"v{self.fee_schedule_version}; fill them again to use the current schedule."
            )
        self.schedule_label.setText(text)
        self.fill_button.setEnabled(True)

    # -- options --------------------------------------------------------------------------
    def _refresh_choices(self) -> None:
        chosen = {plan.option for plan in self.plans}
        self._addable = [option for option in ProtectionOption if option not in chosen]
        self.add_choice.clear()
        for option in self._addable:
            suffix = " (registered)" if option.registered else ""
            self.add_choice.addItem(option.label + suffix)
        self.add_choice.setEnabled(bool(self._addable))
        self.add_button.setEnabled(bool(self._addable))
        self.remove_button.setEnabled(bool(self.plans))

    def add_option(self, option: ProtectionOption) -> OptionPlan:
        """Add ``option`` (if not there already), select it and return its plan."""
        for row, plan in enumerate(self.plans):
            if plan.option is option:
                self.option_list.setCurrentRow(row)
                return plan
        plan = OptionPlan(option)
        self.plans.append(plan)
        self.option_list.addItem(QListWidgetItem(option.label))
        self._refresh_choices()
        self.option_list.setCurrentRow(len(self.plans) - 1)
        self._changed()
        return plan

    def add_selected_option(self) -> None:
        index = self.add_choice.currentIndex()
        if 0 <= index < len(self._addable):
            self.add_option(self._addable[index])

    def remove_selected_option(self) -> None:
        row = self.option_list.currentRow()
        if not 0 <= row < len(self.plans):
            return
        plan = self.plans[row]
        has_figures = plan.note.strip() or any(
            line.cost or line.benefit for line in plan.years[: self.horizon]
        )
        if has_figures and self.isVisible():
            answer = QMessageBox.question(
                self,
                "Remove option",
                f"Remove {plan.option.label} and the figures entered for it?",
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        del self.plans[row]
        self._fees_used.pop(plan.option, None)
        self.option_list.takeItem(row)
        self._refresh_choices()
        self._select(self.option_list.currentRow())
        self._message(f"Removed {plan.option.label}.", error=False)
        self._changed()

    def selected_plan(self) -> OptionPlan | None:
        row = self.option_list.currentRow()
        return self.plans[row] if 0 <= row < len(self.plans) else None

    def _select(self, row: int) -> None:
        self._show_plan()
        self._refresh_chart()

    def _show_plan(self) -> None:
        plan = self.selected_plan()
        was_loading, self._loading = self._loading, True
        try:
            self.detail.setEnabled(plan is not None)
            self.fill_button.setEnabled(plan is not None and self.schedule is not None)
            if plan is None:
                self.selected_title.setText("Add an option to enter its figures")
                self.probability.setValue(50)
                self.patient_benefit.setValue(0)
                self.note.clear()
            else:
                self.selected_title.setText(f"Figures for: {plan.option.label}")
                self.probability.setValue(int((plan.probability * 100).to_integral_value()))
                self.patient_benefit.setValue(plan.patient_benefit)
                if self.note.text() != plan.note:
                    self.note.setText(plan.note)
            self.years_model.set_plan(plan, self.horizon, self.start)
            self._fit_years_height()
        finally:
            self._loading = was_loading
        self._show_fees_used()

    def _fit_years_height(self) -> None:
        """No taller than the rows need, so spare room goes to the list of fees used."""
        table = self.years_table
        rows = max(self.years_model.rowCount(), 1)
        height = table.horizontalHeader().sizeHint().height()
        height += rows * table.verticalHeader().defaultSectionSize()
        table.setMaximumHeight(max(height + 2 * table.frameWidth() + 2, table.minimumHeight()))

    def _probability_changed(self, value: int) -> None:
        plan = self.selected_plan()
        if self._loading or plan is None:
            return
        plan.probability = (Decimal(value) / 100).normalize()
        self._changed()

    def _patient_changed(self, value: int) -> None:
        plan = self.selected_plan()
        if self._loading or plan is None:
            return
        plan.patient_benefit = value
        self._changed()

    def _note_changed(self, text: str) -> None:
        plan = self.selected_plan()
        if self._loading or plan is None:
            return
        plan.note = text
        self._changed()

    def _years_edited(self) -> None:
        self._message("")
        self._changed()

    def _refused(self, message: str) -> None:
        self._message(message)

    def _message(self, text: str, *, error: bool = True) -> None:
        name = "errorText" if error else "hintText"
        if self.status.objectName() != name:
            self.status.setObjectName(name)
            self.status.style().unpolish(self.status)
            self.status.style().polish(self.status)
        set_text(self.status, text)
        if self.status.isVisibleTo(self) != bool(text):
            self.status.setVisible(bool(text))

    # -- official fees ----------------------------------------------------------------------
    def fill_official_fees(self) -> bool:
        """Fill the selected option's official fees, year by year, from the fee schedule."""
        plan = self.selected_plan()
        if plan is None or self.schedule is None:
            return False
        try:
            amounts = prefill_official_fees(
                plan.option, self.schedule, self.horizon, start_year=self.start
            )
            items = official_fee_items(
                plan.option, self.schedule, self.horizon, start_year=self.start
            )
        except FeeScheduleError as exc:
            self._message(str(exc))
            return False
        while len(plan.years) < self.horizon:
            plan.years.append(YearLine())
        for year, amount in enumerate(amounts):
            plan.years[year].official_fees = amount
        self.fee_schedule_id = self.schedule.id
        self.fee_schedule_version = self.schedule.version
        self._fees_used[plan.option] = items
        self.years_model.refresh()
        self._show_schedule()
        self._show_fees_used()
        self._message(
            f"Official fees for {plan.option.label} filled from {self.schedule.name}.",
            error=False,
        )
        self._changed()
        return True

    def _show_fees_used(self) -> None:
        plan = self.selected_plan()
        if plan is None:
            self.fees_used.setPlainText("")
            return
        items = self._fees_used.get(plan.option)
        if items is None:
            text = (
                "Official fees have not been filled from the schedule for this option in this "
                "session. Press “Fill official fees from the schedule” to fill them and list "
                "each fee with its date here."
            )
        elif not items:
            text = f"{plan.option.label}: no official fees are due within the horizon."
        else:
            lines = ["Official fees used (amounts in the Official fees column):"]
            for year, fee in items:
                amount = (
                    "no official figure known: enter it from a quote"
                    if fee.amount is None
                    else money(fee.amount)
                )
                caveat = f"; {fee.caveat}" if fee.caveat else ""
                lines.append(
                    f"{year_label(year, self.start)}: {fee.description}, {amount} "
                    f"({fee.as_of_text}{caveat})"
                )
            text = "\n".join(lines)
        self.fees_used.setPlainText(text)
