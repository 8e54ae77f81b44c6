"""The governance record, the five actions' statuses, governance deadlines, and the store."""

from __future__ import annotations

import datetime as dt

import pytest

from nhsip_desktop.assets.renewals import add_months
from nhsip_desktop.governance.model import (
    ACTIONS,
    ANNEX_A_HEADINGS,
    KIND_GOVERNANCE,
    DecisionMaking,
    GovernanceRecord,
    IpPolicy,
    Sro,
    TrainingSession,
    TtcArrangement,
    TtcEvaluation,
    TtcModel,
    Variation,
    action_statuses,
    governance_deadlines,
)
from nhsip_desktop.guidance.refs import is_known_reference
from nhsip_desktop.store.errors import NotFoundError, ValidationError
from nhsip_desktop.store.governance import GovernanceManager
from nhsip_desktop.store.register import Register

TODAY = dt.date(2026, 11, 21)
ALL_HEADINGS = list(range(1, 13))


def full_record(today: dt.date = TODAY) -> GovernanceRecord:
    return GovernanceRecord(
        sro=Sro("Dr Priya Shah", "Medical Director", dt.date(2026, 1, 5)),
        policy=IpPolicy(
            "3.0",
            "Trust Board",
            dt.date(2025, 9, 1),
            last_review=add_months(today, -11),
            published_at="https://www.example-trust.nhs.uk/ip-policy",
            headings_covered=list(ALL_HEADINGS),
        ),
        decision_making=DecisionMaking(
            "Chief Executive",
            ["Disclosure received", "Triage", "Route chosen", "Agreement signed"],
            pathway_published=True,
            pathway_where="Staff intranet: Innovation pathway",
        ),
        ttc_arrangement=TtcArrangement(
            TtcModel.REGIONAL, "Northern Health Innovation Hub", True, "Trust website, IP page"
        ),
        ttc_evaluation=TtcEvaluation(
            [TtcModel.UNIVERSITY, TtcModel.REGIONAL, TtcModel.IN_HOUSE],
            TtcModel.REGIONAL,
            "the hub knows NHS procurement and charges fees in proportion to the work",
            dt.date(2026, 2, 10),
        ),
        variations=[
            Variation(
                "training",
                "Training for research staff only this year.",
                "Clinical staff get an e-learning module until sessions resume.",
            )
        ],
    )


def session(
    held_on: dt.date, attendees: int = 12, audience: str = "Research staff"
) -> TrainingSession:
    return TrainingSession(
        held_on, audience, "What IP is and how to disclose it", attendees, "IP lead"
    )


def statuses(record: GovernanceRecord, training: list[TrainingSession]) -> dict[str, str]:
    return {s.key: s.status for s in action_statuses(record, training, TODAY)}


# -- the domain ------------------------------------------------------------------------------
def test_the_five_actions_cite_the_guidance() -> None:
    assert list(ACTIONS) == ["sro", "policy", "ttc", "publish", "training"]
    assert sorted(ANNEX_A_HEADINGS) == ALL_HEADINGS
    for action in ACTIONS.values():
        assert action.title and action.references[0] == "Actions for organisations"
        assert all(is_known_reference(r) for r in action.references), action
    assert "Step 1" in ACTIONS["sro"].references
    assert "Step 9" in ACTIONS["ttc"].references
    assert "Step 3" in ACTIONS["training"].references


def test_record_round_trips_through_json() -> None:
    record = full_record()
    again = GovernanceRecord.from_json(record.to_json())
    assert again == record
    assert GovernanceRecord.from_json({}) == GovernanceRecord()
    assert GovernanceRecord().to_json() == dict.fromkeys(
        ["sro", "policy", "decision_making", "ttc_arrangement", "ttc_evaluation", "variations"]
    )
    one = session(dt.date(2026, 3, 1))
    assert TrainingSession.from_json(one.to_json()) == one


