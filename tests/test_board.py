"""The board summary PDF, read back."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

from pypdf import PdfReader

from nhsip_desktop.app.cli import build_demo
from nhsip_desktop.finance.ledgers import CostCategory, CostEntry
from nhsip_desktop.finance.revenue import ReturnKind
from nhsip_desktop.governance.model import Sro
from nhsip_desktop.reports.board import write_board_summary
from nhsip_desktop.store.register import Register


def test_board_summary_reads_back(register: Register, tmp_path: Path) -> None:
    build_demo(register, 40)
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
