"""Malformed and hostile inputs: each gets its documented exit code and a message naming the
rule and the place, never a traceback; in a batch, the others are unaffected and nothing is lost."""

import hashlib
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from csa_stats.cli import main
from tests.e2e.hostile import (
    CASES,
    LANDING,
    SECOND_ROUND,
    SECRET,
    THIRD_ROUND,
    UNREADABLE,
    build_corpus,
)
from tests.helpers import write_json_submission
from warehouse import db


def test_the_corpus_is_large_and_each_case_is_different():
    assert len(CASES) >= 40
    assert len(SECOND_ROUND) >= 40  # issue 13: the corpus keeps growing, class by class
    assert len(THIRD_ROUND) + len(LANDING) >= 40  # issue 29
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.timeout(60)  # a named pipe or a huge cell must not hang the reader
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_hostile_input_gets_a_clear_verdict(case, tmp_path, monkeypatch, capsys):
    for name, value in case.env.items():
        monkeypatch.setenv(name, value)
    path = case.build(tmp_path)
    code = main(["validate", "--json", "--report-dir", str(tmp_path / "reports"), str(path)])
    out = capsys.readouterr()
    assert code == case.expect, out.out[-2000:]
    assert "Traceback" not in out.out + out.err
    assert SECRET not in out.out + out.err  # what a link points at is never read
    (report,) = json.loads(out.out)
    if case.rule:
        named = [i for i in report["issues"] if i["rule"] == case.rule]
        assert named, [i["rule"] for i in report["issues"]]
        assert any(case.place in i["location"] for i in named), [i["location"] for i in named]
        assert all(i["message"] for i in named)
    else:
        assert report["issues"] == []
    reports = list((tmp_path / "reports").iterdir())
    assert reports and all(p.parent == tmp_path / "reports" for p in reports)


@pytest.mark.timeout(60)  # a named pipe in the landing or as the receipts must not hang ingest
@pytest.mark.parametrize("case", LANDING, ids=[c.name for c in LANDING])
def test_each_hostile_landing_entry_is_left_or_refused_with_why(case, tmp_path, monkeypatch, capsys, caplog):
    data = tmp_path / "data"
    monkeypatch.setenv("CSA_DATA_DIR", str(data))
    monkeypatch.setenv("CSA_RECEIPTS", str(data / "receipts.json"))  # restored whatever a case sets
    args = case.build(data)
    code = main(["ingest", *args])
    out = capsys.readouterr()
    said = out.out + out.err + caplog.text
    assert code == case.expect, said[-3000:]
    assert "Traceback" not in said and case.says in said, said[-3000:]
    kept = [p for p in data.rglob("*") if p.is_file() and not {"outside", "landing"} & set(p.parts)]
    leaked = [p for p in kept if p.suffix != ".duckdb" and SECRET.encode() in p.read_bytes()]
    assert not leaked, f"a link was read: {leaked}"
    if case.rule:
        with db.reader(data / "warehouse.duckdb") as con:
            reports = [json.loads(r) for (r,) in con.execute("SELECT report FROM submission").fetchall()]
        assert case.rule in {i["rule"] for r in reports for i in r["issues"]}, reports


