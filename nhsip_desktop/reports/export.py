"""The auditor's export pack: CSV files, an XLSX workbook, a PDF listing, a README and a signed
manifest, so an auditor can check the pack with nothing but the pack.

Every row comes from the store's named queries (``store/export_rows.py``) as a typed row; this
module only decides how each type is written. In the CSV files dates are ``YYYY-MM-DD`` and
amounts pounds with two decimals; in the workbook dates are dates and amounts numbers in a £
format. Text that a spreadsheet would read as a formula is made safe (``cells.safe_text``).

Streams a batch of 2,000 rows at a time (bounded memory at 100,000 cases): each section is
written to its CSV file and its worksheet in one pass, each batch column by column (one type,
formula and XML check a column, one format a row; a batch with a value of an unexpected type
is written row by row). The workbook's zip (zlib, file writes) runs in a thread of its own,
and the audit trail's next batch is read from SQLite in another while one is written: both
release Python's lock, so on two cores they overlap the formatting (``_ZipPump``,
``_batches``). A text cell carries ``xml:space="preserve"`` only when it starts or ends with
white space or holds a line break or tab. The pack is built in a work folder beside the
target and renamed into place only when complete; a cancelled or failed export removes it,
and one left by a crash (power cut, killed process) is removed at the next start
(:func:`remove_leftover_work`). The export and the sections chosen are recorded in the audit
trail.

``manifest.json`` lists every file of the pack (README included) with its SHA-256 hash, size
and rows, each entry signed; ``manifest.sig`` is the Ed25519 signature of the manifest by the
register's signing key (``store/signing.py``), whose public half is in ``signing-key.pem``.
:func:`verify_pack` needs nothing but the folder: it checks the signatures and names each
changed, missing or extra file.
"""

from __future__ import annotations

import base64
import contextlib
import csv
import datetime as dt
import functools
import hashlib
import itertools
import json
import operator
import os
import queue
import re
import secrets
import shutil
import threading
import zipfile
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import IO, TYPE_CHECKING, Any
from xml.sax.saxutils import escape as xml_escape

from nhsip_desktop import __version__
from nhsip_desktop.app.appconfig import EXPORTS_IN_PROGRESS, config_dir
from nhsip_desktop.core.cells import FORMULA_STARTS, QUOTE, safe_text
from nhsip_desktop.core.safe_write import atomic_write_text, install

from ..store import export_rows as q
from ..store.errors import RegisterError
from ..store.lock import pid_alive
from ..store.signing import (
    ALGORITHM,
    fingerprint_of,
    public_key_from_pem,
    public_key_pem,
    verify,
)

if TYPE_CHECKING:
    from ..store.register import Register

MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
PUBLIC_KEY = "signing-key.pem"
README = "README.txt"
WORKBOOK = "register.xlsx"
LISTING = "register-listing.pdf"
FORMAT = "nhsip-export"
FORMAT_VERSION = 2
# The marker inside a work folder while a pack is being written (see remove_leftover_work).
WORK_MARKER = ".nhsip-export-in-progress"
_PENDING_FILE = EXPORTS_IN_PROGRESS


class ExportCancelled(RegisterError):
    """The person cancelled the export; nothing was written."""


class ExportError(RegisterError):
    """The export could not be written (no space, no permission); nothing was left behind."""


# How a column is written: text, a whole number, a decimal number, a date, money, a UTC time.
TEXT, INT, NUMBER, DATE, MONEY, TIME = "text", "int", "number", "date", "money", "time"

Row = Sequence[Any]


@dataclass(frozen=True)
class Column:
    name: str
    meaning: str
    kind: str = TEXT


class _Source:
    """What the sections read from during one export (the revenue shares are worked out once
    and used by three sections)."""

    def __init__(self, register: Register) -> None:
        self.register = register
        self._shared: list[q.ReturnShared] | None = None

    def shared(self) -> list[q.ReturnShared]:
        if self._shared is None:
            self._shared = list(q.returns_shared(self.register))
        return self._shared


@dataclass(frozen=True)
class Section:
    key: str
    file: str
    title: str
    columns: tuple[Column, ...]
    rows: Callable[[_Source], Iterable[Row]]
    # Rows read straight from SQL: the next batch is read in a thread while this one is
    # written (SQLite decrypts and reads without holding Python's lock).
    read_ahead: bool = False


def _query(function: Callable[[Register], Iterable[Row]]) -> Callable[[_Source], Iterable[Row]]:
    return lambda source: function(source.register)


def _distribution_rows(source: _Source) -> Iterator[Row]:
    for shared in source.shared():
        for party, amount in shared.parties:
            yield [shared.return_id, shared.case_reference, party, amount, ""]
        if shared.unallocated_gbp:
            yield [
                shared.return_id,
                shared.case_reference,
                "unallocated",
                shared.unallocated_gbp,
                shared.note,
            ]


def _innovator_rows(source: _Source) -> Iterator[Row]:
    for shared in source.shared():
        for name, amount in shared.innovators:
            yield [shared.return_id, shared.case_reference, name, amount]


def _reconciliation_rows(source: _Source) -> Iterator[Row]:
    for shared in sorted(source.shared(), key=lambda s: (s.received_on, s.return_id)):
        distributed = sum((amount for _p, amount in shared.parties), q.ZERO)
        innovators = dict(shared.parties).get("innovators", q.ZERO)
        people = sum((amount for _n, amount in shared.innovators), q.ZERO)
        difference = shared.net_gbp - distributed - shared.unallocated_gbp
        balances = difference == 0 and innovators == people
        yield [
            shared.return_id,
            shared.case_reference,
            shared.received_on,
            shared.net_gbp,
            distributed,
            shared.unallocated_gbp,
            difference,
            innovators,
            people,
            "yes" if balances else "NO",
            shared.note,
        ]


def _c(name: str, meaning: str, kind: str = TEXT) -> Column:
    return Column(name, meaning, kind)


