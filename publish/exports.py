"""The data files of a release, rendered to bytes: identical inputs give identical bytes."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from operator import itemgetter
from pathlib import Path

import duckdb
from openpyxl import Workbook
from openpyxl.styles import Font

from contracts.contract import Field, load_contract
from contracts.template import _save as save_workbook  # fixed timestamps: same rows, same bytes
from publish.disclosure import EU_AGGREGATE, series_key

DATAFLOW = "CSA:DF_ART8"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"


def render_exports(rows: list[dict], submissions: list[dict], year: int) -> dict[str, bytes]:
    """File name -> content of every data export of the published rows. Text is written with
    U+FFFD for any character the contract forbids (L0_CONTROL_CHARACTER), so none reaches a file."""
    contract = load_contract()
    rows = sort_observations(contract.neutralised(rows))
    submissions = contract.neutralised(submissions)
    return {
        "observations.csv": _observations_csv(rows),
        "observations.json": _observations_json(rows, year),
        "observations.parquet": _parquet(rows),
        "observations.xlsx": _xlsx(rows, year),
        "observations_sdmx.csv": _sdmx_csv(rows),
        "submissions.json": _json(sorted(submissions, key=itemgetter("geo", "submission_id"))),
        "datapackage.json": _json(data_package(year)),
    }


def table_schema() -> dict:
    """Frictionless Table Schema of observations.csv, derived from the contract."""
    contract = load_contract()
    fields = [_schema_field(f) for f in contract.observation_fields]
    fields.append(
        {"name": "submission_id", "type": "string", "description": "Submission the figure comes from."}
    )
    return {"fields": fields, "missingValues": [""], "primaryKey": contract.dimensions}


def _schema_field(f: Field) -> dict:
    field = {"name": f.name, "type": f.logical_type, "description": f.description}
    constraints = {"required": True} if f.required else {}
    if f.code_list:
        codes = list(load_contract().code_lists[f.code_list])
        constraints["enum"] = codes + [EU_AGGREGATE] if f.name == "geo" else codes
    if f.minimum is not None:
        constraints["minimum"] = f.minimum
    if f.max_length is not None:
        constraints["maxLength"] = f.max_length
    return {**field, "constraints": constraints} if constraints else field


def data_package(year: int) -> dict:
    """Frictionless Data Package v2 describing the release's CSV table."""
    contract = load_contract()
    return {
        "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
        "name": f"article8-statistics-{year}",
        "title": f"Article 8 statistics {year}, Regulation (EU) 2021/1232",
        "description": " ".join(contract.doc["description"]["purpose"].split()),
        "version": contract.version,
        "licenses": [{"name": "CC-BY-4.0", "path": LICENCE_URL, "title": "Creative Commons Attribution 4.0"}],
        "resources": [
            {
                "name": "observations",
                "path": "observations.csv",
                "type": "table",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": table_schema(),
            }
        ],
    }


def _parquet(rows: list[dict]) -> bytes:
    """Parquet written by an in-memory DuckDB: same rows, same bytes (one thread, fixed order)."""
    contract = load_contract()
    types = {f.name: f.physical_type for f in contract.observation_fields}
    columns = _observation_columns()
    with tempfile.TemporaryDirectory() as tmp, duckdb.connect() as con:
        con.execute("SET threads = 1")
        ddl = ", ".join(f"{c} {types.get(c, 'VARCHAR')}" for c in columns)
        con.execute(f"CREATE TABLE observation ({ddl})")
        con.executemany(
            f"INSERT INTO observation VALUES ({', '.join('?' * len(columns))})",
            [[row[c] for c in columns] for row in rows],
        )
        path = Path(tmp) / "observations.parquet"
        con.execute(f"COPY observation TO '{path}' (FORMAT parquet, COMPRESSION zstd)")
        return path.read_bytes()


def _xlsx(rows: list[dict], year: int) -> bytes:
    """The observations sheet, a README sheet and the flags legend (from the contract)."""
    contract = load_contract()
    wb = Workbook()
    readme = wb.active
    readme.title = "README"
    for line in _readme_lines(year):
        readme.append([line])
    readme["A1"].font = Font(bold=True)
    readme.column_dimensions["A"].width = 110
    sheet = wb.create_sheet("observations")
    columns = _observation_columns()
    sheet.append(columns)
    for row in rows:
        sheet.append([_cell(row[c]) for c in columns])
    legend = wb.create_sheet("flags")
    legend.append(["attribute", "code", "meaning"])
    for name, (_code_list, codes) in flags_legend(contract).items():
        for code, label in codes.items():
            legend.append([name, code, label])
    for ws in (sheet, legend):
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "A2"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "observations.xlsx"
        save_workbook(wb, path)
        return path.read_bytes()


def flags_legend(contract=None) -> dict[str, tuple[str, dict[str, str]]]:
    """Attribute -> (code list, code -> meaning) for every coded attribute (the flags)."""
    contract = contract or load_contract()
    return {
        f.name: (f.code_list, contract.code_lists[f.code_list])
        for f in contract.observation_fields
        if f.role == "attribute" and f.code_list
    }


def _readme_lines(year: int) -> list[str]:
    contract = load_contract()
    return [
        f"Article 8 statistics {year}, Regulation (EU) 2021/1232 (contract {contract.version})",
        "",
        " ".join(contract.doc["description"]["purpose"].split()),
        " ".join(contract.doc["description"]["limitations"].split()),
        "Sheet 'observations': one row per figure. An empty obs_value has an obs_status saying why "
        "(m: not available) or a conf_status C/D (hidden by disclosure control). 0 is a real zero.",
        f"Geo {EU_AGGREGATE} is the sum of the Member States that gave the figure (see comment).",
        "Sheet 'flags': the meaning of every obs_status and conf_status code.",
        f"Licence: {LICENCE_URL}",
    ]


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
