"""Limits and safety checks before a file is parsed: size, row count, and XLSX hazards
(macros, links to external workbooks, zip bombs, formulas, hidden sheets, merged cells).

A refused file is never parsed; it is still archived and reported like any other.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from transforms.canonical import Finding, Received

_MACROS = re.compile(r"(^|/)vbaProject\.bin$|\.bin$", re.I)
_EXTERNAL = re.compile(r"^xl/externalLinks/", re.I)
# What a part is comes from [Content_Types].xml and the relationships, not from its name.
_MACRO_TYPES = re.compile(r"vbaProject|macroEnabled|vbaData|ms-office\.activeX|oleObject", re.I)
_LINK_TYPES = re.compile(r"externalLink", re.I)
_MACRO_RELATIONS = re.compile(r"/(vbaProject|activeXControl|oleObject|attachedTemplate|wordVbaData)$", re.I)
_LINK_RELATIONS = re.compile(r"/(externalLink|externalLinkPath|xlExternalLinkPath/xlPathMissing)$", re.I)
# The start tag of any element named f, whatever its prefix: a sheet without one holds no formula.
_FORMULA_TAG = re.compile(rb"<(?:[^\s<>/:]+:)?f[\s/>]")
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Limits:
    """What a reader accepts before parsing; the defaults of the CSA_MAX_* settings."""

    max_file_bytes: int = 20_000_000
    max_rows: int = 10_000
    max_xlsx_ratio: float = 100
    max_unpacked_bytes: int = 5_000_000  # every part of a workbook together
    max_side_file_bytes: int = 1_000_000


def safe_name(name: str) -> str:
    """A file name fit to build a path from: no folders, no dots in front, plain characters."""
    stem = _UNSAFE_NAME.sub("_", Path(name).name).lstrip("._")
    return stem[:120] or "unnamed"


def refusal(file: Received, limits: Limits) -> Finding | None:
    """Why the file, whatever its format, must not be parsed at all (its size), or None."""
    size = len(file.data)
    if size > limits.max_file_bytes:
        return _refused(
            "L0_LIMIT",
            f"it is {size:,} bytes, above the limit of {limits.max_file_bytes:,} (CSA_MAX_FILE_BYTES)",
        )
    return None


def _refused(rule: str, detail: str) -> Finding:
    return Finding(rule, "file", None, None, {"detail": detail})


def workbook_hazard(file: Received, limits: Limits) -> Finding | None:
    """Why a workbook (a zip) must not be opened: a zip bomb, macros or external links; or None."""
    size = len(file.data)
    with zipfile.ZipFile(io.BytesIO(file.data)) as archive:
        members = archive.infolist()
        unpacked = sum(m.file_size for m in members)  # as declared; reading stops at it (zipfile)
        if unpacked > limits.max_xlsx_ratio * max(size, 1) or unpacked > limits.max_unpacked_bytes:
            largest = max(members, key=lambda m: m.file_size)
            return _refused(
                "L0_UNSAFE_WORKBOOK",
                f"it unpacks to {unpacked:,} bytes from {size:,} (limits: {limits.max_xlsx_ratio:g} "
                f"times its size and {limits.max_unpacked_bytes:,} bytes, CSA_MAX_UNPACKED_BYTES; "
                f"largest part {largest.filename}, {largest.file_size:,} bytes)",
            )
        kinds = _part_kinds(archive)
    names = [m.filename for m in members]
    if any(_MACROS.search(n) for n in names) or file.suffix == ".xlsm" or "macros" in kinds:
        return _refused("L0_UNSAFE_WORKBOOK", "it contains macros (VBA); save it as a plain .xlsx")
    if any(_EXTERNAL.search(n) for n in names) or "links" in kinds:
        return _refused("L0_UNSAFE_WORKBOOK", "it links to external workbooks; paste the values instead")
    return None


def _part_kinds(archive: zipfile.ZipFile) -> set[str]:
    """'macros' and/or 'links' when the package declares such parts: content types (defaults by
    extension and overrides by part) and relationship types of every .rels part."""
    import xml.etree.ElementTree as ET  # noqa: S405 (expat refuses entity expansion bombs)

    kinds = set()
    for name in archive.namelist():
        if name != "[Content_Types].xml" and not name.endswith(".rels"):
            continue
        try:
            root = ET.fromstring(archive.read(name))  # noqa: S314 (size checked above)
        except ET.ParseError as exc:
            raise ValueError(f"its package part {name} is not valid XML ({exc})") from exc
        for element in root:
            content_type = element.get("ContentType") or ""
            relation = element.get("Type") or ""
            if _MACRO_TYPES.search(content_type) or _MACRO_RELATIONS.search(relation):
                kinds.add("macros")
            if _LINK_TYPES.search(content_type) or _LINK_RELATIONS.search(relation):
                kinds.add("links")
    return kinds


class TooManyRows(ValueError):
    """Raised by a reader as soon as it has seen more rows than the limit: typing and validating
    them would cost what the limit protects."""

    def __init__(self, count: int):
        super().__init__(f"more than {count:,} observation rows")
        self.count = count


def check_rows(count: int, limits: Limits) -> None:
    if count > limits.max_rows:
        raise TooManyRows(count)


def too_many_rows(count: int, limits: Limits) -> Finding | None:
    if count > limits.max_rows:
        return _refused(
            "L0_LIMIT",
            f"it has more than {limits.max_rows:,} observation rows, the limit (CSA_MAX_ROWS); "
            "reading stopped there",
        )
    return None


def workbook_findings(file: Received, wb) -> list[Finding]:
    """Formulas, hidden sheets and merged cells: what a values-only read cannot see, found in `wb`,
    the reader's open read-only workbook of `file`. Only the sheets the reader reads are looked
    into: a sheet it skips may be as large as the limits allow and costs nothing. A sheet whose
    XML may hold a formula is walked in a second read that keeps formulas (`wb` holds values)."""
    from contracts.template import METADATA_SHEET, point_sheets

    read = {METADATA_SHEET, *point_sheets().values()}  # merged cells elsewhere hold no figure
    findings, formulas = [], None
    try:
        for ws in wb.worksheets:
            where = f"sheet '{ws.title}'"
            if ws.sheet_state != "visible":
                findings.append(Finding("L0_HIDDEN_SHEET", where, None, f"'{ws.title}'"))
            if ws.title not in read:
                continue
            # Read-only sheets do not parse <mergeCells>: read them from the sheet's own part.
            xml = wb._archive.read(ws._worksheet_path)  # noqa: SLF001
            for ref in _merged_ranges(xml):
                findings.append(Finding("L0_MERGED_CELLS", where, None, f"{ref} in {where}"))
            if _may_hold_formulas(xml):  # walking its cells costs as much as reading it
                formulas = formulas or _keeping_formulas(file)
                findings += _formula_cells(formulas[ws.title], where)
        return findings
    finally:
        if formulas is not None:
            formulas.close()


def _keeping_formulas(file: Received):
    from openpyxl import load_workbook

    return load_workbook(io.BytesIO(file.data), read_only=True, data_only=False, keep_links=False)


def _formula_cells(ws, where: str) -> list[Finding]:
    ws.reset_dimensions()
    return [
        Finding("L0_FORMULA", f"{where}, cell {cell.coordinate}", None, str(cell.value))
        for row in ws.iter_rows()
        for cell in row
        if getattr(cell, "data_type", None) == "f"
    ]


def _merged_ranges(xml: bytes) -> list[str]:
    """The ranges a sheet's XML merges (`mergeCell` elements, whatever their prefix, quotes or
    the XML's encoding). Parsed only when the name is there: in an encoding without NUL bytes
    (all but UTF-16 and UTF-32) an element named mergeCell is those bytes."""
    if b"\0" not in xml and b"mergeCell" not in xml:
        return []
    from xml.etree.ElementTree import ParseError, iterparse

    try:
        elements = [e for _, e in iterparse(io.BytesIO(xml))]
    except ParseError:  # the reader, parsing the same part with the same expat, says what is wrong
        return []
    return [e.get("ref", "?") for e in elements if e.tag.rsplit("}", 1)[-1] == "mergeCell"]


def _may_hold_formulas(xml: bytes) -> bool:
    """False only when a sheet's XML surely holds no formula: it has no start tag of an element
    named f (whatever its prefix) and is in an encoding where that tag is those bytes (XML in
    UTF-16 or UTF-32, the others expat reads, has NUL bytes)."""
    return b"\0" in xml or _FORMULA_TAG.search(xml) is not None
