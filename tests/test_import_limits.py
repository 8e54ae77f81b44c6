"""Import limits and encodings (issue 22 item 5): each refusal has a message, no traceback,
and nothing is imported; a zip bomb is refused in seconds; mixed encodings name the line."""

from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from nhsip_desktop.app import cli
from nhsip_desktop.interchange import importer
from nhsip_desktop.interchange.importer import ImportFileError, ImportMapping, read_table
from nhsip_desktop.store.audit import Actor
from nhsip_desktop.store.recovery import encode_recovery_key
from nhsip_desktop.store.register import Register

MAPPING = {
    "format": "nhsip-import-mapping",
    "version": 1,
    "header_row": 1,
    "columns": {"Title": "title", "Description": "summary"},
}


@pytest.fixture
def setup(tmp_path: Path, actor: Actor) -> tuple[Path, Path, Path]:
    """A register (closed), its recovery key file and a mapping file."""
    path = tmp_path / "trust.nhsip"
    with Register.create(path, actor=actor) as register:
        key = register.data_key
    key_file = tmp_path / "key.txt"
    key_file.write_text(encode_recovery_key(key) + "\n", encoding="utf-8")
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps(MAPPING), encoding="utf-8")
    return path, key_file, mapping


def _import(setup: tuple[Path, Path, Path], file: Path, capsys: Any) -> tuple[int, str]:
    path, key_file, mapping = setup
    args = ["import", str(path), str(file), "--mapping", str(mapping)]
    code = cli.main([*args, "--recovery-key-file", str(key_file)])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _case_count(setup: tuple[Path, Path, Path], actor: Actor) -> int:
    from nhsip_desktop.store.unlock import open_register, read_recovery_key_file

    path, key_file, _ = setup
    unlocked = open_register(path, actor=actor, recovery_key=read_recovery_key_file(key_file))
    with unlocked.register as register:
        return register.cases.count()


@pytest.mark.parametrize("size", [140 * 1024, 5 * 1024 * 1024])
def test_a_huge_csv_cell_gets_a_message_and_nothing_is_imported(
    setup: tuple[Path, Path, Path], actor: Actor, capsys: Any, size: int
) -> None:
    file = setup[0].parent / "register.csv"
    file.write_text(f'Title,Description\nFirst,ok\nSecond,"{"x" * size}"\n', encoding="utf-8")
    code, output = _import(setup, file, capsys)
    assert code == cli.EXIT_ERROR
    assert "Traceback" not in output
    assert "line 3" in output and "at most 32,767 characters" in output
    assert "Nothing was imported" in output
    assert _case_count(setup, actor) == 0


