"""The board summary: two pages a trust board can read in five minutes (steps 1 and 8).

Headline figures; the pipeline by stage; disclosures received and decisions made in the
period; feedback against the target; deadlines in the next 90 days and anything overdue;
protection spend against returns by financial year; portfolio reviews due; TTC performance;
governance status; and the cases that need a board decision. Charts are drawn with reportlab
graphics in greys and patterns, so they read in black and white.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors

from ..cases import STAGE_LABELS, Stage
from ..governance import action_statuses
from ..money import money
from ..store.deadlines import all_deadlines
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


def _financial_year(day: dt.date) -> int:
    return day.year if day.month >= 4 else day.year - 1


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
    conn = register.conn
    period = f"{start:%d/%m/%Y} to {end:%d/%m/%Y}"
    context = ReportContext.from_register(register, "Board summary")
    story: list[Any] = [
        para("IP board summary", "Title"),
        para(f"Period: {period}. Prepared {today:%d/%m/%Y}.", "Subtitle"),
    ]

    # -- headline figures ------------------------------------------------------------------
    counts = Counter(
        Stage(r[0]) for r in conn.execute("SELECT stage FROM cases WHERE stage != 'draft'")
    )
    received = conn.execute(
        "SELECT received_on, feedback_given_on FROM cases WHERE received_on BETWEEN ? AND ?",
        (start.isoformat(), end.isoformat()),
    ).fetchall()
    decided = conn.execute(
        "SELECT c.reference, c.title, d.outcome_label, d.decided_on, d.kind FROM decisions d "
        "JOIN cases c ON c.id = d.case_id WHERE d.decided_on BETWEEN ? AND ? ORDER BY d.decided_on",
        (start.isoformat(), end.isoformat()),
    ).fetchall()
    target_days = int(register.settings.get("feedback_target_days"))
    waits = [(dt.date.fromisoformat(g) - dt.date.fromisoformat(r)).days for r, g in received if g]
    within = sum(1 for w in waits if w <= target_days)
    deadlines = all_deadlines(register, today, 90)
    overdue = [d for d in deadlines if d.due < today]
    spend_in = sum(
        (
            Decimal(a) + Decimal(v)
            for a, v in conn.execute(
                "SELECT amount, vat FROM costs WHERE spent_on BETWEEN ? AND ?",
                (start.isoformat(), end.isoformat()),
            )
        ),
        Decimal(0),
    )
    returns_in = sum(
        (
            Decimal(g)
            for (g,) in conn.execute(
                "SELECT gross FROM returns WHERE received_on BETWEEN ? AND ?",
                (start.isoformat(), end.isoformat()),
            )
        ),
        Decimal(0),
    )
    story += [
        para("1. Headline figures", "H1"),
        key_value_table(
            [
                ("Open cases", str(sum(n for s, n in counts.items() if s is not Stage.CLOSED))),
                ("Disclosures received in the period", str(len(received))),
                ("Decisions made in the period", str(len(decided))),
                (
                    "Feedback to innovators (step 5)",
                    f"{within} of {len(waits)} within the {target_days}-day target; median "
                    f"{statistics.median(waits):.0f} days"
                    if waits
                    else "No disclosure received in the period has had its feedback yet",
                ),
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
    rows = [[r[0], r[1], r[4], r[2], format_date(dt.date.fromisoformat(r[3]))] for r in decided]
    story += [
        para("3. Decisions made in the period", "H1"),
        data_table(["Case", "Title", "Kind", "Decision", "Date"], rows, [18, 40, 10, 32, 14])
        if rows
        else none_recorded("No decisions were recorded in the period."),
    ]

    # -- deadlines -------------------------------------------------------------------------
    shown = 10
    rows = [[format_date(d.due), d.describe(today), d.text, d.reference] for d in deadlines[:shown]]
    story.append(
        keep_together(
            [
                para("4. Deadlines: overdue and the next 90 days", "H1"),
                data_table(["Due", "When", "What", "Case or right"], rows, [14, 18, 52, 16])
                if rows
                else none_recorded("Nothing is due in the next 90 days."),
            ]
            + (
                [
                    para(
                        f"… and {len(deadlines) - 15} more in the app's upcoming deadlines.",
                        "Small",
                    )
                ]
                if len(deadlines) > 15
                else []
            )
        )
    )

    # -- spend and returns by financial year ------------------------------------------------
    by_year_spend: defaultdict[int, Decimal] = defaultdict(Decimal)
    by_year_returns: defaultdict[int, Decimal] = defaultdict(Decimal)
    for day, amount, vat in conn.execute("SELECT spent_on, amount, vat FROM costs"):
        by_year_spend[_financial_year(dt.date.fromisoformat(day))] += Decimal(amount) + Decimal(vat)
    for day, gross in conn.execute("SELECT received_on, gross FROM returns"):
        by_year_returns[_financial_year(dt.date.fromisoformat(day))] += Decimal(gross)
    years = sorted(set(by_year_spend) | set(by_year_returns))[-6:]
    story.append(para("5. Protection spend and returns by financial year", "H1"))
    if years:
        story.append(
            _money_chart(
                years,
                [by_year_spend[y] for y in years],
                [by_year_returns[y] for y in years],
            )
        )
        story.append(
            data_table(
                ["Financial year", "Spend", "Returns"],
                [
                    [
                        f"{y} to {y + 1}",
                        money(Decimal(by_year_spend[y])),
                        money(Decimal(by_year_returns[y])),
                    ]
                    for y in years
                ],
                [40, 30, 30],
            )
        )
    else:
        story.append(none_recorded("No costs or returns have been recorded yet."))

    # -- portfolio reviews due --------------------------------------------------------------
    horizon = (today + dt.timedelta(days=90)).isoformat()
    reviews = conn.execute(
        "SELECT title, right_type, next_review FROM rights WHERE next_review IS NOT NULL "
        "AND next_review <= ? AND status NOT IN ('lapsed', 'expired', 'sold', 'withdrawn', "
        "'refused') ORDER BY next_review",
        (horizon,),
    ).fetchall()
    story += [
        para("6. Portfolio reviews due (steps 6 and 8)", "H1"),
        data_table(
            ["Right", "Kind", "Review due"],
            [
                [r[0], r[1].replace("_", " "), format_date(dt.date.fromisoformat(r[2]))]
                for r in reviews
            ],
            [60, 20, 20],
        )
        if reviews
        else none_recorded("No portfolio review is due in the next 90 days."),
    ]

    # -- TTC performance ---------------------------------------------------------------------
    story.append(para("7. TTC performance (step 9, Annex B)", "H1"))
    ttc_rows = []
    for reference, title, data, reviewed_on in conn.execute(
        "SELECT a.reference, a.title, r.data, r.reviewed_on FROM ttc_reviews r "
        "JOIN agreements a ON a.id = r.agreement_id WHERE r.id IN "
        "(SELECT max(id) FROM ttc_reviews GROUP BY agreement_id) ORDER BY a.reference"
    ):
        review = json.loads(data)
        ttc_rows.append(
            [
                f"{reference} {title}",
                format_date(dt.date.fromisoformat(reviewed_on)),
                str(review.get("licences_executed", "")),
                str(review.get("active_licences", "")),
                money(Decimal(str(review.get("revenue", "0")))),
            ]
        )
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
    needing = conn.execute(
        "SELECT c.reference, c.title, d.outcome_label FROM cases c JOIN decisions d ON "
        "d.id = (SELECT max(id) FROM decisions WHERE case_id = c.id AND kind = 'triage') "
        "WHERE c.stage IN ('decision_made', 'active') AND d.outcome = 'develop_protect' "
        "AND NOT EXISTS (SELECT 1 FROM decisions r WHERE r.case_id = c.id AND r.kind = 'route')"
    ).fetchall()
    story += [
        para("9. Cases that need a board decision", "H1"),
        para(
            "Cases the triage recommends developing and protecting, with no development route "
            "chosen yet (step 7): spending on protection needs a decision and a plan (step 6).",
            "Small",
        ),
        data_table(["Case", "Title", "Triage decision"], [list(r) for r in needing], [18, 52, 30])
        if needing
        else none_recorded("No case is waiting for a board decision."),
    ]
    written = build_pdf(target, context, story)
    record_report(register, "board-summary", target, list(SECTIONS))
    return written


def _governance(register: Register, today: dt.date) -> Any:
    """The five actions for organisations with their status, in words."""
    manager = register.governance
    statuses = action_statuses(manager.record(), manager.training(), today)
    return data_table(
        ["Action", "Status", "Evidence"],
        [[s.title, s.status_words, s.evidence] for s in statuses],
        [36, 14, 50],
    )
