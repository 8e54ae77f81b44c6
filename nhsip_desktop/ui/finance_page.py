"""Finance (guidance step 8): costs, returns and how they are shared, the sharing policy, fees.

Step 8 asks the trust to record every return accurately and to share returns with staff as
its IP policy says. Money is exact here: amounts are ``Decimal`` pounds (typed amounts go
through :func:`~nhsip_desktop.core.money.parse_money`, which refuses anything finer than a penny),
and every share is worked out by :func:`~nhsip_desktop.finance.revenue.distribute`, so each return's
shares add up to its net revenue to the penny.

The page only reads the register. Dialogs save through the store, and the session's
"register changed" signal brings the tables up to date (views never call each other).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from nhsip_desktop.assets.fees import FeeSchedule, FeeScheduleError
from nhsip_desktop.cases.disclosure import Contributor
from nhsip_desktop.cases.model import format_date
from nhsip_desktop.core.money import money, parse_money
from nhsip_desktop.finance.ledgers import CostCategory, CostEntry, validate_cost
from nhsip_desktop.finance.revenue import (
    PARTIES,
    PARTY_LABELS,
    ROUNDING_RULE,
    Band,
    Distribution,
    ReturnKind,
    RevenuePolicy,
    RevenuePolicyError,
    totals_by_innovator,
    totals_by_party,
)
from nhsip_desktop.store.errors import NotFoundError, RegisterError, ValidationError

from .file_dialogs import remember, suggested
from .guidance_help import with_guidance
from .list_editor import parse_date
from .session import RegisterSession
from .table_model import RowsModel
from .widgets import heading, paragraph

__all__ = [
    "AMOUNT_ROLE",
    "ID_ROLE",
    "TOTAL_ROW_ROLE",
    "BandsTableModel",
    "CostDialog",
    "CostTableModel",
    "FeeAmountDialog",
    "FeeTableModel",
    "FinancePage",
    "InnovatorTotalsModel",
    "ReturnDialog",
    "ReturnsTableModel",
]

Index = QModelIndex | QPersistentModelIndex
W = TypeVar("W", bound=QWidget)
ID_ROLE = Qt.ItemDataRole.UserRole + 1  # the row's record: cost id, return id, key or fee code
AMOUNT_ROLE = Qt.ItemDataRole.UserRole + 2  # a money cell's exact amount as text ("1234.50")
TOTAL_ROW_ROLE = Qt.ItemDataRole.UserRole + 3  # True on a table's total line

RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
ZERO = Decimal(0)
SHORT_PARTY = {
    "innovators": "Innovators",
    "department": "Department",
    "organisation": "Organisation",
    "ttc": "TTC",
}
# Refresh only what a change can affect (the kinds are the audit trail's record kinds).
COST_KINDS = frozenset({"cost", "case", "right"})
RETURN_KINDS = frozenset({"return", "case", "case_details", "revenue_policy"})


def _percent(value: Decimal) -> str:
    """50 -> "50%", 33.33 -> "33.33%"."""
    return f"{value.normalize():f}%"


def _number(value: Decimal) -> str:
    """A percentage as a person would type it: 50, 33.33."""
    return f"{value.normalize():f}"


def _not_money(text: str) -> str:
    return (
        f"“{text.strip()}” is not an amount: use pounds and pence, at most two decimal "
        "places, e.g. 1,250.50."
    )


def _contributor_name(contributor: Contributor) -> str:
    return contributor.name.strip() or "(name not recorded)"


# -- table models ----------------------------------------------------------------------------
@dataclass(frozen=True)
class _Row:
    cells: tuple[str, ...]
    amounts: tuple[Decimal | None, ...] = ()  # the exact amount behind each money cell
    key: int | str | None = None
    total: bool = False
    tooltip: str = ""


@dataclass(frozen=True)
class _Column:
    title: str
    money: bool = False
    tooltip: str = ""


class _LedgerModel(RowsModel):
    """A read-only table of rows of text, money right-aligned, an optional bold total line."""

    COLUMNS: tuple[_Column, ...] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.columns = tuple(column.title for column in cls.COLUMNS)

    def key_at(self, row: int) -> int | str | None:
        return self._rows[row].key if 0 <= row < len(self._rows) else None

    def is_total(self, row: int) -> bool:
        return 0 <= row < len(self._rows) and self._rows[row].total

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.COLUMNS):
            column = self.COLUMNS[section]
            if role == Qt.ItemDataRole.ToolTipRole:
                return column.tooltip or column.title
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return RIGHT if column.money else LEFT
        return super().headerData(section, orientation, role)

    def text(self, row: _Row, column: int) -> str:
        return row.cells[column] if column < len(row.cells) else ""

    def accessible(self, row: _Row, column: int) -> str:
        return self.text(row, column)

    def tooltip(self, row: _Row, column: int) -> str | None:
        return row.tooltip or self.text(row, column) or None

    def is_bold(self, row: _Row, column: int) -> bool:
        return row.total

    def alignment(self, row: _Row, column: int) -> Any:
        return RIGHT if self.COLUMNS[column].money else LEFT

    def selectable(self, row: _Row) -> bool:
        return not row.total  # the total line is read, not chosen

    def extra(self, row: _Row, role: int) -> Any:
        if role == ID_ROLE:
            return row.key
        if role == TOTAL_ROW_ROLE:
            return row.total
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # The exact amount of one cell (the base model's roles are per row).
        if role == AMOUNT_ROLE and index.isValid() and 0 <= index.row() < len(self._rows):
            amounts = self._rows[index.row()].amounts
            amount = amounts[index.column()] if index.column() < len(amounts) else None
            return None if amount is None else str(amount)
        return super().data(index, role)


class CostTableModel(_LedgerModel):
    """The costs ledger, oldest first, with a total line."""

    COLUMNS = (
        _Column("Date"),
        _Column("Case"),
        _Column("Category"),
        _Column("Amount", True, "The amount before VAT"),
        _Column("VAT", True),
        _Column("Total", True, "Amount plus VAT"),
        _Column("Supplier"),
        _Column("Reference", tooltip="The supplier's invoice or reference number"),
    )

    def load(self, entries: Sequence[CostEntry], owners: dict[int, str]) -> None:
        """``owners``: what each cost belongs to, by cost id (a case reference, or a right)."""
        rows = []
        for e in entries:
            assert e.id is not None
            rows.append(
                _Row(
                    (
                        format_date(e.spent_on),
                        owners.get(e.id, ""),
                        e.category.label,
                        money(e.amount),
                        money(e.vat),
                        money(e.total),
                        e.supplier,
                        e.reference,
                    ),
                    (None, None, None, e.amount, e.vat, e.total, None, None),
                    key=e.id,
                    tooltip=e.note,
                )
            )
        if entries:
            amount = sum((e.amount for e in entries), ZERO)
            vat = sum((e.vat for e in entries), ZERO)
            total = amount + vat
            count = f"{len(entries)} cost{'' if len(entries) == 1 else 's'}"
            rows.append(
                _Row(
                    ("Total", count, "", money(amount), money(vat), money(total), "", ""),
                    (None, None, None, amount, vat, total, None, None),
                    total=True,
                )
            )
        self.set_rows(rows)


class ReturnsTableModel(_LedgerModel):
    """A case's returns and how each one's net revenue is shared, with a total line."""

    COLUMNS = (
        _Column("Date"),
        _Column("Kind"),
        _Column("Gross", True, "The amount received"),
        _Column("Deductible", True, "The costs set against this return"),
        _Column("Net", True, "Gross less deductible costs (never below £0.00)"),
        *(_Column(SHORT_PARTY[p], True, PARTY_LABELS[p]) for p in PARTIES),
    )
    FIRST_PARTY_COLUMN = 5

    def __init__(self) -> None:
        super().__init__()
        self.distributions: list[Distribution] = []

    def load(self, distributions: Sequence[Distribution], recorded: dict[int, str]) -> None:
        """``recorded``: the policy version each return was recorded under, in words."""
        self.distributions = list(distributions)
        rows = []
        for d in self.distributions:
            line = d.line
            slices = "; ".join(
                f"{money(part)} in the band with innovators at {_percent(band.innovators)}"
                for band, part in d.band_slices
            )
            tooltip = "\n".join(
                t
                for t in (
                    line.description,
                    f"Shared: {slices}." if slices else "Nothing to share.",
                    f"Case's net revenue before this return: {money(d.cumulative_before)}.",
                    recorded.get(d.return_id, ""),
                    d.note,
                )
                if t
            )
            kind = line.kind.label + (" – see note below" if d.note else "")
            parties = [d.parties[p] for p in PARTIES]
            rows.append(
                _Row(
                    (
                        format_date(line.received_on),
                        kind,
                        money(line.gross),
                        money(line.deductible),
                        money(d.net),
                        *(money(a) for a in parties),
                    ),
                    (None, None, line.gross, line.deductible, d.net, *parties),
                    key=d.return_id,
                    tooltip=tooltip,
                )
            )
        if self.distributions:
            gross = sum((d.line.gross for d in self.distributions), ZERO)
            deductible = sum((d.line.deductible for d in self.distributions), ZERO)
            net = sum((d.net for d in self.distributions), ZERO)
            by_party = totals_by_party(self.distributions)
            parties = [by_party[p] for p in PARTIES]
            count = len(self.distributions)
            rows.append(
                _Row(
                    (
                        "Total",
                        f"{count} return{'' if count == 1 else 's'}",
                        money(gross),
                        money(deductible),
                        money(net),
                        *(money(a) for a in parties),
                    ),
                    (None, None, gross, deductible, net, *parties),
                    total=True,
                )
            )
        self.set_rows(rows)

    def clear(self) -> None:
        self.distributions = []
        super().clear()


class InnovatorTotalsModel(_LedgerModel):
    """Each innovator's total across the case's returns, with a total line."""

    COLUMNS = (
        _Column("Innovator"),
        _Column("Share", True, "Their contribution share, from the disclosure"),
        _Column("Amount", True, "Their part of the innovators' share of the net revenue"),
    )

    def load(self, contributors: Sequence[Contributor], totals: dict[str, Decimal]) -> None:
        rows = [
            _Row(
                (_contributor_name(c), _percent(c.share), money(totals.get(c.key, ZERO))),
                (None, None, totals.get(c.key, ZERO)),
                key=c.key,
            )
            for c in contributors
        ]
        if contributors:
            share = sum((c.share for c in contributors), ZERO)
            amount = sum((totals.get(c.key, ZERO) for c in contributors), ZERO)
            rows.append(
                _Row(
                    ("All innovators", _percent(share), money(amount)),
                    (None, None, amount),
                    total=True,
                )
            )
        self.set_rows(rows)


class FeeTableModel(_LedgerModel):
    """The register's fee schedule: each fee with its date, source and caveat."""

    COLUMNS = (
        _Column("Fee"),
        _Column("Amount", True),
        _Column("As of", tooltip="The date this figure was last known to be right"),
        _Column("Source"),
        _Column("Check", tooltip="Figures that could not be confirmed: check before relying"),
    )

    def load(self, schedule: FeeSchedule) -> None:
        rows = []
        for fee in schedule.fees.values():
            amount = "No official figure" if fee.amount is None else money(fee.amount)
            rows.append(
                _Row(
                    (
                        fee.description,
                        amount,
                        format_date(fee.as_of),
                        fee.source,
                        fee.caveat,
                    ),
                    (None, fee.amount, None, None, None),
                    key=fee.code,
                    tooltip="\n".join(
                        t for t in (fee.description, fee.note, f"Source: {fee.source}") if t
                    ),
                )
            )
        self.set_rows(rows)


