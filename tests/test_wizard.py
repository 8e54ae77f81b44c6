"""The "Create a new IP register" wizard, driven as a user would, with real files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QMessageBox, QWizard

from nhsip_desktop.app.appconfig import AppConfig
from nhsip_desktop.store.keystore import load_from_keyring
from nhsip_desktop.store.recovery import decode_recovery_key, recovery_key_groups
from nhsip_desktop.store.register import Register
from nhsip_desktop.ui.wizard import NewRegisterWizard

ORGANISATION = "Example Community NHS Trust"
FILE_NAME = "Example-Community-NHS-Trust.nhsip"


class Dialogs:
    """Stand-ins for the static dialogs, recording what would have been shown."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.save_answers: list[str] = []
        self.folder_answer = ""
        self.messages: list[tuple[str, str]] = []
        monkeypatch.setattr(QFileDialog, "getSaveFileName", self._save_file_name)
        monkeypatch.setattr(QFileDialog, "getExistingDirectory", self._existing_directory)
        monkeypatch.setattr(QMessageBox, "warning", self._message("warning"))
        monkeypatch.setattr(QMessageBox, "critical", self._message("critical"))

    def _save_file_name(self, *args: Any, **kwargs: Any) -> tuple[str, str]:
        return (self.save_answers.pop(0), "") if self.save_answers else ("", "")

    def _existing_directory(self, *args: Any, **kwargs: Any) -> str:
        return self.folder_answer

    def _message(self, kind: str) -> Any:
        def show(_parent: Any, _title: str, text: str, *args: Any, **kwargs: Any) -> Any:
            self.messages.append((kind, text))
            return QMessageBox.StandardButton.Ok

        return show


@pytest.fixture
def dialogs(monkeypatch: pytest.MonkeyPatch) -> Dialogs:
    return Dialogs(monkeypatch)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "registers"


@pytest.fixture
def wizard(qtbot: Any, folder: Path, dialogs: Dialogs, memory_keyring: Any) -> Iterator[Any]:
    AppConfig(display_name="Sam Patel").save()
    wiz = NewRegisterWizard(default_folder=folder)
    qtbot.addWidget(wiz)
    wiz.resize(760, 560)
    wiz.show()
    qtbot.waitExposed(wiz)
    yield wiz
    if wiz.created_register is not None:
        wiz.created_register.close()


def next_enabled(wiz: NewRegisterWizard) -> bool:
    return wiz.button(QWizard.WizardButton.NextButton).isEnabled()


def finish_enabled(wiz: NewRegisterWizard) -> bool:
    return wiz.button(QWizard.WizardButton.FinishButton).isEnabled()


def fill_organisation(qtbot: Any, wiz: NewRegisterWizard) -> None:
    page = wiz.organisation_page
    qtbot.keyClicks(page.organisation_edit, ORGANISATION)
    qtbot.keyClicks(page.ods_edit, "rxx")


def to_location_page(qtbot: Any, wiz: NewRegisterWizard) -> None:
    fill_organisation(qtbot, wiz)
    wiz.next()
    assert wiz.currentPage() is wiz.location_page


def to_recovery_page(qtbot: Any, wiz: NewRegisterWizard) -> None:
    to_location_page(qtbot, wiz)
    wiz.next()
    assert wiz.currentPage() is wiz.recovery_page


def to_check_page(qtbot: Any, wiz: NewRegisterWizard) -> None:
    to_recovery_page(qtbot, wiz)
    wiz.recovery_page.stored_check.setChecked(True)
    wiz.next()
    assert wiz.currentPage() is wiz.check_page


def right_group(wiz: NewRegisterWizard) -> str:
    return recovery_key_groups(wiz.recovery_key)[wiz.check_group - 1]


def wrong_group(wiz: NewRegisterWizard) -> str:
    group = right_group(wiz)
    return ("Z" if group[0] != "Z" else "Y") + group[1:]


