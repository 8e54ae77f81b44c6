"""Importing an existing IP register from a spreadsheet (CSV or Excel .xlsx). Qt-free.

Most trusts keep their IP register in a spreadsheet. An import reads the file, matches its
columns to case fields with a *mapping*, checks every row (``preview``) and then adds every
good row in one register transaction (``import_rows``): all of them or, if anything fails,
none. Rows with problems are never imported; ``write_refusal_report`` lists them with the
reason, so they can be put right in the spreadsheet and imported later.

    table = read_table(path, mapping)
    result = preview(table, mapping)
    report = import_rows(register, result, only_valid=True)

Import mapping file
-------------------

A mapping is a small JSON file. It says which spreadsheet column holds which case field,
and how to read the file's dates and words. It holds headings and field names only, never
register content, so it can be kept and shared freely::

    {
      "format": "nhsip-import-mapping",
      "version": 1,
      "sheet": "IP register",
      "header_row": 1,
      "columns": {
        "Project title": "title",
        "Description": "summary",
        "Status": "stage",
        "Type of IP": "ip_kinds",
        "Inventor": "lead_innovator",
        "Date received": "received_on",
        "Next step": "next_action",
        "Due date": "next_action_due",
        "Problem": "problem",
        "Inventors and shares": "contributors"
      },
      "date_format": "%d/%m/%Y",
      "stage_values": {"Open": "in_triage", "Under review": "in_triage", "Live": "active"},
      "ip_kind_values": {"Software": "copyright", "Patent": "invention"},
      "default_stage": "submitted"
    }

- ``format`` and ``version`` are required and must be exactly as shown.
- ``sheet`` (optional): the Excel sheet to read; the first sheet when left out. Ignored for CSV.
- ``header_row`` (optional, default 1): the row that holds the column headings. Rows above
  it are skipped; every row below it is a case (blank rows are skipped).
- ``columns`` (required): spreadsheet heading -> field. Headings match whatever their case
  and spacing. Columns not listed are not imported. A listed heading that is not in the file
  is an error. The fields are:

  ==================  ======================================================================
  ``title``           Title of the idea (required: the mapping must include it)
  ``summary``         Summary or description
  ``stage``           Stage: Draft, Submitted, In triage, Decision made, Active or Closed
                      (or a word listed in ``stage_values``); blank means ``default_stage``
  ``ip_kinds``        Kinds of IP, several separated by ``;`` or ``,``: Invention, Copyright,
                      Design, Brand, Know-how, Data (also Patent, Software, Trade mark,
                      Database, or a word listed in ``ip_kind_values``)
  ``lead_innovator``  Lead innovator (when left out: the contributor with the largest share)
  ``received_on``     Date the disclosure was received (cannot be in the future)
  ``next_action``     Next action
  ``next_action_due`` Date the next action is due
  ``reference_year``  Year for the case reference IP-YYYY-NNNN (when left out: the year of
                      ``received_on``, else this year)
  ``problem``         The problem it solves (kept in the case's disclosure)
  ``contributors``    Contributors and their shares, such as ``Jane Smith 60; Tom Lee 40``
                      (``Jane Smith (60%)`` also works). One name with no share gets 100%;
                      several names without shares are imported at 0% with a warning, and
                      shares that do not add up to 100% give a warning, not an error
  ==================  ======================================================================

- ``date_format`` (optional): how text dates are written, as a Python ``strptime`` format
  such as ``%m/%d/%Y``. When left out, day-first UK dates are read (``31/01/2024``,
  ``31-01-2024``, ``31.01.2024``, ``31 Jan 2024``). ISO dates (``2024-01-31``) and real Excel
  date cells are always accepted.
- ``stage_values`` and ``ip_kind_values`` (optional): your words -> a stage value (``draft``,
  ``submitted``, ``in_triage``, ``decision_made``, ``active``, ``closed``) or a kind of IP
  value (``invention``, ``copyright``, ``design``, ``brand``, ``know_how``, ``data``). Words
  match whatever their case.
- ``default_stage`` (optional, default ``submitted``): the stage of rows with no stage.

Imported cases are historical records: each gets the stage its row gives directly (its stage
history records its creation and that stage, set directly; no feedback due date is set). A
case imported at Decision made or Active gets a triage decision marked as made before the
register was kept (outcome ``imported``), since the sheet does not say what it was. Every
case is audited as it is added, and one more audit row (action ``import``) records the file
name, the row counts and the mapping used.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import functools
import gc
import importlib
import io
import json
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nhsip_desktop.cases.disclosure import Contributor, Disclosure
from nhsip_desktop.cases.model import (
    IP_KIND_LABELS,
    IP_KIND_SHORT,
    CaseFields,
    IpKind,
    Stage,
    format_date,
)
from nhsip_desktop.core.cells import safe_text
from nhsip_desktop.core.errors import RegisterError
from nhsip_desktop.core.safe_write import atomic_write_bytes
from nhsip_desktop.core.user_files import read_user_file
from nhsip_desktop.store.cases import SUMMARY_MAX, TEXT_MAX, TITLE_MAX

if TYPE_CHECKING:
    from nhsip_desktop.store.register import Register

__all__ = [
    "FIELDS",
    "MAPPING_FORMAT",
    "MAPPING_VERSION",
    "CellValue",
    "ImportFileError",
    "ImportMapping",
    "ImportMappingError",
    "ImportPreview",
    "ImportRefusedError",
    "ImportReport",
    "ReadyCase",
    "RowResult",
    "Table",
    "guess_layout",
    "import_rows",
    "list_sheets",
    "load_mapping",
    "match_ip_kind",
    "match_stage",
    "parse_contributors",
    "preview",
    "read_table",
    "split_kinds",
    "suggest_mapping",
    "write_refusal_report",
]

MAPPING_FORMAT = "nhsip-import-mapping"
MAPPING_VERSION = 1

CellValue = str | dt.date | None

#: Every field a column can be imported as, with the words the app shows for it.
FIELDS: dict[str, str] = {
    "title": "Title",
    "summary": "Summary",
    "stage": "Stage",
    "ip_kinds": "Kinds of IP",
    "lead_innovator": "Lead innovator",
    "received_on": "Date received",
    "next_action": "Next action",
    "next_action_due": "Next action due",
    "reference_year": "Reference year",
    "problem": "Problem it solves",
    "contributors": "Contributors and shares",
}

_MAPPING_KEYS = (
    "format",
    "version",
    "sheet",
    "header_row",
    "columns",
    "date_format",
    "stage_values",
    "ip_kind_values",
    "default_stage",
)
# Limits on what one import may read; each refusal says which and imports nothing. A register
# of 100,000 cases fits easily (a 100,000-row CSV of ten columns is about 40 MB).
MAX_IMPORT_BYTES = 100 * 1024 * 1024  # the file as it is on disk
MAX_XLSX_EXPANDED_BYTES = 300 * 1024 * 1024  # an .xlsx is a zip: what it would expand to
MAX_IMPORT_ROWS = 200_000  # rows of the sheet or file, headings included
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
_UK_DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d %b %Y", "%d %B %Y")
_CSV_SUFFIXES = {".csv", ".txt"}
_XLSX_SUFFIXES = {".xlsx", ".xlsm"}
_DATE_FIELDS = ("received_on", "next_action_due")

# Headings people commonly use, normalised (see ``_norm``), for ``suggest_mapping``.
_HEADING_WORDS: dict[str, tuple[str, ...]] = {
    "title": (
        "title",
        "project title",
        "idea",
        "idea title",
        "title of idea",
        "innovation",
        "innovation title",
        "invention title",
        "project",
        "project name",
        "name of idea",
    ),
    "summary": (
        "summary",
        "description",
        "brief description",
        "short description",
        "description of idea",
        "idea description",
        "abstract",
        "details",
    ),
    "stage": ("stage", "status", "current status", "project status", "current stage"),
    "ip_kinds": (
        "type of ip",
        "ip type",
        "ip types",
        "types of ip",
        "kind of ip",
        "kinds of ip",
        "ip category",
        "ip",
    ),
    "lead_innovator": (
        "inventor",
        "lead",
        "innovator",
        "lead innovator",
        "lead inventor",
        "main inventor",
        "originator",
        "submitted by",
        "lead name",
    ),
    "received_on": (
        "date received",
        "received",
        "received on",
        "date submitted",
        "submission date",
        "date of disclosure",
        "disclosure date",
        "date disclosed",
        "date",
    ),
    "next_action": ("next step", "next steps", "next action", "next actions", "action"),
    "next_action_due": (
        "due date",
        "due",
        "date due",
        "next action due",
        "action due",
        "deadline",
        "due by",
    ),
    "reference_year": ("reference year", "year"),
    "problem": ("problem", "problem solved", "problem it solves", "clinical need", "need"),
    "contributors": (
        "contributors",
        "inventors",
        "inventors and shares",
        "contributors and shares",
        "shares",
        "contribution shares",
    ),
}
# Single words distinctive enough to match inside a longer heading ("Project title (short)").
IMPORTED_OUTCOME = "imported"  # a decision made before the register, recorded on import

_DISTINCTIVE = {"title", "status", "stage", "inventor", "innovator", "description", "summary"}

_STAGE_WORDS: dict[str, Stage] = {"triage": Stage.IN_TRIAGE, "decision": Stage.DECISION_MADE}
_KIND_WORDS: dict[str, IpKind] = {
    "patent": IpKind.INVENTION,
    "patentable invention": IpKind.INVENTION,
    "software": IpKind.COPYRIGHT,
    "copyright work": IpKind.COPYRIGHT,
    "registered design": IpKind.DESIGN,
    "design right": IpKind.DESIGN,
    "trade mark": IpKind.BRAND,
    "trademark": IpKind.BRAND,
    "name": IpKind.BRAND,
    "know how": IpKind.KNOW_HOW,
    "knowhow": IpKind.KNOW_HOW,
    "database": IpKind.DATA,
    "dataset": IpKind.DATA,
}

_NON_WORD = re.compile(r"[^\w]+")
_KIND_SEPARATORS = re.compile(r"[;,]")
_PEOPLE_SEPARATORS = re.compile(r"[;\n]")
_UK_SLASHED = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")  # %d/%m/%Y, ASCII digits only
_SHARE_AT_END = re.compile(r"^(?P<name>.*?)[\s:(\-–]*(?P<share>\d+(?:\.\d+)?)\s*%?\s*\)?$")


# -- errors ---------------------------------------------------------------------------------
class ImportFileError(RegisterError):
    """A spreadsheet (or mapping file) cannot be used: the message names it and says why."""


class ImportMappingError(ImportFileError):
    """A mapping is incomplete or names fields, stages or kinds of IP this app does not have."""


class ImportRefusedError(RegisterError):
    """``import_rows`` refused to import: some rows have problems (nothing was imported)."""

    def __init__(self, message: str, problem_rows: int = 0, ready_rows: int = 0) -> None:
        super().__init__(message)
        self.problem_rows = problem_rows
        self.ready_rows = ready_rows


# -- small helpers --------------------------------------------------------------------------
@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector while rows are checked or imported: the rows and their
    cases are hundreds of thousands of live objects, which every collection would walk again
    (an import makes no cycles to collect; reference counting still frees what it drops)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _norm(text: str) -> str:
    """Compare words whatever their case, spacing and punctuation ("Type of IP:" = "type of ip")."""
    text = text.casefold().replace("(s)", "s")
    return " ".join(_NON_WORD.sub(" ", text).split())


@functools.lru_cache(maxsize=1024)
def _norm_word(text: str) -> str:
    """:func:`_norm` of a cell that repeats from row to row (a stage, a kind of IP)."""
    return _norm(text)


def _heading_key(text: str) -> str:
    return " ".join(text.casefold().split())


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count:,} {word if count == 1 else (plural or word + 's')}"


def _quoted_list(items: Iterable[str]) -> str:
    return ", ".join(repr(i) for i in items)


def _stage_names() -> str:
    return ", ".join(s.label for s in Stage)


def _kind_names() -> str:
    return ", ".join(IP_KIND_SHORT[k] for k in IpKind)


def match_stage(text: str, extra: dict[str, str] | None = None) -> Stage | None:
    """The stage a person's word means (value, label, or a word from ``extra``), or None."""
    key = _norm_word(text)
    value = _extra_words(extra).get(key)
    if value is not None:
        return Stage(value)
    return _stage_words().get(key)


