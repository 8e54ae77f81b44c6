"""Which kind of drive a register is on, and whether the names made beside it fit.

Two facts about a register's place that the store needs before it writes anything:

* **Network drives.** SQLite's write-ahead log needs shared memory that every program using
  the file can see; over a network file system (a mapped drive such as ``H:``, a UNC share
  ``\\\\server\\share``, NFS, SMB/CIFS, sshfs and other FUSE mounts, 9P) it cannot be trusted,
  and SQLite's own documentation says not to use WAL there. :func:`network_drive` tells such
  a place apart: on Windows with ``GetDriveTypeW`` (``DRIVE_REMOTE``) and the UNC form of the
  path; on Linux with ``statfs``'s ``f_type`` (falling back to the file system named in
  ``/proc/self/mounts`` for the longest mount point above the path); on macOS with
  ``statfs``'s ``f_fstypename``. When the platform cannot answer, the drive is taken to be
  local (nothing is refused on a guess).
* **Path lengths.** Windows refuses paths longer than ``MAX_PATH`` (260 characters with the
  terminating NUL, so 259 usable) unless long paths are enabled machine-wide, and SQLite
  itself works within that limit. The app makes names longer than the register's own beside
  it (backups, the file kept after a key change, temporary files). :func:`path_length_problem`
  measures the longest of them before anything is written; on every platform a single name
  longer than 255 bytes (the common file-system limit) is refused too.

Domain layer: standard library only (``ctypes`` for the platform calls). Each platform call
sits in a small function of its own (``_kernel32``, ``_libc``, ``_linux_fs_magic``,
``_mounts_text``, ``_mac_fstypename``) so that tests can substitute it on any platform.
"""

from __future__ import annotations

import ntpath
import os
import posixpath
import sys
from dataclasses import dataclass
from typing import Any

# --- network drives ----------------------------------------------------------------------

DRIVE_REMOTE = 4  # GetDriveTypeW

# Linux statfs f_type magic numbers of network and user-space file systems (linux/magic.h,
# and the numbers the kernel's own network file systems use).
LINUX_NETWORK_MAGIC: dict[int, str] = {
    0x6969: "NFS",
    0x517B: "SMB",
    0xFF534D42: "SMB (CIFS)",
    0xFE534D42: "SMB2",
    0x65735546: "FUSE (for example sshfs)",
    0x01021997: "9P",
    0x5346414F: "AFS",
    0x6B414653: "AFS",
    0x73757245: "Coda",
    0x00C36400: "Ceph",
    0x01161970: "GFS2",
    0x7461636F: "OCFS2",
    0x564C: "NCP",
    0x0BD00BD0: "Lustre",
}
# The same, by the file-system type /proc/self/mounts names (and macOS f_fstypename).
NETWORK_FS_NAMES: dict[str, str] = {
    "nfs": "NFS",
    "nfs4": "NFS",
    "cifs": "SMB (CIFS)",
    "smb3": "SMB",
    "smbfs": "SMB",
    "afpfs": "AFP",
    "webdav": "WebDAV",
    "davfs": "WebDAV",
    "ftp": "FTP",
    "9p": "9P",
    "afs": "AFS",
    "coda": "Coda",
    "ceph": "Ceph",
    "glusterfs": "GlusterFS",
    "gfs2": "GFS2",
    "ocfs2": "OCFS2",
    "ncpfs": "NCP",
    "lustre": "Lustre",
    "fuse": "FUSE (for example sshfs)",
    "osxfuse": "FUSE (for example sshfs)",
    "macfuse": "FUSE (for example sshfs)",
}


@dataclass(frozen=True)
class NetworkDrive:
    """Where a path's network file system is: ``where`` is the drive letter (``H:``), the
    share (``\\\\server\\share``) or the mount point; ``kind`` names the file system."""

    where: str
    kind: str

    def describe(self) -> str:
        if self.where.startswith("\\\\"):
            return f"a network share ({self.where})"
        if len(self.where) == 2 and self.where[1] == ":":
            return f"a network drive ({self.where})"
        if self.where:
            return f"a network drive ({self.kind}, {self.where})"
        return f"a network drive ({self.kind})"


def _platform() -> str:
    """``sys.platform`` (a function, so tests can take the Windows and macOS branches)."""
    return sys.platform


def _kernel32() -> Any:
    import ctypes

    return ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined,unused-ignore]


def _libc() -> Any:
    import ctypes
    import ctypes.util

    return ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)


def _existing(path: str, module: Any) -> str:
    """``path`` or its nearest existing folder (a register being created does not exist)."""
    current = path
    while not os.path.exists(current):
        parent = module.dirname(current)
        if not parent or parent == current:
            break
        current = parent
    return current


