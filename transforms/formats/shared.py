"""What every format shares: the `Format` entry the registry lists, and the pieces its readers and
writers are made of (text decoding, CSV rows, a header mapped to the contract's columns, the
.meta.json side file, the contract's metadata as JSON). A new format is one module that builds a
`Format` from these; the registry (`transforms.formats.registry`) lists it."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from transforms import safety, values
from transforms.canonical import Finding, Observation, Received, Submission, name_metadata
from transforms.metadata import side_fields
from transforms.safety import Limits

OPTIONAL_FIELDS = ("conf_status", "comment")


def _same_name(field: str) -> str:
    return field


def _nothing_refused(file: Received, limits: Limits) -> Finding | None:
    return None


@dataclass(frozen=True)
class Format:
    """One accepted format: how it is recognised, read, written and (if it has one) templated.

    `read` returns the canonical submission, every problem of reading a finding with its place; it
    may raise ValueError (or another reading error) for a file it cannot read at all, which the
    registry reports as L0_READABLE."""

    name: str  # as the report, the warehouse and `write_submission` name it
    suffixes: tuple[str, ...]  # lower case, with the dot
    read: Callable[[Received, Limits], Submission]
    write: Callable[[dict, list[dict], Path], list[Path]]  # neutralised metadata and rows -> files
    sniff: Callable[[bytes], bool] | None = None  # what the content must show beyond the suffix
    refuse: Callable[[Received, Limits], Finding | None] = _nothing_refused  # before parsing
    metadata_inside: bool = False  # a side file beside it may only fill what it leaves empty
    column: Callable[[str], str] = _same_name  # the header of a contract field in this format
    template: Callable[[Path], Path] | None = None  # an empty submission to fill in, if any

    def claims(self, file: Received) -> bool:
        return file.suffix in self.suffixes and (self.sniff is None or self.sniff(file.data))


# --- reading -------------------------------------------------------------------------------


def first_line(data: bytes) -> str:
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


def csv_rows(file: Received, findings: list[Finding], limits: Limits) -> list[list[str]]:
    """The cells of a delimited text file (comma or semicolon, whichever the header uses more)."""
    content = decode(file.data, "file", findings)
    if not content.strip():
        raise ValueError("the file is empty")
    header = content.lstrip("\r\n").partition("\n")[0]
    delimiter = ";" if header.count(";") > header.count(",") else ","
    return delimited_rows(content, delimiter, limits)


def delimited_rows(content: str, delimiter: str, limits: Limits) -> list[list[str]]:
    rows, filled, limit = [], 0, limits.max_rows
    csv.field_size_limit(max(limits.max_file_bytes, 131_072))  # a long cell is judged, not refused
    for row in csv.reader(io.StringIO(content, newline=""), delimiter=delimiter, strict=True):
        rows.append(row)
        filled += any(cell.strip() for cell in row)
        if filled > limit + 1:  # the header and more rows than the limit: stop reading
            raise safety.TooManyRows(filled - 1)
    return rows


def table(
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
    known = set(names) | set(OPTIONAL_FIELDS if optional is None else optional)
    for h in header:
        if h and h not in known:
            findings.append(Finding("L0_UNKNOWN_COLUMN", "row 1 (header)", h, h))
    mapped = []
    for i, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        extra = [cell for cell in row[len(header) :] if cell.strip()]
        if extra:  # a cell without a column: a shifted row, never cut silently
            findings.append(Finding("L0_EXTRA_CELLS", f"row {i}", None, len(row) - len(header)))
        mapped.append((f"row {i}", dict(zip(header, row, strict=False))))
    return mapped


def observation_columns() -> list[str]:
    """The columns of the canonical long layout a file must have."""
    from contracts.contract import load_contract

    return [f.name for f in load_contract().observation_fields if f.name not in OPTIONAL_FIELDS]


def long_table(file: Received, fmt: str, rows: list[list[str]], findings: list[Finding], limits: Limits):
    """A table in the canonical long layout, its metadata in the side file: the submission."""
    mapped = table(rows, observation_columns(), findings)
    observations = [Observation(values.typed_observation(raw, loc, findings), loc) for loc, raw in mapped]
    values.settle_separators(observations, findings)
    return with_side_file(file, fmt, observations, findings, limits)


def with_side_file(
    file: Received, fmt: str, observations: list[Observation], findings: list[Finding], limits: Limits
) -> Submission:
    """The submission of a file whose metadata is in its side file (and its name, and its rows)."""
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


# --- writing -------------------------------------------------------------------------------


def metadata_document(metadata: dict) -> dict:
    """The contract's metadata fields as JSON values (dates as ISO strings)."""
    from contracts.contract import load_contract

    return {f.name: _json_value(metadata.get(f.name)) for f in load_contract().metadata_fields}


def _json_value(value):
    return value.isoformat() if isinstance(value, dt.date) else value


def dump(doc: dict, path: Path) -> Path:
    text = json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    path.write_text(text, encoding="utf-8")
    return path


def side_file(metadata: dict, path: Path) -> Path:
    return dump(metadata_document(metadata), path.with_suffix(".meta.json"))


def columns(rows: list[dict]) -> list[str]:
    """Observation columns; conf_status only when a figure carries one (a sender's flag)."""
    from contracts.contract import load_contract

    has_conf = any(r.get("conf_status") is not None for r in rows)
    return [c for c in load_contract().columns if c != "conf_status" or has_conf]


def _cell(value) -> str:
    return "" if value is None else str(value)


def write_table(path: Path, header: list[str], rows: list[list], delimiter: str = ",") -> Path:
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter=delimiter, lineterminator="\n")
        writer.writerow(header)
        writer.writerows([_cell(v) for v in row] for row in rows)
    return path


def long_layout(metadata: dict, rows: list[dict], path: Path, delimiter: str = ",") -> list[Path]:
    """The rows in the canonical long layout and the metadata in the side file beside them."""
    header = columns(rows)
    cells = [[r.get(c) for c in header] for r in rows]
    return [write_table(path, header, cells, delimiter), side_file(metadata, path)]
