"""A corpus of malformed and hostile submissions, each with the outcome it must get.

Built from one valid submission per format, then damaged in one way each. `expect` is the
exit code of `csa-stats validate` (0 valid, 2 rejected, 3 unreadable or refused unread),
`rule` the rule that must be named, `place` a part of the location that must be named.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import random
import re
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import load_workbook

from contracts.contract import load_contract
from tests.helpers import metadata, observations, write_json_submission
from transforms.writers import write_submission

VALID, REJECTED, UNREADABLE = 0, 2, 3


@dataclass
class Case:
    name: str
    build: Callable[[Path], Path]
    expect: int
    rule: str | None
    place: str = ""
    env: dict = field(default_factory=dict)


def _rows(geo="AT", year=2023):
    return [dict(o, geo=geo, time_period=year) for o in observations()]


def _base(folder: Path, fmt: str, name: str = "ART8_AT_2023_R1") -> Path:
    ext = {"xlsx": ".xlsx", "json": ".json"}.get(fmt, ".csv")
    meta = {**metadata(), "ref_period_start": dt.date(2023, 1, 1), "ref_period_end": dt.date(2023, 12, 31)}
    return write_submission(meta, _rows(), folder / f"{name}{ext}", fmt)[0]


def _csv_edit(edit: Callable[[str], str], encoding="utf-8", name="ART8_AT_2023_R1"):
    def build(folder: Path) -> Path:
        path = _base(folder, "csv", name)
        path.write_bytes(edit(path.read_bytes().decode("utf-8")).encode(encoding))
        return path

    return build


def _cell(text: str, row: int, column: str, value: str) -> str:
    """Replace one cell of a CSV text (row 1 is the header)."""
    lines = text.splitlines()
    header = lines[0].split(",")
    cells = lines[row - 1].split(",")
    cells[header.index(column)] = value
    lines[row - 1] = ",".join(cells)
    return "\r\n".join(lines) + "\r\n"


def _bytes(name: str, data: bytes):
    def build(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(data)
        return path

    return build


def _json_text(text: str, name="ART8_AT_2023_R1.json"):
    return _bytes(name, text.encode("utf-8"))


def _xlsx_edit(edit: Callable):
    def build(folder: Path) -> Path:
        path = _base(folder, "xlsx")
        wb = load_workbook(path)
        edit(wb)
        wb.save(path)
        return path

    return build


def _zip_add(extra: dict[str, bytes], name="ART8_AT_2023_R1.xlsx"):
    def build(folder: Path) -> Path:
        path = _base(folder, "xlsx")
        with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as z:
            for member, data in extra.items():
                z.writestr(member, data)
        return path.rename(path.with_name(name))

    return build


def _sdmx_edit(column: str, value: str, row: int = 2):
    def build(folder: Path) -> Path:
        path = _base(folder, "sdmx-csv")
        text = path.read_bytes().decode("utf-8")
        path.write_bytes(_cell(text, row, column, value).encode("utf-8"))
        return path

    return build


def _truncated(fmt: str, fraction: float):
    def build(folder: Path) -> Path:
        path = _base(folder, fmt)
        data = path.read_bytes()
        path.write_bytes(data[: int(len(data) * fraction)])
        return path

    return build


def _renamed(folder: Path) -> Path:
    path = _base(folder, "csv")
    target = folder / "ART8_AT_2023_R1.xlsx"
    shutil.move(path, target)
    return target


def _oversized(folder: Path) -> Path:
    path = _base(folder, "csv")
    with open(path, "a", encoding="utf-8") as f:
        f.write("\r\n" * 5000)  # blank lines: harmless, but the file is now over the limit
    return path


def _many_rows(folder: Path) -> Path:
    path = _base(folder, "csv")
    text = path.read_bytes().decode("utf-8")
    path.write_bytes((text + "".join(text.splitlines(keepends=True)[1:]) * 2).encode("utf-8"))
    return path


def _no_side_file(folder: Path) -> Path:
    path = _base(folder, "csv")
    path.with_suffix(".meta.json").unlink()
    return path


def _zip_bomb(folder: Path) -> Path:
    path = _base(folder, "xlsx")
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/media/padding.bin.txt", b"0" * 30_000_000)
    return path


def _nested_json(depth: int) -> str:
    return '{"metadata": {}, "observations": ' + "[" * depth + "]" * depth + "}"


def _merge(wb):
    wb["8(b) Children"].merge_cells("E2:E3")


def _formula(wb):
    wb["8(c) Convictions"]["E2"] = "=1+3"


def _hidden(wb):
    wb.create_sheet("Workings").sheet_state = "hidden"


def _drop_sheet(wb):
    del wb["8(c) Convictions"]


def _text_value(wb):
    wb["8(a) Reports"]["E3"] = "n/a"


FIRST = 2  # first data row of the CSV (row 1 is the header): REP_LEA/_Z/TOTAL/TOTAL
PERP = 16  # the PERP_CNV row

CASES = [
    # --- CSV: bytes and encodings
    Case("empty", _bytes("ART8_AT_2023_R1.csv", b""), UNREADABLE, "L0_READABLE", "file"),
    Case(
        "binary junk", _bytes("ART8_AT_2023_R1.csv", bytes(range(256)) * 8), UNREADABLE, "L0_READABLE", "file"
    ),
    Case("utf-16", _csv_edit(lambda t: t, encoding="utf-16"), UNREADABLE, "L0_READABLE", "file"),
    Case("nul byte", _csv_edit(lambda t: t.replace("REP_LEA", "REP\x00LEA", 1)), UNREADABLE, "L0_READABLE"),
    Case("unbalanced quote", _csv_edit(lambda t: t + '"AT,2023\r\n'), UNREADABLE, "L0_READABLE", "file"),
    Case("truncated", _truncated("csv", 0.5), REJECTED, "L0_SERIES_MISSING", "file"),
    Case("header only", _csv_edit(lambda t: t.splitlines()[0] + "\r\n"), REJECTED, "L0_SERIES_MISSING"),
    Case(
        "windows-1252 comment",
        _csv_edit(
            lambda t: _cell(t, FIRST, "comment", "Polizeiliche Meldungen \u00e9t\u00e9"), encoding="cp1252"
        ),
        VALID,
        "L0_ENCODING",
        "file",
    ),
    Case("utf-8 bom", _csv_edit(lambda t: "\ufeff" + t), VALID, None),
    Case("semicolons", _csv_edit(lambda t: t.replace(",", ";")), VALID, None),
    # --- CSV: columns
    Case("extra column", _csv_edit(lambda t: t.replace("\n", ",x\n")), VALID, "L0_UNKNOWN_COLUMN", "row 1"),
    Case(
        "missing column",
        _csv_edit(lambda t: "\r\n".join(",".join(line.split(",")[:7]) for line in t.splitlines())),
        REJECTED,
        "L0_REQUIRED_FIELD",
        "row 1 (header)",
    ),
    # --- CSV: values
    Case(
        "decimal comma",
        _csv_edit(lambda t: _cell(t, PERP, "obs_value", '"1.234,5"')),
        REJECTED,
        "L0_TYPE",
        f"row {PERP}",
    ),
    Case("n/a", _csv_edit(lambda t: _cell(t, PERP, "obs_value", "n/a")), REJECTED, "L0_TYPE", f"row {PERP}"),
    Case(
        "negative",
        _csv_edit(lambda t: _cell(t, PERP, "obs_value", "-3")),
        REJECTED,
        "L1_NON_NEGATIVE",
        f"row {PERP}",
    ),
    Case(
        "exponent",
        _csv_edit(lambda t: _cell(t, PERP, "obs_value", "1e6")),
        REJECTED,
        "L0_TYPE",
        f"row {PERP}",
    ),
    Case(
        "formula value",
        _csv_edit(lambda t: _cell(t, PERP, "obs_value", "=1+3")),
        REJECTED,
        "L0_TYPE",
        f"row {PERP}",
    ),
    Case(
        "thousands separator",
        _csv_edit(lambda t: _cell(t, PERP, "obs_value", '"1 004"')),
        VALID,
        "L0_THOUSANDS_SEPARATOR",
        f"row {PERP}",
    ),
    Case(
        "very long comment",
        _csv_edit(lambda t: _cell(t, PERP, "comment", "x" * 100_000)),
        REJECTED,
        "L0_TOO_LONG",
        f"row {PERP}",
    ),
    Case(
        "duplicate key",
        _csv_edit(lambda t: t + t.splitlines()[1] + "\r\n"),
        REJECTED,
        "L0_DUPLICATE_KEY",
        "row 18",
    ),
    Case(
        "wrong state",
        _csv_edit(lambda t: _cell(t, PERP, "geo", "DE")),
        REJECTED,
        "L0_GEO_MISMATCH",
        f"row {PERP}",
    ),
    Case(
        "GR in rows",
        _csv_edit(lambda t: _cell(t, PERP, "geo", "GR")),
        REJECTED,
        "L0_CODE_LIST",
        f"row {PERP}",
    ),
    Case(
        "unknown code", _csv_edit(lambda t: _cell(t, PERP, "indicator", "PERP_XX")), REJECTED, "L0_CODE_LIST"
    ),
    Case(
        "bad status",
        _csv_edit(lambda t: _cell(t, PERP, "obs_status", "zz")),
        REJECTED,
        "L0_CODE_LIST",
        f"row {PERP}",
    ),
    Case(
        "empty without status",
        _csv_edit(lambda t: _cell(t, PERP, "obs_value", "")),
        REJECTED,
        "L1_EMPTY_NEEDS_STATUS",
    ),
    Case(
        "sum broken",
        _csv_edit(lambda t: _cell(t, FIRST, "obs_value", "101")),
        REJECTED,
        "L1_REPORTER_SUM",
        f"row {FIRST}",
    ),
    # --- CSV: formula-like text is data, kept as text (exports neutralise it)
    *[
        Case(
            f"text starting {c}",
            _csv_edit(lambda t, c=c: _cell(t, PERP, "comment", f"{c}HYPERLINK(x)")),
            VALID,
            None,
        )
        for c in "=+-@"
    ],
    # --- CSV: metadata and names
    Case("no side file", _no_side_file, REJECTED, "L0_REQUIRED_FIELD", ".meta.json"),
    Case("broken side file", lambda f: _broken_side_file(f), REJECTED, "L0_READABLE", ".meta.json"),
    Case(
        "unicode and spaces in name",
        _csv_edit(lambda t: t, name="ART8 AT 2023 \u00fcn\u00efcode"),
        VALID,
        None,
    ),
    Case("shell-like name", _csv_edit(lambda t: t, name="x; rm -rf ~"), VALID, None),
    Case("future year", lambda f: _future(f), REJECTED, "L0_YEAR_NOT_ENDED"),
    # --- limits
    Case("oversized", _oversized, UNREADABLE, "L0_LIMIT", "file", {"CSA_MAX_FILE_BYTES": "4000"}),
    Case("too many rows", _many_rows, UNREADABLE, "L0_LIMIT", "file", {"CSA_MAX_ROWS": "20"}),
    # --- JSON
    Case("deeply nested json", _json_text(_nested_json(100_000)), UNREADABLE, "L0_READABLE", "file"),
    Case("json array", _json_text("[1, 2, 3]"), UNREADABLE, "L0_READABLE", "file"),
    Case("json truncated", _truncated("json", 0.6), UNREADABLE, "L0_READABLE", "file"),
    Case(
        "json observations not a list",
        _json_text('{"metadata": {}, "observations": 5}'),
        REJECTED,
        "L0_REQUIRED_FIELD",
        "$.observations",
    ),
    Case("json fraction", lambda f: _json_value(f, 4.5), REJECTED, "L0_TYPE", "$.observations[14]"),
    Case("json boolean", lambda f: _json_value(f, True), REJECTED, "L0_TYPE", "$.observations[14]"),
    Case("json huge number", lambda f: _json_value(f, "1e400"), REJECTED, "L0_TYPE", "$.observations[14]"),
    # --- SDMX-CSV
    Case(
        "sdmx wrong structure id",
        _sdmx_edit("STRUCTURE_ID", "CSA:DF_ART8(9.0.0)"),
        REJECTED,
        "L0_SDMX_STRUCTURE",
        "row 2",
    ),
    Case("sdmx delete action", _sdmx_edit("ACTION", "D"), REJECTED, "L0_SDMX_STRUCTURE", "row 2"),
    # Each row's action is allowed, but one data set has one action: pysdmx refuses the mix.
    Case("sdmx mixed actions", _sdmx_edit("ACTION", "R", row=3), UNREADABLE, "L0_READABLE", "file"),
    Case("sdmx quarterly", _sdmx_edit("FREQ", "Q"), REJECTED, "L0_CODE_LIST", "row 2"),
    # --- XLSX
    Case("xlsx formula", _xlsx_edit(_formula), REJECTED, "L0_FORMULA", "cell E2"),
    Case("xlsx hidden sheet", _xlsx_edit(_hidden), VALID, "L0_HIDDEN_SHEET", "Workings"),
    Case("xlsx merged cells", _xlsx_edit(_merge), REJECTED, "L0_MERGED_CELLS", "8(b) Children"),
    Case("xlsx missing sheet", _xlsx_edit(_drop_sheet), REJECTED, "L0_REQUIRED_FIELD", "workbook"),
    Case("xlsx text in a number cell", _xlsx_edit(_text_value), REJECTED, "L0_TYPE", "8(a) Reports"),
    Case("xlsx zip bomb", _zip_bomb, UNREADABLE, "L0_UNSAFE_WORKBOOK", "file"),
    Case(
        "xlsx macros", _zip_add({"xl/vbaProject.bin": b"\x00" * 64}), UNREADABLE, "L0_UNSAFE_WORKBOOK", "file"
    ),
    Case(
        "xlsx external link",
        _zip_add({"xl/externalLinks/externalLink1.xml": b"<externalLink/>"}),
        UNREADABLE,
        "L0_UNSAFE_WORKBOOK",
        "file",
    ),
    Case("xlsx that is a csv", _renamed, UNREADABLE, "L0_READABLE", "file"),
    Case("xlsx truncated", _truncated("xlsx", 0.5), UNREADABLE, "L0_READABLE", "file"),
]


def _broken_side_file(folder: Path) -> Path:
    path = _base(folder, "csv")
    path.with_suffix(".meta.json").write_text("{not json", encoding="utf-8")
    return path


def _future(folder: Path) -> Path:
    year = dt.date.today().year + 1
    meta = {
        **metadata(year=year),
        "ref_period_start": dt.date(year, 1, 1),
        "ref_period_end": dt.date(year, 12, 31),
    }
    return write_submission(meta, _rows(year=year), folder / f"ART8_AT_{year}_R1.csv", "csv")[0]


def _json_value(folder: Path, value) -> Path:
    path = _base(folder, "json")
    text = path.read_text(encoding="utf-8")
    marker = '"obs_value": 4'  # PERP_CNV is the last observation and the only 4
    assert text.count(marker) == 1
    raw = value if isinstance(value, str) else ("true" if value is True else repr(value))
    path.write_text(text.replace(marker, f'"obs_value": {raw}'), encoding="utf-8")
    return path


# --- second round (issue 13): each class fixed at its root, tried in other formats, fields and places


def _extra_cell(text: str, row: int) -> str:
    """One more cell on one row than the header has columns."""
    lines = text.splitlines()
    lines[row - 1] += ",surplus"
    return "\r\n".join(lines) + "\r\n"


def _sdmx_text(edit: Callable[[str], str]):
    def build(folder: Path) -> Path:
        path = _base(folder, "sdmx-csv")
        path.write_bytes(edit(path.read_bytes().decode("utf-8")).encode("utf-8"))
        return path

    return build


def _json_doc(edit: Callable[[dict], None], name="ART8_AT_2023_R1"):
    """The valid JSON submission, edited as a document and written back (non-ASCII escaped)."""

    def build(folder: Path) -> Path:
        path = _base(folder, "json", name)
        doc = json.loads(path.read_text(encoding="utf-8"))
        edit(doc)
        path.write_text(json.dumps(doc, indent=1), encoding="utf-8")
        return path

    return build


def _json_replace(old: str, new: str, count: int = 1):
    """The valid JSON submission with a piece of its text replaced (for what a dict cannot hold)."""

    def build(folder: Path) -> Path:
        path = _base(folder, "json")
        text = path.read_text(encoding="utf-8")
        assert old in text, old
        path.write_text(text.replace(old, new, count), encoding="utf-8")
        return path

    return build


def _side(edit: Callable[[str], str], fmt: str = "csv"):
    """The valid CSV (or SDMX-CSV) submission with its side file's text edited."""

    def build(folder: Path) -> Path:
        path = _base(folder, fmt)
        side = path.with_suffix(".meta.json")
        side.write_text(edit(side.read_text(encoding="utf-8")), encoding="utf-8")
        return path

    return build


