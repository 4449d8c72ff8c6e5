"""The one place that opens the DuckDB warehouse: migrations, views, the writer lock, read-only access.

Migrations (warehouse/migrations/NNN_*.sql) hold tables only and are applied once. Views
(warehouse/views/*.sql, one per view, numbered so a view follows those it reads) are created by
a writer in the file when their SQL changed (its digest is kept in view_digest), and by a reader
as temporary views of its own connection on every open, so a warehouse gets new or changed views
without a write.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import re
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
from filelock import FileLock, Timeout

from contracts import vocabulary
from contracts.contract import load_contract
from warehouse import snapshot

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).with_name("migrations")
VIEWS = Path(__file__).with_name("views")
PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")  # a contract code in a view file: {{eu_aggregate}}
# 001 and 002 lost their views (now in views/) after warehouses had applied them; their earlier
# text stays accepted, since 004 drops what it created.
EARLIER_DIGESTS = {
    1: "849320eb0ef14a2861f3eb29405536bb6e19907bb7362b6ba0bd7b0f1a8ed195",
    2: "87bd7f39e24b3fa59333a235d2f4d991b4b8f111725972ad370c62fb33f49708",
}
WRITE_WAIT_SECONDS = 600
SNAPSHOT_EVERY = 5.0  # seconds: a long batch publishes an analyst snapshot at most this often


class WarehouseBusy(Exception):
    """Another process is writing; the caller should retry shortly."""


class WarehouseError(Exception):
    """A clear, user-facing problem with the warehouse (no traceback needed)."""


class WarehouseNotMigrated(WarehouseError):
    """Its tables predate the views: an old warehouse, or a new one killed in its first open."""


def _lock(path: Path) -> FileLock:
    return FileLock(str(path) + ".lock")


@contextlib.contextmanager
def writer(
    path: Path, wait: float = WRITE_WAIT_SECONDS, snapshots: str = "", keep: int = 10
) -> Iterator[duckdb.DuckDBPyConnection]:
    """The single writer: takes the file lock, migrates, and always closes the connection.

    With a snapshot location, a write that ends without an error publishes a read-only snapshot
    of the closed file before the lock is released (see warehouse/snapshot.py).
    """
    with session(path, wait, snapshots, keep) as batch:
        yield batch.con


class Session:
    """The writer's connection over a batch of writes, each committed on its own: after a
    commit, `committed()` publishes a snapshot when `every` seconds have passed since the last,
    so analysts see a long batch progress while it costs one copy every few seconds, not one per
    file; the end of the session publishes the rest."""

    def __init__(self, path: Path, con: duckdb.DuckDBPyConnection, snapshots: str, keep: int, every: float):
        self.path, self.con, self.snapshots, self.keep, self.every = path, con, snapshots, keep, every
        self._last, self.published = time.monotonic(), False  # published: holds every commit so far

    def committed(self) -> None:
        self.published = False
        if self.snapshots and time.monotonic() - self._last >= self.every:
            self.con.close()  # DuckDB checkpoints on close: the file holds every commit
            snapshot.publish(self.path, self.snapshots, self.keep)
            self.con = _connect_for_writing(self.path, time.monotonic() + WRITE_WAIT_SECONDS)
            self._last, self.published = time.monotonic(), True


@contextlib.contextmanager
def session(
    path: Path,
    wait: float = WRITE_WAIT_SECONDS,
    snapshots: str = "",
    keep: int = 10,
    every: float = SNAPSHOT_EVERY,
) -> Iterator[Session]:
    """One writer session for a batch: the lock taken, the migrations checked and the views
    created (when changed) once; a snapshot at most every `every` seconds and at the end."""
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait
    try:
        with _lock(path).acquire(timeout=wait):
            batch = Session(path, _connect_for_writing(path, deadline), snapshots, keep, every)
            try:
                migrate(batch.con)
                yield batch
            finally:
                batch.con.close()
            if snapshots and not batch.published:
                snapshot.publish(path, snapshots, keep)
    except Timeout as exc:
        raise WarehouseBusy(f"{path} is being written by another process; retry later") from exc


def _connect_for_writing(path: Path, deadline: float) -> duckdb.DuckDBPyConnection:
    """Open read-write, waiting while a reader (which holds DuckDB's own lock) finishes."""
    while True:
        try:
            return duckdb.connect(str(path))
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise WarehouseError(f"cannot open {path}: {exc}") from exc
            if time.monotonic() > deadline:
                raise WarehouseBusy(f"{path} is being read by another process; retry later") from exc
            time.sleep(0.2)


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
        try:
            create_views(con, temporary=True)
        except duckdb.Error as exc:
            raise WarehouseNotMigrated(
                f"the views of {path} cannot be created over its tables ({exc}): it predates a "
                "migration; open it once for writing (any ingest or release) to migrate it"
            ) from exc
        yield con
    finally:
        con.close()


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply numbered migrations not yet recorded, each in its own transaction; refuse a
    warehouse whose applied migrations were edited since (a change is a new migration)."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        "version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
    )
    con.execute("ALTER TABLE schema_version ADD COLUMN IF NOT EXISTS sha256 VARCHAR")
    done = dict(con.execute("SELECT version, sha256 FROM schema_version").fetchall())
    applied = []
    for sql_file in sorted(MIGRATIONS.glob("[0-9][0-9][0-9]_*.sql")):
        version, sql = int(sql_file.name[:3]), sql_file.read_text(encoding="utf-8")
        digest = hashlib.sha256(sql.encode()).hexdigest()
        if version in done:
            _check_unchanged(con, sql_file.name, version, done[version], digest)
            continue
        con.execute("BEGIN")
        con.execute(sql)
        con.execute(
            "INSERT INTO schema_version VALUES (?, ?, ?, ?)",
            [version, sql_file.name, dt.datetime.now(dt.UTC), digest],
        )
        con.execute("COMMIT")
        applied.append(sql_file.name)
        log.info("applied migration %s", sql_file.name)
    _register_contract(con)
    _create_changed_views(con, force=bool(applied))
    return applied


