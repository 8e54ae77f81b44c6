"""Finance's dialogs: a cost, a return and its sharing, a fee amount; one form layout for all
three.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from decimal import Decimal

from PySide6.QtCore import (
    Qt,
)
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from nhsip_desktop.assets.fees import FeeSchedule, FeeScheduleError
from nhsip_desktop.cases.model import format_date
from nhsip_desktop.core.money import money, parse_money
from nhsip_desktop.finance.ledgers import CostCategory, CostEntry, validate_cost
from nhsip_desktop.finance.revenue import (
    ReturnKind,
)
from nhsip_desktop.store.errors import NotFoundError, RegisterError, ValidationError

from .finance_models import ZERO, W, not_money
from .list_editor import parse_date
from .session import RegisterSession
from .widgets import heading, paragraph


# -- forms -----------------------------------------------------------------------------------
class _Form(QFormLayout):
    """A form whose every input has a buddy label, an accessible name and help, and a place
    beside it for the message that says what is wrong with it."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, QWidget] = {}
        self.messages: dict[str, QLabel] = {}
        self._help: dict[str, str] = {}

    def add(self, key: str, label: str, field: W, help_text: str = "") -> W:
        caption = QLabel(label)
        caption.setBuddy(field)
        field.setAccessibleName(label.replace("&", "").rstrip(":"))
        if help_text:
            field.setAccessibleDescription(help_text)
            field.setToolTip(help_text)
        message = QLabel()
        message.setObjectName("errorText")
        message.setWordWrap(True)
        message.setAccessibleName("Problem")
        policy = message.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        message.setSizePolicy(policy)
        message.hide()
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        line.setSpacing(10)
        line.addWidget(field, 1, Qt.AlignmentFlag.AlignTop)
        line.addWidget(message, 1, Qt.AlignmentFlag.AlignTop)
        self.addRow(caption, row)
        self.fields[key] = field
        self.messages[key] = message
        self._help[key] = help_text
        return field

    def show_problems(self, problems: Sequence[tuple[str, str]]) -> list[str]:
        """Show each message beside its field; return the messages no field here owns."""
        left = [m for f, m in problems if f not in self.messages]
        for key, label in self.messages.items():
            text = " ".join(m for f, m in problems if f == key)
            label.setText(text)
            label.setVisible(bool(text))
            described = " ".join(t for t in (self._help[key], text and f"Problem: {text}") if t)
            self.fields[key].setAccessibleDescription(described)
        return left


class _FormDialog(QDialog):
    """A dialog with a :class:`_Form`, Save (the default button) and Cancel."""

    def __init__(self, title: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.form = _Form()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.error = QLabel()
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self.error.setAccessibleName("Problem")
        self.error.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setDefault(True)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.intro = QVBoxLayout()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(12)
        layout.addLayout(self.intro)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

    def _chain_focus(self) -> None:
        """Tab goes down the form in order, then to Save and Cancel."""
        chain = [*self.form.fields.values(), *self.buttons.buttons()]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)
        chain[0].setFocus()

    def show_problems(self, problems: Sequence[tuple[str, str]]) -> None:
        left = self.form.show_problems(problems)
        self.error.setText(" ".join(left))
        self.error.setVisible(bool(left))

    def save(self) -> bool:  # pragma: no cover - every dialog overrides it
        raise NotImplementedError


def _amount_field(placeholder: str = "0.00") -> QLineEdit:
    field = QLineEdit()
    field.setPlaceholderText(placeholder)
    field.setAlignment(Qt.AlignmentFlag.AlignRight)
    return field


def _date_field(value: dt.date) -> QLineEdit:
    field = QLineEdit(format_date(value))
    field.setPlaceholderText("dd/mm/yyyy")
    return field


def _read_date(text: str, key: str, what: str, problems: list[tuple[str, str]]) -> dt.date | None:
    try:
        value = parse_date(text)
    except ValueError as exc:
        problems.append((key, str(exc)))
        return None
    if value is None:
        problems.append((key, f"Enter the date {what}, dd/mm/yyyy."))
    return value


def _read_money(text: str, key: str, problems: list[tuple[str, str]]) -> Decimal | None:
    value = parse_money(text)
    if value is None:
        problems.append((key, not_money(text)))
    return value


