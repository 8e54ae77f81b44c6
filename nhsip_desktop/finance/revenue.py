"""Sharing the returns from a case's IP (guidance step 8; Annex A section 9): Qt-free.

Step 8 asks the trust to record every return accurately and to share returns with staff as
its IP policy says. A revenue-sharing policy is versioned data (``resources/policies/``): what
may be deducted from gross revenue to give net revenue, and bands of cumulative net revenue
with the percentages the innovators, their department, the organisation and a technology
transfer company (TTC) receive in each band.

The bands work like tax bands. Net revenue is counted cumulatively per case, and each slice
of it is shared at the percentages of the band it falls in: with bands "up to £50,000" and
"£50,000 to £500,000", a return of £20,000 arriving when £40,000 has already been received is
shared as £10,000 at the first band's percentages and £10,000 at the second's. Returns are
taken in the order they were received (then by their id).

Net revenue is gross less deductible costs, and is never below zero: when the costs set
against a return exceed it, the return's net is carried as £0.00, nothing is shared from it,
and the distribution says so in its ``note`` (the shortfall is not set against other returns;
the costs ledger still holds it).

Money is ``decimal.Decimal`` throughout, never float. Rounding, exact to the penny (this text
is :data:`ROUNDING_RULE`, for reports): amounts are worked out exactly, one return at a time,
and then rounded to whole pennies by the largest-remainder method: each share is first rounded
down to the penny, and the pennies left over (always fewer than the number of shares) are
handed out one at a time to the shares that lost the most in rounding down; on a tie, to the
one listed first (innovators, department, organisation, then the technology transfer company;
innovators in the order they are listed on the disclosure). The innovators' part is split
between the innovators in the same way. So the shares always add up exactly to the return's
net revenue, and the innovators' amounts always add up exactly to the innovators' part.

``load_revenue_policy`` names the file and the field at fault (:class:`RevenuePolicyError`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal, Inexact, InvalidOperation, localcontext
from pathlib import Path
from typing import Any

from nhsip_desktop.cases.disclosure import Contributor
from nhsip_desktop.core import json_fields as jf
from nhsip_desktop.core.errors import RegisterError, ValidationError
from nhsip_desktop.core.labelled import LabelledEnum
from nhsip_desktop.core.money import PENNY, money
from nhsip_desktop.core.resources import resource_path

__all__ = [
    "BASIS",
    "EXAMPLE_POLICY_FILE",
    "FORMAT",
    "PARTIES",
    "PARTY_LABELS",
    "PENNY",
    "ROUNDING_RULE",
    "Band",
    "Distribution",
    "ReturnKind",
    "ReturnLine",
    "RevenuePolicy",
    "RevenuePolicyError",
    "Share",
    "distribute",
    "example_policy",
    "load_revenue_policy",
    "money",
    "parse_revenue_policy",
    "totals_by_innovator",
    "totals_by_party",
]

FORMAT = "nhsip-revenue-policy"
BASIS = "cumulative net revenue per case"  # the only basis this version can apply
EXAMPLE_POLICY_FILE = "revenue-sharing-example.json"
ZERO = Decimal(0)
HUNDRED = Decimal(100)

ROUNDING_RULE = (
    "Amounts are worked out exactly, one return at a time, and then rounded to whole pennies "
    "by the largest-remainder method: each share is first rounded down to the penny, and the "
    "pennies left over (always fewer than the number of shares) are handed out one at a time "
    "to the shares that lost the most in rounding down; on a tie, to the one listed first "
    "(innovators, department, organisation, then the technology transfer company; innovators "
    "in the order they are listed on the disclosure). The innovators' part is split between "
    "the innovators in the same way. So the shares always add up exactly to the return's net "
    "revenue, and the innovators' amounts always add up exactly to the innovators' part."
)

# The parties a band shares between, in the order used for ties and in reports.
PARTIES: tuple[str, ...] = ("innovators", "department", "organisation", "ttc")
PARTY_LABELS: dict[str, str] = {
    "innovators": "Innovators",
    "department": "Department",
    "organisation": "Organisation",
    "ttc": "Technology transfer company",
}


class RevenuePolicyError(RegisterError):
    """A revenue-sharing policy is malformed: names the file and the field."""

    def __init__(self, source: str, where: str, problem: str) -> None:
        super().__init__(f"The revenue-sharing policy {source} is not usable: {where}: {problem}")
        self.source, self.where, self.problem = source, where, problem

    @property
    def field(self) -> str:
        return self.where


def _whole_pennies(value: Decimal) -> bool:
    try:
        return value.is_finite() and value == value.quantize(PENNY)
    except InvalidOperation:  # too many digits to quantise: certainly not plain money
        return False


# -- the policy ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Band:
    """A band of cumulative net revenue, up to and including ``up_to`` (None: no upper limit),
    and the percentage of each slice in it that each party receives (they total 100)."""

    up_to: Decimal | None
    innovators: Decimal
    department: Decimal
    organisation: Decimal
    ttc: Decimal

    def percentage(self, party: str) -> Decimal:
        value: Decimal = getattr(self, party)
        return value

    @property
    def total(self) -> Decimal:
        return sum((self.percentage(p) for p in PARTIES), ZERO)

    def to_json(self) -> dict[str, Any]:
        return {
            "up_to": None if self.up_to is None else str(self.up_to),
            **{party: str(self.percentage(party)) for party in PARTIES},
        }


def _check_bands(bands: Sequence[Band], source: str) -> None:
    if not bands:
        raise RevenuePolicyError(source, "bands", "there must be at least one band")
    previous = ZERO
    for index, band in enumerate(bands):
        where = f"bands[{index}]"
        for party in PARTIES:
            value = band.percentage(party)
            if not isinstance(value, Decimal) or not value.is_finite() or not 0 <= value <= 100:
                raise RevenuePolicyError(
                    source, f"{where}.{party}", "must be a percentage from 0 to 100"
                )
        if band.total != HUNDRED:
            raise RevenuePolicyError(
                source, where, f"the percentages must total 100; they total {band.total:f}"
            )
        last = index == len(bands) - 1
        if band.up_to is None:
            if not last:
                raise RevenuePolicyError(
                    source, f"{where}.up_to", "only the last band may be open-ended"
                )
            continue
        if not isinstance(band.up_to, Decimal) or not _whole_pennies(band.up_to):
            raise RevenuePolicyError(source, f"{where}.up_to", "must be an amount in pounds")
        if band.up_to <= previous:
            raise RevenuePolicyError(
                source,
                f"{where}.up_to",
                f"bands must be in ascending order: {money(band.up_to)} does not come after "
                f"{money(previous)}",
            )
        if last:
            raise RevenuePolicyError(
                source,
                f"{where}.up_to",
                "the last band must be open-ended (no upper limit), so that every pound of "
                "revenue falls in a band",
            )
        previous = band.up_to


@dataclass(frozen=True)
class RevenuePolicy:
    """A version of the trust's revenue-sharing rules, checked when it is made.

    ``source`` (the file it came from) is for messages only and takes no part in equality.
    """

    id: str
    version: int
    effective: dt.date
    title: str
    basis: str
    deductible: str
    bands: tuple[Band, ...]
    rounding: str = ROUNDING_RULE
    source: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "bands", tuple(self.bands))
        source = self.source or f"{self.id!r} version {self.version}"
        if self.basis != BASIS:
            raise RevenuePolicyError(source, "basis", f"must be {BASIS!r}")
        _check_bands(self.bands, source)

    def lower_bound(self, index: int) -> Decimal:
        """Where band ``index`` starts (it covers amounts above this)."""
        if index == 0:
            return ZERO
        up_to = self.bands[index - 1].up_to
        assert up_to is not None  # only the last band is open-ended
        return up_to

    def band_label(self, index: int) -> str:
        """The band in words, e.g. "£50,000.00 to £500,000.00" or "Over £500,000.00"."""
        band = self.bands[index]
        lower = self.lower_bound(index)
        if band.up_to is None:
            return f"Over {money(lower)}" if lower else "All net revenue"
        if lower == 0:
            return f"Up to {money(band.up_to)}"
        return f"{money(lower)} to {money(band.up_to)}"

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "id": self.id,
            "version": self.version,
            "effective": self.effective.isoformat(),
            "title": self.title,
            "basis": self.basis,
            "deductible": self.deductible,
            "bands": [band.to_json() for band in self.bands],
            "rounding": self.rounding,
        }

    @classmethod
    def from_json(cls, raw: Any, source: str = "") -> RevenuePolicy:
        return parse_revenue_policy(raw, source)


def _need(raw: Mapping[str, Any], key: str, kind: type, source: str) -> Any:
    if key not in raw:
        raise RevenuePolicyError(source, key, "this field is missing")
    value = raw[key]
    if (
        isinstance(value, bool)
        or not isinstance(value, kind)
        or (isinstance(value, str) and not value.strip())
    ):
        name = {int: "a whole number", str: "some text", list: "a list"}.get(kind, str(kind))
        raise RevenuePolicyError(source, key, f"must be {name}")
    return value


def _decimal(value: Any, source: str, where: str, what: str) -> Decimal:
    """A number written as text ("33.33"), a whole number or a JSON decimal; never a bool."""
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise RevenuePolicyError(source, where, f"must be {what}")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise RevenuePolicyError(source, where, f"must be {what}") from None
    if not number.is_finite():
        raise RevenuePolicyError(source, where, f"must be {what}")
    return number


def parse_revenue_policy(raw: Any, source: str = "") -> RevenuePolicy:
    """A policy from its JSON form (amounts and percentages as text, e.g. "33.33")."""
    source = source or "(unnamed)"
    if not isinstance(raw, dict):
        raise RevenuePolicyError(source, "top level", "must be a JSON object")
    if raw.get("format") != FORMAT:
        raise RevenuePolicyError(source, "format", f"must be {FORMAT!r}")
    policy_id = _need(raw, "id", str, source)
    version = _need(raw, "version", int, source)
    if version < 1:
        raise RevenuePolicyError(source, "version", "must be 1 or more")
    try:
        effective = dt.date.fromisoformat(_need(raw, "effective", str, source))
    except ValueError:
        raise RevenuePolicyError(source, "effective", "must be a date, YYYY-MM-DD") from None
    bands = []
    for index, b_raw in enumerate(_need(raw, "bands", list, source)):
        where = f"bands[{index}]"
        if not isinstance(b_raw, dict):
            raise RevenuePolicyError(source, where, "must be an object")
        if "up_to" not in b_raw:
            raise RevenuePolicyError(
                source, f"{where}.up_to", "this field is missing (null for no upper limit)"
            )
        up_raw = b_raw["up_to"]
        up_to = (
            None
            if up_raw is None
            else _decimal(up_raw, source, f"{where}.up_to", "an amount in pounds")
        )
        percentages = []
        for party in PARTIES:
            if party not in b_raw:
                raise RevenuePolicyError(source, f"{where}.{party}", "this field is missing")
            percentages.append(
                _decimal(b_raw[party], source, f"{where}.{party}", "a percentage from 0 to 100")
            )
        bands.append(Band(up_to, *percentages))
    rounding = raw.get("rounding", ROUNDING_RULE)
    if not isinstance(rounding, str) or not rounding.strip():
        raise RevenuePolicyError(source, "rounding", "must be some text")
    return RevenuePolicy(
        id=policy_id,
        version=version,
        effective=effective,
        title=_need(raw, "title", str, source),
        basis=_need(raw, "basis", str, source),
        deductible=_need(raw, "deductible", str, source),
        bands=tuple(bands),
        rounding=rounding,
        source=source,
    )


def load_revenue_policy(path: Path) -> RevenuePolicy:
    """Read and check a policy file; :class:`RevenuePolicyError` names the file and field."""
    path = Path(path)
    raw = jf.read_json_file(path, RevenuePolicyError, parse_float=Decimal)
    return parse_revenue_policy(raw, path.name)


def example_policy() -> RevenuePolicy:
    """The shipped example policy (a starting point for the trust's own)."""
    return load_revenue_policy(resource_path("policies", EXAMPLE_POLICY_FILE))


# -- returns ---------------------------------------------------------------------------------
class ReturnKind(LabelledEnum):
    ROYALTY = "royalty", "Royalty"
    LICENCE_FEE = "licence_fee", "Licence fee"
    MILESTONE = "milestone", "Milestone payment"
    EQUITY_SALE = "equity_sale", "Sale of shares (equity)"
    OTHER = "other", "Other"


@dataclass(frozen=True)
class ReturnLine:
    """One return received: ``gross`` and the ``deductible`` costs set against it, in pounds
    (whole pennies, not negative). Raises ``ValidationError`` naming the field otherwise."""

    id: int
    received_on: dt.date
    gross: Decimal
    deductible: Decimal
    kind: ReturnKind
    description: str = ""

    def __post_init__(self) -> None:
        for name in ("gross", "deductible"):
            value = getattr(self, name)
            if not isinstance(value, Decimal) or not _whole_pennies(value):
                raise ValidationError(f"The {name} amount must be in pounds and pence.", name)
            if value < 0:
                raise ValidationError(f"The {name} amount cannot be negative.", name)

    @property
    def net(self) -> Decimal:
        """Gross less deductible costs, never below zero (see :attr:`shortfall`)."""
        return max(self.gross - self.deductible, ZERO).quantize(PENNY)

    @property
    def shortfall(self) -> Decimal:
        """How far the costs exceed the gross (zero when they do not)."""
        return max(self.deductible - self.gross, ZERO).quantize(PENNY)


@dataclass(frozen=True)
class Share:
    party: str
    amount: Decimal


@dataclass(frozen=True)
class Distribution:
    """How one return's net revenue is shared (``line`` is the return itself).

    ``band_slices`` gives each band the return reached and the part of its net in that band;
    ``parties`` the amount for each of :data:`PARTIES` (they add up to ``net``);
    ``innovators`` each innovator's ``(key, name, amount)``, adding up to
    ``parties["innovators"]``. ``cumulative_before`` is the case's net revenue before it.
    """

    return_id: int
    net: Decimal
    band_slices: list[tuple[Band, Decimal]]
    parties: dict[str, Decimal]
    innovators: list[tuple[str, str, Decimal]]
    line: ReturnLine
    cumulative_before: Decimal
    note: str = ""
    # The revenue-sharing policy version it was shared under (the one in force when the
    # return was recorded): a statement shows each return's version and bands.
    policy: RevenuePolicy | None = None

    @property
    def shares(self) -> list[Share]:
        return [Share(party, self.parties[party]) for party in PARTIES]

    def innovator_amount(self, key: str) -> Decimal:
        return sum((amount for k, _, amount in self.innovators if k == key), ZERO)


# -- sharing ---------------------------------------------------------------------------------
@contextmanager
def _exact_arithmetic() -> Iterator[None]:
    """Decimal arithmetic that must be exact: anything that would need rounding is refused
    (a percentage or share with absurdly many decimal places) rather than drifting."""
    with localcontext() as ctx:
        ctx.prec = 60
        ctx.traps[Inexact] = True
        try:
            yield
        except Inexact:
            raise ValidationError(
                "A percentage or contribution share has too many decimal places to share "
                "revenue exactly.",
                "contributors",
            ) from None


def _largest_remainder(total: Decimal, exact: Sequence[Decimal]) -> list[Decimal]:
    """``exact`` (adding up to ``total``, a whole number of pennies) rounded to pennies that
    still add up to ``total``: round each down, then give the pennies left over one at a time
    to the largest remainders, the earliest listed first on a tie."""
    with localcontext() as ctx:
        ctx.prec = 60
        ctx.traps[Inexact] = False  # rounding down is the point here
        floors = [value.quantize(PENNY, rounding=ROUND_FLOOR) for value in exact]
    left = total - sum(floors, ZERO)
    pennies = int(left / PENNY)
    assert left == pennies * PENNY and 0 <= pennies < max(len(exact), 1), (total, exact)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:pennies]:
        floors[i] += PENNY
    return floors


