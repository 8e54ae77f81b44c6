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

from nhsip_desktop.cases import IpKind, Stage
from nhsip_desktop.disclosure import Answer, Contributor, Disclosure, Relationship
from nhsip_desktop.reports.letter import write_feedback_letter
from nhsip_desktop.stages import effective_next_action
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
            "Dear colleagues",
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
