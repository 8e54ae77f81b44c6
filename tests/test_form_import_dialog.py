"""The disclosure form dialogs, driven as a user would, on a real register and real PDFs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from nhsip_desktop.cases.model import Stage
from nhsip_desktop.store.register import Register
from nhsip_desktop.ui.form_import_dialog import BlankFormDialog, FormImportDialog
from nhsip_desktop.ui.session import RegisterSession
from tests.test_disclosure_form import COMPLETE, blank, fill


def _write(tmp_path: Path, values: dict[str, str], name: str = "form.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(fill(blank(), values))
    return path


def _problems(dialog: FormImportDialog) -> list[str]:
    return [dialog.problems.item(i).text() for i in range(dialog.problems.count())]


def _case_count(register: Register) -> int:
    return int(register.conn.execute("SELECT count(*) FROM cases").fetchone()[0])


def test_preview_import_and_refresh_through_the_changed_signal(
    qtbot: Any, register: Register, tmp_path: Path
) -> None:
    session = RegisterSession(demo=True)  # demo: no automatic backup in the test
    session.attach(register)
    dialog = FormImportDialog(session.register, path=_write(tmp_path, COMPLETE))
    qtbot.addWidget(dialog)
    assert dialog.summary.text() == "This form is complete: it will become a Submitted case."
    assert _problems(dialog) == ["No problems: every check a submission needs has passed."]
    questions = [dialog.answers.item(r, 1).text() for r in range(dialog.answers.rowCount())]
    assert "Short title" in questions and "Person 2: Share %" in questions
    assert dialog.answers.item(0, 2).text() == COMPLETE["title"]
    assert dialog.import_button.isEnabled() and dialog.as_draft.isHidden()

    with qtbot.waitSignal(session.changed, timeout=5000) as changed:
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    reference = dialog.imported_reference
    assert reference is not None
    case = register.cases.get_by_reference(reference)
    assert case.stage is Stage.SUBMITTED
    assert case.id in changed.args[0].case_ids
    assert f"Imported as case {reference} (Submitted)" in dialog.message.text()
    assert not dialog.import_button.isEnabled()  # no second import by accident

    # The same form again, in a new dialog: recognised, named, not importable.
    again = FormImportDialog(register, path=tmp_path / "form.pdf")
    qtbot.addWidget(again)
    assert f"already been imported, as case {reference}" in again.summary.text()
    assert not again.import_button.isEnabled()
    assert _case_count(register) == 1


def test_problems_are_marked_in_words_and_a_draft_needs_ticking(
    qtbot: Any, register: Register, tmp_path: Path
) -> None:
    path = _write(tmp_path, {**COMPLETE, "c2_share": "25"})
    dialog = FormImportDialog(register, path=path)
    qtbot.addWidget(dialog)
    problems = _problems(dialog)
    assert any(
        p.startswith(
            "To complete: People: Contribution shares must add up to 100%; they add up to 85%"
        )
        for p in problems
    ), problems
    assert not dialog.problems.item(0).icon().isNull()  # an icon as well as the words
    assert "can be imported as a draft" in dialog.summary.text()
    assert not dialog.import_button.isEnabled() and not dialog.as_draft.isHidden()
    dialog.as_draft.setChecked(True)
    assert dialog.import_button.isEnabled()
    assert dialog.import_button.text() == "&Import as a draft"
    assert dialog.do_import()
    case = register.cases.get_by_reference(dialog.imported_reference or "")
    assert case.stage is Stage.DRAFT

    blocked = FormImportDialog(register, path=_write(tmp_path, {**COMPLETE, "c1_share": "lots"}))
    qtbot.addWidget(blocked)
    assert any(p.startswith("Must be put right: Person 1: Share %") for p in _problems(blocked))
    checks = [blocked.answers.item(r, 0).text() for r in range(blocked.answers.rowCount())]
    assert "Must be put right" in checks
    assert blocked.as_draft.isHidden() and not blocked.import_button.isEnabled()


def test_a_file_that_is_not_our_form_changes_nothing(
    qtbot: Any, register: Register, tmp_path: Path
) -> None:
    path = tmp_path / "letter.pdf"
    path.write_bytes(b"%PDF-1.4\n% not really a form\n")
    before = register.chain_head()
    dialog = FormImportDialog(register, path=path)
    qtbot.addWidget(dialog)
    assert dialog.summary.text() == "This file cannot be imported."
    (problem,) = _problems(dialog)
    assert problem.startswith("Must be put right: ") and "damaged or incomplete" in problem
    assert not dialog.import_button.isEnabled() and not dialog.do_import()
    assert _case_count(register) == 0 and register.chain_head() == before


def test_inputs_have_labels_and_accessible_names(qtbot: Any, register: Register) -> None:
    dialog = FormImportDialog(register)
    qtbot.addWidget(dialog)
    for widget in (dialog.file_edit, dialog.problems, dialog.answers, dialog.choose_button):
        assert widget.accessibleName()
    assert not dialog.import_button.isEnabled()


def test_blank_form_dialog_saves_and_remembers_the_contact(
    qtbot: Any, register: Register, tmp_path: Path
) -> None:
    dialog = BlankFormDialog(register)
    qtbot.addWidget(dialog)
    assert not dialog.save_button.isEnabled()  # the form needs somewhere to send it
    assert dialog.contact.accessibleName() == "Send completed forms to"
    qtbot.keyClicks(dialog.contact, "Priya Shah, innovation@test.nhs.uk")
    assert dialog.save_button.isEnabled()
    written = dialog.save(tmp_path / "blank.pdf")
    assert written is not None and written.read_bytes().startswith(b"%PDF-")
    assert "Saved the blank form" in dialog.message.text()
    row = register.conn.execute(
        "SELECT action, record_id FROM audit_log ORDER BY seq DESC LIMIT 1"
    ).fetchone()
    assert tuple(row) == ("report", "disclosure-form")
    again = BlankFormDialog(register)
    qtbot.addWidget(again)
    assert again.contact.text() == "Priya Shah, innovation@test.nhs.uk"


def test_file_menu_offers_both_actions(qtbot: Any, register: Register) -> None:
    from nhsip_desktop.ui.main_window import MainWindow

    session = RegisterSession(demo=True)
    session.attach(register)
    window = MainWindow(session)
    qtbot.addWidget(window)
    texts = [a.text() for a in window.menuBar().actions()[0].menu().actions()]
    spreadsheet = texts.index("&Import cases from a spreadsheet…")
    assert texts[spreadsheet + 1 : spreadsheet + 3] == [
        "Save a bla&nk disclosure form…",
        "Import a com&pleted disclosure form…",
    ]
    assert window.blank_form_action.isEnabled() and window.import_form_action.isEnabled()
