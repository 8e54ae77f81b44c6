"""The register's signing key: an Ed25519 key pair that signs what leaves the register.

``register.signing`` signs export packs' manifests (and, later, hub packs). The private half
is kept inside the encrypted register (table ``signing_key``, migration ``0009_signing_key``)
and never leaves it; a register made before signing existed gets its key pair on first need,
with an audit row. The public half travels with every signed pack, and its fingerprint
(:func:`fingerprint_of`) is printed on the recovery sheet, the board summary and the pack's
README, so that a reader can check a pack came from this register.

    public = register.signing.public_key_bytes()      # 32 raw bytes
    signature = register.signing.sign(data)           # 64 bytes
    verify(public, data, signature)                   # True or False; needs no register

:func:`verify` and :func:`fingerprint_of` need no register and no key of the register: an
auditor or a hub checks a pack with the public key alone.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from .audit import utc_now
from .errors import RegisterError

if TYPE_CHECKING:
    from .register import Register

ALGORITHM = "Ed25519"
PUBLIC_KEY_BYTES = 32
SIGNATURE_BYTES = 64

__all__ = [
    "ALGORITHM",
    "SigningManager",
    "fingerprint_of",
    "new_private_key",
    "public_key_from_pem",
    "public_key_of",
    "public_key_pem",
    "verify",
]


def new_private_key() -> bytes:
    """A new private key (32 raw bytes), for a register about to be created (the wizard
    prints its fingerprint on the recovery sheet before the register exists)."""
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )


def public_key_of(private_key: bytes) -> bytes:
    """The raw public key (32 bytes) of a raw private key."""
    return _raw_public(Ed25519PrivateKey.from_private_bytes(private_key).public_key())


def fingerprint_of(public_key: bytes) -> str:
    """The fingerprint people compare: SHA-256 of the raw public key, in upper-case hex,
    16 groups of 4 separated by spaces."""
    digest = hashlib.sha256(bytes(public_key)).hexdigest().upper()
    return " ".join(digest[i : i + 4] for i in range(0, len(digest), 4))


def verify(public_key: bytes, data: bytes, signature: bytes) -> bool:
    """Whether ``signature`` is the signature of ``data`` by ``public_key``'s private half.
    Never raises for a bad key or signature: they simply do not verify."""
    if len(public_key) != PUBLIC_KEY_BYTES or len(signature) != SIGNATURE_BYTES:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(bytes(public_key)).verify(bytes(signature), data)
    except (InvalidSignature, ValueError):
        return False
    return True


def public_key_pem(public_key: bytes) -> bytes:
    """The public key as a standard PEM file (SubjectPublicKeyInfo), which OpenSSL reads."""
    return Ed25519PublicKey.from_public_bytes(bytes(public_key)).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def public_key_from_pem(pem: bytes) -> bytes:
    """The raw public key in a PEM file; raises ``ValueError`` if it is not an Ed25519 one."""
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return _raw_public(key)


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


class SigningManager:
    """``register.signing``: the register's own signing key pair."""

    def __init__(self, register: Register) -> None:
        self._reg = register  # the private key is read when needed, never kept here

    def create(self, private_key: bytes | None = None) -> bytes:
        """Store a key pair (``private_key`` if given, else a new one), with an audit row;
        returns the public key. Refuses if the register already has one."""
        if self._load() is not None:
            raise RegisterError("This register already has a signing key.")
        seed = private_key if private_key is not None else new_private_key()
        public = public_key_of(seed)
        with self._reg.transaction() as tx:
            self._reg.conn.execute(
                "INSERT INTO signing_key(id, algorithm, private_key, public_key, created_at) "
                "VALUES (1, ?, ?, ?, ?)",
                (ALGORITHM, seed, public, utc_now()),
            )
            tx.audit(
                "create",
                "signing_key",
                ALGORITHM,
                {"fingerprint": [None, fingerprint_of(public)]},
            )
        return public

    def has_key(self) -> bool:
        return self._load() is not None

    def public_key_bytes(self) -> bytes:
        """The raw public key (32 bytes); the key pair is made first if the register has
        none yet (a register made before signing existed)."""
        return _raw_public(self._key().public_key())

    def fingerprint(self) -> str:
        """The public key's fingerprint, as printed on the recovery sheet, the board summary
        and every export pack's README."""
        return fingerprint_of(self.public_key_bytes())

    def public_key_pem(self) -> bytes:
        return public_key_pem(self.public_key_bytes())

    def sign(self, data: bytes) -> bytes:
        """The Ed25519 signature (64 bytes) of ``data`` by the register's private key."""
        return self._key().sign(data)

    def _key(self) -> Ed25519PrivateKey:
        key = self._load()
        if key is None:
            self.create()
            key = self._load()
            assert key is not None
        return key

    def _load(self) -> Ed25519PrivateKey | None:
        row = self._reg.conn.execute("SELECT private_key FROM signing_key WHERE id = 1").fetchone()
        return None if row is None else Ed25519PrivateKey.from_private_bytes(bytes(row[0]))
