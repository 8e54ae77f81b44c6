"""The IP policy builder: a draft of the trust's IP policy over Annex A's twelve headings (Qt-free).

Step 1 of "IP guidance for the NHS in England" (November 2025) asks every organisation to have
an IP policy, review it every year and publish it; Annex A suggests twelve headings for one.
This module drafts that policy from two things:

- the *choices* only the policy can make (does it cover postgraduate students, who is the first
  point of contact, how disagreements are settled...). The headings and the choices under each,
  with their defaults, labels, help and guidance reference, are versioned data in
  ``resources/policy/annex_a.json`` (:class:`Framework`);
- the *facts* the register already holds (:class:`PolicyFacts`): the organisation, the SRO, the
  ultimate decision maker and stage gates, the TTC arrangement, the feedback target and the
  revenue-sharing bands. They are never typed into the builder, so a draft always says what
  the register says; a draft keeps a snapshot of them, and :func:`fact_differences` says, in
  words, what has changed in the register since.

:func:`build_document` turns choices, facts and :class:`PolicyMeta` (version, approval and
review dates) into a :class:`PolicyDocument`: numbered clauses in the app's own plain English
(never the guidance's sentences), tables, and a table of the Annex A headings covered. The
writers in ``reports/policy.py`` lay it out as DOCX and PDF.

Choices are ``{heading key: {"include": bool, choice id: value}}``; a heading left out
(``include`` false) is listed as not covered.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from nhsip_desktop.assets.renewals import add_months
from nhsip_desktop.core.resources import resource_path
from nhsip_desktop.core.salutation import TITLES
from nhsip_desktop.finance.revenue import PARTIES, RevenuePolicy
from nhsip_desktop.governance.model import (
    ANNEX_A_HEADINGS,
    GovernanceRecord,
    TtcInPlace,
    TtcModel,
    ttc_in_place,
)

__all__ = [
    "CHOICE_KINDS",
    "FORMAT",
    "FRAMEWORK_FILE",
    "TEXT_MAX",
    "TO_COMPLETE",
    "BandFact",
    "Block",
    "Choice",
    "Choices",
    "Framework",
    "FrameworkError",
    "Heading",
    "Option",
    "PolicyDocument",
    "PolicyDraft",
    "PolicyFacts",
    "PolicyMeta",
    "Section",
    "build_document",
    "carry_forward",
    "choice_hints",
    "default_choices",
    "default_meta",
    "fact_differences",
    "fact_lines",
    "gather_facts",
    "included_headings",
    "load_framework",
    "merge_choices",
    "next_version",
    "parse_framework",
    "section_lines",
    "validate_choices",
]

FORMAT = "nhsip-policy-framework"
FRAMEWORK_FILE: tuple[str, ...] = ("policy", "annex_a.json")
CHOICE_KINDS = frozenset({"bool", "text", "number", "choice", "options"})
FACT_KEYS = frozenset(
    {
        "organisation",
        "sro",
        "decision_maker",
        "stage_gates",
        "pathway",
        "ttc",
        "feedback",
        "revenue",
    }
)
DEFAULT_FROM = frozenset({"ttc_provider", "sro_role", "published_at", "approved_by"})
TEXT_MAX = 200
VERSION_MAX = 40
TO_COMPLETE = "[To be completed: {}]"

Problems = list[tuple[str, str]]
Choices = dict[str, dict[str, Any]]


class FrameworkError(ValueError):
    """The policy framework file is malformed: names the file and the field."""

    def __init__(self, source: str, where: str, problem: str) -> None:
        super().__init__(f"The policy framework {source} is not usable: {where}: {problem}")
        self.source, self.where, self.problem = source, where, problem


def _uk(value: dt.date) -> str:
    return value.strftime("%d/%m/%Y")


# -- the framework (versioned data) -----------------------------------------------------------
@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class Choice:
    """One choice under a heading: a tick box (``bool``), a line of text, a whole number, one
    of several options (``choice``) or any of several (``options``)."""

    id: str
    kind: str
    label: str
    help: str
    default: Any
    options: tuple[Option, ...] = ()
    default_from: str = ""  # a register fact that, when recorded, replaces the default
    required: bool = True
    minimum: int = 0
    maximum: int = 0

    def option_label(self, value: str) -> str:
        return next((o.label for o in self.options if o.value == value), value)

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(o.value for o in self.options)


@dataclass(frozen=True)
class Heading:
    number: int  # the Annex A section, 1 to 12
    key: str
    title: str  # the Annex A heading in our words (as ``governance.ANNEX_A_HEADINGS``)
    policy_title: str  # the section's title in the drafted policy
    reference: str  # e.g. "Annex A, section 4: IP ownership" (see ``guidance_refs``)
    help: str
    facts: tuple[str, ...]  # the register facts this heading draws on (shown in the builder)
    choices: tuple[Choice, ...]

    def choice(self, choice_id: str) -> Choice:
        for choice in self.choices:
            if choice.id == choice_id:
                return choice
        raise KeyError(choice_id)


@dataclass(frozen=True)
class Framework:
    id: str
    version: int
    title: str
    headings: tuple[Heading, ...]
    source: str = field(default="", compare=False)

    def heading(self, key: str) -> Heading:
        for heading in self.headings:
            if heading.key == key:
                return heading
        raise KeyError(key)


def _need(raw: Mapping[str, Any], key: str, kind: type, source: str, where: str) -> Any:
    value = raw.get(key)
    if isinstance(value, bool) and kind is not bool:
        value = None
    if not isinstance(value, kind) or (isinstance(value, str) and not value.strip()):
        name = {int: "a whole number", str: "some text", list: "a list", bool: "true or false"}
        raise FrameworkError(source, f"{where}.{key}" if where else key, f"must be {name[kind]}")
    return value


def _options(raw: Mapping[str, Any], source: str, where: str) -> tuple[Option, ...]:
    out: list[Option] = []
    for index, item in enumerate(_need(raw, "options", list, source, where)):
        at = f"{where}.options[{index}]"
        if not isinstance(item, Mapping):
            raise FrameworkError(source, at, "must be an object")
        out.append(
            Option(_need(item, "value", str, source, at), _need(item, "label", str, source, at))
        )
    if not out:
        raise FrameworkError(source, f"{where}.options", "must list at least one option")
    if len({o.value for o in out}) != len(out):
        raise FrameworkError(source, f"{where}.options", "an option is listed twice")
    return tuple(out)


def _choice(raw: Any, source: str, where: str) -> Choice:
    if not isinstance(raw, Mapping):
        raise FrameworkError(source, where, "must be an object")
    kind = _need(raw, "kind", str, source, where)
    if kind not in CHOICE_KINDS:
        raise FrameworkError(source, f"{where}.kind", f"{kind!r} is not a kind of choice")
    options = _options(raw, source, where) if kind in ("choice", "options") else ()
    values = {o.value for o in options}
    default = raw.get("default")
    minimum = maximum = 0
    if kind == "bool" and not isinstance(default, bool):
        raise FrameworkError(source, f"{where}.default", "must be true or false")
    if kind == "text" and not isinstance(default, str):
        raise FrameworkError(source, f"{where}.default", "must be text")
    if kind == "number":
        minimum = _need(raw, "min", int, source, where)
        maximum = _need(raw, "max", int, source, where)
        if isinstance(default, bool) or not isinstance(default, int):
            raise FrameworkError(source, f"{where}.default", "must be a whole number")
        if not minimum <= default <= maximum:
            raise FrameworkError(source, f"{where}.default", "must be between min and max")
    if kind == "choice" and default not in values:
        raise FrameworkError(source, f"{where}.default", "must be one of the options")
    if kind == "options" and (
        not isinstance(default, list) or any(v not in values for v in default)
    ):
        raise FrameworkError(source, f"{where}.default", "must be a list of the options")
    default_from = raw.get("default_from", "")
    if default_from and default_from not in DEFAULT_FROM:
        raise FrameworkError(source, f"{where}.default_from", f"{default_from!r} is not known")
    return Choice(
        id=_need(raw, "id", str, source, where),
        kind=kind,
        label=_need(raw, "label", str, source, where),
        help=str(raw.get("help", "")),
        default=tuple(default) if isinstance(default, list) else default,
        options=options,
        default_from=default_from,
        required=bool(raw.get("required", kind == "text" and bool(default))),
        minimum=minimum,
        maximum=maximum,
    )


def parse_framework(raw: Any, source: str = "(unnamed)") -> Framework:
    """A framework from its JSON form; raises :class:`FrameworkError` naming the field."""
    if not isinstance(raw, Mapping):
        raise FrameworkError(source, "top level", "must be a JSON object")
    if raw.get("format") != FORMAT:
        raise FrameworkError(source, "format", f"must be {FORMAT!r}")
    version = _need(raw, "version", int, source, "")
    headings: list[Heading] = []
    for index, item in enumerate(_need(raw, "headings", list, source, "")):
        where = f"headings[{index}]"
        if not isinstance(item, Mapping):
            raise FrameworkError(source, where, "must be an object")
        facts = tuple(_need(item, "facts", list, source, where))
        unknown = [f for f in facts if f not in FACT_KEYS]
        if unknown:
            raise FrameworkError(source, f"{where}.facts", f"{unknown[0]!r} is not a fact")
        choices = tuple(
            _choice(c, source, f"{where}.choices[{n}]")
            for n, c in enumerate(_need(item, "choices", list, source, where))
        )
        if len({c.id for c in choices}) != len(choices):
            raise FrameworkError(source, f"{where}.choices", "a choice id is used twice")
        if any(c.id == "include" for c in choices):
            raise FrameworkError(source, f"{where}.choices", "'include' is reserved")
        headings.append(
            Heading(
                number=_need(item, "number", int, source, where),
                key=_need(item, "key", str, source, where),
                title=_need(item, "title", str, source, where),
                policy_title=_need(item, "policy_title", str, source, where),
                reference=_need(item, "reference", str, source, where),
                help=str(item.get("help", "")),
                facts=facts,
                choices=choices,
            )
        )
    numbers = [h.number for h in headings]
    if numbers != sorted(ANNEX_A_HEADINGS):
        raise FrameworkError(source, "headings", "must be Annex A's headings 1 to 12, in order")
    if len({h.key for h in headings}) != len(headings):
        raise FrameworkError(source, "headings", "a heading key is used twice")
    return Framework(
        id=_need(raw, "id", str, source, ""),
        version=version,
        title=_need(raw, "title", str, source, ""),
        headings=tuple(headings),
        source=source,
    )


@functools.cache
def _shipped() -> Framework:
    path = resource_path(*FRAMEWORK_FILE)
    return parse_framework(json.loads(path.read_text(encoding="utf-8")), path.name)


def load_framework(path: Path | None = None) -> Framework:
    """The framework shipped in ``resources/policy/`` (or the one at ``path``)."""
    if path is None:
        return _shipped()
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise FrameworkError(Path(path).name, "top level", f"not JSON ({exc})") from None
    return parse_framework(raw, Path(path).name)


# -- the facts (from the register) ------------------------------------------------------------
def _percent(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return text


@dataclass(frozen=True)
class BandFact:
    """A revenue-sharing band in words: its range and each party's percentage (as text)."""

    label: str  # "Up to £50,000.00", "£50,000.00 to £500,000.00", "Over £500,000.00"
    innovators: str
    department: str
    organisation: str
    ttc: str

    def percentage(self, party: str) -> str:
        value: str = getattr(self, party)
        return value

    def words(self) -> str:
        """ "up to £50,000.00: innovators 50%, department 20%, trust 30%"."""
        names = {"innovators": "innovators", "department": "department", "organisation": "trust"}
        names["ttc"] = "TTC"
        parts = [
            f"{names[p]} {self.percentage(p)}%"
            for p in PARTIES
            if p != "ttc" or Decimal(self.ttc) != 0
        ]
        return f"{self.label[:1].lower()}{self.label[1:]}: " + ", ".join(parts)


