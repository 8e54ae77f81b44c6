"""Fictional rights, money, agreements and governance for the demo register, so every area of
the app has something in it (all plainly fictional; dates relative to today)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from nhsip_desktop.agreements.model import (
    Agreement,
    AgreementKind,
    LicenceType,
    Obligation,
    TtcReview,
)
from nhsip_desktop.assets.renewals import add_months
from nhsip_desktop.assets.rights import Right, RightStatus, RightType
from nhsip_desktop.cases.model import CaseFilter, Stage
from nhsip_desktop.finance.ledgers import CostCategory, CostEntry
from nhsip_desktop.finance.revenue import ReturnKind
from nhsip_desktop.governance.model import (
    IpPolicy,
    Sro,
    TrainingSession,
    TtcArrangement,
    TtcEvaluation,
    TtcModel,
)

if TYPE_CHECKING:
    from nhsip_desktop.store.register import Register


def add_demo_extras(register: Register, today: dt.date | None = None) -> None:
    today = today or dt.date.today()
    cases = register.cases.search(CaseFilter(descending=False))
    active = [c for c in cases if c.stage is Stage.ACTIVE]
    if len(active) < 2:
        return
    first, second = active[0], active[1]
    with register.transaction():
        filed = add_months(today, -47)
        register.rights.save(
            Right(
                None,
                RightType.PATENT,
                "GB",
                first.title,
                application_number="GB2201234.5",
                filing_date=filed,
                grant_date=add_months(filed, 30),
                status=RightStatus.GRANTED,
                registration_number="GB2601234",
                owners="The trust",
                attorney="Example Attorneys LLP (fictional)",
                case_id=first.id,
            )
        )
        register.rights.save(
            Right(
                None,
                RightType.REGISTERED_DESIGN,
                "GB",
                second.title,
                application_number="6301234",
                filing_date=add_months(today, -20),
                grant_date=add_months(today, -18),
                status=RightStatus.GRANTED,
                registration_number="6301234",
                case_id=second.id,
            )
        )
        register.costs.add(
            CostEntry(
                add_months(today, -2),
                CostCategory.ATTORNEY,
                Decimal("1850.00"),
                Decimal("370.00"),
                "Example Attorneys LLP (fictional)",
                "INV-2231",
                case_id=first.id,
            )
        )
        register.returns.add(
            first.id,
            received_on=add_months(today, -4),
            gross=Decimal("12000"),
            kind=ReturnKind.LICENCE_FEE,
            deductible=Decimal("2220"),
            description="Upfront licence fee (fictional licensee)",
        )
        register.returns.add(
            first.id,
            received_on=add_months(today, -1),
            gross=Decimal("4312.50"),
            kind=ReturnKind.ROYALTY,
            description="Quarterly royalty",
        )
        ttc = register.agreements.save(
            Agreement(
                kind=AgreementKind.TTC_SERVICES,
                title="Technology transfer services (fictional regional hub)",
                parties=["Northern Health Innovation Hub (fictional)"],
                signed_on=add_months(today, -10),
                start_on=add_months(today, -10),
                end_on=add_months(today, 26),
                notice_days=90,
                obligations=[
                    Obligation(
                        "Hub sends quarterly licensing and pipeline report",
                        add_months(today, 0) + dt.timedelta(days=12),
                        "Northern Health Innovation Hub (fictional)",
                    ),
                    Obligation(
                        "Trust confirms ownership of new cases before referral",
                        today - dt.timedelta(days=6),
                    ),
                ],
                revenue_terms="Net revenue shared 70% trust, 30% hub; costs listed in schedule 2.",
            )
        )
        assert ttc.id is not None
        register.agreements.record_review(
            TtcReview(
                ttc.id,
                add_months(today, -2),
                licences_executed=1,
                revenue=Decimal("12000.00"),
                active_licences=2,
                days_to_licence=140,
                summary="One licence signed; two in negotiation.",
                reviewer="Alex Morgan",
            )
        )
        register.agreements.save(
            Agreement(
                kind=AgreementKind.NDA,
                title="Mutual NDA for splint evaluation",
                parties=["Example Devices Ltd (fictional)"],
                signed_on=add_months(today, -3),
                end_on=add_months(today, 21),
                case_ids=[second.id],
            )
        )
        register.agreements.save(
            Agreement(
                kind=AgreementKind.LICENCE_OUT,
                title=f"Licence: {first.title}",
                parties=["Example Health Software Ltd (fictional)"],
                signed_on=add_months(today, -4),
                licence_type=LicenceType.NON_EXCLUSIVE,
                territory="UK",
                field_of_use="NHS and social care",
                case_ids=[first.id],
                revenue_terms="£12,000 upfront; 5% royalty.",
            )
        )
        record = register.governance.record()
        record.sro = Sro("Dr Jane Example (fictional)", "Medical Director", add_months(today, -8))
        record.policy = IpPolicy(
            "2.0",
            "Trust board",
            add_months(today, -14),
            last_review=add_months(today, -14),
            headings_covered=[1, 2, 3, 4, 5, 6, 7, 8, 9],
        )
        register.governance.save(record)
        add_demo_ttc_evaluation(register, today)
        register.governance.add_training(
            TrainingSession(
                add_months(today, -5),
                "Research and innovation staff",
                "Spotting IP and disclosing early",
                18,
                "Alex Morgan",
            )
        )


DEMO_DECISION_MAKER = "Alex Morgan, IP lead (fictional)"


def add_demo_decisions(register: Register, today: dt.date | None = None) -> None:
    """Give every demo case at Decision made or Active the decisions its stage implies, so
    that a fresh demo register checks clean (``store.invariants``): a triage decision for
    each (develop and protect, or adopt and share when its next action is an open licence),
    and the route chosen for each active case. Decided a few weeks after receipt; the
    innovator's feedback is recorded on the day of the decision for cases received long
    enough ago (the rest are still awaiting it, so the feedback figures have both)."""
    today = today or dt.date.today()
    decided_stages = {Stage.DECISION_MADE, Stage.ACTIVE}
    cases = [
        c for c in register.cases.search(CaseFilter(descending=False)) if c.stage in decided_stages
    ]
    assessments = register.assessments
    with register.transaction():
        for index, case in enumerate(cases):
            assert case.id is not None
            if assessments.latest_decision(case.id, "triage") is not None:
                continue
            received = case.received_on or today
            waited = min(21 + 9 * (index % 3), max((today - received).days // 2, 0))
            decided_on = min(received + dt.timedelta(days=waited), today)
            shares_openly = "route 1" in case.next_action.lower()
            assessments.record_decision(
                case.id,
                "triage",
                outcome="adopt_share" if shares_openly else "develop_protect",
                outcome_label=(
                    "Adopt or share without commercialisation"
                    if shares_openly
                    else "Develop and protect: choose a route"
                ),
                rationale="Fictional demo decision: the triage checklist was worked through "
                "with the innovator and the clinical lead.",
                decided_on=decided_on,
                decision_maker=DEMO_DECISION_MAKER,
            )
            if case.stage is Stage.ACTIVE:
                assessments.record_decision(
                    case.id,
                    "route",
                    outcome="route3",
                    outcome_label="Route 3: develop it with a partner for commercialisation",
                    rationale="Fictional demo decision: a partner has the capability the trust "
                    "lacks.",
                    decided_on=decided_on,
                    decision_maker=DEMO_DECISION_MAKER,
                )
            if case.feedback_given_on is None and index % 4 != 3:
                register.cases.record_feedback(case.id, decided_on)


def add_demo_ttc_evaluation(register: Register, today: dt.date) -> None:
    """The demo trust's step 9 evaluation, and its arrangement linked to the TTC services
    agreement in Agreements (the provider is read from the agreement, not repeated)."""
    ttc = next((a for a in register.agreements.all() if a.kind is AgreementKind.TTC_SERVICES), None)
    if ttc is None:
        return
    record = register.governance.record()
    record.ttc_evaluation = TtcEvaluation(
        [TtcModel.UNIVERSITY, TtcModel.REGIONAL, TtcModel.IN_HOUSE],
        TtcModel.REGIONAL,
        "the regional hub already serves neighbouring trusts and brings licensing expertise "
        "the trust could not afford to build in-house (fictional)",
        add_months(today, -11),
    )
    record.ttc_arrangement = TtcArrangement(TtcModel.REGIONAL, agreement_reference=ttc.reference)
    register.governance.save(record)
