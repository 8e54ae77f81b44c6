"""``nhsip-desktop --self-test``: prove that an installed or frozen build works, then exit.

For IT staff and the build script. In a temporary folder that is removed afterwards it
creates a register under a random key (the OS keyring is never touched), writes a case with
its disclosure, reopens the file from disk (verifying the header, pages and migrations),
reads the case back, renders a PDF report and reads its text back, verifies the whole audit
chain and loads every bundled resource. Unless ``gui`` is false it then opens the main window
offscreen on that register and checks that the case list shows rows, which proves the Qt
plugins were bundled. Nothing about any real register is read or written.

Exit code 0 when every step passed, 1 when one failed. Each step's outcome is one line.
"""

from __future__ import annotations

import contextlib
import secrets
import shutil
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from nhsip_desktop import __version__

__all__ = ["SelfTestResult", "run_self_test"]

_TITLE = "Self-test: a pressure-ulcer risk app"


@dataclass
class SelfTestResult:
    steps: list[tuple[str, bool, str]] = field(default_factory=list)
    keyring: str = ""

    @property
    def ok(self) -> bool:
        return bool(self.steps) and all(passed for _n, passed, _d in self.steps)


def _resources() -> str:
    from nhsip_desktop.assets.fees import default_fee_schedule
    from nhsip_desktop.core.resources import resource_path
    from nhsip_desktop.guidance.checklists import ChecklistLibrary

    library = ChecklistLibrary.load()
    schedule = default_fee_schedule()
    style = resource_path("styles", "app.qss")
    if not style.is_file():
        raise FileNotFoundError(f"the style sheet is missing: {style}")
    policies = sorted(resource_path("policies").glob("*.json"))
    if not policies:
        raise FileNotFoundError("no revenue-sharing policy files were bundled")
    if not library.checklists:
        raise FileNotFoundError("no checklists were bundled")
    return (
        f"{len(library.checklists)} checklists, fee schedule {schedule.name}, "
        f"{len(policies)} revenue-sharing polic{'y' if len(policies) == 1 else 'ies'}"
    )


def _keyring_note() -> str:
    from nhsip_desktop.store.keystore import keyring_problem

    problem = keyring_problem()
    return "a safe OS keyring is available" if problem is None else f"not usable ({problem})"


def run_self_test(
    *, gui: bool = True, say: Callable[[str], None] | None = None, folder: Path | None = None
) -> SelfTestResult:
    """Run every step (stopping at the first failure that leaves later steps meaningless)."""
    from nhsip_desktop.cases.disclosure import Contributor, Disclosure, Relationship
    from nhsip_desktop.cases.model import IpKind
    from nhsip_desktop.store.audit import Actor
    from nhsip_desktop.store.register import REGISTER_SUFFIX, Register

    result = SelfTestResult()
    if say is not None:
        say(f"nhsip-desktop {__version__} self-test")
    work = Path(tempfile.mkdtemp(prefix="nhsip-selftest-", dir=folder))
    actor = Actor("self-test", "Self-test")
    key = secrets.token_bytes(32)
    path = work / f"self-test{REGISTER_SUFFIX}"
    state: dict[str, Any] = {}

    def step(name: str, action: Callable[[], str]) -> bool:
        started = time.perf_counter()
        try:
            detail = action()
        except Exception as exc:  # the self-test reports every failure as a line
            detail = f"{type(exc).__name__}: {exc}"
            if say is not None:
                for line in traceback.format_exc().rstrip().splitlines()[-6:]:
                    say(f"      {line}")
            passed = False
        else:
            passed = True
        detail = f"{detail} ({(time.perf_counter() - started) * 1000:.0f} ms)"
        result.steps.append((name, passed, detail))
        if say is not None:
            say(f"{'PASS' if passed else 'FAIL'}  {name}: {detail}")
        return passed

    def create() -> str:
        register = Register.create(
            path, actor=actor, organisation="Self-test NHS Trust", data_key=key
        )
        state["register"] = register
        return f"encrypted register {register.register_id} in a temporary folder"

    def write() -> str:
        register = state["register"]
        disclosure = Disclosure(
            contributors=[
                Contributor(
                    name="A Nurse",
                    relationship=Relationship.EMPLOYEE_CLINICAL,
                    share=Decimal(100),
                )
            ]
        )
        case = register.cases.save_disclosure(
            None,
            title=_TITLE,
            summary="A checklist that scores risk at the bedside.",
            ip_kinds=[IpKind.COPYRIGHT],
            disclosure=disclosure,
        )
        state["case_id"] = case.id
        state["reference"] = case.reference
        register.close()
        return f"case {case.reference} with its disclosure and contributor, in one transaction"

    def reopen() -> str:
        register = Register.open(path, key, actor=actor, thorough=True)
        state["register"] = register
        case = register.cases.get(state["case_id"])
        if case.title != _TITLE or case.reference != state["reference"]:
            raise AssertionError("the case read back differs from the one written")
        names = [c.name for c in register.cases.details(case.id).contributors]
        if names != ["A Nurse"]:
            raise AssertionError(f"contributors read back as {names}")
        return "header, pages and schema verified; the case reads back unchanged"

    def pdf() -> str:
        from pypdf import PdfReader

        from nhsip_desktop.reports.dossier import write_dossier

        target = work / "dossier.pdf"
        write_dossier(state["register"], state["case_id"], target)
        text = "".join(page.extract_text() or "" for page in PdfReader(target).pages)
        if state["reference"] not in text:
            raise AssertionError("the PDF does not show the case reference")
        return f"case dossier, {target.stat().st_size:,} bytes, text read back"

    def audit() -> str:
        register = state["register"]
        verdict = register.verify_audit()
        if not verdict.ok:
            raise AssertionError(verdict.problem or f"broken at row {verdict.first_broken_seq}")
        return f"{verdict.checked_rows} rows, every link verified"

    def window() -> str:
        from nhsip_desktop.ui.selftest import check_main_window

        register = state.pop("register")
        return check_main_window(register)

    try:
        steps: list[tuple[str, Callable[[], str]]] = [
            ("Bundled resources", _resources),
            ("Create", create),
            ("Write", write),
            ("Reopen and read", reopen),
            ("PDF report", pdf),
            ("Audit chain", audit),
        ]
        if gui:
            steps.append(("Main window (offscreen)", window))
        for name, action in steps:
            if not step(name, action):
                break
        result.keyring = _keyring_note()
        if say is not None:
            say(f"NOTE  OS keyring (not used by the self-test): {result.keyring}")
    finally:
        register = state.get("register")
        if register is not None and register.is_open:
            with contextlib.suppress(Exception):
                register.close()
        shutil.rmtree(work, ignore_errors=True)
    return result
