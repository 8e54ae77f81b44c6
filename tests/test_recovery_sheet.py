"""The printed recovery key sheet: one A4 page carrying the whole key, and no key in metadata."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from nhsip_desktop.reports.atomic import ReportWriteError
from nhsip_desktop.reports.recovery_sheet import write_recovery_sheet
from nhsip_desktop.store.errors import RecoveryKeyFormatError
from nhsip_desktop.store.recovery import encode_recovery_key, recovery_key_groups

ORGANISATION = "Northshire Community Health NHS Trust"
CREATED = dt.date(2026, 3, 7)
REGISTER_ID = "3fa91c02be4d7e"

A4_POINTS = (595.28, 841.89)


@pytest.fixture
def recovery_key() -> str:
    return encode_recovery_key(os.urandom(32))


def _write(target: Path, recovery_key: str, organisation: str = ORGANISATION) -> Path:
    return write_recovery_sheet(
        target,
        recovery_key=recovery_key,
        organisation=organisation,
        register_name="ip-register.nhsip",
        register_id=REGISTER_ID,
        created=CREATED,
    )


def _text(path: Path) -> str:
    reader = PdfReader(path)
    return "\n".join(page.extract_text() for page in reader.pages)


def test_sheet_is_one_a4_page_with_every_group(tmp_path: Path, recovery_key: str) -> None:
    target = tmp_path / "recovery-key.pdf"

    result = _write(target, recovery_key)

    assert result == target
    reader = PdfReader(target)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx(A4_POINTS, abs=0.5)

    text = _text(target)
    groups = recovery_key.split("-")
    assert len(groups) == 12
    positions = [text.index(group) for group in groups]  # Each group appears...
    assert positions == sorted(positions)  # ...and they read in order, 1 to 12.
    for number in range(1, 13):
        assert f"Group {number}" in text


def test_sheet_identifies_the_register(tmp_path: Path, recovery_key: str) -> None:
    target = _write(tmp_path / "recovery-key.pdf", recovery_key)

    text = _text(target)
    assert "Register recovery key" in text
    assert ORGANISATION in text
    assert "07/03/2026" in text
    assert "ip-register.nhsip" in text
    assert REGISTER_ID in text
    assert "OFFICIAL-SENSITIVE: keep secure" in text
    assert "nhsip-desktop" in text
    for blank in ("Stored at:", "Signed:", "Date:"):
        assert blank in text


def test_metadata_title_is_set_and_holds_no_key(tmp_path: Path, recovery_key: str) -> None:
    target = _write(tmp_path / "recovery-key.pdf", recovery_key)

    metadata = PdfReader(target).metadata
    assert metadata is not None
    assert metadata.title == "Register recovery key"
    compact = recovery_key.replace("-", "")
    for value in metadata.values():
        assert recovery_key not in str(value)
        assert compact not in str(value)
        for group in recovery_key.split("-"):
            assert group not in str(value)


def test_missing_organisation_is_shown_as_not_set(tmp_path: Path, recovery_key: str) -> None:
    target = _write(tmp_path / "recovery-key.pdf", recovery_key, organisation="  ")

    assert "(organisation not set)" in _text(target)


def test_long_and_awkward_organisation_still_fits_one_page(
    tmp_path: Path, recovery_key: str
) -> None:
    organisation = "Smith & Jones <Innovation> Gŵyr " + "Integrated Care Partnership " * 12
    target = _write(tmp_path / "recovery-key.pdf", recovery_key, organisation=organisation)

    reader = PdfReader(target)
    assert len(reader.pages) == 1
    text = _text(target)
    assert "Smith & Jones <Innovation> Gŵyr" in text  # Escaped, and printed as typed.
    for group in recovery_key.split("-"):
        assert group in text


def test_key_typed_untidily_is_printed_in_canonical_form(tmp_path: Path, recovery_key: str) -> None:
    untidy = recovery_key.lower().replace("-", " ")
    target = _write(tmp_path / "recovery-key.pdf", untidy)

    text = _text(target)
    for group in recovery_key_groups(recovery_key):
        assert group in text


def test_mistyped_key_is_refused_and_nothing_is_written(tmp_path: Path, recovery_key: str) -> None:
    last = recovery_key[-1]
    wrong = recovery_key[:-1] + ("0" if last != "0" else "1")

    with pytest.raises(RecoveryKeyFormatError):
        _write(tmp_path / "recovery-key.pdf", wrong)

    assert list(tmp_path.iterdir()) == []


def test_missing_folder_is_a_report_write_error(tmp_path: Path, recovery_key: str) -> None:
    with pytest.raises(ReportWriteError, match="does not exist"):
        _write(tmp_path / "gone" / "recovery-key.pdf", recovery_key)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler's pdftotext not installed")
def test_pdftotext_reads_the_whole_key(tmp_path: Path, recovery_key: str) -> None:
    target = _write(tmp_path / "recovery-key.pdf", recovery_key)

    pdftotext = shutil.which("pdftotext")
    assert pdftotext is not None
    text = subprocess.run(
        [pdftotext, "-layout", str(target), "-"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    assert text.count("\f") <= 1  # One page (pdftotext ends each page with a form feed).
    for group in recovery_key.split("-"):
        assert group in text
    assert ORGANISATION in text
    assert "07/03/2026" in text
    assert "Register recovery key" in text


def test_sheet_prints_the_signing_key_fingerprint(tmp_path: Path, recovery_key: str) -> None:
    from nhsip_desktop.store.signing import fingerprint_of, new_private_key, public_key_of

    fingerprint = fingerprint_of(public_key_of(new_private_key()))
    target = write_recovery_sheet(
        tmp_path / "sheet.pdf",
        recovery_key=recovery_key,
        organisation=ORGANISATION,
        register_name="ip-register.nhsip",
        register_id=REGISTER_ID,
        created=dt.date(2026, 3, 7),
        signing_fingerprint=fingerprint,
    )
    text = _text(target)
    assert "Signing key" in text
    assert fingerprint in " ".join(text.split())
    assert len(PdfReader(target).pages) == 1