# -- (i) the whole journey --------------------------------------------------------------------
def test_the_wizard_creates_a_register(
    qtbot: Any,
    wizard: NewRegisterWizard,
    folder: Path,
    dialogs: Dialogs,
    memory_keyring: Any,
    tmp_path: Path,
) -> None:
    assert wizard.windowTitle() == "Create a new IP register"
    assert wizard.wizardStyle() == QWizard.WizardStyle.ModernStyle

    # Page 1: the organisation. The display name comes from the saved settings.
    page1 = wizard.organisation_page
    assert page1.display_name_edit.text() == "Sam Patel"
    assert not next_enabled(wizard)
    qtbot.keyClicks(page1.organisation_edit, ORGANISATION)
    qtbot.keyClicks(page1.ods_edit, "rxx")
    assert page1.ods_edit.text() == "RXX"
    page1.display_name_edit.clear()
    assert not next_enabled(wizard)
    qtbot.keyClicks(page1.display_name_edit, "Sam Patel (Innovation Lead)")
    assert next_enabled(wizard)
    # Keyboard only: Enter moves on when the page is complete.
    qtbot.keyClick(page1.display_name_edit, Qt.Key.Key_Return)
    assert wizard.currentPage() is wizard.location_page

    # Page 2: the default folder and a file name made from the organisation.
    page2 = wizard.location_page
    assert page2.folder_edit.text() == str(folder)
    assert page2.name_edit.text() == FILE_NAME
    assert not page2.warning_box.isVisible() and not page2.risk_check.isVisible()
    assert next_enabled(wizard)
    wizard.next()

    # Page 3: the recovery key, saved as a PDF sheet and as a text file.
    page3 = wizard.recovery_page
    assert wizard.currentPage() is page3
    key = wizard.recovery_key
    assert decode_recovery_key(key) == page3.data_key
    shown = page3.key_label.text()
    for number, group in enumerate(recovery_key_groups(key), start=1):
        assert group in shown and f">{number}<" in shown
    assert page3.key_label.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse
    assert not folder.exists(), "nothing is written before the last page"

    sheet, text_file = tmp_path / "sheet", tmp_path / "key.txt"
    dialogs.save_answers = [str(sheet), str(text_file)]
    qtbot.mouseClick(page3.pdf_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(page3.text_button, Qt.MouseButton.LeftButton)
    assert dialogs.messages == []
    assert (tmp_path / "sheet.pdf").read_bytes().startswith(b"%PDF")
    saved_text = text_file.read_text(encoding="utf-8")
    assert key in saved_text and FILE_NAME in saved_text and ORGANISATION in saved_text
    assert page3.saved_box.isVisible()

    assert not next_enabled(wizard)
    page3.stored_check.setFocus()
    qtbot.keyClick(page3.stored_check, Qt.Key.Key_Space)
    assert page3.stored_check.isChecked() and next_enabled(wizard)
    wizard.next()

    # Page 4: type the group back (lower case and a stray space are forgiven).
    page4 = wizard.check_page
    assert wizard.currentPage() is page4
    assert 1 <= wizard.check_group <= 12
    prompt = f"Type group {wizard.check_group} of your recovery key"
    assert page4.prompt.text().replace("&", "") == prompt
    assert page4.prompt.buddy() is page4.group_edit
    assert not finish_enabled(wizard)
    group = right_group(wizard)
    qtbot.keyClicks(page4.group_edit, f"{group[:2].lower()} {group[2:]}")
    assert finish_enabled(wizard)
    assert not page4.mismatch_box.isVisible()
    assert not folder.exists()

    wizard.accept()

    assert wizard.result() == QDialog.DialogCode.Accepted
    path = folder / FILE_NAME
    assert wizard.created_path == path and path.is_file()
    register = wizard.created_register
    assert register is not None and register.is_open
    assert register.settings.get("organisation") == ORGANISATION
    assert register.settings.get("ods_code") == "RXX"
    assert register.data_key == decode_recovery_key(key)
    assert register.actor.display_name == "Sam Patel (Innovation Lead)"
    assert load_from_keyring(register.register_id) == register.data_key
    # The id printed on the sheet and in the text file before creation is the real one.
    assert register.register_id == wizard.register_id
    assert f"Register id:    {register.register_id}" in saved_text
    assert "keyring" in wizard.keyring_message and "not stored" not in wizard.keyring_message
    # So is the signing key fingerprint printed on the sheet.
    sheet_text = "".join(p.extract_text() for p in PdfReader(tmp_path / "sheet.pdf").pages)
    assert register.signing.has_key()
    assert register.signing.fingerprint() in " ".join(sheet_text.split())

    config = AppConfig.load()
    assert config.display_name == "Sam Patel (Innovation Lead)"
    assert config.recent[0].path == str(path.resolve())
    assert config.recent[0].register_id == register.register_id
    assert config.recent[0].organisation == ORGANISATION

    # The file really opens with the recovery key the user was shown.
    register_id = register.register_id
    register.close()
    with Register.open(path, decode_recovery_key(key), actor=register.actor) as reopened:
        assert reopened.register_id == register_id
        assert reopened.settings.get("organisation") == ORGANISATION


# -- (ii) a wrong group ----------------------------------------------------------------------------
def test_a_wrong_recovery_key_group_is_refused(
    qtbot: Any, wizard: NewRegisterWizard, folder: Path, memory_keyring: Any
) -> None:
    to_check_page(qtbot, wizard)
    page = wizard.check_page
    qtbot.keyClicks(page.group_edit, wrong_group(wizard))

    message = (
        f"That does not match group {wizard.check_group}. Look at your printed sheet and try again."
    )
    assert page.mismatch_box.isVisible()
    assert page.mismatch_box.text.text() == message
    assert not page.isComplete() and not finish_enabled(wizard)
    assert not page.validatePage()

    qtbot.keyClick(page.group_edit, Qt.Key.Key_Return)
    wizard.next()
    wizard.accept()
    assert wizard.isVisible() and wizard.currentPage() is page
    assert wizard.created_register is None
    assert not folder.exists()
    assert memory_keyring.store == {}

    # Correcting it clears the message and allows the register to be made.
    page.group_edit.clear()
    qtbot.keyClicks(page.group_edit, right_group(wizard))
    assert not page.mismatch_box.isVisible() and finish_enabled(wizard)


def test_cancelling_writes_nothing(
    qtbot: Any, wizard: NewRegisterWizard, folder: Path, memory_keyring: Any
) -> None:
    to_check_page(qtbot, wizard)
    qtbot.keyClicks(wizard.check_page.group_edit, right_group(wizard))
    wizard.reject()
    assert wizard.result() == QDialog.DialogCode.Rejected
    assert wizard.created_register is None and not folder.exists()
    assert memory_keyring.store == {} and AppConfig.load().recent == []


# -- (iii) a cloud-synced folder ---------------------------------------------------------------
def test_a_cloud_folder_warns_and_needs_the_risk_box(
    qtbot: Any, wizard: NewRegisterWizard, dialogs: Dialogs, tmp_path: Path
) -> None:
    cloud = tmp_path / "OneDrive - NHS" / "IP"
    cloud.mkdir(parents=True)
    to_location_page(qtbot, wizard)
    page = wizard.location_page
    dialogs.folder_answer = str(cloud)
    qtbot.mouseClick(page.choose_button, Qt.MouseButton.LeftButton)
    assert page.folder_edit.text() == str(cloud)

    assert page.warning_box.isVisible()
    warning = page.warning_box.text.text()
    assert warning.startswith("Warning:") and "OneDrive" in warning
    assert page.warning_box.icon.pixmap() is not None
    assert page.risk_check.isVisible() and not page.risk_check.isChecked()
    assert not next_enabled(wizard) and not page.validatePage()
    wizard.next()
    assert wizard.currentPage() is page

    page.risk_check.setFocus()
    qtbot.keyClick(page.risk_check, Qt.Key.Key_Space)
    assert next_enabled(wizard)
    wizard.next()
    assert wizard.currentPage() is wizard.recovery_page

    # Back to a local folder: the warning and the tick go away.
    wizard.back()
    page.folder_edit.setText(str(tmp_path))
    assert not page.warning_box.isVisible() and not page.risk_check.isVisible()
    assert not page.risk_check.isChecked() and next_enabled(wizard)


# -- (iv) an existing file ------------------------------------------------------------------------
def test_an_existing_target_file_is_refused(
    qtbot: Any, wizard: NewRegisterWizard, dialogs: Dialogs, tmp_path: Path
) -> None:
    existing = tmp_path / FILE_NAME
    existing.write_bytes(b"someone else's file")
    to_location_page(qtbot, wizard)
    page = wizard.location_page
    page.folder_edit.setText(str(tmp_path))
    # The suggestion steps round the existing file ...
    assert page.name_edit.text() == "Example-Community-NHS-Trust-2.nhsip"
    assert next_enabled(wizard)

    # ... but typing its name is refused.
    page.name_edit.clear()
    qtbot.keyClicks(page.name_edit, FILE_NAME)
    assert page.problem_box.isVisible()
    assert "already a file called" in page.problem_box.text.text()
    assert not next_enabled(wizard) and not page.validatePage()
    wizard.next()
    assert wizard.currentPage() is page

    # A file that appears after the page was filled in is caught on Next as well.
    page.name_edit.clear()
    qtbot.keyClicks(page.name_edit, "late")
    assert next_enabled(wizard)
    (tmp_path / "late.nhsip").write_bytes(b"appeared meanwhile")
    wizard.next()
    assert wizard.currentPage() is page and page.problem_box.isVisible()

    # And one that appears while the key is being checked stops the creation, untouched.
    page.name_edit.clear()
    qtbot.keyClicks(page.name_edit, "later")
    wizard.next()
    wizard.recovery_page.stored_check.setChecked(True)
    wizard.next()
    qtbot.keyClicks(wizard.check_page.group_edit, right_group(wizard))
    (tmp_path / "later.nhsip").write_bytes(b"appeared meanwhile")
    wizard.accept()
    assert wizard.isVisible() and wizard.created_register is None
    assert dialogs.messages and dialogs.messages[-1][0] == "critical"
    assert "already exists" in dialogs.messages[-1][1]
    assert (tmp_path / "later.nhsip").read_bytes() == b"appeared meanwhile"
    assert existing.read_bytes() == b"someone else's file"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


# -- details ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "ok"),
    [("", True), ("RXX", True), ("5a8", True), ("RX", False), ("R-1", False), ("ABCDEF", False)],
)
def test_ods_code_is_checked_loosely(
    qtbot: Any, wizard: NewRegisterWizard, typed: str, ok: bool
) -> None:
    page = wizard.organisation_page
    qtbot.keyClicks(page.organisation_edit, ORGANISATION)
    qtbot.keyClicks(page.ods_edit, typed)
    assert page.ods_edit.text() == typed.upper()
    assert page.validatePage() is ok
    assert next_enabled(wizard) is ok
    assert page.ods_message.isVisible() is not ok


