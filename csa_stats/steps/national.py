"""The national pipeline: a state's source, loaded into its own warehouse, released after a
human approves, and written as the file it sends to the Commission."""

from __future__ import annotations

import json
from pathlib import Path

from contracts.vocabulary import SubmissionStatus
from csa_stats.settings import Settings, national_settings
from csa_stats.steps.collection import Ingested, ingest
from csa_stats.steps.release import Release, release


class SourceRejected(ValueError):
    """The national source breaks the contract: nothing of it is released."""


def national_source(geo: str, year: int, settings: Settings | None = None) -> str:
    """The national aggregate for the year, the latest revision among the sources."""
    from transforms.landing import latest_submission

    national = national_settings(geo, settings)
    found = latest_submission(national.landing, geo, year)
    if found is None:
        raise FileNotFoundError(f"no source for {geo} {year} in {national.landing}")
    return str(found)


def national_load(geo: str, path: str, settings: Settings | None = None) -> Ingested:
    """Archive, validate (once) and load the source; a rejected source raises SourceRejected
    naming its errors (it stays archived and registered as rejected, with its report)."""
    loaded = ingest(path, national_settings(geo, settings))
    if loaded["status"] == SubmissionStatus.REJECTED:
        issues = json.loads(Path(loaded["report"]).read_text(encoding="utf-8"))["issues"]
        problems = "; ".join(f"{i['location']}: {i['message']}" for i in issues if i["severity"] == "error")
        raise SourceRejected(f"{loaded['file']} does not pass the contract: {problems} ({loaded['report']})")
    return loaded


def national_review(geo: str, year: int, settings: Settings | None = None) -> list[Release]:
    """The national release awaiting approval (a dry run), or nothing when no figure changed."""
    pending = release(year, geo=geo, dry_run=True, settings=national_settings(geo, settings))
    return [pending] if pending["would_publish"] else []


def national_publish(geo: str, year: int, approved: str, settings: Settings | None = None) -> Release:
    return release(year, geo=geo, settings=national_settings(geo, settings), approved=approved)


def national_submission_file(geo: str, year: int, settings: Settings | None = None) -> str:
    """Write the Commission-bound submission (contract JSON format) from the national warehouse."""
    from contracts.contract import load_contract
    from publish.disclosure import state_flags
    from transforms.writers import write_submission
    from warehouse import db, queries

    contract = load_contract()
    national = national_settings(geo, settings)
    with db.reader(national.warehouse) as con:
        current, observations = queries.current_submission(con, geo, year)
    # Flagged as the national release hides them: the Commission never publishes those.
    observations = state_flags(observations)
    metadata = {f.name: current[f.name] for f in contract.metadata_fields}
    stem = contract.submission_stem(geo, year, metadata["revision"])
    target = national.national_dir / geo / "outbox" / f"{stem}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    return str(write_submission(metadata, observations, target, "json")[0])
