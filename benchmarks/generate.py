"""Build realistic synthetic registers for the performance suite, through the app's store API.

    .venv/bin/python benchmarks/generate.py --cases 100000            # ~1,000,000 audit rows
    .venv/bin/python benchmarks/generate.py --cases 10000 --audit-rows 100000

Everything goes through ``Register`` and its managers inside ``register.transaction()``
(many records per transaction), so every row is valid and every change has its audit row
in the HMAC chain:

* cases: ``register.cases.add_many`` (the demo generator's synthetic cases);
* disclosures with about three contributors a case: ``register.cases.save_disclosure``;
* rights (30 % of the case count, 30,000 for 100,000 cases), registered ones with renewals
  paid: ``register.rights.save``;
* attachments (1 % of cases, 2 to 60 KB each): ``register.attachments.add``;
* edits to cases until the audit trail holds ``--audit-rows`` rows: ``register.cases.update``
  (next action and its due date, as a case officer would), thousands per transaction.

Outputs, cached under ``benchmarks/out/`` (git-ignored; never commit a register):
``bench-<cases>.nhsip`` (SQLCipher, a fixed synthetic key), ``bench-<cases>.key.txt`` (its
recovery key) and ``bench-<cases>.plain.sqlite`` (the same database decrypted with
``sqlcipher_export`` into a plaintext file, same SQLite library: for the encryption-cost
ratios only). ``bench-<cases>.json`` records how long generation took.

The key is derived from a published string: these registers hold only fictional data.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import random
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent
if str(ROOT.parent) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT.parent))

from nhsip_desktop.assets.rights import Right, RightStatus, RightType  # noqa: E402
from nhsip_desktop.cases.disclosure import Answer, Contributor, Relationship  # noqa: E402
from nhsip_desktop.interchange.demo_data import demo_cases, demo_disclosure  # noqa: E402
from nhsip_desktop.store.audit import Actor  # noqa: E402
from nhsip_desktop.store.recovery import encode_recovery_key  # noqa: E402
from nhsip_desktop.store.register import Register  # noqa: E402

OUT = ROOT / "out"
#: Published on purpose (like the demo key): benchmark registers hold only fictional data.
BENCH_KEY = hashlib.sha256(b"nhsip-desktop benchmark register key (fictional data)").digest()
ACTOR = Actor("bench", "Benchmark generator")
BATCH = 5_000

_NAMES = (
    "Dr Amara Kelly",
    "Ms Priya Adebayo",
    "Mr Tom Lowe",
    "Dr Chidi Okoro",
    "Ms Laura Finch",
    "Mr Arjun Mehta",
    "Sam Lee",
    "Dr Hannah Ruiz",
    "Prof Ian Doyle",
    "Ms Zara Patel",
)
_JOBS = ("Staff nurse", "Consultant", "Physiotherapist", "Clinical scientist", "Pharmacist")
_DEPTS = ("Community services", "Theatres", "Renal", "Stroke unit", "Paediatrics")
_ACTIONS = (
    "Chase the innovator for drawings",
    "Book the triage meeting",
    "Send the feedback letter",
    "Ask the attorney for a search",
    "Review the licensee's report",
    "Check the prior art",
)


@dataclasses.dataclass(frozen=True)
class Paths:
    register: Path
    key_file: Path
    plain: Path
    info: Path


def paths_for(cases: int, out: Path = OUT) -> Paths:
    stem = f"bench-{cases}"
    return Paths(
        out / f"{stem}.nhsip",
        out / f"{stem}.key.txt",
        out / f"{stem}.plain.sqlite",
        out / f"{stem}.json",
    )


def _chunks(total: int, size: int) -> Iterator[range]:
    for start in range(0, total, size):
        yield range(start, min(total, start + size))


def _team(rng: random.Random, lead: str) -> list[Contributor]:
    """About three contributors (1 to 5, mean 3) whose shares add up to 100."""
    count = min(5, max(1, round(rng.gauss(3, 1))))
    shares = [Decimal(100 // count)] * count
    shares[0] += Decimal(100) - sum(shares)
    team = []
    for i in range(count):
        team.append(
            Contributor(
                name=lead if i == 0 else rng.choice(_NAMES),
                job_title=rng.choice(_JOBS),
                department=rng.choice(_DEPTS),
                relationship=Relationship.EMPLOYEE_CLINICAL,
                share=shares[i],
                in_course_of_duties=Answer.YES,
                key=f"c{i}",
            )
        )
    return team


def _right(rng: random.Random, case_id: int, title: str, today: dt.date) -> Right:
    kind = rng.choices(
        (RightType.PATENT, RightType.REGISTERED_DESIGN, RightType.TRADE_MARK, RightType.COPYRIGHT),
        weights=(5, 2, 1, 2),
    )[0]
    if not kind.registered:
        return Right(None, kind, "GB", f"Copyright in {title}"[:200], case_id=case_id)
    filed = today - dt.timedelta(days=rng.randrange(200, 18 * 365))
    age = (today - filed).days // 365
    right = Right(
        None,
        kind,
        rng.choice(("GB", "GB", "GB", "EP", "PCT")),
        title[:200],
        application_number=f"GB{filed.year}{rng.randrange(10**6):06d}",
        filing_date=filed,
        status=RightStatus.FILED,
        owners="The trust",
        attorney="Fictional & Co",
        case_id=case_id,
    )
    if age >= 3:
        right.status = RightStatus.GRANTED
        right.grant_date = filed + dt.timedelta(days=3 * 365)
        right.registration_number = f"R{rng.randrange(10**7):07d}"
    if kind is RightType.PATENT and age >= 5:  # renewals paid for years 5 .. age
        right.renewals_paid = {
            year: filed + dt.timedelta(days=365 * (year - 1) + 30) for year in range(5, age + 1)
        }
    elif kind is RightType.REGISTERED_DESIGN and age >= 5:
        right.renewals_paid = {
            year: filed + dt.timedelta(days=365 * year - 20) for year in (5, 10, 15) if year <= age
        }
    return right


def generate(
    cases: int,
    *,
    audit_rows: int | None = None,
    out: Path = OUT,
    plain: bool = True,
    quiet: bool = False,
    seed: int = 2026,
) -> Paths:
    """Build ``bench-<cases>`` in ``out`` (replacing a stale one); return its paths."""
    target = paths_for(cases, out)
    out.mkdir(parents=True, exist_ok=True)
    for stale in (target.register, target.key_file, target.plain, target.info):
        stale.unlink(missing_ok=True)
    for suffix in ("-wal", "-shm"):
        Path(str(target.register) + suffix).unlink(missing_ok=True)
        Path(str(target.plain) + suffix).unlink(missing_ok=True)
    wanted_audit = audit_rows if audit_rows is not None else cases * 10
    rng = random.Random(seed)
    today = dt.date.today()
    timings: dict[str, float] = {}

    def say(text: str) -> None:
        if not quiet:
            print(text, flush=True)

    t_all = time.perf_counter()
    register = Register.create(
        target.register, actor=ACTOR, organisation="Benchmark NHS Trust (fictional)",
        data_key=BENCH_KEY,
    )  # fmt: skip
    target.key_file.write_text(encode_recovery_key(BENCH_KEY) + "\n")
    try:
        # 1. cases, then their disclosures (about three contributors each)
        t = time.perf_counter()
        generated = list(demo_cases(cases, today=today, seed=seed))
        ids: list[int] = []
        for chunk in _chunks(cases, BATCH):
            rows = [
                {**dataclasses.asdict(c), "year": (c.received_on or today).year}
                for c in (generated[i] for i in chunk)
            ]
            ids += register.cases.add_many(rows)
        timings["cases_s"] = time.perf_counter() - t
        say(f"cases: {cases:,} in {timings['cases_s']:.1f} s")

        t = time.perf_counter()
        for chunk in _chunks(cases, BATCH):
            with register.transaction():
                for i in chunk:
                    case = generated[i]
                    disclosure = demo_disclosure(case, i, today=today)
                    disclosure.contributors = _team(rng, case.lead_innovator)
                    register.cases.save_disclosure(
                        ids[i],
                        title=case.title,
                        summary=case.summary,
                        ip_kinds=case.ip_kinds,
                        disclosure=disclosure,
                    )
        timings["disclosures_s"] = time.perf_counter() - t
        say(f"disclosures: {cases:,} in {timings['disclosures_s']:.1f} s")

        # 2. rights with renewals (30 % of the case count)
        t = time.perf_counter()
        n_rights = cases * 3 // 10
        owners = [rng.randrange(cases) for _ in range(n_rights)]
        for chunk in _chunks(n_rights, BATCH):
            with register.transaction():
                for i in chunk:
                    index = owners[i]
                    register.rights.save(_right(rng, ids[index], generated[index].title, today))
        timings["rights_s"] = time.perf_counter() - t
        say(f"rights: {n_rights:,} in {timings['rights_s']:.1f} s")

        # 3. attachments (1 % of cases, 2 to 60 KB)
        t = time.perf_counter()
        n_files = max(1, cases // 100)
        with register.transaction():
            for i in range(n_files):
                size = rng.randrange(2_000, 60_000)
                content = rng.randbytes(size)
                name = f"drawing-{i:05d}.{rng.choice(('pdf', 'png', 'docx'))}"
                register.attachments.add(ids[rng.randrange(cases)], name, content)
        timings["attachments_s"] = time.perf_counter() - t
        say(f"attachments: {n_files:,} in {timings['attachments_s']:.1f} s")

        # 4. edits until the audit trail is the size wanted
        t = time.perf_counter()
        have = register.audit.count()
        edits = max(0, wanted_audit - have)
        for chunk in _chunks(edits, BATCH * 4):
            with register.transaction():
                for n in chunk:
                    case_id = ids[(n * 7919) % cases]
                    register.cases.update(
                        case_id,
                        next_action=f"{_ACTIONS[n % len(_ACTIONS)]} ({n})",
                        next_action_due=today + dt.timedelta(days=(n % 120) - 20),
                    )
            if not quiet and chunk.start % (BATCH * 40) == 0:
                say(f"  edits: {chunk.stop:,} / {edits:,}")
        timings["edits_s"] = time.perf_counter() - t
        say(f"edits: {edits:,} in {timings['edits_s']:.1f} s")
        audit_count = register.audit.count()
        t = time.perf_counter()
        if plain:
            conn = register.conn
            with contextlib.suppress(Exception):
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.execute("ATTACH DATABASE ? AS plaintext KEY ''", (str(target.plain),))
            try:
                conn.execute("SELECT sqlcipher_export('plaintext')")
                version = conn.execute("PRAGMA main.user_version").fetchone()[0]
                conn.execute(f"PRAGMA plaintext.user_version = {int(version)}")
            finally:
                conn.execute("DETACH DATABASE plaintext")
        timings["plain_copy_s"] = time.perf_counter() - t
    finally:
        register.close()
    # Open once more, as the app would: the audit checkpoint moves past the bulk load.
    t = time.perf_counter()
    Register.open(target.register, BENCH_KEY, actor=ACTOR, backup_dir=out).close()
    timings["first_open_s"] = time.perf_counter() - t
    timings["total_s"] = time.perf_counter() - t_all
    info = {
        "cases": cases,
        "rights": n_rights,
        "attachments": n_files,
        "audit_rows": audit_count,
        "register_mb": round(target.register.stat().st_size / 1e6, 1),
        "timings_s": {k: round(v, 2) for k, v in timings.items()},
        "date": time.strftime("%Y-%m-%d %H:%M"),
    }
    target.info.write_text(json.dumps(info, indent=2) + "\n")
    say(json.dumps(info, indent=2))
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument(
        "--audit-rows", type=int, default=None, help="audit rows wanted (default: 10 per case)"
    )
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--no-plain", action="store_true", help="skip the plaintext copy")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    generate(
        args.cases,
        audit_rows=args.audit_rows,
        out=args.out,
        plain=not args.no_plain,
        quiet=args.quiet,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
