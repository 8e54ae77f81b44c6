"""The entry object for an open register: ``Register``, with one manager per kind of record.

    register = Register.open(path, key, actor=actor)
    case = register.cases.add("3D-printed cutting guide", summary=...)
    register.close()

Every change goes through :meth:`Register.transaction`: the change and its audit row commit
together or not at all, and after the commit every subscriber hears one :class:`Changes`
(the UI turns that into its single "register changed" signal).

Opening never writes to a file that fails a check: the header, the key check, the page
HMACs and SQLite's structure are all verified on a read-only connection first.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import secrets
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nhsip_desktop import __version__
from nhsip_desktop.core import drives, safe_write
from nhsip_desktop.store import page_check, sqlcipher, wal_check

from .audit import Actor, AuditTrail, ChainHead, VerifyResult, derive_audit_key
from .errors import (
    DamagedLogError,
    DamagedRegisterError,
    NewerRegisterError,
    PathTooLongError,
    RegisterError,
    RegisterLockedError,
    SaveFailedError,
    WrongKeyError,
)
from .header import RegisterHeader, make_salt, new_register_id, read_header
from .migrations import MIGRATION_SET, MIGRATIONS_TABLE, known_names, migrations

if TYPE_CHECKING:
    from sqlite_utils import Database

    from .agreements import AgreementManager
    from .assessments import AssessmentManager
    from .assets import CostManager, ReferenceData, ReturnManager, RightManager, WorksheetManager
    from .attachments import AttachmentManager
    from .cases import CaseManager
    from .facts import Facts
    from .form_imports import FormImportManager
    from .governance import GovernanceManager
    from .policy_drafts import PolicyDraftManager
    from .settings import SettingsManager
    from .signing import SigningManager

REGISTER_SUFFIX = ".nhsip"
# Registers up to this size get every page checked at open (a trust's register stays far
# below it for decades). Larger ones get a structural check at open, and the full check on
# demand (``check``) or in the background: SQLCipher authenticates each page as it is read,
# so a damaged page can never be used silently either way.
FULL_CHECK_MAX_BYTES = 48 * 1024 * 1024


@dataclass(frozen=True)
class Changes:
    """What one committed transaction changed: record kinds, and case ids where known."""

    kinds: frozenset[str]
    case_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class CheckReport:
    """The outcome of :meth:`Register.check` (used by ``nhsip-desktop check``)."""

    checks: list[tuple[str, bool, str]]

    @property
    def ok(self) -> bool:
        return all(passed for _, passed, _ in self.checks)


@dataclass
class Transaction:
    """Handed to code inside :meth:`Register.transaction`; records audit rows and changes."""

    register: Register
    kinds: set[str] = field(default_factory=set)
    case_ids: set[int] = field(default_factory=set)
    # Run after the commit, before subscribers hear of it (managers' caches); not on rollback.
    after_commit: list[Callable[[], None]] = field(default_factory=list)

    def audit(
        self,
        action: str,
        record_kind: str,
        record_id: str | int,
        changes: dict[str, Any],
    ) -> None:
        self.register.audit.append(self.register.actor, action, record_kind, record_id, changes)
        self.kinds.add(record_kind)

    def audit_many(
        self, entries: Sequence[tuple[str, str, str, str | int, dict[str, Any]]]
    ) -> None:
        """Many audit rows at once, each ``(at, action, record_kind, record_id, changes)``:
        the same rows as :meth:`audit` writes one by one (a bulk import)."""
        self.register.audit.append_many(self.register.actor, entries)
        self.kinds.update(entry[2] for entry in entries)


def _is_disk_problem(exc: BaseException) -> bool:
    text = str(exc).lower()
    return any(
        word in text for word in ("disk is full", "disk i/o", "readonly", "read-only", "no space")
    )


def verify_file(
    path: Path,
    key: bytes,
    *,
    header: RegisterHeader | None = None,
    thorough: bool | None = None,
    authenticate_pages: bool = False,
) -> list[str]:
    """Check a register file read-only; return the migrations it records.

    ``thorough`` checks every page: the HMAC of every page of the file (:mod:`.page_check`)
    and SQLite's structure (``quick_check``, which also authenticates any page it reads from a
    left-over write-ahead log). By default only files up to :data:`FULL_CHECK_MAX_BYTES` are
    checked thoroughly, larger ones structurally (header, schema pages, page count against the
    file's size); ``authenticate_pages`` adds the HMAC of every page to that structural check.

    Raises :class:`WrongKeyError`, :class:`DamagedRegisterError` or
    :class:`NewerRegisterError`; never writes to ``path`` (stray ``-wal``/``-shm`` files made
    by the check are removed again).
    """
    header = header or read_header(path)
    if not header.matches(key):
        raise WrongKeyError(
            f"That key does not unlock {path.name}. Check that you chose the right register "
            "and typed its own recovery key (or passphrase). If you are sure the key is right, "
            "the start of the file may be damaged: restore it from a backup."
        )
    check_log_before_folding(path, key, header)
    problems: list[str] = []
    applied: list[str] = []
    size = path.stat().st_size
    if size % sqlcipher.PAGE_SIZE:
        problems.append(
            f"the file ends part-way through a page ({size} bytes is not a whole number of "
            f"{sqlcipher.PAGE_SIZE}-byte pages): it has been truncated"
        )
    if thorough is None:
        thorough = size <= FULL_CHECK_MAX_BYTES
    wal = sqlcipher.sidecars(path)[0]
    wal_has_pages = wal.exists() and wal.stat().st_size > 0
    with sqlcipher.no_stray_sidecars(path):  # a read-only open may make them
        try:
            conn = sqlcipher.connect(path, key, header.salt, readonly=True)
            try:
                if thorough or authenticate_pages:
                    # The pages of the file itself; pages still in a write-ahead log are
                    # authenticated as SQLite reads them (quick_check below, or the first read).
                    problems += [
                        f"HMAC verification failed for page {number}"
                        for number in page_check.failed_pages(path, key, header.salt)
                    ]
                if thorough and not problems:
                    rows = conn.execute("PRAGMA quick_check").fetchall()
                    problems += [str(r[0]) for r in rows if str(r[0]) != "ok"]
                elif not problems:
                    pages = int(conn.execute("PRAGMA page_count").fetchone()[0])
                    if not wal_has_pages and pages * sqlcipher.PAGE_SIZE > size:
                        problems.append(
                            f"the file holds {size // sqlcipher.PAGE_SIZE} pages but the register "
                            f"has {pages}: it has been truncated"
                        )
                    else:
                        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
                if not problems:
                    has_table = conn.execute(
                        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                        (MIGRATIONS_TABLE,),
                    ).fetchone()
                    if has_table:
                        applied = [
                            str(r[0])
                            for r in conn.execute(
                                f"SELECT name FROM {MIGRATIONS_TABLE} WHERE migration_set = ? "
                                "ORDER BY rowid",
                                (MIGRATION_SET,),
                            )
                        ]
            finally:
                conn.close()
        except sqlcipher.DatabaseError as exc:
            problems.append(str(exc))
    if problems:
        raise DamagedRegisterError(
            f"{path.name} is damaged: the key is right, but "
            f"{len(problems)} check{'s' if len(problems) != 1 else ''} failed "
            f"(first: {problems[0]}). Nothing has been changed. Restore the register from "
            "its most recent backup, and keep this file for investigation.",
            problems,
        )
    unknown = [name for name in applied if name not in known_names()]
    if unknown:
        raise NewerRegisterError(
            f"{path.name} was last saved by a newer version of nhsip-desktop (it has changes "
            f"this version does not know: {', '.join(unknown)}). It has not been changed. "
            f"Install the newest version of the app to open it (this is version {__version__}).",
            unknown,
        )
    return applied


def _log_damage(path: Path, key: bytes, salt: bytes) -> tuple[str, int] | None:
    """What is wrong with ``path``'s write-ahead log (:mod:`.wal_check`): ``(problem, lost
    commits)``, or None when SQLite can read every committed change in it (or there is none)."""
    log = wal_check.log_path(path)
    try:
        report = wal_check.check_log(path, key, salt)
    except OSError as exc:
        return f"the change log {log.name} could not be read ({exc.strerror or exc})", 0
    if report.damaged:
        return report.message(), report.lost_commits
    return None


def check_log_before_folding(path: Path, key: bytes, header: RegisterHeader) -> None:
    """Refuse a register whose write-ahead log holds committed changes SQLite could not read
    (:mod:`.wal_check`), before any connection can fold the log in and delete it."""
    damage = _log_damage(path, key, header.salt)
    if damage is None:
        return
    problem, lost = damage
    log = wal_check.log_path(path)
    if not lost:
        raise DamagedLogError(
            f"{path.name} cannot be opened safely: {problem}. Nothing has been changed and the "
            "log has been left as it is. Check that the file can be read, then try again.",
            [problem],
            0,
        )
    raise DamagedLogError(
        f"{path.name} cannot be opened safely: {problem}. Nothing has been "
        f"changed, and the change log ({log.name}) has been kept as evidence. Restore the "
        "register from its newest verified backup (changes made after that backup are "
        "lost), and keep both files for investigation.",
        [problem],
        lost,
    )


def _close_keeping_log(path: Path, key: bytes, salt: bytes, conn: sqlcipher.Connection) -> None:
    """Close ``conn`` without folding in (or deleting) the write-ahead log.

    The last connection to close folds the log in and deletes it, and only when it can take
    the file's exclusive lock. A read-only connection is opened first and holds its shared
    lock while ``conn`` closes (so ``conn`` cannot take the exclusive lock and leaves the log
    alone); a read-only connection never checkpoints, so closing it last leaves the log too.
    """
    guard = sqlcipher.connect(path, key, salt, readonly=True)
    try:
        # Any read takes the shared lock; it is held (in WAL mode) even when the read fails
        # on the damaged page.
        with contextlib.suppress(sqlcipher.DatabaseError):
            guard.execute("SELECT count(*) FROM sqlite_master").fetchone()
    finally:
        try:
            conn.close()
        finally:
            guard.close()


def refuse_long_path(path: Path) -> None:
    """Raise :class:`PathTooLongError` when ``path``, or a name the app derives from it, is too
    long for this computer (:func:`nhsip_desktop.core.drives.path_length_problem`)."""
    problem = drives.path_length_problem(path)
    if problem:
        raise PathTooLongError(problem)


def newest_verified_backup(path: Path, key: bytes, folder: Path | None = None) -> Any:
    """The newest backup of ``path`` that verifies with ``key`` (a ``BackupInfo``), or None."""
    from .backups import list_backups, verify_backup

    for info in list_backups(path, folder=folder):
        with contextlib.suppress(RegisterError, OSError, sqlcipher.DatabaseError):
            checked = verify_backup(info, key)
            if checked.verified:
                return checked
    return None


def _may_have_stale_links(path: Path) -> bool:
    """True whenever ``backups.remove_stale_links`` could find something (hidden
    ``.<name>.*.linking`` links beside the register, ``.partial`` backups in its backups
    folder ``<stem>-backups``), so that ``backups`` is imported only then."""
    try:
        with os.scandir(path.parent) as entries:
            if any(e.name.startswith("." + path.name) for e in entries):
                return True
        folder = path.with_name(path.stem + "-backups")
        if folder.is_dir():
            with os.scandir(folder) as entries:
                return any(e.name.endswith(".partial") for e in entries)
    except OSError:
        return True
    return False


class Register:
    """An open, unlocked register. Create with :meth:`create` or :meth:`open`."""

    def __init__(
        self,
        path: Path,
        header: RegisterHeader,
        key: bytes,
        conn: sqlcipher.Connection,
        actor: Actor,
    ) -> None:
        self.path = path
        self.header = header
        self.actor = actor
        self._key: bytes | None = key
        self._conn: sqlcipher.Connection | None = conn
        self.audit = AuditTrail(conn, derive_audit_key(key, header.register_id))
        self._tx: Transaction | None = None
        self._subscribers: list[Callable[[Changes], None]] = []
        self.audit_status: VerifyResult | None = None
        self._lock: Any = None  # the RegisterLock held while open
        self._raw_fd: int | None = None  # see raw_descriptor()
        self.backup_before_migration: Path | None = None
        # Set by open() when the register is on a network drive: what the person is told.
        self.storage_notice = ""
        # Opened read-only: the companion files that existed then (any others that the
        # read-only connection made are removed at close, while the lock is still held).
        self._read_only_sidecars: set[Path] | None = None

    # -- managers: each created (and its module imported) on first use, so that a command
    # or window that needs only the cases never pays for the rest ---------------------------
    @functools.cached_property
    def db(self) -> Database:
        """The connection wrapped in sqlite-utils (migrations only)."""
        return sqlcipher.sqlite_utils_database(self.conn)

    @functools.cached_property
    def cases(self) -> CaseManager:
        from .cases import CaseManager

        return CaseManager(self)

    @functools.cached_property
    def settings(self) -> SettingsManager:
        from .settings import SettingsManager

        return SettingsManager(self)

    @functools.cached_property
    def attachments(self) -> AttachmentManager:
        from .attachments import AttachmentManager

        return AttachmentManager(self)

    @functools.cached_property
    def assessments(self) -> AssessmentManager:
        from .assessments import AssessmentManager

        return AssessmentManager(self)

    @functools.cached_property
    def reference(self) -> ReferenceData:
        from .assets import ReferenceData

        return ReferenceData(self)

    @functools.cached_property
    def rights(self) -> RightManager:
        from .assets import RightManager

        return RightManager(self)

    @functools.cached_property
    def costs(self) -> CostManager:
        from .assets import CostManager

        return CostManager(self)

    @functools.cached_property
    def returns(self) -> ReturnManager:
        from .assets import ReturnManager

        return ReturnManager(self)

    @functools.cached_property
    def worksheets(self) -> WorksheetManager:
        from .assets import WorksheetManager

        return WorksheetManager(self)

    @functools.cached_property
    def agreements(self) -> AgreementManager:
        from .agreements import AgreementManager

        return AgreementManager(self)

    @functools.cached_property
    def governance(self) -> GovernanceManager:
        from .governance import GovernanceManager

        return GovernanceManager(self)

    @functools.cached_property
    def form_imports(self) -> FormImportManager:
        from .form_imports import FormImportManager

        return FormImportManager(self)

    @functools.cached_property
    def policy_drafts(self) -> PolicyDraftManager:
        from .policy_drafts import PolicyDraftManager

        return PolicyDraftManager(self)

    @functools.cached_property
    def facts(self) -> Facts:
        from .facts import Facts

        return Facts(self)

    @functools.cached_property
    def signing(self) -> SigningManager:
        from .signing import SigningManager

        return SigningManager(self)

    # -- identity --------------------------------------------------------------------
    @property
    def register_id(self) -> str:
        return self.header.register_id

    @property
    def is_open(self) -> bool:
        return self._conn is not None

    @property
    def conn(self) -> sqlcipher.Connection:
        if self._conn is None:
            raise RegisterLockedError("The register is locked. Unlock it to continue.")
        return self._conn

    @property
    def data_key(self) -> bytes:
        """The raw data key (for the keyring and the recovery key). Never log it."""
        if self._key is None:
            raise RegisterLockedError("The register is locked. Unlock it to continue.")
        return self._key

    # -- creating and opening ---------------------------------------------------------
    @classmethod
    def create(
        cls,
        path: Path,
        *,
        actor: Actor,
        organisation: str = "",
        ods_code: str = "",
        data_key: bytes | None = None,
        register_id: str | None = None,
        signing_key: bytes | None = None,
    ) -> Register:
        """Create a new register at ``path``; refuses to touch an existing file.

        The database is built under a temporary name in the same folder and renamed into
        place only when complete, so a failure leaves nothing behind.
        """
        path = Path(path)
        if path.exists():
            raise RegisterError(
                f"{path} already exists. A new register is never written over an existing "
                "file: choose another name or folder."
            )
        if not path.parent.is_dir():
            raise RegisterError(f"The folder {path.parent} does not exist.")
        refuse_long_path(path)
        network = drives.network_drive(path)
        key = data_key if data_key is not None else secrets.token_bytes(32)
        # A caller may choose the id in advance (the wizard prints it on the recovery sheet).
        register_id = register_id or new_register_id()
        salt = make_salt(register_id, key)
        tmp = path.with_name(f".{path.name}.creating-{secrets.token_hex(4)}")
        try:
            conn = sqlcipher.connect(tmp, key, salt)
            try:
                sqlcipher.configure(
                    conn, readonly=False, network=network.describe() if network else ""
                )
                db = sqlcipher.sqlite_utils_database(conn)
                with db.atomic():
                    migrations.apply(db)
                    conn.execute(
                        "INSERT INTO register_meta(key, value) VALUES ('register_id', ?), "
                        "('created_at', ?), ('created_by_version', ?)",
                        (register_id, dt.datetime.now(dt.UTC).isoformat(), __version__),
                    )
                    trail = AuditTrail(conn, derive_audit_key(key, register_id))
                    trail.append(
                        actor,
                        "create",
                        "register",
                        register_id,
                        {"organisation": [None, organisation], "schema": [None, known_names()]},
                    )
                    trail.flush_head()
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                conn.close()
            if path.exists():
                raise RegisterError(f"{path} appeared while the register was being created.")
            safe_write.install(tmp, path)
        except BaseException:
            for leftover in [tmp, *sqlcipher.sidecars(tmp)]:
                with contextlib.suppress(OSError):
                    leftover.unlink()
            raise
        register = cls.open(path, key, actor=actor)
        if signing_key is not None:  # made in advance by the wizard, to print its fingerprint;
            register.signing.create(signing_key)  # otherwise made on first need
        if organisation or ods_code:
            register.settings.update(organisation=organisation, ods_code=ods_code)
        return register

    @classmethod
    def open(
        cls,
        path: Path,
        key: bytes,
        *,
        actor: Actor,
        backup_dir: Path | None = None,
        thorough: bool | None = None,
        read_only: bool = False,
    ) -> Register:
        """Verify and open ``path`` with ``key``.

        Raises :class:`~.errors.NotARegisterError`, :class:`~.errors.WrongKeyError`,
        :class:`~.errors.DamagedRegisterError` or :class:`~.errors.NewerRegisterError`
        without writing a byte. Pending migrations are applied after a verified backup.

        ``read_only`` opens for reading only (commands that print): see :meth:`_open_to_read`
        for what is checked then and what is left to the reads themselves. A register that
        needs migrating is opened in full instead.
        """
        from .lock import RegisterLock

        path = Path(path)
        refuse_long_path(path)  # before the lock file, the first thing written
        header = read_header(path)
        lock = RegisterLock(path)  # one writer: another window or process gets a clear message
        lock.acquire()
        try:
            if _may_have_stale_links(path):
                from .backups import remove_stale_links

                remove_stale_links(path)  # leftovers of a crash mid-swap or mid-backup
            if read_only:
                reader = cls._open_to_read(path, header, key, actor, lock)
                if reader is not None:
                    return reader
            applied = verify_file(path, key, header=header, thorough=thorough)
            conn = sqlcipher.connect(path, key, header.salt)
        except DamagedLogError as exc:
            lock.release()
            backup = exc.backup = newest_verified_backup(path, key, backup_dir)
            if backup is not None:
                when = backup.created_at.astimezone()
                exc.args = (
                    f"{exc.args[0]} The newest verified backup is {backup.path} "
                    f"(made {when:%d/%m/%Y %H:%M}).",
                )
            raise
        except BaseException:
            lock.release()
            raise
        try:
            network = drives.network_drive(path)
            where = network.describe() if network else ""
            sqlcipher.configure(conn, readonly=False, network=where)
            register = cls(path, header, key, conn, actor)
            register._lock = lock
            register.storage_notice = drives.network_drive_notice(network) if network else ""
            pending = [name for name in known_names() if name not in applied]
            if pending:
                if applied:
                    register.backup_before_migration = register._migration_backup(backup_dir)
                register._migrate(pending)
            try:
                register.audit_status = register.audit.verify(full=False)
            except sqlcipher.DatabaseError as exc:  # a damaged page met after a structural open
                raise DamagedRegisterError(
                    f"{path.name} is damaged: the key is right, but part of it cannot be read "
                    f"({exc}). Nothing has been changed. Restore the register from its most "
                    "recent backup, and keep this file for investigation.",
                    [str(exc)],
                ) from exc
            if register.audit_status.ok:
                with register._bookkeeping():
                    register.audit.save_checkpoint(register.audit_status.head)
        except BaseException:
            conn.close()
            lock.release()
            raise
        return register

    @classmethod
    def _open_to_read(
        cls, path: Path, header: RegisterHeader, key: bytes, actor: Actor, lock: Any
    ) -> Register | None:
        """A register opened read-only (``Register.open(..., read_only=True)``), or None when
        it needs migrating (then the caller opens it in full).

        Checked first, as for every open: the header and the key, the write-ahead log's frames
        (so no acknowledged change is silently missing from what is read), the file's length
        against its page count, the schema and the migrations applied. Left out, because
        nothing is written and SQLCipher authenticates every page as it is read (a damaged
        page that a read reaches fails that read with a message, never gives wrong rows): the
        HMAC of every page of the file and SQLite's structural ``quick_check`` over all of it,
        the audit chain's verification and its checkpoint (a write), and the checkpoint that
        folds the log in at close. ``check`` and every open for writing still do all of these.
        """
        applied = verify_file(path, key, header=header, thorough=False)
        if any(name not in applied for name in known_names()):
            return None
        before = {p for p in sqlcipher.sidecars(path) if p.exists()}
        conn = sqlcipher.connect(path, key, header.salt, readonly=True)
        try:
            sqlcipher.configure(conn, readonly=True)
            register = cls(path, header, key, conn, actor)
        except BaseException:
            conn.close()
            raise
        register._lock = lock
        register._read_only_sidecars = before
        return register

    @property
    def read_only(self) -> bool:
        """True when opened with ``read_only``: every change is refused."""
        return self._read_only_sidecars is not None

    def _migration_backup(self, backup_dir: Path | None) -> Path:
        """A verified backup (same key) before any schema change."""
        from .backups import create_backup

        return create_backup(self, backup_dir, reason="before-migration").path

    def _migrate(self, pending: list[str]) -> None:
        with self.transaction() as tx:
            migrations.apply(self.db)
            tx.audit("migrate", "register", self.register_id, {"migrations": [None, pending]})

    # -- transactions -----------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """One atomic change with its audit rows. Nested calls join the outer transaction."""
        if self._tx is not None:
            yield self._tx
            return
        conn = self.conn
        if self.read_only:
            raise RegisterError(
                f"{self.path.name} was opened for reading only: nothing was changed."
            )
        tx = Transaction(self)
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlcipher.OperationalError as exc:
            raise SaveFailedError(
                f"The register could not start saving ({exc}). Nothing was changed."
            ) from exc
        self._tx = tx
        try:
            yield tx
            self.audit.flush_head()
            conn.execute("COMMIT")
        except BaseException as exc:
            self.audit.discard_pending()
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            self._tx = None
            if isinstance(exc, sqlcipher.DatabaseError) and _is_disk_problem(exc):
                raise SaveFailedError(
                    "Not saved: the disk is full or cannot be written to. Nothing was changed; "
                    "free some space (or check the drive) and try again."
                ) from exc
            raise
        self._tx = None
        for callback in tx.after_commit:
            callback()
        self._notify(Changes(frozenset(tx.kinds), frozenset(tx.case_ids)))

    @contextlib.contextmanager
    def _bookkeeping(self) -> Iterator[None]:
        """A small write that is not a record change (checkpoints): no audit row, no signal."""
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def subscribe(self, callback: Callable[[Changes], None]) -> Callable[[], None]:
        """Call ``callback`` after every committed change; returns an unsubscribe function."""
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._subscribers.remove(callback)

        return unsubscribe

    def _notify(self, changes: Changes) -> None:
        for callback in list(self._subscribers):
            callback(changes)

    # -- checks -------------------------------------------------------------------------
    def verify_audit(self) -> VerifyResult:
        """Full verification of the audit chain, from the first row."""
        return self.audit.verify(full=True)

    def chain_head(self) -> ChainHead:
        return self.audit.head()

    def check(self) -> CheckReport:
        """Everything ``nhsip-desktop check`` reports, on the open register. A damaged page
        makes a check fail (with SQLite's words), never an exception."""
        checks: list[tuple[str, bool, str]] = []
        try:
            rows = self.conn.execute("PRAGMA cipher_integrity_check").fetchall()
            detail = "; ".join(str(r[0]) for r in rows[:5]) or "every page's HMAC verified"
            checks.append(("Page authentication (cipher_integrity_check)", not rows, detail))
        except sqlcipher.DatabaseError as exc:
            checks.append(("Page authentication (cipher_integrity_check)", False, str(exc)))
        try:
            messages = [str(r[0]) for r in self.conn.execute("PRAGMA integrity_check")]
            ok = messages == ["ok"]
            checks.append(
                (
                    "Database structure (integrity_check)",
                    ok,
                    "ok" if ok else "; ".join(messages[:5]),
                )
            )
        except sqlcipher.DatabaseError as exc:
            checks.append(("Database structure (integrity_check)", False, str(exc)))
        try:
            result = self.verify_audit()
            checks.append(
                (
                    "Audit trail chain",
                    result.ok,
                    f"{result.checked_rows} rows verified, head {result.head.short()}"
                    if result.ok
                    else f"broken at row {result.first_broken_seq}: {result.problem}",
                )
            )
        except sqlcipher.DatabaseError as exc:
            checks.append(("Audit trail chain", False, f"could not be read: {exc}"))
        return CheckReport(checks)

    # -- closing --------------------------------------------------------------------------
    def raw_descriptor(self) -> int:
        """A read-only descriptor on the register file, opened once and closed by
        :meth:`close` after the connection (read with ``os.lseek`` and ``os.read``).

        Never open and close the register file beside the open connection: on Linux and macOS
        closing *any* descriptor on a file drops every lock the process holds on it,
        SQLite's included, and another program could then fold in and delete the log while
        the register is in use. Raises :class:`OSError` when the file cannot be opened.
        """
        if self._conn is None:
            raise RegisterError("The register is closed.")
        if self._raw_fd is None:
            self._raw_fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        return self._raw_fd

    def checkpoint(self) -> None:
        """Fold the write-ahead log into the file and empty it, after reading its frames
        (:mod:`.wal_check`). Raises :class:`DamagedLogError`, leaving the log as it is, when
        committed changes in it cannot be read (folding it in would drop them for good)."""
        if wal_check.folded_in(self.path):
            damage = None  # every frame is in the file already: nothing to fold in
        else:
            damage = _log_damage(self.path, self.data_key, self.header.salt)
        if damage is not None:
            raise self._log_kept_error(*damage, closed=False)
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def _log_kept_error(self, problem: str, lost: int, *, closed: bool) -> DamagedLogError:
        log = wal_check.log_path(self.path).name
        done = "was closed" if closed else "has not been saved into its file"
        return DamagedLogError(
            f"{self.path.name} {done} without folding in its change log, because {problem}. "
            f"The log ({log}) has been kept as evidence and nothing more has been written. "
            "Run `nhsip-desktop check` on the register, restore it from its newest verified "
            "backup (changes made after that backup are lost), and keep both files for "
            "investigation.",
            [problem],
            lost,
        )

    def close(self) -> None:
        """Close the connection and drop the key. Safe to call twice.

        The write-ahead log is read first (:mod:`.wal_check`): when committed changes in it
        cannot be read, the register is closed without folding the log in or deleting it, and
        :class:`DamagedLogError` is raised once everything has been let go (the next open
        reports the damage in the same way and offers the newest verified backup).
        """
        conn, self._conn = self._conn, None
        key, self._key = self._key, None
        lock, self._lock = self._lock, None
        raw, self._raw_fd = self._raw_fd, None
        damage: tuple[str, int] | None = None
        try:
            if conn is not None and self._read_only_sidecars is not None:
                # A read-only connection never folds the log in: nothing to check first.
                try:
                    conn.close()
                finally:
                    for stray in sqlcipher.sidecars(self.path):
                        if stray not in self._read_only_sidecars and stray.exists():
                            with contextlib.suppress(OSError):
                                stray.unlink()
            elif conn is not None:
                if key is not None and not wal_check.folded_in(self.path):
                    damage = _log_damage(self.path, key, self.header.salt)
                if damage is not None and key is not None:
                    _close_keeping_log(self.path, key, self.header.salt, conn)
                else:
                    try:
                        with contextlib.suppress(sqlcipher.DatabaseError):
                            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                    finally:
                        conn.close()
        finally:
            if raw is not None:  # only now, after SQLite has let go of its locks
                with contextlib.suppress(OSError):
                    os.close(raw)
            if lock is not None:
                lock.release()
        if damage is not None:
            raise self._log_kept_error(*damage, closed=True)

    def __enter__(self) -> Register:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
