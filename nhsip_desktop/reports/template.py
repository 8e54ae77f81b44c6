"""The one page template every PDF report uses, with shared styles and table helpers.

Every page carries the register's protective marking (top and bottom), the organisation and
the report's title, when it was generated, and the register id with the audit trail's head at
that moment, so a printout can be matched to the register it came from (left out of papers
for an innovator, ``ReportContext.show_register``); "Page X of Y" is
filled in after the whole document is laid out (a two-pass canvas). The design reads well in
black and white: greys and rules only, and nothing is said by colour alone.

Register text is always shown through :func:`escape_text` (reportlab's paragraphs read a
small XML-like markup, so a title such as "R&D <draft>" would otherwise break the PDF), and
through :func:`~nhsip_desktop.reports.fonts.printable`: every PDF embeds DejaVu Sans, and a
character it lacks prints as a visible replacement that is reported.

Every report that leaves the encrypted register is recorded in the audit trail with
:func:`record_report`.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO
from xml.sax.saxutils import escape

from reportlab.lib import colors, units
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Frame,
    KeepTogether,
    LongTable,
    PageTemplate,
    Paragraph,
    Table,
    TableStyle,
)

from nhsip_desktop.reports import fonts
from nhsip_desktop.reports.atomic import atomic_write
from nhsip_desktop.reports.fonts import printable
from nhsip_desktop.store.audit import ChainHead

if TYPE_CHECKING:
    from nhsip_desktop.store.register import Register

__all__ = [
    "BLACK",
    "BOTTOM_MARGIN",
    "FILL_GREY",
    "GRID_GREY",
    "LINE_GREY",
    "NOT_RECORDED",
    "PAGE_HEIGHT",
    "PAGE_WIDTH",
    "RULE_GREY",
    "SIDE_MARGIN",
    "TEXT_GREY",
    "TEXT_HEIGHT",
    "TEXT_WIDTH",
    "TOP_MARGIN",
    "ReportContext",
    "boxed",
    "build_pdf",
    "data_table",
    "escape_text",
    "format_date",
    "keep_together",
    "key_value_table",
    "mm",
    "none_recorded",
    "para",
    "prepared_by",
    "printable",
    "record_report",
    "render_pdf",
    "styles",
    "write_report",
]

mm: float = units.mm  # reportlab is untyped: name the types of the values used in layout.
PAGE_WIDTH: float = A4[0]
PAGE_HEIGHT: float = A4[1]
SIDE_MARGIN = 20 * mm
TOP_MARGIN = 27 * mm
BOTTOM_MARGIN = 26 * mm
TEXT_WIDTH = PAGE_WIDTH - 2 * SIDE_MARGIN
TEXT_HEIGHT = PAGE_HEIGHT - TOP_MARGIN - BOTTOM_MARGIN
_LEFT = SIDE_MARGIN
_RIGHT = PAGE_WIDTH - SIDE_MARGIN

# Greys that survive a poor photocopy (every PDF's one palette).
BLACK = colors.black
TEXT_GREY = colors.Color(0.3, 0.3, 0.3)
RULE_GREY = colors.Color(0.6, 0.6, 0.6)
GRID_GREY = colors.Color(0.7, 0.7, 0.7)
LINE_GREY = colors.Color(0.82, 0.82, 0.82)
FILL_GREY = colors.Color(0.9, 0.9, 0.9)

# Header and footer positions (from the page's bottom edge).
_HEADER_MARKING_Y = PAGE_HEIGHT - 11 * mm
_HEADER_LINE_Y = PAGE_HEIGHT - 17.5 * mm
_HEADER_RULE_Y = PAGE_HEIGHT - 19.5 * mm
_FOOTER_RULE_Y = 18 * mm
_FOOTER_MARKING_Y = 13.5 * mm
_FOOTER_LINE_Y = 9 * mm
_CHROME_FONT = fonts.REGULAR
_CHROME_BOLD = fonts.BOLD
_CHROME_SIZE = 7.5
_MARKING_SIZE = 9.0

NOT_RECORDED = "Not recorded"


# -- text -------------------------------------------------------------------------------
def escape_text(text: str) -> str:
    """Register text made safe for reportlab's paragraph markup; line breaks are kept."""
    lines = printable(str(text)).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "<br/>".join(escape(line) for line in lines)