def _slices(policy: RevenuePolicy, before: Decimal, net: Decimal) -> list[tuple[Band, Decimal]]:
    """The parts of a return of ``net`` that fall in each band, when ``before`` has already
    been received (a band runs from the previous band's limit, exclusive, to its own)."""
    after = before + net
    out: list[tuple[Band, Decimal]] = []
    for index, band in enumerate(policy.bands):
        low = policy.lower_bound(index)
        high = after if band.up_to is None else min(after, band.up_to)
        part = high - max(before, low)
        if part > 0:
            out.append((band, part))
    return out


def _check_contributors(contributors: Sequence[Contributor]) -> None:
    if not contributors:
        raise ValidationError(
            "Add the innovators and their contribution shares before sharing revenue.",
            "contributors",
        )
    keys = [c.key for c in contributors]
    if len(set(keys)) != len(keys):
        raise ValidationError("Two contributors have the same key.", "contributors")
    for index, c in enumerate(contributors):
        if not isinstance(c.share, Decimal) or not c.share.is_finite() or not 0 <= c.share <= 100:
            raise ValidationError(
                f"{c.name or 'A contributor'}'s share must be a percentage from 0 to 100.",
                f"contributors[{index}].share",
            )
    total = sum((c.share for c in contributors), ZERO)
    if total != HUNDRED:
        raise ValidationError(
            "Contribution shares must add up to 100% before revenue can be shared; they add "
            f"up to {total.normalize():f}%.",
            "contributors",
        )


