"""What the DAG files share: the warehouse asset and the default task arguments.

Not a DAG file (listed in .airflowignore); DAG files import it at the top (stdlib and
airflow.sdk only, so parsing stays fast).
"""

from __future__ import annotations

import functools
from datetime import timedelta

from airflow.sdk import Asset

# Updated by union_collection when it loads files; union_release runs when it changes.
WAREHOUSE = Asset(name="article8_warehouse", uri="csa://warehouse/article8")


def setting(name: str) -> str:
    """A deployment setting (a DAG's schedule, a default parameter) as csa_stats/settings.py reads
    it, with its one default there. Imported when called, not at the top of a DAG file."""
    from csa_stats.settings import setting as configured

    return configured(name)


def in_run(body):
    """A task's body (or an operator's execute) inside its own run context (csa_stats/run.py):
    the settings read and the contract loaded once, when the task starts."""

    @functools.wraps(body)
    def in_its_run(*args, **kwargs):
        from csa_stats.run import Run

        with Run.start().active():
            return body(*args, **kwargs)

    return in_its_run


def default_args(owner: str) -> dict:
    """Every task retries twice, backing off from 20 seconds (a busy warehouse, a slow store)."""
    return {
        "owner": owner,
        "retries": 2,
        "retry_delay": timedelta(seconds=20),
        "retry_exponential_backoff": True,
    }


# The Celery queue that one worker serves, on the machine that holds the DuckDB warehouse file:
# every task that opens the file runs there (DuckDB allows one writing process). The executors of
# the embedded default ignore queues.
WAREHOUSE_QUEUE = "warehouse"
# Tasks that read the live warehouse.
WAREHOUSE_READER = {"queue": WAREHOUSE_QUEUE}
# Tasks that write it also take the one-slot pool: a second guard besides the single worker.
WAREHOUSE_WRITER = {"queue": WAREHOUSE_QUEUE, "pool": "warehouse_writer"}
