"""A string enum whose members carry the words a person reads: one home for each label.

A member is written with its stored value and its label side by side::

    class Severity(LabelledEnum):
        RED = "red", "Red"

``Severity.RED == "red"``, ``Severity("red") is Severity.RED`` and ``str(Severity.RED) ==
"red"`` as for any ``StrEnum``; ``Severity.RED.label == "Red"``. ``labels(Severity)`` is the
``{member: label}`` map in declaration order, for the modules that publish one.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self, TypeVar

__all__ = ["LabelledEnum", "labels"]

E = TypeVar("E", bound="LabelledEnum")


class LabelledEnum(StrEnum):
    """A ``StrEnum`` whose members are declared as ``NAME = "value", "Label"``."""

    _label: str

    def __new__(cls, value: str, label: str = "") -> Self:
        # ``label`` has a default only so that a look-up, ``Severity("red")``, type-checks: a
        # look-up never comes here, and a member declared without its label is refused.
        if not label:
            raise TypeError(f"{cls.__name__} member {value!r} needs a label")
        member = str.__new__(cls, value)
        member._value_ = value
        member._label = label
        return member

    @property
    def label(self) -> str:
        """The words a person reads for this member."""
        return self._label


def labels(enum: type[E]) -> dict[E, str]:
    """Every member of ``enum`` with its label, in declaration order."""
    return {member: member.label for member in enum}
