"""The command line as a user meets it: exit codes, messages, no tracebacks."""

import json
import subprocess
import sys
from pathlib import Path

from csa_stats.settings import VARIABLES
from tests.helpers import write_json_submission

CLI = [str(Path(sys.executable).parent / "csa-stats")]


def run(*args, env_dir=None):
    import os

    env = {**os.environ, "CSA_DATA_DIR": str(env_dir)} if env_dir else None
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, env=env)


def test_help_lists_the_commands():
    out = run("--help").stdout
    for command in ("demo-data", "validate", "ingest", "release", "query", "status"):
        assert command in out


def test_validate_exit_codes(tmp_path):
    good = write_json_submission(tmp_path / "ok")
    bad = write_json_submission(tmp_path / "bad", changes={("PERP_CNV", "_Z", "_Z", "_Z"): -1})
    junk = tmp_path / "ART8_AT_2023_R1.xlsx"
    junk.write_bytes(b"\x00\x01 not a workbook")
    assert run("validate", good).returncode == 0
    result = run("validate", bad)
    assert (
        result.returncode == 2
        and "L1_NON_NEGATIVE" in result.stdout
        and "$.observations[14]" in result.stdout
    )
    result = run("validate", junk)
    assert result.returncode == 3 and "Traceback" not in result.stdout + result.stderr
    assert "L0_READABLE" in result.stdout


def test_validate_strict_and_json(tmp_path):
    gap = {("CHILD_IDN", s, "_Z", "_Z"): None for s in "FMU"}
    path = write_json_submission(tmp_path, changes=gap)
    assert run("validate", path).returncode == 0
    assert run("validate", "--strict", path).returncode == 1
    reports = json.loads(run("validate", "--json", path).stdout)
    assert reports[0]["warnings"] == 1 and reports[0]["issues"][0]["rule"] == "L1_BREAKDOWN_MISSING"


def test_ingest_status_and_query_refuses_writes(tmp_path):
    data = tmp_path / "data"
    write_json_submission(data / "landing" / "AT")
    assert run("ingest", data / "landing", env_dir=data).returncode == 0
    status = run("status", "--year", "2023", env_dir=data)
    assert status.returncode == 0 and "AT" in status.stdout
    out = run("query", "SELECT geo, status FROM submission_status", "--format", "csv", env_dir=data)
    assert out.stdout.splitlines()[1] == "AT,accepted"
    refused = run("query", "DELETE FROM submission", env_dir=data)
    assert refused.returncode == 6 and "read-only" in refused.stderr and "Traceback" not in refused.stderr


def test_commands_without_a_warehouse_say_so(tmp_path):
    result = run("status", env_dir=tmp_path / "nothing")
    assert result.returncode == 4 and "no warehouse" in result.stderr


def test_readme_documents_every_setting():
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    for name, (default, _meaning) in VARIABLES.items():
        assert f"`{name}` | `{default}`" in readme, name


def test_query_cannot_attach_or_read_files(tmp_path):
    data = tmp_path / "data"
    write_json_submission(data / "landing" / "AT")
    run("ingest", data / "landing", env_dir=data)
    secret = tmp_path / "secret.csv"
    secret.write_text("a\n42\n")
    for sql in (
        f"SELECT * FROM read_csv('{secret}')",
        f"SELECT * FROM '{secret}'",
        f"ATTACH '{tmp_path / 'other.duckdb'}' AS other",
        "SET enable_external_access = true",
        "COPY submission TO '/tmp/leak.csv'",
    ):
        result = run("query", sql, env_dir=data)
        assert result.returncode == 6, sql
        assert "42" not in result.stdout and "Traceback" not in result.stderr
    assert not (tmp_path / "other.duckdb").exists()


def test_an_unreachable_object_store_or_a_bad_setting_is_said_plainly(tmp_path):
    import os

    from tests.s3_server import free_port

    unreachable = {
        **os.environ,
        "CSA_DATA_DIR": str(tmp_path),
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}",  # nothing listens there
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }
    result = subprocess.run(
        [*CLI, "ingest", "s3://csa-landing/landing"], capture_output=True, text=True, env=unreachable
    )
    assert result.returncode == 4, result.stderr  # unavailable: retry when the store is back
    assert "error: Could not connect to the endpoint URL" in result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr

    misnamed = {
        **os.environ,
        "CSA_DATA_DIR": str(tmp_path),
        "CSA_NATIONAL_RECORDS": str(tmp_path / "{state}"),
    }
    result = subprocess.run(
        [*CLI, "aggregate", "--geo", "MT", "--year", "2023"], capture_output=True, text=True, env=misnamed
    )
    assert result.returncode == 3
    assert (
        "CSA_NATIONAL_RECORDS=" in result.stderr and "{state}" in result.stderr and "{geo}" in result.stderr
    )

    verbose = {**os.environ, "CSA_DATA_DIR": str(tmp_path), "CSA_LOG_LEVEL": "chatty"}
    result = subprocess.run([*CLI, "status"], capture_output=True, text=True, env=verbose)
    assert result.returncode == 3 and "Traceback" not in result.stderr
    assert "CSA_LOG_LEVEL is 'chatty'; expected one of DEBUG, INFO" in result.stderr
