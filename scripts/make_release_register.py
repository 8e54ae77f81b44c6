"""Make the small register a release leaves in ``tests/data/`` for the upgrade test.

Run it with the released code itself (a checkout or ``git archive`` of that commit), so the
file is written exactly as that release writes registers:

    git archive REV | tar -x -C /tmp/rel && cd /tmp/rel && \
        PYTHONPATH=. python /path/to/scripts/make_release_register.py REV /path/to/tests/data

It writes ``release-REV.nhsip`` (the demo register: curated cases with their disclosures,
rights, renewals, money, agreements and governance records; fictional data) under a key
derived from a published string, and ``release-REV.json``: how many rows each table held,
the case titles and the migrations it had applied, which ``tests/test_upgrade.py`` checks
after the upgrade.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path


def release_key(rev: str) -> bytes:
    return hashlib.sha256(f"nhsip-desktop test register from release {rev}".encode()).digest()


def main(argv: list[str]) -> int:
    rev, out = argv[0], Path(argv[1])
    from nhsip_desktop.interchange.demo import build_demo
    from nhsip_desktop.interchange.demo_data import CURATED
    from nhsip_desktop.store.audit import Actor
    from nhsip_desktop.store.register import Register

    path = out / f"release-{rev}.nhsip"
    register = Register.create(
        path, actor=Actor("release", "Release builder"), data_key=release_key(rev)
    )
    try:
        build_demo(register, len(CURATED))
        conn = register.conn
        tables = sorted(
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '\\_%' ESCAPE '\\'"
            )
        )
        counts = {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
        titles = sorted(t for (t,) in conn.execute("SELECT title FROM cases"))
        migrations = sorted(n for (n,) in conn.execute("SELECT name FROM _sqlite_migrations"))
    finally:
        register.close()
    manifest = {
        "release": rev,
        "migrations": migrations,
        "rows": counts,
        "case_titles": titles,
    }
    (out / f"release-{rev}.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False))
    print(f"{path}: {path.stat().st_size} bytes, {sum(counts.values())} rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
