"""The main window: start page, locked page, and the workspace with its areas."""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QProgressDialog,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from nhsip_desktop import APP_TITLE, __version__
from nhsip_desktop.app.appconfig import AppConfig
from nhsip_desktop.store.backups import latest_backup_time
from nhsip_desktop.store.errors import RegisterError
from nhsip_desktop.store.register import REGISTER_SUFFIX, Register

from .areas import AREAS
from .browser import CasesPage
from .file_dialogs import remember, start_folder
from .hub_window import open_hub_window
from .idle import IdleWatcher
from .session import RegisterSession
from .unlock import current_actor, show_open_error, tell_storage_notice, unlock
from .widgets import heading, paragraph

if TYPE_CHECKING:
    from .case_editor import CaseEditor

# Each area's page: (module in ui/, class). Only the cases page is built with the window; the
# others (and their modules, with reports, exports and the PDF stack behind them) are built
# the first time their area is opened (issue 24: start to rows).
AREA_PAGES: dict[str, tuple[str, str]] = {
    "cases": ("browser", "CasesPage"),
    "assets": ("assets_page", "AssetsPage"),
    "agreements": ("agreements_page", "AgreementsPage"),
    "finance": ("finance_page", "FinancePage"),
    "governance": ("governance_page", "GovernancePage"),
    "reports": ("reports_page", "ReportsPage"),
}

START, LOCKED, WORKSPACE = 0, 1, 2
CLIPBOARD_CLEAR_MS = 30_000  # text copied from the register is cleared after 30 seconds


