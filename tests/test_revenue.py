"""Revenue sharing (guidance step 8; Annex A section 9): the policy file, tax-band style
slicing of cumulative net revenue, exact-to-the-penny shares, and the innovator's statement."""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from nhsip_desktop.cases.disclosure import Contributor, Disclosure
from nhsip_desktop.cases.model import IpKind
from nhsip_desktop.core.resources import resource_path
from nhsip_desktop.finance.revenue import (
    BASIS,
    PARTIES,
    PENNY,
    ROUNDING_RULE,
    Band,
    Distribution,
    ReturnKind,
    ReturnLine,
    RevenuePolicy,
    RevenuePolicyError,
    distribute,
    example_policy,
    load_revenue_policy,
    parse_revenue_policy,
    totals_by_innovator,
    totals_by_party,
)
from nhsip_desktop.reports.statement import PAYMENT_NOTE, write_innovator_statement
from nhsip_desktop.store.errors import RegisterError, ValidationError
from nhsip_desktop.store.register import Register

D = Decimal
POLICY = example_policy()
FIRST, SECOND, THIRD = POLICY.bands


def _line(
    return_id: int,
    gross: str,
    deductible: str = "0",
    on: dt.date = dt.date(2025, 6, 1),
    kind: ReturnKind = ReturnKind.ROYALTY,
) -> ReturnLine:
    return ReturnLine(return_id, on, D(gross), D(deductible), kind, f"Return {return_id}")


def _people(*shares: str) -> list[Contributor]:
    return [
        Contributor(name=f"Innovator {i + 1}", share=D(share), key=f"k{i + 1}")
        for i, share in enumerate(shares)
    ]


def _amounts(d: Distribution) -> list[Decimal]:
    return [amount for _, _, amount in d.innovators]


def _check_reconciles(d: Distribution) -> None:
    assert sum(d.parties.values(), D(0)) == d.net
    assert sum(_amounts(d), D(0)) == d.parties["innovators"]
    assert sum((part for _, part in d.band_slices), D(0)) == d.net
    for amount in [*d.parties.values(), *_amounts(d)]:
        assert amount >= 0 and amount == amount.quantize(PENNY)


def _bands(*rows: tuple[str | None, str, str, str, str]) -> tuple[Band, ...]:
    return tuple(Band(None if r[0] is None else D(r[0]), *(D(x) for x in r[1:])) for r in rows)


def _policy(bands: tuple[Band, ...]) -> RevenuePolicy:
    return RevenuePolicy(
        id="test",
        version=1,
        effective=dt.date(2025, 11, 18),
        title="Test policy",
        basis=BASIS,
        deductible="Costs of protecting and licensing.",
        bands=bands,
    )


# -- the policy --------------------------------------------------------------------------------
def test_example_policy_file_is_an_example_with_three_tax_style_bands() -> None:
    raw = json.loads(
        resource_path("policies", "revenue-sharing-example.json").read_text(encoding="utf-8")
    )
    assert raw["format"] == "nhsip-revenue-policy" and raw["id"] == "example"
    assert raw["version"] == 1 and raw["effective"] == "2025-11-18"
    assert "example" in raw["title"].lower() and "edit" in raw["title"].lower()
    assert raw["basis"] == "cumulative net revenue per case"
    assert "attorney" in raw["deductible"] and "costs ledger" in raw["deductible"]
    assert all(isinstance(b["innovators"], str) for b in raw["bands"])  # exact, never float
    assert raw["rounding"] == ROUNDING_RULE  # the file says what the code does

    assert (POLICY.id, POLICY.version, POLICY.effective) == ("example", 1, dt.date(2025, 11, 18))
    assert [b.up_to for b in POLICY.bands] == [D(50000), D(500000), None]
    assert [(b.innovators, b.department, b.organisation, b.ttc) for b in POLICY.bands] == [
        (D(50), D(20), D(30), D(0)),
        (D(35), D(25), D(40), D(0)),
        (D(25), D(25), D(50), D(0)),
    ]
    assert [POLICY.band_label(i) for i in range(3)] == [
        "Up to £50,000.00",
        "£50,000.00 to £500,000.00",
        "Over £500,000.00",
    ]


