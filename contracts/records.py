"""Load the record-level contract (ODCS YAML) and derive from it the DuckDB check SQL.

Code lists are taken from the Article 8 contract: a record field with `codeList:
article8:<list>` accepts the record-level codes of that list, i.e. the parts of the Article 8
additivity rule over that dimension (totals and _Z are aggregates, never record values).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from contracts.contract import Rule, additivity_parts, custom_properties, load_contract, parse_rule
from contracts.ddl import sql_identifier, sql_text

RECORDS_CONTRACT_PATH = Path(__file__).with_name("records.odcs.yaml")
ARTICLE8_PREFIX = "article8:"


@dataclass(frozen=True)
class RecordField:
    name: str
    logical_type: str
    physical_type: str
    required: bool
    description: str
    code_list: str | None = None  # name of the Article 8 code list
    codes: tuple[str, ...] = ()  # the record-level codes of that list
    when_missing: str | None = None  # code an empty value is counted as
    minimum: dt.date | None = None
    maximum: str | None = None  # a date, or "today"
    references: tuple[str, str] | None = None  # (table, field)

    def max_date(self, today: dt.date) -> dt.date | None:
        if self.maximum == "today":
            return today
        return dt.date.fromisoformat(self.maximum) if self.maximum else None


@dataclass(frozen=True)
class RecordTable:
    name: str  # report | child | conviction
    file_stem: str  # files are <file_stem>*.parquet or <file_stem>*.csv
    description: str
    year_date: str  # the date field that decides the reporting year
    fields: tuple[RecordField, ...]
    primary_key: tuple[str, ...]

    def field(self, name: str) -> RecordField:
        return next(f for f in self.fields if f.name == name)

    @property
    def columns(self) -> list[str]:
        return [f.name for f in self.fields]


@dataclass(frozen=True)
class CountedSeries:
    """How one Article 8 series is counted: rows of `units` where `where` (column -> code) holds."""

    key: tuple[str, ...]  # the Article 8 series key
    units: str  # a unit relation of transforms/records.py (one row per thing counted)
    by: tuple[str, ...]  # the record columns the units are broken down by
    where: dict[str, str]


@dataclass(frozen=True)
class Check:
    """One row-level rule: rows where `predicate` holds break it; `value` is what to show."""

    rule: str
    table: str
    field: str
    predicate: str
    value: str
    params: dict


class RecordContract:
    def __init__(self, doc: dict):
        self.doc = doc
        self.version: str = doc["version"]
        self.id: str = doc["id"]
        custom = custom_properties(doc)
        self.counting_rules: list[dict] = custom["countingRules"]
        self.rules: dict[str, Rule] = {q["name"]: parse_rule(q) for q in doc["quality"]}
        self.tables: dict[str, RecordTable] = {s["name"]: _table(s) for s in doc["schema"]}
        self.counted_series: list[CountedSeries] = _counted_series(self.counting_rules)
        self.information_counts: list[dict] = custom["informationCounts"]
        unknown = [c["rule"] for c in self.information_counts if c["rule"] not in self.rules]
        if unknown:
            raise ValueError(
                f"records contract {self.version}: informationCounts name unknown rules {unknown}"
            )

    def table_of_file(self, path: Path) -> RecordTable | None:
        """The table a landed file belongs to, by its name (reports*.parquet, children*.csv ...)."""
        if path.suffix.lower() not in (".parquet", ".csv"):
            return None
        return next((t for t in self.tables.values() if path.name.lower().startswith(t.file_stem)), None)

    def counting_rule(self, indicator: str) -> str:
        return next(r["rule"] for r in self.counting_rules if r["indicator"] == indicator)

    def checks(self, table: str, typed: set[str], today: dt.date) -> list[Check]:
        """The row-level checks of a table over the view `raw_<table>`.

        `typed` names the columns the source already holds in their contract type (Parquet);
        the others arrive as text (CSV) and get a type check first.
        """
        t = self.tables[table]
        checks = []
        for f in t.fields:
            col, value = sql_identifier(f.name), f"CAST({sql_identifier(f.name)} AS VARCHAR)"
            if f.required:
                checks.append(Check("R0_REQUIRED_FIELD", table, f.name, f"{col} IS NULL", "NULL", {}))
            if f.name not in typed:
                checks.append(
                    Check(
                        "R0_TYPE",
                        table,
                        f.name,
                        f"{col} IS NOT NULL AND {_typed(f)} IS NULL",
                        value,
                        {"type": f.logical_type},
                    )
                )
            if f.codes:
                allowed = ", ".join(sql_text(c) for c in f.codes)
                checks.append(
                    Check(
                        "R0_CODE_LIST",
                        table,
                        f.name,
                        f"{col} IS NOT NULL AND {col} NOT IN ({allowed})",
                        value,
                        {"codelist": f.code_list, "expected": ", ".join(f.codes)},
                    )
                )
            low, high = f.minimum, f.max_date(today)
            if low or high:
                low, high = low or dt.date.min, high or dt.date.max
                checks.append(
                    Check(
                        "R0_DATE_RANGE",
                        table,
                        f.name,
                        f"{_typed(f)} NOT BETWEEN DATE '{low}' AND DATE '{high}'",
                        value,
                        {"expected": f"{low} to {high}"},
                    )
                )
        return checks

    def typed_select(self, table: str, typed: set[str]) -> str:
        """The select list that turns `raw_<table>` into contract types (bad values become NULL)."""
        t = self.tables[table]
        return ", ".join(
            sql_identifier(f.name) if f.name in typed else f"{_typed(f)} AS {sql_identifier(f.name)}"
            for f in t.fields
        )

    def key_expression(self, table: str) -> str:
        return ", ".join(sql_identifier(k) for k in self.tables[table].primary_key)

    def references(self) -> list[tuple[RecordTable, RecordField]]:
        return [(t, f) for t in self.tables.values() for f in t.fields if f.references]


def _counted_series(counting_rules: list[dict]) -> list[CountedSeries]:
    """Every series of the Article 8 contract, in its order, as counted from the records.

    On a dimension a rule breaks down by, a series code is a record-level code (the parts of
    the additivity rule over that dimension: counted where the column holds it) or that rule's
    total (no condition); on any other dimension it must not be a record-level code. Anything
    else fails here, when the contracts load: a code the records cannot be counted into is
    never published as a count (no series is ever filled in afterwards).
    """
    article8 = load_contract()
    rules = {r["indicator"]: r for r in counting_rules}
    parts, totals = {}, {}
    for rule in article8.additivity:
        dimension, codes = additivity_parts(rule)
        parts.setdefault(dimension, set()).update(codes)
        totals.setdefault(dimension, set()).add(rule["total"][dimension])
    counted = []
    for series in article8.series:
        key = article8.series_key(series)
        rule = rules.get(series["indicator"])
        if rule is None:
            raise ValueError(
                f"series {'/'.join(key)}: the records contract has no counting rule for its indicator"
            )
        by, where = rule.get("by", {}), {}
        for dimension in article8.series_dimensions[1:]:  # after the indicator
            code, column = series[dimension], by.get(dimension)
            if column and code in parts.get(dimension, ()):
                where[column] = code
            elif column and code not in totals.get(dimension, ()):
                raise ValueError(
                    f"series {'/'.join(key)}: {dimension} code {code} is neither a record-level code "
                    f"nor the total of an additivity rule over {dimension}"
                )
            elif not column and code in parts.get(dimension, ()):
                raise ValueError(
                    f"series {'/'.join(key)}: the counting rule of {series['indicator']} "
                    f"does not break down by {dimension}, so it cannot count {code}"
                )
        counted.append(CountedSeries(key, rule["units"], tuple(by.values()), where))
    return counted


def _typed(f: RecordField) -> str:
    return f"TRY_CAST({sql_identifier(f.name)} AS {f.physical_type})"


def record_codes(list_name: str) -> tuple[str, ...]:
    """Record-level codes of an Article 8 code list: the parts of its additivity rule."""
    article8 = load_contract()
    for rule in article8.additivity:
        dimension, codes = additivity_parts(rule)
        if dimension == list_name:
            return tuple(codes)
    raise ValueError(f"the Article 8 contract has no additivity parts over '{list_name}'")


def _table(schema: dict) -> RecordTable:
    custom = custom_properties(schema)
    fields = tuple(_field(p) for p in schema["properties"])
    keyed = sorted((p["primaryKeyPosition"], p["name"]) for p in schema["properties"] if p.get("primaryKey"))
    return RecordTable(
        name=schema["name"],
        file_stem=schema["physicalName"],
        description=schema.get("description", ""),
        year_date=custom["yearDate"],
        fields=fields,
        primary_key=tuple(name for _, name in keyed),
    )


def _field(p: dict) -> RecordField:
    custom = custom_properties(p)
    options = p.get("logicalTypeOptions", {})
    code_list = custom.get("codeList")
    if code_list and not code_list.startswith(ARTICLE8_PREFIX):
        raise ValueError(f"{p['name']}: code lists come from the Article 8 contract ('article8:<list>')")
    code_list = code_list.removeprefix(ARTICLE8_PREFIX) if code_list else None
    minimum = options.get("minimum")
    return RecordField(
        name=p["name"],
        logical_type=p["logicalType"],
        physical_type=p["physicalType"],
        required=bool(p.get("required", False)),
        description=p.get("description", ""),
        code_list=code_list,
        codes=record_codes(code_list) if code_list else (),
        when_missing=custom.get("whenMissing"),
        minimum=dt.date.fromisoformat(str(minimum)) if minimum else None,
        maximum=str(options["maximum"]) if "maximum" in options else None,
        references=tuple(custom["references"].split(".")) if "references" in custom else None,
    )


@cache
def load_records_contract(path: Path = RECORDS_CONTRACT_PATH) -> RecordContract:
    with open(path, encoding="utf-8") as f:
        return RecordContract(yaml.safe_load(f))
