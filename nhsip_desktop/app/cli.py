"""The ``nhsip-desktop`` command: the desktop app, and commands for IT staff and auditors.

Keys never come from the command line or the environment: the OS keyring first, else a
recovery key file named with ``--recovery-key-file`` or a passphrase read from standard
input with ``--passphrase-stdin`` (``cli_keys.py``).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

# Only what every command needs is imported here; each command imports the rest itself, so
# that `cases` never loads reports, importers or the keyring it does not use (issue 24).
from nhsip_desktop import APP_NAME, __version__
from nhsip_desktop.app import cli_form, cli_hub, cli_keys, cli_policy
from nhsip_desktop.app.cli_common import (
    EXIT_CHECK_FAILED,
    EXIT_ERROR,
    EXIT_OK,
    actor,
    add_key_file_option,
    begin,
    date_arg,
    given_passphrase,
    note,
)
from nhsip_desktop.app.cli_common import fail as _fail
from nhsip_desktop.app.cli_common import open_for_command as _open
from nhsip_desktop.app.cli_common import say as _say
from nhsip_desktop.cases.model import CaseFilter, Stage
from nhsip_desktop.core.errors import DamagedRegisterError, RegisterError
from nhsip_desktop.core.hardening import harden_process

if TYPE_CHECKING:
    from nhsip_desktop.store.register import Register

__all__ = ["EXIT_CHECK_FAILED", "EXIT_ERROR", "EXIT_OK", "actor", "main"]


def __getattr__(name: str) -> Any:
    """``build_demo`` (kept here for callers of old), imported only when asked for: the demo
    builder is not needed by any command but ``demo``."""
    if name == "build_demo":
        from nhsip_desktop.interchange.demo import build_demo

        return build_demo
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _sections() -> list[str]:
    from nhsip_desktop.reports.export import SECTION_KEYS

    return list(SECTION_KEYS)


_SECTIONS = "{sections}"


class _HelpFormatter(argparse.HelpFormatter):
    """Fills in the export sections only when help is shown: building the parser must not
    import the export code (every command builds the parser)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = super()._get_help_string(action)
        if text and _SECTIONS in text:
            text = text.replace(_SECTIONS, ", ".join(_sections()))
        return text


def _stages() -> list[str]:
    return [s.value for s in Stage]


class _Skipped:
    """Stands in for the parser of a command that was not asked for: takes every call that
    builds a parser and does nothing (building all twenty parsers cost about 20 ms a run)."""

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: self


class _OnlyCommand:
    """``add_subparsers()``'s action, building a real parser for ``only`` alone."""

    def __init__(self, action: Any, only: str) -> None:
        self._action, self._only = action, only

    def add_parser(self, name: str, **kwargs: Any) -> Any:
        return self._action.add_parser(name, **kwargs) if name == self._only else _Skipped()


