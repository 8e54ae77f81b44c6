"""Checklists as versioned data: the engine (Qt-free).

A checklist is a JSON file in ``resources/checklists/`` (``<id>-v<version>.json``): sections of
items, each with a prompt in the app's own words, help, a guidance reference and an answer
type; rules that raise findings (red, amber, green) from the answers; and, for scored
checklists, outcome bands that suggest a next step. A saved assessment records the checklist
id and version it was made with, and always reopens with that version, so next year's revised
guidance never rewrites history. ``load_checklist`` names the file and the field at fault.

Rule conditions: ``{"item": ID, "op": OP, "value": V}`` with OP one of ``equals``,
``not_equals``, ``in``, ``at_most``, ``at_least``, ``answered``, ``unanswered``; a rule fires
when ``all`` its conditions hold (and at least one of ``any``, when given).

Gates (optional, ``"gates"``): rules that cap the suggestion instead of being outweighed by
high ratings elsewhere. A gate that fires adds its amber finding and holds the suggestion at
its ``cap`` outcome or below (outcomes rank by ``min_score``): with no market, no right to
use it or no benefit, a high score cannot suggest "Develop and protect" (steps 5 and 6).
:func:`default_outcome` is the outcome a decision form starts from: the capped suggestion.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from nhsip_desktop.core import json_fields as jf
from nhsip_desktop.core.errors import RegisterError
from nhsip_desktop.core.labelled import LabelledEnum
from nhsip_desktop.core.resources import resource_path
from nhsip_desktop.guidance.refs import is_known_reference

FORMAT = "nhsip-checklist"


class ChecklistError(RegisterError):
    """A checklist file is malformed: names the file and the field."""

    def __init__(self, source: str, where: str, problem: str) -> None:
        super().__init__(f"The checklist file {source} is not usable: {where}: {problem}")
        self.source, self.where, self.problem = source, where, problem


class AnswerType(StrEnum):
    YES_NO = "yes_no"  # yes / no / unsure
    RATING = "rating"  # 0 to 5, each level described
    CHOICE = "choice"
    TEXT = "text"
    DATE = "date"


class Severity(LabelledEnum):
    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"


YES_NO_CHOICES: tuple[tuple[str, str], ...] = (("yes", "Yes"), ("no", "No"), ("unsure", "Not sure"))
_OPS = frozenset({"equals", "not_equals", "in", "at_most", "at_least", "answered", "unanswered"})


@dataclass(frozen=True)
class Item:
    id: str
    prompt: str
    help: str
    reference: str
    answer: AnswerType
    choices: tuple[tuple[str, str], ...] = ()
    levels: tuple[str, ...] = ()  # RATING: the meaning of 0..5
    weight: float = 0.0
    required: bool = True

    def options(self) -> tuple[tuple[Any, str], ...]:
        if self.answer is AnswerType.YES_NO:
            return YES_NO_CHOICES
        if self.answer is AnswerType.RATING:
            return tuple((i, f"{i}: {text}") for i, text in enumerate(self.levels))
        return self.choices


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    intro: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Condition:
    item: str
    op: str
    value: Any = None

    def holds(self, answers: Mapping[str, ItemAnswer]) -> bool:
        answer = answers.get(self.item)
        value = None if answer is None else answer.value
        given = value not in (None, "")
        if self.op == "answered":
            return given
        if self.op == "unanswered":
            return not given
        if not given:
            return False
        if self.op == "equals":
            return bool(value == self.value)
        if self.op == "not_equals":
            return bool(value != self.value)
        if self.op == "in":
            return value in self.value
        number, limit = float(str(value)), float(str(self.value))
        return number <= limit if self.op == "at_most" else number >= limit


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    text: str
    reference: str
    all: tuple[Condition, ...] = ()
    any: tuple[Condition, ...] = ()

    def fires(self, answers: Mapping[str, ItemAnswer]) -> bool:
        if not all(c.holds(answers) for c in self.all):
            return False
        return not self.any or any(c.holds(answers) for c in self.any)


@dataclass(frozen=True)
class Gate:
    """A rule that caps the suggestion at ``cap`` (an outcome id) when it fires."""

    rule: Rule
    cap: str


@dataclass(frozen=True)
class Outcome:
    id: str
    label: str
    text: str
    min_score: float | None = None  # suggested when the score reaches this (highest first)


@dataclass(frozen=True)
class Checklist:
    id: str
    version: int
    effective: dt.date
    title: str
    intro: str
    sections: tuple[Section, ...]
    rules: tuple[Rule, ...] = ()
    outcomes: tuple[Outcome, ...] = ()
    source: str = ""
    gates: tuple[Gate, ...] = ()

    def items(self) -> Iterator[Item]:
        for section in self.sections:
            yield from section.items

    def item(self, item_id: str) -> Item:
        for candidate in self.items():
            if candidate.id == item_id:
                return candidate
        raise KeyError(item_id)

    def outcome(self, outcome_id: str) -> Outcome:
        for outcome in self.outcomes:
            if outcome.id == outcome_id:
                return outcome
        raise KeyError(outcome_id)

    @property
    def scored(self) -> bool:
        return any(i.weight > 0 for i in self.items())


@dataclass
class ItemAnswer:
    value: Any = None
    note: str = ""


@dataclass(frozen=True)
class Finding:
    rule_id: str
    severity: Severity
    text: str
    reference: str


@dataclass(frozen=True)
class Evaluation:
    findings: tuple[Finding, ...]
    score: float | None  # 0-100 over the rated items answered, None if unscored
    answered: int
    required: int
    unanswered: tuple[str, ...]  # required item ids still without an answer
    suggestion: Outcome | None  # after any gate's cap
    capped_by: tuple[str, ...] = ()  # ids of the gates that held the suggestion down

    @property
    def complete(self) -> bool:
        return not self.unanswered

    def by_severity(self, severity: Severity) -> list[Finding]:
        return [f for f in self.findings if f.severity is severity]


def evaluate(checklist: Checklist, answers: Mapping[str, ItemAnswer]) -> Evaluation:
    gates = [g for g in checklist.gates if g.rule.fires(answers)]
    fired = [g.rule for g in gates] + [r for r in checklist.rules if r.fires(answers)]
    findings = tuple(Finding(r.id, r.severity, r.text, r.reference) for r in fired)
    order = {Severity.RED: 0, Severity.AMBER: 1, Severity.GREEN: 2}
    findings = tuple(sorted(findings, key=lambda f: order[f.severity]))
    required = [i for i in checklist.items() if i.required]
    unanswered = tuple(
        i.id for i in required if answers.get(i.id) is None or answers[i.id].value in (None, "")
    )
    score: float | None = None
    if checklist.scored:
        total = weight = 0.0
        for item in checklist.items():
            answer = answers.get(item.id)
            if item.weight <= 0 or answer is None or answer.value in (None, ""):
                continue
            if item.answer is AnswerType.RATING:
                total += item.weight * float(answer.value) / 5
            elif item.answer is AnswerType.YES_NO:
                total += item.weight * {"yes": 1.0, "unsure": 0.5}.get(str(answer.value), 0.0)
            weight += item.weight
        score = round(100 * total / weight, 1) if weight else None
    suggestion = None
    if score is not None:
        bands = sorted(
            (o for o in checklist.outcomes if o.min_score is not None),
            key=lambda o: o.min_score or 0.0,
            reverse=True,
        )
        suggestion = next((o for o in bands if score >= (o.min_score or 0.0)), None)
    capped_by: list[str] = []
    for gate in gates:
        cap = checklist.outcome(gate.cap)
        if suggestion is not None and (suggestion.min_score or 0.0) > (cap.min_score or 0.0):
            suggestion = cap
        capped_by.append(gate.rule.id)
    return Evaluation(
        findings,
        score,
        len(required) - len(unanswered),
        len(required),
        unanswered,
        suggestion,
        tuple(capped_by),
    )


def default_outcome(checklist: Checklist, answers: Mapping[str, ItemAnswer]) -> str | None:
    """The outcome a decision form should start from, agreeing with what the checklist shows:
    the route the person chose in the checklist (a choice item offering routes), else the
    suggestion after any gate's cap, else None (the person picks)."""
    for item in checklist.items():
        values = {value for value, _label in item.choices}
        answer = answers.get(item.id)
        if (
            item.answer is AnswerType.CHOICE
            and {"route1", "route2", "route3"} <= values
            and answer is not None
            and answer.value in values
            and str(answer.value).startswith("route")
        ):
            return str(answer.value)
    suggestion = evaluate(checklist, answers).suggestion
    return suggestion.id if suggestion is not None else None


