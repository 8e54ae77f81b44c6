"""Where a register's 32-byte data key lives when the register is closed.

Two protectors are offered:

* the operating system's keyring, under service ``SERVICE`` and the register's id as the
  account, the key kept as hex text. Only the backends in ``TRUSTED_BACKENDS`` are used (each
  keeps secrets encrypted by the operating system: Windows Credential Manager, macOS
  Keychain, Secret Service, KWallet); any other, such as keyrings.alt's plain-text files or a
  custom backend, is refused with a message for IT. On Windows the entry is kept for this
  computer only (``WINDOWS_PERSISTENCE``);
* a passphrase protector for machines without a usable keyring: the data key wrapped with
  AES-256-GCM under a key derived from the passphrase with scrypt, in a small JSON file next
  to the register (``<register>.passphrase``).

Nothing here prints or logs key material or passphrases, and no error message contains them.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import keyring.errors
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from nhsip_desktop.core.safe_write import atomic_write_bytes
from nhsip_desktop.store.errors import (
    InsecureKeyringError,
    KeyringUnavailableError,
    KeyUnavailableError,
    MalformedKeyringEntryError,
    PassphraseError,
    SaveFailedError,
    WrongPassphraseError,
)

SERVICE = "nhsip-desktop"
"""The keyring service name; the account is the register's id."""

DATA_KEY_BYTES = 32

PROTECTOR_FORMAT = "nhsip-desktop passphrase protector"
PROTECTOR_VERSION = 1
PROTECTOR_SUFFIX = ".passphrase"
MIN_PASSPHRASE_LENGTH = 10

# scrypt cost for new protectors: n=2**16, r=8, p=1 uses 64 MiB and took 0.13-0.22 s per
# derivation on a 2-core Debian 12 build machine (about 0.3-0.45 s at n=2**17).
SCRYPT_N = 2**16
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
NONCE_BYTES = 12

# Bounds accepted when reading a protector, so a damaged or hostile file cannot ask for
# absurd amounts of memory or time.
_MIN_SCRYPT_N = 2**14
_MAX_SCRYPT_N = 2**20
_MAX_SCRYPT_R = 32
_MAX_SCRYPT_P = 16
_MAX_SCRYPT_MEMORY = 2**30  # 128 * n * r bytes
_MAX_PROTECTOR_BYTES = 64 * 1024

# Anything a keyring backend may raise: its own errors, D-Bus and Windows API failures.
_KEYRING_ERRORS = (Exception,)

# Backends that only pretend to store anything.
_NO_BACKEND_CLASSES = frozenset({"keyring.backends.fail.Keyring", "keyring.backends.null.Keyring"})

# The only backends trusted with a register's key: each keeps secrets encrypted by the
# operating system, unlocked by the person's logon. Matched on the exact class (not its
# ancestry), so a subclass or a look-alike of any other name is refused.
TRUSTED_BACKENDS: dict[str, str] = {
    "keyring.backends.Windows.WinVaultKeyring": "Windows Credential Manager",
    "keyring.backends.macOS.Keyring": "macOS Keychain",
    "keyring.backends.SecretService.Keyring": "Secret Service (GNOME Keyring, KeePassXC)",
    "keyring.backends.libsecret.Keyring": "Secret Service through libsecret",
    "keyring.backends.kwallet.DBusKeyring": "KWallet",
    "keyring.backends.kwallet.DBusKeyringKWallet4": "KWallet 4",
}
_CHAINER = "keyring.backends.chainer.ChainerBackend"
_TRUSTED_FOR_TESTS: set[str] = set()

# On Windows the key is kept for this user on THIS computer only ("local machine"), never
# copied to other computers with a roaming profile (keyring's default, "enterprise").
WINDOWS_PERSISTENCE = "local machine"

_WRONG_PASSPHRASE = "That passphrase does not unlock this register."


# ---------------------------------------------------------------------------------------------
# Keyring


def _class_name(backend: object) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


@contextlib.contextmanager
def trusted_backend_for_tests(backend_class: type) -> Iterator[None]:
    """Tests only: trust ``backend_class`` (an in-memory fake) as if it were an OS keyring."""
    name = f"{backend_class.__module__}.{backend_class.__qualname__}"
    added = name not in _TRUSTED_FOR_TESTS
    _TRUSTED_FOR_TESTS.add(name)
    try:
        yield
    finally:
        if added:
            _TRUSTED_FOR_TESTS.discard(name)


def _is_trusted(name: str) -> bool:
    return name in TRUSTED_BACKENDS or name in _TRUSTED_FOR_TESTS


