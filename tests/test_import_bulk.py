"""The import's bulk path (``CaseManager.add_imported``): the same cases, disclosures and audit
entries as adding, saving and staging each case one call at a time, in one transaction, with
nothing read back (a 100,000-row import took minutes one call per case; issue 22 item 5)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from nhsip_desktop.interchange.importer import ImportPreview, import_rows, preview, read_table
from nhsip_desktop.store.audit import Actor
from nhsip_desktop.store.register import Register
from tests.test_importer import TODAY, standard_mapping, write_csv

ROWS = [
    # a stage past Draft with contributors (added as a draft, disclosure saved, then staged)
    ["Cannula splint", "Small hands", "Active", "Invention", "Dr Aoife Kelly", "03/02/2023",
     "Meet the lead", "01/03/2023", "Aoife Kelly 70; Sam Lee 30", "Cannulas slip"],
    # a problem only, no lead in the sheet: the lead stays blank
    ["Sepsis alert app", "", "In triage", "Software; Data", "", "2024-05-10", "", "", "",
     "Late alerts"],
    # no disclosure at all: one insert
    ["Bed board", "", "Closed", "Design", "Tom Lee", "12/12/2022", "", "", "", ""],
    # a draft with a disclosure: stays a draft, the sheet's lead kept over the contributors'
    ["Ward rota tool", "Rotas", "Draft", "", "Ann Bo", "", "", "", "Tom Lee 60; Ann Bo 40", ""],
    # no year in the sheet (this year), one contributor who gets 100%
    ["Discharge letter", "", "Submitted", "Copyright", "", "", "", "", "Sam Lee", "Delays"],
    # the same year as the first row again: references keep counting per year
    ["Cannula splint two", "", "Submitted", "Brand", "", "04/02/2023", "", "", "", ""],
]  # fmt: skip


def _one_call_per_case(register: Register, result: ImportPreview) -> None:
    """What ``import_rows`` did before the bulk path, case by case."""
    cases = register.cases
    with register.transaction():
        for row in result.good_rows:
            ready = row.ready
            assert ready is not None
            staged = ready.disclosure is not None and ready.stage.value != "draft"
            case = cases.add(
                ready.title,
                summary=ready.summary,
                stage=type(ready.stage)("draft") if staged else ready.stage,
                ip_kinds=ready.ip_kinds,
                lead_innovator=ready.lead_innovator,
                received_on=ready.received_on,
                next_action=ready.next_action,
                next_action_due=ready.next_action_due,
                year=ready.year,
            )
            if ready.disclosure is not None:
                cases.save_disclosure(
                    case.id,
                    title=ready.title,
                    summary=ready.summary,
                    ip_kinds=ready.ip_kinds,
                    disclosure=ready.disclosure,
                )
                cases.update(case.id, stage=ready.stage, lead_innovator=ready.lead_innovator)


_TIMES = {"created_at", "updated_at"}


def _written(register: Register) -> dict[str, Any]:
    """Every case row, disclosure and case audit entry, with the clock readings left out."""
    conn = register.conn
    cur = conn.execute("SELECT * FROM cases ORDER BY id")
    names = [d[0] for d in cur.description]
    cases = [{n: v for n, v in zip(names, row, strict=True) if n not in _TIMES} for row in cur]
    details = conn.execute("SELECT case_id, details FROM case_details ORDER BY case_id").fetchall()
    audit = []
    for action, kind, record, changes in conn.execute(
        "SELECT action, record_kind, record_id, changes FROM audit_log "
        "WHERE record_kind IN ('case', 'case_details') ORDER BY seq"
    ):
        parsed = json.loads(changes)
        audit.append(
            (action, kind, record, {k: ("<time>" if k in _TIMES else v) for k, v in parsed.items()})
        )
    counters = conn.execute("SELECT * FROM reference_counters ORDER BY year").fetchall()
    return {"cases": cases, "details": details, "audit": audit, "counters": counters}


def test_the_bulk_path_writes_what_one_call_per_case_wrote(tmp_path: Path, actor: Actor) -> None:
    path = write_csv(tmp_path / "register.csv", ROWS)
    mapping = standard_mapping()
    result = preview(read_table(path, mapping), mapping, today=TODAY)
    assert result.problem_count == 0 and result.ready_count == len(ROWS)
    with (
        Register.create(tmp_path / "one.nhsip", actor=actor, organisation="T") as one,
        Register.create(tmp_path / "bulk.nhsip", actor=actor, organisation="T") as bulk,
    ):
        _one_call_per_case(one, result)
        report = import_rows(bulk, result)
        expected, got = _written(one), _written(bulk)
        assert got["audit"] == expected["audit"]
        assert got == expected
        # 6 inserts; 4 disclosures saved (4 details, 2 with the contributors' lead); those 4
        # then staged or given back the sheet's lead
        kinds = [(a[0], a[1]) for a in got["audit"]]
        assert kinds.count(("insert", "case")) == 6
        assert kinds.count(("update", "case_details")) == 4
        assert kinds.count(("update", "case")) == 2 + 4
        assert report.references[0][1] == "IP-2023-0001"
        assert report.references[-1][1] == "IP-2023-0002"
        check = bulk.check()
        assert check.ok, check.checks


def test_the_bulk_path_reads_nothing_back(register: Register, tmp_path: Path) -> None:
    # Submitted, not Active: a decision stage also records each case's imported decision
    # (store.invariants), which is the assessments manager's work, not the bulk case path's.
    rows = [[f"Idea {n}", "", "Submitted", "Design", "", f"0{1 + n % 9}/01/2023", "", "",
             "Aoife Kelly 60; Sam Lee 40", "A problem"] for n in range(200)]  # fmt: skip
    path = write_csv(tmp_path / "register.csv", rows)
    mapping = standard_mapping()
    result = preview(read_table(path, mapping), mapping, today=TODAY)
    audited = register.audit.count()
    statements: list[str] = []
    register.conn.set_trace_callback(statements.append)
    try:
        report = import_rows(register, result)
    finally:
        register.conn.set_trace_callback(None)
    assert report.imported == 200
    own = [s.split()[0].upper() for s in statements if not s.startswith("--")]
    # One call per case read each case back about ten times and updated it twice.
    assert own.count("SELECT") <= 5, own.count("SELECT")
    assert own.count("UPDATE") <= 2, own.count("UPDATE")
    assert not [s for s in statements if s.startswith("UPDATE cases")]
    assert register.cases.count() == 200
    # each case: its insert, its details and its stage; then the import's own row
    assert register.audit.count() - audited == 200 * 3 + 1
    assert register.check().ok


def test_disclosure_json_is_what_asdict_gave() -> None:
    """``Disclosure.to_json`` no longer goes through ``asdict`` (its deep copies were a tenth of
    an import's time): every kind of value still comes out the same, in the same order."""
    import dataclasses
    import datetime as dt
    from decimal import Decimal
    from enum import StrEnum

    from nhsip_desktop.cases import disclosure as d

    def plain(value: Any) -> Any:  # the conversion as it was
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, StrEnum):
            return value.value
        return value

    on = dt.date(2024, 1, 2)
    full = d.Disclosure(
        problem="Cannulas slip",
        beneficiaries=list(d.Beneficiary)[:2],
        resources_used=list(d.Resource)[:2],
        ai_involved=True,
        contributors=[
            d.Contributor(name="Aoife Kelly", share=Decimal("60.5"), employer_country="IE"),
            d.Contributor(name="Sam Lee", share=Decimal(0)),
        ],
        funders=[d.Funder("NIHR", list(d.IpTerms)[-1], "note")],
        partners=[d.Partner("Acme", list(d.PartnerKind)[-1], country="US")],
        agreements=[d.AgreementRef(list(d.AgreementKind)[-1], "Acme", on)],
        external_disclosures=[d.ExternalDisclosure(next(iter(d.DisclosureKind)), on, False)],
        confirmed_ownership=d.ConfirmedOwnership("The trust", "", on, "Test Lead"),
    )
    for disclosure in (full, d.Disclosure()):
        expected = {"version": d.DETAILS_VERSION, **plain(dataclasses.asdict(disclosure))}
        got = disclosure.to_json()
        assert json.dumps(got) == json.dumps(expected)
        assert d.Disclosure.from_json(got).to_json() == got


