"""What the DAG files share: the warehouse asset and the default task arguments.

Not a DAG file (listed in .airflowignore); DAG files import it at the top (stdlib and
airflow.sdk only, so parsing stays fast).
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import Asset

# Updated by union_collection when it loads files; union_release runs when it changes.
WAREHOUSE = Asset(name="article8_warehouse", uri="csa://warehouse/article8")


def default_args(owner: str) -> dict:
    """Every task retries twice, backing off from 20 seconds (a busy warehouse, a slow store)."""
    return {
        "owner": owner,
        "retries": 2,
        "retry_delay": timedelta(seconds=20),
        "retry_exponential_backoff": True,
    }
