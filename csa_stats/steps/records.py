"""Record-level sources of the national pipeline: counted into the year's aggregate submission,
and deleted after the retention period."""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path
from typing import TypedDict

from contracts.vocabulary import AuditAction
from csa_stats.settings import SettingInvalid, Settings, get_settings, national_settings

log = logging.getLogger(__name__)


class Deleted(TypedDict, total=False):
    geo: str
    file: str
    sha256: str
    bytes: int
    landed_at: str
    retention_days: int
    aggregated_before: bool  # not known in a dry run


def national_records_dir(geo: str, settings: Settings | None = None) -> Path:
    """The state's record-level files: a local folder, or on an object store a path of the
    same methods (DuckDB reads them there through fsspec)."""
    from transforms.locations import as_path

    template = (settings or get_settings()).national_records
    try:
        return as_path(template.format(geo=geo))
    except (KeyError, IndexError, ValueError) as exc:
        raise SettingInvalid(
            f"CSA_NATIONAL_RECORDS={template!r}: its one placeholder is {{geo}} ({type(exc).__name__}: {exc})"
        ) from exc


def national_aggregate(
    geo: str, year: int, settings: Settings | None = None, memory_limit: str = "1GB"
) -> str | None:
    """Count the year's Article 8 table from the state's record-level files (None when it has none).

    Writes the aggregate submission into the national sources folder (a new revision only when
    the figures or sources changed) and keeps only a manifest of the record files (name,
    SHA-256, rows) in the national warehouse. Raises RecordsInvalid with the findings.
    """
    from transforms.aggregate import RecordsInvalid, aggregate_file, aggregate_metadata, read_declaration
    from transforms.records import record_files, reference_period, run_records
    from warehouse import db, queries

    settings = settings or get_settings()
    national, folder = national_settings(geo, settings), national_records_dir(geo, settings)
    if not record_files(folder):
        return None
    period = reference_period(year)  # before the heavy work: fail fast
    declaration = read_declaration(folder)
    run = run_records(folder, geo, year, memory_limit=memory_limit)
    findings = national.reports / f"records_{geo}_{year}.json"
    findings.parent.mkdir(parents=True, exist_ok=True)
    findings.write_text(
        json.dumps([i.__dict__ for i in run.issues], indent=2, default=str, ensure_ascii=False), "utf-8"
    )
    errors = [i for i in run.issues if i.severity == "error"]
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
        level = logging.INFO if i.severity == "information" else logging.WARNING
        log.log(level, "%s %s: %s [%s]", i.file, i.location, i.message, i.rule)

    path = aggregate_file(national.landing, aggregate_metadata(geo, year, period, declaration, run), run.rows)
    with db.writer(national.warehouse) as con:
        now = dt.datetime.now(dt.UTC)
        manifest = [
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
        ]
        queries.record_sources(con, manifest)
        warnings = [i for i in run.issues if i.severity == "warning"]
        detail = {"file": path.name, "reports_in_year": run.reports_in_year, "warnings": len(warnings),
                  "information": run.information}  # fmt: skip
        db.audit(con, "system", AuditAction.AGGREGATE, f"{geo}-{year}", json.dumps(detail))
    log.info("%s %s: %d reports counted into %s", geo, year, run.reports_in_year, path)
    return str(path)


def record_retention(days: int, settings: Settings | None = None, dry_run: bool = False) -> list[Deleted]:
    """Delete landed record-level files older than `days` (by landing time) in every state's
    records folder, and log each deletion in that state's national warehouse."""
    from transforms.locations import as_path
    from transforms.records import record_files, sha256_file
    from warehouse import db, queries
    from warehouse.archive import landed_at

    settings = settings or get_settings()
    cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
    deleted: list[Deleted] = []
    homes = (
        sorted(p for p in settings.national_dir.iterdir() if p.is_dir())
        if settings.national_dir.is_dir()
        else []
    )
    for home in homes:
        landed = {f.path: landed_at(f.path) for f in record_files(national_records_dir(home.name, settings))}
        old = [path for path, at in landed.items() if at < cutoff]
        if not old:
            continue
        entries = [
            Deleted(
                geo=home.name,
                file=str(path),
                sha256=sha256_file(path),
                bytes=path.stat().st_size,
                landed_at=landed[path].isoformat(),
                retention_days=days,
            )
            for path in old
        ]
        deleted += entries
        if dry_run:
            continue
        with db.writer(national_settings(home.name, settings).warehouse) as con:
            for entry in entries:
                entry["aggregated_before"] = queries.record_counted(con, entry["sha256"])
                as_path(entry["file"]).unlink()
                db.audit(
                    con, "retention", AuditAction.DELETE_RECORDS, Path(entry["file"]).name, json.dumps(entry)
                )
                log.info(
                    "retention: deleted %s (landed %s, older than %d days)",
                    entry["file"],
                    entry["landed_at"],
                    days,
                )
    return deleted
