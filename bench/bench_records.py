"""Benchmark: record-level checks + aggregation against the floor (hand-written exact DuckDB
queries computing the same figures and checks) and pandas + pandera.

    .venv/bin/python bench/bench_records.py            # 1M and 10M report records
    .venv/bin/python bench/bench_records.py 50M        # or any sizes: 200k 1M 10M 50M

For each size it generates seeded records (csa_stats.records_demo, Parquet, 2021-2024) and
runs each step in a fresh subprocess, measuring wall time and the peak resident memory of
that process (os.wait4):
  (a) ours:   transforms.records.run_records - every contract check + the Article 8 table of 2023
  (b) floor:  the floor the owners set: hand-written exact DuckDB queries computing the same
              checks (broken rows per rule, exact duplicate keys, unknown case keys) and the same
              figures, codes written in by hand
  (c) pandas: what a competent pandas user would otherwise write - load the three files into
              pandas, validate them with pandera (same rules: not null, code lists, date
              ranges, unique keys, linked case) and count with vectorised operations only (isin,
              groupby().any(), no Python per group or row). pyarrow is not a dependency, so
              pandas cannot read Parquet itself: the baseline loads through DuckDB (`.df()`),
              which favours it. Skipped above --pandas-max records (memory).
It prints a/b and c/a from the same run and checks that (a), (b) and (c) give the same figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

YEAR, GEO = 2023, "AT"
FILES = {"report": "reports.parquet", "child": "children.parquet", "conviction": "convictions.parquet"}


def size(text: str) -> int:
    text = text.lower()
    factor = {"k": 1_000, "m": 1_000_000}.get(text[-1], 1)
    return int(float(text.rstrip("km")) * factor)


# --- the three steps (each runs in its own process) -------------------------------------------


def step_ours(folder: Path, memory_limit: str, threads: int | None) -> dict:
    from transforms.records import run_records

    run = run_records(folder, GEO, YEAR, memory_limit=memory_limit, threads=threads, manifest=False)
    assert run.valid, run.issues[:5]
    return {"figures": {"/".join(_key(r)): r["obs_value"] for r in run.rows}, "phases": run.seconds}


def step_floor(folder: Path, memory_limit: str, threads: int | None) -> dict:
    """The floor the owners set: one hand-written exact DuckDB query per concern, computing the
    same checks (counts of broken rows per rule, exact duplicate keys, unknown case keys) and
    the same figures as (a), with the codes written in by hand."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute(f"SET memory_limit = '{memory_limit}'")
    if threads:
        con.execute(f"SET threads = {threads}")
    rep, chi, con_ = (f"'{folder / name}'" for name in FILES.values())
    dates = "BETWEEN DATE '2000-01-01' AND current_date"
    broken = {
        "report": con.execute(f"""SELECT
            count(*) FILTER (WHERE report_id IS NULL OR received_date IS NULL OR reporter_type IS NULL
                             OR reporting_organisation IS NULL OR case_key IS NULL),
            count(*) FILTER (WHERE reporter_type NOT IN ('PROVIDER', 'PIO')
                             OR service_type NOT IN ('EMAIL', 'MESSAGING', 'VOIP', 'OTHER', 'UNKNOWN')),
            count(*) FILTER (WHERE received_date NOT {dates}),
            count(*) - count(DISTINCT report_id)
            FROM {rep}""").fetchone(),
        "child": con.execute(f"""SELECT
            count(*) FILTER (WHERE child_id IS NULL OR identification_date IS NULL),
            count(*) FILTER (WHERE sex NOT IN ('F', 'M', 'U')),
            count(*) FILTER (WHERE identification_date NOT {dates}),
            count(*) - count(DISTINCT (child_id, identification_date))
            FROM {chi}""").fetchone(),
        "conviction": con.execute(f"""SELECT
            count(*) FILTER (WHERE perpetrator_id IS NULL OR conviction_date IS NULL OR final IS NULL
                             OR offence_code IS NULL),
            0,  -- no code list
            count(*) FILTER (WHERE conviction_date NOT {dates}),
            count(*) - count(DISTINCT (perpetrator_id, conviction_date, offence_code))
            FROM {con_}""").fetchone(),
        "links": con.execute(f"""SELECT count(*) FROM (
            SELECT case_key FROM {chi} WHERE case_key IS NOT NULL
            UNION ALL SELECT case_key FROM {con_} WHERE case_key IS NOT NULL) k
            ANTI JOIN (SELECT DISTINCT case_key FROM {rep}) r USING (case_key)""").fetchone(),
    }
    assert not any(any(counts) for counts in broken.values()), broken
    year = f"BETWEEN DATE '{YEAR}-01-01' AND DATE '{YEAR}-12-31'"
    rows = con.execute(f"""
    WITH rep AS (
        SELECT reporter_type AS reporter, coalesce(service_type, 'UNKNOWN') AS service, case_key
        FROM {rep} WHERE received_date {year}),
    per_case AS (SELECT count(*) AS reports FROM rep GROUP BY case_key),
    cases AS (SELECT DISTINCT case_key FROM {rep}),
    children AS (
        SELECT min(identification_date) AS first_date,
               coalesce(arg_max(sex, (identification_date, sex)) FILTER (WHERE sex IS NOT NULL), 'U') AS sex
        FROM {chi} GROUP BY child_id
        HAVING bool_or(case_key IN (SELECT case_key FROM cases)))
    SELECT 'REP_LEA', '_Z', coalesce(reporter, 'TOTAL'), coalesce(service, 'TOTAL'), count(*)
    FROM rep GROUP BY GROUPING SETS ((), (reporter), (reporter, service))
    HAVING service IS NULL OR reporter = 'PROVIDER'
    UNION ALL SELECT 'CASE_UNQ', '_Z', 'TOTAL', 'TOTAL', count(*) FROM per_case
    UNION ALL SELECT 'CASE_MULT', '_Z', 'TOTAL', 'TOTAL', count(*) FILTER (WHERE reports >= 2) FROM per_case
    UNION ALL SELECT 'CHILD_IDN', coalesce(sex, 'T'), '_Z', '_Z', count(*)
    FROM children WHERE first_date {year} GROUP BY GROUPING SETS ((), (sex))
    UNION ALL SELECT 'PERP_CNV', '_Z', '_Z', '_Z', count(DISTINCT perpetrator_id)
    FROM {con_} WHERE final AND conviction_date {year}
    UNION ALL SELECT 'PERP_CNV_LNK', '_Z', '_Z', '_Z', count(DISTINCT perpetrator_id)
    FROM {con_} WHERE final AND conviction_date {year}
        AND case_key IN (SELECT case_key FROM cases)""").fetchall()
    con.close()
    return {"figures": {"/".join(key): int(n) for *key, n in rows}}