def _command_in(argv: Sequence[str]) -> str | None:
    """The command ``argv`` names, when its first argument is one (else None: build all)."""
    first = argv[0] if argv else ""
    known = {"init", "check", "set-passphrase", "backup", "restore", "demo", "import"}
    known |= {"export", "verify-export", "report", "form", "policy", "change-key", "cases"}
    return first if first in known else None


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line; with ``only``, just the top level and that one command."""
    parser = argparse.ArgumentParser(
        prog=APP_NAME,
        description="An encrypted IP register that follows the IP guidance for the NHS in "
        "England (2025). With no command, starts the desktop app.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--demo", action="store_true", help="open the demo register (fictional cases) in the app"
    )
    parser.add_argument(
        "--open", dest="register", type=Path, metavar="PATH", help="a register to open in the app"
    )
    parser.add_argument(
        "--screenshot",
        type=Path,
        metavar="FILE",
        help="once the main window shows rows, save a picture of it to FILE (PNG)",
    )
    parser.add_argument(
        "--quit-after-ready",
        action="store_true",
        help="quit as soon as the main window shows rows (for checking an installation): "
        "exit 0 when rows were shown, 1 when none were within --ready-timeout seconds",
    )
    parser.add_argument(
        "--ready-timeout", type=float, default=60.0, metavar="SECONDS", help=argparse.SUPPRESS
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check that this installation works (a throwaway register in a temporary folder: "
        "write, read, a PDF, the audit chain, the window offscreen), then exit 0 or 1",
    )
    parser.add_argument(
        "--no-gui",
        action="store_true",
        help="with --self-test: skip the window check (for machines without Qt's libraries)",
    )
    sub: Any = parser.add_subparsers(dest="command", metavar="COMMAND")
    if only is not None:
        sub = _OnlyCommand(sub, only)

    p = sub.add_parser("init", help="create a new, empty register")
    p.add_argument("path", type=Path, help="the new register file (suggested suffix .nhsip)")
    p.add_argument(
        "--recovery-key-out",
        type=Path,
        required=True,
        metavar="FILE",
        help="where to write the recovery key (a new file, readable by you only)",
    )
    p.add_argument("--organisation", default="", metavar="NAME", help="the organisation's name")

    p = sub.add_parser("check", help="check a register's encryption, structure and audit trail")
    p.add_argument("path", type=Path)
    add_key_file_option(p)

    p = sub.add_parser(
        "set-passphrase",
        help="add (or replace) a passphrase that unlocks the register, for computers whose "
        "keyring cannot be used; you are asked to type it twice",
    )
    p.add_argument("path", type=Path)
    add_key_file_option(p)

    p = sub.add_parser("backup", help="make a verified, encrypted backup of a register")
    p.add_argument("path", type=Path)
    p.add_argument(
        "--to",
        type=Path,
        metavar="FOLDER",
        help="where to put it (default: the register's backups folder)",
    )
    add_key_file_option(p)

    p = sub.add_parser(
        "restore",
        help="restore a backup to PATH (a new file, or in place of a register, whose file is "
        "kept beside it)",
    )
    p.add_argument("backup", type=Path)
    p.add_argument("--to", dest="target", required=True, type=Path, metavar="PATH")
    p.add_argument(
        "--recovery-key-file",
        type=Path,
        metavar="FILE",
        help="the backup's recovery key file (else the keyring)",
    )

    p = sub.add_parser("demo", help="build a demo register of fictional cases, without a window")
    p.add_argument("path", type=Path)
    p.add_argument("--recovery-key-out", type=Path, required=True, metavar="FILE")
    p.add_argument("--cases", type=int, default=40, metavar="N", help="how many cases (default 40)")

    p = sub.add_parser(
        "import",
        help="import cases from a spreadsheet (CSV or XLSX) using a column mapping; all valid "
        "rows in one transaction, or nothing",
    )
    p.add_argument("path", type=Path, help="the register")
    p.add_argument("file", type=Path, help="the spreadsheet (.csv or .xlsx)")
    p.add_argument(
        "--mapping",
        required=True,
        type=Path,
        metavar="MAPFILE",
        help="the column mapping (JSON; format in the README)",
    )
    p.add_argument(
        "--only-valid",
        action="store_true",
        help="import the good rows even when some rows have problems",
    )
    p.add_argument(
        "--report",
        type=Path,
        metavar="FILE",
        help="write the refused rows and their problems to this CSV",
    )
    add_key_file_option(p)

    p = sub.add_parser("export", help="export the register for someone else")
    exports = p.add_subparsers(dest="export", metavar="EXPORT", required=True)
    e = exports.add_parser(
        "audit",
        formatter_class=_HelpFormatter,
        help="the auditor's export pack: CSV and XLSX files, a PDF listing, a manifest of "
        "hashes and a README (NOT encrypted; recorded in the audit trail)",
    )
    e.add_argument("path", type=Path)
    e.add_argument("--out", required=True, type=Path, metavar="FOLDER", help="a new folder")
    e.add_argument(
        "--sections",
        metavar="LIST",
        help="comma-separated sections to include (default: all): " + _SECTIONS,
    )
    add_key_file_option(e)
    cli_hub.add_export_parsers(exports)

    p = sub.add_parser(
        "verify-export",
        help="check an export pack against its signed manifest (needs no register or key)",
    )
    p.add_argument("folder", type=Path)
    p.add_argument(
        "--fingerprint",
        metavar="HEX",
        help="the register's signing key fingerprint (recovery sheet, board summary) to insist on",
    )

    p = sub.add_parser("report", help="write a PDF report")
    reports = p.add_subparsers(dest="report", metavar="REPORT", required=True)
    r = reports.add_parser("dossier", help="everything about one case, as a PDF")
    r.add_argument("path", type=Path)
    r.add_argument(
        "--case", required=True, metavar="REF", help="the case reference, e.g. IP-2026-0001"
    )
    r.add_argument("--out", required=True, type=Path, metavar="FILE")
    add_key_file_option(r)
    r = reports.add_parser(
        "letter",
        help="the feedback letter to the innovator (needs a triage decision); records that "
        "feedback was given",
    )
    r.add_argument("path", type=Path)
    r.add_argument("--case", required=True, metavar="REF", help="the case reference")
    r.add_argument("--out", required=True, type=Path, metavar="FILE")
    add_key_file_option(r)

    r = reports.add_parser("board", help="the two-page board summary for a period")
    r.add_argument("path", type=Path)
    r.add_argument(
        "--from",
        dest="start",
        required=True,
        type=date_arg,
        metavar="DATE",
        help="first day (dd/mm/yyyy or yyyy-mm-dd)",
    )
    r.add_argument(
        "--to",
        dest="end",
        required=True,
        type=date_arg,
        metavar="DATE",
        help="last day (dd/mm/yyyy or yyyy-mm-dd)",
    )
    r.add_argument("--out", required=True, type=Path, metavar="FILE")
    add_key_file_option(r)
    r = reports.add_parser(
        "annual-return",
        help="the annual return for the financial year 1 April YYYY to 31 March YYYY+1",
    )
    r.add_argument("path", type=Path)
    r.add_argument("--year", required=True, type=int, metavar="YYYY")
    r.add_argument("--out", required=True, type=Path, metavar="FILE")
    add_key_file_option(r)
    r = reports.add_parser("ttc", help="the TTC contract checklist (Annex B) for an agreement")
    r.add_argument("path", type=Path)
    r.add_argument("--agreement", required=True, metavar="REF", help="e.g. AG-2026-0001")
    r.add_argument("--out", required=True, type=Path, metavar="FILE")
    add_key_file_option(r)

    cli_form.add_parser(sub)
    cli_policy.add_parser(sub)
    cli_keys.add_parser(sub)
    cli_hub.add_parser(sub)

    p = sub.add_parser("cases", help="list cases, tab-separated: reference, stage, title")
    p.add_argument("path", type=Path)
    p.add_argument("--search", default="", metavar="TEXT", help="words to search for")
    p.add_argument("--stage", choices=_stages(), help="only cases at this stage")
    add_key_file_option(p)
    # The app's own way in for --open (the unlock dialog otherwise): a recovery key file, or
    # (added with every other --recovery-key-file below) a passphrase on standard input.
    parser.add_argument(
        "--recovery-key-file",
        dest="gui_recovery_key_file",
        type=Path,
        metavar="FILE",
        help="with --open: unlock the register with the recovery key in FILE",
    )
    parser.add_argument(
        "--exit-when-ready",
        action="store_true",
        help="with --open: quit (exit 0) once the window has shown the register's first rows "
        "(to time a start; see the README's performance section)",
    )
    cli_keys.add_passphrase_stdin(parser)
    return parser


def _write_new_register(path: Path, key_out: Path, organisation: str) -> tuple[Register, str]:
    from nhsip_desktop.core.keyfile import recovery_key_text, write_private_file
    from nhsip_desktop.store.recovery import encode_recovery_key
    from nhsip_desktop.store.register import Register
    from nhsip_desktop.store.unlock import store_in_keyring

    if key_out.exists():
        raise RegisterError(f"{key_out} already exists; it was not overwritten.")
    register = Register.create(path, actor=actor(), organisation=organisation)
    try:
        recovery = encode_recovery_key(register.data_key)
        write_private_file(
            key_out,
            recovery_key_text(
                recovery,
                register_path=path,
                register_id=register.register_id,
                organisation=organisation,
            ),
        )
    except BaseException:
        register.close()
        raise
    return register, store_in_keyring(register)


def cmd_init(args: argparse.Namespace) -> int:
    register, keyring_message = _write_new_register(
        args.path, args.recovery_key_out, args.organisation
    )
    with register:
        _say(f"Created register {args.path} (id {register.register_id}).")
        _say(f"Recovery key written to {args.recovery_key_out}: print it, keep it safe.")
        _say(keyring_message)
        if register.storage_notice:
            note(register.storage_notice)
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    _say(f"Checking {args.path}")
    try:
        register = _open(args.path, args.recovery_key_file)
    except DamagedRegisterError as exc:
        _say("FAIL  Opening the register: the key is right but the file is damaged")
        for problem in exc.problems[:20]:
            _say(f"      - {problem}")
        _say(str(exc))
        return EXIT_CHECK_FAILED
    with register:
        report = register.check()
        from nhsip_desktop.store.reconcile import reconcile_checks

        report.checks.extend(reconcile_checks(register))
        from nhsip_desktop.store.invariants import check_invariants

        violations = check_invariants(register)
    for name, passed, detail in report.checks:
        _say(f"{'PASS' if passed else 'FAIL'}  {name}: {detail}")
    ok = report.ok and not violations
    _say(
        f"{'FAIL' if violations else 'PASS'}  Register invariants: "
        + (f"{len(violations)} violation(s)" if violations else "every invariant holds")
    )
    for violation in violations[:200]:
        _say(f"      - [{violation.rule}] {violation}")
    if len(violations) > 200:
        _say(f"      ... and {len(violations) - 200} more")
    _say("All checks passed." if ok else "Some checks FAILED: see above.")
    return EXIT_OK if ok else EXIT_CHECK_FAILED


def ask_passphrase() -> str:
    """Ask twice, without echo. Never taken from arguments or the environment."""
    first = getpass.getpass("New passphrase (at least 10 characters): ")
    second = getpass.getpass("Type it again: ")
    if first != second:
        raise RegisterError("The two passphrases are different; nothing was changed.")
    return first


def cmd_set_passphrase(args: argparse.Namespace) -> int:
    from nhsip_desktop.store.unlock import set_passphrase

    with _open(args.path, args.recovery_key_file) as register:
        passphrase = ask_passphrase()
        written = set_passphrase(register, passphrase)  # audited before it is written
    _say(f"Passphrase set: {written.name} now unlocks {args.path.name} with that passphrase.")
    _say("Keep the recovery key as well: it is the way back in if the passphrase is forgotten.")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    if args.cases < 0 or args.cases > 1_000_000:
        return _fail("--cases must be between 0 and 1,000,000.")
    register, keyring_message = _write_new_register(args.path, args.recovery_key_out, "")
    with register:
        from nhsip_desktop.interchange.demo import build_demo

        added = build_demo(register, args.cases)
        _say(f"Created demo register {args.path} with {added} fictional cases.")
        _say(f"Recovery key written to {args.recovery_key_out}.")
        _say(keyring_message)
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from nhsip_desktop.interchange.importer import (
        import_rows,
        load_mapping,
        preview,
        read_table,
        write_refusal_report,
    )

    mapping = load_mapping(args.mapping)
    table = read_table(args.file, mapping)
    with _open(args.path, args.recovery_key_file) as register:
        result = preview(table, mapping, existing_titles=register.cases.titles())
        _say(f"{args.file.name}: {result.summary()}.")
        for row in result.bad_rows[:50]:
            problems = "; ".join(message for _field, message in row.errors)
            _say(f"  row {row.row_number}: {problems}")
        if args.report and result.bad_rows:
            _say(f"Refused rows written to {write_refusal_report(result, args.report)}.")
        if result.bad_rows and not args.only_valid:
            _say("Nothing was imported. Fix those rows, or add --only-valid to import the rest.")
            return EXIT_CHECK_FAILED
        report = import_rows(register, result, only_valid=args.only_valid)
    _say(report.message())
    return EXIT_OK


def cmd_backup(args: argparse.Namespace) -> int:
    from nhsip_desktop.store.backups import create_backup

    with _open(args.path, args.recovery_key_file) as register:
        info = create_backup(register, args.to, reason="manual")
    _say(
        f"Backed up and verified: {info.path} ({info.cases} cases, audit trail #{info.audit_seq})."
    )
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    from nhsip_desktop.store.backups import restore_backup
    from nhsip_desktop.store.header import read_header
    from nhsip_desktop.store.keystore import load_from_keyring
    from nhsip_desktop.store.recovery import decode_recovery_key
    from nhsip_desktop.store.unlock import read_recovery_key_file

    header = read_header(args.backup)
    if args.recovery_key_file:
        key = decode_recovery_key(read_recovery_key_file(args.recovery_key_file))
    elif given_passphrase() is not None and args.target.exists():
        from nhsip_desktop.store.keystore import read_passphrase_protector

        passphrase = given_passphrase() or ""
        key = read_passphrase_protector(args.target, passphrase, register_id=header.register_id)
    else:
        found = load_from_keyring(header.register_id)
        if found is None:
            return _fail("No key for this backup in the keyring: give --recovery-key-file.")
        key = found
    restored = restore_backup(args.backup, args.target, key)
    _say(f"Restored {args.backup.name} to {restored} (checked before it was put in place).")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from nhsip_desktop.reports.export import SECTION_KEYS, export_pack

    sections = list(SECTION_KEYS)
    if args.sections:
        sections = [s.strip() for s in args.sections.split(",") if s.strip()]
        unknown = sorted(set(sections) - set(SECTION_KEYS))
        if unknown:
            return _fail(f"Unknown section(s): {', '.join(unknown)}.")
    with _open(args.path, args.recovery_key_file) as register:
        result = export_pack(
            register,
            args.out,
            sections=sections,
            progress=lambda done, total, label: _say(f"[{done}/{total}] {label}"),
        )
    _say(f"Exported {len(result.files)} files to {result.folder}.")
    _say("The pack is NOT encrypted: keep it securely and delete it when the audit is done.")
    return EXIT_OK


def cmd_verify_export(args: argparse.Namespace) -> int:
    from nhsip_desktop.reports.export import verify_pack

    report = verify_pack(args.folder, expected_fingerprint=args.fingerprint)
    for problem in report.problems:
        _say(f"FAIL  {problem.file}: {problem.problem}")
    if report.fingerprint:
        _say(f"Signed by the key with fingerprint {report.fingerprint}")
    if not report.ok:
        _say(f"{len(report.problems)} problem(s): the pack is not as it was exported.")
        return EXIT_CHECK_FAILED
    _say(f"All files in {args.folder} match the manifest, and its signature is good.")
    if args.fingerprint is None:
        _say(
            "Check that fingerprint against the one on the register's recovery sheet or board "
            "summary (or pass it with --fingerprint)."
        )
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from nhsip_desktop.reports.dossier import write_dossier
    from nhsip_desktop.reports.fonts import describe_unshown, unshown_characters
    from nhsip_desktop.reports.letter import write_feedback_letter

    with _open(args.path, args.recovery_key_file) as register, unshown_characters() as unshown:
        if args.report in ("dossier", "letter"):
            writers = {"dossier": write_dossier, "letter": write_feedback_letter}
            case = register.cases.get_by_reference(args.case)
            written = writers[args.report](register, case.id, args.out)
            what = f"the {'dossier' if args.report == 'dossier' else 'feedback letter'} for "
            what += case.reference
        elif args.report == "board":
            from nhsip_desktop.reports.board import write_board_summary

            if args.end < args.start:
                return _fail("--to is before --from.")
            written = write_board_summary(register, args.start, args.end, args.out)
            what = f"the board summary for {args.start:%d/%m/%Y} to {args.end:%d/%m/%Y}"
        elif args.report == "annual-return":
            from nhsip_desktop.reports.annual_return import write_annual_return

            written = write_annual_return(register, args.year, args.out)
            what = f"the annual return for {args.year} to {args.year + 1}"
        else:
            from nhsip_desktop.guidance.checklists import ChecklistLibrary
            from nhsip_desktop.reports.ttc_report import write_ttc_report

            agreement = register.agreements.get_by_reference(args.agreement)
            assert agreement.id is not None
            record = register.assessments.latest_for_agreement(agreement.id, "ttc")
            checklist = ChecklistLibrary.load().get(
                "ttc", record.checklist_version if record else None
            )
            written = write_ttc_report(
                register,
                agreement.reference,
                agreement.title,
                checklist,
                record.answers if record else {},
                args.out,
            )
            what = f"the TTC checklist report for {agreement.reference}"
    _say(f"Wrote {what} to {written}.")
    if unshown:
        _say(f"Note: {describe_unshown(unshown)}")
    _say("The PDF is not encrypted: keep it as securely as the register itself.")
    return EXIT_OK


def _open_to_read(path: Path, recovery_key_file: Path | None) -> Register:
    """Open a register for a command that only prints (``open_for_command``, read-only: see
    ``Register.open``; docs/RELIABILITY.md says what such an open checks)."""
    from nhsip_desktop.store.unlock import open_register, read_recovery_key_file

    recovery = read_recovery_key_file(recovery_key_file) if recovery_key_file else None
    unlocked = open_register(
        path,
        actor=actor(),
        recovery_key=recovery,
        passphrase=None if recovery is not None else given_passphrase(),
        read_only=True,
    )
    if unlocked.key_change_message:
        _say(unlocked.key_change_message)
    return unlocked.register


def cmd_cases(args: argparse.Namespace) -> int:
    from nhsip_desktop.store.sqlcipher import DatabaseError

    with _open_to_read(args.path, args.recovery_key_file) as register:
        flt = CaseFilter(text=args.search, stage=Stage(args.stage) if args.stage else None)
        out = sys.stdout
        try:
            for reference, stage, title in register.cases.listing(flt):
                title = title.replace("\t", " ").replace("\n", " ")
                out.write(f"{reference}\t{stage}\t{title}\n")
        except DatabaseError as exc:  # a damaged page, met as it was read (never wrong rows)
            out.flush()
            return _fail(
                f"{args.path.name} is damaged: the key is right, but part of it cannot be read "
                f"({exc}). Nothing has been changed. Run `nhsip-desktop check` on it, restore "
                "it from its most recent backup, and keep this file for investigation."
            )
        out.flush()
    return EXIT_OK


def cmd_self_test(args: argparse.Namespace) -> int:
    from nhsip_desktop.app.selftest import run_self_test

    # A windowed Windows build has no console: sys.stdout is None there, and only the exit
    # code speaks (`start /wait nhsip-desktop.exe --self-test` then `echo %ERRORLEVEL%`).
    say = _say if sys.stdout is not None else None
    result = run_self_test(gui=not args.no_gui, say=say)
    if say is not None:
        say("Self-test passed." if result.ok else "Self-test FAILED: see above.")
    return EXIT_OK if result.ok else EXIT_CHECK_FAILED


def main(argv: Sequence[str] | None = None) -> int:
    harden_process()  # before any key is read: no core dump may hold it
    argv = list(sys.argv[1:] if argv is None else argv)
    # A command's parser alone when the first argument names it (the usual case); anything
    # else (help, the app's options, a mistake) gets the whole parser and its messages.
    only = _command_in(argv)
    args = build_parser(only).parse_args(argv) if only else build_parser().parse_args(argv)
    commands = {
        "init": cmd_init,
        "check": cmd_check,
        "set-passphrase": cmd_set_passphrase,
        "demo": cmd_demo,
        "cases": cmd_cases,
        "report": cmd_report,
        "import": cmd_import,
        "export": lambda a: cmd_export(a) if a.export == "audit" else cli_hub.run_export(a),
        "backup": cmd_backup,
        "restore": cmd_restore,
        "verify-export": cmd_verify_export,
        "form": cli_form.run,
        "policy": cli_policy.run,
        "change-key": cli_keys.cmd_change_key,
        "hub": cli_hub.run,
    }
    if args.self_test:
        return cmd_self_test(args)
    _remove_export_leftovers()
    if args.command is None:
        return run_gui(args)
    try:
        begin(args)
        return commands[args.command](args)
    except BrokenPipeError:  # e.g. `cases ... | head -1`: the reader has all it wanted
        _silence_stdout()
        return EXIT_OK
    except (RegisterError, FileExistsError) as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"{exc.strerror or exc}: {exc.filename or ''}".strip())


def _silence_stdout() -> None:
    """After a broken pipe, point standard output at the null device, so that Python's own
    flush at exit does not print "Exception ignored ... BrokenPipeError" (the way the Python
    documentation recommends, under "Note on SIGPIPE")."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real descriptor (tests, no console)
        pass


