"""Readers: one per accepted format, each returning the canonical `Submission`.

A reader never raises on bad content: what it cannot read becomes a finding with its
place, so the validation report lists every problem at once.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections import Counter
from dataclasses import replace
from pathlib import Path

from transforms import flag_columns, safety, values
from transforms.canonical import Finding, Observation, Received, Submission, name_metadata
from transforms.metadata import (
    duplicate_keys,
    given,
    metadata_names,
    parse_json,
    side_fields,
    side_file_beside,
)
from transforms.safety import Limits

SDMX_PREFIX = ("STRUCTURE", "STRUCTURE_ID", "ACTION")
FORMATS = {".xlsx": "xlsx", ".csv": "csv", ".json": "json"}


def detect_format(file: Received) -> str | None:
    if file.name.lower().endswith(".meta.json"):
        return None  # a side file: it travels with its data file
    fmt = FORMATS.get(file.suffix)
    if fmt == "csv" and _first_line(file.data).upper().lstrip("\ufeff").startswith("STRUCTURE"):
        return "sdmx-csv"
    return fmt


def read_submission(path: Path, limits: Limits = Limits()) -> Submission:  # noqa: B008 (frozen)
    """A file on disk and its side file, read as received, its source the path: for tools, tests."""
    return replace(read(Received.from_path(path), limits), source=Path(path))


def read(file: Received, limits: Limits) -> Submission:
    """The file in the canonical shape, every problem of reading a finding with its place."""
    source = Path(file.name)
    fmt = detect_format(file)
    readers = {"csv": read_csv, "sdmx-csv": read_sdmx_csv, "json": read_json, "xlsx": _read_xlsx}
    if fmt is None:
        return unreadable(file, "unknown", "the file is not a submission (.xlsx, .csv or .json)")
    try:
        refused = safety.refusal(file, fmt, limits)
        if refused:
            return Submission(source, fmt, name_metadata(source), [], [refused])
        submission = flag_columns.flags_never_dropped(readers[fmt](file, limits), fmt)
        if fmt == "xlsx":
            submission.findings += safety.workbook_findings(file)
        if fmt in ("xlsx", "json"):
            side_file_beside(submission, file, limits)
    except safety.TooManyRows as exc:
        return Submission(source, fmt, name_metadata(source), [], [safety.too_many_rows(exc.count, limits)])
    except (OSError, ValueError, RecursionError, UnicodeError, csv.Error, zipfile.BadZipFile) as exc:
        return unreadable(file, fmt, str(exc) or type(exc).__name__)
    too_many = safety.too_many_rows(len(submission.observations), limits)
    if too_many:  # validating them would cost what the limit protects
        return Submission(source, fmt, submission.metadata, [], [too_many])
    return submission


def unreadable(file: Received, fmt: str, detail: str) -> Submission:
    finding = Finding("L0_READABLE", "file", None, None, {"format": fmt, "detail": detail})
    return Submission(Path(file.name), fmt, name_metadata(Path(file.name)), [], [finding])


def not_judged(file: Received, exc: BaseException) -> Submission:
    """A file that broke the judging itself (a bug, or input no rule foresaw): refused with the
    rule that says so, so that it gets a verdict of its own and the others go on."""
    detail = f"{type(exc).__name__}: {str(exc)[:300]}"
    finding = Finding("L0_NOT_JUDGED", "file", None, None, {"detail": detail})
    source = Path(file.name)
    return Submission(source, detect_format(file) or "unknown", name_metadata(source), [], [finding])


def _read_xlsx(file: Received, limits: Limits) -> Submission:
    from transforms.xlsx import read_xlsx

    return read_xlsx(file, limits.max_rows)


# --- CSV (canonical long layout) and SDMX-CSV ---------------------------------------------


def _first_line(data: bytes) -> str:
    return data[:4096].partition(b"\n")[0].decode("utf-8", "replace")


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


def _csv_rows(file: Received, findings: list[Finding], limits: Limits) -> list[list[str]]:
    content = decode(file.data, "file", findings)
    if not content.strip():
        raise ValueError("the file is empty")
    header = content.lstrip("\r\n").partition("\n")[0]
    delimiter = ";" if header.count(";") > header.count(",") else ","
    rows, filled, limit = [], 0, limits.max_rows
    csv.field_size_limit(max(limits.max_file_bytes, 131_072))  # a long cell is judged, not refused
    for row in csv.reader(io.StringIO(content, newline=""), delimiter=delimiter, strict=True):
        rows.append(row)
        filled += any(cell.strip() for cell in row)
        if filled > limit + 1:  # the header and more rows than the limit: stop reading
            raise safety.TooManyRows(filled - 1)
    return rows


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
        extra = [cell for cell in row[len(header) :] if cell.strip()]
        if extra:  # a cell without a column: a shifted row, never cut silently
            findings.append(Finding("L0_EXTRA_CELLS", f"row {i}", None, len(row) - len(header)))
        table.append((f"row {i}", dict(zip(header, row, strict=False))))
    return table


_OPTIONAL_FIELDS = ("conf_status", "comment")


def _observation_columns() -> list[str]:
    from contracts.contract import load_contract

    return [f.name for f in load_contract().observation_fields if f.name not in _OPTIONAL_FIELDS]


def read_csv(file: Received, limits: Limits = Limits()) -> Submission:  # noqa: B008 (frozen)
    findings: list[Finding] = []
    table = _table(_csv_rows(file, findings, limits), _observation_columns(), findings)
    observations = [Observation(values.typed_observation(raw, loc, findings), loc) for loc, raw in table]
    values.settle_separators(observations, findings)
    return _with_sidecar(file, "csv", observations, findings, limits)


def read_sdmx_csv(file: Received, limits: Limits = Limits()) -> Submission:  # noqa: B008 (frozen)
    """SDMX-CSV 2.0 of the contract's dataflow, its columns those of the published structure:
    the structure columns of each row, then the data sets, then our checks of the values as the
    file gives them. Only the structure's ids are needed (contracts/sdmx_layout.py), not pysdmx."""
    from contracts.sdmx_layout import FREQ, layout

    sdmx = layout()
    findings: list[Finding] = []
    records = _csv_rows(file, findings, limits)
    optional = [sdmx.component_of[f] for f in _OPTIONAL_FIELDS]
    submitted = [c for c in sdmx.components if c not in sdmx.release_only]  # no EU sum, no unit
    columns = [*SDMX_PREFIX, *(c for c in submitted if c not in optional)]
    table = _table(records, columns, findings, optional)
    for loc, raw in table:
        _check_structure_columns(loc, raw, sdmx, findings)
        if raw.get(FREQ, "").strip() not in sdmx.frequencies:
            findings.append(Finding("L0_CODE_LIST", loc, FREQ, raw.get(FREQ), {"codelist": "CL_FREQ"}))
    if not any(f.rule in ("L0_SDMX_STRUCTURE", "L0_DUPLICATE_COLUMN") for f in findings):
        table = list(zip([loc for loc, _ in table], _sdmx_data_rows(records), strict=True))
    observations, field_of = [], sdmx.field_of
    for loc, raw in table:
        fields = {f: sdmx.contract_code(c, raw.get(c)) for c, f in field_of.items() if c in raw}  # _T or T
        observations.append(Observation(values.typed_observation(fields, loc, findings), loc))
    values.settle_separators(observations, findings)
    return _with_sidecar(file, "sdmx-csv", observations, findings, limits)


