"""The worksheet's results: the options side by side, the recommendation, the step 6 gate, the
chart.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from typing import Any

from PySide6.QtCore import (
    Qt,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nhsip_desktop.cases.worksheet import (
    OptionPlan,
    OptionResult,
    Worksheet,
    WorksheetResult,
    evaluate_worksheet,
)
from nhsip_desktop.core.money import money
from nhsip_desktop.store.errors import RegisterError

from .worksheet_chart import CumulativeChart
from .worksheet_parts import (
    GATE_PREFIX,
    RESULT_ROWS,
    FitTable,
    section_label,
    set_text,
    wrapped_label,
    year_label,
)


class ResultsPart(QWidget):
    """The right-hand side of ``WorksheetView``: built by ``_build_results``, refreshed by
    ``_refresh_results`` from the view's worksheet."""

    start: dt.date
    has_development_plan: bool
    _result: WorksheetResult
    _results_shape: tuple[Any, ...] | None

    def worksheet(self) -> Worksheet:
        raise NotImplementedError

    def selected_plan(self) -> OptionPlan | None:
        raise NotImplementedError

    def _message(self, text: str, *, error: bool = True) -> None:
        raise NotImplementedError

    def _build_results(self) -> QWidget:
        self.results_table = FitTable(len(RESULT_ROWS), 0)
        self.results_table.setVerticalHeaderLabels(list(RESULT_ROWS))
        self.results_table.setAccessibleName("Results for all options, side by side")
        self.results_table.setAccessibleDescription(
            "One column for each option; rows give the recommendation, total cost, expected "
            "benefit, net present value, benefit-cost ratio, break-even year and patient "
            "benefit."
        )
        self.results_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.results_table.setWordWrap(True)
        self.results_table.setTabKeyNavigation(False)
        self.results_table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        rheader = self.results_table.horizontalHeader()
        rheader.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        rheader.setMinimumSectionSize(120)
        self.results_table.verticalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.results_table.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.recommendation = wrapped_label("", "paragraph")
        self.recommendation.setAccessibleName("Recommendation")
        self.gate_box = QLabel()
        self.gate_box.setObjectName("alertBox")
        self.gate_box.setWordWrap(True)
        self.gate_box.setAccessibleName("Step 6 gate")
        self.gate_box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.gate_box.setFrameShape(QLabel.Shape.Box)
        self.gate_box.setMargin(4)
        self.gate_box.hide()
        self.chart = CumulativeChart()

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(6, 0, 0, 0)
        right_layout.setSpacing(5)
        right_layout.addWidget(section_label("Results, side by side (discounted to present value)"))
        right_layout.addWidget(self.results_table)
        right_layout.addWidget(self.recommendation)
        right_layout.addWidget(self.chart, 1)
        return right

    # -- results ----------------------------------------------------------------------------
    def _refresh_results(self) -> None:
        try:
            self._result = evaluate_worksheet(self.worksheet())
        except RegisterError as exc:  # pragma: no cover - the view keeps the worksheet valid
            self._message(f"The worksheet cannot be worked out: {exc}")
            return
        result = self._result
        headers = [textwrap.fill(item.option.label, 24) for item in result.results]
        cells = [
            self._result_cells(item, item.option is result.recommended) for item in result.results
        ]
        shape = (headers, result.recommended)
        table = self.results_table
        if shape != self._results_shape:  # options or recommendation changed: rebuild
            self._results_shape = shape
            table.setColumnCount(len(headers))
            table.setHorizontalHeaderLabels(headers)
            for column, item in enumerate(result.results):
                for row, text in enumerate(cells[column]):
                    cell = QTableWidgetItem(text)
                    cell.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                    cell.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                    if item.option is result.recommended:
                        font = cell.font()
                        font.setBold(True)
                        cell.setFont(font)
                    table.setItem(row, column, cell)
            table.resizeRowsToContents()
            table.updateGeometry()
        else:  # only figures changed: touch just those cells
            for column, texts in enumerate(cells):
                for row, text in enumerate(texts):
                    shown = table.item(row, column)
                    if shown is not None and shown.text() != text:
                        shown.setText(text)
        set_text(self.recommendation, result.explanation)
        if result.gate:
            body = result.gate
            if body.startswith(GATE_PREFIX):
                body = body[len(GATE_PREFIX) :]
            set_text(self.gate_box, f"No development plan: {body}")
        else:
            set_text(self.gate_box, "")
        if self.gate_box.isVisibleTo(self) != bool(result.gate):
            self.gate_box.setVisible(bool(result.gate))
        self._refresh_chart()

    def _result_cells(self, item: OptionResult, recommended: bool) -> list[str]:
        if recommended:
            status = "Recommended"
        elif item.option.registered and not self.has_development_plan:
            status = "Held back (no plan)"
        else:
            status = "Not recommended"
        return [
            status,
            money(item.total_cost),
            money(item.expected_benefit),
            money(item.npv),
            "no costs" if item.bcr is None else f"{item.bcr}",
            "never"
            if item.break_even_year is None
            else year_label(item.break_even_year, self.start),
            f"{item.patient_benefit} of 5",
        ]

    def _refresh_chart(self) -> None:
        plan = self.selected_plan()
        if plan is None:
            self.chart.set_data("", [], [], None, self.start)
            return
        try:
            item = self._result.result(plan.option)
        except KeyError:
            self.chart.set_data("", [], [], None, self.start)
            return
        self.chart.set_data(
            plan.option.label,
            item.cumulative_cost,
            item.cumulative_benefit,
            item.break_even_year,
            self.start,
        )