# -- loading ---------------------------------------------------------------------------------
def _need(raw: Mapping[str, Any], key: str, kind: type, source: str, where: str) -> Any:
    if key not in raw:
        raise ChecklistError(source, where, f"the field {key!r} is missing")
    value = raw[key]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or (isinstance(value, str) and not value.strip()):
        raise ChecklistError(source, f"{where}.{key}", f"must be a non-empty {kind.__name__}")
    return value


def _reference(raw: Mapping[str, Any], source: str, where: str) -> str:
    reference = _need(raw, "reference", str, source, where)
    if not is_known_reference(reference):
        raise ChecklistError(
            source, f"{where}.reference", f"{reference!r} is not a known part of the guidance"
        )
    return str(reference)


def parse_checklist(raw: Any, source: str) -> Checklist:
    if not isinstance(raw, dict):
        raise ChecklistError(source, "top level", "must be a JSON object")
    if raw.get("format") != FORMAT:
        raise ChecklistError(source, "format", f"must be {FORMAT!r}")
    checklist_id = _need(raw, "id", str, source, "checklist")
    version = _need(raw, "version", int, source, "checklist")
    try:
        effective = dt.date.fromisoformat(_need(raw, "effective", str, source, "checklist"))
    except ValueError:
        raise ChecklistError(source, "effective", "must be a date, YYYY-MM-DD") from None
    seen: set[str] = set()
    sections = []
    for s_index, s_raw in enumerate(_need(raw, "sections", list, source, "checklist")):
        where = f"sections[{s_index}]"
        if not isinstance(s_raw, dict):
            raise ChecklistError(source, where, "must be an object")
        items = []
        for i_index, i_raw in enumerate(_need(s_raw, "items", list, source, where)):
            items.append(_item(i_raw, source, f"{where}.items[{i_index}]", seen))
        sections.append(
            Section(
                _need(s_raw, "id", str, source, where),
                _need(s_raw, "title", str, source, where),
                str(s_raw.get("intro", "")),
                tuple(items),
            )
        )
    rules = tuple(
        _rule(r_raw, source, f"rules[{index}]", seen)
        for index, r_raw in enumerate(raw.get("rules", []))
    )
    outcomes = []
    for index, o_raw in enumerate(raw.get("outcomes", [])):
        where = f"outcomes[{index}]"
        min_score = o_raw.get("min_score")
        if min_score is not None and not isinstance(min_score, int | float):
            raise ChecklistError(source, f"{where}.min_score", "must be a number")
        outcomes.append(
            Outcome(
                _need(o_raw, "id", str, source, where),
                _need(o_raw, "label", str, source, where),
                _need(o_raw, "text", str, source, where),
                None if min_score is None else float(min_score),
            )
        )
    outcome_ids = {o.id for o in outcomes}
    gates = []
    for index, g_raw in enumerate(raw.get("gates", [])):
        where = f"gates[{index}]"
        rule = _rule({"severity": "amber", **g_raw}, source, where, seen)
        cap = _need(g_raw, "cap", str, source, where)
        if cap not in outcome_ids:
            raise ChecklistError(source, f"{where}.cap", f"{cap!r} is not an outcome")
        gates.append(Gate(rule, cap))
    return Checklist(
        checklist_id,
        version,
        effective,
        _need(raw, "title", str, source, "checklist"),
        str(raw.get("intro", "")),
        tuple(sections),
        rules,
        tuple(outcomes),
        source,
        tuple(gates),
    )


