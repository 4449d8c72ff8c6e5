"""Limits and safety checks before a file is parsed: size, row count, and XLSX hazards
(macros, links to external workbooks, zip bombs, formulas, hidden sheets, merged cells).

A refused file is never parsed; it is still archived and reported like any other.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from transforms.canonical import Finding

_MACROS = re.compile(r"(^|/)vbaProject\.bin$|\.bin$", re.I)
_EXTERNAL = re.compile(r"^xl/externalLinks/", re.I)
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Limits:
    """What a reader accepts before parsing; the defaults of the CSA_MAX_* settings."""

    max_file_bytes: int = 20_000_000
    max_rows: int = 10_000
    max_xlsx_ratio: float = 100


def safe_name(name: str) -> str:
    """A file name fit to build a path from: no folders, no dots in front, plain characters."""
    stem = _UNSAFE_NAME.sub("_", Path(name).name).lstrip("._")
    return stem[:120] or "unnamed"


def refusal(path: Path, fmt: str, limits: Limits) -> Finding | None:
    """Why the file must not be parsed at all, or None."""
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        return _refused(
            "L0_LIMIT",
            f"it is {size:,} bytes, above the limit of {limits.max_file_bytes:,} (CSA_MAX_FILE_BYTES)",
        )
    if fmt == "xlsx" and zipfile.is_zipfile(path):
        return _workbook_hazard(path, size, limits)
    return None


def _refused(rule: str, detail: str) -> Finding:
    return Finding(rule, "file", None, None, {"detail": detail})


def _workbook_hazard(path: Path, size: int, limits: Limits) -> Finding | None:
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
    names = [m.filename for m in members]
    if any(_MACROS.search(n) for n in names) or path.suffix.lower() == ".xlsm":
        return _refused("L0_UNSAFE_WORKBOOK", "it contains macros (VBA); save it as a plain .xlsx")
    if any(_EXTERNAL.search(n) for n in names):
        return _refused("L0_UNSAFE_WORKBOOK", "it links to external workbooks; paste the values instead")
    unpacked = sum(m.file_size for m in members)
    if unpacked > limits.max_xlsx_ratio * max(size, 1) or unpacked > 10 * limits.max_file_bytes:
        return _refused(
            "L0_UNSAFE_WORKBOOK",
            f"it unpacks to {unpacked:,} bytes from {size:,} "
            f"(more than {limits.max_xlsx_ratio:g} times): refused as a possible zip bomb",
        )
    return None


def too_many_rows(count: int, limits: Limits) -> Finding | None:
    if count > limits.max_rows:
        return _refused(
            "L0_LIMIT",
            f"it has {count:,} observation rows, above the limit of {limits.max_rows:,} (CSA_MAX_ROWS)",
        )
    return None


def workbook_findings(path: Path) -> list[Finding]:
    """Formulas, hidden sheets and merged cells: what a read-only, values-only read cannot see."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=False, data_only=False, keep_links=False)
    try:
        findings = []
        for ws in wb.worksheets:
            where = f"sheet '{ws.title}'"
            if ws.sheet_state != "visible":
                findings.append(Finding("L0_HIDDEN_SHEET", where, None, f"'{ws.title}'"))
            for merged in ws.merged_cells.ranges:
                findings.append(Finding("L0_MERGED_CELLS", where, None, f"{merged.coord} in {where}"))
            for row in ws.iter_rows():
                for cell in row:
                    if cell.data_type == "f":
                        loc = f"{where}, cell {cell.coordinate}"
                        findings.append(Finding("L0_FORMULA", loc, None, str(cell.value)))
        return findings
    finally:
        wb.close()
