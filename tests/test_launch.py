"""The README's launch path: X11 libraries named before Qt starts, and the ready/screenshot door."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from nhsip_desktop.app.cli import main
from nhsip_desktop.core.display_check import QT_XCB_LIBRARIES, uses_xcb, x11_problem


def test_missing_x11_libraries_are_named_in_one_line() -> None:
    absent = {"libxcb-icccm.so.4", "libxcb-keysyms.so.1"}
    problem = x11_problem({"DISPLAY": ":0"}, "linux", loads=lambda name: name not in absent)
    assert problem is not None and "\n" not in problem
    assert problem.endswith("sudo apt-get install libxcb-icccm4 libxcb-keysyms1")
    assert x11_problem({"DISPLAY": ":0"}, "linux", loads=lambda name: True) is None
    # Offscreen, Windows, or a Wayland session: no X11 libraries are needed.
    assert not uses_xcb({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}, "linux")
    assert not uses_xcb({"DISPLAY": ":0"}, "win32")
    assert not uses_xcb(
        {"DISPLAY": ":0", "WAYLAND_DISPLAY": "w", "XDG_SESSION_TYPE": "wayland"}, "linux"
    )
    assert uses_xcb({"DISPLAY": ":0", "QT_QPA_PLATFORM": "xcb"}, "linux")
    assert {p for _lib, p in QT_XCB_LIBRARIES} >= {"libxcb-cursor0", "libxcb-icccm4"}


def test_the_launch_command_says_what_to_install_instead_of_aborting(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.setattr(
        "nhsip_desktop.core.display_check._loads", lambda name: "cursor" not in name
    )
    if not sys.platform.startswith("linux"):
        pytest.skip("X11 is used on Linux only")
    assert main(["--demo"]) == 2
    assert "sudo apt-get install libxcb-cursor0" in capsys.readouterr().err


def test_demo_screenshot_and_quit_after_ready(tmp_path: Path) -> None:
    shot = tmp_path / "main-window.png"
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "NHSIP_DATA_DIR": str(tmp_path / "data"),
        "NHSIP_CONFIG_DIR": str(tmp_path / "config"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "nhsip_desktop.app.cli", "--demo", "--screenshot", str(shot),
         "--quit-after-ready"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "rows" in done.stdout
    assert shot.read_bytes().startswith(b"\x89PNG")
