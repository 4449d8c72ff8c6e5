"""Release inputs for the publication tests: every contract series of a few states."""

from __future__ import annotations

from contracts.contract import load_contract
from publish.disclosure import series_key

BASE = "https://example.org/csa-stats"
YEAR = 2023
CONTRACT = load_contract()
PERP = ("PERP_CNV", "_Z", "_Z", "_Z")


def child(sex: str) -> tuple[str, ...]:
    return ("CHILD_IDN", sex, "_Z", "_Z")


def state_rows(geo: str, values: dict | None = None, revision: int = 1) -> list[dict]:
    """Every contract series for one state: 50 unless `values` says otherwise."""
    values = values or {}
    rows = []
    for series in CONTRACT.series:
        key = series_key(series)
        value = values.get(key, 50)
        rows.append(
            {
                "geo": geo,
                "time_period": YEAR,
                **{d: series[d] for d in CONTRACT.series_dimensions},
                "obs_value": value,
                "obs_status": "m" if value is None else None,
                "conf_status": None,
                "comment": None,
                "submission_id": f"{geo}-{YEAR}-R{revision}",
            }
        )
    return rows


def submission(geo: str, revision: int = 1) -> dict:
    return {
        "geo": geo,
        "submission_id": f"{geo}-{YEAR}-R{revision}",
        "revision": revision,
        "received_at": f"{YEAR + 1}-05-0{revision}T10:00:00+00:00",
        "national_definitions": "Reports counted on the date received by the police.",
        "reporting_authority": f"Ministry of the Interior ({geo})",
        "ref_period_start": f"{YEAR}-01-01",
        "ref_period_end": f"{YEAR}-12-31",
        "legal_basis": "32021R1232",
    }


def three_states(at: dict | None = None, mt: dict | None = None, lu: dict | None = None):
    rows = state_rows("AT", at) + state_rows("MT", mt) + state_rows("LU", lu)
    return rows, [submission("AT"), submission("MT"), submission("LU")]
