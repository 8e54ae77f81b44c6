"""Accessibility walker: every window, area, tab, wizard page and dialog of the app.

For each screen it fails on
- an input (text field, number, date, choice list, check box, list or table, button) whose
  accessible name is empty or comes only from its current value (a choice list must be named
  by its label, not by what is chosen);
- a visible, enabled input that the keyboard cannot reach (no Tab focus);
- a focus trap: a multi-line text field that swallows Tab, a table or list whose Tab moves
  between cells instead of leaving, or a Tab cycle that does not visit every reachable input
  and come back to where it started;
and, app-wide, on a menu command with no keyboard access, hard-coded colours under a
high-contrast palette, too little contrast in the default palette, or fonts that ignore the
system's font size. Every dialog class in ``nhsip_desktop.ui`` must be walked: a new dialog
that is not added to ``DIALOGS`` below fails ``test_every_dialog_class_is_walked``.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible, QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QCalendarWidget,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QPlainTextEdit,
    QRadioButton,
    QScrollBar,
    QTabWidget,
    QTextEdit,
    QWidget,
    QWizard,
)

import nhsip_desktop.ui as ui_package
from nhsip_desktop.store.audit import Actor
from nhsip_desktop.store.register import Register
from nhsip_desktop.ui.app import make_app
from nhsip_desktop.ui.session import RegisterSession

INPUTS = (
    QLineEdit,
    QAbstractSpinBox,
    QComboBox,
    QTextEdit,
    QPlainTextEdit,
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
)


# -- the walker ------------------------------------------------------------------------------
def _describe(widget: QWidget) -> str:
    parts = [type(widget).__name__]
    if widget.objectName():
        parts.append(f"#{widget.objectName()}")
    hint = widget.toolTip() or getattr(widget, "placeholderText", lambda: "")()
    if hint:
        parts.append(f"({hint[:50]!r})")
    owner = widget.window()
    parts.append(f"in {type(owner).__name__} {owner.windowTitle()!r}")
    return " ".join(parts)


def _is_internal(widget: QWidget) -> bool:
    """Parts of compound widgets that Qt itself names and focuses through their owner."""
    if isinstance(widget, QScrollBar | QHeaderView) or widget.focusProxy() is not None:
        return True
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QAbstractSpinBox | QComboBox | QCalendarWidget):
            return True
        if isinstance(parent, QAbstractItemView) and parent is not widget:
            return True  # editors and index widgets inside a view
        parent = parent.parentWidget()
    # QTabBar's scroll arrows and the corner buttons of tables
    return type(widget).__name__ in {"QToolButton"} and widget.objectName().startswith("qt_")


def _inputs(window: QWidget) -> list[QWidget]:
    found = [
        w
        for w in window.findChildren(QWidget)
        if isinstance(w, INPUTS) and w.isVisibleTo(window) and not _is_internal(w)
    ]
    return [w for w in found if not (isinstance(w, QAbstractSlider) and isinstance(w, QScrollBar))]


def _buddy_texts(window: QWidget) -> dict[int, str]:
    out: dict[int, str] = {}
    for label in window.findChildren(QLabel):
        buddy = label.buddy()
        if buddy is not None:
            out[id(buddy)] = label.text().replace("&", "").strip()
    return out


def _name_problem(widget: QWidget, buddies: dict[int, str]) -> str | None:
    interface = QAccessible.queryAccessibleInterface(widget)
    effective = interface.text(QAccessible.Text.Name).strip() if interface else ""
    explicit = widget.accessibleName().strip() or buddies.get(id(widget), "")
    if isinstance(widget, QAbstractButton) and not isinstance(widget, QComboBox):
        own = widget.text().replace("&", "").strip()
        if not (explicit or own):
            return "a button with no text and no accessible name (an icon alone says nothing)"
        return None
    if not explicit:
        if effective and isinstance(widget, QComboBox):
            return f"a choice list named only by its current value {effective!r}: give it a label"
        if not effective:
            return "an input with no label and no accessible name"
    return None


def _reach_problem(widget: QWidget) -> str | None:
    if not widget.isEnabled():
        return None
    policy = widget.focusPolicy()
    if (policy & Qt.FocusPolicy.TabFocus) != Qt.FocusPolicy.TabFocus:
        return "cannot be reached with the Tab key"
    if (
        isinstance(widget, QTextEdit | QPlainTextEdit)
        and not widget.isReadOnly()
        and not widget.tabChangesFocus()
    ):
        return "a focus trap: Tab types a tab character instead of moving on"
    if isinstance(widget, QAbstractItemView) and widget.tabKeyNavigation():
        return "a focus trap: Tab moves between cells instead of leaving the table"
    return None


def _tab_cycle_problems(window: QWidget, inputs: list[QWidget]) -> list[str]:
    reachable = [
        w
        for w in inputs
        if w.isEnabled()
        and w.isVisible()
        and (w.focusPolicy() & Qt.FocusPolicy.TabFocus) == Qt.FocusPolicy.TabFocus
    ]
    if len(reachable) < 2:
        return []
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    window.activateWindow()
    start = reachable[0]
    start.setFocus(Qt.FocusReason.TabFocusReason)
    app.processEvents()
    start = app.focusWidget() or start
    visited: list[QWidget] = []
    current = start
    stayed = 0
    for _ in range(len(reachable) * 3 + 10):
        QTest.keyClick(current, Qt.Key.Key_Tab)
        app.processEvents()
        focused = app.focusWidget()
        if focused is None or focused.window() is not window:
            return [f"Tab from {_describe(current)} leaves the window"]
        if focused is current:
            # A date field's Tab moves day, month, year, then on: Qt's own behaviour.
            stayed += 1
            if isinstance(current, QDateTimeEdit) and stayed < current.sectionCount():
                continue
            return [f"a focus trap: Tab does not leave {_describe(current)}"]
        stayed = 0
        if focused is start:
            break
        visited.append(focused)
        current = focused
    else:
        return [f"Tab never comes back to {_describe(start)}: a focus trap or a loop"]
    seen = {id(w) for w in visited} | {id(start)}
    return [
        f"not in the Tab cycle: {_describe(w)}"
        for w in reachable
        if id(w) not in seen
        and not any(id(p) in seen for p in _ancestors(w))
        and not _radio_group_reached(w, seen)
    ]


def _radio_group_reached(widget: QWidget, seen: set[int]) -> bool:
    """Tab enters a group of exclusive radio buttons once; the arrow keys choose within it."""
    if not isinstance(widget, QRadioButton) or not widget.autoExclusive():
        return False
    parent = widget.parentWidget()
    siblings = parent.findChildren(QRadioButton) if parent is not None else []
    return any(id(s) in seen for s in siblings if s.parentWidget() is parent)


def _ancestors(widget: QWidget) -> Iterator[QWidget]:
    parent = widget.parentWidget()
    while parent is not None:
        yield parent
        parent = parent.parentWidget()


def walk(window: QWidget, *, cycle: bool = True) -> list[str]:
    """Every problem on ``window`` as shown now, then on every page of each tab widget."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    problems: list[str] = []

    def check_state() -> None:
        app.processEvents()
        inputs = _inputs(window)
        buddies = _buddy_texts(window)
        for widget in inputs:
            for problem in (_name_problem(widget, buddies), _reach_problem(widget)):
                if problem:
                    problems.append(f"{_describe(widget)}: {problem}")
        if cycle:
            problems.extend(_tab_cycle_problems(window, inputs))

    check_state()
    for tabs in window.findChildren(QTabWidget):
        if not tabs.isVisibleTo(window):
            continue
        original = tabs.currentIndex()
        for index in range(tabs.count()):
            if tabs.isTabEnabled(index) and index != original:
                tabs.setCurrentIndex(index)
                check_state()
        tabs.setCurrentIndex(original)
    return sorted(set(problems))