def _windows_network(path: str) -> NetworkDrive | None:
    full = ntpath.abspath(path)
    if full.startswith("\\\\?\\UNC\\"):
        full = "\\\\" + full[len("\\\\?\\UNC\\") :]
    elif full.startswith("\\\\?\\") or full.startswith("\\\\.\\"):
        full = full[4:]
    drive = ntpath.splitdrive(full)[0]
    if drive.startswith("\\\\"):
        return NetworkDrive(drive, "network share")
    if not drive:
        return None
    kernel32 = _kernel32()
    if int(kernel32.GetDriveTypeW(drive + "\\")) == DRIVE_REMOTE:
        return NetworkDrive(drive.upper(), "mapped network drive")
    return None


def _linux_fs_magic(path: str) -> int | None:
    """``statfs(path).f_type`` (Linux), or None when the call fails."""
    import ctypes

    buffer = ctypes.create_string_buffer(512)  # struct statfs is 120 bytes on 64-bit Linux
    try:
        if _libc().statfs(os.fsencode(path), buffer) != 0:
            return None
    except (OSError, AttributeError):
        return None
    # f_type is the first field, a native word (__fsword_t).
    return int(ctypes.c_long.from_buffer(buffer).value) & 0xFFFFFFFF


def _mounts_text() -> str:
    try:
        with open("/proc/self/mounts", encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return ""


def _unescape_mount(field: str) -> str:
    # /proc/mounts writes space, tab, newline and backslash as octal escapes.
    for code, char in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        field = field.replace(code, char)
    return field


def _linux_mount(path: str) -> tuple[str, str] | None:
    """The longest mount point above ``path`` and its file-system type, from /proc/mounts."""
    best: tuple[str, str] | None = None
    for line in _mounts_text().splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        point, fstype = _unescape_mount(fields[1]), fields[2]
        inside = path == point or path.startswith(point.rstrip("/") + "/")
        if inside and (best is None or len(point) >= len(best[0])):
            best = (point, fstype)
    return best


def _network_fs_name(fstype: str) -> str | None:
    name = fstype.lower()
    if name in NETWORK_FS_NAMES:
        return NETWORK_FS_NAMES[name]
    if name.startswith("fuse.") or name.startswith("fuse"):
        return f"FUSE ({name.split('.', 1)[-1]})" if "." in name else NETWORK_FS_NAMES["fuse"]
    return None


def _linux_network(path: str) -> NetworkDrive | None:
    real = os.path.realpath(path)
    target = _existing(real, posixpath)
    mount = _linux_mount(target)
    magic = _linux_fs_magic(target)
    if magic is not None:
        kind = LINUX_NETWORK_MAGIC.get(magic)
        if kind is None:
            return None
        if mount is not None and magic == 0x65735546:
            kind = _network_fs_name(mount[1]) or kind
        return NetworkDrive(mount[0] if mount else "", kind)
    if mount is None:
        return None
    kind = _network_fs_name(mount[1])
    return NetworkDrive(mount[0], kind) if kind else None


# macOS struct statfs (64-bit inodes): f_fstypename is 16 bytes at offset 72, f_mntonname
# (the mount point) 1,024 bytes at offset 88; the whole struct is 2,168 bytes.
_MAC_STATFS_SIZE = 2168
_MAC_FSTYPENAME = (72, 16)
_MAC_MNTONNAME = (88, 1024)


def _mac_fstypename(path: str) -> tuple[str, str] | None:
    """``(f_fstypename, f_mntonname)`` of ``statfs(path)`` on macOS, or None."""
    import ctypes

    libc = _libc()
    try:
        function = libc["statfs$INODE64"]  # Intel Macs; Apple silicon has only "statfs"
    except AttributeError:
        function = libc.statfs
    buffer = ctypes.create_string_buffer(_MAC_STATFS_SIZE)
    if function(os.fsencode(path), buffer) != 0:
        return None
    raw = buffer.raw

    def text(offset: int, size: int) -> str:
        return raw[offset : offset + size].split(b"\0", 1)[0].decode("utf-8", "replace")

    return text(*_MAC_FSTYPENAME), text(*_MAC_MNTONNAME)


def _mac_network(path: str) -> NetworkDrive | None:
    found = _mac_fstypename(_existing(os.path.realpath(path), posixpath))
    if found is None:
        return None
    fstype, mounted_on = found
    kind = _network_fs_name(fstype)
    return NetworkDrive(mounted_on, kind) if kind else None


def network_drive(path: str | os.PathLike[str]) -> NetworkDrive | None:
    """The network file system ``path`` (or, if it does not exist yet, its folder) is on, or
    None for a local disk or when the platform cannot tell."""
    text = os.fspath(path)
    platform = _platform()
    try:
        if platform == "win32":
            return _windows_network(text)
        if platform == "darwin":
            return _mac_network(text)
        return _linux_network(text)
    except (OSError, AttributeError, ValueError):
        return None


def network_drive_notice(drive: NetworkDrive) -> str:
    """What the person is told when a register is opened in the safer mode on ``drive``."""
    return (
        f"This register is on {drive.describe()}. It is opened in a safer mode that allows "
        "one computer at a time, and saving is slower. Keep registers on this computer's own "
        "disk and make backups to the network drive instead."
    )


# --- path lengths ------------------------------------------------------------------------

WINDOWS_MAX_PATH = 260  # including the terminating NUL
WINDOWS_MAX_PATH_CHARS = WINDOWS_MAX_PATH - 1
NAME_MAX_BYTES = 255  # one file name, on NTFS (characters), ext4 and APFS (bytes)

# The longest forms of the names the app makes from a register's path (kept in step with
# store/backups.py, store/rekey.py, store/lock.py and safe_write.py; checked by
# tests/test_drives.py). "{name}" is the register's file name, "{stem}" without ".nhsip".
_STAMP_FINE = "20251120T101010-123456Z"  # backups.utc_stamp(fine=True)
_TOKEN = "0123abcd"  # secrets.token_hex(4), tempfile's 8 random characters
_LONGEST_REASON = "after-key-change"
_SIDECAR = "-journal"  # the longest of -wal, -shm, -journal
DERIVED_NAMES: tuple[tuple[str, str, str], ...] = (
    # (what, folder, file name)
    ("a backup", "{stem}-backups", "{stem}." + _STAMP_FINE + "." + _LONGEST_REASON + ".nhsip"),
    (
        "a backup",
        "{stem}-backups",
        "{stem}." + _STAMP_FINE + "." + _LONGEST_REASON + ".nhsip" + _SIDECAR,
    ),
    (
        "a backup being written",
        "{stem}-backups",
        ".{stem}.backup-" + _TOKEN + ".partial" + _SIDECAR,
    ),
    (
        "the copy kept after a key change",
        "",
        ".{name}.before-key-change-" + _STAMP_FINE + ".linking",
    ),
    ("the copy kept after a key change", "", "{name}.before-key-change-" + _STAMP_FINE + _SIDECAR),
    ("the copy kept after a restore", "", ".{name}.replaced-" + _STAMP_FINE + ".linking"),
    ("a key change in progress", "", ".{name}.rekeying-" + _TOKEN + _SIDECAR),
    ("a restore in progress", "", ".{name}.restoring-" + _TOKEN + _SIDECAR),
    ("a new register being created", "", ".{name}.creating-" + _TOKEN + _SIDECAR),
    ("a passphrase file being saved", "", ".{name}.passphrase.key-change." + _TOKEN + ".tmp"),
    ("the register's lock", "", "{name}.lock.takeover"),
)


@dataclass(frozen=True)
class PathLength:
    """How long the longest name derived from a register's path is, and what it is."""

    register_chars: int
    longest_chars: int
    longest_what: str
    longest_name_bytes: int


def measure_path(
    register_path: str | os.PathLike[str], *, windows: bool | None = None
) -> PathLength:
    """Measure the register's full path and the longest name the app derives from it."""
    if windows is None:
        windows = _platform() == "win32"
    module: Any = ntpath if windows else posixpath
    full = module.abspath(os.fspath(register_path))
    if windows and full.startswith("\\\\?\\"):
        full = full[4:]
    folder, name = module.split(full)
    stem = name[: -len(".nhsip")] if name.lower().endswith(".nhsip") else module.splitext(name)[0]
    longest_chars, longest_what, longest_bytes = len(full), "the register itself", 0
    for what, sub, file_template in DERIVED_NAMES:
        file_name = file_template.format(name=name, stem=stem)
        where = module.join(folder, sub.format(name=name, stem=stem)) if sub else folder
        derived = module.join(where, file_name)
        longest_bytes = max(longest_bytes, len(file_name.encode("utf-8")))
        if len(derived) > longest_chars:
            longest_chars, longest_what = len(derived), what
    return PathLength(len(full), longest_chars, longest_what, longest_bytes)


def path_length_problem(
    register_path: str | os.PathLike[str], *, windows: bool | None = None
) -> str | None:
    """A plain-English refusal when the register's path, or a name the app would make from
    it, is too long for the computer; None when every name fits."""
    if windows is None:
        windows = _platform() == "win32"
    measured = measure_path(register_path, windows=windows)
    if windows and measured.longest_chars > WINDOWS_MAX_PATH_CHARS:
        over = measured.longest_chars - WINDOWS_MAX_PATH_CHARS
        return (
            f"This register's location is too long for Windows. Its full path is "
            f"{measured.register_chars} characters, and {measured.longest_what} beside it "
            f"would need {measured.longest_chars}; Windows allows {WINDOWS_MAX_PATH_CHARS}. "
            f"Nothing has been written. Move the register to a folder with a shorter path "
            f"(at least {over} characters shorter, for example C:\\IP Register) or give it a "
            "shorter file name, then try again."
        )
    if measured.longest_name_bytes > NAME_MAX_BYTES:
        return (
            f"This register's file name is too long: {measured.longest_what} made from it "
            f"would have a name of {measured.longest_name_bytes} bytes, and file systems allow "
            f"{NAME_MAX_BYTES}. Nothing has been written. Give the register a shorter file "
            "name, then try again."
        )
    return None