def test_malformed_json_names_the_field() -> None:
    raw = full_record().to_json()
    raw["policy"]["approved_on"] = "01/09/2025"
    with pytest.raises(ValueError, match=r"policy\.approved_on"):
        GovernanceRecord.from_json(raw)
    raw = full_record().to_json()
    raw["ttc_evaluation"]["models_considered"] = ["university", "a friend"]
    with pytest.raises(ValueError, match=r"models_considered\[1\]"):
        GovernanceRecord.from_json(raw)


def test_validation_names_each_field() -> None:
    record = GovernanceRecord(
        sro=Sro(" ", "Director", TODAY + dt.timedelta(days=1)),
        policy=IpPolicy(
            "1", "Board", dt.date(2026, 1, 1), dt.date(2025, 1, 1), headings_covered=[1, 13]
        ),
        decision_making=DecisionMaking("", ["Triage", " "], pathway_published=True),
        ttc_arrangement=TtcArrangement(TtcModel.PRIVATE, "", published=True),
        ttc_evaluation=TtcEvaluation([], TtcModel.UNIVERSITY, "", TODAY),
        variations=[Variation("nonsense", "", "")],
    )
    fields = {f for f, _ in record.validate(TODAY)}
    assert fields == {
        "sro.name",
        "sro.appointed_on",
        "policy.last_review",
        "policy.headings_covered",
        "decision_making.ultimate_decision_maker",
        "decision_making.stage_gates[1]",
        "decision_making.pathway_where",
        "ttc_arrangement.provider",
        "ttc_arrangement.where",
        "ttc_evaluation.models_considered",
        "ttc_evaluation.decision",
        "ttc_evaluation.reason",
        "variations[0].action_key",
        "variations[0].variation",
        "variations[0].mitigation",
    }
    assert full_record().validate(TODAY) == []
    # No TTC at all needs no provider.
    assert TtcArrangement(TtcModel.NONE).validate(TODAY) == []
    problems = session(TODAY + dt.timedelta(days=1), attendees=-1).validate(TODAY)
    assert {f for f, _ in problems} == {"held_on", "attendees"}


def test_next_review_is_twelve_months_after_the_last_review_or_approval() -> None:
    policy = IpPolicy("1", "Board", dt.date(2024, 2, 29))
    assert policy.next_review_due == dt.date(2025, 2, 28)
    policy.last_review = dt.date(2025, 1, 31)
    assert policy.next_review_due == dt.date(2026, 1, 31)


def test_everything_in_place_meets_every_action() -> None:
    found = action_statuses(full_record(), [session(add_months(TODAY, -2))], TODAY)
    assert [s.key for s in found] == list(ACTIONS)
    assert all(s.status == "met" for s in found), found
    assert [s.title for s in found] == [a.title for a in ACTIONS.values()]
    by_key = {s.key: s for s in found}
    assert "Dr Priya Shah" in by_key["sro"].evidence
    assert "4 stage gates" in by_key["sro"].evidence
    assert "appointed 05/01/2026" in by_key["sro"].dates
    assert "within the last 12 months" in by_key["policy"].evidence
    assert "Covers 12 of the 12" in by_key["policy"].evidence
    assert "next review due" in by_key["policy"].dates
    assert "Northern Health Innovation Hub" in by_key["ttc"].evidence
    assert "https://www.example-trust.nhs.uk/ip-policy" in by_key["publish"].evidence
    assert "1 session in the last 12 months" in by_key["training"].evidence
    assert by_key["training"].status_words == "Met"


def test_policy_reviewed_11_months_ago_is_met_13_months_ago_is_not() -> None:
    record = full_record()
    assert record.policy is not None
    record.policy.last_review = add_months(TODAY, -11)
    assert statuses(record, [])["policy"] == "met"
    record.policy.last_review = add_months(TODAY, -12)  # due today: still in time
    assert statuses(record, [])["policy"] == "met"
    record.policy.last_review = add_months(TODAY, -13)
    status = action_statuses(record, [], TODAY)[1]
    assert (status.key, status.status, status.status_words) == ("policy", "not met", "Not met")
    assert "more than 12 months ago" in status.evidence
    # Never reviewed since approval: the approval date counts.
    record.policy.last_review = None
    record.policy.approved_on = add_months(TODAY, -11)
    assert statuses(record, [])["policy"] == "met"


