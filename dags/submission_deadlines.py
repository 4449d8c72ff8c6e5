"""Commission: alert when Member States have not submitted by the legal deadline."""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import BaseNotifier, dag, task
from dag_common import WAREHOUSE_QUEUE, default_args, in_run, setting

DOC = """
### Submission deadlines
Every day: for each reporting year past its deadline (the last deadline of the acts it is
due under, from the contract; or `CSA_DEADLINE`), the Member States with no accepted submission
in the warehouse (status `missing` or `rejected` in the view `submission_tracker`). If there are any, the task
`overdue_submissions` fails with their names, and the alert is logged and appended to
`CSA_REPORTS/alerts/deadlines.jsonl` (the notifier `MissingSubmissionsAlert`).
"""


class MissingSubmissionsAlert(BaseNotifier):
    """Raised on failure of the tracker: names the missing states in the log and the alert file."""

    @in_run
    def notify(self, context):
        from csa_stats.steps import deadlines

        missing = deadlines.overdue_submissions()
        context["task"].log.error("Article 8 submissions overdue: %s", deadlines.describe_overdue(missing))
        deadlines.record_deadline_alert(missing)


@dag(
    dag_id="submission_deadlines",
    schedule=setting("CSA_DEADLINE_CRON"),
    start_date=datetime(2022, 1, 1),
    catchup=False,
    max_active_runs=1,
    tags=["article8", "commission", "deadlines"],
    doc_md=DOC,
    # It reads the warehouse: on the machine that holds it.
    default_args={**default_args("commission"), "queue": WAREHOUSE_QUEUE},
)
def submission_deadlines():
    # Overdue states fail the task at once (AirflowFailException); only a busy warehouse retries.
    @task(on_failure_callback=MissingSubmissionsAlert())
    @in_run
    def overdue_submissions() -> dict:
        from airflow.sdk.exceptions import AirflowFailException

        from csa_stats.steps import deadlines

        missing = deadlines.overdue_submissions()
        if missing:
            raise AirflowFailException(
                f"overdue Article 8 submissions: {deadlines.describe_overdue(missing)}"
            )
        return {}

    overdue_submissions()


submission_deadlines()
