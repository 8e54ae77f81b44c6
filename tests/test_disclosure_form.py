"""The staff disclosure form: a real blank PDF, filled with pypdf as a reader would, read back
and imported into a real SQLCipher register."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from nhsip_desktop.cases.disclosure import (
    AgreementKind,
    Answer,
    Beneficiary,
    DevelopmentStage,
    DisclosureKind,
    IpTerms,
    PartnerKind,
    Relationship,
    Resource,
)
from nhsip_desktop.cases.model import IpKind, Stage
from nhsip_desktop.interchange.disclosure_form import (
    CHOOSE,
    FIELDS,
    FORM_ID,
    FORM_VERSION,
    ID_FIELD,
    VERSION_FIELD,
    FieldKind,
    FormError,
    field_names,
    fields_sha256,
    interpret,
)
from nhsip_desktop.interchange.form_reader import read_form, read_form_bytes
from nhsip_desktop.reports.disclosure_form import (
    BlankFormDetails,
    render_blank_form,
    write_blank_form,
)
from nhsip_desktop.store.cases import TITLE_MAX
from nhsip_desktop.store.form_imports import DuplicateFormError, FormNotImportableError
from nhsip_desktop.store.register import Register

TODAY = dt.date.today()
DETAILS = BlankFormDetails(
    "Test Trust", "Priya Shah, innovation@test.nhs.uk", "OFFICIAL-SENSITIVE: COMMERCIAL"
)
PAST = (TODAY - dt.timedelta(days=40)).strftime("%d/%m/%Y")
FUTURE = (TODAY + dt.timedelta(days=20)).strftime("%d/%m/%Y")

COMPLETE: dict[str, str] = {
    "title": "Cannula splint for children",
    "summary": "A soft splint that keeps a child's cannula in place.\nIt is washable.",
    "problem": "Cannulas come out when small children move; each re-siting hurts.",
    "novelty": "Nothing on the market fits children under five.",
    "benefits_patients": "/Yes",
    "benefits_staff": "/Yes",
    "development_stage": "Prototype",
    "normal_duties": "No",
    "resource_time": "/Yes",
    "resource_facilities": "/Yes",
    "kind_invention": "/Yes",
    "kind_design": "/Yes",
    "flag_medical_device": "/Yes",
    "flag_international_partner": "/Yes",
    "c1_name": "Aoife Kelly",
    "c1_job_title": "Paediatric nurse",
    "c1_department": "Children's ward",
    "c1_relationship": "Employee: clinical role",
    "c1_share": "60",
    "c1_duties": "No",
    "c1_assigns": "Not sure",
    "c1_contact": "aoife.kelly@test.nhs.uk",
    "c2_name": "Tom Lee",
    "c2_relationship": "Contractor or consultant",
    "c2_employer": "Lee Design Ltd",
    "c2_share": "40%",
    "c2_duties": "Yes",
    "c2_assigns": "Yes",
    "f1_name": "NIHR i4i",
    "f1_terms": "The trust owns it",
    "f1_note": "Standard terms",
    "p1_name": "University of Northfield",
    "p1_kind": "University",
    "p1_terms": "Owned jointly",
    "p1_background": "Fabric testing rig",
    "a1_kind": "Non-disclosure (NDA)",
    "a1_party": "University of Northfield",
    "a1_signed": PAST,
    "s1_status": "Already happened",
    "s1_kind": "Poster",
    "s1_date": PAST,
    "s1_details": "Regional nursing conference",
    "s2_status": "Planned",
    "s2_kind": "Publication",
    "s2_date": FUTURE,
    "s2_details": "Nursing Times article",
    "completed_by": "Aoife Kelly",
    "completed_on": PAST,
}


def blank(version: str = FORM_VERSION) -> bytes:
    return render_blank_form(
        BlankFormDetails(DETAILS.organisation, DETAILS.contact, DETAILS.marking, version)
    )


def fill(data: bytes, values: dict[str, str]) -> bytes:
    """Fill the form as a PDF reader would (pypdf, appearances left to the reader)."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.set_need_appearances_writer(True)
    writer.update_page_form_field_values(None, values, auto_regenerate=True)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def completed(tmp_path: Path, values: dict[str, str] | None = None, name: str = "form.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(fill(blank(), COMPLETE if values is None else values))
    return path


def counts(register: Register) -> tuple[int, int, int]:
    conn = register.conn
    return tuple(  # type: ignore[return-value]
        conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("cases", "attachments", "form_imports")
    )


# -- the blank form ---------------------------------------------------------------------------
def test_blank_form_has_every_field_with_a_tooltip_and_our_marker() -> None:
    reader = PdfReader(io.BytesIO(blank()))
    fields = reader.get_fields()
    assert fields is not None
    assert set(fields) == set(field_names())
    for name, f in fields.items():
        assert f.get("/TU"), f"{name} has no tooltip"
    assert fields[ID_FIELD]["/V"] == FORM_ID and fields[VERSION_FIELD]["/V"] == FORM_VERSION
    kinds = {f.name: f.kind for f in FIELDS}
    for name, f in fields.items():
        expected = {FieldKind.CHECK: "/Btn", FieldKind.CHOICE: "/Ch"}.get(kinds[name], "/Tx")
        assert f["/FT"] == expected, name
    # Choice lists start unchosen; relationship offers the Relationship labels.
    options = [str(o) for o in fields["c1_relationship"]["/Opt"]]
    assert options[0] == CHOOSE
    assert options[1:] == [r.label for r in Relationship]
    # No scripts anywhere.
    raw = blank()
    assert b"/JavaScript" not in raw and b"/JS" not in raw
    assert f"{FORM_ID} version {FORM_VERSION}" in str(reader.metadata.get("/Keywords"))


def test_blank_form_carries_trust_contact_and_marking_but_no_register_content(
    register: Register, tmp_path: Path
) -> None:
    from pypdf import PdfReader as Reader

    register.cases.add("Secret splint idea", summary="very confidential")
    target = write_blank_form(register, tmp_path / "blank.pdf", contact="Priya Shah, 01632 960123")
    text = "\n".join(page.extract_text() for page in Reader(target).pages)
    assert "Test Trust" in text and "Priya Shah, 01632 960123" in text
    assert "OFFICIAL-SENSITIVE" in text and f"version {FORM_VERSION}" in text
    assert "Secret splint" not in text and register.register_id not in text
    row = register.conn.execute(
        "SELECT action, record_kind, record_id FROM audit_log ORDER BY seq DESC LIMIT 1"
    ).fetchone()
    assert tuple(row) == ("report", "report", "disclosure-form")


def test_title_limit_matches_the_store() -> None:
    assert next(f for f in FIELDS if f.name == "title").max_length == TITLE_MAX


# -- round trip -------------------------------------------------------------------------------
def test_round_trip_every_value_appears_on_the_case(register: Register, tmp_path: Path) -> None:
    path = completed(tmp_path)
    form = read_form(path)
    assert form.version == FORM_VERSION
    assert form.reading.problems == [], form.reading.problems
    case = register.form_imports.import_form(form)

    assert case.stage is Stage.SUBMITTED
    assert case.title == COMPLETE["title"]
    assert case.summary == COMPLETE["summary"]
    assert case.ip_kinds == (IpKind.INVENTION, IpKind.DESIGN)
    assert case.lead_innovator == "Aoife Kelly"
    assert case.received_on == TODAY and case.feedback_due is not None
    d = register.cases.details(case.id)
    assert d.problem == COMPLETE["problem"] and d.novelty == COMPLETE["novelty"]
    assert d.beneficiaries == [Beneficiary.PATIENTS, Beneficiary.STAFF]
    assert d.development_stage is DevelopmentStage.PROTOTYPE
    assert d.normal_duties is Answer.NO
    assert d.resources_used == [Resource.TIME, Resource.FACILITIES]
    assert (d.ai_involved, d.patient_data, d.medical_device, d.international_partner) == (
        False,
        False,
        True,
        True,
    )
    aoife, tom = d.contributors
    assert (aoife.name, aoife.job_title, aoife.department) == (
        "Aoife Kelly",
        "Paediatric nurse",
        "Children's ward",
    )
    assert aoife.relationship is Relationship.EMPLOYEE_CLINICAL and aoife.share == 60
    assert aoife.in_course_of_duties is Answer.NO and aoife.assigns_to_trust is Answer.UNSURE
    assert aoife.contact == "aoife.kelly@test.nhs.uk"
    assert tom.relationship is Relationship.CONTRACTOR and tom.employer == "Lee Design Ltd"
    assert tom.share == Decimal(40) and tom.assigns_to_trust is Answer.YES
    (funder,) = d.funders
    assert (funder.name, funder.ip_terms, funder.terms_note) == (
        "NIHR i4i",
        IpTerms.TRUST_OWNS,
        "Standard terms",
    )
    (partner,) = d.partners
    assert (partner.name, partner.kind, partner.agreement_terms, partner.background_ip) == (
        "University of Northfield",
        PartnerKind.UNIVERSITY,
        IpTerms.JOINT,
        "Fabric testing rig",
    )
    (agreement,) = d.agreements
    assert agreement.kind is AgreementKind.NDA and agreement.signed_on == TODAY - dt.timedelta(40)
    made, planned = d.external_disclosures
    assert (made.kind, made.planned, made.on) == (
        DisclosureKind.POSTER,
        False,
        TODAY - dt.timedelta(40),
    )
    assert (planned.kind, planned.planned, planned.description) == (
        DisclosureKind.PUBLICATION,
        True,
        "Nursing Times article",
    )
    # The PDF itself is kept, encrypted, with the case; and the import is audited.
    (attachment,) = register.attachments.for_case(case.id)
    assert register.attachments.content(attachment.id) == path.read_bytes()
    assert attachment.name == "form.pdf"
    (record,) = register.form_imports.for_case(case.id)
    assert record.attachment_id == attachment.id and record.form_version == FORM_VERSION
    actions = [
        tuple(r)
        for r in register.conn.execute(
            "SELECT action, record_kind FROM audit_log WHERE record_kind = 'form_import'"
        )
    ]
    assert actions == [("import", "form_import")]


def test_shares_not_totalling_100_are_reported_not_fixed(
    register: Register, tmp_path: Path
) -> None:
    values = {**COMPLETE, "c2_share": "30"}
    form = read_form(completed(tmp_path, values))
    messages = [p.message for p in form.reading.problems]
    assert any("add up to 100%; they add up to 90%" in m for m in messages), messages
    assert form.reading.can_import and not form.reading.complete
    with pytest.raises(FormNotImportableError, match="not complete enough"):
        register.form_imports.import_form(form)
    assert counts(register) == (0, 0, 0)
    case = register.form_imports.import_form(form, as_draft=True)
    assert case.stage is Stage.DRAFT
    shares = [c.share for c in register.cases.details(case.id).contributors]
    assert shares == [Decimal(60), Decimal(30)]  # as written: not scaled to 100


def test_a_share_that_is_not_a_number_blocks_the_import(register: Register, tmp_path: Path) -> None:
    form = read_form(completed(tmp_path, {**COMPLETE, "c2_share": "about half", "s1_date": "soon"}))
    blocking = [p.field for p in form.reading.blocking]
    assert blocking == ["c2_share", "s1_date"]
    with pytest.raises(FormNotImportableError):
        register.form_imports.import_form(form, as_draft=True)
    assert counts(register) == (0, 0, 0)


def test_half_filled_and_blank_forms_say_what_is_missing(tmp_path: Path) -> None:
    half = read_form(completed(tmp_path, {"title": "Ward rota tool"}))
    fields = {p.field for p in half.reading.problems}
    assert {"problem", "ip_kinds", "contributors"} <= fields
    assert half.reading.can_import and "draft" in half.reading.summary_text()
    empty = read_form(completed(tmp_path, {}, "empty.pdf"))
    assert not empty.reading.can_import
    assert "blank: nothing has been filled in" in empty.reading.blocking[0].message


# -- refusals -----------------------------------------------------------------------------
def _other_pdf() -> bytes:
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    canvas.acroForm.textfield(name="title", value="Not ours", x=50, y=700, width=200, height=20)
    canvas.drawString(50, 650, "Some other form")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (_other_pdf(), "is not an nhsip-desktop disclosure form"),
        (b"PK\x03\x04 not a pdf at all", "is not a PDF"),
        (b"", "is empty"),
    ],
)
def test_files_that_are_not_our_form_are_refused_and_nothing_changes(
    register: Register, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "other.pdf"
    path.write_bytes(content)
    before = register.chain_head()
    with pytest.raises(FormError, match=message):
        read_form(path)
    assert counts(register) == (0, 0, 0) and register.chain_head() == before


def test_a_truncated_form_is_refused_as_damaged(register: Register, tmp_path: Path) -> None:
    data = fill(blank(), COMPLETE)
    for cut in (len(data) // 2, len(data) - 40, 600):
        path = tmp_path / "cut.pdf"
        path.write_bytes(data[:cut])
        with pytest.raises(FormError, match="damaged or incomplete"):
            read_form(path)
    assert counts(register) == (0, 0, 0)


def test_a_missing_file_is_a_clear_message(tmp_path: Path) -> None:
    with pytest.raises(FormError, match="does not exist"):
        read_form(tmp_path / "nope.pdf")


def test_a_newer_version_is_refused() -> None:
    data = fill(blank(), {**COMPLETE, VERSION_FIELD: "99"})
    with pytest.raises(FormError, match=r"version 99.*newer version of nhsip-desktop"):
        read_form_bytes("new.pdf", data)


# -- duplicates ---------------------------------------------------------------------------
def test_the_same_form_imported_twice_creates_one_case(register: Register, tmp_path: Path) -> None:
    first = register.form_imports.import_form(read_form(completed(tmp_path)))
    # Saved again by another reader (a different file), same answers: still recognised.
    again = fill(tmp_path.joinpath("form.pdf").read_bytes(), {"title": COMPLETE["title"] + "  "})
    second = read_form_bytes("form (1).pdf", again)
    assert second.data != tmp_path.joinpath("form.pdf").read_bytes()
    found = register.form_imports.find(second.reading.fields_sha256)
    assert found is not None and found.reference == first.reference
    with pytest.raises(
        DuplicateFormError, match=f"already been imported, as case {first.reference}"
    ):
        register.form_imports.import_form(second)
    assert counts(register) == (1, 1, 1)
    # A changed answer is a different form.
    changed = read_form_bytes("form v2.pdf", fill(blank(), {**COMPLETE, "c1_contact": "x"}))
    register.form_imports.import_form(changed)
    assert counts(register) == (2, 2, 2)


def test_hash_ignores_reader_differences() -> None:
    a = {"title": "Splint", "kind_invention": "/Yes", "kind_design": "/Off", "c1_duties": CHOOSE}
    b = {"title": " Splint \r\n", "kind_invention": "Yes", "c1_relationship": CHOOSE}
    assert fields_sha256(a) == fields_sha256(b)
    assert fields_sha256(a) != fields_sha256({**a, "title": "Splints"})


# -- older versions -----------------------------------------------------------------------
def test_an_older_version_is_mapped_and_says_what_it_did_not_ask(
    register: Register, tmp_path: Path
) -> None:
    old_blank = blank("1")
    names = set(PdfReader(io.BytesIO(old_blank)).get_fields() or {})
    assert "idea_title" in names and "title" not in names and "c5_name" not in names
    assert "a1_kind" not in names and "c1_assigns" not in names
    values = {
        ("idea_title" if k == "title" else "idea_summary" if k == "summary" else k): v
        for k, v in COMPLETE.items()
        if k in names or k in ("title", "summary")
    }
    form = read_form_bytes("old.pdf", fill(old_blank, values))
    assert form.version == "1"
    assert form.reading.title == COMPLETE["title"]
    assert form.reading.summary == COMPLETE["summary"]
    assert any("agreements already signed" in m for m in form.reading.missing)
    assert form.reading.complete, form.reading.problems
    case = register.form_imports.import_form(form)
    assert case.stage is Stage.SUBMITTED
    assert register.cases.details(case.id).agreements == []


def test_interpret_maps_labels_and_marks_unknown_choices() -> None:
    reading = interpret({**COMPLETE, "c1_relationship": "Astronaut"}, today=TODAY)
    (problem,) = reading.blocking
    assert problem.field == "c1_relationship" and "'Astronaut' is not one of the choices" in (
        problem.message
    )
