"""An innovator's revenue statement: what each return in a period earned them (guidance step 8).

Step 8 asks the trust to record every return accurately and to share returns with staff as
its IP policy says; Annex A section 9 covers how revenue is shared. The statement shows one
innovator, for one case, each return in the period (date, kind, gross, deductible costs,
net and their own amount), the totals, the policy the amounts were worked out under (title,
version, bands) and the rounding rule, so the innovator can check every figure. It uses the
shared page template, so every page carries the marking, "Page X of Y" and the audit
trail's head, and writing it is recorded in the audit trail.

The amounts come from :func:`nhsip_desktop.finance.revenue.distribute`, worked out over all of the
case's returns (so each return falls in the right band); ``period`` only chooses the rows.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph, Spacer

from nhsip_desktop.finance.revenue import (
    PARTIES,
    PARTY_LABELS,
    ROUNDING_RULE,
    Distribution,
    RevenuePolicy,
    money,
)
from nhsip_desktop.reports import fonts
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
    styles,
    write_report,
)
from nhsip_desktop.store.errors import ValidationError

if TYPE_CHECKING:
    from nhsip_desktop.cases.model import Case
    from nhsip_desktop.store.register import Register

__all__ = ["PAYMENT_NOTE", "STATEMENT_SECTIONS", "statement_title", "write_innovator_statement"]

STATEMENT_SECTIONS: tuple[str, ...] = (
    "Innovator and case",
    "Returns in the period",
    "How revenue is shared",
    "Payment",
)

PAYMENT_NOTE = (
    "Your amount is paid to you through payroll, or as the trust's IP policy says. If "
    "anything in this statement does not look right, please contact the innovation and IP "
    "lead before it is paid."
)


def _payment_note(register: Register) -> str:
    """The payment note, naming the IP lead and how to reach them when the settings say."""
    from nhsip_desktop.reports.letter import Signatory

    lead = Signatory.from_register(register)
    who = ", ".join(p for p in (lead.name, lead.role) if p)
    ways = [w for w in (lead.email, lead.phone) if w] or ([lead.contact] if lead.contact else [])
    if not lead.name and not ways:
        return PAYMENT_NOTE
    reach = f" ({', '.join(ways)})" if ways else ""
    start = PAYMENT_NOTE[: PAYMENT_NOTE.index("please contact")]
    return f"{start}please contact {who}{reach} before it is paid."


def statement_title(case: Case) -> str:
    """The report title in every page's header."""
    return f"Revenue statement {case.reference}"


def _percent(value: Decimal) -> str:
    """33.33 -> "33.33%", 50.00 -> "50%"."""
    text = f"{value.normalize():f}"
    return f"{text}%"


def _period_text(period: tuple[dt.date, dt.date] | None) -> str:
    if period is None:
        return "All returns recorded"
    return f"{format_date(period[0])} to {format_date(period[1])}"


def _cell_styles() -> dict[str, ParagraphStyle]:
    s = styles()
    cell = s["TableCell"]
    bold = ParagraphStyle("StatementBold", parent=cell, fontName=fonts.BOLD)
    return {
        "Cell": cell,
        "Bold": bold,
        "Money": ParagraphStyle("StatementMoney", parent=cell, alignment=TA_RIGHT),
        "MoneyBold": ParagraphStyle("StatementMoneyBold", parent=bold, alignment=TA_RIGHT),
        "HeadRight": ParagraphStyle(
            "StatementHeadRight", parent=s["TableHeader"], alignment=TA_RIGHT
        ),
        "Detail": ParagraphStyle(
            "StatementDetail", parent=s["Small"], fontSize=7.5, leading=9.5, spaceAfter=0
        ),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape_text(text), style)


