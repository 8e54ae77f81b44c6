"""The blank staff disclosure form: a fillable A4 PDF (AcroForm fields drawn with reportlab).

Any member of staff can fill it in with a free PDF reader (text fields, tick boxes and choice
lists only; no scripts), save it and send it to the IP lead, whose app imports it
(``form_reader``, ``register.form_imports``). Every field has a tooltip. The form carries the
organisation's name, the IP lead's contact, the register's protective marking and the form's
version, and nothing else from the register. Two hidden fields (and the document keywords)
identify it as our form.

The layout is drawn on the canvas directly, top to bottom, starting a new page when a block
would not fit; pages are counted in a first pass so each can say "Page X of Y".
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from nhsip_desktop.cases.model import IP_KIND_LABELS, IpKind
from nhsip_desktop.interchange.disclosure_form import (
    BENEFICIARY_LABELS,
    FLAG_LABELS,
    FORM_ID,
    FORM_VERSION,
    ID_FIELD,
    MAX_AGREEMENTS,
    MAX_CONTRIBUTORS,
    MAX_FUNDERS,
    MAX_PARTNERS,
    MAX_SHARING,
    OLDER_VERSIONS,
    RESOURCE_LABELS,
    VERSION_FIELD,
    FieldKind,
    spec,
)
from nhsip_desktop.reports import fonts
from nhsip_desktop.reports.atomic import atomic_write_bytes
from nhsip_desktop.reports.template import (
    BLACK,
    FILL_GREY,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    RULE_GREY,
    TEXT_GREY,
    escape_text,
    mm,
    printable,
    record_report,
)

if TYPE_CHECKING:
    from nhsip_desktop.store.register import Register

__all__ = ["BlankFormDetails", "blank_form_details", "render_blank_form", "write_blank_form"]

REPORT_KIND = "disclosure-form"
FORM_TITLE = "Staff disclosure form: tell us about your idea"

_LEFT = 18 * mm
_WIDTH = PAGE_WIDTH - 2 * _LEFT
_TOP = PAGE_HEIGHT - 24 * mm
_BOTTOM = 22 * mm
_GAP = 4 * mm  # between fields in a row

_BORDER = colors.Color(0.45, 0.45, 0.45)
_FIELD_FILL = colors.Color(0.965, 0.965, 0.965)

_FIELD_H = 19.0  # a one-line field, in points
_LABEL_H = 12.0
_CHECK = 12.0

_BODY = ParagraphStyle(
    "FormBody", fontName=fonts.REGULAR, bulletFontName=fonts.REGULAR, fontSize=10, leading=14
)
_SMALL = ParagraphStyle("FormSmall", parent=_BODY, fontSize=9, leading=12, textColor=TEXT_GREY)
_BULLET = ParagraphStyle("FormBullet", parent=_BODY, leftIndent=12, bulletIndent=2, spaceAfter=3)


@dataclass(frozen=True)
class BlankFormDetails:
    """What the blank form says about where it comes from (nothing else from the register)."""

    organisation: str
    contact: str
    marking: str
    version: str = FORM_VERSION


def blank_form_details(register: Register, contact: str | None = None) -> BlankFormDetails:
    """The organisation and marking from the register's settings, and the IP lead's contact:
    ``contact`` when given, else the register's ``ip_lead_contact`` setting if it has one."""
    settings = register.settings.all()
    if contact is None:
        contact = str(settings.get("ip_lead_contact", "") or "")
    return BlankFormDetails(
        organisation=str(settings["organisation"]).strip(),
        contact=" ".join(contact.split()),
        marking=str(settings["report_marking"]).strip(),
    )


