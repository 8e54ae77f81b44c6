"""Tests for the printed recovery key: layout, round trips, typo detection and messages."""

from __future__ import annotations

import random
import re
from collections.abc import Callable

import pytest

from nhsip_desktop.store import recovery
from nhsip_desktop.store.errors import RecoveryKeyFormatError
from nhsip_desktop.store.recovery import (
    ALPHABET,
    GROUP_COUNT,
    GROUP_LENGTH,
    RECOVERY_KEY_VERSION,
    decode_recovery_key,
    encode_recovery_key,
    normalise_group,
    recovery_key_groups,
)

CHECKSUM_MESSAGE = (
    "One or more characters are mistyped: check each group against your printed recovery key sheet."
)

RNG = random.Random(20261105)
RANDOM_KEYS = [RNG.randbytes(32) for _ in range(200)]
EDGE_KEYS = [bytes(32), b"\xff" * 32, bytes(range(32)), bytes([0x55] * 32)]
KEY = RANDOM_KEYS[0]


def compact(text: str) -> str:
    return text.replace("-", "")


def assert_no_key_in(message: str, key_text: str) -> None:
    assert compact(key_text) not in message
    for group in key_text.split("-"):
        assert group not in message


# ---------------------------------------------------------------------------------------------
# Layout and round trips


def test_crc_matches_the_published_crc32_mpeg2_check_value() -> None:
    message = int.from_bytes(b"123456789", "big")
    assert recovery._crc32(message, 72) == 0x0376E6E7


def test_layout_is_twelve_groups_of_five_crockford_characters() -> None:
    text = encode_recovery_key(KEY)
    groups = text.split("-")
    assert (GROUP_COUNT, GROUP_LENGTH) == (12, 5)
    assert len(groups) == 12
    assert all(len(group) == 5 for group in groups)
    assert len(text) == 71
    assert set(compact(text)) <= set(ALPHABET)
    assert not set(compact(text)) & set("ILOU")
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){11}", text)


def test_first_character_is_the_format_version() -> None:
    assert RECOVERY_KEY_VERSION == 1
    for key in RANDOM_KEYS[:20]:
        assert encode_recovery_key(key)[0] == ALPHABET[RECOVERY_KEY_VERSION]


@pytest.mark.parametrize("key", RANDOM_KEYS + EDGE_KEYS)
def test_round_trip(key: bytes) -> None:
    text = encode_recovery_key(key)
    assert decode_recovery_key(text) == key
    assert encode_recovery_key(key) == text  # deterministic


def test_different_keys_give_different_recovery_keys() -> None:
    texts = {encode_recovery_key(key) for key in RANDOM_KEYS + EDGE_KEYS}
    assert len(texts) == len(RANDOM_KEYS) + len(EDGE_KEYS)


def test_bytearray_is_accepted() -> None:
    assert decode_recovery_key(encode_recovery_key(bytearray(KEY))) == KEY


@pytest.mark.parametrize("length", [0, 1, 16, 31, 33, 64])
def test_encode_rejects_wrong_key_length(length: int) -> None:
    with pytest.raises(ValueError, match="exactly 32 bytes"):
        encode_recovery_key(b"\x01" * length)


# ---------------------------------------------------------------------------------------------
# Deterministic typo detection (exhaustive)


@pytest.mark.parametrize("key", [KEY, *EDGE_KEYS[:2]])
def test_every_single_substitution_is_detected(key: bytes) -> None:
    text = compact(encode_recovery_key(key))
    # every canonical character, plus what a reader might type instead (lower case, I/L/O)
    typed = ALPHABET + ALPHABET.lower() + "ILOilo"
    detected = 0
    for position, original in enumerate(text):
        for replacement in typed:
            candidate = text[:position] + replacement + text[position + 1 :]
            if normalise_group(replacement) == original:
                assert decode_recovery_key(candidate) == key
                continue
            with pytest.raises(RecoveryKeyFormatError) as caught:
                decode_recovery_key(candidate)
            assert str(caught.value) == CHECKSUM_MESSAGE
            detected += 1
    assert detected == 60 * 31 * 2 + 60 * 6 - sum(
        1 for c in text for r in "ILOilo" if normalise_group(r) == c
    )


