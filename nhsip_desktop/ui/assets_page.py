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
import itertools
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, QTimer
from PySide6.QtGui import QFont, QFontMetrics, QKeyEvent, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nhsip_desktop.assets.fees import Fee, FeeSchedule
from nhsip_desktop.assets.renewals import (
    Deadline,
    RenewalDue,
    expected_renewal_words,
    gb_patent_renewals,
    next_filing_step,
    payable_renewals,
    pending_renewals,
    renewals_for,
    review_due,
)
from nhsip_desktop.assets.rights import Right, RightStatus, RightType, validate_right
from nhsip_desktop.cases.model import format_date
from nhsip_desktop.core.countries import countries
from nhsip_desktop.core.money import money, parse_money
from nhsip_desktop.finance.ledgers import CostCategory, CostEntry, ReviewOutcome
from nhsip_desktop.store.deadlines import all_deadlines
from nhsip_desktop.store.errors import NotFoundError, RegisterError, ValidationError

from .guidance_help import with_guidance
from .list_editor import parse_date
from .session import RegisterSession
from .table_model import RowsModel
from .widgets import add_row, heading, paragraph

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
PREVIEW_COLUMNS: tuple[str, ...] = (
    "Year",
    "Due",
    "Window opens",
    "No penalty until",
    "Late until",
    "Fee",
)
SOURCE_ID_ROLE = Qt.ItemDataRole.UserRole + 1  # a deadline's source id ("right:3:renewal:5")
RIGHT_ID_ROLE = Qt.ItemDataRole.UserRole + 2  # the right's id (both tables, where known)

# Changes of these record kinds cannot move a deadline or a right: no refresh for them.
IGNORED_KINDS = frozenset({"cost", "attachment", "return", "worksheet", "assessment"})
DASH = "—"
RENEWAL_SUPPLIER = "UK Intellectual Property Office"


# -- renewals of one right (the same rules as ``renewals.right_deadlines``) ------------------
renewal_schedule = renewals_for  # one rule set, in the domain


def next_renewal(right: Right, schedule: FeeSchedule | None) -> RenewalDue | None:
    """The first renewal not yet recorded as paid, or None."""
    pending = pending_renewals(right, schedule)
    return pending[0] if pending else None


