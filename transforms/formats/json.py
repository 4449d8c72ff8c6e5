"""JSON: one object with the metadata and the observations (layout: docs/formats.md)."""

from __future__ import annotations

from pathlib import Path

from contracts.schemas import SERIES_IN_METADATA
from transforms import safety, values
from transforms.canonical import Finding, Observation, Received, Submission, name_metadata
from transforms.formats.shared import Format, columns, decode, dump, metadata_document
from transforms.metadata import duplicate_keys, given, metadata_names, parse_json
from transforms.safety import Limits

_TOP_LEVEL = {"metadata", "observations"}


def read(file: Received, limits: Limits) -> Submission:
    findings: list[Finding] = []
    doc = parse_json(decode(file.data, "file", findings))
    if not isinstance(doc, dict):
        raise ValueError("the top level is not a JSON object with 'metadata' and 'observations'")
    if isinstance(doc.get("observations"), list):
        safety.check_rows(len(doc["observations"]), limits)
    duplicate_keys(doc, "$", findings)
    _unknown_keys(doc, _TOP_LEVEL, "$", findings)
    raw_meta = doc.get("metadata")
    if not isinstance(raw_meta, dict):
        findings.append(Finding("L0_REQUIRED_FIELD", "$.metadata", "metadata"))
        raw_meta = {}
    raw_obs = doc.get("observations")
    if not isinstance(raw_obs, list):
        findings.append(Finding("L0_REQUIRED_FIELD", "$.observations", "observations"))
        raw_obs = []
    meta = {**name_metadata(Path(file.name)), **given(raw_meta)}
    metadata = values.typed_metadata(meta, lambda f: f"$.metadata.{f}", findings)
    inside = {k: f"$.metadata.{k}" for k in given(raw_meta) if isinstance(k, str)}
    _unknown_keys(raw_meta, metadata_names(), "$.metadata", findings)
    observations, known = [], _observation_names()
    for i, item in enumerate(raw_obs):
        loc = f"$.observations[{i}]"
        if not isinstance(item, dict):
            findings.append(Finding("L0_TYPE", loc, "observation", item, {"type": "JSON object"}))
            continue
        _unknown_keys(item, known, loc, findings)
        row = {"geo": metadata.get("geo"), "time_period": metadata.get("time_period"), **item}
        observations.append(Observation(values.typed_observation(row, loc, findings), loc))
    values.settle_separators(observations, findings)
    return Submission(Path(file.name), "json", metadata, observations, findings, "$.metadata.{field}", inside)


def _observation_names() -> set[str]:
    from contracts.contract import load_contract

    return set(load_contract().columns)


def _unknown_keys(item: dict, known: set[str], where: str, findings: list[Finding]) -> None:
    """Keys outside the contract are ignored; each is reported once, where first seen."""
    reported = {f.value for f in findings if f.rule == "L0_UNKNOWN_COLUMN"}
    for key in item:
        if key not in known and key not in reported:
            findings.append(Finding("L0_UNKNOWN_COLUMN", f"{where}.{key}", key, key))


def document(metadata: dict, rows: list[dict]) -> dict:
    """What a JSON submission of these (neutralised) figures holds."""
    observation_columns = [
        c for c in columns(rows) if c not in SERIES_IN_METADATA
    ]  # stated once, in the metadata
    observations = [{c: r.get(c) for c in observation_columns} for r in rows]
    return {"metadata": metadata_document(metadata), "observations": observations}


def write(metadata: dict, rows: list[dict], path: Path) -> list[Path]:
    return [dump(document(metadata, rows), path)]


JSON = Format(name="json", suffixes=(".json",), read=read, write=write, metadata_inside=True)
