"""Commission: publish the current figures of every reporting year as immutable releases,
after the quality gate, disclosure control and a human's approval."""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import AssetOrTimeSchedule, CronTriggerTimetable, dag, task
from dag_common import WAREHOUSE, WAREHOUSE_READER, WAREHOUSE_WRITER, default_args, in_run, setting

DOC = """
### Union release
Runs when the warehouse changes (asset `article8_warehouse`) and once a year after the legal
deadline (`CSA_RELEASE_CRON`).

1. **Quality gate**: the Great Expectations suite derived from the contract on the current
   figures of each reporting year (Data Docs in `CSA_REPORTS/quality/<year>/`). A failure
   stops the run without retries and publishes nothing.
2. **Disclosure control** and the change list against the last release of each year (a dry
   run); years whose figures did not change need no approval and get no new version.
3. **Approval** by a human: the task waits under *Browse → Required Actions*; its body lists
   what changes. *Approve* publishes; *Reject* publishes nothing. Either decision is written
   to the warehouse audit log with the approver's name (`approve` / `reject_release`).
4. **Publish and catalogue**: an immutable release `CSA_PUBLIC/releases/<year>/v<N>/` with
   SHA256SUMS and a changelog, per year; the DCAT-AP catalogue and the site are rebuilt with it.
"""


@dag(
    dag_id="union_release",
    schedule=AssetOrTimeSchedule(
        timetable=CronTriggerTimetable(setting("CSA_RELEASE_CRON"), timezone="UTC"),
        assets=[WAREHOUSE],
    ),
    start_date=datetime(2022, 1, 1),
    catchup=False,
    max_active_runs=1,
    tags=["article8", "commission", "release"],
    doc_md=DOC,
    default_args=default_args("commission"),
)
def union_release():
    from approval import release_approval

    @task(**WAREHOUSE_READER)
    @in_run
    def reporting_years() -> list[int]:
        from csa_stats.steps import release

        return release.release_years()

    @task(
        retries=0, map_index_template="{{ task.op_kwargs['year'] }}", **WAREHOUSE_READER
    )  # bad figures are not transient
    @in_run
    def quality_gate(year: int) -> int:
        from task_errors import not_transient

        from csa_stats.steps import release

        with not_transient(ValueError):
            release.quality_gate(year)
        return year

    @task.short_circuit(**WAREHOUSE_READER)
    @in_run
    def disclosure_control(years: list[int]) -> list[dict]:
        """Dry runs: disclosure control and the changes per year; nothing to approve if none."""
        from csa_stats.steps import release

        return [r for r in (release.release(year, dry_run=True) for year in years) if r["would_publish"]]

    @task(**WAREHOUSE_WRITER, map_index_template="{{ task.op_kwargs['release']['object'] }}")
    @in_run
    def publish(release: dict) -> dict:
        """Exactly the figures approved: if they changed since, fail and publish nothing."""
        from task_errors import not_transient

        from csa_stats.steps import release as steps
        from publish.release import NotApproved

        with not_transient(NotApproved):
            return steps.release(release["year"], approved=release["fingerprint"])

    pending = disclosure_control(quality_gate.expand(year=reporting_years()))
    pending >> release_approval(pending) >> publish.expand(release=pending)


union_release()
