"""Idempotent, atomic loading: archive the raw file, validate, and record the submission
with its report and (if accepted) its observations, in one transaction under the writer lock;
the feedback report is written after the commit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import duckdb
from filelock import FileLock

from contracts.contract import load_contract
from transforms import receipts as receipts_file
from transforms.canonical import Finding, Submission
from transforms.files import read_regular, write_atomic
from transforms.readers import not_judged, read_submission
from transforms.report import Report, validation_event, write_report
from transforms.safety import Limits
from transforms.senders import FILE, entry_kind
from transforms.validation import History, figures, reference_days, validate
from transforms.writers import metadata_document
from warehouse import db

log = logging.getLogger(__name__)


@dataclass
class IngestResult:
    submission_id: str
    status: str  # accepted | rejected | duplicate
    report: Report | None
    report_path: Path | None
    file: str


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def archive_bytes(data: bytes, suffix: str, archive: Path) -> Path:
    """Store a file byte for byte under its SHA-256 (content-addressed, written once)."""
    digest = sha256_of(data)
    target = archive / digest[:2] / f"{digest}{suffix.lower()}"
    if not target.exists():
        write_atomic(target, data)
    return target


def _side_file(path: Path) -> Path:
    return path.with_suffix(".meta.json")


def _side_file_bytes(path: Path) -> bytes | None:
    """The side file's bytes; a link or a pipe in its place is never read (the reader says why)."""
    side = _side_file(path)
    return read_regular(side, follow=False) if side != path and entry_kind(side) == FILE else None


def received_digests(path: Path) -> tuple[str, str | None]:
    """What identifies a received submission: the SHA-256 of its file and of its metadata side file."""
    meta = _side_file_bytes(path)
    return sha256_of(path.read_bytes()), sha256_of(meta) if meta is not None else None


def landed_at(path: Path) -> dt.datetime:
    """A file's modification time (never in the future). Only for the office's own record-level
    files (retention): a submission's arrival is when the system first saw it (`first_seen`)."""
    mtime = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
    return min(mtime, dt.datetime.now(dt.UTC))


def first_seen(con, digest: str, receipts: Path | None, year: int | None = None) -> dt.datetime:
    """When the system first saw this content: as archived before, else as a receipt recorded
    outside the landing folder (CSA_RECEIPTS: files that arrived another way) that can be true for
    a submission of `year`, else now. Never the file's modification time, which the sender controls."""
    known = con.execute("SELECT first_received_at FROM raw_file WHERE sha256 = ?", [digest]).fetchone()
    if known:
        return known[0]
    return receipts_file.arrival(receipts, digest, year) or dt.datetime.now(dt.UTC)


def submission_id(sub: Submission, digest: str) -> str:
    geo = sub.geo if sub.geo in load_contract().code_lists["geo"] else "UNKNOWN"
    year = sub.time_period or "YYYY"
    return f"{geo}-{year}-R{sub.revision}-{digest[:8]}"


class Places(Protocol):
    """What the loader is given (csa_stats.settings.Settings is one): where things go, the
    reader's limits, the deadline of a year, when GX Data Docs join the feedback and where
    receipts recorded outside the landing folder are kept."""

    warehouse: Path
    archive: Path
    reports: Path
    data_docs: str  # none | rejected | all
    receipts: Path | None
    snapshots: str  # where the writer publishes read-only snapshots ("" none)
    snapshot_keep: int

    @property
    def limits(self) -> Limits: ...

    def deadline_for(self, year: int) -> dt.date: ...


