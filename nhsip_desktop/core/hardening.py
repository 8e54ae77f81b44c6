"""Process hardening at start: a crash must not write the register's contents or its key to disk.

A core dump (or a Windows crash dump) is a copy of the process's memory: it holds decrypted
register pages and the raw data key. So both entry points (the command line and the window,
both through :func:`nhsip_desktop.app.cli.main`) call :func:`harden_process` first:

* Linux and macOS: ``RLIMIT_CORE`` is set to 0 (the soft limit, which the kernel applies);
  on Linux the process is also marked not dumpable (``prctl(PR_SET_DUMPABLE, 0)``), which
  stops core dumps piped to a crash collector (``systemd-coredump``, apport: the kernel does
  not apply ``RLIMIT_CORE`` to those) and keeps other programs of the same user from reading
  its memory through ``ptrace``.
* Windows: ``SetErrorMode`` turns off the crash dialog, and ``WerSetFlags`` with
  ``WER_FAULT_REPORTING_FLAG_NOHEAP`` keeps heap memory (where the key and the pages live)
  out of any Windows Error Reporting dump. Windows has no per-process switch for full dumps
  that IT collects through the ``LocalDumps`` registry key or a debugger: those are a machine
  policy, outside the app's reach (see ``docs/RELIABILITY.md``).

Each step is best effort: a refusal is recorded in :data:`STATUS` and never stops the app.
"""

from __future__ import annotations

import sys
from typing import Any

PR_SET_DUMPABLE = 4
PR_GET_DUMPABLE = 3
SEM_FAILCRITICALERRORS = 0x0001
SEM_NOGPFAULTERRORBOX = 0x0002
WER_FAULT_REPORTING_FLAG_NOHEAP = 1

# What the last call to harden_process() achieved, step by step (for --self-test and tests).
STATUS: dict[str, bool] = {}


def _libc() -> Any:
    import ctypes
    import ctypes.util

    return ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)


def _windll(name: str) -> Any:
    import ctypes

    return ctypes.WinDLL(name)  # type: ignore[attr-defined,unused-ignore]


def _posix() -> None:
    import resource

    try:
        # The soft limit is the one the kernel applies at a crash. The hard limit is left as
        # it was, so that a program this one starts (or a test harness) is not bound by it.
        _soft, hard = resource.getrlimit(resource.RLIMIT_CORE)
        resource.setrlimit(resource.RLIMIT_CORE, (0, hard))
        STATUS["core_limit_zero"] = True
    except (OSError, ValueError):
        STATUS["core_limit_zero"] = False
    if sys.platform.startswith("linux"):
        try:
            STATUS["not_dumpable"] = _libc().prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0
        except (OSError, AttributeError):
            STATUS["not_dumpable"] = False


def _windows() -> None:
    try:
        kernel32 = _windll("kernel32")
        previous = kernel32.SetErrorMode(SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX)
        kernel32.SetErrorMode(previous | SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX)
        STATUS["no_crash_dialog"] = True
    except (OSError, AttributeError):
        STATUS["no_crash_dialog"] = False
    try:
        # S_OK is 0. Available since Windows Vista (wer.dll).
        STATUS["no_heap_in_crash_reports"] = (
            _windll("wer").WerSetFlags(WER_FAULT_REPORTING_FLAG_NOHEAP) == 0
        )
    except (OSError, AttributeError):
        STATUS["no_heap_in_crash_reports"] = False


def harden_process() -> dict[str, bool]:
    """Turn off core and crash dumps for this process (see the module docstring); idempotent.
    Returns what was achieved."""
    STATUS.clear()
    if sys.platform == "win32":
        _windows()
    else:
        _posix()
    return dict(STATUS)
