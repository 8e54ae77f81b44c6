"""The drafted IP policy (Annex A builder) as a Word document and as a PDF.

Both come from one :class:`~nhsip_desktop.governance.policy_builder.PolicyDocument`: the title and a
"Draft for approval" line, the document details (version, approval and review dates), the
numbered sections with their clauses, bullets and tables, and a table of the Annex A headings
the draft covers. The DOCX is made with python-docx so the trust can edit it in Word; the PDF
uses the shared report template (marking, register id and page numbers on every page). Both are
saved with ``atomic_write`` and recorded in the audit trail as reports.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph, Spacer

from nhsip_desktop.governance.policy_builder import Block, PolicyDocument
from nhsip_desktop.reports import fonts
from nhsip_desktop.reports.atomic import atomic_write
from nhsip_desktop.reports.template import (
    boxed,
    data_table,
    escape_text,
    keep_together,
    key_value_table,
    mm,
    para,
    record_report,
    styles,
    write_report,
)

if TYPE_CHECKING:
    from nhsip_desktop.store.register import Register

__all__ = [
    "COVERAGE_TITLE",
    "DRAFT_LINE",
    "policy_marking",
    "policy_report_title",
    "policy_story",
    "render_policy_docx",
    "write_policy_docx",
    "write_policy_pdf",
]

DRAFT_LINE = "Draft for approval"
COVERAGE_TITLE = "Annex A headings covered"
COVERAGE_HEADER = ("Annex A heading (in our words)", "Where this policy covers it")


def policy_report_title(document: PolicyDocument) -> str:
    """ "IP policy version 2.0 (draft)"."""
    state = "draft" if document.meta.approved_on is None else "approved"
    return f"IP policy version {document.meta.version.strip()} ({state})"


def policy_marking(document: PolicyDocument) -> str:
    """What the top and bottom of each PDF page say (in place of the register's marking)."""
    if document.meta.approved_on is None:
        return f"{DRAFT_LINE.upper()}: NOT YET PUBLISHED"
    return "OFFICIAL: FOR PUBLICATION"


def _sections(document: PolicyDocument) -> list[str]:
    """What the audit row lists: the sections written."""
    return [f"{s.number}. {s.title}" for s in document.sections] + [COVERAGE_TITLE]


# -- Word -------------------------------------------------------------------------------------
def _table_widths(header: tuple[str, ...]) -> list[float]:
    """Relative column widths: the first column wider when there are several."""
    if len(header) == 2:
        return [1.0, 1.0]
    if len(header) == 3:
        return [1.4, 1.0, 1.6]
    return [2.2] + [1.0] * (len(header) - 1)


def _field(run: Any, instruction: str) -> None:
    """Make ``run`` a Word field (PAGE, NUMPAGES) that Word and LibreOffice fill in."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    code = OxmlElement("w:instrText")
    code.set(qn("xml:space"), "preserve")
    code.text = f" {instruction} "
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    shown = OxmlElement("w:t")
    shown.text = "1"
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    for element in (begin, code, separate, shown, end):
        run._r.append(element)


def render_policy_docx(document: PolicyDocument) -> bytes:
    """The draft as a .docx file's bytes (python-docx; imported here, so the rest of the app
    starts without it)."""
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt, RGBColor

    doc = Document()
    black = RGBColor(0, 0, 0)
    grey = RGBColor(0x4D, 0x4D, 0x4D)
    normal = doc.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(11)
    for name in ("Title", "Heading 1", "Heading 2"):
        style = doc.styles[name]
        style.font.name = "Arial"
        style.font.color.rgb = black
    doc.styles["Title"].font.size = Pt(22)
    doc.styles["Heading 1"].font.size = Pt(14)

    meta = document.meta
    props = doc.core_properties
    props.title = document.title
    props.subject = f"{DRAFT_LINE}, version {meta.version.strip()}"
    props.author = document.organisation.strip() or "nhsip-desktop"
    props.last_modified_by = "nhsip-desktop"
    props.comments = "Drafted from the IP register with the Annex A policy builder."
    # python-docx's template carries its own dates (2013): this document is made now.
    now = dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None)
    props.created = props.modified = now
    props.revision = 1

    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2.2))
    section.top_margin, section.bottom_margin = Cm(2.2), Cm(2.0)
    header = section.header.paragraphs[0]
    header.text = (
        f"{DRAFT_LINE} · {document.organisation} IP policy · version {meta.version.strip()}"
    )
    header.runs[0].font.size = Pt(9)
    header.runs[0].font.color.rgb = grey
    footer = section.footer.paragraphs[0]
    footer.text = f"{DRAFT_LINE}. Next review due {dict(document.details)['Next review due']}."
    footer.runs[0].font.size = Pt(9)
    footer.runs[0].font.color.rgb = grey
    numbers = section.footer.add_paragraph()
    numbers.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for piece in ("Page ", "PAGE", " of ", "NUMPAGES"):
        run = numbers.add_run() if piece.isupper() else numbers.add_run(piece)
        if piece.isupper():
            _field(run, piece)
        run.font.size = Pt(9)
        run.font.color.rgb = grey

    doc.add_heading(document.title, level=0)
    line = doc.add_paragraph()
    run = line.add_run(DRAFT_LINE.upper())
    run.bold = True
    run.font.size = Pt(14)
    run.font.color.rgb = grey

    details = doc.add_table(rows=0, cols=2)
    details.style = "Table Grid"
    details.alignment = WD_TABLE_ALIGNMENT.LEFT
    for label, value in document.details:
        cells = details.add_row().cells
        cells[0].text = label
        cells[0].paragraphs[0].runs[0].bold = True
        cells[1].text = value
    for row in details.rows:
        row.cells[0].width, row.cells[1].width = Cm(6.0), Cm(10.6)
    doc.add_paragraph()
    intro = doc.add_paragraph(document.introduction)
    intro.runs[0].italic = True

    def clause(block: Block) -> None:
        paragraph = doc.add_paragraph()
        fmt = paragraph.paragraph_format
        fmt.left_indent = Cm(1.2)
        fmt.first_line_indent = Cm(-1.2)
        fmt.tab_stops.add_tab_stop(Cm(1.2))
        fmt.space_after = Pt(6)
        number = paragraph.add_run(block.number)
        number.bold = True
        paragraph.add_run("\t" + block.text)
        for bullet in block.bullets:
            item = doc.add_paragraph(bullet, style="List Bullet")
            item.paragraph_format.left_indent = Cm(1.9)
            item.paragraph_format.space_after = Pt(2)

    def table(head: tuple[str, ...], rows: tuple[tuple[str, ...], ...]) -> None:
        grid = doc.add_table(rows=1, cols=len(head))
        grid.style = "Table Grid"
        for cell, text in zip(grid.rows[0].cells, head, strict=True):
            cell.text = text
            cell.paragraphs[0].runs[0].bold = True
        for values in rows:
            for cell, text in zip(grid.add_row().cells, values, strict=True):
                cell.text = text
        weights = _table_widths(head)
        total = sum(weights)
        for row in grid.rows:
            for cell, weight in zip(row.cells, weights, strict=True):
                cell.width = Cm(16.6 * weight / total)
        doc.add_paragraph()

    for part in document.sections:
        doc.add_heading(f"{part.number}. {part.title}", level=1)
        for block in part.blocks:
            if block.kind == "para":
                clause(block)
            else:
                table(block.header, block.rows)

    doc.add_heading(COVERAGE_TITLE, level=1)
    doc.add_paragraph(
        "Annex A of the guidance suggests twelve headings for an IP policy. This table shows "
        "where this draft covers each of them."
    )
    table(COVERAGE_HEADER, document.coverage)

    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def write_policy_docx(register: Register, document: PolicyDocument, target: Path) -> Path:
    """Save the draft as a Word document at ``target`` (atomically) and record it in the audit
    trail. Raises ``ReportWriteError`` if it cannot be saved (nothing is then recorded)."""
    data = render_policy_docx(document)

    def write(handle: BinaryIO) -> None:
        handle.write(data)

    written = atomic_write(Path(target), write)
    record_report(register, "ip-policy-docx", written, _sections(document))
    return written


# -- PDF --------------------------------------------------------------------------------------
def _pdf_styles() -> dict[str, ParagraphStyle]:
    s = styles()
    return {
        "Clause": ParagraphStyle(
            "Clause",
            parent=s["Body"],
            leftIndent=28,
            bulletIndent=0,
            bulletFontName=fonts.BOLD,
            bulletFontSize=9.5,
            spaceAfter=5,
        ),
        "ClauseBullet": ParagraphStyle(
            "ClauseBullet", parent=s["Body"], leftIndent=40, bulletIndent=30, spaceAfter=1.5
        ),
    }


def _block_flowables(block: Block, extra: dict[str, ParagraphStyle]) -> list[Any]:
    if block.kind == "table":
        return [
            Spacer(1, 1 * mm),
            data_table(block.header, block.rows, _table_widths(block.header)),
            Spacer(1, 3 * mm),
        ]
    out: list[Any] = [Paragraph(escape_text(block.text), extra["Clause"], bulletText=block.number)]
    out += [
        Paragraph(escape_text(b), extra["ClauseBullet"], bulletText="\u2022") for b in block.bullets
    ]
    if block.bullets:
        out.append(Spacer(1, 2 * mm))
    return out


def policy_story(document: PolicyDocument) -> list[Any]:
    """The PDF's flowables."""
    s = styles()
    extra = _pdf_styles()
    story: list[Any] = [
        Paragraph(escape_text(document.title), s["Title"]),
        Spacer(1, 2 * mm),
        boxed([para(DRAFT_LINE.upper(), "Alert")], weight=1.2, padding=6),
        Spacer(1, 4 * mm),
        key_value_table(list(document.details), 62 * mm),
        Spacer(1, 4 * mm),
        para(document.introduction, "Note"),
    ]
    for section in document.sections:
        flowables: list[Any] = []
        for block in section.blocks:
            flowables += _block_flowables(block, extra)
        heading = para(f"{section.number}. {section.title}", "H1")
        story.append(keep_together([heading, *flowables[:1]]))
        story += flowables[1:]
    coverage = [
        para(COVERAGE_TITLE, "H1"),
        para(
            "Annex A of the guidance suggests twelve headings for an IP policy. This table "
            "shows where this draft covers each of them."
        ),
        data_table(COVERAGE_HEADER, document.coverage, [1.1, 1.0]),
    ]
    story.append(keep_together(coverage))
    story += [
        Spacer(1, 6 * mm),
        para(f"End of draft IP policy version {document.meta.version}", "SmallCentre"),
    ]
    return story


def write_policy_pdf(register: Register, document: PolicyDocument, target: Path) -> Path:
    """Save the draft as a PDF at ``target`` (atomically, through the report template) and
    record it in the audit trail. Raises ``ReportWriteError`` if it cannot be saved."""
    # A policy is written to be published: its pages carry whether it is a draft or approved,
    # not the register's protective marking, and no register internals.
    return write_report(
        register,
        target,
        title=policy_report_title(document),
        kind="ip-policy-pdf",
        sections=_sections(document),
        outside_the_trust=True,
        marking=policy_marking(document),
        story=policy_story(document),
    )