# -- the register and the screens ----------------------------------------------------------------
@dataclass
class World:
    register: Register
    session: RegisterSession
    tmp: Path


@pytest.fixture(scope="module")
def world(
    qapp: object,
    tmp_path_factory: pytest.TempPathFactory,
    demo_template: Callable[[int], tuple[Path, bytes]],
) -> Iterator[World]:
    """One demo register for the module: the walk only looks, it never saves."""
    make_app()
    tmp_path = tmp_path_factory.mktemp("a11y")
    source, key = demo_template(40)  # built once per run (see conftest), copied here
    shutil.copyfile(source, tmp_path / "trust.nhsip")
    register = Register.open(tmp_path / "trust.nhsip", key, actor=Actor("tester", "Test Lead"))
    session = RegisterSession()
    session.demo = True  # no automatic backups during the walk
    session.attach(register)
    try:
        yield World(register, session, tmp_path)
    finally:
        session.lock()
        if register.is_open:
            register.close()


def _open_dialog(qtbot: object, dialog: QWidget) -> QWidget:
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    dialog.show()
    qtbot.waitExposed(dialog)  # type: ignore[attr-defined]
    return dialog


def _agreement_dialog(w: World) -> QWidget:
    from nhsip_desktop.ui.agreements_page import AgreementDialog

    return AgreementDialog(w.session, w.register.agreements.all()[0])