SECTIONS: tuple[Section, ...] = (
    Section(
        "cases",
        "cases.csv",
        "Cases (disclosures)",
        (
            _c("reference", "The case reference, IP-year-number"),
            _c("title", "Title of the idea"),
            _c("stage", "draft, submitted, in_triage, decision_made, active or closed"),
            _c("kinds_of_ip", "Kinds of IP, separated by ';'"),
            _c("lead_innovator", "Lead innovator"),
            _c("received_on", "Date the disclosure was received", DATE),
            _c("feedback_due", "Date feedback to the innovator was due", DATE),
            _c("feedback_given_on", "Date feedback was given", DATE),
            _c("closed_reason", "Why it was closed"),
            _c("next_action", "Next action recorded"),
            _c("next_action_due", "Its due date", DATE),
            _c("created_at", "Created (UTC)", TIME),
            _c("updated_at", "Last changed (UTC)", TIME),
        ),
        _query(q.cases),
    ),
    Section(
        "contributors",
        "contributors.csv",
        "Contributors",
        (
            _c("case_reference", "The case"),
            _c("name", "Name"),
            _c("job_title", "Job title"),
            _c("department", "Department"),
            _c("relationship", "Relationship to the trust"),
            _c("employer", "Employer"),
            _c("share_percent", "Contribution share, %", NUMBER),
            _c("in_course_of_duties", "yes, no or unsure"),
        ),
        _query(q.contributors),
    ),
    Section(
        "rights",
        "rights.csv",
        "Registered and unregistered rights",
        (
            _c("right_id", "Right number", INT),
            _c("case_reference", "The case"),
            _c("type", "Kind of right"),
            _c("jurisdiction", "Where"),
            _c("title", "Title"),
            _c("application_number", "Application no."),
            _c("registration_number", "Registration no."),
            _c("filing_date", "Filed", DATE),
            _c("priority_date", "Priority", DATE),
            _c("grant_date", "Granted or registered", DATE),
            _c("status", "Status"),
            _c("owners", "Owners"),
            _c("attorney", "Attorney"),
            _c("next_review", "Next portfolio review", DATE),
        ),
        _query(q.rights),
    ),
    Section(
        "renewals",
        "renewals.csv",
        "Renewal schedule of GB rights",
        (
            _c("right_id", "Right number", INT),
            _c("title", "Title"),
            _c("renewal_year", "Year of the right", INT),
            _c("due", "Due date", DATE),
            _c("window_opens", "Payable from", DATE),
            _c("no_penalty_until", "Last day without surcharge", DATE),
            _c("late_until", "Last day late", DATE),
            _c("fee_gbp", "Official fee from the schedule, £", MONEY),
            _c("paid_on", "Date paid, if recorded", DATE),
        ),
        _query(q.renewals),
    ),
    Section(
        "agreements",
        "agreements.csv",
        "Agreements",
        (
            _c("reference", "Agreement reference"),
            _c("kind", "Kind"),
            _c("title", "Title"),
            _c("parties", "Parties, separated by ';'"),
            _c("signed_on", "Signed", DATE),
            _c("start_on", "Starts", DATE),
            _c("end_on", "Ends", DATE),
            _c("licence_type", "exclusive, sole or non_exclusive"),
            _c("revenue_terms", "Revenue terms"),
        ),
        _query(q.agreements),
    ),
    Section(
        "obligations",
        "obligations.csv",
        "Obligations under agreements",
        (
            _c("agreement_reference", "Agreement"),
            _c("obligation", "What must be done"),
            _c("due", "Due date", DATE),
            _c("owner", "Whose obligation"),
            _c("done_on", "Done on", DATE),
        ),
        _query(q.obligations),
    ),
    Section(
        "assessments",
        "assessments.csv",
        "Checklist assessments",
        (
            _c("assessment_id", "Assessment number", INT),
            _c("reference", "Case or agreement"),
            _c("checklist", "Checklist"),
            _c("checklist_version", "Checklist version used", INT),
            _c("score", "Score out of 100, if scored", NUMBER),
            _c("created_at", "Created (UTC)", TIME),
            _c("updated_at", "Last changed (UTC)", TIME),
        ),
        _query(q.assessments),
    ),
    Section(
        "findings",
        "findings.csv",
        "Findings raised by assessments",
        (
            _c("assessment_id", "Assessment number", INT),
            _c("severity", "red, amber or green"),
            _c("finding", "What was found"),
            _c("guidance_reference", "Where in the guidance"),
        ),
        _query(q.findings),
    ),
    Section(
        "decisions",
        "decisions.csv",
        "Decisions",
        (
            _c("case_reference", "The case"),
            _c("kind", "triage or route"),
            _c("outcome", "Outcome id"),
            _c("outcome_label", "Outcome"),
            _c("rationale", "Reasons"),
            _c("decided_on", "Date", DATE),
            _c("decision_maker", "Decided by"),
            _c("assessment_id", "Assessment it was based on", INT),
        ),
        _query(q.decisions),
    ),
    Section(
        "costs",
        "costs.csv",
        "Costs ledger",
        (
            _c("cost_id", "Cost number", INT),
            _c("case_reference", "The case"),
            _c("right_id", "The right", INT),
            _c("spent_on", "Date", DATE),
            _c("category", "official_fee, attorney or other"),
            _c("amount_gbp", "Amount before VAT, £", MONEY),
            _c("vat_gbp", "VAT, £", MONEY),
            _c("supplier", "Supplier"),
            _c("reference", "Invoice or reference"),
        ),
        _query(q.costs),
    ),
    Section(
        "returns",
        "returns.csv",
        "Returns ledger",
        (
            _c("return_id", "Return number", INT),
            _c("case_reference", "The case"),
            _c("received_on", "Date received", DATE),
            _c("kind", "royalty, licence_fee, milestone, ..."),
            _c("gross_gbp", "Gross, £", MONEY),
            _c("deductible_gbp", "Deductible costs, £", MONEY),
            _c("agreement", "Agreement"),
            _c("policy_id", "Revenue policy"),
            _c("policy_version", "Policy version it was recorded under", INT),
        ),
        _query(q.returns),
    ),
    Section(
        "distributions",
        "distributions.csv",
        "Revenue shared, by party (totals)",
        (
            _c("return_id", "Return number", INT),
            _c("case_reference", "The case"),
            _c(
                "party",
                "innovators (all together), department, organisation, ttc; or unallocated: "
                "not shared yet (see note)",
            ),
            _c("amount_gbp", "Amount, £", MONEY),
            _c("note", "Why an amount is unallocated"),
        ),
        _distribution_rows,
    ),
    Section(
        "innovator_shares",
        "innovator_shares.csv",
        "The innovators' part, person by person",
        (
            _c("return_id", "Return number", INT),
            _c("case_reference", "The case"),
            _c("innovator", "Name"),
            _c("amount_gbp", "Amount, £", MONEY),
        ),
        _innovator_rows,
    ),
    Section(
        "reconciliation",
        "reconciliation.csv",
        "Reconciliation: each return = distributions + unallocated",
        (
            _c("return_id", "Return number", INT),
            _c("case_reference", "The case"),
            _c("received_on", "Date received", DATE),
            _c("net_gbp", "Net revenue of the return (gross less deductible), £", MONEY),
            _c("distributed_gbp", "Total in distributions.csv for it (parties), £", MONEY),
            _c("unallocated_gbp", "Not shared yet, £", MONEY),
            _c("difference_gbp", "net - distributed - unallocated: always 0.00, £", MONEY),
            _c("innovators_gbp", "The innovators' part in distributions.csv, £", MONEY),
            _c("innovator_shares_gbp", "Total of innovator_shares.csv for it, £", MONEY),
            _c("balances", "yes when both checks above agree"),
            _c("note", "Why an amount is unallocated"),
        ),
        _reconciliation_rows,
    ),
    Section(
        "audit_trail",
        "audit_trail.csv",
        "The full audit trail",
        (
            _c("seq", "Sequence number, without gaps", INT),
            _c("at", "Time (UTC)", TIME),
            _c("os_user", "Computer user"),
            _c("actor_name", "Display name"),
            _c("action", "Action"),
            _c("record_kind", "Kind of record"),
            _c("record_id", "Which record"),
            _c("changes", "Fields before and after, JSON"),
            _c("hmac", "HMAC-SHA256 chaining this row to the one before"),
        ),
        _query(q.audit_trail),
        read_ahead=True,
    ),
)
SECTION_KEYS = tuple(s.key for s in SECTIONS)
# Sections that belong together: choosing one brings the others (they are worked out together).
_REVENUE = ("distributions", "innovator_shares", "reconciliation")


@dataclass(frozen=True)
class ExportResult:
    folder: Path
    files: dict[str, dict[str, Any]]
    fingerprint: str = ""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _entry_message(register_id: str, name: str, sha256: str, size: int) -> bytes:
    """What each manifest entry's own signature covers: a re-hashed entry fails on its own."""
    return f"{FORMAT}-file\n{register_id}\n{name}\n{sha256}\n{size}".encode()


# -- work folders ----------------------------------------------------------------------------
def _pending_path() -> Path:
    return config_dir() / _PENDING_FILE


def _read_pending() -> list[dict[str, Any]]:
    try:
        raw = json.loads(_pending_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [item for item in raw if isinstance(item, dict)] if isinstance(raw, list) else []


def _write_pending(items: list[dict[str, Any]]) -> None:
    path = _pending_path()
    try:
        if not items:
            path.unlink(missing_ok=True)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, json.dumps(items, indent=1))
    except OSError:
        pass  # the list only helps clean up after a crash; the export itself goes on


def _remember_work(work: Path) -> None:
    items = [i for i in _read_pending() if i.get("path") != str(work)]
    _write_pending([*items, {"path": str(work), "pid": os.getpid()}])


def _forget_work(work: Path) -> None:
    items = _read_pending()
    kept = [i for i in items if i.get("path") != str(work)]
    if kept != items:
        _write_pending(kept)


def _new_work_folder(target: Path) -> Path:
    """An empty work folder beside ``target``, marked and remembered before anything is
    written to it, so that a crash part-way leaves nothing that the next start misses."""
    work = target.with_name(f".{target.name}.export-{secrets.token_hex(4)}")
    work.mkdir()
    try:
        (work / WORK_MARKER).write_bytes(b"")
        _remember_work(work)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return work


def _remove_work(work: Path) -> None:
    shutil.rmtree(work, ignore_errors=True)
    if not work.exists():
        _forget_work(work)


def remove_leftover_work() -> list[Path]:
    """Remove the work folders of exports that a crash stopped part-way (they hold
    unencrypted register data). Called at every start, by the app and the command line.

    Only folders this user's exports recorded are touched, only if they still carry the
    work marker, and never while the process that made them is running. Returns the folders
    removed (their names are not logged: a path can say what a project is)."""
    removed: list[Path] = []
    kept: list[dict[str, Any]] = []
    items = _read_pending()
    for item in items:
        path = Path(str(item.get("path", "")))
        pid = item.get("pid")
        if isinstance(pid, int) and pid != os.getpid() and pid_alive(pid):
            kept.append(item)
            continue
        if pid == os.getpid():
            kept.append(item)
            continue
        if path.name.startswith(".") and (path / WORK_MARKER).is_file():
            shutil.rmtree(path, ignore_errors=True)
            if path.exists():
                kept.append(item)
                continue
            removed.append(path)
    if kept != items:
        _write_pending(kept)
    return removed


