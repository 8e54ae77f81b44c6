"""The year's figures for the IP annual return to DHSC and NHS England (Qt-free).

The guidance ("Actions for organisations to take") says organisations will in due course send
DHSC and NHS England an annual return on how they have met the actions, explaining any
variation. No template has been published yet, so this gathers what the register can say
about one financial year (1 April to 31 March; ``year`` is the year it starts in).

Counting rules (each stated in the return too, :data:`COUNTING_RULES`):

- disclosures: cases whose received date falls in the year;
- time to feedback: for the disclosures received in the year, the median number of days from
  receipt to the date feedback was given; and the share given within the register's feedback
  target, out of those whose feedback was given or is already overdue (awaiting feedback past
  the target, as at ``today``);
- triage outcomes and routes chosen: decisions (kind "triage" or "route") dated in the year,
  counted by outcome; a case decided twice counts twice;
- rights filed or granted: by the filing or grant date; rights lapsed: see :data:`LAPSE_RULE`;
- agreements signed: by the date signed;
- costs: entries dated in the year, VAT included; returns: gross amounts received in the year;
- distributions to staff: the innovators' part of each return received in the year, shared
  under the revenue-sharing policy version it was recorded under;
- training: sessions held in the year and their attendees.

A figure whose source has no data at all yet (no decision ever recorded, no right, no
agreement, ...) is "No data recorded yet" (:data:`NO_DATA`), never a 0 that would read as a
real count. A figure that exists but cannot be worked out for this year (a median of nothing)
is "Not applicable", with a note saying why.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from nhsip_desktop.assets.rights import Right
from nhsip_desktop.cases.feedback import FEEDBACK_REFERENCE
from nhsip_desktop.core.errors import RegisterError
from nhsip_desktop.core.money import money
from nhsip_desktop.core.periods import (
    financial_year,
    financial_year_of,
    long_date,
    period_text,
    year_label,
)
from nhsip_desktop.guidance.checklists import ChecklistError, ChecklistLibrary

if TYPE_CHECKING:
    from nhsip_desktop.store.register import Register

__all__ = [
    "COUNTING_RULES",
    "LAPSE_RULE",
    "NOT_APPLICABLE",
    "NO_DATA",
    "AnnualFigures",
    "Figure",
    "FigureGroup",
    "annual_figures",
    "financial_year",
    "financial_year_of",
    "long_date",
    "period_text",
    "year_label",
]

NO_DATA = "No data recorded yet"
NOT_APPLICABLE = "Not applicable"

LAPSE_RULE = (
    "A right counts as lapsed in the year when its status is Lapsed and the lapse is dated in "
    "the year: the date of its latest portfolio review that decided to let it lapse or, when no "
    "such review is recorded, the date its record was last updated."
)

COUNTING_RULES: tuple[str, ...] = (
    "The financial year runs from 1 April to 31 March; a date counts in the year when it falls "
    "on or between those days.",
    "Disclosures: cases whose received date falls in the year.",
    "Time to feedback: for disclosures received in the year, days from receipt to the date "
    "feedback was given. The share within the feedback target is out of those whose feedback "
    "was given or is already overdue.",
    "Triage outcomes and routes chosen: decisions dated in the year; a case decided twice "
    "counts twice.",
    "Rights filed and granted: by filing date and grant (or registration) date. " + LAPSE_RULE,
    "Agreements signed: by the date signed.",
    "Costs: entries dated in the year, VAT included. Returns: gross amounts received in the "
    "year. Distributions to staff: the innovators' part of those returns, under the "
    "revenue-sharing policy version each was recorded under.",
    "Training: sessions held in the year and their attendees.",
)


# -- figures ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Figure:
    """One figure of the return. ``value`` is what is shown, or ``None`` when nothing of the
    kind has been recorded yet (shown as :data:`NO_DATA`); ``number`` is the same figure as a
    number where it is one (a count, days, or pounds as ``Decimal``)."""

    label: str
    value: str | None
    note: str = ""
    number: int | Decimal | None = None

    @property
    def recorded(self) -> bool:
        return self.value is not None

    @property
    def text(self) -> str:
        return self.value if self.value is not None else NO_DATA


@dataclass(frozen=True)
class FigureGroup:
    title: str
    reference: str
    figures: list[Figure]


@dataclass(frozen=True)
class AnnualFigures:
    year: int
    start: dt.date
    end: dt.date
    feedback_target_days: int
    disclosures_received: Figure
    feedback_median_days: Figure
    feedback_within_target: Figure
    triage_outcomes: list[Figure]  # the total first, then one per outcome
    routes_chosen: list[Figure]  # the total first, then one per route
    rights_filed: Figure
    rights_granted: Figure
    rights_lapsed: Figure
    agreements_signed: Figure
    costs: Figure
    returns: Figure
    distributions_to_staff: Figure
    training_sessions: Figure
    training_attendees: Figure

    @property
    def label(self) -> str:
        return year_label(self.year)

    @property
    def groups(self) -> list[FigureGroup]:
        """The figures in the order the return shows them, grouped by guidance step."""
        return [
            FigureGroup(
                "Disclosures and feedback",
                "Steps 4 and 5",
                [
                    self.disclosures_received,
                    self.feedback_median_days,
                    self.feedback_within_target,
                ],
            ),
            FigureGroup("Triage outcomes", "Step 5", list(self.triage_outcomes)),
            FigureGroup("Routes chosen", "Step 7", list(self.routes_chosen)),
            FigureGroup(
                "Rights", "Step 6", [self.rights_filed, self.rights_granted, self.rights_lapsed]
            ),
            FigureGroup("Agreements", "Step 9; Annex B", [self.agreements_signed]),
            FigureGroup(
                "Costs, returns and rewards",
                "Step 8; Annex A, section 9",
                [self.costs, self.returns, self.distributions_to_staff],
            ),
            FigureGroup("Training", "Step 3", [self.training_sessions, self.training_attendees]),
        ]

    def figures(self) -> list[Figure]:
        return [f for group in self.groups for f in group.figures]


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def _no_data(label: str, note: str) -> Figure:
    return Figure(label, None, note)


def _in(on: dt.date | None, start: dt.date, end: dt.date) -> bool:
    return on is not None and start <= on <= end


def _days_text(value: Decimal) -> str:
    shown = value.to_integral_value() if value == value.to_integral_value() else value
    return f"{shown} day" if shown == 1 else f"{shown} days"


# -- each group -------------------------------------------------------------------------------
def _disclosures(register: Register, start: dt.date, end: dt.date) -> Figure:
    label = "Disclosures received"
    if not register.facts.recorded_counts().cases_received:
        return _no_data(label, "No disclosure has been received into the register yet.")
    n = register.facts.disclosures_received(start, end)
    return Figure(label, str(n), "Cases whose received date falls in the year.", n)


def _feedback(
    register: Register, start: dt.date, end: dt.date, today: dt.date
) -> tuple[Figure, Figure]:
    facts = register.facts.feedback(start, end, today)
    target = facts.target_days
    median_label = "Median time to feedback"
    share_label = f"Feedback within the {target}-day target"
    if not register.facts.recorded_counts().feedback_given:
        note = "No feedback to an innovator has been recorded yet."
        return _no_data(median_label, note), _no_data(share_label, note)
    waiting = (
        f" {_plural(facts.awaiting, 'disclosure')} from the year still awaiting feedback "
        f"({facts.overdue} past the target)."
        if facts.awaiting
        else ""
    )
    if not facts.received:
        note = "No disclosures were received in the year."
        return (
            Figure(median_label, NOT_APPLICABLE, note),
            Figure(share_label, NOT_APPLICABLE, note),
        )
    median = facts.median
    if median is not None:
        median_figure = Figure(
            median_label,
            _days_text(median),
            f"From receipt to feedback, for the {_plural(facts.given, 'disclosure')} from the "
            f"year given feedback.{waiting}",
            median,
        )
    else:
        median_figure = Figure(
            median_label,
            NOT_APPLICABLE,
            f"No disclosure received in the year has had feedback yet.{waiting}",
        )
    if facts.percent is not None:
        share_figure = Figure(
            share_label,
            facts.share_text,
            "Out of the disclosures from the year whose feedback was given or is overdue "
            f"(the register's target is {target} days; {FEEDBACK_REFERENCE}).",
            facts.percent,
        )
    else:
        share_figure = Figure(
            share_label,
            NOT_APPLICABLE,
            "No disclosure from the year has had feedback or is past the target yet.",
        )
    return median_figure, share_figure


def _known_outcomes(kind: str) -> list[tuple[str, str]]:
    """The outcomes the current checklist offers, so that an outcome never chosen shows 0."""
    try:
        library = ChecklistLibrary.load()
        if kind == "triage":
            return [(o.id, o.label) for o in library.get("triage").outcomes]
        for item in library.get("route").items():
            values = [value for value, _label in item.choices]
            if {"route1", "route2", "route3"} <= set(values):
                return [(v, label) for v, label in item.choices if v.startswith("route")]
    except (ChecklistError, OSError):
        pass
    return []


def _decisions(register: Register, kind: str, start: dt.date, end: dt.date) -> list[Figure]:
    total_label = "Triage decisions" if kind == "triage" else "Routes chosen"
    prefix = "Triage: " if kind == "triage" else "Route: "
    if not register.facts.recorded_counts().decisions.get(kind):
        what = "triage decision" if kind == "triage" else "route decision"
        return [_no_data(total_label, f"No {what} has been recorded yet.")]
    counts: dict[str, int] = {}
    labels: dict[str, str] = {}
    for row in register.facts.decisions_in(start, end, kind):
        counts[row.outcome] = counts.get(row.outcome, 0) + 1
        labels[row.outcome] = row.outcome_label  # the latest label recorded for the outcome
    known = _known_outcomes(kind)
    order = [outcome for outcome, _ in known]
    for outcome, label in known:
        labels.setdefault(outcome, label)
    order += sorted(o for o in counts if o not in order)
    total = sum(counts.values())
    out = [
        Figure(
            total_label,
            str(total),
            "Decisions dated in the year; a case decided twice counts twice.",
            total,
        )
    ]
    for o in order:
        # Route labels name themselves ("Route 3: ..."); other labels get the prefix.
        named = labels[o].lower().startswith(prefix.rstrip(": ").lower())
        label = labels[o] if named else prefix + labels[o]
        out.append(Figure(label, str(counts.get(o, 0)), "", counts.get(o, 0)))
    return out


def _by_type(labels: list[str]) -> str:
    counts: dict[str, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    return "; ".join(f"{label} {n}" for label, n in counts.items())


def _rights(register: Register, start: dt.date, end: dt.date) -> tuple[Figure, Figure, Figure]:
    labels = ("Rights filed", "Rights granted or registered", "Rights lapsed")
    if not register.facts.recorded_counts().rights:
        note = "No right has been recorded in the register yet."
        return _no_data(labels[0], note), _no_data(labels[1], note), _no_data(labels[2], note)
    rights = register.rights.all()
    filed = [r for r in rights if _in(r.filing_date, start, end)]
    granted = [r for r in rights if _in(r.grant_date, start, end)]
    lapse_dates = register.facts.lapse_dates()
    lapsed = [r for r in rights if r.id is not None and _in(lapse_dates.get(r.id), start, end)]

    def figure(label: str, found: list[Right], rule: str) -> Figure:
        kinds = _by_type([r.right_type.label for r in found])
        note = rule + (f" By type: {kinds}." if kinds else "")
        return Figure(label, str(len(found)), note, len(found))

    return (
        figure(labels[0], filed, "By filing date."),
        figure(labels[1], granted, "By grant or registration date."),
        figure(
            labels[2],
            lapsed,
            "Status Lapsed; dated by the latest review deciding to let it lapse, else by the "
            "record's last update.",
        ),
    )


def _agreements(register: Register, start: dt.date, end: dt.date) -> Figure:
    label = "Agreements signed"
    if not register.facts.recorded_counts().agreements:
        return _no_data(label, "No agreement has been recorded in the register yet.")
    signed = register.facts.agreements_signed(start, end)
    kinds = "; ".join(f"{kind.replace('_', ' ')} {count}" for kind, count in signed.by_kind)
    note = "By the date signed." + (f" By kind: {kinds}." if kinds else "")
    return Figure(label, str(signed.total), note, signed.total)


def _costs(register: Register, start: dt.date, end: dt.date) -> Figure:
    label = "Costs"
    if not register.facts.recorded_counts().costs:
        return _no_data(label, "No cost has been recorded in the register yet.")
    rows = register.facts.costs_in(start, end)
    amount = sum((r.amount for r in rows), Decimal(0))
    vat = sum((r.vat for r in rows), Decimal(0))
    total = amount + vat
    note = (
        f"{_plural(len(rows), 'entry', 'entries')} dated in the year: {money(amount)} plus "
        f"{money(vat)} VAT."
    )
    return Figure(label, money(total), note, total)


def _returns(register: Register, start: dt.date, end: dt.date) -> tuple[Figure, Figure]:
    labels = ("Returns received", "Distributions to staff")
    if not register.facts.recorded_counts().returns:
        note = "No return has been recorded in the register yet."
        return _no_data(labels[0], note), _no_data(labels[1], note)
    rows = register.facts.returns_in(start, end)
    gross = sum((r.gross for r in rows), Decimal(0))
    deductible = sum((r.deductible for r in rows), Decimal(0))
    returns_figure = Figure(
        labels[0],
        money(gross),
        f"{_plural(len(rows), 'return')} received in the year (gross); {money(deductible)} "
        "of deductible costs set against them.",
        gross,
    )
    to_staff = Decimal(0)
    innovators: set[str] = set()
    not_shared: list[str] = []
    for case_id in sorted({r.case_id for r in rows}):
        try:
            distributions = register.returns.distributions(case_id)
        except RegisterError:
            not_shared.append(register.cases.get(case_id).reference)
            continue
        for distribution in distributions:
            if _in(distribution.line.received_on, start, end):
                to_staff += distribution.parties["innovators"]
                innovators |= {key for key, _name, amount in distribution.innovators if amount}
    note = (
        "The innovators' part of the returns received in the year"
        + (f", shared between {_plural(len(innovators), 'innovator')}" if innovators else "")
        + "."
    )
    if not_shared:
        note += (
            " Not included (the contribution shares do not allow the returns to be shared): "
            + ", ".join(not_shared)
            + "."
        )
    return returns_figure, Figure(labels[1], money(to_staff), note, to_staff)


def _training(register: Register, start: dt.date, end: dt.date) -> tuple[Figure, Figure]:
    labels = ("Training sessions", "Training attendees")
    if not register.facts.recorded_counts().training:
        note = "No training session has been recorded yet."
        return _no_data(labels[0], note), _no_data(labels[1], note)
    n, people = register.facts.training_in(start, end)
    return (
        Figure(labels[0], str(n), "Sessions held in the year.", n),
        Figure(labels[1], str(people), "Attendees counted at those sessions.", people),
    )


def annual_figures(register: Register, year: int, *, today: dt.date | None = None) -> AnnualFigures:
    """The figures for the financial year starting 1 April ``year`` (rules in the module
    docstring). ``today`` (default: today) decides which feedback is already overdue."""
    today = today or dt.date.today()
    start, end = financial_year(year)
    target = int(register.settings.get("feedback_target_days"))
    median, share = _feedback(register, start, end, today)
    filed, granted, lapsed = _rights(register, start, end)
    returns_figure, to_staff = _returns(register, start, end)
    sessions, attendees = _training(register, start, end)
    return AnnualFigures(
        year=year,
        start=start,
        end=end,
        feedback_target_days=target,
        disclosures_received=_disclosures(register, start, end),
        feedback_median_days=median,
        feedback_within_target=share,
        triage_outcomes=_decisions(register, "triage", start, end),
        routes_chosen=_decisions(register, "route", start, end),
        rights_filed=filed,
        rights_granted=granted,
        rights_lapsed=lapsed,
        agreements_signed=_agreements(register, start, end),
        costs=_costs(register, start, end),
        returns=returns_figure,
        distributions_to_staff=to_staff,
        training_sessions=sessions,
        training_attendees=attendees,
    )
