"""The first view of IP ownership (guidance step 2 and Annex A section 4)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from itertools import product
from pathlib import Path
from typing import Any

import pytest

from nhsip_desktop.cases.disclosure import (
    Answer,
    Contributor,
    Disclosure,
    Funder,
    IpTerms,
    Partner,
    Relationship,
    Resource,
)
from nhsip_desktop.cases.ownership import (
    DISCLAIMER,
    REFERENCES,
    Confidence,
    OwnerKind,
    OwnershipAssessment,
    assess_ownership,
    lowest,
)

GUIDANCE = Path(__file__).parents[2] / "shared/guidance/nhs-ip-guidance-2025.txt"
UNI = "University of Leeds"
K, C, R = OwnerKind, Confidence, Relationship
EMPLOYEES = {
    R.EMPLOYEE_CLINICAL,
    R.EMPLOYEE_NON_CLINICAL,
    R.EMPLOYEE_RESEARCH,
    R.POSTGRAD_EMPLOYED,
    R.APPRENTICE,
}


def person(
    rel: Relationship,
    duties: Answer = Answer.YES,
    *,
    name: str = "Alex Smith",
    share: int = 100,
    employer: str = "",
    assigns: Answer = Answer.UNSURE,
) -> Contributor:
    return Contributor(
        name=name,
        relationship=rel,
        in_course_of_duties=duties,
        share=Decimal(share),
        employer=employer,
        assigns_to_trust=assigns,
    )


def assess(*team: Contributor, **details: Any) -> OwnershipAssessment:
    return assess_ownership(Disclosure(contributors=list(team), **details))


def refs(a: OwnershipAssessment) -> set[str]:
    return {r.reference for r in a.reasons} | {
        r.reference for f in a.contributors for r in f.reasons
    }


def texts(a: OwnershipAssessment) -> list[str]:
    out = [a.overall, a.disclaimer, *a.legal_advice, *(r.text for r in a.reasons)]
    for f in a.contributors:
        out += [f.owner, *(r.text for r in f.reasons)]
    return out


# -- one contributor of each kind ---------------------------------------------------------


def expected(rel: Relationship, duties: Answer) -> tuple[OwnerKind, Confidence]:
    """Employer recorded, no trust resources recorded, contractor's contract not known."""
    if rel in EMPLOYEES:
        return {
            Answer.YES: (K.TRUST, C.HIGH),
            Answer.UNSURE: (K.TRUST, C.MEDIUM),
            Answer.NO: (K.CONTRIBUTOR, C.MEDIUM),
        }[duties]
    return {
        R.CLINICAL_ACADEMIC: (K.UNCLEAR, C.LOW),
        R.HONORARY: (K.OTHER_EMPLOYER, C.MEDIUM),
        R.SECONDEE: (K.OTHER_EMPLOYER, C.MEDIUM),
        R.POSTGRAD_SELF_FUNDED: (K.UNCLEAR, C.LOW),
        R.UNDERGRADUATE: (K.CONTRIBUTOR, C.HIGH),
        R.CONTRACTOR: (K.CONTRIBUTOR, C.MEDIUM),
        R.COLLABORATOR: (K.OTHER_EMPLOYER, C.MEDIUM),
    }[rel]


@pytest.mark.parametrize(("rel", "duties"), list(product(Relationship, Answer)))
def test_each_relationship_and_duties_answer(rel: Relationship, duties: Answer) -> None:
    c = person(rel, duties, employer=UNI)
    a = assess(c)
    kind, conf = expected(rel, duties)
    [f] = a.contributors
    assert (f.key, f.name) == (c.key, "Alex Smith")
    assert (f.owner_kind, f.confidence) == (kind, conf)
    assert (a.overall_kind, a.confidence) == (kind, conf)
    assert f.owner and f.reasons and a.overall
    if kind is K.UNCLEAR:
        assert a.overall == f"Not clear yet: it {f.owner.lower()}."
    assert refs(a) <= REFERENCES
    if kind is K.OTHER_EMPLOYER:
        assert UNI in f.owner
    if conf is C.LOW:
        assert a.legal_advice, "an unclear position needs advice"
    if kind is K.TRUST and conf is C.HIGH:
        assert a.legal_advice == ()