def match_ip_kind(text: str, extra: dict[str, str] | None = None) -> IpKind | None:
    """The kind of IP a person's word means (value, label, or a word from ``extra``), or None."""
    key = _norm_word(text)
    value = _extra_words(extra).get(key)
    if value is not None:
        return IpKind(value)
    return _kind_words().get(key)


def _extra_words(extra: dict[str, str] | None) -> dict[str, str]:
    """A mapping's own words, normalised (the first listed wins a shared word)."""
    return _normed_words(tuple(extra.items())) if extra else {}


@functools.lru_cache(maxsize=32)
def _normed_words(items: tuple[tuple[str, str], ...]) -> dict[str, str]:
    found: dict[str, str] = {}
    for word, value in items:
        found.setdefault(_norm(word), value)
    return found


@functools.cache
def _stage_words() -> dict[str, Stage]:
    """Every stage's value and label, normalised (the first stage wins a shared word), then
    the other words people use."""
    found: dict[str, Stage] = {}
    for stage in Stage:
        for word in (stage.value, stage.label):
            found.setdefault(_norm(word), stage)
    for word, stage in _STAGE_WORDS.items():
        found.setdefault(word, stage)
    return found


@functools.cache
def _kind_words() -> dict[str, IpKind]:
    """As :func:`_stage_words`, for the kinds of IP."""
    found: dict[str, IpKind] = {}
    for kind in IpKind:
        for word in (kind.value, IP_KIND_LABELS[kind], IP_KIND_SHORT[kind]):
            found.setdefault(_norm(word), kind)
    for word, kind in _KIND_WORDS.items():
        found.setdefault(word, kind)
    return found


