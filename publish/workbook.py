"""observations.xlsx of a release: a spreadsheet a reader can use without the code lists.

Sheets: README; 'figures', one row per figure in words (the state's name, what is counted and
each breakdown by its label, the number with a thousands separator, the code beside it and the
explanation of that code for this figure); 'observations', the same rows as coded columns for
machines (the data package's table); 'labels', every code with its label; 'flags', every
status code with its meaning. Every sheet has a bold, frozen header row and a filter.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from contracts.contract import load_contract
from contracts.template import _save as save_workbook  # fixed timestamps: same rows, same bytes
from publish import notes
from publish.disclosure import COVERAGE, EU_AGGREGATE, is_hidden

NUMBER = "#,##0"
DIMENSIONS = ("geo", "indicator", "sex", "reporter", "service")


def render(
    rows: list[dict],
    submissions: list[dict],
    readme: list[str],
    columns: list[str],
    safe: Callable,
    flags: dict[str, tuple[str, dict[str, str]]],
) -> bytes:
    """The workbook's bytes; `safe` makes a text formula-safe, as in every export; `flags` is the
    legend every public output shows (publish.exports.flags_legend: the public marking only)."""
    contract = load_contract()
    wb = Workbook()
    sheet = wb.active
    sheet.title = "README"
    for line in readme:
        sheet.append([line])
    sheet["A1"].font = Font(bold=True)
    sheet.column_dimensions["A"].width = 110
    _figures(wb.create_sheet("figures"), rows, submissions, contract, safe)
    observations = wb.create_sheet("observations")
    observations.append(columns)
    for row in rows:
        observations.append([safe(row.get(c)) for c in columns])
    for column in ("obs_value", COVERAGE):
        for cell in observations[_letter(columns.index(column))][1:]:
            cell.number_format = NUMBER
    labels = wb.create_sheet("labels")
    labels.append(["dimension", "code", "label"])
    for dimension in DIMENSIONS:
        for code, label in {**contract.code_lists[dimension], **_eu(dimension)}.items():
            labels.append([dimension, code, label])
    legend = wb.create_sheet("flags")
    legend.append(["attribute", "code", "meaning"])
    for name, (_code_list, codes) in flags.items():
        for code, label in codes.items():
            legend.append([name, code, label])
    for ws in wb.worksheets[1:]:
        _header(ws)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "observations.xlsx"
        save_workbook(wb, path)
        return path.read_bytes()


def _figures(ws: Worksheet, rows: list[dict], submissions: list[dict], contract, safe: Callable) -> None:
    fields = {f.name: f.label for f in contract.observation_fields}
    ws.append([fields[d] for d in DIMENSIONS] + ["Number", "Code", "What the code means", "Comment"])
    reasons = notes.reasons(rows, {s["geo"]: s for s in submissions}, contract)
    for row in rows:
        key = contract.series_key(row)
        legend = dict(notes.legend([row], contract, {"hidden": row.get("conf_status"), "not_collected": ""}))
        code = next(iter(legend), "")
        why = "; ".join(filter(None, [legend.get(code, ""), reasons.get((row["geo"], key))]))
        labels = [
            "" if row[d] == contract.not_applicable else {**contract.code_lists[d], **_eu(d)}[row[d]]
            for d in DIMENSIONS
        ]
        value = None if is_hidden(row) else row["obs_value"]
        ws.append([safe(v) for v in [*labels, value, code, why, row.get("comment")]])
        ws.cell(ws.max_row, len(DIMENSIONS) + 1).number_format = NUMBER
    for column, width in zip("ABCDEFGHI", (22, 50, 16, 40, 34, 12, 8, 70, 40), strict=True):
        ws.column_dimensions[column].width = width
    for cell in ws["H"][1:]:
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def _eu(dimension: str) -> dict[str, str]:
    return (
        {EU_AGGREGATE: "European Union (sum of the Member States that gave the figure)"}
        if dimension == "geo"
        else {}
    )


def _header(ws: Worksheet) -> None:
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)