def test_a_policy_missing_annex_a_headings_is_partly_met() -> None:
    record = full_record()
    assert record.policy is not None
    record.policy.headings_covered = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    status = action_statuses(record, [], TODAY)[1]
    assert status.status == "partly"
    assert "11. Resolving disputes" in status.evidence
    assert statuses(GovernanceRecord(), [])["policy"] == "not met"


def test_no_sro_is_not_met_and_sro_without_decision_making_is_partly() -> None:
    record = full_record()
    record.sro = None
    sro = action_statuses(record, [], TODAY)[0]
    assert (sro.status, sro.status_words) == ("not met", "Not met")
    assert "No senior responsible officer" in sro.evidence
    record = full_record()
    record.decision_making = None
    assert statuses(record, [])["sro"] == "partly"
    record = full_record()
    assert record.decision_making is not None
    record.decision_making.stage_gates = []
    assert statuses(record, [])["sro"] == "partly"


def test_ttc_and_publication_statuses() -> None:
    record = full_record()
    record.ttc_evaluation = None
    assert statuses(record, [])["ttc"] == "partly"
    record.ttc_arrangement = None
    assert statuses(record, [])["ttc"] == "not met"
    record = full_record()
    assert record.ttc_arrangement is not None
    record.ttc_arrangement.model = TtcModel.PRIVATE
    status = action_statuses(record, [], TODAY)[2]
    assert status.status == "partly" and "differs" in status.evidence

    record = full_record()
    assert record.ttc_arrangement is not None and record.policy is not None
    record.ttc_arrangement.published = False
    assert statuses(record, [])["publish"] == "partly"
    record.policy.published_at = ""
    assert statuses(record, [])["publish"] == "not met"
    assert statuses(GovernanceRecord(), [])["publish"] == "not met"


def test_training_must_be_within_the_last_12_months() -> None:
    record = full_record()
    assert statuses(record, [session(add_months(TODAY, -11))])["training"] == "met"
    old = action_statuses(record, [session(add_months(TODAY, -13))], TODAY)[4]
    assert old.status == "not met" and "last session recorded was on" in old.evidence
    assert statuses(record, [])["training"] == "not met"
    # A session dated after the day of the status does not count.
    assert statuses(record, [session(TODAY + dt.timedelta(days=3))])["training"] == "not met"


def test_deadlines_for_missing_sro_policy_review_and_training() -> None:
    found = {d.source_id: d for d in governance_deadlines(GovernanceRecord(), [], TODAY)}
    assert set(found) == {"governance:sro", "governance:policy", "governance:training"}
    assert found["governance:sro"].due == TODAY and found["governance:sro"].urgent
    assert found["governance:policy"].due == TODAY and found["governance:policy"].urgent
    assert found["governance:training"].due == TODAY
    assert all(d.kind == KIND_GOVERNANCE for d in found.values())
    assert found["governance:sro"].describe(TODAY) == "Due today"

    record = full_record()
    assert record.policy is not None
    last = add_months(TODAY, -2)
    found = {d.source_id: d for d in governance_deadlines(record, [session(last)], TODAY)}
    assert set(found) == {"governance:policy:review", "governance:training"}
    review = found["governance:policy:review"]
    assert review.due == add_months(record.policy.last_review or TODAY, 12)
    assert review.urgent  # due in about a month (11 months after the review)
    assert "version 3.0" in review.text
    assert found["governance:training"].due == add_months(last, 12)

    record.policy.last_review = add_months(TODAY, -3)
    review = next(d for d in governance_deadlines(record, [], TODAY) if "policy" in d.source_id)
    assert not review.urgent
    # Training more than 12 months ago: due today.
    found = {
        d.source_id: d
        for d in governance_deadlines(record, [session(add_months(TODAY, -14))], TODAY)
    }
    assert found["governance:training"].due == TODAY


