"""The board summary: two pages a trust board can read in five minutes (steps 1 and 8).

Page 1 says what the board is asked to note or decide, then three to five key messages, each
with a rating in words and a symbol ("● Red", "▲ Amber", "✓ Green": never colour alone) and
the change since the last board paper (``board_messages``; each paper's figures are kept in
the register by ``store/board_papers.py``), the headline figures and the cases that need a
board decision. Then: the pipeline by stage (every case, drafts included), protection spend
and returns in the period by quarter (or financial year), deadlines, decisions made in the
period, governance, portfolio reviews due and TTC performance.

Every fact comes from ``register.facts`` and the domain rules it applies. Charts are drawn
with reportlab graphics in the embedded fonts, in greys and patterns, on whole-number axes,
and cover the same period as the tables.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportlab.graphics.charts.axes import ValueAxis
from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Paragraph, Table, TableStyle

from nhsip_desktop.assets.rights import RightStatus
from nhsip_desktop.cases.model import STAGE_LABELS, Stage
from nhsip_desktop.core.money import money
from nhsip_desktop.core.periods import PeriodPart, period_parts
from nhsip_desktop.governance.board_messages import (
    KeyMessage,
    Rating,
    RatingRules,
    change_since,
    deadlines_message,
    decisions_message,
    feedback_message,
    figures_of,
    governance_message,
    load_rating_rules,
)
from nhsip_desktop.governance.model import action_statuses
from nhsip_desktop.reports import fonts

from ..store.board_papers import record_board_paper
from .template import (
    LINE_GREY,
    TEXT_GREY,
    TEXT_WIDTH,
    ReportContext,
    boxed,
    build_pdf,
    data_table,
    escape_text,
    format_date,
    keep_together,
    mm,
    none_recorded,
    para,
    prepared_by,
    styles,
)

if TYPE_CHECKING:
    from ..store.facts import BoardPaper
    from ..store.register import Register

SECTIONS = (
    "the board is asked to",
    "key messages",
    "headline figures",
    "board decisions needed",
    "pipeline by stage",
    "spend and returns in the period",
    "deadlines",
    "decisions in the period",
    "governance status",
    "portfolio reviews due",
    "TTC performance",
    "notes: how the ratings are set",
)

DEADLINES_SHOWN = 5  # rows of the deadline table; the rest are counted beneath it
RATINGS_KEY = "Ratings: \u25cf Red, act now; \u25b2 Amber, watch; \u2713 Green, on track."

_RATING_COLOURS = {
    Rating.RED: colors.HexColor("#b3261e"),
    Rating.AMBER: colors.HexColor("#9a5b00"),
    Rating.GREEN: colors.HexColor("#1e6b32"),
}
_STATUS_RATING = {"met": Rating.GREEN, "partly": Rating.AMBER, "not met": Rating.RED}
_SPEND_FILL = colors.HexColor("#3b4550")
_SPEND_WORDS = "Protection spend (with VAT)"
_RETURNS_WORDS = "Returns received (gross)"


# -- charts ---------------------------------------------------------------------------------
def whole_step(top: float, ticks: int = 5) -> int:
    """A whole-number tick step (1, 2 or 5 times a power of ten) giving at most about
    ``ticks`` steps up to ``top``."""
    raw = max(top / ticks, 1.0)
    power = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 5, 10):
        if multiple * power >= raw:
            return int(multiple * power)
    return int(10 * power)  # pragma: no cover - the loop always returns


def _whole_axis(axis: ValueAxis, top: float, label: Any = "{:,.0f}", ticks: int = 5) -> None:
    """Ticks at whole numbers only, from 0 to a whole step at or above ``top``."""
    step = whole_step(top, ticks)
    axis.valueMin = 0
    axis.valueStep = step
    axis.valueMax = max(step, math.ceil(top / step) * step)
    axis.labelTextFormat = label.format if isinstance(label, str) else label
    axis.labels.fontName = fonts.REGULAR
    axis.labels.fontSize = 7
    axis.strokeColor = TEXT_GREY
    axis.gridStrokeColor = LINE_GREY
    axis.visibleGrid = True


CHART_HEIGHT = 31 * mm
HALF_WIDTH = (TEXT_WIDTH - 8 * mm) / 2


def _drawing(width: float, height: float) -> Drawing:
    """A drawing whose text starts in the embedded font (reportlab's default is Helvetica,
    which would be listed, unembedded, in the PDF)."""
    drawing = Drawing(width, height)
    drawing.initialFontName = fonts.REGULAR
    return drawing


def stage_chart(counts: Counter[Stage], width: float = HALF_WIDTH) -> Drawing:
    """Every case by stage; each label carries its count ("Draft (3)") so the figures are
    read in words too, not only from the bars' length."""
    stages = list(Stage)
    drawing = _drawing(width, CHART_HEIGHT)
    chart = HorizontalBarChart()
    chart.x, chart.y = 27 * mm, 6 * mm
    chart.width, chart.height = width - 31 * mm, CHART_HEIGHT - 8 * mm
    chart.data = [[counts.get(s, 0) for s in stages]]
    chart.categoryAxis.categoryNames = [f"{STAGE_LABELS[s]} ({counts.get(s, 0):,})" for s in stages]
    chart.categoryAxis.reverseDirection = True
    chart.categoryAxis.labels.fontName = fonts.REGULAR
    chart.categoryAxis.labels.fontSize = 7.5
    chart.categoryAxis.strokeColor = TEXT_GREY
    _whole_axis(chart.valueAxis, max(chart.data[0], default=0), ticks=4)  # room for "10,000"
    chart.bars[0].fillColor = colors.HexColor("#6b7580")
    chart.bars[0].strokeColor = colors.black
    chart.bars[0].strokeWidth = 0.4
    drawing.add(chart)
    return drawing