def _is_chainer(backend: object) -> bool:
    return any(f"{c.__module__}.{c.__qualname__}" == _CHAINER for c in type(backend).__mro__)


def _assess(backend: object, depth: int = 0) -> tuple[bool, str | None]:
    """(usable, name of the first backend found that is not trusted) for a backend."""
    name = _class_name(backend)
    if name in _NO_BACKEND_CLASSES or depth > 5:
        return False, None
    if not _is_trusted(name) and not (name == _CHAINER and depth == 0):
        return True, name
    if not _is_chainer(backend):
        return True, None
    try:
        inner = list(getattr(backend, "backends", []))
    except Exception:  # a backend's priority check may raise anything
        inner = []
    usable = False
    for child in inner:
        child_usable, untrusted = _assess(child, depth + 1)
        if untrusted is not None:
            return True, untrusted
        usable = usable or child_usable
    return usable, None


def _keyring_failure() -> KeyUnavailableError | None:
    try:
        backend = keyring.get_keyring()
    except Exception:  # keyring's own start-up can fail in many ways
        backend = None
    usable, untrusted = _assess(backend) if backend is not None else (False, None)
    if untrusted is not None:
        accepted = ", ".join(TRUSTED_BACKENDS.values())
        return InsecureKeyringError(
            f"The keyring backend in use on this computer ({untrusted}) is not one that "
            "nhsip-desktop trusts to keep the register's key encrypted by the operating "
            f"system, so the key is not kept there. Trusted backends: {accepted}. For IT: "
            "remove the package that provides it (for example keyrings.alt) or select a "
            "trusted backend (PYTHON_KEYRING_BACKEND or keyringrc.cfg). Until then, unlock "
            "with a passphrase or the recovery key."
        )
    if not usable:
        return KeyringUnavailableError(
            "This computer has no usable keyring (the operating system's secure password "
            "store), so the register's key cannot be kept there. Use a passphrase or the "
            "recovery key to unlock the register instead."
        )
    return None


def _apply_windows_persistence(backend: object, depth: int = 0) -> None:
    """Keep new entries on this computer only (see :data:`WINDOWS_PERSISTENCE`)."""
    if depth > 5:
        return
    if _class_name(backend) == "keyring.backends.Windows.WinVaultKeyring":
        with contextlib.suppress(Exception):
            backend.persist = WINDOWS_PERSISTENCE  # type: ignore[attr-defined]
    elif _is_chainer(backend):
        with contextlib.suppress(Exception):
            for child in list(getattr(backend, "backends", [])):
                _apply_windows_persistence(child, depth + 1)


def keyring_problem() -> str | None:
    """None when the keyring can hold the key safely, otherwise a plain-English reason."""
    failure = _keyring_failure()
    return None if failure is None else str(failure)


def _check_register_id(register_id: str) -> None:
    if not isinstance(register_id, str) or not register_id.strip():
        raise ValueError("A register id must be a non-empty string.")


def _check_data_key(data_key: bytes) -> None:
    if not isinstance(data_key, bytes | bytearray) or len(data_key) != DATA_KEY_BYTES:
        raise ValueError(f"A data key must be exactly {DATA_KEY_BYTES} bytes long.")


def _backend_failed(action: str, exc: BaseException) -> KeyringUnavailableError:
    return KeyringUnavailableError(
        f"The keyring on this computer could not {action} the register's key "
        f"({type(exc).__name__}). Use a passphrase or the recovery key instead."
    )


def _parse_stored(value: object) -> bytes | None:
    if not isinstance(value, str):
        return None
    text = value.strip()
    if len(text) != 2 * DATA_KEY_BYTES:
        return None
    try:
        return bytes.fromhex(text)
    except ValueError:
        return None


def save_to_keyring(register_id: str, data_key: bytes) -> None:
    """Store the data key (as hex text) in the keyring under ``SERVICE`` / ``register_id``.

    Raises ``KeyringUnavailableError`` or ``InsecureKeyringError``. The entry is read back to
    make sure the backend really kept it.
    """
    _check_register_id(register_id)
    _check_data_key(data_key)
    failure = _keyring_failure()
    if failure is not None:
        raise failure
    try:
        _apply_windows_persistence(keyring.get_keyring())
        keyring.set_password(SERVICE, register_id, bytes(data_key).hex())
        stored = keyring.get_password(SERVICE, register_id)
    except _KEYRING_ERRORS as exc:
        raise _backend_failed("store", exc) from None
    if _parse_stored(stored) != bytes(data_key):
        raise KeyringUnavailableError(
            "The keyring on this computer accepted the register's key but did not give it "
            "back. Use a passphrase or the recovery key instead."
        )


