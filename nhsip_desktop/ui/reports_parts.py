"""Reports' shared parts: the notice of what leaves the register, the section list, the leaving
dialog, and small label helpers.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
from collections.abc import Iterator, Sequence
from pathlib import Path

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QFontMetrics, QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from .widgets import heading, paragraph

NOTICE_STYLE = (
    "QFrame#leavingNotice { border: 1px solid #b58a00; border-left: 5px solid #b58a00; "
    "border-radius: 4px; background: #fffaf0; }"
)
NOT_ENCRYPTED = (
    "It is not encrypted: anyone who can open it can read it. Keep it as securely as the "
    "register itself, share it only as the trust's IP policy allows, and delete it when it "
    "is no longer needed."
)
AUDITED = "Writing it is recorded in the audit trail, with the sections it holds."


def q_date(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def py_date(value: QDate) -> dt.date:
    return dt.date(value.year(), value.month(), value.day())


def problem_label(name: str = "Problem") -> QLabel:
    """A label for a problem, shown beside the field it is about (kept in place when hidden)."""
    label = QLabel()
    label.setObjectName("errorText")
    label.setWordWrap(True)
    label.setAccessibleName(name)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.hide()
    return label


def status_label(name: str) -> QLabel:
    label = QLabel()
    label.setObjectName("hintText")
    label.setWordWrap(True)
    label.setAccessibleName(name)
    label.setTextInteractionFlags(
        Qt.TextInteractionFlag.TextSelectableByMouse
        | Qt.TextInteractionFlag.TextSelectableByKeyboard
    )
    label.hide()
    return label


def say_in(label: QLabel, text: str, *, problem: bool = False) -> None:
    """Show ``text`` in a status label, as a problem (dark red, bold) or as plain news."""
    name = "errorText" if problem else "stageText"
    if label.objectName() != name:
        label.setObjectName(name)
        label.style().unpolish(label)
        label.style().polish(label)
    label.setText(text)
    label.setVisible(bool(text))


def sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def pdf_path(chosen: str) -> Path:
    path = Path(chosen)
    return path if path.suffix.lower() == ".pdf" else path.with_name(path.name + ".pdf")


def fit_height(dialog: QDialog, width: int | None = None) -> None:
    """Make ``dialog`` exactly as tall as its content at its width (content that appears or
    goes, like a message beside a field, neither squeezes nor spreads out the rest)."""
    layout = dialog.layout()
    if layout is None:
        return
    layout.activate()
    width = width or dialog.width()
    needed = max(layout.totalHeightForWidth(width), layout.totalMinimumSize().height())
    if (dialog.width(), dialog.height()) != (width, needed):
        dialog.resize(width, needed)


@contextlib.contextmanager
def busy_cursor() -> Iterator[None]:
    QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        yield
    finally:
        QGuiApplication.restoreOverrideCursor()


# -- what leaves the register ----------------------------------------------------------------
class LeavingNotice(QFrame):
    """The notice shown before any file leaves the encrypted register: what will be written,
    that it is not encrypted, and that writing it is recorded in the audit trail."""

    def __init__(self, what: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("leavingNotice")
        self.setStyleSheet(NOTICE_STYLE)
        title = QLabel("This leaves the encrypted register")
        title.setObjectName("stageText")
        title.setWordWrap(True)
        self.what = paragraph(what)
        self.what.setAccessibleName("What will be written")
        self.warning = paragraph(NOT_ENCRYPTED)
        self.warning.setAccessibleName("Not encrypted")
        self.audited = paragraph(AUDITED)
        self.audited.setAccessibleName("Audit trail")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 14, 12)
        layout.setSpacing(6)
        for label in (title, self.what, self.warning, self.audited):
            layout.addWidget(label)
        self.setAccessibleName("This leaves the encrypted register")
        self.setAccessibleDescription(f"{what} {NOT_ENCRYPTED} {AUDITED}")

    def text(self) -> str:
        return f"{self.what.text()}\n{NOT_ENCRYPTED}\n{AUDITED}"


WRAP_AT = 56  # characters: a section's checkbox is no wider than this (a checkbox cannot wrap)


def _wrapped(title: str, metrics: QFontMetrics) -> str:
    """``title`` broken into lines no wider than ``WRAP_AT`` average characters, the file
    name after the dash on a line of its own first."""
    width = metrics.averageCharWidth() * WRAP_AT
    if metrics.horizontalAdvance(title) <= width:
        return title
    head, dash, file = title.rpartition(" – ")
    if dash and metrics.horizontalAdvance(head) <= width:
        return f"{head}\n– {file}"
    lines: list[str] = []
    for word in title.split(" "):
        if lines and metrics.horizontalAdvance(f"{lines[-1]} {word}") <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return "\n".join(lines)


class SectionList(QWidget):
    """The sections a file will hold: a checkbox each to choose from (all ticked at first),
    or, when the sections are fixed, a plain list."""

    changed = Signal()

    def __init__(
        self,
        sections: Sequence[tuple[str, str]],
        *,
        choosable: bool,
        columns: int = 2,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.sections = list(sections)
        self.choosable = choosable
        self.boxes: dict[str, QCheckBox] = {}
        self.tick_all_button: QPushButton | None = None
        self.untick_all_button: QPushButton | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        grid = QGridLayout()
        grid.setHorizontalSpacing(24)
        grid.setVerticalSpacing(0 if choosable else 2)
        rows = (len(self.sections) + columns - 1) // max(1, columns)
        if not choosable:
            # Numbered as the report numbers them, down the first column, then the next.
            self.labels: list[QLabel] = []
            for index, (_key, title) in enumerate(self.sections):
                label = QLabel(f"{index + 1}. {title}")
                grid.addWidget(label, index % rows, index // rows)
                self.labels.append(label)
            grid.setColumnStretch(columns, 1)
            layout.addLayout(grid)
            self.setAccessibleName("Sections in the file")
            self.setAccessibleDescription("; ".join(t for _k, t in self.sections))
            return
        for index, (key, title) in enumerate(self.sections):
            box = QCheckBox(_wrapped(title, self.fontMetrics()))
            box.setChecked(True)
            box.setAccessibleName(title)
            box.toggled.connect(self.changed)
            grid.addWidget(box, index % rows, index // rows)
            self.boxes[key] = box
        layout.addLayout(grid)
        self.tick_all_button = QPushButton("Tick &all")
        self.tick_all_button.setAccessibleName("Tick all the sections")
        self.tick_all_button.clicked.connect(lambda: self.set_chosen(self.keys()))
        self.untick_all_button = QPushButton("&Untick all")
        self.untick_all_button.setAccessibleName("Untick all the sections")
        self.untick_all_button.clicked.connect(lambda: self.set_chosen(()))
        bar = QHBoxLayout()
        bar.addWidget(self.tick_all_button)
        bar.addWidget(self.untick_all_button)
        bar.addStretch(1)
        layout.addLayout(bar)

    def keys(self) -> list[str]:
        return [key for key, _title in self.sections]

    def text(self) -> str:
        """The sections as shown, one per line."""
        if self.choosable:
            return "\n".join(box.accessibleName() for box in self.boxes.values())
        return "\n".join(label.text() for label in self.labels)

    def chosen(self) -> list[str]:
        """The keys of the sections chosen, in the sections' order (all of them when fixed)."""
        if not self.choosable:
            return self.keys()
        return [key for key, box in self.boxes.items() if box.isChecked()]

    def set_chosen(self, keys: Sequence[str]) -> None:
        wanted = set(keys)
        for key, box in self.boxes.items():
            box.setChecked(key in wanted)

    def focus_widgets(self) -> list[QWidget]:
        out: list[QWidget] = list(self.boxes.values())
        if self.tick_all_button is not None and self.untick_all_button is not None:
            out += [self.tick_all_button, self.untick_all_button]
        return out