@pytest.mark.parametrize("key", RANDOM_KEYS[:50] + EDGE_KEYS)
def test_every_adjacent_transposition_is_detected(key: bytes) -> None:
    text = compact(encode_recovery_key(key))
    swapped = 0
    for position in range(len(text) - 1):
        a, b = text[position], text[position + 1]
        if a == b:
            continue
        candidate = text[:position] + b + a + text[position + 2 :]
        with pytest.raises(RecoveryKeyFormatError) as caught:
            decode_recovery_key(candidate)
        assert str(caught.value) == CHECKSUM_MESSAGE
        swapped += 1
    if key not in (bytes(32), b"\xff" * 32):
        assert swapped > 40  # the test really swapped characters


def test_adjacent_group_swap_is_detected() -> None:
    groups = encode_recovery_key(KEY).split("-")
    groups[3], groups[4] = groups[4], groups[3]
    with pytest.raises(RecoveryKeyFormatError, match="mistyped"):
        decode_recovery_key("-".join(groups))


def test_random_multiple_errors_are_caught_in_practice() -> None:
    rng = random.Random(7)
    text = compact(encode_recovery_key(KEY))
    for _ in range(2000):
        chars = list(text)
        for position in rng.sample(range(60), rng.randint(2, 6)):
            chars[position] = rng.choice(ALPHABET.replace(chars[position], ""))
        with pytest.raises(RecoveryKeyFormatError):
            decode_recovery_key("".join(chars))


# ---------------------------------------------------------------------------------------------
# Tolerant reading


def test_lower_case_and_spaces_are_accepted() -> None:
    text = encode_recovery_key(KEY)
    assert decode_recovery_key(text.lower()) == KEY
    assert decode_recovery_key(text.replace("-", " ")) == KEY
    assert decode_recovery_key(text.replace("-", "")) == KEY
    assert decode_recovery_key(f"  {text}\n") == KEY
    assert decode_recovery_key(text.replace("-", " - ")) == KEY
    assert decode_recovery_key(text.replace("-", "--")) == KEY
    assert decode_recovery_key(text.replace("-", "\u2013")) == KEY  # en dash from a document
    assert decode_recovery_key("\t".join(text.split("-"))) == KEY


def test_hyphens_in_the_wrong_places_are_accepted() -> None:
    flat = compact(encode_recovery_key(KEY))
    regrouped = "-".join(flat[i : i + 4] for i in range(0, 60, 4))
    assert decode_recovery_key(regrouped) == KEY
    assert decode_recovery_key("-".join(flat)) == KEY


def test_confusable_letters_are_read_as_digits() -> None:
    text = encode_recovery_key(KEY)
    assert text.startswith("10")  # version 1 and the reserved bits, always present
    assert decode_recovery_key(text.replace("1", "I")) == KEY
    assert decode_recovery_key(text.replace("1", "l")) == KEY
    assert decode_recovery_key(text.replace("1", "L")) == KEY
    assert decode_recovery_key(text.replace("0", "O")) == KEY
    assert decode_recovery_key(text.replace("0", "o")) == KEY


# ---------------------------------------------------------------------------------------------
# Error messages


@pytest.mark.parametrize(
    ("mangle", "count"),
    [
        (lambda t: t.rsplit("-", 1)[0], 55),  # a group left out
        (lambda t: t + "-" + t.split("-")[1], 65),  # a group typed twice
        (lambda t: t[:-1], 59),
        (lambda t: t + "A", 61),
        (lambda t: "", 0),
        (lambda t: " - - ", 0),
    ],
)
def test_wrong_length_message(mangle: Callable[[str], str], count: int) -> None:
    text = encode_recovery_key(KEY)
    with pytest.raises(RecoveryKeyFormatError) as caught:
        decode_recovery_key(mangle(text))
    message = str(caught.value)
    assert message == f"A recovery key has 60 characters in 12 groups; this one has {count}."
    assert_no_key_in(message, text)


