"""Record-level sources: counting rules on hand-built cases, contract checks with their places,
the SQL aggregation against a slow reference, retention, and the national DAG from records."""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.contract import load_contract
from contracts.records import load_records_contract, record_codes
from tests.helpers import union_collecting
from transforms.records import aggregate_sql, reference_period, run_records

D = dt.date
KEYS = load_contract().series_keys()


def write_records(folder: Path, reports=(), children=(), convictions=(), fmt: str = "parquet") -> Path:
    """Write the three record tables (rows as dicts) in the contract's types."""
    folder.mkdir(parents=True, exist_ok=True)
    contract = load_records_contract()
    con = duckdb.connect()
    try:
        for table, rows in (("report", reports), ("child", children), ("conviction", convictions)):
            t = contract.tables[table]
            con.execute(
                f"CREATE TABLE {table} ({', '.join(f'{f.name} {f.physical_type}' for f in t.fields)})"
            )
            if rows:
                marks = ", ".join("?" * len(t.fields))
                con.executemany(
                    f"INSERT INTO {table} VALUES ({marks})", [[r.get(c) for c in t.columns] for r in rows]
                )
            options = "FORMAT parquet" if fmt == "parquet" else "FORMAT csv, HEADER true"
            con.execute(f"COPY {table} TO '{folder / f'{t.file_stem}.{fmt}'}' ({options})")
    finally:
        con.close()
    return folder


def report(rid, day, case, reporter="PROVIDER", service="MESSAGING", org="Provider A"):
    return {
        "report_id": rid,
        "received_date": day,
        "reporter_type": reporter,
        "reporting_organisation": org,
        "service_type": service,
        "case_key": case,
    }


def figures(run) -> dict[tuple, int]:
    assert run.valid, run.issues
    return {(r["indicator"], r["sex"], r["reporter"], r["service"]): r["obs_value"] for r in run.rows}


# --- counting rules on hand-built cases ----------------------------------------------------------

HAND_BUILT = {
    "reports": [
        # one case reported three times, by two providers, in 2023
        report("R1", D(2023, 3, 1), "C1", org="Provider A"),
        report("R2", D(2023, 3, 1), "C1", org="Provider B", service="EMAIL"),
        report("R3", D(2023, 5, 9), "C1", org="Provider A"),
        # a case that crosses years: once in 2022, once in 2023
        report("R4", D(2022, 12, 30), "C2", reporter="PIO", org="Hotline", service=None),
        report("R5", D(2023, 1, 2), "C2", service=None),
        # before the first legal basis: outside every reporting period
        report("R6", D(2021, 7, 1), "C3"),
    ],
    "children": [
        # identified twice: counted once, in 2022, with the sex recorded the second time
        {"child_id": "K1", "sex": None, "identification_date": D(2022, 11, 5), "case_key": "C2"},
        {"child_id": "K1", "sex": "F", "identification_date": D(2023, 2, 1), "case_key": "C2"},
        {"child_id": "K2", "sex": None, "identification_date": D(2023, 4, 1), "case_key": "C1"},
        {"child_id": "K3", "sex": "M", "identification_date": D(2023, 6, 1), "case_key": "C1"},
        # identified in a domestic investigation, no report under the regulation: not in 8(b)
        {"child_id": "K4", "sex": "F", "identification_date": D(2023, 7, 1), "case_key": None},
    ],
    "convictions": [
        # appealed in 2022 (not final), final after the appeal in 2023
        {"perpetrator_id": "P1", "conviction_date": D(2022, 10, 1), "final": False, "offence_code": "X"},
        {"perpetrator_id": "P1", "conviction_date": D(2023, 3, 1), "final": True, "offence_code": "X"},
        # two final convictions in one year: one perpetrator
        {
            "perpetrator_id": "P2",
            "conviction_date": D(2023, 5, 1),
            "final": True,
            "offence_code": "X",
            "case_key": "C1",
        },  # linked to the reports of case C1
        {"perpetrator_id": "P2", "conviction_date": D(2023, 9, 1), "final": True, "offence_code": "Y"},
        # appealed and still pending
        {"perpetrator_id": "P3", "conviction_date": D(2023, 11, 1), "final": False, "offence_code": "X"},
    ],
}


