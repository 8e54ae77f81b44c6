"""No UI module exceeds 800 lines (issue 20): a page that grows splits into cohesive modules.

Every ``.py`` file under ``nhsip_desktop/ui/`` (subpackages too) is counted as ``wc -l`` does.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import nhsip_desktop

UI_ROOT = Path(nhsip_desktop.__file__).parent / "ui"
MAX_LINES = 800


def ui_modules() -> list[Path]:
    return sorted(UI_ROOT.rglob("*.py"))


def line_count(path: Path) -> int:
    return path.read_bytes().count(b"\n")


def _param(path: Path) -> object:
    return pytest.param(path, id=path.relative_to(UI_ROOT).as_posix())


def test_every_ui_module_is_counted() -> None:
    names = {p.relative_to(UI_ROOT).as_posix() for p in ui_modules()}
    assert {"main_window.py", "finance_page.py", "case_editor.py", "kit/table.py"} <= names


def test_line_count_is_what_wc_counts(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("a = 1\n" * (MAX_LINES + 1), encoding="utf-8")
    assert line_count(sample) == MAX_LINES + 1 > MAX_LINES


@pytest.mark.parametrize("path", [_param(p) for p in ui_modules()])
def test_ui_module_fits(path: Path) -> None:
    lines = line_count(path)
    assert lines <= MAX_LINES, (
        f"{path.relative_to(UI_ROOT)} has {lines} lines (at most {MAX_LINES}): split it into "
        "cohesive modules (dialogs, sections, models), reusing the UI kit"
    )
