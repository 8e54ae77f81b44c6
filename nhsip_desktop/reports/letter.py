"""The feedback letter to the innovator(s) once the IP lead has made the triage decision.

Guidance step 5 asks for timely feedback to staff who bring an idea forward, and step 7
(route 1) asks that their contribution is recognised even when nothing is commercialised. The
letter says, in plain words, what was decided, why (the IP lead's own reasons, as recorded),
and what happens next, and ends with a short confidentiality reminder. It uses the shared
page template, so every page carries the marking and "Page X of Y"; the register's id and
audit-trail head, which mean nothing to an innovator, are left out of its footer. It greets
by title and surname ("Dear Mr Lloyd"), and is signed with the IP lead's name, role and
contact from the register's settings (:class:`Signatory`).

Writing the letter records that feedback was given (which clears "feedback due" on the case)
and records the report in the audit trail.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from nhsip_desktop.cases.model import Case
from nhsip_desktop.core.salutation import greeting
from nhsip_desktop.reports import fonts
from nhsip_desktop.reports.template import (
    RULE_GREY,
    TEXT_WIDTH,
    escape_text,
    format_date,
    keep_together,
    mm,
    para,
    styles,
    write_report,
)
from nhsip_desktop.store.assessments import Decision
from nhsip_desktop.store.errors import ValidationError

if TYPE_CHECKING:
    from nhsip_desktop.store.register import Register

__all__ = ["LETTER_SECTIONS", "Signatory", "letter_title", "write_feedback_letter"]

LETTER_SECTIONS: tuple[str, ...] = (
    "What we decided",
    "Why we reached this decision",
    "What happens next",
    "Confidentiality reminder",
)

NO_DECISION_MESSAGE = "Record the triage decision before writing the feedback letter."
SIGNATORY_ROLE = "Innovation and IP lead"


@dataclass(frozen=True)
class Signatory:
    """Who signs a paper to an innovator, and how to reach them: the register's settings
    (IP lead name, role, email, phone; the free-text IP lead contact when neither email nor
    phone is set)."""

    name: str
    role: str
    email: str = ""
    phone: str = ""
    contact: str = ""

    @classmethod
    def from_register(cls, register: Register, fallback_name: str = "") -> Signatory:
        """The IP lead from the settings; ``fallback_name`` (e.g. who made the decision)
        when no name is set there, else the user's display name."""
        settings = register.settings.all()
        role = str(settings.get("ip_lead_role") or "").strip() or SIGNATORY_ROLE
        name = (
            str(settings.get("ip_lead_name") or "").strip()
            or fallback_name.strip()
            or register.actor.display_name.strip()
        )
        # A name typed with the role after it ("Alex Morgan, Innovation and IP lead") keeps
        # the role once, on its own line.
        head, _, tail = name.rpartition(",")
        if head.strip() and tail.strip().lower() == role.lower():
            name = head.strip()
        return cls(
            name=name,
            role=role,
            email=str(settings.get("ip_lead_email") or "").strip(),
            phone=str(settings.get("ip_lead_phone") or "").strip(),
            contact=str(settings.get("ip_lead_contact") or "").strip(),
        )

    @property
    def me(self) -> str:
        """How the letter refers to its signer: "me (Alex Morgan)"."""
        return f"me ({self.name})" if self.name else "me"

    @property
    def reach(self) -> str:
        """ " by email to a@b.nhs.uk or by telephone on 01234 567890" (empty when not known)."""
        ways = []
        if self.email:
            ways.append(f"by email to {self.email}")
        if self.phone:
            ways.append(f"by telephone on {self.phone}")
        return " or ".join(ways)

    def contact_lines(self) -> list[str]:
        """The contact lines under the signature."""
        lines = []
        if self.email:
            lines.append(f"Email: {self.email}")
        if self.phone:
            lines.append(f"Telephone: {self.phone}")
        if not lines and self.contact:
            lines.append(f"Contact: {self.contact}")
        return lines


