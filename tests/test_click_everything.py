"""Every button, menu action and shortcut of the app, pressed as a person would.

A small demo register is opened in the main window; every area, tab, case window and dialog
is walked and every enabled button is clicked (``qtbot.mouseClick``), every menu action
triggered and every shortcut pressed. File dialogs are answered with a path in a temporary
folder, confirmations with Yes, and every modal dialog is walked in turn and then closed with
Escape. The test fails when an exception escapes a slot (a ``clicked(bool)`` handing ``False``
to a slot that takes a path, say) and when a press has no visible effect at all (nothing on
screen changed, no dialog, no message, no file written) unless it is one of the few listed
below with the reason why none is expected.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction, QShortcut
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QInputDialog,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QRadioButton,
    QScrollArea,
    QTabWidget,
    QTextEdit,
    QWidget,
)

from nhsip_desktop.app.cli import build_demo
from nhsip_desktop.cases.model import CaseFilter
from nhsip_desktop.interchange.demo_data import CURATED
from nhsip_desktop.store.audit import Actor
from nhsip_desktop.store.register import Register
from nhsip_desktop.ui.browser import CasesPage
from nhsip_desktop.ui.finance_page import FinancePage
from nhsip_desktop.ui.main_window import MainWindow
from nhsip_desktop.ui.session import RegisterSession

MAX_DIALOG_DEPTH = 3
# Presses that rightly show nothing new, each with the reason.
NO_EFFECT_EXPECTED: dict[str, str] = {
    "action '&1 Cases'": "the Cases area is already showing (New disclosure… went there)",
}
# Actions that end the session or the process: pressed last, in this order, by the test.
SESSION_ENDERS = (
    "&Restore from a backup…",
    "Change the data &key…",
    "&Lock now",
    "&Close register",
    "&Quit",
)


def _text(widget: QAbstractButton | QAction) -> str:
    return widget.text().replace("&&", "&")


def _owner_path(widget: QWidget) -> str:
    """The app's own classes from the top-level window down to ``widget``."""
    names = []
    current: QWidget | None = widget
    while current is not None:
        if type(current).__module__.startswith("nhsip_desktop"):
            names.append(type(current).__name__)
        current = current.parentWidget()
    return "/".join(reversed(names))


