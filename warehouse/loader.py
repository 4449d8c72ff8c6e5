"""Idempotent, atomic loading of a batch of files in one writer session: each file archived,
given the judge's verdict and stored (the submission with its report and, if accepted, its
observations) in a transaction of its own; its feedback report is written after its commit.

The loader judges nothing itself: `transforms.judge` does, the same way for `csa-stats validate`.
The contract's own rules already check what the pandera model would (types, codes, ranges,
lengths, the key), so nothing else runs before the insert; what the warehouse still cannot hold
is refused by the judge's `refuse`.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import duckdb
from filelock import FileLock

from contracts.contract import load_contract
from contracts.vocabulary import AuditAction, SubmissionStatus
from transforms.judge import History, Limits, Received, Report, Verdict, judge, refuse
from warehouse import archive, db, queries

log = logging.getLogger(__name__)


@dataclass
class IngestResult:
    submission_id: str
    status: str  # accepted | rejected | duplicate
    report: Report | None
    report_path: Path | None
    file: str


class Places(Protocol):
    """What the loader is given (csa_stats.settings.Settings is one): where things go, the
    reader's limits, the deadline of a year, when GX Data Docs join the feedback, where
    receipts recorded outside the landing folder are kept and whether to log tracebacks."""

    warehouse: Path
    archive: Path
    reports: Path
    data_docs: str  # none | rejected | all
    receipts: Path | None
    snapshots: str  # where the writer publishes read-only snapshots ("" none)
    snapshot_keep: int
    debug: bool
    today: dt.date  # what is judged against (a year not ended, the latest arrival)

    @property
    def limits(self) -> Limits: ...

    def deadline_for(self, year: int) -> dt.date: ...


@dataclass(frozen=True)
class Arrival:
    """A file to load: the state whose landing prefix it came from (None: an operator's file,
    taken as it says), when it arrived (None: when the system first sees it) and who loads it."""

    path: Path
    sender: str | None = None
    received_at: dt.datetime | None = None
    actor: str = "system"


def ingest_file(
    path: Path,
    places: Places,
    received_at: dt.datetime | None = None,
    actor: str = "system",
    sender: str | None = None,
) -> IngestResult:
    """One file: a batch of one (see ingest_files); a file that cannot be read raises its OSError."""
    arrival = Arrival(Path(path), sender, received_at, actor)
    return _batch([(arrival, Received.from_path(arrival.path, sender))], places)[0]


def ingest_files(arrivals: list[Arrival], places: Places) -> list[IngestResult]:
    """Every file in one writer session: the lock taken, the migrations checked and the views
    created once; each file read when its turn comes, archived, judged and stored in its own
    transaction (a bad file gets its own verdict and never stops the others), its feedback report
    written after its commit; an analyst snapshot at most every few seconds and at the end
    (warehouse/db.py, Session). A file gone, or swapped for a pipe or a link, since it was
    listed is not taken (a warning), as at the listing."""
    return _batch(filter(None, map(_taken, arrivals)), places)


def _taken(arrival: Arrival) -> tuple[Arrival, Received] | None:
    try:  # read once: what is judged is what is archived
        return arrival, Received.from_path(arrival.path, arrival.sender)
    except OSError as exc:
        log.warning("not taken from the landing folder: %s: %s", arrival.path, exc)
        return None


def _batch(taken: Iterable[tuple[Arrival, Received]], places: Places) -> list[IngestResult]:
    contract, receipts = load_contract(), archive.receipt_times(places.receipts, places.today)
    results = []
    with db.session(places.warehouse, snapshots=places.snapshots, keep=places.snapshot_keep) as batch:
        archive.clear_unfinished(places.archive)
        for arrival, file in taken:  # read one at a time, inside the session
            results.append(_ingest(batch.con, arrival, file, places, contract, receipts))
            batch.committed()
    return results


def _ingest(con, arrival: Arrival, file: Received, places: Places, contract, receipts: dict) -> IngestResult:
    """Archive and duplicate check -> the judge's verdict -> insert in one transaction -> the
    feedback report."""
    path, sender, actor = arrival.path, arrival.sender, arrival.actor
    digest, meta_digest = file.digest, file.side_file_digest
    # Archived before parsing; a load killed after this only leaves a file the rerun reuses.
    stored = archive.archive_bytes(file.data, path.suffix, places.archive)
    side = file.side_file
    stored_meta = archive.archive_bytes(side, ".meta.json", places.archive) if side else None
    existing = queries.received_as(con, digest, meta_digest, sender)
    if existing:  # a load killed after its commit left no report files: write them now
        db.audit(con, actor, AuditAction.DUPLICATE, existing, json.dumps({"file": path.name}))
        if not _has_report(places, existing):
            with _feedback_lock(places):
                _stored_report(con, existing).write(_report_folder(places, existing), existing)
        log.info("%s: already received as %s", path.name, existing)
        return IngestResult(existing, SubmissionStatus.DUPLICATE, None, None, path.name)
    content = digest if meta_digest is None else archive.sha256_of(f"{digest}{meta_digest}".encode())
    event = ("ingest", actor)
    # only now: a duplicate needs no parsing
    history = lambda geo, year: _history(con, geo, year)  # noqa: E731
    verdict = judge(file, places.limits, contract, history, event, places.today)
    year = verdict.submission.time_period  # a receipt before its year ended is refused
    received_at = arrival.received_at or archive.first_seen(con, digest, receipts, year, places.today)
    files = [
        (digest, path.name, file.data, stored),
        (meta_digest, archive.side_file(path).name, side, stored_meta),
    ]
    verdict.log_failure(places.debug)
    text = verdict.report.to_json()  # once: the warehouse and the report file hold the same text
    try:
        sid = _record(con, verdict, text, content, files, received_at, places, actor, sender)
    except _UNSTORABLE as exc:  # validation let through what the warehouse cannot hold
        con.execute("ROLLBACK")
        verdict = refuse(file, exc, contract, event)
        verdict.log_failure(places.debug)
        text = verdict.report.to_json()
        sid = _record(con, verdict, text, content, files, received_at, places, actor, sender)
    report = verdict.report
    docs = places.data_docs == "all" or (
        places.data_docs == SubmissionStatus.REJECTED and not verdict.accepted
    )
    with _feedback_lock(places):
        report_path, _ = report.write(
            _report_folder(places, sid), sid, verdict.rows() if docs else None, "ingest", text
        )
    log.info(
        "%s: %s as %s (%d errors, %d warnings)",
        path.name,
        verdict.status,
        sid,
        report.count("error"),
        report.count("warning"),
    )
    return IngestResult(sid, verdict.status, report, report_path, path.name)


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


def _record(con, verdict: Verdict, text: str, content, files, received_at, places, actor, sender) -> str:
    """The submission, its files and (if accepted) its observations, in one transaction; `text`
    is its report's JSON, as its report file will hold it."""
    submission, report = verdict.submission, verdict.report
    sid = verdict.submission_id(load_contract(), content)
    con.execute("BEGIN")
    for digest, name, data, stored in files:
        if data is not None:
            queries.insert_raw(con, digest, name, len(data), stored, received_at)
    digest, meta_digest = files[0][0], files[1][0]
    _insert_submission(con, sid, verdict, text, digest, meta_digest, received_at)
    if verdict.accepted:
        queries.insert_observations(con, sid, verdict.rows())
        db.register_deadline(con, submission.time_period, places.deadline_for(submission.time_period))
    claimed = report.geo if sender and report.geo != sender else None
    detail = {"file": files[0][1], "sha256": digest, "sender": sender, "claimed_geo": claimed}
    db.audit(con, actor, AuditAction.INGEST, sid, json.dumps({k: v for k, v in detail.items() if v}))
    counts = {"errors": report.count("error"), "warnings": report.count("warning")}
    action = AuditAction.ACCEPT if verdict.accepted else AuditAction.REJECT
    db.audit(con, actor, action, sid, json.dumps(counts))
    con.execute("COMMIT")
    return sid


