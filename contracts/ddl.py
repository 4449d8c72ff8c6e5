"""The DuckDB staging DDL of the observation table, derived from the contract.

Types are the contract's `physicalType`, NOT NULL its `required`, the checks its code lists,
minimum and maxLength, the primary key its dimensions. The warehouse's own observation table
(warehouse/migrations/001_initial.sql) carries the same columns and types after its
`submission_id`; tests/test_contract.py holds the two together.
"""

from __future__ import annotations

from contracts.contract import Contract, Field, load_contract


def sql_text(text: str) -> str:
    """A DuckDB string literal (the one place SQL text is quoted)."""
    return "'" + text.replace("'", "''") + "'"


def sql_identifier(name: str) -> str:
    """A DuckDB quoted identifier."""
    return '"' + name.replace('"', '""') + '"'


def _column(f: Field, contract: Contract) -> str:
    parts = [f"{f.name:<12} {f.physical_type}"]
    if f.required:
        parts.append("NOT NULL")
    if f.code_list:
        codes = ", ".join(sql_text(c) for c in contract.code_lists[f.code_list])
        parts.append(f"CHECK ({f.name} IN ({codes}))")
    if f.minimum is not None:
        parts.append(f"CHECK ({f.name} >= {f.minimum})")
    if f.max_length is not None:
        parts.append(f"CHECK (length({f.name}) <= {f.max_length})")
    return " ".join(parts)


def staging_ddl(table: str = "staging_observation", contract: Contract | None = None) -> str:
    """CREATE TABLE for one submission's canonical observations, with the contract's checks."""
    contract = contract or load_contract()
    lines = [_column(f, contract) for f in contract.observation_fields]
    lines.append(f"PRIMARY KEY ({', '.join(contract.dimensions)})")
    body = ",\n    ".join(lines)
    return (
        f"-- Derived from contract {contract.id} {contract.version}\nCREATE TABLE {table} (\n    {body}\n);\n"
    )
