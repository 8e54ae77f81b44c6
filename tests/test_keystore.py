"""Tests for the keystore: the OS keyring protector and the passphrase protector file."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import stat
import time
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import keyring.backend
import keyring.errors
import pytest
from keyring.backends import fail, null
from keyring.backends.chainer import ChainerBackend

from nhsip_desktop.store import keystore
from nhsip_desktop.store.errors import (
    InsecureKeyringError,
    KeyringUnavailableError,
    PassphraseError,
    SaveFailedError,
    WrongPassphraseError,
)
from nhsip_desktop.store.keystore import (
    SERVICE,
    delete_from_keyring,
    has_passphrase_protector,
    keyring_problem,
    load_from_keyring,
    passphrase_protector_path,
    read_passphrase_protector,
    remove_passphrase_protector,
    save_to_keyring,
    write_passphrase_protector,
)

KEY = bytes.fromhex("3f" * 8 + "a1b2c3d4" * 6)
OTHER_KEY = os.urandom(32)
REGISTER_ID = "0b6f3c1e-register-under-test"
PASSPHRASE = "correct horse battery staple"


from tests.conftest import MemoryKeyring as MemoryBackend  # noqa: E402

# ---------------------------------------------------------------------------------------------
# Test keyring backends. Every KeyringBackend subclass is registered process-wide by keyring's
# metaclass, so these use a negative priority: keyring would never pick one automatically.


class PlaintextKeyring(MemoryBackend):
    """Looks like keyrings.alt's plain-text file keyring."""

    __module__ = "keyrings.alt.file"


class CustomisedPlaintext(PlaintextKeyring):
    """A subclass with an innocent name is still plain text underneath."""

    __module__ = "somewhere.else"


class LockedBackend(MemoryBackend):
    """Raises a keyring error on every operation, as a locked keychain would."""

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.PasswordSetError("cannot set")


class ForgetfulBackend(MemoryBackend):
    """Accepts every secret and forgets it at once."""

    def set_password(self, service: str, username: str, password: str) -> None:
        return None


class ChainWithPlaintext(ChainerBackend):
    priority = -10  # type: ignore[assignment]
    backends = [MemoryBackend(), PlaintextKeyring()]  # noqa: RUF012


class ChainOfSecureBackends(ChainerBackend):
    priority = -10  # type: ignore[assignment]
    backends = [MemoryBackend()]  # noqa: RUF012


class EmptyChain(ChainerBackend):
    priority = -10  # type: ignore[assignment]
    backends: list[keyring.backend.KeyringBackend] = []  # noqa: RUF012


@pytest.fixture
def use_backend() -> Iterator[Any]:
    """Install a given backend for the test; the previous backend is restored afterwards.

    ``trusted`` trusts its class explicitly, as the app trusts an OS keyring (default); the
    refusal tests install backends untrusted, as the app would find them.
    """
    previous = keyring.get_keyring()
    with contextlib.ExitStack() as stack:

        def install(
            backend: keyring.backend.KeyringBackend, *, trusted: bool = True
        ) -> keyring.backend.KeyringBackend:
            if trusted:
                stack.enter_context(keystore.trusted_backend_for_tests(type(backend)))
            keyring.set_keyring(backend)
            return backend

        try:
            yield install
        finally:
            keyring.set_keyring(previous)


@pytest.fixture
def memory_backend(use_backend: Any) -> MemoryBackend:
    backend = MemoryBackend()
    use_backend(backend)
    return backend


# ---------------------------------------------------------------------------------------------
# Keyring


def test_service_name() -> None:
    assert SERVICE == "nhsip-desktop"


def test_memory_backend_has_no_problem(memory_backend: MemoryBackend) -> None:
    assert keyring_problem() is None