def test_imported_decisions_and_stage_history_are_what_one_call_per_case_wrote(
    tmp_path: Path, actor: Actor
) -> None:
    """The imported decisions (written in bulk) and the stage history (written in batches)
    are the rows and audit rows that ``record_decision`` and ``add``/``update`` wrote."""
    path = write_csv(tmp_path / "register.csv", ROWS)
    mapping = standard_mapping()
    result = preview(read_table(path, mapping), mapping, today=TODAY)
    with (
        Register.create(tmp_path / "one.nhsip", actor=actor, organisation="T") as one,
        Register.create(tmp_path / "bulk.nhsip", actor=actor, organisation="T") as bulk,
    ):
        _one_call_per_case(one, result)
        ids = [row[0] for row in one.conn.execute("SELECT id FROM cases ORDER BY id")]
        with one.transaction():
            for row, case_id in zip(result.good_rows, ids, strict=True):
                ready = row.ready
                assert ready is not None
                if ready.stage.value in ("decision_made", "active"):
                    one.assessments.record_decision(
                        case_id,
                        "triage",
                        outcome="imported",
                        outcome_label="Decided before the register was kept (imported)",
                        rationale=f"Imported from register.csv, row {row.row_number}: the "
                        "decision is in the trust's earlier records.",
                        decided_on=min(ready.received_on or TODAY, TODAY),
                        decision_maker="Imported record",
                    )
        import_rows(bulk, result)

        def written(register: Register) -> tuple[list[Any], list[Any], list[Any]]:
            conn = register.conn
            decisions = conn.execute(
                "SELECT case_id, kind, outcome, outcome_label, rationale, decided_on, "
                "decision_maker, assessment_id FROM decisions ORDER BY id"
            ).fetchall()
            history = conn.execute(
                "SELECT case_id, from_stage, to_stage, changed_on, actor, reason, note "
                "FROM stage_history ORDER BY id"
            ).fetchall()
            audit = conn.execute(
                "SELECT action, record_id, changes FROM audit_log "
                "WHERE record_kind = 'decision' ORDER BY seq"
            ).fetchall()
            return decisions, history, audit

        expected, got = written(one), written(bulk)
        assert got[0] and got[1] and got[2]  # the Active row has its decision
        assert got == expected
        assert bulk.check().ok


def test_day_first_dates_are_read_as_strptime_reads_them() -> None:
    """The quick path for 31/01/2024 agrees with ``strptime`` (and refuses what it refuses)."""
    import datetime as dt

    from nhsip_desktop.interchange.importer import ImportMapping, _parse_date

    mapping = ImportMapping()
    for text in ("31/01/2024", "1/2/2024", "01/2/2024", "29/02/2024", "29/02/2023",
                 "31/04/2024", "00/01/2024", "1/13/2024", "12/12/0000", "١/٢/٢٠٢٤",
                 "31-01-2024", "3 Feb 2023", " 1/2/2024", "1/2/24"):  # fmt: skip
        expected = None
        for fmt in ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d %b %Y", "%d %B %Y"):
            try:
                expected = dt.datetime.strptime(text.strip(), fmt).date()
                break
            except ValueError:
                continue
        assert _parse_date(text, mapping) == expected, text
