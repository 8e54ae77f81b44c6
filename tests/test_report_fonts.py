"""Every PDF embeds its font and prints names as typed: "Łukasz Dvořák", "Nguyễn Thị Hà", "✓ ≥".

Each PDF is read back with poppler (``pdftotext``, ``pdffonts``) when it is installed, and with
pypdf always. A character the font lacks prints as a visible U+FFFD and is reported (count in
the log, codes to the caller), never as a silent look-alike.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from nhsip_desktop.app import cli
from nhsip_desktop.cases.disclosure import Contributor, Disclosure
from nhsip_desktop.cases.model import IpKind, Stage
from nhsip_desktop.finance.revenue import ReturnKind, ReturnLine, distribute, example_policy
from nhsip_desktop.governance.policy_builder import PolicyMeta, build_document, load_framework
from nhsip_desktop.guidance.checklists import ChecklistLibrary
from nhsip_desktop.reports import fonts
from nhsip_desktop.reports.annual_return import write_annual_return
from nhsip_desktop.reports.disclosure_form import write_blank_form
from nhsip_desktop.reports.dossier import write_dossier
from nhsip_desktop.reports.letter import write_feedback_letter
from nhsip_desktop.reports.policy import write_policy_pdf
from nhsip_desktop.reports.recovery_sheet import write_recovery_sheet
from nhsip_desktop.reports.statement import write_innovator_statement
from nhsip_desktop.reports.ttc_report import write_ttc_report
from nhsip_desktop.store.recovery import encode_recovery_key
from nhsip_desktop.store.register import Register

NAMES = ("Łukasz Dvořák", "Nguyễn Thị Hà", "✓ ≥")
ORGANISATION = "Łukasz Dvořák and Nguyễn Thị Hà Trust ✓ ≥"
TODAY = dt.date.today()


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _poppler_text(path: Path) -> str | None:
    tool = shutil.which("pdftotext")
    if tool is None:
        return None
    out = subprocess.run([tool, str(path), "-"], capture_output=True, check=True)
    return _flat(out.stdout.decode("utf-8"))


def _fonts(path: Path) -> list[tuple[str, str]] | None:
    """(name, embedded yes/no) for every font pdffonts lists."""
    tool = shutil.which("pdffonts")
    if tool is None:
        return None
    out = subprocess.run([tool, str(path)], capture_output=True, check=True, text=True)
    rows = []
    for line in out.stdout.splitlines()[2:]:
        parts = line.split()
        # name type [type] encoding emb sub uni object ID: emb is the 5th field from the end.
        rows.append((parts[0], parts[-5]))
    return rows


def _assert_prints_names(path: Path, *, form_field_font: bool = False) -> None:
    texts = [_flat("\n".join(p.extract_text() or "" for p in PdfReader(path).pages))]
    poppler = _poppler_text(path)
    if poppler is not None:
        texts.append(poppler)
    for text in texts:
        for name in NAMES:
            assert name in text, (path.name, name)
        assert "\ufffd" not in text and "?ukasz" not in text, path.name
    listed = _fonts(path)
    if listed is None:
        return
    assert listed, path.name
    for name, embedded in listed:
        if form_field_font and name == "Helvetica":
            continue  # the fillable fields' font: drawn by the reader, see disclosure_form.py
        assert embedded == "yes", (path.name, name)
        assert "DejaVu" in name, (path.name, name)


@pytest.fixture
def case_id(register: Register) -> int:
    register.settings.update(organisation=ORGANISATION)
    people = [
        Contributor(name="Łukasz Dvořák", job_title="Nurse ✓ ≥ band 6", share=Decimal(60)),
        Contributor(name="Nguyễn Thị Hà", share=Decimal(40)),
    ]
    case = register.cases.save_disclosure(
        None,
        title="Splint ✓ for cannulas ≥ 22G",
        summary="Made by Łukasz Dvořák and Nguyễn Thị Hà.",
        ip_kinds=[IpKind.DESIGN],
        disclosure=Disclosure(problem="Cannulas slip.", contributors=people),
    )
    register.cases.change_stage(case.id, Stage.SUBMITTED)
    register.assessments.record_decision(
        case.id,
        "triage",
        outcome="adopt_share",
        outcome_label="Adopt and share",
        rationale="Reviewed with Nguyễn Thị Hà: ✓ works for every cannula ≥ 22G.",
        decided_on=TODAY,
        decision_maker="Łukasz Dvořák",
    )
    return case.id


def test_every_report_embeds_its_font_and_prints_names(
    tmp_path: Path, register: Register, case_id: int
) -> None:
    written = [
        write_dossier(register, case_id, tmp_path / "dossier.pdf"),
        write_feedback_letter(register, case_id, tmp_path / "letter.pdf"),
        write_annual_return(register, TODAY.year, tmp_path / "annual.pdf"),
    ]
    people = register.cases.details(case_id).contributors
    policy = example_policy()
    returns = [ReturnLine(1, TODAY, Decimal(1000), Decimal(0), ReturnKind.ROYALTY, "")]
    written.append(
        write_innovator_statement(
            register,
            case_id,
            people[1].key,
            tmp_path / "statement.pdf",
            distributions=distribute(policy, returns, people),
            policy=policy,
        )
    )
    ttc = ChecklistLibrary.load().get("ttc")
    written.append(
        write_ttc_report(register, "AG-2026-0001", "TTC services ✓", ttc, {}, tmp_path / "ttc.pdf")
    )
    framework = load_framework()
    facts = register.policy_drafts.current_facts()
    choices = register.policy_drafts.starting_choices(framework, facts)
    meta = PolicyMeta(
        version="1.0", approved_by="Trust Board", drafted_on=TODAY, approved_on=None, review_on=None
    )
    document = build_document(framework, choices, facts, meta)
    written.append(write_policy_pdf(register, document, tmp_path / "policy.pdf"))
    written.append(
        write_recovery_sheet(
            tmp_path / "recovery.pdf",
            recovery_key=encode_recovery_key(bytes(range(32))),
            organisation=ORGANISATION,
            register_name="trust.nhsip",
            register_id=register.register_id,
            created=TODAY,
        )
    )
    for path in written:
        _assert_prints_names(path)
    form = write_blank_form(register, tmp_path / "form.pdf", contact="Nguyễn Thị Hà ✓ ≥ x@nhs.net")
    _assert_prints_names(form, form_field_font=True)
    assert "Łukasz Dvořák" in (_poppler_text(tmp_path / "letter.pdf") or "Łukasz Dvořák")


def test_a_character_the_font_lacks_is_shown_and_reported(
    tmp_path: Path, register: Register, case_id: int, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "秘密の副子"  # CJK: not in DejaVu Sans
    case = register.cases.get(case_id)
    register.cases.save_disclosure(
        case_id,
        title=secret,
        summary=case.summary,
        ip_kinds=case.ip_kinds,
        disclosure=register.cases.details(case_id),
    )
    caplog.set_level(logging.WARNING)
    with fonts.unshown_characters() as unshown:
        write_dossier(register, case_id, tmp_path / "dossier.pdf")

    assert unshown == sorted(f"U+{ord(c):04X}" for c in set(secret))
    text = _flat("\n".join(p.extract_text() for p in PdfReader(tmp_path / "dossier.pdf").pages))
    assert "\ufffd" * len(secret) in text  # visible, one mark a character
    assert "Łukasz Dvořák" in text  # the rest as typed
    assert any("print as U+FFFD" in r.getMessage() for r in caplog.records)
    for record in caplog.records:  # the log says how many, never what
        assert not set(secret) & set(record.getMessage())
    assert "U+79D8" in fonts.describe_unshown(unshown)
    # A compatibility form the font has is used instead (fullwidth A is not in DejaVu).
    assert fonts.printable("\uff21 team") == "A team"


def test_the_report_command_names_the_characters_it_could_not_print(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reg, key = tmp_path / "t.nhsip", tmp_path / "key.txt"
    assert cli.main(["demo", str(reg), "--recovery-key-out", str(key), "--cases", "1"]) == 0
    assert cli.main(["cases", str(reg), "--recovery-key-file", str(key)]) == 0
    reference = capsys.readouterr().out.strip().splitlines()[-1].split("\t")[0]
    from nhsip_desktop.store.audit import Actor
    from nhsip_desktop.store.recovery import decode_recovery_key
    from nhsip_desktop.store.unlock import read_recovery_key_file

    with Register.open(
        reg, decode_recovery_key(read_recovery_key_file(key)), actor=Actor("t")
    ) as register:
        case = register.cases.get_by_reference(reference)
        register.cases.save_disclosure(
            case.id,
            title="Splint \U0001f9e9 kit",
            summary=case.summary,
            ip_kinds=case.ip_kinds,
            disclosure=register.cases.details(case.id),
        )
    out = tmp_path / "d.pdf"
    args = ["report", "dossier", str(reg), "--case", reference, "--out", str(out)]
    assert cli.main([*args, "--recovery-key-file", str(key)]) == 0
    said = capsys.readouterr().out
    assert "U+1F9E9" in said and "could not be printed" in said
