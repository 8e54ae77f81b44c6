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
import math
import textwrap
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QLineF,
    QModelIndex,
    QPersistentModelIndex,
    QPointF,
    QRectF,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPixmap,
    QPolygonF,
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
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nhsip_desktop.assets.fees import Fee, FeeSchedule, FeeScheduleError
from nhsip_desktop.cases.worksheet import (
    GREEN_BOOK_RATE,
    OptionPlan,
    OptionResult,
    ProtectionOption,
    Worksheet,
    WorksheetResult,
    YearLine,
    evaluate_worksheet,
    official_fee_items,
    prefill_official_fees,
)
from nhsip_desktop.core.money import money, parse_money
from nhsip_desktop.store.errors import RegisterError

from .session import RegisterSession

SAVE_DELAY_MS = 1500
MAX_VIEW_HORIZON = 20
Index = QModelIndex | QPersistentModelIndex

# (field of YearLine, column heading, name read out by screen readers)
YEAR_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("official_fees", "Official\nfees", "Official fees"),
    ("attorney", "Attorney\n(quotes)", "Attorney (quotes)"),
    ("internal", "Internal\ntime", "Internal time"),
    ("licence_income", "Licence\nincome", "Licence income"),
    ("savings", "Savings to\nthe trust", "Savings to the trust"),
)
GATE_PREFIX = "No development plan is recorded, so "
STEP6_SENTENCE = (
    "Step 6 of the guidance: no spending on registered protection without a development plan."
)
PATIENT_SENTENCE = "Patient benefit (0 to 5) is scored separately and never added to the money."


def year_label(index: int, start: dt.date) -> str:
    """``Year 1 (2026)``: worksheet year ``index`` (0-based) and the calendar year it starts in."""
    return f"Year {index + 1} ({start.year + index})"


def short_schedule_title(schedule: FeeSchedule) -> str:
    """``UK IPO official fees`` from a title with a parenthesised list of what it covers."""
    return schedule.title.split(" (", 1)[0].strip() or schedule.name


def _not_money(text: str) -> str:
    """Why ``parse_money`` refused ``text``, in words."""
    cleaned = text.replace(",", "").replace("£", "").strip()
    try:
        number = Decimal(cleaned)
    except ArithmeticError:
        return "it is not an amount"
    if not number.is_finite():
        return "it is not an amount"
    return "it has more than two figures after the point: amounts are to the penny"


