"""The steps of the main jobs, as plain functions: the DAGs and the command line call these.

Each returns small JSON-able dicts (paths and ids, never DataFrames) so Airflow can pass
them between tasks.
"""

from __future__ import annotations

import logging
from pathlib import Path

from csa_stats.settings import Settings, get_settings

log = logging.getLogger(__name__)
SIDE_FILE = ".meta.json"


def landed_files(folder: Path) -> list[Path]:
    """Submission files in a folder (side files travel with their data file)."""
    if not folder.exists():
        return []
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".") and not p.name.endswith(SIDE_FILE)
    )


def new_submissions(settings: Settings | None = None) -> list[str]:
    """Landed files whose content the warehouse has not seen yet."""
    from warehouse import db
    from warehouse.loader import received_digests

    settings = settings or get_settings()
    files = landed_files(settings.landing)
    if not settings.warehouse.exists():
        return [str(p) for p in files]
    with db.reader(settings.warehouse) as con:
        # Data and side file together: a CSV revised only in its metadata is new.
        known = set(con.execute("SELECT sha256, metadata_sha256 FROM submission").fetchall())
    return [str(p) for p in files if received_digests(p) not in known]


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
        "created": result.created,
        "version": result.version,
        "path": str(result.path) if result.path else None,
        "changes": len(result.changes),
    }


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