def money_chart(
    parts: Sequence[PeriodPart],
    spend: Sequence[Decimal],
    got: Sequence[Decimal],
    width: float = HALF_WIDTH,
) -> Drawing:
    """Protection spend (dark) and returns (white, outlined) in each part of the period."""
    drawing = _drawing(width, CHART_HEIGHT)
    chart = VerticalBarChart()
    chart.x, chart.y = 14 * mm, 6 * mm
    chart.width, chart.height = width - 15 * mm, CHART_HEIGHT - 12 * mm
    chart.data = [[float(v) for v in spend], [float(v) for v in got]]
    chart.categoryAxis.categoryNames = [p.short for p in parts]
    chart.categoryAxis.labels.fontName = fonts.REGULAR
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.strokeColor = TEXT_GREY
    top = max([*chart.data[0], *chart.data[1], 0.0])
    _whole_axis(chart.valueAxis, top, lambda v: f"\u00a3{v:,.0f}")
    chart.bars[0].fillColor = _SPEND_FILL
    chart.bars[1].fillColor = colors.white
    chart.bars[0].strokeColor = chart.bars[1].strokeColor = colors.black
    chart.bars[0].strokeWidth = chart.bars[1].strokeWidth = 0.4
    chart.groupSpacing = 4
    drawing.add(chart)
    # The key, in one line above the plot: a swatch and its words for each kind of bar.
    x, y = chart.x, CHART_HEIGHT - 3.5 * mm
    for fill, words in ((_SPEND_FILL, _SPEND_WORDS), (colors.white, _RETURNS_WORDS)):
        swatch = Rect(x, y, 2.6 * mm, 2.6 * mm, fillColor=fill, strokeColor=colors.black)
        swatch.strokeWidth = 0.4
        drawing.add(swatch)
        drawing.add(String(x + 3.6 * mm, y + 0.5 * mm, words, fontName=fonts.REGULAR, fontSize=7))
        x += 3.6 * mm + stringWidth(words, fonts.REGULAR, 7) + 5 * mm
    return drawing


