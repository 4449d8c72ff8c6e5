"""Every task that opens the DuckDB warehouse goes to the one `warehouse` worker; the rest does not."""

from pathlib import Path

import pytest

DAGS = Path(__file__).parents[2] / "dags"
# Tasks that neither read nor write a warehouse file: any worker may take them.
ANYWHERE = {("union_collection", "summarise")}


@pytest.fixture(scope="module")
def dags(airflow_db):
    from airflow.dag_processing.dagbag import BundleDagBag

    bag = BundleDagBag(dag_folder=str(DAGS), bundle_path=DAGS, bundle_name="dags-folder")
    assert bag.import_errors == {}
    return bag.dags


def test_warehouse_tasks_run_on_the_warehouse_queue_writers_in_the_one_slot_pool(dags):
    writers = set()
    for dag_id, dag in dags.items():
        for task in dag.tasks:
            expected = "default" if (dag_id, task.task_id) in ANYWHERE else "warehouse"
            assert task.queue == expected, (dag_id, task.task_id)
            if task.pool == "warehouse_writer":
                writers.add((dag_id, task.task_id))
    assert {
        ("union_collection", "ingest"),
        ("union_release", "approve_release"),
        ("union_release", "publish"),
    } <= writers