# -- the store -------------------------------------------------------------------------------
def test_record_is_saved_per_part_and_audited(register: Register) -> None:
    manager = GovernanceManager(register)
    assert manager.record() == GovernanceRecord()
    record = full_record(dt.date.today())

    assert manager.save(record) == record
    assert manager.record() == record
    keys = [r[0] for r in register.conn.execute("SELECT key FROM governance ORDER BY key")]
    assert keys == sorted(
        ["sro", "policy", "decision_making", "ttc_arrangement", "ttc_evaluation", "variations"]
    )
    rows = list(register.audit.entries(record_kind="governance"))
    assert {r.record_id for r in rows} == set(keys)
    assert all(r.action == "insert" for r in rows)
    sro_row = next(r for r in rows if r.record_id == "sro")
    assert sro_row.changes["name"] == [None, "Dr Priya Shah"]

    # Change one field of one part: one audit row with that field only.
    head = register.chain_head()
    assert record.sro is not None
    record.sro.role = "Chief Medical Officer"
    manager.save(record)
    new = [e for e in register.audit.entries() if e.seq > head.seq]
    assert [(e.action, e.record_kind, e.record_id) for e in new] == [
        ("update", "governance", "sro")
    ]
    assert new[0].changes == {"role": ["Medical Director", "Chief Medical Officer"]}

    # Saving the same record again writes nothing.
    head = register.chain_head()
    manager.save(record)
    assert register.chain_head() == head

    # Removing a part deletes its row, audited with what it held.
    record.variations = []
    record.ttc_evaluation = None
    manager.save(record)
    deleted = [e for e in register.audit.entries() if e.seq > head.seq]
    assert {(e.action, e.record_id) for e in deleted} == {
        ("delete", "variations"),
        ("delete", "ttc_evaluation"),
    }
    variations_row = next(e for e in deleted if e.record_id == "variations")
    assert variations_row.changes["variations"][1] is None
    assert manager.record().ttc_evaluation is None
    assert register.verify_audit().ok


def test_an_invalid_record_is_refused_and_nothing_is_saved(register: Register) -> None:
    manager = GovernanceManager(register)
    record = full_record(dt.date.today())
    assert record.sro is not None
    record.sro.name = ""
    head = register.chain_head()
    with pytest.raises(ValidationError) as caught:
        manager.save(record)
    assert caught.value.field == "sro.name"
    assert register.chain_head() == head
    assert manager.record() == GovernanceRecord()


def test_training_log_is_audited(register: Register) -> None:
    manager = GovernanceManager(register)
    first = manager.add_training(session(dt.date(2025, 3, 31), 10))
    second = manager.add_training(session(dt.date(2025, 4, 1), 5, audience="Clinical staff"))
    assert first.id is not None and second.id is not None
    assert manager.training() == [first, second]
    assert manager.training(since=dt.date(2025, 4, 1)) == [second]
    assert manager.training(until=dt.date(2025, 3, 31)) == [first]
    newest = next(register.audit.entries())
    assert (newest.action, newest.record_kind, newest.record_id) == (
        "insert",
        "training",
        str(second.id),
    )
    assert newest.changes["attendees"] == [None, 5]
    assert newest.changes["audience"] == [None, "Clinical staff"]

    manager.remove_training(first.id)
    assert manager.training() == [second]
    newest = next(register.audit.entries())
    assert (newest.action, newest.record_kind) == ("delete", "training")
    assert newest.changes["held_on"] == ["2025-03-31", None]
    with pytest.raises(NotFoundError):
        manager.remove_training(first.id)
    with pytest.raises(ValidationError) as caught:
        manager.add_training(session(dt.date.today() + dt.timedelta(days=1)))
    assert caught.value.field == "held_on"
    assert register.verify_audit().ok


def test_manager_deadlines(register: Register) -> None:
    manager = GovernanceManager(register)
    today = dt.date.today()
    assert {d.source_id for d in manager.deadlines(today)} == {
        "governance:sro",
        "governance:policy",
        "governance:training",
    }
    manager.save(full_record(today))
    manager.add_training(session(add_months(today, -1)))
    found = {d.source_id: d for d in manager.deadlines(today)}
    assert set(found) == {"governance:policy:review", "governance:training"}
    assert found["governance:training"].due == add_months(add_months(today, -1), 12)