def test_policy_round_trips_through_json() -> None:
    again = RevenuePolicy.from_json(json.loads(json.dumps(POLICY.to_json())), "copy.json")
    assert again == POLICY
    assert again.to_json() == POLICY.to_json()


@pytest.mark.parametrize(
    ("bands", "field", "words"),
    [
        (
            (("50000", "50", "20", "20", "0"), (None, "25", "25", "50", "0")),
            "bands[0]",
            "must total 100; they total 90",
        ),
        (
            (
                ("500000", "50", "20", "30", "0"),
                ("50000", "35", "25", "40", "0"),
                (None, "25", "25", "50", "0"),
            ),
            "bands[1].up_to",
            "ascending order",
        ),
        (
            ((None, "50", "20", "30", "0"), ("50000", "35", "25", "40", "0")),
            "bands[0].up_to",
            "only the last band may be open-ended",
        ),
        (
            (("50000", "50", "20", "30", "0"), ("500000", "35", "25", "40", "0")),
            "bands[1].up_to",
            "last band must be open-ended",
        ),
        (((None, "110", "-10", "0", "0"),), "bands[0].innovators", "from 0 to 100"),
        (
            (("50000.001", "50", "20", "30", "0"), (None, "50", "20", "30", "0")),
            "bands[0].up_to",
            "pounds",
        ),
        ((), "bands", "at least one band"),
    ],
)
def test_bad_bands_are_refused_naming_the_field(
    tmp_path: Path, bands: tuple[tuple[str | None, ...], ...], field: str, words: str
) -> None:
    raw = POLICY.to_json()
    raw["bands"] = [dict(zip(("up_to", *PARTIES), band, strict=True)) for band in bands]
    path = tmp_path / "our-policy.json"
    path.write_text(json.dumps(raw), encoding="utf-8")

    with pytest.raises(RevenuePolicyError) as caught:
        load_revenue_policy(path)

    assert isinstance(caught.value, RegisterError)
    assert caught.value.source == "our-policy.json" and caught.value.field == field
    assert "our-policy.json" in str(caught.value) and field in str(caught.value)
    assert words in str(caught.value)


def test_bands_made_in_code_are_checked_too() -> None:
    with pytest.raises(RevenuePolicyError, match="must total 100"):
        _policy(_bands((None, "50", "20", "30", "1")))
    with pytest.raises(RevenuePolicyError, match="ascending"):
        _policy(
            _bands(
                ("100", "50", "20", "30", "0"),
                ("100", "50", "20", "30", "0"),
                (None, "50", "20", "30", "0"),
            )
        )


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"format": "something-else"}, "format", "nhsip-revenue-policy"),
        ({"version": "1"}, "version", "whole number"),
        ({"effective": "18/11/2025"}, "effective", "YYYY-MM-DD"),
        ({"title": ""}, "title", "some text"),
        ({"basis": "per return"}, "basis", BASIS),
        ({"deductible": None}, "deductible", "some text"),
    ],
)
def test_bad_policy_fields_are_refused(change: dict[str, object], field: str, words: str) -> None:
    raw = {**POLICY.to_json(), **change}
    with pytest.raises(RevenuePolicyError) as caught:
        parse_revenue_policy(raw, "trust.json")
    assert caught.value.field == field and words in str(caught.value)


def test_missing_band_field_and_bad_numbers_are_named() -> None:
    raw = POLICY.to_json()
    del raw["bands"][1]["ttc"]
    with pytest.raises(RevenuePolicyError, match=r"bands\[1\]\.ttc: this field is missing"):
        parse_revenue_policy(raw, "trust.json")
    raw = POLICY.to_json()
    raw["bands"][0]["department"] = "twenty"
    with pytest.raises(RevenuePolicyError, match=r"bands\[0\]\.department"):
        parse_revenue_policy(raw, "trust.json")
    raw["bands"][0]["department"] = True
    with pytest.raises(RevenuePolicyError, match=r"bands\[0\]\.department"):
        parse_revenue_policy(raw, "trust.json")


def test_unreadable_policy_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(RevenuePolicyError, match=r"broken\.json is not usable: file: is not valid"):
        load_revenue_policy(path)
    with pytest.raises(RevenuePolicyError, match=r"absent\.json is not usable: file"):
        load_revenue_policy(tmp_path / "absent.json")


