"""Shared test set-up: an Airflow home of the test session's own, and small valid submissions."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

# Airflow reads its configuration on first import: point it at a private home first.
_AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="csa-airflow-"))
os.environ.update(
    {
        "AIRFLOW_HOME": str(_AIRFLOW_HOME),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(Path(__file__).parents[1] / "dags"),
        "AIRFLOW__CORE__PARALLELISM": "2",
        "AIRFLOW__API_AUTH__JWT_SECRET": "csa-stats-test-jwt-secret-0123456789abcdef0123456789abcdef012345",
    }
)

FIGURES = {
    ("REP_LEA", "_Z", "TOTAL", "TOTAL"): 100,
    ("REP_LEA", "_Z", "PIO", "TOTAL"): 20,
    ("REP_LEA", "_Z", "PROVIDER", "TOTAL"): 80,
    ("REP_LEA", "_Z", "PROVIDER", "EMAIL"): 20,
    ("REP_LEA", "_Z", "PROVIDER", "MESSAGING"): 50,
    ("REP_LEA", "_Z", "PROVIDER", "VOIP"): 5,
    ("REP_LEA", "_Z", "PROVIDER", "OTHER"): 3,
    ("REP_LEA", "_Z", "PROVIDER", "UNKNOWN"): 2,
    ("CASE_UNQ", "_Z", "TOTAL", "TOTAL"): 70,
    ("CASE_MULT", "_Z", "TOTAL", "TOTAL"): 10,
    ("CHILD_IDN", "T", "_Z", "_Z"): 10,
    ("CHILD_IDN", "F", "_Z", "_Z"): 6,
    ("CHILD_IDN", "M", "_Z", "_Z"): 3,
    ("CHILD_IDN", "U", "_Z", "_Z"): 1,
    ("PERP_CNV", "_Z", "_Z", "_Z"): 4,
    ("PERP_CNV_LNK", "_Z", "_Z", "_Z"): 3,
}


def metadata(geo: str = "AT", year: int = 2023, revision: int = 1) -> dict:
    return {
        "geo": geo,
        "time_period": year,
        "revision": revision,
        "ref_period_start": f"{year}-01-01",
        "ref_period_end": f"{year}-12-31",
        "legal_basis": "32021R1232",
        "reporting_authority": "Test authority",
        "contact": "stats@example.org",
        "national_definitions": "Reports as received by the police.",
    }


def observations(changes: dict | None = None) -> list[dict]:
    """The 16 series with consistent figures; `changes` maps a key to a new value."""
    figures = {**FIGURES, **(changes or {})}
    return [
        {
            "indicator": k[0],
            "sex": k[1],
            "reporter": k[2],
            "service": k[3],
            "obs_value": v,
            "obs_status": None if v is not None else "m",
            "comment": None,
        }
        for k, v in figures.items()
    ]


def write_json_submission(
    folder: Path,
    geo: str = "AT",
    year: int = 2023,
    revision: int = 1,
    changes: dict | None = None,
    received: dt.datetime | None = None,
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"ART8_{geo}_{year}_R{revision}.json"
    doc = {"metadata": metadata(geo, year, revision), "observations": observations(changes)}
    path.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    if received:
        os.utime(path, (received.timestamp(), received.timestamp()))
    return path


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
    pools = Path(__file__).parents[1] / "config" / "airflow_pools.json"
    subprocess.run([bin_dir / "airflow", "pools", "import", str(pools)], check=True, capture_output=True)
    return _AIRFLOW_HOME
