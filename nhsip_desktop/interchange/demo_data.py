"""Demonstration cases for a fictional trust: hand-written examples, then synthetic ones.

Everything here is invented: the organisation, the people and the cases. The curated set
covers every stage and every kind of IP in Annex A's Table 1 of the guidance; beyond it,
``demo_cases`` lazily builds deterministic variations so the register can be tried at scale.
Dates are relative to a ``today`` argument so the demo always looks current.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from itertools import accumulate, islice

from nhsip_desktop.cases.disclosure import (
    Answer,
    Beneficiary,
    Contributor,
    DevelopmentStage,
    Disclosure,
    DisclosureKind,
    ExternalDisclosure,
    Relationship,
    Resource,
)
from nhsip_desktop.cases.model import CaseFields, IpKind, Stage

__all__ = [
    "CURATED",
    "CURATED_AS_OF",
    "DEMO_LEAD",
    "DEMO_ORGANISATION",
    "DemoCase",
    "demo_cases",
    "demo_disclosure",
]

DEMO_ORGANISATION = "Northbrook Community Health NHS Trust (fictional)"
DEMO_LEAD = "Alex Morgan, Innovation and IP Lead (fictional)"

#: The date the curated cases' relative dates are written against; shifted to ``today``.
CURATED_AS_OF = dt.date(2026, 1, 15)


DemoCase = CaseFields
"""A demo case is simply the editable fields of a case."""


# One block per case, starting with a line of fields separated by "|":
#   stage | kinds of IP | lead innovator | days received before CURATED_AS_OF | next action | due
# ("-" for no date or no action; due is days after CURATED_AS_OF, negative when overdue),
# then the title, then the summary (wrapped; lines are joined with spaces).
_CURATED_TEXT = """
draft | invention,design | Staff Nurse Megan Holt | - | Help innovator complete disclosure form | 10
Paediatric cannula splint with see-through window
A moulded splint that holds a child's cannula steady while letting nurses check the insertion
site without removing tape. One hand-made prototype so far, used only on a training doll.
draft | copyright | Mrs Joan Whitfield | - | Arrange confidential call with innovator | 5
Bedside hydration prompt card for older inpatients
A picture-based card for bedside tables prompting patients and visitors to offer drinks, drafted
after a ward audit of dehydration on elderly care wards.
draft | invention | Mr Callum Reid | - | Remind innovator not to present before review | 21
Stoma bag leak alert sensor
An idea for a thin sensor strip that warns the wearer before a stoma bag starts to leak. The
innovator has been invited to speak at a regional study day and needs advice first.
submitted | copyright | Ms Rachel Osei | 4 | Acknowledge and book triage | 3
Speech and language therapy app for primary schools
A tablet app with games and recorded prompts so teaching assistants can run daily speech
practice set by the trust's therapists. Piloted informally in two local primary schools.
submitted | copyright,data | Dr Hannah Lowe | 9 | Acknowledge and book triage | -2
AI triage algorithm for dermatology referrals
A model trained on referral photographs that sorts GP skin referrals into urgent, routine and
advice-only. Built on anonymised trust images with help from a university PhD student.
submitted | know_how,copyright | Sister Aoife Kelly | 12 | Book triage meeting | 6
Wound-photography protocol for district nurses
A step-by-step method for taking consistent wound photographs on trust phones, with a scale
card and lighting set-up, so that healing can be compared between visits.
submitted | invention,design | Mr Dariusz Nowak | 2 | Acknowledge and send NDA guidance | 5
Insulin pen needle removal clip
A small clip that lets patients with poor grip remove and store used pen needles safely,
designed by a pharmacy technician after several needlestick near-misses at home.
submitted | copyright | Ms Fatima Rahman | 17 | Book triage meeting | 2
Carers' guide to managing delirium at home
A plain-English booklet for families caring for someone with delirium after discharge,
written with the older people's mental health team and a carers' forum.
submitted | know_how | Mr Gareth Pryce | 6 | Acknowledge and book triage | 4
Discharge lounge scheduling board
A colour-coded planning method for the discharge lounge that cut waits for transport and
medicines. The innovator believes other trusts would pay for the set-up and training.
submitted | invention,design | Dr Samuel Okafor | 20 | Book triage; ask for prior-art notes | 1
Nerve block simulation model for anaesthetic training
A low-cost gel model for practising ultrasound-guided nerve blocks, cast in 3D-printed moulds
in the education centre. Trainees rate it above the commercial models they have used.
in_triage | invention,design | Mr Tom Adebayo | 34 | Complete triage checklist | 7
3D-printed surgical cutting guide for knee osteotomy
A patient-specific cutting guide printed from CT scans that helps surgeons make accurate bone
cuts. Used under an approved clinical evaluation in orthopaedic theatres.
in_triage | copyright,know_how | Ms Bethany Carr | 45 | Complete triage checklist | -5
Falls-risk scoring spreadsheet for community hospitals
A spreadsheet that turns a physiotherapist's falls assessment into a risk score and care plan.
Already shared informally with one neighbouring service, so disclosure status needs checking.
in_triage | data,copyright | Dr Imran Siddiqui | 58 | Check consent basis with IG team | 14
Annotated retinal image database for diabetic eye screening
About 12,000 screening images graded and annotated by trust graders, with outcomes. A
university group and a company have both asked about access.
in_triage | copyright | Mrs Linda Harper | 22 | Complete triage checklist | 5
Patient information leaflet on hip replacement recovery
An illustrated leaflet on the first six weeks after hip replacement, covering exercises, pain
relief and warning signs. Patients say it is clearer than the current version.
in_triage | copyright | Mr Kwame Mensah | 27 | Confirm consent forms for staff filmed | 10
Training video for safe moving and handling
A 20-minute video showing hoist transfers and slide-sheet techniques on real wards, filmed by
the manual handling team. Other trusts have asked to use it in induction.
in_triage | know_how,copyright | Dr Eleanor Marsh | 40 | Seek early advice from university TTC | 12
Sepsis screening prompt for ambulance handover
A short handover script and prompt card used in the emergency department that speeds up sepsis
screening when ambulance crews hand over.
in_triage | invention,design | Ms Chloe Brennan | 51 | Run prior-art search | 9
Tracheostomy tube tie with quick-release buckle
A tube tie with a one-handed quick-release buckle for emergencies, designed by a respiratory
physiotherapist. Two prototypes made with the clinical engineering workshop.
in_triage | design,copyright | Mr Owen Lloyd | 63 | Complete triage checklist | -1
Dementia-friendly ward signage set
A set of high-contrast signs and symbols for toilets, bays and exits on dementia wards,
designed by the estates team with patients and carers.
decision_made | design,invention | Sister Grace Mwangi | 120 | Send feedback letter to innovator | 3
Redesigned pressure-ulcer heel protector
A heel protector with a split foam design that offloads the heel without pushing on the Achilles
tendon. Decision: seek design registration and look for a manufacturing licensee.
decision_made | brand | Mrs Patricia Doyle | 95 | Instruct trade mark search before filing | 21
Brand name for the community nursing service
The name and logo "Northbrook Nursing at Home" for the community nursing service. Decision:
check availability and file a UK trade mark if clear.
decision_made | know_how,copyright | Mr Rajesh Varma | 150 | Draft licence to partner trust | 30
Know-how package for a theatre scheduling method
A scheduling method, templates and training notes that raised theatre utilisation. Decision:
keep confidential and license the package to other trusts with implementation support.
decision_made | copyright | Ms Zoe Fletcher | 110 | Publish under open licence (route 1) | 14
Inhaler technique video series for children
Short animated videos teaching children to use spacers and inhalers. Decision: no commercial
route; publish openly with attribution so other services can use them.
decision_made | invention | Ms Abigail Turner | 180 | Send hand-back agreement (route 2) | 10
Warming pad for neonatal heel-prick tests
A reusable warming pad that improves blood flow before heel-prick tests. Decision: the trust is
not best placed to develop it; hand back to the midwife with a licence back for patient care.
decision_made | copyright,brand | Dr Lewis Grant | 130 | Send feedback letter to innovator | -3
Mental health crisis plan app
An app that holds a patient's own crisis plan and contacts, co-designed with service users.
Decision: co-develop with a digital health partner under a collaboration agreement.
decision_made | copyright | Mr Daniel Shaw | 88 | Send feedback letter to innovator | 7
Physiotherapy home exercise sheet library
Around 200 illustrated exercise sheets drawn and written by the physiotherapy team. Decision:
keep for trust use and offer to partner trusts at no charge.
active | invention,design | Dr Nadia Haddad | 520 | Pay GB renewal fee | 45
Paediatric nasogastric tube securing device
A securing device that reduces accidental tube removal in young children. GB patent application
filed and a small UK manufacturer licensed; first royalties received last year.
active | copyright,brand | Ms Sophie Warren | 610 | Quarterly TTC review | 20
Upper-limb stroke rehabilitation app
An app that guides stroke survivors through arm exercises at home and reports progress to
therapists. Licensed to a digital health company with a royalty to the trust.
active | know_how,copyright | Dr Marcus Bell | 400 | Record licence income from partner trusts | 12
Blood culture contamination reduction bundle
A training and equipment bundle that halved blood culture contamination in the emergency
department. Licensed to three trusts for a modest annual fee.
active | data | Dr Yusuf Ali | 450 | Check partner's annual data-use report | 30
Annotated chest X-ray dataset for AI development
De-identified chest X-rays with radiologist labels, made available to a research partner under
a data partnership agreement with a share of future returns.
active | design | Mrs Helen Cartwright | 680 | Renew registered design | 60
Catheter bag leg strap with silicone grip
A leg strap that stays in place without marking the skin, designed by the continence nurse
specialist. Registered design held by the trust; sold through a medical supplies distributor.
active | brand,copyright | Ms Jade Robinson | 300 | Check licensee's use of trade mark | 40
Steady Steps falls prevention programme
The "Steady Steps" name and class materials for a community strength and balance programme.
Trade mark registered; programme licensed to two local authority leisure services.
active | copyright | Mr Ben Hughes | 260 | Invoice partner trusts for annual licence | 8
Diabetic foot screening e-learning module
An online module teaching practice nurses to screen feet and grade risk, written by the podiatry
team. Licensed to several primary care networks.
active | design,invention | Sister Aisha Begum | 720 | Quarterly TTC review | -4
Neonatal feeding syringe holder
A holder that keeps feeding syringes upright at the cot side. Patent pending; development with
a university partner under a co-development agreement.
closed | design | Mr Steven Price | 700 | - | -
Bariatric commode cover
A wipe-clean cover for bariatric commodes. Closed: similar products already on the market and no
development plan, so no registration sought.
closed | copyright | Dr Olivia Bennett | 540 | - | -
Handover sheet template for surgical wards
A structured handover sheet for surgical wards. Closed: shared freely across the trust and with
the regional network; no further action needed.
closed | copyright | Ms Ruth Adeyemi | 410 | - | -
Hand hygiene song for the children's ward
A short song and poster teaching children to wash their hands. Closed: published openly on the
trust website with the innovator credited.
closed | invention | Dr Peter Walsh | 650 | - | -
Smartphone otoscope adapter
A clip-on adapter for taking ear photographs with a phone. Closed: the prior-art search found
several existing products; innovator thanked and given feedback.
closed | know_how | Ms Kerry Stone | 200 | - | -
Outpatient text reminder wording
Reworded appointment reminder texts that reduced missed appointments. Closed: adopted across
outpatients as routine practice; not worth protecting.
closed | know_how,invention | Mrs Niamh O'Connor | 580 | - | -
Lymphoedema compression garment measuring method
A quicker method for measuring arms for compression garments. Closed: handed back to the
innovator under a hand-back agreement with a licence back to the trust.
closed | copyright,brand | Ms Harriet Young | 330 | - | -
Renal diet recipe booklet
A recipe booklet for people on low-potassium diets. Closed: rights assigned to a kidney patient
charity for a nominal fee, with continued free use by the trust.
"""


def _parse_curated(text: str, as_of: dt.date) -> tuple[DemoCase, ...]:
    def offset(field: str, sign: int) -> dt.date | None:
        return None if field == "-" else as_of + dt.timedelta(days=sign * int(field))

    blocks: list[list[str]] = []
    for line in text.strip().splitlines():
        if "|" in line:
            blocks.append([])
        blocks[-1].append(line.strip())
    cases: list[DemoCase] = []
    for meta, title, *summary in blocks:
        stage, kinds, who, ago, action, due = (part.strip() for part in meta.split("|"))
        cases.append(
            DemoCase(
                title=title,
                summary=" ".join(summary),
                stage=Stage(stage),
                ip_kinds=tuple(IpKind(kind) for kind in kinds.split(",")),
                lead_innovator=who,
                received_on=offset(ago, -1),
                next_action="" if action == "-" else action,
                next_action_due=offset(due, 1),
            )
        )
    return tuple(cases)


CURATED: tuple[DemoCase, ...] = _parse_curated(_CURATED_TEXT, CURATED_AS_OF)

# --- Synthetic variations -------------------------------------------------------------------

_I, _C, _D = IpKind.INVENTION, IpKind.COPYRIGHT, IpKind.DESIGN
_B, _K, _A = IpKind.BRAND, IpKind.KNOW_HOW, IpKind.DATA

# (noun, kinds of IP, is a physical device)
_ITEMS: tuple[tuple[str, tuple[IpKind, ...], bool], ...] = (
    ("self-management app", (_C,), False), ("symptom-tracking app", (_C, _A), False),
    ("referral triage algorithm", (_C, _A), False), ("risk-scoring spreadsheet", (_C, _K), False),
    ("patient information leaflet", (_C,), False), ("easy-read leaflet", (_C,), False),
    ("training video", (_C,), False), ("e-learning module", (_C,), False),
    ("audit dataset", (_A,), False), ("annotated image database", (_A, _C), False),
    ("dashboard", (_C, _A), False), ("care pathway", (_K, _C), False),
    ("assessment protocol", (_K,), False), ("clinic scheduling method", (_K,), False),
    ("service name and logo", (_B, _D), False), ("splint", (_I, _D), True),
    ("positioning wedge", (_D,), True), ("securing device", (_I, _D), True),
    ("single-use cover", (_D,), True), ("3D-printed guide", (_I, _D), True),
    ("measuring tool", (_I,), True), ("simulation model", (_D, _K), True),
)  # fmt: skip
_QUALIFIERS = ("", "", "", "Improved ", "Low-cost ", "Simplified ", "Redesigned ")
# (clinical area, team, settings); the first _DEVICE_AREAS suit physical devices too.
_AREAS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("stroke rehabilitation", "stroke", ("inpatient wards", "patients' homes")),
    ("wound care", "tissue viability", ("patients' homes", "care homes", "community clinics")),
    ("orthopaedics", "orthopaedic", ("theatres", "fracture clinics", "inpatient wards")),
    ("neonatal care", "neonatal unit", ("neonatal units", "special care baby units")),
    ("paediatrics", "paediatric", ("children's wards", "schools", "children's outpatients")),
    ("continence care", "continence", ("patients' homes", "care homes", "community clinics")),
    ("pressure ulcer prevention", "tissue viability", ("inpatient wards", "care homes")),
    ("hand therapy", "occupational therapy", ("outpatients", "fracture clinics")),
    ("podiatry", "podiatry", ("community clinics", "diabetic foot clinics")),
    ("maternity", "midwifery", ("labour wards", "antenatal clinics", "birth centres")),
    ("hip and knee replacement", "orthopaedic", ("theatres", "pre-operative assessment clinics")),
    ("cannula care", "vascular access", ("inpatient wards", "the emergency department")),
    ("urology", "urology", ("outpatients", "day surgery", "patients' homes")),
    ("emergency care", "emergency department", ("the emergency department", "urgent care")),
    ("dermatology", "dermatology", ("outpatients", "GP surgeries", "community clinics")),
    ("diabetes care", "diabetes", ("community clinics", "GP surgeries", "patients' homes")),
    ("falls prevention", "physiotherapy", ("care homes", "community hospitals", "patients' homes")),
    ("COPD", "respiratory", ("community clinics", "patients' homes", "pulmonary rehabilitation")),
    ("perinatal mental health", "perinatal mental health", ("patients' homes", "clinics")),
    ("ophthalmology", "ophthalmology", ("eye clinics", "diabetic eye screening clinics")),
    ("heart failure", "cardiology", ("outpatients", "patients' homes")),
    ("dementia care", "older people's mental health", ("memory clinics", "care homes")),
    ("palliative care", "palliative care", ("patients' homes", "hospices", "inpatient wards")),
    ("sepsis recognition", "critical care outreach", ("inpatient wards", "urgent care")),
    ("speech and language therapy", "speech and language therapy", ("schools", "nurseries")),
    ("audiology", "audiology", ("hearing clinics", "schools", "care homes")),
    ("learning disability care", "learning disability", ("community clinics", "GP surgeries")),
    ("eating disorders", "eating disorder", ("outpatients", "inpatient wards")),
    ("medicines safety", "pharmacy", ("inpatient wards", "care homes", "patients' homes")),
)
_DEVICE_AREAS = 14
_BENEFITS = (
    "reduce avoidable admissions", "save clinician time", "improve patient experience",
    "cut waiting times", "reduce avoidable harm", "help patients manage their own condition",
    "standardise care across teams", "reduce waste and cost", "spot deterioration earlier",
)  # fmt: skip
_WOMEN = (
    "Aoife", "Priya", "Hannah", "Grace", "Fatima", "Chloe", "Sophie", "Ngozi", "Megan", "Ewa",
    "Bethany", "Leah", "Amara", "Siobhan", "Rebecca", "Mei", "Zara", "Katie", "Ruth", "Imogen",
)  # fmt: skip
_MEN = (
    "Tom", "Samuel", "Imran", "Gareth", "Kwame", "Daniel", "Rhys", "Marek", "Oliver", "Jamal",
    "Liam", "Arjun", "Callum", "Ben", "Chidi", "Hamish", "Luke", "Tariq", "Owen", "Joe",
)  # fmt: skip
_SURNAMES = (
    "Adebayo", "Lowe", "Kelly", "Osei", "Nowak", "Carr", "Harper", "Mensah", "Marsh", "Pryce",
    "Brennan", "Lloyd", "Varma", "Fletcher", "Turner", "Shaw", "Haddad", "Bell", "Begum", "Price",
    "Walsh", "Stone", "Young", "Reid", "Holt", "Okafor", "Chen", "Hughes", "Patel", "Evans",
    "Doherty", "Khan", "Morris", "Ward", "Jenkins", "Ahmed", "Fraser", "Ellis", "Quinn", "Abbott",
)  # fmt: skip
_WOMEN_TITLES = ("Dr", "Ms", "Mrs", "Miss", "Sister", "Dr", "Ms")
_MEN_TITLES = ("Dr", "Mr", "Mr", "Dr", "Mr")

# Stage mix: many closed and newly submitted or in triage, fewer active.
_STAGES = (
    Stage.DRAFT, Stage.SUBMITTED, Stage.IN_TRIAGE, Stage.DECISION_MADE, Stage.ACTIVE, Stage.CLOSED
)  # fmt: skip
_STAGE_CUMULATIVE = tuple(accumulate((0.05, 0.16, 0.16, 0.12, 0.08, 0.43)))
# Days before today a case in each stage was received (None: not yet submitted).
_RECEIVED_RANGE: dict[Stage, tuple[int, int] | None] = {
    Stage.DRAFT: None,
    Stage.SUBMITTED: (0, 30),
    Stage.IN_TRIAGE: (7, 120),
    Stage.DECISION_MADE: (30, 300),
    Stage.ACTIVE: (120, 730),
    Stage.CLOSED: (30, 730),
}
# Next actions per stage: text, range of days from today it falls due (negative: overdue),
# and the kind of IP it needs (otherwise the stage's first action is used).
_ACTIONS: dict[Stage, tuple[tuple[str, int, int, IpKind | None], ...]] = {
    Stage.DRAFT: (
        ("Help innovator complete disclosure form", 3, 21, None),
        ("Arrange confidential call with innovator", 2, 14, None),
    ),
    Stage.SUBMITTED: (
        ("Acknowledge and book triage", -3, 7, None),
        ("Send NDA guidance to innovator", 1, 10, None),
        ("Book triage meeting", 1, 14, None),
    ),
    Stage.IN_TRIAGE: (
        ("Complete triage checklist", -7, 14, None),
        ("Run prior-art search", 3, 21, _I),
        ("Seek early advice from university TTC", 7, 28, None),
        ("Check data-sharing basis with IG team", 7, 28, _A),
    ),
    Stage.DECISION_MADE: (
        ("Send feedback letter to innovator", -5, 10, None),
        ("Send hand-back agreement (route 2)", 7, 30, None),
        ("Publish under open licence (route 1)", 7, 30, _C),
        ("Draft collaboration agreement (route 3)", 14, 45, None),
        ("Instruct patent attorney", 7, 30, _I),
        ("Instruct trade mark search", 7, 30, _B),
    ),
    Stage.ACTIVE: (
        ("Quarterly TTC review", -10, 90, None),
        ("Pay GB renewal fee", 14, 90, _I),
        ("Renew registered design", 14, 90, _D),
        ("Record licence income", 1, 30, None),
        ("Review licensee's annual report", 14, 60, None),
    ),
    Stage.CLOSED: (("", 0, 0, None),),
}


def _synthetic(rng: random.Random, today: dt.date) -> Iterator[DemoCase]:
    """Endless deterministic variations; uses ``rng.random()`` only, for speed."""
    rnd = rng.random
    past = [today - dt.timedelta(days=days) for days in range(731)]
    due_dates = {n: today + dt.timedelta(days=n) for n in range(-10, 91)}

    def pick(options: tuple[str, ...]) -> str:
        return options[int(rnd() * len(options))]

    while True:
        noun, kinds, is_device = _ITEMS[int(rnd() * len(_ITEMS))]
        area, team, settings = _AREAS[int(rnd() * (_DEVICE_AREAS if is_device else len(_AREAS)))]
        setting = pick(settings)
        title = f"{pick(_QUALIFIERS)}{noun} for {area}"
        if rnd() < 0.5:
            title = f"{title} in {setting}"
        title = title[0].upper() + title[1:]
        if rnd() < 0.5:
            who = f"{pick(_WOMEN_TITLES)} {pick(_WOMEN)} {pick(_SURNAMES)}"
        else:
            who = f"{pick(_MEN_TITLES)} {pick(_MEN)} {pick(_SURNAMES)}"
        article = "an" if noun[0] in "aeiou" else "a"
        summary = (
            f"The {team} team has developed {article} {noun} for {area}, "
            f"for use in {setting}. It aims to {pick(_BENEFITS)}."
        )
        stage = _STAGES[min(bisect.bisect(_STAGE_CUMULATIVE, rnd()), len(_STAGES) - 1)]
        span = _RECEIVED_RANGE[stage]
        received = None if span is None else past[span[0] + int(rnd() * (span[1] - span[0] + 1))]
        actions = _ACTIONS[stage]
        action, lo, hi, needs = actions[int(rnd() * len(actions))]
        if needs is not None and needs not in kinds:
            action, lo, hi, needs = actions[0]
        due = due_dates[lo + int(rnd() * (hi - lo + 1))] if action else None
        yield DemoCase(title, summary, stage, kinds, who, received, action, due)


def demo_cases(count: int = 40, *, today: dt.date, seed: int = 2026) -> Iterator[DemoCase]:
    """Yield ``count`` demo cases: the curated ones first, then synthetic variations.

    Curated dates are shifted so they sit the same distance before ``today`` as before
    ``CURATED_AS_OF``. Output is deterministic for a given ``count``, ``today`` and ``seed``,
    and generated lazily.
    """
    if count < 0:
        raise ValueError(f"count must not be negative, got {count}")
    shift = today - CURATED_AS_OF
    for case in CURATED[:count]:
        yield replace(
            case,
            received_on=None if case.received_on is None else case.received_on + shift,
            next_action_due=None if case.next_action_due is None else case.next_action_due + shift,
        )
    if count > len(CURATED):
        yield from islice(_synthetic(random.Random(seed), today), count - len(CURATED))


_SECOND_NAMES = ("Dr Chidi Okoro", "Ms Laura Finch", "Mr Arjun Mehta", "Sam Lee")


def demo_disclosure(case: DemoCase, index: int, *, today: dt.date) -> Disclosure:
    """Plausible disclosure details for a curated demo case (fictional, deterministic)."""
    first_sentence = case.summary.split(". ")[0].rstrip(".") + "."
    team = [
        Contributor(
            name=case.lead_innovator,
            job_title="Clinical lead",
            department="Community services",
            relationship=Relationship.EMPLOYEE_CLINICAL,
            share=Decimal(100),
            in_course_of_duties=Answer.YES,
        )
    ]
    if index % 3 == 1:  # some teams include a student or a university colleague
        team[0].share = Decimal(70)
        other = _SECOND_NAMES[index % len(_SECOND_NAMES)]
        relationship = Relationship.UNDERGRADUATE if index % 2 else Relationship.CLINICAL_ACADEMIC
        team.append(
            Contributor(
                name=other,
                relationship=relationship,
                employer="University of Northbrook (fictional)",
                share=Decimal(30),
                in_course_of_duties=Answer.UNSURE,
            )
        )
    disclosure = Disclosure(
        problem=first_sentence,
        beneficiaries=[Beneficiary.PATIENTS, Beneficiary.STAFF],
        novelty="Described in the summary; to be checked against what exists at triage.",
        development_stage=DevelopmentStage.PROTOTYPE if index % 2 else DevelopmentStage.IDEA,
        normal_duties=Answer.YES,
        resources_used=[Resource.TIME],
        contributors=team,
    )
    if index in (2, 11) and case.stage is not Stage.CLOSED:
        disclosure.external_disclosures.append(
            ExternalDisclosure(
                DisclosureKind.TALK,
                today + dt.timedelta(days=9 + index),
                True,
                "Regional innovation showcase (fictional)",
            )
        )
    return disclosure
