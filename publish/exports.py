"""The data files of a release, rendered to bytes: identical inputs give identical bytes."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path

import duckdb

from contracts import schemas
from contracts.contract import load_contract
from contracts.sdmx import STRUCTURE_21, STRUCTURE_30, structure, write_sdmx_csv
from contracts.vtl import RULES_FILE, vtl_program
from publish import workbook
from publish.disclosure import COVERAGE, EU_AGGREGATE, MISSING, PUBLIC_HIDDEN, public_marking, series_key

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"


def render_exports(rows: list[dict], submissions: list[dict], year: int) -> dict[str, bytes]:
    """File name -> content of every data file of a release (RELEASE_FILES), from the published rows.
    Text is written with U+FFFD for any character the contract forbids (L0_CONTROL_CHARACTER), so
    none reaches a file; a hidden figure carries the one public marking, whatever the reason."""
    contract = load_contract()
    rows = sort_observations(contract.neutralised(public_marking(rows)))
    submissions = contract.neutralised(submissions)
    return {f.name: f.render(rows, submissions, year) for f in RELEASE_FILES if f.render}


def table_schema() -> dict:
    """Table Schema of observations.csv: the contract's, with the EU aggregate and submission_id."""
    return schemas.table_schema(
        more_codes={"geo": [EU_AGGREGATE]},
        more_fields=[
            {
                "name": "submission_id",
                "title": "submission_id",
                "type": "string",
                "description": "Submission the figure comes from.",
                "constraints": {"required": False},
            },
            {
                "name": COVERAGE,
                "title": COVERAGE,
                "type": "integer",
                "description": load_contract().eu_aggregate_rule["coverageDescription"],
                "constraints": {"required": False, "minimum": 0},
            },
        ],
    )


def data_package(year: int, version: int, files: dict[str, bytes]) -> dict:
    """Frictionless Data Package v2 of a release: every data file a resource with its hash and
    size; the tables (CSV, SDMX-CSV, the spreadsheet's observations sheet) with their schema.
    Its version is the release's."""
    contract = load_contract()
    return {
        "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
        "name": f"article8-statistics-{year}",
        "title": f"Article 8 statistics {year}, Regulation (EU) 2021/1232",
        "description": " ".join(contract.doc["description"]["purpose"].split()),
        "version": str(version),
        "licenses": [{"name": "CC-BY-4.0", "path": LICENCE_URL, "title": "Creative Commons Attribution 4.0"}],
        "resources": [_resource(f, files[f.name]) for f in RELEASE_FILES if f.name in files],
    }


def _resource(file: ReleaseFile, data: bytes) -> dict:
    """A release file as a data package resource: a table with its schema, or a file with its format."""
    resource = {
        "name": file.name.replace(".", "-").replace("_", "-"),
        "path": file.name,
        "format": file.file_type.lower(),
        "mediatype": file.media_type,
        "bytes": len(data),
        "hash": f"sha256:{hashlib.sha256(data).hexdigest()}",
    }
    if file.schema:
        resource.update(type="table", schema=file.schema(data))
        resource.update({"dialect": file.dialect} if file.dialect else {"encoding": "utf-8"})
    else:
        resource["type"] = "json" if file.file_type == "JSON" else "file"
    return resource


def sdmx_schema(data: bytes) -> dict:
    """Table Schema of observations_sdmx.csv, in the order pysdmx wrote its header: the SDMX-CSV
    columns, then each contract column under its SDMX id (Eurostat's flag as OBS_FLAG ...) with
    its codes as SDMX writes them (_T for TOTAL ...), then the unit."""
    contract = load_contract()
    table = {f["name"]: f for f in table_schema()["fields"]}
    by_sdmx_id = structure().table_fields(table)
    required = {"type": "string", "constraints": {"required": True}}
    header = data.split(b"\r\n", 1)[0].decode("utf-8").split(",")
    fields = [{**by_sdmx_id.get(column, required), "name": column} for column in header]
    primary_key = [c for c in header if by_sdmx_id.get(c, {}).get("name") in contract.dimensions]
    return {"fields": fields, "missingValues": [""], "primaryKey": primary_key}


def _parquet(rows: list[dict]) -> bytes:
    """Parquet written by an in-memory DuckDB: same rows, same bytes (one thread, fixed order)."""
    contract = load_contract()
    types = {f.name: f.physical_type for f in contract.observation_fields}
    columns = _observation_columns()
    with tempfile.TemporaryDirectory() as tmp, duckdb.connect() as con:
        con.execute("SET threads = 1")
        types[COVERAGE] = "INTEGER"
        ddl = ", ".join(f"{c} {types.get(c, 'VARCHAR')}" for c in columns)
        con.execute(f"CREATE TABLE observation ({ddl})")
        con.executemany(
            f"INSERT INTO observation VALUES ({', '.join('?' * len(columns))})",
            [[row.get(c) for c in columns] for row in rows],
        )
        path = Path(tmp) / "observations.parquet"
        con.execute(f"COPY observation TO '{path}' (FORMAT parquet, COMPRESSION zstd)")
        return path.read_bytes()


