"""The "Create a new IP register" wizard: organisation, location, recovery key, key check.

Nothing is written to disk until the last page is accepted: the data key is made in memory
on the recovery key page, shown as a recovery key to print or save, and checked by asking
for one group back. Only then is the register created (``Register.create`` builds it under a
temporary name, so a failure leaves nothing behind), its key put in the keyring and the
per-user settings updated.

    wizard = NewRegisterWizard(parent)
    if wizard.exec() == QDialog.DialogCode.Accepted:
        register = wizard.created_register   # open; the caller owns it
        message = wizard.keyring_message     # tell the user whether the keyring worked
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from pathlib import Path
from typing import ClassVar

from PySide6.QtCore import QStandardPaths, Qt
from PySide6.QtGui import QColor, QFont, QFontDatabase, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QStyle,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from nhsip_desktop.app.appconfig import AppConfig, os_user
from nhsip_desktop.app.locations import (
    cloud_sync_warning,
    default_register_folder,
    suggest_register_path,
)
from nhsip_desktop.core.drives import path_length_problem
from nhsip_desktop.core.keyfile import recovery_key_text, write_private_file
from nhsip_desktop.reports.atomic import ReportWriteError
from nhsip_desktop.reports.recovery_sheet import write_recovery_sheet
from nhsip_desktop.store.audit import Actor
from nhsip_desktop.store.errors import RegisterError
from nhsip_desktop.store.header import new_register_id
from nhsip_desktop.store.recovery import (
    GROUP_COUNT,
    encode_recovery_key,
    normalise_group,
    recovery_key_groups,
)
from nhsip_desktop.store.register import REGISTER_SUFFIX, Register
from nhsip_desktop.store.signing import fingerprint_of, new_private_key, public_key_of
from nhsip_desktop.store.unlock import store_in_keyring

from .style import sheet

ODS_CODE_PATTERN = re.compile(r"[A-Z0-9]{3,5}")
_INVALID_FILE_CHARACTERS = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


# -- small building blocks -------------------------------------------------------------------
class MessageBox(QFrame):
    """An inline message: an icon and word-wrapped text in a softly coloured box.

    The text always says what kind of message it is in words (the caller's text begins with
    "Warning:" or explains the problem), so nothing depends on colour alone.
    """

    _COLOURS: ClassVar[dict[str, tuple[str, str]]] = {
        "warning": ("#fff4ce", "#c8a600"),
        "error": ("#fde7e9", "#c50f1f"),
        "info": ("#eef4fb", "#6b8fbf"),
    }
    _ICONS: ClassVar[dict[str, QStyle.StandardPixmap]] = {
        "warning": QStyle.StandardPixmap.SP_MessageBoxWarning,
        "error": QStyle.StandardPixmap.SP_MessageBoxCritical,
        "info": QStyle.StandardPixmap.SP_MessageBoxInformation,
    }

    def __init__(self, kind: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        background, border = self._COLOURS[kind]
        self.setObjectName("messageBox")
        self.setStyleSheet(
            sheet(
                f"QFrame#messageBox {{ background: {background}; border: 1px solid {border};"
                " border-radius: 4px; }"
                " QFrame#messageBox QLabel { background: transparent; color: #1b1b1b; }"
            )
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.setSpacing(10)
        self.icon = QLabel(self)
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize) + 8
        self.icon.setPixmap(self.style().standardIcon(self._ICONS[kind]).pixmap(size, size))
        self.icon.setAccessibleName(kind.capitalize())
        layout.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignVCenter)
        self.text = QLabel(self)
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.text.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        layout.addWidget(self.text, 1)
        self.hide()

    def show_text(self, text: str) -> None:
        self.text.setText(text)
        self.setAccessibleName(text)
        self.show()

    def clear(self) -> None:
        self.text.clear()
        self.hide()


def _hint(text: str) -> QLabel:
    """Secondary help text: word-wrapped, a little softer than the text (still high contrast)."""
    label = QLabel(text)
    label.setWordWrap(True)
    palette = label.palette()
    text_colour = palette.color(QPalette.ColorRole.WindowText)
    background = palette.color(QPalette.ColorRole.Window)
    mixed = QColor(
        round(text_colour.red() * 0.75 + background.red() * 0.25),
        round(text_colour.green() * 0.75 + background.green() * 0.25),
        round(text_colour.blue() * 0.75 + background.blue() * 0.25),
    )
    palette.setColor(QPalette.ColorRole.WindowText, mixed)
    label.setPalette(palette)
    return label


def _field_label(text: str, buddy: QWidget) -> QLabel:
    label = QLabel(text)
    label.setBuddy(buddy)
    return label


_GROUP_GAP = 16  # between one labelled field (with its help) and the next


def _add_field(
    layout: QVBoxLayout, label: str, field: QWidget, hint: str = "", *, gap: bool = True
) -> QLabel:
    """Add a label (buddy of ``field``), the field and optional help text, top to bottom."""
    title = _field_label(label, field)
    layout.addWidget(title)
    layout.addSpacing(4)
    layout.addWidget(field)
    if hint:
        layout.addSpacing(3)
        layout.addWidget(_hint(hint))
    if gap:
        layout.addSpacing(_GROUP_GAP)
    return title


def _upper_case_as_typed(edit: QLineEdit) -> None:
    """Show what is typed in capitals, keeping the cursor where it was."""

    def on_edited(text: str) -> None:
        upper = text.upper()
        if upper != text:
            position = edit.cursorPosition()
            edit.setText(upper)
            edit.setCursorPosition(position)

    edit.textEdited.connect(on_edited)


def _documents_folder() -> Path:
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(location) if location else Path.home()


# -- page 1: the organisation ------------------------------------------------------------------
class OrganisationPage(QWizardPage):
    def __init__(self, display_name: str) -> None:
        super().__init__()
        self.setTitle("About your organisation")
        self.setSubTitle(
            "The register will hold confidential disclosures. It is encrypted and kept on "
            "this computer."
        )

        self.organisation_edit = QLineEdit()
        self.organisation_edit.setAccessibleName("Organisation name")
        self.organisation_edit.setPlaceholderText("For example, Example NHS Foundation Trust")
        self.ods_edit = QLineEdit()
        self.ods_edit.setAccessibleName("ODS code (optional)")
        self.ods_edit.setMaximumWidth(140)
        _upper_case_as_typed(self.ods_edit)
        self.display_name_edit = QLineEdit(display_name)
        self.display_name_edit.setAccessibleName("Your name")
        self.ods_message = MessageBox("error")

        layout = QVBoxLayout(self)
        layout.setSpacing(0)
        _add_field(
            layout,
            "&Organisation name",
            self.organisation_edit,
            "As it should appear on reports and agreements.",
        )
        _add_field(
            layout,
            "O&DS code (optional)",
            self.ods_edit,
            "Your organisation's code from the NHS Organisation Data Service, for example RXX "
            "or 5A8. Leave it blank if you do not know it.",
        )
        layout.addWidget(self.ods_message)
        layout.addSpacing(_GROUP_GAP)
        _add_field(
            layout,
            "&Your name",
            self.display_name_edit,
            "Recorded in the audit trail next to each change you make.",
        )
        layout.addStretch(1)

        for edit in (self.organisation_edit, self.ods_edit, self.display_name_edit):
            edit.textChanged.connect(self._changed)
        self.ods_edit.editingFinished.connect(self._show_ods_problem)

    @property
    def organisation(self) -> str:
        return " ".join(self.organisation_edit.text().split())

    @property
    def ods_code(self) -> str:
        return self.ods_edit.text().strip().upper()

    @property
    def display_name(self) -> str:
        return " ".join(self.display_name_edit.text().split())

    def ods_code_valid(self) -> bool:
        return not self.ods_code or ODS_CODE_PATTERN.fullmatch(self.ods_code) is not None

    def _show_ods_problem(self) -> None:
        if self.ods_code_valid():
            self.ods_message.clear()
        else:
            self.ods_message.show_text(
                "That does not look like an ODS code: it should be 3 to 5 letters or digits, "
                "for example RXX or 5A8. Correct it or leave it blank."
            )

    def _changed(self) -> None:
        code = self.ods_code
        # Clear a message as soon as the code is right; complain while typing only about
        # something that cannot become right by typing more.
        if self.ods_code_valid() or len(code) > 5 or re.search(r"[^A-Z0-9]", code):
            self._show_ods_problem()
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return bool(self.organisation and self.display_name and self.ods_code_valid())

    def validatePage(self) -> bool:
        self._show_ods_problem()
        return self.isComplete()


# -- page 2: where to keep it -------------------------------------------------------------------
class LocationPage(QWizardPage):
    def __init__(self, default_folder: Path) -> None:
        super().__init__()
        self.default_folder = default_folder
        self.setTitle("Where to keep the register")
        self.setSubTitle(
            "Keep it in a folder on this computer. The suggested folder is private to your "
            "user account."
        )

        self.folder_edit = QLineEdit(str(default_folder))
        self.folder_edit.setAccessibleName("Folder")
        self.choose_button = QPushButton("C&hoose folder…")
        self.choose_button.setAccessibleName("Choose folder")
        self.name_edit = QLineEdit()
        self.name_edit.setAccessibleName("File name")
        self.warning_box = MessageBox("warning")
        self.risk_check = QCheckBox("I understand the risk and want to &keep it here anyway")
        self.risk_check.setAccessibleName("I understand the risk and want to keep it here anyway")
        self.risk_check.hide()
        self.problem_box = MessageBox("error")

        folder_row = QWidget()
        row = QHBoxLayout(folder_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.folder_edit, 1)
        row.addWidget(self.choose_button)
        layout = QVBoxLayout(self)
        layout.setSpacing(0)
        folder_label = _add_field(layout, "&Folder", folder_row)
        folder_label.setBuddy(self.folder_edit)
        _add_field(
            layout,
            "File na&me",
            self.name_edit,
            "Made from your organisation's name. You can change it if you wish.",
        )
        layout.addWidget(self.warning_box)
        layout.addSpacing(6)
        layout.addWidget(self.risk_check)
        layout.addWidget(self.problem_box)
        layout.addStretch(1)

        self.organisation = ""  # from the first page, set when this page is shown
        self._name_edited = False
        self._warning: str | None = None
        self._problem = ""
        self.choose_button.clicked.connect(self._choose_folder)
        self.folder_edit.textChanged.connect(self._folder_changed)
        self.name_edit.textEdited.connect(self._name_typed)
        self.name_edit.textChanged.connect(self._refresh)
        self.risk_check.toggled.connect(lambda _checked: self.completeChanged.emit())

    def initializePage(self) -> None:
        wizard = self.wizard()
        if isinstance(wizard, NewRegisterWizard):
            self.organisation = wizard.organisation_page.organisation
        self._suggest_name()
        self._refresh()

    # -- reading the page -------------------------------------------------------------
    @property
    def folder(self) -> Path | None:
        text = self.folder_edit.text().strip().strip('"')
        if not text:
            return None
        folder = Path(text).expanduser()
        return folder if folder.is_absolute() else None

    @property
    def file_name(self) -> str:
        name = self.name_edit.text().strip()
        if name and not name.lower().endswith(REGISTER_SUFFIX):
            name += REGISTER_SUFFIX
        return name

    @property
    def target(self) -> Path | None:
        folder, name = self.folder, self.file_name
        if folder is None or not name or _INVALID_FILE_CHARACTERS.search(name):
            return None
        return folder / name

    def uses_default_folder(self) -> bool:
        folder = self.folder
        return folder is not None and folder == self.default_folder

    # -- reacting to changes ----------------------------------------------------------
    def _choose_folder(self) -> None:
        start = self.folder if self.folder and self.folder.is_dir() else Path.home()
        chosen = QFileDialog.getExistingDirectory(
            self, "Choose a folder for the register", str(start)
        )
        if chosen:
            self.folder_edit.setText(str(Path(chosen)))

    def _name_typed(self, _text: str) -> None:
        self._name_edited = True

    def _suggest_name(self) -> None:
        if self._name_edited:
            return
        folder = self.folder or self.default_folder
        self.name_edit.setText(suggest_register_path(folder, self.organisation).name)

    def _folder_changed(self) -> None:
        self._suggest_name()
        self._refresh()

    def _refresh(self) -> None:
        folder = self.folder
        warning = cloud_sync_warning(folder) if folder is not None else None
        self._warning = warning
        if warning:
            self.warning_box.show_text(f"Warning: {warning}")
            self.risk_check.show()
        else:
            self.warning_box.clear()
            self.risk_check.setChecked(False)
            self.risk_check.hide()
        self._problem = self._find_problem()
        if self._problem:
            self.problem_box.show_text(self._problem)
        else:
            self.problem_box.clear()
        self.completeChanged.emit()

    def _find_problem(self) -> str:
        folder = self.folder
        if folder is None:
            return "Type the full path of a folder, or use Choose folder…"
        if folder.exists() and not folder.is_dir():
            return f"{folder} is a file, not a folder. Choose a folder."
        if not folder.exists() and folder != self.default_folder:
            return f"The folder {folder} does not exist. Choose an existing folder."
        name = self.file_name
        if not name:
            return "Type a file name for the register."
        if _INVALID_FILE_CHARACTERS.search(name):
            return 'A file name cannot contain any of these characters: \\ / : * ? " < > |'
        target = folder / name
        if target.exists():
            return (
                f"There is already a file called {name} in this folder. A new register never "
                "replaces an existing file: choose another name or folder."
            )
        return path_length_problem(target) or ""

    def isComplete(self) -> bool:
        if self._find_problem():
            return False
        return self._warning is None or self.risk_check.isChecked()

    def validatePage(self) -> bool:
        # Check again: a file may have appeared since the page was last refreshed.
        self._refresh()
        return self.isComplete()


# -- page 3: the recovery key -------------------------------------------------------------------
class RecoveryKeyPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Your recovery key")
        self.setSubTitle(
            "This key opens the register if this computer's keyring is lost, for example "
            "when the laptop is replaced."
        )
        self.data_key: bytes | None = None

        explanation = QLabel(
            "Print the recovery key sheet, or save it and print it, then keep the paper "
            "somewhere safe away from this laptop, such as a locked drawer or the trust's safe. "
            "Anyone with this key and a copy of the register can read every case in it."
        )
        explanation.setWordWrap(True)

        self.key_label = QLabel()
        self.key_label.setTextFormat(Qt.TextFormat.RichText)
        self.key_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.key_label.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.key_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.key_label.setAccessibleName("Recovery key")
        key_frame = QFrame()
        key_frame.setObjectName("keyFrame")
        key_frame.setStyleSheet(
            "QFrame#keyFrame { background: palette(base); border: 1px solid palette(mid);"
            " border-radius: 4px; }"
        )
        frame_layout = QVBoxLayout(key_frame)
        frame_layout.setContentsMargins(12, 10, 12, 10)
        frame_layout.addWidget(self.key_label, 0, Qt.AlignmentFlag.AlignHCenter)

        self.pdf_button = QPushButton("Save recovery key &sheet (PDF)…")
        self.pdf_button.setAccessibleName("Save recovery key sheet (PDF)")
        self.text_button = QPushButton("Save as &text file…")
        self.text_button.setAccessibleName("Save as text file")
        self.saved_box = MessageBox("info")
        self.stored_check = QCheckBox("I have &printed or safely stored the recovery key")
        self.stored_check.setAccessibleName("I have printed or safely stored the recovery key")

        layout = QVBoxLayout(self)
        layout.setSpacing(8)
        layout.addWidget(explanation)
        layout.addSpacing(4)
        layout.addWidget(key_frame)
        layout.addSpacing(4)
        buttons = QHBoxLayout()
        buttons.addWidget(self.pdf_button)
        buttons.addWidget(self.text_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        layout.addWidget(self.saved_box)
        layout.addStretch(1)
        layout.addWidget(self.stored_check)

        self.pdf_button.clicked.connect(self._save_pdf)
        self.text_button.clicked.connect(self._save_text)
        self.stored_check.toggled.connect(lambda _checked: self.completeChanged.emit())

    def ensure_key(self) -> bytes:
        """The new register's data key, made once (in memory only) and kept for the wizard."""
        if self.data_key is None:
            self.data_key = secrets.token_bytes(32)
        return self.data_key

    @property
    def recovery_key(self) -> str:
        return encode_recovery_key(self.ensure_key())

    def initializePage(self) -> None:
        groups = recovery_key_groups(self.recovery_key)
        family = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont).family()
        cells = []
        for index, group in enumerate(groups, start=1):
            cells.append(
                f'<td align="right" valign="middle" style="padding: 6px 6px 6px 14px;">'
                f'<span style="font-size: 10pt; color: #505050;">{index}</span></td>'
                f'<td valign="middle" style="padding: 6px 14px 6px 0;">'
                f"<span style=\"font-family: '{family}'; font-size: 19pt; "
                f'font-weight: 600;">{group}</span></td>'
            )
        columns = 4
        rows = [
            "<tr>" + "".join(cells[i : i + columns]) + "</tr>"
            for i in range(0, GROUP_COUNT, columns)
        ]
        self.key_label.setText('<table cellspacing="0">' + "".join(rows) + "</table>")
        self.key_label.setAccessibleDescription(
            ", ".join(f"group {i}: {' '.join(g)}" for i, g in enumerate(groups, start=1))
        )

    # -- saving ---------------------------------------------------------------------------
    def _wizard(self) -> NewRegisterWizard:
        wizard = self.wizard()
        assert isinstance(wizard, NewRegisterWizard)
        return wizard

    def _save_pdf(self) -> None:
        wizard = self._wizard()
        planned = wizard.planned_path
        suggested = _documents_folder() / f"{planned.stem} recovery key.pdf"
        chosen, _filter = QFileDialog.getSaveFileName(
            self, "Save the recovery key sheet", str(suggested), "PDF files (*.pdf)"
        )
        if not chosen:
            return
        target = Path(chosen)
        if target.suffix.lower() != ".pdf":
            target = target.with_name(target.name + ".pdf")
        try:
            write_recovery_sheet(
                target,
                recovery_key=self.recovery_key,
                organisation=wizard.organisation_page.organisation,
                register_name=planned.name,
                register_id=wizard.register_id,
                created=dt.date.today(),
                signing_fingerprint=fingerprint_of(public_key_of(wizard.signing_key)),
            )
        except (ReportWriteError, OSError) as exc:
            self._show_save_error(exc)
            return
        self.saved_box.show_text(
            f"Saved the recovery key sheet to {target}. Print it, keep the paper safe and "
            "then delete the file."
        )

    def _save_text(self) -> None:
        wizard = self._wizard()
        planned = wizard.planned_path
        suggested = _documents_folder() / f"{planned.stem} recovery key.txt"
        chosen, _filter = QFileDialog.getSaveFileName(
            self,
            "Save the recovery key as a text file",
            str(suggested),
            "Text files (*.txt)",
            options=QFileDialog.Option.DontConfirmOverwrite,
        )
        if not chosen:
            return
        target = Path(chosen)
        if not target.suffix:
            target = target.with_name(target.name + ".txt")
        text = recovery_key_text(
            self.recovery_key,
            register_path=planned,
            register_id=wizard.register_id,
            organisation=wizard.organisation_page.organisation,
        )
        try:
            write_private_file(target, text)
        except (ReportWriteError, OSError) as exc:  # FileExistsError is an OSError
            self._show_save_error(exc)
            return
        self.saved_box.show_text(
            f"Saved the recovery key to {target}. Print it or move it somewhere safe away "
            "from this laptop, then delete the file."
        )

    def _show_save_error(self, exc: BaseException) -> None:
        QMessageBox.warning(self, "Recovery key not saved", str(exc))

    def isComplete(self) -> bool:
        return self.stored_check.isChecked()

    def validatePage(self) -> bool:
        return self.isComplete()