@pytest.fixture(scope="module")
def hand_built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hand")
    return write_records(folder, HAND_BUILT["reports"], HAND_BUILT["children"], HAND_BUILT["convictions"])


def test_three_reports_of_one_case_from_two_providers(hand_built):
    f = figures(run_records(hand_built, "AT", 2023, manifest=False))
    assert f[("REP_LEA", "_Z", "TOTAL", "TOTAL")] == 4  # R1, R2, R3 and R5
    assert f[("REP_LEA", "_Z", "PROVIDER", "MESSAGING")] == 2
    assert f[("REP_LEA", "_Z", "PROVIDER", "EMAIL")] == 1
    assert f[("REP_LEA", "_Z", "PROVIDER", "UNKNOWN")] == 1  # R5 has no service type
    assert f[("REP_LEA", "_Z", "PIO", "TOTAL")] == 0
    assert f[("CASE_UNQ", "_Z", "TOTAL", "TOTAL")] == 2  # C1 and C2
    assert f[("CASE_MULT", "_Z", "TOTAL", "TOTAL")] == 1  # only C1 has several reports in 2023


def test_a_case_crossing_years_counts_in_each_year_and_the_reference_period_starts_with_the_law(hand_built):
    f2022 = figures(run_records(hand_built, "AT", 2022, manifest=False))
    assert f2022[("REP_LEA", "_Z", "PIO", "TOTAL")] == 1 and f2022[("CASE_UNQ", "_Z", "TOTAL", "TOTAL")] == 1
    assert f2022[("CASE_MULT", "_Z", "TOTAL", "TOTAL")] == 0
    assert reference_period(2021) == (D(2021, 8, 2), D(2021, 12, 31))
    run2021 = run_records(hand_built, "AT", 2021, manifest=False)
    assert run2021.reports_in_year == 0 and [i.rule for i in run2021.issues] == ["R1_NO_RECORDS"]


def test_a_record_dated_in_the_gap_of_2026_belongs_to_no_reporting_year(tmp_path):
    folder = write_records(
        tmp_path / "split",
        [
            report("Q1", D(2026, 4, 3), "G1"),  # last day of 2021/1232 as amended
            report("Q2", D(2026, 5, 15), "G2"),  # in the gap: no act applied
            report("Q3", D(2026, 7, 30), "G3"),  # the day before 2026/1881
            report("Q4", D(2026, 7, 31), "G4"),  # first day of 2026/1881
        ],
        [
            {"child_id": "K9", "sex": "F", "identification_date": D(2026, 6, 1), "case_key": "G2"},
            {"child_id": "K8", "sex": "M", "identification_date": D(2026, 8, 1), "case_key": "G4"},
        ],
        [{"perpetrator_id": "P9", "conviction_date": D(2026, 6, 1), "final": True, "offence_code": "X"}],
    )
    f = figures(run_records(folder, "AT", 2026, manifest=False))
    assert f[("REP_LEA", "_Z", "TOTAL", "TOTAL")] == 2  # Q1 and Q4
    assert f[("CASE_UNQ", "_Z", "TOTAL", "TOTAL")] == 2
    assert [f[("CHILD_IDN", s, "_Z", "_Z")] for s in "TFM"] == [1, 0, 1]  # K9 identified in the gap
    assert f[("PERP_CNV", "_Z", "_Z", "_Z")] == 0
    for year in (2025, 2027):  # nor to the years around it
        run = run_records(folder, "AT", year, manifest=False)
        assert run.reports_in_year == 0 and [i.rule for i in run.issues] == ["R1_NO_RECORDS"]


