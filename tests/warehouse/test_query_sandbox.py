"""`csa-stats query` is read-only in fact: one read-only statement, no file written anywhere."""

import contextlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import write_json_submission
from warehouse.loader import ingest_file
from warehouse.queries import QueryRefused, run_query

CLI = Path(sys.executable).parent / "csa-stats"


@pytest.fixture
def warehouse(tmp_path, csa_env):
    ingest_file(write_json_submission(tmp_path / "in"), csa_env)
    return csa_env.warehouse


def hostile_queries(warehouse: Path, tmp_path: Path) -> list[str]:
    """Every escape reported against the first-statement filter, and the rest of the list."""
    spill = f"{warehouse}.tmp"  # DuckDB's default temp directory, which external access allows
    return [
        f"select 1; export database '{spill}'",
        f"select 1; copy (select * from range(100000)) to '{spill}/big.csv'",
        "select 1; create temp table t as select 1",
        "select 1; create temp macro m() as 1",
        "select 1; checkpoint",
        f"select 1 -- a comment ; \n; copy submission to '{spill}/c.csv'",
        f"/* ; */ select 1; copy submission to '{tmp_path}/c.csv'",
        f"export database '{tmp_path}/export'",
        f"copy submission to '{spill}/x.csv'",
        f"copy (select 1) to '{tmp_path}/x.parquet' (format parquet)",
        f"copy submission from '{tmp_path}/x.csv'",
        "with x as (select 1) insert into audit_log select * from audit_log",
        "delete from submission",
        "create table t as select 1",
        f"attach '{tmp_path}/other.duckdb' as other",
        "attach ':memory:' as m",
        "detach m",
        "use memory",
        "install httpfs",
        "load httpfs",
        "update extensions",
        f"set temp_directory = '{tmp_path}/spill'",
        "set enable_external_access = true",
        "reset lock_configuration",
        "set variable x = 1",
        "pragma database_size",
        "call checkpoint()",
        "checkpoint",
        "vacuum",
        "analyze",
        "begin",
        "prepare p as select 1",
        "create secret s (type s3)",
        f"explain analyze copy submission to '{spill}/e.csv'",
        "explain analyze create table e as select 1",
        "explain analyze insert into audit_log select * from audit_log",
        "explain (format json) delete from submission",
        "pivot submission on geo",
        f"select * from read_csv('{tmp_path}/secret.csv')",
        f"select * from '{tmp_path}/secret.csv'",
        f"select * from glob('{tmp_path}/*')",
        f"select * from read_text('{warehouse}')",
        "select * from read_parquet('https://example.org/x.parquet')",
        f"select * from query('copy submission to ''{spill}/q.csv''')",
        f"select * from query_table('{tmp_path}/secret.csv')",
        "",
        ";",
        "-- only a comment",
    ]


# Queries DuckDB runs or refuses by itself; either way, nothing may be written.
HARMLESS = (
    "select * from checkpoint()",
    "select * from force_checkpoint()",
    "select * from query('select 42')",
    "select count(*) from duckdb_extensions()",
    "select count(*) from (select * from range(2000000) order by random())",
)


def _tree(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*")}


def test_every_hostile_query_is_refused_and_writes_nothing(tmp_path, warehouse, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # where an extension install would land
    (tmp_path / "secret.csv").write_text("a\n424242\n")
    before = _tree(tmp_path)
    for sql in hostile_queries(warehouse, tmp_path):
        with pytest.raises(QueryRefused):
            run_query(warehouse, sql)
    for sql in HARMLESS:
        with contextlib.suppress(QueryRefused):
            run_query(warehouse, sql)
    assert _tree(tmp_path) == before


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT geo, status FROM submission_status",
        "  -- the tracker\n WITH s AS (SELECT * FROM submission_status) SELECT geo, status FROM s;",
        "FROM submission_status SELECT geo, status",
        "DESCRIBE submission",
        "SHOW TABLES",
        "SUMMARIZE submission",
        "EXPLAIN SELECT geo, status FROM submission_status",
        "EXPLAIN ANALYZE SELECT geo, status FROM submission_status",
    ],
)
def test_read_only_statements_run(warehouse, sql):
    columns, rows = run_query(warehouse, sql)
    assert columns and rows


def test_the_query_connection_cannot_spill_to_disk(warehouse):
    """Spilling is the one file write a read-only connection with external access off still does."""
    _, rows = run_query(
        warehouse,
        "SELECT current_setting('temp_directory'), current_setting('enable_external_access'), "
        "current_setting('lock_configuration')",
    )
    assert rows == [("", False, True)]


def run(*args, data: Path, **kwargs):
    env = {**os.environ, "CSA_DATA_DIR": str(data)}
    return subprocess.run([CLI, *map(str, args)], capture_output=True, env=env, **kwargs)


def test_refused_and_failed_queries_exit_6_not_busy(tmp_path, warehouse):
    data = warehouse.parent
    for sql in ("select 1; create temp table t as select 1", "SELECT no_such_column FROM submission"):
        result = run("query", sql, data=data, text=True)
        assert result.returncode == 6, (sql, result.stderr)
        assert result.stderr.startswith("query refused:") and "Traceback" not in result.stderr
    assert not Path(f"{warehouse}.tmp").exists()


def test_a_closed_output_pipe_ends_quietly(warehouse):
    """`csa-stats query ... | head -1`: the reader leaves early, the query exits 0 without noise."""
    sql = "SELECT range AS n FROM range(20000)"
    for fmt in ("csv", "json", "table"):
        cli = subprocess.Popen(
            [CLI, "query", sql, "--format", fmt],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, "CSA_DATA_DIR": str(warehouse.parent)},
        )
        cli.stdout.readline()
        cli.stdout.close()  # what head does after its first line
        assert cli.wait(timeout=120) == 0, fmt
        assert cli.stderr.read() == b"", fmt
