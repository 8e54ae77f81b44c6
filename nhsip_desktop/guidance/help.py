"""The guidance in brief: a short summary of each step and annex, in the app's own words.

Versioned data in ``resources/help/guidance-in-brief-v<N>.json``; each part names its guidance
reference (checked by :func:`guidance_refs.is_known_reference`, or "Annex A"/"Annex B") and
where in the app that part is done. Qt-free: the help window in ``ui/guidance_help.py`` and the
tests read the same data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from nhsip_desktop.core.resources import resource_path
from nhsip_desktop.guidance.refs import is_known_reference

__all__ = ["GuidanceBrief", "GuidancePart", "load_brief"]

FORMAT = "nhsip-guidance-in-brief"


@dataclass(frozen=True)
class GuidancePart:
    reference: str
    title: str
    points: tuple[str, ...]
    in_this_app: str


@dataclass(frozen=True)
class GuidanceBrief:
    version: int
    guidance: str
    where_to_find_it: str
    note: str
    parts: tuple[GuidancePart, ...]

    def part(self, reference: str) -> GuidancePart:
        """The part for ``reference`` ("Step 4", "Step 7: route 2" and "Annex B: fees..."
        find their step or annex)."""
        for part in self.parts:
            if reference == part.reference or reference.startswith(part.reference + ":"):
                return part
        if reference.startswith("Annex A"):
            return self.part("Annex A")
        raise KeyError(f"no summary for {reference!r}")


def _known(reference: str) -> bool:
    return reference in ("Annex A", "Annex B") or is_known_reference(reference)


def parse_brief(raw: object, source: str) -> GuidanceBrief:
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise ValueError(f"{source}: not a guidance summary file (format {FORMAT!r})")
    parts: list[GuidancePart] = []
    for index, item in enumerate(raw.get("parts", [])):
        reference = str(item.get("reference", ""))
        if not _known(reference):
            raise ValueError(f"{source}: parts[{index}].reference {reference!r} is not a part")
        points = tuple(str(p) for p in item.get("points", []))
        if not item.get("title") or not points:
            raise ValueError(f"{source}: parts[{index}] needs a title and at least one point")
        parts.append(GuidancePart(reference, str(item["title"]), points, str(item["in_this_app"])))
    return GuidanceBrief(
        int(raw["version"]),
        str(raw["guidance"]),
        str(raw["where_to_find_it"]),
        str(raw["note"]),
        tuple(parts),
    )


@cache
def load_brief(path: Path | None = None) -> GuidanceBrief:
    """The newest summary file in ``resources/help`` (or ``path``)."""
    if path is None:
        files = sorted(resource_path("help").glob("guidance-in-brief-v*.json"))
        if not files:
            raise FileNotFoundError("no guidance summary is installed in resources/help")
        path = max(files, key=lambda p: int(p.stem.rsplit("-v", 1)[1]))
    return parse_brief(json.loads(path.read_text(encoding="utf-8")), path.name)
