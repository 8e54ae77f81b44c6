"""``nhsip-desktop form blank`` and ``form import``, run as real processes on a real register."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from nhsip_desktop.interchange.disclosure_form import FORM_ID, ID_FIELD
from tests.test_cli import run
from tests.test_disclosure_form import COMPLETE, fill


@pytest.fixture
def initialised(tmp_path: Path) -> tuple[Path, Path]:
    reg, key = tmp_path / "trust.nhsip", tmp_path / "recovery.txt"
    result = run("init", reg, "--recovery-key-out", key, "--organisation", "Test Trust")
    assert result.returncode == 0, result.stderr
    return reg, key


def test_blank_then_import_twice_then_draft(initialised: tuple[Path, Path], tmp_path: Path) -> None:
    reg, key = initialised
    blank = tmp_path / "disclosure-form.pdf"
    result = run("form", "blank", reg, "--out", blank, "--recovery-key-file", key)
    assert result.returncode == 2 and "--contact" in result.stderr and not blank.exists()

    contact = "Priya Shah, innovation@test.nhs.uk"
    args = ("form", "blank", reg, "--out", blank, "--contact", contact, "--recovery-key-file", key)
    result = run(*args)
    assert result.returncode == 0, result.stderr
    fields = PdfReader(blank).get_fields() or {}
    assert fields[ID_FIELD]["/V"] == FORM_ID
    text = PdfReader(blank).pages[0].extract_text()
    assert "Test Trust" in text and contact in text

    done = tmp_path / "completed.pdf"
    done.write_bytes(fill(blank.read_bytes(), COMPLETE))
    result = run("form", "import", reg, done, "--recovery-key-file", key)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Title: Cannula splint for children" in result.stdout
    assert "Imported as case IP-" in result.stdout and "(Submitted)" in result.stdout
    listing = run("cases", reg, "--recovery-key-file", key).stdout.splitlines()
    assert len(listing) == 1 and listing[0].split("\t")[1:] == [
        "submitted",
        "Cannula splint for children",
    ]
    reference = listing[0].split("\t")[0]

    again = run("form", "import", reg, done, "--recovery-key-file", key)
    assert again.returncode == 1
    assert f"already been imported, as case {reference}" in again.stdout
    assert len(run("cases", reg, "--recovery-key-file", key).stdout.splitlines()) == 1

    short = tmp_path / "short.pdf"
    short.write_bytes(fill(blank.read_bytes(), {**COMPLETE, "title": "Other", "c2_share": "10"}))
    refused = run("form", "import", reg, short, "--recovery-key-file", key)
    assert refused.returncode == 1 and "add up to 70%" in refused.stdout
    assert "--as-draft" in refused.stdout
    drafted = run("form", "import", reg, short, "--as-draft", "--recovery-key-file", key)
    assert drafted.returncode == 0 and "(Draft)" in drafted.stdout


def test_import_refuses_a_pdf_that_is_not_our_form(
    initialised: tuple[Path, Path], tmp_path: Path
) -> None:
    reg, key = initialised
    other = tmp_path / "other.pdf"
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    canvas.drawString(50, 700, "A letter")
    canvas.showPage()
    canvas.save()
    other.write_bytes(buffer.getvalue())
    result = run("form", "import", reg, other, "--recovery-key-file", key)
    assert result.returncode == 2
    assert "is not an nhsip-desktop disclosure form" in result.stderr
    assert run("cases", reg, "--recovery-key-file", key).stdout == ""


def test_form_help_is_fast_and_names_both_commands() -> None:
    result = run("form", "--help")
    assert result.returncode == 0 and "blank" in result.stdout and "import" in result.stdout