def flags_legend(contract=None) -> dict[str, tuple[str, dict[str, str]]]:
    """Attribute -> (code list, code -> meaning) for every coded attribute (the flags) as public
    outputs use them: conf_status with the public marking's codes, never the reasons."""
    contract = contract or load_contract()
    return {
        f.name: (
            f.code_list,
            contract.disclosure.public_labels
            if f.name == "conf_status"
            else contract.code_lists[f.code_list],
        )
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
        f"({MISSING}: not available) or the conf_status {PUBLIC_HIDDEN} (confidential: hidden by the "
        "sender or by disclosure control; the reason is not said). 0 is a real zero.",
        f"Geo {EU_AGGREGATE} is the sum of the Member States that gave the figure: {COVERAGE} says how "
        "many; a sum over fewer than all carries an obs_status (see 'flags') and the comment names "
        "the missing states.",
        "Sheet 'figures': every figure in words, its number, the code beside it and what the code means "
        "for this figure (the definition that differs, the states missing from an EU sum ...). Sheet "
        "'labels': every code of the observations sheet with its label. Sheet 'flags': the meaning "
        "of every obs_status and conf_status code.",
        f"Licence: {LICENCE_URL}",
    ]


def _observation_columns() -> list[str]:
    return [*load_contract().columns, "submission_id", COVERAGE]


def _observations_csv(rows: list[dict]) -> bytes:
    columns = _observation_columns()
    return _csv(columns, [[row.get(c) for c in columns] for row in rows])


def _observations_json(rows: list[dict], year: int) -> bytes:
    columns = _observation_columns()
    observations = [{c: row.get(c) for c in columns} for row in rows]
    contract_version = load_contract().version
    return _json({"contract_version": contract_version, "year": year, "observations": observations})


def _sdmx_csv(rows: list[dict]) -> bytes:
    """SDMX-CSV 2.0 written by pysdmx with the published structure, then laid out like every
    CSV export (RFC 4180 line ends, formula-safe texts)."""
    header, *records = csv.reader(io.StringIO(write_sdmx_csv(rows, release=True), newline=""))
    return _csv(header, records)


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


@dataclass(frozen=True)
class ReleaseFile:
    """A data file of every release: how it is rendered, how the catalogue and site describe it."""

    name: str
    # (rows in order, submissions, year) -> bytes; None for the data package, which the release
    # writes after the data files because it lists them with their hashes and the version.
    render: Callable[[list[dict], list[dict], int], bytes] | None
    file_type: str  # EU file-type authority code (the catalogue's dct:format)
    media_type: str  # IANA media type
    description: str
    schema: Callable[[bytes], dict] | None = (
        None  # a table's schema (from its bytes): the data package validates its rows
    )
    dialect: dict | None = None  # how a table is read when it is not CSV (the spreadsheet's sheet)


# The one registry of release files: exports, catalogue, data package and site read it.
RELEASE_FILES = (
    CSV := ReleaseFile(
        "observations.csv",
        lambda rows, _s, _y: _observations_csv(rows),
        "CSV",
        "text/csv",
        "Figures as CSV (UTF-8, RFC 4180)",
        schema=lambda _data: table_schema(),
    ),
    ReleaseFile(
        "observations.json",
        lambda rows, _s, year: _observations_json(rows, year),
        "JSON",
        "application/json",
        "Figures as JSON",
    ),
    ReleaseFile(
        "observations.parquet",
        lambda rows, _s, _y: _parquet(rows),
        "PARQUET",
        "application/vnd.apache.parquet",
        "Figures as Parquet",
    ),
    ReleaseFile(
        "observations.xlsx",
        lambda rows, submissions, year: workbook.render(
            rows, submissions, _readme_lines(year), _observation_columns(), _cell, flags_legend()
        ),
        "XLSX",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "Figures as a spreadsheet: in words with the explanation of every code, as coded columns, "
        "with the labels of every code and the flags legend",
        schema=lambda _data: table_schema(),
        dialect={"excel": {"sheet": "observations"}},
    ),
    SDMX_CSV := ReleaseFile(
        "observations_sdmx.csv",
        lambda rows, _s, _y: _sdmx_csv(rows),
        "CSV",
        "text/csv",
        "Figures as SDMX-CSV 2.0 (Eurostat flags as OBS_FLAG, confidentiality as CONF_STATUS); "
        f"its structure is {STRUCTURE_21}",
        schema=sdmx_schema,
    ),
    # The SDMX structure the SDMX-CSV file is published under, and the level-1 rules in VTL.
    ReleaseFile(
        STRUCTURE_21,
        lambda _r, _s, _y: structure().files()[STRUCTURE_21],
        "XML",
        "application/xml",
        "SDMX-ML 2.1 structure of the SDMX-CSV file: code lists, concept scheme, data structure, dataflow",
    ),
    ReleaseFile(
        STRUCTURE_30,
        lambda _r, _s, _y: structure().files()[STRUCTURE_30],
        "XML",
        "application/xml",
        "The same SDMX structure as SDMX-ML 3.0",
    ),
    ReleaseFile(
        RULES_FILE,
        lambda _r, _s, _y: vtl_program().encode("utf-8"),
        "TXT",
        "text/plain",
        "The level-1 validation rules as a VTL 2.1 program over the SDMX-CSV data",
    ),
    PACKAGE := ReleaseFile(
        "datapackage.json",
        None,
        "JSON",
        "application/json",
        "Frictionless Data Package v2 listing every file with its hash and size, and the tables' schemas",
    ),
    ReleaseFile(
        "submissions.json",
        lambda _r, submissions, _y: _json(sorted(submissions, key=itemgetter("geo", "submission_id"))),
        "JSON",
        "application/json",
        "The submissions the figures come from, with national definitions",
    ),
)
RELEASE_FILE = {f.name: f for f in RELEASE_FILES}
