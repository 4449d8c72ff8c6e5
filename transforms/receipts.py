"""Receipts: when files arrived that the system did not see land (CSA_RECEIPTS, a JSON object of
SHA-256 -> ISO time with its zone, kept by an operator outside the landing folder).

An operator's input, so never a crash: a file that cannot be used is a setting error naming
CSA_RECEIPTS and the problem; an entry that cannot be used is a warning and is left out; a
receipt that cannot be true (in the future, before its reporting year ended) is refused.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
from pathlib import Path

from transforms.files import read_regular

log = logging.getLogger(__name__)

SETTING = "CSA_RECEIPTS"
_SHA256 = re.compile(r"[0-9a-f]{64}")
MAX_BYTES = 50_000_000  # about 500,000 receipts


class ReceiptsInvalid(ValueError):
    """The receipts file cannot be used at all (a setting error: exit 3)."""


def now(today: dt.date | None = None) -> dt.datetime:
    """The moment a run stands at: now, or the end of its `today` when later (CSA_TODAY, the day
    the demo's story is told on)."""
    return max(dt.datetime.now(dt.UTC), dt.datetime.combine(today or dt.date.min, dt.time.max, dt.UTC))


def read(
    path: Path | None, landing: Path | None = None, today: dt.date | None = None
) -> tuple[dict[str, dt.datetime], list[str]]:
    """The usable receipts and, for each entry left out, why (a time after the run's `now` is in
    the future). Raises ReceiptsInvalid for a file that cannot be used at all, or that lies inside
    the landing folder, where senders write."""
    if path is None or not os.path.lexists(path):
        return {}, []
    _outside(path, landing)
    if Path(path).is_dir():
        raise ReceiptsInvalid(f"{SETTING} {path} is a folder; it must name a JSON file")
    try:
        data = read_regular(path, limit=MAX_BYTES)
        if len(data) > MAX_BYTES:
            raise ValueError(f"it is above {MAX_BYTES:,} bytes")
        doc = json.loads(data.decode("utf-8-sig"))
    except (OSError, ValueError, UnicodeError, RecursionError) as exc:
        raise ReceiptsInvalid(f"{SETTING} {path} cannot be read: {exc}") from exc
    if not isinstance(doc, dict):
        raise ReceiptsInvalid(
            f"{SETTING} {path} is a JSON {type(doc).__name__}, not an object of SHA-256 -> arrival time"
        )
    latest = now(today)
    times, problems = {}, []
    for digest, text in doc.items():
        when, why = _entry(digest, text, latest)
        if why:
            problems.append(f"{SETTING} {path}: receipt {digest[:70]!r} left out: {why}")
        else:
            times[digest] = when
    return times, problems


def _outside(path: Path, landing: Path | None) -> None:
    if landing is None or "://" in str(landing):
        return
    real, root = Path(os.path.realpath(path)), Path(os.path.realpath(landing))
    if real == root or root in real.parents:
        raise ReceiptsInvalid(
            f"{SETTING} {path} lies inside the landing folder {landing}, where senders write: a "
            "sender could date its own arrival; keep the receipts outside it"
        )


def _entry(digest: str, text, now: dt.datetime) -> tuple[dt.datetime | None, str | None]:
    if not _SHA256.fullmatch(digest):
        return None, "the key is not a SHA-256 (64 lower-case hexadecimal digits)"
    if not isinstance(text, str):
        return None, f"the time is a JSON {type(text).__name__}, not an ISO 8601 text"
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        return None, f"{text[:40]!r} is not an ISO 8601 time"
    if len(text.strip()) <= 10:
        return None, f"{text!r} is a date without a time of day and zone"
    if when.tzinfo is None:
        return None, f"{text!r} has no time zone (give one: +00:00 or Z)"
    if when > now:
        return None, f"{text} is in the future"
    return when, None


def arrival(times: dict[str, dt.datetime], digest: str, year: int | None) -> dt.datetime | None:
    """The receipt of this content among `times` (what `read` kept), if it can be the arrival of a
    submission for `year`."""
    when = times.get(digest)
    why = when and refused(when, year)
    if why:
        log.warning("%s: receipt of %s refused: %s; it arrived now", SETTING, digest, why)
    return None if why else when


def refused(when: dt.datetime, year: int | None) -> str | None:
    """Why a receipt cannot be the arrival of a submission for `year` (None: it can)."""
    if year is not None and when.date() <= dt.date(year, 12, 31):
        return f"{when.isoformat()} is before the end of its reporting year {year}"
    return None


def never_received(times: dict[str, dt.datetime], received: set[str], path: Path | None) -> list[str]:
    """Receipts for content the system has neither archived nor found landed: refused, with why."""
    return [
        f"{SETTING} {path}: receipt {digest} refused: content never received "
        "(no landed or archived file has this SHA-256)"
        for digest in sorted(set(times) - received)
    ]