def format_date(value: dt.date | None, missing: str = NOT_RECORDED) -> str:
    """UK date format, dd/mm/yyyy (``missing`` when there is no date)."""
    return value.strftime("%d/%m/%Y") if value else missing


# -- styles -----------------------------------------------------------------------------
def _build_styles() -> dict[str, ParagraphStyle]:
    fonts.register_fonts()
    body = ParagraphStyle(
        "Body",
        fontName=fonts.REGULAR,
        bulletFontName=fonts.REGULAR,
        fontSize=9.5,
        leading=13.5,
        spaceAfter=4,
        alignment=TA_LEFT,
        textColor=BLACK,
    )
    out = {
        "Body": body,
        "Title": ParagraphStyle(
            "Title", parent=body, fontName=fonts.BOLD, fontSize=18, leading=22, spaceAfter=3
        ),
        "Subtitle": ParagraphStyle(
            "Subtitle", parent=body, fontSize=10.5, leading=14, textColor=TEXT_GREY, spaceAfter=10
        ),
        "H1": ParagraphStyle(
            "H1",
            parent=body,
            fontName=fonts.BOLD,
            fontSize=12.5,
            leading=16,
            spaceBefore=14,
            spaceAfter=6,
        ),
        "H2": ParagraphStyle(
            "H2",
            parent=body,
            fontName=fonts.BOLD,
            fontSize=10,
            leading=13,
            spaceBefore=8,
            spaceAfter=3,
        ),
        "Small": ParagraphStyle(
            "Small", parent=body, fontSize=8, leading=10.5, textColor=TEXT_GREY, spaceAfter=2
        ),
        "SmallCentre": ParagraphStyle(
            "SmallCentre",
            parent=body,
            fontSize=8,
            leading=10.5,
            textColor=TEXT_GREY,
            alignment=TA_CENTER,
        ),
        "Note": ParagraphStyle("Note", parent=body, fontName=fonts.ITALIC, textColor=TEXT_GREY),
        "Label": ParagraphStyle(
            "Label", parent=body, fontSize=9.5, leading=12.5, textColor=TEXT_GREY, spaceAfter=0
        ),
        "Value": ParagraphStyle("Value", parent=body, fontSize=9.5, leading=12.5, spaceAfter=0),
        "TableHeader": ParagraphStyle(
            "TableHeader",
            parent=body,
            fontName=fonts.BOLD,
            fontSize=8.5,
            leading=11,
            spaceAfter=0,
        ),
        "TableCell": ParagraphStyle(
            "TableCell", parent=body, fontSize=8.5, leading=11, spaceAfter=0
        ),
        "Mono": ParagraphStyle(
            "Mono",
            parent=body,
            fontName=fonts.MONO,
            fontSize=7.5,
            leading=10.5,
            textColor=TEXT_GREY,
            spaceAfter=0,
        ),
        "Finding": ParagraphStyle("Finding", parent=body, spaceBefore=5, spaceAfter=2),
        "Alert": ParagraphStyle(
            "Alert", parent=body, fontName=fonts.BOLD, fontSize=10, leading=14, spaceAfter=3
        ),
        "Bullet": ParagraphStyle(
            "Bullet", parent=body, leftIndent=12, bulletIndent=2, spaceAfter=1
        ),
        "Reference": ParagraphStyle(
            "Reference",
            parent=body,
            fontName=fonts.ITALIC,
            fontSize=8,
            leading=10.5,
            leftIndent=12,
            textColor=TEXT_GREY,
            spaceAfter=5,
        ),
    }
    return out


_styles = functools.cache(_build_styles)


def styles() -> dict[str, ParagraphStyle]:
    """The shared paragraph styles, by name.

    ``Title``, ``Subtitle``, ``H1``, ``H2``, ``Body``, ``Small``, ``SmallCentre``, ``Note``
    (italic grey), ``Label`` and ``Value`` (key-value tables), ``TableHeader``,
    ``TableCell``, ``Mono`` (hashes), ``Alert`` (bold, for boxed warnings), ``Bullet``,
    ``Reference`` (a guidance reference under a bullet) and ``Finding`` (a lead-in line
    before bullets).
    """
    return _build_styles()  # fresh objects: a caller may adjust them freely


def para(text: str, style: str | ParagraphStyle = "Body", *, bullet: bool = False) -> Paragraph:
    """A paragraph of register text (escaped here: pass plain text, never markup).

    ``bullet`` starts it with a bullet point (in the ``Bullet`` style unless one is given).
    """
    if bullet and style == "Body":
        style = "Bullet"
    chosen = _styles()[style] if isinstance(style, str) else style
    return Paragraph(escape_text(text), chosen, bulletText="\u2022" if bullet else None)