@dataclass
class Press:
    where: str
    what: str
    effects: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class Clicker:
    def __init__(self, qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.qtbot = qtbot
        self.out = tmp_path / "out"
        self.out.mkdir()
        self.numbers = itertools.count(1)
        self.events: list[str] = []
        self.presses: list[Press] = []
        self.pressed: set[tuple[str, str]] = set()
        self.walked_windows: set[tuple[str, str]] = set()
        self.depth = 0
        self.running: set[int] = set()
        self.open_files: dict[str, Path] = {}
        self._patch(monkeypatch)

    # -- answering dialogs ---------------------------------------------------------------
    def _patch(self, mp: pytest.MonkeyPatch) -> None:
        clicker = self

        def save_name(
            _parent: Any, caption: str = "", folder: str = "", filt: str = "", *a: Any, **k: Any
        ) -> tuple[str, str]:
            match = re.search(r"\*(\.[\w.]+)", filt or "")
            suffix = match.group(1) if match else ""
            name = self.out / f"saved-{next(self.numbers)}{suffix}"
            clicker.events.append(f"save dialog {caption!r} -> {name.name}")
            return str(name), filt

        def open_name(
            _parent: Any, caption: str = "", folder: str = "", filt: str = "", *a: Any, **k: Any
        ) -> tuple[str, str]:
            for pattern, path in clicker.open_files.items():
                if pattern in (filt or ""):
                    clicker.events.append(f"open dialog {caption!r} -> {path.name}")
                    return str(path), filt
            clicker.events.append(f"open dialog {caption!r} cancelled")
            return "", ""

        def folder_name(_parent: Any, caption: str = "", *a: Any, **k: Any) -> str:
            folder = self.out / f"folder-{next(self.numbers)}"
            folder.mkdir()
            clicker.events.append(f"folder dialog {caption!r}")
            return str(folder)

        mp.setattr(QFileDialog, "getSaveFileName", staticmethod(save_name))
        mp.setattr(QFileDialog, "getOpenFileName", staticmethod(open_name))
        mp.setattr(QFileDialog, "getExistingDirectory", staticmethod(folder_name))

        def text_input(_parent: Any, caption: str = "", *a: Any, **k: Any) -> tuple[str, bool]:
            # File > Open hub… asks for a connection string: one that reaches no server, so
            # the press ends in the hub window's own message, not in a wait for input.
            clicker.events.append(f"text asked {caption!r}")
            return "host=/nonexistent-hub-socket dbname=hub connect_timeout=2", True

        mp.setattr(QInputDialog, "getText", staticmethod(text_input))

        def box(kind: str, answer: QMessageBox.StandardButton | None) -> Callable[..., Any]:
            def show(
                _parent: Any,
                title: str = "",
                text: str = "",
                buttons: Any = None,
                *a: Any,
                **k: Any,
            ) -> Any:
                clicker.events.append(f"{kind} {title!r}: {text[:80]!r}")
                if answer is not None and buttons is not None:
                    wanted = QMessageBox.StandardButton(answer)
                    if QMessageBox.StandardButton(buttons) & wanted:
                        return wanted
                if kind == "question":
                    return QMessageBox.StandardButton.Yes
                return QMessageBox.StandardButton.Ok

            return staticmethod(show)

        mp.setattr(QMessageBox, "question", box("question", QMessageBox.StandardButton.Yes))
        for kind in ("warning", "information", "critical"):
            mp.setattr(QMessageBox, kind, box(kind, QMessageBox.StandardButton.Yes))
        mp.setattr(QMessageBox, "about", box("about", None))

        def run_dialog(dialog: QDialog) -> int:
            return clicker.run_dialog(dialog)

        for cls in (QDialog, QMessageBox, QFileDialog):
            if "exec" in cls.__dict__ or cls is QDialog:
                mp.setattr(cls, "exec", run_dialog)

    def run_dialog(self, dialog: QDialog) -> int:
        """A modal dialog: walked like a window (up to a depth), then closed with Escape."""
        self.running.add(id(dialog))
        try:
            return self._run_dialog(dialog)
        finally:
            self.running.discard(id(dialog))

    def _run_dialog(self, dialog: QDialog) -> int:
        title = dialog.windowTitle() or type(dialog).__name__
        self.events.append(f"dialog {title!r}")
        dialog.setResult(0)
        dialog.show()
        QApplication.processEvents()
        if isinstance(dialog, QMessageBox):
            text = dialog.text()[:80]
            self.events.append(f"message box {title!r}: {text!r}")
            dialog.done(int(QMessageBox.StandardButton.Ok))
            return int(QMessageBox.StandardButton.Ok)
        if self.depth < MAX_DIALOG_DEPTH:
            self.fill_empty_fields(dialog)
            self.depth += 1
            try:
                self.walk(dialog, f"{type(dialog).__name__}")
            finally:
                self.depth -= 1
        if shiboken6.isValid(dialog) and dialog.isVisible():
            QTest.keyClick(dialog, Qt.Key.Key_Escape)
            QApplication.processEvents()
        if shiboken6.isValid(dialog) and dialog.isVisible():
            dialog.reject()
        return int(dialog.result()) if shiboken6.isValid(dialog) else 0

    # -- what is on screen ---------------------------------------------------------------
    @staticmethod
    def picture(window: QWidget) -> str:
        if not shiboken6.isValid(window) or not window.isVisible():
            return "gone"
        image = window.grab().toImage()
        data = image.constBits()
        return hashlib.sha1(bytes(data)).hexdigest()

    @staticmethod
    def windows() -> set[int]:
        return {
            id(w)
            for w in QApplication.topLevelWidgets()
            if w.isVisible() and not isinstance(w, QMenu)
        }

    def files(self) -> int:
        return sum(1 for _ in self.out.rglob("*"))

    # -- pressing ------------------------------------------------------------------------
    def press(self, where: str, what: str, window: QWidget, do: Callable[[], None]) -> Press:
        record = Press(where, what)
        before = (self.picture(window), len(self.events), self.windows(), self.files())
        start = len(self.events)
        errors: list[str] = []
        with self.qtbot.captureExceptions() as caught:
            do()
            QApplication.processEvents()
        for _type, value, tb in caught:
            errors.append("".join(traceback.format_exception(_type, value, tb))[-1500:])
        after = (self.picture(window), len(self.events), self.windows(), self.files())
        record.errors = errors
        record.effects = self.events[start:]
        if before[0] != after[0]:
            record.effects.append("window changed")
        if before[2] != after[2]:
            record.effects.append("windows opened or closed")
        if before[3] != after[3]:
            record.effects.append("file written")
        self.presses.append(record)
        return record

    def click(self, button: QAbstractButton, where: str) -> None:
        window = button.window()
        key = (_owner_path(button), _text(button) or button.accessibleName() or button.toolTip())
        if key in self.pressed:
            return
        self.pressed.add(key)
        scroller = button.parentWidget()
        while scroller is not None and not isinstance(scroller, QScrollArea):
            scroller = scroller.parentWidget()
        if isinstance(scroller, QScrollArea):
            scroller.ensureWidgetVisible(button)
        button.setFocus()
        QTest.mouseMove(button)
        QApplication.processEvents()

        # A check box or radio button is clicked on its box, as a person would (its width
        # may run well past its text, where a click does nothing).
        at = (
            QPoint(8, button.height() // 2)
            if isinstance(button, QCheckBox | QRadioButton)
            else button.rect().center()
        )

        def do() -> None:
            if shiboken6.isValid(button) and button.isVisible() and button.isEnabled():
                self.qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=at)

        self.press(where, f"button {key[1]!r} in {key[0]}", window, do)
        self.adopt_new_windows(where)

    def trigger(self, action: QAction, window: QWidget, where: str) -> None:
        key = (where, _text(action))
        if key in self.pressed or not action.isEnabled() or action.isSeparator():
            return
        self.pressed.add(key)
        self.press(where, f"action {_text(action)!r}", window, action.trigger)
        self.adopt_new_windows(where)

    def shortcut(self, shortcut: QShortcut, window: QWidget, where: str) -> None:
        sequence = shortcut.key()
        key = (where, sequence.toString())
        if key in self.pressed or not shortcut.isEnabled():
            return
        self.pressed.add(key)

        def do() -> None:
            if shiboken6.isValid(window) and window.isVisible():
                window.raise_()
                window.activateWindow()
                QTest.qWaitForWindowActive(window, 1000)
                target = QApplication.focusWidget() or window
                QTest.keySequence(target, sequence)

        self.press(where, f"shortcut {sequence.toString()}", window, do)

    # -- walking -------------------------------------------------------------------------
    def adopt_new_windows(self, where: str) -> None:
        """A window opened by a press (a case window) is walked, then closed."""
        for widget in list(QApplication.topLevelWidgets()):
            if (
                not isinstance(widget, QMenu)
                and id(widget) not in self.running
                and widget.isVisible()
                and not isinstance(widget, MainWindow)
                and type(widget).__module__.startswith("nhsip_desktop")
                and (type(widget).__name__, widget.windowTitle()) not in self.walked_windows
            ):
                self.walked_windows.add((type(widget).__name__, widget.windowTitle()))
                self.fill_empty_fields(widget)
                # Shortcuts first (the walk ends with the window's own Close button); the
                # last created first, so that the first tab's is not pressed on the first tab.
                for shortcut in reversed(widget.findChildren(QShortcut)):
                    self.shortcut(shortcut, widget, type(widget).__name__)
                self.walk(widget, f"{where} > {type(widget).__name__}")
                if shiboken6.isValid(widget) and widget.isVisible():
                    with self.qtbot.captureExceptions() as caught:
                        widget.close()
                        QApplication.processEvents()
                    assert not caught, f"closing {type(widget).__name__}: {caught}"

    def fill_empty_fields(self, root: QWidget) -> None:
        """Type something plausible into every empty field, so that buttons waiting for
        input are enabled (a date where a date is asked for)."""
        for edit in root.findChildren(QLineEdit):
            if not edit.isVisible() or not edit.isEnabled() or edit.isReadOnly() or edit.text():
                continue
            if edit.completer() is not None or edit.echoMode() != QLineEdit.EchoMode.Normal:
                continue
            hint = f"{edit.placeholderText()} {edit.accessibleName()}".lower()
            if "dd/mm/yyyy" in hint or "date" in hint:
                text = "01/02/2026"
            elif re.search(r"£|amount|cost|number|fee|percent|%", hint):
                text = "12"
            else:
                text = "Fictional test"
            edit.setFocus()
            QTest.keyClicks(edit, text)
        for box in [*root.findChildren(QPlainTextEdit), *root.findChildren(QTextEdit)]:
            usable = box.isVisible() and box.isEnabled() and not box.isReadOnly()
            if usable and not box.toPlainText():
                box.setFocus()
                QTest.keyClicks(box, "Fictional test")
        QApplication.processEvents()

    def select_first_rows(self, root: QWidget) -> None:
        for view in root.findChildren(QAbstractItemView):
            if not view.isVisible() or view.model() is None or view.model().rowCount() == 0:
                continue
            if view.selectionModel() is not None and view.selectionModel().hasSelection():
                continue
            index = view.model().index(0, 0)
            rect = view.visualRect(index)
            if rect.isValid():
                QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
                QApplication.processEvents()

    def walk(self, root: QWidget, where: str) -> None:
        """Press every enabled button on ``root`` and under each of its tabs."""
        self.select_first_rows(root)
        window = root.window()
        # Buttons that close the dialog go last.
        closing_roles = {
            QDialogButtonBox.ButtonRole.AcceptRole,
            QDialogButtonBox.ButtonRole.RejectRole,
            QDialogButtonBox.ButtonRole.YesRole,
            QDialogButtonBox.ButtonRole.NoRole,
        }

        def is_closing(button: QAbstractButton) -> bool:
            parent = button.parentWidget()
            return (
                isinstance(parent, QDialogButtonBox) and parent.buttonRole(button) in closing_roles
            )

        # Tabs first (a decision recorded on one tab enables the letter beside the tabs).
        for tabs in [t for t in root.findChildren(QTabWidget) if t.isVisible()]:
            for index in range(tabs.count()):
                if not shiboken6.isValid(tabs) or not tabs.isVisible():
                    break
                if not tabs.isTabEnabled(index):
                    continue
                bar = tabs.tabBar()
                QTest.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
                QApplication.processEvents()
                assert tabs.currentIndex() == index
                self.walk(tabs.widget(index), f"{where} > {tabs.tabText(index)}")
        if not shiboken6.isValid(root) or not root.isVisible():
            return
        for last in (False, True):
            for _ in range(3):  # presses may reveal more buttons
                self.select_first_rows(root)
                buttons = [
                    b
                    for b in root.findChildren(QAbstractButton)
                    if shiboken6.isValid(b)
                    and not isinstance(b.parentWidget(), QAbstractItemView)  # a table's corner
                    and b.isVisible()
                    and b.isEnabled()
                    and is_closing(b) == last
                    and not (
                        last
                        and isinstance(b.parentWidget(), QDialogButtonBox)
                        and b.parentWidget().buttonRole(b) == QDialogButtonBox.ButtonRole.RejectRole
                    )
                ]
                buttons.sort(
                    key=lambda b: (
                        b.mapTo(window, QPoint(0, 0)).y(),
                        b.mapTo(window, QPoint(0, 0)).x(),
                    )
                )
                fresh = [
                    b
                    for b in buttons
                    if (_owner_path(b), _text(b) or b.accessibleName() or b.toolTip())
                    not in self.pressed
                ]
                if not fresh:
                    break
                for button in fresh:
                    if not shiboken6.isValid(root) or not root.isVisible():
                        return
                    if shiboken6.isValid(button) and button.isVisible() and button.isEnabled():
                        if getattr(button, "_skip_in_walk", False):
                            continue
                        self.click(button, where)
            if not shiboken6.isValid(root) or not root.isVisible():
                return


def _prepare_open_files(clicker: Clicker, tmp_path: Path, register: Register) -> None:
    """Files the open dialogs are answered with: a spreadsheet, a disclosure form, a backup."""
    from nhsip_desktop.store.backups import create_backup

    sheet = tmp_path / "in" / "cases.csv"
    sheet.parent.mkdir()
    sheet.write_text("Title,Received\nA fictional splint,03/02/2026\n", encoding="utf-8")
    backup = create_backup(register, reason="manual").path
    attachment = tmp_path / "in" / "notes.txt"
    attachment.write_text("Fictional notes.\n", encoding="utf-8")
    clicker.open_files = {"*.csv": sheet, "*.nhsip": backup, "": attachment}


@pytest.fixture
def demo_window(qtbot: Any, tmp_path: Path) -> Iterator[MainWindow]:
    register = Register.create(
        tmp_path / "demo.nhsip", actor=Actor("tester", "Test Lead"), organisation="Demo"
    )
    build_demo(register, len(CURATED))
    session = RegisterSession()
    session.attach(register)
    window = MainWindow(session)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    yield window
    session.lock()


def test_every_button_action_and_shortcut_works(
    qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, demo_window: MainWindow
) -> None:
    window = demo_window
    clicker = Clicker(qtbot, tmp_path, monkeypatch)
    _prepare_open_files(clicker, tmp_path, window.session.register)

    register = window.session.register
    with_returns = next(
        c for c in register.cases.search(CaseFilter()) if register.returns.for_case(c.id)
    )

    # Every area, by clicking its name in the navigation list.
    for row in range(window.nav.count()):
        rect = window.nav.visualItemRect(window.nav.item(row))
        QTest.mouseClick(window.nav.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        QApplication.processEvents()
        assert window.area_stack.currentIndex() == row
        page = window.area_stack.currentWidget()
        if isinstance(page, CasesPage):
            # The case with money and rights first: every button of its window is enabled.
            QTest.keyClicks(page.search, with_returns.reference)
            qtbot.waitUntil(lambda p=page: p.table.model().rowCount() == 1)
        if isinstance(page, FinancePage):
            page.tabs.setCurrentIndex(1)
            QTest.keyClicks(page.case_reference, with_returns.reference)
            QTest.keyClick(page.case_reference, Qt.Key.Key_Return)
        clicker.walk(page, window.nav.item(row).text())
        if isinstance(page, CasesPage):
            page.search.clear()
            clicker.pressed = {k for k in clicker.pressed if "CaseEditor" not in k[0]}
            clicker.walked_windows.clear()
            qtbot.waitUntil(lambda p=page: p.table.model().rowCount() > 1)
            clicker.walk(page, "Cases (all)")

    # Every menu action, the ones that end the session last.
    enders: dict[str, QAction] = {}
    for menu_action in window.menuBar().actions():
        menu = menu_action.menu()
        assert isinstance(menu, QMenu)
        for action in menu.actions():
            if _text(action) in SESSION_ENDERS:
                enders[_text(action)] = action
                continue
            if window.session.is_open or action.isEnabled():
                clicker.trigger(action, window, f"menu {_text(menu_action)}")
    for text in SESSION_ENDERS[:-1]:
        clicker.trigger(enders[text], window, "menu File")
        if window.pages.currentIndex() != 2:
            clicker.walk(window.pages.currentWidget(), f"after {text}")

    failures = [f"{p.where}: {p.what} raised\n{e}" for p in clicker.presses for e in p.errors]
    silent = [
        f"{p.where}: {p.what}"
        for p in clicker.presses
        if not p.effects and not p.errors and p.what not in NO_EFFECT_EXPECTED
    ]
    report = "\n".join([*failures, "--- no visible effect:", *silent])
    print(f"{len(clicker.presses)} presses")
    for p in clicker.presses:
        print(f"{p.where}: {p.what} -> {p.effects[:3]}")  # shown when the test fails
    assert not failures and not silent, report
    assert len(clicker.presses) > 150


# -- the buttons the issue named, each pressed where it does its real work ----------------


def _answer_dialogs(monkeypatch: pytest.MonkeyPatch, target: Path) -> None:
    monkeypatch.setattr(
        QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes)
    )
    monkeypatch.setattr(
        QMessageBox,
        "warning",
        staticmethod(lambda *a, **k: QMessageBox.StandardButton.Ok),
    )
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), ""))
    )


