"""One program at a time per register: the ``<register>.lock`` file.

SQLite keeps two programs from corrupting one file, but not from each other: two windows on
one register would show each other stale data, and a restore or key change that swaps the
file while another program still has the old one open would lose that program's later
changes. So whoever opens a register first creates ``<register>.lock`` (atomically, with
``O_CREAT | O_EXCL``, readable by its owner only) holding JSON:
``{"pid": ..., "host": ..., "since": "<UTC ISO time>", "token": ...}`` plus the process's
start time (``process_start``, measured as ``start_clock`` says: on Linux clock ticks since
boot from ``/proc/<pid>/stat``, with the boot id; on Windows the creation time from
``GetProcessTimes``; on macOS ``p_starttime`` from ``sysctl``), to spot a reused process id.
Lock files written before ``start_clock`` existed came from Linux and are read as such.

A lock is *stale*, and is taken over, when its process is gone: the process id no longer
exists on this computer (``os.kill(pid, 0)`` on POSIX, ``OpenProcess`` on Windows), the
computer has been restarted since (Linux's boot id), or the id now belongs to another process
(its start time differs: on Windows this is also what tells a restart, after which a process
id is soon reused); or when the
file cannot be read and is older than this process (a crash while writing it). A lock held
by another computer (a register on a shared drive) cannot be checked and is never taken over
unless the caller forces it after asking the person.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import secrets
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from .errors import RegisterError

LOCK_SUFFIX = ".lock"
_TAKEOVER_SUFFIX = ".takeover"
# A lock file still unreadable this long after it was created was left by a crash.
_UNREADABLE_GRACE_SECONDS = 2.0
# A takeover guard older than this was left by a crash during a takeover.
_TAKEOVER_GRACE_SECONDS = 10.0
_MAX_LOCK_BYTES = 4096
_ATTEMPTS = 20
_RETRY_SECONDS = 0.05

# When this module was loaded: later than this process started, earlier than any lock it
# writes. A lock naming this process id but written before then was left by another process.
_LOADED_AT = time.time()
# Locks held by this process: lock file path -> token.
_HELD: dict[str, str] = {}
_HELD_GUARD = threading.Lock()


class RegisterInUseError(RegisterError):
    """The register is open in another window or program (``holder`` says which, if known)."""

    def __init__(self, message: str, holder: LockHolder | None = None) -> None:
        super().__init__(message)
        self.holder = holder


class LockFileError(RegisterError):
    """The lock file could not be written (a read-only folder, a full disk)."""


@dataclass(frozen=True)
class LockHolder:
    """What a lock file says about the program holding the register."""

    pid: int
    host: str
    since: dt.datetime
    token: str = ""
    boot_id: str = ""
    process_start: int | None = None
    start_clock: str = ""  # how process_start is measured (one of the _CLOCK_* names)

    def describe(self) -> str:
        when = self.since.astimezone().strftime("%H:%M")
        return f"process {self.pid} on {self.host} since {when}"


def lock_path(register_path: Path) -> Path:
    register_path = Path(register_path)
    return register_path.with_name(register_path.name + LOCK_SUFFIX)


# ---------------------------------------------------------------------------------------------
# Is a process alive?


def _hostname() -> str:
    """This computer's name: ``uname``'s node name where there is one (the very name
    ``socket.gethostname`` gives there, without importing ``socket``: 10-25 ms a start)."""
    if hasattr(os, "uname"):
        return os.uname().nodename
    import socket

    return socket.gethostname()


def _same_host(host: str) -> bool:
    return host.casefold() == _hostname().casefold()


def _read_text(path: str) -> str | None:
    try:
        with open(path, encoding="ascii", errors="replace") as handle:
            return handle.read()
    except OSError:
        return None


def _boot_id() -> str:
    """Linux's id for this boot of the computer ("" elsewhere)."""
    text = _read_text("/proc/sys/kernel/random/boot_id")
    return text.strip() if text else ""


def _linux_stat(pid: int) -> list[str] | None:
    """The fields of ``/proc/<pid>/stat`` after the command name, or None."""
    text = _read_text(f"/proc/{pid}/stat")
    if not text or ")" not in text:
        return None
    return text.rsplit(")", 1)[1].split()


