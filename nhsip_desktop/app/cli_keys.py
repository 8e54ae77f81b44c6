"""Key commands: ``change-key``, and ``--passphrase-stdin`` wherever a key may be given.

Keys never come from the command line or the environment: the OS keyring, a recovery key
file (``--recovery-key-file``), or a passphrase read from standard input
(``--passphrase-stdin``, the first line; for scripts and for computers without a keyring).
"""

from __future__ import annotations

import argparse
import getpass
from pathlib import Path

from nhsip_desktop.app.cli_common import add_key_file_option, given_passphrase, unlock
from nhsip_desktop.core.errors import RegisterError
from nhsip_desktop.core.keyfile import recovery_key_text, write_private_file


def add_passphrase_stdin(parser: argparse.ArgumentParser) -> None:
    """Add ``--passphrase-stdin`` to every (sub)command that takes ``--recovery-key-file``."""
    options = {o for action in parser._actions for o in action.option_strings}
    if "--recovery-key-file" in options and "--passphrase-stdin" not in options:
        parser.add_argument(
            "--passphrase-stdin",
            action="store_true",
            help="read the register's passphrase from the first line of standard input "
            "(instead of the keyring or a recovery key file)",
        )
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                add_passphrase_stdin(child)


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "change-key",
        help="re-encrypt a register under a new data key (if its recovery key or a laptop may "
        "have been exposed); the new recovery key is written to a file BEFORE the switch, and "
        "the passphrase and keyring entry move to the new key",
    )
    p.add_argument("path", type=Path)
    add_key_file_option(p)
    p.add_argument(
        "--new-recovery-key-out",
        type=Path,
        required=True,
        metavar="FILE",
        help="where to write the NEW recovery key (a new file, readable by you only)",
    )
    p.add_argument(
        "--no-backup",
        action="store_true",
        help="do not make a fresh backup under the new key afterwards",
    )


def cmd_change_key(args: argparse.Namespace) -> int:
    from nhsip_desktop.app.cli_common import EXIT_OK, actor
    from nhsip_desktop.app.cli_common import say as _say
    from nhsip_desktop.store.backups import create_backup
    from nhsip_desktop.store.keystore import has_passphrase_protector
    from nhsip_desktop.store.register import Register
    from nhsip_desktop.store.rekey import change_data_key
    from nhsip_desktop.store.unlock import KeySource

    out: Path = args.new_recovery_key_out
    if out.exists():
        raise RegisterError(f"{out} already exists; it was not overwritten. Nothing was changed.")
    unlocked = unlock(args.path, args.recovery_key_file)
    register = unlocked.register
    old_key, register_id, path = register.data_key, register.register_id, register.path
    organisation = register.settings.all()["organisation"]
    register.close()

    passphrase = given_passphrase()
    if has_passphrase_protector(path) and passphrase is None:
        passphrase = getpass.getpass(
            "This register has a passphrase. Type it, so it can be moved to the new key: "
        )

    def write_new_recovery_key(new_key: bytes) -> None:
        from nhsip_desktop.store.recovery import encode_recovery_key

        text = recovery_key_text(
            encode_recovery_key(new_key),
            register_path=path,
            register_id=register_id,
            organisation=organisation,
        )
        write_private_file(out, text)
        _say(f"New recovery key written to {out}: print it and keep it safe.")

    changed = change_data_key(
        path,
        old_key,
        actor=actor(),
        before_swap=write_new_recovery_key,
        passphrase=passphrase,
        remember=True if unlocked.source is KeySource.KEYRING else None,
        recovery_key_out=out,
    )
    _say(f"The key of {path.name} was changed: it now opens with the new recovery key only.")
    if passphrase is not None:
        _say("The passphrase was moved to the new key: it still unlocks the register.")
    _say(
        f"The old file is kept as {changed.replaced_path.name}. It, and every backup made "
        "before now, still opens only with the OLD recovery key: keep the old sheet until "
        "those backups are no longer needed, then destroy it."
    )
    if not args.no_backup:
        with Register.open(path, changed.new_key, actor=actor()) as reopened:
            info = create_backup(reopened, reason="after-key-change")
        _say(f"A fresh backup under the new key was made: {info.path}.")
    return EXIT_OK
