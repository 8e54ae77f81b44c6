"""A register's backups: verified encrypted copies, listed, pruned, and restored.

Backups live in ``<register folder>/<register name>-backups/`` as
``<register name>.<UTC time>.<reason>.nhsip``, for example
``trust.20261101T093000Z.scheduled.nhsip``. Each is a complete SQLCipher copy under the
register's own key and salt (so the same recovery key opens it, and its header carries the same
register id), and it is encrypted from its first byte: a copy of the register file's own
encrypted pages, taken while no change can be written (see :func:`create_backup`), or, where
that is not possible, a copy made with ``sqlcipher_export``.

Every step that could lose data is arranged so that it cannot:

* a backup is written under a temporary name, flushed to disk, checked page by page (every
  page's HMAC; SQLite's structure too for registers up to
  :data:`~.register.FULL_CHECK_MAX_BYTES`) and compared with the live register (migrations,
  number of cases, audit-trail head) before it is given its final name; a failure leaves no
  partial file behind;
* old backups are deleted only once a newer backup has passed the full check (every page's
  HMAC and SQLite's structure);
* a restore builds the restored register beside the target, verifies it, and swaps it in
  with one rename, keeping the file it replaced as ``<register>.replaced-<time>``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from nhsip_desktop.core import safe_write
from nhsip_desktop.core.safe_write import fsync_file, fsync_folder
from nhsip_desktop.store import sqlcipher, wal_check

from .audit import GENESIS, META_HEAD_HMAC, META_HEAD_SEQ
from .errors import (
    DamagedRegisterError,
    NotARegisterError,
    RegisterError,
    WrongKeyError,
)
from .header import read_header
from .lock import RegisterLock
from .migrations import MIGRATION_SET, MIGRATIONS_TABLE
from .register import REGISTER_SUFFIX, verify_file
from .sqlcipher import no_stray_sidecars, sidecars

if TYPE_CHECKING:
    from .register import Register

_STAMP = "%Y%m%dT%H%M%SZ"
_STAMP_FINE = "%Y%m%dT%H%M%S-%fZ"
_REASON = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
_NAME = re.compile(
    r"(?P<stem>.+)\.(?P<stamp>\d{8}T\d{6}(?:-\d{6})?Z)\.(?P<reason>[a-z0-9][a-z0-9-]*)"
    + re.escape(REGISTER_SUFFIX)
)


class BackupError(RegisterError):
    """A backup could not be made, verified or restored. Nothing was changed by the attempt.

    The message says what happened and what to do; ``__cause__`` holds the underlying error
    (for example :class:`~.errors.WrongKeyError` or :class:`~.errors.DamagedRegisterError`).
    """


@dataclass(frozen=True)
class BackupInfo:
    """One backup file.

    ``cases`` and ``audit_seq`` are known when the backup was just made or was verified with
    a key (:func:`list_backups` with ``key``); otherwise they are None. ``verified`` is True
    only when every page's HMAC and the comparison checks passed in this session (and
    SQLite's structure check, except for a new backup of a register over
    :data:`~.register.FULL_CHECK_MAX_BYTES`, whose structure is checked before pruning);
    ``problem`` says why a verification failed.
    """

    path: Path
    created_at: dt.datetime
    reason: str
    cases: int | None
    audit_seq: int | None
    size: int
    verified: bool = False
    problem: str = ""


@dataclass(frozen=True)
class RegisterFacts:
    """What a copy must share with its original: migrations, cases and the audit head."""

    migrations: tuple[str, ...]
    cases: int
    head_seq: int
    head_hmac: str


# ---------------------------------------------------------------------------------------------
# Small file-system helpers (also used by rekey.py)


def backup_folder(register_path: Path) -> Path:
    return register_path.with_name(register_path.stem + "-backups")


def latest_backup_time(register_path: Path) -> dt.datetime | None:
    """When the newest backup file was written (local time), or None when there is none."""
    folder = backup_folder(register_path)
    if not folder.is_dir():
        return None
    times = [p.stat().st_mtime for p in folder.glob(f"*{REGISTER_SUFFIX}") if p.is_file()]
    return dt.datetime.fromtimestamp(max(times)) if times else None


def remove_file_and_sidecars(path: Path) -> None:
    """Delete a temporary database and its companions; missing files are fine."""
    for leftover in [path, *sidecars(path)]:
        with contextlib.suppress(OSError):
            leftover.unlink()


def utc_stamp(now: dt.datetime | None = None, *, fine: bool = False) -> str:
    now = now or dt.datetime.now(dt.UTC)
    return now.astimezone(dt.UTC).strftime(_STAMP_FINE if fine else _STAMP)


def unused_name(make: Callable[[str], Path]) -> Path:
    """``make(stamp)`` for a timestamp whose path does not exist yet."""
    now = dt.datetime.now(dt.UTC)
    candidate = make(utc_stamp(now))
    if candidate.exists():
        candidate = make(utc_stamp(now, fine=True))
    while candidate.exists():  # the same microsecond twice: practically never
        candidate = make(utc_stamp(dt.datetime.now(dt.UTC), fine=True))
    return candidate


def replace_keeping(new: Path, target: Path, kept: Path) -> None:
    """Put ``new`` in place of ``target`` with one rename, keeping the old ``target`` as ``kept``.

    The old file is first hard-linked to a hidden temporary name (so ``target`` is never
    missing, even for a moment) and that link is renamed to ``kept`` only after the swap, so a
    crash in between never leaves ``kept`` as a second name for the live register (a stale
    hidden link is removed on the next open, see :func:`remove_stale_links`); where the file
    system has no hard links the old file is renamed instead. Its SQLite
    companion files (``-wal``, ``-shm``, ``-journal``) move with it: an old write-ahead log
    must never be applied to the new file. On failure everything is put back as it was.
    The caller holds the register's lock, so no other program has the files open.
    """
    if kept.exists() or any(p.exists() for p in sidecars(kept)):
        raise FileExistsError(str(kept))
    moved: list[tuple[Path, Path]] = []
    linked = renamed = False
    link = _link_name(kept)
    try:
        if target.exists():
            try:
                os.link(target, link)
                linked = True
            except OSError:
                linked = False
            for side, kept_side in zip(sidecars(target), sidecars(kept), strict=True):
                if side.exists():
                    safe_write.replace(side, kept_side)
                    moved.append((kept_side, side))
            if not linked:
                safe_write.replace(target, kept)
                renamed = True
        safe_write.replace(new, target)
        if linked:
            safe_write.replace(link, kept)
    except BaseException:
        with contextlib.suppress(OSError):
            if renamed:
                safe_write.replace(kept, target)
            elif linked:
                link.unlink()
        for kept_side, side in moved:
            with contextlib.suppress(OSError):
                safe_write.replace(kept_side, side)
        raise
    fsync_folder(target.parent)


def _link_name(kept: Path) -> Path:
    return kept.with_name(f".{kept.name}.linking")


def remove_stale_links(target: Path) -> list[Path]:
    """Remove hidden links left by a crash inside :func:`replace_keeping` (a second name for
    the live register) and encrypted ``.partial`` backups left by a killed backup. Called
    with the register's lock held, so nothing else is using them."""
    removed: list[Path] = []
    candidates = list(target.parent.glob(f".{target.name}.*.linking"))
    folder = backup_folder(target)
    if folder.is_dir():
        candidates += list(folder.glob(f".{target.stem}.backup-*.partial"))
    for stale in candidates:
        with contextlib.suppress(OSError):
            stale.unlink()
            removed.append(stale)
    return removed


