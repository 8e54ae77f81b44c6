"""How a letter greets people: "Dear Mr Lloyd" from "Mr Owen Lloyd" (title and surname).

Names are kept as typed, in one field, often with a title ("Dr Amira Haddad", "Sister Aisha
Begum"). A British letter greets by title and surname; without a title the full name is
used ("Dear Owen Lloyd"), since a title cannot be guessed. "Sir" and "Dame" go with the
first name ("Dear Sir John"). Letters after a comma ("Jane Smith, MBE") are left out.
"""

from __future__ import annotations

__all__ = ["TITLES", "greeting", "salutation"]

# Lower case, without a full stop. Each maps to how it is written in a greeting.
TITLES: dict[str, str] = {
    "mr": "Mr",
    "mrs": "Mrs",
    "ms": "Ms",
    "miss": "Miss",
    "mx": "Mx",
    "dr": "Dr",
    "doctor": "Dr",
    "prof": "Professor",
    "professor": "Professor",
    "sister": "Sister",
    "rev": "Revd",
    "revd": "Revd",
    "reverend": "Revd",
    "sir": "Sir",
    "dame": "Dame",
    "lady": "Lady",
    "lord": "Lord",
}
_FIRST_NAME_TITLES = frozenset({"Sir", "Dame"})


def salutation(name: str) -> str:
    """ "Mr Owen Lloyd" -> "Mr Lloyd"; "Prof. Dr Ann Lee" -> "Professor Lee";
    "Sir John Smith" -> "Sir John"; "Owen Lloyd" -> "Owen Lloyd"; "" -> ""."""
    words = name.split(",")[0].split()
    titles: list[str] = []
    while words and words[0].rstrip(".").lower() in TITLES:
        titles.append(TITLES[words.pop(0).rstrip(".").lower()])
    if not words:
        return ""
    if not titles:
        return " ".join(words)
    if titles[0] in _FIRST_NAME_TITLES:
        return f"{titles[0]} {words[0]}"
    return f"{titles[0]} {words[-1]}"


def greeting(names: list[str]) -> str:
    """The letter's opening line for its addressees: "Dear Mr Lloyd,", "Dear Mr Lloyd and
    Dr Haddad,", "Dear colleagues," (three or more), "Dear colleague," (no name)."""
    shown = [s for s in (salutation(n) for n in names) if s]
    if not shown:
        return "Dear colleague,"
    if len(shown) == 1:
        return f"Dear {shown[0]},"
    if len(shown) == 2:
        return f"Dear {shown[0]} and {shown[1]},"
    return "Dear colleagues,"
