"""Process hardening and honest messages (issue 22 items 6 and 8).

The running app's core-dump limit is 0 (checked inside a real child process started through
the command-line and the window entry points); the Windows branch is exercised with its system
calls substituted; no key material appears in any error the store raises; a flipped header bit
is called damage, not "install the newest version"; ``... | head -1`` is not an error.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from nhsip_desktop.app import cli
from nhsip_desktop.core import hardening
from nhsip_desktop.store.audit import Actor
from nhsip_desktop.store.errors import (
    DamagedRegisterError,
    NotARegisterError,
    RegisterError,
)
from nhsip_desktop.store.header import read_header
from nhsip_desktop.store.recovery import encode_recovery_key
from nhsip_desktop.store.register import Register

ROOT = Path(__file__).resolve().parent.parent
POSIX_ONLY = pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_CORE is POSIX")


def _child(code: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=env,
        check=False,
        **kwargs,
    )


_REPORT_LIMITS = """
    import ctypes, ctypes.util, resource, sys
    soft, hard = resource.getrlimit(resource.RLIMIT_CORE)
    line = ""
    if sys.platform.startswith("linux"):
        line = next(l for l in open("/proc/self/limits") if l.startswith("Max core file size"))
        dumpable = ctypes.CDLL(ctypes.util.find_library("c")).prctl(3, 0, 0, 0, 0)
    else:
        dumpable = "n/a"
    print("LIMITS", soft, hard, dumpable, "|", " ".join(line.split()[4:6]))
"""


@POSIX_ONLY
def test_the_command_line_entry_turns_core_dumps_off(tmp_path: Path) -> None:
    result = _child(
        textwrap.dedent(
            f"""
            import resource
            hard = resource.getrlimit(resource.RLIMIT_CORE)[1]
            resource.setrlimit(resource.RLIMIT_CORE, (hard, hard))
            print("START", hard)
            from nhsip_desktop.app.cli import main
            main(["verify-export", {str(tmp_path / "no-such-pack")!r}])
            """
        )
        + textwrap.dedent(_REPORT_LIMITS)
    )
    assert "LIMITS" in result.stdout, result.stderr
    if result.stdout.split("START", 1)[1].split()[0] == "0":
        pytest.skip("this machine forbids core dumps to every process already")
    fields = result.stdout.split("LIMITS", 1)[1].split()
    assert fields[0] == "0", "the soft limit, the one a crash obeys"
    if sys.platform.startswith("linux"):
        assert fields[2] == "0", "the process is marked not dumpable"
        assert fields[4] == "0", "/proc/self/limits agrees"


@POSIX_ONLY
def test_the_window_entry_turns_core_dumps_off() -> None:
    result = _child(
        textwrap.dedent(
            """
            import resource
            hard = resource.getrlimit(resource.RLIMIT_CORE)[1]
            resource.setrlimit(resource.RLIMIT_CORE, (hard, hard))
            print("START", hard)
            import nhsip_desktop.ui.app as app

            class Quiet:
                def exec(self): return 0
                def show(self): pass
            app.make_app = Quiet
            app.MainWindow = Quiet
            app.run()
            """
        )
        + textwrap.dedent(_REPORT_LIMITS)
    )
    assert "LIMITS" in result.stdout, result.stderr
    if result.stdout.split("START", 1)[1].split()[0] == "0":
        pytest.skip("this machine forbids core dumps to every process already")
    assert result.stdout.split("LIMITS", 1)[1].split()[0] == "0"


def test_windows_turns_off_the_crash_dialog_and_heap_dumps(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[str, tuple[int, ...]]] = []

    class Function:
        def __init__(self, name: str, result: int) -> None:
            self.name, self.result = name, result

        def __call__(self, *args: int) -> int:
            calls.append((self.name, args))
            return self.result

    class Library:
        def __init__(self, name: str) -> None:
            self.name = name

        def __getattr__(self, function: str) -> Function:
            return Function(function, 0)

    monkeypatch.setattr(hardening.sys, "platform", "win32")
    monkeypatch.setattr(hardening, "_windll", Library)
    status = hardening.harden_process()
    assert status == {"no_crash_dialog": True, "no_heap_in_crash_reports": True}
    flags = hardening.SEM_FAILCRITICALERRORS | hardening.SEM_NOGPFAULTERRORBOX
    assert ("SetErrorMode", (flags,)) in calls
    assert ("WerSetFlags", (hardening.WER_FAULT_REPORTING_FLAG_NOHEAP,)) in calls

    def missing(name: str) -> Any:  # an old Windows without wer.dll: recorded, not fatal
        if name == "wer":
            raise OSError("wer.dll not found")
        return Library(name)

    monkeypatch.setattr(hardening, "_windll", missing)
    assert hardening.harden_process() == {
        "no_crash_dialog": True,
        "no_heap_in_crash_reports": False,
    }


# ---------------------------------------------------------------------------------------------
# No key material in exception text


def _all_text(exc: BaseException) -> str:
    """Everything an error could show: its text, its arguments, and its causes' text."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        parts += [str(current), repr(current.args)]
        parts += [str(p) for p in getattr(current, "problems", [])]
        current = current.__cause__ or current.__context__
    return "\n".join(parts)


