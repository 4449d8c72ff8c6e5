"""Every folder on an object store (a real S3 server on loopback): the same bytes as on a disk."""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import union_collecting, write_json_submission
from tests.s3_server import create_bucket, s3_server
from warehouse import storage
from warehouse.archive import write_receipts

CLI = str(Path(sys.executable).parent / "csa-stats")


@pytest.fixture(scope="module")
def s3():
    with s3_server() as variables, pytest.MonkeyPatch.context() as mp:
        for name, value in variables.items():
            mp.setenv(name, value)
        create_bucket("csa-test")
        yield "s3://csa-test"


def run(env, *args):
    result = subprocess.run([CLI, *map(str, args)], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    return result


def pipeline(data: Path, env: dict) -> None:
    """Ingest, release, a revision, a second release: what the Union DAGs do, through the CLI."""
    landing = data.parent / f"{data.name}-landing"
    receipts = data.parent / f"{data.name}-receipts.json"
    env = {**env, "CSA_RECEIPTS": str(receipts)}
    at = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)  # the arrival time is part of what is published

    def land(geo: str, **kwargs) -> Path:
        path = write_json_submission(landing, geo, **kwargs)
        write_receipts(receipts, {path: at})  # recorded outside the landing folder, as an operator would
        return path

    run(env, "ingest", land("AT"))
    run(env, "ingest", land("BE"))
    run(env, "release", "--year", "2023")
    run(env, "ingest", land("AT", revision=2, changes={("PERP_CNV", "_Z", "_Z", "_Z"): 9}))
    run(env, "release", "--year", "2023")


def objects(url: str) -> dict[str, bytes]:
    fs, root = storage.filesystem(url)
    return {name[len(root) + 1 :]: fs.cat_file(name) for name in fs.find(root)}


def local_files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file() and not p.is_symlink() and "latest" not in p.relative_to(folder).parts
    }


def test_every_folder_on_the_object_store_holds_the_bytes_of_a_local_run(tmp_path, s3):
    local = tmp_path / "local"
    pipeline(local, {**os.environ, "CSA_DATA_DIR": str(local)})
    remote = tmp_path / "remote"
    folders = {name: f"{s3}/run/{name}" for name in ("archive", "reports", "public", "snapshots")}
    env = {**os.environ, "CSA_DATA_DIR": str(remote), **{f"CSA_{k.upper()}": v for k, v in folders.items()}}
    pipeline(remote, env)

    releases = objects(f"{folders['public']}/releases")
    assert releases == local_files(local / "public" / "releases")
    assert {"2023/v1/SHA256SUMS", "2023/v2/CHANGELOG.md", "2023/LATEST"} <= set(releases)
    assert releases["2023/LATEST"] == b"v2\n"
    assert objects(folders["archive"]) == local_files(local / "archive")
    assert set(objects(folders["reports"])) == set(local_files(local / "reports"))
    assert {"catalog.ttl", "index.html"} <= set(objects(folders["public"]))
    # Analysts read the newest snapshot from the store (downloaded once into a cache).
    query = run(env, "query", "SELECT count(*) FROM submission", "--format", "csv")
    assert query.stdout.split() == ["count_star()", "3"]
    assert sorted(p.name for p in (remote / "snapshot-cache").iterdir()) == [
        "warehouse-00000005.duckdb"
    ]  # 3 loads, 2 releases


def test_an_immutable_object_is_never_overwritten(tmp_path, s3):
    folder = tmp_path / "releases"
    (folder / "2023" / "v1").mkdir(parents=True)
    (folder / "2023" / "v1" / "observations.csv").write_text("a\n1\n")
    url = f"{s3}/immutable"
    assert storage.push(folder, url, immutable=True) == ["2023/v1/observations.csv"]
    assert storage.push(folder, url, immutable=True) == []  # the same bytes: nothing to do
    (folder / "2023" / "v1" / "observations.csv").write_text("a\n2\n")
    with pytest.raises(storage.ImmutableObjectChanged, match="never overwritten"):
        storage.push(folder, url, immutable=True)
    assert objects(url) == {"2023/v1/observations.csv": b"a\n1\n"}


def test_a_new_writer_machine_numbers_releases_after_those_on_the_store(tmp_path, s3):
    public = {"CSA_PUBLIC": f"{s3}/fresh/public"}
    first = tmp_path / "first"
    landing = tmp_path / "landing"
    env = {**os.environ, "CSA_DATA_DIR": str(first), **public}
    run(env, "ingest", write_json_submission(landing, "AT"))
    run(env, "release", "--year", "2023")
    # Another machine, its own warehouse with a revision, the same public store: v2, not v1.
    env = {**env, "CSA_DATA_DIR": str(tmp_path / "second")}
    run(env, "ingest", write_json_submission(landing, "AT"))
    run(
        env,
        "ingest",
        write_json_submission(landing, "AT", revision=2, changes={("PERP_CNV", "_Z", "_Z", "_Z"): 9}),
    )
    out = run(env, "release", "--year", "2023").stdout
    assert "published v2" in out
    assert objects(f"{s3}/fresh/public/releases/2023")["LATEST"] == b"v2\n"