def display_problem() -> str | None:
    """Why Qt could not open a window here, or None when it probably can."""
    if (os.environ.get("QT_QPA_PLATFORM") or "xcb").split(":")[0] != "xcb":
        return None  # offscreen, wayland...: no X11 libraries needed
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        return (
            "no display is available, so the window cannot open. Run it on a desktop, or "
            "with `xvfb-run -a nhsip-desktop ...` (tests use QT_QPA_PLATFORM=offscreen)."
        )
    from nhsip_desktop.core.display_check import x11_problem

    return x11_problem()


def _remove_export_leftovers() -> None:
    """Every start, app or command: remove the plaintext work folders of exports that a crash
    stopped part-way (see reports.export.remove_leftover_work). The export machinery is
    imported only when its list of work in progress exists."""
    from .appconfig import EXPORTS_IN_PROGRESS, config_dir

    try:
        listed = (config_dir() / EXPORTS_IN_PROGRESS).read_bytes()
    except OSError:  # no list (the usual case): nothing was left
        return
    if _only_running_exports(listed):
        return  # exports still under way in other processes: theirs to finish and remove
    from nhsip_desktop.reports.export import remove_leftover_work

    removed = remove_leftover_work()
    if removed:
        print(
            f"Removed {len(removed)} unfinished export folder(s) left by an earlier crash.",
            file=sys.stderr,
        )