def register_facts(conn: sqlcipher.Connection) -> RegisterFacts:
    """Migrations, number of cases and audit head of an open (keyed) connection."""
    migrations = tuple(
        str(r[0])
        for r in conn.execute(
            f"SELECT name FROM {MIGRATIONS_TABLE} WHERE migration_set = ? ORDER BY rowid",
            (MIGRATION_SET,),
        )
    )
    cases = int(conn.execute("SELECT count(*) FROM cases").fetchone()[0])
    meta = dict(
        conn.execute(
            "SELECT key, value FROM register_meta WHERE key IN (?, ?)",
            (META_HEAD_SEQ, META_HEAD_HMAC),
        ).fetchall()
    )
    seq = meta.get(META_HEAD_SEQ)
    return RegisterFacts(
        migrations, cases, int(seq) if seq else 0, str(meta.get(META_HEAD_HMAC) or GENESIS)
    )


def file_facts(path: Path, key: bytes) -> RegisterFacts:
    """:func:`register_facts` of a closed register file, read-only (never writes)."""
    header = read_header(path)
    with no_stray_sidecars(path):
        conn = sqlcipher.connect(path, key, header.salt, readonly=True)
        try:
            return register_facts(conn)
        finally:
            conn.close()


def _check_copy(
    copy: Path,
    key: bytes,
    expected: RegisterFacts,
    *,
    what: str,
    outcome: str,
    thorough: bool | None = None,
) -> RegisterFacts:
    """Verify ``copy`` page by page and compare it with ``expected``; raise on any difference.

    Every page's HMAC is checked; SQLite's structure too when ``thorough`` (by default, for
    files up to :data:`~.register.FULL_CHECK_MAX_BYTES`, as when a register is opened).
    """
    applied = verify_file(copy, key, thorough=thorough, authenticate_pages=True)
    facts = file_facts(copy, key)
    differences = []
    if tuple(applied) != expected.migrations or facts.migrations != expected.migrations:
        differences.append("its list of schema changes differs")
    if facts.cases != expected.cases:
        differences.append(f"it holds {facts.cases} cases, not {expected.cases}")
    if (facts.head_seq, facts.head_hmac) != (expected.head_seq, expected.head_hmac):
        differences.append(
            f"its audit trail ends at entry {facts.head_seq}, not {expected.head_seq}"
            if facts.head_seq != expected.head_seq
            else "its audit trail does not end with the same entry"
        )
    if differences:
        raise BackupError(
            f"The {what} did not match its original ({'; '.join(differences)}). {outcome}"
        )
    return facts