def test_json_numbers_are_read_exactly(tmp_path: Path) -> None:
    raw = POLICY.to_json()
    raw["bands"][0].update(innovators=33.33, department=33.33, organisation=33.34, ttc=0)
    path = tmp_path / "numbers.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    policy = load_revenue_policy(path)
    assert policy.bands[0].innovators == D("33.33") and policy.bands[0].total == 100


# -- returns -----------------------------------------------------------------------------------
def test_return_kinds_have_labels() -> None:
    assert [k.label for k in ReturnKind] == [
        "Royalty",
        "Licence fee",
        "Milestone payment",
        "Sale of shares (equity)",
        "Other",
    ]


def test_net_is_never_negative_and_the_shortfall_is_noted() -> None:
    line = _line(1, "500.00", "750.00")
    assert line.net == D("0.00") and line.shortfall == D("250.00")
    assert _line(2, "100", "40.50").net == D("59.50")

    [short, after] = distribute(
        POLICY,
        [line, _line(2, "1000.00", on=dt.date(2025, 7, 1))],
        _people("100"),
        prior_net=D("49500.00"),
    )

    assert short.net == 0 and short.band_slices == []
    assert all(amount == 0 for amount in short.parties.values())
    assert _amounts(short) == [D(0)]
    assert "carried as £0.00" in short.note and "£250.00 shortfall" in short.note
    # The shortfall is not set against the next return, which starts where the case stood.
    assert after.cumulative_before == D("49500.00") and after.note == ""
    assert after.band_slices == [(FIRST, D("500.00")), (SECOND, D("500.00"))]