# -- text and tables ------------------------------------------------------------------------
@functools.cache
def _board_styles() -> dict[str, ParagraphStyle]:
    """Tighter headings than the long reports (two pages to fit), kept with what follows."""
    base = styles()
    return {
        "H1": ParagraphStyle(
            "BoardH1",
            parent=base["H1"],
            fontSize=11.5,
            leading=14,
            spaceBefore=9,
            spaceAfter=3,
            keepWithNext=1,
        ),
        "Cell": base["TableCell"],
        "Key": ParagraphStyle(
            "BoardKey", parent=base["Small"], alignment=TA_RIGHT, spaceBefore=12, spaceAfter=0
        ),
        "SmallCell": ParagraphStyle(
            "BoardSmallCell", parent=base["TableCell"], fontSize=7.5, leading=9.5
        ),
        "Notes": ParagraphStyle(
            "BoardNotes", parent=base["Small"], fontSize=7.5, leading=9.5, spaceBefore=4
        ),
    }


def _h1(text: str) -> Paragraph:
    return para(text, _board_styles()["H1"])


def _rating_cell(rating: Rating, words: str | None = None) -> Paragraph:
    """The rating's symbol (in its colour) and its word: the colour only adds to them."""
    colour = _RATING_COLOURS[rating].hexval()[2:]
    return Paragraph(
        f'<font color="#{colour}">{rating.symbol}</font> '
        f"<b>{escape_text(words or rating.word)}</b>",
        _board_styles()["Cell"],
    )


def _messages_table(messages: Sequence[KeyMessage], previous: BoardPaper | None) -> Table:
    figures = previous.figures if previous else None
    cell = _board_styles()["Cell"]
    rows = [
        [
            _rating_cell(m.rating),
            Paragraph(f"<b>{escape_text(m.title)}</b>: {escape_text(m.text)}.", cell),
            change_since(m, figures),
        ]
        for m in messages
    ]
    return _table(["Rating", "Key message", "Since the last paper"], rows, [13, 63, 24])


def _headline_table(pairs: Sequence[tuple[str, str]]) -> Table:
    """Headline figures two to a row (label, value, label, value)."""
    cells = [(para(label, "Label"), para(value, "Value")) for label, value in pairs]
    rows = []
    for i in range(0, len(cells), 2):
        left = cells[i]
        right = cells[i + 1] if i + 1 < len(cells) else (para("", "Label"), para("", "Value"))
        rows.append([*left, *right])
    label = 40 * mm
    widths = [label, TEXT_WIDTH / 2 - label, label, TEXT_WIDTH / 2 - label]
    table = Table(rows, colWidths=widths, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), fonts.REGULAR),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
                ("LINEBELOW", (0, 0), (-1, -1), 0.4, LINE_GREY),
                ("LINEABOVE", (0, 0), (-1, 0), 0.4, LINE_GREY),
            ]
        )
    )
    return table


