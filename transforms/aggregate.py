"""The aggregate submission a state counts from its record-level files: who declares it, which
legal basis applies, and which revision it becomes."""

from __future__ import annotations

import json
from pathlib import Path

from contracts.contract import load_contract
from transforms.canonical import name_metadata
from transforms.landing import latest_submission
from transforms.records import DECLARATION
from transforms.writers import json_document, write_submission


class RecordsInvalid(ValueError):
    """The record-level files break the records contract; the findings say where."""


def read_declaration(folder: Path) -> dict:
    """Who reports: the office declares it beside its records (submission.meta.json)."""
    path = folder / DECLARATION
    try:
        declared = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RecordsInvalid(
            f"{path}: cannot read the declaration of the reporting authority and contact ({exc})"
        ) from exc
    missing = [k for k in ("reporting_authority", "contact") if not declared.get(k)]
    if missing:
        raise RecordsInvalid(f"{path}: required field(s) {', '.join(missing)} missing")
    return declared


def legal_basis(day) -> str:
    """The legal basis in force on the last day of the reference period."""
    basis = load_contract().legal_basis_on(day)
    if basis is None:
        raise ValueError(f"no legal basis of the contract covers {day}")
    return basis.code


def aggregate_metadata(geo: str, year: int, period: tuple, declaration: dict, run) -> dict:
    """The metadata of the aggregate counted by `run` (a transforms.records.RecordRun): the
    office's declaration, and how it was counted unless the office describes that itself."""
    from contracts.records import load_records_contract

    start, end = period
    periods = load_contract().reference_periods(year)  # the records count each covered one
    sources = ", ".join(f"{f.path.name} ({f.rows} rows, sha256 {f.sha256[:12]})" for f in run.files)
    rules = " ".join(f"{r['indicator']}: {r['rule']}" for r in load_records_contract().counting_rules)
    return {
        "geo": geo,
        "time_period": year,
        "ref_period_start": start,
        "ref_period_end": end,
        "legal_basis": legal_basis(end),
        "ref_periods": load_contract().periods_field(periods) if len(periods) > 1 else None,
        "reporting_authority": declaration["reporting_authority"],
        "contact": declaration["contact"],
        "national_definitions": (
            declaration.get("national_definitions")
            or f"Counted from record-level sources ({sources}) by the counting rules of "
            f"records contract {run.contract_version}. {rules}"
        )
        + _information(run),
    }


def _information(run) -> str:
    """The counts reported as information beside the table (children not linked to a report)."""
    unlinked = run.information.get("R1_UNLINKED_CHILDREN")
    if not unlinked:
        return ""
    return (
        f" Information: {unlinked} children first identified in {run.year} are not linked to a report "
        "under the regulation and are not counted in 8(b)."
    )


def _written(path: Path) -> dict:
    """A JSON source as it is on disk; one that is not a JSON object counts as different."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}


def aggregate_file(sources: Path, metadata: dict, rows: list[dict]) -> Path:
    """The submission file of the aggregate: the latest revision if nothing changed, else a new one."""
    geo, year = metadata["geo"], metadata["time_period"]
    latest = latest_submission(sources, geo, year)
    revision = name_metadata(latest).get("revision", 1) if latest else 0
    if latest and latest.suffix == ".json":
        expected = json_document({**metadata, "revision": revision}, rows)
        if all(_written(latest).get(part) == expected[part] for part in ("metadata", "observations")):
            return latest
    metadata = {**metadata, "revision": revision + 1}
    target = sources / f"{load_contract().submission_stem(geo, year, revision + 1)}.json"
    return write_submission(metadata, rows, target, "json")[0]
