"""Where a folder or file is: on a local disk or in an object store (s3://...). The one test of it."""

from __future__ import annotations

from pathlib import Path


def is_object_store(location: str | Path) -> bool:
    text = str(location)
    return "://" in text and not text.startswith("file://")


def as_path(location: str | Path):
    """A local path, or an object-store URL as a path of the same methods (UPath, on the
    standard AWS variables)."""
    if not is_object_store(location):
        return Path(str(location).removeprefix("file://"))
    from upath import UPath

    return UPath(str(location))
