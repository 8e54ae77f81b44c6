"""Issue 23 item 4: countries as data (ISO 3166 alpha-2): partners, contributors' employers and
rights carry a country; the international flag derives from them; a named migration adds the
rights column; the staff form asks for countries in a new version while older ones import."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from pypdf import PdfReader, PdfWriter

from nhsip_desktop.assets.rights import Right, RightStatus, RightType, validate_right
from nhsip_desktop.cases.disclosure import (
    Answer,
    Contributor,
    Disclosure,
    Partner,
    Relationship,
)
from nhsip_desktop.cases.ownership import assess_ownership
from nhsip_desktop.core.countries import countries, load_countries
from nhsip_desktop.core.resources import resource_path
from nhsip_desktop.interchange.disclosure_form import FORM_VERSION, interpret
from nhsip_desktop.interchange.form_reader import read_form_bytes
from nhsip_desktop.reports.disclosure_form import BlankFormDetails, render_blank_form
from nhsip_desktop.store.register import Register

C = countries()
DETAILS = BlankFormDetails("Test Trust", "IP lead", "OFFICIAL-SENSITIVE: COMMERCIAL", FORM_VERSION)
ANSWERS = {
    "title": "Cannula splint",
    "summary": "A soft splint",
    "problem": "Cannulas slip",
    "kind_invention": "/Yes",
    "c1_name": "Aoife Kelly",
    "c1_relationship": "Employee: clinical role",
    "c1_share": "100",
    "c1_duties": "Yes",
}


def _blank(version: str) -> bytes:
    return render_blank_form(
        BlankFormDetails(DETAILS.organisation, DETAILS.contact, DETAILS.marking, version)
    )


def _fill(data: bytes, values: dict[str, str]) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.set_need_appearances_writer(True)
    writer.update_page_form_field_values(None, values, auto_regenerate=True)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _employee() -> Contributor:
    return Contributor(
        name="Ann Lee",
        relationship=Relationship.EMPLOYEE_CLINICAL,
        in_course_of_duties=Answer.YES,
        share=Decimal(100),
    )


def test_the_country_list_is_versioned_iso_data() -> None:
    files = sorted(resource_path("countries").glob("iso3166-v*.json"))
    assert files and load_countries(files[-1]).version >= 1
    assert C.names["GB"] == "United Kingdom" and C.names["US"] == "United States of America"
    assert C.choices()[:2] == [("", "Not recorded"), ("GB", "United Kingdom")]
    assert (C.code("uk"), C.code("USA"), C.code("ireland"), C.code(""), C.code("Narnia")) == (
        "GB",
        "US",
        "IE",
        "",
        None,
    )


def test_a_partner_abroad_raises_the_flag_without_the_tick_box() -> None:
    d = Disclosure(contributors=[_employee()], partners=[Partner(name="Acme Inc", country="US")])
    assert not d.international_partner and d.international
    a = assess_ownership(d)
    assert any("Acme Inc (United States of America)" in r.text for r in a.reasons)
    assert any("overseas" in x for x in a.legal_advice)
    home = Disclosure(contributors=[_employee()], partners=[Partner(name="Leeds", country="GB")])
    assert not home.international
    assert not any("overseas" in x for x in assess_ownership(home).legal_advice)


def test_a_country_named_in_a_partners_name_counts_too() -> None:
    d = Disclosure(
        contributors=[_employee()], partners=[Partner(name="Mass General (Boston, USA)")]
    )
    assert d.abroad() == [("Mass General (Boston, USA)", "US")]


def test_an_employer_abroad_raises_the_flag() -> None:
    secondee = Contributor(
        name="Jo Ryan",
        relationship=Relationship.SECONDEE,
        employer="HSE",
        employer_country="IE",
        share=Decimal(100),
    )
    d = Disclosure(contributors=[secondee])
    assert d.international and d.abroad() == [("HSE", "IE")]
    again = Disclosure.from_json(d.to_json())
    assert again.contributors[0].employer_country == "IE"


def test_rights_carry_a_country(register: Register) -> None:
    right = register.rights.save(
        Right(None, RightType.PATENT, "US", "Sensor (US)", filing_date=None)
    )
    assert right.country_code == "US"
    assert register.conn.execute(
        "SELECT country FROM rights WHERE id = ?", (right.id,)
    ).fetchone() == ("US",)
    ep = Right(None, RightType.PATENT, "EP", "Sensor (EP)")
    assert ep.country_code == ""
    bad = Right(None, RightType.COPYRIGHT, "", "Leaflet", country="XX")
    assert [f for f, _ in validate_right(bad, dt.date(2026, 12, 1))] == ["country"]


def test_the_migration_adds_and_fills_the_column(register: Register) -> None:
    from sqlite_utils import Database

    from nhsip_desktop.store import migrations as mig

    register.rights.save(Right(None, RightType.PATENT, "UK", "Sensor", status=RightStatus.DRAFTING))
    with register.transaction():
        register.conn.execute("DROP INDEX idx_rights_country")
        register.conn.execute("ALTER TABLE rights DROP COLUMN country")
        mig.m0008_countries(Database(register.conn))
    assert register.conn.execute("SELECT country FROM rights").fetchall() == [("GB",)]


def test_the_form_asks_for_countries_in_a_new_version() -> None:
    assert int(FORM_VERSION) >= 3
    reading = interpret(
        {
            "title": "Splint",
            "c1_name": "Ann Lee",
            "c1_share": "100",
            "c1_employer": "HSE",
            "c1_employer_country": "Ireland",
            "p1_name": "Acme",
            "p1_country": "USA",
            "p2_name": "Somewhere",
            "p2_country": "Narnia",
        }
    )
    d = reading.disclosure
    assert d.contributors[0].employer_country == "IE"
    assert [p.country for p in d.partners] == ["US", ""]
    narnia = [p for p in reading.problems if p.field == "p2_country"]
    assert narnia and not narnia[0].blocking
    assert d.international


@pytest.mark.parametrize("version", ["1", "2"])
def test_older_form_versions_still_import(version: str, register: Register) -> None:
    blank = _blank(version)
    names = set(PdfReader(io.BytesIO(blank)).get_fields() or {})
    assert "p1_country" not in names and "c1_employer_country" not in names
    renamed = {"title": "idea_title", "summary": "idea_summary"} if version == "1" else {}
    values = {renamed.get(k, k): v for k, v in ANSWERS.items() if renamed.get(k, k) in names}
    form = read_form_bytes("old.pdf", _fill(blank, values))
    assert form.version == version
    assert any("countries" in m for m in form.reading.missing)
    assert form.reading.can_import
    case = register.form_imports.import_form(form)
    assert register.cases.details(case.id).contributors


def test_the_blank_form_has_the_country_fields() -> None:
    blank = _blank(FORM_VERSION)
    names = set(PdfReader(io.BytesIO(blank)).get_fields() or {})
    assert {"p1_country", "c1_employer_country", "c6_employer_country"} <= names


def test_the_case_window_edits_a_partners_country(qtbot: Any, register: Register) -> None:
    from nhsip_desktop.ui.main_window import MainWindow
    from nhsip_desktop.ui.session import RegisterSession

    session = RegisterSession()
    session.attach(register)
    win = MainWindow(session)
    qtbot.addWidget(win)
    win.show()
    editor = win.new_disclosure()
    assert editor is not None
    specs = {s.attr: s for s in editor.partners.specs}
    assert ("US", "United States of America") in list(specs["country"].choices)
    specs_c = {s.attr for s in editor.contributors.specs}
    assert "employer_country" in specs_c
    editor.close()
    session.lock()
