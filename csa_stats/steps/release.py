"""Release: the quality gate, a dry run for the approver, the approver's decision, the release."""

from __future__ import annotations

import json
import logging
from typing import TypedDict

from contracts.vocabulary import AuditAction
from csa_stats import stores
from csa_stats.settings import DEFAULT_PUBLIC_BASE_URL, Settings, get_settings

log = logging.getLogger(__name__)


class Release(TypedDict):
    year: int
    geo: str | None
    object: str  # what the approver signs off and the audit log names: EU-2023-v2, AT-2023-v1
    created: bool
    version: int | None
    fingerprint: str | None  # of the figures a dry run showed: publishing checks them again
    path: str | None
    changes: int
    change_lines: list[str]
    would_publish: int | None  # the version a dry run would write, None when nothing changed
    summary: str  # Markdown for the approver
    note: str | None
    warnings: list[str]  # what the publisher must read (an example base URL, ...)


class QualityGate(TypedDict):
    year: int
    rows: int
    success: bool
    evaluated: int
    failed: list
    docs: str | None


def release(
    year: int,
    geo: str | None = None,
    dry_run: bool = False,
    settings: Settings | None = None,
    approved: str | None = None,
) -> Release:
    """Publish the current figures of a year (all states, or one) as an immutable release;
    with `approved` (a dry run's fingerprint) only if the figures are still those."""
    from publish.release import build_release, describe_change
    from warehouse import db, queries

    settings = settings or get_settings()
    stores.pull_releases(settings, year)
    with db.reader(settings.warehouse) as con:
        rows, submissions = queries.release_input(con, year, geo)
    if not rows:
        return _nothing(year, geo)
    result = build_release(
        rows,
        submissions,
        year,
        settings.public,
        dry_run=dry_run,
        geo=geo,
        approved=approved,
    )
    warnings = [] if dry_run else publish_index(settings)
    if not dry_run:
        audit_releases(year, geo, settings)
        stores.push_public(settings)
    target = f"{_object(geo, year)}-v{result.version}"
    return Release(
        year=year,
        geo=geo,
        object=target,
        created=result.created,
        version=result.version,
        fingerprint=result.fingerprint,
        path=str(result.path) if result.path else None,
        changes=len(result.changes),
        change_lines=[describe_change(c) for c in result.changes],
        # A dry run that would publish: build_release gives no path for a version not written.
        would_publish=result.version if dry_run and result.path is None else None,
        summary=change_summary(result, geo, len(submissions)),
        note=None,
        warnings=warnings,
    )


def audit_releases(year: int, geo: str | None, settings: Settings) -> list[str]:
    """One audit entry per published version: the one this run made, and any a killed run left
    without its entry (its folder was renamed into place, the audit row never written)."""
    from publish.release import published_versions
    from warehouse import db, queries

    written = []
    with db.writer(settings.warehouse, snapshots=settings.snapshots, keep=settings.snapshot_keep) as con:
        logged = queries.audited_objects(con, AuditAction.RELEASE)
        for version, (path, changes) in published_versions(settings.public, year, geo).items():
            name = f"{_object(geo, year)}-v{version}"
            if name not in logged:
                db.audit(
                    con,
                    "system",
                    AuditAction.RELEASE,
                    name,
                    json.dumps({"path": str(path), "changes": changes}),
                )
                written.append(name)
    return written


def _object(geo: str | None, year: int) -> str:
    """A release's name in the audit log and the approval, before its version: EU-2023, AT-2023.
    audit_releases finds what is logged by it: one spelling for both."""
    return f"{geo or 'EU'}-{year}"


def _nothing(year: int, geo: str | None) -> Release:
    return Release(
        year=year,
        geo=geo,
        object=_object(geo, year),
        created=False,
        version=None,
        fingerprint=None,
        path=None,
        changes=0,
        change_lines=[],
        would_publish=None,
        summary=f"{geo or 'EU'} {year}: no accepted submissions",
        note="no accepted submissions for this year",
        warnings=[],
    )


