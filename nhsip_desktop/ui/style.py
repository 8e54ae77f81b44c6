"""The app's look: Fusion, the system palette, and one stylesheet from resources/styles.

Sizes in style sheets are written in ``rem`` (a multiple of the system's font size), which
:func:`sheet` turns into points, so the app follows the user's font size. Colours in style
sheets are for the default light palette only: under a high-contrast or dark system theme
they are left out and the system palette rules, so text keeps the contrast the user chose.
"""

from __future__ import annotations

import re

from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QPlainTextEdit,
    QProxyStyle,
    QTextEdit,
)

from nhsip_desktop.core.resources import resource_path

# The app's selection colour in the light palette: white on it is 8.6:1 (Fusion's default
# blue gives only 3.7:1).
SELECTION = "#1d4f7a"

_state = {"base_pt": 9.0, "system_colours": False}

_REM = re.compile(r"(\d+(?:\.\d+)?)rem\b")
_HEX = r"#[0-9a-fA-F]{3,8}\b"
_COLOUR_DECLARATION = re.compile(
    r"(?<![-\w])(?:color|background(?:-color)?|gridline-color|selection-[\w-]+)\s*:[^;{}]*;?"
)
_BORDER_COLOUR = re.compile(rf"((?<![-\w])border(?:-[a-z]+)*\s*:[^;{{}}]*?){_HEX}")


def prefers_system_colours(app: QGuiApplication) -> bool:
    """True under a dark system theme, which includes Windows' black high-contrast themes:
    then the system palette rules. (Qt's contrast-preference hint is not used: PySide6 frees
    the object it returns, and a later call crashes.) A white high-contrast theme keeps our
    colours, which are dark on light and meet WCAG AA."""
    return app.palette().color(QPalette.ColorRole.Window).lightness() < 128


def sheet(text: str) -> str:
    """A style sheet made fit for the current system: rem sizes in points, and no colours of
    ours under a high-contrast or dark theme (borders then take the palette's text colour)."""
    base = _state["base_pt"]
    assert isinstance(base, float)
    text = _REM.sub(lambda m: f"{float(m.group(1)) * base:.1f}pt", text)
    if _state["system_colours"]:
        text = _COLOUR_DECLARATION.sub("", text)
        text = _BORDER_COLOUR.sub(r"\1palette(window-text)", text)
    return text


def apply_style(app: QApplication) -> None:
    app.setStyle(KeyboardPolicy("Fusion"))
    _state["base_pt"] = float(app.font().pointSizeF() if app.font().pointSizeF() > 0 else 9.0)
    system_colours = prefers_system_colours(app)
    _state["system_colours"] = system_colours
    if not system_colours:
        palette = app.palette()
        for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
            palette.setColor(group, QPalette.ColorRole.Highlight, QColor(SELECTION))
            palette.setColor(group, QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
        app.setPalette(palette)
    path = resource_path("styles", "app.qss")
    app.setStyleSheet(sheet(path.read_text(encoding="utf-8")) if path.exists() else "")


class KeyboardPolicy(QProxyStyle):
    """One app-wide rule instead of a setting repeated on every widget: Tab always moves on.

    Tables and lists keep the arrow keys for moving between cells, but Tab leaves them; a
    multi-line text field takes Tab as "next field", not as a tab character (Ctrl+Tab still
    types one). It is the app's style (Fusion underneath, set by :func:`apply_style`) and
    acts as each widget is polished, so new windows and dialogs get it too, at no cost per
    event (an app-wide Python event filter cost about 45 ms on every case window opened).
    ``tests/test_accessibility.py`` walks every screen to prove it.
    """

    def polish(self, target: object) -> object:  # type: ignore[override]
        if isinstance(target, QAbstractItemView):
            target.setTabKeyNavigation(False)
        elif isinstance(target, QPlainTextEdit | QTextEdit):
            target.setTabChangesFocus(True)
        return super().polish(target)  # type: ignore[call-overload]
