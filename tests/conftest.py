"""Shared fixtures: real SQLCipher registers in tmp_path, and an in-memory keyring.

The in-memory keyring replaces the OS keyring only (CI has no keyring service); everything
else in these tests is real.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import keyring
import keyring.backend
import keyring.errors
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from nhsip_desktop.store.audit import Actor
from nhsip_desktop.store.register import Register

if TYPE_CHECKING:
    from nhsip_desktop.ui.session import RegisterSession


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


@pytest.fixture(autouse=True)
def _delete_closed_windows() -> Iterator[None]:
    """Delete the windows a test closed before the next test starts.

    pytest-qt closes every widget handed to ``qtbot`` and calls ``deleteLater``, but nothing
    runs the deletions until some later test spins an event loop. Until then the closed
    windows stay alive: re-applying the app's style sheet (``make_app``) re-polished every
    one of them, and the start-screen test took 19 s after the dialog tests (1.2 s alone).
    This runs after pytest-qt has closed the test's widgets.
    """
    yield
    if "PySide6.QtCore" not in sys.modules:
        return
    from PySide6.QtCore import QCoreApplication, QEvent

    if QCoreApplication.instance() is not None:
        # First let what fixture teardown queued (a zero-delay timer on a closed window, say
        # from a model reset as the session locked) run while its window still exists.
        QCoreApplication.processEvents()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


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


@pytest.fixture
def session(register: Register) -> Iterator[RegisterSession]:
    """A UI session on ``register`` (the pages' view of it), locked at the end."""
    from nhsip_desktop.ui.session import RegisterSession

    s = RegisterSession()
    s.attach(register)
    yield s
    s.lock()


@pytest.fixture(scope="session")
def demo_template(
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[[int], tuple[Path, bytes]]:
    """``demo_template(n)``: a register like the ``register`` fixture's (same organisation and
    actor) filled by ``build_demo(register, n)``, built once per test run (per xdist worker)
    for each ``n``; returns its closed file and key. Never open it: copy it
    (``demo_register``)."""
    made: dict[int, tuple[Path, bytes]] = {}

    def make(count: int) -> tuple[Path, bytes]:
        if count not in made:
            from nhsip_desktop.interchange.demo import build_demo

            path = tmp_path_factory.mktemp(f"demo-template-{count}") / "trust.nhsip"
            reg = Register.create(
                path, actor=Actor("tester", "Test Lead"), organisation="Test Trust"
            )
            try:
                build_demo(reg, count)
                made[count] = (path, reg.data_key)
            finally:
                reg.close()
        return made[count]

    return make


@pytest.fixture
def demo_register(
    demo_template: Callable[[int], tuple[Path, bytes]], tmp_path: Path, actor: Actor
) -> Iterator[Callable[[int], Register]]:
    """``demo_register(n)``: this test's own copy of the ``n``-case demo template, open (in
    ``tmp_path``, named like the ``register`` fixture's file); closed after the test. As if
    the test had called ``build_demo(register, n)``, at the cost of a file copy."""
    opened: list[Register] = []

    def open_copy(count: int) -> Register:
        source, key = demo_template(count)
        target = tmp_path / ("trust.nhsip" if not opened else f"trust-{len(opened)}.nhsip")
        shutil.copyfile(source, target)
        reg = Register.open(target, key, actor=actor)
        opened.append(reg)
        return reg

    yield open_copy
    for reg in opened:
        reg.close()


def file_state(folder: Path) -> dict[str, bytes]:
    """Every file in ``folder`` and its content, to prove that nothing was written."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}