def load_from_keyring(register_id: str, *, strict: bool = False) -> bytes | None:
    """The data key stored for ``register_id``, or None when there is no (well-formed) entry.

    With ``strict`` an entry that is not a key raises :class:`MalformedKeyringEntryError`.
    Raises ``KeyringUnavailableError`` or ``InsecureKeyringError`` like ``save_to_keyring``.
    """
    _check_register_id(register_id)
    failure = _keyring_failure()
    if failure is not None:
        raise failure
    try:
        stored = keyring.get_password(SERVICE, register_id)
    except _KEYRING_ERRORS as exc:
        raise _backend_failed("read", exc) from None
    key = _parse_stored(stored)
    if key is None and stored is not None and strict:
        raise MalformedKeyringEntryError(
            "This computer's keyring holds an entry for this register that is not a key "
            "(it is damaged or was changed by another program), so it cannot unlock the "
            "register. Unlock it with its recovery key or passphrase; ticking 'Remember on "
            "this computer' then replaces the entry."
        )
    return key


def delete_from_keyring(register_id: str) -> None:
    """Remove the keyring entry for ``register_id``; nothing happens if there is none."""
    _check_register_id(register_id)
    try:
        keyring.delete_password(SERVICE, register_id)
    except Exception:  # absent entry, no backend or a backend failure: nothing to undo
        return


# ---------------------------------------------------------------------------------------------
# Passphrase protector


def passphrase_protector_path(register_path: Path) -> Path:
    """The protector file for a register: the register's path with ``.passphrase`` added."""
    register_path = Path(register_path)
    return register_path.with_name(register_path.name + PROTECTOR_SUFFIX)


def _normalise_passphrase(passphrase: str) -> str:
    """NFC form, so the same passphrase typed on different systems gives the same bytes."""
    if not isinstance(passphrase, str):
        raise TypeError("A passphrase must be text.")
    return unicodedata.normalize("NFC", passphrase)


def _associated_data(version: int, register_id: str) -> bytes:
    return f"{PROTECTOR_FORMAT}\n{version}\n{register_id}".encode()


