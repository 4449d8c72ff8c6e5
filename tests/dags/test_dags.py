"""DAG integrity, parse-time imports, and each DAG run end to end through dag.test()."""

import ast
import contextlib
import datetime as dt
import json
import sys
import threading
from pathlib import Path

import pytest

from tests.helpers import union_collecting, write_json_submission

DAGS = Path(__file__).parents[2] / "dags"
PERP = ("PERP_CNV", "_Z", "_Z", "_Z")
HEAVY = ("pandas", "pandera", "great_expectations", "duckdb", "openpyxl", "numpy")


@pytest.fixture(scope="module")
def dagbag(airflow_db):
    from airflow.dag_processing.dagbag import BundleDagBag

    # As Airflow loads them: the bundle (dags/) on sys.path, so DAGs can share dags/approval.py.
    return BundleDagBag(dag_folder=str(DAGS), bundle_path=DAGS, bundle_name="dags-folder")


def test_every_dag_imports_with_tags_retries_owner_and_docs(dagbag):
    assert dagbag.import_errors == {}
    assert set(dagbag.dag_ids) == {
        "union_collection",
        "union_release",
        "national_statistics",
        "submission_deadlines",
    }
    for dag in dagbag.dags.values():
        assert dag.tags and dag.doc_md, dag.dag_id
        for task in dag.tasks:
            assert task.owner != "airflow", (dag.dag_id, task.task_id)
        assert any(t.retries > 0 for t in dag.tasks), dag.dag_id
    from airflow.providers.standard.operators.hitl import ApprovalOperator

    for dag_id in ("union_release", "national_statistics"):
        approval = dagbag.get_dag(dag_id).get_task("approve_release")
        assert isinstance(approval, ApprovalOperator) and approval.retries == 0
        assert [t.task_id for t in approval.downstream_list] == ["publish"]


def test_dag_files_import_only_airflow_sdk_and_the_standard_library():
    """Besides dags/dag_common.py (the shared asset and defaults), itself held to the same rule."""
    for path in DAGS.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in tree.body:  # module level only: tasks import what they need
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [node.module] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                for name in names:
                    top = name.split(".")[0]
                    assert (
                        name in ("__future__", "dag_common")
                        or name.startswith("airflow.sdk")
                        or top in sys.stdlib_module_names
                    ), (
                        path.name,
                        name,
                    )


