"""Safe spreadsheet cells: one rule for every CSV and XLSX the app writes. Qt-free, stdlib.

A spreadsheet reads text that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some
programs, a tab or carriage return) as a formula, so a title typed or imported as
``=HYPERLINK(...)`` would become a live link or run a calculation when the file is opened
(OWASP's "CSV injection"). :func:`safe_text` puts a single quote in front of such text, so
the program shows it as the text it is. Numbers, dates and amounts are written as numbers by
the writers and never pass through here: only text does.
"""

from __future__ import annotations

from typing import Any

# The first characters that make a spreadsheet treat a cell as a formula (OWASP).
FORMULA_STARTS = frozenset({"=", "+", "-", "@", "\t", "\r"})
QUOTE = "'"

__all__ = ["FORMULA_STARTS", "QUOTE", "safe_cell", "safe_text"]


def safe_text(text: str) -> str:
    """``text``, with a single quote in front if a spreadsheet would read it as a formula."""
    return QUOTE + text if text[:1] in FORMULA_STARTS else text


def safe_cell(value: Any) -> Any:
    """One CSV cell: text made safe with :func:`safe_text`; ``None`` as empty; numbers
    (``int``, ``float``, ``Decimal``) and anything else unchanged."""
    if value is None:
        return ""
    if isinstance(value, str):
        return safe_text(value)
    return value
