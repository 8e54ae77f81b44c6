"""The dialogs rebuilt on the UI kit, pressed with the mouse as a person would: Save with
problems shows each under its field without moving the buttons; a corrected form saves;
Cancel with edits asks "Discard changes?" (No by default)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QPushButton, QWidget

from nhsip_desktop.agreements.model import Agreement, AgreementKind
from nhsip_desktop.store.register import Register
from nhsip_desktop.ui.agreements_page import AgreementDialog, AgreementsPage, TtcReviewDialog
from nhsip_desktop.ui.governance_page import GovernancePage, TrainingDialog
from nhsip_desktop.ui.session import RegisterSession

LEFT = Qt.MouseButton.LeftButton


def _where(button: QPushButton, dialog: QWidget) -> tuple[QPoint, Any]:
    return button.mapTo(dialog, QPoint(0, 0)), button.size()


def _answer_next_box(button: QMessageBox.StandardButton, seen: dict[str, str]) -> None:
    def reply() -> None:
        boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)]
        shown = [b for b in boxes if b.isVisible()]
        if not shown:
            QTimer.singleShot(10, reply)
            return
        box = shown[0]
        default = box.defaultButton()
        seen["title"] = box.windowTitle()
        seen["default"] = default.text().replace("&", "") if default else ""
        box.button(button).click()

    QTimer.singleShot(0, reply)


def test_training_dialog_by_mouse(qtbot: Any, session: RegisterSession, register: Register) -> None:
    page = GovernancePage(session)
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    page.tabs.setCurrentIndex(page.TAB_TRAINING)
    qtbot.mouseClick(page.add_training_button, LEFT)
    dialog = page.findChild(TrainingDialog)
    assert isinstance(dialog, TrainingDialog) and dialog.isVisible()
    qtbot.waitExposed(dialog)
    before = _where(dialog.save_button, dialog)
    qtbot.mouseClick(dialog.save_button, LEFT)
    assert dialog.isVisible() and register.governance.training() == []
    assert dialog.form.problem_text("audience")
    assert dialog.form.messages["audience"].isVisible()
    assert _where(dialog.save_button, dialog) == before  # nothing moved under the pointer

    qtbot.keyClicks(dialog.audience, "Research nurses")
    qtbot.keyClicks(dialog.topic, "What IP is")
    seen: dict[str, str] = {}
    _answer_next_box(QMessageBox.StandardButton.No, seen)
    qtbot.mouseClick(dialog.cancel_button, LEFT)
    assert seen == {"title": "Discard changes?", "default": "No"}
    assert dialog.isVisible() and dialog.audience.text() == "Research nurses"

    qtbot.mouseClick(dialog.save_button, LEFT)
    assert dialog.result() == QDialog.DialogCode.Accepted
    [saved] = register.governance.training()
    assert (saved.audience, saved.held_on) == ("Research nurses", dt.date.today())


def test_agreement_dialog_by_mouse(
    qtbot: Any, session: RegisterSession, register: Register
) -> None:
    page = AgreementsPage(session)
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    qtbot.mouseClick(page.new_button, LEFT)
    dialog = page.findChild(AgreementDialog)
    assert isinstance(dialog, AgreementDialog) and dialog.isVisible()
    qtbot.waitExposed(dialog)
    before = _where(dialog.save_button, dialog)
    qtbot.mouseClick(dialog.save_button, LEFT)
    assert dialog.isVisible() and register.agreements.all() == []
    assert dialog.problem_text("title")
    assert dialog.errors["title"].isVisible()
    assert _where(dialog.save_button, dialog) == before
    qtbot.keyClicks(dialog.title, "Collaboration with Example University")
    assert not dialog.errors["title"].isVisible()
    qtbot.keyClicks(dialog.parties, "Example University")
    qtbot.keyClicks(dialog.signed_on, "01/03/2025")
    qtbot.mouseClick(dialog.save_button, LEFT)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert [a.title for a in register.agreements.all()] == ["Collaboration with Example University"]


def test_ttc_review_dialog_by_mouse(
    qtbot: Any, session: RegisterSession, register: Register
) -> None:
    agreement = register.agreements.save(
        Agreement(
            kind=AgreementKind.TTC_SERVICES,
            title="TTC services",
            parties=["Northern Innovation Partners Ltd"],
            signed_on=dt.date.today() - dt.timedelta(days=100),
        )
    )
    page = AgreementsPage(session)
    qtbot.addWidget(page)
    page.show()
    assert agreement.id is not None and page.select_agreement(agreement.id)
    qtbot.mouseClick(page.open_button, LEFT)
    dialog = page.findChild(AgreementDialog)
    assert dialog is not None and dialog.reviews_tab is not None
    dialog.tabs.setCurrentWidget(dialog.reviews_tab)
    qtbot.mouseClick(dialog.review_button, LEFT)
    review = dialog.findChild(TtcReviewDialog)
    assert review is not None and review.isVisible()
    qtbot.waitExposed(review)
    before = _where(review.ok_button, review)
    qtbot.mouseClick(review.ok_button, LEFT)
    assert "Summarise" in review.problem_text("summary")
    assert _where(review.ok_button, review) == before
    qtbot.keyClicks(review.summary, "Two licences signed.")
    qtbot.mouseClick(review.ok_button, LEFT)
    assert review.result() == QDialog.DialogCode.Accepted
    assert len(register.agreements.reviews(agreement.id)) == 1
