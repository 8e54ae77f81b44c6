"""The layers are law: every module's imports, read with ``ast``, obey docs/ARCHITECTURE.md.

ground floor (errors, safe writing) <- domain <- store <- app services <- reports <- command line,
and the UI over all but the command line. Each layer may import only the layers below it (and
itself) and only its own third-party packages; Qt only in ``ui/``. Imports inside functions and
under ``if TYPE_CHECKING:`` count like any other. A second test imports everything outside
``ui/`` in a fresh interpreter and checks that PySide6 never loads.
"""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import nhsip_desktop

PACKAGE = "nhsip_desktop"
PACKAGE_ROOT = Path(nhsip_desktop.__file__).parent

# --- The table (docs/ARCHITECTURE.md, "Layers") ------------------------------------------------

# Top-level modules that are not domain modules; every other ``nhsip_desktop/*.py`` is domain,
# and so is any other subpackage: when modules move into subpackages, name their layer here
# (``test_every_listed_module_exists`` fails when a module listed here has moved).
# Any top-level module named ``cli_*`` is command line too (new sub-commands need no entry here).
GROUND_MODULES = {"errors", "safe_write"}
SERVICE_MODULES = {
    "annual_return",  # the annual return's figures, read from an open register
    "appconfig",  # per-user settings file (platformdirs)
    "demo",  # builds the demo register
    "demo_extras",
    "importer",  # spreadsheet import into a register
    "locations",  # where registers may live (uses appconfig)
    "messages",  # explanations of the store's open errors, for the CLI and the UI
}
CLI_MODULES = {"cli", "__main__", "selftest"}

LAYERS = ("ground", "domain", "store", "services", "reports", "hub", "cli", "ui")
# What each layer may import from the app.
MAY_IMPORT: dict[str, frozenset[str]] = {
    "ground": frozenset({"ground"}),
    "domain": frozenset({"ground", "domain"}),
    "store": frozenset({"ground", "domain", "store"}),
    "services": frozenset({"ground", "domain", "store", "services"}),
    "reports": frozenset({"ground", "domain", "store", "services", "reports"}),
    # The regional hub (server side, and the trust's pack builder): beside the reports.
    "hub": frozenset({"ground", "domain", "store", "services", "reports", "hub"}),
    "cli": frozenset({"ground", "domain", "store", "services", "reports", "hub", "cli"}),
    "ui": frozenset({"ground", "domain", "store", "services", "reports", "hub", "ui"}),
}
# Inside a function only: the command line starts the GUI (and its self-test) lazily.
MAY_IMPORT_LAZILY: dict[str, frozenset[str]] = {"cli": frozenset({"ui"})}
# The third-party packages each layer may import (the standard library is always allowed).
THIRD_PARTY: dict[str, frozenset[str]] = {
    "ground": frozenset(),
    "domain": frozenset(),
    "store": frozenset({"sqlcipher3", "sqlite_utils", "keyring", "cryptography"}),
    "services": frozenset({"platformdirs", "openpyxl"}),
    "reports": frozenset({"reportlab", "docx", "openpyxl"}),
    "hub": frozenset({"psycopg", "pyrage"}),
    "cli": frozenset({"pypdf"}),  # the self-test reads its PDF back
    "ui": frozenset({"PySide6", "shiboken6"}),
}
# One domain module reads PDF form fields (lazily, with pypdf).
MODULE_THIRD_PARTY: dict[str, frozenset[str]] = {"form_reader": frozenset({"pypdf"})}


def layer_of(module: str, package: str = PACKAGE) -> str:
    """The layer of a dotted module name inside ``package``."""
    parts = module.split(".")
    assert parts[0] == package, module
    if len(parts) == 1:
        return "ground"  # the package itself: the app's name and version
    top = parts[1]
    if top in ("store", "reports", "hub", "ui"):
        return top
    if len(parts) > 2:
        return "domain"
    if top in GROUND_MODULES:
        return "ground"
    if top in SERVICE_MODULES:
        return "services"
    if top in CLI_MODULES or top.startswith("cli_"):
        return "cli"
    return "domain"


# --- Reading imports ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Import:
    target: str  # dotted name: a module of the app, or a third-party/stdlib top-level name
    line: int
    lazy: bool  # inside a function
    names: tuple[str, ...] = ()  # for "from X import a, b": the names taken from X