def test_a_child_identified_twice_counts_once_with_the_latest_sex(hand_built):
    f2022 = figures(run_records(hand_built, "AT", 2022, manifest=False))
    assert [f2022[("CHILD_IDN", s, "_Z", "_Z")] for s in "TFMU"] == [1, 1, 0, 0]
    f2023 = figures(run_records(hand_built, "AT", 2023, manifest=False))
    assert [f2023[("CHILD_IDN", s, "_Z", "_Z")] for s in "TFMU"] == [2, 0, 1, 1]  # K2 has no sex: U


def test_a_child_without_a_linked_report_is_not_in_8b_and_is_reported_as_information(hand_built):
    run = run_records(hand_built, "AT", 2023, manifest=False)
    assert figures(run)[("CHILD_IDN", "F", "_Z", "_Z")] == 0  # K4 (F) is not linked to a report
    assert run.information == {"R1_UNLINKED_CHILDREN": 1}
    (info,) = [i for i in run.issues if i.rule == "R1_UNLINKED_CHILDREN"]
    assert info.severity == "information" and info.value == 1
    assert info.message.startswith("1 children first identified in 2023 are not linked")
    assert run_records(hand_built, "AT", 2022, manifest=False).information == {"R1_UNLINKED_CHILDREN": 0}


def test_convictions_linked_to_a_report_are_counted_of_which(hand_built):
    f2023 = figures(run_records(hand_built, "AT", 2023, manifest=False))
    assert f2023[("PERP_CNV", "_Z", "_Z", "_Z")] == 2 and f2023[("PERP_CNV_LNK", "_Z", "_Z", "_Z")] == 1  # P2
    assert (
        figures(run_records(hand_built, "AT", 2022, manifest=False))[("PERP_CNV_LNK", "_Z", "_Z", "_Z")] == 0
    )


def test_an_appealed_conviction_counts_only_when_final(hand_built):
    assert figures(run_records(hand_built, "AT", 2022, manifest=False))[("PERP_CNV", "_Z", "_Z", "_Z")] == 0
    assert figures(run_records(hand_built, "AT", 2023, manifest=False))[("PERP_CNV", "_Z", "_Z", "_Z")] == 2


def test_the_aggregate_is_a_valid_submission_with_a_manifest(hand_built):
    from transforms.canonical import Observation, Submission
    from transforms.validation import validate

    run = run_records(hand_built, "AT", 2023)
    assert [tuple(r[k] for k in ("indicator", "sex", "reporter", "service")) for r in run.rows] == KEYS
    metadata = {"geo": "AT", "time_period": 2023, "revision": 1, "ref_period_start": D(2023, 1, 1),
                "ref_period_end": D(2023, 12, 31), "legal_basis": "32021R1232",
                "reporting_authority": "Test", "contact": "t@example.org"}  # fmt: skip
    submission = Submission(
        Path("x.json"), "json", metadata, [Observation(r, f"row {i}") for i, r in enumerate(run.rows)]
    )
    assert validate(submission).valid
    assert {(f.table, f.rows) for f in run.files} == {("report", 6), ("child", 5), ("conviction", 5)}
    assert all(len(f.sha256) == 64 for f in run.files)


def test_codes_come_from_the_article8_contract():
    report_table = load_records_contract().tables["report"]
    assert report_table.field("reporter_type").codes == record_codes("reporter") == ("PROVIDER", "PIO")
    assert set(report_table.field("service_type").codes) < set(load_contract().code_lists["service"])
    assert load_records_contract().tables["child"].field("sex").codes == ("F", "M", "U")


def _records_contract_with(monkeypatch, series=None, counting=None):
    """The records contract over an Article 8 contract whose series (or counting rules) changed."""
    import copy

    import yaml

    from contracts import records
    from contracts.contract import Contract, custom_properties

    article8 = copy.deepcopy(load_contract().doc)
    if series:
        prop = next(c for c in article8["customProperties"] if c["property"] == "series")
        prop["value"] = series(prop["value"])
    monkeypatch.setattr(records, "load_contract", lambda: Contract(article8))
    doc = yaml.safe_load(records.RECORDS_CONTRACT_PATH.read_text())
    if counting:
        counting(custom_properties(doc)["countingRules"])
    return records.RecordContract(doc)