def _returns_table(rows: list[Distribution], key: str) -> list[Any]:
    c = _cell_styles()
    header = [
        "Date",
        "Kind of return",
        _p("Gross", c["HeadRight"]),
        _p("Deductible costs", c["HeadRight"]),
        _p("Net", c["HeadRight"]),
        _p("Your amount", c["HeadRight"]),
    ]
    body: list[list[Any]] = []
    notes: list[str] = []
    for d in rows:
        line = d.line
        kind: list[Any] = [_p(line.kind.label, c["Cell"])]
        if line.description.strip():
            kind.append(_p(line.description.strip(), c["Detail"]))
        if d.policy is not None:
            kind.append(_p(f"Shared under policy version {d.policy.version}", c["Detail"]))
        if d.note:
            notes.append(f"{format_date(line.received_on)}: {d.note}")
            kind.append(_p(f"See note {len(notes)} below.", c["Detail"]))
        body.append(
            [
                format_date(line.received_on),
                kind,
                _p(money(line.gross), c["Money"]),
                _p(money(line.deductible), c["Money"]),
                _p(money(d.net), c["Money"]),
                _p(money(d.innovator_amount(key)), c["Money"]),
            ]
        )
    gross = sum((d.line.gross for d in rows), Decimal(0))
    deductible = sum((d.line.deductible for d in rows), Decimal(0))
    net = sum((d.net for d in rows), Decimal(0))
    yours = sum((d.innovator_amount(key) for d in rows), Decimal(0))
    body.append(
        [
            _p("Total", c["Bold"]),
            _p(f"{len(rows)} return{'' if len(rows) == 1 else 's'}", c["Bold"]),
            _p(money(gross), c["MoneyBold"]),
            _p(money(deductible), c["MoneyBold"]),
            _p(money(net), c["MoneyBold"]),
            _p(money(yours), c["MoneyBold"]),
        ]
    )
    out: list[Any] = [data_table(header, body, [1.4, 3.25, 1.75, 1.75, 1.75, 1.75])]
    for number, note in enumerate(notes, 1):
        out.append(Spacer(1, 1.5 * mm))
        out.append(para(f"Note {number}. {note}", "Small"))
    return out


def _bands_table(policy: RevenuePolicy) -> Any:
    c = _cell_styles()
    header = ["Cumulative net revenue", *(_p(PARTY_LABELS[p], c["HeadRight"]) for p in PARTIES)]
    rows = [
        [
            policy.band_label(index),
            *(_p(_percent(band.percentage(p)), c["Money"]) for p in PARTIES),
        ]
        for index, band in enumerate(policy.bands)
    ]
    return data_table(header, rows, [3.4, 1.5, 1.5, 1.5, 2.1])


def _policies_used(
    distributions: list[Distribution], current: RevenuePolicy
) -> list[RevenuePolicy]:
    """The policy versions the returns were shared under, oldest first (``current`` when
    none is known): a statement shows the version and bands each return was shared under,
    not only today's."""
    used: dict[tuple[str, int], RevenuePolicy] = {}
    for d in sorted(distributions, key=lambda d: (d.line.received_on, d.return_id)):
        if d.policy is not None:
            used.setdefault((d.policy.id, d.policy.version), d.policy)
    return list(used.values()) or [current]


