"""The ``nhsip-desktop policy`` commands (wired into ``cli.py``; keep heavy imports inside run).

``policy draft PATH --out FILE.docx [--pdf FILE.pdf]`` drafts the trust's IP policy from the
register over Annex A's twelve headings: the choices of the last recorded draft (brought up to
date with the register), or the defaults when none is recorded. Writing the files is recorded
in the audit trail as a report; ``--record`` also records the draft as a new version in the
governance record (version, approval date, headings covered), which is what the governance
screen's "out of date" notice compares the register with. Without ``--record`` the files are
a preview and the governance record is left as it is.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from nhsip_desktop.app.cli_common import add_key_file_option, date_arg


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``policy`` command and its subcommands to the top-level parser."""
    p = sub.add_parser("policy", help="draft the trust's IP policy over the Annex A headings")
    commands = p.add_subparsers(dest="policy_command", metavar="SUBCOMMAND", required=True)
    d = commands.add_parser(
        "draft",
        help="write a draft IP policy (Word, and optionally PDF) from the register's governance "
        "record, revenue-sharing bands and settings",
    )
    d.add_argument("path", type=Path, help="the register")
    d.add_argument(
        "--out", required=True, type=Path, metavar="FILE.docx", help="the Word document to write"
    )
    d.add_argument("--pdf", type=Path, metavar="FILE.pdf", help="also write the draft as a PDF")
    d.add_argument(
        "--version",
        dest="policy_version",
        metavar="V",
        help="the policy version (default: the one after the governance record's, or 1.0)",
    )
    d.add_argument(
        "--approved-by",
        metavar="WHO",
        help="who approves it (default: as recorded, or Trust Board)",
    )
    d.add_argument(
        "--approved-on",
        type=date_arg,
        metavar="DATE",
        help="the approval date, once approved (dd/mm/yyyy; default: not yet approved)",
    )
    d.add_argument(
        "--review-on",
        type=date_arg,
        metavar="DATE",
        help="when the next review is due (default: a year after approval or drafting)",
    )
    d.add_argument(
        "--record",
        action="store_true",
        help="also record this draft as the policy's new version in the governance record",
    )
    add_key_file_option(d)


def run(args: argparse.Namespace) -> int:
    """Run a ``policy`` subcommand; return the exit code (see cli_common.EXIT_*)."""
    from dataclasses import replace

    from nhsip_desktop.app.cli_common import EXIT_OK, fail, open_for_command, say
    from nhsip_desktop.governance.policy_builder import (
        build_document,
        load_framework,
        validate_choices,
    )
    from nhsip_desktop.reports.policy import write_policy_docx, write_policy_pdf

    if args.policy_command != "draft":  # argparse allows no other
        return fail(f"unknown policy command {args.policy_command!r}")
    if args.out.suffix.lower() != ".docx":
        return fail("--out must name a Word document ending in .docx.")
    if args.pdf is not None and args.pdf.suffix.lower() != ".pdf":
        return fail("--pdf must name a file ending in .pdf.")
    today = dt.date.today()
    with open_for_command(args.path, args.recovery_key_file) as register:
        drafts = register.policy_drafts
        framework = load_framework()
        try:
            facts = drafts.current_facts()
        except ValueError as exc:
            return fail(f"the governance record could not be read ({exc}).")
        choices = drafts.starting_choices(framework, facts)
        meta = drafts.starting_meta(today)
        meta = replace(
            meta,
            version=args.policy_version or meta.version,
            approved_by=args.approved_by or meta.approved_by,
            approved_on=args.approved_on,
            review_on=args.review_on,
        )
        problems = meta.validate(today) + validate_choices(framework, choices)
        if problems:
            return fail(" ".join(message for _field, message in problems))
        document = build_document(framework, choices, facts, meta)
        written = [write_policy_docx(register, document, args.out)]
        if args.pdf is not None:
            written.append(write_policy_pdf(register, document, args.pdf))
        if args.record:
            draft = drafts.record(meta, choices, facts, framework)
            recorded = (
                f"Recorded version {draft.version} in the governance record "
                f"({len(document.sections)} of 12 Annex A headings covered)."
            )
        else:
            recorded = (
                "Not recorded as a new version (add --record to record it in the governance "
                "record)."
            )
    for path in written:
        say(f"Wrote the draft IP policy, version {meta.version}, to {path}.")
    say(recorded)
    return EXIT_OK
