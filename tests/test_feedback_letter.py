"""The feedback letter: outcome, reasons and next steps from the triage decision, on marked
pages; writing it records that feedback was given and is audited (guidance step 5)."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from nhsip_desktop.cases.disclosure import Answer, Contributor, Disclosure, Relationship
from nhsip_desktop.cases.model import IpKind, Stage
from nhsip_desktop.cases.stages import effective_next_action
from nhsip_desktop.reports.letter import write_feedback_letter
from nhsip_desktop.store.errors import ValidationError
from nhsip_desktop.store.register import Register

TODAY = dt.date.today()
MARKING = "OFFICIAL-SENSITIVE: COMMERCIAL"
TITLE = "Cannula splint for small hands"
OUTCOME_LABEL = "Adopt or share without commercialisation"
RATIONALE = (
    "The splint already works well on Ward 7 and the best way to help children elsewhere is "
    "to share the pattern freely with other paediatric units."
)


def _case(register: Register) -> int:
    disclosure = Disclosure(
        problem="Cannulas slip on small hands, so children are re-cannulated.",
        novelty="A soft splint that holds the cannula without tape.",
        normal_duties=Answer.YES,
        contributors=[
            Contributor(
                name="Aoife Kelly",
                job_title="Paediatric nurse",
                relationship=Relationship.EMPLOYEE_CLINICAL,
                share=Decimal(60),
                in_course_of_duties=Answer.YES,
            ),
            Contributor(
                name="Sam Okafor",
                job_title="Play specialist",
                relationship=Relationship.EMPLOYEE_NON_CLINICAL,
                share=Decimal(40),
                in_course_of_duties=Answer.YES,
            ),
        ],
    )
    case = register.cases.save_disclosure(
        None,
        title=TITLE,
        summary="A soft, washable splint for cannulas in small hands.",
        ip_kinds=[IpKind.DESIGN],
        disclosure=disclosure,
    )
    register.cases.change_stage(case.id, Stage.SUBMITTED)
    return case.id


def _decide(register: Register, case_id: int) -> None:
    register.assessments.record_decision(
        case_id,
        "triage",
        outcome="adopt_share",
        outcome_label=OUTCOME_LABEL,
        rationale=RATIONALE,
        decided_on=TODAY,
        decision_maker="Alex Morgan",
    )


def _pdftotext_pages(path: Path) -> list[str] | None:
    tool = shutil.which("pdftotext")
    if tool is None:
        return None
    out = subprocess.run([tool, "-layout", str(path), "-"], capture_output=True, check=True)
    pages = out.stdout.decode("utf-8").split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _window(register: Register) -> int:
    return int(register.settings.get("disclosure_alert_days"))


def test_letter_gives_the_decision_and_records_feedback(tmp_path: Path, register: Register) -> None:
    case_id = _case(register)
    _decide(register, case_id)
    case = register.cases.get(case_id)
    before = effective_next_action(case, today=TODAY, window_days=_window(register))
    assert before.text == "Give the innovator feedback"
    target = tmp_path / "letter.pdf"

    assert write_feedback_letter(register, case_id, target, today=TODAY) == target

    reader = PdfReader(target)
    pages = [page.extract_text() for page in reader.pages]
    total = len(pages)
    assert 1 <= total <= 2
    poppler = _pdftotext_pages(target)
    texts = [("pypdf", pages)] + ([("pdftotext", poppler)] if poppler is not None else [])
    for tool, per_page in texts:
        assert len(per_page) == total, tool
        for number, page in enumerate(per_page, 1):
            flat = _flat(page)
            assert flat.count(MARKING) >= 2, (tool, number)  # header and footer
            assert f"Page {number} of {total}" in flat, (tool, number)
        whole = _flat("\n".join(per_page))
        for expected in (
            "Test Trust",
            f"{TODAY:%d/%m/%Y}",
            "Dear Aoife Kelly and Sam Okafor,",
            "To: Aoife Kelly and Sam Okafor",
            f"Your idea: {TITLE} ({case.reference})",
            OUTCOME_LABEL,
            RATIONALE,
            "Alex Morgan",
            "Innovation and IP lead",
            "Confidential",
        ):
            assert expected in whole, (tool, expected)

    after = register.cases.get(case_id)
    assert after.feedback_given_on == TODAY
    action = effective_next_action(after, today=TODAY, window_days=_window(register))
    assert "feedback" not in action.text.lower()
    newest = next(register.audit.entries())
    assert newest.action == "report"
    assert newest.record_id == "feedback-letter"
    assert newest.changes["file"] == [None, "letter.pdf"]


def test_own_next_steps_replace_the_default(tmp_path: Path, register: Register) -> None:
    case_id = _case(register)
    _decide(register, case_id)
    target = tmp_path / "letter.pdf"
    own = "Please come to the clinical effectiveness meeting on Thursday to present the splint."

    write_feedback_letter(register, case_id, target, next_steps=own)

    whole = _flat("\n".join(page.extract_text() for page in PdfReader(target).pages))
    assert own in whole
    assert "This is a real success" not in whole


def test_no_triage_decision_writes_nothing(tmp_path: Path, register: Register) -> None:
    case_id = _case(register)
    target = tmp_path / "letter.pdf"
    seq = register.chain_head().seq

    with pytest.raises(ValidationError, match="Record the triage decision before writing"):
        write_feedback_letter(register, case_id, target, today=TODAY)

    assert not target.exists()
    assert list(tmp_path.glob("*.pdf")) == []
    assert register.cases.get(case_id).feedback_given_on is None
    assert register.chain_head().seq == seq


def _letter_text(target: Path) -> str:
    """The letter as poppler reads it (pypdf when poppler is not installed)."""
    pages = _pdftotext_pages(target)
    if pages is None:
        pages = [page.extract_text() for page in PdfReader(target).pages]
    return _flat("\n".join(pages))


def test_letter_fit_to_send(tmp_path: Path, register: Register) -> None:
    """Title and surname, the signer's name and role once each, the IP lead's email and
    phone from the settings, and no register id or audit hash."""
    case = register.cases.save_disclosure(
        None,
        title=TITLE,
        summary="A soft splint.",
        ip_kinds=[IpKind.DESIGN],
        disclosure=Disclosure(
            problem="Cannulas slip.",
            contributors=[Contributor(name="Mr Owen Lloyd", share=Decimal(100))],
        ),
    )
    register.cases.change_stage(case.id, Stage.SUBMITTED)
    register.assessments.record_decision(
        case.id,
        "triage",
        outcome="more_information",
        outcome_label="More information needed",
        rationale="We need drawings.",
        decided_on=TODAY,
        decision_maker="Alex Morgan, Innovation and IP lead",
    )
    register.settings.update(
        ip_lead_name="Dr Alex Morgan",
        ip_lead_role="Head of Innovation",
        ip_lead_email="alex.morgan@nhs.net",
        ip_lead_phone="01234 567890",
    )
    head = register.chain_head()
    target = tmp_path / "letter.pdf"

    write_feedback_letter(register, case.id, target, today=TODAY)

    text = _letter_text(target)
    assert "Dear Mr Lloyd," in text
    assert "Dear Mr Owen Lloyd" not in text
    assert "To: Mr Owen Lloyd" in text
    assert text.count("Dr Alex Morgan") >= 1
    assert text.count("Head of Innovation") == 1  # the role once, under the name
    assert "Innovation and IP lead" not in text  # the settings' role, not the default
    assert "by email to alex.morgan@nhs.net or by telephone on 01234 567890" in text
    assert "Email: alex.morgan@nhs.net" in text and "Telephone: 01234 567890" in text
    assert register.register_id not in text
    assert head.hmac[:12] not in text and "audit trail" not in text


def test_letter_without_lead_settings_prints_the_role_once(
    tmp_path: Path, register: Register
) -> None:
    case_id = _case(register)
    register.assessments.record_decision(
        case_id,
        "triage",
        outcome="more_information",
        outcome_label="More information needed",
        rationale="We need drawings.",
        decided_on=TODAY,
        decision_maker="Alex Morgan, Innovation and IP lead",
    )
    target = tmp_path / "letter.pdf"

    write_feedback_letter(register, case_id, target, today=TODAY)

    text = _letter_text(target)
    assert text.count("Innovation and IP lead") == 1
    assert "Alex Morgan" in text
    assert "or by email" not in text  # no address to send to: not promised


def test_salutations() -> None:
    from nhsip_desktop.core.salutation import greeting, salutation

    assert salutation("Mr Owen Lloyd") == "Mr Lloyd"
    assert salutation("Dr. Amira Haddad") == "Dr Haddad"
    assert salutation("Prof Dr Ann Lee") == "Professor Lee"
    assert salutation("Sir John Smith") == "Sir John"
    assert salutation("Jane Smith, MBE") == "Jane Smith"
    assert salutation("Owen Lloyd") == "Owen Lloyd"
    assert greeting(["Mr Owen Lloyd", "Dr Amira Haddad"]) == "Dear Mr Lloyd and Dr Haddad,"
    assert greeting(["A B", "C D", "E F"]) == "Dear colleagues,"
    assert greeting(["", "Mr"]) == "Dear colleague,"


def test_statement_says_whom_to_contact(tmp_path: Path, register: Register) -> None:
    from nhsip_desktop.finance.revenue import ReturnKind, ReturnLine, distribute, example_policy
    from nhsip_desktop.reports.statement import write_innovator_statement

    case_id = _case(register)
    register.settings.update(ip_lead_name="Dr Alex Morgan", ip_lead_email="alex.morgan@nhs.net")
    people = register.cases.details(case_id).contributors
    policy = example_policy()
    lines = [ReturnLine(1, TODAY, Decimal(1000), Decimal(0), ReturnKind.ROYALTY, "")]
    target = write_innovator_statement(
        register,
        case_id,
        people[0].key,
        tmp_path / "statement.pdf",
        distributions=distribute(policy, lines, people),
        policy=policy,
    )
    text = _letter_text(target)
    assert (
        "please contact Dr Alex Morgan, Innovation and IP lead (alex.morgan@nhs.net) before it "
        "is paid" in text
    )


def test_statement_footer_shows_no_register_internals(tmp_path: Path, register: Register) -> None:
    """The innovator's statement leaves the trust: its footer carries no register id and no
    audit-trail hash (an internal paper from the same register does, read the same way)."""
    from nhsip_desktop.finance.revenue import ReturnKind, ReturnLine, distribute, example_policy
    from nhsip_desktop.reports.dossier import write_dossier
    from nhsip_desktop.reports.statement import write_innovator_statement

    case_id = _case(register)
    people = register.cases.details(case_id).contributors
    policy = example_policy()
    lines = [ReturnLine(1, TODAY, Decimal(1000), Decimal(0), ReturnKind.ROYALTY, "")]
    head = register.chain_head()
    statement = write_innovator_statement(
        register,
        case_id,
        people[0].key,
        tmp_path / "statement.pdf",
        distributions=distribute(policy, lines, people),
        policy=policy,
    )
    text = _letter_text(statement)
    assert "Revenue-sharing statement" in text and "Aoife Kelly" in text
    assert register.register_id not in text
    assert head.hmac[:12] not in text and "audit trail" not in text

    internal = _letter_text(write_dossier(register, case_id, tmp_path / "dossier.pdf"))
    assert register.register_id in internal and "audit trail" in internal
