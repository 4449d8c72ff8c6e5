"""The cluster profile end to end (run by `make test-cluster`, which starts and stops the cluster).

Submissions land in the object store; the always-on union_collection (Celery, warehouse queue)
loads them, union_release publishes (approval answered by CSA_AUTO_APPROVE_AS, as in the other
tests), a revision lands, a second release follows. The release files in the bucket must equal,
byte for byte, those of an embedded run (the CLI on local folders) on the same inputs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest

ROOT = Path(__file__).parents[2]
CLUSTER = ROOT / "deploy" / "cluster.sh"
STATES = ("AT", "BE", "CY", "CZ", "NL")  # CSV with side file, XLSX, JSON; NL revises 2023
YEAR = 2023

pytestmark = [
    pytest.mark.skipif(
        not os.environ.get("CSA_CLUSTER_TEST"), reason="needs the running cluster: make test-cluster"
    ),
    pytest.mark.timeout(1500),  # minutes when the machine is shared: each Celery task is a new interpreter
]


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


def wait_for_release(env, version: str, timeout: float, year: int = YEAR) -> None:
    from warehouse import storage

    pointer = storage.join(env["CSA_PUBLIC"], "releases", str(year), "LATEST")
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
    pytest.fail(f"{version} of {year} not published within {timeout} s; scheduler log:\n{log_tail}")


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


def wait_for_task(env, dag_id: str, run_id: str, task_id: str, timeout: float) -> None:
    """Until the task of the run succeeds (a failed task of the run fails the test at once)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        states = dict(
            metadata_db(
                env,
                f"SELECT task_id, state FROM task_instance WHERE dag_id = '{dag_id}' AND run_id = '{run_id}'",
            )
        )
        if states.get(task_id) == "success":
            return
        assert not {"failed", "upstream_failed"} & set(states.values()), f"{dag_id} {run_id}: {states}"
        time.sleep(2)
    pytest.fail(f"{dag_id}.{task_id} did not succeed within {timeout} s")


def not_ours(env, dag_id: str) -> None:
    """Unpaused, a DAG at once starts the run of its latest scheduled time (national_statistics:
    last year, which AT has no sources for); with one active run at a time it would hold ours
    back: marked failed through the REST API."""
    deadline = time.monotonic() + 180
    while not (runs := metadata_db(env, f"SELECT run_id FROM dag_run WHERE dag_id = '{dag_id}'")):
        assert time.monotonic() < deadline, f"{dag_id}: no scheduled run after unpausing"
        time.sleep(1)
    for (run_id,) in runs:
        api(env, f"/api/v2/dags/{dag_id}/dagRuns/{quote(run_id, safe='')}", {"state": "failed"}, "PATCH")


def api(env, path: str, body: dict | None = None, method: str = "GET"):
    """The REST API as the admin (a JWT first), JSON in and out."""
    import urllib.request

    base = f"http://127.0.0.1:{env['CSA_API_PORT']}"
    login = json.dumps({"username": "admin", "password": env["CSA_ADMIN_PASSWORD"]}).encode()
    request = urllib.request.Request(f"{base}/auth/token", login, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        token = json.load(answer)["access_token"]
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    data = json.dumps(body).encode() if body is not None else None
    if data:
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(base + path, data, headers, method=method)
    with urllib.request.urlopen(request, timeout=60) as answer:
        return json.load(answer)


def task_log(env, dag_id: str, run_id: str, task_id: str, try_number: int = 1) -> str:
    """A task's log through the REST API, as the UI shows it."""
    path = f"/api/v2/dags/{dag_id}/dagRuns/{quote(run_id, safe='')}/taskInstances/{task_id}/logs/{try_number}"
    return json.dumps(api(env, path)["content"])


def _seconds(start, end) -> float:
    import datetime as dt

    as_time = [t if isinstance(t, dt.datetime) else dt.datetime.fromisoformat(t) for t in (start, end)]
    return round((as_time[1] - as_time[0]).total_seconds(), 1)


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
    # One ingest task per collection run (its files in one writer session): the first files, the revision.
    assert len(ingests) >= 2
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
    ) / str(YEAR)
    timed("embedded run", timings, started)
    fs, root = storage.filesystem(storage.join(cluster_env["CSA_PUBLIC"], "releases", str(YEAR)))
    bucket = {name[len(root) + 1 :]: fs.cat_file(name) for name in fs.find(root)}
    embedded = {
        p.relative_to(local).as_posix(): p.read_bytes()
        for p in local.rglob("*")
        if p.is_file() and "latest" not in p.relative_to(local).parts
    }
    assert {"v1/observations.csv", "v2/CHANGELOG.md", "LATEST"} <= set(bucket)
    assert sorted(bucket) == sorted(embedded)
    differing = [name for name in bucket if bucket[name] != embedded[name]]
    assert not differing
    print(f"cluster run timings (s): {timings}", file=sys.stderr)