def test_save_load_delete_round_trip(memory_backend: MemoryBackend) -> None:
    save_to_keyring(REGISTER_ID, KEY)
    assert memory_backend.store == {(SERVICE, REGISTER_ID): KEY.hex()}
    assert load_from_keyring(REGISTER_ID) == KEY
    delete_from_keyring(REGISTER_ID)
    assert memory_backend.store == {}
    assert load_from_keyring(REGISTER_ID) is None


def test_registers_are_kept_apart(memory_backend: MemoryBackend) -> None:
    save_to_keyring("register-a", KEY)
    save_to_keyring("register-b", OTHER_KEY)
    assert load_from_keyring("register-a") == KEY
    assert load_from_keyring("register-b") == OTHER_KEY
    save_to_keyring("register-a", OTHER_KEY)  # replacing an entry
    assert load_from_keyring("register-a") == OTHER_KEY


def test_missing_entry_is_none(memory_backend: MemoryBackend) -> None:
    assert load_from_keyring("no-such-register") is None


def test_delete_of_absent_entry_is_quiet(memory_backend: MemoryBackend) -> None:
    delete_from_keyring("no-such-register")


@pytest.mark.parametrize(
    "stored", ["", "not hex at all", "abcd", "zz" * 32, "ab" * 31, "ab" * 33, "ab" * 32 + "x"]
)
def test_malformed_entry_is_treated_as_missing(
    memory_backend: MemoryBackend, stored: str, caplog: pytest.LogCaptureFixture
) -> None:
    memory_backend.store[(SERVICE, REGISTER_ID)] = stored
    assert load_from_keyring(REGISTER_ID) is None
    assert caplog.text == ""


def test_upper_case_hex_is_read(memory_backend: MemoryBackend) -> None:
    memory_backend.store[(SERVICE, REGISTER_ID)] = KEY.hex().upper()
    assert load_from_keyring(REGISTER_ID) == KEY


@pytest.mark.parametrize("length", [0, 16, 31, 33])
def test_save_refuses_wrong_key_length(memory_backend: MemoryBackend, length: int) -> None:
    with pytest.raises(ValueError):
        save_to_keyring(REGISTER_ID, b"\x00" * length)
    assert memory_backend.store == {}


def test_save_refuses_empty_register_id(memory_backend: MemoryBackend) -> None:
    with pytest.raises(ValueError):
        save_to_keyring("", KEY)


class LookAlikeWinVault(MemoryBackend):
    """A custom backend that borrows the Windows backend's class name but not its module."""

    __qualname__ = "WinVaultKeyring"


class WinVaultSubclass(MemoryBackend):
    """The trusted class name, but in another module (as a subclass elsewhere would be)."""

    __module__ = "mycompany.keyring"
    __qualname__ = "WinVaultKeyring"


@pytest.mark.parametrize(
    "backend_class",
    [PlaintextKeyring, CustomisedPlaintext, MemoryBackend, LookAlikeWinVault, WinVaultSubclass],
)
def test_backend_not_on_the_allowlist_is_refused(
    use_backend: Any, backend_class: type[MemoryBackend]
) -> None:
    backend = use_backend(backend_class(), trusted=False)
    problem = keyring_problem()
    assert problem is not None
    name = f"{backend_class.__module__}.{backend_class.__qualname__}"
    # A message IT can act on: which backend, which are trusted, what to do.
    assert name in problem and "not one that nhsip-desktop trusts" in problem
    assert "Windows Credential Manager" in problem and "macOS Keychain" in problem
    assert "keyrings.alt" in problem and "PYTHON_KEYRING_BACKEND" in problem
    with pytest.raises(InsecureKeyringError) as caught:
        save_to_keyring(REGISTER_ID, KEY)
    assert KEY.hex() not in str(caught.value)
    assert backend.store == {}
    backend.store[(SERVICE, REGISTER_ID)] = KEY.hex()
    with pytest.raises(InsecureKeyringError):
        load_from_keyring(REGISTER_ID)


