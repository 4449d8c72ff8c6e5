"""Analysts read snapshots: a query during a load answers at once, at most one load behind."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tests.helpers import write_json_submission
from warehouse import db, snapshot

CLI = str(Path(sys.executable).parent / "csa-stats")

# A real load in its own process, held open after its rows are inserted (lock held, not committed)
# until the test removes the `hold` file.
SLOW_LOAD = """
import pathlib, sys, time
from csa_stats.settings import get_settings
from warehouse import loader, queries

original = queries.insert_observations
def held(*args, **kwargs):
    original(*args, **kwargs)
    signal, hold = pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
    signal.write_text("loading")
    while hold.exists():
        time.sleep(0.05)
queries.insert_observations = held
loader.ingest_file(pathlib.Path(sys.argv[1]), get_settings())
"""


def cli(*args, env):
    return subprocess.run([CLI, *map(str, args)], capture_output=True, text=True, env=env, timeout=120)


def count(env, *flags) -> subprocess.CompletedProcess:
    return cli("query", "SELECT count(*) AS n FROM submission", "--format", "json", *flags, env=env)


def submissions(env) -> int:
    result = count(env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)[0]["n"]


def test_every_load_publishes_a_snapshot_that_query_reads(tmp_path):
    data = tmp_path / "data"
    env = {**os.environ, "CSA_DATA_DIR": str(data)}
    assert count(env).returncode == 4 and "no warehouse snapshot" in count(env).stderr
    cli("ingest", write_json_submission(data / "landing" / "AT", "AT"), env=env)
    cli("ingest", write_json_submission(data / "landing" / "BE", "BE"), env=env)
    assert snapshot.published(str(data / "snapshots")) == [
        "warehouse-00000001.duckdb",
        "warehouse-00000002.duckdb",
    ]
    assert (data / "snapshots" / "LATEST").read_text() == "warehouse-00000002.duckdb\n"
    assert submissions(env) == 2
    # A snapshot is read-only, views included; a write is refused as on the live file.
    views = cli("query", "SELECT geo FROM current_figure_wide ORDER BY geo", "--format", "csv", env=env)
    assert views.stdout.split() == ["geo", "AT", "BE"]
    assert (data / "snapshots" / "warehouse-00000002.duckdb").stat().st_mode & 0o222 == 0
    assert cli("query", "DELETE FROM submission", env=env).returncode == 6  # refused, as on the live file


def test_a_query_during_a_load_answers_from_the_snapshot_at_most_one_load_behind(tmp_path):
    data = tmp_path / "data"
    env = {**os.environ, "CSA_DATA_DIR": str(data)}
    cli("ingest", write_json_submission(data / "landing" / "AT", "AT"), env=env)
    signal, hold = tmp_path / "loading", tmp_path / "hold"
    hold.touch()
    second = write_json_submission(data / "landing" / "BE", "BE")
    writer = subprocess.Popen([sys.executable, "-c", SLOW_LOAD, second, signal, hold], env=env)
    try:
        deadline = time.monotonic() + 60
        while not signal.exists():
            assert writer.poll() is None and time.monotonic() < deadline, "the load did not start"
            time.sleep(0.05)
        # The writer holds the lock and the live file: the live read is busy (exit 4) ...
        live = count(env, "--live")
        assert live.returncode == 4 and "busy" in live.stderr
        # ... the default read answers from the snapshot, the load before this one, while the
        # load is still running (the writer waits for us to remove `hold`: no timing involved).
        assert submissions(env) == 1
        # The tracker and the summary too, and they say what they read.
        status = cli("status", "--year", "2023", env=env)
        assert status.returncode == 0 and "reading snapshot warehouse-00000001.duckdb" in status.stderr
        missing = next(line for line in status.stdout.splitlines() if line.startswith("missing:"))
        assert "BE 2023" in missing and "AT 2023" not in missing  # BE is the load in progress
        assert cli("summary", env=env).returncode == 0
        assert cli("status", "--live", env=env).returncode == 4
        assert writer.poll() is None
    finally:
        hold.unlink()
        writer.wait(timeout=60)
    assert writer.returncode == 0
    # Committed: the snapshot published under the same lock has it, no load behind any more.
    assert submissions(env) == 2
    assert json.loads(count(env, "--live").stdout)[0]["n"] == 2


def test_a_failed_write_publishes_no_snapshot(tmp_path):
    from warehouse import db

    path, location = tmp_path / "w.duckdb", str(tmp_path / "snapshots")
    with db.writer(path, snapshots=location):
        pass
    with pytest.raises(RuntimeError), db.writer(path, snapshots=location):
        raise RuntimeError("load failed")
    assert snapshot.published(location) == ["warehouse-00000001.duckdb"]


def test_only_the_newest_snapshots_are_kept(tmp_path):
    from warehouse import db

    path, location = tmp_path / "w.duckdb", str(tmp_path / "snapshots")
    for _ in range(5):
        with db.writer(path, snapshots=location, keep=2):
            pass
    assert snapshot.published(location) == ["warehouse-00000004.duckdb", "warehouse-00000005.duckdb"]
    assert snapshot.newest(location) == "warehouse-00000005.duckdb"


def test_a_batch_publishes_a_snapshot_at_most_every_few_seconds_and_at_its_end(tmp_path):
    path, location = tmp_path / "w.duckdb", str(tmp_path / "snapshots")
    with db.session(path, snapshots=location, every=3600) as batch:
        for n in range(3):
            batch.con.execute(
                "INSERT INTO audit_log (logged_at, actor, action, object) VALUES (now(), 'a', 'b', ?)",
                [str(n)],
            )
            batch.committed()
        assert snapshot.published(location) == []  # within the hour: none yet
    assert len(snapshot.published(location)) == 1  # the end of the batch
    with db.session(path, snapshots=location, every=0) as batch:
        for n in range(2):
            batch.con.execute(
                "INSERT INTO audit_log (logged_at, actor, action, object) VALUES (now(), 'a', 'b', ?)",
                [str(n)],
            )
            batch.committed()
        assert len(snapshot.published(location)) == 3  # one after each commit, each holding it
    newest = Path(location) / snapshot.newest(location)
    with duckdb.connect(str(newest), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM audit_log").fetchone() == (5,)
