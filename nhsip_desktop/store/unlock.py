"""Finding the key for a register file and opening it; setting and removing the passphrase.

Order: an explicit recovery key or passphrase when the person gave one; otherwise the OS
keyring (service ``nhsip-desktop``, account = the register id from the file header). A
recovery key is checked against its own checksum, then against the register's key check,
before any database access. A key from the keyring is checked against the key check too:
a stale entry (the key was changed, or a backup from before a key change was restored) or a
malformed one raises a :class:`~.errors.KeyUnavailableError` saying so, so the person is
asked for the recovery key or passphrase instead. A key change cut short by a crash is
finished or undone first (:func:`~.rekey.finish_interrupted_change`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from .audit import Actor
from .errors import (
    KeyringUnavailableError,
    KeyUnavailableError,
    RecoveryKeyFormatError,
    RegisterError,
    StaleKeyringEntryError,
)
from .header import read_header
from .keystore import (
    check_new_passphrase,
    has_passphrase_protector,
    load_from_keyring,
    passphrase_protector_path,
    read_passphrase_protector,
    remove_passphrase_protector,
    save_to_keyring,
    write_passphrase_protector,
)
from .recovery import KEY_CHARACTERS, decode_recovery_key
from .register import Register


class KeySource(StrEnum):
    KEYRING = "keyring"
    RECOVERY_KEY = "recovery key"
    PASSPHRASE = "passphrase"
    GIVEN = "key given by the program"


@dataclass(frozen=True)
class Unlocked:
    register: Register
    source: KeySource
    keyring_message: str = ""
    key_change_message: str = ""  # an interrupted key change was finished or undone


def open_register(
    path: Path,
    *,
    actor: Actor,
    recovery_key: str | None = None,
    passphrase: str | None = None,
    key: bytes | None = None,
    restore_to_keyring: bool = False,
    read_only: bool = False,
) -> Unlocked:
    """Open ``path`` with the first key source available (see the module docstring).

    With ``restore_to_keyring`` a register opened by recovery key or passphrase puts its key
    back into the keyring; ``keyring_message`` says whether that worked. ``read_only``
    opens it for reading only (``Register.open``).
    """
    path = Path(path)
    read_header(path)  # not a register: say so before looking for leftovers
    key_change_message = ""
    if _may_have_key_change_leftovers(path):
        from .rekey import finish_interrupted_change

        key_change_message = finish_interrupted_change(path) or ""
    header = read_header(path)
    if key is not None:
        source = KeySource.GIVEN
    elif recovery_key is not None:
        key, source = decode_recovery_key(recovery_key), KeySource.RECOVERY_KEY
    elif passphrase is not None:
        key = read_passphrase_protector(path, passphrase, register_id=header.register_id)
        source = KeySource.PASSPHRASE
    else:
        try:
            key = _keyring_key(path, header.register_id)
        except KeyUnavailableError as exc:
            if key_change_message:
                raise type(exc)(f"{key_change_message}\n\n{exc}") from None
            raise
        source = KeySource.KEYRING
    register = Register.open(path, key, actor=actor, read_only=read_only)
    message = ""
    if restore_to_keyring and source is not KeySource.KEYRING:
        message = store_in_keyring(register)
    return Unlocked(register, source, message, key_change_message)


def _may_have_key_change_leftovers(path: Path) -> bool:
    """A cheap test that is true whenever ``rekey`` could find leftovers of a key change (its
    journal ``<name>.key-change``, a staged ``<name>.passphrase.key-change``, temporary
    ``.<name>.rekeying-*`` files), so that ``rekey`` is imported only then; true when the
    folder cannot be read (``rekey`` then decides)."""
    name = path.name
    try:
        with os.scandir(path.parent) as entries:
            return any(
                e.name.startswith("." + name)
                or (e.name.startswith(name) and "key-change" in e.name)
                for e in entries
            )
    except OSError:
        return True


def _keyring_key(path: Path, register_id: str) -> bytes:
    hint = "Unlock it with its recovery key"
    if has_passphrase_protector(path):
        hint += " or its passphrase"
    # Errors from the keyring already say to use the recovery key or a passphrase.
    key = load_from_keyring(register_id, strict=True)
    if key is None:
        raise KeyUnavailableError(f"This computer's keyring holds no key for {path.name}. {hint}.")
    if not read_header(path).matches(key):
        raise StaleKeyringEntryError(
            f"The key kept in this computer's keyring for {path.name} does not open it: the "
            "register's key was changed since (perhaps on another computer), or the register "
            f"was restored from a backup made before a key change. {hint}; ticking "
            "'Remember on this computer' then replaces the keyring entry."
        )
    return key


def store_in_keyring(register: Register) -> str:
    """Put the register's key into the OS keyring; returns a sentence saying what happened."""
    try:
        save_to_keyring(register.register_id, register.data_key)
    except (KeyringUnavailableError, KeyUnavailableError, RegisterError) as exc:
        # The keystore's message already says why and to use the recovery key instead.
        return f"The key was not stored in this computer's keyring. {exc}"
    return "The key is stored in this computer's keyring: the register opens without a key here."


