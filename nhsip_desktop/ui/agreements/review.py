"""Recording a review of a TTC services agreement."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from PySide6.QtCore import (
    Qt,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QDialogButtonBox,
    QHBoxLayout,
    QVBoxLayout,
    QWidget,
)

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
from nhsip_desktop.core.money import parse_money
from nhsip_desktop.store.errors import RegisterError, ValidationError

from ..kit.inputs import date_edit, form_layout, line_edit, text_box
from ..list_editor import parse_date
from ..session import RegisterSession
from ..widgets import paragraph
from .fields import (
    _FieldsDialog,
    _whole_number,
)


# -- recording a TTC review --------------------------------------------------------------------
class TtcReviewDialog(_FieldsDialog):
    """Record a quarterly (or formal annual) review of a TTC services agreement through
    ``register.agreements.record_review``; the next review defaults to 3 months on."""

    def __init__(
        self, session: RegisterSession, agreement: Agreement, parent: QWidget | None = None
    ) -> None:
        super().__init__(session, parent)
        self.agreement = agreement
        self.saved: TtcReview | None = None
        self.setWindowTitle("Record a TTC performance review")
        self.setAccessibleName("Record a TTC performance review")
        today = dt.date.today()
        self._next_typed = False

        self.period = line_edit(financial_quarter(add_months(today, -REVIEW_EVERY_MONTHS)))
        self.period.setMaximumWidth(150)
        self.reviewed_on = date_edit(today)
        self.licences_executed = line_edit("", "0")
        self.active_licences = line_edit("", "0")
        self.revenue = line_edit("", "e.g. 12,500.00")
        self.days_to_licence = line_edit("", "e.g. 120")
        for edit in (
            self.licences_executed,
            self.active_licences,
            self.revenue,
            self.days_to_licence,
        ):
            edit.setMaximumWidth(150)
        self.pipeline = text_box("", "Deals in negotiation, and how far each has got", 48)
        self.health_impact = text_box("", "Patients reached, services changed, evidence", 48)
        self.summary = text_box("", "How the TTC performed in the period, and what to change")
        self.formal_annual = QCheckBox("This is the formal annual review")
        self.reviewer = line_edit(session.register.actor.display_name or "", "Who reviewed")
        self.next_review = date_edit(add_months(today, REVIEW_EVERY_MONTHS))

        left, right = form_layout(), form_layout()
        self.field(
            left, "period", "&Period:", self.period, 'The quarter reviewed, e.g. "Q3 2026-27".'
        )
        self.field(left, "reviewed_on", "Reviewed &on:", self.reviewed_on, "dd/mm/yyyy.")
        self.field(
            left,
            "licences_executed",
            "&Licences signed:",
            self.licences_executed,
            "Licences executed in the period.",
        )
        self.field(left, "active_licences", "&Active licences:", self.active_licences)
        self.field(
            left, "revenue", "Re&venue (£):", self.revenue, "Revenue generated in the period."
        )
        self.field(
            left,
            "days_to_licence",
            "&Time to licence (days):",
            self.days_to_licence,
            "The days taken to agree a licence (typical, or the latest).",
        )
        self.field(right, "pipeline", "Pipe&line:", self.pipeline)
        self.field(right, "health_impact", "&Health impact:", self.health_impact)
        self.field(right, "summary", "&Summary:", self.summary)
        right.addRow("", self.formal_annual)
        self.formal_annual.setAccessibleName("Formal annual review")
        self.field(right, "reviewer", "Revie&wer:", self.reviewer)
        self.field(
            right,
            "next_review",
            "&Next review:",
            self.next_review,
            "dd/mm/yyyy. Three months after the review unless you change it (quarterly).",
        )

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Record")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        columns = QHBoxLayout()
        columns.setSpacing(20)
        columns.addLayout(left, 1)
        columns.addLayout(right, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 14)
        layout.setSpacing(10)
        layout.addWidget(
            paragraph(
                f"{agreement.reference}: {agreement.display_title}. Annex B asks for the "
                "TTC's performance to be reviewed every quarter, with a more formal review "
                "once a year."
            )
        )
        layout.addLayout(columns)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

        self.reviewed_on.textEdited.connect(self._reviewed_on_edited)
        self.next_review.textEdited.connect(self._next_edited)
        order: list[QWidget] = [
            self.period,
            self.reviewed_on,
            self.licences_executed,
            self.active_licences,
            self.revenue,
            self.days_to_licence,
            self.pipeline,
            self.health_impact,
            self.summary,
            self.formal_annual,
            self.reviewer,
            self.next_review,
            self.buttons,
        ]
        for first, second in itertools.pairwise(order):
            QWidget.setTabOrder(first, second)
        self.resize(860, 440)
        self.licences_executed.setFocus(Qt.FocusReason.OtherFocusReason)

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

    def candidate(self) -> tuple[TtcReview | None, list[tuple[str | None, str]]]:
        problems: list[tuple[str | None, str]] = []
        dates: dict[str, dt.date | None] = {}
        for key, edit in (("reviewed_on", self.reviewed_on), ("next_review", self.next_review)):
            try:
                dates[key] = parse_date(edit.text())
            except ValueError as exc:
                dates[key] = None
                problems.append((key, str(exc)))
        if dates["reviewed_on"] is None and not any(k == "reviewed_on" for k, _m in problems):
            problems.append(("reviewed_on", "Enter the date of the review."))
        counts: dict[str, int | None] = {}
        for key, edit, words in (
            ("licences_executed", self.licences_executed, "Licences signed"),
            ("active_licences", self.active_licences, "Active licences"),
            ("days_to_licence", self.days_to_licence, "Time to licence"),
        ):
            value, found = _whole_number(edit.text(), key, words)
            counts[key] = value
            problems += found
        revenue = parse_money(self.revenue.text())
        if revenue is None:
            problems.append(("revenue", "Enter the revenue in pounds and pence, e.g. 12,500.00."))
        reviewed_on = dates["reviewed_on"]
        if reviewed_on is None or self.agreement.id is None:
            return None, problems
        review = TtcReview(
            agreement_id=self.agreement.id,
            reviewed_on=reviewed_on,
            period=self.period.text().strip(),
            licences_executed=counts["licences_executed"] or 0,
            revenue=revenue if revenue is not None else Decimal(0),
            active_licences=counts["active_licences"] or 0,
            days_to_licence=counts["days_to_licence"],
            pipeline=self.pipeline.toPlainText().strip(),
            health_impact=self.health_impact.toPlainText().strip(),
            summary=self.summary.toPlainText().strip(),
            formal_annual=self.formal_annual.isChecked(),
            next_review=dates["next_review"],
            reviewer=self.reviewer.text().strip(),
        )
        return review, problems

    def save(self) -> bool:
        self.clear_problems()
        review, problems = self.candidate()
        if review is not None:
            unreadable = {key for key, _message in problems}
            problems.extend(
                (key, message)
                for key, message in validate_ttc_review(
                    review_with_defaults(review), dt.date.today()
                )
                if key not in unreadable
            )
        if problems or review is None:
            self.show_problems(problems or [(None, "Save the agreement before reviewing it.")])
            return False
        try:
            self.saved = self.session.register.agreements.record_review(review)
        except ValidationError as exc:
            self.show_problems(exc.problems or [(None, str(exc))])
            return False
        except RegisterError as exc:
            self.show_problems([(None, str(exc))])
            return False
        self.accept()
        return True
