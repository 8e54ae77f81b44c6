"""Finance's dialogs, as forms declared as data on the UI kit: a cost, a return and its
sharing, a fee amount. Each field says its label, type, help and what is wrong with it under
itself; Save and Cancel follow the kit's convention ("Discard changes?", No by default).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

from PySide6.QtWidgets import QComboBox, QLineEdit, QVBoxLayout, QWidget

from nhsip_desktop.assets.fees import FeeSchedule, FeeScheduleError
from nhsip_desktop.core.money import money
from nhsip_desktop.finance.ledgers import CostCategory, CostEntry, validate_cost
from nhsip_desktop.finance.revenue import ReturnKind
from nhsip_desktop.store.errors import NotFoundError, RegisterError, ValidationError

from .finance_models import ZERO
from .kit import Field, FormDialog, Problems, hint
from .session import RegisterSession
from .widgets import heading

W = TypeVar("W", bound=QWidget)


def _needed(message: str) -> Callable[[Any], str | None]:
    """A validator that asks for a value left empty with ``message``."""
    return lambda value: message if value is None else None


def _saving_problems(save: Callable[[], object]) -> Problems:
    """Run ``save``; what the store refused, as problems (none: saved)."""
    try:
        save()
    except ValidationError as exc:
        return list(exc.problems) if exc.problems else [(None, str(exc))]
    except (FeeScheduleError, RegisterError) as exc:
        return [(None, str(exc))]
    return []


class _FinanceDialog(FormDialog):
    """A kit form dialog over the open register: it closes unsaved when the register locks."""

    def __init__(
        self,
        session: RegisterSession,
        title: str,
        fields: tuple[Field, ...],
        intro: str,
        parent: QWidget | None,
    ) -> None:
        super().__init__(title, fields, intro=intro, parent=parent)
        self.session = session
        session.locked.connect(self.discard)  # nothing can be saved once the register locks

    def _input(self, key: str, kind: type[W]) -> W:
        widget = self.form.inputs[key]
        assert isinstance(widget, kind)
        return widget

    def _put_first(self, widget: QWidget) -> None:
        """``widget`` above the intro (a heading naming what the form is about)."""
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(0, widget)


# -- a cost ------------------------------------------------------------------------------------
COST_FIELDS = (
    Field(
        "case_id",
        "&Case reference:",
        help="For example IP-2026-0001.",
        placeholder="IP-2026-0001",
        validator=lambda text: None if text else "Enter the case reference, e.g. IP-2026-0001.",
    ),
    Field(
        "spent_on",
        "&Date:",
        "date",
        help="The invoice date, dd/mm/yyyy.",
        validator=_needed("Enter the date of the invoice, dd/mm/yyyy."),
    ),
    Field("category", "Cate&gory:", "choice", choices=[(c.label, c) for c in CostCategory]),
    Field("amount", "&Amount (£):", "money", help="Before VAT, e.g. 1,250.00."),
    Field("vat", "&VAT (£):", "money", help="0 or empty if none."),
    Field("supplier", "&Supplier:", help="Who was paid."),
    Field("reference", "&Reference:", help="The invoice or order number."),
    Field("note", "&Note:"),
)
COST_INTRO = (
    "Record what protecting or managing the IP cost, as invoiced (step 8 asks for accurate "
    "records). Amounts are in pounds and pence; the VAT is kept apart from the amount."
)


class CostDialog(_FinanceDialog):
    """Record a cost in the costs ledger (saved through ``register.costs.add``)."""

    CATEGORIES: tuple[CostCategory, ...] = tuple(CostCategory)

    def __init__(
        self, session: RegisterSession, parent: QWidget | None = None, case_reference: str = ""
    ) -> None:
        super().__init__(session, "Add a cost", COST_FIELDS, COST_INTRO, parent)
        self.saved: CostEntry | None = None
        self.form.set_values({"case_id": case_reference, "spent_on": dt.date.today()})
        self.case = self._input("case_id", QLineEdit)
        self.spent_on = self._input("spent_on", QLineEdit)
        self.category = self._input("category", QComboBox)
        self.amount = self._input("amount", QLineEdit)
        self.vat = self._input("vat", QLineEdit)
        self.supplier = self._input("supplier", QLineEdit)
        self.reference = self._input("reference", QLineEdit)
        self.note = self._input("note", QLineEdit)
        (self.spent_on if case_reference else self.case).setFocus()
        self.resize(720, 520)

    def chosen_category(self) -> CostCategory:
        return self.CATEGORIES[max(self.category.currentIndex(), 0)]

    def submit(self, values: dict[str, Any]) -> Problems:
        register = self.session.register
        problems: Problems = []
        case_id: int | None = None
        try:
            case_id = register.cases.get_by_reference(values["case_id"]).id
        except NotFoundError as exc:
            problems.append(("case_id", str(exc)))
        entry = CostEntry(
            spent_on=values["spent_on"],
            category=self.chosen_category(),
            amount=values["amount"] or ZERO,
            vat=values["vat"] or ZERO,
            supplier=values["supplier"],
            reference=values["reference"],
            note=values["note"],
            case_id=case_id,
        )
        found = {key for key, _message in problems}
        problems += [
            (key, message)
            for key, message in validate_cost(entry, dt.date.today())
            if key not in found
        ]
        if problems:
            return problems

        def add() -> None:
            self.saved = register.costs.add(entry)

        return _saving_problems(add)


# -- a return ----------------------------------------------------------------------------------
def _return_fields(costs: Decimal, deducted: Decimal) -> tuple[Field, ...]:
    return (
        Field(
            "received_on",
            "Date &received:",
            "date",
            help="dd/mm/yyyy.",
            validator=_needed("Enter the date it arrived, dd/mm/yyyy."),
        ),
        Field("kind", "&Kind:", "choice", choices=[(k.label, k) for k in ReturnKind]),
        Field(
            "gross",
            "&Gross (£):",
            "money",
            help="The amount received, e.g. 20,000.00.",
            validator=_needed("Enter the amount received, e.g. 20,000.00."),
        ),
        Field(
            "deductible",
            "&Deductible costs (£):",
            "money",
            help="The costs set against this return under the policy. The costs ledger holds "
            f"{money(costs)} for this case (with VAT); {money(deducted)} has been set against "
            "earlier returns. Empty: none.",
        ),
        Field("agreement", "A&greement:", help="The agreement it was paid under."),
        Field("description", "D&escription:"),
    )


class ReturnDialog(_FinanceDialog):
    """Record a return received for a case (saved through ``register.returns.add``)."""

    KINDS: tuple[ReturnKind, ...] = tuple(ReturnKind)

    def __init__(
        self, session: RegisterSession, case_id: int, parent: QWidget | None = None
    ) -> None:
        register = session.register
        case = register.cases.get(case_id)
        policy = register.reference.revenue_policy()
        costs = sum((c.total for c in register.costs.list(case_id=case_id)), ZERO)
        deducted = sum((r.deductible for r in register.returns.for_case(case_id)), ZERO)
        intro = (
            "Record the money as it was received. It will be recorded under "
            f"{policy.title}, version {policy.version}, and keeps that version."
        )
        super().__init__(session, "Add a return", _return_fields(costs, deducted), intro, parent)
        self.case_id = case_id
        self.saved_id: int | None = None
        self._put_first(heading(f"{case.reference} · {case.display_title}", 2))
        self.form.layout_.addRow(
            "",
            hint(
                f"Costs ledger for this case: {money(costs)}; already set against earlier "
                f"returns: {money(deducted)}."
            ),
        )
        self.form.set_values({"received_on": dt.date.today()})
        self.received_on = self._input("received_on", QLineEdit)
        self.kind = self._input("kind", QComboBox)
        self.gross = self._input("gross", QLineEdit)
        self.deductible = self._input("deductible", QLineEdit)
        self.agreement = self._input("agreement", QLineEdit)
        self.description = self._input("description", QLineEdit)
        self.received_on.setFocus()
        self.resize(720, 560)

    def chosen_kind(self) -> ReturnKind:
        return self.KINDS[max(self.kind.currentIndex(), 0)]

    def submit(self, values: dict[str, Any]) -> Problems:
        def add() -> None:
            line = self.session.register.returns.add(
                self.case_id,
                received_on=values["received_on"],
                gross=values["gross"],
                kind=self.chosen_kind(),
                deductible=values["deductible"] or ZERO,
                agreement=values["agreement"],
                description=values["description"],
            )
            self.saved_id = line.id

        return _saving_problems(add)


# -- a fee -------------------------------------------------------------------------------------
FEE_FIELDS = (
    Field(
        "amount",
        "New &amount (£):",
        "money",
        help="The official fee, e.g. 75.00.",
        validator=_needed("Enter the new amount (0 if there is no fee)."),
    ),
)


class FeeAmountDialog(_FinanceDialog):
    """Correct one fee: a new version of the register's fee schedule."""

    def __init__(
        self, session: RegisterSession, schedule: FeeSchedule, code: str, parent: QWidget | None
    ) -> None:
        fee = schedule.fee(code)
        now = "no figure" if fee.amount is None else money(fee.amount)
        caveat = f" It is marked “{fee.caveat}”." if fee.caveat else ""
        intro = (
            f"Now {now}, {fee.as_of_text}, source: {fee.source}.{caveat} Saving makes "
            f"version {schedule.version + 1} of the schedule: this fee is dated today, "
            "marked as edited by you and confirmed, and its note keeps the figure it "
            "replaced. Worksheets keep the version they used."
        )
        super().__init__(session, "Correct a fee", FEE_FIELDS, intro, parent)
        self.schedule = schedule
        self.fee = fee
        self._put_first(heading(fee.description, 2))
        self.amount = self._input("amount", QLineEdit)
        self.resize(620, 340)

    def submit(self, values: dict[str, Any]) -> Problems:
        def save() -> None:
            updated = self.schedule.with_amount(self.fee.code, values["amount"])
            self.session.register.reference.save_fee_schedule(updated)

        return _saving_problems(save)