def _new_agreement_dialog(w: World) -> QWidget:
    from nhsip_desktop.ui.agreements_page import AgreementDialog

    return AgreementDialog(w.session)


def _ttc_review_dialog(w: World) -> QWidget:
    from nhsip_desktop.ui.agreements_page import TtcReviewDialog

    return TtcReviewDialog(w.session, w.register.agreements.all()[0])


def _right_dialog(w: World) -> QWidget:
    from nhsip_desktop.ui.assets_page import RightDialog

    return RightDialog(w.session, w.register.rights.all()[0])


def _new_right_dialog(w: World) -> QWidget:
    from nhsip_desktop.ui.assets_page import RightDialog

    return RightDialog(w.session)


def _renewal_dialog(w: World) -> QWidget:
    from nhsip_desktop.ui.assets_page import RenewalPaidDialog

    return RenewalPaidDialog(w.session, w.register.rights.all()[0])


def _review_dialog(w: World) -> QWidget:
    from nhsip_desktop.ui.assets_page import ReviewDialog

    return ReviewDialog(w.session, w.register.rights.all()[0])


def _close_case_dialog(w: World) -> QWidget:
    from nhsip_desktop.ui.case_editor import CloseCaseDialog

    return CloseCaseDialog()


def _case_editor(w: World) -> QWidget:
    from nhsip_desktop.ui.case_editor import CaseEditor

    return CaseEditor(w.session, w.register.cases.ids()[0])


def _new_case_editor(w: World) -> QWidget:
    from nhsip_desktop.ui.case_editor import CaseEditor

    return CaseEditor(w.session)


def _cost_dialog(w: World) -> QWidget:
    from nhsip_desktop.ui.finance_page import CostDialog

    return CostDialog(w.session)


def _return_dialog(w: World) -> QWidget:
    from nhsip_desktop.ui.finance_page import ReturnDialog

    return ReturnDialog(w.session, w.register.cases.ids()[0])


def _fee_dialog(w: World) -> QWidget:
    from nhsip_desktop.ui.finance_page import FeeAmountDialog

    schedule = w.register.reference.fee_schedule()
    return FeeAmountDialog(w.session, schedule, next(iter(schedule.fees)), None)


def _training_dialog(w: World) -> QWidget:
    from nhsip_desktop.ui.governance_page import TrainingDialog

    return TrainingDialog(w.session)


def _import_dialog(w: World) -> QWidget:
    from nhsip_desktop.ui.import_dialog import ImportDialog

    return ImportDialog(w.register)


