"""The IP policy builder (issue 14): the Annex A framework, drafting from the register's facts,
the DOCX and PDF read back, recorded versions, and the out-of-date check. Real encrypted
registers in tmp_path."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from pypdf import PdfReader

from nhsip_desktop.assets.renewals import add_months
from nhsip_desktop.core.resources import resource_path
from nhsip_desktop.finance.revenue import Band, RevenuePolicy, example_policy
from nhsip_desktop.governance.model import (
    ANNEX_A_HEADINGS,
    DecisionMaking,
    GovernanceRecord,
    IpPolicy,
    Sro,
    TtcArrangement,
    TtcModel,
)
from nhsip_desktop.governance.policy_builder import (
    TO_COMPLETE,
    Choices,
    Framework,
    FrameworkError,
    PolicyDocument,
    PolicyFacts,
    PolicyMeta,
    build_document,
    carry_forward,
    default_choices,
    fact_differences,
    load_framework,
    next_version,
    parse_framework,
    validate_choices,
)
from nhsip_desktop.guidance.refs import is_known_reference
from nhsip_desktop.reports.policy import DRAFT_LINE, write_policy_docx, write_policy_pdf
from nhsip_desktop.store.errors import ValidationError
from nhsip_desktop.store.register import Register

GUIDANCE = Path(__file__).resolve().parents[2] / "shared" / "guidance" / "nhs-ip-guidance-2025.txt"
TODAY = dt.date.today()
RUN = 12  # words in a row that may not be copied from the guidance
LONG_SENTENCE = 12  # the rule: no guidance sentence of 12 words or more, verbatim


# -- helpers ----------------------------------------------------------------------------------
def normalised(text: str) -> str:
    """Lower case, curly quotes straightened, every run of white space one space."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"\s+", " ", text.lower()).strip()


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", normalised(text))


def revenue(version: int, first_innovators: str, first_up_to: str = "50000.00") -> RevenuePolicy:
    base = example_policy()
    first = base.bands[0]
    innovators = Decimal(first_innovators)
    organisation = Decimal(100) - innovators - first.department - first.ttc
    bands = (
        Band(Decimal(first_up_to), innovators, first.department, organisation, first.ttc),
        *base.bands[1:],
    )
    return dataclasses.replace(base, id="trust", version=version, bands=bands, source="")


def set_up(register: Register, sro_name: str = "Dr Priya Shah") -> None:
    register.governance.save(
        GovernanceRecord(
            sro=Sro(sro_name, "Medical Director", add_months(TODAY, -6)),
            decision_making=DecisionMaking(
                "Innovation Steering Group",
                ["Initial assessment", "Protection decision", "Commercial route approved"],
            ),
            ttc_arrangement=TtcArrangement(TtcModel.REGIONAL, "Northbrook Health Innovation Hub"),
        )
    )
    register.reference.save_revenue_policy(revenue(1, "50"))


def meta(**changes: Any) -> PolicyMeta:
    values: dict[str, Any] = {
        "version": "3.0",
        "approved_by": "Trust Board",
        "drafted_on": TODAY,
        "approved_on": None,
        "review_on": None,
    }
    values.update(changes)
    return PolicyMeta(**values)


@pytest.fixture(scope="module")
def framework() -> Framework:
    return load_framework()


@pytest.fixture
def prepared(register: Register) -> Register:
    set_up(register)
    return register


def draft_for(register: Register, framework: Framework, **meta_changes: Any) -> PolicyDocument:
    facts = register.policy_drafts.current_facts()
    choices = register.policy_drafts.starting_choices(framework, facts)
    return build_document(framework, choices, facts, meta(**meta_changes))


def docx_text(path: Path) -> str:
    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    for section in doc.sections:
        parts += [p.text for p in section.header.paragraphs]
    return "\n".join(parts)


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)


# -- the framework ----------------------------------------------------------------------------
def test_the_framework_is_annex_a_twelve_headings_with_valid_references(
    framework: Framework,
) -> None:
    assert framework.version >= 1
    assert [h.number for h in framework.headings] == list(range(1, 13))
    for heading in framework.headings:
        assert heading.title == ANNEX_A_HEADINGS[heading.number]
        assert is_known_reference(heading.reference), heading.reference
        assert heading.reference.startswith(f"Annex A, section {heading.number}")
        assert heading.help.strip() and heading.choices
    facts = PolicyFacts(organisation="Test Trust")
    assert validate_choices(framework, default_choices(framework, facts)) == []