def _check_unchanged(con, name: str, version: int, recorded: str | None, digest: str) -> None:
    if recorded is None:  # applied before checksums were recorded: record it now
        con.execute("UPDATE schema_version SET sha256 = ? WHERE version = ?", [digest, version])
    elif recorded != digest and recorded != EARLIER_DIGESTS.get(version):
        raise WarehouseError(
            f"migration {name} was edited after it was applied to this warehouse; "
            "restore it and put the change in a new numbered migration"
        )


def _register_contract(con: duckdb.DuckDBPyConnection) -> None:
    """Code lists, series and legal bases of the contract version, in one transaction and each
    row only if it is not there (by its key): a kill at any write leaves all or none of them, and
    a warehouse left half-registered by an earlier version is completed on its next open."""
    contract, version = load_contract(), load_contract().version
    tables = {
        "code_list": [
            (name, code, label, version)
            for name, codes in contract.code_lists.items()
            for code, label in codes.items()
        ],
        "series": [(code, *key, point, label, version) for code, key, point, label in series_columns()],
        "legal_basis": [(b.code, b.valid_from, b.valid_to, version) for b in contract.legal_bases],
    }
    counts = " UNION ALL ".join(
        f"SELECT '{t}', count(*) FROM {t} WHERE contract_version = $v" for t in tables
    )
    have = dict(con.execute(counts, {"v": version}).fetchall())
    if all(have[t] >= len(rows) for t, rows in tables.items()):
        return  # registered: an open that has nothing to add writes nothing
    con.execute("BEGIN")
    for table, rows in tables.items():
        marks = ", ".join("?" * len(rows[0]))
        con.executemany(f"INSERT OR IGNORE INTO {table} VALUES ({marks})", rows)
    con.execute("COMMIT")


def _create_changed_views(con: duckdb.DuckDBPyConnection, force: bool) -> None:
    """Create the views when their SQL differs from what they were last created from (or a
    migration just ran, which may drop what they read): an open that changes nothing writes
    nothing."""
    statements = view_statements()
    digest = hashlib.sha256("\n".join(statements).encode()).hexdigest()
    if not force and con.execute("SELECT sha256 FROM view_digest").fetchall() == [(digest,)]:
        return
    con.execute("BEGIN")
    create_views(con, statements=statements)
    con.execute("DELETE FROM view_digest")
    con.execute("INSERT INTO view_digest VALUES (?, ?)", [digest, dt.datetime.now(dt.UTC)])
    con.execute("COMMIT")


