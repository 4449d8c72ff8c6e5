"""The SDMX structure of the Article 8 figures, generated from the contract with pysdmx.

Code lists for every coded component, a concept scheme, the data structure definition (FREQ
first, the contract's dimensions, TIME_PERIOD last, then the attributes and the EU aggregate's
coverage) and the dataflow, all versioned with the contract. SDMX-CSV is written and read
through the same in-memory structure.
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
from contracts.sdmx_layout import FREQ, TIME, Layout, layout

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


@cache
def structure(contract: Contract | None = None) -> Structure:
    """The structure of the contract; the geo code list also holds the EU aggregate code."""
    contract = contract or load_contract()
    sdmx, ids = sdmx_settings(contract), layout(contract)
    eu_aggregate = contract.eu_aggregate
    agency, version = ids.agency, ids.version
    concept_scheme = sdmx["conceptScheme"]["id"]

    def concept_urn(cid: str) -> str:
        return f"{_URN}.conceptscheme.Concept={agency}:{concept_scheme}({version}).{cid}"

    def codelist(cid: str, codes: dict[str, str], annotated: dict[str, Annotation] | None = None) -> Codelist:
        annotated = annotated or {}
        items = [Code(id=c, name=name, annotations=annotated.get(c, ())) for c, name in codes.items()]
        return Codelist(id=f"CL_{cid}", agency=agency, version=version, name=cid.title(), items=items)

    aggregate = {
        eu_aggregate: [Annotation(type=AGGREGATE, text="Sum of the Member States that gave the figure")]
    }
    codelists, concepts, components = [], [], []

    def add(cid, role, required, description, codes=None, dtype=None, facets=None, annotated=None):
        cl = codelist(cid, codes, annotated) if codes is not None else None
        if cl:
            codelists.append(cl)
        concept = Concept(id=cid, urn=concept_urn(cid), name=cid.replace("_", " ").capitalize(),
                          description=description, codes=cl, dtype=None if cl else dtype)  # fmt: skip
        concepts.append(concept)
        attachment = "O" if role == Role.ATTRIBUTE else None
        components.append(
            Component(
                id=cid,
                required=required,
                role=role,
                concept=concept,
                local_codes=cl,
                local_dtype=dtype,
                local_facets=facets,
                attachment_level=attachment,
            )
        )

    add(FREQ, Role.DIMENSION, True, "Frequency of the figures.", codes=sdmx["frequency"])
    field = {f.name: f for f in contract.observation_fields}
    for cid in ids.components[1:-1]:  # FREQ first, the coverage last: added apart
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
        required = f.role == "dimension"
        add(cid, ROLES[f.role], required, f.description, codes, dtype, facets,
            aggregate if f.name == "geo" else None)  # fmt: skip

    # An observation-level attribute only EU aggregate rows carry: how many states the sum is over.
    add(ids.coverage, Role.ATTRIBUTE, False, contract.eu_aggregate_rule["coverageDescription"],
        dtype=DataType.INTEGER,
        facets=Facets(min_value=0))  # fmt: skip

    dsd = DataStructureDefinition(
        id=sdmx["dataStructure"]["id"],
        name=sdmx["dataStructure"]["name"],
        agency=agency,
        version=version,
        components=Components(components),
    )
    flow = Dataflow(id=ids.dataflow, name=sdmx["dataflow"]["name"], agency=agency, version=version,
                    structure=dsd)  # fmt: skip
    scheme = ConceptScheme(id=concept_scheme, name=sdmx["conceptScheme"]["name"], agency=agency,
                           version=version, items=concepts)  # fmt: skip
    header = Header(
        id=f"{agency}_{flow.id}_{version.replace('.', '_')}_STRUCTURE",
        prepared=sdmx["prepared"],
        sender=Agency(id=agency),
    )
    return Structure(agency, version, codelists, scheme, dsd, flow, header, ids)


def write_sdmx_csv(rows: list[dict], action: str = "I", release: bool = False) -> str:
    """SDMX-CSV 2.0 of contract rows, written by pysdmx: columns in the structure's order,
    FREQ A on every row, an empty value stays empty (never NaN). Only a release has the EU
    aggregate's coverage column: a submission holds one state's own figures."""
    s = structure()
    frequency = next(iter(sdmx_settings(load_contract())["frequency"]))
    columns = [c.id for c in s.dsd.components if release or c.id != s.coverage]
    table = pd.DataFrame(
        [{FREQ: frequency, **{c: _text(row.get(f)) for f, c in s.component_of.items()}} for row in rows],
        columns=columns,
        dtype=object,
    )
    dataset = PandasDataset(structure=s.schema, data=table, action=ACTIONS[action])
    return write_sdmx(dataset, Format.DATA_SDMX_CSV_2_0_0)


def _text(value) -> str:
    return "" if value is None else str(value)