def test_a_malformed_framework_names_the_field(framework: Framework) -> None:
    raw = json.loads(resource_path("policy", "annex_a.json").read_text(encoding="utf-8"))
    raw["headings"][3]["choices"][0]["default"] = "nobody"
    with pytest.raises(FrameworkError, match=r"headings\[3\]\.choices\[0\]\.default"):
        parse_framework(raw, "test.json")
    raw = json.loads(resource_path("policy", "annex_a.json").read_text(encoding="utf-8"))
    del raw["headings"][11]
    with pytest.raises(FrameworkError, match="1 to 12"):
        parse_framework(raw, "test.json")


def test_next_version() -> None:
    assert next_version("2.1") == "2.2"
    assert next_version("v3") == "v4"
    assert next_version("2002") == "2003"
    assert next_version("draft") == "1.0"


# -- drafting from the register's facts -------------------------------------------------------
def test_choices_are_prefilled_from_the_register(prepared: Register, framework: Framework) -> None:
    facts = prepared.policy_drafts.current_facts()
    assert facts.sro == "Dr Priya Shah, Medical Director"
    assert facts.decision_maker == "Innovation Steering Group"
    assert facts.revenue_bands[0].innovators == "50"
    assert facts.feedback_target_days == 30
    choices = prepared.policy_drafts.starting_choices(framework, facts)
    assert choices["duties"]["adviser"] == "Northbrook Health Innovation Hub"
    assert choices["disputes"]["escalate_to"] == "Medical Director"
    assert choices["monitoring"]["monitor_by"] == "Medical Director"
    assert all(values["include"] for values in choices.values())


def test_missing_facts_are_marked_to_be_completed(register: Register, framework: Framework) -> None:
    document = draft_for(register, framework)
    text = document.plain_text()
    assert TO_COMPLETE.format("no SRO is recorded in the register yet.") in text
    assert "record who this is in the register" in text


def test_docx_has_every_chosen_heading_the_bands_and_the_sro(
    prepared: Register, framework: Framework, tmp_path: Path
) -> None:
    facts = prepared.policy_drafts.current_facts()
    choices = prepared.policy_drafts.starting_choices(framework, facts)
    choices["third_party"]["include"] = False  # leave one heading out
    choices["scope"]["groups"].remove("postgraduates")
    document = build_document(framework, choices, facts, meta(approved_on=None))
    target = write_policy_docx(prepared, document, tmp_path / "policy.docx")

    text = docx_text(target)
    doc = Document(str(target))
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    chosen = [h for h in framework.headings if h.key != "third_party"]
    assert headings[: len(chosen)] == [f"{n}. {h.policy_title}" for n, h in enumerate(chosen, 1)]
    assert "Using other people's IP" not in headings
    assert DRAFT_LINE.upper() in text and DRAFT_LINE in text
    assert "Dr Priya Shah, Medical Director" in text
    assert "Innovation Steering Group" in text
    assert "Version | 3.0" in text
    assert f"Next review due | {add_months(TODAY, 12):%d/%m/%Y}" in text
    assert "Approval date | Not yet approved" in text
    # The revenue bands, read back from the table.
    assert "Up to £50,000.00 | 50% | 20% | 30%" in text
    assert "£50,000.00 to £500,000.00 | 35% | 25% | 40%" in text
    assert "Over £500,000.00 | 25% | 25% | 50%" in text
    # Postgraduates left out of scope: said so, and no postgraduate ownership rule.
    assert "Postgraduate research students are outside this policy" in text
    assert "Postgraduate research students. " not in text
    # The coverage table.
    assert "10. Using IP that belongs to others | Not included in this draft" in text
    assert "4. Who owns IP | Section 4: Who owns IP" in text
    assert "11. Resolving disputes | Section 10: Settling disagreements" in text
    # Numbered clauses.
    assert any(p.text.startswith("9.1\t") for p in doc.paragraphs)


