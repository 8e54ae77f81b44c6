"""Official fee schedules as dated, versioned data (step 6): the engine (Qt-free).

A fee schedule is a JSON file in ``resources/fees/`` (format ``nhsip-fee-schedule``): an id, a
version, the date it was compiled (``as_of``), its sources, and one entry per fee. Every fee
carries its own ``as_of`` date and source, wherever it is shown, and ``confirmed: false`` when
the figure could not be confirmed, so the UI says "check before relying". An amount may be
``null`` where no official figure is known (the user enters it, e.g. from an attorney's quote).

Official fees change, so the register keeps an editable copy (``to_json`` / ``from_json``
round-trip exactly); a user's correction (``with_amount``) makes a new version of the schedule.
Amounts are ``decimal.Decimal`` pounds, never float. ``load_fee_schedule`` and ``from_json``
name the file and the field at fault.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from nhsip_desktop.core.errors import RegisterError
from nhsip_desktop.core.money import PENNY
from nhsip_desktop.core.resources import resource_path

FORMAT = "nhsip-fee-schedule"
EDITED_SOURCE = "edited by the user"
CHECK_CAVEAT = "check before relying"

_CODE = re.compile(r"^[a-z0-9_]+$")
_AMOUNT = re.compile(r"^[0-9]+(\.[0-9]{1,2})?$")
_TOP_FIELDS = ("format", "id", "version", "as_of", "title", "source", "fees")
_FEE_FIELDS = ("code", "description", "amount", "as_of", "source", "confirmed", "note")


class FeeScheduleError(RegisterError):
    """A fee schedule is malformed, or lacks a fee asked for: names the file and the field."""

    def __init__(self, source: str, where: str, problem: str) -> None:
        super().__init__(f"The fee schedule {source} is not usable: {where}: {problem}")
        self.source, self.where, self.problem = source, where, problem


@dataclass(frozen=True)
class Fee:
    code: str
    description: str
    amount: Decimal | None  # pounds; None when no official figure is known
    as_of: dt.date
    source: str
    confirmed: bool
    note: str = ""

    @property
    def caveat(self) -> str:
        """``"check before relying"`` for a figure that was not confirmed, else ``""``."""
        return "" if self.confirmed else CHECK_CAVEAT

    @property
    def as_of_text(self) -> str:
        return f"as of {self.as_of:%d/%m/%Y}"

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "description": self.description,
            "amount": None if self.amount is None else str(self.amount),
            "as_of": self.as_of.isoformat(),
            "source": self.source,
            "confirmed": self.confirmed,
            "note": self.note,
        }


@dataclass(frozen=True)
class FeeSchedule:
    id: str
    version: int
    as_of: dt.date
    title: str
    source: str
    fees: dict[str, Fee]

    @property
    def name(self) -> str:
        """How errors and the UI name this schedule: ``uk-ipo v1``."""
        return f"{self.id} v{self.version}"

    def fee(self, code: str) -> Fee:
        try:
            return self.fees[code]
        except KeyError:
            raise FeeScheduleError(
                self.name, f"fees.{code}", "this schedule has no such fee"
            ) from None

    def patent_renewal(self, year: int) -> Fee | None:
        """The GB patent renewal fee for ``year`` of the patent's life (5 to 20), else None."""
        return self.fees.get(f"gb_patent_renewal_{year}")

    def design_renewal(self, year: int) -> Fee | None:
        """The UK registered design renewal fee at ``year`` years (5, 10, 15, 20), else None."""
        return self.fees.get(f"uk_design_renewal_{year}")

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "id": self.id,
            "version": self.version,
            "as_of": self.as_of.isoformat(),
            "title": self.title,
            "source": self.source,
            "fees": [fee.to_json() for fee in self.fees.values()],
        }

    @classmethod
    def from_json(cls, raw: Any, source: str) -> FeeSchedule:
        """Parse a schedule; ``source`` (a file name, or "the register") names it in errors."""
        return parse_fee_schedule(raw, source)

    def with_amount(
        self,
        code: str,
        amount: Decimal | None,
        *,
        on: dt.date | None = None,
    ) -> FeeSchedule:
        """A user's correction of one fee: a new schedule, version + 1.

        The corrected fee is dated ``on`` (today by default), its source is "edited by the
        user", it counts as confirmed (the user has checked it) and its note records the figure
        it replaced. The amount is kept to the penny (ROUND_HALF_UP); None clears it.
        """
        old = self.fee(code)
        if amount is not None:
            if not isinstance(amount, Decimal) or not amount.is_finite() or amount < 0:
                raise FeeScheduleError(
                    self.name, f"fees.{code}.amount", "must be an amount in pounds, 0 or more"
                )
            amount = amount.quantize(PENNY, rounding=ROUND_HALF_UP)
        was = "no figure" if old.amount is None else f"£{old.amount}"
        new = replace(
            old,
            amount=amount,
            as_of=on or dt.date.today(),
            source=EDITED_SOURCE,
            confirmed=True,
            note=f"Was {was} ({old.as_of_text}, source: {old.source}).",
        )
        fees = {c: (new if c == code else f) for c, f in self.fees.items()}
        return replace(self, version=self.version + 1, fees=fees)


