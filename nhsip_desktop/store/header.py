"""The register's 16-byte header, readable without the key.

A SQLCipher 4 file begins with its 16-byte KDF salt in the clear. We choose that salt
ourselves (SQLCipher accepts a raw key with an explicit salt), and make it say three things:

==========  =====  ==========================================================
bytes       size   meaning
==========  =====  ==========================================================
0-3         4      magic ``NHIP``: this is an nhsip-desktop register
4           1      header format version (1)
5-11        7      register id: random, stable for the register's life, also
                   carried by its backups and re-keyed copies (keyring account)
12-15       4      key check: HMAC-SHA256(data key, label + bytes 0-11)[:4]
==========  =====  ==========================================================

So a file that is not a register, a wrong key, and a damaged register can be told apart
before SQLCipher reads a page: the magic says "register", the key check says "right key",
and only then does a failed page check mean "damaged". The key check reveals 32 bits of an
HMAC of a random 256-bit key: no help to an attacker. The salt's only cryptographic role with
a raw key is to derive the page-HMAC key, for which it need not be secret or random.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from pathlib import Path

from .errors import DamagedRegisterError, NotARegisterError

MAGIC = b"NHIP"
HEADER_VERSION = 1
# Header formats are numbered 1, 2, 3...: a number far beyond the next few, or 0, was never
# written by any version of the app and can only be damage.
MAX_PLAUSIBLE_VERSION = 8
HEADER_SIZE = 16
_KEY_CHECK_LABEL = b"nhsip-desktop key check v1"
_SQLITE_PLAIN_MAGIC = b"SQLite format 3\x00"


@dataclass(frozen=True)
class RegisterHeader:
    register_id: str
    salt: bytes

    @property
    def key_check(self) -> bytes:
        return self.salt[12:16]

    def matches(self, key: bytes) -> bool:
        """True when ``key`` is this register's data key (constant-time comparison)."""
        return hmac.compare_digest(key_check(key, self.salt[:12]), self.key_check)


def key_check(key: bytes, prefix: bytes) -> bytes:
    return hmac.new(key, _KEY_CHECK_LABEL + prefix, hashlib.sha256).digest()[:4]


def _bits_apart(a: bytes, b: bytes) -> int:
    return sum(bin(x ^ y).count("1") for x, y in zip(a, b, strict=True))


def _damaged_header(name: str, what: str) -> str:
    return (
        f"{name} is an IP register whose header is damaged ({what} has changed since it "
        "was written; a newer version of the app would not fix this). Nothing has been "
        "changed. Restore the register from its most recent backup, and keep this file for "
        "investigation."
    )


def new_register_id() -> str:
    return secrets.token_bytes(7).hex()


def make_salt(register_id: str, key: bytes) -> bytes:
    """The salt (and so the file header) for a register id and data key."""
    raw_id = bytes.fromhex(register_id)
    if len(raw_id) != 7:
        raise ValueError("a register id is 7 bytes")
    prefix = MAGIC + bytes([HEADER_VERSION]) + raw_id
    return prefix + key_check(key, prefix)


def read_header(path: Path) -> RegisterHeader:
    """Read and check the header of ``path``; raise :class:`NotARegisterError` if it is not one.

    Opens the file read-only and reads 16 bytes: never writes.
    """
    name = path.name
    if not path.exists():
        raise NotARegisterError(f"There is no file at {path}.")
    if path.is_dir():
        raise NotARegisterError(f"{path} is a folder, not an IP register file.")
    try:
        with path.open("rb") as handle:
            head = handle.read(HEADER_SIZE)
    except OSError as exc:
        raise NotARegisterError(f"{name} could not be read: {exc.strerror or exc}.") from exc
    if len(head) < HEADER_SIZE:
        raise NotARegisterError(
            f"{name} is not an IP register: the file is empty or far too short to be one."
        )
    if head == _SQLITE_PLAIN_MAGIC:
        raise NotARegisterError(
            f"{name} is an ordinary, unencrypted SQLite database, not an IP register. "
            "IP registers are always encrypted."
        )
    if head[:4] != MAGIC:
        if _bits_apart(head[:4], MAGIC) <= 2:
            raise DamagedRegisterError(_damaged_header(name, "its register marker"))
        raise NotARegisterError(
            f"{name} is not an IP register made by this app (it does not start with the "
            "register marker). Choose the register's .nhsip file."
        )
    if head[4] != HEADER_VERSION:
        version = head[4]
        if version < HEADER_VERSION or version > MAX_PLAUSIBLE_VERSION:
            # No version of the app ever wrote this number: a changed byte, not a newer app.
            raise DamagedRegisterError(_damaged_header(name, "its format number"))
        raise NotARegisterError(
            f"{name} says it uses register format {version}, which this version of the app "
            f"(format {HEADER_VERSION}) does not know. If it was saved by a newer version of "
            "the app, install that version to open it. If it was not, the start of the file "
            "has been damaged: restore the register from its most recent backup, and keep "
            "this file for investigation. Nothing has been changed."
        )
    return RegisterHeader(register_id=head[5:12].hex(), salt=head)
