"""Fault injection: the register never loses a committed change and never leaks its content.

Modelled on SQLite's own crash testing (kill the writer at random moments, then check that
every acknowledged change is there and the file is sound) and on KeePassXC's safe saving
(a save either completes or leaves the old file exactly as it was). What is tried:

* ``kill -9`` of a child process making random audited changes, 200 times on one register;
* a full disk during a commit (injected: CI cannot mount a small file system), and during
  a report;
* ``kill -9`` during a backup (50 times) and during a key change (50 times);
* bit flips at 20 seeded places and truncations at page and mid-page boundaries;
* a sweep of every folder the app writes to for a marker typed into a case.

Every random choice is seeded, so a failure can be replayed. The figures of each run are
written as JSON to the test's ``tmp_path`` and printed (``pytest -s`` shows them); the
numbers in ``docs/RELIABILITY.md`` were copied from such a run.
"""

from __future__ import annotations

import base64
import errno
import io
import json
import os
import queue
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import pytest

from nhsip_desktop.app.appconfig import AppConfig
from nhsip_desktop.reports import template
from nhsip_desktop.reports.atomic import ReportWriteError
from nhsip_desktop.reports.dossier import write_dossier
from nhsip_desktop.reports.export import export_pack
from nhsip_desktop.store import lock as lock_module
from nhsip_desktop.store import sqlcipher
from nhsip_desktop.store.audit import Actor
from nhsip_desktop.store.backups import backup_folder, create_backup, prune_backups
from nhsip_desktop.store.errors import (
    DamagedRegisterError,
    NotARegisterError,
    SaveFailedError,
    WrongKeyError,
)
from nhsip_desktop.store.header import MAGIC
from nhsip_desktop.store.lock import RegisterInUseError, lock_path
from nhsip_desktop.store.register import Register, verify_file
from nhsip_desktop.store.rekey import finish_interrupted_change

ROOT = Path(__file__).resolve().parent.parent
ACTOR = Actor("fault-tester", "Fault Tester")
SEED = 20261101
posix_only = pytest.mark.skipif(
    sys.platform == "win32", reason="kill -9 (SIGKILL) is a POSIX signal"
)


# ---------------------------------------------------------------------------------------------
# Child processes: the key goes through a pipe on stdin, never argv or the environment.


class Child:
    """A ``python -c`` child whose stdout lines are collected by a reader thread."""

    def __init__(self, script: str, args: list[str], log: Path, key: bytes | None = None) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        self._stderr = log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", script, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            cwd=ROOT,
            env=env,
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        if key is not None:
            self.start(key)

    def start(self, key: bytes) -> None:
        """Hand over the key: the child imports first, then waits for it before any file work.

        So a child can be started early (its imports overlapping the parent's checks) and
        touches no register until the parent says so.
        """
        assert self.proc.stdin is not None
        self.proc.stdin.write(key.hex().encode("ascii") + b"\n")
        self.proc.stdin.close()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            # A line cut short by the kill is not an acknowledgement.
            if raw.endswith(b"\n"):
                self._queue.put(raw.decode("utf-8").rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, word: str, timeout: float = 60.0) -> float:
        """Collect lines until one starts with ``word``; return when it arrived."""
        deadline = time.perf_counter() + timeout
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise AssertionError(f"the child never said {word!r}: {self.lines[-5:]}")
            try:
                line = self._queue.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError(f"the child ended before saying {word!r}: {self.lines[-5:]}")
            self.lines.append(line)
            if line.split(" ", 1)[0] == word:
                return time.perf_counter()

    def kill(self) -> bool:
        """SIGKILL the child (if still running); return whether it was still running."""
        running = self.proc.poll() is None
        if running:
            self.proc.send_signal(signal.SIGKILL)
        self.finish()
        return running

    def finish(self, timeout: float = 60.0) -> int:
        code = self.proc.wait(timeout)  # reaped: its lock file is now visibly stale
        if self._stderr.closed:
            return code  # finished before
        self._thread.join(timeout)
        while (line := self._queue.get()) is not None:
            self.lines.append(line)
        self._stderr.close()
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            self.proc.stdin.close()
        return code

    def discard(self) -> None:
        """End a child that was started early but never given a key."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.finish()


CHILD_PRELUDE = """
import os, random, sys
from pathlib import Path
from nhsip_desktop.store.audit import Actor
from nhsip_desktop.store.register import Register
key = bytes.fromhex(sys.stdin.readline().strip())
actor = Actor("fault-child", "Fault Child")
out = sys.stdout
def say(line):
    out.write(line + "\\n")
    out.flush()
"""

WRITER = (
    CHILD_PRELUDE
    + """
