"""The human recovery key: a register's 32-byte data key written out to be printed and kept.

Like a BitLocker recovery key, it is the way back in when the keyring entry and the passphrase
are both lost, so it is built to survive being copied by hand.

Layout (format version 1)
-------------------------
60 characters of Crockford base32 (``0123456789ABCDEFGHJKMNPQRSTVWXYZ``) printed as 12 groups
of 5 characters joined by hyphens, for example ``10XXX-XXXXX-...-XXXXX`` (71 characters in
all). The characters carry 300 bits, most significant bit first:

=========  ======  ==========================================================
bits       count   meaning
=========  ======  ==========================================================
0-4        5       format version (1, so every version 1 key starts with "1")
5-11       7       reserved, zero in version 1 (room to evolve the format)
12-267     256     the data key
268-299    32      CRC-32 of bits 0-267
=========  ======  ==========================================================

The CRC uses the CRC-32 polynomial 0x04C11DB7, most significant bit first, register preset
to all ones, no final XOR (CRC-32/MPEG-2, applied to a 268-bit message). Because the check
bits follow the message directly, every valid 300-bit string is a codeword of a cyclic code
of degree 32, which detects every error confined to 32 or fewer consecutive bits. A mistyped
character changes at most 5 consecutive bits and two swapped neighbours at most 10, so every
single-character substitution and every adjacent transposition is detected, always (the
tests check this exhaustively). Version and reserved bits are covered by the CRC as well.

Reading is forgiving: lower case, spaces and missing or extra hyphens are accepted, I and L
are read as 1 and O as 0. U is never used (Crockford leaves it out).
"""

from __future__ import annotations

from nhsip_desktop.store.errors import RecoveryKeyFormatError

RECOVERY_KEY_VERSION = 1
"""The format version written into the first character of every new recovery key."""

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
GROUP_LENGTH = 5
GROUP_COUNT = 12
KEY_CHARACTERS = GROUP_LENGTH * GROUP_COUNT  # 60
DATA_KEY_BYTES = 32

_BITS_PER_CHARACTER = 5
_TOTAL_BITS = KEY_CHARACTERS * _BITS_PER_CHARACTER  # 300
_VERSION_BITS = 5
_RESERVED_BITS = 7
_KEY_BITS = DATA_KEY_BYTES * 8  # 256
_CRC_BITS = 32
_MESSAGE_BITS = _VERSION_BITS + _RESERVED_BITS + _KEY_BITS  # 268
assert _MESSAGE_BITS + _CRC_BITS == _TOTAL_BITS

_CRC_POLY = 0x04C11DB7
_CRC_MASK = 0xFFFFFFFF

# Crockford's reading rules: lower case is upper case, I and L are 1, O is 0.
_CONFUSABLES = {"I": "1", "L": "1", "O": "0"}
_VALUES = {character: value for value, character in enumerate(ALPHABET)}
# Separators ignored while reading: hyphens (including typographic dashes) and white space.
_DASHES = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2212\ufe63\uff0d")

_CHECKSUM_MESSAGE = (
    "One or more characters are mistyped: check each group against your printed recovery key sheet."
)


def _crc32(message: int, bit_count: int) -> int:
    """CRC-32/MPEG-2 of the lowest ``bit_count`` bits of ``message``, most significant first."""
    register = _CRC_MASK
    for position in range(bit_count - 1, -1, -1):
        bit = (message >> position) & 1
        top = (register >> 31) & 1
        register = (register << 1) & _CRC_MASK
        if top ^ bit:
            register ^= _CRC_POLY
    return register


def _encode_frame(version: int, reserved: int, data_key: bytes) -> str:
    """The 60 canonical characters for the given fields (no hyphens)."""
    message = (version << (_RESERVED_BITS + _KEY_BITS)) | (reserved << _KEY_BITS)
    message |= int.from_bytes(data_key, "big")
    value = (message << _CRC_BITS) | _crc32(message, _MESSAGE_BITS)
    characters = [
        ALPHABET[(value >> shift) & 0x1F]
        for shift in range(_TOTAL_BITS - _BITS_PER_CHARACTER, -1, -_BITS_PER_CHARACTER)
    ]
    return "".join(characters)


def _group(compact: str) -> list[str]:
    return [compact[i : i + GROUP_LENGTH] for i in range(0, len(compact), GROUP_LENGTH)]


def _is_separator(character: str) -> bool:
    return character.isspace() or character in _DASHES


def _canonical_character(character: str) -> str:
    upper = character.upper()
    return _CONFUSABLES.get(upper, upper)


def _describe(character: str) -> str:
    """A safe way to show one offending character in a message."""
    if character.isprintable():
        return f"'{character}'"
    return f"U+{ord(character):04X}"


def encode_recovery_key(data_key: bytes) -> str:
    """Write a 32-byte data key as a printable recovery key (12 hyphenated groups of 5)."""
    if len(data_key) != DATA_KEY_BYTES:
        raise ValueError(f"A data key must be exactly {DATA_KEY_BYTES} bytes long.")
    compact = _encode_frame(RECOVERY_KEY_VERSION, 0, bytes(data_key))
    return "-".join(_group(compact))


def decode_recovery_key(text: str) -> bytes:
    """Read a typed recovery key back into the 32-byte data key.

    Raises ``RecoveryKeyFormatError`` with a message the user can act on when a character is
    not allowed, the length is wrong or the checksum fails. Messages never repeat the key.
    """
    characters: list[str] = []
    for character in text:
        if _is_separator(character):
            continue
        canonical = _canonical_character(character)
        if canonical not in _VALUES:
            position = len(characters) + 1
            group = (position - 1) // GROUP_LENGTH + 1
            raise RecoveryKeyFormatError(
                f"Character {position} (in group {group}) is {_describe(character)}, which "
                "never appears in a recovery key. Recovery keys use only the digits 0 to 9 "
                "and the letters A to Z, never U."
            )
        characters.append(canonical)

    if len(characters) != KEY_CHARACTERS:
        raise RecoveryKeyFormatError(
            f"A recovery key has {KEY_CHARACTERS} characters in {GROUP_COUNT} groups; "
            f"this one has {len(characters)}."
        )

    value = 0
    for character in characters:
        value = (value << _BITS_PER_CHARACTER) | _VALUES[character]
    message = value >> _CRC_BITS
    if _crc32(message, _MESSAGE_BITS) != value & _CRC_MASK:
        raise RecoveryKeyFormatError(_CHECKSUM_MESSAGE)

    version = message >> (_RESERVED_BITS + _KEY_BITS)
    reserved = (message >> _KEY_BITS) & ((1 << _RESERVED_BITS) - 1)
    if version != RECOVERY_KEY_VERSION or reserved != 0:
        raise RecoveryKeyFormatError(
            f"This recovery key uses a newer format (version {version}) than this version of "
            "the app understands. Update nhsip-desktop and try again."
        )
    return (message & ((1 << _KEY_BITS) - 1)).to_bytes(DATA_KEY_BYTES, "big")


def recovery_key_groups(text: str) -> list[str]:
    """The canonical groups of a recovery key (checked in full first), e.g. for typing back."""
    return _group(_encode_frame(RECOVERY_KEY_VERSION, 0, decode_recovery_key(text)))


def normalise_group(text: str) -> str:
    """The canonical form of one typed group: separators dropped, upper case, I/L to 1, O to 0.

    No validation is done: compare the result with a group from ``recovery_key_groups``.
    """
    return "".join(_canonical_character(c) for c in text if not _is_separator(c))
