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

from csa_stats import stores
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
    from warehouse.loader import received_digests

    settings = settings or get_settings()
    files = landed_files(settings.landing if folder is None else folder)
    if not settings.warehouse.exists():
        return [str(p) for p in files]
    with db.reader(settings.warehouse) as con:
        # Data and side file together: a CSV revised only in its metadata is new.
        known = set(con.execute("SELECT sha256, metadata_sha256 FROM submission").fetchall())
    return [str(p) for p in files if received_digests(p) not in known]


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
            info = source.fs.info(source.path)  # fsspec's own: mtime (local) or LastModified (S3)
            mtime = info.get("mtime") or info.get("LastModified")
            if mtime is not None:
                stamp = mtime.timestamp() if isinstance(mtime, dt.datetime) else float(mtime)
                os.utime(target, (stamp, stamp))
    return staging / landed.name


def ingest(path: str, settings: Settings | None = None, actor: str = "system") -> dict:
    from warehouse.loader import ingest_file

    settings = settings or get_settings()
    result = ingest_file(Path(path), settings, actor=actor)
    stores.push_folders(settings, "archive", "reports")
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
    year: int,
    geo: str | None = None,
    dry_run: bool = False,
    settings: Settings | None = None,
    approved: str | None = None,
) -> dict:
    """Publish the current figures of a year (all states, or one) as an immutable release;
    with `approved` (a dry run's fingerprint) only if the figures are still those."""
    from publish.release import build_release, describe_change
    from warehouse import db, queries

    settings = settings or get_settings()
    stores.pull_releases(settings, year)
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
            "would_publish": None,
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
        approved=approved,
    )
    if not dry_run:
        publish_index(settings)
        stores.push_public(settings)
    if result.created:
        with db.writer(settings.warehouse, snapshots=settings.snapshots, keep=settings.snapshot_keep) as con:
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
        "fingerprint": result.fingerprint,
        "path": str(result.path) if result.path else None,
        "changes": len(result.changes),
        "change_lines": [describe_change(c) for c in result.changes],
        # A dry run that would publish: build_release gives no path for a version not written.
        "would_publish": result.version if dry_run and result.path is None else None,
        # What an approver is asked to sign off.
        "summary": change_summary(result, geo, len(submissions)),
    }


def change_summary(result, geo: str | None, states: int, limit: int = 15) -> str:
    """Markdown for the approver: the release and its first changed figures, old -> new."""
    title = f"**{geo or 'EU'} {result.year} v{result.version}**"
    if result.version == 1:
        return f"{title}: first release, {states} Member State(s)."
    if not result.changes:
        return f"{title}: no figure changed against the last release."
    from publish.release import describe_change

    lines = [f"{title}: {len(result.changes)} figure(s) changed against v{result.version - 1}:"]
    lines += [describe_change(c) for c in result.changes[:limit]]
    if len(result.changes) > limit:
        lines.append(f"- ... and {len(result.changes) - limit} more")
    return "\n".join(lines)


def publish_index(settings: Settings | None = None) -> None:
    """Rebuild the DCAT-AP catalogue and the site from the release folders."""
    from publish.catalog import write_catalog
    from publish.site import build_site

    settings = settings or get_settings()
    write_catalog(settings.public, settings.public_base_url)
    build_site(settings.public)


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
        with db.writer(target.warehouse, snapshots=target.snapshots, keep=target.snapshot_keep) as con:
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
    stores.push_folders(settings, "reports")
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
    stores.push_folders(settings, "reports")
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
        snapshots="",  # the office queries its own warehouse live
        stores={},
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
    return [pending] if pending["would_publish"] else []


def national_publish(geo: str, year: int, approved: str, settings: Settings | None = None) -> dict:
    return release(year, geo=geo, settings=national_settings(geo, settings), approved=approved)


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


# --- record-level sources of the national pipeline -----------------------------------------


class RecordsInvalid(ValueError):
    """The record-level files break the records contract; the findings say where."""


def national_records_dir(geo: str, settings: Settings | None = None) -> Path:
    return (settings or get_settings()).national_dir / geo / "records"


