"""register.cases: references, validation, search, sorting."""

from __future__ import annotations

import datetime as dt

import pytest

from nhsip_desktop.cases.model import CaseFilter, IpKind, Stage
from nhsip_desktop.store.errors import NotFoundError, ValidationError
from nhsip_desktop.store.register import Register


@pytest.fixture
def filled(register: Register) -> Register:
    register.cases.add(
        "Speech therapy app for schools",
        summary="Games that build vocabulary",
        stage=Stage.SUBMITTED,
        ip_kinds=[IpKind.COPYRIGHT],
        lead_innovator="Aoife Kelly",
        received_on=dt.date(2026, 2, 1),
    )
    register.cases.add(
        "3D-printed surgical cutting guide",
        summary="Patient-specific guide",
        stage=Stage.ACTIVE,
        ip_kinds=[IpKind.DESIGN, IpKind.INVENTION],
        lead_innovator="Tom Adebayo",
        received_on=dt.date(2025, 6, 3),
    )
    register.cases.add(
        "Dermatology triage algorithm",
        summary="AI that sorts referrals",
        stage=Stage.IN_TRIAGE,
        ip_kinds=[IpKind.COPYRIGHT, IpKind.DATA],
        lead_innovator="Hannah Lowe",
        received_on=dt.date(2026, 1, 9),
    )
    register.cases.add(
        "Hip recovery leaflet",
        stage=Stage.CLOSED,
        lead_innovator="Ann Shaw",
        received_on=dt.date(2024, 11, 20),
    )
    return register


def titles(reg: Register, **kw: object) -> list[str]:
    kw.setdefault("descending", False)
    return [c.title for c in reg.cases.search(CaseFilter(**kw))]  # type: ignore[arg-type]


def test_references_are_sequential_per_year_and_never_reused(register: Register) -> None:
    a = register.cases.add("A", year=2025)
    b = register.cases.add("B", year=2026)
    c = register.cases.add("C", year=2026)
    register.cases.delete(c.id)
    d = register.cases.add("D", year=2026)
    assert [a.reference, b.reference, d.reference] == [
        "IP-2025-0001",
        "IP-2026-0001",
        "IP-2026-0003",
    ]
    assert register.cases.get_by_reference("ip-2026-0003").title == "D"
    with pytest.raises(NotFoundError):
        register.cases.get(c.id)


def test_validation_messages_name_the_field(register: Register) -> None:
    with pytest.raises(ValidationError, match="title") as info:
        register.cases.add("   ")
    assert info.value.field == "title"
    with pytest.raises(ValidationError) as info:
        register.cases.add("X", ip_kinds=["patent"])  # type: ignore[list-item]
    assert info.value.field == "ip_kinds"
    with pytest.raises(ValidationError):
        register.cases.add("X", received_on="01/02/2026")  # type: ignore[arg-type]
    assert register.cases.count() == 0


def test_full_text_search_by_prefix_words_and_names(filled: Register) -> None:
    assert titles(filled, text="derm") == ["Dermatology triage algorithm"]
    assert titles(filled, text="app schools") == ["Speech therapy app for schools"]
    assert titles(filled, text="referrals") == ["Dermatology triage algorithm"]  # summary
    assert titles(filled, text="adebayo") == ["3D-printed surgical cutting guide"]
    assert titles(filled, text="app zebra") == []
    assert titles(filled, text='"(*') == []  # punctuation only: no error, no match


def test_search_by_reference_and_stage_filter(filled: Register) -> None:
    assert titles(filled, text="IP-2026-0002") == ["3D-printed surgical cutting guide"]
    assert titles(filled, stage=Stage.CLOSED) == ["Hip recovery leaflet"]
    assert titles(filled, text="app", stage=Stage.CLOSED) == []


def test_default_order_is_newest_first(filled: Register) -> None:
    references = [c.reference for c in filled.cases.search(CaseFilter())]
    assert references == sorted(references, reverse=True)


def test_sorting(filled: Register) -> None:
    assert titles(filled, sort_key="title") == sorted(titles(filled), key=str.lower)
    by_received = titles(filled, sort_key="received_on", descending=True)
    assert by_received[0] == "Speech therapy app for schools"
    by_stage = [
        c.stage for c in filled.cases.search(CaseFilter(sort_key="stage", descending=False))
    ]
    assert by_stage == [Stage.SUBMITTED, Stage.IN_TRIAGE, Stage.ACTIVE, Stage.CLOSED]
    with pytest.raises(ValidationError):
        filled.cases.ids(CaseFilter(sort_key="summary; DROP TABLE cases"))


def test_search_index_follows_updates_and_deletes(filled: Register) -> None:
    case = filled.cases.get_by_reference("IP-2026-0004")
    filled.cases.update(case.id, title="Knee recovery leaflet")
    assert titles(filled, text="knee") == ["Knee recovery leaflet"]
    assert titles(filled, text="hip") == []
    filled.cases.delete(case.id)
    assert titles(filled, text="knee") == []


def test_add_many_returns_ids_in_the_order_given(register: Register) -> None:
    ids = register.cases.add_many(
        [{"title": "Made in 2026", "year": 2026}, {"title": "Made in 2024", "year": 2024}]
    )
    assert [register.cases.get(i).title for i in ids] == ["Made in 2026", "Made in 2024"]
    assert [register.cases.get(i).reference for i in ids] == ["IP-2026-0001", "IP-2024-0001"]


def _save_title(register: Register, case_id: int, title: str) -> None:
    case = register.cases.get(case_id)
    register.cases.save_disclosure(
        case_id,
        title=title,
        summary=case.summary,
        ip_kinds=case.ip_kinds,
        disclosure=register.cases.details(case_id),
    )


def _order_reads(register: Register) -> list[str]:
    reads: list[str] = []
    register.conn.set_trace_callback(
        lambda sql: reads.append(sql) if sql.startswith("SELECT id FROM cases ORDER BY") else None
    )
    return reads


def test_a_save_that_cannot_move_a_case_keeps_the_remembered_order(register: Register) -> None:
    ids = [register.cases.add(f"Case {n}").id for n in range(5)]
    before = register.cases.ids(CaseFilter())
    reads = _order_reads(register)
    try:
        _save_title(register, ids[2], "Renamed, still in its place by reference")
        assert register.cases.ids(CaseFilter()) == before
        assert reads == []  # kept, not read again
        register.cases.ids(CaseFilter(sort_key="title"))
        assert len(reads) == 1  # another order is read (and then remembered)
    finally:
        register.conn.set_trace_callback(None)


def test_a_save_that_moves_a_case_reorders(register: Register) -> None:
    ids = [register.cases.add(title).id for title in ("Alpha", "Bravo", "Charlie")]
    by_title = CaseFilter(sort_key="title", descending=False)
    assert register.cases.ids(by_title) == ids
    _save_title(register, ids[0], "Zulu")
    assert register.cases.ids(by_title) == [ids[1], ids[2], ids[0]]


def test_a_save_inside_a_larger_change_does_not_keep_a_stale_order(register: Register) -> None:
    first = register.cases.add("First").id
    before = register.cases.ids(CaseFilter())
    with register.transaction():
        _save_title(register, first, "First, renamed")
        added = register.cases.add("Added in the same change").id
    after = register.cases.ids(CaseFilter())
    assert added in after and len(after) == len(before) + 1