path, round_no, seed = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(seed)
say("OPENING")
reg = Register.open(path, key, actor=actor)
ids = reg.cases.ids()
say("READY")
n = 0
while True:
    n += 1
    roll = rng.random()
    token = f"R{round_no}-{n}-{rng.randrange(10**9):09d}"
    if roll < 0.3 or not ids:
        title = f"Added {token}"
        say(f"INTENT add {title}")
        case = reg.cases.add(title, summary=f"Summary of {token} " + "x" * rng.randrange(100))
        ids.append(case.id)
        say(f"ACK {case.reference} {title}")
    elif roll < 0.85:
        case_id = rng.choice(ids)
        reference = reg.cases.get(case_id).reference
        title = f"Updated {token}"
        say(f"INTENT {reference} {title}")
        case = reg.cases.update(case_id, title=title, summary=f"Changed in {token}")
        say(f"ACK {case.reference} {title}")
    elif roll < 0.95:
        value = str(rng.randrange(1, 366))
        say(f"INTENT setting:feedback_target_days {value}")
        reg.settings.update(feedback_target_days=int(value))
        say(f"ACK setting:feedback_target_days {value}")
    else:
        value = f"Trust {token}"
        say(f"INTENT setting:organisation {value}")
        reg.settings.update(organisation=value)
        say(f"ACK setting:organisation {value}")
"""
)

BACKUP = (
    CHILD_PRELUDE
    + """
from nhsip_desktop.store.backups import create_backup
reg = Register.open(Path(sys.argv[1]), key, actor=actor)
real_replace = os.replace
def announced_replace(*args, **kwargs):
    say("RENAMING")  # the verified backup is about to get its final name
    return real_replace(*args, **kwargs)
os.replace = announced_replace
say("READY")
info = create_backup(reg, reason="manual")
say("DONE " + info.path.name)
reg.close()
"""
)

REKEY = (
    CHILD_PRELUDE
    + """
from nhsip_desktop.store.rekey import change_data_key
path, key_file = Path(sys.argv[1]), Path(sys.argv[2])
def before_swap(new_key):
    # The parent must learn the new key before the register depends on it.
    tmp = key_file.with_name(key_file.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, new_key.hex().encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, key_file)
    say("SWAPPING")