def test_pdf_reads_back_the_same(prepared: Register, framework: Framework, tmp_path: Path) -> None:
    document = draft_for(prepared, framework, approved_on=TODAY - dt.timedelta(days=2))
    target = write_policy_pdf(prepared, document, tmp_path / "policy.pdf")
    text = normalised(pdf_text(target))
    for heading in framework.headings:
        assert normalised(f"{heading.number}. {heading.policy_title}") in text
    assert normalised(DRAFT_LINE) in text
    assert "dr priya shah, medical director" in text
    assert normalised("Up to £50,000.00 50% 20% 30%") in text
    assert normalised("Over £500,000.00 25% 25% 50%") in text
    assert normalised(f"Approval date {TODAY - dt.timedelta(days=2):%d/%m/%Y}") in text
    assert "annex a headings covered" in text
    assert "page 1 of" in text  # the shared template
    # Both files are audited as reports.
    reports = [e for e in prepared.audit.entries(record_kind="report")]
    assert reports[0].record_id == "ip-policy-pdf"
    assert reports[0].changes["file"] == [None, "policy.pdf"]


def test_the_docx_writer_is_atomic(
    prepared: Register, framework: Framework, tmp_path: Path
) -> None:
    from nhsip_desktop.reports.atomic import ReportWriteError

    document = draft_for(prepared, framework)
    with pytest.raises(ReportWriteError):
        write_policy_docx(prepared, document, tmp_path / "missing" / "policy.docx")
    assert not list(prepared.audit.entries(record_kind="report"))


# -- own words, never the guidance's ------------------------------------------------------------
@pytest.fixture(scope="module")
def guidance() -> tuple[list[str], set[tuple[str, ...]]]:
    if not GUIDANCE.is_file():
        pytest.skip(f"the guidance text is not at {GUIDANCE}")
    text = GUIDANCE.read_text(encoding="utf-8")
    sentences = []
    for line in text.splitlines():
        for sentence in re.split(r"(?<=[.!?])\s+", line.strip().lstrip("-").strip()):
            sentence_words = words(sentence)
            if len(sentence_words) >= LONG_SENTENCE:
                sentences.append(" ".join(sentence_words))
    stream = words(text)
    runs = {tuple(stream[i : i + RUN]) for i in range(len(stream) - RUN + 1)}
    return sentences, runs


def copied(text: str, sentences: list[str], runs: set[tuple[str, ...]]) -> list[str]:
    text_words = words(text)
    padded = f" {' '.join(text_words)} "
    found = [s for s in sentences if f" {s} " in padded]
    found += [
        " ".join(text_words[i : i + RUN])
        for i in range(len(text_words) - RUN + 1)
        if tuple(text_words[i : i + RUN]) in runs
    ]
    return found


def every_variant(framework: Framework, facts: PolicyFacts) -> Iterator[Choices]:
    """The default choices, then each single-choice option and each tick box flipped."""
    base = default_choices(framework, facts)
    yield base
    for heading in framework.headings:
        for choice in heading.choices:
            values: list[Any] = []
            if choice.kind == "choice":
                values = list(choice.values)
            elif choice.kind == "bool":
                values = [not choice.default]
            elif choice.kind == "options":
                values = [[]]
            for value in values:
                variant = json.loads(json.dumps(base))
                variant[heading.key][choice.id] = value
                yield variant


def test_the_copy_check_would_catch_copying(
    guidance: tuple[list[str], set[tuple[str, ...]]],
) -> None:
    sentences, runs = guidance
    pasted = (
        "Where commercialisation is likely, best practice is for the organisation best placed "
        "to commercialise to do so."
    )
    assert copied(f"Our policy.  {pasted.upper()}", sentences, runs)


def test_no_guidance_sentence_appears_in_the_output(
    prepared: Register,
    framework: Framework,
    tmp_path: Path,
    guidance: tuple[list[str], set[tuple[str, ...]]],
) -> None:
    sentences, runs = guidance
    facts = prepared.policy_drafts.current_facts()
    no_facts = PolicyFacts()
    for facts_used, choices in itertools.chain(
        ((facts, c) for c in every_variant(framework, facts)),
        ((no_facts, c) for c in [default_choices(framework, no_facts)]),
    ):
        text = build_document(framework, choices, facts_used, meta()).plain_text()
        assert not copied(text, sentences, runs), copied(text, sentences, runs)
    # The files themselves, and the builder's own labels and help.
    document = draft_for(prepared, framework)
    docx = write_policy_docx(prepared, document, tmp_path / "p.docx")
    pdf = write_policy_pdf(prepared, document, tmp_path / "p.pdf")
    for text in (docx_text(docx), pdf_text(pdf)):
        assert not copied(text, sentences, runs)
    shown = resource_path("policy", "annex_a.json").read_text(encoding="utf-8")
    assert not copied(shown, sentences, runs)