def none_recorded(detail: str = "") -> Paragraph:
    """The line an empty section shows, so it never silently disappears."""
    return para(f"None recorded{': ' + detail if detail else '.'}", "Note")


# -- tables -----------------------------------------------------------------------------
# A table cell: text (escaped and wrapped here), a flowable, or a list of flowables.
# (reportlab is untyped, so this cannot be spelt out for mypy.)
Cell = Any
# A table sets its cells' font before drawing them (reportlab's default is Helvetica, which
# would then be listed, unembedded, in the PDF even though no text uses it).
_TABLE_FONT = [("FONTNAME", (0, 0), (-1, -1), fonts.REGULAR)]


def _cell(value: Cell, style: ParagraphStyle) -> Any:
    if isinstance(value, str):
        return Paragraph(escape_text(value), style)
    return value


def key_value_table(rows: Sequence[tuple[str, Cell]], label_width: float = 52 * mm) -> Table:
    """Labels on the left (grey), values on the right, thin rules between rows."""
    s = _styles()
    data = [[_cell(label, s["Label"]), _cell(value, s["Value"])] for label, value in rows]
    table = LongTable(
        data,
        colWidths=[label_width, TEXT_WIDTH - label_width],
        hAlign="LEFT",
        splitInRow=1,
    )
    table.setStyle(
        TableStyle(
            [
                *_TABLE_FONT,
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (0, -1), 6),
                ("RIGHTPADDING", (1, 0), (1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 3.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
                ("LINEBELOW", (0, 0), (-1, -1), 0.4, LINE_GREY),
                ("LINEABOVE", (0, 0), (-1, 0), 0.4, LINE_GREY),
            ]
        )
    )
    return table


def data_table(
    header: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    col_widths: Sequence[float] | None = None,
) -> Table:
    """A ruled table that splits across pages, repeating its header row on each page.

    ``col_widths`` are relative (any units; they are scaled to the text width), so
    ``[3, 1, 1]`` makes the first column three times as wide as each of the others. Text
    cells are escaped and wrapped; a cell may also be a flowable or a list of flowables.
    """
    s = _styles()
    weights = list(col_widths) if col_widths else [1.0] * len(header)
    if len(weights) != len(header):
        raise ValueError("col_widths must give one width per column")
    total = sum(weights)
    widths = [TEXT_WIDTH * w / total for w in weights]
    data = [[_cell(h, s["TableHeader"]) for h in header]]
    data += [[_cell(value, s["TableCell"]) for value in row] for row in rows]
    table = LongTable(data, colWidths=widths, repeatRows=1, hAlign="LEFT", splitInRow=1)
    table.setStyle(
        TableStyle(
            [
                *_TABLE_FONT,
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (-1, 0), FILL_GREY),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, TEXT_GREY),
                ("BOX", (0, 0), (-1, -1), 0.5, RULE_GREY),
                ("INNERGRID", (0, 0), (-1, -1), 0.3, GRID_GREY),
                ("LEFTPADDING", (0, 0), (-1, -1), 4),
                ("RIGHTPADDING", (0, 0), (-1, -1), 4),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return table


class _KeepTogetherIfShort(KeepTogether):  # type: ignore[misc]
    """reportlab's KeepTogether, except that content longer than a whole page is not pushed
    to a new page (which would leave a gap): it starts here if ``min_space`` is left."""

    def __init__(self, flowables: list[Any], min_space: float) -> None:
        super().__init__(flowables)
        self._min_space = min_space

    def split(self, aW: float, aH: float) -> list[Any]:
        if getattr(self, "_wrapInfo", None) != (aW, aH):
            self.wrap(aW, aH)
        if self._H > TEXT_HEIGHT:
            return [CondPageBreak(self._min_space), *self._content]
        result: list[Any] = super().split(aW, aH)
        return result


def keep_together(flowables: Sequence[Any], min_space: float = 35 * mm) -> Any:
    """Keep ``flowables`` (a heading and what it introduces) on one page when they fit on one.

    Longer content starts on the current page if at least ``min_space`` is left there, else
    on the next, so a heading is never left alone at the foot of a page.
    """
    return _KeepTogetherIfShort(list(flowables), min_space)


def boxed(content: Sequence[Any], *, weight: float = 1.5, padding: float = 8) -> Table:
    """Flowables inside a ruled box (the weight of the rule, not colour, gives emphasis)."""
    table = Table([[list(content)]], colWidths=[TEXT_WIDTH], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                *_TABLE_FONT,
                ("BOX", (0, 0), (-1, -1), weight, BLACK),
                ("LEFTPADDING", (0, 0), (-1, -1), padding),
                ("RIGHTPADDING", (0, 0), (-1, -1), padding),
                ("TOPPADDING", (0, 0), (-1, -1), padding - 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), padding),
            ]
        )
    )
    return table


