"""The XLSX submission template, derived from the contract (layout: docs/formats.md).

Rows, drop-down lists and validations all come from `load_contract()`; only the sheet
titles of the Article 8 points are named here.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from contracts.contract import Contract, load_contract

INSTRUCTIONS_SHEET = "Instructions"
METADATA_SHEET = "Metadata"
CODES_SHEET = "Codes"
METADATA_HEADER = ["field", "value", "description"]
SHEET_TITLES = {"8(a)": "8(a) Reports", "8(b)": "8(b) Children", "8(c)": "8(c) Convictions"}
# Same stamp in the document properties and every zip member: same content, same bytes.
FIXED_TIME = dt.datetime(2021, 8, 2)

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", start_color="D9D9D9")
_ENTRY_FILL = PatternFill("solid", start_color="FFF2CC")
_UNLOCKED = Protection(locked=False)


def point_sheets(contract: Contract | None = None) -> dict[str, str]:
    """Article 8 point -> sheet title, in the order of the contract's series."""
    contract = contract or load_contract()
    return {s["point"]: SHEET_TITLES[s["point"]] for s in contract.series}


def key_columns(contract: Contract | None = None) -> list[str]:
    return list((contract or load_contract()).series_dimensions)


def entry_columns(contract: Contract | None = None) -> list[str]:
    """Columns a Member State fills in: the measure and attributes, except conf_status
    (set by disclosure control, never submitted)."""
    contract = contract or load_contract()
    return [f.name for f in contract.observation_fields if f.role != "dimension" and f.name != "conf_status"]


def build_template(path: Path, metadata: dict | None = None, rows: list[dict] | None = None) -> Path:
    """Write the template to `path`, filled with `metadata` and `rows` when given."""
    contract = load_contract()
    wb = Workbook()
    _instructions(wb.active, contract)
    meta_ws = wb.create_sheet(METADATA_SHEET)
    point_ws = {p: wb.create_sheet(t) for p, t in point_sheets(contract).items()}
    code_ranges = _codes(wb.create_sheet(CODES_SHEET), contract)
    _metadata(meta_ws, contract, metadata or {}, code_ranges)
    figures = _index_rows(rows or [], contract)
    for point, ws in point_ws.items():
        _point(ws, point, contract, figures, code_ranges)
    if figures:
        raise ValueError(f"series not in the Article 8 table: {sorted(figures)}")
    _save(wb, Path(path))
    return Path(path)


def _instructions(ws: Worksheet, contract: Contract) -> None:
    ws.title = INSTRUCTIONS_SHEET
    sheets = ", ".join(f"'{t}'" for t in point_sheets(contract).values())
    lines = [
        f"Article 8 statistics, Regulation (EU) 2021/1232: submission template (contract {contract.version})",
        "",
        f"1. Sheet '{METADATA_SHEET}': fill column B for every field; required fields say so. "
        "Geo and year apply to every figure of the workbook.",
        f"2. Sheets {sheets}: one row per figure; the key columns are locked. "
        "Enter obs_value as a whole number, without separators.",
        "3. A figure that is not available: leave obs_value empty, choose an obs_status "
        "(normally m, missing) and say why in comment. 0 means a real zero, never 'not available'.",
        "4. A breakdown you do not have (for example children by gender): leave its cells empty "
        "with status m, give the total, and explain it in national_definitions.",
        f"5. Sheet '{CODES_SHEET}' lists every allowed code; the drop-down lists use it.",
        f"6. Save as {contract.submission_stem('<GEO>', '<YEAR>', '<REVISION>')}.xlsx; a correction is "
        "a new file with the next "
        "revision number.",
        "",
        "The sheets are protected without a password, only to keep the layout intact.",
    ]
    ws.append([lines[0]])
    ws["A1"].font = Font(bold=True, size=13)
    for line in lines[1:]:
        ws.append([line])
    ws.column_dimensions["A"].width = 110
    ws.protection.sheet = True


def _codes(ws: Worksheet, contract: Contract) -> dict[str, str]:
    """Write every code list as `code_list | code | label`; return list -> cell range."""
    _header(ws, ["code_list", "code", "label"])
    ranges = {}
    for name, codes in contract.code_lists.items():
        first = ws.max_row + 1
        for code, label in codes.items():
            ws.append([name, code, label])
        ranges[name] = f"{quote_sheetname(CODES_SHEET)}!$B${first}:$B${ws.max_row}"
    _widths(ws, [14, 12, 90])
    ws.protection.sheet = True
    return ranges