def test_a_batch_of_hostile_files_costs_no_data(tmp_path):
    """Every file hostile but one lands at once: the good one becomes current, every other file
    is archived and registered with a verdict of its own, and what is not taken is reported."""
    landing = tmp_path / "data" / "landing"
    landing.mkdir(parents=True)
    built = build_corpus(tmp_path / "corpus")
    for i, (_case, path) in enumerate(built):  # one state's prefix: give each file its own name
        target = landing / "AT" / f"{i:03d}_{path.name}"
        target.parent.mkdir(parents=True, exist_ok=True)
        _copy_entry(path, target)
        _copy_entry(path.with_suffix(".meta.json"), target.with_suffix(".meta.json"))
    good = write_json_submission(landing / "LU", geo="LU")
    left = [  # what folder ingest does not take, each reported with why
        landing / "LU" / "sub" / "ART8_MT_2023_R1.json",
        landing / "LU" / ".hidden.json",
        landing / "AT" / "ART8_PL_2023_R1.meta.json",  # no data file beside it
        landing / "misc" / "ART8_MT_2023_R1.json",  # not a state's prefix
    ]
    for path in left:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"{}" if path.name.endswith(".meta.json") else good.read_bytes())
    entries = [  # issue 29: never followed, never opened
        landing / "LU" / "ART8_LU_2022_R1.json",  # a link to a good file
        landing / "LU" / "ART8_LU_2021_R1.csv",  # a named pipe
        landing / "DE",  # a state's prefix that is a link
        landing / "GR",  # Greece is EL
    ]
    os.symlink(good, entries[0])
    os.mkfifo(entries[1])
    os.symlink(landing / "LU", entries[2])
    write_json_submission(entries[3], geo="EL")
    flat = write_json_submission(landing, geo="MT")  # the old flat layout: not collected
    env = {"CSA_DATA_DIR": str(tmp_path / "data"), "PATH": str(Path(sys.executable).parent)}
    cli = str(Path(sys.executable).parent / "csa-stats")
    result = subprocess.run(
        [cli, "ingest", str(landing)], capture_output=True, text=True, env=env, timeout=600
    )
    assert result.returncode == 3 and "Traceback" not in result.stdout + result.stderr, result.stderr[-3000:]
    assert "old flat layout" in result.stderr
    reported = [left[0].parent, *left[1:3], left[3].parent, flat, *entries]
    for path in reported:
        assert f"not taken: {path}: " in result.stdout, f"{path} not reported as not taken"
    assert f"not taken: {entries[3]}: " in result.stdout and "Greece is 'EL'" in result.stdout

    def query(sql):
        out = subprocess.run([cli, "query", sql, "--format", "json"], capture_output=True, text=True, env=env)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)

    data_files = [p for g in ("AT", "LU") for p in (landing / g).iterdir() if _regular(p)]
    data_files = [p for p in data_files if not p.name.startswith(".") and not p.name.endswith(".meta.json")]
    registered = query(
        "SELECT r.original_name, s.sha256, s.geo, s.status, s.report "
        "FROM submission s JOIN raw_file r USING (sha256)"
    )
    by_name = {r["original_name"]: r for r in registered}
    received = {r["sha256"] for r in registered}
    for path in data_files:  # a file whose bytes came earlier is that earlier submission
        assert hashlib.sha256(path.read_bytes()).hexdigest() in received, f"{path.name} is not registered"
    assert len(registered) == len({(p.parent.name, p.read_bytes() + _side(p)) for p in data_files})
    assert {r["geo"] for r in registered} == {"AT", "LU"}  # registered under the prefix they came from
    (archived,) = query("SELECT count(*) AS n FROM raw_file")
    assert archived["n"] == len({p.read_bytes() for p in data_files} | {_side(p) for p in data_files} - {b""})
    assert by_name[good.name]["status"] == "accepted"
    (current,) = query("SELECT submission_id FROM current_submission WHERE geo = 'LU'")
    assert current["submission_id"].startswith("LU-2023-R1-")
    for name, row in by_name.items():  # a rejection names its rule and its place
        report = json.loads(row["report"])
        if row["status"] == "rejected":
            errors = [i for i in report["issues"] if i["severity"] == "error"]
            assert errors and all(i["rule"] and i["location"] for i in errors), name


def _side(path: Path) -> bytes:
    side = path.with_suffix(".meta.json")
    return side.read_bytes() if _regular(side) else b""  # a link or a pipe there is never read


def _regular(path: Path) -> bool:
    return path.exists() and stat.S_ISREG(path.lstat().st_mode)


def _copy_entry(source: Path, target: Path) -> None:
    """A file byte for byte; a link or a named pipe as itself (the landing must leave them)."""
    if source.is_symlink():
        os.symlink(os.readlink(source), target)
    elif source.exists() and stat.S_ISFIFO(source.lstat().st_mode):
        os.mkfifo(target)
    elif source.exists():
        target.write_bytes(source.read_bytes())


