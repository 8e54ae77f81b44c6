"""Fast start (issue 24): each command and the window load only what they use, the window
builds an area's page the first time it is opened, and ``--exit-when-ready`` times a start.

Each check runs the real program (or a fresh interpreter) and reads ``sys.modules`` there, so
a module imported at start by any path shows up.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nhsip_desktop.store import sqlcipher

HEAVY_FOR_COMMANDS = (
    "keyring",
    "cryptography",
    "sqlite_utils",
    "reportlab",
    "openpyxl",
    "docx",
    "pypdf",
    "PySide6",
    "nhsip_desktop.reports",
    "nhsip_desktop.interchange.importer",
    "nhsip_desktop.store.rekey",
    "nhsip_desktop.store.agreements",
    "nhsip_desktop.store.assets",
)
AREA_MODULES = (
    "nhsip_desktop.ui.assets_page",
    "nhsip_desktop.ui.agreements_page",
    "nhsip_desktop.ui.finance_page",
    "nhsip_desktop.ui.governance_page",
    "nhsip_desktop.ui.reports_page",
    "nhsip_desktop.ui.case_editor",
    "nhsip_desktop.ui.settings_dialog",
)
HEAVY_FOR_WINDOW = (
    "reportlab",
    "openpyxl",
    "docx",
    "pypdf",
    "keyring",
    "sqlite_utils",
    "nhsip_desktop.reports",
    "nhsip_desktop.interchange.importer",
)

# Runs a command in this interpreter as `nhsip-desktop` would, then prints what was loaded.
LOADED_AFTER = """
import json, sys
from nhsip_desktop.app.cli import main
code = main(sys.argv[1:])
sys.stdout.flush()
print("\\nMODULES " + json.dumps(sorted(sys.modules)), file=sys.stderr)
sys.exit(code)
"""


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}


def _run(
    *args: str | Path, code: str | None = None, qt: bool = False
) -> subprocess.CompletedProcess[str]:
    """``nhsip-desktop ARGS`` in a fresh interpreter (or ``code`` run with ARGS as argv)."""
    head = ["-c", code] if code is not None else ["-m", "nhsip_desktop"]
    env = {**_env(), "QT_QPA_PLATFORM": "offscreen"} if qt else _env()
    return subprocess.run(
        [sys.executable, *head, *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def _loaded(stderr: str) -> set[str]:
    line = next(ln for ln in stderr.splitlines() if ln.startswith("MODULES "))
    return set(json.loads(line.removeprefix("MODULES ")))


def _heavy(loaded: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(n for n in names if n in loaded or any(m.startswith(n + ".") for m in loaded))


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("lazy")
    path, key = folder / "demo.nhsip", folder / "demo.key"
    done = _run("demo", path, "--recovery-key-out", key, "--cases", "60")
    assert done.returncode == 0, done.stderr
    return path, key


def test_cases_command_loads_no_keyring_sqlite_utils_reports_or_other_managers(
    demo_file: tuple[Path, Path], tmp_path: Path
) -> None:
    path = tmp_path / "copy.nhsip"
    shutil.copy(demo_file[0], path)
    done = _run("cases", path, "--recovery-key-file", demo_file[1], code=LOADED_AFTER)
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 60
    assert _heavy(_loaded(done.stderr), HEAVY_FOR_COMMANDS) == []


def test_a_command_that_needs_the_keyring_still_gets_it(demo_file: tuple[Path, Path]) -> None:
    # No key file: the keyring is asked (and, headless, has nothing), so it is imported.
    done = _run("cases", demo_file[0], code=LOADED_AFTER)
    assert done.returncode == 2
    assert "keyring" in done.stderr.split("MODULES ")[0]
    assert "keyring" in _loaded(done.stderr)


def test_opening_an_unchanged_register_for_a_listing_writes_nothing_to_it(
    demo_file: tuple[Path, Path], tmp_path: Path
) -> None:
    path = tmp_path / "copy.nhsip"
    shutil.copy(demo_file[0], path)
    # The first open verifies the audit rows and records how far (a write); after that a
    # listing leaves the file as it was (SQLite skips rewriting an unchanged checkpoint).
    first = _run("cases", path, "--recovery-key-file", demo_file[1])
    assert first.returncode == 0, first.stderr
    before = path.read_bytes()
    again = _run("cases", path, "--recovery-key-file", demo_file[1])
    assert again.returncode == 0 and again.stdout == first.stdout
    assert path.read_bytes() == before
    assert not any(p.exists() and p.stat().st_size for p in sqlcipher.sidecars(path))


def test_the_window_starts_without_the_other_areas_or_the_heavy_libraries() -> None:
    code = """
