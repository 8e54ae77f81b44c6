"""Who probably owns a case's IP: a first view in plain words for the IP lead (step 2).

Qt-free, standard library only. ``assess_ownership`` applies the general rules of step 2 and
Annex A section 4 of the 2025 NHS IP guidance, in our own words, to what a disclosure says.
It is a guide from the information given, never legal advice: the IP lead confirms the position.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from nhsip_desktop.cases.disclosure import (
    AgreementRef,
    Answer,
    Contributor,
    Disclosure,
    IpTerms,
    Relationship,
)
from nhsip_desktop.core.countries import countries
from nhsip_desktop.core.labelled import LabelledEnum

REF_LEGAL = "Step 2: legal ownership"
REF_JOINT = "Step 2: joint ownership"
REF_EMPLOYEES = "Annex A, section 4: employees"
REF_STUDENTS = "Annex A, section 4: students"
REF_SECONDEES = "Annex A, section 4: secondees and honorary contracts"
REF_FUNDED = "Annex A, section 4: funded research"
REF_COLLAB = "Annex A, section 4: collaborations"
REF_CONTRACTORS = "Annex A, section 4: suppliers and contractors"
REF_AI = "Step 6: AI-generated innovations"
REF_INTERNATIONAL = "Introduction: IP considerations internationally"
REFERENCES: frozenset[str] = frozenset(
    {REF_LEGAL, REF_JOINT, REF_EMPLOYEES, REF_STUDENTS, REF_SECONDEES, REF_FUNDED}
    | {REF_COLLAB, REF_CONTRACTORS, REF_AI, REF_INTERNATIONAL}
)

DISCLAIMER = (
    "This is a guide based only on the information given here. It is not legal advice: "
    "the IP lead confirms who owns the IP, with legal advice where it is needed."
)


class OwnerKind(StrEnum):
    TRUST = "trust"
    CONTRIBUTOR = "contributor"
    OTHER_EMPLOYER = "other_employer"
    FUNDER = "funder"
    PARTNER = "partner"
    SHARED = "shared"
    UNCLEAR = "unclear"


class Confidence(LabelledEnum):
    HIGH = "high", "Fairly sure"
    MEDIUM = "medium", "Not sure"
    LOW = "low", "Unclear: get advice"

    @property
    def rank(self) -> int:
        return {"low": 0, "medium": 1, "high": 2}[self.value]


def lowest(levels: Iterable[Confidence]) -> Confidence:
    """The least certain of some confidence levels (HIGH when there are none)."""
    return min(levels, key=lambda c: c.rank, default=Confidence.HIGH)


@dataclass(frozen=True)
class Reason:
    text: str
    reference: str  # one of REFERENCES


@dataclass(frozen=True)
class ContributorFinding:
    key: str
    name: str
    owner_kind: OwnerKind
    owner: str
    confidence: Confidence
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class OwnershipAssessment:
    contributors: tuple[ContributorFinding, ...]
    overall_kind: OwnerKind
    overall: str
    confidence: Confidence
    reasons: tuple[Reason, ...]
    legal_advice: tuple[str, ...]
    # What to put in writing, and with whom (Annex A section 4: the agreements between the
    # parties settle who owns what). Empty only when the trust is fairly sure to own it.
    to_agree: tuple[str, ...] = ()
    disclaimer: str = DISCLAIMER

    @property
    def settled(self) -> bool:
        """The trust, fairly sure: the one outcome that needs no agreement or legal advice."""
        return self.overall_kind is OwnerKind.TRUST and self.confidence is Confidence.HIGH


K = OwnerKind
C = Confidence
R = Relationship
_EMPLOYED = {R.EMPLOYEE_CLINICAL, R.EMPLOYEE_NON_CLINICAL, R.EMPLOYEE_RESEARCH}
_EMPLOYED |= {R.POSTGRAD_EMPLOYED, R.APPRENTICE}
_NOTES = {
    R.APPRENTICE: "Apprentices are employees, so the usual rule covers their job. Coursework "
    "for their college may come under the college's IP policy and stay with the apprentice.",
    R.POSTGRAD_EMPLOYED: "As a postgraduate employed by the trust, their employment contract "
    "sets the terms. Check that it covers work for their degree.",
}
_JOINT_WARNING = Reason(
    "Owning IP jointly is complicated and seldom the best answer. Splitting ownership is "
    "not a fair compromise unless a lawyer has looked at it first.",
    REF_JOINT,
)
_AI = Reason(
    "AI tools helped make it. Who counts as the author or inventor of AI output, and who "
    "owns the data behind it, are unsettled: record which parts came from AI.",
    REF_AI,
)
_ABROAD = Reason(
    "The work involves someone abroad. IP rights stop at national borders, and the law "
    "and the words used differ overseas.",
    REF_INTERNATIONAL,
)
_NO_TEAM = Reason(
    "Ownership is settled case by case, from each maker's role and any contracts. With no "
    "contributors recorded there is nothing to go on yet.",
    REF_LEGAL,
)
_ABROAD_ADVICE = (
    "Get legal advice early on the overseas side: ownership and agreements must work under "
    "the other country's law as well as UK law."
)
_REF = {K.FUNDER: REF_FUNDED, K.PARTNER: REF_COLLAB}
_LEVEL = {IpTerms.TRUST_OWNS: C.HIGH, IpTerms.OTHER_PARTY_OWNS: C.HIGH, IpTerms.JOINT: C.LOW}
_FUNDER_TERMS = {
    IpTerms.OTHER_PARTY_OWNS: "{N}'s funding terms give it the IP, or oblige the trust to "
    "assign it. Those terms decide, whoever made it.",
    IpTerms.TRUST_OWNS: "{N}'s funding terms leave the IP with the trust.",
    IpTerms.JOINT: "{N}'s funding terms make the IP jointly owned.",
    IpTerms.NOT_COVERED: "{N}'s funding terms say nothing about IP. Confirm that in writing.",
    IpTerms.UNKNOWN: "It is not yet known what {n}'s funding terms say about IP. Check the "
    "funding agreement: it may oblige the trust to assign the IP.",
}
_PARTNER_TERMS = {
    IpTerms.OTHER_PARTY_OWNS: "The agreement with {n} gives them what the work produces. The "
    "trust can still ask for a share of any income.",
    IpTerms.TRUST_OWNS: "The agreement with {n} says the trust owns what the work produces.",
    IpTerms.JOINT: "The agreement with {n} makes what the work produces jointly owned.",
    IpTerms.NOT_COVERED: "The agreement with {n} does not say who owns what the work produces.",
    IpTerms.UNKNOWN: "It is not known what the agreement with {n} says about who owns what "
    "the work produces.",
}
_JOINT_ADVICE = (
    "Get legal advice on joint ownership with {n} before the IP is protected, licensed or shared."
)
_GAP_ADVICE = (
    "Agree in writing with {n} who owns what the work produces, and who protects it, before "
    "going further. Get legal advice on the terms."
)
_TERMS_ADVICE = {
    (K.FUNDER, IpTerms.OTHER_PARTY_OWNS): "Get legal advice before assigning anything to {n}: "
    "check exactly what its funding terms require.",
    (K.PARTNER, IpTerms.NOT_COVERED): _GAP_ADVICE,
    (K.PARTNER, IpTerms.UNKNOWN): _GAP_ADVICE,
}
_FUNDER_AGREE = {
    IpTerms.OTHER_PARTY_OWNS: "Agree in writing with {n} how the IP passes to it and what the "
    "trust keeps: a licence back to use it in the NHS and a share of any income.",
    IpTerms.JOINT: "Agree in writing with {n} who protects the jointly owned IP, who pays, and "
    "who may license it.",
    IpTerms.NOT_COVERED: "Confirm in writing with {n} that its funding terms leave the IP "
    "with the trust.",
    IpTerms.UNKNOWN: "Get {n}'s funding agreement and confirm in writing with {n} who owns "
    "what the funded work produces.",
}
_FUNDER_ADVICE = {
    IpTerms.NOT_COVERED: "Get legal advice if {n}'s other terms (publication, licensing, "
    "income) touch the IP, or if {n} does not confirm the position in writing.",
    IpTerms.UNKNOWN: "Get legal advice on {n}'s funding terms before the IP is protected, "
    "licensed or shared: they may oblige the trust to assign it.",
}
_PARTNER_AGREE = {
    IpTerms.OTHER_PARTY_OWNS: "Agree in writing with {n} the trust's right to use the results "
    "and its share of any income.",
    IpTerms.JOINT: "Agree in writing with {n} who protects the jointly owned IP, who pays, and "
    "who may license it.",
    IpTerms.NOT_COVERED: "Agree in writing with {n} (a collaboration agreement) who owns what "
    "the work produces and who protects it.",
    IpTerms.UNKNOWN: "Agree in writing with {n} (a collaboration agreement) who owns what the "
    "work produces and who protects it.",
}
_PARTNER_OWNS_ADVICE = (
    "Get legal advice on the terms with {n} before the trust relies on using the results."
)
_AI_AGREE = "Record in writing which parts came from AI tools, and keep the tools' terms of use."
_AI_ADVICE = (
    "Get legal advice before protecting or licensing the AI-assisted parts: who is their "
    "author or inventor, and who owns the data behind them, is unsettled."
)
_NO_TEAM_ADVICE = (
    "Once the contributors are recorded, get legal advice for any part not made by a trust "
    "employee in the course of their duties."
)
_FALLBACK_AGREE = "Confirm in writing with everyone who made it who owns each part."
_FALLBACK_ADVICE = "Get legal advice before relying on this view of who owns the IP."
_Result = tuple[ContributorFinding, tuple[str, ...], tuple[str, ...]]


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _who(c: Contributor) -> str:
    return c.name.strip() or "the contributor"


def _join(words: list[str]) -> str:
    return ", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else "".join(words)


def _finding(
    c: Contributor,
    kind: K,
    owner: str,
    conf: C,
    text: str,
    ref: str,
    advice: str = "",
    agree: str = "",
) -> _Result:
    reasons = [Reason(text, ref)]
    if c.relationship in _NOTES:
        reasons.append(Reason(_NOTES[c.relationship], REF_STUDENTS))
    finding = ContributorFinding(c.key, c.name, kind, owner, conf, tuple(reasons))
    return finding, (advice,) if advice else (), (agree,) if agree else ()


def _agreement_with(d: Disclosure, org: str) -> AgreementRef | None:
    """A signed agreement on record with ``org`` (the secondment or honorary agreement)."""
    found = [
        a
        for a in d.agreements
        if org and a.party.strip().casefold() == org.casefold() and a.signed_on is not None
    ]
    return found[0] if found else None


def _employee(c: Contributor, d: Disclosure) -> _Result:
    who, ref = _who(c), REF_EMPLOYEES
    if c.in_course_of_duties is Answer.YES:
        text = "A trust employee made it as part of their normal or given duties, so the trust "
        return _finding(c, K.TRUST, "The trust", C.HIGH, text + "is normally the first owner.", ref)
    if c.in_course_of_duties is Answer.UNSURE:
        text = f"It is not yet known whether this was part of {who}'s duties. If it was, the "
        text += "trust normally owns it: ask them and their manager what their role covers."
        agree = f"Confirm in writing with {who} and their manager that making it was part of "
        agree += "their duties."
        advice = f"Get legal advice if {who} or their manager says it was outside their duties."
        return _finding(c, K.TRUST, "Probably the trust", C.MEDIUM, text, ref, advice, agree)
    used = [r.value for r in d.resources_used]
    if used or d.normal_duties is Answer.YES:
        why = (
            f"trust {_join(used)} went into it" if used else "the disclosure calls it normal duties"
        )
        text = f"{_cap(who)} says it was outside their duties, but {why}. Their contract and "
        text += "the trust's IP policy decide who owns it."
        advice = f"Get legal advice on who owns {who}'s part: they say it was outside their "
        advice += f"duties, but {why}."
        agree = f"Agree in writing with {who} who owns their part (an assignment to the trust, "
        agree += "or a licence)."
        owner = "Depends on their contract"
        return _finding(c, K.UNCLEAR, owner, C.LOW, text, ref, advice, agree)
    text = f"{_cap(who)} says it was outside their duties and no trust time, data, facilities "
    text += "or money are recorded, so it may be theirs. Check their employment contract first."
    advice = f"Get legal advice before accepting that {who} owns their part: their employment "
    advice += "contract may still give it to the trust."
    agree = f"Agree in writing with {who} who owns their part and, if it is theirs, a licence "
    agree += "or assignment for the trust to take it forward."
    owner = "Probably the contributor"
    return _finding(c, K.CONTRIBUTOR, owner, C.MEDIUM, text, ref, advice, agree)


def _contractor(c: Contributor) -> _Result:
    who, ref = _who(c), REF_CONTRACTORS
    text = "Contractors own what they make unless their contract hands it to the trust. "
    if c.assigns_to_trust is Answer.YES:
        text += "Theirs does, though they keep what they made before or outside it."
        return _finding(c, K.TRUST, "The trust (under the contract)", C.HIGH, text, ref)
    if c.assigns_to_trust is Answer.NO:
        text += "Theirs does not, so the trust needs a licence to use it."
        agree = f"Agree in writing with {who} a licence for the trust to use their part, or "
        agree += "an assignment of it if the trust paid for it to be made."
        advice = f"Get legal advice on the licence or assignment terms with {who}."
        return _finding(c, K.CONTRIBUTOR, "The contractor", C.HIGH, text, ref, advice, agree)
    text += "Check what their contract says."
    owner = "The contractor, unless the contract says otherwise"
    agree = f"Check {who}'s contract for an IP clause; if it does not assign their work to the "
    agree += f"trust, agree in writing with {who} an assignment or a licence."
    advice = f"Get legal advice on what {who}'s contract says about IP before relying on it."
    return _finding(c, K.CONTRIBUTOR, owner, C.MEDIUM, text, ref, advice, agree)


def _collaborator(c: Contributor, d: Disclosure) -> _Result:
    org = c.employer.strip()
    text = "A collaborator usually works for their own organisation, which is likely to own "
    text += "their part. The collaboration agreement decides."
    match = [p for p in d.partners if org and p.name.strip().casefold() == org.casefold()]
    if not match:
        text += "" if org else " Record which organisation they work for."
        owner, conf = f"Their employer ({org or 'not recorded'})", C.MEDIUM if org else C.LOW
        party = org or f"{_who(c)}'s employer"
        agree = f"Agree in writing with {party} (a collaboration agreement) who owns what "
        agree += "the work produces and who protects it."
        advice = f"Get legal advice on the collaboration terms with {party} before the IP is "
        advice += "protected, licensed or shared."
        return _finding(c, K.OTHER_EMPLOYER, owner, conf, text, REF_COLLAB, advice, agree)
    kind, owner, conf = {
        IpTerms.TRUST_OWNS: (K.TRUST, f"The trust (under the agreement with {org})", C.HIGH),
        IpTerms.OTHER_PARTY_OWNS: (K.PARTNER, f"Their organisation ({org})", C.HIGH),
        IpTerms.JOINT: (K.SHARED, f"The trust and {org} jointly", C.LOW),
    }.get(match[0].agreement_terms, (K.PARTNER, f"Probably their organisation ({org})", C.MEDIUM))
    return _finding(c, kind, owner, conf, text, REF_COLLAB)


def _assess_contributor(c: Contributor, d: Disclosure) -> _Result:
    rel, who, org = c.relationship, _who(c), c.employer.strip()
    if rel in _EMPLOYED:
        return _employee(c, d)
    if rel is R.CONTRACTOR:
        return _contractor(c)
    if rel is R.COLLABORATOR:
        return _collaborator(c, d)
    if rel is R.CLINICAL_ACADEMIC:
        other = org or "their other employer"
        text = f"{_cap(who)} holds a joint appointment, so ownership turns on whose duties they "
        text += f"were doing: the trust's or {other}'s. The joint appointment contract decides."
        advice = f"Get legal advice on {who}'s joint appointment: the trust and {other} may both "
        advice += "claim their part."
        agree = f"Agree in writing between the trust and {other} who owns what {who} made, "
        agree += "under their joint appointment."
        owner = "Depends on their joint appointment"
        return _finding(c, K.UNCLEAR, owner, C.LOW, text, REF_EMPLOYEES, advice, agree)
    if rel in (R.HONORARY, R.SECONDEE):
        text = "Work by secondees and honorary contract holders is not the trust's unless their "
        text += f"employer ({org or 'not recorded'}) has agreed so. Check the secondment or "
        text += "honorary agreement for who owns what." + (
            "" if org else " Record who employs them."
        )
        owner, conf = f"Their employer ({org or 'not recorded'})", C.MEDIUM if org else C.LOW
        party = org or f"{who}'s employer"
        on_record = _agreement_with(d, org)
        if on_record is None:
            text += f" No agreement with {party} is on record."
            agree = f"Agree in writing between the trust and {party} who owns what {who} makes "
            agree += "while working at the trust (the secondment or honorary agreement should "
            agree += "say so)."
            advice = f"Get legal advice before the trust protects, licenses or shares {who}'s "
            advice += f"part: with no agreement with {party} on record, it is {party}'s."
        else:
            signed = on_record.signed_on.strftime("%d/%m/%Y") if on_record.signed_on else ""
            text += f" An agreement with {party} signed on {signed} is on record."
            agree = f"Check that the agreement with {party} (signed {signed}) says who owns "
            agree += f"what {who} makes; if it does not, agree that in writing with {party}."
            advice = f"Get legal advice to confirm what the agreement with {party} gives the "
            advice += "trust before relying on it."
        return _finding(c, K.OTHER_EMPLOYER, owner, conf, text, REF_SECONDEES, advice, agree)
    if rel is R.UNDERGRADUATE:
        text = "Undergraduates are not trust employees, so they keep what they create. The trust "
        text += "needs a written assignment or licence from them to take their part forward."
        agree = f"Agree in writing with {who} an assignment or a licence of their part."
        advice = f"Get legal advice on the assignment or licence terms with {who}."
        return _finding(c, K.CONTRIBUTOR, "The student", C.HIGH, text, REF_STUDENTS, advice, agree)
    text = "For a self-funded postgraduate there is no default owner. Weigh the nature of the "
    text += "work, and whether it should sit with the trust or the student, then agree it."
    advice = f"Agree in writing with {who} who owns their part, with legal advice on the terms."
    agree = f"Agree in writing with {who} who owns their part."
    owner = "Depends on an agreement with the student"
    return _finding(c, K.UNCLEAR, owner, C.LOW, text, REF_STUDENTS, advice, agree)


def _party(f: ContributorFinding, c: Contributor) -> tuple[str, str]:
    """A key that is the same for the same owner, and that owner in words."""
    org = c.employer.strip()
    if f.owner_kind is K.TRUST:
        return "trust", "the trust"
    if f.owner_kind is K.CONTRIBUTOR:
        return "person:" + c.key, _who(c)
    if f.owner_kind in (K.OTHER_EMPLOYER, K.PARTNER):
        return "org:" + (org.casefold() or c.key), org or f"{_who(c)}'s employer"
    if f.owner_kind is K.SHARED:
        return "joint:" + org.casefold(), f"the trust and {org} jointly"
    return "unclear:" + c.key, f"whoever owns {_who(c)}'s part"


def assess_ownership(disclosure: Disclosure) -> OwnershipAssessment:
    """A first view of who owns the IP in a disclosure, with reasons and when to get advice."""
    d = disclosure
    results = [_assess_contributor(c, d) for c in d.contributors]
    findings = tuple(f for f, _, _ in results)
    advice = [a for _, extra, _ in results for a in extra]
    agree = [a for _, _, extra in results for a in extra]
    reasons: list[Reason] = []
    levels = [f.confidence for f in findings]

    # The team: who owns each part, weighted by contribution share.
    parts: dict[str, tuple[str, Decimal, K]] = {}
    for f, c in zip(findings, d.contributors, strict=True):
        key, label = _party(f, c)
        before = parts[key][1] if key in parts else Decimal(0)
        parts[key] = (label, before + max(c.share, Decimal(0)), f.owner_kind)
    ordered = sorted(parts.values(), key=lambda p: -p[1])
    total = sum((p[1] for p in ordered), Decimal(0))
    pieces = [label for label, _, _ in ordered]
    if total > 0:
        pieces = [
            f"{lb}, for about {int((s * 100 / total).to_integral_value())}%"
            if s > 0
            else f"{lb}, share not given"
            for lb, s, _ in ordered
        ]
        pieces[0] += " of the contribution"
    breakdown = "; ".join(pieces)
    mixed = len(parts) > 1
    if mixed:
        fixes = [
            f"an assignment or licence from {lb}" for lb, _, k in ordered if k is K.CONTRIBUTOR
        ]
        fixes += [
            f"an agreement with {lb}" for lb, _, k in ordered if k in (K.OTHER_EMPLOYER, K.PARTNER)
        ]
        how = f", for example by {_join(fixes)}" if fixes else ""
        text = f"The team's parts belong to different owners ({breakdown}). Each owner's part "
        text += f"must be sorted out{how}. Left alone, it could end up jointly owned."
        reasons.append(Reason(text, REF_JOINT))
        owners = _join([label for label, _, _ in ordered])
        advice.append(f"Get legal advice on bringing together the parts held by {owners}.")
        agree.append(f"Agree in writing with {owners} who owns the whole, and on what terms.")
        levels.append(C.MEDIUM)

    # Funders and partners: their terms can decide ownership, whoever made it.
    claims: list[tuple[K, str]] = []
    joint: list[str] = []
    gaps: list[str] = []
    terms = [(f.name.strip() or "the funder", f.ip_terms, K.FUNDER) for f in d.funders]
    terms += [(p.name.strip() or "the partner", p.agreement_terms, K.PARTNER) for p in d.partners]
    for name, t, kind in terms:
        text = (_FUNDER_TERMS if kind is K.FUNDER else _PARTNER_TERMS)[t]
        reasons.append(Reason(text.format(N=_cap(name), n=name), _REF[kind]))
        levels.append(_LEVEL.get(t, C.MEDIUM if kind is K.FUNDER else C.LOW))
        if t is IpTerms.OTHER_PARTY_OWNS:
            claims.append((kind, name))
        elif t is IpTerms.JOINT:
            joint.append(name)
        elif kind is K.PARTNER and t is not IpTerms.TRUST_OWNS:
            gaps.append(name)
        if (kind, t) in _TERMS_ADVICE or t is IpTerms.JOINT:
            advice.append(_TERMS_ADVICE.get((kind, t), _JOINT_ADVICE).format(n=name))
        elif kind is K.FUNDER and t in _FUNDER_ADVICE:
            advice.append(_FUNDER_ADVICE[t].format(n=name))
        elif kind is K.PARTNER and t is IpTerms.OTHER_PARTY_OWNS:
            advice.append(_PARTNER_OWNS_ADVICE.format(n=name))
        agreement = (_FUNDER_AGREE if kind is K.FUNDER else _PARTNER_AGREE).get(t)
        if agreement:
            agree.append(agreement.format(n=name))
    if joint:
        reasons.append(_JOINT_WARNING)

    # Flags.
    if d.ai_involved:
        reasons.append(_AI)
        levels.append(C.MEDIUM)
        advice.append(_AI_ADVICE)
        agree.append(_AI_AGREE)
    abroad = d.abroad()
    if d.international:
        if abroad:
            where = _join([f"{who} ({countries().name(code)})" for who, code in abroad])
            reasons.append(Reason(f"{where}: outside the UK. " + _ABROAD.text, REF_INTERNATIONAL))
        else:
            reasons.append(_ABROAD)
        advice.append(_ABROAD_ADVICE)
        levels.append(C.MEDIUM)

    # The overall view.
    claimants = [n for _, n in claims]
    hedge = True
    if not findings:
        kind, hedge = K.UNCLEAR, False
        overall = "Add the contributors first: who owns the IP depends on who made it, and how."
        reasons.insert(0, _NO_TEAM)
        levels.append(C.LOW)
        advice.append(_NO_TEAM_ADVICE)
    elif gaps:
        kind, hedge = K.UNCLEAR, False
        overall = f"Not clear yet: agree ownership in writing with {_join(gaps)} first."
    elif len(claims) > 1 or (claims and joint):
        kind, hedge = K.UNCLEAR, False
        overall = f"Not clear: several parties claim the IP ({_join(claimants + joint)})."
        advice.append("Get legal advice now: the funding and collaboration terms conflict.")
        levels.append(C.LOW)
    elif joint:
        kind, hedge = K.SHARED, False
        overall = f"Owned jointly with {_join(joint)} under the terms agreed. "
        overall += "Joint ownership is rarely the best answer: get legal advice."
    elif claims and claims[0][0] is K.FUNDER:
        kind = K.FUNDER
        overall = f"{_cap(claimants[0])}'s funding terms decide: the trust may have to assign it."
    elif claims:
        kind = K.PARTNER
        overall = f"Under the agreement, {claimants[0]} owns what the work produces."
    elif mixed:
        unclear, hedge = any(k is K.UNCLEAR for _, _, k in ordered), False
        kind = K.UNCLEAR if unclear else K.SHARED
        overall = f"{'Not clear yet' if unclear else 'Split between owners'}: {breakdown}. "
        overall += "Each part must be sorted out before going further."
    else:
        kind, who = findings[0].owner_kind, _cap(ordered[0][0])
        overall = {
            K.TRUST: "The trust is likely to own the IP.",
            K.CONTRIBUTOR: f"{who} is likely to own the IP, not the trust.",
            K.OTHER_EMPLOYER: f"{who} is likely to own the IP, unless it agreed otherwise.",
            K.PARTNER: f"{who} is likely to own the IP under the collaboration agreement.",
        }.get(kind, f"Not clear yet: it {findings[0].owner.lower()}.")
        hedge = kind not in (K.UNCLEAR, K.SHARED)
    confidence = lowest(levels)
    if hedge and confidence is not C.HIGH:
        overall += " Check the reasons and advice before relying on this."
    if not (kind is K.TRUST and confidence is C.HIGH):
        # Annex A section 4: anything short of "the trust, fairly sure" is settled in writing
        # between the parties, and is a point for legal advice.
        if findings and not agree:
            agree.append(_FALLBACK_AGREE)
        if not advice:
            advice.append(_FALLBACK_ADVICE)
    return OwnershipAssessment(
        contributors=findings,
        overall_kind=kind,
        overall=overall,
        confidence=confidence,
        reasons=tuple(reasons),
        legal_advice=tuple(dict.fromkeys(advice)),
        to_agree=tuple(dict.fromkeys(agree)),
    )