# How a recorded process start time is measured. Locks written before "start_clock" existed
# hold Linux's (the only platform that recorded a start time then).
_CLOCK_LINUX = "linux-ticks-since-boot"  # /proc/<pid>/stat field 22, with the boot id
_CLOCK_WINDOWS = "windows-filetime"  # creation time, 100 ns since 1601 (GetProcessTimes)
_CLOCK_MACOS = "macos-microseconds"  # kinfo_proc p_starttime, since 1970 (sysctl)

_PROCESS_QUERY_LIMITED_INFORMATION = 0x1000
_ERROR_ACCESS_DENIED = 5
_STILL_ACTIVE = 259
# sysctl names and struct kinfo_proc's size (macOS, 64-bit); p_starttime (a timeval) is at
# its very start, in the union p_un of struct extern_proc.
_CTL_KERN, _KERN_PROC, _KERN_PROC_PID = 1, 14, 1
_KINFO_PROC_SIZE = 648


def _platform() -> str:
    """``sys.platform`` (a function, so tests can take the Windows and macOS branches)."""
    return sys.platform


def _start_clock() -> str:
    platform = _platform()
    if platform == "win32":
        return _CLOCK_WINDOWS
    if platform == "darwin":
        return _CLOCK_MACOS
    return _CLOCK_LINUX


def _kernel32() -> Any:
    """Windows' kernel32 with the signatures used here (substituted in tests)."""
    import ctypes
    from ctypes import wintypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined,unused-ignore]
    kernel32.OpenProcess.restype = wintypes.HANDLE
    kernel32.OpenProcess.argtypes = [wintypes.DWORD, wintypes.BOOL, wintypes.DWORD]
    kernel32.GetExitCodeProcess.argtypes = [wintypes.HANDLE, ctypes.POINTER(wintypes.DWORD)]
    filetime = ctypes.POINTER(wintypes.FILETIME)
    kernel32.GetProcessTimes.argtypes = [wintypes.HANDLE, filetime, filetime, filetime, filetime]
    kernel32.CloseHandle.argtypes = [wintypes.HANDLE]
    return kernel32


def _last_error() -> int:
    import ctypes

    return int(ctypes.get_last_error())  # type: ignore[attr-defined,unused-ignore]


def _libc() -> Any:
    import ctypes
    import ctypes.util

    return ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)


def _linux_process_start(pid: int) -> int | None:
    fields = _linux_stat(pid)
    if fields is None or len(fields) < 20:
        return None
    try:
        return int(fields[19])  # field 22 of stat: starttime
    except ValueError:
        return None


def _windows_process_start(pid: int) -> int | None:
    """The process's creation time (FILETIME as one integer), or None when it cannot be read
    (no such process, or one this user may not query)."""
    import ctypes
    from ctypes import wintypes

    kernel32 = _kernel32()
    handle = kernel32.OpenProcess(_PROCESS_QUERY_LIMITED_INFORMATION, False, pid)
    if not handle:
        return None
    try:
        creation, exited, kernel, user = (wintypes.FILETIME() for _ in range(4))
        if not kernel32.GetProcessTimes(
            handle,
            ctypes.byref(creation),
            ctypes.byref(exited),
            ctypes.byref(kernel),
            ctypes.byref(user),
        ):
            return None
        return (int(creation.dwHighDateTime) << 32) | int(creation.dwLowDateTime)
    finally:
        kernel32.CloseHandle(handle)


def _macos_process_start(pid: int) -> int | None:
    """``p_starttime`` in microseconds since 1970 (``sysctl`` ``KERN_PROC_PID``), or None."""
    import ctypes

    mib = (ctypes.c_int * 4)(_CTL_KERN, _KERN_PROC, _KERN_PROC_PID, pid)
    buffer = ctypes.create_string_buffer(_KINFO_PROC_SIZE)
    size = ctypes.c_size_t(_KINFO_PROC_SIZE)
    if _libc().sysctl(mib, 4, buffer, ctypes.byref(size), None, ctypes.c_size_t(0)) != 0:
        return None
    if size.value < 16:
        return None  # no such process: sysctl succeeds with nothing returned
    seconds = int.from_bytes(buffer.raw[0:8], sys.byteorder, signed=True)
    microseconds = int.from_bytes(buffer.raw[8:12], sys.byteorder, signed=True)
    return seconds * 1_000_000 + microseconds


