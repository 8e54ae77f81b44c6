"""One source of truth: the board summary, the annual return, the governance page and the IP
policy draft tell the same story about the TTC arrangement and feedback within target.

The register is one the old code disagreed on: a TTC services agreement recorded only in
Agreements (nothing in the governance record), and feedback given on time, given late and
overdue in the same year (the board divided by feedback given, the annual return by given
plus overdue).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from nhsip_desktop.agreements.model import Agreement, AgreementKind
from nhsip_desktop.cases.model import Stage
from nhsip_desktop.core.periods import financial_year, financial_year_of
from nhsip_desktop.governance.policy_builder import PolicyMeta, build_document, load_framework
from nhsip_desktop.reports.annual_return import write_annual_return
from nhsip_desktop.reports.board import write_board_summary
from nhsip_desktop.store.register import Register
from nhsip_desktop.ui.governance_page import GovernancePage
from nhsip_desktop.ui.session import RegisterSession

PROVIDER = "Westmoor Innovation Hub (fictional)"


def _text(path: Path) -> str:
    return " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(str(path)).pages)


@pytest.fixture
def mixed(register: Register) -> Register:
    today = dt.date.today()
    start, _end = financial_year(financial_year_of(today))
    if (today - start).days < 75:
        pytest.skip("needs 75 days of the financial year to hold late and overdue feedback")
    register.agreements.save(
        Agreement(
            kind=AgreementKind.TTC_SERVICES,
            title="Technology transfer services",
            parties=[PROVIDER],
            signed_on=start,
            end_on=today + dt.timedelta(days=700),
        )
    )
    target = int(register.settings.get("feedback_target_days"))
    received = start + dt.timedelta(days=1)
    # on time, on time, late, and one overdue (never given); one still inside its target.
    for title, given_after in (("A", 5), ("B", target), ("C", target + 9), ("D", None)):
        case = register.cases.add(title, stage=Stage.SUBMITTED, received_on=received)
        if given_after is not None:
            register.cases.record_feedback(case.id, received + dt.timedelta(days=given_after))
    register.cases.add("E", stage=Stage.SUBMITTED, received_on=today)
    return register


def test_board_annual_return_governance_page_and_policy_draft_agree(
    mixed: Register, tmp_path: Path, qtbot: Any
) -> None:
    register = mixed
    today = dt.date.today()
    year = financial_year_of(today)
    start, _end = financial_year(year)
    share = "50% (2 of 4)"  # A and B on time; C late; D overdue; E not yet due

    board = _text(write_board_summary(register, start, today, tmp_path / "board.pdf"))
    annual = _text(write_annual_return(register, year, tmp_path / "return.pdf"))

    session = RegisterSession()
    session.attach(register)
    page = GovernancePage(session)
    qtbot.addWidget(page)
    ttc_status = next(s for s in page.action_model.statuses if s.key == "ttc")
    feedback_line = page.feedback_line.text()

    facts = register.policy_drafts.current_facts()
    framework = load_framework()
    choices = register.policy_drafts.starting_choices(framework, facts)
    meta = PolicyMeta("1.0", "Trust Board", today, None, None)
    policy = build_document(framework, choices, facts, meta).plain_text()

    # The TTC arrangement: in place, from the agreements register, everywhere.
    assert "No TTC arrangement is recorded" not in board
    assert "No TTC arrangement is recorded" not in annual
    assert "No TTC arrangement is recorded" not in ttc_status.evidence
    assert "no technology transfer partner" not in policy
    for text in (board, annual, ttc_status.evidence, policy):
        assert PROVIDER in text
    assert facts.has_ttc and facts.ttc_agreement
    assert register.facts.ttc_arrangement(today).in_place

    # Feedback within target: one figure on the board, the return and the governance page.
    assert share in board
    assert share in annual
    assert share in feedback_line
    board_share = re.search(r"(\d+% \(\d+ of \d+\)) within the", board)
    assert board_share is not None and board_share.group(1) == share
    assert "1 given late, 1 overdue" in board and "1 given late, 1 overdue" in feedback_line
    session.lock()


def test_feedback_rule_counts_overdue_not_only_given() -> None:
    from nhsip_desktop.cases.feedback import feedback_within_target

    day = dt.date(2026, 5, 1)
    figures = feedback_within_target(
        [
            (day, day + dt.timedelta(days=3)),
            (day, day + dt.timedelta(days=40)),
            (day, None),
            (dt.date(2026, 6, 25), None),
        ],
        30,
        dt.date(2026, 7, 1),
    )
    assert (figures.within, figures.late, figures.overdue, figures.awaiting) == (1, 1, 1, 2)
    assert figures.share_text == "33% (1 of 3)"
    assert figures.percent == Decimal(33)
