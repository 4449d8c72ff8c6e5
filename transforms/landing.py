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


def not_taken(folder) -> list[tuple[str, str]]:
    """Everything in a landing folder that `landed_files` leaves, with the reason (name, why)."""
    if not folder.exists():
        return []
    found = []
    for p in sorted(folder.iterdir(), key=lambda p: p.name):
        if p.name.startswith("."):
            found.append((p.name, "hidden (its name starts with '.'); not a submission"))
        elif p.is_dir():
            found.append((p.name, "a sub-folder; submissions are taken from the landing folder itself"))
        elif not p.is_file():
            found.append((p.name, "not a regular file"))
        elif p.name.endswith(SIDE_FILE) and not _has_data_file(folder, p.name[: -len(SIDE_FILE)]):
            found.append((p.name, f"a side file without its data file ({p.name[: -len(SIDE_FILE)]}.csv)"))
    return found


def _has_data_file(folder, stem: str) -> bool:
    return any(p.name != f"{stem}{SIDE_FILE}" and p.name.startswith(f"{stem}.") for p in folder.iterdir())


def latest_submission(folder, geo: str, year: int):
    """The landed file of a state and year with the highest revision in its name (None if none)."""
    found = [
        p
        for p in landed_files(folder)
        if name_metadata(p).get("geo") == geo and name_metadata(p).get("time_period") == year
    ]
    return max(found, key=lambda p: (name_metadata(p).get("revision", 1), p.name), default=None)
