"""The layout of a public folder, known here only: releases/<year>/[<geo>/]v<N>, with the pointer
to a year's newest version beside its versions; the release builder writes it, the catalogue,
the site, the national reports and the object-store sync read it back."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from publish.disclosure import EU_AGGREGATE

RELEASES = "releases"
POINTER = "LATEST"  # the text pointer to the newest version; on an object store, written last


def release_root(public_dir: Path, year: int, geo: str | None = None) -> Path:
    """Where the versions of a year's release live (a national release: under its geo)."""
    root = Path(public_dir) / RELEASES / str(year)
    return root / geo if geo else root


def version_name(version: int) -> str:
    return f"v{version}"


def version_of(folder: Path) -> int | None:
    """N of a v<N> folder, else None."""
    found = re.fullmatch(r"v(\d+)", folder.name)
    return int(found[1]) if found else None


@dataclass(frozen=True)
class ReleaseFolder:
    """One published version: releases/<year>/[<geo>/]v<N>."""

    year: int
    geo: str  # the EU aggregate code for the Union release
    version: int
    path: Path

    @property
    def relative(self) -> str:
        parts = (
            [str(self.year)] + ([self.geo] if self.geo != EU_AGGREGATE else []) + [version_name(self.version)]
        )
        return f"{RELEASES}/" + "/".join(parts)


def release_folders(public_dir: Path) -> list[ReleaseFolder]:
    """Every release version under public_dir, in year, geo, version order."""
    found = []
    for folder in Path(public_dir).glob(f"{RELEASES}/*/**/v*"):
        info_file = folder / "release.json"
        if folder.is_dir() and not folder.is_symlink() and info_file.exists():
            info = json.loads(info_file.read_text(encoding="utf-8"))
            found.append(ReleaseFolder(info["year"], info["geo"], info["version"], folder))
    return sorted(found, key=lambda r: (r.year, r.geo != EU_AGGREGATE, r.geo, r.version))


def checksums(folder: Path) -> dict[str, str]:
    """File name -> SHA-256 from the release's SHA256SUMS."""
    lines = (folder / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    return {name: digest for digest, name in (line.split("  ", 1) for line in lines)}


def as_of(folder: Path) -> str:
    """The day the newest submission of a release was received: a date the folder itself fixes
    (a build date would make identical inputs give different bytes)."""
    submissions = json.loads((folder / "submissions.json").read_text(encoding="utf-8"))
    return max(s["received_at"][:10] for s in submissions)
