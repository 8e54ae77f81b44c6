"""Assets and renewals (guidance steps 6 and 8): the rights the trust holds and their deadlines.

The page lists the deadlines due in the next 90 days (renewals, priority, reviews, and the
case deadlines the store gathers) above the rights themselves. Rights are added and edited in
:class:`RightDialog`, which previews a GB patent's renewal schedule as the dates are typed; a
renewal payment is recorded in :class:`RenewalPaidDialog` (optionally with its cost in the
costs ledger, in the same transaction) and a portfolio review in :class:`ReviewDialog`.

The page refreshes only from the session's signals (``changed``, ``opened``, ``locked``);
the dialogs save through the store and never touch the page. Overdue items are said in words
and shown in bold, never by colour alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, QTimer
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from nhsip_desktop.assets.fees import FeeSchedule
from nhsip_desktop.assets.renewals import (
    Deadline,
    RenewalDue,
    expected_renewal_words,
    next_filing_step,
    payable_renewals,
    pending_renewals,
    renewals_for,
    review_due,
)
from nhsip_desktop.assets.rights import Right
from nhsip_desktop.cases.model import format_date
from nhsip_desktop.store.deadlines import all_deadlines

from .assets_dialogs import RenewalPaidDialog, ReviewDialog, fee_words
from .assets_right_dialog import RightDialog
from .guidance_help import with_guidance
from .kit import RecordTable
from .kit.table import PaddedDelegate
from .session import RegisterSession
from .table_model import RowsModel
from .widgets import heading, paragraph

__all__ = [
    "DEADLINE_COLUMNS",
    "DEADLINE_DAYS",
    "RIGHT_COLUMNS",
    "RIGHT_ID_ROLE",
    "SOURCE_ID_ROLE",
    "AssetsPage",
    "DeadlineTableModel",
    "RenewalPaidDialog",
    "ReviewDialog",
    "RightDialog",
    "RightTableModel",
    "fee_words",
    "next_renewal",
    "payable_renewals",
    "renewal_schedule",
]

Index = QModelIndex | QPersistentModelIndex

DEADLINE_DAYS = 90
DEADLINE_COLUMNS: tuple[str, ...] = ("Due", "When", "What", "Case or right")
RIGHT_COLUMNS: tuple[str, ...] = (
    "Title",
    "Type",
    "Where",
    "Application no.",
    "Status",
    "Filed",
    "Next renewal",
    "Next filing step",
    "Next review",
)
SOURCE_ID_ROLE = Qt.ItemDataRole.UserRole + 1  # a deadline's source id ("right:3:renewal:5")
RIGHT_ID_ROLE = Qt.ItemDataRole.UserRole + 2  # the right's id (both tables, where known)

# Changes of these record kinds cannot move a deadline or a right: no refresh for them.
IGNORED_KINDS = frozenset({"cost", "attachment", "return", "worksheet", "assessment"})
DASH = "—"


# -- renewals of one right (the same rules as ``renewals.right_deadlines``) ------------------
renewal_schedule = renewals_for  # one rule set, in the domain


def next_renewal(right: Right, schedule: FeeSchedule | None) -> RenewalDue | None:
    """The first renewal not yet recorded as paid, or None."""
    pending = pending_renewals(right, schedule)
    return pending[0] if pending else None


def _right_id(source_id: str) -> int | None:
    parts = source_id.split(":")
    if len(parts) >= 2 and parts[0] == "right" and parts[1].isdigit():
        return int(parts[1])
    return None


def _wants_refresh(changes: object) -> bool:
    kinds: frozenset[str] = getattr(changes, "kinds", frozenset())
    return not kinds or not kinds <= IGNORED_KINDS


# -- table models ----------------------------------------------------------------------------
class _RefreshWhenShown(RowsModel):
    """A model whose page may be hidden: while it is, a change only marks it stale (re-reading
    every deadline or right of a large register takes a moment, and nobody is looking); the
    page refreshes it when shown. ``is_shown`` is set by the page."""

    def _follow(self, session: RegisterSession) -> None:
        self.is_shown: Callable[[], bool] = lambda: True
        self.stale = False
        session.changed.connect(self._on_changed)
        session.opened.connect(self._on_opened)
        session.locked.connect(self.clear)

    def refresh(self) -> None:  # each list reads its own rows
        raise NotImplementedError

    def clear(self) -> None:
        raise NotImplementedError

    def _on_opened(self) -> None:
        if self.is_shown():
            self.refresh()
        else:
            self.stale = True

    def _on_changed(self, changes: object) -> None:
        if _wants_refresh(changes):
            self._on_opened()


class DeadlineTableModel(_RefreshWhenShown):
    """Deadlines overdue or due in the next 90 days, overdue first (``all_deadlines``)."""

    columns = DEADLINE_COLUMNS

    def __init__(self, session: RegisterSession, days: int = DEADLINE_DAYS) -> None:
        super().__init__()
        self._session = session
        self.days = days
        self.today = dt.date.today()
        self._rows: list[Deadline] = []
        self._follow(session)

    def refresh(self) -> None:
        self.stale = False
        self.beginResetModel()
        self.today = dt.date.today()
        if self._session.is_open:
            self._rows = all_deadlines(self._session.register, self.today, self.days)
        else:
            self._rows = []
        self.endResetModel()

    def clear(self) -> None:
        self.beginResetModel()
        self._rows = []
        self.endResetModel()

    def deadline_at(self, row: int) -> Deadline | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    @property
    def overdue_count(self) -> int:
        return sum(1 for d in self._rows if d.days_left(self.today) < 0)

    # -- cells ------------------------------------------------------------------------------
    def text(self, deadline: Deadline, column: int) -> str:
        if column == 0:
            return format_date(deadline.due)
        if column == 1:
            return deadline.describe(self.today)
        if column == 2:
            return deadline.text
        return deadline.reference

    def accessible(self, deadline: Deadline, column: int) -> str:
        return self.text(deadline, column)

    def tooltip(self, deadline: Deadline, column: int) -> str | None:
        return f"{deadline.describe(self.today)}: {deadline.text}"

    def is_bold(self, deadline: Deadline, column: int) -> bool:
        return deadline.days_left(self.today) < 0

    def extra(self, deadline: Deadline, role: int) -> Any:
        if role == SOURCE_ID_ROLE:
            return deadline.source_id
        if role == RIGHT_ID_ROLE:
            return _right_id(deadline.source_id)
        return None


class RightTableModel(_RefreshWhenShown):
    """Every right in the register, in filing order, with its next renewal and review."""

    columns = RIGHT_COLUMNS

    def __init__(self, session: RegisterSession) -> None:
        super().__init__()
        self._session = session
        self.today = dt.date.today()
        self._rows: list[Right] = []
        self._schedule: FeeSchedule | None = None
        self._renewals: dict[int, RenewalDue | None] = {}
        self._steps: dict[int, Deadline | None] = {}
        self._follow(session)

    def refresh(self) -> None:
        self.stale = False
        self.beginResetModel()
        self.today = dt.date.today()
        self._renewals.clear()
        self._steps.clear()
        if self._session.is_open:
            register = self._session.register
            self._schedule = register.reference.fee_schedule()
            self._rows = register.rights.all()
        else:
            self._schedule, self._rows = None, []
        self.endResetModel()

    def clear(self) -> None:
        self.beginResetModel()
        self._rows, self._schedule = [], None
        self._renewals.clear()
        self.endResetModel()

    @property
    def schedule(self) -> FeeSchedule | None:
        return self._schedule

    def right_at(self, row: int) -> Right | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, right_id: int) -> int:
        for row, right in enumerate(self._rows):
            if right.id == right_id:
                return row
        return -1

    def renewal(self, right: Right) -> RenewalDue | None:
        key = right.id if right.id is not None else -1
        if key not in self._renewals:
            self._renewals[key] = next_renewal(right, self._schedule)
        return self._renewals[key]

    # -- words ---------------------------------------------------------------------------
    def renewal_text(self, right: Right) -> str:
        renewal = self.renewal(right)
        if renewal is None:
            # Not yet granted: when the first renewal is expected (renewals.py, one home).
            return expected_renewal_words(right, self.today) or DASH
        year = f"Year {renewal.renewal_year}"
        if self.today > renewal.late_until:
            return f"{year} missed: was due {format_date(renewal.due)}\n{renewal.lapsed_words}"
        fee = fee_words(renewal.fee)
        if self.today > renewal.due:
            return f"{year} overdue: was due {format_date(renewal.due)}\n{fee}"
        return f"{year} due {format_date(renewal.due)}\n{fee}"

    def filing_step(self, right: Right) -> Deadline | None:
        """The right's next priority, PCT phase or validation date, however far away."""
        key = right.id if right.id is not None else -1
        if key not in self._steps:
            self._steps[key] = next_filing_step(right, self.today, self._rows)
        return self._steps[key]

    def renewal_late(self, right: Right) -> bool:
        renewal = self.renewal(right)
        return renewal is not None and self.today > renewal.due

    def review_overdue(self, right: Right) -> bool:
        due = review_due(right)
        return due is not None and due < self.today

    def text(self, right: Right, column: int) -> str:
        if column == 0:
            return right.display_title
        if column == 1:
            return right.right_type.label
        if column == 2:
            return right.jurisdiction or DASH
        if column == 3:
            return right.application_number or DASH
        if column == 4:
            return right.status.label_for(right.right_type)
        if column == 5:
            return format_date(right.filing_date) or DASH
        if column == 6:
            return self.renewal_text(right)
        if column == 7:
            step = self.filing_step(right)
            return f"{format_date(step.due)}\n{step.text.split(':')[0]}" if step else DASH
        if right.next_review is None:
            return DASH
        if self.review_overdue(right):
            return f"Overdue: {format_date(right.next_review)}"
        return format_date(right.next_review)

    def tooltip(self, right: Right, column: int) -> str:
        if column == 6:
            renewal = self.renewal(right)
            if renewal is None:
                if right.right_type.registered and not right.is_gb:
                    return "Renewals outside the UK are tracked by the attorney."
                if right.right_type.registered:
                    return "Renewals start once the right is granted or registered."
                return "Unregistered rights are not renewed."
            return f"{renewal.status(self.today)}. Fee: {fee_words(renewal.fee)}."
        if column == 7:
            step = self.filing_step(right)
            return step.text if step else "No priority, PCT phase or validation date pending."
        if column == 8 and self.review_overdue(right):
            return "The review of this right is past its date."
        return self.text(right, column).replace("\n", " ")

    def is_bold(self, right: Right, column: int) -> bool:
        return (column == 6 and self.renewal_late(right)) or (
            column == 8 and self.review_overdue(right)
        )

    def extra(self, right: Right, role: int) -> Any:
        return right.id if role == RIGHT_ID_ROLE else None


