"""The warehouse against real DuckDB files in tmp_path."""

import datetime as dt
import json
import multiprocessing
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from contracts.contract import load_contract
from csa_stats.demo import DEMO_FACTS, generate_demo
from publish.disclosure import series_key
from tests.helpers import write_json_submission
from warehouse import db, queries
from warehouse.dictionary import DICTIONARY_PATH, build_dictionary
from warehouse.loader import ingest_file

CLI = Path(sys.executable).parent / "csa-stats"

UTC = dt.UTC


def _when(*args):
    return dt.datetime(*args, tzinfo=UTC)


def fingerprint(path, archive=None, reports=None):
    """Everything a load decides (not wall-clock times of the load itself, nor absolute paths)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        result = (
            con.execute(
                "SELECT submission_id, geo, time_period, revision, received_at, format, sha256, "
                "metadata_sha256, status, errors, warnings, report FROM submission ORDER BY 1"
            ).fetchall(),
            con.execute("SELECT * FROM observation ORDER BY ALL").fetchall(),
            con.execute(
                "SELECT sha256, original_name, byte_size, first_received_at FROM raw_file ORDER BY 1"
            ).fetchall(),
        )
    finally:
        con.close()
    for folder in (archive, reports):  # file names and bytes
        if folder is not None:
            result += (sorted((p.name, _decided(p)) for p in folder.rglob("*") if p.is_file()),)
    return result


def _decided(path):
    """A file's bytes; a receipt's without `decided_at`, the wall-clock time its verdict was stored."""
    if not path.name.endswith(".receipt.json"):
        return path.read_bytes()
    return {k: v for k, v in json.loads(path.read_bytes()).items() if k != "decided_at"}


def test_accepted_submission_is_archived_and_loaded(tmp_path, csa_env):
    path = write_json_submission(tmp_path / "in", received=_when(2024, 5, 1))
    result = ingest_file(path, csa_env)
    assert result.status == "accepted" and result.submission_id.startswith("AT-2023-R1-")
    archived = list(csa_env.archive.rglob("*.json"))
    assert len(archived) == 1 and archived[0].read_bytes() == path.read_bytes()
    assert result.report_path.exists() and result.report_path.with_suffix(".html").exists()
    with db.reader(csa_env.warehouse) as con:
        rows, subs = queries.release_input(con, 2023)
        actions = [a for (a,) in con.execute("SELECT action FROM audit_log ORDER BY audit_id").fetchall()]
    assert len(rows) == 16 and subs[0]["geo"] == "AT"
    assert actions == ["ingest", "accept"]


def test_same_file_twice_is_recognised(tmp_path, csa_env):
    path = write_json_submission(tmp_path / "in")
    first = ingest_file(path, csa_env)
    second = ingest_file(path, csa_env)
    assert second.status == "duplicate" and second.submission_id == first.submission_id
    with db.reader(csa_env.warehouse) as con:
        assert con.execute("SELECT count(*) FROM submission").fetchone()[0] == 1
        assert con.execute("SELECT count(*) FROM audit_log WHERE action = 'duplicate'").fetchone()[0] == 1


def test_a_duplicate_restores_report_files_a_killed_load_did_not_write(tmp_path, csa_env):
    path = write_json_submission(tmp_path / "in", changes={("CHILD_IDN", "U", "_Z", "_Z"): None})
    first = ingest_file(path, csa_env)
    written = {p: p.read_bytes() for p in first.report_path.parent.iterdir()}
    assert len(written) == 2 and first.report.count("warning") == 1
    for p in written:
        p.unlink()
    assert ingest_file(path, csa_env).status == "duplicate"
    assert {p: p.read_bytes() for p in first.report_path.parent.iterdir()} == written


def test_rejected_submission_is_kept_with_its_errors(tmp_path, csa_env):
    path = write_json_submission(tmp_path / "in", geo="AT", changes={("PERP_CNV", "_Z", "_Z", "_Z"): -4})
    result = ingest_file(path, csa_env)
    assert result.status == "rejected"
    with db.reader(csa_env.warehouse) as con:
        status, report = con.execute(
            "SELECT status, report->>'$.issues[0].rule' FROM submission_status"
        ).fetchone()
        assert con.execute("SELECT count(*) FROM observation").fetchone()[0] == 0
    assert (status, report) == ("rejected", "L1_NON_NEGATIVE")


def test_revision_keeps_history_and_as_of_gives_old_figures(tmp_path, csa_env):
    perp = ("PERP_CNV", "_Z", "_Z", "_Z")
    ingest_file(write_json_submission(tmp_path / "a", received=_when(2024, 6, 1)), csa_env)
    r2 = ingest_file(
        write_json_submission(tmp_path / "b", revision=2, changes={perp: 9}, received=_when(2024, 11, 5)),
        csa_env,
    )
    assert r2.status == "accepted"
    assert any(i.rule == "L2_REVISION_CHANGE" for i in r2.report.issues)
    sql = "SELECT obs_value FROM {} WHERE indicator = 'PERP_CNV'"
    with db.reader(csa_env.warehouse) as con:
        assert con.execute(sql.format("current_observation")).fetchone()[0] == 9
        assert (
            con.execute(sql.format("observation_as_of(TIMESTAMPTZ '2024-07-01 00:00:00+00')")).fetchone()[0]
            == 4
        )
        statuses = dict(con.execute("SELECT revision, status FROM submission_status").fetchall())
        assert con.execute("SELECT count(*) FROM observation").fetchone()[0] == 32
    assert statuses == {1: "superseded", 2: "accepted"}


def test_tracker_shows_late_and_missing(tmp_path, csa_env):
    ingest_file(write_json_submission(tmp_path / "a", geo="AT", received=_when(2024, 6, 1)), csa_env)
    ingest_file(write_json_submission(tmp_path / "b", geo="MT", received=_when(2024, 10, 1)), csa_env)
    with db.reader(csa_env.warehouse) as con:
        status = {r["geo"]: r["status"] for r in queries.tracker(con, 2023)}
    assert status["AT"] == "on time" and status["MT"] == "late" and status["DE"] == "missing"
    assert len(status) == 27


def test_loading_everything_again_changes_nothing(tmp_path, csa_env):
    files = [
        write_json_submission(tmp_path / g, geo=g, received=_when(2024, 6, 1)) for g in ("AT", "BE", "LU")
    ]
    for f in files:
        ingest_file(f, csa_env)
    before = fingerprint(csa_env.warehouse)
    for f in files:
        assert ingest_file(f, csa_env).status == "duplicate"
    assert fingerprint(csa_env.warehouse) == before


def _hold_writer(path, seconds, ready):
    with db.writer(path):
        ready.set()
        time.sleep(seconds)


def test_reader_meeting_a_writer_gets_busy_not_a_lock_error(tmp_path, csa_env):
    ingest_file(write_json_submission(tmp_path / "in"), csa_env)
    ready = multiprocessing.Event()
    writer = multiprocessing.Process(target=_hold_writer, args=(csa_env.warehouse, 3, ready))
    writer.start()
    try:
        assert ready.wait(20)
        with pytest.raises(db.WarehouseBusy, match="retry"), db.reader(csa_env.warehouse):
            pass
    finally:
        writer.join()
    with db.reader(csa_env.warehouse) as con:
        assert con.execute("SELECT count(*) FROM submission").fetchone()[0] == 1


def test_migrations_are_recorded_once(tmp_path):
    path = tmp_path / "w.duckdb"
    with db.writer(path) as con:
        first = con.execute("SELECT version, name FROM schema_version ORDER BY 1").fetchall()
    with db.writer(path) as con:
        assert con.execute("SELECT version, name FROM schema_version ORDER BY 1").fetchall() == first
    assert first[:2] == [(1, "001_initial.sql"), (2, "002_analyst_layer.sql")]


def test_an_applied_migration_that_was_edited_is_refused(tmp_path, monkeypatch):
    migrations = tmp_path / "migrations"
    shutil.copytree(db.MIGRATIONS, migrations)
    monkeypatch.setattr(db, "MIGRATIONS", migrations)
    path = tmp_path / "w.duckdb"
    with db.writer(path):
        pass
    first = migrations / "001_initial.sql"
    first.write_text(first.read_text() + "\nCREATE TABLE sneaked_in (x INTEGER);\n")
    edited = pytest.raises(db.WarehouseError, match="001_initial.sql was edited.*new numbered migration")
    with edited, db.writer(path):
        pass


def test_migrations_hold_tables_only_and_every_view_is_a_file():
    for sql_file in db.MIGRATIONS.glob("*.sql"):
        assert "CREATE VIEW" not in sql_file.read_text() and "CREATE MACRO" not in sql_file.read_text()
    con = duckdb.connect()
    db.migrate(con)
    views = {v for (v,) in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    files = {f.stem.split("_", 1)[1] for f in db.VIEWS.glob("*.sql")} - {"observation_as_of"}
    assert views == files | {"current_figure_wide"}
    for sql_file in db.VIEWS.glob("*.sql"):
        assert sql_file.read_text().startswith("-- ") and "Grain: " in sql_file.read_text()


def test_a_warehouse_gets_a_new_view_without_a_write(tmp_path, monkeypatch):
    """A reader re-creates the views as its own temporary views; the file is not touched."""
    path = tmp_path / "w.duckdb"
    with db.writer(path) as con:
        con.execute("DROP VIEW eu_aggregate")  # as in a warehouse older than this view
    views = tmp_path / "views"
    shutil.copytree(db.VIEWS, views)
    (views / "90_state_count.sql").write_text(
        "-- Grain: one row.\nCREATE OR REPLACE VIEW state_count AS SELECT count(*) AS n FROM code_list "
        "WHERE list = 'geo' AND contract_version = (SELECT max(contract_version) FROM code_list);\n"
    )
    monkeypatch.setattr(db, "VIEWS", views)
    before = path.read_bytes()
    with db.reader(path) as con:
        assert con.execute("SELECT n FROM state_count").fetchone() == (
            len(load_contract().code_lists["geo"]),
        )
        eu = con.execute("SELECT DISTINCT geo FROM eu_aggregate").fetchall()
        assert eu in ([], [(load_contract().eu_aggregate,)])
    assert path.read_bytes() == before
    with db.writer(path):
        pass
    with duckdb.connect(str(path), read_only=True) as con:  # the next writer stored them
        assert con.execute("SELECT n FROM state_count").fetchone()[0] > 0


def test_a_writer_creates_the_views_only_when_their_sql_changed(tmp_path, monkeypatch):
    path, created = tmp_path / "w.duckdb", []
    create_views = db.create_views
    monkeypatch.setattr(db, "create_views", lambda *a, **k: created.append(1) or create_views(*a, **k))
    for _ in range(3):
        with db.writer(path):
            pass
    assert len(created) == 1  # the first open; the next two found the same digest
    views = tmp_path / "views"
    shutil.copytree(db.VIEWS, views)
    (views / "90_one.sql").write_text("-- Grain: one row.\nCREATE OR REPLACE VIEW one AS SELECT 1 AS n;\n")
    monkeypatch.setattr(db, "VIEWS", views)
    with db.writer(path) as con:
        assert con.execute("SELECT n FROM one").fetchone() == (1,)
    assert len(created) == 2


def test_a_view_naming_a_code_the_contract_lacks_fails(tmp_path, monkeypatch):
    views = tmp_path / "views"
    shutil.copytree(db.VIEWS, views)
    (views / "90_bad.sql").write_text("CREATE OR REPLACE VIEW bad AS SELECT '{{eu_total}}' AS geo;\n")
    monkeypatch.setattr(db, "VIEWS", views)
    with pytest.raises(db.WarehouseError, match=r"90_bad.sql: \{\{eu_total\}\} is not a contract code"):
        db.view_statements()


def test_a_warehouse_migrated_before_the_views_moved_still_opens(tmp_path):
    """001 and 002 as first applied (with views): accepted by checksum, 004 drops the views."""
    path = tmp_path / "w.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, "
        "applied_at TIMESTAMPTZ NOT NULL, sha256 VARCHAR)"
    )
    for version, sql_file in enumerate(sorted(db.MIGRATIONS.glob("00[12]_*.sql")), start=1):
        con.execute(sql_file.read_text())
        con.execute(
            "INSERT INTO schema_version VALUES (?, ?, now(), ?)",
            [version, sql_file.name, db.EARLIER_DIGESTS[version]],
        )
    con.execute("CREATE VIEW current_submission AS SELECT * FROM submission")  # an old view
    con.close()
    with db.writer(path) as con:
        versions = [v for (v,) in con.execute("SELECT version FROM schema_version ORDER BY 1").fetchall()]
        assert versions == list(range(1, len(list(db.MIGRATIONS.glob("*.sql"))) + 1))  # all applied
        assert con.execute("SELECT count(*) FROM current_submission").fetchone() == (0,)


# --- the analyst layer ----------------------------------------------------------------------


def _rows(con, sql, params=()):
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


def test_analyst_views(tmp_path, csa_env):
    no_sex = {("CHILD_IDN", s, "_Z", "_Z"): None for s in "FMU"}
    for year, reports in ((2022, 80), (2023, 100)):
        changes = {
            ("REP_LEA", "_Z", "TOTAL", "TOTAL"): reports,
            ("REP_LEA", "_Z", "PIO", "TOTAL"): reports - 80,
        }
        ingest_file(write_json_submission(tmp_path / f"AT{year}", year=year, changes=changes), csa_env)
    ingest_file(write_json_submission(tmp_path / "BE", geo="BE", changes=no_sex), csa_env)
    bad = write_json_submission(
        tmp_path / "MT",
        geo="MT",
        changes={("PERP_CNV", "_Z", "_Z", "_Z"): -1, ("PERP_CNV_LNK", "_Z", "_Z", "_Z"): None},
    )
    ingest_file(bad, csa_env)
    ingest_file(bad, csa_env)
    with db.reader(csa_env.warehouse) as con:
        wide = _rows(con, "SELECT * FROM current_figure_wide WHERE time_period = 2023 ORDER BY geo")
        eu = _rows(
            con,
            "SELECT * FROM eu_aggregate WHERE time_period = 2023 AND indicator = 'CHILD_IDN' ORDER BY sex",
        )
        children = {r["geo"] + r["sex"]: r for r in _rows(con, "SELECT * FROM children_by_sex")}
        quality = {r["geo"]: r for r in _rows(con, "SELECT * FROM data_quality WHERE time_period = 2023")}
        errors = _rows(con, "SELECT * FROM submission_issue WHERE status = 'rejected' AND severity = 'error'")
        series = _rows(
            con,
            "SELECT * FROM state_time_series WHERE geo = 'AT' AND indicator = 'REP_LEA' "
            "AND reporter = 'TOTAL' ORDER BY time_period",
        )
        duplicates = _rows(con, "SELECT * FROM duplicate_arrival")
        undocumented = con.execute(
            "SELECT view_name FROM duckdb_views() WHERE NOT internal AND comment IS NULL"
        ).fetchall()
    # wide: one column per contract series
    assert [r["geo"] for r in wide] == ["AT", "BE"]
    assert len(wide[0]) == 4 + len(load_contract().series)
    assert (
        wide[0]["rep_lea_total_total"] == 100 and wide[0]["perp_cnv"] == 4 and wide[1]["child_idn_f"] is None
    )
    # EU aggregate: 2 of 27 states, never presented as a complete total
    total, female = next(r for r in eu if r["sex"] == "T"), next(r for r in eu if r["sex"] == "F")
    assert (total["partial_sum"], total["contributing_states"], total["member_states"]) == (20, 2, 27)
    assert total["obs_value"] is None and total["obs_status"] == "m"  # below the minimum coverage
    assert not total["coverage_complete"] and len(total["missing_states"]) == 25
    assert female["contributing_states"] == 1 and "BE" in female["missing_states"]
    # children by sex with shares; a missing breakdown stays empty with its status
    assert children["ATF"]["share"] == 0.6 and children["ATF"]["children_total"] == 10
    assert children["BEF"]["children"] is None and children["BEF"]["obs_status"] == "m"
    # data quality and rejected submissions with their errors
    assert quality["BE"]["warnings"] >= 1 and "L1_BREAKDOWN_MISSING" in quality["BE"]["warning_rules"]
    assert quality["MT"]["rejected_submissions"] == 1 and quality["MT"]["current_submission_id"] is None
    assert [(e["geo"], e["rule"], e["value"]) for e in errors] == [("MT", "L1_NON_NEGATIVE", "-1")]
    # time series with the change against the year before
    assert [(r["time_period"], r["previous_value"], r["change"]) for r in series] == [
        (2022, None, None),
        (2023, 80, 20),
    ]
    assert [d["file"] for d in duplicates] == [bad.name]
    assert undocumented == []


def test_eu_aggregate_agrees_with_the_release_at_every_coverage(tmp_path, csa_env):
    """Complete, partial (status u, 26 states) and flagged (d): the view and a release say the same."""
    from publish.disclosure import eu_aggregate

    no_convictions = {("PERP_CNV", "_Z", "_Z", "_Z"): None}
    for geo in load_contract().code_lists["geo"]:
        path = write_json_submission(tmp_path / geo, geo=geo, changes=no_convictions if geo == "LU" else None)
        if geo == "AT":  # AT counts children its own way
            doc = json.loads(path.read_text())
            for o in doc["observations"]:
                o["obs_status"] = "d" if o["indicator"] == "CHILD_IDN" else o["obs_status"]
            path.write_text(json.dumps(doc))
        ingest_file(path, csa_env)
    with db.reader(csa_env.warehouse) as con:
        view = {
            (r["indicator"], r["sex"], r["reporter"], r["service"]): r
            for r in _rows(con, "SELECT * FROM eu_aggregate WHERE time_period = 2023")
        }
        rows, _ = queries.release_input(con, 2023)
    released = {series_key(r): r for r in eu_aggregate(rows, 2023)}
    for key, row in released.items():
        assert (view[key]["obs_value"], view[key]["obs_status"]) == (row["obs_value"], row["obs_status"]), key
        assert view[key]["contributing_states"] == row["contributing_states"]
    perp, reports = view["PERP_CNV", "_Z", "_Z", "_Z"], view["REP_LEA", "_Z", "TOTAL", "TOTAL"]
    assert (perp["obs_value"], perp["obs_status"], perp["missing_states"]) == (26 * 4, "u", ["LU"])
    assert reports["coverage_complete"] and reports["obs_value"] == 27 * 100 and reports["obs_status"] is None
    assert view["CHILD_IDN", "T", "_Z", "_Z"]["obs_status"] == "d"


def test_data_dictionary_is_up_to_date():
    assert DICTIONARY_PATH.read_text(encoding="utf-8") == build_dictionary(), (
        "regenerate it: csa-stats dictionary --out docs/data_dictionary.md"
    )
    text = DICTIONARY_PATH.read_text(encoding="utf-8")
    for needle in (
        "`L1_SEX_SUM` | 1 | error",
        "| `EL` | Greece |",
        "### eu_aggregate (view)",
        "`child_idn_f`",
    ):
        assert needle in text


def test_a_metadata_only_revision_of_a_csv_is_new(tmp_path, csa_env):
    from csa_stats.steps import collection
    from tests.helpers import metadata, observations
    from transforms.writers import write_submission

    rows = [{"geo": "AT", "time_period": 2023, **o} for o in observations()]
    first = write_submission(metadata(), rows, csa_env.landing / "AT" / "ART8_AT_2023_R1.csv", "csv")[0]
    assert ingest_file(first, csa_env).status == "accepted"
    assert collection.new_submissions(csa_env) == []
    revised = metadata(revision=2) | {"national_definitions": "Now counted per case."}
    second = write_submission(revised, rows, csa_env.landing / "AT" / "ART8_AT_2023_R2.csv", "csv")[0]
    assert second.read_bytes() == first.read_bytes()  # same figures, only the side file differs
    assert collection.new_submissions(csa_env) == [str(second)]
    result = ingest_file(second, csa_env)
    assert result.status == "accepted" and result.submission_id.startswith("AT-2023-R2-")


# --- through the command line, in separate processes ----------------------------------------


def _cli(*args, data):
    env = {**os.environ, "CSA_DATA_DIR": str(data)}
    return subprocess.run([CLI, *map(str, args)], capture_output=True, text=True, env=env, timeout=300)


def test_demo_load_revise_reload_as_of_and_tracker(tmp_path):
    """Done when: demo data, then the revision, then everything again gives the same
    warehouse; as_of before the revision gives the old figures; the late state is late."""
    data, revisions = tmp_path / "data", tmp_path / "revisions"
    late_geo, late_year = DEMO_FACTS.late
    revised_geo, revised_year = DEMO_FACTS.revised
    generate_demo(
        data / "landing",
        geos=["AT", late_geo, revised_geo],
        revisions_dir=revisions,
        receipts=data / "receipts.json",
    )
    warehouse, archive = data / "warehouse.duckdb", data / "archive"
    first = _cli("ingest", data / "landing", data=data)
    assert first.returncode == 0, first.stdout + first.stderr
    before_revision = fingerprint(warehouse, archive)
    assert _cli("ingest", revisions, data=data).returncode == 0
    revised = fingerprint(warehouse, archive)
    again = _cli("ingest", data / "landing", revisions, data=data)
    assert again.returncode == 0 and again.stdout.count("duplicate") == 13
    assert fingerprint(warehouse, archive) == revised != before_revision

    def query(sql):
        out = _cli("query", sql, "--format", "json", data=data)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)

    (r2,) = query(
        f"SELECT received_at FROM submission WHERE geo = '{revised_geo}' AND time_period = {revised_year} "
        "AND revision = 2"
    )
    figures = (
        "SELECT indicator, sex, reporter, service, obs_value FROM {} "
        f"WHERE geo = '{revised_geo}' AND time_period = {revised_year} ORDER BY ALL"
    )
    r1_rows = query(
        figures.format("observation JOIN submission USING (submission_id, geo, time_period)").replace(
            "WHERE", "WHERE revision = 1 AND"
        )
    )
    old = query(figures.format(f"observation_as_of(TIMESTAMPTZ '{r2['received_at']}' - INTERVAL 1 SECOND)"))
    new = query(figures.format(f"observation_as_of(TIMESTAMPTZ '{r2['received_at']}')"))
    assert old == r1_rows and new == query(figures.format("current_observation")) and new != old
    status = _cli("status", "--year", late_year, data=data)
    late_line = next(line for line in status.stdout.splitlines() if f" {late_geo} " in line)
    assert status.returncode == 0 and "late" in late_line and "on time" not in late_line
    assert f"late: 1  ({late_geo} {late_year})" in status.stdout
    late = "SELECT geo, status FROM submission_tracker WHERE status = 'late'"
    csv_out = _cli("query", late, "--format", "csv", data=data).stdout
    assert csv_out.splitlines() == ["geo,status", f"{late_geo},late"]


def test_query_refuses_every_kind_of_write(tmp_path, csa_env):
    ingest_file(write_json_submission(tmp_path / "in"), csa_env)
    for sql in (
        "DELETE FROM observation",
        "-- harmless?\n/* no */ DROP TABLE observation",
        "WITH x AS (SELECT 1) INSERT INTO audit_log (logged_at, actor, action, object) "
        "SELECT now(), 'me', 'approve', 'x' FROM x",
        "SELECT 1; UPDATE submission SET status = 'accepted'",
    ):
        out = _cli("query", sql, data=csa_env.data_dir)
        assert out.returncode == 6 and "read-only" in out.stderr and "Traceback" not in out.stderr, sql
    out = _cli("query", "SELECT * FROM read_csv('/etc/passwd')", data=csa_env.data_dir)
    assert out.returncode == 6 and "query failed" in out.stderr
    with db.reader(csa_env.warehouse) as con:
        assert con.execute("SELECT count(*) FROM observation").fetchone()[0] == 16
        assert con.execute("SELECT count(*) FROM audit_log").fetchone()[0] == 2


def test_status_of_a_year_nothing_arrived_for(tmp_path, csa_env):
    ingest_file(write_json_submission(tmp_path / "in"), csa_env)
    out = _cli("status", "--year", 2021, data=csa_env.data_dir)
    assert out.returncode == 0 and "missing: 27" in out.stdout


# --- killed and concurrent loaders ---------------------------------------------------------

LOADER = """
import sys
from csa_stats.steps import collection
import warehouse.loader
print("ready", flush=True)
for path in sys.argv[1:]:
    collection.ingest(path)
    print("loaded", path, flush=True)