@pytest.mark.parametrize(
    ("position", "bad", "shown"),
    [(7, "U", "'U'"), (1, "u", "'u'"), (60, "*", "'*'"), (33, "é", "'é'"), (12, "\x00", "U+0000")],
)
def test_invalid_character_message_names_character_and_position(
    position: int, bad: str, shown: str
) -> None:
    text = encode_recovery_key(KEY)
    flat = compact(text)
    mangled = flat[: position - 1] + bad + flat[position:]
    with pytest.raises(RecoveryKeyFormatError) as caught:
        decode_recovery_key("-".join(mangled[i : i + 5] for i in range(0, 60, 5)))
    message = str(caught.value)
    group = (position - 1) // 5 + 1
    assert message.startswith(f"Character {position} (in group {group}) is {shown}")
    assert "never U" in message
    assert_no_key_in(message, text)


def test_invalid_character_position_ignores_separators() -> None:
    with pytest.raises(RecoveryKeyFormatError, match=r"Character 6 \(in group 2\) is 'U'"):
        decode_recovery_key("ABCDE - U")


def test_invalid_character_is_reported_before_length() -> None:
    with pytest.raises(RecoveryKeyFormatError, match="'!'"):
        decode_recovery_key("10AB!")


def test_checksum_message_contains_no_key_material() -> None:
    text = encode_recovery_key(KEY)
    replacement = "2" if text[30] != "2" else "3"
    wrong = text[:30] + replacement + text[31:]
    with pytest.raises(RecoveryKeyFormatError) as caught:
        decode_recovery_key(wrong)
    assert str(caught.value) == CHECKSUM_MESSAGE
    assert_no_key_in(str(caught.value), text)
    assert_no_key_in(str(caught.value), wrong)


def test_newer_format_version_is_reported_as_such() -> None:
    newer = recovery._encode_frame(2, 0, KEY)
    with pytest.raises(RecoveryKeyFormatError, match="newer format") as caught:
        decode_recovery_key(newer)
    assert_no_key_in(str(caught.value), newer)


def test_reserved_bits_must_be_zero_in_version_1() -> None:
    with pytest.raises(RecoveryKeyFormatError, match="newer format"):
        decode_recovery_key(recovery._encode_frame(1, 5, KEY))


# ---------------------------------------------------------------------------------------------
# Groups for the first-run wizard


def test_recovery_key_groups_are_canonical() -> None:
    text = encode_recovery_key(KEY)
    assert recovery_key_groups(text) == text.split("-")
    sloppy = compact(text).lower().replace("1", "l").replace("0", "o")
    assert recovery_key_groups(sloppy) == text.split("-")


def test_recovery_key_groups_checks_the_whole_key() -> None:
    text = encode_recovery_key(KEY)
    with pytest.raises(RecoveryKeyFormatError):
        recovery_key_groups(text[:-1])
    with pytest.raises(RecoveryKeyFormatError, match="mistyped"):
        recovery_key_groups(text[:-1] + ("A" if text[-1] != "A" else "B"))


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("ab1cd", "AB1CD"),
        (" ab-lo ", "AB10"),
        ("iIlLoO", "111100"),
        ("x y z", "XYZ"),
        ("", ""),
        ("u", "U"),  # not valid, but left for the comparison to fail
    ],
)
def test_normalise_group(typed: str, canonical: str) -> None:
    assert normalise_group(typed) == canonical


def test_typed_back_group_matches_after_normalising() -> None:
    groups = recovery_key_groups(encode_recovery_key(KEY))
    first = groups[0]
    typed = first.lower().replace("1", "i").replace("0", "o")
    assert normalise_group(typed) == first
    assert normalise_group(groups[1]) != first
