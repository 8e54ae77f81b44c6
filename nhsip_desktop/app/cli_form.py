"""The ``nhsip-desktop form`` commands (wired into ``cli.py``; keep heavy imports inside run).

- ``form blank PATH --out FILE [--contact TEXT]``: save the blank, fillable staff disclosure
  form for the register at PATH (its organisation and marking; the IP lead's contact from
  ``--contact``). Audited as a report.
- ``form import PATH FILE [--as-draft]``: read a completed form, show what it says and any
  problems, and create the case with the PDF attached. A form with things still to complete
  is imported only with ``--as-draft``; one with blocking problems, or imported before, never.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from nhsip_desktop.app.cli_common import add_key_file_option


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``form`` command and its subcommands to the top-level parser."""
    p = sub.add_parser(
        "form", help="the fillable staff disclosure form: save a blank one, import completed ones"
    )
    forms = p.add_subparsers(dest="form", metavar="FORM", required=True)
    b = forms.add_parser(
        "blank",
        help="save the blank, fillable disclosure form (PDF) for staff to fill in; it carries "
        "the register's organisation, marking and the IP lead's contact, nothing else",
    )
    b.add_argument("path", type=Path, help="the register (for the organisation and marking)")
    b.add_argument("--out", required=True, type=Path, metavar="FILE", help="the PDF to write")
    b.add_argument(
        "--contact",
        metavar="TEXT",
        help="who staff send the completed form to: name, email, phone (shown on every page)",
    )
    add_key_file_option(b)
    i = forms.add_parser(
        "import",
        help="import a completed disclosure form (PDF) as a case, with the PDF attached",
    )
    i.add_argument("path", type=Path, help="the register")
    i.add_argument("file", type=Path, help="the completed form (.pdf)")
    i.add_argument(
        "--as-draft",
        action="store_true",
        help="import a form that is not complete enough to submit as a draft case",
    )
    add_key_file_option(i)


def run(args: argparse.Namespace) -> int:
    """Run a ``form`` subcommand; return the exit code (see cli_common.EXIT_*)."""
    if args.form == "blank":
        return _blank(args)
    return _import(args)


def _blank(args: argparse.Namespace) -> int:
    from nhsip_desktop.app.cli_common import EXIT_OK, fail, open_for_command, say
    from nhsip_desktop.reports.disclosure_form import write_blank_form

    with open_for_command(args.path, args.recovery_key_file) as register:
        contact = args.contact
        if contact is None and not str(register.settings.all().get("ip_lead_contact") or ""):
            return fail(
                "Say who staff should send the form to, with --contact (for example "
                '--contact "Priya Shah, innovation@trust.nhs.uk, 01632 960123").'
            )
        written = write_blank_form(register, args.out, contact)
    say(f"Wrote the blank disclosure form to {written}.")
    say("It holds no register content: share it with staff (intranet, email, print).")
    return EXIT_OK


def _import(args: argparse.Namespace) -> int:
    from nhsip_desktop.app.cli_common import EXIT_CHECK_FAILED, EXIT_OK, open_for_command, say
    from nhsip_desktop.interchange.disclosure_form import field_label
    from nhsip_desktop.interchange.form_reader import read_form

    form = read_form(args.file)
    reading = form.reading
    with open_for_command(args.path, args.recovery_key_file) as register:
        say(f"{form.name}: disclosure form version {form.version}, {reading.filled} fields filled.")
        say(f"  Title: {reading.title or '(none)'}")
        if reading.missing:
            say(
                f"  This is an older version of the form, which did not ask for: "
                f"{'; '.join(reading.missing)}. Ask the innovator about these."
            )
        for problem in reading.problems:
            kind = "PROBLEM" if problem.blocking else "TO COMPLETE"
            say(f"  {kind}  {field_label(problem.field)}: {problem.message}")
        earlier = register.form_imports.find(reading.fields_sha256)
        if earlier is not None:
            say(
                f"This form has already been imported, as case {earlier.reference}: nothing "
                "was imported."
            )
            return EXIT_CHECK_FAILED
        say(reading.summary_text())
        if reading.blocking:
            say("Nothing was imported. Ask for the form to be put right and sent again.")
            return EXIT_CHECK_FAILED
        if not reading.complete and not args.as_draft:
            say("Nothing was imported. Add --as-draft to import it as a draft to complete.")
            return EXIT_CHECK_FAILED
        case = register.form_imports.import_form(form, as_draft=args.as_draft)
    say(
        f"Imported as case {case.reference} ({case.stage.label}), with the form attached. "
        "Keep the emailed copy as securely as the register, or delete it."
    )
    return EXIT_OK