# -- page 4: checking the key ---------------------------------------------------------------------
class CheckKeyPage(QWizardPage):
    def __init__(self, group_number: int) -> None:
        super().__init__()
        self.group_number = group_number
        self.setTitle("Check the recovery key")
        self.setSubTitle(
            "To make sure you can read your copy, type one group of it back. "
            "The register is created when you finish."
        )
        self.group_edit = QLineEdit()
        self.group_edit.setAccessibleName(f"Group {group_number} of your recovery key")
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSize(max(font.pointSize(), 10) + 6)
        font.setWeight(QFont.Weight.DemiBold)
        self.group_edit.setFont(font)
        self.group_edit.setMaxLength(12)
        self.group_edit.setTextMargins(6, 3, 6, 3)
        self.group_edit.setFixedWidth(self.group_edit.fontMetrics().horizontalAdvance("W") * 9)
        _upper_case_as_typed(self.group_edit)
        self.mismatch_box = MessageBox("error")

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        layout = QVBoxLayout(self)
        layout.setSpacing(0)
        self.prompt = prompt = _add_field(
            layout,
            f"&Type group {group_number} of your recovery key",
            self.group_edit,
            "Type it from your printed sheet or saved file. Groups are numbered from 1, "
            "left to right.",
        )
        prompt.setWordWrap(True)
        prompt_font = prompt.font()
        prompt_font.setPointSizeF(prompt_font.pointSizeF() * 1.15)
        prompt_font.setWeight(QFont.Weight.DemiBold)
        prompt.setFont(prompt_font)
        layout.addWidget(self.mismatch_box)
        layout.addStretch(1)
        layout.addWidget(self.summary)

        self.group_edit.textChanged.connect(self._changed)

    def initializePage(self) -> None:
        wizard = self.wizard()
        if isinstance(wizard, NewRegisterWizard):
            path = wizard.planned_path
            self.summary.setText(
                f"When you choose Create register, the new register is saved as:\n{path}"
            )

    def expected_group(self) -> str:
        wizard = self.wizard()
        assert isinstance(wizard, NewRegisterWizard)
        return recovery_key_groups(wizard.recovery_key)[self.group_number - 1]

    def typed_group(self) -> str:
        return normalise_group(self.group_edit.text())

    def matches(self) -> bool:
        return self.typed_group() == self.expected_group()

    def _show_mismatch(self) -> None:
        self.mismatch_box.show_text(
            f"That does not match group {self.group_number}. Look at your printed sheet "
            "and try again."
        )

    def _changed(self) -> None:
        typed = self.typed_group()
        if len(typed) >= len(self.expected_group()) and not self.matches():
            self._show_mismatch()
        else:
            self.mismatch_box.clear()
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self.matches()

    def validatePage(self) -> bool:
        if self.matches():
            self.mismatch_box.clear()
            return True
        self._show_mismatch()
        return False


