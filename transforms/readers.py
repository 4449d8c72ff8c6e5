"""Reading a received file in whatever format the registry recognises it as: the canonical
`Submission`. The parsing of each format is in its module under transforms/formats/.

A reader never raises on bad content: what it cannot read becomes a finding with its
place, so the validation report lists every problem at once.
"""

from __future__ import annotations

import csv
import zipfile
from dataclasses import replace
from pathlib import Path

from transforms import flag_columns, safety
from transforms.canonical import Finding, Received, Submission, name_metadata
from transforms.formats import registry
from transforms.metadata import side_file_beside
from transforms.safety import Limits


def detect_format(file: Received) -> str | None:
    fmt = registry.detect(file)
    return None if fmt is None else fmt.name


def read_submission(path: Path, limits: Limits = Limits()) -> Submission:  # noqa: B008 (frozen)
    """A file on disk and its side file, read as received, its source the path: for tools, tests."""
    return replace(read(Received.from_path(path), limits), source=Path(path))


def read(file: Received, limits: Limits) -> Submission:
    """The file in the canonical shape, every problem of reading a finding with its place."""
    source = Path(file.name)
    fmt = registry.detect(file)
    if fmt is None:
        known = registry.listed(registry.suffixes())
        return unreadable(file, "unknown", f"the file is not a submission ({known})")
    try:
        refused = safety.refusal(file, limits) or fmt.refuse(file, limits)
        if refused:
            return Submission(source, fmt.name, name_metadata(source), [], [refused])
        submission = flag_columns.flags_never_dropped(fmt.read(file, limits), fmt.column("conf_status"))
        if fmt.metadata_inside:
            side_file_beside(submission, file, limits)
    except safety.TooManyRows as exc:
        return Submission(
            source, fmt.name, name_metadata(source), [], [safety.too_many_rows(exc.count, limits)]
        )
    except (OSError, ValueError, RecursionError, UnicodeError, csv.Error, zipfile.BadZipFile) as exc:
        return unreadable(file, fmt.name, str(exc) or type(exc).__name__)
    too_many = safety.too_many_rows(len(submission.observations), limits)
    if too_many:  # validating them would cost what the limit protects
        return Submission(source, fmt.name, submission.metadata, [], [too_many])
    return submission


def unreadable(file: Received, fmt: str, detail: str) -> Submission:
    finding = Finding("L0_READABLE", "file", None, None, {"format": fmt, "detail": detail})
    return Submission(Path(file.name), fmt, name_metadata(Path(file.name)), [], [finding])


def not_judged(file: Received, exc: BaseException) -> Submission:
    """A file that broke the judging itself (a bug, or input no rule foresaw): refused with the
    rule that says so, so that it gets a verdict of its own and the others go on."""
    detail = f"{type(exc).__name__}: {str(exc)[:300]}"
    finding = Finding("L0_NOT_JUDGED", "file", None, None, {"detail": detail})
    source = Path(file.name)
    return Submission(source, detect_format(file) or "unknown", name_metadata(source), [], [finding])
