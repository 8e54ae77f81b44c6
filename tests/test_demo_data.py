from __future__ import annotations

import datetime as dt
from itertools import islice

import pytest

from nhsip_desktop.cases.model import IpKind, Stage
from nhsip_desktop.interchange.demo_data import (
    CURATED,
    DEMO_LEAD,
    DEMO_ORGANISATION,
    DemoCase,
    demo_cases,
)

TODAY = dt.date(2026, 3, 2)


def _cases(count: int, seed: int = 2026, today: dt.date = TODAY) -> list[DemoCase]:
    return list(demo_cases(count, today=today, seed=seed))


def test_demo_names_are_marked_fictional() -> None:
    assert "fictional" in DEMO_ORGANISATION.lower()
    assert DEMO_LEAD


def test_curated_set_covers_every_stage_and_kind() -> None:
    assert 35 <= len(CURATED) <= 45
    assert {case.stage for case in CURATED} == set(Stage)
    assert {kind for case in CURATED for kind in case.ip_kinds} == set(IpKind)


def test_curated_cases_are_complete_and_titles_unique() -> None:
    titles = [case.title for case in CURATED]
    assert len(titles) == len(set(titles))
    for case in CURATED:
        assert case.title and case.summary and case.lead_innovator, case
        assert case.ip_kinds, case
        assert len(case.ip_kinds) == len(set(case.ip_kinds)), case
        assert "|" not in case.summary, case


@pytest.mark.parametrize("count", [0, 1, 40, 1000])
def test_count_is_respected(count: int) -> None:
    assert len(_cases(count)) == count


def test_negative_count_is_rejected() -> None:
    with pytest.raises(ValueError):
        list(demo_cases(-1, today=TODAY))


def test_curated_cases_come_first_with_dates_shifted_to_today() -> None:
    cases = _cases(len(CURATED) + 5)
    assert [c.title for c in cases[: len(CURATED)]] == [c.title for c in CURATED]
    later = _cases(len(CURATED), today=TODAY + dt.timedelta(days=100))
    for before, after in zip(cases, later, strict=False):
        if before.received_on is not None:
            assert after.received_on == before.received_on + dt.timedelta(days=100)
        if before.next_action_due is not None:
            assert after.next_action_due == before.next_action_due + dt.timedelta(days=100)


def test_same_seed_gives_same_output() -> None:
    assert _cases(500, seed=7) == _cases(500, seed=7)


def test_different_seed_gives_different_synthetic_titles() -> None:
    first = [c.title for c in _cases(500, seed=1)[len(CURATED) :]]
    second = [c.title for c in _cases(500, seed=2)[len(CURATED) :]]
    assert first != second
    # The curated part does not depend on the seed.
    assert _cases(len(CURATED), seed=1) == _cases(len(CURATED), seed=2)


@pytest.mark.parametrize("count", [len(CURATED), 3000])
def test_dates_are_consistent_with_stage(count: int) -> None:
    for case in _cases(count):
        if case.stage is Stage.DRAFT:
            assert case.received_on is None, case
        else:
            assert case.received_on is not None, case
            assert case.received_on <= TODAY, case
            assert case.received_on >= TODAY - dt.timedelta(days=2 * 366), case


@pytest.mark.parametrize("count", [len(CURATED), 3000])
def test_next_action_has_due_date_unless_closed(count: int) -> None:
    for case in _cases(count):
        if case.stage is Stage.CLOSED:
            assert case.next_action == "" and case.next_action_due is None, case
        else:
            assert case.next_action, case
            assert case.next_action_due is not None, case


def test_synthetic_titles_are_varied_and_searchable() -> None:
    synthetic = _cases(5000)[len(CURATED) :]
    titles = [c.title.lower() for c in synthetic]
    assert len(set(titles)) > 1000
    for word in ("app", "splint", "dermatology", "leaflet"):
        assert any(word in title.split() for title in titles), word
    assert {c.stage for c in synthetic} == set(Stage)
    assert {k for c in synthetic for k in c.ip_kinds} == set(IpKind)


def test_synthetic_stage_mix_is_realistic() -> None:
    synthetic = _cases(20_000)[len(CURATED) :]
    share = {s: sum(c.stage is s for c in synthetic) / len(synthetic) for s in Stage}
    assert share[Stage.CLOSED] > share[Stage.ACTIVE]
    assert share[Stage.SUBMITTED] + share[Stage.IN_TRIAGE] > share[Stage.ACTIVE]
    assert share[Stage.DRAFT] < 0.1


def test_generation_is_lazy() -> None:
    huge = demo_cases(10**12, today=TODAY)
    assert list(islice(huge, 50)) == _cases(50)


def test_hundred_thousand_cases_generate() -> None:
    cases = list(demo_cases(100_000, today=TODAY))
    assert len(cases) == 100_000
    assert all(isinstance(case, DemoCase) for case in cases)
    assert all(case.received_on is None or case.received_on <= TODAY for case in cases)