def test_a_file_that_breaks_judging_is_registered_and_the_batch_goes_on(csa_env, monkeypatch):
    """Whatever a file does to the reader or the warehouse, it is rejected with L0_NOT_JUDGED."""
    import duckdb

    from warehouse import loader, queries

    landing = csa_env.landing
    first = write_json_submission(landing / "a", geo="AT")
    second = write_json_submission(landing / "b", geo="BE")
    third = write_json_submission(landing / "c", geo="LU")

    with monkeypatch.context() as m:
        _break_the_json_reader(m)
        broken = loader.ingest_file(first, csa_env)
    real_insert = queries.insert_observations

    def unstorable(con, sid, rows):
        raise duckdb.ConversionException("Type DOUBLE with value 1e+30 can't be cast to INT64")

    with monkeypatch.context() as m:
        m.setattr(queries, "insert_observations", unstorable)
        refused = loader.ingest_file(second, csa_env)
    assert queries.insert_observations is real_insert
    fine = loader.ingest_file(third, csa_env)
    for result in (broken, refused):
        assert result.status == "rejected"
        assert [i.rule for i in result.report.issues] == ["L0_NOT_JUDGED"], result.report.issues
        assert result.report.issues[0].location == "file"
    assert fine.status == "accepted"
    from warehouse import db

    with db.reader(csa_env.warehouse) as con:
        rows = con.execute("SELECT geo, status FROM submission ORDER BY geo").fetchall()
        assert rows == [("AT", "rejected"), ("BE", "rejected"), ("LU", "accepted")]
        assert con.execute("SELECT count(*) FROM observation WHERE geo = 'BE'").fetchone() == (0,)


def _break_the_json_reader(monkeypatch) -> None:
    """The registry's JSON entry with a reader that raises what no rule foresaw."""
    from dataclasses import replace

    from transforms.formats import registry

    def reader_bug(*args):
        raise RuntimeError("no rule foresaw this")

    broken = [replace(f, read=reader_bug) if f.name == "json" else f for f in registry.FORMATS]
    monkeypatch.setattr(registry, "FORMATS", broken)


def test_validate_gives_a_file_that_breaks_judging_a_verdict(tmp_path, monkeypatch, capsys):
    path = write_json_submission(tmp_path)
    _break_the_json_reader(monkeypatch)
    code = main(["validate", "--json", str(path)])
    out = capsys.readouterr()
    (report,) = json.loads(out.out)
    assert code == 3 and "Traceback" not in out.out + out.err
    assert [i["rule"] for i in report["issues"]] == ["L0_NOT_JUDGED"]


def test_all_unreadable_files_at_once_exit_3(tmp_path):
    paths = [str(p) for c, p in build_corpus(tmp_path) if c.expect == UNREADABLE and not c.env]
    cli = str(Path(sys.executable).parent / "csa-stats")
    result = subprocess.run([cli, "validate", *paths], capture_output=True, text=True)
    assert result.returncode == 3 and "Traceback" not in result.stdout + result.stderr
    assert result.stdout.count("UNREADABLE") == len(paths)


def test_a_file_gone_or_swapped_for_a_pipe_after_the_listing_is_not_taken_and_the_batch_goes_on(
    csa_env, caplog
):
    from warehouse.loader import Arrival, ingest_files

    listed = {geo: write_json_submission(csa_env.landing / geo, geo=geo) for geo in ("AT", "BE", "LU", "MT")}
    listed["BE"].unlink()
    os.mkfifo(listed["BE"])  # swapped after the listing: never opened for reading
    listed["MT"].unlink()  # gone after the listing
    results = ingest_files([Arrival(path, geo) for geo, path in listed.items()], csa_env)
    assert [(r.file, r.status) for r in results] == [
        (listed["AT"].name, "accepted"),
        (listed["LU"].name, "accepted"),
    ]
    not_taken = [m for m in caplog.messages if m.startswith("not taken from the landing folder")]
    assert len(not_taken) == 2 and str(listed["BE"]) in not_taken[0] and str(listed["MT"]) in not_taken[1]