say("READY")
change_data_key(path, key, actor=actor, before_swap=before_swap)
say("DONE")
"""
)


def _record(tmp_path: Path, name: str, figures: dict[str, Any]) -> None:
    out = tmp_path / f"fault-results-{name}.json"
    out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(f"\nFAULT FIGURES {name}: {json.dumps(figures)}")


CRASHES: dict[str, int] = {"lock_file_cut_short": 0}


def _open_after_crash(path: Path, key: bytes) -> Register:
    """Open a register whose last user was killed.

    A kill between creating the lock file and writing it leaves an empty lock file. A new
    program takes such a lock over at once (it is older than the program); a program that
    was already running (like this test) waits until the lock is older than the grace
    period, as a person retrying "in a moment" would.
    """
    try:
        return Register.open(path, key, actor=ACTOR)
    except RegisterInUseError as exc:
        if exc.holder is not None or lock_path(path).read_bytes().strip():
            raise
    CRASHES["lock_file_cut_short"] += 1
    time.sleep(getattr(lock_module, "_UNREADABLE_GRACE_SECONDS", 2.0) + 0.2)
    return Register.open(path, key, actor=ACTOR)


def _opens(path: Path, key: bytes) -> bool:
    try:
        _open_after_crash(path, key).close()
    except WrongKeyError:
        return False
    return True


def _assert_check(reg: Register) -> None:
    report = reg.check()
    assert report.ok, report.checks


# ---------------------------------------------------------------------------------------------
# 1. kill -9 during random writes


class AuditReplay:
    """Cases and settings rebuilt from the audit trail alone, read incrementally."""

    def __init__(self) -> None:
        self.seq = 0
        self.cases: dict[str, dict[str, Any]] = {}
        self.settings: dict[str, Any] = {}
        self.changes: set[tuple[str, str]] = set()  # (reference or setting:name, new title)

    def advance(self, reg: Register) -> None:
        rows = reg.conn.execute(
            "SELECT seq, action, record_kind, record_id, changes FROM audit_log "
            "WHERE seq > ? ORDER BY seq",
            (self.seq,),
        ).fetchall()
        for seq, action, kind, record_id, raw in rows:
            assert seq == self.seq + 1, f"audit row {self.seq + 1} is missing"
            self.seq = seq
            changes = json.loads(raw)
            if kind == "case" and action == "insert":
                assert record_id not in self.cases, f"{record_id} inserted twice"
                self.cases[record_id] = {k: v[1] for k, v in changes.items()}
            elif kind == "case" and action == "update":
                state = self.cases[record_id]
                for name, (old, new) in changes.items():
                    assert state.get(name) == old, f"{record_id}.{name} changed unaudited"
                    state[name] = new
            elif kind == "case":
                raise AssertionError(f"unexpected case action {action}")
            elif kind == "setting":
                self.settings[record_id] = changes[record_id][1]
            else:
                continue
            if "title" in changes:
                self.changes.add((record_id, changes["title"][1]))
            if kind == "setting":
                self.changes.add((f"setting:{record_id}", str(changes[record_id][1])))

    def compare(self, reg: Register) -> None:
        """Every case row and setting equals what its audit rows say, and nothing else exists."""
        rows = {
            r[0]: {"title": r[1], "summary": r[2], "updated_at": r[3]}
            for r in reg.conn.execute("SELECT reference, title, summary, updated_at FROM cases")
        }
        assert set(rows) == set(self.cases), "case rows and audited inserts differ"
        for reference, row in rows.items():
            audited = {k: self.cases[reference].get(k) for k in row}
            assert row == audited, f"{reference} differs from its audit trail"
        stored = {k: json.loads(v) for k, v in reg.conn.execute("SELECT key, value FROM settings")}
        assert stored == self.settings, "settings differ from their audit trail"


def _current(reg: Register) -> dict[str, str]:
    state = {str(r[0]): str(r[1]) for r in reg.conn.execute("SELECT reference, title FROM cases")}
    for name, value in reg.settings.all().items():
        state[f"setting:{name}"] = str(value)
    return state


@posix_only
@pytest.mark.slow
def test_kill_during_random_writes_loses_no_acknowledged_change(tmp_path: Path) -> None:
    rounds = 200
    rng = random.Random(SEED)
    path = tmp_path / "writes.nhsip"
    reg = Register.create(path, actor=ACTOR, organisation="Fault Trust")
    key = reg.data_key
    replay = AuditReplay()
    replay.advance(reg)
    replay.compare(reg)
    expected = _current(reg)  # what the register must hold: acknowledged, or proven committed
    reg.close()
    figures = {"runs": 0, "kills": 0, "killed_while_opening": 0, "acknowledged": 0}
    figures |= {"unacknowledged_but_committed": 0, "lost": 0, "check_passed": 0}
    seeds = [rng.randrange(2**32) for _ in range(rounds)]
    cut_before = CRASHES["lock_file_cut_short"]
    log = tmp_path / "err"

    def spawn(round_no: int) -> Child:
        return Child(WRITER, [str(path), str(round_no), str(seeds[round_no])], log)

    started = time.perf_counter()
    child: Child | None = spawn(0)
    try:
        for round_no in range(rounds):
            assert child is not None
            child.start(key)
            if rng.random() < 0.1:
                child.wait_for("OPENING")  # kill inside Register.open (verify, checkpoint save)
                time.sleep(rng.uniform(0, 0.03))
                opening = True
            else:
                child.wait_for("READY")
                time.sleep(rng.uniform(0, 0.1))
                opening = False
            assert child.kill(), log.read_text()
            figures["runs"] += 1
            figures["kills"] += 1
            acked: list[tuple[str, str]] = []
            pending: tuple[str, str] | None = None
            for line in child.lines:
                word, _, rest = line.partition(" ")
                if word == "INTENT":
                    target, _, value = rest.partition(" ")
                    pending = (target, value)
                elif word == "ACK":
                    target, _, value = rest.partition(" ")
                    acked.append((target, value))
                    expected[target] = value
                    pending = None
            figures["killed_while_opening"] += int(opening and "READY" not in child.lines)
            figures["acknowledged"] += len(acked)
            # The next child imports while this round is checked; it waits for its key.
            child = spawn(round_no + 1) if round_no + 1 < rounds else None
            reg = _open_after_crash(path, key)
            try:
                _assert_check(reg)
                figures["check_passed"] += 1
                replay.advance(reg)
                replay.compare(reg)
                actual = _current(reg)
                for target, value in acked:  # each acknowledged change has its audit row
                    assert (target, value) in replay.changes, f"no audit row for {target}"
                lost = [k for k, v in expected.items() if actual.get(k) != v]
                if pending is not None:
                    target, value = pending
                    if target == "add":
                        extra = [ref for ref, title in actual.items() if title == value]
                        if extra:  # committed, then killed before the acknowledgement
                            expected[extra[0]] = value
                            figures["unacknowledged_but_committed"] += 1
                    elif target in lost and actual.get(target) == value:
                        lost.remove(target)
                        expected[target] = value
                        figures["unacknowledged_but_committed"] += 1
                figures["lost"] += len(lost)
                assert not lost, f"round {round_no}: lost {lost}"
                assert set(actual) == set(expected), f"round {round_no}: changes nobody made"
            finally:
                reg.close()
    finally:
        if child is not None:  # a round failed: end the child waiting for its key
            child.discard()
    figures["lock_file_cut_short"] = CRASHES["lock_file_cut_short"] - cut_before
    figures["audit_rows"] = replay.seq
    figures["cases"] = len(replay.cases)
    figures["seconds"] = round(time.perf_counter() - started, 1)
    _record(tmp_path, "writes", figures)
    assert figures["lost"] == 0
    assert figures["acknowledged"] > rounds  # the kills really landed among the writes


# ---------------------------------------------------------------------------------------------
# 2. A full disk


class FailingConnection:
    """A connection that raises an SQLite disk error on the statements ``fails`` picks."""

    def __init__(self, conn: Any, fails: Callable[[str], bool], message: str) -> None:
        self._conn = conn
        self._fails = fails
        self._message = message
        self.failures = 0

    def execute(self, sql: str, *args: Any) -> Any:
        if self._fails(sql):
            self.failures += 1
            raise sqlcipher.OperationalError(self._message)
        return self._conn.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def _state(reg: Register) -> tuple[int, int, Any, dict[str, Any]]:
    return (reg.cases.count(), reg.audit.count(), reg.chain_head(), reg.settings.all())


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        ("COMMIT", "database or disk is full"),
        ("COMMIT", "disk I/O error"),
        ("UPDATE cases", "database or disk is full"),
    ],
    ids=["commit-disk-full", "commit-io-error", "write-disk-full"],
)
def test_full_disk_during_a_change_saves_nothing_and_says_so(
    register: Register, statement: str, message: str
) -> None:
    case = register.cases.add("Knee brace", summary="Before the disk filled up")
    before = _state(register)
    real = register._conn
    failing = FailingConnection(real, lambda sql: sql.strip().startswith(statement), message)
    register._conn = failing
    try:
        with pytest.raises(SaveFailedError, match=r"Not saved.*disk is full") as info:
            register.cases.update(case.id, title="Knee brace, second version")
        assert isinstance(info.value.__cause__, sqlcipher.OperationalError)
        if statement == "COMMIT":
            with pytest.raises(SaveFailedError, match="Not saved"):
                register.cases.add("Never saved")
            with pytest.raises(SaveFailedError, match="Not saved"):
                register.settings.update(feedback_target_days=45)
        assert failing.failures >= 1
        assert not real.in_transaction
    finally:
        register._conn = real
    assert _state(register) == before
    assert register.cases.get(case.id).title == "Knee brace"
    _assert_check(register)
    # Space is free again: the very same register saves normally.
    register.cases.update(case.id, title="Knee brace, second version")
    _assert_check(register)
    path, key = register.path, register.data_key
    register.close()
    with Register.open(path, key, actor=ACTOR) as again:
        assert again.cases.get(case.id).title == "Knee brace, second version"
        assert again.cases.count() == before[0]
        _assert_check(again)


def test_full_disk_during_a_report_leaves_no_file_and_no_audit_row(
    register: Register, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = register.cases.add("Wrist splint", summary="Reported while the disk fills")
    folder = tmp_path / "reports"
    folder.mkdir()
    before = (register.audit.count(), register.chain_head())
    real_atomic_write = template.atomic_write

    def disk_fills(target: Path, write: Callable[[BinaryIO], None]) -> Path:
        def partial(handle: BinaryIO) -> None:
            handle.write(b"%PDF-1.4 the first few bytes")
            handle.flush()
            raise OSError(errno.ENOSPC, "No space left on device")

        return real_atomic_write(target, partial)

    monkeypatch.setattr(template, "atomic_write", disk_fills)
    with pytest.raises(ReportWriteError, match=r"Not saved: the disk is full"):
        write_dossier(register, case.id, folder / "dossier.pdf")
    assert list(folder.iterdir()) == []  # neither the report nor its temporary file
    assert (register.audit.count(), register.chain_head()) == before
    _assert_check(register)
    monkeypatch.setattr(template, "atomic_write", real_atomic_write)
    write_dossier(register, case.id, folder / "dossier.pdf")
    assert [p.name for p in folder.iterdir()] == ["dossier.pdf"]
    assert register.audit.count() == before[0] + 1
    # Saving over an existing report while the disk is full keeps the old report whole.
    saved = (folder / "dossier.pdf").read_bytes()
    monkeypatch.setattr(template, "atomic_write", disk_fills)
    with pytest.raises(ReportWriteError, match=r"Not saved: the disk is full"):
        write_dossier(register, case.id, folder / "dossier.pdf")
    assert [p.name for p in folder.iterdir()] == ["dossier.pdf"]
    assert (folder / "dossier.pdf").read_bytes() == saved
    assert register.audit.count() == before[0] + 1


FILLER = (
    CHILD_PRELUDE
    + """
