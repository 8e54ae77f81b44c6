"""The demo register: fictional cases, under a published key (the window title says DEMO)."""

from __future__ import annotations

from nhsip_desktop.interchange.demo import DEMO_KEY, build_demo, demo_register_path
from nhsip_desktop.store.register import Register

from .unlock import current_actor


def open_demo_register() -> Register:
    """Open the demo register, creating it when it does not exist yet (never in place of one
    that fails to open: that error is raised to the caller)."""
    path = demo_register_path()
    if path.exists():
        return Register.open(path, DEMO_KEY, actor=current_actor())
    path.parent.mkdir(parents=True, exist_ok=True)
    register = Register.create(path, actor=current_actor(), data_key=DEMO_KEY)
    build_demo(register, 40)
    return register