def test_the_counting_sql_is_generated_from_the_contract_series():
    sql, dimensions = aggregate_sql(2023), load_contract().series_dimensions
    for position, key in enumerate(KEYS):  # every series key, in order, computed by its own expression
        codes = ", ".join(f"'{code}' AS {d}" for d, code in zip(dimensions, key, strict=True))
        assert f"SELECT {position} AS position, {codes}, (SELECT coalesce(sum(n), 0) FROM counts_" in sql
    assert "LEFT JOIN" not in sql  # nothing joins the series to the counts and fills the gaps


def test_a_series_code_the_records_cannot_count_fails_loudly(monkeypatch):
    renamed = lambda templates: [  # noqa: E731  # the sex total renamed, the additivity rule not
        {**t, "sex": ["_T" if c == "T" else c for c in t["sex"]]} if t["indicator"] == "CHILD_IDN" else t
        for t in templates
    ]
    with pytest.raises(ValueError, match="CHILD_IDN/_T/_Z/_Z: sex code _T is neither a record-level code"):
        _records_contract_with(monkeypatch, series=renamed)
    unbroken = lambda rules: next(r for r in rules if r["indicator"] == "CHILD_IDN").pop("by")  # noqa: E731
    with pytest.raises(ValueError, match="CHILD_IDN does not break down by sex, so it cannot count F"):
        _records_contract_with(monkeypatch, counting=unbroken)
    uncounted = lambda rules: rules.remove(next(r for r in rules if r["indicator"] == "PERP_CNV"))  # noqa: E731
    with pytest.raises(ValueError, match="PERP_CNV/_Z/_Z/_Z: the records contract has no counting rule"):
        _records_contract_with(monkeypatch, counting=uncounted)


# --- contract checks: every finding with file, row and value -------------------------------------


def test_broken_records_give_findings_with_file_row_and_value(tmp_path):
    reports = [report(f"R{i}", D(2023, 1, 1 + i), f"C{i}") for i in range(6)]
    folder = write_records(tmp_path, reports, fmt="csv")
    lines = (folder / "reports.csv").read_text().splitlines()
    lines[2] = lines[2].replace("PROVIDER", "PROVIDR")  # row 2
    lines[3] = lines[3].replace("2023-01-03", "2023-02-30")  # row 3
    lines[4] = lines[4].replace("R3,", "R2,")  # row 4 repeats R2 of row 3
    lines[6] = lines[6].replace("2023-01-06", "2031-01-06")  # row 6: future
    (folder / "reports.csv").write_text("\n".join(lines) + "\n")
    (folder / "children.csv").write_text("child_id,sex,identification_date,case_key\nK1,X,2023-01-09,NOPE\n")
    run = run_records(folder, "AT", 2023, manifest=False, today=D(2025, 1, 1))
    found = {(i.rule, i.file, i.location, str(i.value)) for i in run.issues}
    assert found == {
        ("R0_CODE_LIST", "reports.csv", "row 2", "PROVIDR"),
        ("R0_TYPE", "reports.csv", "row 3", "2023-02-30"),
        ("R0_DUPLICATE_KEY", "reports.csv", "rows 3, 4", "R2"),
        ("R0_DATE_RANGE", "reports.csv", "row 6", "2031-01-06"),
        ("R0_CODE_LIST", "children.csv", "row 1", "X"),
        ("R1_LINKED_CASE", "children.csv", "row 1", "NOPE"),
    }
    assert not run.valid and run.rows == []
    assert "allowed: PROVIDER, PIO" in next(i.message for i in run.issues if i.value == "PROVIDR")


def test_a_missing_column_or_file_is_named(tmp_path):
    folder = write_records(tmp_path, [report("R1", D(2023, 1, 1), "C1")])
    (folder / "convictions.parquet").unlink()
    (folder / "children.csv").write_text("child,sex\nK1,F\n")
    (folder / "children.parquet").unlink()
    run = run_records(folder, "AT", 2023, manifest=False)
    messages = {(i.rule, i.file, i.location) for i in run.issues}
    assert ("R0_FILE", "children.csv", "header") in messages
    assert ("R0_FILE", str(folder), "folder") in messages
    assert "child_id, identification_date, case_key missing" in run.issues[0].message


