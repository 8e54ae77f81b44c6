"""Windows and dialogs sized to fit the screen they open on (issue 20 item 4).

A trust laptop has a 1366x768 screen, less a 40 px task bar: 728 px of work area, of which a
window's title bar takes about 30 more. ``fit_to_screen`` gives a window the size it asks for,
or less where the work area is smaller; its layout must then still fit (its minimum size is
checked against that work area in ``tests/test_layout_fits.py``).
"""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QWidget

# The smallest work area the app is made for: 1366x768 less a 40 px task bar.
LAPTOP_WORK_AREA = (1366, 728)
TITLE_BAR = 30  # a window's title bar and frame, drawn by the system outside the widget
FRAME = 8


def fit_to_screen(window: QWidget, width: int, height: int) -> None:
    """Resize ``window`` to ``width`` x ``height``, or less to fit the work area of its screen."""
    screen = window.screen() or QApplication.primaryScreen()
    if screen is not None:
        free = screen.availableGeometry()
        width = min(width, free.width() - 2 * FRAME)
        height = min(height, free.height() - TITLE_BAR - FRAME)
    window.resize(width, height)  # never below the layout's minimum: Qt sees to that
