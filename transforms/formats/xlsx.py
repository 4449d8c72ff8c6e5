"""XLSX: the template workbook, a metadata sheet and one sheet per Article 8 point (layout:
docs/formats.md; built by contracts.template, parsed by transforms.xlsx). Refused unparsed when
it hides macros, external links or a zip bomb; what a values-only read cannot see (formulas,
hidden sheets, merged cells) is reported too."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from transforms import safety
from transforms.canonical import Finding, Received, Submission
from transforms.formats.shared import Format
from transforms.safety import Limits


def read(file: Received, limits: Limits) -> Submission:
    from transforms.xlsx import read_xlsx  # openpyxl: only for workbooks

    return read_xlsx(file, limits.max_rows)  # with the workbook checks, on the same open workbook


def refuse(file: Received, limits: Limits) -> Finding | None:
    if zipfile.is_zipfile(io.BytesIO(file.data)):  # not a zip at all: the reader says so
        return safety.workbook_hazard(file, limits)
    return None


def write(metadata: dict, rows: list[dict], path: Path) -> list[Path]:
    from contracts.template import build_template

    return [build_template(path, metadata, rows)]


def template(path: Path) -> Path:
    from contracts.template import build_template

    return build_template(path)


XLSX = Format(
    name="xlsx",
    suffixes=(".xlsx",),
    read=read,
    write=write,
    refuse=refuse,
    metadata_inside=True,
    template=template,
)
