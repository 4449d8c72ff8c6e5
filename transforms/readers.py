"""Readers: one per accepted format, each returning the canonical `Submission`.

A reader never raises on bad content: what it cannot read becomes a finding with its
place, so the validation report lists every problem at once.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import zipfile
from collections import Counter
from pathlib import Path

from transforms import safety, values
from transforms.canonical import Finding, Observation, Submission, name_metadata
from transforms.safety import Limits

SDMX_PREFIX = ("STRUCTURE", "STRUCTURE_ID", "ACTION")
FORMATS = {".xlsx": "xlsx", ".csv": "csv", ".json": "json"}


def detect_format(path: Path) -> str | None:
    if path.name.lower().endswith(".meta.json"):
        return None  # a side file: it travels with its data file
    fmt = FORMATS.get(path.suffix.lower())
    if fmt == "csv" and _first_line(path).upper().lstrip("\ufeff").startswith("STRUCTURE"):
        return "sdmx-csv"
    return fmt


def read_submission(path: Path, limits: Limits = Limits()) -> Submission:  # noqa: B008 (frozen)
    path = Path(path)
    fmt = detect_format(path)
    readers = {"csv": read_csv, "sdmx-csv": read_sdmx_csv, "json": read_json, "xlsx": _read_xlsx}
    if fmt is None:
        return unreadable(path, "unknown", "the file is not a submission (.xlsx, .csv or .json)")
    try:
        refused = safety.refusal(path, fmt, limits)
        if refused:
            return Submission(path, fmt, name_metadata(path), [], [refused])
        submission = readers[fmt](path)
        if fmt == "xlsx":
            submission.findings += safety.workbook_findings(path)
    except (OSError, ValueError, RecursionError, UnicodeError, csv.Error, zipfile.BadZipFile) as exc:
        return unreadable(path, fmt, str(exc) or type(exc).__name__)
    too_many = safety.too_many_rows(len(submission.observations), limits)
    if too_many:  # validating them would cost what the limit protects
        return Submission(path, fmt, submission.metadata, [], [too_many])
    return submission


def unreadable(path: Path, fmt: str, detail: str) -> Submission:
    finding = Finding("L0_READABLE", "file", None, None, {"format": fmt, "detail": detail})
    return Submission(path, fmt, name_metadata(path), [], [finding])


def _read_xlsx(path: Path) -> Submission:
    from transforms.xlsx import read_xlsx

    return read_xlsx(path)


# --- CSV (canonical long layout) and SDMX-CSV ---------------------------------------------


def _first_line(path: Path) -> str:
    try:
        with open(path, "rb") as f:
            return f.readline(4096).decode("utf-8", "replace")
    except OSError:
        return ""


def decode(data: bytes, location: str, findings: list[Finding]) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ValueError("it is UTF-16 encoded; save it as UTF-8 (or Windows-1252)")
    if b"\x00" in data:
        raise ValueError("it contains binary data (NUL bytes), not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        findings.append(Finding("L0_ENCODING", location, None, "Windows-1252"))
        return data.decode("cp1252", errors="replace")


def _csv_rows(path: Path, findings: list[Finding]) -> list[list[str]]:
    content = decode(path.read_bytes(), "file", findings)
    if not content.strip():
        raise ValueError("the file is empty")
    header = content.splitlines()[0]
    delimiter = ";" if header.count(";") > header.count(",") else ","
    return list(csv.reader(io.StringIO(content, newline=""), delimiter=delimiter, strict=True))


def _table(
    rows: list[list[str]], names: list[str], findings: list[Finding], optional: list[str] | None = None
) -> list[tuple]:
    """Map rows to dicts by header; report missing and unknown columns."""
    header = [h.strip() for h in rows[0]]
    for name, n in Counter(header).items():
        if name and n > 1:
            findings.append(Finding("L0_DUPLICATE_COLUMN", "row 1 (header)", name, name))
    for name in names:
        if name not in header:
            findings.append(Finding("L0_REQUIRED_FIELD", "row 1 (header)", name))
    known = set(names) | set(_OPTIONAL_FIELDS if optional is None else optional)
    for h in header:
        if h and h not in known:
            findings.append(Finding("L0_UNKNOWN_COLUMN", "row 1 (header)", h, h))
    table = []
    for i, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        table.append((f"row {i}", dict(zip(header, row, strict=False))))
    return table


_OPTIONAL_FIELDS = ("conf_status", "comment")


def _observation_columns() -> list[str]:
    from contracts.contract import load_contract

    return [f.name for f in load_contract().observation_fields if f.name not in _OPTIONAL_FIELDS]


def read_csv(path: Path) -> Submission:
    findings: list[Finding] = []
    table = _table(_csv_rows(path, findings), _observation_columns(), findings)
    observations = [Observation(values.typed_observation(raw, loc, findings), loc) for loc, raw in table]
    values.settle_separators(observations, findings)
    return _with_sidecar(path, "csv", observations, findings)


def read_sdmx_csv(path: Path) -> Submission:
    """SDMX-CSV 2.0 of the contract's dataflow, its columns those of the published structure.

    The per-row structure columns are checked here (the library groups rows and cannot say
    which one is wrong); then pysdmx reads the file as a message, and our checks type and
    judge the values as the file gives them.
    """
    from contracts.sdmx import FREQ, frequencies, read_sdmx_csv_rows, structure

    sdmx = structure()
    findings: list[Finding] = []
    records = _csv_rows(path, findings)
    optional = [sdmx.component_of[f] for f in _OPTIONAL_FIELDS]
    columns = [*SDMX_PREFIX, *(c.id for c in sdmx.dsd.components if c.id not in optional)]
    table = _table(records, columns, findings, optional)
    for loc, raw in table:
        _check_structure_columns(loc, raw, sdmx.structure_id, findings)
        if raw.get(FREQ, "").strip() not in frequencies():
            findings.append(Finding("L0_CODE_LIST", loc, FREQ, raw.get(FREQ), {"codelist": "CL_FREQ"}))
    if not any(f.rule in ("L0_SDMX_STRUCTURE", "L0_DUPLICATE_COLUMN") for f in findings):
        table = list(zip([loc for loc, _ in table], read_sdmx_csv_rows(records), strict=True))
    observations = []
    for loc, raw in table:
        fields = {f: raw.get(c) for c, f in sdmx.field_of.items() if c in raw}
        observations.append(Observation(values.typed_observation(fields, loc, findings), loc))
    values.settle_separators(observations, findings)
    return _with_sidecar(path, "sdmx-csv", observations, findings)


def _check_structure_columns(loc: str, raw: dict, structure_id: str, findings: list[Finding]) -> None:
    checks = (
        ("STRUCTURE", "dataflow", raw.get("STRUCTURE")),
        ("STRUCTURE_ID", structure_id, raw.get("STRUCTURE_ID")),
        ("ACTION", "I, A or R", raw.get("ACTION")),
    )
    for field, expected, value in checks:
        ok = (
            (value or "").strip() in ("I", "A", "R")
            if field == "ACTION"
            else _same_structure(value, expected)
        )
        if not ok:
            findings.append(Finding("L0_SDMX_STRUCTURE", loc, field, value, {"expected": expected}))


def _same_structure(value: str | None, expected: str) -> bool:
    """Same structure and major contract version (minor versions stay compatible)."""
    if value is None:
        return False
    value, expected = value.strip(), expected.strip()
    if expected == "dataflow":
        return value == expected
    m = re.fullmatch(r"CSA:DF_ART8\((\d+)\.\d+\.\d+\)", value)
    return bool(m) and expected.startswith(f"CSA:DF_ART8({m[1]}.")


def _with_sidecar(
    path: Path, fmt: str, observations: list[Observation], findings: list[Finding]
) -> Submission:
    sidecar = path.with_suffix(".meta.json")
    raw = name_metadata(path)
    if sidecar.exists():
        try:
            loaded = json.loads(sidecar.read_text(encoding="utf-8-sig"))
            if not isinstance(loaded, dict):
                raise ValueError("it is not a JSON object")
            raw.update(_given(loaded))
        except (ValueError, UnicodeError, RecursionError) as exc:
            findings.append(
                Finding(
                    "L0_READABLE", sidecar.name, None, None, {"format": "metadata JSON", "detail": str(exc)}
                )
            )
    _fill_from_rows(raw, observations)
    where = f"{sidecar.name} field '{{field}}'"
    metadata = values.typed_metadata(raw, lambda f: where.format(field=f), findings)
    return Submission(path, fmt, metadata, observations, findings, where)


def _given(fields: dict) -> dict:
    """Fields with a value: an empty one leaves the file-name fallback in place."""
    return {k: v for k, v in fields.items() if not values.empty(v)}


def _fill_from_rows(raw: dict, observations: list[Observation]) -> None:
    """Geo and year of a metadata-less file default to those of its first row."""
    for name in ("geo", "time_period"):
        if raw.get(name) is None and observations:
            raw[name] = observations[0].values.get(name)


# --- JSON ------------------------------------------------------------------------------


def read_json(path: Path) -> Submission:
    findings: list[Finding] = []
    doc = json.loads(decode(path.read_bytes(), "file", findings))
    if not isinstance(doc, dict):
        raise ValueError("the top level is not a JSON object with 'metadata' and 'observations'")
    raw_meta = doc.get("metadata")
    if not isinstance(raw_meta, dict):
        findings.append(Finding("L0_REQUIRED_FIELD", "$.metadata", "metadata"))
        raw_meta = {}
    raw_obs = doc.get("observations")
    if not isinstance(raw_obs, list):
        findings.append(Finding("L0_REQUIRED_FIELD", "$.observations", "observations"))
        raw_obs = []
    meta = {**name_metadata(path), **_given(raw_meta)}
    metadata = values.typed_metadata(meta, lambda f: f"$.metadata.{f}", findings)
    _unknown_keys(raw_meta, _metadata_names(), "$.metadata", findings)
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
    return Submission(path, "json", metadata, observations, findings, "$.metadata.{field}")


def _metadata_names() -> set[str]:
    from contracts.contract import load_contract

    return {f.name for f in load_contract().metadata_fields}


def _observation_names() -> set[str]:
    from contracts.contract import load_contract

    return set(load_contract().columns)


def _unknown_keys(item: dict, known: set[str], where: str, findings: list[Finding]) -> None:
    """Keys outside the contract are ignored; each is reported once, where first seen."""
    reported = {f.value for f in findings if f.rule == "L0_UNKNOWN_COLUMN"}
    for key in item:
        if key not in known and key not in reported:
            findings.append(Finding("L0_UNKNOWN_COLUMN", f"{where}.{key}", key, key))
