"""``register.form_imports``: completed staff disclosure forms imported as cases (table
``form_imports``, migration 0006), recognised by a hash of their field values.

One import is one transaction: the case is created (through ``register.cases``: added, given
its disclosure, and submitted when the form is complete), the PDF itself is stored as an
encrypted attachment, the ``form_imports`` row is written, and an ``import`` audit row records
the file, its version, its hash and the case made. A form already imported is refused, naming
the case it became.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nhsip_desktop.cases.model import Case, Stage
from nhsip_desktop.interchange.disclosure_form import FormProblem, field_label

from .audit import utc_now
from .errors import RegisterError

if TYPE_CHECKING:
    from nhsip_desktop.interchange.form_reader import CompletedForm

    from .register import Register

__all__ = ["DuplicateFormError", "FormImport", "FormImportManager", "FormNotImportableError"]


class DuplicateFormError(RegisterError):
    """This completed form has been imported before."""

    def __init__(self, message: str, reference: str) -> None:
        super().__init__(message)
        self.reference = reference


class FormNotImportableError(RegisterError):
    """The form has problems that must be put right before it can be imported."""


@dataclass(frozen=True)
class FormImport:
    """A completed form imported: its hash, the case it became and the stored PDF."""

    fields_sha256: str
    case_id: int
    reference: str
    form_version: str
    attachment_id: int | None
    imported_at: str


def _listed(problems: list[FormProblem]) -> str:
    text = " ".join(f"{field_label(p.field)}: {p.message}" for p in problems[:5])
    return text + (" (and more)" if len(problems) > 5 else "")


def _duplicate(found: FormImport) -> DuplicateFormError:
    return DuplicateFormError(
        f"This form has already been imported, as case {found.reference}: it was not "
        "imported again. Open that case to see it.",
        found.reference,
    )


class FormImportManager:
    """``register.form_imports``."""

    def __init__(self, register: Register) -> None:
        self._reg = register

    _SELECT = (
        "SELECT f.fields_sha256, f.case_id, c.reference, f.form_version, f.attachment_id, "
        "f.imported_at FROM form_imports f JOIN cases c ON c.id = f.case_id"
    )

    def find(self, fields_sha256: str) -> FormImport | None:
        """The earlier import of a form with these field values, if there was one."""
        row = self._reg.conn.execute(
            self._SELECT + " WHERE f.fields_sha256 = ?", (fields_sha256,)
        ).fetchone()
        return FormImport(*row) if row else None

    def for_case(self, case_id: int) -> list[FormImport]:
        rows = self._reg.conn.execute(
            self._SELECT + " WHERE f.case_id = ? ORDER BY f.imported_at", (case_id,)
        ).fetchall()
        return [FormImport(*r) for r in rows]

    def import_form(
        self, form: CompletedForm, *, as_draft: bool = False, today: dt.date | None = None
    ) -> Case:
        """Create the case for ``form`` and keep the PDF with it, in one audited transaction.

        A complete form becomes a Submitted case (received today, so the feedback clock starts).
        A form with things still to complete is imported only when ``as_draft`` is True, as a
        Draft for the IP lead to complete; one with blocking problems is never imported
        (:class:`FormNotImportableError`). A form imported before raises
        :class:`DuplicateFormError` naming its case. Nothing is written unless all succeeds.
        """
        today = today or dt.date.today()
        reading = form.reading
        if reading.blocking:
            raise FormNotImportableError("Nothing was imported: " + _listed(reading.blocking))
        if not reading.complete and not as_draft:
            raise FormNotImportableError(
                "Nothing was imported: the form is not complete enough to submit ("
                + _listed(reading.problems)
                + "). Import it as a draft to complete it in the app, or ask for it to be "
                "completed and sent again."
            )
        cases = self._reg.cases
        with self._reg.transaction() as tx:
            found = self.find(reading.fields_sha256)
            if found is not None:
                raise _duplicate(found)
            case = cases.add(
                reading.title,
                summary=reading.summary,
                stage=Stage.DRAFT,
                ip_kinds=reading.ip_kinds,
                received_on=today,
                year=today.year,
            )
            case = cases.save_disclosure(
                case.id,
                title=reading.title,
                summary=reading.summary,
                ip_kinds=reading.ip_kinds,
                disclosure=reading.disclosure,
            )
            if reading.complete:
                case = cases.change_stage(
                    case.id,
                    Stage.SUBMITTED,
                    note=f"Imported from the staff disclosure form {form.name}.",
                    today=today,
                )
            attachment = self._reg.attachments.add(case.id, form.name, form.data)
            now = utc_now()
            self._reg.conn.execute(
                "INSERT INTO form_imports(fields_sha256, case_id, form_version, attachment_id, "
                "imported_at) VALUES (?, ?, ?, ?, ?)",
                (reading.fields_sha256, case.id, form.version, attachment.id, now),
            )
            tx.audit(
                "import",
                "form_import",
                case.reference,
                {
                    "file": [None, form.name],
                    "form_version": [None, form.version],
                    "fields_sha256": [None, reading.fields_sha256],
                    "stage": [None, case.stage.value],
                    "completed_by": [None, reading.completed_by],
                    "completed_on": [
                        None,
                        reading.completed_on.isoformat() if reading.completed_on else None,
                    ],
                    "problems": [
                        None,
                        [f"{field_label(p.field)}: {p.message}" for p in reading.problems],
                    ],
                    "missing_from_older_version": [None, reading.missing],
                },
            )
            tx.case_ids.add(case.id)
        return cases.get(case.id)
