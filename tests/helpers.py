"""Builders of small valid submissions shared by the tests of every stage."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import threading
from pathlib import Path

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
    if received:  # an arrival recorded outside the landing folder (the file's mtime counts for nothing)
        from csa_stats.settings import get_settings
        from warehouse.archive import write_receipts

        write_receipts(get_settings().receipts, {path: received})
    return path


@contextlib.contextmanager
def union_collecting(geo: str):
    """The Union's side while a national run waits for its verdict: what lands in the state's prefix
    is ingested (the step union_collection's ingest task calls), writing the receipts."""
    from csa_stats.settings import get_settings
    from csa_stats.steps import collection

    landing, collected, stop = get_settings().landing / geo, [], threading.Event()

    def collect():
        while not stop.wait(0.5):
            for path in sorted(landing.glob("ART8_*")) if landing.is_dir() else ():
                if path not in collected:
                    collection.ingest(str(path), sender=geo)
                    collected.append(path)

    collector = threading.Thread(target=collect, daemon=True)
    collector.start()
    try:
        yield collected
    finally:
        stop.set()
        collector.join()
