"""The worksheet's parts: the year-by-year table model and small label and table helpers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QLabel,
    QPlainTextEdit,
    QSizePolicy,
    QTableWidget,
    QWidget,
)

from nhsip_desktop.assets.fees import FeeSchedule
from nhsip_desktop.cases.worksheet import (
    OptionPlan,
    YearLine,
)
from nhsip_desktop.core.money import money, parse_money

from .kit import hint

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


def set_text(label: QLabel, text: str) -> None:
    """Set the text only when it changes (no needless relayout or repaint)."""
    if label.text() != text:
        label.setText(text)


def wrapped_label(text: str, name: str = "hintText") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setObjectName(name)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def section_label(text: str) -> QLabel:
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


def buddy_label(text: str, field: QWidget, name: str, help_text: str = "") -> QLabel:
    """A visible label for ``field`` that is its buddy, with the accessible name and help."""
    caption = QLabel(text)
    caption.setBuddy(field)
    field.setAccessibleName(name)
    if help_text:
        field.setAccessibleDescription(help_text)
        field.setToolTip(help_text)
    return caption


def inline_note(text: str) -> QLabel:
    """The kit's hint on one line beside a field (its unit or range): no wrap, no stretch."""
    label = hint(text)
    label.setWordWrap(False)
    label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
    return label


class ShortText(QPlainTextEdit):
    """Read-only text that asks for three lines and takes more when there is room."""

    def sizeHint(self) -> QSize:
        lines = self.fontMetrics().lineSpacing() * 3
        return QSize(super().sizeHint().width(), lines + 2 * self.frameWidth() + 8)


class FitTable(QTableWidget):
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