def split_kinds(text: str) -> list[str]:
    """Several kinds of IP in one cell, separated by ``;`` or ``,``."""
    return [part.strip() for part in _KIND_SEPARATORS.split(text) if part.strip()]


# -- the mapping ----------------------------------------------------------------------------
@dataclass
class ImportMapping:
    """Which spreadsheet column holds which field, and how to read dates and words."""

    columns: dict[str, str] = field(default_factory=dict)
    sheet: str | None = None
    header_row: int = 1
    date_format: str | None = None
    stage_values: dict[str, str] = field(default_factory=dict)
    ip_kind_values: dict[str, str] = field(default_factory=dict)
    default_stage: Stage = Stage.SUBMITTED

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"format": MAPPING_FORMAT, "version": MAPPING_VERSION}
        if self.sheet:
            out["sheet"] = self.sheet
        out["header_row"] = self.header_row
        out["columns"] = dict(self.columns)
        if self.date_format:
            out["date_format"] = self.date_format
        if self.stage_values:
            out["stage_values"] = dict(self.stage_values)
        if self.ip_kind_values:
            out["ip_kind_values"] = dict(self.ip_kind_values)
        out["default_stage"] = self.default_stage.value
        return out

    def to_file(self, path: Path) -> Path:
        """Save as JSON (safely: a temporary file renamed into place)."""
        text = json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"
        return atomic_write_bytes(Path(path), text.encode("utf-8"))

    @classmethod
    def from_dict(cls, raw: Any, *, source: str = "The mapping") -> ImportMapping:
        """Build and check a mapping; raises :class:`ImportMappingError` saying what is wrong."""
        if not isinstance(raw, dict):
            raise ImportMappingError(
                f"{source} is not an import mapping (it is not a JSON object)."
            )
        if raw.get("format") != MAPPING_FORMAT:
            raise ImportMappingError(
                f'{source} is not an import mapping: it needs "format": "{MAPPING_FORMAT}".'
            )
        version = raw.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise ImportMappingError(f'{source} needs "version": {MAPPING_VERSION}.')
        if version > MAPPING_VERSION:
            raise ImportMappingError(
                f"{source} was made by a newer version of nhsip-desktop (mapping version "
                f"{version}; this version reads version {MAPPING_VERSION}). Install the newest "
                "version of the app, or make the mapping again."
            )
        unknown_keys = [k for k in raw if k not in _MAPPING_KEYS]
        if unknown_keys:
            raise ImportMappingError(
                f"{source} has settings this app does not know: {_quoted_list(unknown_keys)}. "
                f"The settings are: {', '.join(_MAPPING_KEYS)}."
            )
        sheet = raw.get("sheet")
        if sheet is not None and not isinstance(sheet, str):
            raise ImportMappingError(f'{source}: "sheet" must be the name of a sheet, in quotes.')
        header_row = raw.get("header_row", 1)
        if not isinstance(header_row, int) or isinstance(header_row, bool) or header_row < 1:
            raise ImportMappingError(
                f'{source}: "header_row" must be a row number (1 for the first row).'
            )
        columns = _text_dict(raw.get("columns"), "columns", source)
        date_format = raw.get("date_format")
        if date_format is not None and (not isinstance(date_format, str) or "%" not in date_format):
            raise ImportMappingError(
                f'{source}: "date_format" must be a date pattern such as "%d/%m/%Y".'
            )
        mapping = cls(
            columns={k: v for k, v in columns.items() if v},  # "" means: do not import
            sheet=sheet or None,
            header_row=header_row,
            date_format=date_format or None,
            stage_values=_text_dict(raw.get("stage_values", {}), "stage_values", source),
            ip_kind_values=_text_dict(raw.get("ip_kind_values", {}), "ip_kind_values", source),
        )
        default = raw.get("default_stage", Stage.SUBMITTED.value)
        stage = match_stage(str(default))
        if stage is None:
            raise ImportMappingError(
                f'{source}: "default_stage" is {default!r}, which is not a stage. '
                f"Use one of: {', '.join(s.value for s in Stage)}."
            )
        mapping.default_stage = stage
        mapping.stage_values = _normalise_values(mapping.stage_values, "stage_values", source)
        mapping.ip_kind_values = _normalise_values(mapping.ip_kind_values, "ip_kind_values", source)
        mapping.check(source=source)
        return mapping

    def check(self, *, source: str = "The mapping") -> None:
        """Raise :class:`ImportMappingError` unless the mapping can be used for an import."""
        unknown = {h: f for h, f in self.columns.items() if f not in FIELDS}
        if unknown:
            pairs = ", ".join(f"{h!r} -> {f!r}" for h, f in unknown.items())
            raise ImportMappingError(
                f"{source} matches columns to fields this app does not have: {pairs}. "
                f"The fields are: {', '.join(FIELDS)}."
            )
        by_field: dict[str, list[str]] = {}
        for heading, name in self.columns.items():
            by_field.setdefault(name, []).append(heading)
        doubled = {f: hs for f, hs in by_field.items() if len(hs) > 1}
        if doubled:
            name, headings = next(iter(doubled.items()))
            raise ImportMappingError(
                f"{source} matches more than one column to {FIELDS[name]} ({name}): "
                f"{_quoted_list(headings)}. Choose one column for each field."
            )
        if "title" not in by_field:
            raise ImportMappingError(
                f"{source} does not say which column holds the title. Every case needs one: "
                'match a column to "title".'
            )

    def field_for(self, heading: str) -> str | None:
        """The field ``heading`` is imported as (matching whatever the case and spacing)."""
        key = _heading_key(heading)
        for mapped, name in self.columns.items():
            if _heading_key(mapped) == key:
                return name
        return None


