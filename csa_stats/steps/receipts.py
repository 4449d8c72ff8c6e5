"""The Union's acknowledgement of every received file: a machine-readable receipt in the sending
state's feedback prefix, `<reports>/<GEO>/receipts/<stem>.<sha256[:12]>.receipt.json`.

First `received` (the file's checksum and arrival), then, from the warehouse, the verdict:
`accepted`, `rejected` or `superseded` (by a later accepted revision), with the findings of the
validation report. The national pipeline reads it back (csa_stats.steps.transmission).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

from contracts.vocabulary import ReceiptStatus
from csa_stats.settings import Settings
from csa_stats.steps.transmission import receipt_name

FINDING_FIELDS = ("rule", "severity", "location", "field", "value", "expected", "message")


def acknowledge_arrival(path: Path, sender: str | None, settings: Settings) -> Path | None:
    """A file from a state's prefix is received: its receipt says so until the verdict replaces it."""
    from transforms.files import write_atomic

    if sender is None:  # an operator's file: its state is known once it is read
        return None
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    target = settings.reports / sender / "receipts" / receipt_name(path.name, digest)
    if target.exists():  # the same bytes again: the receipt already says more
        return None
    received_at = dt.datetime.now(dt.UTC).isoformat()
    receipt = {"type": "receipt", "file": path.name, "sender": sender, "sha256": digest,
               "received_at": received_at, "status": ReceiptStatus.RECEIVED}  # fmt: skip
    return write_atomic(target, json.dumps(receipt, indent=2) + "\n")


def acknowledge(submission_ids: list[str], settings: Settings) -> list[Path]:
    """The receipts of submissions and of every other of their states and years, as the warehouse
    now judges them (a new accepted revision supersedes the one before); one read for a batch."""
    from warehouse import db, queries

    with db.reader(settings.warehouse) as con:
        batches = queries.verdicts(con, submission_ids)
    return [path for rows in batches for path in _acknowledged(rows, settings)]


def _acknowledged(rows: list[dict], settings: Settings) -> list[Path]:
    """The receipts of one submission's state and year."""
    from transforms.files import write_atomic

    written = []
    current = next((r for r in rows if r["status"] == ReceiptStatus.ACCEPTED), None)
    for row in rows:
        target = settings.reports / row["geo"] / "receipts" / receipt_name(row["file"], row["sha256"])
        write_atomic(target, json.dumps(_receipt(row, current), indent=2) + "\n", only_if_changed=True)
        written.append(target)
    return written


def _receipt(row: dict, current: dict | None) -> dict:
    report = json.loads(row["report"])
    superseded = row["status"] == ReceiptStatus.SUPERSEDED and current is not None
    return {
        "type": "receipt",
        "file": row["file"],
        "sender": row["geo"],
        "sha256": row["sha256"],
        "received_at": row["received_at"].isoformat(),
        "status": row["status"],
        "decided_at": (current if superseded else row)["decided_at"].isoformat(),
        "submission_id": row["submission_id"],
        "revision": row["revision"],
        "superseded_by": current["submission_id"] if superseded else None,
        "errors": row["errors"],
        "warnings": row["warnings"],
        "report": f"{row['submission_id']}.validation.json",
        "findings": [
            {k: i.get(k) for k in FINDING_FIELDS} for i in report["issues"] if i["severity"] != "information"
        ],
    }