# -- loading ---------------------------------------------------------------------------------
def _text(raw: Mapping[str, Any], key: str, source: str, where: str, *, empty: bool = False) -> str:
    if key not in raw:
        raise FeeScheduleError(source, where, f"the field {key!r} is missing")
    value = raw[key]
    if not isinstance(value, str) or (not empty and not value.strip()):
        kind = "text" if empty else "non-empty text"
        raise FeeScheduleError(source, f"{where}.{key}", f"must be {kind}")
    return value


def _date(raw: Mapping[str, Any], key: str, source: str, where: str) -> dt.date:
    text = _text(raw, key, source, where)
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise FeeScheduleError(source, f"{where}.{key}", "must be a date, YYYY-MM-DD") from None


def _known_fields(
    raw: Mapping[str, Any], allowed: tuple[str, ...], source: str, where: str
) -> None:
    for key in raw:
        if key not in allowed:
            raise FeeScheduleError(source, f"{where}.{key}", "is not a known field")


def _amount(raw: Mapping[str, Any], source: str, where: str) -> Decimal | None:
    if "amount" not in raw:
        raise FeeScheduleError(source, where, "the field 'amount' is missing")
    value = raw["amount"]
    if value is None:
        return None
    if not isinstance(value, str) or not _AMOUNT.match(value):
        raise FeeScheduleError(
            source,
            f"{where}.amount",
            'must be pounds written as text, like "75.00", or null when not known',
        )
    try:
        return Decimal(value)
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
        raise FeeScheduleError(source, f"{where}.amount", "is not an amount") from None


def _fee(raw: Any, source: str, where: str) -> Fee:
    if not isinstance(raw, dict):
        raise FeeScheduleError(source, where, "must be an object")
    _known_fields(raw, _FEE_FIELDS, source, where)
    code = _text(raw, "code", source, where)
    if not _CODE.match(code):
        raise FeeScheduleError(
            source, f"{where}.code", "must be lower-case letters, digits and underscores"
        )
    if not isinstance(raw.get("confirmed"), bool):
        raise FeeScheduleError(source, f"{where}.confirmed", "must be true or false")
    return Fee(
        code=code,
        description=_text(raw, "description", source, where),
        amount=_amount(raw, source, where),
        as_of=_date(raw, "as_of", source, where),
        source=_text(raw, "source", source, where),
        confirmed=raw["confirmed"],
        note=_text(raw, "note", source, where, empty=True),
    )


def parse_fee_schedule(raw: Any, source: str) -> FeeSchedule:
    if not isinstance(raw, dict):
        raise FeeScheduleError(source, "top level", "must be a JSON object")
    if raw.get("format") != FORMAT:
        raise FeeScheduleError(source, "format", f"must be {FORMAT!r}")
    _known_fields(raw, _TOP_FIELDS, source, "schedule")
    version = raw.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise FeeScheduleError(source, "version", "must be a whole number, 1 or more")
    entries = raw.get("fees")
    if not isinstance(entries, list) or not entries:
        raise FeeScheduleError(source, "fees", "must be a non-empty list of fees")
    fees: dict[str, Fee] = {}
    for index, entry in enumerate(entries):
        fee = _fee(entry, source, f"fees[{index}]")
        if fee.code in fees:
            raise FeeScheduleError(source, f"fees[{index}].code", f"{fee.code!r} is used twice")
        fees[fee.code] = fee
    return FeeSchedule(
        id=_text(raw, "id", source, "schedule"),
        version=version,
        as_of=_date(raw, "as_of", source, "schedule"),
        title=_text(raw, "title", source, "schedule"),
        source=_text(raw, "source", source, "schedule"),
        fees=fees,
    )


def load_fee_schedule(path: Path) -> FeeSchedule:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise FeeScheduleError(path.name, "file", f"could not be read ({exc.strerror})") from exc
    except ValueError as exc:
        raise FeeScheduleError(path.name, "file", f"is not valid JSON ({exc})") from exc
    return parse_fee_schedule(raw, path.name)


def default_fee_schedule(folder: Path | None = None) -> FeeSchedule:
    """The newest schedule shipped in ``resources/fees`` (latest ``as_of``, then version)."""
    folder = folder or resource_path("fees")
    schedules = [load_fee_schedule(path) for path in sorted(folder.glob("*.json"))]
    if not schedules:
        raise FeeScheduleError(folder.name, "file", "no fee schedule is installed")
    return max(schedules, key=lambda s: (s.as_of, s.version))
