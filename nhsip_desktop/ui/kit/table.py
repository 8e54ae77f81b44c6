"""One record table: columns declared as data, one model, one view.

``Column(key, title, kind)``: kinds are ``text`` (stretches to take the spare width, unless
given a ``sample`` of its widest content), ``date`` (dd/mm/yyyy), ``money`` (£1,234.56) and
``count`` (1,234); dates, money and counts are as wide as their content. A ``RecordModel``
subclass lists its ``columns`` and may override ``text`` (or any hook of
:class:`~nhsip_desktop.ui.table_model.RowsModel`); a ``RecordTable`` shows it: whole rows,
one at a time, wrapped text in rows as tall as it is, Enter activates the current row, Tab
leaves the table, and its accessible name says what it lists.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from PySide6.QtCore import QAbstractItemModel, QSize, Qt, QTimer
from PySide6.QtGui import QFont, QFontMetrics, QKeyEvent, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHeaderView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from nhsip_desktop.cases.model import format_date
from nhsip_desktop.core.money import money

from ..table_model import Index, RowsModel

Kind = Literal["text", "date", "money", "count"]
KINDS: tuple[Kind, ...] = ("text", "date", "money", "count")
# The widest content of each fitted kind, measured in bold (overdue rows are bold).
SAMPLES: dict[str, str] = {"date": "30/09/2026", "money": "£1,234,567.89", "count": "99,999"}


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    kind: Kind = "text"
    sample: str = ""  # widest expected content: a text column with one fits instead of stretching
    value: Callable[[Any], Any] | None = None  # default: the row's attribute (or item) ``key``

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")

    @property
    def stretches(self) -> bool:
        return self.kind == "text" and not self.sample


def cell_text(kind: str, value: Any) -> str:
    """A value as its column kind shows it: dd/mm/yyyy, £, thousands separators."""
    if value is None or value == "":
        return ""
    if kind == "date" and isinstance(value, dt.date):
        return format_date(value)
    if kind == "money" and isinstance(value, Decimal | int):
        return money(Decimal(value))
    if kind == "count" and isinstance(value, int):
        return f"{value:,}"
    return str(value)


class RecordModel(RowsModel):
    """A read-only list of records whose columns are :class:`Column` data."""

    record_columns: Sequence[Column] = ()

    def __init__(self, columns: Sequence[Column] | None = None) -> None:
        super().__init__()
        if columns is not None:
            self.record_columns = tuple(columns)
        self.columns = [c.title for c in self.record_columns]

    def column(self, index: int) -> Column:
        return self.record_columns[index]

    def column_of(self, key: str) -> int:
        return next(i for i, c in enumerate(self.record_columns) if c.key == key)

    def value(self, row: Any, column: int) -> Any:
        spec = self.record_columns[column]
        if spec.value is not None:
            return spec.value(row)
        if isinstance(row, Mapping):
            return row.get(spec.key)
        return getattr(row, spec.key, None)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            role == Qt.ItemDataRole.TextAlignmentRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(self.record_columns)
        ):
            right = self.record_columns[section].kind in ("money", "count")
            side = Qt.AlignmentFlag.AlignRight if right else Qt.AlignmentFlag.AlignLeft
            return side | Qt.AlignmentFlag.AlignVCenter
        return super().headerData(section, orientation, role)

    def text(self, row: Any, column: int) -> str:
        return cell_text(self.record_columns[column].kind, self.value(row, column))

    def alignment(self, row: Any, column: int) -> Any:
        if self.record_columns[column].kind in ("money", "count"):
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        return None


class PaddedDelegate(QStyledItemDelegate):
    """Room around each cell's text, counted in the row height too (a stylesheet's item
    padding is not, so wrapped text would be clipped)."""

    PAD_X, PAD_Y = 6, 4

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        inner = QStyleOptionViewItem(option)
        inner.rect = option.rect.adjusted(0, 0, -2 * self.PAD_X, 0)
        size = super().sizeHint(inner, index)
        return QSize(size.width() + 2 * self.PAD_X, size.height() + 2 * self.PAD_Y)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        full = QStyleOptionViewItem(option)
        self.initStyleOption(full, index)
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, full, painter, widget)
        inner = QStyleOptionViewItem(option)
        inner.rect = option.rect.adjusted(self.PAD_X, self.PAD_Y, -self.PAD_X, -self.PAD_Y)
        super().paint(painter, inner, index)


class RecordTable(QTableView):
    """A read-only table: whole rows, one at a time, wrapped text in rows as tall as it,
    Enter activates the current row, Tab moves on, named for assistive technology."""

    PADDING = 2 * PaddedDelegate.PAD_X + 14  # delegate padding plus the header's sort room

    def __init__(
        self, name: str, model: QAbstractItemModel | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._fit_pending = False
        self._all_rows_minimum = 0
        self.setItemDelegate(PaddedDelegate(self))
        self.setAccessibleName(name)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setWordWrap(True)
        self.setTabKeyNavigation(False)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        vertical = self.verticalHeader()
        vertical.setVisible(False)
        vertical.setMinimumSectionSize(28)
        # Rows as tall as their wrapped text, worked out again whenever a column's width
        # changes (ResizeToContents alone keeps heights from earlier widths, clipping text).
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.sectionResized.connect(self._fit_rows)
        if model is not None:
            self.setModel(model)

    def setModel(self, model: QAbstractItemModel | None) -> None:
        super().setModel(model)
        if model is None:
            return
        for signal in (model.modelReset, model.rowsInserted, model.layoutChanged):
            signal.connect(self._fit_rows)
        if isinstance(model, RecordModel):
            self.fit_columns()

    # -- widths --------------------------------------------------------------------------
    def _width_of(self, sample: str, title: str) -> int:
        bold = QFont(self.font())
        bold.setBold(True)
        metrics = QFontMetrics(bold)
        return max(metrics.horizontalAdvance(sample), metrics.horizontalAdvance(title))

    def fit_columns(self) -> None:
        """Widths from the model's declared columns: text stretches, the rest fit."""
        model = self.model()
        if not isinstance(model, RecordModel):
            return
        header = self.horizontalHeader()
        for index, column in enumerate(model.record_columns):
            if column.stretches:
                header.setSectionResizeMode(index, QHeaderView.ResizeMode.Stretch)
                continue
            sample = column.sample or SAMPLES.get(column.kind, "")
            header.setSectionResizeMode(index, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(index, self._width_of(sample, column.title) + self.PADDING)

    def size_columns(
        self, samples: dict[int, str], stretch: int, bold: frozenset[int] = frozenset()
    ) -> None:
        """For models without declared columns: each column in ``samples`` as wide as its
        sample or its title (both measured in bold; ``bold`` is accepted for callers that
        named their bold columns), ``stretch`` takes the spare width."""
        del bold  # every sample is measured in bold, which is never narrower
        header = self.horizontalHeader()
        model = self.model()
        for column, sample in samples.items():
            title = str(model.headerData(column, Qt.Orientation.Horizontal) or "")
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, self._width_of(sample, title) + self.PADDING)
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)

    # -- heights -------------------------------------------------------------------------
    def _fit_rows(self, *_args: object) -> None:
        # Once the widths have settled (one pass however many columns moved).
        if self.wordWrap() and not self._fit_pending:
            self._fit_pending = True
            QTimer.singleShot(0, self._fit_now)

    def _fit_now(self) -> None:
        self._fit_pending = False
        self.resizeRowsToContents()
        if self._all_rows_minimum:
            self._fit_height()  # resizing to contents does not report each row

    def show_all_rows(self, minimum: int = 60) -> None:
        """Be as tall as every row, whatever their heights (for a short table on a page that
        scrolls as a whole): no scroll bar of its own, the height kept up as rows change."""
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._all_rows_minimum = minimum
        self.verticalHeader().sectionResized.connect(self._fit_height)
        self.verticalHeader().sectionCountChanged.connect(self._fit_height)
        model = self.model()
        if model is not None:
            model.modelReset.connect(self._fit_height)
        self._fit_height()

    def _fit_height(self, *_args: object) -> None:
        rows = self.verticalHeader().length()
        header = self.horizontalHeader().sizeHint().height()
        height = max(header + rows + 2 * self.frameWidth(), self._all_rows_minimum)
        if self.height() != height or self.minimumHeight() != height:
            self.setFixedHeight(height)

    # -- keyboard ------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.activated.emit(self.currentIndex())
            return
        super().keyPressEvent(event)
