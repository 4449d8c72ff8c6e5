"""The words the warehouse records and the commands show, written once: a submission's status,
the tracker's status of a state and year, a receipt's status and the actions of the audit log.
Python uses these enums; the warehouse's views get the same words filled in (`{{submission_accepted}}`,
`{{tracker_late}}`, `{{action_duplicate}}`: `view_codes`), so a word changes in one place."""

from __future__ import annotations

from enum import StrEnum


class SubmissionStatus(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"  # an accepted submission a later accepted revision replaced (a view)
    DUPLICATE = "duplicate"  # what an ingest says of bytes received before (never stored as a status)


class TrackerStatus(StrEnum):
    ON_TIME = "on time"
    LATE = "late"
    MISSING = "missing"
    REJECTED = "rejected"  # something arrived, nothing accepted
    NOT_YET_DUE = "not yet due"
    NOT_DUE = "not due"  # no legal basis covers any day of the year


class ReceiptStatus(StrEnum):
    """What a receipt in a state's feedback prefix says of a file it sent: received, then the verdict."""

    RECEIVED = "received"
    ACCEPTED = SubmissionStatus.ACCEPTED.value
    REJECTED = SubmissionStatus.REJECTED.value
    SUPERSEDED = SubmissionStatus.SUPERSEDED.value


class AuditAction(StrEnum):
    INGEST = "ingest"
    ACCEPT = "accept"
    REJECT = "reject"
    DUPLICATE = "duplicate"
    AGGREGATE = "aggregate"
    DELETE_RECORDS = "delete_records"
    RELEASE = "release"
    APPROVE = "approve"
    REJECT_RELEASE = "reject_release"
    SEND = "send"  # the national office sent its file to the Commission
    VERDICT = "verdict"  # and recorded the Union's verdict on it


def view_codes() -> dict[str, str]:
    """Every word as the views name it: submission_accepted, tracker_on_time, action_release."""
    vocabularies = {"submission": SubmissionStatus, "tracker": TrackerStatus, "action": AuditAction}
    return {
        f"{prefix}_{word.name.lower()}": word.value for prefix, enum in vocabularies.items() for word in enum
    }
