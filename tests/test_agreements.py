"""Agreements (steps 2, 7, 8, 9 and Annex B): the domain rules and warnings, and the store on a
real encrypted register: gap-free references, links to cases, audited changes, encrypted
documents, obligations and TTC reviews as deadlines."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from pathlib import Path

import pytest

from nhsip_desktop.agreements.model import (
    KIND_AGREEMENT,
    KIND_OBLIGATION,
    KIND_TTC_REVIEW,
    Agreement,
    AgreementKind,
    LicenceType,
    Obligation,
    TtcReview,
    agreement_deadlines,
    agreement_warnings,
    financial_quarter,
    normalise_agreement,
    review_with_defaults,
    validate_agreement,
    validate_ttc_review,
)
from nhsip_desktop.assets.renewals import add_months, upcoming
from nhsip_desktop.store.agreements import MAX_AGREEMENT_FILE_BYTES, AgreementManager
from nhsip_desktop.store.errors import ValidationError
from nhsip_desktop.store.register import Changes, Register

TODAY = dt.date.today()
YEAR = TODAY.year


def days(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


def licence(**changes: object) -> Agreement:
    a = Agreement(
        kind=AgreementKind.LICENCE_OUT,
        title="Licence of the cutting-guide software",
        parties=["Acme Medical Ltd"],
        signed_on=days(-30),
        licence_type=LicenceType.NON_EXCLUSIVE,
        field_of_use="Orthopaedic surgery",
        territory="United Kingdom",
    )
    for name, value in changes.items():
        setattr(a, name, value)
    return a


def fields(problems: list[tuple[str, str]]) -> list[str]:
    return [f for f, _m in problems]


@pytest.fixture
def manager(register: Register) -> AgreementManager:
    return AgreementManager(register)


# -- domain ----------------------------------------------------------------------------------
def test_labels_explain_each_kind_and_licence_type() -> None:
    assert all(k.label for k in AgreementKind)
    assert "licensor cannot" in LicenceType.EXCLUSIVE.label
    assert "licensor can still use it" in LicenceType.SOLE.label
    assert "many licensees" in LicenceType.NON_EXCLUSIVE.label


def test_a_complete_licence_is_valid_and_round_trips_through_json() -> None:
    a = licence(
        obligations=[Obligation("Send royalty report", days(20), "Acme Medical Ltd", key="o1")],
        case_ids=[3],
        right_ids=[4],
        notice_days=90,
        end_on=days(700),
        renewal_on=days(600),
    )
    assert validate_agreement(a, TODAY) == []
    assert agreement_warnings(a) == []
    assert Agreement.from_json(a.to_json()) == a


def test_hard_errors_title_party_future_signing_end_before_start() -> None:
    a = licence(title=" ", parties=["  "], signed_on=days(1), start_on=days(10), end_on=days(5))
    assert fields(validate_agreement(a, TODAY)) == ["title", "parties", "signed_on", "end_on"]
    # Without a start date the end is checked against the signing date.
    b = licence(signed_on=days(-10), end_on=days(-10))
    assert fields(validate_agreement(b, TODAY)) == ["end_on"]


def test_licence_fields_only_on_licences_and_licence_back_only_on_assignments() -> None:
    nda = licence(kind=AgreementKind.NDA, licence_back=True)
    assert fields(validate_agreement(nda, TODAY)) == [
        "licence_type",
        "field_of_use",
        "territory",
        "licence_back",
    ]
    assignment = Agreement(
        kind=AgreementKind.ASSIGNMENT, title="Assignment", parties=["Spinout Ltd"]
    )
    assert validate_agreement(assignment, TODAY) == []


def test_obligations_need_text_and_owner_and_cannot_be_done_in_the_future() -> None:
    a = licence(obligations=[Obligation(" ", owner=" ", done_on=days(3))])
    problems = validate_agreement(a, TODAY)
    assert fields(problems) == ["obligations"] * 3
    assert all(m.startswith("Obligation 1:") for _f, m in problems)


def test_exclusive_licence_without_justification_is_a_warning_not_an_error() -> None:
    a = licence(licence_type=LicenceType.EXCLUSIVE)
    assert validate_agreement(a, TODAY) == []
    (warning,) = agreement_warnings(a)
    assert "Step 2" in warning and "exceptional circumstances" in warning
    assert "legal advice" in warning
    a.exclusive_justification = "Only partner able to fund trials; legal advice 03/2026."
    assert agreement_warnings(a) == []
    # Taking an exclusive licence in is not what step 2 warns about.
    taken = licence(kind=AgreementKind.LICENCE_IN, licence_type=LicenceType.EXCLUSIVE)
    assert agreement_warnings(taken) == []


@pytest.mark.parametrize("kind", [AgreementKind.ASSIGNMENT, AgreementKind.HAND_BACK])
@pytest.mark.parametrize("licence_back", [None, False])
def test_assignment_or_hand_back_without_licence_back_warns(
    kind: AgreementKind, licence_back: bool | None
) -> None:
    a = Agreement(kind=kind, title="Transfer", parties=["Spinout Ltd"], licence_back=licence_back)
    assert validate_agreement(a, TODAY) == []
    (warning,) = agreement_warnings(a)
    assert "licence back" in warning and "patient care, teaching and research" in warning
    a.licence_back = True
    assert agreement_warnings(a) == []


def test_ttc_agreement_without_obligations_or_review_dates_warns() -> None:
    ttc = Agreement(kind=AgreementKind.TTC_SERVICES, title="TTC services", parties=["Uni TTO"])
    warnings = agreement_warnings(ttc)
    assert len(warnings) == 2
    assert "No obligations" in warnings[0] and "next TTC performance review" in warnings[1]
    ttc.obligations = [Obligation("Quarterly report on pipeline and financials", owner="Uni TTO")]
    ttc.start_on = days(-10)
    assert agreement_warnings(ttc) == []


def test_normalise_strips_drops_blank_parties_and_keys_obligations() -> None:
    a = licence(
        title="  Licence  ",
        parties=[" Acme ", "", "  "],
        case_ids=[2, 1, 2],
        obligations=[
            Obligation(" Report ", key="o4"),
            Obligation("Pay", owner=" Acme "),
            Obligation("Audit"),
        ],
    )
    n = normalise_agreement(a)
    assert (n.title, n.parties, n.case_ids) == ("Licence", ["Acme"], [2, 1])
    assert [(o.text, o.owner, o.key) for o in n.obligations] == [
        ("Report", "trust", "o4"),
        ("Pay", "Acme", "o5"),
        ("Audit", "trust", "o6"),
    ]
    assert a.obligations[1].key == ""  # the original is left as it was


def test_financial_quarters_and_review_defaults() -> None:
    assert financial_quarter(dt.date(2026, 11, 15)) == "Q3 2026-27"
    assert financial_quarter(dt.date(2027, 3, 31)) == "Q4 2026-27"
    assert financial_quarter(dt.date(2026, 4, 1)) == "Q1 2026-27"
    review = review_with_defaults(TtcReview(1, dt.date(2027, 1, 10), summary=" ok "))
    assert review.period == "Q3 2026-27"  # the quarter looked back on
    assert review.next_review == dt.date(2027, 4, 10)
    assert review.summary == "ok"
    kept = review_with_defaults(TtcReview(1, dt.date(2027, 1, 10), next_review=dt.date(2027, 2, 1)))
    assert kept.next_review == dt.date(2027, 2, 1)


def test_ttc_review_validation_and_json() -> None:
    good = TtcReview(
        7,
        days(-1),
        "Q1 2026-27",
        licences_executed=2,
        revenue=Decimal("1234.50"),
        active_licences=5,
        days_to_licence=94,
        summary="On track",
        formal_annual=True,
        next_review=days(90),
        reviewer="IP lead",
        id=3,
    )
    assert validate_ttc_review(good, TODAY) == []
    assert TtcReview.from_json(good.to_json()) == good
    assert good.to_json()["revenue"] == "1234.50"
    bad = TtcReview(
        7,
        days(1),
        " ",
        licences_executed=-1,
        revenue=Decimal("-0.001"),
        days_to_licence=-2,
        next_review=days(1),
    )
    assert fields(validate_ttc_review(bad, TODAY)) == [
        "reviewed_on",
        "period",
        "summary",
        "reviewer",
        "licences_executed",
        "days_to_licence",
        "revenue",
        "next_review",
    ]


def test_agreement_deadlines_end_notice_renewal_and_obligations() -> None:
    a = licence(
        id=5,
        reference="AG-2026-0005",
        end_on=days(100),
        notice_days=90,
        renewal_on=days(60),
        obligations=[
            Obligation("Royalty report", days(-3), "Acme Medical Ltd", key="o1"),
            Obligation("Give clinical input", days(40), key="o2"),
            Obligation("Already sent", days(-20), done_on=days(-21), key="o3"),
            Obligation("On request, no date", key="o4"),
        ],
    )
    found = {d.source_id: d for d in agreement_deadlines(a, TODAY)}
    assert set(found) == {
        "agreement:5:obligation:o1",
        "agreement:5:obligation:o2",
        "agreement:5:end",
        "agreement:5:notice",
        "agreement:5:renewal",
    }
    assert all(d.reference == "AG-2026-0005" for d in found.values())
    overdue = found["agreement:5:obligation:o1"]
    assert overdue.kind == KIND_OBLIGATION and overdue.urgent
    assert "Royalty report" in overdue.text and "Acme Medical Ltd" in overdue.text
    assert not found["agreement:5:obligation:o2"].urgent
    notice = found["agreement:5:notice"]
    assert notice.kind == KIND_AGREEMENT and notice.due == days(10) and notice.urgent
    assert found["agreement:5:end"].due == days(100) and not found["agreement:5:end"].urgent
    # Long after the end, the end, notice and renewal dates leave the list.
    later = agreement_deadlines(a, days(200))
    assert {d.source_id for d in later} == {
        "agreement:5:obligation:o1",
        "agreement:5:obligation:o2",
    }


def test_ttc_review_deadline_from_start_then_from_latest_review() -> None:
    start = days(-80)
    ttc = Agreement(
        id=9,
        reference="AG-2026-0009",
        kind=AgreementKind.TTC_SERVICES,
        title="TTC services",
        parties=["Uni TTO"],
        start_on=start,
    )
    (first,) = agreement_deadlines(ttc, TODAY)
    assert first.kind == KIND_TTC_REVIEW and first.due == add_months(start, 3)
    assert first.urgent and first.text.startswith("Quarterly TTC review")
    review = TtcReview(9, days(-1), "Q1", next_review=days(89), id=1)
    (second,) = agreement_deadlines(ttc, TODAY, [review])
    assert second.due == days(89) and not second.urgent
    # A year on from the start with no formal review held, the next one is the formal one.
    late = TtcReview(9, add_months(start, 9), "Q3", next_review=add_months(start, 12), id=2)
    (annual,) = agreement_deadlines(ttc, TODAY, [review, late])
    assert annual.text.startswith("Formal annual TTC performance review")


# -- store -----------------------------------------------------------------------------------
def test_references_are_gap_free_per_year_and_never_reused(manager: AgreementManager) -> None:
    first = manager.save(licence())
    second = manager.save(licence(title="Second licence"))
    assert (first.reference, second.reference) == (f"AG-{YEAR}-0001", f"AG-{YEAR}-0002")
    other_year = manager.save(licence(title="Back-dated"), year=YEAR - 1)
    assert other_year.reference == f"AG-{YEAR - 1}-0001"
    assert second.id is not None
    manager.delete(second.id)
    assert manager.save(licence(title="Third")).reference == f"AG-{YEAR}-0003"


def test_invalid_agreement_is_refused_with_every_problem_and_uses_no_reference(
    register: Register, manager: AgreementManager
) -> None:
    with pytest.raises(ValidationError) as caught:
        manager.save(licence(title="", parties=[]))
    assert [f for f, _m in caught.value.problems] == ["title", "parties"]
    with pytest.raises(ValidationError, match="no longer in the register"):
        manager.save(licence(case_ids=[999]))
    assert manager.all() == []
    assert manager.save(licence()).reference == f"AG-{YEAR}-0001"


def test_save_update_delete_are_audited_and_the_chain_verifies(
    register: Register, manager: AgreementManager
) -> None:
    heard: list[Changes] = []
    register.subscribe(heard.append)
    saved = manager.save(licence(licence_type=LicenceType.EXCLUSIVE))
    assert saved.id is not None
    entry = next(register.audit.entries())
    assert (entry.action, entry.record_kind, entry.record_id) == (
        "insert",
        "agreement",
        saved.reference,
    )
    assert entry.changes["licence_type"] == [None, "exclusive"]
    assert "agreement" in heard[-1].kinds

    saved.exclusive_justification = "Only partner able to fund trials; legal advice taken."
    saved.note = "Justified after advice"
    updated = manager.save(saved)
    assert updated.exclusive_justification.startswith("Only partner")
    entry = next(register.audit.entries())
    assert entry.action == "update"
    assert set(entry.changes) == {"exclusive_justification", "note"}
    count = register.audit.count()
    manager.save(updated)  # nothing changed: no audit row
    assert register.audit.count() == count

    assert manager.get_by_reference(saved.reference.lower()) == updated
    manager.delete(saved.id)
    entry = next(register.audit.entries())
    assert (entry.action, entry.record_id) == ("delete", saved.reference)
    assert entry.changes["title"] == [saved.title, None]
    assert manager.all() == []
    assert register.verify_audit().ok


def test_links_to_cases(register: Register, manager: AgreementManager) -> None:
    one = register.cases.add("Cutting guide")
    two = register.cases.add("Triage app")
    heard: list[Changes] = []
    register.subscribe(heard.append)
    a = manager.save(licence(case_ids=[one.id, two.id]))
    assert a.id is not None
    assert heard[-1].case_ids == {one.id, two.id}
    assert [x.id for x in manager.for_case(one.id)] == [a.id]
    a.case_ids = [two.id]
    manager.save(a)
    assert heard[-1].case_ids == {one.id, two.id}  # the case that lost its link hears too
    assert manager.for_case(one.id) == []
    assert [x.id for x in manager.for_case(two.id)] == [a.id]
    rows = register.conn.execute("SELECT agreement_id, case_id FROM agreement_cases").fetchall()
    assert rows == [(a.id, two.id)]
    # Deleting a case drops its links (the agreement stays).
    register.cases.delete(two.id)
    assert manager.get(a.id).reference == a.reference
    assert register.verify_audit().ok


def test_signed_document_is_kept_encrypted_and_exported_on_request(
    register: Register, manager: AgreementManager, tmp_path: Path
) -> None:
    a = manager.save(licence())
    assert a.id is not None
    marker = b"SIGNED-AGREEMENT-MARKER-5521 " * 200
    info = manager.add_file(a.id, "/somewhere/signed licence.pdf", marker)
    assert info.name == "signed licence.pdf"
    assert (info.size, info.sha256) == (len(marker), hashlib.sha256(marker).hexdigest())
    assert manager.files(a.id) == [info]
    assert manager.file_content(info.id) == marker
    entry = next(register.audit.entries())
    assert (entry.action, entry.record_kind) == ("insert", "agreement_file")
    for path in register.path.parent.rglob("*"):
        if path.is_file():
            assert b"SIGNED-AGREEMENT-MARKER-5521" not in path.read_bytes(), path

    out_dir = tmp_path / "out"
    out_dir.mkdir()
    written = manager.save_file_to(info.id, out_dir / "copy.pdf")
    assert written.read_bytes() == marker
    entry = next(register.audit.entries())
    assert (entry.action, entry.record_kind, entry.record_id) == (
        "export",
        "agreement_file",
        f"{a.reference}/{info.id}",
    )
    assert entry.changes["saved_to"] == [None, str(written)]
    assert register.verify_audit().ok


def test_oversized_document_is_refused(manager: AgreementManager) -> None:
    a = manager.save(licence())
    assert a.id is not None
    with pytest.raises(ValidationError, match="MB can be kept"):
        manager.add_file(a.id, "scan.tiff", b"0" * (MAX_AGREEMENT_FILE_BYTES + 1))
    assert manager.files(a.id) == []


def test_obligations_become_deadlines_overdue_first_done_ones_do_not(
    register: Register, manager: AgreementManager
) -> None:
    a = manager.save(
        licence(
            obligations=[
                Obligation("Annual report to the trust", days(30), "Acme Medical Ltd"),
                Obligation("Royalty statement", days(-5), "Acme Medical Ltd"),
                Obligation("Provide clinical input", days(7)),
                Obligation("Deliver source code", days(-40), done_on=days(-41)),
            ]
        )
    )
    assert [o.key for o in a.obligations] == ["o1", "o2", "o3", "o4"]
    listed = upcoming(manager.deadlines(TODAY), TODAY)
    assert [d.kind for d in listed] == [KIND_OBLIGATION] * 3
    assert ["Royalty statement" in listed[0].text, listed[0].urgent] == [True, True]
    assert listed[0].describe(TODAY) == "Overdue by 5 days"
    assert "Provide clinical input" in listed[1].text and listed[1].urgent  # within 14 days
    assert "Annual report" in listed[2].text and not listed[2].urgent
    assert all(d.reference == a.reference for d in listed)
    assert not any("source code" in d.text for d in listed)

    # Marking the overdue one done takes it off the list.
    a.obligations[1].done_on = TODAY
    manager.save(a)
    remaining = upcoming(manager.deadlines(TODAY), TODAY)
    assert [d.source_id for d in remaining] == [
        f"agreement:{a.id}:obligation:o3",
        f"agreement:{a.id}:obligation:o1",
    ]


def test_ttc_quarterly_review_recorded_and_next_review_is_a_deadline(
    register: Register, manager: AgreementManager
) -> None:
    ttc = manager.save(
        Agreement(
            kind=AgreementKind.TTC_SERVICES,
            title="TTC services: university TTO",
            parties=["University TTO"],
            signed_on=days(-100),
            obligations=[Obligation("Quarterly report", owner="University TTO")],
        )
    )
    assert ttc.id is not None
    (before,) = manager.deadlines(TODAY)
    assert before.kind == KIND_TTC_REVIEW and before.due == add_months(days(-100), 3)

    reviewed_on = days(-2)
    review = manager.record_review(
        TtcReview(
            ttc.id,
            reviewed_on,
            licences_executed=1,
            revenue=Decimal("2500.00"),
            active_licences=3,
            days_to_licence=120,
            pipeline="Two options under negotiation",
            health_impact="Guide in use in two trusts",
            summary="On track against the objectives",
            reviewer="IP lead",
        )
    )
    assert review.id is not None
    assert review.next_review == add_months(reviewed_on, 3)
    assert review.period == financial_quarter(add_months(reviewed_on, -3))
    assert manager.reviews(ttc.id) == [review]
    entry = next(register.audit.entries())
    assert (entry.action, entry.record_kind, entry.record_id) == (
        "insert",
        "ttc_review",
        f"{ttc.reference}/{review.id}",
    )
    assert entry.changes["revenue"] == [None, "2500.00"]

    (after,) = manager.deadlines(TODAY)
    assert after.kind == KIND_TTC_REVIEW and after.reference == ttc.reference
    assert after.due == add_months(reviewed_on, 3)
    assert after in upcoming(manager.deadlines(TODAY), TODAY)
    assert register.verify_audit().ok


def test_reviews_only_for_ttc_agreements_and_validated(manager: AgreementManager) -> None:
    a = manager.save(licence())
    assert a.id is not None
    with pytest.raises(ValidationError, match="TTC services agreements"):
        manager.record_review(TtcReview(a.id, TODAY, summary="x", reviewer="IP lead"))
    with pytest.raises(ValidationError) as caught:
        manager.record_review(TtcReview(a.id, days(1)))
    assert [f for f, _m in caught.value.problems] == ["reviewed_on", "summary", "reviewer"]
    assert manager.reviews(a.id) == []


def test_deleting_an_agreement_removes_its_documents_and_reviews(
    register: Register, manager: AgreementManager
) -> None:
    ttc = manager.save(
        Agreement(
            kind=AgreementKind.TTC_SERVICES,
            title="TTC",
            parties=["TTO"],
            start_on=days(-30),
        )
    )
    assert ttc.id is not None
    manager.add_file(ttc.id, "signed.pdf", b"pdf")
    manager.record_review(TtcReview(ttc.id, TODAY, summary="Fine", reviewer="IP lead"))
    manager.delete(ttc.id)
    for table in ("agreement_files", "ttc_reviews", "agreements"):
        assert register.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0
    entry = next(register.audit.entries())
    assert entry.changes["files"][0] == [
        {"name": "signed.pdf", "sha256": hashlib.sha256(b"pdf").hexdigest()}
    ]
    assert len(entry.changes["ttc_reviews"][0]) == 1
    assert manager.deadlines(TODAY) == []
    assert register.verify_audit().ok