class _Painter:
    """Draws the form top to bottom; ``name`` maps a current field to the version's name."""

    def __init__(self, canvas: Canvas, details: BlankFormDetails, total_pages: int) -> None:
        self.c = canvas
        self.form: Any = canvas.acroForm
        self.d = details
        self.total = total_pages
        self.page = 1
        self.y = _TOP
        older = OLDER_VERSIONS.get(details.version)
        self._older = older
        self._chrome()

    # -- names, pages, text -------------------------------------------------------------
    def name(self, current: str) -> str | None:
        if self._older is None:
            return current
        return self._older.field_name(current)

    def _chrome(self) -> None:
        c = self.c
        c.saveState()
        marking = printable(self.d.marking or "OFFICIAL-SENSITIVE")
        c.setFont(fonts.BOLD, 9)
        c.setFillColor(BLACK)
        c.drawCentredString(PAGE_WIDTH / 2, PAGE_HEIGHT - 10 * mm, marking + " when completed")
        c.setFont(fonts.REGULAR, 8)
        c.setFillColor(TEXT_GREY)
        c.drawString(_LEFT, PAGE_HEIGHT - 16 * mm, printable(self.d.organisation or ""))
        c.drawRightString(
            _LEFT + _WIDTH,
            PAGE_HEIGHT - 16 * mm,
            f"Staff disclosure form, version {self.d.version}",
        )
        c.setStrokeColor(RULE_GREY)
        c.setLineWidth(0.5)
        c.line(_LEFT, PAGE_HEIGHT - 18 * mm, _LEFT + _WIDTH, PAGE_HEIGHT - 18 * mm)
        c.line(_LEFT, 16 * mm, _LEFT + _WIDTH, 16 * mm)
        c.setFont(fonts.BOLD, 9)
        c.setFillColor(BLACK)
        c.drawCentredString(PAGE_WIDTH / 2, 11.5 * mm, marking + " when completed")
        c.setFont(fonts.REGULAR, 8)
        c.setFillColor(TEXT_GREY)
        back = f"Send it back to: {self.d.contact}" if self.d.contact else ""
        c.drawString(_LEFT, 7 * mm, printable(back)[:110])
        c.drawRightString(_LEFT + _WIDTH, 7 * mm, f"Page {self.page} of {self.total}")
        c.restoreState()

    def new_page(self) -> None:
        self.c.showPage()
        self.page += 1
        self.y = _TOP
        self._chrome()

    def need(self, height: float) -> None:
        if self.y - height < _BOTTOM:
            self.new_page()

    def space(self, height: float) -> None:
        self.y -= height

    def para(
        self, text: str, style: ParagraphStyle = _BODY, *, bullet: bool = False, x: float = 0
    ) -> None:
        p = Paragraph(text, _BULLET if bullet else style, bulletText="\u2022" if bullet else None)
        _w, h = p.wrap(_WIDTH - x, PAGE_HEIGHT)
        self.need(h)
        p.drawOn(self.c, _LEFT + x, self.y - h)
        self.y -= h + (3 if not bullet else 0)

    def boxed(self, text: str) -> None:
        """A paragraph inside a ruled box (the rule, not colour, gives it weight)."""
        style = ParagraphStyle("Boxed", parent=_BODY, fontSize=11, leading=15)
        pad = 3 * mm
        para = Paragraph(text, style)
        _w, h = para.wrap(_WIDTH - 2 * pad, PAGE_HEIGHT)
        self.need(h + 2 * pad)
        self.c.saveState()
        self.c.setStrokeColor(BLACK)
        self.c.setLineWidth(1.2)
        self.c.rect(_LEFT, self.y - h - 2 * pad, _WIDTH, h + 2 * pad, stroke=1, fill=0)
        self.c.restoreState()
        para.drawOn(self.c, _LEFT + pad, self.y - pad - h)
        self.y -= h + 2 * pad + 2

    def heading(self, number: int, text: str, keep: float) -> None:
        """A numbered section heading on a grey band, kept with ``keep`` points after it."""
        self.need(9 * mm + keep)
        self.space(3 * mm)
        c = self.c
        c.saveState()
        c.setFillColor(FILL_GREY)
        c.rect(_LEFT, self.y - 7.5 * mm, _WIDTH, 7.5 * mm, stroke=0, fill=1)
        c.setFillColor(BLACK)
        c.setFont(fonts.BOLD, 12.5)
        c.drawString(_LEFT + 3 * mm, self.y - 5.3 * mm, f"{number}.  {text}")
        c.restoreState()
        self.y -= 7.5 * mm + 3 * mm

    def subheading(self, text: str, keep: float) -> None:
        self.need(7 * mm + keep)
        self.space(1.5 * mm)
        self.c.setFont(fonts.BOLD, 10.5)
        self.c.setFillColor(BLACK)
        self.c.drawString(_LEFT, self.y - 4 * mm, printable(text))
        self.y -= 6.5 * mm

    # -- fields --------------------------------------------------------------------------
    def _label(self, text: str, x: float, y: float) -> None:
        self.c.setFont(fonts.BOLD, 8.5)
        self.c.setFillColor(TEXT_GREY)
        self.c.drawString(x, y, printable(text))

    def _widget(self, current: str, x: float, y: float, width: float, height: float) -> None:
        name = self.name(current)
        if name is None:
            return
        field = spec(current)
        common: dict[str, Any] = {
            "name": name,
            "tooltip": field.tooltip,
            "x": x,
            "y": y,
            "width": width,
            "height": height,
            "borderColor": _BORDER,
            "fillColor": _FIELD_FILL,
            "textColor": BLACK,
            "borderWidth": 0.8,
            "borderStyle": "solid",
            "forceBorder": True,
            # reportlab's form fields take only the 14 standard PDF fonts: what staff type is
            # drawn by their PDF reader (with its own fonts), so this one is not embedded.
            "fontName": "Helvetica",
            "fontSize": 10,
        }
        if field.kind is FieldKind.CHOICE:
            self.form.choice(
                value=field.options[0], options=list(field.options), fieldFlags="combo", **common
            )
        elif field.kind is FieldKind.MULTILINE:
            self.form.textfield(value="", maxlen=0, fieldFlags="multiline", **common)
        else:
            self.form.textfield(value="", maxlen=field.max_length or 0, fieldFlags="", **common)

    def row(
        self, cells: list[tuple[str, float]], *, height: float = _FIELD_H, number: int = 0
    ) -> None:
        """Fields side by side, each with its label above; ``cells`` are (field, weight).
        ``number`` puts the item's number before the first label ("2. Funder")."""
        cells = [(n, w) for n, w in cells if self.name(n) is not None]
        if not cells:
            return
        self.need(_LABEL_H + height + 3 * mm)
        total = sum(w for _n, w in cells)
        usable = _WIDTH - _GAP * (len(cells) - 1)
        x = _LEFT
        for index, (current, weight) in enumerate(cells):
            width = usable * weight / total
            field = spec(current)
            label = field.label + (" (dd/mm/yyyy)" if field.kind is FieldKind.DATE else "")
            if number and index == 0:
                label = f"{number}.  {label}"
            self._label(label, x, self.y - 9)
            self._widget(current, x, self.y - _LABEL_H - height, width, height)
            x += width + _GAP
        self.y -= _LABEL_H + height + 3 * mm

    def _checkbox(self, current: str, x: float) -> None:
        name = self.name(current)
        assert name is not None
        self.form.checkbox(
            name=name,
            tooltip=spec(current).tooltip,
            x=x,
            y=self.y - _CHECK,
            size=_CHECK,
            buttonStyle="check",
            borderColor=_BORDER,
            fillColor=_FIELD_FILL,
            textColor=BLACK,
            borderWidth=0.8,
            fieldFlags="",
            forceBorder=True,
        )
        self.c.setFont(fonts.REGULAR, 10)
        self.c.setFillColor(BLACK)
        self.c.drawString(x + _CHECK + 2 * mm, self.y - _CHECK + 2.5, spec(current).label)

    def checks(
        self, cells: list[str], columns: int, *, hints: dict[str, str] | None = None
    ) -> None:
        """Tick boxes with their labels, ``columns`` to a line (a hint under each if given)."""
        cells = [n for n in cells if self.name(n) is not None]
        width = _WIDTH / columns
        line = 6.5 * mm + (4 * mm if hints else 0)
        for start in range(0, len(cells), columns):
            self.need(line)
            for index, current in enumerate(cells[start : start + columns]):
                x = _LEFT + index * width
                self._checkbox(current, x)
                if hints:
                    self.c.setFont(fonts.REGULAR, 8.5)
                    self.c.setFillColor(TEXT_GREY)
                    self.c.drawString(
                        x + _CHECK + 2 * mm, self.y - _CHECK - 9, printable(hints[current])
                    )
            self.y -= line

    def checks_flowing(self, cells: list[str]) -> None:
        """Tick boxes one after another along a line, wrapping when the line is full."""
        cells = [n for n in cells if self.name(n) is not None]
        line = 6.5 * mm
        self.need(line)
        x = _LEFT
        for current in cells:
            width = _CHECK + 2 * mm + self.c.stringWidth(spec(current).label, fonts.REGULAR, 10)
            if x > _LEFT and x + width > _LEFT + _WIDTH:
                self.y -= line
                self.need(line)
                x = _LEFT
            self._checkbox(current, x)
            x += width + 9 * mm
        self.y -= line

    def hidden(self, current: str, value: str) -> None:
        name = self.name(current)
        assert name is not None
        self.form.textfield(
            name=name,
            tooltip=spec(current).tooltip,
            value=value,
            x=_LEFT,
            y=PAGE_HEIGHT - 5 * mm,
            width=10,
            height=4,
            maxlen=0,
            fieldFlags="readOnly",
            annotationFlags="hidden",
            borderWidth=0,
        )


