"""The import preview's table: the first rows, each problem given in words, not only colour."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from nhsip_desktop.cases.model import IP_KIND_SHORT, format_date
from nhsip_desktop.interchange.importer import (
    FIELDS,
    RowResult,
)
from nhsip_desktop.store.errors import RegisterError
from nhsip_desktop.store.register import Register

from .kit.parts import headed_column
from .worker import run_in_background

Index = QModelIndex | QPersistentModelIndex
T = TypeVar("T")


def off_thread(parent: QWidget, label: str, read: Callable[[], T]) -> T:
    """``read()`` (a file, a check of rows: no register) on a worker thread behind a progress
    dialog; a failure comes back as a :class:`RegisterError` with its message in words."""
    outcome = run_in_background(parent, label, lambda _progress: read())
    if not outcome.ok:
        raise RegisterError(outcome.error)
    return outcome.value  # type: ignore[return-value]


class ImportBase(QDialog):
    """What both import dialogs begin with: the register, a title, and the read-only file
    field (``file_edit``) beside the button that chooses the file (``choose_button``), in
    ``file_row``. Each dialog says how it chooses (``choose_file``)."""

    TITLE, PLACEHOLDER, BUTTON = "Import", "No file chosen yet", "&Choose file…"
    SUMMARY = "Choose a file to see what will be imported."

    def __init__(self, register: Register, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.register = register
        self.setWindowTitle(self.TITLE)
        self.setAccessibleName(self.TITLE)
        self.file_edit = QLineEdit()
        self.file_edit.setReadOnly(True)
        self.file_edit.setPlaceholderText(self.PLACEHOLDER)
        self.choose_button = QPushButton(self.BUTTON)
        self.choose_button.clicked.connect(lambda: self.choose_file())
        self.file_row = QWidget()
        box = QHBoxLayout(self.file_row)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.file_edit, 1)
        box.addWidget(self.choose_button)
        self.summary = QLabel(self.SUMMARY)  # what the file holds, in bold
        self.summary.setAccessibleName("Import summary")
        self.summary.setWordWrap(True)
        bold = self.summary.font()
        bold.setBold(True)
        bold.setPointSizeF(bold.pointSizeF() * 1.1)
        self.summary.setFont(bold)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setAccessibleName("Message")
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()
        self.import_button = QPushButton("&Import")
        self.import_button.setDefault(True)
        self.import_button.clicked.connect(lambda: self.do_import())
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(lambda: self.reject())

    def _begin_layout(self, intro: str) -> QVBoxLayout:
        """The dialog's layout, opened by its title and what to do, in words."""
        return headed_column(self, self.TITLE, intro, top=16)

    def _buttons(self, *first: QWidget) -> QHBoxLayout:
        """The row of buttons: ``first`` on the left, Import and Close on the right."""
        row = QHBoxLayout()
        for widget in first:
            row.addWidget(widget)
        row.addStretch(1)
        row.addWidget(self.import_button)
        row.addWidget(self.close_button)
        return row

    def _show_message(self, text: str, *, error: bool = False) -> None:
        self.message.setObjectName("errorText" if error else "paragraph")
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def do_import(self) -> bool:
        raise NotImplementedError

    def choose_file(self) -> None:
        raise NotImplementedError


def problems_text(row: RowResult, *, short: bool = False) -> str:
    """The row's problems, then its notes, in words (``short``: first sentence of each)."""

    def cut(message: str) -> str:
        return re.split(r"(?<=[.!?])\s", message, maxsplit=1)[0] if short else message

    parts = [f"{FIELDS.get(f, f)}: {cut(m)}" for f, m in row.errors]
    parts += [f"Note ({FIELDS.get(f, f)}): {cut(m)}" for f, m in row.warnings]
    return ("\n" if short else "  ").join(parts)


class PreviewModel(QAbstractTableModel):
    """The first rows of an import preview; problems are given in words, not only colour."""

    COLUMNS = (
        "Row",
        "Imported?",
        "Title",
        "Problems",
        "Stage",
        "Kinds of IP",
        "Received",
        "Lead innovator",
    )
    _BAD = QBrush(QColor("#fbe9eb"))
    _NOTE = QBrush(QColor("#fff5dc"))

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[RowResult] = []

    def set_rows(self, rows: list[RowResult]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == Qt.ItemDataRole.ToolTipRole and column == 3:
            return problems_text(row) or None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        if role == Qt.ItemDataRole.BackgroundRole:
            if row.errors:
                return self._BAD
            if row.warnings:
                return self._NOTE
        if role == Qt.ItemDataRole.FontRole and column == 1 and row.errors:
            font = QFont()
            font.setBold(True)
            return font
        return None

    @staticmethod
    def _text(row: RowResult, column: int) -> str:
        ready = row.ready
        if column == 0:
            return str(row.row_number)
        if column == 1:
            if row.errors:
                return "No"
            return "Yes (note)" if row.warnings else "Yes"
        if column == 2:
            return row.title or "(no title)"
        if column == 3:
            return problems_text(row, short=True)
        if ready is None:
            key = ("", "", "", "", "stage", "ip_kinds", "received_on", "lead_innovator")[column]
            return row.values.get(key, "")
        if column == 4:
            return ready.stage.label
        if column == 5:
            return ", ".join(IP_KIND_SHORT[k] for k in ready.ip_kinds)
        if column == 6:
            return format_date(ready.received_on)
        return ready.lead_innovator
