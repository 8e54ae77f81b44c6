"""The import dialog's two matching tables: which column is which field, and what the file's words
mean.
"""

from __future__ import annotations

from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics
from PySide6.QtWidgets import (
    QComboBox,
    QTableWidget,
    QTableWidgetItem,
)

from nhsip_desktop.cases.model import IP_KIND_SHORT, IpKind, Stage, format_date
from nhsip_desktop.interchange.importer import (
    FIELDS,
    ImportMapping,
    Table,
    match_ip_kind,
    match_stage,
    split_kinds,
)

from .import_preview import ImportBase

NOT_IMPORTED = "(do not import)"
NOT_RECOGNISED = "(not recognised)"
# The columns' widths before the person drags them: the headings always show whole.
COLUMNS_WIDTHS = (220, 230)
WORDS_WIDTHS = (220, 130, 230)
HEADER_PADDING = 24  # the header section's margins either side of its text


def size_columns(table: QTableWidget, widths: tuple[int, ...]) -> None:
    """Give each column its width, or the width of its heading (bold) when that is wider,
    so a heading is never cut, even while the table is empty."""
    bold = QFont(table.horizontalHeader().font())
    bold.setBold(True)
    metrics = QFontMetrics(bold)
    for column, width in enumerate(widths):
        item = table.horizontalHeaderItem(column)
        title = item.text() if item is not None else ""
        needed = metrics.horizontalAdvance(title) + HEADER_PADDING
        table.setColumnWidth(column, max(width, needed))


class MappingTables(ImportBase):
    """The part of ``ImportDialog`` that fills and reads its columns and words tables.

    The dialog builds the tables and owns the mapping; a change here calls its ``refresh``.
    """

    table: Table | None
    mapping: ImportMapping
    columns_table: QTableWidget
    words_table: QTableWidget
    _building: bool

    def refresh(self, *, words: bool = True) -> None:
        raise NotImplementedError

    def _update_tab_titles(self) -> None:
        raise NotImplementedError

    # -- the columns table ------------------------------------------------------------------
    def _fill_columns_table(self) -> None:
        table = self.table
        assert table is not None
        self._building = True
        try:
            self.columns_table.setRowCount(0)
            for index, name in enumerate(table.headers):
                if not name:
                    continue
                row = self.columns_table.rowCount()
                self.columns_table.insertRow(row)
                self.columns_table.setItem(row, 0, QTableWidgetItem(name))
                combo = QComboBox()
                combo.addItem(NOT_IMPORTED, "")
                for key, label in FIELDS.items():
                    combo.addItem(label, key)
                combo.setAccessibleName(f"Import column {name} as")
                combo.setProperty("heading", name)
                current = self.mapping.columns.get(name, "")
                combo.setCurrentIndex(max(combo.findData(current), 0))
                combo.currentIndexChanged.connect(self._column_changed)
                self.columns_table.setCellWidget(row, 1, combo)
                example = next(
                    (r[index] for r in table.rows if index < len(r) and r[index] is not None),
                    None,
                )
                text = format_date(example) if not isinstance(example, str | None) else example
                item = QTableWidgetItem(text or "")
                item.setToolTip(text or "")
                item.setForeground(QBrush(QColor("#3c4b5a")))
                self.columns_table.setItem(row, 2, item)
                self.columns_table.setRowHeight(row, combo.sizeHint().height() + 6)
        finally:
            self._building = False

    def _combos(self) -> list[QComboBox]:
        combos = []
        for row in range(self.columns_table.rowCount()):
            widget = self.columns_table.cellWidget(row, 1)
            if isinstance(widget, QComboBox):
                combos.append(widget)
        return combos

    def _column_changed(self) -> None:
        if self._building:
            return
        changed = self.sender()
        chosen = changed.currentData() if isinstance(changed, QComboBox) else ""
        self._building = True
        try:  # each field comes from one column: the earlier choice gives way
            for combo in self._combos():
                if combo is not changed and chosen and combo.currentData() == chosen:
                    combo.setCurrentIndex(0)
        finally:
            self._building = False
        self.mapping.columns = {
            str(c.property("heading")): str(c.currentData())
            for c in self._combos()
            if c.currentData()
        }
        self.refresh()

    # -- the words table --------------------------------------------------------------------
    def _fill_words_table(self) -> None:
        table = self.table
        self.words_table.setRowCount(0)
        if table is None:
            return
        self._building = True
        try:
            for name in ("stage", "ip_kinds"):
                column = next(
                    (
                        i
                        for i, h in enumerate(table.headers)
                        if h and self.mapping.field_for(h) == name
                    ),
                    None,
                )
                if column is None:
                    continue
                words: dict[str, str] = {}
                for cells in table.rows:
                    value = cells[column] if column < len(cells) else None
                    if not isinstance(value, str):
                        continue
                    parts = split_kinds(value) if name == "ip_kinds" else [value.strip()]
                    for part in parts:
                        words.setdefault(part.casefold(), part)
                for word in sorted(words.values(), key=str.casefold)[:100]:
                    self._add_word_row(name, word)
        finally:
            self._building = False
        self._update_tab_titles()

    def _add_word_row(self, name: str, word: str) -> None:
        row = self.words_table.rowCount()
        self.words_table.insertRow(row)
        self.words_table.setItem(row, 0, QTableWidgetItem(word))
        self.words_table.setItem(row, 1, QTableWidgetItem(FIELDS[name]))
        combo = QComboBox()
        combo.addItem(NOT_RECOGNISED, "")
        current: Stage | IpKind | None
        if name == "stage":
            for stage in Stage:
                combo.addItem(stage.label, stage.value)
            current = match_stage(word, self.mapping.stage_values)
            combo.setAccessibleName(f"Stage meant by {word}")
        else:
            for kind in IpKind:
                combo.addItem(IP_KIND_SHORT[kind], kind.value)
            current = match_ip_kind(word, self.mapping.ip_kind_values)
            combo.setAccessibleName(f"Kind of IP meant by {word}")
        combo.setCurrentIndex(max(combo.findData(current.value if current else ""), 0))
        combo.setProperty("word", word)
        combo.setProperty("field", name)
        combo.currentIndexChanged.connect(self._word_changed)
        self.words_table.setCellWidget(row, 2, combo)
        self.words_table.setRowHeight(row, combo.sizeHint().height() + 6)

    def _unrecognised_words(self) -> int:
        count = 0
        for row in range(self.words_table.rowCount()):
            widget = self.words_table.cellWidget(row, 2)
            if isinstance(widget, QComboBox) and not widget.currentData():
                count += 1
        return count

    def _word_changed(self) -> None:
        if self._building:
            return
        combo = self.sender()
        if not isinstance(combo, QComboBox):
            return
        word, name, value = (
            str(combo.property("word")),
            combo.property("field"),
            combo.currentData(),
        )
        values = self.mapping.stage_values if name == "stage" else self.mapping.ip_kind_values
        for key in [k for k in values if k.casefold() == word.casefold()]:
            del values[key]
        builtin = match_stage(word) if name == "stage" else match_ip_kind(word)
        if value and (builtin is None or builtin.value != value):
            values[word] = str(value)
        self._update_tab_titles()
        self.refresh(words=False)
