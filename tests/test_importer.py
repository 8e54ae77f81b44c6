"""Importing a spreadsheet register: reading CSV and XLSX, checking rows, importing all or none."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from nhsip_desktop.cases.model import IpKind, Stage
from nhsip_desktop.interchange.importer import (
    ImportFileError,
    ImportMapping,
    ImportMappingError,
    ImportRefusedError,
    guess_layout,
    import_rows,
    list_sheets,
    load_mapping,
    parse_contributors,
    preview,
    read_table,
    suggest_mapping,
    write_refusal_report,
)
from nhsip_desktop.store.errors import RegisterError
from nhsip_desktop.store.register import Register

TODAY = dt.date(2025, 6, 1)

HEADINGS = [
    "Project title",
    "Description",
    "Status",
    "Type of IP",
    "Inventor",
    "Date received",
    "Next step",
    "Due date",
    "Inventors and shares",
    "Problem",
]
GOOD_AND_BAD = [
    # row 2: good, two contributors whose shares add up to 100
    [
        "Cannula splint",
        "A splint for small hands",
        "Submitted",
        "Invention",
        "Aoife Kelly",
        "03/02/2023",
        "Triage meeting",
        "01/03/2023",
        "Aoife Kelly 70; Sam Lee 30",
        "Cannulas slip",
    ],
    # row 3: good, ISO date, two kinds, one contributor with no share (gets 100%)
    [
        "Sepsis alert app",
        "Alerts",
        "In triage",
        "Software; Data",
        "",
        "2024-05-10",
        "",
        "",
        "Sam Lee",
        "",
    ],
    # row 4: bad date (31 February)
    ["Bed board", "", "Active", "Design", "Tom Lee", "31/02/2023", "", "", "", ""],
    # row 5: a stage word the app does not know
    ["Ward rota tool", "", "Under review", "Copyright", "Ann Bo", "", "", "", "", ""],
    # row 6: no title
    ["", "Something without a name", "Submitted", "", "", "", "", "", "", ""],
    # row 7: good; closed; two people with no shares (a warning, not an error)
    [
        "Discharge letter template",
        "",
        "Closed",
        "",
        "",
        "12/12/2022",
        "",
        "",
        "Tom Lee; Ann Bo",
        "",
    ],
]


def write_csv(path: Path, rows: list[list[str]], headings: list[str] = HEADINGS, **kw: Any) -> Path:
    encoding = kw.pop("encoding", "utf-8")
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, **kw)
        writer.writerow(headings)
        writer.writerows(rows)
    return path


def standard_mapping() -> ImportMapping:
    return ImportMapping.from_dict(
        {
            "format": "nhsip-import-mapping",
            "version": 1,
            "header_row": 1,
            "columns": {
                "Project title": "title",
                "Description": "summary",
                "Status": "stage",
                "Type of IP": "ip_kinds",
                "Inventor": "lead_innovator",
                "Date received": "received_on",
                "Next step": "next_action",
                "Due date": "next_action_due",
                "Inventors and shares": "contributors",
                "Problem": "problem",
            },
        }
    )


def state(register: Register) -> tuple[int, Any, int]:
    return register.cases.count(), register.chain_head(), register.audit.count()


def by_title(register: Register) -> dict[str, Any]:
    return {c.title: c for c in register.cases.search(register_filter())}


def register_filter() -> Any:
    from nhsip_desktop.cases.model import CaseFilter

    return CaseFilter(sort_key="reference", descending=False)


# -- reading and checking -------------------------------------------------------------------
def test_csv_preview_finds_good_and_bad_rows_with_reasons(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "register.csv", GOOD_AND_BAD)
    mapping = standard_mapping()
    result = preview(read_table(path, mapping), mapping, today=TODAY)

    assert [r.row_number for r in result.rows] == [2, 3, 4, 5, 6, 7]
    assert [r.row_number for r in result.bad_rows] == [4, 5, 6]
    assert result.summary() == "3 rows ready, 3 with problems"
    bad = {r.row_number: r.errors for r in result.bad_rows}
    assert bad[4][0][0] == "received_on" and "'31/02/2023' is not a date" in bad[4][0][1]
    assert bad[5][0][0] == "stage" and "'Under review' is not a stage" in bad[5][0][1]
    assert "In triage" in bad[5][0][1]  # says what is accepted
    assert bad[6] == [("title", "There is no title: every case needs one.")]

    splint = result.rows[0].ready
    assert splint is not None and splint.stage is Stage.SUBMITTED
    assert splint.received_on == dt.date(2023, 2, 3) and splint.year == 2023
    assert splint.next_action_due == dt.date(2023, 3, 1)
    sepsis = result.rows[1].ready
    assert sepsis is not None and sepsis.ip_kinds == (IpKind.COPYRIGHT, IpKind.DATA)
    assert sepsis.lead_innovator == "Sam Lee"  # from the only contributor
    assert sepsis.disclosure is not None
    assert sepsis.disclosure.contributors[0].share == Decimal(100)
    letter = result.rows[5]
    assert letter.ok and letter.warnings[0][0] == "contributors"
    assert "No share given for Tom Lee, Ann Bo" in letter.warnings[0][1]


def test_future_dates_duplicate_titles_and_share_totals(tmp_path: Path) -> None:
    rows = [
        ["Splint", "", "", "", "", "02/06/2025", "", "01/01/2030", "", ""],
        ["splint ", "", "", "", "", "", "", "", "A One 50; B Two 40", ""],
    ]
    path = write_csv(tmp_path / "r.csv", rows)
    mapping = standard_mapping()
    result = preview(read_table(path, mapping), mapping, today=TODAY, existing_titles=["SPLINT"])
    first, second = result.rows
    assert first.errors == [("received_on", "The date received, 02/06/2025, is in the future.")]
    assert ("title", "The same title is on row 2 too.") in second.warnings
    assert any("already in the register" in m for _, m in second.warnings)
    assert ("contributors", "The shares add up to 90%, not 100%. Put them right on the case.") in (
        second.warnings
    )
    assert second.ready is not None and second.ready.stage is Stage.SUBMITTED  # the default


def test_contributor_text() -> None:
    people, errors, warnings = parse_contributors("Jane Smith (60%), Tom Lee 40%")
    assert [(p.name, p.share) for p in people] == [("Jane Smith", 60), ("Tom Lee", 40)]
    assert errors == warnings == []
    people, _, _ = parse_contributors("Smith, Jane")
    assert [p.name for p in people] == ["Smith, Jane"] and people[0].share == 100
    _, errors, _ = parse_contributors("Jane Smith 160")
    assert errors == ["Jane Smith's share is 160%: a share is 0 to 100%."]


def test_semicolon_cp1252_csv_and_a_us_date_format(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes("Title;Status;Received\r\nCafé rota;Active;12/31/2022\r\n".encode("cp1252"))
    mapping = ImportMapping.from_dict(
        {
            "format": "nhsip-import-mapping",
            "version": 1,
            "columns": {"title": "title", "STATUS": "stage", "Received": "received_on"},
            "date_format": "%m/%d/%Y",
        }
    )
    result = preview(read_table(path, mapping), mapping, today=TODAY)
    ready = result.rows[0].ready
    assert ready is not None and ready.title == "Café rota"
    assert ready.received_on == dt.date(2022, 12, 31) and ready.stage is Stage.ACTIVE


def test_utf8_bom_csv_is_read(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "bom.csv", GOOD_AND_BAD[:1], encoding="utf-8-sig")
    table = read_table(path, standard_mapping())
    assert table.headers[0] == "Project title" and table.rows[0][0] == "Cannula splint"


# -- importing ------------------------------------------------------------------------------
def test_without_only_valid_nothing_is_imported(register: Register, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "register.csv", GOOD_AND_BAD)
    mapping = standard_mapping()
    result = preview(read_table(path, mapping), mapping, today=TODAY)
    before = state(register)
    with pytest.raises(ImportRefusedError, match=r"3 rows in register\.csv have problems") as info:
        import_rows(register, result)
    assert "Nothing was imported" in str(info.value)
    assert info.value.problem_rows == 3 and info.value.ready_rows == 3
    assert state(register) == before


def test_only_valid_imports_exactly_the_good_rows(register: Register, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "register.csv", GOOD_AND_BAD)
    mapping = standard_mapping()
    result = preview(read_table(path, mapping), mapping, today=TODAY)
    report = import_rows(register, result, only_valid=True)

    assert report.imported == 3 and report.left_out == 3
    assert [row for row, _ in report.references] == [2, 3, 7]
    assert report.message().startswith("Imported 3 cases from register.csv (")
    cases = by_title(register)
    assert set(cases) == {"Cannula splint", "Sepsis alert app", "Discharge letter template"}

    splint = cases["Cannula splint"]
    assert splint.stage is Stage.SUBMITTED and splint.reference == "IP-2023-0001"
    assert splint.received_on == dt.date(2023, 2, 3)
    assert splint.summary == "A splint for small hands"
    assert splint.ip_kinds == (IpKind.INVENTION,)
    assert splint.lead_innovator == "Aoife Kelly"
    assert splint.next_action == "Triage meeting"
    assert splint.next_action_due == dt.date(2023, 3, 1)
    details = register.cases.details(splint.id)
    assert details.problem == "Cannulas slip"
    assert [(c.name, c.share) for c in details.contributors] == [
        ("Aoife Kelly", Decimal(70)),
        ("Sam Lee", Decimal(30)),
    ]

    sepsis = cases["Sepsis alert app"]
    assert sepsis.stage is Stage.IN_TRIAGE and sepsis.reference == "IP-2024-0001"
    assert sepsis.received_on == dt.date(2024, 5, 10)
    assert [(c.name, c.share) for c in register.cases.details(sepsis.id).contributors] == [
        ("Sam Lee", Decimal(100))
    ]
    letter = cases["Discharge letter template"]
    assert letter.stage is Stage.CLOSED and letter.reference == "IP-2022-0001"
    assert [(c.name, c.share) for c in register.cases.details(letter.id).contributors] == [
        ("Tom Lee", Decimal(0)),
        ("Ann Bo", Decimal(0)),
    ]

    entries = list(register.audit.entries(record_kind="import"))
    assert len(entries) == 1
    changes = entries[0].changes
    assert entries[0].action == "import" and entries[0].record_id == "register.csv"
    assert changes["rows_imported"] == [None, 3] and changes["rows_left_out"] == [None, 3]
    assert changes["mapping"][1]["columns"]["Status"] == "stage"
    assert register.verify_audit().ok


def test_xlsx_with_sheet_heading_row_and_date_cells(register: Register, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    notes = book.active
    assert notes is not None
    notes.title = "Notes"
    notes.append(["This sheet is not the register"])
    sheet = book.create_sheet("IP register")
    sheet.append(["Trust IP register 2024"])
    sheet.append(["Title", "Stage", "Received", "IP type", "Year"])
    sheet.append(["Pressure sore sensor", "Active", dt.datetime(2024, 1, 15), "Patent", 2023])
    sheet.append(["Gait dataset", "Submitted", dt.datetime(2024, 2, 1), "Database", None])
    sheet.append([None, None, None, None, None])  # a blank row is skipped
    sheet.append(["Unknown stage", "Parked", dt.datetime(2024, 3, 1), "", None])
    sheet.append(["Future", "Draft", dt.datetime(2099, 1, 1), "", None])
    path = tmp_path / "Register.xlsx"
    book.save(path)

    assert list_sheets(path) == ["Notes", "IP register"]
    assert guess_layout(path) == ("IP register", 2)  # skips the notes sheet and the title line
    mapping = ImportMapping(
        columns={
            "Title": "title",
            "Stage": "stage",
            "Received": "received_on",
            "IP type": "ip_kinds",
            "Year": "reference_year",
        },
        sheet="IP register",
        header_row=2,
    )
    table = read_table(path, mapping)
    assert table.sheet == "IP register" and table.row_numbers == [3, 4, 6, 7]
    result = preview(table, mapping, today=TODAY)
    assert [r.row_number for r in result.bad_rows] == [6, 7]
    with pytest.raises(ImportRefusedError, match="2 rows"):
        import_rows(register, result)
    assert register.cases.count() == 0

    import_rows(register, result, only_valid=True)
    cases = by_title(register)
    assert set(cases) == {"Pressure sore sensor", "Gait dataset"}
    sensor = cases["Pressure sore sensor"]
    assert sensor.reference == "IP-2023-0001"  # the Year column wins over the date
    assert sensor.stage is Stage.ACTIVE and sensor.received_on == dt.date(2024, 1, 15)
    assert sensor.ip_kinds == (IpKind.INVENTION,)
    gait = cases["Gait dataset"]
    assert gait.reference == "IP-2024-0001" and gait.ip_kinds == (IpKind.DATA,)
    assert gait.stage is Stage.SUBMITTED

    # Stage words matched in the mapping make the parked row importable.
    mapping.stage_values = {"parked": "closed"}
    again = preview(read_table(path, mapping), mapping, today=TODAY)
    assert again.rows[2].ready is not None and again.rows[2].ready.stage is Stage.CLOSED


def test_refusal_report_lists_the_bad_rows(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "register.csv", GOOD_AND_BAD)
    mapping = standard_mapping()
    result = preview(read_table(path, mapping), mapping, today=TODAY)
    target = write_refusal_report(result, tmp_path / "refused.csv")

    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # a BOM, so Excel reads it as UTF-8
    rows = list(csv.reader(data.decode("utf-8-sig").splitlines()))
    assert rows[0] == ["Row", "Title", "Field", "Column in the file", "Problem"]
    assert [(r[0], r[1], r[2], r[3]) for r in rows[1:]] == [
        ("4", "Bed board", "Date received", "Date received"),
        ("5", "Ward rota tool", "Stage", "Status"),
        ("6", "", "Title", "Project title"),
    ]
    assert "is not a date" in rows[1][4] and "is not a stage" in rows[2][4]
    if os.name == "posix":
        assert target.stat().st_mode & 0o777 == 0o600


def test_failure_part_way_leaves_nothing_imported(
    register: Register, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [[f"Idea {i}", "", "Submitted", "", "", "01/01/2024", "", "", "", ""] for i in range(5)]
    path = write_csv(tmp_path / "register.csv", rows)
    mapping = standard_mapping()
    result = preview(read_table(path, mapping), mapping, today=TODAY)
    before = state(register)
    real_add = register.cases.add
    calls = {"n": 0}

    def failing_add(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("simulated failure on the third case")
        return real_add(*args, **kwargs)

    monkeypatch.setattr(register.cases, "add", failing_add)
    with pytest.raises(OSError, match="third case"):
        import_rows(register, result)
    assert calls["n"] == 3
    assert state(register) == before
    monkeypatch.undo()

    report = import_rows(register, result)  # the references were not used up either
    assert report.references[0][1] == "IP-2024-0001" and report.imported == 5
    assert register.verify_audit().ok


# -- malformed files ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("register.xlsx", os.urandom(2048), "could not be read as an Excel workbook"),
        ("register.xlsx", b"PK\x03\x04" + os.urandom(500), "could not be read as an Excel"),
        ("register.csv", b"", "register.csv is empty"),
        ("register.csv", b"\r\n \r\n", "register.csv is empty"),
        ("register.csv", b"\x00\x01\x02binary", "does not look like a CSV file"),
        ("register.xls", b"\xd0\xcf\x11\xe0", "old Excel 97-2003 format"),
        ("register.pdf", b"%PDF-1.4", "not a spreadsheet this app can read"),
    ],
)
def test_malformed_files_are_refused_and_the_register_is_unchanged(
    register: Register, tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    before = state(register)
    with pytest.raises(ImportFileError, match=message) as info:
        read_table(path, standard_mapping())
    assert isinstance(info.value, RegisterError)
    assert state(register) == before


def test_a_missing_mapped_heading_is_named(register: Register, tmp_path: Path) -> None:
    headings = [h for h in HEADINGS if h != "Status"]
    path = write_csv(tmp_path / "register.csv", [["Splint", *[""] * 8]], headings)
    before = state(register)
    with pytest.raises(
        ImportFileError, match=r"register\.csv has no column headed 'Status'"
    ) as info:
        read_table(path, standard_mapping())
    assert "'Project title'" in str(info.value)  # lists the headings it does have
    assert state(register) == before


def test_no_heading_row_and_a_missing_sheet(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "r.csv", [["Splint"]], ["Title"])
    with pytest.raises(ImportFileError, match="no column headings in row 5"):
        read_table(path, ImportMapping(columns={"Title": "title"}, header_row=5))
    book = openpyxl.Workbook()
    book.save(tmp_path / "r.xlsx")
    with pytest.raises(ImportFileError, match=r"has no sheet called 'Register'\. Its sheets are"):
        read_table(tmp_path / "r.xlsx", ImportMapping(columns={"Title": "title"}, sheet="Register"))
    with pytest.raises(ImportFileError, match="is empty"):
        read_table(tmp_path / "r.xlsx")


# -- mappings -------------------------------------------------------------------------------
def test_mapping_round_trip(tmp_path: Path) -> None:
    mapping = standard_mapping()
    mapping.sheet = "Register"
    mapping.header_row = 3
    mapping.date_format = "%d.%m.%y"
    mapping.stage_values = {"Under review": "in_triage"}
    mapping.ip_kind_values = {"App": "copyright"}
    mapping.default_stage = Stage.ACTIVE
    target = mapping.to_file(tmp_path / "mapping.json")
    raw = json.loads(target.read_text(encoding="utf-8"))
    assert raw["format"] == "nhsip-import-mapping" and raw["version"] == 1
    assert raw["default_stage"] == "active"
    assert load_mapping(target) == mapping


def test_mapping_refuses_unknown_fields_and_values(tmp_path: Path) -> None:
    base: dict[str, Any] = {"format": "nhsip-import-mapping", "version": 1}
    with pytest.raises(ImportMappingError, match="'Colour' -> 'colour'") as info:
        ImportMapping.from_dict({**base, "columns": {"Title": "title", "Colour": "colour"}})
    assert "title, summary, stage" in str(info.value)
    with pytest.raises(ImportMappingError, match="does not say which column holds the title"):
        ImportMapping.from_dict({**base, "columns": {"Status": "stage"}})
    with pytest.raises(ImportMappingError, match="more than one column to Title"):
        ImportMapping.from_dict({**base, "columns": {"A": "title", "B": "title"}})
    with pytest.raises(ImportMappingError, match="'Open' -> 'opened'"):
        ImportMapping.from_dict(
            {**base, "columns": {"T": "title"}, "stage_values": {"Open": "opened"}}
        )
    with pytest.raises(ImportMappingError, match="settings this app does not know: 'colums'"):
        ImportMapping.from_dict({**base, "colums": {"T": "title"}})
    with pytest.raises(ImportMappingError, match="newer version"):
        ImportMapping.from_dict({**base, "version": 2, "columns": {"T": "title"}})
    with pytest.raises(ImportMappingError, match="not an import mapping"):
        ImportMapping.from_dict({"columns": {"T": "title"}})
    bad_json = tmp_path / "m.json"
    bad_json.write_text("{not json", encoding="utf-8")
    with pytest.raises(ImportMappingError, match=r"m\.json is not valid JSON"):
        load_mapping(bad_json)


def test_suggest_mapping_on_typical_headings() -> None:
    headers = [
        "Ref",
        "Project Title",
        "Description",
        "Status",
        "Type of IP",
        "Inventor(s)",
        "Date received",
        "Next step",
        "Due date",
        "Comments",
    ]
    assert suggest_mapping(headers).columns == {
        "Project Title": "title",
        "Description": "summary",
        "Status": "stage",
        "Type of IP": "ip_kinds",
        "Inventor(s)": "contributors",  # a list of names: contributors, not one lead
        "Date received": "received_on",
        "Next step": "next_action",
        "Due date": "next_action_due",
    }
    other = suggest_mapping(["IDEA", "summary", "STAGE", "ip type", "Lead", "Received"])
    assert other.columns == {
        "IDEA": "title",
        "summary": "summary",
        "STAGE": "stage",
        "ip type": "ip_kinds",
        "Lead": "lead_innovator",
        "Received": "received_on",
    }
    # Each field is matched once; a longer heading with a distinctive word still matches.
    third = suggest_mapping(["Title of the innovation (short)", "Title", "Innovator name"])
    assert third.columns == {"Title": "title", "Innovator name": "lead_innovator"}