# -- the wizard -----------------------------------------------------------------------------------
class NewRegisterWizard(QWizard):
    """Creates a new, empty register. See the module docstring for the flow."""

    def __init__(self, parent: QWidget | None = None, *, default_folder: Path | None = None):
        super().__init__(parent)
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setWindowTitle("Create a new IP register")
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setButtonText(QWizard.WizardButton.FinishButton, "&Create register")
        self.setMinimumSize(680, 520)

        config = AppConfig.load()
        self.default_folder = default_folder or default_register_folder()
        self.check_group: int = secrets.randbelow(GROUP_COUNT) + 1
        # Chosen now so the recovery sheet printed before creation carries the real id.
        self.register_id = new_register_id()
        # Likewise the register's signing key pair, whose fingerprint the sheet prints.
        self.signing_key = new_private_key()

        self.created_register: Register | None = None
        self.created_path: Path | None = None
        self.keyring_message = ""
        self.settings_message = ""

        self.organisation_page = OrganisationPage(config.display_name)
        self.location_page = LocationPage(self.default_folder)
        self.recovery_page = RecoveryKeyPage()
        self.check_page = CheckKeyPage(self.check_group)
        for page in (
            self.organisation_page,
            self.location_page,
            self.recovery_page,
            self.check_page,
        ):
            self.addPage(page)

    @property
    def recovery_key(self) -> str:
        """The recovery key for the register this wizard will create (for the key check)."""
        return self.recovery_page.recovery_key

    @property
    def planned_path(self) -> Path:
        """Where the register will be created (as chosen on the location page)."""
        target = self.location_page.target
        if target is None:
            return suggest_register_path(self.default_folder, self.organisation_page.organisation)
        return target

    def accept(self) -> None:
        if self.created_register is None and (not self.validateCurrentPage() or not self._create()):
            return
        super().accept()

    def reject(self) -> None:
        # Nothing was written; drop the key that was never used.
        if self.created_register is None:
            self.recovery_page.data_key = None
        super().reject()

    def _create(self) -> bool:
        path = self.planned_path
        organisation = self.organisation_page.organisation
        display_name = self.organisation_page.display_name
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            if self.location_page.uses_default_folder():
                path.parent.mkdir(parents=True, exist_ok=True)
            register = Register.create(
                path,
                actor=Actor(os_user(), display_name),
                organisation=organisation,
                ods_code=self.organisation_page.ods_code,
                data_key=self.recovery_page.ensure_key(),
                register_id=self.register_id,
                signing_key=self.signing_key,
            )
        except (RegisterError, OSError) as exc:
            QApplication.restoreOverrideCursor()
            QMessageBox.critical(self, "The register was not created", str(exc))
            return False
        try:
            try:
                self.keyring_message = store_in_keyring(register)
            except Exception as exc:  # the register exists: report, never lose it
                self.keyring_message = (
                    f"The key was not stored in this computer's keyring ({exc}). You will "
                    "need the recovery key each time you open this register."
                )
            # Load again: the settings may have changed while the wizard was open.
            config = AppConfig.load()
            config.display_name = display_name
            config.remember(path, register.register_id, organisation)
            try:
                config.save()
            except (OSError, ReportWriteError) as exc:
                self.settings_message = (
                    f"Your name and the list of recent registers could not be saved ({exc})."
                )
        finally:
            QApplication.restoreOverrideCursor()
        self.created_register = register
        self.created_path = path
        return True
