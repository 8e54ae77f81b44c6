"""``register.cases``: disclosures, with gap-free references and full-text search."""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from nhsip_desktop.cases.model import Case, CaseFilter, IpKind, Stage

from .audit import canonical_json, diff, utc_now
from .errors import NotFoundError, ValidationError
from .sqlcipher import CACHE_KIB

# The disclosure and stage rules (``cases.disclosure``, ``cases.stages``) are imported by the
# methods that write or read them, not here: listing and counting cases (the ``cases``
# command, the browser's first rows) never need them (issue 24).
if TYPE_CHECKING:
    from nhsip_desktop.cases.disclosure import Disclosure
    from nhsip_desktop.cases.stages import AlertBasis, CloseReason, StageChange

    from .register import Register, Transaction
    from .sqlcipher import Connection

TITLE_MAX = 300
SUMMARY_MAX = 20_000
TEXT_MAX = 500
_IMPORT_CACHE_KIB = 16 * 1024  # the page cache while an import is written (see add_imported)

_FIELDS = (
    "title",
    "summary",
    "stage",
    "ip_kinds",
    "lead_innovator",
    "received_on",
    "next_action",
    "next_action_due",
)
_DEFAULTS: dict[str, Any] = {
    "summary": "",
    "stage": Stage.DRAFT,
    "ip_kinds": (),
    "lead_innovator": "",
    "received_on": None,
    "next_action": "",
    "next_action_due": None,
}
_SELECT = (
    "SELECT id, reference, title, summary, stage, ip_kinds, lead_innovator, received_on, "
    "next_action, next_action_due, created_at, updated_at, feedback_due, closed_reason, "
    "alert_on, alert_planned, alert_reason, feedback_given_on, deadline_text, deadline_due "
    "FROM cases"
)
_STAGE_ORDER = "CASE stage " + " ".join(f"WHEN '{s.value}' THEN {i}" for i, s in enumerate(Stage))
_REF = "ref_year {d}, ref_number {d}"
_SORTS: dict[str, str] = {
    "reference": _REF,
    "title": "title COLLATE NOCASE {d}, " + _REF,
    "stage": _STAGE_ORDER + " END {d}, " + _REF,
    "ip_kinds": "ip_kinds {d}, " + _REF,
    "lead_innovator": "lead_innovator COLLATE NOCASE {d}, " + _REF,
    # Blank dates and actions always sort last, whichever the direction.
    "received_on": "received_on IS NULL, received_on {d}, " + _REF,
    "next_action": "next_action = '', next_action COLLATE NOCASE {d}, " + _REF,
    "next_action_due": "next_action_due IS NULL, next_action_due {d}, " + _REF,
}
# The columns each display order depends on: a write that touches none of them, and adds or
# removes no case, leaves the remembered order as it was (see Cases._carry_order).
_SORT_COLUMNS: dict[str, frozenset[str]] = {
    key: frozenset({"ref_year", "ref_number", *extra})
    for key, extra in {
        "reference": (),
        "title": ("title",),
        "stage": ("stage",),
        "ip_kinds": ("ip_kinds",),
        "lead_innovator": ("lead_innovator",),
        "received_on": ("received_on",),
        "next_action": ("next_action",),
        "next_action_due": ("next_action_due",),
    }.items()
}
_TOKEN = re.compile(r"\w+", re.UNICODE)
_REFERENCE_LIKE = re.compile(r"^(ip-?)?\d[\d-]*$", re.IGNORECASE)


def fts_query(text: str) -> str:
    """Turn what a person typed into a safe FTS5 query: every word, as a prefix, all required."""
    return " ".join(f'"{token}"*' for token in _TOKEN.findall(text))


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _row_to_case(row: Sequence[Any]) -> Case:
    return Case(
        id=row[0],
        reference=row[1],
        title=row[2],
        summary=row[3],
        stage=Stage(row[4]),
        ip_kinds=tuple(IpKind(k) for k in json.loads(row[5])),
        lead_innovator=row[6],
        received_on=_date(row[7]),
        next_action=row[8],
        next_action_due=_date(row[9]),
        created_at=row[10],
        updated_at=row[11],
        feedback_due=_date(row[12]),
        closed_reason=row[13],
        alert_on=_date(row[14]),
        alert_planned=bool(row[15]),
        alert_reason=row[16],
        feedback_given_on=_date(row[17]),
        deadline_text=row[18],
        deadline_due=_date(row[19]),
    )


