"""The IP policy builder dialog and the governance page's out-of-date notice, offscreen over a
real encrypted register, driven with qtbot."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QLineEdit, QSpinBox, QWidget

from nhsip_desktop.assets.renewals import add_months
from nhsip_desktop.finance.revenue import example_policy
from nhsip_desktop.governance.model import DecisionMaking, GovernanceRecord, Sro
from nhsip_desktop.store.register import Register
from nhsip_desktop.ui.governance_page import GovernancePage
from nhsip_desktop.ui.policy_builder import PolicyBuilderDialog
from nhsip_desktop.ui.session import RegisterSession

TODAY = dt.date.today()


@pytest.fixture
def session(register: Register) -> Iterator[RegisterSession]:
    register.governance.save(
        GovernanceRecord(
            sro=Sro("Dr Priya Shah", "Medical Director", add_months(TODAY, -3)),
            decision_making=DecisionMaking("Innovation Steering Group", ["Triage", "Route"]),
        )
    )
    s = RegisterSession()
    s.attach(register)
    yield s
    s.lock()


@pytest.fixture
def page(qtbot: Any, session: RegisterSession) -> GovernancePage:
    widget = GovernancePage(session)
    qtbot.addWidget(widget)
    widget.resize(1100, 720)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def dialog(qtbot: Any, page: GovernancePage) -> PolicyBuilderDialog:
    page.tabs.setCurrentIndex(page.TAB_POLICY)
    assert page.draft_policy_button.isEnabled()
    qtbot.mouseClick(page.draft_policy_button, Qt.MouseButton.LeftButton)
    opened = page._dialog
    assert isinstance(opened, PolicyBuilderDialog)
    qtbot.waitExposed(opened)
    return opened


def new_bands(register: Register) -> None:
    base = example_policy()
    first = dataclasses.replace(base.bands[0], innovators=Decimal("40"), organisation=Decimal("40"))
    register.reference.save_revenue_policy(
        dataclasses.replace(base, id="trust", version=2, bands=(first, *base.bands[1:]))
    )


def test_builder_is_prefilled_and_every_input_is_named(dialog: PolicyBuilderDialog) -> None:
    assert dialog.headings.count() == 12
    assert dialog.version.text() == "1.0"
    assert dialog.approved_by.text() == "Trust Board"
    assert dialog.approved_on.text() == ""
    assert dialog.review_on.text() == add_months(TODAY, 12).strftime("%d/%m/%Y")
    disputes = dialog.page_for["disputes"]
    assert disputes.fields["escalate_to"].text() == "Medical Director"
    duties = dialog.page_for["duties"]
    facts = [
        duties.facts_form.itemAt(r, duties.facts_form.ItemRole.FieldRole).widget().text()
        for r in range(duties.facts_form.rowCount())
    ]
    assert "Dr Priya Shah, Medical Director" in facts
    # Every input has an accessible name; every heading page shows its guidance reference.
    for key, heading_page in dialog.page_for.items():
        references = [label.text() for label in heading_page.findChildren(QLabel, "guidanceRef")]
        number = heading_page.heading.number
        assert references == [f"Guidance: {heading_page.heading.reference}"], key
        assert references[0].startswith(f"Guidance: Annex A, section {number}")
        inputs: list[QWidget] = [
            *heading_page.findChildren(QCheckBox),
            *heading_page.findChildren(QComboBox),
            *heading_page.findChildren(QSpinBox),
            *[
                e
                for e in heading_page.findChildren(QLineEdit)
                if not isinstance(e.parent(), QSpinBox | QComboBox)
            ],
        ]
        assert inputs, key
        for field in inputs:
            assert field.accessibleName(), (key, field)
    for field in (dialog.version, dialog.approved_by, dialog.approved_on, dialog.review_on):
        assert field.accessibleName()


def test_choosing_changes_the_preview_and_the_list_says_left_out(
    qtbot: Any, dialog: PolicyBuilderDialog
) -> None:
    dialog.headings.setCurrentRow(2)  # Who the policy covers
    scope = dialog.page_for["scope"]
    assert dialog.pages.currentWidget() is scope
    assert "postgraduate research students" in scope.preview.toPlainText()
    postgraduates = scope.option_boxes["groups"]["postgraduates"]
    postgraduates.setFocus()
    qtbot.keyClick(postgraduates, Qt.Key.Key_Space)  # by keyboard
    assert not postgraduates.isChecked()
    assert "Postgraduate research students are outside this policy" in scope.preview.toPlainText()

    third = dialog.page_for["third_party"]
    third.include.setChecked(False)
    item = dialog.headings.item(9)
    assert "left out" in item.text()
    assert "left out" in item.data(Qt.ItemDataRole.AccessibleTextRole)
    assert not third.choices_box.isEnabled()
    assert dialog.choices()["third_party"]["include"] is False


def test_save_docx_and_pdf_then_record_the_version(
    qtbot: Any,
    dialog: PolicyBuilderDialog,
    page: GovernancePage,
    register: Register,
    tmp_path: Path,
) -> None:
    dialog.page_for["procedures"].fields["first_contact"].setText("The R&D office")
    dialog.version.setText("2.0")
    docx = dialog.save_docx(tmp_path / "policy.docx")
    pdf = dialog.save_pdf(tmp_path / "policy.pdf")
    assert docx is not None and pdf is not None and pdf.stat().st_size > 0
    text = "\n".join(p.text for p in Document(str(docx)).paragraphs)
    assert "The R&D office is the first point of contact" in text
    assert "Dr Priya Shah, Medical Director" in text
    assert "recorded in the audit trail" in dialog.status.text()
    assert register.policy_drafts.latest() is None  # saving files records no version
    assert not page.policy_notice.isVisible()

    assert dialog.record_version()
    assert "Version 2.0 recorded" in dialog.status.text()
    policy = register.governance.record().policy
    assert policy is not None and policy.version == "2.0"
    # The page refreshed from the session's signal: its form and an up-to-date notice.
    assert page.policy_version.text() == "2.0"
    assert page.policy_notice.isVisible() and not page.policy_notice.out_of_date
    assert page.policy_notice.words.startswith("Up to date")


def test_problems_are_shown_and_nothing_is_recorded(
    qtbot: Any, dialog: PolicyBuilderDialog, register: Register, tmp_path: Path
) -> None:
    dialog.approved_on.setText((TODAY + dt.timedelta(days=5)).strftime("%d/%m/%Y"))
    assert not dialog.record_version()
    assert dialog.error.isVisible() and "cannot be in the future" in dialog.error.text()
    assert dialog.focusWidget() is dialog.approved_on
    dialog.approved_on.setText("")
    dialog.headings.setCurrentRow(0)
    dialog.page_for["monitoring"].fields["monitor_by"].setText("  ")
    assert dialog.save_docx(tmp_path / "x.docx") is None
    assert not (tmp_path / "x.docx").exists()
    assert dialog.pages.currentWidget() is dialog.page_for["monitoring"]
    assert register.policy_drafts.latest() is None


def test_review_date_follows_the_approval_date(qtbot: Any, dialog: PolicyBuilderDialog) -> None:
    approved = TODAY - dt.timedelta(days=10)
    dialog.approved_on.setText(approved.strftime("%d/%m/%Y"))
    dialog.approved_on.editingFinished.emit()
    assert dialog.review_on.text() == add_months(approved, 12).strftime("%d/%m/%Y")


def test_notice_names_what_changed_after_the_bands_and_the_sro_change(
    qtbot: Any, dialog: PolicyBuilderDialog, page: GovernancePage, register: Register
) -> None:
    assert dialog.record_version()
    dialog.close()
    assert not page.policy_notice.out_of_date

    new_bands(register)  # a change elsewhere: only the session's signal reaches the page
    assert page.policy_notice.out_of_date
    assert "Out of date" in page.policy_notice.words
    assert (
        "Revenue-sharing bands: the policy says up to £50,000.00: innovators 50%, department "
        "20%, trust 30%; the register now says up to £50,000.00: innovators 40%, department "
        "20%, trust 40%." in page.policy_notice.words
    )
    assert page.actions_policy_notice.out_of_date
    assert "1 thing" in page.actions_policy_notice.words
    assert page.policy_notice.icon.accessibleName() == "Out of date"  # words and icon

    record = register.governance.record()
    record.sro = Sro("Mr Tom Okafor", "Chief Operating Officer", TODAY)
    register.governance.save(record)
    assert "Mr Tom Okafor, Chief Operating Officer" in page.policy_notice.words
    assert "2 things" in page.actions_policy_notice.words

    # Drafting again from the builder brings it back in step.
    again = page.open_policy_builder()
    assert isinstance(again, PolicyBuilderDialog)
    assert again.version.text() == "1.1"
    assert again.page_for["disputes"].fields["escalate_to"].text() == "Chief Operating Officer"
    assert again.record_version()
    assert not page.policy_notice.out_of_date
    assert not page.actions_policy_notice.isVisible()


def test_open_dialog_follows_register_changes(
    qtbot: Any, dialog: PolicyBuilderDialog, register: Register
) -> None:
    remuneration = dialog.page_for["remuneration"]
    assert "Up to £50,000.00 | 50% | 20% | 30%" in remuneration.preview.toPlainText()
    new_bands(register)
    assert "Up to £50,000.00 | 40% | 20% | 40%" in remuneration.preview.toPlainText()
    assert dialog.facts.revenue_bands[0].innovators == "40"


def test_builder_is_keyboard_reachable(qtbot: Any, dialog: PolicyBuilderDialog) -> None:
    dialog.activateWindow()
    dialog.review_on.setFocus()
    seen: list[QWidget] = []
    for _ in range(60):
        qtbot.keyClick(dialog.focusWidget() or dialog, Qt.Key.Key_Tab)
        focused = dialog.focusWidget()
        if focused is not None:
            seen.append(focused)
    assert dialog.headings in seen
    assert dialog.page_for["what_is_ip"].include in seen
    assert dialog.record_button in seen or dialog.docx_button in seen