def test_a_cell_over_the_excel_limit_names_its_line_and_column(tmp_path: Path) -> None:
    file = tmp_path / "register.csv"
    file.write_text(f"Title,Description\nFirst,{'y' * 40_000}\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="line 2, column 2 holds 40,000 characters"):
        read_table(file, ImportMapping.from_dict(MAPPING))


def _bomb(path: Path, expanded_mb: int) -> Path:
    """A real workbook whose sheet is padded with rows until it expands to ``expanded_mb``."""
    book = openpyxl.Workbook()
    book.active.append(["Title", "Description"])
    buffer = io.BytesIO()
    book.save(buffer)
    with (
        zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out,
    ):
        for info in source.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                out.writestr(info, source.read(info))
                continue
            xml = source.read(info).decode("utf-8")
            head, tail = xml.split("</sheetData>")
            row = '<row><c t="inlineStr"><is><t>' + "A" * 1000 + "</t></is></c></row>"
            block = (row * 1000).encode("utf-8")
            with out.open(info.filename, "w", force_zip64=True) as member:
                member.write(head.encode("utf-8"))
                for _ in range(expanded_mb * 1024 * 1024 // len(block)):
                    member.write(block)
                member.write(("</sheetData>" + tail).encode("utf-8"))
    return path


def test_a_zip_bomb_workbook_is_refused_in_seconds(
    setup: tuple[Path, Path, Path], actor: Actor, capsys: Any
) -> None:
    file = _bomb(setup[0].parent / "register.xlsx", 385)
    assert file.stat().st_size < 3 * 1024 * 1024  # small on disk
    started = time.perf_counter()
    code, output = _import(setup, file, capsys)
    elapsed = time.perf_counter() - started
    assert code == cli.EXIT_ERROR and "Traceback" not in output
    assert "would expand to" in output and "Nothing was imported" in output
    assert elapsed < 5, f"took {elapsed:.1f} s"
    assert _case_count(setup, actor) == 0


def test_the_import_window_explains_a_zip_bomb(
    qtbot: Any, register: Register, tmp_path: Path
) -> None:
    from nhsip_desktop.ui.import_dialog import ImportDialog

    file = _bomb(tmp_path / "register.xlsx", 320)
    dialog = ImportDialog(register, path=file)
    qtbot.addWidget(dialog)
    assert "would expand to" in dialog.message.text()
    assert not dialog.import_button.isEnabled()
    assert register.cases.count() == 0


def test_the_import_window_explains_a_huge_cell(
    qtbot: Any, register: Register, tmp_path: Path
) -> None:
    from nhsip_desktop.ui.import_dialog import ImportDialog

    file = tmp_path / "register.csv"
    file.write_text(f'Title,Description\nBig,"{"z" * 200_000}"\n', encoding="utf-8")
    dialog = ImportDialog(register, path=file)
    qtbot.addWidget(dialog)
    assert "at most 32,767 characters" in dialog.message.text()
    assert not dialog.import_button.isEnabled()


def test_too_many_rows_and_too_large_a_file_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mapping = ImportMapping.from_dict(MAPPING)
    monkeypatch.setattr(importer, "MAX_IMPORT_ROWS", 50)
    csv_file = tmp_path / "register.csv"
    csv_file.write_text(
        "Title,Description\n" + "".join(f"Case {n},x\n" for n in range(60)), encoding="utf-8"
    )
    with pytest.raises(ImportFileError, match="more than 50 rows"):
        read_table(csv_file, mapping)
    book = openpyxl.Workbook()
    book.active.append(["Title", "Description"])
    for n in range(60):
        book.active.append([f"Case {n}", "x"])
    xlsx = tmp_path / "register.xlsx"
    book.save(xlsx)
    with pytest.raises(ImportFileError, match="more than 50 rows"):
        read_table(xlsx, mapping)
    monkeypatch.setattr(importer, "MAX_IMPORT_ROWS", 200_000)
    assert len(read_table(xlsx, mapping).rows) == 60

    monkeypatch.setattr(importer, "MAX_IMPORT_BYTES", 100)
    with pytest.raises(ImportFileError, match=r"larger than the 0\.0 MB one import may read"):
        read_table(csv_file, mapping)


def test_a_csv_mixing_utf8_and_latin1_is_refused_with_the_line(
    setup: tuple[Path, Path, Path], actor: Actor, capsys: Any
) -> None:
    file = setup[0].parent / "register.csv"
    file.write_bytes(
        b"Title,Description\n"
        + "Café Nero pilot,utf-8\n".encode()
        + "Crème app,latin-1\n".encode("latin-1")
    )
    code, output = _import(setup, file, capsys)
    assert code == cli.EXIT_ERROR and "Traceback" not in output
    assert "mixes two text encodings" in output
    assert "line 2 is written as UTF-8" in output and "line 3 is not" in output
    assert _case_count(setup, actor) == 0


def test_one_encoding_per_file_still_reads(tmp_path: Path) -> None:
    mapping = ImportMapping.from_dict(MAPPING)
    for encoding in ("utf-8", "utf-8-sig", "cp1252", "utf-16"):
        file = tmp_path / f"{encoding}.csv"
        file.write_text("Title,Description\nCafé – crème,£5\n", encoding=encoding)
        table = read_table(file, mapping)
        assert table.rows[0] == ["Café – crème", "£5"], encoding


def test_bytes_that_are_text_in_no_encoding_are_refused_with_the_line(tmp_path: Path) -> None:
    file = tmp_path / "register.csv"
    file.write_bytes(b"Title,Description\nOne,ok\nTwo,bad \x81 byte\n")
    with pytest.raises(ImportFileError, match="line 3 holds bytes that are not text"):
        read_table(file, ImportMapping.from_dict(MAPPING))
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbfTitle,Description\nCr\xe8me,latin-1\n")
    with pytest.raises(ImportFileError, match="UTF-8 marker, but line 2 is not"):
        read_table(bom, ImportMapping.from_dict(MAPPING))
