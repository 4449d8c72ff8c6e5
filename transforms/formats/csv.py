"""CSV: the canonical long layout, one row per series and year, its metadata in the .meta.json
side file (layout: docs/formats.md)."""

from __future__ import annotations

from pathlib import Path

from transforms.canonical import Finding, Received, Submission
from transforms.formats.shared import Format, csv_rows, long_layout, long_table
from transforms.safety import Limits


def read(file: Received, limits: Limits) -> Submission:
    findings: list[Finding] = []
    return long_table(file, "csv", csv_rows(file, findings, limits), findings, limits)


def write(metadata: dict, rows: list[dict], path: Path) -> list[Path]:
    return long_layout(metadata, rows, path)


CSV = Format(name="csv", suffixes=(".csv",), read=read, write=write)