def modules_in(root: Path, package: str) -> dict[str, Path]:
    """Every module of the package under ``root`` (``root`` is the package folder)."""
    found: dict[str, Path] = {}
    for path in sorted(root.rglob("*.py")):
        parts = [package, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _is_package(module: str, modules: dict[str, Path]) -> bool:
    return modules[module].name == "__init__.py"


def _resolve(name: str, modules: dict[str, Path], package: str) -> str:
    """An app import as the longest module it names (``a.b.Thing`` -> ``a.b``)."""
    if name.split(".")[0] != package:
        return name
    while name not in modules and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


def imports_of(module: str, modules: dict[str, Path], package: str) -> Iterator[Import]:
    """Every import in ``module``: top level, in functions, under TYPE_CHECKING, and
    ``importlib.import_module("name")`` with a constant name."""
    tree = ast.parse(modules[module].read_text(encoding="utf-8"), str(modules[module]))
    here = module if _is_package(module, modules) else module.rsplit(".", 1)[0]

    def visit(node: ast.AST, lazy: bool) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            inner = lazy or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield Import(_resolve(alias.name, modules, package), child.lineno, lazy)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base_parts = here.split(".")
                    base_parts = base_parts[: len(base_parts) - (child.level - 1)]
                    base = ".".join(base_parts + ([child.module] if child.module else []))
                else:
                    base = child.module or ""
                taken = tuple(alias.name for alias in child.names)
                submodules = [f"{base}.{name}" for name in taken if f"{base}.{name}" in modules]
                for sub in submodules:
                    yield Import(sub, child.lineno, lazy)
                rest = tuple(n for n in taken if f"{base}.{n}" not in modules)
                if rest or not submodules:
                    yield Import(_resolve(base, modules, package), child.lineno, lazy, rest)
            elif (
                isinstance(child, ast.Call)
                and child.args
                and isinstance(child.args[0], ast.Constant)
                and isinstance(child.args[0].value, str)
                and (
                    (isinstance(child.func, ast.Attribute) and child.func.attr == "import_module")
                    or (isinstance(child.func, ast.Name) and child.func.id == "__import__")
                )
            ):
                yield Import(_resolve(child.args[0].value, modules, package), child.lineno, lazy)
            yield from visit(child, inner)

    yield from visit(tree, False)


def violations(root: Path, package: str = PACKAGE) -> list[str]:
    """Every import that breaks the table, as "module:line: what is wrong"."""
    modules = modules_in(root, package)
    problems: list[str] = []
    for module in sorted(modules):
        layer = layer_of(module, package)
        relative = module.split(".", 1)[1] if "." in module else ""
        for imp in imports_of(module, modules, package):
            where = f"{module}:{imp.line}"
            first = imp.target.split(".")[0]
            if first == package:
                target_layer = layer_of(imp.target, package)
                allowed = MAY_IMPORT[layer] | (
                    MAY_IMPORT_LAZILY.get(layer, frozenset()) if imp.lazy else frozenset()
                )
                if target_layer not in allowed:
                    problems.append(
                        f"{where}: {layer} may not import {imp.target} ({target_layer})"
                    )
                private = [n for n in imp.names if n.startswith("_") and not n.startswith("__")]
                if private and target_layer != layer:
                    problems.append(
                        f"{where}: imports the private {', '.join(private)} of {imp.target} "
                        f"({target_layer}); make them public in a shared module"
                    )
                elif private and target_layer == "cli":
                    problems.append(
                        f"{where}: imports the command line's private {', '.join(private)} "
                        f"from {imp.target}; use the public cli_common module"
                    )
            elif first not in sys.stdlib_module_names:
                allowed_packages = THIRD_PARTY[layer] | MODULE_THIRD_PARTY.get(
                    relative, frozenset()
                )
                if first not in allowed_packages:
                    problems.append(f"{where}: {layer} may not import the package {first}")
    return problems


# --- The app obeys the table -------------------------------------------------------------------


def test_every_listed_module_exists() -> None:
    # The table names real modules: a moved or renamed module must be moved here too.
    modules = modules_in(PACKAGE_ROOT, PACKAGE)
    for name in GROUND_MODULES | SERVICE_MODULES | CLI_MODULES | set(MODULE_THIRD_PARTY):
        assert f"{PACKAGE}.{name}" in modules, name
    layers = {layer_of(m) for m in modules}
    assert layers == set(LAYERS)


def test_every_module_imports_only_what_its_layer_may() -> None:
    assert violations(PACKAGE_ROOT) == []


def test_qt_is_imported_only_in_ui() -> None:
    modules = modules_in(PACKAGE_ROOT, PACKAGE)
    qt_users = {
        module
        for module in modules
        for imp in imports_of(module, modules, PACKAGE)
        if imp.target.split(".")[0] in ("PySide6", "shiboken6")
    }
    assert qt_users, "the UI imports Qt: the reader must see it"
    assert {layer_of(m) for m in qt_users} == {"ui"}


def test_ui_never_imports_the_command_line() -> None:
    modules = modules_in(PACKAGE_ROOT, PACKAGE)
    ui = [m for m in modules if layer_of(m) == "ui"]
    assert len(ui) > 10
    bad = [
        f"{m} imports {imp.target}"
        for m in ui
        for imp in imports_of(m, modules, PACKAGE)
        if imp.target.startswith(PACKAGE) and layer_of(imp.target) == "cli"
    ]
    assert bad == []


def test_the_store_does_not_import_reports() -> None:
    modules = modules_in(PACKAGE_ROOT, PACKAGE)
    reached = {
        imp.target
        for m in modules
        if layer_of(m) == "store"
        for imp in imports_of(m, modules, PACKAGE)
        if imp.target.startswith(PACKAGE)
    }
    assert f"{PACKAGE}.safe_write" in reached  # it saves files through the ground floor
    assert not [t for t in reached if layer_of(t) in ("reports", "services", "cli", "ui")]


def test_the_hub_server_never_reads_a_register() -> None:
    # The hub (server side) verifies signatures and lays out PDFs; only the trust-side pack
    # builder (hub/pack.py) reads a register.
    modules = modules_in(PACKAGE_ROOT, PACKAGE)
    server = [m for m in modules if layer_of(m) == "hub" and m != f"{PACKAGE}.hub.pack"]
    assert f"{PACKAGE}.hub.db" in server
    allowed = {f"{PACKAGE}.store.{name}" for name in ("signing", "audit", "errors")}
    reached = {
        imp.target
        for m in server
        for imp in imports_of(m, modules, PACKAGE)
        if imp.target.startswith(PACKAGE) and layer_of(imp.target) == "store"
    }
    assert reached <= allowed, sorted(reached - allowed)


# --- The checker catches what it should (a synthetic package) ----------------------------------


def _tree(root: Path, files: dict[str, str]) -> Path:
    package = root / "pkg"
    for name, text in {"__init__.py": "", **files}.items():
        path = package / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return package


GOOD_TREE = {
    "errors.py": "class Problem(Exception): ...\n",
    "safe_write.py": "import os\nfrom .errors import Problem\n",
    "money.py": "from decimal import Decimal\nfrom . import errors\n",
    "importer.py": "from .store.cases import X\n",
    "store/__init__.py": "",
    "store/cases.py": "import sqlcipher3\nfrom ..money import Decimal\nfrom .. import safe_write\n",
    "reports/__init__.py": "",
    "reports/board.py": (
        "import reportlab\nfrom pkg.store.cases import X\nfrom ..importer import Y\n"
    ),
    "cli.py": "from .reports import board\n\ndef gui():\n    from .ui import app\n",
    "cli_extra.py": "from .cli import main\n",
    "ui/__init__.py": "",
    "ui/app.py": "from PySide6 import QtCore\nfrom ..reports.board import write\n",
}


@pytest.mark.parametrize(
    ("path", "text", "expected"),
    [
        ("money.py", "from .store.errors import X\n", "domain may not import pkg.store"),
        (
            "money.py",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .store.cases import C\n",
            "domain may not import pkg.store.cases",
        ),
        (
            "store/cases.py",
            "def save():\n    from ..reports.board import write\n",
            "store may not import pkg.reports.board",
        ),
        ("store/cases.py", "from .. import importer\n", "store may not import pkg.importer"),
        ("importer.py", "from .reports import board\n", "services may not import pkg.reports"),
        ("reports/board.py", "from ..cli import main\n", "reports may not import pkg.cli"),
        ("ui/app.py", "from pkg.cli import build_demo\n", "ui may not import pkg.cli"),
        ("ui/app.py", "def later():\n    import pkg.cli_extra\n", "ui may not import pkg.cli"),
        ("cli.py", "from .ui import app\n", "cli may not import pkg.ui"),  # only lazily
        ("money.py", "import PySide6.QtCore\n", "domain may not import the package PySide6"),
        ("reports/board.py", "from PySide6 import QtGui\n", "may not import the package PySide6"),
        ("store/cases.py", "import reportlab\n", "store may not import the package reportlab"),
        ("money.py", "import importlib\nimportlib.import_module('openpyxl')\n", "openpyxl"),
        ("errors.py", "from .money import Decimal\n", "ground may not import pkg.money"),
        ("cli_extra.py", "from .cli import _fail\n", "private _fail"),
        ("reports/board.py", "from ..importer import _helper\n", "private _helper"),
    ],
)
def test_the_checker_catches_a_bad_import(
    tmp_path: Path, path: str, text: str, expected: str
) -> None:
    assert violations(_tree(tmp_path / "good", GOOD_TREE), "pkg") == []
    bad = _tree(tmp_path / "bad", {**GOOD_TREE, path: GOOD_TREE.get(path, "") + text})
    found = violations(bad, "pkg")
    assert len(found) == 1, found
    assert expected in found[0]
    assert found[0].startswith("pkg." + path.removesuffix(".py").replace("/", ".") + ":")


# --- Nothing outside ui/ loads Qt at run time --------------------------------------------------


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
    assert "nhsip_desktop.store.register" in modules and "nhsip_desktop.app.cli" in modules
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
