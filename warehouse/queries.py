"""The warehouse's named queries: release inputs, the tracker, the summary, what the steps of the
pipelines read and record, and analyst queries."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import duckdb

from contracts.contract import load_contract
from contracts.vocabulary import SubmissionStatus, TrackerStatus
from warehouse import db

SUBMISSION_FIELDS = (
    "geo",
    "submission_id",
    "revision",
    "received_at",
    "national_definitions",
    "reporting_authority",
    "ref_period_start",
    "ref_period_end",
    "legal_basis",
)


UNPUBLISHED_METADATA = ("contact",)  # a contact point's address: kept, never published


def _declared(submission: dict) -> dict:
    """A current_submission row with every metadata field it declared (the typed columns win)."""
    declared = json.loads(submission.pop("metadata", None) or "{}")
    return {**declared, **submission}


def _dicts(cursor: duckdb.DuckDBPyConnection) -> list[dict]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def release_input(
    con: duckdb.DuckDBPyConnection, year: int, geo: str | None = None
) -> tuple[list[dict], list[dict]]:
    """Current accepted figures of a year (optionally one state) and their submissions."""
    columns = load_contract().columns
    where, params = "time_period = ?", [year]
    if geo:
        where, params = where + " AND geo = ?", [year, geo]
    rows = _dicts(
        con.execute(
            f"SELECT {', '.join(columns)}, submission_id FROM current_observation WHERE {where} "
            "ORDER BY geo, indicator, sex, reporter, service",
            params,
        )
    )
    subs = _dicts(
        con.execute(
            f"SELECT {', '.join(SUBMISSION_FIELDS)}, metadata FROM current_submission "
            f"WHERE {where} ORDER BY geo",
            params,
        )
    )
    subs = [
        {k: v for k, v in _declared(s).items() if k not in UNPUBLISHED_METADATA and k != "time_period"}
        for s in subs
    ]
    for s in subs:
        s["received_at"] = s["received_at"].isoformat()
        for k in ("ref_period_start", "ref_period_end"):
            s[k] = s[k].isoformat() if s[k] else None
    return rows, subs


def years(con: duckdb.DuckDBPyConnection) -> list[int]:
    return [
        y for (y,) in con.execute("SELECT DISTINCT time_period FROM current_submission ORDER BY 1").fetchall()
    ]


def tracker(
    con: duckdb.DuckDBPyConnection, year: int | None = None, deadline: dt.date | None = None
) -> list[dict]:
    """Submitted, late or missing per state and year. A year nothing has arrived for has no
    recorded deadline yet: with the configured `deadline` every state is missing or not yet due."""
    where = "WHERE time_period = ?" if year else ""
    rows = _dicts(
        con.execute(
            "SELECT geo, time_period, deadline, status, legal_bases, first_received_at, current_revision, "
            "submissions "
            f"FROM submission_tracker {where} ORDER BY time_period, geo",
            [year] if year else [],
        )
    )
    for row in rows:
        row["deadlines"] = act_deadlines(row["time_period"])
    if rows or not (year and deadline):
        return rows
    bases = ", ".join(b.code for b in load_contract().legal_bases if b.covers_year(year))
    status = TrackerStatus.MISSING if dt.date.today() > deadline else TrackerStatus.NOT_YET_DUE
    status = status if bases else TrackerStatus.NOT_DUE  # no legal basis covers any day of the year
    geos = con.execute("SELECT DISTINCT code FROM code_list WHERE list = 'geo' ORDER BY 1").fetchall()
    return [
        {
            "geo": geo,
            "time_period": year,
            "deadline": deadline,
            "status": status,
            "legal_bases": bases or None,
            "first_received_at": None,
            "current_revision": None,
            "submissions": 0,
            "deadlines": act_deadlines(year),
        }
        for (geo,) in geos
    ]


def act_deadlines(year: int) -> str | None:
    """Each act `year` is due under and its deadline ('32024R1307 2027-08-03, ...'), the ones
    whose deadline the Official Journal text has not confirmed marked so."""
    due = load_contract().deadlines(year)
    return ", ".join(f"{b.code} {d}{' (to confirm)' if b.to_confirm else ''}" for b, d in due) or None


def summary(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Per state and year: tracker status, current revision and the key Article 8 figures."""
    key_figures = load_contract().key_figures
    picks = ", ".join(
        f"max(obs_value) FILTER (WHERE indicator = '{k[0]}' AND sex = '{k[1]}' "
        f"AND reporter = '{k[2]}' AND service = '{k[3]}') AS {name}"
        for name, k in key_figures.items()
    )
    return _dicts(
        con.execute(f"""
        WITH figures AS (SELECT geo, time_period, {picks} FROM current_observation GROUP BY 1, 2)
        SELECT t.geo, t.time_period, t.status, t.current_revision AS revision,
               {", ".join("f." + n for n in key_figures)}
        FROM submission_tracker t LEFT JOIN figures f USING (geo, time_period)
        ORDER BY t.geo, t.time_period""")
    )


