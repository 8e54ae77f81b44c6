"""The printed recovery key sheet: one A4 page, to be kept like a BitLocker recovery key.

The sheet shows the register's recovery key as a numbered grid of 12 groups of 5 characters
(so the first-run wizard can ask "type group 7"), the details that identify the register,
plain-English guidance on what the key is and how to keep it, and blanks to record where the
sheet is stored. It is designed to read well in black and white, with no NHS branding.

The key appears only in the page content, never in the PDF's metadata.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import units
from reportlab.lib.colors import black
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from nhsip_desktop.reports import fonts
from nhsip_desktop.reports.atomic import atomic_write_bytes
from nhsip_desktop.reports.fonts import printable
from nhsip_desktop.store.recovery import GROUP_COUNT, recovery_key_groups

__all__ = ["SHEET_TITLE", "write_recovery_sheet"]

SHEET_TITLE = "Register recovery key"
MARKING = "OFFICIAL-SENSITIVE"

mm: float = units.mm  # reportlab is untyped: name the types of the values used in layout.
_PAGE_WIDTH: float = A4[0]
_PAGE_HEIGHT: float = A4[1]
_MARGIN = 20 * mm
_LEFT = _MARGIN
_RIGHT = _PAGE_WIDTH - _MARGIN
_WIDTH = _RIGHT - _LEFT

_GREY = 0.35  # Secondary text: dark enough to survive a poor photocopy.
_RULE_GREY = 0.6

_GRID_COLUMNS = 4
_GRID_ROWS = GROUP_COUNT // _GRID_COLUMNS
_KEY_FONT = fonts.MONO_BOLD
_KEY_SIZE = 20

_BODY = ParagraphStyle(
    "body", fontName=fonts.REGULAR, bulletFontName=fonts.REGULAR, fontSize=9.5, leading=13.2
)
_VALUE = ParagraphStyle("value", fontName=fonts.BOLD, fontSize=10.5, leading=14)

_GUIDANCE = (
    (
        "What this is",
        "The key to the encrypted IP register named above. It opens the register on any "
        "computer, without this laptop's keyring or a passphrase. Anyone who has this key "
        "<b>and</b> a copy of the register can read every case in it.",
    ),
    (
        "When you need it",
        "When the register will not open any other way: the laptop is lost, replaced or "
        "rebuilt, its keyring entry has gone, or a passphrase is forgotten. nhsip-desktop asks "
        "for the groups in order and tells you if a character is mistyped. Every 0 is the "
        "digit zero and every 1 is the digit one: the letters O, I, L and U are never used.",
    ),
    (
        "How to keep it",
        "Keep this sheet in a locked place, apart from the laptop and apart from the backups, "
        "for example in the trust's safe. Never email, scan or photograph it, and never store "
        "it next to the register. If someone else may have seen it, tell your information "
        "governance lead.",
    ),
)


def _draw_marking(canvas: Canvas, y: float, text: str) -> None:
    canvas.setFillColor(black)
    canvas.setFont(fonts.BOLD, 9)
    canvas.drawCentredString(_PAGE_WIDTH / 2, y, text)


_DETAIL_LABEL_WIDTH = 34 * mm
_DETAIL_MAX_LINES = 2


def _detail_paragraph(canvas: Canvas, value: str, width: float) -> Paragraph:
    """``value`` wrapped to at most two lines; longer text is cut short with an ellipsis."""
    value = printable(value)
    text = value
    while True:
        shown = text if text == value else text.rstrip() + "\u2026"
        paragraph = Paragraph(escape(shown), _VALUE)
        _, height = paragraph.wrapOn(canvas, width, _PAGE_HEIGHT)
        if height <= _VALUE.leading * _DETAIL_MAX_LINES + 0.5 or len(text) <= 1:
            return paragraph
        text = text[: max(1, int(len(text) * 0.9))]


def _draw_details(canvas: Canvas, top: float, details: list[tuple[str, str]]) -> float:
    width = _WIDTH - _DETAIL_LABEL_WIDTH
    y = top
    for label, value in details:
        canvas.setFillGray(_GREY)
        canvas.setFont(fonts.REGULAR, 9.5)
        canvas.drawString(_LEFT, y - 10.5, label)
        canvas.setFillColor(black)
        paragraph = _detail_paragraph(canvas, value, width)
        _, height = paragraph.wrapOn(canvas, width, _PAGE_HEIGHT)
        paragraph.drawOn(canvas, _LEFT + _DETAIL_LABEL_WIDTH, y - height)
        y -= height + 5
    return y


def _draw_key_grid(canvas: Canvas, top: float, groups: list[str]) -> float:
    """The key as a framed grid of numbered groups; return the y of the frame's bottom."""
    # Each row: space, "Group n" label, space, the group in large capitals, space. The
    # separators sit halfway between one row's key and the next row's label.
    space = 4 * mm
    label_baseline = space + 2 * mm
    key_baseline = label_baseline + 2.5 * mm + _KEY_SIZE * 0.72
    row_height = key_baseline + space
    padding = 1 * mm
    height = _GRID_ROWS * row_height + 2 * padding
    bottom = top - height
    canvas.setStrokeColor(black)
    canvas.setLineWidth(1.5)
    canvas.roundRect(_LEFT, bottom, _WIDTH, height, 3 * mm, stroke=1, fill=0)

    column_width = _WIDTH / _GRID_COLUMNS
    group_width = canvas.stringWidth(groups[0], _KEY_FONT, _KEY_SIZE)
    canvas.setLineWidth(0.5)
    canvas.setStrokeGray(0.75)
    for index, group in enumerate(groups):
        row, column = divmod(index, _GRID_COLUMNS)
        cell_top = top - padding - row * row_height
        x = _LEFT + column * column_width + (column_width - group_width) / 2
        canvas.setFillGray(_GREY)
        canvas.setFont(fonts.REGULAR, 8)
        canvas.drawString(x, cell_top - label_baseline, f"Group {index + 1}")
        canvas.setFillColor(black)
        canvas.setFont(_KEY_FONT, _KEY_SIZE)
        canvas.drawString(x, cell_top - key_baseline, group)
        if column == 0 and row < _GRID_ROWS - 1:
            y = cell_top - row_height
            canvas.line(_LEFT + 6 * mm, y, _RIGHT - 6 * mm, y)
    canvas.setStrokeColor(black)
    return bottom


