"""Changing a register's data key (after a recovery key or laptop may have been exposed).

The register is copied, never changed in place: ``sqlcipher_export`` writes it into a new
file under the new key (and a new salt, so a new key check in the header; the register id
stays the same), the audit trail is re-signed there with the new key's audit key, a
``rekey`` entry is added, the new file is verified, and only then is it swapped in with one
rename. The old file is kept beside it as ``<register>.before-key-change-<UTC time>``.

So a crash at any moment leaves the register openable with exactly one key: the old key until
the rename, the new key after it (and the kept file still opens with the old key).

Older backups, and the kept file, are still encrypted under the OLD key: keep the old
recovery key for as long as you keep them. Any passphrase file and keyring entry also hold
the old key until the caller replaces them (``before_swap`` is the place to do it).
"""

from __future__ import annotations

import contextlib
import hmac
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..safe_write import fsync_file
from . import sqlcipher
from .audit import (
    _COLUMNS,
    GENESIS,
    META_HEAD_HMAC,
    META_HEAD_SEQ,
    META_VERIFIED_HMAC,
    META_VERIFIED_SEQ,
    Actor,
    AuditTrail,
    derive_audit_key,
    row_hmac,
)
from .backups import (
    RegisterFacts,
    file_facts,
    remove_file_and_sidecars,
    replace_keeping,
    unused_name,
)
from .errors import DamagedRegisterError, RegisterError
from .header import make_salt, read_header
from .lock import RegisterLock
from .recovery import encode_recovery_key
from .register import verify_file
from .sqlcipher import no_stray_sidecars, sidecars

KEY_BYTES = 32
_BATCH = 2048
_TEMP_MARK = ".rekeying-"


class KeyChangeError(RegisterError):
    """The key could not be changed; the register is unchanged and keeps its old key."""


@dataclass(frozen=True)
class ChangedKey:
    """The outcome of :func:`change_data_key`. Never log ``new_key`` or ``recovery_key``."""

    new_key: bytes = field(repr=False)
    recovery_key: str = field(repr=False)
    replaced_path: Path


def _checkpoint(path: Path, key: bytes, salt: bytes) -> None:
    """Fold a write-ahead log left beside ``path`` into the file (SQLite's own checkpoint)."""
    wal = path.with_name(path.name + "-wal")
    if not wal.exists() or wal.stat().st_size == 0:
        return
    conn = sqlcipher.connect(path, key, salt)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def _resign_audit(
    path: Path,
    key: bytes,
    salt: bytes,
    *,
    register_id: str,
    old_audit_key: bytes,
    actor: Actor,
) -> None:
    """Re-sign every audit row of the copy at ``path`` with the new key, then add ``rekey``.

    Each row is first checked against the OLD audit key, so a trail that was tampered with is
    never given valid signatures: the key change is refused instead.
    """
    new_audit_key = derive_audit_key(key, register_id)
    conn = sqlcipher.connect(path, key, salt)
    try:
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("BEGIN IMMEDIATE")
        try:
            prev_old = prev_new = GENESIS
            last = 0
            while True:
                rows = conn.execute(
                    f"SELECT {_COLUMNS}, hmac FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?",
                    (last, _BATCH),
                ).fetchall()
                if not rows:
                    break
                updates: list[tuple[str, int]] = []
                for row in rows:
                    seq = int(row[0])
                    if seq != last + 1:
                        raise _broken_trail(f"entry {last + 1} is missing")
                    if not hmac.compare_digest(row_hmac(old_audit_key, row[:8], prev_old), row[8]):
                        raise _broken_trail(f"entry {seq} was altered, inserted or reordered")
                    prev_old = str(row[8])
                    prev_new = row_hmac(new_audit_key, row[:8], prev_new)
                    updates.append((prev_new, seq))
                    last = seq
                conn.executemany("UPDATE audit_log SET hmac = ? WHERE seq = ?", updates)
            meta = dict(conn.execute("SELECT key, value FROM register_meta").fetchall())
            stored_seq = int(meta.get(META_HEAD_SEQ) or 0)
            stored_mac = str(meta.get(META_HEAD_HMAC) or GENESIS)
            if stored_seq != last or not hmac.compare_digest(stored_mac, prev_old):
                raise _broken_trail("it does not end where the register says it does")
            upsert = (
                "INSERT INTO register_meta(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value"
            )
            conn.execute(upsert, (META_HEAD_SEQ, str(last)))
            conn.execute(upsert, (META_HEAD_HMAC, prev_new))
            # The whole trail was just verified: the checkpoint moves to its end.
            conn.execute(upsert, (META_VERIFIED_SEQ, str(last)))
            conn.execute(upsert, (META_VERIFIED_HMAC, prev_new))
            trail = AuditTrail(conn, new_audit_key)
            trail.append(actor, "rekey", "register", register_id, {"key": ["old", "new"]})
            trail.flush_head()
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    finally:
        conn.close()


def _broken_trail(problem: str) -> KeyChangeError:
    return KeyChangeError(
        f"The key was not changed: the register's audit trail does not verify ({problem}). "
        "Re-signing it with a new key would hide that, so the register keeps its old key. "
        "Run a full check and keep the register as it is for investigation."
    )


