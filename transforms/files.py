"""Writing a file so that a reader never sees half of it (the one atomic-write helper), and
reading one that is surely a regular file (a named pipe never blocks, a link is followed only
when asked)."""

from __future__ import annotations

import hashlib
import os
import stat
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


class NotRegular(OSError):
    """A path that is not a regular file (a named pipe, device, socket or, unfollowed, a link)."""


def read_regular(path, follow: bool = True, limit: int | None = None) -> bytes:
    """The bytes of a regular file, opened without blocking (a named pipe never waits for a
    writer) and, unless `follow`, without following a link; anything else raises NotRegular.
    With `limit`, reading stops after limit + 1 bytes (the caller refuses what is over)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | (0 if follow else os.O_NOFOLLOW))
    except OSError as exc:
        if not follow and os.path.islink(path):
            raise NotRegular(f"{Path(path).name} is a symbolic link; links are never followed") from exc
        raise
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotRegular(f"{Path(path).name} is not a regular file (a named pipe, device or socket)")
        os.set_blocking(fd, True)
        return f.read() if limit is None else f.read(limit + 1)
