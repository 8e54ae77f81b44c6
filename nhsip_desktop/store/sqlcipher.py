"""The one place that opens SQLCipher connections.

sqlite-utils catches the stdlib's ``sqlite3`` exception classes, but sqlcipher3 raises its own.
sqlite-utils prefers a module named ``pysqlite3`` when one is importable, so we register
sqlcipher3 under that name *before* sqlite-utils is first imported (see
``shared/reference/stack-facts.md``). Every module of the store imports sqlite-utils through
:func:`sqlite_utils_database` so the order is guaranteed.

A connection is always keyed before anything else touches the file: ``sqlite_utils.Database``
is only ever handed a keyed connection, never a path (a path would create a plaintext file).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlcipher3
import sqlcipher3.dbapi2 as dbapi2

sys.modules.setdefault("pysqlite3", sqlcipher3)
sys.modules.setdefault("pysqlite3.dbapi2", dbapi2)

import sqlite_utils  # noqa: E402  (must follow the module-name fix above)

from nhsip_desktop.core.errors import NetworkDriveError  # noqa: E402

if TYPE_CHECKING:
    from sqlite_utils import Database

DatabaseError = dbapi2.DatabaseError
OperationalError = dbapi2.OperationalError
IntegrityError = dbapi2.IntegrityError
Connection = Any  # sqlcipher3.dbapi2.Connection has no type stubs

PAGE_SIZE = 4096
# SQLCipher's page cache holds decrypted pages; every miss costs a decryption. 128 MiB covers
# the working set of a 100,000-case register and is allocated only as pages are read.
CACHE_KIB = 128 * 1024


SIDECAR_SUFFIXES = ("-wal", "-shm", "-journal")


def sidecars(path: Path) -> list[Path]:
    """SQLite's companion files for ``path`` (write-ahead log, shared memory, journal)."""
    return [path.with_name(path.name + suffix) for suffix in SIDECAR_SUFFIXES]


@contextlib.contextmanager
def no_stray_sidecars(path: Path) -> Iterator[None]:
    """Remove companion files that appear while a read-only connection is open on ``path``."""
    existed = {p for p in sidecars(path) if p.exists()}
    try:
        yield
    finally:
        for stray in sidecars(path):
            if stray not in existed and stray.exists():
                with contextlib.suppress(OSError):
                    stray.unlink()


def _uri(path: Path, readonly: bool) -> str:
    uri = path.resolve().as_uri()
    return uri + ("?mode=ro" if readonly else "?mode=rwc")


def connect(path: Path, key: bytes, salt: bytes, *, readonly: bool = False) -> Connection:
    """Open ``path`` keyed with the raw 256-bit ``key`` and the register's 16-byte ``salt``.

    Nothing is read from the file here: SQLCipher reports a wrong key only at the first real
    query, which the caller makes.
    """
    if len(key) != 32 or len(salt) != 16:
        raise ValueError("a register key is 32 bytes and its salt 16 bytes")
    conn = dbapi2.connect(
        _uri(path, readonly), uri=True, isolation_level=None, check_same_thread=False
    )
    try:
        conn.execute(f"PRAGMA key = \"x'{key.hex()}{salt.hex()}'\"")
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute("PRAGMA cipher_memory_security = OFF")
    except BaseException:
        conn.close()
        raise
    return conn


def configure(conn: Connection, *, readonly: bool, network: str = "") -> None:
    """Pragmas for everyday use, after the key has been proven by a first query.

    ``network`` describes the network drive the file is on ("" for a local disk): SQLite's
    write-ahead log relies on shared memory a network file system cannot provide, so there
    the register uses a rollback journal, and exclusive locking (set before anything is read,
    so SQLite keeps no shared-memory index) holds the file for this one connection until it
    closes. Raises :class:`NetworkDriveError` when the file cannot be switched over (another
    program still has it open in write-ahead mode).
    """
    if not readonly and network:
        conn.execute("PRAGMA locking_mode = EXCLUSIVE")
        try:
            mode = str(conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0]).lower()
        except OperationalError as exc:
            mode = str(exc)
        if mode != "delete":
            raise NetworkDriveError(
                f"This register is on {network}, where it can only be opened safely by one "
                "program at a time, and another program (perhaps on another computer) is "
                "using it. Nothing has been changed. Close it there, or copy the register to "
                "this computer's own disk, then try again."
            )
    elif not readonly:
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    conn.execute("PRAGMA busy_timeout = 5000")


def sqlite_utils_database(conn: Connection) -> Database:
    """Wrap a keyed connection in sqlite-utils."""
    return sqlite_utils.Database(conn)


def export_to(conn: Connection, target: Path, key: bytes, salt: bytes) -> None:
    """Write a complete encrypted copy of the open database to ``target`` (a new file).

    Uses ``sqlcipher_export`` into an ATTACHed database keyed with ``key`` and ``salt``: the
    copy is encrypted from its first byte.
    """
    if target.exists():
        raise FileExistsError(str(target))
    conn.execute(
        "ATTACH DATABASE ? AS export_target KEY \"x'" + key.hex() + salt.hex() + "'\"",
        (str(target),),
    )
    try:
        conn.execute("SELECT sqlcipher_export('export_target')")
        version = conn.execute("PRAGMA main.user_version").fetchone()[0]
        conn.execute(f"PRAGMA export_target.user_version = {int(version)}")
    finally:
        conn.execute("DETACH DATABASE export_target")
