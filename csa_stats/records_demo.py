"""Seeded, realistic record-level sources of one state (reports, children identified,
convictions) at any size, generated inside DuckDB so that 50 million rows take seconds.

Pseudo-random draws are hashes of (row, seed, salt): the same seed gives the same records.
Realism built in: the same case reported by several providers and re-reported months later
(cases that cross years), provider reports without a service type, children identified twice
and with missing sex or identified by other means (no case), convictions one to three years
after the report (some without the case), appealed (non-final)
convictions of which some become final later.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb

from contracts.contract import load_contract
from contracts.ddl import sql_text
from contracts.records import load_records_contract
from transforms.records import DECLARATION

PROVIDERS = ["Meta Platforms Ireland", "Google Ireland", "Microsoft Ireland", "Snap", "Discord",
             "X Internet Unlimited", "Telegram", "Other provider"]  # fmt: skip
ORGANISATIONS = ["National hotline", "INHOPE member hotline", "Child protection NGO"]
OFFENCES = ["CSAM_POSSESSION", "CSAM_DISTRIBUTION", "SOLICITATION", "SEXUAL_EXTORTION"]


def _u(seed: int, salt: int, row: str = "i") -> str:
    """A uniform draw in [0, 1) for each row."""
    return f"((hash({row}, {seed}, {salt}) % 1000000) / 1000000.0)"


def _pick(options: list[str], draw: str, skew: int = 1) -> str:
    """One of `options` by a uniform draw; skew > 1 favours the first ones."""
    items = ", ".join(sql_text(o) for o in options)
    return f"[{items}][1 + CAST(floor(pow({draw}, {skew}) * {len(options)}) AS INTEGER)]"


def _views(n: int, geo: str, seed: int, first: dt.date, last: dt.date) -> list[str]:
    span = (last - first).days + 1
    near = max(n // 1500, 3)  # about a day of reports: several providers report the same material
    far = max(n // 8, 1)  # months later: a re-report, often in another year
    case = (
        f"CASE WHEN {_u(seed, 4)} < 0.22 THEN greatest(i - 1 - hash(i, {seed}, 5) % {near}, 0) "
        f"WHEN {_u(seed, 4)} < 0.25 THEN greatest(i - {far} - hash(i, {seed}, 6) % {far}, 0) ELSE i END"
    )
    service = (
        f"CASE WHEN {_u(seed, 3)} < 0.04 THEN NULL WHEN {_u(seed, 3)} < 0.66 THEN 'MESSAGING' "
        f"WHEN {_u(seed, 3)} < 0.86 THEN 'EMAIL' WHEN {_u(seed, 3)} < 0.89 THEN 'VOIP' "
        f"WHEN {_u(seed, 3)} < 0.95 THEN 'OTHER' ELSE 'UNKNOWN' END"
    )
    pio = f"{_u(seed, 1)} < 0.12"
    reports = f"""CREATE VIEW gen_report AS SELECT
        i, '{geo}R' || i AS report_id,
        DATE '{first}' + CAST(i * {span} // {n} AS INTEGER) AS received_date,
        CASE WHEN {pio} THEN 'PIO' ELSE 'PROVIDER' END AS reporter_type,
        CASE WHEN {pio} THEN {_pick(ORGANISATIONS, _u(seed, 2))}
             ELSE {_pick(PROVIDERS, _u(seed, 2), skew=2)} END AS reporting_organisation,
        {service} AS service_type,
        '{geo}C' || ({case}) AS case_key
        FROM range({n}) t(i)"""
    # Every ~45th report identifies a child; ~10% of them are identified again later, when a
    # missing or unknown sex is often completed.
    first_sex = (
        f"CASE WHEN {_u(seed, 11)} < 0.08 THEN NULL WHEN {_u(seed, 11)} < 0.11 THEN 'U' "
        f"WHEN {_u(seed, 11)} < 0.70 THEN 'F' ELSE 'M' END"
    )
    # ~8% of children are identified by other means (no report's case: not in 8(b)).
    linked_child = f"CASE WHEN {_u(seed, 17)} < 0.08 THEN NULL ELSE case_key END"
    children = f"""CREATE VIEW gen_child AS
        WITH found AS (
            SELECT i, '{geo}K' || i AS child_id, {first_sex} AS sex, {linked_child} AS case_key,
                   received_date + CAST(hash(i, {seed}, 12) % 180 AS INTEGER) AS identification_date
            FROM gen_report WHERE hash(i, {seed}, 10) % 45 = 0),
        again AS (
            SELECT i, child_id,
                   CASE WHEN sex IS NULL OR sex = 'U' THEN {_pick(["F", "M"], _u(seed, 14))}
                        WHEN {_u(seed, 15)} < 0.4 THEN NULL ELSE sex END AS sex,
                   case_key, identification_date + CAST(30 + hash(i, {seed}, 16) % 400 AS INTEGER)
            FROM found WHERE {_u(seed, 13)} < 0.10)
        SELECT child_id, sex, identification_date, case_key FROM (
            SELECT * FROM found UNION ALL SELECT * FROM again)
        WHERE identification_date <= DATE '{last}'"""
    # Every ~60th report leads to a first-instance judgment 6 to 30 months later; 15% are
    # appealed (not final), 60% of those become final some months after; 5% of the
    # perpetrators are convicted of a second offence the same day.
    # Court records carry the case of the report for ~70% of the judgments.
    linked_conviction = f"CASE WHEN {_u(seed, 27)} < 0.3 THEN NULL ELSE case_key END"
    convictions = f"""CREATE VIEW gen_conviction AS
        WITH judged AS (
            SELECT i, '{geo}P' || i AS perpetrator_id, {linked_conviction} AS case_key,
                   received_date + CAST(180 + hash(i, {seed}, 21) % 730 AS INTEGER) AS conviction_date,
                   {_u(seed, 22)} >= 0.15 AS final, {_pick(OFFENCES, _u(seed, 23), skew=2)} AS offence_code
            FROM gen_report WHERE hash(i, {seed}, 20) % 60 = 0),
        appeal_decided AS (
            SELECT i, perpetrator_id, case_key,
                   conviction_date + CAST(120 + hash(i, {seed}, 24) % 240 AS INTEGER), true, offence_code
            FROM judged WHERE NOT final AND {_u(seed, 25)} < 0.6),
        second_offence AS (
            SELECT i, perpetrator_id, case_key, conviction_date, final, 'CSAM_DISTRIBUTION'
            FROM judged WHERE offence_code <> 'CSAM_DISTRIBUTION' AND {_u(seed, 26)} < 0.05)
        SELECT perpetrator_id, conviction_date, final, offence_code, case_key FROM (
            SELECT * FROM judged UNION ALL SELECT * FROM appeal_decided
            UNION ALL SELECT * FROM second_offence)
        WHERE conviction_date <= DATE '{last}'"""
    return [reports, children, convictions]


def generate_records(
    out_dir: Path,
    records: int,
    geo: str = "AT",
    seed: int = 2021,
    fmt: str = "parquet",
    last_year: int = 2024,
    threads: int | None = None,
) -> list[Path]:
    """Write reports, children and convictions files (+ the office's declaration) into out_dir."""
    if fmt not in ("parquet", "csv"):
        raise ValueError(f"unknown format {fmt!r}; expected parquet or csv")
    if records < 1:
        raise ValueError("--records must be at least 1")
    contract = load_records_contract()
    # Records start with the first legal basis (Article 8 reporting starts there).
    first = min(b.valid_from for b in load_contract().legal_bases)
    last = dt.date(last_year, 12, 31)
    out_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    if hasattr(out_dir, "fs"):  # an object store (UPath): DuckDB writes there through fsspec
        con.register_filesystem(out_dir.fs)
    written = []
    try:
        con.execute("SET enable_progress_bar = false")
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        for sql in _views(records, geo, seed, first, last):
            con.execute(sql)
        options = "FORMAT parquet, COMPRESSION zstd" if fmt == "parquet" else "FORMAT csv, HEADER true"
        for table in contract.tables.values():
            target = out_dir / f"{table.file_stem}.{fmt}"
            columns = ", ".join(f'"{c}"' for c in table.columns)
            con.execute(f"COPY (SELECT {columns} FROM gen_{table.name}) TO '{target}' ({options})")
            written.append(target)
    finally:
        con.close()
    declaration = out_dir / DECLARATION
    declaration.write_text(
        json.dumps(
            {
                "reporting_authority": f"National statistics office ({geo}), demo",
                "contact": f"article8@statistics.{geo.lower()}.example",
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    return [*written, declaration]
