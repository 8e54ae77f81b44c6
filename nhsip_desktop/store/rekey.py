"""Changing a register's data key (after a recovery key or laptop may have been exposed).

The register is copied, never changed in place: ``sqlcipher_export`` writes it into a new
file under the new key (and a new salt, so a new key check in the header; the register id
stays the same), the audit trail is re-signed there with the new key's audit key, a
``rekey`` entry is added, the new file is verified, and only then is it swapped in with one
rename. The old file is kept beside it as ``<register>.before-key-change-<UTC time>``.

The change is a journaled protocol (:func:`change_data_key`): the new recovery key is handed
to the person before anything is swapped, every protector (the keyring entry, the passphrase
file) is prepared for the new key beside the old one, and a journal (``<register>.key-change``)
says whether a change cut short by a crash must be undone (before its commit) or finished
(after it); :func:`finish_interrupted_change` does that at the next open. So at any moment
exactly one key opens the register, its protectors agree with it, and the person holds its
recovery key.

Older backups, and the kept file, are still encrypted under the OLD key: keep the old
recovery key for as long as you keep them.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from nhsip_desktop.core.safe_write import atomic_write_bytes, fsync_file, fsync_folder
from nhsip_desktop.store import sqlcipher

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
from .errors import DamagedRegisterError, RegisterError, WrongPassphraseError
from .header import make_salt, read_header
from .keystore import (
    delete_from_keyring,
    has_passphrase_protector,
    load_from_keyring,
    passphrase_protector_path,
    read_passphrase_protector,
    save_to_keyring,
    write_passphrase_protector,
)
from .lock import RegisterLock
from .recovery import encode_recovery_key
from .register import check_log_before_folding, verify_file
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
    """Fold a write-ahead log left beside ``path`` into the file (SQLite's own checkpoint),
    after reading its frames: a log whose committed changes cannot all be read is left as it
    is (:class:`~.errors.DamagedLogError`), never folded in."""
    wal = path.with_name(path.name + "-wal")
    if not wal.exists() or wal.stat().st_size == 0:
        return
    check_log_before_folding(path, key, read_header(path))
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


# ---------------------------------------------------------------------------------------------
# The journaled protocol

JOURNAL_SUFFIX = ".key-change"
_JOURNAL_FORMAT = "nhsip-desktop key change journal"
_STAGED_PASSPHRASE_SUFFIX = ".key-change"  # after ".passphrase"

STEPS = (
    "locked",
    "copied",
    "prepared",
    "delivered",
    "staged",
    "committed",
    "swapped",
    "protectors",
    "finished",
)
"""The step boundaries of a key change, in order (see :func:`change_data_key`)."""

step_hook: Callable[[str], None] | None = None
"""Called with each name in :data:`STEPS` as the change passes it. Tests only: the crash
test sets it to end the process (``os._exit``) at one boundary."""


def _step(name: str) -> None:
    if step_hook is not None:
        step_hook(name)


def journal_path(register_path: Path) -> Path:
    """``<register>.key-change``: present while a key change is under way (or was cut short)."""
    return register_path.with_name(register_path.name + JOURNAL_SUFFIX)


def staged_passphrase_path(register_path: Path) -> Path:
    """The passphrase file wrapping the NEW key, written before the swap, renamed after it."""
    return passphrase_protector_path(register_path).with_name(
        passphrase_protector_path(register_path).name + _STAGED_PASSPHRASE_SUFFIX
    )


def staged_keyring_account(register_id: str) -> str:
    """The keyring account holding the NEW key between staging and the swap."""
    return f"{register_id}{JOURNAL_SUFFIX}"


@dataclass(frozen=True)
class _Journal:
    """What ``<register>.key-change`` records: names and flags, never a key."""

    phase: str  # "prepared" (roll back) or "committed" (finish)
    register_id: str
    temporary: str  # file name of the re-encrypted copy, in the register's folder
    kept: str  # file name the old register is kept under
    new_key_check: str  # hex of the new header's key check (public: it is in the header)
    passphrase: bool  # a passphrase file wrapping the new key is staged
    keyring: str  # "store": the new key is staged in the keyring; "remove": drop the entry
    recovery_key_out: str  # where the new recovery key was written, or "" (shown on screen)

    def write(self, register_path: Path) -> None:
        document = {"format": _JOURNAL_FORMAT, "version": 1, **self.__dict__}
        atomic_write_bytes(
            journal_path(register_path), (json.dumps(document, indent=2) + "\n").encode()
        )

    @classmethod
    def read(cls, register_path: Path) -> _Journal | None:
        """The journal, None when there is none; raises :class:`KeyChangeError` if unreadable."""
        path = journal_path(register_path)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise _journal_problem(path, exc.strerror or type(exc).__name__) from None
        try:
            document = json.loads(raw.decode("utf-8"))
            if document.get("format") != _JOURNAL_FORMAT or document.get("version") != 1:
                raise ValueError("not a journal")
            journal = cls(
                phase=str(document["phase"]),
                register_id=str(document["register_id"]),
                temporary=str(document["temporary"]),
                kept=str(document["kept"]),
                new_key_check=str(document["new_key_check"]),
                passphrase=bool(document["passphrase"]),
                keyring=str(document["keyring"]),
                recovery_key_out=str(document["recovery_key_out"]),
            )
        except (UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError):
            raise _journal_problem(path, "it is damaged") from None
        if journal.phase not in ("prepared", "committed") or any(
            "/" in name or "\\" in name or not name for name in (journal.temporary, journal.kept)
        ):
            raise _journal_problem(path, "it is damaged")
        return journal


def _journal_problem(path: Path, why: str) -> KeyChangeError:
    return KeyChangeError(
        f"An interrupted key change left {path.name} beside the register, and it cannot be "
        f"read ({why}). Nothing was changed. Keep every file beside the register and ask IT: "
        "the register opens with either its previous or its new recovery key."
    )


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def _keyring_quietly(action: Callable[[], object]) -> bool:
    try:
        action()
    except (RegisterError, ValueError):
        return False
    return True


def _roll_back(path: Path, journal: _Journal | None) -> None:
    """Undo a change that never reached its commit: the register keeps its old key."""
    for leftover in path.parent.glob(f".{path.name}{_TEMP_MARK}*"):
        remove_file_and_sidecars(leftover)
    if journal is not None:
        remove_file_and_sidecars(path.with_name(journal.temporary))
    _remove(staged_passphrase_path(path))
    if journal is not None and journal.keyring == "store":
        delete_from_keyring(staged_keyring_account(journal.register_id))
    _remove(journal_path(path))
    fsync_folder(path.parent)


def _roll_forward(path: Path, journal: _Journal) -> None:
    """Finish a change that passed its commit: swap (if not done) and replace the protectors."""
    temporary = path.with_name(journal.temporary)
    kept = path.with_name(journal.kept)
    if temporary.exists():
        header = read_header(temporary)
        if header.register_id != journal.register_id or header.key_check.hex() != (
            journal.new_key_check
        ):
            raise _journal_problem(journal_path(path), "the re-encrypted copy is not the one")
        # A hidden link left by a swap cut short is only a second name for the old file.
        _remove(kept.with_name(f".{kept.name}.linking"))
        if kept.exists():
            kept = unused_name(
                lambda stamp: path.with_name(f"{path.name}.before-key-change-{stamp}")
            )
        replace_keeping(temporary, path, kept)
    else:
        link = kept.with_name(f".{kept.name}.linking")
        if link.exists() and not kept.exists():
            os.replace(link, kept)
    header = read_header(path)
    if header.key_check.hex() != journal.new_key_check:
        raise _journal_problem(journal_path(path), "the register is not the re-encrypted copy")
    _step("swapped")
    _replace_protectors(path, journal)
    _step("protectors")
    _remove(journal_path(path))
    fsync_folder(path.parent)


def _replace_protectors(path: Path, journal: _Journal) -> None:
    staged = staged_passphrase_path(path)
    if journal.passphrase and staged.exists():
        os.replace(staged, passphrase_protector_path(path))
    elif not journal.passphrase:
        # No passphrase was moved to the new key: an old passphrase file would not open it.
        _remove(passphrase_protector_path(path))
    if journal.keyring == "store":
        account = staged_keyring_account(journal.register_id)
        try:
            new_key = load_from_keyring(account)
        except RegisterError:
            new_key = None  # the keyring cannot be reached now: unlock will say so and ask
        if new_key is not None and read_header(path).matches(new_key):
            _keyring_quietly(lambda: save_to_keyring(journal.register_id, new_key))
            delete_from_keyring(account)
    elif journal.keyring == "remove":
        delete_from_keyring(journal.register_id)
    fsync_folder(path.parent)


def _rolled_back_message(path: Path, journal: _Journal | None) -> str:
    given = ""
    if journal is not None:
        where = (
            f"written to {journal.recovery_key_out}"
            if journal.recovery_key_out
            else "shown on screen"
        )
        given = f" The NEW recovery key {where} during that change does NOT open it: destroy it."
    return (
        f"A key change of {path.name} was interrupted before the register was switched to "
        "the new key, so it was undone. The register still opens with its previous recovery "
        f"key (and passphrase, if one was set).{given}"
    )


def _finished_message(path: Path, journal: _Journal) -> str:
    where = (
        f"written to {journal.recovery_key_out}"
        if journal.recovery_key_out
        else "shown on screen and confirmed"
    )
    return (
        f"A key change of {path.name} was interrupted after the register had been switched "
        f"to the new key, and has now been finished. The register opens with the NEW recovery "
        f"key ({where} during that change) and with the passphrase, if one was set. The old "
        f"recovery key opens only the kept file {journal.kept} and older backups."
    )


def _has_leftovers(path: Path) -> bool:
    return (
        journal_path(path).exists()
        or staged_passphrase_path(path).exists()
        or any(
            not p.name.endswith(("-wal", "-shm", "-journal"))
            for p in path.parent.glob(f".{path.name}{_TEMP_MARK}*")
        )
    )


def _resolve(path: Path) -> str | None:
    """With the lock held: finish or undo an interrupted change. A message, or None."""
    if not _has_leftovers(path):
        return None
    journal = _Journal.read(path)
    if journal is None or journal.phase == "prepared":
        _roll_back(path, journal)
        return None if journal is None else _rolled_back_message(path, journal)
    try:
        _roll_forward(path, journal)
    except OSError as exc:
        raise KeyChangeError(
            f"An interrupted key change of {path.name} could not be finished "
            f"({exc.strerror or type(exc).__name__}). Nothing was lost: check that the folder "
            "can be written to and try again."
        ) from exc
    return _finished_message(path, journal)


def finish_interrupted_change(register_path: Path) -> str | None:
    """Finish or undo a key change cut short by a crash, before the register is opened.

    A change that had not reached its commit is undone (the register keeps its old key and
    protectors); one that had is finished (the swap, the passphrase file, the keyring entry).
    Returns a sentence for the person, or None when there was nothing to do. Takes the
    register's lock, so raises :class:`~.lock.RegisterInUseError` when it is open elsewhere.
    """
    path = Path(register_path)
    if not _has_leftovers(path):
        return None
    with RegisterLock(path):
        return _resolve(path)


@dataclass(frozen=True)
class _Plan:
    passphrase: str | None
    keyring: str  # "store", "remove" or "" (leave the keyring alone: it held no entry)


def _plan(
    path: Path, register_id: str, old_key: bytes, passphrase: str | None, remember: bool | None
) -> _Plan:
    if has_passphrase_protector(path):
        if passphrase is None:
            raise KeyChangeError(
                "The key was not changed: this register has a passphrase. Type it, so that it "
                "can be moved to the new key, or remove the passphrase first."
            )
        try:
            unwrapped = read_passphrase_protector(path, passphrase, register_id=register_id)
        except WrongPassphraseError:
            raise KeyChangeError(
                "The key was not changed: that passphrase does not unlock this register."
            ) from None
        if not hmac.compare_digest(unwrapped, old_key):
            raise KeyChangeError(
                "The key was not changed: the passphrase file does not hold the register's "
                "current key. Remove the passphrase and set it again, then change the key."
            )
    try:
        held = load_from_keyring(register_id) is not None
    except RegisterError:
        held = False
    if remember is None:
        remember = held
    keyring = "store" if remember else ("remove" if held else "")
    return _Plan(passphrase if has_passphrase_protector(path) else None, keyring)


def change_data_key(
    register_path: Path,
    old_key: bytes,
    *,
    actor: Actor,
    new_key: bytes | None = None,
    before_swap: Callable[[bytes], None] | None = None,
    passphrase: str | None = None,
    remember: bool | None = None,
    recovery_key_out: Path | None = None,
) -> ChangedKey:
    """Re-encrypt the (closed) register at ``register_path`` under a new data key.

    A journaled protocol; the names are the step boundaries in :data:`STEPS`:

    1. ``locked``: the register's lock is taken, an earlier interrupted change is finished
       or undone, the old key and (if the register has one) the passphrase are checked.
    2. ``copied``: the register is exported to a hidden copy under the new key and a new salt
       (same register id, new key check); the audit trail is re-signed there, each row first
       checked against the old key, and the ``rekey`` audit row added (so the audit row
       travels with the swap); the copy is verified (every page, the full trail, the same
       cases and migrations).
    3. ``prepared``: the journal ``<register>.key-change`` is written (phase "prepared").
    4. ``delivered``: ``before_swap(new_key)`` hands the new recovery key to the person (the
       command line writes it to a file; the app shows it and asks them to confirm it). If
       it raises, everything is undone and the register keeps its old key.
    5. ``staged``: each protector is prepared for the new key beside the old one: the
       passphrase file as ``<register>.passphrase.key-change``, the keyring entry under
       a second account (:func:`staged_keyring_account`).
    6. ``committed``: the journal's phase becomes "committed": the point of no return.
    7. ``swapped``: the copy replaces the register with one rename; the old file is kept as
       ``<register>.before-key-change-<UTC time>`` (it still opens with the OLD key).
    8. ``protectors``: the staged passphrase file and keyring entry replace the old ones.
    9. ``finished``: the journal is removed.

    A crash before ``committed`` is undone at the next open, after it is finished (see
    :func:`finish_interrupted_change`, run by :func:`~.unlock.open_register`), so exactly
    one key opens the register and its protectors, and the person holds its recovery key.

    ``passphrase`` must be the register's passphrase when it has one (it is moved to the
    new key). ``remember``: keep the new key in the keyring (None: if it held the old one).

    IMPORTANT: every backup made before the change, and the kept file, still need the OLD
    recovery key. Make a new backup straight after the change.

    Raises :class:`~.errors.WrongKeyError`, :class:`~.errors.DamagedRegisterError`,
    :class:`~.errors.NewerRegisterError`, :class:`~.lock.RegisterInUseError` or
    :class:`KeyChangeError`; in every case the register is unchanged and keeps its old key.
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
        _resolve(path)
        header = read_header(path)
        register_id = header.register_id
        migrations = verify_file(path, old_key, header=header, thorough=True)
        plan = _plan(path, register_id, old_key, passphrase, remember)
        _step("locked")
        new_salt = make_salt(register_id, new_key)
        tmp = path.with_name(f".{path.name}{_TEMP_MARK}{secrets.token_hex(4)}")
        kept = unused_name(lambda stamp: path.with_name(f"{path.name}.before-key-change-{stamp}"))
        journal = _Journal(
            phase="prepared",
            register_id=register_id,
            temporary=tmp.name,
            kept=kept.name,
            new_key_check=new_salt[12:16].hex(),
            passphrase=plan.passphrase is not None,
            keyring=plan.keyring,
            recovery_key_out=str(recovery_key_out) if recovery_key_out else "",
        )
        committed = False
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
            _step("copied")
            journal.write(path)
            _step("prepared")
            if before_swap is not None:
                before_swap(new_key)
            _step("delivered")
            journal = _stage(path, journal, new_key, plan)
            _step("staged")
            journal = replace(journal, phase="committed")
            journal.write(path)
            committed = True
            _step("committed")
            _roll_forward(path, journal)
            kept = path.with_name(journal.kept)
        except BaseException as exc:
            if committed and tmp.exists() and _still_old(path, old_key):
                # The swap itself failed and was put back: undo the change here and now.
                _roll_back(path, journal)
                detail = (exc.strerror if isinstance(exc, OSError) else None) or str(exc)
                raise KeyChangeError(
                    f"The key was not changed ({detail}). The register is unchanged and keeps "
                    "its old key; the new recovery key given a moment ago does NOT open it: "
                    "destroy it. Check that the drive has free space and can be written to."
                ) from exc
            if committed:
                # Past the point of no return: the next open finishes the change.
                if isinstance(exc, OSError):
                    raise KeyChangeError(
                        "The key change could not be finished "
                        f"({exc.strerror or type(exc).__name__}). It will be finished the "
                        "next time the register is opened; it will then open with the NEW "
                        "recovery key."
                    ) from exc
                raise
            _roll_back(path, journal if journal_path(path).exists() else None)
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
    _step("finished")
    return ChangedKey(new_key, encode_recovery_key(new_key), kept)


def _still_old(path: Path, old_key: bytes) -> bool:
    try:
        return read_header(path).matches(old_key)
    except RegisterError:
        return False


def _stage(path: Path, journal: _Journal, new_key: bytes, plan: _Plan) -> _Journal:
    """Prepare each protector for the new key beside the old one (nothing replaced yet)."""
    if plan.passphrase is not None:
        write_passphrase_protector(
            path,
            journal.register_id,
            new_key,
            plan.passphrase,
            target=staged_passphrase_path(path),
        )
    if plan.keyring == "store":
        account = staged_keyring_account(journal.register_id)
        if not _keyring_quietly(lambda: save_to_keyring(account, new_key)):
            # The keyring cannot take the new key: its stale entry is removed instead, so
            # unlocking asks for the recovery key or passphrase rather than failing.
            journal = replace(journal, keyring="remove")
            journal.write(path)
    return journal
