"""Money: exact Decimal pounds and pence, written the UK way (£1,234.56)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

PENNY = Decimal("0.01")


def money(value: Decimal) -> str:
    """£1,234.56; a negative amount as -£12.00 (rounded half up to the penny for display)."""
    sign = "-" if value < 0 else ""
    return f"{sign}£{abs(value).quantize(PENNY, rounding=ROUND_HALF_UP):,}"


def parse_money(text: str) -> Decimal | None:
    """An amount typed by a person ("1,234.50", "£75"); None if it is not a whole-penny amount."""
    cleaned = text.replace(",", "").replace("£", "").strip()
    value = parse_number(cleaned)
    if value is None or value != value.quantize(PENNY):
        return None
    return value.quantize(PENNY) if cleaned else value  # blank: Decimal(0), as typed


def parse_number(text: str) -> Decimal | None:
    """A number a person typed, tidied by the caller: 0 when blank, None when it is not a
    finite number (the one reading behind :func:`parse_money` and the share of a case)."""
    cleaned = text.strip()
    if not cleaned:
        return Decimal(0)
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None