def _detail(exc: BaseException) -> str:
    """A short account of a failure, for inside a sentence (never content, never keys)."""
    if isinstance(exc, DamagedRegisterError):
        first = exc.problems[0] if exc.problems else "a check failed"
        return f"the copy failed its check: {first}"
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return str(exc)


def describe_backup_problem(backup: Path, exc: BaseException) -> str:
    """Why ``backup`` cannot be used, in a sentence or two a non-specialist can act on."""
    if isinstance(exc, WrongKeyError):
        return (
            f"That key does not open the backup {backup.name}. A backup made before the "
            "register's key was changed needs the recovery key the register had then."
        )
    if isinstance(exc, DamagedRegisterError):
        count = len(exc.problems) or 1
        first = exc.problems[0] if exc.problems else "a check failed"
        return (
            f"The backup {backup.name} is damaged ({count} check"
            f"{'s' if count != 1 else ''} failed; first: {first})."
        )
    if isinstance(exc, NotARegisterError):
        return str(exc)
    if isinstance(exc, OSError):
        return f"The backup {backup.name} could not be read ({exc.strerror or exc})."
    return str(exc)


# ---------------------------------------------------------------------------------------------
# Making, listing and pruning backups


def _copy_snapshot(register: Register, target: Path) -> RegisterFacts | None:
    """Copy the register file's encrypted pages to ``target`` (a new file) as they stand at
    one moment; return the live register's facts at that moment, or None (nothing left at
    ``target``) when a consistent copy cannot be taken this way.

    The write-ahead log is first folded into the file and emptied (``wal_checkpoint
    (TRUNCATE)``); then the register's write lock is taken (``BEGIN IMMEDIATE``), so no change
    can reach the log or the file until the copy is done. If the log is not empty by then (a
    reader held it, or a change slipped in), None is returned and the caller exports instead.
    Only the register's own pages are copied (``page_count``), through the register's one raw
    descriptor (:meth:`~.register.Register.raw_descriptor`: opening and closing the file here
    would drop SQLite's locks on Linux and macOS). The copy is then switched from the
    write-ahead log to a rollback journal (only page 1 changes), so that it can be opened on
    read-only media, as an exported backup can.
    """
    conn = register.conn
    try:
        mode = str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower()
        if mode != "wal":
            return None
        _check_live_log(register)
        busy = int(conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0])
        if busy:
            return None
        conn.execute("BEGIN IMMEDIATE")
    except sqlcipher.OperationalError:  # busy, or read-only: the export path copes with both
        return None
    try:
        wal = sidecars(register.path)[0]
        if wal.exists() and wal.stat().st_size > 0:
            return None
        live = register_facts(conn)
        wanted = int(conn.execute("PRAGMA page_count").fetchone()[0]) * sqlcipher.PAGE_SIZE
        if register.path.stat().st_size < wanted:
            return None
        try:
            _copy_bytes(register, target, wanted)
        except _SourceUnreadable:
            # For example a byte-range lock on Windows: the export reads through SQLite.
            remove_file_and_sidecars(target)
            return None
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
    copy = sqlcipher.connect(target, register.data_key, register.header.salt)
    try:
        copy.execute("PRAGMA journal_mode = DELETE").fetchone()
    finally:
        copy.close()
    return live


