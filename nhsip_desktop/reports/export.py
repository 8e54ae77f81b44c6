"""The auditor's export pack: CSV files, an XLSX workbook, a PDF listing, a manifest of SHA-256
hashes and row counts, and a README, so an auditor can check the pack without the app.

Streams row by row (bounded memory at 100,000 cases). The pack is built in a temporary folder
beside the target and renamed into place only when complete; a cancelled or failed export
leaves nothing behind. The export and the sections chosen are recorded in the audit trail.
``verify_export`` checks a pack against its manifest and names any file that differs.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from xml.sax.saxutils import escape as xml_escape

from nhsip_desktop import __version__
from nhsip_desktop.core.safe_write import install

from ..store.errors import RegisterError

if TYPE_CHECKING:
    from ..store.register import Register

MANIFEST = "manifest.json"
README = "README.txt"
WORKBOOK = "register.xlsx"
LISTING = "register-listing.pdf"


class ExportCancelled(RegisterError):
    """The person cancelled the export; nothing was written."""


class ExportError(RegisterError):
    """The export could not be written (no space, no permission); nothing was left behind."""


Row = Sequence[Any]


@dataclass(frozen=True)
class Section:
    key: str
    file: str
    title: str
    columns: tuple[tuple[str, str], ...]  # (column, what it means)
    rows: Callable[[Register], Iterator[Row]]


def _date(value: Any) -> str:
    return "" if value in (None, "") else str(value)[:10]


def _cases(reg: Register) -> Iterator[Row]:
    cur = reg.conn.execute(
        "SELECT reference, title, stage, ip_kinds, lead_innovator, received_on, feedback_due, "
        "feedback_given_on, closed_reason, next_action, next_action_due, created_at, updated_at "
        "FROM cases ORDER BY ref_year, ref_number"
    )
    for r in cur:
        yield [
            r[0],
            r[1],
            r[2],
            "; ".join(json.loads(r[3])),
            r[4],
            _date(r[5]),
            _date(r[6]),
            _date(r[7]),
            r[8],
            r[9],
            _date(r[10]),
            r[11],
            r[12],
        ]


def _details(reg: Register) -> Iterator[tuple[str, dict[str, Any]]]:
    cur = reg.conn.execute(
        "SELECT c.reference, d.details FROM case_details d JOIN cases c ON c.id = d.case_id "
        "ORDER BY c.ref_year, c.ref_number"
    )
    for reference, details in cur:
        yield reference, json.loads(details)


def _contributors(reg: Register) -> Iterator[Row]:
    for reference, details in _details(reg):
        for c in details.get("contributors", []):
            yield [
                reference,
                c.get("name", ""),
                c.get("job_title", ""),
                c.get("department", ""),
                c.get("relationship", ""),
                c.get("employer", ""),
                c.get("share", ""),
                c.get("in_course_of_duties", ""),
            ]


def _rights(reg: Register) -> Iterator[Row]:
    cur = reg.conn.execute(
        "SELECT r.id, c.reference, r.data FROM rights r LEFT JOIN cases c ON c.id = r.case_id "
        "ORDER BY r.id"
    )
    for right_id, reference, data in cur:
        d = json.loads(data)
        yield [
            right_id,
            reference or "",
            d.get("right_type", ""),
            d.get("jurisdiction", ""),
            d.get("title", ""),
            d.get("application_number", ""),
            d.get("registration_number", ""),
            _date(d.get("filing_date")),
            _date(d.get("priority_date")),
            _date(d.get("grant_date")),
            d.get("status", ""),
            d.get("owners", ""),
            d.get("attorney", ""),
            _date(d.get("next_review")),
        ]


def _renewals(reg: Register) -> Iterator[Row]:
    from nhsip_desktop.assets.renewals import renewals_for
    from nhsip_desktop.assets.rights import Right

    schedule = reg.reference.fee_schedule()
    for (data,) in reg.conn.execute("SELECT data FROM rights ORDER BY id"):
        right = Right.from_json(json.loads(data))
        for due in renewals_for(right, schedule):
            paid = right.renewals_paid.get(due.renewal_year)
            fee = due.fee.amount if due.fee is not None and due.fee.amount is not None else ""
            yield [
                right.id,
                right.title,
                due.renewal_year,
                _date(due.due),
                _date(due.window_opens),
                _date(due.no_penalty_until),
                _date(due.late_until),
                fee,
                _date(paid) if paid else "",
            ]


def _agreements(reg: Register) -> Iterator[Row]:
    cur = reg.conn.execute("SELECT reference, kind, title, data FROM agreements ORDER BY id")
    for reference, kind, title, data in cur:
        d = json.loads(data)
        yield [
            reference,
            kind,
            title,
            "; ".join(d.get("parties", [])),
            _date(d.get("signed_on")),
            _date(d.get("start_on")),
            _date(d.get("end_on")),
            d.get("licence_type") or "",
            d.get("revenue_terms", ""),
        ]


def _obligations(reg: Register) -> Iterator[Row]:
    for reference, data in reg.conn.execute("SELECT reference, data FROM agreements ORDER BY id"):
        for o in json.loads(data).get("obligations", []):
            yield [
                reference,
                o.get("text", ""),
                _date(o.get("due")),
                o.get("owner", ""),
                _date(o.get("done_on")),
            ]


def _assessments(reg: Register) -> Iterator[Row]:
    cur = reg.conn.execute(
        "SELECT a.id, c.reference, g.reference, a.checklist_id, a.checklist_version, a.score, "
        "a.created_at, a.updated_at FROM assessments a LEFT JOIN cases c ON c.id = a.case_id "
        "LEFT JOIN agreements g ON g.id = a.agreement_id ORDER BY a.id"
    )
    for r in cur:
        yield [r[0], r[1] or r[2] or "", r[3], r[4], "" if r[5] is None else r[5], r[6], r[7]]


def _findings(reg: Register) -> Iterator[Row]:
    for assessment_id, findings in reg.conn.execute(
        "SELECT id, findings FROM assessments ORDER BY id"
    ):
        for f in json.loads(findings):
            yield [assessment_id, f.get("severity", ""), f.get("text", ""), f.get("reference", "")]


def _decisions(reg: Register) -> Iterator[Row]:
    cur = reg.conn.execute(
        "SELECT c.reference, d.kind, d.outcome, d.outcome_label, d.rationale, d.decided_on, "
        "d.decision_maker, d.assessment_id FROM decisions d JOIN cases c ON c.id = d.case_id "
        "ORDER BY d.id"
    )
    for r in cur:
        yield [r[0], r[1], r[2], r[3], r[4], r[5], r[6], "" if r[7] is None else r[7]]


def _costs(reg: Register) -> Iterator[Row]:
    cur = reg.conn.execute(
        "SELECT k.id, c.reference, k.right_id, k.spent_on, k.category, k.amount, k.vat, "
        "k.supplier, k.reference FROM costs k LEFT JOIN cases c ON c.id = k.case_id "
        "ORDER BY k.spent_on, k.id"
    )
    for r in cur:
        yield [r[0], r[1] or "", "" if r[2] is None else r[2], r[3], r[4], r[5], r[6], r[7], r[8]]


def _returns(reg: Register) -> Iterator[Row]:
    cur = reg.conn.execute(
        "SELECT r.id, c.reference, r.received_on, r.kind, r.gross, r.deductible, r.agreement, "
        "r.policy_id, r.policy_version FROM returns r JOIN cases c ON c.id = r.case_id "
        "ORDER BY r.received_on, r.id"
    )
    for r in cur:
        yield list(r)


def _distributions(reg: Register) -> Iterator[Row]:
    case_ids = [r[0] for r in reg.conn.execute("SELECT DISTINCT case_id FROM returns ORDER BY 1")]
    for case_id in case_ids:
        reference = reg.cases.get(case_id).reference
        try:
            shared = reg.returns.distributions(case_id)
        except RegisterError:
            continue  # shares not yet complete: nothing can be shared
        for d in shared:
            for party, amount in d.parties.items():
                yield [d.return_id, reference, party, "", str(amount)]
            for _key, name, amount in d.innovators:
                yield [d.return_id, reference, "innovator", name, str(amount)]


def _audit(reg: Register) -> Iterator[Row]:
    cur = reg.conn.execute(
        "SELECT seq, at, os_user, actor_name, action, record_kind, record_id, changes, hmac "
        "FROM audit_log ORDER BY seq"
    )
    while batch := cur.fetchmany(2000):
        yield from batch


SECTIONS: tuple[Section, ...] = (
    Section(
        "cases",
        "cases.csv",
        "Cases (disclosures)",
        (
            ("reference", "The case reference, IP-year-number"),
            ("title", "Title of the idea"),
            ("stage", "draft, submitted, in_triage, decision_made, active or closed"),
            ("kinds_of_ip", "Kinds of IP, separated by ';'"),
            ("lead_innovator", "Lead innovator"),
            ("received_on", "Date the disclosure was received"),
            ("feedback_due", "Date feedback to the innovator was due"),
            ("feedback_given_on", "Date feedback was given"),
            ("closed_reason", "Why it was closed"),
            ("next_action", "Next action recorded"),
            ("next_action_due", "Its due date"),
            ("created_at", "Created (UTC)"),
            ("updated_at", "Last changed (UTC)"),
        ),
        _cases,
    ),
    Section(
        "contributors",
        "contributors.csv",
        "Contributors",
        (
            ("case_reference", "The case"),
            ("name", "Name"),
            ("job_title", "Job title"),
            ("department", "Department"),
            ("relationship", "Relationship to the trust"),
            ("employer", "Employer"),
            ("share_percent", "Contribution share, %"),
            ("in_course_of_duties", "yes, no or unsure"),
        ),
        _contributors,
    ),
    Section(
        "rights",
        "rights.csv",
        "Registered and unregistered rights",
        (
            ("right_id", "Right number"),
            ("case_reference", "The case"),
            ("type", "Kind of right"),
            ("jurisdiction", "Where"),
            ("title", "Title"),
            ("application_number", "Application no."),
            ("registration_number", "Registration no."),
            ("filing_date", "Filed"),
            ("priority_date", "Priority"),
            ("grant_date", "Granted or registered"),
            ("status", "Status"),
            ("owners", "Owners"),
            ("attorney", "Attorney"),
            ("next_review", "Next portfolio review"),
        ),
        _rights,
    ),
    Section(
        "renewals",
        "renewals.csv",
        "Renewal schedule of GB rights",
        (
            ("right_id", "Right number"),
            ("title", "Title"),
            ("renewal_year", "Year of the right"),
            ("due", "Due date"),
            ("window_opens", "Payable from"),
            ("no_penalty_until", "Last day without surcharge"),
            ("late_until", "Last day late"),
            ("fee_gbp", "Official fee from the schedule, £"),
            ("paid_on", "Date paid, if recorded"),
        ),
        _renewals,
    ),
    Section(
        "agreements",
        "agreements.csv",
        "Agreements",
        (
            ("reference", "Agreement reference"),
            ("kind", "Kind"),
            ("title", "Title"),
            ("parties", "Parties, separated by ';'"),
            ("signed_on", "Signed"),
            ("start_on", "Starts"),
            ("end_on", "Ends"),
            ("licence_type", "exclusive, sole or non_exclusive"),
            ("revenue_terms", "Revenue terms"),
        ),
        _agreements,
    ),
    Section(
        "obligations",
        "obligations.csv",
        "Obligations under agreements",
        (
            ("agreement_reference", "Agreement"),
            ("obligation", "What must be done"),
            ("due", "Due date"),
            ("owner", "Whose obligation"),
            ("done_on", "Done on"),
        ),
        _obligations,
    ),
    Section(
        "assessments",
        "assessments.csv",
        "Checklist assessments",
        (
            ("assessment_id", "Assessment number"),
            ("reference", "Case or agreement"),
            ("checklist", "Checklist"),
            ("checklist_version", "Checklist version used"),
            ("score", "Score out of 100, if scored"),
            ("created_at", "Created (UTC)"),
            ("updated_at", "Last changed (UTC)"),
        ),
        _assessments,
    ),
    Section(
        "findings",
        "findings.csv",
        "Findings raised by assessments",
        (
            ("assessment_id", "Assessment number"),
            ("severity", "red, amber or green"),
            ("finding", "What was found"),
            ("guidance_reference", "Where in the guidance"),
        ),
        _findings,
    ),
    Section(
        "decisions",
        "decisions.csv",
        "Decisions",
        (
            ("case_reference", "The case"),
            ("kind", "triage or route"),
            ("outcome", "Outcome id"),
            ("outcome_label", "Outcome"),
            ("rationale", "Reasons"),
            ("decided_on", "Date"),
            ("decision_maker", "Decided by"),
            ("assessment_id", "Assessment it was based on"),
        ),
        _decisions,
    ),
    Section(
        "costs",
        "costs.csv",
        "Costs ledger",
        (
            ("cost_id", "Cost number"),
            ("case_reference", "The case"),
            ("right_id", "The right"),
            ("spent_on", "Date"),
            ("category", "official_fee, attorney or other"),
            ("amount_gbp", "Amount before VAT, £"),
            ("vat_gbp", "VAT, £"),
            ("supplier", "Supplier"),
            ("reference", "Invoice or reference"),
        ),
        _costs,
    ),
    Section(
        "returns",
        "returns.csv",
        "Returns ledger",
        (
            ("return_id", "Return number"),
            ("case_reference", "The case"),
            ("received_on", "Date received"),
            ("kind", "royalty, licence_fee, milestone, ..."),
            ("gross_gbp", "Gross, £"),
            ("deductible_gbp", "Deductible costs, £"),
            ("agreement", "Agreement"),
            ("policy_id", "Revenue policy"),
            ("policy_version", "Policy version it was recorded under"),
        ),
        _returns,
    ),
    Section(
        "distributions",
        "distributions.csv",
        "Revenue shared",
        (
            ("return_id", "Return number"),
            ("case_reference", "The case"),
            ("party", "innovators, department, organisation, ttc, or innovator (one person)"),
            ("innovator", "Name, for one innovator's share"),
            ("amount_gbp", "Amount, £"),
        ),
        _distributions,
    ),
    Section(
        "audit_trail",
        "audit_trail.csv",
        "The full audit trail",
        (
            ("seq", "Sequence number, without gaps"),
            ("at", "Time (UTC)"),
            ("os_user", "Computer user"),
            ("actor_name", "Display name"),
            ("action", "Action"),
            ("record_kind", "Kind of record"),
            ("record_id", "Which record"),
            ("changes", "Fields before and after, JSON"),
            ("hmac", "HMAC-SHA256 chaining this row to the one before"),
        ),
        _audit,
    ),
)
SECTION_KEYS = tuple(s.key for s in SECTIONS)


@dataclass(frozen=True)
class ExportResult:
    folder: Path
    files: dict[str, dict[str, Any]]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


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
    chosen = [s for s in SECTIONS if s.key in set(sections)]
    if not chosen:
        raise ExportError("Choose at least one section to export.")
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

    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        counts: dict[str, int] = {}
        for section in chosen:
            step(f"Writing {section.file}")
            path = work / section.file
            rows = 0
            with path.open("w", encoding="utf-8-sig", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow([name for name, _meaning in section.columns])
                for row in section.rows(register):
                    writer.writerow(row)  # csv writes Decimal (and any non-text) with str()
                    rows += 1
                    if rows % 5000 == 0 and cancelled is not None and cancelled():
                        raise ExportCancelled("The export was cancelled; nothing was written.")
            counts[section.file] = rows
        if workbook:
            step(f"Writing {WORKBOOK}")
            _write_workbook(work / WORKBOOK, chosen, work)
            counts[WORKBOOK] = sum(counts[s.file] for s in chosen)
        if listing and any(s.key == "cases" for s in chosen):
            step(f"Writing {LISTING}")
            counts[LISTING] = _write_listing(register, work / LISTING)
        step("Writing the manifest")
        head = register.chain_head()
        files = {
            name: {
                "sha256": _sha256(work / name),
                "rows": rows,
                "bytes": (work / name).stat().st_size,
            }
            for name, rows in sorted(counts.items())
        }
        manifest = {
            "format": "nhsip-export",
            "version": 1,
            "generated_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "app_version": __version__,
            "register_id": register.register_id,
            "organisation": register.settings.get("organisation"),
            "audit_chain_head": {"seq": head.seq, "hmac": head.hmac},
            "sections": [s.key for s in chosen],
            "files": files,
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        (work / README).write_text(_readme(chosen, manifest), encoding="utf-8")
        install(work, target)
    except OSError as exc:
        shutil.rmtree(work, ignore_errors=True)
        raise ExportError(f"The export could not be written ({exc.strerror or exc}).") from exc
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
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
            },
        )
    if progress is not None:
        progress(steps, steps, "Done")
    return ExportResult(target, files)


def _write_workbook(path: Path, sections: Sequence[Section], folder: Path) -> None:
    """The same sheets as the CSV files, every cell as text, streamed into the zip.

    Written directly as SpreadsheetML (the parts openpyxl's write-only mode writes, with
    inline strings): about ten times faster than openpyxl on a large register, whose audit
    sheet alone has a million rows, in constant memory and with no temporary files at all.
    Text is never read as a formula: a cell starting with "=" stays text.
    """
    sheets = [section.key[:31] for section in sections]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as book:
        book.writestr("[Content_Types].xml", _content_types(len(sheets)))
        book.writestr("_rels/.rels", _ROOT_RELS)
        book.writestr("xl/workbook.xml", _workbook_xml(sheets))
        book.writestr("xl/_rels/workbook.xml.rels", _workbook_rels(len(sheets)))
        book.writestr("xl/styles.xml", _STYLES)
        for number, section in enumerate(sections, start=1):
            source = folder / section.file
            # A zip entry over 2 GiB needs the zip64 format; only then is it used.
            big = source.stat().st_size * 3 > 1 << 31
            with (
                source.open(encoding="utf-8-sig", newline="") as handle,
                book.open(f"xl/worksheets/sheet{number}.xml", "w", force_zip64=big) as out,
            ):
                _write_sheet(csv.reader(handle), out)


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
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
# Characters XML 1.0 cannot hold at all (openpyxl refuses them); they are dropped.
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


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


def _workbook_xml(names: Sequence[str]) -> str:
    sheets = "".join(
        f'<sheet name="{xml_escape(name, {chr(34): "&quot;"})}" sheetId="{n}" r:id="rId{n}"/>'
        for n, name in enumerate(names, start=1)
    )
    return (
        f'{_XML_HEAD}<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
        f"<sheets>{sheets}</sheets></workbook>"
    )


def _workbook_rels(count: int) -> str:
    rels = "".join(
        f'<Relationship Id="rId{n}" Type="{_REL_NS}/worksheet" Target="worksheets/sheet{n}.xml"/>'
        for n in range(1, count + 1)
    )
    rels += f'<Relationship Id="rId{count + 1}" Type="{_REL_NS}/styles" Target="styles.xml"/>'
    return f'{_XML_HEAD}<Relationships xmlns="{_PKG_REL_NS}">{rels}</Relationships>'


_CELL_OPEN = '<c t="inlineStr"><is><t xml:space="preserve">'
_CELL_CLOSE = "</t></is></c>"
_EMPTY_CELL = _CELL_OPEN + _CELL_CLOSE
_SEPARATOR = "\x1f"  # cannot occur in a cell: XML 1.0 cannot hold it, so it is dropped
_ILLEGAL_JOINED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1e\ufffe\uffff]")  # not the separator


def _write_sheet(rows: Iterator[list[str]], out: IO[bytes]) -> None:
    """One worksheet of inline-string cells, a whole row at a time (no work per cell in
    Python: a million-row sheet takes seconds). Empty cells are written as empty cells, so
    they read back as empty, not as empty text."""
    chunk: list[str] = [f'{_XML_HEAD}<worksheet xmlns="{_MAIN_NS}"><sheetData>']
    append = chunk.append
    for number, row in enumerate(rows, start=1):
        if not row:
            append(f'<row r="{number}"/>')
            continue
        text = _SEPARATOR.join(row)
        if _ILLEGAL_JOINED.search(text) or text.count(_SEPARATOR) != len(row) - 1:
            text = _SEPARATOR.join(_ILLEGAL_XML.sub("", value) for value in row)
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        cells = text.replace(_SEPARATOR, _CELL_CLOSE + _CELL_OPEN)
        append(f'<row r="{number}">{_CELL_OPEN}{cells}{_CELL_CLOSE}</row>')
        if len(chunk) >= 2000:
            out.write("".join(chunk).replace(_EMPTY_CELL, "<c/>").encode("utf-8"))
            chunk.clear()
    append("</sheetData></worksheet>")
    out.write("".join(chunk).replace(_EMPTY_CELL, "<c/>").encode("utf-8"))


def _write_listing(register: Register, path: Path) -> int:
    """A plain PDF listing of every case (reference, stage, received, title), page by page."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    marking = str(register.settings.get("report_marking"))
    organisation = str(register.settings.get("organisation")) or "(organisation not set)"
    head = register.chain_head()
    width, height = A4
    canvas = Canvas(str(path), pagesize=A4, pageCompression=1)
    canvas.setTitle("Register listing")
    rows_per_page, count, page = 52, 0, 0
    cur = register.conn.execute(
        "SELECT reference, stage, received_on, title FROM cases ORDER BY ref_year, ref_number"
    )

    def header() -> None:
        canvas.setFont("Helvetica-Bold", 9)
        canvas.drawCentredString(width / 2, height - 28, marking)
        canvas.drawString(40, height - 46, f"{organisation}: register listing")
        canvas.setFont("Helvetica", 7)
        canvas.drawString(
            40, 24, f"Register {register.register_id} · audit trail #{head.seq} {head.hmac[:12]}"
        )
        canvas.drawCentredString(width / 2, 36, marking)
        canvas.drawRightString(width - 40, 24, f"Page {page}")
        canvas.setFont("Helvetica-Bold", 8)
        for x, text in ((40, "Reference"), (110, "Stage"), (180, "Received"), (240, "Title")):
            canvas.drawString(x, height - 66, text)
        canvas.setFont("Helvetica", 8)

    # One text object a page (not a drawString a cell): a 100,000-case listing is 1,900 pages.
    text: Any = None
    while batch := cur.fetchmany(2000):
        for reference, stage, received, title in batch:
            if count % rows_per_page == 0:
                if count:
                    canvas.drawText(text)
                    canvas.showPage()
                page += 1
                header()
                text = canvas.beginText()
                text.setFont("Helvetica", 8)
            y = height - 80 - (count % rows_per_page) * 13
            for x, value in (
                (40, reference),
                (110, stage.replace("_", " ")),
                (180, _date(received)),
                (240, (title or "(untitled draft)")[:85]),
            ):
                text.setTextOrigin(x, y)
                text.textOut(value)
            count += 1
    if text is not None:
        canvas.drawText(text)
    if count == 0:
        page = 1
        header()
        canvas.drawString(40, height - 80, "No cases recorded.")
    canvas.save()
    return count