_KIND_HINTS: dict[IpKind, str] = {
    IpKind.INVENTION: "a device, method or technical fix",
    IpKind.COPYRIGHT: "code, leaflets, training, videos",
    IpKind.DESIGN: "how a product looks: shape, pattern",
    IpKind.BRAND: "a name, logo or slogan",
    IpKind.KNOW_HOW: "a way of working not widely known",
    IpKind.DATA: "collected or annotated data sets",
}


# The first page's short sections: a heading and its bullet points.
_FIRST_PAGE_POINTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Why tell us early",
        (
            "We can help you develop it, protect it where that is worthwhile, and make sure "
            "you get the credit (and, if it earns money, your share).",
            "Some protection, such as a patent, is lost for good once an idea has been made "
            "public. Telling us first keeps every option open.",
        ),
    ),
    (
        "Keep it confidential until we have looked at it",
        (
            "Please do not publish it, present it, post about it or show it to a company "
            "until the IP lead has reviewed it, unless a confidentiality agreement (NDA) is "
            "in place.",
            "This form is confidential: only the innovation and IP team will read it.",
        ),
    ),
    (
        "How to fill it in",
        (
            "Open it in any free PDF reader (such as Adobe Acrobat Reader, or your web "
            "browser), type in the boxes, then save it. Rest the pointer on a box to see what "
            "it asks for.",
            "Fill in what you can. Best guesses are fine, and you can leave out what you do "
            "not know: we will talk it through with you.",
            "Write dates as dd/mm/yyyy. Keep this form's name when you save it.",
        ),
    ),
)


