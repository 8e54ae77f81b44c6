"""Check a register's write-ahead log before SQLite is allowed to fold it in.

SQLite replays a write-ahead log (``<register>-wal``) frame by frame and stops, silently, at
the first frame whose checksum does not follow from the one before: everything after it is
ignored, and the next checkpoint folds in what was read and empties the log. That is right
for a log cut short by a crash (the last, unacknowledged commit was never complete), but when
a frame in the *middle* is damaged, every later commit, each one acknowledged to the person
as saved, would be dropped and the evidence deleted.

So this module reads the log first, read-only, without SQLite:

* the 32-byte header: magic, format version, page size, salts and its own checksum;
* every frame: its 24-byte header (page number, database size for a commit frame, salts,
  checksum) and its page, the checksum chain (SQLite's Fibonacci-weighted sum, in the byte
  order the magic names, over the frame header's first 8 bytes and the page as stored), and
  the page's SQLCipher HMAC (the same format as :mod:`.page_check`: the frame holds the page
  exactly as it would sit in the file, encrypted, with its IV and HMAC);
* a frame whose salts differ from the header's belongs to an older generation of the log
  (left behind when the log was restarted) and is ignored, as SQLite ignores it.

When a frame of the current generation fails (checksum or HMAC) and *committed* frames of the
same generation follow it, the log is damaged in the middle: :func:`check_log` reports how
many commits cannot be read, and the caller refuses to open the register and leaves the log
alone. A damaged or missing final frame with nothing committed after it is the ordinary trace
of a crash and is reported as normal.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import struct
import sys
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from nhsip_desktop.store import sqlcipher

from .page_check import HMAC_SIZE, hmac_key

WAL_HEADER_SIZE = 32
FRAME_HEADER_SIZE = 24
_MAGICS = (0x377F0682, 0x377F0683)  # low bit set: checksums are big-endian words
_FORMAT_VERSION = 3007000
_MASK = 0xFFFFFFFF
_FRAME_HEADER = struct.Struct(">IIIIII")
_WAL_HEADER = struct.Struct(">IIIIIIII")


@dataclass(frozen=True)
class LogReport:
    """What :func:`check_log` found in a register's write-ahead log."""

    frames: int = 0  # complete frames in the file
    replayable: int = 0  # frames SQLite will replay (up to the last good commit)
    commits: int = 0  # commits among them
    lost_commits: int = 0  # commits of the same generation after the first bad frame
    first_bad_frame: int | None = None  # 1-based
    problem: str = ""
    torn_tail: bool = False  # a damaged or partial end with nothing committed after it

    @property
    def damaged(self) -> bool:
        """True when committed changes in the log cannot be read (the log must be kept)."""
        return self.lost_commits > 0

    def message(self) -> str:
        changes = "change" if self.lost_commits == 1 else "changes"
        return (
            f"the change log is damaged: {self.lost_commits} committed {changes} cannot be "
            f"read ({self.problem})"
        )


def _words(data: bytes, big_endian: bool) -> array[int]:
    words = array("I")
    words.frombytes(data)
    if big_endian != (sys.byteorder == "big"):
        words.byteswap()
    return words


def _checksum(data: bytes, big_endian: bool, s0: int, s1: int) -> tuple[int, int]:
    """SQLite's WAL checksum of ``data`` (a multiple of 8 bytes), continuing from ``s0, s1``
    (about 0.3 ms a page: a log of 1,000 frames, SQLite's usual limit, in a third of a second).
    """
    words = _words(data, big_endian)
    for x0, x1 in zip(words[0::2], words[1::2], strict=True):
        s0 = (s0 + x0 + s1) & _MASK
        s1 = (s1 + x1 + s0) & _MASK
    return s0, s1


def log_path(register_path: Path) -> Path:
    return sqlcipher.sidecars(Path(register_path))[0]


def folded_in(register_path: Path) -> bool:
    """True when a *live* register's log holds nothing that is not already in the file: the
    shared-memory index (``<register>-shm``, in the machine's byte order) says every frame of
    the log's current generation has been copied back (``nBackfill == mxFrame``), and names
    the same generation (salts) as the log's header.

    SQLite folds the log in by itself after a commit that leaves it over about 1,000 pages (a
    large import leaves hundreds of megabytes of log, already copied back); reading all of it
    again at close would cost about 0.3 ms a frame and its size in memory, to guard nothing:
    a checkpoint then copies nothing. False whenever this cannot be told (then the log is
    read as usual).
    """
    wal, shm = log_path(register_path), sqlcipher.sidecars(Path(register_path))[1]
    try:
        with shm.open("rb") as handle:
            index = handle.read(100)
        with wal.open("rb") as handle:
            header = handle.read(WAL_HEADER_SIZE)
    except OSError:
        return False
    if len(index) < 100 or len(header) < WAL_HEADER_SIZE:
        return False
    native = "<" if sys.byteorder == "little" else ">"
    version, _unused, _change, initialised = struct.unpack_from(native + "IIIB", index)
    max_frame: int = struct.unpack_from(native + "I", index, 16)[0]
    backfilled: int = struct.unpack_from(native + "I", index, 96)[0]
    # The index's two copies of its header must agree (a writer changes them in turn).
    if version != _FORMAT_VERSION or not initialised or index[:48] != index[48:96]:
        return False
    if index[32:40] != header[16:24]:  # the salts, copied byte for byte from the log
        return False
    return max_frame > 0 and backfilled == max_frame


