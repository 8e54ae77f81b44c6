"""The hub pack: what a trust shares with its regional hub, signed and encrypted (Qt-free).

Format (``FORMAT``, ``FORMAT_VERSION`` 1), documented for the hub's IT in ``docs/HUB.md``:

- The file is an age file (https://age-encryption.org/v1, through ``pyrage``) encrypted to the
  hub's X25519 recipient (``age1...``): without the hub's identity it cannot be read.
- Inside is a zip of UTF-8 CSV files (header row; dates ``yyyy-mm-dd``; money in pounds with
  two decimals; an empty cell means "not recorded" or "not shared"), one per section of
  :data:`SECTIONS`, and ``manifest.json``: the format and its version, when it was made, the
  trust's ODS code and name, the register id, whether titles are included, the register's
  public signing key, and for each section its file, columns, row count and SHA-256.
- ``manifest.sig`` is the register's Ed25519 signature (``store/signing.py``) of the exact bytes
  of ``manifest.json``, in base64. The hub verifies it with the key it pinned for that ODS code,
  then each file's hash.

Titles, summaries and the wording of deadlines (which may quote a title) travel only when the
user ticks "include titles"; the columns are always present and empty otherwise.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pyrage

from nhsip_desktop.core.errors import RegisterError
from nhsip_desktop.core.safe_write import atomic_write_bytes
from nhsip_desktop.governance.model import action_statuses

from ..store import export_rows, hub_rows
from ..store.deadlines import all_deadlines
from ..store.signing import fingerprint_of, verify

if TYPE_CHECKING:
    from ..store.register import Register

__all__ = [
    "DEADLINE_HORIZON_DAYS",
    "FORMAT",
    "FORMAT_VERSION",
    "SECTIONS",
    "SECTION_LABELS",
    "OpenedPack",
    "PackContents",
    "PackError",
    "collect",
    "encode_csv",
    "make_pack_bytes",
    "open_pack",
    "read_identity",
    "read_recipient",
    "write_hub_pack",
]

FORMAT = "nhsip-hub-pack"
FORMAT_VERSION = 1
DEADLINE_HORIZON_DAYS = 365  # deadlines overdue or due within a year of the pack's date
MAX_PACK_BYTES = 512 * 1024 * 1024

# Each section: its columns, in order (the hub's tables have the same columns plus trust_ods).
SECTIONS: dict[str, tuple[str, ...]] = {
    "cases": (
        "reference",
        "stage",
        "kinds_of_ip",
        "received_on",
        "feedback_due",
        "feedback_given_on",
        "triage_outcome",
        "route",
        "route_decided_on",
        "title",
        "summary",
    ),
    "deadlines": ("due", "kind", "reference", "text"),
    "rights": (
        "right_id",
        "case_reference",
        "type",
        "jurisdiction",
        "status",
        "filing_date",
        "priority_date",
        "grant_date",
        "next_review",
        "title",
    ),
    "renewals": ("right_id", "renewal_year", "due", "fee_gbp", "paid_on"),
    "agreements": ("reference", "kind", "partner", "signed_on", "start_on", "end_on", "title"),
    "money": ("financial_year", "spend_gbp", "returns_gbp"),
    "actions": ("action", "title", "status"),
}
SECTION_LABELS: dict[str, str] = {
    "cases": "Cases (stage, dates, kinds of IP, triage outcome, route)",
    "deadlines": f"Deadlines (overdue or due within {DEADLINE_HORIZON_DAYS} days)",
    "rights": "Rights (type, country, status, dates)",
    "renewals": "Renewals (due dates, fees, payments)",
    "agreements": "Agreements (kind, partner, dates)",
    "money": "Money totals by financial year",
    "actions": "The five actions for organisations (status)",
}
# Columns emptied unless titles are included.
TITLE_COLUMNS: dict[str, frozenset[str]] = {
    "cases": frozenset({"title", "summary"}),
    "deadlines": frozenset({"text"}),
    "rights": frozenset({"title"}),
    "agreements": frozenset({"title"}),
}


class PackError(RegisterError):
    """A hub pack that cannot be made, read or trusted (the message says why)."""


_K = TypeVar("_K")


# -- keys -----------------------------------------------------------------------------------


def read_recipient(path: Path) -> pyrage.x25519.Recipient:
    """The hub's public key (an ``age1...`` line) from the recipient file the hub gave out."""
    no_key = "recipient file (no line starting age1)"
    return _key_line(path, "age1", pyrage.x25519.Recipient.from_str, "key", no_key)


def read_identity(path: Path) -> pyrage.x25519.Identity:
    """The hub's private key (an ``AGE-SECRET-KEY-1...`` line) from its identity file."""
    return _key_line(
        path, "AGE-SECRET-KEY-1", pyrage.x25519.Identity.from_str, "identity", "identity file"
    )