def _leaving_dialog(w: World) -> QWidget:
    from nhsip_desktop.ui.reports_page import LeavingRegisterDialog

    return LeavingRegisterDialog(
        "Board summary",
        "a PDF",
        [("cases", "Cases"), ("money", "Costs and returns")],
        choosable=True,
    )


def _export_dialog(w: World) -> QWidget:
    from nhsip_desktop.ui.reports_page import ExportDialog

    return ExportDialog(w.session)


def _hub_share_dialog(w: World) -> QWidget:
    from nhsip_desktop.ui.hub_share import HubShareDialog

    return HubShareDialog(w.session)


def _settings_dialog(w: World) -> QWidget:
    from nhsip_desktop.ui.settings_dialog import SettingsDialog

    return SettingsDialog(w.session)


def _unlock_dialog(w: World) -> QWidget:
    from nhsip_desktop.ui.unlock import UnlockDialog

    return UnlockDialog(w.register.path, reason="The register was locked.")


def _key_change_dialog(w: World) -> QWidget:
    from nhsip_desktop.ui.key_change import KeyChangeDialog

    return KeyChangeDialog(w.register.path, w.register.data_key)


def _new_recovery_key_dialog(w: World) -> QWidget:
    from nhsip_desktop.store.recovery import encode_recovery_key
    from nhsip_desktop.ui.key_change import NewRecoveryKeyDialog

    return NewRecoveryKeyDialog(
        encode_recovery_key(bytes(range(32))),
        register_name=w.register.path.name,
        register_id=w.register.register_id,
        organisation="Test Trust",
    )


def _guidance_dialog(w: World) -> QWidget:
    from nhsip_desktop.ui.guidance_help import GuidanceDialog

    return GuidanceDialog("Step 4")


def _form_import_dialog(w: World) -> QWidget:
    from nhsip_desktop.ui.form_import_dialog import FormImportDialog

    return FormImportDialog(w.register)


def _blank_form_dialog(w: World) -> QWidget:
    from nhsip_desktop.ui.form_import_dialog import BlankFormDialog

    return BlankFormDialog(w.register)


def _policy_builder_dialog(w: World) -> QWidget:
    from nhsip_desktop.ui.policy_builder import PolicyBuilderDialog

    return PolicyBuilderDialog(w.session)


DIALOGS: dict[str, Callable[[World], QWidget]] = {
    "FormImportDialog": _form_import_dialog,
    "BlankFormDialog": _blank_form_dialog,
    "PolicyBuilderDialog": _policy_builder_dialog,
    "GuidanceDialog": _guidance_dialog,
    "AgreementDialog": _agreement_dialog,
    "AgreementDialog (new)": _new_agreement_dialog,
    "TtcReviewDialog": _ttc_review_dialog,
    "RightDialog": _right_dialog,
    "RightDialog (new)": _new_right_dialog,
    "RenewalPaidDialog": _renewal_dialog,
    "ReviewDialog": _review_dialog,
    "CloseCaseDialog": _close_case_dialog,
    "CaseEditor": _case_editor,
    "CaseEditor (new)": _new_case_editor,
    "CostDialog": _cost_dialog,
    "ReturnDialog": _return_dialog,
    "FeeAmountDialog": _fee_dialog,
    "TrainingDialog": _training_dialog,
    "ImportDialog": _import_dialog,
    "LeavingRegisterDialog": _leaving_dialog,
    "ExportDialog": _export_dialog,
    "HubShareDialog": _hub_share_dialog,
    "SettingsDialog": _settings_dialog,
    "UnlockDialog": _unlock_dialog,
    "KeyChangeDialog": _key_change_dialog,
    "NewRecoveryKeyDialog": _new_recovery_key_dialog,
}
# Private bases that are never shown on their own.
ABSTRACT = {"_FieldsDialog", "_FormDialog", "FormDialog", "CheckedFormDialog"}
ABSTRACT |= {"AssetsFormDialog", "CaseTabs", "MappingTables"}  # bases of dialogs walked above
ABSTRACT |= {"_FinanceDialog"}  # the base of finance's kit dialogs, walked above
ABSTRACT |= {"ImportBase"}  # the base of both import dialogs (ui/import_preview.py)


