"""The case window: the disclosure form (step 4), ownership (step 2, Annex A section 4),
attachments, stage actions and history.

Whatever is typed is saved into the encrypted register a few seconds after the last change,
and again when the window closes or the register locks, so nothing typed is lost. A draft
saves even when incomplete; the checks that submission needs are shown beside each field as
the person types.
"""

from __future__ import annotations

import datetime as dt
from html import escape
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from nhsip_desktop.cases.disclosure import (
    Answer,
    DevelopmentStage,
    Disclosure,
    validate,
)
from nhsip_desktop.cases.model import Case, IpKind, Stage, format_date
from nhsip_desktop.cases.ownership import assess_ownership
from nhsip_desktop.cases.stages import ACTION_LABELS, ALLOWED, CloseReason, alert_text
from nhsip_desktop.guidance.checklists import Checklist
from nhsip_desktop.store.errors import RegisterError, ValidationError
from nhsip_desktop.ui.file_dialogs import remember, start_folder, suggested
from nhsip_desktop.ui.kit.files import ask_save_path, confirm_leaving

from .assessment_tab import AssessmentTab
from .case_tabs import CaseTabs
from .screen_fit import fit_to_screen
from .session import RegisterSession
from .widgets import add_row
from .worksheet_view import WorksheetView

AUTOSAVE_MS = 3000
OWNERSHIP_TAB = 6


def route_options(checklist: Checklist) -> list[tuple[str, str]]:
    """The three routes of step 7, from the route checklist's "chosen route" question."""
    for item in checklist.items():
        values = [value for value, _label in item.choices]
        if {"route1", "route2", "route3"} <= set(values):
            return [(v, label) for v, label in item.choices if v.startswith("route")]
    return [
        ("route1", "Route 1: develop, adopt and spread without commercialising"),
        ("route2", "Route 2: the innovator or a third party takes it forward"),
        ("route3", "Route 3: develop it with a partner for commercialisation"),
    ]


def _plain_text(widget: QPlainTextEdit) -> str:
    return widget.toPlainText().strip()


