"""Finance's table models: costs, returns, totals by innovator, fees and the sharing policy's
bands.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)

from nhsip_desktop.assets.fees import FeeSchedule
from nhsip_desktop.cases.disclosure import Contributor
from nhsip_desktop.core.money import money, parse_money
from nhsip_desktop.finance.ledgers import CostEntry
from nhsip_desktop.finance.revenue import (
    PARTIES,
    PARTY_LABELS,
    Band,
    Distribution,
    totals_by_party,
)

from .kit import Column, RecordModel

Index = QModelIndex | QPersistentModelIndex
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


def percent_text(value: Decimal) -> str:
    """50 -> "50%", 33.33 -> "33.33%"."""
    return f"{value.normalize():f}%"


def _number(value: Decimal) -> str:
    """A percentage as a person would type it: 50, 33.33."""
    return f"{value.normalize():f}"


def not_money(text: str) -> str:
    return (
        f"“{text.strip()}” is not an amount: use pounds and pence, at most two decimal "
        "places, e.g. 1,250.50."
    )


def contributor_name(contributor: Contributor) -> str:
    return contributor.name.strip() or "(name not recorded)"


# -- table models ----------------------------------------------------------------------------
@dataclass(frozen=True)
class _Row:
    values: tuple[Any, ...]  # one per column: dates, Decimal amounts, text
    key: int | str | None = None
    total: bool = False
    tooltip: str = ""


@dataclass(frozen=True)
class LedgerColumn(Column):
    """A kit column with a header tooltip; ``right`` aligns a text column like an amount."""

    tooltip: str = ""
    right: bool = False


class LedgerModel(RecordModel):
    """A kit record model of ledger rows: money right-aligned, an optional bold total line
    that is read, not chosen; each money cell's exact amount in ``AMOUNT_ROLE``."""

    record_columns: Sequence[LedgerColumn] = ()

    def key_at(self, row: int) -> int | str | None:
        return self._rows[row].key if 0 <= row < len(self._rows) else None

    def is_total(self, row: int) -> bool:
        return 0 <= row < len(self._rows) and self._rows[row].total

    def _right(self, column: int) -> bool:
        spec = self.record_columns[column]
        return spec.right or spec.kind in ("money", "count")

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.record_columns):
            column = self.record_columns[section]
            if role == Qt.ItemDataRole.ToolTipRole:
                return column.tooltip or column.title
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return RIGHT if self._right(section) else LEFT
        return super().headerData(section, orientation, role)

    def value(self, row: _Row, column: int) -> Any:
        return row.values[column] if column < len(row.values) else None

    def tooltip(self, row: _Row, column: int) -> str | None:
        return row.tooltip or self.text(row, column) or None

    def is_bold(self, row: _Row, column: int) -> bool:
        return row.total

    def alignment(self, row: _Row, column: int) -> Any:
        return RIGHT if self._right(column) else LEFT

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
            amount = self.value(self._rows[index.row()], index.column())
            return str(amount) if isinstance(amount, Decimal) else None
        return super().data(index, role)


def _count(number: int, what: str) -> str:
    return f"{number} {what}{'' if number == 1 else 's'}"


class CostTableModel(LedgerModel):
    """The costs ledger, oldest first, with a total line."""

    record_columns = (
        LedgerColumn("spent_on", "Date", "date"),
        LedgerColumn("case", "Case", sample="IP-2026-0001"),
        LedgerColumn("category", "Category", sample="Official fee"),
        LedgerColumn("amount", "Amount", "money", tooltip="The amount before VAT"),
        LedgerColumn("vat", "VAT", "money"),
        LedgerColumn("total", "Total", "money", tooltip="Amount plus VAT"),
        LedgerColumn("supplier", "Supplier"),
        LedgerColumn(
            "reference", "Reference", tooltip="The supplier's invoice or reference number"
        ),
    )

    def load(self, entries: Sequence[CostEntry], owners: dict[int, str]) -> None:
        """``owners``: what each cost belongs to, by cost id (a case reference, or a right)."""
        rows = []
        for e in entries:
            assert e.id is not None
            values = (e.spent_on, owners.get(e.id, ""), e.category.label, e.amount, e.vat)
            rows.append(_Row((*values, e.total, e.supplier, e.reference), key=e.id, tooltip=e.note))
        if entries:
            amount = sum((e.amount for e in entries), ZERO)
            vat = sum((e.vat for e in entries), ZERO)
            count = _count(len(entries), "cost")
            rows.append(_Row(("Total", count, "", amount, vat, amount + vat, "", ""), total=True))
        self.set_rows(rows)


