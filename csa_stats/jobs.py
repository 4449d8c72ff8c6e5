"""The steps of the main jobs, as plain functions: the DAGs and the command line call these.

Each returns small JSON-able dicts (paths and ids, never DataFrames) so Airflow can pass
them between tasks.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from pathlib import Path

from csa_stats.settings import Settings, get_settings

log = logging.getLogger(__name__)
SIDE_FILE = ".meta.json"


def landed_files(folder) -> list:
    """Submission files in a folder (side files travel with their data file).

    `folder` is a pathlib.Path or any path-like object with the same methods, such as
    Airflow's ObjectStoragePath over file:// or s3://.
    """
    if not folder.exists():
        return []
    return sorted(
        (
            p
            for p in folder.iterdir()
            if p.is_file() and not p.name.startswith(".") and not p.name.endswith(SIDE_FILE)
        ),
        key=lambda p: p.name,
    )


def new_submissions(settings: Settings | None = None, folder=None) -> list[str]:
    """Landed files whose content the warehouse has not seen yet (as URLs or paths)."""
    from warehouse import db
    from warehouse.loader import sha256_of

    settings = settings or get_settings()
    files = landed_files(settings.landing if folder is None else folder)
    if not settings.warehouse.exists():
        return [str(p) for p in files]
    with db.reader(settings.warehouse) as con:
        known = {s for (s,) in con.execute("SELECT sha256 FROM raw_file").fetchall()}
    return [str(p) for p in files if sha256_of(p.read_bytes()) not in known]


def landing_url(settings: Settings | None = None) -> str:
    """CSA_LANDING as a URL for ObjectStoragePath: an object store as given, a folder as file://."""
    raw = os.environ.get("CSA_LANDING", "")
    if "://" in raw and not raw.startswith("file://"):
        return raw
    return (settings or get_settings()).landing.as_uri()


def local_copy(landed, settings: Settings | None = None) -> Path:
    """A landed file as a local path. A file in an object store is copied byte for byte, with its
    side file and its landing time, to CSA_DATA_DIR/staging/ (the loader archives it from there)."""
    if getattr(landed, "protocol", "file") in ("file", "local", ""):
        return Path(getattr(landed, "path", landed))
    staging = (settings or get_settings()).data_dir / "staging"
    staging.mkdir(parents=True, exist_ok=True)
    for source in (landed, landed.with_name(landed.stem + SIDE_FILE)):
        if source is landed or source.exists():
            target = staging / source.name
            target.write_bytes(source.read_bytes())
            mtime = source.stat().get("mtime") or source.stat().get("LastModified")
            if mtime is not None:
                stamp = mtime.timestamp() if isinstance(mtime, dt.datetime) else float(mtime)
                os.utime(target, (stamp, stamp))
    return staging / landed.name


def ingest(path: str, settings: Settings | None = None, actor: str = "system") -> dict:
    from warehouse.loader import ingest_file

    result = ingest_file(Path(path), settings or get_settings(), actor=actor)
    report = result.report
    return {
        "file": result.file,
        "submission_id": result.submission_id,
        "status": result.status,
        "errors": report.count("error") if report else 0,
        "warnings": report.count("warning") if report else 0,
        "report": str(result.report_path) if result.report_path else None,
    }


def release(
    year: int, geo: str | None = None, dry_run: bool = False, settings: Settings | None = None
) -> dict:
    """Publish the current figures of a year (all states, or one) as an immutable release."""
    from publish.release import build_release
    from warehouse import db, queries

    settings = settings or get_settings()
    with db.reader(settings.warehouse) as con:
        rows, submissions = queries.release_input(con, year, geo)
    if not rows:
        return {
            "year": year,
            "geo": geo,
            "created": False,
            "version": None,
            "path": None,
            "changes": 0,
            "pending": False,
            "summary": f"{geo or 'EU'} {year}: no accepted submissions",
            "note": "no accepted submissions for this year",
        }
    result = build_release(
        rows,
        submissions,
        year,
        settings.public,
        threshold=settings.suppression_threshold,
        dry_run=dry_run,
        geo=geo,
    )
    if result.created:
        with db.writer(settings.warehouse) as con:
            db.audit(
                con,
                "system",
                "release",
                f"{geo or 'EU'}-{year}-v{result.version}",
                f'{{"path": "{result.path}", "changes": {len(result.changes)}}}',
            )
    return {
        "year": year,
        "geo": geo,
        "object": f"{geo or 'EU'}-{year}-v{result.version}",
        "created": result.created,
        "version": result.version,
        "path": str(result.path) if result.path else None,
        "changes": len(result.changes),
        # A dry run that found something to publish: what an approver is asked to sign off.
        "pending": dry_run and result.path is None,
        "summary": change_summary(result, geo, len(submissions)),
    }


def change_summary(result, geo: str | None, states: int, limit: int = 15) -> str:
    """Markdown for the approver: the release and its first changed figures, old -> new."""
    title = f"**{geo or 'EU'} {result.year} v{result.version}**"
    if result.version == 1:
        return f"{title}: first release, {states} Member State(s)."
    if not result.changes:
        return f"{title}: no figure changed against the last release."
    lines = [f"{title}: {len(result.changes)} figure(s) changed against v{result.version - 1}:"]
    for c in result.changes[:limit]:
        source = f" (submission {c.submission_id})" if c.submission_id else ""
        lines.append(f"- {c.geo} {'/'.join(c.key)}: {c.old or 'absent'} -> {c.new or 'absent'}{source}")
    if len(result.changes) > limit:
        lines.append(f"- ... and {len(result.changes) - limit} more")
    return "\n".join(lines)