class CostDialog(_FormDialog):
    """Record a cost in the costs ledger (saved through ``register.costs.add``)."""

    CATEGORIES: tuple[CostCategory, ...] = tuple(CostCategory)

    def __init__(
        self, session: RegisterSession, parent: QWidget | None = None, case_reference: str = ""
    ) -> None:
        super().__init__("Add a cost", parent)
        self.session = session
        self.saved: CostEntry | None = None
        self.intro.addWidget(
            paragraph(
                "Record what protecting or managing the IP cost, as invoiced. Amounts are in "
                "pounds and pence; the VAT is kept apart from the amount."
            )
        )
        form = self.form
        self.case = form.add(
            "case_id", "&Case reference:", QLineEdit(case_reference), "For example IP-2026-0001."
        )
        self.case.setPlaceholderText("IP-2026-0001")
        self.spent_on = form.add(
            "spent_on", "&Date:", _date_field(dt.date.today()), "The invoice date, dd/mm/yyyy."
        )
        self.category = QComboBox()
        for category in self.CATEGORIES:
            self.category.addItem(category.label)
        form.add("category", "Cate&gory:", self.category)
        self.amount = form.add(
            "amount", "&Amount (£):", _amount_field(), "Before VAT, e.g. 1,250.00."
        )
        self.vat = form.add("vat", "&VAT (£):", _amount_field(), "0 or empty if none.")
        self.supplier = form.add("supplier", "&Supplier:", QLineEdit(), "Who was paid.")
        self.reference = form.add(
            "reference", "&Reference:", QLineEdit(), "The invoice or order number."
        )
        self.note = form.add("note", "&Note:", QLineEdit())
        self._chain_focus()
        if case_reference:
            self.spent_on.setFocus()
        self.resize(780, 480)

    def chosen_category(self) -> CostCategory:
        return self.CATEGORIES[max(self.category.currentIndex(), 0)]

    def save(self) -> bool:
        problems: list[tuple[str, str]] = []
        register = self.session.register
        case_id: int | None = None
        reference = self.case.text().strip()
        if not reference:
            problems.append(("case_id", "Enter the case reference, e.g. IP-2026-0001."))
        else:
            try:
                case_id = register.cases.get_by_reference(reference).id
            except NotFoundError as exc:
                problems.append(("case_id", str(exc)))
        spent_on = _read_date(self.spent_on.text(), "spent_on", "of the invoice", problems)
        amount = _read_money(self.amount.text(), "amount", problems)
        vat = _read_money(self.vat.text(), "vat", problems)
        entry = CostEntry(
            spent_on=spent_on or dt.date.today(),
            category=self.chosen_category(),
            amount=ZERO if amount is None else amount,
            vat=ZERO if vat is None else vat,
            supplier=self.supplier.text().strip(),
            reference=self.reference.text().strip(),
            note=self.note.text().strip(),
            case_id=case_id,
        )
        found = {f for f, _ in problems}
        problems += [(f, m) for f, m in validate_cost(entry, dt.date.today()) if f not in found]
        if problems:
            self.show_problems(problems)
            return False
        try:
            self.saved = register.costs.add(entry)
        except ValidationError as exc:
            self.show_problems(exc.problems or [("", str(exc))])
            return False
        except RegisterError as exc:
            self.show_problems([("", str(exc))])
            return False
        self.accept()
        return True