class StartPage(QWidget):
    """Shown when no register is open: recent registers, create, open, demo."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__()
        self.window_ = window
        self.recent = QListWidget()
        self.recent.setAccessibleName("Recently opened registers")
        self.recent.itemActivated.connect(self._open_item)
        recent_label = QLabel("&Recently opened registers:")
        recent_label.setBuddy(self.recent)
        create = QPushButton("Create a &new register…")
        create.clicked.connect(window.new_register)
        open_other = QPushButton("&Open a register file…")
        open_other.clicked.connect(window.open_register_dialog)
        self.open_recent = QPushButton("Open &selected")
        self.open_recent.clicked.connect(lambda: self._open_item(self.recent.currentItem()))
        demo = QPushButton("Try the &demo register")
        demo.clicked.connect(window.open_demo)
        self.recent.setMaximumHeight(260)
        for button in (create, open_other, self.open_recent, demo):
            button.setMinimumHeight(34)

        self.empty = paragraph(
            "No register has been opened on this computer yet. Create one for your "
            "organisation, open a register file you already have, or look around the demo "
            "register of fictional cases first."
        )
        self.empty.setObjectName("emptyHint")

        buttons = QHBoxLayout()
        buttons.setSpacing(12)
        buttons.addWidget(create)
        buttons.addWidget(open_other)
        buttons.addWidget(demo)
        buttons.addStretch(1)
        column = QVBoxLayout()
        column.setSpacing(14)
        column.addWidget(heading("Welcome to the IP Register"))
        column.addWidget(
            paragraph(
                "Keep a confidential record of every idea staff disclose, the decisions taken "
                "on it, and the rights, agreements and money that follow, as the 2025 IP "
                "guidance for the NHS in England recommends. Everything stays encrypted on "
                "this computer."
            )
        )
        column.addLayout(buttons)
        column.addSpacing(16)
        column.addWidget(recent_label)
        column.addWidget(self.empty)
        row = QHBoxLayout()
        row.addWidget(self.recent, 1)
        side = QVBoxLayout()
        side.addWidget(self.open_recent)
        side.addStretch(1)
        row.addLayout(side)
        column.addLayout(row)
        column.addStretch(1)
        holder = QWidget()
        holder.setLayout(column)
        holder.setMaximumWidth(900)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(48, 40, 48, 40)
        layout.addWidget(holder, 1)
        layout.addStretch(0)

    def refresh(self) -> None:
        self.recent.clear()
        for entry in AppConfig.load().recent:
            path = Path(entry.path)
            label = f"{entry.organisation or path.stem}  ·  {path}"
            if not path.exists():
                label += "  (file not found)"
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, str(path))
            self.recent.addItem(item)
        has_recent = self.recent.count() > 0
        if has_recent:
            self.recent.setCurrentRow(0)
        self.recent.setVisible(has_recent)
        self.open_recent.setVisible(has_recent)
        self.empty.setVisible(not has_recent)

    def _open_item(self, item: QListWidgetItem | None) -> None:
        if item is not None:
            self.window_.open_path(Path(item.data(Qt.ItemDataRole.UserRole)))


class LockedPage(QWidget):
    def __init__(self, window: MainWindow) -> None:
        super().__init__()
        self.title = heading("The register is locked")
        self.detail = paragraph("")
        self.unlock_button = QPushButton("&Unlock")
        self.unlock_button.setMinimumHeight(34)
        self.unlock_button.clicked.connect(window.unlock_again)
        close = QPushButton("&Close register")
        close.setMinimumHeight(34)
        close.clicked.connect(window.close_register)
        buttons = QHBoxLayout()
        buttons.addWidget(self.unlock_button)
        buttons.addWidget(close)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 48, 48, 48)
        layout.setSpacing(14)
        layout.addWidget(self.title)
        layout.addWidget(self.detail)
        layout.addLayout(buttons)
        layout.addStretch(1)


class MainWindow(QMainWindow):
    def __init__(self, session: RegisterSession | None = None) -> None:
        super().__init__()
        self.session = session or RegisterSession(self)
        self.session.setParent(self)
        self.setMinimumSize(QSize(960, 600))
        # 1320x800, or less on a small screen (1366x768 less the task bar and title bar).
        screen = QApplication.primaryScreen()
        free = screen.availableGeometry() if screen is not None else None
        width = min(1320, free.width() - 16) if free is not None else 1320
        height = min(800, free.height() - 40) if free is not None else 800
        self.resize(max(960, width), max(600, height))

        self.pages = QStackedWidget()
        self.start_page = StartPage(self)
        self.locked_page = LockedPage(self)
        self.pages.addWidget(self.start_page)
        self.pages.addWidget(self.locked_page)
        self.pages.addWidget(self._build_workspace())
        self.setCentralWidget(self.pages)

        self.register_label = QLabel()
        self.register_label.setObjectName("statusRegister")
        self.state_label = QLabel()
        self.state_label.setObjectName("statusState")
        self.backup_label = QLabel()
        self.statusBar().addWidget(self.register_label, 1)
        self.statusBar().addPermanentWidget(self.backup_label)
        # A backup on its worker thread: a busy bar and what it is doing.
        self.backup_progress_label = QLabel()
        self.backup_progress = QProgressBar()
        self.backup_progress.setRange(0, 0)
        self.backup_progress.setMaximumWidth(120)
        self.backup_progress.setAccessibleName("Backup in progress")
        self.statusBar().addPermanentWidget(self.backup_progress_label)
        self.statusBar().addPermanentWidget(self.backup_progress)
        self._backup_done()
        self._wait_dialog: QProgressDialog | None = None
        self.statusBar().addPermanentWidget(self.state_label)

        self._build_menus()
        self._lock_minutes = 10
        self.idle = IdleWatcher(self._auto_lock_minutes, parent=self)
        self.idle.idle.connect(self.lock)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            self.idle.watch(app)

        self._clipboard_text = ""
        # Only text this app put there is cleared (asked of Qt; replaceable in tests).
        self.owns_clipboard: Callable[[], bool] = lambda: QApplication.clipboard().ownsClipboard()
        self.clipboard_timer = QTimer(self)
        self.clipboard_timer.setSingleShot(True)
        self.clipboard_timer.setInterval(CLIPBOARD_CLEAR_MS)
        self.clipboard_timer.timeout.connect(self._clear_clipboard)
        QApplication.clipboard().dataChanged.connect(self._clipboard_changed)
        self.session.opened.connect(self._on_opened)
        self.session.locked.connect(self._on_locked)
        self.session.changed.connect(self._on_changed)
        self.session.backed_up.connect(self._on_backed_up)
        self.session.backup_started.connect(self._backup_started)
        self.session.backup_finished.connect(self._backup_done)
        self.session.waiting.connect(self._waiting_for_backup)
        if self.session.is_open:
            self._on_opened()
        else:
            self.show_start()

    # -- construction -----------------------------------------------------------------
    def _build_workspace(self) -> QWidget:
        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setAccessibleName("Areas")
        self.nav.ensurePolished()  # apply the stylesheet's font before measuring
        widest = max(self.nav.fontMetrics().horizontalAdvance(a.title) for a in AREAS)
        # The items' padding (14 px each side in app.qss) and the frame: no more, so that the
        # case list keeps its width on a 1366x768 laptop.
        self.nav.setFixedWidth(widest + 40)
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.area_stack = QStackedWidget()
        self.cases_page = CasesPage(self.session)
        self.cases_page.open_case.connect(self.open_case)
        self.cases_page.new_case.connect(self.new_disclosure)
        self._area_pages: dict[str, QWidget] = {"cases": self.cases_page}
        for area in AREAS:
            item = QListWidgetItem(area.title)
            item.setToolTip(f"{area.title} (guidance: {area.guidance})")
            self.nav.addItem(item)
            # An empty stand-in until the area is first opened (see area_page).
            self.area_stack.addWidget(self._area_pages.get(area.key) or QWidget())
        self.nav.currentRowChanged.connect(self._show_area)
        self.nav.setCurrentRow(0)
        workspace = QWidget()
        layout = QHBoxLayout(workspace)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.nav)
        layout.addWidget(self.area_stack, 1)
        return workspace

    def area_page(self, key: str) -> QWidget:
        """The page of the area ``key``, built (and its module imported) on first use."""
        page = self._area_pages.get(key)
        if page is None:
            module_name, class_name = AREA_PAGES[key]
            module = importlib.import_module(f"{__package__}.{module_name}")
            page = module.__dict__[class_name](self.session)
            index = [area.key for area in AREAS].index(key)
            stand_in = self.area_stack.widget(index)
            current = self.area_stack.currentIndex()
            self.area_stack.insertWidget(index, page)
            if stand_in is not None:
                self.area_stack.removeWidget(stand_in)
                stand_in.deleteLater()
            self.area_stack.setCurrentIndex(current)
            self._area_pages[key] = page
        return page

    def _show_area(self, row: int) -> None:
        if 0 <= row < len(AREAS):
            self.area_stack.setCurrentWidget(self.area_page(AREAS[row].key))

    def _action(
        self,
        text: str,
        slot: Callable[[], object],
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        # triggered(bool) would hand its "checked" flag to the slot's first parameter
        # (back_up_now(folder=False)): the slot is called with no arguments.
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.new_disclosure_action = self._action(
            "New &disclosure…", self.new_disclosure, QKeySequence.StandardKey.New
        )
        file_menu.addAction(self.new_disclosure_action)
        file_menu.addAction(self._action("New &register…", self.new_register, "Ctrl+Shift+N"))
        file_menu.addAction(
            self._action(
                "&Open register…", self.open_register_dialog, QKeySequence.StandardKey.Open
            )
        )
        file_menu.addAction(self._action("Open the &demo register", self.open_demo))
        file_menu.addAction(self._action("Open &hub…", lambda: open_hub_window(self)))
        self.import_action = self._action("&Import cases from a spreadsheet…", self.import_cases)
        file_menu.addAction(self.import_action)
        self.blank_form_action = self._action(
            "Save a bla&nk disclosure form…", self.save_blank_form
        )
        file_menu.addAction(self.blank_form_action)
        self.import_form_action = self._action(
            "Import a com&pleted disclosure form…", self.import_disclosure_form
        )
        file_menu.addAction(self.import_form_action)
        file_menu.addSeparator()
        self.lock_action = self._action("&Lock now", self.lock, "Ctrl+L")
        file_menu.addAction(self.lock_action)
        self.settings_action = self._action("&Settings…", self.open_settings, "Ctrl+,")
        file_menu.addAction(self.settings_action)
        self.close_action = self._action("&Close register", self.close_register, "Ctrl+W")
        file_menu.addAction(self.close_action)
        file_menu.addSeparator()
        self.backup_action = self._action("&Back up now", self.back_up_now, "Ctrl+Shift+B")
        file_menu.addAction(self.backup_action)
        self.backup_to_action = self._action("Back up &to a folder…", self.back_up_to)
        file_menu.addAction(self.backup_to_action)
        self.restore_action = self._action("&Restore from a backup…", self.restore_from_backup)
        file_menu.addAction(self.restore_action)
        self.rekey_action = self._action("Change the data &key…", self.change_data_key)
        file_menu.addAction(self.rekey_action)
        file_menu.addSeparator()
        file_menu.addAction(self._action("&Quit", self.close, QKeySequence.StandardKey.Quit))

        go = bar.addMenu("&Go")
        self.go_actions = []
        for number, area in enumerate(AREAS, start=1):
            action = self._action(
                f"&{number} {area.title}",
                partial(self.go_to, number - 1),
                f"Ctrl+{number}",
            )
            go.addAction(action)
            self.go_actions.append(action)
        go.addSeparator()
        self.find_action = self._action(
            "&Find case…", self.find_case, QKeySequence.StandardKey.Find
        )
        go.addAction(self.find_action)

        help_menu = bar.addMenu("&Help")
        help_menu.addAction(
            self._action(
                "The &guidance in brief", self.about_guidance, QKeySequence.StandardKey.HelpContents
            )
        )
        help_menu.addAction(self._action("&About this app", self.about))
        self._update_actions()

    # -- state ------------------------------------------------------------------------
    def _auto_lock_minutes(self) -> int:
        """Read from the register only when it opens or its settings change (cached), so the
        idle timer never touches the connection while, say, an export is running."""
        return self._lock_minutes

    def _read_lock_minutes(self) -> None:
        if self.session.is_open:
            self._lock_minutes = int(self.session.register.settings.get("auto_lock_minutes"))

    def _update_actions(self) -> None:
        is_open = self.session.is_open
        for action in (
            self.lock_action,
            self.settings_action,
            self.find_action,
            self.new_disclosure_action,
            self.import_action,
            self.blank_form_action,
            self.import_form_action,
            self.backup_action,
            self.backup_to_action,
            self.restore_action,
            self.rekey_action,
            *self.go_actions,
        ):
            action.setEnabled(is_open)
        self.close_action.setEnabled(is_open or self.pages.currentIndex() == LOCKED)
        # The demo register's key is published and fixed: it is never changed.
        self.rekey_action.setEnabled(is_open and not self.session.demo)

    def _title(self) -> str:
        parts = [APP_TITLE]
        if self.session.path is not None:
            parts.insert(0, self.session.path.name)
            if self.session.is_open:
                org = self.session.register.settings.get("organisation")
                if org:
                    parts.insert(0, org)
        if self.session.demo:
            parts.insert(0, "DEMO")
        return " — ".join(parts)

    def _on_opened(self) -> None:
        register = self.session.register
        self._read_lock_minutes()
        config = AppConfig.load()
        config.remember(register.path, register.register_id, register.settings.get("organisation"))
        if not self.session.demo:
            config.save()
        self.pages.setCurrentIndex(WORKSPACE)
        self.setWindowTitle(self._title())
        self.register_label.setText(f"{register.path.name}   {register.path.parent}")
        self.register_label.setToolTip(str(register.path))
        self.state_label.setText("Unlocked")
        self._update_backup_label()
        self._update_actions()
        self.idle.start()
        self.cases_page.table.setFocus()
        status = register.audit_status
        if status is not None and not status.ok:
            QMessageBox.warning(
                self,
                "The audit trail has been altered",
                f"The audit trail does not verify: {status.problem} (row "
                f"{status.first_broken_seq}). Someone may have changed the register outside "
                "this app. The register is open, but tell your SRO and keep a copy of the file.",
            )

    def _on_locked(self) -> None:
        self.idle.stop()
        name = self.session.path.name if self.session.path else "The register"
        self.locked_page.detail.setText(
            f"{name} was locked: it is closed and its key has been removed from memory. "
            "Unlock it to carry on."
        )
        self.pages.setCurrentIndex(LOCKED)
        self.state_label.setText("Locked")
        self.setWindowTitle(self._title())
        self._update_actions()
        self.locked_page.unlock_button.setFocus()

    def _on_changed(self, changes: object) -> None:
        if "setting" in getattr(changes, "kinds", ()):
            self._read_lock_minutes()
        self.setWindowTitle(self._title())

    def _update_backup_label(self) -> None:
        """The last good backup, and a warning in words when there has been none for a week."""
        if self.session.path is None or self.session.demo:
            self.backup_label.setText("")
            return
        when = latest_backup_time(self.session.path)
        if when is None:
            text = "Warning: no backup yet"
        else:
            days = (dt.datetime.now() - when).days
            text = f"Last backup: {when:%d/%m/%Y %H:%M}"
            if days >= 7:
                text = f"Warning: no backup for {days} days (last {when:%d/%m/%Y})"
        self.backup_label.setText(text)
        self.backup_label.setObjectName("warningText" if text.startswith("Warning") else "")
        self.backup_label.style().polish(self.backup_label)

    def _clipboard_changed(self) -> None:
        """Text this app put on the clipboard (copied from a case) is cleared after 30 s."""
        clipboard = QApplication.clipboard()
        text = clipboard.text()
        if text and self.session.is_open and self.owns_clipboard():
            self._clipboard_text = text
            self.clipboard_timer.start()

    def _clear_clipboard(self) -> None:
        clipboard = QApplication.clipboard()
        if self._clipboard_text and clipboard.text() == self._clipboard_text:
            clipboard.clear()
        self._clipboard_text = ""

    def _on_backed_up(self, message: str) -> None:
        self.statusBar().showMessage(message, 10_000)
        self._update_backup_label()

    def back_up_to(self) -> None:
        """A verified backup in a folder the person chooses (e.g. an encrypted USB stick)."""
        folder = QFileDialog.getExistingDirectory(self, "Back up to a folder", str(start_folder()))
        if folder:
            remember(Path(folder))
            self.back_up_now(Path(folder))

    def back_up_now(self, folder: Path | None = None) -> None:
        """A verified backup now, made on a worker thread while the window shows progress."""
        if not self.session.is_open:
            return
        if self.session.backing_up:
            self.session.wait_for_backup()  # the automatic one first
        if not self.session.start_backup("manual", folder=folder, now=True):
            return
        self.session.wait_for_backup()
        if self.session.last_backup_error:
            QMessageBox.warning(self, "Backup failed", self.session.last_backup_error)
            return
        info = self.session.last_backup
        if info is not None:
            self._on_backed_up(f"Backed up and verified: {info.path}")

    def _backup_started(self, reason: str) -> None:
        what = {"on-open": "Backing up (on opening)", "on-close": "Making the closing backup"}
        self.backup_progress_label.setText(what.get(reason, "Backing up") + "…")
        self.backup_progress.show()
        self.backup_progress_label.show()

    def _backup_done(self) -> None:
        self.backup_progress.hide()
        self.backup_progress_label.hide()

    def _waiting_for_backup(self, waiting: bool) -> None:
        """While locking or quitting waits for a backup: a window-modal progress dialog (the
        window repaints and says why it has not closed yet)."""
        if waiting:
            dialog = QProgressDialog(self)
            dialog.setWindowTitle("Backing up")
            dialog.setLabelText(
                "Making a verified backup of the register before it closes. This takes a "
                "few seconds for a large register."
            )
            dialog.setRange(0, 0)
            dialog.setCancelButton(None)
            dialog.setWindowModality(Qt.WindowModality.WindowModal)
            dialog.reset()  # not shown by itself: shown below if the wait lasts
            self._wait_dialog = dialog

            def show_if_still_waiting() -> None:
                if self._wait_dialog is dialog:
                    dialog.show()

            QTimer.singleShot(250, show_if_still_waiting)  # no flash for a short wait
        elif self._wait_dialog is not None:
            self._wait_dialog.close()
            self._wait_dialog.deleteLater()
            self._wait_dialog = None

    def restore_from_backup(self) -> None:
        """Restore a verified backup in place of this register, keeping the replaced file."""
        from nhsip_desktop.store.backups import backup_folder, restore_backup

        if not self.session.is_open or self.session.path is None:
            return
        path = self.session.path
        key = self.session.register.data_key
        chosen, _ = QFileDialog.getOpenFileName(
            self,
            "Restore from a backup",
            str(backup_folder(path)),
            f"Register backups (*{REGISTER_SUFFIX})",
        )
        if not chosen:
            return
        remember(Path(chosen))
        answer = QMessageBox.question(
            self,
            "Restore this backup?",
            f"The register will be replaced by the backup {Path(chosen).name}. The current file "
            "is kept beside it (named '.replaced-…'), so nothing is lost. Changes made since "
            "the backup will not be in the restored register.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.session.lock()
        try:
            restore_backup(Path(chosen), path, key)
        except RegisterError as exc:
            QMessageBox.warning(self, "Not restored", f"{exc} The register was not changed.")
        self.open_path(path)

    def change_data_key(self) -> None:
        """A new data key through the crash-safe protocol (``ui/key_change.py``)."""
        from .key_change import change_key_in_app

        change_key_in_app(self)

    def show_start(self) -> None:
        self.start_page.refresh()
        self.pages.setCurrentIndex(START)
        self.state_label.setText("No register open")
        self.register_label.setText("")
        self.backup_label.setText("")
        self.setWindowTitle(APP_TITLE)
        self._update_actions()

    # -- commands ---------------------------------------------------------------------
    def go_to(self, row: int) -> None:
        if self.session.is_open:
            self.nav.setCurrentRow(row)

    def find_case(self) -> None:
        self.go_to(0)
        self.cases_page.focus_search()

    def lock(self) -> None:
        if self.session.is_open:
            QApplication.clipboard().clear()
            self.session.lock()

    def unlock_again(self) -> None:
        if self.session.path is None:
            return
        if self.session.demo:
            self.open_demo()
            return
        unlocked = unlock(self.session.path, self)
        if unlocked is not None:
            self.session.attach(unlocked.register)

    def close_register(self) -> None:
        self.session.lock()
        self.session.path = None
        self.show_start()

    def open_path(self, path: Path) -> None:
        if self.session.is_open and _same_file(path, self.session.register.path):
            # Not even the header is read: on Linux and macOS opening and closing the file
            # beside the open connection would drop SQLite's locks on it.
            self.statusBar().showMessage(f"{path.name} is the register already open here.", 10_000)
            return
        unlocked = unlock(path, self)
        if unlocked is not None:
            self.session.demo = False
            self.session.attach(unlocked.register)
            if unlocked.keyring_message:
                self.statusBar().showMessage(unlocked.keyring_message, 10_000)

    def open_register_dialog(self) -> None:
        start = str(start_folder())
        path, _ = QFileDialog.getOpenFileName(
            self, "Open a register", start, f"IP registers (*{REGISTER_SUFFIX});;All files (*)"
        )
        if path:
            self.open_path(Path(path))

    def open_demo(self) -> None:
        from .demo import open_demo_register

        try:
            register = open_demo_register()
        except RegisterError as exc:
            show_open_error(self, exc)
            return
        self.session.demo = True
        self.session.attach(register)

    def new_register(self) -> None:
        from .wizard import NewRegisterWizard

        wizard = NewRegisterWizard(self)
        if wizard.exec() and wizard.created_register is not None:
            self.session.demo = False
            self.session.attach(wizard.created_register)
            message = getattr(wizard, "keyring_message", "")
            if message:
                QMessageBox.information(self, "Register created", message)
            tell_storage_notice(self, wizard.created_register)

    def open_case(self, case_id: int | None) -> CaseEditor | None:
        """Open a case (or a new disclosure when ``case_id`` is None) in the case window."""
        from .case_editor import CaseEditor

        if not self.session.is_open:
            return None
        try:
            editor = CaseEditor(self.session, case_id, self)
        except RegisterError as exc:
            QMessageBox.warning(self, "Case not found", str(exc))
            return None
        editor.show()
        editor.raise_()
        editor.activateWindow()
        return editor

    def import_cases(self) -> None:
        from .import_dialog import ImportDialog

        if self.session.is_open:
            ImportDialog(self.session.register, self).exec()

    def save_blank_form(self) -> None:
        """The fillable form staff complete and send back (no register content on it)."""
        from .form_import_dialog import BlankFormDialog

        if self.session.is_open:
            BlankFormDialog(self.session.register, self).exec()

    def import_disclosure_form(self) -> None:
        """A completed staff disclosure form becomes a case (views refresh on "changed")."""
        from .form_import_dialog import FormImportDialog

        if self.session.is_open:
            FormImportDialog(self.session.register, self).exec()

    def new_disclosure(self) -> CaseEditor | None:
        self.go_to(0)
        return self.open_case(None)

    def open_settings(self) -> None:
        from .settings_dialog import SettingsDialog

        if not self.session.is_open:
            return
        dialog = SettingsDialog(self.session, self)
        if dialog.exec():
            register: Register = self.session.register
            register.actor = current_actor()
            self.setWindowTitle(self._title())

    def about_guidance(self) -> None:
        """F1: the guidance in brief, open at the step the current area serves."""
        from .guidance_help import GuidanceDialog

        row = self.nav.currentRow() if self.session.is_open else 0
        reference = AREAS[row].help_reference if 0 <= row < len(AREAS) else "Step 4"
        GuidanceDialog(reference, self).exec()

    def about(self) -> None:
        QMessageBox.about(
            self,
            "About",
            f"{APP_TITLE} (nhsip-desktop) version {__version__}.\n\n"
            "An offline, encrypted register for managing IP in NHS organisations. "
            "It is not an NHS England or DHSC product.",
        )

    def closeEvent(self, event: QCloseEvent) -> None:
        self.idle.stop()
        self.session.lock()
        event.accept()


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or a.samefile(b)
    except OSError:
        return False
