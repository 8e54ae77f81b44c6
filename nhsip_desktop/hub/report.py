"""The hub's consolidated report: every trust's pipeline, deadlines, five actions and money.

Laid out with the reports' one page template (``reports/template.py``); its facts come from
the hub's named queries (``hub/queries.py``), the same ones the Hub window shows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nhsip_desktop.cases.model import STAGE_LABELS, Stage
from nhsip_desktop.core.money import money
from nhsip_desktop.governance.model import ACTIONS
from nhsip_desktop.hub import queries

from ..reports.template import (
    ReportContext,
    build_pdf,
    data_table,
    format_date,
    keep_together,
    key_value_table,
    none_recorded,
    para,
)
from ..store.audit import ChainHead
from .queries import Conn

__all__ = ["ACTION_SHORT", "write_hub_report"]

ACTION_SHORT = {
    "sro": "SRO named",
    "policy": "Policy reviewed",
    "ttc": "TTC evaluated",
    "publish": "Published",
    "training": "Staff trained",
}
PIPELINE_STAGES = [s for s in Stage if s is not Stage.DRAFT]
COMING_DAYS = 90
OVERDUE_SHOWN = 3  # overdue deadlines listed per trust (the count is always given)


@dataclass(frozen=True)
class HubReportContext(ReportContext):
    """The page template's context, with the hub (not a register) in the footer."""

    hub_text: str = ""

    @property
    def register_text(self) -> str:
        return self.hub_text


def _financial_year_text(year: int) -> str:
    return f"{year}/{(year + 1) % 100:02d}"


