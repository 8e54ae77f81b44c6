"""Finding the key for a register file and opening it.

Order: an explicit recovery key or passphrase when the person gave one; otherwise the OS
keyring (service ``nhsip-desktop``, account = the register id from the file header). A
recovery key is checked against its own checksum, then against the register's key check,
before any database access.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from .audit import Actor
from .errors import KeyringUnavailableError, KeyUnavailableError, RegisterError
from .header import read_header
from .keystore import (
    has_passphrase_protector,
    load_from_keyring,
    read_passphrase_protector,
    save_to_keyring,
)
from .recovery import decode_recovery_key
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


def open_register(
    path: Path,
    *,
    actor: Actor,
    recovery_key: str | None = None,
    passphrase: str | None = None,
    key: bytes | None = None,
    restore_to_keyring: bool = False,
    allow_insecure_keyring: bool = False,
) -> Unlocked:
    """Open ``path`` with the first key source available (see the module docstring).

    With ``restore_to_keyring`` a register opened by recovery key or passphrase puts its key
    back into the keyring; ``keyring_message`` says whether that worked.
    """
    path = Path(path)
    header = read_header(path)
    if key is not None:
        source = KeySource.GIVEN
    elif recovery_key is not None:
        key, source = decode_recovery_key(recovery_key), KeySource.RECOVERY_KEY
    elif passphrase is not None:
        key = read_passphrase_protector(path, passphrase, register_id=header.register_id)
        source = KeySource.PASSPHRASE
    else:
        key = _keyring_key(path, header.register_id, allow_insecure_keyring)
        source = KeySource.KEYRING
    register = Register.open(path, key, actor=actor)
    message = ""
    if restore_to_keyring and source is not KeySource.KEYRING:
        message = store_in_keyring(register, allow_insecure=allow_insecure_keyring)
    return Unlocked(register, source, message)


def _keyring_key(path: Path, register_id: str, allow_insecure: bool) -> bytes:
    hint = "Unlock it with its recovery key"
    if has_passphrase_protector(path):
        hint += " or its passphrase"
    # Errors from the keyring already say to use the recovery key or a passphrase.
    key = load_from_keyring(register_id, allow_insecure=allow_insecure)
    if key is None:
        raise KeyUnavailableError(f"This computer's keyring holds no key for {path.name}. {hint}.")
    return key


def store_in_keyring(register: Register, *, allow_insecure: bool = False) -> str:
    """Put the register's key into the OS keyring; returns a sentence saying what happened."""
    try:
        save_to_keyring(register.register_id, register.data_key, allow_insecure=allow_insecure)
    except (KeyringUnavailableError, KeyUnavailableError, RegisterError) as exc:
        # The keystore's message already says why and to use the recovery key instead.
        return f"The key was not stored in this computer's keyring. {exc}"
    return "The key is stored in this computer's keyring: the register opens without a key here."


def read_recovery_key_file(path: Path) -> str:
    """The recovery key text from a file written by ``init`` (or one holding just the key)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyUnavailableError(
            f"The recovery key file {path} could not be read: {exc}."
        ) from exc
    candidates = [
        line.strip()
        for line in text.splitlines()
        if line.count("-") >= 5 and len(line.replace("-", "").replace(" ", "")) >= 50
    ]
    if not candidates:
        raise KeyUnavailableError(f"No recovery key was found in {path}.")
    return candidates[0]