def _note(line: ReturnLine) -> str:
    if line.shortfall > 0:
        return (
            f"The costs set against this return ({money(line.deductible)}) exceed its gross "
            f"({money(line.gross)}), so its net revenue is carried as £0.00 and nothing is "
            f"shared from it; the {money(line.shortfall)} shortfall is not set against other "
            "returns."
        )
    return ""


def distribute(
    policy: RevenuePolicy,
    returns: Sequence[ReturnLine],
    contributors: Sequence[Contributor],
    *,
    prior_net: Decimal = ZERO,
) -> list[Distribution]:
    """Share each return's net revenue by the policy's bands, in the order received.

    ``prior_net`` is the case's cumulative net revenue before these returns (so a year's
    returns can be shared after earlier years'). The innovators' part is split by the
    contributors' shares, which must add up to 100%. Every amount is exact to the penny
    (:data:`ROUNDING_RULE`). Raises ``ValidationError`` naming the field at fault.
    """
    if not isinstance(prior_net, Decimal) or not _whole_pennies(prior_net) or prior_net < 0:
        raise ValidationError(
            "The net revenue before these returns must be an amount in pounds, 0 or more.",
            "prior_net",
        )
    ids = [line.id for line in returns]
    if len(set(ids)) != len(ids):
        raise ValidationError("Two returns have the same id.", "returns")
    _check_contributors(contributors)
    out: list[Distribution] = []
    cumulative = prior_net
    for line in sorted(returns, key=lambda r: (r.received_on, r.id)):
        net = line.net
        band_slices = _slices(policy, cumulative, net)
        with _exact_arithmetic():
            exact = [
                sum((part * band.percentage(p) / HUNDRED for band, part in band_slices), ZERO)
                for p in PARTIES
            ]
        parties = dict(zip(PARTIES, _largest_remainder(net, exact), strict=True))
        innovators_part = parties["innovators"]
        with _exact_arithmetic():
            exact = [innovators_part * c.share / HUNDRED for c in contributors]
        amounts = _largest_remainder(innovators_part, exact)
        out.append(
            Distribution(
                return_id=line.id,
                net=net,
                band_slices=band_slices,
                parties=parties,
                innovators=[
                    (c.key, c.name, amount) for c, amount in zip(contributors, amounts, strict=True)
                ],
                line=line,
                cumulative_before=cumulative,
                note=_note(line),
                policy=policy,
            )
        )
        cumulative += net
    return out


