"""Metadata given once: JSON objects that remember the keys given twice, and the .meta.json side
file beside a data file (read without following a link or opening a pipe; a field it gives that
the file gives too is an error naming both places)."""

from __future__ import annotations

import json

from transforms import values
from transforms.canonical import Finding, Received, Submission
from transforms.safety import Limits


class _Object(dict):
    """A JSON object that remembers the keys it was given more than once, with every value."""

    duplicates: dict[str, list] = {}  # noqa: RUF012 (never mutated: each object gets its own)


def _object(pairs: list[tuple[str, object]]) -> _Object:
    obj, every = _Object(), {}
    for key, value in pairs:
        obj.setdefault(key, value)  # the first one; the duplicate is an error anyway
        every.setdefault(key, []).append(value)
    obj.duplicates = {key: found for key, found in every.items() if len(found) > 1}
    return obj


def parse_json(text: str):
    """JSON whose objects remember duplicate keys (the standard parser keeps the last silently)."""
    return json.loads(text, object_pairs_hook=_object)


def duplicate_keys(doc, root: str, findings: list[Finding], where=lambda path: path) -> None:
    """Every key given twice in one object, at its JSON path with each value it was given
    (iterative: any depth)."""
    stack = [(root, doc)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, dict):
            for key, found in getattr(node, "duplicates", {}).items():
                shown = " and ".join(values.shown(json.dumps(v, ensure_ascii=False)) for v in found[:2])
                places = {"places": f" ({len(found)} times in one object, first as {shown})"}
                findings.append(Finding("L0_DUPLICATE_FIELD", where(f"{path}.{key}"), key, key, places))
            stack += [(f"{path}.{key}", value) for key, value in node.items()]
        elif isinstance(node, list):
            stack += [(f"{path}[{i}]", value) for i, value in enumerate(node)]


def given(fields: dict) -> dict:
    """Fields with a value: an empty one leaves the file-name fallback in place."""
    return {k: v for k, v in fields.items() if not values.empty(v)}


def metadata_names() -> set[str]:
    from contracts.contract import load_contract

    return {f.name for f in load_contract().metadata_fields}


def side_fields(file: Received, limits: Limits, findings: list[Finding]) -> tuple[dict, str]:
    """The fields the .meta.json side file received with `file` gives ({} without one) and how to
    name a field's place in it. A side file that was a link or a pipe was never read: said here."""
    sidecar = file.side_file_name
    where = f"{sidecar} field '{{field}}'"
    try:
        if file.side_file_refused:
            raise ValueError(f"it is {file.side_file_refused}")
        if file.side_file is None:
            return {}, where
        limit = limits.max_side_file_bytes
        if len(file.side_file) > limit:
            raise ValueError(f"it is above the limit of {limit:,} bytes (CSA_MAX_SIDE_FILE_BYTES)")
        loaded = parse_json(file.side_file.decode("utf-8-sig"))
        if not isinstance(loaded, dict):
            raise ValueError("it is not a JSON object")
    except (ValueError, UnicodeError, RecursionError) as exc:
        detail = {"format": "metadata JSON", "detail": str(exc)}
        findings.append(Finding("L0_READABLE", sidecar, None, None, detail))
        return {}, where
    duplicate_keys(loaded, "", findings, lambda path: where.format(field=path.lstrip(".")))
    known = metadata_names()
    for key in loaded:
        if key not in known:
            findings.append(Finding("L0_UNKNOWN_COLUMN", where.format(field=key), key, key))
    return given({k: v for k, v in loaded.items() if k in known}), where


def side_file_beside(submission: Submission, file: Received, limits: Limits) -> None:
    """JSON and XLSX carry their metadata inside: a side file beside one may give a field the
    file leaves empty, never one it gives (each metadata field once: L0_DUPLICATE_FIELD, naming
    both places)."""
    from contracts.contract import load_contract

    fields, where = side_fields(file, limits, submission.findings)
    contract = load_contract()
    for f in contract.metadata_fields:
        if f.name not in fields:
            continue
        there = where.format(field=f.name)
        inside = submission.metadata_locations.get(f.name)
        if inside and submission.metadata.get(f.name) is not None:
            places = {"places": f" (in {inside} and in {there})"}
            submission.findings.append(Finding("L0_DUPLICATE_FIELD", there, f.name, f.name, places))
            continue
        submission.metadata[f.name] = values.typed(f, fields[f.name], there, submission.findings, contract)
        submission.metadata_locations[f.name] = there
