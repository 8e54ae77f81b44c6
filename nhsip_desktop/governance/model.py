"""The organisation's IP governance record and the five actions for organisations (Qt-free).

"IP guidance for the NHS in England" (November 2025) ends with actions every organisation
providing or commissioning NHS services should take ("Actions for organisations to take"):

- assign a senior responsible officer (SRO) for IP and set up effective decision-making
  (step 1: an ultimate decision maker, stage gates, a published innovation pathway);
- review and update the IP policy in line with the good practice principles (step 1: every
  year; Annex A suggests twelve headings a policy should cover);
- explore and evaluate access to technology transfer capabilities, TTCs (step 9);
- make the IP policy and the TTC arrangements publicly available (steps 1 and 9);
- provide rolling IP training to staff (steps 3 and 9).

It adds that organisations will in due course send DHSC and NHS England an annual return on
how they have met these actions, explaining any variation from the guidance with its
mitigations. This module holds what the register records about each (:class:`GovernanceRecord`,
:class:`TrainingSession`), works out each action's status from it (:func:`action_statuses`),
and the governance deadlines (:func:`governance_deadlines`).

Status rules (``today`` is the day the status is worked out):

sro
    met: an SRO is recorded, and decision-making with an ultimate decision maker and at least
    one stage gate; partly: an SRO but no complete decision-making; not met: no SRO.
policy
    met: a policy whose last review (or, if never reviewed, its approval) was no more than 12
    months ago, covering all twelve Annex A headings; partly: reviewed in time but some
    headings not covered; not met: no policy, or its yearly review is overdue.
ttc
    met: an evaluation of the TTC models is recorded and an arrangement that matches its
    decision; partly: only one of them, or they disagree; not met: neither. The arrangement
    is :func:`ttc_in_place`: a TTC services agreement in force in the agreements register
    counts even when the governance record does not repeat it.
publish
    met: the IP policy is published (where is recorded) and the TTC arrangement is marked
    published; partly: one of the two; not met: neither.
training
    met: at least one session held in the last 12 months; not met otherwise.

"In the last 12 months" means on or after the same date 12 months earlier (month ends clamped,
as :func:`renewals.add_months` does).

Every ``validate`` returns ``(field, message)`` pairs, empty when the record can be saved, and
every ``from_json`` raises ``ValueError`` naming the field when the stored data is malformed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from nhsip_desktop.agreements.model import Agreement, AgreementKind
from nhsip_desktop.assets.renewals import URGENT_DAYS, Deadline, add_months
from nhsip_desktop.core import json_fields as jf
from nhsip_desktop.core.labelled import LabelledEnum

__all__ = [
    "ACTIONS",
    "ANNEX_A_HEADINGS",
    "KIND_GOVERNANCE",
    "PARTS",
    "STATUS_WORDS",
    "Action",
    "ActionStatus",
    "DecisionMaking",
    "GovernanceRecord",
    "IpPolicy",
    "Sro",
    "Status",
    "TrainingSession",
    "TtcArrangement",
    "TtcEvaluation",
    "TtcInPlace",
    "TtcModel",
    "Variation",
    "action_statuses",
    "governance_deadlines",
    "training_in_last_year",
    "ttc_agreement_in_force",
    "ttc_in_place",
]

KIND_GOVERNANCE = "governance"  # the Deadline kind of every governance deadline
NAME_MAX = 200
TEXT_MAX = 2000
WHERE_MAX = 500
ATTENDEES_MAX = 100_000

Problems = list[tuple[str, str]]

# The twelve headings of Annex A ("IP policy framework"), summarised in our own words.
ANNEX_A_HEADINGS: dict[int, str] = {
    1: "Defining IP and the rights that protect it",
    2: "Why the policy exists",
    3: "Who the policy covers",
    4: "Who owns IP",
    5: "Roles and responsibilities",
    6: "What staff should do",
    7: "Protecting and exploiting innovations",
    8: "The route to commercialisation",
    9: "Rewarding innovators (revenue sharing)",
    10: "Using IP that belongs to others",
    11: "Resolving disputes",
    12: "Putting the policy into practice and monitoring it",
}


# -- small helpers ----------------------------------------------------------------------------
def _uk(value: dt.date) -> str:
    return value.strftime("%d/%m/%Y")


def _model(value: Any, where: str) -> TtcModel:
    try:
        return TtcModel(value)
    except ValueError:
        raise ValueError(f"{where}: {value!r} is not a TTC model") from None


def _required(problems: Problems, name: str, value: str, message: str, limit: int) -> None:
    if not value.strip():
        problems.append((name, message))
    elif len(value.strip()) > limit:
        problems.append((name, f"Keep this under {limit} characters."))


def _limit(problems: Problems, name: str, value: str, limit: int) -> None:
    if len(value.strip()) > limit:
        problems.append((name, f"Keep this under {limit} characters."))


def _not_future(
    problems: Problems, name: str, value: dt.date | None, words: str, today: dt.date
) -> None:
    if value is not None and value > today:
        problems.append((name, f"{words} ({_uk(value)}) cannot be in the future."))


def _within_year(on: dt.date | None, today: dt.date) -> bool:
    """True when ``on`` is no more than 12 months before ``today``."""
    return on is not None and add_months(on, 12) >= today


# -- the parts of the record ------------------------------------------------------------------
@dataclass
class Sro:
    """The senior responsible officer for IP (step 1)."""

    name: str
    role: str
    appointed_on: dt.date

    def validate(self, today: dt.date) -> Problems:
        problems: Problems = []
        _required(problems, "name", self.name, "Enter the SRO's name.", NAME_MAX)
        _required(
            problems, "role", self.role, "Enter the SRO's role, such as Medical Director.", NAME_MAX
        )
        _not_future(problems, "appointed_on", self.appointed_on, "The appointment date", today)
        return problems

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name.strip(),
            "role": self.role.strip(),
            "appointed_on": self.appointed_on.isoformat(),
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Sro:
        return cls(
            jf.text(raw, "name"), jf.text(raw, "role"), jf.required_date(raw, "appointed_on")
        )


@dataclass
class IpPolicy:
    """The organisation's IP policy: its version, approval, last yearly review, where it is
    published, and which of the twelve Annex A headings it covers."""

    version: str
    approved_by: str
    approved_on: dt.date
    last_review: dt.date | None = None
    published_at: str = ""  # a web address, or where else the public can find it
    headings_covered: list[int] = field(default_factory=list)

    @property
    def reviewed_on(self) -> dt.date:
        """The last review, or the approval when it has not been reviewed since."""
        return self.last_review or self.approved_on

    @property
    def next_review_due(self) -> dt.date:
        """Twelve months after the last review (or the approval): reviews are yearly."""
        return add_months(self.reviewed_on, 12)

    @property
    def missing_headings(self) -> list[int]:
        return [n for n in ANNEX_A_HEADINGS if n not in self.headings_covered]

    @property
    def published(self) -> bool:
        return bool(self.published_at.strip())

    def validate(self, today: dt.date) -> Problems:
        problems: Problems = []
        _required(
            problems, "version", self.version, "Enter the policy's version, such as 2.1.", NAME_MAX
        )
        _required(
            problems, "approved_by", self.approved_by, "Say who approved the policy.", NAME_MAX
        )
        _not_future(problems, "approved_on", self.approved_on, "The approval date", today)
        _not_future(problems, "last_review", self.last_review, "The review date", today)
        if self.last_review is not None and self.last_review < self.approved_on:
            problems.append(
                ("last_review", "The last review cannot be before the policy was approved.")
            )
        _limit(problems, "published_at", self.published_at, WHERE_MAX)
        unknown = [n for n in self.headings_covered if n not in ANNEX_A_HEADINGS]
        if unknown:
            problems.append(
                (
                    "headings_covered",
                    "Annex A headings are numbered 1 to 12 (not "
                    + ", ".join(str(n) for n in unknown)
                    + ").",
                )
            )
        if len(set(self.headings_covered)) != len(self.headings_covered):
            problems.append(("headings_covered", "A heading is listed twice."))
        return problems

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version.strip(),
            "approved_by": self.approved_by.strip(),
            "approved_on": self.approved_on.isoformat(),
            "last_review": jf.iso(self.last_review),
            "published_at": self.published_at.strip(),
            "headings_covered": sorted(set(self.headings_covered)),
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> IpPolicy:
        headings = jf.items(raw, "headings_covered")
        for index, number in enumerate(headings):
            if isinstance(number, bool) or not isinstance(number, int):
                raise ValueError(f"headings_covered[{index}]: must be a whole number")
        return cls(
            jf.text(raw, "version"),
            jf.text(raw, "approved_by"),
            jf.required_date(raw, "approved_on"),
            jf.optional_date(raw, "last_review"),
            jf.text(raw, "published_at"),
            list(headings),
        )


@dataclass
class DecisionMaking:
    """How IP decisions are made (step 1): the ultimate decision maker, the stage gates an
    innovation passes, and whether the innovation pathway is published, and where."""

    ultimate_decision_maker: str
    stage_gates: list[str] = field(default_factory=list)
    pathway_published: bool = False
    pathway_where: str = ""

    @property
    def complete(self) -> bool:
        return bool(self.ultimate_decision_maker.strip()) and any(
            g.strip() for g in self.stage_gates
        )

    def validate(self, today: dt.date) -> Problems:
        problems: Problems = []
        _required(
            problems,
            "ultimate_decision_maker",
            self.ultimate_decision_maker,
            "Say who makes the final decisions on IP.",
            NAME_MAX,
        )
        for index, gate in enumerate(self.stage_gates):
            _required(
                problems,
                f"stage_gates[{index}]",
                gate,
                "Describe the stage gate, or remove the empty line.",
                NAME_MAX,
            )
        if self.pathway_published and not self.pathway_where.strip():
            problems.append(("pathway_where", "Say where the innovation pathway is published."))
        _limit(problems, "pathway_where", self.pathway_where, WHERE_MAX)
        return problems

    def to_json(self) -> dict[str, Any]:
        return {
            "ultimate_decision_maker": self.ultimate_decision_maker.strip(),
            "stage_gates": [g.strip() for g in self.stage_gates],
            "pathway_published": self.pathway_published,
            "pathway_where": self.pathway_where.strip(),
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> DecisionMaking:
        gates = jf.items(raw, "stage_gates")
        for index, gate in enumerate(gates):
            if not isinstance(gate, str):
                raise ValueError(f"stage_gates[{index}]: must be text")
        return cls(
            jf.text(raw, "ultimate_decision_maker"),
            list(gates),
            jf.flag(raw, "pathway_published"),
            jf.text(raw, "pathway_where"),
        )


class TtcModel(LabelledEnum):
    """The ways of reaching technology transfer capability that step 9 lists (or none)."""

    UNIVERSITY = "university", "A university's TTC or business accelerator"
    REGIONAL = "regional", "A regional TTC (ICB, health innovation network or innovation hub)"
    IN_HOUSE = "in_house", "Our own in-house TTC"
    PRIVATE = "private", "A private-sector TTC provider"
    NONE = "none", "No TTC"

    @property
    def short(self) -> str:
        """For running text: "a regional TTC"."""
        return _TTC_SHORT[self]


_TTC_SHORT: dict[TtcModel, str] = {
    TtcModel.UNIVERSITY: "a university TTC",
    TtcModel.REGIONAL: "a regional TTC",
    TtcModel.IN_HOUSE: "an in-house TTC",
    TtcModel.PRIVATE: "a private TTC provider",
    TtcModel.NONE: "no TTC",
}


@dataclass
class TtcArrangement:
    """How the organisation reaches technology transfer capability now (step 9)."""

    model: TtcModel
    provider: str = ""
    published: bool = False
    where: str = ""
    # The TTC services agreement in the agreements register this arrangement is (its
    # reference, AG-YYYY-NNNN): the provider and dates are then read from the agreement.
    agreement_reference: str = ""

    def validate(self, today: dt.date) -> Problems:
        problems: Problems = []
        if self.model is not TtcModel.NONE and not self.agreement_reference.strip():
            _required(problems, "provider", self.provider, "Name the TTC provider.", NAME_MAX)
        else:
            _limit(problems, "provider", self.provider, NAME_MAX)
        if self.published and not self.where.strip():
            problems.append(("where", "Say where the TTC arrangements are published."))
        _limit(problems, "where", self.where, WHERE_MAX)
        return problems

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "model": self.model.value,
            "provider": self.provider.strip(),
            "published": self.published,
            "where": self.where.strip(),
        }
        if self.agreement_reference.strip():
            out["agreement_reference"] = self.agreement_reference.strip()
        return out

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> TtcArrangement:
        return cls(
            _model(raw.get("model"), "model"),
            jf.text(raw, "provider"),
            jf.flag(raw, "published"),
            jf.text(raw, "where"),
            jf.text(raw, "agreement_reference"),
        )


def ttc_agreement_in_force(agreement: Agreement, today: dt.date) -> bool:
    """A TTC services agreement that is signed, has started and has not ended by ``today``."""
    start = agreement.effective_start
    return (
        agreement.kind is AgreementKind.TTC_SERVICES
        and agreement.signed_on is not None
        and start is not None
        and start <= today
        and (agreement.end_on is None or agreement.end_on >= today)
    )


@dataclass(frozen=True)
class TtcInPlace:
    """Whether a TTC arrangement is in place, and what it is: the one answer the governance
    page, the board summary, the annual return and the IP policy draft all give (step 9).

    The agreements register is the truth: a TTC services agreement in force counts, whether
    or not the governance record mentions it, and its other party is the provider. The
    governance record adds what only it knows (the model, whether and where the arrangements
    are published) and may name the agreement it is (``agreement_reference``). A governance
    arrangement with no agreement in the register still counts (registers kept before
    agreements were recorded), and says so.
    """

    agreement: Agreement | None  # the TTC services agreement in force, if any
    model: TtcModel | None  # None: an agreement is in force but no model is recorded
    provider: str
    published: bool = False
    where: str = ""

    @property
    def recorded(self) -> bool:
        """Something is recorded: an agreement in force, or a governance arrangement."""
        return self.agreement is not None or self.model is not None

    @property
    def in_place(self) -> bool:
        """A TTC arrangement is in place (not "no TTC")."""
        return self.agreement is not None or (
            self.model is not None and self.model is not TtcModel.NONE
        )

    @property
    def words(self) -> str:
        """ "A regional TTC (...): Northern Hub, under AG-2026-0001 (signed 01/02/2026)"."""
        if not self.recorded:
            return "No TTC arrangement is recorded."
        label = self.model.label if self.model is not None else AgreementKind.TTC_SERVICES.label
        text = label + (f": {self.provider}" if self.provider else "")
        agreement = self.agreement
        if agreement is not None:
            signed = f" (signed {_uk(agreement.signed_on)})" if agreement.signed_on else ""
            text += f", under {agreement.reference}{signed}"
        elif self.in_place:
            text += "; no TTC services agreement is recorded in Agreements"
        return text


def ttc_in_place(
    record: GovernanceRecord, agreements: Sequence[Agreement], today: dt.date
) -> TtcInPlace:
    """The TTC arrangement in place as at ``today`` (rules in :class:`TtcInPlace`). The
    agreement named by the governance record is used when it is in force; otherwise the
    latest-signed TTC services agreement in force."""
    arrangement = record.ttc_arrangement
    current = sorted(
        (a for a in agreements if ttc_agreement_in_force(a, today)),
        key=lambda a: (a.signed_on or dt.date.min, a.reference),
        reverse=True,
    )
    linked = arrangement.agreement_reference.strip() if arrangement else ""
    agreement = next((a for a in current if a.reference == linked), None) or next(
        iter(current), None
    )
    model = arrangement.model if arrangement is not None else None
    if agreement is not None and model is TtcModel.NONE:
        model = None  # the agreement in force outranks an old "no TTC"
    if agreement is not None and model is None:
        evaluation = record.ttc_evaluation
        if evaluation is not None and evaluation.decision is not TtcModel.NONE:
            model = evaluation.decision
    if agreement is not None:
        parties = [p.strip() for p in agreement.parties if p.strip()]
        provider = parties[0] if parties else (arrangement.provider.strip() if arrangement else "")
    else:
        provider = arrangement.provider.strip() if arrangement else ""
    return TtcInPlace(
        agreement,
        model,
        provider,
        arrangement.published if arrangement else False,
        arrangement.where.strip() if arrangement else "",
    )


@dataclass
class TtcEvaluation:
    """The evaluation step 9 asks for: the TTC models considered, the decision and why."""

    models_considered: list[TtcModel]
    decision: TtcModel
    reason: str
    decided_on: dt.date

    def validate(self, today: dt.date) -> Problems:
        problems: Problems = []
        if not self.models_considered:
            problems.append(("models_considered", "Choose the TTC models that were considered."))
        elif len(set(self.models_considered)) != len(self.models_considered):
            problems.append(("models_considered", "A model is listed twice."))
        if self.decision is not TtcModel.NONE and self.decision not in self.models_considered:
            problems.append(
                ("decision", "The model decided on must be one of the models considered.")
            )
        _required(problems, "reason", self.reason, "Give the reasons for the decision.", TEXT_MAX)
        _not_future(problems, "decided_on", self.decided_on, "The decision date", today)
        return problems

    def to_json(self) -> dict[str, Any]:
        return {
            "models_considered": [m.value for m in self.models_considered],
            "decision": self.decision.value,
            "reason": self.reason.strip(),
            "decided_on": self.decided_on.isoformat(),
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> TtcEvaluation:
        considered = [
            _model(value, f"models_considered[{index}]")
            for index, value in enumerate(jf.items(raw, "models_considered"))
        ]
        return cls(
            considered,
            _model(raw.get("decision"), "decision"),
            jf.text(raw, "reason"),
            jf.required_date(raw, "decided_on"),
        )


@dataclass
class TrainingSession:
    """One IP training session held for staff (step 3)."""

    held_on: dt.date
    audience: str
    topic: str
    attendees: int = 0
    delivered_by: str = ""
    note: str = ""
    id: int | None = None

    def validate(self, today: dt.date) -> Problems:
        problems: Problems = []
        _not_future(problems, "held_on", self.held_on, "The session date", today)
        _required(problems, "audience", self.audience, "Say who the session was for.", NAME_MAX)
        _required(problems, "topic", self.topic, "Give the session's topic.", NAME_MAX)
        if (
            isinstance(self.attendees, bool)
            or not isinstance(self.attendees, int)
            or not 0 <= self.attendees <= ATTENDEES_MAX
        ):
            problems.append(
                (
                    "attendees",
                    f"Enter the number of attendees, a whole number up to {ATTENDEES_MAX:,}.",
                )
            )
        _limit(problems, "delivered_by", self.delivered_by, NAME_MAX)
        _limit(problems, "note", self.note, TEXT_MAX)
        return problems

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "held_on": self.held_on.isoformat(),
            "audience": self.audience.strip(),
            "topic": self.topic.strip(),
            "attendees": self.attendees,
            "delivered_by": self.delivered_by.strip(),
            "note": self.note.strip(),
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> TrainingSession:
        attendees = raw.get("attendees", 0)
        if isinstance(attendees, bool) or not isinstance(attendees, int):
            raise ValueError("attendees: must be a whole number")
        session_id = jf.whole_or_none(raw, "id")
        return cls(
            jf.required_date(raw, "held_on"),
            jf.text(raw, "audience"),
            jf.text(raw, "topic"),
            attendees,
            jf.text(raw, "delivered_by"),
            jf.text(raw, "note"),
            session_id,
        )


@dataclass
class Variation:
    """A variation from the guidance for one action, and how its risk is mitigated (the
    annual return is to explain each)."""

    action_key: str
    variation: str
    mitigation: str

    def validate(self, today: dt.date) -> Problems:
        problems: Problems = []
        if self.action_key not in ACTIONS:
            problems.append(
                (
                    "action_key",
                    "Choose the action the variation is from: " + ", ".join(ACTIONS) + ".",
                )
            )
        _required(
            problems,
            "variation",
            self.variation,
            "Describe how practice varies from the guidance.",
            TEXT_MAX,
        )
        _required(
            problems,
            "mitigation",
            self.mitigation,
            "Describe how the variation is mitigated.",
            TEXT_MAX,
        )
        return problems

    def to_json(self) -> dict[str, Any]:
        return {
            "action_key": self.action_key,
            "variation": self.variation.strip(),
            "mitigation": self.mitigation.strip(),
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Variation:
        return cls(
            jf.text(raw, "action_key"), jf.text(raw, "variation"), jf.text(raw, "mitigation")
        )


# The record's parts, each kept under its own key (in the register's ``governance`` table).
PARTS: tuple[str, ...] = (
    "sro",
    "policy",
    "decision_making",
    "ttc_arrangement",
    "ttc_evaluation",
    "variations",
)


@dataclass
class GovernanceRecord:
    """Everything the register holds about the organisation's IP governance. Every part is
    optional: a part not recorded yet is ``None`` (``variations`` empty)."""

    sro: Sro | None = None
    policy: IpPolicy | None = None
    decision_making: DecisionMaking | None = None
    ttc_arrangement: TtcArrangement | None = None
    ttc_evaluation: TtcEvaluation | None = None
    variations: list[Variation] = field(default_factory=list)

    def validate(self, today: dt.date) -> Problems:
        """Problems in every part, the field named ``part.field`` (``variations[0].mitigation``)."""
        problems: Problems = []
        parts: list[tuple[str, Any]] = [
            ("sro", self.sro),
            ("policy", self.policy),
            ("decision_making", self.decision_making),
            ("ttc_arrangement", self.ttc_arrangement),
            ("ttc_evaluation", self.ttc_evaluation),
        ]
        parts += [(f"variations[{i}]", v) for i, v in enumerate(self.variations)]
        for prefix, part in parts:
            if part is not None:
                problems += [
                    (f"{prefix}.{name}", message) for name, message in part.validate(today)
                ]
        return problems

    def to_json(self) -> dict[str, Any]:
        """Each of :data:`PARTS` to its JSON (``None`` when not recorded, or no variations)."""
        return {
            "sro": self.sro.to_json() if self.sro else None,
            "policy": self.policy.to_json() if self.policy else None,
            "decision_making": self.decision_making.to_json() if self.decision_making else None,
            "ttc_arrangement": self.ttc_arrangement.to_json() if self.ttc_arrangement else None,
            "ttc_evaluation": self.ttc_evaluation.to_json() if self.ttc_evaluation else None,
            "variations": [v.to_json() for v in self.variations] or None,
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> GovernanceRecord:
        """The inverse of :meth:`to_json`; missing parts are ``None``, unknown keys ignored."""

        def part(key: str) -> Mapping[str, Any] | None:
            value = raw.get(key)
            if value is None:
                return None
            if not isinstance(value, Mapping):
                raise ValueError(f"{key}: must be an object")
            return value

        def parse(key: str, reader: Any) -> Any:
            value = part(key)
            if value is None:
                return None
            try:
                return reader(value)
            except ValueError as exc:
                raise ValueError(f"{key}.{exc}") from None

        variations_raw = jf.items(raw, "variations")
        variations: list[Variation] = []
        for index, item in enumerate(variations_raw):
            if not isinstance(item, Mapping):
                raise ValueError(f"variations[{index}]: must be an object")
            try:
                variations.append(Variation.from_json(item))
            except ValueError as exc:
                raise ValueError(f"variations[{index}].{exc}") from None
        return cls(
            sro=parse("sro", Sro.from_json),
            policy=parse("policy", IpPolicy.from_json),
            decision_making=parse("decision_making", DecisionMaking.from_json),
            ttc_arrangement=parse("ttc_arrangement", TtcArrangement.from_json),
            ttc_evaluation=parse("ttc_evaluation", TtcEvaluation.from_json),
            variations=variations,
        )

    def variations_for(self, action_key: str) -> list[Variation]:
        return [v for v in self.variations if v.action_key == action_key]


# -- the five actions ------------------------------------------------------------------------
@dataclass(frozen=True)
class Action:
    key: str
    title: str
    references: tuple[str, ...]  # parts of the guidance (see ``guidance_refs``)

    @property
    def reference(self) -> str:
        return "; ".join(self.references)


ACTIONS: dict[str, Action] = {
    action.key: action
    for action in (
        Action(
            "sro",
            "Name a senior responsible officer for IP and set up clear decision-making",
            ("Actions for organisations", "Step 1"),
        ),
        Action(
            "policy",
            "Review the IP policy every year and keep it in line with good practice",
            ("Actions for organisations", "Step 1"),
        ),
        Action(
            "ttc",
            "Look into and evaluate ways of reaching technology transfer capability",
            ("Actions for organisations", "Step 9"),
        ),
        Action(
            "publish",
            "Make the IP policy and the TTC arrangements public",
            ("Actions for organisations", "Step 1", "Step 9"),
        ),
        Action(
            "training",
            "Give staff rolling training on managing IP well",
            ("Actions for organisations", "Step 3"),
        ),
    )
}

Status = Literal["met", "partly", "not met"]
STATUS_WORDS: dict[str, str] = {"met": "Met", "partly": "Partly met", "not met": "Not met"}


@dataclass(frozen=True)
class ActionStatus:
    key: str
    title: str
    status: Status
    evidence: str
    dates: str

    @property
    def status_words(self) -> str:
        """ "Met", "Partly met" or "Not met": the status in words, never colour alone."""
        return STATUS_WORDS[self.status]


def training_in_last_year(
    training: Sequence[TrainingSession], today: dt.date
) -> list[TrainingSession]:
    """Sessions held in the 12 months up to ``today`` (not after it)."""
    return [s for s in training if s.held_on <= today and _within_year(s.held_on, today)]


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def _sro_status(record: GovernanceRecord) -> ActionStatus:
    action = ACTIONS["sro"]
    sro, dm = record.sro, record.decision_making
    parts: list[str] = []
    if sro is None:
        parts.append("No senior responsible officer for IP is recorded.")
    else:
        parts.append(f"SRO: {sro.name.strip()}, {sro.role.strip()}.")
    if dm is None:
        parts.append(
            "No decision-making framework is recorded (ultimate decision maker, stage gates)."
        )
    else:
        if dm.ultimate_decision_maker.strip():
            parts.append(f"Ultimate decision maker: {dm.ultimate_decision_maker.strip()}.")
        else:
            parts.append("No ultimate decision maker is recorded.")
        gates = [g.strip() for g in dm.stage_gates if g.strip()]
        if gates:
            parts.append(f"{_plural(len(gates), 'stage gate')}: " + "; ".join(gates) + ".")
        else:
            parts.append("No stage gates are recorded.")
        if dm.pathway_published:
            parts.append(f"Innovation pathway published at {dm.pathway_where.strip()}.")
    if sro is None:
        status: Status = "not met"
    elif dm is not None and dm.complete:
        status = "met"
    else:
        status = "partly"
    dates = f"SRO appointed {_uk(sro.appointed_on)}" if sro else ""
    return ActionStatus(action.key, action.title, status, " ".join(parts), dates)


def _policy_status(record: GovernanceRecord, today: dt.date) -> ActionStatus:
    action = ACTIONS["policy"]
    policy = record.policy
    if policy is None:
        return ActionStatus(action.key, action.title, "not met", "No IP policy is recorded.", "")
    parts = [f"Version {policy.version.strip()}, approved by {policy.approved_by.strip()}."]
    in_time = _within_year(policy.reviewed_on, today)
    what = "Last reviewed" if policy.last_review else "Approved (not reviewed since)"
    if in_time:
        parts.append(f"{what} {_uk(policy.reviewed_on)}: within the last 12 months.")
    else:
        parts.append(
            f"{what} {_uk(policy.reviewed_on)}: more than 12 months ago; the yearly review was "
            f"due by {_uk(policy.next_review_due)}."
        )
    covered = len([n for n in policy.headings_covered if n in ANNEX_A_HEADINGS])
    parts.append(f"Covers {covered} of the 12 Annex A headings.")
    missing = policy.missing_headings
    if missing:
        parts.append(
            "Not yet covered: " + "; ".join(f"{n}. {ANNEX_A_HEADINGS[n]}" for n in missing) + "."
        )
    status: Status = ("partly" if missing else "met") if in_time else "not met"
    dates = f"Approved {_uk(policy.approved_on)}"
    if policy.last_review:
        dates += f"; last reviewed {_uk(policy.last_review)}"
    dates += f"; next review due {_uk(policy.next_review_due)}"
    return ActionStatus(action.key, action.title, status, " ".join(parts), dates)


def _ttc_status(record: GovernanceRecord, ttc: TtcInPlace) -> ActionStatus:
    action = ACTIONS["ttc"]
    evaluation = record.ttc_evaluation
    parts: list[str] = []
    if evaluation is None:
        parts.append("No evaluation of the ways of reaching TTC support is recorded.")
    else:
        considered = ", ".join(m.short for m in evaluation.models_considered) or "none"
        reason = evaluation.reason.strip().rstrip(".")
        parts.append(
            f"Evaluated on {_uk(evaluation.decided_on)}: considered {considered}; decided on "
            f"{evaluation.decision.short}, because {reason}."
        )
    if not ttc.recorded:
        parts.append("No TTC arrangement is recorded.")
    else:
        parts.append(f"Arrangement: {ttc.words.rstrip('.')}.")
    agree = (
        evaluation is not None
        and ttc.recorded
        and (
            evaluation.decision is ttc.model
            if ttc.model is not None
            else evaluation.decision is not TtcModel.NONE
        )
    )
    if evaluation is not None and ttc.recorded and not agree:
        parts.append("The arrangement recorded differs from the evaluation's decision.")
    if agree:
        status: Status = "met"
    elif evaluation is None and not ttc.recorded:
        status = "not met"
    else:
        status = "partly"
    dates = f"Evaluated {_uk(evaluation.decided_on)}" if evaluation else ""
    return ActionStatus(action.key, action.title, status, " ".join(parts), dates)


def _publish_status(record: GovernanceRecord, ttc: TtcInPlace) -> ActionStatus:
    action = ACTIONS["publish"]
    policy = record.policy
    policy_published = policy is not None and policy.published
    ttc_published = ttc.recorded and ttc.published
    parts: list[str] = []
    if policy is None:
        parts.append("No IP policy is recorded.")
    elif policy_published:
        parts.append(f"IP policy published at {policy.published_at.strip()}.")
    else:
        parts.append("The IP policy is not recorded as published.")
    if not ttc.recorded:
        parts.append("No TTC arrangement is recorded.")
    elif ttc_published:
        parts.append(f"TTC arrangements published at {ttc.where}.")
    else:
        parts.append("The TTC arrangements are not recorded as published.")
    dm = record.decision_making
    if dm is not None and dm.pathway_published:
        parts.append(f"Innovation pathway published at {dm.pathway_where.strip()}.")
    if policy_published and ttc_published:
        status: Status = "met"
    elif policy_published or ttc_published:
        status = "partly"
    else:
        status = "not met"
    return ActionStatus(action.key, action.title, status, " ".join(parts), "")


def _training_status(training: Sequence[TrainingSession], today: dt.date) -> ActionStatus:
    action = ACTIONS["training"]
    held = [s for s in training if s.held_on <= today]
    recent = training_in_last_year(held, today)
    if not held:
        return ActionStatus(
            action.key, action.title, "not met", "No IP training sessions are recorded.", ""
        )
    last = max(s.held_on for s in held)
    if not recent:
        return ActionStatus(
            action.key,
            action.title,
            "not met",
            f"No IP training in the last 12 months: the last session recorded was on {_uk(last)}.",
            f"Last session {_uk(last)}",
        )
    attendees = sum(s.attendees for s in recent)
    audiences: list[str] = []
    for s in sorted(recent, key=lambda s: s.held_on):
        if s.audience.strip() and s.audience.strip() not in audiences:
            audiences.append(s.audience.strip())
    evidence = (
        f"{_plural(len(recent), 'session')} in the last 12 months, "
        f"{_plural(attendees, 'attendee')} in all. Audiences: {'; '.join(audiences)}."
    )
    dates = f"Last session {_uk(last)}; next due by {_uk(add_months(last, 12))}"
    return ActionStatus(action.key, action.title, "met", evidence, dates)


def action_statuses(
    record: GovernanceRecord,
    training: Sequence[TrainingSession],
    today: dt.date,
    ttc: TtcInPlace | None = None,
) -> list[ActionStatus]:
    """The status of each of the five actions, in the order of :data:`ACTIONS`, worked out
    from the record, the training log and the TTC arrangement in place (from the agreements
    register: ``store.facts.ttc_arrangement``; without it, from the record alone) as at
    ``today`` (rules in the module docstring)."""
    if ttc is None:
        ttc = ttc_in_place(record, (), today)
    return [
        _sro_status(record),
        _policy_status(record, today),
        _ttc_status(record, ttc),
        _publish_status(record, ttc),
        _training_status(training, today),
    ]


def governance_deadlines(
    record: GovernanceRecord, training: Sequence[TrainingSession], today: dt.date
) -> list[Deadline]:
    """Governance deadlines for the upcoming-deadlines view (kind :data:`KIND_GOVERNANCE`):

    - no SRO recorded: urgent, due today;
    - no IP policy recorded: urgent, due today; otherwise its yearly review, due 12 months
      after the last review (or approval), urgent within :data:`URGENT_DAYS` or overdue;
    - no training in the last 12 months: due today; otherwise the next session, due 12 months
      after the last one (rolling training).
    """
    found: list[Deadline] = []
    if record.sro is None:
        found.append(
            Deadline(
                today,
                KIND_GOVERNANCE,
                "No senior responsible officer (SRO) for IP is recorded: appoint one and "
                "record it (step 1)",
                "IP governance",
                "governance:sro",
                True,
            )
        )
    policy = record.policy
    if policy is None:
        found.append(
            Deadline(
                today,
                KIND_GOVERNANCE,
                "No IP policy is recorded: record the policy and its last review (step 1)",
                "IP policy",
                "governance:policy",
                True,
            )
        )
    else:
        due = policy.next_review_due
        found.append(
            Deadline(
                due,
                KIND_GOVERNANCE,
                f"Review the IP policy (version {policy.version.strip()}): it is reviewed "
                "every year (step 1)",
                "IP policy",
                "governance:policy:review",
                (due - today).days <= URGENT_DAYS,
            )
        )
    held = [s.held_on for s in training if s.held_on <= today]
    last = max(held) if held else None
    if last is None or not _within_year(last, today):
        found.append(
            Deadline(
                today,
                KIND_GOVERNANCE,
                "No IP training for staff in the last 12 months: arrange a session (step 3)",
                "IP training",
                "governance:training",
                False,
            )
        )
    else:
        found.append(
            Deadline(
                add_months(last, 12),
                KIND_GOVERNANCE,
                "Hold the next IP training session: training is rolling (step 3)",
                "IP training",
                "governance:training",
                False,
            )
        )
    return found
