"""The board summary: two pages a trust board can read in five minutes (steps 1 and 8).

Headline figures; the pipeline by stage; disclosures received and decisions made in the
period; feedback against the target; deadlines in the next 90 days and anything overdue;
protection spend against returns by financial year; portfolio reviews due; TTC performance;
governance status; and the cases that need a board decision. Charts are drawn with reportlab
graphics in greys and patterns, so they read in black and white.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors

from nhsip_desktop.assets.rights import RightStatus
from nhsip_desktop.cases.model import STAGE_LABELS, Stage
from nhsip_desktop.core.money import money
from nhsip_desktop.core.periods import year_label
from nhsip_desktop.governance.model import action_statuses

from .template import (
    TEXT_WIDTH,
    ReportContext,
    build_pdf,
    data_table,
    format_date,
    keep_together,
    key_value_table,
    mm,
    none_recorded,
    para,
    record_report,
)

if TYPE_CHECKING:
    from ..store.register import Register

SECTIONS = (
    "headline figures",
    "pipeline by stage",
    "decisions in the period",
    "deadlines",
    "spend and returns by year",
    "portfolio reviews due",
    "TTC performance",
    "governance status",
    "board decisions needed",
)


DEADLINES_SHOWN = 10  # rows of the deadline table; the rest are counted beneath it


def _stage_chart(counts: dict[Stage, int]) -> Drawing:
    drawing = Drawing(TEXT_WIDTH, 38 * mm)
    chart = HorizontalBarChart()
    chart.x, chart.y = 36 * mm, 4 * mm
    chart.width, chart.height = TEXT_WIDTH - 52 * mm, 32 * mm
    stages = [s for s in Stage]
    chart.data = [[counts.get(s, 0) for s in stages]]
    chart.categoryAxis.categoryNames = [STAGE_LABELS[s] for s in stages]
    chart.categoryAxis.reverseDirection = True
    chart.categoryAxis.labels.fontSize = 8
    chart.categoryAxis.labels.fontName = "Helvetica"
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontSize = 7
    chart.bars[0].fillColor = colors.HexColor("#6b7580")
    chart.bars[0].strokeColor = colors.black
    chart.barLabelFormat = "%d"
    chart.barLabels.fontSize = 7
    chart.barLabels.nudge = 7
    drawing.add(chart)
    return drawing


def _money_chart(years: list[int], spend: list[Decimal], returns: list[Decimal]) -> Drawing:
    drawing = Drawing(TEXT_WIDTH, 52 * mm)
    chart = VerticalBarChart()
    chart.x, chart.y = 18 * mm, 10 * mm
    chart.width, chart.height = TEXT_WIDTH - 60 * mm, 38 * mm
    chart.data = [[float(v) for v in spend], [float(v) for v in returns]]
    chart.categoryAxis.categoryNames = [f"{y}-{str(y + 1)[2:]}" for y in years]
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labelTextFormat = lambda v: f"£{v:,.0f}"
    chart.bars[0].fillColor = colors.HexColor("#3b4550")  # spend: dark
    chart.bars[1].fillColor = colors.white  # returns: white, outlined
    chart.bars[0].strokeColor = chart.bars[1].strokeColor = colors.black
    drawing.add(chart)
    legend_x = chart.x + chart.width + 6 * mm
    drawing.add(String(legend_x, 44 * mm, "Dark bars: protection spend", fontSize=7))
    drawing.add(String(legend_x, 40 * mm, "White bars: returns received", fontSize=7))
    return drawing


def write_board_summary(
    register: Register, start: dt.date, end: dt.date, target: Path, *, today: dt.date | None = None
) -> Path:
    """The board summary for ``start``..``end`` (inclusive)."""
    if end < start:
        raise ValueError("the period ends before it starts")
    today = today or dt.date.today()
    facts = register.facts
    period = f"{start:%d/%m/%Y} to {end:%d/%m/%Y}"
    context = ReportContext.from_register(register, "Board summary")
    story: list[Any] = [
        para("IP board summary", "Title"),
        para(f"Period: {period}. Prepared {today:%d/%m/%Y}.", "Subtitle"),
    ]

    # -- headline figures ------------------------------------------------------------------
    counts = facts.stage_counts()
    received = facts.disclosures_received(start, end)
    decided = facts.decisions_in(start, end)
    feedback = facts.feedback(start, end, today)
    deadlines = facts.deadlines(today, 90)
    overdue = [d for d in deadlines if d.due < today]
    spend_in = sum((c.total for c in facts.costs_in(start, end)), Decimal(0))
    returns_in = sum((r.gross for r in facts.returns_in(start, end)), Decimal(0))
    story += [
        para("1. Headline figures", "H1"),
        key_value_table(
            [
                ("Open cases", str(sum(n for s, n in counts.items() if s is not Stage.CLOSED))),
                ("Disclosures received in the period", str(received)),
                ("Decisions made in the period", str(len(decided))),
                ("Feedback to innovators (step 5)", feedback.words),
                (
                    "Deadlines in the next 90 days",
                    f"{len(deadlines)}, of which {len(overdue)} overdue",
                ),
                ("Protection spend in the period", money(spend_in)),
                ("Returns received in the period", money(returns_in)),
            ]
        ),
        para("2. Pipeline by stage (cases submitted so far)", "H1"),
        _stage_chart(counts) if counts else none_recorded("No cases have been submitted yet."),
    ]

    # -- received and decided --------------------------------------------------------------
    rows = [
        [d.reference, d.title, d.kind, d.outcome_label, format_date(d.decided_on)] for d in decided
    ]
    story += [
        para("3. Decisions made in the period", "H1"),
        data_table(["Case", "Title", "Kind", "Decision", "Date"], rows, [18, 40, 10, 32, 14])
        if rows
        else none_recorded("No decisions were recorded in the period."),
    ]

    # -- deadlines -------------------------------------------------------------------------
    shown = deadlines[:DEADLINES_SHOWN]
    rest = deadlines[DEADLINES_SHOWN:]
    rows = [[format_date(d.due), d.describe(today), d.text, d.reference] for d in shown]
    note: list[Any] = []
    if rest:
        rest_overdue = sum(1 for d in rest if d.due < today)
        note.append(
            para(
                f"… and {len(rest)} more of the {len(deadlines)}"
                + (f" ({rest_overdue} of them overdue)" if rest_overdue else "")
                + ", in the app's upcoming deadlines.",
                "Small",
            )
        )
    story.append(
        keep_together(
            [
                para("4. Deadlines: overdue and the next 90 days", "H1"),
                data_table(["Due", "When", "What", "Case or right"], rows, [14, 18, 52, 16])
                if rows
                else none_recorded("Nothing is due in the next 90 days."),
                *note,
            ]
        )
    )

    # -- spend and returns by financial year ------------------------------------------------
    by_year = facts.spend_and_returns_by_year()
    years = sorted(by_year)[-6:]
    story.append(para("5. Protection spend and returns by financial year", "H1"))
    if years:
        story.append(
            _money_chart(
                years,
                [by_year[y][0] for y in years],
                [by_year[y][1] for y in years],
            )
        )
        story.append(
            data_table(
                ["Financial year", "Spend", "Returns"],
                [[year_label(y), money(by_year[y][0]), money(by_year[y][1])] for y in years],
                [40, 30, 30],
            )
        )
    else:
        story.append(none_recorded("No costs or returns have been recorded yet."))

    # -- portfolio reviews due --------------------------------------------------------------
    reviews = facts.reviews_due(today, 90)
    story += [
        para("6. Portfolio reviews due (steps 6 and 8)", "H1"),
        data_table(
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

    # -- TTC performance ---------------------------------------------------------------------
    story.append(para("7. TTC performance (step 9, Annex B)", "H1"))
    ttc_rows = [
        [
            f"{row.reference} {row.title}",
            format_date(row.review.reviewed_on),
            str(row.review.licences_executed),
            str(row.review.active_licences),
            money(row.review.revenue),
        ]
        for row in facts.latest_ttc_reviews()
    ]
    story.append(
        data_table(
            ["Agreement", "Last review", "Licences signed", "Active", "Revenue"],
            ttc_rows,
            [40, 16, 14, 12, 18],
        )
        if ttc_rows
        else none_recorded("No TTC performance review has been recorded yet.")
    )

    # -- governance ---------------------------------------------------------------------------
    story.append(para("8. Governance: the actions for organisations", "H1"))
    story.append(_governance(register, today))

    # -- board decisions needed ---------------------------------------------------------------
    needing = facts.board_decisions_needed()
    story += [
        para("9. Cases that need a board decision", "H1"),
        para(
            "Cases the triage recommends developing and protecting, with no development route "
            "chosen yet (step 7): spending on protection needs a decision and a plan (step 6).",
            "Small",
        ),
        data_table(
            ["Case", "Title", "Triage decision"],
            [[n.reference, n.title, n.triage_decision] for n in needing],
            [18, 52, 30],
        )
        if needing
        else none_recorded("No case is waiting for a board decision."),
    ]
    written = build_pdf(target, context, story)
    record_report(register, "board-summary", target, list(SECTIONS))
    return written


def _governance(register: Register, today: dt.date) -> Any:
    """The five actions for organisations with their status, in words."""
    manager = register.governance
    record = manager.record()
    ttc = register.facts.ttc_arrangement(today, record)
    statuses = action_statuses(record, manager.training(), today, ttc)
    return data_table(
        ["Action", "Status", "Evidence"],
        [[s.title, s.status_words, s.evidence] for s in statuses],
        [36, 14, 50],
    )