def _side_field(name: str, value):
    def edit(text: str) -> str:
        doc = json.loads(text)
        doc[name] = value
        return json.dumps(doc, indent=1)

    return _side(edit)


def _perp(field: str, value):
    """Set a field of the PERP_CNV observation (the last, $.observations[14])."""

    def edit(doc: dict) -> None:
        doc["observations"][14][field] = value

    return _json_doc(edit)


def _meta(field: str, value):
    def edit(doc: dict) -> None:
        doc["metadata"][field] = value

    return _json_doc(edit)


def _sheet_cell(sheet: str, cell: str, value):
    def edit(wb) -> None:
        wb[sheet][cell] = value

    return _xlsx_edit(edit)


def _zip_rewrite(edits: dict[str, Callable[[bytes], bytes]], extra: dict[str, bytes] | None = None):
    """The valid workbook with package parts rewritten or added (a zip cannot be edited in place)."""

    def build(folder: Path) -> Path:
        path = _base(folder, "xlsx")
        with zipfile.ZipFile(path) as z:
            parts = {n: z.read(n) for n in z.namelist()}
        for name, edit in edits.items():
            parts[name] = edit(parts[name])
        parts.update(extra or {})
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
            for name, data in parts.items():
                z.writestr(name, data)
        return path

    return build