def escape_html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class LeavingRegisterDialog(QDialog):
    """Says that a file is about to leave the encrypted register, and shows (or lets the
    person choose) the sections it will hold. Continue accepts; nothing is written here."""

    def __init__(
        self,
        title: str,
        what: str,
        sections: Sequence[tuple[str, str]],
        *,
        choosable: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"{title}: this leaves the encrypted register")
        self.setAccessibleName(f"{title} leaves the encrypted register")
        self.setModal(True)
        self.notice = LeavingNotice(what)
        self.sections = SectionList(sections, choosable=choosable)
        self.sections.changed.connect(self._clear_problem)
        self.problem = problem_label()
        caption = QLabel(
            "Sections to include (untick any it should leave out):"
            if choosable
            else "The file holds these sections:"
        )
        caption.setObjectName("stageText")
        caption.setWordWrap(True)
        self.continue_button = QPushButton("&Continue")
        self.continue_button.setDefault(True)
        self.continue_button.setAccessibleName(f"Continue: write the {title.lower()}")
        self.continue_button.clicked.connect(self.accept)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAccessibleName("Cancel: write nothing")
        self.cancel_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.continue_button)
        buttons.addWidget(self.cancel_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 18, 22, 16)
        layout.setSpacing(12)
        layout.addWidget(heading(title, 2))
        layout.addWidget(self.notice)
        layout.addWidget(caption)
        layout.addWidget(self.sections)
        layout.addWidget(self.problem)
        layout.addStretch(1)
        layout.addLayout(buttons)
        chain = [*self.sections.focus_widgets(), self.continue_button, self.cancel_button]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)
        self.continue_button.setFocus()
        self.setMinimumWidth(640)
        fit_height(self, 640)

    def chosen_sections(self) -> list[str]:
        return self.sections.chosen()

    def _clear_problem(self) -> None:
        if not self.problem.isHidden():
            self.problem.hide()
            fit_height(self)

    def accept(self) -> None:
        if not self.sections.chosen():
            self.problem.setText("Tick at least one section, or cancel.")
            self.problem.show()
            fit_height(self)
            return
        super().accept()