def check_log(register_path: Path, key: bytes, salt: bytes) -> LogReport:
    """Read ``<register>-wal`` (if any) and say whether SQLite could replay all of it.

    ``key`` and ``salt`` are the register's raw data key and file salt (for the page HMACs).
    Never writes. Raises :class:`OSError` when the log exists but cannot be read.
    """
    wal = log_path(register_path)
    try:
        handle = wal.open("rb")
    except FileNotFoundError:
        return LogReport()
    with handle:  # read a frame at a time: a log can hold hundreds of megabytes
        return _check_open_log(handle, os.fstat(handle.fileno()).st_size, key, salt)


def _check_open_log(handle: BinaryIO, size: int, key: bytes, salt: bytes) -> LogReport:
    head = handle.read(WAL_HEADER_SIZE)
    if len(head) < WAL_HEADER_SIZE:
        # SQLite ignores a log without a whole header; it cannot hold a commit.
        return LogReport(torn_tail=bool(head))
    magic, version, page_size, _ckpt, salt1, salt2, c1, c2 = _WAL_HEADER.unpack_from(head)
    big = bool(magic & 1)
    header_ok = (
        magic in _MAGICS
        and version == _FORMAT_VERSION
        and page_size == sqlcipher.PAGE_SIZE
        and _checksum(head[:24], big, 0, 0) == (c1, c2)
    )
    frame_size = FRAME_HEADER_SIZE + sqlcipher.PAGE_SIZE
    count = (size - WAL_HEADER_SIZE) // frame_size
    partial = (size - WAL_HEADER_SIZE) % frame_size != 0
    base = hmac.new(hmac_key(key, salt), digestmod=hashlib.sha512)
    page_size = sqlcipher.PAGE_SIZE
    data_end = page_size - HMAC_SIZE
    pack_page = struct.Struct("<I").pack

    def authentic(page_number: int, page: memoryview) -> bool:
        mac = base.copy()
        mac.update(page[16 if page_number == 1 else 0 : data_end])
        mac.update(pack_page(page_number))
        return hmac.compare_digest(mac.digest(), page[data_end:])

    def frame(index: int) -> tuple[tuple[int, ...], memoryview]:
        handle.seek(WAL_HEADER_SIZE + index * frame_size)
        raw = handle.read(frame_size)
        if len(raw) < frame_size:
            raise OSError(f"the change log {handle.name} shrank while it was read")
        view = memoryview(raw)
        return _FRAME_HEADER.unpack_from(raw), view[FRAME_HEADER_SIZE:]

    def _same_generation(first: int) -> Iterator[int]:
        """Indexes from ``first`` on of the frames with this generation's salts (read by
        their headers alone: the rest of a large log is usually an older generation)."""
        salts = struct.pack(">II", salt1, salt2)
        for index in range(first, count):
            handle.seek(WAL_HEADER_SIZE + index * frame_size + 8)
            if handle.read(8) == salts:
                yield index

    if not header_ok:
        # SQLite ignores the whole log. That is harmless only if it holds no authentic commit
        # (for example a header torn while the log was first being written).
        generation: tuple[int, int] | None = None
        lost = 0
        for index in range(count):
            (number, commit, f1, f2, _a, _b), page = frame(index)
            if generation is None:
                generation = (f1, f2)
            if (f1, f2) == generation and commit and authentic(number, page):
                lost += 1
        return LogReport(
            frames=count,
            lost_commits=lost,
            first_bad_frame=0 if lost else None,
            problem="its header is damaged",
            torn_tail=not lost,
        )

    s0, s1 = c1, c2
    replayable = commits = 0
    stop: int | None = None  # 0-based index of the frame where SQLite stops reading
    problem = ""
    for index in range(count):
        (number, commit, f1, f2, fc1, fc2), page = frame(index)
        if (f1, f2) != (salt1, salt2):
            # Normally an older generation of the log (SQLite stops here and so do we); a
            # damaged salt is told apart below by frames of this generation after it.
            stop, problem = index, f"frame {index + 1} has the salts of another generation"
            break
        s0, s1 = _checksum(struct.pack(">II", number, commit), big, s0, s1)
        s0, s1 = _checksum(page.tobytes(), big, s0, s1)
        if (s0, s1) != (fc1, fc2):
            stop, problem = index, f"frame {index + 1} fails its checksum"
            break
        if not authentic(number, page):
            stop, problem = index, f"frame {index + 1} fails its page authentication"
            break
        if commit:
            replayable, commits = index + 1, commits + 1
    if stop is None:
        return LogReport(frames=count, replayable=replayable, commits=commits, torn_tail=partial)
    # Frames after the stop that belong to this generation (their own salts and page HMAC:
    # the chain is broken, so each is judged by itself) mean the log was damaged in the middle.
    later = [
        bool(commit)
        for (number, commit, f1, f2, _a, _b), page in map(frame, _same_generation(stop + 1))
        if authentic(number, page)
    ]
    if not later:  # the log simply ends here (a crash, or an older generation beyond)
        return LogReport(frames=count, replayable=replayable, commits=commits, torn_tail=True)
    stopped_commit = bool(frame(stop)[0][1])
    lost = sum(later) + (1 if stopped_commit else 0)
    return LogReport(
        frames=count,
        replayable=replayable,
        commits=commits,
        lost_commits=lost,
        first_bad_frame=stop + 1,
        problem=problem,
        torn_tail=lost == 0,
    )