class ReturnsTableModel(LedgerModel):
    """A case's returns and how each one's net revenue is shared, with a total line."""

    record_columns = (
        LedgerColumn("received_on", "Date", "date"),
        LedgerColumn("kind", "Kind"),
        LedgerColumn("gross", "Gross", "money", tooltip="The amount received"),
        LedgerColumn(
            "deductible", "Deductible", "money", tooltip="The costs set against this return"
        ),
        LedgerColumn(
            "net", "Net", "money", tooltip="Gross less deductible costs (never below £0.00)"
        ),
        *(LedgerColumn(p, SHORT_PARTY[p], "money", tooltip=PARTY_LABELS[p]) for p in PARTIES),
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
                f"{money(part)} in the band with innovators at {percent_text(band.innovators)}"
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
            values = (line.received_on, kind, line.gross, line.deductible, d.net, *parties)
            rows.append(_Row(values, key=d.return_id, tooltip=tooltip))
        if self.distributions:
            gross = sum((d.line.gross for d in self.distributions), ZERO)
            deductible = sum((d.line.deductible for d in self.distributions), ZERO)
            net = sum((d.net for d in self.distributions), ZERO)
            by_party = totals_by_party(self.distributions)
            count = _count(len(self.distributions), "return")
            values = ("Total", count, gross, deductible, net, *(by_party[p] for p in PARTIES))
            rows.append(_Row(values, total=True))
        self.set_rows(rows)

    def clear(self) -> None:
        self.distributions = []
        super().clear()


class InnovatorTotalsModel(LedgerModel):
    """Each innovator's total across the case's returns, with a total line."""

    record_columns = (
        LedgerColumn("name", "Innovator"),
        LedgerColumn(
            "share",
            "Share",
            sample="100.00%",
            right=True,
            tooltip="Their contribution share, from the disclosure",
        ),
        LedgerColumn(
            "amount",
            "Amount",
            "money",
            tooltip="Their part of the innovators' share of the net revenue",
        ),
    )

    def load(self, contributors: Sequence[Contributor], totals: dict[str, Decimal]) -> None:
        rows = [
            _Row(
                (contributor_name(c), percent_text(c.share), totals.get(c.key, ZERO)),
                key=c.key,
            )
            for c in contributors
        ]
        if contributors:
            share = sum((c.share for c in contributors), ZERO)
            amount = sum((totals.get(c.key, ZERO) for c in contributors), ZERO)
            rows.append(_Row(("All innovators", percent_text(share), amount), total=True))
        self.set_rows(rows)


class FeeTableModel(LedgerModel):
    """The register's fee schedule: each fee with its date, source and caveat."""

    record_columns = (
        # The usual fee fits on one line (longer ones wrap); Source, the longest text, takes
        # the spare width.
        LedgerColumn("fee", "Fee", sample="GB patent renewal fee for year 10"),
        LedgerColumn("amount", "Amount", "money", sample="No official figure"),
        LedgerColumn(
            "as_of", "As of", "date", tooltip="The date this figure was last known to be right"
        ),
        LedgerColumn("source", "Source"),
        LedgerColumn(
            "check",
            "Check",
            sample="check before relying",
            tooltip="Figures that could not be confirmed: check before relying",
        ),
    )

    def load(self, schedule: FeeSchedule) -> None:
        rows = []
        for fee in schedule.fees.values():
            amount = "No official figure" if fee.amount is None else fee.amount
            tooltip = "\n".join(
                t for t in (fee.description, fee.note, f"Source: {fee.source}") if t
            )
            values = (fee.description, amount, fee.as_of, fee.source, fee.caveat)
            rows.append(_Row(values, key=fee.code, tooltip=tooltip))
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
                    raise ValueError(f"{where}, up to: {not_money(up_text)}")
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