def test_employee_outside_duties_but_trust_resources_used_is_unclear() -> None:
    c = person(R.EMPLOYEE_RESEARCH, Answer.NO, name="Priya Shah")
    a = assess(c, resources_used=[Resource.TIME, Resource.DATA])
    assert (a.overall_kind, a.confidence) == (K.UNCLEAR, C.LOW)
    assert "trust time and data" in a.contributors[0].reasons[0].text
    assert any("Priya Shah" in x for x in a.legal_advice)
    b = assess(c, normal_duties=Answer.YES)
    assert (b.overall_kind, b.confidence) == (K.UNCLEAR, C.LOW)


def test_employee_outside_duties_with_nothing_from_the_trust_may_be_theirs() -> None:
    a = assess(person(R.EMPLOYEE_CLINICAL, Answer.NO, name="Priya Shah"))
    assert a.contributors[0].owner_kind is K.CONTRIBUTOR
    assert "Priya Shah is likely to own the IP" in a.overall
    assert any("employment contract" in x for x in a.legal_advice)


def test_apprentice_and_employed_postgraduate_get_the_student_note() -> None:
    apprentice = assess(person(R.APPRENTICE)).contributors[0]
    assert any("college" in r.text for r in apprentice.reasons)
    assert {r.reference for r in apprentice.reasons} == {
        "Annex A, section 4: employees",
        "Annex A, section 4: students",
    }
    postgrad = assess(person(R.POSTGRAD_EMPLOYED)).contributors[0]
    assert any("employment contract" in r.text for r in postgrad.reasons)


def test_clinical_academic_names_the_other_employer_in_the_advice() -> None:
    a = assess(person(R.CLINICAL_ACADEMIC, employer=UNI, name="Dr Jo Lee"))
    assert any(UNI in x and "Dr Jo Lee" in x for x in a.legal_advice)
    assert a.contributors[0].reasons[0].reference == "Annex A, section 4: employees"


@pytest.mark.parametrize("rel", [R.HONORARY, R.SECONDEE, R.COLLABORATOR])
def test_unrecorded_employer_lowers_confidence(rel: Relationship) -> None:
    f = assess(person(rel)).contributors[0]
    assert (f.owner_kind, f.confidence) == (K.OTHER_EMPLOYER, C.LOW)
    assert "not recorded" in f.owner
    assert "Record" in f.reasons[0].text


def test_secondee_reason_points_to_the_agreement() -> None:
    f = assess(person(R.SECONDEE, employer=UNI)).contributors[0]
    assert f.owner == f"Their employer ({UNI})"
    assert f.reasons[0].reference == "Annex A, section 4: secondees and honorary contracts"
    assert "secondment" in f.reasons[0].text


@pytest.mark.parametrize(
    ("assigns", "kind", "conf"),
    [
        (Answer.YES, K.TRUST, C.HIGH),
        (Answer.NO, K.CONTRIBUTOR, C.HIGH),
        (Answer.UNSURE, K.CONTRIBUTOR, C.MEDIUM),
    ],
)
def test_contractor_depends_on_assignment(
    assigns: Answer, kind: OwnerKind, conf: Confidence
) -> None:
    a = assess(person(R.CONTRACTOR, assigns=assigns))
    [f] = a.contributors
    assert (f.owner_kind, f.confidence, a.overall_kind) == (kind, conf, kind)
    assert f.reasons[0].reference == "Annex A, section 4: suppliers and contractors"
    if assigns is Answer.UNSURE:
        assert "contract" in f.reasons[0].text and "contract" in f.owner


