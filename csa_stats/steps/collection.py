"""Collection: new files in the landing folder, each archived, validated and loaded."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TypedDict

from csa_stats import stores
from csa_stats.settings import Settings, get_settings
from transforms.landing import (
    SIDE_FILE,
    flat_layout_error,
    landed_files,
    not_taken,
    sender_of,
    state_submissions,
)

log = logging.getLogger(__name__)


class Ingested(TypedDict):
    file: str
    submission_id: str
    status: str  # accepted | rejected | duplicate
    errors: int
    warnings: int
    report: str | None  # the feedback report (JSON), None for a duplicate


def new_submissions(settings: Settings | None = None, folder=None) -> list[str]:
    """Landed files in the states' prefixes whose content the warehouse has not seen yet from
    that state (as URLs or paths). What is not taken is logged with the reason; for files left
    in the old flat layout, the log says how to move them."""
    from csa_stats.steps.taken import check_receipts, held
    from warehouse.archive import received_digests

    settings = settings or get_settings()
    landing = settings.landing if folder is None else folder
    for path, why in not_taken(landing):
        log.warning("not taken from the landing folder: %s: %s", path, why)
    if flat := landed_files(landing):
        log.error("%s", flat_layout_error(landing, flat))
    files = state_submissions(landing)
    digests = {p: received_digests(p) for p in files}
    known = held(settings.warehouse)
    received = {d for pair in digests.values() for d in pair} | {d for k in known for d in k[1:]}
    check_receipts(settings, received - {None})  # before any file is judged
    return [str(p) for p in files if (sender_of(p), *digests[p]) not in known]


def landing_url(settings: Settings | None = None) -> str:
    """CSA_LANDING as a URL for ObjectStoragePath: an object store as given, a folder as file://."""
    return (settings or get_settings()).landing_url


def local_copy(landed, settings: Settings | None = None) -> Path:
    """A landed file as a local path. A file in an object store is copied byte for byte, with its
    side file, to CSA_DATA_DIR/staging/ (the loader archives it from there; its arrival is when
    the loader first sees it, not any time the store reports)."""
    if getattr(landed, "protocol", "file") in ("file", "local", ""):
        return Path(getattr(landed, "path", landed))
    staging = (settings or get_settings()).data_dir / "staging" / sender_of(landed)
    staging.mkdir(parents=True, exist_ok=True)
    for source in (landed, landed.with_name(landed.stem + SIDE_FILE)):
        if source is landed or source.exists():
            (staging / source.name).write_bytes(source.read_bytes())
    return staging / landed.name


def ingest(
    path: str, settings: Settings | None = None, actor: str = "system", sender: str | None = None
) -> Ingested:
    """Archive, validate and load one file (a batch of one); `sender` is the state whose prefix
    it came from."""
    return ingest_all([(path, sender)], settings, actor)[0]


def ingest_all(
    files: list[tuple[str, str | None]], settings: Settings | None = None, actor: str = "system"
) -> list[Ingested]:
    """Archive, validate and load files, each (path, the state whose prefix it came from), in one
    warehouse session: each file stored in its own transaction with a verdict of its own. Their
    receipts in the senders' feedback prefixes say `received`, then the verdicts (steps/receipts.py)."""
    from csa_stats.steps.receipts import acknowledge, acknowledge_arrival
    from warehouse.loader import Arrival, ingest_files

    settings = settings or get_settings()
    if [path for path, sender in files if acknowledge_arrival(Path(path), sender, settings)]:
        stores.push_folders(settings, "reports")
    results = ingest_files([Arrival(Path(path), sender, actor=actor) for path, sender in files], settings)
    acknowledge([r.submission_id for r in results], settings)
    stores.push_folders(settings, "archive", "reports")
    return [
        Ingested(
            file=r.file,
            submission_id=r.submission_id,
            status=r.status,
            errors=r.report.count("error") if r.report else 0,
            warnings=r.report.count("warning") if r.report else 0,
            report=str(r.report_path) if r.report_path else None,
        )
        for r in results
    ]
