"""Time and peak memory of importing a large CSV through the command line (issue 22 item 5).

    .venv/bin/python benchmarks/import_rows.py --rows 100000

Writes a CSV of ``--rows`` fictional cases (ten columns, UK dates, two contributors a row) and a
mapping into a temporary folder, creates a register there, and runs ``nhsip-desktop import``
in a fresh process; prints the wall time, the processor time it used (on a shared machine the
wall time mostly measures the other programs) and its peak resident memory (RSS).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEADINGS = [
    "Project title", "Description", "Status", "Type of IP", "Inventor", "Date received",
    "Next step", "Due date", "Inventors and shares", "Problem",
]  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    root = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        source = base / "register.csv"
        with source.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(HEADINGS)
            for n in range(args.rows):
                writer.writerow([
                    f"Imported innovation number {n:06d}",
                    "A device that makes a ward task quicker and safer for patients. " * 2,
                    ("Submitted", "In triage", "Active", "Closed")[n % 4],
                    "Design; Software",
                    "Dr Aoife Kelly",
                    f"{1 + n % 28:02d}/{1 + n % 12:02d}/20{15 + n % 10}",
                    "Meet the clinical lead",
                    "",
                    "Aoife Kelly 60; Sam Lee 40",
                    "Cannulas slip out when patients move",
                ])  # fmt: skip
        mapping = base / "mapping.json"
        mapping.write_text(
            json.dumps(
                {
                    "format": "nhsip-import-mapping",
                    "version": 1,
                    "header_row": 1,
                    "columns": {
                        "Project title": "title",
                        "Description": "summary",
                        "Status": "stage",
                        "Type of IP": "ip_kinds",
                        "Inventor": "lead_innovator",
                        "Date received": "received_on",
                        "Next step": "next_action",
                        "Due date": "next_action_due",
                        "Inventors and shares": "contributors",
                        "Problem": "problem",
                    },
                }
            ),
            encoding="utf-8",
        )
        register, key = base / "trust.nhsip", base / "key.txt"
        env = {**os.environ, "NHSIP_CONFIG_DIR": str(base / "config")}
        env["NHSIP_DATA_DIR"] = str(base / "data")
        command = [sys.executable, "-m", "nhsip_desktop"]
        subprocess.run(
            [*command, "init", str(register), "--recovery-key-out", str(key)],
            check=True, env=env, cwd=root, capture_output=True,
        )  # fmt: skip
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        load = os.getloadavg()[0]
        started = time.perf_counter()
        result = subprocess.run(
            [*command, "import", str(register), str(source), "--mapping", str(mapping),
             "--recovery-key-file", str(key)],
            env=env, cwd=root, capture_output=True, text=True, check=False,
        )  # fmt: skip
        elapsed = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        peak_kib = after.ru_maxrss  # the largest of the two commands: the import
        size_mb = source.stat().st_size / 1024 / 1024
        print(result.stdout.strip()[-300:], result.stderr.strip()[-300:], sep="\n")
        print(
            f"{args.rows:,} rows ({size_mb:.1f} MB CSV): exit {result.returncode}, "
            f"{elapsed:.1f} s ({cpu:.1f} s of processor time; load average "
            f"{load:.1f} when it started, on {os.cpu_count()} processors), "
            f"peak RSS {peak_kib / 1024:.0f} MB"
        )
        return result.returncode


if __name__ == "__main__":
    raise SystemExit(main())