def _readme(sections: Sequence[Section], manifest: dict[str, Any]) -> str:
    lines = [
        "IP register: export for audit",
        "=" * 30,
        "",
        f"Organisation:   {manifest['organisation'] or '(not set)'}",
        f"Register id:    {manifest['register_id']}",
        f"Generated:      {manifest['generated_at']} (UTC), nhsip-desktop "
        f"{manifest['app_version']}",
        f"Audit trail:    {manifest['audit_chain_head']['seq']} rows, last HMAC "
        f"{manifest['audit_chain_head']['hmac']}",
        "",
        "This folder is an unencrypted copy of part of an encrypted IP register. Keep it as",
        "securely as the register itself and delete it when the audit is done.",
        "",
        "Checking the files",
        "------------------",
        "manifest.json lists every file with its SHA-256 hash, size and number of data rows.",
        "On Windows (PowerShell):  Get-FileHash -Algorithm SHA256 cases.csv",
        "On Linux or macOS:        sha256sum cases.csv",
        "Compare each hash with manifest.json. With the app: nhsip-desktop verify-export FOLDER",
        "",
        "The CSV files are UTF-8 (with a byte-order mark so Excel opens them), one header row,",
        "dates as YYYY-MM-DD, times in UTC, amounts in pounds with pence. register.xlsx holds",
        "the same rows, one sheet per file. register-listing.pdf lists every case.",
        "",
        "Files and columns",
        "-----------------",
    ]
    for section in sections:
        rows = manifest["files"][section.file]["rows"]
        lines += ["", f"{section.file}: {section.title} ({rows} rows)"]
        lines += [f"  {name}: {meaning}" for name, meaning in section.columns]
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


@dataclass(frozen=True)
class VerifyProblem:
    file: str
    problem: str


def verify_export(folder: Path) -> list[VerifyProblem]:
    """Check every file against manifest.json; an empty list means the pack is intact."""
    manifest_path = folder / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        files = manifest["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return [VerifyProblem(MANIFEST, "missing or unreadable: this is not a complete export")]
    problems = []
    for name, expected in sorted(files.items()):
        path = folder / name
        if not path.is_file():
            problems.append(VerifyProblem(name, "missing"))
            continue
        if _sha256(path) != expected.get("sha256"):
            problems.append(VerifyProblem(name, "changed since the export (SHA-256 differs)"))
        elif path.stat().st_size != expected.get("bytes"):
            problems.append(VerifyProblem(name, "changed since the export (size differs)"))
    listed = set(files) | {MANIFEST, README}
    for path in sorted(folder.iterdir()):
        if path.name not in listed:
            problems.append(VerifyProblem(path.name, "not part of the export"))
    return problems
