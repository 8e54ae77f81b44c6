"""The register browser's table model: fed lazily, so a 100,000-case register stays fast.

The store returns the ids of every matching case in display order (cheap: an index walk);
rows are materialised in batches as the view scrolls (``canFetchMore``/``fetchMore``).
Columns come from the domain (``nhsip_desktop.cases.model.CASE_COLUMNS``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QFont

from nhsip_desktop.cases.model import (
    CASE_COLUMNS,
    IP_KIND_SHORT,
    Case,
    CaseFilter,
    Stage,
    format_date,
)
from nhsip_desktop.cases.stages import NextAction, effective_next_action

from .session import RegisterSession

Index = QModelIndex | QPersistentModelIndex
CASE_ID_ROLE = Qt.ItemDataRole.UserRole + 1


def display_value(case: Case, key: str, next_action: NextAction | None = None) -> str:
    if next_action is not None and key == "next_action":
        return next_action.text
    if next_action is not None and key == "next_action_due":
        return format_date(next_action.due)
    if key == "title":
        return case.display_title
    if key == "stage":
        return case.stage.label
    if key == "ip_kinds":
        return ", ".join(IP_KIND_SHORT[k] for k in case.ip_kinds)
    value = getattr(case, key)
    if isinstance(value, dt.date):
        return format_date(value)
    return "" if value is None else str(value)


class CaseTableModel(QAbstractTableModel):
    BATCH = 250

    def __init__(self, session: RegisterSession) -> None:
        super().__init__()
        self._session = session
        self._filter = CaseFilter()
        self._ids: list[int] = []
        self._rows: list[Case] = []
        self._today = dt.date.today()
        self._window_days = 30
        self._actions: dict[int, NextAction] = {}
        session.changed.connect(self._on_changed)
        session.opened.connect(self.refresh)
        session.locked.connect(self._clear)

    # -- state ------------------------------------------------------------------------
    @property
    def filter(self) -> CaseFilter:
        return self._filter

    @property
    def total(self) -> int:
        """How many cases match the filter (not only the rows fetched so far)."""
        return len(self._ids)

    def set_filter(self, flt: CaseFilter) -> None:
        self._filter = flt
        self.refresh()

    def set_text(self, text: str) -> None:
        self.set_filter(self._replace(text=text))

    def set_stage(self, stage: Stage | None) -> None:
        self.set_filter(self._replace(stage=stage))

    def _replace(self, **changes: Any) -> CaseFilter:
        return dataclasses.replace(self._filter, **changes)

    def refresh(self) -> None:
        """Re-run the query, keeping as many rows loaded as before (at least one batch)."""
        keep = max(len(self._rows), self.BATCH)
        self.beginResetModel()
        self._today = dt.date.today()
        self._actions.clear()
        if self._session.is_open:
            self._window_days = int(self._session.register.settings.get("disclosure_alert_days"))
            self._ids = self._session.register.cases.ids(self._filter)
            self._rows = self._session.register.cases.get_many(self._ids[:keep])
        else:
            self._ids, self._rows = [], []
        self.endResetModel()

    def _clear(self) -> None:
        self.beginResetModel()
        self._ids, self._rows = [], []
        self.endResetModel()

    def _on_changed(self, changes: object) -> None:
        kinds: frozenset[str] = getattr(changes, "kinds", frozenset())
        if "case" in kinds:
            self.refresh()

    def case_at(self, row: int) -> Case | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, case_id: int) -> int:
        """The row of a case (fetching rows up to it if needed), or -1 if it is filtered out."""
        try:
            position = self._ids.index(case_id)
        except ValueError:
            return -1
        while len(self._rows) <= position and self.canFetchMore(QModelIndex()):
            self.fetchMore(QModelIndex())
        return position

    # -- lazy feeding -------------------------------------------------------------------
    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and len(self._rows) < len(self._ids)

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or not self._session.is_open:
            return
        start = len(self._rows)
        chunk = self._ids[start : start + self.BATCH]
        if not chunk:
            return
        cases = self._session.register.cases.get_many(chunk)
        self.beginInsertRows(QModelIndex(), start, start + len(cases) - 1)
        self._rows.extend(cases)
        self.endInsertRows()

    # -- QAbstractTableModel -----------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(CASE_COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        text_roles = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole)
        horizontal = orientation == Qt.Orientation.Horizontal
        if horizontal and 0 <= section < len(CASE_COLUMNS) and role in text_roles:
            return CASE_COLUMNS[section].title
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return section + 1
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.parent().isValid():
            return None
        row, column = index.row(), index.column()
        if not (0 <= row < len(self._rows) and 0 <= column < len(CASE_COLUMNS)):
            return None
        case = self._rows[row]
        key = CASE_COLUMNS[column].key
        action = self.next_action(case)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            text = display_value(case, key, action)
            if key == "next_action_due" and self._overdue(case, action):
                text = f"Overdue: {text}"
            return text
        if role == Qt.ItemDataRole.ToolTipRole:
            if key == "next_action_due" and self._overdue(case, action):
                return "This action is past its due date."
            return display_value(case, key, action) or None
        if role == CASE_ID_ROLE:
            return case.id
        bold = (key == "next_action" and action.urgent) or (
            key == "next_action_due" and self._overdue(case, action)
        )
        if role == Qt.ItemDataRole.FontRole and bold:
            font = QFont()
            font.setBold(True)
            return font
        return None

    def next_action(self, case: Case) -> NextAction:
        action = self._actions.get(case.id)
        if action is None:
            action = effective_next_action(case, today=self._today, window_days=self._window_days)
            self._actions[case.id] = action
        return action

    def _overdue(self, case: Case, action: NextAction) -> bool:
        return (
            action.due is not None and case.stage is not Stage.CLOSED and action.due < self._today
        )

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(CASE_COLUMNS) or not CASE_COLUMNS[column].sortable:
            return
        self.set_filter(
            self._replace(
                sort_key=CASE_COLUMNS[column].key,
                descending=order == Qt.SortOrder.DescendingOrder,
            )
        )