def test_the_allowlist_names_the_os_keyrings_only() -> None:
    assert set(keystore.TRUSTED_BACKENDS) == {
        "keyring.backends.Windows.WinVaultKeyring",
        "keyring.backends.macOS.Keyring",
        "keyring.backends.SecretService.Keyring",
        "keyring.backends.libsecret.Keyring",
        "keyring.backends.kwallet.DBusKeyring",
        "keyring.backends.kwallet.DBusKeyringKWallet4",
    }


def test_untrusted_backend_inside_a_trusted_chain_is_refused(use_backend: Any) -> None:
    use_backend(MemoryBackend())  # trusts the memory backend (the chain's first member)
    use_backend(ChainWithPlaintext())  # the chain is trusted, one of its members is not
    assert "keyrings.alt.file.PlaintextKeyring" in (keyring_problem() or "")
    with pytest.raises(InsecureKeyringError):
        save_to_keyring(REGISTER_ID, KEY)


class WinVaultKeyring(MemoryBackend):
    """Stands in for keyring's Windows backend (same module and class name)."""

    __module__ = "keyring.backends.Windows"

    def __init__(self) -> None:
        super().__init__()
        self.persist: object = "enterprise"
        self.persist_when_set: list[object] = []

    def set_password(self, service: str, username: str, password: str) -> None:
        self.persist_when_set.append(self.persist)
        super().set_password(service, username, password)


def test_windows_entries_are_kept_on_this_computer_only(use_backend: Any) -> None:
    backend = use_backend(WinVaultKeyring(), trusted=False)  # trusted by its name
    assert keyring_problem() is None
    save_to_keyring(REGISTER_ID, KEY)
    assert backend.persist_when_set == ["local machine"] == [keystore.WINDOWS_PERSISTENCE]
    assert load_from_keyring(REGISTER_ID) == KEY


def test_chain_of_secure_backends_is_accepted(use_backend: Any) -> None:
    use_backend(MemoryBackend())  # trusts the chain's member
    use_backend(ChainOfSecureBackends())
    assert keyring_problem() is None
    save_to_keyring(REGISTER_ID, KEY)
    assert load_from_keyring(REGISTER_ID) == KEY
    delete_from_keyring(REGISTER_ID)


def test_empty_chain_is_no_keyring(use_backend: Any) -> None:
    use_backend(EmptyChain())
    assert keyring_problem() is not None
    with pytest.raises(KeyringUnavailableError):
        save_to_keyring(REGISTER_ID, KEY)


@pytest.mark.parametrize("backend_class", [fail.Keyring, null.Keyring])
def test_no_backend_is_refused(
    use_backend: Any, backend_class: type[keyring.backend.KeyringBackend]
) -> None:
    use_backend(backend_class())
    problem = keyring_problem()
    assert problem is not None
    assert "no usable keyring" in problem
    with pytest.raises(KeyringUnavailableError):
        save_to_keyring(REGISTER_ID, KEY)
    with pytest.raises(KeyringUnavailableError):
        load_from_keyring(REGISTER_ID)
    delete_from_keyring(REGISTER_ID)  # no error


def test_backend_errors_become_keyring_unavailable(use_backend: Any) -> None:
    use_backend(LockedBackend())
    with pytest.raises(KeyringUnavailableError) as caught:
        save_to_keyring(REGISTER_ID, KEY)
    assert KEY.hex() not in str(caught.value)
    assert caught.value.__cause__ is None
    with pytest.raises(KeyringUnavailableError):
        load_from_keyring(REGISTER_ID)
    delete_from_keyring(REGISTER_ID)


def test_backend_that_forgets_is_reported(use_backend: Any) -> None:
    use_backend(ForgetfulBackend())
    with pytest.raises(KeyringUnavailableError, match="did not give it back"):
        save_to_keyring(REGISTER_ID, KEY)