def test_feedback_letter_button_writes_the_letter(
    qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, demo_window: MainWindow
) -> None:
    import datetime as dt

    from nhsip_desktop.ui.case_editor import CaseEditor

    register = demo_window.session.register
    case = register.cases.search(CaseFilter())[0]
    register.assessments.record_decision(
        case.id,
        "triage",
        outcome="adopt_share",
        outcome_label="Adopt and share",
        rationale="Fictional reasons.",
        decided_on=dt.date.today(),
        decision_maker="Test Lead",
    )
    target = tmp_path / "letter.pdf"
    _answer_dialogs(monkeypatch, target)
    editor = CaseEditor(demo_window.session, case.id, demo_window)
    qtbot.addWidget(editor)
    editor.show()
    with qtbot.captureExceptions() as caught:
        qtbot.mouseClick(editor.letter_button, Qt.MouseButton.LeftButton)
    assert not caught, caught
    assert target.read_bytes().startswith(b"%PDF")


def test_feedback_letter_asks_the_one_leaving_question_with_cancel_as_default(
    qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, demo_window: MainWindow
) -> None:
    """The letter asks the kit's "leaving the register" question (Enter cancels), like the
    dossier and the finance papers; Cancel writes nothing and asks for no file name."""
    import datetime as dt

    from nhsip_desktop.ui.case_editor import CaseEditor

    register = demo_window.session.register
    case = register.cases.search(CaseFilter())[0]
    register.assessments.record_decision(
        case.id,
        "triage",
        outcome="adopt_share",
        outcome_label="Adopt and share",
        rationale="Fictional reasons.",
        decided_on=dt.date.today(),
        decision_maker="Test Lead",
    )
    asked: list[tuple[Any, ...]] = []
    monkeypatch.setattr(
        QMessageBox,
        "warning",
        staticmethod(lambda *a: asked.append(a) or QMessageBox.StandardButton.Cancel),
    )
    monkeypatch.setattr(
        QMessageBox, "question", staticmethod(lambda *a, **k: pytest.fail("Yes/No question"))
    )
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: pytest.fail("asked a name"))
    )
    editor = CaseEditor(demo_window.session, case.id, demo_window)
    qtbot.addWidget(editor)
    editor.show()
    with qtbot.captureExceptions() as caught:
        qtbot.mouseClick(editor.letter_button, Qt.MouseButton.LeftButton)
    assert not caught, caught
    assert len(asked) == 1 and asked[0][1] == "Save a letter outside the register?"
    assert asked[0][-1] == QMessageBox.StandardButton.Cancel  # the default button
    assert register.cases.get(case.id).feedback_given_on is None
    assert not list(tmp_path.glob("*.pdf"))


def test_statement_for_the_selected_innovator_is_written(
    qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, demo_window: MainWindow
) -> None:
    register = demo_window.session.register
    case = next(c for c in register.cases.search(CaseFilter()) if register.returns.for_case(c.id))
    target = tmp_path / "statement.pdf"
    _answer_dialogs(monkeypatch, target)
    demo_window.go_to(3)
    page = demo_window.area_stack.currentWidget()
    assert isinstance(page, FinancePage)
    page.tabs.setCurrentIndex(1)
    QTest.keyClicks(page.case_reference, case.reference)
    with qtbot.captureExceptions() as caught:
        qtbot.mouseClick(page.show_button, Qt.MouseButton.LeftButton)
        table = page.innovator_table
        assert table.model().rowCount() > 0
        rect = table.visualRect(table.model().index(0, 0))
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        assert page.statement_button.isEnabled()
        qtbot.mouseClick(page.statement_button, Qt.MouseButton.LeftButton)
    assert not caught, caught
    assert target.read_bytes().startswith(b"%PDF")
