"""Shared fixtures: real SQLCipher registers in tmp_path, and an in-memory keyring.

The in-memory keyring replaces the OS keyring only (CI has no keyring service); everything
else in these tests is real.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backend
import keyring.errors
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from nhsip_desktop.store.audit import Actor
from nhsip_desktop.store.register import Register


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring that keeps secrets in this process's memory (tests only)."""

    # Negative: keyring must never choose this class by itself; fixtures install it.
    priority = -10  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        # Like real backends, deleting a missing entry is an error.
        if (service, username) not in self.store:
            raise keyring.errors.PasswordDeleteError("not found")
        del self.store[(service, username)]


@pytest.fixture(autouse=True)
def _isolated_app_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keep the app's config and data folders out of the real home folder."""
    base = tmp_path_factory.mktemp("appdirs")
    monkeypatch.setenv("NHSIP_CONFIG_DIR", str(base / "config"))
    monkeypatch.setenv("NHSIP_DATA_DIR", str(base / "data"))


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    """The in-memory keyring, trusted explicitly (the app trusts only the OS keyrings)."""
    from nhsip_desktop.store.keystore import trusted_backend_for_tests

    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        with trusted_backend_for_tests(MemoryKeyring):
            yield backend
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    """The situation on a headless machine: no usable keyring backend at all."""
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        yield
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def actor() -> Actor:
    return Actor("tester", "Test Lead")


@pytest.fixture
def register(tmp_path: Path, actor: Actor) -> Iterator[Register]:
    reg = Register.create(tmp_path / "trust.nhsip", actor=actor, organisation="Test Trust")
    try:
        yield reg
    finally:
        reg.close()


def file_state(folder: Path) -> dict[str, bytes]:
    """Every file in ``folder`` and its content, to prove that nothing was written."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}