# -- recorded versions and the out-of-date check --------------------------------------------
def test_recording_a_version_updates_the_governance_record_and_the_audit_trail(
    prepared: Register, framework: Framework
) -> None:
    facts = prepared.policy_drafts.current_facts()
    choices = prepared.policy_drafts.starting_choices(framework, facts)
    choices["disputes"]["include"] = False
    seq_before = prepared.chain_head().seq
    draft = prepared.policy_drafts.record(meta(version="3.0"), choices, facts, framework)

    assert draft.version == "3.0" and draft.facts == facts
    assert prepared.policy_drafts.latest() == draft
    policy = prepared.governance.record().policy
    assert policy is not None
    assert (policy.version, policy.approved_by, policy.approved_on) == ("3.0", "Trust Board", TODAY)
    assert policy.headings_covered == [n for n in range(1, 13) if n != 11]
    new = list(prepared.audit.entries(newest_first=False))[seq_before:]
    assert [(e.action, e.record_kind, e.record_id) for e in new] == [
        ("insert", "governance", "policy"),
        ("insert", "policy_draft", str(draft.id)),
    ]
    assert new[1].changes["version"] == [None, "3.0"]
    assert prepared.policy_drafts.differences() == []
    # The next draft starts from this one's choices and suggests the next version.
    again = prepared.policy_drafts.starting_choices(framework)
    assert again["disputes"]["include"] is False
    assert prepared.policy_drafts.starting_meta(TODAY).version == "3.1"


def test_recording_keeps_where_the_policy_is_published(
    prepared: Register, framework: Framework
) -> None:
    record = prepared.governance.record()
    record.policy = IpPolicy(
        "2.4", "Audit Committee", TODAY - dt.timedelta(days=400), published_at="https://x.nhs.uk"
    )
    prepared.governance.save(record)
    facts = prepared.policy_drafts.current_facts()
    choices = prepared.policy_drafts.starting_choices(framework, facts)
    assert choices["monitoring"]["published_at"] == "https://x.nhs.uk"
    assert choices["monitoring"]["report_to"] == "Audit Committee"
    start = prepared.policy_drafts.starting_meta(TODAY)
    assert (start.version, start.approved_by) == ("2.5", "Audit Committee")
    prepared.policy_drafts.record(start, choices, facts, framework)
    policy = prepared.governance.record().policy
    assert policy is not None and policy.published_at == "https://x.nhs.uk"
    assert policy.version == "2.5" and policy.last_review is None


def test_a_failed_record_changes_nothing(
    prepared: Register, framework: Framework, monkeypatch: pytest.MonkeyPatch
) -> None:
    facts = prepared.policy_drafts.current_facts()
    choices = prepared.policy_drafts.starting_choices(framework, facts)
    with pytest.raises(ValidationError) as refused:
        prepared.policy_drafts.record(
            meta(approved_on=TODAY + dt.timedelta(days=1), version=" "), choices, facts
        )
    assert {p[0] for p in refused.value.problems} == {"version", "approved_on"}

    def broken(self: PolicyFacts) -> dict[str, Any]:
        raise RuntimeError("disk trouble")

    head = prepared.chain_head()
    monkeypatch.setattr(PolicyFacts, "to_json", broken)  # fails after the governance save
    with pytest.raises(RuntimeError):
        prepared.policy_drafts.record(meta(), choices, facts, framework)
    assert prepared.governance.record().policy is None
    assert prepared.policy_drafts.latest() is None
    assert prepared.chain_head() == head


def test_changing_the_revenue_bands_marks_the_policy_out_of_date(
    prepared: Register, framework: Framework
) -> None:
    facts = prepared.policy_drafts.current_facts()
    choices = prepared.policy_drafts.starting_choices(framework, facts)
    prepared.policy_drafts.record(meta(), choices, facts, framework)
    assert prepared.policy_drafts.differences() == []

    prepared.reference.save_revenue_policy(revenue(2, "33.33", "40000.00"))
    differences = prepared.policy_drafts.differences()
    assert len(differences) == 1
    assert differences[0] == (
        "Revenue-sharing bands: the policy says up to £50,000.00: innovators 50%, department "
        "20%, trust 30%; £50,000.00 to £500,000.00: innovators 35%, department 25%, trust 40%; "
        "the register now says up to £40,000.00: innovators 33.33%, department 20%, trust "
        "46.67%; £40,000.00 to £500,000.00: innovators 35%, department 25%, trust 40%."
    )


