"""Recording a review of a TTC services agreement: a form declared as data on the UI kit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from nhsip_desktop.agreements.model import (
    REVIEW_EVERY_MONTHS,
    Agreement,
    TtcReview,
    financial_quarter,
    review_with_defaults,
    validate_ttc_review,
)
from nhsip_desktop.assets.renewals import add_months
from nhsip_desktop.cases.model import format_date

from ..kit import Field, Problems
from ..kit.fields_extra import (
    CheckedFormDialog,
    ColumnsForm,
    attempt,
    box,
    check,
    count_of,
    line,
    use_form,
    whole_number,
)
from ..list_editor import parse_date
from ..session import RegisterSession


# -- recording a TTC review --------------------------------------------------------------------
def review_fields(period: str, today: dt.date, reviewer: str) -> tuple[Field, ...]:
    """The review's form, as data: figures on the left, words from "Pipeline" on."""
    return (
        Field(
            "period",
            "&Period:",
            help='The quarter reviewed, e.g. "Q3 2026-27".',
            default=period,
        ),
        Field(
            "reviewed_on",
            "Reviewed &on:",
            "date",
            help="dd/mm/yyyy.",
            default=today,
            validator=lambda day: None if day else "Enter the date of the review.",
        ),
        Field(
            "licences_executed",
            "&Licences signed:",
            help="Licences executed in the period.",
            placeholder="0",
            validator=whole_number("Licences signed"),
        ),
        Field(
            "active_licences",
            "&Active licences:",
            placeholder="0",
            validator=whole_number("Active licences"),
        ),
        Field(
            "revenue",
            "Re&venue (£):",
            "money",
            help="Revenue generated in the period.",
            placeholder="e.g. 12,500.00",
        ),
        Field(
            "days_to_licence",
            "&Time to licence (days):",
            help="The days taken to agree a licence (typical, or the latest).",
            placeholder="e.g. 120",
            validator=whole_number("Time to licence"),
        ),
        Field(
            "pipeline",
            "Pipe&line:",
            "multiline",
            placeholder="Deals in negotiation, and how far each has got",
        ),
        Field(
            "health_impact",
            "&Health impact:",
            "multiline",
            placeholder="Patients reached, services changed, evidence",
        ),
        Field(
            "summary",
            "&Summary:",
            "multiline",
            placeholder="How the TTC performed in the period, and what to change",
        ),
        Field(
            "formal_annual",
            "This is the formal annual review",
            "check",
            accessible_name="Formal annual review",
        ),
        Field("reviewer", "Revie&wer:", placeholder="Who reviewed", default=reviewer),
        Field(
            "next_review",
            "&Next review:",
            "date",
            help="dd/mm/yyyy. Three months after the review unless you change it (quarterly).",
            default=add_months(today, REVIEW_EVERY_MONTHS),
        ),
    )


class TtcReviewDialog(CheckedFormDialog):
    """Record a quarterly (or formal annual) review of a TTC services agreement through
    ``register.agreements.record_review``; the next review defaults to 3 months on."""

    def __init__(
        self, session: RegisterSession, agreement: Agreement, parent: QWidget | None = None
    ) -> None:
        super().__init__(
            "Record a TTC performance review",
            (),
            intro=(
                f"{agreement.reference}: {agreement.display_title}. Annex B asks for the "
                "TTC's performance to be reviewed every quarter, with a more formal review "
                "once a year."
            ),
            parent=parent,
        )
        self.session = session
        self.agreement = agreement
        self.saved: TtcReview | None = None
        today = dt.date.today()
        self._next_typed = False
        form = ColumnsForm(
            review_fields(
                financial_quarter(add_months(today, -REVIEW_EVERY_MONTHS)),
                today,
                session.register.actor.display_name or "",
            ),
            ("pipeline",),
            spacing=20,
        )
        use_form(self, form)
        self.ok_button = self.save_button
        self.errors = form.problems
        self.period = line(form, "period")
        self.period.setMaximumWidth(150)
        self.reviewed_on = line(form, "reviewed_on")
        self.licences_executed = line(form, "licences_executed")
        self.active_licences = line(form, "active_licences")
        self.revenue = line(form, "revenue")
        self.days_to_licence = line(form, "days_to_licence")
        for edit in (self.licences_executed, self.active_licences, self.days_to_licence):
            edit.setMaximumWidth(150)
        self.pipeline = box(form, "pipeline")
        self.health_impact = box(form, "health_impact")
        for short in (self.pipeline, self.health_impact):
            short.setFixedHeight(48)
        self.summary = box(form, "summary")
        self.formal_annual = check(form, "formal_annual")
        self.reviewer = line(form, "reviewer")
        self.next_review = line(form, "next_review")
        self.reviewed_on.textEdited.connect(self._reviewed_on_edited)
        self.next_review.textEdited.connect(self._next_edited)
        session.locked.connect(self.discard)  # nothing can be saved once the register locks
        self.resize(860, 470)
        self.licences_executed.setFocus(Qt.FocusReason.OtherFocusReason)

    def problem_text(self, key: str) -> str:
        return self.form.problem_text(key)

    def _next_edited(self) -> None:
        self._next_typed = True

    def _reviewed_on_edited(self) -> None:
        """Keep the next review three months on, until the person types one."""
        if self._next_typed:
            return
        try:
            reviewed_on = parse_date(self.reviewed_on.text())
        except ValueError:
            return
        if reviewed_on is not None:
            self.next_review.setText(format_date(add_months(reviewed_on, REVIEW_EVERY_MONTHS)))

    def candidate(self, values: dict[str, Any]) -> TtcReview | None:
        """The review as typed (None before the agreement is saved or without a date)."""
        reviewed_on = values["reviewed_on"]
        if reviewed_on is None or self.agreement.id is None:
            return None
        revenue = values["revenue"]
        return TtcReview(
            agreement_id=self.agreement.id,
            reviewed_on=reviewed_on,
            period=values["period"],
            licences_executed=_count(values["licences_executed"]) or 0,
            revenue=revenue if revenue is not None else Decimal(0),
            active_licences=_count(values["active_licences"]) or 0,
            days_to_licence=_count(values["days_to_licence"]),
            pipeline=values["pipeline"],
            health_impact=values["health_impact"],
            summary=values["summary"],
            formal_annual=values["formal_annual"],
            next_review=values["next_review"],
            reviewer=values["reviewer"],
        )

    def check(self, values: dict[str, Any]) -> Problems:
        if self.agreement.id is None:
            return [(None, "Save the agreement before reviewing it.")]
        review = self.candidate(values)
        if review is None:
            return []
        return list(validate_ttc_review(review_with_defaults(review), dt.date.today()))

    def submit(self, values: dict[str, Any]) -> Problems:
        review = self.candidate(values)
        if review is None:
            return [(None, "Save the agreement before reviewing it.")]
        self.saved, problems = attempt(
            lambda: self.session.register.agreements.record_review(review)
        )
        return problems


def _count(text: Any) -> int | None:
    try:
        return count_of(text)
    except ValueError:  # pragma: no cover - the form's validator says so first
        return None
