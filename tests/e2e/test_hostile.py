"""Malformed and hostile inputs: each gets its documented exit code and a message naming the
rule and the place, never a traceback; in a batch, the others are unaffected and nothing is lost."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from csa_stats.cli import main
from tests.e2e.hostile import CASES, UNREADABLE, build_corpus
from tests.helpers import write_json_submission


def test_the_corpus_is_large_and_each_case_is_different():
    assert len(CASES) >= 40
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_hostile_input_gets_a_clear_verdict(case, tmp_path, monkeypatch, capsys):
    for name, value in case.env.items():
        monkeypatch.setenv(name, value)
    path = case.build(tmp_path)
    code = main(["validate", "--json", "--report-dir", str(tmp_path / "reports"), str(path)])
    out = capsys.readouterr()
    assert code == case.expect, out.out[-2000:]
    assert "Traceback" not in out.out + out.err
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


def test_a_batch_of_hostile_files_costs_no_data(tmp_path):
    """All files land at once: good ones load, every file is archived, the CLI never crashes."""
    landing = tmp_path / "data" / "landing"
    built = build_corpus(tmp_path / "corpus")
    for i, (_case, path) in enumerate(built):  # one state's prefix: give each file its own name
        target = landing / "AT" / f"{i:02d}_{path.name}"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
        side = path.with_suffix(".meta.json")
        if side.exists():
            target.with_suffix(".meta.json").write_bytes(side.read_bytes())
    good = [write_json_submission(landing / g, geo=g) for g in ("LU", "MT")]
    env = {"CSA_DATA_DIR": str(tmp_path / "data"), "PATH": str(Path(sys.executable).parent)}
    cli = str(Path(sys.executable).parent / "csa-stats")
    result = subprocess.run([cli, "ingest", str(landing)], capture_output=True, text=True, env=env)
    assert result.returncode == 2 and "Traceback" not in result.stdout + result.stderr
    query = "SELECT count(*) FROM raw_file"
    out = subprocess.run([cli, "query", query, "--format", "json"], capture_output=True, text=True, env=env)
    distinct = {p.read_bytes() for p in landing.rglob("*") if p.is_file()}  # with their side files
    assert json.loads(out.stdout)[0]["count_star()"] == len(distinct)
    status = subprocess.run(
        [
            cli,
            "query",
            "SELECT geo, status FROM submission_status WHERE geo IN ('LU', 'MT')",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    assert {(r["geo"], r["status"]) for r in json.loads(status.stdout)} == {
        ("LU", "accepted"),
        ("MT", "accepted"),
    }
    assert len(good) == 2


def test_all_unreadable_files_at_once_exit_3(tmp_path):
    paths = [str(p) for c, p in build_corpus(tmp_path) if c.expect == UNREADABLE and not c.env]
    cli = str(Path(sys.executable).parent / "csa-stats")
    result = subprocess.run([cli, "validate", *paths], capture_output=True, text=True)
    assert result.returncode == 3 and "Traceback" not in result.stdout + result.stderr
    assert result.stdout.count("UNREADABLE") == len(paths)
