"""Read-only snapshots of the warehouse, so analysts never wait for a load nor hold one up.

At the end of every writer session, and during a long batch at most every few seconds
(warehouse/db.py, Session), the writer, still holding the writer lock, copies the closed
DuckDB file (tables, views and macros; DuckDB checkpoints on close) to the snapshot location
as `warehouse-<sequence>.duckdb`, then replaces the pointer `LATEST` with that name. A snapshot
is never written again; readers open the one LATEST names, read-only. The newest snapshot
therefore holds every commit but those of the last few seconds of a batch in progress (a writer
killed before its copy leaves them for the next write; the warehouse itself keeps them).
The location is a local folder or an object store (s3://...); from an object store a reader
downloads the snapshot once into its cache (its name never changes meaning).
"""

from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path

from warehouse import storage

log = logging.getLogger(__name__)
POINTER = "LATEST"
NAME = re.compile(r"^warehouse-(\d{8})\.duckdb$")


class NoSnapshot(Exception):
    """No snapshot has been published at the location yet."""


def _name(sequence: int) -> str:
    return f"warehouse-{sequence:08d}.duckdb"


def published(location: str) -> list[str]:
    """Names of the snapshots at a location, oldest first."""
    fs, root = storage.filesystem(location)
    try:
        names = [Path(p).name for p in fs.ls(root, detail=False)]
    except FileNotFoundError:
        return []
    return sorted(n for n in names if NAME.match(n))


def newest(location: str) -> str | None:
    """The name LATEST points at (None before the first snapshot)."""
    pointer = storage.join(location, POINTER)
    if not storage.exists(pointer):
        return None
    return storage.read_bytes(pointer).decode("ascii").strip()


def publish(warehouse: Path, location: str, keep: int = 10) -> str:
    """Copy the closed warehouse file as the next snapshot, then point LATEST at it.

    Only the writer calls this, under the writer lock, so sequence numbers never clash.
    Snapshots older than the newest `keep` are removed (a reader that opened one keeps its copy).
    """
    existing = published(location)
    sequence = int(NAME.match(existing[-1]).group(1)) + 1 if existing else 1
    name = _name(sequence)
    target = storage.join(location, name)
    if storage.is_object_store(location):
        fs, path = storage.filesystem(target)
        fs.put_file(str(warehouse), path)  # one PUT: visible whole or not at all
    else:
        folder = Path(location)
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".tmp-{name}"
        tmp.unlink(missing_ok=True)  # left by a writer killed while copying
        shutil.copyfile(warehouse, tmp)
        tmp.chmod(0o444)
        tmp.rename(folder / name)
    storage.write_bytes(storage.join(location, POINTER), f"{name}\n".encode("ascii"))  # last
    for old in existing[: max(0, len(existing) + 1 - keep)]:
        fs, path = storage.filesystem(storage.join(location, old))
        fs.rm_file(path)
    log.info("published warehouse snapshot %s", target)
    return name


def local_newest(location: str, cache: Path) -> Path:
    """The newest snapshot as a local file to open read-only (downloaded once from a store)."""
    name = newest(location)
    if name is None:
        raise NoSnapshot(
            f"no warehouse snapshot at {location} yet: one is published after every load "
            "(use --live to read the live warehouse)"
        )
    if not storage.is_object_store(location):
        return Path(storage.filesystem(location)[1]) / name
    local = cache / name
    if not local.exists():
        cache.mkdir(parents=True, exist_ok=True)
        fs, path = storage.filesystem(storage.join(location, name))
        tmp = cache / f".tmp-{name}"
        fs.get_file(path, str(tmp))
        tmp.rename(local)
        for stale in cache.glob("warehouse-*.duckdb"):
            if stale.name < name:
                stale.unlink(missing_ok=True)
    return local