def fee_words(fee: Fee | None) -> str:
    """ "£70 as of 31/03/2026, check before relying"; "fee not known" without a figure."""
    if fee is None or fee.amount is None:
        return "fee not known"
    words = f"{money(fee.amount).removesuffix('.00')} {fee.as_of_text}"
    return f"{words}, {fee.caveat}" if fee.caveat else words


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
class _Table(QTableView):
    """A read-only table: whole rows, wrapped text, Enter activates the current row."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.setAccessibleName(name)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setWordWrap(True)
        self.setTabKeyNavigation(False)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.verticalHeader().setMinimumSectionSize(28)
        self.setStyleSheet("QTableView::item { padding: 3px 4px; }")
        self.horizontalHeader().setHighlightSections(False)
        self.horizontalHeader().setDefaultAlignment(
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        )

    def size_columns(self, samples: dict[int, str], stretch: int) -> None:
        """Each column in ``samples`` as wide as its sample text in bold (overdue rows are
        bold) or its title, whichever is wider; ``stretch`` takes the spare width."""
        header = self.horizontalHeader()
        bold = QFont(self.font())
        bold.setBold(True)
        metrics = QFontMetrics(bold)
        titles = self.model()
        for column, sample in samples.items():
            title = str(titles.headerData(column, Qt.Orientation.Horizontal) or "")
            width = max(metrics.horizontalAdvance(sample), metrics.horizontalAdvance(title))
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, width + 22)
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.activated.emit(self.currentIndex())
            return
        super().keyPressEvent(event)


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
        self.deadlines = _Table("Upcoming deadlines")
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
        self.rights = _Table("Rights")
        self.rights.setModel(self.right_model)
        self.rights.size_columns(
            {
                1: "Trade mark",
                2: "Where",
                3: "GB2401234.5",
                4: "Registered",
                5: "30/09/2026",
                6: "£70 as of 31/03/2026, check before relying",
                7: "PCT national and regional phase",
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


# -- dialogs: shared pieces ---------------------------------------------------------------
class _FormDialog(QDialog):
    """A dialog whose fields each have a problem label beside them, and one general label."""

    def __init__(self, session: RegisterSession, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.session = session
        self.inputs: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}
        self._help: dict[str, str] = {}
        self._rows: dict[str, tuple[QFormLayout, int]] = {}
        self.error = QLabel()
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self.error.setAccessibleName("Problem")
        self.error.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        session.locked.connect(self.reject)  # nothing can be saved once the register locks

    def field(
        self, form: QFormLayout, key: str, label: str, widget: QWidget, help_text: str = ""
    ) -> QWidget:
        add_row(form, label, widget, help_text)
        problem = _hint(name="errorText")
        problem.setAccessibleName(f"Problem with {label.replace('&', '').rstrip(':')}")
        form.addRow("", problem)
        self._rows[key] = (form, form.rowCount() - 1)
        form.setRowVisible(form.rowCount() - 1, False)  # no gap while there is no problem
        self.inputs[key] = widget
        self.errors[key] = problem
        self._help[key] = help_text
        if isinstance(widget, QLineEdit):
            widget.textEdited.connect(lambda _text, k=key: self.clear_problem(k))
        elif isinstance(widget, QPlainTextEdit):
            widget.textChanged.connect(lambda k=key: self.clear_problem(k))
        elif isinstance(widget, QComboBox):
            widget.currentIndexChanged.connect(lambda _i, k=key: self.clear_problem(k))
        return widget

    def clear_problem(self, key: str) -> None:
        label = self.errors.get(key)
        if label is not None and not label.isHidden():
            form, row = self._rows[key]
            form.setRowVisible(row, False)
            label.clear()
            self.inputs[key].setAccessibleDescription(self._help.get(key, ""))

    def clear_problems(self) -> None:
        for key in self.errors:
            self.clear_problem(key)
        self.error.hide()
        self.error.clear()

    def show_problems(self, problems: Sequence[tuple[str | None, str]]) -> None:
        """Each message beside its field (several join up); others in the general label."""
        general: list[str] = []
        shown: dict[str, list[str]] = {}
        for key, message in problems:
            if key in self.errors and key is not None:
                if message not in shown.setdefault(key, []):
                    shown[key].append(message)
            elif message not in general:
                general.append(message)
        for key, messages in shown.items():
            label = self.errors[key]
            label.setText(" ".join(messages))
            form, row = self._rows[key]
            form.setRowVisible(row, True)
            help_text = self._help.get(key, "")
            self.inputs[key].setAccessibleDescription(f"{' '.join(messages)} {help_text}".strip())
        if general:
            self.error.setText("Not saved: " + " ".join(general))
            self.error.show()
        first = next((self.inputs[k] for k in self.inputs if k in shown), None)
        if first is not None:
            first.setFocus(Qt.FocusReason.OtherFocusReason)

    def problem_text(self, key: str) -> str:
        """The message shown beside a field ("" when none)."""
        label = self.errors[key]
        return "" if label.isHidden() else label.text()

    def save(self) -> bool:  # pragma: no cover - each dialog overrides it
        raise NotImplementedError


def _hint(text: str = "", name: str = "hintText") -> QLabel:
    """A wrapped note under a field, as wide as the field column allows."""
    label = QLabel(text)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    return label


def _date_edit(value: dt.date | None = None) -> QLineEdit:
    edit = QLineEdit(format_date(value))
    edit.setPlaceholderText("dd/mm/yyyy")
    edit.setMaximumWidth(150)
    return edit


def _line(value: str = "", placeholder: str = "") -> QLineEdit:
    edit = QLineEdit(value)
    if placeholder:
        edit.setPlaceholderText(placeholder)
    return edit


def _form() -> QFormLayout:
    form = QFormLayout()
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
    form.setHorizontalSpacing(10)
    form.setVerticalSpacing(4)
    return form


def _parse_dates(
    fields: dict[str, QLineEdit],
) -> tuple[dict[str, dt.date | None], list[tuple[str | None, str]]]:
    values: dict[str, dt.date | None] = {}
    problems: list[tuple[str | None, str]] = []
    for key, edit in fields.items():
        try:
            values[key] = parse_date(edit.text())
        except ValueError as exc:
            values[key] = None
            problems.append((key, str(exc)))
    return values, problems


# -- adding and editing a right -----------------------------------------------------------
TYPES: tuple[RightType, ...] = tuple(RightType)
STATUSES: tuple[RightStatus, ...] = tuple(RightStatus)
DATE_FIELDS = ("filing_date", "priority_date", "publication_date", "grant_date", "next_review")


class RightDialog(_FormDialog):
    """Add a right (``right`` None) or edit one; OK saves through ``register.rights.save``."""

    def __init__(
        self,
        session: RegisterSession,
        right: Right | None = None,
        *,
        case_id: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(session, parent)
        register = session.register
        self.original = right
        self.saved: Right | None = None
        self.schedule = register.reference.fee_schedule()
        title = "Edit right" if right is not None else "Add a right"
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        start = right or Right(None, RightType.PATENT, "GB", "", case_id=case_id)
        reference = ""
        if start.case_id is not None:
            try:
                reference = register.cases.get(start.case_id).reference
            except NotFoundError:
                reference = ""

        self.right_type = QComboBox()
        for kind in TYPES:
            self.right_type.addItem(kind.label)
        self.right_type.setCurrentIndex(TYPES.index(start.right_type))
        self.jurisdiction = _line(start.jurisdiction, "GB, EP, PCT, US…")
        self.jurisdiction.setMaximumWidth(150)
        self.country = QComboBox()
        for code, name in countries().choices():
            self.country.addItem(name if not code else f"{name} ({code})", code)
        self.country.setCurrentIndex(max(0, self.country.findData(start.country)))
        self.title = _line(start.title, "A short name the trust will recognise")
        self.application_number = _line(start.application_number, "e.g. GB2401234.5")
        self.registration_number = _line(start.registration_number, "e.g. GB2601234")
        self.filing_date = _date_edit(start.filing_date)
        self.priority_date = _date_edit(start.priority_date)
        self.publication_date = _date_edit(start.publication_date)
        self.grant_date = _date_edit(start.grant_date)
        self.status = QComboBox()
        for status in STATUSES:
            self.status.addItem(status.label)
        self.status.setCurrentIndex(STATUSES.index(start.status))
        organisation = str(register.settings.get("organisation") or "").strip()
        self.owners = _line(start.owners, f"e.g. {organisation}" if organisation else "")
        self.attorney = _line(start.attorney, "The patent or trade mark attorney, if any")
        self.case_reference = _line(reference, "e.g. IP-2026-0001")
        self.case_reference.setMaximumWidth(200)
        self.case_title = _hint()
        self.next_review = _date_edit(start.next_review)
        self.note = QPlainTextEdit(start.note)
        self.note.setTabChangesFocus(True)
        self.note.setFixedHeight(56)
        self.note.setPlaceholderText("Anything the next person to look at this should know")

        left, right_form = _form(), _form()
        self.field(left, "right_type", "&Type:", self.right_type)
        self.field(
            left,
            "jurisdiction",
            "&Jurisdiction:",
            self.jurisdiction,
            "Where the right was filed: GB (or UK), EP, PCT, or another office. Renewal dates "
            "are worked out for GB and UK rights.",
        )
        self.field(
            left,
            "country",
            "Co&untry:",
            self.country,
            "The country the right has effect in (ISO 3166). Leave it as not recorded for EP "
            "or PCT filings; a jurisdiction such as GB or US gives it anyway.",
        )
        self.field(left, "title", "T&itle:", self.title)
        self.field(left, "application_number", "Application &no.:", self.application_number)
        self.field(left, "registration_number", "Re&gistration no.:", self.registration_number)
        self.field(left, "status", "&Status:", self.status)
        self.field(left, "owners", "O&wners:", self.owners, "Who owns the right, as filed.")
        self.field(left, "attorney", "Attorne&y:", self.attorney)
        self.field(
            right_form,
            "filing_date",
            "&Filing date:",
            self.filing_date,
            "dd/mm/yyyy. Renewal and priority deadlines are worked out from it.",
        )
        self.field(right_form, "priority_date", "&Priority date:", self.priority_date)
        self.field(right_form, "publication_date", "P&ublication date:", self.publication_date)
        self.field(
            right_form,
            "grant_date",
            "Grant or registration &date:",
            self.grant_date,
            "dd/mm/yyyy: the date the patent was granted, or the design or mark registered.",
        )
        self.field(
            right_form,
            "case_id",
            "Linked &case:",
            self.case_reference,
            "The reference of the case this right protects, e.g. IP-2026-0001 (optional).",
        )
        right_form.addRow("", self.case_title)
        self.field(
            right_form,
            "next_review",
            "Next re&view:",
            self.next_review,
            "Left empty, a registered right is due for review a year from today.",
        )
        notes = _form()
        self.field(notes, "note", "N&ote:", self.note)

        self.preview_heading = QLabel("GB patent renewals (preview)")
        self.preview_heading.setObjectName("stageText")
        self.preview_note = _hint()
        self.preview = QTableWidget(0, len(PREVIEW_COLUMNS))
        self.preview.setAccessibleName("Renewal schedule preview")
        self.preview.setHorizontalHeaderLabels(list(PREVIEW_COLUMNS))
        self.preview.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.preview.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.preview.setTabKeyNavigation(False)
        self.preview.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.preview.verticalHeader().setVisible(False)
        self.preview.verticalHeader().setDefaultSectionSize(22)
        self.preview.setAlternatingRowColors(True)
        self.preview.setWordWrap(False)
        self.preview.setMinimumHeight(160)
        header = self.preview.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        bold = QFont(self.preview.font())
        bold.setBold(True)
        metrics = QFontMetrics(bold)
        for column, title in enumerate(PREVIEW_COLUMNS[:-1]):
            sample = "20 (paid 30/09/2026)" if column == 0 else "30/09/2026"
            width = max(metrics.horizontalAdvance(title), metrics.horizontalAdvance(sample))
            header.resizeSection(column, width + 22)
        header.setStretchLastSection(True)
        self.preview_box = QWidget()
        preview_layout = QVBoxLayout(self.preview_box)
        preview_layout.setContentsMargins(0, 6, 0, 0)
        preview_layout.setSpacing(4)
        preview_layout.addWidget(self.preview_heading)
        preview_layout.addWidget(self.preview_note)
        preview_layout.addWidget(self.preview, 1)
        preview_layout.addStretch(0)  # takes the space only while the table is hidden

        columns = QHBoxLayout()
        columns.setSpacing(24)
        columns.addLayout(left, 1)
        columns.addLayout(right_form, 1)
        inner = QWidget()
        inner_layout = QVBoxLayout(inner)
        inner_layout.setContentsMargins(0, 0, 0, 0)
        inner_layout.setSpacing(6)
        inner_layout.addWidget(
            paragraph(
                "A patent, registered design or trade mark filed at an office, or an "
                "unregistered right the trust wants to keep track of. Dates as dd/mm/yyyy."
            )
        )
        inner_layout.addLayout(columns)
        inner_layout.addLayout(notes)
        inner_layout.addWidget(self.preview_box, 10)
        inner_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(inner)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 14)
        layout.setSpacing(8)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

        order: list[QWidget] = [
            self.right_type,
            self.jurisdiction,
            self.country,
            self.title,
            self.application_number,
            self.registration_number,
            self.status,
            self.owners,
            self.attorney,
            self.filing_date,
            self.priority_date,
            self.publication_date,
            self.grant_date,
            self.case_reference,
            self.next_review,
            self.note,
            self.preview,
            self.buttons,
        ]
        for first, second in itertools.pairwise(order):
            QWidget.setTabOrder(first, second)

        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(150)
        self._preview_timer.timeout.connect(self.update_preview)
        self.right_type.currentIndexChanged.connect(self._type_changed)
        self.status.currentIndexChanged.connect(lambda _i: self._preview_timer.start())
        for edit in (self.jurisdiction, self.filing_date, self.grant_date):
            edit.textChanged.connect(lambda _t: self._preview_timer.start())
        self.case_reference.textChanged.connect(self._lookup_case)
        self._type_changed()
        self._lookup_case()
        self.title.setFocus(Qt.FocusReason.OtherFocusReason)
        self._inner = inner
        self.resize(960, 720 if self.preview_box.isVisibleTo(self) else self._compact_height())

    def _compact_height(self) -> int:
        return min(720, self._inner.sizeHint().height() + 110)

    # -- live parts ----------------------------------------------------------------------
    def current_type(self) -> RightType:
        return TYPES[max(self.right_type.currentIndex(), 0)]

    def current_status(self) -> RightStatus:
        return STATUSES[max(self.status.currentIndex(), 0)]

    def _type_changed(self) -> None:
        kind = self.current_type()
        for i, status in enumerate(STATUSES):
            self.status.setItemText(i, status.label_for(kind))
        self.update_preview()

    def _lookup_case(self) -> None:
        text = self.case_reference.text().strip()
        if not text:
            self.case_title.setText("No linked case.")
            return
        try:
            case = self.session.register.cases.get_by_reference(text)
        except NotFoundError:
            self.case_title.setText(f"No case {text.upper()} yet: check the reference.")
            return
        self.case_title.setText(f"{case.reference}: {case.display_title}")

    def update_preview(self) -> None:
        """Show the GB patent renewal schedule for the dates typed so far."""
        self._preview_timer.stop()
        is_gb = self.jurisdiction.text().strip().upper() in ("GB", "UK")
        show = self.current_type() is RightType.PATENT and is_gb
        self.preview_box.setVisible(show)
        if not show:
            return
        if self.isVisible() and self.height() < 700:
            self.resize(self.width(), 720)  # room for the schedule
        try:
            filing = parse_date(self.filing_date.text())
        except ValueError:
            filing = None
        try:
            grant = parse_date(self.grant_date.text())
        except ValueError:
            grant = None
        self.preview.setVisible(filing is not None)
        if filing is None:
            self.preview.setRowCount(0)
            self.preview_note.setText("Type the filing date to see the renewal dates.")
            return
        if grant is not None and grant < filing:
            grant = None  # a problem shown on saving; the ordinary schedule meanwhile
        renewals = gb_patent_renewals(filing, grant, self.schedule)
        paid = self.original.renewals_paid if self.original is not None else {}
        self.preview.setRowCount(len(renewals))
        for row, renewal in enumerate(renewals):
            year = str(renewal.renewal_year)
            if renewal.renewal_year in paid:
                year += f" (paid {format_date(paid[renewal.renewal_year])})"
            cells = (
                year,
                format_date(renewal.due),
                format_date(renewal.window_opens),
                format_date(renewal.no_penalty_until),
                format_date(renewal.late_until),
                fee_words(renewal.fee),
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.preview.setItem(row, column, item)
        notes = [
            "The first renewal is for year 5, due at the end of the month of the 4th "
            "anniversary of filing; fees from the register's fee schedule "
            f"({self.schedule.name})."
        ]
        if any(r.late_grant for r in renewals):
            notes.append(
                "Granted more than 3 years 9 months after filing: the first renewal is due "
                "within 3 months of grant (late-grant rule)."
            )
        if self.current_status() is not RightStatus.GRANTED:
            notes.append("Renewals become payable once the patent is granted.")
        self.preview_note.setText(" ".join(notes))

    # -- saving --------------------------------------------------------------------------
    def candidate(self) -> tuple[Right, list[tuple[str | None, str]]]:
        """The right as typed, and the problems found before the store is asked."""
        dates, problems = _parse_dates({key: getattr(self, key) for key in DATE_FIELDS})
        case_id: int | None = None
        reference = self.case_reference.text().strip()
        if reference:
            try:
                case_id = self.session.register.cases.get_by_reference(reference).id
            except NotFoundError as exc:
                problems.append(("case_id", f"{exc} Check the reference, or leave it empty."))
        base = self.original
        right = Right(
            id=base.id if base is not None else None,
            right_type=self.current_type(),
            jurisdiction=self.jurisdiction.text().strip(),
            title=self.title.text().strip(),
            application_number=self.application_number.text().strip(),
            registration_number=self.registration_number.text().strip(),
            filing_date=dates["filing_date"],
            priority_date=dates["priority_date"],
            publication_date=dates["publication_date"],
            grant_date=dates["grant_date"],
            status=self.current_status(),
            owners=self.owners.text().strip(),
            attorney=self.attorney.text().strip(),
            case_id=case_id,
            next_review=dates["next_review"],
            renewals_paid=dict(base.renewals_paid) if base is not None else {},
            note=self.note.toPlainText().strip(),
            country=str(self.country.currentData() or ""),
        )
        unreadable = {key for key, _message in problems}
        problems.extend(
            (key, message)
            for key, message in validate_right(right, dt.date.today())
            if key not in unreadable
        )
        return right, problems

    def save(self) -> bool:
        self.clear_problems()
        self.update_preview()
        right, problems = self.candidate()
        if problems:
            self.show_problems(problems)
            return False
        try:
            self.saved = self.session.register.rights.save(right)
        except ValidationError as exc:
            self.show_problems(exc.problems or [(None, str(exc))])
            return False
        except RegisterError as exc:
            self.show_problems([(None, str(exc))])
            return False
        self.accept()
        return True


# -- recording a renewal paid -------------------------------------------------------------
class RenewalPaidDialog(_FormDialog):
    """Record a renewal fee paid, and (by default) its cost in the costs ledger, together."""

    def __init__(
        self, session: RegisterSession, right: Right, parent: QWidget | None = None
    ) -> None:
        super().__init__(session, parent)
        self.right = right
        self.schedule = session.register.reference.fee_schedule()
        self.renewals = payable_renewals(right, self.schedule, dt.date.today())
        self.setWindowTitle("Record a renewal paid")
        self.setAccessibleName("Record a renewal paid")
        self._amount_typed = False

        self.year = QComboBox()
        for renewal in self.renewals:
            self.year.addItem(
                f"Year {renewal.renewal_year}: due {format_date(renewal.due)} "
                f"({fee_words(renewal.fee)})"
            )
        self.paid_on = _date_edit(dt.date.today())
        self.state = _hint()
        self.add_cost = QCheckBox("Also add this payment to the costs ledger (official fee)")
        self.add_cost.setChecked(True)
        self.amount = _line("", "e.g. 70.00")
        self.amount.setMaximumWidth(150)
        self.amount.textEdited.connect(self._amount_edited)

        form = _form()
        self.field(form, "renewal_year", "Renewal &year:", self.year)
        self.field(form, "paid_on", "&Date paid:", self.paid_on, "dd/mm/yyyy, today or earlier.")
        form.addRow("", self.state)
        form.addRow("", self.add_cost)
        self.add_cost.setAccessibleName("Also add this payment to the costs ledger")
        self.field(
            form,
            "amount",
            "&Amount paid (£):",
            self.amount,
            "Prefilled with the official fee and any late surcharge; change it to what was paid.",
        )

        intro = paragraph(
            f"{right.display_title} ({right.right_type.label.lower()}, "
            f"{right.application_number or right.jurisdiction}). Record a renewal once the "
            "office has confirmed the payment."
        )
        if not self.renewals:
            self.year.setEnabled(False)
            self.ok_button.setEnabled(False)
            intro = paragraph(
                "This right has no renewal to record: renewals are recorded for granted GB "
                "patents and UK registered designs and trade marks."
            )

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 14)
        layout.setSpacing(10)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

        self.year.currentIndexChanged.connect(self._update)
        self.paid_on.textChanged.connect(self._update)
        self.add_cost.toggled.connect(self.amount.setEnabled)
        self._update()
        self.resize(620, 340)

    def current_renewal(self) -> RenewalDue | None:
        index = self.year.currentIndex()
        return self.renewals[index] if 0 <= index < len(self.renewals) else None

    def _amount_edited(self) -> None:
        self._amount_typed = True

    def _update(self) -> None:
        renewal = self.current_renewal()
        if renewal is None:
            self.state.setText("")
            return
        try:
            paid_on = parse_date(self.paid_on.text())
        except ValueError:
            paid_on = None
        surcharge = Decimal(0)
        if paid_on is None:
            self.state.setText(renewal.status(dt.date.today()))
        else:
            try:
                surcharge = renewal.surcharge_if_paid_on(paid_on)
            except ValueError as exc:
                self.state.setText(str(exc))
            else:
                if surcharge:
                    self.state.setText(
                        f"Paid late: a surcharge of {money(surcharge)} applies on "
                        f"{format_date(paid_on)}; it is included in the amount."
                    )
                elif paid_on < renewal.window_opens:
                    self.state.setText(
                        f"The office accepts this fee from {format_date(renewal.window_opens)}: "
                        "check the date."
                    )
                else:
                    self.state.setText(f"No surcharge if paid on {format_date(paid_on)}.")
        if not self._amount_typed:
            fee = renewal.fee.amount if renewal.fee is not None else None
            self.amount.setText("" if fee is None else f"{fee + surcharge:.2f}")

    def save(self) -> bool:
        self.clear_problems()
        renewal = self.current_renewal()
        problems: list[tuple[str | None, str]] = []
        if renewal is None or self.right.id is None:
            self.show_problems([(None, "There is no renewal to record for this right.")])
            return False
        try:
            paid_on = parse_date(self.paid_on.text())
        except ValueError as exc:
            paid_on = None
            problems.append(("paid_on", str(exc)))
        else:
            if paid_on is None:
                problems.append(("paid_on", "Enter the date the renewal was paid."))
            elif paid_on > dt.date.today():
                problems.append(("paid_on", "A payment cannot be dated in the future."))
        amount: Decimal | None = None
        if self.add_cost.isChecked():
            amount = parse_money(self.amount.text())
            if amount is None or amount <= 0:
                problems.append(
                    ("amount", "Enter the amount paid in pounds, e.g. 70.00 (more than £0).")
                )
        if problems or paid_on is None:
            self.show_problems(problems)
            return False
        register = self.session.register
        reference = self.right.registration_number or self.right.application_number
        try:
            with register.transaction():
                register.rights.mark_renewal_paid(self.right.id, renewal.renewal_year, paid_on)
                if amount is not None:
                    register.costs.add(
                        CostEntry(
                            spent_on=paid_on,
                            category=CostCategory.OFFICIAL_FEE,
                            amount=amount,
                            supplier=RENEWAL_SUPPLIER if self.right.is_gb else "",
                            reference=reference,
                            note=(
                                f"{self.right.right_type.label} renewal for year "
                                f"{renewal.renewal_year}: {self.right.display_title}"
                            ),
                            case_id=self.right.case_id,
                            right_id=self.right.id,
                        )
                    )
        except ValidationError as exc:
            mapped: list[tuple[str | None, str]] = [
                ("paid_on" if key in ("spent_on", "renewals_paid") else key, message)
                for key, message in exc.problems
            ]
            self.show_problems(mapped or [(None, str(exc))])
            return False
        except RegisterError as exc:
            self.show_problems([(None, str(exc))])
            return False
        self.accept()
        return True


# -- recording a review -------------------------------------------------------------------
OUTCOMES: tuple[ReviewOutcome, ...] = tuple(ReviewOutcome)


class ReviewDialog(_FormDialog):
    """Record a portfolio review of one right through ``register.rights.record_review``."""

    def __init__(
        self, session: RegisterSession, right: Right, parent: QWidget | None = None
    ) -> None:
        super().__init__(session, parent)
        self.right = right
        register = session.register
        self.setWindowTitle("Record a review")
        self.setAccessibleName("Record a review")

        why = paragraph(
            "Steps 6 and 8 of the guidance ask for each right to be reviewed regularly: keep "
            "it only while it is worth its cost, and letting it lapse or selling it at fair "
            "market value are proper outcomes."
        )
        about = QLabel(f"{right.display_title} ({right.right_type.label.lower()})")
        about.setObjectName("stageText")
        about.setWordWrap(True)
        last = register.rights.reviews(right.id) if right.id is not None else []
        if last:
            previous = last[-1]
            history = (
                f"Last reviewed {format_date(previous.reviewed_on)} by {previous.reviewer}: "
                f"{previous.outcome.label}."
            )
        else:
            history = "Not reviewed before."
        self.history = QLabel(history)
        self.history.setObjectName("hintText")
        self.history.setWordWrap(True)

        self.outcome = QComboBox()
        for outcome in OUTCOMES:
            self.outcome.addItem(outcome.label)
        self.rationale = QPlainTextEdit()
        self.rationale.setTabChangesFocus(True)
        self.rationale.setFixedHeight(84)
        self.rationale.setPlaceholderText(
            "Why: the right's value to patients and the trust against its cost to keep"
        )
        actor = register.actor
        self.reviewer = _line(actor.display_name or "", "Who carried out the review")
        self.reviewed_on = _date_edit(dt.date.today())
        self.next_review = _date_edit()
        self.next_review.setPlaceholderText("dd/mm/yyyy")
        self.outcome_hint = _hint()

        form = _form()
        self.field(form, "outcome", "&Outcome:", self.outcome)
        form.addRow("", self.outcome_hint)
        self.field(form, "rationale", "&Reasons:", self.rationale)
        self.field(form, "reviewer", "Re&viewer:", self.reviewer)
        self.field(form, "reviewed_on", "Reviewed &on:", self.reviewed_on, "dd/mm/yyyy.")
        self.field(
            form,
            "next_review",
            "&Next review:",
            self.next_review,
            "Left empty: a year after the review when the right is kept or licensed.",
        )

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 14)
        layout.setSpacing(10)
        layout.addWidget(why)
        layout.addWidget(about)
        layout.addWidget(self.history)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

        self.outcome.currentIndexChanged.connect(self._outcome_changed)
        self._outcome_changed()
        self.resize(620, 470)

    def current_outcome(self) -> ReviewOutcome:
        return OUTCOMES[max(self.outcome.currentIndex(), 0)]

    def _outcome_changed(self) -> None:
        outcome = self.current_outcome()
        if outcome in (ReviewOutcome.KEEP, ReviewOutcome.LICENCE):
            text = "Next review left empty: a year after the review date."
        else:
            text = (
                "Once the right has lapsed or been sold, edit it to change its status, so "
                "that no more renewals are shown."
            )
        self.outcome_hint.setText(text)

    def save(self) -> bool:
        self.clear_problems()
        dates, problems = _parse_dates(
            {"reviewed_on": self.reviewed_on, "next_review": self.next_review}
        )
        if not self.rationale.toPlainText().strip():
            problems.append(("rationale", "Give the reasons for the review's outcome."))
        if not self.reviewer.text().strip():
            problems.append(("reviewer", "Say who carried out the review."))
        reviewed_on = dates["reviewed_on"] or dt.date.today()
        if reviewed_on > dt.date.today():
            problems.append(("reviewed_on", "A review cannot be dated in the future."))
        next_review = dates["next_review"]
        if next_review is not None and next_review <= reviewed_on:
            problems.append(("next_review", "The next review must be after this review."))
        if problems or self.right.id is None:
            self.show_problems(problems or [(None, "Save the right before reviewing it.")])
            return False
        try:
            self.session.register.rights.record_review(
                self.right.id,
                outcome=self.current_outcome(),
                rationale=self.rationale.toPlainText(),
                reviewer=self.reviewer.text(),
                reviewed_on=reviewed_on,
                next_review=next_review,
            )
        except ValidationError as exc:
            self.show_problems(exc.problems or [(None, str(exc))])
            return False
        except RegisterError as exc:
            self.show_problems([(None, str(exc))])
            return False
        self.accept()
        return True
