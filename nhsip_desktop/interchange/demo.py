"""The demo register: fictional cases under a published key, built by ``nhsip-desktop demo``
and opened by the app's "Try the demo" (the window title says DEMO).

An app service over an open register (it imports the store, never the command line or the UI),
so the command line and the UI share it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from nhsip_desktop.app.appconfig import data_dir
from nhsip_desktop.store.register import REGISTER_SUFFIX

if TYPE_CHECKING:
    from nhsip_desktop.store.register import Register

__all__ = ["DEMO_KEY", "build_demo", "demo_register_path"]

# The demo register's key is published on purpose: the demo holds only fictional cases.
DEMO_KEY = hashlib.sha256(b"nhsip-desktop public demo register key").digest()


def demo_register_path() -> Path:
    """Where the app keeps its demo register (the user data folder, ``demo/``)."""
    return data_dir() / "demo" / f"demo-register{REGISTER_SUFFIX}"


def build_demo(register: Register, count: int) -> int:
    """Fill a register with fictional cases; the curated ones get full disclosure details."""
    from nhsip_desktop.interchange.demo_data import (
        CURATED,
        DEMO_ORGANISATION,
        demo_cases,
        demo_disclosure,
    )

    today = dt.date.today()
    register.settings.update(organisation=DEMO_ORGANISATION)
    cases = list(demo_cases(min(count, len(CURATED)), today=today))
    with register.transaction():
        ids = register.cases.add_many(
            {**asdict(c), "year": (c.received_on or today).year} for c in cases
        )
        for index, (case_id, case) in enumerate(zip(ids, cases, strict=True)):
            register.cases.save_disclosure(
                case_id,
                title=case.title,
                summary=case.summary,
                ip_kinds=case.ip_kinds,
                disclosure=demo_disclosure(case, index, today=today),
            )
    if count >= len(CURATED):
        from nhsip_desktop.interchange.demo_extras import add_demo_extras

        add_demo_extras(register, today)
    if count > len(CURATED):
        rest = demo_cases(count, today=today)
        rows = (
            {**asdict(c), "year": (c.received_on or today).year}
            for i, c in enumerate(rest)
            if i >= len(CURATED)
        )
        ids += register.cases.add_many(rows)
    from nhsip_desktop.interchange.demo_extras import add_demo_decisions

    add_demo_decisions(register, today)  # every decided case has its decision (invariants)
    return len(ids)