def create_views(
    con: duckdb.DuckDBPyConnection, temporary: bool = False, statements: list[str] | None = None
) -> None:
    """(Re-)create every view of warehouse/views/ and current_figure_wide, in file order."""
    for sql in statements or view_statements():
        con.execute(
            re.sub(r"CREATE OR REPLACE (VIEW|MACRO)", r"CREATE OR REPLACE TEMP \1", sql) if temporary else sql
        )


def view_statements() -> list[str]:
    """The SQL of every view, its contract codes filled in; current_figure_wide generated last."""
    codes = view_codes()
    statements = []
    for sql_file in sorted(VIEWS.glob("*.sql")):

        def fill(match: re.Match, name: str = sql_file.name) -> str:
            if match[1] not in codes:
                raise WarehouseError(f"{name}: {{{{{match[1]}}}}} is not a contract code a view may use")
            return codes[match[1]]

        statements.append(PLACEHOLDER.sub(fill, sql_file.read_text(encoding="utf-8")))
    comment = (
        "Grain: state x year. Current figures wide: one column per series of the contract "
        f"(series.series_code; generated from contract {load_contract().version}), with the revision."
    )
    statements.append(f"{current_figure_wide_sql()};\nCOMMENT ON VIEW current_figure_wide IS '{comment}';")
    return statements


def view_codes() -> dict[str, str]:
    """The contract's codes the view files name in double braces."""
    contract = load_contract()
    by_sex = next(rule for rule in contract.additivity if "sex" in rule["parts"])
    codes = {
        "eu_aggregate": contract.eu_aggregate,
        "eu_minimum_coverage": str(int(contract.eu_aggregate_rule["minimumCoverage"])),
        "eu_incomplete_status": contract.eu_aggregate_rule["incompleteStatus"],
        "eu_propagated_status": ",".join(contract.eu_aggregate_rule["propagatedStatus"]),
        "missing_status": contract.missing_status,
        "sex_indicator": by_sex["total"]["indicator"],
        "sex_total": by_sex["total"]["sex"],
        "sex_parts": ", ".join(by_sex["parts"]["sex"]),
        "contract_version": contract.version,
        **{f"ref_{r['field']}": str(r["reference"]) for r in contract.reference_definitions},
        **vocabulary.view_codes(),
    }
    if any("'" in code for code in codes.values()):
        raise WarehouseError(f"a contract code for the views holds a quote: {codes}")
    return codes


def series_columns() -> list[tuple[str, tuple[str, ...], str, str]]:
    """(column name, series key, Article 8 point, label) of every series of the contract.

    The name is the indicator followed by its applicable breakdown codes: rep_lea_provider_email.
    """
    contract = load_contract()
    dims = contract.series_dimensions
    columns = []
    for s in contract.series:
        key = contract.series_key(s)
        applies = [(d, c) for d, c in zip(dims, key, strict=True) if c != contract.not_applicable]
        codes = [c for _, c in applies]
        label = " - ".join(contract.code_lists[d][c] for d, c in applies)
        columns.append(("_".join(codes).lower(), key, s["point"], label))
    names = [c[0] for c in columns]
    if len(set(names)) != len(names):
        raise WarehouseError(f"the contract's series give clashing column names: {names}")
    return columns


def current_figure_wide_sql() -> str:
    dims = load_contract().series_dimensions
    picks = ",\n  ".join(
        "max(obs_value) FILTER (WHERE "
        + " AND ".join(f"{d} = '{c}'" for d, c in zip(dims, key, strict=True))
        + f") AS {name}"
        for name, key, _, _ in series_columns()
    )
    return (
        "CREATE OR REPLACE VIEW current_figure_wide AS\n"
        "SELECT geo, time_period, any_value(revision) AS revision,\n"
        "  any_value(submission_id) AS submission_id,\n"
        f"  {picks}\nFROM current_observation GROUP BY geo, time_period"
    )


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