# -- the page ----------------------------------------------------------------------------------


class AssetsPage(QWidget):
    """The "Assets and renewals" area: upcoming deadlines above the rights themselves."""

    def __init__(self, session: RegisterSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("area-assets")
        self.setAccessibleName("Assets and renewals")
        self.session = session
        self.deadline_model = DeadlineTableModel(session)
        self.deadline_model.is_shown = self.isVisible
        self.right_model = RightTableModel(session)
        self.right_model.is_shown = self.isVisible
        self._selected_id: int | None = None
        self._dialog: QDialog | None = None

        intro = paragraph(
            "The trust's rights with their renewal, priority and review deadlines: protect "
            "only what is worth its cost, and review each right regularly (guidance steps 6 "
            "and 8)."
        )

        # (a) upcoming deadlines
        self.deadline_count = QLabel()
        self.deadline_count.setObjectName("resultCount")
        self.deadline_count.setAccessibleName("Number of upcoming deadlines")
        self.deadlines = RecordTable("Upcoming deadlines")
        self.deadlines.setModel(self.deadline_model)
        self.deadlines.size_columns(
            {0: "30/09/2026", 1: "Overdue by 365 days", 3: "IP-2026-0001 (a title)"}, stretch=2
        )
        self.deadlines.activated.connect(self._deadline_activated)
        self.deadlines.doubleClicked.connect(self._deadline_activated)
        self.no_deadlines = QLabel(
            f"Nothing is due in the next {DEADLINE_DAYS} days, and nothing is overdue."
        )
        self.no_deadlines.setObjectName("hintText")

        # (b) rights
        self.right_count = QLabel()
        self.right_count.setObjectName("resultCount")
        self.right_count.setAccessibleName("Number of rights")
        self.rights = RecordTable("Rights")
        self.rights.setModel(self.right_model)
        # The title takes the spare width (a 40-character title on one line at 1366x768);
        # the other columns are as wide as their short content and their longer words wrap.
        # The table is not sorted: no room is kept for a sort arrow.
        self.rights.PADDING = 2 * PaddedDelegate.PAD_X + 4
        self.rights.size_columns(
            {
                1: "Trade mark",
                2: "Where",
                3: "GB2401234.5",
                4: "Registered",
                5: "30/09/2026",
                6: "Year 5 due 30/09/2026",
                7: "30/09/2026",
                8: "30/09/2026",
            },
            stretch=0,
        )
        self.rights.activated.connect(lambda _index: self.edit_right())
        self.rights.doubleClicked.connect(lambda _index: self.edit_right())
        self.rights.selectionModel().currentRowChanged.connect(self._selection_changed)
        self.no_rights = QLabel(
            "No rights recorded yet. Add a patent, registered design, trade mark or an "
            "unregistered right (copyright, design right, database right, know-how) with "
            "Add right…"
        )
        self.no_rights.setObjectName("hintText")
        self.no_rights.setWordWrap(True)

        self.add_button = QPushButton("&Add right…")
        self.add_button.setAccessibleName("Add a right")
        self.add_button.clicked.connect(self.add_right)
        self.edit_button = QPushButton("&Edit…")
        self.edit_button.setAccessibleName("Edit the selected right")
        self.edit_button.clicked.connect(self.edit_right)
        self.renewal_button = QPushButton("Record &renewal paid…")
        self.renewal_button.setAccessibleName("Record a renewal paid for the selected right")
        self.renewal_button.clicked.connect(self.record_renewal)
        self.review_button = QPushButton("Record re&view…")
        self.review_button.setAccessibleName("Record a review of the selected right")
        self.review_button.clicked.connect(self.record_review)

        deadline_title = QHBoxLayout()
        deadline_heading = heading(f"Upcoming deadlines (next {DEADLINE_DAYS} days)", 2)
        deadline_heading.setWordWrap(False)
        deadline_title.addWidget(deadline_heading)
        deadline_title.addSpacing(12)
        deadline_title.addWidget(self.deadline_count)
        deadline_title.addStretch(1)

        right_title = QHBoxLayout()
        right_title.addWidget(heading("Rights", 2))
        right_title.addSpacing(12)
        right_title.addWidget(self.right_count)
        right_title.addStretch(1)
        for button in (
            self.add_button,
            self.edit_button,
            self.renewal_button,
            self.review_button,
        ):
            right_title.addWidget(button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.setSpacing(8)
        layout.addWidget(heading("Assets and renewals"))
        layout.addWidget(with_guidance(intro, "Step 8"))
        layout.addSpacing(6)
        # The two lists share the height by their content (a splitter the person can move):
        # the rights table takes the rows it has, the deadlines the rest.
        upper = QWidget()
        upper_layout = QVBoxLayout(upper)
        upper_layout.setContentsMargins(0, 0, 0, 0)
        upper_layout.setSpacing(8)
        upper_layout.addLayout(deadline_title)
        upper_layout.addWidget(self.deadlines, 1)
        upper_layout.addWidget(self.no_deadlines)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 10, 0, 0)
        lower_layout.setSpacing(8)
        lower_layout.addLayout(right_title)
        lower_layout.addWidget(self.rights, 1)
        lower_layout.addWidget(self.no_rights)
        self.split = QSplitter(Qt.Orientation.Vertical)
        self.split.setChildrenCollapsible(False)
        self.split.addWidget(upper)
        self.split.addWidget(lower)
        self._split_moved = False
        self.split.splitterMoved.connect(lambda *_: setattr(self, "_split_moved", True))
        layout.addWidget(self.split, 1)

        self.deadline_model.modelReset.connect(self._deadlines_reset)
        self.right_model.modelReset.connect(self._rights_reset)
        self.right_model.modelAboutToBeReset.connect(self._remember_selection)
        session.locked.connect(self._forget_selection)
        self.deadline_model.refresh()
        self.right_model.refresh()

    # -- refresh -------------------------------------------------------------------------
    def _size_split(self) -> None:
        """The rights table as tall as its rows (three at least, half the page at most); the
        deadlines get the rest. Not after the person has moved the splitter."""
        if self._split_moved:
            return
        total = sum(self.split.sizes()) or self.split.height()
        if total <= 0:
            return
        rows = max(3, self.right_model.rowCount())
        table = self.rights
        wanted = (
            table.horizontalHeader().height()
            + sum(table.rowHeight(r) for r in range(self.right_model.rowCount()))
            + max(0, rows - self.right_model.rowCount()) * 30
            + 2 * table.frameWidth()
            + 60  # the "Rights" title row and spacing
        )
        lower = min(wanted, total // 2)
        self.split.setSizes([total - lower, lower])

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._size_split()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        # "Due in 3 days" is relative to today: refresh when shown on a later day, or when
        # the register changed while the page was hidden.
        stale = self.deadline_model.stale or self.deadline_model.today != dt.date.today()
        if self.session.is_open and stale:
            self.deadline_model.refresh()
            self.right_model.refresh()
        elif self.session.is_open and self.right_model.stale:
            self.right_model.refresh()

    def _deadlines_reset(self) -> None:
        rows = self.deadline_model.rowCount()
        overdue = self.deadline_model.overdue_count
        self.deadlines.setVisible(rows > 0)
        self.no_deadlines.setVisible(rows == 0 and self.session.is_open)
        if not self.session.is_open:
            self.deadline_count.setText("")
            return
        text = f"{rows} deadline{'s' if rows != 1 else ''}"
        if overdue:
            text += f", {overdue} overdue"
        self.deadline_count.setText(text)

    def _remember_selection(self) -> None:
        right = self.current_right()
        if right is not None:
            self._selected_id = right.id

    def _forget_selection(self) -> None:
        self._selected_id = None

    def _rights_reset(self) -> None:
        rows = self.right_model.rowCount()
        self.rights.setVisible(rows > 0)
        self.no_rights.setVisible(rows == 0 and self.session.is_open)
        self.add_button.setEnabled(self.session.is_open)
        self.right_count.setText(
            f"{rows} right{'s' if rows != 1 else ''}" if self.session.is_open else ""
        )
        if self._selected_id is not None:
            self.select_right(self._selected_id)
        self._update_buttons()
        QTimer.singleShot(0, self._size_split)  # after the rows have their heights

    def _selection_changed(self) -> None:
        right = self.current_right()
        self._selected_id = right.id if right is not None else self._selected_id
        self._update_buttons()

    def _update_buttons(self) -> None:
        right = self.current_right()
        chosen = right is not None
        self.edit_button.setEnabled(chosen)
        self.review_button.setEnabled(chosen)
        payable = right is not None and bool(
            payable_renewals(right, self.right_model.schedule, dt.date.today())
        )
        self.renewal_button.setEnabled(payable)
        if right is None:
            why = "Select a right first."
        elif payable:
            why = "Record that a renewal fee was paid, and add it to the costs ledger."
        else:
            why = (
                "Renewals are recorded for granted GB patents and UK registered designs and "
                "trade marks; the selected right has none to pay."
            )
        self.renewal_button.setToolTip(why)
        self.renewal_button.setAccessibleDescription(why)

    # -- selection -----------------------------------------------------------------------
    def current_right(self) -> Right | None:
        index = self.rights.currentIndex()
        return self.right_model.right_at(index.row()) if index.isValid() else None

    def select_right(self, right_id: int) -> bool:
        row = self.right_model.row_of(right_id)
        if row < 0:
            return False
        self.rights.setCurrentIndex(self.right_model.index(row, 0))
        self.rights.selectRow(row)
        return True

    def _deadline_activated(self, index: QModelIndex) -> None:
        right_id = index.data(RIGHT_ID_ROLE)
        if right_id is not None and self.select_right(int(right_id)):
            self.rights.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- actions (each opens a window-modal dialog and returns it) --------------------------
    def _show(self, dialog: QDialog) -> QDialog:
        if self._dialog is not None:
            self._dialog.deleteLater()
        self._dialog = dialog
        dialog.open()
        return dialog

    def add_right(self) -> RightDialog | None:
        if not self.session.is_open:
            return None
        dialog = RightDialog(self.session, parent=self)
        self._show(dialog)
        return dialog

    def edit_right(self) -> RightDialog | None:
        right = self.current_right()
        if right is None or not self.session.is_open:
            return None
        dialog = RightDialog(self.session, right, parent=self)
        self._show(dialog)
        return dialog

    def record_renewal(self) -> RenewalPaidDialog | None:
        right = self.current_right()
        if right is None or not self.session.is_open or not self.renewal_button.isEnabled():
            return None
        dialog = RenewalPaidDialog(self.session, right, parent=self)
        self._show(dialog)
        return dialog

    def record_review(self) -> ReviewDialog | None:
        right = self.current_right()
        if right is None or not self.session.is_open:
            return None
        dialog = ReviewDialog(self.session, right, parent=self)
        self._show(dialog)
        return dialog
