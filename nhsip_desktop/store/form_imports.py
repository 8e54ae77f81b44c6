"""``register.form_imports``: completed staff disclosure forms imported as cases (table
``form_imports``, migration 0006), recognised by a hash of their field values."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .register import Register

__all__ = ["FormImportManager"]


class FormImportManager:
    """``register.form_imports``."""

    def __init__(self, register: Register) -> None:
        self._reg = register
