"""The contract checks of record-level files, inside DuckDB (the SQL comes from contracts/records.py).

`register` puts views over the files, `check` runs every row-level rule, key and link on them;
a finding names the file, the row and the value, with up to EXAMPLES rows per broken rule.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb

from contracts.ddl import sql_text
from contracts.records import RecordContract
from transforms.report import Issue

EXAMPLES = 20  # rows shown per broken rule; the count says how many there are in all


@dataclass
class RecordFile:
    table: str
    path: Path
    format: str  # parquet | csv
    rows: int | None = None
    sha256: str | None = None
    byte_size: int | None = None


def issue(contract: RecordContract, rule_id: str, file: str, location: str, field=None, value=None, **params):
    rule = contract.rules[rule_id]
    fill = {"field": field, "value": value, **params}
    message = rule.message.format_map(_Blank(fill))
    return Issue(
        rule.id, rule.level, rule.severity, message, file, location, field, value, params.get("expected")
    )


class _Blank(dict):
    def __missing__(self, key):
        return ""


def _list(paths: list[Path]) -> str:
    return "[" + ", ".join(sql_text(str(p)) for p in paths) + "]"


def source(fmt: str, paths: list[Path]) -> str:
    if fmt == "parquet":
        return f"read_parquet({_list(paths)}, filename = true, file_row_number = true)"
    return (
        f"read_csv({_list(paths)}, header = true, all_varchar = true, filename = true, union_by_name = true)"
    )


def register(con, files: list[RecordFile], contract: RecordContract) -> tuple[list[Issue], dict[str, set]]:
    """Create the views raw_<table> (as read) and <table> (contract types) over the files.

    Returns the findings about whole files and, per table, the columns already in contract type.
    """
    issues, typed_columns = [], {}
    for table in contract.tables.values():
        mine, columns = [f for f in files if f.table == table.name], table.columns
        usable, types = [], {}
        for f in mine:
            try:
                described = con.execute(f"DESCRIBE SELECT * FROM {source(f.format, [f.path])}").fetchall()
            except duckdb.Error as exc:
                issues.append(issue(contract, "R0_FILE", f.path.name, "file", table=table.name, detail=exc))
                continue
            have = {name: kind for name, kind, *_ in described}
            missing = [c for c in columns if c not in have]
            if missing:
                detail = f"column(s) {', '.join(missing)} missing"
                issues.append(
                    issue(contract, "R0_FILE", f.path.name, "header", table=table.name, detail=detail)
                )
                continue
            usable.append(f)
            for c in columns:
                types.setdefault(c, set()).add(have[c])
        # A column is typed when every file holds it in the contract's type (Parquet written so).
        typed = {c for c in columns if types.get(c) == {table.field(c).physical_type}}
        cols = ", ".join(f'"{c}"' if c in typed else f'CAST("{c}" AS VARCHAR) AS "{c}"' for c in columns)
        parquet, parts = [f.path for f in usable if f.format == "parquet"], []
        if parquet:
            numbered = "filename, file_row_number + 1 AS row_number"
            parts.append(f"SELECT {numbered}, {cols} FROM {source('parquet', parquet)}")
        parts += [  # CSV has no file_row_number: each file's rows are numbered by their order
            f"SELECT filename, ordinality AS row_number, {cols} "
            f"FROM {source('csv', [f.path])} WITH ORDINALITY"
            for f in usable
            if f.format == "csv"
        ]
        if not parts:  # no usable file: an empty table with the contract's columns
            cols = ", ".join(f'NULL::VARCHAR AS "{c}"' for c in columns)
            parts.append(f"SELECT NULL::VARCHAR AS filename, NULL::BIGINT AS row_number, {cols} WHERE false")
            typed = set()
        con.execute(f"CREATE OR REPLACE VIEW raw_{table.name} AS {' UNION ALL BY NAME '.join(parts)}")
        con.execute(
            f"CREATE OR REPLACE VIEW {table.name} AS "
            f"SELECT filename, row_number, {contract.typed_select(table.name, typed)} FROM raw_{table.name}"
        )
        typed_columns[table.name] = typed
    return issues, typed_columns


def check(con, contract: RecordContract, typed: dict[str, set], today: dt.date | None = None) -> list[Issue]:
    """Every row-level rule, key and link of every table; examples are looked up only on failure.

    Over Parquet each rule is its own query: DuckDB skips the row groups whose statistics show
    the rule cannot fail (no nulls, dates within range), so most rules cost almost nothing.
    Text files (CSV) have no statistics: all their rules share one scan.
    """
    today = today or dt.date.today()
    issues = []
    for table in contract.tables.values():
        checks = contract.checks(table.name, typed[table.name], today)
        if set(typed[table.name]) == set(table.columns):
            broken = [
                con.execute(f"SELECT count(*) FROM raw_{table.name} WHERE {c.predicate}").fetchone()[0]
                for c in checks
            ]
        else:
            counts = ", ".join(f"count(*) FILTER (WHERE {c.predicate})" for c in checks)
            broken = con.execute(f"SELECT {counts} FROM raw_{table.name}").fetchone()
        for c, n in zip(checks, broken, strict=True):
            if n:
                issues += _examples(con, contract, c, n)
        if _hashes_repeat(con, contract, table.name):  # hashes can collide: the exact check confirms
            issues += _duplicates(con, contract, table.name)
    issues += _links(con, contract)
    return issues


def _examples(con, contract, c, count: int) -> list[Issue]:
    rows = con.execute(
        f"SELECT filename, row_number, {c.value} FROM raw_{c.table} WHERE {c.predicate} "
        f"ORDER BY filename, row_number LIMIT {EXAMPLES}"
    ).fetchall()
    found = []
    for filename, row, value in rows:
        found.append(issue(contract, c.rule, Path(filename).name, f"row {row}", c.field, value, **c.params))
    if count > len(rows):
        found[-1].message += f" (and {count - len(rows)} more rows break this rule)"
    return found


def _hashes_repeat(con, contract, table: str) -> bool:
    """Whether two rows of a table have the same hash of their key (then maybe the same key).

    The 64-bit hashes are sorted and compared with their neighbours in numpy: at 10M reports
    0.5 s, where a DuckDB hash table of all keys (count DISTINCT) took 1.6 to 2.7 s.
    """
    import numpy as np

    keys = contract.key_expression(table)
    hashes = con.execute(f"SELECT hash({keys}) AS h FROM raw_{table}").fetchnumpy()["h"]
    hashes.sort()
    return bool(np.any(hashes[1:] == hashes[:-1]))


def _duplicates(con, contract, table: str) -> list[Issue]:
    keys = contract.key_expression(table)
    rows = con.execute(
        f"SELECT concat_ws(' / ', {keys}), count(*), min(filename), list(row_number ORDER BY row_number)[:5] "
        f"FROM raw_{table} GROUP BY {keys} HAVING count(*) > 1 ORDER BY 3, 4 LIMIT {EXAMPLES}"
    ).fetchall()
    key_names = ", ".join(contract.tables[table].primary_key)
    return [
        issue(
            contract,
            "R0_DUPLICATE_KEY",
            Path(file).name,
            "rows " + ", ".join(str(r) for r in numbers),
            key_names,
            value,
            count=n,
        )
        for value, n, file, numbers in rows
    ]


def _links(con, contract: RecordContract) -> list[Issue]:
    """Keys that must exist in another table (a child's case among the reports' cases).

    One scan of the target per target key: the referring keys are few, so they are the hash
    side and the big table only probes them.
    """
    issues, targets = [], {}
    for table, f in contract.references():
        targets.setdefault(f.references, []).append((table, f))
    for (target_table, target), sources in targets.items():
        keys = " UNION ".join(
            f'SELECT "{f.name}" AS k FROM {table.name} WHERE "{f.name}" IS NOT NULL' for table, f in sources
        )
        missing = [
            k
            for (k,) in con.execute(
                f"""WITH keys AS ({keys}),
                found AS (SELECT DISTINCT "{target}" AS k FROM {target_table}
                          WHERE "{target}" IN (SELECT k FROM keys))
                SELECT k FROM keys WHERE k NOT IN (SELECT k FROM found)"""
            ).fetchall()
        ]
        for table, f in sources if missing else []:
            rows = con.execute(
                f'SELECT filename, row_number, "{f.name}" FROM {table.name} '
                f'WHERE "{f.name}" IN (SELECT unnest(?)) ORDER BY filename, row_number LIMIT {EXAMPLES}',
                [missing],
            ).fetchall()
            for filename, row, value in rows:
                issues.append(
                    issue(contract, "R1_LINKED_CASE", Path(filename).name, f"row {row}", f.name, value)
                )
            if len(rows) == EXAMPLES:
                issues[-1].message += " (and maybe more rows with unknown case keys)"
    return issues