def _side_by_side(left: Sequence[Any], right: Sequence[Any], split: float = 0.5) -> Table:
    """Two columns of flowables (the two charts with their headings); ``split``: the share of
    the width the left one takes."""
    widths = [TEXT_WIDTH * split, TEXT_WIDTH * (1 - split)]
    table = Table([[list(left), list(right)]], colWidths=widths)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), fonts.REGULAR),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (0, -1), 8 * mm),
                ("RIGHTPADDING", (1, 0), (1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _asks(needing: int, not_met: int, overdue: int) -> list[str]:
    """What the board is asked to decide or note, most pressing first."""
    asks: list[str] = []
    if needing:
        asks.append(
            f"decide the development route for the {_count(needing, 'case')} recommended "
            "for protection (section 3);"
        )
    if not_met:
        asks.append(
            f"agree who will complete the {_count(not_met, 'governance action')} not yet met, "
            "and by when (section 8);"
        )
    if overdue:
        asks.append(
            f"note the {_count(overdue, 'overdue deadline')} and ask for a plan to clear "
            f"{'it' if overdue == 1 else 'them'} (section 6);"
        )
    asks.append("note the key messages and the figures for the period.")
    return asks


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _previous_words(previous: BoardPaper | None) -> str:
    if previous is None:
        return "First paper from this register: no change to show yet."
    produced = previous.produced_at.astimezone().date()
    return (
        f"Changes are against the board summary for {format_date(previous.start)} to "
        f"{format_date(previous.end)}, produced {format_date(produced)}."
    )


def _waiting(day: dt.date | None, today: dt.date) -> str:
    if day is None:
        return "Not recorded"
    return f"{format_date(day)} ({_count((today - day).days, 'day')})"


# -- the paper ------------------------------------------------------------------------------
def write_board_summary(
    register: Register, start: dt.date, end: dt.date, target: Path, *, today: dt.date | None = None
) -> Path:
    """The board summary for ``start``..``end`` (inclusive); records it, with the figures
    of its key messages, so the next paper can compare."""
    if end < start:
        raise ValueError("the period ends before it starts")
    today = today or dt.date.today()
    facts = register.facts
    period = f"{format_date(start)} to {format_date(end)}"
    # first, as an older register makes its signing key (and an audit row) on first need
    fingerprint = register.signing.fingerprint()
    context = ReportContext.from_register(register, "Board summary")
    rules = load_rating_rules()

    # -- the facts ---------------------------------------------------------------------------
    counts = facts.stage_counts(include_drafts=True)
    received = facts.disclosures_received(start, end)
    decided = facts.decisions_in(start, end)
    feedback = facts.feedback(start, end, today)
    # The counts of the whole deadline list and its first rows (no sort of every deadline)
    deadlines = facts.deadline_counts(today, rules.coming_days, DEADLINES_SHOWN)
    costs = facts.costs_in(start, end)
    returns = facts.returns_in(start, end)
    needing = facts.board_decisions_needed()
    record = register.governance.record()
    ttc = facts.ttc_arrangement(today, record)
    statuses = action_statuses(record, register.governance.training(), today, ttc)
    reviews = facts.reviews_due(today, 90)
    ttc_reviews = facts.latest_ttc_reviews()
    previous = facts.last_board_paper(start, end)

    messages = [
        feedback_message(feedback, rules),
        _in_section(
            deadlines_message(deadlines.overdue_by, deadlines.count - deadlines.overdue, rules),
            6,
        ),
        _in_section(decisions_message([n.decided_on for n in needing], today, rules), 3),
        _in_section(governance_message(statuses), 8),
    ]
    not_met = sum(1 for s in statuses if s.status == "not met")

    # -- page 1: what the board is asked, the key messages, the figures ------------------------
    story: list[Any] = [
        para("IP board summary", "Title"),
        para(
            f"Period: {period}. Prepared {format_date(today)} by {prepared_by(register)}.",
            "Subtitle",
        ),
        boxed(
            [
                para("The board is asked to:", "Alert"),
                *(
                    para(text, bullet=True)
                    for text in _asks(len(needing), not_met, deadlines.overdue)
                ),
            ],
            weight=1.2,
            padding=6,
        ),
        keep_together(
            [
                _side_by_side(
                    [_h1("1. Key messages")],
                    [para(RATINGS_KEY, _board_styles()["Key"])],
                    split=0.45,
                ),
                para(_previous_words(previous), "Small"),
                _messages_table(messages, previous),
            ]
        ),
    ]

    open_cases = sum(n for s, n in counts.items() if s not in (Stage.CLOSED, Stage.DRAFT))
    spend_in = sum((c.total for c in costs), Decimal(0))
    returns_in = sum((r.gross for r in returns), Decimal(0))
    story += [
        _h1("2. Headline figures for the period"),
        _headline_table(
            [
                ("Open cases today", f"{open_cases:,}"),
                ("Disclosures received", f"{received:,}"),
                ("Decisions made", f"{len(decided):,}"),
                (
                    f"Deadlines, next {rules.coming_days} days",
                    f"{deadlines.count:,}, of which {deadlines.overdue:,} overdue",
                ),
                ("Protection spend", money(spend_in)),
                ("Returns received", money(returns_in)),
            ]
        ),
    ]

    story.append(
        keep_together(
            [
                _h1("3. Cases that need a board decision (steps 6 and 7)"),
                _table(
                    ["Case", "Title", "Triage decision on"],
                    [[n.reference, n.title, _waiting(n.decided_on, today)] for n in needing],
                    [17, 59, 24],
                )
                if needing
                else none_recorded("No case is waiting for a board decision."),
            ],
            min_space=30 * mm,
        )
    )

    # -- the pipeline and the money, side by side ----------------------------------------------
    total = sum(counts.values())
    parts = period_parts(start, end)
    spend = [
        sum((c.total for c in costs if p.start <= c.spent_on <= p.end), Decimal(0)) for p in parts
    ]
    got = [
        sum((r.gross for r in returns if p.start <= r.received_on <= p.end), Decimal(0))
        for p in parts
    ]
    by_quarter = not parts[0].short[:1].isdigit()
    story.append(
        keep_together(
            [
                _side_by_side(
                    [
                        _h1(f"4. Pipeline by stage ({total:,} cases)"),
                        stage_chart(counts)
                        if total
                        else none_recorded("The register holds no cases."),
                    ],
                    [
                        _h1(
                            "5. Spend and returns by "
                            + ("quarter" if by_quarter else "financial year")
                        ),
                        money_chart(parts, spend, got)
                        if costs or returns
                        else none_recorded("No costs or returns were recorded in the period."),
                    ],
                ),
                _table(
                    [
                        "Quarter" if by_quarter else "Financial year",
                        *(_part_header(p, by_quarter) for p in parts),
                        f"The period\n{period}",
                    ],
                    [
                        ["Spend", *(money(v) for v in spend), money(spend_in)],
                        ["Returns", *(money(v) for v in got), money(returns_in)],
                    ],
                    [1.0] + [1.0] * len(parts) + [1.6],
                ),
            ]
        )
    )

    # -- page 2: deadlines, decisions, governance, portfolio and TTC ----------------------------
    shown = deadlines.first
    rest = deadlines.count - len(shown)
    rows = [[format_date(d.due), d.describe(today), d.text, d.reference] for d in shown]
    deadline_part: list[Any] = [
        _h1(f"6. Deadlines: overdue and the next {rules.coming_days} days"),
        _table(["Due", "When", "What", "Case or right"], rows, [11, 17, 57, 15])
        if rows
        else none_recorded(f"Nothing is due in the next {rules.coming_days} days."),
    ]
    if rest:
        rest_overdue = deadlines.rest_overdue
        deadline_part.append(
            para(
                f"\u2026 and {rest:,} more of the {deadlines.count:,}"
                + (f" ({rest_overdue:,} of them overdue)" if rest_overdue else "")
                + ", in the app's upcoming deadlines.",
                "Small",
            )
        )
    story.append(keep_together(deadline_part))

    grouped: dict[tuple[str, str], list[str]] = {}
    for d in decided:
        grouped.setdefault((d.outcome_label, d.kind), []).append(d.reference)
    story.append(
        keep_together(
            [
                _h1("7. Decisions made in the period"),
                _table(
                    ["Decision", "Kind", "Cases"],
                    [
                        [label, kind, f"{len(refs)}: " + ", ".join(refs)]
                        for (label, kind), refs in sorted(
                            grouped.items(), key=lambda item: (-len(item[1]), item[0])
                        )
                    ],
                    [33, 9, 58],
                )
                if grouped
                else none_recorded("No decisions were recorded in the period."),
            ]
        )
    )

    small = _board_styles()["SmallCell"]
    story.append(
        keep_together(
            [
                _h1("8. Governance: the actions for organisations"),
                _table(
                    ["Action", "Status", "Evidence"],
                    [
                        [
                            Paragraph(escape_text(s.title), small),
                            _rating_cell(_STATUS_RATING[s.status], s.status_words),
                            Paragraph(escape_text(s.evidence), small),
                        ]
                        for s in statuses
                    ],
                    [27, 13, 60],
                ),
            ]
        )
    )

    story.append(
        keep_together(
            [
                _h1("9. Portfolio reviews due (steps 6 and 8)"),
                _table(
                    ["Right", "Kind", "Review due"],
                    [
                        [
                            r.title + (" (lapsed)" if r.status is RightStatus.LAPSED else ""),
                            r.right_type.label,
                            format_date(r.due),
                        ]
                        for r in reviews
                    ],
                    [60, 20, 20],
                )
                if reviews
                else none_recorded("No portfolio review is due in the next 90 days."),
            ]
        )
    )

    ttc_rows = [
        [
            f"{row.reference} {row.title}",
            format_date(row.review.reviewed_on),
            str(row.review.licences_executed),
            str(row.review.active_licences),
            money(row.review.revenue),
        ]
        for row in ttc_reviews
    ]
    story.append(
        keep_together(
            [
                _h1("10. TTC performance (step 9, Annex B)"),
                _table(
                    ["Agreement", "Last review", "Licences signed", "Active", "Revenue"],
                    ttc_rows,
                    [44, 14, 14, 10, 18],
                )
                if ttc_rows
                else none_recorded("No TTC performance review has been recorded yet."),
            ]
        )
    )

    story += _notes(rules, fingerprint)
    written = build_pdf(target, context, story)
    record_board_paper(register, target, SECTIONS, start, end, figures_of(messages))
    return written


def _notes(rules: RatingRules, fingerprint: str) -> list[Any]:
    """The paper's notes: how each key message is rated (thresholds of our own, in words,
    citing the guidance each serves, with the ratings file's version), and the signing key."""
    rated = " ".join(
        f"<b>{escape_text(title)}.</b> {escape_text(words)}" for title, words in rules.notes()
    )
    intro = escape_text(
        "Notes. How the key messages are rated (thresholds of our own: the guidance sets no "
        f"figures; board ratings version {rules.version})."
    )
    signing = escape_text(
        f"Exports from this register are signed with the key whose fingerprint is {fingerprint}: "
        "an auditor checks a pack against it."
    )
    return [Paragraph(f"{intro} {rated} {signing}", _board_styles()["Notes"])]


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]], widths: Sequence[float]) -> Table:
    """The shared ruled table, with tighter rows (two pages to fit)."""
    table = data_table(header, rows, widths)
    table.setStyle(
        TableStyle(
            [
                ("TOPPADDING", (0, 0), (-1, -1), 1.8),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.6),
            ]
        )
    )
    return table


def _part_header(part: PeriodPart, by_quarter: bool) -> str:
    """A column head for a part of the period, saying where the period cuts it short."""
    full_start = part.start.day == 1 and part.start.month in ((1, 4, 7, 10) if by_quarter else (4,))
    after = part.end + dt.timedelta(days=1)
    full_end = after.day == 1 and after.month in ((1, 4, 7, 10) if by_quarter else (4,))
    if full_start and full_end:
        return part.short
    if not full_start and not full_end:
        return f"{part.short}\n{part.start:%d/%m} to {part.end:%d/%m}"
    if not full_start:
        return f"{part.short}\nfrom {part.start:%d/%m}"
    return f"{part.short}\nto {part.end:%d/%m}"


def _in_section(message: KeyMessage, section: int) -> KeyMessage:
    return replace(message, text=f"{message.text} (section {section})")