@dataclass(frozen=True)
class PolicyFacts:
    """What the register says that the policy repeats. A draft keeps a snapshot of these."""

    organisation: str = ""
    sro_name: str = ""
    sro_role: str = ""
    decision_maker: str = ""
    stage_gates: tuple[str, ...] = ()
    pathway_where: str = ""  # where the innovation pathway is published ("" if not)
    ttc_model: str = ""  # a TtcModel value, "" when no arrangement (or no model) is recorded
    ttc_provider: str = ""
    ttc_agreement: str = ""  # the TTC services agreement in force (AG-...), "" when none
    feedback_target_days: int = 30
    revenue_policy: str = ""  # "example version 1"
    revenue_bands: tuple[BandFact, ...] = ()
    deductible: str = ""

    @property
    def sro(self) -> str:
        if not self.sro_name:
            return ""
        return f"{self.sro_name}, {self.sro_role}" if self.sro_role else self.sro_name

    @property
    def ttc_label(self) -> str:
        if not self.ttc_model:
            return "Technology transfer services agreement" if self.ttc_agreement else ""
        return TtcModel(self.ttc_model).label

    @property
    def has_ttc(self) -> bool:
        """A TTC arrangement is in place (``governance.TtcInPlace.in_place``)."""
        return bool(self.ttc_agreement) or (
            bool(self.ttc_model) and self.ttc_model != TtcModel.NONE.value
        )

    @property
    def ttc_short(self) -> str:
        """ "a regional TTC", or "a TTC services provider" when only the agreement is known."""
        return TtcModel(self.ttc_model).short if self.ttc_model else "a TTC services provider"

    def to_json(self) -> dict[str, Any]:
        return {
            "organisation": self.organisation,
            "sro_name": self.sro_name,
            "sro_role": self.sro_role,
            "decision_maker": self.decision_maker,
            "stage_gates": list(self.stage_gates),
            "pathway_where": self.pathway_where,
            "ttc_model": self.ttc_model,
            "ttc_provider": self.ttc_provider,
            **({"ttc_agreement": self.ttc_agreement} if self.ttc_agreement else {}),
            "feedback_target_days": self.feedback_target_days,
            "revenue_policy": self.revenue_policy,
            "revenue_bands": [
                {"label": b.label, **{p: b.percentage(p) for p in PARTIES}}
                for b in self.revenue_bands
            ],
            "deductible": self.deductible,
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> PolicyFacts:
        """The inverse of :meth:`to_json`; raises ``ValueError`` naming a malformed field."""

        def text(key: str) -> str:
            value = raw.get(key, "")
            if not isinstance(value, str):
                raise ValueError(f"{key}: must be text")
            return value

        gates = raw.get("stage_gates", [])
        if not isinstance(gates, list) or not all(isinstance(g, str) for g in gates):
            raise ValueError("stage_gates: must be a list of text")
        days = raw.get("feedback_target_days", 30)
        if isinstance(days, bool) or not isinstance(days, int):
            raise ValueError("feedback_target_days: must be a whole number")
        bands: list[BandFact] = []
        for index, band in enumerate(raw.get("revenue_bands", [])):
            if not isinstance(band, Mapping) or not all(
                isinstance(band.get(k), str) for k in ("label", *PARTIES)
            ):
                raise ValueError(f"revenue_bands[{index}]: must be a band")
            bands.append(BandFact(band["label"], *(band[p] for p in PARTIES)))
        model = text("ttc_model")
        if model and model not in {m.value for m in TtcModel}:
            raise ValueError(f"ttc_model: {model!r} is not a TTC model")
        return cls(
            organisation=text("organisation"),
            sro_name=text("sro_name"),
            sro_role=text("sro_role"),
            decision_maker=text("decision_maker"),
            stage_gates=tuple(gates),
            pathway_where=text("pathway_where"),
            ttc_model=model,
            ttc_provider=text("ttc_provider"),
            ttc_agreement=text("ttc_agreement"),
            feedback_target_days=days,
            revenue_policy=text("revenue_policy"),
            revenue_bands=tuple(bands),
            deductible=text("deductible"),
        )


def gather_facts(
    record: GovernanceRecord,
    settings: Mapping[str, Any],
    revenue: RevenuePolicy,
    ttc: TtcInPlace | None = None,
) -> PolicyFacts:
    """The facts a policy repeats, from the governance record, the organisation settings,
    the revenue-sharing policy in force and the TTC arrangement in place (from the
    agreements register, ``store.facts``; without it, from the record alone)."""
    sro, dm = record.sro, record.decision_making
    if ttc is None:
        ttc = ttc_in_place(record, (), dt.date.today())
    bands = tuple(
        BandFact(revenue.band_label(i), *(_percent(band.percentage(p)) for p in PARTIES))
        for i, band in enumerate(revenue.bands)
    )
    return PolicyFacts(
        organisation=str(settings.get("organisation", "")).strip(),
        sro_name=sro.name.strip() if sro else "",
        sro_role=sro.role.strip() if sro else "",
        decision_maker=dm.ultimate_decision_maker.strip() if dm else "",
        stage_gates=tuple(g.strip() for g in dm.stage_gates if g.strip()) if dm else (),
        pathway_where=dm.pathway_where.strip() if dm and dm.pathway_published else "",
        ttc_model=ttc.model.value if ttc.model is not None else "",
        ttc_provider=ttc.provider,
        ttc_agreement=ttc.agreement.reference if ttc.agreement is not None else "",
        feedback_target_days=int(settings.get("feedback_target_days", 30)),
        revenue_policy=f"{revenue.id} version {revenue.version}",
        revenue_bands=bands,
        deductible=revenue.deductible.strip(),
    )


def choice_hints(record: GovernanceRecord) -> dict[str, str]:
    """Values from the governance record that pre-fill choices but are not facts the policy
    must keep in step with (``published_at``, ``approved_by``)."""
    policy = record.policy
    return {
        "published_at": policy.published_at.strip() if policy else "",
        "approved_by": policy.approved_by.strip() if policy else "",
    }


def fact_lines(facts: PolicyFacts, keys: Sequence[str]) -> list[tuple[str, str]]:
    """(label, value in words) for the facts ``keys``, as the builder shows them."""
    rows: list[tuple[str, str]] = []
    missing = "Not recorded in the register yet"
    for key in keys:
        if key == "organisation":
            rows.append(("Organisation", facts.organisation or missing))
        elif key == "sro":
            rows.append(("Senior responsible officer", facts.sro or missing))
        elif key == "decision_maker":
            rows.append(("Ultimate decision maker", facts.decision_maker or missing))
        elif key == "stage_gates":
            rows.append(("Stage gates", "; ".join(facts.stage_gates) or missing))
        elif key == "pathway":
            rows.append(("Innovation pathway published at", facts.pathway_where or "Not published"))
        elif key == "ttc":
            ttc = facts.ttc_label
            if ttc and facts.ttc_provider:
                ttc += f": {facts.ttc_provider}"
            rows.append(("TTC arrangement", ttc or missing))
        elif key == "feedback":
            rows.append(("Feedback target", f"{facts.feedback_target_days} days"))
        elif key == "revenue":
            rows.append(("Revenue-sharing policy", facts.revenue_policy or missing))
            for band in facts.revenue_bands:
                rows.append(("Band", band.words()))
    return rows


def _bands_words(bands: Sequence[BandFact]) -> str:
    return "; ".join(b.words() for b in bands) or "no bands"


def fact_differences(drafted: PolicyFacts, now: PolicyFacts) -> list[str]:
    """What the register says now that the drafted policy does not, one sentence each
    ("Revenue-sharing bands: the policy says ...; the register now says ...")."""

    def quoted(value: str) -> str:
        return f"“{value}”" if value else "nothing recorded"

    out: list[str] = []

    def simple(label: str, before: str, after: str) -> None:
        if before != after:
            out.append(
                f"{label}: the policy says {quoted(before)}; the register now says {quoted(after)}."
            )

    simple("Organisation", drafted.organisation, now.organisation)
    simple("Senior responsible officer", drafted.sro, now.sro)
    simple("Ultimate decision maker", drafted.decision_maker, now.decision_maker)
    if drafted.stage_gates != now.stage_gates:
        out.append(
            "Stage gates: the policy lists "
            + quoted("; ".join(drafted.stage_gates))
            + "; the register now lists "
            + quoted("; ".join(now.stage_gates))
            + "."
        )
    simple("Innovation pathway published at", drafted.pathway_where, now.pathway_where)

    def ttc(facts: PolicyFacts) -> str:
        label = facts.ttc_label
        return f"{label}: {facts.ttc_provider}" if label and facts.ttc_provider else label

    simple("TTC arrangement", ttc(drafted), ttc(now))
    if drafted.feedback_target_days != now.feedback_target_days:
        out.append(
            f"Feedback target: the policy says {drafted.feedback_target_days} days; the register "
            f"now says {now.feedback_target_days} days."
        )
    if drafted.revenue_bands != now.revenue_bands:
        if len(drafted.revenue_bands) == len(now.revenue_bands):
            pairs = [
                (a, b)
                for a, b in zip(drafted.revenue_bands, now.revenue_bands, strict=True)
                if a != b
            ]
            before = _bands_words([a for a, _b in pairs])
            after = _bands_words([b for _a, b in pairs])
        else:
            before, after = _bands_words(drafted.revenue_bands), _bands_words(now.revenue_bands)
        out.append(
            f"Revenue-sharing bands: the policy says {before}; the register now says {after}."
        )
    if drafted.deductible != now.deductible:
        out.append(
            "Costs deducted before income is shared: the register's wording has changed since "
            "the policy was drafted."
        )
    return out


# -- choices ------------------------------------------------------------------------------
def _derived(source: str, facts: PolicyFacts, hints: Mapping[str, str]) -> str:
    if source == "ttc_provider":
        return facts.ttc_provider if facts.has_ttc else ""
    if source == "sro_role":
        return facts.sro_role
    return str(hints.get(source, "")).strip()


def _default(choice: Choice, facts: PolicyFacts, hints: Mapping[str, str]) -> Any:
    if choice.default_from:
        derived = _derived(choice.default_from, facts, hints)
        if derived:
            return derived
    return list(choice.default) if choice.kind == "options" else choice.default


def default_choices(
    framework: Framework, facts: PolicyFacts, hints: Mapping[str, str] | None = None
) -> Choices:
    """Every heading included, every choice at its default (pre-filled from the register)."""
    hints = hints or {}
    return {
        h.key: {"include": True, **{c.id: _default(c, facts, hints) for c in h.choices}}
        for h in framework.headings
    }


def merge_choices(framework: Framework, base: Choices, stored: Mapping[str, Any]) -> Choices:
    """``base`` with the values of ``stored`` (say, a recorded draft's) that still fit the
    framework; choices the framework no longer has are dropped."""
    out = {key: dict(values) for key, values in base.items()}
    for heading in framework.headings:
        values = stored.get(heading.key)
        if not isinstance(values, Mapping):
            continue
        if isinstance(values.get("include"), bool):
            out[heading.key]["include"] = values["include"]
        for choice in heading.choices:
            if choice.id in values and not _choice_problem(choice, values[choice.id]):
                value = values[choice.id]
                out[heading.key][choice.id] = list(value) if choice.kind == "options" else value
    return out


def carry_forward(
    framework: Framework,
    stored: Mapping[str, Any],
    drafted: PolicyFacts,
    now: PolicyFacts,
    hints: Mapping[str, str] | None = None,
) -> Choices:
    """A recorded draft's choices brought up to date: a choice pre-filled from a register fact
    and left as it was follows the fact when it has changed since; one typed over is kept."""
    hints = hints or {}
    choices = merge_choices(framework, default_choices(framework, now, hints), stored)
    for heading in framework.headings:
        for choice in heading.choices:
            if choice.default_from not in ("ttc_provider", "sro_role"):
                continue
            old = _default(choice, drafted, hints)
            if choices[heading.key].get(choice.id) == old:
                choices[heading.key][choice.id] = _default(choice, now, hints)
    return choices


def _choice_problem(choice: Choice, value: Any) -> str:
    if choice.kind == "bool":
        return "" if isinstance(value, bool) else "Must be yes or no."
    if choice.kind == "text":
        if not isinstance(value, str):
            return "Must be text."
        if choice.required and not value.strip():
            return f"Enter {choice.label[:1].lower()}{choice.label[1:]}."
        if len(value.strip()) > TEXT_MAX:
            return f"Keep this under {TEXT_MAX} characters."
        return ""
    if choice.kind == "number":
        if isinstance(value, bool) or not isinstance(value, int):
            return "Enter a whole number."
        if not choice.minimum <= value <= choice.maximum:
            return f"Enter a whole number from {choice.minimum} to {choice.maximum}."
        return ""
    if choice.kind == "choice":
        return "" if value in choice.values else "Choose one of the options."
    if not isinstance(value, list | tuple) or any(v not in choice.values for v in value):
        return "Choose from the options."
    if len(set(value)) != len(value):
        return "An option is chosen twice."
    return ""


def validate_choices(framework: Framework, choices: Mapping[str, Any]) -> Problems:
    """``(heading.choice, message)`` for each choice that cannot be drafted from."""
    problems: Problems = []
    for heading in framework.headings:
        values = choices.get(heading.key)
        if not isinstance(values, Mapping):
            problems.append((heading.key, f"Section {heading.number}: the choices are missing."))
            continue
        if not isinstance(values.get("include", True), bool):
            problems.append((f"{heading.key}.include", "Must be yes or no."))
        for choice in heading.choices:
            if choice.id not in values:
                problems.append((f"{heading.key}.{choice.id}", "This choice is missing."))
                continue
            message = _choice_problem(choice, values[choice.id])
            if message:
                problems.append((f"{heading.key}.{choice.id}", message))
    if not included_headings(framework, choices):
        problems.append(("", "Include at least one heading in the policy."))
    return problems


def included_headings(framework: Framework, choices: Mapping[str, Any]) -> list[Heading]:
    return [
        h
        for h in framework.headings
        if isinstance(choices.get(h.key), Mapping) and choices[h.key].get("include", True)
    ]


# -- version and dates ------------------------------------------------------------------------
def next_version(current: str) -> str:
    """The version after ``current``: "2.1" -> "2.2", "v3" -> "v4"; "1.0" when none."""
    current = current.strip()
    match = re.search(r"(\d+)(\D*)$", current)
    if not match:
        return "1.0"
    number = int(match.group(1)) + 1
    return current[: match.start(1)] + str(number) + match.group(2)


@dataclass(frozen=True)
class PolicyMeta:
    """The draft's version and dates. ``approved_on`` is empty until the policy is approved;
    the review is due a year after approval (or after drafting) unless chosen otherwise."""

    version: str
    approved_by: str
    drafted_on: dt.date
    approved_on: dt.date | None = None
    review_on: dt.date | None = None

    @property
    def review_due(self) -> dt.date:
        return self.review_on or add_months(self.approved_on or self.drafted_on, 12)

    def validate(self, today: dt.date) -> Problems:
        problems: Problems = []
        if not self.version.strip():
            problems.append(("version", "Enter the policy's version, such as 2.0."))
        elif len(self.version.strip()) > VERSION_MAX:
            problems.append(("version", f"Keep the version under {VERSION_MAX} characters."))
        if not self.approved_by.strip():
            problems.append(("approved_by", "Say who approves the policy, such as Trust Board."))
        elif len(self.approved_by.strip()) > TEXT_MAX:
            problems.append(("approved_by", f"Keep this under {TEXT_MAX} characters."))
        if self.approved_on is not None and self.approved_on > today:
            problems.append(
                (
                    "approved_on",
                    f"The approval date ({_uk(self.approved_on)}) cannot be in the future: "
                    "leave it empty until the policy is approved.",
                )
            )
        start = self.approved_on or self.drafted_on
        if self.review_on is not None and self.review_on <= start:
            problems.append(("review_on", f"The review date must be after {_uk(start)}."))
        elif self.review_on is not None and self.review_on > add_months(start, 12):
            problems.append(
                (
                    "review_on",
                    "The policy is reviewed every year: choose a review date no more than 12 "
                    f"months after {_uk(start)}.",
                )
            )
        return problems


def default_meta(record: GovernanceRecord, today: dt.date) -> PolicyMeta:
    """The version after the governance record's ("1.0" when none), approval by the same body
    (else the Trust Board), not yet approved, the review due a year on."""
    policy = record.policy
    return PolicyMeta(
        version=next_version(policy.version) if policy else "1.0",
        approved_by=(policy.approved_by.strip() if policy else "") or "Trust Board",
        drafted_on=today,
        approved_on=None,
        review_on=add_months(today, 12),
    )


# -- a recorded draft -------------------------------------------------------------------------
@dataclass(frozen=True)
class PolicyDraft:
    """A generated version as the register keeps it (table ``policy_drafts``)."""

    id: int
    version: str
    generated_at: dt.datetime
    approved_on: dt.date | None
    review_on: dt.date | None
    choices: dict[str, Any]
    facts: PolicyFacts
    actor: str


# -- the document ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Block:
    """A numbered clause (``para``, with optional bullets under it) or a table."""

    kind: Literal["para", "table"]
    text: str = ""
    bullets: tuple[str, ...] = ()
    header: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    number: str = ""  # "4.2" for a clause


@dataclass(frozen=True)
class Section:
    number: int  # the section's number in this policy
    annex_number: int  # the Annex A heading it covers
    title: str
    reference: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class PolicyDocument:
    title: str
    organisation: str
    meta: PolicyMeta
    framework_version: int
    details: tuple[tuple[str, str], ...]  # version, status, dates (document control)
    introduction: str
    sections: tuple[Section, ...]
    coverage: tuple[tuple[str, str], ...]  # (Annex A heading, where it is covered)

    @property
    def covered(self) -> list[int]:
        return [s.annex_number for s in self.sections]

    def plain_text(self) -> str:
        """Every word of the document, for checks and previews."""
        lines = [self.title, "Draft for approval"]
        lines += [f"{label}: {value}" for label, value in self.details]
        lines.append(self.introduction)
        for section in self.sections:
            lines.append(f"{section.number}. {section.title}")
            lines += section_lines(section)
        lines.append("Annex A headings covered")
        lines += [f"{heading}: {where}" for heading, where in self.coverage]
        return "\n".join(lines)


def section_lines(section: Section) -> list[str]:
    lines: list[str] = []
    for block in section.blocks:
        if block.kind == "para":
            lines.append(f"{block.number} {block.text}")
            lines += [f"  - {b}" for b in block.bullets]
        else:
            lines.append(" | ".join(block.header))
            lines += [" | ".join(row) for row in block.rows]
    return lines


class _Writer:
    """Collects one section's clauses, numbering them 4.1, 4.2..."""

    def __init__(self, number: int) -> None:
        self.number = number
        self.blocks: list[Block] = []
        self._clause = 0

    def para(self, text: str, bullets: Sequence[str] = ()) -> None:
        self._clause += 1
        self.blocks.append(
            Block("para", text=text, bullets=tuple(bullets), number=f"{self.number}.{self._clause}")
        )

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        self.blocks.append(Block("table", header=tuple(header), rows=tuple(tuple(r) for r in rows)))


def _lower_first(text: str) -> str:
    """ "The innovation lead" -> "the innovation lead" (not "NHS..." or "Dr ...")."""
    if (
        len(text) > 1
        and text[0].isupper()
        and text[1].islower()
        and text.split()[0]
        in (
            "The",
            "A",
            "An",
            "Our",
        )
    ):
        return text[0].lower() + text[1:]
    return text


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


# Words that show a name is a body (board, committee) rather than a person: "which agrees".
_BODY_WORDS = frozenset(
    {"board", "committee", "group", "panel", "team", "council", "forum", "office"}
)


_OFFICE_WORDS = _BODY_WORDS | {
    "director",
    "officer",
    "executive",
    "lead",
    "manager",
    "chair",
    "head",
    "secretary",
    "sro",
}


def _office(text: str) -> str:
    """A role or body as it reads inside a sentence: "Medical Director" -> "the Medical
    Director", "Trust board" -> "the Trust board"; "The Trust Board" -> "the Trust Board";
    a person ("Dr Priya Shah, Medical Director") or a name with its own article is kept."""
    text = text.strip()
    if not text:
        return text
    first = text.split()[0]
    if first.rstrip(".").lower() in TITLES or "," in text:
        return text  # a person, named
    if first.lower() in ("the", "a", "an", "our", "its", "their"):
        return _lower_first(text)
    words = {w.lower().strip(".,()") for w in text.split()}
    if words & _OFFICE_WORDS:
        return f"the {text}"  # an office or body; a bare name ("Priya Shah") is kept
    return text


def _who(text: str) -> str:
    """ "which" after a body ("the Trust board, which agrees"), "who" after a person."""
    words = text.strip().rstrip(".").split()
    return "which" if words and words[-1].lower() in _BODY_WORDS else "who"


def _todo(what: str) -> str:
    return TO_COMPLETE.format(what)


_SCOPE_WORDS = {
    "employees": "employees, whether their work is clinical, non-clinical or in research",
    "contractors": "contractors and suppliers",
    "consultants": "non-clinical consultants",
    "students": "undergraduate students, trainees and apprentices on placement",
    "postgraduates": "postgraduate research students",
    "secondees": "people seconded to the trust or holding honorary contracts",
    "collaborators": "collaborators, such as universities, companies and research partners",
}
_AIM_WORDS = {
    "patients": "put benefit to patients and the public first",
    "find": "spot new ideas early and protect them where that is worthwhile",
    "share": "share any income fairly with the people who made the innovation",
    "respect": "make sure the trust uses other people's IP only with their permission",
    "law": "keep the trust within the law and the national guidance on NHS IP",
}
_CRITERIA_WORDS = {
    "benefit": "how much it would help patients and the public",
    "market": "whether there is evidence that people would buy or use it",
    "success": "how likely it is to succeed",
    "return": "the income it could bring",
    "cost": "what it would cost to protect and develop",
}
_ROUTE_WORDS = {
    "licence": "a licence, which lets another organisation use the IP while the trust keeps it",
    "assignment": "an assignment, which hands ownership to another organisation, usually in "
    "return for a share of later income",
    "spinout": "a spinout company, set up to develop the idea",
    "direct": "the trust supplying the product itself, for example an app",
}
_MEASURE_WORDS = {
    "disclosures": "how many ideas were disclosed, and how quickly innovators heard back",
    "training": "how many staff received IP training",
    "agreements": "agreements signed and income received",
    "disputes": "disagreements raised, and how they were settled",
}
_FREQUENCY_WORDS = {
    "yearly": "once a year",
    "six_monthly": "every six months",
    "quarterly": "every quarter",
}
_IP_TABLE = (
    ("A new device, test or method", "Patent", "A surgical instrument made safer to use"),
    (
        "Software, documents, images and teaching material",
        "Copyright",
        "A patient app, a leaflet or an e-learning course",
    ),
    ("The look or shape of a product", "Design right", "The shape of a new splint"),
    ("Names and logos", "Trade mark", "The name under which a new service is offered"),
    (
        "Know-how",
        "Confidential information",
        "A tested way of setting up equipment that has not been published",
    ),
)


def _what_is_ip(w: _Writer, c: Mapping[str, Any], facts: PolicyFacts, all_c: Choices) -> None:
    w.para(
        "Intellectual property (IP) is the name for creations of the mind that the law lets "
        "their owner control: inventions, written and recorded work, designs, names and logos, "
        "and confidential know-how. IP rights are the legal tools that protect them."
    )
    w.para(
        "Some rights need no paperwork: copyright and unregistered design right exist as soon "
        "as the work is made. Others exist only once an application has been granted, such as "
        "a patent, a registered design or a registered trade mark from the UK Intellectual "
        "Property Office (or a similar office abroad)."
    )
    if c["software_and_data"]:
        w.para(
            "Software, algorithms, organised clinical data sets, training material and new care "
            "pathways can all be IP, as can the design of a new device or a better way of "
            "working."
        )
    if c["rights_table"]:
        w.para("The table shows the rights met most often in the trust.")
        w.table(("What is created", "Main right", "Example in the trust"), _IP_TABLE)


def _purpose(w: _Writer, c: Mapping[str, Any], facts: PolicyFacts, all_c: Choices) -> None:
    organisation = facts.organisation or _todo("the trust's name")
    w.para(
        f"This policy sets out how {organisation} (“the trust”) finds, looks after and makes "
        "use of the IP that its staff and partners create, so that good ideas reach patients, "
        "and how any rewards are shared."
    )
    aims = [_AIM_WORDS[a] for a in _AIM_WORDS if a in c["aims"]]
    if aims:
        w.para("In particular, the policy is there to:", aims)


def _scope(w: _Writer, c: Mapping[str, Any], facts: PolicyFacts, all_c: Choices) -> None:
    groups = [_SCOPE_WORDS[g] for g in _SCOPE_WORDS if g in c["groups"]]
    if groups:
        w.para(
            "This policy applies to the following people when they create IP in connection "
            "with their work for the trust:",
            groups,
        )
    else:
        w.para(_todo("choose the groups of people this policy applies to."))
    if "postgraduates" not in c["groups"]:
        w.para(
            "Postgraduate research students are outside this policy: the agreement with their "
            "university or funder decides who owns what they create."
        )
    w.para(
        "Where a contract signed by the trust says something different about IP, the contract "
        "applies to the work it covers."
    )
    if c["may_change"]:
        w.para(
            "The trust may update this policy at any time. Changes are approved in the same "
            "way as the policy itself, and the version published is always the current one."
        )


def _disputes_pointer(all_c: Choices, numbers: Mapping[str, int]) -> str:
    if "disputes" in numbers:
        return f"section {numbers['disputes']}"
    return "the trust's usual procedures"


def _ownership(w: _Writer, c: Mapping[str, Any], facts: PolicyFacts, all_c: Choices) -> None:
    groups = all_c["scope"]["groups"] if all_c.get("scope", {}).get("include", True) else []
    w.para(
        "Employees. Under UK law (the Patents Act 1977; the Copyright, Designs and Patents Act "
        "1988), IP an employee creates while doing their normal duties, or duties they have "
        "been given, belongs to the trust. What an employee creates in their own time, "
        "without trust resources and outside their duties, normally stays theirs; if in doubt, "
        "ask the first point of contact before sharing it."
    )
    if "students" in groups:
        w.para(
            "Undergraduate students and trainees. A student the trust does not employ keeps "
            "the IP they create. Apprentices are usually employees, but their academic work "
            "may belong to them under their college's or university's rules."
        )
    if "postgraduates" in groups:
        words = {
            "employment": "If the trust employs the student, their IP is treated like any "
            "employee's. If they are self-funded or paid by someone else, who owns it is "
            "agreed in writing, case by case, looking at the work and at who pays for it.",
            "case_by_case": "Who owns the IP a postgraduate student creates is always agreed "
            "in writing before the work starts, whoever employs or funds them.",
            "student": "A postgraduate student owns the IP they create unless a written "
            "agreement with the trust says otherwise.",
        }
        w.para(f"Postgraduate research students. {words[c['postgraduates']]}")
    if "secondees" in groups:
        w.para(
            "Secondees and honorary contract holders. The trust does not own what they create "
            "just because they work here. The agreement with their employer or university "
            "should say who owns any IP, and the trust asks for this to be settled before "
            "they start."
        )
    w.para(
        "Funded research. Where an outside funder pays for work, its funding agreement may "
        "require the resulting IP to be transferred to the funder, and those terms apply."
    )
    joint = {
        "agree_first": "Before joint work with a university, company or other partner starts, "
        "the partners agree in writing which of them will own the results and look after "
        "protecting them. A partner that does not own the results may receive a share of "
        "any income instead.",
        "best_placed": "The results of joint work are owned by the partner best placed to "
        "develop them, as the collaboration agreement sets out; the others receive a share "
        "of any income.",
    }
    w.para(
        f"Joint work. {joint[c['collaborations']]} Shared ownership is avoided unless legal "
        "advice supports it."
    )
    contractor = {
        "assign": "A contractor owns what it creates unless its contract says otherwise. When "
        "the trust pays for something new to be developed, its contracts normally transfer "
        "the new IP to the trust. The contractor keeps what it owned before or made "
        "separately, and licenses the trust to use any of that the trust needs.",
        "licence": "A contractor owns what it creates, including work the trust pays for, "
        "unless its contract says otherwise. Trust contracts give the trust a licence wide "
        "enough for everything it needs to do with the work.",
    }
    w.para(f"Contractors and suppliers. {contractor[c['contractors']]}")


def _duties(w: _Writer, c: Mapping[str, Any], facts: PolicyFacts, all_c: Choices) -> None:
    if facts.sro:
        w.para(
            f"{facts.sro}, is the senior responsible officer (SRO) for IP, accountable to the "
            "board for how the trust manages IP, including the money involved."
        )
    else:
        w.para(
            "The senior responsible officer (SRO) for IP is accountable to the board for how "
            "the trust manages IP, including the money involved. "
            + _todo("no SRO is recorded in the register yet.")
        )
    decider = facts.decision_maker or "The ultimate decision maker " + _todo(
        "record who this is in the register."
    )
    w.para(
        f"{_upper_first(decider)} makes the final decision on whether the trust protects, "
        "licenses, assigns or otherwise develops an idea, and decides promptly so that the "
        "work and any contract talks are not held up."
    )
    w.para(
        f"{_upper_first(c['policy_owner'].strip())} keeps this policy up to date, helps staff to "
        "follow it, and makes sure there are ways of checking that it is followed."
    )
    w.para(f"{_upper_first(c['adviser'].strip())} advises the trust and its staff on IP questions.")
    if facts.has_ttc:
        w.para(
            f"The trust's technology transfer support comes from {facts.ttc_provider} "
            f"({facts.ttc_short}), under a written agreement. It helps to "
            "assess, protect and market ideas; only the trust can commit itself to a contract."
        )
    if c["managers"]:
        w.para(
            "Managers make sure their staff know about this policy and have the chance to "
            "attend IP training."
        )
    w.para(
        "Everyone this policy applies to reads it, follows it, and tells the first point of "
        "contact about new IP they create."
    )


def _contact(all_c: Choices) -> str:
    procedures = all_c.get("procedures", {})
    contact = str(procedures.get("first_contact", "")).strip() or "The innovation lead"
    email = str(procedures.get("contact_email", "")).strip()
    return f"{contact} ({email})" if email else contact


def _procedures(w: _Writer, c: Mapping[str, Any], facts: PolicyFacts, all_c: Choices) -> None:
    w.para(f"{_upper_first(_contact(all_c))} is the first point of contact for advice on IP.")
    w.para(
        "Tell the first point of contact about a new idea as early as possible, using the "
        "trust's disclosure form, and always before describing it to anyone outside the "
        "trust: in a paper, a poster, a talk, a grant application or a conversation with a "
        "company."
    )
    w.para(
        f"The trust aims to give innovators its first view of a disclosed idea within "
        f"{facts.feedback_target_days} days."
    )
    if c["records"]:
        w.para(
            "Keep dated notes of how the idea was developed, who contributed and what sources "
            "were used. They may later be needed to show who made what, and when."
        )
    w.para(
        "Do not sell, license, give away or otherwise commercialise IP belonging to the trust, "
        "or promise to, without the trust's written agreement and without following its "
        "process."
    )
    if c["agreements"]:
        w.para(
            "Confidentiality agreements, data sharing agreements and material transfer "
            "agreements are signed on behalf of the trust, never by individuals. Follow their "
            "terms, and ask the first point of contact when unsure what they allow."
        )


def _protection(w: _Writer, c: Mapping[str, Any], facts: PolicyFacts, all_c: Choices) -> None:
    w.para(
        "Formal protection, such as a patent, is sought only where it is worth its cost. Much "
        "IP is valuable without being registered, and protecting some ideas would cost more "
        "than they could earn."
    )
    if c["no_commercial_route"]:
        w.para(
            "Many good ideas improve care or save the NHS money without ever earning income, "
            "and the trust values them just as much. Others can earn income through licences, "
            "spinout companies or other arrangements."
        )
    criteria = [_CRITERIA_WORDS[k] for k in _CRITERIA_WORDS if k in c["criteria"]]
    if criteria:
        w.para(
            "When deciding whether to protect or commercialise an idea, the trust weighs:", criteria
        )
    w.para("Each idea is judged on its own merits, with legal advice where it is needed.")


def _process(w: _Writer, c: Mapping[str, Any], facts: PolicyFacts, all_c: Choices) -> None:
    if facts.stage_gates:
        w.para(
            "Each idea passes through these stage gates, with the decision at each one "
            "recorded in the trust's IP register:",
            facts.stage_gates,
        )
    else:
        w.para(
            "Each idea passes through stage gates, with the decision at each one recorded in "
            "the trust's IP register. " + _todo("record the stage gates in the register.")
        )
    decider = facts.decision_maker or "the ultimate decision maker " + _todo(
        "record who this is in the register."
    )
    w.para(
        f"Decisions to protect or commercialise an idea are made by {_office(decider)}. "
        "Innovators are told the outcome of each stage gate and the reasons for it."
    )
    if facts.pathway_where:
        w.para(f"The trust's innovation pathway is published at {facts.pathway_where}.")
    if facts.has_ttc:
        w.para(
            f"{facts.ttc_provider} helps the trust to assess ideas, protect them and find "
            "partners to develop them."
        )
    else:
        owner = _lower_first(str(all_c.get("duties", {}).get("policy_owner", "")).strip())
        w.para(
            "The trust has no technology transfer partner at present; "
            f"{owner or 'the innovation lead'} arranges specialist advice when it is needed."
        )
    if c["due_diligence"]:
        w.para(
            "Before any agreement is signed, the trust checks the legal and financial risks "
            "and benefits, including the standing of the other party."
        )
    routes = [_ROUTE_WORDS[k] for k in _ROUTE_WORDS if k in c["routes"]]
    if routes:
        w.para("Depending on the idea, the trust may use:", routes)
    w.para(
        "The trust prefers licences that leave it free to license others too. It grants an "
        "exclusive licence only where there is a clear reason and legal advice supports it."
    )
    if c["offer_back"]:
        w.para(
            "If the trust decides not to take an idea forward, it tells the innovators, and "
            "may offer to assign or license the IP to them so that they can develop it "
            "themselves."
        )


def _remuneration(w: _Writer, c: Mapping[str, Any], facts: PolicyFacts, all_c: Choices) -> None:
    w.para(
        "Income the trust receives from an innovation is shared according to the bands below. "
        "The bands apply to the total net income the innovation has earned so far, and each "
        "band's percentages apply only to the part of the total that falls within it."
    )
    bands = facts.revenue_bands
    if bands:
        with_ttc = any(Decimal(b.ttc) != 0 for b in bands)
        header = ["Net income per innovation", "Innovators", "Department", "Trust"]
        if with_ttc:
            header.append("TTC")
        rows = []
        for band in bands:
            row = [band.label, f"{band.innovators}%", f"{band.department}%"]
            row.append(f"{band.organisation}%")
            if with_ttc:
                row.append(f"{band.ttc}%")
            rows.append(row)
        w.table(header, rows)
    else:
        w.para(_todo("record the revenue-sharing bands in the register."))
    if facts.deductible:
        w.para(f"How net income is worked out: {facts.deductible}")
    w.para(
        "These bands are the trust's revenue-sharing policy as recorded in its IP register "
        f"({facts.revenue_policy})."
    )
    team = {
        "recorded": "The innovators' share is divided between the members of a team in the "
        "proportions they agreed and recorded on the disclosure.",
        "equal": "The innovators' share is divided equally between the members of a team, "
        "unless they agree other proportions in writing.",
    }
    w.para(team[c["team_split"]])
    decider = _office(facts.decision_maker) or "the ultimate decision maker"
    equity = {
        "case_by_case": "Where a spinout company is formed, how its shares are divided between "
        f"the trust and the innovators is agreed case by case and approved by {decider}.",
        "bands": "Where a spinout company is formed, its shares are divided between the "
        "innovators and the trust in the same proportions as the first income band.",
        "none": "Shares in spinout companies are outside this policy and are agreed "
        "separately for each company.",
    }
    w.para(equity[c["equity"]])
    if c["leavers"]:
        w.para(
            "Innovators who leave the trust keep their share of future income, as long as "
            "they tell the trust how to reach them."
        )
    w.para("Payments are made as the trust's finance team advises, and tax may be due on them.")


def _third_party(w: _Writer, c: Mapping[str, Any], facts: PolicyFacts, all_c: Choices) -> None:
    w.para(
        "IP that belongs to someone else, including another NHS organisation, may be used only "
        "with its owner's permission. Using or copying it without permission can break the "
        "law and expose the trust to claims, costs and damage to its name."
    )
    if c["written"]:
        w.para(
            "Every arrangement for the trust to use IP owned by someone else is set out in a "
            "written agreement that says who owns what."
        )
    if c["report"]:
        w.para(
            "Anyone who suspects that IP is being infringed, whether by the trust or by "
            f"someone else, tells {_lower_first(_contact(all_c))} straight away."
        )


def _disputes(w: _Writer, c: Mapping[str, Any], facts: PolicyFacts, all_c: Choices) -> None:
    days = c["respond_days"]
    contact = _lower_first(_contact(all_c))
    final = {
        "mediation": "if it is still not settled, the people involved go to an independent "
        "mediator and share the cost equally.",
        "chief_executive": "if anyone involved is still not satisfied, the Chief Executive "
        "decides, and that decision is final within the trust.",
        "grievance": "if an employee is still not satisfied, they may use the trust's "
        "grievance procedure.",
    }
    w.para(
        "Disagreements under this policy, such as about who owns an idea or how income is "
        "shared, are settled in three steps:",
        [
            f"first, the people involved meet {contact} to try to settle it informally, within "
            f"{days} days of it being raised;",
            f"if that does not settle it, it goes to {_office(c['escalate_to'])}, "
            f"{_who(c['escalate_to'])} decides in writing within {days} days;",
            final[c["final_step"]],
        ],
    )
    w.para("Raising a disagreement in good faith will never count against anyone.")


def _at(where: str) -> str:
    """ "at https://..." for an address, "on the trust's public website" otherwise."""
    address = re.match(r"(https?://|www\.)", where) or ("/" in where and " " not in where)
    return f"at {where}" if address else f"on {where}"


def _monitoring(
    w: _Writer, c: Mapping[str, Any], facts: PolicyFacts, all_c: Choices, meta: PolicyMeta
) -> None:
    owner = str(all_c.get("duties", {}).get("policy_owner", "")).strip() or "The innovation lead"
    where = c["published_at"].strip() or "the trust's public website"
    w.para(
        f"This policy takes effect once it is approved, and is published {_at(where)}. "
        f"{_upper_first(owner)} makes it known to staff, including at induction and in IP "
        "training."
    )
    w.para(
        f"{_upper_first(_office(c['monitor_by']))} checks that the policy is followed "
        f"{_FREQUENCY_WORDS[c['frequency']]}, using the trust's IP register, and reports the "
        f"findings to {_office(c['report_to'])}, {_who(c['report_to'])} agrees any actions "
        "needed and checks that they are done."
    )
    measures = [_MEASURE_WORDS[k] for k in _MEASURE_WORDS if k in c["measures"]]
    if measures:
        w.para("Each check looks at:", measures)
    w.para(
        "The policy is reviewed at least once a year; the next review is due by "
        f"{_uk(meta.review_due)}."
    )


_DRAFTERS = {
    "what_is_ip": _what_is_ip,
    "purpose": _purpose,
    "scope": _scope,
    "ownership": _ownership,
    "duties": _duties,
    "procedures": _procedures,
    "protection": _protection,
    "process": _process,
    "remuneration": _remuneration,
    "third_party": _third_party,
    "disputes": _disputes,
}


def _draft_section(
    heading: Heading,
    number: int,
    choices: Choices,
    facts: PolicyFacts,
    meta: PolicyMeta,
    numbers: Mapping[str, int],
) -> Section:
    writer = _Writer(number)
    values = choices[heading.key]
    if heading.key == "monitoring":
        _monitoring(writer, values, facts, choices, meta)
    elif heading.key in _DRAFTERS:
        _DRAFTERS[heading.key](writer, values, facts, choices)
        if heading.key == "ownership":
            writer.para(
                "Disagreements about who owns IP are settled as set out in "
                f"{_disputes_pointer(choices, numbers)}."
            )
    else:  # a heading a newer framework adds before this version of the app knows it
        writer.para(_todo(f"write this section ({heading.help})"))
    return Section(
        number, heading.number, heading.policy_title, heading.reference, tuple(writer.blocks)
    )


def build_document(
    framework: Framework, choices: Choices, facts: PolicyFacts, meta: PolicyMeta
) -> PolicyDocument:
    """The draft policy for these choices and register facts (choices must be valid: see
    :func:`validate_choices`)."""
    included = included_headings(framework, choices)
    numbers = {h.key: n for n, h in enumerate(included, 1)}
    sections = tuple(
        _draft_section(h, numbers[h.key], choices, facts, meta, numbers) for h in included
    )
    where = {s.annex_number: f"Section {s.number}: {s.title}" for s in sections}
    coverage = tuple(
        (f"{h.number}. {h.title}", where.get(h.number, "Not included in this draft"))
        for h in framework.headings
    )
    organisation = facts.organisation or "The trust"
    details = (
        ("Version", meta.version.strip()),
        ("Status", "Draft for approval" if meta.approved_on is None else "Approved"),
        (
            "To be approved by" if meta.approved_on is None else "Approved by",
            meta.approved_by.strip(),
        ),
        ("Approval date", _uk(meta.approved_on) if meta.approved_on else "Not yet approved"),
        ("Next review due", _uk(meta.review_due)),
        ("Drafted on", _uk(meta.drafted_on)),
        ("Senior responsible officer for IP", facts.sro or "Not recorded yet"),
    )
    introduction = (
        f"This draft was prepared on {_uk(meta.drafted_on)} from the trust's IP register, "
        "following the twelve headings of Annex A of “IP guidance for the NHS in England” "
        "(November 2025). The roles, stage gates and income bands it states are those "
        "recorded in the register on that date. Read it through, adapt it to local practice "
        "and take legal advice where needed before it is approved."
    )
    return PolicyDocument(
        title=f"{organisation}: intellectual property (IP) policy",
        organisation=organisation,
        meta=meta,
        framework_version=framework.version,
        details=details,
        introduction=introduction,
        sections=sections,
        coverage=coverage,
    )
