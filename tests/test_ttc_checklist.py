"""The TTC contract checklist (Annex B) as data, its findings, and its PDF report.

The data tests are there to fail: a reference outside Annex B and step 9, a run of words
lifted from the guidance, a red flag that stops firing for a contract that lacks the
protection, or a complete contract that still raises something to negotiate.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from nhsip_desktop.core.resources import resource_path
from nhsip_desktop.guidance.checklists import (
    AnswerType,
    Checklist,
    ChecklistLibrary,
    ItemAnswer,
    Severity,
    evaluate,
)
from nhsip_desktop.guidance.refs import ANNEX_B_TOPICS, is_known_reference
from nhsip_desktop.reports.ttc_report import (
    SEVERITY_HEADINGS,
    TTC_REPORT_SECTIONS,
    write_ttc_report,
)
from nhsip_desktop.store.register import Register

GUIDANCE = Path(__file__).resolve().parents[2] / "shared" / "guidance" / "nhs-ip-guidance-2025.txt"
RUN = 12  # words in a row that may not be copied from the guidance
MARKING = "OFFICIAL-SENSITIVE: COMMERCIAL"

# Questions where "yes" is the risk; for every other question "yes" is the protection.
RISKY = frozenset(
    {
        "ttc_signs_without_approval",
        "ttc_takes_licence",
        "collaborative_ip",
        "exclusive_allowed",
        "top_slicing",
        "exclusive_appointment",  # neither good nor bad: "no" stands for a clear answer
    }
)
REQUIRED_RED = frozenset(
    {
        "ttc_can_sign_for_trust",
        "no_audit_rights",
        "no_exit_on_insolvency",
        "ownership_not_verified",
        "exclusive_without_safeguards",
    }
)

# One change to a complete contract for each red and amber rule, which must raise that
# finding and no other red or amber one.
TRIGGERS: dict[str, dict[str, Any]] = {
    "ttc_can_sign_for_trust": {"ttc_signs_without_approval": "yes"},
    "ownership_not_verified": {"ownership_verified": "unsure"},
    "collaborators_not_agreed": {"collaborative_ip": "yes", "collaborators_agree": None},
    "exclusive_without_safeguards": {"exclusive_allowed": "yes", "exclusive_safeguards": "no"},
    "no_audit_rights": {"audit_rights": "no"},
    "no_exit_on_breach": {"exit_on_breach": "no"},
    "no_exit_on_insolvency": {"exit_on_insolvency": "no"},
    "agency_unclear": {"acts_as_agent": "unsure"},
    "role_scope_undefined": {"role_scope_defined": "no"},
    "ip_selection_unclear": {"ip_selection_defined": "no"},
    "direct_role_without_oversight": {"ttc_takes_licence": "yes", "direct_role_oversight": None},
    "exclusivity_unclear": {"exclusive_appointment": "unsure"},
    "not_procured": {"chosen_by_procurement": "no"},
    "objectives_not_aligned": {"objectives_nhs_values": "no"},
    "no_success_metrics": {"success_metrics_defined": "unsure"},
    "withdrawal_costs_unclear": {"withdrawal_costs_known": "no"},
    "licence_types_unclear": {"licence_types_agreed": "no"},
    "non_exclusive_not_default": {"non_exclusive_default": "no"},
    "licences_not_following_guidance": {"licences_follow_guidance": "unsure"},
    "no_licensee_performance_terms": {"licensee_termination": "no"},
    "fees_unclear": {"fees_clear": "unsure"},
    "fees_not_proportionate": {"fees_proportionate": "no"},
    "revenue_share_unclear": {"revenue_share_transparent": "no"},
    "net_revenue_undefined": {"net_revenue_defined": "no"},
    "top_slicing_not_balanced": {"top_slicing": "yes", "top_slicing_balanced": "no"},
    "other_benefits_not_considered": {"other_benefits": "no"},
    "no_exit_on_conflict": {"exit_on_conflict": "no"},
    "post_termination_share_unclear": {"post_termination_share": "unsure"},
    "share_after_breach_not_addressed": {"share_after_breach": "no"},
    "no_renewal_plan": {"renewal_plan": "no"},
    "no_steering_committee": {"steering_committee": "no"},
    "teams_not_involved": {"teams_involved": "no"},
    "inventors_not_informed": {"inventors_informed": "unsure"},
    "no_regular_reporting": {"regular_reporting": "no"},
    "financial_reporting_thin": {"financial_reporting_detailed": "no"},
    "no_licensee_due_diligence": {"licensee_due_diligence": "no"},
    "missing_kpis": {"kpis_defined": "no"},
    "no_performance_reviews": {"performance_reviews": "unsure"},
    "no_knowledge_sharing": {"knowledge_shared": "no"},
    "arrangement_not_published": {"arrangement_published": "no"},
}


@pytest.fixture(scope="module")
def ttc() -> Checklist:
    return ChecklistLibrary.load().get("ttc", 1)


def complete(checklist: Checklist) -> dict[str, Any]:
    """A contract with every protection: protective answers yes, risky answers no."""
    return {i.id: "no" if i.id in RISKY else "yes" for i in checklist.items()}


def answers(values: dict[str, Any]) -> dict[str, ItemAnswer]:
    return {k: ItemAnswer(v) for k, v in values.items() if v is not None}


def warnings(checklist: Checklist, values: dict[str, Any]) -> dict[str, set[str]]:
    evaluation = evaluate(checklist, answers(values))
    return {
        "red": {f.rule_id for f in evaluation.by_severity(Severity.RED)},
        "amber": {f.rule_id for f in evaluation.by_severity(Severity.AMBER)},
    }


# -- the data --------------------------------------------------------------------------------
def test_the_ttc_checklist_is_shipped_unscored(ttc: Checklist) -> None:
    assert (resource_path("checklists") / "ttc-v1.json").is_file()
    assert (ttc.id, ttc.version, ttc.effective) == ("ttc", 1, dt.date(2025, 11, 18))
    assert ttc.title == "TTC contract checklist (Annex B)"
    assert not ttc.scored and evaluate(ttc, answers(complete(ttc))).score is None
    items = list(ttc.items())
    yes_no = [i for i in items if i.answer is AnswerType.YES_NO]
    assert len(yes_no) >= 0.8 * len(items)
    for item in items:
        assert item.prompt.strip() and item.help.strip(), item.id


def test_every_reference_is_an_annex_b_topic_or_step_9(ttc: Checklist) -> None:
    references = [(i.id, i.reference) for i in ttc.items()]
    references += [(r.id, r.reference) for r in ttc.rules]
    topics = {f"Annex B: {topic}" for topic in ANNEX_B_TOPICS}
    for where, reference in references:
        assert is_known_reference(reference), where
        assert reference in topics or re.fullmatch(r"Step 9(: .+)?", reference), where
    # every Annex B topic is covered by at least one question
    assert topics <= {i.reference for i in ttc.items()}


def test_ids_are_unique_and_the_required_red_flags_exist(ttc: Checklist) -> None:
    rule_ids = [r.id for r in ttc.rules]
    assert len(rule_ids) == len(set(rule_ids))
    reds = {r.id for r in ttc.rules if r.severity is Severity.RED}
    assert reds >= REQUIRED_RED
    assert {r.id for r in ttc.rules if r.severity is Severity.AMBER} >= {
        "fees_unclear",
        "top_slicing_not_balanced",
        "no_renewal_plan",
        "no_steering_committee",
        "missing_kpis",
        "share_after_breach_not_addressed",
    }
    assert len([r for r in ttc.rules if r.severity is Severity.GREEN]) >= len(ttc.sections)


def test_red_and_amber_texts_raise_a_question(ttc: Checklist) -> None:
    for rule in ttc.rules:
        if rule.severity is not Severity.GREEN:
            assert "?" in rule.text, rule.id


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower().replace("’", "'"))


def shown_texts(checklist: Checklist) -> list[tuple[str, str]]:
    texts = [("title", checklist.title), ("intro", checklist.intro)]
    for section in checklist.sections:
        texts += [(f"{section.id}.title", section.title), (f"{section.id}.intro", section.intro)]
        for item in section.items:
            texts += [(f"{item.id}.prompt", item.prompt), (f"{item.id}.help", item.help)]
            texts += [(f"{item.id}.choices", label) for _, label in item.choices]
            texts += [(f"{item.id}.levels", level) for level in item.levels]
    texts += [(f"rules.{rule.id}", rule.text) for rule in checklist.rules]
    return texts


def test_no_run_of_words_is_copied_from_the_guidance(ttc: Checklist) -> None:
    if not GUIDANCE.is_file():
        pytest.skip(f"the guidance text is not at {GUIDANCE}")
    stream = words(GUIDANCE.read_text(encoding="utf-8"))
    runs = {tuple(stream[i : i + RUN]) for i in range(len(stream) - RUN + 1)}
    found = []
    for where, text in shown_texts(ttc):
        text_words = words(text)
        for i in range(len(text_words) - RUN + 1):
            if tuple(text_words[i : i + RUN]) in runs:
                found.append((where, " ".join(text_words[i : i + RUN])))
    assert not found, found


# -- findings ------------------------------------------------------------------------------
def test_a_complete_contract_raises_no_red_or_amber(ttc: Checklist) -> None:
    evaluation = evaluate(ttc, answers(complete(ttc)))
    assert evaluation.by_severity(Severity.RED) == []
    assert evaluation.by_severity(Severity.AMBER) == []
    assert evaluation.complete
    greens = {r.id for r in ttc.rules if r.severity is Severity.GREEN}
    assert {f.rule_id for f in evaluation.by_severity(Severity.GREEN)} == greens


def test_a_ttc_that_may_sign_for_the_trust_is_red(ttc: Checklist) -> None:
    for answer in ("yes", "unsure"):
        contract = complete(ttc) | {"ttc_signs_without_approval": answer}
        assert warnings(ttc, contract) == {"red": {"ttc_can_sign_for_trust"}, "amber": set()}
    findings = evaluate(ttc, answers(contract)).findings
    finding = next(f for f in findings if f.rule_id == "ttc_can_sign_for_trust")
    assert finding.severity is Severity.RED
    assert finding.reference == "Annex B: role of the TTC"


def test_no_audit_rights_is_red(ttc: Checklist) -> None:
    for answer in ("no", "unsure"):
        contract = complete(ttc) | {"audit_rights": answer}
        assert warnings(ttc, contract) == {"red": {"no_audit_rights"}, "amber": set()}
    assert ttc.item("audit_rights").reference == "Annex B: fees and revenue sharing"


def test_no_exit_on_insolvency_is_red(ttc: Checklist) -> None:
    for answer in ("no", "unsure"):
        contract = complete(ttc) | {"exit_on_insolvency": answer}
        assert warnings(ttc, contract) == {"red": {"no_exit_on_insolvency"}, "amber": set()}
    assert ttc.item("exit_on_insolvency").reference == "Annex B: exit and renewal strategy"


def test_exclusive_licences_need_safeguards(ttc: Checklist) -> None:
    exclusive = complete(ttc) | {"exclusive_allowed": "yes"}
    for safeguards in ("no", "unsure", None):
        result = warnings(ttc, exclusive | {"exclusive_safeguards": safeguards})
        assert result["red"] == {"exclusive_without_safeguards"}, safeguards
    assert warnings(ttc, exclusive | {"exclusive_safeguards": "yes"})["red"] == set()
    # the follow-up does not matter when exclusive licences are ruled out
    assert warnings(ttc, complete(ttc) | {"exclusive_safeguards": None})["red"] == set()


def test_every_red_and_amber_rule_is_tested(ttc: Checklist) -> None:
    warning_rules = {r.id for r in ttc.rules if r.severity is not Severity.GREEN}
    assert set(TRIGGERS) == warning_rules


@pytest.mark.parametrize("rule_id", sorted(TRIGGERS))
def test_each_gap_raises_only_its_own_finding(ttc: Checklist, rule_id: str) -> None:
    severity = next(r.severity for r in ttc.rules if r.id == rule_id)
    result = warnings(ttc, complete(ttc) | TRIGGERS[rule_id])
    expected = {"red": set(), "amber": set()} | {severity.value: {rule_id}}
    assert result == expected


def test_an_unanswered_question_is_listed_not_guessed(ttc: Checklist) -> None:
    contract = complete(ttc) | {"exit_on_insolvency": None}
    evaluation = evaluate(ttc, answers(contract))
    assert evaluation.unanswered == ("exit_on_insolvency",)
    assert evaluation.by_severity(Severity.RED) == []
    assert "exit_in_place" not in {f.rule_id for f in evaluation.findings}


# -- the report ------------------------------------------------------------------------------
def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_the_report_lists_findings_on_marked_pages(
    tmp_path: Path, register: Register, ttc: Checklist
) -> None:
    contract = complete(ttc) | {
        "ttc_signs_without_approval": "yes",
        "audit_rights": "no",
        "fees_clear": "unsure",
        "renewal_plan": None,
    }
    given = answers(contract)
    given["audit_rights"].note = "Clause 14 shows us an annual summary only, R&D <draft>."
    evaluation = evaluate(ttc, given)
    assert {f.severity for f in evaluation.findings} == set(Severity)
    head = register.chain_head()
    target = tmp_path / "ttc.pdf"

    written = write_ttc_report(
        register, "AGR-0042", "Services agreement with Northshire Enterprise", ttc, given, target
    )

    assert written == target
    pages = [page.extract_text() for page in PdfReader(target).pages]
    total = len(pages)
    assert total >= 2
    for number, page in enumerate(pages, 1):
        flat = _flat(page)
        assert flat.count(MARKING) >= 2, number  # header and footer
        assert f"Page {number} of {total}" in flat, number
        assert "TTC contract checklist AGR-0042" in flat, number
        assert f"Register {register.register_id}" in flat, number
    whole = _flat("\n".join(pages))
    for expected in (
        "Services agreement with Northshire Enterprise",
        "AGR-0042",
        ttc.title,
        "version 1",
        *SEVERITY_HEADINGS.values(),
        *(f"{number}. {section}" for number, section in enumerate(TTC_REPORT_SECTIONS, 1)),
        "Clause 14 shows us an annual summary only, R&D <draft>.",
        ttc.item("renewal_plan").prompt,  # unanswered, so listed
    ):
        assert expected in whole, expected
    for finding in evaluation.findings:
        assert _flat(finding.text) in whole, finding.rule_id
        assert f"Guidance: {finding.reference}" in whole, finding.rule_id
    # red before amber before green, and the unanswered list after the findings
    positions = [whole.index(heading) for heading in SEVERITY_HEADINGS.values()]
    assert positions == sorted(positions)
    assert whole.index("3. Questions not yet answered") > positions[-1]
    for item in ttc.items():
        assert _flat(item.prompt) in whole, item.id

    last = next(register.audit.entries())
    assert (last.action, last.record_kind, last.record_id) == ("report", "report", "ttc-checklist")
    assert last.changes["file"] == [None, "ttc.pdf"]
    assert last.changes["sections"] == [None, list(TTC_REPORT_SECTIONS)]
    assert last.seq == head.seq + 1
    assert register.verify_audit().ok


def _cli_ttc_report(tmp_path: Path, kind: Any, answers: dict[str, str]) -> str:
    """Write the TTC report through the command line; return its text (pdftotext or pypdf)."""
    import shutil
    import subprocess

    from nhsip_desktop.agreements.model import Agreement
    from nhsip_desktop.app import cli
    from nhsip_desktop.guidance.checklists import ChecklistLibrary, ItemAnswer
    from nhsip_desktop.store.audit import Actor
    from nhsip_desktop.store.recovery import decode_recovery_key
    from nhsip_desktop.store.unlock import read_recovery_key_file

    reg, key = tmp_path / "t.nhsip", tmp_path / "key.txt"
    assert cli.main(["init", str(reg), "--recovery-key-out", str(key)]) == 0
    data_key = decode_recovery_key(read_recovery_key_file(key))
    with Register.open(reg, data_key, actor=Actor("t")) as register:
        saved = register.agreements.save(
            Agreement(kind=kind, title="Contract under review", parties=["Hub Ltd"])
        )
        assert saved.id is not None
        if answers:
            ttc = ChecklistLibrary.load().get("ttc")
            register.assessments.save(
                None,
                ttc,
                {k: ItemAnswer(v) for k, v in answers.items()},
                agreement_id=saved.id,
            )
    out = tmp_path / "ttc.pdf"
    args = ["report", "ttc", str(reg), "--agreement", saved.reference, "--out", str(out)]
    assert cli.main([*args, "--recovery-key-file", str(key)]) == 0
    # pypdf reads each table cell whole (pdftotext interleaves the lines of wrapped cells),
    # so questions are counted in its text; poppler's text is checked too where installed.
    text = _flat(" ".join(p.extract_text() for p in PdfReader(out).pages))
    tool = shutil.which("pdftotext")
    if tool:
        poppler = subprocess.run([tool, str(out), "-"], capture_output=True, check=True).stdout
        assert "answered" in poppler.decode("utf-8")
    return text


def test_an_unanswered_checklist_is_not_yet_checked_and_lists_each_question_once(
    tmp_path: Path, ttc: Checklist
) -> None:
    from nhsip_desktop.agreements.model import AgreementKind

    text = _cli_ttc_report(tmp_path, AgreementKind.TTC_SERVICES, {})
    required = [i for i in ttc.items() if i.required]
    assert f"Not yet checked: 0 of {len(required)} answered" in text
    assert "No protection is missing" not in text
    assert "nothing is left to negotiate" not in text
    assert "not as a TTC services agreement" not in text
    for item in required:  # each question once (in "Questions not yet answered")
        assert text.count(_flat(item.prompt)) == 1, item.prompt


def test_the_report_warns_when_the_agreement_is_not_a_ttc_services_agreement(
    tmp_path: Path, ttc: Checklist
) -> None:
    from nhsip_desktop.agreements.model import AgreementKind

    first = next(i for i in ttc.items() if i.required)
    value = first.options()[0][0]
    text = _cli_ttc_report(tmp_path, AgreementKind.NDA, {first.id: value})
    assert "recorded as “Confidentiality agreement (NDA)”, not as a TTC services" in text
    assert "Partly checked (1 of" in text or "protection missing" in text
    assert text.count(_flat(first.prompt)) == 1  # answered: listed once, under its answer
