"""Reader for the XLSX template (layout: docs/formats.md, built by contracts.template).

Like the other readers it never raises on bad content; only a file that is not a
workbook at all raises ValueError, which `read_submission` reports as L0_READABLE.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.workbook import Workbook

from contracts.contract import load_contract
from contracts.template import METADATA_SHEET, entry_columns, key_columns, point_sheets
from transforms import values
from transforms.canonical import Finding, Observation, Received, Submission, name_metadata
from transforms.safety import Limits, TooManyRows, workbook_findings

# What a damaged workbook raises: not a zip, a zip without the workbook parts, broken XML.
_NOT_A_WORKBOOK = (zipfile.BadZipFile, InvalidFileException, KeyError, SyntaxError, zlib.error)
_DAMAGED = (zipfile.BadZipFile, SyntaxError, zlib.error)


def read_xlsx(file: Received, max_rows: int = Limits.max_rows) -> Submission:
    """The submission, with what a values-only read cannot see (formulas, hidden sheets, merged
    cells: safety.workbook_findings) found in the same open workbook."""
    path = Path(file.name)
    try:
        wb = load_workbook(io.BytesIO(file.data), read_only=True, data_only=True)
    except _NOT_A_WORKBOOK as exc:
        raise ValueError(f"it is not an XLSX workbook ({type(exc).__name__}: {exc})") from exc
    try:
        submission = _submission(wb, path, max_rows)
        submission.findings += workbook_findings(file, wb)
        return submission
    finally:
        wb.close()


def _submission(wb: Workbook, path: Path, max_rows: int) -> Submission:
    try:
        findings: list[Finding] = []
        metadata, places = _metadata(wb, path, findings, max_rows)
        observations = _observations(wb, metadata, findings, max_rows)
        values.settle_separators(observations, findings)
        where = f"{_where(METADATA_SHEET)}, field '{{field}}'"
        return Submission(path, "xlsx", metadata, observations, findings, where, places)
    except _DAMAGED as exc:  # sheets are parsed lazily in read-only mode
        raise ValueError(f"the workbook is damaged ({type(exc).__name__}: {exc})") from exc


def _where(sheet: str, row: int | None = None) -> str:
    return f"sheet '{sheet}'" + (f", row {row}" if row else "")


def _cell(row: tuple, i: int):
    return row[i] if i < len(row) else None


def _rows(ws, max_rows: int, min_row: int = 1):
    """Every row the sheet's XML holds: its declared <dimension> may be stale or wrong (a range
    too small hides rows, 'A1' hides all), so it is never trusted. Blank rows count towards the
    limit too: reading stops past `max_rows` rows of any kind."""
    ws.reset_dimensions()
    for n, row in enumerate(ws.iter_rows(min_row=min_row, values_only=True), start=1):
        if n > max_rows + 1:  # + the header
            raise TooManyRows(n - 1)
        yield row


def _metadata(
    wb: Workbook, path: Path, findings: list[Finding], max_rows: int
) -> tuple[dict, dict[str, str]]:
    """Fields from column A, values from column B; the file name fills what is left empty.
    Returns the typed metadata and the cell of each field found on the sheet."""
    raw, places = name_metadata(path), {}
    if METADATA_SHEET not in wb.sheetnames:
        findings.append(Finding("L0_REQUIRED_FIELD", "workbook", METADATA_SHEET))
    else:
        known = {f.name for f in load_contract().metadata_fields}
        rows = _rows(wb[METADATA_SHEET], max_rows, min_row=2)
        for i, row in enumerate(rows, start=2):
            name, value = values.text(_cell(row, 0)), _cell(row, 1)
            if name and name not in known:
                findings.append(Finding("L0_UNKNOWN_COLUMN", _where(METADATA_SHEET, i), name, name))
                continue
            if not name:
                continue
            here = f"{_where(METADATA_SHEET, i)}, column value"
            if name in places:  # each field once: a second row never overrides the first silently
                both = {"places": f" (in {places[name]} and in {here})"}
                findings.append(Finding("L0_DUPLICATE_FIELD", here, name, name, both))
                continue
            places[name] = here
            if not values.empty(value):
                raw[name] = value
    where = f"{_where(METADATA_SHEET)}, field '{{field}}'"
    metadata = values.typed_metadata(raw, lambda f: places.get(f) or where.format(field=f), findings)
    return metadata, places


def _observations(wb: Workbook, metadata: dict, findings: list[Finding], max_rows: int) -> list[Observation]:
    observations: list[Observation] = []
    for title in point_sheets().values():
        if title not in wb.sheetnames:
            findings.append(Finding("L0_REQUIRED_FIELD", "workbook", title))
            continue
        observations += _sheet(wb, title, metadata, findings, len(observations), max_rows)
    return observations


def _sheet(
    wb: Workbook, title: str, metadata: dict, findings: list[Finding], before: int, max_rows: int
) -> list[Observation]:
    rows = _rows(wb[title], max_rows)
    header = _header(title, next(rows, ()), findings)
    fixed = {"geo": metadata.get("geo"), "time_period": metadata.get("time_period")}
    observations: list[Observation] = []
    for i, row in enumerate(rows, start=2):
        if all(values.empty(cell) for cell in row):
            continue
        if before + len(observations) >= max_rows:  # stop reading: the rest costs what the limit protects
            raise TooManyRows(before + len(observations) + 1)
        loc = _where(title, i)
        raw = {**fixed, **{name: cell for name, cell in zip(header, row, strict=False) if name}}
        first = len(findings)
        observation = Observation(values.typed_observation(raw, loc, findings), loc)
        for finding in findings[first:]:  # point each typing problem at its cell
            finding.location = f"{loc}, column {finding.field}"
        observations.append(observation)
    return observations


def _header(title: str, cells: tuple, findings: list[Finding]) -> list[str | None]:
    """Column names of the point sheet; unknown columns are reported and then ignored."""
    known = key_columns() + entry_columns()
    names = [values.text(c) for c in cells]
    where = f"{_where(title, 1)} (header)"
    for name in known:
        if name not in names:
            if name != "conf_status":  # optional, as in CSV: earlier templates lack it
                findings.append(Finding("L0_REQUIRED_FIELD", where, name))
        elif names.count(name) > 1:
            findings.append(Finding("L0_DUPLICATE_COLUMN", where, name, name))
    for name in names:
        if name and name not in known:
            findings.append(Finding("L0_UNKNOWN_COLUMN", where, name, name))
    return [name if name in known else None for name in names]
