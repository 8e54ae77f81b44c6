"""The Assets area's dialogs for renewals and reviews, and the form pieces every assets dialog
shares.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from nhsip_desktop.assets.fees import Fee
from nhsip_desktop.assets.renewals import (
    RenewalDue,
    payable_renewals,
)
from nhsip_desktop.assets.rights import Right
from nhsip_desktop.cases.model import format_date
from nhsip_desktop.core.money import money, parse_money
from nhsip_desktop.finance.ledgers import CostCategory, CostEntry, ReviewOutcome
from nhsip_desktop.store.errors import RegisterError, ValidationError

from .kit import date_edit, form_layout, hint, line_edit
from .list_editor import parse_date
from .session import RegisterSession
from .widgets import add_row, paragraph


def fee_words(fee: Fee | None) -> str:
    """ "£70 as of 31/03/2026, check before relying"; "fee not known" without a figure."""
    if fee is None or fee.amount is None:
        return "fee not known"
    words = f"{money(fee.amount).removesuffix('.00')} {fee.as_of_text}"
    return f"{words}, {fee.caveat}" if fee.caveat else words


RENEWAL_SUPPLIER = "UK Intellectual Property Office"


# -- dialogs: shared pieces ---------------------------------------------------------------
class AssetsFormDialog(QDialog):
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
        problem = hint(name="errorText")
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


def parse_dates(
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


# -- recording a renewal paid -------------------------------------------------------------
class RenewalPaidDialog(AssetsFormDialog):
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
        self.paid_on = date_edit(dt.date.today())
        self.state = hint()
        self.add_cost = QCheckBox("Also add this payment to the costs ledger (official fee)")
        self.add_cost.setChecked(True)
        self.amount = line_edit("", "e.g. 70.00")
        self.amount.setMaximumWidth(150)
        self.amount.textEdited.connect(self._amount_edited)

        form = form_layout()
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


class ReviewDialog(AssetsFormDialog):
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
        self.reviewer = line_edit(actor.display_name or "", "Who carried out the review")
        self.reviewed_on = date_edit(dt.date.today())
        self.next_review = date_edit()
        self.next_review.setPlaceholderText("dd/mm/yyyy")
        self.outcome_hint = hint()

        form = form_layout()
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
        dates, problems = parse_dates(
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