def _ui_dialog_classes() -> set[str]:
    names: set[str] = set()
    for info in pkgutil.walk_packages(ui_package.__path__, prefix="nhsip_desktop.ui."):
        module = importlib.import_module(info.name)
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if (
                cls.__module__ == module.__name__
                and issubclass(cls, QDialog)
                and not issubclass(cls, QWizard)
            ):
                names.add(name)
    return names


def test_every_dialog_class_is_walked() -> None:
    walked = {key.split(" ")[0] for key in DIALOGS}
    missing = _ui_dialog_classes() - walked - ABSTRACT
    assert not missing, f"add these dialogs to DIALOGS in {__file__}: {sorted(missing)}"


@pytest.mark.parametrize("name", sorted(DIALOGS))
def test_dialog_is_accessible(qtbot: object, world: World, name: str) -> None:
    dialog = _open_dialog(qtbot, DIALOGS[name](world))
    problems = walk(dialog)
    dialog.close()
    assert not problems, "\n".join(problems)


def test_main_window_areas_are_accessible(qtbot: object, world: World) -> None:
    from nhsip_desktop.ui.main_window import MainWindow

    window = MainWindow(world.session)
    _open_dialog(qtbot, window)
    window.session.opened.emit()
    problems: list[str] = []
    for row in range(window.nav.count()):
        window.go_to(row)
        problems += [f"area {window.nav.item(row).text()!r}: {p}" for p in walk(window)]
    window.lock()
    problems += [f"locked screen: {p}" for p in walk(window)]
    assert not sorted(set(problems)), "\n".join(sorted(set(problems)))


def test_start_screen_is_accessible(qtbot: object) -> None:
    from nhsip_desktop.ui.main_window import MainWindow

    make_app()
    window = MainWindow()
    _open_dialog(qtbot, window)
    problems = walk(window)
    assert not problems, "\n".join(problems)


def test_new_register_wizard_pages_are_accessible(qtbot: object, tmp_path: Path) -> None:
    from nhsip_desktop.ui.wizard import NewRegisterWizard

    make_app()
    wizard = NewRegisterWizard(default_folder=tmp_path)
    _open_dialog(qtbot, wizard)
    problems = [f"page 1: {p}" for p in walk(wizard, cycle=False)]
    for page_id in wizard.pageIds():
        page = wizard.page(page_id)
        problems += [
            f"page {page_id} ({type(page).__name__}): {p}" for p in walk(page, cycle=False)
        ]
    assert not problems, "\n".join(problems)


# -- app-wide --------------------------------------------------------------------------------
def _menu_actions(window: QMainWindow) -> Iterator[tuple[str, QAction]]:
    for top in window.menuBar().actions():
        menu = top.menu()
        yield "", top
        if isinstance(menu, QMenu):
            for action in menu.actions():
                if not action.isSeparator():
                    yield top.text().replace("&", ""), action


def test_every_menu_command_has_keyboard_access(qtbot: object) -> None:
    from nhsip_desktop.ui.main_window import MainWindow

    make_app()
    window = MainWindow()
    qtbot.addWidget(window)  # type: ignore[attr-defined]
    problems = []
    for menu, action in _menu_actions(window):
        if "&" not in action.text().replace("&&", ""):
            problems.append(f"{menu or 'menu bar'} > {action.text()!r} has no access key (&)")
    assert not problems, "\n".join(problems)
    with_shortcuts = [a for _m, a in _menu_actions(window) if not a.shortcut().isEmpty()]
    assert len(with_shortcuts) >= 8  # new, find, lock, settings, quit, areas...