def test_a_national_office_sends_and_the_verdict_comes_back_through_the_store(cluster_env):
    """AT's national pipeline on the cluster sends its 2024 file with AT's own key into
    landing/AT/; the always-on collection takes it; AT's DAG receives the verdict while deferred;
    union_release publishes it. Its log is read through the REST API; BE's key is refused in AT's
    prefix."""
    import boto3
    from botocore.exceptions import ClientError

    from csa_stats.demo import generate_demo
    from warehouse import storage

    timings: dict[str, float] = {}
    started = time.monotonic()
    sources = Path(cluster_env["CSA_DATA_DIR"]) / "national" / "AT" / "sources"
    generate_demo(sources, geos=["AT"], per_state=False)
    for dag_id in ("union_collection", "union_release", "national_statistics"):
        unpause(dag_id)
    not_ours(cluster_env, "national_statistics")
    conf = json.dumps({"geo": "AT", "year": 2024})
    run_id = "manual__AT-2024-cluster-test"
    airflow(cluster_env, "dags", "trigger", "national_statistics", "-c", conf, "--run-id", run_id)
    wait_for_task(cluster_env, "national_statistics", run_id, "await_verdict", timeout=600)
    timed("national run: verdict received", timings, started)
    wait_for_release(cluster_env, "v1", timeout=300, year=2024)
    timed("AT's figures released", timings, started)

    (send, verdict) = (
        metadata_db(
            cluster_env,
            f"SELECT start_date, end_date, queue FROM task_instance WHERE dag_id = 'national_statistics' "
            f"AND run_id = '{run_id}' AND task_id = '{task}'",
        )[0]
        for task in ("send", "await_verdict")
    )
    assert send[2] == verdict[2] == "warehouse"
    landed = storage.join(cluster_env["CSA_LANDING"], "AT", "ART8_AT_2024_R1.json")
    assert storage.exists(landed)
    fs, root = storage.filesystem(storage.join(cluster_env["CSA_REPORTS"], "AT", "receipts"))
    (receipt_key,) = [p for p in fs.find(root) if "ART8_AT_2024_R1" in p]
    receipt = json.loads(fs.cat_file(receipt_key))
    assert receipt["status"] == "accepted" and receipt["file"] == "ART8_AT_2024_R1.json"
    loop = {
        "sent -> received by the Union": _seconds(send[1], receipt["received_at"]),
        "received -> verdict": _seconds(receipt["received_at"], receipt["decided_at"]),
        "verdict -> AT's DAG has it": _seconds(receipt["decided_at"], verdict[1]),
    }
    print(f"send -> verdict loop (s): {loop}, total {round(sum(loop.values()), 1)}", file=sys.stderr)
    status = csa(cluster_env, "status", "--national", "AT")
    assert "ART8_AT_2024_R1.json: sent on" in status and "; accepted on" in status

    # The task's log, from the object store, through the REST API as the UI reads it.
    log = task_log(cluster_env, "national_statistics", run_id, "await_verdict")
    assert "ART8_AT_2024_R1.json: sent on" in log and ", accepted on" in log
    assert "s3://csa-internal/airflow-logs/dag_id=national_statistics/" in log  # where it was read

    # Another state's key cannot write into AT's prefix; into its own it can.
    be = boto3.client(
        "s3",
        aws_access_key_id=cluster_env["CSA_BE_ACCESS_KEY_ID"],
        aws_secret_access_key=cluster_env["CSA_BE_SECRET_ACCESS_KEY"],
    )
    with pytest.raises(ClientError, match="AccessDenied"):
        be.put_object(Bucket="csa-landing", Key="landing/AT/ART8_AT_2024_R2.json", Body=b"{}")
    with pytest.raises(ClientError, match="AccessDenied"):  # nor read AT's feedback
        be.get_object(Bucket="csa-internal", Key=receipt_key.split("/", 1)[1])
    be.put_object(Bucket="csa-landing", Key="landing/BE/.key-check", Body=b"")  # hidden: not collected
    print(f"national loop timings (s): {timings}", file=sys.stderr)
