"""Application-shell benchmark on a 100,000-case register (issue 3's targets).

    .venv/bin/python benchmarks/shell_benchmark.py [--cases 100000]

Builds (once, cached in benchmarks/out/) a demo register through the app's own store API,
then, in a fresh process with Qt offscreen, measures:
  * unlock: key check, structural verification and opening (``open_register``);
  * first rows: from the start of unlock to the main window having painted its first rows;
  * search as you type: 200 updates of the browser's search (query + model reset + repaint);
  * peak resident memory of that process.
Results go to benchmarks/results/shell.json and shell.md. Targets: first rows <= 0.3 s after
unlock, search p95 <= 100 ms, peak memory <= 400 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
OUT = ROOT / "out"
RESULTS = ROOT / "results"

WORDS = [
    "app",
    "splint",
    "dermatology",
    "leaflet",
    "video",
    "triage",
    "heel",
    "falls",
    "wound",
    "cannula",
    "guide",
    "school",
    "speech",
    "retinal",
    "database",
    "scoring",
    "pressure",
    "training",
    "protocol",
    "theatre",
    "paediatric",
    "stroke",
    "renal",
    "brand",
    "kelly",
    "adebayo",
    "lowe",
    "IP-2025",
    "IP-2026-00",
    "sensor",
    "printed",
    "catheter",
    "diet",
]


def queries(count: int) -> list[str]:
    """Typing simulated letter by letter: 'sp', 'spl', 'spli', ... (2+ characters search)."""
    out: list[str] = []
    i = 0
    while len(out) < count:
        word = WORDS[i % len(WORDS)]
        for end in range(2, len(word) + 1):
            out.append(word[:end])
        i += 1
    return out[:count]


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1))))
    return ordered[k]


def build(cases: int) -> tuple[Path, Path]:
    OUT.mkdir(exist_ok=True)
    path, key = OUT / f"bench-{cases}.nhsip", OUT / f"bench-{cases}.key.txt"
    if not path.exists():
        for stale in (key,):
            stale.unlink(missing_ok=True)
        exe = [sys.executable, "-m", "nhsip_desktop", "demo", str(path)]
        subprocess.run([*exe, "--recovery-key-out", str(key), "--cases", str(cases)], check=True)
    return path, key


def measure(path: Path, key_file: Path) -> dict[str, object]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from nhsip_desktop.store.audit import Actor
    from nhsip_desktop.store.unlock import open_register, read_recovery_key_file
    from nhsip_desktop.ui.app import make_app
    from nhsip_desktop.ui.main_window import MainWindow
    from nhsip_desktop.ui.session import RegisterSession

    recovery = read_recovery_key_file(key_file)
    actor = Actor("bench")
    # A first open moves the audit checkpoint past the bulk load, as any earlier session would.
    open_register(path, actor=actor, recovery_key=recovery).register.close()

    app = make_app()
    session = RegisterSession()
    window = MainWindow(session)
    window.show()
    app.processEvents()

    t0 = time.perf_counter()
    unlocked = open_register(path, actor=actor, recovery_key=recovery)
    t_unlocked = time.perf_counter()
    session.attach(unlocked.register)
    app.processEvents()
    window.cases_page.table.viewport().repaint()
    t_rows = time.perf_counter()
    assert window.cases_page.model.rowCount() > 0

    page = window.cases_page
    times = []
    for text in queries(200):
        start = time.perf_counter()
        page.search.setText(text)
        page.apply_search()
        page.table.viewport().repaint()
        QApplication.processEvents()
        times.append(time.perf_counter() - start)
    page.search.setText("")
    page.apply_search()

    # Scrolling to the end of an unfiltered browse, batch by batch.
    start = time.perf_counter()
    while page.model.canFetchMore():
        page.model.fetchMore()
    t_scroll = time.perf_counter() - start
    session.lock()
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "cases": unlocked.register.cases.count() if unlocked.register.is_open else None,
        "unlock_s": round(t_unlocked - t0, 4),
        "first_rows_after_unlock_s": round(t_rows - t_unlocked, 4),
        "first_rows_from_unlock_start_s": round(t_rows - t0, 4),
        "search_updates": len(times),
        "search_p50_ms": round(statistics.median(times) * 1000, 1),
        "search_p95_ms": round(percentile(times, 95) * 1000, 1),
        "search_max_ms": round(max(times) * 1000, 1),
        "fetch_all_rows_s": round(t_scroll, 3),
        "peak_rss_mb": round(peak_kib / 1024, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--child", nargs=2, metavar=("PATH", "KEYFILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(Path(args.child[0]), Path(args.child[1]))))
        return 0
    path, key = build(args.cases)
    result = subprocess.run(
        [sys.executable, __file__, "--child", str(path), str(key)],
        check=True,
        capture_output=True,
        text=True,
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    figures["cases"] = args.cases
    figures["register_mb"] = round(path.stat().st_size / 1e6, 1)
    figures["machine"] = (
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    figures["date"] = time.strftime("%Y-%m-%d")
    targets = {
        "first_rows_after_unlock_s": 0.3,
        "search_p95_ms": 100,
        "peak_rss_mb": 400,
    }
    figures["targets"] = {k: {"target": v, "met": figures[k] <= v} for k, v in targets.items()}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "shell.json").write_text(json.dumps(figures, indent=2) + "\n")
    rows = [
        ("Unlock (key check, structural check, open)", f"{figures['unlock_s']} s", ""),
        ("First rows after unlock", f"{figures['first_rows_after_unlock_s']} s", "<= 0.3 s"),
        (
            "Search update p50 / p95 (200 updates)",
            f"{figures['search_p50_ms']} / {figures['search_p95_ms']} ms",
            "p95 <= 100 ms",
        ),
        ("Fetch every row (scroll to the end)", f"{figures['fetch_all_rows_s']} s", ""),
        ("Peak memory (RSS)", f"{figures['peak_rss_mb']} MB", "<= 400 MB"),
    ]
    table = ["| measure | result | target |", "|---|---|---|"]
    table += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    header = (
        f"Shell benchmark, {args.cases:,} cases ({figures['register_mb']} MB register), "
        f"{figures['machine']}, {figures['date']}\n\n"
    )
    (RESULTS / "shell.md").write_text(header + "\n".join(table) + "\n")
    print(header + "\n".join(table))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