def _draw(canvas: Canvas, details: BlankFormDetails, total_pages: int) -> int:
    """Draw the whole form; returns the number of pages used."""
    p = _Painter(canvas, details, total_pages)
    p.hidden(ID_FIELD, FORM_ID)
    p.hidden(VERSION_FIELD, details.version)
    trust = escape_text(details.organisation or "your organisation")
    contact = escape_text(details.contact or "your organisation's innovation or IP lead")

    title = ParagraphStyle("FormTitle", parent=_BODY, fontName=fonts.BOLD, fontSize=19)
    p.para("Tell us about your idea", ParagraphStyle("T", parent=title, leading=24))
    p.para(f"Staff disclosure form \u00b7 {trust}", ParagraphStyle("S", parent=_SMALL, fontSize=11))
    p.space(2 * mm)
    p.para(
        "If something you have made or thought of at work could help patients, colleagues or "
        "the service (a device, an app, a spreadsheet tool, a training course, a better way of "
        "doing a task), please tell us about it using this form. Step 4 of the NHS's guidance "
        "on intellectual property (IP, 2025) asks every member of staff to do this early."
    )
    for heading, points in _FIRST_PAGE_POINTS:
        p.space(1.5 * mm)
        p.para(f"<b>{heading}</b>")
        for text in points:
            p.para(text, bullet=True)
    p.space(3 * mm)
    p.boxed(f"<b>Send the saved form to:</b> {contact}")
    p.space(1 * mm)

    # 1. The idea
    p.heading(1, "Your idea", keep=_LABEL_H + _FIELD_H + 3 * mm)
    p.row([("title", 1)])
    p.row([("summary", 1)], height=62)
    p.row([("problem", 1)], height=62)
    p.row([("novelty", 1)], height=50)
    p.subheading("Who it helps (tick all that apply)", keep=8 * mm)
    p.checks_flowing([f"benefits_{b.value}" for b in BENEFICIARY_LABELS])
    p.space(2 * mm)
    p.row([("development_stage", 1), ("normal_duties", 1)])
    p.subheading("Trust resources that went into it (tick all that apply)", keep=8 * mm)
    p.checks_flowing([f"resource_{r.value}" for r in RESOURCE_LABELS])

    # 2. Kinds of IP
    p.heading(2, "What kind of IP it might be", keep=22 * mm)
    p.para("Tick every kind that may apply. A best guess is fine: the IP lead will check.", _SMALL)
    p.checks(
        [f"kind_{k.value}" for k in IpKind],
        2,
        hints={f"kind_{k.value}": _KIND_HINTS[k] for k in IpKind},
    )
    assert set(IP_KIND_LABELS) == set(_KIND_HINTS)

    # 3. Points to flag
    p.heading(3, "Points to flag early", keep=22 * mm)
    p.para(
        "These do not stop anything: they tell us which advice to get early. Tick any that apply.",
        _SMALL,
    )
    p.checks([f"flag_{name}" for name in FLAG_LABELS], 1)

    # 4. People
    p.heading(4, "Who worked on it", keep=60 * mm)
    p.para(
        "Everyone who contributed to the idea, starting with yourself, and roughly what share "
        "of the work each did. The shares should add up to 100. Their relationship to the trust "
        "helps the IP lead work out who owns what (guidance step 2).",
        _SMALL,
    )
    for n in range(1, MAX_CONTRIBUTORS + 1):
        if p.name(f"c{n}_name") is None:
            continue
        p.subheading(f"Person {n}" + (" (usually you)" if n == 1 else ""), keep=60 * mm)
        p.row([(f"c{n}_name", 3), (f"c{n}_job_title", 2)])
        p.row([(f"c{n}_department", 2), (f"c{n}_relationship", 3)])
        p.row([(f"c{n}_employer", 5), (f"c{n}_share", 1.4), (f"c{n}_contact", 4)])
        p.row([(f"c{n}_employer_country", 1), (f"c{n}_duties", 1), (f"c{n}_assigns", 1)])

    # 5. Money, partners, agreements
    p.heading(5, "Funding, partners and agreements", keep=40 * mm)
    p.para("Leave this section blank if nobody outside the trust paid for or worked on it.", _SMALL)
    p.subheading("Who paid for the work (apart from the trust)", keep=30 * mm)
    for n in range(1, MAX_FUNDERS + 1):
        p.row([(f"f{n}_name", 1), (f"f{n}_terms", 1), (f"f{n}_note", 1)], number=n)
    p.subheading("Organisations you worked with", keep=30 * mm)
    for n in range(1, MAX_PARTNERS + 1):
        p.need(2 * (_LABEL_H + _FIELD_H + 3 * mm))
        p.row([(f"p{n}_name", 1), (f"p{n}_country", 1), (f"p{n}_kind", 1)], number=n)
        p.row([(f"p{n}_terms", 1), (f"p{n}_background", 1)])
        if n < MAX_PARTNERS:
            p.space(2 * mm)
    if p.name("a1_kind") is not None:
        p.subheading("Agreements already signed (for example a confidentiality agreement)", 30 * mm)
        for n in range(1, MAX_AGREEMENTS + 1):
            p.row([(f"a{n}_kind", 2), (f"a{n}_party", 3), (f"a{n}_signed", 1.6)], number=n)

    # 6. Sharing outside the trust
    p.heading(6, "Sharing it outside the trust", keep=40 * mm)
    p.para(
        "List every time the idea has been, or will be, shown to anyone outside the trust "
        "without a confidentiality agreement: a paper, poster, talk, thesis, social media post "
        "or meeting. If there are none, leave this section blank.",
        _SMALL,
    )
    for n in range(1, MAX_SHARING + 1):
        p.row(
            [(f"s{n}_status", 2), (f"s{n}_kind", 1.8), (f"s{n}_date", 1.4), (f"s{n}_details", 2.8)],
            number=n,
        )

    # 7. Sending it in
    p.heading(7, "Sending it in", keep=30 * mm)
    p.para(
        "By sending this form you are telling the trust about the idea in confidence. The IP "
        "lead will let you know what happens next.",
        _SMALL,
    )
    p.row([("completed_by", 3), ("completed_on", 1.2)])
    p.para(f"Save the form, then send it to: {contact}", _BODY)
    return p.page


