"""Folders that may live on an object store (s3://...) as well as on a local disk, through fsspec.

The pipeline works on local folders; a folder configured as an object-store URL has a local
working copy that is pushed to the store after each step. An object store has no atomic rename,
so whole files are the unit: every object is written once, in one PUT, and is visible whole or
not at all. Immutable folders (archive, releases, snapshots) refuse to overwrite an object with
different bytes; pointers (LATEST) are the only objects replaced, and they are written last.

Credentials and the endpoint come from the standard AWS variables (AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL for an S3-compatible store), as botocore reads them.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import fsspec

from transforms.files import write_atomic
from transforms.locations import is_object_store

log = logging.getLogger(__name__)


class ImmutableObjectChanged(Exception):
    """An immutable object exists on the store with other bytes: it is never overwritten."""


def filesystem(location: str | Path) -> tuple[fsspec.AbstractFileSystem, str]:
    """The fsspec filesystem of a location and the location's path inside it."""
    fs, root = fsspec.core.url_to_fs(str(location))
    return fs, root.rstrip("/")


def join(location: str | Path, *parts: str) -> str:
    return "/".join([str(location).rstrip("/"), *parts])


def read_bytes(location: str) -> bytes:
    fs, path = filesystem(location)
    return fs.cat_file(path)


def write_bytes(location: str, data: bytes) -> None:
    """One whole object (or a local file written beside and renamed into place)."""
    fs, path = filesystem(location)
    if not is_object_store(location):
        write_atomic(Path(path), data)
        return
    fs.pipe_file(path, data)


def exists(location: str) -> bool:
    fs, path = filesystem(location)
    return fs.exists(path)


def _md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()


def _remote_files(fs, root: str) -> dict[str, dict]:
    """Objects under a prefix by their relative name (an absent prefix is empty)."""
    try:
        found = fs.find(root, detail=True)
    except FileNotFoundError:
        return {}
    return {name[len(root) + 1 :]: info for name, info in found.items() if info.get("type") == "file"}


def _same(local: Path, info: dict) -> bool:
    """A single-PUT object's ETag is its MD5; sizes decide where no ETag is given."""
    if info.get("size") != local.stat().st_size:
        return False
    etag = str(info.get("ETag", "")).strip('"')
    return not etag or "-" in etag or etag == _md5(local)


def push(local: Path, url: str, immutable: bool, skip: tuple[str, ...] = ()) -> list[str]:
    """Upload the files of a local working copy that the store lacks (or holds older bytes of).

    With `immutable`, an object that exists with other bytes raises ImmutableObjectChanged.
    Names in `skip` (pointers) and hidden temporary files are not pushed; symlinks neither (rglob
    does not descend into a symlinked folder such as a release's `latest`).
    Returns the relative names uploaded.
    """
    if not local.is_dir():
        return []
    fs, root = filesystem(url)
    remote = _remote_files(fs, root)
    uploaded = []
    for file in sorted(p for p in local.rglob("*") if p.is_file() and not p.is_symlink()):
        name = file.relative_to(local).as_posix()
        if file.name in skip or any(part.startswith(".tmp") for part in name.split("/")):
            continue
        if name in remote and _same(file, remote[name]):
            continue
        if name in remote and immutable:
            raise ImmutableObjectChanged(f"{url}/{name} exists with other bytes; it is never overwritten")
        fs.put_file(str(file), f"{root}/{name}")
        uploaded.append(name)
    if uploaded:
        log.info("pushed %d file(s) to %s", len(uploaded), url)
    return uploaded


def pull(url: str, local: Path, prefix: str = "") -> list[str]:
    """Download the objects under url/prefix that the local working copy lacks."""
    fs, root = filesystem(url)
    base = f"{root}/{prefix}".rstrip("/")
    fetched = []
    for name in sorted(_remote_files(fs, base)):
        target = local / prefix / name if prefix else local / name
        if target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        fs.get_file(f"{base}/{name}", str(target))
        fetched.append(name)
    return fetched
