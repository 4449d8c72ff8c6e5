"""Writing a file so that a reader never sees half of it: the one atomic-write helper."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def write_atomic(path: Path, data: bytes | str, *, only_if_changed: bool = False) -> Path:
    """Write `data` beside `path` and rename it into place. With `only_if_changed`, a file that
    already holds these bytes is left untouched (its modification time says when it last changed)."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    if only_if_changed and path.exists() and _digest(path.read_bytes()) == _digest(data):
        return path
    tmp = path.with_name(f".tmp-{path.name}")  # callers hold the lock of the folder they write
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return path


def _digest(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()