def _secrets(key: bytes, recovery: str, passphrase: str) -> list[str]:
    compact = recovery.replace("-", "")
    fragments = [key.hex()[i : i + 16] for i in range(0, 64, 16)]
    fragments += [key.hex().upper()[i : i + 16] for i in range(0, 64, 16)]
    fragments += [compact[i : i + 10] for i in range(0, len(compact) - 10, 10)]
    fragments += ["-".join(recovery.split("-")[i : i + 2]) for i in range(0, 12, 2)]
    return [*fragments, passphrase]


def test_no_key_material_in_any_store_error(tmp_path: Path, actor: Actor) -> None:
    from nhsip_desktop.store.keystore import (
        read_passphrase_protector,
        write_passphrase_protector,
    )
    from nhsip_desktop.store.recovery import decode_recovery_key
    from nhsip_desktop.store.unlock import open_register

    path = tmp_path / "trust.nhsip"
    with Register.create(path, actor=actor) as register:
        key, register_id = register.data_key, register.register_id
    other = bytes(reversed(key))
    passphrase = "correct horse battery staple 42"
    write_passphrase_protector(path, register_id, key, passphrase)
    recovery, other_recovery = encode_recovery_key(key), encode_recovery_key(other)
    mistyped = recovery[:7] + ("Z" if recovery[7] != "Z" else "Y") + recovery[8:]
    forbidden = _secrets(key, recovery, passphrase) + _secrets(other, other_recovery, passphrase)

    errors: list[BaseException] = []

    def collect(call: Any) -> None:
        try:
            call()
        except (RegisterError, ValueError) as exc:
            errors.append(exc)
        else:
            raise AssertionError("expected a refusal")

    collect(lambda: Register.open(path, other, actor=actor))  # wrong key
    collect(lambda: open_register(path, actor=actor, recovery_key=other_recovery))
    collect(lambda: decode_recovery_key(mistyped))  # a typo: checksum
    collect(lambda: decode_recovery_key(recovery + "-ABCDE"))  # too long
    collect(lambda: decode_recovery_key(recovery.replace(recovery[3], "U", 1)))
    collect(lambda: read_passphrase_protector(path, passphrase + "!", register_id=register_id))
    collect(lambda: open_register(path, actor=actor, passphrase=passphrase[::-1]))
    collect(lambda: Register.open(path, key[:31], actor=actor))  # a short key
    # A damaged page: SQLCipher's own error text travels inside the message and the causes.
    data = bytearray(path.read_bytes())
    data[4096 * 2 + 100] ^= 0xFF
    path.write_bytes(bytes(data))
    collect(lambda: Register.open(path, key, actor=actor))

    assert len(errors) == 9
    for exc in errors:
        text = _all_text(exc)
        leaked = [fragment for fragment in forbidden if fragment in text]
        assert not leaked, f"{type(exc).__name__} shows key material: {text!r}"


_SECRET_NAMES = ("key", "passphrase", "secret", "recovery", "password")
_ALLOWED = {"key_out", "key_file", "recovery_key_file", "key_path", "keyfile", "sort_key"}


