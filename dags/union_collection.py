"""Commission: collect the Member States' submissions from the landing folder into the warehouse."""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import Param, PokeReturnValue, dag, task
from dag_common import WAREHOUSE, WAREHOUSE_READER, WAREHOUSE_WRITER, default_args, in_run

DOC = """
### Union collection
Always on (`@continuous`): the sensor `new_submissions` lists each Member State's landing
prefix `CSA_LANDING/<GEO>/` (through `ObjectStoragePath`: a folder, `file://` or
`s3://conn_id@bucket/...`; the storage lets only that state's sender write there) every 30
seconds until files arrive that the warehouse has not seen (by SHA-256). Then every new file
is archived byte for byte, validated against the Article 8 contract (a file claiming another
state than its prefix is rejected, `L0_SENDER_MISMATCH`) and loaded into the warehouse
(`CSA_WAREHOUSE`) by one task in the one-slot pool `warehouse_writer`, in one warehouse
session (each file in its own transaction), and the feedback report (JSON + HTML) is written to
`CSA_REPORTS/<GEO>/` of the sending state. Files directly in `CSA_LANDING` (the old flat layout)
are not collected; the sensor's log says how to move them. A rejected or unreadable file gets a
verdict of its own; the others proceed.
Loading updates the asset `article8_warehouse`, which triggers `union_release`.
Run by hand with `wait_for_files: false` to collect what is there and stop.
"""


@dag(
    dag_id="union_collection",
    schedule="@continuous",
    start_date=datetime(2022, 1, 1),
    catchup=False,
    max_active_runs=1,
    tags=["article8", "commission", "collection"],
    doc_md=DOC,
    params={"wait_for_files": Param(True, type="boolean", description="wait until new files land")},
    default_args=default_args("commission"),
)
def union_collection():
    # Reschedule mode frees the worker slot between pokes; after 6 hours without news the run
    # ends (skipped) and the next continuous run takes over.
    @task.sensor(poke_interval=30, timeout=6 * 3600, mode="reschedule", soft_fail=True, **WAREHOUSE_READER)
    @in_run
    def new_submissions(params=None) -> PokeReturnValue:
        from airflow.sdk import ObjectStoragePath, Variable

        from csa_stats.steps import collection

        landing = ObjectStoragePath(
            collection.landing_url(), conn_id=Variable.get("csa_landing_conn_id", None)
        )
        found = collection.new_submissions(folder=landing)
        return PokeReturnValue(is_done=bool(found) or not params["wait_for_files"], xcom_value=found)

    @task(**WAREHOUSE_WRITER)
    @in_run
    def ingest(urls: list[str]) -> list[dict]:
        """Archive, validate, load and write the feedback report of every landed file, in one
        warehouse session (each file its own transaction and verdict)."""
        from airflow.sdk import ObjectStoragePath

        from csa_stats.steps import collection

        landed = [ObjectStoragePath(url) for url in urls]
        files = [(str(collection.local_copy(p)), collection.sender_of(p)) for p in landed]
        return collection.ingest_all(files)

    @task(outlets=[WAREHOUSE])
    def summarise(results: list[dict]) -> dict:
        statuses = [r["status"] for r in results]
        return {s: statuses.count(s) for s in sorted(set(statuses))}

    summarise(ingest(new_submissions()))


union_collection()