def test_record_level_parquet_is_counted_by_duckdb_straight_from_the_object_store(tmp_path, s3):
    from csa_stats.records_demo import generate_records
    from transforms.records import run_records

    local = tmp_path / "records"
    generate_records(local, 300, geo="AT")
    url = f"{s3}/national/AT/records"
    fs, root = storage.filesystem(url)
    for f in local.iterdir():
        fs.put_file(str(f), f"{root}/{f.name}")
    on_disk, on_store = run_records(local, "AT", 2023), run_records(url, "AT", 2023)
    assert on_store.valid and on_store.reports_in_year > 0
    assert on_store.rows == on_disk.rows and on_store.issues == on_disk.issues
    assert [(f.table, f.path.name, f.rows, f.sha256) for f in on_store.files] == [
        (f.table, f.path.name, f.rows, f.sha256) for f in on_disk.files
    ]
    assert all(str(f.path).startswith("s3://") for f in on_store.files)


def test_the_command_line_counts_and_retires_record_files_on_the_object_store(tmp_path, s3):
    """`demo-data --records`, `aggregate` and `retention` with CSA_NATIONAL_RECORDS on the store:
    the same aggregate submission as from a local folder, and the files deleted there and logged."""
    local, remote = tmp_path / "local", tmp_path / "remote"
    remote_env = {
        **os.environ,
        "CSA_DATA_DIR": str(remote),
        "CSA_NATIONAL_RECORDS": f"{s3}/office-records/{{geo}}",
    }
    aggregated = {}
    for data, env in ((local, {**os.environ, "CSA_DATA_DIR": str(local)}), (remote, remote_env)):
        run(env, "demo-data", "--records", 300, "--geo", "AT")
        out = run(env, "aggregate", "--geo", "AT", "--year", "2023").stdout
        aggregated[data.name] = Path(out.rsplit(" ", 1)[-1].strip()).read_bytes()
    assert sorted(objects(f"{s3}/office-records/AT")) == [
        "children.parquet",
        "convictions.parquet",
        "reports.parquet",
        "submission.meta.json",
    ]
    assert not (remote / "national" / "AT" / "records").exists()
    assert aggregated["remote"] == aggregated["local"]

    retired = run(remote_env, "retention", "--days", "0").stdout
    assert "deleted 3 record-level files" in retired and f"{s3}/office-records/AT/reports.parquet" in retired
    assert sorted(objects(f"{s3}/office-records/AT")) == ["submission.meta.json"]
    logged = run(
        {**remote_env, "CSA_WAREHOUSE": str(remote / "national" / "AT" / "warehouse.duckdb")},
        "query",
        "SELECT object FROM audit_log WHERE action = 'delete_records' ORDER BY object",
        "--live",
        "--format",
        "csv",
    ).stdout.split()
    assert logged == ["object", "children.parquet", "convictions.parquet", "reports.parquet"]


def test_the_command_line_collects_a_landing_folder_on_the_object_store(tmp_path, s3):
    """`ingest s3://...` reads the landing layout there, as union_collection does: each state's
    prefix names its sender, and what is not taken is said."""
    landing = tmp_path / "landing"
    files = [write_json_submission(landing / geo, geo) for geo in ("AT", "BE")]
    files.append(write_json_submission(landing / "CY", "DE"))  # claims another state than its prefix
    fs, root = storage.filesystem(f"{s3}/collect/landing")
    for f in files:
        fs.put_file(str(f), f"{root}/{f.parent.name}/{f.name}")
    fs.pipe_file(f"{root}/ART8_NL_2023_R1.json", b"{}")  # the old flat layout: not taken
    env = {**os.environ, "CSA_DATA_DIR": str(tmp_path / "data")}
    result = subprocess.run(
        [CLI, "ingest", f"{s3}/collect/landing"], capture_output=True, text=True, env=env, timeout=120
    )
    # exit 3: a file was not read (the flat layout), which outranks 2 (a file rejected), as on a disk
    assert result.returncode == 3, result.stderr
    rows = run(env, "query", "SELECT geo, status FROM submission ORDER BY geo", "--live", "--format", "csv")
    assert rows.stdout.split() == ["geo,status", "AT,accepted", "BE,accepted", "CY,rejected"]
    assert "old flat layout" in result.stderr
    again = run(env, "ingest", f"{s3}/collect/landing/AT/ART8_AT_2023_R1.json").stdout
    assert "duplicate" in again


def test_the_national_dag_counts_record_files_on_the_object_store(airflow_db, tmp_path, s3, monkeypatch):
    """national_statistics with CSA_NATIONAL_RECORDS on the store: the aggregate sent to the
    Commission holds what the records there count."""
    import json

    from airflow.dag_processing.dagbag import BundleDagBag

    from csa_stats.records_demo import generate_records
    from transforms.locations import as_path
    from transforms.records import run_records

    url = f"{s3}/dag-records/LU"
    monkeypatch.setenv("CSA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CSA_NATIONAL_RECORDS", f"{s3}/dag-records/{{geo}}")
    monkeypatch.setenv("CSA_AUTO_APPROVE_AS", "demo")  # the release approval answers itself
    monkeypatch.setenv("CSA_FEEDBACK_POLL", "1")
    generate_records(as_path(url), 1000, geo="LU")
    dags = Path(__file__).parents[2] / "dags"
    dag = BundleDagBag(dag_folder=str(dags), bundle_path=dags, bundle_name="dags-folder").get_dag(
        "national_statistics"
    )
    with union_collecting("LU"):  # the run waits for the Union's verdict on what it sends
        assert dag.test(run_conf={"geo": "LU", "year": 2023}).state == "success"
    sent = json.loads((tmp_path / "data" / "national" / "LU" / "outbox" / "ART8_LU_2023_R1.json").read_text())
    counted = run_records(url, "LU", 2023, manifest=False).rows
    assert [o["obs_value"] for o in sent["observations"]] == [r["obs_value"] for r in counted]
    assert "Counted from record-level sources" in sent["metadata"]["national_definitions"]