# What each triage outcome means, in a sentence the innovator can read without a glossary.
_OUTCOME_WORDS: dict[str, str] = {
    "adopt_share": (
        "We would like your idea to be put to use: adopted here, shared with others, or both, "
        "without any need to sell it or find a commercial partner."
    ),
    "develop_protect": (
        "We think your idea has real promise, and we would like to look at protecting it and "
        "developing it further."
    ),
    "more_information": (
        "We are not able to decide yet: we need a little more information from you first."
    ),
    "no_further_action": "We have decided not to take your idea further at this stage.",
}
_OUTCOME_FALLBACK = "We have now looked at your idea and reached a decision."


def _default_next_steps(outcome: str, signatory: Signatory) -> list[str]:
    """Sensible next steps for each triage outcome (the IP lead can write their own)."""
    me = signatory.me
    reply = (
        f"by replying to this letter or {signatory.reach}"
        if signatory.reach
        else ("by replying to this letter")
    )
    if outcome == "adopt_share":
        return [
            "We will work with you and your service on how the idea is adopted here and, where "
            "it would help, shared with other NHS organisations. We will be in touch shortly to "
            "agree the first steps, and we would like you to be involved as much as you wish.",
            "This is a real success. An idea that improves care is just as valuable when it is "
            "shared freely as when it is sold. Your name is recorded against the idea in our "
            "register, we will make sure you are credited whenever it is shared, and you are "
            "welcome to use this letter as a record of your contribution, for example at your "
            "appraisal.",
        ]
    if outcome == "develop_protect":
        return [
            "The next step is to get advice on how best to protect your idea, and then to decide "
            "together the best route for taking it forward. We will be in touch about this, and "
            "we will keep you involved at each stage.",
            "In the meantime, please keep the idea confidential. Please do not present it in a "
            "talk, poster, paper, thesis or on social media, and do not discuss it with "
            "companies or anyone outside the trust, until we have had that advice and told you "
            "it is safe to do so. Once an idea has been made public it can be too late to "
            "protect it. If you already have something like this planned, please tell me "
            "straight away so we can help you plan around it.",
        ]
    if outcome == "more_information":
        return [
            "Please send the information described above to "
            f"{me}, {reply}. Drawings, photographs, notes or data "
            "you already have are all helpful; there is no need to write anything formal.",
            "If you are not sure what to send, or it would be easier to talk it through, please "
            "get in touch and we will arrange a short conversation. As soon as we have what we "
            "need, we will look at your idea again and let you know the outcome. Until then, "
            "please keep the idea confidential.",
        ]
    if outcome == "no_further_action":
        return [
            "Thank you again for bringing your idea to us. This decision is not a judgement on "
            "the effort you have put in, and we hope it will not put you off sharing ideas in "
            "future.",
            "If things change, for example if the idea develops further, new evidence appears "
            "or someone shows an interest in it, please raise it with us again and we will "
            "gladly take another look.",
            "Where the trust does not plan to take an idea forward, the trust's IP policy may "
            "allow the rights in it to be handed back to you, so that you can develop it "
            f"yourself. If you would like to explore this, please talk to {me} first, before "
            "taking the idea forward outside the trust.",
        ]
    return [
        f"We will be in touch about the next steps. If you have any questions in the meantime, "
        f"please contact {me}."
    ]


def letter_title(case: Case) -> str:
    """The report title in every page's header (the reference, not the idea's title)."""
    return f"Feedback letter {case.reference}"