@pytest.mark.parametrize(
    ("terms", "kind", "conf"),
    [
        (IpTerms.TRUST_OWNS, K.TRUST, C.HIGH),
        (IpTerms.OTHER_PARTY_OWNS, K.PARTNER, C.HIGH),
        (IpTerms.JOINT, K.SHARED, C.LOW),
        (IpTerms.NOT_COVERED, K.PARTNER, C.MEDIUM),
        (IpTerms.UNKNOWN, K.PARTNER, C.MEDIUM),
    ],
)
def test_collaborator_follows_their_organisations_agreement(
    terms: IpTerms, kind: OwnerKind, conf: Confidence
) -> None:
    partner = Partner(name="university of leeds ", agreement_terms=terms)
    f = assess(person(R.COLLABORATOR, employer=UNI), partners=[partner]).contributors[0]
    assert (f.owner_kind, f.confidence) == (kind, conf)
    assert f.reasons[0].reference == "Annex A, section 4: collaborations"


# -- funders and partners -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("terms", "kind", "conf"),
    [
        (IpTerms.TRUST_OWNS, K.TRUST, C.HIGH),
        (IpTerms.OTHER_PARTY_OWNS, K.FUNDER, C.HIGH),
        (IpTerms.JOINT, K.SHARED, C.LOW),
        (IpTerms.NOT_COVERED, K.TRUST, C.MEDIUM),
        (IpTerms.UNKNOWN, K.TRUST, C.MEDIUM),
    ],
)
def test_funder_terms(terms: IpTerms, kind: OwnerKind, conf: Confidence) -> None:
    a = assess(person(R.EMPLOYEE_CLINICAL), funders=[Funder(name="Wellcome", ip_terms=terms)])
    assert (a.overall_kind, a.confidence) == (kind, conf)
    funded = [r for r in a.reasons if r.reference == "Annex A, section 4: funded research"]
    assert len(funded) == 1 and "Wellcome" in funded[0].text
    if terms is IpTerms.OTHER_PARTY_OWNS:
        assert "Wellcome" in a.overall and "assign" in a.overall
        assert any("Wellcome" in x for x in a.legal_advice)
    if terms is IpTerms.UNKNOWN:
        assert "funding agreement" in funded[0].text
    if terms is IpTerms.TRUST_OWNS:
        assert a.legal_advice == ()


@pytest.mark.parametrize(
    ("terms", "kind", "conf"),
    [
        (IpTerms.TRUST_OWNS, K.TRUST, C.HIGH),
        (IpTerms.OTHER_PARTY_OWNS, K.PARTNER, C.HIGH),
        (IpTerms.JOINT, K.SHARED, C.LOW),
        (IpTerms.NOT_COVERED, K.UNCLEAR, C.LOW),
        (IpTerms.UNKNOWN, K.UNCLEAR, C.LOW),
    ],
)
def test_partner_terms(terms: IpTerms, kind: OwnerKind, conf: Confidence) -> None:
    a = assess(
        person(R.EMPLOYEE_RESEARCH), partners=[Partner(name="Acme Ltd", agreement_terms=terms)]
    )
    assert (a.overall_kind, a.confidence) == (kind, conf)
    assert any(
        r.reference == "Annex A, section 4: collaborations" and "Acme Ltd" in r.text
        for r in a.reasons
    )
    if kind is K.UNCLEAR:
        assert "in writing" in a.overall
        assert any("in writing" in x and "Acme Ltd" in x for x in a.legal_advice)
    if terms is IpTerms.TRUST_OWNS:
        assert a.legal_advice == ()


@pytest.mark.parametrize("source", ["partner", "funder"])
def test_joint_ownership_is_warned_against_and_needs_legal_advice(source: str) -> None:
    details: dict[str, Any] = (
        {"partners": [Partner(name="Acme Ltd", agreement_terms=IpTerms.JOINT)]}
        if source == "partner"
        else {"funders": [Funder(name="Acme Ltd", ip_terms=IpTerms.JOINT)]}
    )
    a = assess(person(R.EMPLOYEE_CLINICAL), **details)
    assert (a.overall_kind, a.confidence) == (K.SHARED, C.LOW)
    warning = [r for r in a.reasons if r.reference == "Step 2: joint ownership"]
    assert warning and "lawyer" in warning[0].text
    assert "legal advice" in a.overall
    assert any("joint ownership with Acme Ltd" in x for x in a.legal_advice)


