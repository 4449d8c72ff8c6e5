"""The data files of a release, rendered to bytes: identical inputs give identical bytes."""

from __future__ import annotations

import csv
import io
import json
from operator import itemgetter

from contracts.contract import load_contract
from publish.disclosure import series_key

DATAFLOW = "CSA:DF_ART8"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def render_exports(rows: list[dict], submissions: list[dict], year: int) -> dict[str, bytes]:
    """File name -> content of every data export of the published rows."""
    rows = sort_observations(rows)
    return {
        "observations.csv": _observations_csv(rows),
        "observations.json": _observations_json(rows, year),
        "observations_sdmx.csv": _sdmx_csv(rows),
        "submissions.json": _json(sorted(submissions, key=itemgetter("geo", "submission_id"))),
    }


def _observation_columns() -> list[str]:
    return [*load_contract().columns, "submission_id"]


def _observations_csv(rows: list[dict]) -> bytes:
    columns = _observation_columns()
    return _csv(columns, [[row[c] for c in columns] for row in rows])


def _observations_json(rows: list[dict], year: int) -> bytes:
    columns = _observation_columns()
    observations = [{c: row[c] for c in columns} for row in rows]
    contract_version = load_contract().version
    return _json({"contract_version": contract_version, "year": year, "observations": observations})


def _sdmx_csv(rows: list[dict]) -> bytes:
    """SDMX-CSV 2.0: STRUCTURE, STRUCTURE_ID, ACTION, then the contract's columns upper-cased."""
    contract = load_contract()
    header = ["STRUCTURE", "STRUCTURE_ID", "ACTION", *(c.upper() for c in contract.columns)]
    structure = ["dataflow", f"{DATAFLOW}({contract.version})", "I"]
    return _csv(header, [[*structure, *(row[c] for c in contract.columns)] for row in rows])


def sort_observations(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda row: publication_order(row["geo"], series_key(row)))


def publication_order(geo: str, key: tuple[str, ...]) -> tuple:
    """Sort key: geo, then the contract's series order (unknown series last)."""
    keys = load_contract().series_keys()
    return geo, keys.index(key) if key in keys else len(keys), key


def _csv(header: list[str], records: list[list]) -> bytes:
    """RFC 4180 (CRLF line ends), UTF-8, empty for None, formula-injection safe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([_cell(value) for value in record] for record in records)
    return out.getvalue().encode("utf-8")


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _json(document: object) -> bytes:
    text = json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False, default=str)
    return (text + "\n").encode("utf-8")