def change_summary(result, geo: str | None, states: int, limit: int = 15) -> str:
    """Markdown for the approver: the release and its first changed figures, old -> new."""
    from publish.release import describe_change

    title = f"**{geo or 'EU'} {result.year} v{result.version}**"
    if result.version == 1:
        return f"{title}: first release, {states} Member State(s)."
    if not result.changes:
        return f"{title}: no figure changed against the last release."
    lines = [f"{title}: {len(result.changes)} figure(s) changed against v{result.version - 1}:"]
    lines += [describe_change(c) for c in result.changes[:limit]]
    if len(result.changes) > limit:
        lines.append(f"- ... and {len(result.changes) - limit} more")
    return "\n".join(lines)


def publish_index(settings: Settings | None = None) -> list[str]:
    """Rebuild the DCAT-AP catalogue and the site from the release folders (the site's
    completeness table from the submission tracker, as `csa-stats status` shows it).
    Returns the warnings a publisher must read."""
    from publish.catalog import write_catalog
    from publish.site import build_site
    from warehouse import db, queries

    settings = settings or get_settings()
    warnings = base_url_warnings(settings)
    for warning in warnings:
        log.warning(warning)
    write_catalog(settings.public, settings.public_base_url, settings.contact_email)
    with db.reader(settings.warehouse) as con:
        tracker = queries.tracker(con)
    build_site(settings.public, tracker)
    return warnings


def base_url_warnings(settings: Settings) -> list[str]:
    """A catalogue published under the example base URL has only dead links: say so."""
    if settings.public_base_url.rstrip("/") != DEFAULT_PUBLIC_BASE_URL:
        return []
    return [
        f"CSA_PUBLIC_BASE_URL is still the example default {DEFAULT_PUBLIC_BASE_URL}: every link in "
        "the catalogue (catalog.ttl, catalog.jsonld) is dead; set it to where CSA_PUBLIC is served"
    ]


def record_release_decision(
    releases: list[Release], approved: bool, actor: str, settings: Settings | None = None
) -> list[str]:
    """The approver's decision in the audit log, one row per release asked for (a national
    release, with its geo, in that office's warehouse)."""
    from csa_stats.settings import national_settings
    from warehouse import db

    action = AuditAction.APPROVE if approved else AuditAction.REJECT_RELEASE
    by_geo: dict[str | None, list[Release]] = {}  # one write (and snapshot) per warehouse
    for pending in releases:
        by_geo.setdefault(pending["geo"], []).append(pending)
    for geo, pendings in by_geo.items():
        target = national_settings(geo, settings) if geo else settings or get_settings()
        with db.writer(target.warehouse, snapshots=target.snapshots, keep=target.snapshot_keep) as con:
            for pending in pendings:
                db.audit(con, actor, action, pending["object"], json.dumps({"changes": pending["changes"]}))
    objects = [r["object"] for r in releases]
    log.info("%s %s by %s", "approved" if approved else "rejected", ", ".join(objects), actor)
    return objects


def quality_gate(year: int, settings: Settings | None = None) -> QualityGate:
    """The GX suite on the current figures of a year; Data Docs under CSA_REPORTS/quality/<year>/.

    Raises ValueError naming the failed expectations: bad figures are never published.
    """
    from contracts.gx_suite import check_frame
    from warehouse import db, queries

    settings = settings or get_settings()
    with db.reader(settings.warehouse) as con:
        frame = queries.figures_of_year(con, year)
    result = check_frame(frame, docs_dir=settings.reports / "quality" / str(year), name=f"figures_{year}")
    stores.push_folders(settings, "reports")
    if not result.success:
        raise ValueError(f"quality gate failed for {year}: {json.dumps(result.failed, default=str)}")
    return QualityGate(
        year=year,
        rows=len(frame),
        success=result.success,
        evaluated=result.evaluated,
        failed=result.failed,
        docs=str(result.docs) if result.docs else None,
    )


def release_years(settings: Settings | None = None) -> list[int]:
    from warehouse import db, queries

    with db.reader((settings or get_settings()).warehouse) as con:
        return queries.years(con)
