"""Ratios to the floor (issue 24): the app against the least a program could do, timed in
alternating pairs in one run so that a slow spell on a shared machine falls on both sides.

    .venv/bin/python benchmarks/floor.py                 # 2,000-case demo register, 7 pairs
    .venv/bin/python benchmarks/floor.py --cases 100000 --pairs 5

* ``cases``: ``nhsip-desktop cases PATH --recovery-key-file F`` against a script that opens
  the register with ``sqlcipher3`` (``PRAGMA key`` with the raw key and salt, the app's
  pragmas) and prints the same rows (checked equal). Process start to exit.
* ``start to rows``: ``nhsip-desktop --open PATH --recovery-key-file F --exit-when-ready``
  against a bare PySide6 main window with a 50-row table. Process start to the line each
  prints after its table has painted rows (Qt offscreen).

The ratio is the median of the pairs' ratios; each run is a fresh process, with the app's
bytecode compiled beforehand (``compileall``) and one warm-up run of each side. The table is
written into ``benchmarks/results.md`` between markers for the register's size (the rest is kept).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
TARGET = 3.0

RAW_CASES = r"""
import sys
import sqlcipher3.dbapi2 as dbapi2

path, = sys.argv[1:]
key_hex, salt_hex = sys.stdin.read().split()
conn = dbapi2.connect("file:" + path + "?mode=rwc", uri=True, isolation_level=None)
conn.execute(f"PRAGMA key = \"x'{key_hex}{salt_hex}'\"")
conn.execute("PRAGMA cipher_log_level = NONE")
conn.execute("PRAGMA cipher_memory_security = OFF")
conn.execute("PRAGMA journal_mode = WAL")
conn.execute("PRAGMA synchronous = FULL")
conn.execute("PRAGMA foreign_keys = ON")
conn.execute("PRAGMA temp_store = MEMORY")
conn.execute("PRAGMA cache_size = -131072")
conn.execute("PRAGMA busy_timeout = 5000")
out = sys.stdout
for reference, stage, title in conn.execute(
    "SELECT reference, stage, title FROM cases ORDER BY ref_year DESC, ref_number DESC"
):
    title = title.replace("\t", " ").replace("\n", " ")
    out.write(f"{reference}\t{stage}\t{title}\n")
out.flush()
conn.close()
"""

BARE_WINDOW = r"""
import sys
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QTableWidget, QTableWidgetItem

app = QApplication(sys.argv[:1])
window = QMainWindow()
table = QTableWidget(50, 3)
for row in range(50):
    for column in range(3):
        table.setItem(row, column, QTableWidgetItem(f"row {row} column {column}"))
window.setCentralWidget(table)
window.resize(1320, 800)


class Painted(QObject):
    done = False

    def eventFilter(self, watched, event):
        if not self.done and event.type() == QEvent.Type.Paint:
            self.done = True
            QTimer.singleShot(0, ready)
        return False


def ready():
    print("ready: 50 rows", flush=True)
    window.close()
    app.exit(0)


painted = Painted()
table.viewport().installEventFilter(painted)
window.show()
sys.exit(app.exec())
"""


def _app_command() -> list[str]:
    script = Path(sys.executable).with_name("nhsip-desktop")
    return [str(script)] if script.exists() else [sys.executable, "-m", "nhsip_desktop"]


def _run_to_exit(
    cmd: list[str], stdin: str | None = None, env: dict[str, str] | None = None
) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(cmd, input=stdin, capture_output=True, text=True, check=True, env=env)
    return time.perf_counter() - start, done.stdout


def _run_to_ready(cmd: list[str], env: dict[str, str]) -> float:
    """Seconds from spawning ``cmd`` to the line that says its rows were painted."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    for line in proc.stdout:
        if "ready" in line:
            elapsed = time.perf_counter() - start
            break
    else:
        proc.wait()
        raise RuntimeError(f"{cmd[0]} never said it was ready (exit {proc.returncode})")
    proc.stdout.read()
    if proc.wait() != 0:
        raise RuntimeError(f"{cmd} exited with {proc.returncode}")
    return elapsed


def _key_and_salt(register: Path, key_file: Path) -> str:
    sys.path.insert(0, str(ROOT.parent))
    from nhsip_desktop.store.header import read_header
    from nhsip_desktop.store.recovery import decode_recovery_key
    from nhsip_desktop.store.unlock import read_recovery_key_file

    key = decode_recovery_key(read_recovery_key_file(key_file))
    return f"{key.hex()} {read_header(register).salt.hex()}"


def _pairs(app: object, floor: object, pairs: int) -> list[tuple[float, float]]:
    out = []
    for i in range(pairs):
        # Alternate which side goes first, so neither always follows the other.
        if i % 2 == 0:
            a = app()  # type: ignore[operator]
            f = floor()  # type: ignore[operator]
        else:
            f = floor()  # type: ignore[operator]
            a = app()  # type: ignore[operator]
        out.append((a, f))
    return out