def _text_dict(value: Any, name: str, source: str) -> dict[str, str]:
    if value is None:
        value = {}
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and (isinstance(v, str) or v is None) for k, v in value.items()
    ):
        raise ImportMappingError(
            f'{source}: "{name}" must be a list of "text": "text" pairs in braces {{ }}.'
        )
    return {k.strip(): (v or "").strip() for k, v in value.items() if k.strip()}


def _normalise_values(values: dict[str, str], name: str, source: str) -> dict[str, str]:
    out: dict[str, str] = {}
    bad: list[str] = []
    for word, target in values.items():
        found: Stage | IpKind | None = (
            match_stage(target) if name == "stage_values" else match_ip_kind(target)
        )
        if found is None:
            bad.append(f"{word!r} -> {target!r}")
        else:
            out[word] = found.value
    if bad:
        accepted = (
            ", ".join(s.value for s in Stage)
            if name == "stage_values"
            else ", ".join(k.value for k in IpKind)
        )
        raise ImportMappingError(
            f'{source}: "{name}" has values this app does not know: {", ".join(bad)}. '
            f"Use one of: {accepted}."
        )
    return out


def load_mapping(path: Path) -> ImportMapping:
    """Read and check a mapping file; raises :class:`ImportMappingError` saying what is wrong."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ImportMappingError(f"The mapping file {path} does not exist.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportMappingError(
            f"The mapping file {path.name} could not be read ({exc})."
        ) from exc
    try:
        raw = json.loads(text)
    except ValueError as exc:
        raise ImportMappingError(
            f"The mapping file {path.name} is not valid JSON ({exc}). Check its brackets, "
            "quotes and commas."
        ) from exc
    return ImportMapping.from_dict(raw, source=f"The mapping file {path.name}")


def suggest_mapping(headers: Sequence[str]) -> ImportMapping:
    """Guess a mapping from common headings ("Project title", "Status", "Date received"...).

    Each field is matched to one column at most; columns not recognised are left out. The
    result may lack a title column (``ImportMapping.check`` says so).
    """
    columns: dict[str, str] = {}
    used: set[str] = set()
    keys = [(h, _norm(h)) for h in headers if h and h.strip()]
    for heading, key in keys:  # exact matches first
        for name, words in _HEADING_WORDS.items():
            if name not in used and key in words:
                columns[heading] = name
                used.add(name)
                break
    for heading, key in keys:  # then distinctive words inside longer headings
        if heading in columns:
            continue
        padded = f" {key} "
        for name, words in _HEADING_WORDS.items():
            if name in used:
                continue
            if any(f" {w} " in padded for w in words if " " in w or w in _DISTINCTIVE):
                columns[heading] = name
                used.add(name)
                break
    ordered = {h: columns[h] for h in headers if h in columns}
    return ImportMapping(columns=ordered)


# -- reading the file -----------------------------------------------------------------------
@dataclass
class Table:
    """The cells of one sheet: ``headers`` from the heading row, then one list per data row.

    ``row_numbers[i]`` is the spreadsheet's own number for ``rows[i]`` (blank rows are left
    out, so the numbers can have gaps).
    """

    headers: list[str]
    rows: list[list[CellValue]]
    sheet: str | None = None
    row_numbers: list[int] = field(default_factory=list)
    sheets: list[str] = field(default_factory=list)
    source: str = ""
    header_row: int = 1

    def __post_init__(self) -> None:
        if not self.row_numbers:
            self.row_numbers = [self.header_row + 1 + i for i in range(len(self.rows))]


def _kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in _XLSX_SUFFIXES:
        return "xlsx"
    if suffix in _CSV_SUFFIXES:
        return "csv"
    if suffix == ".xls":
        raise ImportFileError(
            f"{path.name} is in the old Excel 97-2003 format (.xls), which cannot be read. "
            "Open it in Excel and save it as an Excel workbook (.xlsx) or as CSV, then try again."
        )
    if suffix == ".ods":
        raise ImportFileError(
            f"{path.name} is an OpenDocument spreadsheet, which cannot be read. Save it as an "
            "Excel workbook (.xlsx) or as CSV, then try again."
        )
    raise ImportFileError(
        f"{path.name} is not a spreadsheet this app can read. Choose an Excel workbook (.xlsx) "
        "or a CSV file."
    )


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:,.1f} MB"


def _too_many_rows(where: str) -> ImportFileError:
    return ImportFileError(
        f"{where} has more than {MAX_IMPORT_ROWS:,} rows, more than one import may hold. "
        "Split it into smaller files and import them one after another. Nothing was imported."
    )


def _check_cell(value: CellValue, where: str, row: int, column: int) -> None:
    if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
        raise _cell_too_long(where, f"row {row}, column {column}", f"{len(value):,} characters")


def _cell_too_long(where: str, place: str, size: str) -> ImportFileError:
    return ImportFileError(
        f"{where}: the cell in {place} holds {size}; a cell may hold at most "
        f"{MAX_CELL_CHARS:,} characters (as in Excel). Shorten it (or check that the file is "
        "the register you meant), then try again. Nothing was imported."
    )


def _read_bytes(path: Path) -> bytes:
    data = read_user_file(
        path,
        "a spreadsheet",
        ImportFileError,
        MAX_IMPORT_BYTES,
        lambda size: ImportFileError(
            f"{path.name} is {_megabytes(size)}, larger than the {_megabytes(MAX_IMPORT_BYTES)} "
            "one import may read. Split it into smaller files and import them one after "
            "another. Nothing was imported."
        ),
    )
    if not data.strip():
        raise ImportFileError(f"{path.name} is empty: there is nothing to import.")
    return data


def _openpyxl() -> Any:
    return importlib.import_module("openpyxl")


def _open_workbook(path: Path) -> Any:
    data = _read_bytes(path)
    damaged = ImportFileError(
        f"{path.name} could not be read as an Excel workbook: it is damaged or is not really "
        "an .xlsx file. Open it in Excel and save it again as .xlsx or as CSV, then try again."
    )
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise damaged
    # Check what the workbook would expand to before anything is decompressed: a small file
    # can hold hundreds of megabytes of XML (zipfile itself stops each part at its stated size).
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            expanded = sum(max(info.file_size, 0) for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise damaged from exc
    if expanded > MAX_XLSX_EXPANDED_BYTES:
        raise ImportFileError(
            f"{path.name} is {_megabytes(len(data))} but would expand to {_megabytes(expanded)} "
            f"when opened, more than the {_megabytes(MAX_XLSX_EXPANDED_BYTES)} one import may "
            "read. If it really is the register, save it as CSV or split it into smaller "
            "workbooks. Nothing was imported."
        )
    try:
        return _openpyxl().load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise damaged from exc


def list_sheets(path: Path) -> list[str]:
    """The worksheet names of an .xlsx file, in order (empty for a CSV file)."""
    path = Path(path)
    if _kind(path) == "csv":
        return []
    workbook = _open_workbook(path)
    try:
        return [str(ws.title) for ws in workbook.worksheets]
    finally:
        workbook.close()


def _cell(value: Any) -> CellValue:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return text if text.strip() else None


def _read_xlsx(path: Path, sheet: str | None) -> tuple[list[list[CellValue]], str, list[str]]:
    workbook = _open_workbook(path)
    try:
        names = [str(ws.title) for ws in workbook.worksheets]
        if not names:
            raise ImportFileError(f"{path.name} has no worksheets: there is nothing to import.")
        if sheet is None:
            chosen = names[0]
        else:
            found = [n for n in names if n == sheet] or [
                n for n in names if _heading_key(n) == _heading_key(sheet)
            ]
            if not found:
                raise ImportFileError(
                    f"{path.name} has no sheet called {sheet!r}. Its sheets are: "
                    f"{_quoted_list(names)}."
                )
            chosen = found[0]
        where = f"The sheet {chosen!r} in {path.name}"
        rows: list[list[CellValue]] = []
        try:
            worksheet = workbook[chosen]
            # Some programs write a wrong size into the file: read every row there is, one
            # at a time, and stop at the first limit passed.
            worksheet.reset_dimensions()
            for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
                if number > MAX_IMPORT_ROWS:
                    raise _too_many_rows(where)
                cells = [_cell(v) for v in values]
                for column, value in enumerate(cells, start=1):
                    _check_cell(value, where, number, column)
                rows.append(cells)
        except ImportFileError:
            raise
        except Exception as exc:
            raise ImportFileError(
                f"The sheet {chosen!r} in {path.name} could not be read: the workbook is "
                "damaged. Open it in Excel and save it again, then try again."
            ) from exc
        return rows, chosen, names
    finally:
        workbook.close()


# A UTF-8 sequence for one character beyond ASCII (Windows-1252 text almost never has one).
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}"
    rb"|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _decode(data: bytes, name: str) -> str:
    """The text of a CSV file: UTF-8 (BOM or not), UTF-16 with a BOM, or Windows-1252, and
    only one of them. A file that mixes UTF-8 with another encoding, or holds bytes that are
    text in none, is refused with the line at fault, never read as mojibake ("CafÃ©")."""
    save_again = "Save the file again from Excel as 'CSV UTF-8', then try again."
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise ImportFileError(
                f"{name} starts as UTF-16 text but is not valid UTF-16 throughout. "
                f"{save_again} Nothing was imported."
            ) from None
    body = data[len(codecs.BOM_UTF8) :] if data.startswith(codecs.BOM_UTF8) else data
    if b"\x00" in body:
        raise ImportFileError(
            f"{name} does not look like a CSV file: it holds characters that are not text. If "
            "it is a spreadsheet, save it from Excel as 'CSV UTF-8' or as an Excel workbook "
            "(.xlsx)."
        )
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad_line = _line_of(body, exc.start)
    utf8 = _UTF8_MULTIBYTE.search(body)
    if utf8 is not None or body is not data:
        good = (
            f"line {_line_of(body, utf8.start())} is written as UTF-8"
            if utf8 is not None
            else "it starts with the UTF-8 marker"
        )
        raise ImportFileError(
            f"{name} mixes two text encodings: {good}, but line {bad_line} is not (probably "
            "Windows-1252 or Latin-1, as older programs write). Reading it either way would "
            f"garble some names (such as 'CafÃ©' for 'Café'). {save_again} Nothing was "
            "imported."
        )
    try:
        return body.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"{name}: line {_line_of(body, exc.start)} holds bytes that are not text in UTF-8 "
            f"or in Windows-1252. {save_again} Nothing was imported."
        ) from None


_COMMON_CHARS = 64  # cells up to this long are shared when they repeat (see _read_csv)


def _read_csv(path: Path, header_row: int) -> list[list[CellValue]]:
    text = _decode(_read_bytes(path), path.name)
    sample = "\n".join(text.splitlines()[: max(header_row, 1) + 20])

    def width(delimiter: str) -> int:
        try:
            rows = list(csv.reader(io.StringIO(sample), delimiter=delimiter))
        except csv.Error:  # e.g. a huge cell: reported with its line by the full read
            return 0
        if len(rows) < header_row:
            return 0
        return sum(1 for c in rows[header_row - 1] if c.strip())

    delimiter = max((",", ";", "\t"), key=width)  # ties go to the comma
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[list[CellValue]] = []
    # Short values that repeat down a column (stages, kinds, names, dates) are kept once, not
    # once a row: a large file's cells are held in memory until the import is written.
    common: dict[str, str] = {}
    try:
        for record in reader:
            if len(records) >= MAX_IMPORT_ROWS:
                raise _too_many_rows(path.name)
            if record and max(map(len, record)) > MAX_CELL_CHARS:
                column, cell = next(
                    (n, c) for n, c in enumerate(record, start=1) if len(c) > MAX_CELL_CHARS
                )
                raise _cell_too_long(
                    path.name,
                    f"line {reader.line_num}, column {column}",
                    f"{len(cell):,} characters",
                )
            records.append(
                [
                    (common.setdefault(c, c) if len(c) <= _COMMON_CHARS else c)
                    if c.strip()
                    else None
                    for c in record
                ]
            )
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            size = f"more than {csv.field_size_limit():,} characters"
            raise _cell_too_long(path.name, f"line {reader.line_num}", size) from None
        raise ImportFileError(
            f"{path.name} could not be read as CSV (line {reader.line_num}: {exc}). Save it "
            "again from Excel as 'CSV UTF-8', then try again."
        ) from exc
    return records


def read_table(path: Path, mapping: ImportMapping | None = None) -> Table:
    """Read a CSV or .xlsx file into a :class:`Table`, using ``mapping``'s sheet and heading row.

    CSV may be UTF-8 (with or without a BOM), UTF-16 with a BOM, or Windows-1252, separated by
    commas, semicolons or tabs. Raises :class:`ImportFileError` (naming the file and what is
    wrong) for a file that is not a readable CSV or .xlsx, is empty, has no heading row, or
    lacks a heading the mapping names.
    """
    path = Path(path)
    mapping = mapping or ImportMapping()
    header_row = mapping.header_row
    kind = _kind(path)
    sheet: str | None = None
    sheets: list[str] = []
    with _no_cycle_collection():
        if kind == "xlsx":
            raw, sheet, sheets = _read_xlsx(path, mapping.sheet)
        else:
            raw = _read_csv(path, header_row)
    where = f"The sheet {sheet!r} in {path.name}" if sheet else path.name
    if not any(any(c is not None for c in row) for row in raw):
        raise ImportFileError(f"{where} is empty: there is nothing to import.")
    if len(raw) < header_row or not any(c is not None for c in raw[header_row - 1]):
        raise ImportFileError(
            f"{where} has no column headings in row {header_row}. The "
            "headings (Title, Status, ...) must be in that row: change the heading row, or add "
            "the headings to the file."
        )
    heading_cells = raw[header_row - 1]
    headers = [
        (format_date(c) if isinstance(c, dt.date) else (c or "")).strip() for c in heading_cells
    ]
    while headers and not headers[-1]:
        headers.pop()
    rows: list[list[CellValue]] = []
    numbers: list[int] = []
    for index, row in enumerate(raw[header_row:], start=header_row + 1):
        cells = list(row[: len(headers)]) + [None] * (len(headers) - len(row))
        if any(c is not None for c in cells):
            rows.append(cells)
            numbers.append(index)
    table = Table(headers, rows, sheet, numbers, sheets, path.name, header_row)
    _column_indexes(table, mapping)  # every mapped heading must be in the file
    return table


def guess_layout(path: Path) -> tuple[str | None, int]:
    """The sheet and heading row that look like a register: the first (of the first ten rows
    of each sheet) whose headings include a likely title column. ``(first sheet, 1)`` if none.
    """
    sheets: list[str | None] = [*list_sheets(Path(path))] or [None]
    for sheet in sheets[:20]:
        try:
            table = read_table(Path(path), ImportMapping(sheet=sheet))
        except ImportFileError:
            continue
        candidates = [(table.header_row, table.headers)]
        candidates += [
            (number, [_text(c) for c in row])
            for number, row in zip(table.row_numbers[:9], table.rows[:9], strict=True)
        ]
        for number, headings in candidates:
            if "title" in suggest_mapping(headings).columns.values():
                return sheet, number
    return sheets[0], 1


def _column_indexes(table: Table, mapping: ImportMapping) -> dict[str, int]:
    """field -> column index; raises ImportFileError for mapped headings missing or doubled."""
    keys = [_heading_key(h) for h in table.headers]
    missing: list[str] = []
    doubled: list[str] = []
    out: dict[str, int] = {}
    for heading, name in mapping.columns.items():
        key = _heading_key(heading)
        found = [i for i, k in enumerate(keys) if k == key]
        if not found:
            missing.append(heading)
        elif len(found) > 1:
            doubled.append(heading)
        else:
            out[name] = found[0]
    where = f"The sheet {table.sheet!r} in {table.source}" if table.sheet else table.source
    if missing:
        present = ", ".join(repr(h) for h in table.headers if h) or "none"
        raise ImportFileError(
            f"{where} has no "
            f"{'column' if len(missing) == 1 else 'columns'} headed {_quoted_list(missing)}, "
            f"which the mapping uses. The headings in row {table.header_row} are: {present}. "
            "Check the heading row and the sheet, or change the mapping."
        )
    if doubled:
        raise ImportFileError(
            f"{where} has more than one column headed "
            f"{_quoted_list(doubled)}, so it is not clear which to import. Rename one of them."
        )
    return out


# -- checking rows --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ReadyCase(CaseFields):
    """A checked row, ready to become a case: the case's fields, its year and its details."""

    year: int
    problem: str = ""
    contributors: tuple[Contributor, ...] = ()

    @property
    def disclosure(self) -> Disclosure | None:
        """The case's disclosure; None when the row has no problem or contributors. Made
        when asked for (the preview of a large file holds only what it needs)."""
        if not self.problem and not self.contributors:
            return None
        return Disclosure(problem=self.problem, contributors=list(self.contributors))