def test_no_store_error_message_interpolates_a_key_variable() -> None:
    """Static audit: no ``SomeError(f"...{key}...")`` in the store interpolates a variable
    whose name says it holds key material (a path to a key file is allowed)."""
    offenders: list[str] = []
    for source in sorted((ROOT / "nhsip_desktop" / "store").glob("*.py")):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if not called.endswith(("Error", "_failed", "_damaged", "_foreign", "_trail")):
                continue
            for part in ast.walk(node):
                if not isinstance(part, ast.FormattedValue):
                    continue
                for name in ast.walk(part.value):
                    spelled = (
                        name.id
                        if isinstance(name, ast.Name)
                        else name.attr
                        if isinstance(name, ast.Attribute)
                        else ""
                    )
                    word = spelled.lower()
                    if word in _ALLOWED or not word or spelled.isupper():  # constants: sizes
                        continue
                    if any(s in word for s in _SECRET_NAMES) and word not in {"keyring"}:
                        offenders.append(f"{source.name}:{node.lineno} {{{word}}}")
    assert not offenders, offenders


# ---------------------------------------------------------------------------------------------
# Honest header messages


def _register_bytes(tmp_path: Path, actor: Actor) -> tuple[Path, bytes]:
    path = tmp_path / "trust.nhsip"
    Register.create(path, actor=actor).close()
    return path, path.read_bytes()


@pytest.mark.parametrize("bit", [0, 3, 4, 5, 6, 7])
def test_one_flipped_bit_in_the_format_number_is_damage(
    tmp_path: Path, actor: Actor, bit: int
) -> None:
    path, data = _register_bytes(tmp_path, actor)
    flipped = bytearray(data)
    flipped[4] ^= 1 << bit  # 1 becomes 0, 9, 17, 33, 65 or 129: never a real format
    path.write_bytes(bytes(flipped))
    with pytest.raises(DamagedRegisterError) as caught:
        read_header(path)
    message = str(caught.value)
    assert "header is damaged" in message and "backup" in message
    assert "install" not in message.lower()


@pytest.mark.parametrize("bit", [1, 2])
def test_a_format_number_that_could_be_newer_says_both_possibilities(
    tmp_path: Path, actor: Actor, bit: int
) -> None:
    path, data = _register_bytes(tmp_path, actor)
    changed = bytearray(data)
    changed[4] ^= 1 << bit  # 3 or 5: perhaps a future format, perhaps a changed bit
    path.write_bytes(bytes(changed))
    with pytest.raises(NotARegisterError) as caught:
        read_header(path)
    message = str(caught.value)
    assert "newer version" in message and "damaged" in message and "backup" in message


def test_one_flipped_bit_in_the_marker_is_damage_not_another_file(
    tmp_path: Path, actor: Actor, capsys: pytest.CaptureFixture[str]
) -> None:
    path, data = _register_bytes(tmp_path, actor)
    flipped = bytearray(data)
    flipped[1] ^= 0x04
    path.write_bytes(bytes(flipped))
    assert cli.main(["cases", str(path)]) == cli.EXIT_ERROR
    err = capsys.readouterr().err
    assert "header is damaged" in err and "install" not in err.lower()
    other = tmp_path / "notes.nhsip"
    other.write_bytes(b"Some other file entirely, long enough.")
    with pytest.raises(NotARegisterError, match="not an IP register"):
        read_header(other)


# ---------------------------------------------------------------------------------------------
# `... | head -1`


def _key_file(tmp_path: Path, key: bytes) -> Path:
    key_file = tmp_path / "key.txt"
    key_file.write_text(encode_recovery_key(key) + "\n", encoding="utf-8")
    return key_file


@pytest.mark.parametrize("command", ["cases", "report"])
def test_a_closed_pipe_is_not_an_error(tmp_path: Path, actor: Actor, command: str) -> None:
    path = tmp_path / "trust.nhsip"
    with Register.create(path, actor=actor) as register:
        key = register.data_key
        case = register.cases.add("A case to list", summary="s")
    key_args = ["--recovery-key-file", str(_key_file(tmp_path, key))]
    if command == "cases":
        args = ["cases", str(path), *key_args]
    else:
        out = tmp_path / "dossier.pdf"
        args = ["report", "dossier", str(path), "--case", case.reference, "--out", str(out)]
        args += key_args
    # The reader has already gone (as `head -1` goes after its line): every write fails.
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "nhsip_desktop", *args],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            cwd=ROOT,
            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
            check=False,
        )
    finally:
        os.close(write_end)
    assert result.returncode == cli.EXIT_OK, result.stderr
    assert "Broken pipe" not in result.stderr and "BrokenPipeError" not in result.stderr
    assert result.stderr == ""
    if command == "report":
        assert (tmp_path / "dossier.pdf").exists()
