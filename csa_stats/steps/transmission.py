"""From the national office to the Commission and back (the office's side): the Commission-bound
file sent into the state's own prefix of the Union landing, once per revision, and the Union's
verdict read back from the state's feedback prefix (written by csa_stats.steps.receipts).

Where to send and where feedback comes from are path-like roots: a local Path, a UPath, or in a
DAG an ObjectStoragePath carrying the state's own connection (its credentials).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from pathlib import Path
from typing import TypedDict

from contracts.vocabulary import AuditAction, ReceiptStatus
from csa_stats.settings import Settings, get_settings, national_settings

log = logging.getLogger(__name__)

SEND, VERDICT = AuditAction.SEND, AuditAction.VERDICT  # the national audit log's actions
VERDICTS = (ReceiptStatus.ACCEPTED, ReceiptStatus.REJECTED, ReceiptStatus.SUPERSEDED)


class Sent(TypedDict):
    geo: str
    file: str  # the file's name, as it lands: ART8_AT_2024_R2.json
    sha256: str
    to: str  # the object or file it became
    sent_at: str  # ISO time of the upload (or of the first one, when it was there already)
    uploaded: bool  # False: the landing already held these bytes, nothing was sent again


class TransmissionConflict(ValueError):
    """The landing holds other bytes under this revision's name: never overwritten."""


class SubmissionRejected(ValueError):
    """The Union rejected the file: the message names the findings."""


def receipt_name(file: str, sha256: str) -> str:
    """The receipt of one received file in `<feedback>/<GEO>/receipts/` (its content's name)."""
    return f"{Path(file).stem}.{sha256[:12]}.receipt.json"


def landing_root(settings: Settings | None = None):
    """Where the office sends (CSA_SEND_TO) when no Airflow connection is involved."""
    from transforms.locations import as_path

    return as_path((settings or get_settings()).send_to)


def feedback_root(settings: Settings | None = None):
    from transforms.locations import as_path

    return as_path((settings or get_settings()).feedback)


def send_submission(
    geo: str, path: str, landing=None, settings: Settings | None = None, actor: str = "system"
) -> Sent:
    """Deliver the Commission-bound file into `<landing>/<GEO>/`, exactly once per revision.

    The object's checksum decides: the same bytes there already are not sent again (a retry after
    an upload that succeeded), other bytes under the name raise TransmissionConflict, an absent
    object is uploaded (one whole PUT, or a local file renamed into place) and read back. Each
    delivery is recorded in the national warehouse's audit log (action `send`)."""
    from warehouse import db

    national = national_settings(geo, settings)
    source = Path(path)
    data = source.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    target = (landing_root(settings) if landing is None else landing) / geo / source.name
    logged = _sent_before(national.warehouse, source.name, digest)
    held = _read(target)
    if held is not None and hashlib.sha256(held).hexdigest() != digest:
        raise TransmissionConflict(
            f"{target} already holds other bytes than {source} (sha256 "
            f"{hashlib.sha256(held).hexdigest()}, ours {digest}): a revision is never overwritten; "
            "send the changed figures as a new revision"
        )
    uploaded = held is None
    if uploaded:
        _write(target, data)
        back = _read(target)
        if back is None or hashlib.sha256(back).hexdigest() != digest:
            raise OSError(f"{target}: the upload did not arrive whole; retry")
    sent = Sent(
        geo=geo,
        file=source.name,
        sha256=digest,
        to=_url(target),
        sent_at=logged or dt.datetime.now(dt.UTC).isoformat(),
        uploaded=uploaded,
    )
    if logged and not uploaded:
        log.info("%s was sent on %s (sha256 %s): not sent again", source.name, logged, digest)
        return sent
    with db.writer(national.warehouse) as con:
        detail = {k: sent[k] for k in ("file", "sha256", "to", "uploaded")}
        db.audit(
            con, actor, SEND, source.name, json.dumps(detail), dt.datetime.fromisoformat(sent["sent_at"])
        )
    log.info("sent %s to %s (sha256 %s)", source.name, sent["to"], digest)
    return sent


def _sent_before(warehouse: Path, name: str, digest: str) -> str | None:
    """When these bytes were recorded as sent under this name (None: never)."""
    from warehouse import db

    if not warehouse.exists():
        return None
    with db.reader(warehouse) as con:
        row = con.execute(
            "SELECT min(logged_at) FROM audit_log "
            "WHERE action = ? AND object = ? AND detail ->> 'sha256' = ?",
            [SEND, name, digest],
        ).fetchone()
    return row[0].astimezone(dt.UTC).isoformat() if row and row[0] else None


def _is_local(target) -> bool:
    return isinstance(target, Path) or getattr(target, "protocol", "file") in ("file", "local", "")


def _read(target) -> bytes | None:
    try:
        return target.read_bytes()
    except FileNotFoundError:
        return None