def _process_start(pid: int) -> int | None:
    """When ``pid`` started, measured by this platform's clock (:func:`_start_clock`), or None
    when it cannot be told."""
    platform = _platform()
    try:
        if platform == "win32":
            return _windows_process_start(pid)
        if platform == "darwin":
            return _macos_process_start(pid)
        return _linux_process_start(pid)
    except (OSError, AttributeError, ValueError):
        return None


def pid_alive(pid: int) -> bool:
    """True when a process with this id exists on this computer (and is not a zombie)."""
    if pid <= 0:
        return False
    if _platform() == "win32":
        import ctypes
        from ctypes import wintypes

        kernel32 = _kernel32()
        handle = kernel32.OpenProcess(_PROCESS_QUERY_LIMITED_INFORMATION, False, pid)
        if not handle:
            # Access denied means the process exists but belongs to someone else.
            return _last_error() == _ERROR_ACCESS_DENIED
        try:
            code = wintypes.DWORD()
            if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
                return True
            return bool(code.value == _STILL_ACTIVE)
        finally:
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    fields = _linux_stat(pid)
    return not (fields and fields[0] in {"Z", "X"})  # exited, not yet collected by its parent


# ---------------------------------------------------------------------------------------------
# The lock


def _parse(raw: bytes, mtime: float) -> LockHolder | None:
    try:
        data: Any = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    pid, host = data.get("pid"), data.get("host")
    if not isinstance(pid, int) or isinstance(pid, bool) or not isinstance(host, str):
        return None
    since = dt.datetime.fromtimestamp(mtime, dt.UTC)
    if isinstance(data.get("since"), str):
        with contextlib.suppress(ValueError):
            parsed = dt.datetime.fromisoformat(data["since"])
            since = parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    start = data.get("process_start")
    if not isinstance(start, int) or isinstance(start, bool):
        start = None
    clock = data.get("start_clock")
    if not isinstance(clock, str):
        clock = _CLOCK_LINUX if start is not None else ""  # written before the field existed
    return LockHolder(
        pid=pid,
        host=host,
        since=since,
        token=str(data.get("token", "")),
        boot_id=str(data.get("boot_id", "")),
        process_start=start,
        start_clock=clock,
    )


