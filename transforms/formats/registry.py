"""The registry of accepted formats: every format listed once, here, in the order a received file
is offered to them (the first that claims it reads it: SDMX-CSV before plain CSV, both `.csv`).

Adding a format is one module that builds a `Format` (transforms/formats/shared.py) and its line
below: reading, judging, writing, templates, the CLI and the landing's messages all go through
this list (as sdmx1 registers its readers)."""

from __future__ import annotations

from pathlib import Path

from transforms.canonical import SIDE_FILE, Received
from transforms.formats.csv import CSV
from transforms.formats.json import JSON
from transforms.formats.sdmx_csv import SDMX_CSV
from transforms.formats.shared import Format
from transforms.formats.xlsx import XLSX

FORMATS: list[Format] = [XLSX, SDMX_CSV, CSV, JSON]


def detect(file: Received) -> Format | None:
    """The format that reads `file`, or None (not a submission; a side file travels with its data
    file)."""
    if file.name.lower().endswith(SIDE_FILE):
        return None
    return next((f for f in FORMATS if f.claims(file)), None)


def named(name: str) -> Format:
    for fmt in FORMATS:
        if fmt.name == name:
            return fmt
    raise ValueError(f"unknown format {name!r}; expected one of {', '.join(f.name for f in FORMATS)}")


def column(format_name: str, field: str) -> str:
    """The header of a contract field in a file of this format (of an unknown one: the field)."""
    fmt = next((f for f in FORMATS if f.name == format_name), None)
    return field if fmt is None else fmt.column(field)


def suffixes() -> list[str]:
    """The suffixes of submission files, each once, in the registry's order."""
    return list(dict.fromkeys(s for f in FORMATS for s in f.suffixes))


def write_template(path: Path) -> Path:
    """Write the template to fill in of the format whose suffix `path` has, or else of the first
    format that has one (the XLSX workbook)."""
    having = [f for f in FORMATS if f.template is not None]
    fmt = next((f for f in having if Path(path).suffix.lower() in f.suffixes), having[0])
    return fmt.template(Path(path))


def listed(items: list[str]) -> str:
    """'.xlsx, .csv or .json'."""
    *first, last = items
    return f"{', '.join(first)} or {last}" if first else last
