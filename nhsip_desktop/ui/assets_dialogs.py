"""The Assets area's dialogs for renewals and reviews, both forms declared as data on the UI
kit (:mod:`nhsip_desktop.ui.kit`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from nhsip_desktop.assets.fees import Fee
from nhsip_desktop.assets.renewals import RenewalDue, payable_renewals
from nhsip_desktop.assets.rights import Right
from nhsip_desktop.cases.model import format_date
from nhsip_desktop.core.money import money
from nhsip_desktop.finance.ledgers import CostCategory, CostEntry, ReviewOutcome

from .kit import Field, FormDialog, Problems, hint
from .kit.fields_extra import attempt, box, check, choice, line, note_under
from .list_editor import parse_date
from .session import RegisterSession


def fee_words(fee: Fee | None) -> str:
    """ "£70 as of 31/03/2026, check before relying"; "fee not known" without a figure."""
    if fee is None or fee.amount is None:
        return "fee not known"
    words = f"{money(fee.amount).removesuffix('.00')} {fee.as_of_text}"
    return f"{words}, {fee.caveat}" if fee.caveat else words


RENEWAL_SUPPLIER = "UK Intellectual Property Office"


# -- recording a renewal paid -------------------------------------------------------------
class RenewalPaidDialog(FormDialog):
    """Record a renewal fee paid, and (by default) its cost in the costs ledger, together."""

    def __init__(
        self, session: RegisterSession, right: Right, parent: QWidget | None = None
    ) -> None:
        self.right = right
        self.schedule = session.register.reference.fee_schedule()
        self.renewals = payable_renewals(right, self.schedule, dt.date.today())
        years = [
            (f"Year {r.renewal_year}: due {format_date(r.due)} ({fee_words(r.fee)})", i)
            for i, r in enumerate(self.renewals)
        ]
        fields = (
            Field("renewal_year", "Renewal &year:", "choice", choices=years),
            Field(
                "paid_on",
                "&Date paid:",
                "date",
                help="dd/mm/yyyy, today or earlier.",
                default=dt.date.today(),
                validator=_paid_on_problem,
            ),
            Field(
                "add_cost",
                "Also add this payment to the costs ledger (official fee)",
                "check",
                accessible_name="Also add this payment to the costs ledger",
                default=True,
            ),
            Field(
                "amount",
                "&Amount paid (£):",
                "money",
                help="Prefilled with the official fee and any late surcharge; change it to "
                "what was paid.",
                placeholder="e.g. 70.00",
            ),
        )
        if self.renewals:
            intro = (
                f"{right.display_title} ({right.right_type.label.lower()}, "
                f"{right.application_number or right.jurisdiction}). Record a renewal once the "
                "office has confirmed the payment."
            )
        else:
            intro = (
                "This right has no renewal to record: renewals are recorded for granted GB "
                "patents and UK registered designs and trade marks."
            )
        super().__init__("Record a renewal paid", fields, intro=intro, parent=parent)
        self.session = session
        self.ok_button = self.save_button
        self.errors = self.form.problems
        self._amount_typed = False
        self.year = choice(self.form, "renewal_year")
        self.paid_on = line(self.form, "paid_on")
        self.add_cost = check(self.form, "add_cost")
        self.amount = line(self.form, "amount")
        self.state = note_under(self.form, "paid_on", hint())
        if not self.renewals:
            self.year.setEnabled(False)
            self.save_button.setEnabled(False)
        self.amount.textEdited.connect(self._amount_edited)
        self.year.currentIndexChanged.connect(self._update)
        self.paid_on.textChanged.connect(self._update)
        self.add_cost.toggled.connect(self.amount.setEnabled)
        session.locked.connect(self.discard)  # nothing can be saved once the register locks
        self._update()
        self.form.dirty = False
        self.resize(620, 380)

    def problem_text(self, key: str) -> str:
        return self.form.problem_text(key)

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

    def submit(self, values: dict[str, Any]) -> Problems:
        renewal = self.current_renewal()
        right_id = self.right.id
        if renewal is None or right_id is None:
            return [(None, "There is no renewal to record for this right.")]
        paid_on: dt.date = values["paid_on"]
        amount: Decimal | None = values["amount"] if values["add_cost"] else None
        if values["add_cost"] and (amount is None or amount <= 0):
            return [("amount", "Enter the amount paid in pounds, e.g. 70.00 (more than £0).")]
        register = self.session.register
        reference = self.right.registration_number or self.right.application_number

        def record() -> None:
            with register.transaction():
                register.rights.mark_renewal_paid(right_id, renewal.renewal_year, paid_on)
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
                            right_id=right_id,
                        )
                    )

        _done, problems = attempt(record)
        return [
            ("paid_on" if key in ("spent_on", "renewals_paid") else key, message)
            for key, message in problems
        ]


def _paid_on_problem(paid_on: dt.date | None) -> str | None:
    if paid_on is None:
        return "Enter the date the renewal was paid."
    if paid_on > dt.date.today():
        return "A payment cannot be dated in the future."
    return None


# -- recording a review -------------------------------------------------------------------
OUTCOMES: tuple[ReviewOutcome, ...] = tuple(ReviewOutcome)


def _needed(message: str) -> Callable[[Any], str | None]:
    return lambda value: None if value else message


REVIEW_FIELDS = (
    Field("outcome", "&Outcome:", "choice", choices=[(o.label, o.value) for o in OUTCOMES]),
    Field(
        "rationale",
        "&Reasons:",
        "multiline",
        placeholder="Why: the right's value to patients and the trust against its cost to keep",
        validator=_needed("Give the reasons for the review's outcome."),
    ),
    Field(
        "reviewer",
        "Re&viewer:",
        placeholder="Who carried out the review",
        validator=_needed("Say who carried out the review."),
    ),
    Field(
        "reviewed_on",
        "Reviewed &on:",
        "date",
        help="dd/mm/yyyy.",
        validator=lambda day: (
            "A review cannot be dated in the future." if day and day > dt.date.today() else None
        ),
    ),
    Field(
        "next_review",
        "&Next review:",
        "date",
        help="Left empty: a year after the review when the right is kept or licensed.",
    ),
)
REVIEW_WHY = (
    "Steps 6 and 8 of the guidance ask for each right to be reviewed regularly: keep it only "
    "while it is worth its cost, and letting it lapse or selling it at fair market value are "
    "proper outcomes."
)


class ReviewDialog(FormDialog):
    """Record a portfolio review of one right through ``register.rights.record_review``."""

    def __init__(
        self, session: RegisterSession, right: Right, parent: QWidget | None = None
    ) -> None:
        super().__init__("Record a review", REVIEW_FIELDS, intro=REVIEW_WHY, parent=parent)
        self.session = session
        self.right = right
        self.ok_button = self.save_button
        self.errors = self.form.problems
        register = session.register
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
        self.history = hint(history)
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(1, about)
        layout.insertWidget(2, self.history)
        self.form.set_values(
            {"reviewer": register.actor.display_name or "", "reviewed_on": dt.date.today()}
        )
        self.outcome = choice(self.form, "outcome")
        self.rationale = box(self.form, "rationale")
        self.rationale.setFixedHeight(84)
        self.reviewer = line(self.form, "reviewer")
        self.reviewed_on = line(self.form, "reviewed_on")
        self.next_review = line(self.form, "next_review")
        self.outcome_hint = note_under(self.form, "outcome", hint())
        self.outcome.currentIndexChanged.connect(self._outcome_changed)
        session.locked.connect(self.discard)  # nothing can be saved once the register locks
        self._outcome_changed()
        self.resize(620, 500)

    def problem_text(self, key: str) -> str:
        return self.form.problem_text(key)

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

    def submit(self, values: dict[str, Any]) -> Problems:
        reviewed_on: dt.date = values["reviewed_on"] or dt.date.today()
        next_review: dt.date | None = values["next_review"]
        if next_review is not None and next_review <= reviewed_on:
            return [("next_review", "The next review must be after this review.")]
        right_id = self.right.id
        if right_id is None:
            return [(None, "Save the right before reviewing it.")]
        _done, problems = attempt(
            lambda: self.session.register.rights.record_review(
                right_id,
                outcome=self.current_outcome(),
                rationale=values["rationale"],
                reviewer=values["reviewer"],
                reviewed_on=reviewed_on,
                next_review=next_review,
            )
        )
        return problems