def _key_line(path: Path, prefix: str, parse: Callable[[str], _K], key: str, kind: str) -> _K:
    """``parse`` of the first line of the file at ``path`` that starts with ``prefix``; if it
    does not parse, or no line does, ``PackError`` naming the ``key`` or the ``kind`` of file."""
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    for line in text.splitlines():
        line = line.strip()
        if line.startswith(prefix):
            try:
                return parse(line)
            except Exception as exc:  # pyrage raises its own error types
                raise PackError(f"{path.name} does not hold a valid hub {key}.") from exc
    raise PackError(f"{path.name} is not a hub {kind}.")


# -- building ---------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


def encode_csv(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> tuple[bytes, int]:
    """A section's CSV (header row, then rows) and its row count."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow([_cell(v) for v in row])
        count += 1
    return buffer.getvalue().encode("utf-8"), count


@dataclass
class PackContents:
    """What would leave the register: each section's CSV and row count (the preview)."""

    ods_code: str
    organisation: str
    register_id: str
    includes_titles: bool
    as_of: dt.date
    files: dict[str, bytes] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def preview_lines(self) -> list[str]:
        lines = [f"{SECTION_LABELS[name]}: {self.counts[name]:,}" for name in SECTIONS]
        lines.append(
            "Titles, summaries and deadline wording: "
            + ("INCLUDED" if self.includes_titles else "not included")
        )
        return lines


def collect(
    register: Register,
    *,
    include_titles: bool = False,
    ods_code: str | None = None,
    today: dt.date | None = None,
) -> PackContents:
    """Read what the trust shares, through the store's named queries."""
    today = today or dt.date.today()
    settings = register.settings.all()
    ods = (ods_code or str(settings.get("ods_code") or "")).strip().upper()
    if not ods:
        raise PackError(
            "The organisation's ODS code is not set: enter it in Settings (or give --ods) "
            "so the hub knows whose pack this is."
        )
    if not ods.isalnum() or len(ods) > 10:
        raise PackError(f"{ods!r} is not an ODS code (letters and digits, e.g. RX1).")

    def keep(section: str, column: str, value: Any) -> Any:
        if not include_titles and column in TITLE_COLUMNS.get(section, ()):
            return ""
        return value

    def shaped(section: str, rows: Iterable[Sequence[Any]]) -> Iterable[list[Any]]:
        columns = SECTIONS[section]
        for row in rows:
            yield [keep(section, c, v) for c, v in zip(columns, row, strict=True)]

    contents = PackContents(
        ods, str(settings.get("organisation") or ""), register.register_id, include_titles, today
    )
    case_refs: set[str] = set()

    def cases() -> Iterable[Sequence[Any]]:
        for r in hub_rows.hub_cases(register):
            case_refs.add(r.reference)
            yield r

    def deadlines() -> Iterable[Sequence[Any]]:
        for d in all_deadlines(register, today, DEADLINE_HORIZON_DAYS):
            # A right's deadline names the case, or else the right's title: a title only
            # leaves with the titles.
            reference = d.reference if (d.reference in case_refs or include_titles) else ""
            yield (d.due, d.kind, reference, d.text)

    def rights() -> Iterable[Sequence[Any]]:
        for r in export_rows.rights(register):
            yield (
                r.right_id,
                r.case_reference,
                r.type,
                r.jurisdiction,
                r.status,
                r.filing_date,
                r.priority_date,
                r.grant_date,
                r.next_review,
                r.title,
            )

    def renewals() -> Iterable[Sequence[Any]]:
        for r in export_rows.renewals(register):
            yield (r.right_id, r.renewal_year, r.due, r.fee_gbp, r.paid_on)

    def agreements() -> Iterable[Sequence[Any]]:
        for a in export_rows.agreements(register):
            yield (a.reference, a.kind, a.parties, a.signed_on, a.start_on, a.end_on, a.title)

    def actions() -> Iterable[Sequence[Any]]:
        manager = register.governance
        for s in action_statuses(manager.record(), manager.training(), today):
            yield (s.key, s.title, s.status_words)

    readers = {
        "cases": cases,
        "deadlines": deadlines,
        "rights": rights,
        "renewals": renewals,
        "agreements": agreements,
        "money": lambda: hub_rows.money_by_year(register),
        "actions": actions,
    }
    for section, read in readers.items():  # cases first: deadlines need the references
        data, count = encode_csv(SECTIONS[section], shaped(section, read()))
        contents.files[section] = data
        contents.counts[section] = count
    return contents


def make_pack_bytes(
    contents: PackContents,
    public_key: bytes,
    sign: Any,
    recipient: pyrage.x25519.Recipient,
    created_at: dt.datetime | None = None,
) -> bytes:
    """The encrypted pack: a zip of the sections, the manifest and its signature by ``sign``
    (a function from bytes to an Ed25519 signature), encrypted to ``recipient``."""
    created = (created_at or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": created.isoformat(timespec="microseconds"),
        "as_of": contents.as_of.isoformat(),
        "ods_code": contents.ods_code,
        "organisation": contents.organisation,
        "register_id": contents.register_id,
        "includes_titles": contents.includes_titles,
        "signing_key": base64.b64encode(public_key).decode("ascii"),
        "fingerprint": fingerprint_of(public_key),
        "sections": {
            name: {
                "file": f"{name}.csv",
                "columns": list(SECTIONS[name]),
                "rows": contents.counts[name],
                "sha256": hashlib.sha256(contents.files[name]).hexdigest(),
            }
            for name in SECTIONS
        },
    }
    manifest_bytes = json.dumps(manifest, indent=2, sort_keys=True).encode("utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as z:
        z.writestr("manifest.json", manifest_bytes)
        z.writestr("manifest.sig", base64.b64encode(sign(manifest_bytes)))
        for name in SECTIONS:
            z.writestr(f"{name}.csv", contents.files[name])
    return bytes(pyrage.encrypt(buffer.getvalue(), [recipient]))


def write_hub_pack(
    register: Register, contents: PackContents, recipient_file: Path, target: Path
) -> Path:
    """Sign, encrypt and save the pack at ``target``; record it in the audit trail."""
    recipient = read_recipient(recipient_file)
    data = make_pack_bytes(
        contents, register.signing.public_key_bytes(), register.signing.sign, recipient
    )
    written = atomic_write_bytes(target, data)
    with register.transaction() as tx:
        tx.audit(
            "export-hub-pack",
            "register",
            register.register_id,
            {
                "file": [None, Path(target).name],
                "ods_code": [None, contents.ods_code],
                "hub_key": [None, str(recipient)],
                "includes_titles": [None, contents.includes_titles],
                "rows": [None, dict(contents.counts)],
            },
        )
    return written


# -- reading (the hub) ------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenedPack:
    """A decrypted pack whose manifest and files agree (the signature is checked separately,
    against the key pinned for ``ods_code``, by :meth:`verify_with`)."""

    manifest: dict[str, Any]
    manifest_bytes: bytes
    signature: bytes
    files: dict[str, bytes]

    @property
    def ods_code(self) -> str:
        return str(self.manifest["ods_code"])

    @property
    def pack_id(self) -> str:
        """The SHA-256 of the signed manifest: the same pack ingested twice has one id."""
        return hashlib.sha256(self.manifest_bytes).hexdigest()

    @property
    def created_at(self) -> dt.datetime:
        return dt.datetime.fromisoformat(str(self.manifest["created_at"]))

    @property
    def signing_key(self) -> bytes:
        return base64.b64decode(str(self.manifest["signing_key"]))

    def verify_with(self, pinned_key: bytes) -> None:
        """Raise :class:`PackError` unless the pack is signed by ``pinned_key``."""
        if bytes(pinned_key) != self.signing_key:
            raise PackError(
                f"the pack for {self.ods_code} is signed by a key that is not the one pinned "
                f"for it (pack key {fingerprint_of(self.signing_key)}, pinned "
                f"{fingerprint_of(bytes(pinned_key))}); nothing was loaded"
            )
        if not verify(bytes(pinned_key), self.manifest_bytes, self.signature):
            raise PackError(f"the pack for {self.ods_code} has a bad signature; nothing was loaded")


def open_pack(data: bytes, identity: pyrage.x25519.Identity) -> OpenedPack:
    """Decrypt a pack and check its shape and its files' hashes (not yet its signer)."""
    if len(data) > MAX_PACK_BYTES:
        raise PackError("the file is too large to be a hub pack")
    try:
        plain = pyrage.decrypt(data, [identity])
    except Exception as exc:
        raise PackError(
            "the file cannot be decrypted with this hub identity (not a hub pack, or made "
            "for another hub)"
        ) from exc
    try:
        with zipfile.ZipFile(io.BytesIO(plain)) as z:
            # Anyone holding the hub's public key can make a file that decrypts: refuse one
            # that would unpack to more than a pack could hold before reading it.
            if sum(info.file_size for info in z.infolist()) > MAX_PACK_BYTES:
                raise PackError("the pack unpacks to more than a hub pack can hold")
            manifest_bytes = z.read("manifest.json")
            signature = base64.b64decode(z.read("manifest.sig"), validate=True)
            manifest = json.loads(manifest_bytes)
            if manifest.get("format") != FORMAT:
                raise PackError("the file is not a hub pack")
            if manifest.get("format_version") != FORMAT_VERSION:
                raise PackError(
                    f"the pack's format version {manifest.get('format_version')!r} is not "
                    f"{FORMAT_VERSION}: update the hub's software"
                )
            files: dict[str, bytes] = {}
            for name, columns in SECTIONS.items():
                entry = manifest["sections"][name]
                if list(entry["columns"]) != list(columns):
                    raise PackError(f"the pack's {name} columns are not those of the format")
                content = z.read(f"{name}.csv")
                if hashlib.sha256(content).hexdigest() != entry["sha256"]:
                    raise PackError(f"the pack's {name}.csv does not match its manifest")
                files[name] = content
    except (KeyError, ValueError, zipfile.BadZipFile, TypeError) as exc:
        raise PackError("the pack is incomplete or damaged") from exc
    ods = str(manifest.get("ods_code", ""))
    if not ods.isalnum():
        raise PackError("the pack has no valid ODS code")
    return OpenedPack(manifest, manifest_bytes, signature, files)
