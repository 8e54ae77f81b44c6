"""``--self-test``: the smoke test the build script runs on a frozen build."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from nhsip_desktop.app import selftest
from nhsip_desktop.app.cli import main

ROOT = Path(__file__).resolve().parent.parent


def test_self_test_in_a_fresh_process_passes_every_step_and_exits_0(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "TMPDIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "nhsip_desktop", "--self-test"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("nhsip-desktop ") and lines[0].endswith(" self-test")
    for step in ("Bundled resources", "Create", "Write", "Reopen and read", "PDF report"):
        assert any(line.startswith(f"PASS  {step}:") for line in lines), done.stdout
    assert any(line.startswith("PASS  Audit chain:") for line in lines)
    assert any("PASS  Main window (offscreen): Qt platform 'offscreen'" in ln for ln in lines)
    assert lines[-1] == "Self-test passed."
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("nhsip-selftest-")]


def test_self_test_without_the_window_step(tmp_path: Path) -> None:
    result = selftest.run_self_test(gui=False, folder=tmp_path)
    assert result.ok
    assert [name for name, _ok, _d in result.steps] == [
        "Bundled resources",
        "Create",
        "Write",
        "Reopen and read",
        "PDF report",
        "Audit chain",
    ]
    assert list(tmp_path.iterdir()) == []  # the throwaway register is removed


def test_missing_resources_fail_the_self_test_with_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A frozen build that forgot resources/ looks like this.
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert main(["--self-test", "--no-gui"]) == 1
    out = capsys.readouterr().out
    assert "FAIL  Bundled resources:" in out
    assert out.rstrip().endswith("Self-test FAILED: see above.")
    assert "PASS  Create" not in out  # later steps are not run on a broken build


def test_a_failing_step_is_reported_and_the_folder_still_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nhsip_desktop.store.register import Register

    def broken_verify(self: Register) -> object:
        raise RuntimeError("chain broken on purpose")

    monkeypatch.setattr(Register, "verify_audit", broken_verify)
    result = selftest.run_self_test(gui=False, folder=tmp_path)
    assert not result.ok
    name, passed, detail = result.steps[-1]
    assert (name, passed) == ("Audit chain", False)
    assert "chain broken on purpose" in detail
    assert list(tmp_path.iterdir()) == []
