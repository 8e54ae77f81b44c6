"""The register lock file: one program at a time, stale locks taken over."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nhsip_desktop.store.errors import RegisterError
from nhsip_desktop.store.lock import (
    RegisterInUseError,
    RegisterLock,
    lock_path,
    pid_alive,
)


@pytest.fixture
def reg_path(tmp_path: Path) -> Path:
    return tmp_path / "trust.nhsip"


def _exited_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@pytest.fixture
def sleeper() -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        yield proc
    finally:
        proc.kill()
        proc.wait()


def _write_lock(reg_path: Path, **fields: object) -> Path:
    path = lock_path(reg_path)
    path.write_text(json.dumps(fields))
    return path


def test_acquire_writes_an_owner_only_lock_and_release_removes_it(reg_path: Path) -> None:
    lock = RegisterLock(reg_path)
    lock.acquire()
    assert lock.held
    assert lock.path == reg_path.with_name("trust.nhsip.lock")
    record = json.loads(lock.path.read_text())
    assert record["pid"] == os.getpid()
    assert record["host"] == socket.gethostname()
    assert dt.datetime.fromisoformat(record["since"]).tzinfo is not None
    if os.name == "posix":
        assert lock.path.stat().st_mode & 0o777 == 0o600
    holder = lock.holder()
    assert holder is not None and holder.pid == os.getpid()
    lock.release()
    assert not lock.held
    assert not lock.path.exists()
    lock.release()  # twice is fine


def test_a_second_acquire_in_the_same_process_is_refused(reg_path: Path) -> None:
    with RegisterLock(reg_path):
        with pytest.raises(RegisterInUseError) as info:
            RegisterLock(reg_path).acquire()
        message = str(info.value)
        assert isinstance(info.value, RegisterError)
        assert f"process {os.getpid()} on {socket.gethostname()} since " in message
        assert message.startswith("This register is open in another window or program (")
        assert message.endswith("). Close it there first.")
        assert info.value.holder is not None and info.value.holder.pid == os.getpid()
        # The refused attempt did not disturb the holder's lock.
        assert json.loads(lock_path(reg_path).read_text())["pid"] == os.getpid()
    assert not lock_path(reg_path).exists()
    # Free again once released.
    with RegisterLock(reg_path) as again:
        assert again.held


def test_the_same_lock_object_cannot_be_acquired_twice(reg_path: Path) -> None:
    lock = RegisterLock(reg_path)
    with lock, pytest.raises(RegisterInUseError):
        lock.acquire()


def test_a_stale_lock_from_an_exited_process_is_taken_over(reg_path: Path) -> None:
    pid = _exited_pid()
    assert not pid_alive(pid)
    _write_lock(
        reg_path,
        pid=pid,
        host=socket.gethostname(),
        since=dt.datetime.now(dt.UTC).isoformat(),
    )
    with RegisterLock(reg_path) as lock:
        assert lock.held
        assert json.loads(lock.path.read_text())["pid"] == os.getpid()
    assert not lock_path(reg_path).exists()


def test_a_live_process_keeps_its_lock(reg_path: Path, sleeper: subprocess.Popen[bytes]) -> None:
    assert pid_alive(sleeper.pid)
    path = _write_lock(
        reg_path,
        pid=sleeper.pid,
        host=socket.gethostname(),
        since=dt.datetime.now(dt.UTC).isoformat(),
    )
    before = path.read_bytes()
    with pytest.raises(RegisterInUseError, match=f"process {sleeper.pid} on "):
        RegisterLock(reg_path).acquire()
    assert path.read_bytes() == before


def test_a_lock_from_before_a_restart_is_stale(
    reg_path: Path, sleeper: subprocess.Popen[bytes]
) -> None:
    if not Path("/proc/sys/kernel/random/boot_id").exists():
        pytest.skip("boot ids are a Linux feature")
    # Even though the process id is in use now, it was recorded during another boot.
    _write_lock(reg_path, pid=sleeper.pid, host=socket.gethostname(), boot_id="another-boot")
    with RegisterLock(reg_path) as lock:
        assert lock.held


def test_a_reused_process_id_is_stale(reg_path: Path, sleeper: subprocess.Popen[bytes]) -> None:
    if not Path(f"/proc/{sleeper.pid}/stat").exists():
        pytest.skip("process start times are read from /proc")
    boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    _write_lock(reg_path, pid=sleeper.pid, host=socket.gethostname(), boot_id=boot, process_start=1)
    with RegisterLock(reg_path) as lock:
        assert lock.held


def test_a_live_process_with_its_recorded_start_time_keeps_its_lock(
    reg_path: Path, sleeper: subprocess.Popen[bytes]
) -> None:
    stat = Path(f"/proc/{sleeper.pid}/stat")
    if not stat.exists():
        pytest.skip("process start times are read from /proc")
    boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    start = int(stat.read_text().rsplit(")", 1)[1].split()[19])
    _write_lock(
        reg_path, pid=sleeper.pid, host=socket.gethostname(), boot_id=boot, process_start=start
    )
    with pytest.raises(RegisterInUseError, match=f"process {sleeper.pid} "):
        RegisterLock(reg_path).acquire()


def test_an_unreadable_old_lock_is_taken_over(reg_path: Path) -> None:
    path = lock_path(reg_path)
    path.write_bytes(b"\x00\x01 not json")
    old = time.time() - 3600
    os.utime(path, (old, old))
    with RegisterLock(reg_path) as lock:
        assert lock.held


def test_a_lock_written_by_an_earlier_process_with_our_pid_is_stale(reg_path: Path) -> None:
    _write_lock(
        reg_path,
        pid=os.getpid(),
        host=socket.gethostname(),
        since=(dt.datetime.now(dt.UTC) - dt.timedelta(days=2)).isoformat(),
    )
    with RegisterLock(reg_path) as lock:
        assert lock.held


def test_another_computers_lock_is_kept_unless_forced(reg_path: Path) -> None:
    path = _write_lock(
        reg_path,
        pid=_exited_pid(),
        host="ward-laptop-07",
        since=dt.datetime.now(dt.UTC).isoformat(),
    )
    with pytest.raises(RegisterInUseError, match="on ward-laptop-07 since"):
        RegisterLock(reg_path).acquire()
    assert json.loads(path.read_text())["host"] == "ward-laptop-07"
    lock = RegisterLock(reg_path)
    lock.acquire(force=True)
    assert json.loads(path.read_text())["pid"] == os.getpid()
    lock.release()


def test_release_leaves_a_lock_that_is_no_longer_ours(reg_path: Path) -> None:
    lock = RegisterLock(reg_path)
    lock.acquire()
    path = _write_lock(reg_path, pid=12345, host="elsewhere", token="theirs")
    lock.release()
    assert path.exists()


def test_pid_alive() -> None:
    assert pid_alive(os.getpid())
    assert not pid_alive(_exited_pid())
    assert not pid_alive(0)
    assert not pid_alive(-5)


# --- process start times on every platform (issue 22, item 7), the platform calls substituted


class FakeWindowsKernel:
    """kernel32's OpenProcess / GetExitCodeProcess / GetProcessTimes / CloseHandle over a
    table of live process ids and their creation times (FILETIME as one integer)."""

    def __init__(self, processes: dict[int, int]) -> None:
        self.processes = processes
        self.open_handles: set[int] = set()

    def OpenProcess(self, access: int, inherit: bool, pid: int) -> int:
        assert access == 0x1000  # PROCESS_QUERY_LIMITED_INFORMATION
        if pid not in self.processes:
            return 0
        self.open_handles.add(pid + 10_000)
        return pid + 10_000

    def GetExitCodeProcess(self, handle: int, code: Any) -> int:
        code._obj.value = 259  # STILL_ACTIVE
        return 1

    def GetProcessTimes(self, handle: int, creation: Any, *others: Any) -> int:
        value = self.processes[handle - 10_000]
        creation._obj.dwLowDateTime = value & 0xFFFFFFFF
        creation._obj.dwHighDateTime = value >> 32
        return 1

    def CloseHandle(self, handle: int) -> int:
        self.open_handles.discard(handle)
        return 1


@pytest.fixture
def windows(monkeypatch: pytest.MonkeyPatch) -> FakeWindowsKernel:
    from nhsip_desktop.store import lock

    kernel = FakeWindowsKernel({os.getpid(): 133_800_000_000_000_000})
    monkeypatch.setattr(lock, "_platform", lambda: "win32")
    monkeypatch.setattr(lock, "_kernel32", lambda: kernel)
    monkeypatch.setattr(lock, "_last_error", lambda: 87)  # ERROR_INVALID_PARAMETER: no process
    monkeypatch.setattr(lock, "_boot_id", lambda: "")  # Windows has none
    return kernel


def test_on_windows_the_lock_records_the_creation_time(
    reg_path: Path, windows: FakeWindowsKernel
) -> None:
    with RegisterLock(reg_path):
        record = json.loads(lock_path(reg_path).read_text())
    assert record["process_start"] == 133_800_000_000_000_000
    assert record["start_clock"] == "windows-filetime"
    assert "boot_id" not in record
    assert windows.open_handles == set()  # every handle closed


def test_on_windows_a_reused_process_id_after_a_restart_is_stale(
    reg_path: Path, windows: FakeWindowsKernel
) -> None:
    # The app crashed holding the lock as process 4242; after a restart 4242 is another program.
    windows.processes[4242] = 133_900_000_000_000_000
    _write_lock(
        reg_path,
        pid=4242,
        host=socket.gethostname(),
        process_start=133_800_000_000_000_000,
        start_clock="windows-filetime",
    )
    with RegisterLock(reg_path) as lock:
        assert lock.held
    assert windows.open_handles == set()


def test_on_windows_the_live_holder_keeps_its_lock(
    reg_path: Path, windows: FakeWindowsKernel
) -> None:
    windows.processes[4242] = 133_800_000_000_000_000
    _write_lock(
        reg_path,
        pid=4242,
        host=socket.gethostname(),
        process_start=133_800_000_000_000_000,
        start_clock="windows-filetime",
    )
    with pytest.raises(RegisterInUseError, match="process 4242 on "):
        RegisterLock(reg_path).acquire()
    # A lock from an older version (no start time) of a live process is kept too...
    _write_lock(reg_path, pid=4242, host=socket.gethostname())
    with pytest.raises(RegisterInUseError, match="process 4242 on "):
        RegisterLock(reg_path).acquire()
    # ...and one whose process has gone is taken over.
    del windows.processes[4242]
    with RegisterLock(reg_path) as lock:
        assert lock.held


def test_a_linux_start_time_is_not_compared_with_a_windows_clock(
    reg_path: Path, windows: FakeWindowsKernel
) -> None:
    """An old lock file (a start time, no clock named) is read as Linux ticks: never compared
    with a Windows creation time, so a live holder is not taken over by mistake."""
    windows.processes[4242] = 133_800_000_000_000_000
    _write_lock(reg_path, pid=4242, host=socket.gethostname(), process_start=12345)
    holder = RegisterLock(reg_path).holder()
    assert holder is not None and holder.start_clock == "linux-ticks-since-boot"
    with pytest.raises(RegisterInUseError):
        RegisterLock(reg_path).acquire()


def test_on_macos_the_start_time_comes_from_sysctl(
    reg_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ctypes

    from nhsip_desktop.store import lock

    starts = {os.getpid(): (1_763_000_000, 250_000), 4242: (1_763_500_000, 0)}

    class Libc:
        def sysctl(self, mib: Any, count: int, buffer: Any, size: Any, new: Any, n: Any) -> int:
            assert count == 4 and list(mib)[:3] == [1, 14, 1]  # KERN_PROC_PID
            pid = list(mib)[3]
            if pid not in starts:
                size._obj.value = 0
                return 0
            seconds, micro = starts[pid]
            ctypes.memmove(buffer, seconds.to_bytes(8, sys.byteorder), 8)
            ctypes.memmove(ctypes.addressof(buffer) + 8, micro.to_bytes(4, sys.byteorder), 4)
            return 0

    monkeypatch.setattr(lock, "_platform", lambda: "darwin")
    monkeypatch.setattr(lock, "_libc", lambda: Libc())
    monkeypatch.setattr(lock, "_boot_id", lambda: "")
    monkeypatch.setattr(lock, "pid_alive", lambda pid: pid in starts)
    assert lock._process_start(os.getpid()) == 1_763_000_000_250_000
    assert lock._process_start(999_999) is None
    with RegisterLock(reg_path):
        record = json.loads(lock_path(reg_path).read_text())
    assert record["start_clock"] == "macos-microseconds"
    # 4242 is alive but started after the lock was written by an earlier 4242: stale.
    _write_lock(
        reg_path,
        pid=4242,
        host=socket.gethostname(),
        process_start=1_763_000_000_000_000,
        start_clock="macos-microseconds",
    )
    with RegisterLock(reg_path) as taken:
        assert taken.held
