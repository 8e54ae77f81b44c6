"""The register browser: search as you type (FTS5), filter by stage, sort, open a case."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontMetrics, QKeyEvent, QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from nhsip_desktop.cases.model import CASE_COLUMNS, TITLE_COLUMN, Stage

from .case_model import CASE_ID_ROLE, CaseTableModel
from .guidance_help import with_guidance
from .session import RegisterSession
from .widgets import heading, paragraph

SEARCH_DELAY_MS = 250
NEXT_ACTION_COLUMN = next(i for i, c in enumerate(CASE_COLUMNS) if c.key == "next_action")
MIN_SEARCH_CHARS = 2
# The title's width, in average characters, before Next action gets more (issue 20 item 4).
TITLE_WANTED_CHARS = 46


NO_CASES_YET = (
    "<b>No cases yet.</b> When a member of staff tells you about an idea, record it here with "
    "<b>New disclosure</b> (Ctrl+N); it stays confidential in this register.<br>"
    "Staff without the app can use the disclosure form: <i>File &gt; Save a blank disclosure "
    "form…</i> to send out, and <i>File &gt; Import a completed disclosure form…</i> to read "
    "one in. To bring in an existing spreadsheet register: <i>File &gt; Import cases from a "
    "spreadsheet…</i><br>Press F1 for the guidance in brief."
)
NO_MATCH = (
    "<b>No case matches.</b> Clear the search (Esc) or choose <i>All stages</i> to see every case."
)


class CaseTable(QTableView):
    """A table where Enter opens the current case, and the title takes the spare width."""

    activated_case = Signal(int)

    def size_columns(self) -> None:
        header = self.horizontalHeader()
        char = self.fontMetrics().averageCharWidth()
        bold = QFont(self.font())
        bold.setBold(True)
        overdue = QFontMetrics(bold).horizontalAdvance("Overdue: 28/12/2026") + 20
        for column, definition in enumerate(CASE_COLUMNS):
            if column in (TITLE_COLUMN, NEXT_ACTION_COLUMN):
                continue
            width = char * definition.width_chars + 20
            if definition.key == "next_action_due":
                width = max(width, overdue)
            header.resizeSection(column, width)
        self._fit_title()

    def _fit_title(self) -> None:
        """Title and Next action share the spare width, each at least its own minimum; the
        title first, up to TITLE_WANTED_CHARS (on a 1366x768 laptop most titles then show in
        full), then the two 3 to 2. The other columns keep the width their content needs."""
        header = self.horizontalHeader()
        char = self.fontMetrics().averageCharWidth()
        wide = (TITLE_COLUMN, NEXT_ACTION_COLUMN)
        others = sum(header.sectionSize(c) for c in range(len(CASE_COLUMNS)) if c not in wide)
        title_min = char * CASE_COLUMNS[TITLE_COLUMN].width_chars
        action_min = char * CASE_COLUMNS[NEXT_ACTION_COLUMN].width_chars + 20
        spare = max(0, self.viewport().width() - others - title_min - action_min)
        first = min(spare, max(0, char * TITLE_WANTED_CHARS - title_min))
        spare -= first
        header.resizeSection(TITLE_COLUMN, title_min + first + spare * 3 // 5)
        header.resizeSection(NEXT_ACTION_COLUMN, action_min + spare - spare * 3 // 5)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_title()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            index = self.currentIndex()
            if index.isValid():
                self._emit(index)
                return
        super().keyPressEvent(event)

    def _emit(self, index: QModelIndex) -> None:
        case_id = index.data(CASE_ID_ROLE)
        if case_id is not None:
            self.activated_case.emit(int(case_id))


class CasesPage(QWidget):
    open_case = Signal(int)
    new_case = Signal()

    def __init__(self, session: RegisterSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("area-cases")
        self.setAccessibleName("Cases")
        self.session = session
        self.model = CaseTableModel(session)

        self.search = QLineEdit()
        self.search.setPlaceholderText("Search titles, summaries, innovators or references")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search cases")
        self.search.setAccessibleDescription(
            "Type at least two characters; results update as you type. Escape clears."
        )
        search_label = QLabel("&Search:")
        search_label.setBuddy(self.search)

        self.stage = QComboBox()
        self.stage.addItem("All stages", None)
        for stage in Stage:
            self.stage.addItem(stage.label, stage.value)
        self.stage.setAccessibleName("Filter by stage")
        stage_label = QLabel("S&tage:")
        stage_label.setBuddy(self.stage)

        self.count = QLabel()
        self.count.setObjectName("resultCount")
        self.count.setAccessibleName("Number of cases shown")
        # What to do next when the list is empty: a first-time user starts here.
        self.empty = QLabel()
        self.empty.setObjectName("emptyCard")
        self.empty.setWordWrap(True)
        self.empty.setTextFormat(Qt.TextFormat.RichText)
        self.empty.setContentsMargins(14, 10, 14, 10)
        self.empty.setAccessibleName("What to do next")
        self.empty.hide()

        self.table = CaseTable()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Cases")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(28)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setStretchLastSection(False)
        self.table.size_columns()
        self.table.doubleClicked.connect(self.table._emit)
        self.table.activated_case.connect(self.open_case)

        self.new_button = QPushButton("&New disclosure")
        self.new_button.setAccessibleName("Record a new disclosure")
        self.new_button.clicked.connect(self.new_case.emit)
        self.open_button = QPushButton("&Open case")
        self.open_button.setAccessibleName("Open the selected case")
        self.open_button.clicked.connect(self._open_current)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.apply_search)
        self.search.textChanged.connect(lambda _text: self._timer.start())
        self.search.returnPressed.connect(self._search_enter)
        self.stage.currentIndexChanged.connect(self._stage_changed)
        self.model.modelReset.connect(self._update_count)
        self.model.rowsInserted.connect(self._update_count)

        find = QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self)
        find.activated.connect(self.focus_search)
        self.search.installEventFilter(self)

        bar = QHBoxLayout()
        bar.addWidget(search_label)
        bar.addWidget(self.search, 3)
        bar.addSpacing(16)
        bar.addWidget(stage_label)
        bar.addWidget(self.stage, 1)
        bar.addSpacing(16)
        bar.addWidget(self.open_button)
        bar.addWidget(self.new_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 20, 16, 16)
        layout.setSpacing(12)
        title_row = QHBoxLayout()
        title_row.addWidget(heading("Cases"))
        title_row.addStretch(1)
        title_row.addWidget(self.count)
        layout.addLayout(title_row)
        intro = paragraph(
            "Every idea staff tell you about, in confidence, from first contact to a decision "
            "(steps 4 to 7). Press Enter on a case to open it."
        )
        layout.addWidget(with_guidance(intro, "Step 4"))
        layout.addLayout(bar)
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 1)
        self._update_count()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.search
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Escape
            and self.search.text()
        ):
            self.clear_search()
            return True
        return super().eventFilter(watched, event)

    # -- search -----------------------------------------------------------------------
    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def clear_search(self) -> None:
        self.search.clear()
        self.apply_search()

    def _search_enter(self) -> None:
        self.apply_search()
        if self.model.rowCount() > 0:
            self.table.setFocus()
            self.table.selectRow(0)

    def apply_search(self) -> None:
        self._timer.stop()
        text = self.search.text().strip()
        if len(text) < MIN_SEARCH_CHARS:
            text = ""
        if text != self.model.filter.text:
            self.model.set_text(text)
        self._update_count()

    def _stage_changed(self) -> None:
        value = self.stage.currentData()
        self.model.set_stage(Stage(value) if value else None)

    def _open_current(self) -> None:
        index = self.table.currentIndex()
        if index.isValid():
            self.table._emit(index)
        elif self.model.rowCount() == 1:
            self.table._emit(self.model.index(0, 0))

    def _update_count(self) -> None:
        total = self.model.total
        typed = self.search.text().strip()
        if 0 < len(typed) < MIN_SEARCH_CHARS:
            note = " · type at least 2 characters to search"
        else:
            note = ""
        if not self.session.is_open:
            self.count.setText("")
            self.empty.hide()
            return
        filtered = bool(self.model.filter.text or self.model.filter.stage)
        if total == 0:
            self.empty.setText(NO_MATCH if filtered else NO_CASES_YET)
        self.empty.setVisible(total == 0)
        if self.model.filter.text or self.model.filter.stage:
            self.count.setText(f"{total:,} matching case{'s' if total != 1 else ''}{note}")
        else:
            self.count.setText(f"{total:,} case{'s' if total != 1 else ''} in the register{note}")
