"""Adding and editing a right: its type, status, territory, dates, renewals and the case it
protects.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from nhsip_desktop.assets.renewals import (
    gb_patent_renewals,
)
from nhsip_desktop.assets.rights import Right, RightStatus, RightType, validate_right
from nhsip_desktop.cases.model import format_date
from nhsip_desktop.core.countries import countries
from nhsip_desktop.store.errors import NotFoundError

from .assets_dialogs import fee_words
from .kit import Column, Field, Problems, RecordModel, RecordTable, hint
from .kit.fields_extra import (
    CheckedFormDialog,
    ColumnsForm,
    attempt,
    box,
    choice,
    line,
    note_under,
    use_form,
)
from .kit.parts import panel
from .list_editor import parse_date
from .screen_fit import fit_to_screen
from .session import RegisterSession

# -- adding and editing a right -----------------------------------------------------------
TYPES: tuple[RightType, ...] = tuple(RightType)
STATUSES: tuple[RightStatus, ...] = tuple(RightStatus)


class PreviewModel(RecordModel):
    """The GB patent renewal schedule, one renewal a row."""

    record_columns = (
        Column("year", "Year", sample="20 (paid 30/09/2026)"),
        Column("due", "Due", "date"),
        Column("window_opens", "Window opens", "date"),
        Column("no_penalty_until", "No penalty until", "date"),
        Column("late_until", "Late until", "date"),
        Column("fee", "Fee"),
    )

    def tooltip(self, row: Any, column: int) -> str | None:
        return self.text(row, column)


def right_fields(start: Right, reference: str, organisation: str) -> tuple[Field, ...]:
    """The right's form, as data: the left column, then (from the filing date) the right."""
    return (
        Field(
            "right_type",
            "&Type:",
            "choice",
            choices=[(kind.label, kind.value) for kind in TYPES],
            default=start.right_type.value,
        ),
        Field(
            "jurisdiction",
            "&Jurisdiction:",
            help="Where the right was filed: GB (or UK), EP, PCT, or another office. Renewal "
            "dates are worked out for GB and UK rights.",
            placeholder="GB, EP, PCT, US…",
            default=start.jurisdiction,
        ),
        Field(
            "country",
            "Co&untry:",
            "choice",
            help="The country the right has effect in (ISO 3166). Leave it as not recorded for "
            "EP or PCT filings; a jurisdiction such as GB or US gives it anyway.",
            choices=[
                (name if not code else f"{name} ({code})", code)
                for code, name in countries().choices()
            ],
            default=start.country,
        ),
        Field(
            "title",
            "T&itle:",
            placeholder="A short name the trust will recognise",
            default=start.title,
        ),
        Field(
            "application_number",
            "Application &no.:",
            placeholder="e.g. GB2401234.5",
            default=start.application_number,
        ),
        Field(
            "registration_number",
            "Re&gistration no.:",
            placeholder="e.g. GB2601234",
            default=start.registration_number,
        ),
        Field(
            "status",
            "&Status:",
            "choice",
            choices=[(status.label, status.value) for status in STATUSES],
            default=start.status.value,
        ),
        Field(
            "owners",
            "O&wners:",
            help="Who owns the right, as filed.",
            placeholder=f"e.g. {organisation}" if organisation else "",
            default=start.owners,
        ),
        Field(
            "attorney",
            "Attorne&y:",
            placeholder="The patent or trade mark attorney, if any",
            default=start.attorney,
        ),
        Field(
            "filing_date",
            "&Filing date:",
            "date",
            help="dd/mm/yyyy. Renewal and priority deadlines are worked out from it.",
            default=start.filing_date,
        ),
        Field("priority_date", "&Priority date:", "date", default=start.priority_date),
        Field("publication_date", "P&ublication date:", "date", default=start.publication_date),
        Field(
            "grant_date",
            "Grant or registration &date:",
            "date",
            help="dd/mm/yyyy: the date the patent was granted, or the design or mark registered.",
            default=start.grant_date,
        ),
        Field(
            "case_id",
            "Linked &case:",
            help="The reference of the case this right protects, e.g. IP-2026-0001 (optional).",
            placeholder="e.g. IP-2026-0001",
            default=reference,
        ),
        Field(
            "next_review",
            "Next re&view:",
            "date",
            help="Left empty, a registered right is due for review a year from today.",
            default=start.next_review,
        ),
        Field(
            "note",
            "N&ote:",
            "multiline",
            placeholder="Anything the next person to look at this should know",
            default=start.note,
        ),
    )


