"""Every page and dialog of the app at a trust laptop's sizes, into docs/screenshots/.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/layout_shots.py

Shoots each screen twice, on a simulated 1366x768 screen and on a 1920x1080 screen at 125%
(a logical 1536x864 screen with a device pixel ratio of 1.25), as
``docs/screenshots/layout-<what>-1366x768.png`` and ``layout-<what>-1920x1080-at-125.png``,
writes ``docs/screenshots/README.md`` listing them, and reports every dialog that opens
larger than the screen less the task bar. Re-running replaces the previous set.

Screens are reached as a person reaches them: the demo register is opened, every area is
clicked in the navigation list, every tab of a page is shown, a row is selected and every
button whose text ends in "…" (the ones that open a dialog) is pressed, as is every menu action
that opens a dialog. Each modal dialog is shot at the size the app opens it, its tabs and
wizard pages in turn, its own "…" buttons pressed one level down, and then it is cancelled.
File dialogs and confirmations are answered with Cancel/No, so nothing is saved or removed.
Dialogs are found through those doors, never by class, so renamed dialogs are still found.
Throwaway config and data folders: your own settings and registers are untouched.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
# tag: (physical width, physical height, scale)
SIZES = {"1366x768": (1366, 768, 1.0), "1920x1080-at-125": (1920, 1080, 1.25)}
TASK_BAR, TITLE_BAR = 40, 30
MAX_DEPTH = 2
# Presses that would end the session or leave the app mid-way; done on purpose further down.
SKIPPED_ACTIONS = {
    "Quit",
    "Lock now",
    "Close register",
    "Open hub…",  # needs a hub database server; see the README
    "Restore from a backup…",
}


def slug(text: str) -> str:
    text = text.replace("&&", "and").replace("&", "").replace("…", "").lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:48]


def main() -> int:
    tag = os.environ.get("NHSIP_LAYOUT_SIZE")
    if tag:
        return shoot_all(tag)
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("layout-*.png"):
        old.unlink()
    manifests = []
    for tag, (width, height, scale) in SIZES.items():
        scratch = Path(tempfile.mkdtemp(prefix="nhsip-layout-"))
        screen = scratch / "screen.json"
        screen.write_text(
            json.dumps(
                {
                    "screens": [
                        # The work area: the screen less the task bar, which offscreen
                        # screens do not have.
                        {"name": "laptop", "x": 0, "y": 0, "width": width}
                        | {"height": height - round(TASK_BAR * scale)}
                        | {"logicalDpi": 96, "dpr": 1.0}
                    ]
                }
            )
        )
        env = dict(os.environ)
        env.update(
            NHSIP_LAYOUT_SIZE=tag,
            NHSIP_LAYOUT_SCRATCH=str(scratch),
            QT_QPA_PLATFORM=f"offscreen:configfile={screen}",
            QT_SCALE_FACTOR=str(scale),
        )
        subprocess.run([sys.executable, __file__], env=env, check=True)
        manifests.append(json.loads((scratch / "manifest.json").read_text()))
    optimise(sorted(OUT.glob("layout-*.png")))
    write_readme(manifests)
    return 0


def optimise(paths: list[Path]) -> None:
    """256 colours are plenty for a screen of text: about a third of the size."""
    try:
        from PIL import Image
    except ImportError:
        return
    for path in paths:
        with Image.open(path) as image:
            small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
        small.save(path, optimize=True)


def write_readme(manifests: list[dict[str, Any]]) -> None:
    tags = list(SIZES)
    rows: dict[str, dict[str, Any]] = {}
    for manifest in manifests:
        for entry in manifest["shots"]:
            row = rows.setdefault(entry["name"], {"what": entry["what"]})
            row[manifest["tag"]] = entry
    lines = [
        "# Screenshots",
        "",
        "`NN-*.png`: the main screens at 1320x800, by `scripts/screenshots.py`.",
        "",
        "`layout-*.png`: every page and dialog on a trust laptop, by `scripts/layout_shots.py`",
        "(`QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/layout_shots.py`; re-run it after a",
        "change to a screen). Two sizes: a 1366x768 screen, and a 1920x1080 screen at 125%",
        "scaling (a logical 1536x864 screen, device pixel ratio 1.25; these images are 1.25 times",
        "the logical size). Windows are shown as when maximised (the screen less a 40 px task bar",
        "and a 30 px title bar); dialogs at the size the app opens them. Reached by pressing",
        "what a person presses; file choosers and confirmations answered with Cancel. The",
        "offscreen platform draws with DejaVu Sans, a little wider than Windows' Segoe UI:",
        "text that fits here should fit there.",
        "",
        "| what | " + " | ".join(tags) + " |",
        "|---|" + "---|" * len(tags),
    ]
    for name, row in rows.items():
        cells = []
        for tag in tags:
            entry = row.get(tag)
            if entry is None:
                cells.append("-")
                continue
            note = f" **too big: {entry['too_big']}**" if entry.get("too_big") else ""
            cells.append(f"[{entry['size']}]({name}-{tag}.png){note}")
        lines.append(f"| {row['what']} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "Not shot: the hub window (File > Open hub… needs a regional hub's PostgreSQL server).",
        "",
    ]
    (OUT / "README.md").write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {len(rows)} screens x {len(tags)} sizes; docs/screenshots/README.md")


def shoot_all(tag: str) -> int:
    scratch = Path(os.environ["NHSIP_LAYOUT_SCRATCH"])
    os.environ["NHSIP_CONFIG_DIR"] = str(scratch / "config")
    os.environ["NHSIP_DATA_DIR"] = str(scratch / "data")
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    sys.path.insert(0, str(ROOT))
    from nhsip_desktop.ui.app import make_app

    app = make_app()
    shooter = Shooter(app, tag, out=OUT)
    shooter.run()
    (scratch / "manifest.json").write_text(json.dumps({"tag": tag, "shots": shooter.shots}))
    for problem in shooter.problems:
        print(f"TOO BIG at {tag}: {problem}")
    return 0


class Shooter:
    """Walks the app through its doors; ``shots`` lists every screen with its size.

    ``out``: the folder for the PNGs (None: sizes only, as ``tests/test_layout_fits.py``
    uses it). ``free``: the work area to check against (default: the screen, which main()
    makes the work area). ``patch(owner, name, value)``: how the OS dialogs are answered
    (default setattr; a test passes ``monkeypatch.setattr``).
    """

    def __init__(
        self,
        app: Any,
        tag: str,
        *,
        out: Path | None,
        free: tuple[int, int] | None = None,
        patch: Callable[[Any, str, Any], None] = setattr,
    ) -> None:
        from PySide6.QtWidgets import QApplication

        self.app = app
        self.tag = tag
        self.out = out
        screen = QApplication.primaryScreen().geometry()
        # A window maximised on the work area loses the title bar too.
        self.free = free or (screen.width(), screen.height())
        self.window_size = (self.free[0], self.free[1] - TITLE_BAR)
        self.shots: list[dict[str, Any]] = []
        self.problems: list[str] = []
        self.names: set[str] = set()
        self.seen_dialogs: set[tuple[str, str]] = set()
        self.where: list[str] = []
        self.labels: list[str] = []
        self.depth = 0
        self.unlock_path = ""
        self.rich_reference = ""
        self._patch(patch)

    # -- answering the OS dialogs -------------------------------------------------------
    def _patch(self, patch: Callable[[Any, str, Any], None]) -> None:
        from PySide6.QtWidgets import QDialog, QFileDialog, QInputDialog, QMessageBox

        def open_name(*_a: Any, **_k: Any) -> tuple[str, str]:
            return (self.unlock_path, "") if self.unlock_path else ("", "")

        patch(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: ("", "")))
        patch(QFileDialog, "getOpenFileName", staticmethod(open_name))
        patch(QFileDialog, "getOpenFileNames", staticmethod(lambda *a, **k: ([], "")))
        patch(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: ""))
        patch(QInputDialog, "getText", staticmethod(lambda *a, **k: ("", False)))
        no = QMessageBox.StandardButton.No
        patch(QMessageBox, "question", staticmethod(lambda *a, **k: no))
        ok = QMessageBox.StandardButton.Ok
        for kind in ("warning", "information", "critical"):
            patch(QMessageBox, kind, staticmethod(lambda *a, **k: ok))
        patch(QMessageBox, "about", staticmethod(lambda *a, **k: None))

        def run(dialog: QDialog) -> int:
            if not isinstance(dialog, QMessageBox):
                self.dialog(dialog)
            return int(QDialog.DialogCode.Rejected)

        for cls in (QDialog, QMessageBox, QFileDialog):
            patch(cls, "exec", run)

    # -- shooting -----------------------------------------------------------------------
    def settle(self) -> None:
        for _ in range(4):
            self.app.processEvents()

    def shot(self, widget: Any, name: str, what: str) -> None:
        name = f"layout-{name}"
        if name in self.names:
            return
        self.names.add(name)
        widget.show()
        self.settle()
        frame = widget.geometry()
        width, height = frame.width(), frame.height() + (TITLE_BAR if widget.isWindow() else 0)
        minimum = widget.minimumSizeHint().expandedTo(widget.minimumSize())
        too_big = []
        if widget.isWindow() and (width > self.free[0] or height > self.free[1]):
            too_big.append(f"opens at {width}x{height} (with its title bar)")
        if widget.isWindow() and (
            minimum.width() > self.free[0] or minimum.height() + TITLE_BAR > self.free[1]
        ):
            too_big.append(f"needs at least {minimum.width()}x{minimum.height() + TITLE_BAR}")
        problem = f"{' and '.join(too_big)} on {self.free[0]}x{self.free[1]}" if too_big else ""
        if problem:
            self.problems.append(f"{name}: {problem}")
        if self.out is not None:
            widget.grab().save(str(self.out / f"{name}-{self.tag}.png"))
        self.shots.append(
            {"name": name, "what": what, "size": f"{frame.width()}x{frame.height()}"}
            | {"too_big": problem}
        )
        print(f"{name}-{self.tag} {frame.width()}x{frame.height()} {problem}")

    def dialog(self, dialog: Any) -> None:
        """A modal dialog: shot as opened, each tab and wizard page, its "…" buttons."""
        from PySide6.QtWidgets import QTabWidget, QWizard

        title = dialog.windowTitle() or type(dialog).__name__
        key = (type(dialog).__name__, title)
        dialog.show()
        self.settle()
        if key in self.seen_dialogs or self.depth >= MAX_DEPTH:
            dialog.reject()
            return
        self.seen_dialogs.add(key)
        name = "-".join(self.where) or slug(title)
        what = " > ".join([*self.labels, f"“{title}”"])
        self.depth += 1
        try:
            if isinstance(dialog, QWizard):
                self.wizard(dialog, name, what)
            else:
                self.shot(dialog, name, what)
                tabs = [t for t in dialog.findChildren(QTabWidget) if t.isVisible()]
                for tab_widget in tabs[:1]:
                    for index in range(1, tab_widget.count()):
                        tab_widget.setCurrentIndex(index)
                        text = tab_widget.tabText(index).replace("&", "")
                        self.shot(dialog, f"{name}-{slug(text)}", f"{what} > {text}")
                    tab_widget.setCurrentIndex(0)
                self.press_dialog_buttons(dialog)
        finally:
            self.depth -= 1
        if dialog.isVisible():
            dialog.reject()
        self.settle()

    def wizard(self, wizard: Any, name: str, what: str) -> None:
        from PySide6.QtWidgets import QCheckBox, QLineEdit

        values = iter(["Northbrook Community Health NHS Trust (fictional)", "RXX", "Alex Morgan"])
        for number in range(1, 10):
            page = wizard.currentPage()
            self.shot(wizard, f"{name}-page-{number}", f"{what} page {number}: {page.title()}")
            for edit in page.findChildren(QLineEdit):
                if edit.isVisible() and not edit.text() and not edit.isReadOnly():
                    edit.setText(next(values, "Fictional"))
            for box in page.findChildren(QCheckBox):
                if box.isVisible():
                    box.setChecked(True)
            before = wizard.currentId()
            wizard.next()
            self.settle()
            if wizard.currentId() == before:
                break

    def press_dialog_buttons(self, dialog: Any) -> None:
        from PySide6.QtWidgets import QTabWidget

        tabs = [t for t in dialog.findChildren(QTabWidget) if t.isVisible()][:1]
        pages = range(tabs[0].count()) if tabs else [0]
        for index in pages:
            if tabs:
                tabs[0].setCurrentIndex(index)
            self.press_buttons(dialog)

    def press_buttons(self, root: Any, *, select: bool = True) -> None:
        """Press each visible, enabled "…" button (they open dialogs) under ``root``."""
        import shiboken6
        from PySide6.QtWidgets import QAbstractButton

        if select:
            self.select_first_rows(root)
        buttons = [b for b in root.findChildren(QAbstractButton) if b.text().endswith("…")]
        for button in buttons:
            if not shiboken6.isValid(button) or not button.isVisible() or not button.isEnabled():
                continue
            self.press(button.text(), button.click)

    def press(self, text: str, do: Callable[[], None], *, name: str = "") -> None:
        from PySide6.QtWidgets import QApplication, QDialog, QMenu

        before = {id(w) for w in QApplication.topLevelWidgets() if w.isVisible()}
        self.where.append(name or slug(text))
        self.labels.append(text.replace("&", ""))
        try:
            do()
            self.settle()
            for widget in QApplication.topLevelWidgets():
                if id(widget) in before or not widget.isVisible() or isinstance(widget, QMenu):
                    continue
                if isinstance(widget, QDialog):  # opened with open() or show()
                    self.dialog(widget)
                    continue
                # A window opened without exec (a case window).
                key = (type(widget).__name__, widget.windowTitle())
                if key not in self.seen_dialogs:
                    self.seen_dialogs.add(key)
                    self.shot(widget, "-".join(self.where), " > ".join(self.labels))
                widget.close()
                self.settle()
        finally:
            self.where.pop()
            self.labels.pop()

    @staticmethod
    def select_row(root: Any, word: str) -> bool:
        """Select the first row of a list under ``root`` that shows ``word``."""
        from PySide6.QtWidgets import QAbstractItemView

        for view in root.findChildren(QAbstractItemView):
            model = view.model()
            if not view.isVisible() or model is None:
                continue
            for row in range(model.rowCount()):
                for column in range(model.columnCount()):
                    index = model.index(row, column)
                    if re.search(rf"\b{word}\b", str(model.data(index) or "")):
                        view.setCurrentIndex(index)
                        return True
        return False

    @staticmethod
    def select_first_rows(root: Any) -> None:
        from PySide6.QtWidgets import QAbstractItemView

        for view in root.findChildren(QAbstractItemView):
            model = view.model()
            chosen = view.selectionModel() is not None and view.selectionModel().hasSelection()
            if view.isVisible() and model is not None and model.rowCount() > 0 and not chosen:
                view.setCurrentIndex(model.index(0, 0))

    # -- the walk -----------------------------------------------------------------------
    def run(self) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest
        from PySide6.QtWidgets import QApplication, QMenu, QPushButton

        from nhsip_desktop.cases.model import CaseFilter
        from nhsip_desktop.interchange.demo import DEMO_KEY
        from nhsip_desktop.store.register import Register
        from nhsip_desktop.ui.demo import open_demo_register
        from nhsip_desktop.ui.main_window import MainWindow
        from nhsip_desktop.ui.unlock import current_actor

        # The demo register's cases, opened as an ordinary register (File > Open a register…,
        # then its key), so that the key change and the passphrase buttons are there too.
        demo = open_demo_register()
        path = demo.path
        cases = demo.cases.search(CaseFilter())
        self.rich_reference = next(
            (c.reference for c in cases if demo.returns.for_case(c.id)), cases[0].reference
        )
        demo.close()
        before = set(QApplication.topLevelWidgets())
        window = MainWindow()
        window.resize(*self.window_size)
        self.shot(window, "start", "Start page (no register open)")
        self.unlock_path = str(path)
        opener = next(b for b in window.findChildren(QPushButton) if "Open a" in b.text())
        self.where, self.labels = [], ["Start page"]
        self.press(opener.text(), opener.click, name="unlock")
        self.unlock_path = ""
        window.session.demo = False
        window.session.attach(Register.open(path, DEMO_KEY, actor=current_actor()))
        self.settle()
        window.resize(*self.window_size)

        # Every area, by clicking it; its tabs; its "…" buttons with a row selected.
        for row in range(window.nav.count()):
            rect = window.nav.visualItemRect(window.nav.item(row))
            QTest.mouseClick(window.nav.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
            self.settle()
            area = window.nav.item(row).text()
            page = window.area_stack.currentWidget()
            self.where, self.labels = [slug(area)], [area]
            self.shot(window, slug(area), area)
            self.type_reference(page)
            self.walk_tabs(window, page)
            if self.select_row(page, "TTC"):  # a TTC agreement's dialog has more tabs
                self.where, self.labels = [slug(area), "ttc"], [area, "a TTC agreement"]
                self.press_buttons(page, select=False)
        self.where, self.labels = [], []

        window.go_to(0)
        self.settle()
        self.case_windows(window)

        # Menu actions that open a dialog.
        for menu_action in window.menuBar().actions():
            menu = menu_action.menu()
            assert isinstance(menu, QMenu)
            for action in menu.actions():
                text = action.text().replace("&", "")
                if action.isSeparator() or not action.isEnabled() or text in SKIPPED_ACTIONS:
                    continue
                if not text.endswith("…") and "guidance" not in text.lower():
                    continue
                self.where, self.labels = ["menu"], [menu_action.text().replace("&", "")]
                self.press(text, action.trigger)
        self.where, self.labels = [], []

        # Locked, then Unlock (the dialog was shot above).
        window.lock()
        self.settle()
        self.shot(window, "locked", "Locked page")
        window.close()
        # Leave nothing behind (a test runs this walk among others): every window it opened
        # is deleted now, not left for a later style change to re-polish half torn down.
        from PySide6.QtCore import QEvent

        for widget in set(QApplication.topLevelWidgets()) - before:
            widget.close()
            widget.deleteLater()
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        QApplication.processEvents()

    def walk_tabs(self, window: Any, root: Any) -> None:
        """Each tab of ``root`` (and the tabs within them) shot; its "…" buttons pressed."""
        from PySide6.QtWidgets import QTabWidget

        def outermost(tabs: Any) -> bool:
            parent = tabs.parentWidget()
            while parent is not None and parent is not root:
                if isinstance(parent, QTabWidget):
                    return False
                parent = parent.parentWidget()
            return True

        tab_widgets = [t for t in root.findChildren(QTabWidget) if t.isVisible() and outermost(t)]
        where, labels = list(self.where), list(self.labels)
        for tabs in tab_widgets:
            for index in range(tabs.count()):
                tabs.setCurrentIndex(index)
                self.settle()
                text = re.sub(r"^\d+ ", "", tabs.tabText(index).replace("&", ""))
                self.where, self.labels = [*where, slug(text)], [*labels, text]
                if index:
                    self.shot(window, "-".join(self.where), " > ".join(self.labels))
                self.walk_tabs(window, tabs.widget(index))
            tabs.setCurrentIndex(0)
            self.settle()
        self.where, self.labels = where, labels
        if not tab_widgets:
            self.press_buttons(root)

    def type_reference(self, root: Any) -> None:
        """A field asking for a case reference gets the reference of the case with money."""
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest
        from PySide6.QtWidgets import QLineEdit

        for edit in root.findChildren(QLineEdit):
            if "reference" in edit.accessibleName().lower() and not edit.text():
                edit.setText(self.rich_reference)
                QTest.keyClick(edit, Qt.Key.Key_Return)
        self.settle()

    def case_windows(self, window: Any) -> None:
        """The case window: each tab of a case with money and rights, and of a new case."""
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest
        from PySide6.QtWidgets import QApplication, QPushButton, QTabWidget

        from nhsip_desktop.cases.model import CaseFilter

        register = window.session.register
        cases = register.cases.search(CaseFilter())
        rich = next((c for c in cases if register.returns.for_case(c.id)), cases[0])
        triage = next((c for c in cases if c.stage.value == "in_triage"), None)
        page = window.cases_page
        for case, label in ((rich, "case"), (triage, "case-in-triage")):
            if case is None:
                continue
            page.search.setText(case.reference)
            QTest.keyClick(page.search, Qt.Key.Key_Return)
            self.settle()
            opener = next(b for b in page.findChildren(QPushButton) if "Open" in b.text())
            before = {id(w) for w in QApplication.topLevelWidgets() if w.isVisible()}
            QTest.mouseClick(opener, Qt.MouseButton.LeftButton)
            self.settle()
            editor = next(
                w for w in QApplication.topLevelWidgets() if id(w) not in before and w.isVisible()
            )
            editor.resize(*self.window_size)
            tabs = editor.findChildren(QTabWidget)[0]
            for index in range(tabs.count()):
                tabs.setCurrentIndex(index)
                self.settle()
                text = re.sub(r"^\d+ ", "", tabs.tabText(index).replace("&", ""))
                if label == "case-in-triage" and "triage" not in text.lower():
                    continue
                self.where, self.labels = [label, slug(text)], [f"Case window ({label})", text]
                self.shot(editor, "-".join(self.where), " > ".join(self.labels))
                if label == "case":
                    self.press_buttons(tabs.widget(index))
            self.where, self.labels = [label], [f"Case window ({label})"]
            if label == "case":
                self.press_buttons(editor)
            editor.close()
            self.settle()
        page.search.clear()
        self.settle()
        self.where, self.labels = [], ["Cases"]
        self.press("new-disclosure", window.new_disclosure_action.trigger)


if __name__ == "__main__":
    raise SystemExit(main())