@dataclass(slots=True)
class RowResult:
    """One data row: what it holds (``values``: field -> the cell as text) and its problems."""

    row_number: int
    values: dict[str, str]
    errors: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    ready: ReadyCase | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def title(self) -> str:
        return self.values.get("title", "").strip()


@dataclass
class ImportPreview:
    rows: list[RowResult]
    mapping: ImportMapping
    source: str = ""
    sheet: str | None = None

    @property
    def good_rows(self) -> list[RowResult]:
        return [r for r in self.rows if r.ok]

    @property
    def bad_rows(self) -> list[RowResult]:
        return [r for r in self.rows if not r.ok]

    @property
    def ready_count(self) -> int:
        return sum(1 for r in self.rows if r.ok)

    @property
    def problem_count(self) -> int:
        return sum(1 for r in self.rows if not r.ok)

    @property
    def warning_count(self) -> int:
        return sum(1 for r in self.rows if r.ok and r.warnings)

    def summary(self) -> str:
        """``"N rows ready, M with problems"``."""
        return f"{_plural(self.ready_count, 'row')} ready, {self.problem_count:,} with problems"


def _text(value: CellValue) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return format_date(value)
    return value.strip()


def _parse_date(value: CellValue, mapping: ImportMapping) -> dt.date | None:
    """A date from a date cell or text; None for text that is not a date."""
    if isinstance(value, dt.date):
        return value
    text = (value or "").strip()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    if re.match(r"^\d{4}-\d{2}-\d{2}[T ]", text):
        try:
            return dt.datetime.fromisoformat(text).date()
        except ValueError:
            pass
    if not mapping.date_format:
        # The usual day-first date, read without strptime (several times slower); anything
        # else, or a day that does not exist, goes the long way below.
        found = _UK_SLASHED.fullmatch(text)
        if found is not None:
            try:
                return dt.date(int(found[3]), int(found[2]), int(found[1]))
            except ValueError:
                pass
    formats = (mapping.date_format,) if mapping.date_format else _UK_DATE_FORMATS
    for fmt in formats:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _date_hint(mapping: ImportMapping) -> str:
    if mapping.date_format:
        example = dt.date(2024, 1, 31).strftime(mapping.date_format)
        return f"Write dates like {example} (or 2024-01-31)"
    return "Write dates day first, like 31/01/2024 (or 2024-01-31)"


