"""The one font every PDF uses: DejaVu Sans, shipped in ``resources/fonts/`` and embedded.

The PDF standard fonts (Helvetica, Courier) are not embedded and only know Windows-1252, so
"Łukasz Dvořák" or "Nguyễn Thị Hà" would print mangled. DejaVu Sans (Bitstream Vera licence,
``resources/fonts/LICENSE.txt``) covers Latin, Greek and Cyrillic in full, Vietnamese, and
the symbols the reports use (✓ ≥ £ € • …); only the glyphs a PDF uses are embedded. The
condensed cut is used: it sets text about as wide as Helvetica did (DejaVu Sans is 14%
wider), so pages and table columns laid out for Helvetica still fit. DejaVu Sans Mono is for
hashes and keys.

:func:`printable` is the one place register text is made printable: a character the fonts
lack becomes a visible replacement (U+FFFD, "�"), never a silent look-alike. Each one is
counted: :func:`render_pdf <nhsip_desktop.reports.template.render_pdf>` logs how many (never
which text) and passes them to an :func:`unshown_characters` block, so the command line or
the app can tell the user which characters could not be printed.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
import unicodedata
from collections.abc import Iterator
from contextvars import ContextVar

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from nhsip_desktop.core.resources import resource_path

__all__ = [
    "BOLD",
    "ITALIC",
    "MONO",
    "MONO_BOLD",
    "REGULAR",
    "REPLACEMENT",
    "describe_unshown",
    "drain_unshown",
    "printable",
    "register_fonts",
    "unshown_characters",
]

log = logging.getLogger(__name__)

REGULAR = "DejaVuSansCondensed"
BOLD = "DejaVuSansCondensed-Bold"
ITALIC = "DejaVuSansCondensed-Oblique"
MONO = "DejaVuSansMono"
MONO_BOLD = "DejaVuSansMono-Bold"
_FILES = {
    REGULAR: "DejaVuSansCondensed.ttf",
    BOLD: "DejaVuSansCondensed-Bold.ttf",
    ITALIC: "DejaVuSansCondensed-Oblique.ttf",
    MONO: "DejaVuSansMono.ttf",
    MONO_BOLD: "DejaVuSansMono-Bold.ttf",
}
REPLACEMENT = "\ufffd"
_KEEP = frozenset("\n\r\t")


@functools.cache
def register_fonts() -> frozenset[int]:
    """Register the fonts with reportlab (once); the code points every text face can show.

    ``<b>`` and ``<i>`` in paragraph markup map to the bold and oblique faces. Mono faces
    are for hashes and keys only (ASCII), so they do not narrow what text may contain.
    """
    covered: frozenset[int] | None = None
    for name, filename in _FILES.items():
        font = TTFont(name, str(resource_path("fonts", filename)))
        pdfmetrics.registerFont(font)
        if name in (REGULAR, BOLD, ITALIC):
            codes = frozenset(font.face.charToGlyph)
            covered = codes if covered is None else covered & codes
    pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD, italic=ITALIC)
    pdfmetrics.registerFontFamily(MONO, normal=MONO, bold=MONO_BOLD)
    assert covered is not None
    return covered


# Characters replaced since the last PDF was finished, per thread (reports may be written
# off the UI thread); render_pdf drains them into the log and any unshown_characters block.
_pending = threading.local()
_collector: ContextVar[list[str] | None] = ContextVar("unshown_collector", default=None)


def _note_unshown(character: str) -> None:
    seen: list[str] | None = getattr(_pending, "characters", None)
    if seen is None:
        seen = _pending.characters = []
    seen.append(character)


def printable(text: str) -> str:
    """``text`` as the embedded fonts can print it.

    Text is composed (NFC) first; a character the fonts lack is replaced by a compatible
    form they have (e.g. the "ﬁ" ligature by "fi") or else by "\ufffd", and noted for the
    report's warning. Line breaks and tabs are kept for the caller to lay out.
    """
    covered = register_fonts()
    text = unicodedata.normalize("NFC", text)
    if all(ord(c) in covered or c in _KEEP for c in text):
        return text
    shown: list[str] = []
    for character in text:
        if ord(character) in covered or character in _KEEP:
            shown.append(character)
            continue
        compatible = unicodedata.normalize("NFKC", character)
        if compatible != character and all(ord(c) in covered for c in compatible):
            shown.append(compatible)
            continue
        _note_unshown(character)
        shown.append(REPLACEMENT)
    return "".join(shown)


def drain_unshown() -> list[str]:
    """The characters replaced since the last call on this thread, as ``U+XXXX`` codes.

    Logs a warning with their number only (no register text) and adds them to the
    innermost :func:`unshown_characters` block, if any.
    """
    seen: list[str] = getattr(_pending, "characters", None) or []
    _pending.characters = []
    if not seen:
        return []
    codes = sorted({f"U+{ord(c):04X}" for c in seen})
    log.warning("%d character(s) in a PDF are not in its font and print as U+FFFD", len(seen))
    collected = _collector.get()
    if collected is not None:
        collected.extend(code for code in codes if code not in collected)
    return codes


@contextlib.contextmanager
def unshown_characters() -> Iterator[list[str]]:
    """Collect, as ``U+XXXX`` codes, the characters that PDFs written inside the block could
    not print (each shown as "\ufffd" instead)::

        with unshown_characters() as unshown:
            write_dossier(register, case_id, target)
        if unshown: ...  # tell the user
    """
    collected: list[str] = []
    token = _collector.set(collected)
    try:
        yield collected
    finally:
        _collector.reset(token)
        outer = _collector.get()
        if outer is not None:
            outer.extend(code for code in collected if code not in outer)


def describe_unshown(codes: list[str]) -> str:
    """A sentence for the user about the characters a PDF could not print."""
    names = []
    for code in codes[:8]:
        name = unicodedata.name(chr(int(code[2:], 16)), "")
        names.append(f"{code} {name.title()}" if name else code)
    more = f" and {len(codes) - 8} more" if len(codes) > 8 else ""
    return (
        f"{len(codes)} kind(s) of character could not be printed and show as \ufffd: "
        f"{', '.join(names)}{more}."
    )
