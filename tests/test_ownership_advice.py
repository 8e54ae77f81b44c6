"""Issue 23 item 1: every ownership outcome short of "the trust, fairly sure" says what to agree
in writing, with whom, and when to get legal advice (Annex A section 4); the case window and
the dossier show the same points, from the same domain function."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import product
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from nhsip_desktop.cases.disclosure import (
    AgreementKind,
    AgreementRef,
    Answer,
    Contributor,
    Disclosure,
    Funder,
    IpTerms,
    Partner,
    Relationship,
)
from nhsip_desktop.cases.model import IpKind
from nhsip_desktop.cases.ownership import OwnershipAssessment, assess_ownership
from nhsip_desktop.reports.dossier import write_dossier
from nhsip_desktop.store.register import Register

R = Relationship


def _person(rel: Relationship, **kw: Any) -> Contributor:
    return Contributor(name="Alex Smith", relationship=rel, share=Decimal(100), **kw)


def _assess(*team: Contributor, **details: Any) -> OwnershipAssessment:
    return assess_ownership(Disclosure(contributors=list(team), **details))


@pytest.mark.parametrize(
    ("rel", "duties", "assigns", "employer"),
    list(product(Relationship, Answer, Answer, ["", "Leeds Teaching Hospitals"])),
)
def test_every_unsettled_outcome_has_agreement_and_advice(
    rel: Relationship, duties: Answer, assigns: Answer, employer: str
) -> None:
    a = _assess(
        _person(rel, in_course_of_duties=duties, assigns_to_trust=assigns, employer=employer)
    )
    if a.settled:
        assert a.legal_advice == () and a.to_agree == ()
    else:
        assert a.legal_advice, (rel, duties, assigns, a.overall)
        assert a.to_agree, (rel, duties, assigns, a.overall)
        assert all("in writing" in x for x in a.to_agree)


@pytest.mark.parametrize("terms", list(IpTerms))
@pytest.mark.parametrize("kind", ["funder", "partner"])
def test_funder_and_partner_terms_say_what_to_agree(kind: str, terms: IpTerms) -> None:
    extra: dict[str, Any] = (
        {"funders": [Funder(name="Wellcome", ip_terms=terms)]}
        if kind == "funder"
        else {"partners": [Partner(name="Wellcome", agreement_terms=terms)]}
    )
    a = _assess(_person(R.EMPLOYEE_CLINICAL, in_course_of_duties=Answer.YES), **extra)
    if a.settled:
        assert terms is IpTerms.TRUST_OWNS
        assert a.legal_advice == () and a.to_agree == ()
    else:
        assert any("Wellcome" in x for x in a.to_agree)
        assert any("Wellcome" in x for x in a.legal_advice)


def test_secondee_with_no_agreement_on_record() -> None:
    a = _assess(_person(R.SECONDEE, employer="Leeds Teaching Hospitals"))
    assert not a.settled
    assert any(
        "between the trust and Leeds Teaching Hospitals" in x and "in writing" in x
        for x in a.to_agree
    )
    assert any("no agreement with Leeds Teaching Hospitals on record" in x for x in a.legal_advice)


def test_secondee_with_a_signed_agreement_is_asked_to_check_it() -> None:
    signed = dt.date(2025, 3, 1)
    agreement = AgreementRef(AgreementKind.OTHER, "Leeds Teaching Hospitals", signed)
    a = _assess(_person(R.SECONDEE, employer="Leeds Teaching Hospitals"), agreements=[agreement])
    assert any("signed 01/03/2025" in x for x in a.to_agree)
    assert a.legal_advice and not any("no agreement" in x for x in a.legal_advice)


def test_contractor_whose_contract_does_not_assign() -> None:
    a = _assess(_person(R.CONTRACTOR, assigns_to_trust=Answer.NO))
    assert any("licence" in x and "Alex Smith" in x for x in a.to_agree)
    assert any("Alex Smith" in x for x in a.legal_advice)


def test_funder_with_unknown_terms() -> None:
    a = _assess(
        _person(R.EMPLOYEE_CLINICAL, in_course_of_duties=Answer.YES),
        funders=[Funder(name="Northern Fund", ip_terms=IpTerms.UNKNOWN)],
    )
    assert any("Northern Fund" in x and "in writing" in x for x in a.to_agree)
    assert any("Northern Fund" in x and "assign" in x for x in a.legal_advice)


def _secondee_case(register: Register) -> int:
    d = Disclosure(
        problem="Night handover misses drug changes.",
        contributors=[_person(R.SECONDEE, employer="Leeds Teaching Hospitals")],
    )
    case = register.cases.save_disclosure(
        None, title="Handover board", summary="", ip_kinds=[IpKind.COPYRIGHT], disclosure=d
    )
    return case.id


def test_dossier_and_case_window_show_the_same_points(
    qtbot: Any, register: Register, tmp_path: Path
) -> None:
    from PySide6.QtWidgets import QApplication

    from nhsip_desktop.ui.case_editor import OWNERSHIP_TAB
    from nhsip_desktop.ui.main_window import MainWindow
    from nhsip_desktop.ui.session import RegisterSession

    case_id = _secondee_case(register)
    expected = assess_ownership(register.cases.details(case_id))
    assert expected.to_agree and expected.legal_advice

    written = write_dossier(register, case_id, tmp_path / "dossier.pdf")
    pdf = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(written).pages)
    assert "What to agree in writing, and with whom" in pdf
    assert "When to get legal advice" in pdf
    assert "no point calls for legal advice" not in pdf

    session = RegisterSession()
    session.attach(register)
    win = MainWindow(session)
    qtbot.addWidget(win)
    win.show()
    editor = win.open_case(case_id)
    assert editor is not None
    editor.tabs.setCurrentIndex(OWNERSHIP_TAB)
    QApplication.processEvents()
    shown = " ".join(editor.ownership_view.toPlainText().split())
    assert "What to agree in writing, and with whom" in shown
    assert "When to get legal advice" in shown
    for point in (*expected.to_agree, *expected.legal_advice):
        assert point in shown
        # the PDF wraps lines; compare word by word, ignoring hyphenation at line ends
        assert " ".join(point.split()[:6]) in pdf
    editor.close()
    session.lock()
