"""The judge: one pure function from a received file to its verdict, the same for `csa-stats
validate`, the collection's ingest and the national pipeline.

A file (its bytes, name, side file and declared sender), the reader's limits, the contract and
what the warehouse knows of the state (its history, for level 2) go in; out comes the verdict:
the submission (metadata and canonical rows) and the report, every finding with its place.
Whatever the file does, it gets a verdict of its own: a file that breaks the judging itself is
refused with L0_NOT_JUDGED, never with a traceback.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from contracts.contract import Contract
from contracts.vocabulary import SubmissionStatus
from transforms.canonical import Finding, Received, Submission
from transforms.formats.shared import metadata_document
from transforms.history import History
from transforms.readers import detect_format, not_judged, read, unreadable
from transforms.report import Report, validation_event
from transforms.safety import Limits
from transforms.validation import validate

__all__ = ["History", "Limits", "Received", "Report", "Verdict", "judge", "judge_path", "refuse"]

log = logging.getLogger(__name__)


@dataclass
class Verdict:
    """What the judge says of one file: the submission as read and the report on it."""

    submission: Submission
    report: Report
    failure: BaseException | None = None  # what broke the judging (L0_NOT_JUDGED), for the log

    @property
    def accepted(self) -> bool:
        return self.report.valid

    @property
    def status(self) -> str:
        return SubmissionStatus.ACCEPTED if self.accepted else SubmissionStatus.REJECTED

    def rows(self) -> list[dict]:
        """The canonical rows (status d already set where a national definition differs)."""
        return self.submission.rows()

    def metadata(self) -> dict:
        """The contract's metadata fields as JSON values, as the warehouse keeps them."""
        return metadata_document(self.submission.metadata)

    def log_failure(self, traceback: bool) -> None:
        """Say in the log what broke the judging; the traceback only when debugging (CSA_DEBUG):
        bad input never prints one."""
        if self.failure is not None:
            exc = self.failure
            log.error(
                "%s could not be judged: %r", self.report.file, exc, exc_info=exc if traceback else None
            )

    def submission_id(self, contract: Contract, content: str) -> str:
        """State, year, revision and the first characters of the content's SHA-256."""
        sub = self.submission
        geo = sub.geo if sub.geo in contract.code_lists["geo"] else "UNKNOWN"
        return f"{geo}-{sub.time_period or 'YYYY'}-R{sub.revision}-{content[:8]}"


def judge(
    file: Received,
    limits: Limits,
    contract: Contract,
    history: Callable[[str | None, int | None], History] | None = None,
    event: tuple[str, str] = ("validate", "csa-stats"),
    today: dt.date | None = None,
) -> Verdict:
    """Read, check the sender and validate: levels 0 and 1, and 2 given `history` (what the
    warehouse knows of a state and year). `event` is why and by whom (trigger, actor), for the
    report. Light: no pandas, so `csa-stats validate` starts fast."""
    try:
        submission = read(file, limits)
        _sender(submission, file.sender)
        known = None
        if history is not None:
            known = history(submission.geo, submission.time_period)
            known.checksum = file.checksum
        report = validate(submission, known, today, contract)
        _register_under_sender(submission, file.sender)
    except Exception as exc:  # noqa: BLE001 (whatever the file does, it gets a verdict of its own)
        return refuse(file, exc, contract, event)
    report.event = validation_event(*event)
    return Verdict(submission, report)


def refuse(
    file: Received, exc: BaseException, contract: Contract, event: tuple[str, str] = ("validate", "csa-stats")
) -> Verdict:
    """The verdict on a file that broke the judging (a bug, or input no rule foresaw), or that the
    warehouse could not store: refused with L0_NOT_JUDGED, so the others go on."""
    return _unparsed(file, not_judged(file, exc), contract, event, exc)


def judge_path(
    path: Path,
    limits: Limits,
    contract: Contract,
    event: tuple[str, str] = ("validate", "csa-stats"),
    today: dt.date | None = None,
) -> Verdict:
    """The judge on a file on disk and its side file; one the system cannot read (gone, a folder,
    no permission) is refused with L0_READABLE."""
    try:
        file = Received.from_path(path)
    except OSError as exc:
        file = Received(Path(path).name, b"")
        submission = unreadable(file, detect_format(file) or "unknown", str(exc) or type(exc).__name__)
        return _unparsed(file, submission, contract, event)
    return judge(file, limits, contract, event=event, today=today)


def _unparsed(file, submission, contract, event, failure: BaseException | None = None) -> Verdict:
    _sender(submission, file.sender)
    report = validate(submission, contract=contract)
    _register_under_sender(submission, file.sender)
    report.event = validation_event(*event)
    return Verdict(submission, report, failure)


def _sender(submission: Submission, sender: str | None) -> None:
    """A file claiming another state than the one whose prefix it came from: L0_SENDER_MISMATCH."""
    claimed = submission.geo
    if sender and claimed and claimed != sender:
        where = submission.metadata_location("geo")
        submission.findings.append(Finding("L0_SENDER_MISMATCH", where, "geo", claimed, {"expected": sender}))


def _register_under_sender(submission: Submission, sender: str | None) -> None:
    """A rejected file is registered under the state that sent it; the state it claims (if any)
    stays in its report (whose geo is read before this)."""
    if sender and submission.geo != sender:
        submission.metadata["geo"] = sender