def parse_contributors(text: str) -> tuple[list[Contributor], list[str], list[str]]:
    """``"Jane Smith 60; Tom Lee 40"`` -> contributors, errors, warnings.

    People are separated by ``;`` or new lines (or by commas, when every part has a share or
    every part is a full name: ``Smith, Jane`` stays one person). A share is the number at the
    end (``60``, ``60%``, ``(60%)``). One person with no share gets 100%.
    """
    parts = [p.strip() for p in _PEOPLE_SEPARATORS.split(text) if p.strip()]
    if len(parts) == 1 and "," in parts[0]:
        pieces = [p.strip() for p in parts[0].split(",") if p.strip()]
        with_share = [bool(_SHARE_AT_END.match(p)) for p in pieces]
        if all(with_share) or (not any(with_share) and all(len(p.split()) > 1 for p in pieces)):
            parts = pieces
    people: list[Contributor] = []
    errors: list[str] = []
    missing: list[str] = []
    for part in parts:
        match = _SHARE_AT_END.match(part)
        name, share = (match["name"], Decimal(match["share"])) if match else (part, None)
        name = name.strip(" :-–(,")
        if not name:
            errors.append(f"{part!r} has a share but no name.")
            continue
        if share is not None and share > 100:
            errors.append(f"{name}'s share is {share.normalize():f}%: a share is 0 to 100%.")
        if share is None:
            missing.append(name)
        people.append(Contributor(name=name, share=share or Decimal(0)))
    warnings: list[str] = []
    if len(people) == 1 and missing:
        people[0].share = Decimal(100)
    elif missing:
        warnings.append(
            f"No share given for {', '.join(missing)}: imported at 0%. Set the shares on the case."
        )
    elif people and not errors:
        total = sum((p.share for p in people), Decimal(0))
        if total != 100:
            warnings.append(
                f"The shares add up to {total.normalize():f}%, not 100%. "
                "Put them right on the case."
            )
    return people, errors, warnings


