"""Readers on awkward but real input: separators, encodings, duplicated headers, Excel numbers."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from tests.helpers import metadata, observations
from transforms import values
from transforms.readers import read_submission
from transforms.validation import validate
from transforms.writers import write_submission


def _csv(tmp_path, edit, encoding="utf-8", sep=","):
    rows = [dict(o, geo="AT", time_period=2023) for o in observations()]
    path = tmp_path / "ART8_AT_2023_R1.csv"
    write_submission(metadata(), rows, path, "csv")
    lines = path.read_text(encoding="utf-8").splitlines()
    lines = edit(lines)
    if sep == ";":
        lines = [line.replace(",", ";") for line in lines]
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return read_submission(path)


def _value(lines, i, value):
    """Put `value` as obs_value of data row i (0-based), quoted for the CSV."""
    cells = lines[i + 1].split(",")
    cells[6] = f'"{value}"'
    lines[i + 1] = ",".join(cells)
    return lines


@pytest.mark.parametrize(
    ("raw", "expected", "rule"),
    [
        ("12345", 12345, None),
        ("12,345", 12345, "L0_THOUSANDS_SEPARATOR"),
        ("12.345", 12345, "L0_THOUSANDS_SEPARATOR"),
        ("12 345", 12345, "L0_THOUSANDS_SEPARATOR"),
        ("12\u00a0345", 12345, "L0_THOUSANDS_SEPARATOR"),
        ("1.234.567", 1234567, "L0_THOUSANDS_SEPARATOR"),
        ("-12,345", -12345, "L0_THOUSANDS_SEPARATOR"),
        ("1,5", None, "L0_TYPE"),
        ("1.234,5", None, "L0_TYPE"),
        ("12,34", None, "L0_TYPE"),
        ("1,234.567", None, "L0_TYPE"),
        ("12.0", None, "L0_TYPE"),
        (12.0, 12, None),
        (12.5, None, "L0_TYPE"),
    ],
)
def test_a_count_is_read_only_when_unambiguous(raw, expected, rule):
    findings = []
    assert values.count(raw, "row 2", "obs_value", findings) == expected
    assert [f.rule for f in findings] == ([rule] if rule else [])


def test_mixed_thousands_separators_in_one_file_are_ambiguous(tmp_path):
    sub = _csv(tmp_path, lambda lines: _value(_value(lines, 3, "1,020"), 4, "1.050"))
    found = {(f.rule, f.location) for f in sub.findings}
    assert found == {("L0_TYPE", "row 5"), ("L0_TYPE", "row 6")}
    assert sub.rows()[3]["obs_value"] is None and sub.rows()[4]["obs_value"] is None
    report = validate(sub)
    assert "more than one separator" in next(i.message for i in report.issues if i.rule == "L0_TYPE")
    assert "L1_EMPTY_NEEDS_STATUS" not in {i.rule for i in report.issues}  # L0_TYPE already says it


def test_one_kind_of_thousands_separator_is_a_warning_only(tmp_path):
    sub = _csv(tmp_path, lambda lines: _value(_value(lines, 14, "1.004"), 13, "1.001"))
    assert {f.rule for f in sub.findings} == {"L0_THOUSANDS_SEPARATOR"}
    assert sub.rows()[14]["obs_value"] == 1004


def test_a_negative_with_separators_is_named_as_negative(tmp_path):
    report = validate(_csv(tmp_path, lambda lines: _value(lines, 14, "-1,004")))
    rules = {(i.rule, i.location) for i in report.issues}
    assert ("L1_NON_NEGATIVE", "row 16") in rules and ("L0_THOUSANDS_SEPARATOR", "row 16") in rules


def test_duplicate_csv_header_is_reported_not_silently_resolved(tmp_path):
    def duplicate(lines):
        lines[0] = lines[0].replace("obs_status", "obs_value")
        return lines

    report = validate(_csv(tmp_path, duplicate))
    issue = next(i for i in report.issues if i.rule == "L0_DUPLICATE_COLUMN")
    assert (issue.location, issue.value, issue.severity) == ("row 1 (header)", "obs_value", "error")


@pytest.mark.parametrize(("encoding", "sep"), [("utf-8", ","), ("utf-8-sig", ";"), ("cp1252", ";")])
def test_csv_encodings_and_separators_read_the_same(tmp_path, encoding, sep):
    def comment(lines):
        lines[15] += "Verurteilungen: Straße"  # the last column, comment, was empty
        return lines

    sub = _csv(tmp_path, comment, encoding, sep)
    assert sub.rows()[14]["comment"] == "Verurteilungen: Straße"
    assert [f.rule for f in sub.findings] == (["L0_ENCODING"] if encoding == "cp1252" else [])
    assert validate(sub).valid


def test_an_excel_number_in_a_text_field_is_read_as_written(tmp_path):
    path = tmp_path / "ART8_AT_2023_R1.xlsx"
    write_submission(metadata(), [dict(o, geo="AT", time_period=2023) for o in observations()], path, "xlsx")
    wb = load_workbook(path)
    row = [c.value for c in wb["Metadata"]["A"]].index("national_definitions") + 1
    wb["Metadata"][f"B{row}"] = 2021.0  # typed as a number
    wb["8(c) Convictions"]["H2"] = 12.0  # comment
    wb.save(path)
    sub = read_submission(path)
    assert sub.metadata["national_definitions"] == "2021"
    assert sub.rows()[14]["comment"] == "12"
    assert values.text(2.5) == "2.5"


def _sheet_xml(path, sheet: str, edit) -> None:
    """Rewrite the XML part of one sheet of a workbook with `edit` (bytes -> bytes)."""
    import zipfile

    wb = load_workbook(path, read_only=True)
    part = wb[sheet]._worksheet_path  # noqa: SLF001 (the sheet's part in the zip)
    wb.close()
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    parts[part] = edit(parts[part])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def _prefixed(xml: bytes) -> bytes:
    """The same sheet with every element of the main namespace written as x:name."""
    import re

    xml = re.sub(rb"<(/?)(\w+)([\s>/])", rb"<\1x:\2\3", xml)
    return xml.replace(b' xmlns="', b' xmlns:x="', 1)


def _utf16(xml: bytes) -> bytes:
    text = xml.decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"')
    return text.encode("utf-16")


@pytest.mark.parametrize("edit", [lambda xml: xml, _prefixed, _utf16], ids=["plain", "prefixed", "utf-16"])
def test_a_formula_is_found_however_the_sheet_xml_is_written(tmp_path, edit):
    """The workbook checks skip the cell walk of a sheet whose XML holds no formula element: how
    the XML names or encodes that element never hides one."""
    path = tmp_path / "ART8_AT_2023_R1.xlsx"
    write_submission(metadata(), [dict(o, geo="AT", time_period=2023) for o in observations()], path, "xlsx")
    wb = load_workbook(path)
    wb["8(c) Convictions"]["E2"] = "=1+3"
    wb.save(path)
    _sheet_xml(path, "8(c) Convictions", edit)
    formulas = [f for f in read_submission(path).findings if f.rule == "L0_FORMULA"]
    assert [(f.location, f.value) for f in formulas] == [("sheet '8(c) Convictions', cell E2", "=1+3")]


def _single_quoted(xml: bytes) -> bytes:
    return xml.replace(b'ref="B2:C2"', b"ref='B2:C2'")


@pytest.mark.parametrize(
    "edit",
    [lambda xml: xml, _prefixed, _utf16, _single_quoted],
    ids=["plain", "prefixed", "utf-16", "quotes"],
)
def test_merged_cells_are_found_however_the_sheet_xml_is_written(tmp_path, edit):
    path = tmp_path / "ART8_AT_2023_R1.xlsx"
    write_submission(metadata(), [dict(o, geo="AT", time_period=2023) for o in observations()], path, "xlsx")
    wb = load_workbook(path)
    wb["8(c) Convictions"].merge_cells("B2:C2")
    wb.save(path)
    _sheet_xml(path, "8(c) Convictions", edit)
    merged = [f for f in read_submission(path).findings if f.rule == "L0_MERGED_CELLS"]
    assert [f.value for f in merged] == ["B2:C2 in sheet '8(c) Convictions'"]