def _letter_styles() -> dict[str, ParagraphStyle]:
    s = styles()
    body = ParagraphStyle("LetterBody", parent=s["Body"], fontSize=10, leading=14, spaceAfter=6)
    return {
        "Body": body,
        "Letterhead": ParagraphStyle(
            "Letterhead", parent=body, fontName=fonts.BOLD, fontSize=15, leading=19
        ),
        "LetterheadSub": ParagraphStyle(
            "LetterheadSub", parent=s["Small"], fontSize=9, leading=12, spaceAfter=0
        ),
        "Date": ParagraphStyle("Date", parent=body, alignment=TA_RIGHT, spaceAfter=0),
        "To": ParagraphStyle("To", parent=body, spaceAfter=0),
        "Subject": ParagraphStyle(
            "Subject", parent=body, fontName=fonts.BOLD, fontSize=11, spaceAfter=9
        ),
        "Heading": ParagraphStyle(
            "Heading",
            parent=body,
            fontName=fonts.BOLD,
            fontSize=11,
            leading=14,
            spaceBefore=9,
            spaceAfter=3,
        ),
        "Quote": ParagraphStyle("Quote", parent=body, spaceAfter=0),
        "Sign": ParagraphStyle("Sign", parent=body, spaceAfter=0),
        "Reminder": ParagraphStyle(
            "Reminder", parent=s["Small"], fontSize=8.5, leading=11.5, spaceAfter=0
        ),
    }


def _names(case: Case, register: Register) -> list[str]:
    names = [c.name.strip() for c in register.cases.details(case.id).contributors]
    names = [n for n in names if n]
    if not names and case.lead_innovator.strip():
        names = [case.lead_innovator.strip()]
    return names


def _joined(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _quote(texts: list[str], style: ParagraphStyle) -> Table:
    """The IP lead's own words, set in from the margin with a rule beside them (one row per
    paragraph, so long reasons can run on to the next page)."""
    rows = [[Paragraph(escape_text(t), style)] for t in texts]
    table = Table(rows, colWidths=[TEXT_WIDTH - 6 * mm], hAlign="RIGHT", splitInRow=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), fonts.REGULAR),
                ("LINEBEFORE", (0, 0), (0, -1), 1.2, RULE_GREY),
                ("LEFTPADDING", (0, 0), (-1, -1), 9),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _paragraphs(text: str) -> list[str]:
    """Text typed by the IP lead, split into paragraphs at blank lines."""
    blocks = [b.strip() for b in text.replace("\r\n", "\n").split("\n\n")]
    return [b for b in blocks if b]