import resource, signal
from nhsip_desktop.store.errors import SaveFailedError
path = Path(sys.argv[1])
reg = Register.open(path, key, actor=actor)
# A file-size limit makes the kernel refuse writes past it (EFBIG): a real failed write,
# without root and without a small file system.
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
resource.setrlimit(resource.RLIMIT_FSIZE, (path.stat().st_size + 192 * 1024, hard))
n = 0
while True:
    n += 1
    title = f"Filling {n}"
    try:
        case = reg.cases.add(title, summary="y" * 3000)
    except SaveFailedError as exc:
        say(f"FAILED {title}|{exc}")
        break
    say(f"ACK {case.reference} {title}")
try:
    reg.cases.add("Still no room", summary="y" * 3000)
    say("UNEXPECTED saved while full")
except SaveFailedError:
    say("STILL-FULL")
resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
case = reg.cases.add("After space was freed")
say(f"ACK {case.reference} After space was freed")
reg.close()
say("DONE")
"""
)


@posix_only
def test_a_real_refused_write_saves_nothing_and_the_register_carries_on(tmp_path: Path) -> None:
    path = tmp_path / "trust.nhsip"
    with Register.create(path, actor=ACTOR, organisation="Fault Trust") as reg:
        key = reg.data_key
        audit_rows = reg.audit.count()
    child = Child(FILLER, [str(path)], tmp_path / "err", key)
    child.wait_for("DONE")
    assert child.finish() == 0, (tmp_path / "err").read_text()
    acks = [line.split(" ", 2) for line in child.lines if line.startswith("ACK")]
    acked = {title: reference for _, reference, title in acks}
    failed = [line[len("FAILED ") :] for line in child.lines if line.startswith("FAILED")]
    assert len(failed) == 1 and "STILL-FULL" in child.lines
    title, message = failed[0].split("|", 1)
    assert message.startswith("Not saved: the disk is full or cannot be written to.")
    assert len(acked) >= 2
    with Register.open(path, key, actor=ACTOR) as reg:
        _assert_check(reg)
        titles = {c.reference: c.title for c in reg.cases.get_many(reg.cases.ids())}
        assert titles == {ref: t for t, ref in acked.items()}
        assert title not in titles.values() and "Still no room" not in titles.values()
        assert reg.audit.count() == audit_rows + len(acked)
    _record(tmp_path, "refused-write", {"acknowledged": len(acked), "refused": 2, "lost": 0})


# ---------------------------------------------------------------------------------------------
# 3. kill -9 during a backup and during a key change


def _small_register(path: Path, cases: int = 150) -> bytes:
    with Register.create(path, actor=ACTOR, organisation="Fault Trust") as reg:
        reg.cases.add_many(
            {"title": f"Case {i} about splints", "summary": "s" * 300} for i in range(cases)
        )
        return reg.data_key


def _calibrate(script: str, args: Callable[[], list[str]], key: bytes, log: Path) -> float:
    """How long one whole operation takes, from READY to DONE (median of three)."""
    times = []
    for _ in range(3):
        child = Child(script, args(), log, key)
        ready = child.wait_for("READY")
        done = child.wait_for("DONE")
        assert child.finish() == 0, log.read_text()
        times.append(done - ready)
    return sorted(times)[1]


@posix_only
@pytest.mark.slow
def test_kill_during_backup_never_harms_register_or_backups(tmp_path: Path) -> None:
    rounds = 50
    rng = random.Random(SEED + 1)
    path = tmp_path / "trust.nhsip"
    key = _small_register(path)
    with Register.open(path, key, actor=ACTOR) as reg:
        first = previous = create_backup(reg, reason="scheduled").path
        cases, head = reg.cases.count(), reg.chain_head()
    folder = backup_folder(path)
    log = tmp_path / "err"
    duration = _calibrate(BACKUP, lambda: [str(path)], key, log)
    verified = {p for p in folder.glob("*.nhsip")}
    for backup in verified:
        verify_file(backup, key, thorough=True)
    figures = {"runs": 0, "kills": 0, "aimed_at_rename": 0, "completed_before_kill": 0}
    figures["backups_verified"] = 0
    figures |= {"partial_files_left": 0, "seconds_per_backup": round(duration, 3)}
    started = time.perf_counter()
    spare = Child(BACKUP, [str(path)], log)
    try:
        for round_no in range(rounds):
            child = spare
            child.start(key)
            if round_no % 5 == 4:  # aim at the rename, the one moment that matters most
                child.wait_for("RENAMING")
                time.sleep(rng.uniform(0, 0.003))
                figures["aimed_at_rename"] += 1
            else:
                child.wait_for("READY")
                time.sleep(rng.uniform(0, duration))
            figures["kills"] += int(child.kill())
            figures["runs"] += 1
            figures["completed_before_kill"] += int(any(x.startswith("DONE") for x in child.lines))
            if round_no + 1 < rounds:
                spare = Child(BACKUP, [str(path)], log)  # imports while this round is checked
            assert [_opens(path, k) for k in (key, bytes(32))] == [True, False]
            with _open_after_crash(path, key) as reg:
                _assert_check(reg)
                assert (reg.cases.count(), reg.chain_head()) == (cases, head)
            # The newest earlier generation (and the first) still open and pass every check.
            for generation in {first, previous}:
                verify_file(generation, key, thorough=True)
            for backup in sorted(set(folder.glob("*.nhsip")) - verified):
                verify_file(backup, key, thorough=True)  # a backup under its final name is whole
                verified.add(backup)
                previous = backup
                figures["backups_verified"] += 1
            for partial in folder.glob(".*.partial"):
                with partial.open("rb") as handle:
                    start = handle.read(4)
                assert start in (b"", MAGIC), f"{partial.name} is not encrypted from byte 0"
    finally:
        spare.discard()
    figures["partial_files_left"] = len(list(folder.glob(".*.partial")))
    figures["seconds"] = round(time.perf_counter() - started, 1)
    # Pruning still works after all that, and keeps a verified backup.
    prune_backups(path, 3, key=key)
    assert len(list(folder.glob("*.nhsip"))) == 3
    _record(tmp_path, "backup", figures)


@posix_only
@pytest.mark.slow
def test_kill_during_key_change_leaves_exactly_one_working_key(tmp_path: Path) -> None:
    rounds = 50
    rng = random.Random(SEED + 2)
    path = tmp_path / "trust.nhsip"
    original = _small_register(path, cases=80)
    with Register.open(path, original, actor=ACTOR) as reg:
        generation = create_backup(reg, reason="scheduled").path  # under the original key
        cases, head_seq = reg.cases.count(), reg.chain_head().seq
    log, key_file = tmp_path / "err", tmp_path / "new-key.hex"
    current = original

    def args() -> list[str]:
        key_file.unlink(missing_ok=True)
        return [str(path), str(key_file)]

    def learn_new_key() -> bytes | None:
        return bytes.fromhex(key_file.read_text()) if key_file.exists() else None

    # Calibration runs are real key changes too: follow the key.
    times = []
    for _ in range(3):
        child = Child(REKEY, args(), log, current)
        ready, done = child.wait_for("READY"), child.wait_for("DONE")
        assert child.finish() == 0, log.read_text()
        new = learn_new_key()
        assert new is not None
        current, head_seq = new, head_seq + 1
        times.append(done - ready)
    duration = sorted(times)[1]
    figures = {"runs": 0, "kills": 0, "aimed_at_swap": 0, "swapped": 0, "not_swapped": 0}
    figures["kept_files_verified"] = figures["kept_names_left_on_live_register"] = 0
    figures["seconds_per_key_change"] = round(duration, 3)
    started = time.perf_counter()
    for round_no in range(rounds):
        old = current
        kept_before = set(path.parent.glob(f"{path.name}.before-key-change-*"))
        child = Child(REKEY, args(), log, old)
        if round_no % 5 == 4:  # aim at the swap: the new key is safe, the rename is next
            child.wait_for("SWAPPING")
            time.sleep(rng.uniform(0, 0.003))
            figures["aimed_at_swap"] += 1
        else:
            child.wait_for("READY")
            time.sleep(rng.uniform(0, duration))
        figures["kills"] += int(child.kill())
        figures["runs"] += 1
        # The next open first finishes (after the commit) or undoes (before it) the change.
        try:
            finish_interrupted_change(path)
        except RegisterInUseError:  # killed while writing its lock file: wait, as above
            time.sleep(getattr(lock_module, "_UNREADABLE_GRACE_SECONDS", 2.0) + 0.2)
            finish_interrupted_change(path)
        new = learn_new_key()
        candidates = [old] if new is None else [old, new]
        working = [k for k in candidates if _opens(path, k)]
        assert len(working) == 1, f"{len(working)} of {len(candidates)} keys open the register"
        current = working[0]
        swapped = current != old
        figures["swapped" if swapped else "not_swapped"] += 1
        head_seq += int(swapped)
        with _open_after_crash(path, current) as reg:
            _assert_check(reg)
            assert reg.cases.count() == cases
            assert reg.chain_head().seq == head_seq
        kept_now = set(path.parent.glob(f"{path.name}.before-key-change-*")) - kept_before
        # A swap keeps exactly one file, the replaced register. A kill between hard-linking
        # the kept name and the swap leaves that name on the live register itself: counted
        # here, and pinned down by test_a_key_change_killed_at_the_swap_leaves_no_alias.
        replaced = [kept for kept in kept_now if not os.path.samefile(kept, path)]
        assert len(replaced) == int(swapped)
        figures["kept_names_left_on_live_register"] += len(kept_now) - len(replaced)
        for kept in kept_now:  # the kept file opens with the OLD key
            verify_file(kept, old, thorough=True)
            figures["kept_files_verified"] += 1
        verify_file(generation, original, thorough=True)
        assert list(path.parent.glob(f".{path.name}.rekeying-*-wal")) == []
    figures["seconds"] = round(time.perf_counter() - started, 1)
    _record(tmp_path, "rekey", figures)
    assert figures["swapped"] and figures["not_swapped"]  # kills landed on both sides


REKEY_DIES_AT_SWAP = (
    CHILD_PRELUDE
    + """
