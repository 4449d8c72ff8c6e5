"""What a retry cannot fix fails the task at once. Shared by the DAG files; not a DAG (listed in
.airflowignore), imported inside tasks."""

from __future__ import annotations

from contextlib import contextmanager


@contextmanager
def not_transient(*errors: type[Exception]):
    """Bad figures, a contract violation or an approval gone stale: no retries, the message shown."""
    from airflow.sdk.exceptions import AirflowFailException

    try:
        yield
    except errors as exc:
        raise AirflowFailException(str(exc)) from exc
