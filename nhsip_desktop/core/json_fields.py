"""Reading and writing the JSON fields of the domain's record types, one way.

Agreements, rights, governance records, TTC reviews, policy facts and worksheets are kept in
the register as JSON (``to_json`` / ``from_json``). Their ``from_json`` read each field with
these helpers, so a malformed value always raises ``ValueError`` naming the field the same way
(``"due: must be a date, YYYY-MM-DD"``, or ``"obligations[0].due: ..."`` inside a list), and a
missing optional field takes its default. :func:`read_json_file` reads the versioned data files
(checklists, fee schedules, revenue policies) the same way.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

__all__ = [
    "field_name",
    "flag",
    "iso",
    "items",
    "optional_date",
    "read_json_file",
    "required_date",
    "text",
    "text_list",
    "whole_list",
    "whole_or_none",
]


def iso(value: dt.date | None) -> str | None:
    """A date as ISO text for JSON; ``None`` for no date."""
    return value.isoformat() if value else None


def field_name(key: str, where: str = "") -> str:
    """How a message names the field: ``key``, or ``where.key`` inside a nested record."""
    return f"{where}.{key}" if where else key


def text(raw: Mapping[str, Any], key: str, where: str = "", default: str = "") -> str:
    """A text field; missing or null gives ``default``."""
    value = raw.get(key, default)
    if value is None:
        return default
    if not isinstance(value, str):
        raise ValueError(f"{field_name(key, where)}: must be text")
    return value


def optional_date(raw: Mapping[str, Any], key: str, where: str = "") -> dt.date | None:
    """A date written ``YYYY-MM-DD``; missing, null or empty gives ``None``."""
    value = raw.get(key)
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(f"{field_name(key, where)}: must be a date, YYYY-MM-DD") from None


def required_date(raw: Mapping[str, Any], key: str, where: str = "") -> dt.date:
    """A date written ``YYYY-MM-DD`` that must be there."""
    value = optional_date(raw, key, where)
    if value is None:
        raise ValueError(f"{field_name(key, where)}: must be a date, YYYY-MM-DD")
    return value


def whole_or_none(raw: Mapping[str, Any], key: str, where: str = "") -> int | None:
    """A whole number (never a true/false); missing or null gives ``None``."""
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{field_name(key, where)}: must be a whole number")
    return value


def flag(raw: Mapping[str, Any], key: str, where: str = "") -> bool:
    """A true/false field; missing gives ``False``."""
    value = raw.get(key, False)
    if not isinstance(value, bool):
        raise ValueError(f"{field_name(key, where)}: must be true or false")
    return value


def items(raw: Mapping[str, Any], key: str, where: str = "") -> list[Any]:
    """A list field, its items unchecked; missing or null gives an empty list."""
    value = raw.get(key, [])
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError(f"{field_name(key, where)}: must be a list")
    return value


def whole_list(raw: Mapping[str, Any], key: str, where: str = "") -> list[int]:
    """A list of whole numbers (ids); missing, null or empty gives an empty list."""
    value = raw.get(key) or []
    if not isinstance(value, list) or any(
        isinstance(v, bool) or not isinstance(v, int) for v in value
    ):
        raise ValueError(f"{field_name(key, where)}: must be a list of whole numbers")
    return list(value)


def text_list(raw: Mapping[str, Any], key: str, where: str = "") -> list[str]:
    """A list of text; missing, null or empty gives an empty list."""
    value = raw.get(key) or []
    if not isinstance(value, list) or any(not isinstance(v, str) for v in value):
        raise ValueError(f"{field_name(key, where)}: must be a list of text")
    return list(value)


def read_json_file(
    path: Path, error: Callable[[str, str, str], Exception], *, parse_float: Any = float
) -> Any:
    """The JSON in a versioned data file (a checklist, fee schedule, revenue policy). A file
    that cannot be read or is not JSON raises ``error(file name, "file", what is wrong)``."""
    try:
        return json.loads(path.read_text(encoding="utf-8"), parse_float=parse_float)
    except OSError as exc:
        raise error(path.name, "file", f"could not be read ({exc.strerror})") from exc
    except ValueError as exc:
        raise error(path.name, "file", f"is not valid JSON ({exc})") from exc
