"""The agreement dialog's TTC tabs: the TTC checklist, its report and the reviews."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import (
    Qt,
)
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nhsip_desktop.agreements.model import (
    KIND_TTC_REVIEW,
    agreement_deadlines,
)
from nhsip_desktop.assets.renewals import Deadline
from nhsip_desktop.cases.model import format_date
from nhsip_desktop.core.money import money
from nhsip_desktop.guidance.checklists import Checklist, Severity
from nhsip_desktop.store.errors import RegisterError
from nhsip_desktop.ui.file_dialogs import remember, suggested

from ..assessment_tab import library
from ..checklist_widget import ChecklistWidget
from ..kit import hint
from ..kit.parts import DialogPart, confirm
from ..widgets import paragraph
from .models import (
    DASH,
    REVIEW_COLUMNS,
    TTC_CHECKLIST,
)
from .review import TtcReviewDialog


class TtcPart(DialogPart):
    """The TTC checklist and reviews tabs of :class:`AgreementDialog`."""

    checklist: ChecklistWidget | None
    ttc_tab: QWidget | None
    reviews_tab: QWidget | None

    def _build_ttc_tabs(self) -> None:
        register = self.session.register
        record = (
            register.assessments.latest_for_agreement(self.agreement.id, TTC_CHECKLIST)
            if self.agreement.id is not None
            else None
        )
        newest = library().get(TTC_CHECKLIST)
        checklist: Checklist = (
            library().get(TTC_CHECKLIST, record.checklist_version) if record else newest
        )
        self.assessment_id = record.id if record else None
        self.checklist = ChecklistWidget(checklist, dict(record.answers) if record else {})
        self.checklist.changed.connect(self._answers_changed)
        self.checklist_status = hint()
        self.checklist_status.setAccessibleName("Checklist state")
        self.report_button = QPushButton("Checklist &report (PDF)…")
        self.report_button.setAccessibleName("Checklist report (PDF)")
        self.report_button.setToolTip(
            "A PDF of the findings to take into the negotiation or to a solicitor. It leaves "
            "the encrypted register."
        )
        self.report_button.clicked.connect(lambda: self.write_report())
        self.version_note = hint(
            f"These answers were made with version {checklist.version} of the checklist. A "
            f"newer version ({newest.version}) exists; the answers keep their own version."
        )
        self.version_note.setVisible(checklist.version != newest.version)
        top = QHBoxLayout()
        top.addWidget(self.checklist_status, 1)
        top.addWidget(self.report_button, 0, Qt.AlignmentFlag.AlignTop)
        self.ttc_tab = QWidget()
        layout = QVBoxLayout(self.ttc_tab)
        layout.setContentsMargins(4, 6, 4, 0)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(self.version_note)
        layout.addWidget(self.checklist, 1)
        self.tabs.addTab(self.ttc_tab, "&TTC checklist (Annex B)")

        self.review_table = QTableWidget(0, len(REVIEW_COLUMNS))
        self.review_table.setHorizontalHeaderLabels(list(REVIEW_COLUMNS))
        self.review_table.setAccessibleName("TTC performance reviews")
        self.review_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.review_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.review_table.setTabKeyNavigation(False)
        self.review_table.setWordWrap(True)
        self.review_table.verticalHeader().setVisible(False)
        self.review_table.verticalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        header = self.review_table.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        metrics = QFontMetrics(self.review_table.font())
        for column, sample in enumerate(
            ("Q3 2026-27 (formal annual)", "30/09/2026", "", "", "£120,000.00", "365 days", "")
        ):
            title = REVIEW_COLUMNS[column]
            width = max(metrics.horizontalAdvance(sample), metrics.horizontalAdvance(title))
            self.review_table.setColumnWidth(column, width + 24)
        header.setSectionResizeMode(len(REVIEW_COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.next_review_label = QLabel()
        self.next_review_label.setObjectName("stageText")
        self.next_review_label.setWordWrap(True)
        self.review_button = QPushButton("Record re&view…")
        self.review_button.setAccessibleName("Record a TTC performance review")
        self.review_button.clicked.connect(lambda: self.record_review())
        buttons = QHBoxLayout()
        buttons.addWidget(self.review_button)
        buttons.addStretch(1)
        self.reviews_tab = QWidget()
        layout = QVBoxLayout(self.reviews_tab)
        layout.setContentsMargins(8, 10, 8, 8)
        layout.addWidget(
            paragraph(
                "Annex B: review the TTC's performance every quarter, with a more formal "
                "review once a year: licences signed, revenue, active licences, the time taken "
                "to agree a licence, the deal pipeline and the impact on health."
            )
        )
        layout.addWidget(self.next_review_label)
        layout.addWidget(self.review_table, 1)
        layout.addLayout(buttons)
        self.tabs.addTab(self.reviews_tab, "Performance re&views")
        self._refresh_reviews()
        self._update_checklist_status()

    # -- the TTC checklist -------------------------------------------------------------------
    def _answers_changed(self) -> None:
        self._answers_dirty = True
        if self.agreement.id is not None:
            self._answer_timer.start()
        self._update_checklist_status()

    def save_answers(self) -> bool:
        """Save the checklist answers now (they also save themselves shortly after each
        change); kept with the checklist version they were made with."""
        self._answer_timer.stop()
        if self.checklist is None or not self._answers_dirty:
            return True
        if self.agreement.id is None or not self.session.is_open:
            return False
        try:
            record = self.session.register.assessments.save(
                None,
                self.checklist.checklist,
                self.checklist.answers(),
                agreement_id=self.agreement.id,
                assessment_id=self.assessment_id,
            )
        except RegisterError as exc:
            self.checklist_status.setText(f"Answers not saved: {exc}")
            return False
        self.assessment_id = record.id
        self._answers_dirty = False
        self._update_checklist_status(saved=True)
        return True

    def _update_checklist_status(self, saved: bool = False) -> None:
        if self.checklist is None:
            return
        evaluation = self.checklist.evaluation()
        counts = ", ".join(
            f"{len(evaluation.by_severity(s))} {s.label.lower()}"
            for s in (Severity.RED, Severity.AMBER, Severity.GREEN)
        )
        reds = len(evaluation.by_severity(Severity.RED))
        lead = (
            f"{reds} protection{'s' if reds != 1 else ''} missing (red): resolve before the "
            "trust signs."
            if reds
            else "No protection missing so far."
        )
        if self.agreement.id is None:
            state = "Answers are kept when you save the agreement."
        elif saved:
            state = f"Answers saved at {dt.datetime.now():%H:%M}."
        elif self._answers_dirty:
            state = "Saving answers…"
        else:
            state = "Answers are saved as you go."
        self.checklist_status.setText(f"{lead} Findings: {counts}. {state}")

    def write_report(self, target: Path | None = None) -> Path | None:
        """Write the checklist report PDF (warning first: it leaves the encrypted register);
        ``target`` skips asking where to save it. The report is recorded in the audit trail."""
        from nhsip_desktop.reports.ttc_report import write_ttc_report

        if self.checklist is None or not self.session.is_open:
            return None
        if not confirm(
            self,
            "The report leaves the encrypted register",
            "The checklist report will be saved as an ordinary PDF file, outside the "
            "encrypted register. Anyone who can open that file can read it: save it where "
            "only the right people can reach it. Saving it is recorded in the audit trail.",
            warn=True,
        ):
            return None
        self.save_answers()
        reference = self.agreement.reference
        if target is None:
            name = f"{reference or 'TTC agreement'} TTC checklist.pdf"
            chosen, _ = QFileDialog.getSaveFileName(
                self, "Save the checklist report", suggested(name), "PDF files (*.pdf)"
            )
            if not chosen:
                return None
            remember(Path(chosen))
            target = Path(chosen)
        try:
            written = write_ttc_report(
                self.session.register,
                reference,
                self.title.text().strip(),
                self.checklist.checklist,
                self.checklist.answers(),
                target,
            )
        except (RegisterError, OSError) as exc:
            QMessageBox.warning(self, "Report not saved", str(exc))
            return None
        self.checklist_status.setText(f"The checklist report was saved to {written}.")
        return written

    # -- performance reviews -----------------------------------------------------------------
    def _refresh_reviews(self) -> None:
        if self.reviews_tab is None:
            return
        if self.agreement.id is not None and self.session.is_open:
            self._reviews = self.session.register.agreements.reviews(self.agreement.id)
        table = self.review_table
        table.setRowCount(len(self._reviews))
        for row, review in enumerate(reversed(self._reviews)):  # newest first
            period = review.period + (" (formal annual)" if review.formal_annual else "")
            days = review.days_to_licence
            cells = (
                period,
                format_date(review.reviewed_on),
                str(review.licences_executed),
                str(review.active_licences),
                money(review.revenue),
                DASH if days is None else f"{days} day{'s' if days != 1 else ''}",
                format_date(review.next_review) or DASH,
                review.summary,
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == len(cells) - 1:
                    item.setToolTip(
                        "\n".join(
                            part
                            for part in (
                                review.summary,
                                f"Pipeline: {review.pipeline}" if review.pipeline else "",
                                f"Health impact: {review.health_impact}"
                                if review.health_impact
                                else "",
                                f"Reviewer: {review.reviewer}",
                            )
                            if part
                        )
                    )
                table.setItem(row, column, item)
        due = [
            d
            for d in agreement_deadlines(self.candidate()[0], dt.date.today(), self._reviews)
            if d.kind == KIND_TTC_REVIEW
        ]
        if due:
            deadline: Deadline = due[0]
            what = deadline.text.split(" of ")[0]
            self.next_review_label.setText(
                f"Next: {what}, {deadline.describe(dt.date.today()).lower()} "
                f"({format_date(deadline.due)})."
            )
        elif not self._reviews:
            self.next_review_label.setText(
                "No review recorded yet. Record the signing or start date to count the first "
                "quarter from."
            )
        else:
            self.next_review_label.setText("No further review is due.")
        self.update_checks()

    def record_review(self) -> TtcReviewDialog | None:
        """Open the dialog to record a quarterly (or formal annual) review; the agreement is
        saved first when it is new."""
        if not self.session.is_open or not self._ensure_saved():
            return None
        dialog = TtcReviewDialog(self.session, self.agreement, parent=self)
        dialog.accepted.connect(self._refresh_reviews)
        dialog.open()
        return dialog