def test_every_input_has_a_label_and_an_accessible_name(
    qtbot: Any, wizard: NewRegisterWizard
) -> None:
    from PySide6.QtWidgets import QAbstractButton, QLabel, QLineEdit

    to_check_page(qtbot, wizard)
    for page in (
        wizard.organisation_page,
        wizard.location_page,
        wizard.recovery_page,
        wizard.check_page,
    ):
        buddies = {label.buddy() for label in page.findChildren(QLabel) if label.buddy()}
        for edit in page.findChildren(QLineEdit):
            assert edit in buddies, edit.accessibleName()
            assert edit.accessibleName()
        for button in page.findChildren(QAbstractButton):
            assert button.accessibleName() or button.text()


def test_tab_order_follows_the_page(qtbot: Any, wizard: NewRegisterWizard) -> None:
    page = wizard.organisation_page
    wizard.activateWindow()
    page.organisation_edit.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.organisation_edit)
    for expected in (page.ods_edit, page.display_name_edit):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        assert QApplication.focusWidget() is expected

    to_location_page(qtbot, wizard)
    loc = wizard.location_page
    loc.folder_edit.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is loc.folder_edit)
    for expected in (loc.choose_button, loc.name_edit):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        assert QApplication.focusWidget() is expected


def test_saving_problems_are_shown_and_change_nothing(
    qtbot: Any, wizard: NewRegisterWizard, dialogs: Dialogs, tmp_path: Path
) -> None:
    to_recovery_page(qtbot, wizard)
    page = wizard.recovery_page
    taken = tmp_path / "taken.txt"
    taken.write_text("keep me", encoding="utf-8")
    dialogs.save_answers = [str(tmp_path / "no such folder" / "sheet.pdf"), str(taken)]
    qtbot.mouseClick(page.pdf_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(page.text_button, Qt.MouseButton.LeftButton)
    assert [kind for kind, _ in dialogs.messages] == ["warning", "warning"]
    assert "does not exist" in dialogs.messages[0][1]
    assert "already exists" in dialogs.messages[1][1]
    assert taken.read_text(encoding="utf-8") == "keep me"
    assert not page.saved_box.isVisible() and not next_enabled(wizard)

    # Cancelling the file dialog does nothing at all.
    qtbot.mouseClick(page.pdf_button, Qt.MouseButton.LeftButton)
    assert len(dialogs.messages) == 2


def test_the_key_stays_the_same_when_going_back(qtbot: Any, wizard: NewRegisterWizard) -> None:
    to_recovery_page(qtbot, wizard)
    key = wizard.recovery_key
    wizard.back()
    wizard.next()
    assert wizard.recovery_key == key


def test_enter_on_the_last_page_creates_the_register(
    qtbot: Any, wizard: NewRegisterWizard, folder: Path
) -> None:
    to_check_page(qtbot, wizard)
    qtbot.keyClicks(wizard.check_page.group_edit, right_group(wizard))
    qtbot.keyClick(wizard.check_page.group_edit, Qt.Key.Key_Return)
    assert wizard.result() == QDialog.DialogCode.Accepted
    assert wizard.created_path == folder / FILE_NAME and wizard.created_path.is_file()


def test_a_name_too_long_for_the_backups_is_a_problem_before_anything_is_written(
    qtbot: Any, wizard: NewRegisterWizard, folder: Path
) -> None:
    to_location_page(qtbot, wizard)
    page = wizard.location_page
    page.name_edit.clear()
    qtbot.keyClicks(page.name_edit, "x" * 230 + ".nhsip")
    assert page.problem_box.isVisible()
    assert "file name is too long" in page.problem_box.text.text()
    assert not next_enabled(wizard)
    page.name_edit.clear()
    qtbot.keyClicks(page.name_edit, "trust.nhsip")
    assert next_enabled(wizard)
