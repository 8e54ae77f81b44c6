"""Reports -> Share with hub…: write the hub pack, after showing what leaves the register.

The preview lists each section with its row count and says whether titles are included
(they are not unless ticked); the pack is then signed by the register, encrypted to the
hub's key file, and recorded in the audit trail (``hub/pack.py``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from nhsip_desktop.hub.pack import PackContents, collect, write_hub_pack
from nhsip_desktop.store.errors import RegisterError

from .session import RegisterSession

__all__ = ["HubShareDialog", "open_hub_share"]


class HubShareDialog(QDialog):
    def __init__(self, session: RegisterSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setWindowTitle("Share with the regional hub")
        self.setModal(True)
        self.written: Path | None = None
        self._contents: PackContents | None = None

        intro = QLabel(
            "The hub sees your cases' stages, dates, kinds of IP, triage outcomes and "
            "routes; deadlines; rights and renewals; agreements' kinds, partners and dates; "
            "money totals by financial year; and the five actions' status. The file is signed "
            "by this register and only the hub can read it."
        )
        intro.setWordWrap(True)
        self.recipient_edit = QLineEdit()
        self.recipient_edit.setAccessibleName("The hub's key file")
        self.recipient_edit.setPlaceholderText("the hub recipient file the hub sent you")
        recipient_button = QPushButton("C&hoose…")
        recipient_button.setAccessibleName("Choose the hub's key file")
        recipient_button.clicked.connect(lambda: self._choose_recipient())
        self.out_edit = QLineEdit()
        self.out_edit.setAccessibleName("Save the pack as")
        today = dt.date.today()
        default = Path.home() / f"hub-pack-{today:%Y-%m-%d}.hubpack"
        self.out_edit.setText(str(default))
        out_button = QPushButton("Ch&oose…")
        out_button.setAccessibleName("Choose where to save the pack")
        out_button.clicked.connect(lambda: self._choose_out())
        self.titles_box = QCheckBox("Include case &titles and summaries (and titles of rights)")
        self.titles_box.toggled.connect(lambda: self.refresh_preview())
        self.preview = QLabel()
        self.preview.setWordWrap(True)
        self.preview.setAccessibleName("What leaves the register")
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setAccessibleName("Problem")

        form = QFormLayout()
        row = QHBoxLayout()
        row.addWidget(self.recipient_edit, 1)
        row.addWidget(recipient_button)
        label = QLabel("The hub's &key file:")
        label.setBuddy(self.recipient_edit)
        form.addRow(label, row)
        row = QHBoxLayout()
        row.addWidget(self.out_edit, 1)
        row.addWidget(out_button)
        label = QLabel("&Save as:")
        label.setBuddy(self.out_edit)
        form.addRow(label, row)

        self.share_button = QPushButton("&Write the pack")
        self.share_button.setDefault(True)
        self.share_button.clicked.connect(lambda: self.share())
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.share_button)
        buttons.addWidget(cancel)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.titles_box)
        self.preview_heading = QLabel("<b>What leaves the register</b>")
        layout.addWidget(self.preview_heading)
        layout.addWidget(self.preview)
        layout.addWidget(self.problem)
        layout.addLayout(buttons)
        self.refresh_preview()
        self.resize(640, self.sizeHint().height())

    def refresh_preview(self) -> None:
        try:
            self._contents = collect(
                self.session.register, include_titles=self.titles_box.isChecked()
            )
        except RegisterError as exc:
            self._contents = None
            self.preview.setText("")
            # No empty "What leaves the register" box above the reason nothing can leave.
            self.preview_heading.hide()
            self.preview.hide()
            self.problem.setText(str(exc))
            self.share_button.setEnabled(False)
            return
        self.problem.setText("")
        self.preview_heading.show()
        self.preview.show()
        self.share_button.setEnabled(True)
        lines = [f"For ODS code {self._contents.ods_code}:", *self._contents.preview_lines()]
        self.preview.setText("\n".join(lines))

    def _choose_recipient(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(self, "The hub's key file")
        if chosen:
            self.recipient_edit.setText(chosen)

    def _choose_out(self) -> None:
        chosen, _ = QFileDialog.getSaveFileName(
            self, "Save the hub pack", self.out_edit.text(), "Hub pack (*.hubpack)"
        )
        if chosen:
            self.out_edit.setText(chosen)

    def share(self) -> Path | None:
        recipient = Path(self.recipient_edit.text().strip())
        out = Path(self.out_edit.text().strip())
        if not self.recipient_edit.text().strip() or not recipient.is_file():
            self.problem.setText("Choose the hub's key file (the hub sends it to you).")
            self.recipient_edit.setFocus()
            return None
        if not self.out_edit.text().strip():
            self.problem.setText("Choose where to save the pack.")
            return None
        if self._contents is None:
            return None
        try:
            self.written = write_hub_pack(self.session.register, self._contents, recipient, out)
        except (RegisterError, OSError) as exc:
            self.problem.setText(str(exc))
            return None
        self.accept()
        return self.written


def open_hub_share(session: RegisterSession, parent: QWidget | None = None) -> Path | None:
    """The dialog (modal); the pack written, if any."""
    if not session.is_open:
        return None
    dialog = HubShareDialog(session, parent)
    dialog.exec()
    written = dialog.written
    dialog.deleteLater()
    return written