def render_blank_form(details: BlankFormDetails) -> bytes:
    """The blank form as PDF bytes."""
    fonts.register_fonts()

    def build(total: int) -> tuple[bytes, int]:
        buffer = io.BytesIO()
        canvas = Canvas(
            buffer,
            pagesize=(PAGE_WIDTH, PAGE_HEIGHT),
            pageCompression=1,
            initialFontName=fonts.REGULAR,
        )
        canvas.setTitle(FORM_TITLE)
        canvas.setAuthor(details.organisation or "nhsip-desktop")
        canvas.setCreator("nhsip-desktop")
        canvas.setSubject(f"{details.marking} when completed")
        canvas.setKeywords(f"{FORM_ID} version {details.version}")
        pages = _draw(canvas, details, total)
        canvas.showPage()
        canvas.save()
        return buffer.getvalue(), pages

    _data, pages = build(0)
    data, _pages = build(pages)
    return data


def write_blank_form(register: Register, target: Path, contact: str | None = None) -> Path:
    """Save the blank form at ``target`` (safely) and record it in the audit trail."""
    details = blank_form_details(register, contact)
    written = atomic_write_bytes(Path(target), render_blank_form(details))
    record_report(
        register,
        REPORT_KIND,
        written,
        [f"blank form version {details.version}", f"contact: {details.contact or '(none)'}"],
    )
    return written