def _story(
    case: Case,
    name: str,
    share: Decimal,
    key: str,
    rows: list[Distribution],
    distributions: list[Distribution],
    policy: RevenuePolicy,
    period: tuple[dt.date, dt.date] | None,
    payment_note: str = PAYMENT_NOTE,
) -> list[Any]:
    yours = sum((d.innovator_amount(key) for d in rows), Decimal(0))
    policies = _policies_used(rows or distributions, policy)
    versions = "; ".join(
        f"Version {p.version}, in force from {format_date(p.effective)}" for p in policies
    )
    if len(policies) > 1:
        versions += " (each return below says which it was shared under)"
    story: list[Any] = [
        para("Revenue-sharing statement", "Title"),
        para(f"{name} \u00b7 {case.display_title} ({case.reference})", "Subtitle"),
        key_value_table(
            [
                ("Innovator", name),
                ("Idea", case.display_title),
                ("Case reference", case.reference),
                ("Your contribution share", _percent(share)),
                ("Period", _period_text(period)),
                ("Revenue-sharing policy", policies[-1].title),
                ("Policy version" if len(policies) == 1 else "Policy versions", versions),
            ]
        ),
        Spacer(1, 5 * mm),
        boxed(
            [
                para(f"Your total for this period: {money(yours)}", "Alert"),
                para(
                    "This is your part of the innovators' share of the net revenue from the "
                    "returns listed below.",
                    "Small",
                ),
            ],
            weight=1.2,
            padding=7,
        ),
    ]

    returns: list[Any] = [para("Returns in the period", "H1")]
    if rows:
        returns += _returns_table(rows, key)
    else:
        returns.append(none_recorded("no returns were received in this period."))
    upto = [d for d in distributions if period is None or d.line.received_on <= period[1]]
    if upto:
        last = max(upto, key=lambda d: (d.line.received_on, d.return_id))
        when = (
            f"up to the latest return ({format_date(last.line.received_on)})"
            if period is None
            else f"at the end of this period ({format_date(period[1])})"
        )
        returns.append(Spacer(1, 2 * mm))
        returns.append(
            para(
                f"The case's cumulative net revenue {when}: "
                f"{money(last.cumulative_before + last.net)}. Each return is shared at the "
                "percentages of the band its net revenue falls in, like tax bands: a return "
                "that crosses into a new band is split between the two.",
                "Small",
            )
        )
    story.append(keep_together(returns, min_space=45 * mm))

    bands: list[Any] = []
    for used in policies:
        if len(policies) > 1:
            bands.append(
                para(
                    f"Policy version {used.version}, in force from {format_date(used.effective)}",
                    "H2",
                )
            )
        bands += [
            para(used.deductible, "Body"),
            para(
                "Net revenue is counted cumulatively for the case, and each slice of it is "
                "shared at the percentages of the band it falls in:",
                "Body",
            ),
            _bands_table(used),
        ]
    story.append(
        keep_together(
            [
                para("How revenue is shared", "H1"),
                *bands,
                Spacer(1, 2.5 * mm),
                para(
                    f"Your amount is your contribution share ({_percent(share)}) of the "
                    "innovators' part.",
                    "Body",
                ),
            ],
            min_space=50 * mm,
        )
    )
    story.append(keep_together([para("Rounding", "H2"), para(ROUNDING_RULE, "Small")]))
    story.append(keep_together([para("Payment", "H1"), para(payment_note, "Body")]))
    return story


def write_innovator_statement(
    register: Register,
    case_id: int,
    contributor_key: str,
    target: Path,
    *,
    distributions: list[Distribution],
    policy: RevenuePolicy,
    period: tuple[dt.date, dt.date] | None = None,
) -> Path:
    """Write one innovator's revenue statement for case ``case_id`` as a PDF at ``target``.

    ``distributions`` are the case's returns as shared by
    :func:`~nhsip_desktop.finance.revenue.distribute` under ``policy``; the statement lists those
    received within ``period`` (first and last day, inclusive; all of them when None). The
    report is recorded in the audit trail.

    Raises ``ValidationError`` if the contributor is not on the case, the distributions were
    worked out for other contributors, or the period ends before it starts (nothing is
    written); ``NotFoundError`` if there is no such case; ``ReportWriteError`` if the file
    cannot be saved (nothing is then recorded).
    """
    case = register.cases.get(case_id)
    contributor = next(
        (c for c in register.cases.details(case_id).contributors if c.key == contributor_key),
        None,
    )
    if contributor is None:
        raise ValidationError(
            f"There is no such contributor on {case.reference}.", "contributor_key"
        )
    for d in distributions:
        if contributor_key not in {key for key, _, _ in d.innovators}:
            raise ValidationError(
                "These revenue shares were worked out for other contributors; work them out "
                "again from this case's contributors.",
                "distributions",
            )
    if period is not None and period[0] > period[1]:
        raise ValidationError("The period ends before it starts.", "period")
    rows = sorted(
        (
            d
            for d in distributions
            if period is None or period[0] <= d.line.received_on <= period[1]
        ),
        key=lambda d: (d.line.received_on, d.return_id),
    )
    name = contributor.name.strip() or "(name not recorded)"
    return write_report(
        register,
        target,
        title=statement_title(case),
        kind="innovator-statement",
        sections=STATEMENT_SECTIONS,
        outside_the_trust=True,  # sent to the innovator: no register internals
        story=_story(
            case,
            name,
            contributor.share,
            contributor_key,
            rows,
            distributions,
            policy,
            period,
            _payment_note(register),
        ),
    )
