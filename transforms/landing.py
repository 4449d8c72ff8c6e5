"""The files that land: submissions in a folder, with their metadata side files."""

from __future__ import annotations

from contracts.contract import load_contract
from transforms.canonical import name_metadata
from transforms.formats import registry
from transforms.senders import FILE, FOLDER, KIND_REASONS, entry_kind, geo_hint

SIDE_FILE = ".meta.json"


def landed_files(folder) -> list:
    """Submission files in a folder (side files travel with their data file).

    `folder` is a pathlib.Path or any path-like object with the same methods, such as
    Airflow's ObjectStoragePath over file:// or s3://. Only regular files: a link is never
    followed, a named pipe or device never opened (`entry_kind`, from lstat).
    """
    if not folder.is_dir():  # the folder itself is an operator's (a root or a named folder)
        return []
    return [
        p
        for p in _entries(folder)
        if not p.name.startswith(".") and not p.name.endswith(SIDE_FILE) and entry_kind(p) == FILE
    ]


def state_submissions(landing) -> list:
    """The submission files in the landing layout `<landing>/<GEO>/<file>`: each state's prefix,
    which the storage lets only that state's sender write. Its folder names the sender; a prefix
    that is a link is not a folder and is never followed."""
    prefixes = [landing / geo for geo in load_contract().code_lists["geo"]]
    return [f for prefix in prefixes if entry_kind(prefix) == FOLDER for f in landed_files(prefix)]


def sender_of(landed) -> str:
    """The state whose prefix a landed file came from: its folder's name (files listed by
    `state_submissions` lie directly in a state's prefix; see senders.sender_in for a named file)."""
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


def not_taken(landing, flat: bool = False) -> list[tuple]:
    """Everything in the landing layout that is not collected, with why (path, why): in a state's
    prefix, sub-folders, hidden files and side files without their data file; beside the
    prefixes, other folders and (unless `flat`: an operator named their sender) the files of the
    old flat layout."""
    if not landing.is_dir():
        return []
    geos = set(load_contract().code_lists["geo"])
    found, entries = [], _entries(landing)
    for p in entries:
        kind = entry_kind(p)
        if kind == FOLDER and p.name in geos:
            prefix = _entries(p)
            found += [(q, why) for q in prefix if (why := _why_left(q, prefix))]
        elif kind == FOLDER and not p.name.startswith("."):
            found.append(
                (
                    p,
                    "a folder that is not a Member State's prefix (<GEO>/, a geo code of the contract)"
                    + geo_hint(p.name),
                )
            )
        elif flat or p.name.startswith(".") or kind != FILE:
            if why := _why_left(p, entries):
                found.append((p, why))
        else:
            found.append(
                (p, f"in the old flat layout, outside the states' prefixes: move it into {landing}/<GEO>/")
            )
    return found


def _entries(folder) -> list:
    return sorted(folder.iterdir(), key=lambda p: p.name)


def _why_left(p, entries: list) -> str | None:
    """Why `landed_files` leaves `p`, one of the `entries` of the folder it collects from (None:
    it does not). The entries are listed once per folder: on a store, each listing is a request."""
    kind = entry_kind(p)
    if kind in KIND_REASONS:  # before any other reason: whatever its name, it is never opened
        return KIND_REASONS[kind]
    if p.name.startswith("."):
        return "hidden (its name starts with '.'); not a submission"
    if kind == FOLDER:
        return "a sub-folder; submissions are taken from the state's prefix itself, not below it"
    stem = p.name[: -len(SIDE_FILE)]
    if p.name.endswith(SIDE_FILE) and not any(
        q.name.startswith(f"{stem}.") and q.name != p.name and entry_kind(q) == FILE for q in entries
    ):
        return f"a side file without its data file ({stem}{registry.listed(sorted(registry.suffixes()))})"
    return None


def latest_submission(folder, geo: str, year: int):
    """The landed file of a state and year with the highest revision in its name (None if none)."""
    found = [
        p
        for p in landed_files(folder)
        if name_metadata(p).get("geo") == geo and name_metadata(p).get("time_period") == year
    ]
    return max(found, key=lambda p: (name_metadata(p).get("revision", 1), p.name), default=None)
