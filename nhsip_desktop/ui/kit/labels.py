"""The one hint and the one problem label every page and dialog uses."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy


class Note(QLabel):
    """A wrapped label as tall as its text at its actual width: a form row otherwise keeps
    the height Qt guesses for it (several lines), leaving gaps around a short note."""

    def __init__(self, text: str = "") -> None:
        super().__init__(text)
        self._fitted = -1
        self.setWordWrap(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

    def sizeHint(self) -> QSize:
        size = super().sizeHint()
        if self.wordWrap() and self.width() > 0:
            height = self.heightForWidth(self.width())
            if height > 0:
                return QSize(size.width(), height)
        return size

    def minimumSizeHint(self) -> QSize:
        size = super().minimumSizeHint()
        return QSize(size.width(), self.sizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        height = self.heightForWidth(self.width()) if self.wordWrap() else -1
        if height != self._fitted:
            self._fitted = height
            self.updateGeometry()

    def setText(self, text: str) -> None:
        super().setText(text)
        self._fitted = -1
        self.updateGeometry()


def hint(text: str = "", name: str = "hintText") -> Note:
    """Secondary help under or beside a field: wrapped, selectable, as wide as its column
    allows and as tall as its text (``name`` "errorText" styles it as a problem)."""
    label = Note(text)
    label.setObjectName(name)
    return label


def problem_label(name: str = "Problem", *, reserve: bool = True) -> Note:
    """Where a problem is said: hidden while there is none. With ``reserve`` it keeps one
    line's room while hidden, so a message appearing or clearing moves nothing under the
    pointer (a longer message takes more lines)."""
    label = hint(name="errorText")
    label.setAccessibleName(name)
    if reserve:
        label.setMinimumHeight(label.fontMetrics().lineSpacing())
        policy = label.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        label.setSizePolicy(policy)
    label.hide()
    return label
