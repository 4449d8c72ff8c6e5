"""A warehouse rebuilt from the raw archive equals the original: the archive is the source of truth."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb

from csa_stats.demo import generate_demo
from tests.helpers import write_json_submission

CLI = str(Path(sys.executable).parent / "csa-stats")
# The registry (files and submissions with their reports), the observations, the revisions.
TABLES = {
    "raw_file": "SELECT sha256, original_name, byte_size, first_received_at, "
    "regexp_replace(archive_path, '^.*/([0-9a-f]{2}/[^/]+)$', '\\1') FROM raw_file ORDER BY sha256",
    "submission": "SELECT * FROM submission ORDER BY submission_id",
    "observation": "SELECT * FROM observation ORDER BY ALL",
    "current_observation": "SELECT * FROM current_observation ORDER BY ALL",
    "submission_status": "SELECT * FROM submission_status ORDER BY ALL",
}


def _contents(path: Path) -> dict[str, list]:
    with duckdb.connect(str(path), read_only=True) as con:
        return {name: con.execute(sql).fetchall() for name, sql in TABLES.items()}


def test_a_rebuild_from_the_archive_equals_the_original(tmp_path, csa_env):
    env = os.environ | {"CSA_DATA_DIR": str(csa_env.data_dir)}
    landing, later = csa_env.landing, tmp_path / "later"
    generate_demo(landing, years=range(2022, 2024), geos=["AT", "BE", "LT", "NL", "CY"], revisions_dir=later)
    wrong = write_json_submission(landing / "BE", geo="AT", year=2022, revision=3)  # claims another state
    first = subprocess.run([CLI, "ingest", str(landing)], env=env, capture_output=True, text=True)
    assert first.returncode == 2, first.stderr  # the file in BE's prefix claiming AT is rejected
    second = subprocess.run([CLI, "ingest", "--actor", "operator", str(later)], env=env, capture_output=True)
    assert second.returncode in (0, 1), second.stderr
    wrong.unlink()

    target = tmp_path / "rebuilt.duckdb"
    done = subprocess.run([CLI, "rebuild", "--to", str(target)], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    original, rebuilt = _contents(csa_env.warehouse), _contents(target)
    assert len(original["submission"]) == 12 and len(original["observation"]) > 100
    assert {row[9] for row in original["submission"]} == {"accepted", "rejected"}
    for name in TABLES:
        assert rebuilt[name] == original[name], name
    assert json.loads(done.stdout.strip().splitlines()[-1])["submissions"] == 12


def test_a_rebuild_never_writes_over_a_warehouse(tmp_path, csa_env):
    write_json_submission(csa_env.landing / "AT", geo="AT")
    env = os.environ | {"CSA_DATA_DIR": str(csa_env.data_dir)}
    subprocess.run([CLI, "ingest", str(csa_env.landing)], env=env, capture_output=True, check=True)
    done = subprocess.run(
        [CLI, "rebuild", "--to", str(csa_env.warehouse)], env=env, capture_output=True, text=True
    )
    assert done.returncode == 4 and "a rebuild writes a new warehouse" in done.stderr