def _check_live_log(register: Register) -> None:
    """Refuse to fold in a write-ahead log that SQLite could not fully read (see
    :mod:`.wal_check`): the checkpoint would drop the unreadable commits and empty the log."""
    try:
        report = wal_check.check_log(register.path, register.data_key, register.header.salt)
    except OSError as exc:
        raise BackupError(
            f"No backup was made: the change log could not be read ({exc.strerror or exc}). "
            "Nothing was changed; close the register and run `nhsip-desktop check` on it."
        ) from exc
    if report.damaged:
        raise BackupError(
            f"No backup was made: {report.message()}. The log has been kept as it is; close "
            "the register and restore it from its newest verified backup."
        )


class _SourceUnreadable(Exception):
    """The register file could not be read directly (not a problem with the target)."""


def _copy_bytes(register: Register, target: Path, length: int) -> None:
    """Copy the first ``length`` bytes of the register file to the new file ``target``.

    Raises :class:`_SourceUnreadable` when the register file cannot be read to ``length``,
    and :class:`OSError` when ``target`` cannot be written (for example a full disk).
    """
    chunk = 4 * 1024 * 1024
    with target.open("xb") as dst:
        try:
            source = register.raw_descriptor()
            os.lseek(source, 0, os.SEEK_SET)
        except OSError as exc:
            raise _SourceUnreadable from exc
        left = length
        while left:
            try:
                data = os.read(source, min(chunk, left))
            except OSError as exc:
                raise _SourceUnreadable from exc
            if not data:
                raise _SourceUnreadable(f"{register.path.name} ended before its last page")
            dst.write(data)
            left -= len(data)


def _parse_name(path: Path, stem: str) -> tuple[dt.datetime, str] | None:
    match = _NAME.fullmatch(path.name)
    if match is None or match["stem"] != stem:
        return None
    stamp = match["stamp"]
    fmt = _STAMP_FINE if "-" in stamp else _STAMP
    try:
        created = dt.datetime.strptime(stamp, fmt).replace(tzinfo=dt.UTC)
    except ValueError:
        return None
    return created, match["reason"]


def create_backup(
    register: Register, folder: Path | None = None, *, reason: str = "manual"
) -> BackupInfo:
    """Write a verified, encrypted copy of the open ``register``; return what was written.

    The copy is written to a temporary file in ``folder`` (default :func:`backup_folder`): the
    register file's own encrypted pages, copied after the write-ahead log has been folded into
    the file and while the register's write lock is held, so the copy is one consistent moment
    and nothing is decrypted or re-encrypted (:func:`_copy_snapshot`). When that is not
    possible (the log could not be emptied, or the register is open read-only) the copy is
    made with ``sqlcipher_export`` instead. The copy is then flushed to disk, verified (every
    page's HMAC; SQLite's structure for registers up to
    :data:`~.register.FULL_CHECK_MAX_BYTES`, larger ones get it before any older backup is
    deleted, see :func:`prune_backups`; and the same migrations, number of cases and
    audit-trail head as the live register), and only then renamed to
    ``<register name>.<UTC time>.<reason>.nhsip``.

    ``reason`` is a short lower-case word such as ``manual``, ``scheduled``, ``on-close`` or
    ``before-migration``. Raises :class:`BackupError` on any failure, leaving no partial file.
    """
    if not _REASON.fullmatch(reason):
        raise ValueError(
            "a backup reason is 1-40 lower-case letters, digits and hyphens, starting with a "
            f"letter or digit (not {reason!r})"
        )
    folder = Path(folder) if folder is not None else backup_folder(register.path)
    conn = register.conn
    if conn.in_transaction:
        raise BackupError(
            "A backup cannot be made while a change is being saved. Try again in a moment."
        )
    key, salt, stem = register.data_key, register.header.salt, register.path.stem
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(
            f"The backup folder {folder} could not be created ({exc.strerror or exc}). "
            "The register itself is unchanged."
        ) from exc
    tmp = folder / f".{stem}.backup-{secrets.token_hex(4)}.partial"
    try:
        live = _copy_snapshot(register, tmp)
        if live is None:
            if tmp.exists():  # a first attempt's file that could not be removed
                tmp = folder / f".{stem}.backup-{secrets.token_hex(4)}.partial"
            sqlcipher.export_to(conn, tmp, key, salt)
            live = register_facts(conn)
        fsync_file(tmp)
        with contextlib.suppress(OSError):
            os.chmod(tmp, 0o600)
        facts = _check_copy(
            tmp,
            key,
            live,
            what="new backup",
            outcome="It was deleted; the register itself is unchanged. Try again.",
        )
        size = tmp.stat().st_size
        final = unused_name(lambda stamp: folder / f"{stem}.{stamp}.{reason}{REGISTER_SUFFIX}")
        safe_write.replace(tmp, final)
    except BaseException as exc:
        remove_file_and_sidecars(tmp)
        if isinstance(exc, BackupError):
            raise
        if isinstance(exc, RegisterError | sqlcipher.DatabaseError | OSError):
            raise BackupError(
                f"The backup could not be written to {folder} ({_detail(exc)}). No backup file was "
                "left behind and the register itself is unchanged. Check that the drive has "
                "free space and can be written to, then try again."
            ) from exc
        raise
    fsync_folder(folder)
    parsed = _parse_name(final, stem)
    created = parsed[0] if parsed else dt.datetime.now(dt.UTC)
    return BackupInfo(final, created, reason, facts.cases, facts.head_seq, size, verified=True)


