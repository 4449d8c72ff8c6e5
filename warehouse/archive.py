"""The raw archive and arrival times: every received file stored byte for byte under its SHA-256
before anything reads it, and when the system first saw each content (never the file's own
modification time, which the sender controls)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

from transforms import receipts as receipts_file
from transforms.files import write_atomic
from transforms.senders import FILE, entry_kind
from warehouse import queries


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def archive_bytes(data: bytes, suffix: str, archive: Path) -> Path:
    """Store a file byte for byte under its SHA-256 (content-addressed, written once)."""
    digest = sha256_of(data)
    target = archive / digest[:2] / f"{digest}{suffix.lower()}"
    if not target.exists():
        write_atomic(target, data)
    return target


def side_file(path: Path) -> Path:
    return path.with_suffix(".meta.json")


def received_digests(path: Path) -> tuple[str, str | None]:
    """What identifies a received submission: the SHA-256 of its file and of its metadata side file
    (a link or a pipe in the side file's place is never read)."""
    side = side_file(path)  # a local path or an object-store one (the sensor's listing)
    meta = side.read_bytes() if side != path and entry_kind(side) == FILE else None
    return sha256_of(path.read_bytes()), sha256_of(meta) if meta is not None else None


def landed_at(path: Path) -> dt.datetime:
    """A file's modification time (never in the future). Only for the office's own record-level
    files (retention): a submission's arrival is when the system first saw it (`first_seen`)."""
    mtime = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
    return min(mtime, dt.datetime.now(dt.UTC))


def receipt_times(receipts: Path | None, today: dt.date | None) -> dict[str, dt.datetime]:
    """CSA_RECEIPTS read once for a batch of loads (the entries it leaves out were said once per
    run: csa_stats.steps.taken.check_receipts). A file that cannot be used raises ReceiptsInvalid."""
    return receipts_file.read(receipts, today=today)[0]


def first_seen(
    con, digest: str, receipts: dict[str, dt.datetime], year: int | None = None, today: dt.date | None = None
) -> dt.datetime:
    """When the system first saw this content: as archived before, else as a receipt recorded
    outside the landing folder (`receipt_times`: files that arrived another way) that can be true
    of a submission for `year`, else now (the demo's `today` when later). Never the file's
    modification time, which the sender controls."""
    known = queries.first_received(con, digest)
    if known:
        return known
    return receipts_file.arrival(receipts, digest, year) or receipts_file.now(today)


def read_receipts(path: Path | None) -> dict[str, str]:
    if path is None or not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def write_receipts(path: Path, received: dict[Path, dt.datetime]) -> Path:
    """Record when files arrived (SHA-256 -> ISO time), added to what the file already holds."""
    receipts = read_receipts(path)
    receipts.update({sha256_of(p.read_bytes()): when.isoformat() for p, when in received.items()})
    return write_atomic(path, json.dumps(receipts, indent=1, sort_keys=True) + "\n")


def clear_unfinished(folder: Path) -> None:
    """Temporary files of a load that was killed (whole files replace them atomically)."""
    for tmp in folder.rglob(".tmp-*") if folder.exists() else ():
        if tmp.is_file():
            tmp.unlink()