# -- the pack ----------------------------------------------------------------------------------
def export_pack(
    register: Register,
    target: Path,
    *,
    sections: Sequence[str] = SECTION_KEYS,
    progress: Callable[[int, int, str], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    workbook: bool = True,
    listing: bool = True,
) -> ExportResult:
    """Write the pack to the new folder ``target``; returns its files and their hashes."""
    wanted = set(sections)
    if wanted & set(_REVENUE):
        wanted |= set(_REVENUE)
    chosen = [s for s in SECTIONS if s.key in wanted]
    if not chosen:
        raise ExportError("Choose at least one section to export.")
    target = Path(target)
    if target.exists():
        raise ExportError(f"{target} already exists; choose a new folder name.")
    if not target.parent.is_dir():
        raise ExportError(f"The folder {target.parent} does not exist.")
    steps = len(chosen) + int(workbook) + int(listing) + 1
    done = 0

    def step(label: str) -> None:
        nonlocal done
        if cancelled is not None and cancelled():
            raise ExportCancelled("The export was cancelled; nothing was written.")
        if progress is not None:
            progress(done, steps, label)
        done += 1

    def check_cancelled() -> None:
        if cancelled is not None and cancelled():
            raise ExportCancelled("The export was cancelled; nothing was written.")

    # The signing key first: a register made before signing existed gets its key pair now
    # (with its own audit row), before any plaintext is written.
    public_key = register.signing.public_key_bytes()
    fingerprint = fingerprint_of(public_key)
    try:
        work = _new_work_folder(target)
    except OSError as exc:
        raise ExportError(f"The export could not be written ({exc.strerror or exc}).") from exc
    try:
        source = _Source(register)
        counts: dict[str, int] = {}
        book = _WorkbookWriter(work / WORKBOOK) if workbook else None
        try:
            for section in chosen:
                step(f"Writing {section.file}")
                counts[section.file] = _write_section(
                    source, section, work / section.file, book, check_cancelled
                )
            if book is not None:
                step(f"Writing {WORKBOOK}")
                head = register.chain_head()
                book.finish(
                    _readme_sheet(register, chosen, counts, fingerprint, head.seq, head.hmac)
                )
                counts[WORKBOOK] = sum(counts[s.file] for s in chosen)
        finally:
            if book is not None:
                book.close()
        if listing and any(s.key == "cases" for s in chosen):
            step(f"Writing {LISTING}")
            counts[LISTING] = _write_listing(register, work / LISTING)
        step("Signing the manifest")
        head = register.chain_head()
        (work / PUBLIC_KEY).write_bytes(public_key_pem(public_key))
        counts[PUBLIC_KEY] = 0
        generated = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        info: dict[str, Any] = {
            "organisation": register.settings.get("organisation"),
            "register_id": register.register_id,
            "generated_at": generated,
            "app_version": __version__,
            "audit_chain_head": {"seq": head.seq, "hmac": head.hmac},
            "fingerprint": fingerprint,
        }
        (work / README).write_text(_readme(chosen, counts, info), encoding="utf-8")
        counts[README] = 0
        files: dict[str, dict[str, Any]] = {}
        for name, rows in sorted(counts.items()):
            digest = _sha256(work / name)
            size = (work / name).stat().st_size
            signature = register.signing.sign(
                _entry_message(register.register_id, name, digest, size)
            )
            files[name] = {
                "sha256": digest,
                "bytes": size,
                "rows": rows,
                "signature": base64.b64encode(signature).decode("ascii"),
            }
        manifest = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            **info,
            "signing": {
                "algorithm": ALGORITHM,
                "public_key": base64.b64encode(public_key).decode("ascii"),
                "public_key_file": PUBLIC_KEY,
                "signature_file": SIGNATURE,
            },
            "sections": [s.key for s in chosen],
            "files": files,
        }
        manifest_bytes = (json.dumps(manifest, indent=2) + "\n").encode("utf-8")
        (work / MANIFEST).write_bytes(manifest_bytes)
        (work / SIGNATURE).write_bytes(register.signing.sign(manifest_bytes))
        (work / WORK_MARKER).unlink()
        install(work, target)
        _forget_work(work)
    except OSError as exc:
        _remove_work(work)
        raise ExportError(f"The export could not be written ({exc.strerror or exc}).") from exc
    except BaseException:
        _remove_work(work)
        raise
    with register.transaction() as tx:
        tx.audit(
            "export",
            "export",
            target.name,
            {
                "folder": [None, str(target)],
                "sections": [None, [s.key for s in chosen]],
                "files": [None, {k: v["sha256"] for k, v in files.items()}],
                "manifest_sha256": [None, hashlib.sha256(manifest_bytes).hexdigest()],
            },
        )
    if progress is not None:
        progress(steps, steps, "Done")
    return ExportResult(target, files, fingerprint)


# -- cells ---------------------------------------------------------------------------------------
def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    return QUOTE + text if text[:1] in FORMULA_STARTS else text


def _csv_number(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return str(value)
    return safe_text(str(value))


def _csv_date(value: Any) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, dt.date) else safe_text(str(value))


def _csv_money(value: Any) -> str:
    if value is None:
        return ""
    return f"{value:.2f}" if isinstance(value, Decimal) else safe_text(str(value))


_CSV_CELL: dict[str, Callable[[Any], str]] = {
    TEXT: _csv_text,
    INT: _csv_number,
    NUMBER: _csv_number,
    DATE: _csv_date,
    MONEY: _csv_money,
    TIME: _csv_text,
}

# Workbook styles (xl/styles.xml cellXfs): each kind of cell has its own number format.
_S_DATE, _S_MONEY, _S_INT, _S_TIME, _S_HEADER, _S_NUMBER, _S_WRAP = range(1, 8)
_EXCEL_EPOCH = dt.date(1899, 12, 30).toordinal()
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
MAX_SHEET_ROWS = 1_048_576  # the most rows a worksheet can have (Excel and LibreOffice)


def _preserve(text: str) -> bool:
    """Whether a text cell needs ``xml:space="preserve"``: leading or trailing white space, a
    line break or a tab (a spreadsheet may trim or fold them otherwise)."""
    return text[:1].isspace() or text[-1:].isspace() or "\n" in text or "\r" in text or "\t" in text


# What opens a text cell's value (after "<t"): kept white space, or not.
_T_PRESERVE, _T_PLAIN = ' xml:space="preserve">', ">"


def _may_preserve(column: list[str], joined: str) -> bool:
    """Whether any cell of ``column`` (``joined`` by _SEPARATOR) needs :func:`_preserve`: three
    scans and a strip a cell, all in C, instead of a test a cell."""
    if "\n" in joined or "\r" in joined or "\t" in joined:
        return True
    return list(map(str.strip, column)) != column


def _t_open(text: str) -> str:
    return _T_PRESERVE if _preserve(text) else _T_PLAIN


def _x_text(text: str) -> str:
    if not text:
        return "<c/>"
    if "&" in text or "<" in text or ">" in text:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f'<c t="inlineStr"><is><t{_t_open(text)}{text}</t></is></c>'


def _x_number(value: Any, text: str) -> str:
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return f'<c s="{_S_INT if isinstance(value, int) else _S_NUMBER}"><v>{text}</v></c>'
    return _x_text(text)


def _x_date(value: Any, text: str) -> str:
    if isinstance(value, dt.date):
        return f'<c s="{_S_DATE}"><v>{value.toordinal() - _EXCEL_EPOCH}</v></c>'
    return _x_text(text)


def _x_money(value: Any, text: str) -> str:
    if isinstance(value, Decimal):
        return f'<c s="{_S_MONEY}"><v>{text}</v></c>'
    return _x_text(text)


