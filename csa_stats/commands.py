"""The commands of `csa-stats` (see csa_stats/cli.py): each returns its exit code."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from contracts.vocabulary import SubmissionStatus, TrackerStatus
from csa_stats.settings import get_settings

# Exit codes (documented in README).
OK, WARNINGS, ERRORS, UNREADABLE, UNAVAILABLE, INTERNAL, QUERY_REFUSED = 0, 1, 2, 3, 4, 5, 6


def _console():
    from rich.console import Console

    class PipedConsole(Console):
        def on_broken_pipe(self) -> None:  # rich would exit 1; cli.main() ends a closed pipe quietly
            raise BrokenPipeError

    return PipedConsole(highlight=False, soft_wrap=True)


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
    years = range(2021, settings.today.year)  # every year ended by today (CSA_TODAY in the demo)
    files = generate_demo(out, args.seed, years, revisions_dir=revisions, receipts=settings.receipts)
    submissions = [f for f in files if not f.name.endswith(".meta.json")]
    print(f"wrote {len(submissions)} submissions (+{len(files) - len(submissions)} metadata side files)")
    if revisions:
        print(f"revisions held back in {revisions}, to land after a first release")
    if args.national:
        national = settings.national_dir / args.national / "sources"
        written = generate_demo(
            national, args.seed, years, [args.national], per_state=False, receipts=settings.receipts
        )
        print(
            f"wrote {len(written) // 2 if written else 0} national sources of {args.national} to {national}"
        )
    print(
        f"demo facts: late {DEMO_FACTS.late}, revised {DEMO_FACTS.revised}, "
        f"no breakdown {DEMO_FACTS.missing_breakdown} (explained), 2021 from 1 January "
        f"{DEMO_FACTS.from_january} (flagged), definition differs {DEMO_FACTS.definition_differs} (d), "
        f"confirmed change {DEMO_FACTS.confirmed_change[:2]}, "
        f"convictions linked {DEMO_FACTS.links_convictions}, 2026 from 1 January to 3 April "
        f"{DEMO_FACTS.first_period_only} (flagged, d)"
    )
    return OK


def _demo_records(args, settings) -> int:
    from csa_stats.records_demo import generate_records
    from csa_stats.steps.records import national_records_dir

    out = Path(args.out) if args.out else national_records_dir(args.geo, settings)
    files = generate_records(out, args.records, geo=args.geo, seed=args.seed, fmt=args.format)
    print(f"wrote record-level sources of {args.geo} ({args.records} reports, 2021 to 2024) to {out}:")
    for f in files:
        print(f"  {f.name}")
    return OK


def cmd_aggregate(args) -> int:
    from csa_stats.steps.records import national_aggregate, national_records_dir

    try:
        path = national_aggregate(args.geo, args.year, memory_limit=args.memory_limit)
    except ValueError as exc:  # RecordsInvalid, or a year no legal basis covers
        print(f"REJECTED: {exc}", file=sys.stderr)
        return ERRORS
    if path is None:
        print(
            f"no record-level files of {args.geo} {args.year} in {national_records_dir(args.geo)}",
            file=sys.stderr,
        )
        return UNREADABLE
    print(f"{args.geo} {args.year}: aggregate submission {path}")
    return OK


def cmd_retention(args) -> int:
    from csa_stats.steps.records import record_retention

    days = get_settings().record_retention_days if args.days is None else args.days
    deleted = record_retention(days, dry_run=args.dry_run)
    verb = "would delete" if args.dry_run else "deleted"
    for d in deleted:
        print(f"{verb} {d['file']} (landed {d['landed_at']}, sha256 {d['sha256']})")
    print(f"{verb} {len(deleted)} record-level files older than {days} days")
    return OK


def cmd_template(args) -> int:
    from transforms.formats import registry

    print(f"template written to {registry.write_template(Path(args.out))}")
    return OK


def cmd_contract(args) -> int:
    from contracts.contract import load_contract
    from contracts.export import export_contract

    written = export_contract(Path(args.out))
    print(f"contract {load_contract().version}: wrote {len(written)} files to {args.out}")
    for path in written:
        print(f"  {path.name}")
    return OK


def cmd_ingest(args) -> int:
    """Folders in the landing layout and files named outright (csa_stats.steps.taken.to_ingest),
    on a disk or an object store (s3://...: each file is copied to a local staging folder, as
    the collection DAG does); CSA_RECEIPTS is read once, before any file is judged."""
    from csa_stats.steps.collection import ingest_all, local_copy
    from csa_stats.steps.taken import check_receipts_of, to_ingest

    settings = get_settings()
    paths, skipped, errors = to_ingest(args.paths, args.sender, settings)
    for line in errors:
        print(f"error: {line}", file=sys.stderr)
    code = UNREADABLE if errors else OK
    check_receipts_of(settings, [p for p, _ in paths])
    files = [(str(local_copy(p)), sender) for p, sender in paths]
    results = ingest_all(files, actor=args.actor)  # one warehouse session for them all
    code = max(code, ERRORS) if any(r["status"] == SubmissionStatus.REJECTED for r in results) else code
    rows = [[r["file"], r["submission_id"], r["status"], r["errors"], r["warnings"]] for r in results]
    _table("Ingested", ["file", "submission", "status", "errors", "warnings"], rows)
    for path, why in skipped:  # one plain line each: easy to grep in a log
        print(f"not taken: {path}: {why}")
    return code


def cmd_rebuild(args) -> int:
    from csa_stats.steps.rebuild import rebuild

    print(json.dumps(rebuild(Path(args.to))))
    return OK


def cmd_release(args) -> int:
    from csa_stats.steps.release import release, release_years

    years = release_years() if args.year is None else [args.year]
    for year in years:
        r = release(year, geo=args.geo, dry_run=args.dry_run)
        if args.dry_run:
            if r["would_publish"]:
                print(
                    f"{year}: would publish v{r['would_publish']}, {r['changes']} figures changed (dry run)"
                )
            else:
                print(f"{year}: nothing new (dry run, nothing written)")
            for line in r["change_lines"]:
                print(f"  {line}")
            continue
        if r["created"]:
            print(f"{year}: published v{r['version']} at {r['path']} ({r['changes']} changes)")
        else:
            print(
                f"{year}: nothing new; latest stays v{r['version']}"
                if r["version"]
                else f"{year}: {r['note'] or 'nothing to publish'}"
            )
        for warning in r["warnings"]:
            print(f"warning: {warning}", file=sys.stderr)
    return OK


def _analyst_warehouse(settings, live: bool, say: bool = False) -> Path:
    """The newest read-only snapshot (never waits for a load; at most the load in progress is
    missing), or with `live` the warehouse itself. With `say`, tells on stderr which snapshot
    (query stays quiet: its output is piped)."""
    from warehouse import snapshot

    if live or not settings.snapshots:
        return settings.warehouse
    path = snapshot.local_newest(settings.snapshots, settings.data_dir / "snapshot-cache")
    if say:
        print(
            f"reading snapshot {path.name} (a load in progress is not in it; --live: the warehouse)",
            file=sys.stderr,
        )
    return path


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
    with db.reader(_analyst_warehouse(settings, args.live, say=True)) as con:
        rows = queries.tracker(con, args.year, settings.deadline_for(args.year) if args.year else None)
    columns = ["geo", "time_period", "deadline", "status", "legal_bases", "deadlines"]
    columns += ["first_received_at", "current_revision", "submissions"]
    _table(f"Submission tracker {args.year or ''}".strip(), columns, [[r[c] for c in columns] for r in rows])
    by_status: dict[str, list[str]] = {}
    for r in rows:
        by_status.setdefault(r["status"], []).append(f"{r['geo']} {r['time_period']}")
    for status, which in sorted(by_status.items()):
        shown = ", ".join(which) if status != TrackerStatus.ON_TIME else ""
        print(f"{status}: {len(which)}{'  (' + shown + ')' if shown else ''}")
    return OK


def cmd_summary(args) -> int:
    from csa_stats.steps.release import base_url_warnings
    from warehouse import db, queries

    settings = get_settings()
    with db.reader(_analyst_warehouse(settings, args.live, say=True)) as con:
        rows = queries.summary(con)
    columns = list(rows[0]) if rows else []
    _table(
        "Article 8 figures per state and year (current revision)", columns, [list(r.values()) for r in rows]
    )
    print(f"warehouse:          {settings.warehouse}")
    print(f"validation reports: {settings.reports}")
    print(f"releases:           {settings.public / 'releases'}")
    print(f"site and catalogue: {settings.public / 'index.html'}, {settings.public / 'catalog.ttl'}")
    for warning in base_url_warnings(settings):
        print(f"warning: {warning}")
    return OK


def cmd_dictionary(args) -> int:
    from warehouse.dictionary import build_dictionary, write_dictionary

    if args.out:
        print(f"data dictionary written to {write_dictionary(Path(args.out))}")
    else:
        print(build_dictionary(), end="")
    return OK
