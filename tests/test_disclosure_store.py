"""Disclosures in the store: drafts, stage rules, submission, alerts, attachments."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from pathlib import Path

import pytest

from nhsip_desktop.cases.disclosure import (
    Contributor,
    Disclosure,
    DisclosureKind,
    ExternalDisclosure,
    Relationship,
)
from nhsip_desktop.cases.model import IpKind, Stage
from nhsip_desktop.cases.stages import ALLOWED, CloseReason, alert_text
from nhsip_desktop.store.attachments import MAX_ATTACHMENT_BYTES
from nhsip_desktop.store.errors import ValidationError
from nhsip_desktop.store.register import Register

TODAY = dt.date.today()


def complete(**extra: object) -> Disclosure:
    d = Disclosure(
        problem="Cannulas slip on small hands",
        contributors=[
            Contributor(name="Aoife Kelly", share=Decimal(70)),
            Contributor(name="Sam Lee", share=Decimal(30), relationship=Relationship.UNDERGRADUATE),
        ],
    )
    for key, value in extra.items():
        setattr(d, key, value)
    return d


def new_case(reg: Register, disclosure: Disclosure | None = None, kinds=(IpKind.INVENTION,)):
    return reg.cases.save_disclosure(
        None,
        title="Cannula splint",
        summary="A splint",
        ip_kinds=kinds,
        disclosure=disclosure or complete(),
    )


def test_a_draft_saves_whatever_was_typed(register: Register) -> None:
    bad = Disclosure(contributors=[Contributor(name="", share=Decimal(150))])
    case = register.cases.save_disclosure(
        None, title="", summary="half", ip_kinds=[], disclosure=bad
    )
    assert case.stage is Stage.DRAFT and case.display_title == "(untitled draft)"
    assert register.cases.details(case.id).contributors[0].share == Decimal(150)
    again = register.cases.save_disclosure(
        case.id, title="Now titled", summary="half", ip_kinds=[], disclosure=bad
    )
    assert again.reference == case.reference and again.title == "Now titled"


def test_details_round_trip_and_lead_innovator(register: Register) -> None:
    original = complete()
    case = new_case(register, original)
    assert case.lead_innovator == "Aoife Kelly"
    assert register.cases.details(case.id) == original


def test_submission_needs_a_complete_disclosure(register: Register) -> None:
    d = complete()
    d.contributors[1].share = Decimal(20)
    case = new_case(register, d)
    with pytest.raises(ValidationError, match="add up to 100") as info:
        register.cases.change_stage(case.id, Stage.SUBMITTED)
    assert ("contributors", info.value.problems[0][1]) in info.value.problems
    assert register.cases.get(case.id).stage is Stage.DRAFT
    # Only its creation: the refused submission left no trace in the stage history.
    assert [(c.from_stage, c.to_stage) for c in register.cases.history(case.id)] == [
        (None, Stage.DRAFT)
    ]


def test_submission_records_received_and_feedback_due(register: Register) -> None:
    register.settings.update(feedback_target_days=21)
    case = register.cases.change_stage(new_case(register).id, Stage.SUBMITTED)
    assert case.received_on == TODAY
    assert case.feedback_due == TODAY + dt.timedelta(days=21)
    created, change = register.cases.history(case.id)  # from its creation (invariants)
    assert (created.from_stage, created.to_stage) == (None, Stage.DRAFT)
    assert (change.from_stage, change.to_stage, change.changed_on) == (
        Stage.DRAFT,
        Stage.SUBMITTED,
        TODAY,
    )
    last = next(register.audit.entries())
    assert last.action == "stage" and last.changes["stage"] == ["draft", "submitted"]


@pytest.mark.parametrize("current", list(Stage))
def test_only_allowed_transitions_happen(register: Register, current: Stage) -> None:
    case = new_case(register)
    path = {
        Stage.DRAFT: [],
        Stage.SUBMITTED: [Stage.SUBMITTED],
        Stage.IN_TRIAGE: [Stage.SUBMITTED, Stage.IN_TRIAGE],
        Stage.DECISION_MADE: [Stage.SUBMITTED, Stage.IN_TRIAGE, Stage.DECISION_MADE],
        Stage.ACTIVE: [Stage.SUBMITTED, Stage.IN_TRIAGE, Stage.DECISION_MADE, Stage.ACTIVE],
        Stage.CLOSED: [Stage.CLOSED],
    }[current]
    for step in path:
        reason = CloseReason.NO_FURTHER_ACTION if step is Stage.CLOSED else None
        register.cases.change_stage(case.id, step, reason=reason)
    for target in Stage:
        reason = CloseReason.ABANDONED if target is Stage.CLOSED else None
        if target in ALLOWED[current]:
            continue
        with pytest.raises(ValidationError):
            register.cases.change_stage(case.id, target, reason=reason)
        assert register.cases.get(case.id).stage is current


def test_closing_needs_a_reason_and_records_it(register: Register) -> None:
    case = new_case(register)
    with pytest.raises(ValidationError, match="why"):
        register.cases.change_stage(case.id, Stage.CLOSED)
    closed = register.cases.change_stage(
        case.id, Stage.CLOSED, reason=CloseReason.SHARED_OPENLY, note="Published on the intranet"
    )
    assert closed.closed_reason == "shared_openly"
    assert register.cases.history(case.id)[-1].note == "Published on the intranet"


def talk_in(days: int) -> Disclosure:
    return complete(
        external_disclosures=[
            ExternalDisclosure(DisclosureKind.TALK, TODAY + dt.timedelta(days=days), planned=True)
        ]
    )


def shown_alert(case: object, window: int = 30) -> str | None:
    return alert_text(
        case.stage,
        case.alert_on,
        case.alert_planned,
        case.alert_reason,  # type: ignore[attr-defined]
        today=TODAY,
        window_days=window,
    )


def test_alert_for_a_planned_talk_inside_the_window(register: Register) -> None:
    case = new_case(register, talk_in(12))
    text = shown_alert(case)
    assert text is not None and text.startswith("URGENT:") and "Talk" in text


def test_a_talk_outside_the_window_raises_a_notice(register: Register) -> None:
    case = new_case(register, talk_in(45))
    assert case.alert_on is not None
    text = shown_alert(case)
    assert text is not None and text.startswith("Notice:")
    assert (shown_alert(case, window=60) or "").startswith("URGENT:")  # the window is a setting


def test_copyright_only_alerts_too_but_closed_cases_do_not(register: Register) -> None:
    case = new_case(register, talk_in(5), kinds=(IpKind.COPYRIGHT,))
    assert (shown_alert(case) or "").startswith("URGENT:")
    design = new_case(register, talk_in(5), kinds=(IpKind.DESIGN,))
    assert shown_alert(design) is not None
    closed = register.cases.change_stage(design.id, Stage.CLOSED, reason=CloseReason.ABANDONED)
    assert shown_alert(closed) is None


def test_a_disclosure_already_made_always_alerts(register: Register) -> None:
    made = complete(
        external_disclosures=[
            ExternalDisclosure(DisclosureKind.POSTER, TODAY - dt.timedelta(days=200), planned=False)
        ]
    )
    case = new_case(register, made)
    text = shown_alert(case)
    assert text is not None and "UK or European patent is probably no longer possible" in text


def test_attachments_are_kept_encrypted_with_hash_and_size(
    register: Register, tmp_path: Path
) -> None:
    case = new_case(register)
    marker = b"ATTACHMENT-MARKER-9931 " * 100
    info = register.attachments.add(case.id, "drawing.txt", marker)
    assert info.sha256 == hashlib.sha256(marker).hexdigest() and info.size == len(marker)
    assert register.attachments.for_case(case.id) == [info]
    for path in register.path.parent.iterdir():
        if path.is_file():
            assert b"ATTACHMENT-MARKER-9931" not in path.read_bytes()
    target = tmp_path / "exported.txt"
    out = register.attachments.save_to(info.id, target)
    assert out.read_bytes() == marker
    assert next(register.audit.entries()).action == "export"


@pytest.mark.parametrize("kind", ["attachment", "agreement_file"])
def test_a_stored_file_that_no_longer_matches_its_hash_is_not_exported(
    register: Register, tmp_path: Path, kind: str
) -> None:
    """Both kinds of stored file go through one checked export: a changed file is refused,
    nothing lands in the target folder and no export is recorded."""
    from nhsip_desktop.agreements.model import Agreement, AgreementKind

    if kind == "attachment":
        info = register.attachments.add(new_case(register).id, "drawing.txt", b"original")
        table, export = "attachments", register.attachments.save_to
    else:
        agreement = register.agreements.save(
            Agreement(kind=AgreementKind.NDA, title="Confidentiality", parties=["Acme Ltd"])
        )
        assert agreement.id is not None
        info = register.agreements.add_file(agreement.id, "signed.pdf", b"original")
        table, export = "agreement_files", register.agreements.save_file_to
    with register.conn:
        register.conn.execute(f"UPDATE {table} SET content = ? WHERE id = ?", (b"altered", info.id))
    before = next(register.audit.entries())
    out_dir = tmp_path / "exports"
    out_dir.mkdir()
    with pytest.raises(ValidationError, match="does not match its recorded SHA-256"):
        export(info.id, out_dir / "out.bin")
    assert list(out_dir.iterdir()) == []
    assert next(register.audit.entries()) == before


def test_oversized_attachment_is_refused_clearly(register: Register) -> None:
    case = new_case(register)
    with pytest.raises(ValidationError, match="MB can be kept"):
        register.attachments.add(case.id, "scan.tiff", b"0" * (MAX_ATTACHMENT_BYTES + 1))
    assert register.attachments.for_case(case.id) == []


def test_deleting_a_draft_removes_its_details_and_files(register: Register) -> None:
    case = new_case(register)
    register.attachments.add(case.id, "a.txt", b"x")
    register.cases.delete(case.id)
    assert register.conn.execute("SELECT count(*) FROM case_details").fetchone()[0] == 0
    assert register.conn.execute("SELECT count(*) FROM attachments").fetchone()[0] == 0
    assert register.verify_audit().ok