def _x_time(value: Any, text: str) -> str:
    """A UTC time ``YYYY-MM-DDTHH:MM:SS[.ffffff]Z`` as a date and time (to the second)."""
    if len(text) >= 19 and text[10] == "T":
        try:
            days = dt.date.fromisoformat(text[:10]).toordinal() - _EXCEL_EPOCH
            seconds = int(text[11:13]) * 3600 + int(text[14:16]) * 60 + int(text[17:19])
        except ValueError:
            return _x_text(text)
        return f'<c s="{_S_TIME}"><v>{days + seconds / 86400!r}</v></c>'
    return _x_text(text)


# A cell that starts like a formula, in cells joined by (and led by) _SEPARATOR.
_FORMULA_AT_START = re.compile("\x1f[" + re.escape("".join(sorted(FORMULA_STARTS))) + "]")
_CELL_TEMPLATE = {  # "%" escaped as "%%" nowhere: no template holds one
    TEXT: '<c t="inlineStr"><is><t%s</t></is></c>',  # the value opens with _t_open
    INT: f'<c s="{_S_INT}"><v>%s</v></c>',
    NUMBER: f'<c s="{_S_NUMBER}"><v>%s</v></c>',
    DATE: f'<c s="{_S_DATE}"><v>%s</v></c>',
    MONEY: f'<c s="{_S_MONEY}"><v>%s</v></c>',
    TIME: f'<c s="{_S_TIME}"><v>%s</v></c>',
}
_EMPTY_CELLS = {kind: template.replace("%s", "") for kind, template in _CELL_TEMPLATE.items()}
_EMPTY_CELLS[TEXT] = _CELL_TEMPLATE[TEXT].replace("%s", _T_PLAIN)
_ILLEGAL_BYTES = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])  # as _ILLEGAL_XML
_from_iso = dt.datetime.fromisoformat
_EXCEL_EPOCH_TIME = dt.datetime(1899, 12, 30)
_DAY = dt.timedelta(days=1)
_SEPARATOR = "\x1f"  # cannot occur in a cell: XML 1.0 cannot hold it, so it is dropped

_XLSX_CELL: dict[str, Callable[[Any, str], str]] = {
    INT: _x_number,
    NUMBER: _x_number,
    DATE: _x_date,
    MONEY: _x_money,
    TIME: _x_time,
}


def _display_width(kind: str, text: str) -> int:
    """Roughly how many characters the cell shows (for fitting column widths)."""
    return _shown_width(kind, len(text))


