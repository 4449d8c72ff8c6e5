"""The files that land: submissions in a folder, with their metadata side files."""

from __future__ import annotations

from transforms.canonical import name_metadata

SIDE_FILE = ".meta.json"


def landed_files(folder) -> list:
    """Submission files in a folder (side files travel with their data file).

    `folder` is a pathlib.Path or any path-like object with the same methods, such as
    Airflow's ObjectStoragePath over file:// or s3://.
    """
    if not folder.exists():
        return []
    return sorted(
        (
            p
            for p in folder.iterdir()
            if p.is_file() and not p.name.startswith(".") and not p.name.endswith(SIDE_FILE)
        ),
        key=lambda p: p.name,
    )


def latest_submission(folder, geo: str, year: int):
    """The landed file of a state and year with the highest revision in its name (None if none)."""
    found = [
        p
        for p in landed_files(folder)
        if name_metadata(p).get("geo") == geo and name_metadata(p).get("time_period") == year
    ]
    return max(found, key=lambda p: (name_metadata(p).get("revision", 1), p.name), default=None)
