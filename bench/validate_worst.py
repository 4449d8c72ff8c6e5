"""`csa-stats validate` on the worst files the limits still accept, against a normal demo file.

The goal (issue 13): any file under the limits answers within 10 s, so no sender can hold the
writer lock of `ingest` for long. Each case is built as large as the default limits allow
(CSA_MAX_FILE_BYTES, CSA_MAX_UNPACKED_BYTES, CSA_MAX_SIDE_FILE_BYTES, CSA_MAX_ROWS), then
validated once in a fresh process; the baseline, measured in the same run, is a normal demo
submission. Prints the time of each case, its ratio to the baseline and its verdict.
Run: .venv/bin/python bench/validate_worst.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

BIN = Path(sys.executable).parent
GOAL = 10.0


def _settings():
    from csa_stats.settings import get_settings

    return get_settings()


def _demo(folder: Path, fmt: str) -> Path:
    from csa_stats.demo import generate_demo
    from transforms.canonical import Received
    from transforms.readers import detect_format

    files = generate_demo(folder / "demo", geos=["AT", "DE", "LU", "NL", "PT"], years=range(2023, 2024))
    for path in files:
        if detect_format(Received.from_path(path)) == fmt:
            return path
    raise LookupError(fmt)


def _copy(source: Path, target: Path) -> Path:
    target.write_bytes(source.read_bytes())
    side = source.with_suffix(".meta.json")
    if side.exists():
        target.with_suffix(".meta.json").write_bytes(side.read_bytes())
    return target


def _fill(limit: int, unit: bytes) -> bytes:
    return unit * max(1, (limit - 4096) // len(unit))


def csv_rows_to_the_byte_limit(folder: Path) -> Path:
    """A CSV of valid-looking rows up to CSA_MAX_FILE_BYTES (far more than CSA_MAX_ROWS)."""
    path = _copy(_demo(folder, "csv"), folder / "rows.csv")
    lines = path.read_bytes().splitlines(keepends=True)
    body = b"".join(lines[1:])
    path.write_bytes(lines[0] + _fill(_settings().max_file_bytes, body))
    return path


def csv_row_limit_of_long_comments(folder: Path) -> Path:
    """CSA_MAX_ROWS rows, each with a comment as long as the contract allows, to the byte limit."""
    path = _copy(_demo(folder, "csv"), folder / "long.csv")
    lines = path.read_bytes().splitlines(keepends=True)
    width = min(2000, _settings().max_file_bytes // _settings().max_rows - 80)
    row = lines[1].rstrip(b"\r\n") + b"c" * width + b"\r\n"
    path.write_bytes(lines[0] + row * _settings().max_rows)
    return path


def csv_one_huge_comment(folder: Path) -> Path:
    path = _copy(_demo(folder, "csv"), folder / "comment.csv")
    lines = path.read_bytes().splitlines(keepends=True)
    comment = b"x" * (_settings().max_file_bytes - len(b"".join(lines)) - 100)
    lines[-1] = lines[-1].rstrip(b"\r\n") + comment + b"\r\n"
    path.write_bytes(b"".join(lines))
    return path


def json_observations_to_the_byte_limit(folder: Path) -> Path:
    path = folder / "observations.json"
    doc = json.loads(_demo(folder, "json").read_text(encoding="utf-8"))
    one = json.dumps(doc["observations"][0]).encode()
    many = _fill(_settings().max_file_bytes, one + b",")[:-1]
    meta = json.dumps(doc["metadata"]).encode()
    path.write_bytes(b'{"metadata": ' + meta + b', "observations": [' + many + b"]}")
    return path


def json_duplicate_keys_to_the_byte_limit(folder: Path) -> Path:
    path = folder / "duplicates.json"
    keys = _fill(_settings().max_file_bytes, b'"comment": "x", ')
    path.write_bytes(b'{"metadata": {}, "observations": [{' + keys + b'"comment": "y"}]}')
    return path


def json_nested_as_deep_as_parsable(folder: Path) -> Path:
    path = folder / "deep.json"
    depth = 900
    path.write_text('{"metadata": {}, "observations": [' + "[" * depth + "]" * depth + "]}")
    return path


def side_file_at_its_limit(folder: Path) -> Path:
    path = _copy(_demo(folder, "csv"), folder / "side.csv")
    side = path.with_suffix(".meta.json")
    doc = json.loads(side.read_text(encoding="utf-8"))
    pad = (_settings().max_side_file_bytes - len(json.dumps(doc)) - 200) // 12
    doc.update({f"k{i:07d}": "" for i in range(pad)})  # unknown keys, each one warned about
    side.write_text(json.dumps(doc), encoding="utf-8")
    return path


SPREADSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml"
RELATIONS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _xlsx_with_part(folder: Path, name: str, part: str, data: bytes) -> Path:
    source = _demo(folder, "xlsx")
    path = folder / name
    with zipfile.ZipFile(source) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    if part == "xl/sharedStrings.xml" and part not in parts:  # wired in, so that it is read
        types, rels = "[Content_Types].xml", "xl/_rels/workbook.xml.rels"
        override = f'<Override PartName="/{part}" ContentType="{SPREADSHEET}.sharedStrings+xml"/></Types>'
        parts[types] = parts[types].replace(b"</Types>", override.encode())
        relation = f'<Relationship Id="rIdS1" Type="{RELATIONS}/sharedStrings" Target="sharedStrings.xml"/>'
        parts[rels] = parts[rels].replace(b"</Relationships>", f"{relation}</Relationships>".encode())
    parts[part] = data
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for member, content in parts.items():
            z.writestr(member, content)
    return path


def xlsx_shared_strings_at_the_unpacked_limit(folder: Path) -> Path:
    """The case of the review (150 MB of shared strings), cut to what CSA_MAX_UNPACKED_BYTES allows."""
    import random

    rng, limit = random.Random(13), _settings().max_unpacked_bytes - 60_000
    units = []
    while sum(map(len, units)) < limit:  # random letters: within the packing ratio
        units.append(b"<si><t>" + bytes(rng.choices(range(97, 123), k=200)) + b"</t></si>")
    strings, count = b"".join(units), len(units)
    head = (
        '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
        f'spreadsheetml/2006/main" count="{count}" uniqueCount="{count}">'
    )
    return _xlsx_with_part(
        folder, "strings.xlsx", "xl/sharedStrings.xml", head.encode() + strings + b"</sst>"
    )


def _sheet_xml(limit: int, blank: bool = False) -> bytes:
    head = (
        b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main"><dimension ref="A1"/><sheetData>'
    )
    rows, size, i = [], 0, 2
    while size < limit:
        cells = (
            f'<c r="E{i}" t="inlineStr"><is><t></t></is></c>'
            if blank
            else f'<c r="E{i}"><v>{i}</v></c><c r="F{i}"><v>{i}</v></c>'
        )
        row = f'<row r="{i}">{cells}</row>'.encode()
        rows.append(row)
        size += len(row)
        i += 1
    return head + b"".join(rows) + b"</sheetData></worksheet>"


def xlsx_rows_at_the_unpacked_limit(folder: Path) -> Path:
    """A point sheet with as many number rows as CSA_MAX_UNPACKED_BYTES allows."""
    sheet = _sheet_xml(_settings().max_unpacked_bytes - 80_000)
    return _xlsx_with_part(folder, "rows.xlsx", "xl/worksheets/sheet5.xml", sheet)


def xlsx_instructions_sheet_at_the_unpacked_limit(folder: Path) -> Path:
    """The same rows on a sheet the reader skips (only the safety checks open every sheet)."""
    sheet = _sheet_xml(_settings().max_unpacked_bytes - 80_000)
    return _xlsx_with_part(folder, "instructions.xlsx", "xl/worksheets/sheet1.xml", sheet)


def xlsx_metadata_sheet_at_the_unpacked_limit(folder: Path) -> Path:
    """The rows on the Metadata sheet, which has no row limit of its own."""
    sheet = _sheet_xml(_settings().max_unpacked_bytes - 80_000)
    return _xlsx_with_part(folder, "metadata.xlsx", "xl/worksheets/sheet2.xml", sheet)


def xlsx_blank_rows_at_the_unpacked_limit(folder: Path) -> Path:
    """A point sheet of rows whose cells are all empty strings (skipped, so never counted)."""
    sheet = _sheet_xml(_settings().max_unpacked_bytes - 80_000, blank=True)
    return _xlsx_with_part(folder, "blank.xlsx", "xl/worksheets/sheet3.xml", sheet)


CASES: list[Callable[[Path], Path]] = [
    csv_rows_to_the_byte_limit,
    csv_row_limit_of_long_comments,
    csv_one_huge_comment,
    json_observations_to_the_byte_limit,
    json_duplicate_keys_to_the_byte_limit,
    json_nested_as_deep_as_parsable,
    side_file_at_its_limit,
    xlsx_shared_strings_at_the_unpacked_limit,
    xlsx_rows_at_the_unpacked_limit,
    xlsx_instructions_sheet_at_the_unpacked_limit,
    xlsx_metadata_sheet_at_the_unpacked_limit,
    xlsx_blank_rows_at_the_unpacked_limit,
]


def _validate(path: Path) -> tuple[float, int]:
    start = time.perf_counter()
    done = subprocess.run([str(BIN / "csa-stats"), "validate", str(path)], capture_output=True, check=False)
    return time.perf_counter() - start, done.returncode


def main() -> None:
    verdicts = {0: "valid", 1: "warnings", 2: "rejected", 3: "refused/unreadable", 5: "INTERNAL ERROR"}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        baseline, _ = _validate(_demo(folder, "xlsx"))
        print(f"baseline: a normal demo XLSX, {baseline:.2f} s")
        worst = 0.0
        for case in CASES:
            path = case(folder)
            took, code = _validate(path)
            worst = max(worst, took)
            size = path.stat().st_size
            print(
                f"{case.__name__:<45} {size / 1e6:6.1f} MB {took:6.2f} s  x{took / baseline:5.1f} baseline  "
                f"{verdicts.get(code, code)}"
            )
        print(f"slowest {worst:.2f} s: {'within' if worst <= GOAL else 'OVER'} the {GOAL:g} s goal")


if __name__ == "__main__":
    main()
