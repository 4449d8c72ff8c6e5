"""Commission: publish the current figures of every reporting year as immutable releases."""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import Asset, dag, task

WAREHOUSE = Asset(name="article8_warehouse", uri="csa://warehouse/article8")

DOC = """
### Union release
Triggered when the warehouse changes. For each reporting year with accepted submissions:
disclosure control, then an immutable release `CSA_PUBLIC/releases/<year>/v<N>/` with
SHA256SUMS and a changelog. A year whose figures did not change gets no new version.
"""


@dag(
    dag_id="union_release",
    schedule=[WAREHOUSE],
    start_date=datetime(2022, 1, 1),
    catchup=False,
    max_active_runs=1,
    tags=["article8", "commission", "release"],
    doc_md=DOC,
    default_args={
        "owner": "commission",
        "retries": 2,
        "retry_delay": timedelta(seconds=20),
        "retry_exponential_backoff": True,
    },
)
def union_release():
    @task
    def reporting_years() -> list[int]:
        from csa_stats import jobs

        return jobs.release_years()

    @task(pool="warehouse_writer")
    def publish(year: int) -> dict:
        from csa_stats import jobs

        return jobs.release(year)

    publish.expand(year=reporting_years())


union_release()
