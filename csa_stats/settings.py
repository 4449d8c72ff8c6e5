"""Settings from environment variables, with defaults for the embedded set-up.

Read at call time (not import time) so a DAG run, a test or the CLI sees its own environment.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

from transforms.locations import is_object_store
from transforms.safety import Limits

# The example base URL: a catalogue published under it has only dead links (publish warns).
DEFAULT_PUBLIC_BASE_URL = "https://example.org/csa-stats"

# The catalogue's contact point until a publisher sets its own functional mailbox.
DEFAULT_CONTACT_EMAIL = "art8-statistics@example.org"

# name -> (default, meaning); README's configuration table is written from this.
VARIABLES = {
    "CSA_DATA_DIR": ("./data", "root of the local folders below"),
    "CSA_LANDING": (
        "$CSA_DATA_DIR/landing",
        "where submissions land, each state in its prefix `<GEO>/` (folder, file:// or s3:// URL)",
    ),
    "CSA_ARCHIVE": ("$CSA_DATA_DIR/archive", "raw archive, files stored by SHA-256 (folder or s3:// URL)"),
    "CSA_REPORTS": (
        "$CSA_DATA_DIR/reports",
        "validation reports and feedback per state (folder or s3:// URL)",
    ),
    "CSA_WAREHOUSE": ("$CSA_DATA_DIR/warehouse.duckdb", "the DuckDB warehouse file (local to the writer)"),
    "CSA_SNAPSHOTS": (
        "$CSA_DATA_DIR/snapshots",
        "read-only warehouse snapshots that analysts query (folder or s3:// URL)",
    ),
    "CSA_SNAPSHOT_KEEP": ("10", "how many of the newest snapshots are kept"),
    "CSA_PUBLIC": ("$CSA_DATA_DIR/public", "published releases, catalogue and site (folder or s3:// URL)"),
    "CSA_PUBLIC_BASE_URL": (
        DEFAULT_PUBLIC_BASE_URL,
        "URL where CSA_PUBLIC is served (the catalogue's links)",
    ),
    "CSA_CONTACT_EMAIL": (
        DEFAULT_CONTACT_EMAIL,
        "e-mail address of the catalogue's contact point (dcat:contactPoint, vcard:hasEmail)",
    ),
    "CSA_NATIONAL_DIR": ("$CSA_DATA_DIR/national", "national pipeline: sources, warehouse, outbox"),
    "CSA_NATIONAL_RECORDS": (
        "$CSA_NATIONAL_DIR/{geo}/records",
        "a national office's record-level files (folder or s3:// URL; `{geo}` is the state's code)",
    ),
    "CSA_SEND_TO": (
        "$CSA_LANDING",
        "national pipeline: the Union landing it sends into, into its prefix `<GEO>/` (folder or s3:// URL)",
    ),
    "CSA_FEEDBACK": (
        "$CSA_REPORTS",
        "national pipeline: the Union's feedback, receipts in `<GEO>/receipts/` (folder or s3:// URL)",
    ),
    "CSA_FEEDBACK_POLL": ("30", "seconds between two looks for the Union's verdict (deferred in between)"),
    "CSA_FEEDBACK_TIMEOUT": ("72", "hours the national pipeline waits for the Union's verdict"),
    "CSA_DEADLINE": (
        "law",
        "deadline of a reporting year: `law`, the last deadline of the acts it is due under (contract "
        "legalBases), or MM-DD in the year after it",
    ),
    "CSA_LOG_LEVEL": ("INFO", "logging level"),
    "CSA_DATA_DOCS": ("none", "GX Data Docs beside the loader's validation reports: none, rejected or all"),
    "CSA_RECORD_RETENTION_DAYS": (
        "90",
        "`csa-stats retention` deletes landed record-level files older than this",
    ),
    "CSA_MAX_FILE_BYTES": (
        str(Limits.max_file_bytes),
        "a submission file larger than this is refused unread",
    ),
    "CSA_MAX_ROWS": (str(Limits.max_rows), "a submission with more observation rows is refused"),
    "CSA_MAX_XLSX_RATIO": (
        f"{Limits.max_xlsx_ratio:g}",
        "an XLSX unpacking to more than this many times its size is refused",
    ),
    "CSA_MAX_UNPACKED_BYTES": (
        str(Limits.max_unpacked_bytes),
        "an XLSX whose parts unpack to more than this is refused",
    ),
    "CSA_MAX_SIDE_FILE_BYTES": (
        str(Limits.max_side_file_bytes),
        "a .meta.json side file larger than this is refused unread",
    ),
    "CSA_CONTRACT": (
        "built-in",
        "the contract version (ODCS YAML) a run judges, stores and publishes under; `built-in` is "
        "the one shipped (contracts/article8.odcs.yaml)",
    ),
    "CSA_RECEIPTS": (
        "$CSA_DATA_DIR/receipts.json",
        "arrival times recorded outside the landing folder (SHA-256 -> time), e.g. files received by mail",
    ),
    # What the DAG files read when they are parsed (dags/dag_common.setting): schedules, defaults.
    "CSA_NATIONAL_GEO": ("AT", "default Member State of the national_statistics DAG"),
    "CSA_NATIONAL_CRON": (
        "0 6 1 6 *",
        "schedule of the national_statistics DAG (1 June, before the deadline)",
    ),
    "CSA_RELEASE_CRON": (
        "0 6 10 8 *",
        "yearly schedule of the union_release DAG (after the deadline), besides new warehouse data",
    ),
    "CSA_DEADLINE_CRON": ("0 7 * * *", "schedule of the submission_deadlines DAG (overdue states alert)"),
}


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class SettingInvalid(Exception):
    """A setting the commands cannot use: says which, its value and what is expected."""


def _get(name: str) -> str:
    value = os.environ.get(name) or VARIABLES[name][0]
    if value.startswith("$"):  # a default below another setting: $CSA_DATA_DIR/landing
        variable, slash, rest = value[1:].partition("/")
        value = f"{_get(variable)}{slash}{rest}"
    return value


def debugging() -> bool:
    """CSA_DEBUG: a bug hunt, where tracebacks are shown (bad input never prints one)."""
    return bool(os.environ.get("CSA_DEBUG"))


def user(default: str) -> str:
    """Who runs a command (the login name), for the audit log and reports."""
    return os.environ.get("USER", default)


def setting(name: str) -> str:
    """One setting as its variable gives it, else its default above: the DAG files' schedules and
    default parameters, read when a DAG file is parsed."""
    return _get(name)


def _log_level() -> str:
    level = _get("CSA_LOG_LEVEL").upper()
    if level not in LOG_LEVELS:
        raise SettingInvalid(
            f"CSA_LOG_LEVEL is '{_get('CSA_LOG_LEVEL')}'; expected one of {', '.join(LOG_LEVELS)}"
        )
    return level


def _path(name: str) -> Path:
    value = _get(name)
    return Path(value.removeprefix("file://")).expanduser().absolute()


def _location(name: str) -> str:
    """A folder or an object-store URL, as the storage layer takes it."""
    value = _get(name)
    return value if is_object_store(value) else str(_path(name))


# Folders that may be object-store URLs: the pipeline works on a local copy of each.
STORED_FOLDERS = {"archive": "CSA_ARCHIVE", "reports": "CSA_REPORTS", "public": "CSA_PUBLIC"}


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    landing: Path
    archive: Path
    reports: Path
    warehouse: Path
    public: Path
    public_base_url: str
    contact_email: str
    national_dir: Path
    national_records: str  # a folder or URL with {geo}
    deadline: str
    log_level: str
    data_docs: str
    record_retention_days: int
    max_file_bytes: int
    max_rows: int
    max_xlsx_ratio: float
    auto_approve_as: str = ""
    story_day: str = ""  # CSA_TODAY: the demo's today (YYYY-MM-DD), empty for the real date
    max_unpacked_bytes: int = Limits.max_unpacked_bytes
    max_side_file_bytes: int = Limits.max_side_file_bytes
    receipts: Path | None = None
    snapshots: str = ""  # "" publishes none
    snapshot_keep: int = 10
    debug: bool = False  # CSA_DEBUG: tracebacks in the log (a bug hunt); bad input never prints one
    landing_store: str = ""  # CSA_LANDING when it is an object-store URL ("" a local folder)
    # folder -> object-store URL; such a folder's Path above is its local working copy
    stores: dict[str, str] = field(default_factory=dict)
    send_to: str = ""  # the Union landing the national pipeline sends into
    feedback: str = ""  # where the Union's receipts for the national office are read
    feedback_poll: int = 30
    feedback_timeout_hours: float = 72
    contract: Path | None = None  # CSA_CONTRACT: None is the built-in contract

    @property
    def landing_url(self) -> str:
        """The landing as a URL for ObjectStoragePath: an object store as given, a folder as file://."""
        return self.landing_store or self.landing.as_uri()

    @property
    def limits(self) -> Limits:
        return Limits(
            self.max_file_bytes,
            self.max_rows,
            self.max_xlsx_ratio,
            self.max_unpacked_bytes,
            self.max_side_file_bytes,
        )

    @property
    def today(self) -> dt.date:
        """The day the pipeline judges against (a year not ended yet, the latest arrival)."""
        if not self.story_day:
            return dt.date.today()
        try:
            return dt.date.fromisoformat(self.story_day)
        except ValueError:
            raise SettingInvalid(f"CSA_TODAY is '{self.story_day}'; expected a day YYYY-MM-DD") from None

    def deadline_for(self, year: int) -> dt.date:
        if self.deadline == "law":
            from contracts.contract import load_contract

            return load_contract().deadline(year)
        month, day = (int(x) for x in self.deadline.split("-"))
        return dt.date(year + 1, month, day)