def totals_by_innovator(distributions: Iterable[Distribution]) -> dict[str, Decimal]:
    """Each innovator's total (by contributor key), in the order they first appear."""
    totals: dict[str, Decimal] = {}
    for distribution in distributions:
        for key, _, amount in distribution.innovators:
            totals[key] = totals.get(key, ZERO) + amount
    return totals


def totals_by_party(distributions: Iterable[Distribution]) -> dict[str, Decimal]:
    """Each party's total, every one of :data:`PARTIES` present (zero when nothing)."""
    totals = dict.fromkeys(PARTIES, ZERO)
    for distribution in distributions:
        for party in PARTIES:
            totals[party] += distribution.parties[party]
    return totals


def distribute_each(
    items: Sequence[tuple[ReturnLine, RevenuePolicy]],
    contributors: Sequence[Contributor],
    *,
    prior_net: Decimal = ZERO,
) -> list[Distribution]:
    """Share each return under its own policy (the version in force when it was recorded).

    The cumulative net revenue runs on across policy versions, so a later return still lands
    in the right band; changing the policy never re-shares returns already recorded.
    """
    out: list[Distribution] = []
    cumulative = prior_net
    for line, policy in sorted(items, key=lambda item: (item[0].received_on, item[0].id)):
        (shared,) = distribute(policy, [line], contributors, prior_net=cumulative)
        out.append(shared)
        cumulative += shared.net
    return out