def _sdmx_data_rows(records: list[list[str]]) -> list[dict[str, str]]:
    """The data rows, a short row's missing cells empty. A data set (the rows of one STRUCTURE and
    STRUCTURE_ID) has one ACTION in SDMX-CSV 2.0: a mix is unreadable (pysdmx refuses it too)."""
    header = [h.strip() for h in records[0]]
    rows = [dict(zip(header, (r + [""] * len(header))[: len(header)], strict=True)) for r in records[1:]]
    rows = [row for row in rows if any(c.strip() for c in row.values())]
    actions: dict[str, set] = {}
    for row in rows:
        actions.setdefault(f"{row['STRUCTURE']} {row['STRUCTURE_ID']}", set()).add(row["ACTION"])
    for data_set, found in actions.items():
        if len(found) > 1:
            raise ValueError(f"as SDMX-CSV 2.0: the data set {data_set} has several actions {sorted(found)}")
    return rows


def _check_structure_columns(loc: str, raw: dict, sdmx, findings: list[Finding]) -> None:
    """STRUCTURE names a dataflow, STRUCTURE_ID ours at the same major version, ACTION one of
    SDMX's actions."""
    from contracts.sdmx_layout import ACTIONS

    *first, last = ACTIONS
    checks = (
        ("STRUCTURE", "dataflow", lambda v: v == "dataflow"),
        ("STRUCTURE_ID", sdmx.structure_id, sdmx.same_major),
        ("ACTION", f"{', '.join(first)} or {last}", lambda v: v in ACTIONS),
    )
    for field, expected, ok in checks:
        value = raw.get(field)
        if value is None or not ok(value):  # as pysdmx reads it: no space around
            findings.append(Finding("L0_SDMX_STRUCTURE", loc, field, value, {"expected": expected}))


def _with_sidecar(
    file: Received, fmt: str, observations: list[Observation], findings: list[Finding], limits: Limits
) -> Submission:
    source = Path(file.name)
    raw = name_metadata(source)
    fields, where = side_fields(file, limits, findings)
    raw.update(fields)
    _fill_from_rows(raw, observations)
    metadata = values.typed_metadata(raw, lambda f: where.format(field=f), findings)
    return Submission(source, fmt, metadata, observations, findings, where)


def _fill_from_rows(raw: dict, observations: list[Observation]) -> None:
    """Geo and year of a metadata-less file default to those of its first row."""
    for name in ("geo", "time_period"):
        if raw.get(name) is None and observations:
            raw[name] = observations[0].values.get(name)


# --- JSON ------------------------------------------------------------------------------


_TOP_LEVEL = {"metadata", "observations"}


def read_json(file: Received, limits: Limits = Limits()) -> Submission:  # noqa: B008 (frozen)
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
