"""The SDMX-CSV layout of the contract's dataflow, without pysdmx: its id, its component ids in
the structure's order, the contract field each one carries, its frequencies and actions, the
codes SDMX writes otherwise than the contract (_T for TOTAL ...) and the unit of each indicator.

Reading and judging an SDMX-CSV submission needs only this, so `validate` of one file does not
pay for importing pysdmx and pandas; contracts/sdmx.py builds the pysdmx structure on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, cached_property

from contracts.contract import Contract, custom_properties, load_contract

FREQ = "FREQ"
TIME = "TIME_PERIOD"
ACTIONS = ("I", "A", "R")  # the SDMX actions a file may carry: information, append, replace
UNIT = "UNIT_MEASURE"  # the SDMX cross-domain concept of the unit


@dataclass(frozen=True)
class Layout:
    agency: str
    dataflow: str
    version: str
    component_of: dict[str, str]  # contract field (and the EU coverage column) -> component id
    components: tuple[str, ...]  # FREQ, the dimensions, TIME_PERIOD, the others, coverage, unit
    coverage: str  # component id of the EU aggregate's coverage: in releases, never in submissions
    frequencies: tuple[str, ...]
    unit_of: dict[str, str]  # indicator -> unit code (the UNIT component: in releases only)
    standard: dict[str, dict[str, str]]  # component id -> contract code -> the SDMX code written

    @property
    def release_only(self) -> tuple[str, str]:
        """Components a release derives and a submission never carries."""
        return self.coverage, UNIT

    def sdmx_code(self, component: str, code: str | None) -> str | None:
        """The code as SDMX files write it (the SDMX special code where the contract has its own)."""
        return self.standard.get(component, {}).get(code, code)

    def contract_code(self, component: str, code: str | None) -> str | None:
        """The contract's code of a code an SDMX file gives (it may give either spelling)."""
        return self._contract_codes.get(component, {}).get(code, code)

    @cached_property
    def _contract_codes(self) -> dict[str, dict[str, str]]:
        return {c: {v: k for k, v in codes.items()} for c, codes in self.standard.items()}

    @property
    def structure_id(self) -> str:
        """The STRUCTURE_ID of an SDMX-CSV file: AGENCY:ID(VERSION) of the dataflow."""
        return f"{self.agency}:{self.dataflow}({self.version})"

    def same_major(self, structure_id: str) -> bool:
        """`structure_id` is AGENCY:ID(M.m.p) of this dataflow at the same major version (minor
        versions stay compatible)."""
        flow = f"{re.escape(self.agency)}:{re.escape(self.dataflow)}"
        m = re.fullmatch(rf"{flow}\((\d+)\.\d+\.\d+\)", structure_id)
        return bool(m) and m[1] == self.version.split(".")[0]

    @property
    def field_of(self) -> dict[str, str]:
        return {c: f for f, c in self.component_of.items()}

    def column(self, field: str) -> str:
        """The SDMX-CSV column of a contract field (any other column name upper-cased)."""
        return self.component_of.get(field, field.upper())


def layout(contract: Contract | None = None) -> Layout:
    """The SDMX layout of `contract` (the run's by default), worked out once per contract."""
    return _layout(contract or load_contract())


@cache
def _layout(contract: Contract) -> Layout:
    sdmx = custom_properties(contract.doc)["sdmx"]
    fields = {p["name"]: p for p in contract.doc["schema"][0]["properties"]}
    component_of = {
        f.name: custom_properties(fields[f.name]).get("sdmxId", f.name.upper())
        for f in contract.observation_fields
    }
    dimensions = [f.name for f in contract.observation_fields if f.role == "dimension"]
    ordered = [n for n in dimensions if component_of[n] != TIME]
    ordered += [n for n in component_of if component_of[n] == TIME]
    ordered += [f.name for f in contract.observation_fields if f.role != "dimension"]
    coverage_field = contract.eu_aggregate_rule["coverageAttribute"]
    coverage = coverage_field.upper()
    return Layout(
        agency=sdmx["agency"],
        dataflow=sdmx["dataflow"]["id"],
        version=contract.version,
        component_of={**component_of, coverage_field: coverage},
        components=(FREQ, *(component_of[n] for n in ordered), coverage, UNIT),
        coverage=coverage,
        frequencies=tuple(sdmx["frequency"]),
        unit_of=sdmx["unit"]["byIndicator"],
        standard=sdmx["standardCodes"],
    )