# --- the SQL equals a slow reference on random records -------------------------------------------


def reference(reports, children, convictions, year) -> dict[tuple, int]:
    """The counting rules of contracts/records.odcs.yaml, one record at a time."""
    start, end = reference_period(year)
    counted = Counter()
    in_year = [r for r in reports if start <= r["received_date"] <= end]
    for r in in_year:
        counted["REP_LEA", "_Z", "TOTAL", "TOTAL"] += 1
        counted["REP_LEA", "_Z", r["reporter_type"], "TOTAL"] += 1
        counted["REP_LEA", "_Z", r["reporter_type"], r["service_type"] or "UNKNOWN"] += 1
    per_case = Counter(r["case_key"] for r in in_year)
    counted["CASE_UNQ", "_Z", "TOTAL", "TOTAL"] = len(per_case)
    counted["CASE_MULT", "_Z", "TOTAL", "TOTAL"] = sum(n >= 2 for n in per_case.values())
    cases = {r["case_key"] for r in reports}  # of reports under the regulation, in any year
    by_child = defaultdict(list)
    for c in children:
        by_child[c["child_id"]].append(c)
    for rows in by_child.values():
        linked = any(r["case_key"] in cases for r in rows)
        if linked and start <= min(r["identification_date"] for r in rows) <= end:
            recorded = [(r["identification_date"], r["sex"]) for r in rows if r["sex"]]
            counted["CHILD_IDN", "T", "_Z", "_Z"] += 1
            counted["CHILD_IDN", max(recorded)[1] if recorded else "U", "_Z", "_Z"] += 1
    convicted = {
        c["perpetrator_id"] for c in convictions if c["final"] and start <= c["conviction_date"] <= end
    }
    counted["PERP_CNV", "_Z", "_Z", "_Z"] = len(convicted)
    counted["PERP_CNV_LNK", "_Z", "_Z", "_Z"] = len({
        c["perpetrator_id"] for c in convictions
        if c["final"] and start <= c["conviction_date"] <= end and c.get("case_key") in cases
    })  # fmt: skip
    return {k: counted[k] for k in KEYS}


days = st.dates(D(2021, 6, 1), D(2024, 12, 31))
reports_st = st.lists(
    st.tuples(days, st.sampled_from(["PROVIDER", "PIO"]), st.sampled_from([None, *record_codes("service")]),
              st.integers(0, 12)),
    min_size=1, max_size=40,
).map(lambda rows: [report(f"R{i}", d, f"C{k}", who, svc)
                    for i, (d, who, svc, k) in enumerate(rows)])  # fmt: skip
case_keys = st.sampled_from([None, *(f"C{k}" for k in range(15))])  # C13, C14: never a report's
children_st = st.lists(
    st.builds(lambda k, s, d, c: {"child_id": f"K{k}", "sex": s, "identification_date": d, "case_key": c},
              st.integers(0, 8), st.sampled_from([None, *record_codes("sex")]), days, case_keys),
    max_size=25, unique_by=lambda c: (c["child_id"], c["identification_date"]),
)  # fmt: skip
convictions_st = st.lists(
    st.builds(lambda p, d, f, o, c: {"perpetrator_id": f"P{p}", "conviction_date": d, "final": f,
                                     "offence_code": o, "case_key": c},
              st.integers(0, 8), days, st.booleans(), st.sampled_from(["X", "Y"]), case_keys),
    max_size=25, unique_by=lambda c: (c["perpetrator_id"], c["conviction_date"], c["offence_code"]),
)  # fmt: skip


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reports_st, children_st, convictions_st, st.sampled_from([2021, 2022, 2023, 2024]))
def test_sql_aggregation_equals_the_reference(reports, children, convictions, year):
    start, end = reference_period(year)
    if not any(start <= r["received_date"] <= end for r in reports):
        reports = [*reports, report("R-extra", end, "C-extra")]
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_records(Path(tmp), reports, children, convictions)
        run = run_records(folder, "AT", year, manifest=False)
    assert figures(run) == reference(reports, children, convictions, year)