class CloseCaseDialog(QDialog):
    """Asks why a case is being closed (a reason is required) and for an optional note."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Close case")
        self.reason = QComboBox()
        for reason in CloseReason:
            self.reason.addItem(reason.label, reason.value)
        self.note = QPlainTextEdit()
        self.note.setFixedHeight(80)
        form = QFormLayout()
        add_row(form, "&Reason:", self.reason, "Why no further work is planned on this case.")
        add_row(form, "&Note:", self.note, "Optional: anything the next reader should know.")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("&Close case")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.addLayout(form)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.resize(560, 240)

    def chosen(self) -> tuple[CloseReason, str]:
        return CloseReason(self.reason.currentData()), _plain_text(self.note)


class CaseEditor(CaseTabs):
    saved = Signal(int)

    def __init__(
        self, session: RegisterSession, case_id: int | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.case_id = case_id
        self.case: Case | None = None
        self.protection_case: int | None = None
        self._loading = True
        self._dirty = False
        self.setAccessibleName("Case")
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)

        self.heading = QLabel()
        self.heading.setObjectName("subheading")
        self.stage_label = QLabel()
        self.stage_label.setObjectName("stageText")
        self.save_state = QLabel()
        self.save_state.setObjectName("resultCount")
        self.save_state.setAccessibleName("Save status")
        self.alert = QLabel()
        self.alert.setObjectName("alertBox")
        self.alert.setWordWrap(True)
        self.alert.setAccessibleName("Confidentiality alert")
        self.alert.hide()

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Case sections")
        self.field_errors: dict[str, QLabel] = {}
        # The triage, route and protection tabs are the costliest to build (checklists,
        # worksheet): each is built the first time it is shown or used, so a case opens fast.
        self._triage: AssessmentTab | None = None
        self._route: AssessmentTab | None = None
        self._protection: WorksheetView | None = None
        self._lazy_pages: dict[str, QWidget] = {
            name: self._placeholder() for name in ("triage", "protection", "route")
        }
        tabs = (
            (self._idea_tab(), "Idea"),
            (self._kinds_tab(), "Kinds of IP"),
            (self._contributors_tab(), "Contributors"),
            (self._funding_tab(), "Partners"),
            (self._confidentiality_tab(), "Confidentiality"),
            (self._attachments_tab(), "Files"),
            (self._ownership_tab(), "Ownership"),
            (self._lazy_pages["triage"], "Triage"),
            (self._lazy_pages["protection"], "Protection"),
            (self._lazy_pages["route"], "Route"),
            (self._history_tab(), "History"),
        )
        for index, (page, title) in enumerate(tabs):
            key = str((index + 1) % 10) if index < 10 else "H"
            self.tabs.addTab(page, f"{key} {title}" if index < 10 else title)
            self.tabs.setTabToolTip(index, f"{title} (Alt+{key})")
            shortcut = QShortcut(QKeySequence(f"Alt+{key}"), self)
            shortcut.activated.connect(lambda i=index: self.tabs.setCurrentIndex(i))
        self.tabs.currentChanged.connect(self._tab_changed)

        self.stage_buttons: dict[Stage, QPushButton] = {}
        actions = QHBoxLayout()
        for stage in (Stage.SUBMITTED, Stage.IN_TRIAGE, Stage.DECISION_MADE, Stage.ACTIVE):
            button = QPushButton(ACTION_LABELS[stage])
            button.clicked.connect(lambda _c=False, s=stage: self.move_to(s))
            self.stage_buttons[stage] = button
            actions.addWidget(button)
        close_case = QPushButton("Close case…")
        close_case.clicked.connect(self.close_case)
        self.stage_buttons[Stage.CLOSED] = close_case
        actions.addWidget(close_case)
        self.reopen_button = QPushButton("Reopen for triage")
        self.reopen_button.clicked.connect(lambda: self.move_to(Stage.IN_TRIAGE))
        actions.addWidget(self.reopen_button)
        actions.addStretch(1)
        self.letter_button = QPushButton("Feedback &letter…")
        self.letter_button.setAccessibleName("Write the feedback letter to the innovator")
        self.letter_button.clicked.connect(lambda: self.export_letter())
        actions.addWidget(self.letter_button)
        self.dossier_button = QPushButton("Dossier &PDF…")
        self.dossier_button.setAccessibleName("Save this case as a dossier PDF")
        self.dossier_button.clicked.connect(lambda: self.export_dossier())
        actions.addWidget(self.dossier_button)
        self.done_button = QPushButton("Save and close")
        self.done_button.setDefault(False)
        self.done_button.setAutoDefault(False)
        self.done_button.clicked.connect(self.close)
        actions.addWidget(self.done_button)
        self.submit_problems = QLabel()
        self.submit_problems.setObjectName("warningText")
        self.submit_problems.setWordWrap(True)
        self.submit_problems.setAccessibleName("What is still needed before submitting")

        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.stage_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 12)
        layout.setSpacing(8)
        layout.addLayout(top)
        layout.addWidget(self.alert)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.submit_problems)
        status = QHBoxLayout()
        status.addWidget(self.save_state, 1)
        layout.addLayout(status)
        layout.addLayout(actions)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(AUTOSAVE_MS)
        self._timer.timeout.connect(self.save)
        save_now = QShortcut(QKeySequence.StandardKey.Save, self)
        save_now.activated.connect(self._save_pressed)
        self.session.locked.connect(self._on_lock)
        self.session.about_to_lock.connect(self.save)

        self._load()
        fit_to_screen(self, 1100, 780)

    # -- the tabs built on first use ------------------------------------------------------
    @staticmethod
    def _placeholder() -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        return page

    def _install(self, name: str, widget: QWidget) -> None:
        layout = self._lazy_pages[name].layout()
        assert layout is not None
        layout.addWidget(widget)

    @property
    def triage(self) -> AssessmentTab:
        if self._triage is None:
            tab = AssessmentTab(
                self.session,
                "triage",
                "triage",
                ensure_case=self._case_for_assessment,
                decision_title="Your triage decision",
                options=lambda checklist: [(o.id, o.label) for o in checklist.outcomes],
            )
            tab.decided.connect(self._triage_decided)
            self._triage = tab
            self._install("triage", tab)
            tab.load(self.case_id)
        return self._triage

    @property
    def route(self) -> AssessmentTab:
        if self._route is None:
            tab = AssessmentTab(
                self.session,
                "route",
                "route",
                ensure_case=self._case_for_assessment,
                decision_title="The route chosen",
                options=route_options,
            )
            tab.decided.connect(lambda _outcome: self._refresh_case_parts())
            self._route = tab
            self._install("route", tab)
            tab.load(self.case_id)
        return self._route

    @property
    def protection(self) -> WorksheetView:
        if self._protection is None:
            view = WorksheetView(self.session, ensure_case=self._case_for_assessment)
            view.saved.connect(lambda _id: self.saved.emit(_id))
            self._protection = view
            self._install("protection", view)
            view.load(self.case_id)
            self.protection_case = self.case_id
        return self._protection

    # -- loading and collecting ---------------------------------------------------------
    def _load(self) -> None:
        self._loading = True
        register = self.session.register
        if self.case_id is not None:
            self.case = register.cases.get(self.case_id)
            disclosure = register.cases.details(self.case_id)
        else:
            self.case, disclosure = None, Disclosure()
        case = self.case
        self.title.setText(case.title if case else "")
        self.summary.setPlainText(case.summary if case else "")
        self.problem.setPlainText(disclosure.problem)
        self.novelty.setPlainText(disclosure.novelty)
        for value, box in self.beneficiaries.items():
            box.setChecked(value in disclosure.beneficiaries)
        self.development.setCurrentIndex(self.development.findData(disclosure.development_stage))
        self.normal_duties.setCurrentIndex(self.normal_duties.findData(disclosure.normal_duties))
        for resource, resource_box in self.resources.items():
            resource_box.setChecked(resource in disclosure.resources_used)
        for kind, box in self.kind_boxes.items():
            box.setChecked(bool(case and kind in case.ip_kinds))
        for attr, box in self.flag_boxes.items():
            box.setChecked(bool(getattr(disclosure, attr)))
        self.contributors.set_items(disclosure.contributors)
        self.funders.set_items(disclosure.funders)
        self.partners.set_items(disclosure.partners)
        self.agreements.set_items(disclosure.agreements)
        self.disclosures.set_items(disclosure.external_disclosures)
        self._confirmed = disclosure.confirmed_ownership
        self._loading = False
        self._refresh_derived()
        self._refresh_case_parts()

    def collect(self) -> tuple[str, str, tuple[IpKind, ...], Disclosure]:
        disclosure = Disclosure(
            problem=_plain_text(self.problem),
            beneficiaries=[v for v, b in self.beneficiaries.items() if b.isChecked()],
            novelty=_plain_text(self.novelty),
            development_stage=DevelopmentStage(self.development.currentData()),
            normal_duties=Answer(self.normal_duties.currentData()),
            resources_used=[v for v, b in self.resources.items() if b.isChecked()],
            contributors=self.contributors.items(),
            funders=self.funders.items(),
            partners=self.partners.items(),
            agreements=self.agreements.items(),
            external_disclosures=self.disclosures.items(),
            confirmed_ownership=self._confirmed,
        )
        for attr, box in self.flag_boxes.items():
            setattr(disclosure, attr, box.isChecked())
        kinds = tuple(k for k, b in self.kind_boxes.items() if b.isChecked())
        return self.title.text().strip(), _plain_text(self.summary), kinds, disclosure

    # -- saving -------------------------------------------------------------------------
    def _changed(self) -> None:
        if self._loading:
            return
        self._dirty = True
        self.save_state.setText("Changes not saved yet…")
        self._timer.start()
        self._refresh_derived()

    def save(self) -> bool:
        """Save now (also called by the autosave timer, on close and before a lock)."""
        self._timer.stop()
        if not self._dirty or not self.session.is_open:
            return True
        title, summary, kinds, disclosure = self.collect()
        try:
            case = self.session.register.cases.save_disclosure(
                self.case_id, title=title, summary=summary, ip_kinds=kinds, disclosure=disclosure
            )
        except ValidationError as exc:
            self._show_problems(exc.problems or [("", str(exc))])
            self.save_state.setText(f"Not saved: {exc}")
            return False
        except RegisterError as exc:
            self.save_state.setText(f"Not saved: {exc} What you typed is still here.")
            return False
        self.case_id = case.id
        self.case = case
        self._dirty = False
        self.save_state.setText(f"Saved at {dt.datetime.now():%H:%M:%S}")
        self._refresh_case_parts()
        self.saved.emit(case.id)
        return True

    def _save_pressed(self) -> None:
        """Ctrl+S always answers: saved now, or already saved."""
        if not self._dirty and self.case_id is not None:
            now = dt.datetime.now()
            self.save_state.setText(f"Everything is saved (checked at {now:%H:%M:%S})")
            return
        self.save()

    def _on_lock(self) -> None:
        self._timer.stop()
        self.hide()
        self.deleteLater()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.save() and self.session.is_open:
            answer = QMessageBox.question(
                self,
                "Changes not saved",
                "Some changes could not be saved (see the messages on the form). Close anyway "
                "and lose them?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,  # Enter keeps the window and what was typed
            )
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
        self._timer.stop()
        event.accept()

    def reject(self) -> None:  # Esc closes through closeEvent, so nothing is lost
        self.close()

    # -- derived display ----------------------------------------------------------------
    def _show_problems(self, problems: list[tuple[str, str]]) -> None:
        for key, label in self.field_errors.items():
            messages = [m for f, m in problems if f == key or f.startswith(key + "[")]
            label.setText(" ".join(messages))
            label.setVisible(bool(messages))

    def _refresh_derived(self) -> None:
        title, _summary, kinds, disclosure = self.collect()
        total = disclosure.total_share()
        ok = total == 100
        self.share_total.setText(
            f"Total of the shares: {total.normalize():f}%"
            + ("  (complete)" if ok else "  (must add up to 100%)")
        )
        problems = validate(title, disclosure, kinds, for_submission=True)
        stage = self.case.stage if self.case else Stage.DRAFT
        if stage is Stage.DRAFT:
            self._show_problems([(p.field, p.message) for p in problems])
            self.submit_problems.setText(
                "Before submitting: " + " ".join(p.message for p in problems) if problems else ""
            )
            self.submit_problems.setVisible(bool(problems))
        else:
            self._show_problems([(p.field, p.message) for p in problems])
            self.submit_problems.hide()
        basis = self.session.register.cases.alert_basis_for(self.case_id, kinds, disclosure, stage)
        window = int(self.session.register.settings.get("disclosure_alert_days"))
        text = (
            alert_text(
                stage,
                basis.on,
                basis.planned,
                basis.reason,
                today=dt.date.today(),
                window_days=window,
            )
            if basis
            else None
        )
        self.alert.setText(text or "")
        self.alert.setVisible(bool(text))
        if self.tabs.currentIndex() == OWNERSHIP_TAB:
            self._refresh_ownership(disclosure)

    def _refresh_case_parts(self) -> None:
        case = self.case
        reference = case.reference if case else "New disclosure"
        title = (case.display_title if case else "") or "New disclosure"
        self.heading.setText(f"{reference}: {title}" if case else "New disclosure")
        self.setWindowTitle(f"{reference} — {title}" if case else "New disclosure")
        stage = case.stage if case else Stage.DRAFT
        text = f"Stage: {stage.label}"
        if case and case.received_on:
            text += f"  ·  Received {format_date(case.received_on)}"
        if case and case.feedback_due and stage in (Stage.SUBMITTED, Stage.IN_TRIAGE):
            text += f"  ·  Feedback due {format_date(case.feedback_due)}"
        if case and case.closed_reason:
            text += f"  ·  {CloseReason(case.closed_reason).label}"
        self.stage_label.setText(text)
        for target, button in self.stage_buttons.items():
            button.setVisible(
                target in ALLOWED[stage]
                and not (stage is Stage.CLOSED and target is Stage.IN_TRIAGE)
            )
        self.reopen_button.setVisible(stage is Stage.CLOSED)
        self._refresh_attachments()
        self._refresh_history()
        self._refresh_derived()
        for tab in (self._triage, self._route):  # only the tabs built so far
            if tab is not None and (tab.case_id != self.case_id or tab.case_id is None):
                tab.load(self.case_id)
        if self._protection is not None and (
            self.protection_case != self.case_id or self.case_id is None
        ):
            self._protection.load(self.case_id)
            self.protection_case = self.case_id

    def _tab_changed(self, index: int) -> None:
        page = self.tabs.widget(index)
        for name, placeholder in self._lazy_pages.items():
            if page is placeholder:
                getattr(self, name)  # builds it
        if index == OWNERSHIP_TAB:
            self._refresh_ownership(self.collect()[3])

    def _refresh_ownership(self, disclosure: Disclosure) -> None:
        result = assess_ownership(disclosure)
        parts = [
            f"<h3>Suggested owner: {escape(result.overall)}</h3>",
            f"<p><b>How sure:</b> {escape(result.confidence.label)}</p>",
        ]
        if result.contributors:
            parts.append("<h4>Each contributor</h4><ul>")
            for finding in result.contributors:
                reasons = "".join(
                    f"<li>{escape(r.text)} <i>({escape(r.reference)})</i></li>"
                    for r in finding.reasons
                )
                parts.append(
                    f"<li><b>{escape(finding.name or '(no name)')}</b>: "
                    f"{escape(finding.owner)} ({escape(finding.confidence.label)})"
                    f"<ul>{reasons}</ul></li>"
                )
            parts.append("</ul>")
        if result.reasons:
            parts.append("<h4>For the case as a whole</h4><ul>")
            parts += [
                f"<li>{escape(r.text)} <i>({escape(r.reference)})</i></li>" for r in result.reasons
            ]
            parts.append("</ul>")
        if result.to_agree:
            parts.append("<h4>What to agree in writing, and with whom</h4><ul>")
            parts += [f"<li>{escape(item)}</li>" for item in result.to_agree]
            parts.append("</ul>")
        if result.legal_advice:
            parts.append("<h4>When to get legal advice</h4><ul>")
            parts += [f"<li>{escape(item)}</li>" for item in result.legal_advice]
            parts.append("</ul>")
        parts.append(f"<p><i>{escape(result.disclaimer)}</i></p>")
        self.ownership_view.setHtml("".join(parts))
        confirmed = self._confirmed
        self.confirmed_text.setText(
            f"<b>Confirmed:</b> {escape(confirmed.position)} "
            f"({format_date(confirmed.confirmed_on)}, {escape(confirmed.confirmed_by)})"
            + (f"<br>{escape(confirmed.note)}" if confirmed.note else "")
            if confirmed
            else "No position has been confirmed yet."
        )

    def _refresh_attachments(self) -> None:
        self._fill_attachments()
        self._update_attachment_buttons()

    def _fill_attachments(self) -> None:
        items = (
            self.session.register.attachments.for_case(self.case_id)
            if self.case_id is not None
            else []
        )
        self.attachment_table.setRowCount(len(items))
        for row, info in enumerate(items):
            for column, text in enumerate(
                (info.name, info.size_text, info.sha256, info.added_at[:10])
            ):
                cell = QTableWidgetItem(text)
                cell.setData(Qt.ItemDataRole.UserRole, info.id)
                self.attachment_table.setItem(row, column, cell)

    def _refresh_history(self) -> None:
        changes = (
            self.session.register.cases.history(self.case_id) if self.case_id is not None else []
        )
        self.history_table.setRowCount(len(changes))
        for row, change in enumerate(changes):
            values = (
                format_date(change.changed_on),
                change.from_stage.label if change.from_stage else "",
                change.to_stage.label,
                change.actor,
                change.reason.label if change.reason else "",
                change.note,
            )
            for column, text in enumerate(values):
                self.history_table.setItem(row, column, QTableWidgetItem(text))

    # -- actions ------------------------------------------------------------------------
    def _ensure_saved(self) -> bool:
        """Save before an action that needs the saved case; say so when that cannot be done
        (a press never ends in silence)."""
        self._dirty = self._dirty or self.case_id is None
        if self.save() and self.case_id is not None:
            return True
        QMessageBox.warning(
            self,
            "Save the case first",
            f"{self.save_state.text().removeprefix('Not saved: ')} This needs the case saved "
            "first: correct what the messages on the form say, then try again.",
        )
        return False

    def move_to(self, target: Stage, reason: CloseReason | None = None, note: str = "") -> bool:
        if self.case_id is None and not self._dirty:
            # Nothing typed yet: nothing is created (an empty form submitted must not leave an
            # untitled draft behind); what is missing is said. Anything typed is kept as a
            # draft, as before.
            title, _summary, kinds, disclosure = self.collect()
            problems = validate(title, disclosure, kinds, for_submission=True)
            if problems:
                self._show_problems([(p.field, p.message) for p in problems])
                QMessageBox.warning(
                    self,
                    "Not moved on yet",
                    "Not submitted yet: " + " ".join(p.message for p in problems),
                )
                return False
        if not self._ensure_saved() or self.case_id is None:
            return False
        try:
            self.case = self.session.register.cases.change_stage(
                self.case_id, target, reason=reason, note=note
            )
        except ValidationError as exc:
            self._show_problems(exc.problems)
            QMessageBox.warning(self, "Not moved on yet", str(exc))
            return False
        self.save_state.setText(f"Moved to {target.label} at {dt.datetime.now():%H:%M:%S}")
        self._refresh_case_parts()
        self.saved.emit(self.case_id)
        return True

    def export_dossier(self, target: Path | None = None) -> Path | None:
        """Write the case dossier PDF where the person chooses (the export is audited)."""
        from nhsip_desktop.reports.dossier import write_dossier

        if not self._ensure_saved() or self.case_id is None or self.case is None:
            return None
        if target is None:
            answer = QMessageBox.question(
                self,
                "Save a dossier outside the register?",
                "The dossier PDF holds the whole case and will not be encrypted. Save it only "
                "where the trust's policy allows. The export is recorded in the audit trail.",
            )
            if answer != QMessageBox.StandardButton.Yes:
                return None
            name = f"{self.case.reference} dossier.pdf"
            target = ask_save_path(self, "Save the case dossier", name)
            if target is None:
                return None
        try:
            written = write_dossier(self.session.register, self.case_id, target)
        except (RegisterError, OSError) as exc:
            QMessageBox.warning(self, "Dossier not saved", str(exc))
            return None
        self.save_state.setText(f"Dossier saved to {written}")
        return written

    def _case_for_assessment(self) -> int | None:
        return self.case_id if self._ensure_saved() else None

    def _triage_decided(self, _outcome: str) -> None:
        """A triage decision is the stage gate: the case moves on to Decision made."""
        if self.case_id is None or self.case is None:
            return
        cases = self.session.register.cases
        try:
            if self.case.stage is Stage.SUBMITTED:
                self.case = cases.change_stage(self.case_id, Stage.IN_TRIAGE)
            if self.case.stage is Stage.IN_TRIAGE:
                self.case = cases.change_stage(self.case_id, Stage.DECISION_MADE)
        except ValidationError as exc:
            QMessageBox.warning(self, "Stage not changed", str(exc))
        self.save_state.setText("Decision recorded. Next: the feedback letter to the innovator.")
        self._refresh_case_parts()
        self.saved.emit(self.case_id)

    def export_letter(self, target: Path | None = None) -> Path | None:
        """Write the feedback letter (records the date feedback was given; step 5)."""
        from nhsip_desktop.reports.letter import write_feedback_letter

        if not self._ensure_saved() or self.case_id is None or self.case is None:
            return None
        if self.session.register.assessments.latest_decision(self.case_id, "triage") is None:
            QMessageBox.information(
                self,
                "No decision yet",
                "Record the triage decision (tab 8, Alt+8) before writing the feedback letter.",
            )
            return None
        if target is None:
            if not confirm_leaving(
                self,
                "Save a letter outside the register?",
                "The feedback letter names the innovators and the decision, and will not be "
                "encrypted. Save it only where the trust's policy allows. It is recorded in the "
                "audit trail, and the date of feedback is recorded on the case.",
            ):
                return None
            name = f"{self.case.reference} feedback letter.pdf"
            target = ask_save_path(self, "Save the feedback letter", name)
            if target is None:
                return None
        try:
            written = write_feedback_letter(self.session.register, self.case_id, target)
        except (RegisterError, OSError) as exc:
            QMessageBox.warning(self, "Letter not saved", str(exc))
            return None
        self.case = self.session.register.cases.get(self.case_id)
        self.save_state.setText(f"Feedback letter saved to {written}; feedback recorded as given.")
        self._refresh_case_parts()
        self.saved.emit(self.case_id)
        return written

    def close_case(self) -> None:
        dialog = CloseCaseDialog(self)
        if dialog.exec():
            reason, note = dialog.chosen()
            self.move_to(Stage.CLOSED, reason, note)

    def record_ownership(self) -> None:
        if not self._ensure_saved() or self.case_id is None:
            return
        try:
            self.case = self.session.register.cases.confirm_ownership(
                self.case_id, self.confirmed_position.text(), _plain_text(self.confirmed_note)
            )
        except ValidationError as exc:
            QMessageBox.warning(self, "Not recorded", str(exc))
            return
        self._confirmed = self.session.register.cases.details(self.case_id).confirmed_ownership
        self.confirmed_position.clear()
        self.confirmed_note.clear()
        self._refresh_ownership(self.collect()[3])
        self.saved.emit(self.case_id)

    def add_attachment(self) -> None:
        if not self._ensure_saved() or self.case_id is None:
            return
        chosen, _ = QFileDialog.getOpenFileName(
            self, "Add a file to this case", str(start_folder())
        )
        if not chosen:
            return
        remember(Path(chosen))
        try:
            self.session.register.attachments.add_file(self.case_id, Path(chosen))
        except (RegisterError, OSError) as exc:
            QMessageBox.warning(self, "File not added", str(exc))
            return
        self._refresh_attachments()

    def _update_attachment_buttons(self) -> None:
        selected = self._selected_attachment() is not None
        for button in self.attachment_buttons:
            button.setEnabled(selected)

    def _selected_attachment(self) -> int | None:
        row = self.attachment_table.currentRow()
        cell = self.attachment_table.item(row, 0) if row >= 0 else None
        return int(cell.data(Qt.ItemDataRole.UserRole)) if cell else None

    def save_attachment(self) -> None:
        attachment_id = self._selected_attachment()
        if attachment_id is None:
            return
        info = self.session.register.attachments.get(attachment_id)
        answer = QMessageBox.question(
            self,
            "Save a copy outside the register?",
            f"The copy of {info.name} will not be encrypted. Save it only somewhere the "
            "trust's policy allows. This will be recorded in the audit trail.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        chosen, _ = QFileDialog.getSaveFileName(self, "Save a copy", suggested(info.name))
        if not chosen:
            return
        remember(Path(chosen))
        try:
            self.session.register.attachments.save_to(attachment_id, Path(chosen))
        except (RegisterError, OSError) as exc:
            QMessageBox.warning(self, "Not saved", str(exc))

    def remove_attachment(self) -> None:
        attachment_id = self._selected_attachment()
        if attachment_id is None:
            return
        info = self.session.register.attachments.get(attachment_id)
        answer = QMessageBox.question(
            self, "Remove file?", f"Remove {info.name} from this case? This is recorded."
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.session.register.attachments.remove(attachment_id)
            self._refresh_attachments()