class BandsTableModel(QAbstractTableModel):
    """The bands of a revenue-sharing policy, as text a person can edit.

    Column 0 is the band's upper limit in pounds (empty: no upper limit), then one
    percentage per party. :meth:`bands` turns the text into :class:`Band` values.
    """

    TITLES = ("Up to (£)", *(f"{SHORT_PARTY[p]} %" for p in PARTIES))

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[list[str]] = []

    def load(self, bands: Sequence[Band]) -> None:
        self.beginResetModel()
        self._rows = [
            [
                "" if b.up_to is None else f"{b.up_to:,.2f}",
                *(_number(b.percentage(p)) for p in PARTIES),
            ]
            for b in bands
        ]
        self.endResetModel()

    def clear(self) -> None:
        self.load([])

    def texts(self) -> list[list[str]]:
        return [list(row) for row in self._rows]

    def insert_band(self, row: int) -> None:
        """A new, empty band at ``row`` (its percentages start at 0)."""
        row = max(0, min(row, len(self._rows)))
        self.beginInsertRows(QModelIndex(), row, row)
        self._rows.insert(row, ["", *("0" for _ in PARTIES)])
        self.endInsertRows()

    def remove_band(self, row: int) -> None:
        if 0 <= row < len(self._rows):
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._rows[row]
            self.endRemoveRows()

    def bands(self) -> tuple[Band, ...]:
        """The bands as typed; ``ValueError`` says in words which cell is wrong."""
        out = []
        for index, cells in enumerate(self._rows):
            where = f"Band {index + 1}"
            up_text = cells[0].strip()
            up_to: Decimal | None = None
            if up_text:
                up_to = parse_money(up_text)
                if up_to is None:
                    raise ValueError(f"{where}, up to: {_not_money(up_text)}")
            percentages = []
            for party, text in zip(PARTIES, cells[1:], strict=True):
                label = f"{where}, {PARTY_LABELS[party].lower()}"
                cleaned = text.strip().rstrip("%").strip()
                if not cleaned:
                    raise ValueError(f"{label}: enter a percentage (0 if they receive nothing).")
                try:
                    value = Decimal(cleaned)
                except InvalidOperation:
                    raise ValueError(
                        f"{label}: “{text.strip()}” is not a percentage; use a number from 0 "
                        "to 100, e.g. 33.5."
                    ) from None
                if not value.is_finite():
                    raise ValueError(f"{label}: use a number from 0 to 100.")
                percentages.append(value)
            out.append(Band(up_to, *percentages))
        return tuple(out)

    # -- QAbstractTableModel -----------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.TITLES)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        text_roles = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole)
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.TITLES):
            if role in text_roles:
                return self.TITLES[section]
            if role == Qt.ItemDataRole.ToolTipRole:
                if section == 0:
                    return "The band's upper limit of cumulative net revenue; empty: no limit"
                return f"The percentage the {PARTY_LABELS[PARTIES[section - 1]].lower()} receives"
        if orientation == Qt.Orientation.Vertical and role in text_roles:
            return f"Band {section + 1}"
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.parent().isValid():
            return None
        row, column = index.row(), index.column()
        if not (0 <= row < len(self._rows) and 0 <= column < len(self.TITLES)):
            return None
        text = self._rows[row][column]
        if role == Qt.ItemDataRole.EditRole:
            return text
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            if column == 0 and not text.strip():
                return "No upper limit"
            return text
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return RIGHT
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or index.parent().isValid():
            return False
        row, column = index.row(), index.column()
        if not (0 <= row < len(self._rows) and 0 <= column < len(self.TITLES)):
            return False
        text = "" if value is None else str(value).strip()
        if self._rows[row][column] != text:
            self._rows[row][column] = text
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DisplayRole])
        return True

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable


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
        problems.append((key, _not_money(text)))
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