def _feedback_lock(places: Places) -> FileLock:
    """Report files are written outside the writer lock, but one writer at a time: the same file
    loaded twice at once writes the same report files (through the same temporary name)."""
    places.reports.parent.mkdir(parents=True, exist_ok=True)
    return FileLock(f"{places.reports}.lock")


def _report_folder(places: Places, sid: str) -> Path:
    return places.reports / sid.split("-")[0]  # the sender's (or claimed) state, or UNKNOWN


def _has_report(places: Places, sid: str) -> bool:
    folder = _report_folder(places, sid)
    return all((folder / f"{sid}.validation.{ext}").exists() for ext in ("json", "html"))


def _stored_report(con, sid: str) -> Report:
    return Report.from_dict(queries.stored_report(con, sid))


def _insert_submission(
    con, sid: str, verdict: Verdict, text: str, digest: str, meta_digest: str | None, received_at: dt.datetime
) -> None:
    sub, report, m = verdict.submission, verdict.report, verdict.submission.metadata
    queries.insert_submission(
        con,
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
            verdict.status,
            report.count("error"),
            report.count("warning"),
            text,
            m.get("ref_period_start"),
            m.get("ref_period_end"),
            m.get("legal_basis"),
            m.get("reporting_authority"),
            m.get("contact"),
            m.get("national_definitions"),
            json.dumps(verdict.metadata(), sort_keys=True, ensure_ascii=False, default=str),
        ],
    )


def _history(con, geo: str | None, year: int | None) -> History:
    """The state's current accepted figures of other years, and of this year (for revisions)."""
    if not geo or year is None:
        return History()
    return History.of(
        year, queries.accepted_revisions(con, geo, year), queries.state_figures(con, geo), load_contract()
    )
