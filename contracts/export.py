"""Write every artefact derived from the contract, so a Member State can take them all."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from contracts.contract import CONTRACT_PATH

SUBMISSION_SCHEMA = "article8-submission.schema.json"
TABLE_SCHEMA = "article8-observation.tableschema.json"
STAGING_DDL = "article8-staging.duckdb.sql"
GX_SUITE = "article8-observation.gx-suite.json"
TEMPLATE = "article8-template.xlsx"


def _json(doc: dict, path: Path) -> Path:
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def write_schemas(out: Path) -> list[Path]:
    """The two JSON documents (light: no pandas or GX)."""
    from contracts.schemas import submission_json_schema, table_schema

    out.mkdir(parents=True, exist_ok=True)
    return [
        _json(submission_json_schema(), out / SUBMISSION_SCHEMA),
        _json(table_schema(), out / TABLE_SCHEMA),
    ]


def export_contract(out: Path) -> list[Path]:
    """The contract YAML itself plus JSON Schema, Table Schema, DuckDB DDL, GX suite, template,
    SDMX structure and VTL rules."""
    from contracts.ddl import staging_ddl
    from contracts.gx_suite import suite_document
    from contracts.template import build_template

    out = Path(out)
    written = write_schemas(out)
    contract_copy = out / CONTRACT_PATH.name
    shutil.copyfile(CONTRACT_PATH, contract_copy)
    ddl = out / STAGING_DDL
    ddl.write_text(staging_ddl(), encoding="utf-8")
    written += [contract_copy, ddl, _json(suite_document(), out / GX_SUITE), build_template(out / TEMPLATE)]
    return written + write_sdmx(out)


def write_sdmx(out: Path) -> list[Path]:
    """The SDMX structure (SDMX-ML 2.1 and 3.0) and the level-1 rules in VTL."""
    from contracts.sdmx import structure
    from contracts.vtl import RULES_FILE, vtl_program

    files = {**structure().files(), RULES_FILE: vtl_program().encode("utf-8")}
    for name, data in files.items():
        (out / name).write_bytes(data)
    return [out / name for name in files]
