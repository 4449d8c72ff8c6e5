"""Writers: a canonical submission (metadata + rows) to any accepted format.

The inverse of transforms.readers: reading back what was written gives the same
metadata and rows. Only the contract's metadata fields are written.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

from contracts.contract import load_contract
from contracts.schemas import SERIES_IN_METADATA
from contracts.template import build_template

EXTENSIONS = {"xlsx": ".xlsx", "csv": ".csv", "json": ".json", "sdmx-csv": ".csv"}


def write_submission(metadata: dict, rows: list[dict], path: Path, fmt: str) -> list[Path]:
    """Write `fmt` to `path` (plus the .meta.json side file for CSV layouts); return all paths."""
    writers = {"xlsx": _xlsx, "csv": _csv, "json": _json, "sdmx-csv": _sdmx_csv}
    if fmt not in writers:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(writers)}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    contract = load_contract()  # no character the contract forbids reaches a file (U+FFFD instead)
    return writers[fmt](contract.neutralised(metadata), contract.neutralised(rows), path)


def metadata_document(metadata: dict) -> dict:
    """The contract's metadata fields as JSON values (dates as ISO strings)."""
    return {f.name: _json_value(metadata.get(f.name)) for f in load_contract().metadata_fields}


def _json_value(value):
    return value.isoformat() if isinstance(value, dt.date) else value


def _dump(doc: dict, path: Path) -> Path:
    text = json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    path.write_text(text, encoding="utf-8")
    return path


def _side_file(metadata: dict, path: Path) -> Path:
    return _dump(metadata_document(metadata), path.with_suffix(".meta.json"))


def _columns(rows: list[dict]) -> list[str]:
    """Observation columns; conf_status only when a figure carries one (a sender's flag)."""
    has_conf = any(r.get("conf_status") is not None for r in rows)
    return [c for c in load_contract().columns if c != "conf_status" or has_conf]


def _cell(value) -> str:
    return "" if value is None else str(value)


def _write_csv(path: Path, header: list[str], table: list[list]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows([_cell(v) for v in row] for row in table)
    return path


def _csv(metadata: dict, rows: list[dict], path: Path) -> list[Path]:
    columns = _columns(rows)
    table = [[r.get(c) for c in columns] for r in rows]
    return [_write_csv(path, columns, table), _side_file(metadata, path)]


def _sdmx_csv(metadata: dict, rows: list[dict], path: Path) -> list[Path]:
    # ACTION R tells the receiver a revision replaces the figures it already has.
    action = "R" if (metadata.get("revision") or 1) > 1 else "I"
    from contracts.sdmx import write_sdmx_csv  # pysdmx and pandas: only for SDMX-CSV

    path.write_text(write_sdmx_csv(rows, action), encoding="utf-8")
    return [path, _side_file(metadata, path)]


def json_document(metadata: dict, rows: list[dict]) -> dict:
    """What a JSON submission of these figures holds, as write_submission writes it."""
    contract = load_contract()
    return _json_document(contract.neutralised(metadata), contract.neutralised(rows))


def _json_document(metadata: dict, rows: list[dict]) -> dict:
    columns = [c for c in _columns(rows) if c not in SERIES_IN_METADATA]  # stated once, in the metadata
    observations = [{c: r.get(c) for c in columns} for r in rows]
    return {"metadata": metadata_document(metadata), "observations": observations}


def _json(metadata: dict, rows: list[dict], path: Path) -> list[Path]:
    return [_dump(_json_document(metadata, rows), path)]


def _xlsx(metadata: dict, rows: list[dict], path: Path) -> list[Path]:
    return [build_template(path, metadata, rows)]