# -- the page --------------------------------------------------------------------------------
def _table(name: str, model: QAbstractTableModel) -> QTableView:
    table = QTableView()
    table.setModel(model)
    table.setAccessibleName(name)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.setTabKeyNavigation(False)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(28)
    header = table.horizontalHeader()
    header.setHighlightSections(False)
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    return table


def _hint(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setObjectName("hintText")
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _policy_problem(exc: RevenuePolicyError) -> str:
    """A policy's problem in words: "Band 2, up to: ..." rather than "bands[1].up_to"."""
    found = re.fullmatch(r"bands\[(\d+)\](?:\.(\w+))?", exc.where)
    if found:
        where = f"Band {int(found[1]) + 1}"
        part = found[2]
        if part == "up_to":
            where += ", up to"
        elif part in PARTY_LABELS:
            where += f", {PARTY_LABELS[part].lower()}"
        return f"Not saved. {where}: {exc.problem}."
    if exc.where == "bands":
        return f"Not saved: {exc.problem}."
    return f"Not saved: {exc.where}: {exc.problem}."


class FinancePage(QWidget):
    """The Finance area: costs, returns and sharing, the sharing policy, the fee schedule."""

    TAB_COSTS, TAB_RETURNS, TAB_POLICY, TAB_FEES = range(4)

    def __init__(self, session: RegisterSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("area-finance")
        self.setAccessibleName("Finance")
        self.session = session
        self.case_id: int | None = None
        self.policy: RevenuePolicy | None = None  # the policy the returns are shared under
        self.schedule: FeeSchedule | None = None
        self.contributors: list[Contributor] = []
        self._shares_ok = False
        self._editing_policy: RevenuePolicy | None = None
        self._policy_dirty = False

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Finance sections")
        self.tabs.addTab(self._build_costs(), "&Costs")
        self.tabs.addTab(self._build_returns(), "&Returns and sharing")
        self.tabs.addTab(self._build_policy(), "Sharing &policy")
        self.tabs.addTab(self._build_fees(), "&Fee schedule")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.setSpacing(8)
        layout.addWidget(heading("Finance"))
        intro = _hint(
            "Step 8: record every cost and return accurately, and share returns with staff "
            "as the trust's IP policy says. Every amount is exact to the penny."
        )
        layout.addWidget(with_guidance(intro, "Step 8"))
        layout.addWidget(self.tabs, 1)

        session.changed.connect(self._on_changed)
        session.opened.connect(self._on_opened)
        session.locked.connect(self._clear)
        if session.is_open:
            self.refresh()
        else:
            self._clear()

    # -- building the tabs --------------------------------------------------------------
    def _build_costs(self) -> QWidget:
        self.cost_model = CostTableModel()
        self.cost_table = _table("Costs ledger", self.cost_model)
        self.cost_table.horizontalHeader().setStretchLastSection(True)
        self.cost_table.selectionModel().selectionChanged.connect(self._update_cost_buttons)
        self.cost_summary = QLabel()
        self.cost_summary.setObjectName("stageText")
        self.cost_summary.setAccessibleName("Total of the costs")
        self.add_cost_button = QPushButton("&Add cost…")
        self.add_cost_button.setAccessibleName("Add a cost")
        self.add_cost_button.clicked.connect(self.add_cost)
        self.remove_cost_button = QPushButton("Re&move…")
        self.remove_cost_button.setAccessibleName("Remove the selected cost")
        self.remove_cost_button.clicked.connect(self.remove_cost)

        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.addWidget(
            _hint(
                "What protecting and managing the trust's IP has cost, case by case. The "
                "amount is before VAT; the total includes it. Costs can be set against a "
                "case's returns as deductible costs."
            )
        )
        layout.addWidget(self.cost_table, 1)
        bar = QHBoxLayout()
        bar.addWidget(self.cost_summary, 1)
        bar.addWidget(self.remove_cost_button)
        bar.addWidget(self.add_cost_button)
        layout.addLayout(bar)
        return page

    def _build_returns(self) -> QWidget:
        self.case_reference = QLineEdit()
        self.case_reference.setPlaceholderText("IP-2026-0001")
        self.case_reference.setAccessibleName("Case reference")
        self.case_reference.setAccessibleDescription("Type the reference and press Enter.")
        self.case_reference.setMaximumWidth(220)
        self.case_reference.returnPressed.connect(lambda: self.show_case())
        reference_label = QLabel("Case refere&nce:")
        reference_label.setBuddy(self.case_reference)
        self.show_button = QPushButton("&Show")
        self.show_button.setAccessibleName("Show this case's returns")
        self.show_button.clicked.connect(lambda: self.show_case())
        self.case_message = QLabel()
        self.case_message.setObjectName("errorText")
        self.case_message.setWordWrap(True)
        self.case_message.setAccessibleName("Problem")
        self.case_message.hide()
        self.case_title = QLabel("Choose a case to see its returns and how they are shared.")
        self.case_title.setObjectName("stageText")
        self.case_title.setWordWrap(True)

        self.policy_line = _hint()
        self.policy_line.setAccessibleName("Revenue-sharing policy")
        self.rounding_line = _hint(
            "Rounding: worked out exactly, then rounded to pennies by the largest-remainder "
            "method, so each return's shares add up to its net (hover for the full rule)."
        )
        self.rounding_line.setToolTip(ROUNDING_RULE)
        self.rounding_line.setAccessibleDescription(ROUNDING_RULE)
        self.shares_warning = QLabel()
        self.shares_warning.setObjectName("alertBox")
        self.shares_warning.setWordWrap(True)
        self.shares_warning.setAccessibleName("Contribution shares")
        self.shares_warning.hide()
        self.returns_notes = QLabel()
        self.returns_notes.setObjectName("warningText")
        self.returns_notes.setWordWrap(True)
        self.returns_notes.hide()

        self.returns_model = ReturnsTableModel()
        self.returns_table = _table("Returns and how they are shared", self.returns_model)
        header = self.returns_table.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)

        self.innovator_model = InnovatorTotalsModel()
        self.innovator_table = _table("Each innovator's total", self.innovator_model)
        self.innovator_table.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.Stretch
        )
        self.innovator_table.selectionModel().selectionChanged.connect(self._update_return_buttons)
        self.innovator_table.setMinimumHeight(120)
        self.innovator_heading = QLabel("Each innovator's total")
        self.innovator_heading.setObjectName("stageText")
        self.innovator_heading.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

        self.add_return_button = QPushButton("A&dd return…")
        self.add_return_button.setAccessibleName("Add a return for this case")
        self.add_return_button.clicked.connect(self.add_return)
        self.statement_button = QPushButton("S&tatement for selected innovator…")
        self.statement_button.setAccessibleName("Write the selected innovator's statement")
        self.statement_button.setToolTip(
            "A PDF for the innovator selected in the table. It leaves the encrypted register."
        )
        self.statement_button.clicked.connect(lambda: self.write_statement())
        self.returns_status = _hint()
        self.returns_status.setAccessibleName("Status")

        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.setSpacing(8)
        chooser = QHBoxLayout()
        chooser.addWidget(reference_label)
        chooser.addWidget(self.case_reference)
        chooser.addWidget(self.show_button)
        chooser.addSpacing(12)
        chooser.addWidget(self.case_title, 1)
        chooser.addWidget(self.add_return_button)
        layout.addLayout(chooser)
        layout.addWidget(self.case_message)
        layout.addWidget(self.policy_line)
        layout.addWidget(self.rounding_line)
        layout.addWidget(self.shares_warning)
        layout.addWidget(self.returns_table, 3)
        layout.addWidget(self.returns_notes)

        lower = QHBoxLayout()
        lower.setSpacing(16)
        left = QVBoxLayout()
        left.setSpacing(4)
        left.addWidget(self.innovator_heading)
        left.addWidget(self.innovator_table, 1)
        lower.addLayout(left, 3)
        right = QVBoxLayout()
        right.setSpacing(8)
        right.addSpacing(self.innovator_heading.sizeHint().height() + 4)
        right.addWidget(
            _hint(
                "A statement shows one innovator each return, their amount, the policy and "
                "the rounding rule, so they can check every figure. It is a PDF saved "
                "outside the encrypted register."
            )
        )
        right.addWidget(self.statement_button, 0, Qt.AlignmentFlag.AlignLeft)
        right.addWidget(self.returns_status)
        right.addStretch(1)
        lower.addLayout(right, 2)
        layout.addSpacing(4)
        layout.addLayout(lower, 2)
        self._update_return_buttons()
        return page

    def _build_policy(self) -> QWidget:
        self.policy_title = QLabel()
        self.policy_title.setObjectName("stageText")
        self.policy_title.setWordWrap(True)
        self.bands_model = BandsTableModel()
        self.bands_table = QTableView()
        self.bands_table.setModel(self.bands_model)
        self.bands_table.setAccessibleName("Bands of cumulative net revenue")
        self.bands_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.bands_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.bands_table.verticalHeader().setDefaultSectionSize(28)
        self.bands_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.bands_table.setMinimumHeight(140)
        self.add_band_button = QPushButton("Add &band")
        self.add_band_button.setAccessibleName("Add a band below the selected one")
        self.add_band_button.clicked.connect(self._add_band)
        self.remove_band_button = QPushButton("Remove band")
        self.remove_band_button.setAccessibleName("Remove the selected band")
        self.remove_band_button.clicked.connect(self._remove_band)
        self.deductible = QPlainTextEdit()
        self.deductible.setAccessibleName("What may be deducted")
        self.deductible.setTabChangesFocus(True)
        self.deductible.setMinimumHeight(70)
        deductible_label = QLabel("What may be &deducted from gross revenue to give net revenue:")
        deductible_label.setBuddy(self.deductible)
        self.policy_error = QLabel()
        self.policy_error.setObjectName("errorText")
        self.policy_error.setWordWrap(True)
        self.policy_error.setAccessibleName("Problem")
        self.policy_error.hide()
        self.policy_status = _hint()
        self.save_policy_button = QPushButton("&Save as new version")
        self.save_policy_button.clicked.connect(self.save_policy)
        self.undo_policy_button = QPushButton("&Undo my changes")
        self.undo_policy_button.clicked.connect(lambda: self._refresh_policy(force=True))
        self.bands_model.dataChanged.connect(self._policy_edited)
        self.bands_model.rowsInserted.connect(self._policy_edited)
        self.bands_model.rowsRemoved.connect(self._policy_edited)
        self.deductible.textChanged.connect(self._policy_edited)

        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.setSpacing(8)
        layout.addWidget(self.policy_title)
        layout.addWidget(
            _hint(
                "Net revenue is counted cumulatively for each case, and each slice of it is "
                "shared at the percentages of the band it falls in, like tax bands. Each "
                "band's percentages must total 100, the limits must go up, and the last band "
                "has no upper limit (leave it empty). Double-click a cell or press F2 to edit."
            )
        )
        band_row = QHBoxLayout()
        band_row.addWidget(self.bands_table, 1)
        band_buttons = QVBoxLayout()
        band_buttons.addWidget(self.add_band_button)
        band_buttons.addWidget(self.remove_band_button)
        band_buttons.addStretch(1)
        band_row.addLayout(band_buttons)
        layout.addLayout(band_row, 2)
        layout.addWidget(deductible_label)
        layout.addWidget(self.deductible, 1)
        layout.addWidget(
            _hint(
                "Saving makes a new version of the policy, in force from today. Returns already "
                "recorded keep the version they were recorded under; returns recorded from now "
                "on are recorded under the new version."
            )
        )
        layout.addWidget(self.policy_error)
        bar = QHBoxLayout()
        bar.addWidget(self.policy_status, 1)
        bar.addWidget(self.undo_policy_button)
        bar.addWidget(self.save_policy_button)
        layout.addLayout(bar)
        return page

    def _build_fees(self) -> QWidget:
        self.fee_title = QLabel()
        self.fee_title.setObjectName("stageText")
        self.fee_title.setWordWrap(True)
        self.fee_model = FeeTableModel()
        self.fee_table = _table("Official fees", self.fee_model)
        header = self.fee_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(3, 260)
        self.fee_table.selectionModel().selectionChanged.connect(self._update_fee_buttons)
        self.correct_fee_button = QPushButton("C&orrect an amount…")
        self.correct_fee_button.setAccessibleName("Correct the selected fee's amount")
        self.correct_fee_button.clicked.connect(self.correct_fee)

        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.setSpacing(8)
        layout.addWidget(self.fee_title)
        layout.addWidget(
            _hint(
                "Official fees change. Each figure shows the date it was last known to be right "
                "and its source; those marked “check before relying” could not be confirmed, so "
                "check them with the UK IPO before relying on them. A correction makes a new "
                "version of the schedule."
            )
        )
        layout.addWidget(self.fee_table, 1)
        bar = QHBoxLayout()
        bar.addStretch(1)
        bar.addWidget(self.correct_fee_button)
        layout.addLayout(bar)
        self._update_fee_buttons()
        return page

    # -- refreshing (only from the session's signals) ------------------------------------
    def refresh(self) -> None:
        self._refresh_costs()
        self._refresh_returns()
        self._refresh_policy(force=True)
        self._refresh_fees()

    def _on_opened(self) -> None:
        self.case_id = None
        self.case_reference.clear()
        self.refresh()

    def _on_changed(self, changes: object) -> None:
        kinds: frozenset[str] = getattr(changes, "kinds", frozenset())
        everything = not kinds
        if everything or kinds & COST_KINDS:
            self._refresh_costs()
        if everything or kinds & RETURN_KINDS:
            self._refresh_returns()
        if everything or "revenue_policy" in kinds:
            self._refresh_policy(force=True)
        if everything or "fee_schedule" in kinds:
            self._refresh_fees()

    def _clear(self) -> None:
        self.case_id = None
        self.policy = None
        self.schedule = None
        self.contributors = []
        self._shares_ok = False
        self._editing_policy = None
        for model in (self.cost_model, self.returns_model, self.innovator_model, self.fee_model):
            model.clear()
        self.bands_model.clear()
        self.deductible.clear()
        self._policy_dirty = False
        self.undo_policy_button.setEnabled(False)
        self.policy_status.clear()
        self.policy_error.hide()
        for label in (self.policy_line, self.policy_title, self.fee_title, self.cost_summary):
            label.clear()
        for label in (self.shares_warning, self.returns_notes, self.case_message):
            label.hide()
        self.returns_status.clear()
        self.case_title.setText("Choose a case to see its returns and how they are shared.")
        self._update_cost_buttons()
        self._update_return_buttons()
        self._update_fee_buttons()

    def _refresh_costs(self) -> None:
        if not self.session.is_open:
            return
        register = self.session.register
        entries = register.costs.list()
        case_ids = sorted({e.case_id for e in entries if e.case_id is not None})
        references = {c.id: c.reference for c in register.cases.get_many(case_ids)}
        owners: dict[int, str] = {}
        for e in entries:
            assert e.id is not None
            if e.case_id is not None:
                owners[e.id] = references.get(e.case_id, "")
            elif e.right_id is not None:
                try:
                    right = register.rights.get(e.right_id)
                except NotFoundError:
                    owners[e.id] = "(right removed)"
                else:
                    owner = references.get(right.case_id or -1)
                    if owner is None and right.case_id is not None:
                        owner = register.cases.get(right.case_id).reference
                    owners[e.id] = owner or f"Right: {right.display_title}"
        self.cost_model.load(entries, owners)
        if entries:
            total = sum((e.total for e in entries), ZERO)
            vat = sum((e.vat for e in entries), ZERO)
            self.cost_summary.setText(
                f"{len(entries)} cost{'' if len(entries) == 1 else 's'} recorded, "
                f"{money(total)} in all ({money(vat)} of it VAT)."
            )
        else:
            self.cost_summary.setText("No costs recorded yet.")
        self._update_cost_buttons()

    def _refresh_returns(self) -> None:
        self.returns_notes.hide()
        self.shares_warning.hide()
        if not self.session.is_open or self.case_id is None:
            self.returns_model.clear()
            self.innovator_model.clear()
            self._shares_ok = False
            if self.session.is_open:
                self._show_policy_line(self.session.register.reference.revenue_policy())
            self._update_return_buttons()
            return
        register = self.session.register
        try:
            case = register.cases.get(self.case_id)
        except NotFoundError:
            self.case_id = None
            self.case_title.setText("That case is no longer in the register.")
            self._refresh_returns()
            return
        self.case_title.setText(f"{case.reference} · {case.display_title}")
        policy = register.reference.revenue_policy()
        self.policy = policy
        self._show_policy_line(policy)
        returns = register.returns.for_case(case.id)
        self.contributors = list(register.cases.details(case.id).contributors)
        problem = ""
        try:
            distributions = register.returns.distributions(case.id, self.contributors)
            self._shares_ok = True
        except ValidationError as exc:
            self._shares_ok = False
            problem = str(exc)
            # How a return is shared between the parties does not depend on the
            # contributors' shares, so it is still shown, with the innovators' part whole.
            whole = Contributor(name="All innovators", share=Decimal(100), key="all-innovators")
            try:
                distributions = register.returns.distributions(case.id, [whole])
            except ValidationError as other:
                distributions = []
                problem = f"{problem} {other}"
        recorded: dict[int, str] = {}
        older = 0
        for line in returns:
            try:
                kept = register.returns.policy_for(line.id)
            except (NotFoundError, RevenuePolicyError):
                continue
            recorded[line.id] = f"Recorded under {kept.title}, version {kept.version}."
            if (kept.id, kept.version) != (policy.id, policy.version):
                older += 1
        self.returns_model.load(distributions, recorded)
        notes = []
        if older:
            notes.append(
                f"{older} of these returns {'was' if older == 1 else 'were'} recorded under an "
                f"earlier version of the policy and {'is' if older == 1 else 'are'} shared under "
                "that version; changing the policy never re-shares returns already recorded."
            )
        for d in distributions:
            if d.note:
                notes.append(f"Note ({format_date(d.line.received_on)}): {d.note}")
        if not returns:
            notes.append("No returns have been recorded for this case yet.")
        self.returns_notes.setText("\n".join(notes))
        self.returns_notes.setVisible(bool(notes))
        if self._shares_ok:
            self.innovator_model.load(self.contributors, totals_by_innovator(distributions))
            self.innovator_table.setEnabled(True)
        else:
            self.innovator_model.clear()
            self.innovator_table.setEnabled(False)
            self.shares_warning.setText(
                f"{problem} Each innovator's amount is not shown until they do: correct the "
                "shares on the case's Contributors tab. The innovators' part is shown as a "
                "whole."
            )
            self.shares_warning.show()
        self._update_return_buttons()

    def _show_policy_line(self, policy: RevenuePolicy) -> None:
        self.policy_line.setText(
            f"Shared under: {policy.title}, version {policy.version}, in force from "
            f"{format_date(policy.effective)}. Its bands are on the Sharing policy tab."
        )
        self.policy_line.setToolTip(
            "\n".join(
                f"{policy.band_label(i)}: "
                + ", ".join(
                    f"{SHORT_PARTY[p].lower()} {_percent(b.percentage(p))}" for p in PARTIES
                )
                for i, b in enumerate(policy.bands)
            )
        )

    def _refresh_policy(self, *, force: bool = False) -> None:
        if not self.session.is_open or (self._policy_dirty and not force):
            return
        policy = self.session.register.reference.revenue_policy()
        self._editing_policy = policy
        self.policy_title.setText(
            f"{policy.title}: version {policy.version}, in force from "
            f"{format_date(policy.effective)}."
        )
        self.bands_model.load(policy.bands)
        self.deductible.setPlainText(policy.deductible)
        self.policy_error.hide()
        self._policy_dirty = False
        self.undo_policy_button.setEnabled(False)

    def _refresh_fees(self) -> None:
        if not self.session.is_open:
            return
        schedule = self.session.register.reference.fee_schedule()
        self.schedule = schedule
        self.fee_title.setText(
            f"{schedule.title}: version {schedule.version}, compiled {format_date(schedule.as_of)}."
        )
        self.fee_title.setToolTip(f"Sources: {schedule.source}")
        self.fee_model.load(schedule)
        self._update_fee_buttons()

    # -- buttons' state -----------------------------------------------------------------
    def _selected_key(self, table: QTableView) -> int | str | None:
        model = table.model()
        rows = table.selectionModel().selectedRows()
        if not rows or not isinstance(model, _LedgerModel):
            return None
        return model.key_at(rows[0].row())

    def _update_cost_buttons(self) -> None:
        self.add_cost_button.setEnabled(self.session.is_open)
        self.remove_cost_button.setEnabled(self._selected_key(self.cost_table) is not None)

    def _update_return_buttons(self) -> None:
        chosen = self.session.is_open and self.case_id is not None
        self.add_return_button.setEnabled(chosen)
        self.statement_button.setEnabled(
            chosen and self._shares_ok and bool(self.returns_model.distributions)
        )

    def _update_fee_buttons(self) -> None:
        self.correct_fee_button.setEnabled(self._selected_key(self.fee_table) is not None)

    # -- actions ------------------------------------------------------------------------
    def add_cost(self) -> bool:
        if not self.session.is_open:
            return False
        reference = ""
        if self.case_id is not None:
            reference = self.session.register.cases.get(self.case_id).reference
        return bool(CostDialog(self.session, self, reference).exec())

    def remove_cost(self) -> bool:
        cost_id = self._selected_key(self.cost_table)
        if not isinstance(cost_id, int) or not self.session.is_open:
            return False
        row = self.cost_table.selectionModel().selectedRows()[0].row()
        cells = [self.cost_model.index(row, c).data() for c in range(8)]
        answer = QMessageBox.question(
            self,
            "Remove this cost?",
            f"Remove the cost of {cells[5]} dated {cells[0]} for {cells[1]}"
            + (f" ({cells[6]})" if cells[6] else "")
            + " from the costs ledger? The removal is recorded in the audit trail.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return False
        try:
            self.session.register.costs.remove(cost_id)
        except RegisterError as exc:
            QMessageBox.warning(self, "Cost not removed", str(exc))
            return False
        return True

    def show_case(self, reference: str | None = None) -> bool:
        """Show the returns of the case with this reference (the typed one by default)."""
        if reference is not None:
            self.case_reference.setText(reference)
        text = self.case_reference.text().strip()
        self.case_message.hide()
        self.returns_status.clear()
        if not self.session.is_open:
            return False
        if not text:
            self.case_message.setText("Enter a case reference, e.g. IP-2026-0001.")
            self.case_message.show()
            return False
        try:
            case = self.session.register.cases.get_by_reference(text)
        except NotFoundError as exc:
            self.case_message.setText(str(exc))
            self.case_message.show()
            return False
        self.case_id = case.id
        self.case_reference.setText(case.reference)
        self._refresh_returns()
        return True

    def add_return(self) -> bool:
        if not self.session.is_open or self.case_id is None:
            return False
        return bool(ReturnDialog(self.session, self.case_id, self).exec())

    def selected_innovator(self) -> Contributor | None:
        key = self._selected_key(self.innovator_table)
        return next((c for c in self.contributors if c.key == key), None)

    def write_statement(self, target: Path | None = None) -> Path | None:
        """Write the selected innovator's revenue statement (warning first: it leaves the
        encrypted register); ``target`` skips asking where to save it."""
        from nhsip_desktop.reports.statement import write_innovator_statement

        if not self.session.is_open or self.case_id is None or self.policy is None:
            return None
        if not self._shares_ok:
            self.returns_status.setText("Correct the contribution shares first.")
            return None
        contributor = self.selected_innovator()
        if contributor is None:
            self.returns_status.setText("Select an innovator in the table first.")
            return None
        name = _contributor_name(contributor)
        answer = QMessageBox.warning(
            self,
            "The statement leaves the encrypted register",
            f"{name}'s statement will be saved as an ordinary PDF file, outside the encrypted "
            "register. Anyone who can open that file can read it: save it where only the "
            "right people can reach it, and send it securely. Saving it is recorded in the "
            "audit trail.",
            QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer != QMessageBox.StandardButton.Ok:
            return None
        reference = self.session.register.cases.get(self.case_id).reference
        if target is None:
            safe = re.sub(r"[^\w .'-]+", "", name).strip() or "innovator"
            chosen, _ = QFileDialog.getSaveFileName(
                self,
                "Save the revenue statement",
                suggested(f"{reference} revenue statement {safe}.pdf"),
                "PDF files (*.pdf)",
            )
            if not chosen:
                return None
            remember(Path(chosen))
            target = Path(chosen)
        try:
            written = write_innovator_statement(
                self.session.register,
                self.case_id,
                contributor.key,
                target,
                distributions=self.returns_model.distributions,
                policy=self.policy,
            )
        except (RegisterError, OSError) as exc:
            QMessageBox.warning(self, "Statement not saved", str(exc))
            return None
        self.returns_status.setText(f"{name}'s statement was saved to {written}.")
        return written

    def _policy_edited(self, *_args: object) -> None:
        self._policy_dirty = True
        self.undo_policy_button.setEnabled(True)
        self.policy_status.clear()

    def _add_band(self) -> None:
        index = self.bands_table.currentIndex()
        row = index.row() + 1 if index.isValid() else self.bands_model.rowCount()
        self.bands_model.insert_band(row)
        self.bands_table.setCurrentIndex(self.bands_model.index(row, 0))

    def _remove_band(self) -> None:
        index = self.bands_table.currentIndex()
        if index.isValid():
            self.bands_model.remove_band(index.row())

    def save_policy(self) -> bool:
        """Check the edited bands and save them as the policy's next version."""
        if not self.session.is_open:
            return False
        current = self.session.register.reference.revenue_policy()
        self.policy_error.hide()
        deductible = self.deductible.toPlainText().strip()
        try:
            bands = self.bands_model.bands()
            if not deductible:
                raise ValueError(
                    "Not saved: say what may be deducted from gross revenue to give net revenue."
                )
            policy = RevenuePolicy(
                id=current.id,
                version=current.version + 1,
                effective=dt.date.today(),
                title=current.title,
                basis=current.basis,
                deductible=deductible,
                bands=bands,
                rounding=current.rounding,
            )
        except RevenuePolicyError as exc:
            return self._policy_problem(_policy_problem(exc))
        except ValueError as exc:
            text = str(exc)
            return self._policy_problem(
                text if text.startswith("Not saved") else f"Not saved. {text}"
            )
        try:
            self.session.register.reference.save_revenue_policy(policy)
        except RegisterError as exc:
            return self._policy_problem(str(exc))
        self.policy_status.setText(
            f"Saved as version {policy.version}. Returns already recorded keep the version "
            "they were recorded under."
        )
        return True

    def _policy_problem(self, text: str) -> bool:
        self.policy_error.setText(text)
        self.policy_error.show()
        return False

    def correct_fee(self) -> bool:
        code = self._selected_key(self.fee_table)
        if not isinstance(code, str) or self.schedule is None or not self.session.is_open:
            return False
        return bool(FeeAmountDialog(self.session, self.schedule, code, self).exec())
