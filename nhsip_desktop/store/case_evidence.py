"""Named queries for the evidence file of one case (the dossier): what the register holds
about it beyond the case row itself, read through the managers, plus its audit-trail rows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .audit import AuditEntry

if TYPE_CHECKING:
    from .register import Register

__all__ = ["CASE_RECORD_KINDS", "case_audit_entries"]

# Audit rows whose record id is "<case reference>/<row id>".
CASE_RECORD_KINDS: tuple[str, ...] = (
    "decision",
    "assessment",
    "return",
    "worksheet",
    "attachment",
)


def case_audit_entries(register: Register, case_id: int) -> list[AuditEntry]:
    """Every audit-trail row about the case, oldest first: the case and its disclosure,
    stage changes, decisions, checklists, worksheets, attachments, returns, its rights (and
    their reviews), costs charged to it and the agreements linked to it."""
    reference = register.cases.get(case_id).reference
    records = [("case", reference), ("case_details", reference)]
    prefixes = [(kind, f"{reference}/") for kind in CASE_RECORD_KINDS]
    for right in register.rights.for_case(case_id):
        records.append(("right", str(right.id)))
        prefixes.append(("review", f"right {right.id}/"))
    for cost in register.costs.list(case_id=case_id):
        records.append(("cost", str(cost.id)))
    for agreement in register.agreements.for_case(case_id):
        records.append(("agreement", agreement.reference))
    return register.audit.for_records(records, prefixes)