import json, sys
from nhsip_desktop.ui.app import make_app
from nhsip_desktop.ui.main_window import MainWindow
app = make_app()
window = MainWindow()
window.show()
app.processEvents()
before = sorted(sys.modules)
window.go_to(5)  # nothing open: the areas cannot be reached yet
print(json.dumps(before))
"""
    done = _run(code=code, qt=True)
    assert done.returncode == 0, done.stderr
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert _heavy(loaded, AREA_MODULES + HEAVY_FOR_WINDOW) == []


def test_an_area_page_is_built_the_first_time_it_is_opened(
    qtbot: object, tmp_path: Path, demo_file: tuple[Path, Path]
) -> None:
    from nhsip_desktop.store.audit import Actor
    from nhsip_desktop.store.unlock import open_register, read_recovery_key_file
    from nhsip_desktop.ui.areas import AREAS
    from nhsip_desktop.ui.main_window import MainWindow
    from nhsip_desktop.ui.session import RegisterSession

    path = tmp_path / "copy.nhsip"
    shutil.copy(demo_file[0], path)
    session = RegisterSession()
    session.demo = True  # no automatic backups
    window = MainWindow(session)
    qtbot.addWidget(window)  # type: ignore[attr-defined]
    unlocked = open_register(
        path, actor=Actor("t", "T"), recovery_key=read_recovery_key_file(demo_file[1])
    )
    session.attach(unlocked.register)
    stand_ins = [window.area_stack.widget(i) for i in range(len(AREAS))]
    assert [w.objectName() for w in stand_ins] == ["area-cases"] + [""] * (len(AREAS) - 1)
    window.go_actions[3].trigger()  # Ctrl+4: Finance
    page = window.area_stack.currentWidget()
    assert page.objectName() == "area-finance"
    assert window.area_stack.indexOf(page) == 3 and window.area_stack.count() == len(AREAS)
    window.go_actions[0].trigger()
    window.go_actions[3].trigger()
    assert window.area_stack.currentWidget() is page  # built once
    session.lock()


def test_exit_when_ready_exits_0_once_rows_are_shown(
    demo_file: tuple[Path, Path], tmp_path: Path
) -> None:
    path = tmp_path / "copy.nhsip"
    shutil.copy(demo_file[0], path)
    done = _run("--open", path, "--recovery-key-file", demo_file[1], "--exit-when-ready", qt=True)
    assert done.returncode == 0, done.stderr
    assert "ready: the main window shows 60 rows" in done.stdout


def test_exit_when_ready_with_a_wrong_key_file_says_so_and_exits_2(
    demo_file: tuple[Path, Path], tmp_path: Path
) -> None:
    path = tmp_path / "copy.nhsip"
    shutil.copy(demo_file[0], path)
    before = path.read_bytes()
    wrong = tmp_path / "wrong.key"
    wrong.write_text("not a recovery key\n")
    done = _run("--open", path, "--recovery-key-file", wrong, "--exit-when-ready", qt=True)
    assert done.returncode == 2
    assert "recovery key" in done.stderr.lower()
    assert path.read_bytes() == before


def test_recovery_key_file_without_open_is_refused() -> None:
    from nhsip_desktop.app.cli import main

    assert main(["--recovery-key-file", "x.key"]) == 2


def test_exit_when_ready_with_a_passphrase_on_standard_input(
    demo_file: tuple[Path, Path], tmp_path: Path
) -> None:
    from nhsip_desktop.store.audit import Actor
    from nhsip_desktop.store.unlock import open_register, read_recovery_key_file, set_passphrase

    path = tmp_path / "copy.nhsip"
    shutil.copy(demo_file[0], path)
    recovery = read_recovery_key_file(demo_file[1])
    with open_register(path, actor=Actor("t", "T"), recovery_key=recovery).register as reg:
        set_passphrase(reg, "correct horse battery")
    env = {**_env(), "QT_QPA_PLATFORM": "offscreen"}
    args = [sys.executable, "-m", "nhsip_desktop", "--open", str(path), "--passphrase-stdin"]
    done = subprocess.run(
        [*args, "--exit-when-ready"],
        input="correct horse battery\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "ready: the main window shows 60 rows" in done.stdout
    wrong = subprocess.run(
        [*args, "--exit-when-ready"],
        input="not the passphrase\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert wrong.returncode == 2 and "passphrase" in wrong.stderr.lower()


def test_a_command_builds_its_own_parser_only_and_parses_alike() -> None:
    from nhsip_desktop.app import cli

    full = cli.build_parser()
    commands = full._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for name in commands:
        assert cli._command_in([name, "x"]) in (name, None)
    argv = ["cases", "reg.nhsip", "--search", "splint", "--recovery-key-file", "k.txt"]
    assert cli._command_in(argv) == "cases"
    only = cli.build_parser("cases")
    assert list(only._subparsers._group_actions[0].choices) == ["cases"]  # type: ignore[union-attr]
    assert vars(only.parse_args(argv)) == vars(full.parse_args(argv))
    assert cli._command_in(["--open", "cases"]) is None  # an option first: the whole parser