def received(con: duckdb.DuckDBPyConnection) -> set[tuple[str | None, str, str | None]]:
    """Every received file as (state it is registered under, SHA-256 of the file, SHA-256 of its
    metadata side file or None): the same bytes from another state's prefix are a new arrival."""
    return set(con.execute("SELECT geo, sha256, metadata_sha256 FROM submission").fetchall())


def verdicts(con: duckdb.DuckDBPyConnection, submission_ids: list[str]) -> list[list[dict]]:
    """For each submission, it and the others of its state and year: status, file, when received
    and decided (the audit log's accept or reject), errors and report; one row each, oldest first.
    One query for a whole batch."""
    rows = _dicts(
        con.execute(
            "WITH asked AS (SELECT DISTINCT geo, time_period FROM submission "
            "  WHERE submission_id IN (SELECT unnest($1))) "
            "SELECT s.submission_id, s.geo, s.time_period, s.revision, s.status, s.sha256, "
            "r.original_name AS file, s.received_at, d.decided_at, s.errors, s.warnings, s.report "
            "FROM submission_status s JOIN raw_file r USING (sha256) LEFT JOIN ("
            "  SELECT object AS submission_id, max(logged_at) AS decided_at FROM audit_log "
            "  WHERE action IN ('accept', 'reject') GROUP BY object) d USING (submission_id) "
            "WHERE (s.geo, s.time_period) IN (SELECT (geo, time_period) FROM asked) "
            "  OR s.submission_id IN (SELECT unnest($1)) "
            "ORDER BY s.received_at, s.submission_id",
            [list(submission_ids)],
        )
    )
    by_key: dict[tuple, list[dict]] = {}
    for row in rows:
        by_key.setdefault((row["geo"], row["time_period"]), []).append(row)
    return list(by_key.values())


def figures_of_year(con: duckdb.DuckDBPyConnection, year: int):
    """The current figures of a year as a DataFrame with the contract's columns."""
    columns = ", ".join(load_contract().columns)
    return con.execute(f"SELECT {columns} FROM current_observation WHERE time_period = ?", [year]).df()


def current_submission(con: duckdb.DuckDBPyConnection, geo: str, year: int) -> tuple[dict, list[dict]]:
    """The current submission of a state and year, and its observations with the contract's columns."""
    (current,) = _dicts(
        con.execute("SELECT * FROM current_submission WHERE geo = ? AND time_period = ?", [geo, year])
    )[:1]
    current = _declared(current)
    columns = load_contract().columns
    rows = con.execute(
        f"SELECT {', '.join(columns)} FROM observation WHERE submission_id = ?", [current["submission_id"]]
    ).fetchall()
    return current, [dict(zip(columns, r, strict=True)) for r in rows]


def audited_objects(con: duckdb.DuckDBPyConnection, action: str) -> set[str]:
    """The objects the audit log records an action on."""
    return {o for (o,) in con.execute("SELECT object FROM audit_log WHERE action = ?", [action]).fetchall()}


