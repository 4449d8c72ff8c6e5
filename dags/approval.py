"""The human sign-off of a release, shared by union_release and national_statistics.

Not a DAG file (listed in .airflowignore): DAG functions import it when they build their tasks.
"""

from __future__ import annotations

from datetime import UTC, datetime

from dag_common import WAREHOUSE_WRITER, in_run


def release_approval(pending):
    """The task `approve_release`: a human approves or rejects the releases that `pending` (a task
    returning dry runs of `csa_stats.steps.release.release`, each with its change summary) lists.

    Only the users named in the Airflow variable `csa_release_approvers` (a JSON list of user ids)
    may answer: the API refuses anyone else, admins included; with none configured the task fails
    rather than let anyone approve. Either answer is written to the audit log with the approver's
    name; *Reject* skips the tasks downstream, so nothing is published. Returns the operator, to be
    set upstream of publishing.
    """
    # The one Airflow operator that is not in airflow.sdk; imported when the DAG is built.
    from airflow.providers.standard.operators.hitl import ApprovalOperator

    source = pending.operator.task_id

    class ReleaseApproval(ApprovalOperator):
        """Waits for a human under Required Actions. Only with CSA_AUTO_APPROVE_AS set (make demo,
        tests) it approves at once as that actor, which the audit log then records."""

        @in_run
        def execute(self, context):
            from csa_stats.settings import get_settings

            actor = get_settings().auto_approve_as
            if not actor:
                self.assigned_users = release_approvers()
                return super().execute(context)
            self.log.warning("CSA_AUTO_APPROVE_AS=%s: approved without asking a human", actor)
            answer = {
                "chosen_options": [self.APPROVE],
                "params_input": {},
                "responded_at": datetime.now(UTC),
                "responded_by_user": {"id": actor, "name": actor},
            }
            return self.execute_complete(context, answer)

        @in_run
        def execute_complete(self, context, event):
            if "error" not in event:  # a timeout or error fails the task in the parent class
                from csa_stats.steps.release import record_release_decision

                releases = context["ti"].xcom_pull(task_ids=source)
                approved = event["chosen_options"] == [self.APPROVE]
                record_release_decision(releases, approved, approval_actor(event))
            return super().execute_complete(context, event)

    return ReleaseApproval(
        task_id="approve_release",
        subject=f"Publish {{{{ ti.xcom_pull(task_ids='{source}') | map(attribute='object') | join(', ') }}}}",
        body=f"{{{{ ti.xcom_pull(task_ids='{source}') | map(attribute='summary') | join('\\n\\n') }}}}",
        **WAREHOUSE_WRITER,  # it writes the audit log (not while it waits for the human)
        retries=0,
    )


def release_approvers() -> list[dict]:
    """The users who may approve a release, from configuration (never everyone by default)."""
    from airflow.sdk import Variable

    names = Variable.get("csa_release_approvers", default=[], deserialize_json=True)
    if not names or not isinstance(names, list):
        raise ValueError(
            "no release approvers configured: set the Airflow variable csa_release_approvers "
            'to a JSON list of user ids, e.g. ["approver"] (config/airflow_variables.json)'
        )
    return [{"id": str(name), "name": str(name)} for name in names]


def approval_actor(response: dict) -> str:
    """Who answered an approval (Airflow's HITL response): the UI user, or the configured demo
    actor that answered itself."""
    from csa_stats.settings import get_settings

    user = response.get("responded_by_user")
    return (user or {}).get("name") or get_settings().auto_approve_as or "unknown"
