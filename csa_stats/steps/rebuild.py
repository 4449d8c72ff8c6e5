"""Rebuild: a new warehouse from the raw archive, the proof that the archive is the source of truth.

Every submission of the warehouse is judged again from its archived bytes (the data file and
its side file, under the name it arrived with, from the sender, at the time and by the actor
its audit entry records), in the order it was first judged, into a new warehouse with its own
archive and reports beside it. Nothing of the live warehouse, archive or reports is written, so
it can run while loads go on; the rebuilt warehouse equals the original in its registry,
observations and revisions (tests/warehouse/test_rebuild.py).
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import tempfile
import time
from pathlib import Path

from csa_stats.settings import Settings, get_settings


def rebuild(target: Path, settings: Settings | None = None) -> dict:
    """Judge every archived submission again into a new warehouse at `target` (which must not
    exist); its archive and reports go to `<target>.archive/` and `<target>.reports/`."""
    from warehouse import db
    from warehouse.loader import Arrival, ingest_files

    settings = settings or get_settings()
    target = Path(target)
    if target.exists():
        raise db.WarehouseError(f"{target} exists: a rebuild writes a new warehouse, never over one")
    started = time.perf_counter()
    with db.reader(settings.warehouse) as con:
        registry = archived_submissions(con)
    places = dataclasses.replace(
        settings,
        warehouse=target,
        archive=target.with_name(f"{target.name}.archive"),
        reports=target.with_name(f"{target.name}.reports"),
        snapshots="",
        receipts=None,
    )
    with tempfile.TemporaryDirectory(prefix="csa-rebuild-") as staging:
        arrivals = [
            Arrival(_staged(row, Path(staging) / str(n)), row["sender"], row["received_at"], row["actor"])
            for n, row in enumerate(registry)
        ]
        results = ingest_files(arrivals, places)
    statuses = [r.status for r in results]
    return {
        "warehouse": str(target),
        "submissions": len(results),
        **{s: statuses.count(s) for s in sorted(set(statuses))},
        "seconds": round(time.perf_counter() - started, 2),
    }


def archived_submissions(con) -> list[dict]:
    """Every submission in the order it was judged (its audit entry), with where its files are
    archived, the name it arrived under, its sender, arrival time and actor."""
    from contracts.vocabulary import AuditAction

    rows = con.execute(
        """SELECT a.detail, a.actor, s.received_at, d.archive_path, m.archive_path
        FROM submission s
        JOIN audit_log a ON a.object = s.submission_id AND a.action = ?
        JOIN raw_file d ON d.sha256 = s.sha256
        LEFT JOIN raw_file m ON m.sha256 = s.metadata_sha256
        ORDER BY a.audit_id""",
        [AuditAction.INGEST],
    ).fetchall()
    found = []
    for detail, actor, received_at, data, side in rows:
        detail = json.loads(detail)
        found.append(
            {
                "file": detail["file"],
                "sender": detail.get("sender"),
                "actor": actor,
                "received_at": received_at,
                "data": Path(data),
                "side": Path(side) if side else None,
            }
        )
    return found


def _staged(row: dict, folder: Path) -> Path:
    """The archived bytes under the name they arrived with (the name says state, year, revision)."""
    folder.mkdir(parents=True)
    path = folder / row["file"]
    shutil.copyfile(row["data"], path)
    if row["side"]:
        shutil.copyfile(row["side"], path.with_suffix(".meta.json"))
    return path