def _override(part: str, content_type: str):
    def edit(data: bytes) -> bytes:
        entry = f'<Override PartName="/{part}" ContentType="{content_type}"/></Types>'
        return data.replace(b"</Types>", entry.encode())

    return edit


def _relation(kind: str, target: str):
    def edit(data: bytes) -> bytes:
        schema = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
        entry = f'<Relationship Id="rIdX9" Type="{schema}/{kind}" Target="{target}"/></Relationships>'
        return data.replace(b"</Relationships>", entry.encode())

    return edit


def _dimension(sheet_part: str, ref: str, append_duplicate: bool = False):
    """A sheet whose declared <dimension> says `ref`, optionally with a duplicate row below it."""

    def build(folder: Path) -> Path:
        path = _base(folder, "xlsx")
        if append_duplicate:
            wb = load_workbook(path)
            ws = wb["8(c) Convictions"]
            ws.append([c.value for c in ws[2]][:4] + [5])  # PERP_CNV again, another figure
            wb.save(path)
        with zipfile.ZipFile(path) as z:
            parts = {n: z.read(n) for n in z.namelist()}
        xml = parts[sheet_part].decode("utf-8")
        parts[sheet_part] = re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="{ref}"', xml).encode()
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
            for name, data in parts.items():
                z.writestr(name, data)
        return path

    return build


def _padded_workbook(folder: Path) -> Path:
    """Within the ratio (it compresses badly) but above CSA_MAX_UNPACKED_BYTES once unpacked."""
    path = _base(folder, "xlsx")
    noise = random.Random(13).randbytes(300_000)
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/media/scan.png", noise)
    return path