# -- the year-by-year table ------------------------------------------------------------------
class YearTableModel(QAbstractTableModel):
    """Rows are worksheet years, columns the five money fields of one option's ``YearLine``.

    ``setData`` parses what was typed with ``parse_money``; an entry that is not whole pounds
    and pence, or is negative, is refused (``refused`` carries the message) and the cell keeps
    its old value. An accepted entry changes the plan in place and emits ``edited``.
    """

    refused = Signal(str)
    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plan: OptionPlan | None = None
        self.horizon = 10
        self.start = dt.date.today()

    def set_plan(self, plan: OptionPlan | None, horizon: int, start: dt.date) -> None:
        self.beginResetModel()
        self.plan, self.horizon, self.start = plan, horizon, start
        self.endResetModel()

    def refresh(self) -> None:
        """Redisplay after the plan was changed outside the table (e.g. prefilled fees)."""
        if self.rowCount() and self.columnCount():
            self.dataChanged.emit(
                self.index(0, 0), self.index(self.rowCount() - 1, self.columnCount() - 1)
            )

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or self.plan is None else self.horizon

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(YEAR_COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal:
            if role == Qt.ItemDataRole.DisplayRole:
                return YEAR_COLUMNS[section][1]
            if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
                return YEAR_COLUMNS[section][2]
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return year_label(section, self.start)
        if role == Qt.ItemDataRole.ToolTipRole:
            begins = self.start.replace(year=self.start.year + section)
            return f"The twelve months from {begins:%d/%m/%Y}"
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable

    def amount(self, row: int, column: int) -> Decimal:
        if self.plan is None:
            return Decimal(0)
        return Decimal(getattr(self.plan.line(row), YEAR_COLUMNS[column][0]))

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self.plan is None:
            return None
        value = self.amount(index.row(), index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return money(value)
        if role == Qt.ItemDataRole.EditRole:
            return "" if value == 0 else f"{value:.2f}"
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return (
                f"{year_label(index.row(), self.start)}, {YEAR_COLUMNS[index.column()][2]}: "
                f"{money(value)}"
            )
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or self.plan is None or role != Qt.ItemDataRole.EditRole:
            return False
        row, column = index.row(), index.column()
        text = "" if value is None else str(value).strip()
        where = f"{year_label(row, self.start)}, {YEAR_COLUMNS[column][2]}"
        amount = parse_money(text)
        old = money(self.amount(row, column))
        if amount is None or amount < 0:
            why = "an amount cannot be negative" if amount is not None else _not_money(text)
            self.refused.emit(
                f"{where}: “{text}” was not accepted ({why}). Enter pounds and pence, £0 or "
                f"more, for example 1,250.00. The cell keeps {old}."
            )
            return False
        while len(self.plan.years) <= row:
            self.plan.years.append(YearLine())
        line = self.plan.years[row]
        name = YEAR_COLUMNS[column][0]
        if getattr(line, name) == amount:
            return True
        setattr(line, name, amount)
        self.dataChanged.emit(index, index)
        self.edited.emit()
        return True


# -- the chart -------------------------------------------------------------------------------
def _nice_step(top: float, ticks: int = 5) -> float:
    raw = max(top, 1.0) / ticks
    power = 10.0 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * power >= raw:
            return factor * power
    return 10 * power  # pragma: no cover - the loop always returns


def _axis_money(value: float) -> str:
    if value >= 1_000_000:
        return f"£{value / 1_000_000:,.1f}m".replace(".0m", "m")
    return f"£{value:,.0f}"


class CumulativeChart(QWidget):
    """Cumulative discounted cost (solid line) against cumulative expected benefit (dashed).

    Drawn with QPainter. The legend is in words and the two lines differ in style and marker
    (filled squares, hollow circles), so the chart reads in black and white;
    ``accessibleDescription`` summarises it in words, including the break-even year.

    The drawing is kept in a pixmap and redrawn only when the figures, size, focus or palette
    change, so exposing the widget repaints it with a single call.
    """

    COST_COLOUR = QColor("#1d2731")
    BENEFIT_COLOUR = QColor("#8a4b00")
    GRID_COLOUR = QColor("#dde2e6")
    FRAME_COLOUR = QColor("#c5ccd3")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Chart: cumulative cost against cumulative expected benefit")
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.setMinimumSize(320, 200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.label = ""
        self.cost: list[Decimal] = []
        self.benefit: list[Decimal] = []
        self.break_even: int | None = None
        self.start = dt.date.today()
        self.summary = ""
        self._key: tuple[Any, ...] | None = None
        self._pixmap: QPixmap | None = None
        self._pixmap_key: tuple[Any, ...] | None = None
        self.set_data("", [], [], None, self.start)

    def sizeHint(self) -> QSize:
        # Small, so a scroll area around the chart gives it room rather than scrolling.
        return QSize(400, 200)

    def set_data(
        self,
        label: str,
        cost: Sequence[Decimal],
        benefit: Sequence[Decimal],
        break_even: int | None,
        start: dt.date,
    ) -> None:
        key = (label, tuple(cost), tuple(benefit), break_even, start)
        if key == self._key:
            return
        self._key = key
        self.label, self.cost, self.benefit = label, list(cost), list(benefit)
        self.break_even, self.start = break_even, start
        self.summary = self._summary()
        self.setAccessibleDescription(self.summary)
        self.setToolTip(self.summary)
        self._pixmap = None
        self.update()

    def _summary(self) -> str:
        if not self.label or not self.cost:
            return "No option is selected, so there is nothing to chart."
        years = len(self.cost)
        plural = "s" if years != 1 else ""
        text = (
            f"Cumulative cost (solid line) against cumulative expected benefit (dashed line) "
            f"for {self.label}, over {years} year{plural}, in present-value pounds. "
        )
        if self.break_even is None:
            text += (
                f"No break-even: the expected benefit does not reach the cost within {years} "
                f"year{plural}. "
            )
        else:
            text += (
                f"Break-even in {year_label(self.break_even, self.start)}: from then the "
                f"cumulative expected benefit covers the cumulative cost. "
            )
        text += (
            f"By {year_label(years - 1, self.start)} the cost is {money(self.cost[-1])} and the "
            f"expected benefit {money(self.benefit[-1])}."
        )
        return text

    # painting
    def paintEvent(self, event: QPaintEvent) -> None:
        ratio = self.devicePixelRatioF()
        key = (self.size(), ratio, self.hasFocus(), self.palette().cacheKey(), self.font().key())
        if self._pixmap is None or key != self._pixmap_key:
            pixmap = QPixmap(self.size() * ratio)
            pixmap.setDevicePixelRatio(ratio)
            pixmap.fill(self.palette().color(QPalette.ColorRole.Base))
            render = QPainter(pixmap)
            try:
                self._paint(render)
            finally:
                render.end()
            self._pixmap, self._pixmap_key = pixmap, key
        painter = QPainter(self)
        try:
            painter.drawPixmap(0, 0, self._pixmap)
        finally:
            painter.end()

    def _paint(self, p: QPainter) -> None:
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setFont(self.font())
        palette = self.palette()
        text_colour = palette.color(QPalette.ColorRole.Text)
        frame = QRectF(0, 0, self.width(), self.height())
        if self.hasFocus():
            p.setPen(QPen(palette.color(QPalette.ColorRole.Highlight), 2))
            p.drawRect(frame.adjusted(1, 1, -1, -1))
        else:
            p.setPen(self.FRAME_COLOUR)
            p.drawRect(frame.adjusted(0.5, 0.5, -0.5, -0.5))
        fm = QFontMetricsF(self.font())
        line_h = fm.height()
        if not self.label or not self.cost:
            p.setPen(text_colour)
            p.drawText(
                frame.adjusted(12, 12, -12, -12),
                int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap),
                "Add a protection option and select it to see its chart.",
            )
            return

        pad = 10.0
        width, height = float(self.width()), float(self.height())
        # title, then a legend in words with a sample of each line style and marker
        bold = QFont(self.font())
        bold.setBold(True)
        p.setFont(bold)
        p.setPen(text_colour)
        title = f"{self.label}: cumulative cost and expected benefit"
        p.drawText(
            QRectF(pad, pad, width - 2 * pad, line_h),
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            QFontMetricsF(bold).elidedText(title, Qt.TextElideMode.ElideRight, width - 2 * pad),
        )
        p.setFont(self.font())
        legend = (
            ("Cumulative cost (solid line)", Qt.PenStyle.SolidLine, self.COST_COLOUR, True),
            (
                "Cumulative expected benefit (dashed line)",
                Qt.PenStyle.DashLine,
                self.BENEFIT_COLOUR,
                False,
            ),
        )
        legend_y = pad + line_h + 4
        x = pad
        for text, style, colour, square in legend:
            entry = 28 + 6 + fm.horizontalAdvance(text) + 18
            if x + entry > width - pad and x > pad:
                x, legend_y = pad, legend_y + line_h + 2
            mid = legend_y + line_h / 2
            p.setPen(QPen(colour, 2, style))
            p.drawLine(QLineF(x, mid, x + 28, mid))
            self._markers(p, [QPointF(x + 14, mid)], colour, square)
            p.setPen(text_colour)
            p.drawText(QPointF(x + 34, mid + fm.ascent() / 2 - 1), text)
            x += entry

        # scales: pounds up the side, years along the bottom
        top_value = max(float(max(self.cost)), float(max(self.benefit)), 1.0)
        step = _nice_step(top_value)
        ticks = max(1, math.ceil(top_value / step))
        top_value = ticks * step
        labels = [_axis_money(i * step) for i in range(ticks + 1)]
        left = pad + line_h + 6 + max(fm.horizontalAdvance(s) for s in labels) + 6
        right = width - pad - 8
        top = legend_y + line_h + 12
        bottom = height - pad - 2 * line_h - 8
        if bottom - top < 40 or right - left < 60:  # too small to draw: say it in words
            p.setPen(text_colour)
            p.drawText(
                QRectF(pad, top, width - 2 * pad, max(height - top - pad, line_h * 2)),
                int(Qt.TextFlag.TextWordWrap),
                self.summary,
            )
            return
        years = len(self.cost)

        def px(year: int) -> float:
            if years == 1:
                return (left + right) / 2
            return left + (right - left) * year / (years - 1)

        def py(value: float) -> float:
            return bottom - (bottom - top) * value / top_value

        p.setPen(QPen(self.GRID_COLOUR, 1))
        p.drawLines([QLineF(left, py(i * step), right, py(i * step)) for i in range(1, ticks + 1)])
        p.setPen(QPen(text_colour, 1))
        every = 1
        widest = fm.horizontalAdvance(str(years)) + 10
        while years > 1 and (right - left) / (years - 1) * every < widest:
            every += 1
        shown = [y for y in range(years) if y % every == 0 or y == years - 1]
        axes = [QLineF(left, top, left, bottom), QLineF(left, bottom, right, bottom)]
        axes += [QLineF(px(y), bottom, px(y), bottom + 4) for y in shown]
        p.drawLines(axes)
        right_middle = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        for i, text in enumerate(labels):
            y = py(i * step)
            p.drawText(
                QRectF(pad + line_h, y - line_h / 2, left - pad - line_h - 6, line_h),
                right_middle,
                text,
            )
        centre_top = int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        for year in shown:
            p.drawText(QRectF(px(year) - 20, bottom + 5, 40, line_h), centre_top, str(year + 1))
        p.drawText(
            QRectF(left, bottom + 5 + line_h, right - left, line_h),
            centre_top,
            f"Year (year 1 starts in {self.start.year})",
        )
        p.save()
        p.translate(pad, (top + bottom) / 2)
        p.rotate(-90)
        p.drawText(
            QRectF(-(bottom - top) / 2, 0, bottom - top, line_h),
            int(Qt.AlignmentFlag.AlignCenter),
            "£, present value",
        )
        p.restore()

        # the break-even year, marked and labelled in words
        if self.break_even is not None:
            x = px(self.break_even)
            p.setPen(QPen(text_colour, 1, Qt.PenStyle.DotLine))
            p.drawLine(QLineF(x, top, x, bottom))
            text = f"Break-even: year {self.break_even + 1}"
            advance = fm.horizontalAdvance(text)
            p.setPen(text_colour)
            p.drawText(
                QPointF(x + 4 if x + 4 + advance <= right else x - 4 - advance, top + fm.ascent()),
                text,
            )

        # the two lines: solid with filled squares, dashed with hollow circles
        for values, style, colour, square in (
            (self.cost, Qt.PenStyle.SolidLine, self.COST_COLOUR, True),
            (self.benefit, Qt.PenStyle.DashLine, self.BENEFIT_COLOUR, False),
        ):
            points = [QPointF(px(i), py(float(v))) for i, v in enumerate(values)]
            p.setPen(QPen(colour, 2.2, style))
            p.drawPolyline(QPolygonF(points))
            self._markers(p, points, colour, square)

    @staticmethod
    def _markers(p: QPainter, points: list[QPointF], colour: QColor, square: bool) -> None:
        """Filled squares or hollow circles, drawn as wide points (few painter calls)."""
        cap = Qt.PenCapStyle.SquareCap if square else Qt.PenCapStyle.RoundCap
        polygon = QPolygonF(points)
        p.setPen(QPen(colour, 7, Qt.PenStyle.SolidLine, cap))
        p.drawPoints(polygon)
        if not square:
            p.setPen(QPen(QColor("#ffffff"), 4, Qt.PenStyle.SolidLine, cap))
            p.drawPoints(polygon)


# -- the view --------------------------------------------------------------------------------
def _set_text(label: QLabel, text: str) -> None:
    """Set the text only when it changes (no needless relayout or repaint)."""
    if label.text() != text:
        label.setText(text)


def _wrapped(text: str, name: str = "hintText") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setObjectName(name)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _section(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("sectionTitle")
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    label.setAccessibleName(text)
    return label


# The rows of the results table; each option is a column, so the options sit side by side.
RESULT_ROWS = (
    "Recommendation",
    "Total cost",
    "Expected benefit",
    "Net present value",
    "Benefit-cost ratio",
    "Break-even",
    "Patient benefit",
)


def _buddy(text: str, field: QWidget, name: str, help_text: str = "") -> QLabel:
    """A visible label for ``field`` that is its buddy, with the accessible name and help."""
    caption = QLabel(text)
    caption.setBuddy(field)
    field.setAccessibleName(name)
    if help_text:
        field.setAccessibleDescription(help_text)
        field.setToolTip(help_text)
    return caption


def _hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("hintText")
    return label


class _ShortText(QPlainTextEdit):
    """Read-only text that asks for three lines and takes more when there is room."""

    def sizeHint(self) -> QSize:
        lines = self.fontMetrics().lineSpacing() * 3
        return QSize(super().sizeHint().width(), lines + 2 * self.frameWidth() + 8)


class _FitTable(QTableWidget):
    """A read-only table exactly as tall as its rows, so none is hidden behind a scroll bar."""

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        height = self.horizontalHeader().sizeHint().height() + self.verticalHeader().length()
        if self.horizontalScrollBar().isVisible():
            height += self.horizontalScrollBar().sizeHint().height()
        return QSize(hint.width(), height + 2 * self.frameWidth() + 2)

    def minimumSizeHint(self) -> QSize:
        return QSize(super().minimumSizeHint().width(), self.sizeHint().height())

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self.resizeRowsToContents()
        self.updateGeometry()


class WorksheetView(QWidget):
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
        self.schedule_label = _wrapped("")
        self.schedule_label.setAccessibleName("Fee schedule in use")
        settings = QHBoxLayout()
        settings.addWidget(self.development_plan)
        settings.addStretch(1)
        settings.addWidget(
            _buddy(
                "&Discount rate:",
                self.discount,
                "Discount rate",
                "Percent a year. 3.5% is the HM Treasury Green Book rate.",
            )
        )
        settings.addWidget(self.discount)
        settings.addWidget(_hint("a year (HM Treasury Green Book: 3.5%)"))
        settings.addSpacing(16)
        settings.addWidget(
            _buddy(
                "&Horizon:",
                self.horizon_box,
                "Horizon in years",
                "How many years the worksheet covers, from 1 to 20.",
            )
        )
        settings.addWidget(self.horizon_box)
        settings.addWidget(_hint("(1 to 20)"))

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
            _buddy(
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
            _buddy("Patient &benefit:", self.patient_benefit, "Patient benefit", PATIENT_SENTENCE),
            0,
            2,
        )
        grid.addWidget(self.patient_benefit, 0, 3)
        grid.setColumnStretch(4, 1)
        patient_note = _wrapped(PATIENT_SENTENCE)
        grid.addWidget(patient_note, 1, 0, 1, 5)
        grid.addWidget(
            _buddy("&Note:", self.note, "Note", "A note about this option and its figures."), 2, 0
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
        self.fees_used = _ShortText()
        self.fees_used.setReadOnly(True)
        self.fees_used.setAccessibleName("Official fees used")
        self.fees_used.setMinimumHeight(self.fees_used.sizeHint().height())
        self.fees_used.setTabChangesFocus(True)
        self.status = _wrapped("", "errorText")
        self.status.setAccessibleName("Worksheet message")
        self.status.hide()

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 6, 0)
        left_layout.setSpacing(5)
        left_layout.addWidget(_section("Protection options compared"))
        left_layout.addLayout(options_row)
        self.selected_title = _section("")
        left_layout.addSpacing(4)
        left_layout.addWidget(self.selected_title)
        left_layout.addWidget(self.detail)
        left_layout.addWidget(
            _wrapped(
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
        self.results_table = _FitTable(len(RESULT_ROWS), 0)
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
        self.recommendation = _wrapped("", "paragraph")
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
        right_layout.addWidget(_section("Results, side by side (discounted to present value)"))
        right_layout.addWidget(self.results_table)
        right_layout.addWidget(self.recommendation)
        right_layout.addWidget(self.chart, 1)

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
        under.addWidget(_wrapped(STEP6_SENTENCE, "guidanceRef"), 11)
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
            _set_text(self.save_state, "Not saved yet: the case has not been created.")
            return False
        self.case_id = case_id
        try:
            self.session.register.worksheets.save(case_id, self.worksheet())
        except RegisterError as exc:
            _set_text(self.save_state, f"Worksheet not saved: {exc}")
            return False
        self._dirty = False
        self._show_state()
        self.saved.emit(case_id)
        return True

    def _show_state(self) -> None:
        if self._dirty:
            _set_text(self.save_state, "Changes not saved yet (they save automatically).")
        elif self.case_id is None:
            _set_text(
                self.save_state, "The worksheet is saved with the case once you enter figures."
            )
        else:
            _set_text(self.save_state, "All changes saved.")

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
        _set_text(self.status, text)
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
        _set_text(self.recommendation, result.explanation)
        if result.gate:
            body = result.gate
            if body.startswith(GATE_PREFIX):
                body = body[len(GATE_PREFIX) :]
            _set_text(self.gate_box, f"No development plan: {body}")
        else:
            _set_text(self.gate_box, "")
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