def test_conflicting_claims_from_funder_and_partner_are_unclear() -> None:
    a = assess(
        person(R.EMPLOYEE_CLINICAL),
        funders=[Funder(name="Wellcome", ip_terms=IpTerms.OTHER_PARTY_OWNS)],
        partners=[Partner(name="Acme Ltd", agreement_terms=IpTerms.OTHER_PARTY_OWNS)],
    )
    assert (a.overall_kind, a.confidence) == (K.UNCLEAR, C.LOW)
    assert "Wellcome" in a.overall and "Acme Ltd" in a.overall


# -- mixed teams --------------------------------------------------------------------------


def test_employee_and_undergraduate_split_by_share() -> None:
    a = assess(
        person(R.EMPLOYEE_CLINICAL, Answer.YES, name="Dr Asha Patel", share=70),
        person(R.UNDERGRADUATE, name="Tom Reid", share=30),
    )
    assert [f.owner_kind for f in a.contributors] == [K.TRUST, K.CONTRIBUTOR]
    assert (a.overall_kind, a.confidence) == (K.SHARED, C.MEDIUM)
    assert "the trust, for about 70% of the contribution" in a.overall
    assert "Tom Reid, for about 30%" in a.overall
    [mix] = [r for r in a.reasons if "different owners" in r.text]
    assert mix.reference == "Step 2: joint ownership"
    assert "assignment or licence from Tom Reid" in mix.text
    assert any("Tom Reid" in x for x in a.legal_advice)


def test_employee_and_secondee_need_an_agreement_with_the_employer() -> None:
    a = assess(
        person(R.EMPLOYEE_NON_CLINICAL, share=50),
        person(R.SECONDEE, name="Sam Green", employer=UNI, share=50),
    )
    assert a.overall_kind is K.SHARED
    assert any(f"agreement with {UNI}" in r.text for r in a.reasons)
    assert any(UNI in x for x in a.legal_advice)


def test_employee_and_contractor_without_assignment() -> None:
    a = assess(
        person(R.EMPLOYEE_CLINICAL, share=60),
        person(R.CONTRACTOR, name="Kit Ltd", assigns=Answer.NO, share=40),
    )
    assert a.overall_kind is K.SHARED
    assert "Kit Ltd, for about 40%" in a.overall
    assert any("assignment or licence from Kit Ltd" in r.text for r in a.reasons)
    assert a.legal_advice


def test_contractor_who_assigns_joins_the_trust_side() -> None:
    a = assess(
        person(R.EMPLOYEE_CLINICAL, share=60),
        person(R.CONTRACTOR, name="Kit Ltd", assigns=Answer.YES, share=40),
    )
    assert (a.overall_kind, a.confidence) == (K.TRUST, C.HIGH)
    assert not any("different owners" in r.text for r in a.reasons)


def test_unclear_member_makes_the_team_unclear() -> None:
    a = assess(
        person(R.EMPLOYEE_CLINICAL, share=50),
        person(R.CLINICAL_ACADEMIC, name="Dr Jo Lee", employer=UNI, share=50),
    )
    assert (a.overall_kind, a.confidence) == (K.UNCLEAR, C.LOW)


def test_shares_not_given_means_no_percentages() -> None:
    a = assess(person(R.EMPLOYEE_CLINICAL, share=0), person(R.UNDERGRADUATE, name="Tom", share=0))
    assert a.overall_kind is K.SHARED
    assert "%" not in a.overall and "Tom" in a.overall


def test_a_missing_share_is_said_plainly() -> None:
    a = assess(person(R.EMPLOYEE_CLINICAL, share=100), person(R.UNDERGRADUATE, name="Tom", share=0))
    assert "the trust, for about 100% of the contribution; Tom, share not given" in a.overall


def test_unclear_part_is_named_in_the_breakdown() -> None:
    a = assess(
        person(R.EMPLOYEE_CLINICAL, share=40),
        person(R.POSTGRAD_SELF_FUNDED, name="Mo Khan", share=60),
    )
    assert a.overall_kind is K.UNCLEAR
    assert a.overall.startswith("Not clear yet: whoever owns Mo Khan's part, for about 60%")


