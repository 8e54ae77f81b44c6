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
    cleaned = text.strip().replace(",", "").replace("£", "").strip()
    if not cleaned:
        return Decimal(0)
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not value.is_finite() or value != value.quantize(PENNY):
        return None
    return value.quantize(PENNY)