class RegisterLock:
    """The lock on one register file; use as a context manager or call acquire/release.

    ``acquire`` raises :class:`RegisterInUseError` while a live program holds the register
    (including another ``RegisterLock`` in this same process) and takes over stale locks.
    """

    def __init__(self, register_path: Path) -> None:
        self.register_path = Path(register_path)
        self.path = lock_path(self.register_path)
        self._token: str | None = None

    @property
    def held(self) -> bool:
        return self._token is not None

    def _key(self) -> str:
        return os.path.abspath(self.path)

    # -- reading ------------------------------------------------------------------------
    def _read(self) -> tuple[bytes, float] | None:
        """The lock file's bytes and modification time, or None when there is no lock."""
        try:
            with self.path.open("rb") as handle:
                raw = handle.read(_MAX_LOCK_BYTES + 1)
                mtime = os.fstat(handle.fileno()).st_mtime
        except FileNotFoundError:
            return None
        return raw, mtime

    def holder(self) -> LockHolder | None:
        """Who holds the register according to the lock file (None: no readable lock)."""
        found = self._read()
        return None if found is None else _parse(*found)

    def _is_stale(self, holder: LockHolder) -> bool:
        if not _same_host(holder.host):
            return False  # another computer's process cannot be checked from here
        boot = _boot_id()
        if holder.boot_id and boot and holder.boot_id != boot:
            return True  # written before this computer was last restarted
        if holder.pid == os.getpid():
            with _HELD_GUARD:
                mine = _HELD.get(self._key())
            if mine is not None and mine == holder.token:
                return False
            # This process id, but not a lock this process took: stale if written before
            # this process could have written it.
            return holder.since.timestamp() < _LOADED_AT
        if not pid_alive(holder.pid):
            return True
        same_boot = not holder.boot_id or holder.boot_id == boot
        if (
            holder.process_start is not None
            and holder.start_clock == _start_clock()
            and (holder.start_clock != _CLOCK_LINUX or same_boot)
        ):
            current = _process_start(holder.pid)
            if current is not None and current != holder.process_start:
                return True  # the process id has been reused (after a crash, or a restart)
        return False

    # -- writing ------------------------------------------------------------------------
    def _create(self) -> str:
        """Create the lock file atomically; FileExistsError when there already is one."""
        token = secrets.token_hex(16)
        record: dict[str, Any] = {
            "pid": os.getpid(),
            "host": _hostname(),
            "since": dt.datetime.now(dt.UTC).isoformat(),
            "token": token,
            "app": "nhsip-desktop",
        }
        boot, start = _boot_id(), _process_start(os.getpid())
        if boot:
            record["boot_id"] = boot
        if start is not None:
            record["process_start"] = start
            record["start_clock"] = _start_clock()
        flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_BINARY", 0)
        descriptor = os.open(self.path, flags, 0o600)
        try:
            try:
                os.write(descriptor, json.dumps(record).encode("utf-8"))
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
        except BaseException:
            with contextlib.suppress(OSError):
                self.path.unlink()
            raise
        return token

    def _remove_if_unchanged(self, raw: bytes) -> None:
        """Delete the lock file if it still holds ``raw``, guarded against a racing takeover."""
        guard = self.path.with_name(self.path.name + _TAKEOVER_SUFFIX)
        try:
            descriptor = os.open(guard, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            with contextlib.suppress(OSError):
                if time.time() - guard.stat().st_mtime > _TAKEOVER_GRACE_SECONDS:
                    guard.unlink()
            time.sleep(_RETRY_SECONDS)
            return
        os.close(descriptor)
        try:
            found = self._read()
            if found is not None and found[0] == raw:
                self.path.unlink()
        finally:
            with contextlib.suppress(OSError):
                guard.unlink()

    def acquire(self, *, force: bool = False) -> None:
        """Take the lock, or raise :class:`RegisterInUseError`.

        ``force`` takes over a lock that looks live (only after the person has confirmed
        that the other program, perhaps on another computer, is really closed).
        """
        if self._token is not None:
            holder = self.holder()
            raise RegisterInUseError(_in_use_message(holder), holder)
        last: LockHolder | None = None
        for _ in range(_ATTEMPTS):
            try:
                token = self._create()
            except FileExistsError:
                pass
            except OSError as exc:
                raise LockFileError(
                    f"The lock file {self.path.name} could not be written "
                    f"({exc.strerror or type(exc).__name__}). Check that the register's folder "
                    "can be written to and the disk is not full."
                ) from exc
            else:
                self._token = token
                with _HELD_GUARD:
                    _HELD[self._key()] = token
                return
            found = self._read()
            if found is None:
                continue  # released meanwhile: try again
            raw, mtime = found
            holder = _parse(raw, mtime)
            if holder is None:
                age = time.time() - mtime
                if force or mtime < _LOADED_AT or age > _UNREADABLE_GRACE_SECONDS:
                    self._remove_if_unchanged(raw)
                else:
                    time.sleep(_RETRY_SECONDS)  # perhaps being written right now
                continue
            last = holder
            if force or self._is_stale(holder):
                self._remove_if_unchanged(raw)
                continue
            raise RegisterInUseError(_in_use_message(holder), holder)
        raise RegisterInUseError(_in_use_message(last), last)

    def release(self) -> None:
        """Remove the lock file if it is still ours. Safe to call twice."""
        token, self._token = self._token, None
        if token is None:
            return
        with _HELD_GUARD:
            if _HELD.get(self._key()) == token:
                del _HELD[self._key()]
        with contextlib.suppress(OSError):
            found = self._read()
            if found is not None:
                holder = _parse(*found)
                if holder is not None and holder.token == token:
                    self.path.unlink()

    def __enter__(self) -> RegisterLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()


def _in_use_message(holder: LockHolder | None) -> str:
    if holder is None:
        return (
            "This register is being opened by another window or program right now. "
            "Close it there first, or try again in a moment."
        )
    return (
        f"This register is open in another window or program ({holder.describe()}). "
        "Close it there first."
    )