def ingest_file(
    path: Path,
    places: Places,
    received_at: dt.datetime | None = None,
    actor: str = "system",
    sender: str | None = None,
) -> IngestResult:
    """Archive and duplicate check -> read and validate -> insert, in one transaction under the
    writer lock; then the feedback report, after the commit and outside the lock.

    `sender` is the state whose landing prefix the file came from: a file claiming another state
    is rejected and registered under the sender. None: an operator's file, taken as it says."""
    path = Path(path)
    data, meta_data = path.read_bytes(), _side_file_bytes(path)
    digest, meta_digest = sha256_of(data), sha256_of(meta_data) if meta_data is not None else None

    with db.writer(places.warehouse, snapshots=places.snapshots, keep=places.snapshot_keep) as con:
        _clear_unfinished(places.archive)
        # Archived before parsing; a load killed after this only leaves a file the rerun reuses.
        stored = archive_bytes(data, path.suffix, places.archive)
        stored_meta = archive_bytes(meta_data, ".meta.json", places.archive) if meta_data else None
        existing = _received_as(con, digest, meta_digest, sender)
        if existing:
            db.audit(con, actor, "duplicate", existing, json.dumps({"file": path.name}))
            stored_report = None if _has_report(places, existing) else _stored_report(con, existing)
        else:
            received_at = received_at or first_seen(con, digest, places.receipts)
            content = digest if meta_digest is None else sha256_of(f"{digest}{meta_digest}".encode())
            checksum = digest if meta_digest is None else f"{digest} (side file {meta_digest})"
            try:  # only now: a duplicate needs no parsing
                submission, report = _judge(path, con, places, checksum, sender)
            except db.WarehouseBusy:
                raise
            except Exception as exc:  # noqa: BLE001 (whatever the file does, it gets a verdict of its own)
                submission, report = _not_judged(path, exc, sender)
            files = [
                (digest, path.name, data, stored),
                (meta_digest, _side_file(path).name, meta_data, stored_meta),
            ]
            try:
                sid = _record(con, submission, report, content, files, received_at, places, actor, sender)
            except _UNSTORABLE as exc:  # validation let through what the warehouse cannot hold
                con.execute("ROLLBACK")
                submission, report = _not_judged(path, exc, sender)
                sid = _record(con, submission, report, content, files, received_at, places, actor, sender)
            status = "accepted" if report.valid else "rejected"

    if existing:  # a load killed after its commit left no report files: write them now
        if stored_report is not None:
            with _feedback_lock(places):
                write_report(stored_report, _report_folder(places, existing), existing)
        log.info("%s: already received as %s", path.name, existing)
        return IngestResult(existing, "duplicate", None, None, path.name)
    docs = places.data_docs == "all" or (places.data_docs == "rejected" and status == "rejected")
    with _feedback_lock(places):
        report_path, _ = write_report(
            report, _report_folder(places, sid), sid, submission.rows() if docs else None, "ingest"
        )
    log.info(
        "%s: %s as %s (%d errors, %d warnings)",
        path.name,
        status,
        sid,
        report.count("error"),
        report.count("warning"),
    )
    return IngestResult(sid, status, report, report_path, path.name)


# What the warehouse refuses to store: values out of its types' range, text it cannot encode.
_UNSTORABLE = (
    duckdb.ConversionException,
    duckdb.ConstraintException,
    duckdb.InvalidInputException,
    duckdb.OutOfRangeException,
    OverflowError,
    UnicodeError,
    TypeError,
    ValueError,
)


def _judge(path: Path, con, places: Places, checksum: str, sender: str | None) -> tuple[Submission, Report]:
    submission = read_submission(path, places.limits)
    _check_sender(submission, sender)
    history = load_history(con, submission.geo, submission.time_period)
    history.checksum = checksum
    report = validate(submission, history)
    _register_under_sender(submission, sender)
    if report.valid:  # pandera: the contract's types, codes and key, before insert
        from contracts.pandera_model import check_rows

        check_rows(submission.rows())
    return submission, report


def _not_judged(path: Path, exc: BaseException, sender: str | None) -> tuple[Submission, Report]:
    # The traceback only when debugging: bad input never prints one (CSA_DEBUG=1 for a bug hunt).
    log.error("%s could not be judged: %r", path.name, exc, exc_info=bool(os.environ.get("CSA_DEBUG")))
    submission = not_judged(path, exc)
    _check_sender(submission, sender)
    report = validate(submission)
    _register_under_sender(submission, sender)
    return submission, report


def _record(con, submission, report, content, files, received_at, places, actor, sender) -> str:
    """The submission, its files and (if accepted) its observations, in one transaction."""
    report.event = validation_event("ingest", actor)
    sid = submission_id(submission, content)
    status = "accepted" if report.valid else "rejected"
    con.execute("BEGIN")
    for digest, name, data, stored in files:
        if data is not None:
            _insert_raw(con, digest, name, data, stored, received_at)
    digest, meta_digest = files[0][0], files[1][0]
    _insert_submission(con, sid, submission, report, status, digest, meta_digest, received_at)
    if status == "accepted":
        _insert_observations(con, sid, submission)
        db.register_deadline(con, submission.time_period, places.deadline_for(submission.time_period))
    claimed = report.geo if sender and report.geo != sender else None
    detail = {"file": files[0][1], "sha256": digest, "sender": sender, "claimed_geo": claimed}
    db.audit(con, actor, "ingest", sid, json.dumps({k: v for k, v in detail.items() if v}))
    counts = {"errors": report.count("error"), "warnings": report.count("warning")}
    db.audit(con, actor, "accept" if status == "accepted" else "reject", sid, json.dumps(counts))
    con.execute("COMMIT")
    return sid


def _feedback_lock(places: Places) -> FileLock:
    """Report files are written outside the writer lock, but one writer at a time: the same file
    loaded twice at once writes the same report files (through the same temporary name)."""
    places.reports.parent.mkdir(parents=True, exist_ok=True)
    return FileLock(f"{places.reports}.lock")