def _derive(passphrase: bytes, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def check_new_passphrase(passphrase: str) -> str:
    """The passphrase in NFC form; raises ``PassphraseError`` when it is too short."""
    normalised = _normalise_passphrase(passphrase)
    if len(normalised) < MIN_PASSPHRASE_LENGTH:
        raise PassphraseError(
            f"A passphrase must be at least {MIN_PASSPHRASE_LENGTH} characters long. "
            "A short sentence you will remember works well."
        )
    return normalised


def write_passphrase_protector(
    register_path: Path,
    register_id: str,
    data_key: bytes,
    passphrase: str,
    *,
    target: Path | None = None,
) -> Path:
    """Wrap the data key under ``passphrase`` and save it next to the register; returns the path.

    ``target`` writes it elsewhere (a key change stages the new key's file beside the old).

    Raises ``PassphraseError`` for a passphrase shorter than ``MIN_PASSPHRASE_LENGTH``
    characters and ``SaveFailedError`` when the file cannot be written (nothing is changed).
    """
    _check_register_id(register_id)
    _check_data_key(data_key)
    normalised = check_new_passphrase(passphrase)
    salt = os.urandom(SALT_BYTES)
    nonce = os.urandom(NONCE_BYTES)
    wrapping_key = _derive(normalised.encode("utf-8"), salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    ciphertext = AESGCM(wrapping_key).encrypt(
        nonce, bytes(data_key), _associated_data(PROTECTOR_VERSION, register_id)
    )
    document = {
        "format": PROTECTOR_FORMAT,
        "version": PROTECTOR_VERSION,
        "register_id": register_id,
        "kdf": {"name": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P, "length": 32},
        "cipher": "AES-256-GCM",
        "salt": _b64(salt),
        "nonce": _b64(nonce),
        "ciphertext": _b64(ciphertext),
    }
    path = target or passphrase_protector_path(register_path)
    data = (json.dumps(document, indent=2) + "\n").encode("utf-8")
    try:
        atomic_write_bytes(path, data)
    except OSError as exc:
        raise SaveFailedError(
            f"The passphrase file could not be saved in {path.parent} "
            f"({exc.strerror or type(exc).__name__}). Nothing was changed."
        ) from None
    return path


def has_passphrase_protector(register_path: Path) -> bool:
    """True when the register has a passphrase protector file next to it."""
    return passphrase_protector_path(register_path).is_file()


def _damaged(path: Path) -> PassphraseError:
    return PassphraseError(
        f"The passphrase file {path.name} is damaged, so it cannot unlock the register. "
        "Use the recovery key instead, then set a new passphrase."
    )


def _int_field(container: dict[str, Any], name: str, path: Path) -> int:
    value = container.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise _damaged(path)
    return value


def _bytes_field(document: dict[str, Any], name: str, length: int, path: Path) -> bytes:
    value = document.get(name)
    if not isinstance(value, str):
        raise _damaged(path)
    try:
        decoded = base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise _damaged(path) from None
    if len(decoded) != length:
        raise _damaged(path)
    return decoded


def _read_document(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            raw = handle.read(_MAX_PROTECTOR_BYTES + 1)
    except FileNotFoundError:
        raise PassphraseError(
            f"This register has no passphrase file ({path.name} was not found next to it). "
            "Unlock it with the recovery key instead."
        ) from None
    except OSError as exc:
        raise PassphraseError(
            f"The passphrase file {path.name} could not be read "
            f"({exc.strerror or type(exc).__name__})."
        ) from None
    if len(raw) > _MAX_PROTECTOR_BYTES:
        raise _foreign(path)
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise _foreign(path) from None
    if not isinstance(document, dict) or document.get("format") != PROTECTOR_FORMAT:
        raise _foreign(path)
    return document


def _foreign(path: Path) -> PassphraseError:
    return PassphraseError(
        f"The file {path.name} is not an nhsip-desktop passphrase file, so it cannot unlock "
        "the register. Use the recovery key instead."
    )


def read_passphrase_protector(
    register_path: Path, passphrase: str, *, register_id: str | None = None
) -> bytes:
    """Unwrap the data key with ``passphrase``.

    Raises ``WrongPassphraseError`` when the passphrase (or the file) fails authentication,
    and ``PassphraseError`` for a missing, unreadable, damaged or foreign file, or one that
    belongs to a register other than ``register_id`` (when given).
    """
    secret = _normalise_passphrase(passphrase).encode("utf-8")
    path = passphrase_protector_path(register_path)
    document = _read_document(path)

    version = _int_field(document, "version", path)
    if version > PROTECTOR_VERSION:
        raise PassphraseError(
            f"The passphrase file {path.name} was made by a newer version of nhsip-desktop. "
            "Update the app, or use the recovery key."
        )
    if version != PROTECTOR_VERSION:
        raise _damaged(path)
    stored_id = document.get("register_id")
    if not isinstance(stored_id, str) or not stored_id:
        raise _damaged(path)
    if register_id is not None and stored_id != register_id:
        raise PassphraseError(
            f"The passphrase file {path.name} belongs to a different register, so it cannot "
            "unlock this one. Use this register's recovery key instead."
        )
    if document.get("cipher", "AES-256-GCM") != "AES-256-GCM":
        raise _damaged(path)

    kdf = document.get("kdf")
    if not isinstance(kdf, dict) or kdf.get("name") != "scrypt":
        raise _damaged(path)
    n = _int_field(kdf, "n", path)
    r = _int_field(kdf, "r", path)
    p = _int_field(kdf, "p", path)
    if kdf.get("length", 32) != 32:
        raise _damaged(path)
    if (
        not _MIN_SCRYPT_N <= n <= _MAX_SCRYPT_N
        or n & (n - 1)
        or not 1 <= r <= _MAX_SCRYPT_R
        or not 1 <= p <= _MAX_SCRYPT_P
        or 128 * n * r > _MAX_SCRYPT_MEMORY
    ):
        raise _damaged(path)

    salt = _bytes_field(document, "salt", SALT_BYTES, path)
    nonce = _bytes_field(document, "nonce", NONCE_BYTES, path)
    ciphertext = _bytes_field(document, "ciphertext", DATA_KEY_BYTES + 16, path)

    wrapping_key = _derive(secret, salt, n, r, p)
    try:
        data_key = AESGCM(wrapping_key).decrypt(
            nonce, ciphertext, _associated_data(version, stored_id)
        )
    except InvalidTag:
        raise WrongPassphraseError(_WRONG_PASSPHRASE) from None
    if len(data_key) != DATA_KEY_BYTES:
        raise _damaged(path)
    return data_key


def remove_passphrase_protector(register_path: Path) -> None:
    """Delete the register's passphrase protector; nothing happens if there is none.

    Raises ``SaveFailedError`` when the file exists but cannot be removed.
    """
    path = passphrase_protector_path(register_path)
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        raise SaveFailedError(
            f"The passphrase file {path.name} could not be removed "
            f"({exc.strerror or type(exc).__name__})."
        ) from None