def step_pandas(folder: Path, memory_limit: str, threads: int | None) -> dict:
    import duckdb
    import pandas as pd
    import pandera.pandas as pa

    reports, children, convictions = (
        duckdb.sql(f"SELECT * FROM '{folder / n}'").df() for n in FILES.values()
    )
    low, high = pd.Timestamp("2000-01-01"), pd.Timestamp.today()
    dates = pa.Check.in_range(low, high)
    report_schema = pa.DataFrameSchema(
        {
            "report_id": pa.Column(str, unique=True),
            "received_date": pa.Column("datetime64[us]", dates),
            "reporter_type": pa.Column(str, pa.Check.isin(["PROVIDER", "PIO"])),
            "reporting_organisation": pa.Column(str),
            "service_type": pa.Column(
                str, pa.Check.isin(["EMAIL", "MESSAGING", "VOIP", "OTHER", "UNKNOWN"]), nullable=True
            ),
            "case_key": pa.Column(str),
        }
    )
    cases = reports["case_key"].unique()
    linked = pa.Check(lambda s: s.isna() | s.isin(cases), element_wise=False)
    child_schema = pa.DataFrameSchema(
        {
            "child_id": pa.Column(str),
            "sex": pa.Column(str, pa.Check.isin(["F", "M", "U"]), nullable=True),
            "identification_date": pa.Column("datetime64[us]", dates),
            "case_key": pa.Column(str, linked, nullable=True),
        },
        unique=["child_id", "identification_date"],
    )
    conviction_schema = pa.DataFrameSchema(
        {
            "perpetrator_id": pa.Column(str),
            "conviction_date": pa.Column("datetime64[us]", dates),
            "final": pa.Column(bool),
            "offence_code": pa.Column(str),
            "case_key": pa.Column(str, linked, nullable=True),
        },
        unique=["perpetrator_id", "conviction_date", "offence_code"],
    )
    for schema, df in ((report_schema, reports), (child_schema, children), (conviction_schema, convictions)):
        schema.validate(df, lazy=True)

    start, end = pd.Timestamp(f"{YEAR}-01-01"), pd.Timestamp(f"{YEAR}-12-31")
    rep = reports[reports["received_date"].between(start, end)].copy()
    rep["service_type"] = rep["service_type"].fillna("UNKNOWN")
    f = {"REP_LEA/_Z/TOTAL/TOTAL": len(rep)}
    for reporter, n in rep.groupby("reporter_type").size().items():
        f[f"REP_LEA/_Z/{reporter}/TOTAL"] = int(n)
    provider = rep[rep["reporter_type"] == "PROVIDER"]
    for service, n in provider.groupby("service_type").size().items():
        f[f"REP_LEA/_Z/PROVIDER/{service}"] = int(n)
    per_case = rep.groupby("case_key").size()
    f["CASE_UNQ/_Z/TOTAL/TOTAL"], f["CASE_MULT/_Z/TOTAL/TOTAL"] = len(per_case), int((per_case >= 2).sum())
    linked_children = children["case_key"].isin(cases).groupby(children["child_id"]).any()
    first = children.groupby("child_id")["identification_date"].min()[linked_children]
    latest_sex = (
        children.dropna(subset=["sex"])
        .sort_values(["identification_date", "sex"])
        .groupby("child_id")["sex"]
        .last()
    )
    counted = first[first.between(start, end)].index
    sexes = latest_sex.reindex(counted).fillna("U")
    f["CHILD_IDN/T/_Z/_Z"] = len(counted)
    for sex in ("F", "M", "U"):
        f[f"CHILD_IDN/{sex}/_Z/_Z"] = int((sexes == sex).sum())
    final = convictions[convictions["final"] & convictions["conviction_date"].between(start, end)]
    f["PERP_CNV/_Z/_Z/_Z"] = int(final["perpetrator_id"].nunique())
    f["PERP_CNV_LNK/_Z/_Z/_Z"] = int(final[final["case_key"].isin(cases)]["perpetrator_id"].nunique())
    return {"figures": f}


