"""File -> Open hub…: a read-only window on a regional hub's PostgreSQL database.

Lists the trusts the connecting role may see, and for the chosen trust its pipeline (cases by
stage) and its deadlines overdue or due in the next 90 days, from the hub's named queries
(``hub/queries.py``) that the consolidated report uses. The connection is read-only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from nhsip_desktop.cases.model import STAGE_LABELS, Stage
from nhsip_desktop.store.errors import RegisterError

# The hub's modules (and psycopg, which takes most of a second to import) are imported when
# the window opens, not when the app starts.

__all__ = ["HubWindow", "RowsModel", "open_hub_window"]

Index = QModelIndex | QPersistentModelIndex


class RowsModel(QAbstractTableModel):
    """A read-only table of text rows."""

    def __init__(self, header: Sequence[str], parent: Any = None) -> None:
        super().__init__(parent)
        self._header = list(header)
        self._rows: list[list[str]] = []

    def set_rows(self, rows: Sequence[Sequence[str]]) -> None:
        self.beginResetModel()
        self._rows = [list(r) for r in rows]
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._header)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._rows[index.row()][index.column()]
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._header[section]
        return None

    def row(self, n: int) -> list[str]:
        return self._rows[n]


def _days(n: int) -> str:
    return f"{n} day{'' if n == 1 else 's'}"


def _table(model: RowsModel, name: str) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setAccessibleName(name)
    view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QTableView.SelectionMode.SingleSelection)
    view.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
    view.verticalHeader().hide()
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)
    return view


class HubWindow(QWidget):
    def __init__(self, dsn: str, parent: QWidget | None = None, today: dt.date | None = None):
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("Regional hub (read only)")
        self.setAccessibleName("Regional hub")
        from nhsip_desktop.hub import db, queries

        self._queries = queries
        self._today = today or dt.date.today()
        self._conn = db.connect(dsn)
        self._conn.read_only = True
        self._conn.autocommit = True
        self.trusts_model = RowsModel(["ODS", "Trust", "Pack dated", "Cases"], self)
        self.pipeline_model = RowsModel(["Stage", "Cases"], self)
        self.deadlines_model = RowsModel(["Due", "When", "Kind", "Case or record", "What"], self)
        self.trusts_view = _table(self.trusts_model, "Trusts")
        self.pipeline_view = _table(self.pipeline_model, "Pipeline of the chosen trust")
        self.deadlines_view = _table(self.deadlines_model, "Deadlines of the chosen trust")
        self.chosen_label = QLabel("Choose a trust to see its pipeline and deadlines.")
        self.chosen_label.setWordWrap(True)
        layout = QVBoxLayout(self)
        for text, widget in (
            ("&Trusts", self.trusts_view),
            ("&Pipeline (cases by stage)", self.pipeline_view),
            ("&Deadlines: overdue and the next 90 days", self.deadlines_view),
        ):
            label = QLabel(text)
            label.setBuddy(widget)
            layout.addWidget(label)
            layout.addWidget(widget, 1)
            if widget is self.trusts_view:
                layout.addWidget(self.chosen_label)
        self.trusts_view.selectionModel().selectionChanged.connect(lambda: self._trust_chosen())
        self.resize(760, 640)
        self.refresh()

    def refresh(self) -> None:
        self.trusts = self._queries.trusts(self._conn)
        self.trusts_model.set_rows(
            [
                [
                    t.ods,
                    t.name,
                    t.as_of.strftime("%d/%m/%Y") if t.as_of else "No pack yet",
                    f"{t.cases:,}",
                ]
                for t in self.trusts
            ]
        )
        if self.trusts:
            self.trusts_view.selectRow(0)

    def show_trust(self, ods: str) -> None:
        counts = self._queries.trust_pipeline(self._conn, ods)
        stages = [s for s in Stage if s is not Stage.DRAFT]
        self.pipeline_model.set_rows(
            [[STAGE_LABELS[s], f"{counts.get(s.value, 0):,}"] for s in stages]
        )
        found = self._queries.deadlines(
            self._conn, self._today, self._today + dt.timedelta(days=90), ods
        )
        rows = []
        for d in found:
            days = (d.due - self._today).days
            when = (
                f"Overdue by {_days(-days)}"
                if days < 0
                else ("Due today" if days == 0 else f"Due in {_days(days)}")
            )
            what = d.text or "(wording not shared)"
            rows.append(
                [d.due.strftime("%d/%m/%Y"), when, d.kind.replace("_", " "), d.reference, what]
            )
        self.deadlines_model.set_rows(rows)
        overdue = sum(1 for d in found if d.due < self._today)
        name = next((t.name for t in self.trusts if t.ods == ods), ods)
        self.chosen_label.setText(
            f"{ods} {name}: {sum(counts.values()):,} cases; {overdue:,} "
            f"deadline{'' if overdue == 1 else 's'} overdue, {len(found) - overdue:,} due in "
            "the next 90 days."
        )

    def _trust_chosen(self) -> None:
        rows = self.trusts_view.selectionModel().selectedRows()
        if rows:
            self.show_trust(self.trusts_model.row(rows[0].row())[0])

    def closeEvent(self, event: Any) -> None:
        self._conn.close()
        super().closeEvent(event)


def open_hub_window(parent: QWidget | None = None, dsn: str | None = None) -> HubWindow | None:
    """Ask for the hub's connection string (unless given) and open the window."""
    if dsn is None:
        text, ok = QInputDialog.getText(
            parent,
            "Open hub",
            "The hub database's connection string (from the hub's IT), e.g.\n"
            "host=hub.example.nhs.uk dbname=hub user=north_reader",
            QLineEdit.EchoMode.Normal,
        )
        if not ok or not text.strip():
            return None
        dsn = text.strip()
    from nhsip_desktop.hub import db

    try:
        window = HubWindow(dsn, parent)
    except RegisterError as exc:
        QMessageBox.warning(parent, "Open hub", str(exc))
        return None
    except db.DatabaseError as exc:
        reason = exc.diag.message_primary or type(exc).__name__
        QMessageBox.warning(parent, "Open hub", f"The hub database refused: {reason}")
        return None
    window.show()
    return window
