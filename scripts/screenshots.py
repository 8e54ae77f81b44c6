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

    from nhsip_desktop.appconfig import AppConfig
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


def first_active_reference(register: object) -> str:
    """The demo case that has returns recorded (see nhsip_desktop.demo_extras)."""
    from nhsip_desktop.cases import CaseFilter, Stage

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
