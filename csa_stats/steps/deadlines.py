"""Deadlines: the Member States with nothing accepted for a year past its deadline."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from contracts.vocabulary import TrackerStatus
from csa_stats import stores
from csa_stats.settings import Settings, get_settings


def overdue_submissions(settings: Settings | None = None) -> dict[int, list[str]]:
    """Reporting years past their deadline and the Member States that have sent nothing accepted."""
    from warehouse import db, queries

    settings = settings or get_settings()
    if not settings.warehouse.exists():
        return {}
    with db.reader(settings.warehouse) as con:
        rows = queries.tracker(con)
    missing: dict[int, list[str]] = {}
    for row in rows:
        due = row["legal_bases"]  # a year no legal basis covers is not due, whatever arrived
        if (
            due
            and row["status"] in (TrackerStatus.MISSING, TrackerStatus.REJECTED)
            and row["deadline"] < dt.date.today()
        ):
            missing.setdefault(row["time_period"], []).append(row["geo"])
    return missing


def describe_overdue(missing: dict[int, list[str]]) -> str:
    return "; ".join(f"{year}: {', '.join(geos)}" for year, geos in sorted(missing.items()))


def record_deadline_alert(missing: dict[int, list[str]], settings: Settings | None = None) -> Path:
    """Append the alert to CSA_REPORTS/alerts/deadlines.jsonl (one JSON object a line)."""
    settings = settings or get_settings()
    target = settings.reports / "alerts" / "deadlines.jsonl"
    target.parent.mkdir(parents=True, exist_ok=True)
    alert = {"at": dt.datetime.now(dt.UTC).isoformat(), "missing": {str(y): g for y, g in missing.items()}}
    with target.open("a", encoding="utf-8") as out:
        out.write(json.dumps(alert, sort_keys=True) + "\n")
    stores.push_folders(settings, "reports")
    return target