def record_sources(con: duckdb.DuckDBPyConnection, rows: list[list]) -> None:
    """Keep the manifest of record-level files an aggregate was counted from."""
    con.executemany("INSERT INTO record_source VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def record_counted(con: duckdb.DuckDBPyConnection, sha256: str) -> bool:
    """Whether a record-level file (by content) went into an aggregate."""
    return con.execute("SELECT count(*) > 0 FROM record_source WHERE sha256 = ?", [sha256]).fetchone()[0]


class QueryRefused(Exception):
    """The query is not one read-only statement, or the warehouse rejected it (bad SQL)."""


READ_ONLY = (
    "the warehouse is read-only for queries: exactly one SELECT, WITH ... SELECT, DESCRIBE, SHOW, "
    "SUMMARIZE or EXPLAIN (of such a query) is allowed"
)
_EXPLAIN = re.compile(r"^\s*explain\s+(analy[sz]e\s+)?(\([^)]*\)\s*)?", re.I)
# The query connection touches no file but the warehouse: no spilling to a temp directory (the
# one place external access otherwise still allows), no extension download, settings locked.
SANDBOX = (
    "SET temp_directory = ''",
    "SET autoinstall_known_extensions = false",
    "SET autoload_known_extensions = false",
    "SET enable_progress_bar = false",
    "SET enable_external_access = false",
    "SET lock_configuration = true",
)


def read_only_statement(sql: str) -> str:
    """The one read-only statement in `sql`, found by DuckDB's own parser; anything else refused."""
    statements = _parse(sql)
    if len(statements) != 1:
        raise QueryRefused(f"{READ_ONLY}; got {len(statements)} statements")
    statement, kind = statements[0], _kind(statements[0])
    if kind == "EXPLAIN":
        explained = _parse(_EXPLAIN.sub("", _without_leading_comments(statement.query), count=1))
        if len(explained) != 1 or _kind(explained[0]) != "SELECT":
            raise QueryRefused(f"{READ_ONLY}; EXPLAIN is allowed for a query only")
    elif kind != "SELECT":
        raise QueryRefused(f"{READ_ONLY}; got {kind}")
    return statement.query


def _parse(sql: str) -> list:
    try:
        return duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryRefused(f"query failed: {exc}") from exc


def _kind(statement) -> str:
    try:
        return statement.type.name
    except ValueError:  # a statement type this DuckDB's Python API cannot name (UPDATE EXTENSIONS)
        return "an unnamed statement type"


def _without_leading_comments(sql: str) -> str:
    return re.sub(r"^(\s*(--[^\n]*(\n|$)|/\*.*?\*/))*", "", sql, flags=re.S)


def run_query(path: Path, sql: str) -> tuple[list[str], list[tuple]]:
    """An analyst's query: one read-only statement on a read-only connection that cannot
    write, attach or read any file."""
    statement = read_only_statement(sql)
    with db.reader(path) as con:
        for setting in SANDBOX:
            con.execute(setting)
        try:
            cursor = con.execute(statement)
        except duckdb.Error as exc:
            raise QueryRefused(f"query failed: {exc}") from exc
        if cursor.description is None:
            return [], []
        return [d[0] for d in cursor.description], cursor.fetchall()


# --- what the loader reads and stores --------------------------------------------------------


def first_received(con: duckdb.DuckDBPyConnection, digest: str) -> dt.datetime | None:
    """When a content was first archived, if ever."""
    known = con.execute("SELECT first_received_at FROM raw_file WHERE sha256 = ?", [digest]).fetchone()
    return known[0] if known else None


def received_as(con: duckdb.DuckDBPyConnection, digest: str, meta_digest: str | None, sender: str | None):
    """The submission these bytes were received as (from the same sender), or None: a file
    rejected in a wrong prefix does not block the same bytes arriving from the state whose
    figures they are."""
    found = con.execute(
        "SELECT submission_id FROM submission WHERE sha256 = ? AND metadata_sha256 IS NOT DISTINCT FROM ? "
        "AND (? IS NULL OR geo = ?)",
        [digest, meta_digest, sender, sender],
    ).fetchone()
    return found[0] if found else None


def stored_report(con: duckdb.DuckDBPyConnection, sid: str) -> dict:
    (stored,) = con.execute("SELECT report FROM submission WHERE submission_id = ?", [sid]).fetchone()
    return json.loads(stored)


def accepted_revisions(con: duckdb.DuckDBPyConnection, geo: str, year: int) -> list[tuple]:
    """(revision, SHA-256, side file's SHA-256) of a state's accepted submissions of a year."""
    return con.execute(
        "SELECT revision, sha256, metadata_sha256 FROM submission "
        "WHERE geo = ? AND time_period = ? AND status = ? ORDER BY received_at",
        [geo, year, SubmissionStatus.ACCEPTED],
    ).fetchall()


def state_figures(con: duckdb.DuckDBPyConnection, geo: str) -> list[tuple]:
    """A state's current figures of every year: (year, series dimensions..., obs_value, and the
    reference period of their submission); by the submission's geo, which is its rows' (else
    L0_GEO_MISMATCH): current_observation joined back to submission cost twice as much."""
    dims = load_contract().series_dimensions
    return con.execute(
        f"SELECT o.time_period, {', '.join('o.' + d for d in dims)}, o.obs_value, "
        "s.ref_period_start, s.ref_period_end FROM current_submission s "
        "JOIN observation o USING (submission_id) WHERE s.geo = ?",
        [geo],
    ).fetchall()


def insert_raw(con, digest: str, name: str, size: int, stored: Path, received_at: dt.datetime) -> None:
    """A raw file, unless its content is held already (an index lookup: INSERT OR IGNORE cost 3x)."""
    con.execute(
        "INSERT INTO raw_file SELECT ?, ?, ?, ?, ? WHERE NOT EXISTS (FROM raw_file WHERE sha256 = ?)",
        [digest, name, size, str(stored), received_at, digest],
    )


def insert_submission(con: duckdb.DuckDBPyConnection, values: list) -> None:
    """One submission row, its values in the table's column order."""
    con.execute(f"INSERT INTO submission VALUES ({', '.join('?' * len(values))})", values)


def insert_observations(con: duckdb.DuckDBPyConnection, sid: str, rows: list[dict]) -> None:
    """One statement binding one list per column, unnested (a parameter per value cost 3x)."""
    fields = load_contract().observation_fields
    if not rows:
        return
    columns = ", ".join(f.name for f in fields)
    lists = ", ".join(f"unnest(?::{f.physical_type}[])" for f in fields)
    values = [[row.get(f.name) for row in rows] for f in fields]
    con.execute(f"INSERT INTO observation (submission_id, {columns}) SELECT ?, {lists}", [sid, *values])
