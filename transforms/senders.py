"""Who sent a file: the Member State whose landing prefix holds it. Decided from what an entry
is (lstat: a link is never followed, a pipe or device never opened) and where it resolves to,
never from a name a sender chose (a '..', an alias such as GR, a lower-case code)."""

from __future__ import annotations

import os
import posixpath
import stat
from pathlib import Path

from contracts.contract import Contract, custom_properties, load_contract
from transforms.locations import is_object_store

FILE, FOLDER, LINK, OTHER, MISSING = "file", "folder", "link", "other", "missing"


def geo_hint(code, contract: Contract | None = None) -> str:
    """Why a code that is no Member State's is refused, for a known alias or a lower-case state
    (" (Greece is 'EL' ...)"), else ''."""
    contract = contract or load_contract()
    aliases = custom_properties(contract.doc)["geoAliases"]  # code -> hint
    if not isinstance(code, str):
        return ""
    if code in aliases:
        return f" ({aliases[code]})"
    upper = code.upper()
    if upper != code and (upper in contract.code_lists["geo"] or upper in aliases):
        return f" (geo codes are upper case: '{upper}'){geo_hint(upper, contract)}"
    return ""


def not_a_state(code: str) -> str | None:
    """Why `code` cannot name a sender (None: it is a Member State of the contract)."""
    if code in load_contract().code_lists["geo"]:
        return None
    return f"'{code}' is not a Member State of the contract (a geo code such as AT){geo_hint(code)}"


def is_local(entry) -> bool:
    return getattr(entry, "protocol", "file") in ("file", "local", "")


def local_path(entry) -> str:
    return str(getattr(entry, "path", entry))


def entry_kind(entry) -> str:
    """What a landing entry is, without following it: file, folder, link, other (a named pipe,
    device or socket) or missing. Local folders ask lstat; an object store its listing's type."""
    if is_local(entry):
        try:
            info = os.lstat(local_path(entry))
        except (FileNotFoundError, NotADirectoryError):
            return MISSING
        mode = info.st_mode
        if stat.S_ISLNK(mode) or (stat.S_ISREG(mode) and info.st_nlink > 1):
            return LINK  # a hard link is a name for a file that may lie outside the landing too
        return FOLDER if stat.S_ISDIR(mode) else FILE if stat.S_ISREG(mode) else OTHER
    try:
        info = entry.fs.info(entry.path)
    except FileNotFoundError:
        return MISSING
    if info.get("islink"):
        return LINK
    return {"file": FILE, "directory": FOLDER}.get(info.get("type"), OTHER)


KIND_REASONS = {
    LINK: "a symbolic or hard link; links are never followed (send the file itself)",
    OTHER: "not a regular file (a named pipe, device or socket); never opened",
    MISSING: "it does not exist",
}


def resolved(path) -> str:
    """Where `path` really is: links of its folders resolved (the entry itself is judged by
    `entry_kind`, never followed), '..' and '.' removed."""
    if not is_local(path) or is_object_store(str(path)):
        return posixpath.normpath(str(path))
    text = os.path.abspath(local_path(path))
    folder, name = os.path.split(text)
    return os.path.join(os.path.realpath(folder), name)


def sender_in(path, landing, named: str | None = None) -> tuple[str | None, str | None]:
    """(sender, why not taken) of a file named outright. In the landing, the first component of
    its resolved location below the root names its sender, a Member State, and `named` (--sender)
    may only agree; outside it, `named` or else a state's folder holding it (`by-mail/AT/`)."""
    if problem := named and not_a_state(named):
        return None, f"--sender {problem}"
    where, root = resolved(path), resolved(landing)
    rel = Path(posixpath.relpath(where, root) if is_object_store(where) else os.path.relpath(where, root))
    if rel.parts and rel.parts[0] != "..":
        first = rel.parts[0]
        if len(rel.parts) < 2:  # the old flat layout: an operator names its sender
            return named, None if named else f"directly in {root}, outside the states' prefixes: --sender"
        if problem := not_a_state(first):
            return None, f"in {first}/, not a Member State's prefix: {problem}"
        if named and named != first:
            return None, f"it lies in the prefix of {first}: --sender {named} cannot send it"
        return first, None
    folder = Path(where).parent.name
    return named or (folder if not_a_state(folder) is None else None), None