def preview(
    table: Table,
    mapping: ImportMapping,
    *,
    today: dt.date | None = None,
    existing_titles: Iterable[str] = (),
) -> ImportPreview:
    """Check every row of ``table`` against ``mapping``; nothing is written.

    Each :class:`RowResult` has ``errors`` (the row will not be imported) and ``warnings``
    (it will be, but something needs a look), each a ``(field, message)`` pair. Titles that
    repeat in the file, or are already in the register (``existing_titles``), are warnings.
    Raises :class:`ImportMappingError` for an unusable mapping and :class:`ImportFileError`
    for a mapped heading that is not in the table.
    """
    today = today or dt.date.today()
    mapping.check()
    columns = _column_indexes(table, mapping)
    with _no_cycle_collection():
        results = [
            _check_row(number, row, columns, mapping, today)
            for number, row in zip(table.row_numbers, table.rows, strict=True)
        ]

    seen: dict[str, list[RowResult]] = {}
    for result in results:
        if result.title:
            seen.setdefault(_norm(result.title), []).append(result)
    for same in seen.values():
        if len(same) > 1:
            for result in same:
                others = [str(r.row_number) for r in same if r is not result]
                result.warnings.append(
                    (
                        "title",
                        f"The same title is on {'row' if len(others) == 1 else 'rows'} "
                        f"{', '.join(others)} too.",
                    )
                )
    registered = {_norm(t) for t in existing_titles}
    for result in results:
        if result.title and _norm(result.title) in registered:
            result.warnings.append(
                ("title", "A case with this title is already in the register (imported before?).")
            )
    return ImportPreview(results, mapping, table.source, table.sheet)


def _check_row(
    number: int,
    row: list[CellValue],
    columns: dict[str, int],
    mapping: ImportMapping,
    today: dt.date,
) -> RowResult:
    cells = {name: row[index] for name, index in columns.items()}
    result = RowResult(number, {name: _text(value) for name, value in cells.items()})
    errors, warnings, text = result.errors, result.warnings, result.values

    title = " ".join(text.get("title", "").split())
    if not title:
        errors.append(("title", "There is no title: every case needs one."))
    elif len(title) > TITLE_MAX:
        errors.append(("title", f"The title is longer than {TITLE_MAX} characters."))
    for name, limit in (
        ("summary", SUMMARY_MAX),
        ("problem", SUMMARY_MAX),
        ("lead_innovator", TEXT_MAX),
        ("next_action", TEXT_MAX),
    ):
        if len(text.get(name, "")) > limit:
            errors.append((name, f"This is longer than {limit:,} characters."))

    stage = mapping.default_stage
    if text.get("stage"):
        found = match_stage(text["stage"], mapping.stage_values)
        if found is None:
            errors.append(
                (
                    "stage",
                    f"{text['stage']!r} is not a stage. Use one of: {_stage_names()}, or match "
                    "the word to a stage in the mapping.",
                )
            )
        else:
            stage = found

    kinds: list[IpKind] = []
    for part in split_kinds(text.get("ip_kinds", "")):
        kind = match_ip_kind(part, mapping.ip_kind_values)
        if kind is None:
            errors.append(
                (
                    "ip_kinds",
                    f"{part!r} is not a kind of IP. Use one or more of: {_kind_names()} "
                    "(separated by ; or ,), or match the word to a kind in the mapping.",
                )
            )
        elif kind not in kinds:
            kinds.append(kind)

    dates: dict[str, dt.date | None] = {}
    for name in _DATE_FIELDS:
        value = cells.get(name)
        if value is None:
            dates[name] = None
            continue
        parsed = _parse_date(value, mapping)
        if parsed is None:
            errors.append((name, f"{text[name]!r} is not a date. {_date_hint(mapping)}."))
        dates[name] = parsed
    received = dates["received_on"]
    if received is not None and received > today:
        errors.append(
            ("received_on", f"The date received, {format_date(received)}, is in the future.")
        )

    year = received.year if received else today.year
    year_cell = cells.get("reference_year")
    if isinstance(year_cell, dt.date):
        year = year_cell.year
    elif year_cell:
        raw_year = year_cell.strip()
        if re.fullmatch(r"\d{4}", raw_year) and 1900 <= int(raw_year) <= today.year:
            year = int(raw_year)
        else:
            errors.append(
                (
                    "reference_year",
                    f"{raw_year!r} is not a year for a reference: give a year such as "
                    f"{today.year}, not after this year.",
                )
            )

    people: list[Contributor] = []
    if text.get("contributors"):
        people, problems, notes = parse_contributors(text["contributors"])
        errors += [("contributors", m) for m in problems]
        warnings += [("contributors", m) for m in notes]

    if errors:
        return result
    problem = text.get("problem", "")
    lead = text.get("lead_innovator", "") or Disclosure(contributors=people).lead()
    result.ready = ReadyCase(
        title=title,
        summary=text.get("summary", ""),
        stage=stage,
        ip_kinds=tuple(kinds),
        lead_innovator=lead,
        received_on=received,
        next_action=text.get("next_action", ""),
        next_action_due=dates["next_action_due"],
        year=year,
        problem=problem,
        contributors=tuple(people),
    )
    return result