def _ref_period_2021(folder: Path) -> Path:
    meta = {
        **metadata(year=2021),
        "ref_period_start": dt.date(2021, 1, 1),
        "ref_period_end": dt.date(2021, 12, 31),
    }
    return write_submission(meta, _rows(year=2021), folder / "ART8_AT_2021_R1.json", "json")[0]


def _merged_instructions(wb) -> None:
    wb["Instructions"].merge_cells("A1:D1")


def _unknown_metadata_row(wb) -> None:
    wb["Metadata"].append(["internal_ticket", "T-4711"])


WORKBOOK = "application/vnd.openxmlformats-officedocument.spreadsheetml"
PERP_JSON = "$.observations[14]"
SIDE = "ART8_AT_2023_R1.meta.json field"
XLSX_PERP = "sheet '8(c) Convictions', row 2"

SECOND_ROUND = [
    # integers beyond the warehouse type: L0_TYPE, never a failed load
    Case("json count 1e30", _perp("obs_value", 1e30), REJECTED, "L0_TYPE", PERP_JSON),
    Case("json count 10**30", _perp("obs_value", 10**30), REJECTED, "L0_TYPE", PERP_JSON),
    Case("json count 2**63", _perp("obs_value", 2**63), REJECTED, "L0_TYPE", PERP_JSON),
    Case("json count -1e30", _perp("obs_value", -1e30), REJECTED, "L0_TYPE", PERP_JSON),
    Case(
        "csv count 20 digits",
        _csv_edit(lambda t: _cell(t, PERP, "obs_value", "9" * 20)),
        REJECTED,
        "L0_TYPE",
        f"row {PERP}",
    ),
    Case(
        "csv count 400 digits",
        _csv_edit(lambda t: _cell(t, PERP, "obs_value", "9" * 400)),
        REJECTED,
        "L0_TYPE",
        f"row {PERP}",
    ),
    Case(
        "csv year 5 digits",
        _csv_edit(lambda t: _cell(t, PERP, "time_period", "20230")),
        REJECTED,
        "L0_TYPE",
        f"row {PERP}",
    ),
    Case("sdmx count 10**30", _sdmx_edit("OBS_VALUE", str(10**30)), REJECTED, "L0_TYPE", "row 2"),
    Case("xlsx count 1E+30", _sheet_cell("8(c) Convictions", "E2", 1e30), REJECTED, "L0_TYPE", XLSX_PERP),
    Case(
        "xlsx revision 1E+30",
        _sheet_cell("Metadata", "B4", 1e30),
        REJECTED,
        "L0_TYPE",
        "sheet 'Metadata', row 4",
    ),
    Case(
        "side file revision 10**30",
        _side_field("revision", 10**30),
        REJECTED,
        "L0_TYPE",
        f"{SIDE} 'revision'",
    ),
    Case("json revision 2**31", _meta("revision", 2**31), REJECTED, "L0_TYPE", "$.metadata.revision"),
    # control and bidirectional-override characters in text: one rule, every format and field
    Case(
        "csv comment vertical tab",
        _csv_edit(lambda t: _cell(t, PERP, "comment", "police\x0bdata")),
        REJECTED,
        "L0_CONTROL_CHARACTER",
        f"row {PERP}",
    ),
    Case(
        "csv comment escape",
        _csv_edit(lambda t: _cell(t, PERP, "comment", "\x1b[31mred")),
        REJECTED,
        "L0_CONTROL_CHARACTER",
        f"row {PERP}",
    ),
    Case(
        "csv comment delete",
        _csv_edit(lambda t: _cell(t, PERP, "comment", "a\x7fb")),
        REJECTED,
        "L0_CONTROL_CHARACTER",
        f"row {PERP}",
    ),
    Case(
        "sdmx comment escape", _sdmx_edit("COMMENT_OBS", "x\x1by"), REJECTED, "L0_CONTROL_CHARACTER", "row 2"
    ),
    Case(
        "json comment escaped nul",
        _perp("comment", "before\x00after"),
        REJECTED,
        "L0_CONTROL_CHARACTER",
        PERP_JSON,
    ),
    Case(
        "json comment form feed",
        _perp("comment", "page\x0cbreak"),
        REJECTED,
        "L0_CONTROL_CHARACTER",
        PERP_JSON,
    ),
    Case(
        "json comment right-to-left override",
        _perp("comment", "total \u202e0001"),
        REJECTED,
        "L0_CONTROL_CHARACTER",
        PERP_JSON,
    ),
    Case(
        "json comment lone surrogate",
        _perp("comment", "broken \ud800 text"),
        REJECTED,
        "L0_CONTROL_CHARACTER",
        PERP_JSON,
    ),
    Case(
        "json authority bidi isolate",
        _meta("reporting_authority", "Police \u2066x\u2069"),
        REJECTED,
        "L0_CONTROL_CHARACTER",
        "$.metadata.reporting_authority",
    ),
    Case("json status C1 control", _perp("obs_status", "p\x9b"), REJECTED, "L0_CONTROL_CHARACTER", PERP_JSON),
    Case(
        "side file contact C1 control",
        _side_field("contact", "stats\x85@example.org"),
        REJECTED,
        "L0_CONTROL_CHARACTER",
        f"{SIDE} 'contact'",
    ),
    Case(
        "side file definitions bidi",
        _side_field("national_definitions", "Counted \u2067by case"),
        REJECTED,
        "L0_CONTROL_CHARACTER",
        f"{SIDE} 'national_definitions'",
    ),
    Case(
        "xlsx comment override",
        _sheet_cell("8(c) Convictions", "G2", "ok \u202d reversed"),
        REJECTED,
        "L0_CONTROL_CHARACTER",
        XLSX_PERP,
    ),
    Case(
        "json unknown key lone surrogate",
        _json_replace('"metadata"', '"x\\ud800": 1, "metadata"'),
        VALID,
        "L0_UNKNOWN_COLUMN",
        "$.",
    ),
    # JSON duplicate keys: a rule and the JSON path
    Case(
        "json duplicate geo",
        _json_replace('"geo": "AT"', '"geo": "AT", "geo": "DE"'),
        REJECTED,
        "L0_DUPLICATE_FIELD",
        "$.metadata.geo",
    ),
    Case(
        "json duplicate obs_value",
        _json_replace('"obs_value": 4', '"obs_value": 4, "obs_value": 40'),
        REJECTED,
        "L0_DUPLICATE_FIELD",
        f"{PERP_JSON}.obs_value",
    ),
    Case(
        "json duplicate observations",
        _json_replace('"observations"', '"observations": [], "observations"'),
        REJECTED,
        "L0_DUPLICATE_FIELD",
        "$.observations",
    ),
    Case(
        "side file duplicate revision",
        _side(lambda t: t.replace('"revision": 1', '"revision": 1, "revision": 2')),
        REJECTED,
        "L0_DUPLICATE_FIELD",
        f"{SIDE} 'revision'",
    ),
    # non-scalar values in scalar fields
    Case("json comment array", _perp("comment", ["a", "b"]), REJECTED, "L0_TYPE", PERP_JSON),
    Case("json obs_value object", _perp("obs_value", {"value": 4}), REJECTED, "L0_TYPE", PERP_JSON),
    Case("json indicator array", _perp("indicator", ["PERP_CNV"]), REJECTED, "L0_TYPE", PERP_JSON),
    Case(
        "json contact object", _meta("contact", {"email": "a@b.c"}), REJECTED, "L0_TYPE", "$.metadata.contact"
    ),
    Case(
        "side file legal basis list",
        _side_field("legal_basis", ["32021R1232"]),
        REJECTED,
        "L0_TYPE",
        f"{SIDE} 'legal_basis'",
    ),
    # extra CSV cells: an error with the row, never cut silently
    Case("csv extra cell", _csv_edit(lambda t: _extra_cell(t, 2)), REJECTED, "L0_EXTRA_CELLS", "row 2"),
    Case(
        "csv extra cell last row",
        _csv_edit(lambda t: _extra_cell(t, PERP)),
        REJECTED,
        "L0_EXTRA_CELLS",
        f"row {PERP}",
    ),
    Case("sdmx extra cell", _sdmx_text(lambda t: _extra_cell(t, 2)), REJECTED, "L0_EXTRA_CELLS", "row 2"),
    Case("csv trailing empty cell", _csv_edit(lambda t: t.replace("\r\n", ",\r\n")), VALID, None),
    # unknown keys are warned about in every format
    Case(
        "json top-level unknown key",
        _json_replace('"metadata"', '"signature": "x", "metadata"'),
        VALID,
        "L0_UNKNOWN_COLUMN",
        "$.signature",
    ),
    Case("json observation unknown key", _perp("note", "x"), VALID, "L0_UNKNOWN_COLUMN", f"{PERP_JSON}.note"),
    Case(
        "side file unknown key",
        _side_field("signed_by", "x"),
        VALID,
        "L0_UNKNOWN_COLUMN",
        f"{SIDE} 'signed_by'",
    ),
    Case(
        "xlsx metadata unknown field",
        _xlsx_edit(_unknown_metadata_row),
        VALID,
        "L0_UNKNOWN_COLUMN",
        "sheet 'Metadata'",
    ),
    # XLSX cells are read whatever the declared <dimension> says
    Case(
        "xlsx duplicate row below dimension",
        _dimension("xl/worksheets/sheet5.xml", "A1:G3", True),  # the declared range ends above it
        REJECTED,
        "L0_DUPLICATE_KEY",
        "row 4",
    ),
    Case("xlsx stale dimension A1", _dimension("xl/worksheets/sheet3.xml", "A1"), VALID, None),
    # workbook safety from content types and relationships, whatever the part is called
    Case(
        "xlsx macro under another name",
        _zip_rewrite(
            {"[Content_Types].xml": _override("xl/custom.dat", "application/vnd.ms-office.vbaProject")},
            {"xl/custom.dat": b"\x00" * 64},
        ),
        UNREADABLE,
        "L0_UNSAFE_WORKBOOK",
        "file",
    ),
    Case(
        "xlsx macro relationship",
        _zip_rewrite(
            {"xl/_rels/workbook.xml.rels": _relation("vbaProject", "data.bin2")},
            {"xl/data.bin2": b"\x00" * 64},
        ),
        UNREADABLE,
        "L0_UNSAFE_WORKBOOK",
        "file",
    ),
    Case(
        "xlsx macro-enabled main part",
        _zip_rewrite(
            {
                "[Content_Types].xml": lambda d: d.replace(
                    f"{WORKBOOK}.sheet.main+xml".encode(),
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                )
            }
        ),
        UNREADABLE,
        "L0_UNSAFE_WORKBOOK",
        "file",
    ),
    Case(
        "xlsx external link under another name",
        _zip_rewrite(
            {"[Content_Types].xml": _override("xl/data/ext1.xml", f"{WORKBOOK}.externalLink+xml")},
            {"xl/data/ext1.xml": b"<externalLink/>"},
        ),
        UNREADABLE,
        "L0_UNSAFE_WORKBOOK",
        "file",
    ),
    Case(
        "xlsx external link relationship",
        _zip_rewrite({"xl/_rels/workbook.xml.rels": _relation("externalLink", "data/ext9.xml")}),
        UNREADABLE,
        "L0_UNSAFE_WORKBOOK",
        "file",
    ),
    Case(
        "xlsx broken content types",
        _zip_rewrite({"[Content_Types].xml": lambda d: d[: len(d) // 2]}),
        UNREADABLE,
        "L0_READABLE",
        "file",
    ),
    # limits: unpacked size of every part, and the side file
    Case(
        "xlsx unpacked over the limit",
        _padded_workbook,
        UNREADABLE,
        "L0_UNSAFE_WORKBOOK",
        "file",
        {"CSA_MAX_UNPACKED_BYTES": "200000"},
    ),
    Case(
        "side file over the limit",
        _side(lambda t: t.replace('"contact"', f'"padding": "{"x" * 3000}", "contact"')),
        REJECTED,
        "L0_READABLE",
        ".meta.json",
        {"CSA_MAX_SIDE_FILE_BYTES": "2000"},
    ),
    # accepted, with or without a word
    Case("xlsx merged cells on instructions", _xlsx_edit(_merged_instructions), VALID, None),
    Case(
        "2021 reference period from 1 January",
        _ref_period_2021,
        VALID,
        "L0_REF_PERIOD_UNCOVERED",
        "ref_period_start",
    ),
]
CASES += SECOND_ROUND


# --- third round (issue 29): metadata once, every text field's limit, statuses that agree with
# values, and entries that are not regular files; the landing's own cases are LANDING below.

SECRET = "root:x:0:0:secret first line of a file outside the landing"
BIG = 200_000  # above the 131,072 characters the csv module accepted by default


def _metadata_row(name: str, value):
    """One more row on the Metadata sheet: the field given a second time."""

    def edit(wb) -> None:
        wb["Metadata"].append([name, value])

    return _xlsx_edit(edit)


def _beside(fmt: str, side: dict):
    """A JSON or XLSX submission (metadata inside) with a .meta.json side file beside it."""

    def build(folder: Path) -> Path:
        path = _base(folder, fmt)
        path.with_suffix(".meta.json").write_text(json.dumps(side), encoding="utf-8")
        return path

    return build


def _fifo(name: str):
    def build(folder: Path) -> Path:
        path = folder / name
        os.mkfifo(path)
        return path

    return build


def _link(name: str, target: str):
    def build(folder: Path) -> Path:
        path = folder / name
        os.symlink(target, path)
        return path

    return build


def _side_replaced(make: Callable[[Path], None]):
    """The valid CSV whose side file is replaced by a named pipe or a link (never read)."""

    def build(folder: Path) -> Path:
        path = _base(folder, "csv")
        side = path.with_suffix(".meta.json")
        side.unlink()
        make(side)
        return path

    return build


def _secret_link(side: Path) -> None:
    secret = side.parent / "outside" / "passwd"
    secret.parent.mkdir()
    secret.write_text(json.dumps({SECRET: 1}), encoding="utf-8")
    os.symlink(secret, side)


def _csv_meta(edit: Callable[[str], str], meta: dict):
    """The valid CSV with its rows edited and its side file's fields set."""

    def build(folder: Path) -> Path:
        path = _csv_edit(edit)(folder)
        side = path.with_suffix(".meta.json")
        side.write_text(
            json.dumps({**json.loads(side.read_text(encoding="utf-8")), **meta}), encoding="utf-8"
        )
        return path

    return build


def _json_both(meta: dict, perp: dict):
    def edit(doc: dict) -> None:
        doc["metadata"].update(meta)
        doc["observations"][14].update(perp)

    return _json_doc(edit)


SIDE_OF = "ART8_AT_2023_R1.meta.json"
GAPS_ROW = [f.name for f in load_contract().metadata_fields].index("breakdown_gaps") + 2  # the sheet's row
META_ROW = "sheet 'Metadata', row"
REFERENCE = {"counting_unit": "RECEIVED", "report_date": "RECEIVED"}

THIRD_ROUND = [
    # every metadata field once, in every format: the second is an error naming both places
    Case("xlsx metadata geo twice", _metadata_row("geo", "DE"), REJECTED, "L0_DUPLICATE_FIELD", META_ROW),
    Case(
        "xlsx metadata counting unit twice",
        _metadata_row("counting_unit", "CASE"),
        REJECTED,
        "L0_DUPLICATE_FIELD",
        META_ROW,
    ),
    Case(
        "xlsx metadata field twice, second empty",
        _metadata_row("contact", None),
        REJECTED,
        "L0_DUPLICATE_FIELD",
        META_ROW,
    ),  # fmt: skip
    Case(
        "xlsx metadata field twice, padded name",
        _metadata_row(" revision ", 2),
        REJECTED,
        "L0_DUPLICATE_FIELD",
        META_ROW,
    ),  # fmt: skip
    Case(
        "xlsx metadata also in a side file",
        _beside("xlsx", {"geo": "DE"}),
        REJECTED,
        "L0_DUPLICATE_FIELD",
        SIDE_OF,
    ),  # fmt: skip
    Case(
        "json metadata also in a side file",
        _beside("json", {"revision": 2}),
        REJECTED,
        "L0_DUPLICATE_FIELD",
        SIDE_OF,
    ),  # fmt: skip
    Case(
        "json side file gives a field the file leaves out",
        _beside("json", {"source_reports": "POLICE"}),
        VALID,
        None,
    ),  # fmt: skip
    Case(
        "side file geo twice",
        _side(lambda t: t.replace('"geo": "AT"', '"geo": "AT", "geo": "DE"')),
        REJECTED,
        "L0_DUPLICATE_FIELD",
        f"{SIDE} 'geo'",
    ),  # fmt: skip
    Case(
        "json metadata contact twice",
        _json_replace('"contact"', '"contact": "a@b.c", "contact"'),
        REJECTED,
        "L0_DUPLICATE_FIELD",
        "$.metadata.contact",
    ),  # fmt: skip
    # every text field's limit from the contract; a cell of any size is `too long` at its place
    Case(
        "side file breakdown gaps too long",
        _side_field("breakdown_gaps", "sex: " + "x" * 2000),
        REJECTED,
        "L0_TOO_LONG",
        f"{SIDE} 'breakdown_gaps'",
    ),  # fmt: skip
    Case(
        "json confirmed changes too long",
        _meta("confirmed_changes", "REP_LEA/_Z/TOTAL/TOTAL: " + "y" * 2000),
        REJECTED,
        "L0_TOO_LONG",
        "$.metadata.confirmed_changes",
    ),  # fmt: skip
    Case(
        "xlsx breakdown gaps too long",
        _sheet_cell("Metadata", f"B{GAPS_ROW}", "sex: " + "z" * 2100),
        REJECTED,
        "L0_TOO_LONG",
        f"sheet 'Metadata', row {GAPS_ROW}",
    ),  # fmt: skip
    Case(
        "side file authority too long",
        _side_field("reporting_authority", "P" * 10_000),
        REJECTED,
        "L0_TOO_LONG",
        f"{SIDE} 'reporting_authority'",
    ),  # fmt: skip
    Case(
        "json contact too long",
        _meta("contact", "a" * 400 + "@example.org"),
        REJECTED,
        "L0_TOO_LONG",
        "$.metadata.contact",
    ),  # fmt: skip
    Case(
        "side file definitions too long",
        _side_field("national_definitions", "n" * 5000),
        REJECTED,
        "L0_TOO_LONG",
        f"{SIDE} 'national_definitions'",
    ),  # fmt: skip
    Case(
        "csv comment of 200,000 characters",
        _csv_edit(lambda t: _cell(t, PERP, "comment", "c" * BIG)),
        REJECTED,
        "L0_TOO_LONG",
        f"row {PERP}",
    ),  # fmt: skip
    Case(
        "sdmx comment of 200,000 characters",
        _sdmx_edit("COMMENT_OBS", "s" * BIG),
        REJECTED,
        "L0_TOO_LONG",
        "row 2",
    ),  # fmt: skip
    Case(
        "json comment of 300,000 characters",
        _perp("comment", "j" * 300_000),
        REJECTED,
        "L0_TOO_LONG",
        PERP_JSON,
    ),  # fmt: skip
    Case(
        "xlsx comment of 40,000 characters",
        _sheet_cell("8(c) Convictions", "H2", "w" * 40_000),
        REJECTED,
        "L0_TOO_LONG",
        f"{XLSX_PERP}, column comment",
    ),  # fmt: skip
    Case(
        "csv indicator of 200,000 characters",
        _csv_edit(lambda t: _cell(t, PERP, "indicator", "I" * BIG)),
        REJECTED,
        "L0_CODE_LIST",
        f"row {PERP}",
    ),  # fmt: skip
    # statuses agree with values (the contract's noValueStatuses and reference definitions)
    Case(
        "csv value with status m",
        _csv_edit(lambda t: _cell(t, PERP, "obs_status", "m")),
        REJECTED,
        "L1_STATUS_VALUE",
        f"row {PERP}",
    ),  # fmt: skip
    Case(
        "json 11 with status m",
        _json_both({}, {"obs_value": 11, "obs_status": "m"}),
        REJECTED,
        "L1_STATUS_VALUE",
        PERP_JSON,
    ),  # fmt: skip
    Case(
        "xlsx value with status m",
        _sheet_cell("8(c) Convictions", "F2", "m"),
        REJECTED,
        "L1_STATUS_VALUE",
        XLSX_PERP,
    ),  # fmt: skip
    Case("sdmx value with status m", _sdmx_edit("OBS_FLAG", "m"), REJECTED, "L1_STATUS_VALUE", "row 2"),
    Case(
        "csv empty with status p",
        _csv_edit(lambda t: _cell(_cell(t, PERP, "obs_value", ""), PERP, "obs_status", "p")),
        REJECTED,
        "L1_EMPTY_NEEDS_STATUS",
        f"row {PERP}",
    ),  # fmt: skip
    Case(
        "sdmx empty without status", _sdmx_edit("OBS_VALUE", ""), REJECTED, "L1_EMPTY_NEEDS_STATUS", "row 2"
    ),
    Case(
        "csv d while conviction stage is the reference",
        _csv_meta(lambda t: _cell(t, PERP, "obs_status", "d"), {"conviction_stage": "FINAL"}),
        REJECTED,
        "L1_STATUS_DEFINITIONS",
        f"row {PERP}",
    ),  # fmt: skip
    Case(
        "json d on reports while definitions are the reference",
        _json_doc(lambda d: (d["metadata"].update(REFERENCE), d["observations"][0].update(obs_status="d"))),
        REJECTED,
        "L1_STATUS_DEFINITIONS",
        "$.observations[0]",
    ),  # fmt: skip
    Case(
        "json d while conviction stage differs",
        _json_both({"conviction_stage": "FIRST_INSTANCE"}, {"obs_status": "d"}),
        VALID,
        "L1_DEFINITION_DIFFERS",
        "$.metadata.conviction_stage",
    ),  # fmt: skip
    # entries that are not regular files: never opened, never followed
    Case("csv named pipe", _fifo("ART8_AT_2023_R1.csv"), UNREADABLE, "L0_READABLE", "file"),
    Case("json named pipe", _fifo("ART8_AT_2023_R1.json"), UNREADABLE, "L0_READABLE", "file"),
    Case("xlsx named pipe", _fifo("ART8_AT_2023_R1.xlsx"), UNREADABLE, "L0_READABLE", "file"),
    Case("link to a device", _link("ART8_AT_2023_R1.csv", "/dev/zero"), UNREADABLE, "L0_READABLE", "file"),
    Case("side file is a named pipe", _side_replaced(os.mkfifo), REJECTED, "L0_READABLE", SIDE_OF),
    Case("side file is a link outside", _side_replaced(_secret_link), REJECTED, "L0_READABLE", SIDE_OF),
    # known aliases of a state are refused with a hint, never mapped
    Case("json geo GR", _meta("geo", "GR"), REJECTED, "L0_CODE_LIST", "$.metadata.geo"),
    Case("json geo lower case", _meta("geo", "at"), REJECTED, "L0_CODE_LIST", "$.metadata.geo"),
]
CASES += THIRD_ROUND


def build_corpus(root: Path) -> list[tuple[Case, Path]]:
    """Each case in a folder of its own (side files must not meet)."""
    built = []
    for i, case in enumerate(CASES):
        folder = root / f"{i:02d}"
        folder.mkdir(parents=True)
        built.append((case, case.build(folder)))
    return built


# --- the landing (issue 29): what an entry is, who sent it, when it arrived. Each case lays out a
# data folder (landing/<GEO>/..., receipts) and gives the arguments of `csa-stats ingest`; `says`
# must be in what ingest prints or logs. Every case but the setting errors lands LU's good file too.


@dataclass
class Landed:
    name: str
    build: Callable[[Path], list[str]]  # data folder -> arguments of `ingest` (None: the landing)
    expect: int
    says: str
    rule: str | None = None  # named in the report of a submission it registered


def _landing(data: Path, good: bool = True) -> Path:
    landing = data / "landing"
    landing.mkdir(parents=True, exist_ok=True)
    if good:
        write_json_submission(landing / "LU", geo="LU")
    return landing


def _outside_secret(data: Path, name: str = "secret.csv") -> Path:
    secret = data / "outside" / name
    secret.parent.mkdir(parents=True, exist_ok=True)
    secret.write_text(json.dumps({SECRET: 1}) if name.endswith(".json") else f"{SECRET}\n", encoding="utf-8")
    return secret


def _in_prefix(make: Callable[[Path, Path], None], geo: str = "AT"):
    """An entry made in a state's prefix (beside LU's good file); ingest the landing."""

    def build(data: Path) -> list[str]:
        landing = _landing(data)
        (landing / geo).mkdir(exist_ok=True)
        make(data, landing / geo)
        return [str(landing)]

    return build


def _linked_file(data: Path, prefix: Path) -> None:
    os.symlink(_outside_secret(data), prefix / "ART8_AT_2023_R1.csv")


def _hard_linked_file(data: Path, prefix: Path) -> None:
    os.link(_outside_secret(data), prefix / "ART8_AT_2023_R1.csv")


def _linked_side_file(data: Path, prefix: Path) -> None:
    path = _base(prefix, "csv")
    path.with_suffix(".meta.json").unlink()
    os.symlink(_outside_secret(data, "secret.meta.json"), path.with_suffix(".meta.json"))


def _piped_side_file(data: Path, prefix: Path) -> None:
    path = _base(prefix, "csv")
    path.with_suffix(".meta.json").unlink()
    os.mkfifo(path.with_suffix(".meta.json"))


def _linked_prefix(data: Path) -> list[str]:
    landing = _landing(data)
    elsewhere = write_json_submission(data / "elsewhere", geo="DE").parent
    os.symlink(elsewhere, landing / "DE")
    return [str(landing)]


def _folder(name: str):
    def build(data: Path) -> list[str]:
        landing = _landing(data)
        write_json_submission(landing / name, geo=name)
        return [str(landing)]

    return build


def _named(make: Callable[[Path, Path], Path], *options: str):
    """A file named outright (with options such as --sender): what make returns."""

    def build(data: Path) -> list[str]:
        landing = _landing(data, good=False)
        return [*options, str(make(data, landing))]

    return build


def _dotdot(data: Path, landing: Path) -> Path:
    write_json_submission(landing / "AT", geo="DE")
    (landing / "AT" / "sub").mkdir()
    return landing / "AT" / "sub" / ".." / "ART8_DE_2023_R1.json"


def _outside_file(data: Path, landing: Path) -> Path:
    return write_json_submission(data / "by-mail", geo="LU")


def _in_greek_alias(data: Path, landing: Path) -> Path:
    return write_json_submission(landing / "GR", geo="EL")


def _named_link(data: Path, landing: Path) -> Path:
    path = landing / "AT" / "ART8_AT_2023_R1.json"
    path.parent.mkdir(parents=True)
    os.symlink(write_json_submission(data / "outside", geo="AT"), path)
    return path


def _named_pipe(data: Path, landing: Path) -> Path:
    path = landing / "AT" / "ART8_AT_2023_R1.csv"
    path.parent.mkdir(parents=True)
    os.mkfifo(path)
    return path


def _in_at(data: Path, landing: Path) -> Path:
    return write_json_submission(landing / "AT", geo="AT")


def _receipts(write: Callable[[Path], None], inside: bool = False):
    """LU's good file lands; CSA_RECEIPTS (data/receipts.json, the default) is what `write` makes."""

    def build(data: Path) -> list[str]:
        landing = _landing(data)
        receipts = data / "receipts.json"
        write(receipts)
        if inside:  # the operator's file moved where a sender can write it
            target = landing / "AT" / "receipts.json"
            target.parent.mkdir()
            receipts.rename(target)
            os.environ["CSA_RECEIPTS"] = str(target)  # the harness restores the environment
        return [str(landing)]

    return build


def _text(text: str):
    return lambda path: path.write_text(text, encoding="utf-8")


def _entry(when, digest: str | None = None, year: int = 2023):
    """One receipt, for LU's good file unless another digest is given."""

    def write(path: Path) -> None:
        good = path.parent / "landing" / "LU" / f"ART8_LU_{year}_R1.json"
        key = digest or hashlib.sha256(good.read_bytes()).hexdigest()
        path.write_text(json.dumps({key: when}), encoding="utf-8")

    return write


LANDING = [
    Landed("link to a file outside in a prefix", _in_prefix(_linked_file), VALID, "never followed"),
    Landed(
        "side file linked outside", _in_prefix(_linked_side_file), REJECTED, "never followed", "L0_READABLE"
    ),
    Landed(
        "named pipe in a prefix",
        _in_prefix(lambda d, p: os.mkfifo(p / "ART8_AT_2023_R1.csv")),
        VALID,
        "named pipe",
    ),  # fmt: skip
    Landed("named pipe as side file", _in_prefix(_piped_side_file), REJECTED, "named pipe", "L0_READABLE"),
    Landed(
        "link to a folder in a prefix",
        _in_prefix(lambda d, p: os.symlink("/etc", p / "etc")),
        VALID,
        "never followed",
    ),  # fmt: skip
    Landed(
        "hidden link in a prefix",
        _in_prefix(lambda d, p: os.symlink("/etc/hostname", p / ".x.csv")),
        VALID,
        "never followed",
    ),  # fmt: skip
    Landed("a state's prefix is a link", _linked_prefix, VALID, "never followed"),
    Landed("hard link to a file outside in a prefix", _in_prefix(_hard_linked_file), VALID, "hard link"),
    Landed("folder GR", _folder("GR"), VALID, "Greece is 'EL'"),
    Landed("folder UK", _folder("UK"), VALID, "United Kingdom"),
    Landed("folder EU27_2020", _folder("EU27_2020"), VALID, "EU aggregate"),
    Landed("folder at in lower case", _folder("at"), VALID, "upper case: 'AT'"),
    Landed("'..' hides the sender", _named(_dotdot), REJECTED, "", "L0_SENDER_MISMATCH"),
    Landed("--sender GR", _named(_outside_file, "--sender", "GR"), UNREADABLE, "Greece is 'EL'"),
    Landed("--sender XX", _named(_outside_file, "--sender", "XX"), UNREADABLE, "not a Member State"),
    Landed("--sender lower case", _named(_outside_file, "--sender", "lu"), UNREADABLE, "upper case: 'LU'"),
    Landed("--sender EU27_2020", _named(_outside_file, "--sender", "EU27_2020"), UNREADABLE, "EU aggregate"),
    Landed("named file in GR/", _named(_in_greek_alias), UNREADABLE, "Greece is 'EL'"),
    Landed("named link in a prefix", _named(_named_link), UNREADABLE, "never followed"),
    Landed("named pipe named outright", _named(_named_pipe), UNREADABLE, "named pipe"),
    Landed("--sender against the prefix", _named(_in_at, "--sender", "DE"), UNREADABLE, "prefix of AT"),
    # receipts: an operator's input; the file unusable is a setting error, an entry a warning
    Landed("receipts malformed", _receipts(_text("{not json")), UNREADABLE, "CSA_RECEIPTS"),
    Landed("receipts a list", _receipts(_text("[1, 2]")), UNREADABLE, "not an object of SHA-256"),
    Landed("receipts a number", _receipts(_text("42")), UNREADABLE, "CSA_RECEIPTS"),
    Landed("receipts empty", _receipts(_text("")), UNREADABLE, "CSA_RECEIPTS"),
    Landed("receipts a folder", _receipts(lambda p: p.mkdir()), UNREADABLE, "is a folder"),
    Landed("receipts a named pipe", _receipts(os.mkfifo), UNREADABLE, "CSA_RECEIPTS"),
    Landed(
        "receipts inside the landing", _receipts(_text("{}"), inside=True), UNREADABLE, "inside the landing"
    ),
    Landed("receipt without a zone", _receipts(_entry("2024-05-02T09:00:00")), VALID, "no time zone"),
    Landed("receipt a bare date", _receipts(_entry("2024-05-02")), VALID, "without a time of day"),
    Landed("receipt a number", _receipts(_entry(1714640400)), VALID, "not an ISO 8601 text"),
    Landed("receipt in the future", _receipts(_entry("2999-01-01T00:00:00+00:00")), VALID, "in the future"),
    Landed(
        "receipt before the year ended",
        _receipts(_entry("2023-06-01T09:00:00+00:00")),
        VALID,
        "before the end of its reporting year 2023",
    ),  # fmt: skip
    Landed(
        "receipt for content never received",
        _receipts(_entry("2024-05-02T09:00:00+00:00", "ab" * 32)),
        VALID,
        "never received",
    ),  # fmt: skip
    Landed(
        "receipt key not a checksum",
        _receipts(_entry("2024-05-02T09:00:00+00:00", "ART8_LU.json")),
        VALID,
        "not a SHA-256",
    ),  # fmt: skip
]
