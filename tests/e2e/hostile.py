"""A corpus of malformed and hostile submissions, each with the outcome it must get.

Built from one valid submission per format, then damaged in one way each. `expect` is the
exit code of `csa-stats validate` (0 valid, 2 rejected, 3 unreadable or refused unread),
`rule` the rule that must be named, `place` a part of the location that must be named.
"""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import load_workbook

from tests.helpers import metadata, observations
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
        "row 17",
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


def build_corpus(root: Path) -> list[tuple[Case, Path]]:
    """Each case in a folder of its own (side files must not meet)."""
    built = []
    for i, case in enumerate(CASES):
        folder = root / f"{i:02d}"
        folder.mkdir(parents=True)
        built.append((case, case.build(folder)))
    return built
