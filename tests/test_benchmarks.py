"""Smoke test of the performance suite (benchmarks/): generate and run at a tiny size.

The full-size runs (100,000 cases) are not part of the test suite; this only proves that the
generator builds a valid register through the store API and that the runner measures
everything and writes a complete results file.
"""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks import generate, run
from nhsip_desktop.store.register import Register


def test_generate_and_run_tiny(tmp_path: Path) -> None:
    out = tmp_path / "out"
    paths = generate.generate(50, audit_rows=400, out=out, quiet=True)
    with Register.open(paths.register, generate.BENCH_KEY, actor=generate.ACTOR) as register:
        assert register.cases.count() == 50
        assert register.verify_audit().ok
        assert register.audit.count() >= 400
        assert len(register.rights.all()) == 15
    assert paths.plain.read_bytes()[:16] == b"SQLite format 3\x00"  # the plaintext copy
    assert paths.register.read_bytes()[:4] != b"SQLi"

    code = run.main(
        [
            *("--cases", "50", "--repeats", "1", "--heavy-repeats", "1", "--queries", "6"),
            *("--store-pairs", "1"),
            *("--out", str(out), "--results", str(tmp_path), "--quiet"),
        ]
    )
    assert code == 0
    figures = json.loads((tmp_path / "results.json").read_text())
    measures = figures["measures"]
    for name in (*run.UI_MEASURES, *run.REPORT_MEASURES):
        for stat in ("p50_s", "p95_s", "peak_rss_mb"):
            value = measures[name][stat]
            assert isinstance(value, int | float) and value > 0, (name, stat, value)
    assert measures["search"]["runs"] == 6
    for op in run.STORE_OPS:
        got = measures["encryption"]["ops"][op]
        assert got["encrypted_p50_s"] > 0 and got["plain_p50_s"] > 0 and got["ratio"] > 0
    assert {t["label"] for t in figures["targets"]} == {t[3] for t in run.TARGETS}
    assert all(isinstance(t["met"], bool) for t in figures["targets"])
    table = (tmp_path / "results.md").read_text()
    assert "Board summary PDF" in table and "ratio" in table
