"""The protection cost-benefit worksheet: a standard template for step 6 (Qt-free).

Step 6 of the guidance asks the trust to weigh the value of registered protection against its
cost, not to spend on protection unless a development plan exists, and to use standard
templates for cost-effectiveness. This worksheet compares protection options (a UK patent, a
registered design, keeping know-how confidential, open publication, ...) year by year:

- costs: official fees (prefilled from a dated fee schedule, see ``prefill_official_fees``),
  attorney fees (from quotes) and internal staff time, in pounds;
- benefits: licence income and savings, multiplied by the option's probability of success;
- patient benefit: a 0 to 5 score shown beside the money figures, never added to them.

``evaluate_worksheet`` discounts, totals and recommends, applying the step 6 gate: without a
development plan no registered option is recommended. All money is ``decimal.Decimal``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal, InvalidOperation, localcontext
from typing import Any

from nhsip_desktop.assets.fees import Fee, FeeSchedule, FeeScheduleError
from nhsip_desktop.core import json_fields as jf
from nhsip_desktop.core.errors import ValidationError
from nhsip_desktop.core.labelled import LabelledEnum
from nhsip_desktop.core.money import PENNY, money

FORMAT = "nhsip-protection-worksheet"
FORMAT_VERSION = 1
GREEN_BOOK_RATE = Decimal("0.035")  # HM Treasury Green Book social time preference rate
MAX_HORIZON = 50
_ZERO = Decimal(0)
_ONE = Decimal(1)


class ProtectionOption(LabelledEnum):
    UK_PATENT = "uk_patent", "UK patent"
    UK_THEN_PCT = "uk_then_pct", "UK patent, then international (PCT) application"
    REGISTERED_DESIGN = "registered_design", "UK registered design"
    TRADE_MARK = "trade_mark", "UK trade mark"
    KNOW_HOW = "know_how", "Keep confidential as know-how"
    OPEN = "open", "Publish or licence openly"
    COPYRIGHT_ONLY = "copyright_only", "Rely on copyright only"

    @property
    def registered(self) -> bool:
        """True when the option means paying for registered protection."""
        return self in _REGISTERED


_REGISTERED = frozenset(
    {
        ProtectionOption.UK_PATENT,
        ProtectionOption.UK_THEN_PCT,
        ProtectionOption.REGISTERED_DESIGN,
        ProtectionOption.TRADE_MARK,
    }
)
_MONEY_FIELDS = ("official_fees", "attorney", "internal", "licence_income", "savings")


# -- the worksheet ---------------------------------------------------------------------------
def _checkmoney(value: object, where: str) -> None:
    if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
        raise ValidationError("Enter an amount in pounds, £0 or more.", where)


@dataclass
class YearLine:
    """One year of one option, in pounds (costs first, then benefits before probability)."""

    official_fees: Decimal = _ZERO
    attorney: Decimal = _ZERO
    internal: Decimal = _ZERO
    licence_income: Decimal = _ZERO
    savings: Decimal = _ZERO

    def __post_init__(self) -> None:
        self.validate()

    def validate(self, where: str = "") -> None:
        for name in _MONEY_FIELDS:
            _checkmoney(getattr(self, name), f"{where}{name}")

    @property
    def cost(self) -> Decimal:
        return self.official_fees + self.attorney + self.internal

    @property
    def benefit(self) -> Decimal:
        """Licence income and savings, before the probability of success is applied."""
        return self.licence_income + self.savings

    def to_json(self) -> dict[str, str]:
        return {name: str(getattr(self, name)) for name in _MONEY_FIELDS}


@dataclass
class OptionPlan:
    option: ProtectionOption
    years: list[YearLine] = field(default_factory=list)  # index 0 = year 0
    probability: Decimal = Decimal("0.5")  # 0 to 1: the chance the benefits happen
    patient_benefit: int = 0  # 0 to 5, scored separately, never added to money
    note: str = ""

    def __post_init__(self) -> None:
        self.validate()

    def validate(self, where: str = "") -> None:
        if not isinstance(self.option, ProtectionOption):
            raise ValidationError("Choose a protection option.", f"{where}option")
        p = self.probability
        if not isinstance(p, Decimal) or not p.is_finite() or not _ZERO <= p <= _ONE:
            raise ValidationError(
                "Enter the probability of success from 0 to 1, for example 0.5.",
                f"{where}probability",
            )
        score = self.patient_benefit
        if not isinstance(score, int) or isinstance(score, bool) or not 0 <= score <= 5:
            raise ValidationError(
                "Score the patient benefit from 0 to 5.", f"{where}patient_benefit"
            )
        if not isinstance(self.note, str):
            raise ValidationError("The note must be text.", f"{where}note")
        for index, line in enumerate(self.years):
            if not isinstance(line, YearLine):
                raise ValidationError("Each year must be a year line.", f"{where}years[{index}]")
            line.validate(f"{where}years[{index}].")

    def line(self, year: int) -> YearLine:
        """The line for ``year``; a year not filled in counts as all zero."""
        return self.years[year] if 0 <= year < len(self.years) else YearLine()

    def to_json(self) -> dict[str, Any]:
        return {
            "option": self.option.value,
            "years": [line.to_json() for line in self.years],
            "probability": str(self.probability),
            "patient_benefit": self.patient_benefit,
            "note": self.note,
        }


@dataclass
class Worksheet:
    options: list[OptionPlan] = field(default_factory=list)
    discount_rate: Decimal = GREEN_BOOK_RATE  # HM Treasury Green Book, 3.5% a year
    horizon: int = 10  # years 0 .. horizon-1
    has_development_plan: bool = False
    fee_schedule_id: str = ""  # the fee schedule the official fees were prefilled from
    fee_schedule_version: int = 0
    start: dt.date | None = None  # when year 1 begins, so reopening keeps the calendar years

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Raise ``ValidationError`` naming the field at fault (e.g. ``options[0].probability``)."""
        r = self.discount_rate
        if not isinstance(r, Decimal) or not r.is_finite() or not _ZERO <= r <= _ONE:
            raise ValidationError(
                "Enter the discount rate as a fraction from 0 to 1, for example 0.035 for 3.5%.",
                "discount_rate",
            )
        h = self.horizon
        if not isinstance(h, int) or isinstance(h, bool) or not 1 <= h <= MAX_HORIZON:
            raise ValidationError(f"Enter a number of years from 1 to {MAX_HORIZON}.", "horizon")
        if not isinstance(self.has_development_plan, bool):
            raise ValidationError("Say whether a development plan exists.", "has_development_plan")
        if not isinstance(self.fee_schedule_id, str):
            raise ValidationError("The fee schedule id must be text.", "fee_schedule_id")
        v = self.fee_schedule_version
        if not isinstance(v, int) or isinstance(v, bool) or v < 0:
            raise ValidationError(
                "The fee schedule version must be a whole number.", "fee_schedule_version"
            )
        seen: set[ProtectionOption] = set()
        for index, plan in enumerate(self.options):
            where = f"options[{index}]"
            if not isinstance(plan, OptionPlan):
                raise ValidationError("Each option must be an option plan.", where)
            plan.validate(f"{where}.")
            if plan.option in seen:
                raise ValidationError(
                    f"{plan.option.label} is in the worksheet twice.", f"{where}.option"
                )
            seen.add(plan.option)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON; every amount, the probability and the rate as a decimal string."""
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "options": [plan.to_json() for plan in self.options],
            "discount_rate": str(self.discount_rate),
            "horizon": self.horizon,
            "has_development_plan": self.has_development_plan,
            "fee_schedule_id": self.fee_schedule_id,
            "fee_schedule_version": self.fee_schedule_version,
            "start": jf.iso(self.start),
        }

    @classmethod
    def from_json(cls, raw: Any) -> Worksheet:
        """Parse ``to_json`` output; ``ValidationError.field`` names the field at fault."""
        if not isinstance(raw, Mapping) or raw.get("format") != FORMAT:
            raise ValidationError("This is not a protection worksheet.", "format")
        if raw.get("format_version") != FORMAT_VERSION:
            raise ValidationError(
                "This worksheet was saved by a newer version of the app.", "format_version"
            )
        options_raw = raw.get("options")
        if not isinstance(options_raw, list):
            raise ValidationError("The worksheet has no list of options.", "options")
        options = [_plan_from_json(item, f"options[{i}]") for i, item in enumerate(options_raw)]
        return cls(
            options=options,
            discount_rate=_decimal(raw.get("discount_rate"), "discount_rate"),
            horizon=raw.get("horizon"),  # type: ignore[arg-type]  # checked in validate()
            has_development_plan=raw.get("has_development_plan"),  # type: ignore[arg-type]
            fee_schedule_id=raw.get("fee_schedule_id", ""),
            fee_schedule_version=raw.get("fee_schedule_version", 0),
            start=jf.optional_date(raw, "start"),
        )


def _decimal(value: Any, where: str) -> Decimal:
    if not isinstance(value, str):
        raise ValidationError('Expected a number written as text, like "12.50".', where)
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValidationError(f"{value!r} is not a number.", where) from None
    if not number.is_finite():
        raise ValidationError(f"{value!r} is not a number.", where)
    return number


def _plan_from_json(raw: Any, where: str) -> OptionPlan:
    if not isinstance(raw, Mapping):
        raise ValidationError("Each option must be an object.", where)
    try:
        option = ProtectionOption(str(raw.get("option")))
    except ValueError:
        raise ValidationError("This is not a known protection option.", f"{where}.option") from None
    years_raw = raw.get("years", [])
    if not isinstance(years_raw, list):
        raise ValidationError("The years must be a list.", f"{where}.years")
    years = []
    for index, line in enumerate(years_raw):
        place = f"{where}.years[{index}]"
        if not isinstance(line, Mapping):
            raise ValidationError("Each year must be an object.", place)
        values = {name: _decimal(line.get(name, "0"), f"{place}.{name}") for name in _MONEY_FIELDS}
        try:
            years.append(YearLine(**values))
        except ValidationError as exc:
            raise ValidationError(str(exc), f"{place}.{exc.field}") from None
    try:
        return OptionPlan(
            option=option,
            years=years,
            probability=_decimal(raw.get("probability"), f"{where}.probability"),
            patient_benefit=raw.get("patient_benefit", 0),
            note=raw.get("note", ""),
        )
    except ValidationError as exc:
        if exc.field and exc.field.startswith(where):
            raise
        raise ValidationError(str(exc), f"{where}.{exc.field}") from None


# -- official fees from the schedule ---------------------------------------------------------
def _add_months(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last))


def _end_of_month(day: dt.date) -> dt.date:
    return _add_months(day.replace(day=1), 1) - dt.timedelta(days=1)


def _year_index(start: dt.date, day: dt.date) -> int:
    """The worksheet year ``day`` falls in: year t starts at start + t years (< 0: before)."""
    index = day.year - start.year
    if (day.month, day.day) < (start.month, start.day):
        index -= 1
    return index


def official_fee_items(
    option: ProtectionOption,
    schedule: FeeSchedule,
    horizon: int,
    *,
    start_year: dt.date,
    filed: dt.date | None = None,
) -> list[tuple[int, Fee]]:
    """Each official fee due within the worksheet, with its year index (see
    ``prefill_official_fees`` for the timing), in date order. Lets the UI show each figure's
    ``as_of_text``, source and caveat, and flag fees with no known amount."""
    filed = filed or start_year
    due: list[tuple[dt.date, Fee]] = []
    if option in (ProtectionOption.UK_PATENT, ProtectionOption.UK_THEN_PCT):
        due.append((filed, schedule.fee("gb_patent_application")))
        due.append((filed, schedule.fee("gb_patent_search")))
        if option is ProtectionOption.UK_THEN_PCT:
            due.append((_add_months(filed, 12) - dt.timedelta(days=1), schedule.fee("pct_filing")))
        due.append((_add_months(filed, 18), schedule.fee("gb_patent_examination")))
        for life_year in range(5, 21):
            fee = schedule.patent_renewal(life_year)
            if fee is None:
                raise FeeScheduleError(
                    schedule.name, f"fees.gb_patent_renewal_{life_year}", "this fee is missing"
                )
            due.append((_end_of_month(_add_months(filed, 12 * (life_year - 1))), fee))
    elif option is ProtectionOption.REGISTERED_DESIGN:
        due.append((filed, schedule.fee("uk_design_application")))
        for years in (5, 10, 15, 20):
            fee = schedule.design_renewal(years)
            if fee is None:
                raise FeeScheduleError(
                    schedule.name, f"fees.uk_design_renewal_{years}", "this fee is missing"
                )
            due.append((_add_months(filed, 12 * years), fee))
    elif option is ProtectionOption.TRADE_MARK:
        due.append((filed, schedule.fee("uk_trade_mark_application")))
        renewal = schedule.fee("uk_trade_mark_renewal")
        years = 10
        while _year_index(start_year, _add_months(filed, 12 * years)) < horizon:
            due.append((_add_months(filed, 12 * years), renewal))
            years += 10
    items = [(_year_index(start_year, day), fee) for day, fee in sorted(due, key=lambda d: d[0])]
    return [(year, fee) for year, fee in items if 0 <= year < horizon]


def prefill_official_fees(
    option: ProtectionOption,
    schedule: FeeSchedule,
    horizon: int,
    *,
    start_year: dt.date,
    filed: dt.date | None = None,
) -> list[Decimal]:
    """Official fees for each worksheet year 0 .. horizon-1, from the fee schedule.

    Year index t is the twelve months from ``start_year`` + t years. ``filed`` is the filing
    date of a right that already exists (a review of whether to keep paying); by default the
    right is filed on ``start_year``. Fees due before ``start_year`` or after the horizon are
    left out. For a new filing (``filed`` = ``start_year``):

    - UK patent: year 0 application + search fees, year 1 examination (requested about 18
      months after filing); renewal for year N of the patent's life (N = 5..20) is due at the
      end of the month of the (N-1)th anniversary, so year index 4 gets the year-5 renewal,
      index 5 the year-6 renewal, ... index 19 the year-20 renewal. (A patent granted more than
      3 years 9 months after filing has its first renewal later: adjust by hand.)
    - UK patent then PCT: as the UK patent, plus the PCT filing in year 0 (within 12 months).
    - Registered design: year 0 application; renewals at the 5th, 10th, 15th and 20th
      anniversaries, so year indexes 5, 10, 15 and 20.
    - Trade mark (one class): year 0 application; renewal at the 10th anniversary (index 10),
      then every 10 years.
    - Know-how, open publication, copyright only: no official fees, all years zero.

    A fee whose amount is not known (``None``, e.g. the PCT filing) counts as £0 here: use
    ``official_fee_items`` to show which fees those are, with their caveats.
    """
    totals = [Decimal("0.00")] * horizon
    for year, fee in official_fee_items(
        option, schedule, horizon, start_year=start_year, filed=filed
    ):
        if fee.amount is not None:
            totals[year] += fee.amount
    return totals


# -- evaluation ------------------------------------------------------------------------------
@dataclass(frozen=True)
class OptionResult:
    option: ProtectionOption
    total_cost: Decimal  # present value of all costs over the horizon, to the penny
    expected_benefit: Decimal  # present value of benefits x probability, to the penny
    npv: Decimal  # expected_benefit - total_cost
    bcr: Decimal | None  # benefit-cost ratio to 2 places; None when there is no cost
    break_even_year: int | None  # first year discounted benefits cover costs; None if never
    cumulative_cost: list[Decimal]  # discounted, running total per year, to the penny
    cumulative_benefit: list[Decimal]
    patient_benefit: int  # 0 to 5, shown beside the money, never added to it


@dataclass(frozen=True)
class WorksheetResult:
    results: list[OptionResult]
    recommended: ProtectionOption | None
    gate: str | None  # why registered options were held back (no development plan), or None
    explanation: str

    def result(self, option: ProtectionOption) -> OptionResult:
        for result in self.results:
            if result.option is option:
                return result
        raise KeyError(option)


GATE_TEXT = (
    "No development plan is recorded, so registered protection (a patent, registered design or "
    "trade mark) is not recommended. Step 6 of the guidance asks the trust not to spend money "
    "or staff time on protection unless there is a development plan and the IP will be "
    "actively taken forward towards adoption or commercialisation. Record a development plan "
    "to weigh the registered options."
)


def _penny(value: Decimal) -> Decimal:
    return value.quantize(PENNY, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class _Sums:
    pv_cost: Decimal
    pv_benefit: Decimal


def _evaluate_option(plan: OptionPlan, rate: Decimal, horizon: int) -> tuple[OptionResult, _Sums]:
    pv_cost = pv_benefit = _ZERO
    cumulative_cost: list[Decimal] = []
    cumulative_benefit: list[Decimal] = []
    break_even: int | None = None
    for year in range(horizon):
        line = plan.line(year)
        factor = (_ONE + rate) ** year  # year 0: factor 1, undiscounted
        pv_cost += line.cost / factor
        pv_benefit += line.benefit * plan.probability / factor
        cumulative_cost.append(_penny(pv_cost))
        cumulative_benefit.append(_penny(pv_benefit))
        started = pv_cost > 0 or pv_benefit > 0
        if break_even is None and started and pv_benefit >= pv_cost:
            break_even = year
    total_cost, expected = _penny(pv_cost), _penny(pv_benefit)
    bcr = None if pv_cost == 0 else (pv_benefit / pv_cost).quantize(PENNY, ROUND_HALF_UP)
    result = OptionResult(
        option=plan.option,
        total_cost=total_cost,
        expected_benefit=expected,
        npv=expected - total_cost,
        bcr=bcr,
        break_even_year=break_even,
        cumulative_cost=cumulative_cost,
        cumulative_benefit=cumulative_benefit,
        patient_benefit=plan.patient_benefit,
    )
    return result, _Sums(pv_cost, pv_benefit)


def evaluate_worksheet(ws: Worksheet) -> WorksheetResult:
    """Discount, total and compare the options, then recommend one (or none).

    Year t (0 .. horizon-1) is discounted by 1 / (1 + r)^t: year 0 is not discounted. For each
    option, cost = official fees + attorney + internal, and benefit = (licence income +
    savings) x probability. The present values are summed at full precision (28 digits) and
    rounded to the penny (ROUND_HALF_UP) only at the end: ``total_cost`` and
    ``expected_benefit`` are rounded once, ``npv`` is their difference (so the sheet adds up
    to the penny), the running totals are each rounded from the unrounded sums, and the
    benefit-cost ratio PV(benefit) / PV(cost) is rounded to 2 places from the unrounded sums.
    The break-even year is the first year whose unrounded cumulative discounted benefit
    reaches the cumulative discounted cost (years before anything is spent or earned do not
    count).

    The step 6 gate: without a development plan no registered option is recommended, ``gate``
    says why, and the recommendation is the non-registered option with the highest NPV.
    With a plan: the option with the highest NPV among those whose benefits cover their costs
    (BCR of 1 or more; an option with benefits and no costs qualifies), else the best
    non-registered option. Ties go to the option listed first. Patient benefit is reported
    beside each option and never added to the money.
    """
    ws.validate()
    with localcontext(Context(prec=28, rounding=ROUND_HALF_EVEN)):
        evaluated = [_evaluate_option(p, ws.discount_rate, ws.horizon) for p in ws.options]
    results = [result for result, _sums in evaluated]
    years = f"{ws.horizon} year{'s' if ws.horizon != 1 else ''}"
    rate = f"{(ws.discount_rate * 100).normalize():f}%"
    terms = f"over {years} at a {rate} discount rate"
    unregistered = [r for r in results if not r.option.registered]
    best_unregistered = max(unregistered, key=lambda r: r.npv, default=None)
    gate: str | None = None

    if not results:
        return WorksheetResult([], None, None, "The worksheet has no options to compare yet.")

    if not ws.has_development_plan:
        gate = GATE_TEXT
        chosen = best_unregistered
        if chosen is None:
            text = (
                "No option can be recommended: every option in this worksheet needs registered "
                "protection and there is no development plan. Add an option without registered "
                "protection (know-how, open publication or copyright), or record a plan."
            )
        else:
            text = (
                f"{chosen.option.label} is recommended: of the options that need no registered "
                f"protection it has the highest net present value ({money(chosen.npv)} "
                f"{terms})."
            )
    else:
        paying = [
            result
            for result, sums in evaluated
            if sums.pv_benefit >= sums.pv_cost and (sums.pv_cost > 0 or sums.pv_benefit > 0)
        ]
        chosen = max(paying, key=lambda r: r.npv, default=None)
        if chosen is not None:
            ratio = (
                f"benefit-cost ratio {chosen.bcr}" if chosen.bcr is not None else "no costs entered"
            )
            text = (
                f"{chosen.option.label} is recommended: of the options whose expected benefits "
                f"cover their costs it has the highest net present value "
                f"({money(chosen.npv)}, {ratio}) {terms}."
            )
        elif best_unregistered is not None:
            chosen = best_unregistered
            text = (
                f"No option's expected benefits cover its costs {terms}, so registered "
                f"protection is not worth its cost on these figures. {chosen.option.label} is "
                f"recommended as the best option without registered protection (net present "
                f"value {money(chosen.npv)})."
            )
        else:
            text = (
                f"No option's expected benefits cover its costs {terms}, and the worksheet has "
                "no option without registered protection, so no recommendation is made."
            )

    text += " Patient benefit (0 to 5) is scored separately and never added to the money."
    if chosen is not None:
        top = max(results, key=lambda r: r.patient_benefit)
        if top.patient_benefit > chosen.patient_benefit:
            text += (
                f" {top.option.label} scores higher for patient benefit ({top.patient_benefit} "
                f"of 5, against {chosen.patient_benefit}): weigh this alongside the figures."
            )
    return WorksheetResult(results, None if chosen is None else chosen.option, gate, text)