def _story(
    register: Register,
    case: Case,
    triage: Decision,
    route: Decision | None,
    today: dt.date,
    next_steps: str,
) -> list[Any]:
    s = _letter_styles()
    organisation = str(register.settings.get("organisation")).strip()
    signatory = Signatory.from_register(register, triage.decision_maker)
    names = _names(case, register)

    story: list[Any] = []
    # Letterhead and date.
    story += [
        para(organisation or "Innovation and IP", s["Letterhead"]),
        para("Innovation and intellectual property (IP)", s["LetterheadSub"]),
        Spacer(1, 3 * mm),
        para(format_date(today), s["Date"]),
        Spacer(1, 2 * mm),
    ]
    if names:
        story.append(para(f"To: {_joined(names)}", s["To"]))
        story.append(Spacer(1, 4 * mm))
    story += [
        para(greeting(names), s["Body"]),
        para(f"Your idea: {case.display_title} ({case.reference})", s["Subject"]),
    ]
    received = f", which reached us on {format_date(case.received_on)}" if case.received_on else ""
    story.append(
        para(
            f"Thank you for telling us about your idea{received}. Ideas from the people who see "
            "the problems first-hand are how care gets better, and we are grateful for the time "
            "and thought you have put into it. We have now looked at it carefully, and this "
            "letter lets you know where things stand.",
            s["Body"],
        )
    )

    # What we decided.
    decided = [
        para("What we decided", s["Heading"]),
        para(_OUTCOME_WORDS.get(triage.outcome, _OUTCOME_FALLBACK), s["Body"]),
        para(
            f"Our decision: {triage.outcome_label.strip() or triage.outcome} "
            f"(made on {format_date(triage.decided_on)})",
            s["Subject"],
        ),
    ]
    if route is not None:
        decided.append(
            para(
                f"How we will take it forward: {route.outcome_label.strip() or route.outcome} "
                f"(decided on {format_date(route.decided_on)})",
                s["Subject"],
            )
        )
    story.append(keep_together(decided, min_space=30 * mm))

    # Why: the IP lead's own reasons, as recorded.
    # The name only: a role typed after it ("Alex Morgan, IP lead") is in the signature.
    who = triage.decision_maker.split(",")[0].strip() or "the innovation and IP lead"
    reasons = [
        para("Why we reached this decision", s["Heading"]),
        para(f"Here are the reasons, as {who} recorded them:", s["Body"]),
        _quote(_paragraphs(triage.rationale) or [triage.rationale], s["Quote"]),
        Spacer(1, 3 * mm),
    ]
    if route is not None and route.rationale.strip():
        reasons += [
            para("And on how we will take it forward:", s["Body"]),
            _quote(_paragraphs(route.rationale), s["Quote"]),
            Spacer(1, 3 * mm),
        ]
    story.append(keep_together(reasons, min_space=30 * mm))

    # What happens next.
    steps = _paragraphs(next_steps) or _default_next_steps(triage.outcome, signatory)
    story.append(
        keep_together(
            [para("What happens next", s["Heading"]), para(steps[0], s["Body"])],
            min_space=30 * mm,
        )
    )
    story += [para(step, s["Body"]) for step in steps[1:]]

    # Closing and signature.
    reach = f" ({signatory.reach})" if signatory.reach else ""
    story.append(
        para(
            "If you have any questions about this letter, or anything in it does not look "
            f"right, please get in touch with me{reach}. I would be glad to hear from you.",
            s["Body"],
        )
    )
    signature = [
        Spacer(1, 1 * mm),
        para("With best wishes,", s["Sign"]),
        Spacer(1, 11 * mm),
        *([para(signatory.name, s["Sign"])] if signatory.name else []),
        para(signatory.role, s["Sign"]),
        *([para(organisation, s["Sign"])] if organisation else []),
        *[para(line, s["Sign"]) for line in signatory.contact_lines()],
        Spacer(1, 6 * mm),
        para(
            "Confidential: please keep this letter and the details of your idea between "
            "yourself and the people directly involved, and talk to us before sharing them "
            "with anyone else.",
            s["Reminder"],
        ),
    ]
    story.append(keep_together(signature, min_space=45 * mm))
    return story


def write_feedback_letter(
    register: Register,
    case_id: int,
    target: Path,
    *,
    today: dt.date | None = None,
    next_steps: str = "",
) -> Path:
    """Write the feedback letter for case ``case_id`` as a PDF at ``target``.

    The outcome and reasons come from the latest triage decision (and the latest route
    decision, when there is one); ``next_steps`` replaces the default text for the outcome.
    Afterwards the case records that feedback was given on ``today`` (clearing "feedback
    due") and the report is recorded in the audit trail.

    Raises ``ValidationError`` if no triage decision has been recorded or ``today`` is in the
    future (nothing is written), ``NotFoundError`` if there is no such case, and
    ``ReportWriteError`` if the file cannot be saved (nothing is then recorded).
    """
    today = today or dt.date.today()
    case = register.cases.get(case_id)
    triage = register.assessments.latest_decision(case_id, "triage")
    if triage is None:
        raise ValidationError(NO_DECISION_MESSAGE, "decision")
    if today > dt.date.today():
        raise ValidationError("A feedback letter cannot be dated in the future.", "today")
    route = register.assessments.latest_decision(case_id, "route")
    return write_report(
        register,
        target,
        title=letter_title(case),
        kind="feedback-letter",
        sections=LETTER_SECTIONS,
        outside_the_trust=True,  # sent to the innovator: no register internals
        story=_story(register, case, triage, route, today, next_steps),
        then=lambda: register.cases.record_feedback(case_id, today),
    )
