"""The national office's side of the loop with the Union: where it sends (through its own
connection) and the wait for the Union's verdict. Shared by national_statistics; not a DAG file
(listed in .airflowignore), imported when the DAG builds its tasks.
"""

from __future__ import annotations

import datetime as dt

from airflow.sdk import BaseOperator
from dag_common import in_run


def union_path(location: str):
    """The Union's landing or feedback folder through the state's own credentials: the Airflow
    connection named by the variable csa_send_conn_id (an aws connection for s3://, none or an fs
    connection for a folder)."""
    from airflow.sdk import ObjectStoragePath, Variable

    from transforms.locations import is_object_store

    url = location if is_object_store(location) else f"file://{location}"
    return ObjectStoragePath(url, conn_id=Variable.get("csa_send_conn_id", None))


class AwaitVerdict(BaseOperator):
    """Looks for the Union's receipt of the file `sent` (the send task's result) in the state's
    feedback prefix; until it holds a verdict, the task defers to the triggerer for
    CSA_FEEDBACK_POLL seconds (no worker slot is held while it waits) and looks again. Accepted
    (or superseded): success, the verdict in the log and the national audit log. Rejected: the
    task fails at once with the findings. No verdict within CSA_FEEDBACK_TIMEOUT hours of the
    sending: the task fails."""

    template_fields = ("sent",)

    def __init__(self, *, sent, **kwargs):
        super().__init__(**kwargs)
        self.sent = sent

    @in_run
    def execute(self, context, event=None):
        from airflow.providers.standard.triggers.temporal import DateTimeTrigger
        from airflow.sdk.exceptions import AirflowFailException

        from csa_stats.settings import get_settings
        from csa_stats.steps import transmission

        settings = get_settings()
        receipt = transmission.read_receipt(self.sent, union_path(settings.feedback))
        self.log.info("%s", transmission.describe(self.sent, receipt))
        if receipt is None or receipt["status"] not in transmission.VERDICTS:
            waited = dt.datetime.now(dt.UTC) - dt.datetime.fromisoformat(self.sent["sent_at"])
            if waited > dt.timedelta(hours=settings.feedback_timeout_hours):
                raise AirflowFailException(
                    f"no verdict on {self.sent['file']} within {settings.feedback_timeout_hours:g} h "
                    "(CSA_FEEDBACK_TIMEOUT): ask the Commission whether it arrived"
                )
            moment = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=settings.feedback_poll)
            self.defer(trigger=DateTimeTrigger(moment=moment), method_name="execute")
        try:
            return transmission.record_verdict(self.sent, receipt, settings)
        except transmission.SubmissionRejected as exc:
            raise AirflowFailException(str(exc)) from exc
