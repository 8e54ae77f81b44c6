"""The IP governance page (steps 1, 3 and 9 and the actions for organisations), offscreen over a
real encrypted register: the five actions' statuses, the forms behind them, the training log,
variations and the annual return."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox, QTableView, QWidget

from nhsip_desktop.assets.renewals import add_months
from nhsip_desktop.cases.model import format_date
from nhsip_desktop.governance.model import (
    ACTIONS,
    GovernanceRecord,
    IpPolicy,
    Sro,
    TrainingSession,
    TtcModel,
)
from nhsip_desktop.store.register import Register
from nhsip_desktop.ui.governance_page import (
    ACTION_COLUMNS,
    ACTION_KEY_ROLE,
    DEADLINE_COLUMNS,
    ID_ROLE,
    TRAINING_COLUMNS,
    ActionTableModel,
    GovernanceDeadlineModel,
    GovernancePage,
    TrainingDialog,
    TrainingTableModel,
    financial_year_of,
    guidance_words,
    review_due_words,
)
from nhsip_desktop.ui.session import RegisterSession

TODAY = dt.date.today()
STATUS = ACTION_COLUMNS.index("Status")
ROW = {key: row for row, key in enumerate(ACTIONS)}


@pytest.fixture
def page(qtbot: Any, session: RegisterSession) -> GovernancePage:
    widget = GovernancePage(session)
    qtbot.addWidget(widget)
    widget.resize(1100, 720)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def status(page: GovernancePage, key: str, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
    model = page.action_model
    index = model.index(ROW[key], STATUS)
    assert index.data(ACTION_KEY_ROLE) == key
    return index.data(role)


def is_bold(page: GovernancePage, key: str) -> bool:
    font = status(page, key, Qt.ItemDataRole.FontRole)
    return font is not None and font.bold()


def select_row(table: QTableView, row: int) -> None:
    table.selectionModel().select(
        table.model().index(row, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )


def type_and_tab(qtbot: Any, text: str, expected: QWidget) -> None:
    """Type into the field that has the keyboard focus (it must be ``expected``), then Tab."""
    field = expected.window().focusWidget()
    assert field is expected
    if text:
        qtbot.keyClicks(field, text)
    qtbot.keyClick(field, Qt.Key.Key_Tab)


def policy(last_review: dt.date | None, **changes: Any) -> IpPolicy:
    values: dict[str, Any] = {
        "version": "2.1",
        "approved_by": "Trust Board",
        "approved_on": add_months(TODAY, -30),
        "last_review": last_review,
        "published_at": "https://www.example-trust.nhs.uk/ip-policy",
        "headings_covered": list(range(1, 13)),
    }
    values.update(changes)
    return IpPolicy(**values)


def training(held_on: dt.date, audience: str = "Research nurses") -> TrainingSession:
    return TrainingSession(held_on, audience, "What IP is and how to disclose it", 14, "IP lead")


# -- the page and its models -------------------------------------------------------------------
def test_page_is_the_governance_area(page: GovernancePage) -> None:
    assert page.objectName() == "area-governance"
    assert page.accessibleName() == "Governance"
    titles = [page.tabs.tabText(i).replace("&", "") for i in range(page.tabs.count())]
    assert titles == [
        "Actions",
        "SRO and decisions",
        "IP policy",
        "TTC arrangement",
        "Training log",
        "Variations and annual return",
    ]
    # A new register: every action is said in words, the unmet ones in bold too.
    words = [status(page, key) for key in ACTIONS]
    assert words == ["Not met"] * 5
    assert all(is_bold(page, key) for key in ACTIONS)
    assert "0 of 5 actions met" in page.action_summary.text()
    assert "No IP policy is recorded yet" in page.policy_due.text()
    assert "No IP training sessions are recorded yet" in page.training_summary.text()


def test_every_model_passes_the_model_tester(
    qtmodeltester: Any, page: GovernancePage, register: Register
) -> None:
    register.governance.save(
        GovernanceRecord(
            sro=Sro("Dr Priya Shah", "Medical Director", add_months(TODAY, -2)),
            policy=policy(add_months(TODAY, -1), headings_covered=[1, 2, 3]),
        )
    )
    register.governance.add_training(training(TODAY - dt.timedelta(days=20)))
    register.governance.add_training(training(add_months(TODAY, -15), "Surgeons"))
    assert page.action_model.rowCount() == 5
    assert page.deadline_model.rowCount() >= 2
    assert page.training_model.rowCount() == 2
    for model, columns in (
        (page.action_model, ACTION_COLUMNS),
        (page.deadline_model, DEADLINE_COLUMNS),
        (page.training_model, TRAINING_COLUMNS),
    ):
        titles = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(len(columns))]
        assert titles == list(columns)
        qtmodeltester.check(model, force_py=True)
    # The models on their own, empty and loaded.
    actions, deadlines, sessions = (
        ActionTableModel(),
        GovernanceDeadlineModel(),
        TrainingTableModel(),
    )
    for model in (actions, deadlines, sessions):
        qtmodeltester.check(model, force_py=True)
    record = register.governance.record()
    log = register.governance.training()
    actions.load(page.action_model.statuses)
    deadlines.load(register.governance.deadlines(TODAY), TODAY)
    sessions.load(log)
    for model in (actions, deadlines, sessions):
        qtmodeltester.check(model, force_py=True)
    # Training is listed newest first, each row keeping its session's id.
    assert sessions.index(0, 0).data() == format_date(TODAY - dt.timedelta(days=20))
    recent = next(s for s in log if s.held_on == TODAY - dt.timedelta(days=20))
    assert sessions.index(0, 0).data(ID_ROLE) == recent.id
    assert record.sro is not None


def test_words_for_dates_and_references() -> None:
    today = dt.date(2026, 11, 21)
    assert review_due_words(dt.date(2027, 3, 14), today) == "due 14/03/2027, in 113 days"
    assert review_due_words(today, today) == "due today, 21/11/2026"
    assert review_due_words(dt.date(2026, 11, 9), today) == (
        "overdue by 12 days (it was due 09/11/2026)"
    )
    assert review_due_words(dt.date(2026, 11, 20), today).startswith("overdue by 1 day ")
    assert guidance_words(("Actions for organisations", "Step 1", "Step 9")) == (
        "Actions for organisations\nSteps 1 and 9"
    )
    assert financial_year_of(dt.date(2027, 3, 31)) == 2026
    assert financial_year_of(dt.date(2027, 4, 1)) == 2027


# -- the SRO and decision-making ---------------------------------------------------------------
def test_record_an_sro_by_keyboard(qtbot: Any, page: GovernancePage, register: Register) -> None:
    assert status(page, "sro") == "Not met"
    page.tabs.setCurrentIndex(page.TAB_SRO)
    page.activateWindow()
    page.sro_name.setFocus()
    qtbot.waitUntil(lambda: page.focusWidget() is page.sro_name)
    appointed = add_months(TODAY, -1)
    type_and_tab(qtbot, "Dr Priya Shah", page.sro_name)
    type_and_tab(qtbot, "Medical Director", page.sro_role)
    type_and_tab(qtbot, format_date(appointed), page.sro_appointed)
    assert page.focusWidget() is page.decision_maker
    assert "sro" in page.unsaved
    assert "not saved" in page.sro_status.text().lower()
    page.save_sro_button.setFocus()
    qtbot.keyClick(page.save_sro_button, Qt.Key.Key_Space)

    record = register.governance.record()
    assert record.sro == Sro("Dr Priya Shah", "Medical Director", appointed)
    assert record.decision_making is None
    assert status(page, "sro") == "Partly met"  # no decision-making recorded yet
    assert not is_bold(page, "sro")
    assert "sro" not in page.unsaved
    assert "Saved" in page.sro_status.text()
    newest = next(register.audit.entries())
    assert (newest.action, newest.record_kind, newest.record_id) == ("insert", "governance", "sro")

    # Decision-making completes the action: stage gates are typed one per line.
    qtbot.keyClicks(page.decision_maker, "Chief Executive")
    page.stage_gates.setFocus()
    for line in ("Disclosure received", "Triage", "Route chosen"):
        qtbot.keyClicks(page.stage_gates, line)
        qtbot.keyClick(page.stage_gates, Qt.Key.Key_Return)
    qtbot.keyClick(page.stage_gates, Qt.Key.Key_Return)  # a blank line is ignored
    assert page.save_sro()
    decision_making = register.governance.record().decision_making
    assert decision_making is not None
    assert decision_making.stage_gates == ["Disclosure received", "Triage", "Route chosen"]
    assert status(page, "sro") == "Met"
    assert page.stage_gates.toPlainText() == "Disclosure received\nTriage\nRoute chosen"


def test_pathway_published_needs_where_beside_the_field(
    page: GovernancePage, register: Register
) -> None:
    page.tabs.setCurrentIndex(page.TAB_SRO)
    page.decision_maker.setText("Chief Executive")
    page.stage_gates.setPlainText("Triage")
    page.pathway_published.setChecked(True)
    count = register.audit.count()
    assert not page.save_sro()
    message = page.sro_form.messages["decision_making.pathway_where"]
    assert message.isVisible()
    assert "where the innovation pathway is published" in message.text()
    assert message.parentWidget() is page.pathway_where.parentWidget()  # with the field
    assert register.audit.count() == count
    assert register.governance.record().decision_making is None


# -- the IP policy -----------------------------------------------------------------------------
def test_policy_reviewed_13_months_ago_is_not_met_and_overdue(
    page: GovernancePage, register: Register
) -> None:
    last_review = add_months(TODAY, -13)
    register.governance.save(GovernanceRecord(policy=policy(last_review)))
    due = add_months(last_review, 12)
    late = (TODAY - due).days
    assert late > 0
    assert status(page, "policy") == "Not met"
    assert is_bold(page, "policy")
    evidence = page.action_model.index(ROW["policy"], ACTION_COLUMNS.index("Evidence")).data()
    assert "more than 12 months ago" in evidence

    words = f"Overdue by {late} day{'s' if late != 1 else ''}"
    rows = [
        [page.deadline_model.index(r, c).data() for c in range(len(DEADLINE_COLUMNS))]
        for r in range(page.deadline_model.rowCount())
    ]
    review = next(row for row in rows if "Review the IP policy" in row[2])
    assert review[:2] == [format_date(due), words]
    bold = page.deadline_model.index(rows.index(review), 1).data(Qt.ItemDataRole.FontRole)
    assert bold is not None and bold.bold()
    assert f"overdue by {late} day" in page.policy_due.text()
    assert format_date(due) in page.policy_due.text()

    # The form shows the policy as saved; a review recorded today makes the action met.
    assert page.policy_last_review.text() == format_date(last_review)
    assert all(box.isChecked() for box in page.heading_boxes.values())
    page.policy_last_review.setText(format_date(TODAY))
    assert page.save_policy()
    assert status(page, "policy") == "Met"
    assert "due " + format_date(add_months(TODAY, 12)) in page.policy_due.text()


def test_future_approval_date_is_shown_beside_the_field_and_nothing_is_saved(
    qtbot: Any, page: GovernancePage, register: Register
) -> None:
    page.tabs.setCurrentIndex(page.TAB_POLICY)
    tomorrow = TODAY + dt.timedelta(days=1)
    qtbot.keyClicks(page.policy_version, "2.1")
    qtbot.keyClicks(page.policy_approved_by, "Trust Board")
    qtbot.keyClicks(page.policy_approved_on, format_date(tomorrow))
    page.heading_boxes[1].setChecked(True)
    count = register.audit.count()

    assert not page.save_policy()
    message = page.policy_form.messages["policy.approved_on"]
    assert message.isVisible()
    assert "cannot be in the future" in message.text()
    assert message.parentWidget() is page.policy_approved_on.parentWidget()
    assert "Problem:" in page.policy_approved_on.accessibleDescription()
    assert not page.policy_form.messages["policy.version"].isVisible()
    assert register.governance.record().policy is None
    assert register.audit.count() == count
    assert "policy" in page.unsaved
    assert status(page, "policy") == "Not met"

    # Unsaved edits survive a change saved elsewhere; correcting the date saves the policy.
    register.governance.add_training(training(TODAY))
    assert page.policy_version.text() == "2.1"
    page.policy_approved_on.setText(format_date(TODAY))
    assert page.save_policy()
    assert not message.isVisible()
    saved = register.governance.record().policy
    assert saved is not None and saved.approved_on == TODAY and saved.headings_covered == [1]
    assert status(page, "policy") == "Partly met"  # 11 of the Annex A headings missing


# -- TTC and publication -----------------------------------------------------------------------
def test_ttc_arrangement_and_evaluation(page: GovernancePage, register: Register) -> None:
    page.tabs.setCurrentIndex(page.TAB_TTC)
    models = [None, *TtcModel]
    page.ttc_model.setCurrentIndex(models.index(TtcModel.REGIONAL))
    page.ttc_provider.setText("Northern Health Innovation Hub")
    page.ttc_published.setChecked(True)
    page.ttc_where.setText("Trust website, IP page")
    page.considered_boxes[TtcModel.UNIVERSITY].setChecked(True)
    page.ttc_decision.setCurrentIndex(models.index(TtcModel.REGIONAL))
    page.ttc_reason.setPlainText("The hub knows NHS procurement")
    page.ttc_decided_on.setText(format_date(TODAY))

    assert not page.save_ttc()  # the decision was not among the models considered
    message = page.ttc_form.messages["ttc_evaluation.decision"]
    assert message.isVisible() and "models considered" in message.text()
    assert register.governance.record().ttc_evaluation is None

    page.considered_boxes[TtcModel.REGIONAL].setChecked(True)
    assert page.save_ttc()
    record = register.governance.record()
    assert record.ttc_arrangement is not None
    assert record.ttc_arrangement.model is TtcModel.REGIONAL
    assert record.ttc_evaluation is not None
    assert record.ttc_evaluation.models_considered == [TtcModel.UNIVERSITY, TtcModel.REGIONAL]
    assert status(page, "ttc") == "Met"
    assert status(page, "publish") == "Partly met"  # the TTC arrangements, not the policy


# -- training ----------------------------------------------------------------------------------
def test_add_a_training_session_and_the_action_is_met(
    qtbot: Any, page: GovernancePage, register: Register, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert status(page, "training") == "Not met"
    page.tabs.setCurrentIndex(page.TAB_TRAINING)
    dialog = page.add_training()
    assert isinstance(dialog, TrainingDialog)
    qtbot.waitExposed(dialog)
    assert dialog.held_on.text() == format_date(TODAY)

    assert not dialog.save()  # audience and topic are needed
    assert dialog.form.messages["audience"].isVisible()
    assert dialog.focusWidget() is dialog.audience
    qtbot.keyClicks(dialog.audience, "Research nurses")
    qtbot.keyClicks(dialog.topic, "What IP is and how to disclose it")
    dialog.attendees.selectAll()
    qtbot.keyClicks(dialog.attendees, "18")
    qtbot.keyClicks(dialog.delivered_by, "IP lead")
    qtbot.keyClick(dialog.save_button, Qt.Key.Key_Space)
    assert dialog.result() == QDialog.DialogCode.Accepted

    [saved] = register.governance.training()
    assert (saved.audience, saved.attendees, saved.held_on) == ("Research nurses", 18, TODAY)
    assert status(page, "training") == "Met"
    assert not is_bold(page, "training")
    assert page.training_model.rowCount() == 1
    assert page.training_model.index(0, 3).data() == "18"
    summary = page.training_summary.text()
    assert f"last delivered on {format_date(TODAY)} (today)" in summary
    assert "within the last 12 months" in summary

    # Removing asks first; Cancel keeps the session.
    answers = [QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Yes]
    asked: list[str] = []

    def ask(*args: Any, **_kw: Any) -> QMessageBox.StandardButton:
        asked.append(args[2])
        return answers.pop(0)

    monkeypatch.setattr(QMessageBox, "question", ask)
    assert not page.remove_training_button.isEnabled()
    select_row(page.training_table, 0)
    assert page.remove_training_button.isEnabled()
    assert not page.remove_training()
    assert register.governance.training() == [saved]
    assert page.remove_training()
    assert "Research nurses" in asked[0]
    assert register.governance.training() == []
    assert status(page, "training") == "Not met"
    assert next(register.audit.entries()).action == "delete"


def test_training_over_a_year_ago_says_so(page: GovernancePage, register: Register) -> None:
    held = add_months(TODAY, -13)
    register.governance.add_training(training(held))
    assert status(page, "training") == "Not met"
    summary = page.training_summary.text()
    assert format_date(held) in summary
    assert "more than 12 months ago" in summary


# -- variations and the annual return ----------------------------------------------------------
def test_variations_are_saved(page: GovernancePage, register: Register) -> None:
    editor = page.variations
    editor.add_item()
    assert "variations" in page.unsaved
    assert not page.save_variations()  # nothing described yet
    assert "Variation 1:" in page.variations_error.text()
    assert register.governance.record().variations == []

    editor.inputs["action_key"].setCurrentIndex(list(ACTIONS).index("training"))
    for attr, text in (
        ("variation", "Training for research staff only this year."),
        ("mitigation", "An e-learning module for clinical staff."),
    ):
        field = editor.inputs[attr]
        field.setText(text)
        field.textEdited.emit(text)
    assert page.save_variations()
    [variation] = register.governance.record().variations
    assert variation.action_key == "training"
    assert variation.mitigation == "An e-learning module for clinical staff."
    assert "variations" not in page.unsaved
    assert editor.list.count() == 1


def test_annual_return_pdf_is_written_and_audited(
    page: GovernancePage,
    register: Register,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    register.governance.save(
        GovernanceRecord(sro=Sro("Dr Priya Shah", "Medical Director", add_months(TODAY, -2)))
    )
    page.tabs.setCurrentIndex(page.TAB_RETURN)
    current = financial_year_of(TODAY)
    assert page.selected_year() == current
    assert page.year.currentText().startswith(f"{current} to {current + 1}")
    warnings: list[str] = []
    replies = [QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Ok]

    def warn(*args: Any, **_kw: Any) -> QMessageBox.StandardButton:
        warnings.append(args[2])
        return replies.pop(0)

    target = tmp_path / "annual return.pdf"
    monkeypatch.setattr(QMessageBox, "warning", warn)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))

    assert page.write_annual_return() is None  # cancelled at the warning
    assert not target.exists()
    assert page.write_annual_return() == target
    assert len(warnings) == 2
    assert "outside the encrypted register" in warnings[0]
    assert str(target) in page.return_status.text()

    text = "".join(p.extract_text() for p in PdfReader(str(target)).pages)
    assert "Actions" in text
    assert "Dr Priya Shah" in text
    newest = next(register.audit.entries())
    assert newest.action == "report"
    assert newest.record_id == "annual-return"
    # Writing a report is no governance change: the forms and statuses stay as they were.
    assert status(page, "sro") == "Partly met"


def test_locking_clears_the_page(page: GovernancePage, session: RegisterSession) -> None:
    page.sro_name.setText("Typed but not saved")
    session.lock()
    assert page.action_model.rowCount() == 0
    assert page.training_model.rowCount() == 0
    assert page.sro_name.text() == ""
    assert not page.save_sro_button.isEnabled()
    assert not page.annual_return_button.isEnabled()