# -- flags, empty cases, vocabulary -------------------------------------------------------


def test_ai_involvement_adds_a_reason_and_lowers_confidence() -> None:
    a = assess(person(R.EMPLOYEE_CLINICAL), ai_involved=True)
    assert a.overall_kind is K.TRUST and a.confidence is C.MEDIUM
    assert "Step 6: AI-generated innovations" in refs(a)
    assert "AI" in " ".join(r.text for r in a.reasons)


def test_international_partner_needs_legal_advice() -> None:
    a = assess(person(R.EMPLOYEE_CLINICAL), international_partner=True)
    assert a.confidence is C.MEDIUM
    assert "Introduction: IP considerations internationally" in refs(a)
    assert any("overseas" in x for x in a.legal_advice)


def test_no_contributors() -> None:
    a = assess()
    assert (a.overall_kind, a.confidence, a.contributors) == (K.UNCLEAR, C.LOW, ())
    assert "Add the contributors first" in a.overall


def test_lowest_and_labels() -> None:
    assert lowest([C.HIGH, C.LOW, C.MEDIUM]) is C.LOW
    assert lowest([]) is C.HIGH
    labels = [c.label for c in Confidence]
    assert len(set(labels)) == 3 and all(labels)


def test_disclaimer_says_not_legal_advice() -> None:
    a = assess(person(R.EMPLOYEE_CLINICAL))
    assert a.disclaimer == DISCLAIMER
    assert "not legal advice" in a.disclaimer and "IP lead" in a.disclaimer


def every_assessment() -> Iterator[OwnershipAssessment]:
    """A wide sweep of inputs, to reach every text the module can produce."""
    for rel, duties, assigns, employer in product(Relationship, Answer, Answer, [UNI, ""]):
        c = person(rel, duties, employer=employer, assigns=assigns)
        yield assess(c)
        yield assess(c, resources_used=[Resource.MONEY], normal_duties=Answer.YES)
        yield assess(person(R.EMPLOYEE_CLINICAL, share=70), c)
        yield assess(person(R.UNDERGRADUATE, name="", share=0), c)
    for terms, other in product(IpTerms, IpTerms):
        team = [person(R.COLLABORATOR, employer=UNI), person(R.EMPLOYEE_CLINICAL, name="")]
        yield assess(
            *team,
            funders=[Funder(name="Wellcome", ip_terms=terms), Funder(ip_terms=other)],
            partners=[Partner(name=UNI, agreement_terms=other), Partner(agreement_terms=terms)],
            ai_involved=True,
            international_partner=True,
        )
        yield assess(funders=[Funder(name="NIHR", ip_terms=terms)])
        yield assess(person(R.SECONDEE), partners=[Partner(name="Acme", agreement_terms=terms)])


def test_every_reason_reference_is_known() -> None:
    seen: set[str] = set()
    for a in every_assessment():
        found = refs(a)
        assert found <= REFERENCES, found - REFERENCES
        seen |= found
    assert seen == REFERENCES, f"never used: {REFERENCES - seen}"


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def test_no_guidance_sentence_is_copied() -> None:
    if not GUIDANCE.exists():
        pytest.skip(f"guidance text not found at {GUIDANCE}")
    guidance = GUIDANCE.read_text(encoding="utf-8")
    sentences = [_words(s) for s in re.split(r"(?<=[.!?])\s+|\n", guidance)]
    long = [" ".join(w) for w in sentences if len(w) >= 12]
    runs = {" ".join(w[i : i + 12]) for w in sentences for i in range(len(w) - 11)}
    assert len(long) > 50 and runs
    produced = {t for a in every_assessment() for t in texts(a)}
    produced |= {c.label for c in Confidence}
    haystack = "\n".join(" " + " ".join(_words(t)) + " " for t in produced)
    # The check itself must be able to fail: a copied sentence is caught.
    planted = " " + " ".join(_words(long[0])) + " "
    assert any(s in planted for s in long)
    copied = [s for s in long if f" {s} " in haystack]
    assert copied == [], copied
    twelve = [r for r in runs if f" {r} " in haystack]
    assert twelve == [], twelve
