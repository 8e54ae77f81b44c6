"""Before Qt starts on X11: are the system libraries its xcb plugin needs installed?

Without them Qt aborts the process (exit 134) with a message that names only
``libxcb-cursor0`` even when others are missing. This check loads each library the plugin
links against (as ``ldd`` lists them for PySide6 6.x) and names the Debian/Ubuntu packages
to install, in one line. Standard library only: it runs before PySide6 is imported.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable

#: The shared libraries Qt's xcb platform plugin (libQt6XcbQpa) loads, with their Debian and
#: Ubuntu packages.
QT_XCB_LIBRARIES: tuple[tuple[str, str], ...] = (
    ("libxcb.so.1", "libxcb1"),
    ("libX11.so.6", "libx11-6"),
    ("libX11-xcb.so.1", "libx11-xcb1"),
    ("libxcb-cursor.so.0", "libxcb-cursor0"),
    ("libxcb-icccm.so.4", "libxcb-icccm4"),
    ("libxcb-image.so.0", "libxcb-image0"),
    ("libxcb-keysyms.so.1", "libxcb-keysyms1"),
    ("libxcb-randr.so.0", "libxcb-randr0"),
    ("libxcb-render.so.0", "libxcb-render0"),
    ("libxcb-render-util.so.0", "libxcb-render-util0"),
    ("libxcb-shape.so.0", "libxcb-shape0"),
    ("libxcb-shm.so.0", "libxcb-shm0"),
    ("libxcb-sync.so.1", "libxcb-sync1"),
    ("libxcb-util.so.1", "libxcb-util1"),
    ("libxcb-xfixes.so.0", "libxcb-xfixes0"),
    ("libxcb-xkb.so.1", "libxcb-xkb1"),
    ("libxkbcommon.so.0", "libxkbcommon0"),
    ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
    ("libEGL.so.1", "libegl1"),
    ("libfontconfig.so.1", "libfontconfig1"),
    ("libdbus-1.so.3", "libdbus-1-3"),
)


def _loads(name: str) -> bool:
    try:
        ctypes.CDLL(name)
    except OSError:
        return False
    return True


def uses_xcb(environ: dict[str, str] | None = None, platform: str | None = None) -> bool:
    """Whether Qt will open its window through X11 (xcb) here."""
    env = os.environ if environ is None else environ
    if not (platform or sys.platform).startswith("linux"):
        return False
    chosen = env.get("QT_QPA_PLATFORM", "")
    if chosen:
        return chosen.split(":")[0].split(";")[0] == "xcb"
    wayland = env.get("WAYLAND_DISPLAY") and env.get("XDG_SESSION_TYPE") == "wayland"
    return bool(env.get("DISPLAY")) and not wayland


def missing_x11_packages(loads: Callable[[str], bool] | None = None) -> list[str]:
    """The packages whose libraries could not be loaded, in a stable order."""
    load = loads or _loads
    return [package for library, package in QT_XCB_LIBRARIES if not load(library)]


def x11_problem(
    environ: dict[str, str] | None = None,
    platform: str | None = None,
    loads: Callable[[str], bool] | None = None,
) -> str | None:
    """One line saying what to install, or None when nothing is missing (or X11 is unused)."""
    if not uses_xcb(environ, platform):
        return None
    missing = missing_x11_packages(loads)
    if not missing:
        return None
    return (
        "the window cannot open: this computer lacks X11 libraries that Qt needs. Install "
        f"them with: sudo apt-get install {' '.join(missing)}"
    )
