"""One generic list-and-form editor for the repeating parts of a disclosure.

A list on the left names each item; the form beside it edits the selected one. Every input is
a real, labelled widget (reachable by Tab, read by screen readers), which table cell editors
are not. Items are the domain's dataclasses, edited in place.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from nhsip_desktop.cases.disclosure import parse_share
from nhsip_desktop.cases.model import format_date
from nhsip_desktop.core import dates

from .widgets import add_row


def parse_date(text: str) -> dt.date | None:
    """dd/mm/yyyy (also d/m/yyyy and yyyy-mm-dd); raises ValueError for anything else
    (31/02/2026: "not a real date", with the reason)."""
    return dates.parse_date(text)


@dataclass(frozen=True)
class FieldSpec:
    attr: str
    label: str
    kind: str = "text"  # text | choice | date | bool | share
    choices: Sequence[tuple[Any, str]] = field(default_factory=tuple)
    help: str = ""


class ListEditor(QWidget):
    """Edits a list of dataclass items through :class:`FieldSpec` definitions."""

    changed = Signal()

    def __init__(
        self,
        noun: str,
        specs: Sequence[FieldSpec],
        factory: Callable[[], Any],
        describe: Callable[[Any], str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.noun = noun
        self.specs = list(specs)
        self._factory = factory
        self._describe = describe
        self._items: list[Any] = []
        self._loading = False

        self.list = QListWidget()
        self.list.setAccessibleName(f"{noun.capitalize()}s")
        self.list.currentRowChanged.connect(self._show_current)
        self.add_button = QPushButton(f"Add {noun}")
        self.add_button.setAccessibleName(f"Add {noun}")
        self.add_button.clicked.connect(self.add_item)
        self.remove_button = QPushButton(f"Remove {noun}")
        self.remove_button.setAccessibleName(f"Remove the selected {noun}")
        self.remove_button.clicked.connect(self.remove_current)
        # A removal can be undone (the case autosaves, so a slip must be easy to take back).
        self.undo_button = QPushButton("&Undo remove")
        self.undo_button.setAccessibleName(f"Put back the {noun} just removed")
        self.undo_button.clicked.connect(self.undo_remove)
        self.undo_button.hide()
        self._removed: tuple[int, Any] | None = None

        self.inputs: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        for spec in self.specs:
            widget = self._make_input(spec)
            self.inputs[spec.attr] = widget
            label = spec.label if spec.kind != "bool" else ""
            if spec.kind == "bool":
                widget.setAccessibleName(spec.label)
                form.addRow("", widget)
            else:
                add_row(form, label if label.endswith("?") else label + ":", widget, spec.help)
            if spec.kind in ("date", "share"):
                error = QLabel()
                error.setObjectName("errorText")
                error.setWordWrap(True)
                error.hide()
                self.errors[spec.attr] = error
                form.addRow("", error)
        self.form_box = QWidget()
        self.form_box.setLayout(form)

        left = QVBoxLayout()
        left.addWidget(self.list, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addWidget(self.undo_button)
        left.addLayout(buttons)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(left, 2)
        layout.addWidget(self.form_box, 3)
        self._show_current(-1)

    # -- inputs -------------------------------------------------------------------------
    def _make_input(self, spec: FieldSpec) -> QWidget:
        if spec.kind == "choice":
            combo = QComboBox()
            for value, label in spec.choices:
                combo.addItem(label, value)
            combo.currentIndexChanged.connect(lambda _i, s=spec: self._edited(s))
            return combo
        if spec.kind == "bool":
            box = QCheckBox(spec.label)
            box.toggled.connect(lambda _b, s=spec: self._edited(s))
            return box
        edit = QLineEdit()
        if spec.kind == "date":
            edit.setPlaceholderText("dd/mm/yyyy")
        elif spec.kind == "share":
            edit.setPlaceholderText("e.g. 50")
        edit.textEdited.connect(lambda _t, s=spec: self._edited(s))
        return edit

    def _edited(self, spec: FieldSpec) -> None:
        if self._loading:
            return
        item = self.current_item()
        if item is None:
            return
        widget = self.inputs[spec.attr]
        error = self.errors.get(spec.attr)
        if error is not None:
            error.hide()
        if isinstance(widget, QComboBox):
            # Qt hands back a copy of the item data (a StrEnum becomes a plain str), so take
            # the value from our own list of choices.
            setattr(item, spec.attr, spec.choices[widget.currentIndex()][0])
        elif isinstance(widget, QCheckBox):
            setattr(item, spec.attr, widget.isChecked())
        elif isinstance(widget, QLineEdit):
            text = widget.text()
            if spec.kind == "date":
                try:
                    setattr(item, spec.attr, parse_date(text))
                except ValueError as exc:
                    self._show_error(spec.attr, str(exc))
                    return
            elif spec.kind == "share":
                value = parse_share(text)
                if value is None:
                    self._show_error(spec.attr, f"{text!r} is not a number: type a percentage.")
                    return
                setattr(item, spec.attr, value)
            else:
                setattr(item, spec.attr, text)
        self._refresh_label(self.list.currentRow())
        self.changed.emit()

    def _show_error(self, attr: str, message: str) -> None:
        error = self.errors[attr]
        error.setText(message)
        error.show()

    # -- items --------------------------------------------------------------------------
    def set_items(self, items: list[Any]) -> None:
        self._items = items
        self._removed = None
        self.undo_button.hide()
        self.list.clear()
        for item in items:
            self.list.addItem(self._describe(item))
        self.list.setCurrentRow(0 if items else -1)
        self._show_current(self.list.currentRow())

    def items(self) -> list[Any]:
        return self._items

    def current_item(self) -> Any | None:
        row = self.list.currentRow()
        return self._items[row] if 0 <= row < len(self._items) else None

    def add_item(self) -> None:
        item = self._factory()
        self._items.append(item)
        self.list.addItem(self._describe(item))
        self.list.setCurrentRow(len(self._items) - 1)
        first = self.inputs[self.specs[0].attr]
        first.setFocus()
        self.changed.emit()

    def remove_current(self) -> None:
        row = self.list.currentRow()
        if not 0 <= row < len(self._items):
            return
        self._removed = (row, self._items.pop(row))
        self.list.takeItem(row)
        self._show_current(self.list.currentRow())
        self.undo_button.show()
        self.changed.emit()

    def undo_remove(self) -> None:
        """Put back the item removed last, where it was."""
        if self._removed is None:
            return
        row, item = self._removed
        self._removed = None
        row = min(row, len(self._items))
        self._items.insert(row, item)
        self.list.insertItem(row, self._describe(item))
        self.list.setCurrentRow(row)
        self.undo_button.hide()
        self.changed.emit()

    def _refresh_label(self, row: int) -> None:
        if 0 <= row < len(self._items):
            self.list.item(row).setText(self._describe(self._items[row]))

    def _show_current(self, row: int) -> None:
        item = self._items[row] if 0 <= row < len(self._items) else None
        self.form_box.setEnabled(item is not None)
        self.remove_button.setEnabled(item is not None)
        self._loading = True
        try:
            for spec in self.specs:
                widget = self.inputs[spec.attr]
                value = getattr(item, spec.attr) if item is not None else None
                if isinstance(widget, QComboBox):
                    values = [choice for choice, _label in spec.choices]
                    widget.setCurrentIndex(values.index(value) if value in values else 0)
                elif isinstance(widget, QCheckBox):
                    widget.setChecked(bool(value))
                elif isinstance(widget, QLineEdit):
                    if spec.kind == "date":
                        widget.setText(format_date(value) if value else "")
                    elif spec.kind == "share":
                        widget.setText(
                            f"{value.normalize():f}" if isinstance(value, Decimal) else ""
                        )
                    else:
                        widget.setText(value or "")
                if spec.attr in self.errors:
                    self.errors[spec.attr].hide()
        finally:
            self._loading = False
