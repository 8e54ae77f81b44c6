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

import re
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import (
    Qt,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QSizePolicy,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from nhsip_desktop.assets.fees import FeeSchedule
from nhsip_desktop.cases.disclosure import Contributor
from nhsip_desktop.cases.model import format_date
from nhsip_desktop.core.money import money
from nhsip_desktop.finance.revenue import (
    PARTIES,
    ROUNDING_RULE,
    RevenuePolicy,
    RevenuePolicyError,
    totals_by_innovator,
)
from nhsip_desktop.store.errors import NotFoundError, RegisterError, ValidationError

from .finance_dialogs import CostDialog, FeeAmountDialog, ReturnDialog
from .finance_models import (
    AMOUNT_ROLE,
    COST_KINDS,
    ID_ROLE,
    RETURN_KINDS,
    SHORT_PARTY,
    TOTAL_ROW_ROLE,
    ZERO,
    BandsTableModel,
    CostTableModel,
    FeeTableModel,
    InnovatorTotalsModel,
    LedgerModel,
    ReturnsTableModel,
    contributor_name,
    percent_text,
)
from .finance_policy import SharingPolicyPart
from .guidance_help import with_guidance
from .kit import RecordTable, hint, problem_label
from .kit.files import ask_save_path, confirm_leaving
from .kit.pages import button, button_bar, tab_page
from .session import RegisterSession
from .widgets import heading

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


# -- the page --------------------------------------------------------------------------------
class FinancePage(SharingPolicyPart):
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
        intro = hint(
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
        self.cost_table = RecordTable("Costs ledger", self.cost_model)
        self.cost_table.selectionModel().selectionChanged.connect(self._update_cost_buttons)
        self.cost_summary = QLabel()
        self.cost_summary.setObjectName("stageText")
        self.cost_summary.setAccessibleName("Total of the costs")
        self.add_cost_button = button("&Add cost…", self.add_cost, "Add a cost")
        self.remove_cost_button = button("Re&move…", self.remove_cost, "Remove the selected cost")

        page, layout = tab_page(
            "What protecting and managing the trust's IP has cost, case by case. The "
            "amount is before VAT; the total includes it. Costs can be set against a "
            "case's returns as deductible costs."
        )
        layout.addWidget(self.cost_table, 1)
        layout.addLayout(
            button_bar(self.cost_summary, self.remove_cost_button, self.add_cost_button)
        )
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
        self.show_button = button("&Show", self.show_case, "Show this case's returns")
        self.case_message = problem_label("Problem with the case reference", reserve=False)
        self.case_title = QLabel("Choose a case to see its returns and how they are shared.")
        self.case_title.setObjectName("stageText")
        self.case_title.setWordWrap(True)

        self.policy_line = hint()
        self.policy_line.setAccessibleName("Revenue-sharing policy")
        self.rounding_line = hint(
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
        self.returns_table = RecordTable("Returns and how they are shared", self.returns_model)

        self.innovator_model = InnovatorTotalsModel()
        self.innovator_table = RecordTable("Each innovator's total", self.innovator_model)
        self.innovator_table.selectionModel().selectionChanged.connect(self._update_return_buttons)
        self.innovator_table.setMinimumHeight(120)
        self.innovator_heading = QLabel("Each innovator's total")
        self.innovator_heading.setObjectName("stageText")
        self.innovator_heading.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

        self.add_return_button = button(
            "A&dd return…",
            self.add_return,
            "Add a return for this case",
        )
        self.statement_button = button(
            "S&tatement for selected innovator…",
            self.write_statement,
            "Write the selected innovator's statement",
            "A PDF for the innovator selected in the table. It leaves the encrypted register.",
        )
        self.returns_status = hint()
        self.returns_status.setAccessibleName("Status")

        page, layout = tab_page()
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
            hint(
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

    def _build_fees(self) -> QWidget:
        self.fee_title = QLabel()
        self.fee_title.setObjectName("stageText")
        self.fee_title.setWordWrap(True)
        self.fee_model = FeeTableModel()
        self.fee_table = RecordTable("Official fees", self.fee_model)
        self.fee_table.selectionModel().selectionChanged.connect(self._update_fee_buttons)
        self.correct_fee_button = button(
            "C&orrect an amount…",
            self.correct_fee,
            "Correct the selected fee's amount",
        )

        page, layout = tab_page(
            self.fee_title,
            "Official fees change. Each figure shows the date it was last known to be right "
            "and its source; those marked “check before relying” could not be confirmed, so "
            "check them with the UK IPO before relying on them. A correction makes a new "
            "version of the schedule.",
        )
        layout.addWidget(self.fee_table, 1)
        layout.addLayout(button_bar(None, self.correct_fee_button))
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
                    f"{SHORT_PARTY[p].lower()} {percent_text(b.percentage(p))}" for p in PARTIES
                )
                for i, b in enumerate(policy.bands)
            )
        )

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
        if not rows or not isinstance(model, LedgerModel):
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
        name = contributor_name(contributor)
        if not confirm_leaving(
            self,
            "The statement leaves the encrypted register",
            f"{name}'s statement will be saved as an ordinary PDF file, outside the encrypted "
            "register. Anyone who can open that file can read it: save it where only the "
            "right people can reach it, and send it securely. Saving it is recorded in the "
            "audit trail.",
        ):
            return None
        reference = self.session.register.cases.get(self.case_id).reference
        if target is None:
            safe = re.sub(r"[^\w .'-]+", "", name).strip() or "innovator"
            target = ask_save_path(
                self, "Save the revenue statement", f"{reference} revenue statement {safe}.pdf"
            )
            if target is None:
                return None
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

    def correct_fee(self) -> bool:
        code = self._selected_key(self.fee_table)
        if not isinstance(code, str) or self.schedule is None or not self.session.is_open:
            return False
        return bool(FeeAmountDialog(self.session, self.schedule, code, self).exec())
