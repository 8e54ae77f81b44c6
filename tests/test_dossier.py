"""The case dossier PDF: the whole case, marked and traceable on every page, and audited."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from nhsip_desktop.cases.disclosure import (
    AgreementKind,
    AgreementRef,
    Answer,
    Contributor,
    Disclosure,
    DisclosureKind,
    ExternalDisclosure,
    Relationship,
)
from nhsip_desktop.cases.model import IpKind, Stage
from nhsip_desktop.reports.atomic import ReportWriteError
from nhsip_desktop.reports.dossier import DOSSIER_SECTIONS, write_dossier
from nhsip_desktop.store.register import Register

TODAY = dt.date.today()
MARKING = "OFFICIAL-SENSITIVE: COMMERCIAL"
ATTACHMENT = b"Drawing of the splint, version 3\n" * 40


def _disclosure(agreements: int = 0) -> Disclosure:
    return Disclosure(
        problem="Cannulas slip on small hands, so children are re-cannulated.",
        novelty="A soft splint that holds the cannula without tape.",
        normal_duties=Answer.YES,
        contributors=[
            Contributor(
                name="Aoife Kelly",
                job_title="Paediatric nurse",
                department="Children's ward",
                relationship=Relationship.EMPLOYEE_CLINICAL,
                share=Decimal(70),
                in_course_of_duties=Answer.YES,
            ),
            Contributor(
                name="Sam Okafor",
                relationship=Relationship.UNDERGRADUATE,
                employer="Northshire University",
                share=Decimal(30),
            ),
        ],
        agreements=[
            AgreementRef(AgreementKind.NDA, f"Splint Partner {n:02d} Ltd", TODAY)
            for n in range(1, agreements + 1)
        ],
        external_disclosures=[
            ExternalDisclosure(
                DisclosureKind.TALK,
                TODAY + dt.timedelta(days=12),
                planned=True,
                description="Regional paediatric nursing conference",
            )
        ],
    )


def _case(register: Register, title: str = "Cannula splint", agreements: int = 0) -> int:
    case = register.cases.save_disclosure(
        None,
        title=title,
        summary="A soft, washable splint for cannulas in small hands. " * 30,
        ip_kinds=[IpKind.INVENTION, IpKind.DESIGN],
        disclosure=_disclosure(agreements),
    )
    register.cases.change_stage(case.id, Stage.SUBMITTED)
    return case.id


def _pdftotext_pages(path: Path) -> list[str] | None:
    tool = shutil.which("pdftotext")
    if tool is None:
        return None
    out = subprocess.run([tool, "-layout", str(path), "-"], capture_output=True, check=True)
    pages = out.stdout.decode("utf-8").split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_dossier_holds_the_whole_case_on_marked_pages(tmp_path: Path, register: Register) -> None:
    case_id = _case(register, agreements=60)
    info = register.attachments.add(case_id, "splint-drawing.txt", ATTACHMENT)
    case = register.cases.get(case_id)
    head = register.chain_head()
    target = tmp_path / "out" / "dossier.pdf"
    target.parent.mkdir()

    assert write_dossier(register, case_id, target) == target

    reader = PdfReader(target)
    pages = [page.extract_text() for page in reader.pages]
    total = len(pages)
    assert total >= 3
    poppler = _pdftotext_pages(target)
    texts = [("pypdf", pages)] + ([("pdftotext", poppler)] if poppler is not None else [])
    for tool, per_page in texts:
        assert len(per_page) == total, tool
        for number, page in enumerate(per_page, 1):
            flat = _flat(page)
            assert flat.count(MARKING) >= 2, (tool, number)  # header and footer
            assert f"Page {number} of {total}" in flat, (tool, number)
            assert f"Register {register.register_id}" in flat, (tool, number)
            assert f"audit trail #{head.seq} {head.hmac[:12]}" in flat, (tool, number)
            assert f"Generated {TODAY:%d/%m/%Y}" in flat, (tool, number)
        whole = _flat("\n".join(per_page))
        for expected in (
            "Cannula splint",
            case.reference,
            "Submitted",
            "Aoife Kelly",
            "Sam Okafor",
            "70%",
            "30%",
            "Total share: 100%",
            "Annex A, section 4: employees",
            "Annex A, section 4: students",
            "URGENT:",
            info.sha256,
            "splint-drawing.txt",
            "Splint Partner 60 Ltd",
            f"{TODAY:%d/%m/%Y}",
            "Regional paediatric nursing conference",
            "Undergraduate student",
            "Invention; Design",
        ):
            assert expected in whole, (tool, expected)
        for section in DOSSIER_SECTIONS:
            assert section in whole, (tool, section)
    assert info.sha256 == hashlib.sha256(ATTACHMENT).hexdigest()
    # The attachment's content never leaves the register.
    assert "Drawing of the splint, version 3" not in _flat("\n".join(pages))
    # The metadata names the report, not the case's title.
    assert reader.metadata is not None and "Cannula" not in str(reader.metadata.title)

    last = next(register.audit.entries())
    assert (last.action, last.record_kind, last.record_id) == ("report", "report", "dossier")
    assert last.changes["file"] == [None, "dossier.pdf"]
    assert last.changes["sections"] == [None, list(DOSSIER_SECTIONS)]
    assert last.seq == head.seq + 1
    assert register.verify_audit().ok


def test_markup_characters_in_register_text_render(tmp_path: Path, register: Register) -> None:
    case_id = _case(register, title="R&D <draft> splint & tape")
    target = tmp_path / "dossier.pdf"

    write_dossier(register, case_id, target)

    text = _flat("\n".join(page.extract_text() for page in PdfReader(target).pages))
    assert "R&D <draft> splint & tape" in text


def test_empty_sections_say_none_recorded(tmp_path: Path, register: Register) -> None:
    case = register.cases.save_disclosure(
        None, title="Bare idea", summary="", ip_kinds=[], disclosure=Disclosure()
    )
    target = tmp_path / "dossier.pdf"

    write_dossier(register, case.id, target)

    text = _flat("\n".join(page.extract_text() for page in PdfReader(target).pages))
    assert text.count("None recorded") >= 8
    assert "URGENT" not in text
    assert "Draft" in text


def test_dossier_is_written_atomically(tmp_path: Path, register: Register) -> None:
    case_id = _case(register)
    folder = tmp_path / "reports"
    folder.mkdir()
    target = folder / "dossier.pdf"
    target.write_bytes(b"old report")

    write_dossier(register, case_id, target)

    assert sorted(p.name for p in folder.iterdir()) == ["dossier.pdf"]
    assert target.read_bytes().startswith(b"%PDF-")


def test_missing_folder_raises_and_records_nothing(tmp_path: Path, register: Register) -> None:
    case_id = _case(register)
    before = register.chain_head()

    with pytest.raises(ReportWriteError, match="does not exist"):
        write_dossier(register, case_id, tmp_path / "missing" / "dossier.pdf")

    assert register.chain_head() == before
    assert not (tmp_path / "missing").exists()


def test_dossier_of_an_active_case_is_its_evidence_file(tmp_path: Path, register: Register) -> None:
    """Decisions with reasons, feedback, rights and renewals, agreements, money, stage
    history, attachments and audit rows, and nothing that contradicts the stage."""
    from nhsip_desktop.agreements.model import Agreement, AgreementKind, LicenceType
    from nhsip_desktop.assets.rights import Right, RightStatus, RightType
    from nhsip_desktop.finance.ledgers import CostCategory, CostEntry
    from nhsip_desktop.finance.revenue import ReturnKind
    from nhsip_desktop.reports.letter import write_feedback_letter

    case_id = _case(register)
    register.cases.change_stage(case_id, Stage.IN_TRIAGE)
    register.assessments.record_decision(
        case_id,
        "triage",
        outcome="develop_protect",
        outcome_label="Develop and protect",
        rationale="Novel clip geometry; a licensee has asked about it.",
        decided_on=TODAY,
        decision_maker="Alex Morgan",
    )
    write_feedback_letter(register, case_id, tmp_path / "letter.pdf")
    register.cases.change_stage(case_id, Stage.DECISION_MADE)
    register.cases.change_stage(case_id, Stage.ACTIVE)
    right = register.rights.save(
        Right(
            None,
            RightType.PATENT,
            "GB",
            "Cannula splint patent",
            application_number="GB2301234.5",
            registration_number="GB2609876",
            filing_date=dt.date(2022, 3, 14),
            grant_date=dt.date(2024, 9, 1),
            status=RightStatus.GRANTED,
            owners="The trust",
            case_id=case_id,
        )
    )
    assert right.id is not None
    register.agreements.save(
        Agreement(
            kind=AgreementKind.LICENCE_OUT,
            title="Splint licence to Acme Medical",
            parties=["Acme Medical Ltd"],
            signed_on=TODAY - dt.timedelta(days=20),
            licence_type=LicenceType.NON_EXCLUSIVE,
            field_of_use="Paediatrics",
            territory="United Kingdom",
            case_ids=[case_id],
            right_ids=[right.id],
        )
    )
    register.costs.add(
        CostEntry(
            TODAY - dt.timedelta(days=10),
            CostCategory.ATTORNEY,
            Decimal("1850.00"),
            Decimal("370.00"),
            supplier="Example Attorneys LLP",
            case_id=case_id,
        )
    )
    register.returns.add(
        case_id,
        received_on=TODAY - dt.timedelta(days=5),
        gross=Decimal("12000.00"),
        deductible=Decimal("2220.00"),
        kind=ReturnKind.LICENCE_FEE,
        description="Upfront licence fee",
    )
    register.attachments.add(case_id, "splint-drawing.txt", ATTACHMENT)
    target = tmp_path / "dossier.pdf"

    write_dossier(register, case_id, target)

    pages = _pdftotext_pages(target)
    if pages is None:
        pages = [page.extract_text() for page in PdfReader(target).pages]
    text = _flat("\n".join(pages))
    for expected in (
        "Decisions and reasons",
        "Triage: Develop and protect",
        "Novel clip geometry; a licensee has asked about it.",
        "Alex Morgan",
        f"Feedback given {TODAY:%d/%m/%Y}",
        "Rights and renewals",
        "Cannula splint patent",
        "GB2301234.5 / GB2609876",
        "Renewal year",
        "Splint licence to Acme Medical",
        "Acme Medical Ltd",
        "Licence out",
        "Example Attorneys LLP",
        "£2,220.00",
        "£12,000.00",
        "£9,780.00",  # net of the return
        "How each return is shared",
        "Aoife Kelly",
        hashlib.sha256(ATTACHMENT).hexdigest(),
        "Audit trail",
        "insert decision",
        "insert right",
        "insert return",
        "stage case",
    ):
        assert expected in text, expected
    flat = _flat(" ".join(p.extract_text() for p in PdfReader(target).pages))
    history = flat[flat.index("14. Stage history") : flat.index("15. Audit trail")]
    for stage in ("Draft", "Submitted", "In triage", "Decision made", "Active"):
        assert re.search(stage.replace(" ", r"\s+"), history), stage
    assert "has not moved from Draft" not in text
    assert "Feedback due Not recorded" not in text
    assert "Not yet recorded" not in text  # feedback was given
    assert "None recorded: no agreement is linked" not in text


def test_partner_kinds_read_the_same_in_the_dossier_as_on_the_form(
    tmp_path: Path, register: Register
) -> None:
    """One set of words for a partner's kind: the dossier said "NHS body" where the form and
    the case window say "Another NHS body"."""
    from nhsip_desktop.cases.disclosure import Partner, PartnerKind
    from nhsip_desktop.interchange.disclosure_form import PARTNER_KIND_LABELS

    disclosure = _disclosure()
    disclosure.partners = [
        Partner(name="Neighbouring Trust", kind=PartnerKind.NHS_BODY),
        Partner(name="Leeds BRC", kind=PartnerKind.HOSTED_BODY),
    ]
    case = register.cases.save_disclosure(
        None, title="Shared splint", summary="", ip_kinds=[IpKind.INVENTION], disclosure=disclosure
    )
    out = write_dossier(register, case.id, tmp_path / "dossier.pdf")
    text = _flat(" ".join(page.extract_text() for page in PdfReader(str(out)).pages))
    for kind in (PartnerKind.NHS_BODY, PartnerKind.HOSTED_BODY):
        assert PARTNER_KIND_LABELS[kind] == kind.label
        assert kind.label in text, kind.label