def _verify_copy(
    path: Path,
    key: bytes,
    *,
    register_id: str,
    old_key: bytes,
    migrations: list[str],
    before: RegisterFacts,
) -> None:
    header = read_header(path)
    problems: list[str] = []
    if header.register_id != register_id:
        problems.append("its register id changed")
    if header.matches(old_key) or not header.matches(key):
        problems.append("its key check is wrong")
    if verify_file(path, key, header=header, thorough=True) != migrations:
        problems.append("its list of schema changes differs")
    after = file_facts(path, key)
    if after.cases != before.cases:
        problems.append(f"it holds {after.cases} cases, not {before.cases}")
    if after.head_seq != before.head_seq + 1:
        problems.append("its audit trail does not end with the key change")
    with no_stray_sidecars(path):
        conn = sqlcipher.connect(path, key, header.salt, readonly=True)
        try:
            result = AuditTrail(conn, derive_audit_key(key, register_id)).verify(full=True)
        finally:
            conn.close()
    if not result.ok:
        problems.append(f"its audit trail does not verify ({result.problem})")
    if problems:
        raise KeyChangeError(
            "The key was not changed: the re-encrypted copy failed its check "
            f"({'; '.join(problems)}). The register is unchanged and keeps its old key."
        )


def change_data_key(
    register_path: Path,
    old_key: bytes,
    *,
    actor: Actor,
    new_key: bytes | None = None,
    before_swap: Callable[[bytes], None] | None = None,
) -> ChangedKey:
    """Re-encrypt the (closed) register at ``register_path`` under a new data key.

    ``new_key`` is 32 random bytes made here unless given. The register is exported to a new
    file under the new key and a new salt (``make_salt(register_id, new_key)``: same register
    id, new key check); the whole audit trail is re-signed there with the new key's audit key
    (every row's HMAC in order, and the head and checkpoint in ``register_meta``), after each
    row has been checked against the old key; a ``rekey`` entry is added (changes
    ``{"key": ["old", "new"]}``, never key material); the new file is verified (every page,
    the full audit trail with the new key, the same cases and migrations); then
    ``before_swap(new_key)`` is called, if given, and the new file is swapped in with one
    rename. The old file is kept, never deleted, as
    ``<register>.before-key-change-<UTC time>``: it still opens with the OLD key.

    IMPORTANT: every backup made before the change, and the kept file, still need the OLD
    recovery key. Keep the old recovery sheet until those backups have been replaced (make a
    new backup straight after the change), and print the new ``recovery_key``.

    ``before_swap`` is where the caller makes the new key safe before the register depends
    on it (store it in the keyring, rewrap the passphrase file, show the new recovery key);
    if it raises, nothing is swapped and the register keeps its old key. Without it, a crash
    just after the swap would leave the register needing a key nobody kept (the kept file
    would still open with the old key).

    The register must be closed: its lock is taken here, so :class:`RegisterInUseError` is
    raised while any window or program (this one included) has it open.

    Raises :class:`~.errors.WrongKeyError` (``old_key`` is not the register's key),
    :class:`~.errors.DamagedRegisterError`, :class:`~.errors.NewerRegisterError`, or
    :class:`KeyChangeError` (the audit trail does not verify, the copy failed its check, or
    the disk could not be written); in every case the register is unchanged.
    """
    path = Path(register_path)
    if new_key is None:
        new_key = secrets.token_bytes(KEY_BYTES)
    new_key = bytes(new_key)
    if len(new_key) != KEY_BYTES or len(old_key) != KEY_BYTES:
        raise ValueError(f"a data key is {KEY_BYTES} bytes")
    if hmac.compare_digest(new_key, bytes(old_key)):
        raise ValueError("the new key must differ from the old key")

    with RegisterLock(path):
        header = read_header(path)
        register_id = header.register_id
        migrations = verify_file(path, old_key, header=header, thorough=True)
        # Left by a crash during an earlier attempt (we hold the lock: none is running now).
        for leftover in path.parent.glob(f".{path.name}{_TEMP_MARK}*"):
            if not any(leftover.name.endswith(s) for s in ("-wal", "-shm", "-journal")):
                remove_file_and_sidecars(leftover)
        new_salt = make_salt(register_id, new_key)
        tmp = path.with_name(f".{path.name}{_TEMP_MARK}{secrets.token_hex(4)}")
        try:
            _checkpoint(path, old_key, header.salt)
            before = file_facts(path, old_key)
            with no_stray_sidecars(path):
                conn = sqlcipher.connect(path, old_key, header.salt, readonly=True)
                try:
                    sqlcipher.export_to(conn, tmp, new_key, new_salt)
                finally:
                    conn.close()
            _resign_audit(
                tmp,
                new_key,
                new_salt,
                register_id=register_id,
                old_audit_key=derive_audit_key(old_key, register_id),
                actor=actor,
            )
            for stray in sidecars(tmp):
                if stray.exists() and stray.stat().st_size == 0:
                    stray.unlink()
            fsync_file(tmp)
            with contextlib.suppress(OSError):
                os.chmod(tmp, 0o600)
            _verify_copy(
                tmp,
                new_key,
                register_id=register_id,
                old_key=old_key,
                migrations=migrations,
                before=before,
            )
            if before_swap is not None:
                before_swap(new_key)
            kept = unused_name(
                lambda stamp: path.with_name(f"{path.name}.before-key-change-{stamp}")
            )
            replace_keeping(tmp, path, kept)
        except BaseException as exc:
            remove_file_and_sidecars(tmp)
            if isinstance(exc, KeyChangeError):
                raise
            if isinstance(exc, DamagedRegisterError):
                raise KeyChangeError(
                    "The key was not changed: the re-encrypted copy failed its check "
                    f"({exc.problems[0] if exc.problems else 'damaged'}). The register is "
                    "unchanged and keeps its old key. Check the disk and try again."
                ) from exc
            if isinstance(exc, sqlcipher.DatabaseError | OSError):
                detail = (exc.strerror if isinstance(exc, OSError) else None) or str(exc)
                raise KeyChangeError(
                    f"The key was not changed ({detail}). The register is unchanged and keeps "
                    "its old key. Check that the drive has free space and can be written to."
                ) from exc
            raise
    return ChangedKey(new_key, encode_recovery_key(new_key), kept)