@pytest.mark.parametrize(
    ("gross", "deductible", "field"),
    [("-1", "0", "gross"), ("10", "-0.01", "deductible"), ("10.005", "0", "gross")],
)
def test_return_amounts_must_be_pounds_and_pence(gross: str, deductible: str, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        _line(1, gross, deductible)
    assert caught.value.field == field


# -- bands ------------------------------------------------------------------------------------
def test_a_return_crossing_50000_is_split_between_the_bands() -> None:
    first, second = distribute(
        POLICY,
        [
            _line(1, "40000.00", on=dt.date(2025, 5, 1)),
            _line(2, "20000.00", on=dt.date(2025, 8, 1)),
        ],
        _people("100"),
    )
    assert first.band_slices == [(FIRST, D("40000.00"))]
    assert second.cumulative_before == D("40000.00")
    assert second.band_slices == [(FIRST, D("10000.00")), (SECOND, D("10000.00"))]
    # 10,000 at 50/20/30/0 and 10,000 at 35/25/40/0.
    assert second.parties == {
        "innovators": D("8500.00"),
        "department": D("4500.00"),
        "organisation": D("7000.00"),
        "ttc": D("0.00"),
    }


def test_a_return_landing_exactly_on_the_edge_stays_in_the_lower_band() -> None:
    on_edge, next_penny = distribute(
        POLICY,
        [_line(1, "50000.00", on=dt.date(2025, 5, 1)), _line(2, "0.01", on=dt.date(2025, 5, 2))],
        _people("100"),
    )
    assert on_edge.band_slices == [(FIRST, D("50000.00"))]
    assert on_edge.parties["innovators"] == D("25000.00")
    assert next_penny.band_slices == [(SECOND, D("0.01"))]
    # 35/25/40 of one penny: the penny goes to the largest remainder, the organisation.
    assert next_penny.parties == {
        "innovators": D("0.00"),
        "department": D("0.00"),
        "organisation": D("0.01"),
        "ttc": D("0.00"),
    }


def test_starting_from_prior_net_inside_a_band() -> None:
    [inside] = distribute(POLICY, [_line(1, "10000.00")], _people("100"), prior_net=D("100000"))
    assert inside.band_slices == [(SECOND, D("10000.00"))]
    assert inside.parties["innovators"] == D("3500.00")

    [crossing] = distribute(
        POLICY, [_line(1, "10000.00")], _people("100"), prior_net=D("495000.00")
    )
    assert crossing.band_slices == [(SECOND, D("5000.00")), (THIRD, D("5000.00"))]
    assert crossing.parties["innovators"] == D("1750.00") + D("1250.00")


def test_one_large_return_spans_every_band() -> None:
    [d] = distribute(POLICY, [_line(1, "600000.00")], _people("100"))
    assert d.band_slices == [(FIRST, D(50000)), (SECOND, D(450000)), (THIRD, D(100000))]
    assert d.parties["innovators"] == D(25000) + D(157500) + D(25000)
    assert d.parties["organisation"] == D(15000) + D(180000) + D(50000)
    _check_reconciles(d)


@pytest.mark.parametrize("prior", ["-1", "0.001"])
def test_prior_net_must_be_pounds_and_pence(prior: str) -> None:
    with pytest.raises(ValidationError) as caught:
        distribute(POLICY, [], _people("100"), prior_net=D(prior))
    assert caught.value.field == "prior_net"


# -- innovators -------------------------------------------------------------------------------
def test_seventy_thirty() -> None:
    [d] = distribute(POLICY, [_line(1, "30000.00", "1234.56")], _people("70", "30"))
    assert d.net == D("28765.44") and d.parties["innovators"] == D("14382.72")
    # 10,067.904 and 4,314.816: the spare penny goes to the larger remainder (.006).
    assert d.innovators == [
        ("k1", "Innovator 1", D("10067.90")),
        ("k2", "Innovator 2", D("4314.82")),
    ]


def test_three_way_split_hands_out_pennies_by_remainder_then_listing_order() -> None:
    [d] = distribute(POLICY, [_line(1, "1.00")], _people("33.33", "33.33", "33.34"))
    assert d.parties["innovators"] == D("0.50")
    # 0.16665, 0.16665, 0.1667: two spare pennies, to the 33.34% and then the first listed.
    assert _amounts(d) == [D("0.17"), D("0.16"), D("0.17")]

    [d] = distribute(POLICY, [_line(1, "43999.99")], _people("33.33", "33.33", "33.34"))
    assert d.parties == {
        "innovators": D("21999.99"),  # 21,999.995: the smallest remainder of the three
        "department": D("8800.00"),
        "organisation": D("13200.00"),
        "ttc": D("0.00"),
    }
    assert _amounts(d) == [D("7332.60"), D("7332.60"), D("7334.79")]


def test_an_exact_tie_goes_to_the_first_listed() -> None:
    [d] = distribute(POLICY, [_line(1, "0.02")], _people("50", "50"))
    assert d.parties["innovators"] == D("0.01")
    assert _amounts(d) == [D("0.01"), D("0.00")]
    [d] = distribute(POLICY, [_line(1, "0.02")], list(reversed(_people("50", "50"))))
    assert [key for key, _, _ in d.innovators] == ["k2", "k1"]
    assert _amounts(d) == [D("0.01"), D("0.00")]


def test_shares_with_awkward_remainders_still_add_up() -> None:
    people = _people("14.28", "14.28", "14.28", "14.28", "14.28", "14.28", "14.32")
    [d] = distribute(POLICY, [_line(1, "12345.67")], people)
    _check_reconciles(d)
    exact = [d.parties["innovators"] * c.share / 100 for c in people]
    for amount, want in zip(_amounts(d), exact, strict=True):
        assert abs(amount - want) < PENNY
    # A nought-percent innovator never receives a spare penny.
    [d] = distribute(POLICY, [_line(1, "0.07")], _people("0", "33.33", "66.67"))
    assert _amounts(d)[0] == 0
    _check_reconciles(d)


def test_contributors_must_be_there_and_total_100() -> None:
    with pytest.raises(ValidationError, match="add up to 90%") as caught:
        distribute(POLICY, [_line(1, "10")], _people("60", "30"))
    assert caught.value.field == "contributors"
    with pytest.raises(ValidationError, match="Add the innovators"):
        distribute(POLICY, [_line(1, "10")], [])
    with pytest.raises(ValidationError, match="same id"):
        distribute(POLICY, [_line(1, "10"), _line(1, "20")], _people("100"))


# -- a year of returns ------------------------------------------------------------------------
def test_several_returns_across_bands_in_one_year() -> None:
    returns = [  # given out of order: shared in the order received
        _line(4, "300000.00", "12000.00", dt.date(2026, 1, 20), ReturnKind.EQUITY_SALE),
        _line(1, "15000.00", "2500.00", dt.date(2025, 4, 10), ReturnKind.LICENCE_FEE),
        _line(3, "250000.00", "0", dt.date(2025, 11, 3), ReturnKind.MILESTONE),
        _line(2, "42000.00", "1500.00", dt.date(2025, 7, 1)),
        _line(5, "2000.00", "0", dt.date(2025, 7, 1)),  # same day as 2: by id
    ]
    people = _people("70", "30")
    result = distribute(POLICY, returns, people)

    assert [d.return_id for d in result] == [1, 2, 5, 3, 4]
    assert [d.cumulative_before for d in result] == [
        D(0),
        D("12500.00"),
        D("53000.00"),
        D("55000.00"),
        D("305000.00"),
    ]
    assert result[1].band_slices == [(FIRST, D("37500.00")), (SECOND, D("3000.00"))]
    assert result[2].band_slices == [(SECOND, D("2000.00"))]
    assert result[4].band_slices == [(SECOND, D("195000.00")), (THIRD, D("93000.00"))]
    for d in result:
        _check_reconciles(d)

    parties = totals_by_party(result)
    total_net = sum((line.net for line in returns), D(0))
    assert total_net == D("593000.00")
    assert sum(parties.values(), D(0)) == total_net
    assert parties["innovators"] == (
        D(50000) * D("0.50") + D(450000) * D("0.35") + D(93000) * D("0.25")
    )
    assert parties["ttc"] == 0
    innovators = totals_by_innovator(result)
    assert list(innovators) == ["k1", "k2"]
    assert sum(innovators.values(), D(0)) == parties["innovators"]

    # Sharing the same year's returns in two halves, carrying prior_net, gives the same.
    early = distribute(POLICY, [returns[1], returns[3], returns[4]], people)
    later = distribute(POLICY, [returns[0], returns[2]], people, prior_net=D("55000.00"))
    assert [d.parties for d in early + later] == [d.parties for d in result]
    assert totals_by_party([]) == dict.fromkeys(PARTIES, D(0))
    assert totals_by_innovator([]) == {}


def test_amounts_reconcile_to_the_penny_for_many_random_cases() -> None:
    rng = random.Random(20251118)
    for _ in range(400):
        # A random policy: 1 to 4 bands with percentages in hundredths, all four parties.
        limits = sorted(rng.sample(range(1, 2_000_000), rng.randint(0, 3)))
        rows = []
        for up_to in [*limits, None]:
            cuts = sorted(rng.randint(0, 10000) for _ in range(3))
            parts = [a - b for a, b in zip([*cuts, 10000], [0, *cuts], strict=True)]
            rows.append(
                Band(
                    None if up_to is None else D(up_to) / 100,
                    *(D(p) / 100 for p in parts),
                )
            )
        policy = _policy(tuple(rows))
        # 1 to 6 innovators with shares in hundredths of a percent adding up to 100.
        count = rng.randint(1, 6)
        cuts = sorted(rng.randint(0, 10000) for _ in range(count - 1))
        shares = [a - b for a, b in zip([*cuts, 10000], [0, *cuts], strict=True)]
        people = _people(*(str(D(s) / 100) for s in shares))
        returns = [
            _line(
                i,
                str(D(rng.randint(0, 3_000_000_00)) / 100),
                str(D(rng.choice([0, rng.randint(0, 5_000_000)])) / 100),
                dt.date(2025, 1, 1) + dt.timedelta(days=rng.randint(0, 400)),
            )
            for i in range(rng.randint(1, 6))
        ]
        prior = D(rng.choice([0, rng.randint(0, 1_000_000_00)])) / 100

        result = distribute(policy, returns, people, prior_net=prior)

        running = prior
        for d in result:
            _check_reconciles(d)
            assert d.net == d.line.net >= 0 and d.cumulative_before == running
            running += d.net
            exact = {
                p: sum((part * band.percentage(p) / 100 for band, part in d.band_slices), D(0))
                for p in PARTIES
            }
            for p in PARTIES:
                assert abs(d.parties[p] - exact[p]) < PENNY
                if all(band.percentage(p) == 0 for band, _ in d.band_slices):
                    assert d.parties[p] == 0
            for person, (_, _, amount) in zip(people, d.innovators, strict=True):
                assert abs(amount - d.parties["innovators"] * person.share / 100) < PENNY
        assert sum(totals_by_party(result).values(), D(0)) == sum((r.net for r in returns), D(0))
        assert (
            sum(totals_by_innovator(result).values(), D(0)) == totals_by_party(result)["innovators"]
        )


# -- the statement ----------------------------------------------------------------------------
NAME = "Aoife Kelly"
TITLE = "Cannula splint for small hands"


def _statement_case(register: Register) -> tuple[int, list[Contributor]]:
    people = [
        Contributor(name=NAME, share=D(70)),
        Contributor(name="Sam Okafor", share=D(30)),
    ]
    case = register.cases.save_disclosure(
        None,
        title=TITLE,
        summary="",
        ip_kinds=[IpKind.DESIGN],
        disclosure=Disclosure(problem="p", contributors=people),
    )
    return case.id, register.cases.details(case.id).contributors


def _statement_returns() -> list[ReturnLine]:
    return [
        ReturnLine(
            1,
            dt.date(2025, 5, 1),
            D("30000.00"),
            D("1234.56"),
            ReturnKind.ROYALTY,
            "First year's royalties from the licensee",
        ),
        ReturnLine(
            2,
            dt.date(2025, 9, 15),
            D("40000.00"),
            D("0"),
            ReturnKind.LICENCE_FEE,
            "Licence fee, second territory",
        ),
        ReturnLine(3, dt.date(2026, 2, 1), D("500.00"), D("750.00"), ReturnKind.MILESTONE, ""),
    ]


def _pdf_text(path: Path) -> tuple[list[str], str]:
    pages = [page.extract_text() for page in PdfReader(path).pages]
    return pages, re.sub(r"\s+", " ", "\n".join(pages))


def test_innovator_statement(tmp_path: Path, register: Register) -> None:
    case_id, people = _statement_case(register)
    case = register.cases.get(case_id)
    result = distribute(POLICY, _statement_returns(), people)
    aoife = people[0].key
    target = tmp_path / "statement.pdf"

    written = write_innovator_statement(
        register,
        case_id,
        aoife,
        target,
        distributions=result,
        policy=POLICY,
        period=(dt.date(2025, 4, 1), dt.date(2026, 3, 31)),
    )

    assert written == target
    pages, whole = _pdf_text(target)
    marking = str(register.settings.get("report_marking"))
    for number, page in enumerate(pages, 1):
        flat = re.sub(r"\s+", " ", page)
        assert flat.count(marking) >= 2  # header and footer
        assert f"Page {number} of {len(pages)}" in flat
    # Return 1: 28,765.44 net, innovators 14,382.72, Aoife 70% = 10,067.90.
    # Return 2: 21,234.56 at 50% and 18,765.44 at 35%: innovators 17,185.19; Aoife 12,029.63.
    yours = totals_by_innovator(result)[aoife]
    assert yours == D("10067.90") + result[1].innovator_amount(aoife)
    for expected in (
        NAME,
        TITLE,
        case.reference,
        "70%",
        "01/04/2025 to 31/03/2026",
        "01/05/2025",
        "15/09/2025",
        "01/02/2026",
        "Royalty",
        "Licence fee",
        "Milestone payment",
        "£30,000.00",
        "£1,234.56",
        "£28,765.44",
        "£10,067.90",
        "£40,000.00",
        f"£{result[1].innovator_amount(aoife):,.2f}",
        f"£{yours:,.2f}",
        f"Your total for this period: £{yours:,.2f}",
        "£70,500.00",  # total gross
        "£68,765.44",  # total net
        "carried as £0.00",
        POLICY.title,
        "Version 1, in force from 18/11/2025",
        "Up to £50,000.00",
        "Rounding",
        "largest-remainder",
        PAYMENT_NOTE[:40],
        "payroll",
    ):
        assert expected in whole, expected
    assert "Sam Okafor" not in whole  # one innovator's statement shows only their amounts

    newest = next(register.audit.entries())
    assert newest.action == "report"
    assert newest.record_id == "innovator-statement"
    assert newest.changes["file"] == [None, "statement.pdf"]


def test_statement_period_chooses_the_rows(tmp_path: Path, register: Register) -> None:
    case_id, people = _statement_case(register)
    result = distribute(POLICY, _statement_returns(), people)
    sam = people[1].key
    target = tmp_path / "sam.pdf"

    write_innovator_statement(
        register,
        case_id,
        sam,
        target,
        distributions=result,
        policy=POLICY,
        period=(dt.date(2025, 6, 1), dt.date(2025, 12, 31)),
    )

    _, whole = _pdf_text(target)
    assert "Sam Okafor" in whole and "30%" in whole
    assert "15/09/2025" in whole and "01/05/2025" not in whole and "01/02/2026" not in whole
    assert f"Your total for this period: £{result[1].innovator_amount(sam):,.2f}" in whole


def test_statement_refuses_a_stranger_and_writes_nothing(
    tmp_path: Path, register: Register
) -> None:
    case_id, people = _statement_case(register)
    result = distribute(POLICY, _statement_returns(), people)
    others = distribute(POLICY, _statement_returns(), _people("100"))
    seq = register.chain_head().seq
    target = tmp_path / "statement.pdf"

    with pytest.raises(ValidationError) as caught:
        write_innovator_statement(
            register, case_id, "nobody", target, distributions=result, policy=POLICY
        )
    assert caught.value.field == "contributor_key"
    with pytest.raises(ValidationError) as caught:
        write_innovator_statement(
            register, case_id, people[0].key, target, distributions=others, policy=POLICY
        )
    assert caught.value.field == "distributions"
    with pytest.raises(ValidationError) as caught:
        write_innovator_statement(
            register,
            case_id,
            people[0].key,
            target,
            distributions=result,
            policy=POLICY,
            period=(dt.date(2026, 1, 1), dt.date(2025, 1, 1)),
        )
    assert caught.value.field == "period"
    assert not target.exists()
    assert register.chain_head().seq == seq


def test_statement_with_no_returns_in_the_period(tmp_path: Path, register: Register) -> None:
    case_id, people = _statement_case(register)
    target = tmp_path / "empty.pdf"
    write_innovator_statement(
        register,
        case_id,
        people[0].key,
        target,
        distributions=distribute(POLICY, _statement_returns(), people),
        policy=POLICY,
        period=(dt.date(2024, 4, 1), dt.date(2025, 3, 31)),
    )
    _, whole = _pdf_text(target)
    assert "None recorded" in whole and "Your total for this period: £0.00" in whole


def test_statement_shows_each_returns_policy_version_and_bands(
    tmp_path: Path, register: Register
) -> None:
    """A return shared under an older policy version is shown with that version and its
    bands, beside a later return shared under the version now in force."""
    case_id, people = _statement_case(register)
    today = dt.date.today()
    first = register.returns.add(
        case_id, received_on=today - dt.timedelta(days=30), gross=D("1000"), kind=ReturnKind.ROYALTY
    )
    old = register.reference.revenue_policy()
    new = type(old)(
        old.id,
        old.version + 1,
        old.effective,
        old.title,
        old.basis,
        old.deductible,
        (Band(None, D(40), D(20), D(40), D(0)),),
    )
    register.reference.save_revenue_policy(new)
    second = register.returns.add(
        case_id, received_on=today, gross=D("500"), kind=ReturnKind.LICENCE_FEE
    )
    distributions = register.returns.distributions(case_id)
    assert [d.policy.version for d in distributions if d.policy] == [old.version, new.version]
    assert [d.return_id for d in distributions] == [first.id, second.id]

    target = write_innovator_statement(
        register,
        case_id,
        people[0].key,
        tmp_path / "statement.pdf",
        distributions=distributions,
        policy=new,
    )
    _pages, whole = _pdf_text(target)
    assert f"Shared under policy version {old.version}" in whole
    assert f"Shared under policy version {new.version}" in whole
    assert f"Policy version {old.version}, in force from" in whole
    assert f"Policy version {new.version}, in force from" in whole
    assert "each return below says which it was shared under" in whole
    assert old.band_label(0) in whole and "40%" in whole  # both versions' bands