def verify_backup(info: BackupInfo, key: bytes) -> BackupInfo:
    """Check a listed backup read-only with ``key``; the result says whether it passed."""
    try:
        verify_file(info.path, key, thorough=True)
        facts = file_facts(info.path, key)
    except (RegisterError, sqlcipher.DatabaseError, OSError) as exc:
        return BackupInfo(
            info.path,
            info.created_at,
            info.reason,
            None,
            None,
            info.size,
            verified=False,
            problem=describe_backup_problem(info.path, exc),
        )
    return BackupInfo(
        info.path,
        info.created_at,
        info.reason,
        facts.cases,
        facts.head_seq,
        info.size,
        verified=True,
    )


def list_backups(
    register_path: Path, *, key: bytes | None = None, folder: Path | None = None
) -> list[BackupInfo]:
    """The register's backups, newest first.

    Without ``key`` only names and sizes are read. With ``key`` each backup is also verified
    read-only (every page), and ``cases``, ``audit_seq``, ``verified`` and ``problem`` are
    filled in; a backup made before a key change fails with the new key (it needs the old
    recovery key).
    """
    register_path = Path(register_path)
    folder = Path(folder) if folder is not None else backup_folder(register_path)
    if not folder.is_dir():
        return []
    found: list[BackupInfo] = []
    for path in folder.iterdir():
        parsed = _parse_name(path, register_path.stem)
        if parsed is None or not path.is_file():
            continue
        try:
            size = path.stat().st_size
        except OSError:
            continue
        found.append(BackupInfo(path, parsed[0], parsed[1], None, None, size))
    found.sort(key=lambda b: (b.created_at, b.path.name), reverse=True)
    if key is not None:
        found = [verify_backup(b, key) for b in found]
    return found


def prune_backups(
    register_path: Path, keep: int, *, key: bytes, folder: Path | None = None
) -> list[Path]:
    """Delete the oldest backups beyond the newest ``keep``; return the files deleted.

    Nothing is deleted until a backup newer than every deleted one has passed the full check
    with ``key`` (every page's HMAC and SQLite's structure; the newest that passes is never
    deleted itself). When no backup verifies,
    nothing at all is deleted. A file that cannot be deleted is skipped.
    """
    if keep < 1:
        raise ValueError("at least one backup is always kept")
    backups = list_backups(register_path, folder=folder)
    if len(backups) <= keep:
        return []
    newest_good: int | None = None
    for index, info in enumerate(backups):
        if verify_backup(info, key).verified:
            newest_good = index
            break
    if newest_good is None:
        return []
    deleted: list[Path] = []
    for index, info in enumerate(backups):
        if index < keep or index <= newest_good:
            continue
        try:
            info.path.unlink()
        except OSError:
            continue
        deleted.append(info.path)
    if deleted:
        fsync_folder(deleted[0].parent)
    return deleted