def test_changing_the_sro_or_feedback_target_marks_the_policy_out_of_date(
    prepared: Register, framework: Framework
) -> None:
    facts = prepared.policy_drafts.current_facts()
    choices = prepared.policy_drafts.starting_choices(framework, facts)
    prepared.policy_drafts.record(meta(), choices, facts, framework)

    record = prepared.governance.record()
    record.sro = Sro("Mr Tom Okafor", "Chief Operating Officer", TODAY)
    prepared.governance.save(record)
    prepared.settings.update(feedback_target_days=21)
    differences = prepared.policy_drafts.differences()
    assert (
        "Senior responsible officer: the policy says “Dr Priya Shah, Medical Director”; the "
        "register now says “Mr Tom Okafor, Chief Operating Officer”." in differences
    )
    assert "Feedback target: the policy says 30 days; the register now says 21 days." in differences
    # A new draft follows the new SRO where the choice was pre-filled, not where typed over.
    draft = prepared.policy_drafts.latest()
    assert draft is not None
    stored = json.loads(json.dumps(draft.choices))
    stored["monitoring"]["monitor_by"] = "Director of Research"
    now = prepared.policy_drafts.current_facts()
    carried = carry_forward(framework, stored, draft.facts, now)
    assert carried["disputes"]["escalate_to"] == "Chief Operating Officer"
    assert carried["monitoring"]["monitor_by"] == "Director of Research"
    document = build_document(framework, carried, now, meta())
    assert "Mr Tom Okafor, Chief Operating Officer, is the senior responsible officer" in (
        document.plain_text()
    )


def test_fact_differences_in_words() -> None:
    before = PolicyFacts(organisation="A Trust", stage_gates=("One",), ttc_model="none")
    after = dataclasses.replace(
        before, stage_gates=("One", "Two"), ttc_model="regional", ttc_provider="Hub"
    )
    assert fact_differences(before, before) == []
    assert fact_differences(before, after) == [
        "Stage gates: the policy lists “One”; the register now lists “One; Two”.",
        "TTC arrangement: the policy says “No TTC”; the register now says “A regional TTC "
        "(ICB, health innovation network or innovation hub): Hub”.",
    ]
    assert PolicyFacts.from_json(after.to_json()) == after


def test_policy_files_are_fit_to_publish(
    prepared: Register, framework: Framework, tmp_path: Path
) -> None:
    """Created now, numbered pages, no protective marking or register internals on the PDF,
    and roles read as English ("goes to the Medical Director", "the Trust board, which")."""
    import shutil
    import subprocess

    facts = prepared.policy_drafts.current_facts()
    choices = prepared.policy_drafts.starting_choices(framework, facts)
    choices["disputes"]["escalate_to"] = "Medical Director"
    choices["monitoring"]["report_to"] = "Trust board"
    document = build_document(framework, choices, facts, meta(approved_on=None))
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    docx = write_policy_docx(prepared, document, tmp_path / "policy.docx")
    pdf = write_policy_pdf(prepared, document, tmp_path / "policy.pdf")

    props = Document(str(docx)).core_properties
    assert props.created is not None and props.created >= before - dt.timedelta(seconds=2)
    assert props.modified is not None and props.modified >= before - dt.timedelta(seconds=2)
    assert props.author != "python-docx"
    footer_xml = Document(str(docx)).sections[0].footer._element.xml
    assert "PAGE" in footer_xml and "NUMPAGES" in footer_xml
    text = docx_text(docx)
    assert "it goes to the Medical Director, who decides" in text
    assert "findings to the Trust board, which agrees" in text
    assert "goes to Medical Director" not in text

    pdf_whole = normalised(pdf_text(pdf))
    assert "official-sensitive" not in pdf_whole
    assert "draft for approval: not yet published" in pdf_whole
    assert prepared.register_id not in pdf_text(pdf)
    assert "it goes to the medical director, who decides" in pdf_whole
    tool = shutil.which("pdftotext")
    if tool:
        out = subprocess.run([tool, str(pdf), "-"], capture_output=True, check=True).stdout
        assert b"OFFICIAL-SENSITIVE" not in out
