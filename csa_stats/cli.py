"""The `csa-stats` command line: every stage, without Airflow."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from csa_stats.commands import (
    INTERNAL,
    OK,
    QUERY_REFUSED,
    UNAVAILABLE,
    UNREADABLE,
    cmd_aggregate,
    cmd_contract,
    cmd_demo_data,
    cmd_dictionary,
    cmd_ingest,
    cmd_query,
    cmd_rebuild,
    cmd_release,
    cmd_retention,
    cmd_status,
    cmd_summary,
    cmd_template,
)
from csa_stats.run import Run
from csa_stats.settings import SettingInvalid, debugging, user
from csa_stats.validate_command import cmd_validate
from transforms.files import NotRegular
from transforms.receipts import ReceiptsInvalid


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
    p.add_argument("--actor", default=user("cli"))
    p.add_argument(
        "--sender",
        metavar="GEO",
        help="the Member State that sent these files (default: the state prefix they are in, "
        "<landing>/<GEO>/); a file claiming another state is rejected",
    )
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser(
        "rebuild", help="judge every archived submission again, in arrival order, into a new warehouse"
    )
    p.add_argument("--to", required=True, metavar="FILE.duckdb", help="the new warehouse (must not exist)")
    p.set_defaults(func=cmd_rebuild)

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

    p = sub.add_parser("status", help="the submission tracker: on time, late, missing (newest snapshot)")
    p.add_argument("--year", type=int)
    p.add_argument(
        "--national",
        metavar="GEO",
        help="instead: what this state's national office sent to the Commission and the verdicts",
    )
    p.add_argument(
        "--live", action="store_true", help="read the live warehouse (busy while a load runs) instead"
    )
    p.set_defaults(func=_status)

    p = sub.add_parser("summary", help="key figures and status per state and year (newest snapshot)")
    p.add_argument(
        "--live", action="store_true", help="read the live warehouse (busy while a load runs) instead"
    )
    p.set_defaults(func=cmd_summary)

    p = sub.add_parser("dictionary", help="the data dictionary, generated from the contract (Markdown)")
    p.add_argument("--out", help="FILE.md (default: print it)")
    p.set_defaults(func=cmd_dictionary)
    return parser


def _status(args) -> int:
    """The tracker, or with --national the office's side: what it sent and the verdicts."""
    if not args.national:
        return cmd_status(args)
    from csa_stats.steps.transmission import transmissions

    print("\n".join(transmissions(args.national)) or f"{args.national}: nothing sent to the Commission yet")
    return OK


def _warehouse_errors():
    """Imported only when something failed: `validate` must start without DuckDB. An object
    store that cannot be reached (no endpoint, no credentials) is unavailable, not a bug."""
    from botocore.exceptions import BotoCoreError

    from warehouse.db import WarehouseBusy, WarehouseError
    from warehouse.queries import QueryRefused
    from warehouse.snapshot import NoSnapshot

    return QueryRefused, WarehouseBusy, (WarehouseError, NoSnapshot, BotoCoreError)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        run = Run.start()  # one reading of the settings and one contract for the command
        logging.basicConfig(level=run.settings.log_level, format="%(levelname)s %(name)s: %(message)s")
        with run.active():
            code = args.func(args)
        sys.stdout.flush()  # inside the try: a closed pipe must not surface at exit
        return code
    except BrokenPipeError:  # `csa-stats query ... | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return OK
    except Exception as exc:
        return _failure(exc)


def _failure(exc: Exception) -> int:
    refused, busy, unavailable = _warehouse_errors()
    if isinstance(exc, refused):  # not a retry case: the query itself must change
        print(f"query refused: {exc}", file=sys.stderr)
        return QUERY_REFUSED
    if isinstance(exc, busy):
        print(f"busy, retry: {exc}", file=sys.stderr)
        return UNAVAILABLE
    if isinstance(exc, (unavailable, FileNotFoundError)):
        print(f"error: {exc}", file=sys.stderr)
        return UNAVAILABLE
    if isinstance(exc, (SettingInvalid, ReceiptsInvalid, NotRegular)):  # an operator's input
        print(f"error: {exc}", file=sys.stderr)
        return UNREADABLE
    if debugging():  # a bug, not bad input: say so in one line unless debugging
        raise exc
    print(
        f"internal error ({type(exc).__name__}): {exc}; rerun with CSA_DEBUG=1 for details", file=sys.stderr
    )
    return INTERNAL


if __name__ == "__main__":
    sys.exit(main())