def _received_as(con, digest: str, meta_digest: str | None, sender: str | None) -> str | None:
    """Received before (from the same sender): a file rejected in a wrong prefix does not block
    the same bytes arriving from the state whose figures they are."""
    found = con.execute(
        "SELECT submission_id FROM submission WHERE sha256 = ? AND metadata_sha256 IS NOT DISTINCT FROM ? "
        "AND (? IS NULL OR geo = ?)",
        [digest, meta_digest, sender, sender],
    ).fetchone()
    return found[0] if found else None


def _check_sender(submission: Submission, sender: str | None) -> None:
    """A file claiming another state than the one whose prefix it came from: L0_SENDER_MISMATCH."""
    claimed = submission.geo
    if sender and claimed and claimed != sender:
        where = submission.metadata_location("geo")
        submission.findings.append(Finding("L0_SENDER_MISMATCH", where, "geo", claimed, {"expected": sender}))


def _register_under_sender(submission: Submission, sender: str | None) -> None:
    """A rejected file is registered under the state that sent it; the state it claims (if any)
    stays in its report."""
    if sender and submission.geo != sender:
        submission.metadata["geo"] = sender


def _insert_raw(con, digest: str, name: str, data: bytes, stored: Path, received_at: dt.datetime) -> None:
    con.execute(
        "INSERT OR IGNORE INTO raw_file VALUES (?, ?, ?, ?, ?)",
        [digest, name, len(data), str(stored), received_at],
    )


def _clear_unfinished(folder: Path) -> None:
    """Temporary files of a load that was killed (whole files replace them atomically)."""
    for tmp in folder.rglob(".tmp-*") if folder.exists() else ():
        if tmp.is_file():
            tmp.unlink()


def _report_folder(places: Places, sid: str) -> Path:
    return places.reports / sid.split("-")[0]  # the sender's (or claimed) state, or UNKNOWN


def _has_report(places: Places, sid: str) -> bool:
    folder = _report_folder(places, sid)
    return all((folder / f"{sid}.validation.{ext}").exists() for ext in ("json", "html"))


def _stored_report(con, sid: str) -> Report:
    (stored,) = con.execute("SELECT report FROM submission WHERE submission_id = ?", [sid]).fetchone()
    return Report.from_dict(json.loads(stored))


def _insert_submission(
    con,
    sid: str,
    sub: Submission,
    report: Report,
    status: str,
    digest: str,
    meta_digest: str | None,
    received_at: dt.datetime,
) -> None:
    m = sub.metadata
    con.execute(
        "INSERT INTO submission VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            sid,
            sub.geo,
            sub.time_period,
            sub.revision,
            received_at,
            sub.format,
            digest,
            meta_digest,
            report.contract_version,
            status,
            report.count("error"),
            report.count("warning"),
            report.to_json(),
            m.get("ref_period_start"),
            m.get("ref_period_end"),
            m.get("legal_basis"),
            m.get("reporting_authority"),
            m.get("contact"),
            m.get("national_definitions"),
            json.dumps(metadata_document(m), sort_keys=True, ensure_ascii=False, default=str),
        ],
    )


def _insert_observations(con, sid: str, sub: Submission) -> None:
    columns = load_contract().columns
    rows = [[sid, *(row.get(c) for c in columns)] for row in sub.rows()]
    placeholders = ", ".join("?" * (len(columns) + 1))
    con.executemany(
        f"INSERT INTO observation (submission_id, {', '.join(columns)}) VALUES ({placeholders})", rows
    )


def load_history(con, geo: str | None, year: int | None) -> History:
    """The state's current accepted figures of other years, and of this year (for revisions)."""
    history = History()
    if not geo or year is None:
        return history
    history.revisions = {
        revision: sha if meta is None else f"{sha} (side file {meta})"
        for revision, sha, meta in con.execute(
            "SELECT revision, sha256, metadata_sha256 FROM submission "
            "WHERE geo = ? AND time_period = ? AND status = 'accepted' ORDER BY received_at",
            [geo, year],
        ).fetchall()
    }
    dims = load_contract().series_dimensions
    rows = con.execute(
        f"SELECT o.time_period, {', '.join('o.' + d for d in dims)}, o.obs_value, "
        "s.ref_period_start, s.ref_period_end FROM current_observation o "
        "JOIN submission s USING (submission_id) WHERE o.geo = ?",
        [geo],
    ).fetchall()
    by_year: dict[int, list[dict]] = {}
    days: dict[int, int] = {}
    for r in rows:
        row = dict(zip(dims, r[1 : 1 + len(dims)], strict=True)) | {"obs_value": r[1 + len(dims)]}
        by_year.setdefault(r[0], []).append(row)
        days[r[0]] = reference_days({"ref_period_start": r[-2], "ref_period_end": r[-1]})
    for y, year_rows in by_year.items():
        if y == year:
            history.previous_revision = figures(year_rows)
        else:
            history.years[y] = (figures(year_rows), days[y])
    return history
