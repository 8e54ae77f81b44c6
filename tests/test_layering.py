"""Only nhsip_desktop.ui may import Qt: the domain, store and CLI load no PySide6."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import nhsip_desktop


def qt_free_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(nhsip_desktop.__path__, "nhsip_desktop."):
        if info.name == "nhsip_desktop.ui" or info.name.startswith("nhsip_desktop.ui."):
            continue
        if info.name == "nhsip_desktop.__main__":
            continue
        names.append(info.name)
    return names


def test_importing_domain_store_and_cli_loads_no_pyside6() -> None:
    modules = qt_free_modules()
    assert "nhsip_desktop.store.register" in modules and "nhsip_desktop.cli" in modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