def national_aggregate(
    geo: str, year: int, settings: Settings | None = None, memory_limit: str = "1GB"
) -> str | None:
    """Count the year's Article 8 table from the state's record-level files (None when it has none).

    Writes the aggregate submission into the national sources folder (a new revision only when
    the figures or sources changed) and keeps only a manifest of the record files (name,
    SHA-256, rows) in the national warehouse. Raises RecordsInvalid with the findings.
    """
    import datetime as dt
    import json

    from contracts.contract import load_contract
    from transforms.records import record_files, reference_period, run_records
    from transforms.validation import Issue
    from warehouse import db

    settings = settings or get_settings()
    national, folder = national_settings(geo, settings), national_records_dir(geo, settings)
    if not record_files(folder):
        return None
    start, end = reference_period(year)  # before the heavy work: fail fast
    declaration = _declaration(folder)
    run = run_records(folder, geo, year, memory_limit=memory_limit)
    findings = national.reports / f"records_{geo}_{year}.json"
    findings.parent.mkdir(parents=True, exist_ok=True)
    findings.write_text(
        json.dumps([i.__dict__ for i in run.issues], indent=2, default=str, ensure_ascii=False), "utf-8"
    )
    errors: list[Issue] = [i for i in run.issues if i.severity == "error"]
    if [i.rule for i in errors] == ["R1_NO_RECORDS"]:  # the records do not cover this year
        log.info("%s %s: no reports of the year in %s; using the aggregate sources", geo, year, folder)
        return None
    if errors:
        listed = "; ".join(f"{i.file} {i.location}: {i.message} [{i.rule}]" for i in errors[:10])
        more = f" (and {len(errors) - 10} more)" if len(errors) > 10 else ""
        raise RecordsInvalid(
            f"record-level files of {geo} break the contract: {listed}{more}; see {findings}"
        )
    for i in run.issues:
        log.warning("%s %s: %s [%s]", i.file, i.location, i.message, i.rule)

    sources = ", ".join(f"{f.path.name} ({f.rows} rows, sha256 {f.sha256[:12]})" for f in run.files)
    rules = " ".join(f"{r['indicator']}: {r['rule']}" for r in _counting_rules())
    metadata = {
        "geo": geo,
        "time_period": year,
        "ref_period_start": start,
        "ref_period_end": end,
        "legal_basis": _legal_basis(load_contract(), end),
        "reporting_authority": declaration["reporting_authority"],
        "contact": declaration["contact"],
        "national_definitions": declaration.get("national_definitions")
        or f"Counted from record-level sources ({sources}) by the counting rules of "
        f"records contract {run.contract_version}. {rules}",
    }
    path = _aggregate_file(national.landing, metadata, run.rows)
    with db.writer(national.warehouse) as con:
        now = dt.datetime.now(dt.UTC)
        con.executemany(
            "INSERT INTO record_source VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                [
                    now,
                    geo,
                    year,
                    path.name,
                    f.table,
                    f.path.name,
                    f.sha256,
                    f.rows,
                    f.byte_size,
                    run.contract_version,
                ]
                for f in run.files
            ],
        )
        detail = {"file": path.name, "reports_in_year": run.reports_in_year, "warnings": len(run.issues)}
        db.audit(con, "system", "aggregate", f"{geo}-{year}", json.dumps(detail))
    log.info("%s %s: %d reports counted into %s", geo, year, run.reports_in_year, path)
    return str(path)


def _counting_rules() -> list[dict]:
    from contracts.records import load_records_contract

    return load_records_contract().counting_rules


def _declaration(folder: Path) -> dict:
    """Who reports: the office declares it beside its records (submission.meta.json)."""
    import json

    from transforms.records import DECLARATION

    path = folder / DECLARATION
    try:
        declared = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RecordsInvalid(
            f"{path}: cannot read the declaration of the reporting authority and contact ({exc})"
        ) from exc
    missing = [k for k in ("reporting_authority", "contact") if not declared.get(k)]
    if missing:
        raise RecordsInvalid(f"{path}: required field(s) {', '.join(missing)} missing")
    return declared


def _legal_basis(contract, day) -> str:
    """The legal basis in force on the last day of the reference period."""
    return next(b.code for b in contract.legal_bases if b.valid_from <= day <= b.valid_to)


def _aggregate_file(sources: Path, metadata: dict, rows: list[dict]) -> Path:
    """The submission file of the aggregate: the latest revision if nothing changed, else a new one."""
    import json

    from transforms.readers import name_metadata
    from transforms.writers import metadata_document, write_submission

    geo, year = metadata["geo"], metadata["time_period"]
    earlier = [
        p
        for p in landed_files(sources)
        if name_metadata(p).get("geo") == geo and name_metadata(p).get("time_period") == year
    ]
    latest = max(earlier, key=lambda p: name_metadata(p).get("revision", 1), default=None)
    revision = name_metadata(latest).get("revision", 1) if latest else 0
    if latest and latest.suffix == ".json":
        doc = json.loads(latest.read_text(encoding="utf-8"))
        same_metadata = metadata_document({**metadata, "revision": revision}) == doc.get("metadata")
        same_rows = [
            {k: v for k, v in r.items() if k not in ("geo", "time_period")} for r in rows
        ] == doc.get("observations")
        if same_metadata and same_rows:
            return latest
    metadata = {**metadata, "revision": revision + 1}
    target = sources / f"ART8_{geo}_{year}_R{revision + 1}.json"
    return write_submission(metadata, rows, target, "json")[0]


def record_retention(days: int, settings: Settings | None = None, dry_run: bool = False) -> list[dict]:
    """Delete landed record-level files older than `days` (by landing time) in every state's
    records folder, and log each deletion in that state's national warehouse."""
    import datetime as dt
    import json

    from transforms.records import record_files, sha256_file
    from warehouse import db
    from warehouse.loader import landed_at

    settings = settings or get_settings()
    cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
    deleted = []
    homes = (
        sorted(p for p in settings.national_dir.iterdir() if p.is_dir())
        if settings.national_dir.is_dir()
        else []
    )
    for home in homes:
        old = [f for f in record_files(home / "records") if landed_at(f.path) < cutoff]
        if not old:
            continue
        national = national_settings(home.name, settings)
        entries = [
            {
                "geo": home.name,
                "file": str(f.path),
                "sha256": sha256_file(f.path),
                "bytes": f.path.stat().st_size,
                "landed_at": landed_at(f.path).isoformat(),
                "retention_days": days,
            }
            for f in old
        ]
        deleted += entries
        if dry_run:
            continue
        with db.writer(national.warehouse) as con:
            for entry in entries:
                (counted,) = con.execute(
                    "SELECT count(*) > 0 FROM record_source WHERE sha256 = ?", [entry["sha256"]]
                ).fetchone()
                entry["aggregated_before"] = counted
                Path(entry["file"]).unlink()
                db.audit(con, "retention", "delete_records", Path(entry["file"]).name, json.dumps(entry))
                log.info(
                    "retention: deleted %s (landed %s, older than %d days)",
                    entry["file"],
                    entry["landed_at"],
                    days,
                )
    return deleted