def approval_actor(response: dict, settings: Settings | None = None) -> str:
    """Who answered an approval: the UI user, or the configured demo actor that answered itself."""
    settings = settings or get_settings()
    user = response.get("responded_by_user")
    return (user or {}).get("name") or settings.auto_approve_as or "unknown"


def record_release_decision(
    releases: list[dict], approved: bool, actor: str, settings: Settings | None = None
) -> list[str]:
    """The approver's decision in the audit log, one row per release asked for (a national
    release, with its geo, in that office's warehouse)."""
    from warehouse import db

    action = "approve" if approved else "reject_release"
    for release in releases:
        target = national_settings(release["geo"], settings) if release["geo"] else settings or get_settings()
        with db.writer(target.warehouse) as con:
            db.audit(con, actor, action, release["object"], json.dumps({"changes": release["changes"]}))
    objects = [r["object"] for r in releases]
    log.info("%s %s by %s", "approved" if approved else "rejected", ", ".join(objects), actor)
    return objects


def quality_gate(year: int, settings: Settings | None = None) -> dict:
    """The GX suite on the current figures of a year; Data Docs under CSA_REPORTS/quality/<year>/.

    Raises ValueError naming the failed expectations: bad figures are never published.
    """
    from contracts.contract import load_contract
    from contracts.gx_suite import check_frame
    from warehouse import db

    settings = settings or get_settings()
    columns = ", ".join(load_contract().columns)
    with db.reader(settings.warehouse) as con:
        frame = con.execute(f"SELECT {columns} FROM current_observation WHERE time_period = ?", [year]).df()
    result = check_frame(frame, docs_dir=settings.reports / "quality" / str(year), name=f"figures_{year}")
    outcome = {
        "year": year,
        "rows": len(frame),
        "success": result.success,
        "evaluated": result.evaluated,
        "failed": result.failed,
        "docs": str(result.docs) if result.docs else None,
    }
    if not result.success:
        raise ValueError(f"quality gate failed for {year}: {json.dumps(result.failed, default=str)}")
    return outcome


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
    return target


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
        if row["status"] in ("missing", "rejected") and row["deadline"] < dt.date.today():
            missing.setdefault(row["time_period"], []).append(row["geo"])
    return missing


def release_years(settings: Settings | None = None) -> list[int]:
    from warehouse import db, queries

    settings = settings or get_settings()
    with db.reader(settings.warehouse) as con:
        return queries.years(con)


# --- the national pipeline -----------------------------------------------------------------


def national_settings(geo: str, settings: Settings | None = None) -> Settings:
    """A national office keeps its own warehouse, archive, reports and releases."""
    import dataclasses

    settings = settings or get_settings()
    home = settings.national_dir / geo
    return dataclasses.replace(
        settings,
        landing=home / "sources",
        archive=home / "archive",
        reports=home / "reports",
        warehouse=home / "warehouse.duckdb",
        public=home / "public",
    )


def national_source(geo: str, year: int, settings: Settings | None = None) -> str:
    """The national aggregate for the year, the latest revision among the sources."""
    from transforms.readers import name_metadata

    national = national_settings(geo, settings)
    found = [
        p
        for p in landed_files(national.landing)
        if name_metadata(p).get("geo") == geo and name_metadata(p).get("time_period") == year
    ]
    if not found:
        raise FileNotFoundError(f"no source for {geo} {year} in {national.landing}")
    return str(max(found, key=lambda p: (name_metadata(p).get("revision", 1), p.name)))


def national_validate(path: str) -> dict:
    from transforms.readers import read_submission
    from transforms.validation import validate

    report = validate(read_submission(Path(path)))
    if not report.valid:
        problems = "; ".join(f"{i.location}: {i.message}" for i in report.issues if i.severity == "error")
        raise ValueError(f"{Path(path).name} does not pass the contract: {problems}")
    return {"file": path, "warnings": report.count("warning")}


def national_load(geo: str, path: str, settings: Settings | None = None) -> dict:
    return ingest(path, national_settings(geo, settings))


def national_review(geo: str, year: int, settings: Settings | None = None) -> list[dict]:
    """The national release awaiting approval (a dry run), or nothing when no figure changed."""
    pending = release(year, geo=geo, dry_run=True, settings=national_settings(geo, settings))
    return [pending] if pending["pending"] else []


def national_publish(geo: str, year: int, settings: Settings | None = None) -> dict:
    return release(year, geo=geo, settings=national_settings(geo, settings))


def national_submission_file(geo: str, year: int, settings: Settings | None = None) -> str:
    """Write the Commission-bound submission (contract JSON format) from the national warehouse."""
    from contracts.contract import load_contract
    from transforms.writers import write_submission
    from warehouse import db

    contract = load_contract()
    national = national_settings(geo, settings)
    with db.reader(national.warehouse) as con:
        cursor = con.execute(
            "SELECT * FROM current_submission WHERE geo = ? AND time_period = ?", [geo, year]
        )
        current = dict(zip([d[0] for d in cursor.description], cursor.fetchone(), strict=True))
        rows = con.execute(
            f"SELECT {', '.join(contract.columns)} FROM observation WHERE submission_id = ?",
            [current["submission_id"]],
        ).fetchall()
    metadata = {f.name: current[f.name] for f in contract.metadata_fields}
    observations = [dict(zip(contract.columns, r, strict=True)) for r in rows]
    target = national.national_dir / geo / "outbox" / f"ART8_{geo}_{year}_R{metadata['revision']}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    return str(write_submission(metadata, observations, target, "json")[0])