class RightDialog(CheckedFormDialog):
    """Add a right (``right`` None) or edit one; Save stores it through
    ``register.rights.save``."""

    def __init__(
        self,
        session: RegisterSession,
        right: Right | None = None,
        *,
        case_id: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        title = "Edit right" if right is not None else "Add a right"
        super().__init__(title, (), parent=parent)
        self.session = session
        register = session.register
        self.original = right
        self.saved: Right | None = None
        self.schedule = register.reference.fee_schedule()
        start = right or Right(None, RightType.PATENT, "GB", "", case_id=case_id)
        reference = ""
        if start.case_id is not None:
            try:
                reference = register.cases.get(start.case_id).reference
            except NotFoundError:
                reference = ""
        organisation = str(register.settings.get("organisation") or "").strip()
        form = ColumnsForm(right_fields(start, reference, organisation), ("filing_date",))
        self.ok_button = self.save_button
        self.errors = form.problems
        self.right_type = choice(form, "right_type")
        self.jurisdiction = line(form, "jurisdiction")
        self.jurisdiction.setMaximumWidth(150)
        self.country = choice(form, "country")
        self.title = line(form, "title")
        self.application_number = line(form, "application_number")
        self.registration_number = line(form, "registration_number")
        self.status = choice(form, "status")
        self.owners = line(form, "owners")
        self.attorney = line(form, "attorney")
        self.filing_date = line(form, "filing_date")
        self.priority_date = line(form, "priority_date")
        self.publication_date = line(form, "publication_date")
        self.grant_date = line(form, "grant_date")
        self.case_reference = line(form, "case_id")
        self.case_reference.setMaximumWidth(200)
        self.next_review = line(form, "next_review")
        self.note = box(form, "note")
        self.case_title = note_under(form, "case_id", hint())

        self.preview_heading = QLabel("GB patent renewals (preview)")
        self.preview_heading.setObjectName("stageText")
        self.preview_note = hint()
        self.preview_model = PreviewModel()
        self.preview = RecordTable("Renewal schedule preview", self.preview_model)
        self.preview.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.preview.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.preview.setMinimumHeight(160)
        self.preview_box = QWidget()
        preview_layout = QVBoxLayout(self.preview_box)
        preview_layout.setContentsMargins(0, 6, 0, 0)
        preview_layout.setSpacing(4)
        preview_layout.addWidget(self.preview_heading)
        preview_layout.addWidget(self.preview_note)
        preview_layout.addWidget(self.preview, 1)
        preview_layout.addStretch(0)  # takes the space only while the table is hidden

        inner, inner_layout = panel(
            "A patent, registered design or trade mark filed at an office, or an "
            "unregistered right the trust wants to keep track of. Dates as dd/mm/yyyy.",
            margins=(0, 0, 0, 0),
        )
        inner_layout.setSpacing(6)
        inner_layout.addWidget(form)
        inner_layout.addWidget(self.preview_box, 10)
        inner_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(inner)
        use_form(self, form, scroll)
        outer = self.layout()
        assert isinstance(outer, QVBoxLayout)
        outer.setSpacing(8)
        outer.setStretchFactor(scroll, 1)
        QWidget.setTabOrder(self.note, self.preview)
        QWidget.setTabOrder(self.preview, self.save_button)

        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(150)
        self._preview_timer.timeout.connect(self.update_preview)
        self.right_type.currentIndexChanged.connect(self._type_changed)
        self.status.currentIndexChanged.connect(lambda _i: self._preview_timer.start())
        for edit in (self.jurisdiction, self.filing_date, self.grant_date):
            edit.textChanged.connect(lambda _t: self._preview_timer.start())
        self.case_reference.textChanged.connect(self._lookup_case)
        session.locked.connect(self.discard)  # nothing can be saved once the register locks
        self._type_changed()
        self._lookup_case()
        self.title.setFocus(Qt.FocusReason.OtherFocusReason)
        self._inner = inner
        fit_to_screen(self, 960, 720 if self.preview.isVisibleTo(self) else self._compact_height())

    def problem_text(self, key: str) -> str:
        """The message shown under a field ("" when none)."""
        return self.form.problem_text(key)

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
            self.preview_model.clear()
            self.preview_note.setText("Type the filing date to see the renewal dates.")
            return
        if self.isVisible() and self.height() < 700:
            fit_to_screen(self, self.width(), 720)  # room for the schedule
        if grant is not None and grant < filing:
            grant = None  # a problem shown on saving; the ordinary schedule meanwhile
        renewals = gb_patent_renewals(filing, grant, self.schedule)
        paid = self.original.renewals_paid if self.original is not None else {}
        rows = []
        for renewal in renewals:
            year = str(renewal.renewal_year)
            if renewal.renewal_year in paid:
                year += f" (paid {format_date(paid[renewal.renewal_year])})"
            rows.append(
                {
                    "year": year,
                    "due": renewal.due,
                    "window_opens": renewal.window_opens,
                    "no_penalty_until": renewal.no_penalty_until,
                    "late_until": renewal.late_until,
                    "fee": fee_words(renewal.fee),
                }
            )
        self.preview_model.set_rows(rows)
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
    def candidate(self, values: dict[str, Any]) -> tuple[Right, Problems]:
        """The right as read from the form, and the problems its rules find."""
        problems: Problems = []
        case_id: int | None = None
        reference = values["case_id"] or ""
        if reference:
            try:
                case_id = self.session.register.cases.get_by_reference(reference).id
            except NotFoundError as exc:
                problems.append(("case_id", f"{exc} Check the reference, or leave it empty."))
        base = self.original
        right = Right(
            id=base.id if base is not None else None,
            right_type=self.current_type(),
            jurisdiction=values["jurisdiction"],
            title=values["title"],
            application_number=values["application_number"],
            registration_number=values["registration_number"],
            filing_date=values["filing_date"],
            priority_date=values["priority_date"],
            publication_date=values["publication_date"],
            grant_date=values["grant_date"],
            status=self.current_status(),
            owners=values["owners"],
            attorney=values["attorney"],
            case_id=case_id,
            next_review=values["next_review"],
            renewals_paid=dict(base.renewals_paid) if base is not None else {},
            note=values["note"],
            country=str(values["country"] or ""),
        )
        problems.extend(validate_right(right, dt.date.today()))
        return right, problems

    def check(self, values: dict[str, Any]) -> Problems:
        return self.candidate(values)[1]

    def save(self) -> bool:
        self.update_preview()
        return super().save()

    def submit(self, values: dict[str, Any]) -> Problems:
        right, problems = self.candidate(values)
        if problems:
            return problems
        self.saved, problems = attempt(lambda: self.session.register.rights.save(right))
        return problems