def _key(row: dict) -> tuple:
    return row["indicator"], row["sex"], row["reporter"], row["service"]


STEPS = {"ours": step_ours, "floor": step_floor, "pandas": step_pandas}


# --- the driver ---------------------------------------------------------------------------------


def measure(step: str, folder: Path, args) -> dict:
    """Run one step in a fresh process: wall time and that process's peak memory."""
    command = [sys.executable, __file__, "--step", step, "--folder", str(folder)]
    command += ["--memory-limit", args.memory_limit] + (
        ["--threads", str(args.threads)] if args.threads else []
    )
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"step {step} failed on {folder}")
    result = json.loads(out.splitlines()[-1])
    return {**result, "seconds": seconds, "peak_mb": usage.ru_maxrss / 1024}


def machine() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    import duckdb
    import pandas
    import pandera

    return (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, {memory:.0f} GiB RAM, "
        f"Python {platform.python_version()}, DuckDB {duckdb.__version__}, pandas {pandas.__version__}, "
        f"pandera {pandera.__version__}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("sizes", nargs="*", default=["1M", "10M"], help="report records, e.g. 1M 10M 50M")
    parser.add_argument("--workdir", default="/tmp/csa-bench-records", help="where the generated files go")
    parser.add_argument("--memory-limit", default="1GB", help="DuckDB memory limit of (a) and (b)")
    parser.add_argument("--threads", type=int, help="DuckDB threads (default: all cores)")
    parser.add_argument("--pandas-max", default="10M", help="skip pandas + pandera above this many records")
    parser.add_argument("--step", choices=STEPS, help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        print(json.dumps(STEPS[args.step](Path(args.folder), args.memory_limit, args.threads)))
        return

    from csa_stats.records_demo import generate_records

    print(f"machine: {machine()}")
    print(
        "(a) ours, (b) hand-written exact DuckDB (the floor), (c) pandas + pandera; "
        f"DuckDB memory limit {args.memory_limit}"
    )
    header = (
        f"{'records':>10} {'gen s':>7} {'a s':>7} {'a MB':>7} {'b s':>7} {'b MB':>7} {'c s':>8} {'c MB':>7}"
    )
    print(header)
    for text in args.sizes:
        n = size(text)
        folder = Path(args.workdir) / f"records_{n}"
        started = time.perf_counter()
        generated = "reused"
        if not (folder / FILES["report"]).exists():
            generate_records(folder, n, geo=GEO)
            generated = f"{time.perf_counter() - started:.1f}"
        a, b = measure("ours", folder, args), measure("floor", folder, args)
        c = measure("pandas", folder, args) if n <= size(args.pandas_max) else None
        if b["figures"] != a["figures"]:
            raise SystemExit(f"the floor and ours disagree at {n}: {b['figures']} vs {a['figures']}")
        if c and c["figures"] != a["figures"]:
            raise SystemExit(f"pandas and DuckDB disagree at {n}: {c['figures']} vs {a['figures']}")
        c_text = f"{c['seconds']:8.1f} {c['peak_mb']:7.0f}" if c else f"{'skipped':>8} {'':>7}"
        ratios = f"a/b {a['seconds'] / b['seconds']:.2f}"
        ratios += f"  c/a {c['seconds'] / a['seconds']:.1f}" if c else "  c/a n/a (pandas skipped: memory)"
        print(
            f"{n:>10,} {generated:>7} {a['seconds']:7.1f} {a['peak_mb']:7.0f} {b['seconds']:7.1f} "
            f"{b['peak_mb']:7.0f} {c_text}   {ratios}",
            flush=True,
        )
        phases = ", ".join(f"{k} {v:.1f} s" for k, v in a["phases"].items())
        print(f"{'':>10} (a) inside: {phases}; the rest is starting Python and importing", flush=True)
    print(
        "goals: a/b <= 0.8 at 3M and 10M (issue 26), c/a >= 10, peak memory of (a) < 2048 MB at 50M records"
    )


if __name__ == "__main__":
    main()