def _summary(name: str, results: list[tuple[float, float]]) -> dict[str, object]:
    ratio = statistics.median(a / f for a, f in results)
    return {
        "name": name,
        "app": statistics.median(a for a, _ in results),
        "floor": statistics.median(f for _, f in results),
        "ratio": ratio,
        "pairs": len(results),
        "met": ratio <= TARGET,
    }


def _write(rows: list[dict[str, object]], cases: int, results: Path) -> str:
    # One block per register size, replaced by the next run at that size.
    begin, end = f"<!-- floor {cases}: begin -->", f"<!-- floor {cases}: end -->"
    lines = [
        begin,
        f"Ratios to the floor ({cases:,}-case demo register; {platform.processor() or 'CPU'}, "
        f"{os.cpu_count()} cores shared, Python {platform.python_version()}; "
        f"{time.strftime('%Y-%m-%d %H:%M')}; `benchmarks/floor.py`): app and floor alternate "
        "in pairs in one run, each a fresh process; the ratio is the median of the pairs' "
        f"ratios; target <= {TARGET:g}x.",
        "",
        "| measure | app | floor | ratio | pairs | met |",
        "|---|---|---|---|---|---|",
    ]
    old = results.read_text() if results.exists() else ""
    if begin in old and end in old:  # keep the other measure's row from an --only run
        kept = old[old.index(begin) : old.index(end)].splitlines()
        names = {f"| {r['name']} |" for r in rows}
        lines += [
            line
            for line in kept
            if line.startswith("| ")
            and not line.startswith(("| measure", "|---"))
            and not any(line.startswith(n) for n in names)
        ]
    for r in rows:
        lines.append(
            f"| {r['name']} | {r['app']:.3f} s | {r['floor']:.3f} s | {r['ratio']:.2f}x | "
            f"{r['pairs']} | {'yes' if r['met'] else 'no'} |"
        )
    lines.append(end)
    block = "\n".join(lines) + "\n"
    if begin in old and end in old:
        new = old[: old.index(begin)] + block + old[old.index(end) + len(end) + 1 :]
    else:
        new = old.rstrip("\n") + ("\n\n" if old else "") + block
    results.write_text(new)
    return block


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--pairs", type=int, default=7)
    parser.add_argument("--work", type=Path, help="folder for the demo register (kept)")
    parser.add_argument("--results", type=Path, default=ROOT / "results.md")
    parser.add_argument("--only", choices=("cases", "start"), help="one measure only")
    args = parser.parse_args(argv)

    work = args.work or Path(tempfile.gettempdir()) / f"nhsip-floor-{args.cases}"
    work.mkdir(parents=True, exist_ok=True)
    register, key_file = work / "demo.nhsip", work / "demo.key"
    app = _app_command()
    if not register.exists():
        print(f"building a {args.cases:,}-case demo register in {work}", flush=True)
        subprocess.run(
            [*app, "demo", str(register), "--recovery-key-out", str(key_file),
             "--cases", str(args.cases)],
            check=True,
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
    # Compiled bytecode present, as in an installed or frozen app (this machine's environment
    # may set PYTHONDONTWRITEBYTECODE, which would make every run compile the app again).
    import compileall

    compileall.compile_dir(str(ROOT.parent / "nhsip_desktop"), quiet=1)
    secret = _key_and_salt(register, key_file)
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    raw = work / "raw_cases.py"
    raw.write_text(RAW_CASES)
    bare = work / "bare_window.py"
    bare.write_text(BARE_WINDOW)
    cases_cmd = [*app, "cases", str(register), "--recovery-key-file", str(key_file)]
    # The app's own settings folder for `cases`: on a shared machine another session's
    # export in progress (listed in the user's settings folder) would otherwise make every
    # start look for its leftovers.
    cases_env = {**os.environ, "NHSIP_CONFIG_DIR": str(work / "config")}
    start_cmd = [
        *app, "--open", str(register), "--recovery-key-file", str(key_file), "--exit-when-ready",
    ]  # fmt: skip

    rows = []
    if args.only in (None, "cases"):
        _, app_out = _run_to_exit(cases_cmd, env=cases_env)  # warm-up: bytecode, file cache
        _, raw_out = _run_to_exit([sys.executable, str(raw), str(register)], secret)
        if app_out != raw_out:
            raise SystemExit("the raw read printed other rows than `nhsip-desktop cases`")
        results = _pairs(
            lambda: _run_to_exit(cases_cmd, env=cases_env)[0],
            lambda: _run_to_exit([sys.executable, str(raw), str(register)], secret)[0],
            args.pairs,
        )
        rows.append(_summary(f"`cases` ({app_out.count(chr(10)):,} rows printed)", results))
        print(rows[-1], flush=True)
    if args.only in (None, "start"):
        _run_to_ready(start_cmd, env)  # warm-up (and the first closing backup, if due)
        _run_to_ready([sys.executable, str(bare)], env)
        results = _pairs(
            lambda: _run_to_ready(start_cmd, env),
            lambda: _run_to_ready([sys.executable, str(bare)], env),
            args.pairs,
        )
        rows.append(_summary("start to rows (`--exit-when-ready`)", results))
        print(rows[-1], flush=True)
    print(_write(rows, args.cases, args.results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