# -- the page ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ReportContext:
    """What every page of a report shows about where it came from."""

    organisation: str
    marking: str
    register_id: str
    chain_head: ChainHead
    generated_at: dt.datetime
    title: str
    # False for papers that leave the trust (an innovator's letter or statement, a policy to
    # publish): the footer then leaves out the register id and the audit trail's head.
    show_register: bool = True

    @classmethod
    def from_register(
        cls, register: Register, title: str, *, show_register: bool = True
    ) -> ReportContext:
        settings = register.settings.all()
        return cls(
            organisation=str(settings["organisation"]).strip(),
            marking=str(settings["report_marking"]).strip(),
            register_id=register.register_id,
            chain_head=register.chain_head(),
            generated_at=dt.datetime.now().astimezone(),
            title=title,
            show_register=show_register,
        )

    @property
    def generated_text(self) -> str:
        return f"Generated {self.generated_at:%d/%m/%Y %H:%M}"

    @property
    def register_text(self) -> str:
        """The register id and audit trail head, e.g. ``Register 3fa9... · audit trail #12 ...``."""
        return f"Register {self.register_id} \u00b7 audit trail {self.chain_head.short()}"


def _fit(
    canvas: Canvas, text: str, font: str, size: float, width: float, smallest: float = 0.0
) -> tuple[str, float]:
    """``text`` at a size that fits ``width`` (down to ``smallest``), cut short if it must be."""
    text = printable(text)
    while smallest and size > smallest and canvas.stringWidth(text, font, size) > width:
        size -= 0.25
    if canvas.stringWidth(text, font, size) <= width:
        return text, size
    while text and canvas.stringWidth(text + "\u2026", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "\u2026", size


def _draw_marking(canvas: Canvas, y: float, marking: str) -> None:
    text, size = _fit(canvas, marking, _CHROME_BOLD, _MARKING_SIZE, TEXT_WIDTH, smallest=6.5)
    canvas.setFillColor(BLACK)
    canvas.setFont(_CHROME_BOLD, size)
    canvas.drawCentredString(PAGE_WIDTH / 2, y, text)


def _draw_page(canvas: Canvas, doc: Any, context: ReportContext) -> None:
    """Header and footer (all but "Page X of Y", which is added once the total is known)."""
    canvas.saveState()
    # Header: the marking, then organisation (left) and report title (right) over a rule.
    _draw_marking(canvas, _HEADER_MARKING_Y, context.marking)
    organisation = context.organisation or "(organisation not set)"
    half = TEXT_WIDTH / 2 - 3 * mm
    title, title_size = _fit(canvas, context.title, _CHROME_BOLD, 8, half)
    title_width = canvas.stringWidth(title, _CHROME_BOLD, title_size)
    org, org_size = _fit(canvas, organisation, _CHROME_FONT, 8, TEXT_WIDTH - title_width - 6 * mm)
    canvas.setFillColor(TEXT_GREY)
    canvas.setFont(_CHROME_FONT, org_size)
    canvas.drawString(_LEFT, _HEADER_LINE_Y, org)
    canvas.setFont(_CHROME_BOLD, title_size)
    canvas.drawRightString(_RIGHT, _HEADER_LINE_Y, title)
    canvas.setStrokeColor(RULE_GREY)
    canvas.setLineWidth(0.5)
    canvas.line(_LEFT, _HEADER_RULE_Y, _RIGHT, _HEADER_RULE_Y)
    # Footer: a rule, the marking, then when, which register, and the page number.
    canvas.line(_LEFT, _FOOTER_RULE_Y, _RIGHT, _FOOTER_RULE_Y)
    _draw_marking(canvas, _FOOTER_MARKING_Y, context.marking)
    canvas.setFillColor(TEXT_GREY)
    canvas.setFont(_CHROME_FONT, _CHROME_SIZE)
    canvas.drawString(_LEFT, _FOOTER_LINE_Y, context.generated_text)
    if context.show_register:
        canvas.drawCentredString(PAGE_WIDTH / 2, _FOOTER_LINE_Y, printable(context.register_text))
    canvas.restoreState()


class _NumberedCanvas(Canvas):  # type: ignore[misc]
    """Keeps each page until the end, then stamps "Page X of Y" on every one."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self.saveState()
            self.setFillColor(TEXT_GREY)
            self.setFont(_CHROME_FONT, _CHROME_SIZE)
            self.drawRightString(_RIGHT, _FOOTER_LINE_Y, f"Page {self._pageNumber} of {total}")
            self.restoreState()
            super().showPage()
        super().save()


def render_pdf(context: ReportContext, story: Sequence[Any]) -> bytes:
    """The PDF as bytes (see :func:`build_pdf`)."""
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=SIDE_MARGIN,
        rightMargin=SIDE_MARGIN,
        topMargin=TOP_MARGIN,
        bottomMargin=BOTTOM_MARGIN,
        title=context.title,
        author=context.organisation or "nhsip-desktop",
        creator="nhsip-desktop",
        subject=context.marking,
        pageCompression=1,
        initialFontName=fonts.REGULAR,
    )
    frame = Frame(
        SIDE_MARGIN,
        BOTTOM_MARGIN,
        TEXT_WIDTH,
        TEXT_HEIGHT,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="body",
    )
    doc.addPageTemplates(
        [
            PageTemplate(
                id="page", frames=[frame], onPage=functools.partial(_draw_page, context=context)
            )
        ]
    )
    try:
        doc.build(list(story), canvasmaker=_NumberedCanvas)
    finally:
        fonts.drain_unshown()
    return buffer.getvalue()


def build_pdf(target: Path, context: ReportContext, story: Sequence[Any]) -> Path:
    """Lay ``story`` out on A4 pages with the shared header and footer; save it at ``target``.

    Saved with ``atomic_write``: raises ``ReportWriteError`` if it cannot be saved, leaving
    any existing file untouched. ``story`` itself is not consumed.
    """
    target = Path(target)

    def write(handle: BinaryIO) -> None:
        handle.write(render_pdf(context, story))

    return atomic_write(target, write)


def prepared_by(register: Register) -> str:
    """Who prepared a paper, by name: the user's display name, else the IP lead named in the
    register's settings. Never the computer login (e.g. "root"), which means nothing to a
    reader; when no name is known, the paper says where to set one."""
    name = register.actor.display_name.strip()
    if name:
        return name
    lead = str(register.settings.get("ip_lead_name") or "").strip()
    if lead:
        return lead
    return "Not recorded (set your display name in Settings)"


def record_report(register: Register, kind: str, target: Path, sections: Sequence[str]) -> None:
    """Record in the audit trail that a report left the encrypted register."""
    with register.transaction() as tx:
        tx.audit(
            "report",
            "report",
            kind,
            {"file": [None, Path(target).name], "sections": [None, list(sections)]},
        )


def write_report(
    register: Register,
    target: Path,
    *,
    title: str,
    kind: str,
    sections: Sequence[str],
    story: Sequence[Any] | Callable[[ReportContext], Sequence[Any]],
    outside_the_trust: bool = False,
    marking: str | None = None,
    then: Callable[[], object] | None = None,
) -> Path:
    """Write one report: its page context from the register, the PDF saved at ``target``
    (:func:`build_pdf`), then recorded in the audit trail as ``kind`` with its ``sections``.

    ``story`` is the list of flowables, or a function of the :class:`ReportContext` giving it
    (for a story that needs the context's date). ``outside_the_trust``: a paper sent outside
    the trust (to an innovator, or published) shows no register internals in its footer.
    ``marking`` replaces the register's protective marking; ``then`` runs once the file is
    saved, before the report is recorded (the feedback letter records feedback given). If the
    file cannot be saved, ``ReportWriteError`` is raised and nothing is recorded.
    """
    context = ReportContext.from_register(register, title, show_register=not outside_the_trust)
    if marking is not None:
        context = replace(context, marking=marking)
    flowables = story(context) if callable(story) else story
    written = build_pdf(Path(target), context, flowables)
    if then is not None:
        then()
    record_report(register, kind, written, sections)
    return written
