"""Issue 23 item 3 and issue 20: a planned disclosure raises an alert at once, for every kind
of unprotected IP, escalating as its date nears; filing protection or cancelling it clears or
changes the alert; the alert shows in the case list, the case window and the deadlines view.
Issue 23 item 2: a disclosure already made is explained plainly in the dossier."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from nhsip_desktop.assets.rights import Right, RightStatus, RightType
from nhsip_desktop.cases.disclosure import (
    Answer,
    Contributor,
    Disclosure,
    DisclosureKind,
    ExternalDisclosure,
    Relationship,
)
from nhsip_desktop.cases.model import IpKind, Stage
from nhsip_desktop.cases.stages import effective_next_action
from nhsip_desktop.reports.dossier import write_dossier
from nhsip_desktop.store.deadlines import all_deadlines
from nhsip_desktop.store.register import Register

TODAY = dt.date.today()


def _disclosure(days: int | None, *, planned: bool = True) -> Disclosure:
    talks = []
    if days is not None:
        on = TODAY + dt.timedelta(days=days)
        talks = [ExternalDisclosure(DisclosureKind.TALK, on, planned=planned)]
    return Disclosure(
        problem="Night handover misses drug changes.",
        contributors=[
            Contributor(
                name="Ann Lee",
                relationship=Relationship.EMPLOYEE_CLINICAL,
                in_course_of_duties=Answer.YES,
                share=Decimal(100),
            )
        ],
        external_disclosures=talks,
    )


def _case(register: Register, kinds: tuple[IpKind, ...], days: int | None) -> int:
    case = register.cases.save_disclosure(
        None, title="Handover tool", summary="", ip_kinds=kinds, disclosure=_disclosure(days)
    )
    register.cases.change_stage(case.id, Stage.SUBMITTED)
    return case.id


def _alert_deadline(register: Register, case_id: int) -> Any:
    found = [d for d in all_deadlines(register, TODAY) if d.source_id == f"case:{case_id}:alert"]
    return found[0] if found else None


def _next_action(register: Register, case_id: int) -> Any:
    window = int(register.settings.get("disclosure_alert_days"))
    return effective_next_action(register.cases.get(case_id), today=TODAY, window_days=window)


@pytest.mark.parametrize("kind", list(IpKind))
@pytest.mark.parametrize(("days", "prefix"), [(10, "URGENT:"), (60, "Notice:")])
def test_a_planned_talk_alerts_for_every_kind(
    register: Register, kind: IpKind, days: int, prefix: str
) -> None:
    case_id = _case(register, (kind,), days)
    on = TODAY + dt.timedelta(days=days)
    action = _next_action(register, case_id)  # what the case list shows
    assert action.text.startswith(prefix) and f"{on:%d/%m/%Y}" in action.text
    assert action.due == on and action.urgent is (prefix == "URGENT:")
    deadline = _alert_deadline(register, case_id)  # the deadlines view
    assert deadline is not None and deadline.due == on
    assert deadline.text.startswith(prefix) and deadline.urgent is (prefix == "URGENT:")


def test_filing_a_patent_clears_the_alert_and_changes_a_mixed_one(register: Register) -> None:
    only = _case(register, (IpKind.INVENTION,), 10)
    mixed = _case(register, (IpKind.INVENTION, IpKind.COPYRIGHT), 10)
    for case_id in (only, mixed):
        register.rights.save(
            Right(
                None,
                RightType.PATENT,
                "GB",
                "Handover tool",
                application_number="GB2600001.0",
                filing_date=TODAY,
                status=RightStatus.FILED,
                case_id=case_id,
            )
        )
    assert register.cases.get(only).alert_on is None
    assert _alert_deadline(register, only) is None
    assert not _next_action(register, only).text.startswith(("URGENT", "Notice"))
    text = register.cases.get(mixed).alert_reason
    assert "software or other copyright work" in text and "the invention" not in text.split(":")[1]
    assert "patent filed" in text
    # The internal review decides about the copyright: the alert clears.
    register.cases.change_stage(mixed, Stage.IN_TRIAGE)
    register.cases.change_stage(mixed, Stage.DECISION_MADE)
    assert register.cases.get(mixed).alert_on is None


def test_cancelling_the_talk_clears_the_alert(register: Register) -> None:
    case_id = _case(register, (IpKind.KNOW_HOW,), 60)
    assert _alert_deadline(register, case_id) is not None
    register.cases.save_disclosure(
        case_id,
        title="Handover tool",
        summary="",
        ip_kinds=(IpKind.KNOW_HOW,),
        disclosure=_disclosure(None),
    )
    assert register.cases.get(case_id).alert_on is None
    assert _alert_deadline(register, case_id) is None


def test_the_case_window_shows_the_notice(qtbot: Any, register: Register) -> None:
    from nhsip_desktop.ui.main_window import MainWindow
    from nhsip_desktop.ui.session import RegisterSession

    case_id = _case(register, (IpKind.COPYRIGHT,), 60)
    session = RegisterSession()
    session.attach(register)
    win = MainWindow(session)
    qtbot.addWidget(win)
    win.show()
    editor = win.open_case(case_id)
    assert editor is not None
    qtbot.waitUntil(lambda: editor.alert.isVisible(), timeout=2000)
    on = TODAY + dt.timedelta(days=60)
    assert editor.alert.text().startswith("Notice:") and f"{on:%d/%m/%Y}" in editor.alert.text()
    editor.close()
    session.lock()


def test_a_published_inventions_dossier_is_plain(register: Register, tmp_path: Path) -> None:
    case = register.cases.save_disclosure(
        None,
        title="Cannula splint",
        summary="",
        ip_kinds=(IpKind.INVENTION, IpKind.DESIGN),
        disclosure=_disclosure(-40, planned=False),
    )
    text = case.alert_reason
    assert "a UK or European patent is probably no longer possible" in text
    written = write_dossier(register, case.id, tmp_path / "d.pdf")
    pdf = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(written).pages)
    for words in (
        "UK or European patent is probably no longer possible",
        "Improvements worked out later",
        "UK registered design may still be possible",
        "(route 1) is still a success",
        "Source: Patents Act 1977 s.2",
    ):
        assert words in pdf, words
    assert "grace period may still help" not in pdf


def test_the_migration_recomputes_alerts_stored_under_the_old_rule(register: Register) -> None:
    from sqlite_utils import Database

    from nhsip_desktop.store import migrations as mig

    case_id = _case(register, (IpKind.COPYRIGHT,), 10)
    with register.transaction():
        register.conn.execute(
            "UPDATE cases SET alert_on = NULL, alert_planned = 0, alert_reason = '' WHERE id = ?",
            (case_id,),
        )
    assert _alert_deadline(register, case_id) is None  # as an older register stored it
    with register.transaction():
        mig.m0007_disclosure_alerts_every_kind(Database(register.conn))
    assert _alert_deadline(register, case_id) is not None
