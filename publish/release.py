"""Versioned, immutable releases: public/releases/<year>/[<GEO>/]v<N>/.

A release is built in a hidden temporary folder and renamed into place, never edited.
`latest` (symlink) and `LATEST` (text) point at the newest version.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock

from contracts.contract import load_contract
from publish.disclosure import (
    EU_AGGREGATE,
    apply_disclosure_control,
    eu_aggregate,
    is_hidden,
    public_marking,
    series_key,
)
from publish.exports import PACKAGE, data_package, publication_order, render_exports
from publish.folders import POINTER, release_root, version_name, version_of


@dataclass(frozen=True)
class Change:
    """A published figure that differs from the previous version (None: series absent)."""

    geo: str
    key: tuple[str, ...]  # indicator, sex, reporter, service
    old: str | None
    new: str | None
    submission_id: str | None


@dataclass
class ReleaseResult:
    year: int
    version: int | None
    path: Path | None
    created: bool  # False when nothing changed, or on a dry run
    changes: list[Change]
    fingerprint: str | None = None  # of the exports: what an approver signs off


class NotApproved(ValueError):
    """The figures changed between approval and publication: what was approved is not this."""


def build_release(
    rows: list[dict],
    submissions: list[dict],
    year: int,
    public_dir: Path,
    *,
    threshold: int | None = None,
    dry_run: bool = False,
    geo: str | None = None,
    approved: str | None = None,
) -> ReleaseResult:
    """Publish the year's figures (of one Member State if `geo`) as a new version if changed.

    With `approved` (the fingerprint a human signed off on a dry run) only those very figures
    are published. One release builder at a time (a file lock): it may then clear what a
    killed build left.
    """
    public_dir = Path(public_dir)
    public_dir.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(public_dir.with_name(public_dir.name + ".lock"))):  # beside, not in, the public tree
        return _build_release(rows, submissions, year, public_dir, threshold, dry_run, geo, approved)


def _build_release(rows, submissions, year, public_dir, threshold, dry_run, geo, approved) -> ReleaseResult:
    root = release_root(public_dir, year, geo)
    _clear_unfinished(root)
    latest = latest_version(root)
    earlier = [_observations(root, v) for v in range(1, latest + 1) if (root / version_name(v)).is_dir()]
    published = publish_rows(rows, year, threshold, geo, earlier)
    submissions = [s for s in submissions if geo is None or s["geo"] == geo]
    exports = render_exports(published, submissions, year)
    fingerprint = hashlib.sha256(_checksums(exports).encode()).hexdigest()
    if latest and _release_info(root, latest)["fingerprint"] == fingerprint:
        if not dry_run:
            _point_latest(root, latest)
        return ReleaseResult(year, latest, root / version_name(latest), False, [], fingerprint)
    version = latest + 1
    changes = compare(_observations(root, latest), published) if latest else []
    if dry_run:
        return ReleaseResult(year, version, None, False, changes, fingerprint)
    if approved and approved != fingerprint:
        raise NotApproved(
            f"the {geo or 'EU'} {year} figures changed after they were approved; "
            "nothing was published, the next run asks for approval again"
        )
    info = {
        "contract_version": load_contract().version,
        "fingerprint": fingerprint,
        "geo": geo or EU_AGGREGATE,
        "submission_ids": sorted(s["submission_id"] for s in submissions),
        "suppression_threshold": load_contract().disclosure.threshold if threshold is None else threshold,
        "version": version,
        "year": year,
    }
    # The data package lists the data files with the version: written now, outside the fingerprint.
    package = data_package(year, version, exports)
    files = {
        **exports,
        PACKAGE.name: (json.dumps(package, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode(
            "utf-8"
        ),
        "CHANGELOG.md": _changelog(year, geo, version, changes).encode("utf-8"),
        "release.json": (json.dumps(info, sort_keys=True, indent=2) + "\n").encode("utf-8"),
    }
    path = _write_release(root, version, files)
    _point_latest(root, version)
    return ReleaseResult(year, version, path, True, changes, fingerprint)


def _clear_unfinished(root: Path) -> None:
    """Temporary folders of a build that was killed: never visible, now removed."""
    for tmp in root.glob(".tmp-*"):
        if tmp.is_dir() and not tmp.is_symlink():
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            tmp.unlink(missing_ok=True)


def publish_rows(
    rows: list[dict],
    year: int,
    threshold: int | None,
    geo: str | None,
    earlier: list[list[dict]] | None = None,
) -> list[dict]:
    """The rows as published (one marking for every hidden figure): one state's (national
    release) or all plus the EU aggregate; `earlier`: the observations of the earlier versions,
    which an attacker reads too."""
    rows = [r for r in rows if r["geo"] == geo] if geo else rows + eu_aggregate(rows, year)
    other_years = {r["time_period"] for r in rows} - {year}
    if other_years:
        raise ValueError(f"rows for {sorted(other_years)} given to the {year} release")
    return public_marking(apply_disclosure_control(rows, threshold, earlier))


def published_versions(public_dir: Path, year: int, geo: str | None = None) -> dict[int, tuple[Path, int]]:
    """Every visible version of a year: number -> (folder, figures changed per its changelog)."""
    found = {}
    for path in release_root(public_dir, year, geo).glob("v*"):
        changelog = path / "CHANGELOG.md"
        if version_of(path) is not None and changelog.exists():
            lines = changelog.read_text(encoding="utf-8").splitlines()
            found[version_of(path)] = (path, sum(line.startswith("- ") for line in lines))
    return dict(sorted(found.items()))


def latest_version(root: Path) -> int:
    """Highest N of the v<N> folders under root; 0 when there is none."""
    return max((v for p in root.glob("v*") if (v := version_of(p)) is not None), default=0)


def compare(old_rows: list[dict], new_rows: list[dict]) -> list[Change]:
    """Every published figure that changed, was added or was removed."""
    old = {(r["geo"], series_key(r)): r for r in old_rows}
    new = {(r["geo"], series_key(r)): r for r in new_rows}
    changes = []
    for cell in sorted(old.keys() | new.keys(), key=lambda c: publication_order(*c)):
        before, after = old.get(cell), new.get(cell)
        was = _figure(before) if before else None
        now = _figure(after) if after else None
        if was != now:
            changes.append(Change(*cell, was, now, (after or before)["submission_id"]))
    return changes


def _figure(row: dict) -> str:
    """A figure as a reader sees it: '12', '12 (p)', 'empty (m)', 'confidential (C)' (the one
    public marking, whatever the reason)."""
    if is_hidden(row):
        return f"confidential ({row['conf_status']})"
    text = "empty" if row["obs_value"] is None else str(row["obs_value"])
    return f"{text} ({row['obs_status']})" if row["obs_status"] else text


def _changelog(year: int, geo: str | None, version: int, changes: list[Change]) -> str:
    title = f"# Article 8 statistics {year}{f' {geo}' if geo else ''}, v{version}"
    if version == 1:
        body = ["First release."]
    elif changes:
        body = [f"Changes against v{version - 1}:", "", *map(describe_change, changes)]
    else:
        body = [f"No figure changed against v{version - 1} (comments or metadata did)."]
    return "\n".join([title, "", *body]) + "\n"


def describe_change(change: Change) -> str:
    """One changelog line: '- AT PERP_CNV/_Z/_Z/_Z: 40 -> 45 (submission AT-2023-R2)'."""
    label = f"{change.geo} {'/'.join(change.key)}"
    source = f" (submission {change.submission_id})" if change.submission_id else ""
    if change.old is None:
        return f"- {label}: added {change.new}{source}"
    if change.new is None:
        return f"- {label}: removed, was {change.old}{source}"
    return f"- {label}: {change.old} -> {change.new}{source}"


def _checksums(files: dict[str, bytes]) -> str:
    """sha256sum format, sorted by file name."""
    return "".join(f"{hashlib.sha256(files[n]).hexdigest()}  {n}\n" for n in sorted(files))


def _release_info(root: Path, version: int) -> dict:
    return json.loads((root / version_name(version) / "release.json").read_text(encoding="utf-8"))


def _observations(root: Path, version: int) -> list[dict]:
    path = root / version_name(version) / "observations.json"
    return json.loads(path.read_text(encoding="utf-8"))["observations"]


def _write_release(root: Path, version: int, files: dict[str, bytes]) -> Path:
    """Write into a hidden temporary folder, then rename it to v<N> (never overwritten)."""
    root.mkdir(parents=True, exist_ok=True)
    target = root / version_name(version)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=root))
    try:
        for name, data in files.items():
            (tmp / name).write_bytes(data)
        (tmp / "SHA256SUMS").write_text(_checksums(files), encoding="utf-8")
        tmp.chmod(0o755)  # mkdtemp makes it private; a release is public
        if target.exists():
            raise FileExistsError(f"{target} exists: a release is never overwritten")
        os.rename(tmp, target)  # also fails if another writer got there first
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def _point_latest(root: Path, version: int) -> None:
    """Replace the `latest` symlink and the `LATEST` file atomically."""
    name = version_name(version)
    link = root / f".tmp-{uuid.uuid4().hex}"
    os.symlink(name, link)
    os.replace(link, root / "latest")
    text = root / f".tmp-{uuid.uuid4().hex}"
    text.write_text(name + "\n", encoding="utf-8")
    os.replace(text, root / POINTER)
