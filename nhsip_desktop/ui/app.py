"""Application start-up (replaced by the full shell in the application-shell issue)."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication, QLabel


def run(*, demo: bool = False, register: Path | None = None) -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    label = QLabel("NHS IP Register: the application shell is being built.")
    label.setMinimumSize(480, 160)
    label.show()
    return int(app.exec())
