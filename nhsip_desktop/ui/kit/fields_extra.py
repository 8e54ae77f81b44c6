"""More of the form kit: a form in columns, a note under a field, a dialog around a form built
elsewhere, typed access to a field's input, and the one way a save's refusal becomes problems.

Kept beside ``form.py`` (not in it) so the forms declared as data stay one small module.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from nhsip_desktop.core.errors import RegisterError, ValidationError

from .form import Field, FormDialog, FormWidget, Problems

T = TypeVar("T")
W = TypeVar("W", bound=QWidget)


def attempt(action: Callable[[], T]) -> tuple[T | None, Problems]:
    """Run a save; a refusal comes back as problems (each under its field when the store names
    it, else one general message) and nothing is raised at the form."""
    try:
        return action(), []
    except ValidationError as exc:
        general: Problems = [(None, str(exc))]
        return None, ([*exc.problems] if exc.problems else general)
    except RegisterError as exc:
        return None, [(None, str(exc))]


def typed(form: FormWidget, key: str, kind: type[W]) -> W:
    """A field's input as the widget its kind makes (a QLineEdit for text, dates, money)."""
    widget = form.inputs[key]
    assert isinstance(widget, kind), f"{key} is a {type(widget).__name__}"
    return widget


def line(form: FormWidget, key: str) -> QLineEdit:
    return typed(form, key, QLineEdit)


def box(form: FormWidget, key: str) -> QPlainTextEdit:
    return typed(form, key, QPlainTextEdit)


def choice(form: FormWidget, key: str) -> QComboBox:
    return typed(form, key, QComboBox)


def check(form: FormWidget, key: str) -> QCheckBox:
    return typed(form, key, QCheckBox)


def note_under(form: FormWidget, key: str, note: W) -> W:
    """Put ``note`` (a hint, a check box) under a field's input, above its problem line."""
    cell = form.problems[key].parentWidget()
    column = cell.layout() if cell is not None else None
    assert isinstance(column, QVBoxLayout)
    column.insertWidget(column.count() - 1, note)
    return note


class ColumnsForm(FormWidget):
    """A :class:`FormWidget` whose fields run down side-by-side columns: a new column starts
    at each key in ``breaks``. Tab still follows the order of declaration."""

    def __init__(
        self,
        fields: Sequence[Field],
        breaks: Collection[str],
        parent: QWidget | None = None,
        *,
        spacing: int = 24,
    ) -> None:
        self._breaks = set(breaks)
        self._spacing = spacing
        self._row: QHBoxLayout | None = None
        self._outer: QFormLayout | None = None
        self.columns: list[QFormLayout] = []
        super().__init__(fields, parent)

    def _column(self, outer: QFormLayout) -> QFormLayout:
        column = QFormLayout()
        column.setFieldGrowthPolicy(outer.fieldGrowthPolicy())
        column.setLabelAlignment(outer.labelAlignment())
        column.setVerticalSpacing(outer.verticalSpacing())
        self.columns.append(column)
        assert self._row is not None
        self._row.addLayout(column, 1)
        return column

    def _add(self, field: Field) -> QWidget:
        if self._row is None:
            outer = self.layout_
            holder = QWidget()
            self._row = QHBoxLayout(holder)
            self._row.setContentsMargins(0, 0, 0, 0)
            self._row.setSpacing(self._spacing)
            self._row.setAlignment(Qt.AlignmentFlag.AlignTop)
            outer.addRow(holder)
            self._outer = outer
            self.layout_ = self._column(outer)
        elif field.key in self._breaks and self._outer is not None:
            self.layout_ = self._column(self._outer)
        return super()._add(field)


def use_form(dialog: FormDialog, form: FormWidget, shown: QWidget | None = None) -> None:
    """Give a :class:`FormDialog` (made with no fields) a form built elsewhere; ``shown`` is
    what takes the form's place in the dialog (a scroll area holding it), else the form."""
    old = dialog.form
    layout = dialog.layout()
    assert layout is not None
    layout.replaceWidget(old, shown or form)
    if shown is not None and isinstance(layout, QVBoxLayout):
        # The form's stand-in (a scroll area) takes the spare height, not a stretch under it.
        for index in reversed(range(layout.count())):
            item = layout.itemAt(index)
            if item is not None and item.spacerItem() is not None:
                layout.takeAt(index)
        layout.setStretchFactor(shown, 1)
    old.setParent(None)
    old.deleteLater()
    dialog.form = form
    inputs = list(form.inputs.values())
    if inputs:
        QWidget.setTabOrder(inputs[-1], dialog.save_button)
        inputs[0].setFocus()


class CheckedFormDialog(FormDialog):
    """A :class:`FormDialog` whose rules across fields (:meth:`check`, on the values as read,
    unreadable ones None) are shown together with each field's own problems, so one press of
    Save says everything that is wrong."""

    def check(self, values: dict[str, Any]) -> Problems:
        return []

    def save(self) -> bool:
        values, problems = self.form.read()
        unreadable = {key for key, _message in problems}
        problems += [(k, m) for k, m in self.check(values) if k is None or k not in unreadable]
        if problems:
            self.show_problems(problems)
            return False
        return super().save()


def whole_number(words: str) -> Callable[[Any], str | None]:
    """A validator for a count typed in a line (empty allowed): "3" or "1,200"."""

    def problem(text: Any) -> str | None:
        try:
            if text:
                int(str(text).replace(",", ""))
        except ValueError:
            return f"{words}: type a whole number, such as 3."
        return None

    return problem


def count_of(text: Any) -> int | None:
    """The count a :func:`whole_number` line holds (None when empty)."""
    return int(str(text).replace(",", "")) if text else None
