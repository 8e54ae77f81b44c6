"""Bases for a part of a widget class (a mixin in its own module that builds one tab or one
section of a bigger dialog or page), and the app's two small questions and one warning.

For type checking a part is the widget it will be mixed into, with every other attribute of
that widget allowed; at run time it is a plain class, so the widget's own Qt base comes last
in the real class's bases.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QMessageBox, QVBoxLayout, QWidget

from nhsip_desktop.core.errors import RegisterError

from ..widgets import heading, paragraph

T = TypeVar("T")

if TYPE_CHECKING:

    class DialogPart(QDialog):
        def __getattr__(self, name: str) -> Any: ...

    class WidgetPart(QWidget):
        def __getattr__(self, name: str) -> Any: ...

else:

    class DialogPart:
        """A part of a dialog class."""

    class WidgetPart:
        """A part of a page class."""


def confirm(parent: QWidget, title: str, text: str, *, warn: bool = False) -> bool:
    """Ask before something that cannot be undone; Cancel is the default (Enter keeps things
    as they are). ``warn`` shows it as a warning, answered with OK."""
    go = QMessageBox.StandardButton.Ok if warn else QMessageBox.StandardButton.Yes
    ask = QMessageBox.warning if warn else QMessageBox.question
    answer = ask(
        parent,
        title,
        text,
        go | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    return answer == go


def or_warn(
    parent: QWidget,
    title: str,
    action: Callable[[], T],
    also: tuple[type[Exception], ...] = (),
) -> T | None:
    """Run ``action``; a refusal from the register (or one of ``also``) is said in a warning
    titled ``title`` and gives None."""
    caught: tuple[type[Exception], ...] = (RegisterError, *also)
    try:
        return action()
    except caught as exc:
        QMessageBox.warning(parent, title, str(exc))
        return None


def save_cancel(dialog: QDialog, save: Callable[[], object]) -> QDialogButtonBox:
    """The app's one pair of buttons under a form: Save (the default: Enter saves) runs
    ``save``, Cancel (or Escape) rejects the dialog, which asks before dropping changes."""
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
    )
    button = buttons.button(QDialogButtonBox.StandardButton.Save)
    button.setDefault(True)
    buttons.accepted.connect(lambda: save())
    buttons.rejected.connect(dialog.reject)
    return buttons


def headed_column(dialog: QDialog, title: str, intro: str, *, top: int = 18) -> QVBoxLayout:
    """A dialog's layout, opened by its title and what it does, in words."""
    layout = QVBoxLayout(dialog)
    layout.setContentsMargins(20, top, 20, 16)
    layout.setSpacing(10)
    layout.addWidget(heading(title, level=2))
    layout.addWidget(paragraph(intro))
    return layout


def panel(
    intro: str = "", margins: tuple[int, int, int, int] = (8, 10, 8, 8)
) -> tuple[QWidget, QVBoxLayout]:
    """A tab's or a section's widget and its column, opening with ``intro`` in words."""
    widget = QWidget()
    column = QVBoxLayout(widget)
    column.setContentsMargins(*margins)
    if intro:
        column.addWidget(paragraph(intro))
    return widget, column