_INSERT_STAGE = (
    "INSERT INTO stage_history(case_id, from_stage, to_stage, changed_on, changed_at, "
    "actor, reason, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


@functools.lru_cache(maxsize=256)
def _stored_kinds(value: tuple[Any, ...]) -> str:
    """Kinds of IP as stored: a JSON list of values in the order of :class:`IpKind` (kept
    for the next rows: an import gives the same few combinations over and over)."""
    try:
        kinds = sorted({IpKind(k) for k in value}, key=list(IpKind).index)
    except ValueError:
        raise ValidationError("One of the kinds of IP is not recognised.", "ip_kinds") from None
    return json.dumps([k.value for k in kinds])


def _clean(values: dict[str, Any], *, draft: bool = False) -> dict[str, Any]:
    """Validate and convert field values to their stored form (a draft may lack a title)."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        if name not in _FIELDS:
            raise ValidationError(f"A case has no field called {name!r}.", name)
        if name == "title":
            value = str(value).strip()
            if not value and not draft:
                raise ValidationError("Give the case a title.", "title")
            if len(value) > TITLE_MAX:
                raise ValidationError(f"Keep the title under {TITLE_MAX} characters.", "title")
        elif name == "summary":
            value = str(value).strip()
            if len(value) > SUMMARY_MAX:
                raise ValidationError(f"Keep the summary under {SUMMARY_MAX:,} characters.", name)
        elif name in ("lead_innovator", "next_action"):
            value = str(value).strip()
            if len(value) > TEXT_MAX:
                raise ValidationError(f"Keep this under {TEXT_MAX} characters.", name)
        elif name == "stage":
            try:
                value = Stage(value).value
            except ValueError:
                raise ValidationError(f"{value!r} is not a stage.", name) from None
        elif name == "ip_kinds":
            value = _stored_kinds(tuple(value))
        elif name in ("received_on", "next_action_due"):
            if value is not None and not isinstance(value, dt.date):
                raise ValidationError("Dates must be real calendar dates.", name)
            value = value.isoformat() if value else None
        out[name] = value
    return out


def next_in_year(conn: Connection, counters: str, year: int) -> int:
    """The next number of ``year`` from the counters table ``counters`` (``reference_counters``
    for cases, ``agreement_counters`` for agreements), taken inside the caller's transaction so
    that references have no gaps and are never reused, even after a delete."""
    row = conn.execute(f"SELECT last_number FROM {counters} WHERE year = ?", (year,)).fetchone()
    number = (row[0] if row else 0) + 1
    conn.execute(
        f"INSERT INTO {counters}(year, last_number) VALUES (?, ?) "
        "ON CONFLICT(year) DO UPDATE SET last_number = excluded.last_number",
        (year, number),
    )
    return int(number)


class CaseManager:
    def __init__(self, register: Register) -> None:
        self._reg = register
        # (connection, change counter, sort, direction) -> every case id in that order
        self._ordered: tuple[tuple[int, int, str, bool], list[int]] | None = None

    # -- reading ------------------------------------------------------------------------
    def get(self, case_id: int) -> Case:
        row = self._reg.conn.execute(_SELECT + " WHERE id = ?", (case_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"There is no case with id {case_id}.")
        return _row_to_case(row)

    def get_by_reference(self, reference: str) -> Case:
        row = self._reg.conn.execute(
            _SELECT + " WHERE reference = ?", (reference.strip().upper(),)
        ).fetchone()
        if row is None:
            raise NotFoundError(f"There is no case {reference.strip()} in this register.")
        return _row_to_case(row)

    def get_many(self, ids: Sequence[int]) -> list[Case]:
        """Cases for ``ids``, in the order given (missing ids are skipped)."""
        found: dict[int, Case] = {}
        conn = self._reg.conn
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            for row in conn.execute(_SELECT + f" WHERE id IN ({marks})", chunk):
                found[row[0]] = _row_to_case(row)
        return [found[i] for i in ids if i in found]

    def listing(self, flt: CaseFilter | None = None) -> Iterator[tuple[str, str, str]]:
        """Reference, stage (its stored value) and title of the matching cases, in display
        order, without building whole cases: the ``cases`` command's rows."""
        ids = self.ids(flt)
        conn = self._reg.conn
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            found = {
                row[0]: (str(row[1]), str(row[2]), str(row[3]))
                for row in conn.execute(
                    f"SELECT id, reference, stage, title FROM cases WHERE id IN ({marks})", chunk
                )
            }
            yield from (found[i] for i in chunk if i in found)

    def titles(self) -> list[str]:
        """Every case title (to warn about a spreadsheet imported twice)."""
        return [str(r[0]) for r in self._reg.conn.execute("SELECT title FROM cases")]

    def count(self, flt: CaseFilter | None = None) -> int:
        where, args = self._where(flt or CaseFilter())
        sql = "SELECT count(*) FROM cases" + (f" WHERE {where}" if where else "")
        return int(self._reg.conn.execute(sql, args).fetchone()[0])

    def ids(self, flt: CaseFilter | None = None) -> list[int]:
        """Ids of the matching cases in display order: cheap, so the browser can page lazily.

        A text search takes the matching ids as a set (straight from the full-text index
        when it is a plain word search) and keeps them in the order of every case's id in
        display order, remembered until the register next changes: sorting tens of
        thousands of matches afresh for each letter typed took a few hundred milliseconds.
        """
        flt = flt or CaseFilter()
        where, args = self._where(flt)
        order = _SORTS.get(flt.sort_key)
        if order is None:
            raise ValidationError(f"Cases cannot be sorted by {flt.sort_key!r}.", "sort_key")
        text = flt.text.strip()
        conn = self._reg.conn
        if not where:
            return list(self._ordered_ids(flt.sort_key, flt.descending))
        if text:
            ordered = self._ordered_ids(flt.sort_key, flt.descending)
            query = fts_query(text)
            if flt.stage is None and query and not _REFERENCE_LIKE.match(text):
                sql, sql_args = "SELECT rowid FROM cases_fts WHERE cases_fts MATCH ?", [query]
            else:
                sql, sql_args = f"SELECT id FROM cases WHERE {where}", args
            # set(), map() and filter() loop in C: about twice as fast as comprehensions
            # when a short word matches most of 100,000 cases.
            matching = set(map(itemgetter(0), conn.execute(sql, sql_args).fetchall()))
            return list(filter(matching.__contains__, ordered))
        sql = "SELECT id FROM cases" + (f" WHERE {where}" if where else "")
        sql += " ORDER BY " + order.format(d="DESC" if flt.descending else "ASC")
        return [r[0] for r in conn.execute(sql, args)]

    def _ordered_ids(self, sort_key: str, descending: bool) -> list[int]:
        """Every case id in display order; kept while nothing is written (the connection's
        change counter, which every insert, update and delete moves, is the same)."""
        conn = self._reg.conn
        key = (id(conn), conn.total_changes, sort_key, descending)
        if self._ordered is not None and self._ordered[0] == key and not conn.in_transaction:
            return self._ordered[1]
        order = _SORTS[sort_key].format(d="DESC" if descending else "ASC")
        ids = [r[0] for r in conn.execute(f"SELECT id FROM cases ORDER BY {order}")]
        self._ordered = None if conn.in_transaction else (key, ids)
        return ids

    def _carry_order(self, changes_before: int, columns: Iterable[str]) -> None:
        """After the commit of a transaction that only updated one existing case's
        ``columns``, begun when the connection's change counter read ``changes_before``: keep
        the remembered display order if those columns do not affect it (re-reading every id
        of a 100,000-case register after each save took about 30 ms)."""
        if self._ordered is None:
            return
        (conn_id, counted, sort_key, descending), ids = self._ordered
        conn = self._reg.conn
        if conn_id != id(conn) or counted != changes_before:
            return  # something else was written first: the order is read afresh
        if _SORT_COLUMNS[sort_key] & set(columns):
            self._ordered = None
            return
        self._ordered = ((conn_id, conn.total_changes, sort_key, descending), ids)

    def search(self, flt: CaseFilter) -> list[Case]:
        return self.get_many(self.ids(flt))

    def _where(self, flt: CaseFilter) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        args: list[Any] = []
        if flt.stage is not None:
            clauses.append("stage = ?")
            args.append(Stage(flt.stage).value)
        text = flt.text.strip()
        if text:
            query = fts_query(text)
            fts = "id IN (SELECT rowid FROM cases_fts WHERE cases_fts MATCH ?)"
            if _REFERENCE_LIKE.match(text):
                clauses.append(f"(reference LIKE ? OR {fts})")
                args += [f"%{text.upper()}%", query]
            elif query:
                clauses.append(fts)
                args.append(query)
            else:  # only punctuation typed: nothing can match
                clauses.append("0")
        return " AND ".join(clauses), args

    # -- writing ------------------------------------------------------------------------
    def _next_reference(self, year: int) -> tuple[str, int]:
        number = next_in_year(self._reg.conn, "reference_counters", year)
        return f"IP-{year}-{number:04d}", number

    def add(
        self,
        title: str,
        *,
        summary: str = "",
        stage: Stage = Stage.DRAFT,
        ip_kinds: Iterable[IpKind] = (),
        lead_innovator: str = "",
        received_on: dt.date | None = None,
        next_action: str = "",
        next_action_due: dt.date | None = None,
        year: int | None = None,
    ) -> Case:
        """Add a case; its reference (``IP-YYYY-NNNN``) is allocated in the same transaction."""
        values = _clean(
            {
                "title": title,
                "summary": summary,
                "stage": stage,
                "ip_kinds": tuple(ip_kinds),
                "lead_innovator": lead_innovator,
                "received_on": received_on,
                "next_action": next_action,
                "next_action_due": next_action_due,
            }
        )
        with self._reg.transaction() as tx:
            return self._insert(tx, values, year or dt.date.today().year)

    def add_many(self, items: Iterable[dict[str, Any]]) -> list[int]:
        """Add many cases in one transaction (imports, the demo register).

        Returns the new cases' ids in the order the items were given (references follow
        each case's year, so they need not be in that order)."""
        ids: list[int] = []
        with self._reg.transaction() as tx:
            for item in items:
                fields = {**_DEFAULTS, **item}
                year = fields.pop("year", None) or dt.date.today().year
                ids.append(self._insert_row(tx, _clean(fields), year))
        return ids

    def add_imported(self, items: Iterable[Mapping[str, Any]]) -> list[tuple[int, str]]:
        """Add imported cases in one transaction; returns each one's ``(id, reference)``.

        Each item holds :meth:`add`'s fields (``title``, ``summary``, ``stage``, ...,
        ``year``) and ``disclosure`` (a :class:`Disclosure` or None). The rows and audit
        entries written are those of, for each item: :meth:`add` (as a draft when it has a
        disclosure and a later stage: a case past Draft needs a complete disclosure), then
        :meth:`save_disclosure` and ``update(stage=..., lead_innovator=...)`` (which keeps the
        sheet's lead). Each case is inserted once with its final values, nothing is read
        back, and the audit rows are written in batches: an import of 100,000 rows took
        minutes one call at a time.
        """
        counters: dict[int, int] = {}
        out: list[tuple[int, str]] = []
        entries: list[tuple[str, str, str, str | int, dict[str, Any]]] = []
        details_rows: list[tuple[int, str]] = []
        stage_rows: list[tuple[Any, ...]] = []
        actor = self._reg.actor.describe()
        conn = self._reg.conn
        with self._reg.transaction() as tx:
            # The import changes far more pages than the register's page cache need hold: let
            # SQLite write them to the log as it goes instead of keeping them all in memory.
            conn.execute(f"PRAGMA cache_size = -{_IMPORT_CACHE_KIB}")
            try:
                for item in items:
                    case_id, reference, details = self._add_imported_one(
                        item, counters, entries, stage_rows, actor
                    )
                    if details:
                        details_rows.append((case_id, details))
                    out.append((case_id, reference))
                    tx.case_ids.add(case_id)
                    if len(entries) >= 2000:
                        self._write_imported(tx, entries, details_rows, stage_rows)
                self._write_imported(tx, entries, details_rows, stage_rows)
            finally:
                conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
            for year, number in counters.items():
                conn.execute(
                    "INSERT INTO reference_counters(year, last_number) VALUES (?, ?) "
                    "ON CONFLICT(year) DO UPDATE SET last_number = excluded.last_number",
                    (year, number),
                )
        return out

    def _add_imported_one(
        self,
        item: Mapping[str, Any],
        counters: dict[int, int],
        entries: list[tuple[str, str, str, str | int, dict[str, Any]]],
        stage_rows: list[tuple[Any, ...]],
        actor: str,
    ) -> tuple[int, str, str]:
        """Insert one case of :meth:`add_imported` with its final values; add its audit
        entries to ``entries`` and its stage history rows to ``stage_rows`` (written in
        batches); return its id, reference and the details to store ("" if none).
        ``counters``: the last reference number given out for each year so far. One time,
        ``now``, stamps the case's creation, its changes and its stage history."""
        conn = self._reg.conn
        disclosure: Disclosure | None = item.get("disclosure")
        stage = Stage(item.get("stage", Stage.DRAFT))
        staged = disclosure is not None and stage is not Stage.DRAFT
        kinds = tuple(item.get("ip_kinds", ()))
        fields = {name: item.get(name, _DEFAULTS[name]) for name in _FIELDS[1:]}
        fields.update(title=item["title"], ip_kinds=kinds)
        fields["stage"] = Stage.DRAFT if staged else stage
        year = int(item.get("year") or dt.date.today().year)
        if year not in counters:
            found = conn.execute(
                "SELECT last_number FROM reference_counters WHERE year = ?", (year,)
            ).fetchone()
            counters[year] = found[0] if found else 0
        counters[year] += 1
        number = counters[year]
        reference = f"IP-{year}-{number:04d}"
        now = utc_now()
        row: dict[str, Any] = {
            "reference": reference,
            "ref_year": year,
            "ref_number": number,
            "created_at": now,
            "updated_at": now,
            **_clean(fields),
        }
        insert = {k: [None, v] for k, v in sorted(row.items())}
        entries.append((now, "insert", "case", reference, insert))
        # The row as inserted, with the column defaults the disclosure may change.
        stored: dict[str, Any] = {**row, "alert_on": None, "alert_planned": 0, "alert_reason": ""}
        details = ""
        if disclosure is not None:
            details = self._imported_disclosure(stored, kinds, disclosure, entries, now)
            final = _clean({"stage": stage, "lead_innovator": item.get("lead_innovator", "")})
            changed = {k: v for k, v in final.items() if stored.get(k) != v}
            if changed:
                changed["updated_at"] = now
                record = {k: [stored.get(k), v] for k, v in sorted(changed.items())}
                entries.append((changed["updated_at"], "update", "case", reference, record))
                stored.update(changed)
        cur = conn.execute(
            f"INSERT INTO cases ({', '.join(stored)}) VALUES ({', '.join('?' * len(stored))})",
            list(stored.values()),
        )
        case_id = int(cur.lastrowid)
        # The stage history that add() then update() give (the invariant ``history``).
        created_stage = str(row["stage"])
        received = row.get("received_on")
        on = str(received) if received else dt.date.today().isoformat()
        stage_rows.append((case_id, None, created_stage, on, now, actor, "", "Created"))
        if str(stored["stage"]) != created_stage:
            stage_rows.append(
                (
                    case_id,
                    created_stage,
                    str(stored["stage"]),
                    dt.date.today().isoformat(),
                    now,
                    actor,
                    "",
                    "Stage set directly, not through the stage rules (an imported record).",
                )
            )
        return case_id, reference, details

    def _imported_disclosure(
        self,
        stored: dict[str, Any],
        kinds: tuple[IpKind, ...],
        disclosure: Disclosure,
        entries: list[tuple[str, str, str, str | int, dict[str, Any]]],
        now: str,
    ) -> str:
        """:meth:`save_disclosure` for a case being imported (``stored``: its row so far, a
        new case with no rights): changes ``stored``, adds the audit entries, and returns the
        details to store ("" if none)."""
        from nhsip_desktop.cases.disclosure import validate
        from nhsip_desktop.cases.stages import REVIEWED_STAGES, alert_basis

        stage = Stage(stored["stage"])
        draft = stage is Stage.DRAFT
        title, summary = stored["title"], stored["summary"]
        problems = validate(title, disclosure, kinds, for_submission=not draft)
        blocking = [p for p in problems if not draft or p.field == ""]
        if blocking:
            raise ValidationError(
                "Not saved: " + " ".join(p.message for p in blocking),
                blocking[0].field,
                [(p.field, p.message) for p in blocking],
            )
        values = _clean(
            {
                "title": title,
                "summary": summary,
                "ip_kinds": kinds,
                "lead_innovator": disclosure.lead(),
            },
            draft=draft,
        )
        basis = alert_basis(kinds, disclosure, rights=(), reviewed=stage in REVIEWED_STAGES)
        values["alert_on"] = basis.on.isoformat() if basis else None
        values["alert_planned"] = int(basis.planned) if basis else 0
        values["alert_reason"] = basis.reason if basis else ""
        reference = stored["reference"]
        changed = {k: v for k, v in values.items() if stored.get(k) != v}
        if changed:
            changed["updated_at"] = now
            record = {k: [stored.get(k), v] for k, v in sorted(changed.items())}
            entries.append((now, "update", "case", reference, record))
            stored.update(changed)
        # to_json gives JSON's own types, so the audit row written from it is the one written
        # from the stored text read back (which an import need not parse again).
        new_details = disclosure.to_json()
        details = canonical_json(new_details)
        if not new_details:
            return ""
        # diff({}, new_details), without comparing each field with nothing
        added = {k: [None, v] for k, v in sorted(new_details.items()) if v is not None}
        entries.append((now, "update", "case_details", reference, added))
        return details

    def _write_imported(
        self,
        tx: Transaction,
        entries: list[tuple[str, str, str, str | int, dict[str, Any]]],
        details_rows: list[tuple[int, str]],
        stage_rows: list[tuple[Any, ...]],
    ) -> None:
        """Write the batched audit rows, stage history and disclosure details of
        :meth:`add_imported`."""
        if stage_rows:
            self._reg.conn.executemany(_INSERT_STAGE, stage_rows)
            stage_rows.clear()
        if details_rows:
            self._reg.conn.executemany(
                "INSERT INTO case_details(case_id, details) VALUES (?, ?)", details_rows
            )
        tx.audit_many(entries)
        entries.clear()
        details_rows.clear()

    def _insert(self, tx: Transaction, values: dict[str, Any], year: int) -> Case:
        return self.get(self._insert_row(tx, values, year))

    def _insert_row(self, tx: Transaction, values: dict[str, Any], year: int) -> int:
        reference, number = self._next_reference(year)
        now = utc_now()
        row = {
            "reference": reference,
            "ref_year": year,
            "ref_number": number,
            "created_at": now,
            "updated_at": now,
            **values,
        }
        cur = self._reg.conn.execute(
            f"INSERT INTO cases ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
            list(row.values()),
        )
        case_id = int(cur.lastrowid)
        # Every case's stage history starts at its creation (the invariant ``history``).
        received = row.get("received_on")
        self._record_stage(
            case_id,
            None,
            str(row["stage"]),
            dt.date.fromisoformat(str(received)) if received else dt.date.today(),
            "",
            "Created",
        )
        tx.audit("insert", "case", reference, {k: [None, v] for k, v in sorted(row.items())})
        tx.case_ids.add(case_id)
        return case_id

    def update(self, case_id: int, **changes: Any) -> Case:
        """Change fields of a case; writes one audit row naming the fields before and after."""
        values = _clean(changes)
        with self._reg.transaction() as tx:
            old = self._stored(case_id)
            changed = {k: v for k, v in values.items() if old.get(k) != v}
            if not changed:
                return self.get(case_id)
            changed["updated_at"] = utc_now()
            sets = ", ".join(f"{k} = ?" for k in changed)
            self._reg.conn.execute(
                f"UPDATE cases SET {sets} WHERE id = ?", [*changed.values(), case_id]
            )
            if "stage" in changed:
                # Set directly (an import's historical stage): still part of its history.
                self._record_stage(
                    case_id,
                    old.get("stage"),
                    str(changed["stage"]),
                    dt.date.today(),
                    "",
                    "Stage set directly, not through the stage rules (an imported record).",
                )
            tx.audit(
                "update",
                "case",
                old["reference"],
                {k: [old.get(k), v] for k, v in sorted(changed.items())},
            )
            tx.case_ids.add(case_id)
        return self.get(case_id)

    def delete(self, case_id: int) -> None:
        """Delete a case (its reference is never reused); the audit row keeps what it held."""
        with self._reg.transaction() as tx:
            old = self._stored(case_id)
            old["details"] = self._details_json(case_id) or None
            self._reg.conn.execute("DELETE FROM cases WHERE id = ?", (case_id,))
            tx.audit("delete", "case", old["reference"], {k: [v, None] for k, v in old.items()})
            tx.case_ids.add(case_id)

    # -- disclosures (step 4) -------------------------------------------------------------
    def details(self, case_id: int) -> Disclosure:
        """The case's disclosure details (empty for a case that has none yet)."""
        from nhsip_desktop.cases.disclosure import Disclosure

        row = self._reg.conn.execute(
            "SELECT details FROM case_details WHERE case_id = ?", (case_id,)
        ).fetchone()
        return Disclosure.from_json(json.loads(row[0])) if row else Disclosure()

    def save_disclosure(
        self,
        case_id: int | None,
        *,
        title: str,
        summary: str,
        ip_kinds: Iterable[IpKind],
        disclosure: Disclosure,
    ) -> Case:
        """Create (``case_id=None``) or update a case from the disclosure form, in one audited
        transaction. A draft saves whatever was typed (even with no title yet, so autosave
        never loses work); a case past Draft must stay valid for submission."""
        from nhsip_desktop.cases.disclosure import validate

        kinds = tuple(ip_kinds)
        conn = self._reg.conn
        # An update to one case in a transaction of its own can keep the remembered order.
        may_carry = case_id is not None and not conn.in_transaction
        changes_before = conn.total_changes
        touched: dict[str, Any] = {}
        with self._reg.transaction() as tx:
            stage = Stage.DRAFT if case_id is None else Stage(self._stored(case_id)["stage"])
            draft = stage is Stage.DRAFT
            problems = validate(title, disclosure, kinds, for_submission=not draft)
            blocking = [p for p in problems if not draft or p.field == ""]
            if blocking:
                raise ValidationError(
                    "Not saved: " + " ".join(p.message for p in blocking),
                    blocking[0].field,
                    [(p.field, p.message) for p in blocking],
                )
            lead = disclosure.lead()
            values = _clean(
                {"title": title, "summary": summary, "ip_kinds": kinds, "lead_innovator": lead},
                draft=draft,
            )
            basis = self.alert_basis_for(case_id, kinds, disclosure, stage)
            values["alert_on"] = basis.on.isoformat() if basis else None
            values["alert_planned"] = int(basis.planned) if basis else 0
            values["alert_reason"] = basis.reason if basis else ""
            details = canonical_json(disclosure.to_json())
            if case_id is None:
                case = self._insert(tx, {**_clean(_DEFAULTS), **values}, dt.date.today().year)
                case_id = case.id
                old_details: dict[str, Any] = {}
            else:
                old = self._stored(case_id)
                old_details = self._details_json(case_id)
                changed = {k: v for k, v in values.items() if old.get(k) != v}
                touched = changed
                if changed:
                    changed["updated_at"] = utc_now()
                    sets = ", ".join(f"{k} = ?" for k in changed)
                    self._reg.conn.execute(
                        f"UPDATE cases SET {sets} WHERE id = ?", [*changed.values(), case_id]
                    )
                    tx.audit(
                        "update",
                        "case",
                        old["reference"],
                        {k: [old.get(k), v] for k, v in sorted(changed.items())},
                    )
            new_details = json.loads(details)
            if new_details != old_details:
                self._reg.conn.execute(
                    "INSERT INTO case_details(case_id, details) VALUES (?, ?) "
                    "ON CONFLICT(case_id) DO UPDATE SET details = excluded.details",
                    (case_id, details),
                )
                reference = self._stored(case_id)["reference"]
                tx.audit("update", "case_details", reference, diff(old_details, new_details))
            tx.case_ids.add(case_id)
            if may_carry:
                tx.after_commit.append(
                    functools.partial(self._carry_order, changes_before, frozenset(touched))
                )
        return self.get(case_id)

    def _details_json(self, case_id: int) -> dict[str, Any]:
        row = self._reg.conn.execute(
            "SELECT details FROM case_details WHERE case_id = ?", (case_id,)
        ).fetchone()
        return dict(json.loads(row[0])) if row else {}

    def change_stage(
        self,
        case_id: int,
        target: Stage,
        *,
        reason: CloseReason | None = None,
        note: str = "",
        today: dt.date | None = None,
    ) -> Case:
        """Move a case to ``target`` if the domain allows it; dated, recorded and audited.

        Submitting checks the disclosure is complete, records the date received and sets the
        feedback due date from the register's feedback target (step 5).
        """
        from nhsip_desktop.cases.disclosure import validate
        from nhsip_desktop.cases.stages import transition_problem

        today = today or dt.date.today()
        with self._reg.transaction() as tx:
            old = self._stored(case_id)
            current = Stage(old["stage"])
            problem = transition_problem(current, target, reason)
            if problem:
                raise ValidationError(problem, "stage")
            changes: dict[str, Any] = {"stage": target.value}
            if target is Stage.SUBMITTED:
                case = _row_to_case(
                    self._reg.conn.execute(_SELECT + " WHERE id = ?", (case_id,)).fetchone()
                )
                problems = validate(
                    case.title, self.details(case_id), case.ip_kinds, for_submission=True
                )
                if problems:
                    raise ValidationError(
                        "Not submitted yet: " + " ".join(p.message for p in problems),
                        problems[0].field,
                        [(p.field, p.message) for p in problems],
                    )
                received = case.received_on or today
                days = int(self._reg.settings.get("feedback_target_days"))
                changes["received_on"] = received.isoformat()
                changes["feedback_due"] = (received + dt.timedelta(days=days)).isoformat()
            changes["closed_reason"] = reason.value if target is Stage.CLOSED and reason else ""
            changes = {k: v for k, v in changes.items() if old.get(k) != v}
            changes["updated_at"] = utc_now()
            sets = ", ".join(f"{k} = ?" for k in changes)
            self._reg.conn.execute(
                f"UPDATE cases SET {sets} WHERE id = ?", [*changes.values(), case_id]
            )
            self._record_stage(
                case_id,
                current.value,
                target.value,
                today,
                reason.value if reason else "",
                note.strip(),
            )
            record = {k: [old.get(k), v] for k, v in sorted(changes.items())}
            if note.strip():
                record["note"] = [None, note.strip()]
            tx.audit("stage", "case", old["reference"], record)
            self.refresh_alert(case_id)
            tx.case_ids.add(case_id)
        return self.get(case_id)

    # -- the confidentiality alert (step 4) -------------------------------------------------
    def alert_basis_for(
        self,
        case_id: int | None,
        kinds: Iterable[IpKind],
        disclosure: Disclosure,
        stage: Stage,
    ) -> AlertBasis | None:
        """The case's alert from a disclosure (as saved, or as typed in the case window),
        given the rights filed for the case and whether its internal review has decided."""
        from nhsip_desktop.cases.stages import REVIEWED_STAGES, alert_basis

        rights = self._reg.rights.for_case(case_id) if case_id is not None else []
        return alert_basis(
            tuple(kinds), disclosure, rights=rights, reviewed=stage in REVIEWED_STAGES
        )

    def refresh_alert(self, case_id: int) -> None:
        """Recompute the alert kept on the case row (derived, like the rights deadline), after
        a right is filed or changed or the stage moves: protection filed clears or changes it."""
        row = self._reg.conn.execute(
            "SELECT stage, ip_kinds FROM cases WHERE id = ?", (case_id,)
        ).fetchone()
        if row is None:
            return
        kinds = tuple(IpKind(k) for k in json.loads(row[1]))
        basis = self.alert_basis_for(case_id, kinds, self.details(case_id), Stage(row[0]))
        self._reg.conn.execute(
            "UPDATE cases SET alert_on = ?, alert_planned = ?, alert_reason = ? WHERE id = ?",
            (
                basis.on.isoformat() if basis else None,
                int(basis.planned) if basis else 0,
                basis.reason if basis else "",
                case_id,
            ),
        )

    def _record_stage(
        self,
        case_id: int,
        before: str | None,
        after: str,
        on: dt.date,
        reason: str,
        note: str,
    ) -> None:
        """One row of the case's stage history (inside the caller's transaction)."""
        self._reg.conn.execute(
            _INSERT_STAGE,
            (
                case_id,
                before,
                after,
                on.isoformat(),
                utc_now(),
                self._reg.actor.describe(),
                reason,
                note,
            ),
        )

    def history(self, case_id: int) -> list[StageChange]:
        from nhsip_desktop.cases.stages import CloseReason, StageChange

        rows = self._reg.conn.execute(
            "SELECT from_stage, to_stage, changed_on, changed_at, actor, reason, note "
            "FROM stage_history WHERE case_id = ? ORDER BY id",
            (case_id,),
        ).fetchall()
        return [
            StageChange(
                Stage(r[0]) if r[0] else None,
                Stage(r[1]),
                dt.date.fromisoformat(r[2]),
                r[3],
                r[4],
                CloseReason(r[5]) if r[5] else None,
                r[6],
            )
            for r in rows
        ]

    def confirm_ownership(self, case_id: int, position: str, note: str = "") -> Case:
        """Record the IP lead's confirmed ownership position (after the app's suggestion)."""
        from nhsip_desktop.cases.disclosure import ConfirmedOwnership

        if not position.strip():
            raise ValidationError("Say who owns the IP, in a few words.", "position")
        case = self.get(case_id)
        disclosure = self.details(case_id)
        disclosure.confirmed_ownership = ConfirmedOwnership(
            position.strip(), note.strip(), dt.date.today(), self._reg.actor.describe()
        )
        return self.save_disclosure(
            case_id,
            title=case.title,
            summary=case.summary,
            ip_kinds=case.ip_kinds,
            disclosure=disclosure,
        )

    def record_feedback(self, case_id: int, given_on: dt.date | None = None) -> Case:
        """Record that the innovator has had feedback (clears "feedback due"; step 5)."""
        given_on = given_on or dt.date.today()
        if given_on > dt.date.today():
            raise ValidationError("Feedback cannot be dated in the future.", "feedback_given_on")
        with self._reg.transaction() as tx:
            old = self._stored(case_id)
            now = utc_now()
            self._reg.conn.execute(
                "UPDATE cases SET feedback_given_on = ?, updated_at = ? WHERE id = ?",
                (given_on.isoformat(), now, case_id),
            )
            tx.audit(
                "update",
                "case",
                old["reference"],
                {
                    "feedback_given_on": [old.get("feedback_given_on"), given_on.isoformat()],
                    "updated_at": [old.get("updated_at"), now],
                },
            )
            tx.case_ids.add(case_id)
        return self.get(case_id)

    def _stored(self, case_id: int) -> dict[str, Any]:
        cur = self._reg.conn.execute("SELECT * FROM cases WHERE id = ?", (case_id,))
        row = cur.fetchone()
        if row is None:
            raise NotFoundError(f"There is no case with id {case_id}.")
        return {d[0]: v for d, v in zip(cur.description, row, strict=True)}
