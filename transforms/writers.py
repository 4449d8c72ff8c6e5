"""Writing a canonical submission (metadata + rows) in any format of the registry.

The inverse of transforms.readers: reading back what was written gives the same
metadata and rows. Only the contract's metadata fields are written.
"""

from __future__ import annotations

from pathlib import Path

from contracts.contract import load_contract
from transforms.formats import registry
from transforms.formats.json import document

EXTENSIONS = {f.name: f.suffixes[0] for f in registry.FORMATS}  # the suffix each format writes


def write_submission(metadata: dict, rows: list[dict], path: Path, fmt: str) -> list[Path]:
    """Write `fmt` to `path` (plus the .meta.json side file for CSV layouts); return all paths."""
    writer = registry.named(fmt).write
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    contract = load_contract()  # no character the contract forbids reaches a file (U+FFFD instead)
    return writer(contract.neutralised(metadata), contract.neutralised(rows), path)


def json_document(metadata: dict, rows: list[dict]) -> dict:
    """What a JSON submission of these figures holds, as write_submission writes it."""
    contract = load_contract()
    return document(contract.neutralised(metadata), contract.neutralised(rows))
