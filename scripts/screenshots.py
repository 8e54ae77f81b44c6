"""Render the main screens of a demo register offscreen into docs/screenshots/*.png.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots.py

Uses throwaway config and data folders, so your own settings and registers are untouched.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
SIZE = (1320, 800)


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    scratch = Path(tempfile.mkdtemp(prefix="nhsip-shots-"))
    os.environ["NHSIP_CONFIG_DIR"] = str(scratch / "config")
    os.environ["NHSIP_DATA_DIR"] = str(scratch / "data")
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    sys.path.insert(0, str(ROOT))

    from PySide6.QtWidgets import QWidget

    from nhsip_desktop.app.appconfig import AppConfig
    from nhsip_desktop.store.recovery import encode_recovery_key
    from nhsip_desktop.ui.app import make_app
    from nhsip_desktop.ui.main_window import MainWindow
    from nhsip_desktop.ui.settings_dialog import SettingsDialog
    from nhsip_desktop.ui.unlock import UnlockDialog

    app = make_app()
    OUT.mkdir(parents=True, exist_ok=True)

    def shot(widget: QWidget, name: str) -> None:
        widget.show()
        for _ in range(3):
            app.processEvents()
        widget.grab().save(str(OUT / f"{name}.png"))
        print(f"wrote docs/screenshots/{name}.png")

    config = AppConfig(display_name="Alex Morgan")
    config.save()
    window = MainWindow()
    window.resize(*SIZE)
    shot(window, "01-start")

    window.open_demo()
    window.resize(*SIZE)
    shot(window, "02-cases")

    page = window.cases_page
    page.search.setText("splint")
    page.apply_search()
    shot(window, "03-search")
    page.search.clear()
    page.apply_search()
    page.stage.setCurrentIndex(page.stage.findData("in_triage"))
    shot(window, "04-stage-filter")
    page.stage.setCurrentIndex(0)

    case = window.session.register.cases.search(page.model.filter)[5]
    editor = window.open_case(case.id)
    assert editor is not None
    editor.resize(1100, 780)
    for index, name in (
        (0, "idea"),
        (2, "contributors"),
        (6, "ownership"),
        (7, "triage"),
        (8, "protection"),
    ):
        editor.tabs.setCurrentIndex(index)
        shot(editor, f"05-case-{name}")
    editor.close()

    FINANCE_CASE[0] = first_active_reference(window.session.register)
    window.go_to(1)
    shot(window, "06-assets")
    window.go_to(3)
    finance = window.area_stack.currentWidget()
    if hasattr(finance, "show_case"):
        finance.tabs.setCurrentIndex(1)
        finance.show_case(FINANCE_CASE[0])
        shot(window, "06-finance-returns")
    window.go_to(2)
    shot(window, "06-agreements")
    window.go_to(4)
    shot(window, "06-governance")
    window.go_to(5)
    shot(window, "06-reports")
    window.go_to(0)

    settings = SettingsDialog(window.session, window)
    shot(settings, "07-settings")
    settings.close()

    from nhsip_desktop.ui.guidance_help import GuidanceDialog

    brief = GuidanceDialog("Step 5", window)
    shot(brief, "14-guidance-in-brief")
    brief.close()

    from nhsip_desktop.ui.form_import_dialog import FormImportDialog

    completed = scratch / "completed-disclosure-form.pdf"
    completed.write_bytes(filled_disclosure_form(window.session.register))
    importer = FormImportDialog(window.session.register, window, path=completed)
    importer.resize(1000, 720)
    shot(importer, "15-form-import")
    importer.close()
    render_pdf_page(blank_form_pdf(window.session.register, scratch), "16-form-blank")

    from nhsip_desktop.ui.policy_builder import PolicyBuilderDialog

    builder = PolicyBuilderDialog(window.session, window)
    builder.resize(1200, 800)
    shot(builder, "17-policy-builder")
    builder.close()

    path = window.session.path
    window.lock()
    shot(window, "08-locked")

    assert path is not None
    unlock = UnlockDialog(path, window)
    unlock.secret.setText(encode_recovery_key(bytes(32))[:35])
    unlock.try_unlock()
    shot(unlock, "09-unlock-error")
    unlock.close()

    try:
        from nhsip_desktop.ui.wizard import NewRegisterWizard
    except ImportError:
        return 0
    wizard = NewRegisterWizard(window)
    wizard.resize(780, 600)
    for index in range(4):
        shot(wizard, f"1{index}-wizard-page-{index + 1}")
        fill_wizard_page(wizard, index)
        wizard.next()
    window.close()
    return 0


FINANCE_CASE: list[str] = [""]


def blank_form_pdf(register: object, folder: Path) -> Path:
    from nhsip_desktop.reports.disclosure_form import write_blank_form

    target = folder / "blank-disclosure-form.pdf"
    write_blank_form(register, target, "Alex Morgan, innovation lead, 01632 960123")  # type: ignore[arg-type]
    return target


def filled_disclosure_form(register: object) -> bytes:
    """The blank form, filled in as a member of staff would (one share left to check)."""
    import io

    from pypdf import PdfReader, PdfWriter

    from nhsip_desktop.reports.disclosure_form import blank_form_details, render_blank_form

    details = blank_form_details(register, "Alex Morgan, innovation lead")  # type: ignore[arg-type]
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(render_blank_form(details))))
    writer.set_need_appearances_writer(True)
    values = {
        "title": "Cannula splint for children",
        "summary": "A soft, washable splint that keeps a child's cannula in place.",
        "problem": "Cannulas come out when small children move; each re-siting hurts.",
        "novelty": "Nothing on the market fits children under five.",
        "benefits_patients": "/Yes",
        "kind_invention": "/Yes",
        "kind_design": "/Yes",
        "flag_medical_device": "/Yes",
        "c1_name": "Aoife Kelly",
        "c1_job_title": "Paediatric nurse",
        "c1_relationship": "Employee: clinical role",
        "c1_share": "60",
        "c2_name": "Tom Lee",
        "c2_relationship": "Contractor or consultant",
        "c2_employer": "Lee Design Ltd",
        "c2_share": "30",
        "completed_by": "Aoife Kelly",
    }
    writer.update_page_form_field_values(None, values, auto_regenerate=True)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def render_pdf_page(pdf: Path, name: str) -> None:
    """The first page of a PDF as a PNG (needs poppler's pdftoppm)."""
    import shutil
    import subprocess

    if shutil.which("pdftoppm") is None:
        return
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "70",
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(pdf),
            str(OUT / name),
        ],
        check=True,
    )
    print(f"wrote docs/screenshots/{name}.png")


def first_active_reference(register: object) -> str:
    """The demo case that has returns recorded (see nhsip_desktop.interchange.demo_extras)."""
    from nhsip_desktop.cases.model import CaseFilter, Stage

    cases = register.cases.search(CaseFilter(descending=False))  # type: ignore[attr-defined]
    return next(c.reference for c in cases if c.stage is Stage.ACTIVE)


def fill_wizard_page(wizard: object, index: int) -> None:
    """Type plausible answers so the next page can be shown."""
    from PySide6.QtWidgets import QCheckBox, QLineEdit

    page = wizard.currentPage()  # type: ignore[attr-defined]
    edits = page.findChildren(QLineEdit)
    if index == 0 and edits:
        values = ["Northbrook Community Health NHS Trust (fictional)", "RXX", "Alex Morgan"]
        for edit, value in zip(edits, values, strict=False):
            if not edit.text():
                edit.setText(value)
    for box in page.findChildren(QCheckBox):
        if box.isVisible():
            box.setChecked(True)


if __name__ == "__main__":
    raise SystemExit(main())
