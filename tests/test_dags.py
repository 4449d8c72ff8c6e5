"""DAG integrity, parse-time imports, and each DAG run end to end through dag.test()."""

import ast
import datetime as dt
import json
import sys
from pathlib import Path

import pytest
from conftest import write_json_submission

DAGS = Path(__file__).parents[1] / "dags"
HEAVY = ("pandas", "pandera", "great_expectations", "duckdb", "openpyxl", "numpy")


@pytest.fixture(scope="module")
def dagbag(airflow_db):
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS))


def test_every_dag_imports_with_tags_retries_owner_and_docs(dagbag):
    assert dagbag.import_errors == {}
    assert set(dagbag.dag_ids) == {"union_collection", "union_release", "national_statistics"}
    for dag in dagbag.dags.values():
        assert dag.tags and dag.doc_md, dag.dag_id
        for task in dag.tasks:
            assert task.owner != "airflow", (dag.dag_id, task.task_id)
        assert any(t.retries > 0 for t in dag.tasks), dag.dag_id


def test_dag_files_import_only_airflow_sdk_and_the_standard_library():
    for path in DAGS.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in tree.body:  # module level only: tasks import what they need
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [node.module] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                for name in names:
                    top = name.split(".")[0]
                    assert (
                        name == "__future__"
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
        "import sys; from airflow.dag_processing.dagbag import DagBag; before = set(sys.modules); "
        f"DagBag(dag_folder={str(DAGS)!r}); "
        f"print('NEW_HEAVY=' + ','.join(m for m in {HEAVY!r} if m in set(sys.modules) - before))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "NEW_HEAVY=\n" in out.stdout + "\n", out.stdout


def _run(dagbag, dag_id, **conf):
    run = dagbag.get_dag(dag_id).test(run_conf=conf or None)
    assert run.state == "success", f"{dag_id} ended {run.state}"
    return run


def test_collection_release_and_national_pipeline_end_to_end(dagbag, csa_env, tmp_path):
    received = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
    for geo in ("AT", "LU", "MT"):
        write_json_submission(csa_env.landing, geo=geo, received=received)
    bad = csa_env.landing / "ART8_BE_2023_R1.json"
    bad.write_text("{broken", encoding="utf-8")

    _run(dagbag, "union_collection")
    from warehouse import db

    with db.reader(csa_env.warehouse) as con:
        status = dict(
            con.execute("SELECT geo, status FROM submission_status WHERE geo IS NOT NULL").fetchall()
        )
        assert con.execute("SELECT count(*) FROM current_observation").fetchone()[0] == 45
    assert status == {"AT": "accepted", "LU": "accepted", "MT": "accepted", "BE": "rejected"}
    assert (csa_env.reports / "BE").is_dir()

    _run(dagbag, "union_release")
    release = csa_env.public / "releases" / "2023" / "v1"
    assert (release / "SHA256SUMS").exists()
    published = json.loads((release / "observations.json").read_text())["observations"]
    assert {r["geo"] for r in published} == {"AT", "LU", "MT", "EU27_2020"}
    eu = next(r for r in published if r["geo"] == "EU27_2020" and r["indicator"] == "PERP_CNV")
    assert eu["obs_value"] == 12 and "3/27" in eu["comment"]

    national = csa_env.national_dir / "AT" / "sources"
    write_json_submission(national, geo="AT", year=2023, received=received)
    _run(dagbag, "national_statistics", geo="AT", year=2023)
    outbox = list((csa_env.national_dir / "AT" / "outbox").glob("*.json"))
    assert [p.name for p in outbox] == ["ART8_AT_2023_R1.json"]
    assert (
        csa_env.national_dir / "AT" / "public" / "releases" / "2023" / "AT" / "v1" / "SHA256SUMS"
    ).exists()
