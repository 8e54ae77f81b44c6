"""The IP annual return: the five actions for organisations and the year's figures, as a PDF.

The guidance ("Actions for organisations to take") expects organisations, in due course, to
send DHSC and NHS England an annual return summarising how they have met the actions and
explaining any variation from the guidance with its mitigations. Until a template is
published, this report sets out each action's status in words with its evidence, the
variations and mitigations entered, and the register's figures for the financial year (each
counted by a stated rule; "No data recorded yet" where the register holds nothing of the
kind). Writing it is recorded in the audit trail.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportlab.platypus import Paragraph, Spacer

from nhsip_desktop.governance.annual_return import (
    COUNTING_RULES,
    AnnualFigures,
    annual_figures,
    period_text,
    year_label,
)
from nhsip_desktop.governance.model import (
    ACTIONS,
    ANNEX_A_HEADINGS,
    ActionStatus,
    GovernanceRecord,
    action_statuses,
)
from nhsip_desktop.reports.template import (
    boxed,
    data_table,
    escape_text,
    format_date,
    keep_together,
    key_value_table,
    mm,
    none_recorded,
    para,
    prepared_by,
    styles,
    write_report,
)
from nhsip_desktop.store.governance import GovernanceManager

if TYPE_CHECKING:
    from nhsip_desktop.store.register import Register

__all__ = ["ANNUAL_RETURN_SECTIONS", "annual_return_title", "write_annual_return"]

ANNUAL_RETURN_SECTIONS: tuple[str, ...] = (
    "Actions for organisations",
    "Variations from the guidance",
    "Figures for the year",
    "IP policy and the Annex A headings",
    "How the figures are counted",
)

TEMPLATE_NOTE = (
    "DHSC and NHS England have said that organisations will in due course be expected to send "
    "them an annual return. Its format has not been published yet: when DHSC and NHS England "
    "publish their template, this return will follow it. Until then it sets out the five "
    "actions for organisations in the guidance, any variations with their mitigations, and "
    "the figures this register holds for the year."
)


def annual_return_title(year: int) -> str:
    """ "IP annual return, financial year 2026 to 2027 (1 April 2026 to 31 March 2027)"."""
    return f"IP annual return, financial year {year_label(year)} ({period_text(year)})"


def _title(year: int) -> list[Any]:
    s = styles()
    main = escape_text(f"IP annual return, financial year {year_label(year)}")
    period = escape_text(f"({period_text(year)})")
    # The period on its own line, in the subtitle's size, so the title never breaks mid-phrase.
    return [Paragraph(f"{main}<br/><font size='12'>{period}</font>", s["Title"])]


def _about(register: Register, year: int, record: GovernanceRecord, today: dt.date) -> list[Any]:
    settings = register.settings.all()
    sro = record.sro
    rows = [
        ("Organisation", str(settings["organisation"]).strip() or "Not recorded"),
        ("ODS code", str(settings["ods_code"]).strip() or "Not recorded"),
        ("Financial year", f"{year_label(year)}: {period_text(year)}"),
        (
            "Senior responsible officer",
            f"{sro.name.strip()}, {sro.role.strip()}" if sro else "None recorded",
        ),
        ("Prepared by", prepared_by(register)),
        ("Action status as at", format_date(today)),
    ]
    return [key_value_table(rows)]


def _status_cell(status: ActionStatus) -> Any:
    return Paragraph(f"<b>{escape_text(status.status_words)}</b>", styles()["Value"])


def _actions(statuses: list[ActionStatus], record: GovernanceRecord) -> list[Any]:
    out: list[Any] = [
        para(
            "The guidance asks every organisation providing or commissioning NHS services to "
            "take five actions. Each is shown with its status in words (met, partly met or not "
            "met), worked out from the governance record and the training log, and the "
            "evidence the register holds.",
            "Body",
        )
    ]
    for number, status in enumerate(statuses, 1):
        action = ACTIONS[status.key]
        rows: list[tuple[str, Any]] = [
            ("Status", _status_cell(status)),
            ("Evidence", status.evidence),
        ]
        if status.dates:
            rows.append(("Dates", status.dates))
        variations = record.variations_for(status.key)
        if variations:
            rows.append(
                (
                    "Variation",
                    f"{len(variations)} recorded: see Variations from the guidance.",
                )
            )
        rows.append(("Guidance", action.reference))
        out.append(
            keep_together(
                [para(f"{number}. {status.title}", "H2"), key_value_table(rows, 30 * mm)],
                min_space=40 * mm,
            )
        )
    return out


def _variations(record: GovernanceRecord) -> list[Any]:
    if not record.variations:
        return [none_recorded("no variation from the guidance has been entered.")]
    rows = [
        [
            ACTIONS[v.action_key].title if v.action_key in ACTIONS else v.action_key,
            v.variation.strip(),
            v.mitigation.strip(),
        ]
        for v in record.variations
    ]
    return [data_table(["Action", "Variation from the guidance", "Mitigation"], rows, [3, 4, 4])]


def _figures(figures: AnnualFigures) -> list[Any]:
    out: list[Any] = [
        para(
            f"Figures for {period_text(figures.year)}, from the register. "
            '"No data recorded yet" means the register holds nothing of that kind at all, '
            "so the figure is unknown rather than zero.",
            "Body",
        )
    ]
    for group in figures.groups:
        rows = [[f.label, f.text, f.note or "-"] for f in group.figures]
        out.append(
            keep_together(
                [
                    para(f"{group.title} ({group.reference})", "H2"),
                    data_table(["Figure", year_label(figures.year), "Notes"], rows, [5, 2.6, 4.8]),
                ],
                min_space=30 * mm,
            )
        )
    return out


def _policy_headings(record: GovernanceRecord) -> list[Any]:
    policy = record.policy
    if policy is None:
        return [none_recorded("no IP policy is recorded, so no heading is known to be covered.")]
    rows = [
        [f"{n}. {title}", "Covered" if n in policy.headings_covered else "Not covered"]
        for n, title in ANNEX_A_HEADINGS.items()
    ]
    facts = [
        ("Version", policy.version.strip()),
        ("Approved", f"{format_date(policy.approved_on)} by {policy.approved_by.strip()}"),
        ("Last reviewed", format_date(policy.last_review, "Not reviewed since approval")),
        ("Next review due", format_date(policy.next_review_due)),
        ("Published at", policy.published_at.strip() or "Not recorded as published"),
    ]
    table = data_table(["Annex A heading (in our words)", "In the policy"], rows, [7, 2])
    # Thirteen short rows: kept whole rather than split a row or two from the rest.
    return [key_value_table(facts, 40 * mm), keep_together([Spacer(1, 3 * mm), table])]


def _rules(year: int) -> list[Any]:
    bullets = [para(rule, bullet=True) for rule in COUNTING_RULES]
    end = para(f"End of IP annual return {year_label(year)}", "SmallCentre")
    # The closing line stays with the last rule, so it never sits alone on a page.
    return [*bullets[:-1], keep_together([bullets[-1], Spacer(1, 6 * mm), end])]


def _story(
    register: Register, year: int, record: GovernanceRecord, figures: AnnualFigures
) -> list[Any]:
    today = dt.date.today()
    manager = GovernanceManager(register)
    ttc = register.facts.ttc_arrangement(today, record)
    statuses = action_statuses(record, manager.training(), today, ttc)
    story: list[Any] = [*_title(year), Spacer(1, 3 * mm)]
    story += _about(register, year, record, today)
    story += [Spacer(1, 4 * mm), boxed([para(TEMPLATE_NOTE, "Body")], weight=0.6, padding=6)]
    sections = [
        _actions(statuses, record),
        _variations(record),
        _figures(figures),
        _policy_headings(record),
        _rules(year),
    ]
    for number, (title, body) in enumerate(zip(ANNUAL_RETURN_SECTIONS, sections, strict=True), 1):
        story.append(keep_together([para(f"{number}. {title}", "H1"), *body[:1]]))
        story += body[1:]
    return story


def write_annual_return(register: Register, year: int, target: Path) -> Path:
    """Write the IP annual return for the financial year starting 1 April ``year`` as a PDF at
    ``target``, and record it in the audit trail.

    Saved with ``atomic_write``: raises ``ReportWriteError`` if it cannot be saved (nothing is
    then recorded).
    """
    record = GovernanceManager(register).record()
    figures = annual_figures(register, year)
    return write_report(
        register,
        target,
        title=f"IP annual return {year_label(year)}",
        kind="annual-return",
        sections=ANNUAL_RETURN_SECTIONS,
        story=_story(register, year, record, figures),
    )
