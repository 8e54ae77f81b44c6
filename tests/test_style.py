"""The look follows the user: contrast in the default palette, a high-contrast (dark)
palette left to the system, and font sizes that follow the system's font size."""

from __future__ import annotations

import re

import pytest
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QLabel

from nhsip_desktop.core.resources import resource_path
from nhsip_desktop.ui.app import make_app
from nhsip_desktop.ui.style import apply_style


def _luminance(colour: QColor) -> float:
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(colour.redF())
        + 0.7152 * channel(colour.greenF())
        + 0.0722 * channel(colour.blueF())
    )


def contrast(a: QColor, b: QColor) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


PAIRS = [
    (QPalette.ColorRole.WindowText, QPalette.ColorRole.Window),
    (QPalette.ColorRole.Text, QPalette.ColorRole.Base),
    (QPalette.ColorRole.ButtonText, QPalette.ColorRole.Button),
    (QPalette.ColorRole.HighlightedText, QPalette.ColorRole.Highlight),
    (QPalette.ColorRole.ToolTipText, QPalette.ColorRole.ToolTipBase),
]


def test_default_palette_and_stylesheet_colours_have_enough_contrast(qtbot: object) -> None:
    app = make_app()
    palette = app.palette()
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        for fg, bg in PAIRS:
            ratio = contrast(palette.color(group, fg), palette.color(group, bg))
            assert ratio >= 4.5, f"{fg.name} on {bg.name}: {ratio:.1f}:1"
    # Every text colour in the style sheet, on its own background or the window's.
    sheet = resource_path("styles", "app.qss").read_text(encoding="utf-8")
    window = palette.color(QPalette.ColorRole.Window)
    checked = 0
    for rule in re.findall(r"([^{}]+)\{([^}]*)\}", sheet):
        selector, body = rule
        text = re.search(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{6})", body)
        if not text:
            continue
        background = re.search(r"background(?:-color)?:\s*(#[0-9a-fA-F]{6})", body)
        bg = QColor(background.group(1)) if background else window
        ratio = contrast(QColor(text.group(1)), bg)
        assert ratio >= 4.5, f"{selector.strip()}: {ratio:.1f}:1"
        checked += 1
    assert checked >= 5


def _high_contrast_palette() -> QPalette:
    palette = QPalette()
    black, white, yellow, cyan = (QColor(c) for c in ("#000000", "#ffffff", "#ffff00", "#00ffff"))
    for role, colour in {
        QPalette.ColorRole.Window: black,
        QPalette.ColorRole.WindowText: white,
        QPalette.ColorRole.Base: black,
        QPalette.ColorRole.AlternateBase: black,
        QPalette.ColorRole.Text: white,
        QPalette.ColorRole.Button: black,
        QPalette.ColorRole.ButtonText: white,
        QPalette.ColorRole.Highlight: cyan,
        QPalette.ColorRole.HighlightedText: black,
        QPalette.ColorRole.ToolTipBase: black,
        QPalette.ColorRole.ToolTipText: yellow,
        QPalette.ColorRole.PlaceholderText: yellow,
    }.items():
        palette.setColor(role, colour)
    return palette


def test_high_contrast_palette_is_followed_without_hard_coded_colours(qtbot: object) -> None:
    app = make_app()
    saved_palette, saved_sheet = app.palette(), app.styleSheet()
    try:
        app.setPalette(_high_contrast_palette())
        apply_style(app)
        sheet = app.styleSheet()
        assert not re.search(r"(?<![-\w])color:|background", sheet), (
            "a high-contrast palette must not be overridden by the style sheet's colours"
        )
        label = QLabel("Heading")
        label.setObjectName("heading")
        qtbot.addWidget(label)  # type: ignore[attr-defined]
        label.ensurePolished()
        ratio = contrast(
            label.palette().color(QPalette.ColorRole.WindowText),
            label.palette().color(QPalette.ColorRole.Window),
        )
        assert ratio >= 7, f"{ratio:.1f}:1"
    finally:
        app.setPalette(saved_palette)
        apply_style(app)
        assert app.styleSheet() == saved_sheet


def test_fonts_follow_the_system_font_size(qtbot: object) -> None:
    app = make_app()
    saved = app.font()
    try:
        for size in (10.0, 16.0):
            font = QFont(saved)
            font.setPointSizeF(size)
            app.setFont(font)
            apply_style(app)
            body = QLabel("Body")
            heading = QLabel("Heading")
            heading.setObjectName("heading")
            for w in (body, heading):
                qtbot.addWidget(w)  # type: ignore[attr-defined]
                w.ensurePolished()
            assert body.font().pointSizeF() == pytest.approx(size)
            assert heading.font().pointSizeF() > size  # headings scale with the base size
    finally:
        app.setFont(saved)
        apply_style(app)
