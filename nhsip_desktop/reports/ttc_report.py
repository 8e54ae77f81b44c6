"""The TTC contract review: a contract with a technology-transfer capability, checked as a PDF.

Annex B of the guidance lists what a trust should look for when it signs with a TTC. This
report sets out, for one agreement, the findings of the TTC contract checklist by severity
(red: a protection is missing; amber: a point to negotiate; green: in place), each with the
question to raise and its guidance reference, then the questions not yet answered, and then
each answer given with its note (so every question appears once). The headline says only
what the answers support ("Not yet checked: 0 of 41 answered"), and a warning leads the
report when the agreement is recorded as another kind than a TTC services agreement. It is
meant to be taken into a negotiation, or to a solicitor.

It takes the agreement's reference and title as plain text; the agreement's kind is read
from the register by its reference (not known, and not warned about, when it is not there).
It uses the shared page template (marking, "Page X of Y" and the audit
trail's head on every page), and writing it is recorded in the audit trail.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import CondPageBreak, Paragraph, Spacer

from nhsip_desktop.agreements.model import AgreementKind
from nhsip_desktop.guidance.checklists import (
    Checklist,
    Evaluation,
    Finding,
    Item,
    ItemAnswer,
    Rule,
    Severity,
    evaluate,
)
from nhsip_desktop.reports import fonts
from nhsip_desktop.reports.template import (
    boxed,
    data_table,
    escape_text,
    format_date,
    keep_together,
    key_value_table,
    mm,
    none_recorded,
    para,
    styles,
    write_report,
)
from nhsip_desktop.store.errors import NotFoundError

if TYPE_CHECKING:
    from nhsip_desktop.store.register import Register

__all__ = [
    "SEVERITY_HEADINGS",
    "TTC_REPORT_SECTIONS",
    "kind_warning",
    "ttc_report_title",
    "write_ttc_report",
]

TTC_REPORT_SECTIONS: tuple[str, ...] = (
    "The agreement",
    "Findings",
    "Questions not yet answered",
    "Answers given",
)

SEVERITY_HEADINGS: dict[Severity, str] = {
    Severity.RED: "Red: protection missing",
    Severity.AMBER: "Amber: to negotiate",
    Severity.GREEN: "Green: in place",
}
_SEVERITY_NOTES: dict[Severity, str] = {
    Severity.RED: "Protections the trust should not sign without. Raise each question below.",
    Severity.AMBER: "Points to negotiate, or to record why the trust accepts them as they are.",
    Severity.GREEN: "Areas the contract already covers well.",
}
_PREFIX: dict[Severity, str] = {Severity.RED: "R", Severity.AMBER: "A", Severity.GREEN: "G"}
NOT_ANSWERED = "Not answered"


def ttc_report_title(agreement_reference: str) -> str:
    """The title in every page's header (the agreement's reference, not its title)."""
    reference = agreement_reference.strip()
    return f"TTC contract checklist {reference}" if reference else "TTC contract checklist"


def _answer_text(item: Item, answer: ItemAnswer | None) -> str:
    if answer is None or answer.value in (None, ""):
        return NOT_ANSWERED
    labels = dict(item.options())
    return str(labels.get(answer.value, answer.value))


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _finding_style() -> ParagraphStyle:
    return ParagraphStyle(
        "TtcFinding",
        parent=styles()["Body"],
        leftIndent=22,
        bulletIndent=0,
        bulletFontName=fonts.BOLD,
        spaceBefore=3,
        spaceAfter=1,
    )


def _detail_style() -> ParagraphStyle:
    return ParagraphStyle("TtcDetail", parent=styles()["Reference"], leftIndent=22, spaceAfter=1)


def _because(
    rule: Rule | None, checklist: Checklist, answers: Mapping[str, ItemAnswer]
) -> list[str]:
    """The answers that raised a finding: one line per question, in checklist order."""
    if rule is None:
        return []
    holding = {c.item for c in (*rule.all, *rule.any) if c.holds(answers)}
    lines = []
    for item in checklist.items():
        if item.id in holding:
            answer = _answer_text(item, answers.get(item.id))
            lines.append(f"Answered \u201c{answer}\u201d to: {item.prompt}")
    return lines


def _finding(
    label: str,
    finding: Finding,
    checklist: Checklist,
    answers: Mapping[str, ItemAnswer],
) -> Any:
    rule = next((r for r in checklist.rules if r.id == finding.rule_id), None)
    detail = _detail_style()
    body: list[Any] = [
        Paragraph(escape_text(finding.text), _finding_style(), bulletText=label),
        Paragraph(f"Guidance: {escape_text(finding.reference)}", detail),
    ]
    if finding.severity is not Severity.GREEN:
        for line in _because(rule, checklist, answers):
            body.append(Paragraph(escape_text(line), detail))
    body.append(Spacer(1, 2.5 * mm))
    return keep_together(body, min_space=20 * mm)


def _summary(evaluation: Evaluation) -> str:
    counts = ", ".join(
        f"{len(evaluation.by_severity(s))} {s.label.lower()}" for s in SEVERITY_HEADINGS
    )
    return f"{counts} ({_plural(len(evaluation.findings), 'finding')})"


def _headline(evaluation: Evaluation, kind_warning: str) -> Any:
    """What the report can honestly say, given how much of the checklist was answered."""
    reds = len(evaluation.by_severity(Severity.RED))
    ambers = len(evaluation.by_severity(Severity.AMBER))
    answered = f"{evaluation.answered} of {evaluation.required} answered"
    lines: list[Any] = []
    if kind_warning:
        lines.append(para(kind_warning, "Alert"))
    if evaluation.answered == 0:
        lines += [
            para(f"Not yet checked: {answered}.", "Alert"),
            para(
                "Nothing can be said yet about which protections this contract has or lacks. "
                "Answer the checklist's questions (section 3 lists them) and write the "
                "report again.",
                "Body",
            ),
        ]
    else:
        if reds:
            lead = (
                f"{_plural(reds, 'protection')} missing: resolve the red findings before the "
                "trust signs or renews this contract."
            )
        elif not evaluation.complete:
            lead = f"Partly checked ({answered}): no protection found missing so far" + (
                f"; {_plural(ambers, 'point')} to negotiate." if ambers else "."
            )
        elif ambers:
            lead = f"No protection is missing; {_plural(ambers, 'point')} to negotiate."
        else:
            lead = "No protection is missing and nothing is left to negotiate."
        lines.append(para(lead, "Alert"))
        if not evaluation.complete:
            count = len(evaluation.unanswered)
            lines.append(
                para(
                    f"{_plural(count, 'question')} still {'has' if count == 1 else 'have'} "
                    "no answer, so some findings may be missing (see section 3).",
                    "Body",
                )
            )
    lines.append(
        para(
            "This checklist helps the trust prepare; it is not legal advice. Take advice on "
            "the final wording of the contract.",
            "Small",
        )
    )
    return boxed(lines)


def kind_warning(kind: AgreementKind | None) -> str:
    """The warning shown when the checklist is run on an agreement of another kind."""
    if kind is None or kind is AgreementKind.TTC_SERVICES:
        return ""
    return (
        f"This agreement is recorded as \u201c{kind.label}\u201d, not as a TTC services "
        "agreement. This checklist follows Annex B of the guidance, which is for contracts "
        "with a technology-transfer capability: its findings may not apply."
    )


def _agreement(
    agreement_reference: str,
    agreement_title: str,
    checklist: Checklist,
    evaluation: Evaluation,
    kind: AgreementKind | None,
) -> list[Any]:
    rows: list[tuple[str, Any]] = [
        ("Agreement", agreement_title.strip() or "Not recorded"),
        ("Reference", agreement_reference.strip() or "Not recorded"),
        ("Kind of agreement", kind.label if kind is not None else "Not recorded"),
        ("Checklist", checklist.title),
        (
            "Checklist version",
            f"Version {checklist.version}, in force from {format_date(checklist.effective)}",
        ),
        ("Questions answered", f"{evaluation.answered} of {evaluation.required}"),
        ("Findings", _summary(evaluation)),
    ]
    return [key_value_table(rows)]


def _findings(
    evaluation: Evaluation, checklist: Checklist, answers: Mapping[str, ItemAnswer]
) -> list[Any]:
    if evaluation.answered == 0:
        return [none_recorded("no question has been answered yet, so there are no findings.")]
    out: list[Any] = []
    for severity, heading in SEVERITY_HEADINGS.items():
        found = evaluation.by_severity(severity)
        intro = [para(heading, "H2"), para(_SEVERITY_NOTES[severity], "Small")]
        if not found:
            out.append(keep_together([*intro, none_recorded()], min_space=20 * mm))
            continue
        parts = [
            _finding(f"{_PREFIX[severity]}{number}", finding, checklist, answers)
            for number, finding in enumerate(found, 1)
        ]
        out.append(keep_together([*intro, parts[0]], min_space=30 * mm))
        out += parts[1:]
    return out


def _unanswered(evaluation: Evaluation, checklist: Checklist) -> list[Any]:
    note = para(
        "Follow-up questions that start \u201cIf so\u201d are not listed: answer them only "
        "where they apply. A missing follow-up that matters raises its own finding above.",
        "Small",
    )
    if not evaluation.unanswered:
        return [para("None: every question has an answer.", "Note"), note]
    missing = set(evaluation.unanswered)
    rows = [
        [section.title, item.prompt, item.reference]
        for section in checklist.sections
        for item in section.items
        if item.id in missing
    ]
    return [
        data_table(["Section", "Question", "Guidance"], rows, [2.4, 6, 2.6]),
        Spacer(1, 1.5 * mm),
        note,
    ]


def _answers_given(checklist: Checklist, answers: Mapping[str, ItemAnswer]) -> list[Any]:
    """One table per checklist section, of the questions answered (those without an answer
    are listed once, in section 3). Long, so it flows: each table starts on the current
    page when there is room for its heading and a few rows, and splits across pages."""
    out: list[Any] = []
    for section in checklist.sections:
        rows: list[list[Any]] = []
        for item in section.items:
            answer = answers.get(item.id)
            if answer is None or answer.value in (None, ""):
                continue
            rows.append(
                [
                    [para(item.prompt, "TableCell"), para(item.reference, "Small")],
                    _answer_text(item, answer),
                    answer.note.strip() or "-",
                ]
            )
        if not rows:
            continue
        table = data_table(["Question", "Answer", "Note"], rows, [6.2, 1.5, 3.8])
        if out:  # the first follows the section heading, which makes room for both
            out.append(CondPageBreak(45 * mm))
        out += [para(section.title, "H2"), table]
    return out or [none_recorded("no question has been answered yet.")]


def _story(
    agreement_reference: str,
    agreement_title: str,
    checklist: Checklist,
    answers: Mapping[str, ItemAnswer],
    kind: AgreementKind | None,
) -> list[Any]:
    evaluation = evaluate(checklist, answers)
    title = agreement_title.strip() or agreement_reference.strip() or "TTC agreement"
    story: list[Any] = [
        para(title, "Title"),
        para(f"{checklist.title} \u00b7 version {checklist.version}", "Subtitle"),
        _headline(evaluation, kind_warning(kind)),
        Spacer(1, 2 * mm),
    ]
    sections = [
        _agreement(agreement_reference, agreement_title, checklist, evaluation, kind),
        _findings(evaluation, checklist, answers),
        _unanswered(evaluation, checklist),
        _answers_given(checklist, answers),
    ]
    for number, (heading, body) in enumerate(zip(TTC_REPORT_SECTIONS, sections, strict=True), 1):
        if heading == "Answers given" and evaluation.answered:  # long: heading, sub-heading, rows
            story += [CondPageBreak(60 * mm), para(f"{number}. {heading}", "H1"), *body]
        else:
            story.append(keep_together([para(f"{number}. {heading}", "H1"), *body]))
    ending = f"End of the TTC contract checklist for {agreement_reference.strip() or title}"
    story += [Spacer(1, 8 * mm), para(ending, "SmallCentre")]
    return story


def write_ttc_report(
    register: Register,
    agreement_reference: str,
    agreement_title: str,
    checklist: Checklist,
    answers: Mapping[str, ItemAnswer],
    target: Path,
) -> Path:
    """Write the checklist's findings for one TTC agreement as a PDF at ``target``.

    Records the report in the audit trail. Saved with ``atomic_write``: raises
    ``ReportWriteError`` if it cannot be saved (nothing is then recorded).
    """
    try:
        kind: AgreementKind | None = register.agreements.get_by_reference(
            agreement_reference.strip()
        ).kind
    except NotFoundError:
        kind = None  # not an agreement in this register: its kind is not known
    return write_report(
        register,
        target,
        title=ttc_report_title(agreement_reference),
        kind="ttc-checklist",
        sections=TTC_REPORT_SECTIONS,
        story=_story(agreement_reference, agreement_title, checklist, answers, kind),
    )
