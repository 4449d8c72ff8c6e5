"""The SDMX structure of the Article 8 figures, generated from the contract with pysdmx.

Code lists for every coded component, a concept scheme, the data structure definition (FREQ
first, the contract's dimensions, TIME_PERIOD last, then the attributes, the EU aggregate's
coverage and the unit) and the dataflow, all final and versioned with the contract. Names come
from the contract, codes are the SDMX global ones where the contract's `sdmx` settings say so.
SDMX-CSV is written through the same in-memory structure.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import pandas as pd
from pysdmx.io import write_sdmx
from pysdmx.io.format import Format
from pysdmx.io.pd import PandasDataset
from pysdmx.model import (
    Agency,
    Annotation,
    Code,
    Codelist,
    Component,
    Components,
    Concept,
    ConceptScheme,
    Dataflow,
    DataStructureDefinition,
    DataType,
    Facets,
    Schema,
)
from pysdmx.model.dataflow import Role
from pysdmx.model.dataset import ActionType
from pysdmx.model.message import Header

from contracts.contract import Contract, custom_properties, load_contract
from contracts.sdmx_layout import ACTIONS as ACTION_CODES
from contracts.sdmx_layout import FREQ, TIME, UNIT, Layout, layout

STRUCTURE_21 = "structure.sdmx21.xml"  # SDMX-ML 2.1: what sdmx1 and most tools read
STRUCTURE_30 = "structure.sdmx30.xml"  # SDMX-ML 3.0: read back by pysdmx
STRUCTURE_FILES = {STRUCTURE_21: Format.STRUCTURE_SDMX_ML_2_1, STRUCTURE_30: Format.STRUCTURE_SDMX_ML_3_0}
ROLES = {"dimension": Role.DIMENSION, "measure": Role.MEASURE, "attribute": Role.ATTRIBUTE}
TYPES = {"BIGINT": DataType.LONG, "VARCHAR": DataType.STRING}  # by physical type
AGGREGATE = "AGGREGATE"  # annotation type marking an aggregate code (EU27_2020)
ACTIONS = dict(
    zip(ACTION_CODES, (ActionType.Information, ActionType.Append, ActionType.Replace), strict=True)
)
_URN = "urn:sdmx:org.sdmx.infomodel"


@dataclass(frozen=True)
class Structure:
    """The SDMX artefacts of one contract version, and how contract fields map to components."""

    agency: str
    version: str
    codelists: list[Codelist]
    concepts: ConceptScheme
    dsd: DataStructureDefinition
    dataflow: Dataflow
    header: Header
    layout: Layout  # the ids, what reading a file needs (contracts/sdmx_layout.py)

    @property
    def component_of(self) -> dict[str, str]:
        """Contract field (and the EU coverage column) -> component id."""
        return self.layout.component_of

    @property
    def coverage(self) -> str:
        return self.layout.coverage

    @property
    def structure_id(self) -> str:
        return self.layout.structure_id

    def same_major(self, structure_id: str) -> bool:
        return self.layout.same_major(structure_id)

    @property
    def field_of(self) -> dict[str, str]:
        return self.layout.field_of

    def table_fields(self, fields: dict[str, dict]) -> dict[str, dict]:
        """Component id -> Table Schema field of its column in SDMX-CSV, from the fields of the
        contract's columns (by name): the code list constraint as SDMX writes the codes, and
        the unit's codes."""
        out = {}
        for name, component in self.component_of.items():
            field = fields[name]
            constraints = field.get("constraints", {})
            if "enum" in constraints:
                enum = [self.layout.sdmx_code(component, code) for code in constraints["enum"]]
                field = {**field, "constraints": {**constraints, "enum": enum}}
            out[component] = field
        units = sorted(set(self.layout.unit_of.values()))
        out[UNIT] = {"type": "string", "constraints": {"required": True, "enum": units}}
        return out

    @property
    def schema(self) -> Schema:
        return Schema(
            context="dataflow",
            agency=self.agency,
            id=self.dataflow.id,
            version=self.version,
            components=self.dsd.components,
        )

    def artefacts(self) -> list:
        return [*self.codelists, self.concepts, self.dsd, self.dataflow]

    def write(self, fmt: Format) -> str:
        return write_sdmx(self.artefacts(), fmt, header=self.header)

    def files(self) -> dict[str, bytes]:
        """File name -> SDMX-ML of the structure (2.1 and 3.0)."""
        return {name: self.write(fmt).encode("utf-8") for name, fmt in STRUCTURE_FILES.items()}


def sdmx_settings(contract: Contract) -> dict:
    return custom_properties(contract.doc)["sdmx"]


def structure(contract: Contract | None = None) -> Structure:
    """The structure of the contract (the run's by default), every artefact final at the
    contract's version: named concepts and code lists, the SDMX codes where the contract writes
    its own, the geo code list with the EU aggregate code, the unit as a series attribute."""
    return _structure(contract or load_contract())


