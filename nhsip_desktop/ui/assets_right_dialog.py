"""Adding and editing a right: its type, status, territory, dates, renewals and the case it
protects.
"""

from __future__ import annotations

import datetime as dt
import itertools

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nhsip_desktop.assets.renewals import (
    gb_patent_renewals,
)
from nhsip_desktop.assets.rights import Right, RightStatus, RightType, validate_right
from nhsip_desktop.cases.model import format_date
from nhsip_desktop.core.countries import countries
from nhsip_desktop.store.errors import NotFoundError, RegisterError, ValidationError

from .assets_dialogs import (
    AssetsFormDialog,
    date_edit,
    fee_words,
    form_layout,
    line_edit,
    parse_dates,
)
from .kit import hint
from .list_editor import parse_date
from .session import RegisterSession
from .widgets import paragraph

PREVIEW_COLUMNS: tuple[str, ...] = (
    "Year",
    "Due",
    "Window opens",
    "No penalty until",
    "Late until",
    "Fee",
)


# -- adding and editing a right -----------------------------------------------------------
TYPES: tuple[RightType, ...] = tuple(RightType)
STATUSES: tuple[RightStatus, ...] = tuple(RightStatus)
DATE_FIELDS = ("filing_date", "priority_date", "publication_date", "grant_date", "next_review")


class RightDialog(AssetsFormDialog):
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
        self.jurisdiction = line_edit(start.jurisdiction, "GB, EP, PCT, US…")
        self.jurisdiction.setMaximumWidth(150)
        self.country = QComboBox()
        for code, name in countries().choices():
            self.country.addItem(name if not code else f"{name} ({code})", code)
        self.country.setCurrentIndex(max(0, self.country.findData(start.country)))
        self.title = line_edit(start.title, "A short name the trust will recognise")
        self.application_number = line_edit(start.application_number, "e.g. GB2401234.5")
        self.registration_number = line_edit(start.registration_number, "e.g. GB2601234")
        self.filing_date = date_edit(start.filing_date)
        self.priority_date = date_edit(start.priority_date)
        self.publication_date = date_edit(start.publication_date)
        self.grant_date = date_edit(start.grant_date)
        self.status = QComboBox()
        for status in STATUSES:
            self.status.addItem(status.label)
        self.status.setCurrentIndex(STATUSES.index(start.status))
        organisation = str(register.settings.get("organisation") or "").strip()
        self.owners = line_edit(start.owners, f"e.g. {organisation}" if organisation else "")
        self.attorney = line_edit(start.attorney, "The patent or trade mark attorney, if any")
        self.case_reference = line_edit(reference, "e.g. IP-2026-0001")
        self.case_reference.setMaximumWidth(200)
        self.case_title = hint()
        self.next_review = date_edit(start.next_review)
        self.note = QPlainTextEdit(start.note)
        self.note.setTabChangesFocus(True)
        self.note.setFixedHeight(56)
        self.note.setPlaceholderText("Anything the next person to look at this should know")

        left, right_form = form_layout(), form_layout()
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
        notes = form_layout()
        self.field(notes, "note", "N&ote:", self.note)

        self.preview_heading = QLabel("GB patent renewals (preview)")
        self.preview_heading.setObjectName("stageText")
        self.preview_note = hint()
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
        dates, problems = parse_dates({key: getattr(self, key) for key in DATE_FIELDS})
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