# --- generator, national aggregate, retention, DAG -----------------------------------------------


def test_generator_is_seeded_and_its_records_pass_the_contract(tmp_path):
    from csa_stats.records_demo import generate_records
    from transforms.records import sha256_file

    a = generate_records(tmp_path / "a", 3000, geo="LU", seed=7)
    b = generate_records(tmp_path / "b", 3000, geo="LU", seed=7)
    assert [sha256_file(p) for p in a] == [sha256_file(p) for p in b]
    generate_records(tmp_path / "c", 3000, geo="LU", seed=7, fmt="csv")
    for folder in ("a", "c"):
        run = run_records(tmp_path / folder, "LU", 2023, manifest=False)
        f = figures(run)
        assert f[("CASE_MULT", "_Z", "TOTAL", "TOTAL")] > 0 and f[("CHILD_IDN", "T", "_Z", "_Z")] > 0
        assert f[("PERP_CNV", "_Z", "_Z", "_Z")] > 0 and f[("REP_LEA", "_Z", "PIO", "TOTAL")] > 0
        assert f == figures(run_records(tmp_path / "a", "LU", 2023, manifest=False))


def test_national_aggregate_writes_a_revision_only_when_the_figures_change(csa_env):
    from csa_stats.records_demo import generate_records
    from csa_stats.settings import national_settings
    from csa_stats.steps import records
    from transforms.readers import read_submission
    from transforms.validation import validate
    from warehouse import db

    folder = records.national_records_dir("MT", csa_env)
    generate_records(folder, 2000, geo="MT")
    first = records.national_aggregate("MT", 2023, csa_env)
    assert Path(first).name == "ART8_MT_2023_R1.json"
    assert records.national_aggregate("MT", 2023, csa_env) == first
    assert validate(read_submission(Path(first))).valid
    assert records.national_aggregate("MT", 2025, csa_env) is None  # not covered: the aggregate sources count
    generate_records(folder, 2500, geo="MT")
    assert Path(records.national_aggregate("MT", 2023, csa_env)).name == "ART8_MT_2023_R2.json"
    with db.reader(national_settings("MT", csa_env).warehouse) as con:
        manifest = con.execute("SELECT output_file, record_table, row_count FROM record_source").fetchall()
        assert ("ART8_MT_2023_R2.json", "report", 2500) in manifest and len(manifest) == 9
        tables = {t for (t,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert not tables & {"report", "child", "conviction", "reports", "children", "convictions"}


def test_national_aggregate_compares_with_what_it_wrote_and_survives_a_broken_source(csa_env):
    """A declaration with a character the writers neutralise is the same declaration next time
    (no new revision per run); a latest source that is no JSON object is replaced, not a crash."""
    from csa_stats.records_demo import generate_records
    from csa_stats.steps import records
    from transforms.records import DECLARATION

    folder = records.national_records_dir("EE", csa_env)
    generate_records(folder, 500, geo="EE")
    declared = json.loads((folder / DECLARATION).read_text())
    declared["reporting_authority"] += "\u202e"  # a bidi override: written as U+FFFD
    (folder / DECLARATION).write_text(json.dumps(declared))
    first = records.national_aggregate("EE", 2023, csa_env)
    assert "\ufffd" in Path(first).read_text(encoding="utf-8")
    assert records.national_aggregate("EE", 2023, csa_env) == first
    Path(first).write_text("[1, 2", encoding="utf-8")
    assert Path(records.national_aggregate("EE", 2023, csa_env)).name == "ART8_EE_2023_R2.json"


def test_retention_deletes_old_record_files_and_logs_it(csa_env):
    from csa_stats.records_demo import generate_records
    from csa_stats.settings import national_settings
    from csa_stats.steps import records
    from warehouse import db

    folder = records.national_records_dir("CY", csa_env)
    generate_records(folder, 500, geo="CY")
    records.national_aggregate("CY", 2023, csa_env)
    old = (dt.datetime.now() - dt.timedelta(days=40)).timestamp()
    for name in ("reports.parquet", "children.parquet"):
        os.utime(folder / name, (old, old))
    assert (
        len(records.record_retention(30, csa_env, dry_run=True)) == 2
        and (folder / "reports.parquet").exists()
    )
    deleted = records.record_retention(30, csa_env)
    assert sorted(Path(d["file"]).name for d in deleted) == ["children.parquet", "reports.parquet"]
    assert sorted(p.name for p in folder.iterdir()) == ["convictions.parquet", "submission.meta.json"]
    with db.reader(national_settings("CY", csa_env).warehouse) as con:
        logged = con.execute(
            "SELECT object, detail FROM audit_log WHERE action = 'delete_records'"
        ).fetchall()
    assert sorted(o for o, _ in logged) == ["children.parquet", "reports.parquet"]
    assert all(json.loads(d)["aggregated_before"] for _, d in logged)


def test_national_dag_from_record_level_files_to_the_outbox(airflow_db, csa_env, monkeypatch):
    from airflow.dag_processing.dagbag import BundleDagBag

    from csa_stats.records_demo import generate_records
    from csa_stats.steps import records

    monkeypatch.setenv("CSA_AUTO_APPROVE_AS", "demo")  # the release approval answers itself
    monkeypatch.setenv("CSA_FEEDBACK_POLL", "1")
    generate_records(records.national_records_dir("LU", csa_env), 4000, geo="LU")
    dags = Path(__file__).parents[2] / "dags"
    dag = BundleDagBag(dag_folder=str(dags), bundle_path=dags, bundle_name="dags-folder").get_dag(
        "national_statistics"
    )
    with union_collecting("LU"):  # the run waits for the Union's verdict on what it sends
        run = dag.test(run_conf={"geo": "LU", "year": 2023})
    assert run.state == "success"
    sent = json.loads((csa_env.national_dir / "LU" / "outbox" / "ART8_LU_2023_R1.json").read_text())
    counted = figures(run_records(records.national_records_dir("LU", csa_env), "LU", 2023, manifest=False))
    assert {
        (o["indicator"], o["sex"], o["reporter"], o["service"]): o["obs_value"] for o in sent["observations"]
    } == counted
    assert "Counted from record-level sources" in sent["metadata"]["national_definitions"]


def test_the_command_line_from_records_to_retention(tmp_path):
    import subprocess
    import sys

    cli = Path(sys.executable).parent / "csa-stats"
    env = {**os.environ, "CSA_DATA_DIR": str(tmp_path / "data")}

    def run(*args):
        return subprocess.run([cli, *map(str, args)], capture_output=True, text=True, env=env)

    assert run("demo-data", "--records", 2000, "--geo", "MT", "--format", "csv").returncode == 0
    result = run("aggregate", "--geo", "MT", "--year", 2023)
    assert result.returncode == 0 and "ART8_MT_2023_R1.json" in result.stdout
    assert run("validate", tmp_path / "data/national/MT/sources/ART8_MT_2023_R1.json").returncode == 0
    records = tmp_path / "data/national/MT/records"
    text = (records / "reports.csv").read_text().replace("PROVIDER", "ISP", 1)
    (records / "reports.csv").write_text(text)
    result = run("aggregate", "--geo", "MT", "--year", 2023)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "reports.csv row" in result.stderr and "R0_CODE_LIST" in result.stderr and "'ISP'" in result.stderr
    result = run("aggregate", "--geo", "MT", "--year", 2019)
    assert result.returncode == 2 and "no legal basis of the Article 8 contract covers 2019" in result.stderr
    result = run("retention", "--days", 0)
    assert result.returncode == 0 and "deleted 3 record-level files" in result.stdout
    assert sorted(p.name for p in records.iterdir()) == ["submission.meta.json"]