@cache
def _structure(contract: Contract) -> Structure:
    sdmx, ids = sdmx_settings(contract), layout(contract)
    _check_settings(contract, sdmx, ids)
    eu_aggregate = contract.eu_aggregate
    agency, version = ids.agency, ids.version
    concept_scheme = sdmx["conceptScheme"]["id"]

    def concept_urn(cid: str) -> str:
        return f"{_URN}.conceptscheme.Concept={agency}:{concept_scheme}({version}).{cid}"

    def codelist(cid: str, name: str, description: str | None, codes: dict[str, str]) -> Codelist:
        annotated = aggregate if cid == ids.component_of["geo"] else {}
        items = [
            Code(id=ids.sdmx_code(cid, c), name=label, annotations=annotated.get(c, ()))
            for c, label in codes.items()
        ]
        follows = sdmx["globalCodeLists"].get(cid)
        if follows:
            description = f"{description or ''} Codes of the SDMX global code list {follows}.".lstrip()
        return Codelist(id=f"CL_{cid}", agency=agency, version=version, name=name, description=description,
                        items=items, is_final=True)  # fmt: skip

    aggregate = {
        eu_aggregate: [Annotation(type=AGGREGATE, text="Sum of the Member States that gave the figure")]
    }
    codelists, concepts, components = [], [], []

    def add(cid, role, required, label, description, codes=None, dtype=None, facets=None, attachment="O"):
        named = sdmx["concepts"].get(cid, {})
        name, description = named.get("name", label), named.get("description", description)
        cl = codelist(cid, name, description, codes) if codes else None
        if cl:
            codelists.append(cl)
        concept = Concept(id=cid, urn=concept_urn(cid), name=name, description=description, codes=cl,
                          dtype=None if cl else dtype)  # fmt: skip
        concepts.append(concept)
        components.append(
            Component(
                id=cid,
                required=required,
                role=role,
                concept=concept,
                local_codes=cl,
                local_dtype=dtype,
                local_facets=facets,
                attachment_level=attachment if role == Role.ATTRIBUTE else None,
            )
        )

    add(FREQ, Role.DIMENSION, True, FREQ, None, codes=sdmx["frequency"])
    field = {f.name: f for f in contract.observation_fields}
    for cid in ids.components[1:-2]:  # FREQ first, the coverage and the unit last: added apart
        f = field[ids.field_of[cid]]
        codes = None
        if f.code_list:
            codes = dict(contract.code_lists[f.code_list])
            if f.name == "geo":
                codes[eu_aggregate] = "European Union (27 Member States from 2020), aggregate"
        facets = None
        if f.minimum is not None or f.max_length is not None:
            facets = Facets(min_value=f.minimum, max_length=f.max_length)
        dtype = None if codes or cid == TIME else TYPES[f.physical_type]
        add(cid, ROLES[f.role], f.role == "dimension", f.label, f.description, codes, dtype, facets)

    # An observation-level attribute only EU aggregate rows carry: how many states the sum is over.
    add(ids.coverage, Role.ATTRIBUTE, False, ids.coverage, contract.eu_aggregate_rule["coverageDescription"],
        dtype=DataType.INTEGER, facets=Facets(min_value=0))  # fmt: skip
    # The unit of every figure of a series, from its indicator.
    series_level = ",".join(c.id for c in components if c.role == Role.DIMENSION and c.id != TIME)
    add(UNIT, Role.ATTRIBUTE, False, UNIT, None, codes=sdmx["unit"]["codes"], attachment=series_level)

    dsd = DataStructureDefinition(
        id=sdmx["dataStructure"]["id"],
        name=sdmx["dataStructure"]["name"],
        agency=agency,
        version=version,
        components=Components(components),
        is_final=True,
    )
    flow = Dataflow(id=ids.dataflow, name=sdmx["dataflow"]["name"], agency=agency, version=version,
                    structure=dsd, is_final=True)  # fmt: skip
    scheme = ConceptScheme(id=concept_scheme, name=sdmx["conceptScheme"]["name"], agency=agency,
                           version=version, items=concepts, is_final=True)  # fmt: skip
    header = Header(
        id=f"{agency}_{flow.id}_{version.replace('.', '_')}_STRUCTURE",
        prepared=sdmx["prepared"],
        sender=Agency(id=agency),
    )
    return Structure(agency, version, codelists, scheme, dsd, flow, header, ids)


def _check_settings(contract: Contract, sdmx: dict, ids: Layout) -> None:
    """The SDMX settings name codes of the contract's lists and a unit for every indicator."""
    code_list_of = {ids.component_of[f.name]: f.code_list for f in contract.observation_fields if f.code_list}
    wrong = [
        f"standardCodes {cid} {code}"
        for cid, codes in ids.standard.items()
        for code in codes
        if code not in contract.code_lists.get(code_list_of.get(cid), {})
    ]
    units = sdmx["unit"]["codes"]
    wrong += [f"unit of {i}" for i in contract.code_lists["indicator"] if ids.unit_of.get(i) not in units]
    wrong += [f"globalCodeLists {c}" for c in sdmx["globalCodeLists"] if c not in {FREQ, *code_list_of}]
    if wrong:
        raise ValueError(f"contract {contract.version}: SDMX settings that name no contract code: {wrong}")


def write_sdmx_csv(rows: list[dict], action: str = "I", release: bool = False) -> str:
    """SDMX-CSV 2.0 of contract rows, written by pysdmx: columns in the structure's order,
    FREQ A on every row, codes as SDMX writes them, an empty value stays empty (never NaN).
    Only a release has the columns it derives (the EU aggregate's coverage, the unit): a
    submission holds one state's own figures."""
    s, ids = structure(), layout()
    columns = [c.id for c in s.dsd.components if release or c.id not in ids.release_only]
    records = []
    for row in rows:
        record = {c: ids.sdmx_code(c, _text(row.get(f))) for f, c in ids.component_of.items()}
        record[FREQ] = ids.frequencies[0]
        if release:
            record[UNIT] = ids.unit_of.get(row.get("indicator"), "")
        records.append(record)
    table = pd.DataFrame(records, columns=columns, dtype=object)
    dataset = PandasDataset(structure=s.schema, data=table, action=ACTIONS[action])
    return write_sdmx(dataset, Format.DATA_SDMX_CSV_2_0_0)


def _text(value) -> str:
    return "" if value is None else str(value)