def test_parsing_the_dags_imports_nothing_heavy(airflow_db):
    """Compared with what Airflow itself had loaded before parsing, in the same process."""
    import subprocess

    code = (
        "import sys; from pathlib import Path; from airflow.dag_processing.dagbag import BundleDagBag; "
        "before = set(sys.modules); "
        f"bag = BundleDagBag(dag_folder={str(DAGS)!r}, bundle_path=Path({str(DAGS)!r}), bundle_name='dags'); "
        "assert not bag.import_errors, bag.import_errors; "
        f"print('NEW_HEAVY=' + ','.join(m for m in {HEAVY!r} if m in set(sys.modules) - before))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "NEW_HEAVY=\n" in out.stdout + "\n", out.stdout


def _run(dagbag, dag_id, expect="success", **conf):
    run = dagbag.get_dag(dag_id).test(run_conf=conf or None)
    assert run.state == expect, f"{dag_id} ended {run.state}"
    return run


@contextlib.contextmanager
def answering(option: str, user: str = "approver"):
    """Answers every Human-in-the-loop request as the REST API does when a user clicks in the UI
    (PATCH .../hitlDetails): same route function, same resume of the waiting task."""
    from airflow.api_fastapi.app import create_auth_manager
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser
    from airflow.api_fastapi.core_api.datamodels.hitl import UpdateHITLDetailPayload
    from airflow.api_fastapi.core_api.routes.public.hitl import update_hitl_detail
    from airflow.models.hitl import HITLDetail
    from airflow.utils.session import create_session
    from sqlalchemy import select

    answered, stop = [], threading.Event()
    create_auth_manager()  # the route checks the answering user against the approvers with it

    def respond():
        while not stop.wait(0.5):
            with create_session() as session:
                waiting = session.scalars(select(HITLDetail).where(HITLDetail.responded_at.is_(None))).all()
                for detail in waiting:
                    ti = detail.task_instance
                    if ti.state != "awaiting_input":
                        continue
                    update_hitl_detail(
                        dag_id=ti.dag_id,
                        dag_run_id=ti.run_id,
                        task_id=ti.task_id,
                        update_hitl_detail_payload=UpdateHITLDetailPayload(chosen_options=[option]),
                        user=SimpleAuthManagerUser(username=user, role="admin"),
                        session=session,
                        map_index=ti.map_index,
                    )
                    answered.append({"dag_id": ti.dag_id, "subject": detail.subject, "body": detail.body})

    responder = threading.Thread(target=respond, daemon=True)
    responder.start()
    try:
        yield answered
    finally:
        stop.set()
        responder.join()


def _audit(warehouse: Path, action: str) -> list[tuple]:
    from warehouse import db

    with db.reader(warehouse) as con:
        return con.execute(
            "SELECT actor, object FROM audit_log WHERE action = ? ORDER BY audit_id", [action]
        ).fetchall()


def test_collection_release_and_national_pipeline_end_to_end(dagbag, csa_env, monkeypatch):
    """A mixed batch (one bad file), a release approved in the UI, a national run approved by
    the demo actor, and its submission file collected unchanged by the Commission."""
    received = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
    for geo in ("AT", "LU", "MT"):
        write_json_submission(csa_env.landing / geo, geo=geo, received=received)
    bad = csa_env.landing / "BE" / "ART8_BE_2023_R1.json"
    bad.parent.mkdir()
    bad.write_text("{broken", encoding="utf-8")
    # MT's sender tries to revise LU's figures: rejected, registered under MT, LU untouched.
    write_json_submission(csa_env.landing / "MT", geo="LU", revision=2, changes={PERP: 99})

    _run(dagbag, "union_collection")
    from warehouse import db

    with db.reader(csa_env.warehouse) as con:
        status = con.execute(
            "SELECT geo, revision, status FROM submission_status WHERE geo IS NOT NULL ORDER BY ALL"
        ).fetchall()
        assert con.execute("SELECT count(*) FROM current_observation").fetchone()[0] == 48
        lu = con.execute(
            "SELECT max(obs_value) FROM current_observation WHERE geo = 'LU' AND indicator = 'PERP_CNV'"
        )
        assert lu.fetchone() == (4,)
    assert status == [
        ("AT", 1, "accepted"), ("BE", 1, "rejected"), ("LU", 1, "accepted"), ("MT", 1, "accepted"),
        ("MT", 2, "rejected"),
    ]  # fmt: skip
    assert (csa_env.reports / "BE").is_dir() and list((csa_env.reports / "AT").glob("*.html"))
    (refusal,) = (csa_env.reports / "MT").glob("MT-2023-R2-*.validation.json")
    assert "L0_SENDER_MISMATCH" in refusal.read_text()

    with answering("Approve") as answered:
        _run(dagbag, "union_release")
    assert [a["dag_id"] for a in answered] == ["union_release"]
    assert "EU-2023-v1" in answered[0]["subject"] and "first release, 3 Member State" in answered[0]["body"]
    assert _audit(csa_env.warehouse, "approve") == [("approver", "EU-2023-v1")]
    assert (csa_env.reports / "quality" / "2023" / "index.html").exists()
    release = csa_env.public / "releases" / "2023" / "v1"
    assert (release / "SHA256SUMS").exists()
    published = json.loads((release / "observations.json").read_text())["observations"]
    assert {r["geo"] for r in published} == {"AT", "LU", "MT", "EU27_2020"}
    eu = next(r for r in published if r["geo"] == "EU27_2020" and r["indicator"] == "PERP_CNV")
    assert eu["obs_value"] is None and eu["obs_status"] == "m"  # 3 states: below the minimum coverage
    assert eu["contributing_states"] == 3 and "3/27" in eu["comment"]

    monkeypatch.setenv("CSA_AUTO_APPROVE_AS", "demo")
    monkeypatch.setenv("CSA_FEEDBACK_POLL", "1")
    national = csa_env.national_dir / "EE"
    write_json_submission(national / "sources", geo="EE", year=2023, received=received)
    with union_collecting("EE") as collected:
        _run(dagbag, "national_statistics", geo="EE", year=2023)
    assert _audit(national / "warehouse.duckdb", "approve") == [("demo", "EE-2023-v1")]
    assert (national / "public" / "releases" / "2023" / "EE" / "v1" / "SHA256SUMS").exists()
    (outbox,) = (national / "outbox").glob("*.json")
    assert outbox.name == "ART8_EE_2023_R1.json"
    # What EE sends carries the flags of its national release with their reasons (values kept, for
    # the EU sum); the release itself shows the one public marking for every hidden figure.
    from publish.disclosure import public_marking

    sent = json.loads(outbox.read_text())["observations"]
    national_release = national / "public" / "releases" / "2023" / "EE" / "v1" / "observations.json"
    released = json.loads(national_release.read_text())["observations"]
    hidden = {
        (r["indicator"], r["sex"], r["reporter"], r["service"]): r["conf_status"]
        for r in released
        if r["obs_value"] is None
    }
    flags = {
        (r["indicator"], r["sex"], r["reporter"], r["service"]): r["conf_status"]
        for r in sent
        if r["conf_status"]
    }
    assert set(flags.values()) == {"C", "D"}  # small counts and the figures protecting them
    public = {
        (r["indicator"], r["sex"], r["reporter"], r["service"]): r["conf_status"]
        for r in public_marking(sent)
    }
    assert {k: public[k] for k in flags} == hidden and set(hidden.values()) == {"C"}
    assert all(r["obs_value"] is not None for r in sent)

    # The loop: sent into EE's prefix of the Union landing as it is, collected, the verdict back.
    landed = csa_env.landing / "EE" / outbox.name
    assert landed.read_bytes() == outbox.read_bytes() and collected == [landed]
    with db.reader(csa_env.warehouse) as con:
        assert con.execute("SELECT status, errors FROM submission_status WHERE geo = 'EE'").fetchall() == [
            ("accepted", 0)
        ]
    (sent,) = _audit(national / "warehouse.duckdb", "send")
    assert _audit(national / "warehouse.duckdb", "verdict") == [("union", outbox.name)]
    (receipt,) = (csa_env.reports / "EE" / "receipts").glob("ART8_EE_2023_R1.*.receipt.json")
    assert json.loads(receipt.read_text())["status"] == "accepted"
    from csa_stats.steps.transmission import transmissions

    (line,) = transmissions("EE")
    assert "ART8_EE_2023_R1.json: sent on" in line and "; accepted on" in line

    # Run again: the revision is not sent twice (its object's checksum), the verdict is still there.
    _run(dagbag, "national_statistics", geo="EE", year=2023)
    assert _audit(national / "warehouse.duckdb", "send") == [sent]


def test_a_file_the_union_rejects_fails_the_national_run_with_its_findings(dagbag, csa_env, monkeypatch):
    """EE's revision 1 is already at the Commission with other figures: the office's R1 is refused."""
    from csa_stats.steps import collection
    from csa_stats.steps.transmission import transmissions

    monkeypatch.setenv("CSA_AUTO_APPROVE_AS", "demo")
    monkeypatch.setenv("CSA_FEEDBACK_POLL", "1")
    collection.ingest(str(write_json_submission(csa_env.data_dir / "other", geo="EE", changes={PERP: 9})))
    write_json_submission(csa_env.national_dir / "EE" / "sources", geo="EE")
    with union_collecting("EE"):
        run = _run(dagbag, "national_statistics", expect="failed", geo="EE", year=2023)
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert states["send"] == "success" and states["await_verdict"] == "failed"
    (line,) = transmissions("EE")
    assert "; rejected on" in line and "L2_REVISION_TAKEN at" in line


def test_a_rejected_release_publishes_nothing_and_is_audited(dagbag, csa_env):
    from csa_stats.steps import collection

    for geo in ("AT", "LU"):
        collection.ingest(str(write_json_submission(csa_env.landing, geo=geo)))
    with answering("Reject", user="head-of-unit") as answered:
        _run(dagbag, "union_release")
    assert len(answered) == 1
    assert _audit(csa_env.warehouse, "reject_release") == [("head-of-unit", "EU-2023-v1")]
    assert _audit(csa_env.warehouse, "release") == []
    assert not (csa_env.public / "releases").exists()


def test_overdue_states_raise_an_alert_naming_them(dagbag, csa_env):
    from csa_stats.steps import collection

    for geo in ("AT", "LU", "MT"):
        collection.ingest(str(write_json_submission(csa_env.landing, geo=geo, year=2023)))
    _run(dagbag, "submission_deadlines", expect="failed")  # the 2023 deadline (2024-08-03) has passed
    (line,) = (csa_env.reports / "alerts" / "deadlines.jsonl").read_text().splitlines()
    missing = json.loads(line)["missing"]["2023"]
    assert len(missing) == 24 and "BE" in missing and not {"AT", "LU", "MT"} & set(missing)


def test_a_failed_quality_gate_stops_the_release_before_anyone_is_asked(dagbag, csa_env):
    from csa_stats.steps import collection
    from warehouse import db

    collection.ingest(str(write_json_submission(csa_env.landing, geo="AT")))
    with db.writer(csa_env.warehouse) as con:  # figures that bypassed validation
        con.execute("UPDATE observation SET obs_value = -5 WHERE indicator = 'PERP_CNV'")
    with answering("Approve") as answered:
        run = _run(dagbag, "union_release", expect="failed")
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert states["quality_gate"] == "failed" and states["approve_release"] == "upstream_failed"
    assert answered == [] and not (csa_env.public / "releases").exists()
    assert (csa_env.reports / "quality" / "2023" / "index.html").exists()


def test_object_store_files_are_copied_with_their_side_file(csa_env):
    """s3:// and the like, here fsspec's in-memory store through the same pathlib-like API."""
    from airflow.sdk import ObjectStoragePath
    from upath import UPath

    from csa_stats.steps import collection
    from transforms.landing import state_submissions

    landing = UPath("memory://landing/")
    (landing / "AT" / "ART8_AT_2023_R1.csv").write_text("geo,obs_value\n")
    (landing / "AT" / "ART8_AT_2023_R1.meta.json").write_text("{}")
    assert [p.name for p in state_submissions(landing)] == ["ART8_AT_2023_R1.csv"]
    local = collection.local_copy(landing / "AT" / "ART8_AT_2023_R1.csv")
    assert local.parent == csa_env.data_dir / "staging" / "AT"
    assert local.read_text() == "geo,obs_value\n" and local.with_suffix(".meta.json").exists()
    on_disk = ObjectStoragePath(csa_env.landing.as_uri()) / "x.json"
    assert collection.local_copy(on_disk) == csa_env.landing / "x.json"


def test_the_approval_body_lists_changed_figures_old_to_new(csa_env):
    from csa_stats.steps import collection, release

    collection.ingest(str(write_json_submission(csa_env.landing, geo="AT")))
    release.release(2023)
    revision = {("PERP_CNV", "_Z", "_Z", "_Z"): 5}
    collection.ingest(str(write_json_submission(csa_env.landing, geo="AT", revision=2, changes=revision)))
    pending = release.release(2023, dry_run=True)
    assert pending["would_publish"] == 2 and pending["object"] == "EU-2023-v2"
    lines = pending["summary"].splitlines()
    assert lines[0] == "**EU 2023 v2**: 1 figure(s) changed against v1:"  # one state: no EU sum
    assert lines[1].startswith("- AT PERP_CNV/_Z/_Z/_Z: 4 -> 5 (submission AT-2023-R2-")
