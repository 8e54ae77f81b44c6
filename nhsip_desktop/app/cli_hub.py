"""``nhsip-desktop export hub-key|hub`` (trust side) and ``nhsip-desktop hub ...`` (the hub).

The trust's commands open its register like every other command; the hub's commands all take
``--dsn`` (a libpq connection string, e.g. ``"host=db.hub.nhs.uk dbname=hub user=ingest"``;
passwords belong in ``~/.pgpass`` or ``PGPASSFILE``, never on the command line).
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from nhsip_desktop.app.cli_common import EXIT_CHECK_FAILED, EXIT_OK, add_key_file_option, say
from nhsip_desktop.app.cli_common import open_for_command as open_register_for_command

__all__ = ["add_export_parsers", "add_parser", "run", "run_export"]


def _date(text: str) -> dt.date:
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise argparse.ArgumentTypeError(f"{text!r} is not a date: use dd/mm/yyyy")


def add_export_parsers(exports: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``export hub-key`` and ``export hub`` (added to the ``export`` command's choices)."""
    e = exports.add_parser(
        "hub-key",
        help="the register's public signing key (PEM), for the regional hub to pin once",
    )
    e.add_argument("path", type=Path)
    e.add_argument("--out", required=True, type=Path, metavar="FILE")
    add_key_file_option(e)
    e = exports.add_parser(
        "hub",
        help="the data shared with the regional hub: one file, signed by the register and "
        "encrypted to the hub (recorded in the audit trail)",
    )
    e.add_argument("path", type=Path)
    e.add_argument(
        "--recipient", required=True, type=Path, metavar="FILE", help="the hub's recipient file"
    )
    e.add_argument("--out", required=True, type=Path, metavar="FILE")
    e.add_argument(
        "--include-titles",
        action="store_true",
        help="also share case titles and summaries, right and agreement titles, and the "
        "wording of deadlines (left out by default)",
    )
    e.add_argument("--ods", metavar="CODE", help="the trust's ODS code (default: Settings)")
    add_key_file_option(e)


def run_export(args: argparse.Namespace) -> int:
    from nhsip_desktop.hub.pack import SECTION_LABELS, collect, write_hub_pack

    with open_register_for_command(args.path, args.recovery_key_file) as register:
        if args.export == "hub-key":
            from nhsip_desktop.core.safe_write import atomic_write_bytes

            atomic_write_bytes(args.out, register.signing.public_key_pem())
            say(f"Wrote the register's public signing key to {args.out}.")
            say(f"Fingerprint: {register.signing.fingerprint()}")
            say("Give it to the hub with that fingerprint by a second route (e.g. read aloud).")
            return EXIT_OK
        contents = collect(register, include_titles=args.include_titles, ods_code=args.ods)
        written = write_hub_pack(register, contents, args.recipient, args.out)
    say(f"Wrote the hub pack for {contents.ods_code} to {written}:")
    for name, count in contents.counts.items():
        say(f"  {SECTION_LABELS[name]}: {count:,}")
    say(
        "  Titles and summaries: "
        + ("INCLUDED" if contents.includes_titles else "not included (use --include-titles)")
    )
    say("It is encrypted to the hub: only the hub's identity can read it.")
    return EXIT_OK


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "hub", help="the regional hub's PostgreSQL database (for the hub's IT; docs/HUB.md)"
    )
    hub = p.add_subparsers(dest="hub", metavar="HUBCOMMAND", required=True)

    def with_dsn(name: str, help_text: str) -> argparse.ArgumentParser:
        q = hub.add_parser(name, help=help_text)
        q.add_argument(
            "--dsn", required=True, help="libpq connection string (passwords in ~/.pgpass)"
        )
        return q

    q = with_dsn("init", "create the hub schema (row-level security) and the hub's key pair")
    q.add_argument("--identity-out", required=True, type=Path, metavar="FILE")
    q.add_argument("--recipient-out", required=True, type=Path, metavar="FILE")
    q = with_dsn("add-trust", "pin a trust's signing key (again to rotate it)")
    q.add_argument("--ods", required=True, metavar="CODE")
    q.add_argument("--name", required=True)
    q.add_argument("--signing-key", required=True, type=Path, metavar="FILE")
    q = with_dsn("ingest", "decrypt, verify and load trusts' packs")
    q.add_argument("--identity", required=True, type=Path, metavar="FILE")
    q.add_argument("packs", nargs="+", type=Path, metavar="PACK")
    q = with_dsn("grant", "let a database role read one trust's rows only")
    q.add_argument("--ods", required=True, metavar="CODE")
    q.add_argument("--role", required=True, metavar="NAME")
    q = with_dsn("report", "the consolidated PDF report")
    q.add_argument("--out", required=True, type=Path, metavar="FILE")
    q.add_argument("--from", dest="start", type=_date, metavar="DATE")
    q.add_argument("--to", dest="end", type=_date, metavar="DATE")


def run(args: argparse.Namespace) -> int:
    from nhsip_desktop.hub import db

    try:
        return _run(args)
    except db.DatabaseError as exc:
        from nhsip_desktop.app.cli_common import fail

        reason = exc.diag.message_primary or type(exc).__name__
        return fail(f"The hub database refused: {reason}")


def _run(args: argparse.Namespace) -> int:
    from nhsip_desktop.hub import db

    if args.hub == "init":
        recipient = db.init_hub(args.dsn, args.identity_out, args.recipient_out)
        say("Created the hub schema, with row-level security on every table.")
        say(f"Hub identity (private, keep it safe): {args.identity_out}")
        say(f"Hub recipient (give to each trust): {args.recipient_out} ({recipient})")
        return EXIT_OK
    if args.hub == "add-trust":
        fingerprint = db.add_trust(args.dsn, args.ods, args.name, args.signing_key.read_bytes())
        say(f"Pinned the signing key of {args.ods.upper()} ({args.name}).")
        say(f"Fingerprint: {fingerprint}: check it with the trust by a second route.")
        return EXIT_OK
    if args.hub == "ingest":
        from nhsip_desktop.hub.pack import read_identity

        results = db.ingest_files(args.dsn, args.packs, read_identity(args.identity))
        for r in results:
            say(f"{r.outcome.upper():9} {r.file} ({r.ods_code}): {r.detail}")
        return EXIT_CHECK_FAILED if any(r.outcome == "refused" for r in results) else EXIT_OK
    if args.hub == "grant":
        created = db.grant_trust(args.dsn, args.ods, args.role)
        say(f"Role {args.role} now reads {args.ods.upper()}'s rows only.")
        if created:
            say(f"The role was created without a login: ALTER ROLE {args.role} LOGIN PASSWORD ...")
        return EXIT_OK
    from nhsip_desktop.hub.report import write_hub_report

    if args.start and args.end and args.end < args.start:
        from nhsip_desktop.app.cli_common import fail

        return fail("--to is before --from.")
    with db.connect(args.dsn) as conn:
        written = write_hub_report(conn, args.out, start=args.start, end=args.end)
    say(f"Wrote the consolidated hub report to {written}.")
    return EXIT_OK
