"""The governance page's data half: unsaved edits, refreshing, loading, reading and saving
the forms, training and the annual return."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QLabel,
    QMessageBox,
    QWidget,
)

from nhsip_desktop.cases.model import format_date
from nhsip_desktop.core.periods import financial_year, financial_year_of, period_text, year_label
from nhsip_desktop.governance.model import (
    DecisionMaking,
    GovernanceRecord,
    IpPolicy,
    Sro,
    TrainingSession,
    TtcArrangement,
    TtcEvaluation,
    TtcModel,
    action_statuses,
    governance_deadlines,
    ttc_in_place,
)
from nhsip_desktop.store.errors import RegisterError, ValidationError
from nhsip_desktop.ui.kit.files import ask_save_path

from ..kit.inputs import on_edit
from ..kit.parts import WidgetPart, confirm
from .forms import (
    _checked,
    _field_key,
    _Form,
    _read_date,
)
from .models import (
    FEEDBACK_KINDS,
    GOVERNANCE_KINDS,
    MODEL_CHOICES,
    POLICY_FACT_KINDS,
    YEARS_SHOWN,
    Problems,
    review_due_words,
    training_words,
)
from .training import TrainingDialog


class PageState(WidgetPart):
    """The data half of :class:`GovernancePage`."""

    _dialog: QDialog | None
    _years: list[int]
    sro_status: QLabel
    policy_status: QLabel
    ttc_status: QLabel
    variations_status: QLabel
    year: QComboBox

    # -- unsaved edits ------------------------------------------------------------------
    def _watched(self, section: str) -> list[QWidget]:
        if section == "sro":
            return [
                self.sro_name,
                self.sro_role,
                self.sro_appointed,
                self.decision_maker,
                self.stage_gates,
                self.pathway_published,
                self.pathway_where,
            ]
        if section == "policy":
            return [
                self.policy_version,
                self.policy_approved_by,
                self.policy_approved_on,
                self.policy_last_review,
                self.policy_where,
                *self.heading_boxes.values(),
            ]
        return [
            self.ttc_model,
            self.ttc_provider,
            self.ttc_published,
            self.ttc_where,
            *self.considered_boxes.values(),
            self.ttc_decision,
            self.ttc_reason,
            self.ttc_decided_on,
        ]

    def _watch(self, field: QWidget, section: str) -> None:
        on_edit(field, lambda: self._mark_dirty(section))

    def _status_label(self, section: str) -> QLabel:
        return {
            "sro": self.sro_status,
            "policy": self.policy_status,
            "ttc": self.ttc_status,
            "variations": self.variations_status,
        }[section]

    def _mark_dirty(self, section: str) -> None:
        if self._loading or section in self._dirty:
            return
        self._dirty.add(section)
        self._status_label(section).setText("Changes not saved yet.")

    @property
    def unsaved(self) -> frozenset[str]:
        """The forms with edits not saved yet (of :attr:`SECTIONS`)."""
        return frozenset(self._dirty)

    def _on_opened(self) -> None:
        self._dirty.clear()
        self.refresh()

    def _on_locked(self) -> None:
        self._dirty.clear()
        self._clear()

    def _on_changed(self, changes: object) -> None:
        kinds: frozenset[str] = getattr(changes, "kinds", frozenset())
        if not kinds or kinds & GOVERNANCE_KINDS:
            self.refresh()
            return
        if kinds & FEEDBACK_KINDS and self.session.is_open:
            self._show_feedback(dt.date.today())
        if kinds & POLICY_FACT_KINDS:
            self.refresh_policy_notice()

    def refresh(self) -> None:
        if not self.session.is_open:
            self._clear()
            return
        governance = self.session.register.governance
        self.today = today = dt.date.today()
        try:
            record = governance.record()
            self._readable = True
            self.load_error.hide()
        except ValueError as exc:
            record = GovernanceRecord()
            self._readable = False
            self.load_error.setText(
                f"The governance record in this register could not be read ({exc}), so it "
                "cannot be changed here. Run “nhsip-desktop check” and restore a backup."
            )
            self.load_error.show()
        self.record = record
        self.training = governance.training()
        facts = self.session.register.facts
        self.ttc = facts.ttc_arrangement(today, record)
        statuses = action_statuses(record, self.training, today, self.ttc)
        self._show_feedback(today)
        self.action_model.load(statuses)
        self.deadline_model.load(governance_deadlines(record, self.training, today), today)
        met = sum(1 for s in statuses if s.status == "met")
        partly = sum(1 for s in statuses if s.status == "partly")
        not_met = sum(1 for s in statuses if s.status == "not met")
        self.action_summary.setText(
            f"As at {format_date(today)}: {met} of {len(statuses)} actions met, {partly} partly "
            f"met, {not_met} not met."
        )
        self.training_model.load(self.training)
        self.training_summary.setText(training_words(self.training, today))
        self._show_policy_due(record.policy, today)
        self._refresh_years(today)
        self._loading = True
        try:
            if "sro" not in self._dirty:
                self._load_sro(record)
            if "policy" not in self._dirty:
                self._load_policy(record.policy)
            if "ttc" not in self._dirty:
                self._load_ttc(record)
            if "variations" not in self._dirty:
                self.variations.set_items([replace(v) for v in record.variations])
                self._show_variation_problems([])
                self.variations_status.setText(
                    ""
                    if record.variations
                    else "None recorded: add one only where practice differs from the guidance."
                )
        finally:
            self._loading = False
        for button in (
            self.save_sro_button,
            self.save_policy_button,
            self.save_ttc_button,
            self.save_variations_button,
        ):
            button.setEnabled(self._readable)
        self.add_training_button.setEnabled(True)
        self.annual_return_button.setEnabled(self._readable)
        self.draft_policy_button.setEnabled(self._readable)
        self._update_training_buttons()
        self.refresh_policy_notice()

    def _show_feedback(self, today: dt.date) -> None:
        """Feedback within the target for the financial year so far: the one definition
        the board summary and the annual return use (``feedback`` module, step 5)."""
        year = financial_year_of(today)
        start, _end = financial_year(year)
        figures = self.session.register.facts.feedback(start, today, today)
        self.feedback_line.setText(
            f"Feedback to innovators (step 5), {year_label(year)} so far: {figures.words}"
        )

    def _clear(self) -> None:
        self.record = GovernanceRecord()
        self.training = []
        self.ttc = ttc_in_place(self.record, (), dt.date.today())
        self.feedback_line.clear()
        self._readable = False
        for model in (self.action_model, self.deadline_model, self.training_model):
            model.clear()
        self.action_summary.clear()
        self.training_summary.clear()
        self.policy_due.clear()
        self.policy_notice.clear()
        self.actions_policy_notice.clear()
        self.load_error.hide()
        self._loading = True
        try:
            self._load_sro(GovernanceRecord())
            self._load_policy(None)
            self._load_ttc(GovernanceRecord())
            self.variations.set_items([])
        finally:
            self._loading = False
        for label in (
            self.sro_status,
            self.policy_status,
            self.ttc_status,
            self.variations_status,
            self.training_status,
            self.return_status,
        ):
            label.clear()
        for button in (
            self.save_sro_button,
            self.save_policy_button,
            self.save_ttc_button,
            self.save_variations_button,
            self.add_training_button,
            self.remove_training_button,
            self.annual_return_button,
            self.draft_policy_button,
        ):
            button.setEnabled(False)

    def _refresh_years(self, today: dt.date) -> None:
        current = financial_year_of(today)
        years = [current - n for n in range(YEARS_SHOWN)]
        if years == self._years:
            return
        chosen = self.selected_year() if self._years else current
        self._years = years
        self.year.clear()
        for year in years:
            label = year_label(year)
            self.year.addItem(f"{label} (this year, so far)" if year == current else label)
        self.year.setCurrentIndex(years.index(chosen) if chosen in years else 0)

    def selected_year(self) -> int:
        """The financial year chosen for the annual return (the year it starts)."""
        index = self.year.currentIndex()
        if 0 <= index < len(self._years):
            return self._years[index]
        return financial_year_of(dt.date.today())

    def _show_policy_due(self, policy: IpPolicy | None, today: dt.date) -> None:
        if policy is None:
            self.policy_due.setText(
                "No IP policy is recorded yet: fill in the form below and save it."
            )
            return
        self.policy_due.setText(
            f"Version {policy.version} (as saved). Next yearly review "
            f"{review_due_words(policy.next_review_due, today)}."
        )

    # -- loading the forms --------------------------------------------------------------
    def refresh_policy_notice(self) -> None:
        """Say whether the last drafted IP policy still matches the register, and what differs
        (only when a draft has been recorded with the builder)."""
        if not self.session.is_open:
            self.policy_notice.clear()
            self.actions_policy_notice.clear()
            return
        drafts = self.session.register.policy_drafts
        try:
            draft = drafts.latest()
            differences = drafts.differences() if draft is not None else []
        except ValueError:
            draft, differences = None, []
        if draft is None:
            self.policy_notice.clear()
            self.actions_policy_notice.clear()
            return
        drafted_on = draft.generated_at.astimezone().date()
        drafted = f"version {draft.version}, drafted {format_date(drafted_on)}"
        if differences:
            lines = "\n".join(f"• {d}" for d in differences)
            self.policy_notice.show_state(
                True,
                f"Out of date: the register has changed since the IP policy ({drafted}) was "
                f"drafted. Draft it again so that it says what the register says.\n{lines}",
            )
            count = len(differences)
            self.actions_policy_notice.show_state(
                True,
                f"IP policy out of date: version {draft.version} says {count} "
                f"{'thing' if count == 1 else 'things'} the register no longer says. See the IP "
                "policy tab.",
            )
        else:
            self.policy_notice.show_state(
                False, f"Up to date: the IP policy ({drafted}) matches the register."
            )
            self.actions_policy_notice.clear()

    def open_policy_builder(self) -> QDialog | None:
        """Open the window-modal IP policy builder; returns it."""
        from ..policy_builder import PolicyBuilderDialog

        if not self.session.is_open or not self._readable:
            return None
        if self._dialog is not None:
            self._dialog.deleteLater()
        try:
            dialog = PolicyBuilderDialog(self.session, self)
        except (RegisterError, ValueError) as exc:
            QMessageBox.warning(self, "The policy builder could not open", str(exc))
            return None
        self._dialog = dialog
        dialog.open()
        return dialog

    def _load_sro(self, record: GovernanceRecord) -> None:
        sro, dm = record.sro, record.decision_making
        self.sro_name.setText(sro.name if sro else "")
        self.sro_role.setText(sro.role if sro else "")
        self.sro_appointed.setText(format_date(sro.appointed_on) if sro else "")
        self.decision_maker.setText(dm.ultimate_decision_maker if dm else "")
        self.stage_gates.setPlainText("\n".join(dm.stage_gates) if dm else "")
        self.pathway_published.setChecked(bool(dm and dm.pathway_published))
        self.pathway_where.setText(dm.pathway_where if dm else "")
        self.sro_form.show_problems([])
        self.sro_error.hide()
        self.sro_status.clear()

    def _load_policy(self, policy: IpPolicy | None) -> None:
        self.policy_version.setText(policy.version if policy else "")
        self.policy_approved_by.setText(policy.approved_by if policy else "")
        self.policy_approved_on.setText(format_date(policy.approved_on) if policy else "")
        self.policy_last_review.setText(format_date(policy.last_review) if policy else "")
        self.policy_where.setText(policy.published_at if policy else "")
        covered = set(policy.headings_covered) if policy else set()
        for number, box in self.heading_boxes.items():
            box.setChecked(number in covered)
        self.policy_form.show_problems([])
        self.policy_error.hide()
        self.policy_status.clear()

    def _load_ttc(self, record: GovernanceRecord) -> None:
        arrangement, evaluation = record.ttc_arrangement, record.ttc_evaluation
        agreement = self.ttc.agreement
        if agreement is not None:
            self.ttc_agreement_line.setText(
                f"From Agreements: {self.ttc.words} The provider and dates are read from "
                "that agreement; record the model and where the arrangements are published "
                "here."
            )
        else:
            self.ttc_agreement_line.setText(
                "No TTC services agreement in force is recorded in Agreements. When the trust "
                "has one, record it there (kind: TTC services agreement): it is the "
                "arrangement every report shows."
            )
        self.ttc_model.setCurrentIndex(MODEL_CHOICES.index(arrangement.model) if arrangement else 0)
        self.ttc_provider.setReadOnly(agreement is not None)
        if agreement is not None:
            self.ttc_provider.setText(self.ttc.provider)
        else:
            self.ttc_provider.setText(arrangement.provider if arrangement else "")
        self.ttc_published.setChecked(bool(arrangement and arrangement.published))
        self.ttc_where.setText(arrangement.where if arrangement else "")
        considered = set(evaluation.models_considered) if evaluation else set()
        for model, box in self.considered_boxes.items():
            box.setChecked(model in considered)
        self.ttc_decision.setCurrentIndex(
            MODEL_CHOICES.index(evaluation.decision) if evaluation else 0
        )
        self.ttc_reason.setPlainText(evaluation.reason if evaluation else "")
        self.ttc_decided_on.setText(format_date(evaluation.decided_on) if evaluation else "")
        self.ttc_form.show_problems([])
        self.ttc_error.hide()
        self.ttc_status.clear()

    # -- reading the forms --------------------------------------------------------------
    def _read_sro(
        self, problems: Problems, today: dt.date
    ) -> tuple[Sro | None, DecisionMaking | None]:
        name, role = self.sro_name.text(), self.sro_role.text()
        date_text = self.sro_appointed.text()
        sro: Sro | None = None
        if name.strip() or role.strip() or date_text.strip():
            appointed = _read_date(date_text, "sro.appointed_on", "the SRO was appointed", problems)
            sro = Sro(name, role, appointed or today)
            _checked(problems, "sro", sro.validate, today)
        maker = self.decision_maker.text()
        gates = [g.strip() for g in self.stage_gates.toPlainText().splitlines() if g.strip()]
        published = self.pathway_published.isChecked()
        where = self.pathway_where.text()
        dm: DecisionMaking | None = None
        if maker.strip() or gates or published or where.strip():
            dm = DecisionMaking(maker, gates, published, where)
            _checked(problems, "decision_making", dm.validate, today)
        return sro, dm

    def _read_policy(self, problems: Problems, today: dt.date) -> IpPolicy | None:
        texts = (
            self.policy_version.text(),
            self.policy_approved_by.text(),
            self.policy_approved_on.text(),
            self.policy_last_review.text(),
            self.policy_where.text(),
        )
        covered = [n for n, box in self.heading_boxes.items() if box.isChecked()]
        if not any(t.strip() for t in texts) and not covered:
            return None
        approved_on = _read_date(
            texts[2], "policy.approved_on", "the policy was approved", problems
        )
        last_review = _read_date(
            texts[3], "policy.last_review", "of the last review", problems, required=False
        )
        policy = IpPolicy(texts[0], texts[1], approved_on or today, last_review, texts[4], covered)
        found = {f for f, _m in problems}
        if "policy.approved_on" in found:
            # The review-before-approval check means nothing without an approval date.
            policy.last_review = None
        _checked(problems, "policy", policy.validate, today)
        policy.last_review = last_review
        return policy

    def _read_ttc(
        self, problems: Problems, today: dt.date
    ) -> tuple[TtcArrangement | None, TtcEvaluation | None]:
        model = MODEL_CHOICES[max(self.ttc_model.currentIndex(), 0)]
        provider, where = self.ttc_provider.text(), self.ttc_where.text()
        published = self.ttc_published.isChecked()
        arrangement: TtcArrangement | None = None
        linked = self.ttc.agreement.reference if self.ttc.agreement is not None else ""
        if linked and model is None:
            model = self.ttc.model  # the agreement is the arrangement; the model may follow
        if model is not None:
            # Linked to the agreement in force: its party is the provider (not repeated).
            arrangement = TtcArrangement(
                model, "" if linked else provider, published, where, linked
            )
            _checked(problems, "ttc_arrangement", arrangement.validate, today)
        elif provider.strip() or where.strip() or published:
            problems.append(
                ("ttc_arrangement.model", "Choose how the trust reaches TTC support now.")
            )
        considered = [m for m, box in self.considered_boxes.items() if box.isChecked()]
        decision = MODEL_CHOICES[max(self.ttc_decision.currentIndex(), 0)]
        reason = self.ttc_reason.toPlainText()
        date_text = self.ttc_decided_on.text()
        evaluation: TtcEvaluation | None = None
        if considered or decision is not None or reason.strip() or date_text.strip():
            decided_on = _read_date(
                date_text, "ttc_evaluation.decided_on", "of the decision", problems
            )
            if decision is None:
                problems.append(("ttc_evaluation.decision", "Choose the model decided on."))
            evaluation = TtcEvaluation(
                considered, decision or TtcModel.NONE, reason, decided_on or today
            )
            # Without a decision, whether it was among those considered means nothing.
            skip = {"decision"} if decision is None else set()
            candidate = evaluation
            _checked(
                problems,
                "ttc_evaluation",
                lambda day: [p for p in candidate.validate(day) if p[0] not in skip],
                today,
            )
        return arrangement, evaluation

    # -- saving -------------------------------------------------------------------------
    def _save(
        self,
        section: str,
        change: Callable[[GovernanceRecord], None],
        problems: Problems,
        show: Callable[[Problems], None],
    ) -> bool:
        """Save the stored record with ``change`` made to it (its other parts as stored)."""
        status = self._status_label(section)
        if not self.session.is_open or not self._readable:
            return False
        if problems:
            show(problems)
            status.setText("Not saved: correct what is marked.")
            return False
        governance = self.session.register.governance
        try:
            record = governance.record()
            before = record.to_json()
            change(record)
            if record.to_json() == before and section not in self._dirty:
                show([])
                status.setText("Nothing to save: no changes.")
                return True
            was_dirty = section in self._dirty
            self._dirty.discard(section)  # the refresh that follows the save reloads the form
            try:
                governance.save(record)
            except BaseException:
                if was_dirty:
                    self._dirty.add(section)
                raise
        except ValidationError as exc:
            show(exc.problems or [("", str(exc))])
            status.setText("Not saved: correct what is marked.")
            return False
        except (RegisterError, ValueError) as exc:
            show([("", str(exc))])
            status.setText("Not saved.")
            return False
        show([])
        status.setText(f"Saved at {dt.datetime.now():%H:%M}.")
        return True

    def _shower(self, forms: Sequence[_Form], error: QLabel) -> Callable[[Problems], None]:
        def show(problems: Problems) -> None:
            owned: set[str] = set()
            for form in forms:
                form.show_problems([(f, m) for f, m in problems if _field_key(f) in form.messages])
                owned |= set(form.messages)
            left = [m for f, m in problems if _field_key(f) not in owned]
            error.setText(" ".join(left))
            error.setVisible(bool(left))
            for form in forms:
                field = form.first_problem(problems)
                if field is not None:
                    field.setFocus()
                    break

        return show

    def save_sro(self) -> bool:
        """Save the SRO and decision-making as typed (both empty: none recorded)."""
        today = dt.date.today()
        problems: Problems = []
        sro, dm = self._read_sro(problems, today)

        def change(record: GovernanceRecord) -> None:
            record.sro, record.decision_making = sro, dm

        show = self._shower([self.sro_form], self.sro_error)
        return self._save("sro", change, problems, show)

    def save_policy(self) -> bool:
        """Save the IP policy as typed (every box empty: none recorded)."""
        today = dt.date.today()
        problems: Problems = []
        policy = self._read_policy(problems, today)

        def change(record: GovernanceRecord) -> None:
            record.policy = policy

        return self._save(
            "policy", change, problems, self._shower([self.policy_form], self.policy_error)
        )

    def save_ttc(self) -> bool:
        """Save the TTC arrangement and evaluation as typed."""
        today = dt.date.today()
        problems: Problems = []
        arrangement, evaluation = self._read_ttc(problems, today)

        def change(record: GovernanceRecord) -> None:
            record.ttc_arrangement, record.ttc_evaluation = arrangement, evaluation

        show = self._shower([self.ttc_form], self.ttc_error)
        return self._save("ttc", change, problems, show)

    def save_variations(self) -> bool:
        """Save the variations from the guidance as listed."""
        today = dt.date.today()
        items = [replace(v) for v in self.variations.items()]
        problems: Problems = []
        for index, item in enumerate(items):
            problems += [(f"variations[{index}].{f}", m) for f, m in item.validate(today)]

        def change(record: GovernanceRecord) -> None:
            record.variations = items

        return self._save("variations", change, problems, self._show_variation_problems)

    def _show_variation_problems(self, problems: Problems) -> None:
        lines = []
        first: int | None = None
        for key, message in problems:
            found = re.match(r"variations\[(\d+)\]", key)
            if found:
                number = int(found[1])
                first = number if first is None else first
                lines.append(f"Variation {number + 1}: {message}")
            else:
                lines.append(message)
        self.variations_error.setText("\n".join(lines))
        self.variations_error.setVisible(bool(lines))
        if first is not None:
            self.variations.list.setCurrentRow(first)

    def save_pending(self) -> None:
        """Save the forms with unsaved edits that can be saved (before the register locks)."""
        if not self.session.is_open:
            return
        savers = {
            "sro": self.save_sro,
            "policy": self.save_policy,
            "ttc": self.save_ttc,
            "variations": self.save_variations,
        }
        for section in self.SECTIONS:
            if section in self._dirty:
                savers[section]()

    # -- training -----------------------------------------------------------------------
    def selected_training(self) -> TrainingSession | None:
        rows = self.training_table.selectionModel().selectedRows()
        return self.training_model.session_at(rows[0].row()) if rows else None

    def _update_training_buttons(self) -> None:
        self.remove_training_button.setEnabled(
            self.session.is_open and self.selected_training() is not None
        )

    def add_training(self) -> TrainingDialog | None:
        """Open the window-modal dialog to record a session held; returns it."""
        if not self.session.is_open:
            return None
        if self._dialog is not None:
            self._dialog.deleteLater()
        dialog = TrainingDialog(self.session, self)
        self._dialog = dialog
        dialog.open()
        return dialog

    def remove_training(self) -> bool:
        training = self.selected_training()
        if training is None or training.id is None or not self.session.is_open:
            return False
        if not confirm(
            self,
            "Remove this training session?",
            f"Remove the session on {format_date(training.held_on)} for {training.audience} "
            f"({training.topic}) from the training log? Only do this for a session recorded "
            "by mistake; the removal is recorded in the audit trail.",
        ):
            return False
        try:
            self.session.register.governance.remove_training(training.id)
        except RegisterError as exc:
            QMessageBox.warning(self, "Session not removed", str(exc))
            return False
        self.training_status.setText(f"The session on {format_date(training.held_on)} was removed.")
        return True

    # -- the annual return --------------------------------------------------------------
    def write_annual_return(self, target: Path | None = None) -> Path | None:
        """Write the annual return for the chosen financial year (warning first: the PDF
        leaves the encrypted register); ``target`` skips asking where to save it."""
        from nhsip_desktop.reports.annual_return import write_annual_return

        if not self.session.is_open:
            return None
        year = self.selected_year()
        if not confirm(
            self,
            "The annual return leaves the encrypted register",
            f"The IP annual return for {year_label(year)} will be saved as an ordinary PDF "
            "file, outside the encrypted register. It names the senior responsible officer "
            "and summarises the register for the year: anyone who can open the file can read "
            "it, so save it where only the right people can reach it and send it securely. "
            "Saving it is recorded in the audit trail.",
            warn=True,
        ):
            return None
        if target is None:
            target = ask_save_path(
                self, "Save the IP annual return", f"IP annual return {year_label(year)}.pdf"
            )
            if target is None:
                return None
        try:
            written = write_annual_return(self.session.register, year, target)
        except (RegisterError, OSError) as exc:
            QMessageBox.warning(self, "Annual return not saved", str(exc))
            return None
        self.return_status.setText(
            f"The annual return for {period_text(year)} was saved to {written}. Saving it is "
            "recorded in the audit trail."
        )
        return written