def _metadata(ws: Worksheet, contract: Contract, metadata: dict, code_ranges: dict) -> None:
    _header(ws, METADATA_HEADER)
    for f in contract.metadata_fields:
        description = f.description + (" Required." if f.required else "")
        ws.append([f.name, metadata.get(f.name), description])
        value = ws.cell(ws.max_row, 2)
        _entry(value)
        if f.logical_type == "date":
            value.number_format = "yyyy-mm-dd"
        if f.code_list:
            _drop_down(ws, code_ranges[f.code_list], value.coordinate)
    _widths(ws, [22, 40, 100])
    for row in ws.iter_rows(min_row=2, min_col=3, max_col=3):
        row[0].alignment = Alignment(wrap_text=True, vertical="top")
    ws.protection.sheet = True


def _point(ws: Worksheet, point: str, contract: Contract, figures: dict, code_ranges: dict) -> None:
    keys, entries = key_columns(contract), entry_columns(contract)
    _header(ws, keys + entries)
    for s in contract.series:
        if s["point"] != point:
            continue
        key = tuple(s[k] for k in keys)
        row = figures.pop(key, {})
        ws.append([*key, *(row.get(e) for e in entries)])
        for cell in ws[ws.max_row][len(keys) :]:
            _entry(cell)
    last = ws.max_row
    value_col = get_column_letter(len(keys) + entries.index("obs_value") + 1)
    status_col = get_column_letter(len(keys) + entries.index("obs_status") + 1)
    for cell in ws[value_col][1:]:
        cell.number_format = "0"
    _whole_number(ws, f"{value_col}2:{value_col}{last}")
    _drop_down(ws, code_ranges["obs_status"], f"{status_col}2:{status_col}{last}")
    _widths(ws, [60 if name == "comment" else 12 for name in keys + entries])
    ws.protection.sheet = True


def _index_rows(rows: list[dict], contract: Contract) -> dict[tuple, dict]:
    return {tuple(r.get(k) for k in contract.series_dimensions): r for r in rows}


def _header(ws: Worksheet, names: list[str]) -> None:
    ws.append(names)
    for cell in ws[1]:
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
    ws.freeze_panes = "A2"


def _entry(cell) -> None:
    cell.protection, cell.fill = _UNLOCKED, _ENTRY_FILL


def _drop_down(ws: Worksheet, source: str, cells: str) -> None:
    dv = DataValidation(type="list", formula1=f"={source}", allow_blank=True)
    dv.error, dv.errorTitle = "Choose a code from the list (sheet Codes).", "Unknown code"
    dv.showErrorMessage = True
    ws.add_data_validation(dv)
    dv.add(cells)


def _whole_number(ws: Worksheet, cells: str) -> None:
    dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
    dv.error, dv.errorTitle = "A count is a whole number, 0 or more.", "Not a count"
    dv.showErrorMessage = True
    ws.add_data_validation(dv)
    dv.add(cells)


def _widths(ws: Worksheet, widths: list[int]) -> None:
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width


class _FixedTimeZipFile(zipfile.ZipFile):
    """A zip whose members all carry FIXED_TIME instead of the time of writing."""

    def writestr(self, zinfo_or_arcname, data, *args, **kwargs):
        if isinstance(zinfo_or_arcname, str):
            zinfo_or_arcname = zipfile.ZipInfo(zinfo_or_arcname, FIXED_TIME.timetuple()[:6])
            zinfo_or_arcname.compress_type = self.compression
            zinfo_or_arcname.external_attr = 0o600 << 16
        super().writestr(zinfo_or_arcname, data, *args, **kwargs)

    def write(self, filename, arcname=None, **_ignored):
        # openpyxl writes worksheets from temporary files, which carry their own mtime.
        self.writestr(arcname or Path(filename).name, Path(filename).read_bytes())


def _save(wb: Workbook, path: Path) -> None:
    # openpyxl's own save stamps "modified" with the current time; write through ExcelWriter.
    wb.properties.creator = wb.properties.lastModifiedBy = "csa-stats"
    wb.properties.created = wb.properties.modified = FIXED_TIME
    path.parent.mkdir(parents=True, exist_ok=True)
    with _FixedTimeZipFile(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).save()
