"""Idempotent, atomic loading: archive the raw file, validate, and record the submission
with its report and (if accepted) its observations, in one transaction under the writer lock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from contracts.contract import load_contract
from csa_stats.settings import Settings, get_settings
from transforms.canonical import Submission
from transforms.readers import read_submission
from transforms.validation import (
    History,
    Report,
    figures,
    reference_days,
    validate,
    validation_event,
    write_report,
)
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
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".tmp-{target.name}")  # only the lock holder writes here
        tmp.write_bytes(data)
        os.replace(tmp, target)
    return target


def _side_file(path: Path) -> Path:
    return path.with_suffix(".meta.json")


def _side_file_bytes(path: Path) -> bytes | None:
    side = _side_file(path)
    return side.read_bytes() if side.exists() and side != path else None


def received_digests(path: Path) -> tuple[str, str | None]:
    """What identifies a received submission: the SHA-256 of its file and of its metadata side file."""
    meta = _side_file_bytes(path)
    return sha256_of(path.read_bytes()), sha256_of(meta) if meta is not None else None


def landed_at(path: Path) -> dt.datetime:
    """A landed file's arrival time is its modification time (never in the future)."""
    mtime = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
    return min(mtime, dt.datetime.now(dt.UTC))


def submission_id(sub: Submission, digest: str) -> str:
    geo = sub.geo if sub.geo in load_contract().code_lists["geo"] else "UNKNOWN"
    year = sub.time_period or "YYYY"
    return f"{geo}-{year}-R{sub.revision}-{digest[:8]}"


def ingest_file(
    path: Path,
    settings: Settings | None = None,
    received_at: dt.datetime | None = None,
    actor: str = "system",
) -> IngestResult:
    settings = settings or get_settings()
    path = Path(path)
    data, meta_data = path.read_bytes(), _side_file_bytes(path)
    digest, meta_digest = sha256_of(data), sha256_of(meta_data) if meta_data is not None else None
    received_at = received_at or landed_at(path)

    with db.writer(  # archive and reports are written under the lock too
        settings.warehouse, snapshots=settings.snapshots, keep=settings.snapshot_keep
    ) as con:
        _clear_unfinished(settings.archive, settings.reports)
        # Archived before parsing; a load killed after this only leaves a file the rerun reuses.
        stored = archive_bytes(data, path.suffix, settings.archive)
        stored_meta = archive_bytes(meta_data, ".meta.json", settings.archive) if meta_data else None
        existing = con.execute(
            "SELECT submission_id FROM submission "
            "WHERE sha256 = ? AND metadata_sha256 IS NOT DISTINCT FROM ?",
            [digest, meta_digest],
        ).fetchone()
        if existing:
            db.audit(con, actor, "duplicate", existing[0], json.dumps({"file": path.name}))
            _restore_report(con, existing[0], settings)
            log.info("%s: already received as %s", path.name, existing[0])
            return IngestResult(existing[0], "duplicate", None, None, path.name)
        submission = read_submission(path)  # only now: a duplicate needs no parsing
        sid = submission_id(
            submission, digest if meta_digest is None else sha256_of(f"{digest}{meta_digest}".encode())
        )
        history = load_history(con, submission.geo, submission.time_period)
        report = validate(submission, history, settings.yoy_band)
        report.event = validation_event("ingest", actor)
        status = "accepted" if report.valid else "rejected"
        if status == "accepted":  # pandera: the contract's types, codes and key, before insert
            from contracts.pandera_model import check_rows

            check_rows(submission.rows())
        con.execute("BEGIN")
        con.execute(
            "INSERT OR IGNORE INTO raw_file VALUES (?, ?, ?, ?, ?)",
            [digest, path.name, len(data), str(stored), received_at],
        )
        if meta_data is not None:
            con.execute(
                "INSERT OR IGNORE INTO raw_file VALUES (?, ?, ?, ?, ?)",
                [meta_digest, _side_file(path).name, len(meta_data), str(stored_meta), received_at],
            )
        _insert_submission(con, sid, submission, report, status, digest, meta_digest, received_at)
        if status == "accepted":
            _insert_observations(con, sid, submission)
            db.register_deadline(con, submission.time_period, settings.deadline_for(submission.time_period))
        db.audit(con, actor, "ingest", sid, json.dumps({"file": path.name, "sha256": digest}))
        db.audit(
            con,
            actor,
            "accept" if status == "accepted" else "reject",
            sid,
            json.dumps({"errors": report.count("error"), "warnings": report.count("warning")}),
        )
        con.execute("COMMIT")
        docs = settings.data_docs == "all" or (settings.data_docs == "rejected" and status == "rejected")
        rows = submission.rows() if docs else None
        report_path, _ = write_report(report, _report_folder(settings, sid), sid, rows, "ingest")
    log.info(
        "%s: %s as %s (%d errors, %d warnings)",
        path.name,
        status,
        sid,
        report.count("error"),
        report.count("warning"),
    )
    return IngestResult(sid, status, report, report_path, path.name)


def _clear_unfinished(*folders: Path) -> None:
    """Temporary files of a load that was killed (whole files replace them atomically)."""
    for folder in folders:
        for tmp in folder.rglob(".tmp-*") if folder.exists() else ():
            if tmp.is_file():
                tmp.unlink()


def _report_folder(settings: Settings, sid: str) -> Path:
    return settings.reports / sid.split("-")[0]  # the state, or UNKNOWN


def _restore_report(con, sid: str, settings: Settings) -> None:
    """A load killed after its commit left no report files: write them from the stored report."""
    folder = _report_folder(settings, sid)
    if all((folder / f"{sid}.validation.{ext}").exists() for ext in ("json", "html")):
        return
    stored = json.loads(
        con.execute("SELECT report FROM submission WHERE submission_id = ?", [sid]).fetchone()[0]
    )
    write_report(Report.from_dict(stored), folder, sid)


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
        "INSERT INTO submission VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
