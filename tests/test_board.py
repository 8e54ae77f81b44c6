"""The board summary PDF, read back."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from reportlab.graphics import renderPDF

from nhsip_desktop.app.cli import build_demo
from nhsip_desktop.cases.model import STAGE_LABELS, Stage
from nhsip_desktop.core.periods import financial_year, financial_year_of, period_parts
from nhsip_desktop.finance.ledgers import CostCategory, CostEntry
from nhsip_desktop.finance.revenue import ReturnKind
from nhsip_desktop.governance.board_messages import KeyMessage, Rating, change_since
from nhsip_desktop.governance.model import Sro
from nhsip_desktop.reports.board import money_chart, stage_chart, write_board_summary
from nhsip_desktop.store.register import Register


def test_board_summary_reads_back(demo_register: Callable[[int], Register], tmp_path: Path) -> None:
    register = demo_register(40)  # a copy of a demo register built once per run
    today = dt.date.today()
    cases = register.cases.get_many(register.cases.ids())
    register.costs.add(
        CostEntry(today, CostCategory.ATTORNEY, Decimal("1850"), case_id=cases[0].id)
    )
    register.returns.add(
        cases[3].id, received_on=today, gross=Decimal("4312.50"), kind=ReturnKind.ROYALTY
    )
    record = register.governance.record()
    record.sro = Sro("Dr Jane Example", "Medical Director", today - dt.timedelta(days=100))
    register.governance.save(record)
    start = today - dt.timedelta(days=365)
    out = write_board_summary(register, start, today, tmp_path / "board.pdf")

    reader = PdfReader(str(out))
    pages = [page.extract_text() for page in reader.pages]
    text = "\n".join(pages)
    assert 2 <= len(pages) <= 4
    marking = register.settings.get("report_marking")
    head = register.chain_head()
    for number, page in enumerate(pages, start=1):
        assert page.count(marking) >= 1 and f"Page {number} of {len(pages)}" in page
    for heading in (
        "Headline figures",
        "Pipeline by stage",
        "Deadlines",
        "Governance",
        "board decision",
    ):
        assert heading in text
    from nhsip_desktop.core.money import money

    spend = sum(
        (c.total for c in register.costs.list() if start <= c.spent_on <= today), Decimal(0)
    )
    got = sum(
        (
            r.gross
            for c in cases
            for r in register.returns.for_case(c.id)
            if start <= r.received_on <= today
        ),
        Decimal(0),
    )
    assert money(spend) in text and money(got) in text
    assert "Dr Jane Example" in text or "SRO" in text
    if shutil.which("pdftotext"):
        plain = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout
        assert f"#{head.seq - 1}" in plain or f"#{head.seq}" in plain
    last = next(register.audit.entries())
    assert (last.action, last.record_id) == ("report", "board-summary")


# -- issue 21 item 7: a board paper a board reads ---------------------------------------------
RATED = re.compile(r"([\u25cf\u25b2\u2713]) (Red|Amber|Green)\b")
SYMBOL = {"Red": "\u25cf", "Amber": "\u25b2", "Green": "\u2713"}


def _pages(path: Path) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(str(path)).pages]


def _between(text: str, first: str, last: str) -> list[str]:
    start = text.index(first) + len(first)
    lines = text[start : text.index(last, start)].splitlines()
    return [line.strip() for line in lines if line.strip()]


def _fy_to_date() -> tuple[dt.date, dt.date]:
    today = dt.date.today()
    return financial_year(financial_year_of(today))[0], today


def test_demo_board_paper_is_two_pages_and_page_one_asks_and_rates(
    register: Register, tmp_path: Path
) -> None:
    build_demo(register, 40)
    start, today = _fy_to_date()
    out = write_board_summary(register, start, today, tmp_path / "board.pdf")
    pages = _pages(out)
    assert len(pages) <= 2
    # the register's signing-key fingerprint, as the recovery sheet and the pack's README print it
    assert register.signing.fingerprint() in " ".join(" ".join(pages).split())
    first = pages[0]
    assert "The board is asked to:" in first
    needing = register.facts.board_decisions_needed()
    assert needing, "the demo has cases waiting for a board decision"
    assert f"decide the development route for the {len(needing)} cases" in first
    # Three to five key messages, each rated by a symbol and a word that agree.
    table = first[first.index("Since the last paper") : first.index("2. Headline figures")]
    ratings = RATED.findall(table)
    assert 3 <= len(ratings) <= 5
    assert all(SYMBOL[word] == symbol for symbol, word in ratings)
    for title in ("Feedback to innovators", "Deadlines", "Decisions for the board", "Governance"):
        assert title in table
    assert table.count("First paper.") == len(ratings)
    # Headings are kept with what follows: none is the last line of a page.
    for page in pages:
        body = [line for line in page.splitlines() if line.strip()]
        last = body[-2]  # the line before "Page X of Y"
        assert not re.match(r"^\d+\. ", last), last
    # Governance statuses carry their symbol too.
    governance = pages[-1] if "8. Governance" in pages[-1] else first
    assert re.search(r"[\u25cf\u25b2\u2713] (Met|Partly met|Not met)", governance)
    if shutil.which("pdffonts"):
        listing = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True).stdout
        rows = listing.splitlines()[2:]
        assert rows and all(row.split()[-5] == "yes" for row in rows), listing
        assert "Helvetica" not in listing


def test_board_paper_says_what_changed_since_the_last_one(
    register: Register, tmp_path: Path
) -> None:
    build_demo(register, 40)
    start, today = _fy_to_date()
    earlier = today - dt.timedelta(days=30)
    first = "\n".join(_pages(write_board_summary(register, start, earlier, tmp_path / "a.pdf")))
    assert "First paper from this register" in first
    # Between the papers one waiting case gets its feedback: fewer overdue.
    overdue_before = sum(1 for d in register.facts.deadlines(today, 90) if d.due < today)
    second_path = write_board_summary(register, start, today, tmp_path / "b.pdf")
    second = "\n".join(_pages(second_path))
    assert "First paper" not in second
    assert f"Changes are against the board summary for {start:%d/%m/%Y} to {earlier:%d/%m/%Y}" in (
        " ".join(second.split())
    )
    assert f"No change ({overdue_before} overdue)" in second
    # The same period again compares with the paper before it, not with itself.
    third = "\n".join(_pages(write_board_summary(register, start, today, tmp_path / "c.pdf")))
    assert f"{earlier:%d/%m/%Y}, produced" in " ".join(third.split())
    last = next(register.audit.entries())
    assert (last.action, last.record_id) == ("report", "board-summary")
    assert set(last.changes["figures"][1]) == {"feedback", "deadlines", "decisions", "governance"}


def test_change_since_words_better_worse_and_rating() -> None:
    now = KeyMessage("deadlines", "Deadlines", Rating.AMBER, "", 3, " overdue", False)
    assert change_since(now, None) == "First paper."
    before = {"deadlines": {"value": 7, "rating": "red"}}
    assert change_since(now, before) == "Better: down from 7 overdue (was \u25cf Red)."
    assert change_since(now, {"deadlines": {"value": 1, "rating": "amber"}}) == (
        "Worse: up from 1 overdue."
    )
    assert change_since(now, {"deadlines": {"value": 3, "rating": "amber"}}) == (
        "No change (3 overdue)."
    )
    assert change_since(now, {}) == "Not in the last paper."


def test_pipeline_counts_every_stage_as_the_register_holds_it(
    register: Register, tmp_path: Path
) -> None:
    build_demo(register, 40)
    held = Counter(c.stage for c in register.cases.get_many(register.cases.ids()))
    assert held[Stage.DRAFT] > 0, "the demo has drafts (the old chart showed 'Draft 0')"
    start, today = _fy_to_date()
    text = "\n".join(_pages(write_board_summary(register, start, today, tmp_path / "b.pdf")))
    for stage in Stage:
        assert f"{STAGE_LABELS[stage]} ({held[stage]})" in text
    assert f"4. Pipeline by stage ({sum(held.values())} cases)" in text
    # The axis under the bars: whole numbers only.
    ticks = _between(text, f"{STAGE_LABELS[Stage.DRAFT]} ({held[Stage.DRAFT]})", "5. Spend")
    assert ticks and all(re.fullmatch(r"\d+", t) for t in ticks), ticks


def test_chart_axes_are_whole_numbers_for_small_counts_and_pennies() -> None:
    small = stage_chart(Counter({Stage.DRAFT: 1}))
    parts = period_parts(dt.date(2026, 4, 1), dt.date(2026, 12, 7))
    pennies = money_chart(parts, [Decimal("0.40"), Decimal(0), Decimal(0)], [Decimal(0)] * 3)
    for drawing in (small, pennies):
        renderPDF.drawToString(drawing)  # lays the axes out
        chart = drawing.contents[0]
        values = chart.valueAxis._tickValues
        assert values and all(float(v).is_integer() for v in values), values


def test_money_chart_and_table_cover_the_period_only(register: Register, tmp_path: Path) -> None:
    build_demo(register, 40)
    start, today = _fy_to_date()
    case_id = register.cases.ids()[0]
    long_ago = dt.date(start.year - 3, 6, 15)
    register.costs.add(
        CostEntry(long_ago, CostCategory.ATTORNEY, Decimal("98765"), case_id=case_id)
    )
    register.costs.add(CostEntry(today, CostCategory.ATTORNEY, Decimal("1234"), case_id=case_id))
    pages = _pages(write_board_summary(register, start, today, tmp_path / "b.pdf"))
    text = "\n".join(pages)
    assert "98,765" not in text and f"{long_ago.year}-" not in text
    categories = _between(text, "5. Spend and returns by quarter", "\u00a30\n")
    assert categories == [p.short for p in period_parts(start, today)]
    assert f"The period\n{start:%d/%m/%Y} to {today:%d/%m/%Y}" in text
    money_ticks = _between(text, categories[-1] + "\n", "Protection spend (")
    assert money_ticks and all(re.fullmatch(r"\u00a3[\d,]+", t) for t in money_ticks)


def test_period_parts_cover_the_period_exactly() -> None:
    start, end = dt.date(2025, 12, 8), dt.date(2026, 12, 7)
    parts = period_parts(start, end)
    assert [p.short for p in parts] == [
        "Oct-Dec 25",
        "Jan-Mar 26",
        "Apr-Jun 26",
        "Jul-Sep 26",
        "Oct-Dec 26",
    ]
    assert parts[0].start == start and parts[-1].end == end
    for before, after in itertools.pairwise(parts):
        assert after.start == before.end + dt.timedelta(days=1)
    years = period_parts(dt.date(2020, 1, 5), end)  # more than eight quarters: by year
    assert years[0].short == "2019-20" and years[0].start == dt.date(2020, 1, 5)
    assert years[-1].label == "2026 to 2027" and years[-1].end == end


def test_large_counts_carry_thousands_separators(
    demo_register: Callable[[int], Register], tmp_path: Path, monkeypatch: Any
) -> None:
    """A hub-sized register: "… and 61,719 more of the 61,724", not "61719" (UK style)."""
    from nhsip_desktop.assets.renewals import UpcomingSummary
    from nhsip_desktop.store.facts import Facts

    register = demo_register(40)
    real = Facts.deadline_counts

    def many(self: Facts, today: dt.date, days: int = 90, shown: int = 5) -> UpcomingSummary:
        summary = real(self, today, days, shown)
        return UpcomingSummary(61_724, [3] * 12_345, summary.first, 12_345)

    monkeypatch.setattr(Facts, "deadline_counts", many)
    today = dt.date.today()
    out = write_board_summary(register, today - dt.timedelta(days=365), today, tmp_path / "b.pdf")
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(str(out)).pages).split())
    assert "more of the 61,724" in text and "12,345 of them overdue" in text
    assert "61724" not in text
