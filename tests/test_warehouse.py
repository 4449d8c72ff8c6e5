"""The warehouse against real DuckDB files in tmp_path."""

import datetime as dt
import multiprocessing
import time

import duckdb
import pytest
from conftest import write_json_submission

from warehouse import db, queries
from warehouse.loader import ingest_file

UTC = dt.UTC


def _when(*args):
    return dt.datetime(*args, tzinfo=UTC)


def fingerprint(path):
    """Everything a load decides (not wall-clock times of the load itself)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return (
            con.execute(
                "SELECT submission_id, status, errors, warnings, received_at FROM submission ORDER BY 1"
            ).fetchall(),
            con.execute("SELECT * FROM observation ORDER BY ALL").fetchall(),
            con.execute("SELECT sha256, byte_size FROM raw_file ORDER BY 1").fetchall(),
        )
    finally:
        con.close()


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
    assert len(rows) == 15 and subs[0]["geo"] == "AT"
    assert actions == ["ingest", "accept"]


def test_same_file_twice_is_recognised(tmp_path, csa_env):
    path = write_json_submission(tmp_path / "in")
    first = ingest_file(path, csa_env)
    second = ingest_file(path, csa_env)
    assert second.status == "duplicate" and second.submission_id == first.submission_id
    with db.reader(csa_env.warehouse) as con:
        assert con.execute("SELECT count(*) FROM submission").fetchone()[0] == 1
        assert con.execute("SELECT count(*) FROM audit_log WHERE action = 'duplicate'").fetchone()[0] == 1


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
        assert con.execute("SELECT count(*) FROM observation").fetchone()[0] == 30
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
        first = con.execute("SELECT version, name FROM schema_version").fetchall()
    with db.writer(path) as con:
        assert con.execute("SELECT version, name FROM schema_version").fetchall() == first
    assert first[0] == (1, "001_initial.sql")
