"""What a run takes: the files named on the command line or found in the landing layout, each
with its sender, and the receipts (CSA_RECEIPTS) read once before any file is judged."""

from __future__ import annotations

import logging
from pathlib import Path

from csa_stats.settings import Settings
from transforms.landing import flat_layout_error, landed_files, not_taken, sender_of, state_submissions
from transforms.senders import FILE, KIND_REASONS, entry_kind, not_a_state, sender_in

log = logging.getLogger(__name__)


def to_ingest(names: list[str], sender: str | None, settings: Settings) -> tuple[list, list, list[str]]:
    """(entry, sender) pairs to ingest, (entry, why) left in the folders, and errors (exit 3).

    A folder is read in the landing layout (`<GEO>/` prefixes name the sender); files directly in
    it only with `sender`. A file named outright is sent by the state whose prefix it resolves
    into (`landing/AT/sub/../X` is AT's), outside the landing by `sender` or a state's folder
    holding it; a link, a named pipe or a device is never taken. `sender` must be a state."""
    from transforms.locations import as_path

    if sender and (problem := not_a_state(sender)):
        return [], [], [f"--sender {problem}"]
    taken, skipped, errors = [], [], []
    for name in names:
        p = as_path(name)
        if not p.is_dir():
            kind = entry_kind(p)
            found, why = sender_in(p, settings.landing, sender) if kind == FILE else (None, None)
            why = why or (None if kind == FILE else KIND_REASONS.get(kind, "not a file"))
            taken += [] if why else [(p, found)]
            errors += [f"not taken: {p}: {why}"] if why else []
            continue
        taken += [(f, sender_of(f)) for f in state_submissions(p)]
        skipped += not_taken(p, flat=bool(sender))
        if flat := landed_files(p):
            if sender:
                taken += [(f, sender) for f in flat]
            else:
                errors.append(f"{flat_layout_error(p, flat)}; or name the sender: --sender GEO")
    return taken, skipped, errors


def check_receipts(settings: Settings, received: set[str]) -> None:
    """CSA_RECEIPTS, read once before a run: a file that cannot be used raises ReceiptsInvalid
    (a setting error); each receipt left out, or for content in none of `received` (digests of
    the files landed and archived), is a warning, said here once."""
    from transforms import receipts

    times, problems = receipts.read(settings.receipts, settings.landing, settings.today)
    for problem in problems + receipts.never_received(times, received, settings.receipts):
        log.warning("%s", problem)


def check_receipts_of(settings: Settings, files: list) -> None:
    """check_receipts for a run of `files` (paths or store paths), with what the warehouse holds."""
    from warehouse.archive import received_digests

    received = {d for p in files for d in received_digests(p)}
    received |= {d for known in held(settings.warehouse) for d in known[1:]}
    check_receipts(settings, received - {None})


def held(warehouse: Path) -> set[tuple]:
    """What the warehouse holds: (sender, data digest, side file digest) of each file received.
    A warehouse killed in its first open is migrated here: the ingest is about to write anyway."""
    from warehouse import db, queries

    if not warehouse.exists():
        return set()
    try:
        with db.reader(warehouse) as con:
            return queries.received(con)
    except db.WarehouseNotMigrated:
        with db.writer(warehouse):
            pass
        with db.reader(warehouse) as con:
            return queries.received(con)
