"""Shared test set-up: an Airflow home of the test session's own and the settings fixtures
(builders of test data live in tests/helpers.py)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]

# Airflow reads its configuration on first import: point it at a private home first.
_AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="csa-airflow-"))
os.environ.update(
    {
        "AIRFLOW_HOME": str(_AIRFLOW_HOME),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__PARALLELISM": "2",
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(64),  # this session's own
        "AIRFLOW_VAR_CSA_RELEASE_APPROVERS": '["approver", "head-of-unit"]',
    }
)


@pytest.fixture
def csa_env(tmp_path, monkeypatch):
    """CSA_* settings pointing into tmp_path; returns the Settings."""
    from csa_stats.settings import get_settings

    monkeypatch.setenv("CSA_DATA_DIR", str(tmp_path / "data"))
    return get_settings()


@pytest.fixture(scope="session")
def airflow_db():
    """A migrated SQLite metadata database for this test session, with the writer pool."""
    bin_dir = Path(sys.executable).parent
    subprocess.run([bin_dir / "airflow", "db", "migrate"], check=True, capture_output=True)
    pools = ROOT / "config" / "airflow_pools.json"
    subprocess.run([bin_dir / "airflow", "pools", "import", str(pools)], check=True, capture_output=True)
    return _AIRFLOW_HOME
