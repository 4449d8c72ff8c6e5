"""The cluster profile end to end (run by `make test-cluster`, which starts and stops the cluster).

Submissions land in the object store; the always-on union_collection (Celery, warehouse queue)
loads them, union_release publishes (approval answered by CSA_AUTO_APPROVE_AS, as in the other
tests), a revision lands, a second release follows. The release files in the bucket must equal,
byte for byte, those of an embedded run (the CLI on local folders) on the same inputs.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
CLUSTER = ROOT / "deploy" / "cluster.sh"
STATES = ("AT", "BE", "CY", "CZ", "NL")  # CSV with side file, XLSX, JSON; NL revises 2023
YEAR = 2023

pytestmark = pytest.mark.skipif(
    not os.environ.get("CSA_CLUSTER_TEST"), reason="needs the running cluster: make test-cluster"
)


@pytest.fixture(scope="module")
def cluster_env() -> dict[str, str]:
    """The cluster's environment (settings and generated secrets), as its components see it."""
    out = subprocess.run([CLUSTER, "run", "env", "-0"], capture_output=True, check=True).stdout
    env = dict(item.split("=", 1) for item in out.decode().split("\0") if "=" in item)
    with pytest.MonkeyPatch.context() as mp:
        for name in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"):
            mp.setenv(name, env[name])
        yield env


def timed(label: str, timings: dict, started: float) -> None:
    timings[label] = round(time.monotonic() - started, 1)
    print(f"cluster run: {label} after {timings[label]} s", file=sys.stderr)


