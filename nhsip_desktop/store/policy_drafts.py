"""``register.policy_drafts``: each generated draft of the trust's IP policy (table
``policy_drafts``, migration 0006) with the register facts it was drafted from."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .register import Register

__all__ = ["PolicyDraftManager"]


class PolicyDraftManager:
    """``register.policy_drafts``."""

    def __init__(self, register: Register) -> None:
        self._reg = register
