"""The regional hub at scale: 40 trusts' packs of 2,500 cases each (100,000 cases).

Synthetic packs are made directly in the pack format (``hub/pack.py``: CSV sections, a signed
manifest, age encryption), each trust with its own signing key, pinned in the hub. Measured
on a throwaway PostgreSQL server (PostgreSQL's default durability settings):

- ingest: ``hub/db.ingest_files`` for all 40 packs (decrypt, verify, one transaction each,
  COPY into staging tables and INSERT under row-level security), against a bare ``COPY`` of
  the same CSV rows straight into the same tables (as a superuser, one transaction per trust,
  no decryption or checks): target at most 2x;
- the consolidated PDF report over all 40 trusts: target at most 5 s;
- a trust's pipeline (``queries.trust_pipeline``) as the hub admin and as a role granted one
  trust: p95 target at most 50 ms.

    .venv/bin/python -m benchmarks.hub [--trusts 40] [--cases 2500] [--repeats 3] [--write]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import psycopg
import pyrage
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from psycopg import sql

from benchmarks.pg_throwaway import throwaway_server
from nhsip_desktop.hub import db, queries
from nhsip_desktop.hub.pack import (
    SECTIONS,
    PackContents,
    encode_csv,
    make_pack_bytes,
    open_pack,
)
from nhsip_desktop.hub.report import write_hub_report
from nhsip_desktop.store.signing import public_key_pem

OWNER = "hubowner"
STAGES = ["submitted", "in_triage", "decision_made", "active", "closed"]
KINDS = ["invention", "copyright", "design", "software", "know_how", "data"]
TODAY = dt.date(2026, 11, 30)


def synthetic_contents(ods: str, cases: int, rng: random.Random) -> PackContents:
    """One trust's pack contents: ``cases`` cases, about 2 deadlines per case, a right for
    every 4th case with 5 renewals each, an agreement for every 25th case, 6 years of money,
    and the five actions."""
    contents = PackContents(ods, f"Trust {ods}", f"reg{ods}", False, TODAY)

    def day(spread: int) -> dt.date:
        return TODAY + dt.timedelta(days=rng.randint(-spread, spread))

    case_rows, deadline_rows, right_rows, renewal_rows, agreement_rows = [], [], [], [], []
    for n in range(cases):
        ref = f"IP-{2020 + n % 7}-{n + 1:04d}"
        received = day(2000)
        stage = rng.choice(STAGES)
        decided = stage in ("decision_made", "active", "closed")
        case_rows.append(
            (
                ref,
                stage,
                "; ".join(rng.sample(KINDS, rng.randint(1, 2))),
                received,
                received + dt.timedelta(days=30),
                received + dt.timedelta(days=rng.randint(5, 60)) if decided else None,
                "Proceed" if decided else "",
                "Licence" if stage == "active" else "",
                received + dt.timedelta(days=90) if stage == "active" else None,
                "",
                "",
            )
        )
        for _ in range(2):
            deadline_rows.append((day(400), rng.choice(["action", "feedback", "renewal"]), ref, ""))
        if n % 4 == 0:
            right_id = n // 4 + 1
            filed = day(1500)
            right_rows.append(
                (right_id, ref, "patent", "GB", "granted", filed, filed, None, day(300), "")
            )
            for year in range(5, 10):
                renewal_rows.append(
                    (right_id, year, filed + dt.timedelta(days=365 * year), Decimal("100.00"), None)
                )
        if n % 25 == 0:
            signed = day(1000)
            agreement_rows.append(
                (f"AG-{n:05d}", "licence", "Partner Ltd", signed, signed, signed, "")
            )
    money_rows = [
        (year, Decimal(rng.randint(0, 90_000)), Decimal(rng.randint(0, 200_000)))
        for year in range(2020, 2026)
    ]
    action_rows = [
        (key, key, rng.choice(["Met", "Partly met", "Not met"]))
        for key in ("sro", "policy", "ttc", "publish", "training")
    ]
    for name, rows in (
        ("cases", case_rows),
        ("deadlines", deadline_rows),
        ("rights", right_rows),
        ("renewals", renewal_rows),
        ("agreements", agreement_rows),
        ("money", money_rows),
        ("actions", action_rows),
    ):
        data, count = encode_csv(SECTIONS[name], rows)
        contents.files[name], contents.counts[name] = data, count
    return contents


def make_packs(
    folder: Path, trusts: int, cases: int, recipient: pyrage.x25519.Recipient
) -> list[tuple[str, bytes, Path, PackContents]]:
    rng = random.Random(25)
    made = []
    for t in range(trusts):
        ods = f"R{t:03d}"
        key = Ed25519PrivateKey.generate()
        public = key.public_key().public_bytes_raw()
        contents = synthetic_contents(ods, cases, rng)
        path = folder / f"{ods}.hubpack"
        path.write_bytes(make_pack_bytes(contents, public, key.sign, recipient))
        made.append((ods, public, path, contents))
    return made


def fresh_hub(server: object, name: str, folder: Path) -> tuple[str, pyrage.x25519.Identity]:
    with psycopg.connect(server.dsn(), autocommit=True) as conn:  # type: ignore[attr-defined]
        conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(
            sql.Identifier(name), sql.Identifier(OWNER)
        ))  # fmt: skip
    dsn = str(server.dsn(name, OWNER))  # type: ignore[attr-defined]
    ident, recip = folder / f"{name}.identity", folder / f"{name}.recipient"
    db.init_hub(dsn, ident, recip)
    from nhsip_desktop.hub.pack import read_identity

    return dsn, read_identity(ident)


def bare_copy(dsn: str, packs: list[tuple[str, bytes, Path, PackContents]]) -> float:
    """COPY the same CSV rows straight into the hub's tables: no decryption, no checks."""
    start = time.perf_counter()
    with psycopg.connect(dsn, autocommit=True) as conn:
        for ods, _public, _path, contents in packs:
            with conn.transaction():
                conn.execute("SELECT set_config('hub.ingest_ods', %s, true)", (ods,))
                for table in SECTIONS:
                    columns = sql.SQL(", ").join(sql.Identifier(c) for c in SECTIONS[table])
                    statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv, HEADER true)")
                    with (
                        conn.cursor() as cur,
                        cur.copy(statement.format(sql.Identifier("hub", table), columns)) as copy,
                    ):
                        copy.write(contents.files[table])
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trusts", type=int, default=40)
    parser.add_argument("--cases", type=int, default=2500, help="cases per trust")
    parser.add_argument("--repeats", type=int, default=3, help="ingest/COPY pairs (median)")
    parser.add_argument("--queries", type=int, default=400, help="pipeline queries timed")
    parser.add_argument("--write", action="store_true", help="append to benchmarks/results.md")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp, throwaway_server(durable=True, port=5439) as server:
        folder = Path(tmp)
        with psycopg.connect(server.dsn(), autocommit=True) as conn:
            conn.execute(f"CREATE ROLE {OWNER} LOGIN CREATEROLE")
        # One hub identity for every pack: the databases below share it.
        identity = pyrage.x25519.Identity.generate()
        t0 = time.perf_counter()
        packs = make_packs(folder, args.trusts, args.cases, identity.to_public())
        made = time.perf_counter() - t0
        total_cases = sum(p[3].counts["cases"] for p in packs)
        total_rows = sum(sum(p[3].counts.values()) for p in packs)
        size = sum(p[2].stat().st_size for p in packs)
        print(
            f"{len(packs)} packs, {total_cases:,} cases, {total_rows:,} rows, "
            f"{size / 1e6:.1f} MB, made in {made:.1f} s",
            flush=True,
        )
        ingest_times, copy_times = [], []
        dsn = ""
        for r in range(args.repeats):
            # A bare COPY into a fresh hub (as the superuser: COPY under RLS is refused).
            base_dsn, _ = fresh_hub(server, f"bare{r}", folder)
            copy_times.append(bare_copy(base_dsn.replace(f"user={OWNER}", "user=hub_super"), packs))
            dsn, _ = fresh_hub(server, f"hub{r}", folder)
            for ods, public, _path, _c in packs:
                db.add_trust(dsn, ods, f"Trust {ods}", public_key_pem(public))
            start = time.perf_counter()
            results = db.ingest_files(dsn, [p[2] for p in packs], identity)
            ingest_times.append(time.perf_counter() - start)
            assert all(x.outcome == "loaded" for x in results), results[:3]
            print(
                f"repeat {r + 1}: ingest {ingest_times[-1]:.2f} s, bare COPY "
                f"{copy_times[-1]:.2f} s",
                flush=True,
            )
        # Ingest of one pack again: unchanged (idempotence at scale).
        start = time.perf_counter()
        again = db.ingest_files(dsn, [packs[0][2]], identity)
        again_s = time.perf_counter() - start
        assert again[0].outcome == "unchanged"
        ingest, bare = statistics.median(ingest_times), statistics.median(copy_times)
        # Checking one pack: decrypt + unzip + hashes (no database).
        start = time.perf_counter()
        open_pack(packs[0][2].read_bytes(), identity)
        open_s = time.perf_counter() - start

        with psycopg.connect(dsn) as conn:
            conn.execute("ANALYZE")
            conn.commit()
            report_times = []
            for _ in range(3):
                start = time.perf_counter()
                write_hub_report(conn, folder / "hub.pdf", today=TODAY)
                report_times.append(time.perf_counter() - start)
            report_s = statistics.median(report_times)
            pages = (folder / "hub.pdf").read_bytes().count(b"/Type /Page\n")
            admin_ms = _pipeline_times(conn, [p[0] for p in packs], args.queries)
        db.grant_trust(dsn, packs[0][0], "bench_reader")
        with psycopg.connect(server.dsn("postgres"), autocommit=True) as conn:
            conn.execute("ALTER ROLE bench_reader LOGIN")
        with psycopg.connect(dsn.replace(f"user={OWNER}", "user=bench_reader")) as conn:
            reader_ms = _pipeline_times(conn, [packs[0][0]], args.queries)

    p95_admin = _p95(admin_ms)
    p95_reader = _p95(reader_ms)
    ratio = ingest / bare
    lines = [
        f"## Regional hub: {args.trusts} trusts x {args.cases:,} cases "
        f"({total_cases:,} cases, {total_rows:,} rows) ({dt.date.today():%d/%m/%Y})",
        "",
        "`python -m benchmarks.hub"
        + (
            ""
            if (args.trusts, args.cases) == (40, 2500)
            else f" --trusts {args.trusts} --cases {args.cases}"
        )
        + "`: synthetic packs in the pack format (each trust its own pinned signing key), a "
        "throwaway PostgreSQL 15 with its default durability (fsync on), on the shared "
        "2-core machine while other work ran. Median of "
        f"{args.repeats} alternating pairs; packs total {size / 1e6:.1f} MB.",
        "",
        "| measure | result | target | met |",
        "|---|---|---|---|",
        f"| ingest of all packs (decrypt, verify, COPY to staging + INSERT under RLS, one "
        f"transaction per pack) | {ingest:.2f} s | | |",
        f"| bare COPY of the same rows into the same tables | {bare:.2f} s | | |",
        f"| ingest / bare COPY | {ratio:.2f}x | at most 2x | {'yes' if ratio <= 2 else 'NO'} |",
        f"| the same pack again (unchanged, nothing written) | {again_s * 1000:.0f} ms | | |",
        f"| opening one pack (decrypt, unzip, hashes) | {open_s * 1000:.0f} ms | | |",
        f"| consolidated PDF report ({pages} pages) | {report_s:.2f} s | at most 5 s | "
        f"{'yes' if report_s <= 5 else 'NO'} |",
        f"| trust pipeline p95, hub admin ({len(admin_ms)} queries) | {p95_admin:.1f} ms | "
        f"at most 50 ms | {'yes' if p95_admin <= 50 else 'NO'} |",
        f"| trust pipeline p95, role granted one trust | {p95_reader:.1f} ms | at most 50 ms | "
        f"{'yes' if p95_reader <= 50 else 'NO'} |",
        "",
        "Repeats (ingest / bare COPY, s): "
        + ", ".join(f"{i:.2f} / {c:.2f}" for i, c in zip(ingest_times, copy_times, strict=True))
        + ".",
        "",
    ]
    print("\n".join(lines))
    if args.write:
        results = Path(__file__).with_name("results.md")
        with results.open("a", encoding="utf-8") as handle:
            handle.write("\n" + "\n".join(lines))
    return 0


def _pipeline_times(
    conn: psycopg.Connection[tuple[object, ...]], trusts: list[str], n: int
) -> list[float]:
    rng = random.Random(7)
    times = []
    for _ in range(n):
        ods = rng.choice(trusts)
        start = time.perf_counter()
        queries.trust_pipeline(conn, ods)
        times.append((time.perf_counter() - start) * 1000)
    return times


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


if __name__ == "__main__":
    sys.exit(main())
