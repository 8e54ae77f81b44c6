"""The guidance references the product may cite, so every checklist item can be checked.

References name a part of "IP guidance for the NHS in England" (November 2025): a step
("Step 5"), an Annex A section ("Annex A, section 4"), an Annex B topic ("Annex B: fees and
revenue sharing"), the introduction, or the actions for organisations. Anything after the
part, following ": ", is a free description (e.g. "Step 7: route 2").
"""

from __future__ import annotations

import re

ANNEX_B_TOPICS = frozenset(
    {
        "role of the TTC",
        "appointment",
        "IP ownership and rights",
        "fees and revenue sharing",
        "exit and renewal strategy",
        "governance and reporting",
    }
)
INTRODUCTION_TOPICS = frozenset(
    {
        "IP considerations internationally",
        "the importance of effective IP management",
        "legal considerations",
    }
)

_STEP = re.compile(r"^Step ([1-9])(: .+)?$")
_ANNEX_A = re.compile(r"^Annex A, section ([0-9]{1,2})(: .+)?$")


def is_known_reference(reference: str) -> bool:
    """True when ``reference`` names a real part of the guidance."""
    if match := _STEP.match(reference):
        return True
    if match := _ANNEX_A.match(reference):
        return 1 <= int(match.group(1)) <= 12
    if reference.startswith("Annex B: "):
        return reference.removeprefix("Annex B: ") in ANNEX_B_TOPICS
    if reference.startswith("Introduction: "):
        return reference.removeprefix("Introduction: ") in INTRODUCTION_TOPICS
    return reference == "Actions for organisations"