import signal
from nhsip_desktop.store.rekey import change_data_key
path = Path(sys.argv[1])
real_replace = os.replace
def dying_replace(src, dst, *args, **kwargs):
    if Path(dst) == path:  # the new file is about to take the register's place: crash
        os.kill(os.getpid(), signal.SIGKILL)
    return real_replace(src, dst, *args, **kwargs)
os.replace = dying_replace
change_data_key(path, key, actor=actor, before_swap=lambda new_key: None)
say("NOT KILLED")
"""
)


@posix_only
def test_a_key_change_killed_at_the_swap_leaves_no_alias(tmp_path: Path) -> None:
    path = tmp_path / "trust.nhsip"
    key = _small_register(path, cases=20)
    child = Child(REKEY_DIES_AT_SWAP, [str(path)], tmp_path / "err", key)
    assert child.finish() == -signal.SIGKILL, (tmp_path / "err").read_text()
    assert "NOT KILLED" not in child.lines
    with _open_after_crash(path, key) as reg:  # the old key still opens it, and it is whole
        _assert_check(reg)
        assert reg.cases.count() == 20
    kept = list(path.parent.glob(f"{path.name}.before-key-change-*"))
    aliases = [k.name for k in kept if os.path.samefile(k, path)]
    assert aliases == [], "a 'kept' name points at the live register"


# ---------------------------------------------------------------------------------------------
# 4. Bit flips and truncation


def _flip_at(where: Callable[[int], int], bit: int) -> Callable[[bytes], bytes]:
    def flip(data: bytes) -> bytes:
        out = bytearray(data)
        out[where(len(data))] ^= bit
        return bytes(out)

    return flip


def _damage_cases() -> list[tuple[str, Callable[[bytes], bytes]]]:
    """20 seeded bit flips spread over the whole file, two in the header, and truncations."""
    rng = random.Random(SEED + 3)
    cases: list[tuple[str, Callable[[bytes], bytes]]] = []
    for fraction in sorted(rng.random() for _ in range(20)):
        bit = 1 << rng.randrange(8)
        name = f"flip-at-{fraction:.1%}-bit{bit.bit_length() - 1}"
        cases.append((name, _flip_at(lambda size, f=fraction: int(f * size), bit)))
    cases.append(("flip-header-magic", _flip_at(lambda size: 1, 0x04)))
    cases.append(("flip-header-key-check", _flip_at(lambda size: 14, 0x20)))
    for pages in (0, 1, 2, 20, 59):
        for extra in (0, 16, 2048, sqlcipher.PAGE_SIZE - 1):
            if pages == 0 and extra == 0:
                continue
            cut = pages * sqlcipher.PAGE_SIZE + extra
            name = f"truncate-{pages}pages" + (f"+{extra}" if extra else "")
            cases.append((name, lambda data, cut=cut: data[:cut]))
    cases.append(("truncate-last-page", lambda data: data[: -sqlcipher.PAGE_SIZE]))
    cases.append(("truncate-last-byte", lambda data: data[:-1]))
    cases.append(("truncate-to-empty", lambda data: b""))
    return cases


DAMAGE = _damage_cases()


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, bytes]:
    path = tmp_path_factory.mktemp("pristine") / "reg.nhsip"
    key = _small_register(path, cases=200)
    data = path.read_bytes()
    assert len(data) > 60 * sqlcipher.PAGE_SIZE
    return data, key


DETECTED = (DamagedRegisterError, WrongKeyError, NotARegisterError)


@pytest.mark.parametrize(("name", "damage"), DAMAGE, ids=[n for n, _ in DAMAGE])
def test_damage_is_detected_at_open_and_nothing_is_written(
    tmp_path: Path, pristine: tuple[bytes, bytes], name: str, damage: Callable[[bytes], bytes]
) -> None:
    """The everyday open (every page checked: any register up to 48 MiB) refuses the file."""
    data, key = pristine
    damaged = damage(data)
    assert damaged != data
    path = tmp_path / "reg.nhsip"
    path.write_bytes(damaged)
    with pytest.raises(DETECTED):
        Register.open(path, key, actor=ACTOR).close()
    assert [p.name for p in tmp_path.iterdir()] == ["reg.nhsip"]
    assert path.read_bytes() == damaged


def _structural_outcome(path: Path, key: bytes) -> str:
    """What the structural open (registers over 48 MiB) and then check() make of ``path``."""
    try:
        reg = Register.open(path, key, actor=ACTOR, thorough=False)
    except DETECTED as exc:
        return f"open: {type(exc).__name__}"
    except sqlcipher.DatabaseError:
        return "open: raw DatabaseError"
    try:
        try:
            report = reg.check()
        except sqlcipher.DatabaseError:
            return "check: raw DatabaseError"
        return "check: reported damage" if not report.ok else "USED SILENTLY"
    finally:
        reg.close()


@pytest.mark.parametrize(("name", "damage"), DAMAGE, ids=[n for n, _ in DAMAGE])
def test_damage_is_never_used_silently_after_a_structural_open(
    tmp_path: Path, pristine: tuple[bytes, bytes], name: str, damage: Callable[[bytes], bytes]
) -> None:
    """The structural open may let a damaged page through, but check() never passes it."""
    data, key = pristine
    path = tmp_path / "reg.nhsip"
    damaged = damage(data)
    path.write_bytes(damaged)
    outcome = _structural_outcome(path, key)
    assert outcome != "USED SILENTLY"
    if outcome.startswith("open:"):  # refused: and not a byte written
        assert [p.name for p in tmp_path.iterdir()] == ["reg.nhsip"]
        assert path.read_bytes() == damaged


def test_structural_open_and_check_report_damage_in_their_own_terms(
    tmp_path: Path, pristine: tuple[bytes, bytes]
) -> None:
    """Damage is named: open raises one of the three errors, or check() reports a failure.

    Never a raw sqlcipher exception (the CLI and the unlock dialog catch RegisterError only).
    """
    data, key = pristine
    path = tmp_path / "reg.nhsip"
    outcomes: dict[str, list[str]] = {}
    for name, damage in DAMAGE:
        path.write_bytes(damage(data))
        outcomes.setdefault(_structural_outcome(path, key), []).append(name)
    print(f"\nFAULT FIGURES structural-open damage: { {k: len(v) for k, v in outcomes.items()} }")
    assert set(outcomes) <= {
        "open: DamagedRegisterError",
        "open: WrongKeyError",
        "open: NotARegisterError",
        "check: reported damage",
    }, {k: v for k, v in outcomes.items() if "raw" in k}


# ---------------------------------------------------------------------------------------------
# 5. Leak sweep

MARKER = "QZX7LEAKMARK93"
NEEDLES = (MARKER.encode("utf-8"), MARKER.encode("utf-16-le"), MARKER.encode("utf-16-be"))


def _views(data: bytes) -> Iterator[bytes]:
    """The bytes of a file, and what a reader would see inside it (zip members, PDF streams)."""
    yield data
    if data[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for member in archive.namelist():
                    yield archive.read(member)
        except zipfile.BadZipFile:
            pass
    if data[:5] == b"%PDF-":
        for match in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.DOTALL):
            body = match.group(1)
            if body.rstrip().endswith(b"~>"):  # reportlab: ASCII85 over Flate
                try:
                    body = base64.a85decode(body.rstrip()[:-2], adobe=False)
                except ValueError:
                    continue
            try:
                yield zlib.decompressobj().decompress(body)
            except zlib.error:
                continue


def _holds_marker(data: bytes) -> bool:
    return any(needle in view for view in _views(data) for needle in NEEDLES)


def _leaks(root: Path, exclude: tuple[Path, ...] = ()) -> list[str]:
    found = []
    for path in sorted(root.rglob("*")):
        if any(path == ex or ex in path.parents for ex in exclude) or not path.is_file():
            continue
        if _holds_marker(path.read_bytes()):
            found.append(str(path.relative_to(root)))
    return found


@pytest.fixture
def private_tmpdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "tmpdir"
    folder.mkdir()
    for name in ("TMPDIR", "TEMP", "TMP"):
        monkeypatch.setenv(name, str(folder))
    monkeypatch.setattr(tempfile, "tempdir", None)  # gettempdir() reads the variables again
    assert Path(tempfile.gettempdir()) == folder
    return folder


def _session(home: Path, reports: Path, exports: Path) -> Path:
    """Everything a person does with a marked case: edits, attachment, backups, lock, reports."""
    path = home / "trust.nhsip"
    reg = Register.create(path, actor=ACTOR, organisation="Leak Trust")
    key = reg.data_key
    config = AppConfig.load()  # what the app does on opening: remember the register
    config.display_name = "Fault Tester"
    config.remember(path, reg.register_id, "Leak Trust")
    config.save()
    case = reg.cases.add(f"Splint {MARKER}", summary=f"The summary says {MARKER} twice {MARKER}")
    reg.cases.update(case.id, title=f"Better splint {MARKER}", next_action=f"Ask {MARKER}")
    reg.attachments.add(case.id, f"notes-{MARKER}.txt", f"attached {MARKER}\n".encode() * 50)
    reg.cases.add_many({"title": f"Other case {i}", "summary": "plain"} for i in range(30))
    create_backup(reg, reason="manual")
    reg.cases.update(case.id, summary=f"Edited again {MARKER}")
    create_backup(reg, reason="scheduled")
    assert (home / f"{path.name}-wal").exists()
    assert _leaks(home, exclude=(reports, exports)) == []  # while open: the WAL is encrypted too
    reg.close()  # lock ...
    reg = Register.open(path, key, actor=ACTOR)  # ... and unlock
    try:
        reg.cases.update(case.id, lead_innovator=f"Dr {MARKER}")
        write_dossier(reg, case.id, reports / "dossier.pdf")
        export_pack(reg, exports)
        create_backup(reg, reason="on-close")
        prune_backups(path, 2, key=key)
    finally:
        reg.close()
    return path


def test_leak_sweep_marker_reaches_only_the_chosen_report_and_export_folders(
    tmp_path: Path, private_tmpdir: Path
) -> None:
    home = tmp_path / "registers"
    reports, exports = home / "reports", home / "export-pack"
    home.mkdir()
    reports.mkdir()
    path = _session(home, reports, exports)
    config, data = Path(os.environ["NHSIP_CONFIG_DIR"]), Path(os.environ["NHSIP_DATA_DIR"])
    swept = {
        "register folder": _leaks(home, exclude=(reports, exports)),
        "backups folder": _leaks(backup_folder(path)),
        "config folder": _leaks(config),
        "data folder": _leaks(data),  # rglob of a folder that was never made finds nothing
        "TMPDIR": _leaks(private_tmpdir),
    }
    assert swept == {name: [] for name in swept}
    # The sweep looked at real files: the register, its WAL-free close, backups, settings.
    assert len(list(backup_folder(path).glob("*.nhsip"))) == 2
    assert (config / "settings.json").is_file()
    # The sweep can see the marker where it is meant to be: in what the person chose to write.
    assert _leaks(reports) == ["dossier.pdf"]
    found = _leaks(exports)
    assert "cases.csv" in found and "register.xlsx" in found


def test_no_plaintext_is_ever_written_to_the_temp_folder(
    tmp_path: Path, private_tmpdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files that exist only for a moment are caught when deleted: a crash would leave them."""
    home = tmp_path / "registers"
    reports, exports = home / "reports", home / "export-pack"
    home.mkdir()
    reports.mkdir()
    transient: list[str] = []
    watched = tuple(
        Path(p).resolve()
        for p in (
            private_tmpdir,
            home,
            os.environ["NHSIP_CONFIG_DIR"],
            os.environ["NHSIP_DATA_DIR"],
        )
    )
    reports, exports = reports.resolve(), exports.resolve()
    originals = {name: getattr(os, name) for name in ("remove", "unlink")}

    def spy(name: str) -> Callable[..., None]:
        def remove(target: Any, *args: Any, **kwargs: Any) -> None:
            if not args and not kwargs:
                found = Path(target).resolve()
                inside = any(found.is_relative_to(w) for w in watched)
                # The export is built in a work folder beside the chosen one, then renamed.
                work = found.parent.name.startswith(f".{exports.name}.")
                chosen = work or any(found.is_relative_to(c) for c in (reports, exports))
                if inside and not chosen and found.is_file() and _holds_marker(found.read_bytes()):
                    transient.append(str(found))
            originals[name](target, *args, **kwargs)

        return remove

    for name in originals:
        monkeypatch.setattr(os, name, spy(name))
    _session(home, reports, exports)
    for name, original in originals.items():
        monkeypatch.setattr(os, name, original)
    assert transient == []
