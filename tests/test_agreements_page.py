"""The Agreements and TTC page and its dialogs (step 9, Annex B), driven by keyboard offscreen
over a real encrypted register."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFileDialog,
    QHeaderView,
    QMessageBox,
    QWidget,
)

from nhsip_desktop.agreements.model import (
    KIND_TTC_REVIEW,
    Agreement,
    AgreementKind,
    LicenceType,
    Obligation,
)
from nhsip_desktop.assets.renewals import add_months
from nhsip_desktop.cases.model import format_date
from nhsip_desktop.guidance.checklists import Severity
from nhsip_desktop.store.register import Register
from nhsip_desktop.ui.agreements_page import (
    AGREEMENT_COLUMNS,
    AGREEMENT_ID_ROLE,
    DEADLINE_COLUMNS,
    TTC_CHECKLIST,
    AgreementDeadlineModel,
    AgreementDialog,
    AgreementsPage,
    AgreementTableModel,
    TtcReviewDialog,
)
from nhsip_desktop.ui.assessment_tab import library
from nhsip_desktop.ui.kit import RecordTable
from nhsip_desktop.ui.session import RegisterSession

TODAY = dt.date.today()
WARNINGS = AGREEMENT_COLUMNS.index("Warnings")
OBLIGATIONS = AGREEMENT_COLUMNS.index("Open obligations")


@pytest.fixture
def page(qtbot: Any, session: RegisterSession) -> AgreementsPage:
    widget = AgreementsPage(session)
    qtbot.addWidget(widget)
    widget.resize(1100, 720)
    widget.show()
    return widget


def type_into(qtbot: Any, widget: QWidget, text: str) -> None:
    widget.setFocus()
    qtbot.keyClicks(widget, text)


def press(qtbot: Any, widget: QWidget, key: Qt.Key = Qt.Key.Key_Space) -> None:
    widget.setFocus()
    qtbot.keyClick(widget, key)


def choose(qtbot: Any, combo: QWidget, key: Qt.Key) -> None:
    """Keyboard search in a combo box: a new search once the typing interval has passed."""
    qtbot.wait(QApplication.keyboardInputInterval() + 50)
    press(qtbot, combo, key)


def column(
    model: QAbstractItemModel, col: int, role: int = Qt.ItemDataRole.DisplayRole
) -> list[Any]:
    return [model.index(row, col).data(role) for row in range(model.rowCount())]


def ttc_agreement(register: Register, signed: dt.date, **changes: Any) -> Agreement:
    values: dict[str, Any] = {
        "kind": AgreementKind.TTC_SERVICES,
        "title": "TTC services with Northern Innovation Partners",
        "parties": ["Northern Innovation Partners Ltd"],
        "signed_on": signed,
        "obligations": [Obligation("Quarterly licensing report", None, "Northern Innovation")],
    }
    values.update(changes)
    return register.agreements.save(Agreement(**values))


def open_dialog(qtbot: Any, page: AgreementsPage, agreement: Agreement) -> AgreementDialog:
    assert agreement.id is not None and page.select_agreement(agreement.id)
    press(qtbot, page.open_button)
    dialog = page.findChild(AgreementDialog)
    assert dialog is not None and dialog.isVisible()
    assert dialog.agreement.id == agreement.id
    return dialog


# -- models ------------------------------------------------------------------------------------
def test_the_page_and_both_models(
    qtmodeltester: Any, register: Register, session: RegisterSession, page: AgreementsPage
) -> None:
    assert page.objectName() == "area-agreements"
    assert page.accessibleName() == "Agreements and TTC"
    assert page.no_agreements.isVisible() and not page.agreements.isVisible()

    ttc_agreement(
        register,
        TODAY - dt.timedelta(days=200),
        obligations=[
            Obligation("Quarterly licensing report", TODAY - dt.timedelta(days=6), "NIP Ltd"),
            Obligation("Send the list of innovations", TODAY + dt.timedelta(days=25)),
        ],
    )
    register.agreements.save(
        Agreement(
            kind=AgreementKind.NDA,
            title="Confidentiality agreement for the sensor mat",
            parties=["Sensorly Ltd", "University of Example"],
            signed_on=TODAY - dt.timedelta(days=300),
            end_on=TODAY + dt.timedelta(days=60),
        )
    )
    agreements, deadlines = AgreementTableModel(session), AgreementDeadlineModel(session)
    agreements.refresh()
    deadlines.refresh()
    assert agreements.rowCount() == 2 and deadlines.rowCount() >= 3
    assert [agreements.headerData(c, Qt.Orientation.Horizontal) for c in range(8)] == list(
        AGREEMENT_COLUMNS
    )
    assert [deadlines.headerData(c, Qt.Orientation.Horizontal) for c in range(4)] == list(
        DEADLINE_COLUMNS
    )
    qtmodeltester.check(agreements, force_py=True)
    qtmodeltester.check(deadlines, force_py=True)

    # In words: the overdue obligation (bold), the other party, the kind.
    first = [agreements.index(0, c).data() for c in range(8)]
    assert first[0] == f"AG-{TODAY.year}-0001"
    assert first[1] == "TTC services"
    assert first[4] == format_date(TODAY - dt.timedelta(days=200))
    due = format_date(TODAY - dt.timedelta(days=6))
    assert first[OBLIGATIONS] == f"2 open, 1 overdue\nwas due {due}"
    assert agreements.index(0, OBLIGATIONS).data(Qt.ItemDataRole.FontRole).bold()
    assert agreements.index(1, 3).data() == "Sensorly Ltd\nUniversity of Example"
    assert agreements.index(1, OBLIGATIONS).data() == "None open"
    # Overdue first, in words and bold; each row knows its agreement.
    assert deadlines.index(0, 1).data().startswith("Overdue by ")
    assert deadlines.index(0, 0).data(Qt.ItemDataRole.FontRole).bold()
    assert set(column(deadlines, 0, AGREEMENT_ID_ROLE)) == {1, 2}
    assert "overdue" in page.deadline_count.text()

    # The testers stay connected: the resets below are checked signal by signal.
    register.agreements.save(
        Agreement(kind=AgreementKind.OTHER, title="Data licence", parties=["X Ltd"])
    )
    assert agreements.rowCount() == 3 and page.agreement_model.rowCount() == 3
    assert page.agreement_count.text() == "3 agreements"
    session.lock()
    assert agreements.rowCount() == 0 and deadlines.rowCount() == 0
    assert page.agreement_count.text() == "" and not page.new_button.isEnabled()


# -- a TTC agreement added by keyboard ---------------------------------------------------------
def test_new_ttc_agreement_by_keyboard_with_an_obligation_due_in_10_days(
    qtbot: Any, register: Register, page: AgreementsPage
) -> None:
    press(qtbot, page.new_button)
    dialog = page.findChild(AgreementDialog)
    assert dialog is not None and dialog.isVisible()
    assert dialog.windowTitle() == "New agreement"
    assert dialog.ttc_tab is None  # the TTC tabs are for TTC services agreements only
    assert [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())] == [
        "&Details",
        "O&bligations",
        "&Signed document",
    ]

    choose(qtbot, dialog.kind, Qt.Key.Key_T)  # keyboard search: "Technology transfer…"
    assert dialog.current_kind() is AgreementKind.TTC_SERVICES
    assert dialog.ttc_tab is not None and dialog.reviews_tab is not None
    assert dialog.tabs.isTabVisible(dialog.tabs.indexOf(dialog.ttc_tab))
    assert dialog.tabs.tabText(dialog.tabs.indexOf(dialog.ttc_tab)) == "&TTC checklist (Annex B)"
    assert not dialog.licence_box.isVisible() and not dialog.licence_back_box.isVisible()
    type_into(qtbot, dialog.title, "TTC services with Northern Innovation Partners")
    type_into(qtbot, dialog.parties, "Northern Innovation Partners Ltd")
    signed = TODAY - dt.timedelta(days=30)
    type_into(qtbot, dialog.signed_on, format_date(signed))
    # Annex B: a TTC agreement with no obligations is worth a check (saving is still allowed).
    assert dialog.check_box.isVisible()
    assert dialog.check_box.text().startswith("Check:")
    assert "No obligations are recorded" in dialog.check_box.text()

    dialog.tabs.setCurrentIndex(dialog.tabs.indexOf(dialog.obligations.parentWidget()))
    obligations = dialog.obligations
    press(qtbot, obligations.add_button)
    assert dialog.focusWidget() is obligations.inputs["text"]
    qtbot.keyClicks(obligations.inputs["text"], "Quarterly licensing and pipeline report")
    due = TODAY + dt.timedelta(days=10)
    type_into(qtbot, obligations.inputs["due"], format_date(due))
    assert obligations.inputs["owner"].text() == "trust"  # the trust must act, by default
    assert not dialog.check_box.isVisible()  # an obligation, and a review date from signing

    press(qtbot, obligations.inputs["due"], Qt.Key.Key_Return)  # Enter presses Save
    assert dialog.result() == QDialog.DialogCode.Accepted
    reference = f"AG-{TODAY.year}-0001"
    saved = register.agreements.all()
    assert [(a.reference, a.kind, a.title, a.parties, a.signed_on) for a in saved] == [
        (
            reference,
            AgreementKind.TTC_SERVICES,
            "TTC services with Northern Innovation Partners",
            ["Northern Innovation Partners Ltd"],
            signed,
        )
    ]
    assert [(o.text, o.due, o.owner, o.key) for o in saved[0].obligations] == [
        ("Quarterly licensing and pipeline report", due, "trust", "o1")
    ]

    # In the table, and its obligation in the deadlines list, in words.
    assert page.agreements.isVisible() and not page.no_agreements.isVisible()
    assert column(page.agreement_model, 0) == [reference]
    assert page.agreement_model.index(0, OBLIGATIONS).data() == (
        f"1 open\nnext due {format_date(due)}"
    )
    assert page.agreement_model.index(0, WARNINGS).data() == "None"
    model = page.deadline_model
    rows = [r for r in range(model.rowCount()) if model.index(r, 0).data() == format_date(due)]
    assert len(rows) == 1
    row = rows[0]
    assert model.index(row, 1).data() == "Due in 10 days"
    assert "Quarterly licensing and pipeline report" in model.index(row, 2).data()
    assert model.index(row, 3).data() == reference
    # The first quarterly review is counted from the signing date.
    review = add_months(signed, 3)
    assert any(
        d.kind == KIND_TTC_REVIEW and d.due == review for d in register.agreements.deadlines(TODAY)
    )


# -- the TTC checklist (Annex B) and its report ------------------------------------------------
def test_ttc_checklist_red_finding_in_words_autosaves_and_reports(
    qtbot: Any,
    register: Register,
    page: AgreementsPage,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    agreement = ttc_agreement(register, TODAY - dt.timedelta(days=20))
    assert agreement.id is not None
    dialog = open_dialog(qtbot, page, agreement)
    assert dialog.ttc_tab is not None and dialog.checklist is not None
    dialog.tabs.setCurrentWidget(dialog.ttc_tab)
    widget = dialog.checklist
    assert widget.checklist.id == TTC_CHECKLIST
    assert widget.checklist.version == library().get(TTC_CHECKLIST).version  # the newest

    # The TTC may sign for the trust without its approval: a red finding, in words.
    yes = widget._rows["ttc_signs_without_approval"].inputs[0]
    press(qtbot, yes)
    assert yes.isChecked()
    reds = [label.text() for label in widget.finding_labels if label.text().startswith("Red: ")]
    assert len(reds) == 1 and "sign deals for the trust" in reds[0]
    assert "1 protection missing (red)" in dialog.checklist_status.text()

    # Autosaved with the checklist version, on the agreement.
    qtbot.waitUntil(
        lambda: register.assessments.latest_for_agreement(agreement.id, TTC_CHECKLIST) is not None,
        timeout=5000,
    )
    record = register.assessments.latest_for_agreement(agreement.id, TTC_CHECKLIST)
    assert record is not None and record.case_id is None
    assert record.answers["ttc_signs_without_approval"].value == "yes"
    assert record.checklist_version == widget.checklist.version
    assert [f["severity"] for f in record.findings] == [Severity.RED.value]

    # The report: a warning first (it leaves the encrypted register), then the PDF, audited.
    warnings: list[str] = []
    replies = [QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Ok]

    def warn(*args: Any, **_kw: Any) -> QMessageBox.StandardButton:
        warnings.append(args[2])
        return replies.pop(0)

    target = tmp_path / "ttc checklist.pdf"
    monkeypatch.setattr(QMessageBox, "warning", warn)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    assert dialog.report_button.text() == "Checklist &report (PDF)…"
    assert dialog.write_report() is None  # cancelled at the warning
    assert not target.exists()
    assert dialog.write_report() == target
    assert len(warnings) == 2 and "outside the encrypted register" in warnings[0]
    text = "".join(p.extract_text() for p in PdfReader(str(target)).pages)
    assert "Red" in text and agreement.reference in text
    newest = next(register.audit.entries())
    assert (newest.action, newest.record_id) == ("report", "ttc-checklist")

    # Reopened, the answers come back with their version.
    dialog.reject()
    again = AgreementDialog(page.session, register.agreements.get(agreement.id))
    qtbot.addWidget(again)
    assert again.checklist is not None and again.assessment_id == record.id
    assert again.checklist.answers()["ttc_signs_without_approval"].value == "yes"


# -- warnings and problems ---------------------------------------------------------------------
def test_exclusive_licence_without_justification_shows_check_and_still_saves(
    qtbot: Any, register: Register, page: AgreementsPage
) -> None:
    dialog = page.new_agreement()
    assert dialog is not None
    choose(qtbot, dialog.kind, Qt.Key.Key_L)  # "Licence out (the trust grants a licence)"
    assert dialog.current_kind() is AgreementKind.LICENCE_OUT
    assert dialog.licence_box.isVisible() and not dialog.licence_back_box.isVisible()
    assert dialog.ttc_tab is None
    type_into(qtbot, dialog.title, "Licence of the splint design to Acme Medical")
    type_into(qtbot, dialog.parties, "Acme Medical Ltd")
    type_into(qtbot, dialog.signed_on, format_date(TODAY - dt.timedelta(days=5)))
    assert not dialog.check_box.isVisible()
    choose(qtbot, dialog.licence_type, Qt.Key.Key_E)  # "Exclusive"
    assert dialog.current_licence_type() is LicenceType.EXCLUSIVE
    assert dialog.licence_explained.text().startswith("Exclusive: only the licensee")
    assert dialog.check_box.isVisible()
    assert dialog.check_box.text().startswith("Check: Exclusive licence with no justification")

    # An assignment asks about a licence back instead (step 7), and hides the licence fields.
    choose(qtbot, dialog.kind, Qt.Key.Key_A)
    assert dialog.current_kind() is AgreementKind.ASSIGNMENT
    assert dialog.licence_back_box.isVisible() and not dialog.licence_box.isVisible()
    assert "patient care, teaching and research" in dialog.check_box.text()
    assert "licence back" in dialog.check_box.text()
    dialog.kind.setCurrentIndex(list(AgreementKind).index(AgreementKind.LICENCE_OUT))
    assert dialog.current_licence_type() is LicenceType.EXCLUSIVE  # nothing typed was lost

    press(qtbot, dialog.title, Qt.Key.Key_Return)  # a warning does not stop the save
    assert dialog.result() == QDialog.DialogCode.Accepted
    saved = register.agreements.all()[0]
    assert (saved.licence_type, saved.exclusive_justification) == (LicenceType.EXCLUSIVE, "")
    assert page.agreement_model.index(0, WARNINGS).data() == (
        "Exclusive licence: no justification recorded"
    )

    again = page.open_agreement()
    assert again is None  # nothing selected yet
    assert saved.id is not None and page.select_agreement(saved.id)
    again = page.open_agreement()
    assert again is not None and again.check_box.isVisible()
    type_into(qtbot, again.exclusive_justification, "Only route to market; advice taken.")
    assert not again.check_box.isVisible()


def test_end_before_start_is_shown_beside_the_field_and_nothing_saved(
    qtbot: Any, register: Register, session: RegisterSession
) -> None:
    case = register.cases.add("Paediatric cannula splint")
    dialog = AgreementDialog(session)
    qtbot.addWidget(dialog)
    dialog.show()
    type_into(qtbot, dialog.title, "Collaboration with Example University")
    type_into(qtbot, dialog.parties, "Example University")
    type_into(qtbot, dialog.signed_on, "01/03/2025")
    type_into(qtbot, dialog.end_on, "01/02/2025")
    type_into(qtbot, dialog.renewal_on, "31/02/2025")
    type_into(qtbot, dialog.cases, "IP-1999-0001")
    assert "There is no case IP-1999-0001" in dialog.problem_text("case_ids")
    press(qtbot, dialog.end_on, Qt.Key.Key_Return)

    assert dialog.result() != QDialog.DialogCode.Accepted and dialog.isVisible()
    assert register.agreements.all() == []
    assert "must be after the signing date (01/03/2025)" in dialog.problem_text("end_on")
    assert dialog.errors["end_on"].isVisible()
    assert "is not a real date" in dialog.problem_text("renewal_on")  # 31/02: says why
    assert "There is no case IP-1999-0001" in dialog.problem_text("case_ids")
    assert dialog.problem_text("title") == ""
    assert dialog.focusWidget() is dialog.cases  # the first field at fault, in tab order
    assert "must be after" in dialog.end_on.accessibleDescription()
    # Nothing typed is lost.
    assert dialog.title.text() == "Collaboration with Example University"
    assert dialog.parties.toPlainText() == "Example University"
    assert dialog.end_on.text() == "01/02/2025"

    # Typing in a field clears its message; a corrected form saves, with the case linked.
    dialog.end_on.selectAll()
    qtbot.keyClicks(dialog.end_on, "01/03/2027")
    assert not dialog.errors["end_on"].isVisible()
    dialog.renewal_on.selectAll()
    qtbot.keyClick(dialog.renewal_on, Qt.Key.Key_Delete)
    dialog.cases.selectAll()
    qtbot.keyClicks(dialog.cases, case.reference.lower())
    assert dialog.problem_text("case_ids") == ""
    assert dialog.cases_found.text() == f"{case.reference}: Paediatric cannula splint"
    press(qtbot, dialog.end_on, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted
    saved = register.agreements.all()
    assert [(a.end_on, a.case_ids) for a in saved] == [(dt.date(2027, 3, 1), [case.id])]
    assert [a.reference for a in register.agreements.for_case(case.id)] == [saved[0].reference]


# -- TTC performance reviews -------------------------------------------------------------------
def test_record_ttc_review_and_its_next_review_is_a_deadline(
    qtbot: Any, register: Register, page: AgreementsPage
) -> None:
    agreement = ttc_agreement(register, TODAY - dt.timedelta(days=120))
    assert agreement.id is not None
    dialog = open_dialog(qtbot, page, agreement)
    assert dialog.reviews_tab is not None
    dialog.tabs.setCurrentWidget(dialog.reviews_tab)
    assert dialog.review_table.rowCount() == 0
    assert dialog.next_review_label.text().startswith("Next: Quarterly TTC review, overdue by")

    press(qtbot, dialog.review_button)
    review_dialog = dialog.findChild(TtcReviewDialog)
    assert review_dialog is not None and review_dialog.isVisible()
    assert review_dialog.reviewed_on.text() == format_date(TODAY)
    assert review_dialog.next_review.text() == format_date(add_months(TODAY, 3))
    assert review_dialog.reviewer.text() == "Test Lead"
    press(qtbot, review_dialog.reviewer, Qt.Key.Key_Return)  # no summary yet
    assert "Summarise" in review_dialog.problem_text("summary")
    assert register.agreements.reviews(agreement.id) == []

    type_into(qtbot, review_dialog.licences_executed, "2")
    type_into(qtbot, review_dialog.active_licences, "5")
    type_into(qtbot, review_dialog.revenue, "12,500.00")
    type_into(qtbot, review_dialog.days_to_licence, "120")
    type_into(qtbot, review_dialog.summary, "Two licences signed; pipeline healthy.")
    next_review = TODAY + dt.timedelta(days=45)
    review_dialog.next_review.selectAll()
    qtbot.keyClicks(review_dialog.next_review, format_date(next_review))
    press(qtbot, review_dialog.reviewer, Qt.Key.Key_Return)
    assert review_dialog.result() == QDialog.DialogCode.Accepted

    reviews = register.agreements.reviews(agreement.id)
    assert [
        (r.licences_executed, r.active_licences, r.revenue, r.days_to_licence, r.next_review)
        for r in reviews
    ] == [(2, 5, Decimal("12500.00"), 120, next_review)]
    assert dialog.review_table.rowCount() == 1
    cells = [dialog.review_table.item(0, c).text() for c in range(8)]
    assert cells[1:7] == [
        format_date(TODAY),
        "2",
        "5",
        "£12,500.00",
        "120 days",
        format_date(next_review),
    ]
    assert dialog.next_review_label.text() == (
        f"Next: Quarterly TTC review, due in 45 days ({format_date(next_review)})."
    )

    # The next review is on the page's list of obligations and review dates.
    model = page.deadline_model
    rows = [
        r
        for r in range(model.rowCount())
        if model.deadline_at(r) is not None and model.deadline_at(r).kind == KIND_TTC_REVIEW  # type: ignore[union-attr]
    ]
    assert len(rows) == 1
    assert model.index(rows[0], 0).data() == format_date(next_review)
    assert model.index(rows[0], 1).data() == "Due in 45 days"
    assert model.index(rows[0], 3).data() == agreement.reference


# -- the signed document -----------------------------------------------------------------------
def test_signed_document_is_kept_encrypted_and_a_copy_is_recorded(
    qtbot: Any,
    register: Register,
    page: AgreementsPage,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    agreement = register.agreements.save(
        Agreement(kind=AgreementKind.NDA, title="NDA with Sensorly", parties=["Sensorly Ltd"])
    )
    dialog = open_dialog(qtbot, page, agreement)
    source = tmp_path / "signed NDA.pdf"
    source.write_bytes(b"%PDF-1.4 signed copy")
    assert not dialog.save_copy_button.isEnabled()
    assert dialog.add_file(source)
    documents = dialog.file_table.model()
    assert documents.rowCount() == 1
    cells = [documents.index(0, c).data() for c in range(3)]
    assert cells == [
        "signed NDA.pdf",
        "20 bytes",
        hashlib.sha256(b"%PDF-1.4 signed copy").hexdigest(),
    ]
    # The kit's record table: the date as dd/mm/yyyy, the name given the spare width.
    assert isinstance(dialog.file_table, RecordTable)
    assert documents.index(0, 3).data() == dt.date.today().strftime("%d/%m/%Y")
    header = dialog.file_table.horizontalHeader()
    assert header.sectionResizeMode(0) == QHeaderView.ResizeMode.Stretch

    warnings: list[str] = []

    def warn(*args: Any, **_kw: Any) -> QMessageBox.StandardButton:
        warnings.append(args[2])
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "warning", warn)
    copy = tmp_path / "out" / "copy.pdf"
    copy.parent.mkdir()
    assert dialog.save_copy_button.isEnabled()
    assert dialog.save_file_copy(copy) == copy
    assert copy.read_bytes() == b"%PDF-1.4 signed copy"
    assert "will not be encrypted" in warnings[0] and "recorded" in warnings[0]
    assert next(register.audit.entries()).action == "export"

    assert dialog.remove_file(confirm=False)
    assert dialog.file_table.model().rowCount() == 0
    assert agreement.id is not None and register.agreements.files(agreement.id) == []


# -- deleting, and locking ---------------------------------------------------------------------
def test_delete_asks_first_then_removes_the_agreement(
    qtbot: Any, register: Register, page: AgreementsPage, monkeypatch: pytest.MonkeyPatch
) -> None:
    agreement = ttc_agreement(register, TODAY - dt.timedelta(days=10))
    assert agreement.id is not None
    assert not page.delete_button.isEnabled()
    page.select_agreement(agreement.id)
    assert page.delete_button.isEnabled()
    asked: list[str] = []
    reply = [QMessageBox.StandardButton.Cancel]

    def ask(*args: Any, **_kw: Any) -> QMessageBox.StandardButton:
        asked.append(args[2])
        return reply[0]

    monkeypatch.setattr(QMessageBox, "question", ask)
    assert not page.delete_agreement()
    assert len(register.agreements.all()) == 1
    reply[0] = QMessageBox.StandardButton.Yes
    assert page.delete_agreement()
    assert register.agreements.all() == []
    assert agreement.reference in asked[0] and "audit trail" in asked[0]
    assert page.no_agreements.isVisible() and page.deadline_model.rowCount() == 0


def test_locking_closes_an_open_dialog_and_empties_the_page(
    qtbot: Any, register: Register, session: RegisterSession, page: AgreementsPage
) -> None:
    ttc_agreement(register, TODAY - dt.timedelta(days=10))
    assert page.agreement_count.text() == "1 agreement"
    dialog = page.new_agreement()
    assert dialog is not None and dialog.isVisible()
    type_into(qtbot, dialog.title, "Half typed")
    session.lock()
    assert not dialog.isVisible() and dialog.result() == QDialog.DialogCode.Rejected
    assert page.agreement_model.rowCount() == 0 and page.deadline_model.rowCount() == 0
    assert page.agreement_count.text() == "" and not page.new_button.isEnabled()
