"""Countries as data: ISO 3166-1 alpha-2 codes from ``resources/countries/iso3166-v*.json``.

Qt-free. Partners, contributors' employers and rights carry a country code ("" when not
recorded); whether a case involves someone abroad is derived from them (the introduction of
the 2025 guidance: IP rights stop at national borders, and the law differs overseas).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from nhsip_desktop.core.resources import resource_path

HOME = "GB"


@dataclass(frozen=True)
class Countries:
    version: int
    source: str
    names: dict[str, str]  # code -> name, in file order
    aliases: dict[str, str]  # upper-case alias -> code

    def name(self, code: str) -> str:
        return self.names.get(code, code)

    def choices(self) -> list[tuple[str, str]]:
        """("", "Not recorded") first, then the UK, then the rest by name."""
        rest = sorted(((c, n) for c, n in self.names.items() if c != HOME), key=lambda p: p[1])
        return [("", "Not recorded"), (HOME, self.names[HOME]), *rest]

    def code(self, text: str) -> str | None:
        """The ISO code for what a person typed ("gb", "UK", "United States", "Boston, USA"
        is not a country: None), "" for nothing typed, None when not recognised."""
        cleaned = " ".join(text.split()).strip().upper()
        if not cleaned:
            return ""
        if cleaned in self.names:
            return cleaned
        if cleaned in self.aliases:
            return self.aliases[cleaned]
        for code, name in self.names.items():
            if name.upper() == cleaned:
                return code
        return None

    def guess_from_name(self, text: str) -> str:
        """A country named in brackets or after a comma in an organisation's name ("Mass
        General (Boston, USA)" -> "US"), or "" when none is recognised."""
        parts = re.split(r"[(),;]", text)
        for part in reversed(parts):
            found = self.code(part)
            if found:
                return found
        return ""


def load_countries(path: Path | None = None) -> Countries:
    if path is None:
        files = sorted(resource_path("countries").glob("iso3166-v*.json"))
        path = max(files, key=lambda p: int(p.stem.rsplit("-v", 1)[1]))
    raw = json.loads(path.read_text(encoding="utf-8"))
    names = {c["code"]: c["name"] for c in raw["countries"]}
    for code in names:
        if not re.fullmatch(r"[A-Z]{2}", code):
            raise ValueError(f"{path.name}: {code!r} is not an ISO 3166 alpha-2 code")
    aliases = {k.upper(): v for k, v in raw.get("aliases", {}).items()}
    return Countries(int(raw["version"]), str(raw["source"]), names, aliases)


@cache
def countries() -> Countries:
    """The shipped list, read once."""
    return load_countries()


def is_abroad(code: str) -> bool:
    """A recorded country that is not the UK."""
    return bool(code) and code != HOME
