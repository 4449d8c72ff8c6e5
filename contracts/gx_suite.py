"""The Great Expectations suite of the observation table, derived from the contract.

Used as the quality gate on the current figures before a release and for the Data Docs
beside validation reports. GX is heavy: import this module only where it is needed.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

from contracts.contract import Contract, load_contract

logging.getLogger("great_expectations").setLevel(logging.WARNING)

import great_expectations as gx  # noqa: E402  (after the logger is quietened)
from great_expectations.data_context.types.base import ProgressBarsConfig  # noqa: E402

SUITE_NAME = "article8_observation"


@dataclass
class GateResult:
    success: bool
    evaluated: int
    failed: list[dict]  # expectation type, column, unexpected examples
    docs: Path | None


def expectations(contract: Contract | None = None) -> list:
    """One expectation per column rule of the contract (types, required, code lists, range, key)."""
    contract = contract or load_contract()
    e = gx.expectations
    found = [e.ExpectTableColumnsToMatchSet(column_set=contract.columns, exact_match=False)]
    for f in contract.observation_fields:
        if f.required:
            found.append(e.ExpectColumnValuesToNotBeNull(column=f.name))
        if f.code_list:
            codes = sorted(contract.code_lists[f.code_list])
            found.append(e.ExpectColumnValuesToBeInSet(column=f.name, value_set=codes))
        if f.minimum is not None:
            found.append(e.ExpectColumnValuesToBeBetween(column=f.name, min_value=f.minimum))
        if f.max_length is not None:
            found.append(e.ExpectColumnValueLengthsToBeBetween(column=f.name, max_value=f.max_length))
    found.append(e.ExpectCompoundColumnsToBeUnique(column_list=contract.dimensions))
    return found


def build_suite(contract: Contract | None = None) -> gx.ExpectationSuite:
    suite = gx.ExpectationSuite(name=SUITE_NAME)
    for expectation in expectations(contract):
        suite.add_expectation(expectation)
    return suite


def suite_document(contract: Contract | None = None) -> dict:
    """The suite as GX's JSON (the form a GX project loads), for `csa-stats contract`."""
    contract = contract or load_contract()
    return {
        "name": SUITE_NAME,
        "expectations": [e.configuration.to_json_dict() for e in expectations(contract)],
        "meta": {"contract": contract.id, "contract_version": contract.version},
    }


def check_frame(frame, docs_dir: Path | None = None, name: str = "current_figures") -> GateResult:
    """Run the suite on a pandas DataFrame of observations; optionally write Data Docs to docs_dir."""
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)  # task logs stay readable
    batch = (
        context.data_sources.add_pandas("article8")
        .add_dataframe_asset(name)
        .add_batch_definition_whole_dataframe("all")
    )
    suite = context.suites.add(build_suite())
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"{name}_validation", data=batch, suite=suite)
    )
    actions = [gx.checkpoint.UpdateDataDocsAction(name="data_docs")] if docs_dir else []
    checkpoint = context.checkpoints.add(
        gx.Checkpoint(name=f"{name}_checkpoint", validation_definitions=[definition], actions=actions)
    )
    result = checkpoint.run(batch_parameters={"dataframe": frame})
    (run,) = result.run_results.values()
    failed = [
        {
            "expectation": r.expectation_config.type,
            "column": r.expectation_config.kwargs.get("column"),
            "unexpected": (r.result or {}).get("partial_unexpected_list", [])[:5],
        }
        for r in run.results
        if not r.success
    ]
    docs = _copy_docs(context, docs_dir) if docs_dir else None
    return GateResult(bool(result.success), len(run.results), failed, docs)


def _copy_docs(context, docs_dir: Path) -> Path:
    """The ephemeral context writes its `local_site` to a temporary folder: keep a copy."""
    site = Path(context.get_config().data_docs_sites["local_site"]["store_backend"]["base_directory"])
    target = Path(docs_dir)
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(site, target)
    return target / "index.html"