def test_no_keyring_error_from_backend_is_reported(
    use_backend: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_backend(MemoryBackend())

    def refuse(*args: object) -> None:
        raise keyring.errors.NoKeyringError("gone")

    monkeypatch.setattr(keyring, "set_password", refuse)
    with pytest.raises(KeyringUnavailableError):
        save_to_keyring(REGISTER_ID, KEY)


# ---------------------------------------------------------------------------------------------
# Passphrase protector


DEFAULT_SCRYPT_N = keystore.SCRYPT_N


@pytest.fixture(autouse=True)
def _cheap_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests use the lowest scrypt cost the reader accepts, except where the default is put back."""
    monkeypatch.setattr(keystore, "SCRYPT_N", 2**14)


@pytest.fixture
def register_path(tmp_path: Path) -> Path:
    return tmp_path / "trust.nhsip"


def write_default(register_path: Path) -> Path:
    return write_passphrase_protector(register_path, REGISTER_ID, KEY, PASSPHRASE)


def load_document(register_path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(passphrase_protector_path(register_path).read_text())
    return document


def save_document(register_path: Path, document: object) -> None:
    passphrase_protector_path(register_path).write_text(json.dumps(document))


def flip_base64(value: str, index: int = 0) -> str:
    raw = bytearray(base64.b64decode(value))
    raw[index] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


def test_protector_path(tmp_path: Path) -> None:
    expected = tmp_path / "trust.nhsip.passphrase"
    assert passphrase_protector_path(tmp_path / "trust.nhsip") == expected


def test_round_trip_with_default_cost(register_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keystore, "SCRYPT_N", DEFAULT_SCRYPT_N)
    path = write_default(register_path)
    assert path == passphrase_protector_path(register_path)
    assert has_passphrase_protector(register_path)
    started = time.perf_counter()
    assert read_passphrase_protector(register_path, PASSPHRASE) == KEY
    elapsed = time.perf_counter() - started
    assert read_passphrase_protector(register_path, PASSPHRASE, register_id=REGISTER_ID) == KEY
    kdf = load_document(register_path)["kdf"]
    assert kdf == {"name": "scrypt", "n": 2**16, "r": 8, "p": 1, "length": 32}
    assert elapsed < 5  # generous: about 0.15 s on the build machine


def test_file_fields_and_no_secrets_in_it(register_path: Path) -> None:
    write_default(register_path)
    text = passphrase_protector_path(register_path).read_text()
    document = json.loads(text)
    assert document["format"] == "nhsip-desktop passphrase protector"
    assert document["version"] == 1
    assert document["register_id"] == REGISTER_ID
    assert document["kdf"]["name"] == "scrypt"
    assert len(base64.b64decode(document["salt"])) == 16
    assert len(base64.b64decode(document["nonce"])) == 12
    assert len(base64.b64decode(document["ciphertext"])) == 48
    assert KEY.hex() not in text.lower()
    assert base64.b64encode(KEY).decode() not in text
    assert PASSPHRASE not in text
    assert KEY not in passphrase_protector_path(register_path).read_bytes()


def test_each_write_uses_fresh_salt_and_nonce(register_path: Path) -> None:
    write_default(register_path)
    first = load_document(register_path)
    write_default(register_path)
    second = load_document(register_path)
    assert first["salt"] != second["salt"]
    assert first["nonce"] != second["nonce"]
    assert first["ciphertext"] != second["ciphertext"]


def test_no_protector_at_first(register_path: Path) -> None:
    assert not has_passphrase_protector(register_path)
    with pytest.raises(PassphraseError, match="no passphrase file") as caught:
        read_passphrase_protector(register_path, PASSPHRASE)
    assert not isinstance(caught.value, WrongPassphraseError)


def test_wrong_passphrase(register_path: Path) -> None:
    write_default(register_path)
    with pytest.raises(WrongPassphraseError) as caught:
        read_passphrase_protector(register_path, PASSPHRASE + "!")
    assert str(caught.value) == "That passphrase does not unlock this register."
    assert caught.value.__cause__ is None
    with pytest.raises(WrongPassphraseError):
        read_passphrase_protector(register_path, "")


def test_unicode_passphrase_in_either_normal_form(register_path: Path) -> None:
    passphrase = unicodedata.normalize("NFD", "café crème brûlée")
    write_passphrase_protector(register_path, REGISTER_ID, KEY, passphrase)
    nfc = unicodedata.normalize("NFC", passphrase)
    assert nfc != passphrase
    assert read_passphrase_protector(register_path, nfc) == KEY


def test_rewriting_changes_the_passphrase(register_path: Path) -> None:
    write_default(register_path)
    write_passphrase_protector(register_path, REGISTER_ID, KEY, "a brand new passphrase")
    assert read_passphrase_protector(register_path, "a brand new passphrase") == KEY
    with pytest.raises(WrongPassphraseError):
        read_passphrase_protector(register_path, PASSPHRASE)


@pytest.mark.parametrize(
    "field", ["ciphertext", "nonce", "salt", "ciphertext_tag", "register_id", "kdf_n"]
)
def test_tampering_is_detected(register_path: Path, field: str) -> None:
    write_default(register_path)
    document = load_document(register_path)
    if field == "ciphertext_tag":
        document["ciphertext"] = flip_base64(document["ciphertext"], -1)
    elif field == "register_id":
        document["register_id"] = "someone-else"
    elif field == "kdf_n":
        document["kdf"]["n"] = 2**15
    else:
        document[field] = flip_base64(document[field])
    save_document(register_path, document)
    with pytest.raises(PassphraseError) as caught:
        read_passphrase_protector(register_path, PASSPHRASE)
    assert KEY.hex() not in str(caught.value)
    assert PASSPHRASE not in str(caught.value)


def test_tampered_ciphertext_is_wrong_passphrase(register_path: Path) -> None:
    write_default(register_path)
    document = load_document(register_path)
    document["ciphertext"] = flip_base64(document["ciphertext"], 5)
    save_document(register_path, document)
    with pytest.raises(WrongPassphraseError):
        read_passphrase_protector(register_path, PASSPHRASE)


def test_register_id_mismatch(register_path: Path) -> None:
    write_default(register_path)
    with pytest.raises(PassphraseError, match="different register") as caught:
        read_passphrase_protector(register_path, PASSPHRASE, register_id="another-register")
    assert not isinstance(caught.value, WrongPassphraseError)


def _set(document: dict[str, Any], key: str, value: object) -> dict[str, Any]:
    changed = dict(document)
    changed[key] = value
    return changed


def _drop(document: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != key}


MALFORMED = {
    "missing version": lambda d: _drop(d, "version"),
    "version is text": lambda d: _set(d, "version", "1"),
    "version zero": lambda d: _set(d, "version", 0),
    "version true": lambda d: _set(d, "version", True),
    "missing register id": lambda d: _drop(d, "register_id"),
    "empty register id": lambda d: _set(d, "register_id", ""),
    "missing kdf": lambda d: _drop(d, "kdf"),
    "other kdf": lambda d: _set(d, "kdf", {"name": "pbkdf2", "iterations": 1000}),
    "kdf n not a power of two": lambda d: _set(d, "kdf", {**d["kdf"], "n": 3 * 2**14}),
    "kdf n too large": lambda d: _set(d, "kdf", {**d["kdf"], "n": 2**30}),
    "kdf n too small": lambda d: _set(d, "kdf", {**d["kdf"], "n": 2}),
    "kdf r huge": lambda d: _set(d, "kdf", {**d["kdf"], "r": 10**6}),
    "kdf p zero": lambda d: _set(d, "kdf", {**d["kdf"], "p": 0}),
    "kdf length": lambda d: _set(d, "kdf", {**d["kdf"], "length": 16}),
    "other cipher": lambda d: _set(d, "cipher", "ROT13"),
    "missing salt": lambda d: _drop(d, "salt"),
    "short nonce": lambda d: _set(d, "nonce", base64.b64encode(b"x" * 8).decode()),
    "bad base64": lambda d: _set(d, "ciphertext", "!!! not base64 !!!"),
    "short ciphertext": lambda d: _set(d, "ciphertext", base64.b64encode(b"x" * 32).decode()),
    "ciphertext a number": lambda d: _set(d, "ciphertext", 12345),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_protector(register_path: Path, case: str) -> None:
    write_default(register_path)
    save_document(register_path, MALFORMED[case](load_document(register_path)))
    with pytest.raises(PassphraseError) as caught:
        read_passphrase_protector(register_path, PASSPHRASE)
    assert not isinstance(caught.value, WrongPassphraseError)
    assert "damaged" in str(caught.value)


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"hello",
        b"\xff\xfe\x00garbage",
        b"[1, 2, 3]",
        b'"just a string"',
        b'{"format": "something else", "version": 1}',
        b"{}",
        b"x" * (70 * 1024),
    ],
)
def test_foreign_file(register_path: Path, content: bytes) -> None:
    passphrase_protector_path(register_path).write_bytes(content)
    assert has_passphrase_protector(register_path)
    with pytest.raises(PassphraseError, match="not an nhsip-desktop passphrase file") as caught:
        read_passphrase_protector(register_path, PASSPHRASE)
    assert not isinstance(caught.value, WrongPassphraseError)


def test_newer_protector_version(register_path: Path) -> None:
    write_default(register_path)
    save_document(register_path, _set(load_document(register_path), "version", 2))
    with pytest.raises(PassphraseError, match="newer version"):
        read_passphrase_protector(register_path, PASSPHRASE)


def test_protector_that_is_a_folder(register_path: Path) -> None:
    passphrase_protector_path(register_path).mkdir()
    assert not has_passphrase_protector(register_path)
    with pytest.raises(PassphraseError, match="could not be read"):
        read_passphrase_protector(register_path, PASSPHRASE)


@pytest.mark.parametrize("passphrase", ["", "short", "123456789", "ninechars"])
def test_short_passphrase_is_refused(register_path: Path, passphrase: str) -> None:
    with pytest.raises(PassphraseError, match="at least 10 characters") as caught:
        write_passphrase_protector(register_path, REGISTER_ID, KEY, passphrase)
    assert not isinstance(caught.value, WrongPassphraseError)
    assert not has_passphrase_protector(register_path)
    assert list(register_path.parent.iterdir()) == []


def test_ten_characters_is_enough(register_path: Path) -> None:
    write_passphrase_protector(register_path, REGISTER_ID, KEY, "0123456789")
    assert read_passphrase_protector(register_path, "0123456789") == KEY


def test_write_refuses_wrong_key_length(register_path: Path) -> None:
    with pytest.raises(ValueError):
        write_passphrase_protector(register_path, REGISTER_ID, KEY[:31], PASSPHRASE)
    assert not has_passphrase_protector(register_path)


def test_write_leaves_no_temporary_files(register_path: Path) -> None:
    write_default(register_path)
    write_default(register_path)
    assert [p.name for p in register_path.parent.iterdir()] == ["trust.nhsip.passphrase"]


def test_write_into_missing_folder_fails_cleanly(tmp_path: Path) -> None:
    with pytest.raises(SaveFailedError):
        write_passphrase_protector(tmp_path / "absent" / "r.nhsip", REGISTER_ID, KEY, PASSPHRASE)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_protector_is_owner_only(register_path: Path) -> None:
    previous = os.umask(0o000)
    try:
        path = write_default(register_path)
    finally:
        os.umask(previous)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_remove_protector(register_path: Path) -> None:
    write_default(register_path)
    remove_passphrase_protector(register_path)
    assert not has_passphrase_protector(register_path)
    remove_passphrase_protector(register_path)  # absent: no error