def _item(raw: Any, source: str, where: str, seen: set[str]) -> Item:
    if not isinstance(raw, dict):
        raise ChecklistError(source, where, "must be an object")
    item_id = _need(raw, "id", str, source, where)
    if item_id in seen:
        raise ChecklistError(source, f"{where}.id", f"{item_id!r} is used twice")
    seen.add(item_id)
    try:
        answer = AnswerType(_need(raw, "answer", str, source, where))
    except ValueError:
        allowed = ", ".join(a.value for a in AnswerType)
        raise ChecklistError(source, f"{where}.answer", f"must be one of {allowed}") from None
    choices = tuple((str(c[0]), str(c[1])) for c in raw.get("choices", []))
    levels = tuple(str(level) for level in raw.get("levels", []))
    if answer is AnswerType.CHOICE and not choices:
        raise ChecklistError(source, f"{where}.choices", "a choice item needs its choices")
    if answer is AnswerType.RATING and len(levels) != 6:
        raise ChecklistError(source, f"{where}.levels", "a rating needs six levels, 0 to 5")
    weight = raw.get("weight", 0)
    if not isinstance(weight, int | float) or weight < 0:
        raise ChecklistError(source, f"{where}.weight", "must be a number, 0 or more")
    return Item(
        item_id,
        _need(raw, "prompt", str, source, where),
        str(raw.get("help", "")),
        _reference(raw, source, where),
        answer,
        choices,
        levels,
        float(weight),
        bool(raw.get("required", True)),
    )