def _draw_guidance(canvas: Canvas, top: float) -> float:
    heading_width = 36 * mm
    padding = 4 * mm
    body_width = _WIDTH - heading_width - 2 * padding
    # Measure first so the frame can be drawn behind the text.
    paragraphs = [Paragraph(text, _BODY) for _, text in _GUIDANCE]
    heights: list[float] = [p.wrapOn(canvas, body_width, _PAGE_HEIGHT)[1] for p in paragraphs]
    gap = 3.5 * mm
    height = sum(heights) + gap * (len(heights) - 1) + 2 * padding
    bottom = top - height
    canvas.setLineWidth(0.75)
    canvas.setStrokeColor(black)
    canvas.rect(_LEFT, bottom, _WIDTH, height, stroke=1, fill=0)

    y = top - padding
    for (heading, _), paragraph, paragraph_height in zip(
        _GUIDANCE, paragraphs, heights, strict=True
    ):
        canvas.setFillColor(black)
        canvas.setFont(fonts.BOLD, 10)
        canvas.drawString(_LEFT + padding, y - 10, heading)
        paragraph.drawOn(canvas, _LEFT + padding + heading_width, y - paragraph_height)
        y -= paragraph_height + gap
    return bottom


def _draw_blank(canvas: Canvas, label: str, x: float, y: float, width: float) -> None:
    canvas.setFillColor(black)
    canvas.setFont(fonts.REGULAR, 10)
    canvas.drawString(x, y, label)
    start = x + canvas.stringWidth(label, fonts.REGULAR, 10) + 2 * mm
    canvas.setStrokeGray(_GREY)
    canvas.setLineWidth(0.75)
    canvas.line(start, y - 2, x + width, y - 2)


_RECORD_ROW = 10 * mm
_FOOTER_BASELINE = 12 * mm
_FOOTER_RULE = _FOOTER_BASELINE + 5 * mm
_RECORD_LAST_BASELINE = _FOOTER_RULE + 10 * mm
_RECORD_HEIGHT = 24 + _RECORD_ROW * 3  # heading and note, then three rows of blanks
_RECORD_TOP = _RECORD_LAST_BASELINE + _RECORD_HEIGHT


def _draw_record(canvas: Canvas) -> None:
    """Blanks to record where the sheet is kept, in the fixed space above the footer."""
    top = _RECORD_TOP
    canvas.setFillColor(black)
    canvas.setFont(fonts.BOLD, 11)
    canvas.drawString(_LEFT, top - 11, "Where this sheet is kept")
    canvas.setFillGray(_GREY)
    canvas.setFont(fonts.REGULAR, 9)
    canvas.drawString(
        _LEFT,
        top - 24,
        "Fill in by hand when you put the sheet away. Never write the key anywhere else.",
    )
    gap = 8 * mm
    y = top - 24 - _RECORD_ROW
    _draw_blank(canvas, "Stored at:", _LEFT, y, _WIDTH)
    y -= _RECORD_ROW
    _draw_blank(canvas, "Held by (name and role):", _LEFT, y, _WIDTH)
    y -= _RECORD_ROW
    signed_width = (_WIDTH - gap) * 0.6
    _draw_blank(canvas, "Signed:", _LEFT, y, signed_width)
    _draw_blank(canvas, "Date:", _LEFT + signed_width + gap, y, _WIDTH - signed_width - gap)