def airflow(env, *args) -> str:
    result = subprocess.run([CLUSTER, "run", "airflow", *args], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def csa(env, *args) -> str:
    result = subprocess.run(
        [ROOT / ".venv" / "bin" / "csa-stats", *map(str, args)], capture_output=True, text=True, env=env
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def receipts_of(env: dict[str, str]) -> Path:
    """The cluster's CSA_RECEIPTS: when files arrived, read by the loader on the writer's worker."""
    return Path(env.get("CSA_RECEIPTS") or Path(env["CSA_DATA_DIR"]) / "receipts.json")


def demo_inputs(folder: Path, receipts: Path) -> tuple[list[Path], list[Path]]:
    """Seeded demo submissions of a few states of one year, all formats, and the NL revision; their
    story arrival times recorded as receipts, which both runs read (arrival is published)."""
    env = {**os.environ, "CSA_RECEIPTS": str(receipts)}
    csa(env, "demo-data", "--out", folder / "all", "--revisions-to", folder / "revisions")

    def chosen(root: Path) -> list[Path]:  # demo-data writes each state's files into its prefix <GEO>/
        return [
            p
            for p in sorted(root.rglob("ART8_*"))
            if any(p.name.startswith(f"ART8_{s}_{YEAR}_") for s in STATES)
        ]

    return chosen(folder / "all"), chosen(folder / "revisions")


def land(files: list[Path], url: str, embedded: Path) -> None:
    """Upload to the landing bucket, each state into its own prefix <GEO>/; the embedded run gets
    the same bytes in the same layout."""
    from warehouse import storage

    fs, root = storage.filesystem(url)
    for f in files:
        geo = f.name.split("_")[1]
        fs.put_file(str(f), f"{root}/{geo}/{f.name}")
        target = embedded / geo / f.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(f.read_bytes())


def wait_for_release(env, version: str, timeout: float) -> None:
    from warehouse import storage

    pointer = storage.join(env["CSA_PUBLIC"], "releases", str(YEAR), "LATEST")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if storage.exists(pointer) and storage.read_bytes(pointer).decode().strip() == version:
            return
        time.sleep(2)
    log_tail = subprocess.run(
        ["tail", "-40", str(Path(env["CSA_CLUSTER_DIR"]) / "logs" / "scheduler.log")],
        capture_output=True,
        text=True,
    ).stdout
    pytest.fail(f"{version} of {YEAR} not published within {timeout} s; scheduler log:\n{log_tail}")


def unpause(dag_id: str) -> None:
    for _ in range(60):  # the DAG processor may not have parsed the DAGs yet
        if (
            subprocess.run(
                [CLUSTER, "run", "airflow", "dags", "unpause", dag_id], capture_output=True
            ).returncode
            == 0
        ):
            return
        time.sleep(2)
    pytest.fail(f"cannot unpause {dag_id}")


def wait_for_run(env, dag_id: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not metadata_db(env, f"SELECT 1 FROM dag_run WHERE dag_id = '{dag_id}' AND state = 'success'"):
        assert time.monotonic() < deadline, f"no successful run of {dag_id}"
        time.sleep(2)


def wait_for_release_runs(env, timeout: float) -> None:
    """union_release runs once more when the second load's asset event arrives: let it end."""
    deadline = time.monotonic() + timeout
    while metadata_db(
        env, "SELECT 1 FROM dag_run WHERE dag_id = 'union_release' AND state IN ('queued', 'running')"
    ):
        assert time.monotonic() < deadline, "union_release still running"
        time.sleep(2)


def metadata_db(env, sql: str) -> list[tuple]:
    import psycopg

    url = env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].replace("postgresql+psycopg2://", "postgresql://")
    with psycopg.connect(url) as con:
        return con.execute(sql).fetchall()


def embedded_run(folder: Path, receipts: Path, first: Path, revision: Path) -> Path:
    """The same inputs through the embedded default: the CLI on local folders."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CSA_", "AWS_"))}
    env.update(CSA_DATA_DIR=str(folder), CSA_RECEIPTS=str(receipts))
    for landing in (first, revision):
        subprocess.run(
            [ROOT / ".venv" / "bin" / "csa-stats", "ingest", landing], env=env, capture_output=True
        )
        csa(env, "release", "--year", YEAR)
    return folder / "public" / "releases"


def test_collection_release_revision_release_through_celery_on_the_object_store(cluster_env, tmp_path):
    from warehouse import storage

    timings: dict[str, float] = {}
    started = time.monotonic()
    receipts = receipts_of(cluster_env)
    first, revisions = demo_inputs(tmp_path / "inputs", receipts)
    land(first, cluster_env["CSA_LANDING"], tmp_path / "embedded-landing" / "first")
    unpause("union_collection")
    timed("landed, collection on", timings, started)
    # The release DAG only once the first files are loaded: unpaused, it also starts its yearly run
    # at once, which would otherwise race the loads (its publish then refuses figures changed
    # since their approval, and the next run publishes: safe, but not the run compared here).
    wait_for_run(cluster_env, "union_collection", timeout=300)
    timed("first collection done", timings, started)
    unpause("union_release")
    wait_for_release(cluster_env, "v1", timeout=300)
    timed("first release in the bucket", timings, started)

    land(revisions, cluster_env["CSA_LANDING"], tmp_path / "embedded-landing" / "revision")
    wait_for_release(cluster_env, "v2", timeout=240)
    timed("second release in the bucket", timings, started)

    # Through the Celery workers, every warehouse task on the warehouse queue, all succeeded (in
    # the finished runs: union_collection is always on, its next run waits for files).
    wait_for_release_runs(cluster_env, timeout=180)
    rows = metadata_db(
        cluster_env,
        "SELECT ti.dag_id, ti.task_id, ti.queue, ti.pool, ti.state FROM task_instance ti "
        "JOIN dag_run r ON r.dag_id = ti.dag_id AND r.run_id = ti.run_id "
        "WHERE ti.dag_id IN ('union_collection', 'union_release') AND r.state != 'running'",
    )
    assert {r[4] for r in rows} <= {"success", "skipped"}
    ingests = [r for r in rows if r[1] == "ingest"]
    assert len(ingests) == len([f for f in first + revisions if not f.name.endswith(".meta.json")])
    assert {(r[2], r[3]) for r in ingests} == {("warehouse", "warehouse_writer")}
    assert {r[2] for r in rows if r[1] == "publish"} == {"warehouse"}
    assert {r[2] for r in rows if r[1] == "summarise"} == {"default"}
    runs = metadata_db(cluster_env, "SELECT state FROM dag_run WHERE dag_id = 'union_release'")
    assert {r[0] for r in runs} <= {"success"} and len(runs) >= 2
    workers = (Path(cluster_env["CSA_CLUSTER_DIR"]) / "logs" / "worker-warehouse.log").read_text()
    assert "ingest" in workers

    # The analysts' view: the newest snapshot on the store has every load and the approvals.
    answered = csa(
        cluster_env,
        "query",
        "SELECT actor, count(*) FROM audit_log WHERE action = 'approve' GROUP BY actor",
        "--format",
        "csv",
    )
    assert answered.split()[1:] == [f"{cluster_env['CSA_AUTO_APPROVE_AS']},2"]

    # Byte for byte the releases of the embedded default on the same inputs.
    local = embedded_run(
        tmp_path / "embedded", receipts, *(tmp_path / "embedded-landing" / n for n in ("first", "revision"))
    )
    timed("embedded run", timings, started)
    fs, root = storage.filesystem(storage.join(cluster_env["CSA_PUBLIC"], "releases"))
    bucket = {name[len(root) + 1 :]: fs.cat_file(name) for name in fs.find(root)}
    embedded = {
        p.relative_to(local).as_posix(): p.read_bytes()
        for p in local.rglob("*")
        if p.is_file() and "latest" not in p.relative_to(local).parts
    }
    assert {f"{YEAR}/v1/observations.csv", f"{YEAR}/v2/CHANGELOG.md", f"{YEAR}/LATEST"} <= set(bucket)
    assert sorted(bucket) == sorted(embedded)
    differing = [name for name in bucket if bucket[name] != embedded[name]]
    assert not differing
    print(f"cluster run timings (s): {timings}", file=sys.stderr)
