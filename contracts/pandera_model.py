"""The pandera model of the canonical observation table, derived from the contract.

Guards data where it is a DataFrame (the warehouse loader, before insert): types from
`logicalType`, code lists, minimum, maxLength, required columns and the unique key all come
from `load_contract()`. pandera and pandas are heavy: import this module only where needed.
"""

from __future__ import annotations

from functools import cache

import pandas as pd
import pandera.pandas as pa

from contracts.contract import Contract, Field, load_contract

# Nullable pandas dtypes, so an empty (not available) figure stays empty and never becomes 0.
DTYPES = {"string": "str", "integer": "Int64", "date": "date"}


def _column(f: Field, contract: Contract) -> pa.Column:
    checks = []
    if f.code_list:
        checks.append(pa.Check.isin(sorted(contract.code_lists[f.code_list])))
    if f.minimum is not None:
        checks.append(pa.Check.ge(f.minimum))
    if f.max_length is not None:
        checks.append(pa.Check.str_length(max_value=f.max_length))
    return pa.Column(DTYPES[f.logical_type], checks, nullable=not f.required, required=True, title=f.name)


def observation_schema(contract: Contract | None = None) -> pa.DataFrameSchema:
    """One column per field of the contract's observation table, unique on its dimensions."""
    contract = contract or load_contract()
    return pa.DataFrameSchema(
        {f.name: _column(f, contract) for f in contract.observation_fields},
        unique=contract.dimensions,
        coerce=True,
        strict=True,
        ordered=True,
        name=f"article8_observation {contract.version}",
    )


@cache
def _schema(contract: Contract) -> pa.DataFrameSchema:
    return observation_schema(contract)


def observation_frame(rows: list[dict], contract: Contract | None = None) -> pd.DataFrame:
    """Canonical rows as a DataFrame with the contract's columns in order."""
    columns = (contract or load_contract()).columns
    return pd.DataFrame([{c: r.get(c) for c in columns} for r in rows], columns=columns)


def check_rows(rows: list[dict]) -> pd.DataFrame:
    """The rows as a typed frame; pandera.errors.SchemaErrors lists every failure case."""
    contract = load_contract()
    return _schema(contract).validate(observation_frame(rows, contract), lazy=True)