# -- importing ------------------------------------------------------------------------------
@dataclass(frozen=True)
class ImportReport:
    """What ``import_rows`` did: ``references`` pairs each imported row with its new case."""

    source: str
    imported: int
    left_out: int
    references: list[tuple[int, str]]  # (spreadsheet row, case reference)
    case_ids: list[int]

    def message(self) -> str:
        text = f"Imported {_plural(self.imported, 'case')} from {self.source or 'the file'}"
        if self.references:
            first, last = self.references[0][1], self.references[-1][1]
            text += f" ({first})" if first == last else f" ({first} to {last})"
        text += "."
        if self.left_out:
            text += (
                f" {_plural(self.left_out, 'row')} with problems "
                f"{'was' if self.left_out == 1 else 'were'} left out."
            )
        return text


def import_rows(
    register: Register, preview: ImportPreview, *, only_valid: bool = False
) -> ImportReport:
    """Add every good row of ``preview`` as a case, in one register transaction.

    Rows with problems are never imported. If there are any and ``only_valid`` is False,
    :class:`ImportRefusedError` is raised and nothing is imported; pass ``only_valid=True`` to
    import the good rows and leave the others out. If anything fails part-way, the whole
    import is rolled back: the register is left exactly as it was.
    """
    good = preview.good_rows
    bad = preview.problem_count
    source = preview.source or "the file"
    if bad and not only_valid:
        raise ImportRefusedError(
            f"Nothing was imported: {_plural(bad, 'row')} in {source} "
            f"{'has' if bad == 1 else 'have'} problems. Put them right and try again, or import "
            f"only the {_plural(len(good), 'good row')} and leave the others out.",
            bad,
            len(good),
        )
    if not good:
        raise ImportRefusedError(
            f"Nothing was imported: {source} has no rows that can be imported."
            if bad
            else f"Nothing was imported: {source} has no rows below its headings.",
            bad,
            0,
        )
    # Each case is written and audited as adding it, saving its disclosure and setting its
    # stage would write it (a case past Draft needs a complete disclosure, which an imported
    # record often lacks), through the store's bulk path: one call per case took minutes.
    items = (
        {
            "title": ready.title,
            "summary": ready.summary,
            "stage": ready.stage,
            "ip_kinds": ready.ip_kinds,
            "lead_innovator": ready.lead_innovator,
            "received_on": ready.received_on,
            "next_action": ready.next_action,
            "next_action_due": ready.next_action_due,
            "year": ready.year,
            "disclosure": ready.disclosure,
        }
        for ready in (row.ready for row in good)
        if ready is not None
    )
    with _no_cycle_collection(), register.transaction() as tx:
        added = register.cases.add_imported(items)
        references = [(row.row_number, ref) for row, (_id, ref) in zip(good, added, strict=True)]
        ids = [case_id for case_id, _ref in added]
        today = dt.date.today()
        # A decision stage needs its decision (store.invariants): the sheet does not say what
        # it was, so the decision is recorded as made before the register (in bulk).
        register.assessments.record_decisions(
            (
                case_id,
                reference,
                "triage",
                IMPORTED_OUTCOME,
                "Decided before the register was kept (imported)",
                f"Imported from {source}, row {row.row_number}: the decision is "
                "in the trust's earlier records.",
                min(row.ready.received_on or today, today),
                "Imported record",
            )
            for row, (case_id, reference) in zip(good, added, strict=True)
            if row.ready is not None and row.ready.stage in (Stage.DECISION_MADE, Stage.ACTIVE)
        )
        tx.audit(
            "import",
            "import",
            preview.source,
            {
                "file": [None, preview.source],
                "sheet": [None, preview.sheet],
                "rows_in_file": [None, len(preview.rows)],
                "rows_imported": [None, len(good)],
                "rows_left_out": [None, bad],
                "references": [None, [references[0][1], references[-1][1]]],
                "mapping": [None, preview.mapping.to_dict()],
            },
        )
    return ImportReport(preview.source, len(good), bad, references, ids)


# -- the refusal report ---------------------------------------------------------------------
def write_refusal_report(preview: ImportPreview, target: Path) -> Path:
    """A CSV (UTF-8 with a BOM, so Excel opens it) of every row left out and why.

    One line per problem: row number, title, field, the column in the file, the problem.
    Saved safely (a temporary file renamed into place); returns ``target``.
    """
    headings = {name: heading for heading, name in preview.mapping.columns.items()}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["Row", "Title", "Field", "Column in the file", "Problem"])
    for row in preview.bad_rows:
        for name, message in row.errors:
            writer.writerow(
                [
                    row.row_number,
                    safe_text(row.title),
                    FIELDS.get(name, name),
                    safe_text(headings.get(name, "")),
                    safe_text(message),
                ]
            )
    return atomic_write_bytes(Path(target), codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8"))