def _only_running_exports(listed: bytes) -> bool:
    """True when every export in the list of work in progress belongs to another process
    that is still running (so ``remove_leftover_work`` would keep them all, and its module,
    the whole export machinery, need not be imported)."""
    import json

    from nhsip_desktop.store.lock import pid_alive

    try:
        items = json.loads(listed)
    except ValueError:
        return False
    if not isinstance(items, list):
        return False
    return all(
        isinstance(item, dict)
        and isinstance(item.get("pid"), int)
        and item["pid"] != os.getpid()
        and pid_alive(item["pid"])
        for item in items
    )


def run_gui(args: argparse.Namespace) -> int:
    problem = display_problem()
    if problem:
        return _fail(problem)
    if args.register is None and (args.gui_recovery_key_file or args.passphrase_stdin):
        return _fail("--recovery-key-file or --passphrase-stdin without a command needs --open.")
    if args.exit_when_ready and args.register is None and not args.demo:
        return _fail("--exit-when-ready needs --open PATH (or --demo).")
    try:
        begin(args)  # --passphrase-stdin: read before the window opens
    except RegisterError as exc:
        return _fail(str(exc))
    from nhsip_desktop.ui.app import run

    return run(
        demo=args.demo,
        register=args.register,
        screenshot=args.screenshot,
        quit_after_ready=args.quit_after_ready,
        ready_timeout=args.ready_timeout,
        recovery_key_file=args.gui_recovery_key_file,
        passphrase=given_passphrase() if args.gui_recovery_key_file is None else None,
        exit_when_ready=args.exit_when_ready,
    )


if __name__ == "__main__":
    raise SystemExit(main())
