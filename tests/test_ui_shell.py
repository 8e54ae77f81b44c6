"""The application shell, driven with real widgets offscreen over real encrypted registers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from nhsip_desktop.cases.model import IpKind, Stage
from nhsip_desktop.store.audit import Actor
from nhsip_desktop.store.recovery import encode_recovery_key
from nhsip_desktop.store.register import Register
from nhsip_desktop.ui.areas import AREAS
from nhsip_desktop.ui.browser import SEARCH_DELAY_MS, CasesPage
from nhsip_desktop.ui.case_model import CaseTableModel
from nhsip_desktop.ui.main_window import LOCKED, START, WORKSPACE, MainWindow
from nhsip_desktop.ui.session import RegisterSession
from nhsip_desktop.ui.unlock import UnlockDialog
from tests.conftest import MemoryKeyring, file_state

TITLES = ["Paediatric cannula splint", "Dermatology triage app", "Hip leaflet", "Falls video"]


def _fill(reg: Register, n: int) -> None:
    reg.cases.add_many(
        {
            "title": f"{TITLES[i % 4]} {i}",
            "summary": "Fictional",
            "stage": list(Stage)[i % 6],
            "ip_kinds": [list(IpKind)[i % 6]],
            "lead_innovator": f"Innovator {i % 7}",
            "received_on": dt.date(2026, 1, 1) + dt.timedelta(days=i % 300),
        }
        for i in range(n)
    )


@pytest.fixture
def session(register: Register) -> Iterator[RegisterSession]:
    _fill(register, 600)
    s = RegisterSession()
    s.attach(register)
    yield s
    s.lock()


def test_model_passes_qtmodeltester(qtmodeltester: object, session: RegisterSession) -> None:
    model = CaseTableModel(session)
    model.refresh()
    qtmodeltester.check(model, force_py=True)  # type: ignore[attr-defined]
    # The tester stays connected: every change below is checked signal by signal.
    model.fetchMore()
    model.set_text("splint")
    model.sort(1, Qt.SortOrder.AscendingOrder)
    model.set_stage(Stage.ACTIVE)
    session.register.cases.add("Paediatric splint 601", stage=Stage.ACTIVE)
    model.set_text("")
    while model.canFetchMore():
        model.fetchMore()


def test_model_is_fed_lazily(session: RegisterSession) -> None:
    model = CaseTableModel(session)
    model.refresh()
    assert model.total == 600
    assert model.rowCount() == CaseTableModel.BATCH < 600
    assert model.canFetchMore()
    model.fetchMore()
    assert model.rowCount() == 2 * CaseTableModel.BATCH
    while model.canFetchMore():
        model.fetchMore()
    assert model.rowCount() == 600


def test_typing_in_the_search_box_narrows_the_rows(qtbot: object, session: RegisterSession) -> None:
    page = CasesPage(session)
    qtbot.addWidget(page)  # type: ignore[attr-defined]
    page.model.refresh()
    assert page.model.total == 600
    qtbot.keyClicks(page.search, "derm")  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: page.model.total == 150, timeout=SEARCH_DELAY_MS * 8)  # type: ignore[attr-defined]
    titles = [page.model.case_at(r).title for r in range(page.model.rowCount())]  # type: ignore[union-attr]
    assert titles and all(t.startswith("Dermatology") for t in titles)
    assert "150 matching cases" in page.count.text()
    # One character does not search (and says so); Escape clears the search.
    page.search.setText("d")
    page.apply_search()
    assert page.model.total == 600 and "at least 2 characters" in page.count.text()
    page.search.setText("derm")
    page.apply_search()
    qtbot.keyClick(page.search, Qt.Key.Key_Escape)  # type: ignore[attr-defined]
    assert page.search.text() == "" and page.model.total == 600


def test_sorting_and_stage_filter(qtbot: object, session: RegisterSession) -> None:
    page = CasesPage(session)
    qtbot.addWidget(page)  # type: ignore[attr-defined]
    page.model.refresh()
    first = page.model.case_at(0)
    assert first is not None and first.reference.endswith("-0600")  # newest first
    page.table.sortByColumn(1, Qt.SortOrder.AscendingOrder)
    loaded = [page.model.case_at(r).title for r in range(page.model.rowCount())]  # type: ignore[union-attr]
    assert loaded == sorted(loaded, key=str.lower)
    page.stage.setCurrentIndex(page.stage.findData(Stage.CLOSED.value))
    assert page.model.total == 100
    stages = {page.model.case_at(r).stage for r in range(page.model.rowCount())}  # type: ignore[union-attr]
    assert stages == {Stage.CLOSED}


def test_enter_on_a_row_opens_that_case(qtbot: object, session: RegisterSession) -> None:
    page = CasesPage(session)
    qtbot.addWidget(page)  # type: ignore[attr-defined]
    page.show()
    page.model.refresh()
    page.table.setFocus()
    page.table.selectRow(2)
    expected = page.model.case_at(2)
    with qtbot.waitSignal(page.open_case, timeout=1000) as blocker:  # type: ignore[attr-defined]
        qtbot.keyClick(page.table, Qt.Key.Key_Return)  # type: ignore[attr-defined]
    assert expected is not None and blocker.args == [expected.id]


def test_changes_reach_the_browser_through_the_one_signal(
    qtbot: object, session: RegisterSession
) -> None:
    page = CasesPage(session)
    qtbot.addWidget(page)  # type: ignore[attr-defined]
    page.model.refresh()
    with qtbot.waitSignal(session.changed, timeout=1000):  # type: ignore[attr-defined]
        session.register.cases.add("Brand new wound camera")
    assert page.model.total == 601
    assert page.model.case_at(0).title == "Brand new wound camera"  # type: ignore[union-attr]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_idle_time_locks_the_window_and_closes_the_connection(
    qtbot: object, session: RegisterSession
) -> None:
    register = session.register
    window = MainWindow(session)
    qtbot.addWidget(window)  # type: ignore[attr-defined]
    clock = FakeClock()
    window.idle._clock = clock
    window.idle.start()
    assert window.pages.currentIndex() == WORKSPACE
    clock.now += 9 * 60  # under the default 10 minutes
    window.idle.check()
    assert session.is_open
    clock.now += 2 * 60  # e.g. the laptop slept: the wall clock jumped
    window.idle.check()
    assert not session.is_open and not register.is_open
    assert window.pages.currentIndex() == LOCKED
    assert window.state_label.text() == "Locked"
    assert window.cases_page.model.rowCount() == 0  # nothing left on screen


def test_lock_now_shortcut(qtbot: object, session: RegisterSession) -> None:
    window = MainWindow(session)
    qtbot.addWidget(window)  # type: ignore[attr-defined]
    window.show()
    qtbot.waitExposed(window)  # type: ignore[attr-defined]
    assert window.lock_action.shortcut().toString() == "Ctrl+L"
    window.lock_action.trigger()
    assert not session.is_open and window.pages.currentIndex() == LOCKED


def test_every_area_is_reachable_by_its_shortcut(qtbot: object, session: RegisterSession) -> None:
    window = MainWindow(session)
    qtbot.addWidget(window)  # type: ignore[attr-defined]
    for row, area in enumerate(AREAS):
        assert window.go_actions[row].shortcut().toString() == f"Ctrl+{row + 1}"
        window.go_actions[row].trigger()
        page = window.area_stack.currentWidget()
        assert page.objectName() == f"area-{area.key}"
        assert page.accessibleName() == area.title


@pytest.fixture
def saved_register(tmp_path: Path, actor: Actor) -> tuple[Path, bytes]:
    path = tmp_path / "trust.nhsip"
    with Register.create(path, actor=actor, organisation="Test Trust") as reg:
        reg.cases.add("Only case")
        return path, reg.data_key


def test_unlock_dialog_opens_with_the_recovery_key_when_the_keyring_has_none(
    qtbot: object, saved_register: tuple[Path, bytes], memory_keyring: MemoryKeyring
) -> None:
    path, key = saved_register
    assert memory_keyring.store == {}
    dialog = UnlockDialog(path)
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    qtbot.keyClicks(dialog.secret, encode_recovery_key(key))  # type: ignore[attr-defined]
    assert dialog.try_unlock()
    assert dialog.unlocked is not None
    with dialog.unlocked.register as reg:
        assert reg.cases.count() == 1
    assert len(memory_keyring.store) == 1  # remembered for next time


def test_unlock_dialog_wrong_key_says_so_and_changes_nothing(
    qtbot: object, saved_register: tuple[Path, bytes], memory_keyring: MemoryKeyring
) -> None:
    path, key = saved_register
    before = file_state(path.parent)
    dialog = UnlockDialog(path)
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    dialog.show()
    other = bytes(b ^ 0xFF for b in key)
    dialog.secret.setText(encode_recovery_key(other))
    assert not dialog.try_unlock()
    assert dialog.unlocked is None
    assert dialog.error.isVisible() and "does not open this register" in dialog.error.text()
    dialog.secret.setText("10ABC-DEF")
    assert not dialog.try_unlock()
    assert "mistyped" in dialog.error.text() or "characters" in dialog.error.text()
    assert file_state(path.parent) == before
    assert memory_keyring.store == {}


def test_start_page_lists_recent_registers_and_demo_opens(qtbot: object) -> None:
    window = MainWindow()
    qtbot.addWidget(window)  # type: ignore[attr-defined]
    assert window.pages.currentIndex() == START
    window.open_demo()
    assert window.session.is_open and window.windowTitle().startswith("DEMO")
    assert window.cases_page.model.total == 40
    window.close_register()
    assert window.pages.currentIndex() == START
    window.open_demo()  # opens the existing demo register again, never recreates it
    assert window.cases_page.model.total == 40
    window.close()
    assert QApplication.instance() is not None


def test_settings_dialog_saves_every_setting(qtbot: object, session: RegisterSession) -> None:
    from PySide6.QtWidgets import QLabel, QSpinBox

    from nhsip_desktop.ui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(session)
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    spins = dialog.findChildren(QSpinBox)
    assert len(spins) == 5 and all(s.parent() is not None and s.accessibleName() for s in spins)
    buddies = {label.buddy() for label in dialog.findChildren(QLabel) if label.buddy()}
    assert all(spin in buddies for spin in spins)  # every input has a visible label
    dialog.alert_days.setValue(45)
    dialog.backup_hours.setValue(24)
    assert dialog.save()
    values = session.register.settings.all()
    assert (values["disclosure_alert_days"], values["backup_every_hours"]) == (45, 24)


def test_copied_text_is_cleared_after_30_seconds(qtbot: object, session: RegisterSession) -> None:
    from nhsip_desktop.ui.main_window import CLIPBOARD_CLEAR_MS

    window = MainWindow(session)
    qtbot.addWidget(window)  # type: ignore[attr-defined]
    assert CLIPBOARD_CLEAR_MS == 30_000 == window.clipboard_timer.interval()
    window.owns_clipboard = lambda: False  # copied by another program: not touched
    clipboard = QApplication.clipboard()
    clipboard.setText("copied in a word processor")
    assert not window.clipboard_timer.isActive()
    window.owns_clipboard = lambda: True  # copied from this app
    clipboard.setText("IP-2026-0001 Paediatric cannula splint")
    assert window.clipboard_timer.isActive()
    window._clear_clipboard()  # what the timer does after 30 seconds
    assert clipboard.text() == ""
    # Something copied later by another program is left alone.
    clipboard.setText("mine")
    window._clipboard_text = "something else"
    window._clear_clipboard()
    assert clipboard.text() == "mine"


def test_settings_keep_the_ip_lead_contact_for_the_disclosure_form(
    qtbot: object, tmp_path: Path
) -> None:
    from nhsip_desktop.store.audit import Actor
    from nhsip_desktop.store.register import Register
    from nhsip_desktop.ui.session import RegisterSession
    from nhsip_desktop.ui.settings_dialog import SettingsDialog

    register = Register.create(tmp_path / "t.nhsip", actor=Actor("t", "T"))
    session = RegisterSession()
    session.demo = True
    session.attach(register)
    dialog = SettingsDialog(session)
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    assert dialog.ip_lead_contact.accessibleName() or dialog.ip_lead_contact.toolTip()
    dialog.ip_lead_contact.setText("  Alex Morgan, innovation lead, 01234 567890 ")
    assert dialog.save()
    assert (
        register.settings.all()["ip_lead_contact"] == "Alex Morgan, innovation lead, 01234 567890"
    )
    rows = register.conn.execute(
        "SELECT record_id FROM audit_log WHERE action = 'update' AND record_kind = 'setting'"
    ).fetchall()
    assert ("ip_lead_contact",) in rows
    session.lock()


def test_an_empty_register_says_what_to_do_next(qtbot: object, tmp_path: Path) -> None:
    from nhsip_desktop.store.audit import Actor
    from nhsip_desktop.store.register import Register
    from nhsip_desktop.ui.browser import CasesPage
    from nhsip_desktop.ui.session import RegisterSession

    register = Register.create(tmp_path / "t.nhsip", actor=Actor("t", "T"))
    session = RegisterSession()
    session.demo = True
    page = CasesPage(session)
    qtbot.addWidget(page)  # type: ignore[attr-defined]
    page.show()
    session.attach(register)
    assert page.empty.isVisible()
    assert "No cases yet" in page.empty.text() and "New disclosure" in page.empty.text()
    register.cases.add("Cannula splint")
    assert not page.empty.isVisible()
    page.search.setText("zzzz-nothing")
    page.apply_search()
    assert page.empty.isVisible() and "No case matches" in page.empty.text()
    session.lock()


def test_input_in_any_window_counts_as_activity(qtbot: object, session: RegisterSession) -> None:
    """Input reaches a window before its widgets: a key or click there keeps the register
    open, in the main window and in a window opened later (a case window)."""
    from PySide6.QtCore import QPoint
    from PySide6.QtTest import QTest

    window = MainWindow(session)
    qtbot.addWidget(window)  # type: ignore[attr-defined]
    window.show()
    qtbot.waitExposed(window)  # type: ignore[attr-defined]
    clock = FakeClock()
    window.idle._clock = clock
    window.idle.start()
    clock.now += 9 * 60
    main_handle = window.windowHandle()
    assert main_handle is not None
    QTest.keyClick(main_handle, Qt.Key.Key_Shift)
    clock.now += 9 * 60  # 18 minutes since start, 9 since the key
    window.idle.check()
    assert session.is_open

    editor = window.open_case(None)
    assert editor is not None
    qtbot.waitExposed(editor)  # type: ignore[attr-defined]
    editor.activateWindow()
    handle = editor.windowHandle()
    assert handle is not None
    qtbot.waitUntil(lambda: QGuiApplication.focusWindow() is handle)  # type: ignore[attr-defined]
    clock.now += 9 * 60
    QTest.mouseClick(
        handle, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(5, 5)
    )
    clock.now += 9 * 60
    window.idle.check()
    assert session.is_open
    clock.now += 2 * 60  # now 11 minutes without input
    window.idle.check()
    assert not session.is_open


def test_opening_the_register_already_open_leaves_it_untouched(
    qtbot: object, session: RegisterSession
) -> None:
    register = session.register
    window = MainWindow(session)
    qtbot.addWidget(window)  # type: ignore[attr-defined]

    def our_locks() -> list[str]:
        locks = Path("/proc/locks")
        if not locks.exists():
            return []
        mark = f":{register.path.stat().st_ino} "
        return [line for line in locks.read_text().splitlines() if mark in line]

    before = our_locks()
    window.open_path(register.path.parent / ".." / register.path.parent.name / register.path.name)
    assert session.is_open and session.register is register
    assert "already open" in window.statusBar().currentMessage()
    assert our_locks() == before  # SQLite's locks on the file are still held
    if Path("/proc/locks").exists():
        assert before


def test_settings_keep_the_ip_lead_for_letters(qtbot: object, tmp_path: Path) -> None:
    """The name, role, email and phone a letter is signed with are typed in Settings."""
    from nhsip_desktop.ui.settings_dialog import SettingsDialog

    register = Register.create(tmp_path / "t.nhsip", actor=Actor("t", "T"))
    session = RegisterSession()
    session.demo = True
    session.attach(register)
    dialog = SettingsDialog(session)
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    for field, text in (
        (dialog.ip_lead_name, "Dr Alex Morgan"),
        (dialog.ip_lead_role, "Head of Innovation"),
        (dialog.ip_lead_email, "alex.morgan@nhs.net"),
        (dialog.ip_lead_phone, "01234 567890"),
    ):
        qtbot.keyClicks(field, text)  # type: ignore[attr-defined]
    assert dialog.save()
    values = register.settings.all()
    assert (values["ip_lead_name"], values["ip_lead_role"]) == (
        "Dr Alex Morgan",
        "Head of Innovation",
    )
    assert (values["ip_lead_email"], values["ip_lead_phone"]) == (
        "alex.morgan@nhs.net",
        "01234 567890",
    )
    dialog = SettingsDialog(session)
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    dialog.ip_lead_email.setText("not an address")
    assert not dialog.save()
    assert "email address" in dialog.error.text()
    session.lock()
