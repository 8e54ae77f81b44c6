"""The annual return: the year's figures (financial-year boundaries, "No data recorded yet")
and the PDF, marked on every page and recorded in the audit trail."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from nhsip_desktop.assets.renewals import add_months
from nhsip_desktop.assets.rights import Right, RightStatus, RightType
from nhsip_desktop.cases.disclosure import Contributor, Disclosure
from nhsip_desktop.finance.ledgers import CostCategory, CostEntry, ReviewOutcome
from nhsip_desktop.finance.revenue import ReturnKind
from nhsip_desktop.governance.annual_return import (
    NO_DATA,
    NOT_APPLICABLE,
    AnnualFigures,
    annual_figures,
    financial_year,
    period_text,
)
from nhsip_desktop.governance.model import (
    ACTIONS,
    DecisionMaking,
    GovernanceRecord,
    IpPolicy,
    Sro,
    TrainingSession,
    TtcArrangement,
    TtcEvaluation,
    TtcModel,
    Variation,
)
from nhsip_desktop.reports.annual_return import (
    ANNUAL_RETURN_SECTIONS,
    annual_return_title,
    write_annual_return,
)
from nhsip_desktop.store.audit import utc_now
from nhsip_desktop.store.governance import GovernanceManager
from nhsip_desktop.store.register import Register

MARKING = "OFFICIAL-SENSITIVE: COMMERCIAL"
LAST_DAY = dt.date(2025, 3, 31)  # the last day of financial year 2024 to 2025
FIRST_DAY = dt.date(2025, 4, 1)  # the first day of financial year 2025 to 2026
TODAY = dt.date.today()
THIS_YEAR = TODAY.year if TODAY.month >= 4 else TODAY.year - 1  # the current financial year


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _pdf_pages(path: Path) -> list[str]:
    return [_flat(page.extract_text()) for page in PdfReader(path).pages]


def _add_agreement(register: Register, reference: str, signed_on: dt.date | None) -> None:
    # The agreements manager is written elsewhere: rows go straight into its table here.
    now = utc_now()
    with register.transaction():
        register.conn.execute(
            "INSERT INTO agreements(reference, kind, title, signed_on, data, created_at, "
            "updated_at) VALUES (?, 'licence', ?, ?, '{}', ?, ?)",
            (reference, f"Agreement {reference}", signed_on and signed_on.isoformat(), now, now),
        )


def _case(register: Register, title: str, received_on: dt.date) -> int:
    disclosure = Disclosure(
        problem="p",
        contributors=[
            Contributor(name="Aoife Kelly", share=Decimal(70)),
            Contributor(name="Sam Okafor", share=Decimal(30)),
        ],
    )
    case = register.cases.save_disclosure(
        None, title=title, summary="", ip_kinds=[], disclosure=disclosure
    )
    return register.cases.update(case.id, received_on=received_on).id


def _patent(case_id: int, title: str, filed: dt.date, **fields: Any) -> Right:
    return Right(None, RightType.PATENT, "GB", title, filing_date=filed, case_id=case_id, **fields)


@pytest.fixture
def busy(register: Register) -> Register:
    """Something on each side of the 31 March / 1 April boundary, for every figure."""
    early = _case(register, "Cannula splint", LAST_DAY)
    late = _case(register, "Sepsis screening app", FIRST_DAY)
    register.cases.record_feedback(early, LAST_DAY + dt.timedelta(days=10))  # 10 days
    register.cases.record_feedback(late, FIRST_DAY + dt.timedelta(days=40))  # 40 days

    decisions = register.assessments
    for case_id, on, outcome, label in (
        (early, LAST_DAY, "develop_protect", "Develop and protect: choose a route"),
        (late, FIRST_DAY, "no_further_action", "No further action: thank and close"),
        (late, FIRST_DAY + dt.timedelta(days=1), "adopt_share", "Adopt or share"),
    ):
        decisions.record_decision(
            case_id,
            "triage",
            outcome=outcome,
            outcome_label=label,
            rationale="Reasons given.",
            decided_on=on,
            decision_maker="IP lead",
        )
    decisions.record_decision(
        early,
        "route",
        outcome="route3",
        outcome_label="Route 3: develop it with a partner",
        rationale="Partner found.",
        decided_on=FIRST_DAY,
        decision_maker="IP lead",
    )

    register.rights.save(
        _patent(early, "Filed on the last day", LAST_DAY, status=RightStatus.FILED)
    )
    register.rights.save(
        _patent(
            early,
            "Granted on the first day",
            dt.date(2024, 3, 1),
            grant_date=FIRST_DAY,
            status=RightStatus.GRANTED,
        )
    )
    lapsed = register.rights.save(
        _patent(
            late,
            "Let lapse after review",
            FIRST_DAY,
            grant_date=FIRST_DAY,
            status=RightStatus.LAPSED,
        )
    )
    assert lapsed.id is not None
    register.rights.record_review(
        lapsed.id,
        outcome=ReviewOutcome.LAPSE,
        rationale="No licensee.",
        reviewer="IP lead",
        reviewed_on=LAST_DAY,
    )
    # Lapsed with no review: dated by its record's last update (today).
    register.rights.save(
        _patent(
            late,
            "Lapsed without review",
            dt.date(2024, 2, 1),
            grant_date=dt.date(2024, 12, 1),
            status=RightStatus.LAPSED,
        )
    )

    _add_agreement(register, "AG-2025-0001", LAST_DAY)
    _add_agreement(register, "AG-2025-0002", FIRST_DAY)
    _add_agreement(register, "AG-2025-0003", FIRST_DAY)
    _add_agreement(register, "AG-2025-0004", None)  # not signed yet

    register.costs.add(
        CostEntry(
            LAST_DAY, CostCategory.ATTORNEY, Decimal("100.00"), Decimal("20.00"), case_id=early
        )
    )
    register.costs.add(
        CostEntry(FIRST_DAY, CostCategory.OFFICIAL_FEE, Decimal("50.00"), case_id=early)
    )
    register.returns.add(
        early, received_on=LAST_DAY, gross=Decimal("1000.00"), kind=ReturnKind.LICENCE_FEE
    )
    register.returns.add(
        early, received_on=FIRST_DAY, gross=Decimal("500.00"), kind=ReturnKind.ROYALTY
    )

    manager = GovernanceManager(register)
    for on, attendees in ((LAST_DAY, 10), (FIRST_DAY, 5), (FIRST_DAY, 7)):
        manager.add_training(
            TrainingSession(on, "Research staff", "IP basics", attendees, "IP lead")
        )
    return register


def _values(figures: AnnualFigures) -> dict[str, str]:
    return {f.label: f.text for f in figures.figures()}


# -- the year --------------------------------------------------------------------------------
def test_financial_year_runs_1_april_to_31_march() -> None:
    assert financial_year(2026) == (dt.date(2026, 4, 1), dt.date(2027, 3, 31))
    assert financial_year(2023) == (dt.date(2023, 4, 1), dt.date(2024, 3, 31))  # leap year
    assert period_text(2026) == "1 April 2026 to 31 March 2027"
    assert annual_return_title(2026) == (
        "IP annual return, financial year 2026 to 2027 (1 April 2026 to 31 March 2027)"
    )


def test_nothing_recorded_is_no_data_not_zero(register: Register) -> None:
    figures = annual_figures(register, 2025)
    assert figures.figures()
    for figure in figures.figures():
        assert figure.value is None and figure.text == NO_DATA, figure
        assert figure.number is None and figure.note, figure
    assert [f.label for f in figures.triage_outcomes] == ["Triage decisions"]
    assert [f.label for f in figures.routes_chosen] == ["Routes chosen"]


def test_only_the_kinds_with_data_have_figures(register: Register) -> None:
    _case(register, "Only a case", FIRST_DAY)
    figures = annual_figures(register, 2025)
    assert figures.disclosures_received.text == "1"
    assert figures.feedback_median_days.text == NO_DATA  # no feedback ever given
    for figure in (
        figures.rights_filed,
        figures.agreements_signed,
        figures.costs,
        figures.returns,
        figures.distributions_to_staff,
        figures.training_sessions,
        *figures.triage_outcomes,
    ):
        assert figure.text == NO_DATA, figure
    # A year with nothing in it, but data elsewhere: a real zero.
    assert annual_figures(register, 2019).disclosures_received.text == "0"


def test_every_figure_keeps_to_the_financial_year(busy: Register) -> None:
    earlier = annual_figures(busy, 2024, today=dt.date(2025, 6, 30))
    later = annual_figures(busy, 2025, today=dt.date(2025, 6, 30))

    # Disclosures: received on 31 March counts in the earlier year, on 1 April in the later.
    assert (earlier.disclosures_received.number, later.disclosures_received.number) == (1, 1)
    # Time to feedback, for the year's disclosures (target 30 days).
    assert earlier.feedback_median_days.text == "10 days"
    assert later.feedback_median_days.text == "40 days"
    assert earlier.feedback_within_target.text == "100% (1 of 1)"
    assert later.feedback_within_target.text == "0% (0 of 1)"
    assert earlier.feedback_within_target.label == "Feedback within the 30-day target"

    # Triage decisions by outcome, every current outcome shown (0 when not chosen).
    e = {f.label: f.number for f in earlier.triage_outcomes}
    later_triage = {f.label: f.number for f in later.triage_outcomes}
    assert e["Triage decisions"] == 1
    assert e["Triage: Develop and protect: choose a route"] == 1
    assert e["Triage: No further action: thank and close"] == 0
    assert later_triage["Triage decisions"] == 2
    assert later_triage["Triage: No further action: thank and close"] == 1
    assert later_triage["Triage: Adopt or share"] == 1
    assert later_triage["Triage: Develop and protect: choose a route"] == 0
    # Routes: the one decision is dated 1 April.
    assert {f.label: f.number for f in earlier.routes_chosen}["Routes chosen"] == 0
    routes = {f.label: f.number for f in later.routes_chosen}
    assert routes["Routes chosen"] == 1
    assert routes["Route 3: develop it with a partner"] == 1

    # Rights.
    assert (earlier.rights_filed.number, later.rights_filed.number) == (1, 1)
    assert annual_figures(busy, 2023).rights_filed.number == 2
    assert (earlier.rights_granted.number, later.rights_granted.number) == (1, 2)
    assert "Patent 1" in earlier.rights_filed.note
    assert (earlier.rights_lapsed.number, later.rights_lapsed.number) == (1, 0)
    today_year = annual_figures(busy, THIS_YEAR)
    assert today_year.rights_lapsed.number == 1  # lapsed with no review: its last update

    # Agreements: by date signed; an unsigned one never counts.
    assert (earlier.agreements_signed.number, later.agreements_signed.number) == (1, 2)
    assert "licence 2" in later.agreements_signed.note

    # Money, exact.
    assert earlier.costs.number == Decimal("120.00") and earlier.costs.text == "£120.00"
    assert later.costs.number == Decimal("50.00")
    assert "£20.00 VAT" in earlier.costs.note
    assert earlier.returns.number == Decimal("1000.00")
    assert later.returns.number == Decimal("500.00")
    # The example policy gives innovators 50% of the first £50,000.
    assert earlier.distributions_to_staff.number == Decimal("500.00")
    assert later.distributions_to_staff.number == Decimal("250.00")
    assert later.distributions_to_staff.text == "£250.00"
    assert "2 innovators" in later.distributions_to_staff.note

    # Training.
    assert (earlier.training_sessions.number, later.training_sessions.number) == (1, 2)
    assert (earlier.training_attendees.number, later.training_attendees.number) == (10, 12)

    # A year before anything happened: zeros and "Not applicable", never "No data".
    quiet = annual_figures(busy, 2020)
    assert NO_DATA not in _values(quiet).values()
    assert quiet.feedback_median_days.text == NOT_APPLICABLE
    assert quiet.costs.text == "£0.00"


def test_feedback_awaited_past_the_target_counts_against_it(register: Register) -> None:
    given = _case(register, "Given", dt.date(2025, 5, 1))
    register.cases.record_feedback(given, dt.date(2025, 5, 21))  # 20 days
    _case(register, "Waiting long", dt.date(2025, 5, 2))  # no feedback, far past 30 days
    _case(register, "Just in", dt.date(2025, 6, 25))  # no feedback, not yet due
    figures = annual_figures(register, 2025, today=dt.date(2025, 7, 1))
    assert figures.feedback_median_days.text == "20 days"
    assert figures.feedback_within_target.text == "50% (1 of 2)"
    assert "2 disclosures from the year still awaiting feedback (1 past the target)" in (
        figures.feedback_median_days.note
    )


# -- the PDF ---------------------------------------------------------------------------------
def _governance(register: Register) -> None:
    today = dt.date.today()
    GovernanceManager(register).save(
        GovernanceRecord(
            sro=Sro("Dr Priya Shah", "Medical Director", dt.date(2025, 1, 6)),
            policy=IpPolicy(
                "3.0",
                "Trust Board",
                dt.date(2024, 9, 1),
                last_review=add_months(today, -13),
                published_at="https://www.example-trust.nhs.uk/ip-policy",
                headings_covered=[1, 2, 3, 4, 5, 6, 7, 8, 9, 12],
            ),
            decision_making=DecisionMaking("Chief Executive", ["Triage", "Route chosen"]),
            ttc_arrangement=TtcArrangement(TtcModel.REGIONAL, "Northern Health Innovation Hub"),
            ttc_evaluation=TtcEvaluation(
                [TtcModel.UNIVERSITY, TtcModel.REGIONAL],
                TtcModel.REGIONAL,
                "fees in proportion to the work",
                dt.date(2025, 2, 10),
            ),
            variations=[
                Variation(
                    "publish",
                    "The TTC arrangements are not on the website yet.",
                    "They are sent to anyone who asks, within five working days.",
                )
            ],
        )
    )


def test_the_return_holds_the_actions_and_figures_on_marked_pages(
    tmp_path: Path, busy: Register
) -> None:
    _governance(busy)
    head = busy.chain_head()
    target = tmp_path / "annual-return.pdf"

    assert write_annual_return(busy, 2025, target) == target

    pages = _pdf_pages(target)
    total = len(pages)
    for number, page in enumerate(pages, 1):
        assert page.count(MARKING) >= 2, number  # header and footer
        assert f"Page {number} of {total}" in page, number
        assert f"Register {busy.register_id}" in page, number
        assert f"audit trail #{head.seq} {head.hmac[:12]}" in page, number
    whole = " ".join(pages)
    assert annual_return_title(2025) in whole
    for action in ACTIONS.values():
        assert action.title in whole, action.key
    assert "Met" in whole and "Partly met" in whole and "Not met" in whole
    for expected in (
        "Dr Priya Shah",  # SRO evidence
        "more than 12 months ago",  # the policy review is overdue
        "Northern Health Innovation Hub",
        "The TTC arrangements are not on the website yet.",
        "They are sent to anyone who asks, within five working days.",
        "Disclosures received",
        "Median time to feedback",
        "40 days",
        "Triage: No further action: thank and close",
        "Rights granted or registered",
        "Agreements signed",
        "£50.00",
        "£500.00",
        "£250.00",
        "Training attendees",
        "11. Resolving disputes",
        "DHSC and NHS England",
        "this return will follow it",
    ):
        assert expected in whole, expected
    for section in ANNUAL_RETURN_SECTIONS:
        assert section in whole, section

    newest = next(busy.audit.entries())
    assert (newest.action, newest.record_kind, newest.record_id) == (
        "report",
        "report",
        "annual-return",
    )
    assert newest.changes["file"] == [None, "annual-return.pdf"]
    assert newest.changes["sections"] == [None, list(ANNUAL_RETURN_SECTIONS)]
    assert newest.seq == head.seq + 1
    assert busy.verify_audit().ok


def test_an_empty_register_returns_no_data_and_unmet_actions(
    tmp_path: Path, register: Register
) -> None:
    target = tmp_path / "empty.pdf"
    write_annual_return(register, 2026, target)
    whole = " ".join(_pdf_pages(target))
    assert "IP annual return, financial year 2026 to 2027 (1 April 2026 to 31 March 2027)" in whole
    assert whole.count(NO_DATA) >= 10
    assert whole.count("Not met") >= 5
    assert "None recorded: no variation from the guidance has been entered." in whole
    assert next(register.audit.entries()).record_id == "annual-return"


def test_prepared_by_names_a_person_never_the_login(tmp_path: Path) -> None:
    from nhsip_desktop.store.audit import Actor

    with Register.create(tmp_path / "r.nhsip", actor=Actor("root")) as bare:
        write_annual_return(bare, 2026, tmp_path / "a.pdf")
        text = " ".join(_pdf_pages(tmp_path / "a.pdf"))
        assert "Prepared by root" not in text
        assert "Prepared by Not recorded (set your display name in Settings)" in text
        bare.settings.update(ip_lead_name="Dr Alex Morgan")
        write_annual_return(bare, 2026, tmp_path / "b.pdf")
        assert "Prepared by Dr Alex Morgan" in " ".join(_pdf_pages(tmp_path / "b.pdf"))
    with Register.create(tmp_path / "s.nhsip", actor=Actor("root", "Sam Lee")) as named:
        write_annual_return(named, 2026, tmp_path / "c.pdf")
        text = " ".join(_pdf_pages(tmp_path / "c.pdf"))
        assert "Prepared by Sam Lee" in text and "(root)" not in text
