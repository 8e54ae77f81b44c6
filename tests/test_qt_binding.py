"""Guard against a Qt binding that corrupts Python's reference counts.

PySide6 6.12.0 under Python 3.11 drops a reference to None on every call of a Qt method that
returns nothing (QLabel.setText, QPainter.drawLine ...); a few thousand calls later Python
aborts with "none_dealloc". A desktop session makes millions of such calls, so the pin in
pyproject.toml keeps that release out, and this test fails if it ever comes back.
"""

from __future__ import annotations

import sys
from typing import Any


def test_void_qt_calls_keep_none_alive(qtbot: Any) -> None:
    from PySide6.QtWidgets import QLabel

    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for _ in range(2000):
        label.setText("x")
        label.setObjectName("y")
    assert sys.getrefcount(None) - before > -100