def get_settings() -> Settings:
    """The settings of the run in progress (csa_stats/run.py), else read from the environment now."""
    return SETTINGS_IN_USE.get() or read_settings()


def read_settings() -> Settings:
    """The one reading of the environment (a run does it once, at its start)."""
    data_dir = _path("CSA_DATA_DIR")
    stores = {f: location for f, v in STORED_FOLDERS.items() if is_object_store(location := _location(v))}
    local = {f: data_dir / "objectstore" / f if f in stores else _path(v) for f, v in STORED_FOLDERS.items()}
    return Settings(
        data_dir=data_dir,
        landing=_path("CSA_LANDING"),
        archive=local["archive"],
        reports=local["reports"],
        warehouse=_path("CSA_WAREHOUSE"),
        public=local["public"],
        public_base_url=_get("CSA_PUBLIC_BASE_URL"),
        contact_email=_get("CSA_CONTACT_EMAIL"),
        national_dir=_path("CSA_NATIONAL_DIR"),
        national_records=_location("CSA_NATIONAL_RECORDS"),
        deadline=_get("CSA_DEADLINE"),
        log_level=_log_level(),
        data_docs=_get("CSA_DATA_DOCS"),
        record_retention_days=int(_get("CSA_RECORD_RETENTION_DAYS")),
        max_file_bytes=int(_get("CSA_MAX_FILE_BYTES")),
        max_rows=int(_get("CSA_MAX_ROWS")),
        max_xlsx_ratio=float(_get("CSA_MAX_XLSX_RATIO")),
        max_unpacked_bytes=int(_get("CSA_MAX_UNPACKED_BYTES")),
        max_side_file_bytes=int(_get("CSA_MAX_SIDE_FILE_BYTES")),
        receipts=_path("CSA_RECEIPTS"),
        # Demo and tests only (the Makefile's demo target): approvals answer themselves as this
        # actor. Unset, as in production and `make airflow`, a human approves in the Airflow UI.
        auto_approve_as=os.environ.get("CSA_AUTO_APPROVE_AS", ""),
        # Demo only (the Makefile's demo target): the day the story is told on, so that a year
        # that has not ended yet (2026 in December 2026) can be received, judged and published.
        story_day=os.environ.get("CSA_TODAY", ""),
        snapshots=_location("CSA_SNAPSHOTS"),
        snapshot_keep=int(_get("CSA_SNAPSHOT_KEEP")),
        debug=debugging(),
        landing_store=_get("CSA_LANDING") if is_object_store(_get("CSA_LANDING")) else "",
        stores=stores,
        send_to=_location("CSA_SEND_TO"),
        feedback=_location("CSA_FEEDBACK"),
        feedback_poll=int(_get("CSA_FEEDBACK_POLL")),
        feedback_timeout_hours=float(_get("CSA_FEEDBACK_TIMEOUT")),
        contract=None if _get("CSA_CONTRACT") == "built-in" else _path("CSA_CONTRACT"),
    )


# The settings of the run in progress (csa_stats/run.py sets them for a command or a task).
SETTINGS_IN_USE: ContextVar[Settings | None] = ContextVar("settings_in_use", default=None)


def national_settings(geo: str, settings: Settings | None = None) -> Settings:
    """A national office keeps its own warehouse, archive, reports and releases."""
    settings = settings or get_settings()
    home = settings.national_dir / geo
    return dataclasses.replace(
        settings,
        landing=home / "sources",
        archive=home / "archive",
        reports=home / "reports",
        warehouse=home / "warehouse.duckdb",
        public=home / "public",
        snapshots="",  # the office queries its own warehouse live
        landing_store="",
        stores={},
    )