"""


def _load_files(tmp_path, monkeypatch) -> list[Path]:
    monkeypatch.setenv("CSA_RECEIPTS", str(tmp_path / "receipts.json"))  # the loaders' too
    landing = tmp_path / "landing"
    files = [
        write_json_submission(landing / g, geo=g, received=_when(2024, 6, 1))
        for g in ("AT", "BE", "LU", "MT")
    ]
    files.append(
        write_json_submission(landing / "r2", revision=2, changes={("PERP_CNV", "_Z", "_Z", "_Z"): 5},
                              received=_when(2024, 11, 1))
    )  # fmt: skip
    files.append(
        write_json_submission(
            landing / "bad",
            geo="SI",
            changes={("PERP_CNV", "_Z", "_Z", "_Z"): -1},
            received=_when(2024, 6, 2),
        )
    )  # with receipts, so that every run records the same arrival times
    return files


def _loader(files, data):
    env = {**os.environ, "CSA_DATA_DIR": str(data)}
    return subprocess.Popen(
        [sys.executable, "-c", LOADER, *map(str, files)], stdout=subprocess.PIPE, text=True, env=env
    )


def test_a_killed_load_then_reloaded_equals_a_clean_load(tmp_path, monkeypatch):
    files = _load_files(tmp_path, monkeypatch)
    clean = tmp_path / "clean"
    loader, loaded_at = _loader(files, clean), []
    for _ in loader.stdout:
        loaded_at.append(time.monotonic())
    assert loader.wait(120) == 0
    per_file = (loaded_at[-1] - loaded_at[0]) / len(files)
    expected = fingerprint(clean / "warehouse.duckdb", clean / "archive", clean / "reports")
    rng = random.Random(1232)
    killed_mid_way = 0
    for trial in range(4):
        data = tmp_path / f"trial{trial}"
        loader = _loader(files, data)
        loaded = rng.randrange(len(files) - 1)  # files loaded before the kill, then a random moment
        for line in loader.stdout:
            if line.startswith("loaded"):
                if loaded == 0:
                    break
                loaded -= 1
        time.sleep(rng.uniform(0, per_file))
        killed_mid_way += loader.poll() is None
        loader.send_signal(signal.SIGKILL)
        loader.wait(30)
        assert _loader(files, data).wait(120) == 0
        assert fingerprint(data / "warehouse.duckdb", data / "archive", data / "reports") == expected, trial
    assert killed_mid_way >= 2


def test_two_loaders_at_once_both_complete(tmp_path, monkeypatch):
    files = _load_files(tmp_path, monkeypatch)
    halves = [
        [f for f in files if f.parent.name in ("AT", "r2", "MT")],
        [f for f in files if f.parent.name in ("BE", "LU", "bad")],
    ]
    sequential = tmp_path / "sequential"
    for half in halves:
        assert _loader(half, sequential).wait(120) == 0
    data = tmp_path / "data"
    loaders = [_loader(half, data) for half in halves]
    assert [p.wait(120) for p in loaders] == [0, 0]
    assert fingerprint(data / "warehouse.duckdb", data / "archive") == fingerprint(
        sequential / "warehouse.duckdb", sequential / "archive"
    )


def _hold_reader(path, seconds, ready):
    con = duckdb.connect(str(path), read_only=True)
    ready.set()
    time.sleep(seconds)
    con.close()


def test_a_writer_waits_for_a_reader_instead_of_failing(tmp_path, csa_env):
    ingest_file(write_json_submission(tmp_path / "a", geo="AT"), csa_env)
    ready = multiprocessing.Event()
    reader = multiprocessing.Process(target=_hold_reader, args=(csa_env.warehouse, 1.5, ready))
    reader.start()
    try:
        assert ready.wait(20)
        assert ingest_file(write_json_submission(tmp_path / "b", geo="BE"), csa_env).status == "accepted"
    finally:
        reader.join()


def test_a_national_source_is_validated_once_as_it_loads_and_a_rejected_one_fails(csa_env):
    """The national pipeline's load validates (with the state's history); a rejected source is
    kept and registered, and the step fails naming the file, the place and the problem."""
    from csa_stats.settings import national_settings
    from csa_stats.steps import national

    home = national_settings("AT", csa_env)
    bad = write_json_submission(home.landing, year=2022, changes={("PERP_CNV", "_Z", "_Z", "_Z"): -1})
    with pytest.raises(national.SourceRejected, match=r"ART8_AT_2022_R1\.json .*\$\.observations\[\d+\]"):
        national.national_load("AT", str(bad), csa_env)
    write_json_submission(home.landing, year=2023)
    good = national.national_load("AT", national.national_source("AT", 2023, csa_env), csa_env)
    assert good["status"] == "accepted" and Path(good["report"]).exists()
    with db.reader(home.warehouse) as con:
        assert con.execute("SELECT time_period, status FROM submission ORDER BY 1").fetchall() == [
            (2022, "rejected"),
            (2023, "accepted"),
        ]


PERP = ("PERP_CNV", "_Z", "_Z", "_Z")


def test_revisions_must_increase_and_name_one_content(csa_env, tmp_path):
    """Revision 1 after revision 2 is rejected, not 'accepted' and superseded at once; a second,
    different revision 2 is rejected naming both checksums; current stays revision 2."""
    import hashlib

    r2 = ingest_file(write_json_submission(tmp_path / "b", revision=2, changes={PERP: 5}), csa_env)
    late_r1 = write_json_submission(tmp_path / "c", changes={PERP: 6})
    other_r2 = write_json_submission(tmp_path / "d", revision=2, changes={PERP: 7})
    assert r2.status == "accepted"
    old = ingest_file(late_r1, csa_env)
    taken = ingest_file(other_r2, csa_env)
    assert old.status == taken.status == "rejected"
    (order,) = [i for i in old.report.issues if i.rule == "L2_REVISION_ORDER"]
    assert (order.value, order.expected, order.json_path) == (1, 2, "$.metadata.revision")
    (clash,) = [i for i in taken.report.issues if i.rule == "L2_REVISION_TAKEN"]
    first_sha = hashlib.sha256((tmp_path / "b" / "ART8_AT_2023_R2.json").read_bytes()).hexdigest()
    this_sha = hashlib.sha256(other_r2.read_bytes()).hexdigest()
    assert first_sha in clash.message and this_sha in clash.message
    with db.reader(csa_env.warehouse) as con:
        assert con.execute("SELECT submission_id FROM current_submission").fetchall() == [(r2.submission_id,)]


def test_a_rejected_revision_may_be_sent_again_corrected(csa_env, tmp_path):
    bad = ingest_file(write_json_submission(tmp_path / "a", changes={PERP: -1}), csa_env)
    fixed = ingest_file(write_json_submission(tmp_path / "b"), csa_env)
    assert (bad.status, fixed.status) == ("rejected", "accepted")


def test_arrival_is_first_seen_not_the_file_mtime(csa_env, tmp_path):
    """A late file with its mtime set back still counts as late; a recorded receipt dates it."""
    before = dt.datetime.now(UTC)
    backdated = write_json_submission(tmp_path / "a", geo="HU")
    os.utime(backdated, (_when(2024, 1, 1).timestamp(),) * 2)
    receipted = write_json_submission(tmp_path / "b", geo="AT", received=_when(2024, 5, 2, 9))
    ingest_file(backdated, csa_env)
    ingest_file(receipted, csa_env)
    with db.reader(csa_env.warehouse) as con:
        got = dict(con.execute("SELECT geo, received_at FROM submission").fetchall())
        first_seen = dict(con.execute("SELECT original_name, first_received_at FROM raw_file").fetchall())
    assert got["HU"] >= before and got["AT"] == _when(2024, 5, 2, 9)
    assert first_seen[backdated.name] == got["HU"] and first_seen[receipted.name] == got["AT"]
    copy = tmp_path / "again" / backdated.name  # the same content again: first seen stays
    copy.parent.mkdir()
    copy.write_bytes(backdated.read_bytes())
    assert ingest_file(copy, csa_env).status == "duplicate"


def test_a_receipt_by_the_runs_today_dates_the_file_and_a_later_one_is_in_the_future(csa_env, tmp_path):
    """The demo tells its story on CSA_TODAY (after the clock): a receipt up to that day is not in
    the future; without the story day, the same receipt is refused and the file arrives now."""
    from dataclasses import replace

    from transforms import receipts

    told_on = replace(csa_env, story_day="2099-09-30")
    receipted = write_json_submission(tmp_path / "a", geo="AT", received=_when(2099, 7, 1, 9))
    assert receipts.read(csa_env.receipts, today=told_on.today)[0]
    assert "in the future" in receipts.read(csa_env.receipts)[1][0]
    ingest_file(receipted, told_on)
    with db.reader(csa_env.warehouse) as con:
        assert con.execute("SELECT received_at FROM submission").fetchone()[0] == _when(2099, 7, 1, 9)


def test_a_release_without_its_audit_entry_is_repaired(csa_env, tmp_path):
    """A release killed between the rename of its folder and its audit row gets the row on the
    next run, once."""
    from csa_stats.steps.release import release

    ingest_file(write_json_submission(tmp_path / "a"), csa_env)
    assert release(2023, settings=csa_env)["created"]
    with db.writer(csa_env.warehouse) as con:  # what the kill left: v1 on disk, no audit row
        con.execute("DELETE FROM audit_log WHERE action = 'release'")
    again = release(2023, settings=csa_env)
    assert not again["created"]
    release(2023, settings=csa_env)
    with db.reader(csa_env.warehouse) as con:
        rows = con.execute("SELECT object, detail FROM audit_log WHERE action = 'release'").fetchall()
    assert [(o, json.loads(d)["changes"]) for o, d in rows] == [("EU-2023-v1", 0)]