def write_hub_report(
    conn: Conn,
    target: Path,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    today: dt.date | None = None,
    hub_name: str = "Regional hub",
) -> Path:
    """The consolidated PDF. ``start``/``end`` limit the pipeline to cases received in the
    period and money to the financial years it touches; deadlines shown are those overdue at
    ``today`` and those due by ``end`` (or within 90 days when no end is given)."""
    today = today or dt.date.today()
    until = end if end is not None and end > today else today + dt.timedelta(days=COMING_DAYS)
    trusts = queries.trusts(conn)
    period = (
        f"Cases received {format_date(start, 'from the start')} to {format_date(end, 'today')}"
        if start or end
        else "All cases"
    )
    context = HubReportContext(
        organisation=hub_name,
        marking="OFFICIAL-SENSITIVE: COMMERCIAL",
        register_id="",
        chain_head=ChainHead(0, ""),
        generated_at=dt.datetime.now().astimezone(),
        title="Consolidated hub report",
        hub_text=f"Hub report \u00b7 {len(trusts)} trusts",
    )
    story: list[Any] = [
        para("Consolidated hub report", "Title"),
        para(
            f"{len(trusts)} trusts. {period}. Deadlines as at {today:%d/%m/%Y}. "
            f"Prepared {today:%d/%m/%Y}.",
            "Subtitle",
        ),
        para("1. Trusts and their latest packs", "H1"),
    ]
    story.append(
        data_table(
            ["ODS", "Trust", "Pack dated", "Cases", "Titles shared"],
            [
                [
                    t.ods,
                    t.name,
                    format_date(t.as_of, "No pack loaded"),
                    f"{t.cases:,}",
                    "Yes" if t.includes_titles else "No",
                ]
                for t in trusts
            ],
            [10, 40, 18, 12, 14],
        )
        if trusts
        else none_recorded("No trust has been added to the hub yet.")
    )

    # -- pipeline ---------------------------------------------------------------------------
    pipe = queries.pipeline(conn, start, end)
    header = ["Trust", *(STAGE_LABELS[s] for s in PIPELINE_STAGES), "Total"]
    rows: list[list[str]] = []
    totals = dict.fromkeys(PIPELINE_STAGES, 0)
    for t in trusts:
        counts = pipe.get(t.ods, {})
        for s in PIPELINE_STAGES:
            totals[s] += counts.get(s.value, 0)
        rows.append(
            [
                f"{t.ods} {t.name}",
                *(f"{counts.get(s.value, 0):,}" for s in PIPELINE_STAGES),
                f"{sum(counts.values()):,}",
            ]
        )
    if rows:
        rows.append(
            [
                "All trusts",
                *(f"{totals[s]:,}" for s in PIPELINE_STAGES),
                f"{sum(totals.values()):,}",
            ]
        )
    story += [
        para("2. Pipeline by trust (cases by stage)", "H1"),
        data_table(header, rows, [30, 12, 12, 14, 11, 11, 10])
        if rows
        else none_recorded("No cases have been loaded."),
    ]

    # -- deadlines --------------------------------------------------------------------------
    dcounts = queries.deadline_counts(conn, today, until)
    none = queries.DeadlineCounts(0, 0, 0)
    summary_rows = [
        [
            f"{t.ods} {t.name}",
            f"{dcounts.get(t.ods, none).overdue:,}",
            f"{dcounts.get(t.ods, none).within_30_days:,}",
            f"{dcounts.get(t.ods, none).by_until:,}",
        ]
        for t in trusts
    ]
    story += [
        para(f"3. Deadlines by trust: overdue, and due by {until:%d/%m/%Y}", "H1"),
        data_table(
            ["Trust", "Overdue", "Due in 30 days", f"Due by {until:%d/%m/%Y}"],
            summary_rows,
            [40, 14, 18, 18],
        )
        if summary_rows
        else none_recorded("No trust has been added to the hub yet."),
    ]
    by_trust: dict[str, list[queries.DeadlineRow]] = {}
    for d in queries.most_overdue(conn, today, OVERDUE_SHOWN):
        by_trust.setdefault(d.ods, []).append(d)
    for t in trusts:
        shown = by_trust.get(t.ods, [])
        if not shown:
            continue
        more = dcounts.get(t.ods, none).overdue - len(shown)
        block: list[Any] = [
            para(f"Longest overdue at {t.ods} {t.name}", "H2"),
            data_table(
                ["Due", "Overdue by", "Kind", "Case or record", "What"],
                [
                    [
                        format_date(d.due),
                        f"{(today - d.due).days} days",
                        d.kind.replace("_", " "),
                        d.reference,
                        d.text or "(wording not shared)",
                    ]
                    for d in shown
                ],
                [14, 13, 14, 18, 41],
            ),
        ]
        if more > 0:
            block.append(para(f"and {more:,} more overdue at this trust.", "Small"))
        story.append(keep_together(block))

    # -- five actions -----------------------------------------------------------------------
    cells = {(c.ods, c.action): c.status for c in queries.actions_matrix(conn)}
    matrix_rows = [
        [f"{t.ods} {t.name}", *(cells.get((t.ods, key), "Not reported") for key in ACTIONS)]
        for t in trusts
    ]
    story += [
        para("4. The five actions for organisations, across trusts", "H1"),
        para(
            "Each trust's status as its own register worked it out on the pack's date "
            "(IP guidance for the NHS in England, 'Actions for organisations').",
            "Small",
        ),
        data_table(
            ["Trust", *(ACTION_SHORT[key] for key in ACTIONS)],
            matrix_rows,
            [30, 14, 14, 14, 14, 14],
        )
        if matrix_rows
        else none_recorded("No trust has been added to the hub yet."),
        key_value_table([(ACTION_SHORT[a.key], a.title) for a in ACTIONS.values()]),
    ]

    # -- money ------------------------------------------------------------------------------
    years = None
    if start or end:
        first = _fy(start or dt.date(1900, 4, 1))
        last = _fy(end or today)
        years = list(range(first, last + 1))
    money_rows = queries.money_by_year(conn, years)
    story += [
        para("5. Money by financial year (all trusts)", "H1"),
        data_table(
            ["Financial year", "Trusts reporting", "Protection spend", "Returns received"],
            [
                [
                    _financial_year_text(m.financial_year),
                    f"{m.trusts:,}",
                    money(m.spend_gbp),
                    money(m.returns_gbp),
                ]
                for m in money_rows
            ],
            [20, 18, 22, 22],
        )
        if money_rows
        else none_recorded("No money has been reported."),
    ]
    return build_pdf(target, context, story)


def _fy(day: dt.date) -> int:
    return day.year if day.month >= 4 else day.year - 1