def backup_if_due(
    register: Register,
    *,
    every_hours: float = 12,
    keep: int = 10,
    reason: str = "scheduled",
    folder: Path | None = None,
    now: dt.datetime | None = None,
) -> BackupInfo | None:
    """Make a backup when the newest one is ``every_hours`` old or older (or there is none,
    or the newest is dated in the future: the computer's clock was changed).

    Then prunes to ``keep`` backups (see :func:`prune_backups`). Returns the new backup, or
    None when none was due. Raises :class:`BackupError` when a due backup fails; a failure
    to delete old backups is not an error.
    """
    now = now or dt.datetime.now(dt.UTC)
    existing = list_backups(register.path, folder=folder)
    if existing:
        age = now - existing[0].created_at
        # A newest backup "from the future" means the clock was wrong then or is now: back up.
        if dt.timedelta(minutes=-5) <= age < dt.timedelta(hours=every_hours):
            return None
    info = create_backup(register, folder, reason=reason)
    with contextlib.suppress(RegisterError, sqlcipher.DatabaseError, OSError):
        prune_backups(register.path, keep, key=register.data_key, folder=folder)
    return info


# ---------------------------------------------------------------------------------------------
# Restoring


def restore_backup(
    backup: Path, target: Path, key: bytes, *, replace_unidentified: bool = False
) -> Path:
    """Restore ``backup`` as the register at ``target``; return ``target``.

    The backup is verified read-only, exported (from a read-only connection) into a new
    temporary file beside ``target``, and that file is verified against the backup before it
    is swapped in with one rename. A register already at ``target`` is kept, never deleted, as
    ``<target>.replaced-<UTC time>`` (with its ``-wal`` file, if any).

    Refused with :class:`BackupError`, changing nothing, when: the backup is damaged, is not a
    register, or ``key`` does not open it (a backup made before a key change needs the old
    recovery key); the register at ``target`` has a different register id; the file at
    ``target`` cannot be identified as a register (unless ``replace_unidentified``: it is then
    kept as above); or ``target`` is open in another window or program (its lock is taken for
    the swap, so close the register in this program first).

    The restored register has the backup's key: if that differs from the key in the keyring,
    the caller must update the keyring.
    """
    backup, target = Path(backup), Path(target)
    if backup.resolve() == target.resolve():
        raise BackupError("A backup cannot be restored over itself. Choose another target.")
    if not target.parent.is_dir():
        raise BackupError(f"The folder {target.parent} does not exist.")
    try:
        header = read_header(backup)
        verify_file(backup, key, header=header, thorough=True)
        expected = file_facts(backup, key)
    except (RegisterError, sqlcipher.DatabaseError, OSError) as exc:
        advice = (
            "Nothing has been replaced. Enter the key that belongs to this backup."
            if isinstance(exc, WrongKeyError)
            else "It cannot be restored, and nothing has been replaced: choose another backup."
        )
        raise BackupError(f"{describe_backup_problem(backup, exc)} {advice}") from exc

    with RegisterLock(target):
        if target.exists():
            try:
                current = read_header(target)
            except RegisterError as exc:
                if not replace_unidentified:
                    raise BackupError(
                        f"{target.name} cannot be identified as an IP register ({exc}), so it "
                        "cannot be confirmed to be the register this backup belongs to. "
                        "Nothing has been replaced. Restore to a new file instead, or move "
                        f"{target.name} to another folder (keep it) and restore again."
                    ) from exc
            else:
                if current.register_id != header.register_id:
                    raise BackupError(
                        f"The backup {backup.name} belongs to a different register (id "
                        f"{header.register_id}) from {target.name} (id {current.register_id}). "
                        "Nothing has been replaced. Choose a backup of this register, or "
                        "restore to a new file."
                    )
        tmp = target.with_name(f".{target.name}.restoring-{secrets.token_hex(4)}")
        try:
            with no_stray_sidecars(backup):
                conn = sqlcipher.connect(backup, key, header.salt, readonly=True)
                try:
                    sqlcipher.export_to(conn, tmp, key, header.salt)
                finally:
                    conn.close()
            fsync_file(tmp)
            with contextlib.suppress(OSError):
                os.chmod(tmp, 0o600)
            _check_copy(
                tmp,
                key,
                expected,
                what="restored register",
                outcome="Nothing has been replaced. Try again, or choose another backup.",
                thorough=True,
            )
            kept = unused_name(lambda stamp: target.with_name(f"{target.name}.replaced-{stamp}"))
            replace_keeping(tmp, target, kept)
        except BaseException as exc:
            remove_file_and_sidecars(tmp)
            if isinstance(exc, BackupError):
                raise
            if isinstance(exc, RegisterError | sqlcipher.DatabaseError | OSError):
                raise BackupError(
                    f"The backup could not be restored to {target} ({_detail(exc)}). Nothing has "
                    "been replaced. Check that the drive has free space and can be written "
                    "to, then try again."
                ) from exc
            raise
    return target
