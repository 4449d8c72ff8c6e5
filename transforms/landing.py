"""The files that land: submissions in a folder, with their metadata side files."""

from __future__ import annotations

from contracts.contract import load_contract
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


def state_submissions(landing) -> list:
    """The submission files in the landing layout `<landing>/<GEO>/<file>`: each state's prefix,
    which the storage lets only that state's sender write. Its folder names the sender."""
    return [f for geo in load_contract().code_lists["geo"] for f in landed_files(landing / geo)]


def sender_of(landed) -> str:
    """The state whose prefix a landed file came from (its folder's name)."""
    return landed.parent.name


def flat_layout_error(landing, files: list) -> str:
    """What to do with files directly in the landing folder, the layout before each state had
    its own prefix: they are not collected until moved."""
    names = ", ".join(p.name for p in files[:5]) + (f" and {len(files) - 5} more" if len(files) > 5 else "")
    return (
        f"{len(files)} file(s) directly in {landing} ({names}) are in the old flat layout and are not "
        f"collected: each Member State submits into its own prefix {landing}/<GEO>/ (e.g. "
        f"{landing}/AT/). Move each file, with its .meta.json side file, into the folder of the "
        "state that sent it (mv ART8_AT_* AT/), after checking that it did"
    )


def latest_submission(folder, geo: str, year: int):
    """The landed file of a state and year with the highest revision in its name (None if none)."""
    found = [
        p
        for p in landed_files(folder)
        if name_metadata(p).get("geo") == geo and name_metadata(p).get("time_period") == year
    ]
    return max(found, key=lambda p: (name_metadata(p).get("revision", 1), p.name), default=None)
