"""Folders on an object store: the steps work on local working copies, pushed after each step.

A release reaches the store whole before anything points at it; see warehouse/storage.py for how
immutability and "never half visible" hold without an atomic rename.
"""

from __future__ import annotations

from csa_stats.settings import Settings

IMMUTABLE = {"archive": True, "reports": False}


def push_folders(settings: Settings, *folders: str) -> None:
    """Upload what a step wrote into the local copy of each folder configured as a store URL."""
    from warehouse import storage

    for folder in folders:
        if folder in settings.stores:
            storage.push(getattr(settings, folder), settings.stores[folder], immutable=IMMUTABLE[folder])


def pull_releases(settings: Settings, year: int) -> None:
    """A writer on a new machine first fetches the year's published versions (numbering, changelog)
    and their LATEST pointer; what it has already is kept."""
    from publish.folders import RELEASES
    from warehouse import storage

    if "public" in settings.stores:
        storage.pull(settings.stores["public"], settings.public, f"{RELEASES}/{year}")


def push_public(settings: Settings) -> None:
    """A release reaches the store whole before anything points at it: the version folders
    (immutable objects), then catalogue and site, then each year's LATEST pointer last."""
    from publish.folders import POINTER, RELEASES
    from warehouse import storage

    if "public" not in settings.stores:
        return
    url, public = settings.stores["public"], settings.public
    storage.push(public / RELEASES, storage.join(url, RELEASES), immutable=True, skip=(POINTER,))
    storage.push(public, url, immutable=False, skip=(POINTER,))
    for pointer in sorted((public / RELEASES).glob(f"*/{POINTER}")):
        remote = storage.join(url, RELEASES, pointer.parent.name, POINTER)
        data = pointer.read_bytes()
        if not storage.exists(remote) or storage.read_bytes(remote) != data:
            storage.write_bytes(remote, data)