class ReturnDialog(_FormDialog):
    """Record a return received for a case (saved through ``register.returns.add``)."""

    KINDS: tuple[ReturnKind, ...] = tuple(ReturnKind)

    def __init__(
        self, session: RegisterSession, case_id: int, parent: QWidget | None = None
    ) -> None:
        super().__init__("Add a return", parent)
        self.session = session
        self.case_id = case_id
        self.saved_id: int | None = None
        register = session.register
        case = register.cases.get(case_id)
        policy = register.reference.revenue_policy()
        self.intro.addWidget(heading(f"{case.reference} · {case.display_title}", 2))
        self.intro.addWidget(
            paragraph(
                "Record the money as it was received. It will be recorded under "
                f"{policy.title}, version {policy.version}, and keeps that version."
            )
        )
        costs = sum((c.total for c in register.costs.list(case_id=case_id)), ZERO)
        deducted = sum((r.deductible for r in register.returns.for_case(case_id)), ZERO)
        form = self.form
        self.received_on = form.add(
            "received_on", "Date &received:", _date_field(dt.date.today()), "dd/mm/yyyy."
        )
        self.kind = QComboBox()
        for kind in self.KINDS:
            self.kind.addItem(kind.label)
        form.add("kind", "&Kind:", self.kind)
        self.gross = form.add(
            "gross", "&Gross (£):", _amount_field(), "The amount received, e.g. 20,000.00."
        )
        self.deductible = form.add(
            "deductible",
            "&Deductible costs (£):",
            _amount_field(),
            "The costs set against this return under the policy. The costs ledger holds "
            f"{money(costs)} for this case (with VAT); {money(deducted)} has been set against "
            "earlier returns.",
        )
        self.agreement = form.add(
            "agreement", "A&greement:", QLineEdit(), "The agreement it was paid under."
        )
        self.description = form.add("description", "D&escription:", QLineEdit())
        ledger = QLabel(
            f"Costs ledger for this case: {money(costs)}; already set against earlier returns: "
            f"{money(deducted)}."
        )
        ledger.setObjectName("hintText")
        ledger.setWordWrap(True)
        self.form.addRow("", ledger)
        self._chain_focus()
        self.resize(780, 480)

    def chosen_kind(self) -> ReturnKind:
        return self.KINDS[max(self.kind.currentIndex(), 0)]

    def save(self) -> bool:
        problems: list[tuple[str, str]] = []
        received_on = _read_date(self.received_on.text(), "received_on", "it arrived", problems)
        gross = _read_money(self.gross.text(), "gross", problems)
        deductible = _read_money(self.deductible.text(), "deductible", problems)
        if problems or received_on is None or gross is None or deductible is None:
            self.show_problems(problems)
            return False
        try:
            line = self.session.register.returns.add(
                self.case_id,
                received_on=received_on,
                gross=gross,
                kind=self.chosen_kind(),
                deductible=deductible,
                agreement=self.agreement.text(),
                description=self.description.text(),
            )
        except ValidationError as exc:
            self.show_problems(exc.problems or [("", str(exc))])
            return False
        except RegisterError as exc:
            self.show_problems([("", str(exc))])
            return False
        self.saved_id = line.id
        self.accept()
        return True


class FeeAmountDialog(_FormDialog):
    """Correct one fee: a new version of the register's fee schedule."""

    def __init__(
        self, session: RegisterSession, schedule: FeeSchedule, code: str, parent: QWidget | None
    ) -> None:
        super().__init__("Correct a fee", parent)
        self.session = session
        self.schedule = schedule
        self.fee = schedule.fee(code)
        fee = self.fee
        now = "no figure" if fee.amount is None else money(fee.amount)
        caveat = f" It is marked “{fee.caveat}”." if fee.caveat else ""
        self.intro.addWidget(heading(fee.description, 2))
        self.intro.addWidget(
            paragraph(
                f"Now {now}, {fee.as_of_text}, source: {fee.source}.{caveat} Saving makes "
                f"version {schedule.version + 1} of the schedule: this fee is dated today, "
                "marked as edited by you and confirmed, and its note keeps the figure it "
                "replaced. Worksheets keep the version they used."
            )
        )
        self.amount = self.form.add(
            "amount", "New &amount (£):", _amount_field(), "The official fee, e.g. 75.00."
        )
        self._chain_focus()
        self.resize(620, 300)

    def save(self) -> bool:
        text = self.amount.text()
        problems: list[tuple[str, str]] = []
        amount = _read_money(text, "amount", problems)
        if not text.strip():
            problems.append(("amount", "Enter the new amount (0 if there is no fee)."))
        if problems or amount is None:
            self.show_problems(problems)
            return False
        try:
            updated = self.schedule.with_amount(self.fee.code, amount)
            self.session.register.reference.save_fee_schedule(updated)
        except (FeeScheduleError, RegisterError) as exc:
            self.show_problems([("", str(exc))])
            return False
        self.accept()
        return True
