"""Frictionless Table Schema and JSON Schema, derived from the contract.

- `table_schema()`: the canonical observation table (the CSV layout), as a Frictionless
  Table Schema with types, constraints from the code lists, `missingValues` and `primaryKey`.
- `submission_json_schema()`: the JSON submission format (`metadata` + `observations`, see
  docs/formats.md), with enums from the code lists.
Both are plain dicts; `csa-stats contract --out DIR` writes them for Member States.
"""

from __future__ import annotations

from contracts.contract import Contract, Field, load_contract

_TABLE_TYPES = {"string": "string", "integer": "integer", "date": "date"}
_JSON_TYPES = {"string": "string", "integer": "integer", "date": "string"}
SERIES_IN_METADATA = ("geo", "time_period")  # stated once in the JSON metadata


def table_schema(
    contract: Contract | None = None, *, more_codes: dict[str, list[str]] | None = None, more_fields=()
) -> dict:
    """The one Table Schema builder. A published table extends the submitted one: `more_codes`
    (field -> codes beyond its code list, the EU aggregate in geo) and `more_fields` (appended)."""
    contract = contract or load_contract()
    more_codes = more_codes or {}
    fields = []
    for f in contract.observation_fields:
        constraints: dict = {"required": f.required}
        if f.code_list:
            constraints["enum"] = [*contract.code_lists[f.code_list], *more_codes.get(f.name, [])]
        if f.minimum is not None:
            constraints["minimum"] = f.minimum
        if f.max_length is not None:
            constraints["maxLength"] = f.max_length
        fields.append(
            {
                "name": f.name,
                "title": f.name,
                "type": _TABLE_TYPES[f.logical_type],
                "description": f.description,
                "constraints": constraints,
            }
        )
    return {
        "$schema": "https://datapackage.org/profiles/2.0/tableschema.json",
        "fields": [*fields, *more_fields],
        "missingValues": [""],
        "primaryKey": contract.dimensions,
        "fieldsMatch": "superset",  # only these fields, by name; conf_status may be left out
    }


def _json_property(f: Field, contract: Contract) -> dict:
    prop: dict = {"description": f.description}
    kind = _JSON_TYPES[f.logical_type]
    prop["type"] = kind if f.required else [kind, "null"]
    if f.logical_type == "date":
        prop["format"] = "date"
    if f.code_list:
        codes = list(contract.code_lists[f.code_list])
        prop["enum"] = codes if f.required else [*codes, None]
    if f.minimum is not None:
        prop["minimum"] = f.minimum
    if f.max_length is not None:
        prop["maxLength"] = f.max_length
    return prop


def submission_json_schema(contract: Contract | None = None) -> dict:
    contract = contract or load_contract()
    metadata = {f.name: _json_property(f, contract) for f in contract.metadata_fields}
    observation = {f.name: _json_property(f, contract) for f in contract.observation_fields}
    observation_required = [
        f.name for f in contract.observation_fields if f.required and f.name not in SERIES_IN_METADATA
    ]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{contract.id}:json-submission:{contract.version}",
        "title": f"Article 8 submission (JSON), contract {contract.version}",
        "description": "Metadata of the submission and one observation per series key; "
        "geo and time_period may be repeated in observations and must then match the metadata.",
        "type": "object",
        "required": ["metadata", "observations"],
        "additionalProperties": False,
        "properties": {
            "metadata": {
                "type": "object",
                "required": [f.name for f in contract.metadata_fields if f.required],
                "additionalProperties": False,
                "properties": metadata,
            },
            "observations": {
                "type": "array",
                "minItems": len(contract.series),
                "items": {
                    "type": "object",
                    "required": [*observation_required, "obs_value"],
                    "additionalProperties": False,
                    "properties": observation,
                },
            },
        },
    }
