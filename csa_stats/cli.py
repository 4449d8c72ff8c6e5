"""The `csa-stats` command line: every stage, without Airflow."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from csa_stats.settings import get_settings

# Exit codes (documented in README).
OK, WARNINGS, ERRORS, UNREADABLE, UNAVAILABLE, INTERNAL = 0, 1, 2, 3, 4, 5


def _console():
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


def _table(title: str, columns: list[str], rows: list) -> None:
    from rich.table import Table

    table = Table(title=title)
    for c in columns:
        table.add_column(str(c))
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    _console().print(table)


def cmd_demo_data(args) -> int:
    from csa_stats.demo import DEMO_FACTS, generate_demo

    settings = get_settings()
    if args.records:
        return _demo_records(args, settings)
    out = Path(args.out) if args.out else settings.landing
    revisions = Path(args.revisions_to) if args.revisions_to else None
    files = generate_demo(out, seed=args.seed, revisions_dir=revisions)
    submissions = [f for f in files if not f.name.endswith(".meta.json")]
    print(f"wrote {len(submissions)} submissions (+{len(files) - len(submissions)} metadata side files)")
    if revisions:
        print(f"revisions held back in {revisions}, to land after a first release")
    if args.national:
        national = settings.national_dir / args.national / "sources"
        written = generate_demo(national, seed=args.seed, geos=[args.national])
        print(
            f"wrote {len(written) // 2 if written else 0} national sources of {args.national} to {national}"
        )
    print(
        f"demo facts: late {DEMO_FACTS.late}, revised {DEMO_FACTS.revised}, "
        f"no breakdown {DEMO_FACTS.missing_breakdown}"
    )
    return OK


def _demo_records(args, settings) -> int:
    from csa_stats import jobs
    from csa_stats.records_demo import generate_records

    out = Path(args.out) if args.out else jobs.national_records_dir(args.geo, settings)
    files = generate_records(out, args.records, geo=args.geo, seed=args.seed, fmt=args.format)
    print(f"wrote record-level sources of {args.geo} ({args.records} reports, 2021 to 2024) to {out}:")
    for f in files:
        print(f"  {f.name}")
    return OK


def cmd_aggregate(args) -> int:
    from csa_stats import jobs

    try:
        path = jobs.national_aggregate(args.geo, args.year, memory_limit=args.memory_limit)
    except ValueError as exc:  # RecordsInvalid, or a year no legal basis covers
        print(f"REJECTED: {exc}", file=sys.stderr)
        return ERRORS
    if path is None:
        print(
            f"no record-level files of {args.geo} {args.year} in {jobs.national_records_dir(args.geo)}",
            file=sys.stderr,
        )
        return UNREADABLE
    print(f"{args.geo} {args.year}: aggregate submission {path}")
    return OK


def cmd_retention(args) -> int:
    from csa_stats import jobs

    days = get_settings().record_retention_days if args.days is None else args.days
    deleted = jobs.record_retention(days, dry_run=args.dry_run)
    verb = "would delete" if args.dry_run else "deleted"
    for d in deleted:
        print(f"{verb} {d['file']} (landed {d['landed_at']}, sha256 {d['sha256']})")
    print(f"{verb} {len(deleted)} record-level files older than {days} days")
    return OK


def cmd_template(args) -> int:
    from contracts.template import build_template

    print(f"template written to {build_template(Path(args.out))}")
    return OK


def cmd_contract(args) -> int:
    from contracts.contract import load_contract
    from contracts.export import export_contract

    written = export_contract(Path(args.out))
    print(f"contract {load_contract().version}: wrote {len(written)} files to {args.out}")
    for path in written:
        print(f"  {path.name}")
    return OK


def _openpyxl_without_numpy() -> None:
    """openpyxl imports numpy (0.2 s) only to recognise numpy numbers when writing; reading a
    workbook does without. Hide numpy while openpyxl loads; anything later may import it."""
    if "numpy" in sys.modules or "openpyxl" in sys.modules:
        return
    sys.modules["numpy"] = None  # makes `import numpy` fail
    try:
        import openpyxl  # noqa: F401
    finally:
        del sys.modules["numpy"]


def cmd_validate(args) -> int:
    if not args.data_docs:
        _openpyxl_without_numpy()
    from transforms.readers import read_submission
    from transforms.safety import safe_name
    from transforms.validation import validate, validation_event, write_report

    settings = get_settings()
    reports, code = [], OK
    for name in args.files:
        submission = read_submission(Path(name))
        report = validate(submission, yoy_band=settings.yoy_band)
        report.event = validation_event("validate", os.environ.get("USER", "csa-stats"))
        reports.append(report)
        if args.report_dir:
            rows = submission.rows() if args.data_docs else None
            write_report(report, Path(args.report_dir), safe_name(Path(name).stem), rows)
        if not report.readable:
            code = max(code, UNREADABLE)
        elif not report.valid:
            code = max(code, ERRORS)
        elif args.strict and report.count("warning"):
            code = max(code, WARNINGS)
    if args.json:
        print(json.dumps([r.to_dict() for r in reports], indent=2, default=str, ensure_ascii=False))
    else:
        for r in reports:
            _print_report(r)
    return code


def _print_report(report) -> None:
    verdict = "VALID" if report.valid else ("UNREADABLE" if not report.readable else "REJECTED")
    print(
        f"{report.file}: {verdict} ({report.count('error')} errors, "
        f"{report.count('warning')} warnings, {report.count('information')} notes; "
        f"contract {report.contract_version})"
    )
    for i in report.issues:
        value = "" if i.value is None else f" [value: {i.value}]"
        print(f"  {i.severity:<11} {i.rule:<24} {i.location}: {i.message}{value}")


def cmd_ingest(args) -> int:
    from csa_stats import jobs

    paths: list[Path] = []
    for name in args.paths:
        p = Path(name)
        paths += jobs.landed_files(p) if p.is_dir() else [p]
    code = OK
    rows = []
    for p in paths:
        if not p.is_file():
            print(f"{p}: no such file", file=sys.stderr)
            code = max(code, UNREADABLE)
            continue
        result = jobs.ingest(str(p), actor=args.actor)
        rows.append(
            [result["file"], result["submission_id"], result["status"], result["errors"], result["warnings"]]
        )
        if result["status"] == "rejected":
            code = max(code, ERRORS)
    _table("Ingested", ["file", "submission", "status", "errors", "warnings"], rows)
    return code


def cmd_release(args) -> int:
    from csa_stats import jobs

    years = jobs.release_years() if args.year is None else [args.year]
    for year in years:
        r = jobs.release(year, geo=args.geo, dry_run=args.dry_run)
        if args.dry_run:
            if r.get("would_publish"):
                print(
                    f"{year}: would publish v{r['would_publish']}, {r['changes']} figures changed (dry run)"
                )
            else:
                print(f"{year}: nothing new (dry run, nothing written)")
            for line in r.get("change_lines", []):
                print(f"  {line}")
        elif r["created"]:
            print(f"{year}: published v{r['version']} at {r['path']} ({r['changes']} changes)")
        else:
            print(
                f"{year}: nothing new; latest stays v{r['version']}"
                if r["version"]
                else f"{year}: {r.get('note', 'nothing to publish')}"
            )
    return OK


def _analyst_warehouse(settings, live: bool) -> Path:
    """The newest read-only snapshot (never waits for a load), or with `live` the warehouse itself."""
    from warehouse import snapshot

    if live or not settings.snapshots:
        return settings.warehouse
    return snapshot.local_newest(settings.snapshots, settings.data_dir / "snapshot-cache")


def cmd_query(args) -> int:
    from warehouse.queries import run_query

    settings = get_settings()
    columns, rows = run_query(_analyst_warehouse(settings, args.live), args.sql)
    if args.format == "json":
        print(json.dumps([dict(zip(columns, r, strict=True)) for r in rows], default=str, indent=2))
    elif args.format == "csv":
        import csv

        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(rows)
    else:
        _table("", columns, rows)
    return OK


def cmd_status(args) -> int:
    from warehouse import db, queries

    settings = get_settings()
    with db.reader(settings.warehouse) as con:
        rows = queries.tracker(con, args.year, settings.deadline_for(args.year) if args.year else None)
    columns = [
        "geo",
        "time_period",
        "deadline",
        "status",
        "first_received_at",
        "current_revision",
        "submissions",
    ]
    _table(f"Submission tracker {args.year or ''}".strip(), columns, [[r[c] for c in columns] for r in rows])
    by_status: dict[str, list[str]] = {}
    for r in rows:
        by_status.setdefault(r["status"], []).append(f"{r['geo']} {r['time_period']}")
    for status, which in sorted(by_status.items()):
        shown = ", ".join(which) if status != "on time" else ""
        print(f"{status}: {len(which)}{'  (' + shown + ')' if shown else ''}")
    return OK


def cmd_summary(args) -> int:
    from warehouse import db, queries

    settings = get_settings()
    with db.reader(settings.warehouse) as con:
        rows = queries.summary(con)
    columns = list(rows[0]) if rows else []
    _table(
        "Article 8 figures per state and year (current revision)", columns, [list(r.values()) for r in rows]
    )
    print(f"warehouse:          {settings.warehouse}")
    print(f"validation reports: {settings.reports}")
    print(f"releases:           {settings.public / 'releases'}")
    print(f"site and catalogue: {settings.public / 'index.html'}, {settings.public / 'catalog.ttl'}")
    return OK


def cmd_dictionary(args) -> int:
    from warehouse.dictionary import build_dictionary, write_dictionary

    if args.out:
        print(f"data dictionary written to {write_dictionary(Path(args.out))}")
    else:
        print(build_dictionary(), end="")
    return OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="csa-stats",
        description="Article 8 statistics (Regulation (EU) 2021/1232): validate, collect, keep, publish.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("demo-data", help="write the seeded demo submissions of all 27 states")
    p.add_argument("--out", help="folder (default: the landing folder)")
    p.add_argument("--seed", type=int, default=2021)
    p.add_argument("--national", metavar="GEO", help="also write this state's national sources")
    p.add_argument("--revisions-to", metavar="DIR", help="write the revised submission here instead")
    p.add_argument(
        "--records",
        type=int,
        metavar="N",
        help="instead: record-level sources (N reports, with children and convictions) of one state",
    )
    p.add_argument("--geo", default="AT", help="the state of --records (default AT)")
    p.add_argument("--format", choices=["parquet", "csv"], default="parquet", help="format of --records")
    p.set_defaults(func=cmd_demo_data)

    p = sub.add_parser(
        "aggregate", help="check a state's record-level files and count a year's Article 8 table"
    )
    p.add_argument("--geo", required=True)
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--memory-limit", default="1GB", help="DuckDB memory limit (default 1GB)")
    p.set_defaults(func=cmd_aggregate)

    p = sub.add_parser("retention", help="delete landed record-level files older than the retention period")
    p.add_argument("--days", type=int, help="default: CSA_RECORD_RETENTION_DAYS")
    p.add_argument("--dry-run", action="store_true", help="list what would be deleted")
    p.set_defaults(func=cmd_retention)

    p = sub.add_parser("template", help="write the XLSX submission template")
    p.add_argument("--out", required=True, help="FILE.xlsx")
    p.set_defaults(func=cmd_template)

    p = sub.add_parser("contract", help="write the contract and everything derived from it")
    p.add_argument(
        "--out", required=True, help="folder for the YAML, JSON Schema, Table Schema, DDL, GX suite, template"
    )
    p.set_defaults(func=cmd_contract)

    p = sub.add_parser("validate", help="check submission files against the contract")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--json", action="store_true", help="print the machine-readable reports")
    p.add_argument("--strict", action="store_true", help="exit 1 when there are warnings")
    p.add_argument("--report-dir", help="also write JSON and HTML reports here")
    p.add_argument("--data-docs", action="store_true", help="with --report-dir: also GX Data Docs (slower)")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("ingest", help="archive, validate and load files or folders into the warehouse")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--actor", default=os.environ.get("USER", "cli"))
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("release", help="publish an immutable release of current figures")
    p.add_argument("--year", type=int, help="reporting year (default: every year with data)")
    p.add_argument("--geo", help="a national release of one state")
    p.add_argument("--dry-run", action="store_true", help="show what would change, write nothing")
    p.set_defaults(func=cmd_release)

    p = sub.add_parser(
        "query", help="run a read-only SQL query on the newest warehouse snapshot (--live: the warehouse)"
    )
    p.add_argument("sql")
    p.add_argument(
        "--live", action="store_true", help="read the live warehouse (busy while a load runs) instead"
    )
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.set_defaults(func=cmd_query)

    p = sub.add_parser("status", help="the submission tracker: on time, late, missing")
    p.add_argument("--year", type=int)
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("summary", help="key figures and status per state and year")
    p.set_defaults(func=cmd_summary)

    p = sub.add_parser("dictionary", help="the data dictionary, generated from the contract (Markdown)")
    p.add_argument("--out", help="FILE.md (default: print it)")
    p.set_defaults(func=cmd_dictionary)
    return parser


def _warehouse_errors():
    """Imported only when something failed: `validate` must start without DuckDB."""
    from warehouse.db import WarehouseBusy, WarehouseError
    from warehouse.queries import QueryRefused
    from warehouse.snapshot import NoSnapshot

    return WarehouseBusy, (WarehouseError, QueryRefused, NoSnapshot)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=get_settings().log_level, format="%(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args)
    except Exception as exc:
        return _failure(exc)


def _failure(exc: Exception) -> int:
    busy, unavailable = _warehouse_errors()
    if isinstance(exc, busy):
        print(f"busy, retry: {exc}", file=sys.stderr)
        return UNAVAILABLE
    if isinstance(exc, (*unavailable, FileNotFoundError)):
        print(f"error: {exc}", file=sys.stderr)
        return UNAVAILABLE
    if os.environ.get("CSA_DEBUG"):  # a bug, not bad input: say so in one line unless debugging
        raise exc
    print(
        f"internal error ({type(exc).__name__}): {exc}; rerun with CSA_DEBUG=1 for details", file=sys.stderr
    )
    return INTERNAL


if __name__ == "__main__":
    sys.exit(main())
