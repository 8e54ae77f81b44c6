"""``nhsip-desktop policy draft``, run as a real process over a real encrypted register."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from docx import Document
from pypdf import PdfReader

from nhsip_desktop.governance.model import GovernanceRecord, Sro
from nhsip_desktop.store.audit import Actor
from nhsip_desktop.store.recovery import decode_recovery_key
from nhsip_desktop.store.register import Register
from nhsip_desktop.store.unlock import read_recovery_key_file
from tests.test_cli import run


def _open(reg: Path, key: Path) -> Register:
    return Register.open(reg, decode_recovery_key(read_recovery_key_file(key)), actor=Actor("t"))


def test_policy_draft_writes_docx_and_pdf_and_records_only_when_asked(tmp_path: Path) -> None:
    reg, key = tmp_path / "trust.nhsip", tmp_path / "key.txt"
    assert (
        run("init", reg, "--recovery-key-out", key, "--organisation", "Test Trust").returncode == 0
    )
    with _open(reg, key) as register:
        register.governance.save(
            GovernanceRecord(sro=Sro("Dr Ada Lee", "Medical Director", dt.date(2026, 1, 5)))
        )
    out, pdf = tmp_path / "policy.docx", tmp_path / "policy.pdf"
    base = ("policy", "draft", reg, "--out", out, "--recovery-key-file", key)

    preview = run(*base, "--pdf", pdf)
    assert preview.returncode == 0, preview.stderr
    assert "Not recorded as a new version" in preview.stdout
    text = "\n".join(p.text for p in Document(str(out)).paragraphs)
    assert "Test Trust: intellectual property (IP) policy" in text
    assert "Dr Ada Lee, Medical Director, is the senior responsible officer" in text
    pdf_text = " ".join((p.extract_text() or "") for p in PdfReader(str(pdf)).pages)
    assert "Dr Ada Lee" in pdf_text and "Draft for approval" in pdf_text
    with _open(reg, key) as register:
        assert register.policy_drafts.latest() is None
        assert register.governance.record().policy is None
        reports = [e.record_id for e in register.audit.entries(record_kind="report")]
        assert reports == ["ip-policy-pdf", "ip-policy-docx"]

    recorded = run(*base, "--record", "--version", "4.0", "--approved-on", "02/01/2026")
    assert recorded.returncode == 0, recorded.stderr
    assert "Recorded version 4.0" in recorded.stdout
    with _open(reg, key) as register:
        draft = register.policy_drafts.latest()
        assert draft is not None and draft.version == "4.0"
        assert draft.approved_on == dt.date(2026, 1, 2)
        policy = register.governance.record().policy
        assert policy is not None and policy.version == "4.0"
        assert policy.approved_on == dt.date(2026, 1, 2)

    refused = run(*base, "--approved-on", (dt.date.today() + dt.timedelta(days=3)).isoformat())
    assert refused.returncode == 2 and "cannot be in the future" in refused.stderr
    wrong = run("policy", "draft", reg, "--out", tmp_path / "p.pdf", "--recovery-key-file", key)
    assert wrong.returncode == 2 and ".docx" in wrong.stderr
