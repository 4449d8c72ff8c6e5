"""Commission: collect the Member States' submissions from the landing folder into the warehouse."""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import Asset, dag, task

WAREHOUSE = Asset(name="article8_warehouse", uri="csa://warehouse/article8")

DOC = """
### Union collection
Every new file in the landing folder (`CSA_LANDING`) is archived byte for byte, validated
against the Article 8 contract and loaded into the warehouse (`CSA_WAREHOUSE`), one mapped
task per submission. A rejected file is recorded with its validation report and does not
stop the others. The feedback report for each state is written under `CSA_REPORTS/<GEO>/`.
"""


@dag(
    dag_id="union_collection",
    schedule=None,
    start_date=datetime(2022, 1, 1),
    catchup=False,
    max_active_runs=1,
    tags=["article8", "commission", "collection"],
    doc_md=DOC,
    default_args={
        "owner": "commission",
        "retries": 2,
        "retry_delay": timedelta(seconds=20),
        "retry_exponential_backoff": True,
    },
)
def union_collection():
    @task
    def find_new_submissions() -> list[str]:
        from csa_stats import jobs

        return jobs.new_submissions()

    @task(pool="warehouse_writer", map_index_template="{{ task.op_kwargs['path'] }}")
    def ingest(path: str) -> dict:
        from csa_stats import jobs

        return jobs.ingest(path)

    @task(outlets=[WAREHOUSE])
    def summarise(results: list[dict]) -> dict:
        statuses = [r["status"] for r in results]
        return {s: statuses.count(s) for s in sorted(set(statuses))}

    summarise(ingest.expand(path=find_new_submissions()))


union_collection()