def _rule(raw: Any, source: str, where: str, items: set[str]) -> Rule:
    if not isinstance(raw, dict):
        raise ChecklistError(source, where, "must be an object")
    try:
        severity = Severity(_need(raw, "severity", str, source, where))
    except ValueError:
        raise ChecklistError(source, f"{where}.severity", "must be red, amber or green") from None

    def conditions(key: str) -> tuple[Condition, ...]:
        out = []
        for index, c in enumerate(raw.get(key, [])):
            place = f"{where}.{key}[{index}]"
            if not isinstance(c, dict) or c.get("item") not in items:
                raise ChecklistError(source, f"{place}.item", "must name an item of this checklist")
            if c.get("op") not in _OPS:
                raise ChecklistError(source, f"{place}.op", f"must be one of {sorted(_OPS)}")
            out.append(Condition(c["item"], c["op"], c.get("value")))
        return tuple(out)

    all_of, any_of = conditions("all"), conditions("any")
    if not all_of and not any_of:
        raise ChecklistError(source, where, "a rule needs at least one condition")
    return Rule(
        _need(raw, "id", str, source, where),
        severity,
        _need(raw, "text", str, source, where),
        _reference(raw, source, where),
        all_of,
        any_of,
    )


def load_checklist(path: Path) -> Checklist:
    raw = jf.read_json_file(path, ChecklistError)
    return parse_checklist(raw, path.name)


@dataclass
class ChecklistLibrary:
    """Every version of every shipped checklist."""

    checklists: dict[tuple[str, int], Checklist] = field(default_factory=dict)

    @classmethod
    def load(cls, folder: Path | None = None) -> ChecklistLibrary:
        folder = folder or resource_path("checklists")
        library = cls()
        for path in sorted(folder.glob("*.json")):
            checklist = load_checklist(path)
            library.checklists[(checklist.id, checklist.version)] = checklist
        return library

    def get(self, checklist_id: str, version: int | None = None) -> Checklist:
        """A given version, or the newest in force today when ``version`` is None."""
        if version is not None:
            try:
                return self.checklists[(checklist_id, version)]
            except KeyError:
                raise ChecklistError(
                    f"{checklist_id} v{version}", "version", "this version is not installed"
                ) from None
        today = dt.date.today()
        candidates = [
            c
            for (cid, _v), c in self.checklists.items()
            if cid == checklist_id and c.effective <= today
        ] or [c for (cid, _v), c in self.checklists.items() if cid == checklist_id]
        if not candidates:
            raise ChecklistError(checklist_id, "id", "no such checklist is installed")
        return max(candidates, key=lambda c: c.version)

    def versions(self, checklist_id: str) -> list[int]:
        return sorted(v for (cid, v) in self.checklists if cid == checklist_id)


def answers_to_json(answers: Mapping[str, ItemAnswer]) -> dict[str, Any]:
    return {k: {"value": a.value, "note": a.note} for k, a in answers.items()}


def answers_from_json(raw: Mapping[str, Any]) -> dict[str, ItemAnswer]:
    return {k: ItemAnswer(v.get("value"), v.get("note", "")) for k, v in raw.items()}
