"""A national statistics office: its yearly Article 8 figures, from sources to the national
release and the file it sends to the Commission."""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import Param, dag, task
from dag_common import WAREHOUSE_QUEUE, default_args, in_run, setting

DOC = """
### National statistics
For one Member State (`geo`) and reporting year (`year`): when the state keeps record-level
files (`CSA_NATIONAL_RECORDS`, by default `CSA_NATIONAL_DIR/<GEO>/records/`, a folder or an
object store: reports, children, convictions), check them and count
the year's aggregate submission into its sources; collect the national source
(`CSA_NATIONAL_DIR/<GEO>/sources/`), validate it against the Article 8 contract as it is loaded
into the national warehouse, then, after a human approves the release under *Browse → Required
Actions* (its body lists what changes), publish the national release, write the
Commission-bound submission file to `CSA_NATIONAL_DIR/<GEO>/outbox/` and **send** it into the
state's own prefix of the Union landing (`CSA_SEND_TO/<GEO>/`, through the connection named by the
variable `csa_send_conn_id`: the state's own credentials), once per revision, recorded in the
national audit log. Then **await_verdict** waits, deferred (no worker held), for the Union's
receipt in `CSA_FEEDBACK/<GEO>/receipts/`: accepted shows in the log, rejected fails the task with
the findings (`csa-stats status --national <GEO>`). A rejected release publishes
nothing and is recorded in the national audit log. An invalid source is archived and
registered as rejected, and fails the run without retries; its problems are in the task log
and its report.
"""


@dag(
    dag_id="national_statistics",
    # Yearly, well before the legal deadline (3 August): the cron is configurable.
    schedule=setting("CSA_NATIONAL_CRON"),
    start_date=datetime(2022, 1, 1),
    catchup=False,
    max_active_runs=1,
    tags=["article8", "national"],
    doc_md=DOC,
    params={
        "geo": Param(setting("CSA_NATIONAL_GEO"), type="string", pattern="^[A-Z]{2}$"),
        "year": Param(datetime.now().year - 1, type="integer", minimum=2021),
    },
    # Every task on the warehouse host: the office's sources, warehouse and release are its files.
    default_args={**default_args("national-statistics-office"), "queue": WAREHOUSE_QUEUE},
)
def national_statistics():
    @task(retries=0)  # record files that break their contract are not transient
    @in_run
    def aggregate(params=None) -> str | None:
        from task_errors import not_transient

        from csa_stats.steps import records
        from transforms.aggregate import RecordsInvalid

        with not_transient(RecordsInvalid):
            return records.national_aggregate(params["geo"], int(params["year"]))

    @task
    @in_run
    def collect(aggregated: str | None, params=None) -> str:
        from csa_stats.steps import national

        return aggregated or national.national_source(params["geo"], int(params["year"]))

    @task
    @in_run
    def load(path: str, params=None) -> dict:
        """Archive, validate and load the source; a contract violation fails at once."""
        from task_errors import not_transient

        from csa_stats.steps import national

        with not_transient(national.SourceRejected):
            return national.national_load(params["geo"], path)

    @task.short_circuit
    @in_run
    def review(loaded: dict, params=None) -> list[dict]:
        """The national release as it would be published; nothing to approve if unchanged."""
        from csa_stats.steps import national

        return national.national_review(params["geo"], int(params["year"]))

    @task
    @in_run
    def publish(approved: list[dict], params=None) -> dict:
        """Runs only after the approval (a rejection skips it), and publishes exactly what was approved."""
        from task_errors import not_transient

        from csa_stats.steps import national
        from publish.release import NotApproved

        with not_transient(NotApproved):  # review short-circuits when nothing is to approve: one here
            return national.national_publish(params["geo"], int(params["year"]), approved[0]["fingerprint"])

    @task
    @in_run
    def write_submission(published: dict, params=None) -> str:
        from csa_stats.steps import national

        return national.national_submission_file(params["geo"], int(params["year"]))

    @task
    @in_run
    def send(path: str, params=None) -> dict:
        """Into the state's own prefix of the Union landing, once per revision (the checksum decides)."""
        from feedback import union_path
        from task_errors import not_transient

        from csa_stats.settings import get_settings
        from csa_stats.steps import transmission

        with not_transient(transmission.TransmissionConflict):
            return transmission.send_submission(params["geo"], path, union_path(get_settings().send_to))

    from approval import release_approval
    from feedback import AwaitVerdict

    pending = review(load(collect(aggregate())))
    published = publish(pending)
    pending >> release_approval(pending) >> published
    AwaitVerdict(task_id="await_verdict", sent=send(write_submission(published)))


national_statistics()
