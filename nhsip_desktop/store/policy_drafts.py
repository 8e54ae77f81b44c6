"""``register.policy_drafts``: each generated draft of the trust's IP policy (table
``policy_drafts``, migration 0006) with the register facts it was drafted from.

Recording a draft is one audited transaction: the draft's row, the governance record's IP
policy (its version, approval date and the Annex A headings the draft covers) and their audit
rows commit together or not at all. :meth:`PolicyDraftManager.differences` compares the latest
draft's facts with the register's current ones, in words, for the governance screen.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from nhsip_desktop.governance.model import IpPolicy
from nhsip_desktop.governance.policy_builder import (
    Choices,
    Framework,
    PolicyDraft,
    PolicyFacts,
    PolicyMeta,
    carry_forward,
    choice_hints,
    default_choices,
    default_meta,
    fact_differences,
    gather_facts,
    included_headings,
    load_framework,
    validate_choices,
)

from .audit import canonical_json, diff
from .errors import NotFoundError, ValidationError

if TYPE_CHECKING:
    from .register import Register

__all__ = ["KIND_POLICY_DRAFT", "PolicyDraftManager"]

KIND_POLICY_DRAFT = "policy_draft"  # the audit record kind (and the Changes kind)
_COLUMNS = "id, version, generated_at, approved_on, review_on, choices, facts, actor"


def _refuse(problems: list[tuple[str, str]]) -> None:
    if problems:
        raise ValidationError(" ".join(m for _f, m in problems), problems[0][0], problems)


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _draft(row: Any) -> PolicyDraft:
    choices = json.loads(row[5])
    return PolicyDraft(
        id=int(row[0]),
        version=str(row[1]),
        generated_at=dt.datetime.fromisoformat(str(row[2])),
        approved_on=_date(row[3]),
        review_on=_date(row[4]),
        choices=choices if isinstance(choices, dict) else {},
        facts=PolicyFacts.from_json(json.loads(row[6])),
        actor=str(row[7]),
    )


class PolicyDraftManager:
    """``register.policy_drafts``."""

    def __init__(self, register: Register) -> None:
        self._reg = register

    # -- the register's facts -------------------------------------------------------------
    def current_facts(self) -> PolicyFacts:
        """What the register says now that a policy repeats (raises ``ValueError`` when the
        stored governance record cannot be read)."""
        record = self._reg.governance.record()
        return gather_facts(
            record,
            self._reg.settings.all(),
            self._reg.reference.revenue_policy(),
            self._reg.facts.ttc_arrangement(dt.date.today(), record),
        )

    def hints(self) -> dict[str, str]:
        """Governance values that pre-fill choices (where published, who approves)."""
        return choice_hints(self._reg.governance.record())

    def starting_choices(
        self, framework: Framework | None = None, facts: PolicyFacts | None = None
    ) -> Choices:
        """The choices a new draft starts from: the last recorded draft's, brought up to date
        with the register (see
        :func:`~nhsip_desktop.governance.policy_builder.carry_forward`), or the defaults
        pre-filled from the register when no draft is recorded yet."""
        framework = framework or load_framework()
        facts = facts or self.current_facts()
        hints = self.hints()
        draft = self.latest()
        if draft is None:
            return default_choices(framework, facts, hints)
        return carry_forward(framework, draft.choices, draft.facts, facts, hints)

    def starting_meta(self, today: dt.date) -> PolicyMeta:
        """The next version number, approver, and a review a year on (not yet approved)."""
        return default_meta(self._reg.governance.record(), today)

    # -- recorded drafts ------------------------------------------------------------------
    def record(
        self,
        meta: PolicyMeta,
        choices: Choices,
        facts: PolicyFacts,
        framework: Framework | None = None,
    ) -> PolicyDraft:
        """Record a generated version: its row (with the choices and the ``facts`` it was
        drafted from), and the governance record's IP policy set to its version, approver,
        approval date (the drafting date until it is approved), and the Annex A headings it
        covers; where it is published is kept. One transaction, audited.

        Raises ``ValidationError`` (every problem named) when the version, dates or choices
        cannot be recorded; nothing is then changed."""
        framework = framework or load_framework()
        today = dt.date.today()
        _refuse(meta.validate(today) + validate_choices(framework, choices))
        covered = sorted(h.number for h in included_headings(framework, choices))
        generated_at = dt.datetime.now(dt.UTC)
        row = {
            "version": meta.version.strip(),
            "generated_at": generated_at.isoformat(timespec="seconds"),
            "approved_on": meta.approved_on.isoformat() if meta.approved_on else None,
            "review_on": meta.review_due.isoformat(),
        }
        with self._reg.transaction() as tx:
            record = self._reg.governance.record()
            existing = record.policy
            record.policy = IpPolicy(
                version=meta.version.strip(),
                approved_by=meta.approved_by.strip(),
                approved_on=meta.approved_on or meta.drafted_on,
                last_review=None,
                published_at=existing.published_at if existing else "",
                headings_covered=covered,
            )
            self._reg.governance.save(record)  # joins this transaction, with its audit row
            cursor = self._reg.conn.execute(
                "INSERT INTO policy_drafts(version, generated_at, approved_on, review_on, "
                "choices, facts, actor) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    row["version"],
                    row["generated_at"],
                    row["approved_on"],
                    row["review_on"],
                    canonical_json(choices),
                    canonical_json(facts.to_json()),
                    self._reg.actor.describe(),
                ),
            )
            draft_id = int(cursor.lastrowid)
            tx.audit(
                "insert",
                KIND_POLICY_DRAFT,
                draft_id,
                diff(
                    None,
                    {
                        **row,
                        "headings_covered": covered,
                        "framework": f"{framework.id} version {framework.version}",
                    },
                ),
            )
        return self.get(draft_id)

    def get(self, draft_id: int) -> PolicyDraft:
        row = self._reg.conn.execute(
            f"SELECT {_COLUMNS} FROM policy_drafts WHERE id = ?", (draft_id,)
        ).fetchone()
        if row is None:
            raise NotFoundError(f"There is no policy draft {draft_id}.")
        return _draft(row)

    def latest(self) -> PolicyDraft | None:
        """The draft recorded last, or ``None``."""
        row = self._reg.conn.execute(
            f"SELECT {_COLUMNS} FROM policy_drafts ORDER BY id DESC LIMIT 1"
        ).fetchone()
        return _draft(row) if row else None

    def all(self) -> list[PolicyDraft]:
        """Every recorded draft, oldest first."""
        rows = self._reg.conn.execute(f"SELECT {_COLUMNS} FROM policy_drafts ORDER BY id")
        return [_draft(r) for r in rows]

    def differences(self, facts: PolicyFacts | None = None) -> list[str]:
        """What differs between the latest draft and the register now, one sentence each;
        empty when there is no draft or nothing has changed."""
        draft = self.latest()
        if draft is None:
            return []
        return fact_differences(draft.facts, facts or self.current_facts())
