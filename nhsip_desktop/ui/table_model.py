"""The read-only table model every list in the app shares: subclasses say what a cell shows.

A subclass sets ``columns`` and implements ``text``; it may refine ``accessible``,
``tooltip``, ``is_bold`` (bold is always backed by words in the text, never the only signal),
``alignment``, ``selectable`` and ``extra`` (its own data roles, such as record ids).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

Index = QModelIndex | QPersistentModelIndex
TEXT_ROLES = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole)


def bold_font() -> QFont:
    font = QFont()
    font.setBold(True)
    return font


def header_data(
    columns: Sequence[str], section: int, orientation: Qt.Orientation, role: int
) -> Any:
    if orientation == Qt.Orientation.Horizontal and 0 <= section < len(columns):
        return columns[section] if role in TEXT_ROLES else None
    if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
        return section + 1
    return None


class RowsModel(QAbstractTableModel):
    columns: Sequence[str] = ()

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[Any] = []

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def clear(self) -> None:
        self.set_rows([])

    # -- what subclasses say ------------------------------------------------------------
    def text(self, row: Any, column: int) -> str:
        raise NotImplementedError

    def accessible(self, row: Any, column: int) -> str:
        return self.text(row, column).replace("\n", ", ")

    def tooltip(self, row: Any, column: int) -> str | None:
        return None

    def is_bold(self, row: Any, column: int) -> bool:
        return False

    def alignment(self, row: Any, column: int) -> Any:
        return None

    def selectable(self, row: Any) -> bool:
        return True

    def extra(self, row: Any, role: int) -> Any:
        return None

    # -- QAbstractTableModel -----------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        return header_data(self.columns, section, orientation, role)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.parent().isValid():
            return None
        row, column = index.row(), index.column()
        if not (0 <= row < len(self._rows) and 0 <= column < len(self.columns)):
            return None
        item = self._rows[row]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(item, column)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return self.accessible(item, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tooltip(item, column)
        if role == Qt.ItemDataRole.FontRole:
            return bold_font() if self.is_bold(item, column) else None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self.alignment(item, column)
        return self.extra(item, role)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return Qt.ItemFlag.NoItemFlags
        if not self.selectable(self._rows[index.row()]):
            return Qt.ItemFlag.ItemIsEnabled
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