def read_recovery_key_file(path: Path) -> str:
    """The recovery key text from a file written by ``init`` or ``change-key``, or one holding
    just the key: with dashes or spaces between the groups (as printed on the recovery sheet),
    on one line or one group a line."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyUnavailableError(
            f"The recovery key file {path} could not be read "
            f"({getattr(exc, 'strerror', None) or type(exc).__name__})."
        ) from None
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    # One line holding the key, or the key spread over consecutive lines (a group a line).
    candidates = list(lines)
    for start in range(len(lines)):
        joined = ""
        for line in lines[start:]:
            joined += " " + line
            if _key_characters(joined) >= KEY_CHARACTERS:
                candidates.append(joined)
                break
    first_problem: RecoveryKeyFormatError | None = None
    for candidate in candidates:
        try:
            decode_recovery_key(candidate)
        except RecoveryKeyFormatError as exc:
            if first_problem is None and _key_characters(candidate) >= KEY_CHARACTERS - 10:
                first_problem = exc
            continue
        return candidate.strip()
    if first_problem is not None:
        raise RecoveryKeyFormatError(f"The recovery key in {path} is not right: {first_problem}")
    raise KeyUnavailableError(f"No recovery key was found in {path}.")


def _key_characters(text: str) -> int:
    return sum(1 for c in text if c.isalnum())


def set_passphrase(register: Register, passphrase: str) -> Path:
    """Add or replace the register's passphrase protector; returns its path.

    The audit row is committed BEFORE the protector is written, so a crash in between leaves
    an audited intent without a way in, never a way in without an audit row. A failure to
    write the file is audited too. Raises :class:`~.errors.PassphraseError` (too short)
    before anything is recorded, or :class:`~.errors.SaveFailedError`.
    """
    check_new_passphrase(passphrase)
    path = passphrase_protector_path(register.path)
    before = path.name if path.exists() else None
    with register.transaction() as tx:
        tx.audit(
            "set-passphrase", "register", register.register_id, {"protector": [before, path.name]}
        )
    try:
        return write_passphrase_protector(
            register.path, register.register_id, register.data_key, passphrase
        )
    except RegisterError:
        with register.transaction() as tx:
            tx.audit(
                "set-passphrase-failed",
                "register",
                register.register_id,
                {"protector": [path.name, before]},
            )
        raise


def remove_passphrase(register: Register) -> bool:
    """Delete the register's passphrase protector (then audit it); False if there was none.

    Removed first, audited second: a crash in between leaves one way in fewer, never an
    unaudited one more.
    """
    path = passphrase_protector_path(register.path)
    if not path.exists():
        return False
    remove_passphrase_protector(register.path)
    with register.transaction() as tx:
        tx.audit(
            "remove-passphrase", "register", register.register_id, {"protector": [path.name, None]}
        )
    return True