def _shown_width(kind: str, length: int) -> int:
    """Roughly how many characters a cell of ``length`` characters shows."""
    if kind == DATE:
        return 10
    if kind == TIME:
        return 19
    if kind == MONEY:
        return length + 1 + max(0, (length - 4) // 3)  # "£" and thousands commas
    return length


class _RowFormat:
    """How one section's rows become CSV cells, fast: no function call per cell. Text is made
    safe exactly as :func:`cells.safe_text` does; a value of an unexpected type in a typed
    column is written as safe text and the row is marked ``odd`` (the workbook then types
    that row cell by cell)."""

    def __init__(self, section: Section) -> None:
        kinds = [column.kind for column in section.columns]
        self.kinds = kinds
        self.text = [i for i, k in enumerate(kinds) if k in (TEXT, TIME)]
        self.money = [i for i, k in enumerate(kinds) if k == MONEY]
        self.dates = [i for i, k in enumerate(kinds) if k == DATE]
        self.ints = [i for i, k in enumerate(kinds) if k == INT]
        self.numbers = [i for i, k in enumerate(kinds) if k == NUMBER]
        self._texts = operator.itemgetter(*self.text) if len(self.text) > 1 else None

    def cells(self, row: Row) -> tuple[list[Any], bool]:
        cells = list(row)
        odd = False
        clean = False
        if self._texts is not None:
            # Most rows: every text cell is text and none starts like a formula; one search
            # of the cells joined tells (a TypeError for a None or a number: cell by cell).
            with contextlib.suppress(TypeError):
                texts = _SEPARATOR.join(self._texts(row))
                clean = _FORMULA_AT_START.search(_SEPARATOR + texts) is None
        if not clean:
            for i in self.text:
                v = cells[i]
                if v is None:
                    cells[i] = ""
                else:
                    if type(v) is not str:
                        cells[i] = v = str(v)
                    if v[:1] in FORMULA_STARTS:
                        cells[i] = QUOTE + v
        for i in self.money:
            v = cells[i]
            if v is None:
                cells[i] = ""
            elif type(v) is Decimal:
                cells[i] = f"{v:.2f}"
            else:
                cells[i], odd = _csv_money(v), True
        for i in self.dates:
            v = cells[i]
            if v is None:
                cells[i] = ""
            elif type(v) is dt.date:
                cells[i] = v.isoformat()
            else:
                cells[i], odd = _csv_date(v), True
        for i in self.ints:
            v = cells[i]
            if v is None:
                cells[i] = ""
            elif type(v) is not int:
                cells[i], odd = _csv_number(v), True
        for i in self.numbers:
            v = cells[i]
            if v is None:
                cells[i] = ""
            elif type(v) is Decimal or type(v) is int:
                cells[i] = str(v)
            else:
                cells[i], odd = _csv_number(v), True
        return cells, odd


_BATCH = 2000  # rows formatted together, column by column
_NONE = type(None)


def _csv_special(text: str) -> bool:
    """Whether a CSV field must be quoted (as the csv module's minimal quoting does)."""
    return '"' in text or "," in text or "\n" in text or "\r" in text


class _BatchFormat:
    """How a batch of one section's rows becomes CSV text and worksheet cells, column by
    column: one type check, one formula check and one XML escape per column of the batch,
    then one ``%`` format per row. Gives the same cells as :class:`_RowFormat` (text made
    safe as :func:`cells.safe_text` does); a batch holding a value of an unexpected type in a
    typed column is left to :class:`_RowFormat`, row by row (:meth:`columns` returns None)."""

    def __init__(self, section: Section) -> None:
        self.kinds = [column.kind for column in section.columns]
        self.csv_line = ",".join(["%s"] * len(self.kinds)) + "\r\n"
        self.xml_row = '<row r="%d">' + "".join(_CELL_TEMPLATE[k] for k in self.kinds) + "</row>"
        self._seconds: dict[str, str] = {}

    def columns(
        self, batch: Sequence[Row]
    ) -> tuple[list[list[str]], list[list[str]], list[list[str]]] | None:
        """The batch's CSV fields, worksheet values and cells as shown (for the column widths),
        column by column; None: to be written row by row."""
        csv_columns: list[list[str]] = []
        xml_columns: list[list[str]] = []
        shown: list[list[str]] = []
        count = len(batch)
        for kind, values in zip(self.kinds, zip(*batch, strict=True), strict=True):
            types = set(map(type, values))
            empty = _NONE in types
            types.discard(_NONE)
            if kind in (TEXT, TIME):
                if not types <= {str}:
                    return None
                column = ["" if v is None else v for v in values] if empty else list(values)
                joined = _SEPARATOR.join(column)
                # One search a formula start for the column joined (a separator before each
                # cell but the first), not a test a cell: a regular expression, ten times
                # faster than six substring searches on JSON full of "-" (the audit trail).
                if column[0][:1] in FORMULA_STARTS or _FORMULA_AT_START.search(joined):
                    column = [QUOTE + v if v[:1] in FORMULA_STARTS else v for v in column]
                    joined = _SEPARATOR.join(column)
                shown.append(column)
                if _csv_special(joined):
                    csv_columns.append(
                        [
                            '"' + v.replace('"', '""') + '"'
                            if '"' in v or "," in v or "\n" in v or "\r" in v
                            else v
                            for v in column
                        ]
                    )
                else:
                    csv_columns.append(column)
                if kind == TIME:
                    times = self._times(column)
                    if times is None:
                        return None
                    xml_columns.append(times)
                    continue
                if "&" in joined or "<" in joined or ">" in joined:
                    joined = joined.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                column = joined.split(_SEPARATOR)
                if len(column) != count:  # a value held the separator itself
                    return None
                if _may_preserve(column, joined):
                    column = [_t_open(v) + v for v in column]
                else:  # no cell needs its white space kept: one C-level pass
                    column = (_T_PLAIN + joined.replace(_SEPARATOR, _SEPARATOR + _T_PLAIN)).split(
                        _SEPARATOR
                    )
                xml_columns.append(column)
                continue
            if kind == MONEY:
                if not types <= {Decimal}:
                    return None
                column = ["" if v is None else f"{v:.2f}" for v in values]
            elif kind == DATE:
                if not types <= {dt.date}:
                    return None
                column = ["" if v is None else v.isoformat() for v in values]
                xml_columns.append(
                    ["" if v is None else str(v.toordinal() - _EXCEL_EPOCH) for v in values]
                )
                csv_columns.append(column)
                shown.append(column)
                continue
            else:  # INT, NUMBER
                if not types <= ({int} if kind == INT else {int, Decimal}):
                    return None
                column = ["" if v is None else str(v) for v in values]
            csv_columns.append(column)
            xml_columns.append(column)
            shown.append(column)
        return csv_columns, xml_columns, shown

    def _times(self, column: list[str]) -> list[str] | None:
        """UTC times ``YYYY-MM-DDTHH:MM:SS...`` as days since 30/12/1899, to the second."""
        cache = self._seconds
        seen = cache.get
        try:  # most seconds are seen before: one look-up, no call
            return [
                (seen(text[:19]) or _excel_time(text, cache)) if text else "" for text in column
            ]
        except ValueError:
            return None


def _excel_time(text: str, cache: dict[str, str]) -> str:
    """A UTC time ``YYYY-MM-DDTHH:MM:SS...`` as days since 30/12/1899 (to the second), as the
    worksheet writes it; the last 50,000 seconds seen are remembered. ValueError: not a time."""
    key = text[:19]
    value = cache.get(key)
    if value is None:
        value = repr((_from_iso(key) - _EXCEL_EPOCH_TIME) / _DAY)
        if len(cache) > 50_000:
            cache.clear()
        cache[key] = value
    return value


def _write_section(
    source: _Source,
    section: Section,
    path: Path,
    book: _WorkbookWriter | None,
    check_cancelled: Callable[[], None],
) -> int:
    """One section: its CSV file and (with ``book``) its worksheet, in one pass, a batch of
    rows at a time."""
    layout = _RowFormat(section)
    fast = _BatchFormat(section)
    sheet = book.sheet(section, layout) if book is not None else None
    rows = 0
    batches: Generator[list[Row], None, None] | None = None
    try:
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow([column.name for column in section.columns])
            batches = _batches(section.rows(source), section.read_ahead)
            for batch in batches:
                formatted = fast.columns(batch)
                if formatted is not None and (sheet is None or sheet.room(len(batch))):
                    csv_columns, xml_columns, shown = formatted
                    handle.write(
                        "".join(map(fast.csv_line.__mod__, zip(*csv_columns, strict=True)))
                    )
                    if sheet is not None:
                        sheet.add_columns(fast.xml_row, xml_columns, shown, len(batch))
                else:  # a value of an unexpected type, or the sheet is full: row by row
                    for row in batch:
                        cells, odd = layout.cells(row)
                        if sheet is not None:
                            sheet.add(row, cells, odd)
                        writer.writerow(cells)
                rows += len(batch)
                check_cancelled()
    except BaseException:
        if sheet is not None:
            sheet.abort()  # so the workbook can be closed (and the work folder removed)
        raise
    finally:
        if batches is not None:
            batches.close()  # stops the reading thread, if any
    if sheet is not None:
        sheet.close()
    return rows


def _batches(rows: Iterable[Row], read_ahead: bool) -> Generator[list[Row], None, None]:
    """``rows`` in batches of ``_BATCH``; with ``read_ahead``, each batch read in a thread
    while the one before is written (at most two wait). Closing the generator stops the
    thread; an error in reading is raised here."""
    source = iter(rows)
    if not read_ahead:
        while batch := list(itertools.islice(source, _BATCH)):
            yield batch
        return
    ready: queue.Queue[list[Row] | BaseException] = queue.Queue(maxsize=2)
    stop = threading.Event()

    def hand_over(item: list[Row] | BaseException) -> None:
        while not stop.is_set():
            with contextlib.suppress(queue.Full):
                ready.put(item, timeout=0.1)
                return

    def read() -> None:
        try:
            while not stop.is_set():
                batch = list(itertools.islice(source, _BATCH))
                hand_over(batch)
                if not batch:
                    return
        except BaseException as exc:
            hand_over(exc)
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()  # the query's cursor, in the thread that used it

    thread = threading.Thread(target=read, name="export-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            item = ready.get()
            if isinstance(item, BaseException):
                raise item
            if not item:
                return
            yield item
    finally:
        stop.set()
        thread.join()


# -- the workbook --------------------------------------------------------------------------------
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_ROOT_RELS = (
    f'{_XML_HEAD}<Relationships xmlns="{_PKG_REL_NS}"><Relationship Id="rId1" '
    f'Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_STYLES = (
    f'{_XML_HEAD}<styleSheet xmlns="{_MAIN_NS}">'
    '<numFmts count="3">'
    '<numFmt numFmtId="164" formatCode="dd/mm/yyyy"/>'
    '<numFmt numFmtId="165" formatCode="&quot;£&quot;#,##0.00"/>'
    '<numFmt numFmtId="166" formatCode="dd/mm/yyyy hh:mm:ss"/>'
    "</numFmts>"
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="8">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="1" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">'
    '<alignment wrapText="1" vertical="top"/></xf>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_FROZEN_HEADER = (
    '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
    'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" activeCell="A2" '
    'sqref="A2"/></sheetView></sheetViews>'
)
_FIT_SAMPLE = 1000  # column widths are fitted to the header and the first rows
_MIN_WIDTH, _MAX_WIDTH = 8, 60


def _column_letter(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _header_cell(text: str) -> str:
    return f'<c s="{_S_HEADER}" t="inlineStr"><is><t>{xml_escape(text)}</t></is></c>'


@dataclass
class _SheetInfo:
    name: str
    columns: int
    rows: int = 0  # data rows written to the sheet
    truncated: bool = False


class _SheetWriter:
    """One worksheet, streamed: the first rows are held back until the column widths are
    known (they come before the rows in the file), then every row goes straight to the zip.

    A row is one format string filled with the row's cells, escaped for XML all at once
    (joined by a separator XML cannot hold); empty cells are made empty elements a chunk at
    a time. A row with a value of an unexpected type is typed cell by cell instead."""

    def __init__(
        self, out: _PumpedPart, section: Section, info: _SheetInfo, layout: _RowFormat
    ) -> None:
        self._out = out
        self._info = info
        self._layout = layout
        self._kinds = layout.kinds
        self._xml = [(i, _XLSX_CELL[k]) for i, k in enumerate(self._kinds) if k != TEXT]
        self._widths = [len(column.name) + 3 for column in section.columns]  # + filter button
        self._header = "".join(_header_cell(column.name) for column in section.columns)
        # The row as runs of columns of one kind: each run is its cells joined by the markup
        # between two such cells (one C-level join a run, not a format a cell).
        self._runs: list[tuple[int, int, str, str]] = []
        close = ""
        start = 0
        for index in range(1, len(self._kinds) + 1):
            if index < len(self._kinds) and self._kinds[index] == self._kinds[start]:
                continue
            opening, ending = _CELL_TEMPLATE[self._kinds[start]].split("%s")
            self._runs.append((start, index, close + opening, ending + opening))
            close, start = ending, index
        self._tail = close + "</row>"
        self._seconds: dict[str, str] = {}
        self._times = [i for i, k in enumerate(self._kinds) if k == TIME]
        self._texts = [i for i, k in enumerate(self._kinds) if k == TEXT]
        self._count = len(self._kinds)
        self._pending: list[str] | None = []
        self._chunk: list[str] = []
        self._number = 1
        self._days: dict[str, int] = {}
        self._pending_rows = 0
        # The empty cells the rows of this sheet can hold, written as empty elements.
        self._empties = tuple(_EMPTY_CELLS[kind].encode() for kind in dict.fromkeys(self._kinds))

    def room(self, count: int) -> bool:
        """Whether ``count`` more rows fit in the sheet."""
        return self._number + count < MAX_SHEET_ROWS

    def add_columns(
        self, template: str, values: list[list[str]], shown: list[list[str]], count: int
    ) -> None:
        """``count`` rows given column by column (see :class:`_BatchFormat`): ``template``
        filled with each row's number and values; ``shown`` (the cells as shown) fits the
        widths while they are not yet written."""
        first = self._number + 1
        self._number += count
        xml = "".join(map(template.__mod__, zip(range(first, first + count), *values, strict=True)))
        if self._pending is not None:
            self._pending.append(xml)
            self._pending_rows += count
            widths = self._widths
            for index, column in enumerate(shown):
                longest = max(map(len, column[:_FIT_SAMPLE]), default=0)
                width = _shown_width(self._kinds[index], longest)
                if width > widths[index]:
                    widths[index] = width
            if self._pending_rows >= _FIT_SAMPLE:
                self._start()
            return
        self._chunk.append(xml)
        self._flush()

    def add(self, row: Row, cells: list[Any], odd: bool) -> None:
        if self._number >= MAX_SHEET_ROWS:
            self._info.truncated = True
            return
        self._number += 1
        xml = self._slow(row, cells) if odd else self._fast(cells)
        if self._pending is not None:
            self._pending.append(xml)
            widths = self._widths
            for index, text in enumerate(cells):
                shown = _display_width(self._kinds[index], str(text))
                if shown > widths[index]:
                    widths[index] = shown
            self._pending_rows += 1
            if self._pending_rows >= _FIT_SAMPLE:
                self._start()
            return
        self._chunk.append(xml)
        if len(self._chunk) >= 2000:
            self._flush()

    def _fast(self, cells: list[Any]) -> str:
        values = list(cells)
        for i in self._layout.dates:
            text = values[i]
            if text:
                values[i] = self._day(text)
        for i in self._times:
            text = values[i]
            if text:
                try:
                    values[i] = _excel_time(text, self._seconds)
                except ValueError:
                    return self._slow(cells, cells)
        joined = _SEPARATOR.join(map(str, values))
        if "&" in joined or "<" in joined or ">" in joined:
            joined = joined.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        parts = joined.split(_SEPARATOR)
        if len(parts) != self._count:  # a value held the separator itself
            return self._slow(cells, cells)
        for i in self._texts:
            parts[i] = _t_open(parts[i]) + parts[i]
        # Characters XML cannot hold are dropped a chunk at a time (_flush).
        pieces = [f'<row r="{self._number}">']
        for start, end, head, between in self._runs:
            pieces.append(head)
            pieces.append(between.join(parts[start:end]))
        pieces.append(self._tail)
        return "".join(pieces)

    def _day(self, text: str) -> int:
        day = self._days.get(text)
        if day is None:
            day = dt.date.fromisoformat(text).toordinal() - _EXCEL_EPOCH
            if len(self._days) < 100_000:
                self._days[text] = day
        return day

    def _slow(self, row: Row, cells: list[Any]) -> str:
        parts = [_x_text(str(text)) for text in cells]
        for index, convert in self._xml:
            parts[index] = convert(row[index], str(cells[index]))
        xml = f'<row r="{self._number}">{"".join(parts)}</row>'
        if _ILLEGAL_XML.search(xml):  # characters XML cannot hold at all: dropped
            xml = _ILLEGAL_XML.sub("", xml)
        return xml

    def _flush(self) -> None:
        text = "".join(self._chunk)
        # Characters XML cannot hold at all are dropped: the control characters are single
        # bytes in UTF-8 (never part of another character's bytes), deleted in one C pass.
        data = text.encode("utf-8")
        kept = data.translate(None, _ILLEGAL_BYTES)
        if len(kept) != len(data):
            data = kept
        if "\ufffe" in text or "\uffff" in text:
            data = data.replace("\ufffe".encode(), b"").replace("\uffff".encode(), b"")
        for empty in self._empties:
            data = data.replace(empty, b"<c/>")
        self._out.write(data)
        self._chunk.clear()

    def _start(self) -> None:
        cols = "".join(
            f'<col min="{n}" max="{n}" width="{min(_MAX_WIDTH, max(_MIN_WIDTH, w)) + 1}" '
            'customWidth="1"/>'
            for n, w in enumerate(self._widths, start=1)
        )
        head = (
            f'{_XML_HEAD}<worksheet xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">{_FROZEN_HEADER}'
            f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols>'
            f'<sheetData><row r="1">{self._header}</row>'
        )
        self._chunk = [head, *(self._pending or [])]
        self._pending = None

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            self._out.close()

    def close(self) -> None:
        if self._pending is not None:
            self._start()
        self._info.rows = self._number - 1
        last = f"{_column_letter(self._info.columns)}{self._number}"
        self._flush()
        self._out.write(f'</sheetData><autoFilter ref="A1:{last}"/></worksheet>'.encode())
        self._out.close()


class _WorkbookWriter:
    """The workbook, written directly as SpreadsheetML (the parts openpyxl writes, with inline
    strings and typed cells): several times faster than openpyxl on a large register, whose
    audit sheet alone has a million rows, in constant memory and with no temporary files.

    Sheet 1 is a README; then one sheet per CSV file, with the same rows: dates as dates,
    money as numbers in a £ format, whole numbers as integers, the header frozen with filters
    and the columns fitted. Text is never a formula (inline strings, made safe as in CSV)."""

    def __init__(self, path: Path) -> None:
        self._zip = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1)
        self._pump = _ZipPump()
        self._parts: list[_PumpedPart] = []
        self.sheets: list[_SheetInfo] = []

    def sheet(self, section: Section, layout: _RowFormat) -> _SheetWriter:
        info = _SheetInfo(section.key[:31], len(section.columns))
        self.sheets.append(info)
        number = len(self.sheets) + 1  # sheet1 is the README
        out = _PumpedPart(self._pump, self._zip, f"xl/worksheets/sheet{number}.xml")
        self._parts.append(out)
        return _SheetWriter(out, section, info, layout)

    def finish(self, readme: list[list[str]]) -> None:
        lines = list(readme)
        for s in self.sheets:
            if s.truncated:
                lines.append(
                    [
                        f"Sheet {s.name}",
                        f"holds the first {s.rows:,} rows only (the most a sheet can hold); "
                        "the CSV file holds them all.",
                    ]
                )
        rows: list[str] = []
        for n, line in enumerate(lines, start=1):
            if n == 1 or line[:1] == ["Sheet"]:
                cells = [_header_cell(cell) for cell in line]
            else:
                cells = [
                    _x_text(_csv_text(cell)).replace("<c ", f'<c s="{_S_WRAP}" ', 1)
                    for cell in line
                ]
            # Wrapped text needs its height (not every program fits rows on opening).
            lines_needed = max([1, *(-(-len(str(cell)) // 85) for cell in line)])
            height = f' ht="{15 * lines_needed}" customHeight="1"' if lines_needed > 1 else ""
            rows.append(f'<row r="{n}"{height}>{"".join(cells)}</row>')
        body = "".join(rows)
        readme_sheet = (
            f'{_XML_HEAD}<worksheet xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
            '<sheetViews><sheetView workbookViewId="0" tabSelected="1"/></sheetViews>'
            '<sheetFormatPr defaultRowHeight="15"/>'
            '<cols><col min="1" max="1" width="28" customWidth="1"/>'
            '<col min="2" max="2" width="90" customWidth="1"/></cols>'
            f"<sheetData>{body}</sheetData></worksheet>"
        )
        self._pump.submit(
            functools.partial(self._zip.writestr, "xl/worksheets/sheet1.xml", readme_sheet)
        )
        names = ["README", *(s.name for s in self.sheets)]
        count = len(names)
        parts = {
            "[Content_Types].xml": _content_types(count),
            "_rels/.rels": _ROOT_RELS,
            "xl/workbook.xml": _workbook_xml(names, self.sheets),
            "xl/_rels/workbook.xml.rels": _workbook_rels(count),
            "xl/styles.xml": _STYLES,
        }
        for name, text in parts.items():
            self._pump.submit(functools.partial(self._zip.writestr, name, text))

    def close(self) -> None:
        """Wait for the zip thread, then close the file; an error the thread met (no space)
        is raised here."""
        failed = self._pump.stop()
        if failed is None:
            self._zip.close()
            return
        # The file is removed with the work folder: close what is open, whatever it says.
        for part in self._parts:
            with contextlib.suppress(Exception):
                part.close_now()
        with contextlib.suppress(Exception):
            self._zip.close()
        raise failed


class _ZipPump:
    """Runs the workbook's zip work (zlib compression, file writes) in a thread of its own, in
    order: zlib and file writes release the GIL, so a chunk is compressed while the next is
    formatted (on a million audit rows, about 6 s of the pack's time). At most a few chunks
    wait (bounded memory). An error stops the rest and is raised at the caller's next
    submit, or returned by :meth:`stop`."""

    def __init__(self) -> None:
        self._jobs: queue.Queue[Callable[[], object] | None] = queue.Queue(maxsize=8)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="export-workbook", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            if self._error is None:
                try:
                    job()
                except BaseException as exc:
                    self._error = exc

    def submit(self, job: Callable[[], object]) -> None:
        if self._error is not None:
            raise self._error
        self._jobs.put(job)

    def stop(self) -> BaseException | None:
        if self._thread.is_alive():
            self._jobs.put(None)
            self._thread.join()
        return self._error


class _PumpedPart:
    """One part of the zip (a worksheet), opened, written and closed by the zip thread."""

    def __init__(self, pump: _ZipPump, archive: zipfile.ZipFile, name: str) -> None:
        self._pump = pump
        self._handle: IO[bytes] | None = None

        def start() -> None:
            self._handle = archive.open(name, "w", force_zip64=True)

        pump.submit(start)

    def _write(self, data: bytes) -> None:
        assert self._handle is not None
        self._handle.write(data)

    def close_now(self) -> None:
        """Close the part in the calling thread (after the zip thread has stopped)."""
        if self._handle is not None:
            handle, self._handle = self._handle, None
            handle.close()

    def write(self, data: bytes) -> None:
        self._pump.submit(functools.partial(self._write, data))

    def close(self) -> None:
        self._pump.submit(self.close_now)


def _content_types(count: int) -> str:
    sheet = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
    parts = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{sheet}"/>'
        for n in range(1, count + 1)
    )
    main = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    return (
        f"{_XML_HEAD}<Types "
        'xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{main}.sheet.main+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{main}.styles+xml"/>'
        f"{parts}</Types>"
    )


def _attr(text: str) -> str:
    return xml_escape(text, {'"': "&quot;"})


def _workbook_xml(names: Sequence[str], sheets: Sequence[_SheetInfo]) -> str:
    listed = "".join(
        f'<sheet name="{_attr(name)}" sheetId="{n}" r:id="rId{n}"/>'
        for n, name in enumerate(names, start=1)
    )
    # The filter ranges (Excel and LibreOffice look for this hidden name beside autoFilter).
    filters = "".join(
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{index}" hidden="1">'
        f"{_attr(repr_sheet(s.name))}!$A$1:${_column_letter(s.columns)}${s.rows + 1}"
        "</definedName>"
        for index, s in enumerate(sheets, start=1)
    )
    return (
        f'{_XML_HEAD}<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
        '<bookViews><workbookView activeTab="0"/></bookViews>'
        f"<sheets>{listed}</sheets><definedNames>{filters}</definedNames></workbook>"
    )


def repr_sheet(name: str) -> str:
    """A sheet name as a formula reference: quoted, inner quotes doubled."""
    return "'" + name.replace("'", "''") + "'"


def _workbook_rels(count: int) -> str:
    rels = "".join(
        f'<Relationship Id="rId{n}" Type="{_REL_NS}/worksheet" Target="worksheets/sheet{n}.xml"/>'
        for n in range(1, count + 1)
    )
    rels += f'<Relationship Id="rId{count + 1}" Type="{_REL_NS}/styles" Target="styles.xml"/>'
    return f'{_XML_HEAD}<Relationships xmlns="{_PKG_REL_NS}">{rels}</Relationships>'


def _readme_sheet(
    register: Register,
    sections: Sequence[Section],
    counts: dict[str, int],
    fingerprint: str,
    seq: int,
    hmac: str,
) -> list[list[str]]:
    organisation = str(register.settings.get("organisation")) or "(not set)"
    lines: list[list[str]] = [
        ["IP register: export for audit", ""],
        ["Organisation", organisation],
        ["Register id", register.register_id],
        ["Signing key fingerprint", fingerprint],
        ["Audit trail", f"{seq} rows, last HMAC {hmac}"],
        [
            "About this workbook",
            "One sheet per CSV file of the pack, with the same rows. Dates are dates "
            "(dd/mm/yyyy), times are UTC, amounts are numbers in pounds, counts are whole "
            "numbers. Each sheet's header row is frozen and has filters.",
        ],
        [
            "Text that starts with = + - @",
            "Text that a spreadsheet would read as a formula (starting with =, +, -, @, a tab "
            "or a carriage return) is written with a single quote (') in front, so it is "
            "shown, never run. The quote is not part of the register's text.",
        ],
        [
            "Reconciliation",
            "The reconciliation sheet shows, for each return, that its net revenue equals what "
            "was shared out (distributions) plus anything not shared yet (unallocated).",
        ],
        [],
        ["Sheet", "What it holds"],
    ]
    for section in sections:
        lines.append([section.key[:31], f"{section.title}: {counts[section.file]:,} rows"])
        lines += [[f"  {c.name}", c.meaning] for c in section.columns]
    return lines


def _write_listing(register: Register, path: Path) -> int:
    """A plain PDF listing of every case (reference, stage, received, title), page by page, in
    the embedded fonts (any name prints), dates dd/mm/yyyy, "Page N of M"."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    from nhsip_desktop.cases.model import STAGE_LABELS, Stage
    from nhsip_desktop.reports.fonts import BOLD, REGULAR, printable, register_fonts

    register_fonts()
    marking = str(register.settings.get("report_marking"))
    organisation = str(register.settings.get("organisation")) or "(organisation not set)"
    head = register.chain_head()
    width, height = A4
    canvas = Canvas(
        str(path), pagesize=A4, pageCompression=1, initialFontName=REGULAR, initialFontSize=8
    )
    canvas.setTitle("Register listing")
    canvas.setAuthor(printable(organisation))
    canvas.setCreator(f"nhsip-desktop {__version__}")
    canvas.setSubject("Every case in the register: reference, stage, date received, title")
    rows_per_page, count, page = 52, 0, 0
    rows = list(q.listing(register))
    pages = max(1, -(-len(rows) // rows_per_page))
    title_width = width - 40 - 240

    def header() -> None:
        canvas.setFont(BOLD, 9)
        canvas.drawCentredString(width / 2, height - 28, printable(marking))
        canvas.drawString(40, height - 46, printable(f"{organisation}: register listing"))
        canvas.setFont(REGULAR, 7)
        canvas.drawString(
            40, 24, f"Register {register.register_id} · audit trail #{head.seq} {head.hmac[:12]}"
        )
        canvas.drawCentredString(width / 2, 36, printable(marking))
        canvas.drawRightString(width - 40, 24, f"Page {page} of {pages}")
        canvas.setFont(BOLD, 8)
        for x, label in ((40, "Reference"), (110, "Stage"), (180, "Received"), (240, "Title")):
            canvas.drawString(x, height - 66, label)
        canvas.setFont(REGULAR, 8)

    def fitted(title: str) -> str:
        """The title as far as it fits its column, cut at a word with an ellipsis."""
        title = printable(title)
        if canvas.stringWidth(title, REGULAR, 8) <= title_width:
            return title
        words = title.split(" ")
        while len(words) > 1 and canvas.stringWidth(" ".join(words) + "…", REGULAR, 8) > (
            title_width
        ):
            words.pop()
        return " ".join(words) + "…"

    # One text object a page (not a drawString a cell): a 100,000-case listing is 1,900 pages.
    text: Any = None
    out: Any = None
    for reference, stage, received, title in rows:
        if count % rows_per_page == 0:
            if count:
                canvas.drawText(text)
                canvas.showPage()
            page += 1
            header()
            text = canvas.beginText()
            text.setFont(REGULAR, 8)
            # Each cell is placed by its own origin, so the cursor need not move across it:
            # ReportLab's _textOut writes the text without measuring its width (a third of
            # the listing's time); textOut if a ReportLab version lacks it.
            out = getattr(text, "_textOut", text.textOut)
        y = height - 80 - (count % rows_per_page) * 13
        try:
            stage_text = STAGE_LABELS[Stage(stage)]
        except ValueError:
            stage_text = stage.replace("_", " ")
        for x, value in (
            (40, reference),
            (110, stage_text),
            (180, received.strftime("%d/%m/%Y") if received else ""),
            (240, fitted(title or "(untitled draft)")),
        ):
            text.setTextOrigin(x, y)
            out(value)
        count += 1
    if text is not None:
        canvas.drawText(text)
    if count == 0:
        page = 1
        header()
        canvas.drawString(40, height - 80, "No cases recorded.")
    canvas.save()
    return count


def _readme(sections: Sequence[Section], counts: dict[str, int], info: dict[str, Any]) -> str:
    lines = [
        "IP register: export for audit",
        "=" * 30,
        "",
        f"Organisation:    {info['organisation'] or '(not set)'}",
        f"Register id:     {info['register_id']}",
        f"Generated:       {info['generated_at']} (UTC), nhsip-desktop {info['app_version']}",
        f"Audit trail:     {info['audit_chain_head']['seq']} rows, last HMAC "
        f"{info['audit_chain_head']['hmac']}",
        f"Signing key:     {info['fingerprint']}",
        "                 (SHA-256 fingerprint of the register's public signing key)",
        "",
        "This folder is an unencrypted copy of part of an encrypted IP register. Keep it as",
        "securely as the register itself and delete it when the audit is done.",
        "",
        "Checking the pack",
        "-----------------",
        f"{MANIFEST} lists every file of the pack, this README included, with its SHA-256",
        "hash, size and number of data rows. It is signed with the register's own signing key",
        f"(Ed25519): {SIGNATURE} is the signature of {MANIFEST}, and {PUBLIC_KEY} is the public",
        "key it checks against. Each file's entry is signed as well, so a changed entry is named.",
        "",
        "1. Check that the signing key is the register's: its fingerprint above must match the",
        "   one printed on the register's recovery sheet and on its board summaries.",
        "2. With the app (no register or key needed):  nhsip-desktop verify-export FOLDER",
        "   It checks the signatures and names every changed, missing or extra file.",
        "3. Without the app, with OpenSSL 3:",
        f"   openssl pkeyutl -verify -pubin -inkey {PUBLIC_KEY} -rawin -in {MANIFEST} "
        f"-sigfile {SIGNATURE}",
        "   then compare each file's hash with the manifest:",
        "   Windows (PowerShell):  Get-FileHash -Algorithm SHA256 cases.csv",
        "   Linux or macOS:        sha256sum cases.csv",
        "",
        "The files",
        "---------",
        "The CSV files are UTF-8 (with a byte-order mark so Excel opens them), one header row,",
        "dates as YYYY-MM-DD, times in UTC (ISO 8601), amounts in pounds with two decimals",
        "(1000.50). register.xlsx holds the same rows, one sheet per file, with dates as dates",
        "and amounts as numbers in a £ format, and a README sheet. register-listing.pdf lists",
        "every case.",
        "",
        "Text that a spreadsheet would read as a formula (starting with =, +, -, @, a tab or a",
        "carriage return) is written with a single quote (') in front, in the CSV files and in",
        "the workbook alike, so that opening a file never runs anything typed or imported into",
        "the register. The quote is not part of the register's text. Numbers stay numbers.",
        "",
        "Revenue: distributions.csv has one row per return and party (the innovators together,",
        "department, organisation, TTC), plus an 'unallocated' row for any part of a return not",
        "shared yet, with the reason. innovator_shares.csv splits the innovators' part person by",
        "person. reconciliation.csv checks each return: net = distributed + unallocated.",
        "",
        "Files and columns",
        "-----------------",
    ]
    for section in sections:
        rows = counts[section.file]
        lines += ["", f"{section.file}: {section.title} ({rows} rows)"]
        lines += [f"  {c.name}: {c.meaning}" for c in section.columns]
    lines += [
        "",
        "The audit trail",
        "---------------",
        "Every change to the register is one row of audit_trail.csv. Each row's HMAC covers the",
        "row and the previous row's HMAC, keyed from the register's data key, so a change to any",
        "row breaks the chain; the app's 'check' command verifies it. Rows are numbered without",
        "gaps, and the last one matches the audit trail head above and in the page footers of",
        "every report printed from the register.",
        "",
    ]
    return "\n".join(lines)


# -- verifying a pack ------------------------------------------------------------------------
@dataclass(frozen=True)
class VerifyProblem:
    file: str
    problem: str


@dataclass(frozen=True)
class VerifyReport:
    """What :func:`verify_pack` found: the problems (none when the pack is intact) and the
    fingerprint of the key that signed it, to compare with the register's."""

    problems: list[VerifyProblem] = field(default_factory=list)
    fingerprint: str = ""
    register_id: str = ""
    organisation: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


def _safe_name(name: str) -> bool:
    """A manifest entry must be a plain relative path inside the pack."""
    if not name or "\\" in name or "\x00" in name:
        return False
    posix, windows = PurePosixPath(name), PureWindowsPath(name)
    if posix.is_absolute() or windows.is_absolute() or windows.drive or windows.root:
        return False
    return ".." not in posix.parts and len(posix.parts) == 1


def verify_pack(folder: Path, *, expected_fingerprint: str | None = None) -> VerifyReport:
    """Check a pack with nothing but the pack: the manifest's signature by the public key in
    the pack, each entry's signature, and every file's hash and size; names each changed,
    missing or extra file. An absolute or ``..`` path in the manifest is refused unread.

    ``expected_fingerprint`` (as printed on the recovery sheet or board summary) also checks
    that the key in the pack is the register's."""
    folder = Path(folder)
    problems: list[VerifyProblem] = []
    try:
        manifest_bytes = (folder / MANIFEST).read_bytes()
        manifest = json.loads(manifest_bytes.decode("utf-8"))
        files = manifest["files"]
        if not isinstance(files, dict):
            raise TypeError("files")
    except (OSError, ValueError, KeyError, TypeError):
        return VerifyReport(
            [VerifyProblem(MANIFEST, "missing or unreadable: this is not a complete export")]
        )
    register_id = str(manifest.get("register_id", ""))
    organisation = str(manifest.get("organisation") or "")
    public: bytes | None = None
    try:
        public = public_key_from_pem((folder / PUBLIC_KEY).read_bytes())
    except (OSError, ValueError):
        problems.append(
            VerifyProblem(PUBLIC_KEY, "missing or not a public signing key: cannot check")
        )
    fingerprint = fingerprint_of(public) if public is not None else ""
    if public is not None:
        listed = (
            manifest.get("signing", {}).get("public_key")
            if isinstance(manifest.get("signing"), dict)
            else None
        )
        try:
            signature = (folder / SIGNATURE).read_bytes()
        except OSError:
            problems.append(VerifyProblem(SIGNATURE, "missing: the manifest is not signed"))
        else:
            if not verify(public, manifest_bytes, signature):
                problems.append(
                    VerifyProblem(
                        MANIFEST,
                        "its signature does not match: the manifest was changed after the "
                        "export, or signed with another key",
                    )
                )
        if listed is not None and listed != base64.b64encode(public).decode("ascii"):
            problems.append(VerifyProblem(PUBLIC_KEY, "not the key the manifest was signed with"))
        if expected_fingerprint is not None and _norm(expected_fingerprint) != _norm(fingerprint):
            problems.append(
                VerifyProblem(
                    PUBLIC_KEY,
                    f"its fingerprint {fingerprint} is not the one expected: the pack was not "
                    "signed by that register",
                )
            )
    safe: set[str] = set()
    for name, expected in sorted(files.items()):
        if not _safe_name(name):
            problems.append(
                VerifyProblem(name, "refused: the manifest may only name files in the pack")
            )
            continue
        safe.add(name)
        if not isinstance(expected, dict):
            problems.append(VerifyProblem(name, "its manifest entry is unreadable"))
            continue
        sha, size = expected.get("sha256"), expected.get("bytes")
        entry_ok = False
        if public is not None:
            try:
                entry_signature = base64.b64decode(
                    str(expected.get("signature", "")), validate=True
                )
            except ValueError:
                entry_signature = b""
            entry_ok = verify(
                public, _entry_message(register_id, name, str(sha), _int(size)), entry_signature
            )
            if not entry_ok:
                problems.append(
                    VerifyProblem(
                        name,
                        "its entry in the manifest was changed after the export (signature "
                        "does not match)",
                    )
                )
        path = folder / name
        if not path.is_file():
            problems.append(VerifyProblem(name, "missing"))
            continue
        if _sha256(path) != sha:
            problems.append(VerifyProblem(name, "changed since the export (SHA-256 differs)"))
        elif path.stat().st_size != size:
            problems.append(VerifyProblem(name, "changed since the export (size differs)"))
    known = safe | {MANIFEST, SIGNATURE}
    for path in sorted(folder.iterdir()):
        if path.name not in known:
            problems.append(VerifyProblem(path.name, "not part of the export"))
    return VerifyReport(problems, fingerprint, register_id, organisation)


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else -1


def _norm(fingerprint: str) -> str:
    return "".join(ch for ch in fingerprint.upper() if ch in "0123456789ABCDEF")


def verify_export(folder: Path) -> list[VerifyProblem]:
    """Check a pack against its signed manifest; an empty list means the pack is intact."""
    return verify_pack(folder).problems