def _draw_footer(canvas: Canvas) -> None:
    y = _FOOTER_BASELINE
    canvas.setStrokeGray(_RULE_GREY)
    canvas.setLineWidth(0.5)
    canvas.line(_LEFT, _FOOTER_RULE, _RIGHT, _FOOTER_RULE)
    canvas.setFillGray(_GREY)
    canvas.setFont(fonts.REGULAR, 8.5)
    canvas.drawString(_LEFT, y, "nhsip-desktop")
    canvas.drawRightString(_RIGHT, y, "Page 1 of 1")
    _draw_marking(canvas, y, f"{MARKING}: keep secure")


def _draw_content(
    canvas: Canvas, groups: list[str], details: list[tuple[str, str]], extra: float
) -> float:
    """Draw everything above the record blanks; return the y of the guidance box's bottom.

    ``extra`` is added to each of the three gaps between sections, to share out the free
    space on the page evenly.
    """
    _draw_marking(canvas, _PAGE_HEIGHT - 12 * mm, MARKING)

    y = _PAGE_HEIGHT - 27 * mm
    canvas.setFillColor(black)
    canvas.setFont(fonts.BOLD, 22)
    canvas.drawString(_LEFT, y, SHEET_TITLE)
    canvas.setFillGray(_GREY)
    canvas.setFont(fonts.REGULAR, 10.5)
    canvas.drawString(
        _LEFT,
        y - 17,
        "Print this page and lock it away, apart from the laptop and the backups.",
    )
    canvas.setStrokeGray(_RULE_GREY)
    canvas.setLineWidth(0.5)
    canvas.line(_LEFT, y - 28, _RIGHT, y - 28)

    y = _draw_details(canvas, y - 28 - 6 * mm, details)

    y -= 5 * mm + extra
    canvas.setFillColor(black)
    canvas.setFont(fonts.BOLD, 13)
    canvas.drawString(_LEFT, y - 13, "Recovery key")
    canvas.setFillGray(_GREY)
    canvas.setFont(fonts.REGULAR, 9)
    canvas.drawRightString(_RIGHT, y - 12, "12 groups of 5 characters, typed in order")
    y = _draw_key_grid(canvas, y - 13 - 3 * mm, groups)

    return _draw_guidance(canvas, y - 7 * mm - extra)


def _render(groups: list[str], details: list[tuple[str, str]]) -> bytes:
    # Measure on a scratch canvas, then share the free space between the section gaps
    # (including the gap above the record blanks, which are fixed above the footer).
    minimum_gap = 7 * mm
    fonts.register_fonts()
    scratch = Canvas(io.BytesIO(), pagesize=A4, initialFontName=fonts.REGULAR)
    bottom = _draw_content(scratch, groups, details, 0.0)
    slack = bottom - (_RECORD_TOP + minimum_gap)
    if slack < 0:  # Cannot happen with details capped at two lines; guard the layout.
        raise AssertionError("the recovery sheet does not fit on one page")
    extra = min(slack / 3, 8 * mm)

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1, initialFontName=fonts.REGULAR)
    canvas.setTitle(SHEET_TITLE)
    canvas.setAuthor("nhsip-desktop")
    canvas.setCreator("nhsip-desktop")
    canvas.setSubject("Recovery key sheet for an nhsip-desktop register")
    _draw_content(canvas, groups, details, extra)
    _draw_record(canvas)
    _draw_footer(canvas)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def write_recovery_sheet(
    target: Path,
    *,
    recovery_key: str,
    organisation: str,
    register_name: str,
    register_id: str,
    created: dt.date,
    signing_fingerprint: str = "",
) -> Path:
    """Write the one-page A4 recovery key sheet as a PDF at ``target``; return ``target``.

    The key is checked first (``RecoveryKeyFormatError`` if it is mistyped), so a sheet can
    never carry a key that would not open the register. Saved with ``atomic_write``: raises
    ``ReportWriteError`` if the file cannot be saved, leaving any existing file untouched.
    """
    groups = recovery_key_groups(recovery_key)
    details = [
        ("Organisation", organisation.strip() or "(organisation not set)"),
        ("Register file", register_name),
        ("Register id", register_id),
        ("Created", created.strftime("%d/%m/%Y")),
    ]
    if signing_fingerprint:
        # Not secret: lets an auditor check that an export pack was signed by this register.
        details.append(("Signing key", signing_fingerprint))
    data = _render(groups, details)
    return atomic_write_bytes(Path(target), data)
