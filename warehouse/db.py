"""The one place that opens the DuckDB warehouse: migrations, the writer lock, read-only access."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Iterator
from pathlib import Path

import duckdb
from filelock import FileLock, Timeout

from contracts.contract import load_contract

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).with_name("migrations")
WRITE_WAIT_SECONDS = 600


class WarehouseBusy(Exception):
    """Another process is writing; the caller should retry shortly."""


class WarehouseError(Exception):
    """A clear, user-facing problem with the warehouse (no traceback needed)."""


def _lock(path: Path) -> FileLock:
    return FileLock(str(path) + ".lock")


@contextlib.contextmanager
def writer(path: Path, wait: float = WRITE_WAIT_SECONDS) -> Iterator[duckdb.DuckDBPyConnection]:
    """The single writer: takes the file lock, migrates, and always closes the connection."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with _lock(path).acquire(timeout=wait):
            con = duckdb.connect(str(path))
            try:
                migrate(con)
                yield con
            finally:
                con.close()
    except Timeout as exc:
        raise WarehouseBusy(f"{path} is being written by another process; retry later") from exc


@contextlib.contextmanager
def reader(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection; a writer at work gives WarehouseBusy, never a raw lock error."""
    if not path.exists():
        raise WarehouseError(f"no warehouse at {path}: ingest some submissions first")
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise WarehouseBusy(f"{path} is being written right now; retry in a moment") from exc
        raise WarehouseError(f"cannot open {path}: {exc}") from exc
    try:
        yield con
    finally:
        con.close()


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply numbered migrations not yet recorded, each in its own transaction."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        "version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
    )
    done = {v for (v,) in con.execute("SELECT version FROM schema_version").fetchall()}
    applied = []
    for sql_file in sorted(MIGRATIONS.glob("[0-9][0-9][0-9]_*.sql")):
        version = int(sql_file.name[:3])
        if version in done:
            continue
        con.execute("BEGIN")
        con.execute(sql_file.read_text(encoding="utf-8"))
        con.execute(
            "INSERT INTO schema_version VALUES (?, ?, ?)", [version, sql_file.name, dt.datetime.now(dt.UTC)]
        )
        con.execute("COMMIT")
        applied.append(sql_file.name)
        log.info("applied migration %s", sql_file.name)
    _register_code_lists(con)
    return applied


def _register_code_lists(con: duckdb.DuckDBPyConnection) -> None:
    contract = load_contract()
    rows = [
        (name, code, label, contract.version)
        for name, codes in contract.code_lists.items()
        for code, label in codes.items()
    ]
    con.executemany("INSERT OR IGNORE INTO code_list VALUES (?, ?, ?, ?)", rows)


def register_deadline(con: duckdb.DuckDBPyConnection, year: int, deadline: dt.date) -> None:
    """Record the configured deadline of a year, once per change (append-only)."""
    current = con.execute(
        "SELECT arg_max(deadline, set_at) FROM reporting_deadline WHERE time_period = ?", [year]
    ).fetchone()[0]
    if current != deadline:
        con.execute(
            "INSERT INTO reporting_deadline VALUES (?, ?, ?)", [year, deadline, dt.datetime.now(dt.UTC)]
        )


def audit(
    con: duckdb.DuckDBPyConnection,
    actor: str,
    action: str,
    obj: str,
    detail: str | None = None,
    at: dt.datetime | None = None,
) -> None:
    con.execute(
        "INSERT INTO audit_log (logged_at, actor, action, object, detail) VALUES (?, ?, ?, ?, ?)",
        [at or dt.datetime.now(dt.UTC), actor, action, obj, detail],
    )
