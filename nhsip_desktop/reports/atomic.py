"""Safe saving of reports: lives on the ground floor now, ``nhsip_desktop.core.safe_write``.

This module re-exports the names reports have always used.
"""

from __future__ import annotations

from nhsip_desktop.core.errors import ReportWriteError
from nhsip_desktop.core.safe_write import atomic_write, atomic_write_bytes

__all__ = ["ReportWriteError", "atomic_write", "atomic_write_bytes"]