def _write(target, data: bytes) -> None:
    from transforms.files import write_atomic

    if _is_local(target):  # renamed into place: the collector never sees half a file
        write_atomic(Path(getattr(target, "path", target)), data)
    else:  # one PUT: an object is visible whole or not at all
        target.write_bytes(data)


def _url(target) -> str:
    """Where a file went, without the connection id an ObjectStoragePath carries in its URL."""
    protocol = getattr(target, "protocol", "file")
    if _is_local(target):
        return str(Path(getattr(target, "path", target)))
    return f"{protocol}://{str(target.path).lstrip('/')}"


def read_receipt(sent: Sent, feedback) -> dict | None:
    """The Union's receipt of the file sent (None: not received yet)."""
    data = _read(feedback / sent["geo"] / "receipts" / receipt_name(sent["file"], sent["sha256"]))
    return json.loads(data) if data is not None else None


def describe(sent: Sent, receipt: dict | None) -> str:
    """One line for the log and `csa-stats status`: sent R2 on ..., accepted on ..."""
    line = f"{sent['file']}: sent on {_when(sent['sent_at'])} (sha256 {sent['sha256'][:12]}...)"
    if receipt is None:
        return f"{line}; not received by the Union yet"
    line += f", received on {_when(receipt['received_at'])}"
    status = receipt["status"]
    if status not in VERDICTS:
        return f"{line}; awaiting the verdict"
    line += f", {status} on {_when(receipt['decided_at'])} as {receipt['submission_id']}"
    if status == ReceiptStatus.SUPERSEDED:
        line += f" (by {receipt['superseded_by']})"
    if status == ReceiptStatus.REJECTED:
        line += ": " + "; ".join(_errors(receipt))
    elif receipt["warnings"]:
        line += f" with {receipt['warnings']} warning(s)"
    return line


def record_verdict(sent: Sent, receipt: dict, settings: Settings | None = None) -> dict:
    """The Union's verdict in the national audit log (action `verdict`, once per status); raises
    SubmissionRejected naming the findings when the file was rejected."""
    from warehouse import db

    national = national_settings(sent["geo"], settings)
    detail = {
        k: receipt[k] for k in ("sha256", "status", "submission_id", "decided_at", "errors", "warnings")
    }
    detail["findings"] = _errors(receipt)
    with db.writer(national.warehouse) as con:
        known = con.execute(
            "SELECT 1 FROM audit_log WHERE action = ? AND object = ? AND detail ->> 'sha256' = ? "
            "AND detail ->> 'status' = ?",
            [VERDICT, sent["file"], sent["sha256"], receipt["status"]],
        ).fetchone()
        if not known:
            db.audit(con, "union", VERDICT, sent["file"], json.dumps(detail))
    if receipt["status"] == ReceiptStatus.REJECTED:
        raise SubmissionRejected(f"rejected by the Union: {describe(sent, receipt)}")
    return detail


def transmissions(geo: str, settings: Settings | None = None) -> list[str]:
    """What the office sent and what came back, one line per file: from its audit log."""
    from warehouse import db

    national = national_settings(geo, settings)
    with db.reader(national.warehouse) as con:
        rows = con.execute(
            "SELECT s.object, s.logged_at, s.detail, v.detail FROM audit_log s LEFT JOIN ("
            "  SELECT object, detail, row_number() OVER (PARTITION BY object, detail ->> 'sha256' "
            "  ORDER BY audit_id DESC) AS newest FROM audit_log WHERE action = ?"
            ") v ON v.object = s.object AND v.detail ->> 'sha256' = s.detail ->> 'sha256' AND v.newest = 1 "
            "WHERE s.action = ? ORDER BY s.logged_at",
            [VERDICT, SEND],
        ).fetchall()
    lines = []
    for name, at, sent_detail, verdict in rows:
        sent = json.loads(sent_detail)
        line = f"{name}: sent on {_when(at.isoformat())} (sha256 {sent['sha256'][:12]}...) to {sent['to']}"
        if verdict:
            v = json.loads(verdict)
            line += f"; {v['status']} on {_when(v['decided_at'])} as {v['submission_id']}"
            line += ": " + "; ".join(v["findings"]) if v["status"] == ReceiptStatus.REJECTED else ""
        lines.append(line if verdict else f"{line}; no verdict yet")
    return lines


def _errors(receipt: dict, limit: int = 5) -> list[str]:
    """The errors of a rejection, as the sender reads them: rule, place, message."""
    errors = [
        f"{f['rule']} at {f['location']}: {f['message']}"
        for f in receipt["findings"]
        if f["severity"] == "error"
    ]
    return errors[:limit] + ([f"and {len(errors) - limit} more"] if len(errors) > limit else [])


def _when(iso: str) -> str:
    return dt.datetime.fromisoformat(iso).astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
