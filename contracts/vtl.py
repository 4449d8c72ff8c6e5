"""The level-1 rules of the contract as a VTL 2.1 program, published with the SDMX structure.

A Member State or Eurostat runs it in its own engine over the SDMX-CSV of the dataflow (dataset
DF_ART8, components as in the structure). Each check names its contract rule; its invalid data
points are the figures our validation reports. How an empty part counts: as nothing. The
parts that are given are added up; when every part is given the sum must equal the total,
otherwise it must not exceed it, so an empty part never hides an exceeded total. A check
over an empty total, or a comparison with an empty figure, has nothing to say.
"""

from __future__ import annotations

from contracts.contract import Contract, load_contract
from contracts.sdmx import FREQ, TIME, structure

RULES_FILE = "rules.vtl"


def vtl_program(contract: Contract | None = None) -> str:
    contract = contract or load_contract()
    s = structure(contract)
    dataset = s.dataflow.id
    by = ", ".join((FREQ, s.component_of["geo"], TIME))  # one verdict per state and year
    blocks = [_header(contract, s.structure_id, dataset), _non_negative(contract, s, dataset)]
    groups = contract.additivity_groups()
    for n, (rule, total, parts) in enumerate(groups, start=1):
        name = rule if [g[0] for g in groups].count(rule) == 1 else f"{rule}_{n}"
        total, parts = _sdmx_key(contract, s, total), [_sdmx_key(contract, s, p) for p in parts]
        blocks.append(_additivity(contract, s, dataset, name, rule, total, parts, by))
    for order in contract.ordering:
        chain = [_sdmx_key(contract, s, contract.series_key(step)) for step in order["chain"]]
        for n, (small, large) in enumerate(zip(chain, chain[1:], strict=False), start=1):
            blocks.append(_order(contract, s, dataset, f"{order['rule']}_{n}", order["rule"], small, large))
    return "\n\n".join(blocks) + "\n"


def _sdmx_key(contract: Contract, s, key: tuple) -> tuple:
    """A series key in the codes the SDMX-CSV data carry (_T for the contract's TOTAL ...)."""
    return tuple(
        s.layout.sdmx_code(s.component_of[d], c) for d, c in zip(contract.series_dimensions, key, strict=True)
    )


def check_names(contract: Contract | None = None) -> dict[str, tuple[str, tuple]]:
    """Each check of the program -> (contract rule, series key its verdicts are about);
    the non-negative check is about every series (key None)."""
    contract = contract or load_contract()
    names: dict[str, tuple[str, tuple | None]] = {"L1_NON_NEGATIVE": ("L1_NON_NEGATIVE", None)}
    groups = contract.additivity_groups()
    for n, (rule, total, _parts) in enumerate(groups, start=1):
        names[rule if [g[0] for g in groups].count(rule) == 1 else f"{rule}_{n}"] = (rule, total)
    for order in contract.ordering:
        chain = [contract.series_key(step) for step in order["chain"]]
        for n, small in enumerate(chain[:-1], start=1):
            names[f"{order['rule']}_{n}"] = (order["rule"], small)
    return names


def _header(contract: Contract, structure_id: str, dataset: str) -> str:
    return "\n".join(
        [
            f"/* Level-1 rules of the Article 8 contract {contract.version}, generated from it (csa-stats).",
            f"   Input: {dataset}, the SDMX-CSV data of the dataflow {structure_id} without its STRUCTURE,",
            "   STRUCTURE_ID and ACTION columns. Every check keeps its invalid data points only.",
            "   An empty part counts as nothing: the given parts must equal the total when all are",
            "   given and must not exceed it otherwise; an empty total, or an empty figure in a",
            "   comparison, is not checked. */",
        ]
    )


def _select(contract: Contract, s, dataset: str, key: tuple) -> str:
    """The rows of one series, its series dimensions removed (sub): one row per state and year."""
    pairs = dict(zip(contract.series_dimensions, key, strict=True))
    sub = ", ".join(f'{s.component_of[d]} = "{code}"' for d, code in pairs.items())
    return f"{dataset} [sub {sub}]"


def _non_negative(contract: Contract, s, dataset: str) -> str:
    (value,) = [f for f in contract.observation_fields if f.role == "measure"]
    measure = s.component_of[value.name]
    return (
        f"/* L1_NON_NEGATIVE: {contract.rules['L1_NON_NEGATIVE'].message.split(':')[0]}. */\n"
        f"L1_NON_NEGATIVE <- check({dataset}#{measure} >= {value.minimum} "
        f'errorcode "L1_NON_NEGATIVE" errorlevel 1 invalid);'
    )


def _additivity(contract: Contract, s, dataset: str, name: str, rule: str, total, parts, by: str) -> str:
    measure = s.component_of["obs_value"]
    dims = contract.series_dimensions
    position = next(i for i, code in enumerate(total) if any(p[i] != code for p in parts))
    dimension = dims[position]
    fixed = [f'{s.component_of[d]} = "{code}"' for d, code in zip(dims, total, strict=True) if d != dimension]
    codes = ", ".join(f'"{p[position]}"' for p in parts)
    named = ", ".join(p[position] for p in parts)
    part_filter = " and ".join([*fixed, f"{s.component_of[dimension]} in {{{codes}}}"])
    return "\n".join(
        [
            f"/* {rule}: {' / '.join(total)} = sum of its {dimension} parts {named}. */",
            f"{name}_TOTAL := {_select(contract, s, dataset, total)} [keep {measure}];",
            f"{name}_PARTS := {dataset} [filter {part_filter}]",
            f"    [calc GIVEN := if isnull({measure}) then 0 else 1, PART := nvl({measure}, 0)]",
            f"    [aggr PARTS_SUM := sum(PART), GIVEN := sum(GIVEN) group by {by}];",
            f"{name} <- check(left_join({name}_TOTAL, {name}_PARTS)",
            f"    [calc OK := isnull({measure}) or (if nvl(GIVEN, 0) = {len(parts)}"
            f" then nvl(PARTS_SUM, 0) = {measure} else nvl(PARTS_SUM, 0) <= {measure})]",
            f'    [keep OK] errorcode "{rule}" errorlevel 1 invalid);',
        ]
    )


def _order(contract: Contract, s, dataset: str, name: str, rule: str, small: tuple, large: tuple) -> str:
    measure = s.component_of["obs_value"]
    return "\n".join(
        [
            f"/* {rule}: {' / '.join(small)} <= {' / '.join(large)}. */",
            f"{name}_SMALL := {_select(contract, s, dataset, small)} [keep {measure}];",
            f"{name}_LARGE := {_select(contract, s, dataset, large)} [keep {measure}]"
            f" [rename {measure} to LARGE];",
            f"{name} <- check(inner_join({name}_SMALL, {name}_LARGE)",
            f"    [calc OK := isnull({measure}) or isnull(LARGE) or {measure} <= LARGE]",
            f'    [keep OK] errorcode "{rule}" errorlevel 1 invalid);',
        ]
    )
